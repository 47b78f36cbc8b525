//! Hostile files, built in code so the tests and the fuzz seed corpus share them: each small
//! on disk and each refused by the readers with a clear message, in bounded time and memory.
//! Compiled only for tests and with the `hostile` feature.

use std::io::{Cursor, Write};

/// A hostile file: its name, its bytes, and a piece of the message it must be refused with.
pub struct Hostile {
    pub name: &'static str,
    pub file_name: &'static str,
    pub bytes: Vec<u8>,
    pub refused_with: &'static str,
}

const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const RELATIONSHIPS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const OFFICE: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// A minimal workbook of one sheet, whose XML is given, plus any other parts.
pub fn workbook(sheet_data: &str, parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let content_types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    let root_rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELATIONSHIPS}"><Relationship Id="rId1" Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{OFFICE}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let workbook_rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELATIONSHIPS}"><Relationship Id="rId1" Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
    );
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{sheet_data}</worksheet>"#
    );
    let mut all: Vec<(String, Vec<u8>)> = vec![
        (
            "[Content_Types].xml".into(),
            content_types.as_bytes().to_vec(),
        ),
        ("_rels/.rels".into(), root_rels.into_bytes()),
        ("xl/workbook.xml".into(), workbook.into_bytes()),
        (
            "xl/_rels/workbook.xml.rels".into(),
            workbook_rels.into_bytes(),
        ),
        ("xl/worksheets/sheet1.xml".into(), sheet.into_bytes()),
    ];
    for (name, bytes) in parts {
        all.retain(|(existing, _)| existing != name);
        all.push((name.clone(), bytes.clone()));
    }
    zip_of(&all)
}

/// A zip archive of the given parts, deflated at the strongest level.
pub fn zip_of(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut writer = zip::ZipWriter::new(Cursor::new(&mut bytes));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    for (name, content) in parts {
        writer
            .start_file(name.as_str(), options)
            .expect("a part can be started");
        writer.write_all(content).expect("a part can be written");
    }
    writer.finish().expect("the archive can be finished");
    bytes
}

fn inline(cell: &str, text: &str) -> String {
    format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// A header row in A1 and one far cell, with the dimension the sheet declares.
fn far_cell(dimension: &str, far: &str, far_row: u32) -> String {
    format!(
        r#"<dimension ref="{dimension}"/><sheetData><row r="1">{}</row><row r="{far_row}"><c r="{far}"><v>1</v></c></row></sheetData>"#,
        inline("A1", "indicator_code")
    )
}

/// Every hostile file, each with the message it must be refused with.
pub fn all() -> Vec<Hostile> {
    let mut files = vec![
        Hostile {
            name: "sparse far cells A1 + XFD1048576",
            file_name: "far-xfd1048576.xlsx",
            bytes: workbook(&far_cell("A1:XFD1048576", "XFD1048576", 1_048_576), &[]),
            refused_with: "cell XFD1048576 is in row 1048576",
        },
        Hostile {
            name: "sparse far cells A1 + Z600000",
            file_name: "far-z600000.xlsx",
            bytes: workbook(&far_cell("A1:Z600000", "Z600000", 600_000), &[]),
            refused_with: "cell Z600000 is in row 600000",
        },
        Hostile {
            name: "a far column in the first row (A1 + XFD1)",
            file_name: "far-xfd1.xlsx",
            bytes: workbook(&far_cell("A1:XFD1", "XFD1", 1), &[]),
            refused_with: "cell XFD1 is in column XFD",
        },
        Hostile {
            name: "a wrong declared dimension (A1:B2, with a cell at Z600000)",
            file_name: "wrong-dimension.xlsx",
            bytes: workbook(&far_cell("A1:B2", "Z600000", 600_000), &[]),
            refused_with: "cell Z600000 is in row 600000",
        },
    ];
    // Shared strings: a count that would make calamine reserve gigabytes, and a table of a
    // million empty strings (14 MB inflated, a few KB on disk).
    let sst = |count: &str, body: &str| {
        format!(r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" uniqueCount="{count}">{body}</sst>"#).into_bytes()
    };
    let one_cell = r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>"#;
    files.push(Hostile {
        name: "a shared-strings table declaring 4,000,000,000 strings",
        file_name: "shared-strings-count.xlsx",
        bytes: workbook(
            one_cell,
            &[(
                "xl/sharedStrings.xml".into(),
                sst("4000000000", "<si><t>indicator_code</t></si>"),
            )],
        ),
        refused_with: "table of shared text holds more than",
    });
    files.push(Hostile {
        name: "a shared-strings bomb of 1,000,000 empty strings",
        file_name: "shared-strings-bomb.xlsx",
        bytes: workbook(
            one_cell,
            &[(
                "xl/sharedStrings.xml".into(),
                sst("1", &"<si><t/></si>".repeat(1_000_000)),
            )],
        ),
        refused_with: "table of shared text holds more than",
    });
    // A huge row: 20,000 cells with no positions, each the next column along.
    files.push(Hostile {
        name: "a huge row of 20,000 cells",
        file_name: "huge-row.xlsx",
        bytes: workbook(
            &format!(
                r#"<sheetData><row r="1">{}</row></sheetData>"#,
                "<c><v>1</v></c>".repeat(20_000)
            ),
            &[],
        ),
        refused_with: "is in column CW",
    });
    // Many rows of 100 cells each: within the row and column limits, over the cell limit.
    let full_row = |row: u32| format!(r#"<row r="{row}">{}</row>"#, "<c><v>1</v></c>".repeat(100));
    files.push(Hostile {
        name: "3,000 full rows of 100 cells (300,000 cells)",
        file_name: "too-many-cells.xlsx",
        bytes: workbook(
            &format!(
                "<sheetData>{}</sheetData>",
                (1..=3_000).map(full_row).collect::<String>()
            ),
            &[],
        ),
        refused_with: "more than 200000 cells",
    });
    // A styles part of a million cell formats: calamine reads styles whole at open.
    files.push(Hostile {
        name: "a styles bomb of 1,000,000 cell formats",
        file_name: "styles-bomb.xlsx",
        bytes: workbook(
            one_cell,
            &[(
                "xl/styles.xml".into(),
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}"><cellXfs count="1000000">{}</cellXfs></styleSheet>"#,
                    r#"<xf numFmtId="0"/>"#.repeat(1_000_000)
                )
                .into_bytes(),
            )],
        ),
        refused_with: "expands to more than 2 MB",
    });
    // A zip inside the workbook, itself a 40 MB bomb.
    let inner_bomb = zip_of(&[("zeros.bin".into(), vec![0u8; 40 * 1024 * 1024])]);
    files.push(Hostile {
        name: "a nested zip (a 40 MB bomb inside the workbook)",
        file_name: "nested-zip.xlsx",
        bytes: workbook(one_cell, &[("xl/embeddings/inner.zip".into(), inner_bomb)]),
        refused_with: "holds another compressed archive inside it",
    });
    files.push(Hostile {
        name: "one cell of 40 MB of text",
        file_name: "huge-cell.xlsx",
        bytes: workbook(
            &format!(
                r#"<sheetData><row r="1">{}</row></sheetData>"#,
                inline("A1", &"x".repeat(40 * 1024 * 1024))
            ),
            &[],
        ),
        refused_with: "holds more than 256 KB of text in one place",
    });
    files.push(Hostile {
        name: "one shared string of 10 MB",
        file_name: "huge-shared-string.xlsx",
        bytes: workbook(
            one_cell,
            &[(
                "xl/sharedStrings.xml".into(),
                sst(
                    "1",
                    &format!("<si><t>{}</t></si>", "x".repeat(10 * 1024 * 1024)),
                ),
            )],
        ),
        refused_with: "holds more than 256 KB of text in one place",
    });
    files.push(Hostile {
        name: "a zip bomb whose directory lies about its size",
        file_name: "lying-directory.xlsx",
        bytes: lying_directory(),
        refused_with: "larger than its declared uncompressed size",
    });
    files.push(Hostile {
        name: "1,001 parts",
        file_name: "many-parts.xlsx",
        bytes: workbook(
            one_cell,
            &(0..1_001)
                .map(|n| (format!("xl/worksheets/sheet{}.xml", n + 2), Vec::new()))
                .collect::<Vec<_>>(),
        ),
        refused_with: "more than 1000 parts inside it",
    });
    files.push(Hostile {
        name: "a CSV of 5,000,000 commas",
        file_name: "commas.csv",
        bytes: vec![b','; 5 * 1024 * 1024 - 1],
        refused_with: "is in column CW",
    });
    files.push(Hostile {
        name: "a CSV of 2,500,000 empty lines of one comma",
        file_name: "empty-rows.csv",
        bytes: ",\n".repeat(2_500_000).into_bytes(),
        refused_with: "more than 10000 rows",
    });
    files
}

/// A 60 MB sheet of spaces whose directory says it is 100 bytes, both in the central directory
/// and in its local header: only inflating it tells.
fn lying_directory() -> Vec<u8> {
    let sheet = format!(
        r#"<sheetData><row r="1">{}</row></sheetData>{}"#,
        inline("A1", "indicator_code"),
        " ".repeat(60 * 1024 * 1024)
    );
    let mut bytes = workbook(&sheet, &[]);
    let declared = (60 * 1024 * 1024 + 300) as u32;
    // Rewrite every uncompressed size at least as big as the sheet's to 100.
    let signatures: [(&[u8], usize); 2] = [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)];
    for (signature, offset) in signatures {
        let mut at = 0;
        while let Some(found) = bytes[at..]
            .windows(4)
            .position(|window| window == signature)
        {
            let start = at + found + offset;
            if let Some(field) = bytes.get_mut(start..start + 4) {
                let size = u32::from_le_bytes([field[0], field[1], field[2], field[3]]);
                if size >= declared - 1000 {
                    field.copy_from_slice(&100u32.to_le_bytes());
                }
            }
            at += found + 4;
        }
    }
    bytes
}
