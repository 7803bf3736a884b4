use chrono::TimeDelta;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, advance, spawn_app};

#[tokio::test]
async fn an_invited_recruiter_joins_from_the_emailed_link_once() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let admin = app.signed_in("ada@acme.test").await;
    let sent = admin
        .submit("/admin/team", "/admin/invitations", &[("email", " Rita@Acme.test "), ("role", "recruiter")])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let team = admin.get("/admin/team").await;
    assert!(team.text.contains("Invitation sent to rita@acme.test."));
    assert!(team.texts("table tbody tr td").iter().any(|t| t == "rita@acme.test"), "listed as pending");

    let email = app.last_email_to("rita@acme.test").await;
    assert_eq!(email.subject, "Join Acme Staffing on NextGig");
    assert!(email.text.contains("Ada Admin invited you to join Acme Staffing on NextGig as a Recruiter."));
    let link = email.link(&format!("{}/invitations/", app.address));

    let rita = app.client();
    let form = rita.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains("Join Acme Staffing"));
    let joined = rita.submit(&link, &link, &[("name", "Rita Recruiter"), ("password", PASSWORD)]).await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.text);
    let home = rita.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text.contains("Welcome to Acme Staffing. You are signed in."));
    assert!(home.text.contains("Good to see you, Rita"));
    // A recruiter is not an admin.
    assert_eq!(rita.get("/admin/team").await.status, StatusCode::FORBIDDEN);

    // The link works once.
    let again = app.client();
    assert_eq!(again.get(&link).await.status, StatusCode::NOT_FOUND);
    let token = again.get("/login").await.csrf_token();
    let replay = again.post_raw(&link, &[("name", "Mallory"), ("password", PASSWORD), ("csrf_token", &token)]).await;
    assert_eq!(replay.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("users").await, 2);
    // She can sign in with her password from now on.
    assert_eq!(app.client().sign_in("rita@acme.test", PASSWORD).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_invitation_expires_and_a_resent_one_replaces_the_old_link() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let admin = app.signed_in("ada@acme.test").await;
    admin.submit("/admin/team", "/admin/invitations", &[("email", "rita@acme.test"), ("role", "recruiter")]).await;
    let first = app.last_email_to("rita@acme.test").await.link(&format!("{}/invitations/", app.address));
    let id: i64 = app
        .with_db(|conn| {
            use diesel::prelude::*;
            nextgig::db::schema::invitations::table.select(nextgig::db::schema::invitations::id).first(conn).unwrap()
        })
        .await;
    admin.submit("/admin/team", &format!("/admin/invitations/{id}/resend"), &[]).await;
    let second = app.last_email_to("rita@acme.test").await.link(&format!("{}/invitations/", app.address));
    assert_ne!(first, second);
    assert_eq!(app.client().get(&first).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.client().get(&second).await.status, StatusCode::OK);
    advance(&app, TimeDelta::days(7) + TimeDelta::minutes(1));
    assert_eq!(app.client().get(&second).await.status, StatusCode::NOT_FOUND, "expired after seven days");
    assert!(!admin.get("/admin/team").await.text.contains("rita@acme.test"), "no longer pending");
}

#[tokio::test]
async fn a_withdrawn_invitation_stops_working() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let admin = app.signed_in("ada@acme.test").await;
    admin.submit("/admin/team", "/admin/invitations", &[("email", "rita@acme.test"), ("role", "admin")]).await;
    let link = app.last_email_to("rita@acme.test").await.link(&format!("{}/invitations/", app.address));
    let id: i64 = app
        .with_db(|conn| {
            use diesel::prelude::*;
            nextgig::db::schema::invitations::table.select(nextgig::db::schema::invitations::id).first(conn).unwrap()
        })
        .await;
    let done = admin.submit("/admin/team", &format!("/admin/invitations/{id}/revoke"), &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(app.client().get(&link).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_invitations_get_a_clear_message_and_nothing_is_sent() {
    let app = spawn_app().await;
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    app.create_recruiter(agency, "Rita Recruiter", "rita@acme.test").await;
    let admin = app.signed_in("ada@acme.test").await;
    let huge = "a".repeat(1_000_000);
    let cases: Vec<(&str, &str, &str, &str)> = vec![
        ("", "recruiter", "email", "Email is required."),
        ("not an email", "recruiter", "email", "Enter an email address"),
        (&huge, "recruiter", "email", "too long"),
        ("RITA@acme.test", "recruiter", "email", "already on your team"),
        ("sam@acme.test", "owner", "role", "Choose Recruiter or Admin."),
    ];
    for (email, role, field, message) in cases {
        let page = admin.submit("/admin/team", "/admin/invitations", &[("email", email), ("role", role)]).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field} {message}");
        let error = page.field_error(field).unwrap_or_default();
        assert!(error.contains(message), "{field}: {error}");
    }
    // A second invitation to the same address while one is pending is refused too.
    admin.submit("/admin/team", "/admin/invitations", &[("email", "sam@acme.test"), ("role", "recruiter")]).await;
    let twice =
        admin.submit("/admin/team", "/admin/invitations", &[("email", "sam@acme.test"), ("role", "recruiter")]).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.field_error("email").unwrap().contains("pending invitation"));
    assert_eq!(twice.input_value("email").as_deref(), Some("sam@acme.test"));
    assert_eq!(app.count("invitations").await, 1);
    assert_eq!(app.count("outbox").await, 1);
}

#[tokio::test]
async fn an_invitation_for_an_address_that_already_has_an_account_cannot_make_a_second_one() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    app.create_agency("Beta Talent", "bob@beta.test").await;
    let admin = app.signed_in("ada@acme.test").await;
    // The admin of Acme learns nothing about Beta: the invitation is sent as usual.
    let sent =
        admin.submit("/admin/team", "/admin/invitations", &[("email", "bob@beta.test"), ("role", "recruiter")]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let link = app.last_email_to("bob@beta.test").await.link(&format!("{}/invitations/", app.address));
    let bob = app.client();
    let page = bob.get(&link).await;
    assert!(page.text.contains("already has a NextGig account"));
    let token = bob.get("/login").await.csrf_token();
    let refused = bob.post_raw(&link, &[("name", "Bob"), ("password", PASSWORD), ("csrf_token", &token)]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("users").await, 2);
}

#[tokio::test]
async fn bad_input_when_accepting_keeps_the_name_and_saves_nothing() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let admin = app.signed_in("ada@acme.test").await;
    admin.submit("/admin/team", "/admin/invitations", &[("email", "rita@acme.test"), ("role", "recruiter")]).await;
    let link = app.last_email_to("rita@acme.test").await.link(&format!("{}/invitations/", app.address));
    let rita = app.client();
    let short = rita.submit(&link, &link, &[("name", "Rita Recruiter"), ("password", "short-pass1")]).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.field_error("password").unwrap().contains("at least 12 characters"));
    assert_eq!(short.input_value("name").as_deref(), Some("Rita Recruiter"));
    let empty = rita.submit(&link, &link, &[("name", ""), ("password", "")]).await;
    assert!(empty.field_error("name").is_some() && empty.field_error("password").is_some());
    assert_eq!(app.count("users").await, 1);
    // Still usable afterwards.
    assert_eq!(
        rita.submit(&link, &link, &[("name", "Rita Recruiter"), ("password", PASSWORD)]).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_new_member_keeps_the_time_zone_chosen_at_sign_up_and_an_unknown_one_falls_back_to_utc() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let admin = app.signed_in("ada@acme.test").await;
    let mut zones = Vec::new();
    for (email, zone) in [("rita@acme.test", "America/Chicago"), ("sam@acme.test", "Mars/Olympus_Mons")] {
        admin.submit("/admin/team", "/admin/invitations", &[("email", email), ("role", "recruiter")]).await;
        let link = app.last_email_to(email).await.link(&format!("{}/invitations/", app.address));
        let form = app.client().get(&link).await;
        assert!(form.text.contains(r#"<option value="UTC" selected>"#), "UTC until the browser says otherwise");
        let joined = app
            .client()
            .submit(&link, &link, &[("name", "New Member"), ("password", PASSWORD), ("time_zone", zone)])
            .await;
        assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.text);
        let email = email.to_string();
        zones.push(
            app.with_db(move |conn| {
                use diesel::prelude::*;
                use nextgig::db::schema::users;
                users::table.filter(users::email.eq(email)).select(users::time_zone).first::<String>(conn).unwrap()
            })
            .await,
        );
    }
    assert_eq!(zones, ["America/Chicago", "UTC"]);
}
