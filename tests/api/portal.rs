//! The contractor portal: one account linked to several agencies, availability kept by the
//! contractor, reminders, unlinking, data export and account deletion.

use chrono::TimeDelta;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, TestClient, spawn_app};

/// Two agencies, each with a recruiter who has a record of Jane (same email).
struct TwoAgencies {
    acme: TestClient,
    beta: TestClient,
    acme_jane: i64,
    beta_jane: i64,
}

async fn two_agencies(app: &TestApp) -> TwoAgencies {
    let (acme, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let (beta, _) = app.create_agency("Beta Talent", "bob@beta.test").await;
    app.create_recruiter(acme, "Rita Acme", "rita@acme.test").await;
    app.create_recruiter(beta, "Bert Beta", "bert@beta.test").await;
    let acme = app.signed_in("rita@acme.test").await;
    let beta = app.signed_in("bert@beta.test").await;
    let acme_jane = acme
        .add_contractor(&[
            ("name", "Jane Doe"),
            ("email", "jane@example.com"),
            ("headline", "Rust engineer"),
            ("skills", "Rust"),
            ("rate_floor", "80"),
            ("notes", "ACME-PRIVATE-NOTE"),
            ("tags", "acme-tag"),
            ("source", "Acme referral"),
        ])
        .await;
    let beta_jane = beta
        .add_contractor(&[
            ("name", "J. Doe"),
            ("email", "jane@example.com"),
            ("headline", "Go developer"),
            ("notes", "BETA-PRIVATE-NOTE"),
        ])
        .await;
    TwoAgencies { acme, beta, acme_jane, beta_jane }
}

/// The recruiter invites the record's person; returns the emailed link.
async fn invite(app: &TestApp, recruiter: &TestClient, record: i64) -> (crate::helpers::Page, String) {
    let page = recruiter.submit(&format!("/contractors/{record}"), &format!("/contractors/{record}/invite"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let shown = recruiter.get(&format!("/contractors/{record}")).await;
    let link = app.last_email_to("jane@example.com").await.link(&format!("{}/invitations/", app.address));
    (shown, link)
}

/// Jane creates her account from Acme's invitation; returns her signed-in client.
async fn jane_joins(app: &TestApp, desk: &TwoAgencies) -> TestClient {
    let (_, link) = invite(app, &desk.acme, desk.acme_jane).await;
    let jane = app.client();
    let page = jane.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Connect with Acme Staffing"));
    assert_eq!(page.input_value("name").as_deref(), Some("Jane Doe"), "prefilled from the agency's record");
    let done = jane.submit(&link, &link, &[("name", "Jane Doe"), ("password", PASSWORD)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert_eq!(done.location(), "/me");
    jane
}

#[tokio::test]
async fn a_new_contractor_joins_from_the_invitation_and_the_agency_sees_her_profile() {
    let app = spawn_app().await;
    let desk = two_agencies(&app).await;
    let jane = jane_joins(&app, &desk).await;
    let home = jane.get("/me").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text.contains("Welcome to NextGig. Acme Staffing now sees what you keep here."));
    assert_eq!(home.texts("h1.me-status"), ["Available now"]);
    // Her profile started from what Acme knew, and Acme's record is now kept by her.
    jane.submit(
        "/me",
        "/me/profile",
        &[("name", "Jane Doe"), ("headline", "Staff Rust engineer"), ("skills", "Rust, Postgres")],
    )
    .await;
    let record = desk.acme.get(&format!("/contractors/{}", desk.acme_jane)).await;
    assert!(record.text.contains("Kept by the contractor"));
    assert!(record.text.contains("Staff Rust engineer"));
    assert_eq!(record.texts(".skills .badge"), ["PostgreSQL", "Rust"]);
    assert!(record.text.contains("ACME-PRIVATE-NOTE"), "the agency's notes stay");
    // Acme's search index follows the profile.
    assert_eq!(desk.acme.get("/contractors?q=staff").await.texts(".results-table tbody tr").len(), 1);
    // A contractor cannot open staff pages, and staff cannot open /me.
    assert_eq!(jane.get("/contractors").await.status, StatusCode::FORBIDDEN);
    assert_eq!(jane.get("/").await.location(), "/me");
    assert_eq!(desk.acme.get("/me").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_existing_account_signs_in_to_connect_and_the_agency_cannot_tell_the_difference() {
    let app = spawn_app().await;
    let desk = two_agencies(&app).await;
    let (acme_view, _) = invite(&app, &desk.acme, desk.acme_jane).await;
    let jane = {
        let link = app.emails().last().unwrap().link(&format!("{}/invitations/", app.address));
        let jane = app.client();
        jane.submit(&link, &link, &[("name", "Jane Doe"), ("password", PASSWORD)]).await;
        jane
    };
    // Beta invites the same person: the email has an account already.
    let (beta_view, link) = invite(&app, &desk.beta, desk.beta_jane).await;
    let normalize = |page: &crate::helpers::Page, name: &str, agency: &str, notes: &str, headline: &str| {
        page.texts(".flash, .head-actions button, .kept-by-line")
            .join("|")
            .replace(name, "NAME")
            .replace(agency, "AGENCY")
            .replace(notes, "NOTES")
            .replace(headline, "HEADLINE")
    };
    assert_eq!(
        normalize(&acme_view, "Jane Doe", "Acme", "ACME-PRIVATE-NOTE", "Rust engineer"),
        normalize(&beta_view, "J. Doe", "Beta", "BETA-PRIVATE-NOTE", "Go developer"),
        "the inviting agency sees the same thing whether or not the person has an account"
    );
    assert!(beta_view.text.contains("Invitation sent to jane@example.com."));

    // Signed out, the link asks her to sign in; signed in, she confirms.
    let anonymous = app.client().get(&link).await;
    assert!(anonymous.text.contains("already has a NextGig account"));
    assert!(anonymous.text.contains("Sign in to connect"));
    let page = jane.get(&link).await;
    assert!(page.text.contains("Connect Beta Talent"));
    let done = jane.submit(&link, &link, &[]).await;
    assert_eq!(done.location(), "/me/agencies");
    let agencies = jane.get("/me/agencies").await;
    assert_eq!(agencies.texts(".card-list h2"), ["Acme Staffing", "Beta Talent"]);
    // Both agencies now show what she keeps.
    jane.submit(
        "/me",
        "/me/availability",
        &[("availability", "from_date"), ("available_from", "2027-02-01"), ("remote", "remote")],
    )
    .await;
    for (client, record) in [(&desk.acme, desk.acme_jane), (&desk.beta, desk.beta_jane)] {
        let page = client.get(&format!("/contractors/{record}")).await;
        assert!(page.text.contains("Available from 1 Feb 2027"), "every linked agency sees the profile");
        assert!(page.text.contains("Jane Doe"));
    }
    // Beta never sees Acme's notes, tags, owner or source on its record, nor the other way round.
    let beta_page = desk.beta.get(&format!("/contractors/{}", desk.beta_jane)).await;
    for secret in ["ACME-PRIVATE-NOTE", "acme-tag", "Acme referral", "Rita Acme", "Acme Staffing"] {
        assert!(!beta_page.text.contains(secret), "{secret} leaked to Beta");
    }
    assert!(beta_page.text.contains("BETA-PRIVATE-NOTE"));
    // Used links work once.
    assert_eq!(jane.get(&link).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn still_available_confirms_and_an_unlinked_agency_stops_seeing_updates() {
    let app = spawn_app().await;
    let desk = two_agencies(&app).await;
    let jane = jane_joins(&app, &desk).await;
    let record = format!("/contractors/{}", desk.acme_jane);
    app.clock.advance(TimeDelta::days(20));
    let jane = {
        let c = app.client();
        assert_eq!(c.sign_in("jane@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
        drop(jane);
        c
    };
    let acme = app.signed_in("rita@acme.test").await;
    assert_eq!(acme.get(&record).await.texts(".freshness-aging"), ["confirmed 20 days ago by the contractor"]);
    assert!(jane.get("/me").await.text.contains("You confirmed 20 days ago"));
    jane.submit("/me", "/me/availability/confirm", &[]).await;
    assert_eq!(acme.get(&record).await.texts(".freshness-fresh"), ["confirmed today by the contractor"]);
    assert!(jane.get("/me").await.text.contains("You confirmed today"));

    let acme_agency_id = {
        let agencies = jane.get("/me/agencies").await;
        agencies
            .html()
            .select(&scraper::Selector::parse("form[action$='/unlink']").unwrap())
            .next()
            .and_then(|f| f.value().attr("action").map(str::to_string))
            .unwrap()
    };
    jane.submit("/me/agencies", &acme_agency_id, &[]).await;
    jane.submit("/me", "/me/availability", &[("availability", "not_looking")]).await;
    let page = acme.get(&record).await;
    assert!(!page.text.contains("Kept by the contractor"));
    assert!(page.text.contains("Available now"), "Acme keeps what it had");
    assert!(!page.text.contains("Not looking"), "and gets no more updates");
    assert!(jane.get("/me/agencies").await.text.contains("No agency is connected"));
    // Acme can edit its record itself again.
    let form = acme.get(&format!("{record}/edit")).await;
    assert!(form.input_value("name").is_some());
}

#[tokio::test]
async fn the_reminder_is_sent_once_per_period_and_its_link_works_once() {
    let app = spawn_app().await;
    let desk = two_agencies(&app).await;
    let _jane = jane_joins(&app, &desk).await;
    let worker = "test";
    assert_eq!(nextgig::jobs::reminders::run_once(&app.state, worker).await.unwrap(), 0, "fresh: nothing to send");
    app.clock.advance(TimeDelta::days(31));
    assert_eq!(nextgig::jobs::reminders::run_once(&app.state, worker).await.unwrap(), 1);
    assert_eq!(nextgig::jobs::reminders::run_once(&app.state, worker).await.unwrap(), 0, "no repeated nag");
    app.clock.advance(TimeDelta::days(10));
    assert_eq!(nextgig::jobs::reminders::run_once(&app.state, worker).await.unwrap(), 0, "still no second nag");
    let email = app.last_email_to("jane@example.com").await;
    assert!(email.subject.starts_with("Still available?"));
    assert!(email.text.contains("You last confirmed this 41 days ago") || email.text.contains("31 days ago"));
    let link = email.link(&format!("{}/still-available/", app.address));
    let visitor = app.client();
    let page = visitor.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Still available now?") || page.text.contains("Still available"));
    // Opening the link changes nothing; the button does.
    let acme = app.signed_in("rita@acme.test").await;
    assert!(acme.get(&format!("/contractors/{}", desk.acme_jane)).await.text.contains("confirmed 41 days ago"));
    let done = visitor.submit(&link, &link, &[]).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.text.contains("Thanks, Jane Doe"));
    assert!(acme.get(&format!("/contractors/{}", desk.acme_jane)).await.text.contains("confirmed today"));
    assert_eq!(app.client().get(&link).await.status, StatusCode::NOT_FOUND, "the link works once");
    // Confirming restarts the period: the next reminder comes only after another 30 days.
    app.clock.advance(TimeDelta::days(29));
    assert_eq!(nextgig::jobs::reminders::run_once(&app.state, worker).await.unwrap(), 0);
    app.clock.advance(TimeDelta::days(2));
    assert_eq!(nextgig::jobs::reminders::run_once(&app.state, worker).await.unwrap(), 1);
}

#[tokio::test]
async fn reminders_can_be_turned_off() {
    let app = spawn_app().await;
    let desk = two_agencies(&app).await;
    let jane = jane_joins(&app, &desk).await;
    let off = jane.submit("/me", "/me/reminders", &[("reminder_days", "30")]).await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert!(jane.get("/me").await.text.contains("Reminders are off."));
    app.clock.advance(TimeDelta::days(60));
    assert_eq!(nextgig::jobs::reminders::run_once(&app.state, "test").await.unwrap(), 0);
}

#[tokio::test]
async fn a_private_rate_floor_never_reaches_a_staff_page_or_export() {
    let app = spawn_app().await;
    let desk = two_agencies(&app).await;
    let jane = jane_joins(&app, &desk).await;
    let saved = jane
        .submit(
            "/me",
            "/me/rate",
            &[
                ("rate_floor", "987.65"),
                ("rate_currency", "EUR"),
                ("rate_unit", "hour"),
                ("rate_visibility", "private"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert!(jane.get("/me").await.text.contains("EUR 987.65/hour"));
    let record = format!("/contractors/{}", desk.acme_jane);
    let page = desk.acme.get(&record).await;
    assert!(page.text.contains("Kept private by the contractor"));
    for path in [record.clone(), format!("{record}/edit"), "/contractors".into(), "/contractors?sort=rate".into()] {
        let page = desk.acme.get(&path).await;
        assert!(!page.without_tokens().contains("987"), "{path} shows the private rate");
    }
    // Searching by rate cannot reveal it either.
    assert!(desk.acme.get("/contractors?max_rate=1000").await.texts(".results-table tbody tr").is_empty());
    let export = desk.acme.get("/exports/contractors.csv").await;
    assert!(!export.text.contains("987"), "the CSV export shows the private rate");
    // Made visible, the number appears.
    jane.submit(
        "/me",
        "/me/rate",
        &[("rate_floor", "987.65"), ("rate_currency", "EUR"), ("rate_unit", "hour"), ("rate_visibility", "visible")],
    )
    .await;
    assert!(desk.acme.get(&record).await.text.contains("EUR 987.65/hour"));
}

#[tokio::test]
async fn recruiters_cannot_overwrite_what_the_contractor_keeps() {
    let app = spawn_app().await;
    let desk = two_agencies(&app).await;
    let _jane = jane_joins(&app, &desk).await;
    let edit = format!("/contractors/{}/edit", desk.acme_jane);
    let form = desk.acme.get(&edit).await;
    assert!(form.text.contains("Kept by Jane Doe"));
    assert_eq!(form.input_value("name"), None, "no name field on a kept record");
    let version = form.input_value("version").unwrap();
    let saved = desk
        .acme
        .submit(
            &edit,
            &format!("/contractors/{}", desk.acme_jane),
            &[("name", "Hacked Name"), ("headline", "Hacked"), ("notes", "New private note"), ("version", &version)],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = desk.acme.get(&format!("/contractors/{}", desk.acme_jane)).await;
    assert!(page.text.contains("New private note"), "the agency's own field is saved");
    assert!(!page.text.contains("Hacked"), "contractor-kept fields are ignored");
    assert!(page.text.contains("Jane Doe"));
}

#[tokio::test]
async fn a_contractor_cannot_write_agency_fields_or_reach_another_contractors_data() {
    let app = spawn_app().await;
    let desk = two_agencies(&app).await;
    let jane = jane_joins(&app, &desk).await;
    let sneaky = jane.submit("/me", "/me/profile", &[("name", "Jane"), ("notes", "mine now"), ("owner_id", "1")]).await;
    assert_eq!(sneaky.status, StatusCode::BAD_REQUEST);
    // Another contractor with an outside submission of her own.
    let ben = desk.acme.add_contractor(&[("name", "Ben Other"), ("email", "ben@example.com")]).await;
    desk.acme.submit(&format!("/contractors/{ben}"), &format!("/contractors/{ben}/invite"), &[]).await;
    let link = app.last_email_to("ben@example.com").await.link(&format!("{}/invitations/", app.address));
    let ben_client = app.client();
    ben_client.submit(&link, &link, &[("name", "Ben Other"), ("password", PASSWORD)]).await;
    ben_client
        .submit(
            "/me/outside",
            "/me/outside",
            &[
                ("client_name", "BEN-CANARY Corp"),
                ("client_domain", "bencanary.example"),
                ("submitted_on", "2026-11-20"),
            ],
        )
        .await;
    let ben_entry: i64 = app
        .with_db(|conn| {
            use diesel::prelude::*;
            nextgig::db::schema::outside_submissions::table
                .select(nextgig::db::schema::outside_submissions::id)
                .first(conn)
                .unwrap()
        })
        .await;
    let foreign = jane.submit("/me/outside", &format!("/me/outside/{ben_entry}/delete"), &[]).await;
    let missing = jane.submit("/me/outside", "/me/outside/999999/delete", &[]).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(foreign.without_tokens(), missing.without_tokens());
    assert_eq!(app.count("outside_submissions").await, 1);
    for path in
        ["/me", "/me/agencies", "/me/submissions", "/me/outside", "/me/export?format=json", "/me/export?format=csv"]
    {
        assert!(!jane.get(path).await.text.contains("CANARY"), "{path}");
    }
    let unlink_other = jane.submit("/me/agencies", "/me/agencies/999999/unlink", &[]).await;
    assert_eq!(unlink_other.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_data_export_holds_what_the_pages_show_and_nothing_of_anyone_else() {
    let app = spawn_app().await;
    let desk = two_agencies(&app).await;
    let jane = jane_joins(&app, &desk).await;
    jane.submit(
        "/me",
        "/me/profile",
        &[("name", "Jane Doe"), ("headline", "Staff Rust engineer"), ("skills", "Rust, Kafka")],
    )
    .await;
    jane.submit(
        "/me/outside",
        "/me/outside",
        &[
            ("client_name", "Initech"),
            ("client_domain", "https://www.initech.example/jobs"),
            ("submitted_on", "2026-11-01"),
        ],
    )
    .await;
    let json = jane.get("/me/export?format=json").await;
    assert_eq!(json.status, StatusCode::OK);
    assert!(json.headers.get("content-disposition").unwrap().to_str().unwrap().starts_with("attachment"));
    let data: serde_json::Value = serde_json::from_str(&json.text).unwrap();
    assert_eq!(data["account"]["email"], "jane@example.com");
    assert_eq!(data["profile"]["headline"], "Staff Rust engineer");
    assert_eq!(data["skills"], serde_json::json!(["Kafka", "Rust"]));
    assert_eq!(data["agencies"][0]["name"], "Acme Staffing");
    assert_eq!(data["outside_submissions"][0]["client_domain"], "initech.example");
    for secret in ["ACME-PRIVATE-NOTE", "BETA-PRIVATE-NOTE", "acme-tag", "password_hash", "argon2"] {
        assert!(!json.text.contains(secret), "{secret} in the export");
    }
    let csv = jane.get("/me/export?format=csv").await;
    assert!(csv.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/csv"));
    assert!(csv.text.contains("profile,,headline,Staff Rust engineer"));
    assert!(csv.text.contains("outside_submissions,1,client_domain,initech.example"));
}

#[tokio::test]
async fn deleting_the_account_removes_the_profile_and_leaves_each_agencys_own_data() {
    let app = spawn_app().await;
    let desk = two_agencies(&app).await;
    let jane = jane_joins(&app, &desk).await;
    jane.submit("/me", "/me/profile", &[("name", "Jane Q. Doe"), ("headline", "PROFILE-ONLY-HEADLINE")]).await;
    assert!(desk.acme.get(&format!("/contractors/{}", desk.acme_jane)).await.text.contains("PROFILE-ONLY-HEADLINE"));
    let wrong = jane.submit("/me/delete", "/me/delete", &[("password", "not-my-password-at-all")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("contractor_profiles").await, 1);
    let done = jane.submit("/me/delete", "/me/delete", &[("password", PASSWORD)]).await;
    assert_eq!(done.location(), "/login?deleted=1");
    assert_eq!(app.count("contractor_profiles").await, 0);
    assert_eq!(jane.get("/me").await.status, StatusCode::SEE_OTHER, "signed out");
    assert_eq!(app.client().sign_in("jane@example.com", PASSWORD).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Acme's record is back to what Acme typed, with its own notes.
    let page = desk.acme.get(&format!("/contractors/{}", desk.acme_jane)).await;
    assert!(!page.text.contains("PROFILE-ONLY-HEADLINE"));
    assert!(page.text.contains("Rust engineer"));
    assert!(page.text.contains("ACME-PRIVATE-NOTE"));
    assert!(!page.text.contains("Kept by the contractor"));
    assert_eq!(app.count("agency_contractors").await, 2);
    // The audit log keeps the deletion.
    let actions: Vec<String> = app
        .with_db(|conn| {
            use diesel::prelude::*;
            nextgig::db::schema::audit_log::table.select(nextgig::db::schema::audit_log::action).load(conn).unwrap()
        })
        .await;
    assert!(actions.contains(&"contractor.account_deleted".to_string()));
}

#[tokio::test]
async fn bad_input_on_the_contractor_pages_comes_back_beside_the_field() {
    let app = spawn_app().await;
    let desk = two_agencies(&app).await;
    let jane = jane_joins(&app, &desk).await;
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        ("/me/availability", vec![("availability", "from_date")], "available_from", "Give the date"),
        (
            "/me/availability",
            vec![("availability", "on_contract"), ("contract_ends_on", "soon")],
            "contract_ends_on",
            "must be a date",
        ),
        ("/me/rate", vec![("rate_floor", "-5")], "rate_floor", "must not be negative"),
        ("/me/profile", vec![("name", "")], "name", "Name is required."),
        ("/me/offer", vec![("decision_by", "2020-01-01")], "decision_by", "cannot be in the past"),
        ("/me/offer", vec![("decision_by", "")], "decision_by", "Give the date"),
        ("/me/reminders", vec![("reminders", "on"), ("reminder_days", "2")], "reminder_days", "between 7 and 180"),
    ];
    for (action, fields, field, message) in cases {
        let page = jane.submit("/me", action, &fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{action} {field}");
        let error = page.field_error(field).unwrap_or_else(|| panic!("no error beside {field}"));
        assert!(error.contains(message), "{field}: {error}");
    }
    let outside = jane
        .submit(
            "/me/outside",
            "/me/outside",
            &[("client_name", "X"), ("client_domain", "not a domain"), ("submitted_on", "2099-01-01")],
        )
        .await;
    assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(outside.field_error("client_domain").is_some());
    assert!(outside.field_error("submitted_on").unwrap().contains("future"));
    assert_eq!(outside.input_value("client_name").as_deref(), Some("X"));
    assert_eq!(app.count("outside_submissions").await, 0);
}

#[tokio::test]
async fn a_competing_offer_shows_on_every_linked_agencys_record() {
    let app = spawn_app().await;
    let desk = two_agencies(&app).await;
    let jane = jane_joins(&app, &desk).await;
    let set = jane.submit("/me", "/me/offer", &[("decision_by", "2026-12-04")]).await;
    assert_eq!(set.status, StatusCode::SEE_OTHER);
    let page = desk.acme.get(&format!("/contractors/{}", desk.acme_jane)).await;
    assert_eq!(page.texts(".offer-flag"), ["Offer or final round elsewhere — decision by 4 Dec 2026."]);
    jane.submit("/me", "/me/offer", &[("clear", "1")]).await;
    assert!(desk.acme.get(&format!("/contractors/{}", desk.acme_jane)).await.texts(".offer-flag").is_empty());
}
