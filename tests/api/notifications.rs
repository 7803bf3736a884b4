//! Notifications: each event emails the right person once (with an unsubscribe link for its
//! kind and a working link), interview emails carry the .ics, unsubscribing stops that kind
//! only, the bell shows unread notices until they are opened, and the recruiters' daily digest
//! goes at 7:00 local time, once, only when something is overdue, with their agency's data only.

use chrono::TimeDelta;
use diesel::prelude::*;
use mail_parser::MimeHeaders;
use nextgig::db::schema::{agency_contractors, interviews, users};
use reqwest::StatusCode;

use crate::helpers::{ReceivedEmail, TestApp, TestClient, spawn_app};
use crate::pipeline::{Desk, approved_submission, contractor_joins, desk_with_job, put_forward, stage_id};

/// Emails to `to` whose subject contains `subject`.
fn emails_about(app: &TestApp, to: &str, subject: &str) -> Vec<ReceivedEmail> {
    app.emails().into_iter().filter(|e| e.to == to && e.subject.contains(subject)).collect()
}

/// The attachments (name, text) of the newest email to `to` whose subject contains `subject`.
fn attachments_of(app: &TestApp, to: &str, subject: &str) -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(&app.mail_dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    for path in files.iter().rev() {
        let raw = std::fs::read(path).unwrap();
        let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
        let addressee = message.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default();
        if addressee == to && message.subject().unwrap_or_default().contains(subject) {
            return message
                .attachments()
                .map(|a| {
                    let name = a.attachment_name().unwrap_or_default().to_string();
                    (name, String::from_utf8_lossy(a.contents()).to_string())
                })
                .collect();
        }
    }
    panic!("no email to {to} about {subject}");
}

/// Follows an emailed link (absolute) with `client`, returning the page.
async fn follow(app: &TestApp, client: &TestClient, email: &ReceivedEmail, prefix: &str) -> crate::helpers::Page {
    let link = email.link(&format!("{}{prefix}", app.address));
    client.get(link.trim_start_matches(&app.address)).await
}

async fn set_zone(app: &TestApp, email: &'static str, zone: &'static str) {
    app.with_db(move |conn| {
        diesel::update(users::table.filter(users::email.eq(email)))
            .set(users::time_zone.eq(zone))
            .execute(conn)
            .unwrap()
    })
    .await;
}

async fn schedule_interview(desk: &Desk, submission: i64, time: &str) -> StatusCode {
    let page = format!("/submissions/{submission}");
    let fields = [
        ("date", "2027-03-15"),
        ("time", time),
        ("time_zone", "America/New_York"),
        ("duration_minutes", "60"),
        ("kind", "video"),
        ("location", "https://meet.example.com/abc"),
        ("interviewers", "Ann Lee"),
        ("notes", ""),
    ];
    desk.recruiter.submit(&page, &format!("{page}/interviews"), &fields).await.status
}

async fn move_visibly(desk: &Desk, submission: i64, stage: i64, note: &str) -> StatusCode {
    let page = format!("/submissions/{submission}");
    let stage = stage.to_string();
    let fields = [("stage_id", stage.as_str()), ("note", note), ("tell_contractor", "yes"), ("back", "")];
    desk.recruiter.submit(&page, &format!("{page}/stage"), &fields).await.status
}

#[tokio::test]
async fn each_event_notifies_the_right_person_once_with_working_links_and_the_bell_shows_it() {
    let app = spawn_app().await;
    let acme = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let jane = contractor_joins(&app, &acme).await;
    // Beta, another agency, works on its own contractor: none of it reaches Acme's people.
    let beta = desk_with_job(&app, "Beta Talent", "beta.test", "initech.example", "joe@example.com").await;
    let beta_id = beta.contractor_id;
    app.with_db(move |conn| {
        diesel::update(agency_contractors::table.find(beta_id))
            .set(agency_contractors::name.eq("Canary Zed"))
            .execute(conn)
            .unwrap()
    })
    .await;
    approved_submission(&app, &beta).await;

    // Consent request → Jane (email with an unsubscribe link, and a notice in her bell).
    let submission = approved_submission(&app, &acme).await;
    app.deliver_mail().await;
    let asked = emails_about(&app, "jane@example.com", "asks to put you forward");
    assert_eq!(asked.len(), 1);
    assert!(asked[0].text.contains(&format!("{}/unsubscribe/", app.address)), "{}", asked[0].text);
    // Consent decision → Rita, the owner, once; the link opens the submission for her.
    let decided = emails_about(&app, "rita@acme.test", "approved being put forward");
    assert_eq!(decided.len(), 1, "one decision email to the owner");
    assert!(emails_about(&app, "rita@acme.test", "Canary").is_empty());
    let opened = follow(&app, &acme.recruiter, &decided[0], "/submissions/").await;
    assert_eq!(opened.status, StatusCode::OK);
    assert!(opened.text.contains("Jane Doe"));

    // A visible stage change → Jane; an internal one → nobody.
    let submitted = stage_id(&app, acme.agency_id, "submitted").await;
    assert_eq!(move_visibly(&acme, submission, submitted, "Sent to Globex today").await, StatusCode::SEE_OTHER);
    app.deliver_mail().await;
    let news = emails_about(&app, "jane@example.com", "News on your application");
    assert_eq!(news.len(), 1);
    assert!(news[0].text.contains("Sent to Globex today"));
    let mine = follow(&app, &jane, &news[0], "/me/submissions/").await;
    assert_eq!(mine.status, StatusCode::OK);

    // An interview → both, each with the .ics of the interview.
    assert_eq!(schedule_interview(&acme, submission, "10:00").await, StatusCode::SEE_OTHER);
    let interview: i64 = app
        .with_db(|conn| interviews::table.select(interviews::id).order(interviews::id.desc()).first(conn).unwrap())
        .await;
    app.deliver_mail().await;
    assert_eq!(emails_about(&app, "jane@example.com", "Interview scheduled").len(), 1);
    assert_eq!(emails_about(&app, "rita@acme.test", "Interview scheduled").len(), 1);
    let uid = format!("UID:interview-{interview}@127.0.0.1");
    for to in ["jane@example.com", "rita@acme.test"] {
        let files = attachments_of(&app, to, "Interview scheduled");
        assert_eq!(files.len(), 1, "one .ics for {to}");
        assert_eq!(files[0].0, format!("interview-{interview}.ics"));
        assert!(files[0].1.contains(&uid), "{}", files[0].1);
    }
    // Moved and cancelled: each once to both.
    let edit = format!("/interviews/{interview}/edit");
    let moved = acme
        .recruiter
        .submit(
            &edit,
            &format!("/interviews/{interview}"),
            &[
                ("date", "2027-03-15"),
                ("time", "11:00"),
                ("time_zone", "America/New_York"),
                ("duration_minutes", "60"),
                ("kind", "video"),
                ("location", "https://meet.example.com/abc"),
                ("interviewers", "Ann Lee"),
                ("notes", ""),
                ("sequence", "0"),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.text);
    let cancelled = acme.recruiter.submit(&edit, &format!("/interviews/{interview}/cancel"), &[("reason", "")]).await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER, "{}", cancelled.text);
    app.deliver_mail().await;
    for to in ["jane@example.com", "rita@acme.test"] {
        assert_eq!(emails_about(&app, to, "Interview moved").len(), 1, "{to}");
        assert_eq!(emails_about(&app, to, "Interview cancelled").len(), 1, "{to}");
        let files = attachments_of(&app, to, "Interview cancelled");
        assert!(files[0].1.contains("STATUS:CANCELLED"), "{}", files[0].1);
    }

    // Closed → Jane, with the reason.
    let page = format!("/submissions/{submission}");
    let closed =
        acme.recruiter.submit(&page, &format!("{page}/close"), &[("reason", "role_filled"), ("close_note", "")]).await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.text);
    app.deliver_mail().await;
    let closing = emails_about(&app, "jane@example.com", "Your application was closed");
    assert_eq!(closing.len(), 1);
    assert!(closing[0].text.contains("The role was filled"));
    assert!(emails_about(&app, "rita@acme.test", "Your application was closed").is_empty());

    // Nobody at Acme or Jane got anything about Beta's contractor.
    for to in ["jane@example.com", "rita@acme.test", "admin@acme.test"] {
        assert!(app.emails().iter().filter(|e| e.to == to).all(|e| !e.text.contains("Canary")), "{to}");
    }

    // Jane's bell: her notices, unread until she opens the list.
    let home = jane.get("/me").await;
    let unread: i64 = home.texts(".bell-count").first().expect("a count on the bell").parse().unwrap();
    assert!(unread >= 6, "{unread} unread");
    let list = jane.get("/account/notices").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text.contains("News on your application"));
    assert!(list.text.contains("Interview cancelled"));
    assert!(!list.text.contains("Canary"));
    assert_eq!(list.texts(".notice-new").len() as i64, unread, "shown as new this once");
    assert!(jane.get("/me").await.texts(".bell-count").is_empty(), "opened: nothing unread");
    assert!(jane.get("/account/notices").await.texts(".notice-new").is_empty());
    // Rita's: the decision and the interviews, nothing of Beta's or Jane's own notices.
    let hers = acme.recruiter.get("/account/notices").await;
    assert!(hers.text.contains("Jane Doe approved being put forward"));
    assert!(!hers.text.contains("Canary"));
    assert!(!hers.text.contains("News on your application"));
    // Beta's recruiter sees only Beta's.
    let bob = beta.recruiter.get("/account/notices").await;
    assert!(bob.text.contains("Canary Zed approved being put forward"));
    assert!(!bob.text.contains("Jane Doe"));
}

#[tokio::test]
async fn unsubscribing_through_the_emailed_link_signed_out_stops_that_kind_only() {
    let app = spawn_app().await;
    let acme = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = approved_submission(&app, &acme).await;
    let submitted = stage_id(&app, acme.agency_id, "submitted").await;
    assert_eq!(move_visibly(&acme, submission, submitted, "first news").await, StatusCode::SEE_OTHER);
    let news = app.last_email_to("jane@example.com").await;
    assert!(news.subject.contains("News on your application"));

    let visitor = app.client();
    let link = news.link(&format!("{}/unsubscribe/", app.address));
    let path = link.trim_start_matches(&app.address).to_string();
    let page = visitor.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("News on your submissions"), "{}", page.text);
    let done = visitor.submit(&path, &path, &[]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert!(done.text.contains("no longer gets emails"));
    // A made-up token is not found.
    assert_eq!(visitor.get(&format!("/unsubscribe/{}", "ab".repeat(32))).await.status, StatusCode::NOT_FOUND);

    // Another visible change: no email of that kind; the interview email still comes.
    let interview = stage_id(&app, acme.agency_id, "interview").await;
    let before = app.emails().len();
    assert_eq!(move_visibly(&acme, submission, interview, "second news").await, StatusCode::SEE_OTHER);
    app.deliver_mail().await;
    assert_eq!(app.emails().len(), before, "no stage-change email after unsubscribing");
    assert_eq!(emails_about(&app, "jane@example.com", "News on your application").len(), 1);
    assert_eq!(schedule_interview(&acme, submission, "10:00").await, StatusCode::SEE_OTHER);
    app.deliver_mail().await;
    assert_eq!(emails_about(&app, "jane@example.com", "Interview scheduled").len(), 1);
}

#[tokio::test]
async fn the_settings_page_turns_kinds_on_and_off() {
    let app = spawn_app().await;
    let acme = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let page = acme.recruiter.get("/account/notifications").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Daily digest"));
    assert!(!page.text.contains("News on your submissions"), "staff see their kinds only");
    // Keep interviews only: consent decisions stop.
    let saved =
        acme.recruiter.submit("/account/notifications", "/account/notifications", &[("kinds", "interview")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    approved_submission(&app, &acme).await;
    app.deliver_mail().await;
    assert!(emails_about(&app, "rita@acme.test", "approved being put forward").is_empty());
    // The notice still shows.
    assert!(acme.recruiter.get("/account/notices").await.text.contains("approved being put forward"));
}

#[tokio::test]
async fn the_daily_digest_goes_at_seven_local_once_only_when_something_is_overdue_with_own_agency_data() {
    let app = spawn_app().await;
    let acme = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let beta = desk_with_job(&app, "Beta Talent", "beta.test", "initech.example", "joe@example.com").await;
    let beta_id = beta.contractor_id;
    app.with_db(move |conn| {
        diesel::update(agency_contractors::table.find(beta_id))
            .set(agency_contractors::name.eq("Canary Zed"))
            .execute(conn)
            .unwrap()
    })
    .await;
    set_zone(&app, "rita@acme.test", "Asia/Tokyo").await;
    set_zone(&app, "rita@beta.test", "America/New_York").await;
    put_forward(&acme).await;
    put_forward(&beta).await;
    let digest = |app: &TestApp| {
        let state = app.state.clone();
        async move { nextgig::jobs::digest::run_once(&state, "test-worker").await.unwrap() }
    };
    // Nothing overdue yet: no digest, however often the sweep runs.
    assert_eq!(digest(&app).await, 0);
    assert_eq!(digest(&app).await, 0);
    app.deliver_mail().await;
    assert!(app.emails().iter().all(|e| !e.subject.contains("Overdue")));

    // Ten days on, 09:00 UTC: 18:00 in Tokyo (digest due), 04:00 in New York (not yet).
    app.clock.advance(TimeDelta::days(10));
    assert_eq!(digest(&app).await, 1);
    assert_eq!(digest(&app).await, 0, "a second run sends nothing more");
    app.deliver_mail().await;
    let rita = emails_about(&app, "rita@acme.test", "Overdue");
    assert_eq!(rita.len(), 1);
    assert!(rita[0].text.contains("Jane Doe"), "{}", rita[0].text);
    assert!(!rita[0].text.contains("Canary"));
    assert!(rita[0].text.contains(&format!("{}/unsubscribe/", app.address)));
    assert!(emails_about(&app, "rita@beta.test", "Overdue").is_empty());

    // 11:59 UTC: still 06:59 in New York.
    app.clock.advance(TimeDelta::minutes(179));
    assert_eq!(digest(&app).await, 0);
    // 12:00 UTC: 07:00 in New York.
    app.clock.advance(TimeDelta::minutes(1));
    assert_eq!(digest(&app).await, 1);
    assert_eq!(digest(&app).await, 0);
    app.deliver_mail().await;
    let bob = emails_about(&app, "rita@beta.test", "Overdue");
    assert_eq!(bob.len(), 1);
    assert!(bob[0].text.contains("Canary Zed"));
    assert!(!bob[0].text.contains("Jane Doe"));
    // Admins own nothing overdue: no digest for them.
    assert!(emails_about(&app, "admin@acme.test", "Overdue").is_empty());
    assert!(emails_about(&app, "admin@beta.test", "Overdue").is_empty());
    assert_eq!(emails_about(&app, "rita@acme.test", "Overdue").len(), 1);

    // The next day in Tokyo: a new digest, once.
    app.clock.advance(TimeDelta::hours(24));
    assert_eq!(digest(&app).await, 2);
    assert_eq!(digest(&app).await, 0);
}
