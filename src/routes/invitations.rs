//! Accepting an invitation from its emailed link: a team invitation (staff), or an agency's
//! invitation to a contractor to keep their own profile.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::{self, CsrfForm, Visitor};
use crate::db;
use crate::error::AppError;
use crate::models::contractor_invitation;
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

/// A team invitation's page.
async fn staff_show(
    app: web::Data<AppState>,
    visitor: Visitor,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let invitation = open(&app, &token).await?;
    let layout = visitor.session.layout(Section::None);
    pages::html(&AcceptPage { layout, token, invitation, form: AcceptInput::default(), errors: FieldErrors::default() })
}

/// Accepts a team invitation: creates the account, signs it in.
async fn staff_accept(
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
        Ok(started) => {
            auth::send_started(&visitor.session, started);
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

#[derive(Template)]
#[template(path = "invitations/contractor.html")]
struct ContractorPage {
    layout: Layout,
    token: String,
    invitation: contractor_invitation::OpenInvitation,
    /// The invited account is the one signed in now.
    signed_in_as_invitee: bool,
    form: AcceptInput,
    errors: FieldErrors,
}

enum Opened {
    Staff,
    Contractor(contractor_invitation::OpenInvitation),
}

async fn open_any(app: &AppState, token: &str) -> Result<Opened, AppError> {
    let (secret, now) = (token.to_string(), app.clock.now());
    app.db(move |conn| match invitation::open(conn, &secret, now) {
        Ok(_) => Ok(Opened::Staff),
        Err(AppError::NotFound) => contractor_invitation::open(conn, &secret, now).map(Opened::Contractor),
        Err(e) => Err(e),
    })
    .await
}

fn invitee_signed_in(visitor: &Visitor, invitation: &contractor_invitation::OpenInvitation) -> bool {
    matches!(invitation.account, contractor_invitation::Account::Contractor(id) if visitor.session.user().is_some_and(|u| u.id == id))
}

fn contractor_page(
    visitor: &Visitor,
    token: String,
    invitation: contractor_invitation::OpenInvitation,
    form: AcceptInput,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let signed_in_as_invitee = invitee_signed_in(visitor, &invitation);
    let layout = visitor.session.layout(Section::None);
    pages::html_with_status(status, &ContractorPage { layout, token, invitation, signed_in_as_invitee, form, errors })
}

/// `GET /invitations/{token}`.
pub async fn show(
    app: web::Data<AppState>,
    visitor: Visitor,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    match open_any(&app, &token).await? {
        Opened::Staff => staff_show(app, visitor, web::Path::from(token)).await,
        Opened::Contractor(invitation) => {
            let form = AcceptInput { name: invitation.name.clone(), ..AcceptInput::default() };
            contractor_page(&visitor, token, invitation, form, FieldErrors::default(), StatusCode::OK)
        }
    }
}

/// `POST /invitations/{token}`.
pub async fn accept(
    app: web::Data<AppState>,
    visitor: Visitor,
    token: web::Path<String>,
    form: CsrfForm<AcceptInput>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let invitation = match open_any(&app, &token).await? {
        Opened::Staff => return staff_accept(app, visitor, web::Path::from(token), form).await,
        Opened::Contractor(invitation) => invitation,
    };
    let form = form.into_inner();
    let now = app.clock.now();
    match invitation.account {
        contractor_invitation::Account::New => {
            let input = contractor_invitation::SignUpInput {
                name: form.name.clone(),
                password: form.password.clone(),
                time_zone: form.time_zone.clone(),
            };
            let zone = form.time_zone.clone();
            let name = match input.validate(&invitation.email) {
                Ok(name) => name,
                Err(AppError::Invalid(errors)) => {
                    let form = AcceptInput { password: String::new(), ..form };
                    return contractor_page(
                        &visitor,
                        token,
                        invitation,
                        form,
                        errors,
                        StatusCode::UNPROCESSABLE_ENTITY,
                    );
                }
                Err(e) => return Err(e),
            };
            let password_hash = app.hasher.hash(form.password).await?;
            let (secret, actor, session_id, client) =
                (token.clone(), visitor.actor.clone(), visitor.session.id(), visitor.session.client());
            let lifetime = app.config.session_absolute();
            let welcome = Flash::success(format!(
                "Welcome to NextGig. {} now sees what you keep here. Check that your availability is right.",
                invitation.agency_name
            ));
            let started = app
                .db(move |conn| {
                    let user =
                        contractor_invitation::accept_new(conn, &secret, &name, &zone, &password_hash, &actor, now)?;
                    db::write(conn, |conn| {
                        auth::start_session_for(conn, session_id, user.id, &client, welcome, lifetime, now)
                    })
                })
                .await?;
            auth::send_started(&visitor.session, started);
            Ok(pages::redirect("/me"))
        }
        contractor_invitation::Account::Contractor(user_id) if invitee_signed_in(&visitor, &invitation) => {
            let (secret, actor) = (token.clone(), visitor.actor.clone());
            let agency =
                app.db(move |conn| contractor_invitation::accept_existing(conn, &secret, user_id, &actor, now)).await?;
            visitor
                .session
                .flash(Flash::success(format!("{agency} now sees the profile and availability you keep here.")));
            Ok(pages::redirect("/me/agencies"))
        }
        _ => Err(AppError::NotFound),
    }
}
