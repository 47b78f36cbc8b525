//! A generated report as HTML: the sections' blocks (headings, paragraphs, lists, tables with
//! their captions and header cells, bar charts as inline SVG with their text alternative, notices),
//! each section's change from the period before, and the appendix of figures. Every word read
//! from records or figures is escaped here; the pages embed the result, and
//! [`standalone_html`] wraps it as a whole document with a small stylesheet for the CLI.

use std::fmt::Write as _;

use crate::kernel::report::{Block, FigureRef, Words};

use super::generate::{GeneratedReport, GeneratedSection, bar_chart, resolve};
use super::model::FigureBook;

/// Escapes text for element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Where figures link: the app's figure pages, or nowhere (a standalone document).
pub type FigureLink<'a> = &'a dyn Fn(&FigureRef) -> Option<String>;

/// The link to a figure's page within a version.
pub fn figure_page(version: i64, reference: &FigureRef) -> String {
    let mut href = format!("/reports/{version}/figures/{}", reference.key);
    if !reference.instance.is_empty() {
        href.push_str("?instance=");
        href.push_str(&crate::kernel::text::url_encode(&reference.instance));
    }
    href
}

/// The section's anchor.
pub fn section_id(section: &GeneratedSection) -> String {
    format!("section-{}", section.number)
}

fn words_html(words: &Words, book: &FigureBook, link: FigureLink<'_>) -> String {
    let mut out = String::new();
    for piece in resolve(words, book, link) {
        let text = escape(&piece.text);
        match (&piece.href, piece.figure) {
            (Some(href), true) => {
                let _ = write!(
                    out,
                    "<a class=\"govuk-link masa-figure\" href=\"{}\">{text}</a>",
                    escape(href)
                );
            }
            (None, true) => {
                let _ = write!(out, "<strong class=\"masa-figure\">{text}</strong>");
            }
            (Some(href), false) => {
                // Only the app's own pages and web addresses are linked.
                if href.starts_with('/') || href.starts_with("https://") {
                    let _ = write!(
                        out,
                        "<a class=\"govuk-link\" href=\"{}\">{text}</a>",
                        escape(href)
                    );
                } else {
                    out.push_str(&text);
                }
            }
            (None, false) => out.push_str(&text),
        }
    }
    out
}

/// A section's blocks as HTML. `chart_prefix` keeps chart ids unique on the page.
pub fn blocks_html(
    blocks: &[Block],
    book: &FigureBook,
    link: FigureLink<'_>,
    chart_prefix: &str,
) -> String {
    let mut out = String::new();
    let mut charts = 0;
    for block in blocks {
        match block {
            Block::Heading { text } => {
                let _ = write!(
                    out,
                    "<h4 class=\"govuk-heading-s\">{}</h4>",
                    words_html(text, book, link)
                );
            }
            Block::Paragraph { content } => {
                let _ = write!(
                    out,
                    "<p class=\"govuk-body masa-pre-wrap\">{}</p>",
                    words_html(content, book, link)
                );
            }
            Block::List { items } => {
                out.push_str("<ul class=\"govuk-list govuk-list--bullet\">");
                for item in items {
                    let _ = write!(out, "<li>{}</li>", words_html(item, book, link));
                }
                out.push_str("</ul>");
            }
            Block::Table {
                caption,
                headers,
                rows,
                numeric,
            } => {
                let header_texts: Vec<String> = headers
                    .iter()
                    .map(|h| escape(&super::generate::plain(h, book)))
                    .collect();
                let _ = write!(
                    out,
                    "<table class=\"govuk-table masa-table--stack\"><caption class=\"govuk-table__caption govuk-table__caption--s\">{}</caption><thead class=\"govuk-table__head\"><tr class=\"govuk-table__row\">",
                    words_html(caption, book, link)
                );
                for (index, header) in headers.iter().enumerate() {
                    let class = if numeric.get(index).copied().unwrap_or(false) {
                        " govuk-table__header--numeric"
                    } else {
                        ""
                    };
                    let _ = write!(
                        out,
                        "<th scope=\"col\" class=\"govuk-table__header{class}\">{}</th>",
                        words_html(header, book, link)
                    );
                }
                out.push_str("</tr></thead><tbody class=\"govuk-table__body\">");
                for row in rows {
                    out.push_str("<tr class=\"govuk-table__row\">");
                    for (index, cell) in row.iter().enumerate() {
                        let label = header_texts.get(index).cloned().unwrap_or_default();
                        let cell_html = words_html(cell, book, link);
                        if index == 0 {
                            let _ = write!(
                                out,
                                "<th scope=\"row\" class=\"govuk-table__header\" data-label=\"{label}\">{cell_html}</th>"
                            );
                        } else {
                            let class = if numeric.get(index).copied().unwrap_or(false) {
                                " govuk-table__cell--numeric"
                            } else {
                                ""
                            };
                            let _ = write!(
                                out,
                                "<td class=\"govuk-table__cell{class}\" data-label=\"{label}\">{cell_html}</td>"
                            );
                        }
                    }
                    out.push_str("</tr>");
                }
                out.push_str("</tbody></table>");
            }
            Block::BarChart { title, bars } => {
                charts += 1;
                let (svg, alternative) =
                    bar_chart(title, bars, book, &format!("{chart_prefix}-{charts}"));
                let _ = write!(
                    out,
                    "<figure class=\"masa-chart\">{svg}<figcaption class=\"govuk-body-s\">{}</figcaption>",
                    words_html(title, book, link)
                );
                out.push_str("<details class=\"govuk-details\"><summary class=\"govuk-details__summary\"><span class=\"govuk-details__summary-text\">The chart's figures as text</span></summary><div class=\"govuk-details__text\"><ul class=\"govuk-list\">");
                for bar in bars {
                    let value = book
                        .get(&bar.figure)
                        .map(|c| super::model::format_figure(&c.figure))
                        .unwrap_or_else(|| "not held".to_string());
                    let value = match link(&bar.figure) {
                        Some(href) => format!(
                            "<a class=\"govuk-link masa-figure\" href=\"{}\">{}</a>",
                            escape(&href),
                            escape(&value)
                        ),
                        None => escape(&value),
                    };
                    let _ = write!(out, "<li>{}: {value}</li>", escape(&bar.label));
                }
                let _ = write!(
                    out,
                    "</ul><p class=\"govuk-body-s\">{}</p></div></details></figure>",
                    escape(&alternative)
                );
            }
            Block::Notice { content } => {
                let _ = write!(
                    out,
                    "<div class=\"govuk-inset-text\">{}</div>",
                    words_html(content, book, link)
                );
            }
        }
    }
    out
}

/// The "Change from {previous period}" table of a section, empty when it printed no figure
/// with a value in either period.
pub fn comparison_html(
    section: &GeneratedSection,
    previous_label: &str,
    link: FigureLink<'_>,
) -> String {
    if section.comparison.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<table class=\"govuk-table masa-table--stack\"><caption class=\"govuk-table__caption govuk-table__caption--s\">Change from {}</caption><thead class=\"govuk-table__head\"><tr class=\"govuk-table__row\"><th scope=\"col\" class=\"govuk-table__header\">Figure</th><th scope=\"col\" class=\"govuk-table__header govuk-table__header--numeric\">This period</th><th scope=\"col\" class=\"govuk-table__header govuk-table__header--numeric\">{}</th><th scope=\"col\" class=\"govuk-table__header govuk-table__header--numeric\">Change</th></tr></thead><tbody class=\"govuk-table__body\">",
        escape(previous_label),
        escape(previous_label)
    );
    for row in &section.comparison {
        let title = match link(&row.figure) {
            Some(href) => format!(
                "<a class=\"govuk-link\" href=\"{}\">{}</a>",
                escape(&href),
                escape(&row.title)
            ),
            None => escape(&row.title),
        };
        let _ = write!(
            out,
            "<tr class=\"govuk-table__row\"><th scope=\"row\" class=\"govuk-table__header\" data-label=\"Figure\">{title}</th><td class=\"govuk-table__cell govuk-table__cell--numeric\" data-label=\"This period\">{}</td><td class=\"govuk-table__cell govuk-table__cell--numeric\" data-label=\"{}\">{}</td><td class=\"govuk-table__cell govuk-table__cell--numeric\" data-label=\"Change\">{}</td></tr>",
            escape(&row.current),
            escape(previous_label),
            escape(&row.previous),
            escape(&row.change)
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// Every section with its parts, comparison or "not yet held" notice, as HTML; headings at
/// level two (sections) and three (parts).
pub fn sections_html(report: &GeneratedReport, link: FigureLink<'_>) -> String {
    let book = report.book();
    let previous = report.period.previous().label();
    let mut out = String::new();
    for section in &report.sections {
        let _ = write!(
            out,
            "<section class=\"masa-report-section\" id=\"{}\"><h2 class=\"govuk-heading-l\">{}. {}</h2>",
            section_id(section),
            section.number,
            escape(&section.title)
        );
        match &section.not_yet_held_by {
            Some(module) => {
                let _ = write!(
                    out,
                    "<div class=\"govuk-inset-text\">Not yet held in MASA (the {} module).</div>",
                    escape(module)
                );
            }
            None => {
                for (index, part) in section.parts.iter().enumerate() {
                    if let Some(heading) = &part.heading {
                        let _ = write!(
                            out,
                            "<h3 class=\"govuk-heading-m\">{}</h3>",
                            escape(heading)
                        );
                    }
                    out.push_str(&blocks_html(
                        &part.blocks,
                        &book,
                        link,
                        &format!("chart-{}-{}", section.number, index + 1),
                    ));
                }
                out.push_str(&comparison_html(section, &previous, link));
            }
        }
        out.push_str("</section>");
    }
    out
}

/// The appendix: every figure, its definition, version, period, value, records and hash.
pub fn appendix_html(report: &GeneratedReport, link: FigureLink<'_>) -> String {
    let mut out = String::from(
        "<table class=\"govuk-table masa-table--stack\"><caption class=\"govuk-table__caption govuk-table__caption--m\">Every figure in this report</caption><thead class=\"govuk-table__head\"><tr class=\"govuk-table__row\"><th scope=\"col\" class=\"govuk-table__header\">Figure</th><th scope=\"col\" class=\"govuk-table__header\">Definition</th><th scope=\"col\" class=\"govuk-table__header govuk-table__header--numeric\">Version</th><th scope=\"col\" class=\"govuk-table__header\">Period</th><th scope=\"col\" class=\"govuk-table__header govuk-table__header--numeric\">Value</th><th scope=\"col\" class=\"govuk-table__header govuk-table__header--numeric\">Records</th><th scope=\"col\" class=\"govuk-table__header\">Hash</th></tr></thead><tbody class=\"govuk-table__body\">",
    );
    for computed in &report.figures {
        let reference = computed.reference();
        let title = match link(&reference) {
            Some(href) => format!(
                "<a class=\"govuk-link\" href=\"{}\">{}</a>",
                escape(&href),
                escape(&computed.full_title())
            ),
            None => escape(&computed.full_title()),
        };
        let _ = write!(
            out,
            "<tr class=\"govuk-table__row\"><th scope=\"row\" class=\"govuk-table__header\" data-label=\"Figure\">{title}<br><code class=\"govuk-body-s\">{}</code></th><td class=\"govuk-table__cell\" data-label=\"Definition\">{}</td><td class=\"govuk-table__cell govuk-table__cell--numeric\" data-label=\"Version\">{}</td><td class=\"govuk-table__cell\" data-label=\"Period\">{}</td><td class=\"govuk-table__cell govuk-table__cell--numeric\" data-label=\"Value\">{}</td><td class=\"govuk-table__cell govuk-table__cell--numeric\" data-label=\"Records\">{}</td><td class=\"govuk-table__cell masa-hash\" data-label=\"Hash\"><code>{}</code></td></tr>",
            escape(&super::model::describe_ref(&reference)),
            escape(&computed.definition),
            computed.version,
            escape(&computed.period),
            escape(&super::model::format_figure(&computed.figure)),
            computed.record_count,
            escape(&computed.records_hash)
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// A whole HTML document of the report, with a small embedded stylesheet and no app chrome:
/// for the command line's `--html`. Figures are not linked (no app to link to).
pub fn standalone_html(report: &GeneratedReport) -> Result<String, std::fmt::Error> {
    let no_link = |_: &FigureRef| None;
    let mut out = String::new();
    let title = escape(&report.title());
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title><style>{STYLE}</style></head><body><main>"
    )?;
    write!(
        out,
        "<h1>{title}</h1><p class=\"lead\">{}</p><p>Generated {} by {}</p>",
        escape(&report.partnership),
        escape(&report.generated_at),
        escape(&report.generated_by)
    )?;
    out.push_str("<nav aria-label=\"Contents\"><h2>Contents</h2><ol>");
    for section in &report.sections {
        write!(
            out,
            "<li><a href=\"#{}\">{}</a></li>",
            section_id(section),
            escape(&section.title)
        )?;
    }
    out.push_str("<li><a href=\"#appendix\">Appendix: figure provenance</a></li></ol></nav>");
    out.push_str(&sections_html(report, &no_link));
    out.push_str("<section id=\"appendix\"><h2>Appendix: figure provenance</h2>");
    out.push_str(&appendix_html(report, &no_link));
    out.push_str("</section></main></body></html>\n");
    Ok(out)
}

const STYLE: &str = "body{font-family:Arial,Helvetica,sans-serif;color:#0b0c0c;line-height:1.45;margin:0}\
main{max-width:60em;margin:0 auto;padding:1em 1.5em}\
h1{font-size:2em}h2{font-size:1.5em;margin-top:1.6em;border-top:2px solid #b1b4b6;padding-top:.6em}h3{font-size:1.2em}\
.lead{font-size:1.2em}table{border-collapse:collapse;width:100%;margin:1em 0}\
caption{text-align:left;font-weight:bold;padding:.3em 0}th,td{border-bottom:1px solid #b1b4b6;padding:.4em .6em .4em 0;text-align:left;vertical-align:top}\
.govuk-table__header--numeric,.govuk-table__cell--numeric{text-align:right}\
.govuk-inset-text{border-left:6px solid #b1b4b6;padding:.6em 1em;margin:1em 0;background:#f3f2f1}\
.masa-figure{font-weight:bold}.masa-pre-wrap{white-space:pre-wrap}.masa-hash code{word-break:break-all;font-size:.8em}\
figure{margin:1em 0}figure svg{max-width:100%;height:auto}figcaption{font-size:.9em}\
@media print{h2{break-before:page}a{color:inherit;text-decoration:none}}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }
}
