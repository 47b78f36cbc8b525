//! Writes the fuzz seed corpus: `cargo run -p masa-sheets --example write_corpus --features
//! hostile -- fuzz/corpus`. The hostile files small enough to commit, the templates MASA writes,
//! and a few ordinary inputs.

use masa_sheets::{Cell, SheetTable, hostile, write_csv, write_xlsx};

fn main() -> std::io::Result<()> {
    let root = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or("fuzz/corpus".into()));
    let table = || SheetTable {
        name: "Data drop",
        header: vec![
            "indicator_code".into(),
            "period".into(),
            "value".into(),
            "note".into(),
        ],
        rows: vec![
            vec![
                Cell::Text("MFH-01".into()),
                Cell::Text("2026-27 Q2".into()),
                Cell::Number(36.0),
                Cell::Text("=1+1, \"quoted\"".into()),
            ],
            vec![
                Cell::Text("RHI-01".into()),
                Cell::Empty,
                Cell::Number(86.5),
                Cell::Empty,
            ],
        ],
    };
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(name), bytes)
    };
    write(
        "xlsx",
        "template.xlsx",
        &write_xlsx(&[table()]).map_err(std::io::Error::other)?,
    )?;
    write(
        "csv",
        "template.csv",
        &write_csv(&table()).map_err(std::io::Error::other)?,
    )?;
    write(
        "csv",
        "quoted.csv",
        b"a,\"b\nc\",\"d\"\"e\"\r\n\xEF\xBB\xBFx,,\n",
    )?;
    for file in hostile::all() {
        if file.bytes.len() > 64 * 1024 {
            continue;
        }
        let target = if file.bytes.starts_with(b"PK") {
            "xlsx"
        } else {
            "csv"
        };
        write(target, file.file_name, &file.bytes)?;
    }
    write("csv", "commas.csv", &[b','; 4096])?;
    write(
        "json",
        "drop.json",
        br#"{"period":"2026-27 Q2","values":[{"indicator_code":"MFH-01","value":36,"note":"n"},{"indicator_code":"RHI-01","value":"86.5"}],"storyboard":{"working_well":"a","worried_about":"b","doing_about_it":"c","previous_actions":"d"},"submit":true,"confirm_outliers":false}"#,
    )?;
    write(
        "json",
        "nested.json",
        format!("{}1{}", "[".repeat(20), "]".repeat(20)).as_bytes(),
    )?;
    write(
        "json",
        "unknown.json",
        br#"{"period":"2026-27 Q2","colour":"red"}"#,
    )?;
    Ok(())
}
