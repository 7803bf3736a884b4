//! Process-level reliability (SECURITY.md, promises 11, 12 and 14), against the real binary:
//!
//! - **kill**: writers add tasks with idempotency keys while the server is killed (`SIGKILL`) at
//!   random moments and restarted on the same database; every acknowledged write is there once,
//!   retried writes did not duplicate, SQLite's `integrity_check` is ok. On both backends.
//! - **database restart**: PostgreSQL stopped and started again under load: 503s during the
//!   outage, every request answered within seconds, full recovery within seconds, the app never
//!   exits.
//! - **lock**: an outside SQLite writer holds the lock past `busy_timeout`: writes get 503, reads
//!   keep working, and everything recovers.
//! - **drain**: `SIGTERM` while requests are in flight: all finish, then the process exits with 0.
//! - **storage faults**: a PostgreSQL table lock and a frozen PostgreSQL server (`kill -STOP`)
//!   give the 503 page within `DB_TIMEOUT_SECONDS` (+1 s), `/readyz` says not ready within its
//!   own 2 s, and all recovers; after a PostgreSQL restart no request fails on a pooled
//!   connection the server closed; a full disk under SQLite (a real one: an 8 MiB tmpfs, root
//!   only) keeps reads working, answers writes with a "storage full" 503, makes `/readyz` say so,
//!   and recovers once space is freed.
//! - **background work**: a large CSV import interrupted by `SIGTERM`, then by `SIGKILL`, resumes
//!   by itself where it stopped after each restart, every row imported exactly once, and the
//!   import's page tells the truth at each step (queued, running on an instance, interrupted,
//!   resumed, done). On both backends.
//!
//! The binary is `NEXTGIG_BIN` (CI points it at the release build); without it each test says so
//! and passes, so a plain `cargo test` stays fast. PostgreSQL runs in a private cluster these
//! tests create, start, stop and remove themselves (initdb and pg_ctl from `NEXTGIG_PG_BIN`, or
//! the newest `/usr/lib/postgresql/*/bin`; as root, they run as the `postgres` user), on a free
//! loopback port: the machine's own cluster is never touched. Without PostgreSQL binaries those
//! tests skip, unless `NEXTGIG_REQUIRE_POSTGRES=1` (CI), which makes that a failure.
//!
//! `NEXTGIG_BIN=target/release/nextgig cargo test --test reliability -- --nocapture`

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use nextgig::auth::password::hash_now;
use nextgig::db::schema::{sessions, tasks};
use nextgig::db::{DatabaseTarget, DbConnection};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, RETRY_AFTER, SET_COOKIE};

const PASSWORD: &str = "marble-otter-violin-42";
const EMAIL: &str = "ada@acme.test";
/// The server's wait for a busy SQLite database (`SQLITE_BUSY_TIMEOUT_MS` in `src/db`).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest any request may take while the database is down or locked: the 5 s pool and
/// busy timeouts, plus slack for a loaded machine.
const ANSWER_WITHIN: Duration = Duration::from_secs(8);

/// The tests share two cores and measure time: one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn binary(test: &str) -> Option<PathBuf> {
    match std::env::var_os("NEXTGIG_BIN") {
        Some(path) => Some(PathBuf::from(path)),
        None => {
            eprintln!("SKIPPED {test}: set NEXTGIG_BIN to a build of nextgig (CI uses the release build)");
            None
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

// ---------------------------------------------------------------------------------------------
// A private PostgreSQL cluster.

/// A PostgreSQL cluster of our own in a temporary folder, on a free loopback port; stopped and
/// removed when dropped.
struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    log: PathBuf,
    port: u16,
    as_postgres: bool,
    _dir: tempfile::TempDir,
}

impl Cluster {
    /// A new running cluster, or `None` (and a message) when PostgreSQL is not installed.
    fn create(test: &str) -> Option<Self> {
        let bin = std::env::var_os("NEXTGIG_PG_BIN").map(PathBuf::from).or_else(|| {
            let mut found: Vec<PathBuf> = fs::read_dir("/usr/lib/postgresql")
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path().join("bin"))
                .filter(|bin| bin.join("pg_ctl").is_file())
                .collect();
            found.sort_by_key(|p| p.parent().and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok()).unwrap_or(0));
            found.pop()
        });
        let Some(bin) = bin.filter(|b| b.join("pg_ctl").is_file()) else {
            assert!(
                std::env::var("NEXTGIG_REQUIRE_POSTGRES").is_err(),
                "{test}: no PostgreSQL binaries (set NEXTGIG_PG_BIN to the folder of initdb and pg_ctl)"
            );
            eprintln!("SKIPPED {test}: no PostgreSQL binaries; set NEXTGIG_PG_BIN to the folder of initdb and pg_ctl");
            return None;
        };
        let dir = tempfile::Builder::new().prefix("nextgig-reliability-pg").tempdir().unwrap();
        let as_postgres = is_root();
        if as_postgres {
            let status = Command::new("chown").arg("postgres:").arg(dir.path()).status().unwrap();
            assert!(status.success(), "chown of the cluster folder to postgres");
        }
        let cluster = Self {
            data: dir.path().join("data"),
            log: dir.path().join("postgres.log"),
            port: free_port(),
            bin,
            as_postgres,
            _dir: dir,
        };
        let data = cluster.data.to_str().unwrap().to_string();
        cluster.run("initdb", &["-D", &data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
        cluster.start();
        Some(cluster)
    }

    /// Runs a PostgreSQL tool (as the postgres user when we are root); fails the test if it fails.
    fn run(&self, tool: &str, args: &[&str]) {
        let path = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let output = command.args(args).current_dir("/").stdin(Stdio::null()).output().unwrap();
        assert!(
            output.status.success(),
            "{tool} {args:?} failed: {}{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    fn pg_ctl(&self, action: &str, extra: &[&str]) {
        let (data, log) = (self.data.to_str().unwrap().to_string(), self.log.to_str().unwrap().to_string());
        let mut args = vec!["-D", &data, "-l", &log, "-w", "-t", "60"];
        args.extend_from_slice(extra);
        args.push(action);
        self.run("pg_ctl", &args);
    }

    fn start(&self) {
        let socket_dir = self.data.parent().unwrap().to_str().unwrap().to_string();
        let options = format!("-p {} -c listen_addresses=127.0.0.1 -k {socket_dir}", self.port);
        self.pg_ctl("start", &["-o", &options]);
    }

    /// A fast shutdown: open connections are cut, as in a restart or failover.
    fn stop(&self) {
        self.pg_ctl("stop", &["-m", "fast"]);
    }

    fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// A new database in the cluster; its URL.
    fn database(&self, name: &str) -> String {
        let mut admin = diesel::pg::PgConnection::establish(&self.admin_url()).expect("the private cluster answers");
        admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// The postmaster and every process it started (backends, checkpointer, WAL writer, …).
    fn processes(&self) -> Vec<u32> {
        let pid_file = fs::read_to_string(self.data.join("postmaster.pid")).expect("the cluster runs");
        let postmaster: u32 = pid_file.lines().next().unwrap().trim().parse().unwrap();
        let mut pids = vec![postmaster];
        for entry in fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
            let status = fs::read_to_string(entry.path().join("status")).unwrap_or_default();
            let parent = status.lines().find_map(|l| l.strip_prefix("PPid:")).map(|p| p.trim().parse::<u32>());
            if parent == Some(Ok(postmaster)) {
                pids.push(pid);
            }
        }
        pids
    }

    /// Stops every process of the server with SIGSTOP: connections stay open and the kernel still
    /// acknowledges what is sent, but nothing answers (as a hung host or storage would). Thawed
    /// when the guard is dropped.
    fn freeze(&self) -> Frozen {
        let pids = self.processes();
        signal("-STOP", &pids);
        Frozen { pids }
    }
}

fn signal(which: &str, pids: &[u32]) {
    let status = Command::new("kill").arg(which).args(pids.iter().map(u32::to_string)).status().unwrap();
    assert!(status.success(), "kill {which} {pids:?}");
}

/// A frozen PostgreSQL server; SIGCONT when dropped (also when a test fails).
struct Frozen {
    pids: Vec<u32>,
}

impl Frozen {
    fn thaw(self) {}
}

impl Drop for Frozen {
    fn drop(&mut self) {
        signal("-CONT", &self.pids);
    }
}

/// Runs `statements` in a transaction on a connection of its own (another session's locks) and
/// holds it open for `hold`, on a thread; `taken` is true once the statements ran.
fn hold_postgres_locks(url: &str, statements: &str, hold: Duration) -> (std::thread::JoinHandle<()>, Arc<AtomicBool>) {
    let (url, statements) = (url.to_string(), statements.to_string());
    let taken = Arc::new(AtomicBool::new(false));
    let flag = taken.clone();
    let thread = std::thread::spawn(move || {
        let mut conn = diesel::pg::PgConnection::establish(&url).unwrap();
        conn.batch_execute(&format!("BEGIN; {statements}")).unwrap();
        flag.store(true, Ordering::SeqCst);
        std::thread::sleep(hold);
        conn.batch_execute("COMMIT").unwrap();
    });
    (thread, taken)
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data.to_str().unwrap().to_string();
        let path = self.bin.join("pg_ctl");
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let _ = command.args(["-D", &data, "-m", "immediate", "-w", "stop"]).stdout(Stdio::null()).status();
    }
}

// ---------------------------------------------------------------------------------------------
// The server process.

/// Migrates the database and creates an agency whose admin is [`EMAIL`].
/// A prepared SQLite database in a new temporary folder: (folder, file, URL).
fn prepared_sqlite() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nextgig.db");
    let url = format!("sqlite://{}", file.display());
    prepare(&url);
    (dir, file, url)
}

fn prepare(url: &str) {
    let mut conn = connect(url);
    nextgig::db::run_migrations(&mut conn).expect("migrations");
    let hash = hash_now(PASSWORD).unwrap();
    nextgig::models::setup::create_agency(
        &mut conn,
        "Acme Staffing",
        "Ada Admin",
        EMAIL,
        &hash,
        Utc::now().naive_utc(),
    )
    .expect("an agency");
}

fn connect(url: &str) -> DbConnection {
    DatabaseTarget::parse(url).and_then(|t| t.connect()).expect("a connection")
}

/// `nextgig serve` on a fixed loopback port, restartable on the same database.
struct Server {
    binary: PathBuf,
    database_url: String,
    port: u16,
    address: String,
    dir: PathBuf,
    log: PathBuf,
    /// Settings beyond the usual ones, e.g. `("DB_POOL_SIZE", "8")`, for the next (re)start.
    settings: Vec<(String, String)>,
    child: Option<Child>,
}

impl Server {
    async fn start(binary: &Path, database_url: &str, dir: &Path) -> Self {
        Self::start_with(binary, database_url, dir, &[]).await
    }

    /// Like [`Server::start`], with more settings.
    async fn start_with(binary: &Path, database_url: &str, dir: &Path, settings: &[(&str, &str)]) -> Self {
        let port = free_port();
        let mut server = Self {
            binary: binary.to_path_buf(),
            database_url: database_url.to_string(),
            port,
            address: format!("http://127.0.0.1:{port}"),
            dir: dir.to_path_buf(),
            log: dir.join("server.log"),
            child: None,
            settings: Vec::new(),
        };
        for (key, value) in settings {
            server.set(key, value);
        }
        server.restart().await;
        server
    }

    /// Changes a setting for the next (re)start.
    fn set(&mut self, key: &str, value: &str) {
        self.settings.retain(|(k, _)| k != key);
        self.settings.push((key.to_string(), value.to_string()));
    }

    fn spawn(&mut self) {
        let out = fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        let child = Command::new(&self.binary)
            .arg("serve")
            .env_clear()
            .envs([
                ("DATABASE_URL", self.database_url.as_str()),
                ("BIND", &format!("127.0.0.1:{}", self.port)),
                ("BASE_URL", &self.address),
                ("MAIL_DIR", self.dir.join("mail").to_str().unwrap()),
                ("WORKERS", "2"),
                ("RUST_LOG", "info"),
            ])
            .envs(self.settings.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.binary.display()));
        self.child = Some(child);
    }

    /// Starts the process (again) and waits until `/readyz` answers.
    async fn restart(&mut self) {
        let started = Instant::now();
        self.spawn();
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                // (The port of a killed process can take a moment to be free again.)
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "the server exited ({status}):\n{}",
                    self.log_text()
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
                self.spawn();
                continue;
            }
            if let Ok(r) = reqwest::get(format!("{}/readyz", self.address)).await
                && r.status().is_success()
            {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "the server never got ready:\n{}", self.log_text());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// SIGKILL: no shutdown at all.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM: the orderly stop a service manager asks for.
    fn terminate(&self) {
        let status = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// Still running?
    fn running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| c.try_wait().unwrap().is_none())
    }

    /// Waits up to `patience` for the process to exit on its own.
    async fn exit_status(&mut self, patience: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < patience {
            if let Some(status) = self.child.as_mut()?.try_wait().unwrap() {
                self.child = None;
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            let log = self.log_text();
            eprintln!("--- warnings and errors of the server log ---");
            for line in log.lines().filter(|l| l.contains("WARN") || l.contains("ERROR")).take(40) {
                eprintln!("{line}");
            }
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            eprintln!("--- end of the server log ---");
            for line in tail.into_iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A signed-in user.

/// A response, read whole.
struct Page {
    status: StatusCode,
    location: String,
    /// The `Retry-After` header, if any.
    retry_after: Option<String>,
    session: Option<String>,
    text: String,
}

impl Page {
    /// The value of the hidden field `name` (the CSRF token, the idempotency key).
    fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.text.find(&marker).unwrap_or_else(|| panic!("no {name} on:\n{}", self.text)) + marker.len();
        self.text[start..].split('"').next().unwrap().to_string()
    }
}

/// A browser signed in as [`EMAIL`], with a bound on every request.
#[derive(Clone)]
struct User {
    http: reqwest::Client,
    address: String,
    cookie: String,
}

impl User {
    fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap()
    }

    async fn send(request: reqwest::RequestBuilder) -> Result<Page, reqwest::Error> {
        let response = request.send().await?;
        let location = response.headers().get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let retry_after = response.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_string);
        let prefix = format!("{}=", nextgig::auth::session::COOKIE);
        let session = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix(&prefix).map(|rest| rest.split(';').next().unwrap_or("").to_string()));
        let status = response.status();
        Ok(Page { status, location, retry_after, session, text: response.text().await? })
    }

    /// Signs in (retrying while the server is down).
    async fn sign_in(address: &str) -> Self {
        let http = Self::client();
        let started = Instant::now();
        loop {
            assert!(started.elapsed() < Duration::from_secs(60), "could not sign in");
            let attempt = async {
                let form = Self::send(http.get(format!("{address}/login"))).await?;
                let (Some(anonymous), StatusCode::OK) = (form.session.clone(), form.status) else { return Ok(None) };
                let fields = [("email", EMAIL), ("password", PASSWORD), ("csrf_token", &form.hidden("csrf_token"))];
                let request = http
                    .post(format!("{address}/login"))
                    .header(COOKIE, format!("{}={anonymous}", nextgig::auth::session::COOKIE))
                    .form(&fields);
                let done = Self::send(request).await?;
                Ok::<_, reqwest::Error>(done.session.filter(|_| done.status == StatusCode::SEE_OTHER))
            };
            if let Ok(Some(cookie)) = attempt.await {
                return Self { http, address: address.to_string(), cookie };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn with_cookie(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.header(COOKIE, format!("{}={}", nextgig::auth::session::COOKIE, self.cookie))
    }

    async fn get(&self, path: &str) -> Result<Page, reqwest::Error> {
        Self::send(self.with_cookie(self.http.get(format!("{}{path}", self.address)))).await
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Result<Page, reqwest::Error> {
        let request = self.with_cookie(self.http.post(format!("{}{path}", self.address)).form(fields));
        Self::send(request).await
    }

    /// The new-task form's CSRF token and idempotency key (retrying while the server is down).
    async fn task_form(&self) -> (String, String) {
        let started = Instant::now();
        loop {
            if let Ok(page) = self.get("/tasks/new").await
                && page.status == StatusCode::OK
            {
                return (page.hidden("csrf_token"), page.hidden("idempotency_key"));
            }
            assert!(started.elapsed() < Duration::from_secs(60), "the task form never came back");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// What one writer did.
#[derive(Debug, Default)]
struct Writes {
    /// Titles of the tasks whose creation was answered with success.
    acknowledged: Vec<String>,
    /// How many of those needed more than one attempt (sent again with the same key).
    retried: usize,
    /// Answers that were neither success nor 503 (must stay empty).
    unexpected: Vec<String>,
    /// Requests that found no server (refused, reset): none unless the server was killed.
    transport_errors: usize,
    /// 503 answers.
    unavailable: usize,
    /// The longest a request took to be answered (or to fail).
    slowest: Duration,
}

/// Adds tasks `{prefix}-{n}` until `stop`, each with the form's idempotency key, resending a
/// write that got no success with the same key until it does.
async fn writer(address: String, prefix: String, stop: Arc<AtomicBool>) -> Writes {
    let user = User::sign_in(&address).await;
    let mut writes = Writes::default();
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        let title = format!("{prefix}-{n}");
        let (csrf, key) = user.task_form().await;
        let fields = [
            ("title", title.as_str()),
            ("due_on", "2027-01-04"),
            ("assignee_id", ""),
            ("idempotency_key", key.as_str()),
            ("csrf_token", csrf.as_str()),
        ];
        let started = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let sent = Instant::now();
            let answer = user.post("/tasks", &fields).await;
            writes.slowest = writes.slowest.max(sent.elapsed());
            match answer {
                Ok(page) if page.status == StatusCode::SEE_OTHER => break,
                Ok(page) if page.status == StatusCode::SERVICE_UNAVAILABLE => writes.unavailable += 1,
                Ok(page) => writes.unexpected.push(format!(
                    "{} {}",
                    page.status,
                    page.text.chars().take(300).collect::<String>()
                )),
                Err(_) => writes.transport_errors += 1,
            }
            assert!(started.elapsed() < Duration::from_secs(90), "{title} was never acknowledged");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        writes.retried += usize::from(attempts > 1);
        writes.acknowledged.push(title);
        n += 1;
    }
    writes
}

/// How many tasks have each title starting with `prefix`.
fn stored_titles(url: &str, prefix: &str) -> std::collections::HashMap<String, i64> {
    let rows: Vec<(String, i64)> = tasks::table
        .filter(tasks::title.like(format!("{prefix}-%")))
        .group_by(tasks::title)
        .select((tasks::title, diesel::dsl::count_star()))
        .load(&mut connect(url))
        .unwrap();
    rows.into_iter().collect()
}

/// Every acknowledged title once, no title twice; returns (acknowledged, retried).
fn assert_each_once(url: &str, prefix: &str, all: &[Writes]) -> (usize, usize) {
    let stored = stored_titles(url, prefix);
    let acknowledged: Vec<&String> = all.iter().flat_map(|w| &w.acknowledged).collect();
    let lost: Vec<_> = acknowledged.iter().filter(|t| !stored.contains_key(t.as_str())).collect();
    let doubled: Vec<_> = stored.iter().filter(|(_, n)| **n > 1).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert!(doubled.is_empty(), "stored more than once: {doubled:?}");
    // Every write was acknowledged in the end (writers resend until it is): nothing else is there.
    assert_eq!(stored.len(), acknowledged.len(), "only acknowledged writes are stored");
    (acknowledged.len(), all.iter().map(|w| w.retried).sum())
}

fn sqlite_integrity(path: &Path) -> String {
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let mut conn = diesel::sqlite::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    let rows: Vec<Check> = diesel::sql_query("PRAGMA integrity_check").load(&mut conn).unwrap();
    rows.into_iter().map(|r| r.integrity_check).collect::<Vec<_>>().join("; ")
}

// ---------------------------------------------------------------------------------------------
// kill

const KILLS: usize = 10;
const WRITERS: usize = 4;

/// Writers against a server killed [`KILLS`] times; returns what they did.
async fn kill_under_load(binary: &Path, url: &str, dir: &Path) -> Vec<Writes> {
    let mut server = Server::start(binary, url, dir).await;
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| tokio::spawn(writer(server.address.clone(), format!("kill-w{w}"), stop.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    for _ in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(rand::random_range(200..1500))).await;
        server.kill();
        server.restart().await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for writer in writers {
        all.push(writer.await.expect("a writer panicked"));
    }
    server.terminate();
    assert!(server.exit_status(Duration::from_secs(40)).await.is_some_and(|s| s.success()));
    for writes in &all {
        assert!(writes.unexpected.is_empty(), "{:?}", writes.unexpected);
    }
    all
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_server_under_write_load_loses_and_duplicates_nothing_on_sqlite() {
    let Some(binary) = binary("killing_the_server_under_write_load_loses_and_duplicates_nothing_on_sqlite") else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let (dir, file, url) = prepared_sqlite();
    let all = kill_under_load(&binary, &url, dir.path()).await;
    let (acknowledged, retried) = assert_each_once(&url, "kill", &all);
    assert_eq!(sqlite_integrity(&file), "ok");
    assert!(acknowledged >= 4 * KILLS, "enough writes to mean something: {acknowledged}");
    println!(
        "kill on SQLite: {KILLS} kills, {acknowledged} acknowledged writes ({retried} resent after a kill), \
         0 lost, 0 duplicated, integrity_check ok"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_server_under_write_load_loses_and_duplicates_nothing_on_postgres() {
    let test = "killing_the_server_under_write_load_loses_and_duplicates_nothing_on_postgres";
    let Some(binary) = binary(test) else { return };
    let _serial = SERIAL.lock().await;
    let Some(cluster) = Cluster::create(test) else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = cluster.database("nextgig_kill");
    prepare(&url);
    let all = kill_under_load(&binary, &url, dir.path()).await;
    let (acknowledged, retried) = assert_each_once(&url, "kill", &all);
    assert!(acknowledged >= 4 * KILLS, "enough writes to mean something: {acknowledged}");
    println!(
        "kill on PostgreSQL: {KILLS} kills, {acknowledged} acknowledged writes ({retried} resent after a kill), \
         0 lost, 0 duplicated"
    );
}

// ---------------------------------------------------------------------------------------------
// database restart

/// One request's outcome, `at` seconds into the test.
#[derive(Clone, Debug)]
struct Answer {
    at: Duration,
    took: Duration,
    status: Option<StatusCode>,
}

/// Reads `/tasks` in a loop until `stop`, noting every answer.
async fn reader(user: User, started: Instant, stop: Arc<AtomicBool>) -> Vec<Answer> {
    let mut answers = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let sent = Instant::now();
        let status = user.get("/tasks").await.ok().map(|p| p.status);
        answers.push(Answer { at: sent - started, took: sent.elapsed(), status });
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    answers
}

#[tokio::test(flavor = "multi_thread")]
async fn a_postgresql_restart_under_load_gives_quick_503s_then_recovers_by_itself() {
    let test = "a_postgresql_restart_under_load_gives_quick_503s_then_recovers_by_itself";
    let Some(binary) = binary(test) else { return };
    let _serial = SERIAL.lock().await;
    let Some(cluster) = Cluster::create(test) else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = cluster.database("nextgig_restart");
    prepare(&url);
    let mut server = Server::start(&binary, &url, dir.path()).await;
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..3 {
        let user = User::sign_in(&server.address).await;
        readers.push(tokio::spawn(reader(user, started, stop.clone())));
    }
    let writers: Vec<_> =
        (0..2).map(|w| tokio::spawn(writer(server.address.clone(), format!("restart-w{w}"), stop.clone()))).collect();

    tokio::time::sleep(Duration::from_secs(2)).await;
    let down = started.elapsed();
    cluster.stop();
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(server.running(), "the app exited while its database was down:\n{}", server.log_text());
    cluster.start();
    let up = started.elapsed();
    tokio::time::sleep(Duration::from_secs(8)).await;
    stop.store(true, Ordering::Relaxed);
    let mut answers = Vec::new();
    for reader in readers {
        answers.extend(reader.await.unwrap());
    }
    let mut writes = Vec::new();
    for writer in writers {
        writes.push(writer.await.unwrap());
    }
    assert!(server.running(), "the app exited:\n{}", server.log_text());

    // Every request had an answer (no transport error: the app never went away), 200 or 503
    // only, and within seconds.
    let odd: Vec<_> = answers
        .iter()
        .filter(|a| !matches!(a.status, Some(StatusCode::OK | StatusCode::SERVICE_UNAVAILABLE)))
        .collect();
    assert!(odd.is_empty(), "answers other than 200 and 503: {odd:?}");
    for w in &writes {
        assert!(w.unexpected.is_empty(), "{:?}", w.unexpected);
        assert_eq!(w.transport_errors, 0, "a write found no server");
        assert!(w.slowest < ANSWER_WITHIN, "a write waited {:?}", w.slowest);
    }
    let slowest = answers.iter().map(|a| a.took).max().unwrap();
    assert!(slowest < ANSWER_WITHIN, "a read waited {slowest:?}");
    let outage: Vec<_> = answers.iter().filter(|a| a.status == Some(StatusCode::SERVICE_UNAVAILABLE)).collect();
    assert!(!outage.is_empty(), "the outage was answered with 503");
    assert!(outage.iter().all(|a| a.at + a.took >= down), "503s only once the database was down: {outage:?}");
    // Recovered by itself within seconds of the database's return: nothing but success after.
    let first_success =
        answers.iter().filter(|a| a.at >= up && a.status == Some(StatusCode::OK)).map(|a| a.at + a.took);
    let recovered_in = first_success.min().expect("reads succeed again").saturating_sub(up);
    let last_failure = outage.iter().map(|a| a.at + a.took).max().unwrap();
    let recovered_after = last_failure.saturating_sub(up);
    assert!(recovered_after < Duration::from_secs(5), "503s went on {recovered_after:?} after the database was back");
    let after: Vec<_> = answers.iter().filter(|a| a.at > last_failure).collect();
    assert!(after.len() >= 10, "reads went on after the recovery: {}", after.len());
    let (acknowledged, retried) = assert_each_once(&url, "restart", &writes);
    println!(
        "database restart: down for {:?}; {} reads, {} answered 503 (slowest answer {slowest:?}); the first read \
         succeeded {recovered_in:?} after the database was back, the last 503 ended {recovered_after:?} after it; \
         {acknowledged} writes acknowledged ({retried} resent), 0 lost, 0 duplicated",
        up - down,
        answers.len(),
        outage.len()
    );
}

// ---------------------------------------------------------------------------------------------
// lock and drain (SQLite)

/// Holds SQLite's write lock from another process's point of view (a connection of our own)
/// for `hold`, on a thread; `taken` is true once it is held.
fn hold_write_lock(file: &Path, hold: Duration) -> (std::thread::JoinHandle<()>, Arc<AtomicBool>) {
    let path = file.to_str().unwrap().to_string();
    let taken = Arc::new(AtomicBool::new(false));
    let flag = taken.clone();
    let thread = std::thread::spawn(move || {
        let mut conn = diesel::sqlite::SqliteConnection::establish(&path).unwrap();
        conn.batch_execute("PRAGMA busy_timeout = 10000; BEGIN IMMEDIATE").unwrap();
        conn.batch_execute("UPDATE agencies SET name = name").unwrap();
        flag.store(true, Ordering::SeqCst);
        std::thread::sleep(hold);
        conn.batch_execute("COMMIT").unwrap();
    });
    (thread, taken)
}

async fn until(flag: &AtomicBool) {
    while !flag.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outside_writer_holding_the_sqlite_lock_gives_503_on_writes_while_reads_work() {
    let Some(binary) = binary("an_outside_writer_holding_the_sqlite_lock_gives_503_on_writes_while_reads_work") else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let (dir, file, url) = prepared_sqlite();
    let server = Server::start(&binary, &url, dir.path()).await;
    let user = User::sign_in(&server.address).await;
    let (csrf, key) = user.task_form().await;
    let fields = [
        ("title", "Written after the lock"),
        ("due_on", "2027-01-04"),
        ("idempotency_key", key.as_str()),
        ("csrf_token", csrf.as_str()),
    ];

    // Another user whose session's last-seen time is due to be written (once a minute).
    let idle = User::sign_in(&server.address).await;
    let hash = nextgig::models::token::hash(&idle.cookie);
    diesel::update(sessions::table.filter(sessions::token_hash.eq(hash)))
        .set(sessions::last_seen_at.eq(Utc::now().naive_utc() - chrono::TimeDelta::minutes(5)))
        .execute(&mut connect(&url))
        .unwrap();

    let (holder, taken) = hold_write_lock(&file, BUSY_TIMEOUT + Duration::from_secs(4));
    until(&taken).await;
    let sent = Instant::now();
    let (write, read, idle_read) = tokio::join!(
        user.post("/tasks", &fields),
        async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let sent = Instant::now();
            (user.get("/tasks").await.unwrap(), sent.elapsed())
        },
        async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let sent = Instant::now();
            (idle.get("/tasks").await.unwrap(), sent.elapsed())
        }
    );
    let write = write.unwrap();
    let waited = sent.elapsed();
    assert_eq!(write.status, StatusCode::SERVICE_UNAVAILABLE, "{}", write.text);
    assert!(waited >= BUSY_TIMEOUT - Duration::from_millis(500), "it waited for the lock first: {waited:?}");
    assert!(waited < ANSWER_WITHIN, "and then answered: {waited:?}");
    assert!(write.text.contains("503") || write.text.to_lowercase().contains("try again"), "{}", write.text);
    let (read, read_took) = read;
    assert_eq!(read.status, StatusCode::OK, "reads go on while the lock is held: {}", read.text);
    assert!(read_took < Duration::from_secs(1), "at once: {read_took:?}");
    // The other's last-seen time could not be written: the page is shown all the same.
    let (idle_read, idle_took) = idle_read;
    assert_eq!(idle_read.status, StatusCode::OK, "a read whose session touch is due: {}", idle_read.text);
    assert!(idle_took < ANSWER_WITHIN, "{idle_took:?}");
    assert!(taken.load(Ordering::SeqCst) && !holder.is_finished(), "the lock was still held");
    holder.join().unwrap();

    // The lock is gone: the same form (same key) goes through, once.
    let again = user.post("/tasks", &fields).await.unwrap();
    assert_eq!((again.status, again.location.as_str()), (StatusCode::SEE_OTHER, "/tasks"), "{}", again.text);
    let repeated = user.post("/tasks", &fields).await.unwrap();
    assert_eq!((repeated.status, repeated.location.as_str()), (StatusCode::SEE_OTHER, "/tasks"));
    let stored: i64 =
        tasks::table.filter(tasks::title.eq("Written after the lock")).count().get_result(&mut connect(&url)).unwrap();
    assert_eq!(stored, 1);
    println!(
        "lock: a write waited {waited:?} then got 503; a read took {read_took:?}, one whose session's last-seen \
         time was due {idle_took:?} (200); after the lock, saved once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_lets_requests_in_flight_finish_then_exits_cleanly() {
    let Some(binary) = binary("sigterm_lets_requests_in_flight_finish_then_exits_cleanly") else { return };
    let _serial = SERIAL.lock().await;
    let (dir, file, url) = prepared_sqlite();
    let mut server = Server::start(&binary, &url, dir.path()).await;
    let mut forms = Vec::new();
    for n in 0..4 {
        let user = User::sign_in(&server.address).await;
        let (csrf, key) = user.task_form().await;
        forms.push((user, format!("drain-{n}"), csrf, key));
    }
    // Slow requests: each waits for a lock held from outside for 2 s.
    let (holder, taken) = hold_write_lock(&file, Duration::from_secs(2));
    until(&taken).await;
    let in_flight: Vec<_> = forms
        .into_iter()
        .map(|(user, title, csrf, key)| {
            tokio::spawn(async move {
                let fields = [
                    ("title", title.as_str()),
                    ("due_on", "2027-01-04"),
                    ("idempotency_key", &key),
                    ("csrf_token", &csrf),
                ];
                user.post("/tasks", &fields).await.map(|p| p.status)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let asked = Instant::now();
    server.terminate();
    for request in in_flight {
        let status = request.await.unwrap();
        assert_eq!(status.ok(), Some(StatusCode::SEE_OTHER), "a request in flight at SIGTERM finished");
    }
    holder.join().unwrap();
    let status = server.exit_status(Duration::from_secs(40)).await.expect("the server exits after draining");
    let took = asked.elapsed();
    assert!(status.success(), "a clean exit after SIGTERM: {status}\n{}", server.log_text());
    let stored = stored_titles(&url, "drain");
    assert_eq!(stored.len(), 4, "{stored:?}");
    assert!(stored.values().all(|n| *n == 1));
    println!("drain: 4 requests in flight at SIGTERM all answered 303; exit code 0 after {took:?}");
}

// ---------------------------------------------------------------------------------------------
// storage faults (SECURITY.md): a PostgreSQL lock or frozen server, stale connections after a
// restart, a full disk under SQLite.

/// The server's `DB_TIMEOUT_SECONDS` (its default): the longest wait for a connection, a lock or
/// a statement; a database call with no answer a second past it answers 503 regardless.
const DB_TIMEOUT: Duration = Duration::from_secs(5);
/// `/readyz`'s own wait for the database (`READY_WITHIN` in src/routes/health.rs).
const READY_WITHIN: Duration = Duration::from_secs(2);
/// Slack for a loaded machine on top of a promised wait: enough to prove "no hang", not a
/// measure of speed.
const MARGIN: Duration = Duration::from_secs(2);

/// Sends a request and notes how long its answer took.
async fn timed(request: impl std::future::Future<Output = Result<Page, reqwest::Error>>) -> (Page, Duration) {
    let sent = Instant::now();
    let page = request.await.expect("an answer");
    (page, sent.elapsed())
}

/// The clear 503 page: status, Retry-After, and words a person understands.
fn assert_clear_503(what: &str, page: &Page, took: Duration, within: Duration) {
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{what} after {took:?}: {}", page.text);
    assert!(took < within, "{what} answered within {within:?}: it took {took:?}");
    assert!(page.retry_after.is_some(), "{what} carries Retry-After");
    assert!(page.text.contains("Temporarily unavailable") && page.text.contains("try again"), "{what}: {}", page.text);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_postgresql_table_lock_gives_a_503_within_the_promised_seconds_while_other_pages_work() {
    let test = "a_postgresql_table_lock_gives_a_503_within_the_promised_seconds_while_other_pages_work";
    let Some(binary) = binary(test) else { return };
    let _serial = SERIAL.lock().await;
    let Some(cluster) = Cluster::create(test) else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = cluster.database("nextgig_lock");
    prepare(&url);
    let server = Server::start(&binary, &url, dir.path()).await;
    let user = User::sign_in(&server.address).await;
    let (csrf, key) = user.task_form().await;
    let fields = [
        ("title", "Written after the table lock"),
        ("due_on", "2027-01-04"),
        ("idempotency_key", key.as_str()),
        ("csrf_token", csrf.as_str()),
    ];

    // Another session (a migration, a DBA's maintenance): writes to tasks must wait for it, reads
    // of tasks need not; hotlists cannot even be read.
    let hold = Duration::from_secs(12);
    let locks = "LOCK TABLE tasks IN EXCLUSIVE MODE; LOCK TABLE hotlists IN ACCESS EXCLUSIVE MODE";
    let (holder, taken) = hold_postgres_locks(&url, locks, hold);
    until(&taken).await;
    let ((write, write_took), (blocked, blocked_took), (read, read_took)) =
        tokio::join!(timed(user.post("/tasks", &fields)), timed(user.get("/hotlists")), async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            timed(user.get("/tasks")).await
        });
    let still_held = !holder.is_finished();
    println!(
        "table lock held {hold:?}: a write to the locked table answered {} after {write_took:?}, a read of the \
         exclusively locked table {} after {blocked_took:?}, a read of the other {} after {read_took:?}",
        write.status, blocked.status, read.status
    );
    let promised = DB_TIMEOUT + Duration::from_secs(1) + MARGIN;
    assert_clear_503("a write waiting for a table lock", &write, write_took, promised);
    assert_clear_503("a read waiting for a table lock", &blocked, blocked_took, promised);
    assert_eq!(read.status, StatusCode::OK, "a read the lock does not block: {}", read.text);
    assert!(read_took < MARGIN, "at once: {read_took:?}");
    assert!(still_held, "the 503s came while the lock was still held");
    let stored = |title: &'static str| {
        let url = url.clone();
        move || -> i64 { tasks::table.filter(tasks::title.eq(title)).count().get_result(&mut connect(&url)).unwrap() }
    };
    assert_eq!(stored("Written after the table lock")(), 0, "the write answered 503 was not saved");
    holder.join().unwrap();

    // The lock is gone: the same form (same key) goes through, once.
    let again = user.post("/tasks", &fields).await.unwrap();
    assert_eq!((again.status, again.location.as_str()), (StatusCode::SEE_OTHER, "/tasks"), "{}", again.text);
    assert_eq!(user.get("/hotlists").await.unwrap().status, StatusCode::OK);
    assert_eq!(stored("Written after the table lock")(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_frozen_postgresql_server_gives_503s_and_not_ready_within_the_promised_seconds_then_recovers() {
    let test = "a_frozen_postgresql_server_gives_503s_and_not_ready_within_the_promised_seconds_then_recovers";
    let Some(binary) = binary(test) else { return };
    let _serial = SERIAL.lock().await;
    let Some(cluster) = Cluster::create(test) else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = cluster.database("nextgig_frozen");
    prepare(&url);
    let server = Server::start(&binary, &url, dir.path()).await;
    let user = User::sign_in(&server.address).await;
    let (csrf, key) = user.task_form().await;
    let fields = [
        ("title", "Written after the freeze"),
        ("due_on", "2027-01-04"),
        ("idempotency_key", key.as_str()),
        ("csrf_token", csrf.as_str()),
    ];
    let visitor = User::client();
    let ready = format!("{}/readyz", server.address);
    let login = format!("{}/login", server.address);
    // Idle connections are the ones a frozen server traps: let the pool's be older than the
    // second within which a connection is trusted without a probe.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let frozen_for = Duration::from_secs(14);
    let frozen = cluster.freeze();
    let froze = Instant::now();
    // Thawed on time whatever the requests do (a server that hangs with the database would
    // otherwise wait for ever).
    let thaw = tokio::spawn(async move {
        tokio::time::sleep(frozen_for).await;
        frozen.thaw();
        Instant::now()
    });
    let ((read, read_took), (write, write_took), (readiness, ready_took), (anonymous, anonymous_took)) = tokio::join!(
        timed(user.get("/tasks")),
        timed(user.post("/tasks", &fields)),
        timed(User::send(visitor.get(&ready))),
        timed(User::send(visitor.get(&login))),
    );
    // A second round, once the first requests have left their connections stuck on the server.
    let ((again, again_took), (ready_again, ready_again_took)) =
        tokio::join!(timed(user.get("/tasks")), timed(User::send(visitor.get(&ready))));
    println!(
        "frozen server: a read answered {} after {read_took:?}, a write {} after {write_took:?}, /readyz {} ({}) \
         after {ready_took:?}, the sign-in page {} after {anonymous_took:?}; then a read {} after {again_took:?}, \
         /readyz {} after {ready_again_took:?}",
        read.status,
        write.status,
        readiness.status,
        readiness.text.trim(),
        anonymous.status,
        again.status,
        ready_again.status
    );
    let promised = DB_TIMEOUT + Duration::from_secs(1) + MARGIN;
    assert_clear_503("a signed-in read", &read, read_took, promised);
    assert_clear_503("a write", &write, write_took, promised);
    assert_clear_503("the sign-in page", &anonymous, anonymous_took, promised);
    assert_clear_503("a read with stuck connections in the pool", &again, again_took, promised);
    for (page, took) in [(&readiness, ready_took), (&ready_again, ready_again_took)] {
        assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "/readyz while frozen: {}", page.text);
        assert!(took < READY_WITHIN + MARGIN, "/readyz answered within its own {READY_WITHIN:?}: {took:?}");
        assert!(page.text.starts_with("not ready"), "{}", page.text);
    }
    assert!(froze.elapsed() < frozen_for, "every answer came while the server was still frozen");

    let thawed = thaw.await.unwrap();
    // Back by itself: the first success within seconds, and nothing but success after it.
    loop {
        let page = user.get("/tasks").await.unwrap();
        if page.status == StatusCode::OK {
            break;
        }
        assert!(thawed.elapsed() < DB_TIMEOUT + MARGIN, "still {} after the thaw: {}", page.status, page.text);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered_in = thawed.elapsed();
    for _ in 0..10 {
        assert_eq!(user.get("/tasks").await.unwrap().status, StatusCode::OK);
        assert_eq!(User::send(visitor.get(&ready)).await.unwrap().status, StatusCode::OK);
    }
    let again = user.post("/tasks", &fields).await.unwrap();
    assert_eq!((again.status, again.location.as_str()), (StatusCode::SEE_OTHER, "/tasks"), "{}", again.text);
    let stored: i64 = tasks::table
        .filter(tasks::title.eq("Written after the freeze"))
        .count()
        .get_result(&mut connect(&url))
        .unwrap();
    assert_eq!(stored, 1, "the write answered 503 was not saved behind it; the retry was, once");
    println!("frozen server: frozen {frozen_for:?}; the first read succeeded {recovered_in:?} after the thaw");
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_postgresql_restart_no_request_fails_on_a_connection_the_server_closed() {
    let test = "after_a_postgresql_restart_no_request_fails_on_a_connection_the_server_closed";
    let Some(binary) = binary(test) else { return };
    let _serial = SERIAL.lock().await;
    let Some(cluster) = Cluster::create(test) else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = cluster.database("nextgig_stale");
    prepare(&url);
    let pool_size = 8;
    let settings = [("DB_POOL_SIZE", "8"), ("OUTBOX_INTERVAL_SECONDS", "2")];
    let server = Server::start_with(&binary, &url, dir.path(), &settings).await;
    let user = User::sign_in(&server.address).await;

    // Fill the pool: requests held up by a short table lock each keep a connection open.
    let (holder, taken) =
        hold_postgres_locks(&url, "LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE", Duration::from_secs(2));
    until(&taken).await;
    let held: Vec<_> = (0..pool_size)
        .map(|_| {
            tokio::spawn({
                let user = user.clone();
                async move { user.get("/tasks").await.map(|p| p.status) }
            })
        })
        .collect();
    for request in held {
        assert_eq!(request.await.unwrap().ok(), Some(StatusCode::OK));
    }
    holder.join().unwrap();
    let open = || -> i64 {
        #[derive(QueryableByName)]
        struct Open {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut admin = diesel::pg::PgConnection::establish(&cluster.admin_url()).unwrap();
        diesel::sql_query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = 'nextgig_stale'")
            .get_result::<Open>(&mut admin)
            .unwrap()
            .n
    };
    let pooled = open();
    assert!(pooled >= 4, "the pool opened several connections: {pooled}");
    // Idle, as between two requests at a quiet hour.
    tokio::time::sleep(Duration::from_secs(2)).await;

    // A restart cuts every one of them ("terminating connection due to administrator command").
    cluster.stop();
    cluster.start();
    let log_at = server.log_text().len();
    // Two rounds of the outbox sender (every 2 s) come first, then the requests.
    tokio::time::sleep(Duration::from_millis(4500)).await;
    // Reads, and every fourth time a write: its form, then the form sent.
    let mut answers = Vec::new();
    for n in 0..24 {
        if n % 4 != 3 {
            answers.push(timed(user.get("/tasks")).await);
            continue;
        }
        let (form, took) = timed(user.get("/tasks/new")).await;
        let sendable = form.status == StatusCode::OK;
        answers.push((form, took));
        if sendable {
            let form = &answers.last().unwrap().0;
            let (title, key, csrf) =
                (format!("after-restart-{n}"), form.hidden("idempotency_key"), form.hidden("csrf_token"));
            let fields =
                [("title", title.as_str()), ("due_on", "2027-01-04"), ("idempotency_key", &key), ("csrf_token", &csrf)];
            answers.push(timed(user.post("/tasks", &fields)).await);
        }
    }
    let answers: Vec<(StatusCode, Duration)> = answers.into_iter().map(|(page, took)| (page.status, took)).collect();
    // And two more after them.
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let later = server.log_text()[log_at..].to_string();
    let failed: Vec<_> =
        answers.iter().filter(|(s, _)| !matches!(*s, StatusCode::OK | StatusCode::SEE_OTHER)).collect();
    let outbox_failures = later.lines().filter(|l| l.contains("outbox round failed")).count();
    println!(
        "restart with {pooled} idle pooled connections: {} of {} requests after the database was back failed \
         ({failed:?}); {outbox_failures} outbox rounds failed after it",
        failed.len(),
        answers.len()
    );
    assert!(failed.is_empty(), "no request fails once the database is back: {failed:?}");
    assert_eq!(outbox_failures, 0, "the outbox sender did not fail either:\n{later}");
    let stored = stored_titles(&url, "after-restart");
    assert_eq!(stored.len(), 6, "{stored:?}");
}

/// A small tmpfs mounted for one test (root only), unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<Self> {
        if !is_root() {
            return None;
        }
        let dir = tempfile::Builder::new().prefix("nextgig-full-disk").tempdir().unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0755"), "tmpfs"])
            .arg(dir.path())
            .status()
            .ok()?;
        status.success().then_some(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file until the disk refuses more; returns its size.
    fn fill(&self) -> u64 {
        use std::io::Write;
        let mut file = fs::File::create(self.path().join("filler")).unwrap();
        let chunk = vec![0u8; 16 * 1024];
        let mut written = 0;
        loop {
            match file.write(&chunk) {
                Ok(0) => break,
                Ok(n) => written += n as u64,
                Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
                Err(e) => panic!("filling the disk: {e}"),
            }
        }
        let _ = file.sync_all();
        written
    }

    fn free(&self) {
        fs::remove_file(self.path().join("filler")).unwrap();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_under_sqlite_keeps_reads_working_gives_writes_a_storage_full_503_and_recovers() {
    let test = "a_full_disk_under_sqlite_keeps_reads_working_gives_writes_a_storage_full_503_and_recovers";
    let Some(binary) = binary(test) else { return };
    let _serial = SERIAL.lock().await;
    // A real full disk, not a simulation: SQLite's max_page_count gives the same SQLITE_FULL, but
    // at the statement, while a full disk fails at the commit (the WAL write), which is where
    // the sign-in's 403 came from.
    let Some(disk) = SmallDisk::mount("8m") else {
        assert!(std::env::var("NEXTGIG_REQUIRE_DISK_FULL").is_err(), "{test}: needs root to mount a small tmpfs");
        eprintln!("SKIPPED {test}: needs root to mount a small tmpfs (a real full disk)");
        return;
    };
    let file = disk.path().join("nextgig.db");
    let url = format!("sqlite://{}", file.display());
    prepare(&url);
    let logs = tempfile::tempdir().unwrap();
    let server = Server::start(&binary, &url, logs.path()).await;
    let user = User::sign_in(&server.address).await;
    let (csrf, key) = user.task_form().await;
    let fields = [
        ("title", "Written after the disk filled"),
        ("due_on", "2027-01-04"),
        ("idempotency_key", key.as_str()),
        ("csrf_token", csrf.as_str()),
    ];
    // Another user whose session's last-seen time is due to be written (once a minute).
    let idle = User::sign_in(&server.address).await;
    let idle_hash = nextgig::models::token::hash(&idle.cookie);
    let long_ago = Utc::now().naive_utc() - chrono::TimeDelta::minutes(5);
    let last_seen = || -> chrono::NaiveDateTime {
        sessions::table
            .filter(sessions::token_hash.eq(&idle_hash))
            .select(sessions::last_seen_at)
            .first(&mut connect(&url))
            .unwrap()
    };
    diesel::update(sessions::table.filter(sessions::token_hash.eq(&idle_hash)))
        .set(sessions::last_seen_at.eq(long_ago))
        .execute(&mut connect(&url))
        .unwrap();

    let filled = disk.fill();
    let ready = format!("{}/readyz", server.address);
    let (read, read_took) = timed(idle.get("/tasks")).await;
    let (write, write_took) = timed(user.post("/tasks", &fields)).await;
    let readiness = User::send(User::client().get(&ready)).await.unwrap();
    // A new browser signing in: whichever step cannot be saved says why, never "Not allowed".
    let newcomer = User::client();
    let login_page = User::send(newcomer.get(format!("{}/login", server.address))).await.unwrap();
    let sign_in = match (login_page.status, &login_page.session) {
        (StatusCode::OK, Some(anonymous)) => {
            let fields = [("email", EMAIL), ("password", PASSWORD), ("csrf_token", &login_page.hidden("csrf_token"))];
            let request = newcomer
                .post(format!("{}/login", server.address))
                .header(COOKIE, format!("{}={anonymous}", nextgig::auth::session::COOKIE))
                .form(&fields);
            User::send(request).await.unwrap()
        }
        _ => login_page,
    };
    println!(
        "disk full (a real {filled}-byte filler on an 8 MiB tmpfs): a read whose last-seen time was due answered \
         {} after {read_took:?}; a write {} after {write_took:?}; /readyz {} ({}); a new sign-in {}",
        read.status,
        write.status,
        readiness.status,
        readiness.text.trim(),
        sign_in.status
    );
    assert_eq!(read.status, StatusCode::OK, "reads keep working: {}", read.text);
    assert!(read_took < DB_TIMEOUT, "{read_took:?}");
    assert_eq!(last_seen(), long_ago, "(the last-seen time could not be saved)");
    assert_eq!(write.status, StatusCode::SERVICE_UNAVAILABLE, "{}", write.text);
    assert!(write.text.contains("Storage full") && write.text.contains("storage is full"), "{}", write.text);
    assert!(write.retry_after.is_some(), "Retry-After on the storage-full page");
    assert_eq!(
        (readiness.status, readiness.text.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "not ready: storage full\n"),
        "/readyz reports the full disk"
    );
    assert_eq!(sign_in.status, StatusCode::SERVICE_UNAVAILABLE, "sign-in says why it cannot work: {}", sign_in.text);
    assert!(sign_in.text.contains("storage is full"), "{}", sign_in.text);
    let stored = || -> i64 {
        tasks::table
            .filter(tasks::title.eq("Written after the disk filled"))
            .count()
            .get_result(&mut connect(&url))
            .unwrap()
    };
    assert_eq!(stored(), 0);

    // Space is freed: everything comes back by itself.
    disk.free();
    let freed = Instant::now();
    loop {
        let page = User::send(User::client().get(&ready)).await.unwrap();
        if page.status == StatusCode::OK {
            break;
        }
        assert!(freed.elapsed() < Duration::from_secs(10), "/readyz still says {}", page.text);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ready_in = freed.elapsed();
    let again = user.post("/tasks", &fields).await.unwrap();
    assert_eq!((again.status, again.location.as_str()), (StatusCode::SEE_OTHER, "/tasks"), "{}", again.text);
    assert_eq!(stored(), 1);
    assert_eq!(idle.get("/tasks").await.unwrap().status, StatusCode::OK);
    assert!(last_seen() > long_ago, "the last-seen time is saved again");
    let _newcomer = User::sign_in(&server.address).await;
    drop(server);
    assert_eq!(sqlite_integrity(&file), "ok");
    println!(
        "disk full: after freeing space /readyz was ready within {ready_in:?}; the write went through once, sign-in \
         works, integrity_check ok"
    );
}

// ---------------------------------------------------------------------------------------------
// background work: an import interrupted by SIGTERM and by SIGKILL

/// Rows of the import: enough for dozens of chunks of 500.
const IMPORT_ROWS: usize = 30_000;
const BOUNDARY: &str = "nextgig-reliability-boundary-4fJ2";

impl User {
    /// Uploads a CSV file, confirms the mapping and presses "Import"; returns the import's id.
    async fn queue_import(&self, csv: &str) -> i64 {
        let form = self.get("/imports/new").await.unwrap();
        let mut body = Vec::new();
        let token = form.hidden("csrf_token");
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
                 --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"people.csv\"\r\n\
                 Content-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(csv.as_bytes());
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        let request = self
            .http
            .post(format!("{}/imports", self.address))
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(body);
        let uploaded = User::send(self.with_cookie(request)).await.unwrap();
        assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.text);
        let id: i64 = uploaded.location.trim_start_matches("/imports/").parse().unwrap();
        let page = self.get(&format!("/imports/{id}")).await.unwrap();
        let fields =
            [("column", "name"), ("column", "email"), ("column", "skills"), ("csrf_token", &page.hidden("csrf_token"))];
        let mapped = self.post(&format!("/imports/{id}/mapping"), &fields).await.unwrap();
        assert_eq!(mapped.status, StatusCode::SEE_OTHER, "{}", mapped.text);
        let page = self.get(&format!("/imports/{id}")).await.unwrap();
        let run =
            self.post(&format!("/imports/{id}/run"), &[("csrf_token", &page.hidden("csrf_token"))]).await.unwrap();
        assert_eq!(run.status, StatusCode::SEE_OTHER, "{}", run.text);
        id
    }

    /// The import page's status line and the sentence about where the import stands.
    async fn import_state(&self, id: i64) -> (String, String) {
        let page = self.get(&format!("/imports/{id}")).await.unwrap();
        assert_eq!(page.status, StatusCode::OK);
        let text_of = |class: &str| {
            let html = scraper::Html::parse_document(&page.text);
            let selector = scraper::Selector::parse(&format!(".{class}")).unwrap();
            html.select(&selector)
                .map(|e| e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
                .join(" ")
        };
        (
            text_of("import-status"),
            format!("{} {}", text_of("import-state"), text_of("import-resumed")).trim().to_string(),
        )
    }

    /// Reloads the import's page until its state starts with `wanted` (the page refreshes
    /// itself the same way); returns that state.
    async fn import_state_until(&self, id: i64, wanted: &str) -> String {
        let started = Instant::now();
        loop {
            let (_, state) = self.import_state(id).await;
            if state.starts_with(wanted) {
                return state;
            }
            assert!(started.elapsed() < Duration::from_secs(120), "the page never said {wanted:?}; it says {state:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// (status, processed rows, instance holding it) of an import, read from the database.
fn import_row(url: &str, id: i64) -> (String, i32, Option<String>) {
    use nextgig::db::schema::imports;
    imports::table
        .find(id)
        .select((imports::status, imports::processed_rows, imports::claimed_by))
        .first(&mut connect(url))
        .unwrap()
}

/// (contractor records, distinct emails among them, search index entries).
fn imported(url: &str) -> (usize, usize, i64) {
    use nextgig::db::schema::agency_contractors;
    let mut conn = connect(url);
    let emails: Vec<Option<String>> =
        agency_contractors::table.select(agency_contractors::email).load(&mut conn).unwrap();
    let distinct: std::collections::HashSet<&Option<String>> = emails.iter().collect();
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let indexed: Vec<Count> = diesel::sql_query("SELECT COUNT(*) AS n FROM contractor_search").load(&mut conn).unwrap();
    (emails.len(), distinct.len(), indexed[0].n)
}

/// Queues a large import on an instance without background jobs, runs it on another, stops
/// that one with SIGTERM, resumes on a third, kills that one with SIGKILL, and finishes on a
/// fourth; checks the page at every step and every row once at the end. Returns what it saw.
async fn interrupted_import(binary: &Path, url: &str, dir: &Path) -> String {
    let quick = [("LEASE_SECONDS", "3"), ("SWEEP_INTERVAL_SECONDS", "1"), ("BACKGROUND_JOBS", "false")];
    let mut server = Server::start_with(binary, url, dir, &quick).await;
    let user = User::sign_in(&server.address).await;
    let mut csv = String::from("Name,Email,Skills\n");
    for n in 0..IMPORT_ROWS {
        csv.push_str(&format!("Person {n:05},person{n}@example.com,\"Rust, SQL\"\n"));
    }
    let id = user.queue_import(&csv).await;

    // 1. Queued: this instance runs no background jobs, so it stays queued.
    let (status, state) = user.import_state(id).await;
    assert!(status.starts_with("Queued"), "{status}");
    assert_eq!(state, "Queued: it starts as soon as a NextGig server takes it up.");

    // 2. An instance with background jobs takes it up.
    server.terminate();
    assert!(server.exit_status(Duration::from_secs(40)).await.is_some_and(|s| s.success()));
    server.set("BACKGROUND_JOBS", "true");
    server.restart().await;
    let running = user.import_state_until(id, "Running on instance").await;

    // 3. SIGTERM mid-import: the chunk in hand is finished, the import given back, a clean exit.
    while import_row(url, id).1 == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.terminate();
    let exit = server.exit_status(Duration::from_secs(40)).await.expect("the server exits after SIGTERM");
    assert!(exit.success(), "a clean exit: {exit}\n{}", server.log_text());
    let (status, after_term, holder) = import_row(url, id);
    assert_eq!(
        (status.as_str(), &holder),
        ("running", &None),
        "given back, not finished ({after_term} rows):\n{}",
        server.log_text()
    );
    assert!(after_term > 0 && (after_term as usize) < IMPORT_ROWS, "stopped midway: {after_term}");
    let (records, emails, _) = imported(url);
    assert_eq!((records, emails), (after_term as usize, after_term as usize), "exactly the rows written so far");

    // 4. Seen from an instance without background jobs: interrupted, and where.
    server.set("BACKGROUND_JOBS", "false");
    server.restart().await;
    let (status, state) = user.import_state(id).await;
    assert!(status.starts_with("Interrupted, resumes by itself"), "{status}");
    let interrupted = format!("Interrupted after {after_term} of {IMPORT_ROWS} rows: the server running it stopped.");
    assert!(state.starts_with(&interrupted), "{state}");

    // 5. Resumed by an instance with background jobs, which is then killed (SIGKILL).
    server.terminate();
    assert!(server.exit_status(Duration::from_secs(40)).await.is_some_and(|s| s.success()));
    server.set("BACKGROUND_JOBS", "true");
    server.restart().await;
    let resumed = user.import_state_until(id, "Resumed after an interruption, running on instance").await;
    while import_row(url, id).1 == after_term {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill();
    let (status, after_kill, holder) = import_row(url, id);
    assert_eq!(status, "running");
    assert!(holder.is_some(), "a killed instance keeps its claim until it lapses");
    assert!(after_kill > after_term && (after_kill as usize) < IMPORT_ROWS, "killed midway: {after_kill}");
    assert_eq!(imported(url).0, after_kill as usize, "exactly the rows written so far");

    // 6. Once the dead instance's claim lapses, the page says the import was interrupted.
    server.set("BACKGROUND_JOBS", "false");
    server.restart().await;
    let interrupted = format!("Interrupted after {after_kill} of {IMPORT_ROWS} rows");
    let lapsed = user.import_state_until(id, &interrupted).await;

    // 7. An instance with background jobs finishes it.
    server.terminate();
    assert!(server.exit_status(Duration::from_secs(40)).await.is_some_and(|s| s.success()));
    server.set("BACKGROUND_JOBS", "true");
    server.restart().await;
    let started = Instant::now();
    while import_row(url, id).0 == "running" {
        assert!(started.elapsed() < Duration::from_secs(300), "the import never finished:\n{}", server.log_text());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, done) = user.import_state(id).await;
    assert!(status.starts_with("Imported"), "{status}");
    assert_eq!(
        done,
        "The import was interrupted 2 times and each time resumed where it stopped: every row was imported once."
    );
    let page = user.get(&format!("/imports/{id}")).await.unwrap();
    assert!(
        page.text.contains(&format!("<strong class=\"count-created\">{IMPORT_ROWS}</strong>")),
        "every row created"
    );
    assert!(page.text.contains("<strong class=\"count-skipped\">0</strong>"));
    assert!(page.text.contains("<strong class=\"count-unchanged\">0</strong>"), "none imported twice");
    assert_eq!(imported(url), (IMPORT_ROWS, IMPORT_ROWS, IMPORT_ROWS as i64), "each row once, indexed once");
    server.terminate();
    assert!(server.exit_status(Duration::from_secs(40)).await.is_some_and(|s| s.success()));
    format!(
        "{IMPORT_ROWS} rows; queued; {running:?}; SIGTERM after {after_term} rows (clean exit, claim given back); \
         {resumed:?}; SIGKILL after {after_kill} rows; {lapsed:?}; done: {IMPORT_ROWS} created, 0 skipped, 0 \
         unchanged, {IMPORT_ROWS} records with {IMPORT_ROWS} distinct emails"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_interrupted_by_sigterm_then_sigkill_resumes_where_it_stopped_each_row_once_on_sqlite() {
    let test = "an_import_interrupted_by_sigterm_then_sigkill_resumes_where_it_stopped_each_row_once_on_sqlite";
    let Some(binary) = binary(test) else { return };
    let _serial = SERIAL.lock().await;
    let (dir, file, url) = prepared_sqlite();
    let seen = interrupted_import(&binary, &url, dir.path()).await;
    assert_eq!(sqlite_integrity(&file), "ok");
    println!("interrupted import on SQLite: {seen}; integrity_check ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_interrupted_by_sigterm_then_sigkill_resumes_where_it_stopped_each_row_once_on_postgres() {
    let test = "an_import_interrupted_by_sigterm_then_sigkill_resumes_where_it_stopped_each_row_once_on_postgres";
    let Some(binary) = binary(test) else { return };
    let _serial = SERIAL.lock().await;
    let Some(cluster) = Cluster::create(test) else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = cluster.database("nextgig_import");
    prepare(&url);
    let seen = interrupted_import(&binary, &url, dir.path()).await;
    println!("interrupted import on PostgreSQL: {seen}");
}
