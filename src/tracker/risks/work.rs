//! What the risk register asks of people on their home page: for those who keep it, live
//! risks whose review date has passed or comes within 30 days.

use time::Date;

use super::model::ReviewState;
use super::store;
use crate::kernel::auth::CurrentUser;
use crate::kernel::filters::count_of;
use crate::kernel::work::{Urgency, WorkFuture, overdue_and_due_soon};
use crate::kernel::{AppState, Permission, Scope};

pub fn waiting<'a>(state: &'a AppState, user: &'a CurrentUser, today: Date) -> WorkFuture<'a> {
    Box::pin(async move {
        if !user.can(Permission::ManageRiskRegister) {
            return Ok(Vec::new());
        }
        let risks = store::list_risks(Scope::new(&state.db, user.partnership())).await?;
        let count = |wanted: fn(&ReviewState) -> bool| {
            risks
                .iter()
                .filter(|risk| wanted(&risk.review(today)))
                .count()
        };
        Ok(overdue_and_due_soon(
            count(|review| matches!(review, ReviewState::Overdue { .. })),
            count(|review| matches!(review, ReviewState::DueSoon { .. })),
            "/tracker/risks",
            |urgency, count| {
                let reviews = count_of(count as i64, "risk review", "risk reviews");
                match urgency {
                    Urgency::Overdue => format!("{reviews} overdue"),
                    _ => format!("{reviews} due within 30 days"),
                }
            },
        ))
    })
}
