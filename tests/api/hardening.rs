//! Issue 16's hardening, the parts that live at the input layer: every return target stays on
//! this site, and control characters (NUL, escapes, line breaks in one-line fields) are refused
//! as bad input, the same way on SQLite and PostgreSQL, never with a 500.

use reqwest::StatusCode;

use crate::helpers::{PASSWORD, Page, TestClient, spawn_app};
use crate::pipeline::{contractor_joins, desk_with_job, put_forward};
use crate::security::snapshot;

/// Return targets a browser would follow to another site (or a raw 500 for some): a tab or line
/// breaks (which browsers drop), backslashes (read as slashes), two slashes, schemes. (The
/// issue's `next=/%09/evil.example/x` arrives decoded, as the first one.)
const OFF_SITE: &[&str] = &[
    "/\t/evil.example/x",
    "//evil.example/x",
    "/\\evil.example/x",
    "\\/evil.example/x",
    "/\n/evil.example",
    "/\r\nSet-Cookie: stolen=1",
    "/\0/evil.example",
    "/\u{7f}/evil.example",
    " //evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/.//evil.example",
    "evil.example",
];

/// Fails unless `page` is a redirect to a path on this site.
fn assert_stays_here(page: &Page, what: &str) {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{what}: {}\n{}", page.status, page.text);
    let location = page.location();
    assert!(location.starts_with('/'), "{what} redirects to {location:?}");
    assert!(!location.starts_with("//"), "{what} redirects to {location:?}");
    assert!(!location.contains('\\') && !location.contains("evil.example"), "{what} redirects to {location:?}");
    assert!(location.bytes().all(|b| (0x21..=0x7e).contains(&b)), "{what} redirects to {location:?}");
}

#[tokio::test]
async fn every_return_target_stays_on_this_site() {
    let app = spawn_app().await;
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    app.create_recruiter(agency, "Rita Recruiter", "rita@acme.test").await;
    let rita = app.signed_in("rita@acme.test").await;
    let jane = rita.add_contractor(&[("name", "Jane Doe")]).await.to_string();
    let list = rita.submit("/hotlists", "/hotlists", &[("name", "Rust leads")]).await;
    assert_eq!(list.status, StatusCode::SEE_OTHER, "{}", list.text);
    let list = list.location().trim_start_matches("/hotlists/").to_string();
    let task = rita.submit("/tasks/new", "/tasks", &[("title", "Call Jane"), ("due_on", "2026-11-26")]).await;
    assert_eq!(task.status, StatusCode::SEE_OTHER, "{}", task.text);
    let task: i64 = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use nextgig::db::schema::tasks;
            tasks::table.select(tasks::id).order(tasks::id.desc()).first(conn).unwrap()
        })
        .await;
    let token = rita.get("/tasks").await.csrf_token();
    for target in OFF_SITE {
        // Signed in: /login?next= sends the user straight on.
        let query = url::form_urlencoded::Serializer::new(String::new()).append_pair("next", target).finish();
        assert_stays_here(&rita.get(&format!("/login?{query}")).await, &format!("GET /login?next={target:?}"));
        // Signing in with it.
        let visitor = app.client();
        let login_token = visitor.get("/login").await.csrf_token();
        let signed_in = visitor
            .post_raw(
                "/login",
                &[("email", "rita@acme.test"), ("password", PASSWORD), ("next", target), ("csrf_token", &login_token)],
            )
            .await;
        assert_stays_here(&signed_in, &format!("POST /login next={target:?}"));
        // Adding to a hotlist and marking a task done.
        let added = rita
            .post_raw(
                "/hotlists/add",
                &[
                    ("hotlist_id", &list),
                    ("contractor_id", &jane),
                    ("note", ""),
                    ("back", target),
                    ("csrf_token", &token),
                ],
            )
            .await;
        assert_stays_here(&added, &format!("POST /hotlists/add back={target:?}"));
        assert_eq!(added.location(), format!("/hotlists/{list}"), "an unsafe back goes to the hotlist");
        let done =
            rita.post_raw(&format!("/tasks/{task}/done"), &[("return_to", target), ("csrf_token", &token)]).await;
        assert_stays_here(&done, &format!("POST /tasks/{task}/done return_to={target:?}"));
        assert_eq!(done.location(), "/tasks", "an unsafe return_to goes to the tasks");
    }
    // A return target on this site is kept.
    let back = format!("/contractors/{jane}");
    let added = rita
        .post_raw(
            "/hotlists/add",
            &[("hotlist_id", &list), ("contractor_id", &jane), ("note", ""), ("back", &back), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(added.location(), back);
    let next = app.client().get("/contractors?q=jane").await;
    assert_eq!(next.location(), "/login?next=%2Fcontractors%3Fq%3Djane");
}

/// Fails unless `page` is a readable 422 in the app's frame that names the problem.
fn assert_refused(page: &Page, what: &str) {
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {}\n{}", page.status, page.text);
    let kind = page.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(kind.starts_with("text/html"), "{what} answered {kind}");
    assert!(page.headers.contains_key("content-security-policy"), "{what} has no security headers");
    let said = page.text.to_lowercase();
    assert!(
        said.contains("control character") || said.contains("one line"),
        "{what} does not say what is wrong:\n{}",
        page.text
    );
}

/// Posts `fields` (with the page's token) to `action` once for each hostile character in the
/// field named `field`, and checks every answer is the refusal.
async fn refuse_in(client: &TestClient, page: &str, action: &str, fields: &[(&str, &str)], field: &str, bad: &[&str]) {
    let token = client.get(page).await.csrf_token();
    for hostile in bad {
        let mut sent: Vec<(&str, String)> = fields.iter().map(|(n, v)| (*n, v.to_string())).collect();
        for (name, value) in &mut sent {
            if *name == field {
                value.push_str(hostile);
            }
        }
        sent.push(("csrf_token", token.clone()));
        let pairs: Vec<(&str, &str)> = sent.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let answer = client.post_raw(action, &pairs).await;
        assert_refused(&answer, &format!("POST {action} with {hostile:?} in {field}"));
    }
}

/// Characters no field takes.
const CONTROLS: &[&str] = &["\0", "a\u{0}b", "\u{1b}[31m", "\u{7f}", "\u{85}", "\u{8}"];
/// What a one-line field takes no more than the controls.
const LINE_BREAKS: &[&str] = &["\r\nBcc: mallory@evil.example", "\n", "\r", "\t"];

#[tokio::test]
async fn control_characters_and_line_breaks_in_one_line_fields_are_refused_and_nothing_is_saved() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let jane = contractor_joins(&app, &desk).await;
    let submission = put_forward(&desk).await;
    let rita = &desk.recruiter;
    let before = snapshot(&app).await;
    let one_line: Vec<&str> = CONTROLS.iter().chain(LINE_BREAKS).copied().collect();

    // Signing in, anonymously: the email (PostgreSQL answered 500 to a NUL here).
    let visitor = app.client();
    refuse_in(&visitor, "/login", "/login", &[("email", "a@b.test"), ("password", "x")], "email", &one_line).await;
    // One-line fields of a record: the name, the headline, the location.
    let record = format!("/contractors/{}", desk.contractor_id);
    let edit = rita.get(&format!("{record}/edit")).await;
    let version = edit.input_value("version").unwrap_or_default();
    let fields = [("name", "Jane Doe"), ("email", "jane@example.com"), ("location", "Berlin"), ("version", &version)];
    for field in ["name", "location"] {
        refuse_in(rita, &format!("{record}/edit"), &record, &fields, field, &one_line).await;
    }
    // A multi-line field takes line breaks and tabs, never the controls.
    refuse_in(rita, &format!("{record}/edit"), &record, &[("name", "Jane Doe"), ("notes", "x")], "notes", CONTROLS)
        .await;
    // The stage note, a client, a job title.
    let page = format!("/submissions/{submission}");
    refuse_in(rita, &page, &format!("{page}/updates"), &[("body", "Called them")], "body", CONTROLS).await;
    refuse_in(rita, "/clients/new", "/clients", &[("name", "Initech"), ("domain", "initech.test")], "name", &one_line)
        .await;
    // The contractor's own availability and profile.
    refuse_in(&jane, "/me", "/me/availability", &[("status", "now"), ("location", "Berlin")], "location", &one_line)
        .await;
    refuse_in(&jane, "/me", "/me/profile", &[("name", "Jane Doe"), ("headline", "Rust")], "headline", &one_line).await;
    assert_eq!(snapshot(&app).await, before, "a refused form changed something");

    // Query strings: search, list filters, `next`. The same refusal, never a 500.
    for path in ["/contractors?q=", "/contractors?location=", "/clients?q=", "/jobs?q=", "/tasks?who="] {
        for hostile in CONTROLS {
            let query = url::form_urlencoded::byte_serialize(hostile.as_bytes()).collect::<String>();
            let page = rita.get(&format!("{path}{query}")).await;
            assert_refused(&page, &format!("GET {path}{hostile:?}"));
        }
    }
    // A return target is not refused: it falls back to the default page (see the test above).
    for hostile in ["%0d%0aX-Injected:%201", "%00", "%7f", "%0a"] {
        let page = visitor.get(&format!("/login?next=/{hostile}")).await;
        assert_eq!(page.status, StatusCode::OK, "GET /login?next=/{hostile}");
        assert!(!page.headers.contains_key("x-injected"));
        assert!(page.headers.contains_key("content-security-policy"));
    }
    // Line breaks in a multi-line field are kept as typed.
    let note = "First line\r\nSecond line\twith a tab";
    let saved = rita.submit(&page, &format!("{page}/updates"), &[("body", note)]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let bodies: Vec<String> = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use nextgig::db::schema::submission_events as e;
            e::table.select(e::body).order(e::id.desc()).limit(1).load(conn).unwrap()
        })
        .await;
    let body = bodies.into_iter().next().unwrap_or_default();
    assert!(body.contains("First line") && body.contains("Second line\twith a tab"), "{body:?}");
}

#[tokio::test]
async fn an_address_too_long_gets_the_apps_own_page_with_its_headers() {
    let app = spawn_app().await;
    let visitor = app.client();
    let long = format!("/login?next=/{}", "a".repeat(20_000));
    let page = visitor.get(&long).await;
    assert_eq!(page.status, StatusCode::URI_TOO_LONG);
    assert!(page.text.contains("Address too long"), "{}", &page.text[..page.text.len().min(500)]);
    for header in ["content-security-policy", "x-content-type-options", "referrer-policy", "cache-control"] {
        assert!(page.headers.contains_key(header), "no {header}");
    }
    // Just under the limit is read as usual.
    let fits = visitor.get(&format!("/login?next=/{}", "a".repeat(7_000))).await;
    assert_eq!(fits.status, StatusCode::OK);
}
