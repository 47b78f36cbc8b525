//! The register: the list of risks, the heat map and the spreadsheet export.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::*;
use crate::kernel::filters;
use crate::kernel::ids::OrganisationId;
use crate::kernel::text::today;
use crate::kernel::{AppError, AppResult, AppState, Chrome, Ctx, render};
use crate::tracker::risks::model::*;
use crate::tracker::risks::store;

// ------------------------------------------------------------------------------ the register

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegisterQuery {
    pub status: String,
    pub owner: String,
    pub sort: String,
}

#[derive(Template)]
#[template(path = "tracker/risks/templates/register.html")]
struct RegisterPage {
    chrome: Chrome,
    /// Each risk with its review tag (class, text), if due soon or overdue.
    risks: Vec<(Risk, Option<(&'static str, String)>)>,
    overdue: Vec<(Risk, Option<(&'static str, String)>)>,
    query: RegisterQuery,
    status_choices: Vec<(&'static str, &'static str)>,
    owner_choices: crate::kernel::choices::GroupedChoices,
    sort_choices: Vec<(&'static str, &'static str)>,
    risks_caption: String,
    /// The filter selects have no errors.
    no_error: Option<&'static str>,
    can_manage: bool,
}

fn with_review_tag(
    risks: Vec<Risk>,
    today: time::Date,
) -> Vec<(Risk, Option<(&'static str, String)>)> {
    risks
        .into_iter()
        .map(|risk| {
            let tag = risk.review(today).tag();
            (risk, tag)
        })
        .collect()
}

const STATUS_FILTERS: [(&str, &str); 5] = [
    ("", "Open and tolerated"),
    ("open", "Open"),
    ("tolerated", "Tolerated"),
    ("closed", "Closed"),
    ("all", "All"),
];

const SORTS: [(&str, &str); 3] = [
    ("", "Overdue reviews, then highest residual score"),
    ("inherent", "Highest inherent score"),
    ("reference", "Reference"),
];

pub async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<RegisterQuery>,
) -> AppResult<impl IntoResponse> {
    let scope = ctx.scope(&state)?;
    let today = today();
    let mut risks = store::list_risks(scope).await?;
    register_order(&mut risks, today);
    let overdue: Vec<Risk> = risks
        .iter()
        .filter(|risk| risk.review(today).is_overdue())
        .cloned()
        .collect();
    let owner = query.owner.parse::<OrganisationId>().ok();
    risks.retain(|risk| {
        let status_matches = match query.status.as_str() {
            "all" => true,
            code => match RiskStatus::from_code(code) {
                Some(status) => risk.status == status,
                None => risk.status.is_live(),
            },
        };
        status_matches && owner.is_none_or(|owner| risk.details.owner_organisation_id == owner)
    });
    match query.sort.as_str() {
        "inherent" => risks.sort_by(|a, b| {
            b.inherent
                .value()
                .cmp(&a.inherent.value())
                .then(a.details.reference.cmp(&b.details.reference))
        }),
        "reference" => risks.sort_by(|a, b| a.details.reference.cmp(&b.details.reference)),
        _ => {}
    }
    let owner_choices = crate::partnership::organisation_select(scope, "All owners").await?;
    render(&RegisterPage {
        risks_caption: format!(
            "{} risk{}",
            risks.len(),
            if risks.len() == 1 { "" } else { "s" }
        ),
        no_error: None,
        can_manage: can_manage(&ctx)?,
        chrome: ctx.chrome(&state).await?,
        risks: with_review_tag(risks, today),
        overdue: with_review_tag(overdue, today),
        query,
        status_choices: STATUS_FILTERS.to_vec(),
        owner_choices,
        sort_choices: SORTS.to_vec(),
    })
}

// ------------------------------------------------------------------------------- heat map

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HeatMapQuery {
    pub basis: String,
}

#[derive(Template)]
#[template(path = "tracker/risks/templates/heat_map.html")]
struct HeatMapPage {
    chrome: Chrome,
    basis: Basis,
    other: Basis,
    svg: String,
    /// Rows from likelihood 5 down to 1: (likelihood, label, counts by impact 1..5).
    rows: Vec<(u8, &'static str, [u32; 5])>,
    total: u32,
}

pub async fn heat_map(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HeatMapQuery>,
) -> AppResult<impl IntoResponse> {
    let basis = Basis::from_query(&query.basis);
    let risks = store::list_risks(ctx.scope(&state)?).await?;
    let counts = heat_map_counts(&risks, basis);
    let tone = |likelihood: u8, impact: u8| {
        Score::new(likelihood, impact)
            .map(|score| score.rating().heat_tone())
            .unwrap_or(masa_charts::HeatTone::Low)
    };
    let title = format!(
        "{} risk: open and tolerated risks by likelihood and impact",
        basis.label()
    );
    let svg = masa_charts::heat_map_svg(
        &masa_charts::HeatMap {
            title: &title,
            counts,
            tone: &tone,
        },
        "risk-heat-map",
    );
    let rows = (1..=5u8)
        .rev()
        .map(|likelihood| {
            (
                likelihood,
                LIKELIHOOD_LABELS[usize::from(likelihood - 1)],
                counts[usize::from(likelihood - 1)],
            )
        })
        .collect();
    render(&HeatMapPage {
        chrome: ctx.chrome(&state).await?,
        basis,
        other: match basis {
            Basis::Residual => Basis::Inherent,
            Basis::Inherent => Basis::Residual,
        },
        svg,
        rows,
        total: counts.iter().flatten().sum(),
    })
}

// ------------------------------------------------------------------------------ export

pub async fn register_xlsx(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let scope = ctx.scope(&state)?;
    let today = today();
    let mut risks = store::list_risks(scope).await?;
    register_order(&mut risks, today);
    let controls = store::all_controls(scope).await?;
    let mut histories = Vec::with_capacity(risks.len());
    for risk in &risks {
        histories.push((
            risk.details.reference.clone(),
            store::score_history(scope, risk.id).await?,
        ));
    }
    let bytes =
        crate::tracker::risks::export::register_workbook(&risks, &controls, &histories, today)
            .map_err(|error| {
                AppError::Internal(format!("could not write the spreadsheet: {error}"))
            })?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"masa-risk-register-{today}.xlsx\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
