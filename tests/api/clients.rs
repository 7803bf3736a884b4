//! Clients and their contacts: create, view, edit, archive; the domain guard; the list's search,
//! sort and paging; stale edits; bad input; and isolation between agencies.

use chrono::TimeDelta;
use diesel::prelude::*;
use nextgig::db::schema::{audit_log, clients, contacts, jobs};
use reqwest::StatusCode;

use crate::helpers::{Page, TestApp, TestClient, spawn_app};

/// The id at the end of a redirect such as `/clients/12`.
pub fn id_from(page: &Page) -> i64 {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "expected a redirect, got:\n{}", page.text);
    let location = page.location().split('#').next().unwrap();
    location.rsplit('/').next().unwrap().parse().unwrap_or_else(|_| panic!("no id in {location}"))
}

/// Adds a client through the form; returns its id.
pub async fn add_client(user: &TestClient, name: &str, domain: &str) -> i64 {
    id_from(&user.submit("/clients/new", "/clients", &[("name", name), ("domain", domain), ("notes", "")]).await)
}

/// The rows of the conflict table as "field | saved now | yours".
pub fn conflict_rows(page: &Page) -> Vec<String> {
    let row = scraper::Selector::parse(".conflict tbody tr").unwrap();
    let cell = scraper::Selector::parse("th, td").unwrap();
    page.html()
        .select(&row)
        .map(|tr| {
            tr.select(&cell).map(|c| c.text().collect::<String>().trim().to_string()).collect::<Vec<_>>().join(" | ")
        })
        .collect()
}

/// An agency with a recruiter signed in.
pub async fn desk(app: &TestApp, agency: &str, domain: &str) -> (i64, TestClient) {
    let (agency_id, _) = app.create_agency(agency, &format!("admin@{domain}")).await;
    app.create_recruiter(agency_id, "Rita Recruiter", &format!("rita@{domain}")).await;
    (agency_id, app.signed_in(&format!("rita@{domain}")).await)
}

async fn client_row(app: &TestApp, id: i64) -> (String, Option<String>, Option<String>, i32, bool) {
    app.with_db(move |conn| {
        let (_, name, domain, notes, version, archived): ClientColumns = clients::table
            .find(id)
            .select((
                clients::id,
                clients::name,
                clients::domain,
                clients::notes,
                clients::version,
                clients::archived_at,
            ))
            .first(conn)
            .unwrap();
        (name, domain, notes, version, archived.is_some())
    })
    .await
}

type When = Option<chrono::NaiveDateTime>;
type ClientColumns = (i64, String, Option<String>, Option<String>, i32, When);
type ContactColumns = (i64, String, Option<String>, i32, When);
/// A request: (method, path, form fields).
type Request = (&'static str, String, Vec<(&'static str, &'static str)>);

/// Every client and contact row as text, to compare before and after.
async fn client_snapshot(app: &TestApp, agency: i64) -> String {
    app.with_db(move |conn| {
        let c: Vec<ClientColumns> = clients::table
            .filter(clients::agency_id.eq(agency))
            .order(clients::id.asc())
            .select((
                clients::id,
                clients::name,
                clients::domain,
                clients::notes,
                clients::version,
                clients::archived_at,
            ))
            .load(conn)
            .unwrap();
        let p: Vec<ContactColumns> = contacts::table
            .filter(contacts::agency_id.eq(agency))
            .order(contacts::id.asc())
            .select((contacts::id, contacts::name, contacts::email, contacts::version, contacts::archived_at))
            .load(conn)
            .unwrap();
        format!("{c:?} {p:?}")
    })
    .await
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    app.with_db(|conn| audit_log::table.order(audit_log::id.asc()).select(audit_log::action).load(conn).unwrap()).await
}

#[tokio::test]
async fn a_recruiter_adds_a_client_and_finds_it_in_the_list_and_on_its_page() {
    let app = spawn_app().await;
    let (_, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    assert!(rita.get("/clients").await.texts(".empty").contains(&"No clients yet. Add your first client.".to_string()));

    let created = rita
        .submit(
            "/clients/new",
            "/clients",
            &[
                ("name", "  Globex Corporation "),
                ("domain", "https://www.Globex.com/careers"),
                ("notes", "Pays net 30.\nPrefers CVs as PDF."),
            ],
        )
        .await;
    let id = id_from(&created);
    assert_eq!(created.location(), format!("/clients/{id}"));

    let page = rita.get(&format!("/clients/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Globex Corporation added."));
    assert_eq!(page.texts("h1"), ["Globex Corporation"]);
    assert!(page.texts(".lead").contains(&"globex.com".to_string()));
    assert!(page.text.contains("Pays net 30.\nPrefers CVs as PDF."), "notes kept with their line breaks");
    assert!(page.text.contains(&format!(r#"href="/jobs/new?client_id={id}""#)), "offers to add a job");
    assert!(page.texts("#jobs .empty")[0].starts_with("No jobs for this client yet."));
    assert!(page.texts("#contacts .empty")[0].starts_with("No contacts yet."));

    let list = rita.get("/clients").await;
    assert_eq!(list.texts("tbody tr td:first-child"), ["Globex Corporation"]);
    assert_eq!(list.texts("tbody tr td:nth-child(2)"), ["globex.com"]);
    assert_eq!(
        client_row(&app, id).await,
        (
            "Globex Corporation".into(),
            Some("globex.com".into()),
            Some("Pays net 30.\nPrefers CVs as PDF.".into()),
            1,
            false
        )
    );
    assert!(audit_actions(&app).await.contains(&"client.created".to_string()));
}

#[tokio::test]
async fn a_clients_web_domain_is_stored_normalised() {
    let app = spawn_app().await;
    let (_, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    for (typed, stored) in [
        ("HTTPS://WWW.Initech.COM:443/jobs?ref=x", "initech.com"),
        ("hr@umbrella-corp.co.uk", "umbrella-corp.co.uk"),
        ("hooli.io.", "hooli.io"),
        ("http://www.stark.industries/", "stark.industries"),
    ] {
        let id = add_client(&rita, typed, typed).await;
        assert_eq!(client_row(&app, id).await.1.as_deref(), Some(stored), "{typed}");
    }
    let without = add_client(&rita, "Small Shop", "").await;
    assert_eq!(client_row(&app, without).await.1, None, "the domain is optional");

    for bad in ["localhost", "not a domain", "192.168.1.10", "-bad-.com", "two..dots.com"] {
        let page = rita.submit("/clients/new", "/clients", &[("name", "Bad Domain Ltd"), ("domain", bad)]).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(
            page.field_error("domain").as_deref(),
            Some("Enter the company's web domain, like acme.com."),
            "{bad}"
        );
        assert_eq!(page.input_value("domain").as_deref(), Some(bad), "input kept");
        assert_eq!(page.input_value("name").as_deref(), Some("Bad Domain Ltd"));
    }
    assert_eq!(app.count("clients").await, 5);
}

#[tokio::test]
async fn a_second_client_with_the_same_domain_is_refused_with_a_link_to_the_first() {
    let app = spawn_app().await;
    let (_, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let globex = add_client(&rita, "Globex", "globex.com").await;
    let other = add_client(&rita, "Initech", "initech.com").await;

    let again = rita
        .submit("/clients/new", "/clients", &[("name", "Globex Ltd"), ("domain", "http://WWW.globex.com/about")])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = again.field_error("domain").unwrap();
    assert!(error.contains("Globex already has this web domain"), "{error}");
    assert!(
        again.text.contains(&format!(r#"<a href="/clients/{globex}">open Globex</a>"#)),
        "links to the existing client"
    );
    assert_eq!(again.input_value("name").as_deref(), Some("Globex Ltd"));
    assert_eq!(app.count("clients").await, 2);

    // An archived client still holds its domain.
    rita.submit(&format!("/clients/{globex}"), &format!("/clients/{globex}/archive"), &[]).await;
    let archived_clash =
        rita.submit("/clients/new", "/clients", &[("name", "Globex 2"), ("domain", "globex.com")]).await;
    assert_eq!(archived_clash.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Editing another client onto the domain is refused the same way, and nothing changes.
    let edit = rita
        .submit(
            &format!("/clients/{other}/edit"),
            &format!("/clients/{other}"),
            &[("name", "Initech"), ("domain", "globex.com"), ("notes", ""), ("version", "1")],
        )
        .await;
    assert_eq!(edit.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(edit.field_error("domain").unwrap().contains("Globex already has this web domain"));
    assert_eq!(edit.texts("h1"), ["Edit Initech"]);
    assert_eq!(client_row(&app, other).await.1.as_deref(), Some("initech.com"));

    // Saving a client with its own domain is no clash.
    let same = rita
        .submit(
            &format!("/clients/{other}/edit"),
            &format!("/clients/{other}"),
            &[("name", "Initech Inc"), ("domain", "www.initech.com"), ("notes", ""), ("version", "1")],
        )
        .await;
    assert_eq!(same.status, StatusCode::SEE_OTHER, "{}", same.text);

    // Another agency may have the same company as a client, and learns nothing of the first.
    let (_, bob) = desk(&app, "Beta Talent", "beta.test").await;
    let theirs = bob.submit("/clients/new", "/clients", &[("name", "Globex (Beta)"), ("domain", "globex.com")]).await;
    assert_eq!(theirs.status, StatusCode::SEE_OTHER, "{}", theirs.text);
    assert_eq!(app.count("clients").await, 3);
}

#[tokio::test]
async fn a_recruiter_edits_a_client_and_the_version_moves_on() {
    let app = spawn_app().await;
    let (_, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let id = add_client(&rita, "Globex", "globex.com").await;
    let form = rita.get(&format!("/clients/{id}/edit")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.input_value("name").as_deref(), Some("Globex"));
    assert_eq!(form.input_value("domain").as_deref(), Some("globex.com"));
    assert_eq!(form.input_value("version").as_deref(), Some("1"));

    let saved = rita
        .submit(
            &format!("/clients/{id}/edit"),
            &format!("/clients/{id}"),
            &[("name", "Globex Corporation"), ("domain", "globex.co.uk"), ("notes", "Key account."), ("version", "1")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(saved.location(), format!("/clients/{id}"));
    assert_eq!(
        client_row(&app, id).await,
        ("Globex Corporation".into(), Some("globex.co.uk".into()), Some("Key account.".into()), 2, false)
    );
    let page = rita.get(&format!("/clients/{id}")).await;
    assert!(page.text.contains("Globex Corporation saved."));
    assert_eq!(rita.get(&format!("/clients/{id}/edit")).await.input_value("version").as_deref(), Some("2"));
}

#[tokio::test]
async fn a_stale_client_edit_gets_409_with_what_changed_and_the_database_keeps_the_first_save() {
    let app = spawn_app().await;
    let (agency, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    app.create_recruiter(agency, "Sam Second", "sam@acme.test").await;
    let sam = app.signed_in("sam@acme.test").await;
    let id = add_client(&rita, "Globex", "globex.com").await;
    let edit = format!("/clients/{id}/edit");
    let action = format!("/clients/{id}");

    // Both open the form at version 1; Sam saves first.
    let first = sam
        .submit(
            &edit,
            &action,
            &[("name", "Globex Corporation"), ("domain", "globex.com"), ("notes", ""), ("version", "1")],
        )
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let stale = rita
        .submit(
            &edit,
            &action,
            &[("name", "Globex"), ("domain", "globex.com"), ("notes", "Rita's note"), ("version", "1")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.text.contains("Someone else saved this record while you were editing"));
    assert_eq!(conflict_rows(&stale), ["Company name | Globex Corporation | Globex", "Notes | — | Rita's note"]);
    assert_eq!(stale.input_value("name").as_deref(), Some("Globex"), "the user's values stay in the form");
    assert_eq!(stale.texts("#f-notes"), ["Rita's note"]);
    assert_eq!(stale.input_value("version").as_deref(), Some("2"), "the form now carries the current version");
    assert_eq!(client_row(&app, id).await, ("Globex Corporation".into(), Some("globex.com".into()), None, 2, false));

    // Saving the conflict page's form again applies Rita's version.
    let token = stale.csrf_token();
    let again = rita
        .post_raw(
            &action,
            &[
                ("name", "Globex"),
                ("domain", "globex.com"),
                ("notes", "Rita's note"),
                ("version", "2"),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(
        client_row(&app, id).await,
        ("Globex".into(), Some("globex.com".into()), Some("Rita's note".into()), 3, false)
    );

    // A form without a readable version is never applied blindly.
    let versionless = rita.submit(&edit, &action, &[("name", "Someone Else"), ("domain", ""), ("notes", "")]).await;
    assert_eq!(versionless.status, StatusCode::CONFLICT);
    assert_eq!(client_row(&app, id).await.0, "Globex");
}

#[tokio::test]
async fn archiving_a_client_takes_it_off_the_list_until_archived_clients_are_shown() {
    let app = spawn_app().await;
    let (_, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let id = add_client(&rita, "Globex", "globex.com").await;
    add_client(&rita, "Initech", "initech.com").await;
    let archived = rita.submit(&format!("/clients/{id}"), &format!("/clients/{id}/archive"), &[]).await;
    assert_eq!(archived.status, StatusCode::SEE_OTHER);
    assert_eq!(archived.location(), format!("/clients/{id}"));
    let page = rita.get(&format!("/clients/{id}")).await;
    assert!(page.text.contains("Globex is archived"));
    assert_eq!(page.texts("h1 .badge"), ["Archived"]);
    assert!(!page.text.contains("Add a job for this client"), "no new jobs for an archived client");
    assert!(client_row(&app, id).await.4);
    assert_eq!(client_row(&app, id).await.3, 1, "archiving leaves open edit forms valid");

    assert_eq!(rita.get("/clients").await.texts("tbody tr td:first-child"), ["Initech"]);
    let all = rita.get("/clients?archived=1").await;
    assert_eq!(all.texts("tbody tr td:first-child"), ["Globex Archived", "Initech"]);
    assert!(
        rita.get("/jobs/new").await.texts("#f-client_id option").iter().all(|o| o != "Globex"),
        "not offered for new jobs"
    );

    let back = rita.submit(&format!("/clients/{id}"), &format!("/clients/{id}/unarchive"), &[]).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    assert!(rita.get(&format!("/clients/{id}")).await.text.contains("Globex is back in your client list."));
    assert!(!client_row(&app, id).await.4);
    assert_eq!(rita.get("/clients").await.texts("tbody tr td:first-child"), ["Globex", "Initech"]);
    let actions = audit_actions(&app).await;
    assert!(actions.contains(&"client.archived".to_string()) && actions.contains(&"client.unarchived".to_string()));
}

#[tokio::test]
async fn the_client_list_searches_names_and_domains_ignoring_case() {
    let app = spawn_app().await;
    let (_, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    add_client(&rita, "Globex Corporation", "globex.com").await;
    add_client(&rita, "Initech", "initech-software.io").await;
    add_client(&rita, "Umbrella 100% Corp", "").await;
    let names = |page: &Page| page.texts("tbody tr td:first-child");
    assert_eq!(names(&rita.get("/clients?q=GLOBEX").await), ["Globex Corporation"]);
    assert_eq!(names(&rita.get("/clients?q=corp").await), ["Globex Corporation", "Umbrella 100% Corp"]);
    assert_eq!(names(&rita.get("/clients?q=Software.IO").await), ["Initech"], "matches the domain");
    assert_eq!(names(&rita.get("/clients?q=100%25").await), ["Umbrella 100% Corp"], "% is taken literally");
    assert!(names(&rita.get("/clients?q=%25%25%25x").await).is_empty());
    assert!(names(&rita.get("/clients?q=_").await).is_empty(), "_ is taken literally");
    let none = rita.get("/clients?q=nothing-like-this").await;
    assert!(none.texts(".empty")[0].starts_with("No clients match."));
    assert_eq!(none.input_value("q").as_deref(), Some("nothing-like-this"), "the search stays in the box");
}

#[tokio::test]
async fn the_client_list_pages_fifty_at_a_time_and_shows_every_client_once() {
    let app = spawn_app().await;
    let (agency, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let now = app.clock.now();
    app.with_db(move |conn| {
        for n in 0..123 {
            diesel::insert_into(clients::table)
                .values((
                    clients::agency_id.eq(agency),
                    clients::name.eq(format!("Paged Client {n:03}")),
                    clients::domain.eq(format!("paged{n}.example")),
                    clients::version.eq(1),
                    clients::created_at.eq(now),
                    clients::updated_at.eq(now + TimeDelta::seconds(n)),
                ))
                .execute(conn)
                .unwrap();
        }
        // One that the search leaves out.
        diesel::insert_into(clients::table)
            .values((
                clients::agency_id.eq(agency),
                clients::name.eq("Other Ltd"),
                clients::version.eq(1),
                clients::created_at.eq(now),
                clients::updated_at.eq(now),
            ))
            .execute(conn)
            .unwrap();
    })
    .await;

    for (sort, first) in [("name", "Paged Client 000"), ("updated", "Paged Client 122")] {
        let mut url = format!("/clients?q=paged&sort={sort}");
        let mut seen = Vec::new();
        let mut sizes = Vec::new();
        let mut pages = 0;
        loop {
            let page = rita.get(&url).await;
            assert_eq!(page.status, StatusCode::OK);
            let names = page.texts("tbody tr td:first-child");
            sizes.push(names.len());
            seen.extend(names);
            pages += 1;
            let next = page
                .html()
                .select(&scraper::Selector::parse(r#"a[rel="next"]"#).unwrap())
                .next()
                .map(|a| a.value().attr("href").unwrap().to_string());
            if pages == 2 {
                let previous = page
                    .html()
                    .select(&scraper::Selector::parse(r#"a[rel="prev"]"#).unwrap())
                    .next()
                    .map(|a| a.value().attr("href").unwrap().to_string());
                let previous = previous.expect("a link back");
                assert!(previous.contains("q=paged") && !previous.contains("page="), "{previous}");
            }
            match next {
                Some(next) => {
                    assert!(next.contains("q=paged"), "the search is kept: {next}");
                    assert!(sort == "name" || next.contains("sort=updated"), "the sort is kept: {next}");
                    url = next;
                }
                None => break,
            }
        }
        assert_eq!(sizes, [50, 50, 23], "{sort}");
        assert_eq!(seen[0], first, "{sort}");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 123, "every client exactly once ({sort})");
        assert!(!seen.iter().any(|n| n == "Other Ltd"));
    }
    // A page past the end is empty, not an error; a nonsense page number is the first page.
    assert!(rita.get("/clients?page=99").await.texts("tbody tr").is_empty());
    assert_eq!(rita.get("/clients?page=abc").await.texts("tbody tr").len(), 50);
}

#[tokio::test]
async fn the_client_list_counts_each_clients_open_jobs() {
    let app = spawn_app().await;
    let (agency, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let globex = add_client(&rita, "Globex", "globex.com").await;
    add_client(&rita, "Initech", "initech.com").await;
    let now = app.clock.now();
    app.with_db(move |conn| {
        for status in ["open", "open", "on_hold", "filled", "closed", "open"] {
            diesel::insert_into(jobs::table)
                .values((
                    jobs::agency_id.eq(agency),
                    jobs::client_id.eq(globex),
                    jobs::title.eq(format!("Job {status}")),
                    jobs::contract_type.eq("contract"),
                    jobs::remote.eq("remote"),
                    jobs::openings.eq(1),
                    jobs::status.eq(status),
                    jobs::version.eq(1),
                    jobs::created_at.eq(now),
                    jobs::updated_at.eq(now),
                ))
                .execute(conn)
                .unwrap();
        }
    })
    .await;
    let list = rita.get("/clients").await;
    assert_eq!(list.texts("tbody tr td.open-jobs"), ["3", "0"]);
    let page = rita.get(&format!("/clients/{globex}")).await;
    assert_eq!(page.texts("#jobs tbody tr").len(), 6, "the client page lists every job");
    let statuses = page.texts("#jobs tbody tr td:nth-child(2)");
    for status in ["Open", "On hold", "Filled", "Closed"] {
        assert!(statuses.iter().any(|s| s == status), "{status} in {statuses:?}");
    }
}

#[tokio::test]
async fn bad_client_input_comes_back_beside_the_fields_and_nothing_is_saved() {
    let app = spawn_app().await;
    let (_, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let huge = "x".repeat(1_000_000);
    let long_name = "N".repeat(201);
    let cases: Vec<(&str, &str, &str, &str, &str)> = vec![
        ("", "acme.com", "", "name", "Company name is required."),
        ("   ", "", "", "name", "Company name is required."),
        (&long_name, "", "", "name", "too long"),
        ("Globex", "acme", "", "domain", "like acme.com"),
        ("Globex", &huge, "", "domain", "too long"),
        ("Globex", "", &huge, "notes", "too long (at most 20000 characters)"),
    ];
    for (name, domain, notes, field, message) in cases {
        let page =
            rita.submit("/clients/new", "/clients", &[("name", name), ("domain", domain), ("notes", notes)]).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {message}");
        let error = page.field_error(field).unwrap_or_default();
        assert!(error.contains(message), "{field}: {error}");
        assert!(page.text.contains("Please fix"), "an error summary");
    }
    let both = rita.submit("/clients/new", "/clients", &[("name", ""), ("domain", "nope"), ("notes", "kept")]).await;
    assert!(both.field_error("name").is_some() && both.field_error("domain").is_some(), "every error at once");
    assert_eq!(both.texts("#f-notes"), ["kept"]);
    let unknown = rita.submit("/clients/new", "/clients", &[("name", "Globex"), ("agency_id", "1")]).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "unknown fields are refused");
    assert_eq!(app.count("clients").await, 0);
}

#[tokio::test]
async fn a_recruiter_adds_edits_and_archives_contacts_on_the_client_page() {
    let app = spawn_app().await;
    let (_, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let client = add_client(&rita, "Globex", "globex.com").await;
    let form = rita.get(&format!("/clients/{client}/contacts/new")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.texts("h1"), ["Add a contact at Globex"]);
    let added = rita
        .submit(
            &format!("/clients/{client}/contacts/new"),
            &format!("/clients/{client}/contacts"),
            &[
                ("name", "Hank Scorpio"),
                ("title", "CEO"),
                ("email", " Hank@Globex.com "),
                ("phone", "+1 (555) 010-0199"),
                ("notes", "Call mornings."),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    assert_eq!(added.location(), format!("/clients/{client}#contacts"));
    let page = rita.get(&format!("/clients/{client}")).await;
    assert!(page.text.contains("Hank Scorpio added to Globex."));
    assert_eq!(page.texts("#contacts .contact-name"), ["Hank Scorpio · CEO"]);
    assert!(page.text.contains(r#"href="mailto:hank@globex.com""#));
    assert!(page.text.contains(r#"href="tel:+15550100199""#));
    let (contact, email, version): (i64, Option<String>, i32) = app
        .with_db(|conn| contacts::table.select((contacts::id, contacts::email, contacts::version)).first(conn).unwrap())
        .await;
    assert_eq!((email.as_deref(), version), (Some("hank@globex.com"), 1));

    let edit = rita.get(&format!("/contacts/{contact}/edit")).await;
    assert_eq!(edit.input_value("email").as_deref(), Some("hank@globex.com"));
    assert_eq!(edit.input_value("version").as_deref(), Some("1"));
    let saved = rita
        .submit(
            &format!("/contacts/{contact}/edit"),
            &format!("/contacts/{contact}"),
            &[
                ("name", "Hank Scorpio"),
                ("title", "Founder"),
                ("email", ""),
                ("phone", ""),
                ("notes", ""),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert_eq!(
        rita.get(&format!("/clients/{client}")).await.texts("#contacts .contact-name"),
        ["Hank Scorpio · Founder"]
    );

    let archived = rita.submit(&format!("/clients/{client}"), &format!("/contacts/{contact}/archive"), &[]).await;
    assert_eq!(archived.status, StatusCode::SEE_OTHER);
    let page = rita.get(&format!("/clients/{client}")).await;
    assert!(page.text.contains("Hank Scorpio is archived."));
    assert!(page.texts("#contacts .contact-name").is_empty());
    assert_eq!(page.texts(".archived-contacts summary"), ["Archived contacts (1)"]);
    let actions = audit_actions(&app).await;
    assert!(actions.contains(&"contact.created".to_string()) && actions.contains(&"contact.archived".to_string()));
}

#[tokio::test]
async fn bad_contact_input_and_stale_contact_edits_save_nothing() {
    let app = spawn_app().await;
    let (_, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let client = add_client(&rita, "Globex", "globex.com").await;
    let new = format!("/clients/{client}/contacts/new");
    let create = format!("/clients/{client}/contacts");
    let huge = "x".repeat(1_000_000);
    for (fields, field, message) in [
        (vec![("name", ""), ("email", "")], "name", "Name is required."),
        (vec![("name", "Hank"), ("email", "not-an-email")], "email", "Enter an email address like name@example.com."),
        (vec![("name", "Hank"), ("phone", "call me")], "phone", "Enter a phone number"),
        (vec![("name", "Hank"), ("notes", huge.as_str())], "notes", "too long"),
    ] {
        let page = rita.submit(&new, &create, &fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(
            page.field_error(field).unwrap_or_default().contains(message),
            "{field}: {:?}",
            page.field_error(field)
        );
    }
    assert_eq!(app.count("contacts").await, 0);

    let created = rita.submit(&new, &create, &[("name", "Hank Scorpio"), ("email", "hank@globex.com")]).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let contact: i64 = app.with_db(|conn| contacts::table.select(contacts::id).first(conn).unwrap()).await;
    let edit = format!("/contacts/{contact}/edit");
    let action = format!("/contacts/{contact}");
    let first = rita
        .submit(
            &edit,
            &action,
            &[("name", "Hank Scorpio"), ("title", "CEO"), ("email", "hank@globex.com"), ("version", "1")],
        )
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let stale = rita
        .submit(
            &edit,
            &action,
            &[("name", "Hank Scorpio"), ("title", "CTO"), ("email", "hank@globex.com"), ("version", "1")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(conflict_rows(&stale), ["Job title | CEO | CTO"]);
    assert_eq!(stale.input_value("title").as_deref(), Some("CTO"));
    assert_eq!(stale.input_value("version").as_deref(), Some("2"));
    let title: Option<String> =
        app.with_db(move |conn| contacts::table.find(contact).select(contacts::title).first(conn).unwrap()).await;
    assert_eq!(title.as_deref(), Some("CEO"));
    let invalid = rita.submit(&edit, &action, &[("name", ""), ("version", "2")]).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid.texts("h1"), ["Edit Hank Scorpio"]);
}

/// Every route of this module with agency A's ids, as (method, path, form fields).
fn client_routes_with(client: i64, contact: i64) -> Vec<Request> {
    let client_form = vec![("name", "Taken Over"), ("domain", "taken.example"), ("notes", "x"), ("version", "1")];
    let contact_form =
        vec![("name", "Taken Over"), ("title", ""), ("email", ""), ("phone", ""), ("notes", ""), ("version", "1")];
    nextgig::routes::clients::ROUTES
        .iter()
        .filter(|(_, path)| path.contains("{id}"))
        .map(|(method, path)| {
            let id = if path.starts_with("/contacts") { contact } else { client };
            let fields = match (*method, *path) {
                ("POST", "/clients/{id}") => client_form.clone(),
                ("POST", "/clients/{id}/contacts" | "/contacts/{id}") => contact_form.clone(),
                _ => Vec::new(),
            };
            (*method, path.replace("{id}", &id.to_string()), fields)
        })
        .collect()
}

#[tokio::test]
async fn a_recruiter_of_another_agency_gets_404_for_every_client_and_contact_route() {
    let app = spawn_app().await;
    let (agency_a, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let client = rita
        .submit(
            "/clients/new",
            "/clients",
            &[("name", "CANARY Globex"), ("domain", "canary-globex.com"), ("notes", "CANARY notes")],
        )
        .await;
    let client = id_from(&client);
    rita.submit(
        &format!("/clients/{client}/contacts/new"),
        &format!("/clients/{client}/contacts"),
        &[("name", "CANARY Hank"), ("email", "canary@canary-globex.com"), ("notes", "CANARY contact notes")],
    )
    .await;
    let contact: i64 = app.with_db(|conn| contacts::table.select(contacts::id).first(conn).unwrap()).await;
    let before = client_snapshot(&app, agency_a).await;

    let (_, bob) = desk(&app, "Beta Talent", "beta.test").await;
    let own = add_client(&bob, "Beta Client", "beta-client.example").await;
    let routes = client_routes_with(client, contact);
    assert_eq!(routes.len(), nextgig::routes::clients::ROUTES.iter().filter(|(_, p)| p.contains("{id}")).count());
    let missing = client_routes_with(999_999, 999_999);
    for ((method, path, fields), (_, missing_path, _)) in routes.iter().zip(&missing) {
        let (foreign, absent) = if *method == "GET" {
            (bob.get(path).await, bob.get(missing_path).await)
        } else {
            (bob.submit("/clients", path, fields).await, bob.submit("/clients", missing_path, fields).await)
        };
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(foreign.without_tokens(), absent.without_tokens(), "{method} {path}: foreign answers like missing");
        assert!(!foreign.text.contains("CANARY"), "{method} {path}");
    }
    assert_eq!(client_snapshot(&app, agency_a).await, before, "nothing of agency A changed");

    // Nothing of A shows on B's pages, whatever the search.
    for path in [
        "/clients".to_string(),
        "/clients?archived=1&q=canary".to_string(),
        "/clients?q=globex&sort=updated".to_string(),
        format!("/clients/{own}"),
        format!("/clients/{own}/edit"),
        format!("/clients/{own}/contacts/new"),
        "/jobs?status=any".to_string(),
        "/jobs/new".to_string(),
        format!("/jobs/new?client_id={client}"),
    ] {
        let page = bob.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.text.contains("CANARY") && !page.text.contains("canary-globex"), "{path} shows agency A's data");
    }
    // B may add a client with A's domain: the guard is per agency and reveals nothing.
    let same =
        bob.submit("/clients/new", "/clients", &[("name", "Their Globex"), ("domain", "canary-globex.com")]).await;
    assert_eq!(same.status, StatusCode::SEE_OTHER);
}
