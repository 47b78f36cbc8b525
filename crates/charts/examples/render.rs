//! Renders example charts to /tmp/charts-example-*.svg for a visual check:
//! `cargo run -p masa-charts --example render`.

use masa_charts::{
    ChartPoint, SpcChart, Tone, bar_chart_svg, sparkline_svg, spc_chart_svg, text_alternative,
};

/// Quarter labels from 2023-24 Q1 onwards.
fn quarters(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("{}-{:02} Q{}", 2023 + i / 4, (24 + i / 4) % 100, i % 4 + 1))
        .collect()
}

/// An XmR chart: mean, limits at 2.66 × the mean moving range, and points beyond
/// the limits marked as special cause (which side is better given by `higher_is_better`).
fn xmr(
    title: &str,
    unit: &str,
    values: &[Option<f64>],
    target: Option<f64>,
    higher_is_better: bool,
) -> SpcChart {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let mean = present.iter().sum::<f64>() / present.len() as f64;
    let ranges: Vec<f64> = present.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let mr = ranges.iter().sum::<f64>() / ranges.len() as f64;
    let (lower, upper) = (mean - 2.66 * mr, mean + 2.66 * mr);
    let points = quarters(values.len())
        .into_iter()
        .zip(values)
        .map(|(label, &value)| {
            let special_cause = value.and_then(|v| match (v > upper, v < lower) {
                (true, _) => Some(if higher_is_better {
                    Tone::Improving
                } else {
                    Tone::Concerning
                }),
                (_, true) => Some(if higher_is_better {
                    Tone::Concerning
                } else {
                    Tone::Improving
                }),
                _ => None,
            });
            ChartPoint {
                label,
                value,
                special_cause,
            }
        })
        .collect();
    SpcChart {
        title: title.to_string(),
        unit_suffix: unit.to_string(),
        decimals: 0,
        points,
        mean: Some(mean),
        upper_limit: Some(upper),
        lower_limit: Some(lower.max(0.0)),
        target,
        limits_note: None,
    }
}

fn main() -> std::io::Result<()> {
    let rhi = [
        36.0, 41.0, 39.0, 45.0, 52.0, 58.0, 63.0, 69.0, 74.0, 79.0, 83.0, 86.0,
    ]
    .map(Some);
    let rhi = xmr(
        "Return home interviews offered within 72 hours",
        "%",
        &rhi,
        Some(75.0),
        true,
    );
    let missing = [
        Some(96.0),
        Some(91.0),
        Some(88.0),
        Some(84.0),
        None,
        Some(75.0),
        Some(66.0),
        Some(60.0),
        Some(52.0),
        Some(47.0),
        Some(41.0),
        Some(36.0),
    ];
    let missing = xmr(
        "Missing episodes <children looked after> & others",
        "",
        &missing,
        None,
        false,
    );
    let themes: Vec<(String, f64)> = [
        ("Information sharing between agencies", 14.0),
        ("Voice of the child", 11.0),
        ("Professional curiosity", 9.0),
        ("Escalation and challenge when partners disagree about thresholds for statutory intervention", 6.0),
        ("Neglect", 3.0),
    ]
    .into_iter()
    .map(|(l, v)| (l.to_string(), v))
    .collect();

    let spark_values: Vec<Option<f64>> = missing.points.iter().map(|p| p.value).collect();
    let files = [
        ("rhi", spc_chart_svg(&rhi, "rhi")),
        ("missing", spc_chart_svg(&missing, "missing")),
        (
            "themes",
            bar_chart_svg("Themes across learning reviews, 2025-26", &themes, "themes"),
        ),
        (
            "sparkline",
            sparkline_svg(&spark_values, "Missing episodes: 96 to 36"),
        ),
    ];
    for (name, svg) in files {
        let path = format!("/tmp/charts-example-{name}.svg");
        std::fs::write(&path, svg)?;
        println!("wrote {path}");
    }
    println!("{}", text_alternative(&rhi));
    println!("{}", text_alternative(&missing));
    Ok(())
}
