//! Horizontal bar charts.

use crate::COLOUR_IMPROVING;
use crate::format::{
    display_title, escape, format_value, id_base, no_data_svg, num, open_svg, plural, text_width,
};

const WIDTH: f64 = 640.0;
const FONT: f64 = 14.0;
const LINE: f64 = 18.0;
const BAR: f64 = 22.0;
const GAP: f64 = 14.0;
const LEFT: f64 = 0.0;

/// A horizontal bar chart (e.g. themes across learning reviews): each (label, count) a bar with
/// its count written at its end; accessible title/desc like [`crate::spc_chart_svg`].
///
/// Labels sit above their bars and wrap, so long labels never collide. Negative and
/// non-finite counts draw no bar.
pub fn bar_chart_svg(title: &str, bars: &[(String, f64)], id_prefix: &str) -> String {
    let id = id_base(id_prefix);
    let title = display_title(title);
    let desc = bar_chart_text_alternative(bars);
    if bars.is_empty() {
        return no_data_svg(&id, title, &desc);
    }
    let decimals = bar_decimals(bars);
    let counts: Vec<String> = bars
        .iter()
        .map(|(_, v)| format_value(*v, decimals, ""))
        .collect();
    let reserve = counts
        .iter()
        .map(|c| text_width(c, FONT))
        .fold(0.0, f64::max)
        + 12.0;
    let bar_max = WIDTH - LEFT - reserve;
    let max = bars
        .iter()
        .map(|(_, v)| *v)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let scale = if max > 0.0 { bar_max / max } else { 0.0 };

    let mut body = String::with_capacity(256 * bars.len());
    let mut y = 0.0;
    for ((label, value), count) in bars.iter().zip(&counts) {
        for line in wrap(label.trim(), WIDTH - LEFT) {
            w!(
                body,
                "<text x=\"{}\" y=\"{}\">{}</text>",
                num(LEFT),
                num(y + 14.0),
                escape(&line)
            );
            y += LINE;
        }
        y += 2.0;
        let width = if value.is_finite() && *value > 0.0 {
            value * scale
        } else {
            0.0
        };
        if width > 0.0 {
            w!(
                body,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{COLOUR_IMPROVING}\"/>",
                num(LEFT),
                num(y),
                num(width.max(1.0)),
                num(BAR)
            );
        }
        w!(
            body,
            "<text x=\"{}\" y=\"{}\" font-weight=\"bold\">{}</text>",
            num(LEFT + width + 6.0),
            num(y + 16.0),
            escape(count)
        );
        y += BAR + GAP;
    }
    let height = y - GAP + 2.0;

    let mut out = String::with_capacity(body.len() + 512);
    open_svg(&mut out, WIDTH, height, &id, title, &desc);
    out.push_str(&body);
    out.push_str("</svg>");
    out
}

/// The text alternative for a bar chart: how many bars, and each label with its count.
pub fn bar_chart_text_alternative(bars: &[(String, f64)]) -> String {
    if bars.is_empty() {
        return "No data.".to_string();
    }
    let decimals = bar_decimals(bars);
    let items: Vec<String> = bars
        .iter()
        .map(|(label, v)| format!("{}: {}", label.trim(), format_value(*v, decimals, "")))
        .collect();
    format!(
        "Bar chart of {}. {}.",
        plural(bars.len(), "item", "items"),
        items.join("; ")
    )
}

/// Whole numbers are written as such; anything else to one decimal place.
fn bar_decimals(bars: &[(String, f64)]) -> usize {
    if bars.iter().all(|(_, v)| !v.is_finite() || v.fract() == 0.0) {
        0
    } else {
        1
    }
}

/// Splits `text` into lines no wider than `max_width` (estimated), at spaces where possible.
fn wrap(text: &str, max_width: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if text_width(&candidate, FONT) <= max_width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if text_width(word, FONT) <= max_width {
            line = word.to_string();
            continue;
        }
        // A word wider than a whole line is broken wherever it has to be.
        for c in word.chars() {
            line.push(c);
            if text_width(&line, FONT) > max_width {
                line.pop();
                lines.push(std::mem::take(&mut line));
                line.push(c);
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}
