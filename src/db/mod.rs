//! The database layer: one connection type over SQLite and PostgreSQL, the pool, migrations and
//! write transactions. It knows no entity rules and no pages.

pub mod backup;
pub mod schema;
pub mod search;
pub(crate) mod sql;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::{
    AnsiTransactionManager, Instrumentation, InstrumentationEvent, SimpleConnection, TransactionManager,
};
use diesel::pg::PgConnection;
use diesel::r2d2;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// One connection to whichever database `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// The pool every request and background job draws from.
pub type DbPool = r2d2::Pool<ConnectionManager>;
/// A connection borrowed from the pool.
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// How long SQLite waits for another writer before giving up, on a connection opened directly
/// (migrations, the command-line tools); pooled connections wait the pool's timeout instead.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;
/// libpq's own connect timeout, in seconds, added to PostgreSQL URLs that do not set one.
const PG_CONNECT_TIMEOUT_SECONDS: u32 = 3;
/// libpq settings added to PostgreSQL URLs that do not set them. A server that vanishes from the
/// network (a dead host, a firewall that drops packets) never closes its connections: keepalive
/// probes find an idle connection dead after about 10 + 3 × 3 s, and `tcp_user_timeout` breaks
/// one whose sent data goes unacknowledged for 10 s, so the pool drops them instead of handing
/// them out again. (A server that is merely stopped, `kill -STOP`, still has its kernel answer
/// TCP: only the caller's own deadline, `AppState::db`, bounds that.)
const PG_NETWORK_PARAMETERS: [(&str, &str); 5] = [
    ("keepalives", "1"),
    ("keepalives_idle", "10"),
    ("keepalives_interval", "3"),
    ("keepalives_count", "3"),
    ("tcp_user_timeout", "10000"),
];
/// A pooled connection that finished a statement this recently is handed out without a probe;
/// one idle for longer is asked `SELECT 1` first (it may have been cut by a database restart).
const TRUSTED_FOR: Duration = Duration::from_secs(1);
/// What `write` reports when its caller stopped waiting before the commit: it rolled back.
const GAVE_UP: &str = "the request stopped waiting for the database, so the change was rolled back";

/// Which database engine a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A parsed `DATABASE_URL`.
#[derive(Clone, Debug)]
pub enum DatabaseTarget {
    /// An SQLite database file (created if missing).
    Sqlite { path: PathBuf },
    /// A PostgreSQL connection string (with a connect timeout).
    Postgres { url: String },
}

/// Why the database could not be opened: each names the problem and never prints a password.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("DATABASE_URL is empty; use a path such as sqlite://nextgig.db or a URL such as postgres://user@host/db")]
    Empty,
    #[error("DATABASE_URL {0} is not a valid PostgreSQL URL: {1}")]
    BadPostgresUrl(String, String),
    #[error("DATABASE_URL uses the unsupported scheme \"{0}\"; use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedScheme(String),
    #[error("cannot open the SQLite database at {path}: {reason}")]
    Sqlite { path: String, reason: String },
    #[error("cannot connect to PostgreSQL at {target}: {reason}")]
    Postgres { target: String, reason: String },
    #[error("cannot apply database migrations: {0}")]
    Migrations(String),
    #[error("cannot create the connection pool: {0}")]
    Pool(String),
}

impl DatabaseTarget {
    /// Reads a `DATABASE_URL`: `postgres://` or `postgresql://` is PostgreSQL, `sqlite://PATH`,
    /// `sqlite:PATH` or a plain path is an SQLite file.
    pub fn parse(raw: &str) -> Result<Self, SetupError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(SetupError::Empty);
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let mut url = url::Url::parse(raw).map_err(|e| SetupError::BadPostgresUrl(redact(raw), e.to_string()))?;
            if url.host_str().is_none_or(str::is_empty) && !url.query_pairs().any(|(k, _)| k == "host") {
                return Err(SetupError::BadPostgresUrl(redact(raw), "it names no host".into()));
            }
            if !url.query_pairs().any(|(k, _)| k == "connect_timeout") {
                url.query_pairs_mut().append_pair("connect_timeout", &PG_CONNECT_TIMEOUT_SECONDS.to_string());
            }
            for (name, value) in PG_NETWORK_PARAMETERS {
                if !url.query_pairs().any(|(k, _)| k == name) {
                    url.query_pairs_mut().append_pair(name, value);
                }
            }
            return Ok(Self::Postgres { url: url.into() });
        }
        let path = if let Some(rest) = raw.strip_prefix("sqlite://") {
            rest
        } else if let Some(rest) = raw.strip_prefix("sqlite:") {
            rest
        } else if let Some((scheme, _)) = raw.split_once("://") {
            return Err(SetupError::UnsupportedScheme(scheme.to_string()));
        } else {
            raw
        };
        if path.is_empty() {
            return Err(SetupError::Sqlite { path: raw.into(), reason: "no file name given".into() });
        }
        Ok(Self::Sqlite { path: PathBuf::from(path) })
    }

    /// The engine behind this target.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite { .. } => Backend::Sqlite,
            Self::Postgres { .. } => Backend::Postgres,
        }
    }

    /// A description safe to print: the file path, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite { path } => format!("SQLite {}", path.display()),
            Self::Postgres { url } => format!("PostgreSQL {}", redact(url)),
        }
    }

    /// Opens one connection, with SQLite's pragmas applied.
    pub fn connect(&self) -> Result<DbConnection, SetupError> {
        match self {
            Self::Sqlite { path } => {
                let shown = path.display().to_string();
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
                    && !parent.is_dir()
                {
                    return Err(SetupError::Sqlite {
                        path: shown,
                        reason: format!("the folder {} does not exist", parent.display()),
                    });
                }
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(|e| SetupError::Sqlite { path: shown.clone(), reason: e.to_string() })?;
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = FULL;
                     PRAGMA foreign_keys = ON;"
                ))
                .map_err(|e| SetupError::Sqlite { path: shown, reason: e.to_string() })?;
                Ok(DbConnection::Sqlite(conn))
            }
            Self::Postgres { url } => {
                let failed = |e: diesel::ConnectionError| SetupError::Postgres {
                    target: redact(url),
                    reason: e.to_string().trim().to_string(),
                };
                match PgConnection::establish(url) {
                    Ok(conn) => Ok(DbConnection::Postgresql(conn)),
                    Err(e) if e.to_string().contains("does not exist") && create_postgres_database(url)? => {
                        Ok(DbConnection::Postgresql(PgConnection::establish(url).map_err(failed)?))
                    }
                    Err(e) => Err(failed(e)),
                }
            }
        }
    }
}

/// Creates the database a PostgreSQL URL names when the server is reachable but the database is
/// missing (first start on a fresh server). Returns false when the name is not a plain identifier.
fn create_postgres_database(raw: &str) -> Result<bool, SetupError> {
    let Ok(mut url) = url::Url::parse(raw) else { return Ok(false) };
    let name = url.path().trim_start_matches('/').to_string();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Ok(false);
    }
    url.set_path("/postgres");
    let mut admin = PgConnection::establish(url.as_str())
        .map_err(|e| SetupError::Postgres { target: redact(raw), reason: e.to_string().trim().to_string() })?;
    match admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")) {
        Ok(()) => {
            tracing::info!(database = %name, "created the PostgreSQL database");
            Ok(true)
        }
        // Another instance created it at the same moment (PostgreSQL says "already exists", or,
        // when both are mid-way, a unique violation on pg_database).
        Err(e) if e.to_string().contains("already exists") || is_unique_violation(&e) => Ok(true),
        Err(e) => Err(SetupError::Postgres {
            target: redact(raw),
            reason: format!("the database does not exist and could not be created: {e}"),
        }),
    }
}

/// Hides the password of a URL before it is printed or logged.
pub fn redact(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            let mut shown = url.to_string();
            if let Some((base, _)) = shown.split_once('?') {
                shown = base.to_string();
            }
            shown
        }
        Err(_) => "(unparseable URL)".to_string(),
    }
}

/// r2d2's factory for our connections: the backend is chosen once, from the URL. Every
/// connection it opens waits at most `timeout` for a lock or a statement, and carries a
/// [`Watch`] that counts its statements (tests use it to prove a page's statement count does not
/// grow with the data) and can keep their text (the plan tests explain each one).
#[derive(Debug)]
pub struct ConnectionManager {
    target: DatabaseTarget,
    statements: StatementCounter,
    timeout: Duration,
}

/// A running count of the statements a pool's connections have run, and, while recording, the
/// text of each (with `?` or `$n` where values are bound).
#[derive(Clone, Debug, Default)]
pub struct StatementCounter {
    count: Arc<AtomicU64>,
    recording: Arc<std::sync::atomic::AtomicBool>,
    recorded: Arc<std::sync::Mutex<Vec<String>>>,
}

impl StatementCounter {
    /// Statements run so far.
    pub fn get(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Starts keeping the text of every statement run from now on (and forgets what was kept).
    pub fn start_recording(&self) {
        self.recorded.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
        self.recording.store(true, Ordering::SeqCst);
    }

    /// Stops recording and returns the statements kept since [`StatementCounter::start_recording`].
    pub fn stop_recording(&self) -> Vec<String> {
        self.recording.store(false, Ordering::SeqCst);
        std::mem::take(&mut *self.recorded.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    fn started(&self, query: &dyn std::fmt::Display) {
        self.count.fetch_add(1, Ordering::Relaxed);
        if self.recording.load(Ordering::Relaxed) {
            // diesel shows a statement as its SQL, then " -- binds: [...]": keep the SQL.
            let shown = query.to_string();
            let sql = shown.rsplit_once(" -- binds: ").map_or(shown.as_str(), |(sql, _)| sql).to_string();
            self.recorded.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(sql);
        }
    }
}

/// The error r2d2 reports when a pooled connection cannot be opened.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConnectError(String);

/// What the pool keeps about one connection. It lives in the connection as its diesel
/// instrumentation (called on every statement), where the db layer finds it again by downcasting.
struct Watch {
    statements: StatementCounter,
    /// When a statement last finished without error.
    last_ok: Instant,
    /// Set once the caller of the current borrow stopped waiting (see [`abandon_on`]).
    given_up: Option<Arc<AtomicBool>>,
}

impl Instrumentation for Watch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { query, .. } => self.statements.started(query),
            InstrumentationEvent::FinishQuery { error: None, .. } => self.last_ok = Instant::now(),
            _ => {}
        }
    }
}

fn watch(conn: &mut DbConnection) -> Option<&mut Watch> {
    conn.instrumentation().downcast_mut::<Watch>()
}

/// Ties the work about to run on `conn` to `given_up`: once that flag is set (the caller answered
/// without waiting any longer), [`write`] rolls back instead of committing, and does not begin.
/// `None` unties it. Each checkout from the pool starts untied.
pub fn abandon_on(conn: &mut DbConnection, given_up: Option<Arc<AtomicBool>>) {
    if let Some(watch) = watch(conn) {
        watch.given_up = given_up;
    }
}

fn abandoned(conn: &mut DbConnection) -> bool {
    watch(conn).and_then(|w| w.given_up.as_ref()).is_some_and(|flag| flag.load(Ordering::SeqCst))
}

fn gave_up() -> DieselError {
    DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(GAVE_UP.to_string()))
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        let mut conn = self.target.connect().map_err(|e| ConnectError(e.to_string()))?;
        let ms = self.timeout.as_millis().max(1);
        // A request waits this long for a lock or a statement, then answers 503 (the pool's own
        // wait for a connection is the same). PostgreSQL's lock wait is a little shorter, so that
        // a lock is reported as a lock ("lock timeout") rather than as a slow statement.
        // No parallel workers for one request's statement: on a busy server every core is already
        // answering a request, and a worker adds its start-up to the CPU a statement costs.
        let limits = match &conn {
            DbConnection::Postgresql(_) => format!(
                "SET statement_timeout = {ms}; SET lock_timeout = {}; SET max_parallel_workers_per_gather = 0",
                (ms * 4 / 5).max(1)
            ),
            DbConnection::Sqlite(_) => format!(
                "PRAGMA busy_timeout = {ms}; PRAGMA cache_size = -{SQLITE_CACHE_KIB}; PRAGMA mmap_size = {SQLITE_MMAP_BYTES}"
            ),
        };
        conn.batch_execute(&limits).map_err(|e| ConnectError(e.to_string()))?;
        conn.set_instrumentation(Watch {
            statements: self.statements.clone(),
            last_ok: Instant::now(),
            given_up: None,
        });
        Ok(conn)
    }

    /// Runs at every checkout: a connection used within [`TRUSTED_FOR`] goes out as it is; one
    /// idle for longer must answer `SELECT 1` first, so that connections cut by a database
    /// restart are dropped here (r2d2 then tries the next or opens a new one) instead of failing
    /// a request.
    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        let recently_used = match watch(conn) {
            Some(watch) => {
                watch.given_up = None;
                watch.last_ok.elapsed() < TRUSTED_FOR
            }
            None => false,
        };
        if recently_used {
            return Ok(());
        }
        conn.batch_execute("SELECT 1").map_err(|e| ConnectError(e.to_string()))
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.is_broken()
    }
}

/// Each pooled SQLite connection's own page cache, in KiB. SQLite's default (2 MiB) is smaller
/// than a page's working set on a large agency: pages were read again and again, and the kernel's
/// copying of them was a third of the dashboard's CPU (issue 18). 8 MiB a connection holds the
/// hot indexes; the pool's 4 connections add at most 24 MiB to the server, which peaked at about
/// 105 MiB under load with the default: inside the 150 MiB memory target.
const SQLITE_CACHE_KIB: u64 = 8 * 1024;

/// No memory-mapped reads: each connection maps the file on its own, and every page it touches
/// then counts in the server's resident memory once per connection (measured on profile S, a
/// 183 MiB file: 620 MiB peak with a 256 MiB map, against the 150 MiB target).
const SQLITE_MMAP_BYTES: u64 = 0;

/// Pool sizing and waiting limits.
#[derive(Clone, Debug)]
pub struct PoolOptions {
    /// Connections kept at most; `None` picks 4 for SQLite and 16 for PostgreSQL.
    pub max_size: Option<u32>,
    /// How long a request waits for a connection, for a lock (SQLite `busy_timeout`, PostgreSQL
    /// `lock_timeout`) and for one statement (PostgreSQL `statement_timeout`) before giving up.
    pub timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self { max_size: None, timeout: Duration::from_secs(5) }
    }
}

/// Opens the database named by `raw_url`, applies migrations, and returns a pool.
/// Fails within seconds, naming the problem, when the database cannot be reached.
pub fn open(raw_url: &str, options: &PoolOptions) -> Result<(DbPool, DatabaseTarget, StatementCounter), SetupError> {
    let target = DatabaseTarget::parse(raw_url)?;
    // One direct connection first: its error says exactly what is wrong. (It has no statement
    // timeout: a long migration must not be cut off.)
    let mut first = target.connect()?;
    run_migrations(&mut first)?;
    drop(first);
    let max_size = options.max_size.unwrap_or(match target.backend() {
        Backend::Sqlite => 4,
        Backend::Postgres => 16,
    });
    let counter = StatementCounter::default();
    let manager = ConnectionManager { target: target.clone(), statements: counter.clone(), timeout: options.timeout };
    let pool = r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        .connection_timeout(options.timeout)
        // `is_valid` probes only connections idle for a second or more: after a PostgreSQL
        // restart no request gets a connection the server has already closed.
        .test_on_check_out(true)
        .build(manager)
        .map_err(|e| SetupError::Pool(e.to_string()))?;
    Ok((pool, target, counter))
}

/// Applies every pending migration for the connection's backend. On PostgreSQL an advisory lock
/// keeps two instances starting together from migrating at once.
pub fn run_migrations(conn: &mut DbConnection) -> Result<(), SetupError> {
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| SetupError::Migrations(e.to_string());
    match conn {
        DbConnection::Sqlite(c) => {
            c.run_pending_migrations(SQLITE_MIGRATIONS).map_err(failed)?;
        }
        DbConnection::Postgresql(c) => {
            const LOCK: &str = "SELECT pg_advisory_lock(7291044)";
            const UNLOCK: &str = "SELECT pg_advisory_unlock(7291044)";
            c.batch_execute(LOCK).map_err(|e| SetupError::Migrations(e.to_string()))?;
            let result = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()).map_err(failed);
            c.batch_execute(UNLOCK).map_err(|e| SetupError::Migrations(e.to_string()))?;
            result?;
        }
    }
    Ok(())
}

/// Runs `f` in a write transaction. On SQLite it begins `IMMEDIATE`, so the write lock is taken
/// up front and a busy database fails fast instead of deadlocking half-way. Inside another write
/// (a create under an idempotency key) it is a savepoint of that transaction.
pub fn write<T, E>(conn: &mut DbConnection, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
where
    E: From<DieselError>,
{
    let depth = match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()?,
        DbConnection::Postgresql(c) => AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()?,
    };
    if depth.is_some() {
        return conn.transaction(f);
    }
    if abandoned(conn) {
        return Err(gave_up().into());
    }
    match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    // The caller answered 503 without waiting for this (a frozen server, a long queue): it must
    // not be saved behind that answer.
    let outcome = f(conn).and_then(|value| if abandoned(conn) { Err(gave_up().into()) } else { Ok(value) });
    match outcome {
        Ok(value) => {
            <DbConnection as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => match <DbConnection as Connection>::TransactionManager::rollback_transaction(conn) {
            // A connection lost mid-transaction (a database restart) cannot roll back: the cause
            // is what matters (it answers 503), and the pool drops the broken connection.
            Ok(()) | Err(DieselError::BrokenTransactionManager) => Err(e),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

/// How long a best-effort write (keeping a computed page) waits for SQLite's write lock.
const SHORT_BUSY_WAIT_MS: u32 = 50;

/// The connection's SQLite lock wait, shortened for a best-effort write; put it back with
/// [`ShortBusyWait::restore`]. Nothing to do on PostgreSQL, whose writers do not queue for one
/// database-wide lock.
#[derive(Debug)]
pub struct ShortBusyWait(Option<i64>);

/// Shortens the connection's SQLite lock wait for a best-effort write (see [`ShortBusyWait`]).
pub fn short_busy_wait(conn: &mut DbConnection) -> Result<ShortBusyWait, DieselError> {
    let DbConnection::Sqlite(c) = conn else { return Ok(ShortBusyWait(None)) };
    #[derive(diesel::QueryableByName)]
    struct Wait {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        timeout: i64,
    }
    let was = diesel::RunQueryDsl::get_result::<Wait>(diesel::sql_query("PRAGMA busy_timeout"), c)?.timeout;
    c.batch_execute(&format!("PRAGMA busy_timeout = {SHORT_BUSY_WAIT_MS}"))?;
    Ok(ShortBusyWait(Some(was)))
}

impl ShortBusyWait {
    /// Puts the connection's lock wait back as it was.
    pub fn restore(self, conn: &mut DbConnection) -> Result<(), DieselError> {
        if let (Some(was), DbConnection::Sqlite(c)) = (self.0, conn) {
            c.batch_execute(&format!("PRAGMA busy_timeout = {was}"))?;
        }
        Ok(())
    }
}

/// True when `err` is a unique-constraint clash.
pub fn is_unique_violation(err: &DieselError) -> bool {
    matches!(err, DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
}

/// True when `err` means the database is busy, locked, too slow or gone (the caller should
/// answer 503). Diesel gives PostgreSQL's SQLSTATE no name beyond a few kinds, so the rest is
/// recognised by PostgreSQL's and SQLite's (English) messages: query_canceled (57014: statement
/// timeout, a cancel), lock_not_available (55P03: lock timeout), a server shutting down.
pub fn is_unavailable(err: &DieselError) -> bool {
    match err {
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => true,
        DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        DieselError::DatabaseError(_, info) => {
            let message = info.message();
            message.contains("database is locked")
                || message.contains("database is busy")
                || message.contains("terminating connection")
                || message.contains("server closed the connection")
                || message.contains("no connection to the server")
                || message.contains("canceling statement due to")
                || message.contains("could not obtain lock")
                || message == GAVE_UP
        }
        _ => false,
    }
}

/// True when `err` means the database's storage is full: SQLite's SQLITE_FULL ("database or
/// disk is full") or PostgreSQL's disk_full (53100: "could not extend file …: No space left on
/// device"). Reads still work; writes fail until space is freed.
pub fn is_storage_full(err: &DieselError) -> bool {
    match err {
        DieselError::DatabaseError(_, info) => {
            let message = info.message();
            message.contains("database or disk is full")
                || message.contains("No space left on device")
                || message.contains("could not extend file")
        }
        _ => false,
    }
}

/// The engine behind a live connection.
pub fn backend_of(conn: &DbConnection) -> Backend {
    match conn {
        DbConnection::Sqlite(_) => Backend::Sqlite,
        DbConnection::Postgresql(_) => Backend::Postgres,
    }
}
