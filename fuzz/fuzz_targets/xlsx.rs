//! The XLSX reader (the archive checks, then calamine cell by cell) on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(rows) = masa_sheets::read_rows(data) {
        let cells: usize = rows.iter().map(Vec::len).sum();
        assert!(cells <= masa_sheets::MAX_CELLS);
        assert!(rows.len() <= masa_sheets::Limits::DATA_DROP.max_rows as usize);
    }
});
