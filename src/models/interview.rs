//! Interviews on a submission: a start stored in UTC plus the IANA time zone it was agreed in,
//! a length, a kind, a place or link, the interviewers; rescheduling (each change bumps the
//! iCalendar SEQUENCE), cancelling, and the outcome afterwards. Everyone sees the time in their own
//! zone with the agreed one noted. Interviews go to calendars as `.ics` files and through a
//! private feed per user, and after an interview the contractor is prompted once for a thank-you;
//! one "ask for an update" is offered only when the agency's update is overdue.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::{
    agencies, agency_contractors, calendar_feeds, clients, consents, interviews, jobs, submission_events, submissions,
    users,
};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::models::activity;
use crate::models::agency::AgencyScope;
use crate::models::audit::{self, Actor, Event};
use crate::models::conflict::{self, FieldChange, Saved};
use crate::models::consent;
use crate::models::notification;
use crate::models::stage;
use crate::models::submission::{self, NewEvent, Submission};
use crate::models::token::{self, Token};
use crate::models::user::KIND_CONTRACTOR;
use crate::models::validation::{self, FieldErrors};

/// Kinds of interview: (stored, shown).
pub const KINDS: &[(&str, &str)] = &[("video", "Video call"), ("phone", "Phone call"), ("onsite", "On site")];

/// Outcomes a recruiter records afterwards: (stored, shown).
pub const OUTCOMES: &[(&str, &str)] =
    &[("passed", "Went well: next step"), ("failed", "Not successful"), ("no_show", "Did not take place")];

/// Shortest and longest interview, in minutes.
pub const MIN_MINUTES: i64 = 5;
/// See [`MIN_MINUTES`].
pub const MAX_MINUTES: i64 = 600;

const MAX_LOCATION: usize = 500;
const MAX_INTERVIEWERS: usize = 500;
const MAX_NOTES: usize = 5_000;
const MAX_FEEDBACK: usize = 5_000;
/// Longest thank-you note or follow-up message from the contractor.
pub const MAX_CONTRACTOR_NOTE: usize = 2_000;

/// How far back and ahead a calendar feed reaches, and how many interviews it holds at most.
const FEED_PAST_DAYS: i64 = 60;
const FEED_AHEAD_DAYS: i64 = 400;
const FEED_LIMIT: i64 = 500;

/// The thank-you the contractor is offered, ready to edit.
pub const THANK_YOU_TEXT: &str =
    "Thank you for arranging the interview. I enjoyed the conversation and I am still very interested in the role.";

/// The time zones offered on the form: (IANA name, shown), the canonical regional zones and UTC.
pub fn zone_choices() -> &'static [(&'static str, String)] {
    static ZONES: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
        const REGIONS: &[&str] = &[
            "Africa/",
            "America/",
            "Antarctica/",
            "Asia/",
            "Atlantic/",
            "Australia/",
            "Europe/",
            "Indian/",
            "Pacific/",
        ];
        let mut zones: Vec<(&'static str, String)> = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name())
            .filter(|name| REGIONS.iter().any(|region| name.starts_with(region)))
            .map(|name| (name, name.replace('_', " ")))
            .collect();
        zones.sort();
        zones.insert(0, ("UTC", "UTC".to_string()));
        zones
    });
    &ZONES
}

/// An interview row.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = interviews)]
pub struct Interview {
    pub id: i64,
    pub agency_id: i64,
    pub submission_id: i64,
    /// The start, in UTC.
    pub starts_at: NaiveDateTime,
    /// The IANA zone the time was agreed in.
    pub time_zone: String,
    pub duration_minutes: i32,
    pub kind: String,
    pub location: Option<String>,
    pub interviewers: Option<String>,
    /// For the contractor too (what to bring, whom to ask for).
    pub notes: Option<String>,
    pub outcome: String,
    /// Internal unless the recruiter told the contractor (then it is in a visible event).
    pub feedback: Option<String>,
    /// The iCalendar SEQUENCE: bumped by every reschedule and the cancellation. Also the edit
    /// form's version.
    pub sequence: i32,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Interview {
    /// The agreed zone (UTC if the stored name is unknown).
    pub fn zone(&self) -> Tz {
        self.time_zone.parse().unwrap_or(Tz::UTC)
    }

    /// The end, in UTC.
    pub fn ends_at(&self) -> NaiveDateTime {
        self.starts_at + TimeDelta::minutes(i64::from(self.duration_minutes))
    }

    /// True while it is planned (not cancelled, no outcome yet).
    pub fn is_scheduled(&self) -> bool {
        self.outcome == "scheduled"
    }

    /// True once cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.outcome == "cancelled"
    }

    /// True once it has started (an outcome can be recorded).
    pub fn has_started(&self, now: &NaiveDateTime) -> bool {
        self.starts_at <= *now
    }

    /// Start and end in `tz`, e.g. "Mon 15 Mar 2027, 10:00–11:00 EDT".
    pub fn when_in<Z: Borrow<Tz>>(&self, tz: Z) -> String {
        let tz = *tz.borrow();
        let start = self.starts_at.and_utc().with_timezone(&tz);
        let end = self.ends_at().and_utc().with_timezone(&tz);
        let (start_zone, end_zone) = (start.format("%Z").to_string(), end.format("%Z").to_string());
        if start.date_naive() != end.date_naive() {
            format!(
                "{} {start_zone} – {} {end_zone}",
                start.format("%a %-d %b %Y, %H:%M"),
                end.format("%a %-d %b, %H:%M")
            )
        } else if start_zone != end_zone {
            format!("{} {start_zone}–{} {end_zone}", start.format("%a %-d %b %Y, %H:%M"), end.format("%H:%M"))
        } else {
            format!("{}–{} {start_zone}", start.format("%a %-d %b %Y, %H:%M"), end.format("%H:%M"))
        }
    }

    /// The time as agreed, with its zone named, e.g. "Mon 15 Mar 2027, 10:00–11:00 EDT (America/New_York)".
    pub fn when_agreed(&self) -> String {
        format!("{} ({})", self.when_in(self.zone()), self.time_zone)
    }

    /// True when `tz` is not the agreed zone (then both times are shown).
    pub fn differs_from<Z: Borrow<Tz>>(&self, tz: Z) -> bool {
        tz.borrow().name() != self.time_zone
    }

    /// "Video call", "Phone call" or "On site".
    pub fn kind_text(&self) -> &'static str {
        KINDS.iter().find(|(k, _)| *k == self.kind).map_or("Interview", |(_, t)| t)
    }

    /// The outcome in words.
    pub fn outcome_text(&self) -> &'static str {
        match self.outcome.as_str() {
            "scheduled" => "Scheduled",
            "cancelled" => "Cancelled",
            other => OUTCOMES.iter().find(|(o, _)| *o == other).map_or("", |(_, t)| t),
        }
    }

    /// The place or link as a link, only when it is an http(s) address.
    pub fn location_link(&self) -> Option<&str> {
        self.location.as_deref().filter(|l| is_web_address(l))
    }

    /// The edit form filled from the saved interview (times in the agreed zone).
    pub fn to_input(&self) -> InterviewInput {
        let local = self.starts_at.and_utc().with_timezone(&self.zone());
        InterviewInput {
            date: local.format("%Y-%m-%d").to_string(),
            time: local.format("%H:%M").to_string(),
            time_zone: self.time_zone.clone(),
            duration_minutes: self.duration_minutes.to_string(),
            kind: self.kind.clone(),
            location: self.location.clone().unwrap_or_default(),
            interviewers: self.interviewers.clone().unwrap_or_default(),
            notes: self.notes.clone().unwrap_or_default(),
            sequence: self.sequence.to_string(),
            idempotency_key: String::new(),
        }
    }
}

fn is_web_address(value: &str) -> bool {
    url::Url::parse(value.trim()).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// The schedule and reschedule form, as submitted (every field a string).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InterviewInput {
    /// YYYY-MM-DD, in `time_zone`.
    pub date: String,
    /// HH:MM, in `time_zone`.
    pub time: String,
    pub time_zone: String,
    pub duration_minutes: String,
    pub kind: String,
    pub location: String,
    pub interviewers: String,
    pub notes: String,
    /// The version being edited (edit form only).
    pub sequence: String,
    /// See [`crate::models::idempotency`] (schedule form only).
    pub idempotency_key: String,
}

impl InterviewInput {
    /// An empty form in the recruiter's own zone.
    pub fn blank<Z: Borrow<Tz>>(tz: Z) -> Self {
        let tz = *tz.borrow();
        Self {
            time_zone: tz.name().to_string(),
            duration_minutes: "60".into(),
            kind: "video".into(),
            idempotency_key: crate::models::idempotency::new_key(),
            ..Self::default()
        }
    }

    /// The form set to a proposed date, time and zone when the form's own rules accept all three;
    /// otherwise unchanged.
    pub fn at(self, date: String, time: String, time_zone: String) -> Self {
        let proposed = Self { date, time, time_zone, ..self.clone() };
        match proposed.validate() {
            Ok(_) => proposed,
            Err(AppError::Invalid(errors)) if !["date", "time", "time_zone"].iter().any(|f| errors.has(f)) => proposed,
            Err(_) => self,
        }
    }

    /// The same form carrying another version (after a stale save, so saving again re-applies).
    pub fn with_sequence(self, sequence: i32) -> Self {
        Self { sequence: sequence.to_string(), ..self }
    }

    /// The zone choices, with the submitted value first when it is not one of them (input kept).
    pub fn zone_options(&self) -> Vec<(String, String)> {
        let mut options: Vec<(String, String)> =
            zone_choices().iter().map(|(name, shown)| ((*name).to_string(), shown.clone())).collect();
        let value = self.time_zone.trim();
        if !value.is_empty() && !options.iter().any(|(name, _)| name == value) {
            options.insert(0, (value.to_string(), value.to_string()));
        }
        options
    }

    fn validate(&self) -> Result<ValidInterview, AppError> {
        let mut errors = FieldErrors::default();
        let date = match self.date.trim() {
            "" => {
                errors.add("date", "Give the date of the interview.");
                None
            }
            value => match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
                Ok(date) if (2000..=2200).contains(&chrono::Datelike::year(&date)) => Some(date),
                _ => {
                    errors.add("date", "The date must look like 2027-03-15.");
                    None
                }
            },
        };
        let time = match self.time.trim() {
            "" => {
                errors.add("time", "Give the time of the interview.");
                None
            }
            value => match NaiveTime::parse_from_str(value, "%H:%M")
                .or_else(|_| NaiveTime::parse_from_str(value, "%H:%M:%S"))
            {
                Ok(time) => Some(time),
                Err(_) => {
                    errors.add("time", "The time must look like 14:30 (24-hour clock).");
                    None
                }
            },
        };
        let zone = match self.time_zone.trim() {
            "" => {
                errors.add("time_zone", "Choose the time zone the time was agreed in.");
                None
            }
            value => {
                match value.parse::<Tz>() {
                    Ok(tz) => Some(tz),
                    Err(_) => {
                        errors.add(
                        "time_zone",
                        format!("{value} is not a time zone NextGig knows. Choose one from the list, like Europe/Berlin."),
                    );
                        None
                    }
                }
            }
        };
        // A local time that does not exist (clocks forward) or happens twice (clocks back) is
        // refused, never guessed.
        let starts_at = match (date, time, zone) {
            (Some(date), Some(time), Some(tz)) => {
                let local = format!("{}T{}", date.format("%Y-%m-%d"), time.format("%H:%M"));
                activity::local_date_time(&mut errors, "time", "The time", &local, tz)
            }
            _ => None,
        };
        let duration = if self.duration_minutes.trim().is_empty() {
            errors.add("duration_minutes", "Give the length in minutes.");
            None
        } else {
            validation::optional_int(
                &mut errors,
                "duration_minutes",
                "The length",
                &self.duration_minutes,
                MIN_MINUTES,
                MAX_MINUTES,
            )
        };
        let kind = validation::optional_choice(&mut errors, "kind", "Kind", &self.kind, KINDS);
        if kind.is_none() && !errors.has("kind") {
            errors.add("kind", "Choose video call, phone call or on site.");
        }
        let location = validation::optional(&mut errors, "location", "Place or link", &self.location, MAX_LOCATION);
        let interviewers =
            validation::optional(&mut errors, "interviewers", "Interviewers", &self.interviewers, MAX_INTERVIEWERS);
        let notes = validation::optional(&mut errors, "notes", "Notes", &self.notes, MAX_NOTES);
        match (starts_at, zone, duration, kind) {
            (Some(starts_at), Some(zone), Some(duration), Some(kind)) if errors.is_empty() => Ok(ValidInterview {
                starts_at,
                time_zone: zone.name().to_string(),
                duration_minutes: i32::try_from(duration).unwrap_or(60),
                kind,
                location,
                interviewers,
                notes,
            }),
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

/// A checked form.
#[derive(Clone, Debug)]
struct ValidInterview {
    starts_at: NaiveDateTime,
    time_zone: String,
    duration_minutes: i32,
    kind: &'static str,
    location: Option<String>,
    interviewers: Option<String>,
    notes: Option<String>,
}

impl ValidInterview {
    fn matches(&self, saved: &Interview) -> bool {
        self.starts_at == saved.starts_at
            && self.time_zone == saved.time_zone
            && self.duration_minutes == saved.duration_minutes
            && self.kind == saved.kind
            && self.location == saved.location
            && self.interviewers == saved.interviewers
            && self.notes == saved.notes
    }
}

/// Where a form-wide error (not about one field) is reported.
pub const GENERAL: &str = "interview";

/// An open submission with an approved, unexpired consent (what any interview needs).
fn check_can_interview(conn: &mut DbConnection, sub: &Submission, now: NaiveDateTime) -> Result<(), AppError> {
    if sub.is_closed() {
        return Err(AppError::invalid(GENERAL, "This submission is closed."));
    }
    if consent::active_for_submission(conn, sub.id, now)?.is_none() {
        return Err(AppError::invalid(
            GENERAL,
            "They have not approved being put forward for this role (or their consent expired). Ask for their consent first.",
        ));
    }
    Ok(())
}

/// One of the agency's interviews; another agency's answers `NotFound`.
pub fn find(conn: &mut DbConnection, scope: AgencyScope, id: i64) -> Result<Interview, AppError> {
    Ok(interviews::table
        .filter(interviews::id.eq(id))
        .filter(interviews::agency_id.eq(scope.agency_id()))
        .select(Interview::as_select())
        .first(conn)?)
}

/// Schedules an interview on an open, consented submission; tells the contractor and moves the
/// submission to the first interview stage when it is earlier in the pipeline.
pub fn schedule(
    conn: &mut DbConnection,
    scope: AgencyScope,
    submission_id: i64,
    input: &InterviewInput,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Interview, AppError> {
    let sub = submission::find(conn, scope, submission_id)?;
    let valid = input.validate()?;
    db::write(conn, |conn| {
        let sub = submission::find(conn, scope, sub.id)?;
        check_can_interview(conn, &sub, now)?;
        let id: i64 = diesel::insert_into(interviews::table)
            .values((
                interviews::agency_id.eq(scope.agency_id()),
                interviews::submission_id.eq(sub.id),
                interviews::starts_at.eq(valid.starts_at),
                interviews::time_zone.eq(&valid.time_zone),
                interviews::duration_minutes.eq(valid.duration_minutes),
                interviews::kind.eq(valid.kind),
                interviews::location.eq(&valid.location),
                interviews::interviewers.eq(&valid.interviewers),
                interviews::notes.eq(&valid.notes),
                interviews::outcome.eq("scheduled"),
                interviews::sequence.eq(0),
                interviews::created_by.eq(actor.user_id),
                interviews::created_at.eq(now),
                interviews::updated_at.eq(now),
            ))
            .returning(interviews::id)
            .get_result(conn)?;
        let interview = find(conn, scope, id)?;
        let (current, target, moved) = submission::advance_to(conn, scope, &sub, "interview", now)?;
        let body = format!(
            "Interview scheduled: {}, {} min, {}",
            interview.when_agreed(),
            interview.duration_minutes,
            interview.kind_text().to_lowercase()
        );
        let event = NewEvent {
            kind: "interview_scheduled",
            body: &body,
            visible: true,
            from_stage: moved.then_some(current.id),
            to_stage: moved.then_some(target.id),
        };
        submission::record_event(conn, &sub, event, &target, actor, now)?;
        notification::interview_changed(conn, &interview, "scheduled", &body, now)?;
        audit::record(conn, actor, Event::on("interview.scheduled", "interview", id, interview.when_agreed()), now)?;
        Ok(interview)
    })
}

/// The fields that differ between a stale form and the saved interview.
pub fn changes(yours: &InterviewInput, saved: &Interview) -> Vec<FieldChange> {
    let saved_input = saved.to_input();
    let kind_text = |k: &str| KINDS.iter().find(|(s, _)| *s == k).map_or(k.to_string(), |(_, t)| (*t).to_string());
    conflict::changes(vec![
        ("Date", yours.date.trim().to_string(), saved_input.date),
        ("Time", yours.time.trim().to_string(), saved_input.time),
        ("Time zone", yours.time_zone.trim().to_string(), saved_input.time_zone),
        ("Length (minutes)", yours.duration_minutes.trim().to_string(), saved_input.duration_minutes),
        ("Kind", kind_text(yours.kind.trim()), kind_text(&saved_input.kind)),
        ("Place or link", yours.location.trim().to_string(), saved_input.location),
        ("Interviewers", yours.interviewers.trim().to_string(), saved_input.interviewers),
        ("Notes", yours.notes.trim().to_string(), saved_input.notes),
        ("Status", "Scheduled".to_string(), saved.outcome_text().to_string()),
    ])
}

/// Moves or changes a scheduled interview from the version the form was opened at (`sequence`);
/// a stale form writes nothing and gets the interview as it is now. Bumps the SEQUENCE so
/// calendars replace the old entry; tells the contractor.
pub fn reschedule(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    input: &InterviewInput,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Saved<Interview>, AppError> {
    let current = find(conn, scope, id)?;
    let valid = input.validate()?;
    let version: Option<i32> = input.sequence.trim().parse().ok();
    db::write(conn, |conn| {
        let current = find(conn, scope, current.id)?;
        if version != Some(current.sequence) || !current.is_scheduled() {
            let same = current.is_scheduled() && valid.matches(&current);
            return Ok(if same { Saved::Done(current) } else { Saved::Stale(current) });
        }
        let sub = submission::find(conn, scope, current.submission_id)?;
        check_can_interview(conn, &sub, now)?;
        if valid.matches(&current) {
            return Ok(Saved::Done(current));
        }
        let written = diesel::update(
            interviews::table.filter(interviews::id.eq(current.id)).filter(interviews::sequence.eq(current.sequence)),
        )
        .set((
            interviews::starts_at.eq(valid.starts_at),
            interviews::time_zone.eq(&valid.time_zone),
            interviews::duration_minutes.eq(valid.duration_minutes),
            interviews::kind.eq(valid.kind),
            interviews::location.eq(&valid.location),
            interviews::interviewers.eq(&valid.interviewers),
            interviews::notes.eq(&valid.notes),
            interviews::sequence.eq(current.sequence + 1),
            interviews::updated_at.eq(now),
        ))
        .execute(conn)?;
        let saved = find(conn, scope, current.id)?;
        if written != 1 {
            return Ok(Saved::Stale(saved));
        }
        let body = if saved.starts_at != current.starts_at || saved.time_zone != current.time_zone {
            format!("Interview moved from {} to {}", current.when_agreed(), saved.when_agreed())
        } else {
            format!("Interview details changed: {}, {}", saved.when_agreed(), saved.kind_text().to_lowercase())
        };
        let stage_now = stage::find(conn, scope, sub.stage_id)?;
        submission::record_event(conn, &sub, NewEvent::new("interview_changed", &body, true), &stage_now, actor, now)?;
        notification::interview_changed(conn, &saved, "moved", &body, now)?;
        audit::record(conn, actor, Event::on("interview.rescheduled", "interview", id, body.clone()), now)?;
        Ok(Saved::Done(saved))
    })
}

/// Cancels a scheduled interview (calendars show it cancelled); tells the contractor, with an
/// optional word of why.
pub fn cancel(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    reason: &str,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Interview, AppError> {
    find(conn, scope, id)?;
    let mut errors = FieldErrors::default();
    let reason = validation::optional(&mut errors, "reason", "The reason", reason, 500);
    errors.finish(())?;
    db::write(conn, |conn| {
        let current = find(conn, scope, id)?;
        if !current.is_scheduled() {
            return Err(AppError::invalid("reason", "Only a scheduled interview can be cancelled."));
        }
        diesel::update(interviews::table.find(current.id))
            .set((
                interviews::outcome.eq("cancelled"),
                interviews::sequence.eq(current.sequence + 1),
                interviews::updated_at.eq(now),
            ))
            .execute(conn)?;
        let sub = submission::find(conn, scope, current.submission_id)?;
        let stage_now = stage::find(conn, scope, sub.stage_id)?;
        let body = match &reason {
            Some(reason) => format!("Interview on {} cancelled: {reason}", current.when_agreed()),
            None => format!("Interview on {} cancelled", current.when_agreed()),
        };
        submission::record_event(
            conn,
            &sub,
            NewEvent::new("interview_cancelled", &body, true),
            &stage_now,
            actor,
            now,
        )?;
        let cancelled = find(conn, scope, id)?;
        notification::interview_changed(conn, &cancelled, "cancelled", &body, now)?;
        audit::record(conn, actor, Event::on("interview.cancelled", "interview", id, body.clone()), now)?;
        Ok(cancelled)
    })
}

/// The outcome form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutcomeInput {
    pub outcome: String,
    pub feedback: String,
    /// Non-empty when the contractor is told the outcome and the feedback.
    pub tell_contractor: String,
}

impl OutcomeInput {
    /// The form filled from the saved interview.
    pub fn from_saved(interview: &Interview) -> Self {
        Self {
            outcome: if interview.is_scheduled() { String::new() } else { interview.outcome.clone() },
            feedback: interview.feedback.clone().unwrap_or_default(),
            tell_contractor: String::new(),
        }
    }
}

/// Records how an interview went, once it has started. The feedback stays internal unless the
/// recruiter tells the contractor.
pub fn record_outcome(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    input: &OutcomeInput,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Interview, AppError> {
    find(conn, scope, id)?;
    let mut errors = FieldErrors::default();
    let outcome = validation::optional_choice(&mut errors, "outcome", "Outcome", &input.outcome, OUTCOMES);
    if outcome.is_none() && !errors.has("outcome") {
        errors.add("outcome", "Choose how it went.");
    }
    let feedback = validation::optional(&mut errors, "feedback", "Feedback", &input.feedback, MAX_FEEDBACK);
    let outcome = errors.finish(outcome)?.unwrap_or("passed");
    let tell = !input.tell_contractor.trim().is_empty();
    db::write(conn, |conn| {
        let current = find(conn, scope, id)?;
        if current.is_cancelled() {
            return Err(AppError::invalid("outcome", "This interview was cancelled."));
        }
        if !current.has_started(&now) {
            return Err(AppError::invalid("outcome", "You can record how it went once it has started."));
        }
        diesel::update(interviews::table.find(current.id))
            .set((interviews::outcome.eq(outcome), interviews::feedback.eq(&feedback), interviews::updated_at.eq(now)))
            .execute(conn)?;
        let saved = find(conn, scope, id)?;
        let sub = submission::find(conn, scope, current.submission_id)?;
        let stage_now = stage::find(conn, scope, sub.stage_id)?;
        let body = match &feedback {
            Some(feedback) => {
                format!("Interview on {}: {}. Feedback: {feedback}", current.when_agreed(), saved.outcome_text())
            }
            None => format!("Interview on {}: {}.", current.when_agreed(), saved.outcome_text()),
        };
        submission::record_event(conn, &sub, NewEvent::new("interview_outcome", &body, tell), &stage_now, actor, now)?;
        audit::record(conn, actor, Event::on("interview.outcome", "interview", id, saved.outcome_text()), now)?;
        Ok(saved)
    })
}

/// The interviews part of the submission page.
#[derive(Clone, Debug)]
pub struct SubmissionInterviews {
    /// Soonest first.
    pub items: Vec<Interview>,
    /// True when the submission is open and its consent approved and unexpired.
    pub can_schedule: bool,
}

/// A submission's interviews, soonest first, and whether another can be scheduled.
pub fn for_submission(
    conn: &mut DbConnection,
    scope: AgencyScope,
    submission_id: i64,
    now: NaiveDateTime,
) -> Result<SubmissionInterviews, AppError> {
    let sub = submission::find(conn, scope, submission_id)?;
    // The submission is the agency's (found in its scope): its id alone picks its interviews, by
    // their own index. With the agency's id too, SQLite walked the agency's interviews in time order.
    let items = interviews::table
        .filter(interviews::submission_id.eq(sub.id))
        .order((interviews::starts_at.asc(), interviews::id.asc()))
        .limit(200)
        .select(Interview::as_select())
        .load(conn)?;
    let can_schedule = !sub.is_closed() && consent::active_for_submission(conn, sub.id, now)?.is_some();
    Ok(SubmissionInterviews { items, can_schedule })
}

/// What the interview pages show around the interview.
#[derive(Clone, Debug)]
pub struct InterviewContext {
    pub submission_id: i64,
    pub contractor_id: i64,
    pub contractor_name: String,
    pub job_title: String,
    pub client_name: String,
    pub submission_open: bool,
}

/// The submission an interview (or a new one) belongs to, as pages name it.
pub fn context(conn: &mut DbConnection, scope: AgencyScope, submission_id: i64) -> Result<InterviewContext, AppError> {
    let (id, contractor_id, contractor_name, job_title, client_name, closed_at): (
        i64,
        i64,
        String,
        String,
        String,
        Option<NaiveDateTime>,
    ) = submissions::table
        .inner_join(agency_contractors::table)
        .inner_join(jobs::table.inner_join(clients::table))
        .filter(submissions::id.eq(submission_id))
        .filter(submissions::agency_id.eq(scope.agency_id()))
        .select((
            submissions::id,
            submissions::contractor_id,
            agency_contractors::name,
            jobs::title,
            clients::name,
            submissions::closed_at,
        ))
        .first(conn)?;
    Ok(InterviewContext {
        submission_id: id,
        contractor_id,
        contractor_name,
        job_title,
        client_name,
        submission_open: closed_at.is_none(),
    })
}

// ---------------------------------------------------------------------------------------------
// The contractor's side.

/// The submissions about the person with this email (those an agency asked their consent for).
fn person_submission_ids(conn: &mut DbConnection, email: &str) -> Result<Vec<i64>, AppError> {
    let mut ids: Vec<i64> = consents::table
        .filter(consents::person_key.eq(email))
        .select(consents::submission_id)
        .distinct()
        .limit(1_000)
        .load(conn)?;
    ids.sort_unstable();
    Ok(ids)
}

/// True when the submission is about the person with this email.
fn is_persons_submission(conn: &mut DbConnection, email: &str, submission_id: i64) -> Result<bool, AppError> {
    let found: Option<i64> = consents::table
        .filter(consents::person_key.eq(email))
        .filter(consents::submission_id.eq(submission_id))
        .select(consents::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// One interview on a submission about this person; anyone else's answers `NotFound`.
fn find_for_person(conn: &mut DbConnection, email: &str, id: i64) -> Result<Interview, AppError> {
    let interview: Interview = interviews::table.find(id).select(Interview::as_select()).first(conn)?;
    if !is_persons_submission(conn, email, interview.submission_id)? {
        return Err(AppError::NotFound);
    }
    Ok(interview)
}

/// The submission of an interview on a submission about this person; anyone else's answers
/// `NotFound`.
pub fn submission_of_persons_interview(conn: &mut DbConnection, email: &str, id: i64) -> Result<i64, AppError> {
    Ok(find_for_person(conn, email, id)?.submission_id)
}

/// The interviews part of the contractor's submission page.
#[derive(Clone, Debug)]
pub struct PersonInterviews {
    pub submission_id: i64,
    /// Soonest first.
    pub items: Vec<Interview>,
    /// The contractor's own zone.
    pub tz: Tz,
    /// The interview the contractor is prompted to thank for, if any.
    pub thank_you_for: Option<Interview>,
    /// True when the one "ask for an update" is on offer.
    pub follow_up: bool,
}

impl PersonInterviews {
    /// The time in the contractor's zone.
    pub fn yours(&self, interview: &Interview) -> String {
        interview.when_in(self.tz)
    }

    /// The ready-made thank-you text.
    pub fn thank_you_text(&self) -> &'static str {
        THANK_YOU_TEXT
    }
}

/// True when the contractor should be prompted for a thank-you after `interview`: it has ended,
/// it took place (or its outcome is not known yet), the submission is open, and they have not
/// answered a prompt since it ended.
fn thank_you_due(sub: &Submission, interview: &Interview, now: NaiveDateTime) -> bool {
    !sub.is_closed()
        && matches!(interview.outcome.as_str(), "scheduled" | "passed" | "failed")
        && interview.ends_at() <= now
        && sub.thank_you_prompted_at.is_none_or(|at| at < interview.ends_at())
}

/// True when the contractor may ask for an update once: the agency's update is overdue on
/// `today`, and they have not asked since the agency's last event.
fn follow_up_due(sub: &Submission, today: NaiveDate) -> bool {
    sub.is_overdue(&today) && sub.follow_up_offered_at.is_none_or(|at| at <= sub.last_event_at)
}

fn submission_row(conn: &mut DbConnection, id: i64) -> Result<Submission, AppError> {
    Ok(submissions::table.find(id).select(Submission::as_select()).first(conn)?)
}

/// The interviews on one of the person's submissions, shown in their zone `tz`, with the
/// thank-you prompt and the follow-up offer when due.
pub fn for_person(
    conn: &mut DbConnection,
    email: &str,
    submission_id: i64,
    tz: Tz,
    now: NaiveDateTime,
) -> Result<PersonInterviews, AppError> {
    if !is_persons_submission(conn, email, submission_id)? {
        return Err(AppError::NotFound);
    }
    let sub = submission_row(conn, submission_id)?;
    let items: Vec<Interview> = interviews::table
        .filter(interviews::submission_id.eq(submission_id))
        .order((interviews::starts_at.asc(), interviews::id.asc()))
        .limit(200)
        .select(Interview::as_select())
        .load(conn)?;
    let thank_you_for = items.iter().filter(|i| thank_you_due(&sub, i, now)).max_by_key(|i| i.ends_at()).cloned();
    let today = now.and_utc().with_timezone(&tz).date_naive();
    Ok(PersonInterviews { submission_id, follow_up: follow_up_due(&sub, today), items, tz, thank_you_for })
}

/// The contractor as the author of a note.
#[derive(Clone, Debug)]
pub struct Person<'a> {
    pub user_id: i64,
    pub email: &'a str,
    pub name: &'a str,
}

/// Appends an event written by the contractor. It does not count as the agency's update: the
/// "next update due" date stays where it is.
fn person_event(
    conn: &mut DbConnection,
    sub: &Submission,
    kind: &str,
    body: &str,
    person: &Person<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(submission_events::table)
        .values((
            submission_events::agency_id.eq(sub.agency_id),
            submission_events::submission_id.eq(sub.id),
            submission_events::kind.eq(kind),
            submission_events::body.eq(body),
            submission_events::visible_to_contractor.eq(true),
            submission_events::actor_id.eq(Some(person.user_id)),
            submission_events::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// What the contractor does with the thank-you prompt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThankYou<'a> {
    /// Send this note to the agency.
    Send(&'a str),
    /// Not now, and do not ask again for this interview.
    Dismiss,
}

/// Answers the thank-you prompt for an interview (once): sends the note to the agency as an
/// event, or dismisses it. Either way it is not shown again for that interview.
pub fn answer_thank_you(
    conn: &mut DbConnection,
    person: &Person<'_>,
    interview_id: i64,
    answer: ThankYou<'_>,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    find_for_person(conn, person.email, interview_id)?;
    let note = match answer {
        ThankYou::Send(text) => {
            let mut errors = FieldErrors::default();
            let note = validation::required(&mut errors, "note", "Your note", text, MAX_CONTRACTOR_NOTE);
            errors.finish(Some(note))?
        }
        ThankYou::Dismiss => None,
    };
    db::write(conn, |conn| {
        let interview = find_for_person(conn, person.email, interview_id)?;
        let sub = submission_row(conn, interview.submission_id)?;
        if !thank_you_due(&sub, &interview, now) {
            return Err(AppError::invalid("note", "You already answered this."));
        }
        if let Some(note) = &note {
            let body = format!("Thank-you note from {} after the interview: {note}", person.name);
            person_event(conn, &sub, "thank_you", &body, person, now)?;
        }
        diesel::update(submissions::table.find(sub.id))
            .set(submissions::thank_you_prompted_at.eq(Some(now)))
            .execute(conn)?;
        Ok(sub.id)
    })
}

/// The contractor's one "ask for an update" while the agency's update is overdue (`today` in the
/// contractor's zone). Offered again only after the agency's next event.
pub fn ask_for_update(
    conn: &mut DbConnection,
    person: &Person<'_>,
    submission_id: i64,
    note: &str,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    if !is_persons_submission(conn, person.email, submission_id)? {
        return Err(AppError::NotFound);
    }
    let mut errors = FieldErrors::default();
    let note = validation::optional(&mut errors, "note", "Your message", note, MAX_CONTRACTOR_NOTE);
    errors.finish(())?;
    db::write(conn, |conn| {
        let sub = submission_row(conn, submission_id)?;
        if !follow_up_due(&sub, today) {
            return Err(AppError::invalid(
                "note",
                "You can ask for an update once the agency's update is overdue, and once until they answer.",
            ));
        }
        let body = match &note {
            Some(note) => format!("{} asks for an update: {note}", person.name),
            None => format!("{} asks for an update.", person.name),
        };
        person_event(conn, &sub, "update_requested", &body, person, now)?;
        diesel::update(submissions::table.find(sub.id))
            .set(submissions::follow_up_offered_at.eq(Some(now)))
            .execute(conn)?;
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// Calendars: `.ics` files and private feeds.

/// One interview as a calendar shows it, worded for its reader.
#[derive(Clone, Debug)]
pub struct CalendarEntry {
    pub interview: Interview,
    pub summary: String,
    pub description: String,
    /// Where the reader sees it in NextGig.
    pub url: String,
}

fn description_lines(interview: &Interview, first: Option<String>, url: &str) -> String {
    let mut lines: Vec<String> = first.into_iter().collect();
    lines.push(interview.kind_text().to_string());
    lines.push(format!("Agreed time: {}", interview.when_agreed()));
    if let Some(who) = &interview.interviewers {
        lines.push(format!("Interviewers: {who}"));
    }
    if let Some(notes) = &interview.notes {
        lines.push(format!("Notes: {notes}"));
    }
    lines.push(url.to_string());
    lines.join("\n")
}

type StaffRow = (Interview, String, String, String);

/// Staff calendar entries for these interviews of the agency (one statement).
fn staff_entries(
    conn: &mut DbConnection,
    agency_id: i64,
    ids: &[i64],
    base_url: &str,
) -> Result<Vec<CalendarEntry>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<StaffRow> = interviews::table
        .inner_join(
            submissions::table.inner_join(agency_contractors::table).inner_join(jobs::table.inner_join(clients::table)),
        )
        .filter(interviews::agency_id.eq(agency_id))
        .filter(interviews::id.eq_any(ids))
        .order((interviews::starts_at.asc(), interviews::id.asc()))
        .select((Interview::as_select(), agency_contractors::name, jobs::title, clients::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(interview, contractor, job, client)| {
            let url = format!("{base_url}/submissions/{}", interview.submission_id);
            CalendarEntry {
                summary: format!("Interview: {contractor} for {job} ({client})"),
                description: description_lines(&interview, None, &url),
                url,
                interview,
            }
        })
        .collect())
}

/// The contractor's calendar entries for these interviews, worded as their consent requests
/// showed the client ("Confidential client" included).
fn person_entries(
    conn: &mut DbConnection,
    email: &str,
    items: Vec<Interview>,
    base_url: &str,
) -> Result<Vec<CalendarEntry>, AppError> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let submission_ids: Vec<i64> = items.iter().map(|i| i.submission_id).collect();
    let rows: Vec<(i64, String, String, String)> = consents::table
        .inner_join(agencies::table.on(agencies::id.eq(consents::agency_id)))
        .filter(consents::person_key.eq(email))
        .filter(consents::submission_id.eq_any(&submission_ids))
        .order(consents::id.asc())
        .select((consents::submission_id, consents::job_title, consents::client_shown, agencies::name))
        .load(conn)?;
    // The latest request per submission says how the client is shown.
    let shown: HashMap<i64, (String, String, String)> =
        rows.into_iter().map(|(id, job, client, agency)| (id, (job, client, agency))).collect();
    Ok(items
        .into_iter()
        .filter_map(|interview| {
            let (job, client, agency) = shown.get(&interview.submission_id)?.clone();
            let url = format!("{base_url}/me/submissions/{}", interview.submission_id);
            Some(CalendarEntry {
                summary: format!("Interview: {job} at {client}"),
                description: description_lines(&interview, Some(format!("Arranged by {agency}")), &url),
                url,
                interview,
            })
        })
        .collect())
}

/// One of the agency's interviews as an `.ics` file.
pub fn staff_ics(conn: &mut DbConnection, scope: AgencyScope, id: i64, base_url: &str) -> Result<String, AppError> {
    let interview = find(conn, scope, id)?;
    let entries = staff_entries(conn, scope.agency_id(), &[interview.id], base_url)?;
    if entries.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(calendar_text(&entries, base_url, None))
}

/// One interview on a submission about this person as an `.ics` file; anyone else's answers
/// `NotFound`.
pub fn person_ics(conn: &mut DbConnection, email: &str, id: i64, base_url: &str) -> Result<String, AppError> {
    let interview = find_for_person(conn, email, id)?;
    let entries = person_entries(conn, email, vec![interview], base_url)?;
    if entries.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(calendar_text(&entries, base_url, None))
}

/// When the user's private feed was made, if they have one.
pub fn feed_since(conn: &mut DbConnection, user_id: i64) -> Result<Option<NaiveDateTime>, AppError> {
    Ok(calendar_feeds::table
        .filter(calendar_feeds::user_id.eq(user_id))
        .select(calendar_feeds::created_at)
        .first(conn)
        .optional()?)
}

/// Makes a new private feed address for the user; any previous address stops working. Returns
/// the secret (shown once: only its hash is kept).
pub fn rotate_feed(conn: &mut DbConnection, user_id: i64, now: NaiveDateTime) -> Result<String, AppError> {
    let token = Token::generate();
    db::write(conn, |conn| {
        diesel::delete(calendar_feeds::table.filter(calendar_feeds::user_id.eq(user_id))).execute(conn)?;
        diesel::insert_into(calendar_feeds::table)
            .values((
                calendar_feeds::user_id.eq(user_id),
                calendar_feeds::token_hash.eq(&token.hash),
                calendar_feeds::created_at.eq(now),
            ))
            .execute(conn)?;
        Ok::<_, AppError>(())
    })?;
    Ok(token.secret)
}

/// Turns the user's private feed off (its address stops working).
pub fn remove_feed(conn: &mut DbConnection, user_id: i64) -> Result<(), AppError> {
    diesel::delete(calendar_feeds::table.filter(calendar_feeds::user_id.eq(user_id))).execute(conn)?;
    Ok(())
}

/// The private feed behind `secret`: for staff, the agency's interviews on submissions they own
/// or interviews they scheduled; for a contractor, the interviews on submissions about them.
/// From 60 days back to 400 days ahead, at most 500. An unknown secret or a disabled account
/// answers `NotFound`.
pub fn feed(conn: &mut DbConnection, secret: &str, base_url: &str, now: NaiveDateTime) -> Result<String, AppError> {
    if !token::is_well_formed(secret) {
        return Err(AppError::NotFound);
    }
    type Owner = (i64, String, String, Option<i64>, Option<NaiveDateTime>);
    let (user_id, email, kind, agency_id, disabled_at): Owner = calendar_feeds::table
        .inner_join(users::table.on(users::id.eq(calendar_feeds::user_id)))
        .filter(calendar_feeds::token_hash.eq(token::hash(secret)))
        .select((users::id, users::email, users::kind, users::agency_id, users::disabled_at))
        .first(conn)?;
    if disabled_at.is_some() {
        return Err(AppError::NotFound);
    }
    let (from, until) = (now - TimeDelta::days(FEED_PAST_DAYS), now + TimeDelta::days(FEED_AHEAD_DAYS));
    let entries = if kind == KIND_CONTRACTOR {
        let submission_ids = person_submission_ids(conn, &email)?;
        let items: Vec<Interview> = interviews::table
            .filter(interviews::submission_id.eq_any(&submission_ids))
            .filter(interviews::starts_at.between(from, until))
            .order((interviews::starts_at.asc(), interviews::id.asc()))
            .limit(FEED_LIMIT)
            .select(Interview::as_select())
            .load(conn)?;
        person_entries(conn, &email, items, base_url)?
    } else {
        let Some(agency_id) = agency_id else { return Err(AppError::NotFound) };
        let ids: Vec<i64> = interviews::table
            .inner_join(submissions::table)
            .filter(interviews::agency_id.eq(agency_id))
            .filter(submissions::owner_id.eq(user_id).or(interviews::created_by.eq(user_id)))
            .filter(interviews::starts_at.between(from, until))
            .order(interviews::starts_at.asc())
            .limit(FEED_LIMIT)
            .select(interviews::id)
            .load(conn)?;
        staff_entries(conn, agency_id, &ids, base_url)?
    };
    Ok(calendar_text(&entries, base_url, Some("NextGig interviews")))
}

// ---------------------------------------------------------------------------------------------
// RFC 5545 text. Written by hand: one component type, UTC times only, so no time zone
// definitions are needed; the crate `icalendar` would stamp DTSTAMP from the system clock and
// draw random UIDs, where ours must follow the app's clock and stay stable per interview.

/// The calendar for `entries`: VEVENTs with a stable UID per interview, SEQUENCE, times in UTC,
/// text escaped, lines folded at 75 octets and ended with CRLF.
pub fn calendar_text(entries: &[CalendarEntry], base_url: &str, name: Option<&str>) -> String {
    let host = url::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "nextgig".into());
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//NextGig//Interviews//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    if let Some(name) = name {
        line(&mut out, &format!("X-WR-CALNAME:{}", escape_text(name)));
    }
    for entry in entries {
        let interview = &entry.interview;
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:interview-{}@{host}", interview.id));
        line(&mut out, &format!("SEQUENCE:{}", interview.sequence));
        line(&mut out, &format!("DTSTAMP:{}", utc(interview.updated_at)));
        line(&mut out, &format!("DTSTART:{}", utc(interview.starts_at)));
        line(&mut out, &format!("DTEND:{}", utc(interview.ends_at())));
        line(&mut out, &format!("SUMMARY:{}", escape_text(&entry.summary)));
        if let Some(location) = &interview.location {
            line(&mut out, &format!("LOCATION:{}", escape_text(location)));
        }
        line(&mut out, &format!("DESCRIPTION:{}", escape_text(&entry.description)));
        if is_web_address(&entry.url) {
            line(&mut out, &format!("URL:{}", entry.url));
        }
        line(&mut out, if interview.is_cancelled() { "STATUS:CANCELLED" } else { "STATUS:CONFIRMED" });
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

/// A UTC instant in iCalendar form, e.g. `20270315T140000Z`.
fn utc(at: NaiveDateTime) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT escaping (RFC 5545 3.3.11): backslash, semicolon, comma and newlines; other control
/// characters are not allowed in TEXT and are dropped.
pub fn escape_text(value: &str) -> String {
    let value = value.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line folded at 75 octets (RFC 5545 3.1: continuation lines start with one
/// space; a UTF-8 character is never split) and ended with CRLF.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_long_lines_fold_without_splitting_characters() {
        assert_eq!(escape_text("a\\b;c,d\r\ne\nf"), "a\\\\b\\;c\\,d\\ne\\nf");
        let mut out = String::new();
        let content = format!("DESCRIPTION:{}", "é".repeat(60));
        line(&mut out, &content);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{physical:?} is {} octets", physical.len());
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, content);
    }

    #[test]
    fn the_zone_list_holds_regional_zones_and_utc() {
        let zones = zone_choices();
        assert!(zones.iter().any(|(z, _)| *z == "America/New_York"));
        assert!(zones.iter().any(|(z, _)| *z == "UTC"));
        assert!(!zones.iter().any(|(z, _)| z.starts_with("Etc/")));
    }
}
