//! Computed results kept between requests until the data under them changes. Every change in
//! MASA writes an audit entry in its own transaction, so a partnership's newest audit entries
//! give a revision number for its data: a cached value is used only while it is unchanged.
//! Works across several app instances too, since the revision is read from the database.
//! The revision is a partnership's: `cache::revision(scope)`.

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use super::store::Store;

/// How much is kept, in weight units: an ordinary entry weighs 1, a large one says what it
/// weighs (a scorecard, one unit a row: a few kilobytes). 40,000 holds eleven national-size
/// scorecards of 3,600 indicators beside everything else, so memory stays bounded however
/// many partnerships one instance serves; past it the oldest entries go first.
const BUDGET: usize = 40_000;

struct Kept {
    revision: i64,
    value: Arc<dyn Any + Send + Sync>,
    weight: usize,
    /// When it was put, for evicting the oldest first.
    order: u64,
}

#[derive(Default)]
struct Entries {
    kept: HashMap<String, Kept>,
    /// The keys by when they were put, oldest first.
    by_order: BTreeMap<u64, String>,
    weight: usize,
    next_order: u64,
}

impl Entries {
    fn insert(&mut self, key: String, kept: Kept) {
        self.weight += kept.weight;
        self.by_order.insert(kept.order, key.clone());
        if let Some(old) = self.kept.insert(key, kept) {
            self.weight -= old.weight;
            self.by_order.remove(&old.order);
        }
        // The newest entry stays even if it alone is over the budget.
        while self.weight > BUDGET && self.kept.len() > 1 {
            let Some((_, oldest)) = self.by_order.pop_first() else {
                break;
            };
            if let Some(gone) = self.kept.remove(&oldest) {
                self.weight -= gone.weight;
            }
        }
    }
}

#[derive(Default)]
pub struct RevisionCache {
    entries: Mutex<Entries>,
    /// One computation at a time: when many requests miss together (after a change, or at
    /// start), one computes and the rest wait for its result instead of repeating the work.
    computing: tokio::sync::Mutex<()>,
}

impl RevisionCache {
    pub fn get<T: Send + Sync + 'static>(&self, key: &str, revision: i64) -> Option<Arc<T>> {
        let entries = self.entries.lock().ok()?;
        let kept = entries.kept.get(key)?;
        if kept.revision != revision {
            return None;
        }
        kept.value.clone().downcast::<T>().ok()
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
        self.get_or_compute_weighed(key, revision, compute, |_| 1)
            .await
    }

    /// `get_or_compute` for a large value, with what it weighs against the budget.
    pub async fn get_or_compute_weighed<T, E, F>(
        &self,
        key: String,
        revision: i64,
        compute: F,
        weigh: impl FnOnce(&T) -> usize,
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
        let weight = weigh(&value).max(1);
        self.put(key, revision, value.clone(), weight);
        Ok(value)
    }

    pub fn put<T: Send + Sync + 'static>(
        &self,
        key: String,
        revision: i64,
        value: Arc<T>,
        weight: usize,
    ) {
        if let Ok(mut entries) = self.entries.lock() {
            let order = entries.next_order;
            entries.next_order += 1;
            entries.insert(
                key,
                Kept {
                    revision,
                    value,
                    weight,
                    order,
                },
            );
        }
    }
}

/// How far back `revision` looks for entries committed out of order.
const RECENT_ENTRIES: i64 = 1000;

/// A partnership's revision, from its newest audit entries: a change in one partnership leaves
/// the others' cached pages standing. The newest id alone is not enough on PostgreSQL, where a
/// transaction that took an earlier id can commit after a later one; so the number of the
/// partnership's entries among the newest thousand ids counts too, and moves when it does.
pub async fn revision(mut store: impl Store) -> Result<i64, sqlx::Error> {
    let (newest, recent): (Option<i64>, i64) = sqlx::query_as(
        "SELECT MAX(id), COUNT(*) FROM audit_events WHERE partnership_id = $2 AND id > \
         (SELECT COALESCE(MAX(id), 0) - $1 FROM audit_events WHERE partnership_id = $2)",
    )
    .bind(RECENT_ENTRIES)
    .bind(store.partnership())
    .fetch_one(store.conn())
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
        cache.put("scorecard".into(), 7, Arc::new(vec![1, 2, 3]), 1);
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
    }

    #[test]
    fn the_budget_evicts_the_oldest_entries_first() {
        let cache = RevisionCache::default();
        for n in 0..BUDGET + 10 {
            cache.put(format!("key {n}"), 1, Arc::new(n), 1);
        }
        {
            let entries = cache.entries.lock().unwrap();
            assert_eq!(entries.weight, BUDGET);
            assert_eq!(entries.kept.len(), BUDGET);
        }
        assert!(cache.get::<usize>("key 9", 1).is_none(), "the oldest went");
        assert_eq!(cache.get::<usize>("key 10", 1).as_deref(), Some(&10));

        // A heavy entry pushes out as many of the oldest as it weighs, and replacing an entry
        // counts only its new weight.
        cache.put("scorecard".into(), 1, Arc::new(0usize), 3_600);
        cache.put("scorecard".into(), 2, Arc::new(1usize), 3_600);
        let entries = cache.entries.lock().unwrap();
        assert_eq!(entries.weight, BUDGET);
        assert_eq!(entries.kept.len(), BUDGET - 3_600 + 1);
        drop(entries);
        assert_eq!(cache.get::<usize>("scorecard", 2).as_deref(), Some(&1));
        assert!(cache.get::<usize>("key 3609", 1).is_none());
        assert!(cache.get::<usize>("key 3610", 1).is_some());
    }

    #[test]
    fn an_entry_over_the_budget_alone_is_still_kept() {
        let cache = RevisionCache::default();
        cache.put("small".into(), 1, Arc::new(1usize), 1);
        cache.put("huge".into(), 1, Arc::new(2usize), BUDGET * 2);
        assert!(cache.get::<usize>("small", 1).is_none());
        assert_eq!(cache.get::<usize>("huge", 1).as_deref(), Some(&2));
    }
}
