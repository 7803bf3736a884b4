//! Interviews: scheduling in an agreed time zone and seeing it in one's own across DST changes,
//! refused local times, `.ics` files and private feeds, isolation, and the contractor's
//! thank-you prompt and single follow-up.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use nextgig::db::schema::{calendar_feeds, interviews, submission_events, submissions, users};
use reqwest::StatusCode;

use crate::helpers::{Page, TestApp, TestClient, spawn_app};
use crate::pipeline::{
    Desk, approved_submission, ask_consent, consent_link, contractor_joins, decide_by_link, desk_with_job, put_forward,
    state_of,
};

/// The schedule form's fields with the usual answers and `changes`.
fn interview_fields<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("date", "2027-03-15"),
        ("time", "10:00"),
        ("time_zone", "America/New_York"),
        ("duration_minutes", "60"),
        ("kind", "video"),
        ("location", "https://meet.example.com/abc-defg"),
        ("interviewers", "Ann Lee (CTO)"),
        ("notes", ""),
    ];
    for (name, value) in changes {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = value,
            None => fields.push((name, value)),
        }
    }
    fields
}

/// Schedules an interview on `submission` through the submission page's form.
async fn schedule(recruiter: &TestClient, submission: i64, changes: &[(&str, &str)]) -> Page {
    let page = format!("/submissions/{submission}");
    recruiter.submit(&page, &format!("{page}/interviews"), &interview_fields(changes)).await
}

/// Schedules and returns the new interview's id.
async fn scheduled(app: &TestApp, recruiter: &TestClient, submission: i64, changes: &[(&str, &str)]) -> i64 {
    let page = schedule(recruiter, submission, changes).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    assert_eq!(page.location(), format!("/submissions/{submission}#interviews"));
    app.with_db(|conn| interviews::table.select(interviews::id).order(interviews::id.desc()).first(conn).unwrap()).await
}

/// Sets a user's time zone (there is no form for it yet).
async fn set_time_zone(app: &TestApp, email: &'static str, zone: &'static str) {
    app.with_db(move |conn| {
        diesel::update(users::table.filter(users::email.eq(email)))
            .set(users::time_zone.eq(zone))
            .execute(conn)
            .unwrap()
    })
    .await;
}

/// An interview's stored start (UTC) and agreed zone.
async fn stored(app: &TestApp, id: i64) -> (NaiveDateTime, String) {
    app.with_db(move |conn| {
        interviews::table.find(id).select((interviews::starts_at, interviews::time_zone)).first(conn).unwrap()
    })
    .await
}

fn at(date: (i32, u32, u32), hour: u32, minute: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap().and_hms_opt(hour, minute, 0).unwrap()
}

/// Acme with Jane approved for the job and holding an account; Beta with Joe likewise.
struct TwoDesks {
    acme: Desk,
    acme_submission: i64,
    jane: TestClient,
    beta: Desk,
    beta_submission: i64,
    joe: TestClient,
}

async fn two_desks(app: &TestApp) -> TwoDesks {
    let acme = desk_with_job(app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let acme_submission = approved_submission(app, &acme).await;
    let jane = contractor_joins(app, &acme).await;
    let beta = desk_with_job(app, "Beta Talent CANARY", "beta.test", "initech.example", "joe@example.com").await;
    let beta_submission = approved_submission(app, &beta).await;
    let joe = contractor_joins(app, &beta).await;
    TwoDesks { acme, acme_submission, jane, beta, beta_submission, joe }
}

/// The feed address shown once after making it.
fn feed_url(page: &Page) -> String {
    let selector = scraper::Selector::parse("#feed-url").unwrap();
    page.html()
        .select(&selector)
        .next()
        .and_then(|e| e.value().attr("value"))
        .unwrap_or_else(|| panic!("no feed address on the page:\n{}", page.text))
        .to_string()
}

/// The physical lines of a calendar file, checking CRLF endings and the 75-octet limit.
fn physical_lines(body: &str) -> Vec<&str> {
    assert!(body.ends_with("\r\n"), "ends with CRLF");
    let lines: Vec<&str> = body.trim_end_matches("\r\n").split("\r\n").collect();
    for line in &lines {
        assert!(!line.contains('\n') && !line.contains('\r'), "a bare line break in {line:?}");
        assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
    }
    lines
}

/// The content lines of a calendar file, unfolded.
fn unfolded(body: &str) -> Vec<String> {
    physical_lines(body);
    body.replace("\r\n ", "").trim_end_matches("\r\n").split("\r\n").map(str::to_string).collect()
}

fn property<'a>(lines: &'a [String], name: &str) -> Vec<&'a str> {
    lines.iter().filter_map(|l| l.strip_prefix(&format!("{name}:"))).collect()
}

#[tokio::test]
async fn interview_times_round_trip_through_dst_changes_and_each_side_sees_its_own_zone() {
    let app = spawn_app().await;
    let acme = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = approved_submission(&app, &acme).await;
    let jane = contractor_joins(&app, &acme).await;
    set_time_zone(&app, "rita@acme.test", "Europe/London").await;
    set_time_zone(&app, "jane@example.com", "Europe/Berlin").await;

    // The form offers the recruiter's own zone first.
    let page = acme.recruiter.get(&format!("/submissions/{submission}")).await;
    assert_eq!(page.texts("#f-time_zone option[selected]"), ["Europe/London"]);

    // Before the US change (EST), just after it (EDT, while Europe is still on winter time), and
    // after the EU change too.
    let before = scheduled(&app, &acme.recruiter, submission, &[("date", "2027-03-12")]).await;
    let between = scheduled(&app, &acme.recruiter, submission, &[]).await;
    let after = scheduled(&app, &acme.recruiter, submission, &[("date", "2027-03-29")]).await;
    assert_eq!(stored(&app, before).await, (at((2027, 3, 12), 15, 0), "America/New_York".to_string()));
    assert_eq!(stored(&app, between).await, (at((2027, 3, 15), 14, 0), "America/New_York".to_string()));
    assert_eq!(stored(&app, after).await, (at((2027, 3, 29), 14, 0), "America/New_York".to_string()));
    assert_eq!(state_of(&app, submission).await.0, "interview", "scheduling moved it to the interview stage");

    // The recruiter sees the agreed time and her own.
    let page = acme.recruiter.get(&format!("/submissions/{submission}")).await;
    assert_eq!(
        page.texts(".interview-when strong"),
        [
            "Fri 12 Mar 2027, 10:00–11:00 EST (America/New_York)",
            "Mon 15 Mar 2027, 10:00–11:00 EDT (America/New_York)",
            "Mon 29 Mar 2027, 10:00–11:00 EDT (America/New_York)",
        ]
    );
    assert_eq!(
        page.texts(".interview-yours"),
        [
            "Your time: Fri 12 Mar 2027, 15:00–16:00 GMT",
            "Your time: Mon 15 Mar 2027, 14:00–15:00 GMT",
            "Your time: Mon 29 Mar 2027, 15:00–16:00 BST",
        ]
    );

    // The contractor sees her own zone, with the agreed one noted.
    let mine = jane.get(&format!("/me/submissions/{submission}")).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    assert_eq!(
        mine.texts(".interview-when strong"),
        ["Fri 12 Mar 2027, 16:00–17:00 CET", "Mon 15 Mar 2027, 15:00–16:00 CET", "Mon 29 Mar 2027, 16:00–17:00 CEST"]
    );
    assert_eq!(mine.texts(".interview-agreed")[1], "Agreed as Mon 15 Mar 2027, 10:00–11:00 EDT (America/New_York)");
    assert!(
        mine.text
            .contains("Interview scheduled: Mon 15 Mar 2027, 10:00–11:00 EDT (America/New_York), 60 min, video call")
    );

    // The edit form gives the agreed local time back, and saving it again changes nothing.
    let edit = format!("/interviews/{between}/edit");
    let form = acme.recruiter.get(&edit).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.input_value("date").as_deref(), Some("2027-03-15"));
    assert_eq!(form.input_value("time").as_deref(), Some("10:00"));
    assert_eq!(form.texts("#f-time_zone option[selected]"), ["America/New York"]);
    let same =
        acme.recruiter.submit(&edit, &format!("/interviews/{between}"), &interview_fields(&[("sequence", "0")])).await;
    assert_eq!(same.status, StatusCode::SEE_OTHER, "{}", same.text);
    assert_eq!(stored(&app, between).await.0, at((2027, 3, 15), 14, 0));

    // Moved to Berlin time, after the EU change: stored in UTC, shown right on both sides.
    let moved = acme
        .recruiter
        .submit(
            &edit,
            &format!("/interviews/{between}"),
            &interview_fields(&[
                ("date", "2027-03-30"),
                ("time", "09:30"),
                ("time_zone", "Europe/Berlin"),
                ("sequence", "0"),
            ]),
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.text);
    assert_eq!(stored(&app, between).await, (at((2027, 3, 30), 7, 30), "Europe/Berlin".to_string()));
    let mine = jane.get(&format!("/me/submissions/{submission}")).await;
    assert!(mine.texts(".interview-when strong").contains(&"Tue 30 Mar 2027, 09:30–10:30 CEST".to_string()));
    assert!(mine.text.contains(
        "Interview moved from Mon 15 Mar 2027, 10:00–11:00 EDT (America/New_York) to Tue 30 Mar 2027, 09:30–10:30 CEST (Europe/Berlin)"
    ));
    // A second save from the old form is a conflict, not a silent overwrite.
    let stale = acme
        .recruiter
        .submit(&edit, &format!("/interviews/{between}"), &interview_fields(&[("time", "11:00"), ("sequence", "0")]))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    assert_eq!(stale.input_value("sequence").as_deref(), Some("1"));
    assert_eq!(stored(&app, between).await.0, at((2027, 3, 30), 7, 30));
}

#[tokio::test]
async fn times_that_do_not_exist_unknown_zones_and_missing_consent_are_refused_with_the_input_kept() {
    let app = spawn_app().await;
    let acme = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = put_forward(&acme).await;

    let refused = schedule(&acme.recruiter, submission, &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("Ask for their consent first"), "{}", refused.text);
    assert_eq!(refused.input_value("date").as_deref(), Some("2027-03-15"));

    assert_eq!(ask_consent(&acme, submission, &[]).await.status, StatusCode::SEE_OTHER);
    let link = consent_link(&app, &acme).await;
    assert_eq!(decide_by_link(&app, &link, "approve").await.status, StatusCode::OK);

    // 02:30 on 14 March 2027 does not exist in New York: the clocks jump from 02:00 to 03:00.
    let gap = schedule(&acme.recruiter, submission, &[("date", "2027-03-14"), ("time", "02:30")]).await;
    assert_eq!(gap.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = gap.field_error("time").unwrap();
    assert!(error.contains("does not exist in America/New_York"), "{error}");
    assert_eq!(gap.input_value("date").as_deref(), Some("2027-03-14"));
    assert_eq!(gap.input_value("time").as_deref(), Some("02:30"));
    assert_eq!(gap.input_value("interviewers").as_deref(), Some("Ann Lee (CTO)"));
    assert_eq!(gap.texts("#f-time_zone option[selected]"), ["America/New York"]);

    // 01:30 on 7 November 2027 happens twice there.
    let overlap = schedule(&acme.recruiter, submission, &[("date", "2027-11-07"), ("time", "01:30")]).await;
    assert_eq!(overlap.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(overlap.field_error("time").unwrap().contains("happens twice"));

    let unknown = schedule(&acme.recruiter, submission, &[("time_zone", "Mars/Olympus_Mons")]).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.field_error("time_zone").unwrap().contains("not a time zone"));
    assert_eq!(unknown.texts("#f-time_zone option[selected]"), ["Mars/Olympus_Mons"], "the input is kept");

    for (length, why) in [("4", "between 5 and 600"), ("601", "between 5 and 600"), ("an hour", "whole number")] {
        let page = schedule(&acme.recruiter, submission, &[("duration_minutes", length)]).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.field_error("duration_minutes").unwrap().contains(why), "{length}");
    }
    let page = schedule(&acme.recruiter, submission, &[("kind", "carrier-pigeon"), ("date", "15/03/2027")]).await;
    assert!(page.field_error("kind").is_some() && page.field_error("date").is_some());

    assert_eq!(app.count("interviews").await, 0, "nothing was saved");
    assert_eq!(state_of(&app, submission).await.0, "consent", "the stage did not move");
}

#[tokio::test]
async fn the_ics_file_has_utc_times_escaped_text_folded_crlf_lines_and_shows_cancellation() {
    let app = spawn_app().await;
    let acme = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = approved_submission(&app, &acme).await;
    let jane = contractor_joins(&app, &acme).await;
    let notes = "Bring ID\nAsk for Ann, at reception; thanks \\ see you. Parking is behind the building, use the \
                 entrance on the north side and take the lift to the fourth floor — Café Straße is next door.";
    let id = scheduled(
        &app,
        &acme.recruiter,
        submission,
        &[("location", "Room 4, Floor 2; Globex HQ"), ("interviewers", "Ann, Bob; Carl"), ("notes", notes)],
    )
    .await;

    let ics = acme.recruiter.get(&format!("/interviews/{id}.ics")).await;
    assert_eq!(ics.status, StatusCode::OK);
    assert_eq!(ics.headers["content-type"], "text/calendar; charset=utf-8");
    let disposition = ics.headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment") && disposition.contains(&format!("interview-{id}.ics")));
    assert!(ics.text.contains("\r\n "), "long lines are folded");
    let lines = unfolded(&ics.text);
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    assert_eq!(property(&lines, "UID"), [format!("interview-{id}@127.0.0.1").as_str()]);
    assert_eq!(property(&lines, "SEQUENCE"), ["0"]);
    assert_eq!(property(&lines, "DTSTART"), ["20270315T140000Z"]);
    assert_eq!(property(&lines, "DTEND"), ["20270315T150000Z"]);
    assert_eq!(property(&lines, "DTSTAMP"), ["20261125T090000Z"]);
    assert_eq!(property(&lines, "STATUS"), ["CONFIRMED"]);
    assert_eq!(property(&lines, "LOCATION"), ["Room 4\\, Floor 2\\; Globex HQ"]);
    assert_eq!(property(&lines, "SUMMARY"), ["Interview: Jane Doe for Rust Engineer (Globex Bank)"]);
    let description = property(&lines, "DESCRIPTION")[0];
    assert!(description.contains("Interviewers: Ann\\, Bob\\; Carl\\n"), "{description}");
    assert!(
        description.contains("Notes: Bring ID\\nAsk for Ann\\, at reception\\; thanks \\\\ see you. Parking"),
        "{description}"
    );
    assert!(description.contains("Café Straße"), "UTF-8 survives folding: {description}");

    // The contractor's own copy, worded for her, with the same event identity.
    let hers = jane.get(&format!("/me/interviews/{id}.ics")).await;
    assert_eq!(hers.status, StatusCode::OK);
    let her_lines = unfolded(&hers.text);
    assert_eq!(property(&her_lines, "UID"), property(&lines, "UID"));
    assert_eq!(property(&her_lines, "SUMMARY"), ["Interview: Rust Engineer at Globex Bank"]);
    assert_eq!(property(&her_lines, "DTSTART"), ["20270315T140000Z"]);
    assert!(property(&her_lines, "DESCRIPTION")[0].starts_with("Arranged by Acme Staffing\\n"));

    // Cancelling bumps the sequence and the calendar shows it cancelled; so does her page.
    let edit = format!("/interviews/{id}/edit");
    let cancelled = acme
        .recruiter
        .submit(&edit, &format!("/interviews/{id}/cancel"), &[("reason", "The client paused hiring")])
        .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER, "{}", cancelled.text);
    let lines = unfolded(&acme.recruiter.get(&format!("/interviews/{id}.ics")).await.text);
    assert_eq!(property(&lines, "STATUS"), ["CANCELLED"]);
    assert_eq!(property(&lines, "SEQUENCE"), ["1"]);
    let mine = jane.get(&format!("/me/submissions/{submission}")).await;
    assert_eq!(mine.texts(".interview-cancelled .badge"), ["Cancelled"]);
    assert!(mine.text.contains("cancelled: The client paused hiring"));
    let again = acme.recruiter.submit(&edit, &format!("/interviews/{id}/cancel"), &[("reason", "")]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_outcome_is_recorded_afterwards_and_feedback_stays_internal_unless_told() {
    let app = spawn_app().await;
    let acme = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = approved_submission(&app, &acme).await;
    let _jane = contractor_joins(&app, &acme).await;
    let id = scheduled(&app, &acme.recruiter, submission, &[("date", "2026-11-26"), ("time_zone", "UTC")]).await;
    let edit = format!("/interviews/{id}/edit");
    let action = format!("/interviews/{id}/outcome");
    let early = acme.recruiter.submit(&edit, &action, &[("outcome", "passed"), ("feedback", "")]).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.text.contains("once it has started"));

    app.clock.advance(TimeDelta::days(2));
    let rita = app.signed_in("rita@acme.test").await;
    let jane_again = app.signed_in("jane@example.com").await;
    let internal =
        rita.submit(&edit, &action, &[("outcome", "passed"), ("feedback", "INTERNAL-ONLY strong on Rust")]).await;
    assert_eq!(internal.status, StatusCode::SEE_OTHER, "{}", internal.text);
    assert!(!jane_again.get(&format!("/me/submissions/{submission}")).await.text.contains("INTERNAL-ONLY"));
    assert!(rita.get(&format!("/submissions/{submission}")).await.text.contains("INTERNAL-ONLY"));
    let told = rita
        .submit(
            &edit,
            &action,
            &[("outcome", "passed"), ("feedback", "They loved your design answers"), ("tell_contractor", "1")],
        )
        .await;
    assert_eq!(told.status, StatusCode::SEE_OTHER);
    let mine = jane_again.get(&format!("/me/submissions/{submission}")).await;
    assert!(mine.text.contains("Went well: next step. Feedback: They loved your design answers"));
    let bad = rita.submit(&edit, &action, &[("outcome", "maybe"), ("feedback", "kept text")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.field_error("outcome").is_some());
    assert!(bad.text.contains("kept text"));
}

#[tokio::test]
async fn the_private_feed_holds_only_the_users_interviews_and_rotating_kills_the_old_address() {
    let app = spawn_app().await;
    let desks = two_desks(&app).await;
    let acme_interview = scheduled(&app, &desks.acme.recruiter, desks.acme_submission, &[]).await;
    let beta_interview = scheduled(&app, &desks.beta.recruiter, desks.beta_submission, &[("date", "2027-03-16")]).await;
    let acme_uid = format!("UID:interview-{acme_interview}@");
    let beta_uid = format!("UID:interview-{beta_interview}@");

    let rita = &desks.acme.recruiter;
    let page = rita.get("/account/calendar").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("No feed yet"));
    let made = rita.submit("/account/calendar", "/account/calendar", &[]).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    let first_url = feed_url(&made);
    assert!(first_url.starts_with(&format!("{}/calendar/", app.address)) && first_url.ends_with(".ics"));
    let secret = first_url.rsplit('/').next().unwrap().trim_end_matches(".ics").to_string();
    assert_eq!(secret.len(), 64, "256 random bits");
    let stored_hash: String =
        app.with_db(|conn| calendar_feeds::table.select(calendar_feeds::token_hash).first(conn).unwrap()).await;
    assert_ne!(stored_hash, secret, "only the hash is stored");
    assert!(!rita.get("/account/calendar").await.text.contains(&secret), "the address is shown once");

    let anonymous = app.client();
    let feed = anonymous.get(&first_url).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert_eq!(feed.headers["content-type"], "text/calendar; charset=utf-8");
    physical_lines(&feed.text);
    assert!(feed.text.contains(&acme_uid) && !feed.text.contains(&beta_uid), "{}", feed.text);
    assert!(!feed.text.contains("CANARY"));

    // A new address: the old one stops working.
    let second_url = feed_url(&rita.submit("/account/calendar", "/account/calendar", &[]).await);
    assert_ne!(second_url, first_url);
    assert_eq!(anonymous.get(&first_url).await.status, StatusCode::NOT_FOUND);
    assert_eq!(anonymous.get(&second_url).await.status, StatusCode::OK);

    // The contractors' feeds hold the interviews about them only.
    let jane_url = feed_url(&desks.jane.submit("/account/calendar", "/account/calendar", &[]).await);
    let jane_feed = anonymous.get(&jane_url).await.text;
    assert!(jane_feed.contains(&acme_uid) && !jane_feed.contains(&beta_uid), "{jane_feed}");
    assert!(jane_feed.contains("SUMMARY:Interview: Rust Engineer at Globex Bank"));
    let joe_url = feed_url(&desks.joe.submit("/account/calendar", "/account/calendar", &[]).await);
    let joe_feed = anonymous.get(&joe_url).await.text;
    assert!(joe_feed.contains(&beta_uid) && !joe_feed.contains(&acme_uid));

    // Turned off: gone.
    let off = rita.submit("/account/calendar", "/account/calendar/delete", &[]).await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.get(&second_url).await.status, StatusCode::NOT_FOUND);
    assert_eq!(anonymous.get(&format!("/calendar/{}.ics", "0".repeat(64))).await.status, StatusCode::NOT_FOUND);
    assert_eq!(anonymous.get("/calendar/not-a-token.ics").await.status, StatusCode::NOT_FOUND);
}

/// A request to make: method, path and form fields.
type Request = (&'static str, String, Vec<(&'static str, &'static str)>);

/// Every staff interview route with `interview` (or `submission` for scheduling).
fn staff_routes(submission: &str, interview: &str) -> Vec<Request> {
    nextgig::routes::interviews::ROUTES
        .iter()
        .filter(|(_, path)| path.contains("{id}") && !path.starts_with("/me/"))
        .map(|(method, path)| {
            let id = if path.starts_with("/submissions/") { submission } else { interview };
            let fields = match *path {
                "/submissions/{id}/interviews" => interview_fields(&[]),
                "/interviews/{id}" => interview_fields(&[("sequence", "0")]),
                "/interviews/{id}/outcome" => vec![("outcome", "passed"), ("feedback", "x")],
                "/interviews/{id}/cancel" => vec![("reason", "")],
                _ => Vec::new(),
            };
            (*method, path.replace("{id}", id), fields)
        })
        .collect()
}

async fn interview_snapshot(app: &TestApp) -> Vec<String> {
    app.with_db(|conn| {
        let rows: Vec<(i64, NaiveDateTime, String, i32)> = interviews::table
            .order(interviews::id)
            .select((interviews::id, interviews::starts_at, interviews::outcome, interviews::sequence))
            .load(conn)
            .unwrap();
        let events: i64 = submission_events::table.count().get_result(conn).unwrap();
        let prompts: Vec<(Option<NaiveDateTime>, Option<NaiveDateTime>)> = submissions::table
            .order(submissions::id)
            .select((submissions::thank_you_prompted_at, submissions::follow_up_offered_at))
            .load(conn)
            .unwrap();
        vec![format!("{rows:?}"), format!("events {events}"), format!("{prompts:?}")]
    })
    .await
}

#[tokio::test]
async fn another_agency_gets_404_on_every_interview_route_and_contractors_only_reach_their_own() {
    let app = spawn_app().await;
    let desks = two_desks(&app).await;
    let interview = scheduled(
        &app,
        &desks.acme.recruiter,
        desks.acme_submission,
        &[("interviewers", "CANARY interviewer"), ("date", "2026-11-25"), ("time", "06:00"), ("time_zone", "UTC")],
    )
    .await;
    app.clock.advance(TimeDelta::hours(2));
    let bob = app.signed_in("rita@beta.test").await;
    let joe = app.signed_in("joe@example.com").await;
    let jane = app.signed_in("jane@example.com").await;
    assert!(
        jane.get(&format!("/me/submissions/{}", desks.acme_submission)).await.text.contains("Send a thank-you note")
    );
    let before = interview_snapshot(&app).await;

    let routes = staff_routes(&desks.acme_submission.to_string(), &interview.to_string());
    assert_eq!(routes.len(), 7, "every staff route with an id");
    let missing = staff_routes("999999", "999999");
    let malformed = staff_routes("abc", "abc");
    for (((method, path, fields), (_, missing_path, _)), (_, malformed_path, _)) in
        routes.iter().zip(&missing).zip(&malformed)
    {
        let (foreign, absent) = if *method == "GET" {
            (bob.get(path).await, bob.get(missing_path).await)
        } else {
            (bob.submit("/", path, fields).await, bob.submit("/", missing_path, fields).await)
        };
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(foreign.without_tokens(), absent.without_tokens(), "{method} {path}: foreign answers like missing");
        assert!(!foreign.text.contains("CANARY"), "{method} {path}");
        let malformed = if *method == "GET" {
            bob.get(malformed_path).await
        } else {
            bob.submit("/", malformed_path, fields).await
        };
        assert_eq!(malformed.status, StatusCode::NOT_FOUND, "{method} {path} malformed");
    }

    // Another contractor: nothing of Jane's interview, however asked.
    let contractor_routes = [
        ("GET", format!("/me/interviews/{interview}.ics"), format!("/me/interviews/{}.ics", 999_999), vec![]),
        (
            "POST",
            format!("/me/interviews/{interview}/thank-you"),
            "/me/interviews/999999/thank-you".to_string(),
            vec![("note", "hi"), ("decision", "send")],
        ),
        (
            "POST",
            format!("/me/submissions/{}/follow-up", desks.acme_submission),
            "/me/submissions/999999/follow-up".to_string(),
            vec![("note", "")],
        ),
    ];
    assert_eq!(
        contractor_routes.len(),
        nextgig::routes::interviews::ROUTES.iter().filter(|(_, p)| p.starts_with("/me/")).count()
    );
    for (method, path, missing_path, fields) in &contractor_routes {
        let (foreign, absent) = if *method == "GET" {
            (joe.get(path).await, joe.get(missing_path).await)
        } else {
            (joe.submit("/me", path, fields).await, joe.submit("/me", missing_path, fields).await)
        };
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(foreign.without_tokens(), absent.without_tokens(), "{method} {path}");
        assert!(!foreign.text.contains("CANARY"));
    }
    assert!(!joe.get(&format!("/me/submissions/{}", desks.beta_submission)).await.text.contains("CANARY interviewer"));
    // Staff routes are not for contractors, nor contractor routes for staff.
    assert_eq!(jane.get(&format!("/interviews/{interview}.ics")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(bob.get(&format!("/me/interviews/{interview}.ics")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(interview_snapshot(&app).await, before, "nothing changed");
    assert_eq!(jane.get(&format!("/me/interviews/{interview}.ics")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_thank_you_prompt_shows_once_per_interview_and_one_follow_up_only_when_overdue() {
    let app = spawn_app().await;
    let acme = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = approved_submission(&app, &acme).await;
    let jane = contractor_joins(&app, &acme).await;
    let mine = format!("/me/submissions/{submission}");
    // Thursday 26 November 2026, 10:00 in Berlin (09:00 UTC); the clock says Wednesday 09:00 UTC.
    let first = scheduled(
        &app,
        &acme.recruiter,
        submission,
        &[("date", "2026-11-26"), ("time", "10:00"), ("time_zone", "Europe/Berlin")],
    )
    .await;
    let page = jane.get(&mine).await;
    assert!(page.texts(".thank-you-prompt").is_empty(), "not before the interview");
    assert!(page.texts(".follow-up-offer").is_empty(), "not while the update is not due");

    // Friday: the interview is over.
    app.clock.advance(TimeDelta::days(2));
    let jane = app.signed_in("jane@example.com").await;
    let page = jane.get(&mine).await;
    assert_eq!(page.texts(".thank-you-prompt h2"), ["Send a thank-you note"]);
    assert!(page.texts(".follow-up-offer").is_empty());
    let due_before = state_of(&app, submission).await.1;
    let thank_you = format!("/me/interviews/{first}/thank-you");
    let blank = jane.submit(&mine, &thank_you, &[("note", "  "), ("decision", "send")]).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.field_error("note").is_some());
    let sent = jane.submit(&mine, &thank_you, &[("note", "Thanks, it was a great chat."), ("decision", "send")]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
    assert_eq!(sent.location(), mine);
    assert!(jane.get(&mine).await.texts(".thank-you-prompt").is_empty(), "shown once");
    assert_eq!(state_of(&app, submission).await.1, due_before, "her note is not the agency's update");
    let rita = app.signed_in("rita@acme.test").await;
    let history = rita.get(&format!("/submissions/{submission}")).await;
    assert!(history.text.contains("Thank-you note from Jane Doe after the interview: Thanks, it was a great chat."));
    let twice = jane.submit(&mine, &thank_you, &[("note", "Thanks again"), ("decision", "send")]).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.text.contains("You already answered this."));

    // A second interview brings one new prompt; dismissing it sends nothing.
    let second =
        scheduled(&app, &rita, submission, &[("date", "2026-11-30"), ("time", "10:00"), ("time_zone", "UTC")]).await;
    app.clock.advance(TimeDelta::days(4)); // Tuesday 1 December
    let jane = app.signed_in("jane@example.com").await;
    let page = jane.get(&mine).await;
    assert_eq!(page.texts(".thank-you-prompt h2").len(), 1);
    let events_before = app.count("submission_events").await;
    let dismissed = jane
        .submit(&mine, &format!("/me/interviews/{second}/thank-you"), &[("note", ""), ("decision", "dismiss")])
        .await;
    assert_eq!(dismissed.status, StatusCode::SEE_OTHER, "{}", dismissed.text);
    assert!(jane.get(&mine).await.texts(".thank-you-prompt").is_empty());
    assert_eq!(app.count("submission_events").await, events_before, "dismissing sends nothing");

    // The update was due by Wednesday 2 December; on Thursday she may ask, once.
    assert!(jane.get(&mine).await.texts(".follow-up-offer").is_empty());
    app.clock.advance(TimeDelta::days(2));
    let jane = app.signed_in("jane@example.com").await;
    assert_eq!(jane.get(&mine).await.texts(".follow-up-offer h2"), ["Ask for an update"]);
    let follow_up = format!("/me/submissions/{submission}/follow-up");
    let asked = jane.submit(&mine, &follow_up, &[("note", "Any news from Globex?")]).await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.text);
    assert!(jane.get(&mine).await.texts(".follow-up-offer").is_empty(), "offered once");
    let again = jane.submit(&mine, &follow_up, &[("note", "")]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let rita = app.signed_in("rita@acme.test").await;
    assert!(
        rita.get(&format!("/submissions/{submission}"))
            .await
            .text
            .contains("Jane Doe asks for an update: Any news from Globex?")
    );

    // The agency answers; only when that update is overdue again is one more offered.
    let page = format!("/submissions/{submission}");
    assert_eq!(rita.submit(&page, &format!("{page}/no-news"), &[("back", "")]).await.status, StatusCode::SEE_OTHER);
    assert!(jane.get(&mine).await.texts(".follow-up-offer").is_empty());
    app.clock.advance(TimeDelta::days(6));
    let jane = app.signed_in("jane@example.com").await;
    assert_eq!(jane.get(&mine).await.texts(".follow-up-offer h2"), ["Ask for an update"]);
}

#[tokio::test]
async fn closing_a_submission_cancels_its_interviews_still_to_come() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = approved_submission(&app, &desk).await;
    let interview = scheduled(&app, &desk.recruiter, submission, &[]).await;
    let page = format!("/submissions/{submission}");
    let closed = desk
        .recruiter
        .submit(&page, &format!("{page}/close"), &[("reason", "role_cancelled"), ("close_note", "")])
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    let (outcome, sequence): (String, i32) = app
        .with_db(move |conn| {
            interviews::table.find(interview).select((interviews::outcome, interviews::sequence)).first(conn).unwrap()
        })
        .await;
    assert_eq!(outcome, "cancelled");
    assert_eq!(sequence, 1, "calendars see a new version of the event");
    let ics = desk.recruiter.get(&format!("/interviews/{interview}.ics")).await;
    assert!(ics.text.contains("STATUS:CANCELLED"));
}
