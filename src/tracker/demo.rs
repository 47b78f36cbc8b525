//! Demo recommendations and actions drawn from the seed report: the neglect audit's practice
//! standards, the s175 escalation finding, strategy meeting timeliness, the domestic abuse
//! JTAI benchmarking and the scrutineer's "closing the loop" recommendation. Dates are set
//! relative to today so the tracker always shows overdue actions and revisits due.

use std::collections::HashMap;

use time::{Date, Duration};

use super::model::*;
use super::store;
use crate::kernel::ids::{ActionId, GroupId, IndicatorId, OrganisationId, PersonId, PlanItemId};

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("tracker demo refers to {0}, which the demo data does not have")]
    Reference(String),
    #[error("tracker demo step refused: {0}")]
    Refused(String),
}

/// The names the demo refers to, resolved by the modules that loaded them (on plain ids until
/// those modules' demos are typed: typed here as they are used).
pub struct DemoIds<'a> {
    pub organisations: &'a HashMap<String, i64>,
    pub people: &'a HashMap<String, i64>,
    /// Partnership groups by name.
    pub groups: &'a HashMap<String, i64>,
    pub indicators: &'a HashMap<String, i64>,
    /// Learning reviews by reference.
    pub reviews: &'a HashMap<String, i64>,
    /// Risks by reference.
    pub risks: &'a HashMap<String, i64>,
    pub priorities: &'a [i64],
}

fn lookup(map: &HashMap<String, i64>, name: &str) -> Result<i64, DemoError> {
    map.get(name)
        .copied()
        .ok_or_else(|| DemoError::Reference(name.to_owned()))
}

/// What happens to a demo action after it is set.
enum Story {
    Untouched,
    Progress(ActionStatus, &'static str),
    /// Completed this many days ago, with a revisit this many days from today (negative: past).
    Completed {
        days_ago: i64,
        revisit_in: i64,
        note: &'static str,
    },
    /// Completed, evidenced and closed at a revisit.
    Closed {
        evidence: &'static str,
        link: &'static str,
    },
}

struct DemoAction {
    title: &'static str,
    organisation: &'static str,
    person: Option<&'static str>,
    /// The partnership group that oversees it.
    group: Option<&'static str>,
    /// Days from today; negative is in the past.
    due_in: i64,
    indicator: Option<&'static str>,
    measure: &'static str,
    story: Story,
}

struct DemoRecommendation {
    reference: &'static str,
    source_kind: SourceKind,
    /// For a learning review or a risk: its reference, which the tracker links to.
    source_reference: Option<&'static str>,
    source_label: &'static str,
    recommendation: &'static str,
    /// 1-based position in the business plan's priorities.
    priority: Option<usize>,
    actions: Vec<DemoAction>,
}

fn recommendations() -> Vec<DemoRecommendation> {
    vec![
        DemoRecommendation {
            reference: "REC-2024-05",
            source_kind: SourceKind::LearningReview,
            source_reference: Some("LC-2024-01"),
            source_label: "Learning circle LC-2024-01 (Sibling Group L)",
            recommendation: "Practitioners should use the home conditions assessment tool whenever home conditions are a concern, and record the children's own accounts of home life.",
            priority: Some(1),
            actions: vec![DemoAction {
                title: "Relaunch the home conditions assessment tool in Early Help and children's social care, with a briefing for practitioners",
                organisation: "Halton Borough Council",
                person: Some("Quality and Impact Group Chair"),
                group: Some("Quality and Impact Group"),
                due_in: 30,
                indicator: Some("NEG-01"),
                measure: "Case-file audit: share of neglect cases with a completed home conditions assessment",
                story: Story::Progress(
                    ActionStatus::OnTrack,
                    "Seven-minute briefing drafted; relaunch planned for the next practitioner forum.",
                ),
            }],
        },
        DemoRecommendation {
            reference: "REC-2025-07",
            source_kind: SourceKind::Risk,
            source_reference: Some("R-03"),
            source_label: "Risk R-03: Threshold application is not consistent across agencies",
            recommendation: "Refresh every agency's understanding of the Levels of Need guidance so that thresholds are applied consistently.",
            priority: Some(1),
            actions: vec![DemoAction {
                title: "Run Levels of Need refresher sessions for referring agencies and dip sample step-up and step-down decisions",
                organisation: "Halton Borough Council",
                person: None,
                group: Some("HSCP Strategic Leadership Group"),
                due_in: 75,
                indicator: None,
                measure: "Multi-agency dip sample: share of step-up and step-down decisions consistent with the Levels of Need guidance",
                story: Story::Untouched,
            }],
        },
        DemoRecommendation {
            reference: "REC-2025-03",
            source_kind: SourceKind::LearningReview,
            source_reference: Some("RR-2024-01"),
            source_label: "Rapid review RR-2024-01 (Child N)",
            recommendation: "Work with public health and the Child Death Overview Panel so that parents and professionals know the risks of hot tubs to young children.",
            priority: None,
            actions: vec![DemoAction {
                title: "Add water safety in the home to health visiting contacts and publish a partnership briefing",
                organisation: "NHS Cheshire and Merseyside Integrated Care Board",
                person: Some("ICB Designated Nurse (data)"),
                group: Some("Health Operational Group"),
                due_in: -60,
                indicator: None,
                measure: "Health visiting audit: water safety discussed at the 6-8 week contact",
                story: Story::Completed {
                    days_ago: 75,
                    revisit_in: 15,
                    note: "Briefing published and water safety added to the 6-8 week contact checklist.",
                },
            }],
        },
        DemoRecommendation {
            reference: "REC-2024-07",
            source_kind: SourceKind::Audit,
            source_reference: None,
            source_label: "Multi-agency case-file audit: neglect (2024)",
            recommendation: "Review and update the Neglect Multi-Agency Practice Standards and toolkits so that they address the causal factors of neglect, including poverty, and build dip sampling into the standards.",
            priority: Some(1),
            actions: vec![DemoAction {
                title: "Publish revised Neglect Practice Standards and relaunch the neglect toolkit with partners",
                organisation: "Halton Borough Council",
                person: Some("Quality and Impact Group Chair"),
                group: Some("Quality and Impact Group"),
                due_in: -120,
                indicator: Some("NEG-01"),
                measure: "Dip sample of 20 Level 2 Early Help neglect cases six months after relaunch",
                story: Story::Completed {
                    days_ago: 130,
                    revisit_in: -40,
                    note: "Revised standards signed off by the Strategic Leadership Group and relaunched at the partnership briefing.",
                },
            }],
        },
        DemoRecommendation {
            reference: "REC-2025-01",
            source_kind: SourceKind::Scrutiny,
            source_reference: None,
            source_label: "Independent Scrutineer's end of year report 2024-25",
            recommendation: "Make sure the key recommendations from quality assurance activity that are upheld by strategic leaders and the Executive are embedded, revisited and refined where necessary, so that the partnership is better at closing the loop.",
            priority: None,
            actions: vec![
                DemoAction {
                    title: "Report every learning recommendation's impact measure to the Quality and Impact Group each quarter",
                    organisation: "Halton Borough Council",
                    person: Some("Quality and Impact Group Chair"),
                    group: Some("Quality and Impact Group"),
                    due_in: -21,
                    indicator: None,
                    measure: "Share of completed actions revisited by their revisit date, reported quarterly",
                    story: Story::Progress(
                        ActionStatus::AtRisk,
                        "Quarterly report drafted; the Quality Assurance Officer post is still vacant so revisits are behind.",
                    ),
                },
                DemoAction {
                    title: "Add a revisit date to every open action on the learning improvement tracker",
                    organisation: "Halton Borough Council",
                    person: None,
                    group: Some("Quality and Impact Group"),
                    due_in: 45,
                    indicator: None,
                    measure: "Every action completed after April 2025 has a revisit date",
                    story: Story::Progress(
                        ActionStatus::OnTrack,
                        "Business unit has added revisit dates to 31 of 44 actions.",
                    ),
                },
            ],
        },
        DemoRecommendation {
            reference: "REC-2025-02",
            source_kind: SourceKind::Audit,
            source_reference: None,
            source_label: "Section 175 safeguarding audit of schools (2024)",
            recommendation: "Raise schools' confidence in professional challenge and escalation: the Escalation standard had the lowest share of Exceeds grades (4.76%).",
            priority: Some(1),
            actions: vec![DemoAction {
                title: "Deliver Pan Cheshire Professional Challenge and Escalation training sessions to designated safeguarding leads",
                organisation: "Halton Schools and Colleges",
                person: Some("Education Representative to the HSCP Executive"),
                group: Some("Education Subgroup"),
                due_in: -200,
                indicator: None,
                measure: "Escalations by schools at step 3 of the Pan Cheshire procedure",
                story: Story::Closed {
                    evidence: "Schools escalating at step 3 rose from 0 to 5 in 2024-25 (Education sub-group report)",
                    link: "https://example.org/hscp/education-subgroup-escalation-2024-25.pdf",
                },
            }],
        },
        DemoRecommendation {
            reference: "REC-2025-04",
            source_kind: SourceKind::Meeting,
            source_reference: None,
            source_label: "Strategic Leadership Group, June 2025",
            recommendation: "When strategy meetings are not held within timescale, record the rationale in each organisation's system and evidence any formal challenge or escalation.",
            priority: Some(1),
            actions: vec![
                DemoAction {
                    title: "Add a 'reason for delay' field to police strategy meeting records and audit its use",
                    organisation: "Cheshire Constabulary",
                    person: Some("Police Performance Analyst"),
                    group: Some("HSCP Strategic Leadership Group"),
                    due_in: 60,
                    indicator: Some("SM-01"),
                    measure: "Strategy meetings held within 3 working days",
                    story: Story::Progress(
                        ActionStatus::OnTrack,
                        "Field specified; system change scheduled for the next release.",
                    ),
                },
                DemoAction {
                    title: "Health attendance at strategy meetings: cover rota for named nurses",
                    organisation: "NHS Cheshire and Merseyside Integrated Care Board",
                    person: Some("ICB Designated Nurse (data)"),
                    group: Some("Health Operational Group"),
                    due_in: -9,
                    indicator: Some("SM-02"),
                    measure: "Health attendance at strategy meetings",
                    story: Story::Untouched,
                },
            ],
        },
        DemoRecommendation {
            reference: "REC-2025-06",
            source_kind: SourceKind::Audit,
            source_reference: None,
            source_label: "JTAI benchmarking: domestic abuse (2024-25)",
            recommendation: "Strengthen the join-up between the police, children's social care and health when a child is present at a domestic abuse incident.",
            priority: Some(2),
            actions: vec![DemoAction {
                title: "Agree a shared notification pathway for children present at domestic abuse incidents",
                organisation: "Cheshire Constabulary",
                person: Some("Police Performance Analyst"),
                group: None,
                due_in: 90,
                indicator: None,
                measure: "Re-run of the JTAI benchmarking exercise in 2026-27",
                story: Story::Completed {
                    days_ago: 10,
                    revisit_in: 80,
                    note: "Pathway agreed by the Domestic Abuse Board and published to practitioners.",
                },
            }],
        },
    ]
}

/// One step of an action's story, through the store function the action's page uses.
async fn record_change(
    change: &mut crate::kernel::Change,
    (id, title): (ActionId, &str),
    (before, step): (&ActionState, Change),
    (evidence, on, kind, note): (usize, Date, &str, &str),
) -> Result<ActionState, DemoError> {
    let after =
        apply(before, step, evidence, on).map_err(|refusal| DemoError::Refused(refusal.message))?;
    let update = store::StateChange {
        id,
        title,
        kind,
        note,
        before,
        after: &after,
    };
    if !store::set_state(change, update).await? {
        return Err(DemoError::Refused(format!("action {title} had moved on")));
    }
    Ok(after)
}

pub async fn load(
    change: &mut crate::kernel::Change,
    ids: &DemoIds<'_>,
    today: Date,
) -> Result<(), DemoError> {
    for demo in recommendations() {
        let details = RecommendationDetails {
            reference: demo.reference.to_owned(),
            source_kind: demo.source_kind,
            source_id: demo
                .source_reference
                .map(|reference| match demo.source_kind {
                    SourceKind::Risk => lookup(ids.risks, reference),
                    _ => lookup(ids.reviews, reference),
                })
                .transpose()?,
            source_label: demo.source_label.to_owned(),
            recommendation: demo.recommendation.to_owned(),
            priority_item_id: demo
                .priority
                .and_then(|position| ids.priorities.get(position - 1))
                .copied()
                .map(PlanItemId::new),
        };
        let recommendation_id = store::insert_recommendation(change, &details).await?;
        for action in demo.actions {
            let details = ActionDetails {
                title: action.title.to_owned(),
                owner_organisation_id: OrganisationId::new(lookup(
                    ids.organisations,
                    action.organisation,
                )?),
                owner_person_id: action
                    .person
                    .map(|name| lookup(ids.people, name).map(PersonId::new))
                    .transpose()?,
                overseeing_group_id: action
                    .group
                    .map(|name| lookup(ids.groups, name).map(GroupId::new))
                    .transpose()?,
                due_on: today + Duration::days(action.due_in),
                impact_indicator_id: action
                    .indicator
                    .map(|code| lookup(ids.indicators, code).map(IndicatorId::new))
                    .transpose()?,
                impact_measure: action.measure.to_owned(),
            };
            let id =
                store::insert_action(change, (recommendation_id, demo.reference), &details).await?;
            let state = ActionState::new(details.due_on);
            match action.story {
                Story::Untouched => {}
                Story::Progress(status, note) => {
                    record_change(
                        change,
                        (id, action.title),
                        (&state, Change::Progress { status }),
                        (0, today, "progress", note),
                    )
                    .await?;
                }
                Story::Completed {
                    days_ago,
                    revisit_in,
                    note,
                } => {
                    let completed_on = today - Duration::days(days_ago);
                    record_change(
                        change,
                        (id, action.title),
                        (
                            &state,
                            Change::Complete {
                                completed_on,
                                revisit_on: today + Duration::days(revisit_in),
                            },
                        ),
                        (0, completed_on, "complete", note),
                    )
                    .await?;
                }
                Story::Closed { evidence, link } => {
                    let completed_on = today - Duration::days(190);
                    let revisit_on = today - Duration::days(30);
                    let complete = record_change(
                        change,
                        (id, action.title),
                        (
                            &state,
                            Change::Complete {
                                completed_on,
                                revisit_on,
                            },
                        ),
                        (
                            0,
                            completed_on,
                            "complete",
                            "Six sessions delivered to designated safeguarding leads.",
                        ),
                    )
                    .await?;
                    store::insert_evidence(
                        change,
                        (id, action.title),
                        store::NewEvidence {
                            description: evidence,
                            link: Some(link),
                            file: None,
                        },
                    )
                    .await?;
                    record_change(
                        change,
                        (id, action.title),
                        (
                            &complete,
                            Change::Revisit {
                                outcome: RevisitOutcome::ImpactEvidenced,
                                next_revisit_on: None,
                                new_due_on: None,
                            },
                        ),
                        (1, revisit_on, "revisit", "Escalations at step 3 rose from 0 to 5: schools know they have recourse."),
                    )
                    .await?;
                }
            }
        }
    }
    Ok(())
}
