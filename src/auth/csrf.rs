//! Cross-site request forgery defence: every POST carries the session's synchronizer token as
//! `csrf_token` (checked by [`CsrfForm`], compared in constant time) and must not come from
//! another site (`Origin` and `Sec-Fetch-Site`, checked by the session middleware).

use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::auth::session::Session;
use crate::config::Config;
use crate::error::AppError;
use crate::models::audit::{self, Actor, Event};
use crate::models::validation;
use crate::state::AppState;

/// Largest form body accepted (a little over 1 MB of text in one field still gets a clear
/// "too long" message on the form rather than a bare error).
pub const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// True unless a state-changing request visibly comes from another site.
pub fn origin_allowed(req: &HttpRequest) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && site != "same-origin"
        && site != "none"
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    let Ok(origin) = origin.to_str() else { return false };
    let config = req.app_data::<web::Data<AppState>>().map(|s| s.config.clone());
    origin_matches(origin, req.connection_info().host(), config.as_deref())
}

fn origin_matches(origin: &str, host: &str, config: Option<&Config>) -> bool {
    if origin == "null" {
        return false;
    }
    if let Some(config) = config
        && origin.eq_ignore_ascii_case(&config.public_url())
    {
        return true;
    }
    // The browser could only have sent this Origin for the page it loaded from this Host.
    origin.split_once("://").is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
}

/// A URL-encoded form whose `csrf_token` matched the session's. The token is removed before the
/// rest is read into `T`, so `T` can refuse unknown fields.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<T> CsrfForm<T> {
    /// The form's fields.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            if req.content_type() != "application/x-www-form-urlencoded" {
                return Err(AppError::BadRequest("This address expects a submitted form.".into()));
            }
            let body = read_body(&mut payload, FORM_LIMIT).await?;
            let session = Session::extract(&req).await?;
            let mut token = None;
            let mut duplicate = false;
            let mut rest: Vec<(String, String)> = Vec::new();
            for (key, value) in url::form_urlencoded::parse(&body) {
                if key == "csrf_token" {
                    duplicate |= token.is_some();
                    token = Some(value.into_owned());
                } else {
                    rest.push((key.into_owned(), value.into_owned()));
                }
            }
            let valid = !duplicate && token.as_deref().is_some_and(|t| session.verify_csrf(t));
            if !valid {
                record_failure(&req, &session).await;
                return Err(AppError::Csrf);
            }
            let problems = validation::check_submitted(rest.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            if !problems.is_empty() {
                return Err(AppError::Invalid(problems));
            }
            let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(rest).finish();
            serde_html_form::from_str::<T>(&encoded)
                .map(CsrfForm)
                .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}.")))
        })
    }
}

/// Reads a request body, refusing more than `limit` bytes before it is all in memory.
pub async fn read_body(payload: &mut Payload, limit: usize) -> Result<web::Bytes, AppError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("The request body could not be read: {e}.")))?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Notes a refused form in the audit log (best effort: a failure here changes nothing).
pub async fn record_failure(req: &HttpRequest, session: &Session) {
    record_refusal(req, session, "csrf.failed").await;
}

/// Notes a refused request in the audit log as `action`, with the method and path (best effort).
pub async fn record_refusal(req: &HttpRequest, session: &Session, action: &'static str) {
    let Some(app) = req.app_data::<web::Data<AppState>>().cloned() else { return };
    let user = session.user();
    let (ip, user_agent) = session.client();
    let actor =
        Actor { user_id: user.as_ref().map(|u| u.id), agency_id: user.and_then(|u| u.agency_id), ip, user_agent };
    // The route, never the raw path: a token in a link's path must not reach the audit log.
    let detail = format!("{} {}", req.method(), crate::telemetry::shown_path(req));
    let now = app.clock.now();
    let _ = app.db(move |conn| audit::record(conn, &actor, Event::new(action, detail), now)).await;
}
