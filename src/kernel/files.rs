//! The file store: documents people upload as evidence (an action's evidence, a policy's
//! document). Files are kept in the database, base64-encoded, so that a backup carries them and
//! a restore brings them back exactly. Only a short list of office document and image types is
//! accepted, each checked by its first bytes rather than trusting the name or the browser.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::db::{Db, Transaction, now_text};

/// Evidence files are letters, reports and spreadsheets; 5 MB covers them with room to spare.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
const MAX_NAME_CHARS: usize = 120;
/// More parts than any of MASA's upload forms sends.
pub const MAX_FORM_PARTS: usize = 100;

/// A file that passed the checks and may be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

crate::typed_id!(
    /// A file kept in the database (a policy's document, an action's evidence).
    StoredFileId
);

/// A stored file's description, without its content.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoredFile {
    pub id: StoredFileId,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

/// What each accepted extension must look like.
enum Signature {
    Prefix(&'static [u8]),
    /// Office Open XML and OpenDocument files are zip archives.
    Zip,
    /// Plain text and CSV: valid UTF-8 with no NUL bytes.
    Text,
}

const ACCEPTED: [(&str, &str, Signature); 10] = [
    ("pdf", "application/pdf", Signature::Prefix(b"%PDF-")),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Signature::Zip,
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Signature::Zip,
    ),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        Signature::Zip,
    ),
    (
        "odt",
        "application/vnd.oasis.opendocument.text",
        Signature::Zip,
    ),
    ("png", "image/png", Signature::Prefix(b"\x89PNG\r\n\x1a\n")),
    ("jpg", "image/jpeg", Signature::Prefix(b"\xff\xd8\xff")),
    ("jpeg", "image/jpeg", Signature::Prefix(b"\xff\xd8\xff")),
    ("txt", "text/plain; charset=utf-8", Signature::Text),
    ("csv", "text/csv; charset=utf-8", Signature::Text),
];

/// The extensions accepted, for hints and messages.
pub fn accepted_extensions() -> String {
    ACCEPTED
        .iter()
        .map(|(extension, _, _)| extension.to_uppercase())
        .filter(|extension| extension != "JPEG")
        .collect::<Vec<_>>()
        .join(", ")
}

/// Keeps the last path component and only letters, digits, spaces, dots, hyphens and
/// underscores, so a name can never reach outside a download header or a folder. A name with
/// nothing left before its extension (say, written in another alphabet) becomes "document".
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '-' | '_'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    let cleaned = match cleaned.rsplit_once('.') {
        Some((stem, extension)) if stem.trim().is_empty() => format!("document.{extension}"),
        None if !cleaned.is_empty() && base.contains('.') => {
            // Only the extension survived, without its dot.
            format!("document.{cleaned}")
        }
        _ => cleaned,
    };
    if cleaned.chars().count() > MAX_NAME_CHARS {
        let (stem, extension) = cleaned.rsplit_once('.').unwrap_or((&cleaned, ""));
        let keep = MAX_NAME_CHARS.saturating_sub(extension.len() + 1);
        format!(
            "{}.{extension}",
            stem.chars().take(keep).collect::<String>()
        )
    } else {
        cleaned
    }
}

/// Checks a file someone uploaded: size, an accepted type, and content that matches its
/// extension. The message names the file and says what to do.
pub fn check_upload(name: &str, bytes: &[u8]) -> Result<Upload, String> {
    let file_name = clean_name(name);
    let shown = if file_name.is_empty() {
        "The selected file"
    } else {
        file_name.as_str()
    };
    if bytes.is_empty() {
        return Err(format!(
            "{shown} is empty. Choose the file you meant to upload"
        ));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(format!(
            "{shown} is larger than {} MB. Choose a smaller file, or save it again with smaller pictures",
            MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .unwrap_or_default();
    let Some((_, content_type, signature)) = ACCEPTED
        .iter()
        .find(|(accepted, _, _)| *accepted == extension)
    else {
        return Err(format!(
            "{shown} is not a type of file MASA keeps. Upload a {}",
            accepted_extensions()
        ));
    };
    let matches = match signature {
        Signature::Prefix(prefix) => bytes.starts_with(prefix),
        Signature::Zip => bytes.starts_with(b"PK\x03\x04"),
        Signature::Text => std::str::from_utf8(bytes).is_ok_and(|text| !text.contains('\0')),
    };
    if !matches {
        let found = masa_sheets::Content::of(bytes);
        let what = match (signature, found) {
            (
                Signature::Text,
                masa_sheets::Content::OtherText | masa_sheets::Content::Utf16Text,
            ) => "text not saved as UTF-8",
            _ => found.description(),
        };
        return Err(format!(
            "{shown} is not a {} file: it is {what}. Save it again as .{extension}, or give it the extension of its real type, and upload it again",
            extension.to_uppercase()
        ));
    }
    Ok(Upload {
        file_name,
        content_type,
        bytes: bytes.to_vec(),
    })
}

pub async fn store(
    tx: &mut Transaction,
    upload: &Upload,
    uploaded_by: &str,
) -> Result<StoredFileId, sqlx::Error> {
    let sha256 = hex::encode(Sha256::digest(&upload.bytes));
    sqlx::query_scalar(
        "INSERT INTO stored_files (file_name, content_type, size_bytes, sha256, content_base64, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(&upload.file_name)
    .bind(upload.content_type)
    .bind(upload.bytes.len() as i64)
    .bind(sha256)
    .bind(BASE64.encode(&upload.bytes))
    .bind(uploaded_by)
    .bind(now_text())
    .fetch_one(&mut **tx)
    .await
}

/// A stored file and its content, checked against the hash taken when it was stored.
pub async fn fetch(
    db: &Db,
    id: StoredFileId,
) -> Result<Option<(StoredFile, Vec<u8>)>, sqlx::Error> {
    let Some(row) = sqlx::query("SELECT * FROM stored_files WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(None);
    };
    let file = StoredFile {
        id: row.try_get("id")?,
        file_name: row.try_get("file_name")?,
        content_type: row.try_get("content_type")?,
        size_bytes: row.try_get("size_bytes")?,
        sha256: row.try_get("sha256")?,
    };
    let encoded: String = row.try_get("content_base64")?;
    let bytes = BASE64
        .decode(encoded)
        .map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
    if hex::encode(Sha256::digest(&bytes)) != file.sha256 {
        return Err(sqlx::Error::Decode(
            format!("stored file {id} does not match its hash").into(),
        ));
    }
    Ok(Some((file, bytes)))
}

/// The download: always an attachment, never rendered in the page's origin, with the type
/// the store decided rather than one a browser might guess.
pub fn download(file: &StoredFile, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, file.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", clean_name(&file.file_name)),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// A form sent as a file upload: its text fields and the one file it carries, if any was
/// chosen (a browser sends an empty, unnamed part when none was).
#[derive(Debug, Default)]
pub struct UploadForm {
    fields: Vec<(String, String)>,
    pub file: Option<(String, Vec<u8>)>,
}

impl UploadForm {
    /// A text field's value, empty when the form did not send it.
    pub fn field(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    }
}

/// Reads a file-upload form: text fields and the part named `file`. Call it after the
/// request is authorised, so a refusal never depends on the body. `form` names the form and
/// `files` what it carries, for the messages ("the evidence form", "evidence files").
pub async fn read_upload_form(
    request: axum::extract::Request,
    form: &str,
    files: &str,
) -> Result<UploadForm, super::AppError> {
    use axum::extract::{FromRequest, Multipart};
    let too_large = || {
        super::AppError::PayloadTooLarge(format!(
            "The file could not be received: {files} can be at most {} MB.",
            MAX_FILE_BYTES / 1024 / 1024
        ))
    };
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|_| super::AppError::BadRequest(format!("Send {form} as a file upload.")))?;
    let mut upload = UploadForm::default();
    let mut parts = 0;
    while let Some(field) = multipart.next_field().await.map_err(|_| too_large())? {
        // The body limit bounds the bytes; this bounds the parts, each of which costs its own
        // allocations however small it is.
        parts += 1;
        if parts > MAX_FORM_PARTS {
            return Err(super::AppError::BadRequest(format!(
                "Send {form} from MASA's own page: this one has more than {MAX_FORM_PARTS} fields."
            )));
        }
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|_| too_large())?;
            if !file_name.is_empty() || !bytes.is_empty() {
                upload.file = Some((file_name, bytes.to_vec()));
            }
        } else {
            let value = field.text().await.map_err(|_| too_large())?;
            upload.fields.push((name, value));
        }
    }
    Ok(upload)
}

/// "2.4 MB", "310 KB": sizes as people read them.
pub fn size_label(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1024.0 / 1024.0)
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_odd_characters() {
        assert_eq!(
            clean_name("C:\\Users\\me\\Audit report.pdf"),
            "Audit report.pdf"
        );
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("\"evil\";.pdf"), "evil.pdf");
        assert_eq!(clean_name("..hidden.txt"), "hidden.txt");
        assert_eq!(clean_name("Протокол.pdf"), "document.pdf");
        assert_eq!(clean_name("Cofnodion ŵyl.pdf"), "Cofnodion yl.pdf");
        let long = format!("{}.pdf", "a".repeat(300));
        let cleaned = clean_name(&long);
        assert_eq!(cleaned.chars().count(), MAX_NAME_CHARS);
        assert!(cleaned.ends_with(".pdf"));
    }

    #[test]
    fn content_must_match_the_extension() {
        assert!(check_upload("minutes.pdf", b"%PDF-1.7 rest").is_ok());
        let renamed = check_upload("minutes.pdf", b"MZ\x90\x00 a program").unwrap_err();
        assert_eq!(
            renamed,
            "minutes.pdf is not a PDF file: it is a Windows program. Save it again as .pdf, or \
             give it the extension of its real type, and upload it again"
        );
        assert!(
            check_upload("plan.docx", b"%PDF-1.4")
                .unwrap_err()
                .starts_with("plan.docx is not a DOCX file: it is a PDF document.")
        );
        assert!(
            check_upload("photo.png", b"\xff\xd8\xff\xe0")
                .unwrap_err()
                .starts_with("photo.png is not a PNG file: it is a JPEG image.")
        );
        assert!(
            check_upload("minutes.pdf", b"Minutes of the meeting")
                .unwrap_err()
                .starts_with("minutes.pdf is not a PDF file: it is a text file.")
        );
        assert!(
            check_upload("notes.csv", b"a,\xa3b")
                .unwrap_err()
                .starts_with("notes.csv is not a CSV file: it is text not saved as UTF-8.")
        );
        assert!(check_upload("plan.docx", b"PK\x03\x04...").is_ok());
        assert_eq!(
            check_upload("run.exe", b"MZ").unwrap_err(),
            "run.exe is not a type of file MASA keeps. Upload a PDF, DOCX, XLSX, PPTX, ODT, PNG, JPG, TXT, CSV"
        );
        assert!(check_upload("notes.txt", b"plain words").is_ok());
        assert!(
            check_upload("notes.txt", b"bin\0ary")
                .unwrap_err()
                .starts_with("notes.txt is not a TXT file: it is binary data, not text.")
        );
        assert_eq!(
            check_upload("C:\\Users\\me\\empty.pdf", b"").unwrap_err(),
            "empty.pdf is empty. Choose the file you meant to upload"
        );
        let big = vec![b'a'; MAX_FILE_BYTES + 1];
        assert!(
            check_upload("big.txt", &big)
                .unwrap_err()
                .starts_with("big.txt is larger than 5 MB.")
        );
        assert_eq!(
            check_upload("photo.JPG", b"\xff\xd8\xff\xe0")
                .unwrap()
                .content_type,
            "image/jpeg"
        );
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size_label(1), "1 KB");
        assert_eq!(size_label(2048), "2 KB");
        assert_eq!(size_label(5 * 1024 * 1024), "5.0 MB");
    }
}
