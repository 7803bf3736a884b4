//! Documents: CVs, certificates, references and others, kept in the database (bytes, size, type,
//! checksum, who uploaded them and when) with the text read from them. An agency's upload belongs
//! to that agency's record and never leaves the agency; a contractor's own upload belongs to
//! their profile and is seen by every agency linked to it. The newest CV is the current one: its
//! text feeds the contractor search and the "skills found in the CV" hint.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::schema::{agency_contractors, documents, users};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::audit::{self, Actor, Event};
use crate::models::contractor::{self, Contractor};
use crate::models::document_text::{self, FileType};

/// The kinds of document, as (value, label).
pub const KINDS: &[(&str, &str)] =
    &[("cv", "CV"), ("certificate", "Certificate"), ("reference", "Reference"), ("other", "Other document")];

/// Characters of the current CV shown on the contractor page.
pub const PREVIEW_CHARS: usize = 4_000;
/// Most skills suggested from a CV.
const MAX_SUGGESTIONS: usize = 20;

/// The kind's value if it is one of [`KINDS`].
pub fn check_kind(kind: &str) -> Result<&'static str, String> {
    KINDS.iter().find(|(value, _)| *value == kind.trim()).map(|(value, _)| *value).ok_or_else(|| {
        "Choose what this document is: a CV, a certificate, a reference or another document.".to_string()
    })
}

/// Who a new document belongs to.
#[derive(Clone, Copy, Debug)]
pub enum Owner {
    /// An agency's record of a contractor (checked against the scope).
    Record { scope: AgencyScope, record_id: i64 },
    /// A contractor's own profile.
    Profile { profile_id: i64 },
}

/// A checked upload, ready to store.
#[derive(Clone, Debug)]
pub struct Upload {
    pub kind: &'static str,
    pub file_name: String,
    pub file_type: FileType,
    pub bytes: Vec<u8>,
}

/// Checks an uploaded file by its content and cleans its name; `Err` is the message for the form.
pub fn check_upload(kind: &str, raw_name: &str, bytes: Vec<u8>) -> Result<Upload, String> {
    let kind = check_kind(kind)?;
    if bytes.len() > document_text::MAX_UPLOAD_BYTES {
        return Err(too_large_message());
    }
    let file_type = document_text::inspect(&bytes)?;
    Ok(Upload { kind, file_name: document_text::clean_name(raw_name, file_type), file_type, bytes })
}

/// The message for a file over the limit.
pub fn too_large_message() -> String {
    format!(
        "This file is larger than {} MB. Save a smaller copy (a PDF without images, for example) and upload that.",
        document_text::MAX_UPLOAD_BYTES / (1024 * 1024)
    )
}

/// A stored document, without its bytes or text.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = documents)]
pub struct DocumentInfo {
    pub id: i64,
    pub agency_id: Option<i64>,
    pub agency_contractor_id: Option<i64>,
    pub profile_id: Option<i64>,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub text_status: String,
    pub uploaded_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

impl DocumentInfo {
    /// The kind as shown.
    pub fn kind_label(&self) -> &'static str {
        KINDS.iter().find(|(value, _)| *value == self.kind).map_or("Document", |(_, label)| *label)
    }

    /// The size as shown ("320 KB").
    pub fn size_text(&self) -> String {
        let bytes = self.size_bytes.max(0) as f64;
        if bytes >= 1024.0 * 1024.0 {
            format!("{:.1} MB", bytes / (1024.0 * 1024.0))
        } else if bytes >= 1024.0 {
            format!("{} KB", (bytes / 1024.0).round() as i64)
        } else {
            format!("{} bytes", self.size_bytes)
        }
    }

    /// Whether the contractor uploaded it themselves (to their profile).
    pub fn from_contractor(&self) -> bool {
        self.profile_id.is_some()
    }

    /// The state of the text read from it, as shown.
    pub fn text_note(&self) -> &'static str {
        match self.text_status.as_str() {
            "read" => "",
            "failed" => "Text could not be read",
            _ => "Reading the text…",
        }
    }
}

/// A document for the lists: its details and who uploaded it.
#[derive(Clone, Debug)]
pub struct Listed {
    pub info: DocumentInfo,
    pub uploaded_by: Option<String>,
}

/// A document's file, for download.
#[derive(Clone, Debug)]
pub struct File {
    pub file_name: String,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// Stores an upload (text not yet read) and records it in the audit log; returns its id. A
/// record outside the scope answers `NotFound`.
pub fn create(
    conn: &mut DbConnection,
    owner: Owner,
    upload: &Upload,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    // A write transaction from the start (BEGIN IMMEDIATE on SQLite): one that began by reading
    // could not take the write lock when another upload wrote meanwhile, and failed at once.
    db::write(conn, |conn| {
        let (agency_id, record_id, profile_id) = match owner {
            Owner::Record { scope, record_id } => {
                let record = contractor::find(conn, scope, record_id)?;
                (Some(record.agency_id), Some(record.id), None)
            }
            Owner::Profile { profile_id } => (None, None, Some(profile_id)),
        };
        let checksum = hex::encode(Sha256::digest(&upload.bytes));
        let id: i64 = diesel::insert_into(documents::table)
            .values((
                documents::agency_id.eq(agency_id),
                documents::agency_contractor_id.eq(record_id),
                documents::profile_id.eq(profile_id),
                documents::kind.eq(upload.kind),
                documents::file_name.eq(&upload.file_name),
                documents::content_type.eq(upload.file_type.content_type()),
                documents::size_bytes.eq(upload.bytes.len() as i64),
                documents::sha256.eq(&checksum),
                documents::body.eq(&upload.bytes),
                documents::text_status.eq("pending"),
                documents::uploaded_by.eq(actor.user_id),
                documents::created_at.eq(now),
            ))
            .returning(documents::id)
            .get_result(conn)?;
        let event = match record_id {
            Some(record) => Event::on(
                "documents.uploaded",
                "contractor",
                record,
                format!("{} {} ({} bytes)", upload.kind, upload.file_name, upload.bytes.len()),
            ),
            None => Event::new(
                "documents.uploaded",
                format!("own {} {} ({} bytes)", upload.kind, upload.file_name, upload.bytes.len()),
            ),
        };
        audit::record(conn, actor, event, now)?;
        Ok(id)
    })
}

/// How many times reading a document's text is started before it is marked unreadable: a
/// document whose reading keeps being cut off (its instance stopping or dying each time) is not
/// tried for ever.
pub const MAX_TEXT_ATTEMPTS: i32 = 3;

/// A document whose text is to be read.
#[derive(Clone, Debug)]
pub struct ToRead {
    pub id: i64,
    /// `None` for a stored type NextGig no longer reads.
    pub file_type: Option<FileType>,
    pub bytes: Vec<u8>,
}

/// Claims the reading of a pending document's text for `worker` until `now + ttl`, unless another
/// instance holds a claim that has not lapsed. True when `worker` has it.
pub fn claim_text(
    conn: &mut DbConnection,
    id: i64,
    worker: &str,
    ttl: TimeDelta,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    // The WHERE clause repeats the conditions: whoever updates the row first owns the reading.
    let won = diesel::update(
        documents::table
            .filter(documents::id.eq(id))
            .filter(documents::text_status.eq("pending"))
            .filter(documents::text_attempts.lt(MAX_TEXT_ATTEMPTS))
            .filter(documents::text_claimed_until.is_null().or(documents::text_claimed_until.lt(now))),
    )
    .set((
        documents::text_claimed_by.eq(worker),
        documents::text_claimed_until.eq(now + ttl),
        documents::text_attempts.eq(documents::text_attempts + 1),
    ))
    .execute(conn)?;
    Ok(won == 1)
}

/// The sweep's round: documents still pending whose reading was never started or was cut off
/// (the claim lapsed: its instance stopped or died), oldest first. Those already tried
/// [`MAX_TEXT_ATTEMPTS`] times are marked unreadable; up to `limit` others are claimed for
/// `worker`, whose ids are returned.
pub fn claim_pending(
    conn: &mut DbConnection,
    worker: &str,
    limit: i64,
    ttl: TimeDelta,
    now: NaiveDateTime,
) -> Result<Vec<i64>, AppError> {
    let lapsed = || documents::text_claimed_until.is_null().or(documents::text_claimed_until.lt(now));
    let given_up: Vec<i64> = documents::table
        .filter(documents::text_status.eq("pending"))
        .filter(lapsed())
        .filter(documents::text_attempts.ge(MAX_TEXT_ATTEMPTS))
        .order(documents::id.asc())
        .limit(100)
        .select(documents::id)
        .load(conn)?;
    for id in given_up {
        tracing::info!(document = id, "document text given up after repeated interruptions");
        finish_text(conn, id, None, None, now)?;
    }
    let due: Vec<i64> = documents::table
        .filter(documents::text_status.eq("pending"))
        .filter(lapsed())
        .filter(documents::text_attempts.lt(MAX_TEXT_ATTEMPTS))
        .order(documents::id.asc())
        .limit(limit)
        .select(documents::id)
        .load(conn)?;
    let mut claimed = Vec::with_capacity(due.len());
    for id in due {
        if claim_text(conn, id, worker, ttl, now)? {
            claimed.push(id);
        }
    }
    Ok(claimed)
}

/// The file of a document whose reading `worker` holds (`None` when it no longer does).
pub fn to_read(conn: &mut DbConnection, id: i64, worker: &str) -> Result<Option<ToRead>, AppError> {
    let row: Option<(String, Vec<u8>)> = documents::table
        .filter(documents::id.eq(id))
        .filter(documents::text_status.eq("pending"))
        .filter(documents::text_claimed_by.eq(worker))
        .select((documents::content_type, documents::body))
        .first(conn)
        .optional()?;
    Ok(row.map(|(content_type, bytes)| ToRead { id, file_type: FileType::from_content_type(&content_type), bytes }))
}

/// Gives back a claim without reading (no reader was free): the sweep reads it later, and the
/// try does not count.
pub fn release_text(conn: &mut DbConnection, id: i64, worker: &str) -> Result<(), AppError> {
    diesel::update(
        documents::table
            .filter(documents::id.eq(id))
            .filter(documents::text_status.eq("pending"))
            .filter(documents::text_claimed_by.eq(worker)),
    )
    .set((
        documents::text_claimed_by.eq(None::<String>),
        documents::text_claimed_until.eq(None::<NaiveDateTime>),
        documents::text_attempts.eq(documents::text_attempts - 1),
    ))
    .execute(conn)?;
    Ok(())
}

/// Saves the text `worker` read (`None`: it could not be read) and re-indexes the records it
/// feeds. False, and nothing saved, when `worker` no longer holds the reading (its claim lapsed
/// and another instance took it over).
pub fn save_text(
    conn: &mut DbConnection,
    id: i64,
    worker: &str,
    text: Option<String>,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    finish_text(conn, id, Some(worker), text, now)
}

/// Marks a pending document read (or unreadable), if `worker` (when given) holds its reading.
fn finish_text(
    conn: &mut DbConnection,
    id: i64,
    worker: Option<&str>,
    text: Option<String>,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    db::write(conn, |conn| {
        let status = if text.is_some() { "read" } else { "failed" };
        let target = documents::table.filter(documents::id.eq(id)).filter(documents::text_status.eq("pending"));
        let values = (
            documents::text_status.eq(status),
            documents::text_content.eq(text),
            documents::text_read_at.eq(Some(now)),
            documents::text_claimed_by.eq(None::<String>),
            documents::text_claimed_until.eq(None::<NaiveDateTime>),
        );
        let changed = match worker {
            Some(worker) => {
                diesel::update(target.filter(documents::text_claimed_by.eq(worker))).set(values).execute(conn)?
            }
            None => diesel::update(target).set(values).execute(conn)?,
        };
        if changed == 0 {
            return Ok(false);
        }
        let info: DocumentInfo = documents::table.find(id).select(DocumentInfo::as_select()).first(conn)?;
        if info.kind == "cv" {
            reindex_owners(conn, &info)?;
        }
        Ok(true)
    })
}

/// Re-indexes every record a document is shown on.
fn reindex_owners(conn: &mut DbConnection, info: &DocumentInfo) -> Result<(), AppError> {
    let records: Vec<Contractor> = match (info.agency_contractor_id, info.profile_id) {
        (Some(record), _) => agency_contractors::table
            .filter(agency_contractors::id.eq(record))
            .select(Contractor::as_select())
            .load(conn)?,
        (None, Some(profile)) => agency_contractors::table
            .filter(agency_contractors::profile_id.eq(profile))
            .select(Contractor::as_select())
            .load(conn)?,
        (None, None) => Vec::new(),
    };
    for record in &records {
        contractor::reindex(conn, record)?;
    }
    Ok(())
}

fn load_listed(
    conn: &mut DbConnection,
    agency_record: Option<(i64, i64)>,
    profile: Option<i64>,
) -> Result<Vec<Listed>, AppError> {
    Ok(load_listed_with_cv_texts(conn, agency_record, profile, false)?.into_iter().map(|(d, _)| d).collect())
}

/// [`load_listed`], each CV with its text when `cv_texts` (the same statement either way).
fn load_listed_with_cv_texts(
    conn: &mut DbConnection,
    agency_record: Option<(i64, i64)>,
    profile: Option<i64>,
    cv_texts: bool,
) -> Result<Vec<(Listed, Option<String>)>, AppError> {
    // One statement: the documents and their uploaders' names. Each side of the OR is a
    // lookup by its own index (a seed term such as `id IS NULL` would make SQLite read them all).
    let query =
        documents::table.left_join(users::table.on(users::id.nullable().eq(documents::uploaded_by))).into_boxed();
    let query = match (agency_record, profile) {
        (Some((agency, record)), Some(profile)) => query.filter(
            documents::agency_contractor_id
                .eq(record)
                .and(documents::agency_id.eq(agency))
                .or(documents::profile_id.eq(profile)),
        ),
        (Some((agency, record)), None) => {
            query.filter(documents::agency_contractor_id.eq(record).and(documents::agency_id.eq(agency)))
        }
        (None, Some(profile)) => query.filter(documents::profile_id.eq(profile)),
        (None, None) => return Ok(Vec::new()),
    };
    let cv_text = diesel::dsl::case_when::<_, _, diesel::sql_types::Nullable<diesel::sql_types::Text>>(
        documents::kind.eq("cv").and(cv_texts.into_sql::<diesel::sql_types::Bool>()),
        documents::text_content,
    );
    let rows: Vec<(DocumentInfo, Option<String>, Option<String>)> = query
        .order((documents::created_at.desc(), documents::id.desc()))
        .select((DocumentInfo::as_select(), users::name.nullable(), cv_text))
        .load(conn)?;
    Ok(rows.into_iter().map(|(info, uploaded_by, text)| (Listed { info, uploaded_by }, text)).collect())
}

/// The documents shown on a record (the agency's own for it and the linked profile's), newest
/// first.
pub fn for_record(conn: &mut DbConnection, record: &Contractor) -> Result<Vec<Listed>, AppError> {
    load_listed(conn, Some((record.agency_id, record.id)), record.profile_id)
}

/// The current CV of each of `records` (the newest CV among the agency's uploads for the record
/// and the linked profile's own, as on the record's page), by record id, in one statement.
pub fn current_cvs(
    conn: &mut DbConnection,
    scope: AgencyScope,
    records: &[Contractor],
) -> Result<HashMap<i64, DocumentInfo>, AppError> {
    if records.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
    let profiles: Vec<i64> = records.iter().filter_map(|r| r.profile_id).collect();
    let rows: Vec<DocumentInfo> = documents::table
        .filter(documents::kind.eq("cv"))
        .filter(
            documents::agency_id
                .eq(scope.agency_id())
                .and(documents::agency_contractor_id.eq_any(&ids))
                .or(documents::profile_id.eq_any(&profiles)),
        )
        .order((documents::created_at.desc(), documents::id.desc()))
        .select(DocumentInfo::as_select())
        .load(conn)?;
    let mut current = HashMap::new();
    for record in records {
        let own = |d: &&DocumentInfo| {
            d.agency_contractor_id == Some(record.id)
                || (record.profile_id.is_some() && d.profile_id == record.profile_id)
        };
        if let Some(cv) = rows.iter().find(own) {
            current.insert(record.id, cv.clone());
        }
    }
    Ok(current)
}

/// A contractor's own documents, newest first.
pub fn for_profile(conn: &mut DbConnection, profile_id: i64) -> Result<Vec<Listed>, AppError> {
    load_listed(conn, None, Some(profile_id))
}

fn file_of(conn: &mut DbConnection, id: i64) -> Result<File, AppError> {
    let (file_name, content_type, body) = documents::table
        .find(id)
        .select((documents::file_name, documents::content_type, documents::body))
        .first::<(String, String, Vec<u8>)>(conn)?;
    Ok(File { file_name, content_type, body })
}

/// A document the agency may open: uploaded to one of its records, or the own document of a
/// contractor linked to one of its records. Anything else answers `NotFound`.
pub fn find_for_agency(conn: &mut DbConnection, scope: AgencyScope, id: i64) -> Result<File, AppError> {
    let linked_profiles = agency_contractors::table
        .filter(agency_contractors::agency_id.eq(scope.agency_id()))
        .filter(agency_contractors::profile_id.is_not_null())
        .select(agency_contractors::profile_id);
    let visible: i64 = documents::table
        .filter(documents::id.eq(id))
        .filter(
            documents::agency_id
                .eq(scope.agency_id())
                .or(documents::profile_id.eq_any(linked_profiles).assume_not_null()),
        )
        .select(documents::id)
        .first(conn)?;
    file_of(conn, visible)
}

/// A contractor's own document; anything else answers `NotFound`.
pub fn find_for_profile(conn: &mut DbConnection, profile_id: i64, id: i64) -> Result<File, AppError> {
    let visible: i64 = documents::table
        .filter(documents::id.eq(id))
        .filter(documents::profile_id.eq(profile_id))
        .select(documents::id)
        .first(conn)?;
    file_of(conn, visible)
}

/// The documents section of the contractor page.
#[derive(Clone, Debug, Default)]
pub struct Panel {
    /// The current CV (newest), if any.
    pub current_cv: Option<Listed>,
    /// Every other document, newest first (older CVs included).
    pub others: Vec<Listed>,
    /// The start of the current CV's text, and whether there is more.
    pub preview: Option<(String, bool)>,
    /// Skills of the shared vocabulary found in the CV but not on the record.
    pub suggested_skills: Vec<String>,
}

impl Panel {
    /// How many documents in all.
    pub fn count(&self) -> usize {
        self.others.len() + usize::from(self.current_cv.is_some())
    }
}

/// The documents section of a record's page; `record_skills` are the skills it already has.
///
/// One statement: the documents with their CVs' text. `vocabulary` is the skill vocabulary
/// (`(key, name)`), read with the record when one of its CVs has text.
pub fn panel(
    conn: &mut DbConnection,
    record: &Contractor,
    record_skills: &[String],
    vocabulary: Option<&[(String, String)]>,
) -> Result<Panel, AppError> {
    let mut listed = load_listed_with_cv_texts(conn, Some((record.agency_id, record.id)), record.profile_id, true)?;
    let Some(at) = listed.iter().position(|(d, _)| d.info.kind == "cv") else {
        return Ok(Panel { others: listed.into_iter().map(|(d, _)| d).collect(), ..Panel::default() });
    };
    let (current, text) = listed.remove(at);
    let others = listed.into_iter().map(|(d, _)| d).collect();
    let (preview, suggested_skills) = match text {
        Some(text) => (
            Some(document_text::preview(&text, PREVIEW_CHARS)),
            suggest_skills(&text, vocabulary.unwrap_or_default(), record_skills),
        ),
        None => (None, Vec::new()),
    };
    Ok(Panel { current_cv: Some(current), others, preview, suggested_skills })
}

/// Skills of the vocabulary (`(key, name)`) whose key appears in `text` as a word or a phrase of
/// up to three words, leaving out those in `have`; sorted by name, at most 20.
pub fn suggest_skills(text: &str, vocabulary: &[(String, String)], have: &[String]) -> Vec<String> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| {
            c.is_whitespace()
                || matches!(c, ',' | ';' | ':' | '(' | ')' | '[' | ']' | '{' | '}' | '"' | '!' | '?' | '|')
        })
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | '\'' | '-' | '*' | '•')))
        .filter(|w| !w.is_empty())
        .collect();
    let mut phrases: HashSet<String> = HashSet::new();
    for (i, word) in words.iter().enumerate() {
        phrases.insert((*word).to_string());
        if word.contains('/') {
            phrases.extend(word.split('/').filter(|p| !p.is_empty()).map(str::to_string));
        }
        if let Some(next) = words.get(i + 1) {
            phrases.insert(format!("{word} {next}"));
            if let Some(third) = words.get(i + 2) {
                phrases.insert(format!("{word} {next} {third}"));
            }
        }
    }
    let have: HashSet<String> = have.iter().map(|s| s.to_lowercase()).collect();
    let found: BTreeSet<&str> = vocabulary
        .iter()
        .filter(|(key, name)| key.chars().count() >= 2 && phrases.contains(key) && !have.contains(&name.to_lowercase()))
        .map(|(_, name)| name.as_str())
        .collect();
    found.into_iter().take(MAX_SUGGESTIONS).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skills_are_found_as_words_and_phrases_and_known_ones_left_out() {
        let vocabulary: Vec<(String, String)> = [
            ("rust", "Rust"),
            ("kotlin", "Kotlin"),
            ("machine learning", "Machine Learning"),
            ("node.js", "Node.js"),
            ("c", "C"),
            ("ci/cd", "CI/CD"),
            ("java", "Java"),
        ]
        .iter()
        .map(|(k, n)| (k.to_string(), n.to_string()))
        .collect();
        let text = "Built Node.js and Rust services; machine learning pipelines (CI/CD). Wrote C. Javascript.";
        assert_eq!(suggest_skills(text, &vocabulary, &["rust".to_string()]), ["CI/CD", "Machine Learning", "Node.js"]);
    }

    #[test]
    fn kinds_are_checked() {
        assert_eq!(check_kind("cv"), Ok("cv"));
        assert!(check_kind("script").is_err());
    }
}
