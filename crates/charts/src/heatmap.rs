//! Risk heat maps: a 5 × 5 grid of likelihood (rows, 5 at the top) by impact (columns, 1 at the
//! left), each cell shaded by its band and showing how many risks sit in it.

use crate::format::{escape, id_base, num, open_svg, plural};

/// Likelihood and impact run from 1 to 5.
pub const HEAT_MAP_SIZE: usize = 5;

/// A cell's shade: the rating band its score falls in. The fills are the GOV.UK tag colours
/// (green, yellow, orange, red; very high a deeper red so it stands apart from high), pale
/// enough for black text, so the map matches the tags beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeatTone {
    Low,
    Medium,
    High,
    VeryHigh,
}

impl HeatTone {
    pub const ALL: [HeatTone; 4] = [
        HeatTone::Low,
        HeatTone::Medium,
        HeatTone::High,
        HeatTone::VeryHigh,
    ];

    pub fn fill(self) -> &'static str {
        match self {
            HeatTone::Low => "#cce2d8",
            HeatTone::Medium => "#fff7bf",
            HeatTone::High => "#fcd6c3",
            HeatTone::VeryHigh => "#e8998d",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            HeatTone::Low => "Low",
            HeatTone::Medium => "Medium",
            HeatTone::High => "High",
            HeatTone::VeryHigh => "Very high",
        }
    }
}

/// What to draw. `counts[likelihood - 1][impact - 1]`; `tone(likelihood, impact)` shades a cell.
pub struct HeatMap<'a> {
    pub title: &'a str,
    pub counts: [[u32; HEAT_MAP_SIZE]; HEAT_MAP_SIZE],
    pub tone: &'a dyn Fn(u8, u8) -> HeatTone,
}

const CELL_W: f64 = 96.0;
const CELL_H: f64 = 64.0;
/// Room on the left for the axis title and the row numbers.
const LEFT: f64 = 64.0;
const TOP: f64 = 8.0;
/// Room below the grid for column numbers, the axis title and the legend.
const BOTTOM: f64 = 96.0;

/// The heat map as an accessible inline SVG: `<title>` and a `<desc>` from
/// [`heat_map_text_alternative`]; presentation attributes only (no styles), so it passes a
/// strict Content-Security-Policy. Show the counts as a table beneath it too.
pub fn heat_map_svg(map: &HeatMap<'_>, id_prefix: &str) -> String {
    let id = id_base(id_prefix);
    let title = if map.title.trim().is_empty() {
        "Heat map"
    } else {
        map.title.trim()
    };
    let desc = heat_map_text_alternative(&map.counts);
    let grid = CELL_W * HEAT_MAP_SIZE as f64;
    let width = LEFT + grid + 8.0;
    let height = TOP + CELL_H * HEAT_MAP_SIZE as f64 + BOTTOM;
    let mut out = String::with_capacity(6000);
    open_svg(&mut out, width, height, &id, title, &desc);
    for likelihood in 1..=HEAT_MAP_SIZE as u8 {
        // Likelihood 5 is the top row.
        let y = TOP + CELL_H * (HEAT_MAP_SIZE as f64 - f64::from(likelihood));
        w!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{likelihood}</text>",
            num(LEFT - 14.0),
            num(y + CELL_H / 2.0 + 5.0)
        );
        for impact in 1..=HEAT_MAP_SIZE as u8 {
            let x = LEFT + CELL_W * f64::from(impact - 1);
            let count = map.counts[usize::from(likelihood - 1)][usize::from(impact - 1)];
            let tone = (map.tone)(likelihood, impact);
            w!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"2\"/>",
                num(x),
                num(y),
                num(CELL_W),
                num(CELL_H),
                tone.fill()
            );
            if count > 0 {
                w!(
                    out,
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"22\" font-weight=\"bold\">{count}</text>",
                    num(x + CELL_W / 2.0),
                    num(y + CELL_H / 2.0 + 8.0)
                );
            }
        }
    }
    let below = TOP + CELL_H * HEAT_MAP_SIZE as f64;
    for impact in 1..=HEAT_MAP_SIZE as u8 {
        w!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{impact}</text>",
            num(LEFT + CELL_W * (f64::from(impact) - 0.5)),
            num(below + 20.0)
        );
    }
    w!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\">Impact</text>",
        num(LEFT + grid / 2.0),
        num(below + 42.0)
    );
    let middle = TOP + CELL_H * HEAT_MAP_SIZE as f64 / 2.0;
    w!(
        out,
        "<text x=\"16\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\" transform=\"rotate(-90 16 {})\">Likelihood</text>",
        num(middle),
        num(middle)
    );
    // The legend: one swatch per band.
    let mut x = LEFT;
    let legend_y = below + 62.0;
    for tone in HeatTone::ALL {
        w!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"18\" height=\"18\" fill=\"{}\" stroke=\"#505a5f\"/>\
             <text x=\"{}\" y=\"{}\">{}</text>",
            num(x),
            num(legend_y),
            tone.fill(),
            num(x + 24.0),
            num(legend_y + 14.0),
            escape(tone.label())
        );
        x += 120.0;
    }
    out.push_str("</svg>");
    out
}

/// The text alternative: the total and every cell that holds a risk, highest score first.
pub fn heat_map_text_alternative(counts: &[[u32; HEAT_MAP_SIZE]; HEAT_MAP_SIZE]) -> String {
    let total: u32 = counts.iter().flatten().sum();
    if total == 0 {
        return "Heat map of likelihood by impact: no risks.".to_owned();
    }
    let mut cells: Vec<(u8, u8, u32)> = Vec::new();
    for (l, row) in counts.iter().enumerate() {
        for (i, count) in row.iter().enumerate() {
            if *count > 0 {
                cells.push((l as u8 + 1, i as u8 + 1, *count));
            }
        }
    }
    cells.sort_by(|a, b| {
        (b.0 * b.1)
            .cmp(&(a.0 * a.1))
            .then(b.0.cmp(&a.0))
            .then(b.1.cmp(&a.1))
    });
    let items: Vec<String> = cells
        .iter()
        .map(|(l, i, count)| format!("likelihood {l}, impact {i}: {count}"))
        .collect();
    format!(
        "Heat map of likelihood by impact: {}. {}.",
        plural(total as usize, "risk", "risks"),
        items.join("; ")
    )
}
