//! CSV imports of contractors: checking an upload, mapping its columns, a preview that lists
//! every row's problems, and the import itself, in chunks of [`CHUNK`] rows per transaction.
//!
//! The import runs as background work under a claim (the import runner in `jobs::imports`):
//! "Import" queues it ([`start`]); an instance claims it ([`claim_next`]) and renews the claim in
//! the transaction of every chunk it writes, together with the progress and the chunk's
//! problems. So when the instance stops (SIGTERM: it gives the claim back between chunks) or dies
//! (the claim lapses), another instance, or the same one restarted, resumes the import after the
//! last chunk written: each row is imported exactly once. A chunk is written only by the holder
//! of the claim with the progress it expects, so two instances never write the same rows.
//!
//! Every row goes through the contractor form's own rules (`ContractorInput::validate`). A row
//! matches an existing record of the agency by its NextGig ID, else its email, else its phone
//! (the duplicate guard's keys): it then updates that record, or is left alone when nothing
//! differs, so a re-import never duplicates and a round trip changes nothing.

use std::collections::HashMap;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{agency_contractor_skills, agency_contractors, import_problems, imports, users};
use crate::db::{self, DbConnection, search};
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::audit::{self, Actor, Event};
use crate::models::contractor::{self, AVAILABILITY, Contractor, ContractorInput, ValidContractor};
use crate::models::contractor_csv;
use crate::models::money;
use crate::models::skill::Skill;
use crate::models::validation;

/// Largest file accepted.
pub const MAX_UPLOAD_BYTES: usize = 25 * 1024 * 1024;
/// Most data rows in one file.
pub const MAX_ROWS: usize = 100_000;
/// Most columns in one file.
pub const MAX_COLUMNS: usize = 200;
/// Rows written per transaction.
pub const CHUNK: usize = 500;
/// Rows shown "as they would be saved" in the preview.
pub const SAMPLE_ROWS: usize = 10;
/// Runs an import may take before it is stopped as failing (each interruption starts another).
pub const MAX_ATTEMPTS: i32 = 10;

/// Delimiters a file may use: (stored, shown).
pub const DELIMITERS: &[(&str, &str)] = &[("comma", "Comma ( , )"), ("semicolon", "Semicolon ( ; )"), ("tab", "Tab")];

/// The byte of a stored delimiter name.
pub fn delimiter_byte(name: &str) -> Option<u8> {
    match name {
        "comma" => Some(b','),
        "semicolon" => Some(b';'),
        "tab" => Some(b'\t'),
        _ => None,
    }
}

fn delimiter_name(byte: u8) -> &'static str {
    match byte {
        b';' => "semicolon",
        b'\t' => "tab",
        _ => "comma",
    }
}

/// An import as its pages show it (the file's content is loaded only to analyse or run it).
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = imports)]
pub struct Import {
    pub id: i64,
    pub agency_id: i64,
    pub created_by: Option<i64>,
    pub filename: String,
    pub delimiter: String,
    pub headers: String,
    pub mapping: Option<String>,
    pub status: String,
    pub skip_invalid: bool,
    pub total_rows: i32,
    pub processed_rows: i32,
    pub created_count: i32,
    pub updated_count: i32,
    pub skipped_count: i32,
    pub report: Option<String>,
    pub error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    /// The instance running it (while running), until `claimed_until`.
    pub claimed_by: Option<String>,
    pub claimed_until: Option<NaiveDateTime>,
    /// Runs that took it up since it was queued (more than one: it was interrupted and resumed).
    pub attempts: i32,
    /// Who pressed "Import": the rows are written on their behalf.
    pub started_by: Option<i64>,
}

/// Where a running import stands, as its page tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Waiting for an instance to take it up.
    Queued,
    /// An instance is writing its rows; `resumed` when an earlier run was interrupted.
    Running { instance: String, resumed: bool },
    /// The instance running it stopped or died (its claim was given back or lapsed): another
    /// instance, or the same one restarted, resumes it after the last rows written.
    Interrupted,
}

/// How an instance is named on pages: its process id and random suffix, without the host name.
fn instance_label(worker: &str) -> String {
    let parts: Vec<&str> = worker.rsplitn(3, '-').collect();
    match parts.as_slice() {
        [suffix, pid, _host] => format!("{pid}-{suffix}"),
        _ => worker.to_string(),
    }
}

/// One problem of one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The row in the file (the header is row 1).
    pub row: usize,
    /// The column's header (or the field's name when no column holds it).
    pub column: String,
    /// What is wrong, as the form would say it.
    pub message: String,
}

/// A row as it would be saved (the preview's first rows).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SampleRow {
    pub row: usize,
    pub action: String,
    pub name: String,
    pub email: String,
    pub skills: String,
    pub availability: String,
    pub rate: String,
    pub location: String,
}

/// What an import would do (the preview) or did (the summary).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Report {
    /// Data rows read.
    pub rows: usize,
    /// New records (to be) created.
    pub new: usize,
    /// Existing records (to be) updated.
    pub updates: usize,
    /// Rows that match a record exactly (nothing to change).
    pub unchanged: usize,
    /// Rows with problems (skipped).
    pub invalid: usize,
    /// Every problem, by row.
    pub problems: Vec<Problem>,
    /// The first rows as they would be saved.
    pub sample: Vec<SampleRow>,
}

impl Import {
    /// The file's headers.
    pub fn header_list(&self) -> Vec<String> {
        serde_json::from_str(&self.headers).unwrap_or_default()
    }

    /// The field chosen for each column (`""` = ignored).
    pub fn mapping_list(&self) -> Vec<String> {
        let mut mapping: Vec<String> =
            self.mapping.as_deref().and_then(|m| serde_json::from_str(m).ok()).unwrap_or_default();
        mapping.resize(self.header_list().len(), String::new());
        mapping
    }

    /// The preview or summary.
    pub fn report(&self) -> Option<Report> {
        self.report.as_deref().and_then(|r| serde_json::from_str(r).ok())
    }

    /// True once the mapping was confirmed and the preview computed.
    pub fn has_preview(&self) -> bool {
        self.status == "uploaded" && self.report.is_some()
    }

    /// True while rows are being written.
    pub fn is_running(&self) -> bool {
        self.status == "running"
    }

    /// Where a running import stands at `now` (`None` when it is not running).
    pub fn progress(&self, now: NaiveDateTime) -> Option<Progress> {
        if !self.is_running() {
            return None;
        }
        Some(match (&self.claimed_by, self.claimed_until) {
            (Some(worker), Some(until)) if until >= now => {
                Progress::Running { instance: instance_label(worker), resumed: self.attempts > 1 }
            }
            _ if self.attempts == 0 => Progress::Queued,
            _ => Progress::Interrupted,
        })
    }

    /// How many times the run was interrupted and resumed.
    pub fn interruptions(&self) -> i32 {
        (self.attempts - 1).max(0)
    }

    /// True when finished.
    pub fn is_done(&self) -> bool {
        self.status == "done"
    }

    /// True when it stopped with an error.
    pub fn is_failed(&self) -> bool {
        self.status == "failed"
    }

    /// Percent of rows processed.
    pub fn percent(&self) -> i32 {
        if self.total_rows <= 0 { 100 } else { (self.processed_rows * 100 / self.total_rows).clamp(0, 100) }
    }

    /// The delimiter's label.
    pub fn delimiter_text(&self) -> &'static str {
        DELIMITERS.iter().find(|(s, _)| *s == self.delimiter).map_or("", |(_, shown)| shown)
    }

    /// The status for people, at `now`.
    pub fn status_text(&self, now: NaiveDateTime) -> &'static str {
        match self.status.as_str() {
            "uploaded" if self.report.is_some() => "Ready to import",
            "uploaded" => "Columns to map",
            "running" => match self.progress(now) {
                Some(Progress::Queued) => "Queued",
                Some(Progress::Running { resumed: true, .. }) => "Importing (resumed)",
                Some(Progress::Interrupted) => "Interrupted, resumes by itself",
                _ => "Importing",
            },
            "done" => "Imported",
            "failed" => "Stopped",
            _ => "",
        }
    }
}

/// A checked upload, ready to be stored.
#[derive(Clone, Debug)]
pub struct Upload {
    pub filename: String,
    pub content: String,
    pub delimiter: u8,
    pub headers: Vec<String>,
    pub rows: usize,
}

/// The most common delimiter in the first line (outside quotes); comma when none appears.
pub fn detect_delimiter(content: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in content.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => break,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], std::cmp::Reverse(i))).unwrap_or(0);
    if counts[best] == 0 { b',' } else { [b',', b';', b'\t'][best] }
}

/// Checks the quoting of the whole file: a quoted cell must be closed, and nothing but a
/// delimiter or the end of the line may follow its closing quote. The message names the line.
pub fn check_quotes(content: &str, delimiter: u8) -> Result<(), String> {
    let bytes = content.as_bytes();
    let (mut line, mut opened_on) = (1usize, 1usize);
    let (mut quoted, mut field_start, mut after_quote) = (false, true, false);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if quoted {
            match b {
                b'"' if bytes.get(i + 1) == Some(&b'"') => i += 1,
                b'"' => {
                    quoted = false;
                    after_quote = true;
                }
                b'\n' => line += 1,
                _ => {}
            }
        } else if after_quote {
            match b {
                b'\r' => {}
                b'\n' => {
                    line += 1;
                    after_quote = false;
                    field_start = true;
                }
                _ if b == delimiter => {
                    after_quote = false;
                    field_start = true;
                }
                _ => {
                    return Err(format!(
                        "Line {line} has text after a closing quote (\"). Put the whole cell in quotes and write \
                         a quote inside it as two quotes (\"\"), or remove the stray quote."
                    ));
                }
            }
        } else {
            match b {
                b'"' if field_start => {
                    quoted = true;
                    opened_on = line;
                }
                b'\n' => {
                    line += 1;
                    field_start = true;
                }
                b'\r' => {}
                _ if b == delimiter => field_start = true,
                _ => field_start = false,
            }
        }
        i += 1;
    }
    if quoted {
        return Err(format!(
            "The quoted cell that starts on line {opened_on} is never closed: a closing quote (\") is missing, so \
             the rest of the file would be read as one cell."
        ));
    }
    Ok(())
}

fn reader(content: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(content.as_bytes())
}

fn is_blank(record: &csv::StringRecord) -> bool {
    record.iter().all(|cell| cell.trim().is_empty())
}

/// The header row and the number of data rows (blank rows are not counted), refusing files with
/// more than [`MAX_ROWS`] rows as soon as that is clear.
pub fn read_shape(content: &str, delimiter: u8) -> Result<(Vec<String>, usize), String> {
    check_quotes(content, delimiter)?;
    let mut reader = reader(content, delimiter);
    let mut record = csv::StringRecord::new();
    let mut headers: Option<Vec<String>> = None;
    let mut rows = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(format!("Line {line} cannot be read as CSV: {}.", e.kind_text()));
            }
        }
        if is_blank(&record) {
            continue;
        }
        if headers.is_none() {
            let row: Vec<String> = record.iter().map(|h| h.trim().to_string()).collect();
            if row.len() > MAX_COLUMNS {
                return Err(format!("The file has {} columns; at most {MAX_COLUMNS} are accepted.", row.len()));
            }
            if row.iter().any(|h| h.chars().count() > 200) {
                return Err("The first row should hold column names, but one of its cells is very long. Add a \
                            header row (Name, Email, …) and upload again."
                    .into());
            }
            headers = Some(row);
            continue;
        }
        rows += 1;
        if rows > MAX_ROWS {
            return Err(format!(
                "This file has more than {} rows; at most {} rows per file are accepted. Split it into smaller \
                 files and import them one after another.",
                group(MAX_ROWS),
                group(MAX_ROWS)
            ));
        }
    }
    let headers =
        headers.ok_or_else(|| "The file has no rows: it needs a header row and one row per contractor.".to_string())?;
    Ok((headers, rows))
}

trait KindText {
    fn kind_text(&self) -> String;
}

impl KindText for csv::Error {
    fn kind_text(&self) -> String {
        match self.kind() {
            csv::ErrorKind::Utf8 { .. } => "it is not UTF-8 text".into(),
            _ => "the quoting is broken".into(),
        }
    }
}

/// "100,000".
fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Checks an uploaded file: text, UTF-8 (a byte-order mark is dropped), a delimiter (detected
/// unless given), sound quoting, a header row, at most [`MAX_ROWS`] rows. The message says what
/// to do about a refused file.
pub fn inspect(filename: &str, bytes: Vec<u8>, delimiter: Option<u8>) -> Result<Upload, String> {
    let filename: String =
        filename.rsplit(['/', '\\']).next().unwrap_or("").chars().filter(|c| !c.is_control()).take(200).collect();
    let filename = if filename.trim().is_empty() { "upload.csv".to_string() } else { filename };
    let lower = filename.to_lowercase();
    if bytes.is_empty() {
        return Err("The file is empty.".into());
    }
    if bytes.starts_with(b"PK\x03\x04")
        || lower.ends_with(".xlsx")
        || lower.ends_with(".xls")
        || lower.ends_with(".ods")
    {
        return Err("This is a spreadsheet workbook, not a CSV file. In Excel choose File → Save As → \"CSV UTF-8 \
                    (Comma delimited)\", then upload that file."
            .into());
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(
            "This file is saved as UTF-16 (\"Unicode text\"). Save it as \"CSV UTF-8\" and upload it again.".into()
        );
    }
    if bytes.contains(&0) || bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err("This is not a CSV file (it holds binary data). Upload a .csv file saved as \"CSV UTF-8\".".into());
    }
    let mut content = String::from_utf8(bytes).map_err(|e| {
        format!(
            "This file is not UTF-8 text (the first unreadable byte is at position {}). In Excel choose \"CSV UTF-8 \
             (Comma delimited)\" when saving, then upload it again.",
            e.utf8_error().valid_up_to() + 1
        )
    })?;
    if content.starts_with('\u{FEFF}') {
        content.drain(..'\u{FEFF}'.len_utf8());
    }
    let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(&content));
    let (headers, rows) = read_shape(&content, delimiter)?;
    if rows == 0 {
        return Err("The file has a header row but no contractors below it.".into());
    }
    Ok(Upload { filename, content, delimiter, headers, rows })
}

/// Stores a checked upload with a mapping guessed from its headers; returns its id.
pub fn create(
    conn: &mut DbConnection,
    scope: AgencyScope,
    actor: &Actor,
    upload: &Upload,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    let mapping = guessed_mapping(&upload.headers);
    db::write(conn, |conn| {
        let id: i64 = diesel::insert_into(imports::table)
            .values((
                imports::agency_id.eq(scope.agency_id()),
                imports::created_by.eq(actor.user_id),
                imports::filename.eq(&upload.filename),
                imports::content.eq(&upload.content),
                imports::delimiter.eq(delimiter_name(upload.delimiter)),
                imports::headers.eq(json(&upload.headers)?),
                imports::mapping.eq(Some(json(&mapping)?)),
                imports::status.eq("uploaded"),
                imports::skip_invalid.eq(false),
                imports::total_rows.eq(upload.rows as i32),
                imports::processed_rows.eq(0),
                imports::created_count.eq(0),
                imports::updated_count.eq(0),
                imports::skipped_count.eq(0),
                imports::created_at.eq(now),
                imports::updated_at.eq(now),
            ))
            .returning(imports::id)
            .get_result(conn)?;
        audit::record(
            conn,
            actor,
            Event::on("contractors.import_uploaded", "import", id, upload.filename.clone()),
            now,
        )?;
        Ok(id)
    })
}

fn json<T: Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(AppError::internal)
}

fn guessed_mapping(headers: &[String]) -> Vec<String> {
    contractor_csv::guess_all(headers).into_iter().map(|k| k.unwrap_or("").to_string()).collect()
}

/// The agency's import with this id; another agency's answers `NotFound`.
pub fn find(conn: &mut DbConnection, scope: AgencyScope, id: i64) -> Result<Import, AppError> {
    Ok(imports::table
        .filter(imports::id.eq(id))
        .filter(imports::agency_id.eq(scope.agency_id()))
        .select(Import::as_select())
        .first(conn)?)
}

/// The agency's latest imports, newest first.
pub fn recent(conn: &mut DbConnection, scope: AgencyScope, limit: i64) -> Result<Vec<Import>, AppError> {
    Ok(imports::table
        .filter(imports::agency_id.eq(scope.agency_id()))
        .order(imports::id.desc())
        .limit(limit)
        .select(Import::as_select())
        .load(conn)?)
}

fn content_of(conn: &mut DbConnection, scope: AgencyScope, id: i64) -> Result<String, AppError> {
    Ok(imports::table
        .filter(imports::id.eq(id))
        .filter(imports::agency_id.eq(scope.agency_id()))
        .select(imports::content)
        .first(conn)?)
}

/// The first `n` data rows' cells (each cut to 60 characters), to show beside the mapping.
pub fn first_rows(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    n: usize,
) -> Result<Vec<Vec<String>>, AppError> {
    let import = find(conn, scope, id)?;
    let content = content_of(conn, scope, id)?;
    let (mut reader, mut record) = data_reader(&content, delimiter_byte(&import.delimiter).unwrap_or(b','))?;
    Ok(next_rows(&mut reader, &mut record, n)?
        .into_iter()
        .map(|row| row.cells.into_iter().map(|c| c.chars().take(60).collect()).collect())
        .collect())
}

/// Reads the file again with another delimiter: new headers, a new guessed mapping, no preview.
pub fn change_delimiter(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    delimiter: &str,
    now: NaiveDateTime,
) -> Result<Result<(), String>, AppError> {
    let byte = delimiter_byte(delimiter)
        .ok_or_else(|| AppError::invalid("delimiter", "Choose one of the listed delimiters."))?;
    db::write(conn, |conn| {
        let import = find(conn, scope, id)?;
        if import.status != "uploaded" {
            return Ok(Err("This import has already started; upload the file again to read it differently.".into()));
        }
        let content = content_of(conn, scope, id)?;
        let (headers, rows) = match read_shape(&content, byte) {
            Ok(shape) => shape,
            Err(message) => return Ok(Err(message)),
        };
        diesel::update(imports::table.filter(imports::id.eq(id)).filter(imports::agency_id.eq(scope.agency_id())))
            .set((
                imports::delimiter.eq(delimiter_name(byte)),
                imports::headers.eq(json(&headers)?),
                imports::mapping.eq(Some(json(&guessed_mapping(&headers))?)),
                imports::report.eq(None::<String>),
                imports::total_rows.eq(rows as i32),
                imports::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(Ok(()))
    })
}

/// A checked mapping: the field of each column (`None` = ignored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    pub columns: Vec<Option<&'static str>>,
}

impl Mapping {
    fn position(&self, key: &str) -> Option<usize> {
        self.columns.iter().position(|c| *c == Some(key))
    }
}

/// Checks the submitted field of each column. Every problem is returned as a sentence.
pub fn check_mapping(headers: &[String], submitted: &[String]) -> Result<Mapping, Vec<String>> {
    let mut problems = Vec::new();
    if submitted.len() != headers.len() {
        return Err(vec!["The mapping does not match the file's columns; reload the page.".into()]);
    }
    let mut columns = Vec::with_capacity(submitted.len());
    for (i, choice) in submitted.iter().enumerate() {
        let choice = choice.trim();
        if choice.is_empty() {
            columns.push(None);
            continue;
        }
        let Some(column) = contractor_csv::column(choice) else {
            problems.push(format!("Column \"{}\": choose one of the listed fields.", headers[i]));
            columns.push(None);
            continue;
        };
        if let Some(first) = columns.iter().position(|c| *c == Some(column.key)) {
            problems.push(format!(
                "Columns \"{}\" and \"{}\" are both mapped to {}: choose one.",
                headers[first], headers[i], column.header
            ));
        }
        columns.push(Some(column.key));
    }
    let mapping = Mapping { columns };
    if problems.is_empty() {
        if mapping.position("name").is_none() {
            problems.push("Map a column to Name: every contractor needs a name.".into());
        }
        if mapping.position("email").is_none() {
            problems.push(
                "Map a column to Email. Without emails NextGig cannot recognise contractors you already have, so a \
                 second import would create duplicates."
                    .into(),
            );
        }
        if headers.len() == 1 {
            problems.push(
                "The file was read as a single column. If its values are separated by semicolons or tabs, choose \
                 that delimiter above and read the file again."
                    .into(),
            );
        }
    }
    if problems.is_empty() { Ok(mapping) } else { Err(problems) }
}

/// The saved mapping of an import, if it is still a valid one.
fn saved_mapping(import: &Import) -> Result<Mapping, AppError> {
    check_mapping(&import.header_list(), &import.mapping_list())
        .map_err(|problems| AppError::BadRequest(problems.join(" ")))
}

/// Saves a mapping and computes the preview: every row checked against the form's rules and
/// matched against the agency's records (nothing is written but the import itself).
pub fn save_mapping(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    mapping: &Mapping,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Report, AppError> {
    let import = find(conn, scope, id)?;
    if import.status != "uploaded" {
        return Err(AppError::BadRequest("This import has already started.".into()));
    }
    let content = content_of(conn, scope, id)?;
    let report = analyse(conn, scope, &import, &content, mapping, actor)?;
    let stored: Vec<&str> = mapping.columns.iter().map(|c| c.unwrap_or("")).collect();
    db::write(conn, |conn| {
        diesel::update(
            imports::table
                .filter(imports::id.eq(id))
                .filter(imports::agency_id.eq(scope.agency_id()))
                .filter(imports::status.eq("uploaded")),
        )
        .set((
            imports::mapping.eq(Some(json(&stored)?)),
            imports::report.eq(Some(json(&report)?)),
            imports::total_rows.eq(report.rows as i32),
            imports::updated_at.eq(now),
        ))
        .execute(conn)?;
        Ok::<_, AppError>(())
    })?;
    Ok(report)
}

/// What one row will do.
enum Plan {
    Create(Box<ValidContractor>),
    Update { id: i64, version: i32, valid: Box<ValidContractor>, availability_changed: bool },
    Unchanged,
    Invalid(Vec<Problem>),
}

/// A data row: its number and its cells (the neutralising `'` taken off).
struct RawRow {
    row: usize,
    cells: Vec<String>,
}

/// What stays the same from one chunk to the next.
struct Context<'a> {
    scope: AgencyScope,
    headers: &'a [String],
    mapping: &'a Mapping,
    /// Team members by lower-case email and by lower-case name.
    team: HashMap<String, i64>,
    /// Owner of new records when the file names none.
    default_owner: Option<i64>,
    /// The rate unit a header implies ("Day rate") when no column gives the unit.
    implied_unit: Option<&'static str>,
    seen_email: HashMap<String, usize>,
    seen_phone: HashMap<String, usize>,
    seen_record: HashMap<i64, usize>,
}

impl<'a> Context<'a> {
    fn new(
        conn: &mut DbConnection,
        scope: AgencyScope,
        headers: &'a [String],
        mapping: &'a Mapping,
        default_owner: Option<i64>,
    ) -> Result<Self, AppError> {
        let staff: Vec<(i64, String, String)> = users::table
            .filter(users::agency_id.eq(scope.agency_id()))
            .order(users::id.asc())
            .select((users::id, users::email, users::name))
            .load(conn)?;
        let mut team = HashMap::new();
        for (id, email, name) in staff {
            team.entry(email.to_lowercase()).or_insert(id);
            team.entry(name.trim().to_lowercase()).or_insert(id);
        }
        let implied_unit = match (mapping.position("rate_unit"), mapping.position("rate_floor")) {
            (None, Some(at)) => {
                let header = headers[at].to_lowercase();
                if header.contains("day") || header.contains("daily") {
                    Some("day")
                } else if header.contains("hour") {
                    Some("hour")
                } else {
                    None
                }
            }
            _ => None,
        };
        Ok(Self {
            scope,
            headers,
            mapping,
            team,
            default_owner,
            implied_unit,
            seen_email: HashMap::new(),
            seen_phone: HashMap::new(),
            seen_record: HashMap::new(),
        })
    }

    /// The column header that holds `field` (the field's own name when no column does).
    fn column_name(&self, field: &str) -> String {
        let key = if field == "owner_id" { "owner" } else { field };
        match self.mapping.position(key) {
            Some(at) => self.headers[at].clone(),
            None => contractor_csv::column(key).map_or_else(|| field.to_string(), |c| c.header.to_string()),
        }
    }

    fn cell<'r>(&self, row: &'r RawRow, key: &str) -> Option<&'r str> {
        self.mapping.position(key).map(|at| row.cells.get(at).map_or("", String::as_str))
    }
}

/// Reads up to `n` non-blank data rows.
fn next_rows(
    reader: &mut csv::Reader<&[u8]>,
    record: &mut csv::StringRecord,
    n: usize,
) -> Result<Vec<RawRow>, AppError> {
    let mut rows = Vec::with_capacity(n);
    while rows.len() < n {
        match reader.read_record(record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(AppError::BadRequest(format!("The file cannot be read as CSV: {}.", e.kind_text()))),
        }
        if is_blank(record) {
            continue;
        }
        let row = record.position().map_or(0, |p| p.line() as usize);
        let cells = record.iter().map(|c| contractor_csv::restore(c).to_string()).collect();
        rows.push(RawRow { row, cells });
    }
    Ok(rows)
}

/// A reader positioned after the header row.
fn data_reader(content: &str, delimiter: u8) -> Result<(csv::Reader<&[u8]>, csv::StringRecord), AppError> {
    let mut reader = reader(content, delimiter);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) if is_blank(&record) => continue,
            Ok(_) => break,
            Err(e) => return Err(AppError::BadRequest(format!("The file cannot be read as CSV: {}.", e.kind_text()))),
        }
    }
    Ok((reader, record))
}

/// The existing records that rows of a chunk may match: by id, by email, by phone key.
struct Matches {
    by_id: HashMap<i64, Contractor>,
    by_email: HashMap<String, i64>,
    by_phone: HashMap<String, i64>,
    skills: HashMap<i64, Vec<String>>,
}

fn load_matches(conn: &mut DbConnection, ctx: &Context<'_>, rows: &[RawRow]) -> Result<Matches, AppError> {
    let mut ids = Vec::new();
    let mut emails = Vec::new();
    let mut phones = Vec::new();
    for row in rows {
        if let Some(id) = ctx.cell(row, "id").and_then(|v| v.trim().parse::<i64>().ok()) {
            ids.push(id);
        }
        if let Some(email) = ctx.cell(row, "email").map(validation::normalize_email).filter(|e| !e.is_empty()) {
            emails.push(email);
        }
        if let Some(key) = ctx.cell(row, "phone").and_then(|p| contractor::phone_key(p.trim())) {
            phones.push(key);
        }
    }
    let agency = ctx.scope.agency_id();
    let mut found: Vec<Contractor> = contractor::find_many(conn, ctx.scope, &ids)?;
    // One indexed lookup per key (an OR of the two would scan the agency's records).
    for (column_is_email, keys) in [(true, &emails), (false, &phones)] {
        if keys.is_empty() {
            continue;
        }
        let query = agency_contractors::table.filter(agency_contractors::agency_id.eq(agency)).into_boxed();
        let query = if column_is_email {
            query.filter(agency_contractors::email.eq_any(keys))
        } else {
            query.filter(agency_contractors::phone_key.eq_any(keys))
        };
        found.extend(query.select(Contractor::as_select()).load::<Contractor>(conn)?);
    }
    found.sort_by_key(|c| c.id);
    found.dedup_by_key(|c| c.id);
    let mut matches =
        Matches { by_id: HashMap::new(), by_email: HashMap::new(), by_phone: HashMap::new(), skills: HashMap::new() };
    for record in found {
        if let Some(email) = &record.email {
            matches.by_email.entry(email.clone()).or_insert(record.id);
        }
        if let Some(key) = &record.phone_key {
            matches.by_phone.entry(key.clone()).or_insert(record.id);
        }
        matches.by_id.insert(record.id, record);
    }
    let all: Vec<i64> = matches.by_id.keys().copied().collect();
    matches.skills = contractor::skill_names(conn, &all)?;
    Ok(matches)
}

fn set_field(input: &mut ContractorInput, key: &str, value: String) {
    match key {
        "name" => input.name = value,
        "email" => input.email = value,
        "phone" => input.phone = value,
        "headline" => input.headline = value,
        "summary" => input.summary = value,
        "skills" => input.skills = value,
        "location" => input.location = value,
        "remote" => input.remote = value,
        "availability" => input.availability = value,
        "available_from" => input.available_from = value,
        "contract_ends_on" => input.contract_ends_on = value,
        "extension_likelihood" => input.extension_likelihood = value,
        "notice_days" => input.notice_days = value,
        "rate_floor" => input.rate_floor = value,
        "rate_currency" => input.rate_currency = value,
        "rate_unit" => input.rate_unit = value,
        "linkedin_url" => input.linkedin_url = value,
        "links" => input.links = value,
        "source" => input.source = value,
        "tags" => input.tags = value,
        "notes" => input.notes = value,
        _ => {}
    }
}

/// Decides what each row of a chunk does (reads only).
fn plan_chunk(conn: &mut DbConnection, ctx: &mut Context<'_>, rows: &[RawRow]) -> Result<Vec<Plan>, AppError> {
    let matches = load_matches(conn, ctx, rows)?;
    let mut plans = Vec::with_capacity(rows.len());
    for row in rows {
        plans.push(plan_row(ctx, &matches, row));
    }
    Ok(plans)
}

fn plan_row(ctx: &mut Context<'_>, matches: &Matches, row: &RawRow) -> Plan {
    let mut problems = Vec::new();
    let problem = |column: String, message: String| Problem { row: row.row, column, message };
    let columns = ctx.headers.len();
    if row.cells.len() > columns && row.cells[columns..].iter().any(|c| !c.trim().is_empty()) {
        problems.push(problem(
            "—".into(),
            format!(
                "This row has {} cells but the header row has {columns}: a delimiter inside a cell is probably \
                 missing its quotes.",
                row.cells.len()
            ),
        ));
        return Plan::Invalid(problems);
    }
    // Which record the row is about: its NextGig ID, else its email, else its phone.
    let email_key = ctx.cell(row, "email").map(validation::normalize_email).filter(|e| !e.is_empty());
    let phone_key = ctx.cell(row, "phone").and_then(|p| contractor::phone_key(p.trim()));
    let by_id =
        ctx.cell(row, "id").and_then(|v| v.trim().parse::<i64>().ok()).filter(|id| matches.by_id.contains_key(id));
    let target = by_id
        .or_else(|| email_key.as_ref().and_then(|e| matches.by_email.get(e).copied()))
        .or_else(|| phone_key.as_ref().and_then(|p| matches.by_phone.get(p).copied()))
        .and_then(|id| matches.by_id.get(&id));
    let mut input = match target {
        Some(record) => {
            let skills = matches.skills.get(&record.id).cloned().unwrap_or_default();
            ContractorInput::from_record(record, &skills)
        }
        None => ContractorInput {
            owner_id: ctx.default_owner.map(|id| id.to_string()).unwrap_or_default(),
            ..ContractorInput::default()
        },
    };
    for (at, key) in ctx.mapping.columns.iter().enumerate() {
        let Some(key) = *key else { continue };
        let raw = row.cells.get(at).map_or("", String::as_str);
        match key {
            "id" => {}
            "owner" => {
                let wanted = raw.trim().to_lowercase();
                if wanted.is_empty() {
                    input.owner_id.clear();
                } else if let Some(id) = ctx.team.get(&wanted) {
                    input.owner_id = id.to_string();
                } else {
                    problems.push(problem(
                        ctx.headers[at].clone(),
                        format!(
                            "No one on your team has the email or name \"{}\".",
                            raw.trim().chars().take(80).collect::<String>()
                        ),
                    ));
                }
            }
            "remote" | "availability" | "extension_likelihood" | "rate_unit" => {
                set_field(&mut input, key, contractor_csv::choice_value(key, raw));
            }
            "available_from" | "contract_ends_on" => set_field(&mut input, key, contractor_csv::date_value(raw)),
            "links" => set_field(
                &mut input,
                key,
                raw.split([' ', '\t', '\n', '\r', ';'])
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join("\n")
                    .replace(",\n", "\n"),
            ),
            _ => set_field(&mut input, key, raw.to_string()),
        }
    }
    if let Some(unit) = ctx.implied_unit
        && !input.rate_floor.trim().is_empty()
    {
        input.rate_unit = unit.to_string();
    }
    let valid = match input.validate() {
        Ok(valid) => Some(valid),
        Err(AppError::Invalid(errors)) => {
            for (field, message) in errors.iter() {
                problems.push(problem(ctx.column_name(field), message.to_string()));
            }
            None
        }
        Err(e) => {
            problems.push(problem("—".into(), e.to_string()));
            None
        }
    };
    let Some(valid) = valid else { return Plan::Invalid(problems) };
    if !problems.is_empty() {
        return Plan::Invalid(problems);
    }
    let target_id = target.map(|t| t.id);
    // The duplicate guard: an email or phone may belong to one record only.
    if let Some(email) = &valid.email
        && let Some(other) = matches.by_email.get(email).filter(|other| Some(**other) != target_id)
    {
        let name = matches.by_id.get(other).map_or("another contractor", |c| c.name.as_str());
        problems.push(problem(ctx.column_name("email"), format!("{name} already has this email.")));
    }
    if let Some(key) = &valid.phone_key
        && let Some(other) = matches.by_phone.get(key).filter(|other| Some(**other) != target_id)
    {
        let name = matches.by_id.get(other).map_or("another contractor", |c| c.name.as_str());
        problems.push(problem(ctx.column_name("phone"), format!("{name} already has this phone.")));
    }
    if let Some(id) = target_id
        && let Some(first) = ctx.seen_record.get(&id)
    {
        problems
            .push(problem("—".into(), format!("Row {first} is about the same contractor; keep one of the two rows.")));
    }
    if let Some(email) = &valid.email
        && let Some(first) = ctx.seen_email.get(email)
    {
        problems.push(problem(ctx.column_name("email"), format!("Row {first} has the same email.")));
    }
    if let Some(key) = &valid.phone_key
        && let Some(first) = ctx.seen_phone.get(key)
    {
        problems.push(problem(ctx.column_name("phone"), format!("Row {first} has the same phone.")));
    }
    if !problems.is_empty() {
        return Plan::Invalid(problems);
    }
    if let Some(id) = target_id {
        ctx.seen_record.insert(id, row.row);
    }
    if let Some(email) = &valid.email {
        ctx.seen_email.insert(email.clone(), row.row);
    }
    if let Some(key) = &valid.phone_key {
        ctx.seen_phone.insert(key.clone(), row.row);
    }
    match target {
        None => Plan::Create(Box::new(valid)),
        Some(record) => {
            let skills = matches.skills.get(&record.id).cloned().unwrap_or_default();
            // Skills are a set: the order they are written in changes nothing.
            let sorted = |mut v: ValidContractor| {
                v.skills.sort();
                v
            };
            let current = ContractorInput::from_record(record, &skills).validate().ok().map(sorted);
            if current == Some(sorted(valid.clone())) {
                return Plan::Unchanged;
            }
            let availability_changed = record.availability != valid.availability
                || record.available_from != valid.available_from
                || record.contract_ends_on != valid.contract_ends_on;
            Plan::Update { id: record.id, version: record.version, valid: Box::new(valid), availability_changed }
        }
    }
}

fn sample(row: usize, action: &str, valid: &ValidContractor) -> SampleRow {
    let availability = match (valid.availability, valid.available_from, valid.contract_ends_on) {
        ("from_date", Some(date), _) => format!("Available from {}", date.format("%-d %b %Y")),
        ("on_contract", _, Some(date)) => format!("On contract until {}", date.format("%-d %b %Y")),
        (stored, _, _) => AVAILABILITY.iter().find(|(s, _)| *s == stored).map_or("", |(_, l)| l).to_string(),
    };
    let rate = match (valid.rate_floor_minor, &valid.rate_currency, valid.rate_unit) {
        (Some(minor), Some(currency), Some(unit)) => money::format_rate(minor, currency, unit),
        _ => String::new(),
    };
    SampleRow {
        row,
        action: action.to_string(),
        name: valid.name.clone(),
        email: valid.email.clone().unwrap_or_default(),
        skills: valid.skills.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", "),
        availability,
        rate,
        location: valid.location.clone().unwrap_or_default(),
    }
}

fn tally(report: &mut Report, rows: &[RawRow], plans: &[Plan]) {
    for (row, plan) in rows.iter().zip(plans) {
        report.rows += 1;
        match plan {
            Plan::Create(valid) => {
                report.new += 1;
                if report.sample.len() < SAMPLE_ROWS {
                    report.sample.push(sample(row.row, "New", valid));
                }
            }
            Plan::Update { valid, .. } => {
                report.updates += 1;
                if report.sample.len() < SAMPLE_ROWS {
                    report.sample.push(sample(row.row, "Update", valid));
                }
            }
            Plan::Unchanged => report.unchanged += 1,
            Plan::Invalid(problems) => {
                report.invalid += 1;
                report.problems.extend(problems.iter().cloned());
            }
        }
    }
}

/// The preview: every row planned, nothing written.
fn analyse(
    conn: &mut DbConnection,
    scope: AgencyScope,
    import: &Import,
    content: &str,
    mapping: &Mapping,
    actor: &Actor,
) -> Result<Report, AppError> {
    let headers = import.header_list();
    let delimiter = delimiter_byte(&import.delimiter).unwrap_or(b',');
    let mut ctx = Context::new(conn, scope, &headers, mapping, actor.user_id)?;
    let (mut reader, mut record) = data_reader(content, delimiter)?;
    let mut report = Report::default();
    loop {
        let rows = next_rows(&mut reader, &mut record, CHUNK)?;
        if rows.is_empty() {
            break;
        }
        let plans = plan_chunk(conn, &mut ctx, &rows)?;
        tally(&mut report, &rows, &plans);
    }
    Ok(report)
}

/// What pressing "Import" did.
#[derive(Debug, PartialEq, Eq)]
pub enum StartOutcome {
    /// Queued: an instance's import runner takes it up.
    Queued,
    /// Some rows have problems and the user did not say to skip them.
    ProblemsNotSkipped(usize),
    /// Not ready (no preview yet) or already running or done.
    NotReady(&'static str),
}

/// Queues an import for the import runner (once: a double click queues it once). A failed import
/// queued again resumes after the rows it wrote before it stopped.
pub fn start(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    skip_invalid: bool,
    started_by: Option<i64>,
    now: NaiveDateTime,
) -> Result<StartOutcome, AppError> {
    db::write(conn, |conn| {
        let import = find(conn, scope, id)?;
        let retry = import.is_failed();
        if !(import.has_preview() || retry) {
            let why = match import.status.as_str() {
                "running" => "This import is already running.",
                "done" => "This import has finished.",
                _ => "Confirm the column mapping first.",
            };
            return Ok(StartOutcome::NotReady(why));
        }
        let invalid = import.report().map_or(0, |r| r.invalid);
        if invalid > 0 && !skip_invalid && import.has_preview() {
            return Ok(StartOutcome::ProblemsNotSkipped(invalid));
        }
        let queued = diesel::update(
            imports::table
                .filter(imports::id.eq(id))
                .filter(imports::agency_id.eq(scope.agency_id()))
                .filter(imports::status.eq(&import.status))
                .filter(imports::updated_at.eq(import.updated_at)),
        )
        .set((
            imports::status.eq("running"),
            imports::skip_invalid.eq(skip_invalid || (retry && import.skip_invalid)),
            imports::error.eq(None::<String>),
            imports::claimed_by.eq(None::<String>),
            imports::claimed_until.eq(None::<NaiveDateTime>),
            imports::attempts.eq(0),
            imports::started_by.eq(started_by),
            imports::updated_at.eq(now),
        ))
        .execute(conn)?;
        Ok(if queued == 1 { StartOutcome::Queued } else { StartOutcome::NotReady("This import is already running.") })
    })
}

/// An import an instance has claimed to run.
#[derive(Clone, Copy, Debug)]
pub struct Claimed {
    pub id: i64,
    /// The agency it belongs to.
    pub scope: AgencyScope,
    /// Who pressed "Import".
    pub started_by: Option<i64>,
}

/// Claims the oldest running import that no instance holds (queued, or interrupted: its claim
/// was given back or lapsed) for `worker` until `now + ttl`. One that was already taken up
/// [`MAX_ATTEMPTS`] times is stopped as failed instead.
pub fn claim_next(
    conn: &mut DbConnection,
    worker: &str,
    ttl: TimeDelta,
    now: NaiveDateTime,
) -> Result<Option<Claimed>, AppError> {
    let free = || imports::claimed_until.is_null().or(imports::claimed_until.lt(now));
    let candidates: Vec<(i64, i64, i32, Option<i64>)> = imports::table
        .filter(imports::status.eq("running"))
        .filter(free())
        .order(imports::id.asc())
        .limit(10)
        .select((imports::id, imports::agency_id, imports::attempts, imports::started_by))
        .load(conn)?;
    for (id, agency_id, attempts, started_by) in candidates {
        // The WHERE clause repeats what was read: whoever updates the row first has the import.
        let target = imports::table
            .filter(imports::id.eq(id))
            .filter(imports::status.eq("running"))
            .filter(imports::attempts.eq(attempts))
            .filter(free());
        if attempts >= MAX_ATTEMPTS {
            diesel::update(target)
                .set((
                    imports::status.eq("failed"),
                    imports::error.eq(Some(format!(
                        "The import was interrupted {} times and stopped trying. Rows imported before that are \
                         saved; run it again to finish it (nothing is imported twice).",
                        attempts
                    ))),
                    imports::claimed_by.eq(None::<String>),
                    imports::claimed_until.eq(None::<NaiveDateTime>),
                    imports::updated_at.eq(now),
                    imports::finished_at.eq(Some(now)),
                ))
                .execute(conn)?;
            continue;
        }
        let won = diesel::update(target)
            .set((
                imports::claimed_by.eq(worker),
                imports::claimed_until.eq(now + ttl),
                imports::attempts.eq(attempts + 1),
            ))
            .execute(conn)?;
        if won == 1 {
            tracing::info!(import = id, worker, attempt = attempts + 1, "import claimed");
            return Ok(Some(Claimed { id, scope: AgencyScope::of(agency_id), started_by }));
        }
    }
    Ok(None)
}

/// Gives an import back (this instance is stopping): another instance, or this one after a
/// restart, resumes it after the last chunk written.
pub fn release(conn: &mut DbConnection, id: i64, worker: &str) -> Result<(), AppError> {
    diesel::update(
        imports::table
            .filter(imports::id.eq(id))
            .filter(imports::status.eq("running"))
            .filter(imports::claimed_by.eq(worker)),
    )
    .set((imports::claimed_by.eq(None::<String>), imports::claimed_until.eq(None::<NaiveDateTime>)))
    .execute(conn)?;
    Ok(())
}

type Columns<'a> = (
    diesel::dsl::Eq<agency_contractors::owner_id, Option<i64>>,
    diesel::dsl::Eq<agency_contractors::name, &'a str>,
    diesel::dsl::Eq<agency_contractors::email, Option<&'a str>>,
    diesel::dsl::Eq<agency_contractors::phone, Option<&'a str>>,
    diesel::dsl::Eq<agency_contractors::phone_key, Option<&'a str>>,
    diesel::dsl::Eq<agency_contractors::headline, Option<&'a str>>,
    diesel::dsl::Eq<agency_contractors::summary, Option<&'a str>>,
    diesel::dsl::Eq<agency_contractors::location, Option<&'a str>>,
    diesel::dsl::Eq<agency_contractors::location_key, Option<String>>,
    diesel::dsl::Eq<agency_contractors::remote, &'a str>,
    diesel::dsl::Eq<agency_contractors::availability, &'a str>,
    diesel::dsl::Eq<agency_contractors::available_from, Option<chrono::NaiveDate>>,
    diesel::dsl::Eq<agency_contractors::contract_ends_on, Option<chrono::NaiveDate>>,
    diesel::dsl::Eq<agency_contractors::extension_likelihood, Option<&'a str>>,
    diesel::dsl::Eq<agency_contractors::notice_days, Option<i32>>,
    diesel::dsl::Eq<agency_contractors::available_on, chrono::NaiveDate>,
    (
        diesel::dsl::Eq<agency_contractors::rate_floor_minor, Option<i64>>,
        diesel::dsl::Eq<agency_contractors::rate_currency, Option<&'a str>>,
        diesel::dsl::Eq<agency_contractors::rate_unit, Option<&'a str>>,
        diesel::dsl::Eq<agency_contractors::rate_hourly_minor, Option<i64>>,
        diesel::dsl::Eq<agency_contractors::linkedin_url, Option<&'a str>>,
        diesel::dsl::Eq<agency_contractors::links, Option<&'a str>>,
        diesel::dsl::Eq<agency_contractors::source, Option<&'a str>>,
        diesel::dsl::Eq<agency_contractors::tags, Option<&'a str>>,
        diesel::dsl::Eq<agency_contractors::notes, Option<&'a str>>,
        diesel::dsl::Eq<agency_contractors::updated_at, NaiveDateTime>,
    ),
);

/// The columns a row sets: the same as the contractor form's save (`contractor::values`), with
/// the same normalised values (`available_on`, `rate_hourly_minor`, `location_key`).
fn columns(input: &ValidContractor, now: NaiveDateTime) -> Columns<'_> {
    use agency_contractors as c;
    (
        c::owner_id.eq(input.owner_id),
        c::name.eq(input.name.as_str()),
        c::email.eq(input.email.as_deref()),
        c::phone.eq(input.phone.as_deref()),
        c::phone_key.eq(input.phone_key.as_deref()),
        c::headline.eq(input.headline.as_deref()),
        c::summary.eq(input.summary.as_deref()),
        c::location.eq(input.location.as_deref()),
        c::location_key.eq(input.location.as_ref().map(|l| l.to_lowercase())),
        c::remote.eq(input.remote),
        c::availability.eq(input.availability),
        c::available_from.eq(input.available_from),
        c::contract_ends_on.eq(input.contract_ends_on),
        c::extension_likelihood.eq(input.extension_likelihood),
        c::notice_days.eq(input.notice_days),
        c::available_on.eq(input.available_on()),
        (
            c::rate_floor_minor.eq(input.rate_floor_minor),
            c::rate_currency.eq(input.rate_currency.as_deref()),
            c::rate_unit.eq(input.rate_unit),
            c::rate_hourly_minor.eq(input.rate_hourly_minor()),
            c::linkedin_url.eq(input.linkedin_url.as_deref()),
            c::links.eq(input.links.as_deref()),
            c::source.eq(input.source.as_deref()),
            c::tags.eq(input.tags.as_deref()),
            c::notes.eq(input.notes.as_deref()),
            c::updated_at.eq(now),
        ),
    )
}

/// Counts of one written chunk.
#[derive(Debug, Default)]
struct Written {
    created: usize,
    updated: usize,
    /// Rows not written after all (someone saved the record meanwhile).
    problems: Vec<Problem>,
}

/// Writes one chunk's creates and updates, their skills and their search-index entries.
fn write_chunk(
    conn: &mut DbConnection,
    scope: AgencyScope,
    actor: &Actor,
    rows: &[RawRow],
    plans: &[Plan],
    now: NaiveDateTime,
) -> Result<Written, AppError> {
    let mut written = Written::default();
    let creates: Vec<&ValidContractor> =
        plans.iter().filter_map(|p| if let Plan::Create(v) = p { Some(v.as_ref()) } else { None }).collect();
    // (record id, its checked values) of every row written, for skills and the index.
    let mut saved: Vec<(i64, &ValidContractor)> = Vec::with_capacity(plans.len());
    if !creates.is_empty() {
        let values: Vec<_> = creates
            .iter()
            .map(|v| {
                (
                    agency_contractors::agency_id.eq(scope.agency_id()),
                    agency_contractors::version.eq(1),
                    agency_contractors::created_by.eq(actor.user_id),
                    agency_contractors::created_at.eq(now),
                    // A spreadsheet is not a confirmation with the contractor.
                    agency_contractors::availability_confirmed_at.eq(None::<NaiveDateTime>),
                    columns(v, now),
                )
            })
            .collect();
        // Multi-row INSERT differs between the backends, so it is written once per backend.
        let mut ids: Vec<i64> = match conn {
            DbConnection::Sqlite(c) => diesel::insert_into(agency_contractors::table)
                .values(&values)
                .returning(agency_contractors::id)
                .get_results(c)?,
            DbConnection::Postgresql(c) => diesel::insert_into(agency_contractors::table)
                .values(&values)
                .returning(agency_contractors::id)
                .get_results(c)?,
        };
        // Ids are handed out in the order of the VALUES list; check it rather than trust it.
        ids.sort_unstable();
        let names: Vec<String> = agency_contractors::table
            .filter(agency_contractors::id.eq_any(&ids))
            .order(agency_contractors::id.asc())
            .select(agency_contractors::name)
            .load(conn)?;
        if ids.len() != creates.len() || names.iter().zip(&creates).any(|(n, v)| *n != v.name) {
            return Err(AppError::internal("bulk insert returned ids out of order"));
        }
        written.created = ids.len();
        saved.extend(ids.into_iter().zip(creates.iter().copied()));
    }
    let mut updated_ids = Vec::new();
    for (row, plan) in rows.iter().zip(plans) {
        let Plan::Update { id, version, valid, availability_changed } = plan else { continue };
        let target = agency_contractors::table
            .filter(agency_contractors::id.eq(*id))
            .filter(agency_contractors::agency_id.eq(scope.agency_id()))
            .filter(agency_contractors::version.eq(*version));
        let changed = if *availability_changed {
            diesel::update(target)
                .set((
                    columns(valid, now),
                    agency_contractors::version.eq(version + 1),
                    agency_contractors::availability_confirmed_at.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?
        } else {
            diesel::update(target)
                .set((columns(valid, now), agency_contractors::version.eq(version + 1)))
                .execute(conn)?
        };
        if changed == 1 {
            updated_ids.push(*id);
            saved.push((*id, valid.as_ref()));
        } else {
            written.problems.push(Problem {
                row: row.row,
                column: "—".into(),
                message: "Someone saved this contractor while the import ran; their change was kept.".into(),
            });
        }
    }
    written.updated = updated_ids.len();
    if saved.is_empty() {
        return Ok(written);
    }
    // Skills: the shared vocabulary first, then every link of the chunk in one INSERT.
    let mut wanted: Vec<(String, String)> = Vec::new();
    for (_, valid) in &saved {
        for skill in &valid.skills {
            if !wanted.iter().any(|(k, _)| *k == skill.0) {
                wanted.push(skill.clone());
            }
        }
    }
    let vocabulary: HashMap<String, Skill> =
        Skill::resolve(conn, &wanted, now)?.into_iter().map(|s| (s.key.clone(), s)).collect();
    if !updated_ids.is_empty() {
        diesel::delete(
            agency_contractor_skills::table.filter(agency_contractor_skills::agency_contractor_id.eq_any(&updated_ids)),
        )
        .execute(conn)?;
    }
    let links: Vec<_> = saved
        .iter()
        .flat_map(|(id, valid)| {
            valid.skills.iter().filter_map(|(key, _)| vocabulary.get(key)).map(move |skill| {
                (
                    agency_contractor_skills::agency_contractor_id.eq(*id),
                    agency_contractor_skills::skill_id.eq(skill.id),
                )
            })
        })
        .collect();
    for batch in links.chunks(5_000) {
        match conn {
            DbConnection::Sqlite(c) => diesel::insert_into(agency_contractor_skills::table).values(batch).execute(c)?,
            DbConnection::Postgresql(c) => {
                diesel::insert_into(agency_contractor_skills::table).values(batch).execute(c)?
            }
        };
    }
    // The same index entry `contractor::reindex` writes, from the values just saved.
    for (id, valid) in &saved {
        let mut skill_names: Vec<&str> =
            valid.skills.iter().filter_map(|(key, _)| vocabulary.get(key)).map(|s| s.name.as_str()).collect();
        skill_names.sort_unstable();
        search::index_contractor(
            conn,
            &search::Document {
                id: *id,
                agency_id: scope.agency_id(),
                name: &valid.name,
                headline: &[valid.headline.as_deref().unwrap_or(""), valid.location.as_deref().unwrap_or("")].join(" "),
                summary: valid.summary.as_deref().unwrap_or(""),
                skills: &skill_names.join(" "),
                notes: &[valid.notes.as_deref().unwrap_or(""), &valid.tags.as_deref().unwrap_or("").replace(',', " ")]
                    .join(" "),
            },
        )?;
    }
    Ok(written)
}

/// How a run of a claimed import ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// Every row was written: the import is done.
    Done,
    /// Asked to stop between chunks: the claim was given back for a later run to resume.
    Paused,
    /// Another instance holds the import now (this claim lapsed): this run wrote nothing more.
    Lost,
}

/// Runs an import `worker` claimed, from the row after the last chunk written to the end: a
/// chunk per transaction, each renewing the claim until `now() + ttl` and recording the progress
/// and the chunk's problems with the rows. `keep_going` is asked before each chunk. Without "skip
/// invalid rows" a row with problems stops the import before its chunk is written.
pub fn run(
    conn: &mut DbConnection,
    claimed: &Claimed,
    worker: &str,
    ttl: TimeDelta,
    now: &dyn Fn() -> NaiveDateTime,
    keep_going: &dyn Fn() -> bool,
) -> Result<RunOutcome, AppError> {
    let (id, scope) = (claimed.id, claimed.scope);
    let outcome = run_rows(conn, claimed, worker, ttl, now, keep_going);
    let message = match &outcome {
        Ok(_) => return outcome,
        // A passing outage: the import is given back and resumed by a later run.
        Err(AppError::Unavailable(_)) => {
            tracing::warn!(import = id, "import paused: the database is unavailable");
            let _ = release(conn, id, worker);
            return outcome;
        }
        Err(AppError::BadRequest(why)) => why.clone(),
        Err(_) => "The import stopped on an unexpected error. Rows imported before that are saved; run the import \
                   again to finish it (nothing is imported twice)."
            .to_string(),
    };
    if let Err(e) = &outcome {
        tracing::warn!(import = id, error = %e, "import stopped");
    }
    diesel::update(
        imports::table
            .filter(imports::id.eq(id))
            .filter(imports::agency_id.eq(scope.agency_id()))
            .filter(imports::claimed_by.eq(worker)),
    )
    .set((
        imports::status.eq("failed"),
        imports::error.eq(Some(message)),
        imports::claimed_by.eq(None::<String>),
        imports::claimed_until.eq(None::<NaiveDateTime>),
        imports::updated_at.eq(now()),
        imports::finished_at.eq(Some(now())),
    ))
    .execute(conn)?;
    outcome
}

/// Renews `worker`'s claim on a running import whose progress is still `processed` rows, in the
/// caller's transaction (on PostgreSQL the row stays locked until it commits). False when another
/// instance took the import over: nothing may be written then.
fn renew_claim(
    conn: &mut DbConnection,
    id: i64,
    worker: &str,
    processed: usize,
    until: NaiveDateTime,
) -> Result<bool, AppError> {
    let renewed = diesel::update(
        imports::table
            .filter(imports::id.eq(id))
            .filter(imports::status.eq("running"))
            .filter(imports::claimed_by.eq(worker))
            .filter(imports::processed_rows.eq(processed as i32)),
    )
    .set(imports::claimed_until.eq(until))
    .execute(conn)?;
    Ok(renewed == 1)
}

/// The audit and on-whose-behalf of a run: the user who pressed "Import", from the runner.
fn runner(claimed: &Claimed) -> Actor {
    Actor {
        user_id: claimed.started_by,
        agency_id: Some(claimed.scope.agency_id()),
        ip: "background".into(),
        user_agent: "NextGig import runner".into(),
    }
}

fn run_rows(
    conn: &mut DbConnection,
    claimed: &Claimed,
    worker: &str,
    ttl: TimeDelta,
    now: &dyn Fn() -> NaiveDateTime,
    keep_going: &dyn Fn() -> bool,
) -> Result<RunOutcome, AppError> {
    let (id, scope) = (claimed.id, claimed.scope);
    let import = find(conn, scope, id)?;
    if !import.is_running() || import.claimed_by.as_deref() != Some(worker) {
        return Ok(RunOutcome::Lost);
    }
    let actor = runner(claimed);
    let mapping = saved_mapping(&import)?;
    let content = content_of(conn, scope, id)?;
    let headers = import.header_list();
    let delimiter = delimiter_byte(&import.delimiter).unwrap_or(b',');
    let mut ctx = Context::new(conn, scope, &headers, &mapping, claimed.started_by)?;
    let (mut reader, mut record) = data_reader(&content, delimiter)?;
    let count = |n: i32| usize::try_from(n).unwrap_or(0);
    let mut processed = count(import.processed_rows);
    let (mut created, mut updated, mut skipped) =
        (count(import.created_count), count(import.updated_count), count(import.skipped_count));
    // Resuming: the rows written before the interruption are read again, not written, only to
    // rebuild the guard against a row repeating an earlier row's email or phone.
    let mut replayed = 0;
    while replayed < processed {
        let rows = next_rows(&mut reader, &mut record, CHUNK.min(processed - replayed))?;
        if rows.is_empty() {
            break;
        }
        plan_chunk(conn, &mut ctx, &rows)?;
        replayed += rows.len();
    }
    loop {
        if !keep_going() {
            release(conn, id, worker)?;
            tracing::info!(import = id, processed, "import paused; it resumes where it stopped");
            return Ok(RunOutcome::Paused);
        }
        let rows = next_rows(&mut reader, &mut record, CHUNK)?;
        if rows.is_empty() {
            break;
        }
        let at = now();
        let written = db::write(conn, |conn| {
            if !renew_claim(conn, id, worker, processed, at + ttl)? {
                return Ok(None);
            }
            let plans = plan_chunk(conn, &mut ctx, &rows)?;
            // The preview had no problems, but the agency's records may have changed since:
            // without "skip the invalid rows" such a row stops the import before its chunk.
            if !import.skip_invalid
                && let Some((row, Plan::Invalid(problems))) =
                    rows.iter().zip(&plans).find(|(_, p)| matches!(p, Plan::Invalid(_)))
            {
                let why = problems.first().map_or(String::new(), |p| format!(" ({}: {})", p.column, p.message));
                return Err(AppError::BadRequest(format!(
                    "Row {} has a problem that appeared after the preview{why}. The {processed} rows before its \
                     chunk were imported; fix the file, or tick \"skip the invalid rows\", and run the import \
                     again (nothing is imported twice).",
                    row.row
                )));
            }
            let written = write_chunk(conn, scope, &actor, &rows, &plans, at)?;
            // Rows that lost a race with an edit are skipped, not updated.
            let mut problems: Vec<&Problem> = plans
                .iter()
                .filter_map(|p| if let Plan::Invalid(problems) = p { Some(problems) } else { None })
                .flatten()
                .collect();
            problems.extend(&written.problems);
            record_problems(conn, id, &problems)?;
            let invalid = plans.iter().filter(|p| matches!(p, Plan::Invalid(_))).count() + written.problems.len();
            diesel::update(imports::table.filter(imports::id.eq(id)))
                .set((
                    imports::processed_rows.eq((processed + rows.len()) as i32),
                    imports::created_count.eq((created + written.created) as i32),
                    imports::updated_count.eq((updated + written.updated) as i32),
                    imports::skipped_count.eq((skipped + invalid) as i32),
                    imports::updated_at.eq(at),
                ))
                .execute(conn)?;
            Ok::<_, AppError>(Some((written.created, written.updated, invalid)))
        })?;
        let Some((new, changed, invalid)) = written else {
            tracing::warn!(import = id, worker, "import taken over by another instance; this run stops");
            return Ok(RunOutcome::Lost);
        };
        processed += rows.len();
        created += new;
        updated += changed;
        skipped += invalid;
    }
    let at = now();
    db::write(conn, |conn| {
        if !renew_claim(conn, id, worker, processed, at + ttl)? {
            return Ok(RunOutcome::Lost);
        }
        let problems: Vec<Problem> = import_problems::table
            .filter(import_problems::import_id.eq(id))
            .order((import_problems::row_number.asc(), import_problems::id.asc()))
            .select((import_problems::row_number, import_problems::column_name, import_problems::message))
            .load::<(i32, String, String)>(conn)?
            .into_iter()
            .map(|(row, column, message)| Problem { row: count(row), column, message })
            .collect();
        let report = Report {
            rows: processed,
            new: created,
            updates: updated,
            unchanged: processed.saturating_sub(created + updated + skipped),
            invalid: skipped,
            problems,
            sample: Vec::new(),
        };
        diesel::update(imports::table.filter(imports::id.eq(id)))
            .set((
                imports::status.eq("done"),
                imports::report.eq(Some(json(&report)?)),
                imports::total_rows.eq(processed as i32),
                // The file holds personal data: once imported, only the summary is kept.
                imports::content.eq(""),
                imports::claimed_by.eq(None::<String>),
                imports::claimed_until.eq(None::<NaiveDateTime>),
                imports::updated_at.eq(at),
                imports::finished_at.eq(Some(at)),
            ))
            .execute(conn)?;
        diesel::delete(import_problems::table.filter(import_problems::import_id.eq(id))).execute(conn)?;
        audit::record(
            conn,
            &actor,
            Event::on(
                "contractors.imported",
                "import",
                id,
                format!(
                    "{}: {created} created, {updated} updated, {} unchanged, {skipped} skipped",
                    import.filename, report.unchanged
                ),
            ),
            at,
        )?;
        Ok::<_, AppError>(RunOutcome::Done)
    })
}

/// Records a chunk's problems with its rows (in the chunk's transaction).
fn record_problems(conn: &mut DbConnection, id: i64, problems: &[&Problem]) -> Result<(), AppError> {
    let rows: Vec<_> = problems
        .iter()
        .map(|p| {
            (
                import_problems::import_id.eq(id),
                import_problems::row_number.eq(i32::try_from(p.row).unwrap_or(i32::MAX)),
                import_problems::column_name.eq(p.column.as_str()),
                import_problems::message.eq(p.message.as_str()),
            )
        })
        .collect();
    for batch in rows.chunks(1_000) {
        match conn {
            DbConnection::Sqlite(c) => diesel::insert_into(import_problems::table).values(batch).execute(c)?,
            DbConnection::Postgresql(c) => diesel::insert_into(import_problems::table).values(batch).execute(c)?,
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delimiter_is_the_most_common_one_in_the_header() {
        assert_eq!(detect_delimiter("Name;Email;Phone\na;b;c"), b';');
        assert_eq!(detect_delimiter("Name\tEmail\n"), b'\t');
        assert_eq!(detect_delimiter("\"A;B\",C,D\n"), b',');
        assert_eq!(detect_delimiter("Name\n"), b',');
    }

    #[test]
    fn broken_quotes_are_reported_with_their_line() {
        assert!(check_quotes("a,b\n\"x\",\"y\"\"z\"\n", b',').is_ok());
        let unclosed = check_quotes("a,b\nx,y\n\"open,z\nq,r\n", b',').unwrap_err();
        assert!(unclosed.contains("line 3"), "{unclosed}");
        let stray = check_quotes("a,b\n\"x\"y,z\n", b',').unwrap_err();
        assert!(stray.contains("Line 2"), "{stray}");
    }

    #[test]
    fn uploads_refuse_what_is_not_a_csv() {
        assert!(inspect("x.csv", Vec::new(), None).unwrap_err().contains("empty"));
        assert!(inspect("x.xlsx", b"PK\x03\x04rest".to_vec(), None).unwrap_err().contains("CSV UTF-8"));
        assert!(inspect("x.csv", b"a\x00b".to_vec(), None).unwrap_err().contains("binary"));
        assert!(inspect("x.csv", b"Name\n\xE9t\xE9\n".to_vec(), None).unwrap_err().contains("not UTF-8"));
        let ok = inspect("C:\\Users\\me\\people.csv", b"\xEF\xBB\xBFName;Email\nAnn;a@x.io\n".to_vec(), None).unwrap();
        assert_eq!(ok.filename, "people.csv");
        assert_eq!(ok.headers, ["Name", "Email"]);
        assert_eq!((ok.delimiter, ok.rows), (b';', 1));
    }
}
