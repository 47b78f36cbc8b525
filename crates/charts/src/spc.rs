//! Statistical process control charts.

use crate::format::{
    display_title, escape, format_value, id_base, join_and, no_data_svg, num, open_svg, plural,
    text_width,
};
use crate::ticks::{nice_ticks, step_decimals};
use crate::{COLOUR_NEUTRAL, COLOUR_TARGET, COLOUR_TEXT, SpcChart, Tone};

const WIDTH: f64 = 640.0;
const TOP: f64 = 12.0;
const RIGHT: f64 = 16.0;
const PLOT_HEIGHT: f64 = 240.0;
const FONT: f64 = 14.0;
const LEGEND_ROW: f64 = 24.0;
const LEGEND_SAMPLE: f64 = 28.0;
const GRID: &str = "#dcdddf";
const AXIS: &str = "#505a5f";
const LIMIT_DASH: &str = "6 4";
const TARGET_DASH: &str = "12 4 2 4";

/// How a legend entry's sample is drawn.
enum Sample {
    Line {
        stroke: &'static str,
        width: f64,
        dash: Option<&'static str>,
        dot: bool,
    },
    Dot(&'static str),
}

/// A complete, accessible <svg>: role="img", aria-labelledby pointing at a <title> and <desc>
/// inside it (ids made unique from `id_prefix`), viewBox-based (scales to its container; width="100%"),
/// y axis with 4–6 "nice" ticks covering the data, limits, mean and target; x axis labels (thinned
/// when many); the data line with a dot per point coloured by Tone (neutral dots grey-black,
/// special-cause dots filled in the tone colour); mean as a solid grey line; process limits as
/// dashed grey lines; target as a dashed red (#d4351c) line; a small legend. All text is escaped
/// for XML. Empty points → an SVG that says "No data".
pub fn spc_chart_svg(chart: &SpcChart, id_prefix: &str) -> String {
    let id = id_base(id_prefix);
    let title = display_title(&chart.title);
    let desc = text_alternative(chart);
    if chart.points.is_empty() {
        return no_data_svg(&id, title, &desc);
    }
    let fmt = |v: f64| chart.format(v);

    // Vertical scale: covers every value and reference line.
    let references = [
        chart.mean,
        chart.upper_limit,
        chart.lower_limit,
        chart.target,
    ];
    let covered: Vec<f64> = chart
        .points
        .iter()
        .filter_map(|p| p.finite_value())
        .chain(
            references
                .iter()
                .flatten()
                .copied()
                .filter(|v| v.is_finite()),
        )
        .collect();
    let has_values = chart.points.iter().any(|p| p.finite_value().is_some());
    let ticks = match (
        covered.iter().copied().reduce(f64::min),
        covered.iter().copied().reduce(f64::max),
    ) {
        (Some(lo), Some(hi)) => nice_ticks(lo, hi),
        _ => nice_ticks(0.0, 1.0),
    };
    let y_min = ticks[0];
    let y_max = ticks[ticks.len() - 1];
    let tick_decimals = ticks.iter().map(|&t| step_decimals(t)).max().unwrap_or(0);
    let axis_suffix = if chart.unit_suffix.chars().count() <= 1 {
        chart.unit_suffix.as_str()
    } else {
        ""
    };
    let tick_labels: Vec<String> = ticks
        .iter()
        .map(|&t| format_value(t, tick_decimals, axis_suffix))
        .collect();

    let plot_left = tick_labels
        .iter()
        .map(|l| text_width(l, FONT))
        .fold(24.0, f64::max)
        + 14.0;
    let n = chart.points.len();
    // Room on the right for half of the latest period's label, which is always shown.
    let last_half = chart
        .points
        .last()
        .map_or(0.0, |p| text_width(&p.label, FONT) / 2.0);
    let right = RIGHT
        .max(last_half + 8.0 - (WIDTH - RIGHT - plot_left) / n as f64 / 2.0)
        .min(WIDTH / 4.0);
    let plot_right = WIDTH - right;
    let plot_width = plot_right - plot_left;
    let plot_top = TOP;
    let plot_bottom = TOP + PLOT_HEIGHT;
    let y = |v: f64| plot_bottom - (v - y_min) / (y_max - y_min) * PLOT_HEIGHT;
    let band = plot_width / n as f64;
    let x = |i: usize| plot_left + (i as f64 + 0.5) * band;

    // Legend entries, laid out in rows under the x axis.
    let mut legend: Vec<(Sample, String)> = vec![(
        Sample::Line {
            stroke: COLOUR_TEXT,
            width: 2.0,
            dash: None,
            dot: true,
        },
        "Value".to_string(),
    )];
    if let Some(m) = chart.mean.filter(|v| v.is_finite()) {
        legend.push((
            Sample::Line {
                stroke: COLOUR_NEUTRAL,
                width: 1.5,
                dash: None,
                dot: false,
            },
            format!("Mean ({})", fmt(m)),
        ));
    }
    let limits_text = match (
        chart.lower_limit.filter(|v| v.is_finite()),
        chart.upper_limit.filter(|v| v.is_finite()),
    ) {
        (Some(l), Some(u)) => Some(format!("Process limits ({} to {})", fmt(l), fmt(u))),
        (Some(l), None) => Some(format!("Lower process limit ({})", fmt(l))),
        (None, Some(u)) => Some(format!("Upper process limit ({})", fmt(u))),
        (None, None) => None,
    };
    if let Some(text) = limits_text {
        legend.push((
            Sample::Line {
                stroke: COLOUR_NEUTRAL,
                width: 1.5,
                dash: Some(LIMIT_DASH),
                dot: false,
            },
            text,
        ));
    }
    if let Some(t) = chart.target.filter(|v| v.is_finite()) {
        legend.push((
            Sample::Line {
                stroke: COLOUR_TARGET,
                width: 2.0,
                dash: Some(TARGET_DASH),
                dot: false,
            },
            format!("Target ({})", fmt(t)),
        ));
    }
    for (tone, text) in [
        (Tone::Improving, "Special cause: improving"),
        (Tone::Concerning, "Special cause: concerning"),
        (Tone::Neutral, "Special cause: neutral"),
    ] {
        if chart
            .points
            .iter()
            .any(|p| p.special_cause == Some(tone) && p.finite_value().is_some())
        {
            legend.push((Sample::Dot(tone.colour()), text.to_string()));
        }
    }
    let legend_top = plot_bottom + 40.0;
    let mut placed = Vec::with_capacity(legend.len());
    let (mut lx, mut row) = (plot_left, 0usize);
    for (sample, text) in &legend {
        let item_width = LEGEND_SAMPLE + 6.0 + text_width(text, FONT);
        if lx > plot_left && lx + item_width > plot_right {
            lx = plot_left;
            row += 1;
        }
        placed.push((sample, text, lx, legend_top + row as f64 * LEGEND_ROW));
        lx += item_width + 24.0;
    }
    let height = legend_top + (row + 1) as f64 * LEGEND_ROW - 4.0;

    let mut out = String::with_capacity(8 * 1024);
    open_svg(&mut out, WIDTH, height, &id, title, &desc);

    // Gridlines and y-axis labels.
    out.push_str("<g stroke=\"");
    out.push_str(GRID);
    out.push_str("\" stroke-width=\"1\">");
    for &t in &ticks[1..] {
        w!(
            out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
            num(plot_left),
            num(y(t)),
            num(plot_right),
            num(y(t))
        );
    }
    out.push_str("</g>");
    w!(
        out,
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{AXIS}\" stroke-width=\"1\"/>",
        num(plot_left),
        num(plot_bottom),
        num(plot_right),
        num(plot_bottom)
    );
    out.push_str("<g text-anchor=\"end\">");
    for (&t, label) in ticks.iter().zip(&tick_labels) {
        w!(
            out,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            num(plot_left - 8.0),
            num(y(t) + 5.0),
            escape(label)
        );
    }
    out.push_str("</g>");

    // X-axis labels, thinned so they do not collide; the latest is always shown.
    let widest = chart
        .points
        .iter()
        .map(|p| text_width(&p.label, FONT))
        .fold(0.0, f64::max);
    let every = ((widest + 12.0) / band).ceil().max(1.0) as usize;
    w!(out, "<g text-anchor=\"middle\">");
    for (i, p) in chart.points.iter().enumerate() {
        if (n - 1 - i).is_multiple_of(every) {
            // Keep the label inside the picture, even if it then sits off-centre.
            let half = text_width(&p.label, FONT) / 2.0 + 2.0;
            let label_x = if 2.0 * half >= WIDTH {
                WIDTH / 2.0
            } else {
                x(i).clamp(half, WIDTH - half)
            };
            w!(
                out,
                "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{AXIS}\"/><text x=\"{3}\" y=\"{4}\">{5}</text>",
                num(x(i)),
                num(plot_bottom),
                num(plot_bottom + 5.0),
                num(label_x),
                num(plot_bottom + 22.0),
                escape(&p.label)
            );
        }
    }
    out.push_str("</g>");

    // Reference lines: process limits, mean, target.
    let hline = |out: &mut String, v: f64, stroke: &str, width: f64, dash: Option<&str>| {
        w!(
            out,
            "<line x1=\"{}\" y1=\"{2}\" x2=\"{}\" y2=\"{2}\" stroke=\"{stroke}\" stroke-width=\"{3}\"",
            num(plot_left),
            num(plot_right),
            num(y(v)),
            num(width)
        );
        if let Some(d) = dash {
            w!(out, " stroke-dasharray=\"{d}\"");
        }
        out.push_str("/>");
    };
    for limit in [chart.lower_limit, chart.upper_limit]
        .into_iter()
        .flatten()
        .filter(|v| v.is_finite())
    {
        hline(&mut out, limit, COLOUR_NEUTRAL, 1.5, Some(LIMIT_DASH));
    }
    if let Some(m) = chart.mean.filter(|v| v.is_finite()) {
        hline(&mut out, m, COLOUR_NEUTRAL, 1.5, None);
    }
    if let Some(t) = chart.target.filter(|v| v.is_finite()) {
        hline(&mut out, t, COLOUR_TARGET, 2.0, Some(TARGET_DASH));
    }

    // The data line: one path per run of consecutive values, so gaps show.
    for run in runs(chart.points.iter().map(|p| p.finite_value())) {
        if run.len() < 2 {
            continue;
        }
        out.push_str("<path d=\"");
        for (k, &(i, v)) in run.iter().enumerate() {
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
            "\" fill=\"none\" stroke=\"{COLOUR_TEXT}\" stroke-width=\"2\" stroke-linejoin=\"round\"/>"
        );
    }

    // A dot per value, coloured by special cause, with a tooltip.
    let radius = (band / 3.0).clamp(2.0, 4.0);
    for (i, p) in chart.points.iter().enumerate() {
        let Some(v) = p.finite_value() else { continue };
        let (fill, r, note) = match p.special_cause {
            Some(tone) => (
                tone.colour(),
                radius + 1.5,
                format!(" (special cause: {})", tone.describe()),
            ),
            None => (COLOUR_TEXT, radius, String::new()),
        };
        w!(
            out,
            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{fill}\" stroke=\"#ffffff\" stroke-width=\"1\"><title>{}</title></circle>",
            num(x(i)),
            num(y(v)),
            num(r),
            escape(&format!("{}: {}{}", p.label, fmt(v), note))
        );
    }

    if !has_values {
        w!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"16\">No values to show</text>",
            num((plot_left + plot_right) / 2.0),
            num((plot_top + plot_bottom) / 2.0)
        );
    }

    // Legend.
    out.push_str("<g>");
    for (sample, text, lx, ly) in placed {
        match sample {
            Sample::Line {
                stroke,
                width,
                dash,
                dot,
            } => {
                w!(
                    out,
                    "<line x1=\"{}\" y1=\"{2}\" x2=\"{}\" y2=\"{2}\" stroke=\"{stroke}\" stroke-width=\"{3}\"",
                    num(lx),
                    num(lx + LEGEND_SAMPLE),
                    num(ly),
                    num(*width)
                );
                if let Some(d) = dash {
                    w!(out, " stroke-dasharray=\"{d}\"");
                }
                out.push_str("/>");
                if *dot {
                    w!(
                        out,
                        "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{stroke}\"/>",
                        num(lx + LEGEND_SAMPLE / 2.0),
                        num(ly),
                        num(radius)
                    );
                }
            }
            Sample::Dot(fill) => {
                w!(
                    out,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{fill}\"/>",
                    num(lx + LEGEND_SAMPLE / 2.0),
                    num(ly),
                    num(radius + 1.5)
                );
            }
        }
        w!(
            out,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            num(lx + LEGEND_SAMPLE + 6.0),
            num(ly + 5.0),
            escape(text)
        );
    }
    out.push_str("</g></svg>");
    out
}

/// Splits a series into runs of consecutive values: `(index, value)` pairs.
pub(crate) fn runs(values: impl Iterator<Item = Option<f64>>) -> Vec<Vec<(usize, f64)>> {
    let mut runs: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut current = Vec::new();
    for (i, v) in values.enumerate() {
        match v {
            Some(v) => current.push((i, v)),
            None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// A sentence or two for screen readers and the <desc>: the range of periods, first and latest
/// values, mean and limits, target, how many points show special cause, and gaps.
///
/// The chart's title is not repeated: it is the accessible name, and this is the description.
pub fn text_alternative(chart: &SpcChart) -> String {
    let fmt = |v: f64| chart.format(v);
    let points = &chart.points;
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return "No data.".to_string();
    };
    let mut s = if points.len() == 1 {
        format!("Line chart of 1 period, {}.", first.label.trim())
    } else {
        format!(
            "Line chart of {} periods from {} to {}.",
            points.len(),
            first.label.trim(),
            last.label.trim()
        )
    };

    let with_values: Vec<(&str, f64)> = points
        .iter()
        .filter_map(|p| p.finite_value().map(|v| (p.label.trim(), v)))
        .collect();
    match with_values.as_slice() {
        [] => s.push_str(" No values are available."),
        [(label, v)] => w!(s, " The only value is {} ({label}).", fmt(*v)),
        [(first_label, first), .., (last_label, last)] => w!(
            s,
            " The first value was {} ({first_label}) and the latest is {} ({last_label}).",
            fmt(*first),
            fmt(*last)
        ),
    }

    let mean = chart.mean.filter(|v| v.is_finite());
    let lower = chart.lower_limit.filter(|v| v.is_finite());
    let upper = chart.upper_limit.filter(|v| v.is_finite());
    let limits = match (lower, upper) {
        (Some(l), Some(u)) => Some(format!("process limits from {} to {}", fmt(l), fmt(u))),
        (Some(l), None) => Some(format!("a lower process limit of {}", fmt(l))),
        (None, Some(u)) => Some(format!("an upper process limit of {}", fmt(u))),
        (None, None) => None,
    };
    let has_lines = mean.is_some() || limits.is_some();
    match (mean, limits) {
        (Some(m), Some(l)) => w!(s, " The mean is {}, with {l}.", fmt(m)),
        (Some(m), None) => w!(s, " The mean is {}.", fmt(m)),
        (None, Some(l)) => w!(s, " There are {l}."),
        (None, None) => {}
    }
    if let (Some(note), true) = (&chart.limits_note, has_lines) {
        w!(s, " {note}");
    }

    if let Some(t) = chart.target.filter(|v| v.is_finite()) {
        w!(s, " The target is {}", fmt(t));
        if let Some(&(_, latest)) = with_values.last() {
            // Compare as written, so "75%" against a target of "75%" reads as meeting it.
            let (shown, target) = (
                round_to(latest, chart.decimals),
                round_to(t, chart.decimals),
            );
            s.push_str(if shown > target {
                "; the latest value is above it"
            } else if shown < target {
                "; the latest value is below it"
            } else {
                "; the latest value is on target"
            });
        }
        s.push('.');
    }

    let counts: Vec<(Tone, usize)> = [Tone::Improving, Tone::Concerning, Tone::Neutral]
        .into_iter()
        .map(|tone| {
            (
                tone,
                points
                    .iter()
                    .filter(|p| p.special_cause == Some(tone))
                    .count(),
            )
        })
        .filter(|&(_, c)| c > 0)
        .collect();
    let total: usize = counts.iter().map(|&(_, c)| c).sum();
    match counts.as_slice() {
        [] => s.push_str(" No points show special cause variation."),
        [(tone, _)] => w!(
            s,
            " {} special cause variation ({}).",
            if total == 1 {
                "1 point shows".to_string()
            } else {
                format!("{total} points show")
            },
            tone.describe()
        ),
        many => {
            let parts: Vec<String> = many
                .iter()
                .map(|(tone, c)| format!("{c} {}", tone.describe()))
                .collect();
            w!(
                s,
                " {total} points show special cause variation: {}.",
                join_and(&parts)
            );
        }
    }

    let gaps: Vec<String> = points
        .iter()
        .filter(|p| p.finite_value().is_none())
        .map(|p| p.label.trim().to_string())
        .collect();
    if !gaps.is_empty() && !with_values.is_empty() {
        const LISTED: usize = 6;
        let mut listed: Vec<String> = gaps.iter().take(LISTED).cloned().collect();
        if gaps.len() > LISTED {
            listed.push(format!("{} more", gaps.len() - LISTED));
        }
        w!(
            s,
            " There is no value for {}: {}.",
            plural(gaps.len(), "period", "periods"),
            join_and(&listed)
        );
    }
    s
}

fn round_to(v: f64, decimals: usize) -> f64 {
    let f = 10f64.powi(decimals.min(12) as i32);
    (v * f).round() / f
}
