//! Small-number suppression holds across everything published together: two series that differ
//! only in their suppressed values publish identical outputs, through the real page, chart and
//! export code.

use proptest::prelude::*;

use super::indicator::{draw_indicator, series_table};
use super::scorecard::scorecard_table;
use crate::dataset::model::*;
use crate::dataset::scorecard::ScorecardRow;
use crate::dataset::store::Comparator;
use crate::kernel::ids::{IndicatorId, OrganisationId};
use masa_sheets::{self as sheets, SheetTable};

fn indicator(threshold: i64, target: Option<f64>, polarity: Polarity) -> Indicator {
    Indicator {
        id: IndicatorId::new(3),
        code: "LADO-01".into(),
        name: "Allegations referred to the LADO".into(),
        definition: String::new(),
        unit: Unit::Count,
        polarity,
        frequency: Frequency::Quarterly,
        owner_organisation_id: OrganisationId::new(1),
        owner_name: "Halton Borough Council".into(),
        priority_item_id: None,
        target,
        suppression_threshold: threshold,
        decimals: 0,
        source: String::new(),
        archived_at: None,
    }
}

fn series(values: &[i64]) -> Vec<(Quarter, f64)> {
    let mut quarter = Quarter::new(2021, 1).unwrap_or(Quarter {
        year: 2021,
        number: 1,
    });
    values
        .iter()
        .map(|value| {
            let point = (quarter, *value as f64);
            quarter = quarter.next();
            point
        })
        .collect()
}

/// Everything published from one series: the indicator page's figures (chart, its text, the
/// table), the published row the page and scorecard are drawn from, and the series and scorecard
/// exports as CSV bytes and as the cells of their XLSX.
fn published(indicator: &Indicator, values: &[i64], comparators: &[Comparator]) -> Vec<String> {
    let series = series(values);
    let view = draw_indicator(indicator.clone(), &series, comparators, None);
    let row = ScorecardRow::build(indicator.clone(), &series, comparators, None, None).draw();
    let series_sheet = series_table(indicator, &series);
    let scorecard_sheet = scorecard_table(std::slice::from_ref(&row));
    let csv = |table: &SheetTable<'_>| {
        String::from_utf8(sheets::write_csv(table).expect("CSV")).expect("UTF-8")
    };
    let xlsx = |table: SheetTable<'_>| {
        let bytes = sheets::write_xlsx(&[table]).expect("XLSX");
        format!("{:?}", sheets::read_rows(&bytes).expect("reads back"))
    };
    vec![
        view.chart,
        view.chart_text,
        format!("{:?}", view.table),
        format!("{row:?}"),
        row.change(),
        row.sparkline().to_owned(),
        row.variation_icon().to_owned(),
        format!("{:?}", row.assurance_icon()),
        csv(&series_sheet),
        csv(&scorecard_sheet),
        xlsx(series_sheet),
        xlsx(scorecard_sheet),
    ]
}

/// A series with its small counts marked: (value or None for a small-count slot).
fn shape() -> impl Strategy<Value = (i64, Vec<Option<i64>>)> {
    (2i64..=10).prop_flat_map(|threshold| {
        let slot = prop_oneof![
            2 => Just(None),
            1 => Just(Some(0)),
            4 => (threshold..400).prop_map(Some),
        ];
        (
            Just(threshold),
            prop::collection::vec(slot, 1..24)
                .prop_filter("a small count", |slots| slots.iter().any(Option::is_none)),
        )
    })
}

fn fill(slots: &[Option<i64>], small: &[i64]) -> Vec<i64> {
    let mut small = small.iter().cycle();
    slots
        .iter()
        .map(|slot| slot.unwrap_or_else(|| small.next().copied().unwrap_or(1)))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn suppressed_values_cannot_be_recovered_from_what_is_published(
        (threshold, slots) in shape(),
        small in prop::collection::vec(any::<u8>(), 24),
        other in prop::collection::vec(any::<u8>(), 24),
        target in prop::option::of(0u16..400),
        polarity in prop_oneof![
            Just(Polarity::HigherIsBetter),
            Just(Polarity::LowerIsBetter),
            Just(Polarity::Neither),
        ],
        comparator in prop::option::of(0u16..400),
    ) {
        let below = |bytes: &[u8]| -> Vec<i64> {
            bytes.iter().map(|b| 1 + i64::from(*b) % (threshold - 1)).collect()
        };
        let indicator = indicator(threshold, target.map(f64::from), polarity);
        let first = fill(&slots, &below(&small));
        let second = fill(&slots, &below(&other));
        let comparators: Vec<Comparator> = comparator
            .map(|value| Comparator {
                indicator_id: indicator.id,
                period: series(&first).last().map_or(Quarter { year: 2021, number: 1 }, |p| p.0),
                name: "England".into(),
                value: f64::from(value),
            })
            .into_iter()
            .collect();
        prop_assert_eq!(
            published(&indicator, &first, &comparators),
            published(&indicator, &second, &comparators),
            "series {:?} and {:?} (threshold {})", first, second, threshold
        );
    }
}

/// The proof above would hold trivially if nothing were published: the same series with its
/// small counts published does change.
#[test]
fn without_suppression_the_outputs_would_differ() {
    let open = indicator(0, None, Polarity::Neither);
    assert_ne!(
        published(&open, &[12, 4, 9, 15, 11, 8], &[]),
        published(&open, &[12, 2, 9, 15, 11, 8], &[])
    );
    let guarded = indicator(5, None, Polarity::Neither);
    let outputs = published(&guarded, &[12, 4, 9, 15, 11, 8], &[]);
    assert!(outputs[8].contains("fewer than 5"), "{}", outputs[8]);
    assert!(
        outputs[1].contains("leave out the quarter shown as fewer than 5"),
        "{}",
        outputs[1]
    );
    // The mean is of the five published values (55 / 5), not of all six.
    assert!(outputs[8].contains(",11,"), "{}", outputs[8]);
}
