//! The demo partnership's QA plan: the activities of the seed's year (2024/25: CSPR triage
//! events, the training reports, the s11 moderation panel and pan-Cheshire peer challenge) and of
//! the current year, beside the rounds that are on the plan by themselves.

use time::Date;
use time::macros::date;

use super::{ActivityDetails, ActivityKind};
use crate::kernel::Change;

/// (kind, title, starts, ends, lead)
const DEMO_PLAN: [(ActivityKind, &str, Date, Date, &str); 14] = [
    (
        ActivityKind::CsprTriage,
        "CSPR triage: quarter 1",
        date!(2024 - 06 - 12),
        date!(2024 - 06 - 12),
        "CSPR Triage Group",
    ),
    (
        ActivityKind::Moderation,
        "Section 11 moderation panel",
        date!(2024 - 07 - 17),
        date!(2024 - 07 - 17),
        "Quality and Impact Group",
    ),
    (
        ActivityKind::CsprTriage,
        "CSPR triage: quarter 2",
        date!(2024 - 09 - 11),
        date!(2024 - 09 - 11),
        "CSPR Triage Group",
    ),
    (
        ActivityKind::TrainingReport,
        "Training report: April to September",
        date!(2024 - 10 - 16),
        date!(2024 - 10 - 16),
        "Training and Workforce Development",
    ),
    (
        ActivityKind::Moderation,
        "Pan-Cheshire section 11 peer challenge",
        date!(2024 - 11 - 05),
        date!(2024 - 11 - 06),
        "Pan-Cheshire partnerships",
    ),
    (
        ActivityKind::CsprTriage,
        "CSPR triage: quarter 3",
        date!(2024 - 12 - 11),
        date!(2024 - 12 - 11),
        "CSPR Triage Group",
    ),
    (
        ActivityKind::CsprTriage,
        "CSPR triage: quarter 4",
        date!(2025 - 03 - 12),
        date!(2025 - 03 - 12),
        "CSPR Triage Group",
    ),
    (
        ActivityKind::TrainingReport,
        "Training report: October to March",
        date!(2025 - 04 - 16),
        date!(2025 - 04 - 16),
        "Training and Workforce Development",
    ),
    (
        ActivityKind::CsprTriage,
        "CSPR triage: quarter 3",
        date!(2026 - 12 - 09),
        date!(2026 - 12 - 09),
        "CSPR Triage Group",
    ),
    (
        ActivityKind::CaseFileAudit,
        "Multi-agency audit: child exploitation",
        date!(2026 - 11 - 02),
        date!(2027 - 01 - 29),
        "Quality and Impact Group",
    ),
    (
        ActivityKind::TrainingReport,
        "Training report: April to September",
        date!(2026 - 10 - 14),
        date!(2026 - 10 - 14),
        "Training and Workforce Development",
    ),
    (
        ActivityKind::S11Audit,
        "Section 11 audit 2027 (planned)",
        date!(2027 - 01 - 11),
        date!(2027 - 03 - 26),
        "Business unit",
    ),
    (
        ActivityKind::Moderation,
        "Section 175 deep-dive panel",
        date!(2027 - 02 - 17),
        date!(2027 - 02 - 18),
        "Education safeguarding panel",
    ),
    (
        ActivityKind::CsprTriage,
        "CSPR triage: quarter 4",
        date!(2027 - 03 - 10),
        date!(2027 - 03 - 10),
        "CSPR Triage Group",
    ),
];

pub async fn load(change: &mut Change) -> Result<(), sqlx::Error> {
    for (kind, title, starts_on, ends_on, lead) in DEMO_PLAN {
        let details = ActivityDetails {
            kind,
            title: title.to_owned(),
            starts_on,
            ends_on,
            lead: lead.to_owned(),
            notes: String::new(),
        };
        super::store::insert_activity(change, &details, "Demo loader").await?;
    }
    Ok(())
}
