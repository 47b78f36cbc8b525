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

/// How far each partner's figures for the quarter being collected move from its last
/// approved quarter's: the ICB's 1% up, the council's 2% down, the police's 3% up.
const ICB_DRIFT: f64 = 0.01;
const COUNCIL_DRIFT: f64 = -0.02;
const POLICE_DRIFT: f64 = 0.03;

/// A last approved value moved by `drift`, kept to what its unit records.
fn moved(last: f64, unit: Unit, drift: f64) -> f64 {
    let moved = last * (1.0 + drift);
    match unit {
        Unit::Count => moved.round(),
        Unit::Percent => ((moved * 10.0).round() / 10.0).min(100.0),
        _ => (moved * 10.0).round() / 10.0,
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
                Some(DropValue {
                    indicator_id: *id,
                    value: moved(*last, *unit, drift),
                    note: String::new(),
                    outlier_confirmed: false,
                })
            })
            .collect()
    };
    let icb = by_name("NHS Cheshire and Merseyside Integrated Care Board")?;
    let council = by_name("Halton Borough Council")?;
    let police = by_name("Cheshire Constabulary")?;
    // Each partner's storyboard for the quarter being collected, written to its figures.
    let storyboard_now = |owner: OrganisationId| {
        storyboards
            .get(&(owner, now))
            .cloned()
            .ok_or_else(|| DemoError::Reference(format!("no storyboard for {owner} in {now}")))
    };
    add_drop(
        change,
        icb,
        now,
        &next_values(icb, ICB_DRIFT),
        &storyboard_now(icb)?,
        &[DropStatus::Approved],
    )
    .await?;
    add_drop(
        change,
        council,
        now,
        &next_values(council, COUNCIL_DRIFT),
        &storyboard_now(council)?,
        &[DropStatus::Submitted],
    )
    .await?;
    // The police's first version was returned with a question; the second is a draft started
    // from it, as a data lead's redraft is (the same store function as the web form's), so it
    // carries the returned figures and storyboard until the data lead changes them.
    add_drop(
        change,
        police,
        now,
        &next_values(police, POLICE_DRIFT),
        &storyboard_now(police)?,
        &[DropStatus::Returned],
    )
    .await?;
    store::find_or_start_draft(change, police, now, Channel::WebForm)
        .await
        .map_err(|refusal| DemoError::Reference(format!("the police redraft: {refusal}")))?;
    Ok(indicator_ids)
}

/// The business unit's question when it returned the police's first version for the quarter
/// being collected (its figures: DA-01 215, DA-02 91.7%).
pub const RETURN_COMMENT: &str = "Operation Encompass notifications rose to 215 this quarter but the storyboard does not say why: please add a line on the rise, and confirm that the 92% shared before the next school day includes weekend incidents.";

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
                    RETURN_COMMENT
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A percentage or rate a storyboard states as this quarter's figure must be one of its
    /// drop's figures as the pages show them. A figure beside a comparison word ("target",
    /// "from", "above", a year, "last quarter"…) is a comparison, not the drop's own figure.
    #[test]
    fn the_demo_storyboards_state_their_drops_figures() {
        let file: DemoFile = toml::from_str(include_str!("demo.toml")).unwrap();
        let drift = |organisation: &str| match organisation {
            "NHS Cheshire and Merseyside Integrated Care Board" => Some(ICB_DRIFT),
            "Halton Borough Council" => Some(COUNCIL_DRIFT),
            "Cheshire Constabulary" => Some(POLICE_DRIFT),
            _ => None,
        };
        const COMPARING: [&str; 17] = [
            "target",
            "from",
            "above",
            "below",
            "between",
            "around",
            "close to",
            "almost",
            "about",
            "over",
            "under",
            "last quarter",
            "last year",
            "England",
            "North West",
            " 20",
            "of March",
        ];
        let mut problems = Vec::new();
        for storyboard in &file.storyboards {
            let period = Quarter::parse(&storyboard.period).unwrap();
            // The drop's figures as shown: (unit, text).
            let mut shown: Vec<(Unit, String)> = Vec::new();
            for indicator in file
                .indicators
                .iter()
                .filter(|i| i.owner == storyboard.organisation)
            {
                let unit = Unit::from_code(&indicator.unit).unwrap();
                let value_in = |quarter: Quarter| {
                    indicator
                        .values
                        .iter()
                        .find(|(p, _)| Quarter::parse(p) == Some(quarter))
                        .map(|(_, v)| *v)
                };
                let value = if period == collecting() {
                    let Some(drift) = drift(&storyboard.organisation) else {
                        continue;
                    };
                    value_in(period.previous()).map(|last| moved(last, unit, drift))
                } else {
                    value_in(period)
                };
                if let Some(value) = value {
                    let decimals = usize::try_from(indicator.decimals).unwrap();
                    shown.push((unit, masa_charts::format_value(value, decimals, "")));
                }
            }
            let text = [
                &storyboard.working_well,
                &storyboard.worried_about,
                &storyboard.doing_about_it,
                &storyboard.previous_actions,
            ]
            .map(|answer| answer.as_str())
            .join(" ");
            for (suffix, unit) in [("%", Unit::Percent), (" per 10,000", Unit::RatePer10000)] {
                for (at, _) in text.match_indices(suffix) {
                    let number: String = text[..at]
                        .chars()
                        .rev()
                        .take_while(|c| c.is_ascii_digit() || *c == '.')
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    if number.is_empty() {
                        continue;
                    }
                    let start = at - number.len();
                    let before = &text[text[..start]
                        .char_indices()
                        .rev()
                        .nth(40)
                        .map_or(0, |(i, _)| i)..start];
                    let after = &text[at..text[at..]
                        .char_indices()
                        .nth(25)
                        .map_or(text.len(), |(i, _)| at + i)];
                    if COMPARING
                        .iter()
                        .any(|word| before.contains(word) || after.contains(word))
                    {
                        continue;
                    }
                    if !shown
                        .iter()
                        .any(|(u, figure)| *u == unit && *figure == number)
                    {
                        problems.push(format!(
                            "{} {}: “{number}{suffix}” is none of the drop's figures",
                            storyboard.organisation, storyboard.period
                        ));
                    }
                }
            }
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
