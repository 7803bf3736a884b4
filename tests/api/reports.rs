//! `/reports`: counts per week and per recruiter, time in each stage and updates on time, from
//! rows inserted directly with known dates; charts beside the tables; other agencies never
//! counted.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use nextgig::db::schema::{interviews, placements, submission_events, submissions, users};
use reqwest::StatusCode;

use crate::helpers::{Page, TestApp, spawn_app};
use crate::pipeline::{Desk, desk_with_job, stage_id};

fn at(month: u32, day: u32, hour: u32, minute: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, month, day).unwrap().and_hms_opt(hour, minute, 0).unwrap()
}

fn day(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).unwrap()
}

async fn user_id(app: &TestApp, email: &'static str) -> i64 {
    app.with_db(move |conn| users::table.filter(users::email.eq(email)).select(users::id).first(conn).unwrap()).await
}

/// A submission of a new contractor of `desk` to its job, owned by `owner`, created `created`,
/// now in `stage` (closed at `closed` if given). Returns its id.
async fn submission(
    app: &TestApp,
    desk: &Desk,
    contractor_name: &str,
    owner: i64,
    stage: i64,
    created: NaiveDateTime,
    closed: Option<NaiveDateTime>,
) -> i64 {
    let contractor = desk.recruiter.add_contractor(&[("name", contractor_name)]).await;
    let (agency, job) = (desk.agency_id, desk.job_id);
    app.with_db(move |conn| {
        diesel::insert_into(submissions::table)
            .values((
                submissions::agency_id.eq(agency),
                submissions::job_id.eq(job),
                submissions::contractor_id.eq(contractor),
                submissions::stage_id.eq(stage),
                submissions::owner_id.eq(owner),
                submissions::stage_entered_at.eq(created),
                submissions::next_update_due.eq(None::<NaiveDate>),
                submissions::last_event_at.eq(created),
                submissions::closed_at.eq(closed),
                submissions::closed_reason.eq(closed.map(|_| "not_a_fit")),
                submissions::version.eq(1),
                submissions::created_by.eq(owner),
                submissions::created_at.eq(created),
                submissions::updated_at.eq(created),
            ))
            .returning(submissions::id)
            .get_result(conn)
            .unwrap()
    })
    .await
}

/// Appends an event (`from` → `to` for a stage change).
async fn event(
    app: &TestApp,
    agency: i64,
    submission: i64,
    kind: &'static str,
    stages: Option<(i64, i64)>,
    when: NaiveDateTime,
) {
    app.with_db(move |conn| {
        diesel::insert_into(submission_events::table)
            .values((
                submission_events::agency_id.eq(agency),
                submission_events::submission_id.eq(submission),
                submission_events::kind.eq(kind),
                submission_events::from_stage_id.eq(stages.map(|s| s.0)),
                submission_events::to_stage_id.eq(stages.map(|s| s.1)),
                submission_events::body.eq(kind),
                submission_events::visible_to_contractor.eq(false),
                submission_events::created_at.eq(when),
            ))
            .execute(conn)
            .unwrap();
    })
    .await;
}

async fn interview(app: &TestApp, agency: i64, submission: i64, starts: NaiveDateTime, outcome: &'static str) {
    app.with_db(move |conn| {
        diesel::insert_into(interviews::table)
            .values((
                interviews::agency_id.eq(agency),
                interviews::submission_id.eq(submission),
                interviews::starts_at.eq(starts),
                interviews::time_zone.eq("UTC"),
                interviews::duration_minutes.eq(45),
                interviews::kind.eq("video"),
                interviews::outcome.eq(outcome),
                interviews::sequence.eq(0),
                interviews::created_at.eq(starts),
                interviews::updated_at.eq(starts),
            ))
            .execute(conn)
            .unwrap();
    })
    .await;
}

async fn placement(app: &TestApp, desk: &Desk, submission: i64, start: NaiveDate, status: &'static str) {
    let (agency, job) = (desk.agency_id, desk.job_id);
    app.with_db(move |conn| {
        let contractor: i64 =
            submissions::table.find(submission).select(submissions::contractor_id).first(conn).unwrap();
        diesel::insert_into(placements::table)
            .values((
                placements::agency_id.eq(agency),
                placements::submission_id.eq(submission),
                placements::contractor_id.eq(contractor),
                placements::job_id.eq(job),
                placements::start_date.eq(start),
                placements::end_date.eq(start + chrono::TimeDelta::days(180)),
                placements::pay_rate_minor.eq(8_000),
                placements::bill_rate_minor.eq(10_000),
                placements::currency.eq("EUR"),
                placements::rate_unit.eq("hour"),
                placements::status.eq(status),
                placements::version.eq(1),
                placements::created_at.eq(start.and_hms_opt(9, 0, 0).unwrap()),
                placements::updated_at.eq(start.and_hms_opt(9, 0, 0).unwrap()),
            ))
            .execute(conn)
            .unwrap();
    })
    .await;
}

/// Each body row of a table as its cells' text joined by " | ".
fn rows(page: &Page, table: &str) -> Vec<String> {
    cells(page, &format!("#{table} tbody tr"))
}

/// The footer (totals) row of a table, like [`rows`].
fn totals(page: &Page, table: &str) -> String {
    cells(page, &format!("#{table} tfoot tr")).join("\n")
}

fn cells(page: &Page, rows: &str) -> Vec<String> {
    let html = page.html();
    let row = scraper::Selector::parse(rows).unwrap();
    let cell = scraper::Selector::parse("th, td").unwrap();
    html.select(&row)
        .map(|tr| {
            tr.select(&cell)
                .map(|c| c.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

/// Agency Acme with Rita and Sam and known activity, plus a busy Beta agency that must never
/// be counted. Today is Wednesday 25 Nov 2026; the 12 weeks start on Monday 7 Sep.
async fn known_agency(app: &TestApp) -> Desk {
    let acme = desk_with_job(app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let a = acme.agency_id;
    let rita = user_id(app, "rita@acme.test").await;
    let sam = app.create_recruiter(a, "Sam Seller", "sam@acme.test").await;
    let sourced = stage_id(app, a, "sourced").await;
    let consent = stage_id(app, a, "consent").await;
    let submitted = stage_id(app, a, "submitted").await;
    let placed = stage_id(app, a, "placed").await;
    let closed = stage_id(app, a, "closed").await;

    // S1, Rita: created Monday 23 Nov, still in Sourced.
    let s1 = submission(app, &acme, "One", rita, sourced, at(11, 23, 10, 0), None).await;
    event(app, a, s1, "created", None, at(11, 23, 10, 0)).await;
    interview(app, a, s1, at(11, 26, 10, 0), "scheduled").await; // tomorrow: not held yet
    // S2, Rita: created Tuesday 17 Nov; Sourced 2 days, Consent 1 day, then Submitted (open).
    let s2 = submission(app, &acme, "Two", rita, submitted, at(11, 17, 10, 0), None).await;
    event(app, a, s2, "created", None, at(11, 17, 10, 0)).await;
    event(app, a, s2, "stage_changed", Some((sourced, consent)), at(11, 19, 10, 0)).await;
    event(app, a, s2, "stage_changed", Some((consent, submitted)), at(11, 20, 10, 0)).await;
    interview(app, a, s2, at(11, 19, 14, 0), "passed").await;
    // S3, Sam: created Wednesday 18 Nov; Sourced 3 days, Consent 2 days, closed Monday 23 Nov.
    let s3 = submission(app, &acme, "Three", sam, closed, at(11, 18, 12, 0), Some(at(11, 23, 12, 0))).await;
    event(app, a, s3, "created", None, at(11, 18, 12, 0)).await;
    event(app, a, s3, "stage_changed", Some((sourced, consent)), at(11, 21, 12, 0)).await;
    event(app, a, s3, "closed", Some((consent, closed)), at(11, 23, 12, 0)).await;
    interview(app, a, s3, at(11, 20, 10, 0), "cancelled").await;
    // S4, Sam: created Thursday 1 Oct; 8 days in Sourced (due 8 Oct: late), then Placed.
    let s4 = submission(app, &acme, "Four", sam, placed, at(10, 1, 9, 0), None).await;
    event(app, a, s4, "created", None, at(10, 1, 9, 0)).await;
    event(app, a, s4, "stage_changed", Some((sourced, placed)), at(10, 9, 9, 0)).await;
    interview(app, a, s4, at(10, 5, 15, 0), "passed").await;
    placement(app, &acme, s4, day(11, 2), "active").await;
    // S5, Rita: July, closed in July: before the 12 weeks.
    let s5 = submission(app, &acme, "Five", rita, closed, at(7, 1, 9, 0), Some(at(7, 2, 9, 0))).await;
    event(app, a, s5, "created", None, at(7, 1, 9, 0)).await;
    event(app, a, s5, "closed", Some((sourced, closed)), at(7, 2, 9, 0)).await;

    // Beta: lots this week, none of it Acme's.
    let beta = desk_with_job(app, "Beta Recruiting", "beta.test", "initech.example", "bob@example.com").await;
    let b = beta.agency_id;
    let bob = user_id(app, "rita@beta.test").await;
    let beta_sourced = stage_id(app, b, "sourced").await;
    let beta_consent = stage_id(app, b, "consent").await;
    for (i, name) in ["Canary A", "Canary B", "Canary C"].into_iter().enumerate() {
        let created = at(11, 23, 9 + u32::try_from(i).unwrap(), 0);
        let s = submission(app, &beta, name, bob, beta_consent, created, None).await;
        event(app, b, s, "created", None, created).await;
        event(app, b, s, "stage_changed", Some((beta_sourced, beta_consent)), at(11, 24, 9, 0)).await;
        interview(app, b, s, at(11, 24, 10, 0), "passed").await;
        placement(app, &beta, s, day(11, 23), "active").await;
    }
    acme
}

#[tokio::test]
async fn weekly_and_recruiter_numbers_match_the_data() {
    let app = spawn_app().await;
    known_agency(&app).await;
    let ada = app.signed_in("admin@acme.test").await;
    let page = ada.get("/reports").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);

    let weekly = rows(&page, "weekly-table");
    assert_eq!(weekly.len(), 12, "12 weeks by default");
    assert_eq!(weekly[0], "7 Sep 2026 | 0 | 0 | 0");
    assert_eq!(weekly[3], "28 Sep 2026 | 1 | 0 | 0");
    assert_eq!(weekly[4], "5 Oct 2026 | 0 | 1 | 0");
    assert_eq!(weekly[8], "2 Nov 2026 | 0 | 0 | 1");
    assert_eq!(weekly[10], "16 Nov 2026 | 2 | 1 | 0", "the cancelled interview is left out");
    assert_eq!(weekly[11], "23 Nov 2026 | 1 | 0 | 0", "tomorrow's interview is not held yet; Beta's rows never count");
    assert_eq!(totals(&page, "weekly-table"), "Total | 4 | 2 | 1");

    let recruiters = rows(&page, "recruiters-table");
    assert!(recruiters.contains(&"Rita Recruiter | 2 | 1 | 0 | 100% (2 of 2)".to_string()), "{recruiters:?}");
    assert!(recruiters.contains(&"Sam Seller | 2 | 1 | 1 | 67% (2 of 3)".to_string()), "{recruiters:?}");
    assert!(recruiters.contains(&"Ada Admin | 0 | 0 | 0 | —".to_string()), "{recruiters:?}");
    for canary in ["Canary", "beta.test", "Initech"] {
        assert!(!page.text.contains(canary), "{canary} leaked");
    }

    // The 26-week view reaches July.
    let long = ada.get("/reports?weeks=26").await;
    let weekly = rows(&long, "weekly-table");
    assert_eq!(weekly.len(), 26);
    assert_eq!(totals(&long, "weekly-table"), "Total | 5 | 2 | 1");
}

#[tokio::test]
async fn time_in_stage_comes_from_the_events() {
    let app = spawn_app().await;
    known_agency(&app).await;
    let rita = app.signed_in("rita@acme.test").await;
    let page = rita.get("/reports").await;
    assert_eq!(
        rows(&page, "stages-table"),
        [
            // 2 (S2), 3 (S3), 8 (S4) and S1's 1 day 23 hours so far: average 3.74, median 2.5.
            "Sourced | 4 (1 still there) | 3.7 | 2.5",
            // 1 (S2) and 2 (S3).
            "Consent requested | 2 | 1.5 | 1.5",
            // S2 since Friday 20 Nov 10:00: 4 days 23 hours.
            "Submitted to client | 1 (1 still there) | 5.0 | 5.0",
        ]
    );
}

#[tokio::test]
async fn the_share_of_updates_on_time_follows_the_stated_rule() {
    let app = spawn_app().await;
    known_agency(&app).await;
    let rita = app.signed_in("rita@acme.test").await;
    let page = rita.get("/reports").await;
    let on_time = rows(&page, "on-time-table");
    assert_eq!(on_time[4], "5 Oct 2026 | 1 | 0 | 0%", "S4 left Sourced a day after its due date");
    assert_eq!(on_time[10], "16 Nov 2026 | 3 | 3 | 100%");
    assert_eq!(on_time[11], "23 Nov 2026 | 1 | 1 | 100%");
    assert_eq!(on_time[0], "7 Sep 2026 | 0 | 0 | —");
    assert_eq!(totals(&page, "on-time-table"), "Total | 5 | 4 | 80%");
    assert!(page.text.contains("business days"), "the rule is stated on the page");
}

#[tokio::test]
async fn each_table_has_a_chart_with_a_title_and_one_bar_per_week() {
    let app = spawn_app().await;
    known_agency(&app).await;
    let rita = app.signed_in("rita@acme.test").await;
    let page = rita.get("/reports?weeks=4").await;
    let charts = page.texts(r#"svg[role="img"] > title"#);
    assert_eq!(charts.len(), 4, "{charts:?}");
    assert!(charts[0].contains("per week"), "{charts:?}");
    let weekly_bars = page.texts(r#"section[aria-labelledby="weekly-heading"] svg rect.chart-bar"#);
    assert_eq!(weekly_bars.len(), 4, "one bar per week");
    assert_eq!(weekly_bars[2], "Week of 16 Nov 2026: 2 submissions", "each bar tells its number");
    let on_time_bars = page.texts(r#"section[aria-labelledby="on-time-heading"] svg rect.chart-bar"#);
    assert_eq!(on_time_bars.len(), 4);
    let scale = page.texts(r#"section[aria-labelledby="weekly-heading"] svg .chart-grid text"#);
    assert_eq!(scale.first().map(String::as_str), Some("0"), "the scale is labelled: {scale:?}");
    let svg = scraper::Selector::parse("svg").unwrap();
    for chart in page.html().select(&svg) {
        assert!(!chart.html().contains("script"), "no script in charts");
    }
    let recruiter_bars = page.texts(r#"section[aria-labelledby="recruiters-heading"] svg rect.chart-bar"#);
    assert_eq!(recruiter_bars.len(), rows(&page, "recruiters-table").len());
}

#[tokio::test]
async fn a_recruiter_filter_shows_only_their_submissions() {
    let app = spawn_app().await;
    known_agency(&app).await;
    let sam = user_id(&app, "sam@acme.test").await;
    let rita = app.signed_in("rita@acme.test").await;
    let page = rita.get(&format!("/reports?recruiter={sam}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let weekly = rows(&page, "weekly-table");
    assert_eq!(weekly[10], "16 Nov 2026 | 1 | 0 | 0");
    assert_eq!(weekly[11], "23 Nov 2026 | 0 | 0 | 0");
    assert_eq!(totals(&page, "weekly-table"), "Total | 2 | 1 | 1");
    assert_eq!(rows(&page, "recruiters-table"), ["Sam Seller | 2 | 1 | 1 | 67% (2 of 3)"]);
    assert_eq!(totals(&page, "on-time-table"), "Total | 3 | 2 | 67%");

    // Another agency's user answers like a missing one.
    let beta_user = user_id(&app, "rita@beta.test").await;
    let foreign = rita.get(&format!("/reports?recruiter={beta_user}")).await;
    let missing = rita.get("/reports?recruiter=999999").await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(foreign.without_tokens(), missing.without_tokens());
}

#[tokio::test]
async fn weeks_follow_the_viewers_time_zone() {
    let app = spawn_app().await;
    let acme = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let rita = user_id(&app, "rita@acme.test").await;
    let sourced = stage_id(&app, acme.agency_id, "sourced").await;
    // Sunday 22 Nov 23:30 UTC is Monday 00:30 in Berlin and Sunday evening in New York;
    // Monday 23 Nov 03:00 UTC is still Sunday 22:00 in New York.
    submission(&app, &acme, "Late Sunday", rita, sourced, at(11, 22, 23, 30), None).await;
    submission(&app, &acme, "Early Monday", rita, sourced, at(11, 23, 3, 0), None).await;
    for (email, zone, expected) in [
        ("admin@acme.test", "UTC", ["16 Nov 2026 | 1 | 0 | 0", "23 Nov 2026 | 1 | 0 | 0"]),
        ("berlin@acme.test", "Europe/Berlin", ["16 Nov 2026 | 0 | 0 | 0", "23 Nov 2026 | 2 | 0 | 0"]),
        ("ny@acme.test", "America/New_York", ["16 Nov 2026 | 2 | 0 | 0", "23 Nov 2026 | 0 | 0 | 0"]),
    ] {
        if email != "admin@acme.test" {
            let id = app.create_recruiter(acme.agency_id, zone, email).await;
            app.with_db(move |conn| {
                diesel::update(users::table.find(id)).set(users::time_zone.eq(zone)).execute(conn).unwrap()
            })
            .await;
        }
        let viewer = app.signed_in(email).await;
        let page = viewer.get("/reports?weeks=4").await;
        assert_eq!(rows(&page, "weekly-table")[2..], expected, "{zone}");
        assert!(page.text.contains(zone), "the page names the time zone");
    }
}

#[tokio::test]
async fn an_agency_without_submissions_is_told_what_will_appear() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    let page = ada.get("/reports").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Nothing to report yet"));
    assert!(page.text.contains("put a contractor forward"));
    assert!(rows(&page, "weekly-table").is_empty());

    assert_eq!(app.client().get("/reports").await.status, StatusCode::SEE_OTHER, "sign-in required");
}
