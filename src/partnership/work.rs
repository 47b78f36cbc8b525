//! What the partnership module asks of people on their home page: chair and vice-chair terms
//! that have ended or end within 90 days. The business unit sees every group's; a chair or
//! vice-chair sees their own term, and no one else sees them.

use time::Date;

use super::model::{Position, RotationStatus, rotation_status};
use super::store;
use crate::kernel::auth::CurrentUser;
use crate::kernel::filters::count_of;
use crate::kernel::work::{Measure, Urgency, WorkFuture, WorkItem, overdue_and_due_soon};
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
            return Ok(overdue_and_due_soon(
                overdue,
                due,
                "/partnership/rotations",
                |urgency, count| match urgency {
                    Urgency::Overdue => format!(
                        "{} ended without a successor",
                        count_of(count as i64, "chair term", "chair terms")
                    ),
                    _ => format!(
                        "{} within 90 days",
                        count_of(count as i64, "chair term ends", "chair terms end")
                    ),
                },
            ));
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
                let urgency = match status {
                    RotationStatus::Overdue => Urgency::Overdue,
                    _ => Urgency::DueSoon,
                };
                // The date is the item's own ("due 31 January 2027"), not repeated in its title.
                WorkItem::new(
                    urgency,
                    format!("Hand over as {role} of {}", membership.group_name),
                    Measure::Due(ends),
                    format!("/partnership/groups/{}", membership.group_id),
                )
            })
            .collect())
    })
}
