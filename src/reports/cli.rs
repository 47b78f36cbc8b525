//! `masa report yearly 2024-25 --pdf out.pdf --html out.html`: the same generation as the
//! Reports page, written to files.

use std::path::Path;

use crate::kernel::db::Db;
use crate::kernel::ids::PartnershipId;
use crate::kernel::report::{ReportContribution, ReportKind, ReportPeriod};
use crate::kernel::store::Scope;

use super::generate::{GeneratedReport, generate};

/// What the command was asked for.
pub struct ReportRequest<'a> {
    pub kind: &'a str,
    pub period: &'a str,
    pub partnership: Option<PartnershipId>,
    pub pdf: Option<&'a Path>,
    pub html: Option<&'a Path>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportCommandError {
    #[error("unknown report {0:?}: use yearly or quarterly")]
    UnknownKind(String),
    #[error("{0:?} is not a period: write a financial year as 2024-25, a quarter as 2025-26-Q2")]
    NotAPeriod(String),
    #[error("a {kind} report needs {expected}, not {period:?}")]
    WrongPeriod {
        kind: &'static str,
        expected: &'static str,
        period: String,
    },
    #[error("this installation holds no partnership yet")]
    NoPartnership,
    #[error("this installation holds several partnerships; choose one with --partnership:\n{0}")]
    SeveralPartnerships(String),
    #[error("there is no partnership with id {0} (see `masa partnership list`)")]
    UnknownPartnership(PartnershipId),
    #[error("nothing to write: give --pdf FILE, --html FILE or both")]
    NothingToWrite,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("could not make the PDF: {0}")]
    Pdf(#[from] super::pdf::PdfError),
    #[error("could not make the HTML: {0}")]
    Html(String),
    #[error("could not write {path}: {error}")]
    Write { path: String, error: std::io::Error },
}

/// Generates the report and writes the files asked for; answers a summary to print.
pub async fn write_report(
    db: &Db,
    registry: &ReportContribution,
    request: &ReportRequest<'_>,
) -> Result<String, ReportCommandError> {
    let kind = ReportKind::from_code(request.kind.trim())
        .ok_or_else(|| ReportCommandError::UnknownKind(request.kind.to_string()))?;
    let period = ReportPeriod::parse(request.period)
        .ok_or_else(|| ReportCommandError::NotAPeriod(request.period.to_string()))?;
    if period.kind() != kind {
        return Err(ReportCommandError::WrongPeriod {
            kind: kind.code(),
            expected: match kind {
                ReportKind::Yearly => "a financial year such as 2024-25",
                ReportKind::Quarterly => "a quarter such as 2025-26-Q2",
            },
            period: request.period.to_string(),
        });
    }
    if request.pdf.is_none() && request.html.is_none() {
        return Err(ReportCommandError::NothingToWrite);
    }
    let partnerships = crate::partnership::partnerships(db).await?;
    let (partnership, name) = match (request.partnership, partnerships.as_slice()) {
        (Some(id), all) => all
            .iter()
            .find(|(candidate, _)| *candidate == id)
            .cloned()
            .ok_or(ReportCommandError::UnknownPartnership(id))?,
        (None, []) => return Err(ReportCommandError::NoPartnership),
        (None, [only]) => only.clone(),
        (None, several) => {
            return Err(ReportCommandError::SeveralPartnerships(
                several
                    .iter()
                    .map(|(id, name)| format!("  {id}\t{name}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ));
        }
    };
    let report = generate(
        registry,
        Scope::new(db, partnership),
        period,
        &name,
        "masa report (command line)",
        time::OffsetDateTime::now_utc(),
    )
    .await?;
    let mut written = Vec::new();
    if let Some(path) = request.pdf {
        let bytes = super::pdf::render(&report)?;
        write(path, &bytes)?;
        written.push(format!(
            "{} (SHA-256 {})",
            path.display(),
            super::model::sha256_hex(&bytes)
        ));
    }
    if let Some(path) = request.html {
        let html = super::html::standalone_html(&report)
            .map_err(|error| ReportCommandError::Html(error.to_string()))?;
        write(path, html.as_bytes())?;
        written.push(path.display().to_string());
    }
    Ok(summary(&report, &written))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ReportCommandError> {
    std::fs::write(path, bytes).map_err(|error| ReportCommandError::Write {
        path: path.display().to_string(),
        error,
    })
}

fn summary(report: &GeneratedReport, written: &[String]) -> String {
    let held = report.held_sections().count();
    let failed = report.failed_checks();
    let mut lines = vec![format!(
        "{} for {}: {} of {} sections held in MASA, {} figures, {} of {} checks passed.",
        report.title(),
        report.partnership,
        held,
        report.sections.len(),
        report.figures.len(),
        report.checks.len() - failed.len(),
        report.checks.len()
    )];
    for check in failed {
        lines.push(format!("  FAILED: {}: {}", check.what, check.detail));
    }
    for file in written {
        lines.push(format!("Wrote {file}"));
    }
    lines.join("\n")
}
