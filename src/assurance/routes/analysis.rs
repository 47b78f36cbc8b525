//! A round's analysis page and its XLSX export: completion against the target, each standard's
//! grade shares, the overall shares, previous actions completed and the framework's earlier
//! rounds, filtered by kind of organisation (`?setting=`). The figures are `figures.rs`'s: counted
//! by the database and kept per round and filter, so the page stays fast however many returns a
//! round has.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::assurance::analysis::{self, JUDGED, RoundFigures, share_of};
use crate::assurance::figures::round_figures;
use crate::assurance::grades::{ACTIONS_PLACES, GRADES_PLACES, RETURNS_PLACES, Share, percent};
use crate::assurance::model::Setting;
use crate::assurance::store::{self, Round};
use crate::kernel::{AppError, AppResult, AppState, Chrome, Ctx, Loaded, Scope, render};

/// The longest filter value echoed back in the "no such kind" message.
const ECHO_LIMIT: usize = 40;

/// The round and the framework's rounds before it, oldest first, with their figures.
async fn with_earlier_rounds(
    state: &AppState,
    scope: Scope<'_>,
    round: &Round,
    setting: Option<Setting>,
) -> AppResult<Vec<Arc<RoundFigures>>> {
    let mut rounds: Vec<Round> = store::list_rounds(scope)
        .await?
        .into_iter()
        .filter(|other| {
            other.framework_id == round.framework_id
                && other.id != round.id
                && (other.opens_on, other.id) < (round.opens_on, round.id)
        })
        .collect();
    rounds.reverse();
    let mut figures = Vec::with_capacity(rounds.len() + 1);
    for earlier in &rounds {
        figures.push(round_figures(state, scope, earlier, setting).await?);
    }
    figures.push(round_figures(state, scope, round, setting).await?);
    Ok(figures)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AnalysisQuery {
    pub setting: String,
}

/// The filter asked for: every organisation, one setting, or a value that is no setting (shown
/// as every organisation, with a message).
enum Filter {
    All,
    Setting(Setting),
    Unknown(String),
}

impl Filter {
    fn of(query: &AnalysisQuery) -> Filter {
        let value = query.setting.trim();
        if value.is_empty() || value == "all" {
            return Filter::All;
        }
        match Setting::from_code(value) {
            Some(setting) => Filter::Setting(setting),
            None => Filter::Unknown(value.chars().take(ECHO_LIMIT).collect()),
        }
    }

    fn setting(&self) -> Option<Setting> {
        match self {
            Filter::Setting(setting) => Some(*setting),
            Filter::All | Filter::Unknown(_) => None,
        }
    }

    fn label(&self) -> String {
        match self {
            Filter::Setting(setting) => setting.label().to_owned(),
            Filter::All | Filter::Unknown(_) => "Every organisation".to_owned(),
        }
    }
}

/// A share as printed, with its counts: "92.5% (715 of 773)".
fn with_counts(share: Share, places: u8) -> String {
    if share.of == 0 {
        return "none".to_owned();
    }
    format!(
        "{} ({} of {})",
        percent(share, places),
        share.count,
        share.of
    )
}

/// A share as a chart's bar: the percentage to one decimal, 0 when there is nothing.
fn bar(share: Share) -> f64 {
    share.percent_rounded(1).unwrap_or(0.0)
}

struct StandardRow {
    number: i64,
    title: String,
    /// Each judged grade's share, in `JUDGED` order.
    shares: Vec<String>,
    answered: i64,
    not_applicable: i64,
}

struct ComparisonRow {
    title: String,
    returns: i64,
    complete: String,
    partly: String,
    not_returned: String,
    met_or_exceeded: String,
    partially_met: String,
    not_met: String,
    current: bool,
}

/// A chart and its text alternative.
struct Chart {
    svg: String,
    text: String,
}

fn chart(title: &str, about: &str, bars: &[(String, f64)], id: &str) -> Chart {
    Chart {
        svg: masa_charts::bar_chart_svg(title, bars, id),
        text: format!(
            "{title}: {about} {}",
            masa_charts::bar_chart_text_alternative(bars)
        ),
    }
}

#[derive(Template)]
#[template(path = "assurance/templates/analysis.html")]
struct AnalysisPage {
    chrome: Chrome,
    round: Round,
    /// (code, label) of every filter, the first "every organisation".
    settings: Vec<(String, String)>,
    chosen: String,
    filter_label: String,
    unknown_filter: Option<String>,
    export_href: String,
    /// (label, share as printed)
    returned: Vec<(&'static str, String)>,
    below_target: bool,
    has_returns: bool,
    overall: Vec<(&'static str, String)>,
    answered: i64,
    not_applicable: i64,
    grade_chart: Chart,
    grade_labels: Vec<&'static str>,
    standards: Vec<StandardRow>,
    exceeds_sentence: Option<String>,
    exceeds_chart: Chart,
    every_action_done: String,
    actions_done: String,
    comparison: Vec<ComparisonRow>,
    comparison_chart: Chart,
}

fn page(
    chrome: Chrome,
    round: Round,
    filter: &Filter,
    rounds: &[Arc<RoundFigures>],
) -> AppResult<AnalysisPage> {
    let figures = rounds
        .last()
        .ok_or_else(|| AppError::Internal("a round's analysis has no figures".into()))?;
    let chosen = filter.setting().map_or("", Setting::code).to_owned();
    let export_href = if chosen.is_empty() {
        format!("/assurance/rounds/{}/analysis.xlsx", round.id)
    } else {
        format!(
            "/assurance/rounds/{}/analysis.xlsx?setting={chosen}",
            round.id
        )
    };
    let overall = &figures.overall;
    let grade_bars: Vec<(String, f64)> = JUDGED
        .iter()
        .map(|grade| (grade.label().to_owned(), bar(share_of(overall, *grade))))
        .collect();
    let exceeds_bars: Vec<(String, f64)> = figures
        .standards
        .iter()
        .map(|standard| {
            (
                format!("{}. {}", standard.number, standard.title),
                bar(standard.shares.exceeds),
            )
        })
        .collect();
    let comparison_bars: Vec<(String, f64)> = rounds
        .iter()
        .map(|round| (round.title.clone(), bar(round.returned.complete)))
        .collect();
    let filter_label = filter.label();
    Ok(AnalysisPage {
        settings: std::iter::once((String::new(), "Every organisation".to_owned()))
            .chain(
                Setting::ALL
                    .into_iter()
                    .map(|setting| (setting.code().to_owned(), setting.label().to_owned())),
            )
            .collect(),
        unknown_filter: match filter {
            Filter::Unknown(value) => Some(value.clone()),
            Filter::All | Filter::Setting(_) => None,
        },
        returned: vec![
            (
                "Complete",
                with_counts(figures.returned.complete, RETURNS_PLACES),
            ),
            (
                "Partly complete",
                with_counts(figures.returned.partly, RETURNS_PLACES),
            ),
            (
                "Not returned",
                with_counts(figures.returned.not_returned, RETURNS_PLACES),
            ),
        ],
        below_target: figures.returned.below_target(round.target_percent),
        has_returns: figures.returned.complete.of > 0,
        overall: vec![
            (
                "Met or exceeded",
                with_counts(overall.met_or_exceeded, GRADES_PLACES),
            ),
            (
                "Partially met",
                with_counts(overall.partially_met, GRADES_PLACES),
            ),
            ("Not met", with_counts(overall.not_met, GRADES_PLACES)),
        ],
        answered: overall.answered,
        not_applicable: overall.not_applicable,
        grade_chart: chart(
            &format!("Answers by grade, {}", round.title),
            &format!(
                "the share of the {} answers judged ({filter_label}) given each grade, in percent.",
                overall.answered
            ),
            &grade_bars,
            "grades",
        ),
        grade_labels: JUDGED.iter().map(|grade| grade.label()).collect(),
        standards: figures
            .standards
            .iter()
            .map(|standard| StandardRow {
                number: standard.number,
                title: standard.title.clone(),
                shares: JUDGED
                    .iter()
                    .map(|grade| percent(share_of(&standard.shares, *grade), GRADES_PLACES))
                    .collect(),
                answered: standard.shares.answered,
                not_applicable: standard.shares.not_applicable,
            })
            .collect(),
        exceeds_sentence: analysis::highest_exceeds_sentence(&figures.standards),
        exceeds_chart: chart(
            &format!("Answers graded Exceeds, by standard, {}", round.title),
            &format!(
                "each standard's share of its answers judged ({filter_label}) graded Exceeds, in percent."
            ),
            &exceeds_bars,
            "exceeds",
        ),
        every_action_done: with_counts(figures.previous.every_action_done, ACTIONS_PLACES),
        actions_done: with_counts(figures.previous.actions_done, ACTIONS_PLACES),
        comparison: rounds
            .iter()
            .map(|other| ComparisonRow {
                title: other.title.clone(),
                returns: other.returned.complete.of,
                complete: percent(other.returned.complete, RETURNS_PLACES),
                partly: percent(other.returned.partly, RETURNS_PLACES),
                not_returned: percent(other.returned.not_returned, RETURNS_PLACES),
                met_or_exceeded: percent(other.overall.met_or_exceeded, GRADES_PLACES),
                partially_met: percent(other.overall.partially_met, GRADES_PLACES),
                not_met: percent(other.overall.not_met, GRADES_PLACES),
                current: other.round_id == round.id,
            })
            .collect(),
        comparison_chart: chart(
            &format!("Returns complete, {} rounds", round.framework_title),
            &format!(
                "the share of each round's returns ({filter_label}) submitted complete, in percent."
            ),
            &comparison_bars,
            "rounds",
        ),
        filter_label,
        chosen,
        export_href,
        chrome,
        round,
    })
}

/// A round's analysis. Anyone who may view assurance reads it: the figures are totals, so
/// someone who acts for one organisation sees no other organisation's return.
pub async fn analysis_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(round): Loaded<Round>,
    Query(query): Query<AnalysisQuery>,
) -> AppResult<impl IntoResponse> {
    let filter = Filter::of(&query);
    let rounds = with_earlier_rounds(&state, ctx.scope(&state)?, &round, filter.setting()).await?;
    render(&page(ctx.chrome(&state).await?, round, &filter, &rounds)?)
}

/// The analysis as a workbook: a summary sheet (the round and its framework's earlier rounds)
/// and the grades sheet in framework order, filter respected.
pub async fn analysis_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(round): Loaded<Round>,
    Query(query): Query<AnalysisQuery>,
) -> AppResult<Response> {
    let filter = Filter::of(&query);
    if let Filter::Unknown(value) = &filter {
        return Err(AppError::BadRequest(format!(
            "There is no kind of organisation called \"{value}\"."
        )));
    }
    let rounds = with_earlier_rounds(&state, ctx.scope(&state)?, &round, filter.setting()).await?;
    let bytes = crate::assurance::sheet::analysis_xlsx(&rounds, &filter.label())
        .map_err(|error| AppError::Internal(format!("could not write the workbook: {error}")))?;
    let suffix = filter
        .setting()
        .map_or(String::new(), |setting| format!("-{}", setting.code()));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"masa-analysis-round-{}{suffix}.xlsx\"",
                    round.id
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}
