//! What the improvement tracker asks of people on their home page: actions past their due date
//! and completed actions whose revisit has come. The business unit and those who set actions see
//! the partnership's; a partner sees its own organisation's; anyone sees the actions they own.

use time::Date;

use super::model::{Standing, TrackerAction};
use super::store;
use crate::kernel::auth::CurrentUser;
use crate::kernel::filters::count_of;
use crate::kernel::work::{Urgency, WorkFuture, WorkItem, overdue_and_due_soon};
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
        let actions = store::list_actions(Scope::new(&state.db, user.partnership())).await?;
        let theirs = |action: &&TrackerAction| {
            user.organisation() == Some(action.owner_organisation_id)
                || action
                    .owner_person_email
                    .as_deref()
                    .is_some_and(|email| email.eq_ignore_ascii_case(&user.email))
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
        Ok(items(overdue, revisits, whose, href))
    })
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
