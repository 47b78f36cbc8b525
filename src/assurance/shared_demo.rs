//! The demo's second partnership, so that one return answered for several partnerships can be
//! tried: Cheshire West and Chester's partnership asks the same Cheshire agencies for the 2024
//! s11 audit. Cheshire Constabulary and the ICB answered it once, in Halton, and shared their
//! returns with Cheshire West and Chester's round, whose business unit reads and can moderate
//! them there; Cheshire Probation Service has not shared yet, so its Halton return offers that
//! round.

use std::collections::HashMap;

use time::macros::date;

use super::demo::{DemoError, graded_questions};
use super::grades::Grade;
use super::model::shipped_frameworks;
use super::shared_store::{self, Shared};
use super::store::{self, AnswerValue, NewRound};
use crate::kernel::audit::Actor;
use crate::kernel::auth::{self, NewUser};
use crate::kernel::db::Db;
use crate::kernel::ids::PartnershipId;
use crate::kernel::store::{Change, ChangeError};
use crate::kernel::{Role, Scope};
use crate::partnership::model::{OrganisationDetails, OrganisationKind};

/// The second partnership's name.
pub const PARTNERSHIP_NAME: &str = "Cheshire West and Chester Safeguarding Children Partnership";
/// Its business unit's sign-in (the demo password, like every demo account).
pub const LOGIN_EMAIL: &str = "cheshire.west.admin@masa.example";

/// The partnership's organisations: its council, and agencies that also work in Halton (the same
/// names as in Halton's partnership, which is how a shared return finds its other rounds).
const ORGANISATIONS: [(&str, OrganisationKind, &str); 5] = [
    (
        "Cheshire West and Chester Council",
        OrganisationKind::StatutoryPartner,
        "Local authority",
    ),
    (
        "Cheshire Constabulary",
        OrganisationKind::StatutoryPartner,
        "Police",
    ),
    (
        "NHS Cheshire and Merseyside Integrated Care Board",
        OrganisationKind::StatutoryPartner,
        "Health",
    ),
    (
        "Cheshire Probation Service",
        OrganisationKind::RelevantAgency,
        "Justice",
    ),
    (
        "Cheshire Fire and Rescue Service",
        OrganisationKind::RelevantAgency,
        "Fire and rescue",
    ),
];

/// The agencies whose Halton s11 return is shared with Cheshire West and Chester's round.
const SHARED: [&str; 2] = [
    "Cheshire Constabulary",
    "NHS Cheshire and Merseyside Integrated Care Board",
];

#[derive(Debug, thiserror::Error)]
pub enum SecondPartnershipError {
    #[error(transparent)]
    Demo(#[from] DemoError),
    #[error(transparent)]
    Change(#[from] ChangeError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Account(#[from] auth::AccountError),
    #[error("second demo partnership: {0}")]
    Data(String),
}

/// Adds Cheshire West and Chester's partnership with its s11 round, then shares Halton's police
/// and ICB s11 returns with it (run after Halton's demo is loaded: `halton` is its partnership).
pub async fn load(
    db: &Db,
    halton: PartnershipId,
    password: &str,
) -> Result<(), SecondPartnershipError> {
    let cheshire_west =
        crate::partnership::create_partnership(db, PARTNERSHIP_NAME, "demo loader").await?;
    let mut change = Change::begin(db, Actor::system("demo loader", cheshire_west)).await?;
    let mut organisations = HashMap::new();
    for (name, kind, sector) in ORGANISATIONS {
        let id = crate::partnership::store::create_organisation(
            &mut change,
            &OrganisationDetails {
                name: name.to_owned(),
                kind,
                sector: sector.to_owned(),
                active_from: date!(2019 - 09 - 29),
                active_to: None,
            },
        )
        .await?;
        organisations.insert(name, id);
    }
    let s11 = shipped_frameworks()
        .map_err(|problems| SecondPartnershipError::Data(problems.join("; ")))?
        .into_iter()
        .find(|definition| definition.code == "s11")
        .ok_or_else(|| SecondPartnershipError::Data("no shipped s11 framework".into()))?;
    let (framework, version) = store::add_framework(&mut change, &s11, "Demo loader").await?;
    let round = store::open_round(
        &mut change,
        &NewRound {
            framework_id: framework,
            version_id: version,
            title: "s11 audit 2024".to_owned(),
            opens_on: date!(2024 - 06 - 17),
            due_on: date!(2024 - 10 - 11),
            target_percent: 100,
            organisations: organisations.values().copied().collect(),
        },
        "Demo loader",
    )
    .await?;
    // Cheshire West and Chester's council answers its own return: met on every standard.
    let graded = graded_questions(&mut change, version).await?;
    let council = organisations
        .get("Cheshire West and Chester Council")
        .copied()
        .ok_or_else(|| SecondPartnershipError::Data("no council".into()))?;
    let returns = store::returns_of_round(&mut change, round).await?;
    if let Some(council_return) = returns.iter().find(|r| r.organisation_id == council) {
        let answers: Vec<_> = graded
            .values()
            .map(|question| (*question, AnswerValue::Grade(Grade::Met)))
            .collect();
        store::save_answers(&mut change, council_return, &answers, "Safeguarding lead").await?;
        store::submit_return(&mut change, council_return, "Safeguarding lead").await?;
    }
    auth::insert_user(
        &mut change,
        &NewUser {
            email: LOGIN_EMAIL,
            display_name: "Cheshire West Business Manager",
            password,
            organisation: None,
            roles: &[Role::BusinessUnitAdmin],
            must_change_password: false,
        },
        " for the demo",
    )
    .await?;
    change.commit().await?;
    share_halton_returns(db, halton, cheshire_west).await
}

/// Shares Halton's s11 returns of [`SHARED`] with Cheshire West and Chester's round, as the agencies' audit
/// leads would from their return pages.
async fn share_halton_returns(
    db: &Db,
    halton: PartnershipId,
    cheshire_west: PartnershipId,
) -> Result<(), SecondPartnershipError> {
    let scope = Scope::new(db, halton);
    let Some(round) = store::list_rounds(scope)
        .await?
        .into_iter()
        .find(|round| round.framework_code == "s11")
    else {
        return Err(SecondPartnershipError::Data(
            "Halton has no s11 round".into(),
        ));
    };
    let returns = store::returns_of_round(scope, round.id).await?;
    let mut change = Change::begin(db, Actor::system("demo loader", halton)).await?;
    for agency in SHARED {
        let Some(answering) = returns.iter().find(|r| r.organisation_name == agency) else {
            return Err(SecondPartnershipError::Data(format!(
                "Halton's s11 round has no return for {agency}"
            )));
        };
        let Some(other) = shared_store::other_returns(&mut change, answering, &round)
            .await?
            .into_iter()
            .find(|other| other.partnership_id == cheshire_west)
        else {
            return Err(SecondPartnershipError::Data(format!(
                "Cheshire West and Chester's round has no return for {agency}"
            )));
        };
        let shared = shared_store::share(
            &mut change,
            answering,
            &round,
            other.return_id,
            "Safeguarding lead",
        )
        .await?;
        if !matches!(shared, Shared::With { .. }) {
            return Err(SecondPartnershipError::Data(format!(
                "{agency}'s return was not shared: {shared:?}"
            )));
        }
    }
    change.commit().await?;
    Ok(())
}
