//! Checks an XLSX archive before calamine opens it. calamine reads some parts whole at open
//! (the shared strings, reserving room for as many as the part claims; the styles; the
//! workbook), so each part is inflated here first, with hard caps, counting what it really
//! expands to: the zip directory's sizes can lie.

use std::io::{BufReader, Cursor, Read};

use quick_xml::events::Event;

use crate::read::{Limits, SheetError};
use crate::{
    MAX_PART_BYTES, MAX_PARTS, MAX_SHARED_STRINGS_BYTES, MAX_TEXT_BYTES, MAX_UNZIPPED_BYTES,
};

const ZIP_MAGIC: &[u8; 4] = b"PK\x03\x04";

enum Part {
    /// Read by calamine as a stream, cell by cell: bounded only by the total.
    Worksheet,
    /// Loaded whole at open: bounded by size and by count.
    SharedStrings,
    /// Other XML, read whole at open when calamine needs it.
    Xml,
    /// Pictures and the like, never read: bounded only by the total.
    Other,
}

fn part_of(name: &str) -> Part {
    let name = name.to_ascii_lowercase();
    if name.ends_with("sharedstrings.xml") {
        Part::SharedStrings
    } else if name.contains("worksheets/") && name.ends_with(".xml") {
        Part::Worksheet
    } else if name.ends_with(".xml") || name.ends_with(".rels") || name.ends_with(".vml") {
        Part::Xml
    } else {
        Part::Other
    }
}

fn unreadable(error: impl std::fmt::Display) -> SheetError {
    SheetError::Unreadable(error.to_string())
}

pub(crate) fn check(bytes: &[u8], limits: Limits) -> Result<(), SheetError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    if archive.len() > MAX_PARTS {
        return Err(SheetError::TooManyParts);
    }
    // What the directory claims, first: cheap, and refuses an honest bomb without inflating.
    let mut claimed: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(unreadable)?;
        claimed = claimed.saturating_add(entry.size());
        if claimed > MAX_UNZIPPED_BYTES {
            return Err(SheetError::ExpandsTooFar);
        }
    }
    // Then what each part really inflates to, never reading past a cap.
    let mut total: u64 = 0;
    let mut kind = Kind::default();
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(unreadable)?;
        let name: String = entry
            .name()
            .map_err(unreadable)?
            .chars()
            .take(200)
            .collect();
        let part = part_of(&name);
        kind.see(&name);
        let remaining = MAX_UNZIPPED_BYTES - total;
        let cap = match part {
            Part::Worksheet | Part::Other => remaining,
            Part::SharedStrings => MAX_SHARED_STRINGS_BYTES.min(remaining),
            Part::Xml => MAX_PART_BYTES.min(remaining),
        };
        let mut limited = entry.take(cap + 1);
        let mut head = [0u8; 4];
        let head_len = read_head(&mut limited, &mut head).map_err(unreadable)?;
        if &head == ZIP_MAGIC {
            return Err(SheetError::NestedArchive { part: name });
        }
        let rest = Cursor::new(head[..head_len].to_vec()).chain(limited);
        let mut runs = LongestText::default();
        let inflated = match part {
            Part::SharedStrings => count_shared_strings(rest, limits.max_cells, &mut runs)?,
            _ => std::io::copy(&mut { rest }, &mut runs).map_err(unreadable)?,
        };
        if !matches!(part, Part::Other) && runs.longest > MAX_TEXT_BYTES {
            return Err(SheetError::TextTooLong { part: name });
        }
        if inflated > remaining {
            return Err(SheetError::ExpandsTooFar);
        }
        if inflated > cap {
            return Err(SheetError::PartExpandsTooFar {
                part: name,
                max_bytes: cap,
            });
        }
        total += inflated;
    }
    match kind.other_than_a_workbook() {
        Some(what) => Err(SheetError::NotAWorkbook { what }),
        None => Ok(()),
    }
}

/// What an archive's part names show it to be, when they show it is not a workbook.
#[derive(Default)]
struct Kind {
    workbook: bool,
    word: bool,
    powerpoint: bool,
    opendocument: bool,
}

impl Kind {
    fn see(&mut self, name: &str) {
        let name = name.to_ascii_lowercase();
        self.workbook |= name.starts_with("xl/");
        self.word |= name == "word/document.xml";
        self.powerpoint |= name == "ppt/presentation.xml";
        self.opendocument |= name == "content.xml";
    }

    /// Only a file known to be something else is refused here; anything else is left for
    /// calamine to open or refuse.
    fn other_than_a_workbook(&self) -> Option<&'static str> {
        if self.workbook {
            None
        } else if self.word {
            Some("a Word document")
        } else if self.powerpoint {
            Some("a PowerPoint presentation")
        } else if self.opendocument {
            Some("an OpenDocument file (from LibreOffice or OpenOffice)")
        } else {
            None
        }
    }
}

/// Reads up to four bytes (fewer only at the end of the part).
fn read_head(reader: &mut impl Read, head: &mut [u8; 4]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < head.len() {
        match reader.read(&mut head[filled..])? {
            0 => break,
            read => filled += read,
        }
    }
    Ok(filled)
}

/// Counts the shared strings (and checks the count the part declares, which calamine reserves
/// room for), returning the part's inflated size.
fn count_shared_strings(
    part: impl Read,
    max_strings: usize,
    runs: &mut LongestText,
) -> Result<u64, SheetError> {
    let mut counted = CountingReader {
        inner: part,
        read: 0,
        runs,
    };
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(&mut counted));
    let mut strings = 0usize;
    let mut buffer = Vec::new();
    let too_many = SheetError::TooManyStrings { max_strings };
    loop {
        buffer.clear();
        match xml.read_event_into(&mut buffer) {
            Ok(Event::Start(element)) | Ok(Event::Empty(element)) => {
                match element.local_name().as_ref() {
                    "sst" => {
                        // calamine reserves room for as many as this claims.
                        if let Ok(Some(declared)) = element.try_get_attribute("uniqueCount") {
                            let fits = declared
                                .value
                                .trim()
                                .parse::<u64>()
                                .is_ok_and(|n| n <= max_strings as u64);
                            if !fits {
                                return Err(too_many);
                            }
                        }
                    }
                    "si" => {
                        strings += 1;
                        if strings > max_strings {
                            return Err(too_many);
                        }
                    }
                    _ => {}
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            // calamine will refuse it too, naming the problem.
            Err(_) => break,
        }
    }
    drop(xml);
    if counted.runs.longest > MAX_TEXT_BYTES {
        return Ok(counted.read);
    }
    // Whatever the parser left unread still counts towards the size.
    std::io::copy(&mut counted, &mut std::io::sink()).map_err(unreadable)?;
    Ok(counted.read)
}

struct CountingReader<'a, R> {
    inner: R,
    read: u64,
    runs: &'a mut LongestText,
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.read += read as u64;
        self.runs.see(&buf[..read]);
        if self.runs.longest > MAX_TEXT_BYTES {
            // Stops the XML reader before it buffers a huge text whole; the caller refuses it.
            return Err(std::io::Error::other("text too long"));
        }
        Ok(read)
    }
}

/// The longest run of XML between two `<`: no text node or tag is longer, so this bounds what
/// one cell, one string or one element makes the XML reader hold at once.
#[derive(Default)]
struct LongestText {
    current: u64,
    longest: u64,
}

impl LongestText {
    fn see(&mut self, bytes: &[u8]) {
        for run in bytes.split_inclusive(|byte| *byte == b'<') {
            self.current += run.len() as u64;
            self.longest = self.longest.max(self.current);
            if run.ends_with(b"<") {
                self.current = 0;
            }
        }
    }
}

impl std::io::Write for LongestText {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.see(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
