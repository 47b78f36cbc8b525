//! The deep-dive sample's form, as rules. Pure: no SQL, no HTTP.
//!
//! The business unit draws a round's sample by stated criteria (a share of each stratum, the
//! criteria that come before the random draw, and a seed: typed to repeat a draw, or chosen at
//! random) or chooses the returns by hand. The rule and seed are stored with the sample, and
//! [`describe`] says the rule in words, so the page explains how the sample was made.

use super::sampling::{Criterion, SampleRule};
use crate::kernel::text::{DateParts, FormErrors, long_date};

/// The largest share of a stratum a draw may take, in percent.
const MOST_PERCENT: u32 = 100;

/// The highest random seed chosen for the business unit: six digits are easy to note down
/// and type again (a typed seed may be any unsigned 64-bit number).
pub const RANDOM_SEED_BELOW: u64 = 1_000_000;

/// The sample form as typed.
#[derive(Debug, Clone, Default)]
pub struct SampleForm {
    /// `draw` or `by_hand`.
    pub method: String,
    pub fraction_percent: String,
    pub stratify: bool,
    pub new_provision: bool,
    pub by_grade: bool,
    /// "3" (requires improvement or worse) or "4" (inadequate).
    pub grade_at_least: String,
    pub by_inspection_date: bool,
    pub inspected_before: DateParts,
    pub seed: String,
    /// Return ids ticked, for a sample chosen by hand.
    pub returns: Vec<String>,
}

impl SampleForm {
    /// The form as first shown: 10% of each stratum, new provisions and inspection grade 3 or
    /// worse first, a random seed.
    pub fn suggested() -> SampleForm {
        SampleForm {
            method: "draw".to_owned(),
            fraction_percent: "10".to_owned(),
            stratify: true,
            new_provision: true,
            by_grade: true,
            grade_at_least: "3".to_owned(),
            ..SampleForm::default()
        }
    }

    pub fn from_pairs(pairs: &[(String, String)]) -> SampleForm {
        let mut form = SampleForm::default();
        for (name, value) in pairs {
            match name.as_str() {
                "method" => form.method = value.clone(),
                "fraction_percent" => form.fraction_percent = value.clone(),
                "stratify" => form.stratify = value == "yes",
                "criteria" => match value.as_str() {
                    "new_provision" => form.new_provision = true,
                    "inspection_grade" => form.by_grade = true,
                    "inspected_before" => form.by_inspection_date = true,
                    _ => {}
                },
                "grade_at_least" => form.grade_at_least = value.clone(),
                "inspected_before_day" => form.inspected_before.day = value.clone(),
                "inspected_before_month" => form.inspected_before.month = value.clone(),
                "inspected_before_year" => form.inspected_before.year = value.clone(),
                "seed" => form.seed = value.clone(),
                "returns" => form.returns.push(value.clone()),
                _ => {}
            }
        }
        form
    }

    pub fn is_by_hand(&self) -> bool {
        self.method == "by_hand"
    }

    /// The rule and the typed seed (none: choose one at random), or none with the refusals.
    pub fn rule(&self, errors: &mut FormErrors) -> Option<(SampleRule, Option<u64>)> {
        let fraction = self
            .fraction_percent
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|p| (1..=MOST_PERCENT).contains(p));
        if fraction.is_none() {
            errors.add(
                "fraction_percent",
                "Share of each stratum must be a whole number from 1 to 100",
            );
        }
        let mut priority = Vec::new();
        if self.new_provision {
            priority.push(Criterion::NewProvision);
        }
        if self.by_grade {
            match self.grade_at_least.trim() {
                "3" => priority.push(Criterion::InspectionGradeAtLeast(3)),
                "4" => priority.push(Criterion::InspectionGradeAtLeast(4)),
                _ => errors.add(
                    "grade_at_least",
                    "Select the inspection grade to take first",
                ),
            }
        }
        if self.by_inspection_date
            && let Some(date) = errors.date(
                "inspected_before",
                "Not inspected since",
                &self.inspected_before,
                true,
            )
        {
            priority.push(Criterion::InspectedBefore(date));
        }
        let seed = self.seed.trim();
        let seed = if seed.is_empty() {
            None
        } else {
            match seed.parse::<u64>() {
                Ok(seed) => Some(seed),
                Err(_) => {
                    errors.add(
                        "seed",
                        "Seed must be a whole number from 0 to 18446744073709551615, or left blank",
                    );
                    None
                }
            }
        };
        let fraction = fraction?;
        errors.is_empty().then_some((
            SampleRule {
                fraction_percent: fraction,
                stratify: self.stratify,
                priority,
            },
            seed,
        ))
    }

    /// The ticked returns, each one of `candidates` (submitted returns of the round), or none
    /// with the refusal.
    pub fn chosen(&self, candidates: &[i64], errors: &mut FormErrors) -> Option<Vec<i64>> {
        let mut chosen = Vec::new();
        for typed in &self.returns {
            match typed.trim().parse::<i64>() {
                Ok(id) if candidates.contains(&id) => chosen.push(id),
                _ => {
                    errors.add(
                        "returns",
                        "Returns: choose submitted returns of this round from the list",
                    );
                    return None;
                }
            }
        }
        if chosen.is_empty() {
            errors.add("returns", "Returns: choose at least one return");
            return None;
        }
        Some(chosen)
    }
}

/// The criteria of a drawn sample in words, as the page and the audit trail give them.
pub fn describe(rule: &SampleRule) -> String {
    let mut words = format!(
        "{}% of {}, rounded up (at least one)",
        rule.fraction_percent,
        if rule.stratify {
            "each stratum (setting, or agency)"
        } else {
            "the submitted returns"
        }
    );
    let firsts: Vec<String> = rule.priority.iter().map(criterion_words).collect();
    if !firsts.is_empty() {
        words.push_str("; taken first: ");
        words.push_str(&firsts.join(", then "));
    }
    words.push_str("; the rest at random");
    words
}

fn criterion_words(criterion: &Criterion) -> String {
    match criterion {
        Criterion::NewProvision => "every new provision".to_owned(),
        Criterion::InspectionGradeAtLeast(3) => {
            "inspection grade 3 (requires improvement) or worse, worst first".to_owned()
        }
        Criterion::InspectionGradeAtLeast(grade) => {
            format!("inspection grade {grade} or worse, worst first")
        }
        Criterion::InspectedBefore(date) => {
            format!("not inspected since {}, longest first", long_date(*date))
        }
    }
}

/// The strata a candidate return is drawn within: its organisation's setting, or "Agency" for
/// an organisation audited without one.
pub fn stratum(setting: Option<super::model::Setting>) -> String {
    setting.map_or_else(|| "Agency".to_owned(), |s| s.label().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_draw_is_read_with_its_criteria_in_order() {
        let form = SampleForm::from_pairs(&pairs(&[
            ("method", "draw"),
            ("fraction_percent", "10"),
            ("stratify", "yes"),
            ("criteria", "new_provision"),
            ("criteria", "inspection_grade"),
            ("grade_at_least", "3"),
            ("criteria", "inspected_before"),
            ("inspected_before_day", "1"),
            ("inspected_before_month", "9"),
            ("inspected_before_year", "2020"),
            ("seed", " 2025 "),
        ]));
        let mut errors = FormErrors::default();
        let (rule, seed) = form.rule(&mut errors).expect("a rule");
        assert_eq!(seed, Some(2025));
        assert_eq!(
            rule,
            SampleRule {
                fraction_percent: 10,
                stratify: true,
                priority: vec![
                    Criterion::NewProvision,
                    Criterion::InspectionGradeAtLeast(3),
                    Criterion::InspectedBefore(date!(2020 - 09 - 01)),
                ],
            }
        );
        assert_eq!(
            describe(&rule),
            "10% of each stratum (setting, or agency), rounded up (at least one); taken first: \
             every new provision, then inspection grade 3 (requires improvement) or worse, worst \
             first, then not inspected since 1 September 2020, longest first; the rest at random"
        );
    }

    #[test]
    fn a_blank_seed_is_chosen_at_random_later() {
        let form = SampleForm::suggested();
        let mut errors = FormErrors::default();
        let (_, seed) = form.rule(&mut errors).expect("a rule");
        assert_eq!(seed, None);
    }

    #[test]
    fn bad_values_are_named() {
        let form = SampleForm::from_pairs(&pairs(&[
            ("fraction_percent", "0"),
            ("criteria", "inspection_grade"),
            ("grade_at_least", "9"),
            ("criteria", "inspected_before"),
            ("inspected_before_day", "31"),
            ("inspected_before_month", "2"),
            ("inspected_before_year", "2020"),
            ("seed", "-1"),
        ]));
        let mut errors = FormErrors::default();
        assert!(form.rule(&mut errors).is_none());
        for field in [
            "fraction_percent",
            "grade_at_least",
            "inspected_before",
            "seed",
        ] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn returns_chosen_by_hand_must_be_candidates() {
        let form = SampleForm::from_pairs(&pairs(&[("returns", "4"), ("returns", "9")]));
        let mut errors = FormErrors::default();
        assert_eq!(form.chosen(&[4, 9, 12], &mut errors), Some(vec![4, 9]));
        let mut errors = FormErrors::default();
        assert_eq!(form.chosen(&[4], &mut errors), None);
        assert!(errors.get("returns").is_some());
        let mut errors = FormErrors::default();
        assert_eq!(SampleForm::default().chosen(&[4], &mut errors), None);
    }
}
