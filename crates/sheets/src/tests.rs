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

#[test]
fn semicolon_and_tab_separated_files_are_read_with_decimal_commas() {
    // As Excel saves "CSV" where the comma is the decimal mark.
    let semicolons = "indicator_code;period;value;note\r\nMFH-01;2026-27 Q2;12,5;up; a little\r\nRHI-01;2026-27 Q2;1.234,5;\"a, b\"\r\nCPP-01;;-3,25%;12,5 x\r\n";
    let rows = read_rows(semicolons.as_bytes()).unwrap();
    assert_eq!(rows[0], vec!["indicator_code", "period", "value", "note"]);
    assert_eq!(
        rows[1],
        vec!["MFH-01", "2026-27 Q2", "12.5", "up", "a little"]
    );
    assert_eq!(rows[2], vec!["RHI-01", "2026-27 Q2", "1234.5", "a, b"]);
    assert_eq!(
        rows[3],
        vec!["CPP-01", "", "-3.25%", "12,5 x"],
        "text is left alone"
    );
    // The instruction line above the header has no separator: the header decides.
    let below = "Fill in the Value column\nindicator_code;value\nMFH-01;7,0\n";
    assert_eq!(
        read_rows(below.as_bytes()).unwrap()[2],
        vec!["MFH-01", "7.0"]
    );
    // Padded by a spreadsheet program, the instruction line decides the same way.
    let padded = "Fill in the Value column;;\nindicator_code;value;note\nMFH-01;7,5;\n";
    assert_eq!(
        read_rows(padded.as_bytes()).unwrap()[2],
        vec!["MFH-01", "7.5", ""]
    );
    let tabs = "indicator_code\tvalue\tnote\nMFH-01\t36\tsemi; colons, and commas\n";
    assert_eq!(
        read_rows(tabs.as_bytes()).unwrap()[1],
        vec!["MFH-01", "36", "semi; colons, and commas"]
    );
    // A comma file keeps its commas: "1,234" stays for the reader to judge.
    let commas = "code,value,note\nMFH-01,\"1,234\",a; b\n";
    assert_eq!(
        read_rows(commas.as_bytes()).unwrap()[1],
        vec!["MFH-01", "1,234", "a; b"]
    );
}

#[test]
fn decimal_commas_are_read_only_when_they_are_numbers() {
    let read = crate::read::decimal_comma_number;
    assert_eq!(read("12,5").as_deref(), Some("12.5"));
    assert_eq!(read("0,75").as_deref(), Some("0.75"));
    assert_eq!(read("-1.234.567,89").as_deref(), Some("-1234567.89"));
    assert_eq!(read("86,5%").as_deref(), Some("86.5%"));
    for text in [
        "12",
        "12.5",
        "1,2,3",
        "12,",
        ",5",
        "1.23,4",
        "1234.567,8",
        "a,b",
        "",
    ] {
        assert_eq!(read(text), None, "{text:?}");
    }
    assert_eq!(crate::read::delimiter_of("a;b;c\n"), b';');
    assert_eq!(crate::read::delimiter_of("a;b,c\n"), b',');
    assert_eq!(crate::read::delimiter_of("\"a,b\";c\n"), b';');
    assert_eq!(crate::read::delimiter_of("a\tb\n"), b'\t');
    assert_eq!(crate::read::delimiter_of("one cell\n\na,b\n"), b',');
}

#[test]
fn an_upload_must_be_what_its_name_says() {
    let limits = Limits::DATA_DROP;
    let message =
        |name: &str, bytes: &[u8]| read_upload(name, bytes, limits).unwrap_err().to_string();
    let not_excel = |found: &str| {
        format!(
            "figures.xlsx is not an Excel file: it is {found}. Save it from Excel as .xlsx, or upload it as .csv."
        )
    };
    assert_eq!(
        message("figures.xlsx", b"%PDF-1.7 ..."),
        not_excel("a PDF document")
    );
    assert_eq!(
        message("figures.xlsx", b"\x89PNG\r\n\x1a\n...."),
        not_excel("a PNG image")
    );
    assert_eq!(
        message(
            "C:\\Users\\me\\figures.xlsx",
            b"indicator_code,value\nMFH-01,3\n"
        ),
        not_excel("a text file")
    );
    assert_eq!(
        message("figures.xlsx", b"Just some notes"),
        not_excel("a text file")
    );
    assert_eq!(
        message("figures.xlsx", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"),
        not_excel("an older Office file (Excel 97-2003 .xls, .doc or .ppt)")
    );
    assert!(message("figures.xls", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1").starts_with(
        "figures.xls is an Excel 97-2003 workbook (.xls), which MASA does not read. Save it from Excel as .xlsx"
    ));
    // A workbook renamed .csv, and binary data called .csv.
    let workbook = write_xlsx(&[table()]).unwrap();
    assert_eq!(
        message("figures.csv", &workbook),
        "figures.csv is not a CSV file: it is a zipped file, such as an Excel workbook (.xlsx) or \
         a Word document (.docx). Save it from Excel as CSV UTF-8 (comma delimited), or upload \
         it as .xlsx."
    );
    assert!(
        message("figures.csv", b"\x01\x02binary\x00")
            .starts_with("figures.csv is not a CSV file: it is binary data, not text.")
    );
    assert!(message("figures.csv", b"%PDF-1.4").contains("it is a PDF document"));
    assert!(
        message("figures.csv", b"code,value\nMFH-01,\xa33\n").starts_with(
            "figures.csv is not saved as UTF-8 text. In Excel choose Save As, then CSV UTF-8"
        )
    );
    assert!(message("figures.csv", b"\xff\xfec\x00o\x00").contains("is not saved as UTF-8 text"));
    assert!(message("figures.xlsx", b"\xff\xfec\x00o\x00").contains("it is a text file"));
    // A Word document renamed .xlsx is named as one.
    let word = hostile::zip_of(&[("word/document.xml".into(), b"<w:document/>".to_vec())]);
    assert_eq!(
        message("figures.xlsx", &word),
        "figures.xlsx is a Word document, not an Excel workbook. Save the sheet from Excel as \
         .xlsx, or upload it as .csv."
    );
    assert!(message("figures.pdf", b"%PDF-1.7").starts_with(
        "figures.pdf is not a spreadsheet MASA reads: upload an Excel workbook (.xlsx) or a CSV file (.csv)."
    ));
    // No file chosen, and an empty one.
    assert_eq!(read_upload("", b"", limits), Err(UploadError::NoFile));
    assert_eq!(message("", b""), "Choose a file to upload");
    assert_eq!(
        message("figures.csv", b""),
        "figures.csv is empty. Choose the file you saved your figures in."
    );
    // The readers' own refusals name the file too.
    let small = Limits {
        max_rows: 2,
        ..Limits::DATA_DROP
    };
    assert!(
        read_upload("figures.csv", b"a\nb\nc\n", small)
            .unwrap_err()
            .to_string()
            .starts_with("figures.csv has more than 2 rows: cell A3 is in row 3.")
    );
    // And what is right is read, whatever the case of the extension.
    assert_eq!(
        read_upload("Figures.XLSX", &workbook, limits).unwrap()[1][0],
        "MFH-01"
    );
    assert_eq!(
        read_upload("figures.csv", b"a;b\n1;2,5\n", limits).unwrap()[1],
        vec!["1", "2.5"]
    );
}

#[test]
fn every_reader_refusal_can_name_the_file() {
    for file in hostile::all() {
        let error = read_rows(&file.bytes).unwrap_err();
        let named = error.naming("figures.xlsx");
        assert!(named.contains("figures.xlsx"), "{}: {named}", file.name);
        assert!(named.contains(file.refused_with), "{}: {named}", file.name);
    }
}

#[test]
fn a_table_under_instructions_reads_back() {
    let intro = "Fill in the Value column then upload this file";
    let csv = write_csv_with_intro(intro, &table()).unwrap();
    assert!(
        String::from_utf8(csv.clone())
            .unwrap()
            .starts_with(&format!("{intro},,\n"))
    );
    let xlsx = write_xlsx_with_intro(intro, &table()).unwrap();
    for rows in [read_rows(&csv).unwrap(), read_rows(&xlsx).unwrap()] {
        assert_eq!(rows[0][0], intro);
        assert_eq!(rows[1], vec!["indicator_code", "period", "value"]);
        assert_eq!(rows[2], vec!["MFH-01", "2026-27 Q2", "36"]);
    }
}
