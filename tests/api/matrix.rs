//! The route × actor matrix, generated from the app's own route list (`nextgig::routes::all`):
//! every route that takes an id answers another agency's (or another contractor's) id exactly
//! like a missing one and changes nothing; every private route turns away visitors who are not
//! signed in, contractors on staff pages and staff on contractor pages. A route added without a
//! row here fails the test.

use std::collections::BTreeMap;

use diesel::prelude::*;
use nextgig::db::schema::{consents, contacts, hotlists, imports, invitations, outside_submissions, tasks};
use reqwest::StatusCode;

use crate::helpers::{Page, TestApp, TestClient, spawn_app};
use crate::pipeline::{ask_consent, contractor_joins, desk_with_job, put_forward};

/// Routes whose placeholder is not a record id: a secret token or a file name. They are
/// public by design and have their own tests (invitations, password reset, consent links,
/// one-click reminders, static files).
const NOT_IDS: &[&str] = &["{token}", "{path}"];

/// Pages anyone may open without signing in.
const PUBLIC: &[&str] = &[
    "/healthz",
    "/readyz",
    "/static/{path}",
    "/login",
    "/login/two-step",
    "/login/two-step/setup",
    "/logout",
    "/setup",
    "/password-reset",
    "/password-reset/{token}",
    "/invitations/{token}",
    "/consents/{token}",
    "/still-available/{token}",
    "/unsubscribe/{token}",
    "/calendar/{token}.ics",
    "/s/{token}",
    "/s/{token}/cv/{entry}",
];

/// Strings only Beta's records hold: none may reach Acme's staff or Acme's contractor, in a body,
/// a header or a redirect.
const BETA_CANARIES: &[&str] = &[
    "Beta Talent",
    "beta.test",
    "initech.example",
    "Pat Contact",
    "Call Joe",
    "Rustaceans",
    "Umbrella",
    "joe-own.txt",
];

/// Fails when `page` shows any of Beta's canaries.
fn assert_no_canary(page: &Page, what: &str) {
    let headers: Vec<String> = page.headers.iter().map(|(n, v)| format!("{n}: {}", v.to_str().unwrap_or(""))).collect();
    for canary in BETA_CANARIES {
        assert!(!page.text.contains(canary), "{what} shows Beta's {canary:?}");
        assert!(!headers.iter().any(|h| h.contains(canary)), "{what} has Beta's {canary:?} in a header");
    }
}

/// Beta's records, which Acme's staff and Acme's contractor try to reach.
struct Foreign {
    ids: BTreeMap<&'static str, i64>,
}

impl Foreign {
    /// The foreign id for a route pattern, by the resource it names.
    fn id_for(&self, pattern: &str) -> Option<i64> {
        let resource = pattern.trim_start_matches('/').split("/{id}").next()?;
        self.ids.get(resource).copied()
    }
}

async fn last_id(app: &TestApp, table: &'static str) -> i64 {
    app.with_db(move |conn| {
        let id = match table {
            "contacts" => contacts::table.select(contacts::id).order(contacts::id.desc()).first(conn),
            "tasks" => tasks::table.select(tasks::id).order(tasks::id.desc()).first(conn),
            "hotlists" => hotlists::table.select(hotlists::id).order(hotlists::id.desc()).first(conn),
            "imports" => imports::table.select(imports::id).order(imports::id.desc()).first(conn),
            "invitations" => invitations::table.select(invitations::id).order(invitations::id.desc()).first(conn),
            "consents" => consents::table.select(consents::id).order(consents::id.desc()).first(conn),
            "outside_submissions" => outside_submissions::table
                .select(outside_submissions::id)
                .order(outside_submissions::id.desc())
                .first(conn),
            other => panic!("no lookup for {other}"),
        };
        id.unwrap()
    })
    .await
}

/// What Beta (and Joe, Beta's contractor) hold, made through the app's own forms.
async fn beta_records(app: &TestApp) -> (Foreign, TestClient) {
    let beta = desk_with_job(app, "Beta Talent", "beta.test", "initech.example", "joe@example.com").await;
    let joe = contractor_joins(app, &beta).await;
    let submission = put_forward(&beta).await;
    assert_eq!(ask_consent(&beta, submission, &[]).await.status, StatusCode::SEE_OTHER);
    let consent = last_id(app, "consents").await;
    let client = format!("/clients/{}", beta.client_id);
    let added = beta
        .recruiter
        .submit(
            &format!("{client}/contacts/new"),
            &format!("{client}/contacts"),
            &[("name", "Pat Contact"), ("title", ""), ("email", ""), ("phone", ""), ("notes", ""), ("version", "")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    let contact = last_id(app, "contacts").await;
    let contractor = beta.contractor_id.to_string();
    let added = beta
        .recruiter
        .submit(
            "/tasks/new",
            "/tasks",
            &[
                ("title", "Call Joe"),
                ("due_on", "2026-12-01"),
                ("assignee_id", ""),
                ("contractor_id", &contractor),
                ("client_id", ""),
                ("job_id", ""),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    let task = last_id(app, "tasks").await;
    let added = beta.recruiter.submit("/hotlists", "/hotlists", &[("name", "Rustaceans"), ("description", "")]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    let hotlist = last_id(app, "hotlists").await;
    let import = crate::csv::import_id(&crate::csv::upload(&beta.recruiter, b"name,email\nAl,al@x.test\n").await);
    let admin = app.signed_in("admin@beta.test").await;
    let invited =
        admin.submit("/admin/team", "/admin/invitations", &[("email", "new@beta.test"), ("role", "recruiter")]).await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER, "{}", invited.text);
    let invitation = last_id(app, "invitations").await;
    let beta_recruiter: i64 = app
        .with_db(|conn| {
            use nextgig::db::schema::users;
            users::table.filter(users::email.eq("rita@beta.test")).select(users::id).first(conn).unwrap()
        })
        .await;
    let added = joe
        .submit(
            "/me/outside",
            "/me/outside",
            &[
                ("client_name", "Umbrella"),
                ("client_domain", "umbrella.example"),
                ("role_title", "SRE"),
                ("submitted_on", "2026-11-20"),
                ("notes", ""),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    let outside = last_id(app, "outside_submissions").await;
    let cv = b"Joe Beta\nRust engineer\n";
    let uploaded = crate::documents::upload(&beta.recruiter, beta.contractor_id, "cv", "joe.txt", cv).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.text);
    let agency_document = crate::documents::last_document(app).await;
    let uploaded = crate::documents::upload_own(&joe, "cv", "joe-own.txt", cv).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.text);
    let own_document = crate::documents::last_document(app).await;
    let (interview, offer, placement, stage) =
        pipeline_rows(app, beta.agency_id, submission, beta.contractor_id, beta.job_id).await;
    let ids = BTreeMap::from([
        ("contractors", beta.contractor_id),
        ("clients", beta.client_id),
        ("contacts", contact),
        ("jobs", beta.job_id),
        ("tasks", task),
        ("hotlists", hotlist),
        ("imports", import),
        ("submissions", submission),
        ("admin/team", beta_recruiter),
        ("admin/invitations", invitation),
        ("me/submissions", submission),
        ("me/consents", consent),
        ("me/outside", outside),
        ("me/agencies", beta.agency_id),
        ("interviews", interview),
        ("me/interviews", interview),
        ("offers", offer),
        ("placements", placement),
        ("admin/stages", stage),
        ("documents", agency_document),
        ("shortlists", crate::shortlists::foreign_shortlist(app, beta.agency_id, beta.job_id).await),
        ("me/documents", own_document),
    ]);
    (Foreign { ids }, joe)
}

/// An interview, an offer and a placement on Beta's submission, and one of Beta's stages (written
/// straight to the database: this test is about reaching them, not making them).
async fn pipeline_rows(app: &TestApp, agency: i64, submission: i64, contractor: i64, job: i64) -> (i64, i64, i64, i64) {
    app.with_db(move |conn| {
        use nextgig::db::schema::{interviews, offers, pipeline_stages, placements};
        let now = crate::helpers::start_time();
        let day = now.date();
        let interview = diesel::insert_into(interviews::table)
            .values((
                interviews::agency_id.eq(agency),
                interviews::submission_id.eq(submission),
                interviews::starts_at.eq(now),
                interviews::time_zone.eq("Europe/Berlin"),
                interviews::duration_minutes.eq(45),
                interviews::kind.eq("video"),
                interviews::outcome.eq("scheduled"),
                interviews::sequence.eq(0),
                interviews::created_at.eq(now),
                interviews::updated_at.eq(now),
            ))
            .returning(interviews::id)
            .get_result(conn)
            .unwrap();
        let offer = diesel::insert_into(offers::table)
            .values((
                offers::agency_id.eq(agency),
                offers::submission_id.eq(submission),
                offers::rate_minor.eq(9_000),
                offers::rate_currency.eq("EUR"),
                offers::rate_unit.eq("hour"),
                offers::start_date.eq(day),
                offers::below_floor.eq(false),
                offers::status.eq("made"),
                offers::created_at.eq(now),
            ))
            .returning(offers::id)
            .get_result(conn)
            .unwrap();
        let placement = diesel::insert_into(placements::table)
            .values((
                placements::agency_id.eq(agency),
                placements::submission_id.eq(submission),
                placements::contractor_id.eq(contractor),
                placements::job_id.eq(job),
                placements::start_date.eq(day),
                placements::end_date.eq(day + chrono::TimeDelta::days(180)),
                placements::pay_rate_minor.eq(9_000),
                placements::bill_rate_minor.eq(11_000),
                placements::currency.eq("EUR"),
                placements::rate_unit.eq("hour"),
                placements::status.eq("active"),
                placements::version.eq(1),
                placements::created_at.eq(now),
                placements::updated_at.eq(now),
            ))
            .returning(placements::id)
            .get_result(conn)
            .unwrap();
        let stage = pipeline_stages::table
            .filter(pipeline_stages::agency_id.eq(agency))
            .select(pipeline_stages::id)
            .first(conn)
            .unwrap();
        (interview, offer, placement, stage)
    })
    .await
}

/// A request as `who` to `pattern` with `id`; POSTs carry the actor's form token and no fields.
async fn call(who: &TestClient, method: &str, pattern: &str, id: &str, token: &str) -> Page {
    let path = pattern.replace("{id}", id);
    match method {
        "GET" => who.get(&path).await,
        _ => who.post_raw(&path, &[("csrf_token", token)]).await,
    }
}

/// Everything of Beta's that a request could change, as a comparable snapshot.
async fn beta_snapshot(app: &TestApp) -> Vec<String> {
    app.with_db(|conn| {
        use nextgig::db::schema::*;
        let mut rows = Vec::new();
        // Refusals are audited on purpose; anything else written to the log is a change.
        let audited = audit_log::table.filter(audit_log::action.ne_all(["access.denied", "csrf.failed"]));
        rows.push(format!("audit {}", audited.count().get_result::<i64>(conn).unwrap()));
        rows.push(format!("events {}", submission_events::table.count().get_result::<i64>(conn).unwrap()));
        rows.push(format!("activities {}", activities::table.count().get_result::<i64>(conn).unwrap()));
        let stamps: Vec<chrono::NaiveDateTime> =
            agency_contractors::table.select(agency_contractors::updated_at).load(conn).unwrap();
        rows.push(format!("contractors {stamps:?}"));
        let subs: Vec<(i64, Option<chrono::NaiveDateTime>)> =
            submissions::table.select((submissions::stage_id, submissions::closed_at)).load(conn).unwrap();
        rows.push(format!("submissions {subs:?}"));
        let decided: Vec<String> = consents::table.select(consents::status).load(conn).unwrap();
        rows.push(format!("consents {decided:?}"));
        let tasks: Vec<Option<chrono::NaiveDateTime>> = tasks::table.select(tasks::done_at).load(conn).unwrap();
        rows.push(format!("tasks {tasks:?}"));
        let users: Vec<Option<chrono::NaiveDateTime>> = users::table.select(users::disabled_at).load(conn).unwrap();
        rows.push(format!("users {users:?}"));
        rows.push(format!("outside {}", outside_submissions::table.count().get_result::<i64>(conn).unwrap()));
        rows.push(format!("documents {}", documents::table.count().get_result::<i64>(conn).unwrap()));
        rows.push(format!(
            "links {:?}",
            agency_contractors::table.select(agency_contractors::profile_id).load::<Option<i64>>(conn).unwrap()
        ));
        rows
    })
    .await
}

#[tokio::test]
async fn every_route_answers_another_agencys_or_another_contractors_id_like_a_missing_one() {
    let app = spawn_app().await;
    let acme = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let jane = contractor_joins(&app, &acme).await;
    let (foreign, _joe) = beta_records(&app).await;
    let ada = app.signed_in("admin@acme.test").await;
    let ada_token = ada.get("/").await.csrf_token();
    let jane_token = jane.get("/me").await.csrf_token();
    let before = beta_snapshot(&app).await;
    let mut checked = 0;
    for (method, pattern) in nextgig::routes::all() {
        if !pattern.contains('{') || NOT_IDS.iter().any(|p| pattern.contains(p)) {
            continue;
        }
        let id = foreign
            .id_for(pattern)
            .unwrap_or_else(|| panic!("{method} {pattern} is missing from the isolation matrix: add its resource"));
        let (who, token) = if pattern.starts_with("/me/") { (&jane, &jane_token) } else { (&ada, &ada_token) };
        let foreign_page = call(who, method, pattern, &id.to_string(), token).await;
        let missing_page = call(who, method, pattern, "999999999", token).await;
        let malformed_page = call(who, method, pattern, "abc", token).await;
        if method == "GET" {
            assert_eq!(foreign_page.status, StatusCode::NOT_FOUND, "{method} {pattern} with another's id");
        } else {
            // A form may be refused for its (empty) fields before the record is looked up: then
            // it is refused alike for a missing record, which the next assertion checks.
            assert!(foreign_page.status.is_client_error(), "{method} {pattern}: {}", foreign_page.status);
        }
        assert_eq!(foreign_page.status, missing_page.status, "{method} {pattern}: same status as a missing id");
        assert_eq!(
            foreign_page.without_tokens(),
            missing_page.without_tokens(),
            "{method} {pattern}: another's id answers exactly like a missing one"
        );
        assert!(malformed_page.status.is_client_error(), "{method} {pattern} with a malformed id");
        for (page, what) in
            [(&foreign_page, "another's id"), (&missing_page, "a missing id"), (&malformed_page, "a bad id")]
        {
            assert_no_canary(page, &format!("{method} {pattern} with {what}"));
        }
        checked += 1;
    }
    assert!(checked >= 60, "the matrix walked {checked} routes");
    assert_eq!(beta_snapshot(&app).await, before, "nothing of Beta's changed");
}

#[tokio::test]
async fn every_private_route_turns_away_visitors_contractors_on_staff_pages_and_staff_on_contractor_pages() {
    let app = spawn_app().await;
    let acme = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let jane = contractor_joins(&app, &acme).await;
    let submission = put_forward(&acme).await;
    let visitor = app.client();
    let visitor_token = visitor.get("/login").await.csrf_token();
    let jane_token = jane.get("/me").await.csrf_token();
    let rita_token = acme.recruiter.get("/").await.csrf_token();
    let own: BTreeMap<&str, i64> = BTreeMap::from([("submissions", submission), ("contractors", acme.contractor_id)]);
    // Dan was signed in when the admin disabled him: his kept cookie opens nothing.
    app.create_recruiter(acme.agency_id, "Dan Disabled", "dan@acme.test").await;
    let dan = app.signed_in("dan@acme.test").await;
    let dan_token = dan.get("/").await.csrf_token();
    let dan_id: i64 = app
        .with_db(|conn| {
            use nextgig::db::schema::users;
            users::table.filter(users::email.eq("dan@acme.test")).select(users::id).first(conn).unwrap()
        })
        .await;
    let admin = app.signed_in("admin@acme.test").await;
    let disabled = admin.submit("/admin/team", &format!("/admin/team/{dan_id}/disable"), &[]).await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER, "{}", disabled.text);
    let before = beta_snapshot(&app).await;
    for (method, pattern) in nextgig::routes::all() {
        if PUBLIC.contains(&pattern) {
            continue;
        }
        if pattern.contains('{') && NOT_IDS.iter().any(|p| pattern.contains(p)) {
            panic!("{method} {pattern}: a token route must be listed as public");
        }
        let resource = pattern.trim_start_matches('/').split("/{id}").next().unwrap();
        let id = own.get(resource).copied().unwrap_or(1).to_string();
        // Not signed in, or signed in before being disabled: sent to sign in (pages) or refused
        // (forms).
        for (who, token, kind) in [(&visitor, &visitor_token, "anonymous"), (&dan, &dan_token, "disabled")] {
            let page = call(who, method, pattern, &id, token).await;
            match method {
                "GET" => {
                    assert_eq!(page.status, StatusCode::SEE_OTHER, "{kind} GET {pattern}");
                    assert!(page.location().starts_with("/login"), "{kind} GET {pattern} goes to sign in");
                }
                _ => assert!(
                    [StatusCode::SEE_OTHER, StatusCode::FORBIDDEN, StatusCode::UNAUTHORIZED].contains(&page.status)
                        && (page.status != StatusCode::SEE_OTHER || page.location().starts_with("/login")),
                    "{kind} POST {pattern}: {} {}",
                    page.status,
                    page.location()
                ),
            }
        }
        // The other kind of account: refused.
        let (who, token, kind) = if pattern.starts_with("/me") {
            (&acme.recruiter, &rita_token, "a recruiter")
        } else if pattern == "/" || pattern.starts_with("/account") {
            continue; // both kinds have a home and an account page
        } else {
            (&jane, &jane_token, "a contractor")
        };
        let page = call(who, method, pattern, &id, token).await;
        assert!(
            [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND, StatusCode::SEE_OTHER].contains(&page.status)
                && !(page.status == StatusCode::SEE_OTHER
                    && method == "POST"
                    && !page.location().starts_with("/login")),
            "{kind} on {method} {pattern}: {}",
            page.status
        );
        if page.status == StatusCode::SEE_OTHER {
            assert!(
                page.location().starts_with("/login") || page.location() == "/me" || page.location() == "/",
                "{kind} on {method} {pattern} sent to {}",
                page.location()
            );
        }
    }
    assert_eq!(beta_snapshot(&app).await, before, "nothing changed");
}
