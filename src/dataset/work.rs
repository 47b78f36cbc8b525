//! What the dataset asks of people on their home page. For the business unit: e-mails (drop
//! reminders, digests) that failed every delivery attempt and wait in the outbox.

use time::Date;

use crate::kernel::auth::CurrentUser;
use crate::kernel::filters::count_of;
use crate::kernel::work::{Measure, Urgency, WorkFuture, WorkItem};
use crate::kernel::{AppState, Permission, Scope, outbox};

pub fn waiting<'a>(state: &'a AppState, user: &'a CurrentUser, _today: Date) -> WorkFuture<'a> {
    Box::pin(async move {
        let mut items = Vec::new();
        if user.can(Permission::ManageDataset) {
            let stuck = outbox::stuck_count(Scope::new(&state.db, user.partnership())).await?;
            if stuck > 0 {
                items.push(
                    WorkItem::new(
                        Urgency::Overdue,
                        format!(
                            "{} could not be sent",
                            count_of(stuck, "e-mail", "e-mails")
                        ),
                        Measure::Count(usize::try_from(stuck).unwrap_or(usize::MAX)),
                        "/dataset/outbox",
                    )
                    .with_detail("Each failed every delivery attempt; check the address and the mail settings."),
                );
            }
        }
        Ok(items)
    })
}
