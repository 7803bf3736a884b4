//! `GET /`: the recruiter's dashboard (what they owe whom today), or the contractor's home.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

use crate::auth::{Staff, Visitor};
use crate::error::AppError;
use crate::models::dashboard::{self, Dashboard, View};
use crate::models::user::KIND_CONTRACTOR;
use crate::pages::{self, Layout, Section};
use crate::routes::HtmlQuery;
use crate::routes::activities::today;
use crate::state::AppState;

/// The dashboard's query string: `?view=team` for an admin's whole-team view.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct HomeQuery {
    pub view: String,
}

#[derive(Template)]
#[template(path = "home/index.html")]
struct HomePage {
    layout: Layout,
    board: Dashboard,
    team: bool,
    can_switch: bool,
    today: NaiveDate,
    now: NaiveDateTime,
}

impl HomePage {
    fn expires_text(&self, at: &NaiveDateTime) -> String {
        let hours = (*at - self.now).num_hours();
        match hours {
            h if h < 0 => format!("expired {}", at.format("%-d %b")),
            h if h < 24 => "expires within a day".to_string(),
            h => format!("expires in {} days", h / 24),
        }
    }
}

/// `GET /`: contractors go to their own home; staff see their dashboard (admins may ask for the
/// whole team's with `?view=team`; a recruiter asking for it gets their own).
pub async fn index(
    visitor: Visitor,
    req: actix_web::HttpRequest,
    app: web::Data<AppState>,
    query: HtmlQuery<HomeQuery>,
) -> Result<HttpResponse, AppError> {
    if visitor.session.user().is_some_and(|u| u.kind == KIND_CONTRACTOR) {
        return Ok(pages::redirect("/me"));
    }
    let staff = <Staff as actix_web::FromRequest>::extract(&req).await?;
    let can_switch = staff.user.is_admin();
    let team = can_switch && query.0.view == "team";
    let view = if team { View::Team } else { View::Mine(staff.user.id) };
    let now = app.clock.now();
    let (scope, tz, user) = (staff.scope, staff.user.tz(), staff.user.id);
    let board = app.db(move |conn| dashboard::show(conn, scope, user, view, tz, now)).await?;
    pages::html(&HomePage {
        layout: staff.session.layout(Section::Home),
        board,
        team,
        can_switch,
        today: today(&staff, now),
        now,
    })
}
