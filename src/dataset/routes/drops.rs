//! Data drops listed and shown, and who may see or change one.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use serde::Deserialize;
use std::sync::Arc;

use crate::dataset::model::*;
use crate::dataset::store::{self, CollectionPeriod, DataDrop, DropFilter};
use crate::kernel::Scope;
use crate::kernel::auth::CurrentUser;
use crate::kernel::filters;
use crate::kernel::ids::{DropId, OrganisationId, PartnershipId};
use crate::kernel::text::FormErrors;
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Lookup, Permission, Role, cache, render,
};
use crate::partnership;

use super::drop_values::{Retyped, ValueLine, value_lines};
use super::is_manager;

/// May this person see this drop? The rule is [`may_see_drop`]; anything it refuses is "not
/// found", so ids cannot be probed.
fn may_view(user: &CurrentUser, data_drop: &DataDrop) -> bool {
    may_see_drop(
        &user.roles,
        user.organisation_id,
        data_drop.organisation_id,
        data_drop.status,
    )
}

/// May this person prepare drops for this organisation?
pub(super) fn may_prepare(user: &CurrentUser, organisation_id: OrganisationId) -> bool {
    is_manager(user)
        || (user.can(Permission::SubmitDataDrop) && user.organisation_id == Some(organisation_id))
}

/// A route's `{id}` is a drop of the signed-in user's partnership that they may see
/// ([`may_view`]): another partnership's, or one they may not see (another organisation's draft
/// for a data lead), is not found.
impl Lookup for DataDrop {
    type Id = DropId;

    async fn look_up(state: &AppState, ctx: &Ctx, id: DropId) -> AppResult<Option<DataDrop>> {
        let user = ctx.user()?;
        Ok(store::find_drop(ctx.scope(state)?, id)
            .await?
            .filter(|data_drop| may_view(user, data_drop)))
    }
}

/// A save into a draft that was refused, as the page says it. The draft is checked before a
/// save too (`editable_drop`), so these come from a change made at the same moment.
pub(super) fn refused_draft(refusal: store::DraftError) -> AppError {
    use store::DraftError;
    match refusal {
        DraftError::NotFound => AppError::NotFound,
        DraftError::NotDraft { version, status } => {
            AppError::BadRequest(not_editable(version, status))
        }
        DraftError::AwaitingDecision(period) => AppError::BadRequest(format!(
            "A data drop for {period} is waiting for the business unit's decision. It can be changed once it is approved or returned."
        )),
        DraftError::PeriodClosed(period) => AppError::BadRequest(format!(
            "{period} is closed for data drops. Ask the business unit to reopen it."
        )),
        DraftError::NotReady(_) => AppError::BadRequest(
            "Someone else changed this data drop at the same moment, and it is not ready to submit. Reload the page and check it."
                .into(),
        ),
        DraftError::Database(failure) => AppError::Database(failure),
        DraftError::Unrecorded => AppError::Internal(DraftError::Unrecorded.to_string()),
    }
}

/// Why a version that is not a draft cannot be changed, and what to do instead.
fn not_editable(version: i64, status: DropStatus) -> String {
    if status == DropStatus::Approved {
        format!(
            "Version {version} is approved and cannot be changed. To change its figures, choose ‘Revise approved figures’ on its page."
        )
    } else {
        format!(
            "Version {version} is {} and cannot be changed. Start a new version to resubmit.",
            status.label().to_lowercase()
        )
    }
}

/// The drop, if it is a draft the person may change, in a period still open.
pub(super) async fn editable_drop(
    state: &AppState,
    ctx: &Ctx,
    data_drop: DataDrop,
) -> AppResult<(DataDrop, CollectionPeriod)> {
    if !may_prepare(ctx.user()?, data_drop.organisation_id) {
        return Err(AppError::Forbidden);
    }
    if !data_drop.status.is_editable() {
        return Err(AppError::BadRequest(not_editable(
            data_drop.version,
            data_drop.status,
        )));
    }
    let period = store::find_period(ctx.scope(state)?, data_drop.period)
        .await?
        .filter(CollectionPeriod::is_open)
        .ok_or_else(|| {
            AppError::BadRequest(format!(
                "{} is closed for data drops. Ask the business unit to reopen it.",
                data_drop.period
            ))
        })?;
    Ok((data_drop, period))
}

/// Most drops listed at once.
const DROPS_SHOWN: i64 = 50;

#[derive(Template)]
#[template(path = "dataset/templates/drops.html")]
struct DropsPage {
    chrome: Chrome,
    drops: Vec<DataDrop>,
    /// More drops match than are listed.
    truncated: bool,
    /// Open periods with, for the user's organisation, the draft to continue and the approved
    /// drop (if any).
    open_periods: Vec<OpenPeriod>,
    organisation_name: Option<String>,
    organisations: Vec<(String, String)>,
    can_manage: bool,
    can_prepare: bool,
    status: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DropsQuery {
    status: String,
}

/// What the data drop list shows for one scope (all drops, or one organisation's), status
/// filter and viewer's own organisation, computed once per change to the data (see
/// kernel::cache): the page then costs no queries of its own beyond the revision.
struct DropsView {
    /// The newest DROPS_SHOWN + 1 (the extra one tells that there are more).
    drops: Vec<DataDrop>,
    open_periods: Vec<OpenPeriod>,
    organisation_name: Option<String>,
    organisations: Vec<(String, String)>,
}

/// An open period as the data drop list offers it to the viewer's organisation.
#[derive(Clone)]
struct OpenPeriod {
    period: CollectionPeriod,
    /// The organisation's draft to continue.
    draft: Option<DropId>,
    /// The organisation's approved drop: revised from its own page, never restarted here.
    approved: Option<DropId>,
}

async fn drops_view(
    state: &AppState,
    partnership: PartnershipId,
    scope: Option<Option<OrganisationId>>,
    status: Option<DropStatus>,
    own: Option<OrganisationId>,
    manager: bool,
) -> AppResult<Arc<DropsView>> {
    let revision = cache::revision(crate::kernel::Scope::new(&state.db, partnership)).await?;
    // Kept by partnership: "every drop" is every drop of the viewer's partnership.
    let key = format!("dataset/{partnership}/drops/{scope:?}/{status:?}/{own:?}/{manager}");
    state
        .cache
        .get_or_compute(key, revision, async {
            // scope: None lists nothing (a viewer with no organisation), Some(None) every drop.
            let drops = match scope {
                Some(organisation_id) => {
                    let filter = DropFilter {
                        organisation_id,
                        status,
                        // Every organisation's drops but no organisation of one's own: the
                        // scrutineer, who sees no drafts.
                        without_drafts: organisation_id.is_none() && own.is_none() && !manager,
                        ..DropFilter::default()
                    };
                    store::list_drops_limited(
                        Scope::new(&state.db, partnership),
                        &filter,
                        DROPS_SHOWN + 1,
                    )
                    .await?
                }
                None => Vec::new(),
            };
            let mut open_periods = Vec::new();
            for period in store::list_periods(Scope::new(&state.db, partnership))
                .await?
                .into_iter()
                .filter(CollectionPeriod::is_open)
            {
                let (draft, approved) = match own {
                    Some(organisation_id) => (
                        store::open_draft(&state.db, organisation_id, period.period).await?,
                        store::list_drops(
                            Scope::new(&state.db, partnership),
                            &DropFilter {
                                organisation_id: Some(organisation_id),
                                period: Some(period.period),
                                status: Some(DropStatus::Approved),
                                ..DropFilter::default()
                            },
                        )
                        .await?
                        .first()
                        .map(|approved| approved.id),
                    ),
                    None => (None, None),
                };
                open_periods.push(OpenPeriod {
                    period,
                    draft,
                    approved,
                });
            }
            let organisation_name = match own {
                Some(id) => {
                    partnership::organisation_name(Scope::new(&state.db, partnership), id).await?
                }
                None => None,
            };
            let mut organisations = Vec::new();
            if manager {
                organisations.extend(
                    store::expected_organisations(Scope::new(&state.db, partnership))
                        .await?
                        .into_iter()
                        .map(|o| (o.organisation_id.to_string(), o.organisation_name)),
                );
            }
            Ok::<_, AppError>(DropsView {
                drops,
                open_periods,
                organisation_name,
                organisations,
            })
        })
        .await
}

pub async fn drops(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<DropsQuery>,
) -> AppResult<impl IntoResponse> {
    let user = ctx.user()?;
    let manager = is_manager(user);
    let own = if manager { None } else { user.organisation_id };
    let status = DropStatus::from_code(&query.status);
    // The newest drops first; older ones are found by status.
    let scope = if manager || user.has_role(Role::IndependentScrutineer) {
        Some(None)
    } else {
        own.map(Some)
    };
    let view = drops_view(
        &state,
        ctx.user()?.partnership(),
        scope,
        status,
        own,
        manager,
    )
    .await?;
    let truncated = view.drops.len() > DROPS_SHOWN as usize;
    let drops: Vec<DataDrop> = view
        .drops
        .iter()
        .take(DROPS_SHOWN as usize)
        .filter(|d| may_view(user, d))
        .cloned()
        .collect();
    let can_prepare = user.can(Permission::SubmitDataDrop) && (manager || own.is_some());
    render(&DropsPage {
        chrome: ctx.chrome(&state).await?,
        drops,
        truncated,
        open_periods: view.open_periods.clone(),
        organisation_name: view.organisation_name.clone(),
        organisations: view.organisations.clone(),
        can_manage: manager,
        can_prepare,
        status: query.status,
    })
}

#[derive(Template)]
#[template(path = "dataset/templates/drop.html")]
pub(super) struct DropPage {
    chrome: Chrome,
    data_drop: DataDrop,
    lines: Vec<ValueLine>,
    pub(super) errors: FormErrors,
    upload_errors: Vec<RowError>,
    /// The uploaded file's name, as its person's computer named it, for the messages.
    pub(super) upload_file: String,
    storyboard: Storyboard,
    editable: bool,
    can_decide: bool,
    versions: Vec<DataDrop>,
    pub(super) decision_comment: String,
    /// The decision chosen, when the form comes back with an error.
    pub(super) decision: String,
    /// The approved version this one revises (a newer version while figures are approved).
    revises: Option<DataDrop>,
    /// The version this draft started from, when the business unit returned it: its comment
    /// leads the page.
    returned_before: Option<DataDrop>,
    /// An approved drop the person may revise (no revision open, period open).
    can_revise: bool,
    /// The revision already open after this approved version.
    open_revision: Option<DataDrop>,
    /// A returned version, the newest, that the person may start the next version from.
    can_redraft: bool,
    /// The quarter before this drop's, for the comparison column.
    previous_quarter: Quarter,
}

impl DropPage {
    /// The one problem with an upload when it is the file as a whole (none chosen, empty, not
    /// a spreadsheet, the wrong shape) rather than its rows: shown alone, on the file field.
    fn file_problem(&self) -> Option<&str> {
        match self.upload_errors.as_slice() {
            [only] if only.row == 0 => Some(&only.message),
            _ => None,
        }
    }

    /// "figures.xlsx was not uploaded", heading the rows' problems.
    fn not_uploaded(&self) -> String {
        match self.upload_file.rsplit(['/', '\\']).next() {
            Some(name) if !name.trim().is_empty() => format!("{} was not uploaded", name.trim()),
            _ => "The file was not uploaded".to_owned(),
        }
    }
}

pub(super) async fn drop_page(
    state: &AppState,
    ctx: &Ctx,
    data_drop: DataDrop,
    form: Option<Retyped<'_>>,
    upload_errors: Vec<RowError>,
) -> AppResult<DropPage> {
    let user = ctx.user()?;
    let scope = ctx.scope(state)?;
    let period_open = store::find_period(scope, data_drop.period)
        .await?
        .is_some_and(|p| p.is_open());
    let editable = data_drop.status.is_editable()
        && may_prepare(user, data_drop.organisation_id)
        && period_open;
    let (typed, storyboard, errors) = match form {
        Some((typed, storyboard, errors)) => (Some(typed), storyboard, errors),
        None => (None, data_drop.storyboard.clone(), FormErrors::default()),
    };
    let lines = value_lines(scope, &data_drop, typed).await?;
    let mut versions = store::list_drops(
        scope,
        &DropFilter {
            organisation_id: Some(data_drop.organisation_id),
            period: Some(data_drop.period),
            ..DropFilter::default()
        },
    )
    .await?;
    versions.retain(|v| may_view(user, v));
    let revises = versions
        .iter()
        .find(|v| v.status == DropStatus::Approved && v.version < data_drop.version)
        .cloned();
    let returned_before = versions
        .iter()
        .find(|v| v.version + 1 == data_drop.version && v.status == DropStatus::Returned)
        .filter(|_| data_drop.status == DropStatus::Draft)
        .cloned();
    let open_revision = versions
        .iter()
        .find(|v| {
            v.version > data_drop.version
                && matches!(v.status, DropStatus::Draft | DropStatus::Submitted)
        })
        .cloned();
    let can_revise = data_drop.status == DropStatus::Approved
        && may_prepare(user, data_drop.organisation_id)
        && period_open
        && open_revision.is_none();
    // The next version copies the newest, so only the newest returned version offers it.
    let can_redraft = data_drop.status == DropStatus::Returned
        && may_prepare(user, data_drop.organisation_id)
        && period_open
        && versions
            .first()
            .is_some_and(|newest| newest.id == data_drop.id);
    Ok(DropPage {
        chrome: ctx.chrome(state).await?,
        can_decide: is_manager(user) && data_drop.status == DropStatus::Submitted,
        editable,
        lines,
        errors,
        upload_errors,
        upload_file: String::new(),
        storyboard,
        versions,
        previous_quarter: data_drop.period.previous(),
        data_drop,
        decision_comment: String::new(),
        decision: String::new(),
        revises,
        returned_before,
        can_revise,
        open_revision,
        can_redraft,
    })
}

pub async fn drop_view(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(data_drop): Loaded<DataDrop>,
) -> AppResult<impl IntoResponse> {
    render(&drop_page(&state, &ctx, data_drop, None, Vec::new()).await?)
}
