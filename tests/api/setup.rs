use chrono::TimeDelta;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, advance, spawn_app};

async fn setup_token(app: &TestApp) -> String {
    let now = app.clock.now();
    app.with_db(move |conn| {
        nextgig::models::setup::issue_token_if_empty(conn, now).unwrap().expect("an empty database")
    })
    .await
}

fn setup_fields<'a>(token: &'a str, email: &'a str, password: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("token", token),
        ("agency_name", "Acme Staffing"),
        ("name", "Ada Admin"),
        ("email", email),
        ("password", password),
    ]
}

#[tokio::test]
async fn the_setup_link_creates_the_first_agency_once() {
    let app = spawn_app().await;
    let token = setup_token(&app).await;
    let client = app.client();
    let form = client.get(&format!("/setup?token={token}")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains("Set up NextGig"));

    let mut fields = setup_fields(&token, "ada@acme.test", PASSWORD);
    let csrf = form.csrf_token();
    fields.push(("csrf_token", &csrf));
    let done = client.post_raw("/setup", &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert_eq!(done.location(), "/admin/team");
    let team = client.get("/admin/team").await;
    assert!(team.text.contains("Welcome to NextGig, Ada Admin"));
    assert!(team.text.contains("ada@acme.test"));
    assert_eq!(app.count("agencies").await, 1);

    // The link is spent: the page and the form both answer 404, and nothing more is created.
    let again = app.client();
    assert_eq!(again.get(&format!("/setup?token={token}")).await.status, StatusCode::NOT_FOUND);
    let csrf = again.get("/login").await.csrf_token();
    let mut fields = setup_fields(&token, "eve@evil.test", PASSWORD);
    fields.push(("csrf_token", &csrf));
    assert_eq!(again.post_raw("/setup", &fields).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("agencies").await, 1);
    assert_eq!(app.count("users").await, 1);
    // No new token is issued once an agency exists.
    let now = app.clock.now();
    assert!(app.with_db(move |conn| nextgig::models::setup::issue_token_if_empty(conn, now).unwrap()).await.is_none());
}

#[tokio::test]
async fn a_wrong_or_expired_setup_token_opens_nothing() {
    let app = spawn_app().await;
    let token = setup_token(&app).await;
    let client = app.client();
    assert_eq!(client.get("/setup").await.status, StatusCode::NOT_FOUND);
    assert_eq!(client.get(&format!("/setup?token={}", "a".repeat(64))).await.status, StatusCode::NOT_FOUND);
    advance(&app, TimeDelta::hours(25));
    assert_eq!(client.get(&format!("/setup?token={token}")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_setup_input_is_shown_on_the_form_and_nothing_is_saved() {
    let app = spawn_app().await;
    let token = setup_token(&app).await;
    let client = app.client();
    let page = format!("/setup?token={token}");
    let huge = "x".repeat(1_000_000);
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![("token", &token), ("agency_name", ""), ("name", ""), ("email", ""), ("password", "")],
            "agency_name",
            "Agency name is required.",
        ),
        (setup_fields(&token, "not-an-email", PASSWORD), "email", "Enter an email address like name@example.com."),
        (
            setup_fields(&token, "ada@acme.test", "elevenchars"),
            "password",
            "Use at least 12 characters (this one has 11).",
        ),
        (setup_fields(&token, "ada@acme.test", "password1234"), "password", "too common"),
        (
            vec![
                ("token", &token),
                ("agency_name", &huge),
                ("name", "Ada"),
                ("email", "ada@acme.test"),
                ("password", PASSWORD),
            ],
            "agency_name",
            "too long",
        ),
    ];
    for (fields, field, message) in cases {
        let response = client.submit(&page, "/setup", &fields).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let error = response.field_error(field).unwrap_or_else(|| panic!("no error beside {field}"));
        assert!(error.contains(message), "{field}: {error}");
        // The user's input comes back (except the password).
        if field != "agency_name" {
            assert_eq!(response.input_value("agency_name").as_deref(), Some("Acme Staffing"));
        }
        assert_eq!(response.input_value("password"), None, "passwords are never sent back");
    }
    let empty = client.submit(&page, "/setup", &[("token", &token)]).await;
    for field in ["agency_name", "name", "email", "password"] {
        assert!(empty.field_error(field).is_some(), "{field} has an error");
    }
    assert_eq!(app.count("agencies").await, 0);
    assert_eq!(app.count("users").await, 0);
    // The token still works after all those refusals.
    assert_eq!(
        client.submit(&page, "/setup", &setup_fields(&token, "ada@acme.test", PASSWORD)).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn unknown_form_fields_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let token = setup_token(&app).await;
    let client = app.client();
    let mut fields = setup_fields(&token, "ada@acme.test", PASSWORD);
    fields.push(("role", "admin"));
    let response = client.submit(&format!("/setup?token={token}"), "/setup", &fields).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert!(response.text.contains("unknown field"));
    assert_eq!(app.count("agencies").await, 0);
}
