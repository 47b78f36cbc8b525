//! "Nice" axis ticks.

/// Between 4 and 6 evenly spaced, round-numbered ticks (steps of 1, 2, 2.5 or 5
/// times a power of ten) whose span covers `min..=max`, e.g. 0–96 → 0, 20, 40,
/// 60, 80, 100. A zero-width range is widened a little; non-finite input gives
/// the ticks for 0–1.
pub fn nice_ticks(min: f64, max: f64) -> Vec<f64> {
    if !min.is_finite() || !max.is_finite() {
        return nice_ticks(0.0, 1.0);
    }
    let (mut lo, mut hi) = if min <= max { (min, max) } else { (max, min) };
    if hi - lo <= f64::EPSILON * hi.abs().max(lo.abs()).max(1.0) {
        if lo == 0.0 {
            hi = 1.0;
        } else {
            let pad = lo.abs() * 0.1;
            lo -= pad;
            hi += pad;
        }
    }
    let range = hi - lo;
    let magnitude = 10f64.powf((range / 5.0).log10().floor());
    let mut candidates = Vec::with_capacity(12);
    for scale in [
        magnitude / 10.0,
        magnitude,
        magnitude * 10.0,
        magnitude * 100.0,
    ] {
        for m in [1.0, 2.0, 2.5, 5.0] {
            candidates.push(m * scale);
        }
    }
    let count = |step: f64| {
        let first = (lo / step + 1e-9).floor();
        let last = (hi / step - 1e-9).ceil();
        (first, (last - first) as i64 + 1)
    };
    let chosen = candidates
        .iter()
        .copied()
        .find(|&step| (4..=6).contains(&count(step).1))
        .or_else(|| candidates.iter().copied().find(|&step| count(step).1 <= 6))
        .unwrap_or(range);
    let (first, n) = count(chosen);
    let decimals = step_decimals(chosen) as i32;
    let factor = 10f64.powi(decimals);
    (0..n.max(2))
        .map(|i| {
            let v = ((first + i as f64) * chosen * factor).round() / factor;
            if v == 0.0 { 0.0 } else { v }
        })
        .collect()
}

/// How many decimal places are needed to write multiples of `step` exactly.
pub(crate) fn step_decimals(step: f64) -> usize {
    let mut d = 0;
    while d < 10 {
        let scaled = step * 10f64.powi(d as i32);
        if (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0) {
            break;
        }
        d += 1;
    }
    d
}
