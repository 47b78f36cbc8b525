//! "Work waiting": what each module asks of the signed-in person, for their home page. A module
//! registers a [`WorkSource`] in `src/lib.rs` (as it registers its navigation); the home page
//! asks every source for the person's items and shows them most urgent first. A source decides
//! who sees what by the person's roles and organisation, with the same rules as its own pages.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use time::Date;

use super::auth::CurrentUser;
use super::{AppResult, AppState};

/// How soon something needs the person, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Urgency {
    /// Past its deadline: a statutory clock breached, a return overdue, an action overdue.
    Overdue,
    /// Due soon, or waiting on this person now (a drop to decide, a return sent back).
    DueSoon,
    /// Worth knowing; nothing is late.
    ForInformation,
}

impl Urgency {
    /// The GOV.UK tag shown beside the item.
    pub fn tag(self) -> (&'static str, &'static str) {
        match self {
            Urgency::Overdue => ("Overdue", "govuk-tag--red"),
            Urgency::DueSoon => ("Due soon", "govuk-tag--yellow"),
            Urgency::ForInformation => ("For information", "govuk-tag--blue"),
        }
    }
}

/// What the item counts or when it falls due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Measure {
    Count(usize),
    Due(Date),
    Nothing,
}

/// One thing waiting for the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkItem {
    /// What it is, as a sentence fragment: "3 data drops waiting for a decision".
    pub title: String,
    /// A line more, where the person needs it to act: a return's reason, who is missing.
    pub detail: Option<String>,
    pub measure: Measure,
    /// Where to act on it.
    pub href: String,
    pub urgency: Urgency,
}

impl WorkItem {
    pub fn new(
        urgency: Urgency,
        title: impl Into<String>,
        measure: Measure,
        href: impl Into<String>,
    ) -> WorkItem {
        WorkItem {
            title: title.into(),
            detail: None,
            measure,
            href: href.into(),
            urgency,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> WorkItem {
        self.detail = Some(detail.into());
        self
    }

    /// The date it falls due, for ordering.
    pub fn due(&self) -> Option<Date> {
        match self.measure {
            Measure::Due(date) => Some(date),
            _ => None,
        }
    }

    /// "due 3 December 2026", or "was due …" once late; none for an undated item.
    pub fn due_phrase(&self) -> Option<String> {
        let due = super::text::long_date(self.due()?);
        Some(match self.urgency {
            Urgency::Overdue => format!("was due {due}"),
            _ => format!("due {due}"),
        })
    }
}

/// The items one module has for a person.
pub type WorkFuture<'a> = Pin<Box<dyn Future<Output = AppResult<Vec<WorkItem>>> + Send + 'a>>;

/// A module's answer to "what is waiting for this person?", on `today`.
pub type WorkSource = for<'a> fn(&'a AppState, &'a CurrentUser, Date) -> WorkFuture<'a>;

/// Every module's source, in registration order.
#[derive(Clone, Default)]
pub struct WorkRegistry {
    sources: Vec<WorkSource>,
}

impl WorkRegistry {
    pub fn new() -> WorkRegistry {
        WorkRegistry::default()
    }

    pub fn with(mut self, source: WorkSource) -> WorkRegistry {
        self.sources.push(source);
        self
    }

    /// Everything waiting for the person, most urgent first; within one urgency the soonest
    /// due first, then in registration order. Kept for the person and the day until the
    /// partnership's data changes (kernel::cache): sources read only the partnership's records,
    /// whose every change is in the trail. (An e-mail's failed delivery is not a change: a
    /// stuck e-mail shows from the next change or the next day.)
    pub async fn waiting_for(
        &self,
        state: &AppState,
        user: &CurrentUser,
        today: Date,
    ) -> AppResult<Arc<Vec<WorkItem>>> {
        let scope = super::Scope::new(&state.db, user.partnership());
        let revision = super::cache::revision(scope).await?;
        let key = format!("work/{}/{}/{today}", user.partnership(), user.id);
        if let Some(items) = state.cache.get(&key, revision) {
            return Ok(items);
        }
        // Not `get_or_compute`: sources keep their own figures in the cache, and its one
        // computation at a time would wait on itself.
        let mut items = Vec::new();
        for source in &self.sources {
            items.extend(source(state, user, today).await?);
        }
        sort_by_urgency(&mut items);
        let items = Arc::new(items);
        state.cache.put(key, revision, items.clone(), 1);
        Ok(items)
    }
}

/// The usual pair of items: how many are overdue and how many are due soon, each an item when
/// there are any, both linking to the same list. `title` words the count ("2 risk reviews
/// overdue").
pub fn overdue_and_due_soon(
    overdue: usize,
    due_soon: usize,
    href: &str,
    title: impl Fn(Urgency, usize) -> String,
) -> Vec<WorkItem> {
    [(Urgency::Overdue, overdue), (Urgency::DueSoon, due_soon)]
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(urgency, count)| {
            WorkItem::new(urgency, title(urgency, count), Measure::Count(count), href)
        })
        .collect()
}

/// Most urgent first; within one urgency, dated items soonest first, then the rest in order.
pub fn sort_by_urgency(items: &mut [WorkItem]) {
    items.sort_by_key(|item| (item.urgency, item.due().is_none(), item.due()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_pair_has_an_item_only_for_what_there_is() {
        let title = |urgency: Urgency, count: usize| format!("{count} {urgency:?}");
        let both = overdue_and_due_soon(2, 1, "/x", title);
        assert_eq!(both.len(), 2);
        assert_eq!(both[0].title, "2 Overdue");
        assert_eq!(both[1].measure, Measure::Count(1));
        assert_eq!(overdue_and_due_soon(0, 3, "/x", title).len(), 1);
        assert!(overdue_and_due_soon(0, 0, "/x", title).is_empty());
    }

    #[test]
    fn the_most_urgent_and_soonest_come_first() {
        let mut items = vec![
            WorkItem::new(Urgency::ForInformation, "info", Measure::Nothing, "/a"),
            WorkItem::new(Urgency::DueSoon, "count", Measure::Count(3), "/b"),
            WorkItem::new(
                Urgency::DueSoon,
                "later",
                Measure::Due(date!(2026 - 12 - 20)),
                "/c",
            ),
            WorkItem::new(Urgency::Overdue, "late", Measure::Count(1), "/d"),
            WorkItem::new(
                Urgency::DueSoon,
                "sooner",
                Measure::Due(date!(2026 - 12 - 10)),
                "/e",
            ),
        ];
        sort_by_urgency(&mut items);
        let order: Vec<&str> = items.iter().map(|item| item.title.as_str()).collect();
        assert_eq!(order, ["late", "sooner", "later", "count", "info"]);
    }
}
