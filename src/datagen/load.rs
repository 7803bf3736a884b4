//! The bulk load's setting: fast-load connection settings, the big tables' secondary indexes and
//! every trigger off while the rows go in (their DDL read back from the catalog, so a new
//! migration needs no change here), then the search index built in one statement per backend,
//! the indexes and triggers recreated, and the dashboards left to compute on first view.

use anyhow::Context;
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::db::DbConnection;

/// The tables datagen fills in bulk: their secondary indexes are dropped for the load.
const BULK_TABLES: &[&str] = &[
    "agency_contractors",
    "agency_contractor_skills",
    "contractor_search",
    "clients",
    "contacts",
    "jobs",
    "job_skills",
    "activities",
    "tasks",
    "submissions",
    "submission_events",
    "consents",
    "representations",
    "interviews",
    "offers",
    "placements",
    "hotlists",
    "hotlist_members",
];

#[derive(QueryableByName)]
struct Ddl {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    drop: String,
    #[diesel(sql_type = Text)]
    create: String,
}

/// What was taken off for the load, to be put back after it.
#[derive(Debug, Default)]
pub(crate) struct Suspended {
    indexes: Vec<(String, String)>,
    triggers: Vec<(String, String)>,
}

impl Suspended {
    pub(crate) fn indexes(&self) -> usize {
        self.indexes.len()
    }

    pub(crate) fn triggers(&self) -> usize {
        self.triggers.len()
    }
}

/// Fast-load settings for this connection (a fresh database that is thrown away if the load
/// fails): SQLite without syncs (and without a journal when it can) and with a 1 GiB page cache; PostgreSQL without
/// waiting for commits to reach the disk, with room to sort for index builds.
pub(crate) fn fast(conn: &mut DbConnection) -> anyhow::Result<()> {
    let settings: &[&str] = match conn {
        DbConnection::Sqlite(_) => {
            &["PRAGMA synchronous = OFF", "PRAGMA cache_size = -1048576", "PRAGMA temp_store = MEMORY"]
        }
        DbConnection::Postgresql(_) => &["SET synchronous_commit = off", "SET maintenance_work_mem = '512MB'"],
    };
    for setting in settings {
        run(conn, setting)?;
    }
    match conn {
        // Without a journal when no one else has the file open (the command line); another
        // connection (a running app's pool) keeps it in WAL, which is fast enough unsynced.
        DbConnection::Sqlite(_) => {
            let _ = run(conn, "PRAGMA journal_mode = OFF");
        }
        // Without the foreign-key checks, which PostgreSQL makes row by row with a lookup in the
        // referenced table (the generator writes only ids it made), until [`resume`]. Only a
        // superuser may; anyone else loads with the checks.
        DbConnection::Postgresql(_) => {
            let _ = run(conn, "SET session_replication_role = replica");
        }
    }
    Ok(())
}

/// Back to the settings every connection of the app uses (WAL on SQLite).
pub(crate) fn normal(conn: &mut DbConnection) -> anyhow::Result<()> {
    let settings: &[&str] = match conn {
        DbConnection::Sqlite(_) => &["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"],
        DbConnection::Postgresql(_) => &["SET synchronous_commit = on"],
    };
    for setting in settings {
        run(conn, setting)?;
    }
    Ok(())
}

fn run(conn: &mut DbConnection, sql: &str) -> anyhow::Result<()> {
    match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(sql).execute(c),
        DbConnection::Postgresql(c) => diesel::sql_query(sql).execute(c),
    }
    .with_context(|| format!("running {sql}"))?;
    Ok(())
}

/// Drops the bulk tables' secondary indexes (those not backing a primary key or a constraint)
/// and every trigger, and returns their DDL.
pub(crate) fn suspend(conn: &mut DbConnection) -> anyhow::Result<Suspended> {
    // The table names go in as one bound value (a comma-separated list), not as SQL text.
    let tables = BULK_TABLES.join(",");
    let (indexes, triggers): (Vec<Ddl>, Vec<Ddl>) = match conn {
        DbConnection::Sqlite(c) => (
            diesel::sql_query(
                "SELECT name, 'DROP INDEX \"' || name || '\"' AS \"drop\", sql AS \"create\" FROM sqlite_master \
                 WHERE type = 'index' AND sql IS NOT NULL AND instr(',' || ? || ',', ',' || tbl_name || ',') > 0 \
                 ORDER BY name",
            )
            .bind::<diesel::sql_types::Text, _>(&tables)
            .load(c)?,
            diesel::sql_query(
                "SELECT name, 'DROP TRIGGER \"' || name || '\"' AS \"drop\", sql AS \"create\" FROM sqlite_master \
                 WHERE type = 'trigger' ORDER BY name",
            )
            .load(c)?,
        ),
        DbConnection::Postgresql(c) => (
            diesel::sql_query(
                "SELECT ic.relname::text AS name, 'DROP INDEX ' || quote_ident(ic.relname) AS \"drop\", \
                 pg_get_indexdef(i.indexrelid) AS \"create\" \
                 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid \
                 JOIN pg_namespace n ON n.oid = tc.relnamespace \
                 WHERE n.nspname = current_schema() AND tc.relname = ANY(string_to_array($1, ',')) \
                 AND NOT i.indisprimary \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1",
            )
            .bind::<diesel::sql_types::Text, _>(&tables)
            .load(c)?,
            diesel::sql_query(
                "SELECT t.tgname::text AS name, \
                 'DROP TRIGGER ' || quote_ident(t.tgname) || ' ON ' || quote_ident(c.relname) AS \"drop\", \
                 pg_get_triggerdef(t.oid) AS \"create\" \
                 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND NOT t.tgisinternal ORDER BY 1",
            )
            .load(c)?,
        ),
    };
    let mut suspended = Suspended::default();
    for ddl in indexes {
        run(conn, &ddl.drop)?;
        suspended.indexes.push((ddl.name, ddl.create));
    }
    for ddl in triggers {
        run(conn, &ddl.drop)?;
        suspended.triggers.push((ddl.name, ddl.create));
    }
    Ok(suspended)
}

/// Recreates what [`suspend`] dropped: the indexes, then the triggers.
pub(crate) fn resume(conn: &mut DbConnection, suspended: &Suspended) -> anyhow::Result<()> {
    for (name, create) in suspended.indexes.iter().chain(&suspended.triggers) {
        run(conn, create).with_context(|| format!("recreating {name}"))?;
    }
    // What the app's own code writes after this fires its triggers and checks its keys again.
    if let DbConnection::Postgresql(_) = conn {
        run(conn, "SET session_replication_role = DEFAULT")?;
    }
    Ok(())
}

/// Builds every record's search entry in one statement, with what `db::search::index_contractor`
/// would be given for it: name; headline and location; summary; skills; notes and tags. No
/// generated record has a CV, so the CV column is empty.
pub(crate) fn index_search(conn: &mut DbConnection) -> anyhow::Result<usize> {
    let rows = match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(
            "INSERT INTO contractor_search (rowid, name, headline, summary, skills, notes, cv) \
             SELECT ac.id, ac.name, COALESCE(ac.headline, '') || ' ' || COALESCE(ac.location, ''), \
             COALESCE(ac.summary, ''), \
             COALESCE((SELECT group_concat(s.name, ' ') FROM agency_contractor_skills acs \
                       JOIN skills s ON s.id = acs.skill_id WHERE acs.agency_contractor_id = ac.id), ''), \
             COALESCE(ac.notes, '') || ' ' || replace(COALESCE(ac.tags, ''), ',', ' '), '' \
             FROM agency_contractors ac ORDER BY ac.id",
        )
        .execute(c)?,
        DbConnection::Postgresql(c) => diesel::sql_query(
            "INSERT INTO contractor_search (agency_contractor_id, agency_id, document) \
             SELECT ac.id, ac.agency_id, \
             setweight(to_tsvector('simple', ac.name), 'A') || \
             setweight(to_tsvector('simple', COALESCE(sk.names, '')), 'A') || \
             setweight(to_tsvector('simple', COALESCE(ac.headline, '') || ' ' || COALESCE(ac.location, '')), 'B') || \
             setweight(to_tsvector('simple', COALESCE(ac.summary, '')), 'C') || \
             setweight(to_tsvector('simple', COALESCE(ac.notes, '') || ' ' || replace(COALESCE(ac.tags, ''), ',', ' ')), 'D') || \
             setweight(to_tsvector('simple', ''), 'D') \
             FROM agency_contractors ac LEFT JOIN (SELECT acs.agency_contractor_id AS id, string_agg(s.name, ' ') AS names \
             FROM agency_contractor_skills acs JOIN skills s ON s.id = acs.skill_id GROUP BY acs.agency_contractor_id) sk \
             ON sk.id = ac.id ORDER BY ac.id",
        )
        .execute(c)?,
    };
    Ok(rows)
}

/// Every dashboard retired: each is computed when its viewer next opens it.
pub(crate) fn retire_dashboards(conn: &mut DbConnection) -> anyhow::Result<()> {
    run(conn, "DELETE FROM dashboards")
}
