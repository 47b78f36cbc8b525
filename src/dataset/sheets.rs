//! Spreadsheets in and out: reading an uploaded CSV or XLSX into rows of text (with limits on
//! size and on how far an XLSX may expand, so a zip bomb is refused before it is opened), and
//! writing XLSX and CSV files.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};

/// Largest upload accepted.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// Largest total an XLSX may expand to when unzipped.
pub const MAX_UNZIPPED_BYTES: u64 = 50 * 1024 * 1024;
/// Most cells across the sheet, whatever its shape.
pub const MAX_CELLS: usize = 200_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SheetError {
    #[error("The file is larger than {} MB. A data drop needs only one row per indicator.", MAX_UPLOAD_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("The file expands to more than {} MB when opened, so it was not opened. Save it again from your spreadsheet program and upload that.", MAX_UNZIPPED_BYTES / 1024 / 1024)]
    ExpandsTooFar,
    #[error(
        "The file is not a spreadsheet MASA can read: upload the .xlsx template or a .csv file. ({0})"
    )]
    Unreadable(String),
    #[error("The file has more than {MAX_CELLS} cells.")]
    TooManyCells,
}

/// Reads CSV or XLSX (told apart by content, not by name) into rows of trimmed text.
pub fn read_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(SheetError::TooLarge);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else {
        read_csv(bytes)
    }
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| SheetError::Unreadable("a CSV file must be saved as UTF-8".into()))?;
    if text.contains('\0') {
        return Err(SheetError::Unreadable("it contains binary data".into()));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut cells = 0;
    for record in reader.records() {
        let record = record.map_err(|error| SheetError::Unreadable(error.to_string()))?;
        cells += record.len();
        if cells > MAX_CELLS {
            return Err(SheetError::TooManyCells);
        }
        rows.push(record.iter().map(|cell| cell.trim().to_owned()).collect());
    }
    Ok(rows)
}

/// Checks the archive's own directory before any part is inflated.
fn check_expansion(bytes: &[u8]) -> Result<(), SheetError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|error| SheetError::Unreadable(error.to_string()))?;
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|error| SheetError::Unreadable(error.to_string()))?;
        total = total.saturating_add(entry.size());
        if total > MAX_UNZIPPED_BYTES {
            return Err(SheetError::ExpandsTooFar);
        }
    }
    // The directory can lie about sizes: inflate the sheets with a hard cap as well.
    for index in 0..archive.len() {
        let entry = archive
            .by_index(index)
            .map_err(|error| SheetError::Unreadable(error.to_string()))?;
        let mut limited = entry.take(MAX_UNZIPPED_BYTES + 1);
        let inflated = std::io::copy(&mut limited, &mut std::io::sink())
            .map_err(|error| SheetError::Unreadable(error.to_string()))?;
        if inflated > MAX_UNZIPPED_BYTES {
            return Err(SheetError::ExpandsTooFar);
        }
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    check_expansion(bytes)?;
    let mut workbook: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|error| SheetError::Unreadable(error.to_string()))?;
    let Some(sheet_name) = workbook.sheet_names().first().cloned() else {
        return Err(SheetError::Unreadable("it has no sheets".into()));
    };
    let range = workbook
        .worksheet_range(&sheet_name)
        .map_err(|error| SheetError::Unreadable(error.to_string()))?;
    let (height, width) = range.get_size();
    if height.saturating_mul(width) > MAX_CELLS {
        return Err(SheetError::TooManyCells);
    }
    Ok(range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    Data::String(text) => text.trim().to_owned(),
                    Data::Float(number) => format_number(*number),
                    Data::Int(number) => number.to_string(),
                    Data::Bool(flag) => flag.to_string(),
                    Data::DateTime(date) => date.to_string(),
                    Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
                    Data::Error(error) => format!("#{error:?}"),
                })
                .collect()
        })
        .collect())
}

/// Spreadsheet numbers as people typed them: 36, not 36.0.
fn format_number(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{number:.0}")
    } else {
        number.to_string()
    }
}

/// One table of a workbook: a header row and rows of cells.
pub struct SheetTable<'a> {
    pub name: &'a str,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl Cell {
    fn as_text(&self) -> String {
        match self {
            Cell::Text(text) => crate::kernel::text::spreadsheet_safe(text),
            Cell::Number(number) => format_number(*number),
            Cell::Empty => String::new(),
        }
    }
}

pub fn write_xlsx(tables: &[SheetTable<'_>]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for table in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(table.name)?;
        for (column, title) in table.header.iter().enumerate() {
            let column = u16::try_from(column).unwrap_or(u16::MAX);
            sheet.write_string_with_format(0, column, title, &bold)?;
            sheet.set_column_width(column, (title.len().max(12) + 2) as f64)?;
        }
        for (index, row) in table.rows.iter().enumerate() {
            let row_number = u32::try_from(index + 1).unwrap_or(u32::MAX);
            for (column, cell) in row.iter().enumerate() {
                let column = u16::try_from(column).unwrap_or(u16::MAX);
                match cell {
                    // Written as text, so a value typed into MASA is never a formula.
                    Cell::Text(text) => {
                        sheet.write_string(row_number, column, text)?;
                    }
                    Cell::Number(number) => {
                        sheet.write_number(row_number, column, *number)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
    }
    workbook.save_to_buffer()
}

pub fn write_csv(table: &SheetTable<'_>) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&table.header)?;
    for row in &table.rows {
        writer.write_record(row.iter().map(Cell::as_text))?;
    }
    writer
        .into_inner()
        .map_err(|error| csv::Error::from(error.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_xlsx_read_the_same() {
        let table = SheetTable {
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
        };
        let from_xlsx = read_rows(&write_xlsx(&[table]).unwrap()).unwrap();
        let table = SheetTable {
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
        };
        let from_csv = read_rows(&write_csv(&table).unwrap()).unwrap();
        assert_eq!(from_xlsx, from_csv);
        assert_eq!(from_csv[1], vec!["MFH-01", "2026-27 Q2", "36"]);
        assert_eq!(from_csv[2], vec!["RHI-01", "", "86.5"]);
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        assert_eq!(
            read_rows(&vec![b'a'; MAX_UPLOAD_BYTES + 1]),
            Err(SheetError::TooLarge)
        );
        assert!(matches!(
            read_rows(b"PK\x03\x04 not really a zip"),
            Err(SheetError::Unreadable(_))
        ));
        assert!(matches!(
            read_rows(b"\xff\xfe\x00b\x00a\x00d"),
            Err(SheetError::Unreadable(_))
        ));
        // A zip whose one entry inflates far beyond the limit: refused before calamine opens it.
        let mut bomb = Vec::new();
        {
            let mut writer = zip::ZipWriter::new(Cursor::new(&mut bomb));
            writer
                .start_file(
                    "xl/worksheets/sheet1.xml",
                    zip::write::SimpleFileOptions::default(),
                )
                .unwrap();
            let zeros = vec![0u8; 1024 * 1024];
            for _ in 0..60 {
                std::io::Write::write_all(&mut writer, &zeros).unwrap();
            }
            writer.finish().unwrap();
        }
        assert!(
            bomb.len() < MAX_UPLOAD_BYTES,
            "the bomb itself is small ({} bytes)",
            bomb.len()
        );
        assert_eq!(read_rows(&bomb), Err(SheetError::ExpandsTooFar));
    }

    #[test]
    fn exported_text_cannot_become_a_formula() {
        assert_eq!(
            crate::kernel::text::spreadsheet_safe("=cmd|' /C calc'!A0"),
            "'=cmd|' /C calc'!A0"
        );
        assert_eq!(crate::kernel::text::spreadsheet_safe("-12.5"), "-12.5");
        assert_eq!(
            crate::kernel::text::spreadsheet_safe("Missing episodes"),
            "Missing episodes"
        );
    }
}
