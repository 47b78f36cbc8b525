//! Spreadsheets in and out: the `masa-sheets` crate, where reading an upload is bounded by the
//! cells present and by limits, and every written cell is safe from formula injection.

pub use masa_sheets::{
    Cell, Limits, MAX_CELLS, MAX_UNZIPPED_BYTES, MAX_UPLOAD_BYTES, SafeCsvWriter, SheetError,
    SheetTable, read_rows, read_rows_with, write_csv, write_xlsx,
};
