//! Submissions: an agency contractor put forward for a job. Every change is an append-only
//! event (some marked for the contractor); every active submission has a "next update due" date
//! from its stage's follow-up time, reset by any event, so nobody is ghosted.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::schema::{
    agency_contractors, clients, consents, interviews, jobs, pipeline_stages, submission_events, submissions, users,
};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::models::agency::{Agency, AgencyScope};
use crate::models::audit::{self, Actor, Event};
use crate::models::consent;
use crate::models::contractor::{self, Contractor};
use crate::models::job::Job;
use crate::models::notification;
use crate::models::stage::{self, Stage};
use crate::models::validation::{self, FieldErrors};

/// Why a submission was closed: (stored, shown to the recruiter and the contractor).
pub const CLOSE_REASONS: &[(&str, &str)] = &[
    ("client_chose_other", "The client chose another candidate"),
    ("not_a_fit", "The client decided it is not a fit"),
    ("role_filled", "The role was filled"),
    ("role_cancelled", "The role was cancelled or put on hold"),
    ("rate", "The rate could not be agreed"),
    ("contractor_withdrew", "The contractor withdrew"),
    ("contractor_unavailable", "The contractor is no longer available"),
    ("consent_declined", "The contractor declined to be put forward"),
    ("other", "Another reason"),
];

/// The text of a close reason.
pub fn close_reason_text(stored: &str) -> &'static str {
    CLOSE_REASONS.iter().find(|(s, _)| *s == stored).map_or("", |(_, t)| t)
}

/// A submission row.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = submissions)]
pub struct Submission {
    pub id: i64,
    pub agency_id: i64,
    pub job_id: i64,
    pub contractor_id: i64,
    pub stage_id: i64,
    pub owner_id: Option<i64>,
    pub stage_entered_at: NaiveDateTime,
    pub next_update_due: Option<NaiveDate>,
    pub last_event_at: NaiveDateTime,
    pub override_reason: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
    pub closed_reason: Option<String>,
    pub closed_note: Option<String>,
    pub thank_you_prompted_at: Option<NaiveDateTime>,
    pub follow_up_offered_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Submission {
    /// True once closed.
    pub fn is_closed(&self) -> bool {
        self.closed_at.is_some()
    }

    /// True when the next update is late on `today`.
    pub fn is_overdue(&self, today: &NaiveDate) -> bool {
        !self.is_closed() && self.next_update_due.is_some_and(|due| due < *today)
    }
}

/// The next update is due `stage.follow_up_days` business days after `now` (none once placed or closed).
pub fn due_after(stage: &Stage, now: NaiveDateTime) -> Option<NaiveDate> {
    // Once placed, the contractor is working: the placement (its end, extensions) is what is
    // followed, not a promised update on the submission.
    let followed = !stage.is_closed() && stage.category != "placed";
    followed.then(|| stage::add_business_days(now.date(), stage.follow_up_days))
}

/// One of the agency's submissions; another agency's answers `NotFound`.
pub fn find(conn: &mut DbConnection, scope: AgencyScope, id: i64) -> Result<Submission, AppError> {
    Ok(submissions::table
        .filter(submissions::id.eq(id))
        .filter(submissions::agency_id.eq(scope.agency_id()))
        .select(Submission::as_select())
        .first(conn)?)
}

/// Appends an event and resets "next update due" (inside the caller's transaction).
pub fn record_event(
    conn: &mut DbConnection,
    submission: &Submission,
    event: NewEvent<'_>,
    stage_now: &Stage,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(submission_events::table)
        .values((
            submission_events::agency_id.eq(submission.agency_id),
            submission_events::submission_id.eq(submission.id),
            submission_events::kind.eq(event.kind),
            submission_events::from_stage_id.eq(event.from_stage),
            submission_events::to_stage_id.eq(event.to_stage),
            submission_events::body.eq(event.body),
            submission_events::visible_to_contractor.eq(event.visible),
            submission_events::actor_id.eq(actor.user_id),
            submission_events::created_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(submissions::table.find(submission.id))
        .set((
            submissions::last_event_at.eq(now),
            submissions::next_update_due.eq(due_after(stage_now, now)),
            submissions::updated_at.eq(now),
            submissions::version.eq(submissions::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Moves a submission forward into the first stage of `category` when its current stage is
/// earlier in the pipeline (never backwards, e.g. an interview after an offer leaves it at the
/// offer). Returns the stage it was in, the stage it is in now, and whether it moved.
pub fn advance_to(
    conn: &mut DbConnection,
    scope: AgencyScope,
    submission: &Submission,
    category: &str,
    now: NaiveDateTime,
) -> Result<(Stage, Stage, bool), AppError> {
    let current = stage::find(conn, scope, submission.stage_id)?;
    if current.rank() >= stage::category_rank(category) {
        return Ok((current.clone(), current, false));
    }
    let target = stage::first_of(conn, scope, category)?;
    diesel::update(submissions::table.find(submission.id))
        .set((submissions::stage_id.eq(target.id), submissions::stage_entered_at.eq(now)))
        .execute(conn)?;
    Ok((current, target, true))
}

/// Appends an event written by NextGig itself (a sweep), not by a person: it does not count as an
/// update, so the next update stays due when it was.
pub fn record_system_event(
    conn: &mut DbConnection,
    submission: &Submission,
    kind: &str,
    body: &str,
    visible: bool,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(submission_events::table)
        .values((
            submission_events::agency_id.eq(submission.agency_id),
            submission_events::submission_id.eq(submission.id),
            submission_events::kind.eq(kind),
            submission_events::body.eq(body),
            submission_events::visible_to_contractor.eq(visible),
            submission_events::created_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(submissions::table.find(submission.id))
        .set((submissions::last_event_at.eq(now), submissions::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// An event to append.
#[derive(Clone, Copy, Debug)]
pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub body: &'a str,
    pub visible: bool,
    pub from_stage: Option<i64>,
    pub to_stage: Option<i64>,
}

impl<'a> NewEvent<'a> {
    /// An event with no stage change.
    pub fn new(kind: &'a str, body: &'a str, visible: bool) -> Self {
        Self { kind, body, visible, from_stage: None, to_stage: None }
    }
}

/// What putting someone forward led to.
#[derive(Debug)]
pub enum Created {
    /// Added to the job's pipeline.
    Done(Box<Submission>),
    /// Already in this job's pipeline (never twice): that submission's id.
    AlreadyOnJob(i64),
    /// Put forward to the same client on another job within the ownership window: a reason is
    /// needed to go ahead. (job title, when)
    NeedsReason(String, NaiveDateTime),
}

/// Puts an agency contractor forward for a job, in the first "sourced" stage.
pub fn create(
    conn: &mut DbConnection,
    scope: AgencyScope,
    job_id: i64,
    contractor_id: i64,
    override_reason: Option<&str>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Created, AppError> {
    db::write(conn, |conn| {
        let mut errors = FieldErrors::default();
        let job = Job::find(conn, scope, job_id).ok();
        if job.is_none() {
            errors.add("job_id", "Choose one of your agency's jobs.");
        }
        let record = contractor::find(conn, scope, contractor_id).ok();
        match &record {
            None => errors.add("contractor_id", "Choose one of your agency's contractors."),
            Some(r) if r.is_archived() => {
                errors.add("contractor_id", "This contractor is archived; restore them first.")
            }
            _ => {}
        }
        let (job, record) = match errors.finish((job, record))? {
            (Some(job), Some(record)) => (job, record),
            _ => return Err(AppError::NotFound),
        };
        if job.status == "closed" || job.status == "filled" {
            return Err(AppError::invalid("job_id", "This job is no longer open."));
        }
        let existing: Option<i64> = submissions::table
            .filter(submissions::job_id.eq(job.id))
            .filter(submissions::contractor_id.eq(record.id))
            .select(submissions::id)
            .first(conn)
            .optional()?;
        if let Some(id) = existing {
            return Ok(Created::AlreadyOnJob(id));
        }
        let agency = Agency::find(conn, scope)?;
        let window_start = now - TimeDelta::days(i64::from(agency.ownership_window_days));
        let recent: Option<(String, NaiveDateTime)> = submissions::table
            .inner_join(jobs::table)
            .filter(submissions::agency_id.eq(scope.agency_id()))
            .filter(submissions::contractor_id.eq(record.id))
            .filter(jobs::client_id.eq(job.client_id))
            .filter(submissions::created_at.gt(window_start))
            .order(submissions::created_at.desc())
            .select((jobs::title, submissions::created_at))
            .first(conn)
            .optional()?;
        let reason = override_reason.map(str::trim).filter(|r| !r.is_empty());
        if let Some((title, when)) = recent
            && reason.is_none()
        {
            return Ok(Created::NeedsReason(title, when));
        }
        if let Some(reason) = reason
            && reason.chars().count() > 500
        {
            return Err(AppError::invalid("override_reason", "Keep the reason under 500 characters."));
        }
        let first = stage::first_of(conn, scope, "sourced")?;
        let id: i64 = diesel::insert_into(submissions::table)
            .values((
                submissions::agency_id.eq(scope.agency_id()),
                submissions::job_id.eq(job.id),
                submissions::contractor_id.eq(record.id),
                submissions::stage_id.eq(first.id),
                submissions::owner_id.eq(actor.user_id),
                submissions::stage_entered_at.eq(now),
                submissions::next_update_due.eq(due_after(&first, now)),
                submissions::last_event_at.eq(now),
                submissions::override_reason.eq(reason),
                submissions::version.eq(1),
                submissions::created_by.eq(actor.user_id),
                submissions::created_at.eq(now),
                submissions::updated_at.eq(now),
            ))
            .returning(submissions::id)
            .get_result(conn)?;
        let submission = find(conn, scope, id)?;
        let body = match reason {
            Some(reason) => {
                format!("Added to the pipeline of {} (put forward to this client recently: {reason})", job.title)
            }
            None => format!("Added to the pipeline of {}", job.title),
        };
        record_event(conn, &submission, NewEvent::new("created", &body, false), &first, actor, now)?;
        audit::record(
            conn,
            actor,
            Event::on("submission.created", "submission", id, format!("{} → {}", record.name, job.title)),
            now,
        )?;
        Ok(Created::Done(Box::new(find(conn, scope, id)?)))
    })
}

/// Moves a submission to another stage of the agency's pipeline. Into "submitted" and later
/// stages it needs an approved, unexpired consent; into a "submitted" stage also availability
/// confirmed within the agency's window. Closing has its own path (it needs a reason).
pub fn move_to(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    stage_id: i64,
    note: Note<'_>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Submission, AppError> {
    let Note { text: note, visible } = note;
    db::write(conn, |conn| {
        let submission = find(conn, scope, id)?;
        if submission.is_closed() {
            return Err(AppError::invalid("stage_id", "This submission is closed."));
        }
        let target = stage::find(conn, scope, stage_id)
            .map_err(|_| AppError::invalid("stage_id", "Choose one of your pipeline's stages."))?;
        if target.archived_at.is_some() {
            return Err(AppError::invalid("stage_id", "Choose one of your pipeline's stages."));
        }
        if target.is_closed() {
            return Err(AppError::invalid("stage_id", "Closing needs a reason: use Close instead."));
        }
        let note = note.trim();
        if note.chars().count() > 5_000 {
            return Err(AppError::invalid("note", "Keep the note under 5,000 characters."));
        }
        if target.needs_consent() {
            if consent::active_for_submission(conn, submission.id, now)?.is_none() {
                return Err(AppError::invalid(
                    "stage_id",
                    "They have not approved being put forward for this role (or their consent expired). Ask for their consent first.",
                ));
            }
            if target.category == "submitted" {
                let record = contractor::find(conn, scope, submission.contractor_id)?;
                let agency = Agency::find(conn, scope)?;
                let window = TimeDelta::hours(i64::from(agency.availability_window_hours));
                let fresh = record.availability_confirmed_at.is_some_and(|at| at >= now - window);
                if !fresh {
                    return Err(AppError::invalid(
                        "stage_id",
                        format!(
                            "Their availability was {}; it must be confirmed within {} hours before you submit them. Confirm it with them first.",
                            record.confirmed_text(&now),
                            agency.availability_window_hours
                        ),
                    ));
                }
            }
        }
        let from = stage::find(conn, scope, submission.stage_id)?;
        diesel::update(submissions::table.find(submission.id))
            .set((submissions::stage_id.eq(target.id), submissions::stage_entered_at.eq(now)))
            .execute(conn)?;
        let body = if note.is_empty() {
            format!("Moved to {}", target.name)
        } else {
            format!("Moved to {}: {note}", target.name)
        };
        let event = NewEvent {
            kind: "stage_changed",
            body: &body,
            visible,
            from_stage: Some(from.id),
            to_stage: Some(target.id),
        };
        record_event(conn, &submission, event, &target, actor, now)?;
        if visible {
            let title = format!("News on your application: {}", target.name);
            notification::contractor_update(conn, &submission, notification::STAGE_CHANGE, &title, &body, now)?;
        }
        audit::record(
            conn,
            actor,
            Event::on("submission.stage_changed", "submission", id, format!("{} → {}", from.name, target.name)),
            now,
        )?;
        find(conn, scope, id)
    })
}

/// A note written with a stage move or as an update, internal or for the contractor too.
#[derive(Debug, Clone, Copy)]
pub struct Note<'a> {
    pub text: &'a str,
    /// Whether the contractor sees it.
    pub visible: bool,
}

/// What an update says.
#[derive(Debug, Clone, Copy)]
pub enum Update<'a> {
    Note(Note<'a>),
    /// The one-click "no news yet", always visible to the contractor.
    NoNews,
}

/// Adds an update: a note (internal or for the contractor), or the one-click "no news yet".
pub fn add_update(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    update: Update<'_>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Submission, AppError> {
    let mut errors = FieldErrors::default();
    let (body, visible, no_news) = match update {
        Update::NoNews => {
            ("No news yet from the client. We are chasing them and will update you.".to_string(), true, true)
        }
        Update::Note(note) => {
            (validation::required(&mut errors, "body", "The update", note.text, 5_000), note.visible, false)
        }
    };
    errors.finish(())?;
    db::write(conn, |conn| {
        let submission = find(conn, scope, id)?;
        if submission.is_closed() {
            return Err(AppError::invalid("body", "This submission is closed."));
        }
        let current = stage::find(conn, scope, submission.stage_id)?;
        let kind = if no_news { "no_news" } else { "note" };
        record_event(conn, &submission, NewEvent::new(kind, &body, visible), &current, actor, now)?;
        find(conn, scope, id)
    })
}

/// Closes a submission with a reason the contractor sees; ends its representation.
pub fn close(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    reason: &str,
    note: &str,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Submission, AppError> {
    let mut errors = FieldErrors::default();
    let reason = match validation::optional_choice(&mut errors, "reason", "Reason", reason, CLOSE_REASONS) {
        Some(reason) => reason,
        None => {
            if !errors.has("reason") {
                errors.add("reason", "Choose why it is closed: the contractor sees this.");
            }
            ""
        }
    };
    let note = validation::optional(&mut errors, "close_note", "Note", note, 2_000);
    if reason == "other" && note.is_none() && !errors.has("close_note") {
        errors.add("close_note", "Say what the other reason is.");
    }
    errors.finish(())?;
    db::write(conn, |conn| {
        let submission = find(conn, scope, id)?;
        if submission.is_closed() {
            return Err(AppError::invalid("reason", "This submission is already closed."));
        }
        let closed = stage::first_of(conn, scope, "closed")?;
        diesel::update(submissions::table.find(submission.id))
            .set((
                submissions::stage_id.eq(closed.id),
                submissions::stage_entered_at.eq(now),
                submissions::closed_at.eq(Some(now)),
                submissions::closed_reason.eq(Some(reason)),
                submissions::closed_note.eq(&note),
            ))
            .execute(conn)?;
        consent::end_representations(conn, submission.id, "submission closed", now)?;
        // Interviews still to come are off: calendars get the cancellation on their next sync.
        diesel::update(
            interviews::table
                .filter(interviews::submission_id.eq(submission.id))
                .filter(interviews::outcome.eq("scheduled"))
                .filter(interviews::starts_at.gt(now)),
        )
        .set((
            interviews::outcome.eq("cancelled"),
            interviews::sequence.eq(interviews::sequence + 1),
            interviews::updated_at.eq(now),
        ))
        .execute(conn)?;
        let text = close_reason_text(reason);
        let body = match &note {
            Some(note) => format!("Closed: {text}. {note}"),
            None => format!("Closed: {text}."),
        };
        let event = NewEvent {
            kind: "closed",
            body: &body,
            visible: true,
            from_stage: Some(submission.stage_id),
            to_stage: Some(closed.id),
        };
        record_event(conn, &submission, event, &closed, actor, now)?;
        let title = format!("Your application was closed: {text}");
        notification::contractor_update(conn, &submission, notification::SUBMISSION_CLOSED, &title, &body, now)?;
        audit::record(conn, actor, Event::on("submission.closed", "submission", id, text), now)?;
        find(conn, scope, id)
    })
}

/// A card on the job's pipeline board.
#[derive(Clone, Debug)]
pub struct Card {
    pub id: i64,
    pub contractor_id: i64,
    pub contractor_name: String,
    pub headline: Option<String>,
    pub stage_id: i64,
    pub stage_entered_at: NaiveDateTime,
    pub next_update_due: Option<NaiveDate>,
    /// "pending", "approved", "declined", "expired", "withdrawn" or "none".
    pub consent: String,
    pub closed: bool,
}

impl Card {
    /// Whole days in the current stage.
    pub fn days_in_stage(&self, now: &NaiveDateTime) -> i64 {
        (*now - self.stage_entered_at).num_days().max(0)
    }

    /// True when the next update is late.
    pub fn is_overdue(&self, today: &NaiveDate) -> bool {
        !self.closed && self.next_update_due.is_some_and(|due| due < *today)
    }
}

/// The job's pipeline: its stages (in order) and every submission as a card (two statements).
pub fn board(
    conn: &mut DbConnection,
    scope: AgencyScope,
    job_id: i64,
    now: NaiveDateTime,
) -> Result<(Vec<Stage>, Vec<Card>), AppError> {
    let stages = stage::for_agency(conn, scope)?;
    type Row = (i64, i64, String, Option<String>, i64, NaiveDateTime, Option<NaiveDate>, Option<NaiveDateTime>);
    let rows: Vec<Row> = submissions::table
        .inner_join(agency_contractors::table)
        .filter(submissions::agency_id.eq(scope.agency_id()))
        .filter(submissions::job_id.eq(job_id))
        .order((submissions::next_update_due.asc(), submissions::id.asc()))
        .select((
            submissions::id,
            submissions::contractor_id,
            agency_contractors::name,
            agency_contractors::headline,
            submissions::stage_id,
            submissions::stage_entered_at,
            submissions::next_update_due,
            submissions::closed_at,
        ))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let states = consent::latest_states(conn, &ids, now)?;
    let cards = rows
        .into_iter()
        .map(
            |(id, contractor_id, contractor_name, headline, stage_id, stage_entered_at, next_update_due, closed_at)| {
                Card {
                    consent: states.get(&id).cloned().unwrap_or_else(|| "none".into()),
                    id,
                    contractor_id,
                    contractor_name,
                    headline,
                    stage_id,
                    stage_entered_at,
                    next_update_due,
                    closed: closed_at.is_some(),
                }
            },
        )
        .collect();
    Ok((stages, cards))
}

/// A submission as a row on the contractor's page.
#[derive(Clone, Debug, Queryable)]
pub struct ContractorRow {
    pub id: i64,
    pub job_id: i64,
    pub job_title: String,
    pub client_name: String,
    pub stage_name: String,
    pub next_update_due: Option<NaiveDate>,
    pub closed_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

/// The record's submissions in the agency, newest first (one statement).
pub fn for_contractor(
    conn: &mut DbConnection,
    scope: AgencyScope,
    contractor_id: i64,
) -> Result<Vec<ContractorRow>, AppError> {
    Ok(submissions::table
        .inner_join(jobs::table.inner_join(clients::table))
        .inner_join(pipeline_stages::table)
        .filter(submissions::agency_id.eq(scope.agency_id()))
        .filter(submissions::contractor_id.eq(contractor_id))
        .order(submissions::updated_at.desc())
        .limit(100)
        .select((
            submissions::id,
            submissions::job_id,
            jobs::title,
            clients::name,
            pipeline_stages::name,
            submissions::next_update_due,
            submissions::closed_at,
            submissions::updated_at,
        ))
        .load(conn)?)
}

/// An event on a submission's timeline.
#[derive(Clone, Debug, Queryable)]
pub struct EventItem {
    pub id: i64,
    pub kind: String,
    pub body: String,
    pub visible_to_contractor: bool,
    pub actor_name: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A submission's events, newest first; `only_visible` for the contractor's view.
pub fn events(conn: &mut DbConnection, submission_id: i64, only_visible: bool) -> Result<Vec<EventItem>, AppError> {
    let mut query = submission_events::table
        .left_join(users::table.on(users::id.nullable().eq(submission_events::actor_id)))
        .filter(submission_events::submission_id.eq(submission_id))
        .order(submission_events::id.desc())
        .select((
            submission_events::id,
            submission_events::kind,
            submission_events::body,
            submission_events::visible_to_contractor,
            users::name.nullable(),
            submission_events::created_at,
        ))
        .into_boxed();
    if only_visible {
        query = query.filter(submission_events::visible_to_contractor.eq(true));
    }
    Ok(query.load(conn)?)
}

/// Everything the submission page shows.
#[derive(Clone, Debug)]
pub struct Overview {
    pub submission: Submission,
    pub contractor: Contractor,
    pub job: Job,
    pub client_name: String,
    pub client_domain: Option<String>,
    pub stage: Stage,
    pub stages: Vec<Stage>,
    pub events: Vec<EventItem>,
    pub consents: Vec<consent::ConsentView>,
}

/// A submission whose next update is due (today or earlier), for the task list.
#[derive(Clone, Debug)]
pub struct UpdateDue {
    pub id: i64,
    pub contractor_name: String,
    pub job_title: String,
    pub stage_name: String,
    pub due: NaiveDate,
}

impl UpdateDue {
    /// True when the update was due before `today` (not just today).
    pub fn is_late(&self, today: &NaiveDate) -> bool {
        self.due < *today
    }
}

/// Open submissions whose next update is due by `today`, most overdue first: the owner's, or the
/// whole agency's when `owner` is `None`. At most `limit`.
pub fn updates_due(
    conn: &mut DbConnection,
    scope: AgencyScope,
    owner: Option<i64>,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<UpdateDue>, AppError> {
    Ok(updates_due_counted(conn, scope, owner, today, limit, false)?.1)
}

/// Like [`updates_due`], with how many there are in all (for a dashboard's count).
pub fn updates_due_with_count(
    conn: &mut DbConnection,
    scope: AgencyScope,
    owner: Option<i64>,
    today: NaiveDate,
    limit: i64,
) -> Result<(i64, Vec<UpdateDue>), AppError> {
    let (count, rows) = updates_due_counted(conn, scope, owner, today, limit, true)?;
    Ok((count.unwrap_or_default(), rows))
}

fn updates_due_counted(
    conn: &mut DbConnection,
    scope: AgencyScope,
    owner: Option<i64>,
    today: NaiveDate,
    limit: i64,
    with_count: bool,
) -> Result<(Option<i64>, Vec<UpdateDue>), AppError> {
    let due = || {
        let mut query = submissions::table
            .filter(submissions::agency_id.eq(scope.agency_id()))
            .filter(submissions::closed_at.is_null())
            .filter(submissions::next_update_due.le(today))
            .into_boxed();
        if let Some(owner) = owner {
            query = query.filter(submissions::owner_id.eq(owner));
        }
        query
    };
    let query = || {
        let mut query = submissions::table
            .inner_join(agency_contractors::table)
            .inner_join(jobs::table)
            .inner_join(pipeline_stages::table)
            .filter(submissions::agency_id.eq(scope.agency_id()))
            .filter(submissions::closed_at.is_null())
            .filter(submissions::next_update_due.le(today))
            .into_boxed();
        if let Some(owner) = owner {
            query = query.filter(submissions::owner_id.eq(owner));
        }
        query
    };
    // The count joins nothing it does not filter by (the joins only fetch names for the rows).
    let count = if with_count { Some(due().count().get_result(conn)?) } else { None };
    let rows: Vec<(i64, String, String, String, Option<NaiveDate>)> = query()
        .order((submissions::next_update_due.asc(), submissions::id.asc()))
        .limit(limit)
        .select((
            submissions::id,
            agency_contractors::name,
            jobs::title,
            pipeline_stages::name,
            submissions::next_update_due,
        ))
        .load(conn)?;
    let rows = rows
        .into_iter()
        .filter_map(|(id, contractor_name, job_title, stage_name, due)| {
            Some(UpdateDue { id, contractor_name, job_title, stage_name, due: due? })
        })
        .collect();
    Ok((count, rows))
}

/// Loads the submission page.
pub fn overview(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    now: NaiveDateTime,
) -> Result<Overview, AppError> {
    let submission = find(conn, scope, id)?;
    let contractor = contractor::find(conn, scope, submission.contractor_id)?;
    let job = Job::find(conn, scope, submission.job_id)?;
    let (client_name, client_domain): (String, Option<String>) =
        clients::table.find(job.client_id).select((clients::name, clients::domain)).first(conn)?;
    let stages = stage::for_agency(conn, scope)?;
    let stage = stage::find(conn, scope, submission.stage_id)?;
    let events = events(conn, id, false)?;
    let consents = consent::for_submission(conn, scope, id, now)?;
    Ok(Overview { submission, contractor, job, client_name, client_domain, stage, stages, events, consents })
}

/// Consent states keyed by submission, used by boards (re-exported for callers).
pub fn consent_states(
    conn: &mut DbConnection,
    ids: &[i64],
    now: NaiveDateTime,
) -> Result<HashMap<i64, String>, AppError> {
    consent::latest_states(conn, ids, now)
}

/// Submissions whose consent the recruiter still waits for (for dashboards).
pub fn waiting_on_consent(conn: &mut DbConnection, scope: AgencyScope) -> Result<i64, AppError> {
    Ok(consents::table
        .filter(consents::agency_id.eq(scope.agency_id()))
        .filter(consents::status.eq("pending"))
        .count()
        .get_result(conn)?)
}

/// True when a request is waiting or an approval still holds (no new request needed).
pub fn has_open_consent(consents: &[consent::ConsentView]) -> bool {
    consents.iter().any(|c| c.state == "pending" || c.state == "approved")
}
