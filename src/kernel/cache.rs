//! Computed results kept between requests until the data under them changes. Every change in
//! MASA writes an audit entry in its own transaction, so the newest audit entries give a
//! revision number for the whole database: a cached value is used only while it is unchanged.
//! Works across several app instances too, since the revision is read from the database.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::db::Db;

/// Most entries kept; past it the cache starts afresh (results are cheap to recompute).
const CAPACITY: usize = 256;

type Entry = (i64, Arc<dyn Any + Send + Sync>);

#[derive(Default)]
pub struct RevisionCache {
    entries: Mutex<HashMap<String, Entry>>,
    /// One computation at a time: when many requests miss together (after a change, or at
    /// start), one computes and the rest wait for its result instead of repeating the work.
    computing: tokio::sync::Mutex<()>,
}

impl RevisionCache {
    pub fn get<T: Send + Sync + 'static>(&self, key: &str, revision: i64) -> Option<Arc<T>> {
        let entries = self.entries.lock().ok()?;
        let (kept_at, value) = entries.get(key)?;
        if *kept_at != revision {
            return None;
        }
        value.clone().downcast::<T>().ok()
    }

    /// The value for this key and revision, computing and keeping it on a miss.
    pub async fn get_or_compute<T, E, F>(
        &self,
        key: String,
        revision: i64,
        compute: F,
    ) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        F: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.get(&key, revision) {
            return Ok(value);
        }
        let _one_at_a_time = self.computing.lock().await;
        if let Some(value) = self.get(&key, revision) {
            return Ok(value);
        }
        let value = Arc::new(compute.await?);
        self.put(key, revision, value.clone());
        Ok(value)
    }

    pub fn put<T: Send + Sync + 'static>(&self, key: String, revision: i64, value: Arc<T>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(key, (revision, value));
        }
    }
}

/// How far back `revision` looks for entries committed out of order.
const RECENT_ENTRIES: i64 = 1000;

/// A partnership's revision, from its newest audit entries: a change in one partnership leaves
/// the others' cached pages standing. The newest id alone is not enough on PostgreSQL, where a
/// transaction that took an earlier id can commit after a later one; so the number of the
/// partnership's entries among the newest thousand ids counts too, and moves when it does.
pub async fn revision(db: &Db, partnership_id: i64) -> Result<i64, sqlx::Error> {
    let (newest, recent): (Option<i64>, i64) = sqlx::query_as(
        "SELECT MAX(id), COUNT(*) FROM audit_events WHERE partnership_id = $2 AND id > \
         (SELECT COALESCE(MAX(id), 0) - $1 FROM audit_events WHERE partnership_id = $2)",
    )
    .bind(RECENT_ENTRIES)
    .bind(partnership_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(newest
        .unwrap_or(0)
        .saturating_mul(2 * RECENT_ENTRIES + 1)
        .saturating_add(recent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_last_until_the_revision_moves() {
        let cache = RevisionCache::default();
        cache.put("scorecard".into(), 7, Arc::new(vec![1, 2, 3]));
        assert_eq!(
            cache.get::<Vec<i32>>("scorecard", 7).as_deref(),
            Some(&vec![1, 2, 3])
        );
        assert!(
            cache.get::<Vec<i32>>("scorecard", 8).is_none(),
            "a newer revision misses"
        );
        assert!(
            cache.get::<String>("scorecard", 7).is_none(),
            "a different type misses"
        );
        assert!(cache.get::<Vec<i32>>("other", 7).is_none());
        for n in 0..CAPACITY + 1 {
            cache.put(format!("key {n}"), 1, Arc::new(n));
        }
        assert!(cache.entries.lock().unwrap().len() <= CAPACITY);
    }
}
