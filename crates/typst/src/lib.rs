//! PDF documents made by typst embedded as a library.
//!
//! A [`PdfJob`] is compiled in a sealed, in-memory typst world: the main source and the virtual
//! files the job lists are all it can read (no file system, no network, no packages), and its
//! fonts are the ones typst ships embedded in the binary (no system fonts), so the same job gives
//! the same bytes on every machine. Every PDF is PDF/UA-1 (tagged, titled, with a language and an
//! outline); typst refuses to write one that breaks the standard, and says why.
//!
//! [`render_report`] fills [`REPORT_TEMPLATE`] with the reports module's JSON. User text only
//! ever reaches typst inside that JSON, which the template reads with `json(..)`: it is data,
//! never markup, so it cannot inject typst code.

mod text;
mod world;

use std::fmt;

use typst::WorldExt;
use typst::diag::{Severity, SourceDiagnostic};
use typst::syntax::DiagSpanKind;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

pub use crate::text::{REPLACEMENT, displayable};
use crate::world::MemoryWorld;

/// The report template: renders the report JSON (`report.json`) the reports module produces.
pub const REPORT_TEMPLATE: &str = include_str!("../templates/report.typ");

/// The feedback letter template: renders `letter.json` (an assurance feedback letter: title,
/// partnership, organisation, date and the letter's parts as plain strings) with
/// [`compile_pdf`]. Strings should be passed through [`displayable`] first.
pub const LETTER_TEMPLATE: &str = include_str!("../templates/letter.typ");

/// One document to compile: a typst source and the virtual files it may read.
#[derive(Debug, Clone)]
pub struct PdfJob<'a> {
    /// The `.typ` source of the main file.
    pub main: &'a str,
    /// Virtual files the source may read, by name: `("report.json", ..)`, `("chart-1.svg", ..)`.
    pub files: &'a [(&'a str, &'a [u8])],
    /// The creation date written into the PDF (and typst's `datetime.today()`): fixed, so the
    /// same job gives the same bytes.
    pub timestamp: time::OffsetDateTime,
    /// A stable document identifier (hashed into the PDF's /ID): same input, same bytes.
    pub identifier: &'a str,
}

/// Why a document could not be made: typst's diagnostics, each with its message and, where it
/// points into a file, `file:line:col` (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypstError {
    pub diagnostics: Vec<String>,
}

impl TypstError {
    fn single(message: impl Into<String>) -> Self {
        Self {
            diagnostics: vec![message.into()],
        }
    }
}

impl fmt::Display for TypstError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("typst could not make the PDF: ")?;
        f.write_str(&self.diagnostics.join("; "))
    }
}

impl std::error::Error for TypstError {}

/// Compiles a typst document held in memory to PDF bytes (PDF/UA-1, tagged).
pub fn compile_pdf(job: &PdfJob) -> Result<Vec<u8>, TypstError> {
    let world = MemoryWorld::new(job)?;
    let compiled = typst::compile::<PagedDocument>(&world);
    let document = compiled
        .output
        .map_err(|errors| diagnostics_error(&world, errors.as_slice()))?;
    let options = PdfOptions {
        ident: typst::foundations::Smart::Custom(job.identifier.to_string()),
        creator: typst::foundations::Smart::Custom(Some("MASA (typst 0.15.1)".to_string())),
        timestamp: Some(world::pdf_timestamp(job.timestamp)?),
        page_ranges: None,
        standards: standards()?,
        tagged: true,
        pretty: false,
    };
    let pdf = typst_pdf::pdf(&document, &options)
        .map_err(|errors| diagnostics_error(&world, errors.as_slice()));
    // Keep typst's memoisation cache bounded: entries unused for a few renders are dropped.
    typst::comemo::evict(8);
    pdf
}

/// Convenience: [`REPORT_TEMPLATE`] over `report.json`, the chart SVG files it names and any
/// attachments (e.g. `("figures.json", ..)`, attached inside the PDF) -> PDF bytes.
///
/// Characters in the JSON's strings or the charts' text that no embedded font has (emoji,
/// CJK, control characters) are shown as U+FFFD, see [`displayable`]: PDF/UA-1 would otherwise
/// refuse the whole report. Attachments are embedded byte for byte.
pub fn render_report(
    report_json: &[u8],
    charts: &[(&str, &[u8])],
    attachments: &[(&str, &[u8])],
    timestamp: time::OffsetDateTime,
    identifier: &str,
) -> Result<Vec<u8>, TypstError> {
    // The template learns which attachments exist from this generated list, so it never reads
    // a file that was not given.
    let names: Vec<String> = attachments
        .iter()
        .map(|(name, _)| json_string(name))
        .collect();
    let attachment_list = format!("[{}]", names.join(","));
    let report_json = text::displayable_json(report_json);
    let charts: Vec<(&str, std::borrow::Cow<[u8]>)> = charts
        .iter()
        .map(|(name, svg)| (*name, text::displayable_svg(svg)))
        .collect();
    let mut files: Vec<(&str, &[u8])> = Vec::with_capacity(charts.len() + attachments.len() + 2);
    files.push(("report.json", &report_json));
    files.push(("attachments.json", attachment_list.as_bytes()));
    files.extend(charts.iter().map(|(name, svg)| (*name, svg.as_ref())));
    files.extend_from_slice(attachments);
    compile_pdf(&PdfJob {
        main: REPORT_TEMPLATE,
        files: &files,
        timestamp,
        identifier,
    })
}

/// The standards every PDF conforms to: PDF/UA-1.
fn standards() -> Result<PdfStandards, TypstError> {
    PdfStandards::new(&[PdfStandard::Ua_1])
        .map_err(|e| TypstError::single(format!("PDF standards: {}", e.message())))
}

/// A JSON string literal (quotes, backslashes and control characters escaped).
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Turns typst's diagnostics into a [`TypstError`]: errors only, each with where it points.
fn diagnostics_error(world: &MemoryWorld, diagnostics: &[SourceDiagnostic]) -> TypstError {
    let mut lines: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| describe(world, d))
        .collect();
    if lines.is_empty() {
        lines.push("typst failed without a diagnostic".to_string());
    }
    TypstError { diagnostics: lines }
}

fn describe(world: &MemoryWorld, diagnostic: &SourceDiagnostic) -> String {
    let mut text = diagnostic.message.to_string();
    if let Some(place) = locate(world, diagnostic.span) {
        text = format!("{place}: {text}");
    }
    for hint in &diagnostic.hints {
        text.push_str(" (hint: ");
        text.push_str(&hint.v);
        text.push(')');
    }
    // Errors inside a function called from elsewhere: name the call site too.
    for point in diagnostic.trace.iter().take(3) {
        if let Some(place) = locate(world, point.span.into()) {
            text.push_str(&format!(" [{} at {place}]", point.v));
        }
    }
    text
}

/// `file:line:col` (1-based) of a diagnostic span, if it points into a file.
fn locate(world: &MemoryWorld, span: typst::syntax::DiagSpan) -> Option<String> {
    let id = match span.get() {
        DiagSpanKind::Detached => return None,
        DiagSpanKind::Number { id, .. } | DiagSpanKind::Range { id, .. } => id,
    };
    let name = id.vpath().get_without_slash().to_string();
    let range = world.range(span)?;
    let text = world.text_of(id)?;
    let lines = typst::syntax::Lines::new(text);
    let (line, col) = lines.byte_to_line_column(range.start)?;
    Some(format!("{name}:{}:{}", line + 1, col + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_string_escapes_quotes_backslashes_and_controls() {
        assert_eq!(json_string("a\"b\\c\nd"), "\"a\\\"b\\\\c\\u000ad\"");
        assert_eq!(json_string("figures.json"), "\"figures.json\"");
    }

    #[test]
    fn ua1_is_a_valid_standard_set() {
        assert!(standards().is_ok());
    }
}
