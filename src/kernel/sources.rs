//! The source directory: which module names a record that something else (today the
//! improvement tracker) points to by kind and id. Each module offers its resolvers
//! (`learning::sources()`, `tracker::risks::sources()`), `src/lib.rs` merges them as it does the
//! navigation, and `AppState::sources` holds the result, so the tracker names no module and a
//! new module plugs in without a cycle:
//!
//! ```ignore
//! pub fn sources() -> SourceDirectory {
//!     SourceDirectory::new().register(SourceKind::Audit.code(), audit_source)
//! }
//! fn audit_source(scope: Scope<'_>, id: i64) -> Found<'_> {
//!     Box::pin(async move { /* look the audit up in the partnership */ })
//! }
//! ```

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use crate::kernel::store::Scope;

/// A record a source kind and id point to: its name and the page that shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRecord {
    pub label: String,
    pub page: String,
}

/// What a resolver answers: the record, or None when the partnership has no record with that id
/// (a forged or stale id, or another partnership's).
pub type Found<'a> =
    Pin<Box<dyn Future<Output = Result<Option<SourceRecord>, sqlx::Error>> + Send + 'a>>;

/// Looks up one kind's record by id within the scope's partnership.
pub type Resolver = for<'a> fn(Scope<'a>, i64) -> Found<'a>;

/// Source kind code (as the tracker stores it) → the resolver of the module that owns it.
#[derive(Clone, Default)]
pub struct SourceDirectory {
    resolvers: HashMap<&'static str, Resolver>,
}

impl SourceDirectory {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a kind. Two modules claiming one kind is a wiring mistake, caught when the app is
    /// built (as axum does for two handlers on one route), never on a request.
    pub fn register(mut self, kind: &'static str, resolver: Resolver) -> Self {
        let earlier = self.resolvers.insert(kind, resolver);
        assert!(
            earlier.is_none(),
            "source kind {kind:?} is registered twice"
        );
        self
    }

    pub fn merge(self, other: SourceDirectory) -> Self {
        other
            .resolvers
            .into_iter()
            .fold(self, |directory, (kind, resolver)| {
                directory.register(kind, resolver)
            })
    }

    /// The registered kinds, sorted.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds: Vec<_> = self.resolvers.keys().copied().collect();
        kinds.sort_unstable();
        kinds
    }

    /// The record of `kind` with `id` in the partnership; None for a kind no module registered
    /// (named by hand, such as a meeting) or an id the partnership does not have.
    pub async fn resolve(
        &self,
        scope: Scope<'_>,
        kind: &str,
        id: i64,
    ) -> Result<Option<SourceRecord>, sqlx::Error> {
        match self.resolvers.get(kind) {
            Some(resolver) => resolver(scope, id).await,
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Knows record 7 of partnership 1 only.
    fn seven(scope: Scope<'_>, id: i64) -> Found<'_> {
        Box::pin(async move {
            Ok(
                (scope.partnership().get() == 1 && id == 7).then(|| SourceRecord {
                    label: "Review 7".into(),
                    page: "/reviews/7".into(),
                }),
            )
        })
    }

    fn nothing(_scope: Scope<'_>, _id: i64) -> Found<'_> {
        Box::pin(async { Ok(None) })
    }

    #[test]
    fn merged_directories_list_every_kind() {
        let directory = SourceDirectory::new()
            .register("review", seven)
            .merge(SourceDirectory::new().register("risk", nothing));
        assert_eq!(directory.kinds(), ["review", "risk"]);
    }

    #[test]
    #[should_panic(expected = "registered twice")]
    fn a_kind_registered_twice_is_refused_at_startup() {
        let _ = SourceDirectory::new()
            .register("review", seven)
            .merge(SourceDirectory::new().register("review", nothing));
    }
}
