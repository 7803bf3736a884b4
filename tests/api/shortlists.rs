//! Client shortlists: the private link shows exactly what the recruiter chose (a canary in every
//! hidden field never appears), stops when expired or revoked, answers like a missing page when
//! guessed or altered (and throttles guessing), turns answers into events, notices and card
//! moves, drops a contractor whose consent is withdrawn, and joins the dashboard when stale.

use chrono::TimeDelta;
use diesel::prelude::*;
use nextgig::db::schema::{
    agency_contractors, consents, contacts, notices, shortlist_answers, shortlists, submission_events, submissions,
    users,
};
use reqwest::StatusCode;

use crate::helpers::{Page, TestApp, advance, spawn_app};
use crate::pipeline::{Desk, approved_submission, desk_with_job, put_forward, stage_id};

/// The client contact's address.
const CONTACT: &str = "cleo@globex.example";
/// Words that are in the record or the CV but must never reach the client's page.
const HEADLINE: &str = "CANARYHEADLINE Staff Rust engineer";
const NOTES: &str = "CANARYNOTES asks for more money";
const PHONE: &str = "+44 20 7946 0958";
const OTHER_JOB: &str = "CANARYOTHERJOB Platform lead";
const OTHER_PERSON: &str = "Canaryother Contractor";
/// The CV: the contractor's address, email and phone in it, and a line the client may read.
const CV: &str = "Jane Doe\n12 Baker Street, London NW1 6XE\njane@example.com | +44 20 7946 0958\nTen years of CVLINE distributed systems in Rust.\n";

/// A desk whose contractor approved consent and confirmed availability, with a CV, canaries in
/// the record's private fields, another job and another contractor in the pipeline, and a client
/// contact with an address. Returns the desk, the submission and the contact.
pub async fn ready(app: &TestApp) -> (Desk, i64, i64) {
    let desk = desk_with_job(app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = approved_submission(app, &desk).await;
    let record = desk.contractor_id;
    app.with_db(move |conn| {
        diesel::update(agency_contractors::table.find(record))
            .set((
                agency_contractors::headline.eq(Some(HEADLINE)),
                agency_contractors::notes.eq(Some(NOTES)),
                agency_contractors::phone.eq(Some(PHONE)),
            ))
            .execute(conn)
            .unwrap();
    })
    .await;
    let uploaded = crate::documents::upload(&desk.recruiter, record, "cv", "jane.txt", CV.as_bytes()).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.text);
    crate::jobs::add_job(&desk.recruiter, desk.client_id, &[("title", OTHER_JOB)]).await;
    let other = desk.recruiter.add_contractor(&[("name", OTHER_PERSON), ("email", "other@example.com")]).await;
    let (job, other) = (desk.job_id.to_string(), other.to_string());
    let page = desk
        .recruiter
        .submit(
            &format!("/jobs/{job}"),
            "/submissions",
            &[("job_id", &job), ("contractor_id", &other), ("override_reason", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let contact = add_client_contact(app, &desk).await;
    (desk, submission, contact)
}

/// Adds Cleo, a contact with an email address, to the desk's client; returns her id.
async fn add_client_contact(app: &TestApp, desk: &Desk) -> i64 {
    let client = format!("/clients/{}", desk.client_id);
    let added = desk
        .recruiter
        .submit(
            &format!("{client}/contacts/new"),
            &format!("{client}/contacts"),
            &[
                ("name", "Cleo Client"),
                ("title", ""),
                ("email", CONTACT),
                ("phone", ""),
                ("notes", ""),
                ("version", ""),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    app.with_db(|conn| contacts::table.select(contacts::id).order(contacts::id.desc()).first::<i64>(conn).unwrap())
        .await
}

/// Sends a shortlist of `submission` to `contact` with initials, skills, a pitch, an unshown
/// bill rate and the CV without contact details, changed by `changes`.
pub async fn send(desk: &Desk, submission: i64, contact: i64, changes: &[(&str, &str)]) -> Page {
    let e = |field: &str| format!("e{submission}_{field}");
    let contact = contact.to_string();
    let mut fields: Vec<(String, String)> = vec![
        ("contact".into(), contact),
        ("expires_days".into(), "14".into()),
        ("message".into(), "Two strong people for you.".into()),
        (e("include"), "1".into()),
        (e("name"), "initials".into()),
        (e("skills"), "1".into()),
        (e("pitch"), "Shipped a trading engine in Rust.".into()),
        (e("rate"), "123.45".into()),
        (e("cv"), "redacted".into()),
    ];
    for (name, value) in changes {
        let name = name.replace("{e}", &format!("e{submission}"));
        fields.retain(|(n, _)| *n != name);
        if !value.is_empty() {
            fields.push((name, value.to_string()));
        }
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let job = desk.job_id;
    desk.recruiter.submit(&format!("/jobs/{job}/shortlists/new"), &format!("/jobs/{job}/shortlists"), &fields).await
}

/// The link last emailed to the client contact.
pub async fn client_link(app: &TestApp) -> String {
    app.last_email_to(CONTACT).await.link(&format!("{}/s/", app.address))
}

/// A ready desk with a shortlist sent: (desk, submission, shortlist id, link).
async fn sent(app: &TestApp) -> (Desk, i64, i64, String) {
    let (desk, submission, contact) = ready(app).await;
    let page = send(&desk, submission, contact, &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let id = crate::clients::id_from(&page);
    (desk, submission, id, client_link(app).await)
}

/// Posts an answer as the client, with the page's form token.
async fn answer(client: &crate::helpers::TestClient, link: &str, fields: &[(&str, &str)]) -> Page {
    let page = client.get(link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let entry = entry_id(&page);
    let mut all = vec![("entry", entry.as_str())];
    all.extend_from_slice(fields);
    let token = page.csrf_token();
    all.push(("csrf_token", &token));
    client.post_raw(link, &all).await
}

fn entry_id(page: &Page) -> String {
    let selector = scraper::Selector::parse(r#"input[name="entry"]"#).unwrap();
    page.html().select(&selector).next().and_then(|e| e.value().attr("value")).expect("an entry").to_string()
}

async fn events(app: &TestApp, submission: i64) -> Vec<(String, String, bool)> {
    app.with_db(move |conn| {
        submission_events::table
            .filter(submission_events::submission_id.eq(submission))
            .order(submission_events::id.asc())
            .select((submission_events::kind, submission_events::body, submission_events::visible_to_contractor))
            .load(conn)
            .unwrap()
    })
    .await
}

async fn stage_of(app: &TestApp, submission: i64) -> i64 {
    app.with_db(move |conn| {
        submissions::table.find(submission).select(submissions::stage_id).first::<i64>(conn).unwrap()
    })
    .await
}

async fn rita_notices(app: &TestApp) -> Vec<String> {
    app.with_db(|conn| {
        notices::table
            .inner_join(users::table)
            .filter(users::email.eq("rita@acme.test"))
            .order(notices::id.asc())
            .select(notices::title)
            .load(conn)
            .unwrap()
    })
    .await
}

#[tokio::test]
async fn the_link_shows_exactly_the_chosen_fields_and_no_hidden_canary() {
    let app = spawn_app().await;
    let (desk, submission, id, link) = sent(&app).await;
    assert!(link.len() >= app.address.len() + 3 + 32, "a long random token: {link}");
    let email = app.last_email_to(CONTACT).await;
    assert!(email.text.contains("Two strong people for you."), "{}", email.text);
    let client = app.client();
    let page = client.get(&link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
    assert!(page.headers.get("x-robots-tag").unwrap().to_str().unwrap().contains("noindex"));
    assert!(page.headers.contains_key("referrer-policy"));
    assert!(page.text.contains(r#"<meta name="robots" content="noindex, nofollow">"#));
    // Chosen: initials, skills, the pitch, availability and earliest start, the redacted CV.
    let shown = page.texts(".client-entry h2");
    assert_eq!(shown, vec!["J. D.".to_string()], "one contractor, by initials");
    assert!(page.text.contains("Shipped a trading engine in Rust."));
    // Rita confirmed it (approved_submission): the page says so, never "by the contractor".
    assert!(page.text.contains("Availability confirmed today by the recruiter, with the contractor"), "{}", page.text);
    assert!(page.text.contains("Earliest start"));
    assert!(page.texts(".skill-list li").contains(&"Rust".to_string()));
    // Hidden: the name, contact details, notes, the unchosen headline and bill rate, the rate
    // floor, other jobs and other contractors.
    for canary in [
        "Jane Doe",
        "jane@example.com",
        PHONE,
        "7946",
        NOTES,
        "CANARYHEADLINE",
        "123.45",
        "EUR 80",
        OTHER_JOB,
        "Canaryother",
    ] {
        assert!(!page.text.contains(canary), "{canary} leaked onto the client's page");
    }
    // The CV without contact details.
    let cv = client.get(&format!("{link}/cv/{}", entry_id(&page))).await;
    assert_eq!(cv.status, StatusCode::OK, "{}", cv.text);
    assert!(cv.text.contains("CVLINE distributed systems"), "{}", cv.text);
    for canary in ["jane@example.com", "7946", "Jane Doe", "Baker Street", "NW1 6XE"] {
        assert!(!cv.text.contains(canary), "{canary} leaked into the redacted CV:\n{}", cv.text);
    }
    // The recruiter sees that the link was opened (their own look does not count).
    let show = desk.recruiter.get(&format!("/shortlists/{id}")).await;
    assert_eq!(show.status, StatusCode::OK);
    assert!(!show.text.contains("Not opened yet"), "{}", show.text);
    assert!(show.text.contains("2 times") || show.text.contains("1 time"), "{}", show.text);
    let before =
        app.with_db(move |c| shortlists::table.find(id).select(shortlists::open_count).first::<i32>(c).unwrap()).await;
    assert_eq!(desk.recruiter.get(&link).await.status, StatusCode::OK);
    let after =
        app.with_db(move |c| shortlists::table.find(id).select(shortlists::open_count).first::<i32>(c).unwrap()).await;
    assert_eq!(before, after, "the recruiter's own look is not an opening");
    // Chosen the other way: the name, the headline and the bill rate appear.
    let contact = app
        .with_db(|conn| contacts::table.select(contacts::id).order(contacts::id.desc()).first::<i64>(conn).unwrap())
        .await;
    let again =
        send(&desk, submission, contact, &[("{e}_name", "full"), ("{e}_headline", "1"), ("{e}_rate_show", "1")]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.text);
    let page = client.get(&client_link(&app).await).await;
    assert!(page.text.contains("Jane Doe") && page.text.contains("CANARYHEADLINE"), "{}", page.text);
    assert!(page.text.contains("EUR 123.45/hour"), "{}", page.text);
    assert!(!page.text.contains(NOTES) && !page.text.contains(PHONE));
}

#[tokio::test]
async fn only_contractors_with_approved_consent_and_fresh_availability_can_be_shortlisted() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = put_forward(&desk).await;
    let contact = add_client_contact(&app, &desk).await;
    let form = desk.recruiter.get(&format!("/jobs/{}/shortlists/new", desk.job_id)).await;
    assert!(form.text.contains("No approved consent"), "{}", form.text);
    let page = send(&desk, submission, contact, &[("{e}_cv", "none")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.text);
    assert!(page.text.contains("ask for their consent first"), "{}", page.text);
    assert_eq!(app.count("shortlists").await, 0, "nothing saved");
}

#[tokio::test]
async fn a_link_stops_working_when_expired_or_revoked_and_a_guessed_or_altered_one_answers_like_a_missing_one() {
    let app = spawn_app().await;
    let (desk, submission, id, link) = sent(&app).await;
    let visitor = app.client();
    assert_eq!(visitor.get(&link).await.status, StatusCode::OK);
    let missing = visitor.get("/s/does-not-exist").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let token = link.rsplit('/').next().unwrap().to_string();
    let last = token.chars().last().unwrap();
    let altered = format!("{}{}", &token[..token.len() - 1], if last == '0' { '1' } else { '0' });
    let guessed = "a".repeat(token.len());
    for path in [format!("/s/{altered}"), format!("/s/{guessed}"), format!("/s/{}", &token[..20])] {
        let page = visitor.get(&path).await;
        assert_eq!(page.status, missing.status, "{path}");
        assert_eq!(page.without_tokens(), missing.without_tokens(), "{path} answers like a missing link");
    }
    // Revoked: the same answer as a missing link.
    let show = format!("/shortlists/{id}");
    let revoked = desk.recruiter.submit(&show, &format!("{show}/revoke"), &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let page = visitor.get(&link).await;
    assert_eq!((page.status, page.without_tokens()), (missing.status, missing.without_tokens()));
    assert!(desk.recruiter.get(&show).await.text.contains("Link revoked"));
    // A fresh shortlist expires after its days.
    let contact = app
        .with_db(|conn| contacts::table.select(contacts::id).order(contacts::id.desc()).first::<i64>(conn).unwrap())
        .await;
    let again = send(&desk, submission, contact, &[("expires_days", "2")]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.text);
    let fresh = client_link(&app).await;
    assert_eq!(visitor.get(&fresh).await.status, StatusCode::OK);
    advance(&app, TimeDelta::days(2) + TimeDelta::minutes(1));
    let page = visitor.get(&fresh).await;
    assert_eq!((page.status, page.without_tokens()), (missing.status, missing.without_tokens()));
}

#[tokio::test]
async fn guessing_links_from_one_address_is_throttled_with_429_for_a_while() {
    let app = spawn_app().await;
    let (_desk, _submission, _id, link) = sent(&app).await;
    let guesser = app.client();
    for n in 0..nextgig::models::shortlist::MISS_LIMIT {
        let page = guesser.get(&format!("/s/{:064x}", n + 1)).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "guess {n}");
    }
    let page = guesser.get(&format!("/s/{}", "f".repeat(64))).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.headers.contains_key("retry-after"));
    // The throttle slows the guesser, never the client: from the same address (an office
    // network shared with whoever guessed) the real link still opens, and answers work.
    assert_eq!(app.client().get(&link).await.status, StatusCode::OK);
    assert_eq!(guesser.get(&link).await.status, StatusCode::OK);
    assert_eq!(guesser.get(&format!("/s/{}", "e".repeat(64))).await.status, StatusCode::TOO_MANY_REQUESTS);
    advance(&app, TimeDelta::minutes(nextgig::models::shortlist::MISS_WINDOW_MINUTES + 1));
    assert_eq!(guesser.get(&format!("/s/{}", "e".repeat(64))).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn each_answer_becomes_an_event_notifies_the_recruiter_and_moves_the_card_where_it_applies() {
    let app = spawn_app().await;
    let (desk, submission, id, link) = sent(&app).await;
    let submitted = stage_id(&app, desk.agency_id, "submitted").await;
    assert_eq!(stage_of(&app, submission).await, submitted, "sending moved the card to submitted");
    let client = app.client();

    // A question: an internal event and a notice, no move.
    let page = answer(&client, &link, &[("answer", "question"), ("question", "Can she start before Christmas?")]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("has your answer"));
    let all = events(&app, submission).await;
    let (kind, body, visible) = all.last().unwrap();
    assert_eq!((kind.as_str(), *visible), ("client_question", false));
    assert!(body.contains("Can she start before Christmas?"));
    assert_eq!(stage_of(&app, submission).await, submitted);
    assert!(rita_notices(&app).await.iter().any(|t| t.starts_with("Question on your shortlist")));

    // Bad input comes back beside the field, with nothing recorded.
    let answers_before = app.count("shortlist_answers").await;
    let page =
        answer(&client, &link, &[("answer", "interested"), ("time_1", ""), ("time_zone", "Europe/London")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains("Propose at least one time"), "{}", page.text);
    assert_eq!(app.count("shortlist_answers").await, answers_before);

    // Interested with two times: a visible event, the card in the interview stage, the recruiter
    // told, the contractor told.
    let page = answer(
        &client,
        &link,
        &[
            ("answer", "interested"),
            ("time_1", "2026-12-01T10:00"),
            ("time_2", "2026-12-02T14:30"),
            ("time_3", ""),
            ("time_zone", "Europe/London"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let interview = stage_id(&app, desk.agency_id, "interview").await;
    assert_eq!(stage_of(&app, submission).await, interview);
    let all = events(&app, submission).await;
    let (kind, body, visible) = all.last().unwrap();
    assert_eq!((kind.as_str(), *visible), ("client_interested", true));
    assert!(body.contains("Tue 1 Dec 2026 10:00 Europe/London") && body.contains("Wed 2 Dec 2026 14:30"), "{body}");
    assert!(rita_notices(&app).await.iter().any(|t| t.starts_with("Interested on your shortlist")));
    let to_jane = app.last_email_to("jane@example.com").await;
    assert!(to_jane.subject.contains("The client is interested"), "{}", to_jane.subject);
    let times: Vec<Option<String>> = app
        .with_db(|conn| shortlist_answers::table.select(shortlist_answers::proposed_times).load(conn).unwrap())
        .await;
    assert!(times.contains(&Some("2026-12-01T10:00:00\n2026-12-02T14:30:00".to_string())), "{times:?}");
    let show = desk.recruiter.get(&format!("/shortlists/{id}")).await;
    assert!(show.text.contains("Tue 1 Dec 2026 10:00 Europe/London"), "{}", show.text);

    // Not a fit: closed with the standard reason the contractor sees; the client's words stay
    // with the agency.
    let page = answer(&client, &link, &[("answer", "not_a_fit"), ("reason", "CLIENTWORDS too junior for us")]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let (closed_at, reason): (Option<chrono::NaiveDateTime>, Option<String>) = app
        .with_db(move |conn| {
            submissions::table
                .find(submission)
                .select((submissions::closed_at, submissions::closed_reason))
                .first(conn)
                .unwrap()
        })
        .await;
    assert!(closed_at.is_some());
    assert_eq!(reason.as_deref(), Some("not_a_fit"));
    let all = events(&app, submission).await;
    assert!(all.iter().any(|(k, b, v)| k == "client_not_a_fit" && b.contains("CLIENTWORDS") && !v));
    assert!(all.iter().filter(|(_, b, v)| *v && b.contains("CLIENTWORDS")).count() == 0, "not for the contractor");
    let to_jane = app.last_email_to("jane@example.com").await;
    assert!(to_jane.text.contains("not a fit") && !to_jane.text.contains("CLIENTWORDS"), "{}", to_jane.text);
    // The client still sees their answer, with no more buttons for that contractor.
    let page = client.get(&link).await;
    assert!(page.text.contains("You answered <strong>Not a fit</strong>"), "{}", page.text);
    assert!(!page.text.contains(r#"name="entry""#));
}

#[tokio::test]
async fn a_time_the_client_proposed_opens_the_schedule_form_at_that_time_and_becomes_the_interview() {
    let app = spawn_app().await;
    let (desk, submission, id, link) = sent(&app).await;
    let fields = [
        ("answer", "interested"),
        ("time_1", "2026-12-01T10:00"),
        ("time_2", "2026-12-02T14:30"),
        ("time_zone", "Europe/Berlin"),
    ];
    let page = answer(&app.client(), &link, &fields).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);

    // The recruiter's shortlist page offers each proposed time; the second one opens the form.
    let show = desk.recruiter.get(&format!("/shortlists/{id}")).await;
    let links: Vec<String> = show
        .html()
        .select(&scraper::Selector::parse(".proposed-times a").unwrap())
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    assert_eq!(links.len(), 2, "{}", show.text);
    let form = desk.recruiter.get(&links[1]).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text);
    assert_eq!(form.input_value("date").as_deref(), Some("2026-12-02"));
    assert_eq!(form.input_value("time").as_deref(), Some("14:30"));
    let zone = form
        .html()
        .select(&scraper::Selector::parse(r#"select[name="time_zone"] option[selected]"#).unwrap())
        .next()
        .and_then(|o| o.value().attr("value").map(str::to_string));
    assert_eq!(zone.as_deref(), Some("Europe/Berlin"));
    assert_eq!(app.count("interviews").await, 0, "opening the form schedules nothing");

    // Sent as it stands (plus a link): the interview is at the client's time.
    let key = form.input_value("idempotency_key").unwrap();
    let token = form.csrf_token();
    let action = format!("/submissions/{submission}/interviews");
    let sent = desk
        .recruiter
        .post_raw(
            &action,
            &[
                ("date", "2026-12-02"),
                ("time", "14:30"),
                ("time_zone", "Europe/Berlin"),
                ("duration_minutes", "60"),
                ("kind", "video"),
                ("location", "https://meet.example/globex"),
                ("interviewers", ""),
                ("notes", ""),
                ("idempotency_key", &key),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
    let (starts_at, zone): (chrono::NaiveDateTime, String) = app
        .with_db(move |conn| {
            use nextgig::db::schema::interviews;
            interviews::table
                .filter(interviews::submission_id.eq(submission))
                .select((interviews::starts_at, interviews::time_zone))
                .first(conn)
                .unwrap()
        })
        .await;
    assert_eq!(starts_at.to_string(), "2026-12-02 13:30:00", "14:30 in Berlin is 13:30 UTC");
    assert_eq!(zone, "Europe/Berlin");

    // A malformed proposal opens a blank form; another agency's submission answers like a
    // missing one.
    let odd = desk.recruiter.get(&format!("/submissions/{submission}/interviews/new?date=tomorrow&time=25:99")).await;
    assert_eq!(odd.status, StatusCode::OK);
    assert_eq!(odd.input_value("date").as_deref(), Some(""));
    let missing = desk.recruiter.get("/submissions/999999/interviews/new").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_link_says_who_confirmed_the_availability_and_the_contractors_own_confirmation_shows_as_hers() {
    let app = spawn_app().await;
    let (desk, _submission, _id, link) = sent(&app).await;
    let client = app.client();
    let page = client.get(&link).await;
    assert!(page.text.contains("Availability confirmed today by the recruiter, with the contractor"), "{}", page.text);
    assert!(!page.text.contains("by the contractor<"), "{}", page.text);
    // Jane makes an account (reviewing her availability as she joins); two days on she confirms
    // in her portal that nothing changed.
    crate::pipeline::contractor_joins(&app, &desk).await;
    advance(&app, TimeDelta::days(2));
    let jane = app.signed_in("jane@example.com").await;
    let page = client.get(&link).await;
    assert!(page.text.contains("Availability confirmed 2 days ago by the contractor"), "{}", page.text);
    let confirmed = jane.submit("/me", "/me/availability/confirm", &[]).await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER, "{}", confirmed.text);
    let page = client.get(&link).await;
    assert!(page.text.contains("Availability confirmed today by the contractor"), "{}", page.text);
    let rita = app.signed_in("rita@acme.test").await;
    let record = rita.get(&format!("/contractors/{}", desk.contractor_id)).await;
    assert!(record.text.contains("confirmed today by the contractor"), "{}", record.text);
}

#[tokio::test]
async fn the_recruiter_replies_to_a_clients_question_and_the_client_gets_it_by_email_and_on_the_link() {
    let app = spawn_app().await;
    let (desk, submission, id, link) = sent(&app).await;
    let client = app.client();
    let asked =
        answer(&client, &link, &[("answer", "question"), ("question", "Can she start before Christmas?")]).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.text);
    let question: i64 = app
        .with_db(|conn| {
            shortlist_answers::table
                .filter(shortlist_answers::kind.eq("question"))
                .select(shortlist_answers::id)
                .first(conn)
                .unwrap()
        })
        .await;
    let (show, action, q) = (format!("/shortlists/{id}"), format!("/shortlists/{id}/reply"), question.to_string());
    let page = desk.recruiter.get(&show).await;
    assert!(page.text.contains("Reply to this question"), "{}", page.text);
    app.deliver_mail().await;
    let emails_before = app.emails().len();

    // Bad replies come back beside the question with the text kept; nothing is saved or sent.
    let empty = desk.recruiter.submit(&show, &action, &[("answer", &q), ("reply", "   ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        empty.field_error(&format!("reply-{question}")).as_deref(),
        Some("Write your reply to the client's question.")
    );
    let long = format!("KEPT{}", "x".repeat(2000));
    let too_long = desk.recruiter.submit(&show, &action, &[("answer", &q), ("reply", &long)]).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_long.text.contains("Keep the reply under 2000 characters."), "{}", too_long.text);
    assert!(too_long.text.contains(&long), "the typed reply is kept");
    let replies: Vec<Option<String>> =
        app.with_db(|conn| shortlist_answers::table.select(shortlist_answers::reply).load(conn).unwrap()).await;
    assert_eq!(replies, vec![None]);
    app.deliver_mail().await;
    assert_eq!(app.emails().len(), emails_before);

    // The reply: kept, noted on the submission for the agency only, emailed, shown on the link.
    let sent =
        desk.recruiter.submit(&show, &action, &[("answer", &q), ("reply", "Yes: she can start on 14 December.")]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
    assert_eq!(sent.location(), format!("/shortlists/{id}#answer-{question}"));
    let (kind, body, visible) = events(&app, submission).await.pop().unwrap();
    assert_eq!((kind.as_str(), visible), ("client_question_replied", false));
    assert!(body.contains("she can start on 14 December"), "{body}");
    let email = app.last_email_to(CONTACT).await;
    assert!(email.subject.contains("your question about J. D."), "{}", email.subject);
    assert!(
        email.text.contains("Can she start before Christmas?") && email.text.contains("she can start on 14 December")
    );
    assert!(!email.text.contains("Jane Doe"), "the name stays hidden: {}", email.text);
    let page = client.get(&link).await;
    assert!(page.text.contains("replied:</strong>"), "{}", page.text);
    assert!(page.text.contains("Yes: she can start on 14 December."));
    let page = desk.recruiter.get(&show).await;
    assert!(page.text.contains("Your reply") && !page.text.contains("Reply to this question"), "{}", page.text);

    // Once per question; an answer that is not a question, or a made-up one, is not found.
    let again = desk.recruiter.submit(&show, &action, &[("answer", &q), ("reply", "And again")]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text.contains("You already replied to this question."));
    let interested = answer(
        &client,
        &link,
        &[("answer", "interested"), ("time_1", "2026-12-01T10:00"), ("time_zone", "Europe/London")],
    )
    .await;
    assert_eq!(interested.status, StatusCode::OK);
    let other: i64 = app
        .with_db(|conn| {
            shortlist_answers::table
                .filter(shortlist_answers::kind.eq("interested"))
                .select(shortlist_answers::id)
                .first(conn)
                .unwrap()
        })
        .await;
    for bad in [other.to_string(), "999999".to_string(), "abc".to_string()] {
        let page = desk.recruiter.submit(&show, &action, &[("answer", &bad), ("reply", "Hello")]).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "answer {bad}");
    }
}

#[tokio::test]
async fn a_contractor_whose_consent_is_withdrawn_disappears_from_an_open_shortlist() {
    let app = spawn_app().await;
    let (desk, submission, id, link) = sent(&app).await;
    let client = app.client();
    assert_eq!(client.get(&link).await.texts(".client-entry h2"), vec!["J. D.".to_string()]);
    // Jane withdraws the consent she gave by the emailed link.
    let consent_link = crate::pipeline::consent_link(&app, &desk).await;
    let withdrawn = crate::pipeline::decide_by_link(&app, &consent_link, "withdraw").await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{}", withdrawn.text);
    let status: String = app
        .with_db(move |conn| {
            consents::table.filter(consents::submission_id.eq(submission)).select(consents::status).first(conn).unwrap()
        })
        .await;
    assert_eq!(status, "withdrawn");
    let page = client.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.texts(".client-entry h2").is_empty(), "{}", page.text);
    assert!(page.text.contains("No candidates are on this shortlist any more"));
    // Her CV and answers are gone with her.
    let show = desk.recruiter.get(&format!("/shortlists/{id}")).await;
    assert!(show.text.contains("No longer on the link"), "{}", show.text);
}

#[tokio::test]
async fn a_shortlist_unanswered_after_the_follow_up_time_joins_the_dashboards_overdue_list() {
    let app = spawn_app().await;
    let (desk, _submission, id, link) = sent(&app).await;
    let home = desk.recruiter.get("/").await;
    assert!(!home.text.contains("dash-shortlists"), "not stale yet");
    advance(&app, TimeDelta::days(10));
    // Ten days on, Rita signs in again (sessions end when idle).
    let rita = app.signed_in("rita@acme.test").await;
    let home = rita.get("/").await;
    assert!(home.text.contains(&format!("/shortlists/{id}")), "{}", home.text);
    assert!(home.texts("#dash-shortlists-h").iter().any(|t| t.contains("Shortlists waiting on the client")));
    // An answer takes it off.
    let page = answer(&app.client(), &link, &[("answer", "question"), ("question", "Rate negotiable?")]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let home = rita.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(!home.text.contains(&format!("/shortlists/{id}")));
}

#[tokio::test]
async fn sending_again_gives_a_fresh_link_and_the_full_cv_is_the_file_as_uploaded() {
    let app = spawn_app().await;
    let (desk, submission, contact) = ready(&app).await;
    let page = send(&desk, submission, contact, &[("{e}_cv", "full"), ("{e}_name", "full")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let id = crate::clients::id_from(&page);
    let first = client_link(&app).await;
    let client = app.client();
    let shown = client.get(&first).await;
    let cv = client.get(&format!("{first}/cv/{}", entry_id(&shown))).await;
    assert_eq!(cv.status, StatusCode::OK);
    assert!(cv.headers.get("content-disposition").unwrap().to_str().unwrap().contains("jane.txt"));
    assert_eq!(cv.text, CV, "the file as uploaded, as the recruiter chose");
    let show = format!("/shortlists/{id}");
    let resent = desk.recruiter.submit(&show, &format!("{show}/resend"), &[]).await;
    assert_eq!(resent.status, StatusCode::SEE_OTHER);
    let second = client_link(&app).await;
    assert_ne!(first, second, "a fresh link");
    assert_eq!(client.get(&first).await.status, StatusCode::NOT_FOUND, "the previous link stops working");
    assert_eq!(client.get(&second).await.status, StatusCode::OK);
}

/// Beta's shortlist (written straight to the database), for the isolation matrix.
pub async fn foreign_shortlist(app: &TestApp, agency: i64, job: i64) -> i64 {
    app.with_db(move |conn| {
        let now = crate::helpers::start_time();
        diesel::insert_into(shortlists::table)
            .values((
                shortlists::agency_id.eq(agency),
                shortlists::job_id.eq(job),
                shortlists::token_hash.eq("0".repeat(64)),
                shortlists::time_zone.eq("UTC"),
                shortlists::created_at.eq(now),
                shortlists::sent_at.eq(now),
                shortlists::expires_at.eq(now + TimeDelta::days(14)),
                shortlists::open_count.eq(0),
                shortlists::follow_up_due.eq(now.date() + TimeDelta::days(7)),
            ))
            .returning(shortlists::id)
            .get_result(conn)
            .unwrap()
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_phone_the_client_says_interested_with_two_times_and_the_recruiters_pipeline_shows_it() {
    let Some(browser) = crate::browser::start_browser(true).await else { return };
    let app = spawn_app().await;
    let (desk, submission, _id, link) = sent(&app).await;
    browser.open(&link).await;
    assert!(browser.text().await.contains("Availability confirmed today by the recruiter"));
    assert!(browser.content_width().await <= 360, "the shortlist fits the phone's width");
    let entry = app
        .with_db(move |conn| {
            nextgig::db::schema::shortlist_entries::table
                .filter(nextgig::db::schema::shortlist_entries::submission_id.eq(submission))
                .select(nextgig::db::schema::shortlist_entries::id)
                .first::<i64>(conn)
                .unwrap()
        })
        .await;
    browser.click(&format!("#interested-{entry}")).await;
    browser.set_value(&format!("t1-{entry}"), "2026-12-01T10:00").await;
    browser.set_value(&format!("t2-{entry}"), "2026-12-02T14:30").await;
    browser.choose(&format!("tz-{entry}"), "Europe/London").await;
    assert!(browser.content_width().await <= 360, "the open form fits the phone's width");
    browser.submit(&format!("#c-{entry} details[open] button[type=submit]")).await;
    assert!(browser.text().await.contains("has your answer"), "{}", browser.text().await);

    // The recruiter's board: the card is in the interview column, marked "Client: Interested".
    let board = desk.recruiter.get(&format!("/jobs/{}", desk.job_id)).await;
    let interview = stage_id(&app, desk.agency_id, "interview").await;
    let column =
        board.texts(&format!("section[aria-labelledby='stage-{interview}'] article[data-submission='{submission}']"));
    assert_eq!(column.len(), 1, "the card is in the interview column:\n{}", board.text);
    assert!(column[0].contains("Client: Interested"), "{}", column[0]);
    browser.close().await;
}
