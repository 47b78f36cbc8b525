//! Learning pages, one file per sub-resource: `landing`, `notifications` (serious incidents and
//! their clocks), `bank_holidays`, `reviews`, `findings`, `themes` and `triage`. Each handler:
//! extract, authorise, act, render.

mod bank_holidays;
mod findings;
mod landing;
mod notifications;
mod reviews;
mod themes;
mod triage;

use crate::kernel::text::DateParts;
use crate::kernel::{Access, AppError, AppResult, Permission, Routes};

const VIEW: Access = Access::Requires(Permission::ViewLearning);
const MANAGE: Access = Access::Requires(Permission::ManageLearning);
const THEMES: Access = Access::Requires(Permission::ManageThemes);

pub fn routes() -> Routes {
    Routes::new()
        .get("/learning", VIEW, landing::landing)
        .get(
            "/learning/notifications",
            VIEW,
            notifications::notifications,
        )
        .get(
            "/learning/notifications/new",
            MANAGE,
            notifications::new_notification_page,
        )
        .post(
            "/learning/notifications/new",
            MANAGE,
            notifications::create_notification,
        )
        .get(
            "/learning/notifications/{id}",
            VIEW,
            notifications::notification_page,
        )
        .post(
            "/learning/notifications/{id}/dates",
            MANAGE,
            notifications::record_dates,
        )
        .get(
            "/learning/bank-holidays",
            VIEW,
            bank_holidays::bank_holidays,
        )
        .post(
            "/learning/bank-holidays",
            Access::Requires(Permission::ManageCalendar),
            bank_holidays::add_bank_holiday,
        )
        .get("/learning/reviews", VIEW, reviews::list)
        .get("/learning/reviews/new", MANAGE, reviews::new_page)
        .post("/learning/reviews/new", MANAGE, reviews::create)
        .get("/learning/reviews/{id}", VIEW, reviews::page)
        .get("/learning/reviews/{id}/edit", MANAGE, reviews::edit_page)
        .post("/learning/reviews/{id}/edit", MANAGE, reviews::update)
        .post("/learning/reviews/{id}/archive", MANAGE, reviews::archive)
        .post("/learning/reviews/{id}/restore", MANAGE, reviews::restore)
        .post(
            "/learning/reviews/{id}/findings",
            MANAGE,
            findings::add_finding,
        )
        .post(
            "/learning/reviews/{id}/findings/{item_id}/archive",
            MANAGE,
            findings::archive_finding,
        )
        .get("/learning/themes", VIEW, themes::themes)
        .post("/learning/themes", THEMES, themes::add_theme)
        .post(
            "/learning/themes/{id}/archive",
            THEMES,
            themes::archive_theme,
        )
        .post(
            "/learning/themes/{id}/restore",
            THEMES,
            themes::restore_theme,
        )
        .get("/learning/triage", VIEW, triage::list)
        .get("/learning/triage/new", MANAGE, triage::new_page)
        .post("/learning/triage/new", MANAGE, triage::create)
        .get("/learning/triage/{id}", VIEW, triage::page)
        .post(
            "/learning/triage/{id}/recommendations",
            MANAGE,
            triage::add_recommendation,
        )
        .post(
            "/learning/triage/{id}/recommendations/{item_id}",
            MANAGE,
            triage::decide,
        )
}

/// Reads a form by hand when several fields share one name (checkboxes).
pub(super) fn form_pairs(body: &[u8]) -> AppResult<Vec<(String, String)>> {
    serde_urlencoded::from_bytes(body)
        .map_err(|_| AppError::BadRequest("The form could not be read.".into()))
}

pub(super) fn value(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
        .unwrap_or_default()
}

pub(super) fn values(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
        .collect()
}

pub(super) fn date_parts(pairs: &[(String, String)], name: &str) -> DateParts {
    DateParts {
        day: value(pairs, &format!("{name}_day")),
        month: value(pairs, &format!("{name}_month")),
        year: value(pairs, &format!("{name}_year")),
    }
}
