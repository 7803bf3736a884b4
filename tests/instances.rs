//! Two NextGig instances (the real binary, on two loopback ports) on one PostgreSQL database, as
//! behind a load balancer: what one instance does, the other sees at once, and background work
//! happens once however many instances run it.
//!
//! Runs only when `TEST_DATABASE_URL` is a `postgres://` URL (it creates and drops its own
//! database there); otherwise each test says so and passes. The binary is `NEXTGIG_BIN` when set
//! (CI points it at the release build), else the one cargo built for this test.
//!
//! `TEST_DATABASE_URL=postgres://postgres@127.0.0.1/test cargo test --test instances`

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime, TimeDelta, Timelike, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use nextgig::auth::password::hash_now;
use nextgig::db::schema::{digests_sent, leases, login_attempts, outbox, sessions, tasks};
use nextgig::db::{DatabaseTarget, DbConnection};
use nextgig::mail::Email;
use nextgig::models::user::{NewStaff, Role, User};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

const PASSWORD: &str = "marble-otter-violin-42";
/// The lease length the instances run with (LEASE_SECONDS): short, so a takeover is quick.
const LEASE_SECONDS: i64 = 3;
/// How long any awaited outcome may take before the test fails (far more than it needs).
const PATIENCE: Duration = Duration::from_secs(90);

/// A fresh PostgreSQL database, dropped with the test; `None` (and a message) without one.
struct Database {
    url: String,
    admin_url: String,
    name: String,
}

impl Database {
    fn create(test: &str) -> Option<Self> {
        let db = Self::named(test)?;
        let mut admin = diesel::pg::PgConnection::establish(&db.admin_url).expect("TEST_DATABASE_URL is reachable");
        admin.batch_execute(&format!("CREATE DATABASE {}", db.name)).expect("create the test database");
        nextgig::db::run_migrations(&mut db.connect()).expect("migrations");
        Some(db)
    }

    /// A name for a database not created yet (dropped with the test if something creates it).
    fn named(test: &str) -> Option<Self> {
        let admin_url = match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if url.starts_with("postgres") => url,
            _ => {
                eprintln!("SKIPPED {test}: two instances need PostgreSQL; set TEST_DATABASE_URL=postgres://…");
                return None;
            }
        };
        let name = format!("nextgig_instances_{}", nextgig::models::token::random_hex(8));
        let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        Some(Self { url: url.to_string(), admin_url, name })
    }

    fn connect(&self) -> DbConnection {
        DatabaseTarget::parse(&self.url).and_then(|t| t.connect()).expect("a connection")
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut admin) = diesel::pg::PgConnection::establish(&self.admin_url) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// One running `nextgig serve`, killed when dropped (also when the test fails).
struct Instance {
    child: Child,
    address: String,
    mail_dir: PathBuf,
    log: PathBuf,
}

impl Instance {
    /// Starts the binary on a free loopback port and waits until it answers.
    async fn start(db: &Database, dir: &Path, name: &str) -> Self {
        let mut instance = Self::spawn(db, dir, name);
        instance.ready(name).await;
        instance
    }

    /// Starts the binary on a free loopback port.
    fn spawn(db: &Database, dir: &Path, name: &str) -> Self {
        let binary =
            std::env::var_os("NEXTGIG_BIN").map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_nextgig")), PathBuf::from);
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let address = format!("http://127.0.0.1:{port}");
        let (mail_dir, log) = (dir.join(format!("mail-{name}")), dir.join(format!("{name}.log")));
        let out = fs::File::create(&log).unwrap();
        let child = Command::new(&binary)
            .arg("serve")
            .env_clear()
            .envs([
                ("DATABASE_URL", db.url.as_str()),
                ("BIND", &format!("127.0.0.1:{port}")),
                ("BASE_URL", &address),
                ("MAIL_DIR", mail_dir.to_str().unwrap()),
                ("WORKERS", "1"),
                ("DB_POOL_SIZE", "4"),
                ("OUTBOX_INTERVAL_SECONDS", "1"),
                ("SWEEP_INTERVAL_SECONDS", "1"),
                ("LEASE_SECONDS", &LEASE_SECONDS.to_string()),
                ("RUST_LOG", "info"),
            ])
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        Self { child, address, mail_dir, log }
    }

    /// Waits until the instance answers `/readyz` (its database works); fails if it exits.
    async fn ready(&mut self, name: &str) {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("instance {name} exited ({status}):\n{}", self.log_text());
            }
            if let Ok(r) = reqwest::get(format!("{}/readyz", self.address)).await
                && r.status().is_success()
            {
                return;
            }
            assert!(started.elapsed() < PATIENCE, "instance {name} never answered:\n{}", self.log_text());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The process id, which is part of the instance's name in lease rows.
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no shutdown, no lease given back.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!("--- log of {} ---\n{}", self.address, self.log_text());
        }
    }
}

/// A response, read whole.
struct Page {
    status: StatusCode,
    location: String,
    session: Option<String>,
    text: String,
}

impl Page {
    fn csrf_token(&self) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.text.find(marker).unwrap_or_else(|| panic!("no CSRF token on:\n{}", self.text)) + marker.len();
        self.text[start..].split('"').next().unwrap().to_string()
    }
}

/// A browser without a cookie jar: each request names the instance and the session cookie, so
/// the test says exactly which instance sees which session.
struct Browser(reqwest::Client);

impl Browser {
    fn new() -> Self {
        Self(reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap())
    }

    async fn send(&self, request: reqwest::RequestBuilder, cookie: Option<&str>) -> Page {
        let request = match cookie {
            Some(c) => request.header(COOKIE, format!("{}={c}", nextgig::auth::session::COOKIE)),
            None => request,
        };
        let response = request.send().await.expect("the instance answers");
        let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let location = header(LOCATION);
        let prefix = format!("{}=", nextgig::auth::session::COOKIE);
        let session = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix(&prefix).map(|rest| rest.split(';').next().unwrap_or("").to_string()));
        Page { status: response.status(), location, session, text: response.text().await.unwrap_or_default() }
    }

    async fn get(&self, on: &Instance, path: &str, cookie: Option<&str>) -> Page {
        self.send(self.0.get(format!("{}{path}", on.address)), cookie).await
    }

    /// Opens `page` on `on` for its CSRF token, then posts `fields` to `action` there.
    async fn submit(
        &self,
        on: &Instance,
        cookie: Option<&str>,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Page {
        let form = self.get(on, page, cookie).await;
        let cookie = form.session.clone().or(cookie.map(str::to_string));
        let token = form.csrf_token();
        let mut all = fields.to_vec();
        all.push(("csrf_token", &token));
        self.send(self.0.post(format!("{}{action}", on.address)).form(&all), cookie.as_deref()).await
    }

    async fn sign_in(&self, on: &Instance, email: &str, password: &str) -> Page {
        self.submit(on, None, "/login", "/login", &[("email", email), ("password", password)]).await
    }

    /// Signs in on `on`; returns the session cookie.
    async fn signed_in(&self, on: &Instance, email: &str) -> String {
        let page = self.sign_in(on, email, PASSWORD).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "sign-in of {email} failed: {}", page.text);
        page.session.expect("a session cookie after sign-in")
    }
}

fn agency_with_staff(conn: &mut DbConnection, recruiters: &[&str], time_zone: &str) -> (i64, Vec<i64>) {
    let now = Utc::now().naive_utc();
    let hash = hash_now(PASSWORD).unwrap();
    let (agency, _) =
        nextgig::models::setup::create_agency(conn, "Acme Staffing", "Ada Admin", "ada@acme.test", &hash, now).unwrap();
    let ids = recruiters
        .iter()
        .map(|email| {
            let staff = NewStaff {
                agency_id: agency.id,
                email,
                name: "Rita Recruiter",
                password_hash: &hash,
                role: Role::Recruiter,
                time_zone,
            };
            User::create_staff(conn, &staff, now).unwrap().id
        })
        .collect();
    (agency.id, ids)
}

/// Waits until `done` holds, for at most [`PATIENCE`].
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < PATIENCE, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_sign_out_disabling_and_the_sign_in_throttle_hold_across_instances() {
    let Some(db) = Database::create("a_session_sign_out_disabling_and_the_sign_in_throttle_hold_across_instances")
    else {
        return;
    };
    let emails = ["rita@acme.test", "sam@acme.test"];
    let (_, ids) = agency_with_staff(&mut db.connect(), &emails, "UTC");
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (Instance::start(&db, dir.path(), "a").await, Instance::start(&db, dir.path(), "b").await);
    let browser = Browser::new();

    // Signed in through A, the session works on B; signed out on B, it is gone on A.
    let rita = browser.signed_in(&a, "rita@acme.test").await;
    let home = browser.get(&b, "/", Some(&rita)).await;
    assert_eq!(home.status, StatusCode::OK, "B does not know A's session: {}", home.location);
    assert!(home.text.contains("/logout"), "B shows Rita signed in");
    assert_eq!(browser.get(&b, "/", None).await.location, "/login", "B asks a stranger to sign in");
    let out = browser.submit(&b, Some(&rita), "/", "/logout", &[]).await;
    assert_eq!(out.location, "/login?signed_out=1");
    let after = browser.get(&a, "/", Some(&rita)).await;
    assert_eq!((after.status, after.location.as_str()), (StatusCode::SEE_OTHER, "/login"), "A still honours it");

    // The admin disables Rita through A while she is signed in on B: B shuts her out at once.
    let rita = browser.signed_in(&b, "rita@acme.test").await;
    assert_eq!(browser.get(&b, "/", Some(&rita)).await.status, StatusCode::OK);
    let ada = browser.signed_in(&a, "ada@acme.test").await;
    let disabled = browser.submit(&a, Some(&ada), "/admin/team", &format!("/admin/team/{}/disable", ids[0]), &[]).await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER, "{}", disabled.text);
    let shut_out = browser.get(&b, "/", Some(&rita)).await;
    assert_eq!((shut_out.status, shut_out.location.as_str()), (StatusCode::SEE_OTHER, "/login"), "B still serves her");
    assert_eq!(browser.sign_in(&b, "rita@acme.test", PASSWORD).await.status, StatusCode::FORBIDDEN);

    // Failed sign-ins for Sam, alternately on A and B, add up: after the limit both refuse,
    // even the right password.
    let limit = nextgig::models::login_attempt::PER_ACCOUNT_AND_ADDRESS;
    for attempt in 0..limit {
        let on = if attempt % 2 == 0 { &a } else { &b };
        let page = browser.sign_in(on, "sam@acme.test", "not-the-password").await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {attempt}: {}", page.text);
    }
    for on in [&a, &b] {
        let page = browser.sign_in(on, "sam@acme.test", PASSWORD).await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{} lets Sam in after {limit} failures", on.address);
        assert!(page.text.contains("Too many failed sign-ins"));
    }
    let failures: i64 = login_attempts::table
        .filter(login_attempts::email.eq("sam@acme.test"))
        .filter(login_attempts::succeeded.eq(false))
        .count()
        .get_result(&mut db.connect())
        .unwrap();
    assert_eq!(failures, limit, "each failure is recorded once, whichever instance saw it");
}

/// Every .eml file of the instances' mail folders: (file, recipient).
fn emails(instances: &[&Instance]) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    for instance in instances {
        for entry in fs::read_dir(&instance.mail_dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|x| x == "eml") {
                let raw = fs::read(&path).unwrap();
                let message = mail_parser::MessageParser::default().parse(&raw).expect("a parseable email");
                let to = message.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or("").to_string();
                found.push((path, to));
            }
        }
    }
    found
}

fn queue_emails(conn: &mut DbConnection, agency: i64, range: std::ops::Range<usize>) {
    let now = Utc::now().naive_utc();
    for n in range {
        let email =
            Email { to: format!("candidate{n}@example.test"), subject: format!("Message {n}"), text: "Hello.".into() };
        nextgig::models::outbox::enqueue(conn, Some(agency), &email, now).unwrap();
    }
}

/// A zone where it is now about noon, so today's 7:00 digest is due.
fn zone_at_noon() -> String {
    let offset = 12 - i64::from(Utc::now().hour());
    match offset {
        0 => "Etc/UTC".into(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    }
}

/// (holder, expires_at) of every lease.
fn lease_rows(conn: &mut DbConnection) -> Vec<(String, String, NaiveDateTime)> {
    leases::table.select((leases::name, leases::holder, leases::expires_at)).load(conn).unwrap()
}

/// True when the lease row's holder is the process `pid` (holders are `host-pid-random`).
fn held_by(holder: &str, pid: u32) -> bool {
    holder.split('-').rev().nth(1) == Some(pid.to_string().as_str())
}

#[tokio::test(flavor = "multi_thread")]
async fn background_work_happens_once_across_instances_and_moves_on_when_one_is_killed() {
    let Some(db) = Database::create("background_work_happens_once_across_instances_and_moves_on_when_one_is_killed")
    else {
        return;
    };
    let mut conn = db.connect();
    let recruiters = ["rita@acme.test", "sam@acme.test", "tia@acme.test"];
    let (agency, ids) = agency_with_staff(&mut conn, &recruiters, &zone_at_noon());
    let now = Utc::now().naive_utc();
    // Each recruiter has a task overdue since 2020: today's digest is due for each.
    for (n, id) in ids.iter().enumerate() {
        diesel::insert_into(tasks::table)
            .values((
                tasks::agency_id.eq(agency),
                tasks::title.eq(format!("Call back {n}")),
                tasks::due_on.eq(NaiveDate::from_ymd_opt(2020, 1, 6).unwrap()),
                tasks::assignee_id.eq(id),
                tasks::created_at.eq(now),
                tasks::updated_at.eq(now),
            ))
            .execute(&mut conn)
            .unwrap();
    }
    // Expired sessions, for the sweeper.
    for n in 0..5 {
        diesel::insert_into(sessions::table)
            .values((
                sessions::token_hash.eq(format!("expired-{n}")),
                sessions::user_id.eq(Some(ids[0])),
                sessions::csrf_token.eq("x"),
                sessions::ip.eq("127.0.0.1"),
                sessions::user_agent.eq("test"),
                sessions::created_at.eq(now - TimeDelta::days(2)),
                sessions::last_seen_at.eq(now - TimeDelta::days(2)),
                sessions::expires_at.eq(now - TimeDelta::days(1)),
            ))
            .execute(&mut conn)
            .unwrap();
    }
    const QUEUED: usize = 40;
    queue_emails(&mut conn, agency, 0..QUEUED / 2);

    let dir = tempfile::tempdir().unwrap();
    let mut a = Instance::start(&db, dir.path(), "a").await;
    let mut b = Instance::start(&db, dir.path(), "b").await;
    // More mail arrives while both run.
    queue_emails(&mut conn, agency, QUEUED / 2..QUEUED);
    let expected = QUEUED + recruiters.len();
    eventually("every email and digest is delivered", || emails(&[&a, &b]).len() >= expected).await;
    eventually("the expired sessions are swept", || {
        sessions::table.filter(sessions::token_hash.like("expired-%")).count().get_result::<i64>(&mut conn).unwrap()
            == 0
    })
    .await;
    // Both go on running every loop each second for a while (several lease lengths).
    tokio::time::sleep(Duration::from_secs(3 * LEASE_SECONDS as u64)).await;

    // Each message went out once: one file each, one attempt each, whichever instance sent it.
    let sent = emails(&[&a, &b]);
    assert_eq!(sent.len(), expected, "{:?}", sent.iter().map(|(_, to)| to).collect::<Vec<_>>());
    for n in 0..QUEUED {
        let to = format!("candidate{n}@example.test");
        assert_eq!(sent.iter().filter(|(_, t)| *t == to).count(), 1, "{to}");
    }
    let rows: Vec<(i32, Option<NaiveDateTime>)> =
        outbox::table.select((outbox::attempts, outbox::sent_at)).load(&mut conn).unwrap();
    assert_eq!(rows.len(), expected);
    assert!(rows.iter().all(|(attempts, at)| *attempts == 1 && at.is_some()), "{rows:?}");
    // One digest per recruiter today, though both instances ran the digest sweep every second.
    for (email, id) in recruiters.iter().zip(&ids) {
        assert_eq!(sent.iter().filter(|(_, to)| to == email).count(), 1, "digests to {email}");
        let recorded: i64 =
            digests_sent::table.filter(digests_sent::user_id.eq(id)).count().get_result(&mut conn).unwrap();
        assert_eq!(recorded, 1);
    }

    // Kill (SIGKILL) the instance that sends mail, holding its leases: the other takes each over
    // once it has expired, and sends what arrives next.
    let outbox_holder =
        lease_rows(&mut conn).into_iter().find(|(name, ..)| name == "outbox").expect("an outbox lease").1;
    let (victim, survivor) = if held_by(&outbox_holder, a.pid()) { (&mut a, &b) } else { (&mut b, &a) };
    assert!(held_by(&outbox_holder, victim.pid()), "{outbox_holder} is one of the instances");
    let victim_pid = victim.pid();
    victim.kill();
    // (A statement it sent just before dying may still be finishing on the server.)
    tokio::time::sleep(Duration::from_millis(300)).await;
    let held: Vec<(String, NaiveDateTime)> = lease_rows(&mut conn)
        .into_iter()
        .filter(|(_, holder, _)| held_by(holder, victim_pid))
        .map(|(name, _, until)| (name, until))
        .collect();
    assert!(held.iter().any(|(name, _)| name == "outbox"), "{held:?}");
    queue_emails(&mut conn, agency, QUEUED..QUEUED + 5);
    eventually("the survivor holds every lease the killed instance held", || {
        let rows = lease_rows(&mut conn);
        held.iter().all(|(name, _)| rows.iter().any(|(n, holder, _)| n == name && held_by(holder, survivor.pid())))
    })
    .await;
    for (name, until) in &held {
        let taken: NaiveDateTime = leases::table.find(name).select(leases::expires_at).first(&mut conn).unwrap();
        // Taken at or after the old lease ran out, so it now runs at least a lease past that.
        assert!(*until + TimeDelta::seconds(LEASE_SECONDS) <= taken, "{name} taken over before it expired");
    }
    let late: Vec<String> = (QUEUED..QUEUED + 5).map(|n| format!("candidate{n}@example.test")).collect();
    eventually("the survivor sends the new mail", || {
        let sent = emails(&[survivor]);
        late.iter().all(|email| sent.iter().any(|(_, to)| to == email))
    })
    .await;
    let sent = emails(&[&a, &b]);
    assert_eq!(sent.len(), expected + late.len(), "nothing was sent twice");
    let unsent: i64 = outbox::table.filter(outbox::sent_at.is_null()).count().get_result(&mut conn).unwrap();
    assert_eq!(unsent, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn instances_started_together_on_a_new_database_both_come_up() {
    let Some(db) = Database::named("instances_started_together_on_a_new_database_both_come_up") else {
        return;
    };
    // Both create the database and migrate it at the same moment (a first deployment, or all
    // units starting at boot): neither may fail.
    let dir = tempfile::tempdir().unwrap();
    let mut instances = [Instance::spawn(&db, dir.path(), "a"), Instance::spawn(&db, dir.path(), "b")];
    for (instance, name) in instances.iter_mut().zip(["a", "b"]) {
        instance.ready(name).await;
    }
    let page = Browser::new().get(&instances[1], "/login", None).await;
    assert_eq!(page.status, StatusCode::OK);
}
