//! First run: the one-time setup link creates the first agency and its admin.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{self, CsrfForm, Visitor};
use crate::db;
use crate::error::AppError;
use crate::models::setup::{self, SetupInput};
use crate::models::validation::FieldErrors;
use crate::pages::{self, Flash, Layout, Section};
use crate::state::AppState;

/// Query of `GET /setup`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetupQuery {
    token: String,
}

#[derive(Template)]
#[template(path = "setup/new.html")]
struct SetupPage {
    layout: Layout,
    form: SetupInput,
    errors: FieldErrors,
}

/// `GET /setup?token=…`.
pub async fn new(
    app: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<SetupQuery>,
) -> Result<HttpResponse, AppError> {
    let token = query.into_inner().token;
    let now = app.clock.now();
    let probe = token.clone();
    if !app.db(move |conn| setup::token_is_open(conn, &probe, now)).await? {
        return Err(AppError::NotFound);
    }
    let form = SetupInput { token, ..SetupInput::default() };
    pages::html(&SetupPage { layout: visitor.session.layout(Section::None), form, errors: FieldErrors::default() })
}

/// `POST /setup`.
pub async fn create(
    app: web::Data<AppState>,
    visitor: Visitor,
    form: CsrfForm<SetupInput>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let valid = match form.validate() {
        Ok(valid) => valid,
        Err(AppError::Invalid(errors)) => return show_again(&visitor, form, errors),
        Err(e) => return Err(e),
    };
    let password_hash = app.hasher.hash(form.password.clone()).await?;
    let now = app.clock.now();
    let (secret, actor, session_id, client) =
        (form.token.clone(), visitor.actor.clone(), visitor.session.id(), visitor.session.client());
    let lifetime = app.config.session_absolute();
    let outcome = app
        .db(move |conn| {
            let admin = setup::complete(conn, &secret, &valid, &password_hash, &actor, now)?;
            let welcome = Flash::success(format!(
                "Welcome to NextGig, {}. Your agency is ready: invite your team next.",
                admin.name
            ));
            db::write(conn, |conn| auth::start_session_for(conn, session_id, admin.id, &client, welcome, lifetime, now))
        })
        .await;
    match outcome {
        Ok(started) => {
            auth::send_started(&visitor.session, started);
            Ok(pages::redirect("/admin/team"))
        }
        Err(AppError::Invalid(errors)) => show_again(&visitor, form, errors),
        Err(e) => Err(e),
    }
}

fn show_again(visitor: &Visitor, form: SetupInput, errors: FieldErrors) -> Result<HttpResponse, AppError> {
    let form = SetupInput { password: String::new(), ..form };
    pages::html_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &SetupPage { layout: visitor.session.layout(Section::None), form, errors },
    )
}
