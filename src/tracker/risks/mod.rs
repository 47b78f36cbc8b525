//! The risk register: the partnership's risks scored likelihood × impact before controls
//! (inherent) and with them (residual), their controls, owners and review dates, every re-score
//! kept, a heat map and an Excel export. Risks close or are tolerated, never deleted.
//!
//! A risk raises tracker recommendations like any other module's record: `sources()` registers
//! how to name it in the source directory (merged in `src/lib.rs`); the tracker does not call in.
//!
//! Files: `model.rs`, `store.rs`, `export.rs` (the workbook, through `masa_sheets`), and the pages
//! in `routes/`: `register.rs` (list, heat map, export), `risk.rs`, `rescore.rs` (re-score and
//! close), `controls.rs`. Reads take a store, writes a change that records their entry:
//! `store::find_risk(scope, id)`, `store::rescore(&mut change, id, …)`.

pub(crate) mod export;
pub mod model;
pub mod report;
mod routes;
pub mod store;
pub mod work;

use std::collections::HashMap;

use crate::kernel::ids::{OrganisationId, RiskId};
use crate::kernel::sources::{Found, SourceDirectory, SourceRecord};
use crate::kernel::{Access, Change, Permission, Scope};
use crate::tracker::model::SourceKind;
pub use routes::routes;

const VIEW: Access = Access::Requires(Permission::ViewRiskRegister);
const MANAGE: Access = Access::Requires(Permission::ManageRiskRegister);

/// The risks the improvement tracker can name as a recommendation's source.
pub fn sources() -> SourceDirectory {
    SourceDirectory::new().register(SourceKind::Risk.code(), risk_source)
}

/// One of the partnership's risks, e.g. "Risk R-03: Threshold application is not consistent
/// across agencies", and its page.
fn risk_source(scope: Scope<'_>, id: i64) -> Found<'_> {
    Box::pin(async move {
        Ok(store::reference_and_title(scope, RiskId::new(id))
            .await?
            .map(|(reference, title)| SourceRecord {
                label: format!("Risk {reference}: {title}"),
                page: format!("/tracker/risks/{id}"),
            }))
    })
}

/// One demo scoring: date, inherent (likelihood, impact), residual, rationale.
type DemoScoring = (&'static str, (u8, u8), (u8, u8), &'static str);

/// A demo risk: reference, title, description, cause, effect, owner organisation, owner role,
/// theme, review in days from today, scorings (date, inherent, residual, rationale), controls,
/// and a closure.
struct DemoRisk {
    reference: &'static str,
    title: &'static str,
    description: &'static str,
    cause: &'static str,
    effect: &'static str,
    organisation: &'static str,
    owner_role: &'static str,
    theme: &'static str,
    review_in_days: i64,
    scorings: &'static [DemoScoring],
    controls: &'static [(&'static str, &'static str, model::Effectiveness)],
    closure: Option<(model::RiskStatus, &'static str, &'static str)>,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("risk demo data: {0}")]
    Data(String),
}

const LA: &str = "Halton Borough Council";
const ICB: &str = "NHS Cheshire and Merseyside Integrated Care Board";
const POLICE: &str = "Cheshire Constabulary";

fn demo_risks() -> Vec<DemoRisk> {
    use model::Effectiveness::*;
    use model::RiskStatus;
    vec![
        DemoRisk {
            reference: "R-01",
            title: "No Quality Assurance Officer in post",
            description: "The business unit has had no Quality Assurance Officer since 2024, so audit analysis, moderation and the measurement of impact fall to the rest of the team.",
            cause: "The post is vacant and partner contributions do not yet fund it.",
            effect: "The impact of learning and audit is harder to establish; the assurance cycle slips.",
            organisation: LA,
            owner_role: "Partnership Business Manager",
            theme: "Quality assurance",
            review_in_days: 21,
            scorings: &[
                (
                    "2024-04-15",
                    (4, 4),
                    (4, 4),
                    "Post vacant at the start of the year; no cover arranged.",
                ),
                (
                    "2024-10-10",
                    (4, 4),
                    (4, 3),
                    "Regional partnerships share QA tools; impact still hard to measure.",
                ),
                (
                    "2025-06-12",
                    (4, 4),
                    (3, 3),
                    "Audit portal and joint regional QA work reduce the gap; post still unfunded.",
                ),
            ],
            controls: &[
                (
                    "Joint strategic QA work with other partnerships in the region",
                    "Partnership Business Manager",
                    PartlyEffective,
                ),
                (
                    "Online audit portal with built-in completion tracking",
                    "Business Support Officer",
                    Effective,
                ),
            ],
            closure: None,
        },
        DemoRisk {
            reference: "R-02",
            title: "Too few multi-agency partners support the training pool",
            description: "The HSCP training offer relies on a pool of trainers from partner organisations; few partners were releasing staff to deliver courses.",
            cause: "Operational pressure on partners; training delivery not in job plans.",
            effect: "Courses cancelled or delivered by the business unit alone; reach of multi-agency training falls.",
            organisation: LA,
            owner_role: "Partnership Training Coordinator",
            theme: "Workforce development",
            review_in_days: 75,
            scorings: &[
                (
                    "2024-04-15",
                    (4, 3),
                    (4, 3),
                    "Pool covered only half the calendar.",
                ),
                (
                    "2025-03-20",
                    (4, 3),
                    (2, 3),
                    "Partners now support delivery of every learning event on the calendar.",
                ),
            ],
            controls: &[
                (
                    "Training calendar names the organisations delivering each event",
                    "Partnership Training Coordinator",
                    Effective,
                ),
                (
                    "Multi-agency virtual materials (strategy meeting and section 47 SWAYs)",
                    "Partnership Training Coordinator",
                    Effective,
                ),
            ],
            closure: None,
        },
        DemoRisk {
            reference: "R-03",
            title: "Threshold application is not consistent across agencies",
            description: "Scrutiny found the levels of need applied differently by agencies, so children with similar needs receive different responses.",
            cause: "Varying familiarity with the Levels of Need guidance; staff turnover in referring agencies.",
            effect: "Inconsistent response to risk; referrals stepped up or down without shared understanding.",
            organisation: LA,
            owner_role: "Head of Service, Integrated Contact and Referral Team",
            theme: "Neglect and early help",
            review_in_days: -18,
            scorings: &[
                (
                    "2024-09-02",
                    (4, 5),
                    (4, 4),
                    "Scrutiny report identified inconsistent threshold decisions.",
                ),
                (
                    "2025-05-14",
                    (4, 5),
                    (3, 4),
                    "Levels of Need refreshed and briefings delivered; audit still shows variation.",
                ),
            ],
            controls: &[
                (
                    "Levels of Need guidance refreshed and briefed to partners",
                    "Head of Service, Integrated Contact and Referral Team",
                    PartlyEffective,
                ),
                (
                    "Multi-agency audit of threshold decisions every six months",
                    "Quality and Impact Group Chair",
                    NotAssessed,
                ),
            ],
            closure: None,
        },
        DemoRisk {
            reference: "R-04",
            title: "Learning is not embedded or revisited",
            description: "Much good work is done, but too little time goes to embedding learning and revisiting areas where gaps were found.",
            cause: "The Quality and Impact Group has a very wide remit.",
            effect: "Recommendations are closed without evidence of impact; the loop stays open.",
            organisation: LA,
            owner_role: "Quality and Impact Group Chair",
            theme: "Learning and improvement",
            review_in_days: 45,
            scorings: &[(
                "2025-04-01",
                (4, 4),
                (4, 3),
                "Named in the yearly report as an area for development.",
            )],
            controls: &[(
                "Proposed Performance and Scrutiny Group to take the scorecard and data sets",
                "Strategic Leadership Group Chair",
                NotAssessed,
            )],
            closure: None,
        },
        DemoRisk {
            reference: "R-05",
            title: "Staff cannot be released for multi-agency training",
            description: "Operational capacity across partners is stretched, making it hard to release practitioners for training events.",
            cause: "Vacancies and demand in front-line services.",
            effect: "Lower attendance and slower spread of key safeguarding messages.",
            organisation: ICB,
            owner_role: "Designated Nurse for Safeguarding Children",
            theme: "Workforce development",
            review_in_days: 120,
            scorings: &[
                (
                    "2024-11-05",
                    (3, 4),
                    (3, 4),
                    "Executive identified the difficulty releasing staff.",
                ),
                (
                    "2025-06-30",
                    (3, 4),
                    (3, 3),
                    "Virtual materials let single agencies brief staff in their own calendars.",
                ),
            ],
            controls: &[(
                "Single agencies cascade multi-agency virtual materials",
                "Designated Nurse for Safeguarding Children",
                PartlyEffective,
            )],
            closure: None,
        },
        DemoRisk {
            reference: "R-06",
            title: "Gaps at the transition from children's to adult services",
            description: "Young people moving to adult services may lose safeguarding support at 18 without a seamless handover.",
            cause: "Different thresholds and services either side of 18.",
            effect: "Young adults at risk of exploitation or harm lose support.",
            organisation: LA,
            owner_role: "Principal Manager, Transitional Safeguarding",
            theme: "Transitional safeguarding",
            review_in_days: 60,
            scorings: &[(
                "2025-02-10",
                (3, 4),
                (3, 3),
                "Adult services now attend Board meetings; reports shared both ways.",
            )],
            controls: &[(
                "Adult and children's services attend each other's Board meetings",
                "Partnership Business Manager",
                Effective,
            )],
            closure: None,
        },
        DemoRisk {
            reference: "R-07",
            title: "Children's views are gathered but not always acted on",
            description: "Partners gather opinions from young people, but those views do not yet have the influence young people expect.",
            cause: "No single mechanism for recording the voice of the child across the partnership.",
            effect: "Young people disengage; services designed without them.",
            organisation: POLICE,
            owner_role: "Detective Chief Inspector, Public Protection",
            theme: "Voice of the child",
            review_in_days: 150,
            scorings: &[(
                "2024-12-02",
                (3, 3),
                (2, 3),
                "Young People Voice and Influence Group launched.",
            )],
            controls: &[(
                "Young People Voice and Influence Group reports to the Strategic Leadership Group",
                "Young People Voice and Influence Group Chair",
                PartlyEffective,
            )],
            closure: Some((
                RiskStatus::Tolerated,
                "2025-07-01",
                "Accepted at medium while the Lundy Model work embeds; reviewed twice a year.",
            )),
        },
        DemoRisk {
            reference: "R-08",
            title: "Practitioners do not attend training they booked",
            description: "Over a third of places booked on multi-agency training went unused.",
            cause: "No cost to the booking organisation for a late cancellation or no-show.",
            effect: "Wasted places and trainers' time; waiting lists grow.",
            organisation: LA,
            owner_role: "Partnership Training Coordinator",
            theme: "Workforce development",
            review_in_days: 30,
            scorings: &[
                (
                    "2024-04-15",
                    (5, 3),
                    (5, 3),
                    "Attendance 58% from April to September 2024.",
                ),
                (
                    "2025-04-02",
                    (5, 3),
                    (2, 2),
                    "Charging policy applied; attendance 87% from October 2024 to March 2025.",
                ),
            ],
            controls: &[(
                "Charging policy for no-shows and late cancellations",
                "Partnership Business Manager",
                Effective,
            )],
            closure: Some((
                RiskStatus::Closed,
                "2025-04-30",
                "Attendance has stayed above 85% for two quarters since charging began.",
            )),
        },
    ]
}

/// Demo risks from the partnership's yearly report, each with its history of scores, controls,
/// and a few review dates near today (one overdue). `organisations` maps names to ids. Written
/// by the store functions the pages use, so the demo's trail reads as theirs does.
pub async fn load_demo(
    change: &mut Change,
    organisations: &HashMap<String, i64>,
) -> Result<HashMap<String, i64>, DemoError> {
    let mut risk_ids = HashMap::new();
    let today = crate::kernel::text::today();
    let parse = |text: &str| {
        crate::kernel::text::parse_iso_date(text)
            .ok_or_else(|| DemoError::Data(format!("{text:?} is not a date")))
    };
    for demo in demo_risks() {
        let owner_organisation_id = organisations
            .get(demo.organisation)
            .copied()
            .map(OrganisationId::new)
            .ok_or_else(|| DemoError::Data(format!("no organisation {}", demo.organisation)))?;
        let details = model::RiskDetails {
            reference: demo.reference.into(),
            title: demo.title.into(),
            description: demo.description.into(),
            cause: demo.cause.into(),
            effect: demo.effect.into(),
            owner_organisation_id,
            owner_role: demo.owner_role.into(),
            theme: demo.theme.into(),
            review_on: today + time::Duration::days(demo.review_in_days),
        };
        let mut scorings = Vec::new();
        for (day, inherent, residual, rationale) in demo.scorings {
            let score = |(l, i): (u8, u8)| {
                model::Score::new(l, i).ok_or_else(|| DemoError::Data(format!("{l} × {i}")))
            };
            let rescore = model::Rescore {
                scored_on: parse(day)?,
                inherent: score(*inherent)?,
                residual: score(*residual)?,
                rationale: (*rationale).into(),
            };
            model::check_residual(rescore.inherent, rescore.residual).map_err(DemoError::Data)?;
            scorings.push(rescore);
        }
        let (first, later) = scorings
            .split_first()
            .ok_or_else(|| DemoError::Data(format!("{} has no scores", demo.reference)))?;
        let id =
            store::insert_risk(change, &details, first, "Partnership Business Manager").await?;
        risk_ids.insert(demo.reference.to_owned(), id.get());
        let mut standing = store::Standing {
            status: model::RiskStatus::Open,
            inherent: first.inherent,
            residual: first.residual,
        };
        for rescore in later {
            store::rescore(
                change,
                id,
                &details.reference,
                &standing,
                rescore,
                "Partnership Business Manager",
            )
            .await?;
            standing.inherent = rescore.inherent;
            standing.residual = rescore.residual;
        }
        for (description, owner, effectiveness) in demo.controls {
            let control = model::ControlDetails {
                description: (*description).into(),
                owner: (*owner).into(),
                effectiveness: *effectiveness,
            };
            store::insert_control(change, id, &details.reference, &control).await?;
        }
        if let Some((status, day, rationale)) = demo.closure {
            let closure = model::Closure {
                status,
                closed_on: parse(day)?,
                rationale: rationale.into(),
            };
            store::close(change, id, &details.reference, standing.status, &closure).await?;
        }
    }
    Ok(risk_ids)
}
