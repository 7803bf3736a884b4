use chrono::TimeDelta;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestClient, advance, spawn_app};

#[tokio::test]
async fn an_anonymous_visitor_is_sent_to_sign_in_and_back() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let client = app.client();
    let page = client.get("/admin/team").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login?next=%2Fadmin%2Fteam");

    let login = client.get("/login?next=%2Fadmin%2Fteam").await;
    assert_eq!(login.input_value("next").as_deref(), Some("/admin/team"));
    let token = login.csrf_token();
    let done = client
        .post_raw(
            "/login",
            &[("email", "ada@acme.test"), ("password", PASSWORD), ("next", "/admin/team"), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), "/admin/team");
    let team = client.get("/admin/team").await;
    assert_eq!(team.status, StatusCode::OK);
    assert!(team.text.contains("ada@acme.test"));
}

#[tokio::test]
async fn sign_in_never_redirects_to_another_site() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let client = app.client();
    let token = client.get("/login").await.csrf_token();
    let done = client
        .post_raw(
            "/login",
            &[("email", "ada@acme.test"), ("password", PASSWORD), ("next", "//evil.example/x"), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(done.location(), "/");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let client = app.client();
    let wrong_password = client.sign_in("ada@acme.test", "not-the-password-at-all").await;
    let unknown_email = client.sign_in("nobody@acme.test", "not-the-password-at-all").await;
    assert_eq!(wrong_password.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong_password.status, unknown_email.status);
    assert_eq!(
        wrong_password.without_tokens().replace("ada@acme.test", "EMAIL"),
        unknown_email.without_tokens().replace("nobody@acme.test", "EMAIL"),
    );
    assert!(wrong_password.field_error("password").unwrap().contains("do not match an account"));
    // The email is kept, the password is not.
    assert_eq!(wrong_password.input_value("email").as_deref(), Some("ada@acme.test"));
    assert_eq!(app.count("login_attempts").await, 2);
}

#[tokio::test]
async fn the_eleventh_rapid_failure_is_throttled_even_with_the_right_password() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let client = app.client();
    for attempt in 1..=10 {
        let page = client.sign_in("ada@acme.test", "wrong-password-guess").await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {attempt}");
    }
    let throttled = client.sign_in("ada@acme.test", PASSWORD).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.field_error("password").unwrap().contains("Too many failed sign-ins"));
    assert!(client.session_cookie().is_some());
    assert_eq!(client.get("/").await.status, StatusCode::SEE_OTHER, "not signed in");

    // The throttle lifts by itself once the window has passed.
    advance(&app, TimeDelta::minutes(16));
    assert_eq!(client.sign_in("ada@acme.test", PASSWORD).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn failures_from_another_address_do_not_lock_out_the_real_user() {
    let app = crate::helpers::spawn_app_with(|config| config.trust_proxy_headers = true).await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    async fn attempt(client: &TestClient, ip: &str, password: &str) -> crate::helpers::Page {
        let token = client.get("/login").await.csrf_token();
        client
            .post_with_headers(
                "/login",
                &[("email", "ada@acme.test"), ("password", password), ("csrf_token", &token)],
                &[("x-forwarded-for", ip)],
            )
            .await
    }
    let attacker = app.client();
    for _ in 0..12 {
        attempt(&attacker, "203.0.113.9", "wrong-password-guess").await;
    }
    assert_eq!(attempt(&attacker, "203.0.113.9", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    let owner = app.client();
    assert_eq!(attempt(&owner, "198.51.100.7", PASSWORD).await.status, StatusCode::SEE_OTHER);
}

/// Signs in (or tries to) through the form as if from address `ip` (behind a trusted proxy).
async fn sign_in_from(client: &TestClient, ip: &str, password: &str) -> crate::helpers::Page {
    let token = client.get("/login").await.csrf_token();
    client
        .post_with_headers(
            "/login",
            &[("email", "ada@acme.test"), ("password", password), ("csrf_token", &token)],
            &[("x-forwarded-for", ip)],
        )
        .await
}

#[tokio::test]
async fn a_spread_out_attack_never_locks_the_owner_out_of_a_browser_they_signed_in_from() {
    let app = crate::helpers::spawn_app_with(|config| config.trust_proxy_headers = true).await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    // Ada signed in from her laptop before: it keeps a known-browser cookie.
    let laptop = app.client();
    let first = sign_in_from(&laptop, "198.51.100.7", PASSWORD).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let cookie = first
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("nextgig_browser="));
    let cookie = cookie.expect("a known-browser cookie after signing in").to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    assert!(cookie.contains(&format!("Max-Age={}", 180 * 24 * 3600)), "{cookie}");
    laptop.submit("/", "/logout", &[]).await;

    // Fifty wrong passwords from five addresses.
    let attacker = app.client();
    for n in 0..50 {
        let page = sign_in_from(&attacker, &format!("203.0.113.{}", n % 5), "wrong-password-guess").await;
        assert!(page.status.is_client_error(), "{}", page.status);
    }
    // Ada's laptop gets in, from her own address and even from one the attacker used.
    assert_eq!(sign_in_from(&laptop, "198.51.100.7", PASSWORD).await.status, StatusCode::SEE_OTHER);
    laptop.submit("/", "/logout", &[]).await;
    assert_eq!(sign_in_from(&laptop, "203.0.113.1", PASSWORD).await.status, StatusCode::SEE_OTHER);
    laptop.submit("/", "/logout", &[]).await;

    // A browser Ada never used waits a little after the attacker's last guess (it cannot tell her
    // from the attacker), and each further guess makes the next wait 10 seconds longer: the
    // attack slows down, and nobody is locked out for long.
    let retry_after = |page: &crate::helpers::Page| -> i64 {
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{}", page.text);
        page.headers.get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).expect("Retry-After")
    };
    let new_phone = app.client();
    assert_eq!(retry_after(&sign_in_from(&new_phone, "198.51.100.7", PASSWORD).await), 10);
    for (n, wait) in [10, 20, 30, 40].into_iter().enumerate() {
        let refused = sign_in_from(&attacker, &format!("192.0.2.{n}"), "wrong-password-guess").await;
        assert_eq!(retry_after(&refused), wait, "a guess before the wait is over is not even tried");
        advance(&app, TimeDelta::seconds(wait));
        let tried = sign_in_from(&attacker, &format!("192.0.2.{n}"), "wrong-password-guess").await;
        assert_eq!(tried.status, StatusCode::UNPROCESSABLE_ENTITY, "tried once the wait is over");
    }
    assert_eq!(retry_after(&sign_in_from(&new_phone, "198.51.100.7", PASSWORD).await), 50);
    advance(&app, TimeDelta::seconds(50));
    assert_eq!(sign_in_from(&new_phone, "198.51.100.7", PASSWORD).await.status, StatusCode::SEE_OTHER);
    // Meanwhile the laptop never waited.
    assert_eq!(sign_in_from(&laptop, "192.0.2.3", PASSWORD).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_known_browser_that_guesses_is_paused_on_its_own() {
    let app = crate::helpers::spawn_app_with(|config| config.trust_proxy_headers = true).await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let laptop = app.client();
    assert_eq!(sign_in_from(&laptop, "198.51.100.7", PASSWORD).await.status, StatusCode::SEE_OTHER);
    laptop.submit("/", "/logout", &[]).await;
    // Someone with the laptop's cookie guesses: after ten misses that browser pauses…
    for _ in 0..10 {
        assert_eq!(
            sign_in_from(&laptop, "203.0.113.9", "wrong-password-guess").await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    assert_eq!(sign_in_from(&laptop, "203.0.113.9", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    // …and nobody else does: those misses do not count against the account.
    let desk = app.client();
    assert_eq!(sign_in_from(&desk, "198.51.100.7", PASSWORD).await.status, StatusCode::SEE_OTHER);
    advance(&app, TimeDelta::minutes(16));
    assert_eq!(sign_in_from(&laptop, "203.0.113.9", PASSWORD).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn signing_in_rotates_the_session() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let client = app.client();
    let login = client.get("/login").await;
    let anonymous = client.session_cookie().expect("an anonymous session for the form's token");
    let token = login.csrf_token();
    client.post_raw("/login", &[("email", "ada@acme.test"), ("password", PASSWORD), ("csrf_token", &token)]).await;
    let signed_in = client.session_cookie().unwrap();
    assert_ne!(anonymous, signed_in);
    // The pre-login session is gone: its cookie is not accepted, and its token is refused.
    let fixated = TestClient::with_cookie(&app.address, &anonymous);
    assert_eq!(fixated.get("/").await.status, StatusCode::SEE_OTHER);
    assert_ne!(client.get("/").await.csrf_token(), token);
}

#[tokio::test]
async fn signing_out_ends_the_session_for_a_kept_cookie_too() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let client = app.signed_in("ada@acme.test").await;
    let cookie = client.session_cookie().unwrap();
    let out = client.submit("/", "/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/login?signed_out=1");
    assert!(client.get("/login?signed_out=1").await.text.contains("You have signed out."));
    let replay = TestClient::with_cookie(&app.address, &cookie);
    assert_eq!(replay.get("/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("sessions").await, 1, "only the signed-out visitor's anonymous session is left");
}

#[tokio::test]
async fn a_made_up_session_id_is_never_accepted() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    for fake in ["0000000000000000000000000000000000000000000000000000000000000000", "admin", "1", "' OR 1=1 --"] {
        let client = TestClient::with_cookie(&app.address, fake);
        let page = client.get("/").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{fake}");
        assert!(page.location().starts_with("/login"));
    }
}

#[tokio::test]
async fn a_session_ends_after_the_idle_time_and_after_the_absolute_time() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;

    let idle = app.signed_in("ada@acme.test").await;
    advance(&app, TimeDelta::minutes(119));
    assert_eq!(idle.get("/").await.status, StatusCode::OK, "still inside the idle window");
    advance(&app, TimeDelta::minutes(121));
    assert_eq!(idle.get("/").await.status, StatusCode::SEE_OTHER, "idle for over two hours");

    let busy = app.signed_in("ada@acme.test").await;
    for _ in 0..12 {
        advance(&app, TimeDelta::minutes(59));
        assert_eq!(busy.get("/").await.status, StatusCode::OK);
    }
    advance(&app, TimeDelta::minutes(13));
    assert_eq!(busy.get("/").await.status, StatusCode::SEE_OTHER, "twelve hours after sign-in");
}

#[tokio::test]
async fn the_cookie_is_http_only_same_site_and_scoped_to_the_site() {
    let app = spawn_app().await;
    let page = app.client().get("/login").await;
    let cookie = page.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.starts_with("nextgig_session="));
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
}

#[tokio::test]
async fn over_https_the_cookie_is_secure_with_the_host_prefix() {
    let app = crate::helpers::spawn_app_with(|config| config.base_url = Some("https://nextgig.example".into())).await;
    let page = app.client().get("/login").await;
    let cookie = page.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.starts_with("__Host-nextgig_session="), "{cookie}");
    assert!(cookie.contains("Secure"));
    assert!(page.headers.get("strict-transport-security").is_some());
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in_and_is_told_why() {
    let app = spawn_app().await;
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let recruiter = app.create_recruiter(agency, "Rita Recruiter", "rita@acme.test").await;
    let admin = app.signed_in("ada@acme.test").await;
    let rita = app.signed_in("rita@acme.test").await;
    let cookie = rita.session_cookie().unwrap();

    let done = admin.submit("/admin/team", &format!("/admin/team/{recruiter}/disable"), &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    // Her session ended at once, on every device.
    assert_eq!(rita.get("/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(TestClient::with_cookie(&app.address, &cookie).get("/").await.status, StatusCode::SEE_OTHER);
    let refused = app.client().sign_in("rita@acme.test", PASSWORD).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.field_error("email").unwrap().contains("disabled"));

    admin.submit("/admin/team", &format!("/admin/team/{recruiter}/enable"), &[]).await;
    assert_eq!(app.client().sign_in("rita@acme.test", PASSWORD).await.status, StatusCode::SEE_OTHER);
}
