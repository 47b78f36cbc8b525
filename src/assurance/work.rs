//! What the assurance module asks of people on their home page.
//! - An audit respondent: each of their organisation's returns not yet submitted in a round
//!   that has opened, due or overdue.
//! - The business unit: each open round past its due date whose return rate is below its
//!   target, with how far off it is; and each moderated return whose feedback letter is not yet
//!   sent.
//! - A panel member (a group chair or member): each return in a deep-dive sample, not yet
//!   moderated, on which they have recorded nothing, other than their own organisation's.
//! - An audit respondent: each feedback letter sent to their organisation in the last 90 days.
//! - An agency's auditor (an audit respondent): per open case-file audit its organisation takes
//!   part in, the cases waiting for its answers. The business unit: per audit, the cases every
//!   agency has answered whose round-table outcome is still to record (`case_audits::work`).

use time::Date;

use super::case_audits::work::{self as case_work, OpenCase};
use super::deep_dive_store as deep;
use super::figures::round_standing;
use super::grades::{RETURNS_PLACES, percent};
use super::progress::is_submitted;
use super::store::{self, ReturnStatus};
use crate::kernel::auth::CurrentUser;
use crate::kernel::filters::count_of;
use crate::kernel::ids::OrganisationId;
use crate::kernel::text::parse_iso_date;
use crate::kernel::work::{Measure, Urgency, WorkFuture, WorkItem};
use crate::kernel::{AppResult, AppState, Permission, Scope};

pub fn waiting<'a>(state: &'a AppState, user: &'a CurrentUser, today: Date) -> WorkFuture<'a> {
    Box::pin(async move {
        let scope = Scope::new(&state.db, user.partnership());
        let mut items = Vec::new();
        if user.can(Permission::ManageAssurance) {
            items.extend(rounds_below_target(state, scope, today).await?);
            items.extend(letters_to_send(scope).await?);
            items.extend(round_tables_to_record(scope).await?);
        } else if let Some(organisation) = user.organisation()
            && user.can(Permission::RespondToAudit)
        {
            items.extend(returns_to_submit(scope, organisation, today).await?);
            items.extend(letters_received(scope, organisation, today).await?);
            items.extend(cases_to_answer(scope, organisation).await?);
        }
        if user.can(Permission::ModerateAudit) && !user.is_admin() {
            items.extend(returns_to_moderate(scope, user).await?);
        }
        Ok(items)
    })
}

/// Per case-file audit, the open cases waiting for the agency's answers.
async fn cases_to_answer(
    scope: Scope<'_>,
    organisation: OrganisationId,
) -> AppResult<Vec<WorkItem>> {
    let cases = case_work::open_cases(scope).await?;
    Ok(
        case_work::count_by_audit(&cases, |case| case.awaits(organisation))
            .into_iter()
            .map(|audit| {
                WorkItem::new(
                    Urgency::DueSoon,
                    format!(
                        "{} waiting for your agency's answers",
                        count_of(audit.cases as i64, "case", "cases")
                    ),
                    Measure::Count(audit.cases),
                    format!("/assurance/case-audits/{}/cases", audit.audit_id),
                )
                .with_detail(format!(
                    "Multi-agency case-file audit: {}. Grade each question from your own records.",
                    audit.audit_title
                ))
            })
            .collect(),
    )
}

/// Per case-file audit, the cases every agency has answered, waiting for the round-table's
/// outcome to be recorded.
async fn round_tables_to_record(scope: Scope<'_>) -> AppResult<Vec<WorkItem>> {
    let cases = case_work::open_cases(scope).await?;
    Ok(
        case_work::count_by_audit(&cases, OpenCase::ready_for_round_table)
            .into_iter()
            .map(|audit| {
                WorkItem::new(
                    Urgency::DueSoon,
                    format!(
                        "{} answered by every agency, round-table outcome to record",
                        count_of(audit.cases as i64, "case", "cases")
                    ),
                    Measure::Count(audit.cases),
                    format!("/assurance/case-audits/{}/cases", audit.audit_id),
                )
                .with_detail(format!(
                    "Multi-agency case-file audit: {}. Record the grade and learning the agencies agreed.",
                    audit.audit_title
                ))
            })
            .collect(),
    )
}

/// How long a sent feedback letter stays on its respondents' home page.
const LETTER_NEWS_DAYS: i64 = 90;

async fn letters_received(
    scope: Scope<'_>,
    organisation: OrganisationId,
    today: Date,
) -> AppResult<Vec<WorkItem>> {
    let since = today - time::Duration::days(LETTER_NEWS_DAYS);
    Ok(deep::letters_sent_to(scope, organisation)
        .await?
        .into_iter()
        .filter(|letter| {
            letter
                .sent_at
                .as_deref()
                .and_then(|at| parse_iso_date(at.get(..10)?))
                .is_some_and(|sent| sent >= since)
        })
        .map(|letter| {
            WorkItem::new(
                Urgency::ForInformation,
                format!("Your {} feedback letter has arrived", letter.round_title),
                Measure::Nothing,
                format!("/assurance/returns/{}/letter", letter.return_id),
            )
            .with_detail("The partnership's panel moderated your return: read its strengths and areas to develop.")
        })
        .collect())
}

async fn letters_to_send(scope: Scope<'_>) -> AppResult<Vec<WorkItem>> {
    Ok(deep::letters_to_send(scope)
        .await?
        .into_iter()
        .map(|letter| {
            WorkItem::new(
                Urgency::DueSoon,
                format!(
                    "Feedback letter to {} ({}) to send",
                    letter.organisation_name, letter.round_title
                ),
                Measure::Nothing,
                format!("/assurance/returns/{}/letter", letter.return_id),
            )
            .with_detail("The return is moderated: check the drafted letter and send it.")
        })
        .collect())
}

async fn returns_to_moderate(scope: Scope<'_>, user: &CurrentUser) -> AppResult<Vec<WorkItem>> {
    Ok(deep::returns_to_moderate(scope, user.id)
        .await?
        .into_iter()
        .filter(|r| r.recorded_by_them == 0 && user.organisation() != Some(r.organisation_id))
        .map(|r| {
            WorkItem::new(
                Urgency::DueSoon,
                format!(
                    "{}'s {} return to moderate",
                    r.organisation_name, r.round_title
                ),
                Measure::Nothing,
                format!("/assurance/returns/{}/moderation", r.return_id),
            )
            .with_detail("It is in the deep-dive sample: agree with each self-grade or give yours.")
        })
        .collect())
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

async fn rounds_below_target(
    state: &AppState,
    scope: Scope<'_>,
    today: Date,
) -> AppResult<Vec<WorkItem>> {
    let mut items = Vec::new();
    for round in store::list_rounds(scope).await? {
        if round.status != "open" || today <= round.due_on {
            continue;
        }
        // The dashboard's figures: counted by the database, kept until the data changes.
        let returned = round_standing(state, scope, &round).await?.returned;
        let complete = returned.complete;
        if complete.of == 0 || !returned.below_target(round.target_percent) {
            continue;
        }
        let waiting = returned.not_returned.count;
        items.push(
            WorkItem::new(
                Urgency::Overdue,
                format!(
                    "{}: {} of returns complete, below the {}% target",
                    round.title,
                    percent(complete, RETURNS_PLACES),
                    round.target_percent
                ),
                Measure::Due(round.due_on),
                format!("/assurance/rounds/{}", round.id),
            )
            .with_detail(format!(
                "{} of {} complete; {} not yet submitted.",
                complete.count,
                complete.of,
                count_of(waiting, "return", "returns")
            )),
        );
    }
    Ok(items)
}
