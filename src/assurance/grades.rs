//! Grades, their shares and how complete a round's returns are. Pure: no SQL, no HTTP.
//!
//! An s11 return grades the agency against each of the 11 standards and an s175 return grades
//! the school against each of the 12 areas: exceeds, met, partially met or not met, or not
//! applicable. The partnership reports how many answers were met or exceeded, and how many
//! returns came in complete. Not applicable and unanswered questions are counted and shown, but
//! left out of every denominator, so a school that has no early years provision is not marked
//! down for it.

use serde::{Deserialize, Serialize};

/// A self-assessment grade against one standard (s11) or area (s175).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Exceeds,
    Met,
    PartiallyMet,
    NotMet,
    NotApplicable,
}

crate::stored_code!(Grade, "grade");

impl Grade {
    pub const ALL: [Grade; 5] = [
        Grade::Exceeds,
        Grade::Met,
        Grade::PartiallyMet,
        Grade::NotMet,
        Grade::NotApplicable,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Grade::Exceeds => "exceeds",
            Grade::Met => "met",
            Grade::PartiallyMet => "partially_met",
            Grade::NotMet => "not_met",
            Grade::NotApplicable => "not_applicable",
        }
    }

    pub fn from_code(code: &str) -> Option<Grade> {
        Grade::ALL.into_iter().find(|grade| grade.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Grade::Exceeds => "Exceeds",
            Grade::Met => "Met",
            Grade::PartiallyMet => "Partially met",
            Grade::NotMet => "Not met",
            Grade::NotApplicable => "Not applicable",
        }
    }

    pub fn is_met_or_exceeded(self) -> bool {
        matches!(self, Grade::Exceeds | Grade::Met)
    }

    /// Any answer below "met" requires an action (issue 13).
    pub fn needs_action(self) -> bool {
        matches!(self, Grade::PartiallyMet | Grade::NotMet)
    }

    /// Whether the grade is a judgement that counts in the shares; not applicable is not.
    pub fn is_judged(self) -> bool {
        self != Grade::NotApplicable
    }
}

/// `count` of `of`: a share printed as "92.5% (715 of 773)".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Share {
    pub count: i64,
    pub of: i64,
}

impl Share {
    /// The exact percentage, or none when there is nothing to take a share of.
    pub fn percent(self) -> Option<f64> {
        (self.of != 0).then(|| self.count as f64 * 100.0 / self.of as f64)
    }

    /// The percentage rounded half up to `places` decimals, as the partnership prints it.
    pub fn percent_rounded(self, places: u8) -> Option<f64> {
        self.percent().map(|percent| round_half_up(percent, places))
    }
}

pub use crate::kernel::text::round_half_up;

/// How many decimals each kind of share is printed to, everywhere (dashboard, analysis, export
/// and yearly report), as the seed prints them: completion of returns in whole percent ("96%
/// complete, 4% partly"), shares of answers and judgements to one decimal ("92.5%", "5.4%",
/// "2.1%"), previous actions completed and an area's share of "exceeds" to two ("89.06%",
/// "24.24%").
pub const RETURNS_PLACES: u8 = 0;
pub const GRADES_PLACES: u8 = 1;
pub const ACTIONS_PLACES: u8 = 2;
pub const AREA_PLACES: u8 = 2;

/// A share printed to `places` decimals, rounded half up (`kernel::text::percent_text`): "96%",
/// "92.5%", "89.06%"; "none" when there is nothing to take a share of.
pub fn percent(share: Share, places: u8) -> String {
    match share.percent() {
        Some(value) => crate::kernel::text::percent_text(value, places),
        None => "none".to_owned(),
    }
}

/// How a set of answers splits across the grades.
///
/// Every share is of `answered`: the judged grades. Not applicable and unanswered questions are
/// counted apart and are in no denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct GradeShares {
    pub exceeds: Share,
    pub met: Share,
    pub partially_met: Share,
    pub not_met: Share,
    pub met_or_exceeded: Share,
    pub not_applicable: i64,
    pub unanswered: i64,
    pub answered: i64,
}

/// The shares of each grade among answers (`None` is a question left unanswered).
pub fn grade_shares(grades: impl IntoIterator<Item = Option<Grade>>) -> GradeShares {
    grade_shares_of_counts(grades.into_iter().map(|grade| (grade, 1)))
}

/// The shares of each grade from answers already counted: (grade, how many), a grade any number
/// of times (`None`: unanswered). What a database's `GROUP BY grade` gives, so a round's
/// analysis need not load every answer; `grade_shares` is this with a count of 1 each.
pub fn grade_shares_of_counts(
    counts: impl IntoIterator<Item = (Option<Grade>, i64)>,
) -> GradeShares {
    let (mut exceeds, mut met, mut partially_met, mut not_met) = (0, 0, 0, 0);
    let (mut not_applicable, mut unanswered) = (0, 0);
    for (grade, count) in counts {
        let count = count.max(0);
        match grade {
            Some(Grade::Exceeds) => exceeds += count,
            Some(Grade::Met) => met += count,
            Some(Grade::PartiallyMet) => partially_met += count,
            Some(Grade::NotMet) => not_met += count,
            Some(Grade::NotApplicable) => not_applicable += count,
            None => unanswered += count,
        }
    }
    let answered = exceeds + met + partially_met + not_met;
    let of = |count| Share {
        count,
        of: answered,
    };
    GradeShares {
        exceeds: of(exceeds),
        met: of(met),
        partially_met: of(partially_met),
        not_met: of(not_met),
        met_or_exceeded: of(exceeds + met),
        not_applicable,
        unanswered,
        answered,
    }
}

/// How far a return has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Completion {
    NotStarted,
    InProgress,
    PartlyComplete,
    Complete,
}

impl Completion {
    pub const ALL: [Completion; 4] = [
        Completion::NotStarted,
        Completion::InProgress,
        Completion::PartlyComplete,
        Completion::Complete,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Completion::NotStarted => "Not started",
            Completion::InProgress => "In progress",
            Completion::PartlyComplete => "Partly complete",
            Completion::Complete => "Complete",
        }
    }
}

/// A return's completion from its required graded questions and how many of them have an
/// answer (not applicable is an answer), and whether it has been submitted.
///
/// A submitted return with questions missing is partly complete: the seed counts it as
/// returned, but apart from the complete ones.
pub fn completion(required_graded: usize, answered_graded: usize, submitted: bool) -> Completion {
    match (submitted, answered_graded) {
        (true, answered) if answered >= required_graded => Completion::Complete,
        (true, _) => Completion::PartlyComplete,
        (false, 0) => Completion::NotStarted,
        (false, _) => Completion::InProgress,
    }
}

/// The shares of a round's returns at each stage of completion; all are of every return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct CompletionRates {
    pub complete: Share,
    pub partly: Share,
    pub in_progress: Share,
    pub not_started: Share,
}

pub fn completion_rates(items: impl IntoIterator<Item = Completion>) -> CompletionRates {
    let (mut complete, mut partly, mut in_progress, mut not_started) = (0, 0, 0, 0);
    for item in items {
        match item {
            Completion::Complete => complete += 1,
            Completion::PartlyComplete => partly += 1,
            Completion::InProgress => in_progress += 1,
            Completion::NotStarted => not_started += 1,
        }
    }
    let returns = complete + partly + in_progress + not_started;
    let of = |count| Share { count, of: returns };
    CompletionRates {
        complete: of(complete),
        partly: of(partly),
        in_progress: of(in_progress),
        not_started: of(not_started),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_and_labels_round_trip() {
        for grade in Grade::ALL {
            assert_eq!(Grade::from_code(grade.code()), Some(grade));
            let json = serde_json::to_string(&grade).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", grade.code()));
        }
        assert_eq!(Grade::from_code("good"), None);
        assert_eq!(Grade::PartiallyMet.label(), "Partially met");
        assert_eq!(
            Grade::try_from("not_met".to_string()).ok(),
            Some(Grade::NotMet)
        );
    }

    #[test]
    fn below_met_needs_an_action_and_not_applicable_is_not_judged() {
        let needing: Vec<Grade> = Grade::ALL
            .into_iter()
            .filter(|g| g.needs_action())
            .collect();
        assert_eq!(needing, vec![Grade::PartiallyMet, Grade::NotMet]);
        let met: Vec<Grade> = Grade::ALL
            .into_iter()
            .filter(|g| g.is_met_or_exceeded())
            .collect();
        assert_eq!(met, vec![Grade::Exceeds, Grade::Met]);
        assert!(!Grade::NotApplicable.is_judged());
        assert!(!Grade::NotApplicable.needs_action());
        assert!(Grade::NotMet.is_judged());
    }

    #[test]
    fn seed_return_rates_print_96_and_4_percent() {
        let returns = std::iter::repeat_n(Completion::Complete, 64)
            .chain(std::iter::repeat_n(Completion::PartlyComplete, 3));
        let rates = completion_rates(returns);
        assert_eq!(rates.complete, Share { count: 64, of: 67 });
        assert_eq!(percent(rates.complete, RETURNS_PLACES), "96%");
        assert_eq!(percent(rates.partly, RETURNS_PLACES), "4%");
        assert_eq!(percent(rates.in_progress, RETURNS_PLACES), "0%");
    }

    #[test]
    fn seed_grade_shares_print_at_one_decimal() {
        // The seed's 773 judged answers: 715 met or exceeded, 42 partially met, 16 not met;
        // the not applicable and unanswered ones must not move the shares.
        let grades = std::iter::repeat_n(Some(Grade::Met), 700)
            .chain(std::iter::repeat_n(Some(Grade::Exceeds), 15))
            .chain(std::iter::repeat_n(Some(Grade::PartiallyMet), 42))
            .chain(std::iter::repeat_n(Some(Grade::NotMet), 16))
            .chain(std::iter::repeat_n(Some(Grade::NotApplicable), 9))
            .chain(std::iter::repeat_n(None, 5));
        let shares = grade_shares(grades);
        assert_eq!(shares.answered, 773);
        assert_eq!(shares.not_applicable, 9);
        assert_eq!(shares.unanswered, 5);
        assert_eq!(
            shares.met_or_exceeded,
            Share {
                count: 715,
                of: 773
            }
        );
        assert_eq!(percent(shares.met_or_exceeded, GRADES_PLACES), "92.5%");
        assert_eq!(percent(shares.partially_met, GRADES_PLACES), "5.4%");
        assert_eq!(percent(shares.not_met, GRADES_PLACES), "2.1%");
        assert_eq!(
            percent(Share { count: 16, of: 66 }, ACTIONS_PLACES),
            "24.24%"
        );
    }

    #[test]
    fn no_answers_have_no_percentage() {
        let shares = grade_shares([Some(Grade::NotApplicable), None]);
        assert_eq!(shares.answered, 0);
        assert_eq!(shares.met.percent(), None);
        assert_eq!(percent(shares.met, GRADES_PLACES), "none");
        assert_eq!(completion_rates([]).complete.percent(), None);
    }

    #[test]
    fn rounds_half_up_where_format_would_not() {
        assert_eq!(format!("{:.0}", 12.5_f64), "12");
        assert_eq!(round_half_up(12.5, 0), 13.0);
        // 1 of 2,000 is 0.05%, stored a shade off the half.
        assert_eq!(percent(Share { count: 1, of: 2000 }, GRADES_PLACES), "0.1%");
        assert_eq!(round_half_up(2.675, 2), 2.68);
        assert_eq!(round_half_up(2.449, 1), 2.4);
        assert_eq!(round_half_up(-2.5, 0), -2.0);
        assert_eq!(round_half_up(95.52, 0), 96.0);
    }

    #[test]
    fn completion_follows_submission_and_answers() {
        assert_eq!(completion(11, 0, false), Completion::NotStarted);
        assert_eq!(completion(11, 4, false), Completion::InProgress);
        assert_eq!(completion(11, 11, false), Completion::InProgress);
        assert_eq!(completion(11, 10, true), Completion::PartlyComplete);
        assert_eq!(completion(11, 0, true), Completion::PartlyComplete);
        assert_eq!(completion(11, 11, true), Completion::Complete);
        assert_eq!(completion(0, 0, true), Completion::Complete);
    }

    fn any_grade() -> impl Strategy<Value = Option<Grade>> {
        prop_oneof![
            Just(None),
            proptest::sample::select(Grade::ALL.to_vec()).prop_map(Some)
        ]
    }

    proptest! {
        #[test]
        fn shares_add_up(grades in proptest::collection::vec(any_grade(), 0..200)) {
            let total = grades.len() as i64;
            let shares = grade_shares(grades);
            let judged = [shares.exceeds, shares.met, shares.partially_met, shares.not_met];
            prop_assert_eq!(judged.iter().map(|s| s.count).sum::<i64>(), shares.answered);
            prop_assert!(judged.iter().all(|s| s.of == shares.answered));
            prop_assert_eq!(
                shares.met_or_exceeded.count,
                shares.exceeds.count + shares.met.count
            );
            prop_assert_eq!(shares.answered + shares.not_applicable + shares.unanswered, total);
            if shares.answered > 0 {
                let sum: f64 = judged.iter().filter_map(|s| s.percent()).sum();
                prop_assert!((sum - 100.0).abs() < 1e-9, "sum {}", sum);
            }
        }
    }
}
