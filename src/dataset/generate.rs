//! `masa generate`: synthetic partnerships, organisations, indicators and approved quarterly data
//! drops at whatever scale a benchmark needs, up to a national service's (150 partnerships of
//! 12 organisations reporting 300 indicators each, over 40 quarters: `--partnerships 150
//! --indicators 3600`, 21.6 million values; each indicator has one reporting organisation, so a
//! partnership's values per quarter are its indicators), written with the bulk
//! value writer (COPY on PostgreSQL). Memory stays bounded: each partnership is built quarter by
//! quarter, its values written in batches and the partnership committed on its own. Values follow
//! random walks from a seeded generator, so the same options give the same data.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::time::{Duration, Instant};

use super::model::*;
use super::store::{self, DropValue, IndicatorDetails};
use crate::kernel::audit::{Actor, AuditAction, AuditEntry};
use crate::kernel::db::{Db, now_text};
use crate::kernel::ids::DropId;
use crate::kernel::store::{Change, ChangeError};
use crate::partnership::model::{OrganisationDetails, OrganisationKind};

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Partnerships to fill. One (the default) fills the installation's first partnership (the
    /// demo's, with `--with-demo`), as the generator always did; more makes that many new
    /// partnerships, after those already there.
    pub partnerships: usize,
    /// Organisations in each partnership.
    pub organisations: usize,
    /// Indicators in each partnership, shared round-robin between its organisations.
    pub indicators: usize,
    /// Quarters of approved history, ending with the quarter before the one being collected.
    pub quarters: usize,
    pub seed: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Generated {
    pub partnerships: usize,
    pub organisations: usize,
    pub indicators: usize,
    pub drops: usize,
    pub values: u64,
    /// Time spent writing the values themselves.
    pub value_time: Duration,
    pub total_time: Duration,
}

impl Generated {
    /// Values written per second of writing them.
    pub fn write_rate(&self) -> f64 {
        self.values as f64 / self.value_time.as_secs_f64().max(f64::EPSILON)
    }
}

/// Values kept in memory before they are written: a partnership's values go in batches of
/// about this many (whole quarters), so memory stays bounded at any scale, while batches stay
/// large enough for COPY on PostgreSQL (store::BULK_COPY_FROM).
const VALUES_PER_BATCH: usize = 50_000;

/// Why generating stopped: nothing to generate into, or the database.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("the database has no partnership: run masa migrate")]
    NoPartnership,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Change(#[from] ChangeError),
}

pub async fn generate(db: &Db, options: &GenerateOptions) -> Result<Generated, GenerateError> {
    generate_reporting(db, options, |_| {}).await
}

/// `generate`, telling `progress` the running totals after each partnership is committed.
/// Each partnership is written and committed in its own transaction, quarter by quarter.
pub async fn generate_reporting(
    db: &Db,
    options: &GenerateOptions,
    mut progress: impl FnMut(&Generated),
) -> Result<Generated, GenerateError> {
    let started = Instant::now();
    let mut random = StdRng::seed_from_u64(options.seed);
    let run = now_text().replace([':', '-'], "");
    let mut totals = Generated::default();
    let first_partnership = if options.partnerships <= 1 {
        let existing = crate::partnership::partnerships(db).await?;
        Some(
            existing
                .first()
                .map(|(id, _)| *id)
                .ok_or(GenerateError::NoPartnership)?,
        )
    } else {
        None
    };
    for number in 0..options.partnerships.max(1) {
        let partnership = match first_partnership {
            Some(id) => id,
            None => {
                // A change is made in a partnership, so a new one is created (and committed)
                // before the change that fills it begins.
                crate::partnership::create_partnership(
                    db,
                    &format!("Generated Partnership {run}-{number}"),
                    "masa generate",
                )
                .await?
            }
        };
        let mut change = Change::begin(db, Actor::system("masa generate", partnership)).await?;
        fill_partnership(db, &mut change, options, &run, &mut random, &mut totals).await?;
        change.commit().await?;
        totals.partnerships += 1;
        totals.total_time = started.elapsed();
        progress(&totals);
    }
    // PostgreSQL plans from table statistics, which a bulk load leaves stale until autovacuum
    // next looks: measured right after a run, the approved series of one indicator was planned
    // as a probe per drop (2.9 ms) instead of by its index (0.2 ms). A real import is followed
    // by autovacuum's analyse; a benchmark should not measure the minute before it.
    if db.backend == crate::kernel::db::Backend::Postgres {
        sqlx::query("ANALYZE").execute(&db.pool).await?;
    }
    totals.total_time = started.elapsed();
    Ok(totals)
}

/// One partnership's organisations, indicators, closed periods and approved drops, in `change`.
async fn fill_partnership(
    db: &Db,
    change: &mut Change,
    options: &GenerateOptions,
    run: &str,
    random: &mut StdRng,
    totals: &mut Generated,
) -> Result<(), sqlx::Error> {
    let mut organisations = Vec::with_capacity(options.organisations);
    for number in 0..options.organisations.max(1) {
        let details = OrganisationDetails {
            name: format!("Generated Agency {run}-{number}"),
            kind: OrganisationKind::RelevantAgency,
            sector: "Generated for benchmarks".into(),
            active_from: time::macros::date!(2015 - 04 - 01),
            active_to: None,
        };
        organisations.push(crate::partnership::add_organisation(change, &details).await?);
    }
    let last = super::demo::collecting().previous();
    let mut first = last;
    for _ in 1..options.quarters.max(1) {
        first = first.previous();
    }
    // indicator id, owner, unit, starting level
    let mut indicators = Vec::with_capacity(options.indicators);
    for number in 0..options.indicators {
        let owner = organisations[number % organisations.len()];
        let unit = if number % 3 == 0 {
            Unit::Percent
        } else {
            Unit::Count
        };
        let level = if unit == Unit::Percent {
            40.0 + 50.0 * random.random::<f64>()
        } else {
            (20.0 + 400.0 * random.random::<f64>()).round()
        };
        let details = IndicatorDetails {
            // The same codes in every partnership of a run: codes are unique per partnership.
            code: format!("G{run}-{number}")
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect(),
            name: format!("Generated indicator {number}"),
            definition: "Synthetic series for benchmarks.".into(),
            unit,
            polarity: if number % 2 == 0 {
                Polarity::HigherIsBetter
            } else {
                Polarity::LowerIsBetter
            },
            frequency: Frequency::Quarterly,
            owner_organisation_id: owner,
            priority_item_id: None,
            target: Some(if unit == Unit::Percent {
                75.0
            } else {
                level.round()
            }),
            suppression_threshold: 5,
            decimals: 0,
            source: "generated".into(),
        };
        let id = store::insert_indicator(change, &details, first).await?;
        indicators.push((id, owner, unit, level));
    }
    let mut values_written = 0;
    let mut rows: Vec<(DropId, DropValue)> =
        Vec::with_capacity(VALUES_PER_BATCH.min(indicators.len() * options.quarters.max(1)));
    let mut quarter = first;
    loop {
        if store::find_period(&mut *change, quarter).await?.is_none() {
            let id =
                store::insert_period(change, quarter, quarter.end() + time::Duration::days(45))
                    .await?;
            store::set_period_closed(change, (id, quarter), true).await?;
        }
        for organisation in &organisations {
            let drop_id = store::insert_approved_drop(change, *organisation, quarter).await?;
            totals.drops += 1;
            for (id, _, unit, level) in indicators
                .iter_mut()
                .filter(|(_, owner, ..)| owner == organisation)
            {
                let step = (random.random::<f64>() - 0.5)
                    * if *unit == Unit::Percent {
                        6.0
                    } else {
                        (*level * 0.1).max(2.0)
                    };
                *level = (*level + step).max(0.0);
                if *unit == Unit::Percent {
                    *level = level.min(100.0);
                }
                let value = if *unit == Unit::Count {
                    level.round()
                } else {
                    (*level * 10.0).round() / 10.0
                };
                rows.push((
                    drop_id,
                    DropValue {
                        indicator_id: *id,
                        value,
                        note: String::new(),
                        outlier_confirmed: false,
                    },
                ));
            }
        }
        let done = quarter == last;
        if done || rows.len() >= VALUES_PER_BATCH {
            let writing = Instant::now();
            values_written += store::insert_values_bulk(
                db,
                change.transaction(),
                rows.iter().map(|(drop_id, value)| (*drop_id, value)),
            )
            .await?;
            totals.value_time += writing.elapsed();
            rows.clear();
        }
        if done {
            break;
        }
        quarter = quarter.next();
    }
    change
        .record(AuditEntry::about_none(
            AuditAction::Create,
            "dataset",
            format!(
                "Generated {} indicators with {values_written} values for benchmarks",
                indicators.len()
            ),
        ))
        .await?;
    totals.organisations += organisations.len();
    totals.indicators += indicators.len();
    totals.values += values_written;
    Ok(())
}
