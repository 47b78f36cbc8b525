//! What the policy tracker asks of people on their home page: for those who keep it, policies
//! whose review date has passed or is near.

use time::Date;

use super::model::PolicyReview;
use super::store;
use crate::kernel::auth::CurrentUser;
use crate::kernel::filters::count_of;
use crate::kernel::work::{Measure, Urgency, WorkFuture, WorkItem};
use crate::kernel::{AppState, Permission, Scope};

pub fn waiting<'a>(state: &'a AppState, user: &'a CurrentUser, today: Date) -> WorkFuture<'a> {
    Box::pin(async move {
        if !user.can(Permission::ManagePolicies) {
            return Ok(Vec::new());
        }
        let policies = store::list_policies(Scope::new(&state.db, user.partnership())).await?;
        let overdue = policies
            .iter()
            .filter(|policy| matches!(policy.review(today), PolicyReview::Overdue { .. }))
            .count();
        let soon = policies
            .iter()
            .filter(|policy| matches!(policy.review(today), PolicyReview::DueSoon { .. }))
            .count();
        let mut items = Vec::new();
        if overdue > 0 {
            items.push(WorkItem::new(
                Urgency::Overdue,
                format!(
                    "{} past {} review date",
                    count_of(overdue as i64, "policy", "policies"),
                    if overdue == 1 { "its" } else { "their" }
                ),
                Measure::Count(overdue),
                "/tracker/policies",
            ));
        }
        if soon > 0 {
            items.push(WorkItem::new(
                Urgency::DueSoon,
                format!(
                    "{} due for review soon",
                    count_of(soon as i64, "policy", "policies")
                ),
                Measure::Count(soon),
                "/tracker/policies",
            ));
        }
        Ok(items)
    })
}
