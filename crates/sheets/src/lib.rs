//! Spreadsheets in and out, with no web concern, for every module that imports or exports
//! tables (data drops, and later training and assurance imports).
//!
//! Reading an uploaded file keeps memory bounded by the cells actually present and by
//! [`Limits`], refusing before anything large is allocated: CSV is read field by field, XLSX
//! cell by cell (never as a dense bounding box), and an XLSX archive is checked part by part
//! before it is opened. JSON bodies are measured before they are parsed.
//!
//! Writing goes through one writer that makes every text cell, headers included, safe from
//! formula injection.

// Only the tests' counting allocator needs `unsafe`.
#![cfg_attr(not(test), forbid(unsafe_code))]

mod archive;
mod grid;
pub mod json;
mod read;
mod sniff;
mod write;

pub use read::{Limits, SheetError, column_letters, read_rows, read_rows_with};
pub use sniff::{Content, UploadError, read_upload};
pub use write::{
    Cell, SafeCsvWriter, SheetTable, spreadsheet_safe, write_csv, write_csv_with_intro,
};
#[cfg(feature = "xlsx-writer")]
pub use write::{write_xlsx, write_xlsx_with_intro};

/// Largest upload accepted.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// Largest total an XLSX may expand to when unzipped.
pub const MAX_UNZIPPED_BYTES: u64 = 50 * 1024 * 1024;
/// Largest any one part of an XLSX other than a worksheet may expand to (styles, the
/// workbook, relationships): calamine reads these whole when it opens the file.
pub const MAX_PART_BYTES: u64 = 2 * 1024 * 1024;
/// Largest the shared-strings part may expand to. calamine loads every shared string when it
/// opens the file, so this part is bounded on its own, by size and by count.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 16 * 1024 * 1024;
/// Longest run of XML text or one tag in any part: a cell holds at most 32,767 characters,
/// which escaped as UTF-8 stays well under this.
pub const MAX_TEXT_BYTES: u64 = 256 * 1024;
/// Most parts an XLSX archive may hold.
pub const MAX_PARTS: usize = 1000;
/// Most cells across the sheet, whatever its shape, counting the blanks between cells.
pub const MAX_CELLS: usize = 200_000;

#[cfg(any(test, feature = "hostile"))]
pub mod hostile;

#[cfg(all(test, feature = "xlsx-writer"))]
mod tests;
