//! The reports' rules, with no SQL and no HTTP: how a figure is written, how its records are
//! hashed, the arithmetic cross-checks, the change from the previous period, suggested narrative,
//! and the rule that template words hold no literal number.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::kernel::report::{Figure, FigureCheck, FigureRef, Parts, RecordRef, Unit};

/// A figure as computed for a report: its definition, its value for the period and for the
/// period before, and the evidence kept with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComputedFigure {
    pub key: String,
    pub version: u32,
    pub title: String,
    pub definition: String,
    /// The period's label ("2024/25").
    pub period: String,
    pub figure: Figure,
    /// The value for the period before (its records are not kept).
    pub previous: Option<Figure>,
    pub record_count: usize,
    /// SHA-256 of the records behind the value (see [`records_hash`]).
    pub records_hash: String,
    /// When it was computed (RFC 3339).
    pub computed_at: String,
}

impl ComputedFigure {
    pub fn reference(&self) -> FigureRef {
        FigureRef {
            key: self.key.clone().into(),
            instance: self.figure.instance.clone().into(),
        }
    }

    /// The figure's name with its instance: "Actions by status: Completed".
    pub fn full_title(&self) -> String {
        if self.figure.instance.is_empty() || self.figure.label.is_empty() {
            self.title.clone()
        } else {
            format!("{}: {}", self.title, self.figure.label)
        }
    }
}

/// The figures of one report, looked up by reference.
#[derive(Debug, Default)]
pub struct FigureBook {
    figures: BTreeMap<(String, String), ComputedFigure>,
}

impl FigureBook {
    pub fn new(figures: impl IntoIterator<Item = ComputedFigure>) -> FigureBook {
        FigureBook {
            figures: figures
                .into_iter()
                .map(|f| ((f.key.clone(), f.figure.instance.clone()), f))
                .collect(),
        }
    }

    pub fn get(&self, reference: &FigureRef) -> Option<&ComputedFigure> {
        self.figures
            .get(&(reference.key.to_string(), reference.instance.to_string()))
    }

    /// Every instance of a definition.
    pub fn instances_of<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a ComputedFigure> {
        self.figures.values().filter(move |f| f.key == key)
    }

    pub fn all(&self) -> impl Iterator<Item = &ComputedFigure> {
        self.figures.values()
    }

    pub fn into_vec(self) -> Vec<ComputedFigure> {
        self.figures.into_values().collect()
    }
}

// ---- writing figures ----

/// "1,234" (whole numbers grouped by thousands), rounding to `places` decimals.
pub fn group_thousands(value: f64, places: u8) -> String {
    let text = format!("{:.*}", usize::from(places), value.abs());
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole.to_string(), Some(fraction.to_string())),
        None => (text, None),
    };
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let negative = value < 0.0 && grouped.chars().any(|c| c != '0' && c != ',');
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&grouped);
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(&fraction);
    }
    out
}

/// The value alone, in its unit: "83%", "£214,394", "12 working days", "3.4 per 10,000".
pub fn format_value(value: Option<f64>, unit: &Unit) -> String {
    let Some(value) = value else {
        return "not held".to_string();
    };
    match unit {
        Unit::Count => group_thousands(value, 0),
        // Rounded half up, as every page prints a percentage (`kernel::text::percent_text`).
        Unit::Percent { places } => format!(
            "{}%",
            group_thousands(crate::kernel::text::round_half_up(value, *places), *places)
        ),
        Unit::Pence => {
            let pounds = value / 100.0;
            let places = if (value.round() as i64) % 100 == 0 {
                0
            } else {
                2
            };
            let text = group_thousands(pounds.abs(), places);
            if pounds < 0.0 {
                format!("-£{text}")
            } else {
                format!("£{text}")
            }
        }
        Unit::Days { working } => {
            let days = group_thousands(value, 0);
            let one = days == "1";
            match (working, one) {
                (true, true) => "1 working day".to_string(),
                (true, false) => format!("{days} working days"),
                (false, true) => "1 day".to_string(),
                (false, false) => format!("{days} days"),
            }
        }
        Unit::Number { places, suffix } => {
            let number = group_thousands(value, *places);
            match suffix.as_str() {
                "" => number,
                "%" => format!("{number}%"),
                suffix => format!("{number} {suffix}"),
            }
        }
    }
}

/// The figure as printed: its value, and for a rate its counts beside it: "83% (35 of 42)".
pub fn format_figure(figure: &Figure) -> String {
    let value = format_value(figure.value, &figure.unit);
    match (figure.numerator, figure.denominator) {
        (Some(numerator), Some(denominator)) => format!(
            "{value} ({} of {})",
            group_thousands(numerator as f64, 0),
            group_thousands(denominator as f64, 0)
        ),
        _ => value,
    }
}

/// The change from the previous period, in the figure's unit: "up 29 percentage points",
/// "down 3", "no change", or "not comparable" where either value is not held.
pub fn format_change(current: Option<f64>, previous: Option<f64>, unit: &Unit) -> String {
    let (Some(current), Some(previous)) = (current, previous) else {
        return "not comparable".to_string();
    };
    let difference = current - previous;
    let places = match unit {
        Unit::Percent { places } | Unit::Number { places, .. } => *places,
        Unit::Pence => 2,
        _ => 0,
    };
    let rounded = format!("{:.*}", usize::from(places), difference.abs());
    if rounded.chars().all(|c| c == '0' || c == '.') {
        return "no change".to_string();
    }
    let direction = if difference > 0.0 { "up" } else { "down" };
    let amount = match unit {
        Unit::Percent { places } => {
            let points = group_thousands(difference.abs(), *places);
            if points == "1" {
                "1 percentage point".to_string()
            } else {
                format!("{points} percentage points")
            }
        }
        unit => format_value(Some(difference.abs()), unit),
    };
    format!("{direction} {amount}")
}

// ---- evidence ----

/// SHA-256, in hex, of the records behind a figure: one line per record ("kind\tid\tfingerprint"),
/// sorted, so the same records give the same hash whatever order a query returned them in.
pub fn records_hash(records: &[RecordRef]) -> String {
    let mut lines: Vec<String> = records
        .iter()
        .map(|r| format!("{}\t{}\t{}\n", r.kind, r.id, r.fingerprint))
        .collect();
    lines.sort();
    let mut hasher = Sha256::new();
    for line in lines {
        hasher.update(line.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// SHA-256 of a file, in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

// ---- checks ----

/// The outcome of one arithmetic check, naming both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckOutcome {
    pub passed: bool,
    /// What was checked: "Actions by status add up to All actions".
    pub what: String,
    /// Both sides, written out: "All actions: 56; the parts add up to 55 (Completed 30, …)".
    pub detail: String,
}

fn close_enough(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// Recomputes every rate from its counts.
pub fn check_rates(book: &FigureBook) -> Vec<CheckOutcome> {
    book.all()
        .filter_map(|computed| {
            let figure = &computed.figure;
            let (numerator, denominator) = (figure.numerator?, figure.denominator?);
            let recomputed =
                (denominator != 0).then(|| numerator as f64 * 100.0 / denominator as f64);
            let passed = match (figure.value, recomputed) {
                (Some(value), Some(recomputed)) => close_enough(value, recomputed),
                (None, None) => true,
                _ => false,
            };
            Some(CheckOutcome {
                passed,
                what: format!("{} is recomputed from its counts", computed.full_title()),
                detail: format!(
                    "printed {}; {} of {} is {}",
                    format_value(figure.value, &figure.unit),
                    numerator,
                    denominator,
                    format_value(recomputed, &figure.unit)
                ),
            })
        })
        .collect()
}

/// Runs a declared check against the computed figures.
pub fn run_check(check: &FigureCheck, book: &FigureBook) -> CheckOutcome {
    match check {
        FigureCheck::PartsSumToTotal { total, parts } => {
            let Some(total_figure) = book.get(total) else {
                return CheckOutcome {
                    passed: false,
                    what: format!("{} has its parts checked", describe_ref(total)),
                    detail: format!("no figure {} was computed", describe_ref(total)),
                };
            };
            let part_figures: Vec<&ComputedFigure> = match parts {
                Parts::EveryInstanceOf(key) => book.instances_of(key).collect(),
                Parts::Figures(references) => {
                    references.iter().filter_map(|r| book.get(r)).collect()
                }
            };
            let missing: Vec<String> = match parts {
                Parts::Figures(references) => references
                    .iter()
                    .filter(|r| book.get(r).is_none())
                    .map(describe_ref)
                    .collect(),
                Parts::EveryInstanceOf(_) => Vec::new(),
            };
            let sum: f64 = part_figures.iter().filter_map(|f| f.figure.value).sum();
            let total_value = total_figure.figure.value.unwrap_or(0.0);
            let unit = &total_figure.figure.unit;
            let listed: Vec<String> = part_figures
                .iter()
                .map(|f| {
                    format!(
                        "{} {}",
                        if f.figure.label.is_empty() {
                            &f.title
                        } else {
                            &f.figure.label
                        },
                        format_value(f.figure.value, &f.figure.unit)
                    )
                })
                .collect();
            let mut detail = format!(
                "{}: {}; the parts add up to {} ({})",
                total_figure.full_title(),
                format_value(Some(total_value), unit),
                format_value(Some(sum), unit),
                listed.join(", ")
            );
            if !missing.is_empty() {
                detail.push_str(&format!("; not computed: {}", missing.join(", ")));
            }
            CheckOutcome {
                passed: missing.is_empty() && close_enough(sum, total_value),
                what: format!("The parts of {} add up to it", total_figure.full_title()),
                detail,
            }
        }
    }
}

pub fn describe_ref(reference: &FigureRef) -> String {
    if reference.instance.is_empty() {
        reference.key.to_string()
    } else {
        format!("{} [{}]", reference.key, reference.instance)
    }
}

// ---- suggested narrative ----

/// Sentences a writer may start from, made from the figures that changed most since the
/// period before: "Rapid reviews completed within 15 working days rose from 58% to 87%."
pub fn suggested_sentences(book: &FigureBook, previous_label: &str, limit: usize) -> Vec<String> {
    let mut changes: Vec<(f64, String)> = book
        .all()
        .filter_map(|computed| {
            let current = computed.figure.value?;
            let previous = computed.previous.as_ref()?.value?;
            if close_enough(current, previous) {
                return None;
            }
            let relative = (current - previous).abs() / previous.abs().max(1.0);
            let verb = if current > previous { "rose" } else { "fell" };
            Some((
                relative,
                format!(
                    "{} {verb} from {} in {previous_label} to {}.",
                    computed.full_title(),
                    format_value(Some(previous), &computed.figure.unit),
                    format_value(Some(current), &computed.figure.unit)
                ),
            ))
        })
        .collect();
    changes.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    changes.into_iter().take(limit).map(|(_, s)| s).collect()
}

// ---- the no-literal-number rule ----

/// Statutory and document names that contain digits but are names, not figures.
const NAMED_NUMBERS: [&str; 10] = [
    "section 11",
    "section 175",
    "section 47",
    "s11",
    "s175",
    "s47",
    "working together 2023",
    "working together to safeguard children 2023",
    "children act 1989",
    "children act 2004",
];

/// The literal numbers in template words: every run of digits that is not part of a statutory
/// name. Template words must have none: numbers come from figures.
pub fn literal_numbers(text: &str) -> Vec<String> {
    let mut cleaned = text.to_lowercase();
    for name in NAMED_NUMBERS {
        cleaned = cleaned.replace(name, " ");
    }
    let mut found = Vec::new();
    let mut current = String::new();
    for c in cleaned.chars() {
        if c.is_ascii_digit() {
            current.push(c);
        } else if !current.is_empty() {
            found.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        found.push(current);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn computed(key: &str, instance: &str, figure: Figure) -> ComputedFigure {
        ComputedFigure {
            key: key.to_string(),
            version: 1,
            title: key.to_string(),
            definition: String::new(),
            period: "2024/25".to_string(),
            record_count: figure.records.len(),
            records_hash: records_hash(&figure.records),
            figure: Figure {
                instance: instance.to_string(),
                ..figure
            },
            previous: None,
            computed_at: String::new(),
        }
    }

    #[test]
    fn figures_are_written_in_their_units() {
        assert_eq!(
            format_value(Some(214394.0 * 100.0), &Unit::Pence),
            "£214,394"
        );
        assert_eq!(format_value(Some(150.0), &Unit::Pence), "£1.50");
        assert_eq!(format_value(Some(1234567.0), &Unit::Count), "1,234,567");
        assert_eq!(
            format_value(Some(83.3333), &Unit::Percent { places: 0 }),
            "83%"
        );
        assert_eq!(
            format_value(Some(1.0), &Unit::Days { working: true }),
            "1 working day"
        );
        assert_eq!(
            format_value(Some(12.0), &Unit::Days { working: true }),
            "12 working days"
        );
        assert_eq!(
            format_value(
                Some(3.45),
                &Unit::Number {
                    places: 1,
                    suffix: "per 10,000".into()
                }
            ),
            "3.5 per 10,000"
        );
        assert_eq!(format_value(None, &Unit::Count), "not held");
        assert_eq!(group_thousands(-1234.0, 0), "-1,234");
        assert_eq!(group_thousands(-0.2, 0), "0");
    }

    #[test]
    fn a_rate_is_printed_with_its_counts() {
        let rate = Figure::rate("", "On time", 35, 42, 0, Vec::new());
        assert_eq!(format_figure(&rate), "83% (35 of 42)");
    }

    #[test]
    fn changes_are_written_with_their_direction() {
        let percent = Unit::Percent { places: 0 };
        assert_eq!(
            format_change(Some(87.0), Some(58.0), &percent),
            "up 29 percentage points"
        );
        assert_eq!(format_change(Some(5.0), Some(8.0), &Unit::Count), "down 3");
        assert_eq!(
            format_change(Some(5.0), Some(5.0), &Unit::Count),
            "no change"
        );
        assert_eq!(
            format_change(None, Some(5.0), &Unit::Count),
            "not comparable"
        );
    }

    #[test]
    fn the_hash_ignores_order_and_follows_the_records() {
        let a = RecordRef::new("tracker action", 1, "One", "/tracker/actions/1", "complete");
        let b = RecordRef::new("tracker action", 2, "Two", "/tracker/actions/2", "open");
        let one = records_hash(&[a.clone(), b.clone()]);
        assert_eq!(one, records_hash(&[b.clone(), a.clone()]));
        assert_eq!(one.len(), 64);
        let mut changed = b.clone();
        changed.fingerprint = "complete".into();
        assert_ne!(one, records_hash(&[a, changed]));
    }

    #[test]
    fn the_seed_budget_fails_its_sum_and_names_both_sides() {
        // The seed prints £214,412 as the total of expenditure lines that add up to £214,394.
        let lines = [
            ("staff", 12_000_000.0),
            ("scrutineer", 2_000_000.0),
            ("reviews", 7_439_400.0),
        ];
        let mut figures: Vec<ComputedFigure> = lines
            .iter()
            .map(|(code, pence)| {
                computed(
                    "finance.expenditure",
                    code,
                    Figure::value(*code, *code, Some(*pence), Unit::Pence, Vec::new()),
                )
            })
            .collect();
        figures.push(computed(
            "finance.expenditure_total",
            "",
            Figure::value("", "", Some(21_441_200.0), Unit::Pence, Vec::new()),
        ));
        let book = FigureBook::new(figures);
        let outcome = run_check(
            &FigureCheck::PartsSumToTotal {
                total: FigureRef::single("finance.expenditure_total"),
                parts: Parts::EveryInstanceOf("finance.expenditure"),
            },
            &book,
        );
        assert!(!outcome.passed);
        assert!(outcome.detail.contains("£214,412"), "{}", outcome.detail);
        assert!(outcome.detail.contains("£214,394"), "{}", outcome.detail);
    }

    #[test]
    fn a_rate_that_does_not_match_its_counts_fails() {
        let mut wrong = Figure::rate("", "On time", 35, 42, 0, Vec::new());
        wrong.value = Some(90.0);
        let book = FigureBook::new([
            computed("a.rate", "", wrong),
            computed("b.rate", "", Figure::rate("", "", 1, 2, 0, Vec::new())),
        ]);
        let outcomes = check_rates(&book);
        assert_eq!(outcomes.iter().filter(|o| !o.passed).count(), 1);
        assert!(
            outcomes
                .iter()
                .any(|o| o.detail.contains("35 of 42 is 83%"))
        );
    }

    #[test]
    fn suggestions_name_the_biggest_changes() {
        let mut attended = computed(
            "training.attendance",
            "",
            Figure::rate("", "", 708, 815, 0, Vec::new()),
        );
        attended.title = "Training attendance".into();
        attended.previous = Some(Figure::rate("", "", 543, 936, 0, Vec::new()));
        let book = FigureBook::new([attended]);
        assert_eq!(
            suggested_sentences(&book, "2023/24", 3),
            vec!["Training attendance rose from 58% in 2023/24 to 87%.".to_string()]
        );
    }

    #[test]
    fn statutory_names_are_not_literal_numbers() {
        assert!(
            literal_numbers("Schools complete the s175 audit and agencies the section 11 audit.")
                .is_empty()
        );
        assert_eq!(
            literal_numbers("We held 56 meetings in 2024"),
            vec!["56", "2024"]
        );
    }
}
