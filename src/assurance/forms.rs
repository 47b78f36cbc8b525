//! The assurance forms' rules, apart from HTTP and SQL: a new round as typed (framework, dates,
//! target and population) and a standard's answers as typed, each checked against its question.
//! Every refusal names the field or the question at fault, and a form with any refusal saves
//! nothing.

use std::collections::{BTreeSet, HashMap};

use super::grades::Grade;
use super::model::{FrameworkId, FrameworkVersionId, QuestionId, QuestionKind};
use super::store::{AnswerValue, NewRound, Question};
use crate::kernel::ids::OrganisationId;
use crate::kernel::text::{DateParts, FormErrors};
use crate::partnership::model::OrganisationKind;

/// The longest text answer: a few paragraphs.
pub const LONGEST_TEXT_ANSWER: usize = 5_000;
/// The longest round title.
pub const LONGEST_ROUND_TITLE: usize = 200;

// ---- opening a round ----

/// Who a round goes to: one of the two quick choices, worked out on the server from the
/// organisations' kinds, or the organisations ticked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Population {
    Schools,
    Agencies,
    Chosen,
}

impl Population {
    pub const ALL: [Population; 3] = [
        Population::Schools,
        Population::Agencies,
        Population::Chosen,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Population::Schools => "schools",
            Population::Agencies => "agencies",
            Population::Chosen => "chosen",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Population::Schools => "All schools and colleges (section 175)",
            Population::Agencies => "All statutory partners and relevant agencies (section 11)",
            Population::Chosen => "The organisations I choose below",
        }
    }

    pub fn from_code(code: &str) -> Option<Population> {
        Population::ALL
            .into_iter()
            .find(|population| population.code() == code)
    }

    /// Whether an organisation of this kind is in the quick choice.
    fn takes(self, kind: &str) -> bool {
        match self {
            Population::Schools => kind == OrganisationKind::School.code(),
            Population::Agencies => {
                kind == OrganisationKind::StatutoryPartner.code()
                    || kind == OrganisationKind::RelevantAgency.code()
            }
            Population::Chosen => false,
        }
    }
}

/// An organisation a round may go to: one of the partnership's, not archived, with its kind's
/// code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: OrganisationId,
    pub kind: String,
}

/// A framework a round may use: its latest published version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameworkChoice {
    pub framework_id: FrameworkId,
    pub version_id: FrameworkVersionId,
    pub label: String,
}

/// The "open a round" form as typed.
#[derive(Debug, Clone, Default)]
pub struct RoundForm {
    pub version_id: String,
    pub title: String,
    pub opens_on: DateParts,
    pub due_on: DateParts,
    pub target_percent: String,
    pub population: String,
    /// The organisations ticked (several fields share the name).
    pub organisations: Vec<String>,
}

fn first(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
        .unwrap_or_default()
}

fn date_parts(pairs: &[(String, String)], name: &str) -> DateParts {
    DateParts {
        day: first(pairs, &format!("{name}_day")),
        month: first(pairs, &format!("{name}_month")),
        year: first(pairs, &format!("{name}_year")),
    }
}

impl RoundForm {
    /// The form from its posted fields.
    pub fn from_pairs(pairs: &[(String, String)]) -> RoundForm {
        RoundForm {
            version_id: first(pairs, "version_id"),
            title: first(pairs, "title"),
            opens_on: date_parts(pairs, "opens_on"),
            due_on: date_parts(pairs, "due_on"),
            target_percent: first(pairs, "target_percent"),
            population: first(pairs, "population"),
            organisations: pairs
                .iter()
                .filter(|(key, _)| key == "organisations")
                .map(|(_, value)| value.clone())
                .collect(),
        }
    }

    pub fn is_chosen(&self, id: &str) -> bool {
        self.organisations.iter().any(|chosen| chosen.trim() == id)
    }

    /// The new round, or every problem with the form in `errors`. `frameworks` are the
    /// partnership's published versions, `candidates` its organisations: anything else typed
    /// (another partnership's organisation, a draft version) is refused.
    pub fn validate(
        &self,
        errors: &mut FormErrors,
        frameworks: &[FrameworkChoice],
        candidates: &[Candidate],
    ) -> Option<NewRound> {
        let framework = self
            .version_id
            .trim()
            .parse::<FrameworkVersionId>()
            .ok()
            .and_then(|id| frameworks.iter().find(|choice| choice.version_id == id));
        if framework.is_none() {
            errors.add("version_id", "Select the framework the round uses");
        }
        let title = errors.required_text("title", "Title", &self.title, LONGEST_ROUND_TITLE);
        let opens_on = errors.date("opens_on", "Opening date", &self.opens_on, true);
        let due_on = errors.date("due_on", "Due date", &self.due_on, true);
        if let (Some(opens), Some(due)) = (opens_on, due_on)
            && due <= opens
        {
            errors.add("due_on", "Due date must be after the opening date");
        }
        let target_percent = self
            .target_percent
            .trim()
            .trim_end_matches('%')
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|target| (1..=100).contains(target));
        if target_percent.is_none() {
            errors.add(
                "target_percent",
                "Enter the return-rate target as a whole number from 1 to 100",
            );
        }
        let organisations = self.population(errors, candidates);
        if !errors.is_empty() {
            return None;
        }
        let framework = framework?;
        Some(NewRound {
            framework_id: framework.framework_id,
            version_id: framework.version_id,
            title,
            opens_on: opens_on?,
            due_on: due_on?,
            target_percent: target_percent?,
            organisations,
        })
    }

    /// The organisations the round goes to, each once.
    fn population(&self, errors: &mut FormErrors, candidates: &[Candidate]) -> Vec<OrganisationId> {
        let Some(population) = Population::from_code(self.population.trim()) else {
            errors.add("population", "Select who the round goes to");
            return Vec::new();
        };
        let organisations: Vec<OrganisationId> = match population {
            Population::Chosen => {
                let mut seen = BTreeSet::new();
                let mut chosen = Vec::new();
                for typed in &self.organisations {
                    let known = typed
                        .trim()
                        .parse::<OrganisationId>()
                        .ok()
                        .filter(|id| candidates.iter().any(|candidate| candidate.id == *id));
                    let Some(id) = known else {
                        errors.add(
                            "organisations",
                            "Organisations: select organisations from the list (one chosen is not an organisation of the partnership)",
                        );
                        return Vec::new();
                    };
                    if seen.insert(id) {
                        chosen.push(id);
                    }
                }
                chosen
            }
            quick => candidates
                .iter()
                .filter(|candidate| quick.takes(&candidate.kind))
                .map(|candidate| candidate.id)
                .collect(),
        };
        if organisations.is_empty() {
            match population {
                Population::Chosen => errors.add(
                    "organisations",
                    "Organisations: select at least one organisation",
                ),
                Population::Schools => errors.add(
                    "population",
                    "The partnership has no schools or colleges: choose the organisations instead",
                ),
                Population::Agencies => errors.add(
                    "population",
                    "The partnership has no statutory partners or relevant agencies: choose the organisations instead",
                ),
            }
        }
        organisations
    }
}

// ---- answering a standard ----

/// The form field of a question's answer.
pub fn answer_field(question: QuestionId) -> String {
    format!("q-{question}")
}

/// The answer typed for a question: none when left empty, or what is wrong with it, naming the
/// question.
pub fn read_answer(question: &Question, typed: &str) -> Result<Option<AnswerValue>, String> {
    let code = &question.code;
    let trimmed = typed.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let value = match question.kind {
        QuestionKind::Grade => AnswerValue::Grade(Grade::from_code(trimmed).ok_or_else(|| {
            format!(
                "Question {code}: choose a grade from the list (exceeds, met, partially met, not met or not applicable)"
            )
        })?),
        QuestionKind::YesNo => match trimmed {
            "yes" => AnswerValue::YesNo(true),
            "no" => AnswerValue::YesNo(false),
            _ => return Err(format!("Question {code}: choose yes or no")),
        },
        QuestionKind::Number => {
            let number = trimmed
                .replace(',', "")
                .parse::<f64>()
                .ok()
                .filter(|number| number.is_finite() && number.abs() < 1e12)
                .ok_or_else(|| format!("Question {code}: enter a number, like 12 or 4.5"))?;
            AnswerValue::Number(number)
        }
        QuestionKind::Choice => {
            if !question.choices().contains(&trimmed) {
                return Err(format!(
                    "Question {code}: choose one of the answers listed"
                ));
            }
            AnswerValue::Choice(trimmed.to_owned())
        }
        QuestionKind::Text => {
            let length = trimmed.chars().count();
            if length > LONGEST_TEXT_ANSWER {
                return Err(format!(
                    "Question {code}: the answer must be 5,000 characters or fewer (it has {length})"
                ));
            }
            AnswerValue::Text(trimmed.to_owned())
        }
    };
    Ok(Some(value))
}

/// An answer as its form field holds it.
pub fn typed_value(value: &AnswerValue) -> String {
    match value {
        AnswerValue::Grade(grade) => grade.code().to_owned(),
        AnswerValue::YesNo(true) => "yes".to_owned(),
        AnswerValue::YesNo(false) => "no".to_owned(),
        AnswerValue::Number(number) => number_text(*number),
        AnswerValue::Choice(text) | AnswerValue::Text(text) => text.clone(),
    }
}

/// An answer as people read it.
pub fn answer_label(value: &AnswerValue) -> String {
    match value {
        AnswerValue::Grade(grade) => grade.label().to_owned(),
        AnswerValue::YesNo(true) => "Yes".to_owned(),
        AnswerValue::YesNo(false) => "No".to_owned(),
        AnswerValue::Number(number) => number_text(*number),
        AnswerValue::Choice(text) | AnswerValue::Text(text) => text.clone(),
    }
}

/// 12 rather than 12.0; 4.5 as it is.
fn number_text(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{}", number as i64)
    } else {
        number.to_string()
    }
}

/// A standard's form as read: the answers to save, the values as typed (to show again if
/// refused), and the refusals. Nothing is to be saved unless `errors` is empty.
#[derive(Debug, Clone, Default)]
pub struct StandardAnswers {
    pub answers: Vec<(QuestionId, AnswerValue)>,
    pub typed: HashMap<QuestionId, String>,
    pub errors: FormErrors,
}

/// Reads a standard's posted answers (`q-{id}` fields). Each must answer one of `asked` (the
/// standard's questions that apply to the organisation); a field naming any other question (of
/// another standard or version, or a forged id) refuses the whole form, naming it by its code
/// where `every_question` knows it. `standard_field` is where a form-wide refusal is shown.
pub fn read_standard_answers<'a>(
    asked: &[&Question],
    every_question: impl IntoIterator<Item = &'a Question>,
    standard_number: i64,
    standard_field: &str,
    pairs: &[(String, String)],
) -> StandardAnswers {
    let codes: HashMap<String, &str> = every_question
        .into_iter()
        .map(|question| (question.id.to_string(), question.code.as_str()))
        .collect();
    let mut read = StandardAnswers::default();
    for (key, typed) in pairs {
        let Some(id_text) = key.strip_prefix("q-") else {
            continue; // the CSRF token, the button
        };
        let question = asked
            .iter()
            .find(|question| question.id.to_string() == id_text);
        let Some(question) = question else {
            let named = codes
                .get(id_text)
                .map(|code| format!("Question {code}"))
                .unwrap_or_else(|| format!("Question {id_text:?}"));
            read.errors.add(
                standard_field,
                format!("{named} is not a question of standard {standard_number} for this organisation: nothing was saved"),
            );
            continue;
        };
        if read.typed.insert(question.id, typed.clone()).is_some() {
            read.errors.add(
                &answer_field(question.id),
                format!("Question {}: give one answer", question.code),
            );
            continue;
        }
        match read_answer(question, typed) {
            Ok(Some(value)) => read.answers.push((question.id, value)),
            Ok(None) => {}
            Err(message) => read.errors.add(&answer_field(question.id), message),
        }
    }
    if read.errors.is_empty() && read.answers.is_empty() {
        read.errors.add(
            standard_field,
            format!("Answer at least one question of standard {standard_number} before saving"),
        );
    }
    if !read.errors.is_empty() {
        read.answers.clear();
    }
    read
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assurance::model::StandardId;
    use time::macros::date;

    fn question(id: i64, code: &str, kind: QuestionKind, choices: &str) -> Question {
        Question {
            id: QuestionId::new(id),
            standard_id: StandardId::new(1),
            code: code.to_owned(),
            kind,
            text: "A question".to_owned(),
            guidance: String::new(),
            evidence: String::new(),
            choice_lines: choices.to_owned(),
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
    fn each_kind_of_answer_is_checked_and_named() {
        let grade = question(1, "1.1", QuestionKind::Grade, "");
        assert_eq!(
            read_answer(&grade, "partially_met"),
            Ok(Some(AnswerValue::Grade(Grade::PartiallyMet)))
        );
        assert!(
            read_answer(&grade, "good")
                .unwrap_err()
                .starts_with("Question 1.1:")
        );
        assert_eq!(read_answer(&grade, "  "), Ok(None));
        let yes_no = question(2, "1.2", QuestionKind::YesNo, "");
        assert_eq!(
            read_answer(&yes_no, "no"),
            Ok(Some(AnswerValue::YesNo(false)))
        );
        assert!(read_answer(&yes_no, "maybe").is_err());
        let number = question(3, "1.3", QuestionKind::Number, "");
        assert_eq!(
            read_answer(&number, "1,250"),
            Ok(Some(AnswerValue::Number(1250.0)))
        );
        for bad in ["twelve", "NaN", "inf", "1e400"] {
            assert!(
                read_answer(&number, bad)
                    .unwrap_err()
                    .contains("enter a number"),
                "{bad}"
            );
        }
        let choice = question(4, "1.4", QuestionKind::Choice, "Termly\nYearly\n");
        assert_eq!(
            read_answer(&choice, "Yearly"),
            Ok(Some(AnswerValue::Choice("Yearly".to_owned())))
        );
        assert!(read_answer(&choice, "Weekly").is_err());
        let text = question(5, "1.5", QuestionKind::Text, "");
        assert_eq!(
            read_answer(&text, "<script>alert(1)</script>"),
            Ok(Some(AnswerValue::Text(
                "<script>alert(1)</script>".to_owned()
            ))),
            "stored as typed: the page escapes it"
        );
        let longest = "x".repeat(LONGEST_TEXT_ANSWER);
        assert!(read_answer(&text, &longest).is_ok());
        let over = format!("{longest}é");
        assert!(
            read_answer(&text, &over)
                .unwrap_err()
                .contains("5,000 characters or fewer (it has 5001)")
        );
    }

    #[test]
    fn answers_show_as_typed_and_as_read() {
        assert_eq!(typed_value(&AnswerValue::Number(12.0)), "12");
        assert_eq!(typed_value(&AnswerValue::Number(4.5)), "4.5");
        assert_eq!(typed_value(&AnswerValue::Grade(Grade::NotMet)), "not_met");
        assert_eq!(answer_label(&AnswerValue::Grade(Grade::NotMet)), "Not met");
        assert_eq!(answer_label(&AnswerValue::YesNo(true)), "Yes");
    }

    #[test]
    fn a_standard_is_saved_whole_or_not_at_all() {
        let grade = question(10, "2.1", QuestionKind::Grade, "");
        let text = question(11, "2.2", QuestionKind::Text, "");
        let elsewhere = question(20, "3.1", QuestionKind::Grade, "");
        let every = [grade.clone(), text.clone(), elsewhere.clone()];
        let asked = [&grade, &text];
        let read = |fields: &[(&str, &str)]| {
            read_standard_answers(&asked, &every, 2, "standard-2", &pairs(fields))
        };

        let good = read(&[("csrf_token", "t"), ("q-10", "met"), ("q-11", "")]);
        assert!(good.errors.is_empty(), "{:?}", good.errors);
        assert_eq!(
            good.answers,
            vec![(QuestionId::new(10), AnswerValue::Grade(Grade::Met))]
        );

        let bad_grade = read(&[("q-10", "brilliant"), ("q-11", "Fine")]);
        assert!(bad_grade.answers.is_empty(), "nothing is saved");
        assert!(
            bad_grade
                .errors
                .get("q-10")
                .unwrap()
                .contains("Question 2.1")
        );
        assert_eq!(bad_grade.typed[&QuestionId::new(11)], "Fine");

        let forged = read(&[("q-10", "met"), ("q-20", "met")]);
        assert!(forged.answers.is_empty());
        assert!(
            forged
                .errors
                .get("standard-2")
                .unwrap()
                .starts_with("Question 3.1 is not a question of standard 2")
        );
        let unknown = read(&[("q-99999", "met")]);
        assert!(
            unknown
                .errors
                .get("standard-2")
                .unwrap()
                .contains("\"99999\"")
        );
        let twice = read(&[("q-10", "met"), ("q-10", "not_met")]);
        assert!(twice.errors.get("q-10").unwrap().contains("one answer"));
        let empty = read(&[("csrf_token", "t")]);
        assert!(empty.errors.get("standard-2").is_some());
    }

    fn candidates() -> Vec<Candidate> {
        [
            (1, "statutory_partner"),
            (2, "relevant_agency"),
            (3, "school"),
            (4, "school"),
            (5, "voluntary"),
        ]
        .into_iter()
        .map(|(id, kind)| Candidate {
            id: OrganisationId::new(id),
            kind: kind.to_owned(),
        })
        .collect()
    }

    fn frameworks() -> Vec<FrameworkChoice> {
        vec![FrameworkChoice {
            framework_id: FrameworkId::new(7),
            version_id: FrameworkVersionId::new(70),
            label: "Section 175 audit".to_owned(),
        }]
    }

    fn round_form(population: &str, organisations: &[&str]) -> RoundForm {
        RoundForm {
            version_id: "70".to_owned(),
            title: "Section 175 audit 2027".to_owned(),
            opens_on: DateParts::from_date(Some(date!(2027 - 01 - 11))),
            due_on: DateParts::from_date(Some(date!(2027 - 03 - 26))),
            target_percent: "95".to_owned(),
            population: population.to_owned(),
            organisations: organisations.iter().map(|id| (*id).to_owned()).collect(),
        }
    }

    #[test]
    fn a_round_goes_to_its_quick_choice_or_the_organisations_ticked() {
        let check = |form: &RoundForm| {
            let mut errors = FormErrors::default();
            let round = form.validate(&mut errors, &frameworks(), &candidates());
            (round, errors)
        };
        let (schools, _) = check(&round_form("schools", &["1"]));
        let schools = schools.expect("valid");
        assert_eq!(
            schools.organisations,
            vec![OrganisationId::new(3), OrganisationId::new(4)]
        );
        assert_eq!(
            (schools.framework_id, schools.target_percent),
            (FrameworkId::new(7), 95)
        );
        let (agencies, _) = check(&round_form("agencies", &[]));
        assert_eq!(
            agencies.expect("valid").organisations,
            vec![OrganisationId::new(1), OrganisationId::new(2)]
        );
        let (chosen, _) = check(&round_form("chosen", &["5", "3", "5"]));
        assert_eq!(
            chosen.expect("valid").organisations,
            vec![OrganisationId::new(5), OrganisationId::new(3)]
        );
    }

    #[test]
    fn every_field_of_a_round_is_checked_and_named() {
        let check = |form: &RoundForm| {
            let mut errors = FormErrors::default();
            let round = form.validate(&mut errors, &frameworks(), &candidates());
            assert!(round.is_none() || errors.is_empty());
            errors
        };
        let forged = check(&round_form("chosen", &["3", "999"]));
        assert!(
            forged
                .get("organisations")
                .unwrap()
                .starts_with("Organisations:")
        );
        assert!(
            check(&round_form("chosen", &[]))
                .get("organisations")
                .is_some()
        );
        assert!(
            check(&round_form("everyone", &[]))
                .get("population")
                .is_some()
        );

        let mut backwards = round_form("schools", &[]);
        backwards.due_on = DateParts::from_date(Some(date!(2027 - 01 - 10)));
        assert_eq!(
            check(&backwards).get("due_on"),
            Some("Due date must be after the opening date")
        );
        let mut draft = round_form("schools", &[]);
        draft.version_id = "71".to_owned();
        assert!(check(&draft).get("version_id").is_some());
        for target in ["0", "101", "ninety", "95.5", ""] {
            let mut form = round_form("schools", &[]);
            form.target_percent = target.to_owned();
            assert!(check(&form).get("target_percent").is_some(), "{target}");
        }
        let mut form = round_form("schools", &[]);
        form.target_percent = "90%".to_owned();
        assert!(check(&form).is_empty());
        let empty = check(&RoundForm::default());
        for field in [
            "version_id",
            "title",
            "opens_on",
            "due_on",
            "target_percent",
            "population",
        ] {
            assert!(empty.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn the_form_is_read_with_its_ticked_organisations() {
        let form = RoundForm::from_pairs(&pairs(&[
            ("version_id", "70"),
            ("opens_on_day", "11"),
            ("opens_on_month", "1"),
            ("opens_on_year", "2027"),
            ("organisations", "3"),
            ("organisations", "4"),
        ]));
        assert_eq!(form.organisations, ["3", "4"]);
        assert_eq!(form.opens_on.day, "11");
        assert!(form.is_chosen("4") && !form.is_chosen("5"));
    }
}
