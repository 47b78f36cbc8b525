//! What the risk register asks of people on their home page: for those who keep it, live
//! risks whose review date has passed or comes within 30 days.

use time::Date;

use super::model::ReviewState;
use super::store;
use crate::kernel::auth::CurrentUser;
use crate::kernel::filters::count_of;
use crate::kernel::work::{Measure, Urgency, WorkFuture, WorkItem};
use crate::kernel::{AppState, Permission, Scope};

pub fn waiting<'a>(state: &'a AppState, user: &'a CurrentUser, today: Date) -> WorkFuture<'a> {
    Box::pin(async move {
        if !user.can(Permission::ManageRiskRegister) {
            return Ok(Vec::new());
        }
        let risks = store::list_risks(Scope::new(&state.db, user.partnership())).await?;
        let overdue = risks
            .iter()
            .filter(|risk| matches!(risk.review(today), ReviewState::Overdue { .. }))
            .count();
        let soon = risks
            .iter()
            .filter(|risk| matches!(risk.review(today), ReviewState::DueSoon { .. }))
            .count();
        let mut items = Vec::new();
        if overdue > 0 {
            items.push(WorkItem::new(
                Urgency::Overdue,
                format!(
                    "{} overdue",
                    count_of(overdue as i64, "risk review", "risk reviews")
                ),
                Measure::Count(overdue),
                "/tracker/risks",
            ));
        }
        if soon > 0 {
            items.push(WorkItem::new(
                Urgency::DueSoon,
                format!(
                    "{} due within 30 days",
                    count_of(soon as i64, "risk review", "risk reviews")
                ),
                Measure::Count(soon),
                "/tracker/risks",
            ));
        }
        Ok(items)
    })
}
