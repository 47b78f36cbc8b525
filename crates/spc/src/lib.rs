//! Statistical process control (SPC) as in NHS England's "Making Data Count" (MDC), and RAG
//! ratings against a target or a comparator.
//!
//! # The XmR chart
//!
//! [`analyse`] builds an XmR (individuals and moving range) chart over a series:
//!
//! * the **mean** is the average of the baseline points (by default all of them);
//! * the **moving ranges** are `|x[i] - x[i-1]|` between consecutive baseline points, and the
//!   **mean moving range** (mMR) is their average;
//! * the **process limits** are `mean ± 2.66 × mMR` ([`LIMIT_FACTOR`]), about three sigma, as
//!   `2.66 = 3 / 1.128` and `sigma ≈ mMR / 1.128`;
//! * the **near-limit zone** is the outer third between the mean and each limit, beyond
//!   `mean ± (2/3) × 2.66 × mMR`, i.e. beyond two sigma.
//!
//! Every point of the series (including points after the baseline) is then tested against the
//! MDC special-cause rules ([`Rule`]):
//!
//! 1. [`Rule::BeyondLimit`]: a point strictly above the upper or strictly below the lower limit;
//! 2. [`Rule::TwoOfThreeNearLimit`]: two (or three) out of three consecutive points in the
//!    near-limit zone on the same side of the mean;
//! 3. [`Rule::Trend`]: [`TREND_LENGTH`] or more consecutive points each strictly higher (or each
//!    strictly lower) than the one before; equal neighbours break a trend;
//! 4. [`Rule::Run`]: [`RUN_LENGTH`] or more consecutive points strictly above (or strictly below)
//!    the mean; a point exactly on the mean breaks a run.
//!
//! The whole pattern is flagged, not only the point that completes it: every point of a run or
//! trend, and both (or all three) near-limit points of a two-of-three window. The point of a
//! two-of-three window that is *not* in the near-limit zone is not part of the pattern and is not
//! flagged by that rule (as in the NHS-R "plot the dots" implementation of MDC).
//!
//! **Precedence.** A point flagged by several rules keeps one [`SpecialCause`], chosen in the
//! order above: `BeyondLimit`, then `TwoOfThreeNearLimit`, then `Trend`, then `Run`. The side
//! comes from the rule kept, so a rising trend below the mean is reported as a `Trend` on the
//! `High` side even though its points are also part of a run below the mean. The turning point
//! shared by a rising and a falling trend belongs to the earlier of the two.
//!
//! If the mean moving range is zero (every baseline value equal) the limits collapse onto the
//! mean and no special cause is flagged at all.
//!
//! The [`Variation`] of the series is decided by its latest point: common cause if that point has
//! no special cause, otherwise improving or concerning according to the side and the
//! [`Polarity`]. The [`Assurance`] compares a target with the process limits.
//!
//! # RAG
//!
//! [`rag`] and [`rag_against_comparator`] rate a single value Red, Amber or Green against a target
//! or a comparator (such as England's rate) with an amber band expressed as a fraction of the
//! target's magnitude.
#![forbid(unsafe_code)]

use std::fmt;

/// Which direction of change is good news for an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polarity {
    HigherIsBetter,
    LowerIsBetter,
    /// Neither direction is better (e.g. a count of referrals): special causes are reported but
    /// not judged, and there is no assurance or RAG rating.
    Neither,
}

/// The side of the mean a special cause lies on: `High` is above the mean (or, for a trend,
/// increasing), `Low` below it (or decreasing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    High,
    Low,
}

/// An MDC special-cause rule. See the crate documentation for the precedence between rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A single point beyond a process limit.
    BeyondLimit,
    /// A run of RUN_LENGTH (7) or more consecutive points on one side of the mean.
    Run,
    /// TREND_LENGTH (6) or more consecutive points each higher (or each lower) than the one before.
    Trend,
    /// Two out of three consecutive points in the outer third between mean and a limit (beyond 2 sigma), on the same side.
    TwoOfThreeNearLimit,
}

/// The special cause a point is part of: the rule (the one of highest precedence when several
/// apply) and the side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecialCause {
    pub rule: Rule,
    pub side: Side,
}

/// The variation shown by the latest point of a series (MDC's variation icons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variation {
    CommonCause,
    /// The latest point is part of a special-cause pattern, and given the polarity it is good news.
    Improving(Side),
    /// ... bad news.
    Concerning(Side),
    /// ... and the indicator has no better direction.
    NeitherWay(Side),
}

/// Whether the process can be expected to meet a target (MDC's assurance icons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assurance {
    /// The target lies outside the process limits on the good side: the process will consistently meet it.
    ConsistentlyPasses,
    /// ... on the bad side: it will consistently fail it without a change to the process.
    ConsistentlyFails,
    /// The target lies between the limits: sometimes met, sometimes not.
    HitAndMiss,
}

/// One point of an analysed series.
#[derive(Debug, Clone, PartialEq)]
pub struct SpcPoint {
    pub value: f64,
    /// The special cause this point is part of, if any (the rule of highest precedence).
    pub special_cause: Option<SpecialCause>,
}

/// The result of [`analyse`].
#[derive(Debug, Clone, PartialEq)]
pub struct SpcAnalysis {
    pub mean: f64,
    pub mean_moving_range: f64,
    pub upper_process_limit: f64,
    pub lower_process_limit: f64,
    pub points: Vec<SpcPoint>,
    pub variation: Variation,
    /// None when there is no target or the polarity is Neither.
    pub assurance: Option<Assurance>,
    /// MDC advises at least MIN_POINTS_FOR_CONFIDENCE (15) points before limits are relied on.
    /// Counts the points that set the limits (the baseline).
    pub enough_points: bool,
}

/// The number of consecutive points on one side of the mean that makes a run.
pub const RUN_LENGTH: usize = 7;
/// The number of consecutive increasing (or decreasing) points that makes a trend.
pub const TREND_LENGTH: usize = 6;
/// The number of points MDC advises before the process limits are relied on.
pub const MIN_POINTS_FOR_CONFIDENCE: usize = 15;
/// Process limits are mean ± 2.66 × mean moving range.
pub const LIMIT_FACTOR: f64 = 2.66;

/// The near-limit zone starts this fraction of the way from the mean to a limit (two sigma out of
/// three).
const NEAR_LIMIT_FRACTION: f64 = 2.0 / 3.0;

impl SpcAnalysis {
    /// The inner edge of the upper near-limit zone: mean + (2/3) × 2.66 × mMR (two sigma).
    pub fn upper_near_limit(&self) -> f64 {
        self.mean + NEAR_LIMIT_FRACTION * (self.upper_process_limit - self.mean)
    }

    /// The inner edge of the lower near-limit zone: mean − (2/3) × 2.66 × mMR (two sigma).
    pub fn lower_near_limit(&self) -> f64 {
        self.mean - NEAR_LIMIT_FRACTION * (self.mean - self.lower_process_limit)
    }

    /// The latest point's special cause, which decides [`SpcAnalysis::variation`].
    pub fn latest_special_cause(&self) -> Option<SpecialCause> {
        self.points.last().and_then(|point| point.special_cause)
    }
}

impl Variation {
    /// The side of the special cause, or None for common cause.
    pub fn side(self) -> Option<Side> {
        match self {
            Variation::CommonCause => None,
            Variation::Improving(side)
            | Variation::Concerning(side)
            | Variation::NeitherWay(side) => Some(side),
        }
    }

    /// Whether the latest point shows special-cause variation.
    pub fn is_special_cause(self) -> bool {
        self != Variation::CommonCause
    }
}

/// Analyses a series as an MDC XmR chart.
///
/// `baseline`: how many leading points set the mean and limits (None = all points). Returns None
/// with fewer than 2 values or a non-finite value.
///
/// A baseline longer than the series is treated as the whole series, and one shorter than 2
/// points as 2 points (a moving range needs two). Returns None as well if the values are so large
/// that the mean or the limits overflow. The rules are applied to every point, including those
/// after the baseline; see the crate documentation for the rules and their precedence. A
/// non-finite target gives no assurance.
pub fn analyse(
    values: &[f64],
    polarity: Polarity,
    target: Option<f64>,
    baseline: Option<usize>,
) -> Option<SpcAnalysis> {
    let count = values.len();
    if count < 2 || values.iter().any(|value| !value.is_finite()) {
        return None;
    }
    let baseline_len = baseline.unwrap_or(count).clamp(2, count);
    let base = &values[..baseline_len];
    let mean = base.iter().sum::<f64>() / baseline_len as f64;
    let mean_moving_range = base
        .windows(2)
        .map(|pair| (pair[1] - pair[0]).abs())
        .sum::<f64>()
        / (baseline_len - 1) as f64;
    let half_width = LIMIT_FACTOR * mean_moving_range;
    let upper = mean + half_width;
    let lower = mean - half_width;
    if !upper.is_finite() || !lower.is_finite() {
        return None;
    }

    let causes = if mean_moving_range > 0.0 {
        special_causes(values, mean, half_width)
    } else {
        vec![None; count]
    };
    let points: Vec<SpcPoint> = values
        .iter()
        .zip(causes)
        .map(|(&value, special_cause)| SpcPoint {
            value,
            special_cause,
        })
        .collect();
    let variation = variation_of(
        points.last().and_then(|point| point.special_cause),
        polarity,
    );
    let assurance = assurance_of(target, polarity, lower, upper);

    Some(SpcAnalysis {
        mean,
        mean_moving_range,
        upper_process_limit: upper,
        lower_process_limit: lower,
        points,
        variation,
        assurance,
        enough_points: baseline_len >= MIN_POINTS_FOR_CONFIDENCE,
    })
}

/// The side of the mean a value lies strictly on, or None when it is exactly on the mean.
fn side_of(value: f64, centre: f64) -> Option<Side> {
    if value > centre {
        Some(Side::High)
    } else if value < centre {
        Some(Side::Low)
    } else {
        None
    }
}

/// Each point's special cause of highest precedence, given a mean and a positive half-width
/// (2.66 × mMR).
fn special_causes(values: &[f64], mean: f64, half_width: f64) -> Vec<Option<SpecialCause>> {
    let upper = mean + half_width;
    let lower = mean - half_width;
    let near_width = NEAR_LIMIT_FRACTION * half_width;
    let beyond: Vec<Option<Side>> = values
        .iter()
        .map(|&value| {
            if value > upper {
                Some(Side::High)
            } else if value < lower {
                Some(Side::Low)
            } else {
                None
            }
        })
        .collect();
    let near: Vec<Option<Side>> = values
        .iter()
        .map(|&value| {
            if value > mean + near_width {
                Some(Side::High)
            } else if value < mean - near_width {
                Some(Side::Low)
            } else {
                None
            }
        })
        .collect();
    let two_of_three = two_of_three_flags(&near);
    let trend = trend_flags(values);
    let run = run_flags(values, mean);

    // Precedence: BeyondLimit, TwoOfThreeNearLimit, Trend, Run.
    (0..values.len())
        .map(|i| {
            let cause =
                |flag: Option<Side>, rule: Rule| flag.map(|side| SpecialCause { rule, side });
            cause(beyond[i], Rule::BeyondLimit)
                .or(cause(two_of_three[i], Rule::TwoOfThreeNearLimit))
                .or(cause(trend[i], Rule::Trend))
                .or(cause(run[i], Rule::Run))
        })
        .collect()
}

/// Flags the near-limit points of every window of three consecutive points holding at least two
/// near-limit points on the same side.
fn two_of_three_flags(near: &[Option<Side>]) -> Vec<Option<Side>> {
    let mut flags = vec![None; near.len()];
    for (start, window) in near.windows(3).enumerate() {
        for side in [Side::High, Side::Low] {
            if window.iter().filter(|&&point| point == Some(side)).count() >= 2 {
                for (offset, &point) in window.iter().enumerate() {
                    if point == Some(side) {
                        flags[start + offset] = Some(side);
                    }
                }
            }
        }
    }
    flags
}

/// Flags every point of each run of at least [`TREND_LENGTH`] strictly increasing (High) or
/// strictly decreasing (Low) consecutive points.
fn trend_flags(values: &[f64]) -> Vec<Option<Side>> {
    let count = values.len();
    let mut flags = vec![None; count];
    for side in [Side::High, Side::Low] {
        let mut start = 0;
        for end in 1..=count {
            let continues = end < count
                && match side {
                    Side::High => values[end] > values[end - 1],
                    Side::Low => values[end] < values[end - 1],
                };
            if continues {
                continue;
            }
            if end - start >= TREND_LENGTH {
                // A rising and a falling trend can share only their turning point, which is the
                // last point of the earlier trend and the first of the later one. The earlier
                // trend keeps it: a trend's last point always takes the flag, its other points
                // only when not already flagged.
                for flag in &mut flags[start..end - 1] {
                    flag.get_or_insert(side);
                }
                flags[end - 1] = Some(side);
            }
            start = end;
        }
    }
    flags
}

/// Flags every point of each run of at least [`RUN_LENGTH`] consecutive points strictly on one
/// side of the mean.
fn run_flags(values: &[f64], mean: f64) -> Vec<Option<Side>> {
    let count = values.len();
    let mut flags = vec![None; count];
    let mut start = 0;
    for end in 1..=count {
        let run_side = side_of(values[start], mean);
        if end < count && run_side.is_some() && side_of(values[end], mean) == run_side {
            continue;
        }
        if let Some(side) = run_side
            && end - start >= RUN_LENGTH
        {
            flags[start..end].fill(Some(side));
        }
        start = end;
    }
    flags
}

fn variation_of(cause: Option<SpecialCause>, polarity: Polarity) -> Variation {
    let Some(SpecialCause { side, .. }) = cause else {
        return Variation::CommonCause;
    };
    match (polarity, side) {
        (Polarity::Neither, _) => Variation::NeitherWay(side),
        (Polarity::HigherIsBetter, Side::High) | (Polarity::LowerIsBetter, Side::Low) => {
            Variation::Improving(side)
        }
        (Polarity::HigherIsBetter, Side::Low) | (Polarity::LowerIsBetter, Side::High) => {
            Variation::Concerning(side)
        }
    }
}

fn assurance_of(
    target: Option<f64>,
    polarity: Polarity,
    lower: f64,
    upper: f64,
) -> Option<Assurance> {
    let target = target.filter(|target| target.is_finite())?;
    let (good_side_passes, bad_side_fails) = match polarity {
        Polarity::Neither => return None,
        Polarity::HigherIsBetter => (target <= lower, target >= upper),
        Polarity::LowerIsBetter => (target >= upper, target <= lower),
    };
    Some(if good_side_passes {
        Assurance::ConsistentlyPasses
    } else if bad_side_fails {
        Assurance::ConsistentlyFails
    } else {
        Assurance::HitAndMiss
    })
}

/// A Red, Amber or Green rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rag {
    Red,
    Amber,
    Green,
}

/// RAG against a target: Green when the value meets the target (>= for higher-is-better, <= for lower-is-better),
/// Amber when it misses by no more than `amber_band` (a fraction of the target's magnitude, e.g. 0.05 for 5%; for a
/// zero target use an absolute band of amber_band), Red otherwise. None when polarity is Neither.
///
/// Also None when the value, target or band is not finite. A negative band is treated as zero (no
/// amber). Comparisons allow a relative tolerance of 1e-9 so that floating-point noise in a
/// computed rate (`0.57 * 100.0` is `56.99999999999999`) does not change the rating.
pub fn rag(value: f64, target: f64, polarity: Polarity, amber_band: f64) -> Option<Rag> {
    rate(value, target, polarity, amber_band)
}

/// The same rating against a comparator (e.g. England's rate): Green better than or equal to it, Amber within the band worse, Red beyond.
///
/// The band is a fraction of the comparator's magnitude (absolute for a zero comparator), with
/// the same conventions as [`rag`].
pub fn rag_against_comparator(
    value: f64,
    comparator: f64,
    polarity: Polarity,
    amber_band: f64,
) -> Option<Rag> {
    rate(value, comparator, polarity, amber_band)
}

/// Relative tolerance for the RAG boundaries.
const RAG_TOLERANCE: f64 = 1e-9;

fn rate(value: f64, reference: f64, polarity: Polarity, amber_band: f64) -> Option<Rag> {
    if !value.is_finite() || !reference.is_finite() || !amber_band.is_finite() {
        return None;
    }
    // How far the value falls short of the reference in the bad direction (negative when better).
    let shortfall = match polarity {
        Polarity::Neither => return None,
        Polarity::HigherIsBetter => reference - value,
        Polarity::LowerIsBetter => value - reference,
    };
    let tolerance = RAG_TOLERANCE * value.abs().max(reference.abs());
    let scale = if reference == 0.0 {
        1.0
    } else {
        reference.abs()
    };
    let band = amber_band.max(0.0) * scale;
    Some(if shortfall <= tolerance {
        Rag::Green
    } else if shortfall <= band + tolerance {
        Rag::Amber
    } else {
        Rag::Red
    })
}

impl fmt::Display for Polarity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Polarity::HigherIsBetter => "Higher is better",
            Polarity::LowerIsBetter => "Lower is better",
            Polarity::Neither => "Neither higher nor lower is better",
        })
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::High => "high",
            Side::Low => "low",
        })
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rule::BeyondLimit => "a point beyond a process limit",
            Rule::Run => "a run of points on one side of the mean",
            Rule::Trend => "a trend of consecutively increasing or decreasing points",
            Rule::TwoOfThreeNearLimit => "two out of three points close to a process limit",
        })
    }
}

impl fmt::Display for SpecialCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.rule, self.side)
    }
}

impl fmt::Display for Variation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Variation::CommonCause => f.write_str("Common cause variation"),
            Variation::Improving(side) => write!(f, "Special cause variation, improving ({side})"),
            Variation::Concerning(side) => {
                write!(f, "Special cause variation, concerning ({side})")
            }
            Variation::NeitherWay(side) => write!(f, "Special cause variation ({side})"),
        }
    }
}

impl fmt::Display for Assurance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Assurance::ConsistentlyPasses => "Consistently passes the target",
            Assurance::ConsistentlyFails => "Consistently fails the target",
            Assurance::HitAndMiss => "Hit and miss: the target may or may not be met",
        })
    }
}

impl fmt::Display for Rag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rag::Red => "Red",
            Rag::Amber => "Amber",
            Rag::Green => "Green",
        })
    }
}

#[cfg(test)]
mod tests;
