//! The report template over a fixture report: it renders, reads back as text (markup characters
//! literally), is byte-reproducible, tagged, carries its attachment, and errors are reported.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use masa_typst::{PdfJob, TypstError, compile_pdf, render_report};
use time::macros::datetime;

const FIXTURE: &str = include_str!("fixtures/report.json");
const AT: time::OffsetDateTime = datetime!(2026-12-07 14:00:00 UTC);

fn chart() -> String {
    masa_charts::bar_chart_svg(
        "Themes across reviews",
        &[
            ("Neglect".to_string(), 5.0),
            ("Domestic abuse".to_string(), 4.0),
            ("Mental health".to_string(), 2.0),
        ],
        "chart-8-1",
    )
}

/// The figures JSON the reports module attaches (here: the fixture's appendix).
fn figures_json() -> Vec<u8> {
    let report: serde_json::Value = serde_json::from_str(FIXTURE).expect("fixture is JSON");
    serde_json::to_vec(&report["appendix"]).expect("serialises")
}

fn render_fixture(identifier: &str, at: time::OffsetDateTime) -> Result<Vec<u8>, TypstError> {
    let svg = chart();
    let figures = figures_json();
    render_report(
        FIXTURE.as_bytes(),
        &[("chart-8-1.svg", svg.as_bytes())],
        &[("figures.json", &figures)],
        at,
        identifier,
    )
}

/// A poppler tool, if installed; otherwise prints why the check is skipped.
fn tool(name: &str) -> Option<PathBuf> {
    let path = Path::new("/usr/bin").join(name);
    if path.exists() {
        Some(path)
    } else {
        println!("note: {name} is not installed; skipping that assertion");
        None
    }
}

fn write_temp(pdf: &[u8]) -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new()
        .suffix(".pdf")
        .tempfile()
        .expect("temp file");
    std::fs::write(file.path(), pdf).expect("write pdf");
    file
}

fn run(tool: &Path, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "{} failed: {}",
        tool.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Drops all whitespace, so text wrapped across lines (at any break opportunity) still matches.
fn squash(text: &str) -> String {
    text.split_whitespace().collect()
}

#[test]
fn the_fixture_renders_and_its_text_reads_back_literally() {
    let started = Instant::now();
    let pdf = render_fixture("report-2024-25", AT).expect("renders");
    println!(
        "fixture: {} bytes in {:?} (cold, fonts loaded)",
        pdf.len(),
        started.elapsed()
    );
    let started = Instant::now();
    let _ = render_fixture("report-2024-25", AT).expect("renders");
    println!("fixture: warm render in {:?}", started.elapsed());
    assert!(pdf.starts_with(b"%PDF-"));

    let Some(pdftotext) = tool("pdftotext") else {
        return;
    };
    let file = write_temp(&pdf);
    let text = squash(&run(
        &pdftotext,
        &[
            "-enc",
            "UTF-8",
            file.path().to_str().expect("utf-8 path"),
            "-",
        ],
    ));
    for expected in [
        "Annual report 2024/25",
        "Riverside Safeguarding Children Partnership",
        "Generated on 7 December 2026 by Alex Admin",
        "Contents",
        "1. Foreword from the partners",
        "3. The partnership and its governance",
        "Zoë’s café — “naïve” children’s voices matter: £1,234 spent, 5 × 3 ≥ 2, Łódź,",
        "Ελληνικά, Привет.",
        "#set text(red)",
        "$x^2$",
        "*not bold*",
        "_not italic_",
        "<script>alert(1)</script>",
        "@nolabel",
        "`raw`",
        "\\ backslash // not a comment",
        "What we did = a heading that is text #strong[no]",
        "First item with #emph[hash]",
        "Second item with $dollars$",
        "Meetings and attendance are not yet held in MASA.",
        "Learning & Improvement",
        "Child <Exploitation> *group*",
        "Themes across reviews",
        "Appendix: figure provenance",
        "Learning reviews started",
        "Training places booked (Q3)",
        "ab12cd34ef56ab12",
        "Page 2 of",
    ] {
        assert!(
            text.contains(&squash(expected)),
            "the PDF text lacks {expected:?}:\n{text}"
        );
    }
    // The hash is shortened in the table (the full one is in the attachment).
    assert!(!text.contains("ab12cd34ef56ab12c"));
    // Chart text drawn by typst's SVG renderer is real text too.
    assert!(text.contains("Neglect"), "chart labels are text:\n{text}");
}

#[test]
fn the_same_job_gives_the_same_bytes_and_a_different_one_does_not() {
    let first = render_fixture("report-2024-25", AT).expect("renders");
    let second = render_fixture("report-2024-25", AT).expect("renders");
    assert!(first == second, "two renders of one job differ");

    let other_id = render_fixture("report-2023-24", AT).expect("renders");
    assert!(first != other_id, "the identifier changes the bytes");

    let other_time =
        render_fixture("report-2024-25", datetime!(2026-12-08 09:30:00 UTC)).expect("renders");
    assert!(first != other_time, "the timestamp changes the bytes");
}

#[test]
fn the_pdf_is_tagged_titled_and_carries_the_figures_attachment() {
    let pdf = render_fixture("report-2024-25", AT).expect("renders");
    // Structure in the raw bytes (object streams may compress some; these are checked by
    // pdfinfo below where it is installed).
    let file = write_temp(&pdf);
    let path = file.path().to_str().expect("utf-8 path");
    if let Some(pdfinfo) = tool("pdfinfo") {
        let info = run(&pdfinfo, &[path]);
        let field = |name: &str| {
            info.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        assert_eq!(field("Tagged:"), "yes", "{info}");
        assert_eq!(field("Title:"), "Annual report 2024/25", "{info}");
        assert_eq!(field("Form:"), "none", "{info}");
        let pages = field("Pages:").parse::<u32>().expect("a page count");
        assert!(
            pages >= 4,
            "title, contents and two sections and the appendix: {pages}"
        );
    }
    if let Some(pdfdetach) = tool("pdfdetach") {
        let list = run(&pdfdetach, &["-list", path]);
        assert!(list.contains("1 embedded files"), "{list}");
        assert!(list.contains("figures.json"), "{list}");
        // The attachment is the figures JSON, byte for byte.
        let out = tempfile::tempdir().expect("temp dir");
        let saved = out.path().join("figures.json");
        run(
            &pdfdetach,
            &[
                "-save",
                "1",
                "-o",
                saved.to_str().expect("utf-8 path"),
                path,
            ],
        );
        assert_eq!(std::fs::read(saved).expect("saved"), figures_json());
    }
}

#[test]
fn a_report_without_attachments_or_appendix_renders() {
    let json = r#"{"title":"Quarterly board report Q2 2025/26","partnership":"P","period":"Q2 2025/26",
        "kind":"quarterly","status":"Approved 30 September 2025 by the Executive",
        "generated":"Generated on 7 December 2026","sections":[{"number":"1","title":"Data",
        "blocks":[{"type":"table","caption":"","headers":["Indicator","Value"],"rows":[],"numeric":[false,true]}]}],
        "appendix":[]}"#;
    let pdf = render_report(json.as_bytes(), &[], &[], AT, "q2").expect("renders");
    assert!(pdf.starts_with(b"%PDF-"));
}

#[test]
fn malformed_json_is_an_error_naming_the_file() {
    let err = render_report(b"{\"title\": ", &[], &[], AT, "x").expect_err("fails");
    let text = err.to_string();
    println!("malformed JSON: {text}");
    assert!(text.contains("report.json"), "{text}");
    assert!(text.to_lowercase().contains("json"), "{text}");
}

#[test]
fn a_missing_field_or_unknown_block_is_an_error_not_a_panic() {
    let err = render_report(br#"{"sections": []}"#, &[], &[], AT, "x").expect_err("fails");
    assert!(err.to_string().contains("title"), "{err}");

    let json = r#"{"title":"T","sections":[{"number":"1","title":"S","blocks":[{"type":"poem","text":"x"}]}]}"#;
    let err = render_report(json.as_bytes(), &[], &[], AT, "x").expect_err("fails");
    println!("unknown block: {err}");
    assert!(err.to_string().contains("unknown type"), "{err}");
    assert!(err.to_string().contains("poem"), "{err}");

    // A chart whose SVG was not given.
    let json = r#"{"title":"T","sections":[{"number":"1","title":"S","blocks":[{"type":"chart","file":"chart-9.svg","alt":"A","caption":"C"}]}]}"#;
    let err = render_report(json.as_bytes(), &[], &[], AT, "x").expect_err("fails");
    assert!(err.to_string().contains("chart-9.svg"), "{err}");
}

#[test]
fn a_source_error_names_its_line_and_column() {
    let job = PdfJob {
        main: "#set document(title: \"T\")\n= Heading\n\n#let x = (1 +\n",
        files: &[],
        timestamp: AT,
        identifier: "x",
    };
    let err = compile_pdf(&job).expect_err("fails");
    println!("source error: {err}");
    assert!(
        err.diagnostics.iter().any(|d| d.starts_with("main.typ:4:")),
        "{err}"
    );
}

#[test]
fn the_world_holds_only_the_given_files() {
    for main in [
        "#set document(title: \"T\")\n#read(\"/etc/passwd\")",
        "#set document(title: \"T\")\n#read(\"../../etc/passwd\")",
        "#set document(title: \"T\")\n#read(\"/proc/self/environ\")",
        "#set document(title: \"T\")\n#import \"@preview/example:0.1.0\": *",
    ] {
        let job = PdfJob {
            main,
            files: &[("given.txt", b"given")],
            timestamp: AT,
            identifier: "x",
        };
        let err = compile_pdf(&job).expect_err("refused");
        assert!(!err.diagnostics.is_empty(), "{main}");
    }
    let job = PdfJob {
        main: "#set document(title: \"T\")\n= Given\n#read(\"given.txt\")",
        files: &[("given.txt", b"given")],
        timestamp: AT,
        identifier: "x",
    };
    assert!(compile_pdf(&job).is_ok());
}

#[test]
fn pdf_ua_refusals_are_errors() {
    // PDF/UA-1 needs a document title: typst refuses, and says so.
    let job = PdfJob {
        main: "= Heading\nText.",
        files: &[],
        timestamp: AT,
        identifier: "x",
    };
    let err = compile_pdf(&job).expect_err("no title");
    assert!(err.to_string().to_lowercase().contains("title"), "{err}");
}

/// A report of about forty pages: prints its render time (a benchmark, not an assertion).
#[test]
fn a_forty_page_report_renders() {
    let svg = chart();
    let mut sections = Vec::new();
    for s in 1..=17 {
        let mut blocks = vec![serde_json::json!({"type": "heading", "text": format!("Part {s}")})];
        for p in 0..6 {
            blocks.push(serde_json::json!({"type": "paragraph", "text": format!(
                "Paragraph {p} of section {s}. The partnership reviewed its arrangements and \
                 agreed actions with owners and dates; each action is tracked until its impact \
                 is seen in the data. Learning from reviews was shared through briefings, \
                 training and the learning improvement tracker, and revisited after six months.")}));
        }
        let rows: Vec<Vec<String>> = (0..30)
            .map(|r| {
                vec![
                    format!("Indicator {r}"),
                    format!("{}", r * 7),
                    format!("{}%", r * 3),
                ]
            })
            .collect();
        blocks.push(serde_json::json!({"type": "table", "caption": format!("Table {s}"),
            "headers": ["Indicator", "Count", "Rate"], "rows": rows, "numeric": [false, true, true]}));
        blocks.push(serde_json::json!({"type": "chart", "file": "chart.svg",
            "alt": "Bar chart: Neglect 5, Domestic abuse 4, Mental health 2.", "caption": "Themes"}));
        blocks.push(serde_json::json!({"type": "list", "items": ["One", "Two", "Three"]}));
        sections.push(serde_json::json!({"number": s.to_string(), "title": format!("Section {s}"), "blocks": blocks}));
    }
    let appendix: Vec<serde_json::Value> = (0..60)
        .map(|i| serde_json::json!({"key": format!("figure.{i}"), "title": format!("Figure {i}"),
            "version": 1, "period": "2024/25", "instance": "", "value": i.to_string(), "records": i,
            "hash": "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12", "definition": "d"}))
        .collect();
    let report = serde_json::json!({"title": "Annual report 2024/25", "partnership": "P",
        "period": "2024/25", "kind": "yearly", "status": "Draft", "generated": "Generated",
        "sections": sections, "appendix": appendix});
    let json = serde_json::to_vec(&report).expect("serialises");
    let figures = serde_json::to_vec(&report["appendix"]).expect("serialises");
    let render = || {
        render_report(
            &json,
            &[("chart.svg", svg.as_bytes())],
            &[("figures.json", &figures)],
            AT,
            "big",
        )
        .expect("renders")
    };
    let started = Instant::now();
    let pdf = render();
    let first = started.elapsed();
    let started = Instant::now();
    let _ = render();
    println!(
        "forty-page report: {} bytes; first render {first:?}, second {:?}",
        pdf.len(),
        started.elapsed()
    );
    if let Some(pdfinfo) = tool("pdfinfo") {
        let file = write_temp(&pdf);
        let info = run(&pdfinfo, &[file.path().to_str().expect("utf-8 path")]);
        let pages = info.lines().find(|l| l.starts_with("Pages:")).unwrap_or("");
        println!("forty-page report: {pages}");
    }
}

#[test]
fn characters_no_font_has_are_replaced_not_refused() {
    // PDF/UA-1 refuses text drawn without a glyph; a report must not fail over one emoji.
    let svg = masa_charts::bar_chart_svg("Themes 😀", &[("Neglect 😀".to_string(), 5.0)], "c");
    let json = r#"{"title":"Report 😀","sections":[{"number":"1","title":"S 中文","blocks":[
        {"type":"paragraph","text":"Emoji 😀, CJK 中文, a bell \u0007 and Arabic مرحبا."},
        {"type":"chart","file":"c.svg","alt":"Bar chart 😀","caption":"C"}]}]}"#;
    let pdf = render_report(json.as_bytes(), &[("c.svg", svg.as_bytes())], &[], AT, "x")
        .expect("renders with replacements");
    let Some(pdftotext) = tool("pdftotext") else {
        return;
    };
    let file = write_temp(&pdf);
    let text = squash(&run(
        &pdftotext,
        &[
            "-enc",
            "UTF-8",
            file.path().to_str().expect("utf-8 path"),
            "-",
        ],
    ));
    assert!(
        text.contains(&squash(
            "Emoji \u{FFFD}, CJK \u{FFFD}\u{FFFD}, a bell \u{FFFD}"
        )),
        "{text}"
    );
    assert!(text.contains("Neglect\u{FFFD}"), "{text}");
}
