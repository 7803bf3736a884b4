//! `/admin/stages`: the admin renames, reorders, adds and archives pipeline stages and sets the
//! pipeline windows; the rules that keep the pipeline usable; recruiters and other agencies kept
//! out.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use nextgig::db::schema::{agencies, audit_log, pipeline_stages};
use reqwest::StatusCode;

use crate::helpers::{Page, TestApp, TestClient, spawn_app};
use crate::pipeline::{desk_with_job, put_forward, state_of};

/// (id, name, category, position, follow-up days, archived) of every stage, in pipeline order.
type StageRow = (i64, String, String, i32, i32, Option<NaiveDateTime>);

async fn stages(app: &TestApp, agency_id: i64) -> Vec<StageRow> {
    app.with_db(move |conn| {
        pipeline_stages::table
            .filter(pipeline_stages::agency_id.eq(agency_id))
            .order((pipeline_stages::position.asc(), pipeline_stages::id.asc()))
            .select((
                pipeline_stages::id,
                pipeline_stages::name,
                pipeline_stages::category,
                pipeline_stages::position,
                pipeline_stages::follow_up_days,
                pipeline_stages::archived_at,
            ))
            .load(conn)
            .unwrap()
    })
    .await
}

/// The names of the unarchived stages, in order.
async fn live_names(app: &TestApp, agency_id: i64) -> Vec<String> {
    stages(app, agency_id).await.into_iter().filter(|s| s.5.is_none()).map(|s| s.1).collect()
}

async fn stage_named(app: &TestApp, agency_id: i64, name: &str) -> StageRow {
    stages(app, agency_id).await.into_iter().find(|s| s.1 == name).unwrap_or_else(|| panic!("no stage {name}"))
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    app.with_db(|conn| {
        audit_log::table
            .filter(audit_log::action.like("stage.%").or(audit_log::action.eq("agency.pipeline_settings")))
            .order(audit_log::id.asc())
            .select(audit_log::action)
            .load(conn)
            .unwrap()
    })
    .await
}

async fn edit(admin: &TestClient, id: i64, name: &str, days: &str) -> Page {
    admin.submit("/admin/stages", &format!("/admin/stages/{id}"), &[("name", name), ("follow_up_days", days)]).await
}

async fn post_empty(admin: &TestClient, path: &str) -> Page {
    admin.submit("/admin/stages", path, &[]).await
}

/// The value of the input with this id.
fn value_of(page: &Page, id: &str) -> Option<String> {
    let selector = scraper::Selector::parse(&format!("#{id}")).unwrap();
    page.html().select(&selector).next().and_then(|e| e.value().attr("value").map(str::to_string))
}

#[tokio::test]
async fn an_admin_renames_reorders_adds_changes_follow_up_days_and_archives() {
    let app = spawn_app().await;
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;

    let page = ada.get("/admin/stages").await;
    assert_eq!(page.status, StatusCode::OK);
    for name in ["Sourced", "Consent requested", "Submitted to client", "Client interview", "Offer", "Placed", "Closed"]
    {
        assert!(page.text.contains(name), "{name} listed");
    }
    assert!(
        page.text.contains("applies from each submission's next event on"),
        "the page says when a new time applies"
    );

    let offer = stage_named(&app, agency, "Offer").await;
    let saved = edit(&ada, offer.0, "Offer made", "4").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let offer = stage_named(&app, agency, "Offer made").await;
    assert_eq!(offer.4, 4);

    let moved = ada.submit("/admin/stages", &format!("/admin/stages/{}/move", offer.0), &[("direction", "up")]).await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.text);
    assert_eq!(
        live_names(&app, agency).await,
        ["Sourced", "Consent requested", "Submitted to client", "Offer made", "Client interview", "Placed", "Closed"]
    );
    let down = ada.submit("/admin/stages", &format!("/admin/stages/{}/move", offer.0), &[("direction", "down")]).await;
    assert_eq!(down.status, StatusCode::SEE_OTHER);
    assert_eq!(live_names(&app, agency).await[3..5], ["Client interview", "Offer made"]);

    let added = ada
        .submit(
            "/admin/stages",
            "/admin/stages",
            &[("name", "Second interview"), ("category", "interview"), ("follow_up_days", "2")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    assert_eq!(
        live_names(&app, agency).await,
        [
            "Sourced",
            "Consent requested",
            "Submitted to client",
            "Client interview",
            "Second interview",
            "Offer made",
            "Placed",
            "Closed"
        ],
        "a new stage goes after the last stage of its category"
    );
    let second = stage_named(&app, agency, "Second interview").await;
    assert_eq!((second.2.as_str(), second.4), ("interview", 2));
    let positions: Vec<i32> = stages(&app, agency).await.iter().map(|s| s.3).collect();
    assert_eq!(positions, (1..=8).collect::<Vec<i32>>());

    let archived = post_empty(&ada, &format!("/admin/stages/{}/archive", second.0)).await;
    assert_eq!(archived.status, StatusCode::SEE_OTHER, "{}", archived.text);
    assert!(stage_named(&app, agency, "Second interview").await.5.is_some());
    let page = ada.get("/admin/stages").await;
    assert_eq!(page.texts("#archived-heading + p + ul .stage-meta strong"), ["Second interview"]);
    assert!(page.text.contains("archived."), "a flash says it was archived");

    let restored = post_empty(&ada, &format!("/admin/stages/{}/restore", second.0)).await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER);
    assert_eq!(live_names(&app, agency).await[4], "Second interview");

    assert_eq!(
        audit_actions(&app).await,
        ["stage.updated", "stage.moved", "stage.moved", "stage.added", "stage.archived", "stage.restored"]
    );
}

#[tokio::test]
async fn an_admin_sets_the_pipeline_windows() {
    let app = spawn_app().await;
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    let page = ada.get("/admin/stages").await;
    assert_eq!(page.input_value("ownership_window_days").as_deref(), Some("180"));
    assert_eq!(page.input_value("availability_window_hours").as_deref(), Some("72"));
    assert_eq!(page.input_value("consent_valid_days").as_deref(), Some("14"));

    let saved = ada
        .submit(
            "/admin/stages",
            "/admin/pipeline-settings",
            &[("ownership_window_days", "90"), ("availability_window_hours", "48"), ("consent_valid_days", "7")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let stored: (i32, i32, i32) = app
        .with_db(move |conn| {
            agencies::table
                .find(agency)
                .select((
                    agencies::ownership_window_days,
                    agencies::availability_window_hours,
                    agencies::consent_valid_days,
                ))
                .first(conn)
                .unwrap()
        })
        .await;
    assert_eq!(stored, (90, 48, 7));
    assert_eq!(audit_actions(&app).await, ["agency.pipeline_settings"]);

    let refused = ada
        .submit(
            "/admin/stages",
            "/admin/pipeline-settings",
            &[("ownership_window_days", "0"), ("availability_window_hours", "lots"), ("consent_valid_days", "30")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.field_error("ownership_window_days").unwrap().contains("between 1 and 730"));
    assert!(refused.field_error("availability_window_hours").unwrap().contains("whole number"));
    assert_eq!(refused.input_value("availability_window_hours").as_deref(), Some("lots"), "input kept");
    assert_eq!(refused.input_value("consent_valid_days").as_deref(), Some("30"), "input kept");
    let after: i32 = app
        .with_db(move |conn| agencies::table.find(agency).select(agencies::consent_valid_days).first(conn).unwrap())
        .await;
    assert_eq!(after, 7, "nothing half-saved");
}

#[tokio::test]
async fn a_recruiter_cannot_change_the_pipeline() {
    let app = spawn_app().await;
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    app.create_recruiter(agency, "Rita Recruiter", "rita@acme.test").await;
    let rita = app.signed_in("rita@acme.test").await;
    let before = stages(&app, agency).await;
    assert_eq!(rita.get("/admin/stages").await.status, StatusCode::FORBIDDEN);
    let offer = stage_named(&app, agency, "Offer").await;
    let attempts = [
        rita.submit("/", &format!("/admin/stages/{}", offer.0), &[("name", "Hacked"), ("follow_up_days", "9")]).await,
        rita.submit("/", &format!("/admin/stages/{}/move", offer.0), &[("direction", "up")]).await,
        rita.submit("/", &format!("/admin/stages/{}/archive", offer.0), &[]).await,
        rita.submit("/", "/admin/stages", &[("name", "Mine"), ("category", "offer"), ("follow_up_days", "3")]).await,
        rita.submit(
            "/",
            "/admin/pipeline-settings",
            &[("ownership_window_days", "1"), ("availability_window_hours", "1"), ("consent_valid_days", "1")],
        )
        .await,
    ];
    for attempt in attempts {
        assert_eq!(attempt.status, StatusCode::FORBIDDEN, "{}", attempt.text);
    }
    assert_eq!(stages(&app, agency).await, before, "nothing changed");
    assert!(audit_actions(&app).await.is_empty());
}

#[tokio::test]
async fn archiving_a_stage_with_open_submissions_is_refused() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    put_forward(&desk).await;
    let ada = app.signed_in("admin@acme.test").await;
    // A second sourced stage, so that only the open submission stands in the way.
    let added = ada
        .submit(
            "/admin/stages",
            "/admin/stages",
            &[("name", "Longlist"), ("category", "sourced"), ("follow_up_days", "5")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    let sourced = stage_named(&app, desk.agency_id, "Sourced").await;

    let page = ada.get("/admin/stages").await;
    assert!(page.texts(&format!("#stage-{} .stage-open", sourced.0))[0].contains("1 open submission"));

    let refused = post_empty(&ada, &format!("/admin/stages/{}/archive", sourced.0)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = refused.field_error(&format!("stage-{}-archive", sourced.0)).expect("the error is on the row");
    assert!(message.contains("1 open submission is in “Sourced”"), "{message}");
    assert!(stage_named(&app, desk.agency_id, "Sourced").await.5.is_none(), "not archived");
}

#[tokio::test]
async fn the_last_stage_of_a_category_cannot_be_archived() {
    let app = spawn_app().await;
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    for name in ["Closed", "Client interview"] {
        let stage = stage_named(&app, agency, name).await;
        let refused = post_empty(&ada, &format!("/admin/stages/{}/archive", stage.0)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let message = refused.field_error(&format!("stage-{}-archive", stage.0)).unwrap();
        assert!(message.contains("every category needs one"), "{message}");
        assert!(stage_named(&app, agency, name).await.5.is_none());
    }
}

#[tokio::test]
async fn bad_input_is_kept_on_the_form() {
    let app = spawn_app().await;
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    let before = stages(&app, agency).await;
    let offer = stage_named(&app, agency, "Offer").await;

    let page = edit(&ada, offer.0, "  ", "61").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.field_error(&format!("stage-{}-name", offer.0)).unwrap().contains("required"));
    assert!(page.field_error(&format!("stage-{}-follow_up_days", offer.0)).unwrap().contains("between 1 and 60"));
    assert_eq!(value_of(&page, &format!("f-stage-{}-follow_up_days", offer.0)).as_deref(), Some("61"));

    let page = edit(&ada, offer.0, "client INTERVIEW", "3").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.field_error(&format!("stage-{}-name", offer.0)).unwrap().contains("already has a stage"));
    assert_eq!(value_of(&page, &format!("f-stage-{}-name", offer.0)).as_deref(), Some("client INTERVIEW"));

    let page = edit(&ada, offer.0, "Offer", "0").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "zero business days is refused");

    let page = ada
        .submit(
            "/admin/stages",
            "/admin/stages",
            &[("name", "sourced"), ("category", "nonsense"), ("follow_up_days", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.field_error("name").unwrap().contains("already has a stage"));
    assert!(page.field_error("category").is_some());
    assert!(page.field_error("follow_up_days").unwrap().contains("required"));
    assert_eq!(value_of(&page, "f-name").as_deref(), Some("sourced"), "the add form keeps its input");

    let extra = ada
        .submit(
            "/admin/stages",
            &format!("/admin/stages/{}", offer.0),
            &[("name", "X"), ("follow_up_days", "3"), ("agency_id", "2")],
        )
        .await;
    assert_eq!(extra.status, StatusCode::BAD_REQUEST, "unknown fields are refused");

    assert_eq!(stages(&app, agency).await, before, "nothing saved");
}

#[tokio::test]
async fn another_agencys_stage_answers_like_a_missing_one() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let (beta, _) = app.create_agency("Beta Recruiting", "bob@beta.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    let before = stages(&app, beta).await;
    let foreign = stage_named(&app, beta, "Offer").await.0;
    let paths = |id: &str| {
        [
            (format!("/admin/stages/{id}"), vec![("name", "Canary"), ("follow_up_days", "3")]),
            (format!("/admin/stages/{id}/move"), vec![("direction", "up")]),
            (format!("/admin/stages/{id}/archive"), vec![]),
            (format!("/admin/stages/{id}/restore"), vec![]),
        ]
    };
    for ((foreign_path, fields), (missing_path, _)) in paths(&foreign.to_string()).into_iter().zip(paths("999999")) {
        let foreign_page = ada.submit("/admin/stages", &foreign_path, &fields).await;
        let missing_page = ada.submit("/admin/stages", &missing_path, &fields).await;
        assert_eq!(foreign_page.status, StatusCode::NOT_FOUND, "{foreign_path}");
        assert_eq!(missing_page.status, StatusCode::NOT_FOUND, "{missing_path}");
        assert_eq!(foreign_page.without_tokens(), missing_page.without_tokens(), "{foreign_path}: same answer");
    }
    assert_eq!(stages(&app, beta).await, before, "the other agency's pipeline is untouched");
    assert!(!ada.get("/admin/stages").await.text.contains("Canary"));
}

#[tokio::test]
async fn a_new_follow_up_time_is_used_by_the_next_event() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = put_forward(&desk).await;
    // Wednesday 25 Nov plus Sourced's 5 business days.
    let first_due = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    assert_eq!(state_of(&app, submission).await.1, Some(first_due));

    let ada = app.signed_in("admin@acme.test").await;
    let sourced = stage_named(&app, desk.agency_id, "Sourced").await;
    let saved = edit(&ada, sourced.0, "Sourced", "10").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert_eq!(state_of(&app, submission).await.1, Some(first_due), "due dates already set stay");

    let page = format!("/submissions/{submission}");
    let update = desk
        .recruiter
        .submit(&page, &format!("{page}/updates"), &[("body", "Called the client."), ("tell_contractor", "")])
        .await;
    assert_eq!(update.status, StatusCode::SEE_OTHER, "{}", update.text);
    assert_eq!(
        state_of(&app, submission).await.1,
        NaiveDate::from_ymd_opt(2026, 12, 9),
        "the next event uses the new follow-up time: 10 business days from Wednesday 25 Nov"
    );
}
