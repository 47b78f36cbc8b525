//! Generating a report: every registered figure computed for the period and the period before,
//! the arithmetic checked, each registered section built and compared with the period before, and
//! the whole resolved into one [`GeneratedReport`] — the value that is shown, frozen and rendered
//! to HTML and PDF. Nothing here formats a number a figure did not produce.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::kernel::report::{
    Block, FigureCheck, FigureRef, Inline, Parts, QuarterlySection, ReportContribution,
    ReportInput, ReportKind, ReportPeriod, SectionSlot, SharedLoads, Words, YearlySection,
};
use crate::kernel::store::Scope;

use super::model::{
    CheckOutcome, ComputedFigure, FigureBook, check_rates, describe_ref, format_change,
    format_figure, format_value, records_hash, run_check,
};

/// A generated report: what a version of a report holds, frozen once approved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratedReport {
    pub kind: ReportKind,
    pub period: ReportPeriod,
    pub partnership: String,
    /// Who generated it and when (RFC 3339).
    pub generated_by: String,
    pub generated_at: String,
    pub sections: Vec<GeneratedSection>,
    pub figures: Vec<ComputedFigure>,
    pub checks: Vec<CheckOutcome>,
}

/// One section: held (with its parts) or not yet held in MASA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratedSection {
    pub slot: SectionSlot,
    pub number: usize,
    pub title: String,
    /// The module that will hold it, where none does yet.
    pub not_yet_held_by: Option<String>,
    pub parts: Vec<GeneratedPart>,
    /// The change from the period before of every figure the section printed.
    pub comparison: Vec<Comparison>,
}

impl GeneratedSection {
    pub fn is_held(&self) -> bool {
        self.not_yet_held_by.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratedPart {
    pub module: String,
    pub heading: Option<String>,
    pub blocks: Vec<Block>,
}

/// A figure this period and the period before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub figure: FigureRef,
    pub title: String,
    pub current: String,
    pub previous: String,
    pub change: String,
}

impl GeneratedReport {
    pub fn title(&self) -> String {
        match self.kind {
            ReportKind::Yearly => format!("Yearly report {}", self.period.label()),
            ReportKind::Quarterly => format!("Quarterly board report {}", self.period.label()),
        }
    }

    pub fn book(&self) -> FigureBook {
        FigureBook::new(self.figures.iter().cloned())
    }

    pub fn failed_checks(&self) -> Vec<&CheckOutcome> {
        self.checks.iter().filter(|c| !c.passed).collect()
    }

    /// Sections held, in order.
    pub fn held_sections(&self) -> impl Iterator<Item = &GeneratedSection> {
        self.sections.iter().filter(|s| s.is_held())
    }
}

/// The slots of a report kind, in order, with their numbers, titles and future owners.
pub fn slots(kind: ReportKind) -> Vec<(SectionSlot, usize, &'static str, &'static str)> {
    match kind {
        ReportKind::Yearly => YearlySection::ALL
            .iter()
            .map(|s| (SectionSlot::Yearly(*s), s.number(), s.title(), s.held_by()))
            .collect(),
        ReportKind::Quarterly => QuarterlySection::ALL
            .iter()
            .map(|s| {
                (
                    SectionSlot::Quarterly(*s),
                    s.number(),
                    s.title(),
                    s.held_by(),
                )
            })
            .collect(),
    }
}

/// Generates the report of `kind` for `period` from the partnership's records now.
pub async fn generate(
    registry: &ReportContribution,
    scope: Scope<'_>,
    period: ReportPeriod,
    partnership: &str,
    generated_by: &str,
    at: OffsetDateTime,
) -> Result<GeneratedReport, sqlx::Error> {
    let computed_at = crate::kernel::db::timestamp_text(at);
    let previous_period = period.previous();
    // One set of shared loads for the whole generation: definitions and sections that read the
    // same records read them once per period.
    let loads = SharedLoads::default();
    let input = ReportInput::new(scope, period, &loads);
    let before = input.for_period(previous_period);
    let mut figures = Vec::new();
    for definition in &registry.figures {
        let started = std::time::Instant::now();
        let current = (definition.compute)(&input).await?;
        let mut previous = (definition.compute)(&before).await?;
        tracing::debug!(
            figure = definition.key,
            instances = current.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "report figure computed"
        );
        for figure in current {
            let before = previous
                .iter()
                .position(|p| p.instance == figure.instance)
                .map(|index| {
                    let mut before = previous.swap_remove(index);
                    before.records = Vec::new();
                    before
                });
            figures.push(ComputedFigure {
                key: definition.key.to_string(),
                version: definition.version,
                title: definition.title.to_string(),
                definition: definition.definition.to_string(),
                period: period.label(),
                record_count: figure.records.len(),
                records_hash: records_hash(&figure.records),
                figure,
                previous: before,
                computed_at: computed_at.clone(),
            });
        }
    }
    let book = FigureBook::new(figures);

    let mut sections = Vec::new();
    for (slot, number, title, held_by) in slots(period.kind()) {
        let definitions = registry.sections_in(slot);
        let mut parts = Vec::new();
        for definition in &definitions {
            let started = std::time::Instant::now();
            let blocks = (definition.build)(&input).await?;
            tracing::debug!(
                section = title,
                module = definition.module,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "report section built"
            );
            parts.push(GeneratedPart {
                module: definition.module.to_string(),
                heading: definition.heading.map(str::to_string),
                blocks,
            });
        }
        let comparison = compare(&book, &parts, &previous_period.label());
        sections.push(GeneratedSection {
            slot,
            number,
            title: title.to_string(),
            not_yet_held_by: definitions.is_empty().then(|| held_by.to_string()),
            parts,
            comparison,
        });
    }

    let mut checks = check_rates(&book);
    checks.extend(registry.checks.iter().map(|check| run_check(check, &book)));
    checks.extend(unresolved_references(&book, &sections));

    Ok(GeneratedReport {
        kind: period.kind(),
        period,
        partnership: partnership.to_string(),
        generated_by: generated_by.to_string(),
        generated_at: computed_at,
        figures: kept_figures(book, &sections, &registry.checks),
        sections,
        checks,
    })
}

/// The figures a report keeps: those its sections print and those its checks add up. A family
/// (a value per indicator) is computed whole, but the report, its appendix and its attached
/// `figures.json` hold the instances a reader meets, not every indicator the partnership has.
fn kept_figures(
    book: FigureBook,
    sections: &[GeneratedSection],
    checks: &[FigureCheck],
) -> Vec<ComputedFigure> {
    let mut printed: BTreeSet<FigureRef> = sections
        .iter()
        .flat_map(|section| &section.parts)
        .flat_map(|part| referenced_figures(&part.blocks))
        .collect();
    let mut whole_families = BTreeSet::new();
    for check in checks {
        let FigureCheck::PartsSumToTotal { total, parts } = check;
        printed.insert(total.clone());
        match parts {
            Parts::EveryInstanceOf(key) => {
                whole_families.insert(*key);
            }
            Parts::Figures(references) => printed.extend(references.iter().cloned()),
        }
    }
    book.into_vec()
        .into_iter()
        .filter(|computed| {
            whole_families.contains(computed.key.as_str())
                || printed.contains(&computed.reference())
        })
        .collect()
}

/// Every figure a section's blocks refer to, in the order printed, once each.
pub fn referenced_figures(blocks: &[Block]) -> Vec<FigureRef> {
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    for_each_inline(blocks, &mut |inline| {
        if let Inline::Figure { figure } | Inline::PreviousFigure { figure } = inline
            && seen.insert(figure.clone())
        {
            order.push(figure.clone());
        }
    });
    for block in blocks {
        if let Block::BarChart { bars, .. } = block {
            for bar in bars {
                if seen.insert(bar.figure.clone()) {
                    order.push(bar.figure.clone());
                }
            }
        }
    }
    order
}

/// Calls `visit` for every inline of the blocks, in reading order.
pub fn for_each_inline(blocks: &[Block], visit: &mut impl FnMut(&Inline)) {
    let mut words = |words: &Words| words.iter().for_each(&mut *visit);
    for block in blocks {
        match block {
            Block::Heading { text } => words(text),
            Block::Paragraph { content } | Block::Notice { content } => words(content),
            Block::List { items } => items.iter().for_each(&mut words),
            Block::Table {
                caption,
                headers,
                rows,
                ..
            } => {
                words(caption);
                headers.iter().for_each(&mut words);
                rows.iter().flatten().for_each(&mut words);
            }
            Block::BarChart { title, .. } => words(title),
        }
    }
}

fn compare(book: &FigureBook, parts: &[GeneratedPart], _previous: &str) -> Vec<Comparison> {
    let mut seen = BTreeSet::new();
    let mut rows = Vec::new();
    for part in parts {
        for reference in referenced_figures(&part.blocks) {
            if !seen.insert(reference.clone()) {
                continue;
            }
            let Some(computed) = book.get(&reference) else {
                continue;
            };
            let previous_value = computed.previous.as_ref().and_then(|p| p.value);
            if computed.figure.value.is_none() && previous_value.is_none() {
                continue;
            }
            rows.push(Comparison {
                figure: reference,
                title: computed.full_title(),
                current: format_figure(&computed.figure),
                previous: computed
                    .previous
                    .as_ref()
                    .map(format_figure)
                    .unwrap_or_else(|| format_value(None, &computed.figure.unit)),
                change: format_change(computed.figure.value, previous_value, &computed.figure.unit),
            });
        }
    }
    rows
}

fn unresolved_references(book: &FigureBook, sections: &[GeneratedSection]) -> Vec<CheckOutcome> {
    let mut outcomes = Vec::new();
    for section in sections {
        for part in &section.parts {
            for reference in referenced_figures(&part.blocks) {
                if book.get(&reference).is_none() {
                    outcomes.push(CheckOutcome {
                        passed: false,
                        what: format!(
                            "Section {} ({}) prints only computed figures",
                            section.number, section.title
                        ),
                        detail: format!(
                            "it refers to {}, which no registered definition computed",
                            describe_ref(&reference)
                        ),
                    });
                }
            }
        }
    }
    outcomes
}

// ---- resolving words for output ----

/// A piece of text as output: its words, and where it links (a figure's records, a record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolved {
    pub text: String,
    pub href: Option<String>,
    /// Set for a figure, so HTML can mark it up as one.
    pub figure: bool,
}

/// Resolves words against the report's figures; `figure_href` makes the link to a figure's
/// records page (HTML), or none (PDF).
pub fn resolve(
    words: &Words,
    book: &FigureBook,
    figure_href: &dyn Fn(&FigureRef) -> Option<String>,
) -> Vec<Resolved> {
    words
        .iter()
        .map(|inline| match inline {
            Inline::Text { text } => Resolved {
                text: text.to_string(),
                href: None,
                figure: false,
            },
            Inline::Data { text } => Resolved {
                text: text.clone(),
                href: None,
                figure: false,
            },
            Inline::Link { text, href } => Resolved {
                text: text.clone(),
                href: Some(href.clone()),
                figure: false,
            },
            Inline::Figure { figure } => Resolved {
                text: book
                    .get(figure)
                    .map(|c| format_figure(&c.figure))
                    .unwrap_or_else(|| "not held".to_string()),
                href: figure_href(figure),
                figure: true,
            },
            Inline::PreviousFigure { figure } => Resolved {
                text: book
                    .get(figure)
                    .and_then(|c| c.previous.as_ref())
                    .map(format_figure)
                    .unwrap_or_else(|| "not held".to_string()),
                href: figure_href(figure),
                figure: true,
            },
        })
        .collect()
}

/// Words as plain text (PDF, alt text).
pub fn plain(words: &Words, book: &FigureBook) -> String {
    resolve(words, book, &|_| None)
        .into_iter()
        .map(|r| r.text)
        .collect()
}

/// A bar chart's values and its SVG and text alternative, drawn from its figures.
pub fn bar_chart(
    title: &Words,
    bars: &[crate::kernel::report::Bar],
    book: &FigureBook,
    id_prefix: &str,
) -> (String, String) {
    let title = plain(title, book);
    let values: Vec<(String, f64)> = bars
        .iter()
        .map(|bar| {
            let value = book
                .get(&bar.figure)
                .and_then(|c| c.figure.value)
                .unwrap_or(0.0);
            (bar.label.clone(), value)
        })
        .collect();
    let svg = masa_charts::bar_chart_svg(&title, &values, id_prefix);
    let alternative = format!(
        "{title}. {}",
        masa_charts::bar_chart_text_alternative(&values)
    );
    (svg, alternative)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::report::{Bar, Figure};

    #[test]
    fn references_are_listed_once_in_reading_order() {
        let a = FigureRef::single("a.one");
        let b = FigureRef::of("b.family", "x");
        let blocks = vec![
            Block::Paragraph {
                content: vec![
                    Inline::text("We held "),
                    Inline::figure(a.clone()),
                    Inline::previous(a.clone()),
                ],
            },
            Block::BarChart {
                title: vec![Inline::text("Themes")],
                bars: vec![Bar {
                    label: "X".into(),
                    figure: b.clone(),
                }],
            },
        ];
        assert_eq!(referenced_figures(&blocks), vec![a, b]);
    }

    #[test]
    fn words_resolve_against_the_figures() {
        let computed = ComputedFigure {
            key: "a.rate".into(),
            version: 1,
            title: "On time".into(),
            definition: String::new(),
            period: "2024/25".into(),
            figure: Figure::rate("", "", 35, 42, 0, Vec::new()),
            previous: Some(Figure::rate("", "", 1, 2, 0, Vec::new())),
            record_count: 0,
            records_hash: String::new(),
            computed_at: String::new(),
        };
        let book = FigureBook::new([computed]);
        let words = vec![
            Inline::text("On time: "),
            Inline::figure(FigureRef::single("a.rate")),
            Inline::text(", before: "),
            Inline::previous(FigureRef::single("a.rate")),
            Inline::text("; missing: "),
            Inline::figure(FigureRef::single("b.none")),
        ];
        assert_eq!(
            plain(&words, &book),
            "On time: 83% (35 of 42), before: 50% (1 of 2); missing: not held"
        );
    }
}
