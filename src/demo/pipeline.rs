//! The demo's submissions pipeline: contractors put forward to open jobs, in every stage —
//! waiting for consent, approved and submitted, interviewing (some interviews already held),
//! offered (one below the contractor's floor), placed (some contracts ending within weeks) and
//! closed with a reason.
//!
//! Unlike the other parts it goes through the models, step by step, at past moments of the
//! demo's clock: the events, due dates, consents and representations are exactly what the app
//! would have written. Each step is its own transaction, so it runs after the desk's.

use anyhow::Context;
use chrono::{NaiveDateTime, TimeDelta};
use fake::rand::RngExt;
use fake::rand::seq::SliceRandom;

use super::Desk;
use super::random::{DemoRng, chance, pick};
use crate::db::DbConnection;
use crate::db::schema::agency_contractors;
use crate::error::AppError;
use crate::models::audit::Actor;
use crate::models::consent::{self, Decider, Decision, RequestInput};
use crate::models::interview::{self, InterviewInput, OutcomeInput};
use crate::models::offer::{self, OfferInput};
use crate::models::placement::{self, PlacementInput};
use crate::models::stage;
use crate::models::submission::{self, Created, Note};
use crate::models::{contractor, money};
use diesel::prelude::*;

/// How far along a demo submission gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Goal {
    Sourced,
    ConsentAsked,
    Submitted,
    Interviewing,
    Offered,
    Placed,
    /// Placed months ago; the contract ends within the next weeks.
    EndingSoon,
    Closed,
}

/// The mix of goals, in the order they are handed out.
const MIX: &[(Goal, usize)] = &[
    (Goal::Sourced, 6),
    (Goal::ConsentAsked, 6),
    (Goal::Submitted, 7),
    (Goal::Interviewing, 6),
    (Goal::Offered, 3),
    (Goal::Placed, 2),
    (Goal::EndingSoon, 4),
    (Goal::Closed, 5),
];

/// What the pipeline part wrote.
#[derive(Debug, Default)]
pub struct Loaded {
    pub submissions: usize,
    pub skipped: usize,
}

/// Puts contractors forward on the desk's open jobs; `scale` (0..=1) shrinks the mix for a
/// smaller desk.
pub fn load_pipeline(
    conn: &mut DbConnection,
    desk: &Desk,
    rng: &mut DemoRng,
    scale: f64,
    base_url: &str,
) -> anyhow::Result<Loaded> {
    let open_jobs: Vec<_> = desk.jobs.iter().filter(|j| j.status == "open").collect();
    if open_jobs.is_empty() {
        return Ok(Loaded::default());
    }
    // Consent requests go by email: only records with one are put forward.
    let reachable: std::collections::HashSet<i64> = agency_contractors::table
        .filter(agency_contractors::agency_id.eq(desk.agency_id))
        .filter(agency_contractors::email.is_not_null())
        .select(agency_contractors::id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    let mut people: Vec<_> = desk.contractors.iter().filter(|c| !c.archived && reachable.contains(&c.id)).collect();
    people.shuffle(rng);
    let mut people = people.into_iter();
    let mut loaded = Loaded::default();
    let recruiters = desk.recruiters();
    for &(goal, count) in MIX {
        let count = ((count as f64) * scale).round().max(1.0) as usize;
        for _ in 0..count {
            let Some(person) = people.next() else { return Ok(loaded) };
            let job = pick(rng, &open_jobs);
            let recruiter = job.owner_id.or(person.owner_id).unwrap_or_else(|| pick(rng, &recruiters).id);
            let actor = Actor::console().as_user(recruiter, Some(desk.agency_id));
            let story = Story { desk, actor, job: job.id, contractor: person.id, base_url };
            match story.play(conn, rng, goal) {
                Ok(()) => loaded.submissions += 1,
                // A record without an email cannot be asked for consent; a person already
                // represented at that client waits for them: both are left for a recruiter.
                Err(AppError::Invalid(_)) => loaded.skipped += 1,
                Err(e) => return Err(e).context("cannot load the demo pipeline"),
            }
        }
    }
    Ok(loaded)
}

/// One submission's history, told through the models.
struct Story<'a> {
    desk: &'a Desk,
    actor: Actor,
    job: i64,
    contractor: i64,
    base_url: &'a str,
}

impl Story<'_> {
    fn play(&self, conn: &mut DbConnection, rng: &mut DemoRng, goal: Goal) -> Result<(), AppError> {
        let scope = self.desk.scope();
        let now = self.desk.now;
        // When it started: long ago for contracts ending soon, within the last weeks otherwise.
        let days_ago = match goal {
            Goal::EndingSoon => rng.random_range(150..200),
            Goal::Placed => rng.random_range(25..40),
            Goal::Sourced | Goal::ConsentAsked => rng.random_range(0..6),
            _ => rng.random_range(10..24),
        };
        let mut at = working_hour(now - TimeDelta::days(days_ago), rng);
        let created = submission::create(conn, scope, self.job, self.contractor, None, &self.actor, at)?;
        let Created::Done(sub) = created else { return Err(AppError::invalid("job_id", "already put forward")) };
        if goal == Goal::Sourced {
            return Ok(());
        }
        at += TimeDelta::hours(2);
        let record = contractor::find(conn, scope, self.contractor)?;
        let floor = record.rate_floor_minor.unwrap_or(7_000);
        let rate = floor + i64::from(rng.random_range(0..6u8)) * 500;
        let request = RequestInput {
            rate: money::amount_for_input(rate),
            rate_currency: record.rate_currency.clone().unwrap_or_else(|| "EUR".into()),
            rate_unit: record.rate_unit.clone().filter(|u| u != "year").unwrap_or_else(|| "hour".into()),
            client_shown: if chance(rng, 0.2) { "confidential".into() } else { "name".into() },
            client_description: "A well-known company in its field".into(),
            exclusivity_days: "90".into(),
        };
        let asked = consent::request(conn, scope, sub.id, &request, self.base_url, &self.actor, at)?;
        if goal == Goal::ConsentAsked {
            return Ok(());
        }
        at += TimeDelta::hours(rng.random_range(1..20));
        let decider = Decider {
            user_id: None,
            ip: "203.0.113.24".into(),
            user_agent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) NextGig demo".into(),
        };
        consent::decide(conn, asked.id, Decision::Approve, &decider, at)?;
        at += TimeDelta::hours(3);
        contractor::confirm_availability(conn, scope, self.contractor, &self.actor, at)?;
        let submitted = stage::first_of(conn, scope, "submitted")?;
        let note = Note { text: "CV and rate sent to the hiring manager.", visible: true };
        submission::move_to(conn, scope, sub.id, submitted.id, note, &self.actor, at)?;
        if goal == Goal::Closed {
            at += TimeDelta::days(rng.random_range(2..6));
            let reason = *pick(rng, &["client_chose_other", "not_a_fit", "role_filled", "rate"]);
            submission::close(conn, scope, sub.id, reason, "", &self.actor, at)?;
            return Ok(());
        }
        if goal == Goal::Submitted {
            return Ok(());
        }
        // The first interview: held already for those further along; for the others, soon.
        let held = goal != Goal::Interviewing || chance(rng, 0.3);
        at += TimeDelta::days(1);
        let starts = if held {
            working_hour(at + TimeDelta::days(rng.random_range(2..5)), rng)
        } else {
            working_hour(now + TimeDelta::days(rng.random_range(1..9)), rng)
        };
        let scheduled = interview::schedule(conn, scope, sub.id, &interview_input(starts, rng), &self.actor, at)?;
        if !held {
            return Ok(());
        }
        at = starts + TimeDelta::hours(3);
        let outcome = OutcomeInput {
            outcome: "passed".into(),
            feedback: "Strong on the technical questions; the team wants to move on.".into(),
            tell_contractor: "1".into(),
        };
        interview::record_outcome(conn, scope, scheduled.id, &outcome, &self.actor, at)?;
        if goal == Goal::Interviewing {
            return Ok(());
        }
        at += TimeDelta::days(1);
        // Most offers meet the floor; an occasional one comes in under it.
        let offered = if chance(rng, 0.25) { floor - 500 } else { rate };
        let start = (at + TimeDelta::days(14)).date();
        let months = if goal == Goal::EndingSoon { 6 } else { rng.random_range(6..13) };
        let mut end = start + TimeDelta::days(30 * months);
        if goal == Goal::EndingSoon {
            // Ends within 2 to 6 weeks of today.
            end = now.date() + TimeDelta::days(rng.random_range(14..42));
        }
        let offer_input = OfferInput {
            offer_rate: money::amount_for_input(offered),
            offer_currency: request.rate_currency.clone(),
            offer_unit: request.rate_unit.clone(),
            offer_start: start.to_string(),
            offer_end: end.to_string(),
            idempotency_key: String::new(),
        };
        let made = offer::record(conn, scope, sub.id, &offer_input, &self.actor, at)?;
        if goal == Goal::Offered {
            return Ok(());
        }
        at += TimeDelta::hours(20);
        offer::decide(conn, scope, made.offer.id, offer::Decision::Accept, &self.actor, at)?;
        let placement = PlacementInput {
            start_date: start.to_string(),
            end_date: end.to_string(),
            pay_rate: money::amount_for_input(offered),
            bill_rate: money::amount_for_input(offered * 125 / 100),
            currency: request.rate_currency,
            rate_unit: request.rate_unit,
        };
        placement::create(conn, scope, sub.id, &placement, &self.actor, at)?;
        Ok(())
    }
}

/// A moment on `day` between 9:00 and 17:00 (UTC).
fn working_hour(day: NaiveDateTime, rng: &mut DemoRng) -> NaiveDateTime {
    let date = day.date();
    date.and_hms_opt(rng.random_range(9..17), *pick(rng, &[0, 15, 30, 45]), 0).unwrap_or(day)
}

/// A video or on-site interview at `starts` (UTC), agreed in London time.
fn interview_input(starts: NaiveDateTime, rng: &mut DemoRng) -> InterviewInput {
    let local = starts.and_utc().with_timezone(&chrono_tz::Europe::London);
    let onsite = chance(rng, 0.3);
    InterviewInput {
        date: local.format("%Y-%m-%d").to_string(),
        time: local.format("%H:%M").to_string(),
        time_zone: "Europe/London".into(),
        duration_minutes: (*pick(rng, &[45, 60, 90])).to_string(),
        kind: if onsite { "onsite".into() } else { "video".into() },
        location: if onsite { "Reception, 2nd floor".into() } else { "https://meet.example.com/demo-interview".into() },
        interviewers: (*pick(rng, &["Head of Engineering", "Engineering manager and a senior developer", "CTO"]))
            .into(),
        notes: "Bring examples of systems you designed.".into(),
        sequence: String::new(),
        idempotency_key: String::new(),
    }
}
