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

    /// Ends the WebDriver session, so Chromium exits cleanly; chromedriver is killed on drop.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
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
