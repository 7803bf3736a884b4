//! SECURITY.md, promise 9: the token in a link's path (a password reset, an invitation,
//! a consent, a shortlist, a still-available or unsubscribe link, a calendar feed) never reaches
//! the audit log, the server's log or an error page, whatever is sent to its route.

use diesel::prelude::*;
use nextgig::db::schema::{audit_log, users};
use reqwest::StatusCode;

use crate::helpers::{Page, TestApp, TestClient, captured_log, spawn_app};
use crate::pipeline::contractor_joins;

/// Every real link of the desk: `(route pattern, path, token)`.
async fn real_links(app: &TestApp) -> Vec<(&'static str, String, String)> {
    let (desk, submission, contact) = crate::shortlists::ready(app).await;
    let sent = crate::shortlists::send(&desk, submission, contact, &[]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
    let jane = contractor_joins(app, &desk).await;
    drop(jane);
    let admin = app.signed_in("admin@acme.test").await;
    let invited =
        admin.submit("/admin/team", "/admin/invitations", &[("email", "rob@acme.test"), ("role", "recruiter")]);
    assert_eq!(invited.await.status, StatusCode::SEE_OTHER);
    let reset = app.client().submit("/password-reset", "/password-reset", &[("email", "admin@acme.test")]).await;
    assert!(reset.status.is_redirection() || reset.status.is_success(), "{}", reset.status);
    let calendar = desk.recruiter.submit("/account/calendar", "/account/calendar", &[]).await;
    assert_eq!(calendar.status, StatusCode::OK, "{}", calendar.text);
    let jane_id: i64 = app
        .with_db(|conn| users::table.filter(users::email.eq("jane@example.com")).select(users::id).first(conn).unwrap())
        .await;
    let now = app.clock.now();
    let still = app
        .with_db(move |conn| {
            nextgig::models::one_click::issue(
                conn,
                jane_id,
                nextgig::models::one_click::STILL_AVAILABLE,
                chrono::TimeDelta::days(14),
                now,
            )
            .unwrap()
        })
        .await;
    app.deliver_mail().await;

    let mut links = vec![("/still-available/{token}", format!("/still-available/{still}"), still)];
    let mut texts: Vec<String> = app.emails().into_iter().map(|e| e.text).collect();
    texts.push(calendar.text.clone());
    let shortlist = app.emails().into_iter().rev().find_map(|e| {
        e.text.split_whitespace().find(|w| w.contains("/s/")).map(|w| w.trim_start_matches(&app.address).to_string())
    });
    let shortlist = shortlist.expect("a shortlist link was emailed");
    texts.push(app.client().get(&shortlist).await.text);
    for text in &texts {
        for word in text.split(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>') {
            let path = word.trim_start_matches(&app.address);
            for (pattern, prefix) in [
                ("/password-reset/{token}", "/password-reset/"),
                ("/invitations/{token}", "/invitations/"),
                ("/consents/{token}", "/consents/"),
                ("/unsubscribe/{token}", "/unsubscribe/"),
                ("/calendar/{token}.ics", "/calendar/"),
                ("/s/{token}", "/s/"),
            ] {
                let Some(rest) = path.strip_prefix(prefix) else { continue };
                let token: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
                if token.len() != 64 || links.iter().any(|(_, _, t)| *t == token) {
                    continue;
                }
                let path = match pattern {
                    "/calendar/{token}.ics" => format!("/calendar/{token}.ics"),
                    _ => format!("{prefix}{token}"),
                };
                links.push((pattern, path, token));
            }
        }
    }
    let page = texts.last().expect("the shortlist page");
    let cv = links.iter().find(|(p, _, _)| *p == "/s/{token}").and_then(|(_, _, token)| {
        let cv = path_with(page, &format!("/s/{token}/cv/"))?;
        Some(("/s/{token}/cv/{entry}", cv, token.clone()))
    });
    links.extend(cv);
    links
}

/// The first link in `text` that starts with `prefix`.
fn path_with(text: &str, prefix: &str) -> Option<String> {
    let at = text.find(prefix)?;
    let rest = &text[at..];
    Some(rest.chars().take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<').collect())
}

/// The requests that end in a refusal or an error on `path`: (what, the answer).
async fn hostile_requests(app: &TestApp, path: &str) -> Vec<(String, Page)> {
    let visitor = TestClient::new(&app.address);
    let token = visitor.get("/login").await.csrf_token();
    let mut answers = Vec::new();
    let nul = [("csrf_token", token.as_str()), ("name", "a\u{0}b")];
    let unknown = [("csrf_token", token.as_str()), ("agency_id", "1")];
    for (what, fields) in
        [("no CSRF token", &[][..]), ("a wrong CSRF token", &[("csrf_token", "forged")][..]), ("NUL", &nul[..])]
    {
        answers.push((format!("POST {what}"), visitor.post_raw(path, fields).await));
    }
    answers.push(("POST an unknown field".into(), visitor.post_raw(path, &unknown).await));
    let cross_site = [("csrf_token", token.as_str())];
    let cross_site = visitor.post_with_headers(path, &cross_site, &[("sec-fetch-site", "cross-site")]).await;
    answers.push(("POST from another site".into(), cross_site));
    answers.push(("GET with a control character".into(), visitor.get(&format!("{path}?x=%00")).await));
    answers.push(("GET too long".into(), visitor.get(&format!("{path}?x={}", "a".repeat(9_000))).await));
    let put = visitor.http.put(format!("{}{path}", app.address)).send().await.unwrap();
    answers.push((
        "PUT".into(),
        Page { status: put.status(), headers: put.headers().clone(), text: put.text().await.unwrap() },
    ));
    // A signed-in member's refusals are recorded with who they are.
    let rita = app.signed_in("rita@acme.test").await;
    answers.push(("POST signed in, no token".into(), rita.post_raw(path, &[]).await));
    answers
}

#[tokio::test]
async fn no_link_token_reaches_the_audit_log_the_server_log_or_an_error_page() {
    let app = spawn_app().await;
    let links = real_links(&app).await;
    let patterns: std::collections::BTreeSet<&str> = links.iter().map(|(p, _, _)| *p).collect();
    let token_routes: std::collections::BTreeSet<&str> =
        nextgig::routes::all().into_iter().filter(|(_, p)| p.contains("{token}")).map(|(_, p)| p).collect();
    assert_eq!(patterns, token_routes, "a real link for every token route");

    let mut refusals = 0;
    for (pattern, path, token) in &links {
        // A made-up token too: it must not be recorded either.
        let made_up = format!("{}{}", &token[..32], "0".repeat(32));
        for (path, token) in [(path.clone(), token.clone()), (path.replace(token.as_str(), &made_up), made_up.clone())]
        {
            for (what, page) in hostile_requests(&app, &path).await {
                assert!(!page.status.is_server_error(), "{what} on {pattern}: {}", page.status);
                if page.status.is_client_error() {
                    refusals += 1;
                    let is_form_again = page.status == StatusCode::UNPROCESSABLE_ENTITY && page.text.contains("<form");
                    // A form shown again on a valid link posts back to it; any other answer,
                    // error pages above all, holds no token.
                    let text =
                        if is_form_again { page.text.replace(&format!("action=\"{path}\""), "") } else { page.text };
                    assert!(!text.contains(&token), "{what} on {pattern} showed the token:\n{text}");
                    assert!(!page.headers.iter().any(|(_, v)| v.to_str().unwrap_or("").contains(&token)));
                }
            }
        }
    }
    assert!(refusals >= links.len() * 10, "only {refusals} refusals");
    let audit: Vec<(String, String)> =
        app.with_db(|conn| audit_log::table.select((audit_log::action, audit_log::detail)).load(conn).unwrap()).await;
    let refused = audit.iter().filter(|(action, _)| action == "csrf.failed").count();
    assert!(refused >= links.len() * 2, "the CSRF failures are in the audit log ({refused})");
    assert!(
        audit.iter().any(|(action, detail)| action == "csrf.failed" && detail == "POST /password-reset/{token}"),
        "a refusal records its route: {audit:?}"
    );
    let log = captured_log();
    assert!(log.contains("/password-reset/{token}"), "the server log names the route");
    for (pattern, _, token) in &links {
        let made_up = format!("{}{}", &token[..32], "0".repeat(32));
        for (action, detail) in &audit {
            assert!(!detail.contains(token.as_str()), "{pattern}: the audit log holds its token ({action}: {detail})");
            assert!(!detail.contains(made_up.as_str()), "{pattern}: the audit log holds a made-up token");
        }
        assert!(!log.contains(token.as_str()), "{pattern}: the server log holds its token");
        assert!(!log.contains(made_up.as_str()), "{pattern}: the server log holds a made-up token");
    }
}
