//! `nextgig datagen`: the tiny profile fills every table in proportion, its printed accounts sign
//! in, search finds the generated contractors, pages render, and a second run is refused.

use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_app};
use nextgig::datagen::{self, Generated, Profile};

async fn generate(app: &TestApp, seed: u64) -> anyhow::Result<Generated> {
    let config = app.state.config.clone();
    let clock = app.clock.clone();
    let profile = Profile::named("tiny").expect("the tiny profile");
    tokio::task::spawn_blocking(move || datagen::generate(&config, &clock, profile, seed, true)).await.unwrap()
}

async fn scalar(app: &TestApp, sql: &'static str) -> i64 {
    app.with_db(move |conn| {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::RunQueryDsl::get_result::<Count>(diesel::sql_query(sql), conn).expect(sql).n
    })
    .await
}

/// `value` is within `share` (e.g. 0.1 = 10%) of `expected`.
fn near(table: &str, value: i64, expected: usize, share: f64) {
    let expected = expected as f64;
    assert!((value as f64 - expected).abs() <= expected * share, "{table}: {value} rows, expected about {expected}");
}

#[tokio::test]
async fn the_tiny_profile_fills_every_table_and_its_accounts_work() {
    let app = spawn_app().await;
    let generated = generate(&app, 1).await.expect("datagen runs");
    let tiny = Profile::named("tiny").unwrap();

    assert_eq!(app.count("agencies").await, tiny.agencies as i64);
    assert_eq!(scalar(&app, "SELECT COUNT(*) AS n FROM users WHERE kind = 'staff'").await, tiny.staff as i64);
    assert_eq!(app.count("agency_contractors").await, tiny.contractors as i64);
    assert_eq!(app.count("clients").await, tiny.clients as i64);
    assert_eq!(app.count("jobs").await, tiny.jobs as i64);
    assert_eq!(scalar(&app, "SELECT COUNT(*) AS n FROM jobs WHERE status = 'open'").await, tiny.open_jobs as i64);
    assert_eq!(app.count("activities").await, tiny.activities as i64);
    assert_eq!(app.count("submissions").await, tiny.submissions as i64);
    assert_eq!(app.count("placements").await, tiny.placements as i64);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) AS n FROM placements WHERE status = 'active'").await,
        tiny.active_placements as i64
    );
    // Every record has its skills and its search entry.
    assert_eq!(
        scalar(&app, "SELECT COUNT(DISTINCT agency_contractor_id) AS n FROM agency_contractor_skills").await,
        tiny.contractors as i64
    );
    for table in [
        "contacts",
        "job_skills",
        "tasks",
        "submission_events",
        "consents",
        "representations",
        "interviews",
        "offers",
        "hotlists",
        "hotlist_members",
        "contractor_profiles",
    ] {
        assert!(app.count(table).await > 0, "{table} is empty");
    }
    // The shapes: about 8% available now, 60% on contract, activity mostly in the last 90 days.
    let now_share = scalar(&app, "SELECT COUNT(*) AS n FROM agency_contractors WHERE availability = 'now'").await;
    near("available now", now_share, tiny.contractors * 8 / 100, 0.3);
    let on_contract =
        scalar(&app, "SELECT COUNT(*) AS n FROM agency_contractors WHERE availability = 'on_contract'").await;
    near("on contract", on_contract, tiny.contractors * 60 / 100, 0.1);
    // About five tasks a day per recruiter: 4 recruiters, 105 days.
    near("tasks", app.count("tasks").await, 4 * 105 * 5, 0.1);
    assert_eq!(generated.rows("agency_contractors"), tiny.contractors);

    // The shape of an agency's book (docs/BENCHMARKS.md), as the database holds it. Tiny has 2
    // agencies of 2 recruiters and 10 open jobs each: 5–11 live submissions per open job make
    // about 40 per recruiter, and 4,000 submissions put the open ones at about 4%.
    let today = app.clock.now().date();
    let shape = app.with_db(move |conn| datagen::shape(conn, today).expect("the shape")).await;
    let (open, per_recruiter, per_job, overdue) =
        (shape.open_percent(), shape.open_per_recruiter, shape.open_per_open_job, shape.overdue_per_recruiter);
    assert!((2.0..=5.0).contains(&open), "{open:.1}% of submissions open\n{shape}");
    assert!(per_recruiter.min >= 20 && per_recruiter.max <= 80, "open per recruiter {per_recruiter}\n{shape}");
    assert!((30..=50).contains(&per_recruiter.median), "median open per recruiter {per_recruiter}\n{shape}");
    assert!(per_job.min >= 5 && per_job.max <= 15, "open per open job {per_job}\n{shape}");
    assert_eq!(shape.open_on_closed_jobs, 0, "{shape}");
    assert!(overdue.min >= 5 && overdue.max <= 15, "overdue per recruiter {overdue}\n{shape}");
    assert_eq!(shape.ended_placements_open, 0, "{shape}");
    let linked = shape.tasks_linked as f64 / shape.tasks as f64;
    assert!((0.4..=0.8).contains(&linked), "tasks linked to their activity: {linked:.2}\n{shape}");
    let mean = tiny.activities as f64 / tiny.contractors as f64;
    let busiest = shape.max_activities_per_contractor;
    assert!(busiest <= 300 && busiest as f64 >= 5.0 * mean, "most activities on one contractor: {busiest}\n{shape}");
    let top = shape.top_skill_percent();
    assert!((20.0..=30.0).contains(&top), "top skill on {top:.1}% of contractors\n{shape}");
    assert_eq!(shape.skill_rows_out_of_step, 0, "{shape}");
    // Every follow-up task hangs off an activity about the same contractor.
    let strays = scalar(
        &app,
        "SELECT COUNT(*) AS n FROM tasks t JOIN activities a ON a.id = t.activity_id \
         WHERE a.contractor_id <> t.contractor_id OR a.agency_id <> t.agency_id",
    )
    .await;
    assert_eq!(strays, 0);
    // The triggers are back after the load: a record's new update reaches its skill rows.
    app.with_db(|conn| {
        diesel::RunQueryDsl::execute(
            diesel::sql_query(
                "UPDATE agency_contractors SET updated_at = created_at \
                 WHERE id = (SELECT MIN(id) FROM agency_contractors)",
            ),
            conn,
        )
        .expect("an update")
    })
    .await;
    let after = app.with_db(move |conn| datagen::shape(conn, today).expect("the shape")).await;
    assert_eq!(after.skill_rows_out_of_step, 0, "the skill_holders trigger follows updates");

    // The printed recruiter signs in; the dashboard, search and a job board answer.
    let recruiter = generated.account("recruiter").expect("a recruiter is printed");
    let client = app.client();
    let page = client.sign_in(&recruiter.email, &generated.password).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    assert_eq!(client.get("/").await.status, StatusCode::OK);
    let found = client.get("/contractors?skill=SQL").await;
    assert_eq!(found.status, StatusCode::OK);
    let lead = found.texts("p.lead").into_iter().next().unwrap_or_default();
    let total: i64 = lead.split_whitespace().next().and_then(|n| n.trim_end_matches('+').parse().ok()).unwrap_or(0);
    assert!(total >= 20, "search finds generated contractors by a popular skill: {lead:?}");
    let words = client.get("/contractors?q=java").await;
    assert!(!words.texts(".results-table tbody tr").is_empty(), "free-text search finds generated records");
    let job: i64 = scalar(
        &app,
        "SELECT j.id AS n FROM jobs j JOIN agencies a ON a.id = j.agency_id \
         WHERE j.status = 'open' ORDER BY a.id, j.id LIMIT 1",
    )
    .await;
    let board = client.get(&format!("/jobs/{job}")).await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.text);

    // The admin and the contractor sign in too.
    for role in ["admin", "contractor"] {
        let account = generated.account(role).unwrap_or_else(|| panic!("a {role} is printed"));
        let page = app.client().sign_in(&account.email, &generated.password).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{role}: {}", page.text);
    }

    // A second run is refused and writes nothing.
    let error = generate(&app, 2).await.expect_err("a second run is refused").to_string();
    assert!(error.contains("already has"), "{error}");
    assert_eq!(app.count("agencies").await, tiny.agencies as i64);
}

#[test]
fn profiles_are_named_case_insensitively() {
    assert_eq!(Profile::named("s").map(|p| p.contractors), Some(20_000));
    assert_eq!(Profile::named("L").map(|p| p.activities), Some(5_000_000));
    assert!(Profile::named("XL").is_none());
}
