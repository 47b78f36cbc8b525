//! Server-rendered SVG charts for MASA, with text alternatives.
//!
//! Every chart is a self-contained inline `<svg>` string that works without
//! JavaScript, prints into PDFs and satisfies a strict Content-Security-Policy:
//! there are no `style` attributes, no `<style>` elements and no scripts, only
//! SVG presentation attributes. Colours come from the GOV.UK Design System
//! palette and follow NHS England's "Making Data Count" conventions.
//!
//! * [`spc_chart_svg`] — a statistical process control chart (line, mean,
//!   process limits, target, special-cause points, legend), described by
//!   [`text_alternative`].
//! * [`sparkline_svg`] — a tiny trend line for a table cell.
//! * [`bar_chart_svg`] — a horizontal bar chart with counts written on it.
//! * [`heat_map_svg`] — a 5 × 5 risk heat map (likelihood by impact) with counts in the cells.
//! * [`variation_icon_svg`] and [`assurance_icon_svg`] — small Making Data Count
//!   style icons for the variation and assurance of an indicator.
//!
//! All text is escaped with [`escape`]; numbers are written with
//! [`format_value`].
#![forbid(unsafe_code)]

/// `write!` into a `String`, which cannot fail.
macro_rules! w {
    ($dst:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = write!($dst, $($arg)*);
    }};
}

mod bar;
mod format;
mod heatmap;
mod icons;
mod spark;
mod spc;
mod ticks;

pub use bar::{bar_chart_svg, bar_chart_text_alternative};
pub use format::{escape, format_value};
pub use heatmap::{HEAT_MAP_SIZE, HeatMap, HeatTone, heat_map_svg, heat_map_text_alternative};
pub use icons::{AssuranceIcon, VariationIcon, assurance_icon_svg, variation_icon_svg};
pub use spark::sparkline_svg;
pub use spc::{spc_chart_svg, text_alternative};
pub use ticks::nice_ticks;

/// The GOV.UK font stack used for all SVG text.
pub const FONT_FAMILY: &str = "GDS Transport, arial, sans-serif";

/// GOV.UK black: text, the data line and ordinary (common-cause) points.
pub const COLOUR_TEXT: &str = "#0b0c0c";
/// GOV.UK blue: improving special cause, and bars.
pub const COLOUR_IMPROVING: &str = "#1d70b8";
/// GOV.UK orange: concerning special cause.
pub const COLOUR_CONCERNING: &str = "#f47738";
/// GOV.UK dark grey: neutral special cause, mean and process limits.
pub const COLOUR_NEUTRAL: &str = "#505a5f";
/// GOV.UK purple: special cause where neither direction is better (variation icons).
pub const COLOUR_NEITHER: &str = "#4c2c92";
/// GOV.UK red: the target line.
pub const COLOUR_TARGET: &str = "#d4351c";

/// How a point should read: colours follow NHS "Making Data Count" (improving = blue #1d70b8,
/// concerning = orange #f47738 (GOV.UK orange), neutral = grey #505a5f; normal line #0b0c0c).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Improving,
    Concerning,
    Neutral,
}

impl Tone {
    /// The fill colour for a special-cause point with this tone.
    pub fn colour(self) -> &'static str {
        match self {
            Tone::Improving => COLOUR_IMPROVING,
            Tone::Concerning => COLOUR_CONCERNING,
            Tone::Neutral => COLOUR_NEUTRAL,
        }
    }

    /// How the tone is written in text, e.g. "improving".
    pub fn describe(self) -> &'static str {
        match self {
            Tone::Improving => "improving",
            Tone::Concerning => "concerning",
            Tone::Neutral => "neither improving nor concerning",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChartPoint {
    /// Axis label, e.g. "2025-26 Q1".
    pub label: String,
    /// None = no value (missing or suppressed): a gap in the line, noted in the text alternative.
    pub value: Option<f64>,
    /// Some when this point is part of a special-cause pattern.
    pub special_cause: Option<Tone>,
}

impl ChartPoint {
    /// A point with a value (or none) and no special cause.
    pub fn new(label: impl Into<String>, value: Option<f64>) -> Self {
        ChartPoint {
            label: label.into(),
            value,
            special_cause: None,
        }
    }

    /// The value if it is present and finite.
    pub(crate) fn finite_value(&self) -> Option<f64> {
        self.value.filter(|v| v.is_finite())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpcChart {
    pub title: String,
    /// How values are written, e.g. "%" → "86%", "" → "36", " per 10,000" → "72 per 10,000".
    pub unit_suffix: String,
    /// Decimal places shown.
    pub decimals: usize,
    pub points: Vec<ChartPoint>,
    pub mean: Option<f64>,
    pub upper_limit: Option<f64>,
    pub lower_limit: Option<f64>,
    pub target: Option<f64>,
    /// Said in the text alternative after the mean and limits, e.g. which points they leave
    /// out (small counts that are not published).
    pub limits_note: Option<String>,
}

impl SpcChart {
    /// Formats a value the way this chart writes values.
    pub fn format(&self, value: f64) -> String {
        format_value(value, self.decimals, &self.unit_suffix)
    }
}

#[cfg(test)]
mod tests;
