//! Demo recommendations and actions drawn from the seed report: the neglect audit's practice
//! standards, the s175 escalation finding, strategy meeting timeliness, the domestic abuse
//! JTAI benchmarking and the scrutineer's "closing the loop" recommendation. Dates are set
//! relative to today so the tracker always shows overdue actions and revisits due.
//!
//! Beside them, a fixed 2024/25 history (`history()`): the recommendations the year's learning
//! circles and the strategy meetings audit took to the Quality and Impact Group, with actions
//! created, updated, completed and closed on fixed dates, so the 2024/25 yearly report has the
//! tracker's outcomes for that year. The store stamps "now"; the demo then sets the historical
//! time with `store::backdate_for_demo`.

use std::collections::HashMap;

use time::macros::date;
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
    load_history(change, ids).await
}

// ---- the fixed 2024/25 history ----

/// A 2024/25 action: created with its recommendation, updated, completed and, at its revisit,
/// closed with evidence of its impact, each on a fixed date.
struct PastAction {
    title: &'static str,
    organisation: &'static str,
    person: Option<&'static str>,
    group: Option<&'static str>,
    indicator: Option<&'static str>,
    measure: &'static str,
    due_on: Date,
    progress: &'static [(Date, ActionStatus, &'static str)],
    completed: (Date, &'static str),
    /// The revisit that closed it: its date and the evidence of impact.
    closed: (Date, &'static str),
}

struct PastRecommendation {
    reference: &'static str,
    source_kind: SourceKind,
    source_reference: Option<&'static str>,
    source_label: &'static str,
    recommendation: &'static str,
    created_on: Date,
    actions: Vec<PastAction>,
}

/// As at 31 March 2025: closed with evidence, the escalation briefing and the strategy meeting
/// standards; complete, the escalation training (late), the home conditions briefing, the
/// ketamine guidance and the monthly strategy meeting reports; on track, the home conditions
/// dip sample (due June 2025); overdue by 31 days, the transitions protocol (due 28 February).
fn history() -> Vec<PastRecommendation> {
    vec![
        PastRecommendation {
            reference: "REC-2024-01",
            source_kind: SourceKind::LearningReview,
            source_reference: Some("LC-2024-01"),
            source_label: "Learning circle LC-2024-01 (Sibling Group L)",
            recommendation: "Practitioners who disagree with a decision to step a case down should use the Pan Cheshire Professional Challenge and Escalation protocol, and managers should record the outcome.",
            created_on: date!(2024 - 07 - 03),
            actions: vec![
                PastAction {
                    title: "Publish a seven-minute briefing on the Pan Cheshire Professional Challenge and Escalation protocol",
                    organisation: "Halton Borough Council",
                    person: Some("Quality and Impact Group Chair"),
                    group: Some("Quality and Impact Group"),
                    indicator: None,
                    measure: "Practitioner survey: confidence in using the escalation protocol",
                    due_on: date!(2024 - 09 - 30),
                    progress: &[(
                        date!(2024 - 08 - 14),
                        ActionStatus::OnTrack,
                        "Briefing drafted with the Principal Social Worker.",
                    )],
                    completed: (
                        date!(2024 - 09 - 18),
                        "Briefing published on the partnership website and cascaded through the Quality and Impact Group.",
                    ),
                    closed: (
                        date!(2025 - 01 - 15),
                        "Practitioner survey, January 2025: 78% confident to escalate, up from 52%",
                    ),
                },
                PastAction {
                    title: "Add professional challenge and escalation to the multi-agency training programme",
                    organisation: "Halton Borough Council",
                    person: None,
                    group: Some("Quality and Impact Group"),
                    indicator: None,
                    measure: "Multi-agency training attendance and evaluations",
                    due_on: date!(2024 - 12 - 31),
                    progress: &[
                        (
                            date!(2024 - 10 - 09),
                            ActionStatus::OnTrack,
                            "Session designed with the Pan Cheshire procedures group.",
                        ),
                        (
                            date!(2024 - 12 - 04),
                            ActionStatus::AtRisk,
                            "Trainer availability: the first session has moved to January.",
                        ),
                    ],
                    completed: (
                        date!(2025 - 01 - 24),
                        "First two sessions delivered; the course is now on the training calendar.",
                    ),
                    closed: (
                        date!(2025 - 07 - 23),
                        "Training evaluations 2024-25: 94% of attendees would now escalate a disagreement",
                    ),
                },
            ],
        },
        PastRecommendation {
            reference: "REC-2024-02",
            source_kind: SourceKind::LearningReview,
            source_reference: Some("LC-2024-02"),
            source_label: "Learning circle LC-2024-02 (Child M)",
            recommendation: "When home visits find a home in poor condition, practitioners should assess home conditions with the neglect toolkit and share what they find with the other agencies involved.",
            created_on: date!(2024 - 09 - 11),
            actions: vec![
                PastAction {
                    title: "Brief health visitors and school nurses on the home conditions assessment tool",
                    organisation: "NHS Cheshire and Merseyside Integrated Care Board",
                    person: Some("ICB Designated Nurse (data)"),
                    group: Some("Health Operational Group"),
                    indicator: None,
                    measure: "Health record audit: home conditions assessed when concerns are recorded",
                    due_on: date!(2024 - 12 - 20),
                    progress: &[(
                        date!(2024 - 10 - 16),
                        ActionStatus::OnTrack,
                        "Briefings booked into the health visiting and school nursing team meetings.",
                    )],
                    completed: (
                        date!(2024 - 12 - 11),
                        "All health visiting and school nursing teams briefed.",
                    ),
                    closed: (
                        date!(2025 - 06 - 11),
                        "Health record audit, May 2025: home conditions tool used in 17 of 20 records with concerns",
                    ),
                },
                PastAction {
                    title: "Dip sample neglect cases for a completed home conditions assessment",
                    organisation: "Halton Borough Council",
                    person: Some("Quality and Impact Group Chair"),
                    group: Some("Quality and Impact Group"),
                    indicator: Some("NEG-01"),
                    measure: "Share of neglect cases with a completed home conditions assessment",
                    due_on: date!(2025 - 06 - 30),
                    progress: &[(
                        date!(2025 - 02 - 12),
                        ActionStatus::OnTrack,
                        "Sample of 20 cases agreed; auditors from four agencies identified.",
                    )],
                    completed: (
                        date!(2025 - 06 - 20),
                        "Dip sample reported to the Quality and Impact Group.",
                    ),
                    closed: (
                        date!(2025 - 12 - 10),
                        "Dip sample, June 2025: 15 of 20 neglect cases had a completed home conditions assessment",
                    ),
                },
            ],
        },
        PastRecommendation {
            reference: "REC-2024-03",
            source_kind: SourceKind::LearningReview,
            source_reference: Some("LC-2024-03"),
            source_label: "Learning circle LC-2024-03 (Child O)",
            recommendation: "Services should challenge one another when a referral is declined, and planning for a young person's move to adult services should start at 16.",
            created_on: date!(2024 - 12 - 04),
            actions: vec![
                PastAction {
                    title: "Agree a transitions protocol so that planning for adult services starts at 16",
                    organisation: "Halton Borough Council",
                    person: None,
                    group: Some("HSCP Strategic Leadership Group"),
                    indicator: None,
                    measure: "Young people open to services at 17 with a transition plan",
                    due_on: date!(2025 - 02 - 28),
                    progress: &[
                        (
                            date!(2025 - 01 - 08),
                            ActionStatus::OnTrack,
                            "Draft protocol shared with adult social care and the ICB.",
                        ),
                        (
                            date!(2025 - 02 - 19),
                            ActionStatus::AtRisk,
                            "Awaiting sign-off by adult social care; the due date will be missed.",
                        ),
                    ],
                    completed: (
                        date!(2025 - 05 - 16),
                        "Protocol signed off by the Strategic Leadership Group.",
                    ),
                    closed: (
                        date!(2025 - 11 - 12),
                        "Transitions audit, October 2025: 9 of 11 young people aged 17 had a transition plan",
                    ),
                },
                PastAction {
                    title: "Add substance use, including ketamine, to the guidance on sharing information with GPs",
                    organisation: "NHS Cheshire and Merseyside Integrated Care Board",
                    person: Some("ICB Designated Nurse (data)"),
                    group: Some("Health Operational Group"),
                    indicator: None,
                    measure: "GP practices reporting that schools share substance use concerns",
                    due_on: date!(2025 - 03 - 14),
                    progress: &[],
                    completed: (
                        date!(2025 - 03 - 10),
                        "Guidance updated and circulated to schools and GP practices.",
                    ),
                    closed: (
                        date!(2025 - 09 - 10),
                        "GP safeguarding leads' survey, August 2025: schools now share substance use concerns",
                    ),
                },
            ],
        },
        PastRecommendation {
            reference: "REC-2024-04",
            source_kind: SourceKind::Audit,
            source_reference: None,
            source_label: "Multi-agency audit: strategy meetings (July 2024)",
            recommendation: "Revise the Practice Standards and Guidance for strategy meetings and discussions, and report the timeliness and attendance of strategy meetings every month.",
            created_on: date!(2024 - 07 - 24),
            actions: vec![
                PastAction {
                    title: "Revise the Practice Standards and Guidance for strategy meetings and discussions",
                    organisation: "Halton Borough Council",
                    person: None,
                    group: Some("HSCP Strategic Leadership Group"),
                    indicator: None,
                    measure: "Compliance audit against the revised standards",
                    due_on: date!(2024 - 10 - 31),
                    progress: &[(
                        date!(2024 - 09 - 04),
                        ActionStatus::OnTrack,
                        "Revised standards out for consultation with the core partners.",
                    )],
                    completed: (
                        date!(2024 - 10 - 16),
                        "Revised standards published and launched at a partnership briefing.",
                    ),
                    closed: (
                        date!(2025 - 01 - 22),
                        "Compliance audit, October 2024: tighter timescales applied in the sampled meetings",
                    ),
                },
                PastAction {
                    title: "Compile monthly reports of strategy meeting timeliness and attendance",
                    organisation: "Cheshire Constabulary",
                    person: Some("Police Performance Analyst"),
                    group: Some("HSCP Strategic Leadership Group"),
                    indicator: Some("SM-01"),
                    measure: "Strategy meetings held within 3 working days",
                    due_on: date!(2024 - 11 - 29),
                    progress: &[],
                    completed: (
                        date!(2024 - 11 - 22),
                        "First monthly report presented; reports now go to every Strategic Leadership Group.",
                    ),
                    closed: (
                        date!(2025 - 05 - 21),
                        "Monthly strategy meeting reports: attendance typically 100% for health, social care and police",
                    ),
                },
            ],
        },
    ]
}

/// Writes the 2024/25 history through the tracker's own store functions, then sets each
/// write's historical date.
async fn load_history(
    change: &mut crate::kernel::Change,
    ids: &DemoIds<'_>,
) -> Result<(), DemoError> {
    use store::DemoBackdate;
    for past in history() {
        let details = RecommendationDetails {
            reference: past.reference.to_owned(),
            source_kind: past.source_kind,
            source_id: past
                .source_reference
                .map(|reference| lookup(ids.reviews, reference))
                .transpose()?,
            source_label: past.source_label.to_owned(),
            recommendation: past.recommendation.to_owned(),
            priority_item_id: None,
        };
        let recommendation_id = store::insert_recommendation(change, &details).await?;
        store::backdate_for_demo(
            change,
            DemoBackdate::Recommendation(recommendation_id),
            past.created_on,
        )
        .await?;
        for action in past.actions {
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
                due_on: action.due_on,
                impact_indicator_id: action
                    .indicator
                    .map(|code| lookup(ids.indicators, code).map(IndicatorId::new))
                    .transpose()?,
                impact_measure: action.measure.to_owned(),
            };
            let id =
                store::insert_action(change, (recommendation_id, past.reference), &details).await?;
            store::backdate_for_demo(change, DemoBackdate::Action(id), past.created_on).await?;
            let key = (id, action.title);
            let mut state = ActionState::new(details.due_on);
            for &(on, status, note) in action.progress {
                state = record_change(
                    change,
                    key,
                    (&state, Change::Progress { status }),
                    (0, on, "progress", note),
                )
                .await?;
                store::backdate_for_demo(change, DemoBackdate::LatestUpdate(id), on).await?;
            }
            let (completed_on, note) = action.completed;
            let (closed_on, evidence) = action.closed;
            state = record_change(
                change,
                key,
                (
                    &state,
                    Change::Complete {
                        completed_on,
                        revisit_on: closed_on,
                    },
                ),
                (0, completed_on, "complete", note),
            )
            .await?;
            store::backdate_for_demo(change, DemoBackdate::LatestUpdate(id), completed_on).await?;
            store::insert_evidence(
                change,
                key,
                store::NewEvidence {
                    description: evidence,
                    link: None,
                    file: None,
                },
            )
            .await?;
            store::backdate_for_demo(change, DemoBackdate::LatestEvidence(id), closed_on).await?;
            record_change(
                change,
                key,
                (
                    &state,
                    Change::Revisit {
                        outcome: RevisitOutcome::ImpactEvidenced,
                        next_revisit_on: None,
                        new_due_on: None,
                    },
                ),
                (
                    1,
                    closed_on,
                    "revisit",
                    "Impact evidenced: the action is closed.",
                ),
            )
            .await?;
            store::backdate_for_demo(change, DemoBackdate::LatestUpdate(id), closed_on).await?;
        }
    }
    Ok(())
}
