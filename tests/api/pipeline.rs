//! The submissions pipeline: stages, putting forward, consent (by link and in the portal), the
//! cross-agency guard, follow-up due dates, updates and closing.

use chrono::{NaiveDate, TimeDelta};
use diesel::prelude::*;
use nextgig::db::schema::{pipeline_stages, submissions};
use reqwest::StatusCode;

use crate::clients::{add_client, desk, id_from};
use crate::helpers::{Page, TestApp, TestClient, spawn_app};
use crate::jobs::add_job;

/// An agency with a recruiter, a client at `client_domain`, an open job there and a contractor
/// with an email, ready to be put forward.
pub struct Desk {
    pub agency_id: i64,
    pub recruiter: TestClient,
    pub client_id: i64,
    pub job_id: i64,
    pub contractor_id: i64,
    pub email: String,
}

/// A desk for agency `agency` (staff emails at `domain`) with Jane (`email`) and a job at
/// `client_domain`.
pub async fn desk_with_job(app: &TestApp, agency: &str, domain: &str, client_domain: &str, email: &str) -> Desk {
    let (agency_id, recruiter) = desk(app, agency, domain).await;
    let client_id = add_client(&recruiter, "Globex Bank", client_domain).await;
    let job_id = add_job(&recruiter, client_id, &[("title", "Rust Engineer"), ("rate_min", "90")]).await;
    let contractor_id = recruiter
        .add_contractor(&[("name", "Jane Doe"), ("email", email), ("skills", "Rust"), ("rate_floor", "80")])
        .await;
    Desk { agency_id, recruiter, client_id, job_id, contractor_id, email: email.to_string() }
}

/// Puts the desk's contractor forward for its job; returns the submission's id.
pub async fn put_forward(desk: &Desk) -> i64 {
    let page = add_to_pipeline(desk, desk.job_id, "").await;
    id_from(&page)
}

/// Posts "put forward" for `job` with an optional override reason.
pub async fn add_to_pipeline(desk: &Desk, job: i64, reason: &str) -> Page {
    let (job, contractor) = (job.to_string(), desk.contractor_id.to_string());
    desk.recruiter
        .submit(
            &format!("/jobs/{job}"),
            "/submissions",
            &[("job_id", &job), ("contractor_id", &contractor), ("override_reason", reason)],
        )
        .await
}

/// Asks consent on `submission` with the usual answers and `changes`; returns the response.
pub async fn ask_consent(desk: &Desk, submission: i64, changes: &[(&str, &str)]) -> Page {
    let mut fields = vec![
        ("rate", "95"),
        ("rate_currency", "EUR"),
        ("rate_unit", "hour"),
        ("client_shown", "name"),
        ("client_description", ""),
        ("exclusivity_days", "90"),
    ];
    for (name, value) in changes {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = value,
            None => fields.push((name, value)),
        }
    }
    let page = format!("/submissions/{submission}");
    desk.recruiter.submit(&page, &format!("{page}/consent"), &fields).await
}

/// The consent link last emailed to the desk's contractor.
pub async fn consent_link(app: &TestApp, desk: &Desk) -> String {
    app.last_email_to(&desk.email).await.link(&format!("{}/consents/", app.address))
}

/// Approves or declines through the emailed link, as someone without an account.
pub async fn decide_by_link(app: &TestApp, link: &str, decision: &str) -> Page {
    let visitor = app.client();
    let page = visitor.get(link).await;
    // An answered or expired request has no buttons: take a form token from another page.
    let token =
        if page.text.contains("csrf_token") { page.csrf_token() } else { visitor.get("/login").await.csrf_token() };
    visitor.post_raw(link, &[("decision", decision), ("csrf_token", &token)]).await
}

/// Confirms the desk contractor's availability as of now.
pub async fn confirm_availability(desk: &Desk) {
    let record = format!("/contractors/{}", desk.contractor_id);
    let page = desk.recruiter.submit(&record, &format!("{record}/availability/confirm"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
}

/// A submission whose contractor approved consent by link and whose availability was just
/// confirmed: ready to be moved to "Submitted to client".
pub async fn approved_submission(app: &TestApp, desk: &Desk) -> i64 {
    let submission = put_forward(desk).await;
    let asked = ask_consent(desk, submission, &[]).await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.text);
    let link = consent_link(app, desk).await;
    let decided = decide_by_link(app, &link, "approve").await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.text);
    confirm_availability(desk).await;
    submission
}

/// The id of the agency's first stage of `category`.
pub async fn stage_id(app: &TestApp, agency_id: i64, category: &'static str) -> i64 {
    app.with_db(move |conn| {
        pipeline_stages::table
            .filter(pipeline_stages::agency_id.eq(agency_id))
            .filter(pipeline_stages::category.eq(category))
            .order(pipeline_stages::position)
            .select(pipeline_stages::id)
            .first(conn)
            .unwrap()
    })
    .await
}

/// Moves `submission` to `stage` through the submission page's form.
pub async fn move_to(desk: &Desk, submission: i64, stage: i64) -> Page {
    let page = format!("/submissions/{submission}");
    let stage = stage.to_string();
    desk.recruiter.submit(&page, &format!("{page}/stage"), &[("stage_id", &stage), ("note", ""), ("back", "")]).await
}

/// The submission's current stage category and next update due date.
pub async fn state_of(app: &TestApp, submission: i64) -> (String, Option<NaiveDate>) {
    app.with_db(move |conn| {
        submissions::table
            .inner_join(pipeline_stages::table)
            .filter(submissions::id.eq(submission))
            .select((pipeline_stages::category, submissions::next_update_due))
            .first(conn)
            .unwrap()
    })
    .await
}

#[tokio::test]
async fn a_contractor_approves_by_link_and_can_then_be_submitted() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = approved_submission(&app, &desk).await;
    let submitted = stage_id(&app, desk.agency_id, "submitted").await;
    let moved = move_to(&desk, submission, submitted).await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.text);
    assert_eq!(state_of(&app, submission).await.0, "submitted");
}

/// The desk's contractor creates a NextGig account from the agency's invitation; returns her
/// signed-in client.
pub async fn contractor_joins(app: &TestApp, desk: &Desk) -> TestClient {
    let record = format!("/contractors/{}", desk.contractor_id);
    let invited = desk.recruiter.submit(&record, &format!("{record}/invite"), &[]).await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER, "{}", invited.text);
    let link = app.last_email_to(&desk.email).await.link(&format!("{}/invitations/", app.address));
    let contractor = app.client();
    let joined = contractor.submit(&link, &link, &[("name", "Jane Doe"), ("password", crate::helpers::PASSWORD)]).await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.text);
    contractor
}

async fn representations_active(app: &TestApp) -> i64 {
    use nextgig::db::schema::representations;
    app.with_db(|conn| {
        representations::table.filter(representations::ended_at.is_null()).count().get_result::<i64>(conn).unwrap()
    })
    .await
}

#[tokio::test]
async fn no_submitted_stage_without_approved_consent_and_fresh_availability_even_from_a_forged_form() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = put_forward(&desk).await;
    let submitted = stage_id(&app, desk.agency_id, "submitted").await;
    let interview = stage_id(&app, desk.agency_id, "interview").await;
    // No consent asked: the move is refused on the page, for "submitted" and every later stage.
    for stage in [submitted, interview] {
        let refused = move_to(&desk, submission, stage).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.field_error("stage_id").unwrap().contains("not approved being put forward"));
        assert_eq!(state_of(&app, submission).await.0, "sourced");
    }
    // Asked, but not yet answered: still refused.
    assert_eq!(ask_consent(&desk, submission, &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, submission).await.0, "consent", "asking moves the card to the consent stage");
    assert_eq!(move_to(&desk, submission, submitted).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Declined: refused.
    let link = consent_link(&app, &desk).await;
    assert_eq!(decide_by_link(&app, &link, "decline").await.status, StatusCode::OK);
    assert_eq!(move_to(&desk, submission, submitted).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Four days later a new request is approved; availability was last confirmed when the record
    // was created, four days ago: refused with the reason.
    app.clock.advance(TimeDelta::days(4));
    let desk = Desk { recruiter: app.signed_in("rita@acme.test").await, ..desk };
    assert_eq!(ask_consent(&desk, submission, &[]).await.status, StatusCode::SEE_OTHER);
    let link = consent_link(&app, &desk).await;
    assert_eq!(decide_by_link(&app, &link, "approve").await.status, StatusCode::OK);
    let stale = move_to(&desk, submission, submitted).await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = stale.field_error("stage_id").unwrap();
    assert!(error.contains("confirmed 4 days ago") && error.contains("within 72 hours"), "{error}");
    assert_eq!(state_of(&app, submission).await.0, "consent");
    // Confirmed now: the move goes through.
    confirm_availability(&desk).await;
    assert_eq!(move_to(&desk, submission, submitted).await.status, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, submission).await.0, "submitted");
}

#[tokio::test]
async fn an_expired_consent_no_longer_allows_submitting() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = put_forward(&desk).await;
    assert_eq!(ask_consent(&desk, submission, &[("exclusivity_days", "5")]).await.status, StatusCode::SEE_OTHER);
    let link = consent_link(&app, &desk).await;
    assert_eq!(decide_by_link(&app, &link, "approve").await.status, StatusCode::OK);
    app.clock.advance(TimeDelta::days(6));
    let desk = Desk { recruiter: app.signed_in("rita@acme.test").await, ..desk };
    confirm_availability(&desk).await;
    let submitted = stage_id(&app, desk.agency_id, "submitted").await;
    let refused = move_to(&desk, submission, submitted).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.field_error("stage_id").unwrap().contains("consent expired"));
}

#[tokio::test]
async fn a_stage_of_another_agency_or_a_closed_stage_is_refused_and_nothing_moves() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let other = desk_with_job(&app, "Beta Talent", "beta.test", "initech.example", "joe@example.com").await;
    let submission = approved_submission(&app, &desk).await;
    let theirs = stage_id(&app, other.agency_id, "sourced").await;
    let refused = move_to(&desk, submission, theirs).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.field_error("stage_id").as_deref(), Some("Choose one of your pipeline's stages."));
    let closed = stage_id(&app, desk.agency_id, "closed").await;
    let refused = move_to(&desk, submission, closed).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.field_error("stage_id").unwrap().contains("Closing needs a reason"));
    for forged in ["", "abc", "999999"] {
        let page = format!("/submissions/{submission}");
        let refused = desk.recruiter.submit(&page, &format!("{page}/stage"), &[("stage_id", forged)]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "stage_id={forged:?}");
    }
    assert_eq!(state_of(&app, submission).await.0, "consent");
}

#[tokio::test]
async fn the_same_contractor_twice_on_one_job_is_refused_and_the_first_submission_shown() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let first = put_forward(&desk).await;
    let again = add_to_pipeline(&desk, desk.job_id, "").await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(again.location(), format!("/submissions/{first}"));
    let shown = desk.recruiter.get(&format!("/submissions/{first}")).await;
    assert!(shown.text.contains("Nobody is put forward twice for one job."));
    assert_eq!(app.count("submissions").await, 1);
}

#[tokio::test]
async fn another_job_at_the_same_client_inside_the_ownership_window_needs_a_reason() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    put_forward(&desk).await;
    let second_job = add_job(&desk.recruiter, desk.client_id, &[("title", "Platform Engineer")]).await;
    let warned = add_to_pipeline(&desk, second_job, "").await;
    assert_eq!(warned.status, StatusCode::CONFLICT);
    assert!(warned.text.contains("Rust Engineer"), "names the earlier job");
    assert_eq!(app.count("submissions").await, 1, "nothing saved without a reason");
    let done = add_to_pipeline(&desk, second_job, "The client asked for her for both roles").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    let id = id_from(&done);
    let page = desk.recruiter.get(&format!("/submissions/{id}")).await;
    assert!(page.text.contains("The client asked for her for both roles"), "the reason is kept in the history");
    assert_eq!(app.count("submissions").await, 2);
    // Past the window (180 days), no reason is needed.
    let third_job = add_job(&desk.recruiter, desk.client_id, &[("title", "SRE")]).await;
    app.clock.advance(TimeDelta::days(181));
    let desk = Desk { recruiter: app.signed_in("rita@acme.test").await, ..desk };
    assert_eq!(add_to_pipeline(&desk, third_job, "").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn another_agency_learns_only_the_date_of_the_representation_and_the_contractor_decides() {
    let app = spawn_app().await;
    let acme = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let acme_submission = put_forward(&acme).await;
    let asked = ask_consent(&acme, acme_submission, &[("rate", "123.45")]).await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    let link = consent_link(&app, &acme).await;
    assert_eq!(decide_by_link(&app, &link, "approve").await.status, StatusCode::OK);
    app.clock.advance(TimeDelta::days(2));
    // Beta knows the same client by another name but the same domain (normalised).
    let (beta_id, beta) = desk(&app, "Beta Talent", "beta.test").await;
    let client = add_client(&beta, "Globex", "https://www.Globex.example/").await;
    let job = add_job(&beta, client, &[("title", "Backend Developer")]).await;
    let jane = beta.add_contractor(&[("name", "J. Doe"), ("email", "jane@example.com")]).await;
    let beta = Desk {
        agency_id: beta_id,
        recruiter: beta,
        client_id: client,
        job_id: job,
        contractor_id: jane,
        email: "jane@example.com".into(),
    };
    let submission = put_forward(&beta).await;
    let asked = ask_consent(&beta, submission, &[]).await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    let page = beta.recruiter.get(&format!("/submissions/{submission}")).await;
    assert!(page.text.contains("Already represented at this client since 25 Nov 2026 — ask the contractor."));
    for path in [format!("/submissions/{submission}"), format!("/jobs/{job}"), format!("/contractors/{jane}")] {
        let seen = beta.recruiter.get(&path).await.without_tokens();
        for secret in ["Acme", "Rust Engineer", "123.45", "Globex Bank", "rita@acme"] {
            assert!(!seen.contains(secret), "{path} shows {secret}");
        }
    }
    // Jane sees who, for which role and since when, on the request.
    let link = consent_link(&app, &beta).await;
    let request = app.client().get(&link).await;
    assert!(request.text.contains("You may already be represented at this company"));
    assert!(request.text.contains("Acme Staffing, for Rust Engineer, since 25 Nov 2026"));
    // She chooses Beta: Acme's representation ends, Beta's begins; the warning stops.
    assert_eq!(decide_by_link(&app, &link, "approve").await.status, StatusCode::OK);
    assert_eq!(representations_active(&app).await, 1);
    let holder: i64 = app
        .with_db(|conn| {
            use nextgig::db::schema::representations;
            representations::table
                .filter(representations::ended_at.is_null())
                .select(representations::agency_id)
                .first(conn)
                .unwrap()
        })
        .await;
    assert_eq!(holder, beta_id);
}

#[tokio::test]
async fn an_outside_submission_the_contractor_reported_warns_like_a_representation() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let jane = contractor_joins(&app, &desk).await;
    let saved = jane
        .submit(
            "/me/outside",
            "/me/outside",
            &[
                ("client_name", "Globex"),
                ("client_domain", "globex.example"),
                ("role_title", "Data engineer"),
                ("submitted_on", "2026-11-20"),
                ("notes", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let submission = put_forward(&desk).await;
    assert_eq!(ask_consent(&desk, submission, &[]).await.status, StatusCode::SEE_OTHER);
    let page = desk.recruiter.get(&format!("/submissions/{submission}")).await;
    assert!(page.text.contains("Already represented at this client since 20 Nov 2026 — ask the contractor."));
    assert!(!page.text.contains("Data engineer"));
}

#[tokio::test]
async fn twenty_approvals_racing_for_one_person_and_client_leave_one_active_representation() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let mut links = Vec::new();
    for n in 0..20 {
        let job = if n == 0 {
            desk.job_id
        } else {
            add_job(&desk.recruiter, desk.client_id, &[("title", &format!("Role {n}"))]).await
        };
        let page = add_to_pipeline(&desk, job, if n == 0 { "" } else { "Asked for by the client" }).await;
        let submission = id_from(&page);
        assert_eq!(ask_consent(&desk, submission, &[]).await.status, StatusCode::SEE_OTHER);
        links.push(consent_link(&app, &desk).await);
    }
    // Open every link first (each with its own form token), then approve all at once.
    let mut forms = Vec::new();
    for link in &links {
        let visitor = app.client();
        let token = visitor.get(link).await.csrf_token();
        forms.push((visitor, link.clone(), token));
    }
    let mut racing = tokio::task::JoinSet::new();
    for (visitor, link, token) in forms {
        racing.spawn(async move { visitor.post_raw(&link, &[("decision", "approve"), ("csrf_token", &token)]).await });
    }
    let answers = racing.join_all().await;
    let approved = answers.iter().filter(|a| a.status == StatusCode::OK).count();
    assert!(approved >= 1, "at least one approval went through");
    for answer in &answers {
        assert!(
            [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY].contains(&answer.status),
            "a clear answer, not a crash: {} {}",
            answer.status,
            answer.text
        );
    }
    assert_eq!(representations_active(&app).await, 1, "at most (and here exactly) one active representation");
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[tokio::test]
async fn the_next_update_is_due_in_business_days_and_every_event_resets_it() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    // Wednesday 25 Nov 2026: "Sourced" follows up in 5 business days.
    let submission = put_forward(&desk).await;
    assert_eq!(state_of(&app, submission).await, ("sourced".into(), Some(date(2026, 12, 2))));
    // Asking consent moves it to "Consent requested" (2 business days): Friday.
    assert_eq!(ask_consent(&desk, submission, &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, submission).await.1, Some(date(2026, 11, 27)));
    // On Friday a note resets it over the weekend to Tuesday.
    app.clock.advance(TimeDelta::days(2));
    let desk = Desk { recruiter: app.signed_in("rita@acme.test").await, ..desk };
    let page = format!("/submissions/{submission}");
    let noted = desk.recruiter.submit(&page, &format!("{page}/updates"), &[("body", "Chased her by phone")]).await;
    assert_eq!(noted.status, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, submission).await.1, Some(date(2026, 12, 1)));
    // Shown on the board and on the page.
    let board = desk.recruiter.get(&format!("/jobs/{}", desk.job_id)).await;
    assert!(board.text.contains("Jane Doe"));
    assert!(board.text.contains("1 Dec"), "the card shows when the next update is due");
    // Overdue on Wednesday; one-click "no news yet" counts as an update and tells the contractor.
    app.clock.advance(TimeDelta::days(5));
    let desk = Desk { recruiter: app.signed_in("rita@acme.test").await, ..desk };
    let shown = desk.recruiter.get(&page).await;
    assert!(shown.text.contains("overdue"), "the page says the update is overdue");
    let nudged = desk.recruiter.submit(&page, &format!("{page}/no-news"), &[("back", "")]).await;
    assert_eq!(nudged.status, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, submission).await.1, Some(date(2026, 12, 4)));
    let visible: Vec<(String, bool)> = app
        .with_db(move |conn| {
            use nextgig::db::schema::submission_events as e;
            e::table
                .filter(e::submission_id.eq(submission))
                .order(e::id)
                .select((e::kind, e::visible_to_contractor))
                .load(conn)
                .unwrap()
        })
        .await;
    assert_eq!(
        visible,
        [
            ("created".to_string(), false),
            ("consent_requested".to_string(), true),
            ("note".to_string(), false),
            ("no_news".to_string(), true)
        ]
    );
}

#[tokio::test]
async fn closing_needs_a_reason_and_the_contractor_sees_it() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let jane = contractor_joins(&app, &desk).await;
    let submission = approved_submission(&app, &desk).await;
    let page = format!("/submissions/{submission}");
    let refused =
        desk.recruiter.submit(&page, &format!("{page}/close"), &[("reason", ""), ("close_note", "Kept note")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.field_error("reason").as_deref(), Some("Choose why it is closed: the contractor sees this."));
    assert!(refused.text.contains("Kept note"), "the note typed is kept");
    let refused =
        desk.recruiter.submit(&page, &format!("{page}/close"), &[("reason", "other"), ("close_note", "")]).await;
    assert_eq!(refused.field_error("close_note").as_deref(), Some("Say what the other reason is."));
    assert_eq!(state_of(&app, submission).await.0, "consent", "nothing closed");
    assert_eq!(representations_active(&app).await, 1);
    let closed = desk
        .recruiter
        .submit(&page, &format!("{page}/close"), &[("reason", "rate"), ("close_note", "Budget cut to 70")])
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, submission).await, ("closed".into(), None), "no update is due on a closed one");
    assert_eq!(representations_active(&app).await, 0, "closing ends the representation at the client");
    let mine = jane.get("/me/submissions").await;
    assert!(mine.text.contains("closed: The rate could not be agreed"), "{}", mine.text);
    let detail = jane.get(&format!("/me/submissions/{submission}")).await;
    assert!(detail.text.contains("Closed: The rate could not be agreed. Budget cut to 70"));
    // A closed submission moves no further.
    let submitted = stage_id(&app, desk.agency_id, "submitted").await;
    assert_eq!(move_to(&desk, submission, submitted).await.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_consent_link_decides_once_expires_and_unknown_links_are_not_found() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = put_forward(&desk).await;
    let asked = ask_consent(
        &desk,
        submission,
        &[("client_shown", "confidential"), ("client_description", "A large European bank"), ("rate", "95.50")],
    )
    .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    let email = app.last_email_to("jane@example.com").await;
    assert!(email.subject.contains("Acme Staffing asks to put you forward: Rust Engineer"));
    assert!(email.text.contains("Confidential client") && email.text.contains("A large European bank"));
    assert!(!email.text.contains("Globex"), "a confidential client is not named");
    let link = consent_link(&app, &desk).await;
    let visitor = app.client();
    let request = visitor.get(&link).await;
    assert_eq!(request.status, StatusCode::OK);
    assert!(request.text.contains("EUR 95.50/hour"));
    assert!(!request.text.contains("Globex"));
    let approved = decide_by_link(&app, &link, "approve").await;
    assert!(approved.text.contains("Thank you — Acme Staffing may now put you forward for this role."));
    let again = decide_by_link(&app, &link, "decline").await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text.contains("You already answered this request."));
    let (ip, agent): (Option<String>, Option<String>) = app
        .with_db(|conn| {
            use nextgig::db::schema::consents;
            consents::table.select((consents::decision_ip, consents::decision_user_agent)).first(conn).unwrap()
        })
        .await;
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
    assert!(agent.is_some());
    // An unknown or malformed link is simply not found.
    assert_eq!(
        app.client().get(&format!("{}/consents/{}", app.address, "a".repeat(43))).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.client().get("/consents/nonsense").await.status, StatusCode::NOT_FOUND);
    // A second request expires unanswered after 14 days: the link says so with 410 Gone.
    let other_job = add_job(&desk.recruiter, desk.client_id, &[("title", "Platform Engineer")]).await;
    let second = id_from(&add_to_pipeline(&desk, other_job, "Both roles").await);
    assert_eq!(ask_consent(&desk, second, &[]).await.status, StatusCode::SEE_OTHER);
    let link = consent_link(&app, &desk).await;
    app.clock.advance(TimeDelta::days(15));
    let expired = app.client().get(&link).await;
    assert_eq!(expired.status, StatusCode::GONE);
    assert!(expired.text.contains("Expired without an answer"));
    let late = decide_by_link(&app, &link, "approve").await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.text.contains("This request has expired."));
}

#[tokio::test]
async fn in_the_portal_a_contractor_decides_her_own_requests_and_never_sees_anyone_elses() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let jane = contractor_joins(&app, &desk).await;
    let joe_desk = desk_with_job(&app, "Beta Talent", "beta.test", "initech.example", "joe@example.com").await;
    let joe = contractor_joins(&app, &joe_desk).await;
    let submission = put_forward(&desk).await;
    assert_eq!(ask_consent(&desk, submission, &[]).await.status, StatusCode::SEE_OTHER);
    let joe_submission = put_forward(&joe_desk).await;
    assert_eq!(ask_consent(&joe_desk, joe_submission, &[]).await.status, StatusCode::SEE_OTHER);
    let (jane_consent, joe_consent): (i64, i64) = app
        .with_db(|conn| {
            use nextgig::db::schema::consents;
            let ids: Vec<i64> = consents::table.order(consents::id).select(consents::id).load(conn).unwrap();
            (ids[0], ids[1])
        })
        .await;
    let requests = jane.get("/me/consents").await;
    assert!(requests.text.contains("Rust Engineer") && requests.text.contains("Acme Staffing"));
    assert!(!requests.text.contains("Beta Talent"));
    // Joe's request and submission answer Jane like missing ones.
    let foreign = jane.submit("/me/consents", &format!("/me/consents/{joe_consent}"), &[("decision", "approve")]).await;
    let missing = jane.submit("/me/consents", "/me/consents/999999", &[("decision", "approve")]).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(foreign.without_tokens(), missing.without_tokens());
    assert_eq!(jane.get(&format!("/me/submissions/{joe_submission}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(joe.get(&format!("/me/submissions/{submission}")).await.status, StatusCode::NOT_FOUND);
    // A recruiter cannot use the contractor's decision route.
    let recruiter_try =
        desk.recruiter.submit("/", &format!("/me/consents/{jane_consent}"), &[("decision", "approve")]).await;
    assert_ne!(recruiter_try.status, StatusCode::SEE_OTHER);
    // Jane approves her own.
    let approved =
        jane.submit("/me/consents", &format!("/me/consents/{jane_consent}"), &[("decision", "approve")]).await;
    assert!(approved.status == StatusCode::SEE_OTHER || approved.status == StatusCode::OK, "{}", approved.text);
    let statuses: Vec<String> = app
        .with_db(|conn| {
            use nextgig::db::schema::consents;
            consents::table.order(consents::id).select(consents::status).load(conn).unwrap()
        })
        .await;
    assert_eq!(statuses, ["approved", "pending"], "Joe's request is untouched");
    let detail = jane.get(&format!("/me/submissions/{submission}")).await;
    assert!(detail.text.contains("Consent approved for Rust Engineer"));
    assert!(!detail.text.contains("Added to the pipeline"), "internal events stay internal");
}

/// The consent row of `submission`: (id, status, withdrawn).
async fn consent_of(app: &TestApp, submission: i64) -> (i64, String, bool) {
    use nextgig::db::schema::consents;
    app.with_db(move |conn| {
        let (id, status, at): (i64, String, Option<chrono::NaiveDateTime>) = consents::table
            .filter(consents::submission_id.eq(submission))
            .order(consents::id.desc())
            .select((consents::id, consents::status, consents::withdrawn_at))
            .first(conn)
            .unwrap();
        (id, status, at.is_some())
    })
    .await
}

#[tokio::test]
async fn a_contractor_withdraws_an_approval_the_agency_is_told_and_the_submission_goes_no_further() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let jane = contractor_joins(&app, &desk).await;
    let submission = put_forward(&desk).await;
    assert_eq!(ask_consent(&desk, submission, &[]).await.status, StatusCode::SEE_OTHER);
    let (consent, _, _) = consent_of(&app, submission).await;
    let action = format!("/me/consents/{consent}");

    // Not approved yet: nothing to withdraw (declining is the answer), and nothing changes.
    let early = jane.submit("/me/consents", &action, &[("decision", "withdraw")]).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", early.text);
    assert!(early.text.contains("decline it instead"), "{}", early.text);
    assert_eq!(consent_of(&app, submission).await, (consent, "pending".to_string(), false));

    // Approved and sent to the client.
    let approved = jane.submit("/me/consents", &action, &[("decision", "approve")]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.text);
    confirm_availability(&desk).await;
    let submitted = stage_id(&app, desk.agency_id, "submitted").await;
    assert_eq!(move_to(&desk, submission, submitted).await.status, StatusCode::SEE_OTHER);
    assert_eq!(representations_active(&app).await, 1);
    let requests = jane.get("/me/consents").await;
    assert!(requests.text.contains("Withdraw my consent"), "{}", requests.text);

    // Jane changes her mind.
    let withdrawn = jane.submit("/me/consents", &action, &[("decision", "withdraw")]).await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER, "{}", withdrawn.text);
    let requests = jane.get(withdrawn.location()).await;
    assert!(
        requests.text.contains("Consent withdrawn: you will not be put forward for Rust Engineer at Globex Bank"),
        "{}",
        requests.text
    );
    assert!(requests.text.contains("You withdrew your consent"));
    assert!(!requests.text.contains("Withdraw my consent"), "no second withdrawal is offered");
    assert_eq!(consent_of(&app, submission).await, (consent, "withdrawn".to_string(), true));
    assert_eq!(representations_active(&app).await, 0, "the representation at the client ends");
    let mine = jane.get(&format!("/me/submissions/{submission}")).await;
    assert!(mine.text.contains("Consent withdrawn for Rust Engineer at Globex Bank"), "{}", mine.text);

    // The recruiter is told, and sees it on the submission and the pipeline board.
    let notices: Vec<String> = app
        .with_db(|conn| {
            use nextgig::db::schema::notices;
            notices::table.filter(notices::kind.eq("consent_decision")).select(notices::title).load(conn).unwrap()
        })
        .await;
    assert!(notices.contains(&"Jane Doe withdrew consent to being put forward".to_string()), "{notices:?}");
    let page = desk.recruiter.get(&format!("/submissions/{submission}")).await;
    assert!(page.text.contains("Withdrawn by the contractor"), "{}", page.text);
    assert!(page.text.contains("do not put them forward for this role"));
    let board = desk.recruiter.get(&format!("/jobs/{}", desk.job_id)).await;
    assert!(board.text.contains("Consent withdrawn"), "{}", board.text);
    let audited = app
        .with_db(|conn| {
            use nextgig::db::schema::audit_log;
            audit_log::table.filter(audit_log::action.eq("consent.withdrawn")).count().get_result::<i64>(conn).unwrap()
        })
        .await;
    assert_eq!(audited, 1);

    // The submission goes no further without a new approval.
    let interview = stage_id(&app, desk.agency_id, "interview").await;
    let refused = move_to(&desk, submission, interview).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.field_error("stage_id").unwrap().contains("not approved being put forward"));
    assert_eq!(state_of(&app, submission).await.0, "submitted");

    // Once is enough.
    let again = jane.submit("/me/consents", &action, &[("decision", "withdraw")]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text.contains("You already withdrew"), "{}", again.text);
}

#[tokio::test]
async fn an_approval_given_by_the_emailed_link_can_be_withdrawn_there() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = approved_submission(&app, &desk).await;
    let link = consent_link(&app, &desk).await;
    let page = app.client().get(&link).await;
    assert!(page.text.contains("Withdraw my consent"), "{}", page.text);
    let withdrawn = decide_by_link(&app, &link, "withdraw").await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{}", withdrawn.text);
    assert!(withdrawn.text.contains("Your consent is withdrawn"), "{}", withdrawn.text);
    assert_eq!(consent_of(&app, submission).await.1, "withdrawn");
    assert_eq!(representations_active(&app).await, 0);
}

#[tokio::test]
async fn bad_consent_request_input_is_shown_beside_the_fields_and_nothing_is_sent() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = put_forward(&desk).await;
    let before = app.count("outbox").await;
    let refused = ask_consent(
        &desk,
        submission,
        &[
            ("rate", "ninety"),
            ("client_shown", "confidential"),
            ("client_description", ""),
            ("exclusivity_days", "400"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.field_error("rate").is_some());
    assert!(refused.field_error("client_description").unwrap().contains("Describe the confidential client"));
    assert!(refused.field_error("exclusivity_days").is_some());
    assert_eq!(refused.input_value("rate").as_deref(), Some("ninety"), "input kept");
    assert_eq!(app.count("consents").await, 0);
    assert_eq!(app.count("outbox").await, before);
    assert_eq!(state_of(&app, submission).await.0, "sourced");
}

#[tokio::test]
async fn overdue_updates_lead_the_recruiters_task_list_and_no_news_clears_them() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = put_forward(&desk).await;
    assert!(desk.recruiter.get("/tasks").await.texts("#updates-heading").is_empty(), "nothing due yet");
    // Sourced follows up in 5 business days: due Wednesday 2 Dec, late on Thursday.
    app.clock.advance(TimeDelta::days(8));
    let desk = Desk { recruiter: app.signed_in("rita@acme.test").await, ..desk };
    let tasks = desk.recruiter.get("/tasks").await;
    assert_eq!(tasks.texts("#updates-heading .count"), ["1"]);
    assert_eq!(tasks.texts(".updates-due tbody tr td:first-child"), ["Jane Doe"]);
    assert_eq!(tasks.texts(".updates-due .badge-red"), ["2 Dec"]);
    // Someone else's "mine" does not list it; the team view does.
    app.create_recruiter(desk.agency_id, "Sam Second", "sam@acme.test").await;
    let sam = app.signed_in("sam@acme.test").await;
    assert!(sam.get("/tasks").await.texts("#updates-heading").is_empty());
    assert_eq!(sam.get("/tasks?who=team").await.texts(".updates-due tbody tr td:first-child"), ["Jane Doe"]);
    // "No news yet" from the list tells her and takes it off.
    let sent =
        desk.recruiter.submit("/tasks", &format!("/submissions/{submission}/no-news"), &[("back", "tasks")]).await;
    assert_eq!(sent.location(), "/tasks");
    assert!(desk.recruiter.get("/tasks").await.texts("#updates-heading").is_empty());
}

#[tokio::test]
async fn the_pipeline_sweep_expires_unanswered_requests_and_lapsed_representations_once() {
    use nextgig::jobs::pipeline::{Swept, run_once};
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    // One request approved with 20 days' exclusivity, one left unanswered.
    let approved = put_forward(&desk).await;
    assert_eq!(ask_consent(&desk, approved, &[("exclusivity_days", "20")]).await.status, StatusCode::SEE_OTHER);
    let link = consent_link(&app, &desk).await;
    assert_eq!(decide_by_link(&app, &link, "approve").await.status, StatusCode::OK);
    let other_job = add_job(&desk.recruiter, desk.client_id, &[("title", "Platform Engineer")]).await;
    let waiting = id_from(&add_to_pipeline(&desk, other_job, "Both roles").await);
    assert_eq!(ask_consent(&desk, waiting, &[]).await.status, StatusCode::SEE_OTHER);
    let due_before = state_of(&app, waiting).await.1;
    assert_eq!(run_once(&app.state, "w1").await.unwrap(), Swept::default(), "nothing to do yet");
    // After 15 days the request has expired; after 21 the exclusivity has lapsed.
    app.clock.advance(TimeDelta::days(15));
    assert_eq!(run_once(&app.state, "w1").await.unwrap(), Swept { consents_expired: 1, representations_ended: 0 });
    app.clock.advance(TimeDelta::days(6));
    assert_eq!(run_once(&app.state, "w1").await.unwrap(), Swept { consents_expired: 0, representations_ended: 1 });
    assert_eq!(run_once(&app.state, "w1").await.unwrap(), Swept::default(), "a second run changes nothing");
    assert_eq!(representations_active(&app).await, 0);
    let statuses: Vec<String> = app
        .with_db(|conn| {
            use nextgig::db::schema::consents;
            consents::table.order(consents::id).select(consents::status).load(conn).unwrap()
        })
        .await;
    assert_eq!(statuses, ["approved", "expired"]);
    assert_eq!(state_of(&app, waiting).await.1, due_before, "the sweep's note is not an update to the contractor");
    let recruiter = app.signed_in("rita@acme.test").await;
    let page = recruiter.get(&format!("/submissions/{waiting}")).await;
    assert!(page.text.contains("The consent request for Platform Engineer expired without an answer"));
    // Another instance holding the lease does nothing meanwhile.
    app.clock.advance(TimeDelta::minutes(1));
    assert_eq!(run_once(&app.state, "w2").await.unwrap(), Swept::default());
}
