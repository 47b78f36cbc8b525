//! What the improvement tracker asks of people on their home page: actions past their due date
//! and completed actions whose revisit has come. The business unit and those who set actions see
//! the partnership's; a partner sees its own organisation's; anyone sees the actions they own;
//! and a group's chair sees the actions their group oversees (the business unit, who already
//! sees every action, is not told twice).

use time::Date;

use super::model::{Standing, TrackerAction};
use super::store;
use crate::kernel::auth::CurrentUser;
use crate::kernel::filters::count_of;
use crate::kernel::ids::GroupId;
use crate::kernel::work::{Measure, Urgency, WorkFuture, WorkItem, overdue_and_due_soon};
use crate::kernel::{AppState, Permission, Scope};

pub fn waiting<'a>(state: &'a AppState, user: &'a CurrentUser, today: Date) -> WorkFuture<'a> {
    Box::pin(async move {
        if !user.can(Permission::ViewTracker) {
            return Ok(Vec::new());
        }
        if user.can(Permission::ManageTracker) && user.organisation().is_none() {
            let (overdue, revisits) =
                super::attention_counts(state, user.partnership(), today).await?;
            return Ok(items(overdue, revisits, "", "/tracker"));
        }
        let scope = Scope::new(&state.db, user.partnership());
        // Filled with their owners' names and e-mail addresses, which "you own" is judged by.
        let names = super::Names::cached(state, user.partnership()).await?;
        let actions: Vec<TrackerAction> = store::list_actions(scope)
            .await?
            .into_iter()
            .map(|action| names.fill(action))
            .collect();
        let chaired = crate::partnership::groups_chaired_by(scope, &user.email).await?;
        let overseen_by_them = |action: &TrackerAction| {
            action
                .overseeing_group_id
                .is_some_and(|group| chaired.iter().any(|(id, _)| *id == group))
        };
        // An action their group oversees is counted there, not twice.
        let theirs = |action: &&TrackerAction| {
            !overseen_by_them(action)
                && (user.organisation() == Some(action.owner_organisation_id)
                    || action
                        .owner_person_email
                        .as_deref()
                        .is_some_and(|email| email.eq_ignore_ascii_case(&user.email)))
        };
        let mine: Vec<&TrackerAction> = actions.iter().filter(theirs).collect();
        let count = |wanted: fn(&Standing) -> bool| {
            mine.iter()
                .filter(|action| wanted(&action.state.standing(today)))
                .count()
        };
        let overdue = count(|standing| matches!(standing, Standing::Overdue { .. }));
        let revisits = count(|standing| matches!(standing, Standing::RevisitDue { .. }));
        let whose = if user.organisation().is_some() {
            " of your organisation"
        } else {
            " you own"
        };
        let href = if user.organisation().is_some() {
            "/tracker?view=organisation"
        } else {
            "/tracker?view=mine"
        };
        let mut waiting = items(overdue, revisits, whose, href);
        for (group, name) in &chaired {
            let overseen: Vec<&TrackerAction> = actions
                .iter()
                .filter(|action| action.overseeing_group_id == Some(*group))
                .collect();
            waiting.extend(group_items(&overseen, *group, name, today));
        }
        Ok(waiting)
    })
}

/// A chair's items for the group they chair: its overdue actions and its revisits due, each
/// linking to the tracker filtered to the group and that standing.
fn group_items(
    overseen: &[&TrackerAction],
    group: GroupId,
    name: &str,
    today: Date,
) -> Vec<WorkItem> {
    let count = |wanted: fn(&Standing) -> bool| {
        overseen
            .iter()
            .filter(|action| wanted(&action.state.standing(today)))
            .count()
    };
    let overdue = count(|standing| matches!(standing, Standing::Overdue { .. }));
    let revisits = count(|standing| matches!(standing, Standing::RevisitDue { .. }));
    let mut items = Vec::new();
    if overdue > 0 {
        items.push(WorkItem::new(
            Urgency::Overdue,
            format!(
                "{} overseen by {name} overdue",
                count_of(overdue as i64, "improvement action", "improvement actions")
            ),
            Measure::Count(overdue),
            format!("/tracker?overseeing_group={group}&status=overdue"),
        ));
    }
    if revisits > 0 {
        items.push(WorkItem::new(
            Urgency::DueSoon,
            format!(
                "{} overseen by {name} due a revisit",
                count_of(revisits as i64, "completed action", "completed actions")
            ),
            Measure::Count(revisits),
            format!("/tracker?overseeing_group={group}&status=revisit_due"),
        ));
    }
    items
}

fn items(overdue: usize, revisits: usize, whose: &str, href: &str) -> Vec<WorkItem> {
    overdue_and_due_soon(overdue, revisits, href, |urgency, count| match urgency {
        Urgency::Overdue => format!(
            "{}{whose} overdue",
            count_of(count as i64, "improvement action", "improvement actions")
        ),
        _ => format!(
            "{}{whose} due a revisit",
            count_of(count as i64, "completed action", "completed actions")
        ),
    })
}
