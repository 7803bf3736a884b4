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
use crate::models::login_attempt::{self, Throttle};
use crate::models::session::{SessionRecord, SessionUser};
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

impl FromRequest for Staff {
    type Error = AppError;
    type Future = ExtractFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = Session::from_request(req, payload);
        let next = where_to_return(req);
        Box::pin(async move {
            let session = session.await?;
            let Some(user) = session.user() else { return Err(AppError::SignInRequired { next }) };
            let Some(scope) = user.agency_scope().filter(|_| user.kind == KIND_STAFF) else {
                return Err(AppError::Forbidden("This page is for agency staff."));
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
        Box::pin(async move {
            let staff = staff.await?;
            if staff.user.role() != Some(Role::Admin) {
                return Err(AppError::Forbidden("Only your agency's admins can open this page."));
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
        Box::pin(async move {
            let session = session.await?;
            let Some(user) = session.user() else { return Err(AppError::SignInRequired { next }) };
            if user.kind != KIND_CONTRACTOR {
                return Err(AppError::Forbidden("These pages belong to contractors' own accounts."));
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
    let (throttle, user) = app
        .db(move |conn| {
            Ok((login_attempt::check(conn, &lookup_email, &ip, now)?, User::find_by_email(conn, &lookup_email)?))
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
    let outcome = app
        .db(move |conn| {
            db::write(conn, |conn| {
                let ok = matched && user.as_ref().is_some_and(|u| !u.is_disabled());
                login_attempt::record(conn, &email, &actor.ip, ok, now)?;
                let Some(user) = user else {
                    audit::record(conn, &actor, Event::new("login.failed", format!("unknown account {email}")), now)?;
                    return Ok(SignIn::Refused);
                };
                let actor = actor.as_user(user.id, user.agency_id);
                if !matched {
                    audit::record(conn, &actor, Event::on("login.failed", "user", user.id, "wrong password"), now)?;
                    return Ok(SignIn::Refused);
                }
                if user.is_disabled() {
                    audit::record(conn, &actor, Event::on("login.refused", "user", user.id, "account disabled"), now)?;
                    return Ok(SignIn::Disabled);
                }
                if let Some(old) = old_session {
                    SessionRecord::delete(conn, old)?;
                }
                fresh.store(conn, Some(user.id), &client, &[], lifetime, now)?;
                User::record_login(conn, user.id, now)?;
                audit::record(conn, &actor, Event::on("login.succeeded", "user", user.id, ""), now)?;
                Ok(SignIn::Done)
            })
        })
        .await?;
    if matches!(outcome, SignIn::Done) {
        visitor.session.replace_with(secret);
    }
    Ok(outcome)
}

/// Signs in a user who just proved who they are another way (setup, an accepted invitation, a
/// password reset), replacing the visitor's session. Runs inside the caller's transaction.
pub fn start_session_for(
    conn: &mut crate::db::DbConnection,
    session_id: Option<i64>,
    user_id: i64,
    client: &(String, String),
    flash: Flash,
    lifetime: chrono::TimeDelta,
    now: chrono::NaiveDateTime,
) -> Result<String, AppError> {
    if let Some(old) = session_id {
        SessionRecord::delete(conn, old)?;
    }
    let fresh = session::Fresh::generate();
    fresh.store(conn, Some(user_id), client, &[flash], lifetime, now)?;
    User::record_login(conn, user_id, now)?;
    Ok(fresh.token.secret)
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
