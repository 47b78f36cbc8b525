//! Dataset pages, one file per sub-resource: `scorecard`, `indicator` (one indicator),
//! `catalogue`, `periods`, `drops` (list and page), `drop_values` (form and upload),
//! `drop_decisions` (versions, submit checks, approve or return) and `tokens`. This file holds
//! the route registry and what the files share. Each handler: extract, authorise, act, render.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::kernel::auth::CurrentUser;
use crate::kernel::{AppError, Permission};

mod catalogue;
mod drop_decisions;
mod drop_values;
mod drops;
mod indicator;
mod periods;
mod scorecard;
mod tokens;

use super::api;
use crate::kernel::{Access, Routes};

const VIEW: Access = Access::Requires(Permission::ViewDataset);
const MANAGE: Access = Access::Requires(Permission::ManageDataset);
const DROPS: Access = Access::Requires(Permission::ViewDataDrops);
const SUBMIT: Access = Access::Requires(Permission::SubmitDataDrop);

pub fn routes() -> Routes {
    Routes::new()
        .get("/dataset", VIEW, scorecard::scorecard)
        .get("/dataset/scorecard.xlsx", VIEW, scorecard::scorecard_xlsx)
        .get("/dataset/scorecard.csv", VIEW, scorecard::scorecard_csv)
        // the catalogue
        .get("/dataset/indicators", VIEW, catalogue::indicator_list)
        .get(
            "/dataset/indicators/new",
            MANAGE,
            catalogue::new_indicator_page,
        )
        .post(
            "/dataset/indicators/new",
            MANAGE,
            catalogue::create_indicator,
        )
        .get("/dataset/indicators/{id}", VIEW, indicator::indicator_page)
        .get(
            "/dataset/indicators/{id}/series.xlsx",
            VIEW,
            indicator::series_xlsx,
        )
        .get(
            "/dataset/indicators/{id}/series.csv",
            VIEW,
            indicator::series_csv,
        )
        .get(
            "/dataset/indicators/{id}/edit",
            MANAGE,
            catalogue::edit_indicator_page,
        )
        .post(
            "/dataset/indicators/{id}/edit",
            MANAGE,
            catalogue::update_indicator,
        )
        .post(
            "/dataset/indicators/{id}/archive",
            MANAGE,
            catalogue::archive_indicator,
        )
        .post(
            "/dataset/indicators/{id}/restore",
            MANAGE,
            catalogue::restore_indicator,
        )
        .post(
            "/dataset/indicators/{id}/comparators",
            MANAGE,
            indicator::add_comparator,
        )
        // collection periods, completeness and reminders
        .get("/dataset/periods", MANAGE, periods::periods)
        .post("/dataset/periods/new", MANAGE, periods::open_period)
        .get("/dataset/periods/{period}", MANAGE, periods::period_page)
        .post(
            "/dataset/periods/{period}/close",
            MANAGE,
            periods::close_period,
        )
        .post(
            "/dataset/periods/{period}/reopen",
            MANAGE,
            periods::reopen_period,
        )
        .post(
            "/dataset/periods/{period}/reminders",
            MANAGE,
            periods::send_reminders,
        )
        .get("/dataset/outbox", MANAGE, periods::outbox_page)
        // data drops
        .get("/dataset/drops", DROPS, drops::drops)
        .post("/dataset/drops/new", SUBMIT, drop_decisions::start_drop)
        .get("/dataset/drops/{id}", DROPS, drops::drop_view)
        .post(
            "/dataset/drops/{id}/values",
            SUBMIT,
            drop_values::save_values,
        )
        .post(
            "/dataset/drops/{id}/upload",
            SUBMIT,
            drop_values::upload_values,
        )
        .get(
            "/dataset/drops/{id}/template.xlsx",
            DROPS,
            drop_values::template_xlsx,
        )
        .get(
            "/dataset/drops/{id}/template.csv",
            DROPS,
            drop_values::template_csv,
        )
        .post(
            "/dataset/drops/{id}/revise",
            SUBMIT,
            drop_decisions::revise_drop,
        )
        .post(
            "/dataset/drops/{id}/decision",
            MANAGE,
            drop_decisions::decide,
        )
        // API tokens and the API
        .get("/dataset/tokens", SUBMIT, tokens::tokens)
        .post("/dataset/tokens/new", SUBMIT, tokens::create_token)
        .post("/dataset/tokens/{id}/revoke", SUBMIT, tokens::revoke_token)
        .get("/api/v1/indicators", Access::ApiToken, api::indicators)
        .get("/api/v1/data-drops/{id}", Access::ApiToken, api::get_drop)
        .post("/api/v1/data-drops", Access::ApiToken, api::post_drop)
}

fn is_manager(user: &CurrentUser) -> bool {
    user.can(Permission::ManageDataset)
}

fn download(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const CSV: &str = "text/csv; charset=utf-8";

fn sheet_error(error: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("could not write the spreadsheet: {error}"))
}

#[cfg(test)]
mod suppression_tests;
