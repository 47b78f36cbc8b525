//! The places on a session and its waiting list, as pure rules the store follows:
//!
//! - a booking is confirmed only while places are free *and nobody waits*: otherwise it joins
//!   the list at the back (nobody jumps the queue);
//! - a freed place is offered to the first person waiting, for a window that shortens as the
//!   session nears ([`offer_window`]); an offer holds the place until accepted, declined or
//!   expired, and a declined or expired offer passes to the next person;
//! - too near the start no offer is made, and the freed place stays free.
//!
//! [`SessionPlaces`] plays these rules over one session in memory, so the property test can
//! check that no sequence of actions overbooks or reorders the list.

use time::{Duration, OffsetDateTime};

use super::model::TrainingPolicy;

/// Where a booking stands on the session's places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Confirmed,
    Waiting,
}

/// Where a new booking goes: confirmed while a place is free and nobody is waiting for one.
pub fn place_for_new_booking(capacity: i64, places_held: i64, waiting: i64) -> Place {
    if places_held < capacity && waiting == 0 {
        Place::Confirmed
    } else {
        Place::Waiting
    }
}

/// The places a catalogue shows as left: none while anyone waits (a free place is theirs first).
pub fn places_left(capacity: i64, places_held: i64, waiting: i64) -> i64 {
    if waiting > 0 {
        0
    } else {
        (capacity - places_held).max(0)
    }
}

/// When an offer made `now` for a session starting at `starts_at` expires, or `None` when no
/// offer may be made now (within `no_offers_within_hours` of the start). The window is
/// `offer_hours_far` more than 7 days ahead, `offer_hours_near` from 3 to 7 days, and
/// `offer_hours_last` under 3 days; it never runs past the point where offers stop.
pub fn offer_window(
    now: OffsetDateTime,
    starts_at: OffsetDateTime,
    policy: &TrainingPolicy,
) -> Option<OffsetDateTime> {
    let last_offer_time = starts_at - Duration::hours(policy.no_offers_within_hours);
    if now >= last_offer_time {
        return None;
    }
    let ahead = starts_at - now;
    let hours = if ahead > Duration::days(7) {
        policy.offer_hours_far
    } else if ahead >= Duration::days(3) {
        policy.offer_hours_near
    } else {
        policy.offer_hours_last
    };
    Some((now + Duration::hours(hours)).min(last_offer_time))
}

/// One person's entry on a session, in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Confirmed,
    Offered,
    Waiting,
    /// Cancelled, declined, expired or left: no longer holding or waiting.
    Ended,
}

/// What a change to a session's places did, for the e-mails the caller sends.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Moved {
    /// Learners offered a place, in order.
    pub offered: Vec<u32>,
}

/// A session's places and waiting list in memory: the rules of this module played out.
#[derive(Debug, Clone)]
pub struct SessionPlaces {
    pub capacity: u32,
    /// (learner, entry) in arrival order.
    pub entries: Vec<(u32, Entry)>,
}

impl SessionPlaces {
    pub fn new(capacity: u32) -> SessionPlaces {
        SessionPlaces {
            capacity,
            entries: Vec::new(),
        }
    }

    /// Confirmed and offered: the places taken.
    pub fn held(&self) -> u32 {
        self.count(Entry::Confirmed) + self.count(Entry::Offered)
    }

    pub fn count(&self, entry: Entry) -> u32 {
        self.entries.iter().filter(|(_, e)| *e == entry).count() as u32
    }

    /// The learners waiting, first first.
    pub fn waiting(&self) -> Vec<u32> {
        self.entries
            .iter()
            .filter(|(_, entry)| *entry == Entry::Waiting)
            .map(|(learner, _)| *learner)
            .collect()
    }

    fn live(&self, learner: u32) -> Option<usize> {
        self.entries
            .iter()
            .position(|(l, entry)| *l == learner && *entry != Entry::Ended)
    }

    /// Books: `None` when the learner already holds a live booking.
    pub fn book(&mut self, learner: u32) -> Option<Place> {
        if self.live(learner).is_some() {
            return None;
        }
        let place = place_for_new_booking(
            i64::from(self.capacity),
            i64::from(self.held()),
            i64::from(self.count(Entry::Waiting)),
        );
        let entry = match place {
            Place::Confirmed => Entry::Confirmed,
            Place::Waiting => Entry::Waiting,
        };
        self.entries.push((learner, entry));
        Some(place)
    }

    /// Cancels, declines or leaves, whatever the learner holds; when offers may be made, every
    /// free place (this one, or one left free nearer the start) is offered on.
    pub fn cancel(&mut self, learner: u32, offers_allowed: bool) -> Moved {
        let Some(index) = self.live(learner) else {
            return Moved::default();
        };
        self.entries[index].1 = Entry::Ended;
        if offers_allowed {
            self.offer_free_places()
        } else {
            Moved::default()
        }
    }

    /// Accepts an offer: the place becomes confirmed.
    pub fn accept(&mut self, learner: u32) -> bool {
        match self.live(learner) {
            Some(index) if self.entries[index].1 == Entry::Offered => {
                self.entries[index].1 = Entry::Confirmed;
                true
            }
            _ => false,
        }
    }

    /// Every outstanding offer runs out; the places pass on.
    pub fn expire_offers(&mut self, offers_allowed: bool) -> Moved {
        for (_, entry) in &mut self.entries {
            if *entry == Entry::Offered {
                *entry = Entry::Ended;
            }
        }
        if offers_allowed {
            self.offer_free_places()
        } else {
            Moved::default()
        }
    }

    /// Offers each free place to the first person waiting.
    fn offer_free_places(&mut self) -> Moved {
        let mut moved = Moved::default();
        while self.held() < self.capacity {
            let Some(next) = self
                .entries
                .iter_mut()
                .find(|(_, entry)| *entry == Entry::Waiting)
            else {
                break;
            };
            next.1 = Entry::Offered;
            moved.offered.push(next.0);
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    #[test]
    fn the_offer_window_shortens_as_the_session_nears() {
        let policy = TrainingPolicy::default();
        let starts = datetime!(2025-06-20 09:30 UTC);
        // Ten days ahead: 48 hours.
        let now = datetime!(2025-06-10 09:30 UTC);
        assert_eq!(
            offer_window(now, starts, &policy),
            Some(now + Duration::hours(48))
        );
        // Exactly 7 days ahead is "3 to 7 days": 24 hours.
        let now = datetime!(2025-06-13 09:30 UTC);
        assert_eq!(
            offer_window(now, starts, &policy),
            Some(now + Duration::hours(24))
        );
        // Three days ahead: still 24 hours.
        let now = datetime!(2025-06-17 09:30 UTC);
        assert_eq!(
            offer_window(now, starts, &policy),
            Some(now + Duration::hours(24))
        );
        // Two days ahead: 4 hours.
        let now = datetime!(2025-06-18 09:30 UTC);
        assert_eq!(
            offer_window(now, starts, &policy),
            Some(now + Duration::hours(4))
        );
        // 26 hours ahead: 4 hours would pass the last offer time, so it ends there.
        let now = datetime!(2025-06-19 07:30 UTC);
        assert_eq!(
            offer_window(now, starts, &policy),
            Some(datetime!(2025-06-19 09:30 UTC))
        );
        // Within 24 hours, and after the start: no offers.
        assert_eq!(
            offer_window(datetime!(2025-06-19 09:30 UTC), starts, &policy),
            None
        );
        assert_eq!(
            offer_window(datetime!(2025-06-21 09:30 UTC), starts, &policy),
            None
        );
    }

    #[test]
    fn nobody_jumps_the_queue() {
        assert_eq!(place_for_new_booking(2, 1, 0), Place::Confirmed);
        assert_eq!(place_for_new_booking(2, 2, 0), Place::Waiting);
        // A place is free, but someone is waiting (it is being offered to them).
        assert_eq!(place_for_new_booking(2, 1, 1), Place::Waiting);
        assert_eq!(places_left(60, 52, 0), 8);
        assert_eq!(places_left(60, 59, 3), 0, "the free place is being offered");
        assert_eq!(places_left(60, 60, 0), 0);
    }

    #[test]
    fn an_expired_or_declined_offer_passes_to_the_next_person() {
        let mut session = SessionPlaces::new(2);
        for learner in 1..=5 {
            session.book(learner);
        }
        assert_eq!(session.waiting(), vec![3, 4, 5]);
        assert_eq!(session.book(3), None, "a second booking is refused");
        assert_eq!(session.cancel(1, true).offered, vec![3]);
        assert_eq!(session.book(6), Some(Place::Waiting));
        // 3 declines: 4 is offered.
        assert_eq!(session.cancel(3, true).offered, vec![4]);
        // 4 lets it expire: 5 is offered.
        assert_eq!(session.expire_offers(true).offered, vec![5]);
        assert!(session.accept(5));
        assert!(!session.accept(6), "only an offer can be accepted");
        assert_eq!(session.waiting(), vec![6]);
        // Too near the start: the freed place stays free and 6 keeps waiting.
        assert!(session.cancel(2, false).offered.is_empty());
        assert_eq!((session.held(), session.waiting()), (1, vec![6]));
    }

    #[derive(Debug, Clone, Copy)]
    enum Action {
        Book(u32),
        Cancel(u32, bool),
        Accept(u32),
        Expire(bool),
    }

    fn action() -> impl Strategy<Value = Action> {
        let learner = 0u32..30;
        prop_oneof![
            4 => learner.clone().prop_map(Action::Book),
            2 => (learner.clone(), any::<bool>()).prop_map(|(l, o)| Action::Cancel(l, o)),
            2 => learner.prop_map(Action::Accept),
            1 => any::<bool>().prop_map(Action::Expire),
        ]
    }

    proptest! {
        /// Any sequence of bookings, cancellations, acceptances and expiries keeps the places
        /// taken within capacity, one live entry a person, and the waiting list in arrival
        /// order; when offers may be made, no place stands free while someone waits.
        #[test]
        fn places_never_exceed_capacity_and_the_queue_keeps_its_order(
            capacity in 1u32..8,
            actions in proptest::collection::vec(action(), 0..120),
        ) {
            let mut session = SessionPlaces::new(capacity);
            let mut arrivals: Vec<u32> = Vec::new();
            for action in actions {
                // Those waiting who stay on the list through this action.
                let mut waiting_before = session.waiting();
                if let Action::Cancel(learner, _) = action {
                    waiting_before.retain(|waiting| *waiting != learner);
                }
                let was_live = |learner: u32| session.live(learner).is_some();
                let acted = match action {
                    Action::Cancel(learner, true) => was_live(learner),
                    Action::Expire(true) => true,
                    _ => false,
                };
                let offered = match action {
                    Action::Book(learner) => {
                        if session.book(learner) == Some(Place::Waiting) {
                            arrivals.push(learner);
                        }
                        Vec::new()
                    }
                    Action::Cancel(learner, offers) => session.cancel(learner, offers).offered,
                    Action::Accept(learner) => {
                        session.accept(learner);
                        Vec::new()
                    }
                    Action::Expire(offers) => session.expire_offers(offers).offered,
                };
                // Offers go to the head of the queue, in order.
                prop_assert!(offered.len() <= waiting_before.len());
                prop_assert_eq!(&waiting_before[..offered.len()], &offered[..]);
                prop_assert!(session.held() <= capacity);
                let waiting = session.waiting();
                arrivals.retain(|learner| waiting.contains(learner));
                prop_assert_eq!(&waiting, &arrivals);
                // A cancellation or expiry when offers may be made leaves no place free while
                // someone waits.
                if acted {
                    prop_assert!(session.held() == capacity || waiting.is_empty());
                }
                let mut live: Vec<u32> = session
                    .entries
                    .iter()
                    .filter(|(_, e)| *e != Entry::Ended)
                    .map(|(l, _)| *l)
                    .collect();
                let count = live.len();
                live.sort_unstable();
                live.dedup();
                prop_assert_eq!(live.len(), count, "one live entry a person");
            }
        }
    }
}
