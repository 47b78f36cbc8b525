//! What an uploaded file really is, told by its first bytes rather than its name, so that a
//! PDF renamed `figures.xlsx` or a workbook renamed `figures.csv` is refused with a message
//! that says what it is and what to do.

use crate::read::{Limits, SheetError};

/// What a file's content shows it to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    Empty,
    /// A zip archive: an Excel workbook (.xlsx), a Word document, an OpenDocument file…
    Zip,
    /// The compound file of Office 97–2003: .xls, .doc, .ppt.
    OldOffice,
    Pdf,
    Png,
    Jpeg,
    Gif,
    /// A Windows program.
    Program,
    /// Text saved as UTF-8 (or plain ASCII), perhaps with a byte-order mark.
    Text,
    /// Text saved as UTF-16, as Excel's "Unicode Text" does.
    Utf16Text,
    /// Text in an older encoding (Windows-1252, as Excel's plain "CSV" saves on Windows).
    OtherText,
    /// Anything else that holds bytes no text has.
    Binary,
}

impl Content {
    /// Tells what `bytes` are by their content alone.
    pub fn of(bytes: &[u8]) -> Content {
        let starts = |magic: &[u8]| bytes.starts_with(magic);
        if bytes.is_empty() {
            Content::Empty
        } else if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
            Content::Zip
        } else if starts(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
            Content::OldOffice
        } else if starts(b"%PDF-") {
            Content::Pdf
        } else if starts(b"\x89PNG\r\n\x1a\n") {
            Content::Png
        } else if starts(b"\xff\xd8\xff") {
            Content::Jpeg
        } else if starts(b"GIF87a") || starts(b"GIF89a") {
            Content::Gif
        } else if starts(b"MZ") {
            Content::Program
        } else if starts(b"\xff\xfe") || starts(b"\xfe\xff") {
            Content::Utf16Text
        } else {
            let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            let binary = text.iter().any(|byte| matches!(byte, 0..=8 | 14..=31));
            if binary {
                Content::Binary
            } else if std::str::from_utf8(text).is_ok() {
                Content::Text
            } else {
                Content::OtherText
            }
        }
    }

    /// What it is, as the end of "it is …".
    pub fn description(self) -> &'static str {
        match self {
            Content::Empty => "empty",
            Content::Zip => {
                "a zipped file, such as an Excel workbook (.xlsx) or a Word document (.docx)"
            }
            Content::OldOffice => "an older Office file (Excel 97-2003 .xls, .doc or .ppt)",
            Content::Pdf => "a PDF document",
            Content::Png => "a PNG image",
            Content::Jpeg => "a JPEG image",
            Content::Gif => "a GIF image",
            Content::Program => "a Windows program",
            Content::Text | Content::OtherText | Content::Utf16Text => "a text file",
            Content::Binary => "binary data, not text",
        }
    }
}

/// Why an uploaded spreadsheet was not read. Every message names the file and says what to do.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UploadError {
    #[error("Choose a file to upload")]
    NoFile,
    #[error("{file_name} is empty. Choose the file you saved your figures in.")]
    Empty { file_name: String },
    #[error(
        "{file_name} is not an Excel file: it is {}. Save it from Excel as .xlsx, or upload it as .csv.",
        found.description()
    )]
    NotExcel { file_name: String, found: Content },
    #[error(
        "{file_name} is an Excel 97-2003 workbook (.xls), which MASA does not read. Save it from Excel as .xlsx (Excel Workbook), or as .csv."
    )]
    OldExcel { file_name: String },
    #[error(
        "{file_name} is not a CSV file: it is {}. Save it from Excel as CSV UTF-8 (comma delimited), or upload it as .xlsx.",
        found.description()
    )]
    NotCsv { file_name: String, found: Content },
    #[error(
        "{file_name} is not saved as UTF-8 text. In Excel choose Save As, then CSV UTF-8 (comma delimited), and upload that file (or save it as .xlsx)."
    )]
    NotUtf8 { file_name: String },
    #[error(
        "{file_name} is not a spreadsheet MASA reads: upload an Excel workbook (.xlsx) or a CSV file (.csv)."
    )]
    WrongType { file_name: String },
    #[error("{}", error.naming(file_name))]
    Sheet {
        file_name: String,
        error: SheetError,
    },
}

/// Reads an uploaded spreadsheet named `file_name` (as the person's computer named it; only
/// its last path component is shown back), checking that its content is what its name says:
/// an `.xlsx` must be a workbook and a `.csv` text. No file at all (an empty name and no bytes,
/// as a browser sends for an empty file input) is [`UploadError::NoFile`].
pub fn read_upload(
    file_name: &str,
    bytes: &[u8],
    limits: Limits,
) -> Result<Vec<Vec<String>>, UploadError> {
    let shown = shown_name(file_name);
    let Some(file_name) = shown else {
        return Err(if bytes.is_empty() {
            UploadError::NoFile
        } else {
            UploadError::WrongType {
                file_name: "The file".into(),
            }
        });
    };
    let found = Content::of(bytes);
    if found == Content::Empty {
        return Err(UploadError::Empty { file_name });
    }
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .unwrap_or_default();
    match (extension.as_str(), found) {
        ("xlsx" | "xlsm", Content::Zip) => {}
        ("xlsx" | "xlsm", found) => return Err(UploadError::NotExcel { file_name, found }),
        ("xls", _) => return Err(UploadError::OldExcel { file_name }),
        ("csv", Content::Text) => {}
        ("csv", Content::OtherText | Content::Utf16Text) => {
            return Err(UploadError::NotUtf8 { file_name });
        }
        ("csv", found) => return Err(UploadError::NotCsv { file_name, found }),
        _ => return Err(UploadError::WrongType { file_name }),
    }
    crate::read_rows_with(bytes, limits).map_err(|error| UploadError::Sheet { file_name, error })
}

/// The file's own name, without the folders some browsers send, for messages; None when the
/// browser sent no name.
fn shown_name(file_name: &str) -> Option<String> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or_default();
    let shown: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    let shown = shown.trim();
    (!shown.is_empty()).then(|| shown.to_owned())
}
