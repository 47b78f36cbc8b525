//! Risk register pages, one file per sub-resource; this file keeps the registry and what they
//! share. Each handler: extract, authorise, act, render.

mod controls;
mod register;
mod rescore;
mod risk;

use super::model::*;
use super::store;
use super::{MANAGE, VIEW};
use crate::kernel::ids::RiskId;
use crate::kernel::{AppError, AppResult, AppState, Ctx, Lookup, Permission, Routes, Store};

pub fn routes() -> Routes {
    Routes::new()
        .get("/tracker/risks", VIEW, register::register)
        .get("/tracker/risks/heat-map", VIEW, register::heat_map)
        .get(
            "/tracker/risks/register.xlsx",
            VIEW,
            register::register_xlsx,
        )
        .get("/tracker/risks/new", MANAGE, risk::new_risk_page)
        .post("/tracker/risks/new", MANAGE, risk::create_risk)
        .get("/tracker/risks/{id}", VIEW, risk::risk_page)
        .get("/tracker/risks/{id}/edit", MANAGE, risk::edit_risk_page)
        .post("/tracker/risks/{id}/edit", MANAGE, risk::update_risk)
        .get("/tracker/risks/{id}/rescore", MANAGE, rescore::rescore_page)
        .post("/tracker/risks/{id}/rescore", MANAGE, rescore::rescore)
        .get("/tracker/risks/{id}/close", MANAGE, rescore::close_page)
        .post("/tracker/risks/{id}/close", MANAGE, rescore::close)
        .get(
            "/tracker/risks/{id}/controls/new",
            MANAGE,
            controls::new_control_page,
        )
        .post(
            "/tracker/risks/{id}/controls/new",
            MANAGE,
            controls::add_control,
        )
        .post(
            "/tracker/risks/{id}/controls/{item_id}/retire",
            MANAGE,
            controls::retire_control,
        )
}

pub(super) fn can_manage(ctx: &Ctx) -> AppResult<bool> {
    Ok(ctx.user()?.can(Permission::ManageRiskRegister))
}

/// A route's `{id}` is one of the signed-in user's partnership's risks; another partnership's
/// is not found.
impl Lookup for Risk {
    type Id = RiskId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: RiskId) -> AppResult<Option<Risk>> {
        Ok(store::find_risk(ctx.scope(state)?, id).await?)
    }
}

/// One of the signed-in user's partnership's risks; 404 for another partnership's.
pub(super) async fn find(store: impl Store, id: RiskId) -> AppResult<Risk> {
    store::find_risk(store, id).await?.ok_or(AppError::NotFound)
}

pub fn level_choices(labels: &[&str; 5]) -> Vec<(String, String)> {
    let mut choices = vec![(String::new(), "Choose a score".to_owned())];
    choices.extend(
        labels
            .iter()
            .enumerate()
            .map(|(index, label)| ((index + 1).to_string(), format!("{} – {label}", index + 1))),
    );
    choices
}
