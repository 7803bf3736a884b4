//! Reading an uploaded file: what it is (by its content, never by its name), a safe file name,
//! and the text inside (PDF, Word .docx, plain text), within bounds. No I/O and no database.
//!
//! [`inspect`] and [`clean_name`] run in the web process: they look at magic bytes and a zip's
//! directory only, and never unpack anything. [`extract`] unpacks and parses untrusted content
//! with third-party parsers, so it runs only in the text reader's child process, under memory,
//! CPU and time limits ([`crate::text_reader`]); the web process gets its output through
//! [`clean_text`].

use std::io::{Cursor, Read};

/// Largest file accepted (refused before it is read whole).
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Most bytes a .docx may unpack to (declared or actual).
pub const MAX_UNPACKED_BYTES: u64 = 50 * 1024 * 1024;
/// Most entries in a .docx.
const MAX_ENTRIES: usize = 5_000;
/// Highest unpacked/packed ratio accepted for a large entry (real Word XML packs ~10:1).
const MAX_RATIO: u64 = 200;
/// Entries smaller than this are not held to the ratio.
const RATIO_FLOOR: u64 = 1024 * 1024;
/// Most characters of text kept from a file (for search and the preview).
pub const MAX_TEXT_CHARS: usize = 200_000;
/// Longest file name kept.
const MAX_NAME_CHARS: usize = 120;

/// The kinds of file NextGig accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Docx,
    Text,
}

impl FileType {
    /// The type stored and sent with the file.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Text => "text/plain; charset=utf-8",
        }
    }

    /// The type of a stored content type (`None` for anything else).
    pub fn from_content_type(value: &str) -> Option<Self> {
        [Self::Pdf, Self::Docx, Self::Text].into_iter().find(|t| t.content_type() == value)
    }

    /// The file name extension that goes with the type.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Docx => "docx",
            Self::Text => "txt",
        }
    }

    /// The type of an extension as [`FileType::extension`] gives it (`None` for anything else).
    pub fn from_extension(value: &str) -> Option<Self> {
        [Self::Pdf, Self::Docx, Self::Text].into_iter().find(|t| t.extension() == value)
    }
}

/// Why a file is refused (the message is shown on the form).
pub const NOT_ACCEPTED: &str =
    "NextGig takes PDF, Word (.docx) and plain-text files. This file is none of these, whatever its name says.";

/// Why a .docx that unpacks beyond the bounds is refused.
pub const TOO_EXPANDED: &str = "This Word file unpacks to far more than its size (more than 50 MB, or an absurd \
     ratio), as a zip bomb does. NextGig does not take it: save it again from Word, or as PDF.";

/// What the file is, judged by its bytes. A .docx is judged by its zip directory (entry names
/// and the sizes they declare), never unpacked here: a zip whose directory lies about its sizes
/// is caught by the bounded reading in the child process instead.
pub fn inspect(bytes: &[u8]) -> Result<FileType, String> {
    if bytes.is_empty() {
        return Err("The file is empty.".into());
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(FileType::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return match docx_directory(bytes) {
            Ok(()) => Ok(FileType::Docx),
            Err(DocxError::TooLarge) => Err(TOO_EXPANDED.into()),
            Err(DocxError::NotWord) => Err(NOT_ACCEPTED.into()),
            // A damaged document is still kept: its text is marked as unreadable.
            Err(DocxError::Broken(_)) => Ok(FileType::Docx),
        };
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => Ok(FileType::Text),
        _ => Err(NOT_ACCEPTED.into()),
    }
}

/// A file name safe to store and to send back: the last part of any path, without control or
/// direction-changing characters, quotes or leading dots, at most 120 characters, ending with the
/// extension of what the file really is.
pub fn clean_name(raw: &str, file_type: FileType) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let kept: String = last
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*' | ';')
                && !matches!(*c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2066..=0x2069 | 0xFEFF)
        })
        .collect();
    let trimmed = kept.trim().trim_start_matches('.').trim();
    let mut name: String = trimmed.chars().take(MAX_NAME_CHARS).collect();
    name = name.trim_end_matches(['.', ' ']).to_string();
    if name.is_empty() {
        name = "document".into();
    }
    let extension = file_type.extension();
    let has_extension = name.rsplit_once('.').is_some_and(|(_, ext)| {
        ext.eq_ignore_ascii_case(extension) || (file_type == FileType::Text && ext.eq_ignore_ascii_case("text"))
    });
    if !has_extension {
        name = format!("{name}.{extension}");
    }
    name
}

#[derive(Debug)]
enum DocxError {
    /// A zip, but not a Word document.
    NotWord,
    /// Unpacks beyond the bounds.
    TooLarge,
    /// Damaged.
    Broken(String),
}

/// Checks a .docx by its directory alone: not too many entries, declared sizes within the
/// bounds, and a `word/document.xml`.
fn docx_directory(bytes: &[u8]) -> Result<(), DocxError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| DocxError::Broken(e.to_string()))?;
    check_directory(&mut archive)
}

fn check_directory(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Result<(), DocxError> {
    if archive.len() > MAX_ENTRIES {
        return Err(DocxError::TooLarge);
    }
    let mut declared: u64 = 0;
    let mut found = false;
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(|e| DocxError::Broken(e.to_string()))?;
        let (size, packed) = (entry.size(), entry.compressed_size());
        declared = declared.saturating_add(size);
        if declared > MAX_UNPACKED_BYTES || (size > RATIO_FLOOR && size / packed.max(1) > MAX_RATIO) {
            return Err(DocxError::TooLarge);
        }
        found |= entry.name().is_ok_and(|n| n == "word/document.xml");
    }
    if found { Ok(()) } else { Err(DocxError::NotWord) }
}

/// The bytes of `word/document.xml`, read with a running bound whatever the headers declare.
fn docx_xml(bytes: &[u8]) -> Result<Vec<u8>, DocxError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| DocxError::Broken(e.to_string()))?;
    check_directory(&mut archive)?;
    let entry = archive.by_name("word/document.xml").map_err(|e| DocxError::Broken(e.to_string()))?;
    let mut xml = Vec::new();
    entry.take(MAX_UNPACKED_BYTES + 1).read_to_end(&mut xml).map_err(|e| DocxError::Broken(e.to_string()))?;
    if xml.len() as u64 > MAX_UNPACKED_BYTES {
        return Err(DocxError::TooLarge);
    }
    Ok(xml)
}

/// The text of a .docx: the `w:t` runs, a line per paragraph, tabs and breaks kept.
fn docx_text(bytes: &[u8]) -> Result<String, String> {
    use quick_xml::events::Event;
    let xml = docx_xml(bytes).map_err(|e| match e {
        DocxError::Broken(why) => why,
        other => format!("{other:?}"),
    })?;
    let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
    let mut buf = Vec::new();
    let mut text = String::new();
    let mut in_run_text = false;
    loop {
        match reader.read_event_into(&mut buf).map_err(|e| e.to_string())? {
            Event::Start(e) if e.name().as_ref() == "w:t" => in_run_text = true,
            Event::End(e) => match e.name().as_ref() {
                "w:t" => in_run_text = false,
                "w:p" => text.push('\n'),
                _ => {}
            },
            Event::Empty(e) => match e.name().as_ref() {
                "w:tab" => text.push('\t'),
                "w:br" | "w:cr" | "w:p" => text.push('\n'),
                _ => {}
            },
            Event::Text(t) if in_run_text => text.push_str(t.as_ref()),
            Event::GeneralRef(r) if in_run_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else {
                    text.push(match r.as_ref() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        _ => ' ',
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
        if text.len() > MAX_TEXT_CHARS * 4 {
            break;
        }
    }
    Ok(text)
}

fn pdf_text(bytes: &[u8]) -> Result<String, String> {
    // The PDF reader is third-party code on untrusted input: a panic is a failed read, not a crash.
    let owned = bytes.to_vec();
    match std::panic::catch_unwind(move || pdf_extract::extract_text_from_mem(&owned)) {
        Ok(Ok(text)) => Ok(text),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the PDF reader gave up".into()),
    }
}

/// The text inside a file, tidied (trailing spaces gone, at most one blank line in a row) and
/// cut to [`MAX_TEXT_CHARS`]. `Err` when nothing readable is inside (a scanned image, a damaged
/// file). Untrusted parsing: only the text reader's child process calls this.
pub fn extract(file_type: FileType, bytes: &[u8]) -> Result<String, String> {
    let raw = match file_type {
        FileType::Pdf => pdf_text(bytes)?,
        FileType::Docx => docx_text(bytes)?,
        FileType::Text => std::str::from_utf8(bytes).map_err(|e| e.to_string())?.trim_start_matches('\u{feff}').into(),
    };
    clean_text(&raw).ok_or_else(|| "no text inside".into())
}

/// Text as it is stored: tidied, cut to [`MAX_TEXT_CHARS`], control characters replaced; `None`
/// when nothing readable is left. The web process passes the child's output through this too,
/// so that what is saved never depends on the child behaving.
pub fn clean_text(raw: &str) -> Option<String> {
    let text = tidy(raw);
    text.chars().any(char::is_alphanumeric).then_some(text)
}

fn tidy(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len().min(MAX_TEXT_CHARS * 4));
    let mut blank = 0;
    let mut chars = 0;
    for line in raw.lines() {
        let line: String = line.chars().map(|c| if c.is_control() && c != '\t' { ' ' } else { c }).collect::<String>();
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank = 0;
        }
        let count = line.chars().count() + 1;
        if chars + count > MAX_TEXT_CHARS {
            out.extend(line.chars().take(MAX_TEXT_CHARS.saturating_sub(chars)));
            break;
        }
        out.push_str(line);
        out.push('\n');
        chars += count;
    }
    out.trim_end().to_string()
}

/// The first `limit` characters of `text`, cut at a line or word end, and whether it was cut.
pub fn preview(text: &str, limit: usize) -> (String, bool) {
    if text.chars().count() <= limit {
        return (text.to_string(), false);
    }
    let cut: String = text.chars().take(limit).collect();
    let end = cut.rfind('\n').filter(|at| *at > limit / 2).or_else(|| cut.rfind(' ')).unwrap_or(cut.len());
    (cut[..end].trim_end().to_string(), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_controls_and_get_the_real_extension() {
        assert_eq!(clean_name("../../etc/passwd", FileType::Text), "passwd.txt");
        assert_eq!(clean_name("C:\\Users\\ann\\CV 2026.pdf", FileType::Pdf), "CV 2026.pdf");
        assert_eq!(clean_name("cv\u{202e}fdp.exe", FileType::Pdf), "cvfdp.exe.pdf");
        assert_eq!(clean_name("a\r\nb\0.docx", FileType::Docx), "ab.docx");
        assert_eq!(clean_name("..", FileType::Pdf), "document.pdf");
        assert_eq!(clean_name("", FileType::Text), "document.txt");
        assert_eq!(clean_name("notes.TXT", FileType::Text), "notes.TXT");
    }

    #[test]
    fn files_are_judged_by_content() {
        assert_eq!(inspect(b"%PDF-1.4\n"), Ok(FileType::Pdf));
        assert_eq!(inspect("Ann Example\nRust, Kotlin\n".as_bytes()), Ok(FileType::Text));
        assert_eq!(inspect(b"\x7fELF\x02\x01\x01\0\0\0"), Err(NOT_ACCEPTED.to_string()));
        assert_eq!(inspect(&[0xff, 0xfe, 0x41]), Err(NOT_ACCEPTED.to_string()));
        assert!(inspect(b"").is_err());
    }

    #[test]
    fn text_is_tidied_and_previews_cut_at_a_word() {
        assert_eq!(tidy("\n\nA  \n\n\n\nB\r\n"), "A\n\nB");
        let (cut, more) = preview("one two three four", 9);
        assert_eq!((cut.as_str(), more), ("one two", true));
        assert_eq!(preview("short", 10), ("short".to_string(), false));
    }
}
