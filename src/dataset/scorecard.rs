//! The scorecard: for each indicator its latest value, trend, RAG against target and
//! comparators, and statistical process control. Pure: built from approved series.

use std::sync::OnceLock;

use masa_spc::{Assurance, Rag, SpcAnalysis, Variation};

use super::model::{Indicator, Polarity, Published, Quarter, publish_series};
use super::store::Comparator;

/// How far a value may miss its target or comparator and still be amber: 5%.
pub const AMBER_BAND: f64 = 0.05;

/// One quarter of a series as published: a small count is only "fewer than N" here, so nothing
/// built from a row can reveal it.
#[derive(Debug, Clone)]
pub struct SeriesPoint {
    pub period: Quarter,
    pub value: Published,
}

#[derive(Debug, Clone)]
pub struct ScorecardRow {
    pub indicator: Indicator,
    pub points: Vec<SeriesPoint>,
    pub latest: Option<SeriesPoint>,
    pub previous: Option<SeriesPoint>,
    /// Over the published values only: suppressed quarters are left out (see [`Self::spc_point`]).
    pub spc: Option<SpcAnalysis>,
    pub target_rag: Option<Rag>,
    /// Latest comparators (name, period, value, RAG of our latest value against it).
    pub comparators: Vec<(String, Quarter, f64, Option<Rag>)>,
    /// Drawn once, on first use, and kept with the row (rows are cached between requests).
    pictures: Pictures,
}

#[derive(Debug, Clone, Default)]
struct Pictures {
    sparkline: OnceLock<String>,
    variation_icon: OnceLock<String>,
    assurance_icon: OnceLock<Option<String>>,
}

impl ScorecardRow {
    pub fn build(
        indicator: Indicator,
        series: &[(Quarter, f64)],
        comparators: &[Comparator],
        from: Option<Quarter>,
        to: Option<Quarter>,
    ) -> ScorecardRow {
        // The raw values go no further than this: the row holds only what may be published.
        let points: Vec<SeriesPoint> = publish_series(&indicator, series)
            .into_iter()
            .filter(|(period, _)| {
                from.is_none_or(|from| *period >= from) && to.is_none_or(|to| *period <= to)
            })
            .map(|(period, value)| SeriesPoint { period, value })
            .collect();
        let latest = points.last().cloned();
        let previous = points
            .len()
            .checked_sub(2)
            .and_then(|index| points.get(index))
            .cloned();
        // SPC over the published values only. Suppressing the mean and limits whenever a point
        // is hidden would blank most small-count charts; a mean that included the hidden point
        // would give it back (mean × n − the rest). Leaving it out reveals nothing, and the page,
        // chart text and exports say which quarters were left out.
        let values: Vec<f64> = points.iter().filter_map(|p| p.value.value()).collect();
        let spc = masa_spc::analyse(&values, indicator.polarity, indicator.target, None);
        let latest_value = latest.as_ref().and_then(|latest| latest.value.value());
        let target_rag = match (latest_value, indicator.target) {
            (Some(latest), Some(target)) => {
                masa_spc::rag(latest, target, indicator.polarity, AMBER_BAND)
            }
            _ => None,
        };
        // The newest value of each named comparator up to the latest period shown.
        let mut latest_comparators: Vec<(String, Quarter, f64, Option<Rag>)> = Vec::new();
        for comparator in comparators
            .iter()
            .filter(|c| c.indicator_id == indicator.id && to.is_none_or(|to| c.period <= to))
        {
            let rag = latest_value.and_then(|latest| {
                masa_spc::rag_against_comparator(
                    latest,
                    comparator.value,
                    indicator.polarity,
                    AMBER_BAND,
                )
            });
            match latest_comparators
                .iter_mut()
                .find(|(name, ..)| *name == comparator.name)
            {
                Some(existing) if existing.1 <= comparator.period => {
                    *existing = (
                        comparator.name.clone(),
                        comparator.period,
                        comparator.value,
                        rag,
                    )
                }
                Some(_) => {}
                None => latest_comparators.push((
                    comparator.name.clone(),
                    comparator.period,
                    comparator.value,
                    rag,
                )),
            }
        }
        ScorecardRow {
            indicator,
            points,
            latest,
            previous,
            spc,
            target_rag,
            comparators: latest_comparators,
            pictures: Pictures::default(),
        }
    }

    /// The value as published: small counts shown as "fewer than N".
    pub fn published(&self, value: Published) -> String {
        self.indicator.show_published(value)
    }

    /// The SPC point of the quarter at `index` of [`Self::points`]; None for a suppressed one,
    /// which the analysis leaves out.
    pub fn spc_point(&self, index: usize) -> Option<&masa_spc::SpcPoint> {
        let point = self.points.get(index)?;
        if point.value.is_suppressed() {
            return None;
        }
        let shown_before = self.points[..index]
            .iter()
            .filter(|p| !p.value.is_suppressed())
            .count();
        self.spc.as_ref()?.points.get(shown_before)
    }

    /// How many quarters are shown as "fewer than N", and so left out of the mean and limits.
    pub fn suppressed(&self) -> usize {
        self.points
            .iter()
            .filter(|p| p.value.is_suppressed())
            .count()
    }

    /// Says, when any quarter is suppressed, that the mean and limits leave it out; empty
    /// otherwise.
    pub fn suppression_note(&self) -> String {
        match self.suppressed() {
            0 => String::new(),
            quarters => format!(
                "The mean and process limits leave out the {} shown as fewer than {}, so that they cannot reveal {}.",
                if quarters == 1 {
                    "quarter".to_owned()
                } else {
                    format!("{quarters} quarters")
                },
                self.indicator.suppression_threshold,
                if quarters == 1 { "it" } else { "them" }
            ),
        }
    }

    pub fn sparkline(&self) -> &str {
        self.pictures
            .sparkline
            .get_or_init(|| self.draw_sparkline())
    }

    /// Draws every picture now, so copies of the row share the work.
    pub fn draw(self) -> ScorecardRow {
        self.sparkline();
        self.variation_icon();
        self.assurance_icon();
        self
    }

    fn draw_sparkline(&self) -> String {
        let values: Vec<Option<f64>> = self
            .points
            .iter()
            .map(|point| point.value.value())
            .collect();
        let label = match (&self.points.first(), &self.latest) {
            (Some(first), Some(latest)) => format!(
                "Trend of {} from {} ({}) to {} ({})",
                self.indicator.name,
                self.published(first.value),
                first.period,
                self.published(latest.value),
                latest.period
            ),
            _ => format!("No approved values yet for {}", self.indicator.name),
        };
        masa_charts::sparkline_svg(&values, &label)
    }

    pub fn variation_label(&self) -> &'static str {
        variation_label(
            self.spc.as_ref().map(|spc| spc.variation),
            self.indicator.polarity,
        )
    }

    pub fn assurance_label(&self) -> &'static str {
        match self.spc.as_ref().and_then(|spc| spc.assurance) {
            Some(Assurance::ConsistentlyPasses) => "Consistently meets target",
            Some(Assurance::ConsistentlyFails) => "Consistently misses target",
            Some(Assurance::HitAndMiss) => "Hit and miss against target",
            None => "No target",
        }
    }

    /// The Making Data Count variation icon for the latest point, labelled with
    /// [`Self::variation_label`]; empty when there are too few values to analyse.
    pub fn variation_icon(&self) -> &str {
        self.pictures
            .variation_icon
            .get_or_init(|| self.draw_variation_icon())
    }

    fn draw_variation_icon(&self) -> String {
        use masa_charts::VariationIcon as Icon;
        use masa_spc::Side::{High, Low};
        let Some(spc) = &self.spc else {
            return String::new();
        };
        let icon = match spc.variation {
            Variation::CommonCause => Icon::CommonCause,
            Variation::Improving(High) => Icon::ImprovingHigh,
            Variation::Improving(Low) => Icon::ImprovingLow,
            Variation::Concerning(High) => Icon::ConcerningHigh,
            Variation::Concerning(Low) => Icon::ConcerningLow,
            Variation::NeitherWay(High) => Icon::NeitherHigh,
            Variation::NeitherWay(Low) => Icon::NeitherLow,
        };
        masa_charts::variation_icon_svg(icon, self.variation_label())
    }

    /// The Making Data Count assurance icon, labelled with [`Self::assurance_label`];
    /// None when there is no assurance (no target, or too few values).
    pub fn assurance_icon(&self) -> Option<&str> {
        self.pictures
            .assurance_icon
            .get_or_init(|| self.draw_assurance_icon())
            .as_deref()
    }

    fn draw_assurance_icon(&self) -> Option<String> {
        use masa_charts::AssuranceIcon as Icon;
        let icon = match self.spc.as_ref()?.assurance? {
            Assurance::ConsistentlyPasses => Icon::ConsistentlyPasses,
            Assurance::ConsistentlyFails => Icon::ConsistentlyFails,
            Assurance::HitAndMiss => Icon::HitAndMiss,
        };
        Some(masa_charts::assurance_icon_svg(
            icon,
            self.assurance_label(),
        ))
    }

    /// The GOV.UK tag colour for the variation: blue improving, orange concerning.
    pub fn variation_tag(&self) -> &'static str {
        match self.spc.as_ref().map(|spc| spc.variation) {
            Some(Variation::Improving(_)) => "govuk-tag--blue",
            Some(Variation::Concerning(_)) => "govuk-tag--orange",
            Some(Variation::NeitherWay(_)) => "govuk-tag--purple",
            _ => "govuk-tag--grey",
        }
    }

    /// Direction of the latest change, in words, from the published figures only: between a
    /// small count and a published value the direction follows from the threshold (a published
    /// count is 0 or at least the threshold); between two small counts it is not said.
    pub fn change(&self) -> String {
        use std::cmp::Ordering;
        let (Some(previous), Some(latest)) = (&self.previous, &self.latest) else {
            return String::new();
        };
        let direction = match (previous.value, latest.value) {
            (Published::Value(before), Published::Value(now)) => now.partial_cmp(&before),
            (Published::FewerThan(_), Published::Value(now)) => Some(if now > 0.0 {
                Ordering::Greater
            } else {
                Ordering::Less
            }),
            (Published::Value(before), Published::FewerThan(_)) => Some(if before > 0.0 {
                Ordering::Less
            } else {
                Ordering::Greater
            }),
            (Published::FewerThan(_), Published::FewerThan(_)) => None,
        };
        match direction {
            Some(Ordering::Greater) => format!("Up from {}", self.published(previous.value)),
            Some(Ordering::Less) => format!("Down from {}", self.published(previous.value)),
            Some(Ordering::Equal) => "No change".to_owned(),
            None => String::new(),
        }
    }
}

/// A section's ratings at a glance: how many of its indicators are red, amber, green or not
/// rated against target, and how many show special cause variation either way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub indicators: usize,
    pub red: usize,
    pub amber: usize,
    pub green: usize,
    pub not_rated: usize,
    pub concerning: usize,
    pub improving: usize,
}

impl Summary {
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a ScorecardRow>) -> Summary {
        let mut summary = Summary::default();
        for row in rows {
            summary.indicators += 1;
            match row.target_rag {
                Some(Rag::Red) => summary.red += 1,
                Some(Rag::Amber) => summary.amber += 1,
                Some(Rag::Green) => summary.green += 1,
                None => summary.not_rated += 1,
            }
            match row.spc.as_ref().map(|spc| spc.variation) {
                Some(Variation::Concerning(_)) => summary.concerning += 1,
                Some(Variation::Improving(_)) => summary.improving += 1,
                _ => {}
            }
        }
        summary
    }
}

pub fn rag_label(rag: Option<Rag>) -> &'static str {
    match rag {
        Some(Rag::Green) => "Green",
        Some(Rag::Amber) => "Amber",
        Some(Rag::Red) => "Red",
        None => "Not rated",
    }
}

pub fn variation_label(variation: Option<Variation>, polarity: Polarity) -> &'static str {
    use masa_spc::Side::{High, Low};
    match (variation, polarity) {
        (None, _) => "Too few values",
        (Some(Variation::CommonCause), _) => "Common cause variation",
        (Some(Variation::Improving(High)), _) => "Special cause: improving (higher)",
        (Some(Variation::Improving(Low)), _) => "Special cause: improving (lower)",
        (Some(Variation::Concerning(High)), _) => "Special cause: concerning (higher)",
        (Some(Variation::Concerning(Low)), _) => "Special cause: concerning (lower)",
        (Some(Variation::NeitherWay(High)), _) => "Special cause: higher",
        (Some(Variation::NeitherWay(Low)), _) => "Special cause: lower",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::model::{Frequency, Unit};
    use crate::kernel::ids::{IndicatorId, OrganisationId};

    fn indicator(target: Option<f64>) -> Indicator {
        Indicator {
            id: IndicatorId::new(7),
            code: "RHI-01".into(),
            name: "Return home interviews within 72 hours".into(),
            definition: String::new(),
            unit: Unit::Percent,
            polarity: Polarity::HigherIsBetter,
            frequency: Frequency::Quarterly,
            owner_organisation_id: OrganisationId::new(1),
            owner_name: "Halton Borough Council".into(),
            priority_item_id: None,
            target,
            suppression_threshold: 0,
            decimals: 0,
            source: String::new(),
            archived_at: None,
        }
    }

    fn quarters(values: &[f64]) -> Vec<(Quarter, f64)> {
        let mut quarter = Quarter::new(2023, 1).unwrap();
        values
            .iter()
            .map(|value| {
                let point = (quarter, *value);
                quarter = quarter.next();
                point
            })
            .collect()
    }

    #[test]
    fn a_row_rates_the_latest_value_against_target_and_comparators() {
        // Return-home interviews rising from 36% to 86% (the seed report's figures).
        let series = quarters(&[
            36.0, 41.0, 45.0, 52.0, 58.0, 63.0, 70.0, 77.0, 80.0, 84.0, 86.0,
        ]);
        let comparators = [
            Comparator {
                indicator_id: IndicatorId::new(7),
                period: Quarter::new(2024, 4).unwrap(),
                name: "England".into(),
                value: 80.0,
            },
            Comparator {
                indicator_id: IndicatorId::new(7),
                period: Quarter::new(2023, 4).unwrap(),
                name: "England".into(),
                value: 75.0,
            },
            Comparator {
                indicator_id: IndicatorId::new(7),
                period: Quarter::new(2024, 4).unwrap(),
                name: "North West".into(),
                value: 90.0,
            },
        ];
        let row = ScorecardRow::build(indicator(Some(85.0)), &series, &comparators, None, None);
        assert_eq!(row.latest.as_ref().unwrap().value, Published::Value(86.0));
        assert_eq!(row.change(), "Up from 84%");
        assert_eq!(row.target_rag, Some(Rag::Green));
        assert_eq!(row.comparators.len(), 2);
        assert_eq!(
            row.comparators[0].2, 80.0,
            "the newest England figure is used"
        );
        assert_eq!(row.comparators[0].3, Some(Rag::Green));
        assert_eq!(
            row.comparators[1].3,
            Some(Rag::Amber),
            "86 is within 5% below 90"
        );
        assert!(
            row.variation_label().contains("improving"),
            "{}",
            row.variation_label()
        );
        assert!(
            row.sparkline()
                .contains("from 36% (2023-24 Q1) to 86% (2025-26 Q3)")
        );
        let icon = row.variation_icon();
        assert!(icon.starts_with("<svg") && icon.contains("role=\"img\""));
        assert!(icon.contains(&format!("aria-label=\"{}\"", row.variation_label())));
        assert!(icon.contains(masa_charts::COLOUR_IMPROVING) && icon.contains(">H</text>"));
        let assurance = row
            .assurance_icon()
            .expect("a target gives an assurance icon");
        assert!(assurance.contains(&format!("aria-label=\"{}\"", row.assurance_label())));
    }

    #[test]
    fn period_filters_and_empty_series() {
        let series = quarters(&[36.0, 41.0, 45.0, 52.0]);
        let row = ScorecardRow::build(
            indicator(None),
            &series,
            &[],
            Some(Quarter::new(2023, 2).unwrap()),
            Some(Quarter::new(2023, 3).unwrap()),
        );
        assert_eq!(row.points.len(), 2);
        assert_eq!(row.latest.unwrap().value, Published::Value(45.0));
        assert_eq!(row.target_rag, None);
        let empty = ScorecardRow::build(indicator(Some(80.0)), &[], &[], None, None);
        assert!(empty.latest.is_none() && empty.spc.is_none());
        assert_eq!(empty.variation_label(), "Too few values");
        assert_eq!(empty.variation_icon(), "");
        assert_eq!(empty.assurance_icon(), None);
        let no_target = ScorecardRow::build(indicator(None), &series, &[], None, None);
        assert!(no_target.spc.is_some());
        assert!(no_target.variation_icon().contains("aria-label="));
        assert_eq!(no_target.assurance_icon(), None);
        assert!(empty.sparkline().contains("No approved values yet"));
    }

    #[test]
    fn a_summary_counts_ratings_and_signals() {
        let rising = quarters(&[
            36.0, 41.0, 45.0, 52.0, 58.0, 63.0, 70.0, 77.0, 80.0, 84.0, 86.0,
        ]);
        let green = ScorecardRow::build(indicator(Some(80.0)), &rising, &[], None, None);
        let red = ScorecardRow::build(indicator(Some(95.0)), &rising, &[], None, None);
        let unrated = ScorecardRow::build(indicator(None), &[], &[], None, None);
        let summary = Summary::of([&green, &red, &unrated]);
        assert_eq!(
            (
                summary.indicators,
                summary.red,
                summary.amber,
                summary.green,
                summary.not_rated
            ),
            (3, 1, 0, 1, 1)
        );
        // A steady rise is special cause, improving for a higher-is-better indicator.
        assert_eq!((summary.improving, summary.concerning), (2, 0));
    }

    fn small_counts(threshold: i64) -> Indicator {
        Indicator {
            unit: Unit::Count,
            polarity: Polarity::LowerIsBetter,
            suppression_threshold: threshold,
            decimals: 0,
            ..indicator(Some(10.0))
        }
    }

    #[test]
    fn suppressed_quarters_are_left_out_of_every_derived_figure() {
        // LADO referrals: 12, 4, 9, 15, 11, 3. With a threshold of 5 the 4 and the 3 are hidden.
        let series = quarters(&[12.0, 4.0, 9.0, 15.0, 11.0, 3.0]);
        let row = ScorecardRow::build(small_counts(5), &series, &[], None, None);
        assert_eq!(row.suppressed(), 2);
        let spc = row.spc.as_ref().unwrap();
        assert_eq!(
            spc.points.len(),
            4,
            "only the published values are analysed"
        );
        assert!((spc.mean - 47.0 / 4.0).abs() < 1e-9, "{}", spc.mean);
        assert!(row.spc_point(1).is_none() && row.spc_point(5).is_none());
        assert_eq!(row.spc_point(2).map(|p| p.value), Some(9.0));
        assert_eq!(
            row.published(row.latest.as_ref().unwrap().value),
            "fewer than 5"
        );
        assert_eq!(row.target_rag, None, "a hidden latest value is not rated");
        assert_eq!(row.change(), "Down from 11");
        assert!(
            row.suppression_note()
                .contains("leave out the 2 quarters shown as fewer than 5")
        );
        assert!(row.sparkline().contains("to fewer than 5 (2024-25 Q2)"));
        // Between two small counts the direction would tell one from the other.
        let both = ScorecardRow::build(small_counts(5), &quarters(&[3.0, 4.0]), &[], None, None);
        assert_eq!(both.change(), "");
        let from_small =
            ScorecardRow::build(small_counts(5), &quarters(&[3.0, 0.0]), &[], None, None);
        assert_eq!(from_small.change(), "Down from fewer than 5");
        let unsuppressed = ScorecardRow::build(small_counts(0), &series, &[], None, None);
        assert_eq!(
            (unsuppressed.suppressed(), unsuppressed.suppression_note()),
            (0, String::new())
        );
        assert_eq!(unsuppressed.spc.as_ref().unwrap().points.len(), 6);
    }
}
