//! The tracker's, the risk register's and the policy tracker's report figures and sections
//! (src/tracker/report.rs, risks/report.rs, policies/report.rs) on the demo partnership, the
//! period before, and a partnership with no records. Most of the demo's actions are dated
//! relative to today, so their figures are read for the financial year and quarter holding
//! today; its 2024/25 history (four recommendations, eight actions, all closed by December
//! 2025) is dated, so it is read for 2024/25 and 2025/26, as are the risks' scorings.

use masa::kernel::report::{Block, QuarterlySection, ReportPeriod, SectionSlot, YearlySection};
use time::Duration;

use crate::on_both_backends;
use crate::report_learning::{DEMO, assert_sound, figures, plain_text, section, value, value_of};

fn this_year() -> (ReportPeriod, time::Date) {
    let today = masa::kernel::text::today();
    let year = if today.month() >= time::Month::April {
        today.year()
    } else {
        today.year() - 1
    };
    (ReportPeriod::financial_year(year), today)
}

fn this_quarter() -> ReportPeriod {
    let (year, today) = this_year();
    (1..=4)
        .filter_map(|q| ReportPeriod::quarter(year.year, q))
        .find(|q| q.contains(today))
        .expect("a quarter holds today")
}

on_both_backends!(tracker_figures_match_the_demo_by_hand, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    let (year, today) = this_year();
    // The demo: eight recommendations with ten actions, all recorded today, and the 2024/25
    // history's four recommendations with eight actions, all closed with evidence by now.
    assert_eq!(
        value(app, DEMO, "tracker.recommendations_made", year).await,
        Some(8.0)
    );
    assert_eq!(
        value(app, DEMO, "tracker.recommendations_held", year).await,
        Some(12.0)
    );
    assert_eq!(
        value(app, DEMO, "tracker.actions_agreed", year).await,
        Some(10.0)
    );
    assert_eq!(
        value(app, DEMO, "tracker.actions_held", year).await,
        Some(18.0)
    );
    let status = figures(app, DEMO, "tracker.actions_by_status", year).await;
    // On track: the home conditions relaunch, the revisit dates and the strategy meeting
    // field; not started: the levels of need refresher; overdue: the quarterly impact report
    // (at risk, 21 days past due) and the nurses' cover rota (9 days); complete: water safety,
    // the neglect standards and the domestic abuse pathway; closed: the escalation training and
    // the history's eight actions.
    assert_eq!(value_of(&status, "on_track"), Some(3.0));
    assert_eq!(value_of(&status, "not_started"), Some(1.0));
    assert_eq!(value_of(&status, "at_risk"), Some(0.0));
    assert_eq!(value_of(&status, "overdue"), Some(2.0));
    assert_eq!(value_of(&status, "complete"), Some(3.0));
    assert_eq!(value_of(&status, "closed_with_evidence"), Some(9.0));
    assert_eq!(
        value(app, DEMO, "tracker.actions_done", year).await,
        Some(12.0)
    );
    let mut overdue_days: Vec<f64> = figures(app, DEMO, "tracker.action_days_overdue", year)
        .await
        .iter()
        .filter_map(|f| f.value)
        .collect();
    overdue_days.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(overdue_days, vec![9.0, 21.0]);
    // Completed (days ago, on time): water safety (75, yes), neglect standards (130, yes),
    // domestic abuse pathway (10, yes), escalation training (190, no: due 200 days ago). The
    // history's actions were completed by June 2025 and closed by December 2025, before this
    // year.
    let completed: Vec<bool> = [(75, true), (130, true), (10, true), (190, false)]
        .into_iter()
        .filter(|(days, _)| year.contains(today - Duration::days(*days)))
        .map(|(_, on_time)| on_time)
        .collect();
    let rate = figures(app, DEMO, "tracker.actions_completed_on_time", year).await;
    assert_eq!(rate[0].denominator, Some(completed.len() as i64));
    assert_eq!(
        rate[0].numerator,
        Some(completed.iter().filter(|on_time| **on_time).count() as i64)
    );
    let closed_in_year = f64::from(u8::from(year.contains(today - Duration::days(30))));
    assert_eq!(
        value(app, DEMO, "tracker.actions_impact_evidenced", year).await,
        Some(closed_in_year)
    );
    assert_eq!(
        value(app, DEMO, "tracker.actions_revisited", year).await,
        Some(closed_in_year)
    );
    // By source: two learning review recommendations, their two actions, one complete; and
    // the history's three learning review recommendations (six actions, all closed) and its
    // strategy meetings audit.
    let recommendations = figures(app, DEMO, "tracker.recommendations_by_source", year).await;
    assert_eq!(value_of(&recommendations, "learning_review"), Some(5.0));
    assert_eq!(value_of(&recommendations, "audit"), Some(4.0));
    let done = figures(app, DEMO, "tracker.actions_done_by_source", year).await;
    assert_eq!(value_of(&done, "learning_review"), Some(7.0));
    let overdue = figures(app, DEMO, "tracker.actions_overdue_by_source", year).await;
    assert_eq!(value_of(&overdue, "scrutiny"), Some(1.0));
    assert_eq!(value_of(&overdue, "meeting"), Some(1.0));
    // The year before: only the 2024/25 history, made before it and closed by its end.
    let before = year.previous();
    assert_eq!(
        value(app, DEMO, "tracker.actions_held", before).await,
        Some(8.0)
    );
    assert_eq!(
        value(app, DEMO, "tracker.recommendations_made", before).await,
        Some(0.0)
    );
    if before != ReportPeriod::financial_year(2025) {
        assert_eq!(
            value(app, DEMO, "tracker.actions_completed_on_time", before).await,
            None
        );
    }
    let status = figures(app, DEMO, "tracker.actions_by_status", before).await;
    assert_eq!(value_of(&status, "closed_with_evidence"), Some(8.0));
    let total: f64 = status.iter().filter_map(|f| f.value).sum();
    assert_eq!(total, 8.0);
});

on_both_backends!(
    tracker_figures_for_2024_25_match_the_history_by_hand,
    |app| {
        masa::demo::load(&app.db).await.expect("demo");
        // The history (src/tracker/demo.rs), as at 31 March 2025:
        //   REC-2024-01 (LC-2024-01, made 3 Jul 2024)
        //     escalation briefing: due 30 Sep, completed 18 Sep (on time), closed 15 Jan 2025
        //     escalation training: due 31 Dec, completed 24 Jan 2025 (late), closed 23 Jul 2025
        //   REC-2024-02 (LC-2024-02, made 11 Sep 2024)
        //     home conditions briefing: due 20 Dec, completed 11 Dec (on time), closed 11 Jun 2025
        //     home conditions dip sample: due 30 Jun 2025, on track 12 Feb, completed 20 Jun 2025
        //   REC-2024-03 (LC-2024-03, made 4 Dec 2024)
        //     transitions protocol: due 28 Feb 2025, at risk 19 Feb, completed 16 May 2025 (late)
        //     ketamine guidance: due 14 Mar 2025, completed 10 Mar (on time), closed 10 Sep 2025
        //   REC-2024-04 (strategy meetings audit, made 24 Jul 2024)
        //     practice standards: due 31 Oct, completed 16 Oct (on time), closed 22 Jan 2025
        //     monthly reports: due 29 Nov, completed 22 Nov (on time), closed 21 May 2025
        // The relative demo was recorded today, after the year.
        let year = ReportPeriod::financial_year(2024);
        for (key, expected) in [
            ("tracker.recommendations_made", 4.0),
            ("tracker.recommendations_held", 4.0),
            ("tracker.actions_agreed", 8.0),
            ("tracker.actions_held", 8.0),
            ("tracker.actions_done", 6.0),
            ("tracker.actions_impact_evidenced", 2.0),
            ("tracker.actions_revisited", 2.0),
        ] {
            assert_eq!(value(app, DEMO, key, year).await, Some(expected), "{key}");
        }
        let status = figures(app, DEMO, "tracker.actions_by_status", year).await;
        assert_eq!(value_of(&status, "not_started"), Some(0.0));
        assert_eq!(value_of(&status, "on_track"), Some(1.0));
        assert_eq!(value_of(&status, "at_risk"), Some(0.0));
        assert_eq!(value_of(&status, "overdue"), Some(1.0));
        assert_eq!(value_of(&status, "complete"), Some(4.0));
        assert_eq!(value_of(&status, "closed_with_evidence"), Some(2.0));
        let overdue_days: Vec<Option<f64>> =
            figures(app, DEMO, "tracker.action_days_overdue", year)
                .await
                .iter()
                .map(|f| f.value)
                .collect();
        assert_eq!(overdue_days, vec![Some(31.0)]);
        // Completed in the year: six, five on time (the escalation training was 24 days late).
        let rate = figures(app, DEMO, "tracker.actions_completed_on_time", year).await;
        assert_eq!(rate[0].numerator, Some(5));
        assert_eq!(rate[0].denominator, Some(6));
        let recommendations = figures(app, DEMO, "tracker.recommendations_by_source", year).await;
        assert_eq!(value_of(&recommendations, "learning_review"), Some(3.0));
        assert_eq!(value_of(&recommendations, "audit"), Some(1.0));
        assert_eq!(value_of(&recommendations, "scrutiny"), Some(0.0));
        let done = figures(app, DEMO, "tracker.actions_done_by_source", year).await;
        assert_eq!(value_of(&done, "learning_review"), Some(4.0));
        assert_eq!(value_of(&done, "audit"), Some(2.0));
        let overdue = figures(app, DEMO, "tracker.actions_overdue_by_source", year).await;
        assert_eq!(value_of(&overdue, "learning_review"), Some(1.0));
        let blocks = section(
            app,
            DEMO,
            SectionSlot::Yearly(YearlySection::LearningFromCaseReviews),
            "tracker",
            year,
        )
        .await;
        assert_sound(app, DEMO, &blocks, year).await;
        let text = plain_text(&blocks);
        assert!(
            text.contains("REC-2024-01") && !text.contains("REC-2025-03"),
            "{text}"
        );

        // 2025/26: nothing new; the dip sample (on time) and the transitions protocol (late) were
        // completed, and six actions were closed at their revisits; all eight closed by its end.
        let next = ReportPeriod::financial_year(2025);
        assert_eq!(
            value(app, DEMO, "tracker.recommendations_made", next).await,
            Some(0.0)
        );
        assert_eq!(
            value(app, DEMO, "tracker.actions_held", next).await,
            Some(8.0)
        );
        let rate = figures(app, DEMO, "tracker.actions_completed_on_time", next).await;
        assert_eq!((rate[0].numerator, rate[0].denominator), (Some(1), Some(2)));
        assert_eq!(
            value(app, DEMO, "tracker.actions_impact_evidenced", next).await,
            Some(6.0)
        );
        let status = figures(app, DEMO, "tracker.actions_by_status", next).await;
        assert_eq!(value_of(&status, "closed_with_evidence"), Some(8.0));

        // 2024/25 Q3 (to 31 December 2024): the dip sample, the transitions protocol and the
        // ketamine guidance not started (no update yet), the escalation training at risk (due that
        // day); the briefings, the standards and the monthly reports complete.
        let q3 = ReportPeriod::quarter(2024, 3).unwrap();
        let status = figures(app, DEMO, "tracker.actions_by_status", q3).await;
        assert_eq!(value_of(&status, "not_started"), Some(3.0));
        assert_eq!(value_of(&status, "at_risk"), Some(1.0));
        assert_eq!(value_of(&status, "on_track"), Some(0.0));
        assert_eq!(value_of(&status, "complete"), Some(4.0));
        assert_eq!(value_of(&status, "overdue"), Some(0.0));
    }
);

on_both_backends!(tracker_sections_show_outcomes_and_overdue_actions, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    let (year, _) = this_year();
    let blocks = section(
        app,
        DEMO,
        SectionSlot::Yearly(YearlySection::LearningFromCaseReviews),
        "tracker",
        year,
    )
    .await;
    assert_sound(app, DEMO, &blocks, year).await;
    let text = plain_text(&blocks);
    assert!(
        text.contains("REC-2024-05") && text.contains("REC-2025-03"),
        "{text}"
    );
    assert!(text.contains("Learning review") && text.contains("All sources"));
    let blocks = section(
        app,
        DEMO,
        SectionSlot::Yearly(YearlySection::AchievementsAndChallenges),
        "tracker",
        year,
    )
    .await;
    assert_sound(app, DEMO, &blocks, year).await;
    assert!(plain_text(&blocks).contains("[tracker.actions_by_status/overdue]"));
    let quarter = this_quarter();
    let blocks = section(
        app,
        DEMO,
        SectionSlot::Quarterly(QuarterlySection::OverdueActions),
        "tracker",
        quarter,
    )
    .await;
    assert_sound(app, DEMO, &blocks, quarter).await;
    let text = plain_text(&blocks);
    assert!(
        text.contains("Health attendance at strategy meetings: cover rota for named nurses"),
        "{text}"
    );
    assert!(text.contains("NHS Cheshire and Merseyside Integrated Care Board"));
    assert!(text.contains("Report every learning recommendation's impact measure"));
    assert!(
        !text.contains("Relaunch the home conditions"),
        "not overdue"
    );
});

on_both_backends!(risk_register_and_policies_figures_and_sections, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    // As at 31 March 2025: seven risks (R-04 was first scored in April 2025); residual scores
    // R-01 4×3, R-02 2×3, R-03 4×4, R-05 3×4, R-06 3×3, R-07 2×3, R-08 5×3.
    let year = ReportPeriod::financial_year(2024);
    assert_eq!(value(app, DEMO, "risks.held", year).await, Some(7.0));
    let rating = figures(app, DEMO, "risks.by_rating", year).await;
    assert_eq!(value_of(&rating, "low"), Some(0.0));
    assert_eq!(value_of(&rating, "medium"), Some(3.0));
    assert_eq!(value_of(&rating, "high"), Some(4.0));
    assert_eq!(value_of(&rating, "very_high"), Some(0.0));
    assert_eq!(
        value(app, DEMO, "risks.held", year.previous()).await,
        Some(0.0)
    );
    let blocks = section(
        app,
        DEMO,
        SectionSlot::Yearly(YearlySection::PartnershipAndGovernance),
        "risks",
        year,
    )
    .await;
    assert_sound(app, DEMO, &blocks, year).await;
    // Top risks at the end of 2024/25 Q4: R-03 (16), R-08 (15), R-05 and R-01 (12), R-06 (9).
    let q4 = ReportPeriod::quarter(2024, 4).unwrap();
    let blocks = section(
        app,
        DEMO,
        SectionSlot::Quarterly(QuarterlySection::TopRisks),
        "risks",
        q4,
    )
    .await;
    assert_sound(app, DEMO, &blocks, q4).await;
    let rows = blocks
        .iter()
        .find_map(|block| match block {
            Block::Table { rows, .. } => Some(rows.len()),
            _ => None,
        })
        .expect("a table of top risks");
    assert_eq!(rows, 5);
    let text = plain_text(&blocks);
    let order: Vec<usize> = ["R-03", "R-08", "R-05", "R-01", "R-06"]
        .iter()
        .map(|r| {
            text.find(&format!("Risk {r}:"))
                .unwrap_or_else(|| panic!("{r} in {text}"))
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(!text.contains("Risk R-04:"));
    // In 2025/26 Q1, R-01 was re-scored down to 3×3 and R-08 closed.
    let q1 = ReportPeriod::quarter(2025, 1).unwrap();
    let score = figures(app, DEMO, "risks.residual_score", q1).await;
    assert!(score.iter().all(|f| !f.label.contains("R-08")));
    assert!(
        score
            .iter()
            .any(|f| f.label.contains("R-01") && f.value == Some(9.0))
    );
    let blocks = section(
        app,
        DEMO,
        SectionSlot::Quarterly(QuarterlySection::TopRisks),
        "risks",
        q1,
    )
    .await;
    assert!(plain_text(&blocks).contains("Falling"));

    // Policies, this year, checked against the policies' current dates as the pages read them.
    let (this, today) = this_year();
    let policies = masa::tracker::policies::store::list_policies(masa::kernel::Scope::new(
        &app.db,
        masa::kernel::ids::PartnershipId::new(DEMO),
    ))
    .await
    .expect("policies");
    let live: Vec<_> = policies
        .iter()
        .filter(|p| {
            p.details.status != masa::tracker::policies::model::PolicyStatus::Withdrawn
                && p.approved_on.is_some_and(|d| d <= today)
        })
        .collect();
    assert_eq!(
        value(app, DEMO, "policies.held", this).await,
        Some(live.len() as f64)
    );
    let overdue = live
        .iter()
        .filter(|p| p.next_review_on.is_some_and(|d| d < today))
        .count();
    assert!(overdue > 0, "the demo has a policy past its review");
    assert_eq!(
        value(app, DEMO, "policies.overdue_for_review", this).await,
        Some(overdue as f64)
    );
    let blocks = section(
        app,
        DEMO,
        SectionSlot::Yearly(YearlySection::PartnershipAndGovernance),
        "policies",
        this,
    )
    .await;
    assert_sound(app, DEMO, &blocks, this).await;
    assert!(plain_text(&blocks).contains("Policies and procedures overdue for review"));
});

on_both_backends!(a_partnership_with_no_tracker_records_gets_noughts, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    let second = app.second_partnership().await.partnership_id;
    let (year, _) = this_year();
    for key in [
        "tracker.actions_held",
        "tracker.recommendations_made",
        "risks.held",
        "policies.held",
        "policies.overdue_for_review",
    ] {
        assert_eq!(value(app, second, key, year).await, Some(0.0), "{key}");
    }
    assert_eq!(
        value(app, second, "tracker.actions_completed_on_time", year).await,
        None
    );
    for (slot, module, period) in [
        (
            SectionSlot::Yearly(YearlySection::LearningFromCaseReviews),
            "tracker",
            year,
        ),
        (
            SectionSlot::Yearly(YearlySection::AchievementsAndChallenges),
            "tracker",
            year,
        ),
        (
            SectionSlot::Quarterly(QuarterlySection::OverdueActions),
            "tracker",
            this_quarter(),
        ),
        (
            SectionSlot::Yearly(YearlySection::PartnershipAndGovernance),
            "risks",
            year,
        ),
        (
            SectionSlot::Quarterly(QuarterlySection::TopRisks),
            "risks",
            this_quarter(),
        ),
        (
            SectionSlot::Yearly(YearlySection::PartnershipAndGovernance),
            "policies",
            year,
        ),
    ] {
        let blocks = section(app, second, slot, module, period).await;
        assert_sound(app, second, &blocks, period).await;
        assert!(!blocks.is_empty());
    }
});

on_both_backends!(every_check_passes_on_the_demo_reports, |app| {
    masa::demo::load(&app.db).await.expect("demo");
    let scope = masa::kernel::Scope::new(&app.db, masa::kernel::ids::PartnershipId::new(DEMO));
    for period in [
        ReportPeriod::financial_year(2024),
        this_year().0,
        this_quarter(),
        ReportPeriod::quarter(2024, 4).unwrap(),
    ] {
        let report = masa::reports::generate::generate(
            &app.state.reports,
            scope,
            period,
            "Halton",
            "tests",
            time::OffsetDateTime::now_utc(),
        )
        .await
        .expect("generates");
        let failed: Vec<_> = report
            .checks
            .iter()
            .filter(|check| !check.passed)
            .map(|check| format!("{}: {}", check.what, check.detail))
            .collect();
        assert!(failed.is_empty(), "{period}: {failed:#?}");
    }
});
