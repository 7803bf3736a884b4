use chrono::TimeDelta;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestClient, advance, spawn_app};

const NEW_PASSWORD: &str = "quiet-harbour-lantern-77";

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_and_ends_every_other_session() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let laptop = app.signed_in("ada@acme.test").await;
    let laptop_cookie = laptop.session_cookie().unwrap();

    let visitor = app.client();
    let asked = visitor.submit("/password-reset", "/password-reset", &[("email", "ADA@acme.test")]).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.text.contains("If ada@acme.test has a NextGig account"));
    let email = app.last_email_to("ada@acme.test").await;
    assert_eq!(email.subject, "Reset your NextGig password");
    let link = email.link(&format!("{}/password-reset/", app.address));

    let form = visitor.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    let done = visitor.submit(&link, &link, &[("password", NEW_PASSWORD)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(visitor.get("/").await.text.contains("Your password is changed"));

    // Every other session ended; the old password no longer works; the new one does.
    assert_eq!(TestClient::with_cookie(&app.address, &laptop_cookie).get("/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.client().sign_in("ada@acme.test", PASSWORD).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.client().sign_in("ada@acme.test", NEW_PASSWORD).await.status, StatusCode::SEE_OTHER);
    // The link works once.
    assert_eq!(app.client().get(&link).await.status, StatusCode::NOT_FOUND);
    let other = app.client();
    let token = other.get("/login").await.csrf_token();
    assert_eq!(
        other.post_raw(&link, &[("password", "another-new-password-9"), ("csrf_token", &token)]).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_reset_link_expires_after_an_hour() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    app.client().submit("/password-reset", "/password-reset", &[("email", "ada@acme.test")]).await;
    let link = app.last_email_to("ada@acme.test").await.link(&format!("{}/password-reset/", app.address));
    advance(&app, TimeDelta::minutes(61));
    let page = app.client().get(&link).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_request_page_answers_the_same_for_an_unknown_email() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let known = app.client().submit("/password-reset", "/password-reset", &[("email", "ada@acme.test")]).await;
    let unknown = app.client().submit("/password-reset", "/password-reset", &[("email", "who@acme.test")]).await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(
        known.without_tokens().replace("ada@acme.test", "EMAIL"),
        unknown.without_tokens().replace("who@acme.test", "EMAIL")
    );
    app.deliver_mail().await;
    let emails = app.emails();
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].to, "ada@acme.test");
}

#[tokio::test]
async fn reset_requests_are_limited_per_hour_without_saying_so() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    for _ in 0..5 {
        let page = app.client().submit("/password-reset", "/password-reset", &[("email", "ada@acme.test")]).await;
        assert_eq!(page.status, StatusCode::OK);
    }
    assert_eq!(app.count("password_resets").await, 3);
}

#[tokio::test]
async fn a_new_password_must_follow_the_rules() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let visitor = app.client();
    visitor.submit("/password-reset", "/password-reset", &[("email", "ada@acme.test")]).await;
    let link = app.last_email_to("ada@acme.test").await.link(&format!("{}/password-reset/", app.address));
    let short = visitor.submit(&link, &link, &[("password", "tooshort")]).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.field_error("password").unwrap().contains("at least 12"));
    let own_email = visitor.submit(&link, &link, &[("password", "ada@acme.test")]).await;
    assert_eq!(own_email.status, StatusCode::UNPROCESSABLE_ENTITY);
    let long = "x".repeat(129);
    assert!(
        visitor
            .submit(&link, &link, &[("password", &long)])
            .await
            .field_error("password")
            .unwrap()
            .contains("at most 128")
    );
    // The link was not used up by the refusals.
    assert_eq!(visitor.submit(&link, &link, &[("password", NEW_PASSWORD)]).await.status, StatusCode::SEE_OTHER);
    let bad_email = visitor.submit("/password-reset", "/password-reset", &[("email", "nope")]).await;
    assert_eq!(bad_email.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_email.input_value("email").as_deref(), Some("nope"));
}
