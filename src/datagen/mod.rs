//! `nextgig datagen`: benchmark data (docs/BENCHMARKS.md), written straight into the configured
//! database in big multi-row INSERTs, one transaction per chunk, table by table.
//!
//! Everything is drawn from the seed (through the demo's seeded streams and word lists), so a
//! profile and a seed give the same data. Contractor records are planned and checked exactly as
//! the demo plans them (the contractor form's rules and derived columns), and every record gets
//! its search entry, so the app's search finds them.

mod load;
mod rows;
mod shape;

pub use shape::{Shape, Spread, shape};

use std::io::{IsTerminal, Write};
use std::time::Instant;

use anyhow::{Context, bail};
use diesel::prelude::*;

use crate::auth::password::hash_now;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::schema::agencies;
use crate::db::{self, DatabaseTarget, DbConnection};

/// Bumped whenever the same seed would give different data.
pub const GENERATOR_VERSION: u32 = 2;

/// How much data to make (the profiles table of docs/BENCHMARKS.md; totals over all agencies).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Profile {
    pub name: &'static str,
    pub agencies: usize,
    pub staff: usize,
    pub contractors: usize,
    pub clients: usize,
    pub jobs: usize,
    pub open_jobs: usize,
    pub submissions: usize,
    pub placements: usize,
    pub active_placements: usize,
    pub activities: usize,
}

/// The four profiles.
pub const PROFILES: &[Profile] = &[
    Profile {
        name: "tiny",
        agencies: 2,
        staff: 6,
        contractors: 2_000,
        clients: 40,
        jobs: 200,
        open_jobs: 20,
        submissions: 4_000,
        placements: 100,
        active_placements: 15,
        activities: 20_000,
    },
    Profile {
        name: "S",
        agencies: 1,
        staff: 12,
        contractors: 20_000,
        clients: 300,
        jobs: 2_000,
        open_jobs: 150,
        submissions: 20_000,
        placements: 1_100,
        active_placements: 120,
        activities: 375_000,
    },
    Profile {
        name: "L",
        agencies: 1,
        staff: 220,
        contractors: 500_000,
        clients: 5_000,
        jobs: 40_000,
        open_jobs: 2_500,
        submissions: 600_000,
        placements: 20_000,
        active_placements: 3_000,
        activities: 5_000_000,
    },
    Profile {
        name: "M",
        agencies: 300,
        staff: 4_000,
        contractors: 3_000_000,
        clients: 90_000,
        jobs: 300_000,
        open_jobs: 20_000,
        submissions: 4_000_000,
        placements: 150_000,
        active_placements: 25_000,
        activities: 20_000_000,
    },
];

impl Profile {
    /// The profile with this name (case-insensitive).
    pub fn named(name: &str) -> Option<Profile> {
        PROFILES.iter().find(|p| p.name.eq_ignore_ascii_case(name)).copied()
    }

    /// `total` shared out over the agencies: agency `n`'s part.
    fn share(total: usize, agencies: usize, n: usize) -> usize {
        total / agencies + usize::from(n < total % agencies)
    }
}

/// The password of every generated account (printed; generated data is for benchmarks only).
pub fn password_for(seed: u64) -> String {
    format!("datagen-{seed}-benchmark")
}

/// Someone who can sign in to the generated data.
#[derive(Clone, Debug)]
pub struct Account {
    pub role: &'static str,
    pub name: String,
    pub email: String,
}

/// What `datagen` wrote.
#[derive(Clone, Debug)]
pub struct Generated {
    pub password: String,
    /// An admin, a recruiter and a contractor (in that order).
    pub accounts: Vec<Account>,
    /// Rows written per table, in the order they were written.
    pub rows: Vec<(&'static str, usize)>,
}

impl Generated {
    /// The first account with this role.
    pub fn account(&self, role: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.role == role)
    }

    /// Rows written to `table`.
    pub fn rows(&self, table: &str) -> usize {
        self.rows.iter().filter(|(t, _)| *t == table).map(|(_, n)| n).sum()
    }
}

/// Counts rows per table and prints one line per table to standard error.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    pub(crate) quiet: bool,
    pub(crate) rows: Vec<(&'static str, usize)>,
}

impl Progress {
    /// Runs one table's part and reports how many rows it wrote and how fast.
    pub(crate) fn table<T>(
        &mut self,
        table: &'static str,
        part: impl FnOnce(&mut usize) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let started = Instant::now();
        let live = !self.quiet && std::io::stderr().is_terminal();
        if live {
            eprint!("  {table:<26} …");
            let _ = std::io::stderr().flush();
        }
        let mut count = 0;
        let out = part(&mut count)?;
        let seconds = started.elapsed().as_secs_f64();
        if !self.quiet {
            eprintln!(
                "{}  {table:<26} {count:>10} rows in {seconds:>7.1} s ({:>9.0} rows/s)",
                if live { "\r" } else { "" },
                count as f64 / seconds.max(1e-6)
            );
        }
        self.rows.push((table, count));
        Ok(out)
    }
}

/// Generates `profile` from `seed` into the database `config` names. Refuses a database that
/// already has an agency.
pub fn generate(config: &Config, clock: &Clock, profile: Profile, seed: u64, quiet: bool) -> anyhow::Result<Generated> {
    let target = DatabaseTarget::parse(&config.database_url)?;
    let mut conn = target.connect()?;
    db::run_migrations(&mut conn)?;
    let existing: i64 = agencies::table.count().get_result(&mut conn)?;
    if existing > 0 {
        bail!(
            "{} already has {existing} agenc{}; datagen writes only into an empty database. Point DATABASE_URL at a fresh one (e.g. sqlite://datagen-{}.db).",
            target.describe(),
            if existing == 1 { "y" } else { "ies" },
            profile.name
        );
    }
    let now = clock.now();
    let password = password_for(seed);
    let hash = hash_now(&password)?;
    let mut progress = Progress { quiet, rows: Vec::new() };
    // The rows go in with the big tables' secondary indexes and every trigger off; the search
    // index, the indexes and the triggers are built once the bulk tables are full, before the
    // last phase, which goes through the app's own code (contractor accounts).
    load::fast(&mut conn)?;
    let suspended = load::suspend(&mut conn)?;
    let accounts = rows::load(&mut conn, &mut progress, profile, seed, &hash, now, |conn, progress| {
        progress.table("contractor_search (set-based)", |count| {
            *count = tx(conn, load::index_search)?;
            Ok(())
        })?;
        progress.table("indexes + triggers rebuilt", |count| {
            load::resume(conn, &suspended)?;
            *count = suspended.indexes() + suspended.triggers();
            Ok(())
        })
    })?;
    // Dashboards compute on first view (none is kept from before the load).
    load::retire_dashboards(&mut conn)?;
    load::normal(&mut conn)?;
    if let DbConnection::Postgresql(c) = &mut conn {
        // Fresh statistics, as autovacuum would gather within minutes of a bulk load: the planner
        // should see the data it will serve, not empty tables.
        diesel::sql_query("ANALYZE").execute(c)?;
    }
    Ok(Generated { password, accounts, rows: progress.rows })
}

/// `nextgig datagen`: generates a profile and prints how to sign in.
pub fn run(config: &Config, clock: &Clock, profile: &str, seed: u64) -> anyhow::Result<()> {
    let Some(profile) = Profile::named(profile) else {
        bail!("unknown profile {profile:?}: use tiny, S, L or M");
    };
    let started = Instant::now();
    eprintln!("Generating profile {} (seed {seed}, generator version {GENERATOR_VERSION})…", profile.name);
    let generated = generate(config, clock, profile, seed, false).context("datagen stopped")?;
    let mut conn = DatabaseTarget::parse(&config.database_url)?.connect()?;
    let measured = shape(&mut conn, clock.now().date()).context("measuring the generated data")?;
    eprintln!("Shape of the data:");
    eprint!("{measured}");
    println!();
    println!("Generated profile {} in {:.1} s.", profile.name, started.elapsed().as_secs_f64());
    println!("Sign in at {}/login (password for every account: {}):", config.public_url(), generated.password);
    for account in &generated.accounts {
        println!("    {:<44} {} ({})", account.email, account.role, account.name);
    }
    Ok(())
}

/// Inserts rows into a table in multi-row statements (the statement differs per backend).
macro_rules! bulk_insert {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c)?,
            $crate::db::DbConnection::Postgresql(c) => diesel::insert_into($table).values($rows).execute(c)?,
        }
    };
}

/// Like [`bulk_insert`], returning each new row's id (in the order of the rows).
macro_rules! bulk_insert_ids {
    ($conn:expr, $table:expr, $rows:expr, $id:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite(c) => {
                diesel::insert_into($table).values($rows).returning($id).get_results::<i64>(c)?
            }
            $crate::db::DbConnection::Postgresql(c) => {
                diesel::insert_into($table).values($rows).returning($id).get_results::<i64>(c)?
            }
        }
    };
}

pub(crate) use {bulk_insert, bulk_insert_ids};

/// Rows per statement (the widest table has 32 columns: 16,000 parameters, under SQLite's limit;
/// narrow tables of up to 8 columns use four times as many).
pub(crate) const BATCH: usize = 500;
/// Rows per transaction.
pub(crate) const CHUNK: usize = 20_000;

/// Runs `f` in a write transaction.
pub(crate) fn tx<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    db::write(conn, f)
}
