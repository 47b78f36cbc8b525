//! Learning's report figures and sections (src/learning/report.rs) on the demo partnership's
//! 2024/25 records, the year before, the quarter of the 2026 rapid review, and a partnership
//! with no records. Also the helpers the other report tests use: compute a registered figure,
//! build a module's section, and check its words and figure references.

use masa::kernel::Scope;
use masa::kernel::ids::PartnershipId;
use masa::kernel::report::{
    Block, Figure, FigureRef, Inline, QuarterlySection, ReportInput, ReportPeriod, SectionSlot,
    SharedLoads, YearlySection,
};

use crate::on_both_backends;
use crate::support::TestApp;

pub const DEMO: i64 = 1;

/// A registered definition's figures for a partnership and a period.
pub async fn figures(
    app: &TestApp,
    partnership: i64,
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
        Scope::new(&app.db, PartnershipId::new(partnership)),
        period,
        &loads,
    ))
    .await
    .unwrap_or_else(|error| panic!("{key} computes: {error}"))
}

/// One instance's value ("" for a single figure); panics when the instance is missing.
pub fn value_of(figures: &[Figure], instance: &str) -> Option<f64> {
    figures
        .iter()
        .find(|figure| figure.instance == instance)
        .unwrap_or_else(|| panic!("instance {instance:?} in {figures:?}"))
        .value
}

pub async fn value(
    app: &TestApp,
    partnership: i64,
    key: &str,
    period: ReportPeriod,
) -> Option<f64> {
    value_of(&figures(app, partnership, key, period).await, "")
}

/// The blocks of one module's part of a section.
pub async fn section(
    app: &TestApp,
    partnership: i64,
    slot: SectionSlot,
    module: &str,
    period: ReportPeriod,
) -> Vec<Block> {
    let part = app
        .state
        .reports
        .sections_in(slot)
        .into_iter()
        .find(|part| part.module == module)
        .unwrap_or_else(|| panic!("{module} has a part in {slot:?}"));
    let loads = SharedLoads::default();
    let input = ReportInput::new(
        Scope::new(&app.db, PartnershipId::new(partnership)),
        period,
        &loads,
    );
    (part.build)(&input).await.expect("section builds")
}

fn inlines(blocks: &[Block]) -> Vec<&Inline> {
    let mut all = Vec::new();
    for block in blocks {
        match block {
            Block::Heading { text: words }
            | Block::Paragraph { content: words }
            | Block::Notice { content: words } => all.extend(words.iter()),
            Block::List { items } => items.iter().for_each(|item| all.extend(item.iter())),
            Block::Table {
                caption,
                headers,
                rows,
                ..
            } => {
                all.extend(caption.iter());
                headers.iter().for_each(|cell| all.extend(cell.iter()));
                rows.iter()
                    .flatten()
                    .for_each(|cell| all.extend(cell.iter()));
            }
            Block::BarChart { title, .. } => all.extend(title.iter()),
        }
    }
    all
}

/// Everything a reader would see, figures as their key and instance.
pub fn plain_text(blocks: &[Block]) -> String {
    let mut text = String::new();
    for inline in inlines(blocks) {
        match inline {
            Inline::Text { text: words } => text.push_str(words),
            Inline::Data { text: words } | Inline::Link { text: words, .. } => text.push_str(words),
            Inline::Figure { figure } | Inline::PreviousFigure { figure } => {
                text.push_str(&format!("[{}/{}]", figure.key, figure.instance))
            }
        }
    }
    for block in blocks {
        if let Block::BarChart { bars, .. } = block {
            for bar in bars {
                text.push_str(&format!("<bar {}>", bar.label));
            }
        }
    }
    text
}

/// The section's own words hold no digit, and every figure it names was computed.
pub async fn assert_sound(app: &TestApp, partnership: i64, blocks: &[Block], period: ReportPeriod) {
    let mut named: Vec<FigureRef> = Vec::new();
    for inline in inlines(blocks) {
        match inline {
            Inline::Text { text } => assert!(
                !text.chars().any(|c| c.is_ascii_digit()),
                "a literal number in template words: {text:?}"
            ),
            Inline::Figure { figure } | Inline::PreviousFigure { figure } => {
                named.push(figure.clone())
            }
            _ => {}
        }
    }
    for block in blocks {
        if let Block::BarChart { bars, .. } = block {
            named.extend(bars.iter().map(|bar| bar.figure.clone()));
        }
    }
    for reference in named {
        let computed = figures(app, partnership, &reference.key, period).await;
        assert!(
            computed.iter().any(|f| f.instance == reference.instance),
            "{}/{} is named but not computed",
            reference.key,
            reference.instance
        );
    }
}

const YEAR: ReportPeriod = ReportPeriod {
    year: 2024,
    quarter: None,
};

on_both_backends!(learning_figures_match_the_seed_year, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    // The seed's six learning reviews of 2024/25, by type; no local CSPR.
    assert_eq!(
        value(app, DEMO, "learning.reviews_held", YEAR).await,
        Some(6.0)
    );
    let by_type = figures(app, DEMO, "learning.reviews_by_type", YEAR).await;
    assert_eq!(value_of(&by_type, "learning_circle"), Some(3.0));
    assert_eq!(value_of(&by_type, "rapid_review"), Some(1.0));
    assert_eq!(value_of(&by_type, "thematic_audit"), Some(1.0));
    assert_eq!(value_of(&by_type, "local_reflective_review"), Some(1.0));
    assert_eq!(value_of(&by_type, "local_cspr"), Some(0.0));
    assert_eq!(value_of(&by_type, "national_review_follow_up"), Some(0.0));
    // Themes: professional challenge and escalation in five of the six events, home
    // conditions in four (counted by hand from the demo's findings).
    let mut themes = figures(app, DEMO, "learning.themes", YEAR).await;
    themes.sort_by(|a, b| b.value.partial_cmp(&a.value).unwrap());
    assert_eq!(themes[0].label, "Professional challenge and escalation");
    assert_eq!(themes[0].value, Some(5.0));
    assert_eq!(themes[1].label, "Home conditions (neglect)");
    assert_eq!(themes[1].value, Some(4.0));
    assert_eq!(themes.iter().filter(|t| t.value > Some(1.0)).count(), 5);
    // Child N's notification: notified 13 March 2025, the rapid review sent on 31 March, twelve
    // working days later, within the fifteen.
    assert_eq!(
        value(app, DEMO, "learning.notifications", YEAR).await,
        Some(1.0)
    );
    let days = figures(app, DEMO, "learning.rapid_review_working_days", YEAR).await;
    assert_eq!(days.len(), 1);
    assert_eq!(days[0].value, Some(12.0));
    assert!(days[0].label.contains("Child N"));
    let on_time = figures(app, DEMO, "learning.rapid_reviews_on_time", YEAR).await;
    assert_eq!(
        (on_time[0].numerator, on_time[0].denominator),
        (Some(1), Some(1))
    );
    assert_eq!(on_time[0].value, Some(100.0));
    // The year before holds nothing.
    let before = YEAR.previous();
    assert_eq!(
        value(app, DEMO, "learning.reviews_held", before).await,
        Some(0.0)
    );
    assert_eq!(
        value(app, DEMO, "learning.notifications", before).await,
        Some(0.0)
    );
    assert_eq!(
        value(app, DEMO, "learning.rapid_reviews_on_time", before).await,
        None
    );
    assert!(
        figures(app, DEMO, "learning.themes", before)
            .await
            .is_empty()
    );
    // Triage totals add up by decision.
    let total = value(app, DEMO, "learning.national_recommendations_triaged", YEAR).await;
    let parts: f64 = figures(
        app,
        DEMO,
        "learning.national_recommendations_by_decision",
        YEAR,
    )
    .await
    .iter()
    .filter_map(|f| f.value)
    .sum();
    assert_eq!(total, Some(parts));
});

on_both_backends!(learning_sections_list_the_reviews_and_themes, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    let slot = SectionSlot::Yearly(YearlySection::LearningFromCaseReviews);
    let blocks = section(app, DEMO, slot, "learning", YEAR).await;
    assert_sound(app, DEMO, &blocks, YEAR).await;
    let text = plain_text(&blocks);
    for review in [
        "Learning circle for Sibling Group L",
        "Learning circle for Child M",
        "Rapid review for Child N",
        "Learning circle for Child O",
        "Thematic audit for Sibling Group P",
        "Local reflective review for Sibling Group Q",
    ] {
        assert!(text.contains(review), "{review} in {text}");
    }
    assert!(
        !text.contains("Child R"),
        "the 2026 review is not in 2024/25"
    );
    let chart = blocks
        .iter()
        .find_map(|block| match block {
            Block::BarChart { bars, .. } => Some(bars),
            _ => None,
        })
        .expect("a themes chart");
    assert_eq!(chart.len(), 5);
    assert_eq!(chart[0].label, "Professional challenge and escalation");
    assert_eq!(chart[1].label, "Home conditions (neglect)");
    assert!(text.contains("Themes evident in more than one learning event"));
    assert!(text.contains("SIN-2025-03 (Child N)"));
    let glance = section(
        app,
        DEMO,
        SectionSlot::Yearly(YearlySection::AtAGlance),
        "learning",
        YEAR,
    )
    .await;
    assert_sound(app, DEMO, &glance, YEAR).await;
    assert!(plain_text(&glance).contains("[learning.reviews_held/]"));
    // The quarter of the 2026 rapid review: Child R's review under way, its clock running.
    let quarter = ReportPeriod::quarter(2026, 3).unwrap();
    let blocks = section(
        app,
        DEMO,
        SectionSlot::Quarterly(QuarterlySection::ReviewsUnderWay),
        "learning",
        quarter,
    )
    .await;
    assert_sound(app, DEMO, &blocks, quarter).await;
    let text = plain_text(&blocks);
    assert!(text.contains("Rapid review for Child R"), "{text}");
    assert!(text.contains("SIN-2026-05 (Child R)"), "{text}");
    assert_eq!(
        value(app, DEMO, "learning.reviews_under_way", quarter).await,
        Some(1.0)
    );
});

on_both_backends!(
    a_partnership_with_no_learning_gets_noughts_and_sections,
    |app| {
        masa::demo::load(&app.db).await.expect("demo");
        let second = app.second_partnership().await.partnership_id;
        assert_eq!(
            value(app, second, "learning.reviews_held", YEAR).await,
            Some(0.0)
        );
        assert_eq!(
            value(app, second, "learning.notifications", YEAR).await,
            Some(0.0)
        );
        assert_eq!(
            value(app, second, "learning.rapid_reviews_on_time", YEAR).await,
            None
        );
        assert!(
            figures(app, second, "learning.themes", YEAR)
                .await
                .is_empty()
        );
        for (slot, period) in [
            (
                SectionSlot::Yearly(YearlySection::LearningFromCaseReviews),
                YEAR,
            ),
            (SectionSlot::Yearly(YearlySection::AtAGlance), YEAR),
            (
                SectionSlot::Quarterly(QuarterlySection::ReviewsUnderWay),
                ReportPeriod::quarter(2026, 3).unwrap(),
            ),
        ] {
            let blocks = section(app, second, slot, "learning", period).await;
            assert_sound(app, second, &blocks, period).await;
            if slot != SectionSlot::Yearly(YearlySection::AtAGlance) {
                assert!(blocks.iter().any(|b| matches!(b, Block::Notice { .. })));
            }
            assert!(!plain_text(&blocks).contains("Child"));
        }
    }
);
