//! `/contractors`: the agency's contractor records — search, create, view, edit, archive.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime};

use crate::auth::{CsrfForm, Staff};
use crate::error::AppError;
use crate::models::activity::{self, ActivityItem};
use crate::models::agency::AgencyScope;
use crate::models::conflict::{FieldChange, Saved};
use crate::models::contractor::{
    self, Contractor, ContractorInput, CreateOutcome, Duplicate, SearchInput, SearchResults,
};
use crate::models::contractor_invitation;
use crate::models::hotlist::HotlistChoice;
use crate::models::idempotency::{self, Once};
use crate::models::submission;
use crate::models::task::{self, TaskItem};
use crate::models::validation::FieldErrors;
use crate::pages::{self, Flash, Layout, Section};
use crate::routes::sessions::Empty;
use crate::routes::{HtmlQuery, already_created, parse_id};
use crate::state::AppState;

/// Registers this resource's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/contractors").route(get().to(index)).route(post().to(create)))
        .service(resource("/contractors/new").route(get().to(new)))
        .service(resource("/contractors/{id}").route(get().to(show)).route(post().to(update)))
        .service(resource("/contractors/{id}/edit").route(get().to(edit)))
        .service(resource("/contractors/{id}/archive").route(post().to(archive)))
        .service(resource("/contractors/{id}/unarchive").route(post().to(unarchive)))
        .service(resource("/contractors/{id}/availability/confirm").route(post().to(confirm_availability)))
        .service(resource("/contractors/{id}/invite").route(post().to(invite)));
}

/// This resource's routes as (method, path pattern).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/contractors"),
    ("POST", "/contractors"),
    ("GET", "/contractors/new"),
    ("GET", "/contractors/{id}"),
    ("POST", "/contractors/{id}"),
    ("GET", "/contractors/{id}/edit"),
    ("POST", "/contractors/{id}/archive"),
    ("POST", "/contractors/{id}/unarchive"),
    ("POST", "/contractors/{id}/availability/confirm"),
    ("POST", "/contractors/{id}/invite"),
];

#[derive(Template)]
#[template(path = "contractors/index.html")]
struct SearchPage {
    layout: Layout,
    form: SearchInput,
    errors: FieldErrors,
    results: Option<SearchResults>,
    skill_names: Vec<String>,
    now: NaiveDateTime,
    /// The job being filled, when searching candidates for one: (id, title).
    for_job: Option<(i64, String)>,
}

impl SearchPage {
    fn next_url(&self) -> Option<String> {
        let next = self.results.as_ref()?.next.as_ref()?;
        let mut query = self.form.clone();
        query.after = next.encode();
        Some(format!("/contractors?{}", serde_html_form::to_string(&query).ok()?))
    }

    fn first_url(&self) -> Option<String> {
        if self.form.after.is_empty() {
            return None;
        }
        let mut query = self.form.clone();
        query.after.clear();
        Some(format!("/contractors?{}", serde_html_form::to_string(&query).ok()?))
    }

    fn total_text(&self) -> String {
        match &self.results {
            // "50+": matches are not counted (see `SearchResults::more`).
            Some(r) => {
                let more = if self.form.after.is_empty() { "" } else { " more" };
                match (r.hits.len(), r.more) {
                    (n, true) => format!("{n}+{more} contractors"),
                    (1, false) => format!("1{more} contractor"),
                    (n, false) => format!("{n}{more} contractors"),
                }
            }
            None => String::new(),
        }
    }
}

/// `GET /contractors`: search the agency's contractors.
pub async fn index(
    app: web::Data<AppState>,
    staff: Staff,
    query: HtmlQuery<SearchInput>,
) -> Result<HttpResponse, AppError> {
    let form = query.0;
    let now = app.clock.now();
    let layout = staff.session.layout(Section::Contractors);
    let scope = staff.scope;
    let for_job_id = form.for_job.trim().parse::<i64>().ok();
    match form.validate(scope) {
        Ok(search) => {
            let skill_names = search.skill_names.clone();
            let (results, for_job) = app
                .db(move |conn| {
                    let results = contractor::search(conn, &search)?;
                    // Only when filling a job: one more statement for its title.
                    let for_job = match for_job_id {
                        Some(id) => crate::models::job::Job::find(conn, scope, id).ok().map(|job| (job.id, job.title)),
                        None => None,
                    };
                    Ok((results, for_job))
                })
                .await?;
            pages::html(&SearchPage {
                layout,
                form,
                errors: FieldErrors::default(),
                results: Some(results),
                skill_names,
                now,
                for_job,
            })
        }
        Err(AppError::Invalid(errors)) => pages::html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SearchPage { layout, form, errors, results: None, skill_names: Vec::new(), now, for_job: None },
        ),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "contractors/form.html")]
struct FormPage {
    layout: Layout,
    /// `None` for a new record.
    record: Option<Contractor>,
    form: ContractorInput,
    errors: FieldErrors,
    team: Vec<(String, String)>,
    duplicate: Option<Duplicate>,
    conflict: Vec<FieldChange>,
}

impl FormPage {
    fn linked(&self) -> bool {
        self.record.as_ref().is_some_and(Contractor::is_linked)
    }

    fn action(&self) -> String {
        self.record.as_ref().map_or_else(|| "/contractors".to_string(), |r| format!("/contractors/{}", r.id))
    }
}

/// What went wrong with a submitted form: field errors, a duplicate, or a stale edit.
#[derive(Default)]
struct Problems {
    errors: FieldErrors,
    duplicate: Option<Duplicate>,
    conflict: Vec<FieldChange>,
}

impl Problems {
    fn errors(errors: FieldErrors) -> Self {
        Self { errors, ..Self::default() }
    }
}

async fn form_page(
    app: &AppState,
    staff: &Staff,
    record: Option<Contractor>,
    form: ContractorInput,
    problems: Problems,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let Problems { errors, duplicate, conflict } = problems;
    let scope = staff.scope;
    let team = app.db(move |conn| contractor::team_choices(conn, scope)).await?;
    let layout = staff.session.layout(Section::Contractors);
    pages::html_with_status(status, &FormPage { layout, record, form, errors, team, duplicate, conflict })
}

/// `GET /contractors/new`.
pub async fn new(app: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    let form = ContractorInput {
        owner_id: staff.user.id.to_string(),
        availability: "now".into(),
        remote: "any".into(),
        rate_currency: "EUR".into(),
        rate_unit: "hour".into(),
        idempotency_key: idempotency::new_key(),
        ..ContractorInput::default()
    };
    form_page(&app, &staff, None, form, Problems::default(), StatusCode::OK).await
}

fn duplicate_errors(duplicate: &Duplicate) -> FieldErrors {
    let mut errors = FieldErrors::default();
    let field = if duplicate.matched_on == "email" { "email" } else { "phone" };
    errors.add(field, format!("{} already has this {}.", duplicate.name, duplicate.matched_on));
    errors
}

/// `POST /contractors`.
pub async fn create(
    app: web::Data<AppState>,
    staff: Staff,
    form: CsrfForm<ContractorInput>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let valid = match form.validate() {
        Ok(valid) => valid,
        Err(AppError::Invalid(errors)) => {
            return form_page(&app, &staff, None, form, Problems::errors(errors), StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
        Err(e) => return Err(e),
    };
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let (me, key) = (staff.user.id, form.idempotency_key.clone());
    let created = app.db(move |conn| {
        let create = |conn: &mut _| contractor::create(conn, scope, &valid, &actor, now);
        idempotency::create_once(conn, me, &key, now, create, |outcome| match outcome {
            CreateOutcome::Created(record) => Some(format!("/contractors/{}", record.id)),
            CreateOutcome::Duplicate(_) => None,
        })
    });
    match created.await {
        Ok(Once::Ran(CreateOutcome::Created(record))) => {
            staff.session.flash(Flash::success(format!("{} added.", record.name)));
            Ok(pages::redirect(&format!("/contractors/{}", record.id)))
        }
        Ok(Once::Repeated(location)) => Ok(already_created(&staff.session, &location)),
        Ok(Once::Ran(CreateOutcome::Duplicate(duplicate))) => {
            let errors = duplicate_errors(&duplicate);
            form_page(
                &app,
                &staff,
                None,
                form,
                Problems { errors, duplicate: Some(duplicate), ..Problems::default() },
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(AppError::Invalid(errors)) => {
            form_page(&app, &staff, None, form, Problems::errors(errors), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// The contractor page. Its sections (activity, tasks, hotlists) have partials of their own in
/// `templates/activities/`, `templates/tasks/` and `templates/hotlists/`.
#[derive(Template)]
#[template(path = "contractors/show.html")]
struct ShowPage {
    layout: Layout,
    record: Contractor,
    skills: Vec<String>,
    owner: Option<String>,
    /// Enabled team members as (id, name), for choosing who does a follow-up.
    team: Vec<(String, String)>,
    activities: Vec<ActivityItem>,
    tasks: Vec<TaskItem>,
    hotlists: Vec<HotlistChoice>,
    submissions: Vec<submission::ContractorRow>,
    documents: crate::models::document::Panel,
    now: NaiveDateTime,
    /// Today in the viewer's time zone (for "due today" and "overdue").
    today: NaiveDate,
}

/// Activities shown on the contractor page.
const TIMELINE_LENGTH: i64 = 50;

struct ShowData {
    record: Contractor,
    skills: Vec<String>,
    owner: Option<String>,
    team: Vec<(String, String)>,
    activities: Vec<ActivityItem>,
    tasks: Vec<TaskItem>,
    hotlists: Vec<HotlistChoice>,
    submissions: Vec<submission::ContractorRow>,
    documents: crate::models::document::Panel,
}

/// Everything the contractor page shows: the record with its lists, then one statement per
/// section (timeline, tasks, submissions, documents).
fn load_page(conn: &mut crate::db::DbConnection, scope: AgencyScope, id: i64) -> Result<ShowData, AppError> {
    let found = contractor::find_with_lists(conn, scope, id)?;
    let (record, skills, members) = (found.record, found.skills, found.team);
    let owner = record.owner_id.and_then(|owner| members.iter().find(|m| m.0 == owner)).map(|m| m.1.clone());
    let team = members.into_iter().filter(|m| m.2).map(|(id, name, _)| (id.to_string(), name)).collect();
    Ok(ShowData {
        activities: activity::for_contractor(conn, scope, id, TIMELINE_LENGTH)?,
        tasks: task::open_for_contractor(conn, scope, id)?,
        hotlists: found.hotlists,
        submissions: submission::for_contractor(conn, scope, id)?,
        documents: crate::models::document::panel(conn, &record, &skills, found.vocabulary.as_deref())?,
        record,
        skills,
        owner,
        team,
    })
}

/// `GET /contractors/{id}`.
pub async fn show(app: web::Data<AppState>, staff: Staff, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let scope = staff.scope;
    let data = app.db(move |conn| load_page(conn, scope, id)).await?;
    let layout = staff.session.layout(Section::Contractors);
    let now = app.clock.now();
    let today = now.and_utc().with_timezone(&layout.time_zone()).date_naive();
    pages::html(&ShowPage {
        layout,
        record: data.record,
        skills: data.skills,
        owner: data.owner,
        team: data.team,
        activities: data.activities,
        tasks: data.tasks,
        hotlists: data.hotlists,
        submissions: data.submissions,
        documents: data.documents,
        now,
        today,
    })
}

/// `GET /contractors/{id}/edit`.
pub async fn edit(app: web::Data<AppState>, staff: Staff, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let scope = staff.scope;
    let (record, skills) = app.db(move |conn| contractor::find_with_skills(conn, scope, id)).await?;
    let form = ContractorInput::from_record(&record, &skills);
    form_page(&app, &staff, Some(record), form, Problems::default(), StatusCode::OK).await
}

/// `POST /contractors/{id}`: saves an edit unless someone saved since the form was opened.
pub async fn update(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<ContractorInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let scope = staff.scope;
    let version: i32 = form
        .version
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest("The form has no version; reload the page.".into()))?;
    let current = app.db(move |conn| contractor::find(conn, scope, id)).await?;
    if current.is_linked() {
        return update_linked(app, staff, current, version, form).await;
    }
    let valid = match form.validate() {
        Ok(valid) => valid,
        Err(AppError::Invalid(errors)) => {
            let record = app.db(move |conn| contractor::find(conn, scope, id)).await?;
            return form_page(
                &app,
                &staff,
                Some(record),
                form,
                Problems::errors(errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(e) => return Err(e),
    };
    let (actor, now) = (staff.actor.clone(), app.clock.now());
    let submitted = valid.clone();
    let outcome = app.db(move |conn| contractor::update(conn, scope, id, version, &valid, &actor, now)).await;
    match outcome {
        Ok(Ok(Saved::Done(record))) => {
            staff.session.flash(Flash::success(format!("{} saved.", record.name)));
            Ok(pages::redirect(&format!("/contractors/{}", record.id)))
        }
        Ok(Ok(Saved::Stale(current))) => {
            let (current, skills) = app.db(move |conn| contractor::find_with_skills(conn, scope, current.id)).await?;
            let conflict = contractor::differences(&submitted, &current, &skills);
            let form = ContractorInput { version: current.version.to_string(), ..form };
            form_page(
                &app,
                &staff,
                Some(current),
                form,
                Problems { conflict, ..Problems::default() },
                StatusCode::CONFLICT,
            )
            .await
        }
        Ok(Err(duplicate)) => {
            let record = app.db(move |conn| contractor::find(conn, scope, id)).await?;
            let errors = duplicate_errors(&duplicate);
            form_page(
                &app,
                &staff,
                Some(record),
                form,
                Problems { errors, duplicate: Some(duplicate), ..Problems::default() },
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(AppError::Invalid(errors)) => {
            let record = app.db(move |conn| contractor::find(conn, scope, id)).await?;
            form_page(&app, &staff, Some(record), form, Problems::errors(errors), StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(e) => Err(e),
    }
}

/// Saves the agency's own fields of a record the contractor keeps; any other field sent is
/// ignored (they are the contractor's).
async fn update_linked(
    app: web::Data<AppState>,
    staff: Staff,
    current: Contractor,
    version: i32,
    form: ContractorInput,
) -> Result<HttpResponse, AppError> {
    let (scope, id) = (staff.scope, current.id);
    let part = match form.validate_agency_part() {
        Ok(part) => part,
        Err(AppError::Invalid(errors)) => {
            return form_page(
                &app,
                &staff,
                Some(current),
                form,
                Problems::errors(errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(e) => return Err(e),
    };
    let (actor, now) = (staff.actor.clone(), app.clock.now());
    let submitted = part.clone();
    match app.db(move |conn| contractor::update_agency_part(conn, scope, id, version, &part, &actor, now)).await {
        Ok(Saved::Done(record)) => {
            staff.session.flash(Flash::success(format!("{} saved.", record.name)));
            Ok(pages::redirect(&format!("/contractors/{}", record.id)))
        }
        Ok(Saved::Stale(current)) => {
            let conflict = contractor::agency_part_differences(&submitted, &current);
            let form = ContractorInput { version: current.version.to_string(), ..form };
            form_page(
                &app,
                &staff,
                Some(current),
                form,
                Problems { conflict, ..Problems::default() },
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(AppError::Invalid(errors)) => {
            form_page(&app, &staff, Some(current), form, Problems::errors(errors), StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(e) => Err(e),
    }
}

/// `POST /contractors/{id}/invite`: invites the person to keep this record themselves.
pub async fn invite(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (scope, actor, now, base_url) = (staff.scope, staff.actor.clone(), app.clock.now(), app.base_url());
    match app.db(move |conn| contractor_invitation::invite(conn, scope, id, &base_url, &actor, now)).await {
        Ok(record) => staff.session.flash(Flash::success(format!(
            "Invitation sent to {}. Once they connect, they keep their availability, rate and skills up to date for you.",
            record.email.unwrap_or_default()
        ))),
        Err(AppError::Invalid(errors)) => staff.session.flash(Flash::error(errors.summary())),
        Err(e) => return Err(e),
    }
    Ok(pages::redirect(&format!("/contractors/{id}")))
}

/// `POST /contractors/{id}/archive`.
pub async fn archive(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    set_archived(app, staff, id, true).await
}

/// `POST /contractors/{id}/unarchive`.
pub async fn unarchive(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    set_archived(app, staff, id, false).await
}

async fn set_archived(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    archived: bool,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let record = app.db(move |conn| contractor::set_archived(conn, scope, id, archived, &actor, now)).await?;
    let message = if archived {
        format!("{} archived. They no longer appear in searches unless you include archived records.", record.name)
    } else {
        format!("{} restored.", record.name)
    };
    staff.session.flash(Flash::success(message));
    Ok(pages::redirect(&format!("/contractors/{id}")))
}

/// `POST /contractors/{id}/availability/confirm`: "I checked with them today".
pub async fn confirm_availability(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let record = app.db(move |conn| contractor::confirm_availability(conn, scope, id, &actor, now)).await?;
    staff.session.flash(Flash::success(format!("{}'s availability is confirmed as of today.", record.name)));
    Ok(pages::redirect(&format!("/contractors/{id}")))
}
