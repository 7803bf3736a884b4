//! `nextgig backup --to FILE`: a consistent copy of a live SQLite database.
//!
//! SQLite's `VACUUM INTO` writes the database as one read transaction sees it: every write
//! committed before the copy began is in it, none that commits during the copy is half in it,
//! and the server keeps reading and writing meanwhile (WAL mode). The copy is a complete,
//! compacted database file, ready to use as `DATABASE_URL=sqlite://FILE`.
//!
//! PostgreSQL has its own tools for this (`pg_dump` / `pg_restore`, see the README).

use std::path::Path;

use diesel::RunQueryDsl;
use diesel::sql_types::Text;

use super::{DatabaseTarget, DbConnection};

/// Copies the database `target` names to `to`, which must not exist yet. Returns the copy's
/// size in bytes.
pub fn backup(target: &DatabaseTarget, to: &Path) -> anyhow::Result<u64> {
    if let DatabaseTarget::Postgres { .. } = target {
        anyhow::bail!(
            "backup copies SQLite databases; for PostgreSQL use pg_dump, e.g. \
             pg_dump --format=custom --file=nextgig.dump \"$DATABASE_URL\" (restore with pg_restore)"
        );
    }
    if to.exists() {
        anyhow::bail!("{} already exists: choose a new file name (a backup never overwrites)", to.display());
    }
    if let Some(parent) = to.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        anyhow::bail!("the folder {} does not exist", parent.display());
    }
    let destination = to.to_str().ok_or_else(|| anyhow::anyhow!("{} is not a UTF-8 path", to.display()))?;
    let mut conn = target.connect()?;
    let DbConnection::Sqlite(sqlite) = &mut conn else { unreachable!("checked above") };
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(destination)
        .execute(sqlite)
        .map_err(|e| anyhow::anyhow!("cannot write the backup to {}: {e}", to.display()))?;
    Ok(std::fs::metadata(to)?.len())
}
