//! Who is asking: passwords, sessions, CSRF, the sign-in throttle, and the extractors that turn a
//! request into a signed-in staff member (`Staff`, `Admin`) or an anonymous `Visitor`.

pub mod csrf;
pub mod password;
pub mod session;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpRequest, web};

pub use csrf::CsrfForm;
pub use session::Session;

use crate::db;
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::audit::{self, Actor, Event};
use crate::models::known_browser;
use crate::models::login_attempt::{self, Throttle};
use crate::models::session::{SessionRecord, SessionUser};
use crate::models::two_factor::{self, Purpose, Verdict};
use crate::models::user::{KIND_CONTRACTOR, KIND_STAFF, Role, User};
use crate::models::validation;
use crate::pages::Flash;
use crate::state::AppState;

/// Anyone, signed in or not: the session and the client's details.
#[derive(Clone, Debug)]
pub struct Visitor {
    /// The request's session.
    pub session: Session,
    /// Who is acting, for the audit log.
    pub actor: Actor,
}

/// A signed-in staff member of an agency (admin or recruiter).
#[derive(Clone, Debug)]
pub struct Staff {
    /// The request's session.
    pub session: Session,
    /// The staff member.
    pub user: SessionUser,
    /// Their agency: every query this request makes is limited to it.
    pub scope: AgencyScope,
    /// Who is acting, for the audit log.
    pub actor: Actor,
}

/// A signed-in agency admin.
#[derive(Clone, Debug)]
pub struct Admin(pub Staff);

/// Anyone signed in, staff or contractor (their own account pages).
#[derive(Clone, Debug)]
pub struct Member {
    /// The request's session.
    pub session: Session,
    /// The signed-in user.
    pub user: SessionUser,
    /// Who is acting, for the audit log.
    pub actor: Actor,
}

impl FromRequest for Member {
    type Error = AppError;
    type Future = ExtractFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = Session::from_request(req, payload);
        let next = where_to_return(req);
        Box::pin(async move {
            let session = session.await?;
            let Some(user) = session.user() else { return Err(AppError::SignInRequired { next }) };
            let actor = actor_for(&session);
            Ok(Member { session, user, actor })
        })
    }
}

/// A signed-in contractor (their own account, across agencies).
#[derive(Clone, Debug)]
pub struct ContractorAccount {
    /// The request's session.
    pub session: Session,
    /// The contractor.
    pub user: SessionUser,
    /// Who is acting, for the audit log.
    pub actor: Actor,
}

type ExtractFuture<T> = Pin<Box<dyn Future<Output = Result<T, AppError>>>>;

fn actor_for(session: &Session) -> Actor {
    let user = session.user();
    let (ip, user_agent) = session.client();
    Actor { user_id: user.as_ref().map(|u| u.id), agency_id: user.and_then(|u| u.agency_id), ip, user_agent }
}

impl FromRequest for Visitor {
    type Error = AppError;
    type Future = ExtractFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = Session::from_request(req, payload);
        Box::pin(async move {
            let session = session.await?;
            let actor = actor_for(&session);
            Ok(Visitor { session, actor })
        })
    }
}

fn where_to_return(req: &HttpRequest) -> String {
    if req.method() == Method::GET {
        req.uri().path_and_query().map_or_else(|| "/".to_string(), |p| p.as_str().to_string())
    } else {
        "/".to_string()
    }
}

/// Refuses a signed-in user a page their kind of account or role may not open, and notes the
/// refusal in the audit log.
async fn deny(req: &HttpRequest, session: &Session, why: &'static str) -> AppError {
    csrf::record_refusal(req, session, "access.denied").await;
    AppError::Forbidden(why)
}

impl FromRequest for Staff {
    type Error = AppError;
    type Future = ExtractFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = Session::from_request(req, payload);
        let next = where_to_return(req);
        let req = req.clone();
        Box::pin(async move {
            let session = session.await?;
            let Some(user) = session.user() else { return Err(AppError::SignInRequired { next }) };
            let Some(scope) = user.agency_scope().filter(|_| user.kind == KIND_STAFF) else {
                return Err(deny(&req, &session, "This page is for agency staff.").await);
            };
            let actor = actor_for(&session);
            Ok(Staff { session, user, scope, actor })
        })
    }
}

impl FromRequest for Admin {
    type Error = AppError;
    type Future = ExtractFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let staff = Staff::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let staff = staff.await?;
            if staff.user.role() != Some(Role::Admin) {
                return Err(deny(&req, &staff.session, "Only your agency's admins can open this page.").await);
            }
            Ok(Admin(staff))
        })
    }
}

impl FromRequest for ContractorAccount {
    type Error = AppError;
    type Future = ExtractFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = Session::from_request(req, payload);
        let next = where_to_return(req);
        let req = req.clone();
        Box::pin(async move {
            let session = session.await?;
            let Some(user) = session.user() else { return Err(AppError::SignInRequired { next }) };
            if user.kind != KIND_CONTRACTOR {
                return Err(deny(&req, &session, "These pages belong to contractors' own accounts.").await);
            }
            let actor = actor_for(&session);
            Ok(ContractorAccount { session, user, actor })
        })
    }
}

/// How a sign-in attempt ended.
#[derive(Debug)]
pub enum SignIn {
    /// Signed in: the new session is stored and its cookie will be sent.
    Done,
    /// The password was right; the code from the user's authenticator app is still needed. The
    /// session is a new one that is not signed in and waits for the code.
    CodeNeeded,
    /// The password was right, but the agency requires two-step sign-in and the user must set it
    /// up before they are signed in (the session waits for that, as for `CodeNeeded`).
    SetupNeeded,
    /// Unknown email or wrong password (one answer for both).
    Refused,
    /// The right password for a disabled account.
    Disabled,
    /// Too many recent failures; try again later.
    Throttled { retry_after_seconds: u64 },
}

/// Checks an email and password and, when they match an enabled account, replaces the visitor's
/// session with a new signed-in one (a new secret and CSRF token: rotation at sign-in).
pub async fn sign_in(app: &AppState, visitor: &Visitor, email: &str, password: String) -> Result<SignIn, AppError> {
    let email = validation::normalize_email(email);
    let now = app.clock.now();
    let ip = visitor.actor.ip.clone();
    let lookup_email = email.clone();
    let browser_secret = visitor.session.known_browser();
    let secret_sent = browser_secret.clone();
    let (throttle, user, browser) = app
        .db(move |conn| {
            let user = User::find_by_email(conn, &lookup_email)?;
            let browser = match &user {
                Some(user) => known_browser::find(conn, secret_sent.as_deref(), user.id, now)?,
                None => None,
            };
            Ok((login_attempt::check(conn, &lookup_email, &ip, browser, now)?, user, browser))
        })
        .await?;
    if let Throttle::Closed { retry_after_seconds } = throttle {
        return Ok(SignIn::Throttled { retry_after_seconds });
    }
    let matched = app.hasher.verify(password, user.as_ref().map(|u| u.password_hash.clone())).await?;

    let fresh = session::Fresh::generate();
    let secret = fresh.token.secret.clone();
    let old_session = visitor.session.id();
    let client = visitor.session.client();
    let lifetime = app.config.session_absolute();
    let actor = visitor.actor.clone();
    let (outcome, new_browser) = app
        .db(move |conn| {
            db::write(conn, |conn| {
                let ok = matched && user.as_ref().is_some_and(|u| !u.is_disabled());
                login_attempt::record(conn, &email, &actor.ip, browser, ok, now)?;
                let Some(user) = user else {
                    audit::record(conn, &actor, Event::new("login.failed", format!("unknown account {email}")), now)?;
                    return Ok((SignIn::Refused, None));
                };
                let actor = actor.as_user(user.id, user.agency_id);
                if !matched {
                    audit::record(conn, &actor, Event::on("login.failed", "user", user.id, "wrong password"), now)?;
                    return Ok((SignIn::Refused, None));
                }
                if user.is_disabled() {
                    audit::record(conn, &actor, Event::on("login.refused", "user", user.id, "account disabled"), now)?;
                    return Ok((SignIn::Disabled, None));
                }
                if let Some(purpose) = two_factor::second_step(conn, &user)? {
                    // Not signed in yet: a new session (rotated as at sign-in) that waits for the code.
                    if let Some(old) = old_session {
                        SessionRecord::delete(conn, old)?;
                    }
                    let waiting = fresh.store(conn, None, &client, &[], lifetime, now)?;
                    two_factor::start(conn, waiting, user.id, purpose, now)?;
                    let (detail, outcome) = match purpose {
                        Purpose::Code => ("two-step code needed", SignIn::CodeNeeded),
                        _ => ("two-step sign-in must be set up first", SignIn::SetupNeeded),
                    };
                    audit::record(conn, &actor, Event::on("login.password_accepted", "user", user.id, detail), now)?;
                    return Ok((outcome, None));
                }
                open_signed_in_session(conn, old_session, &fresh, user.id, &client, &[], lifetime, now)?;
                let new_browser = known_browser::remember(conn, user.id, browser_secret.as_deref(), now)?;
                audit::record(conn, &actor, Event::on("login.succeeded", "user", user.id, ""), now)?;
                Ok((SignIn::Done, new_browser))
            })
        })
        .await?;
    if matches!(outcome, SignIn::Done | SignIn::CodeNeeded | SignIn::SetupNeeded) {
        visitor.session.replace_with(secret);
    }
    if let Some(browser) = new_browser {
        visitor.session.remember_browser(browser);
    }
    Ok(outcome)
}

/// Replaces session `old` with a signed-in session for `user_id` (inside the caller's
/// transaction): the one way every sign-in ends.
#[allow(clippy::too_many_arguments)]
fn open_signed_in_session(
    conn: &mut crate::db::DbConnection,
    old: Option<i64>,
    fresh: &session::Fresh,
    user_id: i64,
    client: &(String, String),
    flashes: &[Flash],
    lifetime: chrono::TimeDelta,
    now: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    if let Some(old) = old {
        SessionRecord::delete(conn, old)?;
    }
    fresh.store(conn, Some(user_id), client, flashes, lifetime, now)?;
    User::record_login(conn, user_id, now)
}

/// How the second step of a sign-in (the code, or setting up two-step sign-in) ended.
#[derive(Debug)]
pub enum SecondStep {
    /// Signed in: the new session is stored and its cookie will be sent. When two-step sign-in
    /// was just set up, its recovery codes, to show once.
    Done { recovery_codes: Option<Vec<String>> },
    /// A wrong, reused or expired code (counted like a wrong password).
    Refused,
    /// The account was disabled since the password was given.
    Disabled,
    /// Too many recent failures for this account or address; try again later.
    Throttled { retry_after_seconds: u64 },
    /// Nothing waits for a code in this session (never started, expired, or the password
    /// changed since): sign in again.
    Expired,
}

/// What the visitor's session waits for after a correct password (`Code` or `Enrol`), if
/// anything, with the secret to set up for `Enrol`.
pub async fn pending_sign_in(app: &AppState, visitor: &Visitor) -> Result<Option<two_factor::Challenge>, AppError> {
    let Some(session_id) = visitor.session.id() else { return Ok(None) };
    if visitor.session.user().is_some() {
        return Ok(None);
    }
    let now = app.clock.now();
    let challenge = app.db(move |conn| two_factor::pending(conn, session_id, now)).await?;
    Ok(challenge.filter(|c| c.purpose() != Purpose::Setup))
}

/// Finishes a sign-in that waits for a code: checks `code` (the app's, or a recovery code; for a
/// sign-in that must set up two-step sign-in, the code that confirms the new app) under the same
/// throttle as passwords, and on success replaces the session with a signed-in one.
pub async fn finish_sign_in(app: &AppState, visitor: &Visitor, code: String) -> Result<SecondStep, AppError> {
    let Some(challenge) = pending_sign_in(app, visitor).await? else { return Ok(SecondStep::Expired) };
    let now = app.clock.now();
    let ip = visitor.actor.ip.clone();
    let user_id = challenge.user_id;
    let typed = code.clone();
    let browser_secret = visitor.session.known_browser();
    let secret_sent = browser_secret.clone();
    let (user, throttle, stored_codes, browser) = app
        .db(move |conn| {
            let user = User::find(conn, user_id)?;
            let browser = known_browser::find(conn, secret_sent.as_deref(), user_id, now)?;
            let throttle = login_attempt::check(conn, &user.email, &ip, browser, now)?;
            let stored_codes = two_factor::recovery_code_hashes(conn, user_id, &typed)?;
            Ok((user, throttle, stored_codes, browser))
        })
        .await?;
    if let Throttle::Closed { retry_after_seconds } = throttle {
        return Ok(SecondStep::Throttled { retry_after_seconds });
    }
    // The slow hashing before the write: making the new recovery codes of a setup whose code
    // fits, or finding which stored recovery code was typed.
    let new_codes = if challenge.purpose() == Purpose::Enrol && two_factor::code_fits_setup(&challenge, &code, now) {
        Some(app.hasher.run(two_factor::NewRecoveryCodes::generate).await??)
    } else {
        None
    };
    let typed = code.clone();
    let recovery_code = if stored_codes.is_empty() {
        None
    } else {
        app.hasher.run(move || two_factor::match_recovery_code(&typed, &stored_codes)).await?
    };
    let fresh = session::Fresh::generate();
    let secret = fresh.token.secret.clone();
    let client = visitor.session.client();
    let lifetime = app.config.session_absolute();
    let actor = visitor.actor.as_user(user.id, user.agency_id);
    let (outcome, new_browser) = app
        .db(move |conn| {
            db::write(conn, |conn| {
                if user.is_disabled() {
                    audit::record(conn, &actor, Event::on("login.refused", "user", user.id, "account disabled"), now)?;
                    return Ok((SecondStep::Disabled, None));
                }
                if challenge.created_at < user.password_changed_at {
                    return Ok((SecondStep::Expired, None));
                }
                let (verdict, recovery_codes) = match (challenge.purpose(), &new_codes) {
                    (Purpose::Enrol, None) => (Verdict::Refused, None),
                    (Purpose::Enrol, Some(new)) => {
                        match two_factor::confirm_setup(conn, &challenge, &code, new, &actor, now) {
                            Ok(codes) => (Verdict::AppCode, Some(codes)),
                            Err(AppError::Invalid(_)) => (Verdict::Refused, None),
                            Err(e) => return Err(e),
                        }
                    }
                    _ => (two_factor::verify_code(conn, user.id, &code, recovery_code, &actor, now)?, None),
                };
                let ok = verdict != Verdict::Refused;
                login_attempt::record(conn, &user.email, &actor.ip, browser, ok, now)?;
                if !ok {
                    audit::record(conn, &actor, Event::on("login.failed", "user", user.id, "wrong two-step code"), now)?;
                    return Ok((SecondStep::Refused, None));
                }
                let mut flashes = Vec::new();
                if verdict == Verdict::RecoveryCode {
                    let left = two_factor::status(conn, user.id)?.map_or(0, |s| s.recovery_codes_left);
                    flashes.push(Flash::info(format!(
                        "You signed in with a recovery code; {left} unused code{} left. Make new ones on your account page if you are running low.",
                        if left == 1 { "" } else { "s" }
                    )));
                }
                open_signed_in_session(conn, Some(challenge.session_id), &fresh, user.id, &client, &flashes, lifetime, now)?;
                let detail = match (challenge.purpose(), verdict) {
                    (Purpose::Enrol, _) => "two-step sign-in set up",
                    (_, Verdict::RecoveryCode) => "with a recovery code",
                    _ => "with a two-step code",
                };
                let new_browser = known_browser::remember(conn, user.id, browser_secret.as_deref(), now)?;
                audit::record(conn, &actor, Event::on("login.succeeded", "user", user.id, detail), now)?;
                Ok((SecondStep::Done { recovery_codes }, new_browser))
            })
        })
        .await?;
    if matches!(outcome, SecondStep::Done { .. }) {
        visitor.session.replace_with(secret);
    }
    if let Some(browser) = new_browser {
        visitor.session.remember_browser(browser);
    }
    Ok(outcome)
}

/// A session started by [`start_session_for`]: the secret for the session cookie, and for a
/// user now signed in, the secret that makes this browser a known one (see
/// `models::known_browser`).
#[derive(Debug)]
pub struct Started {
    /// The new session's secret.
    pub session: String,
    /// The known-browser secret to send, when the user is signed in.
    pub browser: Option<String>,
}

/// Signs in a user who just proved who they are another way (setup, an accepted invitation, a
/// password reset), replacing the visitor's session. Runs inside the caller's transaction. A user
/// with two-step sign-in (or whose agency requires it) is not signed in yet: the new session
/// waits for the code, and `/login` sends them on to it.
pub fn start_session_for(
    conn: &mut crate::db::DbConnection,
    session_id: Option<i64>,
    user_id: i64,
    client: &(String, String),
    flash: Flash,
    lifetime: chrono::TimeDelta,
    now: chrono::NaiveDateTime,
) -> Result<Started, AppError> {
    let fresh = session::Fresh::generate();
    let user = User::find(conn, user_id)?;
    if let Some(purpose) = two_factor::second_step(conn, &user)? {
        // A new password or account is not the second step: the code (or its setup) still is.
        if let Some(old) = session_id {
            SessionRecord::delete(conn, old)?;
        }
        let waiting = fresh.store(conn, None, client, &[], lifetime, now)?;
        two_factor::start(conn, waiting, user_id, purpose, now)?;
        return Ok(Started { session: fresh.token.secret, browser: None });
    }
    open_signed_in_session(conn, session_id, &fresh, user_id, client, &[flash], lifetime, now)?;
    let browser = known_browser::remember(conn, user_id, None, now)?;
    Ok(Started { session: fresh.token.secret, browser })
}

/// Sends the cookies of a session [`start_session_for`] started.
pub fn send_started(session: &Session, started: Started) {
    session.replace_with(started.session);
    if let Some(browser) = started.browser {
        session.remember_browser(browser);
    }
}

/// Signs out: deletes the session everywhere and clears the cookie.
pub async fn sign_out(app: &AppState, visitor: &Visitor) -> Result<(), AppError> {
    if let Some(id) = visitor.session.id() {
        let actor = visitor.actor.clone();
        let now = app.clock.now();
        app.db(move |conn| {
            SessionRecord::delete(conn, id)?;
            if actor.user_id.is_some() {
                audit::record(conn, &actor, Event::new("logout", ""), now)?;
            }
            Ok(())
        })
        .await?;
    }
    visitor.session.ended();
    Ok(())
}

/// The application state from a request (for extractors and middleware).
pub fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>().cloned().ok_or_else(|| AppError::internal("no application state"))
}
