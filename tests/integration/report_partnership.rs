//! The partnership's report figures and sections (kernel::report), on the demo partnership's
//! 2024/25 records (seed report §3 "Our arrangements", §5 priorities, §14) and on a partnership
//! with no records.

use crate::on_both_backends;
use crate::support::TestApp;
use masa::kernel::Scope;
use masa::kernel::ids::PartnershipId;
use masa::kernel::report::{
    Block, Figure, Inline, ReportInput, ReportPeriod, SectionSlot, SharedLoads, YearlySection,
};

pub(crate) async fn compute(
    app: &TestApp,
    partnership: PartnershipId,
    key: &str,
    period: ReportPeriod,
) -> Vec<Figure> {
    let definition = app
        .state
        .reports
        .definition(key)
        .unwrap_or_else(|| panic!("{key} is registered"));
    let loads = SharedLoads::default();
    (definition.compute)(&ReportInput::new(
        Scope::new(&app.db, partnership),
        period,
        &loads,
    ))
    .await
    .unwrap()
}

pub(crate) fn value_of(figures: &[Figure], instance: &str) -> Option<f64> {
    figures
        .iter()
        .find(|figure| figure.instance == instance)
        .unwrap_or_else(|| panic!("instance {instance:?} in {figures:#?}"))
        .value
}

/// Builds every part of a slot that `module` registers.
pub(crate) async fn build(
    app: &TestApp,
    partnership: PartnershipId,
    module: &str,
    slot: SectionSlot,
    period: ReportPeriod,
) -> Vec<Block> {
    let loads = SharedLoads::default();
    let input = ReportInput::new(Scope::new(&app.db, partnership), period, &loads);
    let mut blocks = Vec::new();
    for section in app.state.reports.sections_in(slot) {
        if section.module == module {
            blocks.extend((section.build)(&input).await.unwrap());
        }
    }
    blocks
}

/// Everything data and template words say, for assertions.
pub(crate) fn words(blocks: &[Block]) -> String {
    let mut out = String::new();
    masa::reports::generate::for_each_inline(blocks, &mut |inline| match inline {
        Inline::Text { text } => out.push_str(text),
        Inline::Data { text } | Inline::Link { text, .. } => out.push_str(text),
        _ => out.push('#'),
    });
    out
}

/// Generates the whole report and asserts every check passes and no template word holds a
/// number.
pub(crate) async fn generate_cleanly(
    app: &TestApp,
    partnership: PartnershipId,
    period: ReportPeriod,
) -> masa::reports::generate::GeneratedReport {
    let report = masa::reports::generate::generate(
        &app.state.reports,
        Scope::new(&app.db, partnership),
        period,
        "Test partnership",
        "test",
        time::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    assert!(
        report.failed_checks().is_empty(),
        "{:#?}",
        report.failed_checks()
    );
    for section in &report.sections {
        for part in &section.parts {
            masa::reports::generate::for_each_inline(&part.blocks, &mut |inline| {
                if let Inline::Text { text } = inline {
                    assert!(
                        masa::reports::model::literal_numbers(text).is_empty(),
                        "{} ({}): {text}",
                        section.title,
                        part.module
                    );
                }
            });
        }
    }
    report
}

const DEMO: PartnershipId = PartnershipId::new(1);

on_both_backends!(partnership_figures_match_the_demo_records, |app| {
    masa::demo::load(&app.db).await.unwrap();
    let year = ReportPeriod::financial_year(2024);
    let before = year.previous();
    // 89 organisations, all active by the year's end: 3 statutory partners, 9 relevant
    // agencies, 67 schools and colleges (the s175 audit's population, seed §9.1).
    let organisations = compute(app, DEMO, "partnership.organisations", year).await;
    assert_eq!(value_of(&organisations, ""), Some(89.0));
    let by_kind = compute(app, DEMO, "partnership.organisations_by_kind", year).await;
    assert_eq!(value_of(&by_kind, "statutory_partner"), Some(3.0));
    assert_eq!(value_of(&by_kind, "relevant_agency"), Some(9.0));
    assert_eq!(value_of(&by_kind, "school"), Some(67.0));
    // A year earlier three organisations had not yet joined (active from April and
    // September 2024).
    let earlier = compute(app, DEMO, "partnership.organisations", before).await;
    assert_eq!(value_of(&earlier, ""), Some(86.0));
    let groups = compute(app, DEMO, "partnership.groups", year).await;
    assert_eq!(value_of(&groups, ""), Some(14.0));
    let people = compute(app, DEMO, "partnership.people", year).await;
    assert_eq!(value_of(&people, ""), Some(81.0));
    let places = compute(app, DEMO, "partnership.group_members", year).await;
    assert!(value_of(&places, "").unwrap() > 0.0);
    // Business Plan 2024–27: three priorities and three cross-cutting themes; none before it.
    let priorities = compute(app, DEMO, "partnership.priorities", year).await;
    assert_eq!(value_of(&priorities, ""), Some(3.0));
    let themes = compute(app, DEMO, "partnership.cross_cutting_themes", year).await;
    assert_eq!(value_of(&themes, ""), Some(3.0));
    let none_before = compute(app, DEMO, "partnership.priorities", before).await;
    assert_eq!(value_of(&none_before, ""), Some(0.0));
    // Records are listed and linked.
    assert!(
        priorities[0]
            .records
            .iter()
            .any(|r| r.label.contains("neglect")
                && r.href.starts_with("/partnership/business-plans/"))
    );
});

on_both_backends!(
    partnership_sections_print_the_structure_and_priorities,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let year = ReportPeriod::financial_year(2024);
        let governance = build(
            app,
            DEMO,
            "partnership",
            SectionSlot::Yearly(YearlySection::PartnershipAndGovernance),
            year,
        )
        .await;
        let said = words(&governance);
        for expected in [
            "HSCP Executive",
            "HSCP Strategic Leadership Group",
            "Quality and Impact Group",
            "Strategic leadership group",
            "Chair",
            "Vice-chair",
            "Cheshire Constabulary",
            "governance module",
        ] {
            assert!(said.contains(expected), "{expected} in {said}");
        }
        let table = governance
            .iter()
            .find_map(|block| match block {
                Block::Table { caption, rows, .. }
                    if words(&[Block::Paragraph {
                        content: caption.clone(),
                    }])
                    .contains("chairs") =>
                {
                    Some(rows.clone())
                }
                _ => None,
            })
            .expect("the groups table");
        assert_eq!(table.len(), 14);
        // Every group of the demo has a chair.
        assert!(
            table.iter().all(|row| !words(&[Block::Paragraph {
                content: row[3].clone()
            }])
            .contains("Not recorded")),
            "{table:#?}"
        );
        let priorities = build(
            app,
            DEMO,
            "partnership",
            SectionSlot::Yearly(YearlySection::ProgressAgainstPriorities),
            year,
        )
        .await;
        let said = words(&priorities);
        assert!(said.contains("Business Plan 2024–27"));
        assert!(said.contains(
            "Improving the quality and timeliness of our practice in relation to neglect"
        ));
        assert!(said.contains("Co-production"));
        let next = build(
            app,
            DEMO,
            "partnership",
            SectionSlot::Yearly(YearlySection::NextYearsPriorities),
            year,
        )
        .await;
        let said = words(&next);
        assert!(
            said.contains("Protecting children as victims of domestic abuse"),
            "{said}"
        );
        assert!(said.contains("coming year"));
        let glance = build(
            app,
            DEMO,
            "partnership",
            SectionSlot::Yearly(YearlySection::AtAGlance),
            year,
        )
        .await;
        assert!(!glance.is_empty());
        generate_cleanly(app, DEMO, year).await;
    }
);

on_both_backends!(
    a_partnership_with_no_records_gets_noughts_and_sections,
    |app| {
        masa::demo::load(&app.db).await.unwrap();
        let empty = masa::partnership::create_partnership(&app.db, "Elsewhere", "test")
            .await
            .unwrap();
        let year = ReportPeriod::financial_year(2024);
        for key in [
            "partnership.organisations",
            "partnership.people",
            "partnership.groups",
            "partnership.group_members",
            "partnership.priorities",
        ] {
            assert_eq!(
                value_of(&compute(app, empty, key, year).await, ""),
                Some(0.0),
                "{key}"
            );
        }
        let by_kind = compute(app, empty, "partnership.organisations_by_kind", year).await;
        assert!(by_kind.iter().all(|f| f.value == Some(0.0)));
        for section in [
            YearlySection::AtAGlance,
            YearlySection::PartnershipAndGovernance,
            YearlySection::ProgressAgainstPriorities,
            YearlySection::NextYearsPriorities,
        ] {
            let blocks = build(
                app,
                empty,
                "partnership",
                SectionSlot::Yearly(section),
                year,
            )
            .await;
            assert!(!blocks.is_empty(), "{section:?}");
        }
        let said = words(
            &build(
                app,
                empty,
                "partnership",
                SectionSlot::Yearly(YearlySection::ProgressAgainstPriorities),
                year,
            )
            .await,
        );
        assert!(said.contains("no business plan"), "{said}");
        generate_cleanly(app, empty, year).await;
        generate_cleanly(app, empty, ReportPeriod::quarter(2024, 4).unwrap()).await;
    }
);
