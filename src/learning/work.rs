//! What the learning module asks of people on their home page: the statutory clocks of serious
//! incident notifications that are breached or due within two working days, for those who
//! record the incidents' dates.

use time::Date;

use super::model::{WarningKind, clocks, warning_for};
use super::store;
use crate::kernel::auth::CurrentUser;
use crate::kernel::work::{Measure, Urgency, WorkFuture, WorkItem};
use crate::kernel::{AppState, Permission, Scope};

pub fn waiting<'a>(state: &'a AppState, user: &'a CurrentUser, today: Date) -> WorkFuture<'a> {
    Box::pin(async move {
        if !user.can(Permission::ManageLearning) {
            return Ok(Vec::new());
        }
        let calendar = super::calendar(&state.db).await?;
        let incidents = store::list_incidents(Scope::new(&state.db, user.partnership())).await?;
        let mut items = Vec::new();
        for incident in &incidents {
            for clock in clocks(incident, &calendar, today) {
                let Some((warning, due)) = warning_for(&clock) else {
                    continue;
                };
                let urgency = match warning {
                    WarningKind::Breached => Urgency::Overdue,
                    WarningKind::DueSoon => Urgency::DueSoon,
                };
                items.push(WorkItem::new(
                    urgency,
                    format!("{}: {}", incident.reference, clock.name),
                    Measure::Due(due),
                    format!("/learning/notifications/{}", incident.id),
                ));
            }
        }
        Ok(items)
    })
}
