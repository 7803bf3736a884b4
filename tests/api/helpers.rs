//! The test harness: `spawn_app` starts NextGig on a free port with its own database, a manual
//! clock and a mail folder; `TestClient` is a browser-like client with cookies.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{NaiveDate, TimeDelta};
use diesel::Connection;
use diesel::connection::SimpleConnection;
use nextgig::auth::password::hash_now;
use nextgig::clock::Clock;
use nextgig::config::Config;
use nextgig::db::DbConnection;
use nextgig::jobs::outbox::{self as outbox_job, Mailer};
use nextgig::startup::{Application, build_state};
use nextgig::state::AppState;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use reqwest::redirect::Policy;
use scraper::{Html, Selector};
use tempfile::TempDir;

/// A password every test account uses (long enough, not common).
pub const PASSWORD: &str = "marble-otter-violin-42";

/// A database for one test, removed when dropped.
pub enum TestDatabase {
    /// A file in a temporary folder.
    Sqlite { url: String, _dir: TempDir },
    /// A database created on the server named by TEST_DATABASE_URL.
    Postgres { url: String, admin_url: String, name: String },
}

impl TestDatabase {
    /// A fresh, empty database of the configured kind.
    pub fn create() -> Self {
        match postgres_admin_url() {
            Some(admin_url) => {
                let name = format!("nextgig_test_{}", nextgig::models::token::random_hex(8));
                let mut conn = diesel::pg::PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is not reachable: {e}"));
                conn.batch_execute(&format!("CREATE DATABASE {name}")).expect("create test database");
                let url = with_database(&admin_url, &name);
                Self::Postgres { url, admin_url, name }
            }
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("nextgig.db").display());
                Self::Sqlite { url, _dir: dir }
            }
        }
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        match self {
            Self::Sqlite { url, .. } | Self::Postgres { url, .. } => url,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, name, .. } = self
            && let Ok(mut conn) = diesel::pg::PgConnection::establish(admin_url)
        {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// TEST_DATABASE_URL when it names PostgreSQL, with `sslmode=disable` unless it sets a mode. The
/// test server is on loopback, where TLS protects nothing; and libpq's OpenSSL cleans itself up
/// when the process exits, which crashed the test binary now and then (SIGSEGV after every test
/// had passed) while a connection pool's thread was still closing a TLS connection (the known
/// libpq/OpenSSL exit race: diesel-rs/diesel#3441, sfackler/r2d2#137).
pub fn postgres_admin_url() -> Option<String> {
    let raw = std::env::var("TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres"))?;
    let mut url = url::Url::parse(&raw).expect("TEST_DATABASE_URL is a URL");
    if !url.query_pairs().any(|(key, _)| key == "sslmode") {
        url.query_pairs_mut().append_pair("sslmode", "disable");
    }
    Some(url.to_string())
}

/// `admin_url` pointing at database `name`.
pub fn with_database(admin_url: &str, name: &str) -> String {
    let mut url = url::Url::parse(admin_url).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// When every test's clock starts: a Wednesday morning.
pub fn start_time() -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap().and_hms_opt(9, 0, 0).unwrap()
}

/// A running NextGig.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    /// The app's shared state (pool, clock, config).
    pub state: AppState,
    /// The manual clock the app reads.
    pub clock: Clock,
    /// Where emails are written.
    pub mail_dir: PathBuf,
    server: tokio::task::JoinHandle<()>,
    _mail: TempDir,
    /// The database (dropped last).
    _db: TestDatabase,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Every log line the test servers wrote (all tests share one process, and one log). The
/// secrets tests read it to prove that no token reaches the log.
static LOG: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

/// The log so far, as text.
pub fn captured_log() -> String {
    String::from_utf8_lossy(&LOG.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

/// Writes log lines into [`LOG`], and to standard error as well when `TEST_LOG` is set.
struct LogCapture {
    echo: bool,
}

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        if self.echo {
            std::io::stderr().write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn init_logging() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let mut config = Config::with_database("sqlite://unused");
        // Captured at the app's most talkative level (debug), and shown when TEST_LOG asks.
        let echo = std::env::var("TEST_LOG").ok();
        config.log_filter = echo.clone().unwrap_or_else(|| "nextgig=debug,info".into());
        let echo = echo.is_some();
        nextgig::telemetry::init_with_writer(&config, move || LogCapture { echo });
    });
}

/// Starts NextGig with a fresh database; `adjust` may change settings first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    init_logging();
    let db = TestDatabase::create();
    let mail = tempfile::tempdir().expect("mail dir");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    let address = format!("http://127.0.0.1:{port}");
    let mut config = Config::with_database(db.url());
    config.bind = format!("127.0.0.1:{port}");
    config.base_url = Some(address.clone());
    config.mail_dir = mail.path().to_path_buf();
    config.background_jobs = false;
    config.workers = Some(2);
    // The tests run inside the test harness, which has no `extract-text` command: documents are
    // read by the nextgig binary cargo built for these tests.
    config.text_reader_bin = Some(PathBuf::from(env!("CARGO_BIN_EXE_nextgig")));
    adjust(&mut config);
    let clock = Clock::manual(start_time());
    let state = tokio::task::spawn_blocking({
        let clock = clock.clone();
        move || build_state(config, clock)
    })
    .await
    .unwrap()
    .expect("the app starts");
    let app = Application::build_with_listener(state.clone(), listener).expect("server builds");
    let server = tokio::spawn(async move {
        let _ = app.run().await;
    });
    TestApp { address, state, clock, mail_dir: mail.path().to_path_buf(), server, _mail: mail, _db: db }
}

/// Starts NextGig with a fresh database and default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// An email as the recipient would read it.
#[derive(Clone, Debug)]
pub struct ReceivedEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

impl ReceivedEmail {
    /// The first link in the body that starts with `prefix` (an absolute URL).
    pub fn link(&self, prefix: &str) -> String {
        self.text
            .split_whitespace()
            .find(|word| word.starts_with(prefix))
            .unwrap_or_else(|| panic!("no link starting with {prefix} in:\n{}", self.text))
            .to_string()
    }
}

impl TestApp {
    /// A new browser-like client with its own cookie jar.
    pub fn client(&self) -> TestClient {
        TestClient::new(&self.address)
    }

    /// Runs `work` on a pooled connection.
    pub async fn with_db<T: Send + 'static>(&self, work: impl FnOnce(&mut DbConnection) -> T + Send + 'static) -> T {
        let pool = self.state.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().expect("a connection");
            work(&mut conn)
        })
        .await
        .unwrap()
    }

    /// Counts the rows of `table`.
    pub async fn count(&self, table: &'static str) -> i64 {
        self.with_db(move |conn| {
            #[derive(diesel::QueryableByName)]
            struct Count {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            diesel::RunQueryDsl::get_result::<Count>(
                diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")),
                conn,
            )
            .expect("count")
            .n
        })
        .await
    }

    /// Creates an agency with an admin directly (as `nextgig create-agency` does).
    pub async fn create_agency(&self, name: &str, admin_email: &str) -> (i64, i64) {
        let (name, email) = (name.to_string(), admin_email.to_string());
        let now = self.clock.now();
        self.with_db(move |conn| {
            let hash = hash_now(PASSWORD).unwrap();
            let (agency, admin) = nextgig::models::setup::create_agency(conn, &name, "Ada Admin", &email, &hash, now)
                .expect("agency created");
            (agency.id, admin.id)
        })
        .await
    }

    /// Adds a recruiter to an agency directly. Returns the user id.
    pub async fn create_recruiter(&self, agency_id: i64, name: &str, email: &str) -> i64 {
        let (name, email) = (name.to_string(), email.to_string());
        let now = self.clock.now();
        self.with_db(move |conn| {
            let hash = hash_now(PASSWORD).unwrap();
            nextgig::models::user::User::create_staff(
                conn,
                &nextgig::models::user::NewStaff {
                    agency_id,
                    email: &email,
                    name: &name,
                    password_hash: &hash,
                    role: nextgig::models::user::Role::Recruiter,
                    time_zone: "UTC",
                },
                now,
            )
            .expect("recruiter created")
            .id
        })
        .await
    }

    /// A client signed in as `email` (password [`PASSWORD`]).
    pub async fn signed_in(&self, email: &str) -> TestClient {
        let client = self.client();
        let response = client.sign_in(email, PASSWORD).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "sign-in failed for {email}: {}", response.text);
        client
    }

    /// Statements the app's database pool has run so far.
    pub fn statements(&self) -> u64 {
        self.state.statements.get()
    }

    /// How many statements one GET of `path` by `client` runs.
    pub async fn statements_for(&self, client: &TestClient, path: &str) -> u64 {
        let before = self.statements();
        let page = client.get(path).await;
        assert!(page.status.is_success(), "GET {path}: {}", page.status);
        self.statements() - before
    }

    /// Delivers everything due in the outbox (as the background worker would).
    pub async fn deliver_mail(&self) -> usize {
        let mailer = Mailer::from_config(&self.state.config).expect("mailer");
        outbox_job::run_once(&self.state, &mailer, "test-worker").await.expect("outbox round")
    }

    /// Runs the import runner until no import is left to take up (as an instance's background
    /// job would); returns how many finished.
    pub async fn run_imports(&self) -> usize {
        let (_keep, running) = tokio::sync::watch::channel(false);
        nextgig::jobs::imports::run_once(&self.state, &running).await.expect("import runner round")
    }

    /// Runs one round of the document text sweep (as an instance's background job would);
    /// returns how many documents it read.
    pub async fn read_pending_documents(&self) -> usize {
        let (_keep, running) = tokio::sync::watch::channel(false);
        nextgig::jobs::documents::run_once(&self.state, &running).await.expect("document sweep round")
    }

    /// Every email written to the mail folder so far.
    pub fn emails(&self) -> Vec<ReceivedEmail> {
        read_emails(&self.mail_dir)
    }

    /// Delivers the outbox, then returns the newest email to `to`.
    pub async fn last_email_to(&self, to: &str) -> ReceivedEmail {
        self.deliver_mail().await;
        self.emails().into_iter().rev().find(|e| e.to == to).unwrap_or_else(|| panic!("no email to {to}"))
    }
}

/// Parses every .eml file in `dir`, oldest first.
pub fn read_emails(dir: &Path) -> Vec<ReceivedEmail> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    files
        .into_iter()
        .map(|path| {
            let raw = std::fs::read(&path).unwrap();
            let message = mail_parser::MessageParser::default().parse(&raw).expect("a parseable email");
            let to = message.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_string();
            ReceivedEmail {
                to,
                subject: message.subject().unwrap_or_default().to_string(),
                text: message.body_text(0).unwrap_or_default().to_string(),
            }
        })
        .collect()
}

/// A response, read whole.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Page {
    /// The `Location` header of a redirect.
    pub fn location(&self) -> &str {
        self.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The parsed HTML.
    pub fn html(&self) -> Html {
        Html::parse_document(&self.text)
    }

    /// The first CSRF token on the page.
    pub fn csrf_token(&self) -> String {
        let selector = Selector::parse(r#"input[name="csrf_token"]"#).unwrap();
        self.html()
            .select(&selector)
            .next()
            .and_then(|e| e.value().attr("value"))
            .unwrap_or_else(|| panic!("no csrf_token on the page:\n{}", self.text))
            .to_string()
    }

    /// The text of every element matching `css`.
    pub fn texts(&self, css: &str) -> Vec<String> {
        let selector = Selector::parse(css).unwrap();
        self.html()
            .select(&selector)
            .map(|e| e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    }

    /// The error shown beside form field `name`, if any.
    pub fn field_error(&self, name: &str) -> Option<String> {
        self.texts(&format!("#f-{name}-error")).into_iter().next()
    }

    /// The value an input was given back (input kept after an error).
    pub fn input_value(&self, name: &str) -> Option<String> {
        let selector = Selector::parse(&format!(r#"[name="{name}"]"#)).unwrap();
        self.html().select(&selector).next().and_then(|e| e.value().attr("value").map(str::to_string))
    }

    /// The body with every CSRF token and idempotency key blanked (to compare two pages, or to
    /// look for digits that must not be there).
    pub fn without_tokens(&self) -> String {
        let mut text = self.text.clone();
        // Both are random on every page: a create form's idempotency key could hold any digits.
        for marker in ["name=\"csrf_token\" value=\"", "name=\"idempotency_key\" value=\""] {
            let mut out = String::with_capacity(text.len());
            let mut rest = text.as_str();
            while let Some(at) = rest.find(marker) {
                let start = at + marker.len();
                out.push_str(&rest[..start]);
                let end = rest[start..].find('"').map_or(rest.len(), |e| start + e);
                rest = &rest[end..];
            }
            out.push_str(rest);
            text = out;
        }
        text
    }
}

/// A client that keeps cookies and does not follow redirects (tests check them).
pub struct TestClient {
    pub base: String,
    pub http: reqwest::Client,
    pub jar: std::sync::Arc<reqwest::cookie::Jar>,
}

impl TestClient {
    /// A new client with an empty cookie jar.
    pub fn new(base: &str) -> Self {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        // Idle connections are dropped well before the server's keep-alive (5 s) closes them:
        // reusing one the server is closing fails the request (seen on a loaded machine).
        let http = reqwest::Client::builder()
            .redirect(Policy::none())
            .cookie_provider(jar.clone())
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .unwrap();
        Self { base: base.to_string(), http, jar }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") { path.to_string() } else { format!("{}{path}", self.base) }
    }

    async fn read(response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        Page { status, headers, text }
    }

    /// GET a path.
    pub async fn get(&self, path: &str) -> Page {
        Self::read(self.http.get(self.url(path)).send().await.expect("request")).await
    }

    /// POST form fields exactly as given (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        Self::read(self.http.post(self.url(path)).form(fields).send().await.expect("request")).await
    }

    /// POST form fields with extra headers (no token added).
    pub async fn post_with_headers(&self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Page {
        let mut request = self.http.post(self.url(path)).form(fields);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Self::read(request.send().await.expect("request")).await
    }

    /// Opens `page`, takes its CSRF token, and POSTs `fields` to `action` with it.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.get(page).await.csrf_token();
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_raw(action, &all).await
    }

    /// Adds a contractor through the form; returns the new record's id.
    pub async fn add_contractor(&self, fields: &[(&str, &str)]) -> i64 {
        let page = self.submit("/contractors/new", "/contractors", fields).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "contractor not created: {}", page.text);
        page.location().trim_start_matches("/contractors/").parse().expect("an id in the redirect")
    }

    /// Signs in through the form.
    pub async fn sign_in(&self, email: &str, password: &str) -> Page {
        self.submit("/login", "/login", &[("email", email), ("password", password)]).await
    }

    /// The session cookie's value, if any.
    pub fn session_cookie(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = self.base.parse().unwrap();
        let cookies = self.jar.cookies(&url)?;
        cookies.to_str().ok()?.split("; ").find_map(|c| c.strip_prefix("nextgig_session=").map(str::to_string))
    }

    /// A new client carrying only the given session cookie (a stolen or kept cookie).
    pub fn with_cookie(base: &str, cookie: &str) -> Self {
        let client = Self::new(base);
        let url = base.parse().unwrap();
        client.jar.add_cookie_str(&format!("nextgig_session={cookie}; Path=/"), &url);
        client
    }
}

/// Moves the clock of `app` by `delta`.
pub fn advance(app: &TestApp, delta: TimeDelta) {
    app.clock.advance(delta);
}
