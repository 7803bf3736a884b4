//! `/admin/team`: the agency's members and invitations.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::{Admin, CsrfForm};
use crate::error::AppError;
use crate::models::audit::{self, Event};
use crate::models::invitation::{self, InvitationInput, LinkContext, PendingInvitation};
use crate::models::two_factor;
use crate::models::user::{Role, User};
use crate::models::validation::FieldErrors;
use crate::pages::{self, Flash, Layout, Section};
use crate::routes::parse_id;
use crate::routes::sessions::Empty;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "team/index.html")]
struct TeamPage {
    layout: Layout,
    members: Vec<User>,
    invitations: Vec<PendingInvitation>,
    form: InvitationInput,
    errors: FieldErrors,
    me: i64,
    /// Members who sign in with two steps.
    two_step: std::collections::HashSet<i64>,
    /// The agency requires two-step sign-in of everyone.
    two_step_required: bool,
}

impl TeamPage {
    fn role_label(&self, member: &User) -> &'static str {
        member.role().map_or("", Role::label)
    }
}

async fn team_page(
    app: &AppState,
    admin: &Admin,
    form: InvitationInput,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let scope = admin.0.scope;
    let now = app.clock.now();
    let (members, invitations, two_step, two_step_required) = app
        .db(move |conn| {
            Ok((
                User::team(conn, scope)?,
                invitation::pending(conn, scope, now)?,
                two_factor::enabled_in_agency(conn, scope)?,
                two_factor::agency_requires(conn, scope)?,
            ))
        })
        .await?;
    let layout = admin.0.session.layout(Section::Team);
    let me = admin.0.user.id;
    let page = TeamPage { layout, members, invitations, form, errors, me, two_step, two_step_required };
    pages::html_with_status(status, &page)
}

/// `GET /admin/team`.
pub async fn index(app: web::Data<AppState>, admin: Admin) -> Result<HttpResponse, AppError> {
    let form = InvitationInput { role: Role::Recruiter.as_str().into(), ..InvitationInput::default() };
    team_page(&app, &admin, form, FieldErrors::default(), StatusCode::OK).await
}

fn link(app: &AppState) -> (String, chrono::TimeDelta) {
    (app.base_url(), app.config.invitation_lifetime())
}

/// `POST /admin/invitations`.
pub async fn invite(
    app: web::Data<AppState>,
    admin: Admin,
    form: CsrfForm<InvitationInput>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let (scope, actor, now) = (admin.0.scope, admin.0.actor.clone(), app.clock.now());
    let (base_url, lifetime) = link(&app);
    let input = form.clone();
    let created = app
        .db(move |conn| {
            invitation::create(conn, scope, &input, LinkContext { base_url: &base_url, lifetime }, &actor, now)
        })
        .await;
    match created {
        Ok(invitation) => {
            admin.0.session.flash(Flash::success(format!("Invitation sent to {}.", invitation.email)));
            Ok(pages::redirect("/admin/team"))
        }
        Err(AppError::Invalid(errors)) => team_page(&app, &admin, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(e),
    }
}

/// `POST /admin/invitations/{id}/resend`.
pub async fn resend(
    app: web::Data<AppState>,
    admin: Admin,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (scope, actor, now) = (admin.0.scope, admin.0.actor.clone(), app.clock.now());
    let (base_url, lifetime) = link(&app);
    let invitation = app
        .db(move |conn| invitation::resend(conn, scope, id, LinkContext { base_url: &base_url, lifetime }, &actor, now))
        .await?;
    admin.0.session.flash(Flash::success(format!(
        "Invitation sent again to {}. The earlier link no longer works.",
        invitation.email
    )));
    Ok(pages::redirect("/admin/team"))
}

/// `POST /admin/invitations/{id}/revoke`.
pub async fn revoke(
    app: web::Data<AppState>,
    admin: Admin,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (scope, actor, now) = (admin.0.scope, admin.0.actor.clone(), app.clock.now());
    let invitation = app.db(move |conn| invitation::revoke(conn, scope, id, &actor, now)).await?;
    admin.0.session.flash(Flash::success(format!("Invitation for {} withdrawn.", invitation.email)));
    Ok(pages::redirect("/admin/team"))
}

/// `POST /admin/team/{id}/disable`: the member's sessions end at once.
pub async fn disable(
    app: web::Data<AppState>,
    admin: Admin,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    set_disabled(app, admin, id, true).await
}

/// `POST /admin/team/{id}/enable`.
pub async fn enable(
    app: web::Data<AppState>,
    admin: Admin,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    set_disabled(app, admin, id, false).await
}

async fn set_disabled(
    app: web::Data<AppState>,
    admin: Admin,
    id: web::Path<String>,
    disabled: bool,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (scope, actor, now) = (admin.0.scope, admin.0.actor.clone(), app.clock.now());
    let me = admin.0.user.id;
    let result = app
        .db(move |conn| {
            crate::db::write(conn, |conn| {
                let member = User::find_in_agency(conn, scope, id)?;
                if disabled && member.id == me {
                    return Err(AppError::invalid("member", "You cannot disable your own account."));
                }
                let member = User::set_disabled(conn, scope, id, disabled, now)?;
                if disabled && member.role() == Some(Role::Admin) && User::active_admin_count(conn, scope)? == 0 {
                    return Err(AppError::invalid("member", "The agency needs at least one enabled admin."));
                }
                let action = if disabled { "user.disabled" } else { "user.enabled" };
                audit::record(conn, &actor, Event::on(action, "user", member.id, member.email.clone()), now)?;
                Ok(member)
            })
        })
        .await;
    match result {
        Ok(member) => {
            let message = if disabled {
                format!("{} is disabled and signed out everywhere.", member.name)
            } else {
                format!("{} can sign in again.", member.name)
            };
            admin.0.session.flash(Flash::success(message));
        }
        Err(AppError::Invalid(errors)) => admin.0.session.flash(Flash::error(errors.summary())),
        Err(e) => return Err(e),
    }
    Ok(pages::redirect("/admin/team"))
}
