//! Placements: created from an accepted offer, listed by when they end (the roll-off radar's
//! source), extended with history, ended early or cancelled.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::{CsrfForm, Staff};
use crate::error::AppError;
use crate::models::conflict::Saved;
use crate::models::contractor;
use crate::models::placement::{
    self, Created, Detail, EndInput, ExtensionInput, ListFilter, NewContext, Placement, PlacementInput, Row,
};
use crate::models::validation::FieldErrors;
use crate::pages::{self, Flash, Layout, Section};
use crate::routes::parse_id;
use crate::state::AppState;

/// Registers this resource's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/placements").route(get().to(index)))
        .service(resource("/placements/{id}").route(get().to(show)))
        .service(resource("/placements/{id}/extensions").route(post().to(extend)))
        .service(resource("/placements/{id}/end").route(post().to(end)))
        .service(resource("/submissions/{id}/placement/new").route(get().to(new)))
        .service(resource("/submissions/{id}/placement").route(post().to(create)));
}

/// This resource's routes as (method, path pattern).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/placements"),
    ("GET", "/placements/{id}"),
    ("POST", "/placements/{id}/extensions"),
    ("POST", "/placements/{id}/end"),
    ("GET", "/submissions/{id}/placement/new"),
    ("POST", "/submissions/{id}/placement"),
];

/// Today in the signed-in user's time zone.
fn today_for(app: &AppState, staff: &Staff) -> NaiveDate {
    app.clock.now().and_utc().with_timezone(&staff.user.tz()).date_naive()
}

/// Query of `GET /placements`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    contractor_id: String,
    /// "1" to include ended and cancelled placements.
    all: String,
    page: String,
}

#[derive(Template)]
#[template(path = "placements/index.html")]
struct IndexPage {
    layout: Layout,
    rows: Vec<Row>,
    /// The contractor the list is limited to: (id, name).
    contractor: Option<(i64, String)>,
    include_ended: bool,
    today: NaiveDate,
    previous_url: Option<String>,
    next_url: Option<String>,
}

impl IndexPage {
    /// The list's address with or without ended ones, keeping the contractor filter.
    fn toggle_url(&self, all: bool) -> String {
        let contractor = self.contractor.as_ref().map(|(id, _)| id.to_string()).unwrap_or_default();
        let query = crate::routes::clients::query_string(&[
            ("contractor_id", contractor),
            ("all", if all { "1".into() } else { String::new() }),
        ]);
        format!("/placements{query}")
    }
}

/// `GET /placements?contractor_id=&all=1&page=N`: active first, ending soonest first.
pub async fn index(
    app: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let contractor_id = match query.contractor_id.trim() {
        "" => None,
        raw => Some(parse_id(raw)?),
    };
    let filter = ListFilter {
        contractor_id,
        include_ended: query.all == "1",
        page: crate::routes::clients::page_number(&query.page),
    };
    let scope = staff.scope;
    let wanted = filter.clone();
    let (contractor, list) = app
        .db(move |conn| {
            let contractor = match wanted.contractor_id {
                Some(id) => Some(contractor::find(conn, scope, id).map(|c| (c.id, c.name))?),
                None => None,
            };
            Ok((contractor, placement::list(conn, scope, &wanted)?))
        })
        .await?;
    let url = |page: i64| {
        let query = crate::routes::clients::query_string(&[
            ("contractor_id", filter.contractor_id.map(|id| id.to_string()).unwrap_or_default()),
            ("all", if filter.include_ended { "1".into() } else { String::new() }),
            ("page", if page > 1 { page.to_string() } else { String::new() }),
        ]);
        format!("/placements{query}")
    };
    let layout = staff.session.layout(Section::Placements);
    let today = today_for(&app, &staff);
    pages::html(&IndexPage {
        layout,
        rows: list.rows,
        contractor,
        include_ended: filter.include_ended,
        today,
        previous_url: (list.page > 1).then(|| url(list.page - 1)),
        next_url: list.has_next.then(|| url(list.page + 1)),
    })
}

#[derive(Template)]
#[template(path = "placements/new.html")]
struct NewPage {
    layout: Layout,
    context: NewContext,
    form: PlacementInput,
    errors: FieldErrors,
}

async fn new_page(
    app: &AppState,
    staff: &Staff,
    id: i64,
    form: Option<PlacementInput>,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let scope = staff.scope;
    let context = app.db(move |conn| placement::new_context(conn, scope, id)).await?;
    let form = form.unwrap_or_else(|| match &context.offer {
        Some(offer) => PlacementInput::from_offer(offer),
        None => PlacementInput { currency: "EUR".into(), rate_unit: "hour".into(), ..PlacementInput::default() },
    });
    let layout = staff.session.layout(Section::Placements);
    pages::html_with_status(status, &NewPage { layout, context, form, errors })
}

/// `GET /submissions/{id}/placement/new`: the placement form, prefilled from the accepted offer.
pub async fn new(app: web::Data<AppState>, staff: Staff, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let scope = staff.scope;
    if let Some(existing) = app.db(move |conn| placement::for_submission(conn, scope, id)).await? {
        return Ok(pages::redirect(&format!("/placements/{}", existing.id)));
    }
    new_page(&app, &staff, id, None, FieldErrors::default(), StatusCode::OK).await
}

/// `POST /submissions/{id}/placement`: creates the submission's one placement.
pub async fn create(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<PlacementInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let input = form.clone();
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    match app.db(move |conn| placement::create(conn, scope, id, &input, &actor, now)).await {
        Ok(Created::Done(created)) => {
            staff.session.flash(Flash::success(format!(
                "Placement created. They now show as on contract until {}.",
                created.end_date.format("%-d %b %Y")
            )));
            Ok(pages::redirect(&format!("/placements/{}", created.id)))
        }
        Ok(Created::Exists(existing)) => {
            staff.session.flash(Flash::error(
                "This submission already has a placement (one per submission): here it is. Extend or end it instead.",
            ));
            Ok(pages::redirect(&format!("/placements/{existing}")))
        }
        Err(AppError::Invalid(errors)) => {
            new_page(&app, &staff, id, Some(form), errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "placements/show.html")]
struct ShowPage {
    layout: Layout,
    detail: Detail,
    extension_form: ExtensionInput,
    end_form: EndInput,
    errors: FieldErrors,
    /// Which form the errors (or the conflict) belong to: "extend", "end" or "".
    errors_for: &'static str,
    /// Someone changed the placement after this form was opened: nothing was saved.
    stale: bool,
    today: NaiveDate,
}

/// What the placement page shows back after a form.
struct Shown {
    extension_form: Option<ExtensionInput>,
    end_form: Option<EndInput>,
    errors: FieldErrors,
    errors_for: &'static str,
    stale: bool,
    status: StatusCode,
}

impl Shown {
    fn fresh() -> Self {
        Self {
            extension_form: None,
            end_form: None,
            errors: FieldErrors::default(),
            errors_for: "",
            stale: false,
            status: StatusCode::OK,
        }
    }
}

async fn show_page(app: &AppState, staff: &Staff, id: i64, shown: Shown) -> Result<HttpResponse, AppError> {
    let scope = staff.scope;
    let detail = app.db(move |conn| placement::detail(conn, scope, id)).await?;
    let layout = staff.session.layout(Section::Placements);
    let today = today_for(app, staff);
    let current: &Placement = &detail.placement;
    // Forms shown back keep what was typed but carry the version now saved.
    let version = current.version.to_string();
    let extension_form = shown
        .extension_form
        .map(|f| ExtensionInput { version: version.clone(), ..f })
        .unwrap_or_else(|| ExtensionInput::for_placement(current));
    let end_form =
        shown.end_form.map(|f| EndInput { version, ..f }).unwrap_or_else(|| EndInput::for_placement(current));
    let page = ShowPage {
        layout,
        extension_form,
        end_form,
        errors: shown.errors,
        errors_for: shown.errors_for,
        stale: shown.stale,
        today,
        detail,
    };
    pages::html_with_status(shown.status, &page)
}

/// `GET /placements/{id}`: dates, rates, margin and the extension history.
pub async fn show(app: web::Data<AppState>, staff: Staff, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    show_page(&app, &staff, id, Shown::fresh()).await
}

/// `POST /placements/{id}/extensions`: a new end date, optionally new rates, and a note.
pub async fn extend(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<ExtensionInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let input = form.clone();
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let kept = |errors: FieldErrors, stale: bool, status: StatusCode| Shown {
        extension_form: Some(form.clone()),
        end_form: None,
        errors,
        errors_for: "extend",
        stale,
        status,
    };
    match app.db(move |conn| placement::extend(conn, scope, id, &input, &actor, now)).await {
        Ok(Saved::Done(extended)) => {
            staff.session.flash(Flash::success(format!(
                "Extended to {}. They now show as on contract until then.",
                extended.end_date.format("%-d %b %Y")
            )));
            Ok(pages::redirect(&format!("/placements/{id}")))
        }
        Ok(Saved::Stale(_)) => {
            show_page(&app, &staff, id, kept(FieldErrors::default(), true, StatusCode::CONFLICT)).await
        }
        Err(AppError::Invalid(errors)) => {
            show_page(&app, &staff, id, kept(errors, false, StatusCode::UNPROCESSABLE_ENTITY)).await
        }
        Err(e) => Err(e),
    }
}

/// `POST /placements/{id}/end`: ended early (last day worked) or cancelled, with the date.
pub async fn end(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<EndInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let input = form.clone();
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let today = today_for(&app, &staff);
    let kept = |errors: FieldErrors, stale: bool, status: StatusCode| Shown {
        extension_form: None,
        end_form: Some(form.clone()),
        errors,
        errors_for: "end",
        stale,
        status,
    };
    match app.db(move |conn| placement::end(conn, scope, id, &input, &actor, today, now)).await {
        Ok(Saved::Done(ended)) => {
            staff.session.flash(Flash::success(if ended.status == "cancelled" {
                "Placement cancelled."
            } else {
                "Placement ended."
            }));
            Ok(pages::redirect(&format!("/placements/{id}")))
        }
        Ok(Saved::Stale(_)) => {
            show_page(&app, &staff, id, kept(FieldErrors::default(), true, StatusCode::CONFLICT)).await
        }
        Err(AppError::Invalid(errors)) => {
            show_page(&app, &staff, id, kept(errors, false, StatusCode::UNPROCESSABLE_ENTITY)).await
        }
        Err(e) => Err(e),
    }
}
