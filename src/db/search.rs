//! Contractor search: the one place with backend-specific SQL. SQLite uses an FTS5 table
//! (`contractor_search`, rowid = record id, ranked with bm25); PostgreSQL a `tsvector` table with
//! a GIN index (ranked with ts_rank). Both use the `simple` tokenisation (no stemming) and match
//! the last word as a prefix. Every value is bound; user input never becomes SQL text.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::Sqlite;

use crate::db::DbConnection;
use crate::db::sql::{Bind, Sql};

/// What the index holds for one record.
#[derive(Clone, Debug)]
pub struct Document<'a> {
    pub id: i64,
    pub agency_id: i64,
    pub name: &'a str,
    pub headline: &'a str,
    pub summary: &'a str,
    pub skills: &'a str,
    pub notes: &'a str,
}

/// SQL for the text of a record's current CV (the newest CV among the agency's uploads for the
/// record and the linked profile's own; `''` when none or unread); `id` is the record id's
/// placeholder. CV words rank below every other column.
macro_rules! current_cv_text {
    ($id:literal) => {
        concat!(
            "COALESCE((SELECT d.text_content FROM documents d, agency_contractors r WHERE r.id = ",
            $id,
            " AND d.kind = 'cv' AND ((d.agency_contractor_id = r.id AND d.agency_id = r.agency_id) \
             OR d.profile_id = r.profile_id) ORDER BY d.created_at DESC, d.id DESC LIMIT 1), '')"
        )
    };
}

/// Writes (or rewrites) a record's index entry.
pub fn index_contractor(conn: &mut DbConnection, doc: &Document<'_>) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => {
            diesel::sql_query("DELETE FROM contractor_search WHERE rowid = ?").bind::<BigInt, _>(doc.id).execute(c)?;
            diesel::sql_query(concat!(
                "INSERT INTO contractor_search (rowid, name, headline, summary, skills, notes, cv) \
                 VALUES (?, ?, ?, ?, ?, ?, ",
                current_cv_text!("?"),
                ")"
            ))
            .bind::<BigInt, _>(doc.id)
            .bind::<Text, _>(doc.name)
            .bind::<Text, _>(doc.headline)
            .bind::<Text, _>(doc.summary)
            .bind::<Text, _>(doc.skills)
            .bind::<Text, _>(doc.notes)
            .bind::<BigInt, _>(doc.id)
            .execute(c)?;
        }
        DbConnection::Postgresql(c) => {
            diesel::sql_query(concat!(
                "INSERT INTO contractor_search (agency_contractor_id, agency_id, document) VALUES ($1, $2, \
                 setweight(to_tsvector('simple', $3), 'A') || setweight(to_tsvector('simple', $4), 'A') || \
                 setweight(to_tsvector('simple', $5), 'B') || setweight(to_tsvector('simple', $6), 'C') || \
                 setweight(to_tsvector('simple', $7), 'D') || \
                 setweight(to_tsvector('simple', ",
                current_cv_text!("$1"),
                "), 'D')) ON CONFLICT (agency_contractor_id) DO UPDATE SET document = EXCLUDED.document"
            ))
            .bind::<BigInt, _>(doc.id)
            .bind::<BigInt, _>(doc.agency_id)
            .bind::<Text, _>(doc.name)
            .bind::<Text, _>(doc.skills)
            .bind::<Text, _>(doc.headline)
            .bind::<Text, _>(doc.summary)
            .bind::<Text, _>(doc.notes)
            .execute(c)?;
        }
    }
    Ok(())
}

/// Removes a record's index entry.
pub fn remove_contractor(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => {
            diesel::sql_query("DELETE FROM contractor_search WHERE rowid = ?").bind::<BigInt, _>(id).execute(c)?
        }
        DbConnection::Postgresql(c) => {
            diesel::sql_query("DELETE FROM contractor_search WHERE agency_contractor_id = $1")
                .bind::<BigInt, _>(id)
                .execute(c)?
        }
    };
    Ok(())
}

/// Words of a free-text query, lower-cased, letters and digits only (at most 12).
pub fn terms(query: &str) -> Vec<String> {
    query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().take(50).collect::<String>().to_lowercase())
        .take(12)
        .collect()
}

/// The filters of a contractor search, already checked.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub agency_id: i64,
    /// Free-text words (see [`terms`]).
    pub terms: Vec<String>,
    /// Skill keys that must all be present.
    pub skill_keys: Vec<String>,
    /// Available on or before this date.
    pub available_by: Option<NaiveDate>,
    /// Rate floor per hour at most this (minor units).
    pub max_hourly_minor: Option<i64>,
    /// Location contains this (lower case).
    pub location: Option<String>,
    /// Accepts this way of working (remote, hybrid, onsite).
    pub remote: Option<String>,
    /// Has this tag.
    pub tag: Option<String>,
    /// Include archived records.
    pub include_archived: bool,
}

/// Result order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    /// Best free-text match first (recently updated without words).
    Relevance,
    /// Soonest available first.
    Availability,
    /// Lowest rate floor first (per hour; unknown rates last).
    Rate,
    /// Most recently updated first.
    Updated,
    /// By name.
    Name,
}

/// Where a page starts: after the last row of the previous page.
#[derive(Clone, Debug, PartialEq)]
pub enum Cursor {
    Offset(i64),
    Available(NaiveDate, i64),
    Rate(i64, i64),
    Updated(NaiveDateTime, i64),
    Name(String, i64),
}

const TIMESTAMP_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f";

impl Cursor {
    /// The cursor as a URL parameter value.
    pub fn encode(&self) -> String {
        match self {
            Self::Offset(n) => format!("o:{n}"),
            Self::Available(date, id) => format!("a:{id}:{date}"),
            Self::Rate(key, id) => format!("r:{id}:{key}"),
            Self::Updated(at, id) => format!("u:{id}:{}", at.format(TIMESTAMP_FORMAT)),
            Self::Name(name, id) => format!("n:{id}:{name}"),
        }
    }

    /// Reads a cursor made by [`Cursor::encode`]; anything else is `None`.
    pub fn decode(raw: &str) -> Option<Self> {
        let mut parts = raw.splitn(3, ':');
        let kind = parts.next()?;
        let first = parts.next()?;
        if kind == "o" {
            return first.parse().ok().filter(|n| *n >= 0 && *n <= 100_000).map(Self::Offset);
        }
        let id: i64 = first.parse().ok()?;
        let rest = parts.next()?;
        match kind {
            "a" => Some(Self::Available(rest.parse().ok()?, id)),
            "r" => Some(Self::Rate(rest.parse().ok()?, id)),
            "u" => Some(Self::Updated(NaiveDateTime::parse_from_str(rest, TIMESTAMP_FORMAT).ok()?, id)),
            "n" => Some(Self::Name(rest.to_string(), id)),
            _ => None,
        }
    }
}

fn like_pattern(value: &str) -> String {
    let escaped = value.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

fn text_query(sql: &mut Sql, terms: &[String]) {
    let last = terms.len() - 1;
    let query = if sql.postgres {
        terms
            .iter()
            .enumerate()
            .map(|(i, t)| if i == last { format!("{t}:*") } else { t.clone() })
            .collect::<Vec<_>>()
            .join(" & ")
    } else {
        terms
            .iter()
            .enumerate()
            .map(|(i, t)| if i == last { format!("\"{t}\"*") } else { format!("\"{t}\"") })
            .collect::<Vec<_>>()
            .join(" ")
    };
    if sql.postgres {
        sql.push("to_tsquery('simple', ").bind(Bind::Text(query)).push(")");
    } else {
        sql.bind(Bind::Text(query));
    }
}

/// FROM and WHERE for the filters.
fn from_where(sql: &mut Sql, filters: &Filters, hints: Hints) {
    let texts = !filters.terms.is_empty();
    sql.push(" FROM agency_contractors ac");
    if texts {
        if sql.postgres {
            sql.push(" JOIN contractor_search s ON s.agency_contractor_id = ac.id");
        } else {
            sql.push(" JOIN contractor_search ON contractor_search.rowid = ac.id");
        }
    }
    sql.push(" WHERE ac.agency_id = ").bind(Bind::Int(filters.agency_id));
    if texts {
        if sql.postgres {
            sql.push(" AND s.document @@ ");
        } else {
            sql.push(" AND contractor_search MATCH ");
        }
        text_query(sql, &filters.terms);
    }
    // Each skill as the set of its holders (from the skill's index), not a lookup per record:
    // a rare skill then costs its few holders, not a pass over the agency.
    for key in &filters.skill_keys {
        sql.push(" AND ac.id IN (SELECT k.agency_contractor_id FROM agency_contractor_skills k WHERE k.skill_id = ");
        skill_id(sql, key);
        sql.push(" AND k.agency_id = ").bind(Bind::Int(filters.agency_id)).push(")");
    }
    other_filters(sql, filters, hints);
}

/// FROM and WHERE of a search led by its first skill, newest first: the skill's holders in the
/// agency are read from their own index (`agency_contractor_skills_holders_idx`) in the order the
/// page shows them, each record looked up by its id, and the walk stops once the page is full.
/// A popular skill stops after a page; a rare one reads only its few holders.
fn from_where_by_skill(sql: &mut Sql, filters: &Filters, hints: Hints) {
    let (first, rest) = filters.skill_keys.split_first().expect("a skill leads");
    sql.push(" FROM agency_contractor_skills lead CROSS JOIN agency_contractors ac WHERE lead.skill_id = ");
    skill_id(sql, first);
    sql.push(" AND lead.agency_id = ")
        .bind(Bind::Int(filters.agency_id))
        .push(" AND ac.id = lead.agency_contractor_id AND ac.agency_id = ")
        .bind(Bind::Int(filters.agency_id));
    // Further skills: a probe of each holder's own skills by primary key, made on the lead row
    // before the record itself is read.
    for key in rest {
        sql.push(
            " AND EXISTS (SELECT 1 FROM agency_contractor_skills k WHERE k.agency_contractor_id = \
             lead.agency_contractor_id AND k.skill_id = ",
        );
        skill_id(sql, key);
        sql.push(")");
    }
    other_filters(sql, filters, hints);
}

/// How a search statement reads its filters, where the best way depends on the data.
#[derive(Clone, Copy, Debug, Default)]
struct Hints {
    /// "Available by" is checked on each record rather than read from its index.
    availability_as_filter: bool,
    /// The rate order is sorted after the filters rather than walked in its index.
    rate_order_sorted: bool,
}

/// A skill's probe counts at most this many holders (past it, which skill leads matters little).
const SKILL_PROBE_CAP: i64 = 20_000;
/// The availability probe counts at most this many records: fewer are cheaper read and sorted
/// than found on a walk of the rate order.
const AVAILABILITY_PROBE_CAP: i64 = 500;

#[derive(QueryableByName)]
struct Probe {
    #[diesel(sql_type = BigInt)]
    i: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Chooses how to read a search's filters from a few capped index counts (one statement, only
/// when there is a choice to make):
/// - led by skills, the skill with the fewest holders leads (holders of a rare skill, each
///   checked for the popular one, rather than a walk of the popular one's holders);
/// - sorted by rate with an "available by" date on SQLite, which keeps no statistics: when at
///   least [`AVAILABILITY_PROBE_CAP`] records are available by then, the date is a filter on a walk of the
///   rate order (`agency_contractors_rate_order_idx`) that stops after a page; when fewer are,
///   those few are read from the availability index and sorted (the planner is told both ways,
///   as it would otherwise guess from statistics it may not have). PostgreSQL's planner makes the
///   same choice from its statistics.
fn plan(conn: &mut DbConnection, filters: &Filters, sort: Sort, by_skill: bool) -> QueryResult<(Filters, Hints)> {
    let postgres = matches!(conn, DbConnection::Postgresql(_));
    let skills = by_skill && filters.skill_keys.len() > 1;
    let availability = !postgres && sort == Sort::Rate && filters.available_by.is_some();
    let mut filters = filters.clone();
    if !skills && !availability {
        return Ok((filters, Hints::default()));
    }
    let mut sql = Sql::new(postgres);
    let mut parts = 0;
    let mut part = |sql: &mut Sql, i: i64| {
        if parts > 0 {
            sql.push(" UNION ALL ");
        }
        parts += 1;
        sql.push("SELECT CAST(").bind(Bind::Int(i)).push(" AS BIGINT) AS i, COUNT(*) AS n FROM (SELECT 1 AS one");
    };
    if skills {
        for (i, key) in filters.skill_keys.iter().enumerate() {
            part(&mut sql, i as i64);
            sql.push(" FROM agency_contractor_skills k WHERE k.skill_id = ");
            skill_id(&mut sql, key);
            sql.push(" AND k.agency_id = ").bind(Bind::Int(filters.agency_id));
            sql.push(" LIMIT ").bind(Bind::Int(SKILL_PROBE_CAP)).push(") p");
        }
    }
    if let (true, Some(date)) = (availability, filters.available_by) {
        part(&mut sql, -1);
        sql.push(" FROM agency_contractors ac WHERE ac.agency_id = ")
            .bind(Bind::Int(filters.agency_id))
            .push(" AND ac.available_on <= ")
            .bind(Bind::Date(date));
        sql.push(" LIMIT ").bind(Bind::Int(AVAILABILITY_PROBE_CAP)).push(") p");
    }
    let counts: Vec<Probe> = load_search(conn, sql)?;
    let mut hints = Hints::default();
    let mut rarest: Option<(i64, usize)> = None;
    for probe in counts {
        if probe.i < 0 {
            hints.availability_as_filter = probe.n >= AVAILABILITY_PROBE_CAP;
            hints.rate_order_sorted = !hints.availability_as_filter;
        } else if rarest.is_none_or(|(n, _)| probe.n < n) {
            rarest = Some((probe.n, probe.i as usize));
        }
    }
    if let Some((_, lead)) = rarest {
        let key = filters.skill_keys.remove(lead);
        filters.skill_keys.insert(0, key);
    }
    Ok((filters, hints))
}

/// A skill's id from its key (no row: no match).
fn skill_id(sql: &mut Sql, key: &str) {
    sql.push("(SELECT sk.id FROM skills sk WHERE sk.key = ").bind(Bind::Text(key.to_string())).push(")");
}

/// The filters on the record's own columns.
fn other_filters(sql: &mut Sql, filters: &Filters, hints: Hints) {
    if !filters.include_archived {
        sql.push(" AND ac.archived_at IS NULL");
    }
    if let Some(date) = filters.available_by {
        // SQLite's unary plus keeps a term off every index (it stays a filter).
        sql.push(if hints.availability_as_filter { " AND +ac.available_on <= " } else { " AND ac.available_on <= " })
            .bind(Bind::Date(date));
    }
    if let Some(max) = filters.max_hourly_minor {
        sql.push(" AND ac.rate_hourly_minor <= ").bind(Bind::Int(max));
    }
    if let Some(location) = &filters.location {
        sql.push(" AND ac.location_key LIKE ").bind(Bind::Text(like_pattern(location))).push(" ESCAPE '\\'");
    }
    if let Some(remote) = &filters.remote {
        sql.push(" AND ac.remote IN (").bind(Bind::Text(remote.clone())).push(", 'any')");
    }
    if let Some(tag) = &filters.tag {
        sql.push(" AND (',' || ac.tags || ',') LIKE ")
            .bind(Bind::Text(format!("%,{},%", tag.replace(['%', '_', '\\'], ""))));
    }
}

/// A match's text rank, higher is better: SQLite's bm25 with the column weights (name, headline,
/// summary, skills, notes, CV), PostgreSQL's ts_rank over the weighted document. On SQLite it
/// must be read in the statement that matches the full-text table.
fn text_rank(sql: &mut Sql, filters: &Filters) {
    if sql.postgres {
        sql.push("CAST(ts_rank(s.document, ");
        text_query(sql, &filters.terms);
        sql.push(") AS DOUBLE PRECISION)");
    } else {
        sql.push("-bm25(contractor_search, 10.0, 4.0, 1.0, 8.0, 2.0, 0.2)");
    }
}

/// The SELECT list of a search: every record column, `name_key`, `rank`, `skill_names`.
fn select_list(sql: &mut Sql, filters: &Filters) {
    let postgres = sql.postgres;
    sql.push("SELECT ac.*, lower(ac.name) AS name_key, ");
    match (!filters.terms.is_empty(), postgres) {
        (true, _) => {
            text_rank(sql, filters);
            sql.push(" AS rank");
        }
        (false, true) => {
            sql.push("CAST(0 AS DOUBLE PRECISION) AS rank");
        }
        (false, false) => {
            sql.push("CAST(0 AS REAL) AS rank");
        }
    }
    sql.push(", CAST(NULL AS BIGINT) AS pool");
    skill_names(sql);
}

/// The `skill_names` column: the record's skill names in name order, joined by ", ".
fn skill_names(sql: &mut Sql) {
    if sql.postgres {
        sql.push(
            ", (SELECT string_agg(sk.name, ', ' ORDER BY sk.name) FROM agency_contractor_skills k \
             JOIN skills sk ON sk.id = k.skill_id WHERE k.agency_contractor_id = ac.id) AS skill_names",
        );
    } else {
        sql.push(
            ", (SELECT group_concat(name, ', ') FROM (SELECT sk.name AS name FROM agency_contractor_skills k \
             JOIN skills sk ON sk.id = k.skill_id WHERE k.agency_contractor_id = ac.id ORDER BY sk.name)) AS skill_names",
        );
    }
}

/// A page of a free-text search in relevance order, ranking only the `among` most recently
/// added matches (record id order, which both full-text indexes walk without sorting); `pool`
/// is how many matched, counting at most `among + 1`, so more than `among` says some were left
/// out. Ranking every match of a common word ("sql" on a quarter of a 500,000-record agency)
/// scores and sorts each of them; this scores at most `among + 1`.
fn ranked_page(sql: &mut Sql, filters: &Filters, among: i64, offset: i64, limit: i64) {
    let postgres = sql.postgres;
    // Inside out: the candidates (SQLite scores them as it reads them from the index), their
    // count and order, PostgreSQL's scores from each candidate's document, the page of the best;
    // only the page's rows are read from the records.
    sql.push("SELECT ac.*, lower(ac.name) AS name_key, p.rank AS rank, p.pool AS pool");
    skill_names(sql);
    sql.push(" FROM (SELECT c.id AS id, c.pool AS pool, ");
    if postgres {
        text_rank(sql, filters);
        sql.push(" AS rank");
    } else {
        sql.push("c.rank AS rank");
    }
    sql.push(" FROM (SELECT w.id AS id");
    if !postgres {
        sql.push(", w.rank AS rank");
    }
    sql.push(", COUNT(*) OVER () AS pool, ROW_NUMBER() OVER (ORDER BY w.id DESC) AS nth FROM (SELECT ac.id AS id");
    if !postgres {
        sql.push(", ");
        text_rank(sql, filters);
        sql.push(" AS rank");
    }
    from_where(sql, filters, Hints::default());
    sql.push(if postgres { " ORDER BY s.agency_contractor_id DESC" } else { " ORDER BY contractor_search.rowid DESC" });
    sql.push(" LIMIT ").bind(Bind::Int(among + 1)).push(") w) c");
    if postgres {
        sql.push(" JOIN contractor_search s ON s.agency_contractor_id = c.id");
    }
    sql.push(" WHERE c.nth <= ").bind(Bind::Int(among));
    sql.push(" ORDER BY rank DESC, c.id ASC LIMIT ").bind(Bind::Int(limit));
    if offset > 0 {
        sql.push(" OFFSET ").bind(Bind::Int(offset));
    }
    sql.push(") p JOIN agency_contractors ac ON ac.id = p.id ORDER BY p.rank DESC, ac.id ASC");
}

/// One record (with its skills, as in a search result) if it matches the filters.
pub fn find_contractor<T>(conn: &mut DbConnection, filters: &Filters, id: i64) -> QueryResult<Option<T>>
where
    T: QueryableByName<Sqlite> + QueryableByName<Pg> + 'static,
{
    let mut sql = Sql::new(matches!(conn, DbConnection::Postgresql(_)));
    select_list(&mut sql, filters);
    from_where(&mut sql, filters, Hints::default());
    sql.push(" AND ac.id = ").bind(Bind::Int(id));
    sql.first(conn)
}

/// One record as [`find_contractor`] reads it, plus, in the same statement, the lists its page
/// shows beside it, each as a JSON array of arrays: `team_json` (`[id, name, active 0/1]` of the
/// agency's users by name), `hotlists_json` (`[id, name, member 0/1, note]` of the agency's
/// hotlists by name) and `vocabulary_json` (`[key, name]` of every skill, only when one of the
/// record's CVs has text to suggest skills from). PostgreSQL says NULL for an empty list.
pub fn find_contractor_with_lists<T>(conn: &mut DbConnection, filters: &Filters, id: i64) -> QueryResult<Option<T>>
where
    T: QueryableByName<Sqlite> + QueryableByName<Pg> + 'static,
{
    let postgres = matches!(conn, DbConnection::Postgresql(_));
    let mut sql = Sql::new(postgres);
    select_list(&mut sql, filters);
    const ACTIVE: &str = "CASE WHEN u.disabled_at IS NULL THEN 1 ELSE 0 END";
    const MEMBER: &str = "CASE WHEN m.agency_contractor_id IS NULL THEN 0 ELSE 1 END";
    const HOTLISTS_FROM: &str = " FROM hotlists h LEFT JOIN hotlist_members m ON m.hotlist_id = h.id \
         AND m.agency_contractor_id = ac.id AND m.agency_id = ac.agency_id WHERE h.agency_id = ac.agency_id";
    const HAS_CV_TEXT: &str = ", CASE WHEN EXISTS (SELECT 1 FROM documents d WHERE d.agency_contractor_id = ac.id \
         AND d.agency_id = ac.agency_id AND d.kind = 'cv' AND d.text_content IS NOT NULL) \
         OR EXISTS (SELECT 1 FROM documents d WHERE d.profile_id = ac.profile_id AND d.kind = 'cv' \
         AND d.text_content IS NOT NULL) THEN ";
    if postgres {
        sql.push(", (SELECT json_agg(json_build_array(u.id, u.name, ")
            .push(ACTIVE)
            .push(") ORDER BY u.name)::text FROM users u WHERE u.agency_id = ac.agency_id) AS team_json")
            .push(", (SELECT json_agg(json_build_array(h.id, h.name, ")
            .push(MEMBER)
            .push(", m.note) ORDER BY h.name, h.id)::text")
            .push(HOTLISTS_FROM)
            .push(") AS hotlists_json")
            .push(HAS_CV_TEXT)
            .push("(SELECT json_agg(json_build_array(s.key, s.name))::text FROM skills s) END AS vocabulary_json");
    } else {
        sql.push(", (SELECT json_group_array(json_array(id, name, active)) FROM (SELECT u.id AS id, u.name AS name, ")
            .push(ACTIVE)
            .push(" AS active FROM users u WHERE u.agency_id = ac.agency_id ORDER BY u.name)) AS team_json")
            .push(", (SELECT json_group_array(json_array(id, name, member, note)) FROM (SELECT h.id AS id, h.name AS name, ")
            .push(MEMBER)
            .push(" AS member, m.note AS note")
            .push(HOTLISTS_FROM)
            .push(" ORDER BY h.name, h.id)) AS hotlists_json")
            .push(HAS_CV_TEXT)
            .push("(SELECT json_group_array(json_array(s.key, s.name)) FROM skills s) END AS vocabulary_json");
    }
    from_where(&mut sql, filters, Hints::default());
    sql.push(" AND ac.id = ").bind(Bind::Int(id));
    sql.first(conn)
}

/// A page of matching records as `T` (its fields: every `agency_contractors` column plus
/// `name_key` (Text: the name as the database lower-cases it, for the name cursor), `rank`
/// (Double), `pool` (Nullable<BigInt>: with `ranked_among`, how many matched, counting at most
/// `ranked_among + 1`) and `skill_names` (Nullable<Text>, names joined by ", ")), at most `limit`.
/// `ranked_among` bounds a free-text search in relevance order to that many of the most recently
/// added matches (see [`ranked_page`]); `None` ranks every match (an export).
pub fn search_contractors<T>(
    conn: &mut DbConnection,
    filters: &Filters,
    sort: Sort,
    cursor: Option<&Cursor>,
    limit: i64,
    ranked_among: Option<i64>,
) -> QueryResult<Vec<T>>
where
    T: QueryableByName<Sqlite> + QueryableByName<Pg> + 'static,
{
    let postgres = matches!(conn, DbConnection::Postgresql(_));
    let mut sql = Sql::new(postgres);
    let texts = !filters.terms.is_empty();
    let sort = if sort == Sort::Relevance && !texts { Sort::Updated } else { sort };
    // Relevance pages by offset (the other orders by a cursor on their sort key, below).
    let offset = match (sort, cursor) {
        (Sort::Relevance, Some(Cursor::Offset(n))) => *n,
        _ => 0,
    };
    if let (Sort::Relevance, true, Some(among)) = (sort, texts, ranked_among) {
        ranked_page(&mut sql, filters, among, offset, limit);
        return load_search(conn, sql);
    }
    // Newest first with a skill: led by the skill's holders in that order (see
    // [`from_where_by_skill`]); the cursor and order are the lead row's copies of the record's.
    let by_skill = sort == Sort::Updated && !texts && !filters.skill_keys.is_empty();
    let (filters, hints) = plan(conn, filters, sort, by_skill)?;
    let filters = &filters;
    select_list(&mut sql, filters);
    if by_skill {
        from_where_by_skill(&mut sql, filters, hints);
    } else {
        from_where(&mut sql, filters, hints);
    }
    let (updated, id) =
        if by_skill { ("lead.record_updated_at", "lead.agency_contractor_id") } else { ("ac.updated_at", "ac.id") };
    const RATE_KEY: &str = "COALESCE(ac.rate_hourly_minor, 9223372036854775807)";
    match (sort, cursor) {
        (Sort::Availability, Some(Cursor::Available(date, id))) => {
            sql.push(" AND (ac.available_on > ").bind(Bind::Date(*date));
            sql.push(" OR (ac.available_on = ")
                .bind(Bind::Date(*date))
                .push(" AND ac.id > ")
                .bind(Bind::Int(*id))
                .push("))");
        }
        (Sort::Rate, Some(Cursor::Rate(key, id))) => {
            sql.push(" AND (").push(RATE_KEY).push(" > ").bind(Bind::Int(*key));
            sql.push(" OR (")
                .push(RATE_KEY)
                .push(" = ")
                .bind(Bind::Int(*key))
                .push(" AND ac.id > ")
                .bind(Bind::Int(*id))
                .push("))");
        }
        (Sort::Updated, Some(Cursor::Updated(at, last))) => {
            sql.push(" AND (").push(updated).push(" < ").bind(Bind::Timestamp(*at));
            sql.push(" OR (")
                .push(updated)
                .push(" = ")
                .bind(Bind::Timestamp(*at))
                .push(" AND ")
                .push(id)
                .push(" < ")
                .bind(Bind::Int(*last))
                .push("))");
        }
        (Sort::Name, Some(Cursor::Name(name, id))) => {
            sql.push(" AND (lower(ac.name) > ").bind(Bind::Text(name.clone()));
            sql.push(" OR (lower(ac.name) = ")
                .bind(Bind::Text(name.clone()))
                .push(" AND ac.id > ")
                .bind(Bind::Int(*id))
                .push("))");
        }
        _ => {}
    }
    sql.push(match sort {
        Sort::Relevance => " ORDER BY rank DESC, ac.id ASC",
        Sort::Availability => " ORDER BY ac.available_on ASC, ac.id ASC",
        // (The unary plus keeps SQLite off the rate order's index: see [`plan`].)
        Sort::Rate if hints.rate_order_sorted => {
            " ORDER BY +COALESCE(ac.rate_hourly_minor, 9223372036854775807) ASC, ac.id ASC"
        }
        Sort::Rate => " ORDER BY COALESCE(ac.rate_hourly_minor, 9223372036854775807) ASC, ac.id ASC",
        Sort::Updated if by_skill => " ORDER BY lead.record_updated_at DESC, lead.agency_contractor_id DESC",
        Sort::Updated => " ORDER BY ac.updated_at DESC, ac.id DESC",
        Sort::Name => " ORDER BY lower(ac.name) ASC, ac.id ASC",
    });
    sql.push(" LIMIT ").bind(Bind::Int(limit));
    if offset > 0 {
        sql.push(" OFFSET ").bind(Bind::Int(offset));
    }
    load_search(conn, sql)
}

/// Runs a search statement, planned afresh on both backends. PostgreSQL: a kept statement gets
/// the generic plan after five runs, blind to how selective a skill or a word is, and cost more
/// than the planning it saves (profile S: 5.4 ms of database CPU a search planned afresh, 6.9 ms
/// kept). SQLite: each connection kept a statement per search shape, and the server's peak
/// memory under search load went from 96 to 167 MiB (the larger page caches explain at most 24
/// of it) for no measurable CPU gain.
fn load_search<T>(conn: &mut DbConnection, sql: Sql) -> QueryResult<Vec<T>>
where
    T: QueryableByName<Sqlite> + QueryableByName<Pg> + 'static,
{
    match conn {
        DbConnection::Sqlite(c) => sql.sqlite().load(c),
        DbConnection::Postgresql(c) => sql.pg().load(c),
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many records match, counting at most `cap` (so a broad search stays cheap).
pub fn count_contractors(conn: &mut DbConnection, filters: &Filters, cap: i64) -> QueryResult<i64> {
    let postgres = matches!(conn, DbConnection::Postgresql(_));
    let mut sql = Sql::new(postgres);
    sql.push("SELECT COUNT(*) AS n FROM (SELECT 1 AS one");
    from_where(&mut sql, filters, Hints::default());
    sql.push(" LIMIT ").bind(Bind::Int(cap)).push(") capped");
    let row: Count = match conn {
        DbConnection::Sqlite(c) => sql.sqlite().get_result(c)?,
        DbConnection::Postgresql(c) => sql.pg().get_result(c)?,
    };
    Ok(row.n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_keep_letters_and_digits_only() {
        assert_eq!(
            terms("  Rust, \"Postgres\" -- DROP TABLE x; C++ "),
            ["rust", "postgres", "drop", "table", "x", "c"]
        );
        assert!(terms("'\"*()").is_empty());
    }

    #[test]
    fn cursors_survive_a_round_trip() {
        let at = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap().and_hms_micro_opt(9, 30, 1, 123_456).unwrap();
        for cursor in [
            Cursor::Offset(50),
            Cursor::Available(NaiveDate::from_ymd_opt(2027, 1, 4).unwrap(), 7),
            Cursor::Rate(8_000, 3),
            Cursor::Updated(at, 12),
            Cursor::Name("o'brien: jo".into(), 9),
        ] {
            assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        }
        assert_eq!(Cursor::decode("x:1:2"), None);
        assert_eq!(Cursor::decode("u:1:yesterday"), None);
    }
}
