//! The dataset's report figures and sections (kernel::report), on the demo partnership's
//! 2024/25 records (seed report §9.4: strategy meetings 83% within 24 hours; 10% within 48;
//! 5% within 72; 2% over 72) and on a partnership with no records.

use crate::on_both_backends;
use crate::report_partnership::{build, compute, generate_cleanly, value_of, words};
use masa::kernel::ids::PartnershipId;
use masa::kernel::report::{
    Block, Inline, QuarterlySection, ReportPeriod, SectionSlot, Unit, YearlySection,
};

const DEMO: PartnershipId = PartnershipId::new(1);

on_both_backends!(dataset_figures_match_the_seed_values, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let year = ReportPeriod::financial_year(2024);
    let values = compute(app, DEMO, "dataset.indicator_value", year).await;
    // §9.4: the four exclusive timeliness bands at 2024-25 Q4.
    assert_eq!(value_of(&values, "SM-01"), Some(83.0));
    assert_eq!(value_of(&values, "SM-04"), Some(10.0));
    assert_eq!(value_of(&values, "SM-05"), Some(5.0));
    assert_eq!(value_of(&values, "SM-06"), Some(2.0));
    let sm01 = values.iter().find(|f| f.instance == "SM-01").unwrap();
    assert_eq!(sm01.unit, Unit::Percent { places: 0 });
    assert_eq!(sm01.records[0].href.split('/').nth(2), Some("indicators"));
    // The year before: 2023-24 Q4 (63 + 21 + 10 + 6 = 100).
    let before = compute(app, DEMO, "dataset.indicator_value", year.previous()).await;
    assert_eq!(value_of(&before, "SM-01"), Some(63.0));
    let bands: f64 = ["SM-01", "SM-04", "SM-05", "SM-06"]
        .iter()
        .map(|code| value_of(&before, code).unwrap())
        .sum();
    assert_eq!(bands, 100.0);
    // A quarter's value is that quarter's.
    let q3 = compute(
        app,
        DEMO,
        "dataset.indicator_value",
        ReportPeriod::quarter(2024, 3).unwrap(),
    )
    .await;
    assert_eq!(value_of(&q3, "SM-01"), Some(76.0));
    let targets = compute(app, DEMO, "dataset.indicator_target", year).await;
    assert_eq!(value_of(&targets, "SM-01"), Some(90.0));
    assert_eq!(value_of(&targets, "SM-04"), None);
    // 28 indicators in the seed-based catalogue and the three timeliness bands.
    let held = value_of(
        &compute(app, DEMO, "dataset.indicators_held", year).await,
        "",
    )
    .unwrap();
    assert_eq!(held, 31.0);
    let ratings = compute(app, DEMO, "dataset.indicators_by_rating", year).await;
    assert_eq!(
        ratings.iter().filter_map(|f| f.value).sum::<f64>(),
        held,
        "{ratings:#?}"
    );
    // SM-01 at 83% misses its 90% target by more than 5%: red.
    assert!(
        ratings
            .iter()
            .find(|f| f.instance == "red")
            .unwrap()
            .records
            .iter()
            .any(|r| r.label.starts_with("SM-01"))
    );
    let by_priority = compute(app, DEMO, "dataset.priority_indicators", year).await;
    assert_eq!(
        by_priority.len(),
        4,
        "three priorities and none: {by_priority:#?}"
    );
    assert_eq!(
        by_priority.iter().filter_map(|f| f.value).sum::<f64>(),
        held
    );
    let completeness = compute(app, DEMO, "dataset.drop_completeness", year).await;
    let rate = &completeness[0];
    assert!(rate.denominator.unwrap() > 0, "{rate:#?}");
    assert!(rate.numerator.unwrap() <= rate.denominator.unwrap());
    eprintln!(
        "completeness 2024/25: {:?} of {:?}",
        rate.numerator, rate.denominator
    );
});

on_both_backends!(dataset_sections_print_the_scorecard_by_priority, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let year = ReportPeriod::financial_year(2024);
    let extract = build(
        app,
        DEMO,
        "dataset",
        SectionSlot::Yearly(YearlySection::ProgressAgainstPriorities),
        year,
    )
    .await;
    let said = words(&extract);
    assert!(said.contains("Safeguarding Children from Violence and Exploitation"));
    assert!(said.contains("SM-01: Strategy meetings held within 24 hours"));
    assert!(said.contains("Previous year"));
    let headings = extract
        .iter()
        .filter(|block| matches!(block, Block::Heading { .. }))
        .count();
    assert_eq!(headings, 3, "a heading per priority");
    let used = build(
        app,
        DEMO,
        "dataset",
        SectionSlot::Yearly(YearlySection::HowDataIsUsed),
        year,
    )
    .await;
    let timeliness = used
        .iter()
        .find_map(|block| match block {
            Block::Table { caption, rows, .. }
                if words(&[Block::Paragraph {
                    content: caption.clone(),
                }]) == "Strategy meeting timeliness" =>
            {
                Some(rows.clone())
            }
            _ => None,
        })
        .expect("the timeliness table");
    assert_eq!(timeliness.len(), 4);
    assert!(
        matches!(&timeliness[1][1][0], Inline::Figure { figure } if figure.instance == "SM-04")
    );
    let quarter = ReportPeriod::quarter(2024, 4).unwrap();
    let progress = build(
        app,
        DEMO,
        "dataset",
        SectionSlot::Quarterly(QuarterlySection::PriorityProgress),
        quarter,
    )
    .await;
    assert!(words(&progress).contains("Protecting children as victims of domestic abuse"));
    let exceptions = build(
        app,
        DEMO,
        "dataset",
        SectionSlot::Quarterly(QuarterlySection::IndicatorExceptions),
        quarter,
    )
    .await;
    let said = words(&exceptions);
    assert!(
        said.contains("SM-01"),
        "SM-01 is red at 83% against 90%: {said}"
    );
    generate_cleanly(app, DEMO, year).await;
    generate_cleanly(app, DEMO, quarter).await;
});

on_both_backends!(
    a_partnership_with_no_data_gets_not_held_and_sections,
    |app| {
        let empty = masa::partnership::create_partnership(&app.db, "Elsewhere", "test")
            .await
            .unwrap();
        let year = ReportPeriod::financial_year(2024);
        assert_eq!(
            value_of(
                &compute(app, empty, "dataset.indicators_held", year).await,
                ""
            ),
            Some(0.0)
        );
        assert!(
            compute(app, empty, "dataset.indicator_value", year)
                .await
                .is_empty()
        );
        let completeness = compute(app, empty, "dataset.drop_completeness", year).await;
        assert_eq!(completeness[0].value, None, "no drop was due: not held");
        for slot in [
            SectionSlot::Yearly(YearlySection::AtAGlance),
            SectionSlot::Yearly(YearlySection::ProgressAgainstPriorities),
            SectionSlot::Yearly(YearlySection::HowDataIsUsed),
        ] {
            assert!(!build(app, empty, "dataset", slot, year).await.is_empty());
        }
        let said = words(
            &build(
                app,
                empty,
                "dataset",
                SectionSlot::Yearly(YearlySection::HowDataIsUsed),
                year,
            )
            .await,
        );
        assert!(said.contains("no strategy meeting timeliness"), "{said}");
        generate_cleanly(app, empty, year).await;
    }
);
