//! Notifications: the bell's notices (`/account/notices`), the email choices
//! (`/account/notifications`), and the one-click unsubscribe links emails carry
//! (`/unsubscribe/{token}`, no sign-in needed).

use actix_web::web::{get, resource};
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::TimeZone;
use serde::Deserialize;

use crate::auth::{CsrfForm, Member, Visitor};
use crate::error::AppError;
use crate::models::notification::{self, Notice};
use crate::pages::{self, Flash, Layout, Section};
use crate::routes::sessions::Empty;
use crate::state::AppState;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/account/notices").route(get().to(notices)))
        .service(resource("/account/notifications").route(get().to(settings)).route(web::post().to(save_settings)))
        .service(resource("/unsubscribe/{token}").route(get().to(unsubscribe_page)).route(web::post().to(unsubscribe)));
}

/// The routes, for the isolation matrix.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/account/notices"),
    ("GET", "/account/notifications"),
    ("POST", "/account/notifications"),
    ("GET", "/unsubscribe/{token}"),
    ("POST", "/unsubscribe/{token}"),
];

#[derive(Template)]
#[template(path = "notifications/notices.html")]
struct NoticesPage {
    layout: Layout,
    notices: Vec<(Notice, String)>,
}

/// `GET /account/notices`: the user's notices, newest first; opening the list marks them read.
pub async fn notices(app: web::Data<AppState>, member: Member) -> Result<HttpResponse, AppError> {
    let (user_id, now) = (member.user.id, app.clock.now());
    let list = app.db(move |conn| notification::open_list(conn, user_id, now)).await?;
    let zone: chrono_tz::Tz = member.user.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let notices = list
        .into_iter()
        .map(|n| {
            let when = zone.from_utc_datetime(&n.created_at).format("%-d %b %Y, %H:%M").to_string();
            (n, when)
        })
        .collect();
    let mut layout = member.session.layout(Section::Account);
    // The list is open now: the bell has nothing unread.
    if let Some(user) = layout.user.as_mut() {
        user.unread_notices = 0;
    }
    pages::html(&NoticesPage { layout, notices })
}

#[derive(Template)]
#[template(path = "notifications/settings.html")]
struct SettingsPage {
    layout: Layout,
    choices: Vec<(&'static str, &'static str, bool)>,
}

/// `GET /account/notifications`: which emails the user gets.
pub async fn settings(app: web::Data<AppState>, member: Member) -> Result<HttpResponse, AppError> {
    let (email, kind) = (member.user.email.clone(), member.user.kind.clone());
    let choices = app.db(move |conn| notification::choices(conn, &email, &kind)).await?;
    pages::html(&SettingsPage { layout: member.session.layout(Section::Account), choices })
}

/// The choices form: the kinds left on.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChoicesInput {
    kinds: Vec<String>,
}

/// `POST /account/notifications`.
pub async fn save_settings(
    app: web::Data<AppState>,
    member: Member,
    form: CsrfForm<ChoicesInput>,
) -> Result<HttpResponse, AppError> {
    let kinds = form.into_inner().kinds;
    let (email, kind, now) = (member.user.email.clone(), member.user.kind.clone(), app.clock.now());
    app.db(move |conn| notification::save_choices(conn, &email, &kind, &kinds, now)).await?;
    member.session.flash(Flash::success("Your email choices are saved."));
    Ok(pages::redirect("/account/notifications"))
}

#[derive(Template)]
#[template(path = "notifications/unsubscribe.html")]
struct UnsubscribePage {
    layout: Layout,
    token: String,
    email: String,
    label: &'static str,
    done: bool,
}

/// `GET /unsubscribe/{token}`: what the link stops, and a button (mail scanners that follow
/// links change nothing).
pub async fn unsubscribe_page(
    app: web::Data<AppState>,
    visitor: Visitor,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let secret = token.clone();
    let (email, kind) = app.db(move |conn| notification::open_unsubscribe(conn, &secret)).await?;
    let layout = visitor.session.layout(Section::None);
    pages::html(&UnsubscribePage { layout, token, email, label: notification::label(&kind), done: false })
}

/// `POST /unsubscribe/{token}`: stops that kind of email for that address (no sign-in needed).
pub async fn unsubscribe(
    app: web::Data<AppState>,
    visitor: Visitor,
    token: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (secret, now) = (token.clone(), app.clock.now());
    let (email, kind) = app
        .db(move |conn| {
            let found = notification::open_unsubscribe(conn, &secret)?;
            notification::unsubscribe(conn, &secret, now)?;
            Ok(found)
        })
        .await?;
    let layout = visitor.session.layout(Section::None);
    pages::html(&UnsubscribePage { layout, token, email, label: notification::label(&kind), done: true })
}
