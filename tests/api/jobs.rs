//! Jobs: create, view, edit; skills in the shared vocabulary; the list's filters, sort and paging;
//! stale edits; bad input; and isolation between agencies.

use chrono::TimeDelta;
use diesel::prelude::*;
use nextgig::db::schema::{audit_log, job_skills, jobs, skills};
use reqwest::StatusCode;

use crate::clients::{add_client, conflict_rows, desk, id_from};
use crate::helpers::{Page, TestApp, TestClient, advance, spawn_app};

/// A complete job form for `client`, with `changes` applied.
fn job_fields(client: i64, changes: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut fields: Vec<(&'static str, String)> = [
        ("client_id", client.to_string()),
        ("title", "Rust Engineer".to_string()),
        ("description", String::new()),
        ("skills", String::new()),
        ("contract_type", "contract".to_string()),
        ("duration_months", String::new()),
        ("start_date", String::new()),
        ("rate_min", String::new()),
        ("rate_max", String::new()),
        ("rate_unit", "hour".to_string()),
        ("rate_currency", "EUR".to_string()),
        ("location", String::new()),
        ("remote", "hybrid".to_string()),
        ("openings", "1".to_string()),
        ("status", "open".to_string()),
        ("owner_id", String::new()),
    ]
    .into();
    for (name, value) in changes {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = (*value).to_string(),
            None => fields.push((name, (*value).to_string())),
        }
    }
    fields
}

fn as_refs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(n, v)| (*n, v.as_str())).collect()
}

async fn submit_job(user: &TestClient, action: &str, client: i64, changes: &[(&'static str, &str)]) -> Page {
    let fields = job_fields(client, changes);
    user.submit("/jobs/new", action, &as_refs(&fields)).await
}

/// Adds a job through the form; returns its id.
pub async fn add_job(user: &TestClient, client: i64, changes: &[(&'static str, &str)]) -> i64 {
    id_from(&submit_job(user, "/jobs", client, changes).await)
}

async fn audit(app: &TestApp) -> Vec<(String, String)> {
    app.with_db(|conn| {
        audit_log::table.order(audit_log::id.asc()).select((audit_log::action, audit_log::detail)).load(conn).unwrap()
    })
    .await
}

/// Agency `agency`'s jobs as text, to compare before and after.
async fn job_snapshot(app: &TestApp, agency: i64) -> String {
    app.with_db(move |conn| {
        let rows: Vec<(i64, String, String, i32, i64, Option<String>)> = jobs::table
            .filter(jobs::agency_id.eq(agency))
            .select((jobs::id, jobs::title, jobs::status, jobs::version, jobs::client_id, jobs::description))
            .load(conn)
            .unwrap();
        format!("{rows:?}")
    })
    .await
}

fn titles(page: &Page) -> Vec<String> {
    page.texts("tbody tr td:first-child a")
}

#[tokio::test]
async fn a_recruiter_adds_a_job_with_every_detail_and_sees_it_all_on_its_page() {
    let app = spawn_app().await;
    let (agency, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let sam = app.create_recruiter(agency, "Sam Second", "sam@acme.test").await;
    let client = add_client(&rita, "Globex", "globex.com").await;
    let sam_id = sam.to_string();
    let created = submit_job(
        &rita,
        "/jobs",
        client,
        &[
            ("title", "Senior Rust Engineer"),
            ("description", "Build the payments platform.\nRust, Postgres."),
            ("skills", "rust, Postgres , k8s"),
            ("contract_type", "contract_to_hire"),
            ("duration_months", "6"),
            ("start_date", "2027-01-04"),
            ("rate_min", "80"),
            ("rate_max", "95.50"),
            ("rate_unit", "hour"),
            ("rate_currency", "GBP"),
            ("location", "London"),
            ("remote", "remote"),
            ("openings", "2"),
            ("status", "open"),
            ("owner_id", &sam_id),
        ],
    )
    .await;
    let id = id_from(&created);
    assert_eq!(created.location(), format!("/jobs/{id}"));
    let page = rita.get(&format!("/jobs/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Senior Rust Engineer added."));
    assert_eq!(page.texts("h1"), ["Senior Rust Engineer Open"]);
    let facts: Vec<String> =
        page.texts(".facts dt").into_iter().zip(page.texts(".facts dd")).map(|(t, d)| format!("{t}: {d}")).collect();
    for expected in [
        "Client: Globex",
        "Status: Open",
        "Contract: Contract-to-hire",
        "Duration: 6 months",
        "Start: 4 Jan 2027",
        "Rate: GBP 80 – 95.50/hour",
        "Location: London",
        "Remote: Remote",
        "Openings: 2",
        "Owner: Sam Second",
    ] {
        assert!(facts.contains(&expected.to_string()), "{expected} in {facts:?}");
    }
    assert_eq!(page.texts(".skill-list .badge"), ["Kubernetes", "PostgreSQL", "Rust"]);
    assert!(page.text.contains("Build the payments platform.\nRust, Postgres."));
    assert_eq!(
        page.texts("#pipeline .empty"),
        [
            "Nobody is in this job's pipeline yet. Find candidates by the job's skills, or put someone forward by name below."
        ]
    );
    assert!(page.text.contains(&format!(r#"href="/clients/{client}""#)));

    type Stored = (i64, Option<i64>, Option<i64>, Option<String>, Option<String>, i32, String, Option<i64>);
    let stored: Stored = app
        .with_db(move |conn| {
            jobs::table
                .find(id)
                .select((
                    jobs::client_id,
                    jobs::rate_min_minor,
                    jobs::rate_max_minor,
                    jobs::rate_currency,
                    jobs::rate_unit,
                    jobs::openings,
                    jobs::status,
                    jobs::owner_id,
                ))
                .first(conn)
                .unwrap()
        })
        .await;
    assert_eq!(
        stored,
        (client, Some(8000), Some(9550), Some("GBP".into()), Some("hour".into()), 2, "open".into(), Some(sam))
    );
    assert!(audit(&app).await.contains(&("job.created".into(), "Senior Rust Engineer".into())));

    // The client page lists it, and the job list shows it with its skills.
    assert_eq!(
        rita.get(&format!("/clients/{client}")).await.texts("#jobs tbody td:first-child"),
        ["Senior Rust Engineer"]
    );
    let list = rita.get("/jobs").await;
    assert_eq!(titles(&list), ["Senior Rust Engineer"]);
    assert_eq!(list.texts("tbody tr td:nth-child(4) .badge"), ["Kubernetes", "PostgreSQL", "Rust"]);
}

#[tokio::test]
async fn a_new_job_from_a_client_page_starts_with_that_client_and_the_recruiter_as_owner() {
    let app = spawn_app().await;
    let (agency, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let disabled = app.create_recruiter(agency, "Gone Person", "gone@acme.test").await;
    app.with_db(move |conn| {
        diesel::update(nextgig::db::schema::users::table.find(disabled))
            .set(nextgig::db::schema::users::disabled_at.eq(Some(chrono::Utc::now().naive_utc())))
            .execute(conn)
            .unwrap()
    })
    .await;
    add_client(&rita, "Initech", "initech.com").await;
    let client = add_client(&rita, "Globex", "globex.com").await;
    let form = rita.get(&format!("/jobs/new?client_id={client}")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.texts("h1"), ["Add a job for Globex"]);
    assert_eq!(form.texts("#f-client_id option[selected]"), ["Globex"]);
    assert_eq!(form.texts("#f-owner_id option[selected]"), ["Rita Recruiter"]);
    assert_eq!(form.texts("#f-status option[selected]"), ["Open"]);
    assert_eq!(form.input_value("openings").as_deref(), Some("1"));
    assert!(!form.texts("#f-owner_id option").contains(&"Gone Person".to_string()), "disabled staff are not offered");
    assert_eq!(
        rita.get("/jobs/new?client_id=999999").await.texts("#f-client_id option[selected]"),
        Vec::<String>::new()
    );

    // A disabled member cannot be made the owner.
    let refused = submit_job(&rita, "/jobs", client, &[("owner_id", &disabled.to_string())]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.field_error("owner_id").as_deref(), Some("Choose someone from your team."));
}

#[tokio::test]
async fn job_skills_are_normalised_into_one_shared_vocabulary() {
    let app = spawn_app().await;
    let (_, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let client = add_client(&rita, "Globex", "globex.com").await;
    let first = add_job(&rita, client, &[("skills", "Postgres, rust")]).await;
    let second = add_job(
        &rita,
        client,
        &[("title", "Data Engineer"), ("skills", "postgresql; PostgreSQL , RUST,  Event   Sourcing")],
    )
    .await;
    let names: Vec<String> =
        app.with_db(|conn| skills::table.order(skills::name.asc()).select(skills::name).load(conn).unwrap()).await;
    assert_eq!(names, ["Event Sourcing", "PostgreSQL", "Rust"], "one row per skill");
    assert_eq!(rita.get(&format!("/jobs/{first}")).await.texts(".skill-list .badge"), ["PostgreSQL", "Rust"]);
    assert_eq!(
        rita.get(&format!("/jobs/{second}")).await.texts(".skill-list .badge"),
        ["Event Sourcing", "PostgreSQL", "Rust"]
    );
    assert_eq!(app.count("job_skills").await, 5);

    // Editing replaces the job's skills; the edit form shows them as a list.
    let edit = rita.get(&format!("/jobs/{first}/edit")).await;
    assert_eq!(edit.input_value("skills").as_deref(), Some("PostgreSQL, Rust"));
    let fields = job_fields(client, &[("skills", "Go, golang"), ("version", "1")]);
    let saved = rita.submit(&format!("/jobs/{first}/edit"), &format!("/jobs/{first}"), &as_refs(&fields)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert_eq!(rita.get(&format!("/jobs/{first}")).await.texts(".skill-list .badge"), ["Go"]);
    let first_skills: i64 = app
        .with_db(move |conn| job_skills::table.filter(job_skills::job_id.eq(first)).count().get_result(conn).unwrap())
        .await;
    assert_eq!(first_skills, 1);
}

#[tokio::test]
async fn the_job_list_shows_open_jobs_and_filters_by_status_client_owner_and_title() {
    let app = spawn_app().await;
    let (agency, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let sam = app.create_recruiter(agency, "Sam Second", "sam@acme.test").await.to_string();
    let globex = add_client(&rita, "Globex", "globex.com").await;
    let initech = add_client(&rita, "Initech", "initech.com").await;
    add_job(&rita, globex, &[("title", "Rust Engineer")]).await;
    add_job(&rita, globex, &[("title", "Go Developer"), ("owner_id", &sam)]).await;
    add_job(&rita, initech, &[("title", "Rust Architect"), ("status", "on_hold")]).await;
    add_job(&rita, initech, &[("title", "Data Analyst"), ("status", "filled")]).await;
    add_job(&rita, initech, &[("title", "SRE"), ("status", "closed"), ("owner_id", &sam)]).await;
    let sorted = |page: Page| {
        let mut t = titles(&page);
        t.sort();
        t
    };
    assert_eq!(sorted(rita.get("/jobs").await), ["Go Developer", "Rust Engineer"], "open jobs by default");
    assert_eq!(sorted(rita.get("/jobs?status=on_hold").await), ["Rust Architect"]);
    assert_eq!(sorted(rita.get("/jobs?status=active").await), ["Go Developer", "Rust Architect", "Rust Engineer"]);
    assert_eq!(sorted(rita.get("/jobs?status=filled").await), ["Data Analyst"]);
    assert_eq!(sorted(rita.get("/jobs?status=closed").await), ["SRE"]);
    assert_eq!(sorted(rita.get("/jobs?status=any").await).len(), 5);
    assert_eq!(
        sorted(rita.get(&format!("/jobs?status=any&client_id={initech}")).await),
        ["Data Analyst", "Rust Architect", "SRE"]
    );
    assert_eq!(sorted(rita.get(&format!("/jobs?status=any&owner_id={sam}")).await), ["Go Developer", "SRE"]);
    assert_eq!(sorted(rita.get("/jobs?status=any&q=RUST").await), ["Rust Architect", "Rust Engineer"]);
    let combined = rita.get(&format!("/jobs?status=any&q=rust&client_id={globex}")).await;
    assert_eq!(sorted(combined), ["Rust Engineer"]);
    assert!(titles(&rita.get("/jobs?q=%25").await).is_empty(), "% is taken literally");

    // The filters stay in the form.
    let page = rita.get(&format!("/jobs?status=on_hold&client_id={initech}&owner_id={sam}&q=x&sort=title")).await;
    assert_eq!(page.texts("#f-status option[selected]"), ["On hold"]);
    assert_eq!(page.texts("#f-client_id option[selected]"), ["Initech"]);
    assert_eq!(page.texts("#f-owner_id option[selected]"), ["Sam Second"]);
    assert_eq!(page.texts("#f-sort option[selected]"), ["Title"]);
    assert_eq!(page.input_value("q").as_deref(), Some("x"));
    assert!(page.texts(".empty")[0].starts_with("No jobs match these filters."));
    // Nonsense filter values fall back to the defaults rather than failing.
    assert_eq!(rita.get("/jobs?status=bogus&client_id=abc&owner_id=-1&sort=zzz&page=x").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_job_list_sorts_by_update_title_client_and_start_date() {
    let app = spawn_app().await;
    let (_, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let zeta = add_client(&rita, "Zeta Labs", "zeta.example").await;
    let alpha = add_client(&rita, "alpha works", "alpha.example").await;
    add_job(&rita, zeta, &[("title", "beta role"), ("start_date", "2027-03-01")]).await;
    advance(&app, TimeDelta::minutes(1));
    add_job(&rita, alpha, &[("title", "Gamma role")]).await;
    advance(&app, TimeDelta::minutes(1));
    add_job(&rita, zeta, &[("title", "Alpha role"), ("start_date", "2027-01-15")]).await;
    assert_eq!(titles(&rita.get("/jobs").await), ["Alpha role", "Gamma role", "beta role"], "recently updated first");
    assert_eq!(titles(&rita.get("/jobs?sort=title").await), ["Alpha role", "beta role", "Gamma role"], "ignoring case");
    assert_eq!(titles(&rita.get("/jobs?sort=client").await), ["Gamma role", "Alpha role", "beta role"]);
    assert_eq!(
        titles(&rita.get("/jobs?sort=start").await),
        ["Alpha role", "beta role", "Gamma role"],
        "no start date last"
    );
}

#[tokio::test]
async fn the_job_list_pages_with_the_filters_kept_and_shows_every_job_once() {
    let app = spawn_app().await;
    let (agency, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let client = add_client(&rita, "Globex", "globex.com").await;
    let now = app.clock.now();
    app.with_db(move |conn| {
        for n in 0..107 {
            let status = if n % 10 == 0 { "closed" } else { "open" };
            diesel::insert_into(jobs::table)
                .values((
                    jobs::agency_id.eq(agency),
                    jobs::client_id.eq(client),
                    jobs::title.eq(format!("Engineer {n:03}")),
                    jobs::contract_type.eq("contract"),
                    jobs::remote.eq("remote"),
                    jobs::openings.eq(1),
                    jobs::status.eq(status),
                    jobs::version.eq(1),
                    jobs::created_at.eq(now),
                    jobs::updated_at.eq(now + TimeDelta::seconds(n % 7)),
                ))
                .execute(conn)
                .unwrap();
        }
    })
    .await;
    let expected_open = (0..107).filter(|n| n % 10 != 0).count();
    for (start, expected) in [
        (format!("/jobs?q=engineer&client_id={client}"), expected_open),
        ("/jobs?status=any&sort=title".to_string(), 107),
        ("/jobs?status=any&sort=start".to_string(), 107),
    ] {
        let mut url = start.clone();
        let mut seen = Vec::new();
        loop {
            let page = rita.get(&url).await;
            let rows = titles(&page);
            assert!(rows.len() <= 50);
            seen.extend(rows);
            let next = page
                .html()
                .select(&scraper::Selector::parse(r#"a[rel="next"]"#).unwrap())
                .next()
                .map(|a| a.value().attr("href").unwrap().to_string());
            match next {
                Some(next) => {
                    for kept in start.trim_start_matches("/jobs?").split('&') {
                        assert!(next.contains(kept), "{kept} kept in {next}");
                    }
                    url = next;
                }
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!((seen.len(), unique.len()), (expected, expected), "{start}: every job exactly once");
    }
}

#[tokio::test]
async fn a_stale_job_edit_gets_409_with_the_conflict_and_the_database_keeps_the_first_save() {
    let app = spawn_app().await;
    let (agency, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    app.create_recruiter(agency, "Sam Second", "sam@acme.test").await;
    let sam = app.signed_in("sam@acme.test").await;
    let client = add_client(&rita, "Globex", "globex.com").await;
    let id = add_job(&rita, client, &[("title", "Rust Engineer"), ("skills", "Rust"), ("rate_min", "80")]).await;
    let edit = format!("/jobs/{id}/edit");
    let action = format!("/jobs/{id}");

    let sams = job_fields(
        client,
        &[("title", "Rust Engineer"), ("skills", "Rust"), ("rate_min", "85"), ("status", "on_hold"), ("version", "1")],
    );
    assert_eq!(sam.submit(&edit, &action, &as_refs(&sams)).await.status, StatusCode::SEE_OTHER);
    let ritas = job_fields(
        client,
        &[("title", "Senior Rust Engineer"), ("skills", "rust, postgres"), ("rate_min", "80"), ("version", "1")],
    );
    let stale = rita.submit(&edit, &action, &as_refs(&ritas)).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.text.contains("Someone else saved this record while you were editing"));
    assert_eq!(
        conflict_rows(&stale),
        [
            "Job title | Rust Engineer | Senior Rust Engineer",
            "Required skills | Rust | Rust, PostgreSQL",
            "Minimum rate | 85 | 80",
            "Status | On hold | Open",
        ]
    );
    assert_eq!(stale.input_value("title").as_deref(), Some("Senior Rust Engineer"));
    assert_eq!(stale.input_value("version").as_deref(), Some("2"));
    let stored: (String, Option<i64>, String, i32) = app
        .with_db(move |conn| {
            jobs::table
                .find(id)
                .select((jobs::title, jobs::rate_min_minor, jobs::status, jobs::version))
                .first(conn)
                .unwrap()
        })
        .await;
    assert_eq!(stored, ("Rust Engineer".into(), Some(8500), "on_hold".into(), 2));

    // Saving again from the conflict page applies Rita's version on top.
    let token = stale.csrf_token();
    let mut again = job_fields(
        client,
        &[("title", "Senior Rust Engineer"), ("skills", "rust, postgres"), ("rate_min", "80"), ("version", "2")],
    );
    again.push(("csrf_token", token));
    assert_eq!(rita.post_raw(&action, &as_refs(&again)).await.status, StatusCode::SEE_OTHER);
    let page = rita.get(&action).await;
    assert_eq!(page.texts("h1"), ["Senior Rust Engineer Open"]);
    assert_eq!(page.texts(".skill-list .badge"), ["PostgreSQL", "Rust"]);
}

#[tokio::test]
async fn a_change_of_status_is_written_to_the_audit_log() {
    let app = spawn_app().await;
    let (_, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let client = add_client(&rita, "Globex", "globex.com").await;
    let id = add_job(&rita, client, &[("title", "Rust Engineer")]).await;
    let edit = format!("/jobs/{id}/edit");
    let action = format!("/jobs/{id}");
    let retitled = job_fields(client, &[("title", "Rust Engineer (London)"), ("version", "1")]);
    assert_eq!(rita.submit(&edit, &action, &as_refs(&retitled)).await.status, StatusCode::SEE_OTHER);
    assert!(!audit(&app).await.iter().any(|(a, _)| a == "job.status_changed"), "no status change yet");
    let filled = job_fields(client, &[("title", "Rust Engineer (London)"), ("status", "filled"), ("version", "2")]);
    assert_eq!(rita.submit(&edit, &action, &as_refs(&filled)).await.status, StatusCode::SEE_OTHER);
    assert!(audit(&app).await.contains(&("job.status_changed".into(), "Rust Engineer (London): Open → Filled".into())));
    assert!(titles(&rita.get("/jobs").await).is_empty(), "a filled job leaves the open list");
    assert_eq!(titles(&rita.get("/jobs?status=filled").await), ["Rust Engineer (London)"]);
}

#[tokio::test]
async fn bad_job_input_comes_back_beside_each_field_and_nothing_is_saved() {
    let app = spawn_app().await;
    let (_, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let client = add_client(&rita, "Globex", "globex.com").await;
    let huge = "x".repeat(1_000_000);
    let fifty = (0..50).map(|n| format!("skill {n}")).collect::<Vec<_>>().join(", ");
    type Case<'a> = (Vec<(&'static str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (vec![("title", "")], "title", "Job title is required."),
        (vec![("client_id", "")], "client_id", "Choose the client this job is for."),
        (vec![("client_id", "999999")], "client_id", "Choose a client from the list."),
        (vec![("rate_min", "-50")], "rate_min", "Minimum rate must not be negative."),
        (vec![("rate_min", "abc")], "rate_min", "Minimum rate must be an amount like 85 or 85.50."),
        (vec![("rate_min", "100"), ("rate_max", "90")], "rate_max", "Maximum rate must be at least the minimum rate."),
        (vec![("rate_min", "100"), ("rate_currency", "EURO")], "rate_currency", "three-letter currency code"),
        (vec![("rate_min", "100"), ("rate_unit", "week")], "rate_unit", "Rate unit must be one of"),
        (vec![("openings", "0")], "openings", "Openings must be between 1 and 1000."),
        (vec![("openings", "lots")], "openings", "Openings must be a whole number."),
        (vec![("duration_months", "-3")], "duration_months", "Duration must be between 1 and 120."),
        (vec![("start_date", "31/12/2026")], "start_date", "Start date must be a date like 2026-12-31."),
        (vec![("skills", fifty.as_str())], "skills", "at most 40 skills (this list has 50)."),
        (vec![("description", huge.as_str())], "description", "too long (at most 20000 characters)"),
        (vec![("title", huge.as_str())], "title", "too long"),
        (vec![("contract_type", "freelance")], "contract_type", "Contract type must be one of"),
        (vec![("remote", "")], "remote", "Choose on site, hybrid or remote."),
        (vec![("status", "won")], "status", "Status must be one of"),
        (vec![("owner_id", "999999")], "owner_id", "Choose someone from your team."),
    ];
    for (changes, field, message) in cases {
        let page = submit_job(&rita, "/jobs", client, &changes).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {message}");
        let error = page.field_error(field).unwrap_or_default();
        assert!(error.contains(message), "{field}: {error:?}");
    }
    let several = submit_job(
        &rita,
        "/jobs",
        client,
        &[("title", ""), ("rate_min", "-1"), ("openings", "0"), ("location", "Berlin")],
    )
    .await;
    assert!(["title", "rate_min", "openings"].iter().all(|f| several.field_error(f).is_some()), "every error at once");
    assert_eq!(several.input_value("location").as_deref(), Some("Berlin"), "input kept");
    assert_eq!(several.input_value("rate_min").as_deref(), Some("-1"));
    assert_eq!(several.texts("#f-client_id option[selected]"), ["Globex"]);
    let unknown = submit_job(&rita, "/jobs", client, &[("agency_id", "1")]).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "unknown fields are refused");
    assert_eq!(app.count("jobs").await, 0);
    assert_eq!(app.count("skills").await, 0, "nothing half-saved");

    // The same checks apply on edit, and the job stays as it was.
    let id = add_job(&rita, client, &[("title", "Rust Engineer"), ("openings", "2")]).await;
    let fields = job_fields(client, &[("title", "Rust Engineer"), ("openings", "0"), ("version", "1")]);
    let page = rita.submit(&format!("/jobs/{id}/edit"), &format!("/jobs/{id}"), &as_refs(&fields)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.texts("h1"), ["Edit Rust Engineer"]);
    assert_eq!(page.input_value("version").as_deref(), Some("1"));
    let openings: i32 = app.with_db(move |conn| jobs::table.find(id).select(jobs::openings).first(conn).unwrap()).await;
    assert_eq!(openings, 2);
}

#[tokio::test]
async fn an_agency_without_clients_or_jobs_is_told_what_to_do_next() {
    let app = spawn_app().await;
    let (_, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let jobs = rita.get("/jobs").await;
    assert!(jobs.texts(".empty")[0].starts_with("No jobs yet."));
    assert!(jobs.text.contains(r#"href="/clients/new""#));
    assert!(rita.get("/jobs/new").await.texts(".empty")[0].contains("Add your first client"));
    add_client(&rita, "Globex", "globex.com").await;
    assert!(rita.get("/jobs").await.texts(".empty")[0].starts_with("No open jobs."));
}

#[tokio::test]
async fn a_job_form_with_another_agencys_client_or_recruiter_is_refused_without_revealing_them() {
    let app = spawn_app().await;
    let (agency_a, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let canary_user = app.create_recruiter(agency_a, "CANARY Recruiter", "canary@acme.test").await;
    let theirs = add_client(&rita, "CANARY Globex", "canary-globex.com").await;
    let (_, bob) = desk(&app, "Beta Talent", "beta.test").await;
    let own = add_client(&bob, "Beta Client", "beta-client.example").await;

    let foreign = submit_job(&bob, "/jobs", theirs, &[("title", "Sneaky")]).await;
    let missing = submit_job(&bob, "/jobs", 999_999, &[("title", "Sneaky")]).await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(foreign.field_error("client_id").as_deref(), Some("Choose a client from the list."));
    assert_eq!(foreign.field_error("client_id"), missing.field_error("client_id"), "foreign reads like missing");
    assert!(!foreign.text.contains("CANARY"));
    let foreign_owner = submit_job(&bob, "/jobs", own, &[("owner_id", &canary_user.to_string())]).await;
    assert_eq!(foreign_owner.field_error("owner_id").as_deref(), Some("Choose someone from your team."));
    assert!(!foreign_owner.text.contains("CANARY"));

    // Moving B's own job onto A's client is refused the same way.
    let job = add_job(&bob, own, &[("title", "Beta Job")]).await;
    let fields = job_fields(theirs, &[("title", "Beta Job"), ("version", "1")]);
    let moved = bob.submit(&format!("/jobs/{job}/edit"), &format!("/jobs/{job}"), &as_refs(&fields)).await;
    assert_eq!(moved.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!moved.text.contains("CANARY"));
    let (client_of_job, jobs_of_a): (i64, i64) = app
        .with_db(move |conn| {
            (
                jobs::table.find(job).select(jobs::client_id).first(conn).unwrap(),
                jobs::table.filter(jobs::client_id.eq(theirs)).count().get_result(conn).unwrap(),
            )
        })
        .await;
    assert_eq!((client_of_job, jobs_of_a), (own, 0));
}

#[tokio::test]
async fn a_recruiter_of_another_agency_gets_404_for_every_job_route() {
    let app = spawn_app().await;
    let (agency_a, rita) = desk(&app, "Acme Staffing", "acme.test").await;
    let client = add_client(&rita, "CANARY Globex", "canary-globex.com").await;
    let job = add_job(
        &rita,
        client,
        &[("title", "CANARY Rust Engineer"), ("description", "CANARY brief"), ("skills", "CanarySkill")],
    )
    .await;
    let before = job_snapshot(&app, agency_a).await;

    let (_, bob) = desk(&app, "Beta Talent", "beta.test").await;
    let own_client = add_client(&bob, "Beta Client", "beta-client.example").await;
    let own_job = add_job(&bob, own_client, &[("title", "Beta Job")]).await;
    let with_id = nextgig::routes::jobs::ROUTES.iter().filter(|(_, p)| p.contains("{id}")).collect::<Vec<_>>();
    assert!(with_id.len() >= 3);
    let form = job_fields(own_client, &[("title", "Taken Over"), ("status", "closed"), ("version", "1")]);
    for (method, path) in with_id {
        let foreign_path = path.replace("{id}", &job.to_string());
        let missing_path = path.replace("{id}", "999999");
        let (foreign, missing) = if *method == "GET" {
            (bob.get(&foreign_path).await, bob.get(&missing_path).await)
        } else {
            (
                bob.submit("/jobs", &foreign_path, &as_refs(&form)).await,
                bob.submit("/jobs", &missing_path, &as_refs(&form)).await,
            )
        };
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(foreign.without_tokens(), missing.without_tokens(), "{method} {path}: foreign answers like missing");
        let malformed = if *method == "GET" {
            bob.get(&path.replace("{id}", "abc")).await
        } else {
            bob.submit("/jobs", &path.replace("{id}", "abc"), &as_refs(&form)).await
        };
        assert_eq!(malformed.status, StatusCode::NOT_FOUND, "{method} {path}: malformed id");
    }
    assert_eq!(job_snapshot(&app, agency_a).await, before, "nothing of A changed");

    for path in [
        "/jobs".to_string(),
        "/jobs?status=any".to_string(),
        "/jobs?status=any&q=canary".to_string(),
        format!("/jobs?status=any&client_id={client}"),
        "/jobs?sort=client&status=any".to_string(),
        "/jobs/new".to_string(),
        format!("/jobs/{own_job}"),
        format!("/jobs/{own_job}/edit"),
        "/clients?archived=1".to_string(),
    ] {
        let page = bob.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.text.contains("CANARY") && !page.text.contains("canary-globex"), "{path} shows agency A's data");
        assert!(!page.text.contains("CanarySkill"), "{path} shows agency A's skills");
    }
}
