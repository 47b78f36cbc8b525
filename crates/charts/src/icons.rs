//! Variation and assurance icons in the style of NHS England's "Making Data Count":
//! a circle with a thick coloured ring and a pale fill, with a tiny run of dots
//! (variation) or a letter (assurance) inside. Each is a 36×36 inline SVG with
//! role="img" and an aria-label.

use crate::format::{escape, num};
use crate::{
    COLOUR_CONCERNING, COLOUR_IMPROVING, COLOUR_NEITHER, COLOUR_NEUTRAL, COLOUR_TARGET, FONT_FAMILY,
};

const SIZE: f64 = 36.0;
const CENTRE: f64 = SIZE / 2.0;
/// The ring's radius (to the middle of its stroke) and stroke width.
const RING_RADIUS: f64 = 15.5;
const RING_WIDTH: f64 = 3.0;
/// Horizontal positions of the dots in a variation icon.
const DOT_X: [f64; 6] = [8.0, 12.0, 16.0, 20.0, 24.0, 28.0];
const DOT_RADIUS: f64 = 1.8;
/// How many of the dots (from the right) are coloured as special cause.
const SPECIAL_DOTS: usize = 3;

/// The MDC variation icons: what the latest point of a series shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariationIcon {
    /// Grey: ordinary variation of a stable process.
    CommonCause,
    /// Blue, "H": special cause, higher, and higher is better.
    ImprovingHigh,
    /// Blue, "L": special cause, lower, and lower is better.
    ImprovingLow,
    /// Orange, "H": special cause, higher, and higher is worse.
    ConcerningHigh,
    /// Orange, "L": special cause, lower, and lower is worse.
    ConcerningLow,
    /// Purple, "H": special cause, higher, with no better direction.
    NeitherHigh,
    /// Purple, "L": special cause, lower, with no better direction.
    NeitherLow,
}

/// The MDC assurance icons: whether the process can be relied on to meet its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssuranceIcon {
    /// Blue, "P".
    ConsistentlyPasses,
    /// Orange, "F".
    ConsistentlyFails,
    /// Grey, a wavy line crossing the (dashed) target line.
    HitAndMiss,
}

/// The pale fill that goes with a ring colour (about a 15% tint on white).
fn pale(colour: &str) -> &'static str {
    match colour {
        COLOUR_IMPROVING => "#ddeaf4",
        COLOUR_CONCERNING => "#fdebe1",
        COLOUR_NEITHER => "#e4dfea",
        _ => "#eceded",
    }
}

/// Opens the icon's `<svg>` and draws its ring; the caller writes the rest and `</svg>`.
fn open_icon(out: &mut String, colour: &str, label: &str) {
    w!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {s} {s}\" width=\"{s}\" height=\"{s}\" \
         role=\"img\" aria-label=\"{}\">\
         <circle cx=\"{c}\" cy=\"{c}\" r=\"{}\" fill=\"{}\" stroke=\"{colour}\" stroke-width=\"{}\"/>",
        escape(label),
        num(RING_RADIUS),
        pale(colour),
        num(RING_WIDTH),
        s = num(SIZE),
        c = num(CENTRE),
    );
}

/// A bold letter in the ring colour, centred horizontally with its baseline at `y`.
fn letter(out: &mut String, text: &str, y: f64, font_size: f64, colour: &str) {
    w!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-family=\"{FONT_FAMILY}\" \
         font-size=\"{}\" font-weight=\"bold\" fill=\"{colour}\">{}</text>",
        num(CENTRE),
        num(y),
        num(font_size),
        escape(text)
    );
}

/// A small MDC-style variation icon (36×36) with role="img" and `label` as its aria-label:
/// a run of dots inside a coloured ring, the last few coloured and rising (or falling) for a
/// special cause, with "H" above or "L" below for the side.
pub fn variation_icon_svg(icon: VariationIcon, label: &str) -> String {
    use VariationIcon::*;
    // (ring colour, Some(true) = high / Some(false) = low / None = common cause)
    let (colour, high) = match icon {
        CommonCause => (COLOUR_NEUTRAL, None),
        ImprovingHigh => (COLOUR_IMPROVING, Some(true)),
        ImprovingLow => (COLOUR_IMPROVING, Some(false)),
        ConcerningHigh => (COLOUR_CONCERNING, Some(true)),
        ConcerningLow => (COLOUR_CONCERNING, Some(false)),
        NeitherHigh => (COLOUR_NEITHER, Some(true)),
        NeitherLow => (COLOUR_NEITHER, Some(false)),
    };
    // Heights for a rise in the lower half; a fall is the mirror image in the upper half.
    const RISE: [f64; 6] = [24.5, 23.5, 25.0, 22.0, 20.0, 17.5];
    const WAVE: [f64; 6] = [19.0, 16.5, 19.5, 17.0, 19.5, 17.5];
    let ys: [f64; 6] = match high {
        None => WAVE,
        Some(true) => RISE,
        Some(false) => RISE.map(|y| SIZE - y),
    };

    let mut out = String::with_capacity(1024);
    open_icon(&mut out, colour, label);
    out.push_str("<path d=\"");
    for (k, (x, y)) in DOT_X.iter().zip(ys).enumerate() {
        w!(
            out,
            "{}{},{}",
            if k == 0 { "M" } else { "L" },
            num(*x),
            num(y)
        );
    }
    w!(
        out,
        "\" fill=\"none\" stroke=\"{COLOUR_NEUTRAL}\" stroke-width=\"1\" stroke-linejoin=\"round\"/>"
    );
    for (k, (x, y)) in DOT_X.iter().zip(ys).enumerate() {
        let special = high.is_some() && k >= DOT_X.len() - SPECIAL_DOTS;
        w!(
            out,
            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\"/>",
            num(*x),
            num(y),
            num(DOT_RADIUS),
            if special { colour } else { COLOUR_NEUTRAL }
        );
    }
    match high {
        Some(true) => letter(&mut out, "H", 14.5, 12.0, colour),
        Some(false) => letter(&mut out, "L", 30.5, 12.0, colour),
        None => {}
    }
    out.push_str("</svg>");
    out
}

/// A small MDC-style assurance icon (36×36) with role="img" and `label` as its aria-label:
/// "P" in blue, "F" in orange, or for hit and miss a wavy grey line crossing a dashed target line.
pub fn assurance_icon_svg(icon: AssuranceIcon, label: &str) -> String {
    let colour = match icon {
        AssuranceIcon::ConsistentlyPasses => COLOUR_IMPROVING,
        AssuranceIcon::ConsistentlyFails => COLOUR_CONCERNING,
        AssuranceIcon::HitAndMiss => COLOUR_NEUTRAL,
    };
    let mut out = String::with_capacity(768);
    open_icon(&mut out, colour, label);
    match icon {
        AssuranceIcon::ConsistentlyPasses => letter(&mut out, "P", 24.5, 18.0, colour),
        AssuranceIcon::ConsistentlyFails => letter(&mut out, "F", 24.5, 18.0, colour),
        AssuranceIcon::HitAndMiss => {
            let half_wave = 5.5;
            let start = CENTRE - 2.0 * half_wave;
            w!(
                out,
                "<path d=\"M{},{c}Q{},{} {},{c}",
                num(start),
                num(start + half_wave / 2.0),
                num(CENTRE - 9.0),
                num(start + half_wave),
                c = num(CENTRE)
            );
            for k in 2..=4 {
                w!(
                    out,
                    "T{},{}",
                    num(start + k as f64 * half_wave),
                    num(CENTRE)
                );
            }
            w!(
                out,
                "\" fill=\"none\" stroke=\"{COLOUR_NEUTRAL}\" stroke-width=\"2\" \
                 stroke-linecap=\"round\"/>"
            );
            // The target, dashed as on the SPC chart, over the process wandering either side of it.
            w!(
                out,
                "<line x1=\"6.5\" y1=\"{c}\" x2=\"29.5\" y2=\"{c}\" stroke=\"{COLOUR_TARGET}\" \
                 stroke-width=\"2\" stroke-dasharray=\"3 1.5\"/>",
                c = num(CENTRE)
            );
        }
    }
    out.push_str("</svg>");
    out
}
