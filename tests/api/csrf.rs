use reqwest::StatusCode;

use crate::helpers::spawn_app;

const INVITE: &[(&str, &str)] = &[("email", "new@acme.test"), ("role", "recruiter")];

#[tokio::test]
async fn a_post_without_a_valid_token_or_from_another_site_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let admin = app.signed_in("ada@acme.test").await;
    let other = app.signed_in("ada@acme.test").await;
    let own_token = admin.get("/admin/team").await.csrf_token();
    let foreign_token = other.get("/admin/team").await.csrf_token();
    assert_ne!(own_token, foreign_token);

    let without = admin.post_raw("/admin/invitations", INVITE).await;
    let mut with_foreign: Vec<(&str, &str)> = INVITE.to_vec();
    with_foreign.push(("csrf_token", &foreign_token));
    let foreign = admin.post_raw("/admin/invitations", &with_foreign).await;
    let mut twice: Vec<(&str, &str)> = INVITE.to_vec();
    twice.push(("csrf_token", &foreign_token));
    twice.push(("csrf_token", &own_token));
    let duplicated = admin.post_raw("/admin/invitations", &twice).await;

    let mut valid: Vec<(&str, &str)> = INVITE.to_vec();
    valid.push(("csrf_token", &own_token));
    let cross_origin =
        admin.post_with_headers("/admin/invitations", &valid, &[("origin", "https://evil.example")]).await;
    let cross_site = admin.post_with_headers("/admin/invitations", &valid, &[("sec-fetch-site", "cross-site")]).await;
    let null_origin = admin.post_with_headers("/admin/invitations", &valid, &[("origin", "null")]).await;

    for (name, page) in [
        ("no token", &without),
        ("another session's token", &foreign),
        ("two tokens", &duplicated),
        ("foreign Origin", &cross_origin),
        ("cross-site fetch", &cross_site),
        ("null Origin", &null_origin),
    ] {
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{name}");
        assert!(page.text.contains("sent from another site"), "{name}: a clear page");
    }
    assert_eq!(app.count("invitations").await, 0);
    assert_eq!(app.count("outbox").await, 0);

    // The same form from our own origin goes through.
    let origin = app.address.clone();
    let ok = admin
        .post_with_headers("/admin/invitations", &valid, &[("origin", &origin), ("sec-fetch-site", "same-origin")])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("invitations").await, 1);
}

#[tokio::test]
async fn a_forged_sign_out_does_not_sign_anyone_out() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let admin = app.signed_in("ada@acme.test").await;
    assert_eq!(admin.post_raw("/logout", &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(admin.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn refused_forms_are_recorded_in_the_audit_log() {
    let app = spawn_app().await;
    let (_, admin_id) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let admin = app.signed_in("ada@acme.test").await;
    admin.post_raw("/admin/invitations", INVITE).await;
    let actions = app.with_db(move |conn| nextgig::models::audit::actions_for_user(conn, admin_id).unwrap()).await;
    assert!(actions.contains(&"csrf.failed".to_string()), "{actions:?}");
}
