//! The session middleware and the `Session` extractor.
//!
//! The cookie carries a random secret; the `sessions` table keeps its hash, the CSRF token, the
//! pending flash messages and the deadlines. The middleware loads the session (with its user) in
//! one query before the handler runs, and afterwards writes what the request changed in one
//! statement: a new anonymous session (for a sign-in form's CSRF token), flash messages, or the
//! last-seen time (at most once a minute).

use std::cell::RefCell;
use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use chrono::{NaiveDateTime, TimeDelta};
use subtle::ConstantTimeEq;

use crate::config::Config;
use crate::error::AppError;
use crate::models::session::{NewSession, SessionRecord, SessionUser, Validity};
use crate::models::token::{self, Token};
use crate::pages::{Flash, Layout, Section};
use crate::state::AppState;

/// The cookie's name over plain http.
pub const COOKIE: &str = "nextgig_session";
/// The cookie's name over https: the `__Host-` prefix pins it to this host, path `/`, Secure.
pub const SECURE_COOKIE: &str = "__Host-nextgig_session";

/// The known-browser cookie's name over plain http (see `models::known_browser`).
pub const BROWSER_COOKIE: &str = "nextgig_browser";
/// The known-browser cookie's name over https.
pub const SECURE_BROWSER_COOKIE: &str = "__Host-nextgig_browser";

/// How often the last-seen time is written (idle expiry is accurate to this).
const TOUCH_EVERY_SECONDS: i64 = 60;

/// The cookie name for this deployment.
pub fn cookie_name(config: &Config) -> &'static str {
    if config.is_https() { SECURE_COOKIE } else { COOKIE }
}

/// The known-browser cookie name for this deployment.
pub fn browser_cookie_name(config: &Config) -> &'static str {
    if config.is_https() { SECURE_BROWSER_COOKIE } else { BROWSER_COOKIE }
}

/// A session created by this request but not yet stored (stored after the handler runs).
#[derive(Debug)]
struct Pending {
    token: Token,
    csrf_token: String,
}

#[derive(Debug, Default)]
struct State {
    record: Option<SessionRecord>,
    user: Option<SessionUser>,
    pending: Option<Pending>,
    /// A new session secret to send (after sign-in or for a pending anonymous session).
    set_cookie: Option<String>,
    clear_cookie: bool,
    flashes_taken: bool,
    flashes_out: Vec<Flash>,
    touch: bool,
    ip: String,
    user_agent: String,
    /// The known-browser secret the request's cookie carried, if well formed.
    browser: Option<String>,
    /// A new known-browser secret to send (after a sign-in from a browser not yet known).
    set_browser: Option<String>,
}

/// This request's session (signed in or anonymous), from the extractor.
#[derive(Clone, Debug)]
pub struct Session(Rc<RefCell<State>>);

impl Session {
    /// The signed-in user, if any.
    pub fn user(&self) -> Option<SessionUser> {
        self.0.borrow().user.clone()
    }

    /// The stored session's id, if there is one.
    pub fn id(&self) -> Option<i64> {
        self.0.borrow().record.as_ref().map(|r| r.id)
    }

    /// The CSRF token for this page's forms; starts an anonymous session if there is none.
    pub fn csrf_token(&self) -> String {
        let mut state = self.0.borrow_mut();
        if let Some(record) = &state.record {
            return record.csrf_token.clone();
        }
        if let Some(pending) = &state.pending {
            return pending.csrf_token.clone();
        }
        let pending = Pending { token: Token::generate(), csrf_token: token::random_hex(32) };
        let csrf = pending.csrf_token.clone();
        state.set_cookie = Some(pending.token.secret.clone());
        state.pending = Some(pending);
        csrf
    }

    /// True when `submitted` is this session's CSRF token (compared in constant time).
    pub fn verify_csrf(&self, submitted: &str) -> bool {
        let state = self.0.borrow();
        let expected = match (&state.record, &state.pending) {
            (Some(record), _) => record.csrf_token.as_str(),
            (None, Some(pending)) => pending.csrf_token.as_str(),
            (None, None) => return false,
        };
        !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(submitted.as_bytes()))
    }

    /// Leaves a message for the next page.
    pub fn flash(&self, flash: Flash) {
        self.0.borrow_mut().flashes_out.push(flash);
    }

    /// The messages left by the previous request (each shown once).
    pub fn take_flashes(&self) -> Vec<Flash> {
        let mut state = self.0.borrow_mut();
        let stored = state.record.as_ref().and_then(|r| r.flash.clone());
        match stored {
            Some(json) if !state.flashes_taken => {
                state.flashes_taken = true;
                serde_json::from_str(&json).unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }

    /// The frame for a page in `section`.
    pub fn layout(&self, section: Section) -> Layout {
        let csrf_token = self.csrf_token();
        let flashes = self.take_flashes();
        Layout { user: self.user(), csrf_token, flashes, section }
    }

    /// The client's address and user agent as recorded for this request.
    pub fn client(&self) -> (String, String) {
        let state = self.0.borrow();
        (state.ip.clone(), state.user_agent.clone())
    }

    /// The known-browser secret this browser sent, if any (see `models::known_browser`).
    pub fn known_browser(&self) -> Option<String> {
        self.0.borrow().browser.clone()
    }

    /// The user signed in and this browser is now known for them: send the secret.
    pub fn remember_browser(&self, secret: String) {
        self.0.borrow_mut().set_browser = Some(secret);
    }

    /// The handler stored a new session (sign-in): send its secret, forget the old one.
    pub fn replace_with(&self, secret: String) {
        let mut state = self.0.borrow_mut();
        state.record = None;
        state.pending = None;
        state.set_cookie = Some(secret);
        state.clear_cookie = false;
        state.flashes_out.clear();
    }

    /// The handler deleted this session (sign-out): clear the cookie.
    pub fn ended(&self) {
        let mut state = self.0.borrow_mut();
        state.record = None;
        state.user = None;
        state.pending = None;
        state.set_cookie = None;
        state.clear_cookie = true;
        state.flashes_out.clear();
    }
}

impl FromRequest for Session {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Session>()
                .cloned()
                .ok_or_else(|| AppError::internal("the session middleware is not installed on this route")),
        )
    }
}

/// What a new session needs to be stored: a sign-in's fresh secret and CSRF token.
pub struct Fresh {
    /// The secret for the cookie.
    pub token: Token,
    /// The CSRF token of the new session.
    pub csrf_token: String,
}

impl Fresh {
    /// A new secret and CSRF token.
    pub fn generate() -> Self {
        Self { token: Token::generate(), csrf_token: token::random_hex(32) }
    }

    /// Stores a session for `user_id` (inside the caller's transaction), with flash messages for
    /// its first page.
    pub fn store(
        &self,
        conn: &mut crate::db::DbConnection,
        user_id: Option<i64>,
        client: &(String, String),
        flashes: &[Flash],
        lifetime: TimeDelta,
        now: NaiveDateTime,
    ) -> Result<i64, AppError> {
        let flash = (!flashes.is_empty()).then(|| serde_json::to_string(flashes).unwrap_or_default());
        SessionRecord::create(
            conn,
            &NewSession {
                token_hash: &self.token.hash,
                user_id,
                csrf_token: &self.csrf_token,
                flash: flash.as_deref(),
                ip: &client.0,
                user_agent: &client.1,
                expires_at: now + lifetime,
            },
            now,
        )
    }
}

/// The client's address: the peer, or the proxy's forwarded address when trusted.
pub fn client_ip(req: &HttpRequest, trust_proxy: bool) -> String {
    let info = req.connection_info();
    let raw = if trust_proxy { info.realip_remote_addr().map(str::to_string) } else { None }
        .or_else(|| req.peer_addr().map(|a| a.ip().to_string()))
        .unwrap_or_else(|| "unknown".to_string());
    // `realip_remote_addr` may carry a port.
    match raw.parse::<std::net::SocketAddr>() {
        Ok(addr) => addr.ip().to_string(),
        Err(_) => raw,
    }
}

/// Loads the session before the handler and saves its changes after.
///
/// Errors become error pages here (never `Err`), so the outer layers still add their headers.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let path = req.path();
    if path.starts_with("/static/") || path == "/healthz" || path == "/readyz" {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    if !crate::auth::csrf::origin_allowed(req.request()) {
        return Ok(req.error_response(AppError::Csrf));
    }
    let Some(app) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(req.error_response(AppError::internal("no application state")));
    };
    let config = app.config.clone();
    let name = cookie_name(&config);
    let now = app.clock.now();
    let mut state = State {
        ip: client_ip(req.request(), config.trust_proxy_headers),
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(400)
            .collect(),
        ..State::default()
    };

    state.browser =
        req.cookie(browser_cookie_name(&config)).map(|c| c.value().to_string()).filter(|s| token::is_well_formed(s));
    if let Some(cookie) = req.cookie(name) {
        let secret = cookie.value().to_string();
        if token::is_well_formed(&secret) {
            let hash = token::hash(&secret);
            let idle = config.session_idle();
            let loaded = app
                .db(move |conn| match SessionRecord::load(conn, &hash)? {
                    Some((record, user)) => match record.validity(user.as_ref(), idle, now) {
                        Validity::Valid => Ok(Some((record, user))),
                        Validity::Ended => {
                            // Tidying only (the sweeper removes it too): a database that cannot
                            // write now still sends the visitor on to sign in.
                            if let Err(e) = SessionRecord::delete(conn, record.id) {
                                tracing::warn!(error = %e, "an ended session was not deleted");
                            }
                            Ok(None)
                        }
                    },
                    None => Ok(None),
                })
                .await;
            let loaded = match loaded {
                Ok(loaded) => loaded,
                Err(e) => return Ok(req.error_response(e)),
            };
            match loaded {
                Some((record, user)) => {
                    state.touch = now - record.last_seen_at >= TimeDelta::seconds(TOUCH_EVERY_SECONDS);
                    state.record = Some(record);
                    state.user = user;
                }
                None => state.clear_cookie = true,
            }
        } else {
            state.clear_cookie = true;
        }
    }

    let session = Session(Rc::new(RefCell::new(state)));
    req.extensions_mut().insert(session.clone());
    let mut response = next.call(req).await?.map_into_boxed_body();

    // Save what the request changed, in one statement.
    let (insert, update, set_cookie, clear_cookie) = {
        let mut state = session.0.borrow_mut();
        let flashes_out = std::mem::take(&mut state.flashes_out);
        let flash_json = (!flashes_out.is_empty()).then(|| serde_json::to_string(&flashes_out).unwrap_or_default());
        let client = (state.ip.clone(), state.user_agent.clone());
        let insert = state.pending.take().map(|p| (p, flashes_out, client));
        let update = match (&state.record, insert.is_some()) {
            (Some(record), false) => {
                let flash = match (&flash_json, state.flashes_taken) {
                    (Some(json), _) => Some(Some(json.clone())),
                    (None, true) => Some(None),
                    (None, false) => None,
                };
                let seen = state.touch.then_some(now);
                (flash.is_some() || seen.is_some()).then_some((record.id, seen, flash))
            }
            _ => None,
        };
        (insert, update, state.set_cookie.take(), state.clear_cookie)
    };
    let set_browser = session.0.borrow_mut().set_browser.take();
    let lifetime = config.session_absolute();
    // Only the last-seen time is due, or clearing messages already shown: nothing the user would
    // miss if it waits for a later request (at worst a message shows twice).
    let best_effort = insert.is_none() && update.as_ref().is_some_and(|(_, _, flash)| !matches!(flash, Some(Some(_))));
    if insert.is_some() || update.is_some() {
        let saved = app
            .db(move |conn| {
                // In a transaction even when it is one statement: SQLite reports a failed commit
                // of an autocommitted `INSERT … RETURNING` only when the statement is reset, which
                // diesel does not check, so a session that was never stored (disk full) would
                // have gone out in a cookie and every form of it answered 403.
                crate::db::write(conn, |conn| {
                    if let Some((pending, flashes, client)) = insert {
                        let fresh = Fresh { token: pending.token, csrf_token: pending.csrf_token };
                        fresh.store(conn, None, &client, &flashes, lifetime, now)?;
                    }
                    if let Some((id, seen, flash)) = update {
                        SessionRecord::save(conn, id, seen, flash.as_ref().map(|f| f.as_deref()))?;
                    }
                    Ok(())
                })
            })
            .await;
        match saved {
            // A locked, unreachable or full database does not turn a page already made into an
            // error for the sake of the last-seen time: reads keep working (SECURITY.md, promise 12).
            Err(e) if best_effort => {
                tracing::warn!(error = %e, "the session's last-seen time was not saved");
            }
            Err(e) => {
                let request = response.request().clone();
                return Ok(ServiceResponse::new(request, actix_web::ResponseError::error_response(&e)));
            }
            Ok(()) => {}
        }
    }

    if let Some(secret) = set_browser {
        let cookie = browser_cookie(secret, &config);
        response.response_mut().add_cookie(&cookie)?;
    }
    if let Some(secret) = set_cookie {
        let cookie = session_cookie(name, secret, &config);
        response.response_mut().add_cookie(&cookie)?;
    } else if clear_cookie {
        let mut cookie = session_cookie(name, String::new(), &config);
        cookie.make_removal();
        response.response_mut().add_cookie(&cookie)?;
    }
    Ok(response)
}

fn session_cookie(name: &'static str, value: String, config: &Config) -> Cookie<'static> {
    let max_age = CookieDuration::seconds(config.session_absolute().num_seconds());
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.is_https())
        .max_age(max_age)
        .finish()
}

/// The known-browser cookie: as private as the session's, kept for as long as the browser stays
/// known.
fn browser_cookie(value: String, config: &Config) -> Cookie<'static> {
    let max_age = CookieDuration::days(crate::models::known_browser::KEEP_DAYS);
    Cookie::build(browser_cookie_name(config), value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.is_https())
        .max_age(max_age)
        .finish()
}
