//! MASA holds no information that identifies a child or family. Free text is checked for the
//! identifiers people most often paste by mistake, and the person is asked to remove them.
//! A check of likelihood, not proof: it names what it found so the person can judge.

use std::sync::LazyLock;

use regex::Regex;

static NHS_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(\d{3})[ -]?(\d{3})[ -]?(\d{4})\b").expect("valid pattern"));
static POSTCODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}\b")
        .expect("valid pattern")
});
static DATE_OF_BIRTH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(d\.?o\.?b\.?|date of birth|born( on)?)\b[\s:,-]*(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{1,2}(st|nd|rd|th)? (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{2,4})").expect("valid pattern")
});
static PHONE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\+44\s?|\b0)(7\d{3}|[12]\d{2,4})[\s-]?\d{3}[\s-]?\d{3,4}\b")
        .expect("valid pattern")
});
static TITLED_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(Mr|Mrs|Ms|Miss|Master|Mx)\.? [A-Z][a-z]+( [A-Z][a-z'-]+)?\b")
        .expect("valid pattern")
});
static NAMED_CHILD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(child|boy|girl|young person|pupil|baby|mother|father|mum|dad) (called|named)\s+[A-Z][a-z]+").expect("valid pattern")
});

/// NHS numbers carry a modulus-11 check digit; ten random digits usually fail it.
fn is_nhs_number(digits: &str) -> bool {
    let digits: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 10 {
        return false;
    }
    let sum: u32 = digits[..9]
        .iter()
        .enumerate()
        .map(|(index, digit)| digit * (10 - index as u32))
        .sum();
    let check = 11 - sum % 11;
    let check = if check == 11 { 0 } else { check };
    check != 10 && check == digits[9]
}

/// What the text seems to contain, described for the person who typed it; None when clean.
pub fn likely_identifier(text: &str) -> Option<&'static str> {
    if text.trim().is_empty() {
        return None;
    }
    if NHS_NUMBER
        .captures_iter(text)
        .any(|found| is_nhs_number(&format!("{}{}{}", &found[1], &found[2], &found[3])))
    {
        return Some("an NHS number");
    }
    if DATE_OF_BIRTH.is_match(text) {
        return Some("a date of birth");
    }
    if POSTCODE.is_match(text) {
        return Some("a full postcode");
    }
    if PHONE_NUMBER.is_match(text) {
        return Some("a phone number");
    }
    if TITLED_NAME.is_match(text) || NAMED_CHILD.is_match(text) {
        return Some("a person's name");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_found() {
        // 943 476 5919 is the NHS's published example of a valid number.
        assert_eq!(
            likely_identifier("Seen with NHS no 943 476 5919 yesterday"),
            Some("an NHS number")
        );
        assert_eq!(likely_identifier("ref 9434765919"), Some("an NHS number"));
        assert_eq!(
            likely_identifier("DOB 03/04/2015, known to services"),
            Some("a date of birth")
        );
        assert_eq!(
            likely_identifier("born on 3rd April 2015"),
            Some("a date of birth")
        );
        assert_eq!(
            likely_identifier("lives at WA8 7QA with mum"),
            Some("a full postcode")
        );
        assert_eq!(
            likely_identifier("Mrs Jones attended the meeting"),
            Some("a person's name")
        );
        assert_eq!(
            likely_identifier("a boy called Tommy was missing"),
            Some("a person's name")
        );
    }

    #[test]
    fn ordinary_partnership_text_passes() {
        for text in [
            "Missing episodes fell from 96 to 36 per month between April 2024 and March 2025.",
            "Strategy meetings held within 24 hours rose to 83%; 1234567890 contacts recorded.",
            "The WA8 and WA7 areas saw more exploitation referrals.",
            "Child N and Sibling Group Q were discussed at the rapid review on 12/03/2025.",
            "Cheshire Constabulary and Halton Borough Council agreed the Neglect Strategy.",
            "",
        ] {
            assert_eq!(likely_identifier(text), None, "{text}");
        }
    }

    #[test]
    fn the_nhs_check_digit_is_checked() {
        assert!(is_nhs_number("9434765919"));
        assert!(!is_nhs_number("9434765918"));
        assert!(!is_nhs_number("1234567890"));
    }
}
