//! Unit tests with hand-checked series. The arithmetic is written in the comments.

use super::*;

const EPSILON: f64 = 1e-9;

fn assert_close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < EPSILON,
        "expected {expected}, got {actual}"
    );
}

const NONE: Option<SpecialCause> = None;
const BEYOND_HIGH: Option<SpecialCause> = Some(SpecialCause {
    rule: Rule::BeyondLimit,
    side: Side::High,
});
const BEYOND_LOW: Option<SpecialCause> = Some(SpecialCause {
    rule: Rule::BeyondLimit,
    side: Side::Low,
});
const NEAR_HIGH: Option<SpecialCause> = Some(SpecialCause {
    rule: Rule::TwoOfThreeNearLimit,
    side: Side::High,
});
const NEAR_LOW: Option<SpecialCause> = Some(SpecialCause {
    rule: Rule::TwoOfThreeNearLimit,
    side: Side::Low,
});
const TREND_HIGH: Option<SpecialCause> = Some(SpecialCause {
    rule: Rule::Trend,
    side: Side::High,
});
const TREND_LOW: Option<SpecialCause> = Some(SpecialCause {
    rule: Rule::Trend,
    side: Side::Low,
});
const RUN_HIGH: Option<SpecialCause> = Some(SpecialCause {
    rule: Rule::Run,
    side: Side::High,
});
const RUN_LOW: Option<SpecialCause> = Some(SpecialCause {
    rule: Rule::Run,
    side: Side::Low,
});

fn run(
    values: &[f64],
    polarity: Polarity,
    target: Option<f64>,
    baseline: Option<usize>,
) -> SpcAnalysis {
    analyse(values, polarity, target, baseline).expect("a valid series")
}

fn causes(analysis: &SpcAnalysis) -> Vec<Option<SpecialCause>> {
    analysis
        .points
        .iter()
        .map(|point| point.special_cause)
        .collect()
}

/// Most rule tests start from the baseline [14, 10, 14, 10] (baseline = 4 points):
///   mean = 48 / 4 = 12
///   moving ranges 4, 4, 4 -> mean moving range = 4
///   half width = 2.66 × 4 = 10.64 -> limits 12 ± 10.64 = 1.36 .. 22.64
///   near-limit width = (2/3) × 10.64 = 7.0933… -> near zone beyond 19.0933… or below 4.9067…
/// The baseline alternates, so it holds no run, trend or near-limit point, and the rules only
/// see the points appended after it.
fn with_baseline(tail: &[f64]) -> Vec<f64> {
    let mut values = vec![14.0, 10.0, 14.0, 10.0];
    values.extend_from_slice(tail);
    values
}

fn analyse_after_baseline(tail: &[f64]) -> SpcAnalysis {
    run(
        &with_baseline(tail),
        Polarity::HigherIsBetter,
        None,
        Some(4),
    )
}

// ---- mean and limits ----

#[test]
fn mean_and_limits_of_a_small_series_by_hand() {
    // [10, 12, 11, 13, 14]: mean = 60 / 5 = 12
    // moving ranges |12-10| = 2, |11-12| = 1, |13-11| = 2, |14-13| = 1 -> mMR = 6 / 4 = 1.5
    // half width = 2.66 × 1.5 = 3.99 -> limits 8.01 .. 15.99
    // near zone: (2/3) × 3.99 = 2.66 -> beyond 14.66 or below 9.34; 14 is not in it.
    let analysis = run(
        &[10.0, 12.0, 11.0, 13.0, 14.0],
        Polarity::HigherIsBetter,
        None,
        None,
    );
    assert_close(analysis.mean, 12.0);
    assert_close(analysis.mean_moving_range, 1.5);
    assert_close(analysis.upper_process_limit, 15.99);
    assert_close(analysis.lower_process_limit, 8.01);
    assert_close(analysis.upper_near_limit(), 14.66);
    assert_close(analysis.lower_near_limit(), 9.34);
    assert_eq!(causes(&analysis), vec![NONE; 5]);
    assert_eq!(analysis.variation, Variation::CommonCause);
    assert_eq!(analysis.assurance, None);
    assert!(!analysis.enough_points);
    let values: Vec<f64> = analysis.points.iter().map(|point| point.value).collect();
    assert_eq!(values, vec![10.0, 12.0, 11.0, 13.0, 14.0]);
}

#[test]
fn the_shared_baseline_by_hand() {
    let analysis = analyse_after_baseline(&[]);
    assert_close(analysis.mean, 12.0);
    assert_close(analysis.mean_moving_range, 4.0);
    assert_close(analysis.upper_process_limit, 22.64);
    assert_close(analysis.lower_process_limit, 1.36);
    assert_close(analysis.upper_near_limit(), 12.0 + 2.0 * 10.64 / 3.0);
    assert_close(analysis.lower_near_limit(), 12.0 - 2.0 * 10.64 / 3.0);
}

#[test]
fn a_point_just_inside_a_limit_is_not_flagged_and_just_outside_is() {
    // Baseline limits 1.36 .. 22.64. 22.6 and 1.4 are inside (22.6 is near the limit, but alone);
    // 22.7 and 1.3 are beyond.
    let inside = analyse_after_baseline(&[22.6, 12.0, 1.4]);
    assert_eq!(causes(&inside)[4..], [NONE, NONE, NONE]);
    let outside = analyse_after_baseline(&[22.7, 12.0, 1.3]);
    assert_eq!(causes(&outside)[4..], [BEYOND_HIGH, NONE, BEYOND_LOW]);
}

#[test]
fn a_point_exactly_on_a_limit_is_not_beyond_it() {
    // "Beyond" is strict: a point equal to a limit (as computed) is inside. Each such point is
    // alone in the near-limit zone, so it is not flagged at all.
    let limits = analyse_after_baseline(&[]);
    let (upper, lower) = (limits.upper_process_limit, limits.lower_process_limit);
    let analysis = analyse_after_baseline(&[upper, 12.0, 12.0, lower]);
    assert_eq!(analysis.upper_process_limit, upper);
    assert_eq!(causes(&analysis), vec![NONE; 8]);
}

// ---- baseline ----

#[test]
fn baseline_shorter_than_the_series_sets_the_limits_alone() {
    // Baseline [14, 10, 14, 10] gives mean 12, mMR 4, limits 1.36 .. 22.64 whatever follows:
    // 40 and 50 do not move the mean, and are both beyond the upper limit.
    let analysis = run(
        &[14.0, 10.0, 14.0, 10.0, 40.0, 50.0],
        Polarity::HigherIsBetter,
        None,
        Some(4),
    );
    assert_close(analysis.mean, 12.0);
    assert_close(analysis.mean_moving_range, 4.0);
    assert_close(analysis.upper_process_limit, 22.64);
    assert_eq!(
        causes(&analysis),
        vec![NONE, NONE, NONE, NONE, BEYOND_HIGH, BEYOND_HIGH]
    );
    assert_eq!(analysis.variation, Variation::Improving(Side::High));

    // Over all six points instead: mean = 138 / 6 = 23, moving ranges 4, 4, 4, 30, 10 ->
    // mMR = 52 / 5 = 10.4, half width = 27.664 -> upper limit 50.664: nothing is beyond.
    let whole = run(
        &[14.0, 10.0, 14.0, 10.0, 40.0, 50.0],
        Polarity::HigherIsBetter,
        None,
        None,
    );
    assert_close(whole.mean, 23.0);
    assert_close(whole.mean_moving_range, 10.4);
    assert_close(whole.upper_process_limit, 50.664);
    assert!(
        causes(&whole)
            .iter()
            .all(|cause| cause.map(|c| c.rule) != Some(Rule::BeyondLimit))
    );
}

#[test]
fn baseline_longer_than_the_series_is_the_whole_series() {
    let values = [10.0, 12.0, 11.0, 13.0, 14.0];
    let whole = run(&values, Polarity::Neither, None, None);
    assert_eq!(run(&values, Polarity::Neither, None, Some(5)), whole);
    assert_eq!(run(&values, Polarity::Neither, None, Some(50)), whole);
}

#[test]
fn baseline_of_fewer_than_two_points_uses_two() {
    // A moving range needs two points: baseline 0 or 1 is taken as [10, 14]:
    // mean 12, mMR 4, limits 1.36 .. 22.64, so 100 is beyond the upper limit.
    for baseline in [0, 1, 2] {
        let analysis = run(
            &[10.0, 14.0, 100.0],
            Polarity::HigherIsBetter,
            None,
            Some(baseline),
        );
        assert_close(analysis.mean, 12.0);
        assert_close(analysis.mean_moving_range, 4.0);
        assert_eq!(causes(&analysis), vec![NONE, NONE, BEYOND_HIGH]);
    }
}

// ---- runs ----

#[test]
fn six_points_above_the_mean_are_not_a_run() {
    // Appended 13, 14, 13, 14, 13, 14: six points above the mean of 12 (the baseline's last
    // point, 10, is below it). They alternate, so there is no trend, and none is near a limit.
    let analysis = analyse_after_baseline(&[13.0, 14.0, 13.0, 14.0, 13.0, 14.0]);
    assert_eq!(causes(&analysis), vec![NONE; 10]);
    assert_eq!(analysis.variation, Variation::CommonCause);
}

#[test]
fn seven_points_above_the_mean_are_a_run_and_all_are_flagged() {
    // One more point above the mean: seven in a row, every one of them flagged.
    let analysis = analyse_after_baseline(&[13.0, 14.0, 13.0, 14.0, 13.0, 14.0, 13.0]);
    let mut expected = vec![NONE; 4];
    expected.extend([RUN_HIGH; 7]);
    assert_eq!(causes(&analysis), expected);
    assert_eq!(analysis.variation, Variation::Improving(Side::High));
}

#[test]
fn seven_points_below_the_mean_are_a_run_on_the_low_side() {
    // Baseline ending on 14 (above 12), then 11, 10, 11, 10, 11, 10, 11: seven below the mean.
    let values = [
        10.0, 14.0, 10.0, 14.0, 11.0, 10.0, 11.0, 10.0, 11.0, 10.0, 11.0,
    ];
    let analysis = run(&values, Polarity::HigherIsBetter, None, Some(4));
    assert_close(analysis.mean, 12.0);
    let mut expected = vec![NONE; 4];
    expected.extend([RUN_LOW; 7]);
    assert_eq!(causes(&analysis), expected);
    assert_eq!(analysis.variation, Variation::Concerning(Side::Low));

    // Six below is not enough.
    let analysis = run(&values[..10], Polarity::HigherIsBetter, None, Some(4));
    assert_eq!(causes(&analysis), vec![NONE; 10]);
}

#[test]
fn a_point_exactly_on_the_mean_breaks_a_run() {
    // 13, 14, 13, then 12 (exactly the mean 48 / 4 = 12), then 14, 13, 14, 13:
    // runs of 3 and 4, neither reaching 7.
    let analysis = analyse_after_baseline(&[13.0, 14.0, 13.0, 12.0, 14.0, 13.0, 14.0, 13.0]);
    assert_eq!(analysis.mean, 12.0);
    assert_eq!(causes(&analysis), vec![NONE; 12]);

    // With 13.5 instead of 12 the eight points form one run.
    let analysis = analyse_after_baseline(&[13.0, 14.0, 13.0, 13.5, 14.0, 13.0, 14.0, 13.0]);
    let mut expected = vec![NONE; 4];
    expected.extend([RUN_HIGH; 8]);
    assert_eq!(causes(&analysis), expected);
}

// ---- trends ----

#[test]
fn five_increasing_points_are_not_a_trend() {
    // 9, 10, 11, 12.5, 13: five points, four rises (the baseline's 10 -> 9 is a fall).
    // Below the mean: 10 (baseline), 9, 10, 11 -> 4; above: 12.5, 13 -> 2. No near-limit point.
    let analysis = analyse_after_baseline(&[9.0, 10.0, 11.0, 12.5, 13.0]);
    assert_eq!(causes(&analysis), vec![NONE; 9]);
}

#[test]
fn six_increasing_points_are_a_trend_and_all_are_flagged() {
    // 9, 10, 11, 12.5, 13, 13.5: six points with five rises.
    let analysis = analyse_after_baseline(&[9.0, 10.0, 11.0, 12.5, 13.0, 13.5]);
    let mut expected = vec![NONE; 4];
    expected.extend([TREND_HIGH; 6]);
    assert_eq!(causes(&analysis), expected);
    assert_eq!(analysis.variation, Variation::Improving(Side::High));
}

#[test]
fn six_decreasing_points_are_a_trend_on_the_low_side() {
    // 15, 14, 13, 11.5, 11, 10.5 (the baseline's 10 -> 15 is a rise). Five points fall.
    // Above the mean: 15, 14, 13 -> 3; below: 11.5, 11, 10.5 -> 3. 15 is not near 19.09.
    let analysis = analyse_after_baseline(&[15.0, 14.0, 13.0, 11.5, 11.0, 10.5]);
    let mut expected = vec![NONE; 4];
    expected.extend([TREND_LOW; 6]);
    assert_eq!(causes(&analysis), expected);
    assert_eq!(analysis.variation, Variation::Concerning(Side::Low));

    let five = analyse_after_baseline(&[15.0, 14.0, 13.0, 11.5, 11.0]);
    assert_eq!(causes(&five), vec![NONE; 9]);
}

#[test]
fn equal_neighbours_break_a_trend() {
    // 9, 10, 11, 11, 12.5, 13, 13.5: rises of 3 points (9, 10, 11) and 4 points (11 .. 13.5).
    // Below the mean: 10, 9, 10, 11, 11 -> 5, so no run either.
    let analysis = analyse_after_baseline(&[9.0, 10.0, 11.0, 11.0, 12.5, 13.0, 13.5]);
    assert_eq!(causes(&analysis), vec![NONE; 11]);
}

#[test]
fn a_turning_point_belongs_to_the_earlier_trend() {
    // Baseline [0, 10, 0, 10]: mean 5, mMR 10, limits 5 ± 26.6, near zone beyond 5 ± 17.73.
    // Then 1 .. 6 rising (six points) and 6 .. 1 falling (six points) share the peak 6.
    // Runs below the mean are 1, 2, 3, 4 and 4, 3, 2, 1 (5 is on the mean): too short.
    let peak = [
        0.0, 10.0, 0.0, 10.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0,
    ];
    let analysis = run(&peak, Polarity::HigherIsBetter, None, Some(4));
    assert_close(analysis.mean, 5.0);
    assert_close(analysis.mean_moving_range, 10.0);
    let mut expected = vec![NONE; 4];
    expected.extend([TREND_HIGH; 6]);
    expected.extend([TREND_LOW; 5]);
    assert_eq!(causes(&analysis), expected);
    assert_eq!(analysis.variation, Variation::Concerning(Side::Low));

    // The mirror image: 9 .. 4 falling then 4 .. 9 rising share the valley 4.
    let valley = [
        10.0, 0.0, 10.0, 0.0, 9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0,
    ];
    let analysis = run(&valley, Polarity::HigherIsBetter, None, Some(4));
    let mut expected = vec![NONE; 4];
    expected.extend([TREND_LOW; 6]);
    expected.extend([TREND_HIGH; 5]);
    assert_eq!(causes(&analysis), expected);
    assert_eq!(analysis.variation, Variation::Improving(Side::High));
}

// ---- two out of three near a limit ----

#[test]
fn two_of_three_near_the_upper_limit_flags_the_two_near_points() {
    // 20 and 20 are beyond 19.0933 (near zone) and inside 22.64; 13 between them is not near.
    let analysis = analyse_after_baseline(&[20.0, 13.0, 20.0]);
    assert_eq!(
        causes(&analysis),
        vec![NONE, NONE, NONE, NONE, NEAR_HIGH, NONE, NEAR_HIGH]
    );
    assert_eq!(analysis.variation, Variation::Improving(Side::High));
}

#[test]
fn two_of_three_near_the_lower_limit() {
    // 4 and 3 are below 4.9067 (near zone) and above 1.36.
    let analysis = analyse_after_baseline(&[4.0, 11.0, 3.0]);
    assert_eq!(
        causes(&analysis),
        vec![NONE, NONE, NONE, NONE, NEAR_LOW, NONE, NEAR_LOW]
    );
    assert_eq!(analysis.variation, Variation::Concerning(Side::Low));
}

#[test]
fn three_of_three_near_a_limit_flags_all_three() {
    let analysis = analyse_after_baseline(&[20.0, 21.0, 20.0]);
    assert_eq!(causes(&analysis)[4..], [NEAR_HIGH; 3]);
}

#[test]
fn two_near_points_on_different_sides_are_not_special_cause() {
    // 20 is near the upper limit, 4 near the lower one: not the same side.
    let analysis = analyse_after_baseline(&[20.0, 13.0, 4.0]);
    assert_eq!(causes(&analysis), vec![NONE; 7]);
    assert_eq!(analysis.variation, Variation::CommonCause);
}

#[test]
fn one_near_point_or_two_too_far_apart_are_not_special_cause() {
    // A single near point.
    let analysis = analyse_after_baseline(&[20.0, 13.0, 13.0]);
    assert_eq!(causes(&analysis), vec![NONE; 7]);
    // Two near points with two ordinary points between them: no window of three holds both.
    let analysis = analyse_after_baseline(&[20.0, 13.0, 13.0, 20.0]);
    assert_eq!(causes(&analysis), vec![NONE; 8]);
}

// ---- precedence ----

#[test]
fn precedence_is_beyond_limit_then_two_of_three_then_trend_then_run() {
    // Appended 13, 12.5, 13, 14, 15, 16, 19.5, 23 (indices 4 .. 11):
    // - run: all eight are above the mean of 12;
    // - trend: 12.5 < 13 < 14 < 15 < 16 < 19.5 < 23 (indices 5 .. 11, seven points);
    // - near: 19.5 and 23 are beyond 19.0933, in the window [16, 19.5, 23];
    // - beyond: 23 > 22.64.
    // Each point keeps its highest-precedence rule.
    let analysis = analyse_after_baseline(&[13.0, 12.5, 13.0, 14.0, 15.0, 16.0, 19.5, 23.0]);
    let expected = vec![
        NONE,
        NONE,
        NONE,
        NONE,
        RUN_HIGH,
        TREND_HIGH,
        TREND_HIGH,
        TREND_HIGH,
        TREND_HIGH,
        TREND_HIGH,
        NEAR_HIGH,
        BEYOND_HIGH,
    ];
    assert_eq!(causes(&analysis), expected);
}

#[test]
fn a_trend_outranks_a_run_even_on_the_other_side() {
    // Appended 11, 6, 7, 8, 9, 10, 11: with the baseline's last 10, eight points below the mean
    // (a run, Low), of which 6 .. 11 rise over six points (a trend, High). 6 is above 4.9067,
    // so not near the limit. The rising points keep the trend; the latest point is improving.
    let analysis = analyse_after_baseline(&[11.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0]);
    let mut expected = vec![NONE, NONE, NONE, RUN_LOW, RUN_LOW];
    expected.extend([TREND_HIGH; 6]);
    assert_eq!(causes(&analysis), expected);
    assert_eq!(analysis.variation, Variation::Improving(Side::High));
}

// ---- variation ----

#[test]
fn variation_for_each_polarity() {
    let high = with_baseline(&[13.0, 14.0, 13.0, 14.0, 13.0, 14.0, 13.0]); // latest: run, High
    let low = [
        10.0, 14.0, 10.0, 14.0, 11.0, 10.0, 11.0, 10.0, 11.0, 10.0, 11.0,
    ]; // run, Low
    let common = with_baseline(&[13.0, 14.0, 13.0]);
    let cases = [
        (
            Polarity::HigherIsBetter,
            Variation::Improving(Side::High),
            Variation::Concerning(Side::Low),
        ),
        (
            Polarity::LowerIsBetter,
            Variation::Concerning(Side::High),
            Variation::Improving(Side::Low),
        ),
        (
            Polarity::Neither,
            Variation::NeitherWay(Side::High),
            Variation::NeitherWay(Side::Low),
        ),
    ];
    for (polarity, when_high, when_low) in cases {
        assert_eq!(
            run(&high, polarity, None, Some(4)).variation,
            when_high,
            "{polarity:?}"
        );
        assert_eq!(
            run(&low, polarity, None, Some(4)).variation,
            when_low,
            "{polarity:?}"
        );
        assert_eq!(
            run(&common, polarity, None, Some(4)).variation,
            Variation::CommonCause
        );
    }
}

#[test]
fn variation_follows_the_latest_point_only() {
    // 20, 13, 20 are special cause, but the latest point 12.5 is not part of any pattern.
    let analysis = analyse_after_baseline(&[20.0, 13.0, 20.0, 12.5]);
    assert_eq!(causes(&analysis)[4..], [NEAR_HIGH, NONE, NEAR_HIGH, NONE]);
    assert_eq!(analysis.variation, Variation::CommonCause);
    assert_eq!(analysis.latest_special_cause(), None);
    assert!(!analysis.variation.is_special_cause());
    assert_eq!(analysis.variation.side(), None);
}

// ---- assurance ----

#[test]
fn assurance_three_ways_for_each_polarity() {
    // [10, 12, 11, 13, 14]: limits 8.01 .. 15.99 (see the first test).
    let values = [10.0, 12.0, 11.0, 13.0, 14.0];
    let assurance = |polarity, target| {
        run(&values, polarity, Some(target), None)
            .assurance
            .expect("an assurance")
    };
    assert_eq!(
        assurance(Polarity::HigherIsBetter, 8.0),
        Assurance::ConsistentlyPasses
    );
    assert_eq!(
        assurance(Polarity::HigherIsBetter, 16.0),
        Assurance::ConsistentlyFails
    );
    assert_eq!(
        assurance(Polarity::HigherIsBetter, 12.0),
        Assurance::HitAndMiss
    );
    assert_eq!(
        assurance(Polarity::HigherIsBetter, 8.02),
        Assurance::HitAndMiss
    );
    assert_eq!(
        assurance(Polarity::LowerIsBetter, 16.0),
        Assurance::ConsistentlyPasses
    );
    assert_eq!(
        assurance(Polarity::LowerIsBetter, 8.0),
        Assurance::ConsistentlyFails
    );
    assert_eq!(
        assurance(Polarity::LowerIsBetter, 12.0),
        Assurance::HitAndMiss
    );
    assert_eq!(
        assurance(Polarity::LowerIsBetter, 15.98),
        Assurance::HitAndMiss
    );
}

#[test]
fn assurance_with_the_target_exactly_on_a_limit() {
    let values = [10.0, 12.0, 11.0, 13.0, 14.0];
    let analysis = run(&values, Polarity::HigherIsBetter, None, None);
    let (lower, upper) = (analysis.lower_process_limit, analysis.upper_process_limit);
    let assurance = |polarity, target| run(&values, polarity, Some(target), None).assurance;
    assert_eq!(
        assurance(Polarity::HigherIsBetter, lower),
        Some(Assurance::ConsistentlyPasses)
    );
    assert_eq!(
        assurance(Polarity::HigherIsBetter, upper),
        Some(Assurance::ConsistentlyFails)
    );
    assert_eq!(
        assurance(Polarity::LowerIsBetter, upper),
        Some(Assurance::ConsistentlyPasses)
    );
    assert_eq!(
        assurance(Polarity::LowerIsBetter, lower),
        Some(Assurance::ConsistentlyFails)
    );
}

#[test]
fn no_assurance_without_a_target_or_a_polarity() {
    let values = [10.0, 12.0, 11.0, 13.0, 14.0];
    assert_eq!(
        run(&values, Polarity::HigherIsBetter, None, None).assurance,
        None
    );
    assert_eq!(
        run(&values, Polarity::Neither, Some(8.0), None).assurance,
        None
    );
    assert_eq!(
        run(&values, Polarity::LowerIsBetter, Some(f64::NAN), None).assurance,
        None
    );
}

// ---- degenerate series ----

#[test]
fn all_equal_values_have_limits_on_the_mean_and_no_special_cause() {
    // Twenty 5s: mean 5, every moving range 0, limits 5 ± 0.
    let analysis = run(&[5.0; 20], Polarity::HigherIsBetter, Some(5.0), None);
    assert_eq!(analysis.mean, 5.0);
    assert_eq!(analysis.mean_moving_range, 0.0);
    assert_eq!(analysis.upper_process_limit, 5.0);
    assert_eq!(analysis.lower_process_limit, 5.0);
    assert_eq!(causes(&analysis), vec![NONE; 20]);
    assert_eq!(analysis.variation, Variation::CommonCause);
    // A target on the collapsed limits is met every time.
    assert_eq!(analysis.assurance, Some(Assurance::ConsistentlyPasses));
    assert!(analysis.enough_points);
}

#[test]
fn a_flat_baseline_flags_nothing_even_when_later_points_move() {
    // Baseline [5, 5, 5]: mMR 0. The eight 9s after it would otherwise be a run and beyond the
    // limits, but with no measured variation nothing is flagged.
    let values = [5.0, 5.0, 5.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0];
    let analysis = run(&values, Polarity::HigherIsBetter, None, Some(3));
    assert_eq!(analysis.mean_moving_range, 0.0);
    assert_eq!(causes(&analysis), vec![NONE; 11]);
    assert_eq!(analysis.variation, Variation::CommonCause);
}

#[test]
fn fewer_than_two_values_give_no_analysis() {
    assert_eq!(analyse(&[], Polarity::HigherIsBetter, None, None), None);
    assert_eq!(
        analyse(&[42.0], Polarity::HigherIsBetter, Some(40.0), None),
        None
    );
    assert!(analyse(&[42.0, 43.0], Polarity::HigherIsBetter, None, None).is_some());
}

#[test]
fn non_finite_values_give_no_analysis() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(
            analyse(&[1.0, bad, 3.0], Polarity::Neither, None, None),
            None
        );
        // Even after the baseline.
        assert_eq!(
            analyse(&[1.0, 2.0, 3.0, bad], Polarity::Neither, None, Some(3)),
            None
        );
    }
    // Finite values whose sum or moving range overflows.
    assert_eq!(
        analyse(&[f64::MAX, f64::MAX], Polarity::Neither, None, None),
        None
    );
    assert_eq!(
        analyse(&[f64::MAX, -f64::MAX], Polarity::Neither, None, None),
        None
    );
}

#[test]
fn enough_points_needs_fifteen_baseline_points() {
    let series = |count: usize| -> Vec<f64> { (0..count).map(|i| (i % 2) as f64).collect() };
    assert!(!run(&series(14), Polarity::Neither, None, None).enough_points);
    assert!(run(&series(15), Polarity::Neither, None, None).enough_points);
    // Twenty points, but only eight set the limits.
    assert!(!run(&series(20), Polarity::Neither, None, Some(8)).enough_points);
    assert!(run(&series(20), Polarity::Neither, None, Some(15)).enough_points);
}

// ---- examples from the partnership's report ----

#[test]
fn missing_episodes_falling_from_96_to_36_a_month() {
    // Lower is better. [96, 92, 88, 80, 71, 64, 56, 47, 40, 36]
    // sum = 670 -> mean 67
    // moving ranges 4, 4, 8, 9, 7, 8, 9, 7, 4 = 60 -> mMR = 60 / 9 = 6.667
    // half width = 2.66 × 60 / 9 = 17.733 -> limits 49.267 .. 84.733
    // near width = (2/3) × 17.733 = 11.822 -> near zone beyond 78.822 or below 55.178
    // - 96, 92, 88 beyond the upper limit; 47, 40, 36 beyond the lower limit;
    // - 80 is near the upper limit, with 88 in the window [88, 80, 71]: two of three;
    // - all ten points fall, so 71, 64 and 56 (56 is not below 55.178) keep the trend.
    let values = [96.0, 92.0, 88.0, 80.0, 71.0, 64.0, 56.0, 47.0, 40.0, 36.0];
    let analysis = run(&values, Polarity::LowerIsBetter, Some(60.0), None);
    assert_close(analysis.mean, 67.0);
    assert_close(analysis.mean_moving_range, 60.0 / 9.0);
    assert_close(analysis.upper_process_limit, 67.0 + 159.6 / 9.0);
    assert_close(analysis.lower_process_limit, 67.0 - 159.6 / 9.0);
    let expected = vec![
        BEYOND_HIGH,
        BEYOND_HIGH,
        BEYOND_HIGH,
        NEAR_HIGH,
        TREND_LOW,
        TREND_LOW,
        TREND_LOW,
        BEYOND_LOW,
        BEYOND_LOW,
        BEYOND_LOW,
    ];
    assert_eq!(causes(&analysis), expected);
    assert_eq!(analysis.variation, Variation::Improving(Side::Low));
    // A target of 60 a month lies between the limits.
    assert_eq!(analysis.assurance, Some(Assurance::HitAndMiss));
    assert!(!analysis.enough_points);
}

#[test]
fn return_home_interviews_rising_from_36_to_86_percent() {
    // Higher is better; the first eight quarters are the baseline.
    // [36, 40, 38, 37, 41, 39, 38, 40 | 55, 68, 79, 86]
    // baseline sum = 309 -> mean 38.625
    // moving ranges 4, 2, 1, 4, 2, 1, 2 = 16 -> mMR = 16 / 7 = 2.2857
    // half width = 2.66 × 16 / 7 = 6.08 -> limits 32.545 .. 44.705
    // near zone beyond 38.625 ± 4.0533: no baseline point is in it (36 > 34.57, 41 < 42.68)
    // - 55, 68, 79, 86 are beyond the upper limit;
    // - 38 < 40 < 55 < 68 < 79 < 86 is a six-point trend, so 38 and 40 are flagged too;
    // - above the mean: 40, 55, 68, 79, 86 -> 5, no run.
    let values = [
        36.0, 40.0, 38.0, 37.0, 41.0, 39.0, 38.0, 40.0, 55.0, 68.0, 79.0, 86.0,
    ];
    let analysis = run(&values, Polarity::HigherIsBetter, Some(80.0), Some(8));
    assert_close(analysis.mean, 38.625);
    assert_close(analysis.mean_moving_range, 16.0 / 7.0);
    assert_close(analysis.upper_process_limit, 44.705);
    assert_close(analysis.lower_process_limit, 32.545);
    let mut expected = vec![NONE; 6];
    expected.extend([
        TREND_HIGH,
        TREND_HIGH,
        BEYOND_HIGH,
        BEYOND_HIGH,
        BEYOND_HIGH,
        BEYOND_HIGH,
    ]);
    assert_eq!(causes(&analysis), expected);
    assert_eq!(analysis.variation, Variation::Improving(Side::High));
    // The baseline process (limits up to 44.7%) would consistently fail an 80% target.
    assert_eq!(analysis.assurance, Some(Assurance::ConsistentlyFails));
    assert!(!analysis.enough_points);

    // With no better direction the same change is reported without a judgement.
    let neither = run(&values, Polarity::Neither, Some(80.0), Some(8));
    assert_eq!(neither.variation, Variation::NeitherWay(Side::High));
    assert_eq!(neither.assurance, None);
}

// ---- RAG ----

#[test]
fn rag_higher_is_better() {
    // Target 80, 5% band: amber down to 80 - 0.05 × 80 = 76.
    let rate = |value| rag(value, 80.0, Polarity::HigherIsBetter, 0.05);
    assert_eq!(rate(80.0), Some(Rag::Green)); // exactly on target
    assert_eq!(rate(86.0), Some(Rag::Green));
    assert_eq!(rate(79.9), Some(Rag::Amber));
    assert_eq!(rate(77.0), Some(Rag::Amber));
    assert_eq!(rate(76.0), Some(Rag::Amber)); // exactly on the band's edge
    assert_eq!(rate(75.9), Some(Rag::Red));
    assert_eq!(rate(36.0), Some(Rag::Red));
}

#[test]
fn rag_lower_is_better() {
    // Target 40, 10% band: amber up to 40 + 0.1 × 40 = 44.
    let rate = |value| rag(value, 40.0, Polarity::LowerIsBetter, 0.1);
    assert_eq!(rate(40.0), Some(Rag::Green));
    assert_eq!(rate(36.0), Some(Rag::Green));
    assert_eq!(rate(42.0), Some(Rag::Amber));
    assert_eq!(rate(44.0), Some(Rag::Amber));
    assert_eq!(rate(44.5), Some(Rag::Red));
    assert_eq!(rate(96.0), Some(Rag::Red));
}

#[test]
fn rag_against_a_zero_target_uses_an_absolute_band() {
    // Lower is better, target 0 (e.g. children missing from education), band 2 in absolute terms.
    let rate = |value| rag(value, 0.0, Polarity::LowerIsBetter, 2.0);
    assert_eq!(rate(0.0), Some(Rag::Green));
    assert_eq!(rate(2.0), Some(Rag::Amber));
    assert_eq!(rate(3.0), Some(Rag::Red));
    // Higher is better around a zero target (e.g. a net change), band 0.5.
    let rate = |value| rag(value, 0.0, Polarity::HigherIsBetter, 0.5);
    assert_eq!(rate(0.1), Some(Rag::Green));
    assert_eq!(rate(-0.5), Some(Rag::Amber));
    assert_eq!(rate(-0.6), Some(Rag::Red));
}

#[test]
fn rag_band_uses_the_magnitude_of_a_negative_target() {
    // Target -10, 10% band: 1 either way.
    assert_eq!(
        rag(-10.5, -10.0, Polarity::HigherIsBetter, 0.1),
        Some(Rag::Amber)
    );
    assert_eq!(
        rag(-11.5, -10.0, Polarity::HigherIsBetter, 0.1),
        Some(Rag::Red)
    );
    assert_eq!(
        rag(-9.0, -10.0, Polarity::LowerIsBetter, 0.1),
        Some(Rag::Amber)
    );
    assert_eq!(
        rag(-12.0, -10.0, Polarity::LowerIsBetter, 0.1),
        Some(Rag::Green)
    );
}

#[test]
fn rag_without_a_band_or_with_a_negative_band_has_no_amber() {
    assert_eq!(
        rag(79.0, 80.0, Polarity::HigherIsBetter, 0.0),
        Some(Rag::Red)
    );
    assert_eq!(
        rag(79.0, 80.0, Polarity::HigherIsBetter, -0.05),
        Some(Rag::Red)
    );
    assert_eq!(
        rag(80.0, 80.0, Polarity::HigherIsBetter, 0.0),
        Some(Rag::Green)
    );
}

#[test]
fn rag_tolerates_floating_point_noise() {
    // 0.57 × 100 is 56.99999999999999 in binary floating point: still meets a 57% target.
    let percentage = std::hint::black_box(0.57) * 100.0;
    assert!(percentage < 57.0);
    assert_eq!(
        rag(percentage, 57.0, Polarity::HigherIsBetter, 0.05),
        Some(Rag::Green)
    );
    // 0.1 + 0.2 is 0.30000000000000004: still meets a "no more than 0.3" target.
    assert_eq!(
        rag(0.1 + 0.2, 0.3, Polarity::LowerIsBetter, 0.05),
        Some(Rag::Green)
    );
}

#[test]
fn rag_is_none_for_neither_or_non_finite_input() {
    assert_eq!(rag(80.0, 80.0, Polarity::Neither, 0.05), None);
    assert_eq!(
        rag_against_comparator(80.0, 80.0, Polarity::Neither, 0.05),
        None
    );
    assert_eq!(rag(f64::NAN, 80.0, Polarity::HigherIsBetter, 0.05), None);
    assert_eq!(
        rag(80.0, f64::INFINITY, Polarity::HigherIsBetter, 0.05),
        None
    );
    assert_eq!(rag(80.0, 80.0, Polarity::HigherIsBetter, f64::NAN), None);
}

#[test]
fn rag_against_a_comparator() {
    // Re-referrals, lower is better, against England's 22.4% with a 5% band: 22.4 × 0.05 = 1.12.
    let rate = |value| rag_against_comparator(value, 22.4, Polarity::LowerIsBetter, 0.05);
    assert_eq!(rate(22.4), Some(Rag::Green));
    assert_eq!(rate(20.0), Some(Rag::Green));
    assert_eq!(rate(23.0), Some(Rag::Amber)); // 0.6 worse
    assert_eq!(rate(24.0), Some(Rag::Red)); // 1.6 worse
    // Higher is better against 50 with a 10% band: amber down to 45.
    let rate = |value| rag_against_comparator(value, 50.0, Polarity::HigherIsBetter, 0.1);
    assert_eq!(rate(55.0), Some(Rag::Green));
    assert_eq!(rate(46.0), Some(Rag::Amber));
    assert_eq!(rate(45.0), Some(Rag::Amber));
    assert_eq!(rate(44.0), Some(Rag::Red));
}

// ---- display ----

#[test]
fn display_labels() {
    assert_eq!(
        Variation::Improving(Side::High).to_string(),
        "Special cause variation, improving (high)"
    );
    assert_eq!(
        Variation::Concerning(Side::Low).to_string(),
        "Special cause variation, concerning (low)"
    );
    assert_eq!(
        Variation::NeitherWay(Side::Low).to_string(),
        "Special cause variation (low)"
    );
    assert_eq!(Variation::CommonCause.to_string(), "Common cause variation");
    assert_eq!(
        Assurance::ConsistentlyFails.to_string(),
        "Consistently fails the target"
    );
    assert_eq!(Rag::Amber.to_string(), "Amber");
    assert_eq!(Polarity::LowerIsBetter.to_string(), "Lower is better");
    assert_eq!(
        SpecialCause {
            rule: Rule::Run,
            side: Side::High
        }
        .to_string(),
        "a run of points on one side of the mean (high)"
    );
}

// ---- properties over pseudo-random series ----

/// xorshift64*: a small deterministic generator, so the property tests need no crates.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn random_series(rng: &mut Rng) -> Vec<f64> {
    let count = 2 + rng.below(39);
    let style = rng.below(5);
    let shift_at = rng.below(count);
    let scale = 1.0 + 99.0 * rng.unit();
    (0..count)
        .map(|i| match style {
            // Small integers: many ties, equal neighbours and points exactly on the mean.
            0 => rng.below(4) as f64,
            // Noise around a level.
            1 => 50.0 + scale * (rng.unit() - 0.5),
            // A step change part-way through.
            2 => 50.0 + scale * (rng.unit() - 0.5) + if i >= shift_at { scale } else { 0.0 },
            // A drift with the occasional spike.
            3 => {
                let spike = if rng.below(10) == 0 { 5.0 * scale } else { 0.0 };
                i as f64 + scale * (rng.unit() - 0.5) + spike
            }
            // Constant, possibly with one change.
            _ => {
                if i == shift_at && rng.below(2) == 0 {
                    7.0
                } else {
                    3.0
                }
            }
        })
        .collect()
}

fn mirrored(cause: Option<SpecialCause>) -> Option<SpecialCause> {
    cause.map(|cause| SpecialCause {
        rule: cause.rule,
        side: match cause.side {
            Side::High => Side::Low,
            Side::Low => Side::High,
        },
    })
}

#[test]
fn invariants_hold_over_pseudo_random_series() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let polarities = [
        Polarity::HigherIsBetter,
        Polarity::LowerIsBetter,
        Polarity::Neither,
    ];
    let mut flagged_beyond = 0;
    let mut seen_rules = Vec::new();
    for _ in 0..5000 {
        let values = random_series(&mut rng);
        let polarity = polarities[rng.below(3)];
        let target = if rng.below(3) == 0 {
            None
        } else {
            Some(100.0 * rng.unit())
        };
        let baseline = if rng.below(3) == 0 {
            None
        } else {
            Some(rng.below(values.len() + 3))
        };
        let analysis =
            analyse(&values, polarity, target, baseline).expect("finite values, at least two");
        let baseline_len = baseline.unwrap_or(values.len()).clamp(2, values.len());

        assert!(analysis.lower_process_limit <= analysis.mean, "{values:?}");
        assert!(analysis.mean <= analysis.upper_process_limit, "{values:?}");
        assert!(analysis.mean_moving_range >= 0.0);
        assert_eq!(analysis.points.len(), values.len());
        assert!(
            analysis
                .points
                .iter()
                .zip(&values)
                .all(|(point, value)| point.value == *value)
        );
        assert_eq!(
            analysis.enough_points,
            baseline_len >= MIN_POINTS_FOR_CONFIDENCE
        );
        assert_eq!(
            analysis.assurance.is_some(),
            target.is_some() && polarity != Polarity::Neither
        );

        if analysis.mean_moving_range == 0.0 {
            assert!(
                analysis
                    .points
                    .iter()
                    .all(|point| point.special_cause.is_none()),
                "{values:?}"
            );
        } else {
            for (i, point) in analysis.points.iter().enumerate() {
                let value = point.value;
                // A point beyond the limits is always flagged BeyondLimit on its side.
                if value > analysis.upper_process_limit {
                    assert_eq!(point.special_cause, BEYOND_HIGH, "{values:?} at {i}");
                    flagged_beyond += 1;
                }
                if value < analysis.lower_process_limit {
                    assert_eq!(point.special_cause, BEYOND_LOW, "{values:?} at {i}");
                    flagged_beyond += 1;
                }
                // Every flag is justified by where the point lies.
                let Some(SpecialCause { rule, side }) = point.special_cause else {
                    continue;
                };
                if !seen_rules.contains(&rule) {
                    seen_rules.push(rule);
                }
                let high = side == Side::High;
                match rule {
                    Rule::BeyondLimit => assert!(if high {
                        value > analysis.upper_process_limit
                    } else {
                        value < analysis.lower_process_limit
                    }),
                    Rule::TwoOfThreeNearLimit => assert!(if high {
                        value > analysis.upper_near_limit()
                    } else {
                        value < analysis.lower_near_limit()
                    }),
                    Rule::Run => assert!(if high {
                        value > analysis.mean
                    } else {
                        value < analysis.mean
                    }),
                    Rule::Trend => {
                        let rises_in = i > 0
                            && (values[i] > values[i - 1]) == high
                            && values[i] != values[i - 1];
                        let rises_out = i + 1 < values.len()
                            && (values[i + 1] > values[i]) == high
                            && values[i + 1] != values[i];
                        assert!(rises_in || rises_out, "{values:?} at {i}");
                    }
                }
            }
        }

        // The variation is the latest point's special cause judged by the polarity.
        let latest = analysis.points.last().and_then(|point| point.special_cause);
        assert_eq!(analysis.variation.side(), latest.map(|cause| cause.side));
        match (analysis.variation, polarity) {
            (Variation::CommonCause, _) => assert_eq!(latest, None),
            (Variation::NeitherWay(_), Polarity::Neither) => {}
            (Variation::Improving(Side::High), Polarity::HigherIsBetter)
            | (Variation::Improving(Side::Low), Polarity::LowerIsBetter)
            | (Variation::Concerning(Side::Low), Polarity::HigherIsBetter)
            | (Variation::Concerning(Side::High), Polarity::LowerIsBetter) => {}
            (variation, polarity) => panic!("{variation:?} with {polarity:?}"),
        }

        // Mirroring the series (negating every value) mirrors every special cause.
        let negated: Vec<f64> = values.iter().map(|value| -value).collect();
        let mirror =
            analyse(&negated, polarity, None, baseline).expect("finite values, at least two");
        assert_eq!(mirror.mean, -analysis.mean);
        assert_eq!(mirror.upper_process_limit, -analysis.lower_process_limit);
        let mirrored_causes: Vec<_> = causes(&analysis).into_iter().map(mirrored).collect();
        assert_eq!(causes(&mirror), mirrored_causes, "{values:?}");

        // Analysis is deterministic.
        assert_eq!(
            analyse(&values, polarity, target, baseline).as_ref(),
            Some(&analysis)
        );
    }
    // The generator exercises every rule and the beyond-limit invariant.
    assert!(flagged_beyond > 0);
    for rule in [
        Rule::BeyondLimit,
        Rule::TwoOfThreeNearLimit,
        Rule::Trend,
        Rule::Run,
    ] {
        assert!(
            seen_rules.contains(&rule),
            "no {rule:?} in the generated series"
        );
    }
}

#[test]
fn rag_invariants_over_pseudo_random_values() {
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    for _ in 0..5000 {
        let value = 200.0 * rng.unit() - 100.0;
        let target = if rng.below(10) == 0 {
            0.0
        } else {
            200.0 * rng.unit() - 100.0
        };
        let band = 0.2 * rng.unit();
        let higher = rag(value, target, Polarity::HigherIsBetter, band).expect("a rating");
        // Lower-is-better is higher-is-better in a mirror.
        assert_eq!(
            rag(-value, -target, Polarity::LowerIsBetter, band),
            Some(higher)
        );
        // Meeting the target is always green; the comparator rating is the same arithmetic.
        assert_eq!(
            higher == Rag::Green,
            value >= target || (target - value) <= 1e-9 * target.abs().max(value.abs())
        );
        assert_eq!(
            rag_against_comparator(value, target, Polarity::HigherIsBetter, band),
            Some(higher)
        );
        // A wider band never makes the rating worse.
        let wider = rag(value, target, Polarity::HigherIsBetter, band * 2.0).expect("a rating");
        let rank = |rating: Rag| match rating {
            Rag::Red => 0,
            Rag::Amber => 1,
            Rag::Green => 2,
        };
        assert!(rank(wider) >= rank(higher));
        assert_eq!(rag(value, target, Polarity::Neither, band), None);
    }
}
