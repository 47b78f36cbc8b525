//! Dataset: the indicator catalogue, quarterly data drops from each partner (web form,
//! spreadsheet upload, JSON API) with their storyboards, validation, approval, completeness
//! and reminders, and the scorecard with statistical process control and exports.
//!
//! Files: `routes/` (the pages, one file per sub-resource), `api.rs` (the JSON API), `store.rs`
//! (the queries), `model.rs` (the domain types and checks), `scorecard.rs` (SPC rows),
//! `demo.rs` and `generate.rs` (demo and generated data). Store reads take the partnership's
//! scope: `store::find_indicator(ctx.scope(&state)?, id)`; writes take `&mut Change`.

mod api;
pub mod demo;
pub mod generate;
pub mod model;
pub mod report;
mod routes;
pub mod scorecard;
pub mod store;
pub mod work;

use crate::kernel::ids::IndicatorId;
use crate::kernel::{Permission, Scope};

pub use routes::routes;

/// For other modules: the partnership's live indicators as (id, "CODE: name"), in code order.
pub async fn indicator_choices(
    store: impl crate::kernel::Store,
) -> Result<Vec<(IndicatorId, String)>, sqlx::Error> {
    let mut indicators = store::list_indicators(store, &store::IndicatorFilter::default()).await?;
    indicators.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(indicators
        .into_iter()
        .map(|indicator| {
            (
                indicator.id,
                format!("{}: {}", indicator.code, indicator.name),
            )
        })
        .collect())
}

/// For other modules: an indicator's published (approved) series, to judge an action's impact
/// against the data.
#[derive(Debug, Clone)]
pub struct IndicatorTrend {
    pub id: IndicatorId,
    pub code: String,
    pub name: String,
    pub polarity: &'static str,
    /// (quarter label, the value as published), oldest first: small counts are "fewer than N".
    pub points: Vec<(String, String)>,
    pub suffix: &'static str,
}

/// Another partnership's indicator is None, as a missing one is.
pub async fn indicator_trend(
    mut store: impl crate::kernel::Store,
    id: IndicatorId,
) -> Result<Option<IndicatorTrend>, sqlx::Error> {
    let Some(indicator) = store::find_indicator(&mut store, id).await? else {
        return Ok(None);
    };
    let mut series = store::approved_series(&mut store, store::SeriesScope::Indicator(id)).await?;
    let points = model::publish_series(&indicator, &series.remove(&id).unwrap_or_default())
        .into_iter()
        .map(|(quarter, value)| (quarter.label(), indicator.show_published(value)))
        .collect();
    Ok(Some(IndicatorTrend {
        id,
        code: indicator.code,
        name: indicator.name,
        polarity: match indicator.polarity {
            masa_spc::Polarity::HigherIsBetter => "Higher is better",
            masa_spc::Polarity::LowerIsBetter => "Lower is better",
            masa_spc::Polarity::Neither => "Neither higher nor lower is better",
        },
        points,
        suffix: indicator.unit.suffix(),
    }))
}

/// For the audit trail: the data drops this person may not see, by the same rule as the drop
/// pages ([`model::may_see_drop`]). Empty for the business unit.
pub async fn drops_hidden_from(
    db: &crate::kernel::db::Db,
    user: &crate::kernel::auth::CurrentUser,
) -> Result<Vec<i64>, sqlx::Error> {
    if Permission::ManageDataset.granted_to_any(&user.roles) {
        return Ok(Vec::new());
    }
    Ok(store::drop_states(Scope::new(db, user.partnership()))
        .await?
        .into_iter()
        .filter(|drop| {
            !model::may_see_drop(
                &user.roles,
                user.organisation_id,
                drop.organisation_id,
                drop.status,
            )
        })
        // The audit trail names records by their number.
        .map(|drop| drop.id.get())
        .collect())
}
