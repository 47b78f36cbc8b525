//! Writes the fixture report (crates/typst/tests/fixtures/report.json with a real bar chart and
//! figures.json attached) to a PDF, and prints how long the render took:
//! `cargo run -p masa-typst --example fixture -- /tmp/report.pdf` (used by scripts/check-pdf-ua.sh).

use std::time::Instant;

const FIXTURE: &str = include_str!("../tests/fixtures/report.json");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "masa-typst-fixture.pdf".to_string());
    let svg = masa_charts::bar_chart_svg(
        "Themes across reviews",
        &[
            ("Neglect".to_string(), 5.0),
            ("Domestic abuse".to_string(), 4.0),
            ("Mental health".to_string(), 2.0),
        ],
        "chart-8-1",
    );
    let report: serde_json::Value = serde_json::from_str(FIXTURE)?;
    let figures = serde_json::to_vec(&report["appendix"])?;
    let at = time::macros::datetime!(2026-12-07 14:00:00 UTC);
    for round in ["first (fonts loaded)", "second"] {
        let started = Instant::now();
        let pdf = masa_typst::render_report(
            FIXTURE.as_bytes(),
            &[("chart-8-1.svg", svg.as_bytes())],
            &[("figures.json", &figures)],
            at,
            "masa-typst-fixture",
        )?;
        eprintln!(
            "{round} render: {:?}, {} bytes",
            started.elapsed(),
            pdf.len()
        );
        std::fs::write(&out, &pdf)?;
    }
    eprintln!("wrote {out}");
    Ok(())
}
