//! Chasers (issue 13: the dashboard "sends chasers through the e-mail outbox on a working-day
//! schedule"): a return not yet submitted is chased 10, 5 and 1 working days before it is due
//! and on each of the first 3 working days it is overdue, by e-mail to its organisation's audit
//! respondents. Working days are the learning module's calendar (England and Wales bank
//! holidays, and those the business unit added). Each is sent once per return and due date, so
//! an extension starts the schedule again from the new date; what was sent is recorded
//! (`assurance_chasers`), so running again never repeats it. The business unit may also send a
//! reminder at any time ("manual"), which goes in the audit trail.
//!
//! `chaser_due` is the pure rule; `queue_chasers` the job the housekeeping loop runs.

use std::collections::HashMap;

use masa_workdays::Calendar;
use time::{Date, Duration};

use super::model::ReturnId;
use super::store::{self, AuditReturn, ChaserSent};
use crate::kernel::audit::AuditEntry;
use crate::kernel::db::Db;
use crate::kernel::ids::OrganisationId;
use crate::kernel::text::{iso_date, long_date};
use crate::kernel::{Change, Role, Scope, Store};

/// A point of the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chaser {
    TenDaysBefore,
    FiveDaysBefore,
    OneDayBefore,
    FirstDayOverdue,
    SecondDayOverdue,
    ThirdDayOverdue,
}

impl Chaser {
    /// In schedule order.
    pub const ALL: [Chaser; 6] = [
        Chaser::TenDaysBefore,
        Chaser::FiveDaysBefore,
        Chaser::OneDayBefore,
        Chaser::FirstDayOverdue,
        Chaser::SecondDayOverdue,
        Chaser::ThirdDayOverdue,
    ];

    /// Working days from the day it is sent to the due date: negative once overdue.
    pub fn working_days_left(self) -> i64 {
        match self {
            Chaser::TenDaysBefore => 10,
            Chaser::FiveDaysBefore => 5,
            Chaser::OneDayBefore => 1,
            Chaser::FirstDayOverdue => -1,
            Chaser::SecondDayOverdue => -2,
            Chaser::ThirdDayOverdue => -3,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Chaser::TenDaysBefore => "10_days_before",
            Chaser::FiveDaysBefore => "5_days_before",
            Chaser::OneDayBefore => "1_day_before",
            Chaser::FirstDayOverdue => "1_day_overdue",
            Chaser::SecondDayOverdue => "2_days_overdue",
            Chaser::ThirdDayOverdue => "3_days_overdue",
        }
    }

    pub fn from_code(code: &str) -> Option<Chaser> {
        Chaser::ALL.into_iter().find(|chaser| chaser.code() == code)
    }

    pub fn is_overdue(self) -> bool {
        self.working_days_left() < 0
    }
}

/// What a recorded chaser's kind code says, for the dashboard.
pub fn kind_label(code: &str) -> &'static str {
    match Chaser::from_code(code) {
        Some(Chaser::TenDaysBefore) => "10 working days before due",
        Some(Chaser::FiveDaysBefore) => "5 working days before due",
        Some(Chaser::OneDayBefore) => "1 working day before due",
        Some(Chaser::FirstDayOverdue) => "1st working day overdue",
        Some(Chaser::SecondDayOverdue) => "2nd working day overdue",
        Some(Chaser::ThirdDayOverdue) => "3rd working day overdue",
        None => "Sent by the business unit",
    }
}

/// The code a reminder sent by hand is recorded with.
pub const MANUAL: &str = "manual";

/// The chaser to send today about a return due on `due_on`, if any.
///
/// Chasers go on working days only. Today's is the latest point of the schedule reached (so a
/// return opened 3 working days before it is due gets the 1-day one, not the 10- and 5-day ones
/// it missed), unless that one was already sent; nothing once the third working day overdue has
/// passed. The caller passes only what was sent for this due date.
pub fn chaser_due(
    today: Date,
    due_on: Date,
    calendar: &Calendar,
    already_sent: &[Chaser],
) -> Option<Chaser> {
    if !calendar.is_working_day(today) {
        return None;
    }
    let left = calendar.working_days_between(today, due_on);
    let last = Chaser::ALL[Chaser::ALL.len() - 1];
    if left < last.working_days_left() {
        return None;
    }
    let reached = Chaser::ALL
        .into_iter()
        .rev()
        .find(|chaser| left <= chaser.working_days_left())?;
    (!already_sent.contains(&reached)).then_some(reached)
}

/// The subject and body of a chaser about a return.
fn message(
    organisation: &str,
    round: &str,
    due_on: Date,
    today: Date,
    return_id: ReturnId,
) -> (String, String) {
    let (subject, opening) = if today > due_on {
        (
            format!("Overdue: {organisation}'s return to {round}"),
            format!(
                "{organisation}'s return to {round} was due on {} and has not been submitted.",
                long_date(due_on)
            ),
        )
    } else {
        (
            format!(
                "Reminder: {organisation}'s return to {round} is due on {}",
                long_date(due_on)
            ),
            format!(
                "{organisation}'s return to {round} is due on {} and has not been submitted yet.",
                long_date(due_on)
            ),
        )
    };
    let body = format!(
        "{opening}\n\nAnswer and submit it on MASA: /assurance/returns/{return_id}\n\n\
         If you need more time, ask the safeguarding partnership's business unit for an extension.\n"
    );
    (subject, body)
}

/// The addresses of each organisation's audit respondents (active accounts only).
async fn respondents(
    scope: impl Store,
) -> Result<HashMap<OrganisationId, Vec<String>>, sqlx::Error> {
    let mut by_organisation: HashMap<OrganisationId, Vec<String>> = HashMap::new();
    for user in crate::kernel::auth::list_users(scope).await? {
        if user.archived_at.is_some() || !user.roles.contains(&Role::AuditRespondent) {
            continue;
        }
        if let Some(organisation) = user.organisation_id {
            by_organisation
                .entry(organisation)
                .or_default()
                .push(user.email);
        }
    }
    Ok(by_organisation)
}

/// Queues today's chasers for every partnership; how many returns were chased.
pub async fn queue_chasers(db: &Db, today: Date) -> Result<usize, sqlx::Error> {
    let calendar = crate::learning::calendar(db).await?;
    let mut sent = 0;
    for (partnership, _) in crate::partnership::partnerships(db).await? {
        sent += queue_partnership_chasers(Scope::new(db, partnership), &calendar, today).await?;
    }
    Ok(sent)
}

/// One partnership's chasers, to its own organisations' respondents.
async fn queue_partnership_chasers(
    scope: Scope<'_>,
    calendar: &Calendar,
    today: Date,
) -> Result<usize, sqlx::Error> {
    if !calendar.is_working_day(today) {
        return Ok(0);
    }
    // Ten working days are at most three weeks ahead even over Christmas; three overdue at most
    // a fortnight back.
    let returns = store::chaseable_returns(
        scope,
        today,
        today - Duration::days(14),
        today + Duration::days(31),
    )
    .await?;
    if returns.is_empty() {
        return Ok(0);
    }
    let mut already: HashMap<ReturnId, Vec<Chaser>> = HashMap::new();
    for (return_id, code) in store::scheduled_chasers_sent(scope).await? {
        if let Some(chaser) = Chaser::from_code(&code) {
            already.entry(return_id).or_default().push(chaser);
        }
    }
    let respondents = respondents(scope).await?;
    let mut sent = 0;
    for audit_return in returns {
        let sent_before = already.get(&audit_return.id).map_or(&[][..], Vec::as_slice);
        let Some(chaser) = chaser_due(today, audit_return.due_on, calendar, sent_before) else {
            continue;
        };
        // No one to send it to: not recorded, so it goes once a respondent is added.
        let Some(addresses) = respondents
            .get(&audit_return.organisation_id)
            .filter(|addresses| !addresses.is_empty())
        else {
            continue;
        };
        // A delivery, not a change to a record: its own transaction, no audit entry.
        let mut tx = scope.db().begin_write().await?;
        let recorded = store::record_chaser(
            &mut tx,
            scope.partnership(),
            &ChaserSent {
                return_id: audit_return.id,
                kind: chaser.code(),
                due_on: audit_return.due_on,
                sent_on: today,
                recipients: addresses.len() as i64,
                sent_by: None,
            },
        )
        .await?;
        if recorded.is_none() {
            tx.rollback().await?;
            continue;
        }
        let (subject, body) = message(
            &audit_return.organisation_name,
            &audit_return.round_title,
            audit_return.due_on,
            today,
            audit_return.id,
        );
        for address in addresses {
            crate::kernel::outbox::queue(&mut tx, scope.partnership(), address, &subject, &body)
                .await?;
        }
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}

/// Sends a reminder about a return now, at the business unit's request, recorded in the audit
/// trail; how many respondents it went to (none: nothing was sent or recorded).
pub async fn send_now(
    change: &mut Change,
    audit_return: &AuditReturn,
    round_title: &str,
    today: Date,
    by: &str,
) -> Result<usize, sqlx::Error> {
    let addresses = respondents(&mut *change)
        .await?
        .remove(&audit_return.organisation_id)
        .unwrap_or_default();
    if addresses.is_empty() {
        return Ok(0);
    }
    let partnership = change.partnership();
    let id = store::record_chaser(
        change.transaction(),
        partnership,
        &ChaserSent {
            return_id: audit_return.id,
            kind: MANUAL,
            due_on: audit_return.due_on,
            sent_on: today,
            recipients: addresses.len() as i64,
            sent_by: Some(by),
        },
    )
    .await?
    .ok_or_else(|| sqlx::Error::Protocol("a manual chaser was not recorded".into()))?;
    let (subject, body) = message(
        &audit_return.organisation_name,
        round_title,
        audit_return.due_on,
        today,
        audit_return.id,
    );
    for address in &addresses {
        crate::kernel::outbox::queue(change.transaction(), partnership, address, &subject, &body)
            .await?;
    }
    change
        .record(AuditEntry::created(
            "assurance_chaser",
            id,
            format!(
                "Sent a reminder about {}'s return to {} (due {}) to {} audit respondent{}",
                audit_return.organisation_name,
                round_title,
                iso_date(audit_return.due_on),
                addresses.len(),
                if addresses.len() == 1 { "" } else { "s" }
            ),
            &serde_json::json!({
                "return_id": audit_return.id,
                "due_on": iso_date(audit_return.due_on),
                "recipients": addresses.len(),
            }),
        ))
        .await?;
    Ok(addresses.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn calendar() -> Calendar {
        Calendar::england_and_wales()
    }

    /// What the schedule sends each day from `from` to `to`, remembering what it sent.
    fn run(from: Date, to: Date, due_on: Date) -> Vec<(Date, Chaser)> {
        let calendar = calendar();
        let mut sent: Vec<Chaser> = Vec::new();
        let mut log = Vec::new();
        let mut day = from;
        while day <= to {
            if let Some(chaser) = chaser_due(day, due_on, &calendar, &sent) {
                sent.push(chaser);
                log.push((day, chaser));
            }
            day += Duration::days(1);
        }
        log
    }

    #[test]
    fn a_return_is_chased_10_5_and_1_working_days_before_and_3_days_overdue() {
        // Due Friday 27 November 2026: no bank holidays near.
        let log = run(
            date!(2026 - 11 - 01),
            date!(2026 - 12 - 31),
            date!(2026 - 11 - 27),
        );
        assert_eq!(
            log,
            vec![
                (date!(2026 - 11 - 13), Chaser::TenDaysBefore),
                (date!(2026 - 11 - 20), Chaser::FiveDaysBefore),
                (date!(2026 - 11 - 26), Chaser::OneDayBefore),
                (date!(2026 - 11 - 30), Chaser::FirstDayOverdue),
                (date!(2026 - 12 - 01), Chaser::SecondDayOverdue),
                (date!(2026 - 12 - 02), Chaser::ThirdDayOverdue),
            ]
        );
    }

    #[test]
    fn bank_holidays_and_weekends_are_not_working_days() {
        // Due Tuesday 5 May 2026; Monday 4 May is the early May bank holiday, so the day before
        // is Friday 1 May, and ten working days before is Monday 20 April (Easter is earlier).
        let log = run(
            date!(2026 - 04 - 01),
            date!(2026 - 05 - 31),
            date!(2026 - 05 - 05),
        );
        assert_eq!(log[0], (date!(2026 - 04 - 20), Chaser::TenDaysBefore));
        assert_eq!(log[2], (date!(2026 - 05 - 01), Chaser::OneDayBefore));
        assert!(log.iter().all(|(day, _)| calendar().is_working_day(*day)));
        // Due on a Saturday: Monday is the first working day overdue.
        let log = run(
            date!(2026 - 11 - 27),
            date!(2026 - 12 - 10),
            date!(2026 - 11 - 28),
        );
        assert!(log.contains(&(date!(2026 - 11 - 30), Chaser::FirstDayOverdue)));
    }

    #[test]
    fn each_is_sent_once_and_missed_ones_are_not_sent_late() {
        let calendar = calendar();
        let due = date!(2026 - 11 - 27);
        // Opened 3 working days before it is due: the 5-day point has passed, so the 5-day one is
        // sent, once; the 10-day one never.
        let today = date!(2026 - 11 - 24);
        assert_eq!(
            chaser_due(today, due, &calendar, &[]),
            Some(Chaser::FiveDaysBefore)
        );
        assert_eq!(
            chaser_due(today, due, &calendar, &[Chaser::FiveDaysBefore]),
            None
        );
        // On the due day, after the 1-day one: nothing.
        assert_eq!(
            chaser_due(due, due, &calendar, &[Chaser::OneDayBefore]),
            None
        );
        // A weekend sends nothing.
        assert_eq!(chaser_due(date!(2026 - 11 - 21), due, &calendar, &[]), None);
        // Past the third working day overdue: nothing more.
        assert_eq!(chaser_due(date!(2026 - 12 - 03), due, &calendar, &[]), None);
        // Far ahead: nothing yet.
        assert_eq!(chaser_due(date!(2026 - 10 - 01), due, &calendar, &[]), None);
    }

    #[test]
    fn an_extension_starts_the_schedule_again() {
        let calendar = calendar();
        let sent = Chaser::ALL[..3].to_vec();
        // The old due date's chasers do not count against the new one: the caller passes only
        // those sent for it, so with none sent the new date's 10-day point is chased.
        let new_due = date!(2026 - 12 - 11);
        assert_eq!(
            chaser_due(date!(2026 - 11 - 27), new_due, &calendar, &[]),
            Some(Chaser::TenDaysBefore)
        );
        assert_eq!(
            chaser_due(date!(2026 - 11 - 27), new_due, &calendar, &sent),
            None
        );
    }

    #[test]
    fn codes_round_trip() {
        for chaser in Chaser::ALL {
            assert_eq!(Chaser::from_code(chaser.code()), Some(chaser));
            assert_ne!(kind_label(chaser.code()), kind_label(MANUAL));
        }
        assert!(Chaser::ThirdDayOverdue.is_overdue());
        assert!(!Chaser::OneDayBefore.is_overdue());
        assert_eq!(Chaser::from_code(MANUAL), None);
    }
}
