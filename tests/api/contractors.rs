use chrono::TimeDelta;
use reqwest::StatusCode;

use crate::helpers::{TestApp, TestClient, spawn_app};

async fn recruiter(app: &TestApp) -> TestClient {
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    app.create_recruiter(agency, "Rita Recruiter", "rita@acme.test").await;
    app.signed_in("rita@acme.test").await
}

#[tokio::test]
async fn a_recruiter_adds_a_contractor_and_sees_everything_on_their_page() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let id = rita
        .add_contractor(&[
            ("name", "Jane Doe"),
            ("email", "Jane.Doe@Example.com"),
            ("phone", "+44 20 7946 0000"),
            ("headline", "Senior Rust engineer"),
            ("summary", "Built trading systems.\nLoves Postgres."),
            ("skills", "Rust, postgres, Kubernetes"),
            ("location", "London"),
            ("remote", "hybrid"),
            ("availability", "from_date"),
            ("available_from", "2027-01-04"),
            ("notice_days", "30"),
            ("rate_floor", "650"),
            ("rate_currency", "GBP"),
            ("rate_unit", "day"),
            ("linkedin_url", "https://www.linkedin.com/in/janedoe"),
            ("links", "https://github.com/janedoe"),
            ("source", "Referral"),
            ("tags", "Fintech, remote-first"),
            ("notes", "Prefers short commutes."),
        ])
        .await;
    let page = rita.get(&format!("/contractors/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for expected in [
        "Jane Doe added.",
        "Senior Rust engineer",
        "jane.doe@example.com",
        "+44 20 7946 0000",
        "Available from 4 Jan 2027",
        "30 days' notice",
        "confirmed today",
        "GBP 650/day",
        "London",
        "Hybrid",
        "Referral",
        "fintech",
        "remote-first",
        "Prefers short commutes.",
        "Rita Recruiter",
    ] {
        assert!(page.text.contains(expected), "{expected} on the page");
    }
    assert_eq!(page.texts(".skills .badge"), ["Kubernetes", "PostgreSQL", "Rust"]);
    assert!(page.text.contains(r#"href="https://github.com/janedoe""#));
}

#[tokio::test]
async fn the_duplicate_guard_offers_the_existing_record_instead_of_a_second_copy() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let jane = rita
        .add_contractor(&[("name", "Jane Doe"), ("email", "jane@example.com"), ("phone", "+44 (0)20 7946 0000")])
        .await;
    let by_email =
        rita.submit("/contractors/new", "/contractors", &[("name", "J. Doe"), ("email", " JANE@example.com ")]).await;
    assert_eq!(by_email.status, StatusCode::CONFLICT);
    assert!(by_email.text.contains("Jane Doe already has this email"));
    assert!(by_email.text.contains(&format!(r#"href="/contractors/{jane}""#)), "offers to open the record");
    assert_eq!(by_email.input_value("name").as_deref(), Some("J. Doe"), "the input is kept");
    let by_phone =
        rita.submit("/contractors/new", "/contractors", &[("name", "Janet"), ("phone", "0044 (0)20 7946 0000")]).await;
    assert_eq!(by_phone.status, StatusCode::CONFLICT);
    assert!(by_phone.text.contains("Jane Doe already has this phone"));
    assert_eq!(app.count("agency_contractors").await, 1);

    // Editing someone else into a duplicate is refused too.
    let john = rita.add_contractor(&[("name", "John Roe"), ("email", "john@example.com")]).await;
    let version = rita.get(&format!("/contractors/{john}/edit")).await.input_value("version").unwrap();
    let clash = rita
        .submit(
            &format!("/contractors/{john}/edit"),
            &format!("/contractors/{john}"),
            &[("name", "John Roe"), ("email", "jane@example.com"), ("version", &version)],
        )
        .await;
    assert_eq!(clash.status, StatusCode::CONFLICT);
    assert!(rita.get(&format!("/contractors/{john}")).await.text.contains("john@example.com"));
}

#[tokio::test]
async fn spellings_of_a_skill_become_one_skill() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    rita.add_contractor(&[("name", "A"), ("skills", "Postgres")]).await;
    rita.add_contractor(&[("name", "B"), ("skills", "postgresql")]).await;
    rita.add_contractor(&[("name", "C"), ("skills", "PostgreSQL , postgres")]).await;
    assert_eq!(app.count("skills").await, 1);
    assert_eq!(app.count("agency_contractor_skills").await, 3);
    let found = rita.get("/contractors?skill=POSTGRES").await;
    assert_eq!(found.texts(".results-table tbody tr").len(), 3);
}

#[tokio::test]
async fn a_stale_edit_gets_the_conflict_page_and_the_first_save_is_kept() {
    let app = spawn_app().await;
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    app.create_recruiter(agency, "Rita Recruiter", "rita@acme.test").await;
    app.create_recruiter(agency, "Sam Sourcer", "sam@acme.test").await;
    let rita = app.signed_in("rita@acme.test").await;
    let sam = app.signed_in("sam@acme.test").await;
    let id = rita.add_contractor(&[("name", "Jane Doe"), ("headline", "Rust engineer")]).await;
    let edit = format!("/contractors/{id}/edit");
    let rita_form = rita.get(&edit).await;
    let sam_form = sam.get(&edit).await;
    let version = rita_form.input_value("version").unwrap();
    assert_eq!(sam_form.input_value("version").unwrap(), version);

    let first = rita
        .post_raw(
            &format!("/contractors/{id}"),
            &[
                ("name", "Jane Doe"),
                ("headline", "Staff Rust engineer"),
                ("version", &version),
                ("csrf_token", &rita_form.csrf_token()),
            ],
        )
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let second = sam
        .post_raw(
            &format!("/contractors/{id}"),
            &[
                ("name", "Jane Doe"),
                ("headline", "Go engineer"),
                ("version", &version),
                ("csrf_token", &sam_form.csrf_token()),
            ],
        )
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert!(second.text.contains("Someone else saved this record while you were editing"));
    assert_eq!(second.texts(".conflict tbody th"), ["Headline"]);
    assert_eq!(second.texts(".conflict tbody td"), ["Staff Rust engineer", "Go engineer"]);
    assert_eq!(second.input_value("headline").as_deref(), Some("Go engineer"), "their input is kept");
    let newer = second.input_value("version").unwrap();
    assert_ne!(newer, version, "the form now carries the saved version");
    assert!(rita.get(&format!("/contractors/{id}")).await.text.contains("Staff Rust engineer"), "the first save stays");

    // Saving again re-applies the change on top of the current version.
    let again = sam
        .post_raw(
            &format!("/contractors/{id}"),
            &[
                ("name", "Jane Doe"),
                ("headline", "Go engineer"),
                ("version", &newer),
                ("csrf_token", &second.csrf_token()),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert!(sam.get(&format!("/contractors/{id}")).await.text.contains("Go engineer"));
}

#[tokio::test]
async fn bad_input_is_shown_beside_the_fields_and_nothing_is_saved() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let huge = "x".repeat(1_000_000);
    let many_skills = (0..50).map(|n| format!("skill{n}")).collect::<Vec<_>>().join(",");
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (vec![("name", "")], "name", "Name is required."),
        (vec![("name", &huge)], "name", "too long"),
        (vec![("name", "Jane"), ("email", "jane@")], "email", "Enter an email address"),
        (
            vec![("name", "Jane"), ("availability", "from_date")],
            "available_from",
            "Give the date they are available from.",
        ),
        (
            vec![("name", "Jane"), ("availability", "on_contract"), ("contract_ends_on", "31/12/2026")],
            "contract_ends_on",
            "must be a date like",
        ),
        (vec![("name", "Jane"), ("rate_floor", "-40")], "rate_floor", "must not be negative"),
        (vec![("name", "Jane"), ("rate_floor", "lots")], "rate_floor", "must be an amount"),
        (vec![("name", "Jane"), ("linkedin_url", "javascript:alert(1)")], "linkedin_url", "must be a web address"),
        (vec![("name", "Jane"), ("skills", &many_skills)], "skills", "at most 40 skills"),
        (vec![("name", "Jane"), ("notice_days", "-3")], "notice_days", "between 0 and 365"),
        (vec![("name", "Jane"), ("remote", "moon")], "remote", "must be one of"),
        (vec![("name", "Jane"), ("owner_id", "999999")], "owner_id", "Choose someone from your team."),
    ];
    for (fields, field, message) in cases {
        let page = rita.submit("/contractors/new", "/contractors", &fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let error = page.field_error(field).unwrap_or_else(|| panic!("no error beside {field}"));
        assert!(error.contains(message), "{field}: {error}");
    }
    let kept = rita
        .submit("/contractors/new", "/contractors", &[("name", "Jane Keep"), ("email", "bad"), ("skills", "Rust, Go")])
        .await;
    assert_eq!(kept.input_value("name").as_deref(), Some("Jane Keep"));
    assert_eq!(kept.input_value("skills").as_deref(), Some("Rust, Go"));
    let unknown = rita.submit("/contractors/new", "/contractors", &[("name", "Jane"), ("agency_id", "2")]).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.count("agency_contractors").await, 0);
    assert_eq!(app.count("skills").await, 0);
}

#[tokio::test]
async fn archiving_hides_a_contractor_from_search_until_restored() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let id = rita.add_contractor(&[("name", "Jane Doe")]).await;
    rita.submit(&format!("/contractors/{id}"), &format!("/contractors/{id}/archive"), &[]).await;
    assert!(rita.get(&format!("/contractors/{id}")).await.text.contains("Archived"));
    assert!(rita.get("/contractors").await.texts(".results-table tbody tr").is_empty());
    assert_eq!(rita.get("/contractors?archived=1").await.texts(".results-table tbody tr").len(), 1);
    rita.submit(&format!("/contractors/{id}"), &format!("/contractors/{id}/unarchive"), &[]).await;
    assert_eq!(rita.get("/contractors").await.texts(".results-table tbody tr").len(), 1);
}

#[tokio::test]
async fn availability_freshness_ages_and_a_confirmation_renews_it() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let id = rita.add_contractor(&[("name", "Jane Doe")]).await;
    let path = format!("/contractors/{id}");
    assert_eq!(rita.get(&path).await.texts(".freshness-fresh"), ["confirmed today"]);
    app.clock.advance(TimeDelta::days(20));
    let rita = app.signed_in("rita@acme.test").await;
    assert_eq!(rita.get(&path).await.texts(".freshness-aging"), ["confirmed 20 days ago"]);
    app.clock.advance(TimeDelta::days(11));
    let rita = app.signed_in("rita@acme.test").await;
    assert_eq!(rita.get(&path).await.texts(".freshness-stale"), ["confirmed 31 days ago"]);
    rita.submit(&path, &format!("{path}/availability/confirm"), &[]).await;
    assert_eq!(rita.get(&path).await.texts(".freshness-fresh"), ["confirmed today"]);
}

#[tokio::test]
async fn another_agency_gets_404_for_every_contractor_route_and_never_sees_its_data() {
    let app = spawn_app().await;
    let (acme, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let (beta, _) = app.create_agency("Beta Talent", "bob@beta.test").await;
    app.create_recruiter(acme, "Rita", "rita@acme.test").await;
    app.create_recruiter(beta, "Bert", "bert@beta.test").await;
    let rita = app.signed_in("rita@acme.test").await;
    let bert = app.signed_in("bert@beta.test").await;
    let canary = rita
        .add_contractor(&[
            ("name", "CANARY Person"),
            ("email", "canary@acme.test"),
            ("headline", "CANARYHEADLINE"),
            ("skills", "Canaryskill"),
            ("notes", "CANARYNOTE"),
        ])
        .await;
    let own = bert.add_contractor(&[("name", "Beta Person")]).await;
    let version = rita.get(&format!("/contractors/{canary}/edit")).await.input_value("version").unwrap();
    for path in ["/contractors/{}", "/contractors/{}/edit"] {
        let foreign = bert.get(&path.replace("{}", &canary.to_string())).await;
        let missing = bert.get(&path.replace("{}", "999999")).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(foreign.without_tokens(), missing.without_tokens(), "{path}");
    }
    for path in [
        "/contractors/{}",
        "/contractors/{}/archive",
        "/contractors/{}/unarchive",
        "/contractors/{}/availability/confirm",
    ] {
        let fields = [("name", "Hacked"), ("version", version.as_str())];
        let fields: &[(&str, &str)] = if path == "/contractors/{}" { &fields } else { &[] };
        let foreign = bert.submit("/contractors", &path.replace("{}", &canary.to_string()), fields).await;
        let missing = bert.submit("/contractors", &path.replace("{}", "999999"), fields).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "POST {path}");
        assert_eq!(foreign.without_tokens(), missing.without_tokens(), "POST {path}");
    }
    let page = rita.get(&format!("/contractors/{canary}")).await;
    assert!(page.text.contains("CANARY Person") && !page.text.contains("Archived"), "nothing changed");
    // Beta's searches, lists and pages never show Acme's data, even for a matching email.
    for path in [
        "/contractors",
        "/contractors?q=canary",
        "/contractors?skill=canaryskill",
        "/contractors?q=CANARYNOTE&archived=1",
        &format!("/contractors/{own}"),
    ] {
        let page = bert.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        // The search box shows back what Beta typed; nothing else may mention the canary.
        let shown = [page.texts(".results"), page.texts(".page-head"), page.texts("main .panel:not(.filters)")]
            .concat()
            .join(" ");
        assert!(!shown.to_lowercase().contains("canary"), "{path}: {shown}");
    }
    let same_email =
        bert.submit("/contractors/new", "/contractors", &[("name", "Someone"), ("email", "canary@acme.test")]).await;
    assert_eq!(same_email.status, StatusCode::SEE_OTHER, "another agency's email is no duplicate here");
}

#[tokio::test]
async fn the_contractor_page_runs_the_same_statements_however_many_records_exist() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let id = rita.add_contractor(&[("name", "Jane Doe"), ("skills", "Rust, Go")]).await;
    let path = format!("/contractors/{id}");
    rita.get(&path).await;
    let few = app.statements_for(&rita, &path).await;
    for n in 0..30 {
        rita.add_contractor(&[("name", &format!("Person {n}")), ("skills", "Rust")]).await;
    }
    rita.get(&path).await;
    assert_eq!(app.statements_for(&rita, &path).await, few);
}
