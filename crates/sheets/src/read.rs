//! Reading an uploaded CSV or XLSX into rows of trimmed text, within limits.

use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};

use crate::grid::Grid;
use crate::{MAX_CELLS, MAX_PARTS, MAX_TEXT_BYTES, MAX_UNZIPPED_BYTES, MAX_UPLOAD_BYTES};

/// How big an uploaded sheet may be. Positions are checked as cells are read, so a far cell
/// is refused before any room is made for the blanks before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file accepted, in bytes.
    pub max_bytes: usize,
    /// Rows a cell may be in (row 1 to this).
    pub max_rows: u32,
    /// Columns a cell may be in (column A to this; 100 is column CV).
    pub max_columns: u32,
    /// Most cells the file may hold, and most the rows read may hold counting the blanks
    /// between cells.
    pub max_cells: usize,
}

impl Limits {
    /// A data drop: one row per indicator, a handful of columns, with room to spare.
    pub const DATA_DROP: Limits = Limits {
        max_bytes: MAX_UPLOAD_BYTES,
        max_rows: 10_000,
        max_columns: 100,
        max_cells: MAX_CELLS,
    };
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::DATA_DROP
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SheetError {
    #[error("The file is larger than {} MB. A data drop needs only one row per indicator.", max_bytes / 1024 / 1024)]
    TooLarge { max_bytes: usize },
    #[error("The file expands to more than {} MB when opened, so it was not opened. Save it again from your spreadsheet program and upload that.", MAX_UNZIPPED_BYTES / 1024 / 1024)]
    ExpandsTooFar,
    #[error("Part {part} of the file expands to more than {} MB when opened, far more than a sheet of this size needs, so it was not opened. Save it again from your spreadsheet program and upload that.", max_bytes / 1024 / 1024)]
    PartExpandsTooFar { part: String, max_bytes: u64 },
    #[error(
        "The file's table of shared text holds more than {max_strings} entries, more than its cells could use, so it was not opened. Save it again from your spreadsheet program and upload that."
    )]
    TooManyStrings { max_strings: usize },
    #[error("Part {part} of the file holds more than {} KB of text in one place, more than a spreadsheet cell can hold, so it was not opened. Save it again from your spreadsheet program and upload that.", MAX_TEXT_BYTES / 1024)]
    TextTooLong { part: String },
    #[error(
        "The file has more than {MAX_PARTS} parts inside it, so it was not opened. Save the sheet again as a plain .xlsx workbook and upload that."
    )]
    TooManyParts,
    #[error(
        "The file holds another compressed archive inside it ({part}), which MASA does not open. Save the sheet again as a plain .xlsx workbook and upload that."
    )]
    NestedArchive { part: String },
    #[error(
        "The file is not a spreadsheet MASA can read: upload the .xlsx template or a .csv file. ({0})"
    )]
    Unreadable(String),
    #[error(
        "The file has more than {max_rows} rows: cell {cell} is in row {row}. Delete everything below your data (or copy the data alone into a new sheet) and upload it again."
    )]
    RowTooFar {
        cell: String,
        row: u64,
        max_rows: u32,
    },
    #[error(
        "The file has more than {max_columns} columns: cell {cell} is in column {column}. Delete everything to the right of your data (or copy the data alone into a new sheet) and upload it again."
    )]
    ColumnTooFar {
        cell: String,
        column: String,
        max_columns: u32,
    },
    #[error(
        "The file has more than {max_cells} cells (counting the blanks between them). Copy the data alone into a new sheet and upload it again."
    )]
    TooManyCells { max_cells: usize },
    #[error(
        "The file is {what}, not an Excel workbook. Save the sheet from Excel as .xlsx, or upload it as .csv."
    )]
    NotAWorkbook { what: &'static str },
}

impl SheetError {
    /// The message with the file named in it: "figures.xlsx has more than 100 columns…".
    pub fn naming(&self, file_name: &str) -> String {
        let message = self.to_string();
        let message = match message.strip_prefix("The file") {
            Some(rest) => format!("{file_name}{rest}"),
            None => message,
        };
        message.replacen(" of the file ", &format!(" of {file_name} "), 1)
    }
}

/// "A", "Z", "AA", "XFD": a column as a spreadsheet names it, from 0.
pub fn column_letters(column: u64) -> String {
    let mut letters = Vec::new();
    let mut rest = column + 1;
    while rest > 0 {
        let digit = (rest - 1) % 26;
        letters.push(b'A' + digit as u8);
        rest = (rest - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// "XFD1048576": a cell as a spreadsheet names it, from (row, column) counted from 0.
pub(crate) fn cell_name(row: u64, column: u64) -> String {
    format!("{}{}", column_letters(column), row + 1)
}

/// Reads CSV or XLSX (told apart by content, not by name) into rows of trimmed text, within
/// the limits of a data drop.
pub fn read_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    read_rows_with(bytes, Limits::DATA_DROP)
}

/// Reads CSV or XLSX into rows of trimmed text, within the given limits.
pub fn read_rows_with(bytes: &[u8], limits: Limits) -> Result<Vec<Vec<String>>, SheetError> {
    if bytes.len() > limits.max_bytes {
        return Err(SheetError::TooLarge {
            max_bytes: limits.max_bytes,
        });
    }
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes, limits)
    } else {
        read_csv(bytes, limits)
    }
}

/// The separator a CSV uses, told by its first line that has one outside quotes: a semicolon
/// when that line has semicolons and no commas (as Excel saves CSV where the comma is the
/// decimal mark), a tab when it has tabs and neither, otherwise a comma.
pub(crate) fn delimiter_of(text: &str) -> u8 {
    for line in text.lines().take(50) {
        let (mut commas, mut semicolons, mut tabs, mut quoted) = (0, 0, 0, false);
        for byte in line.bytes() {
            match byte {
                b'"' => quoted = !quoted,
                b',' if !quoted => commas += 1,
                b';' if !quoted => semicolons += 1,
                b'\t' if !quoted => tabs += 1,
                _ => {}
            }
        }
        match (commas, semicolons, tabs) {
            (0, 0, 0) => continue,
            (0, semicolons, _) if semicolons > 0 => return b';',
            (0, 0, _) => return b'\t',
            _ => return b',',
        }
    }
    b','
}

/// In a semicolon-separated file the comma is the decimal mark: "12,5" is twelve and a half
/// and "1.234,5" has a thousands point. Such cells are given back as "12.5" and "1234.5", so
/// that no reader takes the comma for a thousands separator. Other text is left alone.
pub(crate) fn decimal_comma_number(cell: &str) -> Option<String> {
    let (sign, digits) = match cell.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", cell),
    };
    let (digits, percent) = match digits.strip_suffix('%') {
        Some(rest) => (rest.trim_end(), "%"),
        None => (digits, ""),
    };
    let (whole, fraction) = digits.split_once(',')?;
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(fraction) {
        return None;
    }
    let mut groups = whole.split('.');
    let first = groups.next()?;
    let rest: Vec<&str> = groups.collect();
    let grouped = rest
        .iter()
        .all(|group| group.len() == 3 && all_digits(group));
    if !all_digits(first) || !grouped || (!rest.is_empty() && first.len() > 3) {
        return None;
    }
    Some(format!(
        "{sign}{}.{fraction}{percent}",
        whole.replace('.', "")
    ))
}

/// CSV field by field (csv-core), so a row of millions of commas is refused at the first
/// column past the limit rather than held whole. The separator may be a comma, a semicolon or
/// a tab (see [`delimiter_of`]).
fn read_csv(bytes: &[u8], limits: Limits) -> Result<Vec<Vec<String>>, SheetError> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| SheetError::Unreadable("a CSV file must be saved as UTF-8".into()))?;
    if text.contains('\0') {
        return Err(SheetError::Unreadable("it contains binary data".into()));
    }
    let delimiter = delimiter_of(text);
    let mut reader = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    let mut input = text.as_bytes();
    let mut grid = Grid::new(limits);
    let mut field = vec![0u8; 1024];
    let mut field_len = 0;
    let (mut row, mut column) = (0u64, 0u64);
    loop {
        let (result, read, written) = reader.read_field(input, &mut field[field_len..]);
        input = &input[read..];
        field_len += written;
        match result {
            csv_core::ReadFieldResult::InputEmpty => {
                if !input.is_empty() {
                    return Err(SheetError::Unreadable("the CSV could not be read".into()));
                }
            }
            // A field longer than the buffer: grow it (the file's size bounds it).
            csv_core::ReadFieldResult::OutputFull => {
                field.resize(field.len() * 2, 0);
            }
            csv_core::ReadFieldResult::Field { record_end } => {
                grid.check(row, column)?;
                let cell = String::from_utf8_lossy(&field[..field_len])
                    .trim()
                    .to_owned();
                let cell = match delimiter {
                    b';' => decimal_comma_number(&cell).unwrap_or(cell),
                    _ => cell,
                };
                grid.place(row, column, cell)?;
                field_len = 0;
                if record_end {
                    row += 1;
                    column = 0;
                } else {
                    column += 1;
                }
            }
            csv_core::ReadFieldResult::End => break,
        }
    }
    Ok(grid.rows)
}

fn read_xlsx(bytes: &[u8], limits: Limits) -> Result<Vec<Vec<String>>, SheetError> {
    crate::archive::check(bytes, limits)?;
    let unreadable = |error: calamine::XlsxError| SheetError::Unreadable(error.to_string());
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let Some(sheet_name) = workbook.sheet_names().first().cloned() else {
        return Err(SheetError::Unreadable("it has no sheets".into()));
    };
    // Cell by cell, never worksheet_range: that allocates the whole bounding box (rows times
    // columns) before anything can be checked. The sheet's declared <dimension> is not used:
    // it can lie, and Excel leaves it stale after rows are deleted.
    let mut cells = workbook
        .worksheet_cells_reader(&sheet_name)
        .map_err(unreadable)?;
    let mut grid = Grid::new(limits);
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, column) = cell.get_position();
        let (row, column) = (u64::from(row), u64::from(column));
        grid.check(row, column)?;
        let text = match cell.get_value() {
            DataRef::Empty => continue,
            DataRef::String(text) => text.trim().to_owned(),
            DataRef::SharedString(text) => text.trim().to_owned(),
            DataRef::Float(number) => format_number(*number),
            DataRef::Int(number) => number.to_string(),
            DataRef::Bool(flag) => flag.to_string(),
            DataRef::DateTime(date) => date.to_string(),
            DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => text.clone(),
            DataRef::Error(error) => format!("#{error:?}"),
        };
        grid.place(row, column, text)?;
    }
    Ok(grid.into_used_range())
}

/// Spreadsheet numbers as people typed them: 36, not 36.0.
pub(crate) fn format_number(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{number:.0}")
    } else {
        number.to_string()
    }
}
