//! Moderation of a sampled return, as rules. Pure: no SQL, no HTTP.
//!
//! - Which standards a return is moderated on, and its self-grade on each: the standards with a
//!   graded question asked of the organisation; the self-grade is the answer to the first such
//!   question (answered, not "to review").
//! - A panel member's moderation form as typed: per standard, agreement with the self-grade or
//!   a moderated grade, and a comment. Every problem is named by its field; nothing is saved
//!   when there is one.
//! - When the business unit may mark the return moderated: two or more panel members have each
//!   recorded every standard.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::agreement::{Agreement, Moderation, SelfGrade, agreement};
use super::grades::Grade;
use super::model::{QuestionId, QuestionKind, Setting, StandardId};
use super::store::{Answer, AnswerValue, FrameworkVersion};
use crate::kernel::text::FormErrors;

/// The longest comment a panel member may write on one standard.
pub const LONGEST_COMMENT: usize = 2_000;

/// How many panel members must each record every standard before a return is moderated.
pub const MODERATORS_NEEDED: usize = 2;

/// The form's own field, for a refusal of the form as a whole.
pub const FORM_FIELD: &str = "moderation";

/// The panel's agreement on a return: its self-grade on each standard against what each member
/// recorded, as (standard number, moderator, grade).
pub fn panel_agreement(
    standards: &[ModeratedStandard],
    recorded: impl IntoIterator<Item = (i64, i64, Grade)>,
) -> Agreement {
    let self_grades: Vec<SelfGrade> = standards
        .iter()
        .filter_map(|standard| {
            Some(SelfGrade {
                standard: standard.number,
                grade: standard.self_grade?,
            })
        })
        .collect();
    let moderations: Vec<Moderation> = recorded
        .into_iter()
        .map(|(standard, moderator, grade)| Moderation {
            standard,
            moderator,
            grade,
        })
        .collect();
    agreement(&self_grades, &moderations)
}

/// A standard the return is moderated on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeratedStandard {
    pub id: StandardId,
    pub number: i64,
    pub title: String,
    /// The organisation's own grade; none when it left the standard unanswered.
    pub self_grade: Option<Grade>,
}

/// The standards of a return's framework version that have a graded question asked of the
/// organisation, each with its self-grade.
pub fn moderated_standards(
    version: &FrameworkVersion,
    setting: Option<Setting>,
    answers: &HashMap<QuestionId, Answer>,
) -> Vec<ModeratedStandard> {
    version
        .standards
        .iter()
        .filter_map(|standard| {
            let mut graded = standard
                .questions
                .iter()
                .filter(|q| q.kind == QuestionKind::Grade && q.applies(setting))
                .peekable();
            graded.peek()?;
            let self_grade = graded.find_map(|question| match answers.get(&question.id) {
                Some(Answer {
                    value: AnswerValue::Grade(grade),
                    to_review: false,
                    ..
                }) => Some(*grade),
                _ => None,
            });
            Some(ModeratedStandard {
                id: standard.id,
                number: standard.number,
                title: standard.title.clone(),
                self_grade,
            })
        })
        .collect()
}

pub fn decision_field(number: i64) -> String {
    format!("decision-{number}")
}

pub fn comment_field(number: i64) -> String {
    format!("comment-{number}")
}

/// What "agree" is posted as; a moderated grade is posted as its code.
pub const AGREE: &str = "agree";

/// One standard's judgement as read from the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    pub standard: StandardId,
    pub number: i64,
    pub agrees: bool,
    pub grade: Grade,
    pub comment: String,
}

/// A moderation form read: the judgements, what was typed per standard (decision, comment),
/// and the refusals.
#[derive(Debug, Default)]
pub struct ReadModeration {
    pub judgements: Vec<Judgement>,
    pub typed: HashMap<i64, (String, String)>,
    pub errors: FormErrors,
}

/// Reads a panel member's moderation form.
///
/// Per standard: `decision-N` is "agree" or a grade's code, `comment-N` the comment. A standard
/// left blank (no decision, no comment) is not recorded. Refused, naming the field: a decision
/// that is neither; "agree" where there is no self-grade; a comment without a decision; a
/// comment over 2,000 characters; a moderated grade other than the self-grade without a comment
/// saying why. Refused as a whole: a standard the return is not moderated on, and a form that
/// records nothing.
pub fn read_moderation(
    standards: &[ModeratedStandard],
    pairs: &[(String, String)],
) -> ReadModeration {
    let mut read = ReadModeration::default();
    let by_number: BTreeMap<i64, &ModeratedStandard> =
        standards.iter().map(|s| (s.number, s)).collect();
    let mut unknown = BTreeSet::new();
    for (name, value) in pairs {
        let (is_decision, number) = if let Some(n) = name.strip_prefix("decision-") {
            (true, n)
        } else if let Some(n) = name.strip_prefix("comment-") {
            (false, n)
        } else {
            continue;
        };
        let Some(number) = number
            .parse::<i64>()
            .ok()
            .filter(|n| by_number.contains_key(n))
        else {
            unknown.insert(number.chars().take(20).collect::<String>());
            continue;
        };
        let typed = read.typed.entry(number).or_default();
        if is_decision {
            typed.0 = value.clone();
        } else {
            typed.1 = value.clone();
        }
    }
    if !unknown.is_empty() {
        read.errors.add(
            FORM_FIELD,
            format!(
                "Standard {} is not a standard of this return. Nothing was saved",
                unknown.into_iter().collect::<Vec<_>>().join(", ")
            ),
        );
    }
    for standard in standards {
        let Some((decision, comment)) = read.typed.get(&standard.number) else {
            continue;
        };
        let (decision, comment) = (decision.trim(), comment.trim());
        let number = standard.number;
        let decision_at = decision_field(number);
        let comment_at = comment_field(number);
        if comment.chars().count() > LONGEST_COMMENT {
            read.errors.add(
                &comment_at,
                format!("Standard {number}: the comment must be 2,000 characters or fewer"),
            );
        }
        if decision.is_empty() {
            if !comment.is_empty() {
                read.errors.add(
                    &decision_at,
                    format!(
                        "Standard {number}: choose agree or a moderated grade, or clear the comment"
                    ),
                );
            }
            continue;
        }
        let (agrees, grade) = if decision == AGREE {
            match standard.self_grade {
                Some(grade) => (true, grade),
                None => {
                    read.errors.add(
                        &decision_at,
                        format!(
                            "Standard {number} has no self-grade to agree with: choose a moderated grade"
                        ),
                    );
                    continue;
                }
            }
        } else {
            match Grade::from_code(decision) {
                Some(grade) => (standard.self_grade == Some(grade), grade),
                None => {
                    read.errors.add(
                        &decision_at,
                        format!(
                            "Standard {number}: choose agree or a moderated grade from the list"
                        ),
                    );
                    continue;
                }
            }
        };
        if !agrees && comment.is_empty() {
            read.errors.add(
                &comment_at,
                format!(
                    "Standard {number}: say why the moderated grade differs from the self-grade"
                ),
            );
        }
        read.judgements.push(Judgement {
            standard: standard.id,
            number,
            agrees,
            grade,
            comment: comment.to_owned(),
        });
    }
    if read.errors.is_empty() && read.judgements.is_empty() {
        read.errors.add(
            FORM_FIELD,
            "Record agreement or a moderated grade for at least one standard",
        );
    }
    read
}

/// The panel members who have recorded every standard of the return, from (standard, member)
/// pairs recorded.
pub fn members_complete(
    standards: &[ModeratedStandard],
    recorded: impl IntoIterator<Item = (StandardId, i64)>,
) -> BTreeSet<i64> {
    let mut by_member: BTreeMap<i64, BTreeSet<StandardId>> = BTreeMap::new();
    for (standard, member) in recorded {
        by_member.entry(member).or_default().insert(standard);
    }
    by_member
        .into_iter()
        .filter(|(_, done)| standards.iter().all(|s| done.contains(&s.id)))
        .map(|(member, _)| member)
        .collect()
}

/// Whether the business unit may mark the return moderated: two or more panel members have
/// each recorded every standard (and there is a standard to record).
pub fn ready_to_mark(standards: &[ModeratedStandard], complete: &BTreeSet<i64>) -> bool {
    !standards.is_empty() && complete.len() >= MODERATORS_NEEDED
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standard(number: i64, self_grade: Option<Grade>) -> ModeratedStandard {
        ModeratedStandard {
            id: StandardId::new(100 + number),
            number,
            title: format!("Standard {number}"),
            self_grade,
        }
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn two() -> Vec<ModeratedStandard> {
        vec![standard(1, Some(Grade::Met)), standard(2, None)]
    }

    #[test]
    fn agreement_and_a_moderated_grade_are_read() {
        let read = read_moderation(
            &two(),
            &pairs(&[
                ("csrf_token", "x"),
                ("decision-1", "agree"),
                ("comment-1", " Good evidence "),
                ("decision-2", "partially_met"),
                ("comment-2", "No policy seen"),
            ]),
        );
        assert!(read.errors.is_empty(), "{:?}", read.errors);
        assert_eq!(read.judgements.len(), 2);
        assert_eq!(
            (
                read.judgements[0].agrees,
                read.judgements[0].grade,
                read.judgements[0].comment.as_str()
            ),
            (true, Grade::Met, "Good evidence")
        );
        assert_eq!(
            (read.judgements[1].agrees, read.judgements[1].grade),
            (false, Grade::PartiallyMet)
        );
    }

    #[test]
    fn choosing_the_self_grade_is_agreeing() {
        let read = read_moderation(&two(), &pairs(&[("decision-1", "met")]));
        assert!(read.errors.is_empty());
        assert!(read.judgements[0].agrees);
    }

    #[test]
    fn each_problem_is_named_by_its_field() {
        let long = "x".repeat(LONGEST_COMMENT + 1);
        let read = read_moderation(
            &two(),
            &pairs(&[
                ("decision-1", "brilliant"),
                ("decision-2", "agree"),
                ("comment-2", &long),
            ]),
        );
        assert!(read.judgements.is_empty());
        assert_eq!(
            read.errors.get("decision-1"),
            Some("Standard 1: choose agree or a moderated grade from the list")
        );
        assert_eq!(
            read.errors.get("decision-2"),
            Some("Standard 2 has no self-grade to agree with: choose a moderated grade")
        );
        assert_eq!(
            read.errors.get("comment-2"),
            Some("Standard 2: the comment must be 2,000 characters or fewer")
        );
    }

    #[test]
    fn a_different_grade_needs_a_comment_and_a_comment_needs_a_decision() {
        let read = read_moderation(
            &two(),
            &pairs(&[("decision-1", "not_met"), ("comment-2", "Unsure")]),
        );
        assert!(read.errors.get("comment-1").is_some());
        assert!(read.errors.get("decision-2").is_some());
    }

    #[test]
    fn a_forged_standard_or_an_empty_form_is_refused_whole() {
        let read = read_moderation(
            &two(),
            &pairs(&[("decision-1", "agree"), ("decision-99", "met")]),
        );
        assert_eq!(
            read.errors.get(FORM_FIELD),
            Some("Standard 99 is not a standard of this return. Nothing was saved")
        );
        let empty = read_moderation(&two(), &pairs(&[("decision-1", ""), ("comment-1", " ")]));
        assert!(empty.errors.get(FORM_FIELD).is_some());
    }

    #[test]
    fn two_members_with_every_standard_make_a_return_ready() {
        let standards = two();
        let (a, b) = (standards[0].id, standards[1].id);
        let complete = members_complete(&standards, [(a, 7), (b, 7), (a, 8)]);
        assert_eq!(complete, BTreeSet::from([7]));
        assert!(!ready_to_mark(&standards, &complete));
        let complete = members_complete(&standards, [(a, 7), (b, 7), (a, 8), (b, 8)]);
        assert!(ready_to_mark(&standards, &complete));
        assert!(!ready_to_mark(&[], &complete));
    }
}
