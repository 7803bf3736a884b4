//! Tasks: follow-ups with a due date and an assignee, attached to a contractor, client or job.
//! "My tasks" lists what is overdue, due today and coming up; done with one click.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::{agency_contractors, clients, jobs, tasks, users};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::models::activity::{self, About, AboutRecord};
use crate::models::agency::AgencyScope;
use crate::models::audit::{self, Actor, Event};
use crate::models::validation::{self, FieldErrors};

/// Longest task title accepted.
pub const MAX_TITLE: usize = 200;

/// Tasks per page of a task list.
pub const PAGE_SIZE: i64 = 100;

/// What a task is about, as a link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AboutLink {
    pub about: About,
    /// The contractor's or client's name, or the job's title.
    pub name: String,
}

impl AboutLink {
    /// The record's page.
    pub fn path(&self) -> String {
        self.about.path()
    }
}

/// A task as pages show it.
#[derive(Clone, Debug)]
pub struct TaskItem {
    pub id: i64,
    pub title: String,
    pub due_on: NaiveDate,
    pub assignee_id: i64,
    pub assignee_name: String,
    /// The contractor, job or client it is about (in that order of preference).
    pub about: Option<AboutLink>,
    pub done_at: Option<NaiveDateTime>,
    pub done_by_name: Option<String>,
}

impl TaskItem {
    /// True when not done and due before `today`.
    pub fn is_overdue(&self, today: &NaiveDate) -> bool {
        self.done_at.is_none() && self.due_on < *today
    }

    /// True when not done and due `today`.
    pub fn is_due_today(&self, today: &NaiveDate) -> bool {
        self.done_at.is_none() && self.due_on == *today
    }

    /// "today", "tomorrow", "yesterday", "3 days ago", "Mon 30 Nov", "4 Jan 2027".
    pub fn due_text(&self, today: &NaiveDate) -> String {
        match (self.due_on - *today).num_days() {
            0 => "today".into(),
            1 => "tomorrow".into(),
            -1 => "yesterday".into(),
            n if n < 0 => format!("{} days ago", -n),
            n if n < 7 => self.due_on.format("%a %-d %b").to_string(),
            _ => self.due_on.format("%-d %b %Y").to_string(),
        }
    }
}

diesel::alias!(users as assignees: Assignees, users as finishers: Finishers);

type ItemRow = (
    i64,
    String,
    NaiveDate,
    i64,
    String,
    Option<NaiveDateTime>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
);

/// Which tasks a list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Selection {
    /// Open tasks about one record (a client's include those about its jobs).
    OpenFor(About),
    /// Open tasks, soonest due first, after a (due_on, id) cursor.
    Open { assignee: Option<i64>, after: Option<(NaiveDate, i64)> },
    /// Completed tasks, most recently done first, below a (done_at, id) cursor.
    Done { assignee: Option<i64>, before: Option<(NaiveDateTime, i64)> },
}

/// Tasks of the agency with their assignee, finisher and what they are about, in one statement.
fn load(
    conn: &mut DbConnection,
    scope: AgencyScope,
    selection: Selection,
    limit: i64,
) -> Result<Vec<TaskItem>, AppError> {
    let mut query = tasks::table
        .inner_join(assignees.on(assignees.field(users::id).eq(tasks::assignee_id)))
        .left_join(finishers.on(tasks::done_by.eq(finishers.field(users::id).nullable())))
        .left_join(
            agency_contractors::table.on(tasks::contractor_id
                .eq(agency_contractors::id.nullable())
                .and(agency_contractors::agency_id.eq(tasks::agency_id))),
        )
        .left_join(
            clients::table.on(tasks::client_id.eq(clients::id.nullable()).and(clients::agency_id.eq(tasks::agency_id))),
        )
        .left_join(jobs::table.on(tasks::job_id.eq(jobs::id.nullable()).and(jobs::agency_id.eq(tasks::agency_id))))
        .filter(tasks::agency_id.eq(scope.agency_id()))
        .select((
            tasks::id,
            tasks::title,
            tasks::due_on,
            tasks::assignee_id,
            assignees.field(users::name),
            tasks::done_at,
            finishers.field(users::name).nullable(),
            tasks::contractor_id,
            agency_contractors::name.nullable(),
            tasks::client_id,
            clients::name.nullable(),
            tasks::job_id,
            jobs::title.nullable(),
        ))
        .limit(limit)
        .into_boxed();
    match selection {
        Selection::OpenFor(about) => {
            query = match about {
                About::Contractor(id) => query.filter(tasks::contractor_id.eq(id)),
                About::Client(id) => query.filter(tasks::client_id.eq(id)),
                About::Job(id) => query.filter(tasks::job_id.eq(id)),
            };
            query = query.filter(tasks::done_at.is_null()).order((tasks::due_on.asc(), tasks::id.asc()));
        }
        Selection::Open { assignee, after } => {
            query = query.filter(tasks::done_at.is_null()).order((tasks::due_on.asc(), tasks::id.asc()));
            if let Some(assignee) = assignee {
                query = query.filter(tasks::assignee_id.eq(assignee));
            }
            if let Some((due_on, id)) = after {
                query = query.filter(tasks::due_on.gt(due_on).or(tasks::due_on.eq(due_on).and(tasks::id.gt(id))));
            }
        }
        Selection::Done { assignee, before } => {
            query = query.filter(tasks::done_at.is_not_null()).order((tasks::done_at.desc(), tasks::id.desc()));
            if let Some(assignee) = assignee {
                query = query.filter(tasks::assignee_id.eq(assignee));
            }
            if let Some((done_at, id)) = before {
                query = query.filter(tasks::done_at.lt(done_at).or(tasks::done_at.eq(done_at).and(tasks::id.lt(id))));
            }
        }
    }
    let rows: Vec<ItemRow> = query.load(conn)?;
    Ok(rows.into_iter().map(item).collect())
}

fn item(row: ItemRow) -> TaskItem {
    let (
        id,
        title,
        due_on,
        assignee_id,
        assignee_name,
        done_at,
        done_by_name,
        contractor_id,
        contractor_name,
        client_id,
        client_name,
        job_id,
        job_title,
    ) = row;
    let about = contractor_id
        .zip(contractor_name)
        .map(|(id, name)| AboutLink { about: About::Contractor(id), name })
        .or_else(|| job_id.zip(job_title).map(|(id, name)| AboutLink { about: About::Job(id), name }))
        .or_else(|| client_id.zip(client_name).map(|(id, name)| AboutLink { about: About::Client(id), name }));
    TaskItem { id, title, due_on, assignee_id, assignee_name, about, done_at, done_by_name }
}

/// The open tasks about a contractor record, soonest due first, in one query.
pub fn open_for_contractor(
    conn: &mut DbConnection,
    scope: AgencyScope,
    contractor_id: i64,
) -> Result<Vec<TaskItem>, AppError> {
    open_for(conn, scope, About::Contractor(contractor_id))
}

/// The open tasks about a record, soonest due first, in one query (at most [`PAGE_SIZE`]). A
/// client's include those about its jobs.
pub fn open_for(conn: &mut DbConnection, scope: AgencyScope, about: About) -> Result<Vec<TaskItem>, AppError> {
    load(conn, scope, Selection::OpenFor(about), PAGE_SIZE)
}

/// Whose tasks a list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// The signed-in user's.
    Me,
    /// Everyone's in the agency.
    Team,
}

/// Open or completed tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Show {
    /// Not done yet, soonest due first.
    Open,
    /// Done, most recently first.
    Done,
}

/// The task list's query string (`GET /tasks?who=team&show=done&after=…`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListInput {
    pub who: String,
    pub show: String,
    pub after: String,
}

/// A checked task list query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListQuery {
    pub who: Who,
    pub show: Show,
    after: Option<ListCursor>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ListCursor {
    Due(NaiveDate, i64),
    Done(NaiveDateTime, i64),
}

impl ListCursor {
    fn encode(&self) -> String {
        match self {
            Self::Due(date, id) => format!("{}_{id}", date.format("%Y-%m-%d")),
            Self::Done(at, id) => format!("{}_{id}", at.and_utc().timestamp_micros()),
        }
    }

    fn decode(show: Show, raw: &str) -> Option<Self> {
        let (at, id) = raw.trim().split_once('_')?;
        let id = id.parse().ok().filter(|id| *id > 0)?;
        match show {
            Show::Open => Some(Self::Due(NaiveDate::parse_from_str(at, "%Y-%m-%d").ok()?, id)),
            Show::Done => Some(Self::Done(DateTime::from_timestamp_micros(at.parse().ok()?)?.naive_utc(), id)),
        }
    }
}

impl ListInput {
    /// Checks the parameters; anything unknown is a clear 400, never a guess.
    pub fn validate(&self) -> Result<ListQuery, AppError> {
        let who = match self.who.trim() {
            "" | "me" => Who::Me,
            "team" => Who::Team,
            _ => return Err(AppError::BadRequest("Show either your tasks (who=me) or the team's (who=team).".into())),
        };
        let show = match self.show.trim() {
            "" | "open" => Show::Open,
            "done" => Show::Done,
            _ => {
                return Err(AppError::BadRequest(
                    "Show either open tasks (show=open) or completed ones (show=done).".into(),
                ));
            }
        };
        let after = match self.after.trim() {
            "" => None,
            raw => Some(ListCursor::decode(show, raw).ok_or_else(|| {
                AppError::BadRequest("This page link is broken; start again from the first page.".into())
            })?),
        };
        Ok(ListQuery { who, show, after })
    }
}

impl ListQuery {
    /// The first page of the same list.
    pub fn is_first_page(&self) -> bool {
        self.after.is_none()
    }

    /// `who` as a URL parameter value.
    pub fn who_param(&self) -> &'static str {
        match self.who {
            Who::Me => "me",
            Who::Team => "team",
        }
    }

    /// `show` as a URL parameter value.
    pub fn show_param(&self) -> &'static str {
        match self.show {
            Show::Open => "open",
            Show::Done => "done",
        }
    }

    /// The URL of this list (with its cursor when `with_cursor`).
    pub fn url(&self, who: Who, show: Show, after: Option<&str>) -> String {
        let mut parts = Vec::new();
        if who == Who::Team {
            parts.push("who=team".to_string());
        }
        if show == Show::Done {
            parts.push("show=done".to_string());
        }
        if let Some(after) = after {
            parts.push(format!("after={after}"));
        }
        if parts.is_empty() { "/tasks".to_string() } else { format!("/tasks?{}", parts.join("&")) }
    }

    /// The URL of the page shown (where Done and Reopen return to).
    pub fn here(&self) -> String {
        self.url(self.who, self.show, self.after.map(|a| a.encode()).as_deref())
    }
}

/// A page of a task list.
#[derive(Clone, Debug)]
pub struct TaskPage {
    pub items: Vec<TaskItem>,
    /// The `after` parameter of the next page, if there is one.
    pub next: Option<String>,
}

/// A page of at most [`PAGE_SIZE`] tasks: `me`'s or the team's, open or done.
pub fn list(conn: &mut DbConnection, scope: AgencyScope, me: i64, query: &ListQuery) -> Result<TaskPage, AppError> {
    let assignee = (query.who == Who::Me).then_some(me);
    let selection = match (query.show, query.after) {
        (Show::Open, Some(ListCursor::Due(date, id))) => Selection::Open { assignee, after: Some((date, id)) },
        (Show::Open, _) => Selection::Open { assignee, after: None },
        (Show::Done, Some(ListCursor::Done(at, id))) => Selection::Done { assignee, before: Some((at, id)) },
        (Show::Done, _) => Selection::Done { assignee, before: None },
    };
    let mut items = load(conn, scope, selection, PAGE_SIZE + 1)?;
    let more = items.len() as i64 > PAGE_SIZE;
    items.truncate(PAGE_SIZE as usize);
    let next = if more {
        items.last().map(|last| match (query.show, last.done_at) {
            (Show::Done, Some(at)) => ListCursor::Done(at, last.id).encode(),
            _ => ListCursor::Due(last.due_on, last.id).encode(),
        })
    } else {
        None
    };
    Ok(TaskPage { items, next })
}

/// The new-task form, as submitted.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TaskInput {
    pub title: String,
    pub due_on: String,
    pub assignee_id: String,
    pub contractor_id: String,
    pub client_id: String,
    pub job_id: String,
    /// See [`crate::models::idempotency`].
    pub idempotency_key: String,
}

/// A checked new task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidTask {
    pub title: String,
    pub due_on: NaiveDate,
    pub assignee_id: i64,
    pub about: Option<About>,
}

/// The new-task page's query string (`GET /tasks/new?contractor_id=…`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewTaskQuery {
    pub contractor_id: String,
    pub client_id: String,
    pub job_id: String,
}

/// What a form or link says a task is about: `Err(field)` when an id is not a positive number,
/// `Err("")` when several are given.
fn about_from(contractor_id: &str, client_id: &str, job_id: &str) -> Result<Option<About>, &'static str> {
    let mut found = None;
    for (field, raw, make) in [
        ("contractor_id", contractor_id, About::Contractor as fn(i64) -> About),
        ("client_id", client_id, About::Client),
        ("job_id", job_id, About::Job),
    ] {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let id = raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(field)?;
        if found.is_some() {
            return Err("");
        }
        found = Some(make(id));
    }
    Ok(found)
}

/// The field of the form that names the record `about`.
pub fn about_field(about: &About) -> &'static str {
    match about {
        About::Contractor(_) => "contractor_id",
        About::Client(_) => "client_id",
        About::Job(_) => "job_id",
    }
}

fn not_in_agency(about: About) -> String {
    format!("There is no such {} in your agency's records.", about.noun())
}

impl NewTaskQuery {
    /// The record the new task will be about; a malformed id answers like a missing record.
    pub fn about(&self) -> Result<Option<About>, AppError> {
        about_from(&self.contractor_id, &self.client_id, &self.job_id).map_err(|field| {
            if field.is_empty() {
                AppError::BadRequest("A task is about one contractor, client or job at a time.".into())
            } else {
                AppError::NotFound
            }
        })
    }
}

impl TaskInput {
    /// A blank form for a task about `about`, assigned to `me`.
    pub fn blank(about: Option<About>, me: i64) -> Self {
        let idempotency_key = crate::models::idempotency::new_key();
        let mut form = Self { assignee_id: me.to_string(), idempotency_key, ..Self::default() };
        match about {
            Some(About::Contractor(id)) => form.contractor_id = id.to_string(),
            Some(About::Client(id)) => form.client_id = id.to_string(),
            Some(About::Job(id)) => form.job_id = id.to_string(),
            None => {}
        }
        form
    }

    /// The record the form names, if its id is readable (for showing the form again).
    pub fn about(&self) -> Option<About> {
        about_from(&self.contractor_id, &self.client_id, &self.job_id).ok().flatten()
    }

    /// Checks every field, collecting every problem; `me` is the assignee when none is chosen.
    pub fn validate(&self, me: i64) -> Result<ValidTask, AppError> {
        let mut errors = FieldErrors::default();
        let title = validation::required(&mut errors, "title", "What to do", &self.title, MAX_TITLE);
        let due_on = validation::optional_date(&mut errors, "due_on", "Due date", &self.due_on);
        if due_on.is_none() && !errors.has("due_on") {
            errors.add("due_on", "Due date is required.");
        }
        let assignee_id = parse_assignee(&mut errors, "assignee_id", &self.assignee_id, me);
        let about = match about_from(&self.contractor_id, &self.client_id, &self.job_id) {
            Ok(about) => about,
            Err("") => {
                errors.add("about", "A task is about one contractor, client or job at a time.");
                None
            }
            Err(field) => {
                let noun = field.trim_end_matches("_id");
                errors.add(field, format!("There is no such {noun} in your agency's records."));
                None
            }
        };
        let due_on = due_on.unwrap_or_default();
        errors.finish(ValidTask { title, due_on, assignee_id, about })
    }
}

/// The assignee chosen in a form: blank means `me`; anything unreadable is a field error.
pub fn parse_assignee(errors: &mut FieldErrors, field: &'static str, raw: &str, me: i64) -> i64 {
    match raw.trim() {
        "" => me,
        raw => match raw.parse::<i64>() {
            Ok(id) if id > 0 => id,
            _ => {
                errors.add(field, "Choose someone from your team.");
                me
            }
        },
    }
}

/// The name of `user_id` if they are an enabled member of the agency's staff; otherwise a field
/// error on `field` (the same for another agency's user, a missing one and a disabled one).
pub fn team_member(
    conn: &mut DbConnection,
    scope: AgencyScope,
    user_id: i64,
    field: &'static str,
) -> Result<String, AppError> {
    users::table
        .filter(users::id.eq(user_id))
        .filter(users::agency_id.eq(scope.agency_id()))
        .filter(users::disabled_at.is_null())
        .select(users::name)
        .first::<String>(conn)
        .optional()?
        .ok_or_else(|| AppError::invalid(field, "Choose someone from your team."))
}

/// A task to insert (inside the caller's transaction).
#[derive(Clone, Debug)]
pub struct NewTask<'a> {
    pub title: &'a str,
    pub due_on: NaiveDate,
    pub assignee_id: i64,
    pub contractor_id: Option<i64>,
    pub client_id: Option<i64>,
    pub job_id: Option<i64>,
    pub activity_id: Option<i64>,
}

/// Inserts a task whose assignee and record were already checked in this transaction.
pub fn insert(
    conn: &mut DbConnection,
    scope: AgencyScope,
    new: &NewTask<'_>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    let id: i64 = diesel::insert_into(tasks::table)
        .values((
            tasks::agency_id.eq(scope.agency_id()),
            tasks::title.eq(new.title),
            tasks::due_on.eq(new.due_on),
            tasks::assignee_id.eq(new.assignee_id),
            tasks::created_by.eq(actor.user_id),
            tasks::contractor_id.eq(new.contractor_id),
            tasks::client_id.eq(new.client_id),
            tasks::job_id.eq(new.job_id),
            tasks::activity_id.eq(new.activity_id),
            tasks::created_at.eq(now),
            tasks::updated_at.eq(now),
        ))
        .returning(tasks::id)
        .get_result(conn)?;
    audit::record(conn, actor, Event::on("task.created", "task", id, new.title.to_string()), now)?;
    Ok(id)
}

/// A task just created.
#[derive(Clone, Debug)]
pub struct Created {
    pub id: i64,
    pub record: Option<AboutRecord>,
    pub assignee_name: String,
}

/// Creates a task. The record it is about and the assignee must be the agency's (field errors
/// otherwise, the same for another agency's and for missing ones).
pub fn create(
    conn: &mut DbConnection,
    scope: AgencyScope,
    input: &ValidTask,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Created, AppError> {
    db::write(conn, |conn| {
        let mut errors = FieldErrors::default();
        let record = match input.about {
            Some(about) => match activity::find_about(conn, scope, about) {
                Ok(record) => Some(record),
                Err(AppError::NotFound) => {
                    errors.add(about_field(&about), not_in_agency(about));
                    None
                }
                Err(e) => return Err(e),
            },
            None => None,
        };
        let assignee_name = match team_member(conn, scope, input.assignee_id, "assignee_id") {
            Ok(name) => name,
            Err(AppError::Invalid(problems)) => {
                errors.extend(problems);
                String::new()
            }
            Err(e) => return Err(e),
        };
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let (contractor_id, client_id, job_id) = match &record {
            Some(AboutRecord { about: About::Contractor(id), .. }) => (Some(*id), None, None),
            Some(AboutRecord { about: About::Client(id), .. }) => (None, Some(*id), None),
            Some(AboutRecord { about: About::Job(id), client_id, .. }) => (None, *client_id, Some(*id)),
            None => (None, None, None),
        };
        let id = insert(
            conn,
            scope,
            &NewTask {
                title: &input.title,
                due_on: input.due_on,
                assignee_id: input.assignee_id,
                contractor_id,
                client_id,
                job_id,
                activity_id: None,
            },
            actor,
            now,
        )?;
        Ok(Created { id, record, assignee_name })
    })
}

/// The task with this id in the scoped agency; another agency's answers `NotFound`.
fn find(conn: &mut DbConnection, scope: AgencyScope, id: i64) -> Result<(String, Option<NaiveDateTime>), AppError> {
    Ok(tasks::table
        .filter(tasks::id.eq(id))
        .filter(tasks::agency_id.eq(scope.agency_id()))
        .select((tasks::title, tasks::done_at))
        .first(conn)?)
}

/// What marking a task done or open did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marked {
    pub title: String,
    /// False when it already was in that state (nothing changed).
    pub changed: bool,
}

/// Marks a task done (who and when); done twice keeps the first.
pub fn complete(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Marked, AppError> {
    db::write(conn, |conn| {
        let (title, done_at) = find(conn, scope, id)?;
        if done_at.is_some() {
            return Ok(Marked { title, changed: false });
        }
        let changed = diesel::update(
            tasks::table
                .filter(tasks::id.eq(id))
                .filter(tasks::agency_id.eq(scope.agency_id()))
                .filter(tasks::done_at.is_null()),
        )
        .set((tasks::done_at.eq(Some(now)), tasks::done_by.eq(actor.user_id), tasks::updated_at.eq(now)))
        .execute(conn)?
            == 1;
        if changed {
            audit::record(conn, actor, Event::on("task.completed", "task", id, title.clone()), now)?;
        }
        Ok(Marked { title, changed })
    })
}

/// Opens a done task again; reopening an open task changes nothing.
pub fn reopen(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Marked, AppError> {
    db::write(conn, |conn| {
        let (title, done_at) = find(conn, scope, id)?;
        if done_at.is_none() {
            return Ok(Marked { title, changed: false });
        }
        diesel::update(tasks::table.filter(tasks::id.eq(id)).filter(tasks::agency_id.eq(scope.agency_id())))
            .set((tasks::done_at.eq(None::<NaiveDateTime>), tasks::done_by.eq(None::<i64>), tasks::updated_at.eq(now)))
            .execute(conn)?;
        audit::record(conn, actor, Event::on("task.reopened", "task", id, title.clone()), now)?;
        Ok(Marked { title, changed: true })
    })
}
