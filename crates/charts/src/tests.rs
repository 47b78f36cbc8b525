use super::*;

// ---------------------------------------------------------------------------
// A tiny XML well-formedness checker (no XML crate): balanced tags, one root,
// quoted attributes without raw `<`, no duplicate attributes, and every `&`
// starting a known entity or a character reference.
// ---------------------------------------------------------------------------

#[derive(Debug)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    /// The text directly inside the element (only filled for leaf text).
    text: String,
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn check_entities(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(pos) = rest.find('&') {
        let after = &rest[pos + 1..];
        let end = after
            .find(';')
            .ok_or_else(|| format!("unterminated entity in {text:?}"))?;
        let entity = &after[..end];
        let ok = matches!(entity, "amp" | "lt" | "gt" | "quot" | "apos")
            || entity
                .strip_prefix("#x")
                .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
            || entity
                .strip_prefix('#')
                .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
        if !ok {
            return Err(format!("bad entity &{entity}; in {text:?}"));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.')
}

/// Parses `xml`, returning every element in document order, or what is wrong.
fn parse_xml(xml: &str) -> Result<Vec<Element>, String> {
    let mut elements: Vec<Element> = Vec::new();
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut roots = 0;
    let mut i = 0;
    while i < xml.len() {
        let rest = &xml[i..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            let end = comment.find("-->").ok_or("unterminated comment")?;
            i += 4 + end + 3;
        } else if let Some(closing) = rest.strip_prefix("</") {
            let end = closing.find('>').ok_or("unterminated end tag")?;
            let name = closing[..end].trim_end();
            match stack.pop() {
                Some((open, _)) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            i += 2 + end + 1;
        } else if let Some(tag) = rest.strip_prefix('<') {
            if stack.is_empty() {
                roots += 1;
                if roots > 1 {
                    return Err("more than one root element".into());
                }
            }
            let name: String = tag.chars().take_while(|&c| is_name_char(c)).collect();
            if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
                return Err(format!("bad tag name at {:?}", &rest[..rest.len().min(30)]));
            }
            let mut j = name.len();
            let mut attrs: Vec<(String, String)> = Vec::new();
            let self_closing = loop {
                let t = &tag[j..];
                let trimmed = t.trim_start();
                j += t.len() - trimmed.len();
                if trimmed.starts_with("/>") {
                    j += 2;
                    break true;
                }
                if trimmed.starts_with('>') {
                    j += 1;
                    break false;
                }
                if j > 0 && !tag[..j].ends_with(char::is_whitespace) {
                    return Err(format!("attributes of <{name}> not separated by space"));
                }
                let attr: String = trimmed.chars().take_while(|&c| is_name_char(c)).collect();
                if attr.is_empty() {
                    return Err(format!(
                        "bad attribute in <{name}>: {:?}",
                        &trimmed[..trimmed.len().min(30)]
                    ));
                }
                let after = &trimmed[attr.len()..];
                let quote = after
                    .strip_prefix('=')
                    .and_then(|a| a.chars().next())
                    .filter(|&q| q == '"' || q == '\'');
                let Some(quote) = quote else {
                    return Err(format!("unquoted attribute {attr} in <{name}>"));
                };
                let value_start = attr.len() + 2;
                let value_len = trimmed[value_start..]
                    .find(quote)
                    .ok_or("unterminated attribute value")?;
                let value = &trimmed[value_start..value_start + value_len];
                if value.contains('<') {
                    return Err(format!("raw < in attribute {attr}"));
                }
                check_entities(value)?;
                if attrs.iter().any(|(n, _)| *n == attr) {
                    return Err(format!("duplicate attribute {attr} in <{name}>"));
                }
                attrs.push((attr, value.to_string()));
                j += value_start + value_len + 1;
            };
            elements.push(Element {
                name: name.clone(),
                attrs,
                text: String::new(),
            });
            if !self_closing {
                stack.push((name, elements.len() - 1));
            }
            i += 1 + j;
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let text = &rest[..end];
            if text.contains('>') {
                return Err(format!("raw > in text {text:?}"));
            }
            check_entities(text)?;
            match stack.last() {
                Some(&(_, index)) => elements[index].text.push_str(text),
                None if text.trim().is_empty() => {}
                None => return Err(format!("text outside the root: {text:?}")),
            }
            i += end;
        }
    }
    if let Some((open, _)) = stack.pop() {
        return Err(format!("<{open}> never closed"));
    }
    if roots != 1 {
        return Err("no root element".into());
    }
    Ok(elements)
}

/// Checks everything every chart must satisfy, returning its elements.
fn check_svg(svg: &str) -> Vec<Element> {
    let elements = parse_xml(svg).unwrap_or_else(|e| panic!("not well-formed: {e}\n{svg}"));
    assert_eq!(elements[0].name, "svg");
    assert_eq!(
        elements[0].attr("xmlns"),
        Some("http://www.w3.org/2000/svg")
    );
    assert_eq!(elements[0].attr("role"), Some("img"));
    assert!(elements[0].attr("viewBox").is_some(), "no viewBox");
    // Strict CSP: no inline styles, no style elements, no scripts, no event handlers.
    assert!(!svg.contains("style="), "style attribute in {svg}");
    for e in &elements {
        assert!(
            !matches!(e.name.as_str(), "style" | "script" | "foreignObject"),
            "<{}> element",
            e.name
        );
        assert!(
            e.attrs
                .iter()
                .all(|(n, _)| !n.starts_with("on") && n != "style"),
            "attribute on <{}>",
            e.name
        );
        // Numbers are kept to at most one decimal place.
        for (n, v) in &e.attrs {
            if matches!(
                n.as_str(),
                "x" | "y"
                    | "x1"
                    | "x2"
                    | "y1"
                    | "y2"
                    | "cx"
                    | "cy"
                    | "r"
                    | "width"
                    | "height"
                    | "d"
                    | "viewBox"
            ) {
                for number in v.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
                    if let Some((_, frac)) = number.split_once('.') {
                        assert!(
                            frac.len() <= 1,
                            "{n}=\"{v}\" has more than one decimal place"
                        );
                    }
                }
            }
        }
    }
    // aria-labelledby points at a <title> and a <desc> inside it.
    if let Some(labelled_by) = elements[0].attr("aria-labelledby") {
        let ids: Vec<&str> = labelled_by.split_whitespace().collect();
        assert_eq!(ids.len(), 2, "{labelled_by}");
        let with_id = |id: &str| elements.iter().find(|e| e.attr("id") == Some(id));
        let title = with_id(ids[0]).unwrap_or_else(|| panic!("no element with id {}", ids[0]));
        let desc = with_id(ids[1]).unwrap_or_else(|| panic!("no element with id {}", ids[1]));
        assert_eq!(title.name, "title");
        assert_eq!(desc.name, "desc");
        assert!(!title.text.trim().is_empty() && !desc.text.trim().is_empty());
        assert_eq!(elements[1].name, "title", "<title> should come first");
    } else {
        assert!(
            elements[0].attr("aria-label").is_some(),
            "no accessible name"
        );
    }
    elements
}

fn count(elements: &[Element], name: &str) -> usize {
    elements.iter().filter(|e| e.name == name).count()
}

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

fn quarter(i: usize) -> String {
    format!("{}-{:02} Q{}", 2023 + i / 4, (24 + i / 4) % 100, i % 4 + 1)
}

fn return_home_interviews() -> SpcChart {
    let values = [
        36.0, 41.0, 39.0, 45.0, 52.0, 58.0, 63.0, 69.0, 74.0, 79.0, 83.0, 86.0,
    ];
    SpcChart {
        title: "Return home interviews within 72 hours".into(),
        unit_suffix: "%".into(),
        decimals: 0,
        points: values
            .iter()
            .enumerate()
            .map(|(i, &v)| ChartPoint {
                label: quarter(i),
                value: Some(v),
                special_cause: match i {
                    0..=3 => Some(Tone::Concerning),
                    8.. => Some(Tone::Improving),
                    _ => None,
                },
            })
            .collect(),
        mean: Some(60.4),
        upper_limit: Some(73.5),
        lower_limit: Some(47.4),
        target: Some(75.0),
        limits_note: None,
    }
}

fn missing_episodes() -> SpcChart {
    let values = [
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
    SpcChart {
        title: "Missing episodes".into(),
        unit_suffix: String::new(),
        decimals: 0,
        points: values
            .iter()
            .enumerate()
            .map(|(i, &v)| ChartPoint::new(quarter(i), v))
            .collect(),
        mean: Some(66.9),
        upper_limit: Some(82.9),
        lower_limit: Some(50.9),
        target: None,
        limits_note: None,
    }
}

fn empty_chart() -> SpcChart {
    SpcChart {
        title: "Nothing yet".into(),
        unit_suffix: "%".into(),
        decimals: 0,
        points: vec![],
        mean: None,
        upper_limit: None,
        lower_limit: None,
        target: None,
        limits_note: None,
    }
}

const HOSTILE: &str = "<script>alert('x')</script> & \"quotes\"";

// ---------------------------------------------------------------------------
// escape and format_value
// ---------------------------------------------------------------------------

#[test]
fn escape_replaces_markup_characters() {
    assert_eq!(
        escape("a < b & c > \"d\" 'e'"),
        "a &lt; b &amp; c &gt; &quot;d&quot; &#39;e&#39;"
    );
    assert_eq!(escape("<script>"), "&lt;script&gt;");
    assert_eq!(escape("plain £ text – ok"), "plain £ text – ok");
    assert_eq!(escape("bell\u{7}null\u{0}"), "bellnull");
    assert_eq!(escape(""), "");
}

#[test]
fn format_value_cases() {
    assert_eq!(format_value(86.0, 0, "%"), "86%");
    assert_eq!(format_value(36.0, 0, ""), "36");
    assert_eq!(format_value(72.0, 0, " per 10,000"), "72 per 10,000");
    assert_eq!(format_value(1234.5, 1, "%"), "1,234.5%");
    assert_eq!(format_value(1234.0, 0, ""), "1,234");
    assert_eq!(format_value(999.0, 0, ""), "999");
    assert_eq!(format_value(1_000_000.0, 0, ""), "1,000,000");
    assert_eq!(format_value(123_456.789, 2, ""), "123,456.79");
    assert_eq!(format_value(999.96, 1, ""), "1,000.0");
    assert_eq!(format_value(-1234.5, 1, "%"), "-1,234.5%");
    assert_eq!(format_value(-0.04, 1, ""), "0.0");
    assert_eq!(format_value(0.0, 2, "%"), "0.00%");
    assert_eq!(format_value(86.36, 1, "%"), "86.4%");
    assert_eq!(format_value(2.5, 0, ""), "3", "halves round away from zero");
    assert_eq!(format_value(-2.5, 0, ""), "-3");
    assert_eq!(format_value(0.125, 2, ""), "0.13");
    assert_eq!(format_value(f64::NAN, 0, "%"), "no value");
    assert_eq!(format_value(f64::INFINITY, 0, ""), "no value");
}

// ---------------------------------------------------------------------------
// Ticks
// ---------------------------------------------------------------------------

#[test]
fn nice_ticks_zero_to_96() {
    assert_eq!(
        nice_ticks(0.0, 96.0),
        vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    );
}

#[test]
fn nice_ticks_examples() {
    assert_eq!(nice_ticks(36.0, 86.0), vec![20.0, 40.0, 60.0, 80.0, 100.0]);
    assert_eq!(nice_ticks(0.0, 1.0), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
    assert_eq!(
        nice_ticks(0.0, 100.0),
        vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    );
    assert_eq!(
        nice_ticks(-12.0, 7.0),
        vec![-15.0, -10.0, -5.0, 0.0, 5.0, 10.0]
    );
    assert_eq!(
        nice_ticks(96.0, 0.0),
        nice_ticks(0.0, 96.0),
        "order does not matter"
    );
    assert_eq!(nice_ticks(0.0, 0.0), nice_ticks(0.0, 1.0));
    assert_eq!(nice_ticks(f64::NAN, 3.0), nice_ticks(0.0, 1.0));
    let flat = nice_ticks(50.0, 50.0);
    assert!(flat[0] < 50.0 && *flat.last().unwrap() > 50.0, "{flat:?}");
}

#[test]
fn nice_ticks_always_cover_the_range_with_four_to_six_even_ticks() {
    let ranges = [
        (0.0, 96.0),
        (36.0, 86.0),
        (47.4, 75.0),
        (0.0, 1.0),
        (0.31, 0.37),
        (1.0, 1_000_000.0),
        (-3.0, 3.0),
        (12_345.0, 12_350.0),
        (0.001, 0.0013),
        (99.0, 101.0),
        (5.0, 5.0),
        (-250.0, -10.0),
        (0.0, 7.0),
        (3.0, 97.0),
    ];
    for (lo, hi) in ranges {
        let ticks = nice_ticks(lo, hi);
        assert!((4..=6).contains(&ticks.len()), "{lo}–{hi}: {ticks:?}");
        assert!(
            ticks[0] <= lo && *ticks.last().unwrap() >= hi,
            "{lo}–{hi}: {ticks:?}"
        );
        let step = ticks[1] - ticks[0];
        for pair in ticks.windows(2) {
            assert!(
                ((pair[1] - pair[0]) - step).abs() < step * 1e-6,
                "{lo}–{hi}: {ticks:?}"
            );
        }
        let mantissa = step / 10f64.powf(step.log10().floor());
        assert!(
            [1.0, 2.0, 2.5, 5.0]
                .iter()
                .any(|m| (m - mantissa).abs() < 1e-6),
            "{lo}–{hi}: step {step} is not nice"
        );
    }
}

// ---------------------------------------------------------------------------
// SPC charts
// ---------------------------------------------------------------------------

#[test]
fn spc_chart_is_well_formed_and_accessible() {
    let svg = spc_chart_svg(&return_home_interviews(), "rhi");
    let elements = check_svg(&svg);
    let root = &elements[0];
    assert_eq!(root.attr("aria-labelledby"), Some("rhi-title rhi-desc"));
    assert_eq!(root.attr("width"), Some("100%"));
    assert_eq!(
        root.attr("font-family"),
        Some("GDS Transport, arial, sans-serif")
    );
    let title = elements.iter().find(|e| e.name == "title").unwrap();
    assert_eq!(title.text, "Return home interviews within 72 hours");
    let desc = elements.iter().find(|e| e.name == "desc").unwrap();
    assert_eq!(
        desc.text,
        escape(&text_alternative(&return_home_interviews()))
    );
}

#[test]
fn spc_chart_draws_ticks_reference_lines_and_dots() {
    let chart = return_home_interviews();
    let svg = spc_chart_svg(&chart, "rhi");
    let elements = check_svg(&svg);
    let texts: Vec<&str> = elements
        .iter()
        .filter(|e| e.name == "text")
        .map(|e| e.text.as_str())
        .collect();
    for tick in ["20%", "40%", "60%", "80%", "100%"] {
        assert!(texts.contains(&tick), "tick {tick} missing from {texts:?}");
    }
    // One dot per value, coloured by special cause, plus legend samples.
    let dots: Vec<&Element> = elements
        .iter()
        .filter(|e| e.name == "circle" && e.attr("stroke") == Some("#ffffff"))
        .collect();
    assert_eq!(dots.len(), 12);
    assert_eq!(
        dots.iter()
            .filter(|d| d.attr("fill") == Some("#f47738"))
            .count(),
        4
    );
    assert_eq!(
        dots.iter()
            .filter(|d| d.attr("fill") == Some("#1d70b8"))
            .count(),
        4
    );
    assert_eq!(
        dots.iter()
            .filter(|d| d.attr("fill") == Some("#0b0c0c"))
            .count(),
        4
    );
    // Target: dashed red; limits: dashed grey; mean: solid grey (each also in the legend).
    let lines = |stroke: &str, dashed: bool| {
        elements
            .iter()
            .filter(|e| e.name == "line" && e.attr("stroke") == Some(stroke))
            .filter(|e| e.attr("stroke-dasharray").is_some() == dashed)
            .count()
    };
    assert_eq!(lines("#d4351c", true), 2, "target line and legend sample");
    assert_eq!(lines("#d4351c", false), 0);
    assert_eq!(lines("#505a5f", true), 3, "two limits and a legend sample");
    assert!(
        lines("#505a5f", false) >= 2,
        "mean and legend sample (plus axis)"
    );
    for legend in [
        "Value",
        "Mean (60%)",
        "Process limits (47% to 74%)",
        "Target (75%)",
        "Special cause: improving",
    ] {
        assert!(
            texts.contains(&legend),
            "legend {legend} missing from {texts:?}"
        );
    }
    assert!(
        !texts.contains(&"Special cause: neutral"),
        "legend only lists tones in use"
    );
    // Every label is either drawn or thinned; the latest is always shown.
    assert!(texts.contains(&"2025-26 Q4"));
    // Hover titles on the dots.
    assert!(svg.contains("<title>2025-26 Q4: 86% (special cause: improving)</title>"));
}

#[test]
fn spc_chart_gaps_split_the_line() {
    let chart = missing_episodes();
    let elements = check_svg(&spc_chart_svg(&chart, "missing"));
    let paths: Vec<&Element> = elements.iter().filter(|e| e.name == "path").collect();
    assert_eq!(paths.len(), 2, "one path either side of the gap");
    assert_eq!(
        paths[0].attr("d").unwrap().matches('L').count(),
        3,
        "four points before the gap"
    );
    assert_eq!(
        paths[1].attr("d").unwrap().matches('L').count(),
        6,
        "seven points after it"
    );
    assert!(
        paths
            .iter()
            .all(|p| p.attr("d").unwrap().matches('M').count() == 1)
    );
    assert_eq!(
        count(&elements, "circle") - 1,
        11,
        "a dot per value, plus the legend's"
    );
    // An isolated value gets a dot but no path; a run of none gets nothing.
    let mut isolated = missing_episodes();
    for i in [1, 2, 3, 5] {
        isolated.points[i].value = None;
    }
    let elements = check_svg(&spc_chart_svg(&isolated, "isolated"));
    assert_eq!(count(&elements, "path"), 1);
}

#[test]
fn spc_chart_escapes_hostile_text() {
    let mut chart = return_home_interviews();
    chart.title = HOSTILE.into();
    chart.unit_suffix = "<b>".into();
    chart.points[0].label = HOSTILE.into();
    chart.points[11].label = "Q4 </text><script>".into();
    let svg = spc_chart_svg(&chart, "\"><script>");
    check_svg(&svg);
    assert!(!svg.contains("<script"), "{svg}");
    assert!(!svg.contains("<b>"));
    assert!(
        svg.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;")
    );
}

#[test]
fn spc_chart_ids_come_from_the_prefix() {
    let a = spc_chart_svg(&return_home_interviews(), "kpi-3");
    let b = spc_chart_svg(&return_home_interviews(), "kpi-4");
    assert!(a.contains("id=\"kpi-3-title\"") && a.contains("id=\"kpi-3-desc\""));
    assert!(b.contains("id=\"kpi-4-title\""));
    // Unsafe or unusual prefixes still make valid ids.
    let odd = spc_chart_svg(&return_home_interviews(), "3 my chart!");
    let elements = check_svg(&odd);
    assert_eq!(
        elements[0].attr("aria-labelledby"),
        Some("chart-3-my-chart--title chart-3-my-chart--desc")
    );
    check_svg(&spc_chart_svg(&return_home_interviews(), ""));
}

#[test]
fn spc_chart_with_no_points_says_no_data() {
    let svg = spc_chart_svg(&empty_chart(), "empty");
    let elements = check_svg(&svg);
    assert!(
        elements
            .iter()
            .any(|e| e.name == "text" && e.text == "No data")
    );
    assert!(
        elements
            .iter()
            .any(|e| e.name == "title" && e.text == "Nothing yet")
    );
    assert_eq!(count(&elements, "path"), 0);
}

#[test]
fn spc_chart_with_only_gaps_or_odd_values_still_renders() {
    let mut chart = missing_episodes();
    for p in &mut chart.points {
        p.value = None;
    }
    chart.mean = None;
    chart.upper_limit = None;
    chart.lower_limit = None;
    let elements = check_svg(&spc_chart_svg(&chart, "gaps"));
    assert!(
        elements
            .iter()
            .any(|e| e.name == "text" && e.text == "No values to show")
    );

    let mut odd = return_home_interviews();
    odd.points[3].value = Some(f64::NAN);
    odd.points[4].value = Some(f64::INFINITY);
    odd.mean = Some(f64::NAN);
    let elements = check_svg(&spc_chart_svg(&odd, "odd"));
    assert_eq!(count(&elements, "path"), 2, "non-finite values are gaps");

    let mut flat = return_home_interviews();
    for p in &mut flat.points {
        p.value = Some(50.0);
    }
    (flat.mean, flat.upper_limit, flat.lower_limit, flat.target) = (Some(50.0), None, None, None);
    check_svg(&spc_chart_svg(&flat, "flat"));

    let single = SpcChart {
        points: vec![ChartPoint::new("2025-26 Q1", Some(3.0))],
        ..empty_chart()
    };
    check_svg(&spc_chart_svg(&single, "single"));
}

#[test]
fn spc_chart_thins_crowded_axis_labels() {
    let points: Vec<ChartPoint> = (0..60)
        .map(|i| ChartPoint::new(format!("Month {i:02}"), Some((i % 7) as f64 * 3.5)))
        .collect();
    let chart = SpcChart {
        points,
        decimals: 1,
        unit_suffix: " per 10,000".into(),
        ..empty_chart()
    };
    let svg = spc_chart_svg(&chart, "monthly");
    let elements = check_svg(&svg);
    let labels: Vec<&str> = elements
        .iter()
        .filter(|e| e.name == "text" && e.text.starts_with("Month"))
        .map(|e| e.text.as_str())
        .collect();
    assert!(labels.len() < 15 && labels.len() >= 4, "{labels:?}");
    assert_eq!(labels.last(), Some(&"Month 59"));
    // A long suffix is left off the axis but used for values.
    assert!(svg.contains("<title>Month 01: 3.5 per 10,000</title>"));
    assert!(elements.iter().any(|e| e.name == "text" && e.text == "20"));
}

// ---------------------------------------------------------------------------
// Text alternative
// ---------------------------------------------------------------------------

#[test]
fn text_alternative_describes_the_series() {
    let text = text_alternative(&return_home_interviews());
    assert_eq!(
        text,
        "Line chart of 12 periods from 2023-24 Q1 to 2025-26 Q4. The first value was 36% (2023-24 Q1) \
         and the latest is 86% (2025-26 Q4). The mean is 60%, with process limits from 47% to 74%. \
         The target is 75%; the latest value is above it. 8 points show special cause variation: \
         4 improving and 4 concerning."
    );
}

#[test]
fn text_alternative_notes_gaps() {
    let text = text_alternative(&missing_episodes());
    assert!(
        text.contains("The first value was 96 (2023-24 Q1) and the latest is 36 (2025-26 Q4)."),
        "{text}"
    );
    assert!(
        text.contains("No points show special cause variation."),
        "{text}"
    );
    assert!(
        text.contains("There is no value for 1 period: 2024-25 Q1."),
        "{text}"
    );
    assert!(!text.contains("target"));

    let mut chart = missing_episodes();
    chart.points[11].value = None;
    chart.points[10].special_cause = Some(Tone::Improving);
    let text = text_alternative(&chart);
    assert!(
        text.contains("the latest is 41 (2025-26 Q3)"),
        "latest is the latest value: {text}"
    );
    assert!(
        text.contains("1 point shows special cause variation (improving)."),
        "{text}"
    );
    assert!(
        text.contains("no value for 2 periods: 2024-25 Q1 and 2025-26 Q4."),
        "{text}"
    );
}

#[test]
fn text_alternative_edge_cases() {
    assert_eq!(text_alternative(&empty_chart()), "No data.");
    let single = SpcChart {
        points: vec![ChartPoint::new("2025-26 Q1", Some(3.0))],
        ..empty_chart()
    };
    assert_eq!(
        text_alternative(&single),
        "Line chart of 1 period, 2025-26 Q1. The only value is 3% (2025-26 Q1). \
         No points show special cause variation."
    );
    let mut none = missing_episodes();
    for p in &mut none.points {
        p.value = None;
    }
    assert!(text_alternative(&none).contains("No values are available."));
    let mut on_target = return_home_interviews();
    on_target.target = Some(85.6);
    assert!(
        text_alternative(&on_target).contains("The target is 86%; the latest value is on target.")
    );
    let mut neutral = return_home_interviews();
    for p in &mut neutral.points {
        p.special_cause = None;
    }
    neutral.points[5].special_cause = Some(Tone::Neutral);
    neutral.points[6].special_cause = Some(Tone::Neutral);
    assert!(
        text_alternative(&neutral)
            .contains("2 points show special cause variation (neither improving nor concerning).")
    );
    let mut many_gaps = missing_episodes();
    for p in many_gaps.points.iter_mut().take(9) {
        p.value = None;
    }
    assert!(text_alternative(&many_gaps).contains("no value for 9 periods: "));
    assert!(text_alternative(&many_gaps).contains(" and 3 more."));
}

// ---------------------------------------------------------------------------
// Sparklines
// ---------------------------------------------------------------------------

#[test]
fn sparkline_is_small_labelled_and_marks_the_latest_point() {
    let values: Vec<Option<f64>> = [36.0, 41.0, 39.0, 86.0].map(Some).to_vec();
    let svg = sparkline_svg(&values, "Trend: 36% to 86%");
    let elements = check_svg(&svg);
    let root = &elements[0];
    assert_eq!(root.attr("aria-label"), Some("Trend: 36% to 86%"));
    assert_eq!(
        (root.attr("width"), root.attr("height")),
        (Some("120"), Some("30"))
    );
    assert_eq!(count(&elements, "path"), 1);
    let dots: Vec<&Element> = elements.iter().filter(|e| e.name == "circle").collect();
    assert_eq!(dots.len(), 1);
    assert_eq!(
        dots[0].attr("cx"),
        Some("116.5"),
        "the latest point is at the right"
    );
    assert_eq!(dots[0].attr("cy"), Some("3.5"), "and it is the highest");
}

#[test]
fn sparkline_gaps_and_edge_cases() {
    let svg = sparkline_svg(
        &[Some(1.0), Some(2.0), None, Some(3.0), Some(2.0), None],
        "gappy",
    );
    let elements = check_svg(&svg);
    assert_eq!(count(&elements, "path"), 2);
    assert_eq!(
        count(&elements, "circle"),
        1,
        "latest value marked even when followed by a gap"
    );

    let elements = check_svg(&sparkline_svg(
        &[Some(1.0), None, Some(2.0), None, Some(3.0), Some(4.0)],
        "isolated",
    ));
    assert_eq!(count(&elements, "path"), 1);
    assert_eq!(
        count(&elements, "circle"),
        3,
        "two isolated points and the latest"
    );

    for values in [vec![], vec![None, None]] {
        let svg = sparkline_svg(&values, "No trend");
        let elements = check_svg(&svg);
        assert!(
            elements
                .iter()
                .any(|e| e.name == "text" && e.text == "No data")
        );
    }
    check_svg(&sparkline_svg(&[Some(5.0)], "one"));
    check_svg(&sparkline_svg(&[Some(5.0), Some(5.0)], "flat"));

    let svg = sparkline_svg(&[Some(1.0), Some(2.0)], HOSTILE);
    check_svg(&svg);
    assert!(!svg.contains("<script"));
    assert!(svg.contains("aria-label=\"&lt;script&gt;"));
}

// ---------------------------------------------------------------------------
// Bar charts
// ---------------------------------------------------------------------------

fn themes() -> Vec<(String, f64)> {
    [
        ("Information sharing", 14.0),
        ("Voice of the child", 7.0),
        ("Neglect", 0.0),
    ]
    .into_iter()
    .map(|(l, v)| (l.to_string(), v))
    .collect()
}

#[test]
fn bar_chart_is_well_formed_with_counts() {
    let svg = bar_chart_svg("Themes across learning reviews", &themes(), "themes");
    let elements = check_svg(&svg);
    assert_eq!(
        elements[0].attr("aria-labelledby"),
        Some("themes-title themes-desc")
    );
    let desc = elements.iter().find(|e| e.name == "desc").unwrap();
    assert_eq!(
        desc.text,
        "Bar chart of 3 items. Information sharing: 14; Voice of the child: 7; Neglect: 0."
    );
    let rects: Vec<&Element> = elements.iter().filter(|e| e.name == "rect").collect();
    assert_eq!(rects.len(), 2, "no bar for zero");
    let width = |e: &Element| e.attr("width").unwrap().parse::<f64>().unwrap();
    assert!(
        (width(rects[0]) - 2.0 * width(rects[1])).abs() <= 0.2,
        "bars are proportional"
    );
    let texts: Vec<&str> = elements
        .iter()
        .filter(|e| e.name == "text")
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "Information sharing",
            "14",
            "Voice of the child",
            "7",
            "Neglect",
            "0"
        ]
    );
}

#[test]
fn bar_chart_wraps_long_labels_and_escapes() {
    let bars = vec![
        (format!("{HOSTILE} {}", "very long words ".repeat(12)), 3.5),
        ("x".repeat(200), 1.0),
        ("ok".to_string(), f64::NAN),
        ("negative".to_string(), -2.0),
    ];
    let svg = bar_chart_svg(HOSTILE, &bars, "bars");
    let elements = check_svg(&svg);
    assert!(!svg.contains("<script"));
    let texts = count(&elements, "text");
    assert!(
        texts > 2 * bars.len(),
        "long labels wrap onto more lines: {texts}"
    );
    assert!(
        svg.contains(">3.5<"),
        "fractional counts keep a decimal place"
    );
    assert!(svg.contains(">no value<"));
    assert_eq!(
        count(&elements, "rect"),
        2,
        "no bar for missing or negative counts"
    );
}

#[test]
fn bar_chart_with_no_bars_says_no_data() {
    let svg = bar_chart_svg("Themes", &[], "none");
    let elements = check_svg(&svg);
    assert!(
        elements
            .iter()
            .any(|e| e.name == "text" && e.text == "No data")
    );
    assert_eq!(bar_chart_text_alternative(&[]), "No data.");
}

// ---------------------------------------------------------------------------
// Variation and assurance icons
// ---------------------------------------------------------------------------

const VARIATION_ICONS: [VariationIcon; 7] = [
    VariationIcon::CommonCause,
    VariationIcon::ImprovingHigh,
    VariationIcon::ImprovingLow,
    VariationIcon::ConcerningHigh,
    VariationIcon::ConcerningLow,
    VariationIcon::NeitherHigh,
    VariationIcon::NeitherLow,
];

const ASSURANCE_ICONS: [AssuranceIcon; 3] = [
    AssuranceIcon::ConsistentlyPasses,
    AssuranceIcon::ConsistentlyFails,
    AssuranceIcon::HitAndMiss,
];

/// Checks an icon is a labelled 36×36 ring, returning its ring colour and its text.
fn check_icon(svg: &str, label: &str) -> (String, String) {
    let elements = check_svg(svg);
    let root = &elements[0];
    assert_eq!(root.attr("aria-label"), Some(label));
    assert_eq!(
        (
            root.attr("width"),
            root.attr("height"),
            root.attr("viewBox")
        ),
        (Some("36"), Some("36"), Some("0 0 36 36"))
    );
    let ring = &elements[1];
    assert_eq!(ring.name, "circle", "the ring is drawn first");
    assert_eq!(ring.attr("stroke-width"), Some("3"));
    assert_ne!(ring.attr("fill"), Some("none"), "the ring has a pale fill");
    assert_ne!(ring.attr("fill"), ring.attr("stroke"));
    let mut text = String::new();
    for e in elements.iter().filter(|e| e.name == "text") {
        assert_eq!(e.attr("font-family"), Some(FONT_FAMILY));
        text.push_str(&e.text);
    }
    (ring.attr("stroke").unwrap().to_string(), text)
}

#[test]
fn variation_icons_are_labelled_rings_coloured_by_kind() {
    let mut seen = Vec::new();
    for icon in VARIATION_ICONS {
        let label = format!("{icon:?}");
        let svg = variation_icon_svg(icon, &label);
        let (colour, text) = check_icon(&svg, &label);
        let elements = parse_xml(&svg).unwrap();
        assert_eq!(count(&elements, "path"), 1, "a line through the dots");
        assert_eq!(count(&elements, "circle"), 7, "the ring and six dots");
        seen.push((icon, colour, text));
    }
    let colour = |icon| &seen.iter().find(|s| s.0 == icon).unwrap().1;
    let text = |icon| seen.iter().find(|s| s.0 == icon).unwrap().2.as_str();
    assert_eq!(colour(VariationIcon::CommonCause), COLOUR_NEUTRAL);
    assert_eq!(colour(VariationIcon::ImprovingHigh), COLOUR_IMPROVING);
    assert_eq!(colour(VariationIcon::ImprovingLow), COLOUR_IMPROVING);
    assert_eq!(colour(VariationIcon::ConcerningHigh), COLOUR_CONCERNING);
    assert_eq!(colour(VariationIcon::ConcerningLow), COLOUR_CONCERNING);
    assert_eq!(colour(VariationIcon::NeitherHigh), COLOUR_NEITHER);
    assert_eq!(colour(VariationIcon::NeitherLow), COLOUR_NEITHER);
    let kinds: std::collections::BTreeSet<&String> = seen.iter().map(|s| &s.1).collect();
    assert_eq!(kinds.len(), 4, "a different colour for each kind");

    assert_eq!(text(VariationIcon::CommonCause), "");
    for icon in [
        VariationIcon::ImprovingHigh,
        VariationIcon::ConcerningHigh,
        VariationIcon::NeitherHigh,
    ] {
        assert_eq!(text(icon), "H", "{icon:?}");
    }
    for icon in [
        VariationIcon::ImprovingLow,
        VariationIcon::ConcerningLow,
        VariationIcon::NeitherLow,
    ] {
        assert_eq!(text(icon), "L", "{icon:?}");
    }

    // Special-cause dots take the ring colour; common cause is all grey.
    let dots = |icon| {
        let svg = variation_icon_svg(icon, "x");
        parse_xml(&svg)
            .unwrap()
            .into_iter()
            .filter(|e| e.name == "circle")
            .skip(1)
            .map(|e| e.attr("fill").unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(
        dots(VariationIcon::CommonCause)
            .iter()
            .all(|f| f == COLOUR_NEUTRAL)
    );
    let improving = dots(VariationIcon::ImprovingHigh);
    assert_eq!(improving.first().unwrap(), COLOUR_NEUTRAL);
    assert_eq!(improving.last().unwrap(), COLOUR_IMPROVING);
    assert_ne!(
        variation_icon_svg(VariationIcon::ImprovingHigh, "x"),
        variation_icon_svg(VariationIcon::ImprovingLow, "x"),
        "high rises, low falls"
    );
}

#[test]
fn assurance_icons_are_labelled_rings_coloured_by_kind() {
    let mut colours = Vec::new();
    for icon in ASSURANCE_ICONS {
        let label = format!("{icon:?}");
        let svg = assurance_icon_svg(icon, &label);
        let (colour, text) = check_icon(&svg, &label);
        match icon {
            AssuranceIcon::ConsistentlyPasses => {
                assert_eq!((colour.as_str(), text.as_str()), (COLOUR_IMPROVING, "P"))
            }
            AssuranceIcon::ConsistentlyFails => {
                assert_eq!((colour.as_str(), text.as_str()), (COLOUR_CONCERNING, "F"))
            }
            AssuranceIcon::HitAndMiss => {
                assert_eq!((colour.as_str(), text.as_str()), (COLOUR_NEUTRAL, ""));
                let elements = parse_xml(&svg).unwrap();
                assert_eq!(count(&elements, "path"), 1, "the wavy line");
                let target = elements.iter().find(|e| e.name == "line").unwrap();
                assert!(target.attr("stroke-dasharray").is_some());
            }
        }
        colours.push(colour);
    }
    colours.dedup();
    assert_eq!(colours.len(), 3, "a different colour for each kind");
}

#[test]
fn icons_escape_their_labels() {
    let svgs = VARIATION_ICONS
        .map(|icon| variation_icon_svg(icon, HOSTILE))
        .into_iter()
        .chain(ASSURANCE_ICONS.map(|icon| assurance_icon_svg(icon, HOSTILE)));
    for svg in svgs {
        check_icon(
            &svg,
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;",
        );
        assert!(!svg.contains("<script"));
        assert!(!svg.contains("style"), "no style attributes or elements");
    }
}

// ---------------------------------------------------------------------------
// The checker itself, and the rendered examples
// ---------------------------------------------------------------------------

#[test]
fn xml_checker_rejects_malformed_markup() {
    for bad in [
        "<svg><g></svg>",
        "<svg></g>",
        "<svg>a < b</svg>",
        "<svg>a & b</svg>",
        "<svg x=\"<\"/>",
        "<svg x=1/>",
        "<svg x=\"1\" x=\"2\"/>",
        "<svg/><svg/>",
        "<svg>&bogus;</svg>",
        "text<svg/>",
    ] {
        assert!(parse_xml(bad).is_err(), "accepted {bad}");
    }
    assert!(parse_xml("<svg a=\"1\" b='2'><!-- c --><g>&amp;&#39;&#x27;</g><h/></svg>").is_ok());
}

/// Writes the two example charts and the icons for a look (`rsvg-convert -w 1280 … -o ….png`).
#[test]
fn renders_example_charts() {
    let dir = std::env::temp_dir();
    for (name, svg) in [
        ("rhi", spc_chart_svg(&return_home_interviews(), "rhi")),
        ("missing", spc_chart_svg(&missing_episodes(), "missing")),
        (
            "heat-map",
            heat_map_svg(
                &HeatMap {
                    title: "Residual risk",
                    counts: register_counts(),
                    tone: &band,
                },
                "heat",
            ),
        ),
    ] {
        check_svg(&svg);
        std::fs::write(dir.join(format!("charts-example-test-{name}.svg")), svg).unwrap();
    }
    let icons = VARIATION_ICONS
        .map(|icon| (format!("{icon:?}"), variation_icon_svg(icon, "icon")))
        .into_iter()
        .chain(ASSURANCE_ICONS.map(|icon| (format!("{icon:?}"), assurance_icon_svg(icon, "icon"))));
    for (name, svg) in icons {
        check_svg(&svg);
        std::fs::write(dir.join(format!("charts-example-icon-{name}.svg")), svg).unwrap();
    }
}

// ---------------------------------------------------------------------------
// Heat maps
// ---------------------------------------------------------------------------

/// The common 5 × 5 bands by score: 1–4, 5–9, 10–16, 20–25.
fn band(likelihood: u8, impact: u8) -> HeatTone {
    match likelihood * impact {
        0..=4 => HeatTone::Low,
        5..=9 => HeatTone::Medium,
        10..=16 => HeatTone::High,
        _ => HeatTone::VeryHigh,
    }
}

fn register_counts() -> [[u32; 5]; 5] {
    let mut counts = [[0; 5]; 5];
    counts[3][4] = 2; // likelihood 4, impact 5
    counts[2][3] = 1; // likelihood 3, impact 4
    counts[0][1] = 3; // likelihood 1, impact 2
    counts
}

#[test]
fn heat_map_is_a_labelled_five_by_five_grid_with_counts() {
    let map = HeatMap {
        title: "Residual risk",
        counts: register_counts(),
        tone: &band,
    };
    let svg = heat_map_svg(&map, "risks");
    let elements = check_svg(&svg);
    assert_eq!(
        elements[0].attr("aria-labelledby"),
        Some("risks-title risks-desc")
    );
    let desc = elements.iter().find(|e| e.name == "desc").unwrap();
    assert_eq!(
        desc.text,
        "Heat map of likelihood by impact: 6 risks. likelihood 4, impact 5: 2; likelihood 3, impact 4: 1; likelihood 1, impact 2: 3."
    );
    // 25 cells and 4 legend swatches.
    assert_eq!(count(&elements, "rect"), 29);
    let rects: Vec<&Element> = elements.iter().filter(|e| e.name == "rect").collect();
    // The first cell drawn is likelihood 1, impact 1 (bottom left): low.
    assert_eq!(rects[0].attr("fill"), Some(HeatTone::Low.fill()));
    // Likelihood 5, impact 5 is the last cell: very high, at the top right.
    assert_eq!(rects[24].attr("fill"), Some(HeatTone::VeryHigh.fill()));
    assert_eq!(rects[24].attr("y"), Some("8"));
    let bold: Vec<&str> = elements
        .iter()
        .filter(|e| e.name == "text" && e.attr("font-size") == Some("22"))
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(bold, ["3", "1", "2"], "counts only in occupied cells");
    for label in ["Impact", "Likelihood", "Very high"] {
        assert!(elements.iter().any(|e| e.name == "text" && e.text == label));
    }
}

#[test]
fn heat_map_with_no_risks_and_hostile_title() {
    let map = HeatMap {
        title: HOSTILE,
        counts: [[0; 5]; 5],
        tone: &band,
    };
    let svg = heat_map_svg(&map, "9 bad id");
    let elements = check_svg(&svg);
    assert!(!svg.contains("<script"));
    assert!(
        elements[0]
            .attr("aria-labelledby")
            .unwrap()
            .starts_with("chart-9-bad-id")
    );
    assert_eq!(
        heat_map_text_alternative(&[[0; 5]; 5]),
        "Heat map of likelihood by impact: no risks."
    );
    let mut one = [[0; 5]; 5];
    one[4][4] = 1;
    assert_eq!(
        heat_map_text_alternative(&one),
        "Heat map of likelihood by impact: 1 risk. likelihood 5, impact 5: 1."
    );
}

#[test]
fn a_note_on_the_limits_follows_them_in_the_text() {
    let note = "The mean and process limits leave out the quarter shown as fewer than 5.";
    let chart = SpcChart {
        limits_note: Some(note.into()),
        ..return_home_interviews()
    };
    let text = text_alternative(&chart);
    let mean_at = text.find("The mean is").expect("a mean");
    assert!(text.find(note).is_some_and(|at| at > mean_at), "{text}");
    assert!(spc_chart_svg(&chart, "noted").contains(note));
    // No lines, nothing to note.
    let bare = SpcChart {
        limits_note: Some(note.into()),
        ..empty_chart()
    };
    assert!(!text_alternative(&bare).contains(note));
}
