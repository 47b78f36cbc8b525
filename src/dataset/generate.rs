//! `masa generate`: synthetic organisations, indicators and approved quarterly data drops at
//! whatever scale a benchmark needs, written with the bulk value writer (COPY on PostgreSQL).
//! Values follow random walks from a seeded generator, so the same options give the same data.

use std::time::{Duration, Instant};

use super::model::*;
use super::store::{self, DropValue, IndicatorDetails};
use crate::kernel::db::{Db, now_text};
use crate::partnership::model::{OrganisationDetails, OrganisationKind};

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub organisations: usize,
    /// Indicators in all, shared round-robin between the organisations.
    pub indicators: usize,
    /// Quarters of approved history, ending with the quarter before the one being collected.
    pub quarters: usize,
    pub seed: u64,
}

#[derive(Debug, Clone)]
pub struct Generated {
    pub organisations: usize,
    pub indicators: usize,
    pub drops: usize,
    pub values: u64,
    /// Time spent writing the values themselves.
    pub value_time: Duration,
    pub total_time: Duration,
}

/// xorshift64*: small, fast and repeatable; statistical quality is beside the point here.
struct Sequence(u64);

impl Sequence {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub async fn generate(db: &Db, options: &GenerateOptions) -> Result<Generated, sqlx::Error> {
    let started = Instant::now();
    let mut random = Sequence(options.seed.max(1));
    let mut tx = db.begin_write().await?;
    let run = now_text().replace([':', '-'], "");
    let mut organisations = Vec::with_capacity(options.organisations);
    for number in 0..options.organisations.max(1) {
        let details = OrganisationDetails {
            name: format!("Generated Agency {run}-{number}"),
            kind: OrganisationKind::RelevantAgency,
            sector: "Generated for benchmarks".into(),
            active_from: time::macros::date!(2015 - 04 - 01),
            active_to: None,
        };
        organisations.push(
            crate::partnership::store::insert_organisation(
                &mut tx,
                crate::kernel::PARTNERSHIP_NOT_YET_SCOPED,
                &details,
            )
            .await?,
        );
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
            40.0 + 50.0 * random.next()
        } else {
            (20.0 + 400.0 * random.next()).round()
        };
        let details = IndicatorDetails {
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
        let id = store::insert_indicator(&mut tx, &details, first).await?;
        indicators.push((id, owner, unit, level));
    }
    let mut value_time = Duration::ZERO;
    let mut values_written = 0;
    let mut drops = 0;
    let mut quarter = first;
    loop {
        if store::find_period_in(&mut tx, quarter).await?.is_none() {
            store::insert_period(&mut tx, quarter, quarter.end() + time::Duration::days(45))
                .await?;
            store::set_period_closed(&mut tx, quarter, true).await?;
        }
        let mut rows: Vec<(i64, DropValue)> = Vec::with_capacity(indicators.len());
        for organisation in &organisations {
            let drop_id = store::insert_approved_drop(&mut tx, *organisation, quarter).await?;
            drops += 1;
            for (id, _, unit, level) in indicators
                .iter_mut()
                .filter(|(_, owner, ..)| owner == organisation)
            {
                let step = (random.next() - 0.5)
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
        let writing = Instant::now();
        values_written += store::insert_values_bulk(
            db,
            &mut tx,
            rows.iter().map(|(drop_id, value)| (*drop_id, value)),
        )
        .await?;
        value_time += writing.elapsed();
        if quarter == last {
            break;
        }
        quarter = quarter.next();
    }
    crate::kernel::audit::record(
        &mut tx,
        &crate::kernel::audit::Actor::system("masa generate", 1),
        crate::kernel::audit::AuditEntry {
            action: crate::kernel::audit::AuditAction::Create,
            entity_type: "dataset",
            entity_id: None,
            summary: format!(
                "Generated {} indicators with {values_written} values for benchmarks",
                indicators.len()
            ),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Generated {
        organisations: organisations.len(),
        indicators: indicators.len(),
        drops,
        values: values_written,
        value_time,
        total_time: started.elapsed(),
    })
}
