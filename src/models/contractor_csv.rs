//! Contractors as CSV: the columns NextGig writes and reads back, cells made safe for
//! spreadsheets, header guessing for imports, and the export of a search or a hotlist in
//! batches (never the whole result in memory).

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::users;
use crate::db::{DbConnection, search};
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::contractor::{AVAILABILITY, Contractor, EXTENSION, REMOTE, Search, SearchHit};
use crate::models::money;

/// One column of the contractor CSV: the field it fills, its header, and headers people use for it.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    /// The field (a `ContractorInput` field name, or `owner` / `id`).
    pub key: &'static str,
    /// The header NextGig writes (and shows in the mapping).
    pub header: &'static str,
    /// Other headers that mean this field, normalised (lower case, letters and digits only).
    pub synonyms: &'static [&'static str],
}

/// Every column, in export order. The importer recognises each header it writes.
pub const COLUMNS: &[Column] = &[
    Column {
        key: "name",
        header: "Name",
        synonyms: &["fullname", "contractor", "contractorname", "candidate", "candidatename", "person"],
    },
    Column { key: "email", header: "Email", synonyms: &["emailaddress", "mail", "emailaddr", "workemail"] },
    Column {
        key: "phone",
        header: "Phone",
        synonyms: &["phonenumber", "mobile", "mobilephone", "mobilenumber", "cell", "telephone", "tel"],
    },
    Column { key: "headline", header: "Headline", synonyms: &["title", "jobtitle", "role", "position"] },
    Column {
        key: "skills",
        header: "Skills",
        synonyms: &["skill", "skillset", "technologies", "tech", "stack", "techstack", "keywords"],
    },
    Column { key: "location", header: "Location", synonyms: &["city", "town", "basedin", "based", "address"] },
    Column {
        key: "remote",
        header: "Remote",
        synonyms: &["remotepreference", "workmode", "wayofworking", "workstyle", "worklocation"],
    },
    Column { key: "availability", header: "Availability", synonyms: &["available", "availabilitystatus"] },
    Column {
        key: "available_from",
        header: "Available from",
        synonyms: &["availabledate", "availableon", "startdate", "canstart", "availablefromdate"],
    },
    Column {
        key: "contract_ends_on",
        header: "Contract ends",
        synonyms: &["contractend", "contractendson", "contractenddate", "contractendsdate", "enddate", "rolloff"],
    },
    Column { key: "extension_likelihood", header: "Extension", synonyms: &["extensionlikelihood"] },
    Column {
        key: "notice_days",
        header: "Notice days",
        synonyms: &["notice", "noticeperiod", "noticeperioddays", "noticedays"],
    },
    Column {
        key: "rate_floor",
        header: "Rate floor",
        synonyms: &["rate", "dayrate", "hourlyrate", "minrate", "minimumrate", "expectedrate", "dailyrate"],
    },
    Column { key: "rate_currency", header: "Currency", synonyms: &["ratecurrency", "cur"] },
    Column { key: "rate_unit", header: "Rate unit", synonyms: &["unit", "rateper", "rateperiod", "per"] },
    Column { key: "linkedin_url", header: "LinkedIn", synonyms: &["linkedinurl", "linkedinprofile", "linkedinlink"] },
    Column {
        key: "links",
        header: "Links",
        synonyms: &["otherlinks", "website", "websites", "github", "portfolio", "url", "urls"],
    },
    Column { key: "source", header: "Source", synonyms: &["leadsource", "origin", "referredby", "channel"] },
    Column {
        key: "owner",
        header: "Owner email",
        synonyms: &["owner", "recruiter", "recruiteremail", "ownedby", "accountmanager"],
    },
    Column { key: "tags", header: "Tags", synonyms: &["tag", "labels", "categories"] },
    Column { key: "notes", header: "Notes", synonyms: &["note", "comments", "comment", "privatenotes", "remarks"] },
    Column { key: "summary", header: "Summary", synonyms: &["bio", "profile", "about", "description"] },
    Column { key: "id", header: "NextGig ID", synonyms: &["id", "nextgig"] },
];

/// The column for a field key.
pub fn column(key: &str) -> Option<&'static Column> {
    COLUMNS.iter().find(|c| c.key == key)
}

/// A header reduced to lower-case letters and digits: "E-mail " → "email".
fn header_key(header: &str) -> String {
    header.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase()
}

/// The field a header most likely means, if any.
pub fn guess(header: &str) -> Option<&'static str> {
    let key = header_key(header);
    if key.is_empty() {
        return None;
    }
    COLUMNS
        .iter()
        .find(|c| header_key(c.header) == key || c.key.replace('_', "") == key || c.synonyms.contains(&key.as_str()))
        .map(|c| c.key)
}

/// A guess for every header; a field goes to the first column that means it, later ones are ignored.
pub fn guess_all(headers: &[String]) -> Vec<Option<&'static str>> {
    let mut taken: Vec<&'static str> = Vec::new();
    headers
        .iter()
        .map(|h| match guess(h) {
            Some(key) if !taken.contains(&key) => {
                taken.push(key);
                Some(key)
            }
            _ => None,
        })
        .collect()
}

/// The characters that make a spreadsheet run a cell as a formula when they start it.
const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

fn escaped_start(cell: &str) -> bool {
    cell.starts_with(FORMULA_STARTS)
}

/// A cell made inert for spreadsheets: one `'` goes in front of a cell that starts like a
/// formula (and of one that starts with `'` and then such a character, so that [`restore`]
/// gives every value back exactly).
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    let needs = escaped_start(cell)
        || cell.strip_prefix('\'').is_some_and(|rest| escaped_start(rest) || rest.starts_with('\''));
    if needs { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

/// A cell as read back: the `'` that [`neutralise`] (or a spreadsheet user) put in front of a
/// formula-like value is taken off again.
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if escaped_start(rest) || rest.starts_with('\'') => rest,
        _ => cell,
    }
}

/// A stored choice value (e.g. `from_date`) from what a spreadsheet holds: the stored value, the
/// label NextGig writes ("Available from a date"), or a common synonym. Anything else comes back
/// as given, so the form's own check reports it.
pub fn choice_value(key: &str, raw: &str) -> String {
    let value = raw.trim();
    let lower = value.to_lowercase();
    let choices: &[(&str, &str)] = match key {
        "remote" => REMOTE,
        "availability" => AVAILABILITY,
        "extension_likelihood" => EXTENSION,
        "rate_unit" => money::RATE_UNITS,
        _ => return value.to_string(),
    };
    if let Some((stored, _)) = choices.iter().find(|(stored, shown)| lower == *stored || lower == shown.to_lowercase())
    {
        return (*stored).to_string();
    }
    let synonym = match (key, lower.as_str()) {
        ("remote", "any" | "anything" | "flexible" | "either" | "open") => "any",
        ("remote", "remote" | "fully remote" | "yes" | "wfh") => "remote",
        ("remote", "on-site" | "on site" | "office" | "no") => "onsite",
        ("availability", "available" | "immediately" | "asap" | "now" | "available immediately") => "now",
        ("availability", "from date" | "available from") => "from_date",
        ("availability", "on contract" | "on a contract" | "contracted") => "on_contract",
        ("availability", "not available" | "unavailable" | "not looking") => "not_looking",
        ("extension_likelihood", "unlikely" | "low") => "unlikely",
        ("extension_likelihood", "possible" | "maybe" | "medium") => "possible",
        ("extension_likelihood", "likely" | "high") => "likely",
        ("rate_unit", "h" | "hr" | "hourly" | "per hour" | "/hour" | "an hour") => "hour",
        ("rate_unit", "d" | "daily" | "per day" | "/day" | "a day") => "day",
        _ => "",
    };
    if synonym.is_empty() { value.to_string() } else { synonym.to_string() }
}

/// A date from a spreadsheet in the form's format (YYYY-MM-DD). Unambiguous spellings are
/// accepted too: "2027-01-04 00:00:00", "2027/01/04", "4 Jan 2027", "4 January 2027". Anything
/// else comes back as given, so the form's own check reports it.
pub fn date_value(raw: &str) -> String {
    let value = raw.trim();
    if value.is_empty() || NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok() {
        return value.to_string();
    }
    let date_part = value.split(['T', ' ']).next().unwrap_or(value);
    let time_part = value[date_part.len()..].trim_start_matches(['T', ' ']);
    if matches!(time_part, "00:00:00" | "00:00" | "00:00:00.000")
        && let Ok(date) = NaiveDate::parse_from_str(date_part, "%Y-%m-%d")
    {
        return date.to_string();
    }
    for format in ["%Y/%m/%d", "%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%b %d, %Y", "%B %d, %Y"] {
        if let Ok(date) = NaiveDate::parse_from_str(value, format) {
            return date.to_string();
        }
    }
    value.to_string()
}

/// The agency's staff as id → email (for the "Owner email" column), in one query.
pub fn owner_emails(conn: &mut DbConnection, scope: AgencyScope) -> Result<HashMap<i64, String>, AppError> {
    let rows: Vec<(i64, String)> =
        users::table.filter(users::agency_id.eq(scope.agency_id())).select((users::id, users::email)).load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Byte-order mark: tells Excel the file is UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";
/// Rows read from the database per batch of an export.
pub const EXPORT_BATCH: i64 = 1_000;

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::with_capacity(64 * 1024))
}

fn finish(writer: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, AppError> {
    writer.into_inner().map_err(|e| AppError::internal(format!("csv: {e}")))
}

/// The first bytes of an export: the BOM and the header row (plus `extra` headers).
pub fn header_bytes(extra: &[&str]) -> Result<Vec<u8>, AppError> {
    let mut out = writer();
    let headers: Vec<&str> = COLUMNS.iter().map(|c| c.header).chain(extra.iter().copied()).collect();
    out.write_record(&headers).map_err(|e| AppError::internal(format!("csv: {e}")))?;
    let mut bytes = BOM.to_vec();
    bytes.extend(finish(out)?);
    Ok(bytes)
}

/// One record's cells, in [`COLUMNS`] order, before neutralising.
pub fn cells(record: &Contractor, skills: &[&str], owners: &HashMap<i64, String>) -> Vec<String> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let label = |choices: &[(&str, &str)], stored: &str| {
        choices.iter().find(|(s, _)| *s == stored).map_or_else(|| stored.to_string(), |(_, shown)| (*shown).to_string())
    };
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    vec![
        record.name.clone(),
        opt(&record.email),
        opt(&record.phone),
        opt(&record.headline),
        skills.join(", "),
        opt(&record.location),
        label(REMOTE, &record.remote),
        label(AVAILABILITY, &record.availability),
        date(record.available_from),
        date(record.contract_ends_on),
        record.extension_likelihood.as_deref().map(|e| label(EXTENSION, e)).unwrap_or_default(),
        record.notice_days.map(|n| n.to_string()).unwrap_or_default(),
        record.rate_floor_minor.map(money::amount_for_input).unwrap_or_default(),
        opt(&record.rate_currency),
        opt(&record.rate_unit),
        opt(&record.linkedin_url),
        opt(&record.links),
        opt(&record.source),
        record.owner_id.and_then(|id| owners.get(&id).cloned()).unwrap_or_default(),
        record.tags.as_deref().unwrap_or_default().replace(',', ", "),
        opt(&record.notes),
        opt(&record.summary),
        record.id.to_string(),
    ]
}

/// CSV rows (CRLF, formula-like cells neutralised) for records with their skills and `extra` cells.
pub fn row_bytes<'a>(
    rows: impl IntoIterator<Item = (&'a Contractor, Vec<&'a str>, Vec<String>)>,
    owners: &HashMap<i64, String>,
) -> Result<Vec<u8>, AppError> {
    let mut out = writer();
    for (record, skills, extra) in rows {
        let all = cells(record, &skills, owners).into_iter().chain(extra);
        let safe: Vec<String> = all.map(|cell| neutralise(&cell).into_owned()).collect();
        out.write_record(&safe).map_err(|e| AppError::internal(format!("csv: {e}")))?;
    }
    finish(out)
}

/// Where the next batch of a search export starts, after `last`.
fn next_cursor(search: &Search, last: &SearchHit, offset: i64) -> search::Cursor {
    let c = &last.contractor;
    let sort = if search.sort == search::Sort::Relevance && search.filters.terms.is_empty() {
        search::Sort::Updated
    } else {
        search.sort
    };
    match sort {
        search::Sort::Relevance => search::Cursor::Offset(offset),
        search::Sort::Availability => search::Cursor::Available(c.available_on, c.id),
        search::Sort::Rate => search::Cursor::Rate(c.rate_hourly_minor.unwrap_or(i64::MAX), c.id),
        search::Sort::Updated => search::Cursor::Updated(c.updated_at, c.id),
        search::Sort::Name => search::Cursor::Name(last.name_key.clone(), c.id),
    }
}

/// A search export's position: where the next batch starts, and rows written so far.
#[derive(Clone, Debug, Default)]
pub struct ExportPosition {
    pub cursor: Option<search::Cursor>,
    pub written: i64,
}

/// One batch of a search export (at most [`EXPORT_BATCH`] rows, one statement) as CSV bytes,
/// and where the next batch starts (`None` at the end).
pub fn search_batch(
    conn: &mut DbConnection,
    query: &Search,
    position: &ExportPosition,
    owners: &HashMap<i64, String>,
) -> Result<(Vec<u8>, Option<ExportPosition>), AppError> {
    let mut hits: Vec<SearchHit> =
        search::search_contractors(conn, &query.filters, query.sort, position.cursor.as_ref(), EXPORT_BATCH + 1, None)?;
    let more = hits.len() as i64 > EXPORT_BATCH;
    hits.truncate(EXPORT_BATCH as usize);
    let written = position.written + hits.len() as i64;
    let next = if more {
        hits.last().map(|last| ExportPosition { cursor: Some(next_cursor(query, last, written)), written })
    } else {
        None
    };
    let bytes = row_bytes(hits.iter().map(|h| (&h.contractor, h.skills(), Vec::new())), owners)?;
    Ok((bytes, next))
}

/// How many records a search export will hold (no cap), for the audit log.
pub fn search_count(conn: &mut DbConnection, query: &Search) -> Result<i64, AppError> {
    Ok(search::count_contractors(conn, &query.filters, i64::MAX)?)
}

/// The export's file name for `today`: `contractors-2026-11-25.csv`.
pub fn file_name(prefix: &str, today: NaiveDate) -> String {
    format!("{prefix}-{today}.csv")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_restored_exactly() {
        for value in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+44 20 7946 0000",
            "-5",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "'=already",
            "''",
            "'plain",
            "plain",
            "",
            "'",
        ] {
            let out = neutralise(value);
            assert!(!escaped_start(&out), "{value:?} → {out:?} starts like a formula");
            assert_eq!(restore(&out), value, "{value:?} round trip");
        }
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("'plain"), "'plain");
    }

    #[test]
    fn headers_are_guessed_from_common_spellings() {
        let headers: Vec<String> =
            ["Full name", "E-mail", "Mobile", "Day rate", "Skill set", "notes ", "Whatever", "EMAIL"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        assert_eq!(
            guess_all(&headers),
            [Some("name"), Some("email"), Some("phone"), Some("rate_floor"), Some("skills"), Some("notes"), None, None]
        );
        for column in COLUMNS {
            assert_eq!(guess(column.header), Some(column.key), "{}", column.header);
        }
    }

    #[test]
    fn choices_and_dates_read_labels_and_unambiguous_spellings() {
        assert_eq!(choice_value("availability", "Available from a date"), "from_date");
        assert_eq!(choice_value("availability", "ASAP"), "now");
        assert_eq!(choice_value("remote", "Remote only"), "remote");
        assert_eq!(choice_value("rate_unit", "per day"), "day");
        assert_eq!(choice_value("remote", "mars"), "mars");
        assert_eq!(date_value("4 Jan 2027"), "2027-01-04");
        assert_eq!(date_value("2027-01-04 00:00:00"), "2027-01-04");
        assert_eq!(date_value("2027/01/04"), "2027-01-04");
        assert_eq!(date_value("04/01/2027"), "04/01/2027");
    }
}
