//! Signing in and out.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{self, CsrfForm, SignIn, Visitor};
use crate::error::AppError;
use crate::models::validation::FieldErrors;
use crate::pages::{self, Layout, Section};
use crate::state::AppState;

/// The sign-in form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginInput {
    email: String,
    password: String,
    next: String,
}

/// Query of `GET /login`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginQuery {
    next: String,
    signed_out: Option<String>,
    deleted: Option<String>,
}

#[derive(Template)]
#[template(path = "sessions/new.html")]
struct LoginPage {
    layout: Layout,
    form: LoginInput,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

/// `GET /login`.
pub async fn new(
    app: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    if visitor.session.user().is_some() {
        return Ok(pages::redirect(&pages::return_target(&query.next, "/")));
    }
    if auth::pending_sign_in(&app, &visitor).await?.is_some() {
        // The password (or a reset link, or an invitation) was accepted: the code comes next.
        return Ok(pages::redirect(&two_step_location("/login/two-step", &query.next)));
    }
    let notice = if query.deleted.is_some() {
        Some("Your account and profile are deleted. Thank you for using NextGig.")
    } else {
        query.signed_out.is_some().then_some("You have signed out.")
    };
    let form = LoginInput { next: query.next, ..LoginInput::default() };
    pages::html(&LoginPage {
        layout: visitor.session.layout(Section::None),
        form,
        errors: FieldErrors::default(),
        notice,
    })
}

/// `POST /login`.
pub async fn create(
    app: web::Data<AppState>,
    visitor: Visitor,
    form: CsrfForm<LoginInput>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    if form.email.trim().is_empty() {
        errors.add("email", "Enter your email address.");
    }
    if form.password.is_empty() {
        errors.add("password", "Enter your password.");
    }
    let mut retry_after = None;
    let status = if !errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        match auth::sign_in(&app, &visitor, &form.email, form.password.clone()).await? {
            SignIn::Done => return Ok(pages::redirect(&pages::return_target(&form.next, "/"))),
            SignIn::CodeNeeded => return Ok(pages::redirect(&two_step_location("/login/two-step", &form.next))),
            SignIn::SetupNeeded => {
                return Ok(pages::redirect(&two_step_location("/login/two-step/setup", &form.next)));
            }
            SignIn::Refused => {
                errors.add("password", "That email and password do not match an account. Check both and try again.");
                StatusCode::UNPROCESSABLE_ENTITY
            }
            SignIn::Disabled => {
                errors.add("email", "This account has been disabled. Ask your agency's admin to re-enable it.");
                StatusCode::FORBIDDEN
            }
            SignIn::Throttled { retry_after_seconds } => {
                retry_after = Some(retry_after_seconds);
                let minutes = retry_after_seconds.div_ceil(60);
                errors.add(
                    "password",
                    format!(
                        "Too many failed sign-ins. Wait {minutes} minute{} and try again, or reset your password.",
                        if minutes == 1 { "" } else { "s" }
                    ),
                );
                StatusCode::TOO_MANY_REQUESTS
            }
        }
    };
    let form = LoginInput { password: String::new(), ..form };
    let mut page = pages::html_with_status(
        status,
        &LoginPage { layout: visitor.session.layout(Section::None), form, errors, notice: None },
    )?;
    if let Some(seconds) = retry_after {
        page.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
    }
    Ok(page)
}

/// The page of the sign-in's second step, carrying where to go after it.
fn two_step_location(path: &str, next: &str) -> String {
    match pages::return_target(next, "/").as_str() {
        "/" => path.to_string(),
        next => format!("{path}?next={}", pages::encode_query(next)),
    }
}

/// The sign-out form (only the CSRF token).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// `POST /logout`.
pub async fn destroy(
    app: web::Data<AppState>,
    visitor: Visitor,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    auth::sign_out(&app, &visitor).await?;
    Ok(pages::redirect("/login?signed_out=1"))
}
