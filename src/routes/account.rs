//! `/account`: the signed-in user's own account (staff or contractor) — time zone, password and
//! sessions.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{CsrfForm, Member};
use crate::db;
use crate::error::AppError;
use crate::models::audit::{self, Event};
use crate::models::password;
use crate::models::session::SessionRecord;
use crate::models::two_factor;
use crate::models::user::User;
use crate::models::validation::FieldErrors;
use crate::pages::{self, Flash, Layout, Section};
use crate::routes::sessions::Empty;
use crate::state::AppState;

/// The change-password form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChangePasswordInput {
    current_password: String,
    new_password: String,
}

#[derive(Template)]
#[template(path = "account/show.html")]
struct AccountPage {
    layout: Layout,
    other_sessions: i64,
    errors: FieldErrors,
    /// Staff only: their two-step sign-in, if on.
    two_step: Option<two_factor::Status>,
    /// Staff only: their agency requires two-step sign-in.
    two_step_required: bool,
}

/// The account page, with `errors` beside the form that was sent (also for the two-step forms).
pub(crate) async fn account_page(
    app: &AppState,
    staff: &Member,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let user_id = staff.user.id;
    let scope = staff.user.agency_scope();
    let (sessions, two_step, two_step_required) = app
        .db(move |conn| {
            let sessions = SessionRecord::count_for_user(conn, user_id)?;
            let Some(scope) = scope else { return Ok((sessions, None, false)) };
            Ok((sessions, two_factor::status(conn, user_id)?, two_factor::agency_requires(conn, scope)?))
        })
        .await?;
    let layout = staff.session.layout(Section::Account);
    let other_sessions = (sessions - 1).max(0);
    pages::html_with_status(status, &AccountPage { layout, other_sessions, errors, two_step, two_step_required })
}

/// `GET /account`.
pub async fn show(app: web::Data<AppState>, staff: Member) -> Result<HttpResponse, AppError> {
    account_page(&app, &staff, FieldErrors::default(), StatusCode::OK).await
}

/// `POST /account/password`: needs the current password; ends every other session.
pub async fn change_password(
    app: web::Data<AppState>,
    staff: Member,
    form: CsrfForm<ChangePasswordInput>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let user_id = staff.user.id;
    let user = app.db(move |conn| User::find(conn, user_id)).await?;
    let mut errors = FieldErrors::default();
    if !app.hasher.verify(form.current_password.clone(), Some(user.password_hash.clone())).await? {
        errors.add("current_password", "That is not your current password.");
    }
    password::check(&mut errors, "new_password", &form.new_password, &[&user.name, &user.email]);
    if !errors.is_empty() {
        return account_page(&app, &staff, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let hash = app.hasher.hash(form.new_password).await?;
    let (keep, actor, now) = (staff.session.id(), staff.actor.clone(), app.clock.now());
    app.db(move |conn| {
        db::write(conn, |conn| {
            User::set_password(conn, user_id, &hash, keep, now)?;
            audit::record(conn, &actor, Event::on("password.changed", "user", user_id, "other sessions ended"), now)
        })
    })
    .await?;
    staff.session.flash(Flash::success("Password changed. Your other sessions are signed out."));
    Ok(pages::redirect("/account"))
}

/// The time-zone form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimeZoneInput {
    time_zone: String,
}

/// `POST /account/time-zone`: the zone dates and times are shown in (tasks "today", interviews).
pub async fn change_time_zone(
    app: web::Data<AppState>,
    staff: Member,
    form: CsrfForm<TimeZoneInput>,
) -> Result<HttpResponse, AppError> {
    let zone = form.into_inner().time_zone;
    let (user_id, actor, now) = (staff.user.id, staff.actor.clone(), app.clock.now());
    match app.db(move |conn| User::set_time_zone(conn, user_id, &zone, &actor, now)).await {
        Ok(zone) => {
            staff.session.flash(Flash::success(format!("Times are now shown in {zone}.")));
            Ok(pages::redirect("/account"))
        }
        Err(AppError::Invalid(errors)) => account_page(&app, &staff, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(e),
    }
}

/// `POST /account/sessions/end-others`: signs out every other device.
pub async fn end_other_sessions(
    app: web::Data<AppState>,
    staff: Member,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (user_id, keep, actor, now) = (staff.user.id, staff.session.id(), staff.actor.clone(), app.clock.now());
    app.db(move |conn| {
        db::write(conn, |conn| {
            SessionRecord::delete_others(conn, user_id, keep)?;
            audit::record(conn, &actor, Event::on("sessions.ended", "user", user_id, "other sessions"), now)
        })
    })
    .await?;
    staff.session.flash(Flash::success("Every other session is signed out."));
    Ok(pages::redirect("/account"))
}
