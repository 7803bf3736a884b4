//! Two-step sign-in: turning it on and off, the code after the password, recovery codes, the
//! throttle, and the agency's requirement. Codes are computed from the key the setup page shows,
//! at the app's (manual) clock, as an authenticator app would.

use chrono::TimeDelta;
use diesel::prelude::*;
use nextgig::db::schema::{agencies, audit_log, login_attempts, user_two_factor, users};
use nextgig::models::two_factor::code_at;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, Page, TestApp, TestClient, advance, spawn_app};

/// The key as the setup page shows it, without the spaces.
fn key_on(page: &Page) -> String {
    let key = page.texts("#two-step-key").into_iter().next().unwrap_or_else(|| panic!("no key on:\n{}", page.text));
    key.replace(' ', "")
}

/// The code an authenticator app with `secret` shows now.
fn code_now(app: &TestApp, secret: &str) -> String {
    code_at(secret, app.clock.now()).unwrap()
}

/// A 6-digit code that is not the right one (nor one step either side of it), `n` apart.
fn wrong_code(app: &TestApp, secret: &str, n: u32) -> String {
    let now = app.clock.now();
    let near: Vec<String> =
        [-30, 0, 30].iter().map(|s| code_at(secret, now + TimeDelta::seconds(*s)).unwrap()).collect();
    (n..).map(|i| format!("{:06}", (100_003 + i * 7_919) % 1_000_000)).find(|c| !near.contains(c)).unwrap()
}

/// Opens the setup page from the account page; returns the page.
async fn start_setup(client: &TestClient) -> Page {
    let started = client.submit("/account", "/account/two-step/start", &[]).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.text);
    assert_eq!(started.location(), "/account/two-step/setup");
    let page = client.get("/account/two-step/setup").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    page
}

/// Turns two-step sign-in on for a signed-in client; returns the secret and the recovery codes,
/// and moves the clock past the step whose code confirmed it.
async fn turn_on(app: &TestApp, client: &TestClient) -> (String, Vec<String>) {
    let page = start_setup(client).await;
    let secret = key_on(&page);
    let done =
        client.submit("/account/two-step/setup", "/account/two-step/setup", &[("code", &code_now(app, &secret))]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let codes = done.texts(".recovery-codes code");
    advance(app, TimeDelta::seconds(30));
    (secret, codes)
}

/// Email and password through the form; the answer (a redirect to the code step when it is on).
async fn password_step(client: &TestClient, email: &str) -> Page {
    client.sign_in(email, PASSWORD).await
}

/// Sends a code on the code page.
async fn send_code(client: &TestClient, code: &str) -> Page {
    client.submit("/login/two-step", "/login/two-step", &[("code", code)]).await
}

async fn two_step_rows(app: &TestApp, email: &'static str) -> i64 {
    app.with_db(move |conn| {
        user_two_factor::table.inner_join(users::table).filter(users::email.eq(email)).count().get_result(conn).unwrap()
    })
    .await
}

async fn actions_of(app: &TestApp, user_id: i64) -> Vec<String> {
    app.with_db(move |conn| nextgig::models::audit::actions_for_user(conn, user_id).unwrap()).await
}

#[tokio::test]
async fn turning_on_two_step_sign_in_needs_a_valid_code_and_shows_ten_recovery_codes_once() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    let account = ada.get("/account").await;
    assert!(account.text.contains("Turn on two-step sign-in"));

    let page = start_setup(&ada).await;
    let secret = key_on(&page);
    assert_eq!(secret.len(), 32, "a 160-bit key in base32");
    assert!(page.text.contains("<svg"), "a QR code to scan");
    assert!(page.text.contains(&format!("otpauth://totp/NextGig:ada@acme.test?secret={secret}")));
    assert_eq!(two_step_rows(&app, "ada@acme.test").await, 0, "nothing is on before the code");

    let wrong = ada
        .submit("/account/two-step/setup", "/account/two-step/setup", &[("code", &wrong_code(&app, &secret, 0))])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.field_error("code").unwrap().contains("does not match"));
    assert_eq!(key_on(&wrong), secret, "the same key is shown again");
    assert_eq!(two_step_rows(&app, "ada@acme.test").await, 0);

    let done =
        ada.submit("/account/two-step/setup", "/account/two-step/setup", &[("code", &code_now(&app, &secret))]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let codes = done.texts(".recovery-codes code");
    assert_eq!(codes.len(), 10);
    assert!(codes.iter().all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'), "{codes:?}");
    assert_eq!(two_step_rows(&app, "ada@acme.test").await, 1);
    let account = ada.get("/account").await;
    assert!(account.text.contains("10 unused recovery codes left"), "{}", account.text);
    assert!(!account.text.contains(&codes[0]), "recovery codes are shown once");
    assert!(!account.text.contains(&secret), "the key is shown only while setting up");
    // The setup is finished: its page no longer shows the key.
    assert_eq!(ada.get("/account/two-step/setup").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn with_two_step_on_the_password_alone_reaches_no_signed_in_page_and_a_wrong_code_is_refused() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let (secret, _) = turn_on(&app, &app.signed_in("ada@acme.test").await).await;

    let client = app.client();
    client.get("/login").await;
    let anonymous = client.session_cookie().unwrap();
    let step = password_step(&client, "ada@acme.test").await;
    assert_eq!(step.status, StatusCode::SEE_OTHER);
    assert_eq!(step.location(), "/login/two-step");
    let waiting = client.session_cookie().unwrap();
    assert_ne!(waiting, anonymous, "the session is rotated at the password");

    // The waiting session is not signed in: every page sends it to sign in, which sends it on to
    // the code.
    for path in ["/", "/account", "/contractors", "/admin/team", "/admin/audit"] {
        let page = client.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert!(page.location().starts_with("/login"), "{path} -> {}", page.location());
    }
    let login = client.get("/login?next=%2Fcontractors").await;
    assert_eq!(login.location(), "/login/two-step?next=%2Fcontractors");
    let code_page = client.get("/login/two-step").await;
    assert_eq!(code_page.status, StatusCode::OK);
    assert!(code_page.text.contains("Enter the 6-digit code"));
    let token = code_page.csrf_token();
    let post = client.post_raw("/account/two-step/start", &[("csrf_token", &token)]).await;
    assert_eq!(post.status, StatusCode::SEE_OTHER);
    assert!(post.location().starts_with("/login"), "a signed-in form is refused: {}", post.location());

    let wrong = send_code(&client, &wrong_code(&app, &secret, 0)).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.field_error("code").unwrap().contains("not right"));
    assert_eq!(client.get("/").await.status, StatusCode::SEE_OTHER, "still not signed in");

    let done = send_code(&client, &code_now(&app, &secret)).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert_eq!(done.location(), "/");
    assert_ne!(client.session_cookie().unwrap(), waiting, "rotated again once signed in");
    assert_eq!(client.get("/").await.status, StatusCode::OK);
    let stale = TestClient::with_cookie(&app.address, &waiting);
    assert_eq!(stale.get("/").await.status, StatusCode::SEE_OTHER, "the waiting session is gone");
}

#[tokio::test]
async fn a_code_step_that_waits_too_long_must_start_again_with_the_password() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let (secret, _) = turn_on(&app, &app.signed_in("ada@acme.test").await).await;
    let client = app.client();
    password_step(&client, "ada@acme.test").await;
    let token = client.get("/login/two-step").await.csrf_token();
    advance(&app, TimeDelta::minutes(6));
    let late = client.post_raw("/login/two-step", &[("code", &code_now(&app, &secret)), ("csrf_token", &token)]).await;
    assert_eq!(late.status, StatusCode::SEE_OTHER);
    assert_eq!(late.location(), "/login");
    assert_eq!(client.get("/").await.status, StatusCode::SEE_OTHER, "not signed in");
}

#[tokio::test]
async fn a_code_that_was_already_used_is_refused() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let (secret, _) = turn_on(&app, &app.signed_in("ada@acme.test").await).await;
    let code = code_now(&app, &secret);

    let first = app.client();
    password_step(&first, "ada@acme.test").await;
    assert_eq!(send_code(&first, &code).await.status, StatusCode::SEE_OTHER);

    // Someone who saw the code (over a shoulder, by phishing) within the same 30 seconds.
    let second = app.client();
    password_step(&second, "ada@acme.test").await;
    let reused = send_code(&second, &code).await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reused.field_error("code").unwrap().contains("already used"));
    // The code before it is refused too; the next one works.
    let before = code_at(&secret, app.clock.now() - TimeDelta::seconds(30)).unwrap();
    assert_eq!(send_code(&second, &before).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    advance(&app, TimeDelta::seconds(30));
    assert_eq!(send_code(&second, &code_now(&app, &secret)).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_code_from_one_step_before_or_after_is_accepted_but_not_from_two() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let (secret, _) = turn_on(&app, &app.signed_in("ada@acme.test").await).await;
    advance(&app, TimeDelta::minutes(2));
    let client = app.client();
    password_step(&client, "ada@acme.test").await;
    let two_steps_ahead = code_at(&secret, app.clock.now() + TimeDelta::seconds(60)).unwrap();
    assert_eq!(send_code(&client, &two_steps_ahead).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let one_step_behind = code_at(&secret, app.clock.now() - TimeDelta::seconds(30)).unwrap();
    assert_eq!(send_code(&client, &one_step_behind).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let app = spawn_app().await;
    let (_, ada_id) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let (_, codes) = turn_on(&app, &app.signed_in("ada@acme.test").await).await;

    let client = app.client();
    password_step(&client, "ada@acme.test").await;
    // Typed in capitals and without the dash, as people do.
    let typed = codes[3].to_uppercase().replace('-', "");
    let done = send_code(&client, &typed).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    let home = client.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text.contains("9 unused codes left"), "{}", home.text);

    let again = app.client();
    password_step(&again, "ada@acme.test").await;
    let refused = send_code(&again, &codes[3]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.get("/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(send_code(&again, &codes[4]).await.status, StatusCode::SEE_OTHER, "another code works");
    assert_eq!(actions_of(&app, ada_id).await.iter().filter(|a| *a == "two_step.recovery_code_used").count(), 2);
}

#[tokio::test]
async fn wrong_codes_are_throttled_like_wrong_passwords() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let (secret, _) = turn_on(&app, &app.signed_in("ada@acme.test").await).await;
    let failures = || async {
        app.with_db(|conn| {
            login_attempts::table
                .filter(login_attempts::email.eq("ada@acme.test"))
                .filter(login_attempts::succeeded.eq(false))
                .count()
                .get_result::<i64>(conn)
                .unwrap()
        })
        .await
    };

    let attacker = app.client();
    assert_eq!(password_step(&attacker, "ada@acme.test").await.location(), "/login/two-step");
    for attempt in 1..=10 {
        let page = send_code(&attacker, &wrong_code(&app, &secret, attempt)).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {attempt}");
    }
    assert_eq!(failures().await, 10, "each wrong code is a failed sign-in for the account and address");
    let throttled = send_code(&attacker, &code_now(&app, &secret)).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.field_error("code").unwrap().contains("Too many failed sign-ins"));
    assert_eq!(attacker.get("/").await.status, StatusCode::SEE_OTHER, "not signed in");
    // The same count closes the password step from this address too.
    let password = app.client().sign_in("ada@acme.test", PASSWORD).await;
    assert_eq!(password.status, StatusCode::TOO_MANY_REQUESTS);

    // The throttle lifts by itself; the waiting step has expired meanwhile, so it starts again.
    advance(&app, TimeDelta::minutes(16));
    let owner = app.client();
    assert_eq!(password_step(&owner, "ada@acme.test").await.location(), "/login/two-step");
    assert_eq!(send_code(&owner, &code_now(&app, &secret)).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn turning_two_step_sign_in_off_needs_the_password_and_a_code() {
    let app = spawn_app().await;
    let (_, ada_id) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    let (secret, _) = turn_on(&app, &ada).await;

    let ada = &ada;
    let fields = |password: &'static str, code: String| async move {
        let token = ada.get("/account").await.csrf_token();
        ada.post_raw(
            "/account/two-step/disable",
            &[("disable_password", password), ("disable_code", &code), ("csrf_token", &token)],
        )
        .await
    };
    let wrong_password = fields("not-my-password-at-all", code_now(&app, &secret)).await;
    assert_eq!(wrong_password.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong_password.field_error("disable_password").is_some());
    let refused = fields(PASSWORD, wrong_code(&app, &secret, 0)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.field_error("disable_code").is_some());
    assert_eq!(two_step_rows(&app, "ada@acme.test").await, 1, "still on");

    let off = fields(PASSWORD, code_now(&app, &secret)).await;
    assert_eq!(off.status, StatusCode::SEE_OTHER, "{}", off.text);
    assert_eq!(two_step_rows(&app, "ada@acme.test").await, 0);
    assert!(ada.get("/account").await.text.contains("Turn on two-step sign-in"));
    assert_eq!(app.client().sign_in("ada@acme.test", PASSWORD).await.location(), "/", "the password alone again");
    assert!(actions_of(&app, ada_id).await.contains(&"two_step.disabled".to_string()));
}

#[tokio::test]
async fn new_recovery_codes_need_the_password_and_the_old_ones_stop_working() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    let (_, old) = turn_on(&app, &ada).await;

    let refused = ada
        .submit("/account", "/account/two-step/recovery-codes", &[("codes_password", "not-my-password-at-all")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.field_error("codes_password").is_some());
    let page = ada.submit("/account", "/account/two-step/recovery-codes", &[("codes_password", PASSWORD)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let new = page.texts(".recovery-codes code");
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|c| !old.contains(c)));

    let client = app.client();
    password_step(&client, "ada@acme.test").await;
    assert_eq!(send_code(&client, &old[0]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(send_code(&client, &new[0]).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_agency_that_requires_two_step_sign_in_sends_staff_without_it_to_set_it_up_first() {
    let app = spawn_app().await;
    let (agency_id, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let rita_id = app.create_recruiter(agency_id, "Rita Recruiter", "rita@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    let rita = app.signed_in("rita@acme.test").await;
    let require = || ada.submit("/admin/team", "/admin/two-step", &[("required", "yes")]);

    // The admin must use it first.
    let refused = require().await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert!(ada.get("/admin/team").await.text.contains("Turn on two-step sign-in for your own account first"));
    let required = || async {
        app.with_db(move |conn| {
            agencies::table.find(agency_id).select(agencies::two_factor_required).first::<bool>(conn).unwrap()
        })
        .await
    };
    assert!(!required().await);

    turn_on(&app, &ada).await;
    assert_eq!(require().await.status, StatusCode::SEE_OTHER);
    assert!(required().await);
    let team = ada.get("/admin/team").await;
    assert!(team.text.contains("Stop requiring two-step sign-in"));
    assert_eq!(ada.get("/").await.status, StatusCode::OK, "the admin, who has it, stays signed in");
    assert_eq!(rita.get("/").await.status, StatusCode::SEE_OTHER, "members without it are signed out");

    // Rita's next sign-in: the password, then setup before any page.
    let rita = app.client();
    let step = rita.sign_in("rita@acme.test", PASSWORD).await;
    assert_eq!(step.location(), "/login/two-step/setup");
    for path in ["/", "/contractors", "/account"] {
        assert!(rita.get(path).await.location().starts_with("/login"), "{path}");
    }
    assert_eq!(rita.get("/login").await.location(), "/login/two-step");
    assert_eq!(rita.get("/login/two-step").await.location(), "/login/two-step/setup");
    let setup = rita.get("/login/two-step/setup").await;
    assert!(setup.text.contains("Your agency requires two-step sign-in"));
    let secret = key_on(&setup);
    let wrong =
        rita.submit("/login/two-step/setup", "/login/two-step/setup", &[("code", &wrong_code(&app, &secret, 0))]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(key_on(&wrong), secret);
    assert_eq!(rita.get("/").await.status, StatusCode::SEE_OTHER);
    let done =
        rita.submit("/login/two-step/setup", "/login/two-step/setup", &[("code", &code_now(&app, &secret))]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(done.texts(".recovery-codes code").len(), 10);
    assert_eq!(rita.get("/").await.status, StatusCode::OK, "signed in once it is set up");
    assert_eq!(two_step_rows(&app, "rita@acme.test").await, 1);
    // While it is required, it cannot be turned off.
    let account = rita.get("/account").await;
    assert!(account.text.contains("Your agency requires two-step sign-in, so it stays on"));
    advance(&app, TimeDelta::seconds(30));
    let token = account.csrf_token();
    let off = rita
        .post_raw(
            "/account/two-step/disable",
            &[("disable_password", PASSWORD), ("disable_code", &code_now(&app, &secret)), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(off.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(two_step_rows(&app, "rita@acme.test").await, 1);
    let actions = actions_of(&app, rita_id).await;
    assert!(actions.contains(&"two_step.enabled".to_string()), "{actions:?}");
}

#[tokio::test]
async fn a_member_who_must_set_up_two_step_sign_in_can_sign_out_instead() {
    let app = spawn_app().await;
    let (agency_id, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    app.create_recruiter(agency_id, "Rita Recruiter", "rita@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    turn_on(&app, &ada).await;
    ada.submit("/admin/team", "/admin/two-step", &[("required", "yes")]).await;

    let rita = app.client();
    rita.sign_in("rita@acme.test", PASSWORD).await;
    let setup = rita.get("/login/two-step/setup").await;
    let secret = key_on(&setup);
    let out = rita.post_raw("/logout", &[("csrf_token", &setup.csrf_token())]).await;
    assert_eq!(out.location(), "/login?signed_out=1");
    let token = rita.get("/login").await.csrf_token();
    let late =
        rita.post_raw("/login/two-step/setup", &[("code", &code_now(&app, &secret)), ("csrf_token", &token)]).await;
    assert_eq!(late.status, StatusCode::SEE_OTHER);
    assert!(late.location().starts_with("/login"));
    assert_eq!(two_step_rows(&app, "rita@acme.test").await, 0, "nothing was turned on");
    assert_eq!(rita.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn contractors_are_not_affected_by_their_agencys_requirement() {
    let app = spawn_app().await;
    let desk =
        crate::pipeline::desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let jane = crate::pipeline::contractor_joins(&app, &desk).await;
    let admin = app.signed_in("admin@acme.test").await;
    turn_on(&app, &admin).await;
    let required = admin.submit("/admin/team", "/admin/two-step", &[("required", "yes")]).await;
    assert_eq!(required.status, StatusCode::SEE_OTHER);
    assert!(admin.get("/admin/team").await.text.contains("Stop requiring"));

    assert_eq!(jane.get("/me").await.status, StatusCode::OK, "the contractor's session goes on");
    let again = app.client();
    let signed_in = again.sign_in("jane@example.com", PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert!(!signed_in.location().starts_with("/login"), "{}", signed_in.location());
    assert_eq!(again.get("/me").await.status, StatusCode::OK);
    // The recruiter, who is staff, is asked to set it up.
    let rita = app.client();
    assert_eq!(rita.sign_in("rita@acme.test", PASSWORD).await.location(), "/login/two-step/setup");
}

#[tokio::test]
async fn a_password_reset_does_not_skip_the_code() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let (secret, _) = turn_on(&app, &app.signed_in("ada@acme.test").await).await;
    let client = app.client();
    client.submit("/password-reset", "/password-reset", &[("email", "ada@acme.test")]).await;
    app.deliver_mail().await;
    let link = app.last_email_to("ada@acme.test").await.link(&format!("{}/password-reset/", app.address));
    let reset = client.submit(&link, &link, &[("password", "copper-meadow-sailing-31")]).await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER, "{}", reset.text);
    assert_eq!(client.get("/").await.status, StatusCode::SEE_OTHER, "not signed in by the email link alone");
    assert_eq!(client.get("/login").await.location(), "/login/two-step");
    assert_eq!(send_code(&client, &code_now(&app, &secret)).await.status, StatusCode::SEE_OTHER);
    assert_eq!(client.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn every_two_step_change_is_audited_without_the_key_or_codes() {
    let app = spawn_app().await;
    let (_, ada_id) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    let (secret, codes) = turn_on(&app, &ada).await;
    ada.submit("/admin/team", "/admin/two-step", &[("required", "yes")]).await;
    ada.submit("/admin/team", "/admin/two-step", &[("required", "no")]).await;
    let client = app.client();
    password_step(&client, "ada@acme.test").await;
    let wrong = wrong_code(&app, &secret, 0);
    send_code(&client, &wrong).await;
    send_code(&client, &codes[0]).await;
    ada.submit("/account", "/account/two-step/recovery-codes", &[("codes_password", PASSWORD)]).await;
    let token = ada.get("/account").await.csrf_token();
    advance(&app, TimeDelta::seconds(30));
    let code = code_now(&app, &secret);
    let off = ada
        .post_raw(
            "/account/two-step/disable",
            &[("disable_password", PASSWORD), ("disable_code", &code), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);

    let actions = actions_of(&app, ada_id).await;
    for expected in [
        "two_step.enabled",
        "two_step.requirement_changed",
        "login.password_accepted",
        "login.failed",
        "two_step.recovery_code_used",
        "login.succeeded",
        "two_step.recovery_codes_regenerated",
        "two_step.disabled",
    ] {
        assert!(actions.iter().any(|a| a == expected), "{expected} missing from {actions:?}");
    }
    assert_eq!(actions.iter().filter(|a| *a == "two_step.requirement_changed").count(), 2);
    let details: Vec<String> =
        app.with_db(|conn| audit_log::table.select(audit_log::detail).load::<String>(conn).unwrap()).await;
    let everything = details.join("\n");
    for secret_thing in [secret.as_str(), &secret[..8], codes[0].as_str(), &codes[0].replace('-', ""), &wrong, &code] {
        assert!(!everything.contains(secret_thing), "the audit log holds {secret_thing}:\n{everything}");
    }
    // The admin sees the events in the agency's audit log.
    assert!(ada.get("/admin/audit").await.text.contains("two_step.enabled"));
}

#[tokio::test]
async fn an_admin_can_reset_the_two_step_sign_in_of_a_member_who_lost_their_phone() {
    let app = spawn_app().await;
    let (agency_id, ada_id) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let rita_id = app.create_recruiter(agency_id, "Rita Recruiter", "rita@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    let rita = app.signed_in("rita@acme.test").await;
    turn_on(&app, &rita).await;
    let team = ada.get("/admin/team").await;
    assert!(team.text.contains(&format!("/admin/team/{rita_id}/two-step/reset")));
    assert!(!team.text.contains(&format!("/admin/team/{ada_id}/two-step/reset")), "not for themselves");

    let reset = ada.submit("/admin/team", &format!("/admin/team/{rita_id}/two-step/reset"), &[]).await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER, "{}", reset.text);
    assert_eq!(two_step_rows(&app, "rita@acme.test").await, 0);
    assert_eq!(rita.get("/").await.status, StatusCode::SEE_OTHER, "their sessions ended");
    assert_eq!(app.client().sign_in("rita@acme.test", PASSWORD).await.location(), "/", "the password alone again");
    assert!(actions_of(&app, ada_id).await.contains(&"two_step.reset_by_admin".to_string()));
    // A recruiter cannot reset anyone's.
    let rita = app.signed_in("rita@acme.test").await;
    let token = rita.get("/").await.csrf_token();
    let refused = rita.post_raw(&format!("/admin/team/{ada_id}/two-step/reset"), &[("csrf_token", &token)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn recovery_codes_are_stored_only_as_salted_argon2id_hashes() {
    use nextgig::db::schema::two_factor_recovery_codes as codes_table;
    let app = spawn_app().await;
    let (_, ada_id) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    let (_, codes) = turn_on(&app, &ada).await;
    assert_eq!(codes.len(), 10);
    let stored: Vec<String> = app
        .with_db(move |conn| {
            codes_table::table
                .filter(codes_table::user_id.eq(ada_id))
                .select(codes_table::code_hash)
                .load(conn)
                .unwrap()
        })
        .await;
    assert_eq!(stored.len(), 10);
    let unique: std::collections::BTreeSet<&String> = stored.iter().collect();
    assert_eq!(unique.len(), 10);
    for hash in &stored {
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "not a salted argon2id hash: {hash}");
        for code in &codes {
            let bare = code.replace('-', "");
            assert!(!hash.contains(&bare), "the code is in its stored form");
            assert_ne!(hash, &nextgig::models::token::hash(&bare), "an unsalted SHA-256 of the code");
        }
    }
    // The same code hashed twice gives two different stored forms: the salt.
    let (a, b) = (
        nextgig::models::password::hash("abcde23456").unwrap(),
        nextgig::models::password::hash("abcde23456").unwrap(),
    );
    assert_ne!(a, b);

    // A code stored the old way (bare SHA-256) still works once, and the account page asks for
    // new codes.
    let legacy = "kmnpq-rstuv";
    let legacy_hash = nextgig::models::token::hash("kmnpqrstuv");
    let now = app.clock.now();
    app.with_db(move |conn| {
        diesel::insert_into(codes_table::table)
            .values((
                codes_table::user_id.eq(ada_id),
                codes_table::code_hash.eq(legacy_hash),
                codes_table::created_at.eq(now),
            ))
            .execute(conn)
            .unwrap();
    })
    .await;
    let account = ada.get("/account").await;
    assert!(account.text.contains("stored them in a stronger form"), "{}", account.text);
    let client = app.client();
    password_step(&client, "ada@acme.test").await;
    assert_eq!(send_code(&client, legacy).await.status, StatusCode::SEE_OTHER);
    let again = app.client();
    password_step(&again, "ada@acme.test").await;
    assert_eq!(send_code(&again, legacy).await.status, StatusCode::UNPROCESSABLE_ENTITY, "spent");
    let account = ada.get("/account").await;
    assert!(!account.text.contains("stored them in a stronger form"), "{}", account.text);
}
