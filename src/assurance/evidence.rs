//! Evidence and actions on a return's answers, apart from HTTP and SQL. Evidence is text, a
//! web link (http or https only) or a file through the kernel's file store; an answer graded
//! below "met" needs an action (an owner, a due date and what will change) before the return
//! is submitted. Every refusal names the field at fault, and a form with any refusal saves
//! nothing.

use std::collections::HashMap;

use serde::Serialize;
use time::Date;

use super::grades::Grade;
use super::model::{QuestionId, QuestionKind};
use super::store::{AnswerValue, Question};
use crate::kernel::text::{DateParts, FormErrors};

crate::typed_id!(
    /// An item of evidence on a return's answer.
    EvidenceId
);
crate::typed_id!(
    /// An action on a return's answer below "met".
    ReturnActionId
);

/// The longest evidence text: a short account of what the evidence shows.
pub const LONGEST_EVIDENCE_TEXT: usize = 2_000;
/// The longest web link kept.
pub const LONGEST_LINK: usize = 1_000;
/// The longest owner of an action (a person's or an organisation's name).
pub const LONGEST_OWNER: usize = 200;
/// The longest "what will change" of an action.
pub const LONGEST_CHANGE: usize = 1_000;

/// What an item of evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EvidenceKind {
    Text,
    Link,
    File,
}

impl EvidenceKind {
    pub fn code(self) -> &'static str {
        match self {
            EvidenceKind::Text => "text",
            EvidenceKind::Link => "link",
            EvidenceKind::File => "file",
        }
    }

    pub fn from_code(code: &str) -> Option<EvidenceKind> {
        [EvidenceKind::Text, EvidenceKind::Link, EvidenceKind::File]
            .into_iter()
            .find(|kind| kind.code() == code)
    }
}

/// A field of a question's evidence form (`part`: text, link or file).
pub fn evidence_field(question: QuestionId, part: &str) -> String {
    format!("evidence-{question}-{part}")
}

/// A field of a question's action on the standard's form (`part`: owner, what or due).
pub fn action_field(question: QuestionId, part: &str) -> String {
    format!("action-{question}-{part}")
}

/// A web link as typed: none when empty, or what is wrong with it. Only http and https
/// addresses with a host are kept, so a `javascript:` or `data:` link never reaches a page.
pub fn check_link(typed: &str) -> Result<Option<String>, String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    let refused = || {
        "Link: enter a web address starting with https:// or http://, for example https://example.org/policy.pdf".to_owned()
    };
    if typed.chars().count() > LONGEST_LINK {
        return Err(format!(
            "Link: the web address must be {LONGEST_LINK} characters or fewer"
        ));
    }
    if typed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(refused());
    }
    let parsed = url::Url::parse(typed).map_err(|_| refused())?;
    let web = matches!(parsed.scheme(), "http" | "https");
    if !web || parsed.host_str().is_none_or(str::is_empty) {
        return Err(refused());
    }
    Ok(Some(typed.to_owned()))
}

/// A question's evidence form as typed (the file is checked by the kernel's file store).
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceTyped {
    pub question: QuestionId,
    pub text: String,
    pub link: String,
}

/// Evidence to add, checked: its kind, text and link (the file, if any, is stored apart).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewEvidence {
    pub kind: EvidenceKind,
    pub text: String,
    pub url: String,
}

/// Checks a question's evidence form: text up to 2,000 characters, an http(s) link, and at
/// least one of text, link or file. `file_error` is the file store's refusal of the file, if
/// any. None, with the refusals in `errors`, when anything is wrong.
pub fn read_evidence(
    typed: &EvidenceTyped,
    has_file: bool,
    file_error: Option<String>,
    errors: &mut FormErrors,
) -> Option<NewEvidence> {
    let text = typed.text.trim();
    let length = text.chars().count();
    if length > LONGEST_EVIDENCE_TEXT {
        errors.add(
            &evidence_field(typed.question, "text"),
            format!("Evidence text must be 2,000 characters or fewer (it has {length})"),
        );
    }
    let link = match check_link(&typed.link) {
        Ok(link) => link,
        Err(message) => {
            errors.add(&evidence_field(typed.question, "link"), message);
            None
        }
    };
    if let Some(message) = file_error {
        errors.add(
            &evidence_field(typed.question, "file"),
            format!("File: {message}"),
        );
    }
    if !errors.is_empty() {
        return None;
    }
    if text.is_empty() && link.is_none() && !has_file {
        errors.add(
            &evidence_field(typed.question, "text"),
            "Evidence: describe the evidence, enter a link or choose a file",
        );
        return None;
    }
    let kind = if has_file {
        EvidenceKind::File
    } else if link.is_some() {
        EvidenceKind::Link
    } else {
        EvidenceKind::Text
    };
    Some(NewEvidence {
        kind,
        text: text.to_owned(),
        url: link.unwrap_or_default(),
    })
}

/// An action as typed on the standard's form.
#[derive(Debug, Clone, Default)]
pub struct ActionTyped {
    pub owner: String,
    pub what: String,
    pub due: DateParts,
}

impl ActionTyped {
    fn is_empty(&self) -> bool {
        self.owner.trim().is_empty()
            && self.what.trim().is_empty()
            && self.due.day.trim().is_empty()
            && self.due.month.trim().is_empty()
            && self.due.year.trim().is_empty()
    }
}

/// An action for an answer below "met", checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionPlan {
    pub owner: String,
    pub due_on: Date,
    pub what_will_change: String,
}

/// A standard's actions as read from its form: for each graded question asked, the action to
/// keep (None removes it: the answer is met, or the boxes were left empty), the values as
/// typed, and the refusals.
#[derive(Debug, Clone, Default)]
pub struct StandardActions {
    pub actions: Vec<(QuestionId, Option<ActionPlan>)>,
    pub typed: HashMap<QuestionId, ActionTyped>,
}

fn first(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
        .unwrap_or_default()
}

/// Reads the action boxes of a standard's graded questions (`action-{id}-owner`, `-what`,
/// `-due_day` ...). An action is kept only with an answer below "met" (`answers`, as read from
/// the same form); its boxes, once any is filled, must all be: an owner, what will change, and a
/// real due date, each refused naming its question.
pub fn read_standard_actions(
    asked: &[&Question],
    answers: &[(QuestionId, AnswerValue)],
    pairs: &[(String, String)],
    errors: &mut FormErrors,
) -> StandardActions {
    let mut read = StandardActions::default();
    for question in asked
        .iter()
        .filter(|question| question.kind == QuestionKind::Grade)
    {
        let id = question.id;
        let code = &question.code;
        let due = action_field(id, "due");
        let typed = ActionTyped {
            owner: first(pairs, &action_field(id, "owner")),
            what: first(pairs, &action_field(id, "what")),
            due: DateParts {
                day: first(pairs, &format!("{due}_day")),
                month: first(pairs, &format!("{due}_month")),
                year: first(pairs, &format!("{due}_year")),
            },
        };
        let needs_action = answers.iter().any(|(answered, value)| {
            *answered == id && matches!(value, AnswerValue::Grade(grade) if grade.needs_action())
        });
        let plan = if needs_action && !typed.is_empty() {
            let owner = typed.owner.trim();
            let what = typed.what.trim();
            let owner_field = action_field(id, "owner");
            let what_field = action_field(id, "what");
            if owner.is_empty() {
                errors.add(
                    &owner_field,
                    format!("Question {code}: enter who owns the action"),
                );
            } else if owner.chars().count() > LONGEST_OWNER {
                errors.add(
                    &owner_field,
                    format!("Question {code}: the action's owner must be {LONGEST_OWNER} characters or fewer"),
                );
            }
            if what.is_empty() {
                errors.add(
                    &what_field,
                    format!("Question {code}: enter what will change"),
                );
            } else if what.chars().count() > LONGEST_CHANGE {
                errors.add(
                    &what_field,
                    format!("Question {code}: what will change must be 1,000 characters or fewer"),
                );
            }
            let mut date_errors = FormErrors::default();
            let due_on = date_errors.date(&due, "Due date", &typed.due, true);
            if let Some(message) = date_errors.get(&due) {
                let message = if message.starts_with("Enter ") {
                    format!("Question {code}: enter the action's due date")
                } else {
                    format!("Question {code}: the action's {}", lower_first(message))
                };
                errors.add(&due, message);
            }
            match due_on {
                Some(due_on) if !owner.is_empty() && !what.is_empty() => Some(ActionPlan {
                    owner: owner.to_owned(),
                    due_on,
                    what_will_change: what.to_owned(),
                }),
                _ => None,
            }
        } else {
            None
        };
        read.typed.insert(id, typed);
        read.actions.push((id, plan));
    }
    if !errors.is_empty() {
        read.actions.clear();
    }
    read
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The codes of the questions answered below "met" (not "to review") that have no action, in
/// the order given: a return with any cannot be submitted.
pub fn lacking_actions<'a>(
    answered: impl IntoIterator<Item = (&'a str, Option<Grade>, bool)>,
) -> Vec<String> {
    answered
        .into_iter()
        .filter(|(_, grade, has_action)| grade.is_some_and(Grade::needs_action) && !has_action)
        .map(|(code, _, _)| code.to_owned())
        .collect()
}

/// How many of the previous return's actions the organisation says it completed, from its
/// yes/no answers (None: not answered yet).
pub fn completion_count(answers: &[Option<bool>]) -> (i64, i64) {
    let all = i64::try_from(answers.len()).unwrap_or(i64::MAX);
    let done = i64::try_from(
        answers
            .iter()
            .filter(|answer| **answer == Some(true))
            .count(),
    )
    .unwrap_or(0);
    (all, done)
}

/// The field of the yes/no "completed" answer for one of the previous return's actions.
pub fn completed_field(action: ReturnActionId) -> String {
    format!("completed-{action}")
}

/// The "Actions from the last audit" form as read: each action's yes/no, checked. `actions`
/// are the previous return's (id and question code); every one must be answered, and a field
/// naming any other action (a forged id) refuses the form. On refusal, `Err` holds the answers
/// as typed and the refusals.
#[allow(clippy::type_complexity)]
pub fn read_completions(
    actions: &[(ReturnActionId, &str)],
    pairs: &[(String, String)],
) -> Result<Vec<(ReturnActionId, bool)>, (HashMap<ReturnActionId, bool>, FormErrors)> {
    let mut errors = FormErrors::default();
    let mut typed = HashMap::new();
    for (key, value) in pairs {
        let Some(id_text) = key.strip_prefix("completed-") else {
            continue;
        };
        let known = actions.iter().find(|(id, _)| id.to_string() == id_text);
        let Some((id, code)) = known else {
            errors.add(
                "previous-actions",
                "Actions from the last audit: answer only for the actions listed. Nothing was saved",
            );
            continue;
        };
        match value.as_str() {
            "yes" => {
                typed.insert(*id, true);
            }
            "no" => {
                typed.insert(*id, false);
            }
            _ => errors.add(
                &completed_field(*id),
                format!("Action for question {code}: choose yes or no"),
            ),
        }
    }
    for (id, code) in actions {
        if !typed.contains_key(id) {
            errors.add(
                &completed_field(*id),
                format!("Action for question {code}: say whether it was completed"),
            );
        }
    }
    if errors.is_empty() {
        Ok(actions
            .iter()
            .filter_map(|(id, _)| Some((*id, *typed.get(id)?)))
            .collect())
    } else {
        Err((typed, errors))
    }
}

/// The tracker's reference for a return's recommendation: unique per round and return.
pub fn tracker_reference(round: i64, audit_return: i64) -> String {
    format!("AUD-{round}-{audit_return}")
}

/// The tracker's label for a return: "s175 audit 2025: Example School".
pub fn tracker_label(round_title: &str, organisation: &str) -> String {
    format!("{round_title}: {organisation}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assurance::model::StandardId;
    use time::macros::date;

    fn grade_question(id: i64, code: &str) -> Question {
        Question {
            id: QuestionId::new(id),
            standard_id: StandardId::new(1),
            code: code.to_owned(),
            kind: QuestionKind::Grade,
            text: "A question".to_owned(),
            guidance: String::new(),
            evidence: String::new(),
            choice_lines: String::new(),
            applies_to_codes: String::new(),
        }
    }

    fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn links_are_web_addresses_only() {
        assert_eq!(
            check_link(" https://example.org/policy.pdf "),
            Ok(Some("https://example.org/policy.pdf".to_owned()))
        );
        assert_eq!(
            check_link("http://intranet.school.example/a?b=c"),
            Ok(Some("http://intranet.school.example/a?b=c".to_owned()))
        );
        assert_eq!(check_link("  "), Ok(None));
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "ftp://example.org/file",
            "file:///etc/passwd",
            "https://",
            "example.org",
            "https://exa mple.org",
        ] {
            assert!(
                check_link(bad).unwrap_err().starts_with("Link:"),
                "{bad} refused"
            );
        }
        let long = format!("https://example.org/{}", "a".repeat(LONGEST_LINK));
        assert!(check_link(&long).unwrap_err().contains("1000 characters"));
    }

    #[test]
    fn evidence_needs_something_and_names_each_field() {
        let question = QuestionId::new(7);
        let typed = |text: &str, link: &str| EvidenceTyped {
            question,
            text: text.to_owned(),
            link: link.to_owned(),
        };
        let mut errors = FormErrors::default();
        let read = read_evidence(
            &typed("Minutes of the governors", ""),
            false,
            None,
            &mut errors,
        );
        assert_eq!(read.unwrap().kind, EvidenceKind::Text);
        let read = read_evidence(&typed("", "https://example.org"), false, None, &mut errors);
        assert_eq!(read.unwrap().kind, EvidenceKind::Link);
        let read = read_evidence(
            &typed("The policy", "https://example.org"),
            true,
            None,
            &mut errors,
        );
        assert_eq!(read.unwrap().kind, EvidenceKind::File);
        assert!(errors.is_empty());

        let mut errors = FormErrors::default();
        assert!(read_evidence(&typed("", ""), false, None, &mut errors).is_none());
        assert!(errors.get("evidence-7-text").is_some());

        let mut errors = FormErrors::default();
        let long = "x".repeat(LONGEST_EVIDENCE_TEXT + 1);
        assert!(
            read_evidence(
                &typed(&long, "javascript:alert(1)"),
                true,
                Some("run.exe is not a type of file MASA keeps".into()),
                &mut errors
            )
            .is_none()
        );
        assert!(
            errors
                .get("evidence-7-text")
                .unwrap()
                .starts_with("Evidence text must be 2,000 characters or fewer")
        );
        assert!(errors.get("evidence-7-link").unwrap().starts_with("Link:"));
        assert_eq!(
            errors.get("evidence-7-file"),
            Some("File: run.exe is not a type of file MASA keeps")
        );
    }

    #[test]
    fn an_action_is_kept_for_answers_below_met_and_checked_whole() {
        let asked = [grade_question(1, "1.1"), grade_question(2, "1.2")];
        let asked: Vec<&Question> = asked.iter().collect();
        let answers = vec![
            (QuestionId::new(1), AnswerValue::Grade(Grade::NotMet)),
            (QuestionId::new(2), AnswerValue::Grade(Grade::Met)),
        ];
        let full = pairs(&[
            ("action-1-owner", " Head teacher "),
            ("action-1-what", "Train every governor"),
            ("action-1-due_day", "31"),
            ("action-1-due_month", "3"),
            ("action-1-due_year", "2027"),
            // An action typed for a met answer is not kept.
            ("action-2-owner", "Someone"),
        ]);
        let mut errors = FormErrors::default();
        let read = read_standard_actions(&asked, &answers, &full, &mut errors);
        assert!(errors.is_empty());
        assert_eq!(
            read.actions,
            vec![
                (
                    QuestionId::new(1),
                    Some(ActionPlan {
                        owner: "Head teacher".into(),
                        due_on: date!(2027 - 03 - 31),
                        what_will_change: "Train every governor".into(),
                    })
                ),
                (QuestionId::new(2), None),
            ]
        );

        // Empty boxes: no action (the submit asks for it).
        let mut errors = FormErrors::default();
        let read = read_standard_actions(&asked, &answers, &[], &mut errors);
        assert!(errors.is_empty());
        assert_eq!(read.actions[0], (QuestionId::new(1), None));

        // Part filled: each missing box named by its question; nothing kept.
        let part = pairs(&[("action-1-owner", "Head"), ("action-1-due_day", "31")]);
        let mut errors = FormErrors::default();
        let read = read_standard_actions(&asked, &answers, &part, &mut errors);
        assert!(read.actions.is_empty());
        assert_eq!(
            errors.get("action-1-what"),
            Some("Question 1.1: enter what will change")
        );
        assert_eq!(
            errors.get("action-1-due"),
            Some("Question 1.1: the action's due date must include a month")
        );
        assert_eq!(read.typed[&QuestionId::new(1)].owner, "Head");
        let long = "x".repeat(LONGEST_OWNER + 1);
        let too_long = pairs(&[
            ("action-1-owner", &long),
            ("action-1-what", "x"),
            ("action-1-due_day", "1"),
            ("action-1-due_month", "1"),
            ("action-1-due_year", "2027"),
        ]);
        let mut errors = FormErrors::default();
        read_standard_actions(&asked, &answers, &too_long, &mut errors);
        assert!(
            errors
                .get("action-1-owner")
                .unwrap()
                .contains("200 characters")
        );
    }

    #[test]
    fn answers_below_met_without_an_action_block_the_submit() {
        let lacking = lacking_actions([
            ("1.1", Some(Grade::NotMet), false),
            ("1.2", Some(Grade::PartiallyMet), true),
            ("1.3", Some(Grade::PartiallyMet), false),
            ("1.4", Some(Grade::Met), false),
            ("1.5", None, false),
            ("1.6", Some(Grade::NotApplicable), false),
        ]);
        assert_eq!(lacking, ["1.1", "1.3"]);
    }

    #[test]
    fn each_previous_action_is_answered_yes_or_no() {
        let actions = [
            (ReturnActionId::new(3), "1.1"),
            (ReturnActionId::new(4), "2.1"),
        ];
        assert_eq!(
            read_completions(
                &actions,
                &pairs(&[
                    ("completed-3", "yes"),
                    ("completed-4", "no"),
                    ("csrf_token", "t")
                ])
            )
            .unwrap(),
            vec![
                (ReturnActionId::new(3), true),
                (ReturnActionId::new(4), false)
            ]
        );
        let (typed, errors) =
            read_completions(&actions, &pairs(&[("completed-3", "yes")])).unwrap_err();
        assert!(typed[&ReturnActionId::new(3)]);
        assert_eq!(
            errors.get("completed-4"),
            Some("Action for question 2.1: say whether it was completed")
        );
        let (_, errors) = read_completions(
            &actions,
            &pairs(&[
                ("completed-3", "yes"),
                ("completed-4", "maybe"),
                ("completed-99", "yes"),
            ]),
        )
        .unwrap_err();
        assert!(errors.get("previous-actions").is_some());
        assert_eq!(
            errors.get("completed-4"),
            Some("Action for question 2.1: choose yes or no")
        );
    }

    #[test]
    fn previous_actions_are_counted_from_the_answers() {
        assert_eq!(completion_count(&[Some(true), Some(false), None]), (3, 1));
        assert_eq!(completion_count(&[]), (0, 0));
        assert_eq!(tracker_reference(4, 17), "AUD-4-17");
        assert_eq!(
            tracker_label("s175 audit 2025", "Example School"),
            "s175 audit 2025: Example School"
        );
    }
}
