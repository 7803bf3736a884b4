//! Retried creates do not duplicate (SECURITY.md, promise 11): a create form carries a random
//! idempotency key; the same form sent twice — at the same moment, or again after the answer was
//! lost — makes one record, and both answers lead to it.

use chrono::TimeDelta;
use diesel::prelude::*;
use nextgig::db::schema::{
    activities, agency_contractors, clients, contacts, idempotency_keys, interviews, jobs, offers, outside_submissions,
    shortlists, submission_events, tasks,
};
use reqwest::StatusCode;
use scraper::{Html, Selector};

use crate::activities::{acme, beta, client_with_job};
use crate::helpers::{Page, TestApp, TestClient};

/// Every field the form posting to `action` on `page` would send, as a browser fills it in,
/// with `changes` typed over it.
fn form_fields(page: &Page, action: &str, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let html = Html::parse_document(&page.text);
    let form = Selector::parse(&format!(r#"form[action="{action}"]"#)).unwrap();
    let form = html.select(&form).next().unwrap_or_else(|| panic!("no form posting to {action}:\n{}", page.text));
    let mut fields: Vec<(String, String)> = Vec::new();
    for element in form.select(&Selector::parse("input[name], select[name], textarea[name]").unwrap()) {
        let e = element.value();
        let name = e.attr("name").unwrap().to_string();
        let value = match e.name() {
            "input" if matches!(e.attr("type"), Some("radio" | "checkbox")) && e.attr("checked").is_none() => continue,
            "input" => e.attr("value").unwrap_or("").to_string(),
            "textarea" => element.text().collect(),
            _ => {
                let options: Vec<_> = element.select(&Selector::parse("option").unwrap()).collect();
                let chosen = options.iter().find(|o| o.value().attr("selected").is_some()).or(options.first());
                chosen.and_then(|o| o.value().attr("value")).unwrap_or("").to_string()
            }
        };
        fields.push((name, value));
    }
    for (name, value) in changes {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = (*value).to_string(),
            None => fields.push(((*name).to_string(), (*value).to_string())),
        }
    }
    fields
}

/// Opens `new_page` and sends its form (to `action`) twice at the same moment, as a double click.
async fn double_submit(client: &TestClient, new_page: &str, action: &str, changes: &[(&str, &str)]) -> [Page; 2] {
    let page = client.get(new_page).await;
    assert_eq!(page.status, StatusCode::OK, "{new_page}: {}", page.text);
    let fields = form_fields(&page, action, changes);
    let key = fields.iter().find(|(n, _)| n == "idempotency_key").map(|(_, v)| v.clone());
    assert!(key.is_some_and(|k| k.len() >= 16), "the form of {new_page} carries an idempotency key");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let (first, second) = tokio::join!(client.post_raw(action, &fields), client.post_raw(action, &fields));
    [first, second]
}

/// Both answers redirect to the same place; returns it.
fn same_place(pages: &[Page; 2]) -> String {
    for page in pages {
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    }
    assert_eq!(pages[0].location(), pages[1].location(), "both answers lead to the one record");
    pages[0].location().to_string()
}

async fn count_where(app: &TestApp, what: &'static str, name: &'static str) -> i64 {
    app.with_db(move |conn| match what {
        "task" => tasks::table.filter(tasks::title.eq(name)).count().get_result(conn),
        "contractor" => agency_contractors::table.filter(agency_contractors::name.eq(name)).count().get_result(conn),
        "client" => clients::table.filter(clients::name.eq(name)).count().get_result(conn),
        "job" => jobs::table.filter(jobs::title.eq(name)).count().get_result(conn),
        _ => activities::table.filter(activities::body.eq(name)).count().get_result(conn),
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_double_submitted_create_form_makes_one_record_and_both_answers_lead_to_it() {
    let app = crate::helpers::spawn_app().await;
    let (agency, _, _, rita) = acme(&app).await;
    let (client_id, _) = client_with_job(&app, agency, "Globex", "Platform engineer").await;

    let place = same_place(
        &double_submit(&rita, "/tasks/new", "/tasks", &[("title", "Call Globex back"), ("due_on", "2027-01-04")]).await,
    );
    assert_eq!(place, "/tasks");
    assert_eq!(count_where(&app, "task", "Call Globex back").await, 1);

    let place =
        same_place(&double_submit(&rita, "/contractors/new", "/contractors", &[("name", "Grace Hopper")]).await);
    assert!(place.starts_with("/contractors/"), "{place}");
    assert_eq!(count_where(&app, "contractor", "Grace Hopper").await, 1);
    let contractor = place.clone();

    let place = same_place(&double_submit(&rita, "/clients/new", "/clients", &[("name", "Initech")]).await);
    assert!(place.starts_with("/clients/"), "{place}");
    assert_eq!(count_where(&app, "client", "Initech").await, 1);

    let new_job = format!("/jobs/new?client_id={client_id}");
    let place = same_place(&double_submit(&rita, &new_job, "/jobs", &[("title", "Rust developer")]).await);
    assert!(place.starts_with("/jobs/"), "{place}");
    assert_eq!(count_where(&app, "job", "Rust developer").await, 1);

    let log = format!("{contractor}/activities");
    let place = same_place(&double_submit(&rita, &contractor, &log, &[("body", "Spoke about the Globex role")]).await);
    assert_eq!(place, contractor);
    assert_eq!(count_where(&app, "note", "Spoke about the Globex role").await, 1);
}

#[tokio::test]
async fn double_submitted_shortlists_interviews_notes_offers_contacts_and_outside_submissions_each_make_one() {
    let app = crate::helpers::spawn_app().await;
    let (desk, submission, contact) = crate::shortlists::ready(&app).await;
    let rita = &desk.recruiter;
    let (job, sub) = (desk.job_id, format!("/submissions/{submission}"));

    // The contractor's own note of an outside submission.
    let jane = crate::pipeline::contractor_joins(&app, &desk).await;
    let changes = [("client_name", "Initech"), ("client_domain", "initech.example"), ("submitted_on", "2026-11-20")];
    let place = same_place(&double_submit(&jane, "/me/outside", "/me/outside", &changes).await);
    assert_eq!(place, "/me/outside");
    let count: i64 = app
        .with_db(|c| {
            outside_submissions::table.filter(outside_submissions::client_name.eq("Initech")).count().get_result(c)
        })
        .await
        .unwrap();
    assert_eq!(count, 1);

    // A shortlist: one saved, one email to the client contact.
    let include = format!("e{submission}_include");
    let contact_id = contact.to_string();
    let changes = [("contact", contact_id.as_str()), (include.as_str(), "1")];
    let new_list = format!("/jobs/{job}/shortlists/new");
    let place = same_place(&double_submit(rita, &new_list, &format!("/jobs/{job}/shortlists"), &changes).await);
    assert!(place.starts_with("/shortlists/"), "{place}");
    let lists: i64 =
        app.with_db(move |c| shortlists::table.filter(shortlists::job_id.eq(job)).count().get_result(c)).await.unwrap();
    assert_eq!(lists, 1);
    app.deliver_mail().await;
    let emails = app.emails().into_iter().filter(|e| e.to == "cleo@globex.example").count();
    assert_eq!(emails, 1, "the client is emailed once");

    // An interview scheduled on the submission page.
    let changes = [("date", "2027-03-15"), ("time", "10:00")];
    let place = same_place(&double_submit(rita, &sub, &format!("{sub}/interviews"), &changes).await);
    assert_eq!(place, format!("{sub}#interviews"));
    let count: i64 = app
        .with_db(move |c| interviews::table.filter(interviews::submission_id.eq(submission)).count().get_result(c))
        .await
        .unwrap();
    assert_eq!(count, 1);

    // A note on the submission.
    let place =
        same_place(&double_submit(rita, &sub, &format!("{sub}/updates"), &[("body", "Chased the client")]).await);
    assert_eq!(place, sub);
    let count: i64 = app
        .with_db(|c| {
            submission_events::table.filter(submission_events::body.eq("Chased the client")).count().get_result(c)
        })
        .await
        .unwrap();
    assert_eq!(count, 1);

    // An offer.
    let changes = [("offer_rate", "95"), ("offer_start", "2027-02-01"), ("offer_end", "2027-07-31")];
    let place =
        same_place(&double_submit(rita, &format!("{sub}/offers/new"), &format!("{sub}/offers"), &changes).await);
    assert_eq!(place, format!("{sub}#offers-heading"));
    let count: i64 = app
        .with_db(move |c| offers::table.filter(offers::submission_id.eq(submission)).count().get_result(c))
        .await
        .unwrap();
    assert_eq!(count, 1);

    // A client contact.
    let client = format!("/clients/{}", desk.client_id);
    let changes = [("name", "Dora Double")];
    let place = same_place(
        &double_submit(rita, &format!("{client}/contacts/new"), &format!("{client}/contacts"), &changes).await,
    );
    assert_eq!(place, format!("{client}#contacts"));
    let count: i64 =
        app.with_db(|c| contacts::table.filter(contacts::name.eq("Dora Double")).count().get_result(c)).await.unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn a_form_sent_again_after_its_answer_was_lost_goes_to_the_first_record() {
    let app = crate::helpers::spawn_app().await;
    let (_, _, _, rita) = acme(&app).await;
    let page = rita.get("/contractors/new").await;
    let fields = form_fields(&page, "/contractors", &[("name", "Ada Lovelace")]);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let first = rita.post_raw("/contractors", &fields).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text);
    // Later, the browser sends the same form again (its answer never arrived).
    let again = rita.post_raw("/contractors", &fields).await;
    assert_eq!((again.status, again.location()), (StatusCode::SEE_OTHER, first.location()));
    assert_eq!(count_where(&app, "contractor", "Ada Lovelace").await, 1);
    assert_eq!(app.count("idempotency_keys").await, 1);
    let page = rita.get(again.location()).await;
    assert!(page.text.contains("nothing was added twice"), "the page says so: {}", page.text);
}

#[tokio::test]
async fn a_refused_form_keeps_its_key_and_creates_once_corrected() {
    let app = crate::helpers::spawn_app().await;
    let (_, _, _, rita) = acme(&app).await;
    let page = rita.get("/tasks/new").await;
    let fields = form_fields(&page, "/tasks", &[("title", "Send the contract"), ("due_on", "not a date")]);
    let key = fields.iter().find(|(n, _)| n == "idempotency_key").unwrap().1.clone();
    let refs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let refused = rita.post_raw("/tasks", &refs).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    assert_eq!(refused.input_value("idempotency_key").as_deref(), Some(key.as_str()), "the form shown again keeps it");
    assert_eq!(app.count("idempotency_keys").await, 0, "a refused form used up nothing");

    let corrected = form_fields(&refused, "/tasks", &[("due_on", "2027-01-04")]);
    let refs: Vec<(&str, &str)> = corrected.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    for _ in 0..2 {
        assert_eq!(rita.post_raw("/tasks", &refs).await.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(count_where(&app, "task", "Send the contract").await, 1);
}

#[tokio::test]
async fn a_key_belongs_to_its_user_and_a_form_without_one_creates_each_time() {
    let app = crate::helpers::spawn_app().await;
    let (_, _, _, rita) = acme(&app).await;
    let (_, _, bert) = beta(&app).await;
    let page = rita.get("/contractors/new").await;
    let fields = form_fields(&page, "/contractors", &[("name", "Linus Torvalds")]);
    let refs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let ritas = rita.post_raw("/contractors", &refs).await;
    assert_eq!(ritas.status, StatusCode::SEE_OTHER);

    // Bert (another agency) sends Rita's key with his own form: his record is made, and he is
    // not led to hers.
    let token = bert.get("/contractors/new").await.csrf_token();
    let mut berts_fields = refs.clone();
    berts_fields.retain(|(n, _)| *n != "csrf_token" && *n != "owner_id");
    berts_fields.push(("csrf_token", &token));
    let berts = bert.post_raw("/contractors", &berts_fields).await;
    assert_eq!(berts.status, StatusCode::SEE_OTHER, "{}", berts.text);
    assert_ne!(berts.location(), ritas.location());
    assert_eq!(count_where(&app, "contractor", "Linus Torvalds").await, 2);

    // A script that sends no key gets what it always got: one task per request.
    for _ in 0..2 {
        let page = rita.submit("/tasks/new", "/tasks", &[("title", "Scripted task"), ("due_on", "2027-01-04")]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(count_where(&app, "task", "Scripted task").await, 2);

    // A malformed key is refused, and nothing is made.
    let odd = rita
        .submit("/tasks/new", "/tasks", &[("title", "Odd key"), ("due_on", "2027-01-04"), ("idempotency_key", "<x>")])
        .await;
    assert_eq!(odd.status, StatusCode::BAD_REQUEST);
    assert_eq!(count_where(&app, "task", "Odd key").await, 0);
}

#[tokio::test]
async fn keys_older_than_a_day_are_swept() {
    let app = crate::helpers::spawn_app().await;
    let (_, _, _, rita) = acme(&app).await;
    double_submit(&rita, "/tasks/new", "/tasks", &[("title", "Kept a day"), ("due_on", "2027-01-04")]).await;
    assert_eq!(app.count("idempotency_keys").await, 1);
    let now = app.clock.now();
    let swept = app.with_db(move |conn| nextgig::models::idempotency::sweep(conn, now + TimeDelta::hours(23))).await;
    assert_eq!(swept.unwrap(), 0, "kept for a day");
    let swept = app.with_db(move |conn| nextgig::models::idempotency::sweep(conn, now + TimeDelta::hours(25))).await;
    assert_eq!(swept.unwrap(), 1);
    let left: i64 = app.with_db(|conn| idempotency_keys::table.count().get_result(conn).unwrap()).await;
    assert_eq!(left, 0);
}
