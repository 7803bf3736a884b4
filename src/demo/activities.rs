//! Demo activities (calls, emails, meetings, notes) over the last 90 days, most about
//! contractors, some about clients and jobs, with follow-up tasks: most done, some overdue, some
//! due today, some coming up, assigned to the demo team.

use anyhow::anyhow;
use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::random::{DemoRng, between, chance, fill, pick, shuffle, some_time_before, working_time, zipf};
use super::words::{EVENTS, INDUSTRIES, TEAMS};
use super::{Desk, DeskContractor};
use crate::db::DbConnection;
use crate::db::schema::{activities, tasks};
use crate::models::activity::{self, About, AboutRecord, ActivityInput};

/// What happened with a contractor, by kind of activity.
const CONTRACTOR_CALLS: &[&str] = &[
    "Left a voicemail for {first}.",
    "Quick call with {first} to go through rate expectations.",
    "{first} called about the {job} role at {client}; sent over the details.",
    "Talked {first} through the {job} role at {client}. Interested; wants to know the office days.",
    "Reference call with {first}'s former manager: very positive, would hire again.",
];
const CONTRACTOR_EMAILS: &[&str] = &[
    "Sent {first} the spec for {job} at {client}.",
    "Emailed {first} to check their availability is still current.",
    "{first} sent an updated CV with their latest {skill} project.",
    "{first} replied: open to hybrid, but not five days on site.",
    "Sent {first} our guide to IR35 status determinations.",
];
const CONTRACTOR_MEETINGS: &[&str] = &[
    "Coffee with {first} in {city}; talked through the market for {skill} contractors.",
    "Video intro with {first}: strong on {skill}, clear communicator.",
    "Met {first} at {event}.",
];
const CONTRACTOR_NOTES: &[&str] = &[
    "{first} prefers calls after 5pm.",
    "{first} mentioned they are also talking to another agency.",
    "Don't approach {first} about {industry} roles: they want a change.",
    "{first} is happy to mentor juniors; good for team-building roles.",
];

/// What happened with a client.
const CLIENT_CALLS: &[&str] = &[
    "Call with {contact} ({title}): expecting two more {skill} roles in the new year.",
    "Spoke to {contact} about rates for {skill} contractors; budget is tight until next quarter.",
    "{contact} called to say the hiring freeze is over.",
];
const CLIENT_EMAILS: &[&str] = &[
    "Sent {contact} our updated rate card.",
    "Emailed {contact} a market update on {skill} availability.",
    "{contact} asked for three CVs by Friday for the {team} team.",
];
const CLIENT_MEETINGS: &[&str] = &[
    "Quarterly review with {contact}: happy with delivery, wants faster turnaround on CVs.",
    "Lunch with {contact}; they are moving to three office days a week.",
    "Met {contact} and procurement to renew the framework agreement.",
];
const CLIENT_NOTES: &[&str] = &[
    "Purchase orders now need procurement sign-off; allow two extra weeks.",
    "New vendor portal from next month; {contact} will send logins.",
    "{client} is restructuring the {team} team; hold off on speculative CVs.",
];

/// What happened about a job.
const JOB_CALLS: &[&str] = &[
    "Briefing call with {contact} on {job}: must-haves are {skills}.",
    "{contact} confirmed the budget for {job}.",
    "{contact} asked whether we have anyone for {job} who can start within two weeks.",
];
const JOB_EMAILS: &[&str] = &[
    "Sent {contact} the updated description of {job} for sign-off.",
    "{contact} moved the start date of {job} back by two weeks.",
    "Chased {contact} for feedback on the {job} brief.",
];
const JOB_MEETINGS: &[&str] = &[
    "Intake meeting for {job} with {contact} and the team lead.",
    "Walked through {job} with {contact}; the team works with {skills}.",
];
const JOB_NOTES: &[&str] = &[
    "{job}: open to remote candidates in the same time zone.",
    "{job}: the client prefers someone who has worked in {industry}.",
    "{job}: a second opening was approved.",
];

/// Follow-up titles (`None`: the default "Follow up with NAME").
const CONTRACTOR_FOLLOW_UPS: &[Option<&str>] = &[
    Some("Call {first} about the {job} role"),
    Some("Check in with {first} about the extension"),
    Some("Ask {first} for an updated CV"),
    Some("Confirm {first}'s availability"),
    None,
    None,
];
const CLIENT_FOLLOW_UPS: &[Option<&str>] = &[
    Some("Send {contact} the market update"),
    Some("Chase {client} for the signed purchase order"),
    Some("Book the quarterly review with {contact}"),
    None,
];
const JOB_FOLLOW_UPS: &[Option<&str>] =
    &[Some("Find three {skill} profiles for {job}"), Some("Confirm the {job} budget with {contact}"), None];

/// Things on a recruiter's list that are not about one record.
const OWN_TASKS: &[&str] = &[
    "Review who rolls off contract this month",
    "Tidy up the hotlists",
    "Prepare the weekly desk report",
    "Call three contractors not confirmed in a month",
];

/// An activity about to be written.
struct Planned {
    about: About,
    name: String,
    client_id: Option<i64>,
    author: i64,
    input: ActivityInput,
    /// When the follow-up was done, if it was.
    done_at: Option<NaiveDateTime>,
}

/// How an activity about a contractor is worded: one of the templates for its kind, or (for
/// calls, often) what they said about their availability.
fn about_contractor(rng: &mut DemoRng, desk: &Desk, person: &DeskContractor, kind: &str) -> (String, String) {
    let job = desk
        .jobs
        .iter()
        .filter(|j| j.status == "open" && j.role == person.role)
        .nth(between(rng, 0, 3) as usize)
        .or_else(|| desk.jobs.iter().find(|j| j.status == "open"))
        .or(desk.jobs.first());
    let (job_title, client) = match job {
        Some(job) => (job.title.clone(), desk.clients[job.client].name.clone()),
        None => ("Platform Engineer".to_string(), "a client".to_string()),
    };
    let skill = person.skills.first().cloned().unwrap_or_else(|| "cloud".into());
    let city = person.location.clone().unwrap_or_else(|| "town".into()).replace("Remote (", "").replace(')', "");
    let values = [
        ("first", person.first.as_str()),
        ("job", &job_title),
        ("client", &client),
        ("skill", &skill),
        ("city", &city),
        ("event", *pick(rng, EVENTS)),
        ("industry", *pick(rng, INDUSTRIES)),
    ];
    let template = match kind {
        "call" if chance(rng, 0.4) => match (person.availability, person.contract_ends_on) {
            ("on_contract", Some(end)) => {
                let extension = pick(rng, &["unlikely", "being discussed", "looks likely"]);
                return (
                    format!(
                        "Catch-up call with {}: the contract runs until {}; extension {extension}. Wants {skill} work after that.",
                        person.first,
                        end.format("%-d %B")
                    ),
                    job_title,
                );
            }
            ("from_date", _) => {
                return (
                    format!(
                        "{} is free from {}; serving notice. Keen on something with {skill}.",
                        person.first,
                        person.available_on.format("%-d %B")
                    ),
                    job_title,
                );
            }
            ("now", _) => "{first} is free now: the last project wrapped up early. Looking for {skill} work.",
            _ => "{first} is happy where they are for now. Check back in a few months.",
        },
        "call" => *pick(rng, CONTRACTOR_CALLS),
        "email" => *pick(rng, CONTRACTOR_EMAILS),
        "meeting" => *pick(rng, CONTRACTOR_MEETINGS),
        _ => *pick(rng, CONTRACTOR_NOTES),
    };
    (fill(template, &values), job_title)
}

/// Skews a day towards the recent past: more happened this week than two months ago.
fn days_ago(rng: &mut DemoRng) -> i64 {
    let u: f64 = between(rng, 0, 10_000) as f64 / 10_000.0;
    (89.0 * u.powf(1.7)) as i64
}

/// When a follow-up is due and whether (and when) it was done.
fn follow_up_dates(
    rng: &mut DemoRng,
    desk: &Desk,
    at: NaiveDateTime,
    recent: bool,
) -> (NaiveDate, Option<NaiveDateTime>) {
    let due = if recent {
        let offset = match between(rng, 0, 99) {
            0..=19 => between(rng, -4, -1),
            20..=34 => 0,
            _ => between(rng, 1, 21),
        };
        (desk.today + TimeDelta::days(offset)).max(at.date())
    } else {
        at.date() + TimeDelta::days(between(rng, 2, 10))
    };
    // Old follow-ups were mostly done; recent overdue ones mostly still wait.
    let done = if due < desk.today && chance(rng, if recent { 0.3 } else { 0.95 }) {
        let latest = (due.and_hms_opt(18, 0, 0).unwrap_or(at) + TimeDelta::days(1)).min(desk.now);
        let span = (latest - at).num_seconds().max(60);
        Some(at + TimeDelta::seconds(between(rng, 60, span)))
    } else {
        None
    };
    (due, done)
}

/// Adds `count` activities (with follow-ups) and a few tasks of each recruiter's own.
pub fn load_activities(conn: &mut DbConnection, desk: &Desk, rng: &mut DemoRng, count: usize) -> anyhow::Result<()> {
    let mut busy: Vec<&DeskContractor> = desk.contractors.iter().filter(|c| !c.archived).collect();
    if busy.is_empty() || desk.clients.is_empty() {
        return Ok(());
    }
    shuffle(rng, &mut busy);
    let team: Vec<i64> = desk.staff.iter().map(|s| s.id).collect();
    let mut planned = Vec::with_capacity(count);
    for _ in 0..count {
        let kind =
            super::random::weighted(rng, &[("call", 40), ("email", 30), ("meeting", 10), ("note", 20)], |(_, w)| *w).0;
        let days = days_ago(rng);
        let mut at = working_time(rng, desk.today, days);
        if at > desk.now {
            at = desk.now - TimeDelta::minutes(between(rng, 5, 90));
        }
        let recent = (desk.now - at).num_days() <= 10;
        let roll = between(rng, 0, 99);
        let (about, name, client_id, author, body, context) = if roll < 70 {
            // Some contractors are talked to often, most now and then.
            let person = if chance(rng, 0.5) { busy[zipf(rng, busy.len())] } else { *pick(rng, &busy) };
            let (body, job) = about_contractor(rng, desk, person, kind);
            let author = match person.owner_id {
                Some(owner) if chance(rng, 0.75) => owner,
                _ => *pick(rng, &team),
            };
            let values = vec![("first", person.first.clone()), ("job", job)];
            (About::Contractor(person.id), person.name.clone(), None, author, body, values)
        } else if roll < 85 {
            let client = pick(rng, &desk.clients);
            let (contact, title) = pick(rng, &client.contacts).clone();
            let skill =
                desk.jobs.iter().find(|j| desk.clients[j.client].id == client.id).and_then(|j| j.skills.first());
            let values = vec![
                ("contact", contact.clone()),
                ("title", title),
                ("client", client.name.clone()),
                ("skill", skill.cloned().unwrap_or_else(|| "data".into())),
                ("team", pick(rng, TEAMS).to_string()),
            ];
            let template = match kind {
                "call" => pick(rng, CLIENT_CALLS),
                "email" => pick(rng, CLIENT_EMAILS),
                "meeting" => pick(rng, CLIENT_MEETINGS),
                _ => pick(rng, CLIENT_NOTES),
            };
            let refs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let body = fill(template, &refs);
            (About::Client(client.id), client.name.clone(), None, *pick(rng, &team), body, values)
        } else {
            let Some(job) = desk.jobs.get(between(rng, 0, desk.jobs.len().max(1) as i64 - 1) as usize) else {
                continue;
            };
            let client = &desk.clients[job.client];
            let contact = pick(rng, &client.contacts).0.clone();
            let values = vec![
                ("contact", contact),
                ("job", job.title.clone()),
                ("skills", job.skills.iter().take(3).cloned().collect::<Vec<_>>().join(", ")),
                ("skill", job.skills.first().cloned().unwrap_or_default()),
                ("industry", client.industry.to_string()),
            ];
            let template = match kind {
                "call" => pick(rng, JOB_CALLS),
                "email" => pick(rng, JOB_EMAILS),
                "meeting" => pick(rng, JOB_MEETINGS),
                _ => pick(rng, JOB_NOTES),
            };
            let refs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let body = fill(template, &refs);
            let author = match job.owner_id {
                Some(owner) if chance(rng, 0.75) => owner,
                _ => *pick(rng, &team),
            };
            (About::Job(job.id), job.title.clone(), Some(client.id), author, body, values)
        };
        let mut input = ActivityInput {
            kind: kind.into(),
            body,
            occurred_at: at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            ..ActivityInput::default()
        };
        let mut done_at = None;
        if chance(rng, if recent { 0.3 } else { 0.18 }) {
            let titles = match about {
                About::Contractor(_) => CONTRACTOR_FOLLOW_UPS,
                About::Client(_) => CLIENT_FOLLOW_UPS,
                About::Job(_) => JOB_FOLLOW_UPS,
            };
            let refs: Vec<(&str, &str)> = context.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (due, done) = follow_up_dates(rng, desk, at, recent);
            input.follow_up_title = pick(rng, titles).map(|t| fill(t, &refs)).unwrap_or_default();
            input.follow_up_due_on = due.to_string();
            let assignee = if chance(rng, 0.85) { author } else { *pick(rng, &team) };
            input.follow_up_assignee_id = assignee.to_string();
            done_at = done;
        }
        planned.push(Planned { about, name, client_id, author, input, done_at });
    }
    planned.sort_by(|a, b| a.input.occurred_at.cmp(&b.input.occurred_at));
    for activity in &planned {
        insert(conn, desk, activity)?;
    }
    for member in &desk.staff {
        for (n, title) in OWN_TASKS.iter().enumerate().take(if member.admin { 1 } else { 3 }) {
            let due = desk.today + TimeDelta::days([1, -1, 5, 0][n % 4]);
            let created = some_time_before(rng, desk.now, 1, 6);
            diesel::insert_into(tasks::table)
                .values((
                    tasks::agency_id.eq(desk.agency_id),
                    tasks::title.eq(*title),
                    tasks::due_on.eq(due),
                    tasks::assignee_id.eq(member.id),
                    tasks::created_by.eq(Some(member.id)),
                    tasks::created_at.eq(created),
                    tasks::updated_at.eq(created),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Writes one activity and its follow-up, as logging them from a page would.
fn insert(conn: &mut DbConnection, desk: &Desk, planned: &Planned) -> anyhow::Result<()> {
    let valid = planned
        .input
        .validate(chrono_tz::UTC, desk.now, planned.author)
        .map_err(|e| anyhow!("a demo activity breaks a rule: {e}"))?;
    let (contractor_id, client_id, job_id) = match planned.about {
        About::Contractor(id) => (Some(id), None, None),
        About::Client(id) => (None, Some(id), None),
        About::Job(id) => (None, planned.client_id, Some(id)),
    };
    let logged_at = (valid.occurred_at + TimeDelta::minutes(3)).min(desk.now);
    let activity_id: i64 = diesel::insert_into(activities::table)
        .values((
            activities::agency_id.eq(desk.agency_id),
            activities::kind.eq(valid.kind),
            activities::body.eq(&valid.body),
            activities::author_id.eq(Some(planned.author)),
            activities::contractor_id.eq(contractor_id),
            activities::client_id.eq(client_id),
            activities::job_id.eq(job_id),
            activities::occurred_at.eq(valid.occurred_at),
            activities::created_at.eq(logged_at),
        ))
        .returning(activities::id)
        .get_result(conn)?;
    if let Some(follow_up) = &valid.follow_up {
        let record = AboutRecord { about: planned.about, name: planned.name.clone(), client_id: planned.client_id };
        let title = follow_up.title.clone().unwrap_or_else(|| activity::default_title(&record));
        diesel::insert_into(tasks::table)
            .values((
                tasks::agency_id.eq(desk.agency_id),
                tasks::title.eq(&title),
                tasks::due_on.eq(follow_up.due_on),
                tasks::assignee_id.eq(follow_up.assignee_id),
                tasks::created_by.eq(Some(planned.author)),
                tasks::contractor_id.eq(contractor_id),
                tasks::client_id.eq(client_id),
                tasks::job_id.eq(job_id),
                tasks::activity_id.eq(Some(activity_id)),
                tasks::done_at.eq(planned.done_at),
                tasks::done_by.eq(planned.done_at.map(|_| follow_up.assignee_id)),
                tasks::created_at.eq(logged_at),
                tasks::updated_at.eq(planned.done_at.unwrap_or(logged_at)),
            ))
            .execute(conn)?;
    }
    Ok(())
}
