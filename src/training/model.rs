//! Training's pure rules: the partnership's policy, the cancellation cut-off, which
//! organisations are charged and how much, and what may happen to a charge. No SQL, no HTTP.

use masa_workdays::Calendar;
use serde::Serialize;
use time::{Date, Duration};

use crate::partnership::model::OrganisationKind;

crate::typed_id!(
    /// A course of the programme.
    CourseId
);
crate::typed_id!(
    /// One running of a course, at a venue or online.
    TrainingSessionId
);
crate::typed_id!(
    /// A venue sessions are held at.
    VenueId
);
crate::typed_id!(
    /// A person's place (or place in the queue) on a session.
    BookingId
);
crate::typed_id!(
    /// A charge for a no-show or late cancellation.
    ChargeId
);

crate::stored_code!(ChargeState, "charge state");
crate::stored_code!(ChargeReason, "charge reason");

/// The partnership's training policy, which the business unit may set; a partnership that has
/// set none has [`TrainingPolicy::default`] (the seed's: free cancellation up to 3 working days
/// before, £50 for a no-show or late cancellation, the voluntary sector never charged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrainingPolicy {
    /// Organisations of these kinds are charged; others attend free.
    pub charged_kinds: Vec<OrganisationKind>,
    /// A new session's cancellation cut-off, in working days before its start.
    pub cut_off_working_days: u32,
    /// A new session's charges.
    pub no_show_charge_pence: i64,
    pub late_cancellation_charge_pence: i64,
    /// How long an offer from the waiting list stands: `offer_hours_far` when the session is
    /// more than 7 days away, `offer_hours_near` from 3 to 7 days, `offer_hours_last` under 3.
    pub offer_hours_far: i64,
    pub offer_hours_near: i64,
    pub offer_hours_last: i64,
    /// No offer is made this close to the start (nobody could plan to come).
    pub no_offers_within_hours: i64,
    /// Present for at least this share of the session's minutes is "attended".
    pub attended_percent: i64,
}

impl Default for TrainingPolicy {
    fn default() -> Self {
        TrainingPolicy {
            charged_kinds: vec![
                OrganisationKind::StatutoryPartner,
                OrganisationKind::RelevantAgency,
                OrganisationKind::School,
            ],
            cut_off_working_days: 3,
            no_show_charge_pence: 5000,
            late_cancellation_charge_pence: 5000,
            offer_hours_far: 48,
            offer_hours_near: 24,
            offer_hours_last: 4,
            no_offers_within_hours: 24,
            attended_percent: 80,
        }
    }
}

impl TrainingPolicy {
    /// Whether an organisation of this kind pays for no-shows and late cancellations.
    pub fn charges(&self, kind: OrganisationKind) -> bool {
        self.charged_kinds.contains(&kind)
    }

    /// The charged kinds as stored: codes joined by commas.
    pub fn charged_kinds_code(&self) -> String {
        self.charged_kinds
            .iter()
            .map(|kind| kind.code())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The charged kinds from their stored codes; an unknown code is `None`.
    pub fn parse_charged_kinds(codes: &str) -> Option<Vec<OrganisationKind>> {
        codes
            .split(',')
            .map(str::trim)
            .filter(|code| !code.is_empty())
            .map(OrganisationKind::from_code)
            .collect()
    }
}

/// A session's charges, as set on it (from the policy when it was made).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCharges {
    pub cut_off_working_days: u32,
    pub no_show_pence: i64,
    pub late_cancellation_pence: i64,
}

/// What cancelling now costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancellation {
    /// Before the cut-off: free, and the place is freed at once.
    Free,
    /// After it: the late-cancellation charge applies (the place is still freed).
    Late,
}

/// The last day a cancellation is free: `cut_off` working days before the session's day (a
/// session on Friday with a cut-off of 3 can be cancelled free up to the end of Tuesday).
pub fn last_free_cancellation_day(calendar: &Calendar, session_day: Date, cut_off: u32) -> Date {
    let mut day = session_day;
    // Walk back until `cut_off` working days lie after `day` up to the session's day; bounded,
    // since every week has five weekdays and a year at most a handful of bank holidays.
    for _ in 0..(cut_off as usize * 3 + 14) {
        if calendar.working_days_between(day, session_day) >= i64::from(cut_off) {
            return day;
        }
        match day.previous_day() {
            Some(previous) => day = previous,
            None => return day,
        }
    }
    day - Duration::days(i64::from(cut_off) * 2 + 7)
}

/// Whether a cancellation made on `today` for a session on `session_day` is free or late.
pub fn cancellation(
    calendar: &Calendar,
    today: Date,
    session_day: Date,
    cut_off: u32,
) -> Cancellation {
    if today <= last_free_cancellation_day(calendar, session_day, cut_off) {
        Cancellation::Free
    } else {
        Cancellation::Late
    }
}

/// Why a charge was raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeReason {
    NoShow,
    LateCancellation,
}

impl ChargeReason {
    pub fn code(self) -> &'static str {
        match self {
            ChargeReason::NoShow => "no_show",
            ChargeReason::LateCancellation => "late_cancellation",
        }
    }

    pub fn from_code(code: &str) -> Option<ChargeReason> {
        [ChargeReason::NoShow, ChargeReason::LateCancellation]
            .into_iter()
            .find(|reason| reason.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            ChargeReason::NoShow => "No-show",
            ChargeReason::LateCancellation => "Late cancellation",
        }
    }
}

/// The charge a no-show or late cancellation raises against the learner's organisation, if
/// any: none for an organisation of a kind the policy does not charge, none for a person with
/// no organisation, none when the session's charge is nothing.
pub fn charge_due(
    reason: ChargeReason,
    charges: SessionCharges,
    organisation_kind: Option<OrganisationKind>,
    policy: &TrainingPolicy,
) -> Option<i64> {
    let kind = organisation_kind?;
    if !policy.charges(kind) {
        return None;
    }
    let amount = match reason {
        ChargeReason::NoShow => charges.no_show_pence,
        ChargeReason::LateCancellation => charges.late_cancellation_pence,
    };
    (amount > 0).then_some(amount)
}

/// Where a charge stands. Raised → invoiced is the usual path; the business unit may waive a
/// raised charge (with a reason); an organisation may appeal a raised charge, and the appeal is
/// then upheld (the charge stands) or the charge waived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeState {
    Raised,
    Waived,
    Appealed,
    Upheld,
    Invoiced,
}

impl ChargeState {
    pub const ALL: [ChargeState; 5] = [
        ChargeState::Raised,
        ChargeState::Waived,
        ChargeState::Appealed,
        ChargeState::Upheld,
        ChargeState::Invoiced,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ChargeState::Raised => "raised",
            ChargeState::Waived => "waived",
            ChargeState::Appealed => "appealed",
            ChargeState::Upheld => "upheld",
            ChargeState::Invoiced => "invoiced",
        }
    }

    pub fn from_code(code: &str) -> Option<ChargeState> {
        ChargeState::ALL
            .into_iter()
            .find(|state| state.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            ChargeState::Raised => "Raised",
            ChargeState::Waived => "Waived",
            ChargeState::Appealed => "Appealed",
            ChargeState::Upheld => "Appeal not upheld: charge stands",
            ChargeState::Invoiced => "Invoiced",
        }
    }

    /// Whether the charge goes on the invoicing export.
    pub fn is_payable(self) -> bool {
        matches!(self, ChargeState::Raised | ChargeState::Upheld)
    }
}

/// What the business unit or the organisation does to a charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeDecision {
    /// Waived by the business unit: the reason is required.
    Waive { reason: String },
    /// Appealed by the organisation: the grounds are required.
    Appeal { reason: String },
    /// An appeal refused: the charge stands.
    Uphold,
    /// Put on an invoice.
    Invoice,
}

/// Why a decision on a charge was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChargeRefusal {
    #[error("Enter the reason for waiving the charge")]
    WaiverNeedsReason,
    #[error("Enter the grounds of the appeal")]
    AppealNeedsReason,
    #[error("This charge is {0}: that cannot be done to it now")]
    NotNow(&'static str),
}

/// Longest reason kept for a waiver or an appeal.
pub const REASON_MAX: usize = 2000;

/// The state a decision moves a charge to, or why it cannot.
pub fn decide_charge(
    state: ChargeState,
    decision: &ChargeDecision,
) -> Result<ChargeState, ChargeRefusal> {
    use ChargeState::*;
    let not_now = ChargeRefusal::NotNow(state.code());
    match decision {
        ChargeDecision::Waive { reason } => {
            if reason.trim().is_empty() {
                return Err(ChargeRefusal::WaiverNeedsReason);
            }
            matches!(state, Raised | Appealed)
                .then_some(Waived)
                .ok_or(not_now)
        }
        ChargeDecision::Appeal { reason } => {
            if reason.trim().is_empty() {
                return Err(ChargeRefusal::AppealNeedsReason);
            }
            (state == Raised).then_some(Appealed).ok_or(not_now)
        }
        ChargeDecision::Uphold => (state == Appealed).then_some(Upheld).ok_or(not_now),
        ChargeDecision::Invoice => state.is_payable().then_some(Invoiced).ok_or(not_now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn charges() -> SessionCharges {
        SessionCharges {
            cut_off_working_days: 3,
            no_show_pence: 5000,
            late_cancellation_pence: 3500,
        }
    }

    #[test]
    fn the_cut_off_counts_working_days_back_from_the_session() {
        let calendar = Calendar::england_and_wales();
        // Friday 14 March 2025: free up to Tuesday 11th.
        let friday = date!(2025 - 03 - 14);
        assert_eq!(
            last_free_cancellation_day(&calendar, friday, 3),
            date!(2025 - 03 - 11)
        );
        assert_eq!(
            cancellation(&calendar, date!(2025 - 03 - 11), friday, 3),
            Cancellation::Free
        );
        assert_eq!(
            cancellation(&calendar, date!(2025 - 03 - 12), friday, 3),
            Cancellation::Late
        );
        // Monday 10 March: three working days back skips the weekend, to Wednesday 5th.
        assert_eq!(
            last_free_cancellation_day(&calendar, date!(2025 - 03 - 10), 3),
            date!(2025 - 03 - 05)
        );
        // A cut-off of 0: free up to the day itself.
        assert_eq!(last_free_cancellation_day(&calendar, friday, 0), friday);
    }

    #[test]
    fn bank_holidays_are_not_working_days_for_the_cut_off() {
        let calendar = Calendar::england_and_wales();
        // Wednesday 23 April 2025, after Easter (Good Friday 18th, Easter Monday 21st): the
        // three working days up to it are Thu 17, Tue 22 and Wed 23, so free up to Wed 16th.
        assert_eq!(
            last_free_cancellation_day(&calendar, date!(2025 - 04 - 23), 3),
            date!(2025 - 04 - 16)
        );
        // With weekends only: Mon 21, Tue 22, Wed 23, so free up to the Sunday before.
        let weekends_only = Calendar::from_holidays([]);
        assert_eq!(
            last_free_cancellation_day(&weekends_only, date!(2025 - 04 - 23), 3),
            date!(2025 - 04 - 20)
        );
    }

    #[test]
    fn an_organisation_is_charged_by_its_kind_and_the_sessions_amounts() {
        let policy = TrainingPolicy::default();
        let police = Some(OrganisationKind::StatutoryPartner);
        assert_eq!(
            charge_due(ChargeReason::NoShow, charges(), police, &policy),
            Some(5000)
        );
        assert_eq!(
            charge_due(ChargeReason::LateCancellation, charges(), police, &policy),
            Some(3500)
        );
        let charity = Some(OrganisationKind::Voluntary);
        assert_eq!(
            charge_due(ChargeReason::NoShow, charges(), charity, &policy),
            None
        );
        assert_eq!(
            charge_due(ChargeReason::NoShow, charges(), None, &policy),
            None
        );
        // A partnership may charge the voluntary sector too, or set a session's charge to nothing.
        let everyone = TrainingPolicy {
            charged_kinds: OrganisationKind::ALL.to_vec(),
            ..TrainingPolicy::default()
        };
        assert_eq!(
            charge_due(ChargeReason::NoShow, charges(), charity, &everyone),
            Some(5000)
        );
        let free = SessionCharges {
            no_show_pence: 0,
            ..charges()
        };
        assert_eq!(
            charge_due(ChargeReason::NoShow, free, police, &everyone),
            None
        );
    }

    #[test]
    fn charged_kinds_round_trip_through_their_codes() {
        let policy = TrainingPolicy::default();
        assert_eq!(
            policy.charged_kinds_code(),
            "statutory_partner,relevant_agency,school"
        );
        assert_eq!(
            TrainingPolicy::parse_charged_kinds(&policy.charged_kinds_code()),
            Some(policy.charged_kinds)
        );
        assert_eq!(TrainingPolicy::parse_charged_kinds(""), Some(vec![]));
        assert_eq!(TrainingPolicy::parse_charged_kinds("police"), None);
    }

    #[test]
    fn a_waiver_needs_a_reason_and_appeals_are_decided() {
        use ChargeState::*;
        let waive = |reason: &str| ChargeDecision::Waive {
            reason: reason.into(),
        };
        let appeal = |reason: &str| ChargeDecision::Appeal {
            reason: reason.into(),
        };
        assert_eq!(
            decide_charge(Raised, &waive("  ")),
            Err(ChargeRefusal::WaiverNeedsReason)
        );
        assert_eq!(
            decide_charge(Raised, &waive("Snow closed the roads")),
            Ok(Waived)
        );
        assert_eq!(
            decide_charge(Raised, &appeal("")),
            Err(ChargeRefusal::AppealNeedsReason)
        );
        assert_eq!(decide_charge(Raised, &appeal("Off sick")), Ok(Appealed));
        assert_eq!(decide_charge(Appealed, &ChargeDecision::Uphold), Ok(Upheld));
        assert_eq!(
            decide_charge(Appealed, &waive("Sick note seen")),
            Ok(Waived)
        );
        assert_eq!(
            decide_charge(Upheld, &ChargeDecision::Invoice),
            Ok(Invoiced)
        );
        assert_eq!(
            decide_charge(Raised, &ChargeDecision::Invoice),
            Ok(Invoiced)
        );
        // Nothing after a waiver or an invoice; no second appeal; no invoice while appealed.
        assert_eq!(
            decide_charge(Waived, &ChargeDecision::Invoice),
            Err(ChargeRefusal::NotNow("waived"))
        );
        assert_eq!(
            decide_charge(Invoiced, &waive("late")),
            Err(ChargeRefusal::NotNow("invoiced"))
        );
        assert_eq!(
            decide_charge(Upheld, &appeal("again")),
            Err(ChargeRefusal::NotNow("upheld"))
        );
        assert_eq!(
            decide_charge(Appealed, &ChargeDecision::Invoice),
            Err(ChargeRefusal::NotNow("appealed"))
        );
        assert_eq!(
            decide_charge(Raised, &ChargeDecision::Uphold),
            Err(ChargeRefusal::NotNow("raised"))
        );
        for state in ChargeState::ALL {
            assert_eq!(ChargeState::from_code(state.code()), Some(state));
        }
    }
}
