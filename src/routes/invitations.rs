//! Accepting a team invitation from its emailed link.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::{self, CsrfForm, Visitor};
use crate::db;
use crate::error::AppError;
use crate::models::invitation::{self, AcceptInput, OpenInvitation};
use crate::models::validation::FieldErrors;
use crate::pages::{self, Flash, Layout, Section};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "invitations/show.html")]
struct AcceptPage {
    layout: Layout,
    token: String,
    invitation: OpenInvitation,
    form: AcceptInput,
    errors: FieldErrors,
}

async fn open(app: &AppState, token: &str) -> Result<OpenInvitation, AppError> {
    let (token, now) = (token.to_string(), app.clock.now());
    app.db(move |conn| invitation::open(conn, &token, now)).await
}

/// `GET /invitations/{token}`.
pub async fn show(
    app: web::Data<AppState>,
    visitor: Visitor,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let invitation = open(&app, &token).await?;
    let layout = visitor.session.layout(Section::None);
    pages::html(&AcceptPage { layout, token, invitation, form: AcceptInput::default(), errors: FieldErrors::default() })
}

/// `POST /invitations/{token}`: creates the account, signs it in.
pub async fn accept(
    app: web::Data<AppState>,
    visitor: Visitor,
    token: web::Path<String>,
    form: CsrfForm<AcceptInput>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let form = form.into_inner();
    let invitation = open(&app, &token).await?;
    if invitation.email_taken {
        return Err(AppError::NotFound);
    }
    let valid = match form.validate(&invitation.invitation.email) {
        Ok(valid) => valid,
        Err(AppError::Invalid(errors)) => return show_again(&visitor, token, invitation, form, errors),
        Err(e) => return Err(e),
    };
    let password_hash = app.hasher.hash(form.password.clone()).await?;
    let now = app.clock.now();
    let (secret, actor, session_id, client) =
        (token.clone(), visitor.actor.clone(), visitor.session.id(), visitor.session.client());
    let lifetime = app.config.session_absolute();
    let welcome = Flash::success(format!("Welcome to {}. You are signed in.", invitation.agency_name));
    let outcome = app
        .db(move |conn| {
            let user = invitation::accept(conn, &secret, &valid, &password_hash, &actor, now)?;
            db::write(conn, |conn| auth::start_session_for(conn, session_id, user.id, &client, welcome, lifetime, now))
        })
        .await;
    match outcome {
        Ok(session_secret) => {
            visitor.session.replace_with(session_secret);
            Ok(pages::redirect("/"))
        }
        Err(AppError::Invalid(errors)) => show_again(&visitor, token, invitation, form, errors),
        Err(e) => Err(e),
    }
}

fn show_again(
    visitor: &Visitor,
    token: String,
    invitation: OpenInvitation,
    form: AcceptInput,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let form = AcceptInput { password: String::new(), ..form };
    let layout = visitor.session.layout(Section::None);
    pages::html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &AcceptPage { layout, token, invitation, form, errors })
}
