//! What the audit trail offers a person on their home page: for the independent scrutineer
//! (and anyone else who reads the trail but does not keep the partnership), how many changes
//! others have made since their last visit, linked to the trail from that day.

use time::Date;

use crate::kernel::audit;
use crate::kernel::auth::CurrentUser;
use crate::kernel::filters::count_of;
use crate::kernel::text::display_date;
use crate::kernel::work::{Measure, Urgency, WorkFuture, WorkItem};
use crate::kernel::{AppState, Permission};

pub fn waiting<'a>(state: &'a AppState, user: &'a CurrentUser, _today: Date) -> WorkFuture<'a> {
    Box::pin(async move {
        // The business unit makes the changes; the trail's readers who do not are the ones
        // who need to know what moved while they were away.
        if !user.can(Permission::ViewAuditTrail) || user.can(Permission::ManagePartnership) {
            return Ok(Vec::new());
        }
        let Some((since, signed_in_at)) =
            audit::previous_sign_in(&state.db, user.partnership(), user.id).await?
        else {
            return Ok(Vec::new());
        };
        let changes = audit::changes_since(&state.db, user.partnership(), since, user.id).await?;
        if changes == 0 {
            return Ok(Vec::new());
        }
        let day = signed_in_at.get(..10).unwrap_or_default();
        Ok(vec![
            WorkItem::new(
                Urgency::ForInformation,
                format!(
                    "{} since your last visit",
                    count_of(changes, "change", "changes")
                ),
                Measure::Count(usize::try_from(changes).unwrap_or(usize::MAX)),
                format!("/audit-trail?from={day}"),
            )
            .with_detail(format!(
                "You last signed in {}.",
                display_date(&signed_in_at)
            )),
        ])
    })
}
