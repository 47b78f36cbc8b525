//! What case-file audits ask of people on their home page (registered through
//! `assurance::work`):
//! - an agency's auditor: per audit, the cases still open (no round-table outcome) that its
//!   organisation takes part in and has not answered;
//! - the business unit: per audit, the open cases every agency has answered, whose round-table
//!   outcome is still to record.
//!
//! Re-audits due are not asked for: the audit holds the date it was held and each case the time
//! its round-table outcome was typed in, but no date of the round-table meeting to count three
//! months from.
//!
//! The rules are pure functions over the open cases ([`OpenCase`]); `open_cases` is the one
//! query, reading only cases without a round-table outcome so the home page stays cheap.

use std::collections::BTreeMap;

use super::model::{AuditedCaseId, CaseAuditId};
use crate::kernel::Store;
use crate::kernel::ids::OrganisationId;

type Result<T> = std::result::Result<T, sqlx::Error>;

/// A case with no round-table outcome yet, and how far each agency has answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCase {
    pub id: AuditedCaseId,
    pub audit_id: CaseAuditId,
    pub audit_title: String,
    /// The questions of the audit's template.
    pub questions: i64,
    /// The audit's participating agencies.
    pub agencies: Vec<OrganisationId>,
    /// How many questions each agency has answered for this case.
    pub answered: BTreeMap<OrganisationId, i64>,
}

impl OpenCase {
    /// An agency has answered the case once it has graded every question. A template with no
    /// questions yet is still being set up: no one can answer it.
    pub fn answered_by(&self, agency: OrganisationId) -> bool {
        self.questions > 0 && self.answered.get(&agency).copied().unwrap_or(0) >= self.questions
    }

    /// The case waits for this agency's answers: it takes part, the template is ready, and it
    /// has not answered.
    pub fn awaits(&self, agency: OrganisationId) -> bool {
        self.questions > 0 && self.agencies.contains(&agency) && !self.answered_by(agency)
    }

    /// Every participating agency has answered: the round-table can agree its outcome.
    pub fn ready_for_round_table(&self) -> bool {
        !self.agencies.is_empty() && self.agencies.iter().all(|a| self.answered_by(*a))
    }
}

/// One audit's count of cases meeting a rule, for a home-page item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCount {
    pub audit_id: CaseAuditId,
    pub audit_title: String,
    pub cases: usize,
}

/// Per audit (in the order the cases came), how many of its open cases meet `rule`; audits
/// with none are left out.
pub fn count_by_audit(cases: &[OpenCase], rule: impl Fn(&OpenCase) -> bool) -> Vec<AuditCount> {
    let mut counts: Vec<AuditCount> = Vec::new();
    for case in cases.iter().filter(|case| rule(case)) {
        match counts.iter_mut().find(|c| c.audit_id == case.audit_id) {
            Some(count) => count.cases += 1,
            None => counts.push(AuditCount {
                audit_id: case.audit_id,
                audit_title: case.audit_title.clone(),
                cases: 1,
            }),
        }
    }
    counts
}

/// Every case of the partnership without a round-table outcome, with its audit's template size
/// and agencies and each agency's answers; latest audit first.
pub async fn open_cases(mut store: impl Store) -> Result<Vec<OpenCase>> {
    let partnership = store.partnership();
    let cases: Vec<(AuditedCaseId, CaseAuditId, String, i64)> = sqlx::query_as(
        "SELECT c.id, c.audit_id, a.title, \
         (SELECT COUNT(*) FROM case_audit_questions q WHERE q.audit_id = c.audit_id) AS questions \
         FROM case_audit_cases c JOIN case_audits a ON a.id = c.audit_id \
         WHERE c.partnership_id = $1 AND c.round_table_grade IS NULL \
         ORDER BY a.held_on DESC, a.id DESC, c.id",
    )
    .bind(partnership)
    .fetch_all(store.conn())
    .await?;
    if cases.is_empty() {
        return Ok(Vec::new());
    }
    let agencies: Vec<(CaseAuditId, OrganisationId)> = sqlx::query_as(
        "SELECT g.audit_id, g.organisation_id FROM case_audit_agencies g \
         WHERE g.partnership_id = $1 AND EXISTS (SELECT 1 FROM case_audit_cases c \
         WHERE c.audit_id = g.audit_id AND c.round_table_grade IS NULL) ORDER BY g.id",
    )
    .bind(partnership)
    .fetch_all(store.conn())
    .await?;
    let answers: Vec<(AuditedCaseId, OrganisationId, i64)> = sqlx::query_as(
        "SELECT n.case_id, n.organisation_id, COUNT(*) FROM case_audit_answers n \
         JOIN case_audit_cases c ON c.id = n.case_id \
         WHERE n.partnership_id = $1 AND c.round_table_grade IS NULL \
         GROUP BY n.case_id, n.organisation_id",
    )
    .bind(partnership)
    .fetch_all(store.conn())
    .await?;
    Ok(cases
        .into_iter()
        .map(|(id, audit_id, audit_title, questions)| OpenCase {
            id,
            audit_id,
            audit_title,
            questions,
            agencies: agencies
                .iter()
                .filter(|(audit, _)| *audit == audit_id)
                .map(|(_, agency)| *agency)
                .collect(),
            answered: answers
                .iter()
                .filter(|(case, _, _)| *case == id)
                .map(|(_, agency, count)| (*agency, *count))
                .collect(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICE: OrganisationId = OrganisationId::new(3);
    const HEALTH: OrganisationId = OrganisationId::new(4);
    const SCHOOLS: OrganisationId = OrganisationId::new(5);

    fn case(id: i64, audit: i64, questions: i64, answered: &[(OrganisationId, i64)]) -> OpenCase {
        OpenCase {
            id: AuditedCaseId::new(id),
            audit_id: CaseAuditId::new(audit),
            audit_title: format!("Audit {audit}"),
            questions,
            agencies: vec![POLICE, HEALTH],
            answered: answered.iter().copied().collect(),
        }
    }

    #[test]
    fn a_case_waits_for_each_agency_that_has_not_graded_every_question() {
        let open = case(1, 1, 5, &[(POLICE, 5), (HEALTH, 2)]);
        assert!(!open.awaits(POLICE), "answered in full");
        assert!(open.awaits(HEALTH), "part answered still waits");
        assert!(!open.awaits(SCHOOLS), "not a participating agency");
        assert!(!open.ready_for_round_table());
        let none = case(2, 1, 5, &[]);
        assert!(none.awaits(POLICE) && none.awaits(HEALTH));
    }

    #[test]
    fn a_template_without_questions_asks_nothing_of_anyone() {
        let setting_up = case(1, 1, 0, &[]);
        assert!(!setting_up.awaits(POLICE));
        assert!(!setting_up.ready_for_round_table());
    }

    #[test]
    fn a_case_is_ready_for_the_round_table_once_every_agency_has_answered() {
        assert!(case(1, 1, 5, &[(POLICE, 5), (HEALTH, 5)]).ready_for_round_table());
        let no_agencies = OpenCase {
            agencies: Vec::new(),
            ..case(2, 1, 5, &[])
        };
        assert!(!no_agencies.ready_for_round_table());
    }

    #[test]
    fn counts_are_per_audit_in_the_order_the_cases_came() {
        let cases = [
            case(1, 7, 5, &[(POLICE, 5)]),
            case(2, 7, 5, &[]),
            case(3, 4, 5, &[(POLICE, 5), (HEALTH, 5)]),
            case(4, 4, 5, &[]),
        ];
        assert_eq!(
            count_by_audit(&cases, |c| c.awaits(HEALTH)),
            vec![
                AuditCount {
                    audit_id: CaseAuditId::new(7),
                    audit_title: "Audit 7".into(),
                    cases: 2
                },
                AuditCount {
                    audit_id: CaseAuditId::new(4),
                    audit_title: "Audit 4".into(),
                    cases: 1
                },
            ]
        );
        let ready = count_by_audit(&cases, OpenCase::ready_for_round_table);
        assert_eq!(ready.len(), 1);
        assert_eq!(
            (ready[0].audit_id, ready[0].cases),
            (CaseAuditId::new(4), 1)
        );
    }
}
