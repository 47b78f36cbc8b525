//! The policy tracker's part of the reports (kernel::report): the policies and procedures held,
//! approved or re-approved in the period, and overdue for review at its end. Yearly section 3
//! ("Policies and procedures").
//!
//! Read from the approved versions the tracker keeps: a policy is held from its first approved
//! version; its review date on a day is the one set by its latest version approved on or before
//! it. A withdrawn policy is left out of every period: the tracker keeps no date of withdrawal,
//! so it cannot say when it stopped being held.

use std::collections::HashMap;

use time::Date;

use super::model::{Approval, Policy, PolicyStatus};
use super::store;
use crate::kernel::Scope;
use crate::kernel::ids::PolicyId;
use crate::kernel::report::{
    Block, Figure, FigureDefinition, FigureFuture, FigureRef, Inline, RecordRef,
    ReportContribution, ReportInput, ReportPeriod, SectionDefinition, SectionFuture, SectionSlot,
    YearlySection,
};
use crate::kernel::text::long_date;

pub const HELD: &str = "policies.held";
pub const APPROVED_NEW: &str = "policies.approved_new";
pub const REVIEWED: &str = "policies.reviewed";
pub const OVERDUE: &str = "policies.overdue_for_review";

pub fn report_contribution() -> ReportContribution {
    ReportContribution::new()
        .figure(FigureDefinition {
            key: HELD,
            version: 1,
            title: "Policies and procedures held",
            definition: "Policies and procedures (not withdrawn) with a version approved on or before the \
                         period's end (today while it runs).",
            compute: held,
        })
        .figure(FigureDefinition {
            key: APPROVED_NEW,
            version: 1,
            title: "New policies and procedures approved",
            definition: "Policies and procedures (not withdrawn) whose first approved version is dated in the \
                         period.",
            compute: approved_new,
        })
        .figure(FigureDefinition {
            key: REVIEWED,
            version: 1,
            title: "Policies and procedures reviewed",
            definition: "Policies and procedures (not withdrawn) with a version approved in the period after an \
                         earlier approved version: reviewed and re-approved.",
            compute: reviewed,
        })
        .figure(FigureDefinition {
            key: OVERDUE,
            version: 1,
            title: "Policies and procedures overdue for review",
            definition: "Policies and procedures held at the period's end (today while it runs) whose review \
                         date, set by their latest version approved on or before that day, had passed.",
            compute: overdue,
        })
        .section(SectionDefinition {
            slot: SectionSlot::Yearly(YearlySection::PartnershipAndGovernance),
            module: "policies",
            heading: Some("Policies and procedures"),
            build: policies_section,
        })
}

/// A policy as it stood on the period's "as at" day.
#[derive(Debug, Clone)]
pub struct PolicyAt {
    pub policy: Policy,
    pub current: Approval,
    /// A version was approved in the period: the first ever, or a re-approval.
    pub first_in_period: bool,
    pub reapproved_in_period: bool,
    pub overdue: bool,
}

/// The policy as it stood on `day` (None: not held). `versions` are its own, oldest first.
pub fn policy_at(
    policy: &Policy,
    versions: &[&Approval],
    period: ReportPeriod,
    day: Date,
) -> Option<PolicyAt> {
    if policy.details.status == PolicyStatus::Withdrawn {
        return None;
    }
    let known: Vec<&&Approval> = versions.iter().filter(|v| v.approved_on <= day).collect();
    let current = known.last()?;
    let first = known.first()?;
    Some(PolicyAt {
        policy: policy.clone(),
        current: (**current).clone(),
        first_in_period: period.contains(first.approved_on),
        reapproved_in_period: known.iter().skip(1).any(|v| period.contains(v.approved_on)),
        overdue: current.next_review_on < day,
    })
}

async fn policies_at(scope: Scope<'_>, period: ReportPeriod) -> Result<Vec<PolicyAt>, sqlx::Error> {
    let day = period.end().min(crate::kernel::text::today());
    let versions = store::all_versions(scope).await?;
    let mut by_policy: HashMap<PolicyId, Vec<&Approval>> = HashMap::new();
    for (policy, version) in &versions {
        by_policy.entry(*policy).or_default().push(version);
    }
    Ok(store::list_policies(scope)
        .await?
        .iter()
        .filter_map(|policy| {
            policy_at(
                policy,
                by_policy.get(&policy.id).map_or(&[][..], Vec::as_slice),
                period,
                day,
            )
        })
        .collect())
}

fn record(at: &PolicyAt) -> RecordRef {
    RecordRef::new(
        "policy",
        at.policy.id.get(),
        at.policy.details.title.clone(),
        format!("/tracker/policies/{}", at.policy.id),
        format!(
            "{}|version {}|approved {}|review {}",
            at.policy.details.status.code(),
            at.current.version,
            at.current.approved_on,
            at.current.next_review_on
        ),
    )
}

async fn count_where(
    scope: Scope<'_>,
    period: ReportPeriod,
    label: &'static str,
    wanted: fn(&PolicyAt) -> bool,
) -> Result<Vec<Figure>, sqlx::Error> {
    let policies = policies_at(scope, period).await?;
    Ok(vec![Figure::count(
        "",
        label,
        policies
            .iter()
            .filter(|at| wanted(at))
            .map(record)
            .collect(),
    )])
}

fn held<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    let (scope, period) = (input.scope, input.period);
    Box::pin(count_where(
        scope,
        period,
        "Policies and procedures held",
        |_| true,
    ))
}

fn approved_new<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    let (scope, period) = (input.scope, input.period);
    Box::pin(count_where(
        scope,
        period,
        "New policies and procedures approved",
        |at| at.first_in_period,
    ))
}

fn reviewed<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    let (scope, period) = (input.scope, input.period);
    Box::pin(count_where(
        scope,
        period,
        "Policies and procedures reviewed",
        |at| at.reapproved_in_period,
    ))
}

fn overdue<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    let (scope, period) = (input.scope, input.period);
    Box::pin(count_where(
        scope,
        period,
        "Policies and procedures overdue for review",
        |at| at.overdue,
    ))
}

fn policies_section<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let policies = policies_at(input.scope, input.period).await?;
        let mut blocks = vec![Block::Paragraph {
            content: vec![
                Inline::text("At the period's end the partnership held "),
                Inline::figure(FigureRef::single(HELD)),
                Inline::text(" approved multi-agency policies and procedures. During the period "),
                Inline::figure(FigureRef::single(REVIEWED)),
                Inline::text(" were reviewed and re-approved and "),
                Inline::figure(FigureRef::single(APPROVED_NEW)),
                Inline::text(" new ones approved; "),
                Inline::figure(FigureRef::single(OVERDUE)),
                Inline::text(" were overdue for review at the period's end."),
            ],
        }];
        let overdue: Vec<&PolicyAt> = policies.iter().filter(|at| at.overdue).collect();
        if !overdue.is_empty() {
            let text = |words: &'static str| vec![Inline::text(words)];
            blocks.push(Block::Table {
                caption: text("Policies and procedures overdue for review at the period's end"),
                headers: vec![
                    text("Policy"),
                    text("Owner"),
                    text("Version"),
                    text("Review was due"),
                ],
                rows: overdue
                    .iter()
                    .map(|at| {
                        vec![
                            vec![Inline::link(
                                at.policy.details.title.clone(),
                                format!("/tracker/policies/{}", at.policy.id),
                            )],
                            vec![Inline::data(at.policy.owner_group.clone())],
                            vec![Inline::data(at.current.version.clone())],
                            vec![Inline::data(long_date(at.current.next_review_on))],
                        ]
                    })
                    .collect(),
                numeric: vec![false, false, false, false],
            });
        }
        Ok(blocks)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::ids::GroupId;
    use crate::tracker::policies::model::PolicyDetails;
    use time::macros::date;

    fn approval(version: &str, approved_on: Date, next_review_on: Date) -> Approval {
        Approval {
            version: version.into(),
            approved_on,
            next_review_on,
            document_url: String::new(),
            note: String::new(),
        }
    }

    #[test]
    fn a_policy_is_read_from_its_approved_versions() {
        let policy = Policy {
            id: PolicyId::new(1),
            details: PolicyDetails {
                title: "Escalation".into(),
                owner_group_id: GroupId::new(1),
                status: PolicyStatus::Approved,
                document_url: String::new(),
            },
            owner_group: "Executive".into(),
            version: "2".into(),
            approved_on: None,
            next_review_on: None,
        };
        let one = approval("1", date!(2023 - 05 - 01), date!(2024 - 05 - 01));
        let two = approval("2", date!(2024 - 09 - 01), date!(2026 - 09 - 01));
        let versions = [&one, &two];
        let year = ReportPeriod::financial_year(2024);
        let at = policy_at(&policy, &versions, year, year.end()).unwrap();
        assert!(at.reapproved_in_period && !at.first_in_period && !at.overdue);
        let before = ReportPeriod::financial_year(2023);
        let at = policy_at(&policy, &versions, before, before.end()).unwrap();
        assert!(at.first_in_period && !at.reapproved_in_period);
        assert!(!at.overdue, "its review fell due in May 2024");
        let q1 = ReportPeriod::quarter(2024, 1).unwrap();
        let at = policy_at(&policy, &versions, q1, q1.end()).unwrap();
        assert!(at.overdue, "not re-approved until September");
        assert!(policy_at(&policy, &versions, before, date!(2023 - 04 - 30)).is_none());
    }
}
