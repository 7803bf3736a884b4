//! Entry points for the fuzz targets in `fuzz/` (run with `cargo fuzz`): the CSV importer and the
//! contractor search's query parser, each driven end to end on a private in-memory SQLite
//! database. A panic here is a finding: the importer must refuse or import any file cleanly, and
//! any search parameters must give results or a form error, never a database error.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::Connection;
use diesel::prelude::*;

use crate::db::schema::agency_contractors;
use crate::db::{self, DatabaseTarget, DbConnection};
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::audit::Actor;
use crate::models::contractor::{self, SearchInput};
use crate::models::{csv_import, setup};

/// Ends a transaction that did its work, so that it is rolled back.
const ROLLBACK: &str = "rolled back on purpose";

/// A database with one agency, as the fuzz targets need it.
pub struct Harness {
    conn: DbConnection,
    scope: AgencyScope,
    actor: Actor,
    now: NaiveDateTime,
}

impl Harness {
    /// A fresh in-memory database, migrated, with one agency and a few contractors to search.
    pub fn new() -> Self {
        let target = DatabaseTarget::Sqlite { path: ":memory:".into() };
        let mut conn = target.connect().expect("an in-memory database");
        db::run_migrations(&mut conn).expect("migrations");
        let now = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap().and_hms_opt(9, 0, 0).unwrap();
        let (agency, admin) =
            setup::create_agency(&mut conn, "Fuzz Staffing", "Ada", "ada@fuzz.test", "x", now).expect("an agency");
        let actor = Actor {
            user_id: Some(admin.id),
            agency_id: Some(agency.id),
            ip: "127.0.0.1".into(),
            user_agent: "fuzz".into(),
        };
        let mut harness = Self { conn, scope: AgencyScope::of(agency.id), actor, now };
        let seed = b"name,email,skills,location,rate_floor\n\
                     Jane Doe,jane@example.com,\"Rust, SQL\",Berlin,90\n\
                     Joe Bloggs,joe@example.com,Go,Lisbon,95\n";
        let outcome = import(&mut harness.conn, harness.scope, &harness.actor, now, seed).expect("the seed imports");
        assert_eq!(outcome, Some(2), "the seed file made two contractors");
        harness
    }

    /// Imports `data` as a CSV file, in a transaction rolled back afterwards (each input starts
    /// from the same database). Panics when the importer fails other than with a clean refusal.
    pub fn csv_import(&mut self, data: &[u8]) {
        let (scope, actor, now) = (self.scope, &self.actor, self.now);
        let result = self.conn.transaction::<(), AppError, _>(|conn| {
            import(conn, scope, actor, now, data)?;
            Err(AppError::Internal(ROLLBACK.into()))
        });
        match result {
            Err(AppError::Internal(why)) if why == ROLLBACK => {}
            Err(AppError::BadRequest(_) | AppError::Invalid(_)) => {}
            other => panic!("the importer failed: {other:?}"),
        }
    }

    /// Reads `data` as the search form (fields separated by newlines, repeated skills by tabs),
    /// checks it, and runs the search when it is valid.
    pub fn search(&mut self, data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        let mut fields = text.split('\n').map(str::to_string);
        let mut next = || fields.next().unwrap_or_default();
        let input = SearchInput {
            q: next(),
            skill: next().split('\t').map(str::to_string).collect(),
            available_by: next(),
            max_rate: next(),
            rate_unit: next(),
            location: next(),
            remote: next(),
            tag: next(),
            sort: next(),
            archived: next(),
            after: next(),
            for_job: String::new(),
        };
        match input.validate(self.scope) {
            Ok(search) => {
                if let Err(e) = contractor::search(&mut self.conn, &search) {
                    panic!("a valid search failed: {e:?} for {input:?}");
                }
            }
            Err(AppError::Invalid(_)) => {}
            Err(e) => panic!("a search was refused without a form error: {e:?}"),
        }
    }
}

fn contractors(conn: &mut DbConnection) -> i64 {
    agency_contractors::table.count().get_result(conn).expect("a count")
}

/// Checks, stores, maps (as guessed), previews and runs an import of `data`, skipping invalid
/// rows. `Ok(None)` when the file was refused with a message; `Ok(Some(n))` with the records the
/// agency holds afterwards.
fn import(
    conn: &mut DbConnection,
    scope: AgencyScope,
    actor: &Actor,
    now: NaiveDateTime,
    data: &[u8],
) -> Result<Option<i64>, AppError> {
    let Ok(upload) = csv_import::inspect("fuzz.csv", data.to_vec(), None) else { return Ok(None) };
    let id = csv_import::create(conn, scope, actor, &upload, now)?;
    let import = csv_import::find(conn, scope, id)?;
    let mapping = match csv_import::check_mapping(&import.header_list(), &import.mapping_list()) {
        Ok(mapping) => mapping,
        Err(problems) => {
            assert!(!problems.is_empty(), "a refused mapping says why");
            return Ok(None);
        }
    };
    csv_import::save_mapping(conn, scope, id, &mapping, actor, now)?;
    if csv_import::start(conn, scope, id, true, actor.user_id, now)? != csv_import::StartOutcome::Queued {
        return Ok(None);
    }
    let before = contractors(conn);
    let ttl = chrono::TimeDelta::minutes(2);
    let Some(claimed) = csv_import::claim_next(conn, "fuzz", ttl, now)? else {
        panic!("a queued import was not claimed");
    };
    let outcome = csv_import::run(conn, &claimed, "fuzz", ttl, &|| now, &|| true)?;
    assert_eq!(outcome, csv_import::RunOutcome::Done, "one run, never stopped, finishes");
    let import = csv_import::find(conn, scope, id)?;
    let after = contractors(conn);
    match import.status.as_str() {
        "done" => Ok(Some(after)),
        "failed" => {
            assert_eq!(before, after, "a failed import left contractors behind");
            Ok(None)
        }
        other => panic!("an import that ran ended as {other}"),
    }
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::Harness;

    #[test]
    fn the_fuzz_targets_run_their_seed_inputs() {
        let mut harness = Harness::new();
        for input in [
            &b"name,email\nAl,al@x.test\n"[..],
            b"name\n\"unterminated\n",
            b"=HYPERLINK(\"http://evil\"),x\n1,2\n",
            b"",
            b"\xff\xfe",
        ] {
            harness.csv_import(input);
        }
        for input in [
            &b"rust\nRust\tSQL\n2026-12-31\n100\nhour\nberlin\nremote\n\nrate\n\n"[..],
            b"\"\n\n\n\n\n\n\n\nname\n\nn:1:'",
        ] {
            harness.search(input);
        }
    }
}
