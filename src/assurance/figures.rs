//! A round's figures as the analysis, the returns dashboard and the home page's work items
//! show them: counted by the database (`store::grade_counts`, `store::return_tallies`), never by
//! loading a national round's answers, and kept (`kernel::cache`) per round and filter until
//! the partnership's data changes, so every page showing them agrees and stays fast.

use std::sync::Arc;

use super::analysis::{self, PreviousActions, ReturnTally, Returned, RoundFigures};
use super::grades::Grade;
use super::model::Setting;
use super::progress::ReturnStage;
use super::store::{self, FrameworkVersion, ReturnStatus, Round};
use crate::kernel::{AppError, AppResult, AppState, Scope};

/// The version a round was opened with (published, so never changed).
async fn version_of(scope: Scope<'_>, round: &Round) -> AppResult<FrameworkVersion> {
    store::framework_version(scope, round.version_id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("round {} has no framework version", round.id)))
}

/// A round's returns counted by what decides their completion (`store::return_tallies`).
async fn tallies(
    scope: Scope<'_>,
    round: &Round,
    setting: Option<Setting>,
) -> AppResult<Vec<ReturnTally>> {
    Ok(store::return_tallies(scope, round.id, setting)
        .await?
        .into_iter()
        .filter_map(|(status, setting, answered, returns)| {
            Some(ReturnTally {
                status: ReturnStatus::from_code(&status)?,
                setting: setting.as_deref().and_then(Setting::from_code),
                answered,
                returns,
            })
        })
        .collect())
}

/// A round's figures, counted by the database; none of its returns' answers are loaded.
async fn compute(
    scope: Scope<'_>,
    round: &Round,
    setting: Option<Setting>,
) -> AppResult<RoundFigures> {
    let version = version_of(scope, round).await?;
    let counts: Vec<_> = store::grade_counts(scope, round.id, setting)
        .await?
        .into_iter()
        .filter_map(|(question, grade, answers)| {
            Some((question, Grade::from_code(&grade)?, answers))
        })
        .collect();
    let tallies = tallies(scope, round, setting).await?;
    let previous = store::previous_action_totals(scope, round.id, setting).await?;
    let standards = analysis::standards(&version, &counts);
    Ok(RoundFigures {
        round_id: round.id,
        title: round.title.clone(),
        opens_on: round.opens_on,
        target_percent: round.target_percent,
        returned: analysis::returned(&version, &tallies),
        overall: analysis::overall(&standards),
        standards,
        previous: PreviousActions::of(previous),
    })
}

/// Where a round's returns stand, for the returns dashboard and the home page: how many are at
/// each stage and how they came in, from the same tallies and rule as the analysis's
/// `returned` (so the two never disagree), without the analysis's grade counts.
pub struct RoundStanding {
    /// The round's version, for the dashboard's rows (the graded questions asked of each).
    pub version: FrameworkVersion,
    pub returned: Returned,
    /// How many returns are at each stage, in stage order.
    pub stages: Vec<(ReturnStage, i64)>,
}

async fn compute_standing(scope: Scope<'_>, round: &Round) -> AppResult<RoundStanding> {
    let version = version_of(scope, round).await?;
    let tallies = tallies(scope, round, None).await?;
    Ok(RoundStanding {
        returned: analysis::returned(&version, &tallies),
        stages: analysis::stages(&version, &tallies),
        version,
    })
}

/// A round's figures for a filter, from the cache while the partnership's data is unchanged.
pub async fn round_figures(
    state: &AppState,
    scope: Scope<'_>,
    round: &Round,
    setting: Option<Setting>,
) -> AppResult<Arc<RoundFigures>> {
    let revision = crate::kernel::cache::revision(scope).await?;
    let key = format!(
        "assurance.analysis.{}.{}.{}",
        scope.partnership(),
        round.id,
        setting.map_or("all", Setting::code)
    );
    state
        .cache
        .get_or_compute(key, revision, compute(scope, round, setting))
        .await
}

/// Where a round's returns stand, from the cache while the partnership's data is unchanged.
pub async fn round_standing(
    state: &AppState,
    scope: Scope<'_>,
    round: &Round,
) -> AppResult<Arc<RoundStanding>> {
    let revision = crate::kernel::cache::revision(scope).await?;
    let key = format!("assurance.standing.{}.{}", scope.partnership(), round.id);
    state
        .cache
        .get_or_compute(key, revision, compute_standing(scope, round))
        .await
}
