//! Tracker: the learning improvement tracker — recommendations from any source (a learning
//! review, a national review, an audit, the scrutineer, a meeting, a risk), each turned into
//! actions with an owning organisation and person, a due date, progress notes, evidence and an
//! impact measure that is revisited after completion, so an unclosed loop is impossible to miss.
//!
//! The tracker names no module. A recommendation's source record (a learning review, a risk) is
//! named through the source directory (`kernel::sources`, `AppState::sources`), in which each
//! owning module registers a resolver for its kind from its `sources()` function, merged in
//! `src/lib.rs`. Modules show their recommendations with `actions_from`: they use the tracker,
//! never the reverse.
//!
//! Files: `model.rs` (the rules), `store.rs` (the queries), `demo.rs`, and the pages in
//! `routes/`: `actions.rs` (the tracker list), `recommendations.rs`, `action.rs` (one action),
//! `action_progress.rs` (progress, completion, revisits, evidence), `action_edit.rs`; the risk
//! register in `risks/` and the policy tracker in `policies/`.
//!
//! Store idiom: reads take `impl Store` (`store::find_action(scope, id)`); writes take
//! `&mut Change` and record their own audit entry (`store::set_state(&mut change, update)`).

pub mod demo;
pub mod model;
pub mod policies;
pub mod report;
pub mod risks;
mod routes;
pub mod store;
pub mod work;

use std::collections::HashMap;

use time::Date;

use crate::kernel::audit::{Actor, AuditAction, AuditEntry};
use crate::kernel::db::Db;
use crate::kernel::ids::{
    GroupId, IndicatorId, OrganisationId, PartnershipId, PersonId, PlanItemId,
};
use crate::kernel::sources::{SourceDirectory, SourceRecord};
use crate::kernel::store::ChangeError;
use crate::kernel::{Access, Permission};
use crate::kernel::{Change, Scope};
use model::{SourceKind, Standing, TrackerAction};
pub use routes::routes;

const VIEW: Access = Access::Requires(Permission::ViewTracker);
const MANAGE: Access = Access::Requires(Permission::ManageTracker);
const UPDATE: Access = Access::Requires(Permission::UpdateActions);

/// The names an action is shown with, gathered once from their modules: one partnership's.
pub(crate) struct Names {
    organisations: HashMap<OrganisationId, String>,
    people: HashMap<PersonId, crate::partnership::PersonSummary>,
    priorities: HashMap<PlanItemId, String>,
    indicators: HashMap<IndicatorId, String>,
    /// Every group's name, archived ones too, so an action keeps its overseeing group's name.
    groups: HashMap<GroupId, String>,
    /// The filter choices of the tracker page, in their order: organisations (statutory
    /// partners first, then by kind), and the priorities of the business plan in force.
    organisation_filter: crate::kernel::choices::GroupedChoices,
    current_priorities: Vec<(PlanItemId, String)>,
    /// The partnership's live groups by name: what an action may be overseen by.
    group_choices: Vec<(GroupId, String)>,
}

impl Names {
    pub(crate) async fn load(scope: Scope<'_>) -> Result<Names, sqlx::Error> {
        Ok(Names {
            organisation_filter: crate::partnership::organisation_select(
                scope,
                "All organisations",
            )
            .await?,
            current_priorities: crate::partnership::current_priorities(scope).await?,
            organisations: crate::partnership::organisation_names(scope).await?,
            people: crate::partnership::people_directory(scope).await?,
            priorities: crate::partnership::priority_titles(scope).await?,
            groups: crate::partnership::group_choices(scope, true)
                .await?
                .into_iter()
                .collect(),
            group_choices: crate::partnership::group_choices(scope, false).await?,
            indicators: crate::dataset::indicator_choices(scope)
                .await?
                .into_iter()
                .collect(),
        })
    }

    /// The partnership's names, kept until the data changes: every tracker page needs them,
    /// and they come from four modules' tables.
    pub(crate) async fn cached(
        state: &crate::kernel::AppState,
        partnership: PartnershipId,
    ) -> Result<std::sync::Arc<Names>, sqlx::Error> {
        let scope = Scope::new(&state.db, partnership);
        let revision = crate::kernel::cache::revision(scope).await?;
        state
            .cache
            // The day is in the key because the business plan in force follows the date.
            .get_or_compute(
                format!(
                    "tracker/names/{partnership}/{}",
                    crate::kernel::text::today()
                ),
                revision,
                Names::load(scope),
            )
            .await
    }

    pub(crate) fn fill(&self, mut action: TrackerAction) -> TrackerAction {
        action.owner_organisation_name = self
            .organisations
            .get(&action.owner_organisation_id)
            .cloned()
            .unwrap_or_else(|| "An archived organisation".to_owned());
        if let Some(person) = action.owner_person_id.and_then(|id| self.people.get(&id)) {
            action.owner_person_name = Some(format!("{}, {}", person.name, person.job_title));
            action.owner_person_email = Some(person.email.clone());
        }
        action.overseeing_group_name = action
            .overseeing_group_id
            .and_then(|id| self.groups.get(&id).cloned());
        action.priority_title = action
            .priority_item_id
            .and_then(|id| self.priorities.get(&id).cloned());
        action.impact_indicator_name = action
            .impact_indicator_id
            .and_then(|id| self.indicators.get(&id).cloned());
        action
    }

    pub(crate) fn organisation_filter(&self) -> &crate::kernel::choices::GroupedChoices {
        &self.organisation_filter
    }

    pub(crate) fn group_choices(&self) -> &[(GroupId, String)] {
        &self.group_choices
    }

    pub(crate) fn current_priorities(&self) -> &[(PlanItemId, String)] {
        &self.current_priorities
    }

    pub(crate) fn priority(&self, id: Option<PlanItemId>) -> Option<String> {
        id.and_then(|id| self.priorities.get(&id).cloned())
    }
}

/// For other modules: the recommendations recorded from one of their records, each with its
/// actions, to show on that record's page (template `tracker/templates/_source_actions.html`).
#[derive(Debug, Clone, Default)]
pub struct SourceActions {
    pub kind: &'static str,
    pub source_id: i64,
    pub recommendations: Vec<(model::Recommendation, Vec<TrackerAction>)>,
    pub today: Option<Date>,
}

impl SourceActions {
    pub fn standing(&self, action: &TrackerAction) -> Standing {
        action
            .state
            .standing(self.today.unwrap_or_else(crate::kernel::text::today))
    }
}

pub async fn actions_from(
    state: &crate::kernel::AppState,
    partnership: PartnershipId,
    kind: SourceKind,
    source_id: i64,
) -> Result<SourceActions, sqlx::Error> {
    let scope = Scope::new(&state.db, partnership);
    let names = Names::cached(state, scope.partnership()).await?;
    let mut recommendations = Vec::new();
    for recommendation in store::recommendations_from(scope, kind, source_id).await? {
        let actions = store::actions_of(scope, recommendation.id)
            .await?
            .into_iter()
            .map(|action| names.fill(action))
            .collect();
        recommendations.push((recommendation, actions));
    }
    Ok(SourceActions {
        kind: kind.code(),
        source_id,
        recommendations,
        today: Some(crate::kernel::text::today()),
    })
}

/// The name of a source record in its own module, and where it is shown, from the directory
/// the modules registered in (`AppState::sources`); None when the record does not exist in the
/// partnership (a forged or stale id, or another partnership's) or no module registered the
/// kind (audits, scrutiny reports and meetings are named by whoever records the recommendation
/// until their modules exist).
pub async fn source_of(
    sources: &SourceDirectory,
    db: &Db,
    partnership: PartnershipId,
    kind: SourceKind,
    id: i64,
) -> Result<Option<SourceRecord>, sqlx::Error> {
    // The directory is the kernel's, still on plain ids.
    sources
        .resolve(Scope::new(db, partnership), kind.code(), id)
        .await
}

/// For the home page: the partnership's open actions past their due date, and completed ones
/// whose revisit has come; kept until the data or the day changes.
pub async fn attention_counts(
    state: &crate::kernel::AppState,
    partnership: PartnershipId,
    today: Date,
) -> Result<(usize, usize), sqlx::Error> {
    let scope = Scope::new(&state.db, partnership);
    let revision = crate::kernel::cache::revision(scope).await?;
    let key = format!("tracker/attention/{partnership}/{today}");
    let counts = state
        .cache
        .get_or_compute(key, revision, async {
            let actions = store::list_actions(scope).await?;
            let count = |wanted: fn(&Standing) -> bool| {
                actions
                    .iter()
                    .filter(|a| wanted(&a.state.standing(today)))
                    .count()
            };
            Ok::<_, sqlx::Error>((
                count(|s| matches!(s, Standing::Overdue { .. })),
                count(|s| matches!(s, Standing::RevisitDue { .. })),
            ))
        })
        .await?;
    Ok(*counts)
}

/// What a digest run queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestSent {
    pub emails: usize,
    pub actions: usize,
    /// Actions needing attention that have no named owner to write to.
    pub without_owner: usize,
}

/// Queues one e-mail per owner listing their overdue actions and revisits due, in `change`
/// (so the digest and its audit entry land together). Only `partnership`'s actions and people:
/// each partnership's digest is its own, with its entry in its own trail.
pub async fn queue_digest(
    db: &Db,
    change: &mut Change,
    partnership: PartnershipId,
    today: Date,
) -> Result<DigestSent, sqlx::Error> {
    let names = Names::load(Scope::new(db, partnership)).await?;
    let actions: Vec<TrackerAction> = store::list_actions(Scope::new(db, partnership))
        .await?
        .into_iter()
        .map(|action| names.fill(action))
        .filter(|action| action.state.standing(today).needs_attention())
        .collect();
    let mut by_owner: std::collections::BTreeMap<(String, String), Vec<&TrackerAction>> =
        Default::default();
    let mut without_owner = 0;
    for action in &actions {
        match (&action.owner_person_email, action.owner_person_id) {
            (Some(email), Some(person)) => {
                let name = names
                    .people
                    .get(&person)
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                by_owner
                    .entry((email.clone(), name))
                    .or_default()
                    .push(action);
            }
            _ => without_owner += 1,
        }
    }
    for ((email, name), owned) in &by_owner {
        let subject = format!(
            "{} improvement tracker action{} need{} your attention",
            owned.len(),
            if owned.len() == 1 { "" } else { "s" },
            if owned.len() == 1 { "s" } else { "" }
        );
        crate::kernel::outbox::queue(
            change.transaction(),
            partnership,
            email,
            &subject,
            &model::digest_body(name, owned, today),
        )
        .await?;
    }
    let sent = DigestSent {
        emails: by_owner.len(),
        actions: actions.len() - without_owner,
        without_owner,
    };
    let summary = format!(
        "Queued the improvement tracker digest: {} about {}",
        crate::kernel::filters::count_of(sent.emails as i64, "e-mail", "e-mails"),
        crate::kernel::filters::count_of(sent.actions as i64, "action", "actions")
    );
    let after = serde_json::json!({
        "emails": sent.emails,
        "actions": sent.actions,
        "without_owner": sent.without_owner,
    });
    change
        .record_in(
            partnership,
            AuditEntry::about_none(AuditAction::Create, "tracker_digest", summary).after(&after),
        )
        .await?;
    Ok(sent)
}

/// The weekly digest, for the housekeeping loop: on a Monday (or the first run after it) queues
/// every partnership's owners' digest once for that week, each with its own audit entry in its
/// partnership's trail. The `tracker_digest_runs` row is one claim for the whole installation,
/// written in the same transaction as every partnership's e-mails, so a second instance or a
/// later run never sends any of them again. Returns the totals sent, or None when the week's
/// digest had already gone.
pub async fn queue_weekly_digest(db: &Db, today: Date) -> Result<Option<DigestSent>, ChangeError> {
    let monday = today - time::Duration::days(i64::from(today.weekday().number_days_from_monday()));
    let partnerships = crate::partnership::partnerships(db).await?;
    let Some((first, _)) = partnerships.first() else {
        return Ok(None);
    };
    // One change for the installation, with an entry in each partnership's trail.
    let mut change = Change::begin(db, Actor::system("weekly digest", *first)).await?;
    if !store::claim_digest_week(change.transaction(), monday).await? {
        return Ok(None);
    }
    let mut total = DigestSent {
        emails: 0,
        actions: 0,
        without_owner: 0,
    };
    for (partnership, _) in &partnerships {
        let sent = queue_digest(db, &mut change, *partnership, today).await?;
        total.emails += sent.emails;
        total.actions += sent.actions;
        total.without_owner += sent.without_owner;
    }
    change.commit().await?;
    Ok(Some(total))
}
