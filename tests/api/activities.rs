//! Activities: logging a call, email, meeting or note (with a follow-up task) against a contractor,
//! client or job, and the timelines that show them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use nextgig::db::schema::{activities, audit_log, clients, jobs, tasks, users};
use reqwest::StatusCode;

use crate::helpers::{TestApp, TestClient, start_time};

/// Acme with Rita (recruiter, signed in) and Sam (recruiter); returns (agency id, Rita's id, Sam's id, Rita).
pub async fn acme(app: &TestApp) -> (i64, i64, i64, TestClient) {
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let rita = app.create_recruiter(agency, "Rita Recruiter", "rita@acme.test").await;
    let sam = app.create_recruiter(agency, "Sam Sourcer", "sam@acme.test").await;
    (agency, rita, sam, app.signed_in("rita@acme.test").await)
}

/// Beta, another agency, with Bert (recruiter, signed in); returns (agency id, Bert's id, Bert).
pub async fn beta(app: &TestApp) -> (i64, i64, TestClient) {
    let (agency, _) = app.create_agency("Beta Talent", "bob@beta.test").await;
    let bert = app.create_recruiter(agency, "Bert Beta", "bert@beta.test").await;
    (agency, bert, app.signed_in("bert@beta.test").await)
}

/// Sets a user's time zone.
pub async fn set_time_zone(app: &TestApp, user_id: i64, zone: &'static str) {
    app.with_db(move |conn| {
        diesel::update(users::table.find(user_id)).set(users::time_zone.eq(zone)).execute(conn).unwrap();
    })
    .await;
}

/// A client and one of its jobs, written directly (the client and job pages are tested elsewhere).
pub async fn client_with_job(app: &TestApp, agency_id: i64, client: &str, job: &str) -> (i64, i64) {
    let (client, job, now) = (client.to_string(), job.to_string(), app.clock.now());
    app.with_db(move |conn| {
        let client_id: i64 = diesel::insert_into(clients::table)
            .values((
                clients::agency_id.eq(agency_id),
                clients::name.eq(&client),
                clients::version.eq(1),
                clients::created_at.eq(now),
                clients::updated_at.eq(now),
            ))
            .returning(clients::id)
            .get_result(conn)
            .unwrap();
        let job_id: i64 = diesel::insert_into(jobs::table)
            .values((
                jobs::agency_id.eq(agency_id),
                jobs::client_id.eq(client_id),
                jobs::title.eq(&job),
                jobs::contract_type.eq("contract"),
                jobs::remote.eq("hybrid"),
                jobs::openings.eq(1),
                jobs::status.eq("open"),
                jobs::version.eq(1),
                jobs::created_at.eq(now),
                jobs::updated_at.eq(now),
            ))
            .returning(jobs::id)
            .get_result(conn)
            .unwrap();
        (client_id, job_id)
    })
    .await
}

/// Every activity as (kind, body, occurred_at, author, contractor, client, job), oldest id first.
type ActivityRow = (String, String, NaiveDateTime, Option<i64>, Option<i64>, Option<i64>, Option<i64>);

pub async fn stored_activities(app: &TestApp) -> Vec<ActivityRow> {
    app.with_db(|conn| {
        activities::table
            .order(activities::id.asc())
            .select((
                activities::kind,
                activities::body,
                activities::occurred_at,
                activities::author_id,
                activities::contractor_id,
                activities::client_id,
                activities::job_id,
            ))
            .load(conn)
            .unwrap()
    })
    .await
}

/// Every task as (title, due, assignee, contractor, client, job, activity), oldest id first.
type TaskRow = (String, NaiveDate, i64, Option<i64>, Option<i64>, Option<i64>, Option<i64>);

pub async fn stored_tasks(app: &TestApp) -> Vec<TaskRow> {
    app.with_db(|conn| {
        tasks::table
            .order(tasks::id.asc())
            .select((
                tasks::title,
                tasks::due_on,
                tasks::assignee_id,
                tasks::contractor_id,
                tasks::client_id,
                tasks::job_id,
                tasks::activity_id,
            ))
            .load(conn)
            .unwrap()
    })
    .await
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    app.with_db(|conn| audit_log::table.order(audit_log::id.asc()).select(audit_log::action).load(conn).unwrap()).await
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    date(y, m, d).and_hms_opt(h, min, 0).unwrap()
}

#[tokio::test]
async fn a_recruiter_logs_a_call_with_a_follow_up_from_the_contractor_page_and_sees_both_there_and_in_my_tasks() {
    let app = crate::helpers::spawn_app().await;
    let (_, rita_id, _, rita) = acme(&app).await;
    let jane = rita.add_contractor(&[("name", "Jane Doe")]).await;
    let path = format!("/contractors/{jane}");
    let page = rita.get(&path).await;
    let form = format!(r#"form[action="/contractors/{jane}/activities"]"#);
    assert_eq!(page.texts(&form).len(), 1, "the log form is on the contractor page");
    assert_eq!(page.texts("#activity .empty"), ["No calls, emails, meetings or notes yet. Log the first one above."]);

    let logged = rita
        .submit(
            &path,
            &format!("/contractors/{jane}/activities"),
            &[
                ("kind", "call"),
                ("body", "Spoke to Jane.\nAvailable from January, wants remote."),
                ("occurred_at", ""),
                ("follow_up_title", "Send her the Acme role"),
                ("follow_up_due_on", "2026-11-27"),
                ("follow_up_assignee_id", &rita_id.to_string()),
            ],
        )
        .await;
    assert_eq!(logged.status, StatusCode::SEE_OTHER, "{}", logged.text);
    assert_eq!(logged.location(), path);

    let page = rita.get(&path).await;
    assert!(
        page.text.contains("Call logged. Follow-up “Send her the Acme role” is due 27 Nov 2026 for Rita Recruiter."),
        "{}",
        page.text
    );
    assert_eq!(page.texts("#activity .activity-kind"), ["Call"]);
    assert_eq!(page.texts("#activity .activity-author"), ["Rita Recruiter"]);
    assert_eq!(page.texts("#activity time"), ["25 Nov 2026, 09:00"]);
    assert!(page.text.contains("Spoke to Jane.<br/>Available from January, wants remote."), "line breaks kept");
    let follow_up = page.texts("#activity .activity-follow-up").join(" ");
    assert!(follow_up.contains("Send her the Acme role") && follow_up.contains("due 27 Nov 2026"), "{follow_up}");
    assert_eq!(page.texts("#tasks .task-title"), ["Send her the Acme role"]);

    let mine = rita.get("/tasks").await;
    assert_eq!(mine.texts(".task-group-upcoming .task-title"), ["Send her the Acme role"]);
    assert!(mine.text.contains(&format!(r#"<a href="/contractors/{jane}">Jane Doe</a>"#)), "linked to Jane");

    let stored = stored_activities(&app).await;
    assert_eq!(
        stored,
        [(
            "call".to_string(),
            "Spoke to Jane.\nAvailable from January, wants remote.".to_string(),
            start_time(),
            Some(rita_id),
            Some(jane),
            None,
            None
        )]
    );
    let activity_id: i64 = app.with_db(|conn| activities::table.select(activities::id).first(conn).unwrap()).await;
    assert_eq!(
        stored_tasks(&app).await,
        [(
            "Send her the Acme role".to_string(),
            date(2026, 11, 27),
            rita_id,
            Some(jane),
            None,
            None,
            Some(activity_id)
        )]
    );
    let actions = audit_actions(&app).await;
    assert!(actions.contains(&"activity.logged".to_string()) && actions.contains(&"task.created".to_string()));
}

#[tokio::test]
async fn a_follow_up_without_a_title_is_named_after_the_contractor_and_goes_to_me_by_default() {
    let app = crate::helpers::spawn_app().await;
    let (_, rita_id, _, rita) = acme(&app).await;
    let jane = rita.add_contractor(&[("name", "Jane Doe")]).await;
    let path = format!("/contractors/{jane}");
    let page = rita
        .submit(
            &path,
            &format!("{path}/activities"),
            &[("kind", "email"), ("body", "Sent the CV."), ("follow_up_due_on", "2026-12-01")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let tasks = stored_tasks(&app).await;
    assert_eq!(tasks.len(), 1);
    assert_eq!((tasks[0].0.as_str(), tasks[0].2), ("Follow up with Jane Doe", rita_id));
    // Without a due date or title there is no follow-up at all.
    rita.submit(&path, &format!("{path}/activities"), &[("kind", "note"), ("body", "Likes Rust.")]).await;
    assert_eq!(stored_tasks(&app).await.len(), 1);
    assert_eq!(stored_activities(&app).await.len(), 2);
}

#[tokio::test]
async fn the_timeline_is_newest_first_with_when_in_the_viewers_time_zone() {
    let app = crate::helpers::spawn_app().await;
    let (_, rita_id, _, rita) = acme(&app).await;
    set_time_zone(&app, rita_id, "Europe/Berlin").await;
    let jane = rita.add_contractor(&[("name", "Jane Doe")]).await;
    let path = format!("/contractors/{jane}");
    let log = format!("{path}/activities");
    rita.submit(&path, &log, &[("kind", "meeting"), ("body", "Met for coffee."), ("occurred_at", "2026-11-20T10:30")])
        .await;
    rita.submit(&path, &log, &[("kind", "call"), ("body", "Quick call.")]).await;
    rita.submit(&path, &log, &[("kind", "note"), ("body", "Older note."), ("occurred_at", "2026-06-01T08:00")]).await;

    let page = rita.get(&path).await;
    assert_eq!(page.texts("#activity .activity-kind"), ["Call", "Meeting", "Note"]);
    // 09:00 UTC is 10:00 in Berlin in November, and 06:00 UTC is 08:00 in summer.
    assert_eq!(page.texts("#activity time"), ["25 Nov 2026, 10:00", "20 Nov 2026, 10:30", "1 Jun 2026, 08:00"]);
    let stored: Vec<NaiveDateTime> = stored_activities(&app).await.into_iter().map(|a| a.2).collect();
    assert_eq!(stored, [at(2026, 11, 20, 9, 30), start_time(), at(2026, 6, 1, 6, 0)]);
}

/// Form fields sent, the field that must show an error, and part of its message.
type Case<'a> = (Vec<(&'a str, &'a str)>, &'static str, &'static str);

#[tokio::test]
async fn bad_input_comes_back_beside_the_fields_with_the_input_kept_and_nothing_saved() {
    let app = crate::helpers::spawn_app().await;
    let (acme_id, rita_id, sam_id, rita) = acme(&app).await;
    let (_, bert_id, _) = beta(&app).await;
    set_time_zone(&app, rita_id, "Europe/Berlin").await;
    let gone = app.create_recruiter(acme_id, "Gone Person", "gone@acme.test").await;
    app.with_db(move |conn| {
        diesel::update(users::table.find(gone)).set(users::disabled_at.eq(Some(start_time()))).execute(conn).unwrap();
    })
    .await;
    let jane = rita.add_contractor(&[("name", "Jane Doe")]).await;
    let path = format!("/contractors/{jane}");
    let log = format!("{path}/activities");
    let huge = "x".repeat(1_000_000);
    let (bert, gone, sam) = (bert_id.to_string(), gone.to_string(), sam_id.to_string());
    let cases: Vec<Case> = vec![
        (vec![("kind", "call"), ("body", "  ")], "body", "What happened is required."),
        (vec![("kind", "call"), ("body", &huge)], "body", "too long (at most 20000 characters)"),
        (vec![("kind", "fax"), ("body", "Sent a fax.")], "kind", "Kind must be one of: Call, Email, Meeting, Note."),
        (vec![("body", "No kind.")], "kind", "Choose call, email, meeting or note."),
        (vec![("kind", "call"), ("body", "x"), ("occurred_at", "yesterday")], "occurred_at", "must be a date and time"),
        (
            vec![("kind", "call"), ("body", "x"), ("occurred_at", "2026-03-29T02:30")],
            "occurred_at",
            "29 Mar 2026, 02:30 does not exist in Europe/Berlin: the clocks go forward then.",
        ),
        (
            vec![("kind", "call"), ("body", "x"), ("occurred_at", "2026-10-25T02:30")],
            "occurred_at",
            "25 Oct 2026, 02:30 happens twice in Europe/Berlin: the clocks go back then.",
        ),
        (
            vec![("kind", "meeting"), ("body", "x"), ("occurred_at", "2026-12-24T10:00")],
            "occurred_at",
            "When cannot be in the future.",
        ),
        (
            vec![("kind", "call"), ("body", "x"), ("follow_up_title", "Call back")],
            "follow_up_due_on",
            "Give the follow-up a due date.",
        ),
        (
            vec![("kind", "call"), ("body", "x"), ("follow_up_due_on", "2026-02-30")],
            "follow_up_due_on",
            "Follow-up date must be a date like 2026-12-31.",
        ),
        (
            vec![("kind", "call"), ("body", "x"), ("follow_up_due_on", "2026-12-01"), ("follow_up_assignee_id", &bert)],
            "follow_up_assignee_id",
            "Choose someone from your team.",
        ),
        (
            vec![("kind", "call"), ("body", "x"), ("follow_up_due_on", "2026-12-01"), ("follow_up_assignee_id", &gone)],
            "follow_up_assignee_id",
            "Choose someone from your team.",
        ),
        (
            vec![("kind", "call"), ("body", "x"), ("follow_up_due_on", "2026-12-01"), ("follow_up_assignee_id", "me")],
            "follow_up_assignee_id",
            "Choose someone from your team.",
        ),
    ];
    for (fields, field, message) in cases {
        let page = rita.submit(&path, &log, &fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {message}");
        let error = page.field_error(field).unwrap_or_else(|| panic!("no error beside {field}"));
        assert!(error.contains(message), "{field}: {error}");
        assert!(page.text.contains("Please fix"), "an error summary");
    }
    // Everything typed comes back, and another agency's person is never named.
    let kept = rita
        .submit(
            &path,
            &log,
            &[
                ("kind", "meeting"),
                ("body", "Lunch with Jane.\nTalked rates."),
                ("occurred_at", "2026-11-24T12:15"),
                ("follow_up_title", "Send the contract"),
                ("follow_up_due_on", "2026-12-01"),
                ("follow_up_assignee_id", &bert),
            ],
        )
        .await;
    assert_eq!(kept.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(kept.texts("#f-body"), ["Lunch with Jane. Talked rates."]);
    assert_eq!(kept.input_value("occurred_at").as_deref(), Some("2026-11-24T12:15"));
    assert_eq!(kept.input_value("follow_up_title").as_deref(), Some("Send the contract"));
    assert_eq!(kept.input_value("follow_up_due_on").as_deref(), Some("2026-12-01"));
    assert_eq!(kept.texts(r#"input[name="kind"][checked]"#).len(), 1);
    assert!(kept.text.contains(r#"value="meeting" checked"#));
    assert!(!kept.text.contains("Bert Beta"));
    assert!(kept.text.contains(&format!(r#"<option value="{sam}">Sam Sourcer</option>"#)));

    let unknown = rita.submit(&path, &log, &[("kind", "call"), ("body", "x"), ("author_id", "1")]).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(stored_activities(&app).await.is_empty(), "nothing saved");
    assert!(stored_tasks(&app).await.is_empty(), "nothing half-saved");
}

#[tokio::test]
async fn a_repeated_submission_logs_the_activity_once() {
    let app = crate::helpers::spawn_app().await;
    let (_, _, _, rita) = acme(&app).await;
    let jane = rita.add_contractor(&[("name", "Jane Doe")]).await;
    let path = format!("/contractors/{jane}");
    let fields = [("kind", "call"), ("body", "Left a voicemail."), ("follow_up_due_on", "2026-11-26")];
    let token = rita.get(&path).await.csrf_token();
    let mut with_token = fields.to_vec();
    with_token.push(("csrf_token", &token));
    let first = rita.post_raw(&format!("{path}/activities"), &with_token).await;
    let second = rita.post_raw(&format!("{path}/activities"), &with_token).await;
    assert_eq!((first.status, second.status), (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER));
    assert!(rita.get(&path).await.text.contains("That call was already logged a moment ago; nothing new was added."));
    assert_eq!((stored_activities(&app).await.len(), stored_tasks(&app).await.len()), (1, 1));
    // The same words a few minutes later are a new call.
    app.clock.advance(chrono::TimeDelta::minutes(5));
    rita.post_raw(&format!("{path}/activities"), &with_token).await;
    assert_eq!(stored_activities(&app).await.len(), 2);
}

#[tokio::test]
async fn script_in_an_activity_is_shown_as_text() {
    let app = crate::helpers::spawn_app().await;
    let (_, _, _, rita) = acme(&app).await;
    let jane = rita.add_contractor(&[("name", "Jane Doe")]).await;
    let path = format!("/contractors/{jane}");
    rita.submit(
        &path,
        &format!("{path}/activities"),
        &[
            ("kind", "note"),
            ("body", "<script>alert(1)</script>\n<img src=x onerror=alert(2)>"),
            ("follow_up_title", "<b>bold</b>"),
            ("follow_up_due_on", "2026-11-26"),
        ],
    )
    .await;
    for page in [rita.get(&path).await, rita.get(&format!("{path}/activities")).await, rita.get("/tasks").await] {
        assert!(
            !page.text.contains("<script>alert") && !page.text.contains("<img src=x") && !page.text.contains("<b>bold")
        );
    }
    assert!(rita.get(&path).await.text.contains("&#60;script&#62;alert(1)&#60;/script&#62;<br/>"));
}

#[tokio::test]
async fn clients_and_jobs_take_the_same_log_form_and_a_client_sees_its_jobs_activity() {
    let app = crate::helpers::spawn_app().await;
    let (agency, rita_id, _, rita) = acme(&app).await;
    let (client, job) = client_with_job(&app, agency, "Globex", "Rust platform engineer").await;
    let client_log = format!("/clients/{client}/activities");
    let job_log = format!("/jobs/{job}/activities");

    let page = rita.get(&client_log).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Nothing logged yet."));
    let logged = rita
        .submit(
            &client_log,
            &client_log,
            &[("kind", "meeting"), ("body", "Quarterly review with Globex."), ("follow_up_due_on", "2026-12-02")],
        )
        .await;
    assert_eq!(logged.status, StatusCode::SEE_OTHER, "{}", logged.text);
    let logged = rita
        .submit(
            &job_log,
            &job_log,
            &[
                ("kind", "email"),
                ("body", "Asked the hiring manager for feedback."),
                ("follow_up_title", "Chase feedback"),
                ("follow_up_due_on", "2026-11-30"),
            ],
        )
        .await;
    assert_eq!(logged.status, StatusCode::SEE_OTHER, "{}", logged.text);
    assert_eq!(logged.location(), format!("/jobs/{job}"));

    let job_page = rita.get(&job_log).await;
    assert_eq!(job_page.texts(".activity-body"), ["Asked the hiring manager for feedback."]);
    let client_page = rita.get(&client_log).await;
    assert_eq!(
        client_page.texts(".activity-body"),
        ["Asked the hiring manager for feedback.", "Quarterly review with Globex."]
    );
    assert!(client_page.text.contains(&format!(r#"<a href="/jobs/{job}">Rust platform engineer</a>"#)));

    let stored = stored_activities(&app).await;
    assert_eq!((stored[0].5, stored[0].6), (Some(client), None));
    assert_eq!((stored[1].5, stored[1].6), (Some(client), Some(job)), "a job's activity counts for its client");
    let tasks = stored_tasks(&app).await;
    assert_eq!(tasks[0].0, "Follow up with Globex");
    assert_eq!((tasks[1].0.as_str(), tasks[1].2, tasks[1].5), ("Chase feedback", rita_id, Some(job)));
    let mine = rita.get("/tasks").await;
    assert_eq!(mine.texts(".task-group-upcoming .task-title"), ["Chase feedback", "Follow up with Globex"]);
    assert!(mine.text.contains(&format!(r#"<a href="/jobs/{job}">Rust platform engineer</a>"#)));
    assert!(mine.text.contains(&format!(r#"<a href="/clients/{client}">Globex</a>"#)));
}

#[tokio::test]
async fn the_whole_timeline_pages_back_without_losing_or_repeating_anything() {
    let app = crate::helpers::spawn_app().await;
    let (agency, rita_id, _, rita) = acme(&app).await;
    let jane = rita.add_contractor(&[("name", "Jane Doe")]).await;
    let now = app.clock.now();
    app.with_db(move |conn| {
        for n in 0..120_i64 {
            // Pairs share a time, so the order also rests on the id.
            let occurred_at = now - chrono::TimeDelta::hours(n / 2);
            diesel::insert_into(activities::table)
                .values((
                    activities::agency_id.eq(agency),
                    activities::kind.eq("note"),
                    activities::body.eq(format!("Note {n:03}")),
                    activities::author_id.eq(Some(rita_id)),
                    activities::contractor_id.eq(Some(jane)),
                    activities::occurred_at.eq(occurred_at),
                    activities::created_at.eq(now),
                ))
                .execute(conn)
                .unwrap();
        }
    })
    .await;
    let contractor_page = rita.get(&format!("/contractors/{jane}")).await;
    assert_eq!(contractor_page.texts("#activity .activity-body").len(), 50);
    assert!(contractor_page.text.contains(&format!(r#"<a href="/contractors/{jane}/activities">All activity</a>"#)));

    let mut seen = Vec::new();
    let mut next = Some(format!("/contractors/{jane}/activities"));
    while let Some(path) = next {
        let page = rita.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let bodies = page.texts(".activity-body");
        assert!(bodies.len() <= 50);
        seen.extend(bodies);
        next = page
            .html()
            .select(&scraper::Selector::parse(".pager a").unwrap())
            .find(|a| a.text().collect::<String>() == "Older")
            .and_then(|a| a.value().attr("href"))
            .map(|href| href.replace("&amp;", "&"));
    }
    // Same time: the later insert (higher id) first.
    let mut expected: Vec<String> = (0..120).map(|n| format!("Note {n:03}")).collect();
    for pair in expected.chunks_mut(2) {
        pair.swap(0, 1);
    }
    assert_eq!(seen, expected);
    let broken = rita.get(&format!("/contractors/{jane}/activities?before=yesterday")).await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert!(broken.text.contains("This page link is broken"));
}

#[tokio::test]
async fn the_contractor_page_runs_the_same_statements_however_many_activities_and_tasks_it_has() {
    let app = crate::helpers::spawn_app().await;
    let (_, _, _, rita) = acme(&app).await;
    let jane = rita.add_contractor(&[("name", "Jane Doe")]).await;
    let path = format!("/contractors/{jane}");
    let log = format!("{path}/activities");
    rita.submit(&path, &log, &[("kind", "call"), ("body", "First."), ("follow_up_due_on", "2026-11-26")]).await;
    rita.get(&path).await;
    let few = app.statements_for(&rita, &path).await;
    for n in 0..12 {
        rita.submit(
            &path,
            &log,
            &[("kind", "call"), ("body", &format!("Call {n}")), ("follow_up_due_on", "2026-11-30")],
        )
        .await;
    }
    rita.get(&path).await;
    let page = rita.get(&path).await;
    assert_eq!((page.texts("#activity .activity-body").len(), page.texts("#tasks .task-title").len()), (13, 13));
    assert_eq!(app.statements_for(&rita, &path).await, few);
}

#[tokio::test]
async fn another_agency_gets_404_for_every_activity_route_and_never_sees_its_data() {
    let app = crate::helpers::spawn_app().await;
    let (agency, _, _, rita) = acme(&app).await;
    let (_, _, bert) = beta(&app).await;
    let jane = rita.add_contractor(&[("name", "CANARY Jane")]).await;
    let (client, job) = client_with_job(&app, agency, "CANARY Client", "CANARY Job").await;
    for path in [format!("/contractors/{jane}/activities"), format!("/clients/{client}/activities")] {
        let logged = rita
            .submit(
                &path,
                &path,
                &[
                    ("kind", "call"),
                    ("body", "CANARYBODY secret"),
                    ("follow_up_title", "CANARYTASK"),
                    ("follow_up_due_on", "2026-11-26"),
                ],
            )
            .await;
        assert_eq!(logged.status, StatusCode::SEE_OTHER);
    }
    let before = (stored_activities(&app).await, stored_tasks(&app).await);

    for (resource, id) in [("contractors", jane), ("clients", client), ("jobs", job)] {
        let path = |id: &str| format!("/{resource}/{id}/activities");
        let foreign = bert.get(&path(&id.to_string())).await;
        let missing = bert.get(&path("999999")).await;
        let malformed = bert.get(&path("abc")).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "GET {resource}");
        assert_eq!(foreign.without_tokens(), missing.without_tokens(), "GET {resource}: foreign answers like missing");
        assert_eq!(malformed.status, StatusCode::NOT_FOUND, "GET {resource}: malformed");
        for fields in [
            vec![("kind", "call"), ("body", "Hijack"), ("follow_up_due_on", "2026-11-26")],
            vec![("kind", "call"), ("body", "")],
        ] {
            let foreign = bert.submit("/tasks", &path(&id.to_string()), &fields).await;
            let missing = bert.submit("/tasks", &path("999999"), &fields).await;
            assert_eq!(foreign.status, StatusCode::NOT_FOUND, "POST {resource}");
            assert_eq!(foreign.without_tokens(), missing.without_tokens(), "POST {resource}: foreign like missing");
        }
        let wrong_method = bert.client_put(&path(&id.to_string())).await;
        assert_eq!(wrong_method, StatusCode::METHOD_NOT_ALLOWED);
    }
    assert_eq!((stored_activities(&app).await, stored_tasks(&app).await), before, "nothing changed");

    let own = bert.add_contractor(&[("name", "Beta Person")]).await;
    for path in [
        "/tasks".to_string(),
        "/tasks?who=team".to_string(),
        "/tasks?show=done".to_string(),
        "/tasks?who=team&show=done".to_string(),
        format!("/contractors/{own}"),
        format!("/contractors/{own}/activities"),
    ] {
        let page = bert.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.text.contains("CANARY"), "{path} shows Acme's data");
    }
}

trait PutRequest {
    async fn client_put(&self, path: &str) -> StatusCode;
}

impl PutRequest for TestClient {
    async fn client_put(&self, path: &str) -> StatusCode {
        self.http.put(format!("{}{path}", self.base)).send().await.unwrap().status()
    }
}

#[tokio::test]
async fn the_client_and_job_pages_show_their_log_form_timeline_and_open_tasks() {
    let app = crate::helpers::spawn_app().await;
    let (agency, _, _, rita) = acme(&app).await;
    let (client, job) = client_with_job(&app, agency, "Globex", "Rust platform engineer").await;
    let (client_page, job_page) = (format!("/clients/{client}"), format!("/jobs/{job}"));
    for (page, action) in
        [(&client_page, format!("/clients/{client}/activities")), (&job_page, format!("/jobs/{job}/activities"))]
    {
        let shown = rita.get(page).await;
        assert_eq!(shown.status, StatusCode::OK, "{page}");
        assert_eq!(shown.texts(&format!(r#"form[action="{action}"]"#)).len(), 1, "{page}: the log form");
        assert!(shown.text.contains("Nothing to follow up."), "{page}");
    }
    let logged = rita
        .submit(
            &job_page,
            &format!("{job_page}/activities"),
            &[("kind", "call"), ("body", "Hiring manager wants two more CVs."), ("follow_up_due_on", "2026-11-24")],
        )
        .await;
    assert_eq!(logged.location(), job_page);
    let shown = rita.get(&job_page).await;
    assert!(shown.text.contains("Call logged. Follow-up “Follow up on Rust platform engineer” is due 24 Nov 2026"));
    assert_eq!(shown.texts("#activity .activity-body"), ["Hiring manager wants two more CVs."]);
    assert_eq!(shown.texts("#tasks .task-title"), ["Follow up on Rust platform engineer"]);
    assert_eq!(shown.texts("#tasks .badge"), ["Overdue"]);
    let shown = rita.get(&client_page).await;
    assert_eq!(shown.texts("#activity .activity-body"), ["Hiring manager wants two more CVs."]);
    assert_eq!(shown.texts("#tasks .task-title"), ["Follow up on Rust platform engineer"]);
    // Done from the client page goes back there.
    let task: i64 = app.with_db(|conn| tasks::table.select(tasks::id).first(conn).unwrap()).await;
    let done = rita.submit(&client_page, &format!("/tasks/{task}/done"), &[("return_to", &client_page)]).await;
    assert_eq!(done.location(), client_page);
    assert!(rita.get(&client_page).await.texts("#tasks .task-title").is_empty());

    // The pages' statements do not grow with what is logged.
    let few = (app.statements_for(&rita, &client_page).await, app.statements_for(&rita, &job_page).await);
    for n in 0..5 {
        let body = format!("Call {n}");
        rita.submit(
            &job_page,
            &format!("{job_page}/activities"),
            &[("kind", "call"), ("body", &body), ("follow_up_due_on", "2026-11-30")],
        )
        .await;
    }
    rita.get(&client_page).await;
    let many = (app.statements_for(&rita, &client_page).await, app.statements_for(&rita, &job_page).await);
    assert_eq!(many, few);
}
