//! How modules reach their tables: always as one partnership, and for a change always with who
//! is making it and the audit entry that records it.
//!
//! - [`Scope`]: the database as one partnership sees it, handed out by the request context
//!   (`ctx.scope(&state)?`), by an API token, or by a background job's loop over partnerships.
//! - [`Change`]: one write transaction, its actor and its audit entries. Store writes take
//!   `&mut Change` and record their entry through it, so the entry commits or rolls back with
//!   the change; a change that recorded nothing is refused at commit.
//! - [`Store`]: what a store function reads through. It is implemented by both, so one function
//!   serves a page's reads on the pool and a change's reads inside its transaction (with the
//!   rows locked: [`Store::for_update`]), with no `_in` twin.
//!
//! ```ignore
//! pub async fn find_organisation(mut store: impl Store, id: OrganisationId) -> Result<Option<Organisation>> {
//!     sqlx::query_as("SELECT … FROM organisations WHERE partnership_id = $1 AND id = $2")
//!         .bind(store.partnership()).bind(id)
//!         .fetch_optional(store.conn()).await
//! }
//! find_organisation(scope, id).await?;        // a page
//! find_organisation(&mut change, id).await?;  // inside a change
//! ```

use sqlx::{Any, Executor};

use super::audit::{self, Actor, AuditEntry};
use super::db::{Backend, Db, Transaction};
use super::ids::PartnershipId;

/// What a store function reads and writes through: a partnership and a connection (the pool's,
/// or a change's transaction).
pub trait Store: Send {
    /// The partnership every query through this store is kept to.
    fn partnership(&self) -> PartnershipId;
    /// Where the next query runs. Borrowed per query: call it again for the next.
    fn conn(&mut self) -> impl Executor<'_, Database = Any>;
    /// Which database it is, for the few statements the two backends spell differently.
    fn backend(&self) -> Backend;
    /// The clause that locks the rows a SELECT reads until the change ends: `FOR UPDATE` inside
    /// a change on PostgreSQL, nothing otherwise (SQLite's write transaction already holds the
    /// one write lock; a page's reads on the pool lock nothing).
    fn for_update(&self) -> &'static str {
        ""
    }
}

/// The database as one partnership sees it. Cheap to copy; every store lookup takes one (or a
/// [`Change`]), so a query that forgets its partnership cannot be written.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    db: &'a Db,
    partnership: PartnershipId,
}

impl<'a> Scope<'a> {
    pub fn new(db: &'a Db, partnership: PartnershipId) -> Scope<'a> {
        Scope { db, partnership }
    }

    pub fn db(&self) -> &'a Db {
        self.db
    }

    pub fn partnership(&self) -> PartnershipId {
        self.partnership
    }

    /// Begins a change in this partnership, made by `actor`.
    pub async fn change(&self, actor: Actor) -> Result<Change, sqlx::Error> {
        Change::begin(self.db, actor).await
    }
}

impl Store for Scope<'_> {
    fn partnership(&self) -> PartnershipId {
        self.partnership
    }

    fn conn(&mut self) -> impl Executor<'_, Database = Any> {
        &self.db.pool
    }

    fn backend(&self) -> Backend {
        self.db.backend
    }
}

/// One change to a partnership's records: a write transaction (`Db::begin_write`), who is
/// making it, and the audit entries it has recorded.
pub struct Change {
    tx: Transaction,
    actor: Actor,
    backend: Backend,
    recorded: usize,
}

/// Why a change could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A write path that forgot its audit entry: refused, so the trail is never short of one.
    #[error("a change was about to be saved without its audit entry")]
    Unrecorded,
}

impl super::db::Retryable for ChangeError {
    fn is_retryable(&self) -> bool {
        matches!(self, ChangeError::Database(error) if super::db::is_retryable(error))
    }
}

impl Change {
    /// Begins a change made by `actor` in the actor's partnership.
    pub async fn begin(db: &Db, actor: Actor) -> Result<Change, sqlx::Error> {
        Ok(Change {
            tx: db.begin_write().await?,
            actor,
            backend: db.backend,
            recorded: 0,
        })
    }

    /// Continues a transaction already begun (by `db.begin_write()`) as a change by `actor`:
    /// for the one write that comes before its partnership exists, the partnership's creation.
    pub fn continuing(db: &Db, tx: Transaction, actor: Actor) -> Change {
        Change {
            tx,
            actor,
            backend: db.backend,
            recorded: 0,
        }
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The transaction, for a statement the [`Store`] trait does not cover (a bulk copy).
    pub fn transaction(&mut self) -> &mut Transaction {
        &mut self.tx
    }

    /// Writes an audit entry in this change's transaction, by this change's actor.
    pub async fn record(&mut self, entry: AuditEntry<'_>) -> Result<(), sqlx::Error> {
        audit::record(&mut self.tx, &self.actor, entry).await?;
        self.recorded += 1;
        Ok(())
    }

    /// Writes the same entry in another partnership's trail too, by the same actor: for a
    /// change that reaches every partnership (a bank holiday moves all their clocks) or is made
    /// for several at once (a job's run).
    pub async fn record_in(
        &mut self,
        partnership: PartnershipId,
        entry: AuditEntry<'_>,
    ) -> Result<(), sqlx::Error> {
        let actor = Actor {
            partnership_id: partnership,
            ..self.actor.clone()
        };
        audit::record(&mut self.tx, &actor, entry).await?;
        self.recorded += 1;
        Ok(())
    }

    /// Runs `write` on another partnership's records as part of this change: same transaction
    /// and actor, but its store calls are kept to `partnership` and its audit entries go to that
    /// partnership's trail. For the one write a partnership's person makes in another's records
    /// by design (an audit return answered for several partnerships), so that write goes
    /// through the other partnership's own store functions rather than around them.
    pub async fn within<T>(
        &mut self,
        partnership: PartnershipId,
        write: impl AsyncFnOnce(&mut Change) -> T,
    ) -> T {
        let own = std::mem::replace(&mut self.actor.partnership_id, partnership);
        let result = write(self).await;
        self.actor.partnership_id = own;
        result
    }

    /// Abandons the change: nothing it wrote is kept. (Dropping it does the same, later.)
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }

    /// Saves the change with its audit entries; refused (and rolled back) if it has none.
    pub async fn commit(self) -> Result<(), ChangeError> {
        if self.recorded == 0 {
            tracing::error!("a change without an audit entry was refused");
            self.tx.rollback().await?;
            return Err(ChangeError::Unrecorded);
        }
        self.tx.commit().await?;
        Ok(())
    }
}

impl Store for Change {
    fn partnership(&self) -> PartnershipId {
        self.actor.partnership()
    }

    fn conn(&mut self) -> impl Executor<'_, Database = Any> {
        &mut *self.tx
    }

    fn backend(&self) -> Backend {
        self.backend
    }

    fn for_update(&self) -> &'static str {
        match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        }
    }
}

impl<S: Store> Store for &mut S {
    fn partnership(&self) -> PartnershipId {
        (**self).partnership()
    }

    fn conn(&mut self) -> impl Executor<'_, Database = Any> {
        (**self).conn()
    }

    fn backend(&self) -> Backend {
        (**self).backend()
    }

    fn for_update(&self) -> &'static str {
        (**self).for_update()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store function as modules write them: one query, scoped by the store's partnership.
    async fn partnership_name(mut store: impl Store) -> Result<String, sqlx::Error> {
        sqlx::query_scalar("SELECT name FROM partnerships WHERE id = $1")
            .bind(store.partnership())
            .fetch_one(store.conn())
            .await
    }

    fn is_send<T: Send>(_: &T) {}

    /// Handlers run on a multi-threaded runtime, so a store call must be `Send` whether it runs
    /// on the pool or inside a change. Checked at compile time; never run.
    #[allow(dead_code)]
    async fn store_calls_are_send(db: &Db, mut change: Change) {
        let scope = Scope::new(db, PartnershipId::new(1));
        is_send(&partnership_name(scope));
        is_send(&partnership_name(&mut change));
        is_send(&async move {
            let _ = partnership_name(&mut change).await;
            let _ = partnership_name(&mut change).await;
            change.commit().await
        });
    }
}
