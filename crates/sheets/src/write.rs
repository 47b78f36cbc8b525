//! Writing XLSX and CSV. Every text cell, headers included, goes through [`spreadsheet_safe`]
//! here, so text typed into MASA (an indicator's or a comparator's name, a note) never becomes
//! a formula when an export is opened.

use crate::read::format_number;

/// A cell starting = + - @ (or a tab, a line break, a NUL or a full-width sign) would run as a formula when the
/// export is opened: prefix it with an apostrophe. Negative numbers are left as numbers.
/// Applying it twice changes nothing.
pub fn spreadsheet_safe(text: &str) -> String {
    // OWASP's list, plus a line feed, a NUL and the full-width signs some spreadsheet programs
    // also take as the start of a formula.
    const FORMULA_STARTS: [char; 11] = [
        '=', '+', '-', '@', '\t', '\r', '\n', '\0', '\u{FF1D}', '\u{FF0B}', '\u{FF20}',
    ];
    if text.starts_with(FORMULA_STARTS) && text.parse::<f64>().is_err() {
        format!("'{text}")
    } else {
        text.to_owned()
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
            Cell::Text(text) => spreadsheet_safe(text),
            Cell::Number(number) => format_number(*number),
            Cell::Empty => String::new(),
        }
    }
}

#[cfg(feature = "xlsx-writer")]
pub fn write_xlsx(tables: &[SheetTable<'_>]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    write_xlsx_sheets(tables, None)
}

/// One table under a line of instructions: the instructions in A1, the header in row 2.
#[cfg(feature = "xlsx-writer")]
pub fn write_xlsx_with_intro(
    intro: &str,
    table: &SheetTable<'_>,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    write_xlsx_sheets(std::slice::from_ref(table), Some(intro))
}

#[cfg(feature = "xlsx-writer")]
fn write_xlsx_sheets(
    tables: &[SheetTable<'_>],
    intro: Option<&str>,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let header_row = u32::from(intro.is_some());
    for table in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(table.name)?;
        if let Some(intro) = intro {
            sheet.write_string(0, 0, spreadsheet_safe(intro))?;
        }
        for (column, title) in table.header.iter().enumerate() {
            let column = u16::try_from(column).unwrap_or(u16::MAX);
            sheet.write_string_with_format(header_row, column, spreadsheet_safe(title), &bold)?;
            sheet.set_column_width(column, (title.len().max(12) + 2) as f64)?;
        }
        for (index, row) in table.rows.iter().enumerate() {
            let row_number = u32::try_from(index + 1)
                .unwrap_or(u32::MAX)
                .saturating_add(header_row);
            for (column, cell) in row.iter().enumerate() {
                let column = u16::try_from(column).unwrap_or(u16::MAX);
                match cell {
                    // Written as a string cell, never a formula, and made safe as well: the
                    // sheet may be saved as CSV and opened again.
                    Cell::Text(text) => {
                        sheet.write_string(row_number, column, spreadsheet_safe(text))?;
                    }
                    Cell::Number(number) => {
                        sheet.write_number(row_number, column, *number)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
        sheet.set_freeze_panes(header_row + 1, 0)?;
    }
    workbook.save_to_buffer()
}

pub fn write_csv(table: &SheetTable<'_>) -> Result<Vec<u8>, csv::Error> {
    write_csv_rows(table, None)
}

/// A table under a line of instructions, written in the first field of the first line.
pub fn write_csv_with_intro(intro: &str, table: &SheetTable<'_>) -> Result<Vec<u8>, csv::Error> {
    write_csv_rows(table, Some(intro))
}

fn write_csv_rows(table: &SheetTable<'_>, intro: Option<&str>) -> Result<Vec<u8>, csv::Error> {
    let mut writer = SafeCsvWriter::new();
    if let Some(intro) = intro {
        // Padded to the header's width, as a spreadsheet program saves it.
        let padding = std::iter::repeat_n("", table.header.len().saturating_sub(1));
        writer.write_row(std::iter::once(intro).chain(padding))?;
    }
    writer.write_row(&table.header)?;
    for row in &table.rows {
        writer.write_row(row.iter().map(Cell::as_text))?;
    }
    writer.finish()
}

/// A CSV writer whose every cell goes through [`spreadsheet_safe`], for exports built row by
/// row (the audit trail's).
pub struct SafeCsvWriter {
    writer: csv::Writer<Vec<u8>>,
}

impl Default for SafeCsvWriter {
    fn default() -> Self {
        SafeCsvWriter::new()
    }
}

impl SafeCsvWriter {
    pub fn new() -> SafeCsvWriter {
        SafeCsvWriter {
            writer: csv::Writer::from_writer(Vec::new()),
        }
    }

    pub fn write_row<I, T>(&mut self, cells: I) -> Result<(), csv::Error>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        self.writer.write_record(
            cells
                .into_iter()
                .map(|cell| spreadsheet_safe(cell.as_ref())),
        )
    }

    pub fn finish(self) -> Result<Vec<u8>, csv::Error> {
        self.writer
            .into_inner()
            .map_err(|error| csv::Error::from(error.into_error()))
    }
}
