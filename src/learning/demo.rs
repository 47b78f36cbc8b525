//! Demo learning reviews from the 2024-25 yearly report: the six learning events of the year
//! (learning circles for Sibling Group L, Child M and Child O, the rapid review for Child N, the
//! thematic audit for Sibling Group P and the local reflective review for Sibling Group Q), with
//! findings tagged so that professional challenge and escalation and home conditions (neglect)
//! are the most frequent themes, as the report's chart shows; a rapid review under way for the
//! 2026 notification; and two national reviews with their triage. Loaded through the store
//! writes the pages use, so each record has its audit entry as if entered by hand.

use std::collections::HashMap;

use time::Date;
use time::macros::date;

use super::model::{
    FindingDetails, NationalReviewDetails, ReviewDetails, ReviewStatus, ReviewType, ThemeForm,
    TriageDecision,
};
use super::store;
use crate::kernel::Change;
use crate::kernel::ids::{IncidentId, OrganisationId, ReviewId};

pub const THEMES: [(&str, &str); 10] = [
    (
        "Professional challenge and escalation",
        "Using the Pan Cheshire professional challenge and escalation protocol when agencies disagree",
    ),
    (
        "Home conditions (neglect)",
        "Recognising and acting on poor home conditions; use of the home conditions and neglect screening tools",
    ),
    (
        "Voice of the child",
        "Seeing and hearing the child, and recording their views and lived experience",
    ),
    (
        "Information sharing",
        "Timely sharing of information between agencies, including at strategy meetings",
    ),
    (
        "Domestic abuse",
        "Children as victims of domestic abuse; Operation Encompass notifications",
    ),
    (
        "Threshold application (levels of need)",
        "Consistent use of the levels of need across agencies",
    ),
    (
        "Water safety in the home",
        "Safe use of baths, pools and hot tubs with young children",
    ),
    (
        "Substance misuse (ketamine)",
        "Young people's ketamine use and the support available",
    ),
    (
        "Strategy meetings",
        "Attendance, timeliness and recording of multi-agency strategy meetings",
    ),
    (
        "Transitional safeguarding",
        "Young people moving from children's to adult services",
    ),
];

struct DemoReview {
    reference: &'static str,
    review_type: ReviewType,
    subject: &'static str,
    incident: Option<&'static str>,
    chair_role: &'static str,
    summary: &'static str,
    started_on: Date,
    completed_on: Option<Date>,
    panel_response: &'static str,
    decision: &'static str,
    decision_rationale: &'static str,
    agencies: &'static [&'static str],
    /// (finding, theme indexes into THEMES)
    findings: &'static [(&'static str, &'static [usize])],
}

/// The national Panel's page on GOV.UK, where its reviews are published.
const PANEL: &str =
    "https://www.gov.uk/government/organisations/child-safeguarding-practice-review-panel";
const COUNCIL: &str = "Halton Borough Council";
const ICB: &str = "NHS Cheshire and Merseyside Integrated Care Board";
const POLICE: &str = "Cheshire Constabulary";
const SCHOOLS: &str = "Halton Schools and Colleges";
const COMMUNITY_HEALTH: &str = "Bridgewater Community Healthcare NHS Foundation Trust";
const HOUSING: &str = "Halton Housing";

fn reviews() -> Vec<DemoReview> {
    vec![
        DemoReview {
            reference: "LC-2024-01",
            review_type: ReviewType::LearningCircle,
            subject: "Sibling Group L",
            incident: None,
            chair_role: "Learning and Improvement Officer, HSCP business unit",
            summary: "Three siblings known to several agencies over two years; concerns about neglect were raised but not escalated.",
            started_on: date!(2024 - 05 - 08),
            completed_on: Some(date!(2024 - 06 - 19)),
            panel_response: "",
            decision: "",
            decision_rationale: "",
            agencies: &[COUNCIL, SCHOOLS, COMMUNITY_HEALTH, HOUSING],
            findings: &[
                (
                    "Practitioners who disagreed with decisions to step down did not use the escalation protocol.",
                    &[0],
                ),
                (
                    "Home conditions were described in records but not assessed with the home conditions tool.",
                    &[1],
                ),
                (
                    "The children's own accounts of home life were rarely recorded.",
                    &[2],
                ),
            ],
        },
        DemoReview {
            reference: "LC-2024-02",
            review_type: ReviewType::LearningCircle,
            subject: "Child M",
            incident: None,
            chair_role: "Designated Nurse for Safeguarding Children",
            summary: "A teenager exposed to domestic abuse at home, with school attendance falling.",
            started_on: date!(2024 - 07 - 10),
            completed_on: Some(date!(2024 - 09 - 04)),
            panel_response: "",
            decision: "",
            decision_rationale: "",
            agencies: &[COUNCIL, POLICE, SCHOOLS],
            findings: &[
                (
                    "Operation Encompass notifications reached the school but were not shared with the school nurse.",
                    &[3, 4],
                ),
                (
                    "Concerns about the threshold for a child in need assessment were not challenged.",
                    &[0, 5],
                ),
                (
                    "Home visits found the home in poor condition on several occasions.",
                    &[1],
                ),
            ],
        },
        DemoReview {
            reference: "RR-2024-01",
            review_type: ReviewType::RapidReview,
            subject: "Child N",
            incident: Some("SIN-2025-03"),
            chair_role: "Head of Safeguarding, NHS Cheshire and Merseyside ICB",
            summary: "A young child was harmed in a garden hot tub. The rapid review considered the learning for agencies and families.",
            started_on: date!(2025 - 03 - 13),
            completed_on: Some(date!(2025 - 03 - 31)),
            panel_response: "The Panel discussed the rapid review on 3 September and agreed with the decision not to undertake a local child safeguarding practice review. It noted the public health work with the Cheshire Child Death Overview Panel on water safety guidance.",
            decision: "no_further_review",
            decision_rationale: "The learning is about water safety in the home and is being taken forward with public health and the Child Death Overview Panel; a local review would add no further learning.",
            agencies: &[COUNCIL, ICB, POLICE, COMMUNITY_HEALTH],
            findings: &[
                (
                    "Parents and professionals were not aware of the risks of hot tubs to young children.",
                    &[6],
                ),
                (
                    "Health visiting and early help shared information promptly after the incident.",
                    &[3],
                ),
            ],
        },
        DemoReview {
            reference: "LC-2024-03",
            review_type: ReviewType::LearningCircle,
            subject: "Child O",
            incident: None,
            chair_role: "Principal Social Worker, Halton Borough Council",
            summary: "A young person using ketamine, moving between services as they approached 18.",
            started_on: date!(2024 - 10 - 02),
            completed_on: Some(date!(2024 - 11 - 27)),
            panel_response: "",
            decision: "",
            decision_rationale: "",
            agencies: &[COUNCIL, POLICE, ICB],
            findings: &[
                (
                    "Services did not challenge one another when a referral was declined.",
                    &[0],
                ),
                (
                    "Ketamine use was known to the school but not to the young person's GP.",
                    &[7, 3],
                ),
                (
                    "Planning for the move to adult services started late.",
                    &[9],
                ),
                (
                    "The young person's wishes were recorded and shaped the plan.",
                    &[2],
                ),
            ],
        },
        DemoReview {
            reference: "TA-2024-01",
            review_type: ReviewType::ThematicAudit,
            subject: "Sibling Group P",
            incident: None,
            chair_role: "Chair of the Quality and Impact Group",
            summary: "Thematic audit of the multi-agency response to neglect for a sibling group.",
            started_on: date!(2024 - 11 - 13),
            completed_on: Some(date!(2025 - 01 - 29)),
            panel_response: "",
            decision: "thematic_audit",
            decision_rationale: "Neglect is a partnership priority; an audit of the neglect toolkit's use will test whether the learning has been embedded.",
            agencies: &[COUNCIL, SCHOOLS, COMMUNITY_HEALTH, HOUSING],
            findings: &[
                (
                    "The neglect screening tool was used by two of five agencies.",
                    &[1],
                ),
                (
                    "Schools escalated concerns appropriately at step 2 but were unsure of step 3.",
                    &[0],
                ),
                (
                    "Strategy meetings were held on time but health attendance was low.",
                    &[8],
                ),
                ("Levels of need were applied differently by agencies.", &[5]),
            ],
        },
        DemoReview {
            reference: "LRR-2025-01",
            review_type: ReviewType::LocalReflectiveReview,
            subject: "Sibling Group Q",
            incident: None,
            chair_role: "Detective Inspector, Public Protection Unit",
            summary: "Reflective review with practitioners about home conditions and school attendance across three siblings.",
            started_on: date!(2025 - 01 - 15),
            completed_on: Some(date!(2025 - 03 - 12)),
            panel_response: "",
            decision: "",
            decision_rationale: "",
            agencies: &[COUNCIL, POLICE, SCHOOLS, HOUSING],
            findings: &[
                (
                    "Housing officers' concerns about the home were not escalated to children's social care.",
                    &[0, 1],
                ),
                (
                    "Practitioners spoke to the children but their views did not change the plan.",
                    &[2],
                ),
            ],
        },
        DemoReview {
            reference: "RR-2026-01",
            review_type: ReviewType::RapidReview,
            subject: "Child R",
            incident: Some("SIN-2026-05"),
            chair_role: "Designated Doctor for Safeguarding Children",
            summary: "Rapid review of a serious injury to an infant; agencies are gathering their chronologies.",
            started_on: date!(2026 - 10 - 09),
            completed_on: None,
            panel_response: "",
            decision: "",
            decision_rationale: "",
            agencies: &[COUNCIL, POLICE, COMMUNITY_HEALTH],
            findings: &[],
        },
    ]
}

/// Loads the themes, reviews and triage into the change's partnership, through the store writes
/// the pages use. `organisations` are the demo organisations by name.
pub async fn load(
    change: &mut Change,
    organisations: &HashMap<String, OrganisationId>,
    incidents: &HashMap<&'static str, IncidentId>,
) -> Result<HashMap<String, ReviewId>, sqlx::Error> {
    let mut review_ids = HashMap::new();
    let mut theme_ids = Vec::new();
    for (name, description) in THEMES {
        let theme = ThemeForm {
            name: name.into(),
            description: description.into(),
        };
        theme_ids.push(store::insert_theme(change, &theme).await?);
    }
    for review in reviews() {
        let details = ReviewDetails {
            reference: review.reference.into(),
            review_type: review.review_type,
            subject: review.subject.into(),
            serious_incident_id: review
                .incident
                .and_then(|reference| incidents.get(reference).copied()),
            chair_role: review.chair_role.into(),
            summary: review.summary.into(),
            started_on: review.started_on,
            completed_on: review.completed_on,
            panel_response: review.panel_response.into(),
            decision: review.decision.into(),
            decision_rationale: review.decision_rationale.into(),
            status: if review.completed_on.is_some() {
                ReviewStatus::Completed
            } else {
                ReviewStatus::InProgress
            },
            agencies: review
                .agencies
                .iter()
                .filter_map(|name| organisations.get(*name).copied())
                .collect(),
        };
        let id = store::insert_review(change, &details).await?;
        review_ids.insert(details.reference.clone(), id);
        let Some(saved) = store::find_review(&mut *change, id).await? else {
            continue;
        };
        for (finding, themes) in review.findings {
            let finding = FindingDetails {
                finding: (*finding).into(),
                themes: themes
                    .iter()
                    .filter_map(|index| theme_ids.get(*index).copied())
                    .collect(),
            };
            store::insert_finding(change, &saved, &finding).await?;
        }
    }
    let national = [
        (
            NationalReviewDetails {
                title: "Safeguarding children with disabilities and complex health needs in residential settings".into(),
                source: "National Panel".into(),
                published_on: date!(2022 - 10 - 20),
                link: PANEL.into(),
            },
            vec![
                ("Placing authorities should visit children in residential placements and hear their views directly.", Some((TriageDecision::AlreadyCovered, "Independent reviewing officers already visit and record children's views at every review."))),
                ("Practitioners should challenge one another and escalate when concerns about a setting are not acted on.", Some((TriageDecision::Applies, "Our own reviews found professional challenge and escalation the most frequent theme in 2024-25."))),
                ("Ofsted should inspect residential special schools registered as children's homes more often.", Some((TriageDecision::NotApplicable, "A recommendation for the inspectorate, not for the partnership."))),
            ],
        ),
        (
            NationalReviewDetails {
                title: "Child sexual abuse within the family environment".into(),
                source: "National Panel thematic review".into(),
                published_on: date!(2024 - 09 - 04),
                link: PANEL.into(),
            },
            vec![
                ("Partnerships should review their multi-agency child sexual abuse strategy and guidance.", Some((TriageDecision::Applies, "Our strategy is being refreshed and will be launched at the September special event."))),
                ("Specialist child sexual abuse roles should be created within each agency.", None),
            ],
        ),
    ];
    for (details, recommendations) in national {
        let id = store::insert_national_review(change, &details).await?;
        let Some(review) = store::find_national_review(&mut *change, id).await? else {
            continue;
        };
        for (text, triage) in recommendations {
            let recommendation_id = store::insert_recommendation(change, &review, text).await?;
            if let Some((decision, rationale)) = triage
                && let Some(recommendation) =
                    store::find_recommendation(&mut *change, recommendation_id).await?
            {
                store::set_triage(
                    change,
                    &review,
                    &recommendation,
                    decision,
                    rationale,
                    "Learning Review Lead",
                )
                .await?;
            }
        }
    }
    Ok(review_ids)
}
