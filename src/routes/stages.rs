//! `/admin/stages`: the agency's pipeline — stage names, order, follow-up times — and its
//! pipeline windows (ownership, availability, consent validity). Agency admins only.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{Admin, CsrfForm};
use crate::error::AppError;
use crate::models::agency::Agency;
use crate::models::stage::{self, NewStageInput, Pipeline, SettingsInput, StageInput, StageRow};
use crate::models::validation::FieldErrors;
use crate::pages::{self, Flash, Layout, Section};
use crate::routes::parse_id;
use crate::routes::sessions::Empty;
use crate::state::AppState;

/// Registers this resource's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/admin/stages").route(get().to(index)).route(post().to(create)))
        .service(resource("/admin/stages/{id}").route(post().to(update)))
        .service(resource("/admin/stages/{id}/move").route(post().to(move_stage)))
        .service(resource("/admin/stages/{id}/archive").route(post().to(archive)))
        .service(resource("/admin/stages/{id}/restore").route(post().to(restore)))
        .service(resource("/admin/pipeline-settings").route(post().to(update_settings)));
}

/// This resource's routes as (method, path pattern).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/admin/stages"),
    ("POST", "/admin/stages"),
    ("POST", "/admin/stages/{id}"),
    ("POST", "/admin/stages/{id}/move"),
    ("POST", "/admin/stages/{id}/archive"),
    ("POST", "/admin/stages/{id}/restore"),
    ("POST", "/admin/pipeline-settings"),
];

/// A stage row's form sent back with errors (the typed values kept).
struct RowEdit {
    id: i64,
    input: StageInput,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "stages/index.html")]
struct StagesPage {
    layout: Layout,
    pipeline: Pipeline,
    categories: &'static [(&'static str, &'static str)],
    new_form: NewStageInput,
    new_errors: FieldErrors,
    row: Option<RowEdit>,
    settings: SettingsInput,
    settings_errors: FieldErrors,
    follow_up_min: i64,
    follow_up_max: i64,
}

impl StagesPage {
    /// The name shown in a row's input: what was typed when that row came back with errors.
    fn name_value(&self, row: &StageRow) -> String {
        match &self.row {
            Some(edit) if edit.id == row.stage.id => edit.input.name.clone(),
            _ => row.stage.name.clone(),
        }
    }

    /// The follow-up time shown in a row's input.
    fn days_value(&self, row: &StageRow) -> String {
        match &self.row {
            Some(edit) if edit.id == row.stage.id => edit.input.follow_up_days.clone(),
            _ => row.stage.follow_up_days.to_string(),
        }
    }

    /// The error for `field` of the row of stage `id`, if that row came back with one.
    fn row_error(&self, id: &i64, field: &str) -> Option<&str> {
        self.row.as_ref().filter(|edit| edit.id == *id).and_then(|edit| edit.errors.get(field))
    }

    /// Every error of the row that came back, for the summary at the top.
    fn row_errors(&self) -> Vec<(String, String)> {
        self.row
            .as_ref()
            .map(|edit| {
                edit.errors
                    .iter()
                    .map(|(field, message)| (format!("stage-{}-{field}", edit.id), message.to_string()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// What the page shows besides the pipeline: the forms and which one came back with errors.
struct Forms {
    new_form: NewStageInput,
    new_errors: FieldErrors,
    row: Option<RowEdit>,
    settings: Option<SettingsInput>,
    settings_errors: FieldErrors,
}

impl Forms {
    fn blank() -> Self {
        Self {
            new_form: NewStageInput { follow_up_days: "3".into(), ..NewStageInput::default() },
            new_errors: FieldErrors::default(),
            row: None,
            settings: None,
            settings_errors: FieldErrors::default(),
        }
    }
}

async fn stages_page(
    app: &AppState,
    admin: &Admin,
    forms: Forms,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let scope = admin.0.scope;
    let (pipeline, agency) =
        app.db(move |conn| Ok((stage::pipeline(conn, scope)?, Agency::find(conn, scope)?))).await?;
    let (follow_up_min, follow_up_max) = stage::FOLLOW_UP_DAYS;
    let page = StagesPage {
        // No nav entry of its own among the sections: none is marked current.
        layout: admin.0.session.layout(Section::Pipeline),
        pipeline,
        categories: stage::CATEGORIES,
        new_form: forms.new_form,
        new_errors: forms.new_errors,
        row: forms.row,
        settings: forms.settings.unwrap_or_else(|| SettingsInput::from_agency(&agency)),
        settings_errors: forms.settings_errors,
        follow_up_min,
        follow_up_max,
    };
    pages::html_with_status(status, &page)
}

/// `GET /admin/stages`.
pub async fn index(app: web::Data<AppState>, admin: Admin) -> Result<HttpResponse, AppError> {
    stages_page(&app, &admin, Forms::blank(), StatusCode::OK).await
}

/// `POST /admin/stages`: adds a stage.
pub async fn create(
    app: web::Data<AppState>,
    admin: Admin,
    form: CsrfForm<NewStageInput>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let (scope, actor, now) = (admin.0.scope, admin.0.actor.clone(), app.clock.now());
    let input = form.clone();
    match app.db(move |conn| stage::add(conn, scope, &input, &actor, now)).await {
        Ok(added) => {
            admin.0.session.flash(Flash::success(format!("Stage “{}” added.", added.name)));
            Ok(pages::redirect("/admin/stages"))
        }
        Err(AppError::Invalid(errors)) => {
            let forms = Forms { new_form: form, new_errors: errors, ..Forms::blank() };
            stages_page(&app, &admin, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// `POST /admin/stages/{id}`: renames a stage or changes its follow-up time.
pub async fn update(
    app: web::Data<AppState>,
    admin: Admin,
    id: web::Path<String>,
    form: CsrfForm<StageInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let (scope, actor, now) = (admin.0.scope, admin.0.actor.clone(), app.clock.now());
    let input = form.clone();
    match app.db(move |conn| stage::update(conn, scope, id, &input, &actor, now)).await {
        Ok(saved) => {
            admin.0.session.flash(Flash::success(format!("Stage “{}” saved.", saved.name)));
            Ok(pages::redirect("/admin/stages"))
        }
        Err(AppError::Invalid(errors)) => {
            let forms = Forms { row: Some(RowEdit { id, input: form, errors }), ..Forms::blank() };
            stages_page(&app, &admin, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// Which way a stage moves.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MoveInput {
    direction: String,
}

/// `POST /admin/stages/{id}/move` (`direction` = `up` or `down`).
pub async fn move_stage(
    app: web::Data<AppState>,
    admin: Admin,
    id: web::Path<String>,
    form: CsrfForm<MoveInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let up = match form.into_inner().direction.as_str() {
        "up" => true,
        "down" => false,
        _ => return Err(AppError::BadRequest("Move a stage up or down.".into())),
    };
    let (scope, actor, now) = (admin.0.scope, admin.0.actor.clone(), app.clock.now());
    app.db(move |conn| stage::shift(conn, scope, id, up, &actor, now)).await?;
    Ok(pages::redirect(&format!("/admin/stages#stage-{id}")))
}

/// `POST /admin/stages/{id}/archive`.
pub async fn archive(
    app: web::Data<AppState>,
    admin: Admin,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (scope, actor, now) = (admin.0.scope, admin.0.actor.clone(), app.clock.now());
    match app.db(move |conn| stage::archive(conn, scope, id, &actor, now)).await {
        Ok(archived) => {
            admin.0.session.flash(Flash::success(format!(
                "Stage “{}” archived. Closed submissions in it keep their history.",
                archived.name
            )));
            Ok(pages::redirect("/admin/stages"))
        }
        Err(AppError::Invalid(errors)) => row_refused(&app, &admin, id, errors).await,
        Err(e) => Err(e),
    }
}

/// `POST /admin/stages/{id}/restore`.
pub async fn restore(
    app: web::Data<AppState>,
    admin: Admin,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (scope, actor, now) = (admin.0.scope, admin.0.actor.clone(), app.clock.now());
    match app.db(move |conn| stage::restore(conn, scope, id, &actor, now)).await {
        Ok(restored) => {
            admin.0.session.flash(Flash::success(format!("Stage “{}” is back in the pipeline.", restored.name)));
            Ok(pages::redirect("/admin/stages"))
        }
        Err(AppError::Invalid(errors)) => row_refused(&app, &admin, id, errors).await,
        Err(e) => Err(e),
    }
}

/// The page again (422) with a refusal shown on the stage's row and in the summary.
async fn row_refused(app: &AppState, admin: &Admin, id: i64, errors: FieldErrors) -> Result<HttpResponse, AppError> {
    let scope = admin.0.scope;
    let current = app.db(move |conn| stage::find(conn, scope, id)).await?;
    let input = StageInput { name: current.name, follow_up_days: current.follow_up_days.to_string() };
    let forms = Forms { row: Some(RowEdit { id, input, errors }), ..Forms::blank() };
    stages_page(app, admin, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// `POST /admin/pipeline-settings`: the agency's ownership, availability and consent windows.
pub async fn update_settings(
    app: web::Data<AppState>,
    admin: Admin,
    form: CsrfForm<SettingsInput>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let (scope, actor, now) = (admin.0.scope, admin.0.actor.clone(), app.clock.now());
    let input = form.clone();
    match app.db(move |conn| stage::update_settings(conn, scope, &input, &actor, now)).await {
        Ok(_) => {
            admin.0.session.flash(Flash::success("Pipeline settings saved."));
            Ok(pages::redirect("/admin/stages#settings"))
        }
        Err(AppError::Invalid(errors)) => {
            let forms = Forms { settings: Some(form), settings_errors: errors, ..Forms::blank() };
            stages_page(&app, &admin, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}
