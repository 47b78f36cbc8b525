//! Multi-agency case-file audits as the partnership's words: the grade scale, the pseudonym rule
//! for cases, the forms as typed and their validation, who sees which agency's answers, and the
//! grade distributions a re-audit is compared by. Pure: no SQL, no HTTP.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::kernel::ids::OrganisationId;
use crate::kernel::personal_data::likely_identifier;
use crate::kernel::text::{DateParts, FormErrors};

crate::typed_id!(
    /// A multi-agency case-file audit.
    CaseAuditId
);
crate::typed_id!(
    /// A graded question of a case-file audit's template.
    CaseQuestionId
);
crate::typed_id!(
    /// A case audited, by pseudonym.
    AuditedCaseId
);
crate::typed_id!(
    /// A finding of a case-file audit.
    CaseFindingId
);

/// The grade scale every case-file audit uses (stored on the audit as `grade_scale`), the one
/// Ofsted and most partnerships' audit tools use for a case: good, requires improvement,
/// inadequate.
pub const GRADE_SCALE: &str = "good_ri_inadequate";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseGrade {
    Good,
    RequiresImprovement,
    Inadequate,
}

crate::stored_code!(CaseGrade, "case-file audit grade");

impl CaseGrade {
    pub const ALL: [CaseGrade; 3] = [
        CaseGrade::Good,
        CaseGrade::RequiresImprovement,
        CaseGrade::Inadequate,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CaseGrade::Good => "good",
            CaseGrade::RequiresImprovement => "requires_improvement",
            CaseGrade::Inadequate => "inadequate",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseGrade::Good => "Good",
            CaseGrade::RequiresImprovement => "Requires improvement",
            CaseGrade::Inadequate => "Inadequate",
        }
    }

    pub fn tag_class(self) -> &'static str {
        match self {
            CaseGrade::Good => "govuk-tag--green",
            CaseGrade::RequiresImprovement => "govuk-tag--yellow",
            CaseGrade::Inadequate => "govuk-tag--red",
        }
    }

    pub fn from_code(code: &str) -> Option<CaseGrade> {
        CaseGrade::ALL
            .into_iter()
            .find(|grade| grade.code() == code)
    }
}

/// What a finding says: what works, or what must improve (the seed's "What did we learn" and
/// "Where did we need to improve").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    Learning,
    ToImprove,
}

crate::stored_code!(FindingKind, "finding kind");

impl FindingKind {
    pub const ALL: [FindingKind; 2] = [FindingKind::Learning, FindingKind::ToImprove];

    pub fn code(self) -> &'static str {
        match self {
            FindingKind::Learning => "learning",
            FindingKind::ToImprove => "to_improve",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FindingKind::Learning => "What we learned",
            FindingKind::ToImprove => "Where we need to improve",
        }
    }

    pub fn from_code(code: &str) -> Option<FindingKind> {
        FindingKind::ALL
            .into_iter()
            .find(|kind| kind.code() == code)
    }
}

// ---- the personal-data rules ----

/// The words a pseudonym starts with ("Child A", "Sibling group B", "Young person C").
const PSEUDONYM_WORDS: [&str; 5] = ["child", "sibling group", "young person", "family", "unborn"];

/// Is this a case reference such as "MACFA-24-03": capital letters, then groups of letters or
/// digits joined by hyphens, with at least one digit.
fn is_case_reference(text: &str) -> bool {
    let mut parts = text.split('-');
    let Some(first) = parts.next() else {
        return false;
    };
    let rest: Vec<&str> = parts.collect();
    !rest.is_empty()
        && (2..=8).contains(&first.len())
        && first.chars().all(|c| c.is_ascii_uppercase())
        && rest.iter().all(|part| {
            (1..=6).contains(&part.len())
                && part
                    .chars()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        })
        && text.chars().any(|c| c.is_ascii_digit())
}

/// A case is named by pseudonym only: "Child A", "Sibling group B" (one to three capital
/// letters or digits after the word), or a case reference such as "MACFA-24-03". A name, a date
/// of birth, an NHS number or anything else the personal-data check finds is refused.
pub fn check_pseudonym(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Enter the case's pseudonym, such as Child A or MACFA-24-03".into());
    }
    if let Some(found) = likely_identifier(text) {
        return Err(format!(
            "The pseudonym seems to contain {found}. Use a pseudonym such as Child A, never a name"
        ));
    }
    if is_case_reference(text) {
        return Ok(text.to_owned());
    }
    let lower = text.to_lowercase();
    let letter = PSEUDONYM_WORDS.iter().find_map(|word| {
        lower
            .strip_prefix(word)
            .and_then(|rest| rest.strip_prefix(' '))
            .and_then(|_| text.get(word.len() + 1..))
    });
    match letter {
        Some(letter)
            if (1..=3).contains(&letter.len())
                && letter
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) =>
        {
            Ok(text.to_owned())
        }
        _ => Err(
            "The pseudonym must be a pseudonym such as Child A, Sibling group B or a case reference such as MACFA-24-03, never a name"
                .into(),
        ),
    }
}

/// Refuses free text that holds personal data or markup, naming the field.
pub fn check_text(errors: &mut FormErrors, field: &str, label: &str, text: &str) {
    if let Some(found) = likely_identifier(text) {
        errors.add(
            field,
            format!("{label} seems to contain {found}. Remove it: use pseudonyms and roles only"),
        );
    } else if has_markup(text) {
        errors.add(
            field,
            format!("{label} must not contain markup such as <script>: write plain text"),
        );
    }
}

/// Text with an HTML tag in it ("<script>", "</b>", "<img …>").
pub fn has_markup(text: &str) -> bool {
    text.char_indices().any(|(index, c)| {
        c == '<'
            && text[index + 1..]
                .chars()
                .next()
                .is_some_and(|next| next.is_ascii_alphabetic() || next == '/' || next == '!')
    })
}

fn required(errors: &mut FormErrors, field: &str, label: &str, value: &str, max: usize) -> String {
    let value = errors.required_text(field, label, value, max);
    check_text(errors, field, label, &value);
    value
}

fn optional(errors: &mut FormErrors, field: &str, label: &str, value: &str, max: usize) -> String {
    let value = errors.optional_text(field, label, value, max);
    check_text(errors, field, label, &value);
    value
}

// ---- an audit ----

/// A new audit as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AuditForm {
    pub title: String,
    pub theme: String,
    pub lead: String,
    pub held_on_day: String,
    pub held_on_month: String,
    pub held_on_year: String,
    /// Organisation ids, ticked.
    pub agencies: Vec<String>,
}

impl AuditForm {
    pub fn from_pairs(pairs: &[(String, String)]) -> AuditForm {
        let mut form = AuditForm::default();
        for (name, value) in pairs {
            match name.as_str() {
                "title" => form.title = value.clone(),
                "theme" => form.theme = value.clone(),
                "lead" => form.lead = value.clone(),
                "held_on_day" => form.held_on_day = value.clone(),
                "held_on_month" => form.held_on_month = value.clone(),
                "held_on_year" => form.held_on_year = value.clone(),
                "agencies" => form.agencies.push(value.clone()),
                _ => {}
            }
        }
        form
    }

    pub fn held_on(&self) -> DateParts {
        DateParts {
            day: self.held_on_day.clone(),
            month: self.held_on_month.clone(),
            year: self.held_on_year.clone(),
        }
    }

    pub fn is_ticked(&self, id: &str) -> bool {
        self.agencies.iter().any(|ticked| ticked == id)
    }

    /// The audit, or None with every refusal in `errors`. `organisations` are the partnership's.
    pub fn validate(
        &self,
        errors: &mut FormErrors,
        organisations: &[OrganisationId],
    ) -> Option<AuditDetails> {
        let title = required(errors, "title", "Title", &self.title, 200);
        let theme = required(errors, "theme", "Theme", &self.theme, 200);
        let lead = required(errors, "lead", "Lead", &self.lead, 200);
        let held_on = errors.date("held_on", "Date of the audit", &self.held_on(), true);
        let mut agencies = Vec::new();
        for ticked in &self.agencies {
            match ticked.parse::<OrganisationId>() {
                Ok(id) if organisations.contains(&id) => {
                    if !agencies.contains(&id) {
                        agencies.push(id);
                    }
                }
                _ => errors.add(
                    "agencies",
                    "Participating agencies must be organisations of the partnership",
                ),
            }
        }
        if agencies.len() < 2 && errors.get("agencies").is_none() {
            errors.add(
                "agencies",
                "Select at least two participating agencies: the audit is multi-agency",
            );
        }
        let held_on = held_on?;
        errors.is_empty().then_some(AuditDetails {
            title,
            theme,
            lead,
            held_on,
            agencies,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditDetails {
    pub title: String,
    pub theme: String,
    pub lead: String,
    pub held_on: Date,
    pub agencies: Vec<OrganisationId>,
}

/// A re-audit as typed: its title and date (the template, agencies and cases are the earlier
/// audit's).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReauditForm {
    pub title: String,
    pub held_on_day: String,
    pub held_on_month: String,
    pub held_on_year: String,
}

impl ReauditForm {
    pub fn held_on(&self) -> DateParts {
        DateParts {
            day: self.held_on_day.clone(),
            month: self.held_on_month.clone(),
            year: self.held_on_year.clone(),
        }
    }

    /// The title and date, the date after the earlier audit's.
    pub fn validate(&self, errors: &mut FormErrors, earlier: Date) -> Option<(String, Date)> {
        let title = required(errors, "title", "Title", &self.title, 200);
        let held_on = errors.date("held_on", "Date of the re-audit", &self.held_on(), true);
        if held_on.is_some_and(|date| date <= earlier) {
            errors.add(
                "held_on",
                "Date of the re-audit must be after the audit it follows",
            );
        }
        let held_on = held_on?;
        errors.is_empty().then_some((title, held_on))
    }
}

// ---- questions, cases, answers, round-table, findings ----

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct QuestionForm {
    pub text: String,
    pub guidance: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionDetails {
    pub text: String,
    pub guidance: String,
}

impl QuestionForm {
    pub fn validate(&self, errors: &mut FormErrors) -> Option<QuestionDetails> {
        let text = required(errors, "text", "Question", &self.text, 500);
        let guidance = optional(errors, "guidance", "Guidance", &self.guidance, 2000);
        errors
            .is_empty()
            .then_some(QuestionDetails { text, guidance })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CaseForm {
    pub pseudonym: String,
    pub context: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseDetails {
    pub pseudonym: String,
    pub context: String,
}

impl CaseForm {
    pub fn validate(&self, errors: &mut FormErrors) -> Option<CaseDetails> {
        let pseudonym = match check_pseudonym(&self.pseudonym) {
            Ok(pseudonym) if pseudonym.chars().count() > 40 => {
                errors.add("pseudonym", "Pseudonym must be 40 characters or fewer");
                pseudonym
            }
            Ok(pseudonym) => pseudonym,
            Err(message) => {
                errors.add("pseudonym", message);
                String::new()
            }
        };
        let context = optional(errors, "context", "Context", &self.context, 1000);
        errors
            .is_empty()
            .then_some(CaseDetails { pseudonym, context })
    }
}

/// One agency's answer to one question for one case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswerDetails {
    pub question_id: CaseQuestionId,
    pub grade: CaseGrade,
    pub comment: String,
}

pub fn grade_field(question: CaseQuestionId) -> String {
    format!("grade-{question}")
}

pub fn comment_field(question: CaseQuestionId) -> String {
    format!("comment-{question}")
}

/// An agency's answers as typed: every question of the template needs a grade; a comment is
/// optional. A field naming a question not in the template is refused (a forged id).
pub fn read_answers(
    questions: &[(CaseQuestionId, String)],
    pairs: &[(String, String)],
    errors: &mut FormErrors,
) -> (Vec<AnswerDetails>, BTreeMap<String, String>) {
    let typed: BTreeMap<String, String> = pairs
        .iter()
        .filter(|(name, _)| name.starts_with("grade-") || name.starts_with("comment-"))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    for name in typed.keys() {
        let id = name
            .split_once('-')
            .and_then(|(_, id)| id.parse::<CaseQuestionId>().ok());
        if !id.is_some_and(|id| questions.iter().any(|(known, _)| *known == id)) {
            errors.add(
                "answers",
                "The form named a question this audit does not have",
            );
        }
    }
    let mut answers = Vec::new();
    for (number, (id, _)) in questions.iter().enumerate() {
        let label = format!("Question {}", number + 1);
        let grade_name = grade_field(*id);
        let grade = typed
            .get(&grade_name)
            .and_then(|code| CaseGrade::from_code(code));
        if grade.is_none() {
            errors.add(&grade_name, format!("Select a grade for {label}"));
        }
        let comment_name = comment_field(*id);
        let comment = optional(
            errors,
            &comment_name,
            &format!("The comment on {label}"),
            typed.get(&comment_name).map_or("", String::as_str),
            2000,
        );
        if let Some(grade) = grade {
            answers.push(AnswerDetails {
                question_id: *id,
                grade,
                comment,
            });
        }
    }
    (answers, typed)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RoundTableForm {
    pub grade: String,
    pub learning: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundTableOutcome {
    pub grade: CaseGrade,
    pub learning: String,
}

impl RoundTableForm {
    pub fn validate(&self, errors: &mut FormErrors) -> Option<RoundTableOutcome> {
        let grade = CaseGrade::from_code(&self.grade);
        if grade.is_none() {
            errors.add("grade", "Select the grade agreed at the round-table");
        }
        let learning = required(errors, "learning", "Learning", &self.learning, 4000);
        match grade {
            Some(grade) if errors.is_empty() => Some(RoundTableOutcome { grade, learning }),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FindingForm {
    pub theme: String,
    pub kind: String,
    pub text: String,
    pub recommendation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingDetails {
    pub theme: String,
    pub kind: FindingKind,
    pub text: String,
    pub recommendation: String,
}

impl FindingForm {
    pub fn validate(&self, errors: &mut FormErrors) -> Option<FindingDetails> {
        let theme = required(errors, "theme", "Theme", &self.theme, 100);
        let kind = FindingKind::from_code(&self.kind);
        if kind.is_none() {
            errors.add("kind", "Select what the finding is");
        }
        let text = required(errors, "text", "Finding", &self.text, 4000);
        let recommendation = optional(
            errors,
            "recommendation",
            "Recommendation",
            &self.recommendation,
            2000,
        );
        match kind {
            Some(kind) if errors.is_empty() => Some(FindingDetails {
                theme,
                kind,
                text,
                recommendation,
            }),
            _ => None,
        }
    }
}

/// The tracker reference of the recommendation raised from a finding: "CFA-" the audit, then
/// the finding's number in it.
pub fn recommendation_reference(audit: CaseAuditId, position: i64) -> String {
    format!("CFA-{audit}-{position}")
}

// ---- who sees what ----

/// May someone see this agency's answers for a case? Each agency's auditors see only their own
/// agency's until the round-table is recorded; the business unit and those who act for no
/// organisation (chairs, the scrutineer) see every agency's.
pub fn may_see_answers(
    acts_for: Option<OrganisationId>,
    agency: OrganisationId,
    round_table_held: bool,
) -> bool {
    match acts_for {
        None => true,
        Some(own) => own == agency || round_table_held,
    }
}

/// May someone answer for this agency? Its own auditors, and the business unit for any
/// participating agency; no one once the round-table has been recorded.
pub fn may_answer(
    is_business_unit: bool,
    acts_for: Option<OrganisationId>,
    agency: OrganisationId,
    round_table_held: bool,
) -> bool {
    !round_table_held && (is_business_unit || acts_for == Some(agency))
}

// ---- comparing an audit with its re-audit ----

/// How many answers had each grade, in scale order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GradeCounts {
    pub good: i64,
    pub requires_improvement: i64,
    pub inadequate: i64,
}

impl GradeCounts {
    pub fn of(grades: impl IntoIterator<Item = CaseGrade>) -> GradeCounts {
        grades
            .into_iter()
            .fold(GradeCounts::default(), |mut counts, grade| {
                match grade {
                    CaseGrade::Good => counts.good += 1,
                    CaseGrade::RequiresImprovement => counts.requires_improvement += 1,
                    CaseGrade::Inadequate => counts.inadequate += 1,
                }
                counts
            })
    }

    pub fn total(&self) -> i64 {
        self.good + self.requires_improvement + self.inadequate
    }

    pub fn count(&self, grade: CaseGrade) -> i64 {
        match grade {
            CaseGrade::Good => self.good,
            CaseGrade::RequiresImprovement => self.requires_improvement,
            CaseGrade::Inadequate => self.inadequate,
        }
    }

    /// Each grade's whole-number share of the answers ("58%"), largest remainders so the three
    /// add up to 100; all zero when there are no answers.
    pub fn percentages(&self) -> [i64; 3] {
        let total = self.total();
        if total == 0 {
            return [0; 3];
        }
        let counts = CaseGrade::ALL.map(|grade| self.count(grade));
        let mut shares = counts.map(|count| count * 100 / total);
        let mut remainders: Vec<(i64, usize)> = counts
            .iter()
            .enumerate()
            .map(|(index, count)| (count * 100 % total, index))
            .collect();
        remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let short = 100 - shares.iter().sum::<i64>();
        for (_, index) in remainders
            .into_iter()
            .take(usize::try_from(short).unwrap_or(0))
        {
            shares[index] += 1;
        }
        shares
    }
}

/// One question of a re-audit beside the same question of the audit before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionComparison {
    pub position: i64,
    pub text: String,
    pub before: GradeCounts,
    pub after: GradeCounts,
}

impl QuestionComparison {
    /// The change in the share graded good, in percentage points.
    pub fn good_change(&self) -> i64 {
        self.after.percentages()[0] - self.before.percentages()[0]
    }
}

/// A question of an audit, with the question it was copied from (for a re-audit).
#[derive(Debug, Clone)]
pub struct ComparedQuestion {
    pub id: CaseQuestionId,
    pub position: i64,
    pub text: String,
    pub copied_from: Option<CaseQuestionId>,
}

/// Per question of the re-audit, the grade distribution of the earlier audit's same question
/// (the one it was copied from) and of the re-audit's. A question added to the re-audit has
/// nothing before.
pub fn compare(
    after_questions: &[ComparedQuestion],
    grades_before: &[(CaseQuestionId, CaseGrade)],
    grades_after: &[(CaseQuestionId, CaseGrade)],
) -> Vec<QuestionComparison> {
    let of = |grades: &[(CaseQuestionId, CaseGrade)], question: Option<CaseQuestionId>| {
        GradeCounts::of(
            grades
                .iter()
                .filter(|(id, _)| Some(*id) == question)
                .map(|(_, grade)| *grade),
        )
    };
    after_questions
        .iter()
        .map(|question| QuestionComparison {
            position: question.position,
            text: question.text.clone(),
            before: of(grades_before, question.copied_from),
            after: of(grades_after, Some(question.id)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn cases_are_named_by_pseudonym_only() {
        assert_eq!(check_pseudonym(" Child A "), Ok("Child A".into()));
        assert!(check_pseudonym("Sibling group B").is_ok());
        assert!(check_pseudonym("Young person C").is_ok());
        assert!(check_pseudonym("MACFA-24-03").is_ok());
        assert!(check_pseudonym("Child 12").is_ok());
        for name in [
            "John Smith",
            "Child Tommy",
            "Child john",
            "Jane",
            "MACFA",
            "Child ",
            "Child A DOB 03/04/2015",
            "Child A 943 476 5919",
        ] {
            assert!(check_pseudonym(name).is_err(), "{name:?} is refused");
        }
        assert!(
            check_pseudonym("Child A born 03/04/2015")
                .unwrap_err()
                .contains("a date of birth")
        );
        assert!(
            check_pseudonym("")
                .unwrap_err()
                .starts_with("Enter the case's pseudonym")
        );
    }

    #[test]
    fn a_case_form_names_the_refused_field() {
        let mut errors = FormErrors::default();
        let form = CaseForm {
            pseudonym: "John Smith".into(),
            context: "Seen by the GP, DOB 03/04/2015".into(),
        };
        assert!(form.validate(&mut errors).is_none());
        assert!(errors.get("pseudonym").is_some());
        assert!(
            errors
                .get("context")
                .is_some_and(|m| m.contains("date of birth"))
        );
    }

    #[test]
    fn markup_is_refused_but_comparisons_are_not() {
        assert!(has_markup("<script>alert(1)</script>"));
        assert!(has_markup("see </b>"));
        assert!(!has_markup("attendance < 90% and > 80%"));
        let mut errors = FormErrors::default();
        check_text(&mut errors, "text", "Finding", "<script>alert(1)</script>");
        assert!(errors.get("text").is_some_and(|m| m.starts_with("Finding")));
    }

    #[test]
    fn an_audit_needs_two_agencies_of_the_partnership() {
        let own = [OrganisationId::new(1), OrganisationId::new(2)];
        let form = AuditForm {
            title: "Neglect".into(),
            theme: "Neglect".into(),
            lead: "Quality Assurance Officer".into(),
            held_on_day: "1".into(),
            held_on_month: "3".into(),
            held_on_year: "2025".into(),
            agencies: vec!["1".into()],
        };
        let mut errors = FormErrors::default();
        assert!(form.validate(&mut errors, &own).is_none());
        assert!(errors.get("agencies").is_some());
        let forged = AuditForm {
            agencies: vec!["1".into(), "99".into()],
            ..form.clone()
        };
        let mut errors = FormErrors::default();
        assert!(forged.validate(&mut errors, &own).is_none());
        let good = AuditForm {
            agencies: vec!["1".into(), "2".into(), "2".into()],
            ..form
        };
        let mut errors = FormErrors::default();
        let details = good.validate(&mut errors, &own).expect("valid");
        assert_eq!(details.agencies, own);
        assert_eq!(details.held_on, date!(2025 - 03 - 01));
    }

    #[test]
    fn answers_need_a_grade_for_every_question_and_refuse_forged_questions() {
        let questions = vec![
            (CaseQuestionId::new(10), "Q1".to_owned()),
            (CaseQuestionId::new(11), "Q2".to_owned()),
        ];
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect()
        };
        let mut errors = FormErrors::default();
        let (answers, _) = read_answers(
            &questions,
            &pairs(&[("grade-10", "good"), ("comment-10", "Timely")]),
            &mut errors,
        );
        assert_eq!(answers.len(), 1);
        assert!(errors.get("grade-11").is_some());
        let mut errors = FormErrors::default();
        read_answers(
            &questions,
            &pairs(&[
                ("grade-10", "good"),
                ("grade-11", "inadequate"),
                ("grade-99", "good"),
            ]),
            &mut errors,
        );
        assert!(errors.get("answers").is_some());
        let mut errors = FormErrors::default();
        let (answers, _) = read_answers(
            &questions,
            &pairs(&[("grade-10", "good"), ("grade-11", "inadequate")]),
            &mut errors,
        );
        assert!(errors.is_empty());
        assert_eq!(answers[1].grade, CaseGrade::Inadequate);
    }

    #[test]
    fn each_agency_sees_its_own_answers_until_the_round_table() {
        let police = OrganisationId::new(3);
        let health = OrganisationId::new(4);
        assert!(may_see_answers(Some(police), police, false));
        assert!(!may_see_answers(Some(police), health, false));
        assert!(may_see_answers(Some(police), health, true));
        assert!(may_see_answers(None, health, false));
        assert!(may_answer(false, Some(police), police, false));
        assert!(!may_answer(false, Some(police), health, false));
        assert!(may_answer(true, None, health, false));
        assert!(!may_answer(true, None, health, true));
    }

    #[test]
    fn shares_add_up_to_a_hundred() {
        let counts = GradeCounts {
            good: 1,
            requires_improvement: 1,
            inadequate: 1,
        };
        assert_eq!(counts.percentages(), [34, 33, 33]);
        assert_eq!(GradeCounts::default().percentages(), [0, 0, 0]);
        for good in 0..7 {
            for ri in 0..7 {
                for inadequate in 0..7 {
                    let counts = GradeCounts {
                        good,
                        requires_improvement: ri,
                        inadequate,
                    };
                    if counts.total() > 0 {
                        assert_eq!(counts.percentages().iter().sum::<i64>(), 100, "{counts:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_re_audit_is_compared_question_by_question() {
        use CaseGrade::*;
        let before_q = CaseQuestionId::new(1);
        let after_q = CaseQuestionId::new(5);
        let added = CaseQuestionId::new(6);
        let questions = vec![
            ComparedQuestion {
                id: after_q,
                position: 1,
                text: "Safety plan".into(),
                copied_from: Some(before_q),
            },
            ComparedQuestion {
                id: added,
                position: 2,
                text: "New".into(),
                copied_from: None,
            },
        ];
        let before = [
            (before_q, Good),
            (before_q, RequiresImprovement),
            (before_q, Inadequate),
            (before_q, RequiresImprovement),
        ];
        let after = [
            (after_q, Good),
            (after_q, Good),
            (after_q, Good),
            (after_q, RequiresImprovement),
            (added, Good),
        ];
        let compared = compare(&questions, &before, &after);
        assert_eq!(
            compared[0].before,
            GradeCounts {
                good: 1,
                requires_improvement: 2,
                inadequate: 1
            }
        );
        assert_eq!(compared[0].after.good, 3);
        assert_eq!(compared[0].good_change(), 50);
        assert_eq!(compared[1].before.total(), 0);
        assert_eq!(compared[1].after.total(), 1);
    }

    #[test]
    fn references_name_the_audit_and_the_finding() {
        assert_eq!(recommendation_reference(CaseAuditId::new(4), 2), "CFA-4-2");
    }
}
