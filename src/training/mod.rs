//! Training (issue 14): the partnership's multi-agency course programme. The module owns its
//! courses (with their topics among the business plan's priorities), venues, sessions and their
//! trainers, the bookings with their waiting list and offers, the registers of attendance, and
//! the charges a no-show or late cancellation raises against the learner's organisation.
//!
//! - [`model`]: the partnership's policy, the cancellation cut-off and the charges' rules;
//! - [`waiting`]: the offer window and the places of a session (who is confirmed, offered,
//!   waiting), the rule the store follows, property-tested;
//! - [`attendance`]: the register's marks and the online attendance import;
//! - [`session_rules`]: what a session must be before it is saved, each refusal naming its field;
//! - [`store`]: the policy, courses, venues and sessions;
//! - [`bookings`]: booking, cancelling and the waiting list's offers; `book` never overbooks,
//!   at any concurrency, on either database (the session's row is locked for the change);
//! - [`register`]: the register's marks and the online attendance import;
//! - [`charges`]: the charges a no-show or late cancellation raises, waivers and appeals.
//!
//! Pages come next: this is the foundation they stand on.

pub mod attendance;
pub mod bookings;
pub mod charges;
pub mod model;
pub mod register;
pub mod session_rules;
pub mod store;
pub mod waiting;
