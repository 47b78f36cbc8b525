//! The CSV reader on any bytes: it must return rows or a refusal, never panic, and stay within
//! the RSS limit.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Bytes starting like a zip go to the XLSX reader: that is the other target.
    if data.starts_with(b"PK\x03\x04") {
        return;
    }
    if let Ok(rows) = masa_sheets::read_rows(data) {
        let cells: usize = rows.iter().map(Vec::len).sum();
        assert!(cells <= masa_sheets::MAX_CELLS);
    }
});
