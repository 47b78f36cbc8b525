//! Form helpers: validation messages in the GOV.UK error-summary pattern, and dates entered as
//! day, month and year.

use serde::Serialize;

/// Validation messages, each naming the field it belongs to (its HTML id).
#[derive(Debug, Clone, Default, Serialize)]
pub struct FormErrors {
    pub items: Vec<FieldError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FormErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.items.push(FieldError {
                field: field.to_owned(),
                message: message.into(),
            });
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|error| error.field == field)
            .map(|error| error.message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Checks a required text field's presence and length, returning it trimmed.
    pub fn required_text(&mut self, field: &str, label: &str, value: &str, max: usize) -> String {
        let value = value.trim();
        if value.is_empty() {
            self.add(field, format!("Enter {}", label.to_lowercase()));
        } else if value.chars().count() > max {
            self.add(field, format!("{label} must be {max} characters or fewer"));
        }
        value.to_owned()
    }

    /// An optional text field: only its length is checked.
    pub fn optional_text(&mut self, field: &str, label: &str, value: &str, max: usize) -> String {
        let value = value.trim();
        if value.chars().count() > max {
            self.add(field, format!("{label} must be {max} characters or fewer"));
        }
        value.to_owned()
    }

    pub fn email(&mut self, field: &str, label: &str, value: &str) -> String {
        let value = self.required_text(field, label, value, 254);
        if !value.is_empty() && !looks_like_email(&value) {
            self.add(
                field,
                format!(
                    "Enter {} in the correct format, like name@example.org",
                    label.to_lowercase()
                ),
            );
        }
        value
    }

    /// A date from the GOV.UK date input (day, month, year fields).
    pub fn date(
        &mut self,
        field: &str,
        label: &str,
        parts: &DateParts,
        required: bool,
    ) -> Option<time::Date> {
        match parts.parse() {
            DateInput::Empty if required => {
                self.add(field, format!("Enter {}", label.to_lowercase()));
                None
            }
            DateInput::Empty => None,
            DateInput::Incomplete(missing) => {
                self.add(field, format!("{label} must include a {missing}"));
                None
            }
            DateInput::NotReal => {
                self.add(field, format!("{label} must be a real date"));
                None
            }
            DateInput::Date(date) => Some(date),
        }
    }

    /// A choice from a fixed list; the value must be one of the codes.
    pub fn choice(&mut self, field: &str, label: &str, value: &str, codes: &[&str]) -> String {
        if !codes.contains(&value) {
            self.add(field, format!("Select {}", label.to_lowercase()));
        }
        value.to_owned()
    }
}

pub fn looks_like_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>')
}

/// The three boxes of a GOV.UK date input, as typed.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct DateParts {
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub month: String,
    #[serde(default)]
    pub year: String,
}

pub enum DateInput {
    Empty,
    Incomplete(&'static str),
    NotReal,
    Date(time::Date),
}

impl DateParts {
    pub fn from_date(date: Option<time::Date>) -> DateParts {
        match date {
            Some(date) => DateParts {
                day: date.day().to_string(),
                month: u8::from(date.month()).to_string(),
                year: date.year().to_string(),
            },
            None => DateParts::default(),
        }
    }

    pub fn parse(&self) -> DateInput {
        let (day, month, year) = (self.day.trim(), self.month.trim(), self.year.trim());
        if day.is_empty() && month.is_empty() && year.is_empty() {
            return DateInput::Empty;
        }
        if day.is_empty() {
            return DateInput::Incomplete("day");
        }
        if month.is_empty() {
            return DateInput::Incomplete("month");
        }
        if year.is_empty() {
            return DateInput::Incomplete("year");
        }
        let (Ok(day), Ok(month), Ok(year)) =
            (day.parse::<u8>(), month.parse::<u8>(), year.parse::<i32>())
        else {
            return DateInput::NotReal;
        };
        if !(1900..=2200).contains(&year) {
            return DateInput::NotReal;
        }
        let Ok(month) = time::Month::try_from(month) else {
            return DateInput::NotReal;
        };
        match time::Date::from_calendar_date(year, month, day) {
            Ok(date) => DateInput::Date(date),
            Err(_) => DateInput::NotReal,
        }
    }
}

/// Today's date (UTC, as every stored time is).
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// Dates are stored as ISO-8601 text (`YYYY-MM-DD`).
pub fn parse_iso_date(text: &str) -> Option<time::Date> {
    time::Date::parse(text, &time::format_description::well_known::Iso8601::DATE).ok()
}

pub fn iso_date(date: time::Date) -> String {
    format!("{date}")
}

/// Rounds half up (towards positive infinity) to `places` decimals: 95.5 → 96, 2.45 → 2.5.
///
/// Rust's `format!("{:.1}")` rounds the binary value instead, so 0.05 (stored as a little over
/// or under) and 12.5 (stored exactly, printed "12") do not always round up as people expect.
pub fn round_half_up(value: f64, places: u8) -> f64 {
    let factor = 10f64.powi(i32::from(places));
    let scaled = value * factor;
    let below = scaled.floor();
    // A decimal half is rarely exact in binary: anything within a billionth of it is the half.
    // Shares of whole counts are never that close to a half without being one.
    let rounded = if scaled - below >= 0.5 - 1e-9 {
        below + 1.0
    } else {
        below
    };
    rounded / factor
}

/// A percentage as the partnership prints it, to `places` decimals rounded half up: "96%",
/// "92.5%", "89.06%". Every page, export and report prints rates through this, so the same
/// figure never reads "95.5%" on one and "96%" on another.
pub fn percent_text(percent: f64, places: u8) -> String {
    format!(
        "{:.*}%",
        usize::from(places),
        round_half_up(percent, places)
    )
}

/// "23 November 2026", the GOV.UK date style.
pub fn long_date(date: time::Date) -> String {
    format!("{} {} {}", date.day(), date.month(), date.year())
}

/// Formats a stored ISO date or timestamp for people; leaves anything else as it is.
pub fn display_date(text: &str) -> String {
    if let Some(date) = parse_iso_date(text.get(..10).unwrap_or(text)) {
        match text.get(11..16) {
            Some(clock) if text.len() > 10 => format!("{} at {clock}", long_date(date)),
            _ => long_date(date),
        }
    } else {
        text.to_owned()
    }
}

/// A spreadsheet cell starting = + - @ (or a tab or a return) would run as a formula when the
/// export is opened: prefixed with an apostrophe. The one rule, kept with the writers.
pub use masa_sheets::spreadsheet_safe;

/// For templates: do two strings (or references to them, at any depth) hold the same text?
pub fn same(a: impl AsRef<str>, b: impl AsRef<str>) -> bool {
    a.as_ref() == b.as_ref()
}

pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Only local paths may be used as a place to return to after signing in.
pub fn safe_return_path(path: &str) -> String {
    if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') {
        path.to_owned()
    } else {
        "/".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_half_up_to_their_places() {
        assert_eq!(percent_text(64.0 * 100.0 / 67.0, 0), "96%");
        assert_eq!(percent_text(95.5, 0), "96%");
        assert_eq!(percent_text(12.5, 0), "13%", "format! alone prints 12");
        assert_eq!(percent_text(2.45, 1), "2.5%");
        assert_eq!(percent_text(185.0 * 100.0 / 200.0, 1), "92.5%");
        assert_eq!(percent_text(57.0 * 100.0 / 64.0, 2), "89.06%");
        assert_eq!(percent_text(30.0, 1), "30.0%");
        assert_eq!(percent_text(0.0, 0), "0%");
    }

    fn parts(day: &str, month: &str, year: &str) -> DateParts {
        DateParts {
            day: day.into(),
            month: month.into(),
            year: year.into(),
        }
    }

    #[test]
    fn dates_from_three_boxes() {
        let mut errors = FormErrors::default();
        assert_eq!(
            errors.date("d", "Start date", &parts("29", "2", "2024"), true),
            Some(time::macros::date!(2024 - 02 - 29))
        );
        assert_eq!(
            errors.date("e", "End date", &parts("29", "2", "2025"), true),
            None
        );
        assert_eq!(errors.get("e"), Some("End date must be a real date"));
        assert_eq!(
            errors.date("f", "Term end", &parts("1", "", "2025"), true),
            None
        );
        assert_eq!(errors.get("f"), Some("Term end must include a month"));
        assert_eq!(
            errors.date("g", "Term end", &parts("", "", ""), false),
            None
        );
        assert_eq!(errors.get("g"), None);
        assert_eq!(
            errors.date("h", "Active from", &parts("", "", ""), true),
            None
        );
        assert_eq!(errors.get("h"), Some("Enter active from"));
    }

    #[test]
    fn text_fields_are_trimmed_and_bounded() {
        let mut errors = FormErrors::default();
        assert_eq!(
            errors.required_text("name", "Name", "  Police  ", 10),
            "Police"
        );
        errors.required_text("empty", "Name", "   ", 10);
        errors.required_text("long", "Name", &"x".repeat(11), 10);
        assert_eq!(errors.get("empty"), Some("Enter name"));
        assert_eq!(
            errors.get("long"),
            Some("Name must be 10 characters or fewer")
        );
        errors.email("mail", "Email address", "not-an-email");
        assert!(errors.get("mail").unwrap().contains("correct format"));
    }

    #[test]
    fn return_paths_stay_on_this_site() {
        assert_eq!(safe_return_path("/partnership"), "/partnership");
        assert_eq!(safe_return_path("//evil.example"), "/");
        assert_eq!(safe_return_path("https://evil.example"), "/");
        assert_eq!(display_date("2026-11-23"), "23 November 2026");
        assert_eq!(
            display_date("2026-11-23T09:05:00Z"),
            "23 November 2026 at 09:05"
        );
    }
}
