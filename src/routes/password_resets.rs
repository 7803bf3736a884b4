//! Forgotten passwords: request a link by email, then choose a new password with it.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::{self, CsrfForm, Visitor};
use crate::db;
use crate::error::AppError;
use crate::models::password_reset::{self, NewPasswordInput, ResetRequestInput};
use crate::models::user::User;
use crate::models::validation::FieldErrors;
use crate::pages::{self, Flash, Layout, Section};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "password_resets/new.html")]
struct RequestPage {
    layout: Layout,
    form: ResetRequestInput,
    errors: FieldErrors,
    sent: bool,
}

#[derive(Template)]
#[template(path = "password_resets/edit.html")]
struct ChoosePage {
    layout: Layout,
    token: String,
    email: String,
    errors: FieldErrors,
}

/// `GET /password-reset`.
pub async fn new(visitor: Visitor) -> Result<HttpResponse, AppError> {
    let layout = visitor.session.layout(Section::None);
    pages::html(&RequestPage {
        layout,
        form: ResetRequestInput::default(),
        errors: FieldErrors::default(),
        sent: false,
    })
}

/// `POST /password-reset`: the same answer whether or not the email has an account.
pub async fn create(
    app: web::Data<AppState>,
    visitor: Visitor,
    form: CsrfForm<ResetRequestInput>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let email = match form.validate() {
        Ok(email) => email,
        Err(AppError::Invalid(errors)) => {
            let layout = visitor.session.layout(Section::None);
            return pages::html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &RequestPage { layout, form, errors, sent: false },
            );
        }
        Err(e) => return Err(e),
    };
    let (base_url, lifetime, actor, now) =
        (app.base_url(), app.config.password_reset_lifetime(), visitor.actor.clone(), app.clock.now());
    let form = ResetRequestInput { email: email.clone() };
    app.db(move |conn| password_reset::request(conn, &email, &base_url, lifetime, &actor, now)).await?;
    let layout = visitor.session.layout(Section::None);
    pages::html(&RequestPage { layout, form, errors: FieldErrors::default(), sent: true })
}

async fn open(app: &AppState, token: &str) -> Result<User, AppError> {
    let (token, now) = (token.to_string(), app.clock.now());
    app.db(move |conn| password_reset::open(conn, &token, now)).await
}

/// `GET /password-reset/{token}`.
pub async fn edit(
    app: web::Data<AppState>,
    visitor: Visitor,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let user = open(&app, &token).await?;
    let layout = visitor.session.layout(Section::None);
    pages::html(&ChoosePage { layout, token, email: user.email, errors: FieldErrors::default() })
}

/// `POST /password-reset/{token}`: sets the password, ends every other session, signs in.
pub async fn update(
    app: web::Data<AppState>,
    visitor: Visitor,
    token: web::Path<String>,
    form: CsrfForm<NewPasswordInput>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let form = form.into_inner();
    let user = open(&app, &token).await?;
    if let Err(e) = form.validate(&user) {
        return match e {
            AppError::Invalid(errors) => {
                let layout = visitor.session.layout(Section::None);
                pages::html_with_status(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &ChoosePage { layout, token, email: user.email, errors },
                )
            }
            e => Err(e),
        };
    }
    let password_hash = app.hasher.hash(form.password).await?;
    let now = app.clock.now();
    let (secret, actor, session_id, client) =
        (token, visitor.actor.clone(), visitor.session.id(), visitor.session.client());
    let lifetime = app.config.session_absolute();
    let started = app
        .db(move |conn| {
            let user = password_reset::complete(conn, &secret, &password_hash, &actor, now)?;
            let flash = Flash::success("Your password is changed, and every other session is signed out.");
            db::write(conn, |conn| auth::start_session_for(conn, session_id, user.id, &client, flash, lifetime, now))
        })
        .await?;
    auth::send_started(&visitor.session, started);
    Ok(pages::redirect("/"))
}
