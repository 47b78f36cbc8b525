//! What the reports ask of people on their home page. The business unit: a current draft whose
//! checks fail, and comments others have made on a draft. Chairs and members: a current draft
//! waiting for their comments. A draft is current when it is the newest version of its report.

use std::collections::BTreeSet;

use time::Date;

use super::store::{self, VersionSummary};
use crate::kernel::auth::CurrentUser;
use crate::kernel::filters::count_of;
use crate::kernel::work::{Measure, Urgency, WorkFuture, WorkItem};
use crate::kernel::{AppState, Permission, Scope};

/// The newest version of each report, where it is a draft.
pub fn current_drafts(versions: &[VersionSummary]) -> Vec<&VersionSummary> {
    let mut seen = BTreeSet::new();
    versions
        .iter()
        .filter(|v| seen.insert((v.kind.code(), v.period.code())))
        .filter(|v| v.is_draft())
        .collect()
}

pub fn waiting<'a>(state: &'a AppState, user: &'a CurrentUser, _today: Date) -> WorkFuture<'a> {
    Box::pin(async move {
        let manages = user.can(Permission::ManageReports);
        if !manages && !user.can(Permission::CommentOnReports) {
            return Ok(Vec::new());
        }
        let scope = Scope::new(&state.db, user.partnership());
        let versions = store::list_versions(scope).await?;
        let drafts = current_drafts(&versions);
        let mut items = Vec::new();
        if manages {
            let comments = store::comment_counts(scope).await?;
            for draft in &drafts {
                let href = format!("/reports/{}", draft.id);
                if draft.failed_checks > 0 {
                    items.push(WorkItem::new(
                        Urgency::DueSoon,
                        format!(
                            "{}: {} to resolve before approval",
                            draft.title(),
                            count_of(draft.failed_checks, "failed check", "failed checks")
                        ),
                        Measure::Count(draft.failed_checks as usize),
                        href.clone(),
                    ));
                }
                if let Some((_, count)) = comments.iter().find(|(id, _)| *id == draft.id) {
                    items.push(WorkItem::new(
                        Urgency::ForInformation,
                        format!(
                            "{} on {}",
                            count_of(*count, "comment", "comments"),
                            draft.title()
                        ),
                        Measure::Count(*count as usize),
                        format!("{href}#comments"),
                    ));
                }
            }
        } else {
            for draft in &drafts {
                if !store::has_commented(scope, draft.id, user.id).await? {
                    items.push(WorkItem::new(
                        Urgency::DueSoon,
                        format!("{} is waiting for your comments", draft.title()),
                        Measure::Nothing,
                        format!("/reports/{}#comments", draft.id),
                    ));
                }
            }
        }
        Ok(items)
    })
}
