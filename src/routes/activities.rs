//! `/contractors/{id}/activities`, `/clients/{id}/activities`, `/jobs/{id}/activities`: a record's
//! whole timeline, and logging a call, email, meeting or note (with an optional follow-up task).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

use crate::auth::{CsrfForm, Staff};
use crate::error::AppError;
use crate::models::activity::{self, About, AboutRecord, ActivityInput, ActivityItem, Cursor, Logged};
use crate::models::contractor;
use crate::models::idempotency::{self, Once};
use crate::models::validation::FieldErrors;
use crate::pages::{self, Flash, Layout, Section};
use crate::routes::{HtmlQuery, already_created, parse_id};
use crate::state::AppState;

/// Registers this resource's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(
        resource("/contractors/{id}/activities")
            .route(get().to(contractor_timeline))
            .route(post().to(log_for_contractor)),
    )
    .service(resource("/clients/{id}/activities").route(get().to(client_timeline)).route(post().to(log_for_client)))
    .service(resource("/jobs/{id}/activities").route(get().to(job_timeline)).route(post().to(log_for_job)));
}

/// This resource's routes as (method, path pattern).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/contractors/{id}/activities"),
    ("POST", "/contractors/{id}/activities"),
    ("GET", "/clients/{id}/activities"),
    ("POST", "/clients/{id}/activities"),
    ("GET", "/jobs/{id}/activities"),
    ("POST", "/jobs/{id}/activities"),
];

/// A blank log form for the signed-in user (for the partials on record pages).
pub fn blank_form(layout: &Layout) -> ActivityInput {
    ActivityInput::blank(layout.user.as_ref().map(|u| u.id))
}

/// The hint under "When".
pub fn when_hint(layout: &Layout) -> String {
    format!("Leave empty for now. Your time zone: {}.", layout.time_zone())
}

/// A contractor record as what activities are about (templates pass ids by reference).
pub fn about_contractor(id: &i64) -> About {
    About::Contractor(*id)
}

/// A client as what activities are about.
pub fn about_client(id: &i64) -> About {
    About::Client(*id)
}

/// A job as what activities are about.
pub fn about_job(id: &i64) -> About {
    About::Job(*id)
}

/// The hint under the follow-up's title.
pub fn follow_up_hint(about: &About, name: &str) -> String {
    let record = AboutRecord { about: *about, name: name.to_string(), client_id: None };
    format!("Leave empty for “{}”.", activity::default_title(&record))
}

/// Activities shown on a client's or job's page (the full timeline pages on).
pub const TIMELINE_LENGTH: i64 = 50;

/// The navigation section of a record's pages.
fn section(about: About) -> Section {
    match about {
        About::Contractor(_) => Section::Contractors,
        About::Client(_) => Section::Clients,
        About::Job(_) => Section::Jobs,
    }
}

/// Today in the viewer's time zone.
pub(crate) fn today(staff: &Staff, now: NaiveDateTime) -> NaiveDate {
    now.and_utc().with_timezone(&staff.user.tz()).date_naive()
}

/// The timeline's query string.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TimelineQuery {
    pub before: String,
}

#[derive(Template)]
#[template(path = "activities/index.html")]
struct TimelinePage {
    layout: Layout,
    record: AboutRecord,
    activities: Vec<ActivityItem>,
    next: Option<Cursor>,
    first_page: bool,
    log_action: String,
    log_form: ActivityInput,
    log_errors: FieldErrors,
    follow_up_hint: String,
    team: Vec<(String, String)>,
    today: NaiveDate,
}

impl TimelinePage {
    fn next_url(&self) -> Option<String> {
        self.next.map(|next| format!("{}?before={}", self.log_action, next.encode()))
    }
}

/// Renders a record's timeline page with the log form (blank, or sent back with `errors`).
async fn timeline_page(
    app: &AppState,
    staff: &Staff,
    about: About,
    before: Option<Cursor>,
    log_form: ActivityInput,
    log_errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let scope = staff.scope;
    let (record, page, team) = app
        .db(move |conn| {
            let record = activity::find_about(conn, scope, about)?;
            let page = activity::page(conn, scope, about, before)?;
            let team = contractor::team_choices(conn, scope)?;
            Ok((record, page, team))
        })
        .await?;
    let today = today(staff, app.clock.now());
    pages::html_with_status(
        status,
        &TimelinePage {
            layout: staff.session.layout(section(about)),
            follow_up_hint: follow_up_hint(&about, &record.name),
            log_action: about.activities_path(),
            record,
            activities: page.items,
            next: page.next,
            first_page: before.is_none(),
            log_form,
            log_errors,
            team,
            today,
        },
    )
}

async fn show_timeline(
    app: web::Data<AppState>,
    staff: Staff,
    about: About,
    query: HtmlQuery<TimelineQuery>,
) -> Result<HttpResponse, AppError> {
    let before = match query.0.before.trim() {
        "" => None,
        raw => Some(Cursor::decode(raw).ok_or_else(|| {
            AppError::BadRequest("This page link is broken; start again from the newest activity.".into())
        })?),
    };
    let form = ActivityInput::blank(Some(staff.user.id));
    timeline_page(&app, &staff, about, before, form, FieldErrors::default(), StatusCode::OK).await
}

/// `GET /contractors/{id}/activities`: everything logged about a contractor, newest first.
pub async fn contractor_timeline(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    query: HtmlQuery<TimelineQuery>,
) -> Result<HttpResponse, AppError> {
    let about = About::Contractor(parse_id(&id)?);
    show_timeline(app, staff, about, query).await
}

/// `GET /clients/{id}/activities`: everything logged about a client and its jobs.
pub async fn client_timeline(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    query: HtmlQuery<TimelineQuery>,
) -> Result<HttpResponse, AppError> {
    let about = About::Client(parse_id(&id)?);
    show_timeline(app, staff, about, query).await
}

/// `GET /jobs/{id}/activities`: everything logged about a job.
pub async fn job_timeline(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    query: HtmlQuery<TimelineQuery>,
) -> Result<HttpResponse, AppError> {
    let about = About::Job(parse_id(&id)?);
    show_timeline(app, staff, about, query).await
}

fn logged_message(logged: &Logged, kind: &str) -> Flash {
    let kind = activity::KINDS.iter().find(|(stored, _)| *stored == kind).map_or("Activity", |(_, shown)| shown);
    if logged.repeated {
        return Flash::info(format!(
            "That {} was already logged a moment ago; nothing new was added.",
            kind.to_lowercase()
        ));
    }
    match &logged.follow_up {
        Some((title, due_on, assignee)) => Flash::success(format!(
            "{kind} logged. Follow-up “{title}” is due {} for {assignee}.",
            due_on.format("%-d %b %Y")
        )),
        None => Flash::success(format!("{kind} logged.")),
    }
}

/// Logs an activity (and its follow-up) about `about`; bad input comes back on the timeline page.
async fn log(
    app: web::Data<AppState>,
    staff: Staff,
    about: About,
    mut form: ActivityInput,
) -> Result<HttpResponse, AppError> {
    if form.follow_up_assignee_id.trim().is_empty() {
        // No choice means me, and the form shown again says so.
        form.follow_up_assignee_id = staff.user.id.to_string();
    }
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let valid = match form.validate(staff.user.tz(), now, staff.user.id) {
        Ok(valid) => valid,
        Err(AppError::Invalid(errors)) => {
            return timeline_page(&app, &staff, about, None, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Err(e),
    };
    let kind = valid.kind;
    let (me, key) = (staff.user.id, form.idempotency_key.clone());
    let logged = app.db(move |conn| {
        let create = |conn: &mut _| activity::log(conn, scope, about, &valid, &actor, now);
        idempotency::create_once(conn, me, &key, now, create, |_| Some(about.path()))
    });
    match logged.await {
        Ok(Once::Ran(logged)) => {
            staff.session.flash(logged_message(&logged, kind));
            Ok(pages::redirect(&about.path()))
        }
        Ok(Once::Repeated(location)) => Ok(already_created(&staff.session, &location)),
        Err(AppError::Invalid(errors)) => {
            timeline_page(&app, &staff, about, None, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// `POST /contractors/{id}/activities`.
pub async fn log_for_contractor(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<ActivityInput>,
) -> Result<HttpResponse, AppError> {
    let about = About::Contractor(parse_id(&id)?);
    log(app, staff, about, form.into_inner()).await
}

/// `POST /clients/{id}/activities`.
pub async fn log_for_client(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<ActivityInput>,
) -> Result<HttpResponse, AppError> {
    let about = About::Client(parse_id(&id)?);
    log(app, staff, about, form.into_inner()).await
}

/// `POST /jobs/{id}/activities`.
pub async fn log_for_job(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<ActivityInput>,
) -> Result<HttpResponse, AppError> {
    let about = About::Job(parse_id(&id)?);
    log(app, staff, about, form.into_inner()).await
}
