//! Tasks: "My tasks" grouped overdue / today / upcoming, the team's tasks, completed ones, adding
//! a task, and done or reopened with one click.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use nextgig::db::schema::{audit_log, tasks};
use reqwest::StatusCode;

use crate::activities::{acme, beta, client_with_job, set_time_zone, stored_tasks};
use crate::helpers::{TestApp, TestClient, start_time};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Adds a task through the form.
async fn add_task(client: &TestClient, fields: &[(&str, &str)]) {
    let page = client.submit("/tasks/new", "/tasks", fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "task not added: {}", page.text);
}

async fn task_ids(app: &TestApp) -> Vec<i64> {
    app.with_db(|conn| tasks::table.order(tasks::id.asc()).select(tasks::id).load(conn).unwrap()).await
}

/// (done_at, done_by) of a task.
async fn done_state(app: &TestApp, id: i64) -> (Option<NaiveDateTime>, Option<i64>) {
    app.with_db(move |conn| tasks::table.find(id).select((tasks::done_at, tasks::done_by)).first(conn).unwrap()).await
}

async fn count_action(app: &TestApp, action: &'static str) -> i64 {
    app.with_db(move |conn| audit_log::table.filter(audit_log::action.eq(action)).count().get_result(conn).unwrap())
        .await
}

#[tokio::test]
async fn my_tasks_puts_overdue_first_then_today_then_upcoming() {
    let app = crate::helpers::spawn_app().await;
    let (_, _, _, rita) = acme(&app).await;
    for (title, due) in [
        ("Upcoming call", "2026-11-26"),
        ("Today's call", "2026-11-25"),
        ("Late call", "2026-11-20"),
        ("Next week's call", "2026-12-03"),
        ("Later call", "2026-11-24"),
    ] {
        add_task(&rita, &[("title", title), ("due_on", due)]).await;
    }
    let page = rita.get("/tasks").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("main h2"), ["Overdue 2", "Today 1", "Upcoming 2"]);
    assert_eq!(page.texts(".task-group-overdue .task-title"), ["Late call", "Later call"]);
    assert_eq!(page.texts(".task-group-today .task-title"), ["Today's call"]);
    assert_eq!(page.texts(".task-group-upcoming .task-title"), ["Upcoming call", "Next week's call"]);
    assert_eq!(page.texts(".task-group-overdue time"), ["5 days ago", "yesterday"]);
    assert_eq!(page.texts(".task-group-upcoming time"), ["tomorrow", "3 Dec 2026"]);

    // A day later (and signed in again: sessions last 12 hours), tomorrow is today.
    app.clock.advance(TimeDelta::days(1));
    let rita = app.signed_in("rita@acme.test").await;
    let page = rita.get("/tasks").await;
    assert_eq!(page.texts(".task-group-overdue .task-title"), ["Late call", "Later call", "Today's call"]);
    assert_eq!(page.texts(".task-group-today .task-title"), ["Upcoming call"]);
    assert_eq!(page.texts(".task-group-upcoming .task-title"), ["Next week's call"]);
}

#[tokio::test]
async fn today_is_the_day_in_my_own_time_zone() {
    let app = crate::helpers::spawn_app().await;
    let (_, rita_id, _, rita) = acme(&app).await;
    add_task(&rita, &[("title", "Call Auckland"), ("due_on", "2026-11-26")]).await;
    // 13:00 UTC on 25 November is already 26 November in Auckland (UTC+13).
    // (Signed in again: sessions end after two idle hours.)
    app.clock.advance(TimeDelta::hours(4));
    let rita = app.signed_in("rita@acme.test").await;
    assert_eq!(rita.get("/tasks").await.texts(".task-group-upcoming .task-title"), ["Call Auckland"]);
    set_time_zone(&app, rita_id, "Pacific/Auckland").await;
    let page = rita.get("/tasks").await;
    assert_eq!(page.texts(".task-group-today .task-title"), ["Call Auckland"]);
    assert!(page.texts(".task-group-upcoming .task-title").is_empty());
}

#[tokio::test]
async fn done_with_one_click_moves_a_task_to_recently_completed_and_reopen_brings_it_back() {
    let app = crate::helpers::spawn_app().await;
    let (_, rita_id, _, rita) = acme(&app).await;
    let jane = rita.add_contractor(&[("name", "Jane Doe")]).await;
    add_task(&rita, &[("title", "Call Jane back"), ("due_on", "2026-11-25"), ("contractor_id", &jane.to_string())])
        .await;
    add_task(&rita, &[("title", "Another call"), ("due_on", "2026-11-25")]).await;
    let ids = task_ids(&app).await;
    let call_jane = ids[0];

    let mine = rita.get("/tasks").await;
    let button = format!(r#"form[action="/tasks/{call_jane}/done"] button"#);
    assert_eq!(mine.texts(&button), ["✓ Done"], "one button per task");
    let done = rita.submit("/tasks", &format!("/tasks/{call_jane}/done"), &[("return_to", "/tasks")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), "/tasks");
    let mine = rita.get("/tasks").await;
    assert!(mine.text.contains("Done: Call Jane back."));
    assert_eq!(mine.texts(".task-title"), ["Another call"]);
    assert_eq!(done_state(&app, call_jane).await, (Some(start_time()), Some(rita_id)));

    let completed = rita.get("/tasks?show=done").await;
    assert_eq!(completed.texts(".task-title"), ["Call Jane back"]);
    assert!(completed.texts("td").join(" ").contains("25 Nov 2026, 09:00 by Rita Recruiter"));
    assert!(rita.get(&format!("/contractors/{jane}")).await.texts("#tasks .task-title").is_empty());

    // Done twice is harmless: the first completion is kept and logged once.
    app.clock.advance(TimeDelta::minutes(10));
    let again = rita.submit("/tasks", &format!("/tasks/{call_jane}/done"), &[]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert!(rita.get("/tasks").await.text.contains("“Call Jane back” was already done."));
    assert_eq!(done_state(&app, call_jane).await, (Some(start_time()), Some(rita_id)));
    assert_eq!(count_action(&app, "task.completed").await, 1);

    let reopened = rita
        .submit("/tasks?show=done", &format!("/tasks/{call_jane}/reopen"), &[("return_to", "/tasks?show=done")])
        .await;
    assert_eq!(reopened.location(), "/tasks?show=done");
    assert!(rita.get("/tasks?show=done").await.texts(".task-title").is_empty());
    assert_eq!(rita.get("/tasks").await.texts(".task-title"), ["Call Jane back", "Another call"]);
    assert_eq!(done_state(&app, call_jane).await, (None, None));
    assert_eq!(count_action(&app, "task.reopened").await, 1);

    // Done from the contractor page goes back there; somewhere else is never a destination.
    let from_page = rita
        .submit(
            &format!("/contractors/{jane}"),
            &format!("/tasks/{call_jane}/done"),
            &[("return_to", &format!("/contractors/{jane}"))],
        )
        .await;
    assert_eq!(from_page.location(), format!("/contractors/{jane}"));
    let other_site = rita.submit("/tasks", &format!("/tasks/{}/done", ids[1]), &[("return_to", "//evil.test/x")]).await;
    assert_eq!(other_site.location(), "/tasks");
}

#[tokio::test]
async fn the_team_view_shows_everyones_open_tasks_and_who_does_them() {
    let app = crate::helpers::spawn_app().await;
    let (_, _, sam_id, rita) = acme(&app).await;
    add_task(&rita, &[("title", "Rita's task"), ("due_on", "2026-11-26")]).await;
    add_task(&rita, &[("title", "For Sam"), ("due_on", "2026-11-25"), ("assignee_id", &sam_id.to_string())]).await;
    let sam = app.signed_in("sam@acme.test").await;
    add_task(&sam, &[("title", "Sam's own"), ("due_on", "2026-11-20")]).await;

    assert_eq!(rita.get("/tasks").await.texts(".task-title"), ["Rita's task"]);
    assert_eq!(sam.get("/tasks").await.texts(".task-title"), ["Sam's own", "For Sam"]);
    let team = rita.get("/tasks?who=team").await;
    assert_eq!(team.texts("h1"), ["Team tasks"]);
    assert_eq!(team.texts(".task-title"), ["Sam's own", "For Sam", "Rita's task"]);
    let rows = team.texts(".task-table tbody tr");
    assert!(rows[0].contains("Sam Sourcer") && rows[2].contains("Rita Recruiter"), "{rows:?}");

    // Anyone on the team can close a colleague's task.
    let ids = task_ids(&app).await;
    rita.submit("/tasks?who=team", &format!("/tasks/{}/done", ids[2]), &[("return_to", "/tasks?who=team")]).await;
    assert_eq!(rita.get("/tasks?who=team&show=done").await.texts(".task-title"), ["Sam's own"]);
    assert!(rita.get("/tasks?show=done").await.texts(".task-title").is_empty(), "not Rita's own");
    assert_eq!(sam.get("/tasks?show=done").await.texts(".task-title"), ["Sam's own"]);
}

#[tokio::test]
async fn a_task_can_be_added_about_a_contractor_client_or_job_or_about_nothing() {
    let app = crate::helpers::spawn_app().await;
    let (agency, rita_id, sam_id, rita) = acme(&app).await;
    let jane = rita.add_contractor(&[("name", "Jane Doe")]).await;
    let (client, job) = client_with_job(&app, agency, "Globex", "Rust engineer").await;

    let contractor_page = rita.get(&format!("/contractors/{jane}")).await;
    let link = format!("/tasks/new?contractor_id={jane}");
    assert!(contractor_page.text.contains(&format!(r#"href="{link}""#)));
    let form = rita.get(&link).await;
    assert_eq!(form.texts("h1"), ["Add a task about Jane Doe"]);
    assert_eq!(form.input_value("contractor_id"), Some(jane.to_string()));
    assert!(
        form.text.contains(&format!(r#"<option value="{rita_id}" selected>Rita Recruiter</option>"#)),
        "me by default"
    );

    let added = rita
        .submit(
            &link,
            "/tasks",
            &[
                ("title", "Check references"),
                ("due_on", "2026-11-30"),
                ("assignee_id", &sam_id.to_string()),
                ("contractor_id", &jane.to_string()),
            ],
        )
        .await;
    assert_eq!(added.location(), format!("/contractors/{jane}"));
    let page = rita.get(&format!("/contractors/{jane}")).await;
    assert!(page.text.contains("Task added: “Check references”, due 30 Nov 2026 for Sam Sourcer."));
    assert_eq!(page.texts("#tasks .task-title"), ["Check references"]);

    let about_job = rita
        .submit(
            &format!("/tasks/new?job_id={job}"),
            "/tasks",
            &[("title", "Chase feedback"), ("due_on", "2026-11-27"), ("job_id", &job.to_string())],
        )
        .await;
    assert_eq!(about_job.location(), format!("/jobs/{job}"));
    let about_client = rita
        .submit(
            &format!("/tasks/new?client_id={client}"),
            "/tasks",
            &[("title", "Invoice"), ("due_on", "2026-11-28"), ("client_id", &client.to_string())],
        )
        .await;
    assert_eq!(about_client.location(), format!("/clients/{client}"));
    let standalone = rita.submit("/tasks/new", "/tasks", &[("title", "Weekly report"), ("due_on", "2026-11-27")]).await;
    assert_eq!(standalone.location(), "/tasks");

    assert_eq!(
        stored_tasks(&app).await,
        [
            ("Check references".to_string(), date(2026, 11, 30), sam_id, Some(jane), None, None, None),
            ("Chase feedback".to_string(), date(2026, 11, 27), rita_id, None, Some(client), Some(job), None),
            ("Invoice".to_string(), date(2026, 11, 28), rita_id, None, Some(client), None, None),
            ("Weekly report".to_string(), date(2026, 11, 27), rita_id, None, None, None, None),
        ]
    );
    let mine = rita.get("/tasks").await;
    assert_eq!(mine.texts(".task-title"), ["Chase feedback", "Weekly report", "Invoice"]);
    assert!(mine.text.contains(&format!(r#"<a href="/jobs/{job}">Rust engineer</a>"#)));
}

/// Form fields sent, the field that must show an error, and part of its message.
type Case<'a> = (Vec<(&'a str, String)>, &'static str, &'static str);

#[tokio::test]
async fn bad_task_input_is_shown_beside_the_fields_and_nothing_is_saved() {
    let app = crate::helpers::spawn_app().await;
    let (_, rita_id, _, rita) = acme(&app).await;
    let (beta_agency, bert_id, bert) = beta(&app).await;
    let theirs = bert.add_contractor(&[("name", "Beta Person")]).await;
    let (their_client, their_job) = client_with_job(&app, beta_agency, "Beta Client", "Beta Job").await;
    let huge = "y".repeat(1_000_000);
    let (bert_id, theirs, their_client, their_job) =
        (bert_id.to_string(), theirs.to_string(), their_client.to_string(), their_job.to_string());
    let ok = [("title", "Call"), ("due_on", "2026-11-30")];
    let with = |extra: (&'static str, &str)| -> Vec<(&str, String)> {
        let mut fields: Vec<(&str, String)> = ok.iter().map(|(k, v)| (*k, v.to_string())).collect();
        fields.retain(|(k, _)| *k != extra.0);
        fields.push((extra.0, extra.1.to_string()));
        fields
    };
    let cases: Vec<Case> = vec![
        (with(("title", "")), "title", "What to do is required."),
        (with(("title", &huge)), "title", "too long (at most 200 characters)"),
        (with(("due_on", "")), "due_on", "Due date is required."),
        (with(("due_on", "2026-02-30")), "due_on", "Due date must be a date like 2026-12-31."),
        (with(("due_on", "next week")), "due_on", "Due date must be a date like 2026-12-31."),
        (with(("assignee_id", &bert_id)), "assignee_id", "Choose someone from your team."),
        (with(("assignee_id", "999999")), "assignee_id", "Choose someone from your team."),
        (with(("contractor_id", &theirs)), "contractor_id", "There is no such contractor in your agency's records."),
        (with(("contractor_id", "999999")), "contractor_id", "There is no such contractor in your agency's records."),
        (with(("contractor_id", "abc")), "contractor_id", "There is no such contractor in your agency's records."),
        (with(("client_id", &their_client)), "client_id", "There is no such client in your agency's records."),
        (with(("job_id", &their_job)), "job_id", "There is no such job in your agency's records."),
    ];
    for (fields, field, message) in cases {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = rita.submit("/tasks/new", "/tasks", &fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {message}");
        let error = page.field_error(field).unwrap_or_else(|| panic!("no error beside {field}: {}", page.text));
        assert!(error.contains(message), "{field}: {error}");
        assert!(
            !page.text.contains("Beta Person") && !page.text.contains("Beta Client") && !page.text.contains("Bert")
        );
    }
    // A foreign contractor and a missing one get the same page.
    let foreign = rita
        .submit("/tasks/new", "/tasks", &[("title", "Call"), ("due_on", "2026-11-30"), ("contractor_id", &theirs)])
        .await;
    let missing = rita
        .submit("/tasks/new", "/tasks", &[("title", "Call"), ("due_on", "2026-11-30"), ("contractor_id", "999999")])
        .await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        foreign.without_tokens().replace(&format!(r#"name="contractor_id" value="{theirs}""#), "ID"),
        missing.without_tokens().replace(r#"name="contractor_id" value="999999""#, "ID"),
        "foreign answers like missing"
    );
    let kept = rita.submit("/tasks/new", "/tasks", &[("title", "Keep this title"), ("due_on", "someday")]).await;
    assert_eq!(kept.input_value("title").as_deref(), Some("Keep this title"));
    assert_eq!(kept.input_value("due_on").as_deref(), Some("someday"));
    assert!(
        kept.text.contains(&format!(r#"<option value="{rita_id}" selected>Rita Recruiter</option>"#)),
        "me by default"
    );
    let two = rita
        .submit(
            "/tasks/new",
            "/tasks",
            &[("title", "Two"), ("due_on", "2026-11-30"), ("client_id", "1"), ("job_id", "1")],
        )
        .await;
    assert_eq!(two.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(two.text.contains("A task is about one contractor, client or job at a time."));
    let unknown =
        rita.submit("/tasks/new", "/tasks", &[("title", "x"), ("due_on", "2026-11-30"), ("done_at", "x")]).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let no_token = rita.post_raw("/tasks", &[("title", "x"), ("due_on", "2026-11-30")]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert!(stored_tasks(&app).await.iter().all(|t| t.0 != "x" && t.0 != "Call" && t.0 != "Two"));
    assert!(task_ids(&app).await.is_empty(), "nothing saved");
}

#[tokio::test]
async fn another_agency_gets_404_for_every_task_route_and_never_sees_its_data() {
    let app = crate::helpers::spawn_app().await;
    let (agency, _, _, rita) = acme(&app).await;
    let (_, _, bert) = beta(&app).await;
    let jane = rita.add_contractor(&[("name", "CANARY Jane")]).await;
    let (client, job) = client_with_job(&app, agency, "CANARY Client", "CANARY Job").await;
    add_task(&rita, &[("title", "CANARY open"), ("due_on", "2026-11-20"), ("contractor_id", &jane.to_string())]).await;
    add_task(&rita, &[("title", "CANARY done"), ("due_on", "2026-11-20")]).await;
    let ids = task_ids(&app).await;
    rita.submit("/tasks", &format!("/tasks/{}/done", ids[1]), &[]).await;
    let open_before = done_state(&app, ids[0]).await;
    let done_before = done_state(&app, ids[1]).await;

    for action in ["done", "reopen"] {
        for id in [ids[0], ids[1]] {
            let foreign = bert.submit("/tasks", &format!("/tasks/{id}/{action}"), &[("return_to", "/tasks")]).await;
            let missing = bert.submit("/tasks", &format!("/tasks/999999/{action}"), &[("return_to", "/tasks")]).await;
            let malformed = bert.submit("/tasks", &format!("/tasks/abc/{action}"), &[]).await;
            assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{action}");
            assert_eq!(foreign.without_tokens(), missing.without_tokens(), "{action}: foreign like missing");
            assert_eq!(malformed.status, StatusCode::NOT_FOUND, "{action}: malformed");
            assert!(!foreign.text.contains("CANARY"));
        }
        assert_eq!(bert.get(&format!("/tasks/{}/{action}", ids[0])).await.status, StatusCode::METHOD_NOT_ALLOWED);
    }
    assert_eq!(done_state(&app, ids[0]).await, open_before, "still open");
    assert_eq!(done_state(&app, ids[1]).await, done_before, "still done");

    for (param, id) in [("contractor_id", jane), ("client_id", client), ("job_id", job)] {
        let foreign = bert.get(&format!("/tasks/new?{param}={id}")).await;
        let missing = bert.get(&format!("/tasks/new?{param}=999999")).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{param}");
        assert_eq!(foreign.without_tokens(), missing.without_tokens(), "{param}");
        assert_eq!(bert.get(&format!("/tasks/new?{param}=abc")).await.status, StatusCode::NOT_FOUND);
    }
    let before = stored_tasks(&app).await;
    let attach = bert
        .submit(
            "/tasks/new",
            "/tasks",
            &[("title", "Hijack"), ("due_on", "2026-11-30"), ("contractor_id", &jane.to_string())],
        )
        .await;
    assert_eq!(attach.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(stored_tasks(&app).await, before, "nothing attached to Acme's contractor");

    bert.submit("/tasks/new", "/tasks", &[("title", "Beta's own"), ("due_on", "2026-11-20")]).await;
    for path in ["/tasks", "/tasks?who=team", "/tasks?show=done", "/tasks?who=team&show=done", "/tasks/new"] {
        let page = bert.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.text.contains("CANARY"), "{path} shows Acme's data");
        assert!(!page.text.contains("Rita"), "{path} shows Acme's people");
    }
    assert_eq!(bert.get("/tasks?who=team").await.texts(".task-title"), ["Beta's own"]);
    // Anonymous visitors are sent to sign in.
    let anonymous = app.client().get("/tasks").await;
    assert_eq!((anonymous.status, anonymous.location()), (StatusCode::SEE_OTHER, "/login?next=%2Ftasks"));
}

#[tokio::test]
async fn the_task_list_pages_by_a_hundred_without_losing_or_repeating_any() {
    let app = crate::helpers::spawn_app().await;
    let (agency, rita_id, _, rita) = acme(&app).await;
    let now = app.clock.now();
    app.with_db(move |conn| {
        for n in 0..230_i64 {
            diesel::insert_into(tasks::table)
                .values((
                    tasks::agency_id.eq(agency),
                    tasks::title.eq(format!("Task {n:03}")),
                    // Ten tasks a day, so a page boundary falls inside a day.
                    tasks::due_on.eq(date(2026, 11, 1) + TimeDelta::days(n / 10)),
                    tasks::assignee_id.eq(rita_id),
                    tasks::created_at.eq(now),
                    tasks::updated_at.eq(now),
                    tasks::done_at.eq((n % 2 == 0).then_some(now - TimeDelta::minutes(n / 4))),
                    tasks::done_by.eq((n % 2 == 0).then_some(rita_id)),
                ))
                .execute(conn)
                .unwrap();
        }
    })
    .await;
    for (path, expected) in [
        ("/tasks", (0..230).filter(|n| n % 2 != 0).map(|n| format!("Task {n:03}")).collect::<Vec<_>>()),
        ("/tasks?who=team&show=done", {
            // Most recently done first; equal times by the newer id first.
            let mut done: Vec<i64> = (0..230).filter(|n| n % 2 == 0).collect();
            done.sort_by_key(|n| (n / 4, -n));
            done.into_iter().map(|n| format!("Task {n:03}")).collect()
        }),
    ] {
        let mut seen = Vec::new();
        let mut next = Some(path.to_string());
        let mut pages = 0;
        while let Some(path) = next {
            let page = rita.get(&path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            let titles = page.texts(".task-title");
            assert!(titles.len() <= 100, "{path}: {} rows", titles.len());
            seen.extend(titles);
            pages += 1;
            next = page
                .html()
                .select(&scraper::Selector::parse(".pager a").unwrap())
                .find(|a| a.text().collect::<String>().starts_with("Next"))
                .and_then(|a| a.value().attr("href"))
                .map(str::to_string);
        }
        assert_eq!(seen, expected, "{path}");
        assert!(pages >= 2, "{path} pages");
    }
    for broken in ["/tasks?who=boss", "/tasks?show=all", "/tasks?after=garbage", "/tasks?show=done&after=2026-11-01_3"]
    {
        let page = rita.get(broken).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{broken}");
    }
    assert!(rita.get("/tasks?who=boss").await.text.contains("Show either your tasks (who=me) or the team"));
}
