//! Tenancy: an agency never reaches another agency's rows, and a foreign id answers exactly like a
//! missing one.

use diesel::prelude::*;
use nextgig::db::schema::invitations;
use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn an_admin_gets_404_for_another_agencys_team_members_and_invitations() {
    let app = spawn_app().await;
    let (acme, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let (beta, _) = app.create_agency("Beta Talent CANARY", "bob@beta.test").await;
    let acme_recruiter = app.create_recruiter(acme, "Rita Recruiter", "rita@acme.test").await;
    let beta_recruiter = app.create_recruiter(beta, "Betty CANARY", "betty@beta.test").await;
    let bob = app.signed_in("bob@beta.test").await;
    bob.submit("/admin/team", "/admin/invitations", &[("email", "canary-invite@beta.test"), ("role", "recruiter")])
        .await;
    let beta_invitation: i64 =
        app.with_db(|conn| invitations::table.select(invitations::id).first(conn).unwrap()).await;

    let ada = app.signed_in("ada@acme.test").await;
    for (what, template, foreign_id) in [
        ("disable", "/admin/team/ID/disable", beta_recruiter),
        ("enable", "/admin/team/ID/enable", beta_recruiter),
        ("resend", "/admin/invitations/ID/resend", beta_invitation),
        ("revoke", "/admin/invitations/ID/revoke", beta_invitation),
    ] {
        let path = |id: &str| template.replace("ID", id);
        let foreign_page = ada.submit("/admin/team", &path(&foreign_id.to_string()), &[]).await;
        let missing_page = ada.submit("/admin/team", &path("999999"), &[]).await;
        let malformed_page = ada.submit("/admin/team", &path("abc"), &[]).await;
        assert_eq!(foreign_page.status, StatusCode::NOT_FOUND, "{what}");
        assert_eq!(
            foreign_page.without_tokens(),
            missing_page.without_tokens(),
            "{what}: foreign answers like missing"
        );
        assert_eq!(malformed_page.status, StatusCode::NOT_FOUND, "{what}: malformed id");
    }
    // Nothing of Beta changed, and nothing of Beta shows on Acme's pages.
    assert_eq!(bob.get("/").await.status, StatusCode::OK);
    assert_eq!(app.client().sign_in("betty@beta.test", crate::helpers::PASSWORD).await.status, StatusCode::SEE_OTHER);
    let team = ada.get("/admin/team").await;
    assert!(team.text.contains("rita@acme.test"));
    assert!(!team.text.contains("CANARY") && !team.text.contains("beta.test"));
    let audit = ada.get("/admin/audit").await;
    assert!(!audit.text.contains("CANARY") && !audit.text.contains("beta.test"));
    let _ = acme_recruiter;
}

#[tokio::test]
async fn a_recruiter_cannot_open_admin_pages() {
    let app = spawn_app().await;
    let (acme, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let other = app.create_recruiter(acme, "Sam", "sam@acme.test").await;
    app.create_recruiter(acme, "Rita Recruiter", "rita@acme.test").await;
    let rita = app.signed_in("rita@acme.test").await;
    assert_eq!(rita.get("/admin/team").await.status, StatusCode::FORBIDDEN);
    assert_eq!(rita.get("/admin/audit").await.status, StatusCode::FORBIDDEN);
    let attempt = rita.submit("/", &format!("/admin/team/{other}/disable"), &[]).await;
    assert_eq!(attempt.status, StatusCode::FORBIDDEN);
    let invite = rita.submit("/", "/admin/invitations", &[("email", "x@acme.test"), ("role", "admin")]).await;
    assert_eq!(invite.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("invitations").await, 0);
    assert_eq!(app.client().sign_in("sam@acme.test", crate::helpers::PASSWORD).await.status, StatusCode::SEE_OTHER);
}
