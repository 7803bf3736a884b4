//! Activities: calls, emails, meetings and notes logged against a contractor, client or job,
//! each optionally with a follow-up task, saved together or not at all.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, TimeDelta, TimeZone};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::{activities, agency_contractors, clients, jobs, tasks, users};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::audit::{self, Actor, Event};
use crate::models::task::{self, NewTask};
use crate::models::validation::{self, FieldErrors};

/// Kinds of activity: (stored, shown).
pub const KINDS: &[(&str, &str)] = &[("call", "Call"), ("email", "Email"), ("meeting", "Meeting"), ("note", "Note")];

/// Longest "what happened" accepted.
pub const MAX_BODY: usize = 20_000;

/// Activities per page of a full timeline.
pub const PAGE_SIZE: i64 = 50;

/// How far ahead of now "when" may be (clocks of browsers and servers differ a little).
const FUTURE_TOLERANCE_MINUTES: i64 = 15;

/// A second identical submission within this many seconds is the same activity (a double click
/// or a retried request), not a new one.
const REPEAT_WINDOW_SECONDS: i64 = 60;

/// What an activity or a task is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum About {
    /// An agency contractor record.
    Contractor(i64),
    /// A client.
    Client(i64),
    /// A job.
    Job(i64),
}

impl About {
    /// The record's page.
    pub fn path(&self) -> String {
        match self {
            Self::Contractor(id) => format!("/contractors/{id}"),
            Self::Client(id) => format!("/clients/{id}"),
            Self::Job(id) => format!("/jobs/{id}"),
        }
    }

    /// Where activities about the record are listed and logged.
    pub fn activities_path(&self) -> String {
        format!("{}/activities", self.path())
    }

    /// What kind of record this is, in words ("contractor", "client", "job").
    pub fn noun(&self) -> &'static str {
        match self {
            Self::Contractor(_) => "contractor",
            Self::Client(_) => "client",
            Self::Job(_) => "job",
        }
    }

    /// The record's id.
    pub fn id(&self) -> i64 {
        match self {
            Self::Contractor(id) | Self::Client(id) | Self::Job(id) => *id,
        }
    }
}

/// A record an activity or task is about, found in the agency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AboutRecord {
    pub about: About,
    /// The contractor's or client's name, or the job's title.
    pub name: String,
    /// The client of a job (activities and tasks about a job also show on its client's page).
    pub client_id: Option<i64>,
}

/// The record `about` points at, in the scoped agency; another agency's answers `NotFound`.
pub fn find_about(conn: &mut DbConnection, scope: AgencyScope, about: About) -> Result<AboutRecord, AppError> {
    let agency = scope.agency_id();
    let (name, client_id) = match about {
        About::Contractor(id) => (
            agency_contractors::table
                .filter(agency_contractors::id.eq(id))
                .filter(agency_contractors::agency_id.eq(agency))
                .select(agency_contractors::name)
                .first::<String>(conn)?,
            None,
        ),
        About::Client(id) => (
            clients::table
                .filter(clients::id.eq(id))
                .filter(clients::agency_id.eq(agency))
                .select(clients::name)
                .first::<String>(conn)?,
            None,
        ),
        About::Job(id) => {
            let (title, client_id) = jobs::table
                .filter(jobs::id.eq(id))
                .filter(jobs::agency_id.eq(agency))
                .select((jobs::title, jobs::client_id))
                .first::<(String, i64)>(conn)?;
            (title, Some(client_id))
        }
    };
    Ok(AboutRecord { about, name, client_id })
}

/// The follow-up task an activity created, as its timeline entry shows it.
#[derive(Clone, Debug)]
pub struct FollowUp {
    pub task_id: i64,
    pub title: String,
    pub due_on: NaiveDate,
    pub assignee_name: String,
    pub done_at: Option<NaiveDateTime>,
}

/// One entry of a timeline, as pages show it.
#[derive(Clone, Debug)]
pub struct ActivityItem {
    pub id: i64,
    pub kind: String,
    pub body: String,
    pub author_name: Option<String>,
    pub occurred_at: NaiveDateTime,
    /// The job it was logged against (shown on a client's timeline), as (id, title).
    pub job: Option<(i64, String)>,
    /// The follow-up task logged with it, if any.
    pub follow_up: Option<FollowUp>,
}

impl ActivityItem {
    /// "Call", "Email", "Meeting" or "Note".
    pub fn kind_label(&self) -> &'static str {
        KINDS.iter().find(|(stored, _)| *stored == self.kind).map_or("Activity", |(_, shown)| shown)
    }

    /// A small symbol for the kind (decorative: the label says the same).
    pub fn kind_icon(&self) -> &'static str {
        match self.kind.as_str() {
            "call" => "☎",
            "email" => "✉",
            "meeting" => "◉",
            _ => "✎",
        }
    }
}

diesel::alias!(users as follow_up_assignees: FollowUpAssignees);

type ItemRow = (
    i64,
    String,
    String,
    Option<String>,
    NaiveDateTime,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<NaiveDate>,
    Option<NaiveDateTime>,
    Option<String>,
);

/// Where a page of a timeline starts: below this (occurred_at, id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub occurred_at: NaiveDateTime,
    pub id: i64,
}

impl Cursor {
    /// The cursor as a URL parameter.
    pub fn encode(&self) -> String {
        format!("{}_{}", self.occurred_at.and_utc().timestamp_micros(), self.id)
    }

    /// A cursor from a URL parameter; `None` when it was not made by [`Cursor::encode`].
    pub fn decode(raw: &str) -> Option<Self> {
        let (micros, id) = raw.trim().split_once('_')?;
        let occurred_at = DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
        let id = id.parse().ok().filter(|id| *id > 0)?;
        Some(Self { occurred_at, id })
    }
}

/// Newest first, starting below `before`, at most `limit` entries, in one statement.
fn timeline(
    conn: &mut DbConnection,
    scope: AgencyScope,
    about: About,
    before: Option<Cursor>,
    limit: i64,
) -> Result<Vec<ActivityItem>, AppError> {
    let mut query = activities::table
        .left_join(users::table.on(activities::author_id.eq(users::id.nullable())))
        // The activity's own follow-up task, by the activity alone: the activity is the agency's
        // already, and a second term on the agency lets planners walk the agency's every task.
        .left_join(tasks::table.on(tasks::activity_id.eq(activities::id.nullable())))
        .left_join(follow_up_assignees.on(follow_up_assignees.field(users::id).eq(tasks::assignee_id)))
        .left_join(
            jobs::table.on(activities::job_id.eq(jobs::id.nullable()).and(jobs::agency_id.eq(activities::agency_id))),
        )
        .filter(activities::agency_id.eq(scope.agency_id()))
        .select((
            activities::id,
            activities::kind,
            activities::body,
            users::name.nullable(),
            activities::occurred_at,
            activities::job_id,
            jobs::title.nullable(),
            tasks::id.nullable(),
            tasks::title.nullable(),
            tasks::due_on.nullable(),
            tasks::done_at.nullable(),
            follow_up_assignees.field(users::name).nullable(),
        ))
        .order((activities::occurred_at.desc(), activities::id.desc()))
        .limit(limit)
        .into_boxed();
    query = match about {
        About::Contractor(id) => query.filter(activities::contractor_id.eq(id)),
        About::Client(id) => query.filter(activities::client_id.eq(id)),
        About::Job(id) => query.filter(activities::job_id.eq(id)),
    };
    if let Some(Cursor { occurred_at, id }) = before {
        query = query.filter(
            activities::occurred_at
                .lt(occurred_at)
                .or(activities::occurred_at.eq(occurred_at).and(activities::id.lt(id))),
        );
    }
    let rows: Vec<ItemRow> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                kind,
                body,
                author_name,
                occurred_at,
                job_id,
                job_title,
                task_id,
                title,
                due_on,
                done_at,
                assignee,
            )| {
                let follow_up = match (task_id, title, due_on) {
                    (Some(task_id), Some(title), Some(due_on)) => {
                        Some(FollowUp { task_id, title, due_on, assignee_name: assignee.unwrap_or_default(), done_at })
                    }
                    _ => None,
                };
                // On a job's own timeline the job goes without saying.
                let job = if matches!(about, About::Job(_)) { None } else { job_id.zip(job_title) };
                ActivityItem { id, kind, body, author_name, occurred_at, job, follow_up }
            },
        )
        .collect())
}

/// The newest activities logged against a contractor record (at most `limit`), in one query.
pub fn for_contractor(
    conn: &mut DbConnection,
    scope: AgencyScope,
    contractor_id: i64,
    limit: i64,
) -> Result<Vec<ActivityItem>, AppError> {
    timeline(conn, scope, About::Contractor(contractor_id), None, limit)
}

/// The newest activities about a client, including those logged against its jobs (at most
/// `limit`), in one query.
pub fn for_client(
    conn: &mut DbConnection,
    scope: AgencyScope,
    client_id: i64,
    limit: i64,
) -> Result<Vec<ActivityItem>, AppError> {
    timeline(conn, scope, About::Client(client_id), None, limit)
}

/// The newest activities logged against a job (at most `limit`), in one query.
pub fn for_job(
    conn: &mut DbConnection,
    scope: AgencyScope,
    job_id: i64,
    limit: i64,
) -> Result<Vec<ActivityItem>, AppError> {
    timeline(conn, scope, About::Job(job_id), None, limit)
}

/// One page of a record's whole timeline.
#[derive(Clone, Debug)]
pub struct TimelinePage {
    pub items: Vec<ActivityItem>,
    /// Where the next (older) page starts, if there is one.
    pub next: Option<Cursor>,
}

/// A page of [`PAGE_SIZE`] activities about a record, newest first, below `before`.
pub fn page(
    conn: &mut DbConnection,
    scope: AgencyScope,
    about: About,
    before: Option<Cursor>,
) -> Result<TimelinePage, AppError> {
    let mut items = timeline(conn, scope, about, before, PAGE_SIZE + 1)?;
    let more = items.len() as i64 > PAGE_SIZE;
    items.truncate(PAGE_SIZE as usize);
    let next = more.then(|| items.last().map(|last| Cursor { occurred_at: last.occurred_at, id: last.id })).flatten();
    Ok(TimelinePage { items, next })
}

/// The log form, as submitted (every field a string so it can be shown back).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActivityInput {
    pub kind: String,
    pub body: String,
    /// Local date and time in the viewer's time zone (`2026-11-25T14:30`); blank for now.
    pub occurred_at: String,
    pub follow_up_title: String,
    pub follow_up_due_on: String,
    pub follow_up_assignee_id: String,
    /// See [`crate::models::idempotency`].
    pub idempotency_key: String,
}

/// A checked follow-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidFollowUp {
    /// `None`: "Follow up with NAME".
    pub title: Option<String>,
    pub due_on: NaiveDate,
    pub assignee_id: i64,
}

/// A checked log form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidActivity {
    pub kind: &'static str,
    pub body: String,
    /// UTC.
    pub occurred_at: NaiveDateTime,
    pub follow_up: Option<ValidFollowUp>,
}

impl ActivityInput {
    /// A blank form: a call, now, with follow-ups assigned to `me`.
    pub fn blank(me: Option<i64>) -> Self {
        Self {
            kind: "call".into(),
            follow_up_assignee_id: me.map(|id| id.to_string()).unwrap_or_default(),
            idempotency_key: crate::models::idempotency::new_key(),
            ..Self::default()
        }
    }

    /// True when any follow-up field was filled in (the follow-up part is then shown open).
    pub fn wants_follow_up(&self) -> bool {
        !self.follow_up_title.trim().is_empty() || !self.follow_up_due_on.trim().is_empty()
    }

    /// Checks every field, collecting every problem. `tz` is the viewer's time zone, `now` UTC,
    /// `me` the signed-in user (the follow-up's assignee when none is chosen).
    pub fn validate(&self, tz: Tz, now: NaiveDateTime, me: i64) -> Result<ValidActivity, AppError> {
        let mut errors = FieldErrors::default();
        let kind = validation::optional_choice(&mut errors, "kind", "Kind", &self.kind, KINDS);
        if kind.is_none() && !errors.has("kind") {
            errors.add("kind", "Choose call, email, meeting or note.");
        }
        let body = validation::required(&mut errors, "body", "What happened", &self.body, MAX_BODY);
        let occurred_at = match local_date_time(&mut errors, "occurred_at", "When", &self.occurred_at, tz) {
            Some(at) if at > now + TimeDelta::minutes(FUTURE_TOLERANCE_MINUTES) => {
                errors.add(
                    "occurred_at",
                    "When cannot be in the future. Log it once it has happened, or add a follow-up task for it.",
                );
                now
            }
            Some(at) => at,
            None => now,
        };
        let follow_up = if self.wants_follow_up() {
            let title = validation::optional(
                &mut errors,
                "follow_up_title",
                "Follow-up",
                &self.follow_up_title,
                task::MAX_TITLE,
            );
            let due_on =
                validation::optional_date(&mut errors, "follow_up_due_on", "Follow-up date", &self.follow_up_due_on);
            if due_on.is_none() && !errors.has("follow_up_due_on") {
                errors.add("follow_up_due_on", "Give the follow-up a due date.");
            }
            let assignee_id =
                task::parse_assignee(&mut errors, "follow_up_assignee_id", &self.follow_up_assignee_id, me);
            due_on.map(|due_on| ValidFollowUp { title, due_on, assignee_id })
        } else {
            None
        };
        errors.finish(ValidActivity { kind: kind.unwrap_or("note"), body, occurred_at, follow_up })
    }
}

/// An optional local date and time (`<input type="datetime-local">`) in `tz`, as UTC. A time that
/// does not exist (clocks going forward) or happens twice (clocks going back) is refused with a
/// message, never guessed.
pub fn local_date_time(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    value: &str,
    tz: Tz,
) -> Option<NaiveDateTime> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let parsed = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
        .filter(|at| (1900..=2200).contains(&chrono::Datelike::year(at)));
    let Some(local) = parsed else {
        errors.add(field, format!("{label} must be a date and time like 2026-12-31 14:30."));
        return None;
    };
    let shown = local.format("%-d %b %Y, %H:%M");
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) => Some(at.naive_utc()),
        LocalResult::None => {
            errors.add(
                field,
                format!("{shown} does not exist in {tz}: the clocks go forward then. Choose a time after the change."),
            );
            None
        }
        LocalResult::Ambiguous(..) => {
            errors.add(
                field,
                format!("{shown} happens twice in {tz}: the clocks go back then. Choose a time outside that hour."),
            );
            None
        }
    }
}

/// What logging did.
#[derive(Clone, Debug)]
pub struct Logged {
    pub activity_id: i64,
    pub record: AboutRecord,
    /// The follow-up created as (title, due date, assignee's name).
    pub follow_up: Option<(String, NaiveDate, String)>,
    /// True when this was a repeat of what was just logged: nothing new was saved.
    pub repeated: bool,
}

/// Logs an activity (and its follow-up task) against a record of the agency: both or neither.
/// A foreign or missing record answers `NotFound`; an assignee outside the team a field error.
pub fn log(
    conn: &mut DbConnection,
    scope: AgencyScope,
    about: About,
    input: &ValidActivity,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Logged, AppError> {
    db::write(conn, |conn| {
        let record = find_about(conn, scope, about)?;
        let assignee = match &input.follow_up {
            Some(follow_up) => Some(task::team_member(conn, scope, follow_up.assignee_id, "follow_up_assignee_id")?),
            None => None,
        };
        let (contractor_id, client_id, job_id) = match about {
            About::Contractor(id) => (Some(id), None, None),
            About::Client(id) => (None, Some(id), None),
            About::Job(id) => (None, record.client_id, Some(id)),
        };
        if let Some(activity_id) = repeat_of(conn, scope, about, input, actor, now)? {
            return Ok(Logged { activity_id, record, follow_up: None, repeated: true });
        }
        let activity_id: i64 = diesel::insert_into(activities::table)
            .values((
                activities::agency_id.eq(scope.agency_id()),
                activities::kind.eq(input.kind),
                activities::body.eq(&input.body),
                activities::author_id.eq(actor.user_id),
                activities::contractor_id.eq(contractor_id),
                activities::client_id.eq(client_id),
                activities::job_id.eq(job_id),
                activities::occurred_at.eq(input.occurred_at),
                activities::created_at.eq(now),
            ))
            .returning(activities::id)
            .get_result(conn)?;
        let follow_up = match (&input.follow_up, assignee) {
            (Some(follow_up), Some(assignee_name)) => {
                let title = follow_up.title.clone().unwrap_or_else(|| default_title(&record));
                task::insert(
                    conn,
                    scope,
                    &NewTask {
                        title: &title,
                        due_on: follow_up.due_on,
                        assignee_id: follow_up.assignee_id,
                        contractor_id,
                        client_id,
                        job_id,
                        activity_id: Some(activity_id),
                    },
                    actor,
                    now,
                )?;
                Some((title, follow_up.due_on, assignee_name))
            }
            _ => None,
        };
        let detail = format!("{} about {} {}", input.kind, about.noun(), record.name);
        audit::record(conn, actor, Event::on("activity.logged", "activity", activity_id, detail), now)?;
        Ok(Logged { activity_id, record, follow_up, repeated: false })
    })
}

/// The follow-up title when none is typed.
pub fn default_title(record: &AboutRecord) -> String {
    let title = match record.about {
        About::Job(_) => format!("Follow up on {}", record.name),
        _ => format!("Follow up with {}", record.name),
    };
    title.chars().take(task::MAX_TITLE).collect()
}

/// The activity this same author logged about the same record with the same words moments ago.
fn repeat_of(
    conn: &mut DbConnection,
    scope: AgencyScope,
    about: About,
    input: &ValidActivity,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Option<i64>, AppError> {
    let Some(author) = actor.user_id else { return Ok(None) };
    let mut query = activities::table
        .filter(activities::agency_id.eq(scope.agency_id()))
        .filter(activities::author_id.eq(author))
        .filter(activities::kind.eq(input.kind))
        .filter(activities::created_at.ge(now - TimeDelta::seconds(REPEAT_WINDOW_SECONDS)))
        .filter(activities::body.eq(&input.body))
        .select(activities::id)
        .order(activities::id.desc())
        .into_boxed();
    query = match about {
        About::Contractor(id) => query.filter(activities::contractor_id.eq(id)),
        About::Client(id) => query.filter(activities::client_id.eq(id).and(activities::job_id.is_null())),
        About::Job(id) => query.filter(activities::job_id.eq(id)),
    };
    Ok(query.first(conn).optional()?)
}
