use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell as StdCell;
use std::time::{Duration, Instant};

use super::*;
use crate::json::{JsonError, JsonLimits, read_json};

/// Counts what each thread has allocated and its peak, so a test can bound what the reader
/// itself holds at once (the other tests run on other threads).
struct Counting;

thread_local! {
    static LIVE: StdCell<isize> = const { StdCell::new(0) };
    static PEAK: StdCell<isize> = const { StdCell::new(0) };
}

fn note(change: isize) {
    let _ = LIVE.try_with(|live| {
        live.set(live.get() + change);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size() as isize);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `work`, returning its result, the most it held allocated at once, and its time.
fn measured<T>(work: impl FnOnce() -> T) -> (T, usize, Duration) {
    let base = LIVE.with(StdCell::get);
    PEAK.with(|peak| peak.set(base));
    let started = Instant::now();
    let result = work();
    let elapsed = started.elapsed();
    let peak = PEAK.with(StdCell::get) - base;
    (result, peak.max(0) as usize, elapsed)
}

const MB: usize = 1024 * 1024;

fn table() -> SheetTable<'static> {
    SheetTable {
        name: "Data drop",
        header: vec!["indicator_code".into(), "period".into(), "value".into()],
        rows: vec![
            vec![
                Cell::Text("MFH-01".into()),
                Cell::Text("2026-27 Q2".into()),
                Cell::Number(36.0),
            ],
            vec![Cell::Text("RHI-01".into()), Cell::Empty, Cell::Number(86.5)],
        ],
    }
}

#[test]
fn csv_and_xlsx_read_the_same() {
    let from_xlsx = read_rows(&write_xlsx(&[table()]).unwrap()).unwrap();
    let from_csv = read_rows(&write_csv(&table()).unwrap()).unwrap();
    assert_eq!(from_xlsx, from_csv);
    assert_eq!(from_csv[1], vec!["MFH-01", "2026-27 Q2", "36"]);
    assert_eq!(from_csv[2], vec!["RHI-01", "", "86.5"]);
}

#[test]
fn csv_reads_quotes_newlines_and_ragged_rows() {
    let rows =
        read_rows(b"\xEF\xBB\xBFa,\"b, with a comma\",c\r\n1,\"two\nlines\"\n\n x \n").unwrap();
    assert_eq!(
        rows,
        vec![
            vec!["a", "b, with a comma", "c"],
            vec!["1", "two\nlines"],
            vec!["x"],
        ]
    );
    let long = format!("a,{}\n", "b".repeat(100_000));
    assert_eq!(read_rows(long.as_bytes()).unwrap()[0][1].len(), 100_000);
}

#[test]
fn xlsx_cells_are_placed_where_they_are_wherever_the_file_lists_them() {
    // Out of order, starting at B2, with a stale declared dimension far bigger than the data:
    // read as the used range, the dimension ignored.
    let sheet = r#"<dimension ref="A1:XFD1048576"/><sheetData><row r="3"><c r="C3"><v>7</v></c></row><row r="2"><c r="B2" t="inlineStr"><is><t> code </t></is></c><c r="D2"><v>1.5</v></c></row><row r="9"><c r="B9" s="1"/></row></sheetData>"#;
    let rows = read_rows(&hostile::workbook(sheet, &[])).unwrap();
    assert_eq!(
        rows,
        vec![vec!["code", "", "1.5"], vec!["", "7"]],
        "blank styled cells hold nothing and add no rows"
    );
}

#[test]
fn far_cells_name_the_cell_row_and_column() {
    assert_eq!(column_letters(0), "A");
    assert_eq!(column_letters(25), "Z");
    assert_eq!(column_letters(26), "AA");
    assert_eq!(column_letters(99), "CV");
    assert_eq!(column_letters(16_383), "XFD");
    let error = read_rows(b"a,b\nc,d\n").map(|_| ());
    assert_eq!(error, Ok(()));
    let limits = Limits {
        max_rows: 2,
        max_columns: 2,
        ..Limits::DATA_DROP
    };
    assert_eq!(
        read_rows_with(b"a,b\nc,d\ne\n", limits)
            .unwrap_err()
            .to_string(),
        "The file has more than 2 rows: cell A3 is in row 3. Delete everything below your data \
         (or copy the data alone into a new sheet) and upload it again."
    );
    assert_eq!(
        read_rows_with(b"a,b,c\n", limits).unwrap_err(),
        SheetError::ColumnTooFar {
            cell: "C1".into(),
            column: "C".into(),
            max_columns: 2
        }
    );
}

#[test]
fn bad_files_are_refused_with_a_reason() {
    assert_eq!(
        read_rows(&vec![b'a'; MAX_UPLOAD_BYTES + 1]),
        Err(SheetError::TooLarge {
            max_bytes: MAX_UPLOAD_BYTES
        })
    );
    assert!(matches!(
        read_rows(b"PK\x03\x04 not really a zip"),
        Err(SheetError::Unreadable(_))
    ));
    assert!(matches!(
        read_rows(b"\xff\xfe\x00b\x00a\x00d"),
        Err(SheetError::Unreadable(_))
    ));
    // A zip whose directory admits it inflates far beyond the limit: refused unopened.
    let bomb = hostile::zip_of(&[("xl/worksheets/sheet1.xml".into(), vec![0u8; 60 * MB])]);
    assert!(bomb.len() < MAX_UPLOAD_BYTES, "{} bytes", bomb.len());
    assert_eq!(read_rows(&bomb), Err(SheetError::ExpandsTooFar));
}

/// The hostile corpus: each file refused with its message, in bounded time and memory. Before
/// this reader, A1 + XFD1048576 asked calamine for the whole bounding box (17 billion cells).
#[test]
fn hostile_files_are_refused_in_bounded_time_and_memory() {
    for file in hostile::all() {
        let (result, peak, elapsed) = measured(|| read_rows(&file.bytes));
        let message = match result {
            Ok(rows) => panic!("{}: accepted, {} rows", file.name, rows.len()),
            Err(error) => error.to_string(),
        };
        eprintln!(
            "{:<60} {:>9} bytes  peak {:>6.1} MB  {:>7.1} ms  {message}",
            file.name,
            file.bytes.len(),
            peak as f64 / MB as f64,
            elapsed.as_secs_f64() * 1000.0
        );
        assert!(
            message.contains(file.refused_with),
            "{}: refused with {message:?}, not {:?}",
            file.name,
            file.refused_with
        );
        assert!(file.bytes.len() <= MAX_UPLOAD_BYTES, "{}", file.name);
        assert!(peak < 64 * MB, "{}: held {peak} bytes at once", file.name);
        assert!(
            elapsed < Duration::from_secs(20),
            "{}: {elapsed:?}",
            file.name
        );
    }
}

/// Files within every limit but as heavy as allowed are read, still in bounded memory.
#[test]
fn the_heaviest_acceptable_files_stay_in_bounded_memory() {
    let (rows, peak, _) = measured(|| {
        let mut csv = String::new();
        for row in 0..2_000 {
            csv.push_str(&format!("{row}{}\n", ",1".repeat(99)));
        }
        read_rows(csv.as_bytes())
    });
    assert_eq!(rows.unwrap().len(), 2_000);
    assert!(peak < 64 * MB, "a 200,000-cell CSV held {peak} bytes");
    // The longest text a cell can hold (32,767 characters), escaped at its longest, is read.
    let longest = "&amp;".repeat(32_767);
    let sheet = format!(
        r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>{longest}</t></is></c></row></sheetData>"#
    );
    let rows = read_rows(&hostile::workbook(&sheet, &[])).unwrap();
    assert_eq!(rows[0][0], "&".repeat(32_767));
    // A styles part just under its cap: calamine reads it whole.
    let styles = format!(
        r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs>{}</cellXfs></styleSheet>"#,
        r#"<xf numFmtId="0"/>"#.repeat((MAX_PART_BYTES as usize - 200) / 18)
    );
    let sheet = r#"<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>"#;
    let file = hostile::workbook(sheet, &[("xl/styles.xml".into(), styles.into_bytes())]);
    let (rows, peak, elapsed) = measured(|| read_rows(&file));
    eprintln!(
        "styles at its cap: peak {:.1} MB, {:.0} ms",
        peak as f64 / MB as f64,
        elapsed.as_secs_f64() * 1000.0
    );
    assert_eq!(rows.unwrap(), vec![vec!["1"]]);
    assert!(peak < 128 * MB, "styles at the cap held {peak} bytes");
}

#[test]
fn every_written_cell_is_safe_headers_included() {
    for hostile in [
        "=HYPERLINK(\"http://x\")",
        "+1+1",
        "-1+1",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
    ] {
        let table = SheetTable {
            name: "Scorecard",
            header: vec!["Code".into(), format!("{hostile} (comparator)")],
            rows: vec![vec![Cell::Text(hostile.into()), Cell::Number(-3.0)]],
        };
        let csv = String::from_utf8(write_csv(&table).unwrap()).unwrap();
        let rows = read_rows(csv.as_bytes()).unwrap();
        assert!(rows[0][1].starts_with('\''), "header {:?}", rows[0][1]);
        assert!(rows[1][0].starts_with('\''), "cell {:?}", rows[1][0]);
        assert_eq!(rows[1][1], "-3", "numbers stay numbers");
        let xlsx = read_rows(&write_xlsx(&[table]).unwrap()).unwrap();
        assert!(xlsx[0][1].starts_with('\''), "xlsx header {:?}", xlsx[0][1]);
        assert!(xlsx[1][0].starts_with('\''), "xlsx cell {:?}", xlsx[1][0]);
    }
    assert_eq!(spreadsheet_safe("-12.5"), "-12.5");
    for hostile in [
        "\n=1",
        "\0=1",
        "\u{FF1D}SUM(A1)",
        "\u{FF0B}1",
        "\u{FF20}SUM(A1)",
    ] {
        assert!(spreadsheet_safe(hostile).starts_with('\''), "{hostile:?}");
    }
    assert_eq!(spreadsheet_safe("Missing episodes"), "Missing episodes");
    assert_eq!(
        spreadsheet_safe(&spreadsheet_safe("=1+1")),
        "'=1+1",
        "safe twice is safe once"
    );
    let mut writer = SafeCsvWriter::new();
    writer.write_row(["id", "=cmd|' /C calc'!A0"]).unwrap();
    assert_eq!(writer.finish().unwrap(), b"id,'=cmd|' /C calc'!A0\n");
}

#[derive(serde::Deserialize, Debug, PartialEq)]
struct Request {
    period: String,
    #[serde(default)]
    values: Vec<serde_json::Value>,
}

#[test]
fn json_is_measured_before_it_is_read() {
    let limits = JsonLimits {
        max_bytes: 1000,
        max_depth: 3,
        max_values: 10,
    };
    let read = |body: &str| read_json::<Request>(body.as_bytes(), &limits);
    assert_eq!(
        read(r#"{"period":"2026-27 Q2","values":[1,"2"]}"#).unwrap(),
        Request {
            period: "2026-27 Q2".into(),
            values: vec![1.into(), "2".into()]
        }
    );
    assert_eq!(
        read(&format!(r#"{{"period":"{}"}}"#, "x".repeat(1000))),
        Err(JsonError::TooLarge { max_bytes: 1000 })
    );
    assert_eq!(
        read(r#"{"period":"q","values":[[[1]]]}"#),
        Err(JsonError::TooDeep { max_depth: 3 })
    );
    assert_eq!(
        read(r#"{"period":"q","values":[1,2,3,4,5,6,7,8,9]}"#),
        Err(JsonError::TooManyValues { max_values: 10 })
    );
    assert!(matches!(
        read(r#"{"period":"q""#),
        Err(JsonError::Invalid(_))
    ));
    assert!(matches!(
        read(r#"{"period":"q"} x"#),
        Err(JsonError::Invalid(_))
    ));
    assert!(matches!(
        read(r#"{"period":1}"#),
        Err(JsonError::Invalid(_))
    ));
    // Deep nesting is refused at the limit, not at serde_json's recursion limit or the stack.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(
        read_json::<serde_json::Value>(deep.as_bytes(), &JsonLimits::DATA_DROP),
        Err(JsonError::TooLarge { .. }) | Err(JsonError::TooDeep { .. })
    ));
    let deep = format!("{}{}", "[".repeat(1_000), "]".repeat(1_000));
    assert_eq!(
        read_json::<serde_json::Value>(deep.as_bytes(), &JsonLimits::DATA_DROP),
        Err(JsonError::TooDeep { max_depth: 8 })
    );
}

#[test]
fn external_entities_are_never_resolved() {
    // An XXE workbook: a sheet whose DOCTYPE names a file on the server as an entity.
    let sheet = r#"<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>before &secret; after</t></is></c></row></sheetData></worksheet>"#;
    let bytes = hostile::workbook(
        "",
        &[("xl/worksheets/sheet1.xml".into(), sheet.as_bytes().to_vec())],
    );
    // Refused or read without the entity: either way nothing of the file comes back.
    if let Ok(rows) = read_rows(&bytes) {
        let text = rows.concat().join(" ");
        assert!(!text.contains("root:"), "{text}");
    }
}
