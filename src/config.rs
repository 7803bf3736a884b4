//! Every setting, each a command-line flag and an environment variable (`--help` lists them all).

use std::path::PathBuf;
use std::time::Duration;

use chrono::TimeDelta;
use clap::{ArgAction, Args, ValueEnum};

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// NextGig's settings.
#[derive(Args, Clone, Debug)]
pub struct Config {
    /// Database: `sqlite://PATH` (the file is created if missing) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://nextgig.db", global = true)]
    pub database_url: String,

    /// Address and port the web server listens on.
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8080", global = true)]
    pub bind: String,

    /// Public address of NextGig, used in emailed links; an `https://` address also makes the
    /// session cookie `Secure` with the `__Host-` prefix. Defaults to `http://` + BIND.
    #[arg(long, env = "BASE_URL", global = true)]
    pub base_url: Option<String>,

    /// SMTP server for outgoing email (`smtp://user:pass@host:587?tls=required` or `smtps://…`).
    /// Without it every email is written as an .eml file to MAIL_DIR and logged.
    #[arg(long, env = "SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Folder for .eml files when SMTP_URL is not set (created if missing).
    #[arg(long, env = "MAIL_DIR", default_value = "mail", global = true)]
    pub mail_dir: PathBuf,

    /// Sender address of outgoing email.
    #[arg(long, env = "MAIL_FROM", default_value = "NextGig <no-reply@nextgig.invalid>", global = true)]
    pub mail_from: String,

    /// Log line format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// Which log lines to keep, in tracing's filter syntax (`info`, `nextgig=debug,info`, …).
    #[arg(long = "log-filter", env = "RUST_LOG", default_value = "info", global = true)]
    pub log_filter: String,

    /// A signed-in session ends after this many minutes without a request.
    #[arg(long, env = "SESSION_IDLE_MINUTES", default_value_t = 120, global = true)]
    pub session_idle_minutes: u32,

    /// A signed-in session ends this many hours after sign-in, however active.
    #[arg(long, env = "SESSION_ABSOLUTE_HOURS", default_value_t = 12, global = true)]
    pub session_absolute_hours: u32,

    /// Days an emailed team invitation stays valid.
    #[arg(long, env = "INVITATION_DAYS", default_value_t = 7, global = true)]
    pub invitation_days: u32,

    /// Minutes a password-reset link stays valid.
    #[arg(long, env = "PASSWORD_RESET_MINUTES", default_value_t = 60, global = true)]
    pub password_reset_minutes: u32,

    /// Database connections in the pool (default: 4 for SQLite, 16 for PostgreSQL).
    #[arg(long, env = "DB_POOL_SIZE", global = true)]
    pub db_pool_size: Option<u32>,

    /// Seconds a request waits on the database before answering 503 (with Retry-After): for a
    /// connection from the pool, for a lock (SQLite busy_timeout; PostgreSQL lock_timeout, four
    /// fifths of it) and for one statement (PostgreSQL statement_timeout). A database call with no
    /// answer one second past it (a frozen server) answers 503 as well.
    #[arg(long, env = "DB_TIMEOUT_SECONDS", default_value_t = 5, global = true)]
    pub db_timeout_seconds: u64,

    /// HTTP worker threads (default: one per CPU core).
    #[arg(long, env = "WORKERS", global = true)]
    pub workers: Option<usize>,

    /// Threads per worker for database and hashing work; beyond them requests queue, then 503.
    #[arg(long, env = "MAX_BLOCKING_THREADS", default_value_t = 16, global = true)]
    pub max_blocking_threads: usize,

    /// Password hashes computed at once (each takes about 19 MiB and 50 ms); default: CPU cores.
    #[arg(long, env = "HASHING_CONCURRENCY", global = true)]
    pub hashing_concurrency: Option<usize>,

    /// Take the client address from X-Forwarded-For / Forwarded (only behind a trusted proxy).
    #[arg(long, env = "TRUST_PROXY_HEADERS", action = ArgAction::Set, default_value_t = false, global = true)]
    pub trust_proxy_headers: bool,

    /// Seconds between runs of the outbox sender.
    #[arg(long, env = "OUTBOX_INTERVAL_SECONDS", default_value_t = 5, global = true)]
    pub outbox_interval_seconds: u64,

    /// Seconds between rounds of each background sweep (expired sessions, daily digest,
    /// availability reminders, pipeline); default: each sweep's own, 5 to 15 minutes.
    #[arg(long, env = "SWEEP_INTERVAL_SECONDS", global = true)]
    pub sweep_interval_seconds: Option<u64>,

    /// Seconds a background job's lease lasts: when its instance dies, another takes the job
    /// over after this long. Default: each job's own, 1 to 10 minutes. Keep it longer than a round.
    #[arg(long, env = "LEASE_SECONDS", global = true)]
    pub lease_seconds: Option<u64>,

    /// Run the background jobs (outbox sender, sweeper) in this instance. Several instances may
    /// all run them: leases make each piece of work happen once.
    #[arg(long, env = "BACKGROUND_JOBS", action = ArgAction::Set, default_value_t = true, global = true)]
    pub background_jobs: bool,

    /// Seconds SIGTERM waits for in-flight requests before exiting.
    #[arg(long, env = "SHUTDOWN_TIMEOUT_SECONDS", default_value_t = 30, global = true)]
    pub shutdown_timeout_seconds: u64,

    /// The program that reads the text of uploaded documents, in a child process with memory,
    /// CPU and time limits. Default: this same nextgig binary (its hidden `extract-text`
    /// command). Set it only when NextGig runs inside another program (the tests).
    #[arg(long, env = "TEXT_READER_BIN", global = true)]
    pub text_reader_bin: Option<PathBuf>,
}

impl Config {
    /// Settings with every default and the given database, ignoring the environment
    /// (used by tests and tools).
    pub fn with_database(database_url: &str) -> Self {
        Self {
            database_url: database_url.to_string(),
            bind: "127.0.0.1:0".into(),
            base_url: None,
            smtp_url: None,
            mail_dir: PathBuf::from("mail"),
            mail_from: "NextGig <no-reply@nextgig.invalid>".into(),
            log_format: LogFormat::Text,
            log_filter: "info".into(),
            session_idle_minutes: 120,
            session_absolute_hours: 12,
            invitation_days: 7,
            password_reset_minutes: 60,
            db_pool_size: None,
            db_timeout_seconds: 5,
            workers: None,
            max_blocking_threads: 16,
            hashing_concurrency: None,
            trust_proxy_headers: false,
            outbox_interval_seconds: 5,
            sweep_interval_seconds: None,
            lease_seconds: None,
            background_jobs: true,
            shutdown_timeout_seconds: 30,
            text_reader_bin: None,
        }
    }

    /// The public base URL without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.base_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.bind),
        }
    }

    /// True when NextGig is reached over https (cookies become `Secure` and `__Host-`).
    pub fn is_https(&self) -> bool {
        self.public_url().starts_with("https://")
    }

    /// Idle lifetime of a session.
    pub fn session_idle(&self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.session_idle_minutes.max(1)))
    }

    /// Absolute lifetime of a session.
    pub fn session_absolute(&self) -> TimeDelta {
        TimeDelta::hours(i64::from(self.session_absolute_hours.max(1)))
    }

    /// How long an invitation link stays valid.
    pub fn invitation_lifetime(&self) -> TimeDelta {
        TimeDelta::days(i64::from(self.invitation_days.max(1)))
    }

    /// How long a password-reset link stays valid.
    pub fn password_reset_lifetime(&self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.password_reset_minutes.max(1)))
    }

    /// How long a request waits for a database connection, a lock or a statement.
    pub fn db_timeout(&self) -> Duration {
        Duration::from_secs(self.db_timeout_seconds.max(1))
    }

    /// How long a caller waits for one database call as a whole before answering 503 without it:
    /// a second past [`Config::db_timeout`], so that the database's own timeouts, which roll back
    /// cleanly, normally come first; this one is for a server that answers nothing at all.
    pub fn db_deadline(&self) -> Duration {
        self.db_timeout() + Duration::from_secs(1)
    }

    /// How often a background sweep runs: SWEEP_INTERVAL_SECONDS, else the sweep's `default`.
    pub fn sweep_every(&self, default: Duration) -> Duration {
        self.sweep_interval_seconds.map_or(default, |s| Duration::from_secs(s.max(1)))
    }

    /// How long a background job's lease lasts: LEASE_SECONDS, else the job's `default`.
    pub fn lease(&self, default: TimeDelta) -> TimeDelta {
        self.lease_seconds.map_or(default, |s| TimeDelta::seconds(i64::try_from(s.max(1)).unwrap_or(i64::MAX / 1000)))
    }

    /// How many password hashes may run at once.
    pub fn hashing_permits(&self) -> usize {
        self.hashing_concurrency.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())).max(1)
    }
}
