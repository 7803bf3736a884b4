//! The bad-input sweep: every form the route table has, found by crawling the pages of a full
//! desk (the demo's two agencies, plus what only email, time and two-step sign-in give), is sent
//! bad input one field at a time: a NUL byte, far too much text, a number too large for any
//! column, a negative number, a date that does not exist, nothing at all. Every answer is the
//! app's own: never a 5xx, and a refusal is a readable page in the app's frame with its security
//! headers. A NUL is refused at the input layer on every form (a 422), which also proves each
//! form was reached signed in and with a valid CSRF token. Runs on SQLite and PostgreSQL alike.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::TimeDelta;
use reqwest::StatusCode;
use scraper::{Html, Selector};

use crate::helpers::{PASSWORD, Page, TestApp, TestClient, spawn_app};
use nextgig::demo::{self, Loaded};

/// A form as a page rendered it.
#[derive(Clone, Debug)]
struct Form {
    /// The page it was found on.
    page: String,
    /// Where it posts (a path).
    action: String,
    /// Its fields with the values the page gave them (the CSRF token left out).
    fields: Vec<(String, String)>,
    /// True for a file upload form.
    multipart: bool,
    /// Which client saw it (an index into the clients).
    who: usize,
}

/// The route pattern a concrete path answers to (`/contractors/12` → `/contractors/{id}`).
fn pattern_of(method: &str, path: &str) -> Option<&'static str> {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    nextgig::routes::all().into_iter().filter(|(m, _)| *m == method).map(|(_, p)| p).find(|pattern| {
        let wanted: Vec<&str> = pattern.split('/').collect();
        wanted.len() == parts.len()
            && wanted.iter().zip(&parts).all(|(w, p)| {
                if let Some(rest) = w.strip_prefix('{') {
                    // `{token}.ics`: a parameter, then a fixed suffix.
                    let suffix = rest.split_once('}').map_or("", |(_, s)| s);
                    !p.is_empty() && p.ends_with(suffix)
                } else {
                    w == p
                }
            })
    })
}

/// The forms that post on a page (its text), and the same-site links it holds.
fn forms_and_links(page_path: &str, text: &str, who: usize) -> (Vec<Form>, Vec<String>) {
    let html = Html::parse_document(text);
    let form_selector = Selector::parse("form").unwrap();
    let inputs = Selector::parse("input, textarea, select, button").unwrap();
    let options = Selector::parse("option").unwrap();
    let links = Selector::parse("a[href]").unwrap();
    let mut forms = Vec::new();
    for form in html.select(&form_selector) {
        let element = form.value();
        if !element.attr("method").is_some_and(|m| m.eq_ignore_ascii_case("post")) {
            continue;
        }
        let action = element.attr("action").unwrap_or(page_path);
        let action = action.split('#').next().unwrap_or(action).to_string();
        let multipart = element.attr("enctype").is_some_and(|e| e.contains("multipart"));
        let mut fields: Vec<(String, String)> = Vec::new();
        let mut pressed = false;
        for input in form.select(&inputs) {
            let e = input.value();
            let Some(name) = e.attr("name").map(str::to_string) else { continue };
            if name == "csrf_token" {
                continue;
            }
            let value = e.attr("value").unwrap_or_default().to_string();
            let kind = e.attr("type").unwrap_or(if e.name() == "button" { "submit" } else { "text" });
            match (e.name(), kind.to_ascii_lowercase().as_str()) {
                ("textarea", _) => fields.push((name, input.text().collect())),
                ("select", _) => {
                    let chosen = input.select(&options).find(|o| o.value().attr("selected").is_some());
                    let chosen = chosen.or_else(|| input.select(&options).next());
                    fields.push((name, chosen.and_then(|o| o.value().attr("value")).unwrap_or_default().to_string()));
                }
                // The first named button is the one pressed.
                (_, "submit") => {
                    if !pressed {
                        pressed = true;
                        fields.push((name, value));
                    }
                }
                (_, "file" | "reset" | "image" | "button") => {}
                (_, "checkbox" | "radio") => {
                    if e.attr("checked").is_some() {
                        fields.push((name, e.attr("value").unwrap_or("on").to_string()));
                    }
                }
                _ => fields.push((name, value)),
            }
        }
        forms.push(Form { page: page_path.to_string(), action, fields, multipart, who });
    }
    let links = html
        .select(&links)
        .filter_map(|a| a.value().attr("href"))
        .filter(|href| href.starts_with('/') && !href.starts_with("//") && !href.starts_with("/static/"))
        .map(|href| href.split('#').next().unwrap_or(href).to_string())
        .collect();
    (forms, links)
}

/// Visits pages breadth-first from `start` as `client` (at most a few per route pattern) and
/// keeps the first form found for each POST route.
async fn crawl(client: &TestClient, who: usize, start: &[String], found: &mut BTreeMap<&'static str, Form>) {
    let mut queue: VecDeque<String> = start.iter().cloned().collect();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut per_pattern: BTreeMap<&'static str, usize> = BTreeMap::new();
    while let Some(path) = queue.pop_front() {
        if seen.len() > 600 || !seen.insert(path.clone()) {
            continue;
        }
        let Some(pattern) = pattern_of("GET", &path) else { continue };
        // Downloads hold no forms.
        if pattern.ends_with(".csv") || pattern.ends_with(".ics") || pattern.contains("download") {
            continue;
        }
        let visits = per_pattern.entry(pattern).or_default();
        if *visits >= 3 {
            continue;
        }
        *visits += 1;
        let page = client.get(&path).await;
        assert!(!page.status.is_server_error(), "GET {path}: {}", page.status);
        let kind = page.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
        if page.status != StatusCode::OK || !kind.starts_with("text/html") {
            continue;
        }
        let (forms, links) = forms_and_links(&path, &page.text, who);
        for form in forms {
            if let Some(pattern) = pattern_of("POST", &form.action) {
                found.entry(pattern).or_insert(form);
            }
        }
        queue.extend(links);
    }
}

/// Submits the first form on `page` whose action ends with `suffix`, with its own values changed
/// by `changes` (a field it does not have is added); returns the answer.
async fn submit_form(client: &TestClient, page: &str, suffix: &str, changes: &[(&str, &str)]) -> Page {
    let shown = client.get(page).await;
    let (forms, _) = forms_and_links(page, &shown.text, 0);
    // The form that has every field to change, or else the first that posts there.
    let posts = |f: &&Form| f.action.ends_with(suffix);
    let has_all = |f: &&Form| changes.iter().all(|(name, _)| f.fields.iter().any(|(n, _)| n == name));
    let form = forms.iter().filter(posts).find(has_all).or_else(|| forms.iter().find(posts)).cloned();
    let form = form.unwrap_or_else(|| panic!("no form posting to …{suffix} on {page}:\n{}", shown.text));
    let mut fields = form.fields;
    for (name, value) in changes {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = value.to_string(),
            None => fields.push((name.to_string(), value.to_string())),
        }
    }
    let token = shown.csrf_token();
    let mut pairs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    pairs.push(("csrf_token", &token));
    client.post_raw(&form.action, &pairs).await
}

/// A multipart body with `fields` and a file, as a browser sends an upload form: (content
/// type, body).
fn multipart_body(fields: &[(&str, &str)], file: (&str, &[u8])) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "sweep-boundary-7d1f";
    let mut body: Vec<u8> = Vec::new();
    let mut part = |name: &str, filename: Option<&str>, value: &[u8]| {
        body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes());
        if let Some(filename) = filename {
            let disposition = format!("; filename=\"{filename}\"\r\nContent-Type: application/octet-stream");
            body.extend_from_slice(disposition.as_bytes());
        }
        body.extend_from_slice(b"\r\n\r\n");
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    };
    for (name, value) in fields {
        part(name, None, value.as_bytes());
    }
    part("file", Some(file.0), file.1);
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// Posts a multipart body; returns the answer.
async fn post_multipart(client: &TestClient, action: &str, (kind, body): (String, Vec<u8>)) -> Page {
    let response = client
        .http
        .post(format!("{}{action}", client.base))
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .expect("request");
    let (status, headers) = (response.status(), response.headers().clone());
    Page { status, headers, text: response.text().await.unwrap_or_default() }
}

/// Turns two-step sign-in on for a signed-in staff member through their account page.
async fn turn_on_two_step(app: &TestApp, client: &TestClient) {
    let start = client.submit("/account", "/account/two-step/start", &[]).await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.text);
    let setup = client.get("/account/two-step/setup").await;
    let key = setup.texts("#two-step-key").join("").replace(' ', "");
    let code = nextgig::models::two_factor::code_at(&key, app.clock.now()).unwrap();
    let on = client.submit("/account/two-step/setup", "/account/two-step/setup", &[("code", &code)]).await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.text);
}

/// The id at the end of a redirect's location (`/submissions/12` → 12).
fn id_in(page: &Page) -> i64 {
    let id = page.location().rsplit('/').next().and_then(|id| id.parse().ok());
    id.unwrap_or_else(|| panic!("no id in the redirect: {} {}", page.status, page.location()))
}

/// Fails unless `page` is the app's own answer to bad input: no 5xx, and a 4xx is a readable
/// page in the app's frame with its headers.
fn assert_readable(page: &Page, what: &str) {
    assert!(!page.status.is_server_error(), "{what}: {}\n{}", page.status, page.text);
    if !page.status.is_client_error() {
        return;
    }
    let kind = page.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(kind.starts_with("text/html"), "{what}: a {} answered as {kind:?}", page.status);
    for header in ["content-security-policy", "x-content-type-options", "cache-control"] {
        assert!(page.headers.contains_key(header), "{what}: a {} without {header}", page.status);
    }
    let said = page.texts("h1, .field-error, .error-summary li, .flash, .upload-error").join(" ");
    assert!(!said.trim().is_empty(), "{what}: a {} that says nothing:\n{}", page.status, page.text);
    let lower = page.text.to_lowercase();
    for leak in ["panicked", "diesel", "syntax error", "sqlite_", "database error", "stack backtrace", "/src/"] {
        assert!(!lower.contains(leak), "{what}: the page leaks {leak:?}:\n{}", page.text);
    }
}

/// Values a field should never take.
fn bad_values() -> Vec<(&'static str, String)> {
    vec![
        ("a NUL byte", "x\u{0}y".to_string()),
        ("far too much text", "long ".repeat(20_000)),
        ("a number too large", "99999999999999999999999".to_string()),
        ("a negative number", "-7".to_string()),
        ("a date that does not exist", "2026-02-30".to_string()),
        ("nothing", String::new()),
    ]
}

/// Posts `form` with `field` set to `value` (other fields as the page gave them).
async fn post_with(client: &TestClient, form: &Form, token: &str, field: Option<(&str, &str)>) -> Page {
    let mut fields: Vec<(String, String)> = form.fields.clone();
    if let Some((name, value)) = field {
        for (n, v) in &mut fields {
            if n == name {
                *v = value.to_string();
            }
        }
    }
    if form.multipart {
        // The file is always one NextGig refuses (an executable); the text fields vary.
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token)];
        all.extend(fields.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let body = multipart_body(&all, ("evil.exe", b"MZ\x00\x01not a document"));
        return post_multipart(client, &form.action, body).await;
    }
    let mut pairs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    pairs.push(("csrf_token", token));
    client.post_raw(&form.action, &pairs).await
}

/// Routes that end the session or the account: swept last, so that the rest run signed in.
const LAST: &[&str] =
    &["/logout", "/me/delete", "/account/sessions/end-others", "/account/password", "/me/agencies/{id}/unlink"];

/// POST routes no page posts to: (route, a found route whose action it shares up to its last
/// segment, the fields a script would send). Each is swept like a form found on a page.
const FORMLESS: &[(&str, &str, &[&str])] =
    // Adding one contractor to a hotlist: pages use /hotlists/add; this one is for scripts.
    &[("/hotlists/{id}/members", "/hotlists/{id}/members/note", &["contractor_id", "note", "back"])];

#[tokio::test]
async fn every_form_answers_bad_input_with_a_readable_4xx_and_never_a_5xx() {
    let app = spawn_app().await;
    let mut found: BTreeMap<&'static str, Form> = BTreeMap::new();

    // First (before the demo fills the outbox), a third agency, Acme, whose desk gives what only
    // email and time give: consent, shortlist, unsubscribe, invitation, reset and
    // still-available links, a question from a client, an interview that is over, an update
    // overdue; and two-step sign-in.
    let (desk, submission, contact) = crate::shortlists::ready(&app).await;
    let rita = &desk.recruiter;
    let sent = crate::shortlists::send(&desk, submission, contact, &[]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
    let shortlist = id_in(&sent);
    let jane = crate::pipeline::contractor_joins(&app, &desk).await;
    let acme_admin = app.signed_in("admin@acme.test").await;
    // Rob will join (and set up two-step sign-in); Sam's invitation stays open for the sweep.
    for email in ["rob@acme.test", "sam@acme.test"] {
        let fields = [("email", email), ("role", "recruiter")];
        let invited = acme_admin.submit("/admin/team", "/admin/invitations", &fields).await;
        assert_eq!(invited.status, StatusCode::SEE_OTHER);
    }
    app.client().submit("/password-reset", "/password-reset", &[("email", "rita@acme.test")]).await;
    let jane_id: i64 = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use nextgig::db::schema::users;
            users::table.filter(users::email.eq("jane@example.com")).select(users::id).first(conn).unwrap()
        })
        .await;
    let now = app.clock.now();
    let still = app
        .with_db(move |conn| {
            let purpose = nextgig::models::one_click::STILL_AVAILABLE;
            nextgig::models::one_click::issue(conn, jane_id, purpose, TimeDelta::days(14), now).unwrap()
        })
        .await;
    // A consent request Jane has not answered yet (her /me/consents form).
    let other_job = crate::jobs::add_job(rita, desk.client_id, &[("title", "Platform Engineer")]).await;
    let (job, record) = (other_job.to_string(), desk.contractor_id.to_string());
    let fields = [("job_id", job.as_str()), ("contractor_id", record.as_str()), ("override_reason", "Another team")];
    let put = rita.submit(&format!("/jobs/{job}"), "/submissions", &fields).await;
    assert_eq!(put.status, StatusCode::SEE_OTHER, "{}", put.text);
    let second = id_in(&put);
    let asked = crate::pipeline::ask_consent(&desk, second, &[]).await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.text);
    // An interview on Jane's first submission that is over, her second one's update overdue.
    let page = format!("/submissions/{submission}");
    let when = [("date", "2026-11-27"), ("time", "10:00")];
    let scheduled = submit_form(rita, &page, &format!("{page}/interviews"), &when).await;
    assert_eq!(scheduled.status, StatusCode::SEE_OTHER, "{}", scheduled.text);
    app.with_db(move |conn| {
        use diesel::prelude::*;
        use nextgig::db::schema::{interviews, submissions};
        let past = now - TimeDelta::days(2);
        diesel::update(interviews::table.filter(interviews::submission_id.eq(submission)))
            .set(interviews::starts_at.eq(past))
            .execute(conn)
            .unwrap();
        diesel::update(submissions::table.find(second))
            .set(submissions::next_update_due.eq(Some(past.date())))
            .execute(conn)
            .unwrap();
    })
    .await;
    // An offer accepted: the placement form waits.
    let offer = [("offer_rate", "95"), ("offer_start", "2027-01-04"), ("offer_end", "2027-06-30")];
    let offered = submit_form(rita, &page, "/offers", &offer).await;
    assert_eq!(offered.status, StatusCode::SEE_OTHER, "{}", offered.text);
    let accepted = submit_form(rita, &page, "/decision", &[("decision", "accept")]).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.text);
    // An outside submission of Jane's.
    let outside = [("client_name", "Umbrella"), ("client_domain", "umbrella.example"), ("submitted_on", "2026-11-20")];
    let outside = submit_form(&jane, "/me/outside", "/me/outside", &outside).await;
    assert_eq!(outside.status, StatusCode::SEE_OTHER, "{}", outside.text);
    // The client asks a question on the shortlist (the recruiter's reply form).
    let visitor = app.client();
    let link = crate::shortlists::client_link(&app).await.trim_start_matches(&app.address).to_string();
    let question = [("answer", "question"), ("question", "Can she start soon?")];
    let asked = submit_form(&visitor, &link, &link, &question).await;
    assert!(!asked.status.is_server_error(), "{}", asked.text);
    // Archived records (their unarchive forms), a CSV import checked and waiting to run.
    let client = crate::clients::add_client(rita, "Archived Co", "archived.example").await;
    let archived = rita.submit(&format!("/clients/{client}"), &format!("/clients/{client}/archive"), &[]).await;
    assert_eq!(archived.status, StatusCode::SEE_OTHER, "{}", archived.text);
    let gone = rita.add_contractor(&[("name", "Gone Person")]).await;
    let archived = rita.submit(&format!("/contractors/{gone}"), &format!("/contractors/{gone}/archive"), &[]).await;
    assert_eq!(archived.status, StatusCode::SEE_OTHER, "{}", archived.text);
    let token = acme_admin.get("/imports/new").await.csrf_token();
    let csv = "Name,Email,Skills\nIvy Import,ivy@example.com,Rust\n";
    let upload = multipart_body(&[("csrf_token", &token)], ("people.csv", csv.as_bytes()));
    let uploaded = post_multipart(&acme_admin, "/imports", upload).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.text);
    let import = uploaded.location().to_string();
    let checked = submit_form(&acme_admin, &import, "/mapping", &[]).await;
    assert!(!checked.status.is_server_error(), "{}", checked.text);
    // Two-step sign-in: on for Acme's admin and for Rita (whose reset form the admin then has),
    // and a sign-in waiting for its code.
    turn_on_two_step(&app, &acme_admin).await;
    turn_on_two_step(&app, rita).await;
    app.clock.advance(TimeDelta::seconds(30));
    let waiting = app.client();
    assert_eq!(waiting.sign_in("admin@acme.test", PASSWORD).await.status, StatusCode::SEE_OTHER);
    app.deliver_mail().await;

    // Then the demo's two agencies: a pipeline in every stage, offers, placements, hotlists.
    let loaded: Loaded = {
        let (config, clock) = (app.state.config.clone(), app.clock.clone());
        tokio::task::spawn_blocking(move || demo::load(&config, &clock)).await.unwrap().expect("the demo loads")
    };
    let sign_in = |email: String| {
        let app = &app;
        let password = loaded.password.clone();
        async move {
            let client = app.client();
            let page = client.sign_in(&email, &password).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{email}: {}", page.text);
            client
        }
    };
    let admin_email = loaded.account("admin", None).unwrap().email.clone();
    let recruiter_email = loaded.account("recruiter", None).unwrap().email.clone();
    let admin = sign_in(admin_email.clone()).await;
    let recruiter = sign_in(recruiter_email.clone()).await;
    let contractor = sign_in(loaded.account("contractor", None).unwrap().email.clone()).await;
    // The admin's other session, a calendar feed, an archived stage and a disabled member.
    let _elsewhere = sign_in(admin_email.clone()).await;
    let feed = admin.submit("/account/calendar", "/account/calendar", &[]).await;
    assert_eq!(feed.status, StatusCode::OK, "{}", feed.text);
    let added =
        submit_form(&admin, "/admin/stages", "/admin/stages", &[("name", "Spare stage"), ("category", "interview")]);
    assert_eq!(added.await.status, StatusCode::SEE_OTHER);
    let spare: i64 = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use nextgig::db::schema::pipeline_stages as stages;
            stages::table.filter(stages::name.eq("Spare stage")).select(stages::id).first(conn).unwrap()
        })
        .await;
    let archived = submit_form(&admin, "/admin/stages", &format!("/admin/stages/{spare}/archive"), &[]).await;
    assert_eq!(archived.status, StatusCode::SEE_OTHER, "{}", archived.text);
    // A two-step setup begun (its confirmation form).
    let begun = admin.submit("/account", "/account/two-step/start", &[]).await;
    assert_eq!(begun.status, StatusCode::SEE_OTHER, "{}", begun.text);
    let keep: Vec<i64> = app
        .with_db(move |conn| {
            use diesel::prelude::*;
            use nextgig::db::schema::users;
            let emails = [admin_email, recruiter_email];
            users::table.filter(users::email.eq_any(emails)).select(users::id).load(conn).unwrap()
        })
        .await;
    let team = admin.get("/admin/team").await;
    let (forms, _) = forms_and_links("/admin/team", &team.text, 0);
    let other = forms.iter().find(|f| {
        f.action.ends_with("/disable") && !keep.iter().any(|id| f.action == format!("/admin/team/{id}/disable"))
    });
    let other = other.expect("another member to disable").action.clone();
    let disabled = admin.post_raw(&other, &[("csrf_token", &team.csrf_token())]).await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER, "{}", disabled.text);
    let placement_pages: Vec<String> = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use nextgig::db::schema::submissions;
            submissions::table
                .select(submissions::id)
                .order(submissions::id.desc())
                .limit(40)
                .load::<i64>(conn)
                .unwrap()
        })
        .await
        .into_iter()
        .map(|id| format!("/submissions/{id}/placement/new"))
        .collect();

    let staff_start: Vec<String> = [
        "/",
        "/contractors",
        "/clients",
        "/jobs",
        "/tasks",
        "/hotlists",
        "/placements",
        "/reports",
        "/imports/new",
        "/admin/team",
        "/admin/stages",
        "/admin/audit",
        "/account",
        "/account/calendar",
        "/account/notifications",
        "/account/notices",
    ]
    .map(String::from)
    .to_vec();
    let contractor_start: Vec<String> =
        ["/", "/me", "/me/submissions", "/me/consents", "/me/agencies", "/me/outside", "/me/documents", "/account"]
            .map(String::from)
            .to_vec();
    let mut acme_start = staff_start.clone();
    acme_start.extend([
        format!("/clients/{client}"),
        format!("/contractors/{gone}"),
        import,
        format!("/shortlists/{shortlist}"),
        format!("/submissions/{submission}"),
        format!("/submissions/{submission}/placement/new"),
    ]);
    let mut demo_start = staff_start.clone();
    demo_start.push("/account/two-step/setup".into());
    demo_start.extend(placement_pages);

    // The links in the emails, for a visitor (but Rob's invitation, which he uses below).
    let invitation = app.emails().into_iter().rev().find(|e| e.to == "rob@acme.test").expect("Rob's invitation");
    let invitation =
        invitation.link(&format!("{}/invitations/", app.address)).trim_start_matches(&app.address).to_string();
    let mut links = vec![format!("/still-available/{still}"), link, "/login".into(), "/password-reset".into()];
    for email in app.emails().into_iter().filter(|e| e.to != "rob@acme.test") {
        for word in email.text.split_whitespace() {
            if let Some(path) = word.strip_prefix(&app.address) {
                links.push(path.to_string());
            }
        }
    }
    crawl(&visitor, 4, &links, &mut found).await;
    crawl(&admin, 0, &demo_start, &mut found).await;
    crawl(&recruiter, 1, &demo_start, &mut found).await;
    crawl(&contractor, 2, &contractor_start, &mut found).await;
    crawl(&acme_admin, 3, &acme_start, &mut found).await;
    crawl(&waiting, 5, &["/login/two-step".to_string()], &mut found).await;
    crawl(&jane, 7, &contractor_start, &mut found).await;
    // Acme requires two-step sign-in: Rob, invited, must set it up when he joins.
    let required = acme_admin.submit("/admin/team", "/admin/two-step", &[("required", "yes")]).await;
    assert!(required.status.is_redirection(), "{}", required.text);
    let rob = app.client();
    let joined = rob.submit(&invitation, &invitation, &[("name", "Rob Recruiter"), ("password", PASSWORD)]).await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.text);
    crawl(&rob, 6, &["/login/two-step/setup".to_string()], &mut found).await;
    // A fresh database for the first-run setup form.
    let empty = spawn_app().await;
    let now = empty.clock.now();
    let setup_token = empty
        .with_db(move |conn| nextgig::models::setup::issue_token_if_empty(conn, now).unwrap().expect("empty"))
        .await;
    let first_run = empty.client();
    let setup_path = format!("/setup?token={setup_token}");
    let (setup_forms, _) = forms_and_links(&setup_path, &first_run.get(&setup_path).await.text, 8);
    for form in setup_forms {
        found.entry("/setup").or_insert(form);
    }
    for (pattern, like, fields) in FORMLESS {
        let Some(form) = found.get(like).cloned() else { continue };
        let action = form.action[..form.action.rfind('/').unwrap_or(0)].to_string();
        let fields = fields.iter().map(|f| (f.to_string(), "1".to_string())).collect();
        found.insert(pattern, Form { action, fields, ..form });
    }

    let posts: BTreeSet<&str> =
        nextgig::routes::all().into_iter().filter(|(m, _)| *m == "POST").map(|(_, p)| p).collect();
    let missing: Vec<&&str> = posts.iter().filter(|p| !found.contains_key(*p)).collect();
    assert!(missing.is_empty(), "no page posts to these routes (reach them or list them in FORMLESS): {missing:?}");

    let clients: Vec<&TestClient> =
        vec![&admin, &recruiter, &contractor, &acme_admin, &visitor, &waiting, &rob, &jane, &first_run];
    let mut order: Vec<&'static str> = found.keys().copied().filter(|p| !LAST.contains(p)).collect();
    order.extend(LAST.iter().copied().filter(|p| found.contains_key(p)));
    let (mut sent, mut unreached) = (0, Vec::new());
    for pattern in order {
        let form = &found[pattern];
        let client = clients[form.who];
        if pattern == "/account/two-step/setup" {
            // Moving to a new app opens the setup form again.
            client.submit("/account", "/account/two-step/start", &[]).await;
        }
        // The page again for a fresh token (a sweep step may have rotated it).
        let page = client.get(&form.page).await;
        if page.status != StatusCode::OK || !page.text.contains("csrf_token") {
            unreached.push((pattern, form.page.clone(), page.status));
            continue;
        }
        let token = page.csrf_token();
        let what = |detail: &str| format!("POST {} ({pattern}) with {detail}", form.action);
        // Nothing valid is sent (a valid form would act: archive, disable, delete). A form with
        // no fields gets one it does not have, holding a NUL.
        if form.fields.is_empty() && !form.multipart {
            let answer = client.post_raw(&form.action, &[("csrf_token", &token), ("note", "x\u{0}")]).await;
            assert_readable(&answer, &what("an unknown field holding a NUL"));
            assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", what("an unknown field holding a NUL"));
            sent += 1;
        }
        for (name, _) in &form.fields {
            if name == "idempotency_key" {
                continue;
            }
            for (label, value) in bad_values() {
                let answer = post_with(client, form, &token, Some((name, &value))).await;
                let what = what(&format!("{label} in {name}"));
                assert_readable(&answer, &what);
                // A return target is not refused: it falls back to the page's default.
                let return_target = nextgig::models::validation::RETURN_TARGET_FIELDS.contains(&name.as_str());
                if label == "a NUL byte" && !form.multipart && !return_target {
                    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: the input layer refuses it");
                }
                sent += 1;
            }
        }
    }
    assert!(unreached.is_empty(), "forms whose page was gone when their turn came: {unreached:?}");
    assert!(sent > 500, "only {sent} bad forms sent");
}
