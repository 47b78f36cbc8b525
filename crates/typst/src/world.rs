//! The sealed, in-memory typst world a job compiles in.
//!
//! It answers only for the job's main source and the virtual files the job lists. Every other
//! path, every package, and the file system and network are refused. Fonts and the standard
//! library are loaded once per process and shared by every render.

use std::collections::HashMap;
use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, PackageError};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::{PdfJob, TypstError};

/// The name the main source is known by (in diagnostics: `main.typ:12:3`).
const MAIN: &str = "main.typ";

/// typst's standard library, built once.
static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

/// The fonts embedded in the binary (typst-assets: Libertinus Serif, New Computer Modern,
/// DejaVu Sans Mono), parsed once. No system font is ever read.
static FONTS: LazyLock<(LazyHash<FontBook>, Vec<Font>)> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    let book = FontBook::from_infos(fonts.iter().map(|font| font.info().clone()));
    (LazyHash::new(book), fonts)
});

/// The embedded fonts, in font-book order.
pub(crate) fn fonts() -> &'static [Font] {
    &FONTS.1
}

/// One job's world: its main source and its virtual files.
pub(crate) struct MemoryWorld {
    main: Source,
    files: HashMap<FileId, Bytes>,
    today: Datetime,
}

impl MemoryWorld {
    pub(crate) fn new(job: &PdfJob) -> Result<Self, TypstError> {
        let main = Source::new(file_id(MAIN)?, job.main.to_string());
        let mut files = HashMap::with_capacity(job.files.len());
        for (name, data) in job.files {
            let id = file_id(name)?;
            if id == main.id() || files.insert(id, Bytes::new(data.to_vec())).is_some() {
                return Err(TypstError::single(format!(
                    "the virtual file {name:?} is given twice"
                )));
            }
        }
        let today = job.timestamp.to_offset(time::UtcOffset::UTC).date();
        let today = Datetime::from_ymd(today.year(), today.month().into(), today.day())
            .ok_or_else(|| TypstError::single("the timestamp's date is out of range"))?;
        Ok(Self { main, files, today })
    }

    /// The text of a file the world holds (the main source or a UTF-8 virtual file).
    pub(crate) fn text_of(&self, id: FileId) -> Option<String> {
        if id == self.main.id() {
            return Some(self.main.text().to_string());
        }
        let bytes = self.files.get(&id)?;
        std::str::from_utf8(bytes.as_slice())
            .ok()
            .map(str::to_string)
    }
}

/// The interned id of a virtual file in the project root.
fn file_id(name: &str) -> Result<FileId, TypstError> {
    let path = VirtualPath::new(name)
        .map_err(|e| TypstError::single(format!("the virtual file name {name:?}: {e}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, path).intern())
}

/// The PDF creation date: the job's timestamp in UTC, to the second.
pub(crate) fn pdf_timestamp(at: time::OffsetDateTime) -> Result<typst_pdf::Timestamp, TypstError> {
    let at = at.to_offset(time::UtcOffset::UTC);
    Datetime::from_ymd_hms(
        at.year(),
        at.month().into(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
    )
    .map(typst_pdf::Timestamp::new_utc)
    .ok_or_else(|| TypstError::single("the timestamp is out of range"))
}

impl World for MemoryWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.0
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            return Ok(self.main.clone());
        }
        let bytes = self.file(id)?;
        let text = std::str::from_utf8(bytes.as_slice()).map_err(|_| FileError::InvalidUtf8)?;
        Ok(Source::new(id, text.to_string()))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let VirtualRoot::Package(spec) = id.root() {
            return Err(FileError::Package(PackageError::NotFound(spec.clone())));
        }
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.text().to_string()));
        }
        self.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.vpath().get_without_slash().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.1.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}
