//! Browser tests: real Chromium driven over WebDriver (chromedriver). Without chromedriver they
//! say that they skipped; with `NEXTGIG_REQUIRE_BROWSER=1` (as in CI) its absence is a failure.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app};

/// How long to wait for the browser to start or a page to load. Generous: on a loaded two-core CI
/// machine Chromium competes with the rest of the test suite, and waiting ends as soon as it can.
const PATIENCE: Duration = Duration::from_secs(30);

/// A headless Chromium under chromedriver, killed (with its whole process group) when dropped.
pub struct Browser {
    pub client: Client,
    _driver: Driver,
}

/// The chromedriver process, with the Chromium it starts, and its temporary folder (profile,
/// `TMPDIR`, log). Dropping it kills the whole process group, so a test that panics leaves no
/// browser running.
struct Driver {
    child: Child,
    dir: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver runs in its own process group and Chromium inherits it: kill the group.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

impl Driver {
    /// The end of chromedriver's log, to explain a failure.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("chromedriver.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

fn find_chromedriver() -> Option<PathBuf> {
    let candidates = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"];
    candidates.iter().map(PathBuf::from).find(|p| p.exists()).or_else(|| {
        std::env::var_os("PATH")
            .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join("chromedriver")).find(|p| p.exists()))
    })
}

fn find_chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Starts a browser, or returns `None` (test skipped) when none is installed here.
pub async fn start_browser(phone: bool) -> Option<Browser> {
    let required = std::env::var("NEXTGIG_REQUIRE_BROWSER").is_ok_and(|v| v == "1" || v == "true");
    let (Some(driver), Some(chromium)) = (find_chromedriver(), find_chromium()) else {
        assert!(!required, "NEXTGIG_REQUIRE_BROWSER is set but chromium/chromedriver are not installed");
        eprintln!("skipped: chromium and chromedriver are not installed (apt-get install chromium chromium-driver)");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .arg(format!("--log-path={}", dir.path().join("chromedriver.log").display()))
        .env("TMPDIR", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("start chromedriver");
    // From here on the guard owns the process: every early exit below kills it.
    let driver = Driver { child, dir };
    let profile = driver.dir.path().join("profile");
    let mut options = json!({
        "binary": chromium,
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", format!("--user-data-dir={}", profile.display()),
        ],
    });
    if phone {
        options["mobileEmulation"] = json!({"deviceMetrics": {"width": 360, "height": 800, "pixelRatio": 1.0}});
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert("goog:chromeOptions".into(), options);
    // The console is kept, so a test can read what the page reported (CSP violations, errors).
    capabilities.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
    let url = format!("http://127.0.0.1:{port}");
    let mut last_error = String::new();
    // chromedriver needs a moment to listen; Chromium's first start takes a few seconds more.
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        match ClientBuilder::new(HttpConnector::new()).capabilities(capabilities.clone()).connect(&url).await {
            Ok(client) => return Some(Browser { client, _driver: driver }),
            Err(e) => {
                last_error = e.to_string();
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    panic!("chromedriver did not start a browser: {last_error}\n{}", driver.log_tail());
}

impl Browser {
    /// Opens a path of `base`.
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    /// Types into the input with this id.
    pub async fn fill(&self, id: &str, value: &str) {
        let field = self.find(&format!("#{id}")).await;
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    /// The first element matching `css`; a missing one fails the test with the page it was
    /// looked for on.
    pub async fn find(&self, css: &str) -> Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("no {css} ({e}) on {}:\n{}", self.path().await, self.text().await),
        }
    }

    /// Clicks the first element matching `css` (for clicks that stay on the page).
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Clicks the first element matching `css` (a submit button or a link) and waits until the
    /// next page has loaded, so that what follows reads the new page, not the old one.
    pub async fn submit(&self, css: &str) {
        let old_page = self.client.find(Locator::Css("html")).await.expect("a page is open");
        self.click(css).await;
        // The old page's root element stops answering once the next page has replaced it
        // (chromedriver says "stale element" or, mid-swap, "node does not belong to the document").
        let deadline = Instant::now() + PATIENCE;
        let mut replaced = false;
        while !replaced && Instant::now() < deadline {
            replaced = old_page.tag_name().await.is_err();
            if !replaced {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        assert!(replaced, "clicking {css} did not lead to a new page; still on {}", self.path().await);
        while Instant::now() < deadline {
            let state = self.client.execute("return document.readyState", vec![]).await;
            if state.is_ok_and(|s| s == "complete") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no new page loaded after clicking {css}");
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        self.client.find(Locator::Css("body")).await.unwrap().text().await.unwrap()
    }

    /// The current path and query.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// The browser console's messages since the last call (chromedriver's log endpoint).
    pub async fn console_messages(&self) -> Vec<String> {
        let entries = self.client.issue_cmd(ConsoleLog).await.expect("the browser console");
        entries
            .as_array()
            .map(|all| all.iter().filter_map(|e| e["message"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    /// Ends the WebDriver session, so Chromium exits cleanly; chromedriver is killed on drop.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// chromedriver's "get log" command for the browser console.
#[derive(Debug)]
struct ConsoleLog;

impl fantoccini::wd::WebDriverCompatibleCommand for ConsoleLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (reqwest::Method, Option<String>) {
        (reqwest::Method::POST, Some(json!({"type": "browser"}).to_string()))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agency_is_set_up_and_a_recruiter_joins_from_the_emailed_link() {
    let Some(browser) = start_browser(false).await else { return };
    let app = spawn_app().await;
    let now = app.clock.now();
    let token =
        app.with_db(move |conn| nextgig::models::setup::issue_token_if_empty(conn, now).unwrap().unwrap()).await;

    // The one-time setup link creates the agency and signs the admin in.
    browser.open(&format!("{}/setup?token={token}", app.address)).await;
    browser.fill("f-agency_name", "Acme Staffing").await;
    browser.fill("f-name", "Ada Admin").await;
    browser.fill("f-email", "ada@acme.test").await;
    browser.fill("f-password", PASSWORD).await;
    browser.submit("form[action='/setup'] button[type=submit]").await;
    assert_eq!(browser.path().await, "/admin/team");
    assert!(browser.text().await.contains("Welcome to NextGig, Ada Admin"));

    // Sign out and back in.
    browser.submit("form[action='/logout'] button").await;
    assert!(browser.text().await.contains("You have signed out."));
    browser.fill("f-email", "ada@acme.test").await;
    browser.fill("f-password", PASSWORD).await;
    browser.submit("form[action='/login'] button[type=submit]").await;
    assert!(browser.text().await.contains("Good to see you, Ada"));

    // Invite a recruiter.
    browser.open(&format!("{}/admin/team", app.address)).await;
    browser.fill("f-email", "rita@acme.test").await;
    browser.submit("form[action='/admin/invitations'] button[type=submit]").await;
    assert!(browser.text().await.contains("Invitation sent to rita@acme.test."));
    browser.submit("form[action='/logout'] button").await;

    // The recruiter follows the emailed link, chooses a password and is signed in.
    let link = app.last_email_to("rita@acme.test").await.link(&format!("{}/invitations/", app.address));
    browser.open(&link).await;
    assert!(browser.text().await.contains("Join Acme Staffing"));
    browser.fill("f-name", "Rita Recruiter").await;
    browser.fill("f-password", PASSWORD).await;
    browser.submit("main form button[type=submit]").await;
    assert_eq!(browser.path().await, "/");
    let home = browser.text().await;
    assert!(home.contains("Welcome to Acme Staffing. You are signed in."), "{home}");
    assert!(home.contains("Good to see you, Rita"));

    // And can sign in again later with that password.
    browser.submit("form[action='/logout'] button").await;
    browser.fill("f-email", "rita@acme.test").await;
    browser.fill("f-password", PASSWORD).await;
    browser.submit("form[action='/login'] button[type=submit]").await;
    assert!(browser.text().await.contains("Good to see you, Rita"));
    browser.close().await;
}

impl Browser {
    /// Sets an input's value by script (date inputs take keys in the browser's locale format).
    pub async fn set_value(&self, id: &str, value: &str) {
        let script = "document.getElementById(arguments[0]).value = arguments[1];";
        self.client.execute(script, vec![json!(id), json!(value)]).await.expect("set value");
    }

    /// Chooses the option with this value in the select with this id.
    pub async fn choose(&self, id: &str, value: &str) {
        self.find(&format!("#{id}")).await.select_by_value(value).await.expect("option");
    }

    /// The width of the page's content in CSS pixels (wider than the window means sideways
    /// scrolling on a phone).
    pub async fn content_width(&self) -> u64 {
        let width = self.client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
        width.as_u64().unwrap_or(u64::MAX)
    }

    /// Saves a PNG of the window under `target/screenshots/` (kept by CI as an artifact).
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

/// The id at the end of the current path (`/clients/12` → 12).
async fn id_in_path(browser: &Browser) -> i64 {
    let path = browser.path().await;
    path.rsplit('/').next().and_then(|id| id.parse().ok()).unwrap_or_else(|| panic!("no id in {path}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recruiter_works_the_desk_client_job_contractor_call_search_hotlist_and_export() {
    let Some(browser) = start_browser(false).await else { return };
    let app = spawn_app().await;
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    app.create_recruiter(agency, "Rita Recruiter", "rita@acme.test").await;
    let base = &app.address;
    browser.open(&format!("{base}/login")).await;
    browser.fill("f-email", "rita@acme.test").await;
    browser.fill("f-password", PASSWORD).await;
    browser.submit("form[action='/login'] button[type=submit]").await;

    // A client, and a job there.
    browser.open(&format!("{base}/clients/new")).await;
    browser.fill("f-name", "Globex Bank").await;
    browser.fill("f-domain", "https://www.globex.example/").await;
    browser.submit("main form button[type=submit]").await;
    let client = id_in_path(&browser).await;
    assert!(browser.text().await.contains("globex.example"));
    browser.open(&format!("{base}/jobs/new?client_id={client}")).await;
    browser.fill("f-title", "Senior Rust Engineer").await;
    browser.fill("f-skills", "Rust, postgres").await;
    browser.submit("main form button[type=submit]").await;
    let page = browser.text().await;
    assert!(page.contains("Senior Rust Engineer") && page.contains("Globex Bank"), "{page}");

    // A contractor.
    browser.open(&format!("{base}/contractors/new")).await;
    browser.fill("f-name", "Jane Doe").await;
    browser.fill("f-email", "jane@example.com").await;
    browser.fill("f-skills", "Rust, PostgreSQL ").await;
    browser.fill("f-notes", "Speaks Finnish; prefers fintech").await;
    browser.submit("main form button[type=submit]").await;
    let contractor = id_in_path(&browser).await;
    assert!(browser.text().await.contains("Jane Doe"));

    // A call with a follow-up task, from the contractor page.
    browser.click("input[name=kind][value=call]").await;
    browser.fill("f-body", "Talked about the Globex role; keen").await;
    browser.set_value("f-follow_up_due_on", "2026-11-27").await;
    browser.fill("f-follow_up_title", "Send Jane the job description").await;
    browser.submit("form.log-form button[type=submit]").await;
    let page = browser.text().await;
    assert!(page.contains("Talked about the Globex role; keen"), "{page}");
    browser.open(&format!("{base}/tasks")).await;
    assert!(browser.text().await.contains("Send Jane the job description"));

    // Found by skill (any spelling) and by a word of the agency's notes.
    browser.open(&format!("{base}/contractors")).await;
    browser.fill("f-skill", "postgresql").await;
    browser.submit("form[role=search] button[type=submit]").await;
    assert!(browser.text().await.contains("Jane Doe"));
    browser.open(&format!("{base}/contractors")).await;
    browser.fill("f-q", "finnish").await;
    browser.submit("form[role=search] button[type=submit]").await;
    assert!(browser.text().await.contains("Jane Doe"));
    let search_export = browser.find("a[href^='/exports/contractors.csv']").await.attr("href").await.unwrap().unwrap();

    // A hotlist, and Jane on it.
    browser.open(&format!("{base}/hotlists")).await;
    browser.fill("f-name", "Fintech Rust").await;
    browser.submit("form[action='/hotlists'] button[type=submit]").await;
    browser.open(&format!("{base}/contractors/{contractor}")).await;
    browser.submit("form.add-to-hotlist button[type=submit]").await;
    browser.open(&format!("{base}/contractors/{contractor}")).await;
    assert!(browser.find(".contractor-hotlists").await.text().await.unwrap().contains("Fintech Rust"));

    // The hotlist, exported; and the search's export: fetched with the browser's session.
    browser.submit(".contractor-hotlists a").await;
    let hotlist_export = browser.find("a[href$='/export.csv']").await.attr("href").await.unwrap().unwrap();
    let cookie = browser.client.get_named_cookie("nextgig_session").await.expect("session cookie");
    let session = crate::helpers::TestClient::with_cookie(base, cookie.value());
    for export in [hotlist_export, search_export] {
        let csv = session.get(&export).await;
        assert_eq!(csv.status, reqwest::StatusCode::OK, "{export}");
        assert!(csv.text.contains("Jane Doe") && csv.text.contains("jane@example.com"), "{export}: {}", csv.text);
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_contractor_joins_and_keeps_availability_current_on_a_360px_phone() {
    let Some(browser) = start_browser(true).await else { return };
    let app = spawn_app().await;
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    app.create_recruiter(agency, "Rita Recruiter", "rita@acme.test").await;
    let rita = app.signed_in("rita@acme.test").await;
    let record = rita.add_contractor(&[("name", "Jane Doe"), ("email", "jane@example.com"), ("skills", "Rust")]).await;
    let invited = rita.submit(&format!("/contractors/{record}"), &format!("/contractors/{record}/invite"), &[]).await;
    assert_eq!(invited.status, reqwest::StatusCode::SEE_OTHER);
    let link = app.last_email_to("jane@example.com").await.link(&format!("{}/invitations/", app.address));

    // From the emailed link, on a phone: an account in one step.
    browser.open(&link).await;
    assert!(browser.content_width().await <= 360, "the invitation fits the phone's width");
    browser.fill("f-password", PASSWORD).await;
    browser.submit("main form button[type=submit]").await;
    assert_eq!(browser.path().await, "/me");
    assert!(browser.content_width().await <= 360, "/me fits the phone's width");
    browser.screenshot("me-360px").await;

    // "Still available" in one tap.
    app.clock.advance(chrono::TimeDelta::minutes(20));
    browser.submit("form[action='/me/availability/confirm'] button").await;
    assert!(browser.text().await.contains("confirmed today"), "{}", browser.text().await);
    let now = app.clock.now();
    let confirmed: Option<chrono::NaiveDateTime> = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use nextgig::db::schema::contractor_profiles as p;
            p::table.select(p::availability_confirmed_at).first(conn).unwrap()
        })
        .await;
    assert_eq!(confirmed, Some(now), "confirmed as of the tap");

    // A change of plans: available from a date.
    browser.click(".me-availability details summary").await;
    browser.choose("f-availability", "from_date").await;
    browser.set_value("f-available_from", "2027-01-11").await;
    browser.submit("form[action='/me/availability'] button[type=submit]").await;
    let page = browser.text().await;
    assert!(page.contains("Available from 11 Jan 2027"), "{page}");
    assert!(browser.content_width().await <= 360);

    // An offer elsewhere, with a decision date and no details.
    browser.click("#offer-heading ~ details summary").await;
    browser.set_value("f-decision_by", "2026-12-04").await;
    browser.submit("form[action='/me/offer'] button[type=submit]").await;
    let page = browser.text().await;
    assert!(page.contains("offer or final round elsewhere, decision by 4 Dec 2026"), "{page}");
    browser.screenshot("me-360px-after").await;

    // The agency sees what she keeps.
    let seen = rita.get(&format!("/contractors/{record}")).await;
    assert!(seen.text.contains("Available from 11 Jan 2027"));
    assert!(seen.text.contains("decision by 4 Dec 2026"), "the competing offer shows on the record");
    browser.close().await;
}

/// Signs the browser in (from wherever it is).
pub async fn browser_sign_in(browser: &Browser, base: &str, email: &str) {
    browser.open(&format!("{base}/login")).await;
    browser.fill("f-email", email).await;
    browser.fill("f-password", PASSWORD).await;
    browser.submit("form[action='/login'] button[type=submit]").await;
}

/// Signs the browser out.
async fn browser_sign_out(browser: &Browser) {
    browser.submit("form[action='/logout'] button").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_submission_goes_from_put_forward_to_placed_and_the_contractor_sees_each_step() {
    let Some(browser) = start_browser(false).await else { return };
    let app = spawn_app().await;
    let desk =
        crate::pipeline::desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let jane = crate::pipeline::contractor_joins(&app, &desk).await;
    drop(jane);
    let base = app.address.clone();

    // The recruiter finds Jane from the job page and puts her forward.
    browser_sign_in(&browser, &base, "rita@acme.test").await;
    browser.open(&format!("{base}/jobs/{}", desk.job_id)).await;
    browser.fill("f-candidate", "Jane").await;
    browser.submit("form.inline-search button[type=submit]").await;
    browser.submit("form.inline-form[action='/submissions'] button[type=submit]").await;
    let submission = id_in_path(&browser).await;
    assert!(browser.text().await.contains("Added to the job's pipeline."));

    // Asks for her consent with the rate offered (prefilled from the job).
    browser.fill("f-rate", "95").await;
    browser.submit(&format!("form[action='/submissions/{submission}/consent'] button[type=submit]")).await;
    assert!(browser.text().await.contains("Consent requested"));
    browser_sign_out(&browser).await;

    // Jane approves from the emailed link, without signing in.
    let link = app.last_email_to("jane@example.com").await.link(&format!("{base}/consents/"));
    browser.open(&link).await;
    let request = browser.text().await;
    assert!(request.contains("Rust Engineer") && request.contains("EUR 95/hour"), "{request}");
    browser.submit(".decision-buttons form:first-child button").await;
    assert!(browser.text().await.contains("Acme Staffing may now put you forward for this role."));

    // The recruiter moves the card to "Submitted to client" on the board.
    browser_sign_in(&browser, &base, "rita@acme.test").await;
    browser.open(&format!("{base}/jobs/{}", desk.job_id)).await;
    let submitted = crate::pipeline::stage_id(&app, desk.agency_id, "submitted").await;
    browser.choose(&format!("move-{submission}"), &submitted.to_string()).await;
    browser.submit(&format!("form[action='/submissions/{submission}/stage'] button[type=submit]")).await;
    let board = browser.find(&format!("#stage-{submitted}")).await;
    let column = board.find(Locator::XPath("..")).await.unwrap().text().await.unwrap();
    assert!(column.contains("Jane Doe"), "the card is in Submitted: {column}");

    // Schedules an interview.
    browser.open(&format!("{base}/submissions/{submission}")).await;
    browser.set_value("f-date", "2026-12-02").await;
    browser.set_value("f-time", "14:30").await;
    browser.choose("f-time_zone", "Europe/London").await;
    browser.fill("f-interviewers", "Ann Lee (CTO)").await;
    browser.submit(&format!("form[action='/submissions/{submission}/interviews'] button[type=submit]")).await;
    assert!(browser.text().await.contains("Ann Lee (CTO)"));

    // Records an offer, which the client accepts, and the placement.
    browser.open(&format!("{base}/submissions/{submission}/offers/new")).await;
    browser.fill("f-offer_rate", "95").await;
    browser.set_value("f-offer_start", "2027-01-04").await;
    browser.set_value("f-offer_end", "2027-06-30").await;
    browser.submit("form.offer-form button[type=submit]").await;
    browser.open(&format!("{base}/submissions/{submission}")).await;
    browser.submit("form.offer-decision button[value=accept]").await;
    browser.open(&format!("{base}/submissions/{submission}/placement/new")).await;
    browser.fill("f-bill_rate", "120").await;
    browser.submit(&format!("form[action='/submissions/{submission}/placement'] button[type=submit]")).await;
    let placement = browser.text().await;
    assert!(placement.contains("30 Jun 2027"), "{placement}");
    browser_sign_out(&browser).await;

    // Jane's portal shows every step, and her availability follows the placement.
    browser_sign_in(&browser, &base, "jane@example.com").await;
    assert!(browser.text().await.contains("On contract until 30 Jun 2027"));
    browser.open(&format!("{base}/me/submissions/{submission}")).await;
    let mine = browser.text().await;
    for step in ["Consent approved", "Submitted to client", "Interview", "Offer", "Placed"] {
        assert!(mine.contains(step), "her submission shows {step}: {mine}");
    }
    assert!(!mine.contains("120"), "the bill rate is the agency's business");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_card_dragged_onto_another_column_moves_there() {
    let Some(browser) = start_browser(false).await else { return };
    let app = spawn_app().await;
    let desk =
        crate::pipeline::desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = crate::pipeline::put_forward(&desk).await;
    let consent = crate::pipeline::stage_id(&app, desk.agency_id, "consent").await;
    let base = app.address.clone();
    browser_sign_in(&browser, &base, "rita@acme.test").await;
    browser.open(&format!("{base}/jobs/{}", desk.job_id)).await;
    // WebDriver cannot drive native drag and drop: dispatch the events the browser would.
    let script = r#"
        const card = document.querySelector('.card[data-submission="' + arguments[0] + '"]');
        const column = document.querySelector('.board-column[data-stage="' + arguments[1] + '"]');
        const data = new DataTransfer();
        card.dispatchEvent(new DragEvent('dragstart', { dataTransfer: data, bubbles: true }));
        column.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
        column.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    "#;
    let old_page = browser.find("html").await;
    browser.client.execute(script, vec![json!(submission.to_string()), json!(consent.to_string())]).await.unwrap();
    let deadline = Instant::now() + PATIENCE;
    while old_page.tag_name().await.is_ok() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(crate::pipeline::state_of(&app, submission).await.0, "consent", "the drop moved the card");
    let column = browser.find(&format!(".board-column[data-stage='{consent}']")).await.text().await.unwrap();
    assert!(column.contains("Jane Doe"), "{column}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_overdue_update_on_the_dashboard_is_cleared_with_no_news_yet_and_the_contractor_sees_it() {
    let Some(browser) = start_browser(false).await else { return };
    let app = spawn_app().await;
    let desk =
        crate::pipeline::desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    crate::pipeline::contractor_joins(&app, &desk).await;
    let submission = crate::pipeline::put_forward(&desk).await;
    let asked = crate::pipeline::ask_consent(&desk, submission, &[]).await;
    assert_eq!(asked.status, reqwest::StatusCode::SEE_OTHER);
    // "Consent requested" follows up in 2 business days: on Monday it is overdue.
    app.clock.advance(chrono::TimeDelta::days(5));
    let base = app.address.clone();
    browser_sign_in(&browser, &base, "rita@acme.test").await;
    let updates = browser.find("#dash-updates").await.text().await.unwrap();
    assert!(updates.contains("Jane Doe"), "the dashboard lists the overdue update: {updates}");
    browser.submit("#dash-updates form[action$='/no-news'] button").await;
    assert_eq!(browser.path().await, "/");
    let updates = browser.find("#dash-updates").await.text().await.unwrap();
    assert!(!updates.contains("Jane Doe"), "cleared: {updates}");
    // Jane's portal shows the update.
    let jane = app.signed_in("jane@example.com").await;
    let mine = jane.get(&format!("/me/submissions/{submission}")).await;
    assert!(mine.text.contains("No news yet from the client."), "{}", mine.text);
    browser.close().await;
}
