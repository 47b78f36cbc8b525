//! The assurance module's records: audit frameworks (standards and their questions) as data,
//! the settings organisations are audited as, rounds and returns. Frameworks are written as TOML
//! (the two shipped ones, s11 and s175, are `frameworks/*.toml`) and checked here before anything
//! is stored, so a bad file is refused naming the standard and question at fault.

use serde::{Deserialize, Serialize};

crate::typed_id!(
    /// An audit framework of the partnership (s11, s175, or one it wrote).
    FrameworkId
);
crate::typed_id!(
    /// One version of a framework: its standards and questions as they were published.
    FrameworkVersionId
);
crate::typed_id!(
    /// A standard (s11) or area (s175) of a framework version.
    StandardId
);
crate::typed_id!(
    /// A question of a framework version.
    QuestionId
);
crate::typed_id!(
    /// A round of an audit: a framework version sent to a population with a due date.
    RoundId
);
crate::typed_id!(
    /// One organisation's return to a round.
    ReturnId
);

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// A grade on the framework's scale: exceeds, met, partially met, not met, not applicable.
    Grade,
    YesNo,
    Number,
    /// One of the question's choices.
    Choice,
    Text,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 5] = [
        QuestionKind::Grade,
        QuestionKind::YesNo,
        QuestionKind::Number,
        QuestionKind::Choice,
        QuestionKind::Text,
    ];

    pub fn code(self) -> &'static str {
        match self {
            QuestionKind::Grade => "grade",
            QuestionKind::YesNo => "yes_no",
            QuestionKind::Number => "number",
            QuestionKind::Choice => "choice",
            QuestionKind::Text => "text",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            QuestionKind::Grade => "Grade",
            QuestionKind::YesNo => "Yes or no",
            QuestionKind::Number => "Number",
            QuestionKind::Choice => "Choice",
            QuestionKind::Text => "Text",
        }
    }

    pub fn from_code(code: &str) -> Option<QuestionKind> {
        QuestionKind::ALL
            .into_iter()
            .find(|kind| kind.code() == code)
    }
}

impl TryFrom<String> for QuestionKind {
    type Error = String;

    fn try_from(code: String) -> Result<Self, Self::Error> {
        QuestionKind::from_code(&code).ok_or_else(|| format!("unknown question kind {code:?}"))
    }
}

/// The setting a school or college is audited as: questions may apply to some settings only
/// ("secondary schools only"). Agencies have none, and get every question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Setting {
    Nursery,
    Primary,
    Secondary,
    Special,
    AlternativeProvision,
    College,
}

impl Setting {
    pub const ALL: [Setting; 6] = [
        Setting::Nursery,
        Setting::Primary,
        Setting::Secondary,
        Setting::Special,
        Setting::AlternativeProvision,
        Setting::College,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Setting::Nursery => "nursery",
            Setting::Primary => "primary",
            Setting::Secondary => "secondary",
            Setting::Special => "special",
            Setting::AlternativeProvision => "alternative_provision",
            Setting::College => "college",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Setting::Nursery => "Nursery",
            Setting::Primary => "Primary school",
            Setting::Secondary => "Secondary school",
            Setting::Special => "Special school",
            Setting::AlternativeProvision => "Alternative provision",
            Setting::College => "College",
        }
    }

    pub fn from_code(code: &str) -> Option<Setting> {
        Setting::ALL
            .into_iter()
            .find(|setting| setting.code() == code)
    }

    /// "secondary,college" as stored; unknown codes are ignored.
    pub fn parse_list(text: &str) -> Vec<Setting> {
        text.split(',')
            .filter_map(|code| Setting::from_code(code.trim()))
            .collect()
    }

    pub fn format_list(settings: &[Setting]) -> String {
        settings
            .iter()
            .map(|setting| setting.code())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Whether a question that applies to `applies_to` (empty: everyone) is asked of an
/// organisation audited as `setting` (none: an agency, asked everything).
pub fn question_applies(applies_to: &[Setting], setting: Option<Setting>) -> bool {
    applies_to.is_empty() || setting.is_none_or(|setting| applies_to.contains(&setting))
}

// ---- a framework as written (TOML) ----

/// A framework as written in a TOML file (the shipped `frameworks/s11.toml`, an import): checked
/// by [`FrameworkDefinition::check`] before it is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkDefinition {
    pub code: String,
    pub title: String,
    pub description: String,
    /// The version the file describes (informative: the store numbers versions itself).
    #[serde(default = "first_version")]
    pub version: u32,
    pub standards: Vec<StandardDefinition>,
}

fn first_version() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardDefinition {
    pub number: u32,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    pub questions: Vec<QuestionDefinition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionDefinition {
    pub code: String,
    pub kind: QuestionKind,
    pub text: String,
    #[serde(default)]
    pub guidance: String,
    #[serde(default)]
    pub evidence: String,
    #[serde(default)]
    pub choices: Vec<String>,
    #[serde(default)]
    pub applies_to: Vec<Setting>,
}

/// The longest text a framework's field may hold: a question is a sentence or two, guidance a
/// paragraph.
pub const LONGEST_FRAMEWORK_TEXT: usize = 2_000;

/// A framework's code: short, lower case, as in URLs and exports ("s11", "s175").
fn is_framework_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 20
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

impl FrameworkDefinition {
    /// Reads a framework written as TOML; a syntax error or an unknown field is refused with
    /// where it is.
    pub fn from_toml(text: &str) -> Result<FrameworkDefinition, Vec<String>> {
        let definition: FrameworkDefinition =
            toml::from_str(text).map_err(|error| vec![format!("The framework file: {error}")])?;
        definition.check()?;
        Ok(definition)
    }

    /// Every problem with the framework, each naming the standard and question at fault.
    pub fn check(&self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        if !is_framework_code(&self.code) {
            problems.push(format!(
                "The framework's code {:?} must be up to 20 lower-case letters, digits, hyphens or underscores",
                self.code
            ));
        }
        for (field, value) in [("title", &self.title), ("description", &self.description)] {
            check_text(
                &mut problems,
                &format!("The framework's {field}"),
                value,
                field == "title",
            );
        }
        if self.standards.is_empty() {
            problems.push("The framework has no standards".to_owned());
        }
        let mut numbers = std::collections::BTreeSet::new();
        let mut codes = std::collections::BTreeSet::new();
        for standard in &self.standards {
            let at = format!("Standard {}", standard.number);
            if standard.number == 0 || !numbers.insert(standard.number) {
                problems.push(format!("{at}: its number must be 1 or more and used once"));
            }
            check_text(
                &mut problems,
                &format!("{at}'s title"),
                &standard.title,
                true,
            );
            check_text(
                &mut problems,
                &format!("{at}'s summary"),
                &standard.summary,
                false,
            );
            if standard.questions.is_empty() {
                problems.push(format!("{at} has no questions"));
            }
            for question in &standard.questions {
                let at = format!("{at}, question {}", question.code);
                if question.code.trim().is_empty() || question.code.len() > 20 {
                    problems.push(format!("{at}: its code must be 1 to 20 characters"));
                }
                if !codes.insert(question.code.clone()) {
                    problems.push(format!("{at}: the code is used twice in the framework"));
                }
                check_text(&mut problems, &format!("{at}'s text"), &question.text, true);
                check_text(
                    &mut problems,
                    &format!("{at}'s guidance"),
                    &question.guidance,
                    false,
                );
                check_text(
                    &mut problems,
                    &format!("{at}'s evidence"),
                    &question.evidence,
                    false,
                );
                match question.kind {
                    QuestionKind::Choice if question.choices.len() < 2 => {
                        problems.push(format!("{at}: a choice question needs two or more choices"))
                    }
                    QuestionKind::Choice => {
                        for choice in &question.choices {
                            check_text(&mut problems, &format!("{at}'s choice"), choice, true);
                        }
                    }
                    _ if !question.choices.is_empty() => problems.push(format!(
                        "{at}: only a choice question has choices (this one is {})",
                        question.kind.label().to_lowercase()
                    )),
                    _ => {}
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Every question, in order.
    pub fn questions(&self) -> impl Iterator<Item = &QuestionDefinition> {
        self.standards.iter().flat_map(|s| &s.questions)
    }
}

fn check_text(problems: &mut Vec<String>, what: &str, value: &str, required: bool) {
    if required && value.trim().is_empty() {
        problems.push(format!("{what} is empty"));
    }
    if value.chars().count() > LONGEST_FRAMEWORK_TEXT {
        problems.push(format!(
            "{what} is longer than {LONGEST_FRAMEWORK_TEXT} characters"
        ));
    }
}

/// The frameworks MASA ships: the s11 audit with the seed's 11 standards, and the s175 audit
/// with 12 areas from *Keeping Children Safe in Education*. Both are editable once installed.
pub const SHIPPED_FRAMEWORKS: [&str; 2] = [
    include_str!("frameworks/s11.toml"),
    include_str!("frameworks/s175.toml"),
];

/// The shipped frameworks, read and checked.
pub fn shipped_frameworks() -> Result<Vec<FrameworkDefinition>, Vec<String>> {
    SHIPPED_FRAMEWORKS
        .iter()
        .map(|text| FrameworkDefinition::from_toml(text))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_frameworks_are_the_seeds_eleven_standards_and_twelve_areas() {
        let frameworks = shipped_frameworks().expect("the shipped frameworks are valid");
        let s11 = &frameworks[0];
        assert_eq!(s11.code, "s11");
        assert_eq!(s11.standards.len(), 11);
        assert!(s11.standards[1].title.contains("Leadership"));
        assert!(
            s11.standards[10].title.contains("Internal Audit")
                || s11.standards[10].title.contains("internal audit")
        );
        let s175 = &frameworks[1];
        assert_eq!(s175.code, "s175");
        assert_eq!(s175.standards.len(), 12);
        for standard in frameworks.iter().flat_map(|f| &f.standards) {
            assert_eq!(
                standard.questions[0].kind,
                QuestionKind::Grade,
                "{}: each standard opens with its self-grade",
                standard.title
            );
        }
        for area in ["Voice of the child", "Escalation", "Online safety"] {
            assert!(
                s175.standards.iter().any(|s| s.title == area),
                "s175 has {area}"
            );
        }
        assert!(s175.questions().any(|q| !q.applies_to.is_empty()));
    }

    #[test]
    fn a_bad_framework_is_refused_naming_the_place() {
        let text = r#"
code = "S 11"
title = "Test"
description = "A test."
[[standards]]
number = 1
title = "One"
[[standards.questions]]
code = "1.1"
kind = "choice"
text = "Pick"
choices = ["Only one"]
[[standards.questions]]
code = "1.1"
kind = "yes_no"
text = ""
choices = ["Yes", "No"]
"#;
        let problems = FrameworkDefinition::from_toml(text).unwrap_err();
        let said = problems.join("\n");
        assert!(said.contains("code \"S 11\""), "{said}");
        assert!(
            said.contains("Standard 1, question 1.1: a choice question needs two or more choices"),
            "{said}"
        );
        assert!(
            said.contains("Standard 1, question 1.1: the code is used twice"),
            "{said}"
        );
        assert!(
            said.contains("Standard 1, question 1.1's text is empty"),
            "{said}"
        );
        assert!(
            said.contains("only a choice question has choices"),
            "{said}"
        );
        let unknown = FrameworkDefinition::from_toml(
            "code = \"x\"\ntitle = \"T\"\ndescription = \"D\"\nstandards = []\ncolour = \"red\"\n",
        )
        .unwrap_err();
        assert!(unknown[0].contains("colour"), "{unknown:?}");
        assert!(FrameworkDefinition::from_toml("not toml [").is_err());
    }

    #[test]
    fn a_question_for_some_settings_is_asked_of_those_and_of_agencies() {
        let secondary_only = [Setting::Secondary, Setting::College];
        assert!(question_applies(&secondary_only, Some(Setting::College)));
        assert!(!question_applies(&secondary_only, Some(Setting::Primary)));
        assert!(question_applies(&secondary_only, None));
        assert!(question_applies(&[], Some(Setting::Primary)));
        assert_eq!(
            Setting::parse_list("secondary, college,unknown"),
            secondary_only.to_vec()
        );
        assert_eq!(Setting::format_list(&secondary_only), "secondary,college");
    }
}
