//! The policy tracker: the partnership's policies, procedures and practice guidance, each with
//! its owning group, version, approval and next review date, and a link to the published
//! document; every approved version is kept. Reviews due within 90 days, and overdue ones, come
//! first; each version's document can be uploaded to the kernel's file store.
//!
//! Files: `model.rs`, `store.rs`, `routes.rs` (the pages). Reads take a store, writes a change
//! that records their entry: `store::find_policy(scope, id)`,
//! `store::approve_version(&mut change, &policy, …)`.

pub mod model;
pub mod report;
mod routes;
pub mod store;
pub mod work;

use std::collections::HashMap;

use crate::kernel::ids::GroupId;
use crate::kernel::{Access, Change, Permission, Routes};

const VIEW: Access = Access::Requires(Permission::ViewPolicies);
const MANAGE: Access = Access::Requires(Permission::ManagePolicies);

pub fn routes() -> Routes {
    Routes::new()
        .get("/tracker/policies", VIEW, routes::policies)
        .get("/tracker/policies/new", MANAGE, routes::new_policy_page)
        .post("/tracker/policies/new", MANAGE, routes::create_policy)
        .get("/tracker/policies/{id}", VIEW, routes::policy_page)
        .get(
            "/tracker/policies/{id}/edit",
            MANAGE,
            routes::edit_policy_page,
        )
        .post("/tracker/policies/{id}/edit", MANAGE, routes::update_policy)
        .get(
            "/tracker/policies/{id}/approve",
            MANAGE,
            routes::approve_page,
        )
        .post("/tracker/policies/{id}/approve", MANAGE, routes::approve)
        .post(
            "/tracker/policies/{id}/document",
            MANAGE,
            routes::upload_document,
        )
        .get(
            "/tracker/policies/documents/{id}",
            VIEW,
            routes::document_file,
        )
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("policy demo data: {0}")]
    Data(String),
}

/// A demo policy: title, owning group, status, and its approved versions as (version, days
/// before today it was approved, days from today its review falls, note). The last version is
/// the current one.
type DemoPolicy = (
    &'static str,
    &'static str,
    model::PolicyStatus,
    &'static [(&'static str, i64, i64, &'static str)],
);

fn demo_policies() -> Vec<DemoPolicy> {
    use model::PolicyStatus::*;
    vec![
        (
            "Pan Cheshire All Age Exploitation Strategy",
            "Contextual Safeguarding Sub-Group",
            Approved,
            &[(
                "1.0",
                680,
                50,
                "Adopted across the Pan Cheshire partnerships",
            )],
        ),
        (
            "Was Not Brought Practice Guidance",
            "Health Operational Group",
            Approved,
            &[
                ("1.0", 1500, -770, "First edition"),
                ("2.0", 700, 30, "Extended to missed education appointments"),
            ],
        ),
        (
            "Pan Cheshire Professional Challenge and Escalation Policy",
            "HSCP Strategic Leadership Group",
            UnderReview,
            &[
                ("2.0", 1800, -1000, "Pan Cheshire version adopted"),
                (
                    "3.0",
                    1110,
                    -20,
                    "Step 3 escalation timescales and school routes added",
                ),
            ],
        ),
        (
            "FGM Guidance",
            "Health Operational Group",
            Approved,
            &[("2.1", 500, 230, "Mandatory reporting duty restated")],
        ),
        (
            "Safe Sleep Guidance",
            "Health Operational Group",
            Approved,
            &[("1.2", 640, 85, "Learning from a rapid review added")],
        ),
        (
            "Pre-Birth Guidance",
            "Quality and Impact Group",
            Approved,
            &[("1.0", 420, 310, "First edition")],
        ),
        (
            "Rapid Review Referral Process",
            "CSPR Triage Group",
            Approved,
            &[("1.1", 400, 330, "Working Together 2023 timescales")],
        ),
        (
            "Bruising in Children who are not Independently Mobile",
            "Health Operational Group",
            Approved,
            &[("2.0", 720, 12, "Body map and referral flowchart updated")],
        ),
        (
            "Halton Neglect Strategy",
            "Quality and Impact Group",
            Approved,
            &[
                ("1.0", 1400, -300, "Launched with the Home Conditions Tool"),
                (
                    "2.0",
                    300,
                    430,
                    "Toolkits and assessment framework reviewed",
                ),
            ],
        ),
        (
            "Practice Standards and Guidance for Strategy Meetings and Discussions",
            "Quality and Impact Group",
            Approved,
            &[(
                "2.0",
                260,
                470,
                "Tighter timescales after the multi-agency audit",
            )],
        ),
        (
            "Operation Philomena Missing from Home Protocol",
            "Halton Operational Missing from Home Meeting",
            Approved,
            &[(
                "1.0",
                380,
                350,
                "Pan Cheshire protocol for children in care",
            )],
        ),
        (
            "Training Non-attendance Charging Policy",
            "HSCP Executive",
            Draft,
            &[],
        ),
    ]
}

fn slug(title: &str) -> String {
    title
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Demo policies from the yearly report: some due for review within 90 days of today, one
/// overdue (and under review), one draft; `groups` maps group names to ids. Written by the
/// store functions the pages use, so the demo's trail reads as theirs does.
pub async fn load_demo(
    change: &mut Change,
    groups: &HashMap<String, i64>,
) -> Result<(), DemoError> {
    let today = crate::kernel::text::today();
    for (title, group, status, versions) in demo_policies() {
        let owner_group_id = groups
            .get(group)
            .copied()
            .map(GroupId::new)
            .ok_or_else(|| DemoError::Data(format!("no group {group}")))?;
        let document_url = format!("https://hscp.example/policies/{}.pdf", slug(title));
        let first_status = if versions.is_empty() {
            status
        } else {
            model::PolicyStatus::Approved
        };
        let details = model::PolicyDetails {
            title: title.into(),
            owner_group_id,
            status: first_status,
            document_url: if versions.is_empty() {
                String::new()
            } else {
                document_url.clone()
            },
        };
        let draft_version = versions.first().map_or("0.1", |version| version.0);
        let id = store::insert_policy(change, &details, draft_version, None, "").await?;
        let missing = || DemoError::Data(format!("policy {title} vanished"));
        for (version, approved_days_ago, review_in_days, note) in versions {
            let approval = model::Approval {
                version: (*version).into(),
                approved_on: today - time::Duration::days(*approved_days_ago),
                next_review_on: today + time::Duration::days(*review_in_days),
                document_url: document_url.clone(),
                note: (*note).into(),
            };
            let policy = store::find_policy(&mut *change, id)
                .await?
                .ok_or_else(missing)?;
            store::approve_version(change, &policy, &approval, "Partnership Business Manager")
                .await?;
        }
        if status != first_status {
            let policy = store::find_policy(&mut *change, id)
                .await?
                .ok_or_else(missing)?;
            let details = model::PolicyDetails { status, ..details };
            store::update_details(change, &policy, &details).await?;
        }
    }
    Ok(())
}
