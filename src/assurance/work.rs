//! What the assurance module asks of people on their home page.
//! - An audit respondent: each of their organisation's returns not yet submitted in a round
//!   that has opened, due or overdue.
//! - The business unit: each open round past its due date whose return rate is below its
//!   target, with how far off it is.

use time::Date;

use super::progress::{is_submitted, percent_text, round_progress};
use super::store::{self, ReturnStatus};
use crate::kernel::auth::CurrentUser;
use crate::kernel::filters::count_of;
use crate::kernel::ids::OrganisationId;
use crate::kernel::work::{Measure, Urgency, WorkFuture, WorkItem};
use crate::kernel::{AppResult, AppState, Permission, Scope};

pub fn waiting<'a>(state: &'a AppState, user: &'a CurrentUser, today: Date) -> WorkFuture<'a> {
    Box::pin(async move {
        let scope = Scope::new(&state.db, user.partnership());
        if user.can(Permission::ManageAssurance) {
            rounds_below_target(scope, today).await
        } else if let Some(organisation) = user.organisation()
            && user.can(Permission::RespondToAudit)
        {
            returns_to_submit(scope, organisation, today).await
        } else {
            Ok(Vec::new())
        }
    })
}

async fn returns_to_submit(
    scope: Scope<'_>,
    organisation: OrganisationId,
    today: Date,
) -> AppResult<Vec<WorkItem>> {
    let rounds = store::list_rounds(scope).await?;
    let mut items = Vec::new();
    for audit_return in store::returns_of_organisation(scope, organisation).await? {
        if is_submitted(audit_return.status) {
            continue;
        }
        let Some(round) = rounds
            .iter()
            .find(|round| round.id == audit_return.round_id)
        else {
            continue;
        };
        if round.status != "open" || round.opens_on > today {
            continue;
        }
        let urgency = if today > audit_return.due_on {
            Urgency::Overdue
        } else {
            Urgency::DueSoon
        };
        items.push(
            WorkItem::new(
                urgency,
                format!("Your {} return is not yet submitted", round.title),
                Measure::Due(audit_return.due_on),
                format!("/assurance/returns/{}", audit_return.id),
            )
            .with_detail(if audit_return.status == ReturnStatus::NotStarted {
                "Not started: answers carried over from last round are waiting to be reviewed."
            } else {
                "In progress: save each standard, then submit the return."
            }),
        );
    }
    Ok(items)
}

async fn rounds_below_target(scope: Scope<'_>, today: Date) -> AppResult<Vec<WorkItem>> {
    let mut items = Vec::new();
    for round in store::list_rounds(scope).await? {
        if round.status != "open" || today <= round.due_on {
            continue;
        }
        let progress = round_progress(scope, &round, today).await?;
        if progress.returns.is_empty() || !progress.below_target(round.target_percent) {
            continue;
        }
        let complete = progress.rates.complete;
        let waiting = progress
            .returns
            .iter()
            .filter(|r| !is_submitted(r.audit_return.status))
            .count();
        items.push(
            WorkItem::new(
                Urgency::Overdue,
                format!(
                    "{}: {} of returns complete, below the {}% target",
                    round.title,
                    percent_text(complete),
                    round.target_percent
                ),
                Measure::Due(round.due_on),
                format!("/assurance/rounds/{}", round.id),
            )
            .with_detail(format!(
                "{} of {} complete; {} not yet submitted.",
                complete.count,
                complete.of,
                count_of(waiting as i64, "return", "returns")
            )),
        );
    }
    Ok(items)
}
