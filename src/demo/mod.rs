//! `masa demo`: a fresh embedded database with a realistic partnership and one sign-in per role.

use crate::assurance::deep_dive_demo::PanelMember;
use crate::kernel::Role;
use crate::kernel::audit::Actor;
use crate::kernel::auth::{self, NewUser};
use crate::kernel::db::Db;
use crate::kernel::ids::{OrganisationId, PartnershipId};
use crate::kernel::store::{Change, ChangeError};
use crate::partnership;

/// Every demo account uses this password (it passes the password policy).
pub const DEMO_PASSWORD: &str = "orbit kettle marmalade";

/// The demo is Halton's partnership, the first (and, in a fresh database, the only) one.
pub const DEMO_PARTNERSHIP: PartnershipId = PartnershipId::new(1);

pub struct DemoLogin {
    pub email: &'static str,
    pub name: &'static str,
    pub role: Role,
    /// The organisation the account acts for, by name in the demo data.
    pub organisation: Option<&'static str>,
}

pub const DEMO_LOGINS: [DemoLogin; 10] = [
    DemoLogin {
        email: "admin@masa.example",
        name: "Partnership Business Manager",
        role: Role::BusinessUnitAdmin,
        organisation: None,
    },
    DemoLogin {
        email: "police.data@masa.example",
        name: "Police Performance Analyst",
        role: Role::PartnerDataLead,
        organisation: Some("Cheshire Constabulary"),
    },
    DemoLogin {
        email: "icb.data@masa.example",
        name: "ICB Designated Nurse (data)",
        role: Role::PartnerDataLead,
        organisation: Some("NHS Cheshire and Merseyside Integrated Care Board"),
    },
    DemoLogin {
        email: "school.dsl@masa.example",
        name: "Designated Safeguarding Lead",
        role: Role::AuditRespondent,
        organisation: Some("Halton Schools and Colleges"),
    },
    DemoLogin {
        email: "chair@masa.example",
        name: "Quality and Impact Group Chair",
        role: Role::GroupChair,
        organisation: Some("Halton Borough Council"),
    },
    DemoLogin {
        email: "member@masa.example",
        name: "Sub-group Member",
        role: Role::GroupMember,
        organisation: Some("Halton Borough Council"),
    },
    DemoLogin {
        email: "reviewer@masa.example",
        name: "Learning Review Lead",
        role: Role::Reviewer,
        organisation: None,
    },
    DemoLogin {
        email: "scrutineer@masa.example",
        name: "Independent Scrutineer",
        role: Role::IndependentScrutineer,
        organisation: None,
    },
    DemoLogin {
        email: "practitioner@masa.example",
        name: "Social Worker",
        role: Role::Practitioner,
        organisation: Some("Halton Borough Council"),
    },
    // The school first drawn in the demo's 2025 deep dive (`assurance::deep_dive_demo`): its
    // return was moderated and its feedback letter sent, so this home page shows it arrived.
    DemoLogin {
        email: "pathways.dsl@masa.example",
        name: "Designated Safeguarding Lead",
        role: Role::AuditRespondent,
        organisation: Some("Pathways Alternative Provision Centre"),
    },
];

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Partnership(#[from] partnership::demo::DemoError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Dataset(#[from] crate::dataset::demo::DemoError),
    #[error(transparent)]
    Tracker(#[from] crate::tracker::demo::DemoError),
    #[error(transparent)]
    Risks(#[from] crate::tracker::risks::DemoError),
    #[error(transparent)]
    Policies(#[from] crate::tracker::policies::DemoError),
    #[error(transparent)]
    Assurance(#[from] crate::assurance::demo::DemoError),
    #[error(transparent)]
    Account(#[from] crate::kernel::auth::AccountError),
    #[error(transparent)]
    Change(#[from] ChangeError),
    #[error(transparent)]
    SecondPartnership(#[from] crate::assurance::shared_demo::SecondPartnershipError),
    #[error("demo login {0} names an organisation that the demo data does not have")]
    UnknownOrganisation(&'static str),
    #[error("the demo logins lack the business unit or the group chair for the deep dive's panel")]
    NoPanel,
}

/// Loads the whole demo into an empty, migrated database, in one change. The accounts are
/// created by the store function the pages use, so the trail records them too.
pub async fn load(db: &Db) -> Result<(), DemoError> {
    let actor = Actor::system("demo loader", DEMO_PARTNERSHIP);
    let mut change = Change::begin(db, actor.clone()).await?;
    let loaded = partnership::demo::load(&mut change).await?;
    let indicators =
        crate::dataset::demo::load(&mut change, &loaded.organisations, &loaded.priorities).await?;
    let reviews = crate::learning::load_demo(&mut change, &loaded.organisations).await?;
    let risks = crate::tracker::risks::load_demo(&mut change, &loaded.organisations).await?;
    crate::tracker::policies::load_demo(&mut change, &loaded.group_ids).await?;
    crate::assurance::demo::load(&mut change).await?;
    crate::tracker::demo::load(
        &mut change,
        &crate::tracker::demo::DemoIds {
            organisations: &loaded.organisations,
            people: &loaded.people_ids,
            groups: &loaded.group_ids,
            indicators: &indicators,
            reviews: &reviews,
            risks: &risks,
            priorities: &loaded.priorities,
        },
        crate::kernel::text::today(),
    )
    .await?;
    let mut panel = std::collections::HashMap::new();
    for login in &DEMO_LOGINS {
        let organisation_id = match login.organisation {
            Some(name) => Some(OrganisationId::new(
                *loaded
                    .organisations
                    .get(name)
                    .ok_or(DemoError::UnknownOrganisation(login.email))?,
            )),
            None => None,
        };
        let id = auth::insert_user(
            &mut change,
            &NewUser {
                email: login.email,
                display_name: login.name,
                password: DEMO_PASSWORD,
                organisation: organisation_id,
                roles: &[login.role],
                must_change_password: false,
            },
            " for the demo",
        )
        .await?;
        panel.insert(
            login.role,
            PanelMember {
                id,
                name: login.name,
            },
        );
    }
    // The deep dive's moderations name their panel members, so it comes after the accounts.
    match (
        panel.get(&Role::BusinessUnitAdmin),
        panel.get(&Role::GroupChair),
    ) {
        (Some(business_unit), Some(chair)) => {
            crate::assurance::deep_dive_demo::load(&mut change, *business_unit, *chair).await?;
        }
        _ => return Err(DemoError::NoPanel),
    }
    change.commit().await?;
    // A second partnership, after the first is saved: Halton's agencies share returns with it.
    crate::assurance::shared_demo::load(db, DEMO_PARTNERSHIP, DEMO_PASSWORD).await?;
    Ok(())
}
