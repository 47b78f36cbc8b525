//! The formatting every page shares, as askama filters: `{{ review.due_on|long_date }}`.
//! A file that defines templates brings them in with `use crate::kernel::filters;` (askama
//! looks filters up in a `filters` module where the template struct is defined), so no template
//! calls a formatting function by its path, and no module keeps its own copy.

use askama::Values;

use super::text;

/// A date, or no date (shown as nothing).
pub trait AsDate {
    fn as_date(&self) -> Option<time::Date>;
}

impl AsDate for time::Date {
    fn as_date(&self) -> Option<time::Date> {
        Some(*self)
    }
}

impl AsDate for Option<time::Date> {
    fn as_date(&self) -> Option<time::Date> {
        *self
    }
}

impl<T: AsDate + ?Sized> AsDate for &T {
    fn as_date(&self) -> Option<time::Date> {
        (**self).as_date()
    }
}

/// Text as stored (an ISO date or timestamp), or none.
pub trait AsStoredText {
    fn as_stored_text(&self) -> Option<&str>;
}

impl AsStoredText for str {
    fn as_stored_text(&self) -> Option<&str> {
        Some(self)
    }
}

impl AsStoredText for String {
    fn as_stored_text(&self) -> Option<&str> {
        Some(self)
    }
}

impl AsStoredText for Option<String> {
    fn as_stored_text(&self) -> Option<&str> {
        self.as_deref()
    }
}

impl<T: AsStoredText + ?Sized> AsStoredText for &T {
    fn as_stored_text(&self) -> Option<&str> {
        (**self).as_stored_text()
    }
}

/// "23 November 2026", the GOV.UK date style; nothing for no date.
#[askama::filter_fn]
pub fn long_date(date: impl AsDate, _: &dyn Values) -> askama::Result<String> {
    Ok(date.as_date().map(text::long_date).unwrap_or_default())
}

/// A stored ISO date or timestamp for people ("23 November 2026 at 14:05"); nothing for none.
#[askama::filter_fn]
pub fn when(stored: impl AsStoredText, _: &dyn Values) -> askama::Result<String> {
    Ok(stored
        .as_stored_text()
        .map(text::display_date)
        .unwrap_or_default())
}

/// A file's size in bytes as "340 KB" or "1.2 MB".
#[askama::filter_fn]
pub fn file_size(bytes: &i64, _: &dyn Values) -> askama::Result<String> {
    Ok(super::files::size_label(*bytes))
}

/// A statistical process control RAG rating as words ("Not rated" for none).
#[askama::filter_fn]
pub fn rag_label(rag: &Option<masa_spc::Rag>, _: &dyn Values) -> askama::Result<&'static str> {
    Ok(match rag {
        Some(masa_spc::Rag::Green) => "Green",
        Some(masa_spc::Rag::Amber) => "Amber",
        Some(masa_spc::Rag::Red) => "Red",
        None => "Not rated",
    })
}

/// The GOV.UK tag colour class of a RAG rating.
#[askama::filter_fn]
pub fn rag_tag(rag: &Option<masa_spc::Rag>, _: &dyn Values) -> askama::Result<&'static str> {
    Ok(match rag {
        Some(masa_spc::Rag::Green) => "govuk-tag--green",
        Some(masa_spc::Rag::Amber) => "govuk-tag--yellow",
        Some(masa_spc::Rag::Red) => "govuk-tag--red",
        None => "govuk-tag--grey",
    })
}

/// "1 day", "3 days": a count with its noun, singular or plural.
pub fn count_of(count: i64, singular: &str, plural: &str) -> String {
    if count == 1 {
        format!("1 {singular}")
    } else {
        format!("{count} {plural}")
    }
}

/// `{{ days|counted("day", "days") }}`: [`count_of`] for templates.
#[askama::filter_fn]
pub fn counted(
    count: &i64,
    _: &dyn Values,
    singular: &str,
    plural: &str,
) -> askama::Result<String> {
    Ok(count_of(*count, singular, plural))
}

#[cfg(test)]
mod tests {
    use askama::Template;

    use super::count_of;
    use crate::kernel::filters;

    #[derive(Template)]
    #[template(
        source = "{% import \"kernel/templates/_summary_list.html\" as summary %}<dl>{% call summary::row(\"Due\") %}{{ due|long_date }}{% endcall %}</dl>",
        ext = "html"
    )]
    struct Row {
        due: time::Date,
    }

    #[test]
    fn a_summary_row_is_one_macro() {
        let html = Row {
            due: time::macros::date!(2026 - 11 - 23),
        }
        .render()
        .expect("renders");
        assert!(
            html.contains("<dt class=\"govuk-summary-list__key\">Due</dt>"),
            "{html}"
        );
        assert!(
            html.contains("<dd class=\"govuk-summary-list__value\">23 November 2026</dd>"),
            "{html}"
        );
    }

    #[derive(Template)]
    #[template(
        source = "{{ due|long_date }}|{{ none|long_date }}|{{ at|when }}|{{ missing|when }}|{{ size|file_size }}|{{ rag|rag_label }} {{ rag|rag_tag }}|{{ days|counted(\"day\", \"days\") }}",
        ext = "html"
    )]
    struct Sample {
        due: time::Date,
        none: Option<time::Date>,
        at: String,
        missing: Option<String>,
        size: i64,
        rag: Option<masa_spc::Rag>,
        days: i64,
    }

    #[test]
    fn pages_format_dates_sizes_ratings_and_counts_one_way() {
        let sample = Sample {
            due: time::macros::date!(2026 - 11 - 23),
            none: None,
            at: "2026-11-23T14:05:09Z".to_owned(),
            missing: None,
            size: 2048,
            rag: Some(masa_spc::Rag::Red),
            days: 1,
        };
        assert_eq!(
            sample.render().expect("renders"),
            "23 November 2026||23 November 2026 at 14:05||2 KB|Red govuk-tag--red|1 day"
        );
        assert_eq!(count_of(3, "day", "days"), "3 days");
    }
}
