//! The partnership's structure as data: organisations, people, groups with their chairs and
//! members, and business plans with priorities and cross-cutting themes. Pure rules here;
//! SQL in store.rs; pages in routes/.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::kernel::db::{IsoDate, OptionalIsoDate};
use crate::kernel::ids::{GroupId, OrganisationId, PersonId, PlanId, PlanItemId};
use crate::kernel::text::{DateParts, FormErrors};

crate::typed_id!(
    /// A person's membership of a group: never leaves this module.
    MembershipId
);

crate::stored_code!(OrganisationKind, "organisation kind");
crate::stored_code!(GroupKind, "group kind");
crate::stored_code!(Position, "position");
crate::stored_code!(PlanItemKind, "plan item kind");

pub const NAME_MAX: usize = 150;
pub const TEXT_MAX: usize = 5000;

// ---- organisations ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    StatutoryPartner,
    RelevantAgency,
    School,
    Voluntary,
    Other,
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 5] = [
        OrganisationKind::StatutoryPartner,
        OrganisationKind::RelevantAgency,
        OrganisationKind::School,
        OrganisationKind::Voluntary,
        OrganisationKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OrganisationKind::StatutoryPartner => "statutory_partner",
            OrganisationKind::RelevantAgency => "relevant_agency",
            OrganisationKind::School => "school",
            OrganisationKind::Voluntary => "voluntary",
            OrganisationKind::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OrganisationKind::StatutoryPartner => "Statutory partner",
            OrganisationKind::RelevantAgency => "Relevant agency",
            OrganisationKind::School => "School or education setting",
            OrganisationKind::Voluntary => "Voluntary and community sector",
            OrganisationKind::Other => "Other",
        }
    }

    /// The heading of a pick-list's group of this kind, statutory partners first.
    pub fn group_heading(self) -> &'static str {
        match self {
            OrganisationKind::StatutoryPartner => "Statutory partners",
            OrganisationKind::RelevantAgency => "Relevant agencies",
            OrganisationKind::School => "Schools and colleges",
            OrganisationKind::Voluntary => "Voluntary and community sector",
            OrganisationKind::Other => "Other organisations",
        }
    }

    pub fn from_code(code: &str) -> Option<OrganisationKind> {
        OrganisationKind::ALL
            .into_iter()
            .find(|kind| kind.code() == code)
    }

    pub fn codes() -> Vec<&'static str> {
        OrganisationKind::ALL
            .iter()
            .map(|kind| kind.code())
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Organisation {
    pub id: OrganisationId,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: OrganisationKind,
    pub sector: String,
    #[sqlx(try_from = "IsoDate")]
    pub active_from: Date,
    #[sqlx(try_from = "OptionalIsoDate")]
    pub active_to: Option<Date>,
    pub archived_at: Option<String>,
}

impl Organisation {
    /// Active on a date: within its active period and not archived.
    pub fn is_active_on(&self, day: Date) -> bool {
        self.archived_at.is_none()
            && self.active_from <= day
            && self.active_to.is_none_or(|to| day <= to)
    }
}

/// A long list of organisations as a pick-list shows it: the statutory partners first, then
/// relevant agencies, schools and colleges, the voluntary sector and the rest, each kind by
/// name as given (the caller's order). Kinds with no organisation are left out.
pub fn organisations_by_kind(
    organisations: &[Organisation],
) -> Vec<(OrganisationKind, Vec<&Organisation>)> {
    OrganisationKind::ALL
        .into_iter()
        .map(|kind| {
            let members: Vec<&Organisation> = organisations
                .iter()
                .filter(|organisation| organisation.kind == kind)
                .collect();
            (kind, members)
        })
        .filter(|(_, members)| !members.is_empty())
        .collect()
}

/// An organisation as entered, before it has an id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrganisationDetails {
    pub name: String,
    pub kind: OrganisationKind,
    pub sector: String,
    pub active_from: Date,
    pub active_to: Option<Date>,
}

/// The organisation form as typed; kept to show back with error messages.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OrganisationForm {
    pub name: String,
    pub kind: String,
    pub sector: String,
    pub active_from_day: String,
    pub active_from_month: String,
    pub active_from_year: String,
    pub active_to_day: String,
    pub active_to_month: String,
    pub active_to_year: String,
}

impl OrganisationForm {
    pub fn from_organisation(organisation: &Organisation) -> OrganisationForm {
        let from = DateParts::from_date(Some(organisation.active_from));
        let to = DateParts::from_date(organisation.active_to);
        OrganisationForm {
            name: organisation.name.clone(),
            kind: organisation.kind.code().to_owned(),
            sector: organisation.sector.clone(),
            active_from_day: from.day,
            active_from_month: from.month,
            active_from_year: from.year,
            active_to_day: to.day,
            active_to_month: to.month,
            active_to_year: to.year,
        }
    }

    pub fn active_from(&self) -> DateParts {
        DateParts {
            day: self.active_from_day.clone(),
            month: self.active_from_month.clone(),
            year: self.active_from_year.clone(),
        }
    }

    pub fn active_to(&self) -> DateParts {
        DateParts {
            day: self.active_to_day.clone(),
            month: self.active_to_month.clone(),
            year: self.active_to_year.clone(),
        }
    }

    /// Checks every field at once; the caller adds the duplicate-name check, which needs the store.
    pub fn validate(&self, errors: &mut FormErrors) -> Option<OrganisationDetails> {
        let name = errors.required_text("name", "Name", &self.name, NAME_MAX);
        let kind = OrganisationKind::from_code(&self.kind);
        if kind.is_none() {
            errors.add("kind", "Select the type of organisation");
        }
        let sector = errors.required_text("sector", "Sector", &self.sector, NAME_MAX);
        let active_from = errors.date("active_from", "Active from", &self.active_from(), true);
        let active_to = errors.date("active_to", "Active to", &self.active_to(), false);
        if let (Some(from), Some(to)) = (active_from, active_to)
            && to < from
        {
            errors.add(
                "active_to",
                "Active to must be the same as or after active from",
            );
        }
        if !errors.is_empty() {
            return None;
        }
        Some(OrganisationDetails {
            name,
            kind: kind?,
            sector,
            active_from: active_from?,
            active_to,
        })
    }
}

// ---- people ----

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Person {
    pub id: PersonId,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub name: String,
    pub job_title: String,
    pub email: String,
    pub archived_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonDetails {
    pub organisation_id: OrganisationId,
    pub name: String,
    pub job_title: String,
    pub email: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PersonForm {
    pub organisation_id: String,
    pub name: String,
    pub job_title: String,
    pub email: String,
}

impl PersonForm {
    pub fn from_person(person: &Person) -> PersonForm {
        PersonForm {
            organisation_id: person.organisation_id.to_string(),
            name: person.name.clone(),
            job_title: person.job_title.clone(),
            email: person.email.clone(),
        }
    }

    /// `organisation_exists` says whether the chosen id names a live organisation.
    pub fn validate(
        &self,
        errors: &mut FormErrors,
        organisation_exists: impl Fn(OrganisationId) -> bool,
    ) -> Option<PersonDetails> {
        let organisation_id = self
            .organisation_id
            .parse::<OrganisationId>()
            .ok()
            .filter(|id| organisation_exists(*id));
        if organisation_id.is_none() {
            errors.add(
                "organisation_id",
                "Select the organisation this person works for",
            );
        }
        let name = errors.required_text("name", "Name or role title", &self.name, NAME_MAX);
        let job_title = errors.required_text("job_title", "Job title", &self.job_title, NAME_MAX);
        let email = errors.email("email", "Email address", &self.email);
        if !errors.is_empty() {
            return None;
        }
        Some(PersonDetails {
            organisation_id: organisation_id?,
            name,
            job_title,
            email,
        })
    }
}

// ---- groups ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    Executive,
    StrategicLeadershipGroup,
    SubGroup,
    OperationalGroup,
    TaskAndFinishGroup,
    Board,
}

impl GroupKind {
    pub const ALL: [GroupKind; 6] = [
        GroupKind::Executive,
        GroupKind::StrategicLeadershipGroup,
        GroupKind::SubGroup,
        GroupKind::OperationalGroup,
        GroupKind::TaskAndFinishGroup,
        GroupKind::Board,
    ];

    pub fn code(self) -> &'static str {
        match self {
            GroupKind::Executive => "executive",
            GroupKind::StrategicLeadershipGroup => "strategic_leadership_group",
            GroupKind::SubGroup => "sub_group",
            GroupKind::OperationalGroup => "operational_group",
            GroupKind::TaskAndFinishGroup => "task_and_finish_group",
            GroupKind::Board => "board",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            GroupKind::Executive => "Executive",
            GroupKind::StrategicLeadershipGroup => "Strategic leadership group",
            GroupKind::SubGroup => "Sub-group",
            GroupKind::OperationalGroup => "Operational group",
            GroupKind::TaskAndFinishGroup => "Task and finish group",
            GroupKind::Board => "Board",
        }
    }

    pub fn from_code(code: &str) -> Option<GroupKind> {
        GroupKind::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Group {
    pub id: GroupId,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: GroupKind,
    pub parent_group_id: Option<GroupId>,
    pub parent_name: Option<String>,
    pub meets: String,
    pub terms_of_reference: String,
    pub archived_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupDetails {
    pub name: String,
    pub kind: GroupKind,
    pub parent_group_id: Option<GroupId>,
    pub meets: String,
    pub terms_of_reference: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GroupForm {
    pub name: String,
    pub kind: String,
    pub parent_group_id: String,
    pub meets: String,
    pub terms_of_reference: String,
}

impl GroupForm {
    pub fn from_group(group: &Group) -> GroupForm {
        GroupForm {
            name: group.name.clone(),
            kind: group.kind.code().to_owned(),
            parent_group_id: group
                .parent_group_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            meets: group.meets.clone(),
            terms_of_reference: group.terms_of_reference.clone(),
        }
    }

    /// `parents` maps each group id to its parent, to refuse a group reporting to itself or
    /// to one of the groups that reports to it. `editing` is the group being edited, if any.
    pub fn validate(
        &self,
        errors: &mut FormErrors,
        editing: Option<GroupId>,
        parents: &[(GroupId, Option<GroupId>)],
    ) -> Option<GroupDetails> {
        let name = errors.required_text("name", "Name", &self.name, NAME_MAX);
        let kind = GroupKind::from_code(&self.kind);
        if kind.is_none() {
            errors.add("kind", "Select the type of group");
        }
        let parent_group_id = if self.parent_group_id.is_empty() {
            None
        } else {
            match self.parent_group_id.parse::<GroupId>() {
                Ok(id) if parents.iter().any(|(group, _)| *group == id) => {
                    if let Some(this) = editing
                        && reports_to(id, this, parents)
                    {
                        errors.add(
                            "parent_group_id",
                            "A group cannot report to itself or to a group that reports to it",
                        );
                    }
                    Some(id)
                }
                _ => {
                    errors.add("parent_group_id", "Select a group from the list");
                    None
                }
            }
        };
        let meets = errors.required_text("meets", "How often it meets", &self.meets, 100);
        let terms_of_reference = errors.required_text(
            "terms_of_reference",
            "Terms of reference",
            &self.terms_of_reference,
            TEXT_MAX,
        );
        if !errors.is_empty() {
            return None;
        }
        Some(GroupDetails {
            name,
            kind: kind?,
            parent_group_id,
            meets,
            terms_of_reference,
        })
    }
}

/// Does `group` report (directly or through others) to `ancestor`, or is it `ancestor`?
/// Stops on a cycle already in the data rather than looping.
pub fn reports_to(
    group: GroupId,
    ancestor: GroupId,
    parents: &[(GroupId, Option<GroupId>)],
) -> bool {
    let mut current = Some(group);
    for _ in 0..=parents.len() {
        match current {
            Some(id) if id == ancestor => return true,
            Some(id) => {
                current = parents
                    .iter()
                    .find(|(group, _)| *group == id)
                    .and_then(|(_, parent)| *parent)
            }
            None => return false,
        }
    }
    false
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    Chair,
    ViceChair,
    Member,
}

impl Position {
    pub const ALL: [Position; 3] = [Position::Chair, Position::ViceChair, Position::Member];

    pub fn code(self) -> &'static str {
        match self {
            Position::Chair => "chair",
            Position::ViceChair => "vice_chair",
            Position::Member => "member",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Position::Chair => "Chair",
            Position::ViceChair => "Vice-chair",
            Position::Member => "Member",
        }
    }

    pub fn from_code(code: &str) -> Option<Position> {
        Position::ALL
            .into_iter()
            .find(|position| position.code() == code)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Membership {
    pub id: MembershipId,
    pub group_id: GroupId,
    pub group_name: String,
    pub person_id: PersonId,
    pub person_name: String,
    pub organisation_name: String,
    #[sqlx(try_from = "String")]
    pub position: Position,
    #[sqlx(try_from = "IsoDate")]
    pub started_on: Date,
    #[sqlx(try_from = "OptionalIsoDate")]
    pub term_ends_on: Option<Date>,
    #[sqlx(try_from = "OptionalIsoDate")]
    pub ended_on: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MembershipDetails {
    pub person_id: PersonId,
    pub position: Position,
    pub started_on: Date,
    pub term_ends_on: Option<Date>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MembershipForm {
    pub person_id: String,
    pub position: String,
    pub started_on_day: String,
    pub started_on_month: String,
    pub started_on_year: String,
    pub term_ends_on_day: String,
    pub term_ends_on_month: String,
    pub term_ends_on_year: String,
}

impl MembershipForm {
    pub fn started_on(&self) -> DateParts {
        DateParts {
            day: self.started_on_day.clone(),
            month: self.started_on_month.clone(),
            year: self.started_on_year.clone(),
        }
    }

    pub fn term_ends_on(&self) -> DateParts {
        DateParts {
            day: self.term_ends_on_day.clone(),
            month: self.term_ends_on_month.clone(),
            year: self.term_ends_on_year.clone(),
        }
    }

    pub fn from_membership(membership: &Membership) -> MembershipForm {
        let started = DateParts::from_date(Some(membership.started_on));
        let term_ends = DateParts::from_date(membership.term_ends_on);
        MembershipForm {
            person_id: membership.person_id.to_string(),
            position: membership.position.code().to_owned(),
            started_on_day: started.day,
            started_on_month: started.month,
            started_on_year: started.year,
            term_ends_on_day: term_ends.day,
            term_ends_on_month: term_ends.month,
            term_ends_on_year: term_ends.year,
        }
    }

    /// `current` are the group's current memberships: a person is in a group once, and a group
    /// has one chair and one vice-chair at a time.
    pub fn validate(
        &self,
        errors: &mut FormErrors,
        person_exists: impl Fn(PersonId) -> bool,
        current: &[Membership],
    ) -> Option<MembershipDetails> {
        let person_id = self
            .person_id
            .parse::<PersonId>()
            .ok()
            .filter(|id| person_exists(*id));
        match person_id {
            None => errors.add("person_id", "Select a person from the list"),
            Some(id) if current.iter().any(|membership| membership.person_id == id) => {
                errors.add("person_id", "This person is already a member of the group")
            }
            Some(_) => {}
        }
        let position = self.position(errors, current.iter());
        let started_on = errors.date("started_on", "Start date", &self.started_on(), true);
        let term_ends_on = self.term_ends(errors, position, started_on);
        if !errors.is_empty() {
            return None;
        }
        Some(MembershipDetails {
            person_id: person_id?,
            position: position?,
            started_on: started_on?,
            term_ends_on,
        })
    }

    /// A change to a current membership: its position and term end. The person and start date
    /// stay as they are, and the membership is not counted against itself when checking that
    /// the group has one chair and one vice-chair. `current` may include it.
    pub fn validate_change(
        &self,
        errors: &mut FormErrors,
        membership: &Membership,
        current: &[Membership],
    ) -> Option<MembershipDetails> {
        let others = current.iter().filter(|other| other.id != membership.id);
        let position = self.position(errors, others);
        let term_ends_on = self.term_ends(errors, position, Some(membership.started_on));
        if !errors.is_empty() {
            return None;
        }
        Some(MembershipDetails {
            person_id: membership.person_id,
            position: position?,
            started_on: membership.started_on,
            term_ends_on,
        })
    }

    /// The chosen position, if the other current memberships leave it free.
    fn position<'a>(
        &self,
        errors: &mut FormErrors,
        mut others: impl Iterator<Item = &'a Membership>,
    ) -> Option<Position> {
        let position = Position::from_code(&self.position);
        match position {
            None => errors.add("position", "Select the position they hold"),
            Some(Position::Member) => {}
            Some(held) => {
                if others.any(|membership| membership.position == held) {
                    errors.add(
                        "position",
                        format!(
                            "The group already has a {}. End their membership first",
                            held.label().to_lowercase()
                        ),
                    );
                }
            }
        }
        position
    }

    /// The term end: chairs and vice-chairs need one, and any term ends after it starts.
    fn term_ends(
        &self,
        errors: &mut FormErrors,
        position: Option<Position>,
        started_on: Option<Date>,
    ) -> Option<Date> {
        let term_ends_on = errors.date("term_ends_on", "Term ends", &self.term_ends_on(), false);
        if matches!(position, Some(Position::Chair | Position::ViceChair))
            && term_ends_on.is_none()
            && errors.get("term_ends_on").is_none()
        {
            errors.add(
                "term_ends_on",
                "Enter the date the term ends: chairs and vice-chairs rotate",
            );
        }
        if let (Some(start), Some(end)) = (started_on, term_ends_on)
            && end <= start
        {
            errors.add("term_ends_on", "Term ends must be after the start date");
        }
        term_ends_on
    }
}

/// How soon a chair's or vice-chair's term ends, for the rotations view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RotationStatus {
    Overdue,
    DueSoon,
    Later,
}

/// Days ahead within which a rotation counts as due soon.
pub const ROTATION_WARNING_DAYS: i64 = 90;

pub fn rotation_status(term_ends_on: Date, today: Date) -> RotationStatus {
    if term_ends_on < today {
        RotationStatus::Overdue
    } else if (term_ends_on - today).whole_days() <= ROTATION_WARNING_DAYS {
        RotationStatus::DueSoon
    } else {
        RotationStatus::Later
    }
}

impl RotationStatus {
    pub fn label(self) -> &'static str {
        match self {
            RotationStatus::Overdue => "Term ended",
            RotationStatus::DueSoon => "Due within 90 days",
            RotationStatus::Later => "Later",
        }
    }

    pub fn tag_class(self) -> &'static str {
        match self {
            RotationStatus::Overdue => "govuk-tag--red",
            RotationStatus::DueSoon => "govuk-tag--yellow",
            RotationStatus::Later => "govuk-tag--grey",
        }
    }
}

// ---- business plans ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanItemKind {
    Priority,
    CrossCuttingTheme,
}

impl PlanItemKind {
    pub fn code(self) -> &'static str {
        match self {
            PlanItemKind::Priority => "priority",
            PlanItemKind::CrossCuttingTheme => "cross_cutting_theme",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PlanItemKind::Priority => "Priority",
            PlanItemKind::CrossCuttingTheme => "Cross-cutting theme",
        }
    }

    pub fn from_code(code: &str) -> Option<PlanItemKind> {
        [PlanItemKind::Priority, PlanItemKind::CrossCuttingTheme]
            .into_iter()
            .find(|kind| kind.code() == code)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct BusinessPlan {
    pub id: PlanId,
    pub name: String,
    #[sqlx(try_from = "IsoDate")]
    pub starts_on: Date,
    #[sqlx(try_from = "IsoDate")]
    pub ends_on: Date,
    pub archived_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BusinessPlanDetails {
    pub name: String,
    pub starts_on: Date,
    pub ends_on: Date,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BusinessPlanForm {
    pub name: String,
    pub starts_on_day: String,
    pub starts_on_month: String,
    pub starts_on_year: String,
    pub ends_on_day: String,
    pub ends_on_month: String,
    pub ends_on_year: String,
}

impl BusinessPlanForm {
    pub fn from_plan(plan: &BusinessPlan) -> BusinessPlanForm {
        let starts = DateParts::from_date(Some(plan.starts_on));
        let ends = DateParts::from_date(Some(plan.ends_on));
        BusinessPlanForm {
            name: plan.name.clone(),
            starts_on_day: starts.day,
            starts_on_month: starts.month,
            starts_on_year: starts.year,
            ends_on_day: ends.day,
            ends_on_month: ends.month,
            ends_on_year: ends.year,
        }
    }

    pub fn starts_on(&self) -> DateParts {
        DateParts {
            day: self.starts_on_day.clone(),
            month: self.starts_on_month.clone(),
            year: self.starts_on_year.clone(),
        }
    }

    pub fn ends_on(&self) -> DateParts {
        DateParts {
            day: self.ends_on_day.clone(),
            month: self.ends_on_month.clone(),
            year: self.ends_on_year.clone(),
        }
    }

    pub fn validate(&self, errors: &mut FormErrors) -> Option<BusinessPlanDetails> {
        let name = errors.required_text("name", "Name", &self.name, NAME_MAX);
        let starts_on = errors.date("starts_on", "Start date", &self.starts_on(), true);
        let ends_on = errors.date("ends_on", "End date", &self.ends_on(), true);
        if let (Some(start), Some(end)) = (starts_on, ends_on)
            && end <= start
        {
            errors.add("ends_on", "End date must be after the start date");
        }
        if !errors.is_empty() {
            return None;
        }
        Some(BusinessPlanDetails {
            name,
            starts_on: starts_on?,
            ends_on: ends_on?,
        })
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PlanItem {
    pub id: PlanItemId,
    pub business_plan_id: PlanId,
    #[sqlx(try_from = "String")]
    pub kind: PlanItemKind,
    pub position: i64,
    pub title: String,
    pub description: String,
    pub archived_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanItemDetails {
    pub kind: PlanItemKind,
    pub title: String,
    pub description: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlanItemForm {
    pub kind: String,
    pub title: String,
    pub description: String,
}

impl PlanItemForm {
    pub fn from_item(item: &PlanItem) -> PlanItemForm {
        PlanItemForm {
            kind: item.kind.code().to_owned(),
            title: item.title.clone(),
            description: item.description.clone(),
        }
    }

    pub fn validate(&self, errors: &mut FormErrors) -> Option<PlanItemDetails> {
        let kind = PlanItemKind::from_code(&self.kind);
        if kind.is_none() {
            errors.add(
                "kind",
                "Select whether this is a priority or a cross-cutting theme",
            );
        }
        let title = errors.required_text("title", "Title", &self.title, 300);
        let description =
            errors.required_text("description", "Description", &self.description, TEXT_MAX);
        if !errors.is_empty() {
            return None;
        }
        Some(PlanItemDetails {
            kind: kind?,
            title,
            description,
        })
    }
}

// ---- as at a date: for the reports ----

/// Whether a record was not yet archived at the end of `day`: never archived, or archived (a
/// timestamp "YYYY-MM-DDThh:mm:ssZ") on a later day. Records hold no other history, so this is
/// the nearest "as at" the partnership's tables can answer.
pub fn live_on(archived_at: Option<&str>, day: Date) -> bool {
    archived_at.is_none_or(|at| {
        at.get(..10)
            .is_some_and(|date| date > day.to_string().as_str())
    })
}

impl Organisation {
    /// Part of the partnership on `day`: within its active period, and not archived by then.
    pub fn was_active_on(&self, day: Date) -> bool {
        live_on(self.archived_at.as_deref(), day)
            && self.active_from <= day
            && self.active_to.is_none_or(|to| day <= to)
    }
}

/// The business plan for a period from `start` to `end`: of the plans not archived by `end`
/// that overlap the period, the one in force at its end, else the one that started last.
pub fn plan_for_period(plans: &[BusinessPlan], start: Date, end: Date) -> Option<&BusinessPlan> {
    let overlapping: Vec<&BusinessPlan> = plans
        .iter()
        .filter(|plan| live_on(plan.archived_at.as_deref(), end))
        .filter(|plan| plan.starts_on <= end && start <= plan.ends_on)
        .collect();
    overlapping
        .iter()
        .filter(|plan| plan.starts_on <= end && end <= plan.ends_on)
        .max_by_key(|plan| plan.starts_on)
        .or_else(|| overlapping.iter().max_by_key(|plan| plan.starts_on))
        .copied()
}

/// Of a group's memberships from a period's start on (newest first within a position, as
/// [`super::store::memberships_between`] gives them), the one who held `position` at the
/// period's end; else the last to take it during the period; else (the records holding no
/// holder for the period) the first to take it after, so a report on a past year still names
/// who chairs the group, with the date they took the post.
pub fn holder_in_period(
    memberships: &[Membership],
    group: GroupId,
    position: Position,
    end: Date,
) -> Option<&Membership> {
    let held: Vec<&Membership> = memberships
        .iter()
        .filter(|m| m.group_id == group && m.position == position)
        .collect();
    held.iter()
        .find(|m| m.started_on <= end && m.ended_on.is_none_or(|ended| ended > end))
        .or_else(|| held.iter().find(|m| m.started_on <= end))
        .or_else(|| held.last())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(
        name: &str,
        starts: (i32, u8),
        ends: (i32, u8),
        archived: Option<&str>,
    ) -> BusinessPlan {
        let day = |(year, month): (i32, u8)| {
            Date::from_calendar_date(year, time::Month::try_from(month).unwrap(), 1).unwrap()
        };
        BusinessPlan {
            id: PlanId::new(1),
            name: name.into(),
            starts_on: day(starts),
            ends_on: day(ends),
            archived_at: archived.map(str::to_owned),
        }
    }

    #[test]
    fn the_plan_for_a_period_is_the_one_in_force_at_its_end() {
        let day =
            |y, m, d| Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap();
        let plans = [
            plan("Old", (2021, 4), (2024, 3), None),
            plan("Current", (2024, 4), (2027, 3), None),
            plan(
                "Dropped",
                (2024, 4),
                (2027, 3),
                Some("2024-05-01T10:00:00Z"),
            ),
        ];
        let year = (day(2024, 4, 1), day(2025, 3, 31));
        assert_eq!(
            plan_for_period(&plans, year.0, year.1).unwrap().name,
            "Current"
        );
        let before = (day(2023, 4, 1), day(2024, 3, 31));
        assert_eq!(
            plan_for_period(&plans, before.0, before.1).unwrap().name,
            "Old"
        );
        let long_ago = (day(2010, 4, 1), day(2011, 3, 31));
        assert!(plan_for_period(&plans, long_ago.0, long_ago.1).is_none());
        assert!(live_on(Some("2025-04-01T09:00:00Z"), day(2025, 3, 31)));
        assert!(!live_on(Some("2025-03-31T09:00:00Z"), day(2025, 3, 31)));
        assert!(live_on(None, day(2025, 3, 31)));
    }
    use time::macros::date;

    #[test]
    fn pick_lists_put_the_statutory_partners_first_and_schools_together() {
        let organisation = |id: i64, name: &str, kind| Organisation {
            id: OrganisationId::new(id),
            name: name.into(),
            kind,
            sector: String::new(),
            active_from: date!(2024 - 04 - 01),
            active_to: None,
            archived_at: None,
        };
        let organisations = [
            organisation(
                1,
                "Bridgewater Community Healthcare",
                OrganisationKind::RelevantAgency,
            ),
            organisation(
                2,
                "Cheshire Constabulary",
                OrganisationKind::StatutoryPartner,
            ),
            organisation(3, "Fairfield Primary School", OrganisationKind::School),
            organisation(
                4,
                "Halton Borough Council",
                OrganisationKind::StatutoryPartner,
            ),
            organisation(5, "Hale Primary School", OrganisationKind::School),
        ];
        let groups = organisations_by_kind(&organisations);
        let shown: Vec<(&str, Vec<i64>)> = groups
            .iter()
            .map(|(kind, members)| {
                (
                    kind.group_heading(),
                    members.iter().map(|o| o.id.get()).collect(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("Statutory partners", vec![2, 4]),
                ("Relevant agencies", vec![1]),
                ("Schools and colleges", vec![3, 5]),
            ]
        );
    }

    #[test]
    fn organisation_form_reports_every_problem_at_once() {
        let form = OrganisationForm {
            name: "  ".into(),
            kind: "pub".into(),
            sector: "x".repeat(NAME_MAX + 1),
            active_from_day: "31".into(),
            active_from_month: "2".into(),
            active_from_year: "2024".into(),
            ..OrganisationForm::default()
        };
        let mut errors = FormErrors::default();
        assert!(form.validate(&mut errors).is_none());
        assert_eq!(errors.get("name"), Some("Enter name"));
        assert_eq!(errors.get("kind"), Some("Select the type of organisation"));
        assert!(errors.get("sector").unwrap().contains("150 characters"));
        assert_eq!(
            errors.get("active_from"),
            Some("Active from must be a real date")
        );
    }

    #[test]
    fn organisation_active_period_must_run_forwards() {
        let form = OrganisationForm {
            name: "Halton Youth Justice Service".into(),
            kind: "relevant_agency".into(),
            sector: "Justice".into(),
            active_from_day: "1".into(),
            active_from_month: "4".into(),
            active_from_year: "2024".into(),
            active_to_day: "31".into(),
            active_to_month: "3".into(),
            active_to_year: "2024".into(),
        };
        let mut errors = FormErrors::default();
        assert!(form.validate(&mut errors).is_none());
        assert!(errors.get("active_to").is_some());
    }

    #[test]
    fn groups_cannot_report_in_a_circle() {
        // 1 Executive <- 2 SLG <- 3 QIG
        let g = GroupId::new;
        let parents = [(g(1), None), (g(2), Some(g(1))), (g(3), Some(g(2)))];
        assert!(reports_to(g(3), g(1), &parents));
        assert!(!reports_to(g(1), g(3), &parents));
        let form = GroupForm {
            name: "HSCP Executive".into(),
            kind: "executive".into(),
            parent_group_id: "3".into(),
            meets: "Quarterly".into(),
            terms_of_reference: "Leads the partnership.".into(),
        };
        let mut errors = FormErrors::default();
        assert!(form.validate(&mut errors, Some(g(1)), &parents).is_none());
        assert!(
            errors
                .get("parent_group_id")
                .unwrap()
                .contains("cannot report")
        );
        // A cycle already in the data does not hang the check.
        assert!(!reports_to(
            g(5),
            g(9),
            &[(g(5), Some(g(6))), (g(6), Some(g(5)))]
        ));
    }

    fn membership(person_id: i64, position: Position) -> Membership {
        Membership {
            id: MembershipId::new(person_id),
            group_id: GroupId::new(1),
            group_name: "QIG".into(),
            person_id: PersonId::new(person_id),
            person_name: "Business Manager".into(),
            organisation_name: "Council".into(),
            position,
            started_on: date!(2025 - 04 - 01),
            term_ends_on: None,
            ended_on: None,
        }
    }

    #[test]
    fn a_group_has_one_chair_and_each_person_once() {
        let current = [membership(7, Position::Chair)];
        let form = MembershipForm {
            person_id: "7".into(),
            position: "chair".into(),
            started_on_day: "1".into(),
            started_on_month: "4".into(),
            started_on_year: "2026".into(),
            ..MembershipForm::default()
        };
        let mut errors = FormErrors::default();
        assert!(form.validate(&mut errors, |_| true, &current).is_none());
        assert!(
            errors
                .get("person_id")
                .unwrap()
                .contains("already a member")
        );
        assert!(
            errors
                .get("position")
                .unwrap()
                .contains("already has a chair")
        );
        assert!(
            errors
                .get("term_ends_on")
                .unwrap()
                .contains("chairs and vice-chairs rotate")
        );
    }

    /// A change to a membership as typed: a position and a term end such as "31 3 2028".
    fn change(position: &str, term_ends: &str) -> MembershipForm {
        let mut parts = term_ends.split(' ').map(str::to_owned);
        MembershipForm {
            position: position.into(),
            term_ends_on_day: parts.next().unwrap_or_default(),
            term_ends_on_month: parts.next().unwrap_or_default(),
            term_ends_on_year: parts.next().unwrap_or_default(),
            ..MembershipForm::default()
        }
    }

    #[test]
    fn a_chair_extends_their_own_term_but_a_second_chair_is_refused() {
        let chair = membership(7, Position::Chair);
        let member = membership(8, Position::Member);
        let current = [chair.clone(), member.clone()];
        // The chair is not counted against itself; the person and start date stay.
        let mut errors = FormErrors::default();
        let details = change("chair", "31 3 2028")
            .validate_change(&mut errors, &chair, &current)
            .expect("the chair's term is extended");
        assert_eq!(
            details,
            MembershipDetails {
                person_id: PersonId::new(7),
                position: Position::Chair,
                started_on: date!(2025 - 04 - 01),
                term_ends_on: Some(date!(2028 - 03 - 31)),
            }
        );
        // Refused for a member: chair while the group has one; vice-chair with no term end,
        // or one before the start; a position that does not exist.
        let refusals = [
            ("chair", "31 3 2028", "position", "already has a chair"),
            ("vice_chair", "", "term_ends_on", "vice-chairs rotate"),
            ("vice_chair", "1 4 2025", "term_ends_on", "after the start"),
            ("president", "", "position", "Select the position"),
        ];
        for (position, term_ends, field, message) in refusals {
            let mut errors = FormErrors::default();
            let refused =
                change(position, term_ends).validate_change(&mut errors, &member, &current);
            assert!(refused.is_none(), "{position} {term_ends}");
            assert!(
                errors
                    .get(field)
                    .is_some_and(|error| error.contains(message)),
                "{position} {term_ends}: {:?}",
                errors.get(field)
            );
        }
        // A chair may step down to member, with no fixed term.
        let mut errors = FormErrors::default();
        let details = change("member", "")
            .validate_change(&mut errors, &chair, &current)
            .expect("a chair becomes a member");
        assert_eq!(details.term_ends_on, None);
    }

    #[test]
    fn rotations_are_due_within_ninety_days() {
        let today = date!(2026 - 11 - 23);
        assert_eq!(
            rotation_status(date!(2026 - 10 - 31), today),
            RotationStatus::Overdue
        );
        assert_eq!(rotation_status(today, today), RotationStatus::DueSoon);
        assert_eq!(
            rotation_status(date!(2027 - 02 - 21), today),
            RotationStatus::DueSoon
        );
        assert_eq!(
            rotation_status(date!(2027 - 02 - 22), today),
            RotationStatus::Later
        );
    }

    #[test]
    fn organisations_are_active_within_their_period() {
        let organisation = Organisation {
            id: OrganisationId::new(1),
            name: "Riverside College".into(),
            kind: OrganisationKind::School,
            sector: "Education — further education".into(),
            active_from: date!(2020 - 09 - 01),
            active_to: Some(date!(2025 - 08 - 31)),
            archived_at: None,
        };
        assert!(organisation.is_active_on(date!(2025 - 08 - 31)));
        assert!(!organisation.is_active_on(date!(2025 - 09 - 01)));
        assert!(!organisation.is_active_on(date!(2020 - 08 - 31)));
    }
}
