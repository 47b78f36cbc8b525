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

/// A first name and surname (Smith, O'Neill, McDonald, Smith-Jones): a pseudonym ("Child N")
/// has no surname, so it passes.
const FULL_NAME: &str = r"\b[A-Z][a-z]+ [A-Z][a-z]*'?[A-Z]?[a-z]+(-[A-Z][a-z]+)?,? ";
/// A full name with an age beside it, said as an age ("Jane Smith, aged 7", "Jane Smith,
/// 7 years old"): a bare number in brackets is more often a count ("North West (49)").
static NAME_WITH_AGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"{FULL_NAME}\(?((aged?|age:)\s*\d{{1,2}}\b|\d{{1,2}}\s*(years? old|yrs?\b|y/?o\b))"
    ))
    .expect("valid pattern")
});
/// A full name with a date right after it: "Jane Smith 03/04/2015".
static NAME_WITH_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"{FULL_NAME}\(?\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}\b"
    ))
    .expect("valid pattern")
});
/// A date written as numbers, day first.
static NUMERIC_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b").expect("valid pattern")
});

/// The youngest and oldest a child whose record this might be: a bare date this many years
/// back is more likely a birthday than a meeting (reports name older events by month or year).
const CHILDHOOD_YEARS: std::ops::RangeInclusive<i32> = 3..=18;

/// A bare numeric date that falls in a child's lifetime, three to eighteen years before
/// `today`: likely a date of birth written without saying so.
fn has_bare_birth_date(text: &str, today: time::Date) -> bool {
    NUMERIC_DATE.captures_iter(text).any(|found| {
        let (Ok(day), Ok(month), Ok(year)) = (
            found[1].parse::<u8>(),
            found[2].parse::<u8>(),
            found[3].parse::<i32>(),
        ) else {
            return false;
        };
        let Ok(month) = time::Month::try_from(month) else {
            return false;
        };
        let Ok(date) = time::Date::from_calendar_date(year, month, day) else {
            return false;
        };
        let years_before = today.year()
            - date.year()
            - i32::from((today.month(), today.day()) < (date.month(), date.day()));
        date < today && CHILDHOOD_YEARS.contains(&years_before)
    })
}

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
    likely_identifier_on(text, time::OffsetDateTime::now_utc().date())
}

/// [`likely_identifier`] as of `today` (a bare date's age depends on it).
pub fn likely_identifier_on(text: &str, today: time::Date) -> Option<&'static str> {
    if text.trim().is_empty() {
        return None;
    }
    if NHS_NUMBER
        .captures_iter(text)
        .any(|found| is_nhs_number(&format!("{}{}{}", &found[1], &found[2], &found[3])))
    {
        return Some("an NHS number");
    }
    if DATE_OF_BIRTH.is_match(text) || has_bare_birth_date(text, today) {
        return Some("a date of birth");
    }
    if NAME_WITH_AGE.is_match(text) {
        return Some("a person's name and age");
    }
    if NAME_WITH_DATE.is_match(text) {
        return Some("a person's name and a date");
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
    fn a_name_beside_an_age_or_a_bare_birth_date_is_found() {
        let today = time::macros::date!(2026 - 12 - 07);
        for (text, found) in [
            (
                "Jane Smith, aged 7, was seen at A&E",
                "a person's name and age",
            ),
            ("Jane Smith aged 7", "a person's name and age"),
            (
                "Concerns about Tom O'Neill, aged 14, were raised",
                "a person's name and age",
            ),
            ("Lily Smith-Jones (aged 3)", "a person's name and age"),
            (
                "Amir Khan, 9 years old, missed school",
                "a person's name and age",
            ),
            ("Jane Smith age: 12", "a person's name and age"),
            ("Child N, 03/04/2015, moved schools", "a date of birth"),
            ("seen with sibling 3.4.2012", "a date of birth"),
            (
                "Jane Smith 03/04/2024 strategy meeting",
                "a person's name and a date",
            ),
        ] {
            assert_eq!(likely_identifier_on(text, today), Some(found), "{text}");
        }
    }

    #[test]
    fn recent_and_pseudonymous_text_passes() {
        let today = time::macros::date!(2026 - 12 - 07);
        for text in [
            "Child N, aged 7, and Sibling Group Q (3) were discussed.",
            "Our rate is still well above England (43) and the North West (49).",
            "The strategy meeting on 12/03/2025 agreed the plan.",
            "Referrals rose between 01/04/2024 and 31/03/2025.",
            "The 2019 review made 7 recommendations; 12 pupils aged 7 took part.",
            "Halton Borough Council, aged care services and the ICB (3) met.",
            "Early Help assessments for children aged 0-5 rose by 12%.",
        ] {
            assert_eq!(likely_identifier_on(text, today), None, "{text}");
        }
    }

    /// Every text of the demo (organisations, people's role titles, groups, the business plan,
    /// indicators, storyboards) passes: the check must not nag about ordinary partnership text.
    #[test]
    fn the_demo_text_passes() {
        fn strings(value: &toml::Value, out: &mut Vec<String>) {
            match value {
                toml::Value::String(text) => out.push(text.clone()),
                toml::Value::Array(items) => items.iter().for_each(|item| strings(item, out)),
                toml::Value::Table(table) => table.values().for_each(|item| strings(item, out)),
                _ => {}
            }
        }
        let today = time::macros::date!(2026 - 12 - 07);
        let mut texts = Vec::new();
        for file in [
            include_str!("../partnership/demo.toml"),
            include_str!("../dataset/demo.toml"),
        ] {
            let value: toml::Value = toml::from_str(file).expect("the demo reads");
            strings(&value, &mut texts);
        }
        assert!(texts.len() > 300, "{} texts", texts.len());
        let flagged: Vec<_> = texts
            .iter()
            .filter_map(|text| likely_identifier_on(text, today).map(|found| (found, text)))
            .collect();
        assert!(flagged.is_empty(), "{flagged:#?}");
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
