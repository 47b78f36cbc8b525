//! Roles people hold and the permissions each route names. A route declares one permission;
//! the router refuses everyone whose roles do not grant it, before the handler runs.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    BusinessUnitAdmin,
    PartnerDataLead,
    AuditRespondent,
    GroupChair,
    GroupMember,
    Reviewer,
    IndependentScrutineer,
    Practitioner,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::BusinessUnitAdmin,
        Role::PartnerDataLead,
        Role::AuditRespondent,
        Role::GroupChair,
        Role::GroupMember,
        Role::Reviewer,
        Role::IndependentScrutineer,
        Role::Practitioner,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::BusinessUnitAdmin => "business_unit_admin",
            Role::PartnerDataLead => "partner_data_lead",
            Role::AuditRespondent => "audit_respondent",
            Role::GroupChair => "group_chair",
            Role::GroupMember => "group_member",
            Role::Reviewer => "reviewer",
            Role::IndependentScrutineer => "independent_scrutineer",
            Role::Practitioner => "practitioner",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::BusinessUnitAdmin => "Business unit admin",
            Role::PartnerDataLead => "Partner data lead",
            Role::AuditRespondent => "Audit respondent",
            Role::GroupChair => "Group chair",
            Role::GroupMember => "Group member",
            Role::Reviewer => "Reviewer",
            Role::IndependentScrutineer => "Independent scrutineer",
            Role::Practitioner => "Practitioner",
        }
    }

    /// Roles that act for one organisation and so need one.
    pub fn is_organisation_scoped(self) -> bool {
        matches!(self, Role::PartnerDataLead | Role::AuditRespondent)
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.code() == code)
    }

    /// Roles are stored as a comma-separated list of codes; unknown codes are ignored.
    pub fn parse_list(text: &str) -> Vec<Role> {
        text.split(',')
            .filter_map(|code| Role::from_code(code.trim()))
            .collect()
    }

    pub fn format_list(roles: &[Role]) -> String {
        roles
            .iter()
            .map(|role| role.code())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// What a route needs. Named for the act, not the role, so a role's reach reads as a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Anyone signed in: home page, own account.
    SignedIn,
    /// Read the partnership's structure: organisations, people, groups, business plans.
    ViewPartnership,
    /// Create, edit and archive partnership records.
    ManagePartnership,
    /// Edit an organisation's own details; scoped to the user's organisation unless admin.
    EditOwnOrganisation,
    /// Reach the Admin area: whoever may use one of its pages (the audit trail, users).
    UseAdmin,
    /// Read the audit trail.
    ViewAuditTrail,
    /// Create accounts and reset passwords.
    ManageUsers,
    /// Read the published dataset: the catalogue, scorecard and indicator series.
    ViewDataset,
    /// Read data drops: the business unit and the scrutineer all submitted ones; a partner data
    /// lead its own organisation's, drafts included (scoped in the handler).
    ViewDataDrops,
    /// Prepare and submit a data drop and its storyboard; scoped to the user's organisation
    /// unless admin.
    SubmitDataDrop,
    /// Keep the indicator catalogue and collection periods, approve or return data drops.
    ManageDataset,
    /// Read learning reviews and their statutory clocks.
    ViewLearning,
    /// Record serious incident notifications and the dates of their reviews.
    ManageLearning,
    /// Keep the bank holidays the statutory clocks skip.
    ManageCalendar,
    /// Read the improvement tracker: every recommendation and action, and their evidence.
    ViewTracker,
    /// Record recommendations and set their actions: owners, due dates, impact measures.
    ManageTracker,
    /// Report progress on an action, add evidence, complete and revisit it; scoped in the
    /// handler to actions the user's organisation owns unless admin.
    UpdateActions,
    /// Keep the list of themes that learning review findings are tagged with.
    ManageThemes,
    /// Read the risk register, its heat map and its export.
    ViewRiskRegister,
    /// Record, edit, re-score and close risks and their controls.
    ManageRiskRegister,
    /// Read the policy tracker: policies and procedures, versions and review dates.
    ViewPolicies,
    /// Record policies, approve new versions and set review dates.
    ManagePolicies,
    /// Read the yearly and quarterly reports, their figures and the records behind them.
    ViewReports,
    /// Generate report drafts, write their narrative and approve them.
    ManageReports,
    /// Comment on a report draft.
    CommentOnReports,
    /// Read the audit frameworks, rounds and the returns dashboard (assurance).
    ViewAssurance,
    /// Keep audit frameworks, open rounds, grant extensions and reopen returns.
    ManageAssurance,
    /// Fill in and submit an audit return; scoped in the handler to the user's organisation's
    /// returns unless admin.
    RespondToAudit,
    /// Moderate a return in a deep-dive sample (the panel): the business unit and the groups'
    /// chairs and members; not the scrutineer, nor audit respondents. Never one's own
    /// organisation's return (refused in the handler).
    ModerateAudit,
}

impl Permission {
    pub fn granted_to(self, role: Role) -> bool {
        use Role::*;
        match self {
            Permission::SignedIn => true,
            Permission::ViewPartnership => !matches!(role, Practitioner),
            Permission::ManagePartnership | Permission::ManageUsers => role == BusinessUnitAdmin,
            Permission::EditOwnOrganisation => matches!(role, BusinessUnitAdmin | PartnerDataLead),
            Permission::ViewAuditTrail => matches!(role, BusinessUnitAdmin | IndependentScrutineer),
            Permission::UseAdmin => {
                Permission::ViewAuditTrail.granted_to(role)
                    || Permission::ManageUsers.granted_to(role)
            }
            Permission::ViewDataset => !matches!(role, Practitioner),
            Permission::ViewDataDrops => matches!(
                role,
                BusinessUnitAdmin | PartnerDataLead | IndependentScrutineer
            ),
            Permission::SubmitDataDrop => matches!(role, BusinessUnitAdmin | PartnerDataLead),
            Permission::ManageDataset | Permission::ManageCalendar => role == BusinessUnitAdmin,
            Permission::ViewLearning => matches!(
                role,
                BusinessUnitAdmin | Reviewer | IndependentScrutineer | GroupChair | GroupMember
            ),
            Permission::ManageLearning => matches!(role, BusinessUnitAdmin | Reviewer),
            Permission::ViewTracker => !matches!(role, Practitioner),
            Permission::ManageTracker => matches!(role, BusinessUnitAdmin | Reviewer | GroupChair),
            Permission::UpdateActions => !matches!(role, Practitioner | IndependentScrutineer),
            Permission::ManageThemes => role == BusinessUnitAdmin,
            Permission::ViewRiskRegister => matches!(
                role,
                BusinessUnitAdmin | IndependentScrutineer | GroupChair | GroupMember | Reviewer
            ),
            Permission::ManageRiskRegister => matches!(role, BusinessUnitAdmin | GroupChair),
            // Practitioners and partners need the procedures they work to.
            Permission::ViewPolicies => true,
            Permission::ManagePolicies => role == BusinessUnitAdmin,
            Permission::ViewReports => !matches!(role, Practitioner),
            Permission::ManageReports => role == BusinessUnitAdmin,
            Permission::CommentOnReports => {
                matches!(role, BusinessUnitAdmin | GroupChair | GroupMember)
            }
            Permission::ViewAssurance => !matches!(role, Practitioner),
            Permission::ManageAssurance => role == BusinessUnitAdmin,
            Permission::RespondToAudit => matches!(role, BusinessUnitAdmin | AuditRespondent),
            Permission::ModerateAudit => {
                matches!(role, BusinessUnitAdmin | GroupChair | GroupMember)
            }
        }
    }

    pub fn granted_to_any(self, roles: &[Role]) -> bool {
        roles.iter().any(|role| self.granted_to(*role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_codes_round_trip() {
        let text = Role::format_list(&Role::ALL);
        assert_eq!(Role::parse_list(&text), Role::ALL.to_vec());
        assert_eq!(Role::parse_list("reviewer, nonsense"), vec![Role::Reviewer]);
    }

    #[test]
    fn the_scrutineer_reads_but_does_not_manage() {
        let scrutineer = [Role::IndependentScrutineer];
        assert!(Permission::ViewPartnership.granted_to_any(&scrutineer));
        assert!(Permission::ViewAuditTrail.granted_to_any(&scrutineer));
        assert!(!Permission::ManagePartnership.granted_to_any(&scrutineer));
        assert!(!Permission::EditOwnOrganisation.granted_to_any(&scrutineer));
        assert!(!Permission::ManageUsers.granted_to_any(&scrutineer));
        assert!(Permission::ViewDataDrops.granted_to_any(&scrutineer));
        assert!(!Permission::SubmitDataDrop.granted_to_any(&scrutineer));
        assert!(!Permission::ManageDataset.granted_to_any(&scrutineer));
        assert!(Permission::ViewRiskRegister.granted_to_any(&scrutineer));
        assert!(!Permission::ManageRiskRegister.granted_to_any(&scrutineer));
        assert!(Permission::ViewPolicies.granted_to_any(&scrutineer));
        assert!(!Permission::ManagePolicies.granted_to_any(&scrutineer));
    }

    #[test]
    fn practitioners_read_policies_but_not_the_risk_register() {
        let practitioner = [Role::Practitioner];
        assert!(Permission::ViewPolicies.granted_to_any(&practitioner));
        assert!(!Permission::ViewRiskRegister.granted_to_any(&practitioner));
        assert!(!Permission::ManagePolicies.granted_to_any(&practitioner));
    }

    #[test]
    fn the_panel_moderates_audits_not_the_scrutineer_nor_respondents() {
        for role in [Role::BusinessUnitAdmin, Role::GroupChair, Role::GroupMember] {
            assert!(Permission::ModerateAudit.granted_to(role), "{role:?}");
        }
        for role in [
            Role::IndependentScrutineer,
            Role::AuditRespondent,
            Role::PartnerDataLead,
            Role::Reviewer,
            Role::Practitioner,
        ] {
            assert!(!Permission::ModerateAudit.granted_to(role), "{role:?}");
        }
    }

    #[test]
    fn reports_are_read_widely_commented_by_groups_and_approved_by_the_business_unit() {
        for role in Role::ALL {
            assert_eq!(
                Permission::ViewReports.granted_to(role),
                role != Role::Practitioner
            );
            assert_eq!(
                Permission::ManageReports.granted_to(role),
                role == Role::BusinessUnitAdmin
            );
        }
        assert!(Permission::CommentOnReports.granted_to(Role::GroupMember));
        assert!(!Permission::CommentOnReports.granted_to(Role::IndependentScrutineer));
        assert!(!Permission::CommentOnReports.granted_to(Role::PartnerDataLead));
    }

    #[test]
    fn only_the_business_unit_manages() {
        for role in Role::ALL {
            assert_eq!(
                Permission::ManagePartnership.granted_to(role),
                role == Role::BusinessUnitAdmin
            );
        }
    }
}
