//! `/jobs…`: the agency's jobs — list with filters, the job form, and the job page (which the
//! pipeline issue turns into the job's board).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{CsrfForm, Staff};
use crate::error::AppError;
use crate::models::activity::{self, About, ActivityItem};
use crate::models::client;
use crate::models::conflict::{FieldChange, Saved};
use crate::models::contractor;
use crate::models::idempotency::{self, Once};
use crate::models::job::{self, FormChoices, Job, JobDetail, JobFilter, JobInput, JobRow, JobSort, StatusFilter};
use crate::models::money;
use crate::models::shortlist;
use crate::models::stage::Stage;
use crate::models::submission::{self, Card};
use crate::models::task::{self, TaskItem};
use crate::models::validation::FieldErrors;
use crate::pages::{self, Flash, Layout, Section};
use crate::routes::clients::{page_number, query_string};
use crate::routes::{already_created, parse_id};
use crate::state::AppState;

/// Registers this resource's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/jobs").route(get().to(index)).route(post().to(create)))
        .service(resource("/jobs/new").route(get().to(new)))
        .service(resource("/jobs/{id}").route(get().to(show)).route(post().to(update)))
        .service(resource("/jobs/{id}/edit").route(get().to(edit)));
}

/// This resource's routes as (method, path pattern).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/jobs"),
    ("POST", "/jobs"),
    ("GET", "/jobs/new"),
    ("GET", "/jobs/{id}"),
    ("POST", "/jobs/{id}"),
    ("GET", "/jobs/{id}/edit"),
];

/// (id, name) pairs as select options (value, label).
fn options(list: &[(i64, String)]) -> Vec<(String, String)> {
    list.iter().map(|(id, name)| (id.to_string(), name.clone())).collect()
}

fn optional_id(raw: &str) -> Option<i64> {
    raw.trim().parse::<i64>().ok().filter(|id| *id > 0)
}

/// Query of `GET /jobs`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct JobListQuery {
    q: String,
    status: String,
    client_id: String,
    owner_id: String,
    sort: String,
    page: String,
}

#[derive(Template)]
#[template(path = "jobs/index.html")]
struct JobsPage {
    layout: Layout,
    rows: Vec<JobRow>,
    q: String,
    status: &'static str,
    client_id: String,
    owner_id: String,
    sort: &'static str,
    statuses: &'static [(&'static str, &'static str)],
    sorts: &'static [(&'static str, &'static str)],
    clients: Vec<(String, String)>,
    owners: Vec<(String, String)>,
    page: i64,
    previous_url: Option<String>,
    next_url: Option<String>,
    /// True when the agency has no clients at all (a job needs one first).
    no_clients: bool,
}

impl JobsPage {
    fn filtered(&self) -> bool {
        !self.q.is_empty()
            || self.status != "open"
            || !self.client_id.is_empty()
            || !self.owner_id.is_empty()
            || self.page > 1
    }
}

/// `GET /jobs?q=&status=&client_id=&owner_id=&sort=&page=`.
pub async fn index(
    app: web::Data<AppState>,
    staff: Staff,
    query: web::Query<JobListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let filter = JobFilter {
        q: query.q.trim().chars().take(200).collect(),
        status: StatusFilter::parse(&query.status),
        client_id: optional_id(&query.client_id),
        owner_id: optional_id(&query.owner_id),
        sort: JobSort::parse(&query.sort),
        page: page_number(&query.page),
    };
    let scope = staff.scope;
    let wanted = filter.clone();
    let (list, clients, owners) = app
        .db(move |conn| {
            let list = job::list(conn, scope, &wanted)?;
            let clients = client::choices(conn, scope, wanted.client_id, job::MAX_CLIENT_CHOICES)?;
            let owners = job::owner_filter_choices(conn, scope)?;
            Ok((list, clients, owners))
        })
        .await?;
    let id_text = |id: Option<i64>| id.map(|id| id.to_string()).unwrap_or_default();
    let url = |page: i64| {
        let query = query_string(&[
            ("q", filter.q.clone()),
            (
                "status",
                if filter.status == StatusFilter::default() { String::new() } else { filter.status.as_str().into() },
            ),
            ("client_id", id_text(filter.client_id)),
            ("owner_id", id_text(filter.owner_id)),
            ("sort", if filter.sort == JobSort::default() { String::new() } else { filter.sort.as_str().into() }),
            ("page", if page > 1 { page.to_string() } else { String::new() }),
        ]);
        format!("/jobs{query}")
    };
    let page = list.page;
    pages::html(&JobsPage {
        layout: staff.session.layout(Section::Jobs),
        rows: list.rows,
        previous_url: (page > 1).then(|| url(page - 1)),
        next_url: list.has_next.then(|| url(page + 1)),
        q: filter.q.clone(),
        status: filter.status.as_str(),
        client_id: id_text(filter.client_id),
        owner_id: id_text(filter.owner_id),
        sort: filter.sort.as_str(),
        statuses: StatusFilter::CHOICES,
        sorts: JobSort::CHOICES,
        no_clients: clients.is_empty(),
        clients: options(&clients),
        owners: options(&owners),
        page,
    })
}

#[derive(Template)]
#[template(path = "jobs/form.html")]
struct JobFormPage {
    layout: Layout,
    /// The job being edited; `None` for a new one.
    job: Option<Job>,
    form: JobInput,
    errors: FieldErrors,
    conflict: Vec<FieldChange>,
    clients: Vec<(String, String)>,
    owners: Vec<(String, String)>,
    currencies: Vec<(String, String)>,
    contract_types: &'static [(&'static str, &'static str)],
    remote_choices: &'static [(&'static str, &'static str)],
    statuses: &'static [(&'static str, &'static str)],
    rate_units: &'static [(&'static str, &'static str)],
}

impl JobFormPage {
    /// The name of the client the form is for, when it came preselected.
    fn client_name(&self) -> Option<&str> {
        self.clients.iter().find(|(id, _)| *id == self.form.client_id).map(|(_, name)| name.as_str())
    }
}

fn job_form(
    staff: &Staff,
    job: Option<Job>,
    form: JobInput,
    errors: FieldErrors,
    conflict: Vec<FieldChange>,
    choices: &FormChoices,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let mut currencies: Vec<(String, String)> =
        money::CURRENCIES.iter().map(|(code, shown)| (code.to_string(), shown.to_string())).collect();
    let typed = form.rate_currency.trim().to_uppercase();
    if !typed.is_empty() && !currencies.iter().any(|(code, _)| *code == typed) {
        currencies.push((form.rate_currency.clone(), form.rate_currency.clone()));
    }
    let page = JobFormPage {
        layout: staff.session.layout(Section::Jobs),
        job,
        form,
        errors,
        conflict,
        clients: options(&choices.clients),
        owners: options(&choices.owners),
        currencies,
        contract_types: job::CONTRACT_TYPES,
        remote_choices: job::REMOTE,
        statuses: job::STATUSES,
        rate_units: job::RATE_UNITS,
    };
    pages::html_with_status(status, &page)
}

/// Query of `GET /jobs/new`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewJobQuery {
    client_id: String,
}

/// `GET /jobs/new?client_id=` (the client is preselected when it is one of the agency's).
pub async fn new(
    app: web::Data<AppState>,
    staff: Staff,
    query: web::Query<NewJobQuery>,
) -> Result<HttpResponse, AppError> {
    let scope = staff.scope;
    let choices = app.db(move |conn| FormChoices::load(conn, scope, None)).await?;
    let wanted = optional_id(&query.client_id).filter(|id| choices.clients.iter().any(|(c, _)| c == id));
    let form = JobInput::blank(wanted, staff.user.id);
    job_form(&staff, None, form, FieldErrors::default(), Vec::new(), &choices, StatusCode::OK)
}

/// `POST /jobs`.
pub async fn create(
    app: web::Data<AppState>,
    staff: Staff,
    form: CsrfForm<JobInput>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let input = form.clone();
    let me = staff.user.id;
    let (outcome, choices) = app
        .db(move |conn| {
            let create = |conn: &mut _| job::create(conn, scope, &input, &actor, now);
            let location = |job: &job::Job| Some(format!("/jobs/{}", job.id));
            let outcome = idempotency::create_once(conn, me, &input.idempotency_key, now, create, location);
            let choices = match &outcome {
                Err(AppError::Invalid(_)) => FormChoices::load(conn, scope, None)?,
                _ => FormChoices::default(),
            };
            Ok((outcome, choices))
        })
        .await?;
    match outcome {
        Ok(Once::Ran(job)) => {
            staff.session.flash(Flash::success(format!("{} added.", job.title)));
            Ok(pages::redirect(&format!("/jobs/{}", job.id)))
        }
        Ok(Once::Repeated(location)) => Ok(already_created(&staff.session, &location)),
        Err(AppError::Invalid(errors)) => {
            job_form(&staff, None, form, errors, Vec::new(), &choices, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "jobs/show.html")]
struct JobPage {
    layout: Layout,
    detail: JobDetail,
    /// The newest activities about the job.
    activities: Vec<ActivityItem>,
    /// Open tasks about the job.
    tasks: Vec<TaskItem>,
    /// Enabled team members as (id, name), for choosing who does a follow-up.
    team: Vec<(String, String)>,
    /// Today in the viewer's time zone.
    today: chrono::NaiveDate,
    /// The job's shortlists, newest first.
    shortlists: Vec<shortlist::Summary>,
    /// The client's latest shortlist answer per submission ("Interested"), for the cards.
    client_answers: std::collections::HashMap<i64, String>,
    /// The pipeline's stages, in order, and a card per submission.
    stages: Vec<Stage>,
    cards: Vec<Card>,
    /// "Put forward" search: what was typed, and the matching contractors (id, name, headline).
    candidate: String,
    candidates: Vec<(i64, String, Option<String>)>,
    now: chrono::NaiveDateTime,
}

impl JobPage {
    /// The cards in one stage.
    fn cards_in(&self, stage_id: &i64) -> Vec<&Card> {
        self.cards.iter().filter(|c| c.stage_id == *stage_id).collect()
    }

    /// The client's latest shortlist answer on a card's submission.
    fn client_answer(&self, submission_id: &i64) -> Option<&str> {
        self.client_answers.get(submission_id).map(String::as_str)
    }

    /// The job's skills as a contractor search for candidates.
    fn find_candidates_url(&self) -> String {
        let mut url = format!("/contractors?for_job={}&sort=availability", self.detail.job.id);
        for skill in &self.detail.skills {
            url.push_str("&skill=");
            url.push_str(&pages::encode_query(skill));
        }
        url
    }
}

/// Query of the job page: a name to find a candidate to put forward.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct JobQuery {
    candidate: String,
}

/// `GET /jobs/{id}`.
pub async fn show(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    query: web::Query<JobQuery>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let scope = staff.scope;
    let candidate = query.into_inner().candidate.trim().chars().take(100).collect::<String>();
    let now = app.clock.now();
    let wanted = candidate.clone();
    let (detail, activities, tasks, team, (stages, cards), candidates, (shortlists, client_answers)) = app
        .db(move |conn| {
            let detail = job::detail(conn, scope, id)?;
            let activities = activity::for_job(conn, scope, id, crate::routes::activities::TIMELINE_LENGTH)?;
            let tasks = task::open_for(conn, scope, About::Job(id))?;
            let board = submission::board(conn, scope, id, now)?;
            let candidates =
                if wanted.is_empty() { Vec::new() } else { contractor::candidates(conn, scope, &wanted, 20)? };
            let shortlists = shortlist::for_job(conn, scope, id)?;
            Ok((detail, activities, tasks, contractor::team_choices(conn, scope)?, board, candidates, shortlists))
        })
        .await?;
    let today = crate::routes::activities::today(&staff, now);
    pages::html(&JobPage {
        layout: staff.session.layout(Section::Jobs),
        shortlists,
        client_answers,
        detail,
        activities,
        tasks,
        team,
        today,
        stages,
        cards,
        candidate,
        candidates,
        now,
    })
}

/// Loads a job's edit form as saved, and the form's choices.
fn saved_form(
    conn: &mut crate::db::DbConnection,
    scope: crate::models::agency::AgencyScope,
    id: i64,
) -> Result<(Job, JobInput, FormChoices), AppError> {
    let detail = job::detail(conn, scope, id)?;
    let form = JobInput::from_job(&detail.job, &detail.skills);
    let choices = FormChoices::load(conn, scope, Some(&detail.job))?;
    Ok((detail.job, form, choices))
}

/// `GET /jobs/{id}/edit`.
pub async fn edit(app: web::Data<AppState>, staff: Staff, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let scope = staff.scope;
    let (job, form, choices) = app.db(move |conn| saved_form(conn, scope, id)).await?;
    job_form(&staff, Some(job), form, FieldErrors::default(), Vec::new(), &choices, StatusCode::OK)
}

/// `POST /jobs/{id}`: saves the edit form (409 with what changed when someone saved first).
pub async fn update(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<JobInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let input = form.clone();
    let (outcome, saved) = app
        .db(move |conn| {
            let outcome = job::update(conn, scope, id, &input, &actor, now);
            let saved = match &outcome {
                Err(AppError::Invalid(_)) | Ok(Saved::Stale(_)) => Some(saved_form(conn, scope, id)?),
                _ => None,
            };
            Ok((outcome, saved))
        })
        .await?;
    let (form, errors, conflict, status, (job, _, choices)) = match (outcome, saved) {
        (Ok(Saved::Done(job)), _) => {
            staff.session.flash(Flash::success(format!("{} saved.", job.title)));
            return Ok(pages::redirect(&format!("/jobs/{}", job.id)));
        }
        (Ok(Saved::Stale(_)), Some((job, saved_form, choices))) => {
            let conflict = job::changes(&form, &saved_form, &choices);
            let form = form.with_version(job.version);
            (form, FieldErrors::default(), conflict, StatusCode::CONFLICT, (job, saved_form, choices))
        }
        (Err(AppError::Invalid(errors)), Some(saved)) => {
            (form, errors, Vec::new(), StatusCode::UNPROCESSABLE_ENTITY, saved)
        }
        (Ok(Saved::Stale(_)), None) | (Err(AppError::Invalid(_)), None) => {
            return Err(AppError::internal("the job form could not be reloaded"));
        }
        (Err(e), _) => return Err(e),
    };
    job_form(&staff, Some(job), form, errors, conflict, &choices, status)
}
