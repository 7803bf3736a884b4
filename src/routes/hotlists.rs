//! `/hotlists…`: named lists of the agency's contractors, each member with a note; exportable.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;
use serde::Deserialize;

use crate::auth::{CsrfForm, Staff};
use crate::error::AppError;
use crate::models::contractor::{self, Contractor};
use crate::models::contractor_csv;
use crate::models::hotlist::{self, Hotlist, HotlistInput, HotlistSummary, MemberPage};
use crate::models::validation::FieldErrors;
use crate::pages::{self, Flash, Layout, Section};
use crate::routes::sessions::Empty;
use crate::routes::{HtmlQuery, parse_id};
use crate::state::AppState;

/// Registers this resource's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/hotlists").route(get().to(index)).route(post().to(create)))
        .service(resource("/hotlists/add").route(get().to(add_form)).route(post().to(add)))
        .service(resource("/hotlists/{id}").route(get().to(show)).route(post().to(update)))
        .service(resource("/hotlists/{id}/edit").route(get().to(edit)))
        .service(resource("/hotlists/{id}/delete").route(get().to(confirm_delete)).route(post().to(delete)))
        .service(resource("/hotlists/{id}/export.csv").route(get().to(export)))
        .service(resource("/hotlists/{id}/members").route(post().to(add_member)))
        .service(resource("/hotlists/{id}/members/note").route(post().to(member_note)))
        .service(resource("/hotlists/{id}/members/remove").route(post().to(remove_member)));
}

/// This resource's routes as (method, path pattern).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/hotlists"),
    ("POST", "/hotlists"),
    ("GET", "/hotlists/add"),
    ("POST", "/hotlists/add"),
    ("GET", "/hotlists/{id}"),
    ("POST", "/hotlists/{id}"),
    ("GET", "/hotlists/{id}/edit"),
    ("GET", "/hotlists/{id}/delete"),
    ("POST", "/hotlists/{id}/delete"),
    ("GET", "/hotlists/{id}/export.csv"),
    ("POST", "/hotlists/{id}/members"),
    ("POST", "/hotlists/{id}/members/note"),
    ("POST", "/hotlists/{id}/members/remove"),
];

#[derive(Template)]
#[template(path = "hotlists/index.html")]
struct IndexPage {
    layout: Layout,
    hotlists: Vec<HotlistSummary>,
    form: HotlistInput,
    errors: FieldErrors,
}

async fn index_page(
    app: &AppState,
    staff: &Staff,
    form: HotlistInput,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let scope = staff.scope;
    let hotlists = app.db(move |conn| hotlist::list(conn, scope)).await?;
    let layout = staff.session.layout(Section::Hotlists);
    pages::html_with_status(status, &IndexPage { layout, hotlists, form, errors })
}

/// `GET /hotlists`: the agency's hotlists with their member counts, and a form for a new one.
pub async fn index(app: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    index_page(&app, &staff, HotlistInput::default(), FieldErrors::default(), StatusCode::OK).await
}

/// `POST /hotlists`.
pub async fn create(
    app: web::Data<AppState>,
    staff: Staff,
    form: CsrfForm<HotlistInput>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let outcome = match form.validate() {
        Ok(valid) => app.db(move |conn| hotlist::create(conn, scope, &valid, &actor, now)).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(created) => {
            staff.session.flash(Flash::success(format!("Hotlist \"{}\" created.", created.name)));
            Ok(pages::redirect(&format!("/hotlists/{}", created.id)))
        }
        Err(AppError::Invalid(errors)) => {
            index_page(&app, &staff, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// `GET /hotlists/{id}` parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    pub sort: String,
    pub page: String,
}

#[derive(Template)]
#[template(path = "hotlists/show.html")]
struct ShowPage {
    layout: Layout,
    hotlist: Hotlist,
    page: MemberPage,
    sort: String,
    now: chrono::NaiveDateTime,
}

impl ShowPage {
    fn page_url(&self, page: i64) -> String {
        let mut url = format!("/hotlists/{}?page={page}", self.hotlist.id);
        if !self.sort.is_empty() {
            url.push_str(&format!("&sort={}", pages::encode_query(&self.sort)));
        }
        url
    }

    fn sort_url(&self, sort: &str) -> String {
        format!("/hotlists/{}?sort={sort}", self.hotlist.id)
    }
}

/// `GET /hotlists/{id}`: the members with their notes, availability and rate; sortable, paged.
pub async fn show(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    query: HtmlQuery<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let query = query.0;
    let sort = if hotlist::MEMBER_SORTS.iter().any(|(s, _)| *s == query.sort) { query.sort } else { String::new() };
    let page: i64 = query.page.trim().parse().unwrap_or(1);
    let scope = staff.scope;
    let order = sort.clone();
    let (hotlist, page) = app
        .db(move |conn| {
            let hotlist = hotlist::find(conn, scope, id)?;
            let page = hotlist::members(conn, scope, id, &order, page)?;
            Ok((hotlist, page))
        })
        .await?;
    let layout = staff.session.layout(Section::Hotlists);
    pages::html(&ShowPage { layout, hotlist, page, sort, now: app.clock.now() })
}

#[derive(Template)]
#[template(path = "hotlists/edit.html")]
struct EditPage {
    layout: Layout,
    hotlist: Hotlist,
    form: HotlistInput,
    errors: FieldErrors,
}

/// `GET /hotlists/{id}/edit`: rename or describe; the way to delete.
pub async fn edit(app: web::Data<AppState>, staff: Staff, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let scope = staff.scope;
    let hotlist = app.db(move |conn| hotlist::find(conn, scope, id)).await?;
    let form = HotlistInput::from_hotlist(&hotlist);
    let layout = staff.session.layout(Section::Hotlists);
    pages::html(&EditPage { layout, hotlist, form, errors: FieldErrors::default() })
}

/// `POST /hotlists/{id}`: saves a new name or description.
pub async fn update(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<HotlistInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let outcome = match form.validate() {
        Ok(valid) => app.db(move |conn| hotlist::update(conn, scope, id, &valid, &actor, now)).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(saved) => {
            staff.session.flash(Flash::success(format!("Hotlist \"{}\" saved.", saved.name)));
            Ok(pages::redirect(&format!("/hotlists/{}", saved.id)))
        }
        Err(AppError::Invalid(errors)) => {
            let hotlist = app.db(move |conn| hotlist::find(conn, scope, id)).await?;
            let layout = staff.session.layout(Section::Hotlists);
            pages::html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &EditPage { layout, hotlist, form, errors })
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "hotlists/delete.html")]
struct DeletePage {
    layout: Layout,
    hotlist: Hotlist,
    members: i64,
}

/// `GET /hotlists/{id}/delete`: "Delete this hotlist?" (works without script).
pub async fn confirm_delete(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let scope = staff.scope;
    let (hotlist, page) =
        app.db(move |conn| Ok((hotlist::find(conn, scope, id)?, hotlist::members(conn, scope, id, "", 1)?))).await?;
    let layout = staff.session.layout(Section::Hotlists);
    pages::html(&DeletePage { layout, hotlist, members: page.total })
}

/// `POST /hotlists/{id}/delete`: the list goes; the contractors stay.
pub async fn delete(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let deleted = app.db(move |conn| hotlist::delete(conn, scope, id, &actor, now)).await?;
    staff.session.flash(Flash::success(format!(
        "Hotlist \"{}\" deleted. The contractors on it are still in your records.",
        deleted.name
    )));
    Ok(pages::redirect("/hotlists"))
}

/// `GET /hotlists/add`: the contractors chosen on the search page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AddQuery {
    pub contractor_id: Vec<String>,
}

#[derive(Template)]
#[template(path = "hotlists/add.html")]
struct AddPage {
    layout: Layout,
    contractors: Vec<Contractor>,
    hotlists: Vec<HotlistSummary>,
}

fn parse_ids(raw: &[String]) -> Result<Vec<i64>, AppError> {
    raw.iter().filter(|r| !r.trim().is_empty()).map(|r| parse_id(r.trim())).collect()
}

/// `GET /hotlists/add?contractor_id=…`: choose the hotlist (and a note) for the chosen contractors.
pub async fn add_form(
    app: web::Data<AppState>,
    staff: Staff,
    query: HtmlQuery<AddQuery>,
) -> Result<HttpResponse, AppError> {
    let ids = parse_ids(&query.0.contractor_id)?;
    if ids.len() > hotlist::MAX_ADD {
        return Err(AppError::BadRequest(format!("Choose at most {} contractors at once.", hotlist::MAX_ADD)));
    }
    let scope = staff.scope;
    let (contractors, hotlists) =
        app.db(move |conn| Ok((contractor::find_many(conn, scope, &ids)?, hotlist::list(conn, scope)?))).await?;
    let layout = staff.session.layout(Section::Hotlists);
    pages::html(&AddPage { layout, contractors, hotlists })
}

/// `POST /hotlists/add`: adds contractors to the hotlist chosen in the form.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AddForm {
    pub hotlist_id: String,
    pub contractor_id: Vec<String>,
    pub note: String,
    /// Where to go afterwards (a local path), e.g. the contractor's page.
    pub back: String,
}

/// `POST /hotlists/add`.
pub async fn add(app: web::Data<AppState>, staff: Staff, form: CsrfForm<AddForm>) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if form.hotlist_id.trim().is_empty() {
        return Err(AppError::invalid("hotlist_id", "Choose a hotlist."));
    }
    let hotlist_id = parse_id(form.hotlist_id.trim())?;
    let ids = parse_ids(&form.contractor_id)?;
    add_and_redirect(&app, &staff, hotlist_id, ids, form.note, form.back).await
}

async fn add_and_redirect(
    app: &AppState,
    staff: &Staff,
    hotlist_id: i64,
    ids: Vec<i64>,
    note: String,
    back: String,
) -> Result<HttpResponse, AppError> {
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let (hotlist, added) =
        app.db(move |conn| hotlist::add_members(conn, scope, hotlist_id, &ids, &note, &actor, now)).await?;
    let message = match (added.added, added.already) {
        (1, 0) => format!("Added to \"{}\".", hotlist.name),
        (n, 0) => format!("{n} contractors added to \"{}\".", hotlist.name),
        (0, 1) => format!("Already on \"{}\".", hotlist.name),
        (n, m) => format!("{n} added to \"{}\"; {m} already on it.", hotlist.name),
    };
    staff.session.flash(Flash::success(message));
    Ok(pages::redirect(&pages::return_target(&back, &format!("/hotlists/{}", hotlist.id))))
}

/// A member form: which contractor, an optional note, and where to go afterwards.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MemberForm {
    pub contractor_id: String,
    pub note: String,
    pub back: String,
}

/// `POST /hotlists/{id}/members`: adds one of the agency's contractors with a note.
pub async fn add_member(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<MemberForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let contractor_id = parse_id(form.contractor_id.trim())?;
    add_and_redirect(&app, &staff, id, vec![contractor_id], form.note, form.back).await
}

/// `POST /hotlists/{id}/members/note`: replaces a member's note.
pub async fn member_note(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<MemberForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let contractor_id = parse_id(form.contractor_id.trim())?;
    let back = form.back;
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let note = form.note;
    let (hotlist, record) =
        app.db(move |conn| hotlist::set_note(conn, scope, id, contractor_id, &note, &actor, now)).await?;
    staff.session.flash(Flash::success(format!("Note on {} saved.", record.name)));
    Ok(pages::redirect(&pages::return_target(&back, &format!("/hotlists/{}", hotlist.id))))
}

/// `POST /hotlists/{id}/members/remove`: takes a contractor off the list.
pub async fn remove_member(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<MemberForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let contractor_id = parse_id(form.contractor_id.trim())?;
    let back = form.back;
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let (hotlist, record) =
        app.db(move |conn| hotlist::remove_member(conn, scope, id, contractor_id, &actor, now)).await?;
    staff.session.flash(Flash::success(format!("{} removed from \"{}\".", record.name, hotlist.name)));
    Ok(pages::redirect(&pages::return_target(&back, &format!("/hotlists/{}", hotlist.id))))
}

/// "hotlist-rust-leads": a file-name-safe form of a hotlist's name.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out: String = out.trim_matches('-').chars().take(40).collect();
    if out.is_empty() { "hotlist".into() } else { format!("hotlist-{out}") }
}

/// `GET /hotlists/{id}/export.csv`: the members as CSV (with their notes), streamed in batches.
pub async fn export(app: web::Data<AppState>, staff: Staff, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let (hotlist, owners, first, next) = app
        .db(move |conn| {
            let hotlist = hotlist::find(conn, scope, id)?;
            hotlist::audit_export(conn, scope, &hotlist, &actor, now)?;
            let owners = contractor_csv::owner_emails(conn, scope)?;
            let (bytes, next) = hotlist::export_batch(conn, scope, id, 0, &owners)?;
            Ok((hotlist, Arc::new(owners), bytes, next))
        })
        .await?;
    let mut head = contractor_csv::header_bytes(&["Hotlist note"])?;
    head.extend(first);
    let app = app.into_inner();
    let rest = futures_util::stream::unfold(next, move |next| {
        let (app, owners) = (app.clone(), owners.clone());
        async move {
            let after = next?;
            let batch = app.db(move |conn| hotlist::export_batch(conn, scope, id, after, &owners)).await;
            Some(match batch {
                Ok((bytes, next)) => (Ok(web::Bytes::from(bytes)), next),
                Err(e) => (Err(actix_web::Error::from(e)), None),
            })
        }
    });
    let body = futures_util::stream::once(async move { Ok::<_, actix_web::Error>(web::Bytes::from(head)) }).chain(rest);
    let today = now.and_utc().with_timezone(&staff.user.tz()).date_naive();
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", contractor_csv::file_name(&slug(&hotlist.name), today)),
        ))
        .streaming(body))
}
