//! Typed record ids. A function that takes an `OrganisationId` cannot be handed a person's id or
//! a bare number by mistake, and a partnership's id travels as a `PartnershipId`, which only the
//! session, an API token, a CLI argument or a background job's loop hands out.
//!
//! Each is an `i64` in the database (`sqlx(transparent)`), in URLs and forms
//! (`serde(transparent)`), and in templates (`Display`). A module with ids of its own that never
//! leave it may declare them with [`typed_id!`](crate::typed_id) too.

/// Declares a typed id: a copyable `i64` newtype that binds, decodes, (de)serialises and prints
/// as the number it wraps.
#[macro_export]
macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, sqlx::Type,
        )]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(i64);

        impl $name {
            /// The kernel's one conversion from a bare number: for ids read from a trusted
            /// source (a row, a route argument already parsed, a CLI flag).
            pub const fn new(id: i64) -> Self {
                Self(id)
            }

            /// The number, for what is not typed: JSON, logs, the audit trail's entity id.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(text: &str) -> ::std::result::Result<Self, Self::Err> {
                text.parse().map(Self)
            }
        }
    };
}

typed_id!(
    /// A Safeguarding Children Partnership: the boundary of every record it owns.
    PartnershipId
);
typed_id!(
    /// A user account.
    UserId
);
typed_id!(
    /// A partner organisation (council, NHS body, police force, school…).
    OrganisationId
);
typed_id!(
    /// A person in the partnership's directory (not necessarily an account).
    PersonId
);
typed_id!(
    /// A group of the partnership's structure (executive, subgroups, task and finish groups).
    GroupId
);
typed_id!(
    /// A business plan.
    PlanId
);
typed_id!(
    /// A business plan's priority or cross-cutting theme.
    PlanItemId
);
typed_id!(
    /// An indicator of the multi-agency dataset.
    IndicatorId
);
typed_id!(
    /// A collection period (a quarter) of the dataset.
    PeriodId
);
typed_id!(
    /// A data drop: one organisation's return for one period.
    DropId
);
typed_id!(
    /// A serious incident notification.
    IncidentId
);
typed_id!(
    /// A learning review (rapid review, CSPR, learning circle…).
    ReviewId
);
typed_id!(
    /// A national or other area's review triaged by the partnership.
    NationalReviewId
);
typed_id!(
    /// A recommendation of the improvement tracker.
    RecommendationId
);
typed_id!(
    /// An action of the improvement tracker.
    ActionId
);
typed_id!(
    /// A risk of the risk register.
    RiskId
);
typed_id!(
    /// A policy of the policy tracker.
    PolicyId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_and_prints_as_its_number() {
        let id: OrganisationId = "42".parse().expect("a number");
        assert_eq!(id, OrganisationId::new(42));
        assert_eq!(id.to_string(), "42");
        assert_eq!(serde_json::to_string(&id).expect("json"), "42");
        let back: OrganisationId = serde_json::from_str("42").expect("json");
        assert_eq!(back.get(), 42);
        assert!("4x".parse::<OrganisationId>().is_err());
    }
}
