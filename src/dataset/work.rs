//! What the dataset asks of people on their home page.
//! - The business unit: drops waiting for its decision; each open period past its due date,
//!   with the organisations that have sent nothing; e-mails that failed every delivery attempt.
//! - A partner's data lead: their organisation's drop for each open period: returned (with the
//!   business unit's reason), overdue, due, or waiting for a decision.

use time::Date;

use super::model::{DropStatus, Position, Quarter};
use super::store::{self, DataDrop, DropFilter};
use crate::kernel::auth::CurrentUser;
use crate::kernel::filters::count_of;
use crate::kernel::ids::OrganisationId;
use crate::kernel::text::long_date;
use crate::kernel::work::{Measure, Urgency, WorkFuture, WorkItem};
use crate::kernel::{AppResult, AppState, Permission, Scope, outbox};

pub fn waiting<'a>(state: &'a AppState, user: &'a CurrentUser, today: Date) -> WorkFuture<'a> {
    Box::pin(async move {
        let scope = Scope::new(&state.db, user.partnership());
        if user.can(Permission::ManageDataset) {
            for_the_business_unit(scope, today).await
        } else if let Some(organisation) = user.organisation()
            && user.can(Permission::SubmitDataDrop)
        {
            for_an_organisation(scope, organisation, today).await
        } else {
            Ok(Vec::new())
        }
    })
}

async fn for_the_business_unit(scope: Scope<'_>, today: Date) -> AppResult<Vec<WorkItem>> {
    let mut items = Vec::new();
    let submitted = store::list_drops(
        scope,
        &DropFilter {
            status: Some(DropStatus::Submitted),
            ..DropFilter::default()
        },
    )
    .await?;
    if !submitted.is_empty() {
        items.push(WorkItem::new(
            Urgency::DueSoon,
            format!(
                "{} waiting for your decision",
                count_of(submitted.len() as i64, "data drop", "data drops")
            ),
            Measure::Count(submitted.len()),
            "/dataset/drops?status=submitted",
        ));
    }
    let expected = store::expected_organisations(scope).await?;
    for period in store::list_periods(scope).await? {
        if !period.is_open() || today <= period.due_on {
            continue;
        }
        let drops = store::list_drops(
            scope,
            &DropFilter {
                period: Some(period.period),
                ..DropFilter::default()
            },
        )
        .await?;
        let missing: Vec<&str> = expected
            .iter()
            .filter(|organisation| {
                !drops.iter().any(|drop| {
                    drop.organisation_id == organisation.organisation_id && drop.status.is_sent()
                })
            })
            .map(|organisation| organisation.organisation_name.as_str())
            .collect();
        if missing.is_empty() {
            continue;
        }
        let mut names = missing
            .iter()
            .take(4)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if missing.len() > 4 {
            names.push_str(&format!(" and {} more", missing.len() - 4));
        }
        items.push(
            WorkItem::new(
                Urgency::Overdue,
                format!(
                    "{}: {} not sent figures",
                    period.period,
                    count_of(
                        missing.len() as i64,
                        "organisation has",
                        "organisations have"
                    )
                ),
                Measure::Due(period.due_on),
                format!("/dataset/periods/{}", period.period.key()),
            )
            .with_detail(format!("Not sent: {names}.")),
        );
    }
    let stuck = outbox::stuck_count(scope).await?;
    if stuck > 0 {
        items.push(
            WorkItem::new(
                Urgency::Overdue,
                format!("{} could not be sent", count_of(stuck, "e-mail", "e-mails")),
                Measure::Count(usize::try_from(stuck).unwrap_or(usize::MAX)),
                "/dataset/outbox",
            )
            .with_detail(
                "Each failed every delivery attempt: check the address and the mail settings.",
            ),
        );
    }
    Ok(items)
}

async fn for_an_organisation(
    scope: Scope<'_>,
    organisation: OrganisationId,
    today: Date,
) -> AppResult<Vec<WorkItem>> {
    let mut items = Vec::new();
    for period in store::list_periods(scope).await? {
        if !period.is_open() {
            continue;
        }
        // Newest version first in list order.
        let versions = store::list_drops(
            scope,
            &DropFilter {
                organisation_id: Some(organisation),
                period: Some(period.period),
                ..DropFilter::default()
            },
        )
        .await?;
        let statuses: Vec<DropStatus> = versions.iter().map(|drop| drop.status).collect();
        let latest = versions.into_iter().next();
        let position = Position::of(
            latest.as_ref().map(|drop| drop.status),
            &statuses,
            today > period.due_on,
        );
        // Approved figures stay in force while a revision is prepared: never overdue.
        if position.is_revising() {
            if let Some(drop) = &latest {
                items.push(revision_item(period.period, drop));
            }
            continue;
        }
        let overdue = today > period.due_on;
        let due = Measure::Due(period.due_on);
        let item = match &latest {
            Some(drop) if drop.status == DropStatus::Returned => Some(
                WorkItem::new(
                    if overdue {
                        Urgency::Overdue
                    } else {
                        Urgency::DueSoon
                    },
                    format!("Your {} data drop was returned for changes", period.period),
                    due,
                    format!("/dataset/drops/{}", drop.id),
                )
                .with_detail(if drop.decision_comment.trim().is_empty() {
                    "The business unit gave no reason.".to_owned()
                } else {
                    format!("The business unit said: {}", drop.decision_comment.trim())
                }),
            ),
            Some(drop) if drop.status == DropStatus::Submitted => Some(WorkItem::new(
                Urgency::ForInformation,
                format!(
                    "Your {} data drop is waiting for the business unit's decision",
                    period.period
                ),
                Measure::Nothing,
                format!("/dataset/drops/{}", drop.id),
            )),
            Some(drop) if drop.status.is_sent() => None,
            Some(drop) => Some(WorkItem::new(
                if overdue {
                    Urgency::Overdue
                } else {
                    Urgency::DueSoon
                },
                format!(
                    "Your {} data drop is a draft, not yet submitted",
                    period.period
                ),
                due,
                format!("/dataset/drops/{}", drop.id),
            )),
            None => Some(
                WorkItem::new(
                    if overdue {
                        Urgency::Overdue
                    } else {
                        Urgency::DueSoon
                    },
                    format!("Your {} data drop is not started", period.period),
                    due,
                    "/dataset/drops",
                )
                .with_detail(format!("Figures are due on {}.", long_date(period.due_on))),
            ),
        };
        items.extend(item);
    }
    Ok(items)
}

/// A revision of approved figures: for information only, since the approved figures stand.
fn revision_item(period: Quarter, drop: &DataDrop) -> WorkItem {
    let link = format!("/dataset/drops/{}", drop.id);
    match drop.status {
        DropStatus::Returned => WorkItem::new(
            Urgency::ForInformation,
            format!("Your revision of the approved {period} figures was returned"),
            Measure::Nothing,
            link,
        )
        .with_detail(if drop.decision_comment.trim().is_empty() {
            "The approved figures stand. The business unit gave no reason.".to_owned()
        } else {
            format!(
                "The approved figures stand. The business unit said: {}",
                drop.decision_comment.trim()
            )
        }),
        DropStatus::Submitted => WorkItem::new(
            Urgency::ForInformation,
            format!(
                "Your revision of the approved {period} figures is waiting for the business unit's decision"
            ),
            Measure::Nothing,
            link,
        ),
        _ => WorkItem::new(
            Urgency::ForInformation,
            format!("Your revision of the approved {period} figures is a draft, not yet submitted"),
            Measure::Nothing,
            link,
        )
        .with_detail("The approved figures stay on the scorecard until the revision is approved."),
    }
}
