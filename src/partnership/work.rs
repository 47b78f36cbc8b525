//! What the partnership module asks of people on their home page: chair and vice-chair terms
//! that have ended or end within 90 days. The business unit sees every group's; a chair or
//! vice-chair sees their own term, and no one else sees them.

use time::Date;

use super::model::{Position, RotationStatus, rotation_status};
use super::store;
use crate::kernel::auth::CurrentUser;
use crate::kernel::filters::count_of;
use crate::kernel::text::long_date;
use crate::kernel::work::{Measure, Urgency, WorkFuture, WorkItem};
use crate::kernel::{AppState, Permission, Scope};

pub fn waiting<'a>(state: &'a AppState, user: &'a CurrentUser, today: Date) -> WorkFuture<'a> {
    Box::pin(async move {
        if !user.can(Permission::ViewPartnership) {
            return Ok(Vec::new());
        }
        let scope = Scope::new(&state.db, user.partnership());
        let rotations: Vec<_> = store::chair_rotations(scope)
            .await?
            .into_iter()
            .filter_map(|membership| {
                let ends = membership.term_ends_on?;
                let status = rotation_status(ends, today);
                (status != RotationStatus::Later).then_some((membership, ends, status))
            })
            .collect();
        if user.can(Permission::ManagePartnership) {
            let overdue = rotations
                .iter()
                .filter(|(_, _, status)| *status == RotationStatus::Overdue)
                .count();
            let due = rotations.len() - overdue;
            let mut items = Vec::new();
            if overdue > 0 {
                items.push(WorkItem::new(
                    Urgency::Overdue,
                    format!(
                        "{} ended without a successor",
                        count_of(overdue as i64, "chair term", "chair terms")
                    ),
                    Measure::Count(overdue),
                    "/partnership/rotations",
                ));
            }
            if due > 0 {
                items.push(WorkItem::new(
                    Urgency::DueSoon,
                    format!(
                        "{} within 90 days",
                        count_of(due as i64, "chair term ends", "chair terms end")
                    ),
                    Measure::Count(due),
                    "/partnership/rotations",
                ));
            }
            return Ok(items);
        }
        // A chair's own term, found by the e-mail address their directory entry shares with
        // their account.
        let people = super::people_directory(scope).await?;
        Ok(rotations
            .into_iter()
            .filter(|(membership, _, _)| {
                people
                    .get(&membership.person_id)
                    .is_some_and(|person| person.email.eq_ignore_ascii_case(&user.email))
            })
            .map(|(membership, ends, status)| {
                let role = match membership.position {
                    Position::ViceChair => "vice-chair",
                    _ => "chair",
                };
                let (urgency, when) = match status {
                    RotationStatus::Overdue => (Urgency::Overdue, "ended"),
                    _ => (Urgency::DueSoon, "ends"),
                };
                WorkItem::new(
                    urgency,
                    format!(
                        "Your term as {role} of {} {when} on {}",
                        membership.group_name,
                        long_date(ends)
                    ),
                    Measure::Due(ends),
                    format!("/partnership/groups/{}", membership.group_id),
                )
            })
            .collect())
    })
}
