//! Sparklines: tiny inline trend lines for table cells.

use crate::format::{escape, num};
use crate::spc::runs;
use crate::{COLOUR_NEUTRAL, COLOUR_TEXT, FONT_FAMILY};

const WIDTH: f64 = 120.0;
const HEIGHT: f64 = 30.0;
const PAD: f64 = 3.5;

/// A tiny inline trend line (120×30) for a table cell, with role="img" and an aria-label
/// given by `label`; gaps for None; the latest point marked with a dot.
///
/// The label should say what the line shows, e.g. "Trend: 36% in 2023-24 Q1 to 86% in
/// 2025-26 Q4", since the sparkline itself has no axes.
pub fn sparkline_svg(values: &[Option<f64>], label: &str) -> String {
    let mut out = String::with_capacity(512);
    w!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
         role=\"img\" aria-label=\"{}\">",
        escape(label),
        w = num(WIDTH),
        h = num(HEIGHT)
    );
    let values: Vec<Option<f64>> = values.iter().map(|v| v.filter(|v| v.is_finite())).collect();
    let finite = values.iter().flatten().copied();
    let (Some(lo), Some(hi)) = (finite.clone().reduce(f64::min), finite.reduce(f64::max)) else {
        w!(
            out,
            "<text x=\"{}\" y=\"19\" text-anchor=\"middle\" font-family=\"{FONT_FAMILY}\" font-size=\"11\" \
             fill=\"{COLOUR_NEUTRAL}\">No data</text></svg>",
            num(WIDTH / 2.0)
        );
        return out;
    };
    let n = values.len();
    let x = |i: usize| {
        if n == 1 {
            WIDTH / 2.0
        } else {
            PAD + i as f64 * (WIDTH - 2.0 * PAD) / (n - 1) as f64
        }
    };
    let y = |v: f64| {
        if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
            HEIGHT / 2.0
        } else {
            HEIGHT - PAD - (v - lo) / (hi - lo) * (HEIGHT - 2.0 * PAD)
        }
    };
    let latest = values.iter().rposition(|v| v.is_some());
    for run in runs(values.iter().copied()) {
        match run.as_slice() {
            [(i, v)] if Some(*i) != latest => w!(
                out,
                "<circle cx=\"{}\" cy=\"{}\" r=\"1.5\" fill=\"{COLOUR_TEXT}\"/>",
                num(x(*i)),
                num(y(*v))
            ),
            [_] => {}
            points => {
                out.push_str("<path d=\"");
                for (k, &(i, v)) in points.iter().enumerate() {
                    w!(
                        out,
                        "{}{},{}",
                        if k == 0 { "M" } else { "L" },
                        num(x(i)),
                        num(y(v))
                    );
                }
                w!(
                    out,
                    "\" fill=\"none\" stroke=\"{COLOUR_TEXT}\" stroke-width=\"1.5\" \
                     stroke-linejoin=\"round\" stroke-linecap=\"round\"/>"
                );
            }
        }
    }
    if let Some(i) = latest
        && let Some(v) = values[i]
    {
        w!(
            out,
            "<circle cx=\"{}\" cy=\"{}\" r=\"2.5\" fill=\"{COLOUR_TEXT}\"/>",
            num(x(i)),
            num(y(v))
        );
    }
    out.push_str("</svg>");
    out
}
