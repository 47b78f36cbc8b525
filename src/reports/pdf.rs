//! A report as PDF: the JSON the typst template renders (held sections only, blocks flattened to
//! plain text, charts as SVG files beside it, each section's comparison as a table, and the
//! appendix of figures), and the rendering itself by typst (the `masa-typst` crate).

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::kernel::report::Block;

use super::generate::{GeneratedReport, bar_chart, plain};

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The renderer refused the report.
    #[error("the PDF could not be rendered: {0}")]
    Render(String),
}

/// What the template is given: the report JSON and the chart SVGs it names.
#[derive(Debug, Clone)]
pub struct PdfJob {
    pub json: Value,
    /// (file name, SVG bytes), for `{"type":"chart","file":…}` blocks.
    pub charts: Vec<(String, Vec<u8>)>,
}

/// The report JSON the typst template renders, for a draft.
pub fn report_json(report: &GeneratedReport) -> Value {
    report_job(report, "Draft").json
}

/// "Generated on 7 December 2026 by Alex Admin".
fn generated_line(report: &GeneratedReport) -> String {
    let date = crate::kernel::text::parse_iso_date(
        report
            .generated_at
            .get(..10)
            .unwrap_or(&report.generated_at),
    )
    .map(crate::kernel::text::long_date)
    .unwrap_or_else(|| report.generated_at.clone());
    format!("Generated on {date} by {}", report.generated_by)
}

/// The report JSON with its status line ("Draft", "Approved 30 September 2025 by …") and the
/// chart files it names.
pub fn report_job(report: &GeneratedReport, status: &str) -> PdfJob {
    let book = report.book();
    let mut charts = Vec::new();
    let mut sections = Vec::new();
    for section in report.held_sections() {
        let mut blocks = Vec::new();
        let mut chart_number = 0;
        for part in &section.parts {
            if let Some(heading) = &part.heading {
                blocks.push(json!({"type": "heading", "text": heading}));
            }
            for block in &part.blocks {
                blocks.push(match block {
                    Block::Heading { text } => json!({"type": "heading", "text": plain(text, &book)}),
                    Block::Paragraph { content } => {
                        json!({"type": "paragraph", "text": plain(content, &book)})
                    }
                    Block::List { items } => json!({
                        "type": "list",
                        "items": items.iter().map(|item| plain(item, &book)).collect::<Vec<_>>(),
                    }),
                    Block::Table {
                        caption,
                        headers,
                        rows,
                        numeric,
                    } => json!({
                        "type": "table",
                        "caption": plain(caption, &book),
                        "headers": headers.iter().map(|h| plain(h, &book)).collect::<Vec<_>>(),
                        "rows": rows.iter().map(|row| row.iter().map(|cell| plain(cell, &book)).collect::<Vec<_>>()).collect::<Vec<_>>(),
                        "numeric": numeric,
                    }),
                    Block::BarChart { title, bars } => {
                        chart_number += 1;
                        let file = format!("chart-{}-{chart_number}.svg", section.number);
                        let (svg, alternative) = bar_chart(
                            title,
                            bars,
                            &book,
                            &format!("chart-{}-{chart_number}", section.number),
                        );
                        charts.push((file.clone(), svg.into_bytes()));
                        json!({
                            "type": "chart",
                            "file": file,
                            "alt": alternative,
                            "caption": plain(title, &book),
                        })
                    }
                    Block::Notice { content } => {
                        json!({"type": "notice", "text": plain(content, &book)})
                    }
                });
            }
        }
        if !section.comparison.is_empty() {
            let previous = report.period.previous().label();
            blocks.push(json!({
                "type": "table",
                "caption": format!("Change from {previous}"),
                "headers": ["Figure", "This period", previous, "Change"],
                "rows": section.comparison.iter().map(|row| vec![
                    row.title.clone(), row.current.clone(), row.previous.clone(), row.change.clone(),
                ]).collect::<Vec<_>>(),
                "numeric": [false, true, true, true],
            }));
        }
        sections.push(json!({
            "number": section.number.to_string(),
            "title": section.title,
            "blocks": blocks,
        }));
    }
    let appendix: Vec<Value> = report
        .figures
        .iter()
        .map(|computed| {
            json!({
                "key": computed.key,
                "title": computed.full_title(),
                "version": computed.version,
                "period": computed.period,
                "instance": computed.figure.instance,
                "value": super::model::format_figure(&computed.figure),
                "records": computed.record_count,
                "hash": computed.records_hash,
                "definition": computed.definition,
            })
        })
        .collect();
    PdfJob {
        json: json!({
            "title": report.title(),
            "partnership": report.partnership,
            "period": report.period.label(),
            "kind": report.kind.code(),
            "status": status,
            "generated": generated_line(report),
            "sections": sections,
            "appendix": appendix,
        }),
        charts,
    }
}

/// The report as a draft PDF. Its timestamp is the report's generation time and its identifier
/// is drawn from its content, so the same generated report always gives the same bytes.
pub fn render(report: &GeneratedReport) -> Result<Vec<u8>, PdfError> {
    let at = crate::kernel::db::parse_timestamp(&report.generated_at)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let identifier = content_identifier(report);
    render_with(report, "Draft", at, &identifier)
}

/// "masa-yearly-2024-25-" and the first 16 hex digits of the SHA-256 of the report's JSON.
pub fn content_identifier(report: &GeneratedReport) -> String {
    let json = serde_json::to_vec(report).unwrap_or_default();
    let hash = super::model::sha256_hex(&json);
    format!(
        "masa-{}-{}-{}",
        report.kind.code(),
        report.period.code(),
        hash.get(..16).unwrap_or(&hash)
    )
}

/// The figures and their provenance, attached inside the PDF as `figures.json`, so the
/// document carries its own evidence: each figure's definition, version, period, value,
/// numerator and denominator, records (kind, id, name, page, fingerprint), count and hash, and
/// the checks with their outcomes.
pub fn figures_json(report: &GeneratedReport) -> Value {
    json!({
        "report": report.title(),
        "partnership": report.partnership,
        "period": report.period.label(),
        "generated_at": report.generated_at,
        "generated_by": report.generated_by,
        "hash": "SHA-256 of each figure's records: one line per record, kind TAB id TAB fingerprint LF, sorted",
        "figures": report.figures,
        "checks": report.checks,
    })
}

/// "Approved 30 September 2025 by Alex Admin".
pub fn approved_line(at: &str, by: &str) -> String {
    let date = crate::kernel::text::display_date(at.get(..10).unwrap_or(at));
    format!("Approved {date} by {by}")
}

/// An approved version's PDF: its approval line, the approval's time (as stored) and an
/// identifier drawn from the version, so it can be made again byte for byte from the frozen
/// JSON and the stored approval.
pub fn render_approved(
    report: &GeneratedReport,
    version: i64,
    approved_at: &str,
    approved_by: &str,
) -> Result<Vec<u8>, PdfError> {
    let at = crate::kernel::db::parse_timestamp(approved_at).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    render_with(
        report,
        &approved_line(approved_at, approved_by),
        at,
        &format!("masa-report-{version}"),
    )
}

/// The report as a PDF with a fixed status line, timestamp and document identifier, so the
/// same report and approval give the same bytes.
pub fn render_with(
    report: &GeneratedReport,
    status: &str,
    at: OffsetDateTime,
    identifier: &str,
) -> Result<Vec<u8>, PdfError> {
    let job = report_job(report, status);
    let report_json =
        serde_json::to_vec(&job.json).map_err(|error| PdfError::Render(error.to_string()))?;
    let figures = serde_json::to_vec_pretty(&figures_json(report))
        .map_err(|error| PdfError::Render(error.to_string()))?;
    let charts: Vec<(&str, &[u8])> = job
        .charts
        .iter()
        .map(|(name, svg)| (name.as_str(), svg.as_slice()))
        .collect();
    masa_typst::render_report(
        &report_json,
        &charts,
        &[("figures.json", &figures)],
        at,
        identifier,
    )
    .map_err(|error| PdfError::Render(error.to_string()))
}
