//! The feedback letter to an organisation after the panel moderated its return. Pure: the draft
//! is written from the moderated grades, and the PDF is made by typst from the letter as JSON
//! (`crates/typst/templates/letter.typ`): the letter's text is data the template reads with
//! `json(..)`, never typst markup, so script or markup typed into it is printed as typed.
//!
//! The draft: an opening naming the organisation and the round; the strengths (standards the
//! panel graded exceeds or met, with its comments); the areas to develop (standards graded
//! partially met or not met, with its comments); a closing. The business unit edits any part
//! before sending.

use serde::{Deserialize, Serialize};

use super::grades::Grade;
use crate::kernel::text::FormErrors;

/// The longest a part of the letter may be.
pub const LONGEST_PART: usize = 10_000;

/// The letter's four parts, as drafted or edited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LetterText {
    pub opening: String,
    pub strengths: String,
    pub areas_to_develop: String,
    pub closing: String,
}

/// A standard's outcome after moderation: the agreed grade and the panel's comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardOutcome {
    pub number: i64,
    pub title: String,
    pub grade: Grade,
    pub comments: Vec<String>,
}

/// The draft letter from a return's moderated grades.
pub fn draft(organisation: &str, round_title: &str, outcomes: &[StandardOutcome]) -> LetterText {
    let strengths: Vec<String> = outcomes
        .iter()
        .filter(|o| o.grade.is_met_or_exceeded())
        .map(paragraph)
        .collect();
    let areas: Vec<String> = outcomes
        .iter()
        .filter(|o| o.grade.needs_action())
        .map(paragraph)
        .collect();
    LetterText {
        opening: format!(
            "Dear colleagues at {organisation},\n\nThank you for your {round_title} return. Your \
             return was one of those the partnership's panel looked at closely in its deep dive. \
             Two or more panel members read it, standard by standard, with the evidence you gave, \
             and agreed a grade for each standard. This letter sets out what the panel found."
        ),
        strengths: if strengths.is_empty() {
            "The panel did not grade any standard as met or exceeded.".to_owned()
        } else {
            strengths.join("\n\n")
        },
        areas_to_develop: if areas.is_empty() {
            "The panel graded no standard below met.".to_owned()
        } else {
            areas.join("\n\n")
        },
        closing: "Please make sure the actions in your return cover each area to develop. The \
                  business unit will follow them up through the partnership's improvement \
                  tracker.\n\nWith thanks for your work to keep children safe,\n\nThe Safeguarding \
                  Children Partnership business unit"
            .to_owned(),
    }
}

fn paragraph(outcome: &StandardOutcome) -> String {
    let mut text = format!(
        "Standard {}, {}: {}.",
        outcome.number,
        outcome.title,
        outcome.grade.label().to_lowercase()
    );
    for comment in outcome.comments.iter().filter(|c| !c.trim().is_empty()) {
        text.push(' ');
        text.push_str(comment.trim());
    }
    text
}

impl LetterText {
    /// Each part checked: required, at most [`LONGEST_PART`] characters; trimmed.
    pub fn checked(&self, errors: &mut FormErrors) -> LetterText {
        LetterText {
            opening: errors.required_text("opening", "The opening", &self.opening, LONGEST_PART),
            strengths: errors.required_text(
                "strengths",
                "The strengths",
                &self.strengths,
                LONGEST_PART,
            ),
            areas_to_develop: errors.required_text(
                "areas_to_develop",
                "The areas to develop",
                &self.areas_to_develop,
                LONGEST_PART,
            ),
            closing: errors.required_text("closing", "The closing", &self.closing, LONGEST_PART),
        }
    }
}

/// Everything the letter's PDF shows, as `letter.json`.
#[derive(Debug, Clone, Serialize)]
pub struct LetterDocument {
    pub title: String,
    pub partnership: String,
    pub organisation: String,
    pub round: String,
    /// The date printed on the letter, in words.
    pub date: String,
    pub text: LetterText,
}

/// The letter's PDF (PDF/UA-1, tagged), made from the letter as JSON. Characters no embedded
/// font has are shown as U+FFFD (PDF/UA-1 would otherwise refuse the letter).
pub fn render_pdf(
    document: &LetterDocument,
    timestamp: time::OffsetDateTime,
    identifier: &str,
) -> Result<Vec<u8>, String> {
    let shown = |text: &str| masa_typst::displayable(text).into_owned();
    let json = serde_json::json!({
        "title": shown(&document.title),
        "partnership": shown(&document.partnership),
        "organisation": shown(&document.organisation),
        "round": shown(&document.round),
        "date": shown(&document.date),
        "opening": shown(&document.text.opening),
        "strengths": shown(&document.text.strengths),
        "areas_to_develop": shown(&document.text.areas_to_develop),
        "closing": shown(&document.text.closing),
    });
    let bytes = serde_json::to_vec(&json).map_err(|error| error.to_string())?;
    masa_typst::compile_pdf(&masa_typst::PdfJob {
        main: masa_typst::LETTER_TEMPLATE,
        files: &[("letter.json", &bytes)],
        timestamp,
        identifier,
    })
    .map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(number: i64, grade: Grade, comment: &str) -> StandardOutcome {
        StandardOutcome {
            number,
            title: format!("Area {number}"),
            grade,
            comments: vec![comment.to_owned()],
        }
    }

    #[test]
    fn the_draft_sorts_standards_into_strengths_and_areas_to_develop() {
        let letter = draft(
            "Abbey Primary",
            "s175 2025",
            &[
                outcome(1, Grade::Exceeds, "Pupils are heard."),
                outcome(2, Grade::PartiallyMet, "Training records incomplete."),
                outcome(3, Grade::Met, ""),
                outcome(4, Grade::NotApplicable, "No early years."),
                outcome(5, Grade::NotMet, "No policy."),
            ],
        );
        assert!(letter.opening.contains("Abbey Primary"));
        assert!(letter.opening.contains("s175 2025"));
        assert_eq!(
            letter.strengths,
            "Standard 1, Area 1: exceeds. Pupils are heard.\n\nStandard 3, Area 3: met."
        );
        assert_eq!(
            letter.areas_to_develop,
            "Standard 2, Area 2: partially met. Training records incomplete.\n\nStandard 5, Area 5: not met. No policy."
        );
        assert!(!letter.strengths.contains("early years"));
    }

    #[test]
    fn a_draft_with_nothing_to_say_says_so() {
        let letter = draft("A", "R", &[outcome(1, Grade::Met, "")]);
        assert_eq!(
            letter.areas_to_develop,
            "The panel graded no standard below met."
        );
        let letter = draft("A", "R", &[]);
        assert!(letter.strengths.contains("did not grade"));
    }

    #[test]
    fn every_part_is_required_and_kept_short() {
        let mut errors = FormErrors::default();
        let text = LetterText {
            opening: " Dear all ".to_owned(),
            strengths: "x".repeat(LONGEST_PART + 1),
            areas_to_develop: String::new(),
            closing: "Thanks".to_owned(),
        };
        let checked = text.checked(&mut errors);
        assert_eq!(checked.opening, "Dear all");
        assert_eq!(
            errors.get("strengths"),
            Some("The strengths must be 10000 characters or fewer")
        );
        assert_eq!(
            errors.get("areas_to_develop"),
            Some("Enter the areas to develop")
        );
        assert!(errors.get("closing").is_none());
    }

    #[test]
    fn the_letter_renders_as_a_pdf_with_markup_kept_as_text() {
        let document = LetterDocument {
            title: "Feedback on your s175 2025 return".to_owned(),
            partnership: "Halton Safeguarding Children Partnership".to_owned(),
            organisation: "Abbey Primary".to_owned(),
            round: "s175 2025".to_owned(),
            date: "7 December 2026".to_owned(),
            text: LetterText {
                opening: "Dear colleagues,\n\n#set page(fill: red) <script>alert(1)</script>"
                    .to_owned(),
                strengths: "Standard 1: met. $x^2$ *bold* \\ #emph[hi]".to_owned(),
                areas_to_develop: "None.".to_owned(),
                closing: "Thanks 😀".to_owned(),
            },
        };
        let timestamp = time::macros::datetime!(2026-12-07 10:00 UTC);
        let pdf = render_pdf(&document, timestamp, "letter-1").expect("a PDF");
        assert!(pdf.starts_with(b"%PDF-"));
        let again = render_pdf(&document, timestamp, "letter-1").expect("a PDF");
        assert_eq!(pdf, again, "the same letter gives the same bytes");
    }
}
