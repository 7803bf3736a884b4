//! `/tasks`: "My tasks" (overdue, today, upcoming), the team's tasks, recently completed ones,
//! adding a task, and done or reopened with one click.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::{CsrfForm, Staff};
use crate::error::AppError;
use crate::models::activity::{self, About, AboutRecord};
use crate::models::contractor;
use crate::models::idempotency::{self, Once};
use crate::models::submission::{self, UpdateDue};
use crate::models::task::{self, ListInput, ListQuery, NewTaskQuery, Show, TaskInput, TaskItem, Who};
use crate::models::validation::FieldErrors;
use crate::pages::{self, Flash, Layout, Section};
use crate::routes::activities::today;
use crate::routes::{HtmlQuery, already_created, parse_id};
use crate::state::AppState;

/// Registers this resource's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/tasks").route(get().to(index)).route(post().to(create)))
        .service(resource("/tasks/new").route(get().to(new)))
        .service(resource("/tasks/{id}/done").route(post().to(done)))
        .service(resource("/tasks/{id}/reopen").route(post().to(reopen)));
}

/// This resource's routes as (method, path pattern).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/tasks"),
    ("POST", "/tasks"),
    ("GET", "/tasks/new"),
    ("POST", "/tasks/{id}/done"),
    ("POST", "/tasks/{id}/reopen"),
];

#[derive(Template)]
#[template(path = "tasks/index.html")]
struct ListPage {
    layout: Layout,
    query: ListQuery,
    tasks: Vec<TaskItem>,
    next: Option<String>,
    today: NaiveDate,
    /// Submissions whose update to the contractor is due: they lead the list.
    updates: Vec<UpdateDue>,
}

impl ListPage {
    fn all(&self) -> Vec<&TaskItem> {
        self.tasks.iter().collect()
    }

    fn overdue(&self) -> Vec<&TaskItem> {
        self.tasks.iter().filter(|t| t.is_overdue(&self.today)).collect()
    }

    fn due_today(&self) -> Vec<&TaskItem> {
        self.tasks.iter().filter(|t| t.is_due_today(&self.today)).collect()
    }

    fn upcoming(&self) -> Vec<&TaskItem> {
        self.tasks.iter().filter(|t| t.done_at.is_none() && t.due_on > self.today).collect()
    }

    fn is_team(&self) -> bool {
        self.query.who == Who::Team
    }

    fn is_done(&self) -> bool {
        self.query.show == Show::Done
    }

    fn title(&self) -> &'static str {
        match (self.query.who, self.query.show) {
            (Who::Me, Show::Open) => "My tasks",
            (Who::Team, Show::Open) => "Team tasks",
            (Who::Me, Show::Done) => "My completed tasks",
            (Who::Team, Show::Done) => "Team's completed tasks",
        }
    }

    fn url(&self, who: &str, show: &str) -> String {
        let who = if who == "team" { Who::Team } else { Who::Me };
        let show = if show == "done" { Show::Done } else { Show::Open };
        self.query.url(who, show, None)
    }

    fn next_url(&self) -> Option<String> {
        self.next.as_deref().map(|after| self.query.url(self.query.who, self.query.show, Some(after)))
    }

    fn first_url(&self) -> String {
        self.query.url(self.query.who, self.query.show, None)
    }
}

/// `GET /tasks`: my open tasks by default; `who=team` for everyone's, `show=done` for completed.
pub async fn index(
    app: web::Data<AppState>,
    staff: Staff,
    query: HtmlQuery<ListInput>,
) -> Result<HttpResponse, AppError> {
    let query = query.0.validate()?;
    let (scope, me, day) = (staff.scope, staff.user.id, today(&staff, app.clock.now()));
    let asked = query;
    let (page, updates) = app
        .db(move |conn| {
            let page = task::list(conn, scope, me, &asked)?;
            let owner = (asked.who == Who::Me).then_some(me);
            let updates = if asked.show == Show::Open && asked.is_first_page() {
                submission::updates_due(conn, scope, owner, day, 200)?
            } else {
                Vec::new()
            };
            Ok((page, updates))
        })
        .await?;
    pages::html(&ListPage {
        layout: staff.session.layout(Section::Tasks),
        query,
        tasks: page.items,
        next: page.next,
        today: day,
        updates,
    })
}

#[derive(Template)]
#[template(path = "tasks/new.html")]
struct NewPage {
    layout: Layout,
    form: TaskInput,
    errors: FieldErrors,
    team: Vec<(String, String)>,
    /// The record the task is about, when it is the agency's.
    record: Option<AboutRecord>,
    /// The record the form names (found or not), for its hidden field and error.
    about: Option<About>,
    today: NaiveDate,
}

impl NewPage {
    /// The field naming the record (where its error shows).
    fn about_field(&self) -> &'static str {
        match self.about {
            Some(about) => task::about_field(&about),
            None => ["contractor_id", "client_id", "job_id"]
                .into_iter()
                .find(|field| self.errors.has(field))
                .unwrap_or("about"),
        }
    }

    fn due_hint(&self) -> String {
        format!("Today is {}.", self.today.format("%a %-d %b %Y"))
    }

    fn cancel_url(&self) -> String {
        self.record.as_ref().map_or_else(|| "/tasks".to_string(), |r| r.about.path())
    }
}

async fn form_page(
    app: &AppState,
    staff: &Staff,
    form: TaskInput,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let scope = staff.scope;
    let about = form.about();
    let (record, team) = app
        .db(move |conn| {
            // On a form sent back, a record that is not the agency's is simply not shown.
            let record = match about.map(|about| activity::find_about(conn, scope, about)) {
                Some(Ok(record)) => Some(record),
                Some(Err(AppError::NotFound)) | None => None,
                Some(Err(e)) => return Err(e),
            };
            Ok((record, contractor::team_choices(conn, scope)?))
        })
        .await?;
    let today = today(staff, app.clock.now());
    let layout = staff.session.layout(Section::Tasks);
    pages::html_with_status(status, &NewPage { layout, form, errors, team, record, about, today })
}

/// `GET /tasks/new` (optionally `?contractor_id=`, `?client_id=` or `?job_id=`).
pub async fn new(
    app: web::Data<AppState>,
    staff: Staff,
    query: HtmlQuery<NewTaskQuery>,
) -> Result<HttpResponse, AppError> {
    let about = query.0.about()?;
    let scope = staff.scope;
    // Another agency's record answers like a missing one.
    if let Some(about) = about {
        app.db(move |conn| activity::find_about(conn, scope, about)).await?;
    }
    let form = TaskInput::blank(about, staff.user.id);
    form_page(&app, &staff, form, FieldErrors::default(), StatusCode::OK).await
}

/// `POST /tasks`: adds a task.
pub async fn create(
    app: web::Data<AppState>,
    staff: Staff,
    form: CsrfForm<TaskInput>,
) -> Result<HttpResponse, AppError> {
    let mut form = form.into_inner();
    if form.assignee_id.trim().is_empty() {
        // No choice means me, and the form shown again says so.
        form.assignee_id = staff.user.id.to_string();
    }
    let valid = match form.validate(staff.user.id) {
        Ok(valid) => valid,
        Err(AppError::Invalid(errors)) => {
            return form_page(&app, &staff, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Err(e),
    };
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let title = valid.title.clone();
    let due_on = valid.due_on;
    let (me, key) = (staff.user.id, form.idempotency_key.clone());
    let back =
        |created: &task::Created| created.record.as_ref().map_or_else(|| "/tasks".to_string(), |r| r.about.path());
    let created = app.db(move |conn| {
        let create = |conn: &mut _| task::create(conn, scope, &valid, &actor, now);
        idempotency::create_once(conn, me, &key, now, create, |created| Some(back(created)))
    });
    match created.await {
        Ok(Once::Ran(created)) => {
            staff.session.flash(Flash::success(format!(
                "Task added: “{title}”, due {} for {}.",
                due_on.format("%-d %b %Y"),
                created.assignee_name
            )));
            Ok(pages::redirect(&back(&created)))
        }
        Ok(Once::Repeated(location)) => Ok(already_created(&staff.session, &location)),
        Err(AppError::Invalid(errors)) => form_page(&app, &staff, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(e),
    }
}

/// The Done and Reopen buttons' form: where to go back to.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReturnTo {
    pub return_to: String,
}

impl ReturnTo {
    /// A local path to go back to (`/tasks` when none or not local).
    fn path(&self) -> String {
        pages::return_target(self.return_to.trim(), "/tasks")
    }
}

/// `POST /tasks/{id}/done`: one click; done twice keeps the first.
pub async fn done(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<ReturnTo>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let marked = app.db(move |conn| task::complete(conn, scope, id, &actor, now)).await?;
    staff.session.flash(if marked.changed {
        Flash::success(format!("Done: {}.", marked.title))
    } else {
        Flash::info(format!("“{}” was already done.", marked.title))
    });
    Ok(pages::redirect(&form.0.path()))
}

/// `POST /tasks/{id}/reopen`.
pub async fn reopen(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<ReturnTo>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let marked = app.db(move |conn| task::reopen(conn, scope, id, &actor, now)).await?;
    staff.session.flash(if marked.changed {
        Flash::success(format!("Reopened: {}.", marked.title))
    } else {
        Flash::info(format!("“{}” is already open.", marked.title))
    });
    Ok(pages::redirect(&form.0.path()))
}
