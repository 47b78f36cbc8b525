//! What the policy tracker asks of people on their home page: for those who keep it, policies
//! whose review date has passed or is near.

use time::Date;

use super::model::PolicyReview;
use super::store;
use crate::kernel::auth::CurrentUser;
use crate::kernel::filters::count_of;
use crate::kernel::work::{Urgency, WorkFuture, overdue_and_due_soon};
use crate::kernel::{AppState, Permission, Scope};

pub fn waiting<'a>(state: &'a AppState, user: &'a CurrentUser, today: Date) -> WorkFuture<'a> {
    Box::pin(async move {
        if !user.can(Permission::ManagePolicies) {
            return Ok(Vec::new());
        }
        let policies = store::list_policies(Scope::new(&state.db, user.partnership())).await?;
        let count = |wanted: fn(&PolicyReview) -> bool| {
            policies
                .iter()
                .filter(|policy| wanted(&policy.review(today)))
                .count()
        };
        Ok(overdue_and_due_soon(
            count(|review| matches!(review, PolicyReview::Overdue { .. })),
            count(|review| matches!(review, PolicyReview::DueSoon { .. })),
            "/tracker/policies",
            |urgency, count| {
                let policies = count_of(count as i64, "policy", "policies");
                match urgency {
                    Urgency::Overdue => format!(
                        "{policies} past {} review date",
                        if count == 1 { "its" } else { "their" }
                    ),
                    _ => format!("{policies} due for review soon"),
                }
            },
        ))
    })
}
