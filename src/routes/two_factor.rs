//! Two-step sign-in: the code step of signing in (`/login/two-step`), setting it up when the
//! agency requires it (`/login/two-step/setup`), the staff member's own settings
//! (`/account/two-step/…`) and the admin's "everyone must use it" (`/admin/two-step`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{self, Admin, CsrfForm, SecondStep, Staff, Visitor};
use crate::db;
use crate::error::AppError;
use crate::models::two_factor::{self, Challenge, Purpose, QrSvg};
use crate::models::user::User;
use crate::models::validation::FieldErrors;
use crate::pages::{self, Flash, Layout, Section};
use crate::routes::sessions::Empty;
use crate::routes::{account, parse_id};
use crate::state::AppState;

/// Registers this resource's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/login/two-step").route(get().to(code_page)).route(post().to(finish)))
        .service(resource("/login/two-step/setup").route(get().to(enrol_page)).route(post().to(finish)))
        .service(resource("/account/two-step/start").route(post().to(start_setup)))
        .service(resource("/account/two-step/setup").route(get().to(setup_page)).route(post().to(confirm_setup)))
        .service(resource("/account/two-step/recovery-codes").route(post().to(regenerate_codes)))
        .service(resource("/account/two-step/disable").route(post().to(disable)))
        .service(resource("/admin/two-step").route(post().to(set_required)))
        .service(resource("/admin/team/{id}/two-step/reset").route(post().to(reset_for_member)));
}

/// This resource's routes as (method, path pattern).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/login/two-step"),
    ("POST", "/login/two-step"),
    ("GET", "/login/two-step/setup"),
    ("POST", "/login/two-step/setup"),
    ("POST", "/account/two-step/start"),
    ("GET", "/account/two-step/setup"),
    ("POST", "/account/two-step/setup"),
    ("POST", "/account/two-step/recovery-codes"),
    ("POST", "/account/two-step/disable"),
    ("POST", "/admin/two-step"),
    ("POST", "/admin/team/{id}/two-step/reset"),
];

/// The code form (sign-in and setup).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CodeInput {
    code: String,
    next: String,
}

/// Query of the sign-in step pages.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    next: String,
}

#[derive(Template)]
#[template(path = "two_factor/code.html")]
struct CodePage {
    layout: Layout,
    next: String,
    errors: FieldErrors,
}

/// What the setup page shows: the key for the app, as a QR code and typed out.
struct SetupKey {
    grouped: String,
    uri: String,
    qr: Option<QrSvg>,
}

impl SetupKey {
    fn new(secret: &str, email: &str) -> Self {
        let uri = two_factor::otpauth_uri(secret, email);
        Self { grouped: two_factor::grouped(secret), qr: two_factor::qr_svg(&uri), uri }
    }
}

#[derive(Template)]
#[template(path = "two_factor/setup.html")]
struct SetupPage {
    layout: Layout,
    key: SetupKey,
    /// Where the code is sent.
    action: &'static str,
    /// True while signing in (the agency requires it); false on the account page.
    enrol: bool,
    /// True when the user already has it on and is moving to a new app.
    moving: bool,
    next: String,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "two_factor/recovery_codes.html")]
struct RecoveryCodesPage {
    layout: Layout,
    codes: Vec<String>,
    /// Where "Continue" goes.
    next: String,
    /// Why the page is shown: "enabled" or "regenerated".
    reason: &'static str,
}

fn too_many(retry_after_seconds: u64) -> String {
    let minutes = retry_after_seconds.div_ceil(60);
    format!(
        "Too many failed sign-ins. Wait {minutes} minute{} and try again, or reset your password.",
        if minutes == 1 { "" } else { "s" }
    )
}

fn back_to_login(next: &str) -> HttpResponse {
    let next = pages::return_target(next, "/");
    if next == "/" {
        pages::redirect("/login")
    } else {
        pages::redirect(&format!("/login?next={}", pages::encode_query(&next)))
    }
}

fn with_next(path: &str, next: &str) -> String {
    let next = pages::return_target(next, "/");
    if next == "/" { path.to_string() } else { format!("{path}?next={}", pages::encode_query(&next)) }
}

/// The sign-in step's page for `challenge`: the code form, or the setup the agency requires.
async fn step_page(
    app: &AppState,
    visitor: &Visitor,
    challenge: &Challenge,
    next: String,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let layout = visitor.session.layout(Section::None);
    match (challenge.purpose(), challenge.setup_secret.as_deref()) {
        (Purpose::Enrol, Some(secret)) => {
            let user_id = challenge.user_id;
            let email = app.db(move |conn| User::find(conn, user_id)).await?.email;
            let key = SetupKey::new(secret, &email);
            let page =
                SetupPage { layout, key, action: "/login/two-step/setup", enrol: true, moving: false, next, errors };
            pages::html_with_status(status, &page)
        }
        _ => pages::html_with_status(status, &CodePage { layout, next, errors }),
    }
}

/// `GET /login/two-step`: "Enter the 6-digit code" after a correct password.
pub async fn code_page(
    app: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = query.into_inner().next;
    match auth::pending_sign_in(&app, &visitor).await? {
        Some(challenge) if challenge.purpose() == Purpose::Enrol => {
            Ok(pages::redirect(&with_next("/login/two-step/setup", &next)))
        }
        Some(challenge) => step_page(&app, &visitor, &challenge, next, FieldErrors::default(), StatusCode::OK).await,
        None => Ok(back_to_login(&next)),
    }
}

/// `GET /login/two-step/setup`: the agency requires two-step sign-in; set it up to finish signing in.
pub async fn enrol_page(
    app: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = query.into_inner().next;
    match auth::pending_sign_in(&app, &visitor).await? {
        Some(challenge) if challenge.purpose() == Purpose::Enrol => {
            step_page(&app, &visitor, &challenge, next, FieldErrors::default(), StatusCode::OK).await
        }
        Some(_) => Ok(pages::redirect(&with_next("/login/two-step", &next))),
        None => Ok(back_to_login(&next)),
    }
}

/// `POST /login/two-step` and `POST /login/two-step/setup`: the code; signs in when it is right.
pub async fn finish(
    app: web::Data<AppState>,
    visitor: Visitor,
    form: CsrfForm<CodeInput>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let next = pages::return_target(&form.next, "/");
    let mut errors = FieldErrors::default();
    let status = if form.code.trim().is_empty() {
        errors.add("code", "Enter the 6-digit code from your authenticator app, or a recovery code.");
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        match auth::finish_sign_in(&app, &visitor, form.code.chars().take(64).collect()).await? {
            SecondStep::Done { recovery_codes: Some(codes) } => {
                // Just set up: the recovery codes, once. The new session's cookie goes with this page.
                let page = RecoveryCodesPage { layout: Layout::bare(), codes, next, reason: "enabled" };
                return pages::html(&page);
            }
            SecondStep::Done { recovery_codes: None } => return Ok(pages::redirect(&next)),
            SecondStep::Expired => {
                visitor.session.flash(Flash::info("That took too long. Sign in again with your password."));
                return Ok(back_to_login(&next));
            }
            SecondStep::Disabled => {
                errors.add("code", "This account has been disabled. Ask your agency's admin to re-enable it.");
                StatusCode::FORBIDDEN
            }
            SecondStep::Throttled { retry_after_seconds } => {
                errors.add("code", too_many(retry_after_seconds));
                StatusCode::TOO_MANY_REQUESTS
            }
            SecondStep::Refused => {
                if let AppError::Invalid(refused) = two_factor::refused_code("code") {
                    errors = refused;
                }
                StatusCode::UNPROCESSABLE_ENTITY
            }
        }
    };
    match auth::pending_sign_in(&app, &visitor).await? {
        Some(challenge) => step_page(&app, &visitor, &challenge, next, errors, status).await,
        None => Ok(back_to_login(&next)),
    }
}

/// `POST /account/two-step/start`: a new key to set up (or to move to a new app).
pub async fn start_setup(
    app: web::Data<AppState>,
    staff: Staff,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let session_id = staff.session.id().ok_or_else(|| AppError::internal("a signed-in request has no session"))?;
    let (user_id, now) = (staff.user.id, app.clock.now());
    app.db(move |conn| db::write(conn, |conn| two_factor::start(conn, session_id, user_id, Purpose::Setup, now)))
        .await?;
    Ok(pages::redirect("/account/two-step/setup"))
}

async fn account_setup_page(
    app: &AppState,
    staff: &Staff,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let Some(session_id) = staff.session.id() else { return Ok(pages::redirect("/account")) };
    let (user_id, now) = (staff.user.id, app.clock.now());
    let (challenge, moving) = app
        .db(move |conn| Ok((two_factor::pending(conn, session_id, now)?, two_factor::is_enabled(conn, user_id)?)))
        .await?;
    let Some(secret) = challenge.filter(|c| c.purpose() == Purpose::Setup).and_then(|c| c.setup_secret) else {
        staff.session.flash(Flash::info("Start again: that setup was not finished in time."));
        return Ok(pages::redirect("/account#two-step"));
    };
    let page = SetupPage {
        layout: staff.session.layout(Section::Account),
        key: SetupKey::new(&secret, &staff.user.email),
        action: "/account/two-step/setup",
        enrol: false,
        moving,
        next: String::new(),
        errors,
    };
    pages::html_with_status(status, &page)
}

/// `GET /account/two-step/setup`: the key as a QR code and typed out, and the code to confirm it.
pub async fn setup_page(app: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    account_setup_page(&app, &staff, FieldErrors::default(), StatusCode::OK).await
}

/// `POST /account/two-step/setup`: turns it on once the code shows the app has the key; shows
/// the recovery codes once.
pub async fn confirm_setup(
    app: web::Data<AppState>,
    staff: Staff,
    form: CsrfForm<CodeInput>,
) -> Result<HttpResponse, AppError> {
    let code = form.into_inner().code;
    let Some(session_id) = staff.session.id() else { return Ok(pages::redirect("/account")) };
    let (user_id, actor, now) = (staff.user.id, staff.actor.clone(), app.clock.now());
    let waiting = app.db(move |conn| two_factor::pending(conn, session_id, now)).await?;
    let waiting = waiting.filter(|c| c.purpose() == Purpose::Setup && c.user_id == user_id);
    // New recovery codes are hashed (slowly) only for a code that fits, before the write.
    let new_codes = match &waiting {
        Some(challenge) if two_factor::code_fits_setup(challenge, &code, now) => {
            Some(app.hasher.run(two_factor::NewRecoveryCodes::generate).await??)
        }
        _ => None,
    };
    let confirmed = app
        .db(move |conn| {
            db::write(conn, |conn| {
                let challenge = two_factor::pending(conn, session_id, now)?
                    .filter(|c| c.purpose() == Purpose::Setup && c.user_id == user_id);
                match (challenge, new_codes) {
                    (Some(challenge), Some(new)) => {
                        two_factor::confirm_setup(conn, &challenge, &code, &new, &actor, now).map(Some)
                    }
                    (Some(_), None) => Err(two_factor::setup_code_refused()),
                    (None, _) => Ok(None),
                }
            })
        })
        .await;
    match confirmed {
        Ok(Some(codes)) => {
            let layout = staff.session.layout(Section::Account);
            pages::html(&RecoveryCodesPage { layout, codes, next: "/account#two-step".into(), reason: "enabled" })
        }
        Ok(None) => account_setup_page(&app, &staff, FieldErrors::default(), StatusCode::OK).await,
        Err(AppError::Invalid(errors)) => {
            account_setup_page(&app, &staff, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// The password form (new recovery codes).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordInput {
    codes_password: String,
}

/// `POST /account/two-step/recovery-codes`: new recovery codes (the password first); the old ones
/// stop working.
pub async fn regenerate_codes(
    app: web::Data<AppState>,
    staff: Staff,
    form: CsrfForm<PasswordInput>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let user_id = staff.user.id;
    let user = app.db(move |conn| User::find(conn, user_id)).await?;
    if !app.hasher.verify(form.codes_password, Some(user.password_hash)).await? {
        let mut errors = FieldErrors::default();
        errors.add("codes_password", "That is not your password.");
        return account::account_page(&app, &member(&staff), errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let (actor, now) = (staff.actor.clone(), app.clock.now());
    let new = app.hasher.run(two_factor::NewRecoveryCodes::generate).await??;
    let codes = app.db(move |conn| two_factor::regenerate_recovery_codes(conn, user_id, &new, &actor, now)).await?;
    let layout = staff.session.layout(Section::Account);
    pages::html(&RecoveryCodesPage { layout, codes, next: "/account#two-step".into(), reason: "regenerated" })
}

/// The turn-off form: the password and a code.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DisableInput {
    disable_password: String,
    disable_code: String,
}

/// `POST /account/two-step/disable`: turns it off, with the password and a current code (or a
/// recovery code). Refused while the agency requires it.
pub async fn disable(
    app: web::Data<AppState>,
    staff: Staff,
    form: CsrfForm<DisableInput>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let (user_id, scope) = (staff.user.id, staff.scope);
    let (user, required) =
        app.db(move |conn| Ok((User::find(conn, user_id)?, two_factor::agency_requires(conn, scope)?))).await?;
    let mut errors = FieldErrors::default();
    if required {
        errors.add(
            "disable_code",
            "Your agency requires two-step sign-in, so it cannot be turned off. To use a new phone, set it up again.",
        );
    }
    if !app.hasher.verify(form.disable_password, Some(user.password_hash)).await? {
        errors.add("disable_password", "That is not your password.");
    }
    if form.disable_code.trim().is_empty() {
        errors.add("disable_code", "Enter the current code from your app, or a recovery code.");
    }
    if errors.is_empty() {
        let (actor, now, code) = (staff.actor.clone(), app.clock.now(), form.disable_code);
        let typed = code.clone();
        let stored = app.db(move |conn| two_factor::recovery_code_hashes(conn, user_id, &typed)).await?;
        let typed = code.clone();
        let recovery_code = app.hasher.run(move || two_factor::match_recovery_code(&typed, &stored)).await?;
        let turned_off = app
            .db(move |conn| {
                db::write(conn, |conn| {
                    let verdict = two_factor::verify_code(conn, user_id, &code, recovery_code, &actor, now)?;
                    if verdict == two_factor::Verdict::Refused {
                        return Ok(false);
                    }
                    two_factor::disable(conn, user_id, &actor, now)?;
                    Ok(true)
                })
            })
            .await?;
        if turned_off {
            staff.session.flash(Flash::success("Two-step sign-in is off. You sign in with your password alone."));
            return Ok(pages::redirect("/account#two-step"));
        }
        if let AppError::Invalid(refused) = two_factor::refused_code("disable_code") {
            errors = refused;
        }
    }
    account::account_page(&app, &member(&staff), errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

fn member(staff: &Staff) -> auth::Member {
    auth::Member { session: staff.session.clone(), user: staff.user.clone(), actor: staff.actor.clone() }
}

/// The admin's switch.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RequirementInput {
    required: String,
}

/// `POST /admin/two-step`: requires two-step sign-in of every staff member (`required=yes`), or
/// stops requiring it (`required=no`).
pub async fn set_required(
    app: web::Data<AppState>,
    admin: Admin,
    form: CsrfForm<RequirementInput>,
) -> Result<HttpResponse, AppError> {
    let required = match form.into_inner().required.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(AppError::BadRequest("required must be yes or no".into())),
    };
    let (scope, admin_id, actor, now) = (admin.0.scope, admin.0.user.id, admin.0.actor.clone(), app.clock.now());
    match app.db(move |conn| two_factor::set_required(conn, scope, admin_id, required, &actor, now)).await {
        Ok(ended) => {
            let message = if !required {
                "Two-step sign-in is no longer required. Members who turned it on keep it.".to_string()
            } else if ended == 0 {
                "Everyone in your agency must now sign in with two steps.".to_string()
            } else {
                format!(
                    "Everyone in your agency must now sign in with two steps. {ended} session{} of members without it \
                     ended: they set it up at their next sign-in.",
                    if ended == 1 { "" } else { "s" }
                )
            };
            admin.0.session.flash(Flash::success(message));
        }
        Err(AppError::Invalid(errors)) => {
            let message = errors.get("required").unwrap_or("Two-step sign-in could not be required.").to_string();
            admin.0.session.flash(Flash::error(message));
        }
        Err(e) => return Err(e),
    }
    Ok(pages::redirect("/admin/team#two-step"))
}

/// `POST /admin/team/{id}/two-step/reset`: turns off the two-step sign-in of a member who lost
/// their phone and their recovery codes; their sessions end.
pub async fn reset_for_member(
    app: web::Data<AppState>,
    admin: Admin,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (scope, actor, now) = (admin.0.scope, admin.0.actor.clone(), app.clock.now());
    let (member, required) = app
        .db(move |conn| {
            let member = two_factor::reset_for_member(conn, scope, id, &actor, now)?;
            Ok((member, two_factor::agency_requires(conn, scope)?))
        })
        .await?;
    let then = if required { "and set it up again straight away" } else { "alone until they turn it on again" };
    admin.0.session.flash(Flash::success(format!(
        "Two-step sign-in is off for {}. They sign in with their password {then}.",
        member.name
    )));
    Ok(pages::redirect("/admin/team"))
}
