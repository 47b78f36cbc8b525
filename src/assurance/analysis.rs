//! A round's analysis (issue 13, point 4): how many returns came in complete, partly complete or
//! not at all against the round's target; per standard the share of each grade, and which had
//! the highest share of "exceeds"; the overall shares met or exceeded, partially met and not
//! met; the share of previous actions completed; and the same figures for the framework's
//! earlier rounds. Pure: it works from counts the database has already made
//! (`store::grade_counts`, `store::return_tallies`), with the rules of `grades.rs` (shares,
//! completion) that the yearly report also uses.
//!
//! Shares are over the judged answers of submitted returns (not applicable and unanswered left
//! out), as `grades::grade_shares` counts them.

use std::collections::HashMap;

use masa_sheets::Cell;
use serde::Serialize;
use time::Date;

use super::grades::{
    AREA_PLACES, CompletionRates, Grade, GradeShares, Share, completion_rates,
    grade_shares_of_counts, percent,
};
use super::model::{QuestionId, QuestionKind, RoundId, Setting};
use super::progress::{ReturnStage, answered_up_to, completion_of, required_graded};
use super::store::{FrameworkVersion, ReturnStatus};

/// The four judged grades, in the order the pages and the export show them.
pub const JUDGED: [Grade; 4] = [
    Grade::Exceeds,
    Grade::Met,
    Grade::PartiallyMet,
    Grade::NotMet,
];

/// A grade's share of a set of answers.
pub fn share_of(shares: &GradeShares, grade: Grade) -> Share {
    match grade {
        Grade::Exceeds => shares.exceeds,
        Grade::Met => shares.met,
        Grade::PartiallyMet => shares.partially_met,
        Grade::NotMet => shares.not_met,
        Grade::NotApplicable => Share {
            count: shares.not_applicable,
            of: shares.answered,
        },
    }
}

/// One graded question's answers.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionAnalysis {
    pub id: QuestionId,
    pub code: String,
    pub text: String,
    pub shares: GradeShares,
}

/// One standard's (an s175 area's) answers, over its graded questions.
#[derive(Debug, Clone, Serialize)]
pub struct StandardAnalysis {
    pub number: i64,
    pub title: String,
    pub shares: GradeShares,
    pub questions: Vec<QuestionAnalysis>,
}

/// How the round's returns came in: complete, partly complete (submitted with graded questions
/// unanswered) and not returned (not started or in progress), each of every return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Returned {
    pub complete: Share,
    pub partly: Share,
    pub not_returned: Share,
}

impl Returned {
    pub fn of(rates: CompletionRates) -> Returned {
        Returned {
            complete: rates.complete,
            partly: rates.partly,
            not_returned: Share {
                count: rates.in_progress.count + rates.not_started.count,
                of: rates.complete.of,
            },
        }
    }

    /// Below its target: the share of complete returns is under the target percentage (no
    /// returns is not below).
    pub fn below_target(&self, target_percent: i64) -> bool {
        self.complete.count * 100 < target_percent * self.complete.of
    }
}

/// The actions of the returns' previous returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PreviousActions {
    /// Returns that completed every action of their previous return, of those that had any
    /// (the seed's "89.06% of schools had completed every action").
    pub every_action_done: Share,
    /// Actions completed, of all the previous returns' actions.
    pub actions_done: Share,
}

impl PreviousActions {
    /// From `store::previous_action_totals`: (returns with actions, returns that did every one,
    /// actions, actions done).
    pub fn of(totals: (i64, i64, i64, i64)) -> PreviousActions {
        let (with_actions, all_done, actions, done) = totals;
        PreviousActions {
            every_action_done: Share {
                count: all_done.min(with_actions),
                of: with_actions,
            },
            actions_done: Share {
                count: done.min(actions),
                of: actions,
            },
        }
    }
}

/// One round's figures.
#[derive(Debug, Clone, Serialize)]
pub struct RoundFigures {
    pub round_id: RoundId,
    pub title: String,
    pub opens_on: Date,
    pub target_percent: i64,
    pub returned: Returned,
    pub overall: GradeShares,
    pub standards: Vec<StandardAnalysis>,
    pub previous: PreviousActions,
}

/// Returns counted by what decides their completion (one row of `store::return_tallies`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReturnTally {
    pub status: ReturnStatus,
    pub setting: Option<Setting>,
    /// Graded questions answered (not "to review"; not applicable is an answer).
    pub answered: i64,
    pub returns: i64,
}

/// Each tally with the graded questions asked of its setting (worked out once a setting).
fn with_required<'a>(
    version: &'a FrameworkVersion,
    tallies: &'a [ReturnTally],
) -> impl Iterator<Item = (&'a ReturnTally, usize)> {
    let mut required: HashMap<Option<Setting>, usize> = HashMap::new();
    tallies.iter().map(move |tally| {
        let needed = *required
            .entry(tally.setting)
            .or_insert_with(|| required_graded(version, tally.setting));
        (tally, needed)
    })
}

/// How a round's returns came in, each return's completion by `progress::completion_of`: the
/// graded questions asked of its setting, its answers counted up to them.
pub fn returned(version: &FrameworkVersion, tallies: &[ReturnTally]) -> Returned {
    let completions = with_required(version, tallies).flat_map(|(tally, needed)| {
        let done = completion_of(tally.status, needed, tally.answered);
        std::iter::repeat_n(done, usize::try_from(tally.returns).unwrap_or(0))
    });
    Returned::of(completion_rates(completions))
}

/// How many of a round's returns are at each stage, in stage order, by the same rule as
/// `returned`: the dashboard's counts and the analysis's completion cannot disagree.
pub fn stages(version: &FrameworkVersion, tallies: &[ReturnTally]) -> Vec<(ReturnStage, i64)> {
    let mut counts: HashMap<ReturnStage, i64> = HashMap::new();
    for (tally, needed) in with_required(version, tallies) {
        let stage = ReturnStage::of(tally.status, needed, answered_up_to(needed, tally.answered));
        *counts.entry(stage).or_default() += tally.returns;
    }
    ReturnStage::ALL
        .into_iter()
        .map(|stage| (stage, counts.get(&stage).copied().unwrap_or(0)))
        .collect()
}

/// The standards of a version in framework order, each with its graded questions' shares from
/// the counts (question, grade, answers). Counts for questions not in the version are ignored.
pub fn standards(
    version: &FrameworkVersion,
    counts: &[(QuestionId, Grade, i64)],
) -> Vec<StandardAnalysis> {
    let mut by_question: HashMap<QuestionId, Vec<(Option<Grade>, i64)>> = HashMap::new();
    for (question, grade, answers) in counts {
        by_question
            .entry(*question)
            .or_default()
            .push((Some(*grade), *answers));
    }
    version
        .standards
        .iter()
        .map(|standard| {
            let graded: Vec<_> = standard
                .questions
                .iter()
                .filter(|question| question.kind == QuestionKind::Grade)
                .collect();
            let all = graded
                .iter()
                .flat_map(|question| by_question.get(&question.id).into_iter().flatten())
                .copied();
            StandardAnalysis {
                number: standard.number,
                title: standard.title.clone(),
                shares: grade_shares_of_counts(all),
                questions: graded
                    .iter()
                    .map(|question| QuestionAnalysis {
                        id: question.id,
                        code: question.code.clone(),
                        text: question.text.clone(),
                        shares: grade_shares_of_counts(
                            by_question.get(&question.id).into_iter().flatten().copied(),
                        ),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Every answer of the round, whatever its standard.
pub fn overall(standards: &[StandardAnalysis]) -> GradeShares {
    grade_shares_of_counts(standards.iter().flat_map(|standard| {
        Grade::ALL
            .into_iter()
            .map(|grade| (Some(grade), share_of(&standard.shares, grade).count))
    }))
}

/// The standards with the highest share of a grade (more than one when tied; none when no
/// standard has an answer with that grade). Shares are compared exactly, by their counts.
pub fn highest_share(standards: &[StandardAnalysis], grade: Grade) -> Vec<&StandardAnalysis> {
    let share = |standard: &StandardAnalysis| share_of(&standard.shares, grade);
    let mut best: Vec<&StandardAnalysis> = Vec::new();
    for standard in standards {
        let candidate = share(standard);
        if candidate.count == 0 || candidate.of == 0 {
            continue;
        }
        match best.first().map(|first| share(first)) {
            None => best.push(standard),
            Some(top) => {
                // candidate.count / candidate.of against top.count / top.of
                let left = i128::from(candidate.count) * i128::from(top.of);
                let right = i128::from(top.count) * i128::from(candidate.of);
                if left > right {
                    best = vec![standard];
                } else if left == right {
                    best.push(standard);
                }
            }
        }
    }
    best
}

/// The seed's sentence: "Voice of the Child had the highest proportion of Exceeds (12.5%)";
/// none when no answer exceeds.
pub fn highest_exceeds_sentence(standards: &[StandardAnalysis]) -> Option<String> {
    let best = highest_share(standards, Grade::Exceeds);
    let first = best.first()?;
    let names: Vec<&str> = best
        .iter()
        .map(|standard| standard.title.as_str())
        .collect();
    let named = match names.as_slice() {
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => return None,
    };
    // As the yearly report prints an area's share of exceeds.
    let share = percent(first.shares.exceeds, AREA_PLACES);
    Some(if best.len() == 1 {
        format!("{named} had the highest proportion of Exceeds ({share} of its answers)")
    } else {
        format!("{named} had the highest proportion of Exceeds ({share} of their answers each)")
    })
}

/// A share as a number for a spreadsheet: the exact percentage, empty when there is nothing to
/// take a share of.
fn percent_cell(share: Share) -> Cell {
    share.percent().map_or(Cell::Empty, Cell::Number)
}

/// The export's columns, in order.
pub const SHEET_COLUMNS: [&str; 9] = [
    "Standard",
    "Standard title",
    "Question",
    "Question text",
    "Grade",
    "Answers",
    "Answers judged",
    "Share (%)",
    "Kind of organisation",
];

/// The export's rows in framework order: for each standard, one row per grade with the
/// standard's share, then for each of its graded questions one row per grade.
pub fn sheet_rows(figures: &RoundFigures, filter: &str) -> Vec<Vec<Cell>> {
    let text = |value: &str| Cell::Text(value.to_owned());
    let mut rows = Vec::new();
    for standard in &figures.standards {
        for grade in JUDGED {
            let share = share_of(&standard.shares, grade);
            rows.push(vec![
                Cell::Number(standard.number as f64),
                text(&standard.title),
                Cell::Empty,
                text("All questions of the standard"),
                text(grade.label()),
                Cell::Number(share.count as f64),
                Cell::Number(share.of as f64),
                percent_cell(share),
                text(filter),
            ]);
        }
        for question in &standard.questions {
            for grade in JUDGED {
                let share = share_of(&question.shares, grade);
                rows.push(vec![
                    Cell::Number(standard.number as f64),
                    text(&standard.title),
                    text(&question.code),
                    text(&question.text),
                    text(grade.label()),
                    Cell::Number(share.count as f64),
                    Cell::Number(share.of as f64),
                    percent_cell(share),
                    text(filter),
                ]);
            }
        }
    }
    rows
}

/// The export's summary sheet: the round and each earlier round of the framework, oldest first,
/// with its completion and overall grade shares.
pub const SUMMARY_COLUMNS: [&str; 12] = [
    "Round",
    "Opened",
    "Returns",
    "Complete (%)",
    "Partly complete (%)",
    "Not returned (%)",
    "Target (%)",
    "Answers judged",
    "Met or exceeded (%)",
    "Partially met (%)",
    "Not met (%)",
    "Returns that completed every previous action (%)",
];

pub fn summary_rows<'a>(rounds: impl IntoIterator<Item = &'a RoundFigures>) -> Vec<Vec<Cell>> {
    rounds
        .into_iter()
        .map(|round| {
            vec![
                Cell::Text(round.title.clone()),
                Cell::Text(crate::kernel::text::iso_date(round.opens_on)),
                Cell::Number(round.returned.complete.of as f64),
                percent_cell(round.returned.complete),
                percent_cell(round.returned.partly),
                percent_cell(round.returned.not_returned),
                Cell::Number(round.target_percent as f64),
                Cell::Number(round.overall.answered as f64),
                percent_cell(round.overall.met_or_exceeded),
                percent_cell(round.overall.partially_met),
                percent_cell(round.overall.not_met),
                percent_cell(round.previous.every_action_done),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assurance::grades::{ACTIONS_PLACES, GRADES_PLACES, RETURNS_PLACES};
    use crate::assurance::model::{FrameworkId, FrameworkVersionId, StandardId};
    use crate::assurance::store::{Question, Standard};
    use proptest::prelude::*;

    fn question(id: i64, standard: i64, code: &str, kind: QuestionKind, applies: &str) -> Question {
        Question {
            id: QuestionId::new(id),
            standard_id: StandardId::new(standard),
            code: code.to_owned(),
            kind,
            text: format!("Question {code}"),
            guidance: String::new(),
            evidence: String::new(),
            choice_lines: String::new(),
            applies_to_codes: applies.to_owned(),
        }
    }

    /// Three standards: the first with two graded questions (the second for secondary schools
    /// only) and a yes/no one, the others one graded question each.
    fn version() -> FrameworkVersion {
        let standard = |id: i64, title: &str, questions: Vec<Question>| Standard {
            id: StandardId::new(id),
            number: id,
            title: title.to_owned(),
            summary: String::new(),
            questions,
        };
        FrameworkVersion {
            id: FrameworkVersionId::new(1),
            framework_id: FrameworkId::new(1),
            code: "s175".to_owned(),
            title: "Section 175 audit".to_owned(),
            description: String::new(),
            number: 1,
            published: true,
            standards: vec![
                standard(
                    1,
                    "Safeguarding culture",
                    vec![
                        question(11, 1, "1.1", QuestionKind::Grade, ""),
                        question(12, 1, "1.2", QuestionKind::YesNo, ""),
                        question(13, 1, "1.3", QuestionKind::Grade, "secondary"),
                    ],
                ),
                standard(
                    2,
                    "Voice of the Child",
                    vec![question(21, 2, "2.1", QuestionKind::Grade, "")],
                ),
                standard(
                    3,
                    "Online safety",
                    vec![question(31, 3, "3.1", QuestionKind::Grade, "")],
                ),
            ],
        }
    }

    fn counts() -> Vec<(QuestionId, Grade, i64)> {
        let q = QuestionId::new;
        vec![
            (q(11), Grade::Met, 8),
            (q(11), Grade::Exceeds, 1),
            (q(11), Grade::NotMet, 1),
            (q(13), Grade::PartiallyMet, 2),
            (q(13), Grade::NotApplicable, 3),
            (q(21), Grade::Exceeds, 3),
            (q(21), Grade::Met, 7),
            (q(31), Grade::Met, 10),
            // A question of another version: ignored.
            (q(99), Grade::Exceeds, 50),
        ]
    }

    #[test]
    fn standards_come_in_framework_order_with_their_graded_questions() {
        let standards = standards(&version(), &counts());
        let numbers: Vec<i64> = standards.iter().map(|s| s.number).collect();
        assert_eq!(numbers, vec![1, 2, 3]);
        let codes: Vec<&str> = standards[0]
            .questions
            .iter()
            .map(|q| q.code.as_str())
            .collect();
        assert_eq!(
            codes,
            vec!["1.1", "1.3"],
            "the yes/no question is not graded"
        );
        let first = &standards[0].shares;
        assert_eq!(first.answered, 12);
        assert_eq!(first.not_applicable, 3);
        assert_eq!(first.met_or_exceeded, Share { count: 9, of: 12 });
        assert_eq!(first.partially_met, Share { count: 2, of: 12 });
        assert_eq!(standards[0].questions[1].shares.answered, 2);
        assert_eq!(standards[2].shares.exceeds, Share { count: 0, of: 10 });
    }

    #[test]
    fn the_overall_shares_are_every_answer_judged() {
        let overall = overall(&standards(&version(), &counts()));
        assert_eq!(overall.answered, 32);
        assert_eq!(overall.not_applicable, 3);
        assert_eq!(overall.met_or_exceeded, Share { count: 29, of: 32 });
        assert_eq!(overall.partially_met, Share { count: 2, of: 32 });
        assert_eq!(overall.not_met, Share { count: 1, of: 32 });
    }

    #[test]
    fn the_standard_with_the_most_exceeds_is_named() {
        let found = standards(&version(), &counts());
        assert_eq!(
            highest_exceeds_sentence(&found).as_deref(),
            Some(
                "Voice of the Child had the highest proportion of Exceeds (30.00% of its answers)"
            )
        );
        // Tied shares name both; none exceeding names none.
        let tied = standards(
            &version(),
            &[
                (QuestionId::new(21), Grade::Exceeds, 1),
                (QuestionId::new(21), Grade::Met, 1),
                (QuestionId::new(31), Grade::Exceeds, 2),
                (QuestionId::new(31), Grade::NotMet, 2),
            ],
        );
        assert_eq!(
            highest_exceeds_sentence(&tied).as_deref(),
            Some(
                "Voice of the Child and Online safety had the highest proportion of Exceeds (50.00% of their answers each)"
            )
        );
        let none = standards(&version(), &[(QuestionId::new(31), Grade::Met, 2)]);
        assert_eq!(highest_exceeds_sentence(&none), None);
    }

    #[test]
    fn returns_are_complete_by_the_questions_asked_of_their_setting() {
        let tally = |status, setting, answered, returns| ReturnTally {
            status,
            setting,
            answered,
            returns,
        };
        let tallies = [
            // Primary schools are asked 3 graded questions, secondary ones 4.
            tally(ReturnStatus::Submitted, Some(Setting::Primary), 3, 20),
            tally(ReturnStatus::Moderated, Some(Setting::Secondary), 4, 4),
            tally(ReturnStatus::Submitted, Some(Setting::Secondary), 3, 1),
            tally(ReturnStatus::InProgress, Some(Setting::Primary), 3, 2),
            tally(ReturnStatus::NotStarted, None, 0, 3),
        ];
        let returned = returned(&version(), &tallies);
        assert_eq!(returned.complete, Share { count: 24, of: 30 });
        assert_eq!(returned.partly, Share { count: 1, of: 30 });
        assert_eq!(returned.not_returned, Share { count: 5, of: 30 });
        assert!(returned.below_target(95));
        assert!(!returned.below_target(80));
        // The dashboard's stages from the same tallies: the moderated ones are complete too.
        assert_eq!(
            stages(&version(), &tallies),
            vec![
                (ReturnStage::NotStarted, 3),
                (ReturnStage::InProgress, 2),
                (ReturnStage::PartlyComplete, 1),
                (ReturnStage::Complete, 20),
                (ReturnStage::Moderated, 4),
            ]
        );
        assert!(!Returned::default().below_target(95));
    }

    #[test]
    fn previous_actions_are_shares_of_those_that_had_any() {
        let previous = PreviousActions::of((64, 57, 200, 190));
        assert_eq!(previous.every_action_done, Share { count: 57, of: 64 });
        assert_eq!(
            percent(previous.every_action_done, ACTIONS_PLACES),
            "89.06%"
        );
        assert_eq!(percent(Share { count: 64, of: 67 }, RETURNS_PLACES), "96%");
        assert_eq!(percent(Share { count: 3, of: 67 }, RETURNS_PLACES), "4%");
        assert_eq!(percent(Share { count: 0, of: 0 }, GRADES_PLACES), "none");
        assert_eq!(
            previous.actions_done,
            Share {
                count: 190,
                of: 200
            }
        );
        assert_eq!(
            PreviousActions::of((0, 0, 0, 0)).actions_done.percent(),
            None
        );
    }

    #[test]
    fn the_sheet_is_in_framework_order_standard_then_its_questions() {
        let standards = standards(&version(), &counts());
        let figures = RoundFigures {
            round_id: RoundId::new(1),
            title: "s175 audit 2025".to_owned(),
            opens_on: time::macros::date!(2025 - 09 - 01),
            target_percent: 95,
            returned: Returned::default(),
            overall: overall(&standards),
            standards,
            previous: PreviousActions::default(),
        };
        let rows = sheet_rows(&figures, "All");
        // 3 standards × 4 grades, plus 4 graded questions × 4 grades.
        assert_eq!(rows.len(), 12 + 16);
        let keys: Vec<(String, String)> = rows
            .iter()
            .step_by(4)
            .map(|row| {
                let number = match &row[0] {
                    Cell::Number(n) => n.to_string(),
                    _ => String::new(),
                };
                let code = match &row[2] {
                    Cell::Text(code) => code.clone(),
                    _ => String::new(),
                };
                (number, code)
            })
            .collect();
        let expected: Vec<(String, String)> = [
            ("1", ""),
            ("1", "1.1"),
            ("1", "1.3"),
            ("2", ""),
            ("2", "2.1"),
            ("3", ""),
            ("3", "3.1"),
        ]
        .iter()
        .map(|(n, c)| ((*n).to_owned(), (*c).to_owned()))
        .collect();
        assert_eq!(keys, expected);
        assert_eq!(rows[0][4], Cell::Text("Exceeds".to_owned()));
        assert_eq!(rows[0][5], Cell::Number(1.0));
        assert_eq!(rows[0][6], Cell::Number(12.0));
    }

    fn any_grade() -> impl Strategy<Value = Grade> {
        proptest::sample::select(Grade::ALL.to_vec())
    }

    proptest! {
        /// However the answers fall, each standard's and the round's judged grades are 100% of
        /// the answers judged, and not applicable is in no share.
        #[test]
        fn shares_sum_to_every_answered_question(
            answers in proptest::collection::vec(
                (proptest::sample::select(vec![11_i64, 13, 21, 31]), any_grade(), 0_i64..500),
                0..40,
            )
        ) {
            let counts: Vec<(QuestionId, Grade, i64)> = answers
                .iter()
                .map(|(question, grade, n)| (QuestionId::new(*question), *grade, *n))
                .collect();
            let judged_total: i64 = answers
                .iter()
                .filter(|(_, grade, _)| grade.is_judged())
                .map(|(_, _, n)| n)
                .sum();
            let standards = standards(&version(), &counts);
            let overall = overall(&standards);
            prop_assert_eq!(overall.answered, judged_total);
            let mut all = standards.iter().map(|s| s.shares).collect::<Vec<_>>();
            all.extend(standards.iter().flat_map(|s| s.questions.iter().map(|q| q.shares)));
            all.push(overall);
            for shares in all {
                let counts: i64 = JUDGED.iter().map(|g| share_of(&shares, *g).count).sum();
                prop_assert_eq!(counts, shares.answered);
                if shares.answered > 0 {
                    let sum: f64 = JUDGED
                        .iter()
                        .filter_map(|g| share_of(&shares, *g).percent())
                        .sum();
                    prop_assert!((sum - 100.0).abs() < 1e-9, "sum {}", sum);
                } else {
                    prop_assert!(JUDGED.iter().all(|g| share_of(&shares, *g).percent().is_none()));
                }
            }
            let per_standard: i64 = standards.iter().map(|s| s.shares.answered).sum();
            prop_assert_eq!(per_standard, overall.answered);
        }
    }
}
