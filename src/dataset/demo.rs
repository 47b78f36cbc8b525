//! Demo data for the dataset: the indicator catalogue modelled on the seed report's scorecard
//! (its published figures where it gives them, plausible series around them), thirteen
//! approved quarters, and the quarter now being collected part-way through: some partners
//! approved, one submitted, one in draft, the rest not started (and overdue).

use std::collections::HashMap;

use serde::Deserialize;

use super::model::*;
use super::store::{self, DropValue, IndicatorDetails};
use crate::kernel::Change;
use crate::kernel::audit::{AuditAction, AuditEntry};
use crate::kernel::ids::{IndicatorId, OrganisationId, PlanItemId};

#[derive(Deserialize)]
struct DemoFile {
    indicators: Vec<DemoIndicator>,
    storyboards: Vec<DemoStoryboard>,
}

#[derive(Deserialize)]
struct DemoIndicator {
    code: String,
    name: String,
    definition: String,
    unit: String,
    polarity: String,
    frequency: String,
    owner: String,
    priority: usize,
    target: Option<f64>,
    suppression_threshold: i64,
    decimals: i64,
    source: String,
    #[serde(default)]
    comparators: Vec<DemoComparator>,
    values: Vec<(String, f64)>,
}

#[derive(Deserialize)]
struct DemoComparator {
    name: String,
    value: f64,
}

#[derive(Deserialize)]
struct DemoStoryboard {
    organisation: String,
    period: String,
    working_well: String,
    worried_about: String,
    doing_about_it: String,
    previous_actions: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("dataset demo.toml is not valid: {0}")]
    File(#[from] toml::de::Error),
    #[error("dataset demo.toml: {0}")]
    Reference(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The quarter the demo is collecting now; earlier quarters are approved history.
pub fn collecting() -> Quarter {
    Quarter {
        year: 2026,
        number: 2,
    }
}

/// Data leads take six weeks after a quarter ends.
fn due_on(period: Quarter) -> time::Date {
    period.end() + time::Duration::days(45)
}

/// A demo organisation by name. The partnership demo hands its ids over as plain numbers:
/// typed here, where they come in.
fn organisation_named(map: &HashMap<String, i64>, name: &str) -> Result<OrganisationId, DemoError> {
    map.get(name)
        .copied()
        .map(OrganisationId::new)
        .ok_or_else(|| DemoError::Reference(format!("unknown organisation {name:?}")))
}

/// `organisations`: demo organisation ids by name; `priorities`: the plan's priority ids in order.
pub async fn load(
    change: &mut Change,
    organisations: &HashMap<String, i64>,
    priorities: &[i64],
) -> Result<HashMap<String, i64>, DemoError> {
    let file: DemoFile = toml::from_str(include_str!("demo.toml"))?;
    let mut indicator_ids = HashMap::new();
    let first = Quarter {
        year: 2023,
        number: 1,
    };
    // indicator id, owner, unit, values by quarter
    let mut loaded: Vec<(IndicatorId, OrganisationId, Unit, HashMap<Quarter, f64>)> = Vec::new();
    for indicator in &file.indicators {
        let unit = Unit::from_code(&indicator.unit)
            .ok_or_else(|| DemoError::Reference(format!("unit {:?}", indicator.unit)))?;
        let details = IndicatorDetails {
            code: indicator.code.clone(),
            name: indicator.name.clone(),
            definition: indicator.definition.clone(),
            unit,
            polarity: polarity_from_code(&indicator.polarity).ok_or_else(|| {
                DemoError::Reference(format!("polarity {:?}", indicator.polarity))
            })?,
            frequency: Frequency::from_code(&indicator.frequency).ok_or_else(|| {
                DemoError::Reference(format!("frequency {:?}", indicator.frequency))
            })?,
            owner_organisation_id: organisation_named(organisations, &indicator.owner)?,
            priority_item_id: indicator
                .priority
                .checked_sub(1)
                .and_then(|index| priorities.get(index))
                .copied()
                .map(PlanItemId::new),
            target: indicator.target,
            suppression_threshold: indicator.suppression_threshold,
            decimals: indicator.decimals,
            source: indicator.source.clone(),
        };
        let id = store::insert_indicator(change, &details, first).await?;
        // Handed back as plain numbers, as the other demo loaders take them.
        indicator_ids.insert(details.code.clone(), id.get());
        // The latest published comparators are England's and the region's for 2024-25.
        for comparator in &indicator.comparators {
            store::set_comparator(
                change,
                (id, &details.code),
                Quarter {
                    year: 2024,
                    number: 4,
                },
                &comparator.name,
                comparator.value,
            )
            .await?;
        }
        let mut values = HashMap::new();
        for (period, value) in &indicator.values {
            let quarter = Quarter::parse(period).ok_or_else(|| {
                DemoError::Reference(format!("{}: period {period:?}", indicator.code))
            })?;
            unit.check(*value).map_err(|problem| {
                DemoError::Reference(format!("{} {period}: {value} {problem}", indicator.code))
            })?;
            values.insert(quarter, *value);
        }
        loaded.push((id, details.owner_organisation_id, unit, values));
    }

    let mut owners: Vec<OrganisationId> = loaded.iter().map(|(_, owner, ..)| *owner).collect();
    owners.sort_unstable();
    owners.dedup();
    let storyboards: HashMap<(OrganisationId, Quarter), Storyboard> = file
        .storyboards
        .iter()
        .map(|s| {
            let organisation = organisation_named(organisations, &s.organisation)?;
            let period = Quarter::parse(&s.period)
                .ok_or_else(|| DemoError::Reference(format!("storyboard period {:?}", s.period)))?;
            let storyboard = Storyboard {
                working_well: s.working_well.clone(),
                worried_about: s.worried_about.clone(),
                doing_about_it: s.doing_about_it.clone(),
                previous_actions: s.previous_actions.clone(),
            };
            Ok(((organisation, period), storyboard))
        })
        .collect::<Result<_, DemoError>>()?;

    // Thirteen quarters of approved history, each collected in its own closed period.
    let mut period = first;
    while period < collecting() {
        let id = store::insert_period(change, period, due_on(period)).await?;
        store::set_period_closed(change, (id, period), true).await?;
        for owner in &owners {
            let values: Vec<DropValue> = loaded
                .iter()
                .filter(|(_, o, ..)| o == owner)
                .filter_map(|(id, _, _, series)| {
                    series.get(&period).map(|value| DropValue {
                        indicator_id: *id,
                        value: *value,
                        note: String::new(),
                        outlier_confirmed: false,
                    })
                })
                .collect();
            let storyboard = storyboards
                .get(&(*owner, period))
                .cloned()
                .unwrap_or_default();
            add_drop(
                change,
                *owner,
                period,
                &values,
                &storyboard,
                &[DropStatus::Approved],
            )
            .await?;
        }
        period = period.next();
    }

    // The quarter being collected: due six weeks after it ended.
    let now = collecting();
    store::insert_period(change, now, due_on(now)).await?;
    let by_name = |name: &str| organisation_named(organisations, name);
    let next_values = |owner: OrganisationId, drift: f64| -> Vec<DropValue> {
        loaded
            .iter()
            .filter(|(_, o, ..)| *o == owner)
            .filter_map(|(id, _, unit, series)| {
                let last = series.get(&now.previous())?;
                let moved = last * (1.0 + drift);
                let value = match unit {
                    Unit::Count => moved.round(),
                    Unit::Percent => ((moved * 10.0).round() / 10.0).min(100.0),
                    _ => (moved * 10.0).round() / 10.0,
                };
                Some(DropValue {
                    indicator_id: *id,
                    value,
                    note: String::new(),
                    outlier_confirmed: false,
                })
            })
            .collect()
    };
    let icb = by_name("NHS Cheshire and Merseyside Integrated Care Board")?;
    let council = by_name("Halton Borough Council")?;
    let police = by_name("Cheshire Constabulary")?;
    let carry = |owner: OrganisationId| {
        storyboards
            .get(&(owner, now.previous()))
            .cloned()
            .unwrap_or_default()
    };
    add_drop(
        change,
        icb,
        now,
        &next_values(icb, 0.01),
        &carry(icb),
        &[DropStatus::Approved],
    )
    .await?;
    add_drop(
        change,
        council,
        now,
        &next_values(council, -0.02),
        &carry(council),
        &[DropStatus::Submitted],
    )
    .await?;
    // The police's first version was returned with a question; the second is in draft.
    add_drop(
        change,
        police,
        now,
        &next_values(police, 0.03),
        &carry(police),
        &[DropStatus::Returned],
    )
    .await?;
    add_drop(
        change,
        police,
        now,
        &next_values(police, 0.0),
        &Storyboard::default(),
        &[DropStatus::Draft],
    )
    .await?;
    Ok(indicator_ids)
}

/// Adds one version of a drop and moves it to its final status.
async fn add_drop(
    change: &mut Change,
    organisation_id: OrganisationId,
    period: Quarter,
    values: &[DropValue],
    storyboard: &Storyboard,
    path: &[DropStatus],
) -> Result<(), DemoError> {
    // No version can be open while history loads: an open one is the demo file's mistake.
    let id = store::start_draft(change, organisation_id, period, Channel::Upload)
        .await?
        .ok_or_else(|| {
            DemoError::Reference(format!(
                "organisation {organisation_id} already has an open data drop for {period}"
            ))
        })?;
    let tx = change.transaction();
    store::replace_values(tx, id, values).await?;
    store::set_storyboard(tx, id, storyboard).await?;
    for status in path {
        match status {
            DropStatus::Draft => {}
            DropStatus::Submitted => {
                store::set_status(tx, id, DropStatus::Draft, DropStatus::Submitted, None, "")
                    .await?;
            }
            DropStatus::Approved | DropStatus::Returned => {
                store::set_status(tx, id, DropStatus::Draft, DropStatus::Submitted, None, "")
                    .await?;
                let comment = if *status == DropStatus::Returned {
                    "Missing episodes look high against last quarter: please check the figure covers the quarter, not a single month."
                } else {
                    ""
                };
                store::set_status(tx, id, DropStatus::Submitted, *status, None, comment).await?;
            }
            DropStatus::Superseded => {}
        }
    }
    let final_status = path.last().copied().unwrap_or(DropStatus::Draft);
    change
        .record(AuditEntry::new(
            AuditAction::Create,
            "data_drop",
            id,
            format!(
                "Loaded a {} demo data drop for {period}",
                final_status.label().to_lowercase()
            ),
        ))
        .await?;
    Ok(())
}
