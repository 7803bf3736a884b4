use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestClient, spawn_app};

const NEW_PASSWORD: &str = "copper-meadow-sailing-31";

#[tokio::test]
async fn changing_the_password_signs_out_every_other_session() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let phone = app.signed_in("ada@acme.test").await;
    let laptop = app.signed_in("ada@acme.test").await;
    assert!(laptop.get("/account").await.text.contains("also signed in on 1 other device"));

    let wrong = laptop
        .submit(
            "/account",
            "/account/password",
            &[("current_password", "nope-nope-nope"), ("new_password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.field_error("current_password").is_some());
    assert_eq!(phone.get("/").await.status, StatusCode::OK, "nothing changed yet");

    let done = laptop
        .submit("/account", "/account/password", &[("current_password", PASSWORD), ("new_password", NEW_PASSWORD)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(laptop.get("/account").await.status, StatusCode::OK, "this session stays");
    assert_eq!(phone.get("/").await.status, StatusCode::SEE_OTHER, "the other one ended");
    assert_eq!(app.client().sign_in("ada@acme.test", NEW_PASSWORD).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn signing_out_everywhere_else_keeps_this_session() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let phone = app.signed_in("ada@acme.test").await;
    let cookie = phone.session_cookie().unwrap();
    let laptop = app.signed_in("ada@acme.test").await;
    laptop.submit("/account", "/account/sessions/end-others", &[]).await;
    assert_eq!(TestClient::with_cookie(&app.address, &cookie).get("/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(laptop.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    let client = app.client();
    let live = client.get("/healthz").await;
    assert_eq!(live.status, StatusCode::OK);
    assert_eq!(live.text, "ok\n");
    let ready = client.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.text, "ready\n");
}

#[tokio::test]
async fn the_audit_log_records_sign_ins_invitations_and_disables() {
    let app = spawn_app().await;
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let rita = app.create_recruiter(agency, "Rita Recruiter", "rita@acme.test").await;
    app.client().sign_in("ada@acme.test", "a-wrong-password-here").await;
    let admin = app.signed_in("ada@acme.test").await;
    admin.submit("/admin/team", "/admin/invitations", &[("email", "sam@acme.test"), ("role", "recruiter")]).await;
    admin.submit("/admin/team", &format!("/admin/team/{rita}/disable"), &[]).await;
    let log = admin.get("/admin/audit").await;
    assert_eq!(log.status, StatusCode::OK);
    let actions = log.texts("td code");
    for action in ["login.failed", "login.succeeded", "invitation.sent", "user.disabled"] {
        assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
    }
    assert!(!log.text.contains(crate::helpers::PASSWORD), "no passwords in the log");
}

#[tokio::test]
async fn an_admin_cannot_disable_themselves() {
    let app = spawn_app().await;
    let (_, admin_id) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let admin = app.signed_in("ada@acme.test").await;
    admin.submit("/admin/team", &format!("/admin/team/{admin_id}/disable"), &[]).await;
    let team = admin.get("/admin/team").await;
    assert!(team.text.contains("You cannot disable your own account."));
    assert_eq!(admin.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_user_chooses_the_time_zone_their_times_are_shown_in() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    let refused = ada.submit("/account", "/account/time-zone", &[("time_zone", "Mars/Olympus_Mons")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("Choose a time zone from the list."));
    let saved = ada.submit("/account", "/account/time-zone", &[("time_zone", "Europe/Berlin")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = ada.get("/account").await;
    assert!(page.text.contains("Times are now shown in Europe/Berlin."));
    assert!(page.text.contains(r#"<option value="Europe/Berlin" selected>"#));
    let stored: String = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use nextgig::db::schema::users;
            users::table.filter(users::email.eq("ada@acme.test")).select(users::time_zone).first(conn).unwrap()
        })
        .await;
    assert_eq!(stored, "Europe/Berlin");
}
