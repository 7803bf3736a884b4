//! Client shortlists: a recruiter sends a client's contacts a private link (random, expiring,
//! revocable, stored hashed) that shows the contractors chosen from a job's pipeline, with only
//! the fields chosen for each, and "availability confirmed N days ago". The client answers per
//! contractor (interested with interview times, not a fit with a reason, or a question); each
//! answer becomes a submission event, tells the recruiter, and moves the card where it applies.
//!
//! What the link shows is built here, field by field, from the choices: the page gets a
//! [`ClientView`] that holds nothing else, so nothing the recruiter did not choose can reach it.
//! A contractor whose consent is no longer approved drops out of the link when it is next opened
//! (checked when the page is built, not copied when it was sent).

use std::collections::{BTreeMap, HashMap, HashSet};

use askama::Template;
use chrono::{NaiveDate, NaiveDateTime, TimeDelta, TimeZone};
use chrono_tz::Tz;
use diesel::prelude::*;

use crate::db::schema::{
    agencies, clients, consents, contacts, documents, jobs, login_attempts, shortlist_answers, shortlist_entries,
    shortlist_recipients, shortlists, submissions, users,
};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::mail;
use crate::models::activity;
use crate::models::agency::{Agency, AgencyScope};
use crate::models::audit::{self, Actor, Event};
use crate::models::contractor::{self, Contractor};
use crate::models::document;
use crate::models::job::Job;
use crate::models::money;
use crate::models::notification::{self, Notification, Recipient};
use crate::models::outbox;
use crate::models::stage;
use crate::models::submission::{self, NewEvent, Submission};
use crate::models::token::{self, Token};
use crate::models::validation::{self, FieldErrors};

/// Days a link works unless the recruiter chooses otherwise.
pub const DEFAULT_DAYS: i64 = 14;
/// Longest a link may be set to work.
pub const MAX_DAYS: i64 = 60;
/// Wrong links from one address within [`MISS_WINDOW_MINUTES`] before that address is refused
/// (429) for a while, valid links included.
pub const MISS_LIMIT: i64 = 20;
/// The window over which wrong links are counted.
pub const MISS_WINDOW_MINUTES: i64 = 15;
/// Wrong links are counted in the sign-in attempts table (one throttle store for every instance,
/// swept with it) under this name, which is never an email address.
const MISS_KEY: &str = "shortlist-link";
/// Interview times a client may propose at once.
pub const MAX_TIMES: usize = 3;
/// Longest pitch, message, reason or question.
pub const MAX_TEXT: usize = 2_000;

/// What the client may see of a CV: (stored, shown to the recruiter).
pub const CV_CHOICES: &[(&str, &str)] =
    &[("none", "No CV"), ("redacted", "CV without contact details"), ("full", "The CV file as uploaded")];

/// The client's answers: (stored, shown).
pub const ANSWERS: &[(&str, &str)] =
    &[("interested", "Interested"), ("not_a_fit", "Not a fit"), ("question", "Question")];

/// The label of an answer kind.
pub fn answer_label(kind: &str) -> &'static str {
    ANSWERS.iter().find(|(k, _)| *k == kind).map_or("", |(_, l)| l)
}

/// "J. D." for "Jane Doe".
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|part| part.chars().find(|c| c.is_alphabetic()))
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A shortlist row.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = shortlists)]
pub struct Shortlist {
    pub id: i64,
    pub agency_id: i64,
    pub job_id: i64,
    pub token_hash: String,
    pub message: Option<String>,
    pub time_zone: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub sent_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub first_opened_at: Option<NaiveDateTime>,
    pub last_opened_at: Option<NaiveDateTime>,
    pub open_count: i32,
    pub follow_up_due: NaiveDate,
}

impl Shortlist {
    /// "open", "expired" or "revoked" as of `now`.
    pub fn state(&self, now: &NaiveDateTime) -> &'static str {
        if self.revoked_at.is_some() {
            "revoked"
        } else if self.expires_at <= *now {
            "expired"
        } else {
            "open"
        }
    }

    /// The link's zone (for interview times).
    pub fn tz(&self) -> Tz {
        self.time_zone.parse().unwrap_or(Tz::UTC)
    }
}

/// A shortlist entry: one submission and what the client sees of it.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = shortlist_entries)]
pub struct Entry {
    pub id: i64,
    pub agency_id: i64,
    pub shortlist_id: i64,
    pub submission_id: i64,
    pub position: i32,
    pub show_name: bool,
    pub show_headline: bool,
    pub show_skills: bool,
    pub pitch: Option<String>,
    pub show_bill_rate: bool,
    pub bill_rate_minor: Option<i64>,
    pub bill_rate_currency: Option<String>,
    pub bill_rate_unit: Option<String>,
    pub cv: String,
    pub document_id: Option<i64>,
    pub answer: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
}

impl Entry {
    /// The bill rate as shown, when chosen.
    pub fn bill_rate_text(&self) -> Option<String> {
        if !self.show_bill_rate {
            return None;
        }
        Some(money::format_rate(
            self.bill_rate_minor?,
            self.bill_rate_currency.as_deref()?,
            self.bill_rate_unit.as_deref()?,
        ))
    }

    /// What the CV choice says, for the recruiter.
    pub fn cv_label(&self) -> &'static str {
        CV_CHOICES.iter().find(|(k, _)| *k == self.cv).map_or("", |(_, l)| l)
    }
}

/// A client's answer.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = shortlist_answers)]
pub struct Answer {
    pub id: i64,
    pub agency_id: i64,
    pub entry_id: i64,
    pub kind: String,
    pub body: Option<String>,
    pub proposed_times: Option<String>,
    pub time_zone: Option<String>,
    pub ip: String,
    pub user_agent: String,
    pub created_at: NaiveDateTime,
    /// The recruiter's reply to a question.
    pub reply: Option<String>,
    pub replied_at: Option<NaiveDateTime>,
    pub replied_by: Option<i64>,
}

impl Answer {
    /// The proposed interview times (UTC).
    pub fn times(&self) -> Vec<NaiveDateTime> {
        self.proposed_times
            .as_deref()
            .unwrap_or("")
            .lines()
            .filter_map(|l| NaiveDateTime::parse_from_str(l.trim(), "%Y-%m-%dT%H:%M:%S").ok())
            .collect()
    }

    /// The proposed times as the client gave them ("Tue 1 Dec 2026 10:00 Europe/London").
    pub fn times_text(&self) -> Vec<String> {
        self.proposals().into_iter().map(|p| p.text).collect()
    }

    /// The proposed times, each as the client gave it and as the schedule form's query
    /// (`date`, `time` and `time_zone` in the client's zone).
    pub fn proposals(&self) -> Vec<Proposal> {
        let tz: Tz = self.time_zone.as_deref().and_then(|z| z.parse().ok()).unwrap_or(Tz::UTC);
        self.times()
            .into_iter()
            .map(|at| {
                let local = tz.from_utc_datetime(&at);
                let query = format!(
                    "date={}&time={}&time_zone={}",
                    local.format("%Y-%m-%d"),
                    local.format("%H:%M"),
                    crate::pages::encode_query(tz.name())
                );
                Proposal { text: local_text(at, tz), query }
            })
            .collect()
    }

    /// The answer kind as shown.
    pub fn label(&self) -> &'static str {
        answer_label(&self.kind)
    }
}

/// An interview time the client proposed.
#[derive(Clone, Debug)]
pub struct Proposal {
    /// As the client gave it ("Tue 1 Dec 2026 10:00 Europe/London").
    pub text: String,
    /// The query that opens the schedule form at this time.
    pub query: String,
}

/// A UTC instant shown in `tz`, with the zone's name.
pub fn local_text(at: NaiveDateTime, tz: Tz) -> String {
    format!("{} {}", at.and_utc().with_timezone(&tz).format("%a %-d %b %Y %H:%M"), tz.name())
}

// ---------------------------------------------------------------------------------------------
// Making and sending a shortlist.

/// A submission that could go on a shortlist, as the form shows it.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub submission_id: i64,
    pub contractor: Contractor,
    pub skills: Vec<String>,
    pub stage_name: String,
    /// Approved, unexpired consent: without it the contractor cannot be added.
    pub consent_ok: bool,
    /// Availability confirmed within the agency's window.
    pub fresh: bool,
    /// "confirmed 2 days ago".
    pub confirmed_text: String,
    /// The current CV (id, file name, whether its text was read).
    pub cv: Option<(i64, String, bool)>,
}

impl Candidate {
    /// The initials the client would see instead of the name.
    pub fn initials(&self) -> String {
        initials(&self.contractor.name)
    }
}

/// What the new-shortlist form needs.
#[derive(Clone, Debug)]
pub struct FormData {
    pub job: Job,
    pub client_name: String,
    /// The client's contacts with an address: (id, name, email).
    pub contacts: Vec<(i64, String, String)>,
    pub candidates: Vec<Candidate>,
    /// The rate's currency and unit for bill rates ("EUR", "hour").
    pub rate_currency: String,
    pub rate_unit: String,
    pub availability_window_hours: i32,
}

/// One contractor's choices, as typed.
#[derive(Clone, Debug, Default)]
pub struct EntryInput {
    pub include: bool,
    /// "full" or "initials".
    pub name: String,
    pub headline: bool,
    pub skills: bool,
    pub pitch: String,
    pub rate_show: bool,
    pub rate: String,
    /// One of [`CV_CHOICES`].
    pub cv: String,
}

/// The new-shortlist form, as typed (shown back on errors). Entry fields are named
/// `e{submission}_{field}`.
#[derive(Clone, Debug, Default)]
pub struct ShortlistInput {
    pub contacts: Vec<i64>,
    pub expires_days: String,
    pub message: String,
    pub entries: BTreeMap<i64, EntryInput>,
    /// See [`crate::models::idempotency`].
    pub idempotency_key: String,
}

impl ShortlistInput {
    /// The form as first shown: nobody chosen yet, name, headline and skills ticked, the job's
    /// top rate as the bill rate, the CV without contact details when there is one.
    pub fn fresh(data: &FormData) -> Self {
        let rate = data.job.rate_max_minor.or(data.job.rate_min_minor).map(money::amount_for_input).unwrap_or_default();
        let entries = data
            .candidates
            .iter()
            .map(|c| {
                let cv = match &c.cv {
                    Some((_, _, true)) => "redacted",
                    Some(_) => "full",
                    None => "none",
                };
                let entry = EntryInput {
                    include: false,
                    name: "full".into(),
                    headline: true,
                    skills: true,
                    pitch: String::new(),
                    rate_show: false,
                    rate: rate.clone(),
                    cv: cv.into(),
                };
                (c.submission_id, entry)
            })
            .collect();
        Self {
            contacts: Vec::new(),
            expires_days: DEFAULT_DAYS.to_string(),
            message: String::new(),
            entries,
            idempotency_key: crate::models::idempotency::new_key(),
        }
    }

    /// Reads the submitted fields; an unknown or repeated field is refused.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Result<Self, AppError> {
        let refuse = |name: &str| AppError::BadRequest(format!("The form has a field NextGig does not know: {name}."));
        let mut input = Self::default();
        let mut seen: HashSet<String> = HashSet::new();
        for (name, value) in pairs {
            if name != "contact" && !seen.insert(name.clone()) {
                return Err(AppError::BadRequest(format!("The form has the field {name} twice.")));
            }
            match name.as_str() {
                "contact" => match value.trim().parse::<i64>() {
                    Ok(id) if id > 0 => input.contacts.push(id),
                    _ => return Err(refuse("contact")),
                },
                "expires_days" => input.expires_days = value,
                "message" => input.message = value,
                crate::models::idempotency::FIELD => input.idempotency_key = value,
                other => {
                    let Some((id, field)) =
                        other.strip_prefix('e').and_then(|rest| rest.split_once('_')).and_then(|(id, field)| {
                            id.parse::<i64>().ok().filter(|id| *id > 0).map(|id| (id, field.to_string()))
                        })
                    else {
                        return Err(refuse(other));
                    };
                    if input.entries.len() >= 500 && !input.entries.contains_key(&id) {
                        return Err(refuse(other));
                    }
                    let entry = input.entries.entry(id).or_default();
                    match field.as_str() {
                        "include" => entry.include = value == "1",
                        "name" => entry.name = value,
                        "headline" => entry.headline = value == "1",
                        "skills" => entry.skills = value == "1",
                        "pitch" => entry.pitch = value,
                        "rate_show" => entry.rate_show = value == "1",
                        "rate" => entry.rate = value,
                        "cv" => entry.cv = value,
                        _ => return Err(refuse(other)),
                    }
                }
            }
        }
        Ok(input)
    }

    /// The typed choices of one candidate (defaults when the form did not mention it).
    pub fn entry(&self, submission_id: &i64) -> EntryInput {
        self.entries.get(submission_id).cloned().unwrap_or_default()
    }

    /// True when this contact was ticked.
    pub fn has_contact(&self, id: &i64) -> bool {
        self.contacts.contains(id)
    }
}

/// What is wrong with a new shortlist: the form's fields, and each contractor's choices.
#[derive(Clone, Debug, Default)]
pub struct FormErrors {
    pub fields: FieldErrors,
    pub entries: HashMap<i64, String>,
}

impl FormErrors {
    /// True when nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.entries.is_empty()
    }

    /// The error beside a contractor, if any.
    pub fn entry(&self, submission_id: &i64) -> Option<&str> {
        self.entries.get(submission_id).map(String::as_str)
    }
}

/// What sending led to.
#[derive(Debug)]
pub enum Sent {
    /// Sent: the new shortlist's id.
    Done(i64),
    /// The form has errors; nothing was saved.
    Invalid(FormErrors),
}

/// The agency's job (`NotFound` otherwise) and everything its shortlist form shows.
pub fn form_data(
    conn: &mut DbConnection,
    scope: AgencyScope,
    job_id: i64,
    now: NaiveDateTime,
) -> Result<FormData, AppError> {
    let job = Job::find(conn, scope, job_id)?;
    let client_name: String = clients::table.find(job.client_id).select(clients::name).first(conn)?;
    let contact_rows: Vec<(i64, String, Option<String>)> = contacts::table
        .filter(contacts::agency_id.eq(scope.agency_id()))
        .filter(contacts::client_id.eq(job.client_id))
        .filter(contacts::archived_at.is_null())
        .order((contacts::name.asc(), contacts::id.asc()))
        .limit(200)
        .select((contacts::id, contacts::name, contacts::email))
        .load(conn)?;
    let contacts = contact_rows
        .into_iter()
        .filter_map(|(id, name, email)| Some((id, name, email.filter(|e| !e.trim().is_empty())?)))
        .collect();
    let agency = Agency::find(conn, scope)?;
    let window = TimeDelta::hours(i64::from(agency.availability_window_hours));
    let open: Vec<(i64, i64, String)> = submissions::table
        .inner_join(crate::db::schema::pipeline_stages::table)
        .filter(submissions::agency_id.eq(scope.agency_id()))
        .filter(submissions::job_id.eq(job.id))
        .filter(submissions::closed_at.is_null())
        .order(submissions::id.asc())
        .limit(200)
        .select((submissions::id, submissions::contractor_id, crate::db::schema::pipeline_stages::name))
        .load(conn)?;
    let ids: Vec<i64> = open.iter().map(|(_, c, _)| *c).collect();
    let records: HashMap<i64, Contractor> =
        contractor::find_many(conn, scope, &ids)?.into_iter().map(|c| (c.id, c)).collect();
    let skills = contractor::skill_names(conn, &ids)?;
    let consented = consented(conn, &open.iter().map(|(s, _, _)| *s).collect::<Vec<_>>(), now)?;
    let all: Vec<Contractor> = records.values().cloned().collect();
    let cvs = document::current_cvs(conn, scope, &all)?;
    let mut candidates = Vec::new();
    for (submission_id, contractor_id, stage_name) in open {
        let Some(record) = records.get(&contractor_id).cloned() else { continue };
        let cv = cvs.get(&record.id).map(|d| (d.id, d.file_name.clone(), d.text_status == "read"));
        candidates.push(Candidate {
            submission_id,
            skills: skills.get(&contractor_id).cloned().unwrap_or_default(),
            stage_name,
            consent_ok: consented.contains(&submission_id),
            fresh: record.availability_confirmed_at.is_some_and(|at| at >= now - window),
            confirmed_text: record.confirmed_text(&now),
            cv,
            contractor: record,
        });
    }
    Ok(FormData {
        rate_currency: job.rate_currency.clone().unwrap_or_else(|| "EUR".into()),
        rate_unit: job.rate_unit.clone().unwrap_or_else(|| "hour".into()),
        job,
        client_name,
        contacts,
        candidates,
        availability_window_hours: agency.availability_window_hours,
    })
}

/// The submissions among `ids` whose consent is approved and unexpired now (one statement).
fn consented(conn: &mut DbConnection, ids: &[i64], now: NaiveDateTime) -> Result<HashSet<i64>, AppError> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let rows: Vec<i64> = consents::table
        .filter(consents::submission_id.eq_any(ids))
        .filter(consents::status.eq("approved"))
        .filter(consents::valid_until.gt(now))
        .select(consents::submission_id)
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// A checked entry, ready to store.
struct ValidEntry {
    submission_id: i64,
    show_name: bool,
    show_headline: bool,
    show_skills: bool,
    pitch: Option<String>,
    show_bill_rate: bool,
    bill_rate_minor: Option<i64>,
    cv: &'static str,
    document_id: Option<i64>,
}

/// A checked form: the contacts, the link's days, the note, the entries in the pipeline's order.
struct Checked {
    contacts: Vec<i64>,
    days: i64,
    message: Option<String>,
    entries: Vec<ValidEntry>,
}

/// Checks the form against the job's pipeline.
fn check(data: &FormData, input: &ShortlistInput) -> Result<Checked, FormErrors> {
    let mut errors = FormErrors::default();
    let known: HashSet<i64> = data.contacts.iter().map(|(id, _, _)| *id).collect();
    let mut contacts: Vec<i64> = Vec::new();
    for id in &input.contacts {
        if !known.contains(id) {
            errors.fields.add("contact", "Choose contacts of this client who have an email address.");
        } else if !contacts.contains(id) {
            contacts.push(*id);
        }
    }
    if contacts.is_empty() && !errors.fields.has("contact") {
        errors.fields.add("contact", "Choose at least one contact to send the shortlist to.");
    }
    let days = if input.expires_days.trim().is_empty() {
        errors.fields.add("expires_days", "Say for how many days the link works.");
        None
    } else {
        validation::optional_int(
            &mut errors.fields,
            "expires_days",
            "The link's lifetime",
            &input.expires_days,
            1,
            MAX_DAYS,
        )
    };
    let message = validation::optional(&mut errors.fields, "message", "The message", &input.message, MAX_TEXT);
    let by_id: HashMap<i64, &Candidate> = data.candidates.iter().map(|c| (c.submission_id, c)).collect();
    let mut entries = Vec::new();
    for (id, entry) in input.entries.iter().filter(|(_, e)| e.include) {
        let Some(candidate) = by_id.get(id) else {
            errors.entries.insert(*id, "This submission is not open on this job.".into());
            continue;
        };
        let mut problems: Vec<String> = Vec::new();
        if !candidate.consent_ok {
            problems
                .push("They have not approved being put forward for this role: ask for their consent first.".into());
        }
        if !candidate.fresh {
            problems.push(format!(
                "Their availability was {}; it must be confirmed within {} hours before a client sees it.",
                candidate.confirmed_text, data.availability_window_hours
            ));
        }
        let show_name = match entry.name.as_str() {
            "full" => true,
            "initials" => false,
            _ => {
                problems.push("Choose the name or the initials.".into());
                true
            }
        };
        let pitch = entry.pitch.trim();
        if pitch.chars().count() > MAX_TEXT {
            problems.push(format!("Keep the pitch under {MAX_TEXT} characters."));
        }
        let rate = entry.rate.trim();
        let bill_rate_minor = if rate.is_empty() {
            if entry.rate_show {
                problems.push("Give the bill rate the client should see, or untick it.".into());
            }
            None
        } else {
            match money::parse_amount(rate) {
                Ok(minor) => Some(minor),
                Err(e) => {
                    problems.push(format!("The bill rate {e}."));
                    None
                }
            }
        };
        let cv = match CV_CHOICES.iter().find(|(k, _)| *k == entry.cv) {
            Some((k, _)) => *k,
            None => {
                problems.push("Choose what the client sees of the CV.".into());
                "none"
            }
        };
        let document_id = match (cv, &candidate.cv) {
            ("none", _) => None,
            (_, None) => {
                problems.push("They have no CV on file: choose \"No CV\" or upload one first.".into());
                None
            }
            ("redacted", Some((_, _, false))) => {
                problems.push("The CV's text could not be read, so it cannot be shown without contact details.".into());
                None
            }
            (_, Some((id, _, _))) => Some(*id),
        };
        if !problems.is_empty() {
            errors.entries.insert(*id, problems.join(" "));
            continue;
        }
        entries.push(ValidEntry {
            submission_id: *id,
            show_name,
            show_headline: entry.headline,
            show_skills: entry.skills,
            pitch: (!pitch.is_empty()).then(|| pitch.to_string()),
            show_bill_rate: entry.rate_show,
            bill_rate_minor,
            cv,
            document_id,
        });
    }
    if entries.is_empty() && errors.entries.is_empty() {
        errors.fields.add("entries", "Choose at least one contractor for the shortlist.");
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let order: HashMap<i64, usize> = data.candidates.iter().enumerate().map(|(n, c)| (c.submission_id, n)).collect();
    entries.sort_by_key(|e| order.get(&e.submission_id).copied().unwrap_or(usize::MAX));
    Ok(Checked { contacts, days: days.unwrap_or(DEFAULT_DAYS), message, entries })
}

/// The email to a client contact.
#[derive(Template)]
#[template(path = "shortlists/email.txt")]
struct ShortlistEmail<'a> {
    name: &'a str,
    recruiter: &'a str,
    agency: &'a str,
    job_title: &'a str,
    count: usize,
    message: Option<&'a str>,
    link: &'a str,
    expires: String,
}

/// The email that carries a reply to a client's question.
#[derive(Template)]
#[template(path = "shortlists/reply_email.txt")]
struct ReplyEmail<'a> {
    name: &'a str,
    recruiter: &'a str,
    agency: &'a str,
    candidate: &'a str,
    job_title: &'a str,
    question: &'a str,
    reply: &'a str,
    sent: String,
    expires: String,
}

/// The recruiter's reply to a client's question, from the shortlist's page.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReplyInput {
    /// The question's id (a client's answer of the kind `question`).
    pub answer: String,
    pub reply: String,
}

/// The longest reply, in characters.
pub const REPLY_MAX: usize = 2000;

/// Replies to a client's question on one of the agency's shortlists (once per question): the
/// reply shows under the question on the client's page, is emailed to the shortlist's contacts
/// and is noted on the submission (for the agency only). A question of another shortlist or
/// agency answers `NotFound`; an empty or too long reply, or a second one, `Invalid`.
pub fn reply(
    conn: &mut DbConnection,
    scope: AgencyScope,
    shortlist_id: i64,
    input: &ReplyInput,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Answer, AppError> {
    db::write(conn, |conn| {
        let list = find(conn, scope, shortlist_id)?;
        let answer_id = input.answer.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
        let (question, entry): (Answer, Entry) = shortlist_answers::table
            .inner_join(shortlist_entries::table)
            .filter(shortlist_answers::id.eq(answer_id))
            .filter(shortlist_answers::agency_id.eq(scope.agency_id()))
            .filter(shortlist_answers::kind.eq("question"))
            .filter(shortlist_entries::shortlist_id.eq(list.id))
            .select((Answer::as_select(), Entry::as_select()))
            .first(conn)?;
        let text = input.reply.trim();
        if text.is_empty() {
            return Err(AppError::invalid("reply", "Write your reply to the client's question."));
        }
        if text.chars().count() > REPLY_MAX {
            return Err(AppError::invalid("reply", format!("Keep the reply under {REPLY_MAX} characters.")));
        }
        let updated = diesel::update(
            shortlist_answers::table
                .filter(shortlist_answers::id.eq(question.id))
                .filter(shortlist_answers::reply.is_null()),
        )
        .set((
            shortlist_answers::reply.eq(Some(text)),
            shortlist_answers::replied_at.eq(Some(now)),
            shortlist_answers::replied_by.eq(actor.user_id),
        ))
        .execute(conn)?;
        if updated != 1 {
            return Err(AppError::invalid("reply", "You already replied to this question."));
        }
        let sub = submission::find(conn, scope, entry.submission_id)?;
        let current = stage::find(conn, scope, sub.stage_id)?;
        let body = format!("Replied to the client's question on the shortlist: {text}");
        submission::record_event(
            conn,
            &sub,
            NewEvent::new("client_question_replied", &body, false),
            &current,
            actor,
            now,
        )?;
        let record = contractor::find(conn, scope, sub.contractor_id)?;
        let candidate = if entry.show_name { record.name.clone() } else { initials(&record.name) };
        let job_title: String = jobs::table.find(list.job_id).select(jobs::title).first(conn)?;
        let (recruiter, agency) = sender(conn, scope, actor.user_id)?;
        let (sent, expires) = (local_text(list.sent_at, list.tz()), local_text(list.expires_at, list.tz()));
        for (name, email) in &recipients(conn, list.id)? {
            let mail = ReplyEmail {
                name,
                recruiter: &recruiter,
                agency: &agency,
                candidate: &candidate,
                job_title: &job_title,
                question: question.body.as_deref().unwrap_or(""),
                reply: text,
                sent: sent.clone(),
                expires: expires.clone(),
            };
            let message = mail::compose(email, format!("{agency}: your question about {candidate}"), &mail)?;
            outbox::enqueue(conn, Some(scope.agency_id()), &message, now)?;
        }
        audit::record(
            conn,
            actor,
            Event::on("shortlist.replied", "shortlist", list.id, format!("question {}", question.id)),
            now,
        )?;
        Ok(shortlist_answers::table.find(question.id).select(Answer::as_select()).first(conn)?)
    })
}

/// Who sends: the recruiter's name and the agency's.
fn sender(conn: &mut DbConnection, scope: AgencyScope, user_id: Option<i64>) -> Result<(String, String), AppError> {
    let agency: String = agencies::table.find(scope.agency_id()).select(agencies::name).first(conn)?;
    let recruiter: Option<String> = match user_id {
        Some(id) => users::table.find(id).select(users::name).first(conn).optional()?,
        None => None,
    };
    Ok((recruiter.unwrap_or_else(|| agency.clone()), agency))
}

/// A shortlist's recipients as (name, email), in the order they were chosen.
fn recipients(conn: &mut DbConnection, shortlist_id: i64) -> Result<Vec<(String, String)>, AppError> {
    Ok(shortlist_recipients::table
        .filter(shortlist_recipients::shortlist_id.eq(shortlist_id))
        .order(shortlist_recipients::id.asc())
        .select((shortlist_recipients::name, shortlist_recipients::email))
        .load(conn)?)
}

/// Emails the link to every recipient of a shortlist (inside the caller's transaction).
fn email_link(
    conn: &mut DbConnection,
    scope: AgencyScope,
    list: &Shortlist,
    job_title: &str,
    secret: &str,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let (recruiter, agency) = sender(conn, scope, actor.user_id)?;
    let count: i64 =
        shortlist_entries::table.filter(shortlist_entries::shortlist_id.eq(list.id)).count().get_result(conn)?;
    let recipients = recipients(conn, list.id)?;
    let link = format!("{}/s/{secret}", notification::base_url());
    let expires = local_text(list.expires_at, list.tz());
    for (name, email) in &recipients {
        let body = ShortlistEmail {
            name,
            recruiter: &recruiter,
            agency: &agency,
            job_title,
            count: usize::try_from(count).unwrap_or(0),
            message: list.message.as_deref(),
            link: &link,
            expires: expires.clone(),
        };
        let message = mail::compose(email, format!("{agency}: candidates for {job_title}"), &body)?;
        outbox::enqueue(conn, Some(scope.agency_id()), &message, now)?;
    }
    Ok(recipients.len())
}

/// Makes a shortlist of the job's consented submissions with the choices in `input`, emails the
/// link to the chosen contacts, and moves each submission on to "submitted" (never backwards).
/// `time_zone` is the sender's: interview times default to it on the link.
pub fn create(
    conn: &mut DbConnection,
    scope: AgencyScope,
    job_id: i64,
    input: &ShortlistInput,
    time_zone: &str,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Sent, AppError> {
    db::write(conn, |conn| {
        let data = form_data(conn, scope, job_id, now)?;
        let Checked { contacts: contact_ids, days, message, entries } = match check(&data, input) {
            Ok(checked) => checked,
            Err(errors) => return Ok(Sent::Invalid(errors)),
        };
        let submitted = stage::first_of(conn, scope, "submitted")?;
        let token = Token::generate();
        let id: i64 = diesel::insert_into(shortlists::table)
            .values((
                shortlists::agency_id.eq(scope.agency_id()),
                shortlists::job_id.eq(data.job.id),
                shortlists::token_hash.eq(&token.hash),
                shortlists::message.eq(&message),
                shortlists::time_zone.eq(time_zone),
                shortlists::created_by.eq(actor.user_id),
                shortlists::created_at.eq(now),
                shortlists::sent_at.eq(now),
                shortlists::expires_at.eq(now + TimeDelta::days(days)),
                shortlists::open_count.eq(0),
                shortlists::follow_up_due.eq(stage::add_business_days(now.date(), submitted.follow_up_days)),
            ))
            .returning(shortlists::id)
            .get_result(conn)?;
        for (cid, name, email) in data.contacts.iter().filter(|(cid, _, _)| contact_ids.contains(cid)) {
            diesel::insert_into(shortlist_recipients::table)
                .values((
                    shortlist_recipients::shortlist_id.eq(id),
                    shortlist_recipients::contact_id.eq(cid),
                    shortlist_recipients::name.eq(name),
                    shortlist_recipients::email.eq(email.trim()),
                ))
                .execute(conn)?;
        }
        for (position, entry) in entries.iter().enumerate() {
            diesel::insert_into(shortlist_entries::table)
                .values((
                    shortlist_entries::agency_id.eq(scope.agency_id()),
                    shortlist_entries::shortlist_id.eq(id),
                    shortlist_entries::submission_id.eq(entry.submission_id),
                    shortlist_entries::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
                    shortlist_entries::show_name.eq(entry.show_name),
                    shortlist_entries::show_headline.eq(entry.show_headline),
                    shortlist_entries::show_skills.eq(entry.show_skills),
                    shortlist_entries::pitch.eq(&entry.pitch),
                    shortlist_entries::show_bill_rate.eq(entry.show_bill_rate),
                    shortlist_entries::bill_rate_minor.eq(entry.bill_rate_minor),
                    shortlist_entries::bill_rate_currency.eq(entry.bill_rate_minor.map(|_| &data.rate_currency)),
                    shortlist_entries::bill_rate_unit.eq(entry.bill_rate_minor.map(|_| &data.rate_unit)),
                    shortlist_entries::cv.eq(entry.cv),
                    shortlist_entries::document_id.eq(entry.document_id),
                ))
                .execute(conn)?;
            let sub = submission::find(conn, scope, entry.submission_id)?;
            let (from, to, moved) = submission::advance_to(conn, scope, &sub, "submitted", now)?;
            let body = format!("Presented to the client in a shortlist for {}", data.job.title);
            let event = NewEvent {
                kind: "shortlisted",
                body: &body,
                visible: true,
                from_stage: moved.then_some(from.id),
                to_stage: moved.then_some(to.id),
            };
            submission::record_event(conn, &sub, event, &to, actor, now)?;
        }
        let list = find(conn, scope, id)?;
        let sent = email_link(conn, scope, &list, &data.job.title, &token.secret, actor, now)?;
        audit::record(
            conn,
            actor,
            Event::on(
                "shortlist.sent",
                "shortlist",
                id,
                format!("{} contractor(s) for {} to {sent} contact(s)", entries.len(), data.job.title),
            ),
            now,
        )?;
        Ok(Sent::Done(id))
    })
}

/// One of the agency's shortlists; another agency's answers `NotFound`.
pub fn find(conn: &mut DbConnection, scope: AgencyScope, id: i64) -> Result<Shortlist, AppError> {
    Ok(shortlists::table
        .filter(shortlists::id.eq(id))
        .filter(shortlists::agency_id.eq(scope.agency_id()))
        .select(Shortlist::as_select())
        .first(conn)?)
}

/// Revokes a shortlist's link at once (the page then answers like a missing one).
pub fn revoke(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Shortlist, AppError> {
    db::write(conn, |conn| {
        let list = find(conn, scope, id)?;
        if list.revoked_at.is_none() {
            diesel::update(shortlists::table.find(list.id)).set(shortlists::revoked_at.eq(Some(now))).execute(conn)?;
            audit::record(conn, actor, Event::on("shortlist.revoked", "shortlist", id, ""), now)?;
        }
        find(conn, scope, id)
    })
}

/// Sends the shortlist again with a fresh link (the previous link stops working), working for
/// as many days as the first one did from now. A revoked shortlist stays revoked.
pub fn resend(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Shortlist, AppError> {
    db::write(conn, |conn| {
        let list = find(conn, scope, id)?;
        if list.revoked_at.is_some() {
            return Err(AppError::invalid("resend", "This link was revoked: make a new shortlist instead."));
        }
        let lifetime = (list.expires_at - list.sent_at).max(TimeDelta::days(1));
        let submitted = stage::first_of(conn, scope, "submitted")?;
        let token = Token::generate();
        diesel::update(shortlists::table.find(list.id))
            .set((
                shortlists::token_hash.eq(&token.hash),
                shortlists::sent_at.eq(now),
                shortlists::expires_at.eq(now + lifetime),
                shortlists::follow_up_due.eq(stage::add_business_days(now.date(), submitted.follow_up_days)),
            ))
            .execute(conn)?;
        let list = find(conn, scope, id)?;
        let title: String = jobs::table.find(list.job_id).select(jobs::title).first(conn)?;
        email_link(conn, scope, &list, &title, &token.secret, actor, now)?;
        audit::record(conn, actor, Event::on("shortlist.resent", "shortlist", id, "a fresh link"), now)?;
        Ok(list)
    })
}

// ---------------------------------------------------------------------------------------------
// The recruiter's view.

/// An entry as the recruiter sees it.
#[derive(Clone, Debug)]
pub struct EntryDetail {
    pub entry: Entry,
    pub contractor_name: String,
    /// Still on the client's page: consent approved and the submission open.
    pub on_link: bool,
    pub closed: bool,
    pub answers: Vec<Answer>,
}

/// Everything the shortlist page shows.
#[derive(Clone, Debug)]
pub struct Detail {
    pub shortlist: Shortlist,
    pub job_title: String,
    pub client_name: String,
    pub sent_by: Option<String>,
    /// (name, email)
    pub recipients: Vec<(String, String)>,
    pub entries: Vec<EntryDetail>,
}

/// Loads a shortlist's page.
pub fn detail(conn: &mut DbConnection, scope: AgencyScope, id: i64, now: NaiveDateTime) -> Result<Detail, AppError> {
    let shortlist = find(conn, scope, id)?;
    let (job_title, client_name): (String, String) = jobs::table
        .inner_join(clients::table)
        .filter(jobs::id.eq(shortlist.job_id))
        .select((jobs::title, clients::name))
        .first(conn)?;
    let sent_by: Option<String> = match shortlist.created_by {
        Some(user) => users::table.find(user).select(users::name).first(conn).optional()?,
        None => None,
    };
    let recipients = recipients(conn, id)?;
    let rows: Vec<(Entry, String, Option<NaiveDateTime>)> = shortlist_entries::table
        .inner_join(submissions::table.inner_join(crate::db::schema::agency_contractors::table))
        .filter(shortlist_entries::shortlist_id.eq(id))
        .filter(shortlist_entries::agency_id.eq(scope.agency_id()))
        .order(shortlist_entries::position.asc())
        .select((Entry::as_select(), crate::db::schema::agency_contractors::name, submissions::closed_at))
        .load(conn)?;
    let consented = consented(conn, &rows.iter().map(|(e, _, _)| e.submission_id).collect::<Vec<_>>(), now)?;
    let mut answers = answers_by_entry(conn, &rows.iter().map(|(e, _, _)| e.id).collect::<Vec<_>>())?;
    let entries = rows
        .into_iter()
        .map(|(entry, contractor_name, closed_at)| EntryDetail {
            on_link: consented.contains(&entry.submission_id) && closed_at.is_none(),
            closed: closed_at.is_some(),
            answers: answers.remove(&entry.id).unwrap_or_default(),
            entry,
            contractor_name,
        })
        .collect();
    Ok(Detail { shortlist, job_title, client_name, sent_by, recipients, entries })
}

fn answers_by_entry(conn: &mut DbConnection, entry_ids: &[i64]) -> Result<HashMap<i64, Vec<Answer>>, AppError> {
    if entry_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<Answer> = shortlist_answers::table
        .filter(shortlist_answers::entry_id.eq_any(entry_ids))
        .order(shortlist_answers::id.asc())
        .select(Answer::as_select())
        .load(conn)?;
    let mut by_entry: HashMap<i64, Vec<Answer>> = HashMap::new();
    for answer in rows {
        by_entry.entry(answer.entry_id).or_default().push(answer);
    }
    Ok(by_entry)
}

/// A shortlist in a job's list.
#[derive(Clone, Debug)]
pub struct Summary {
    pub id: i64,
    pub sent_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked: bool,
    pub first_opened_at: Option<NaiveDateTime>,
    pub entries: i64,
    pub answered: i64,
}

impl Summary {
    /// "open", "expired" or "revoked".
    pub fn state(&self, now: &NaiveDateTime) -> &'static str {
        if self.revoked {
            "revoked"
        } else if self.expires_at <= *now {
            "expired"
        } else {
            "open"
        }
    }
}

/// A job's shortlists, newest first, and the client's latest answer per submission (for the
/// board's cards).
pub fn for_job(
    conn: &mut DbConnection,
    scope: AgencyScope,
    job_id: i64,
) -> Result<(Vec<Summary>, HashMap<i64, String>), AppError> {
    let lists: Vec<Shortlist> = shortlists::table
        .filter(shortlists::agency_id.eq(scope.agency_id()))
        .filter(shortlists::job_id.eq(job_id))
        .order(shortlists::id.desc())
        .limit(50)
        .select(Shortlist::as_select())
        .load(conn)?;
    let ids: Vec<i64> = lists.iter().map(|l| l.id).collect();
    let entries: Vec<(i64, i64, Option<String>, Option<NaiveDateTime>)> = if ids.is_empty() {
        Vec::new()
    } else {
        shortlist_entries::table
            .filter(shortlist_entries::shortlist_id.eq_any(&ids))
            .order(shortlist_entries::id.asc())
            .select((
                shortlist_entries::shortlist_id,
                shortlist_entries::submission_id,
                shortlist_entries::answer,
                shortlist_entries::answered_at,
            ))
            .load(conn)?
    };
    let mut latest: HashMap<i64, (NaiveDateTime, String)> = HashMap::new();
    for (_, submission_id, answer, at) in &entries {
        if let (Some(answer), Some(at)) = (answer, at)
            && latest.get(submission_id).is_none_or(|(seen, _)| seen <= at)
        {
            latest.insert(*submission_id, (*at, answer.clone()));
        }
    }
    let summaries = lists
        .into_iter()
        .map(|l| {
            let mine = entries.iter().filter(|(s, _, _, _)| *s == l.id);
            Summary {
                id: l.id,
                sent_at: l.sent_at,
                expires_at: l.expires_at,
                revoked: l.revoked_at.is_some(),
                first_opened_at: l.first_opened_at,
                entries: mine.clone().count() as i64,
                answered: mine.filter(|(_, _, a, _)| a.is_some()).count() as i64,
            }
        })
        .collect();
    let answers = latest.into_iter().map(|(s, (_, a))| (s, answer_label(&a).to_string())).collect();
    Ok((summaries, answers))
}

// ---------------------------------------------------------------------------------------------
// The client's link.

/// A contractor as the client sees them: only what the recruiter chose.
#[derive(Clone, Debug)]
pub struct ClientEntry {
    pub entry_id: i64,
    /// The name or the initials, as chosen.
    pub display_name: String,
    pub headline: Option<String>,
    pub skills: Vec<String>,
    pub pitch: Option<String>,
    pub bill_rate: Option<String>,
    /// "none", "full" or "redacted".
    pub cv: String,
    /// Days since the availability was confirmed.
    pub confirmed_days_ago: Option<i64>,
    /// Who confirmed it: `contractor` or `agency` (a recruiter with the contractor).
    pub confirmed_by: Option<String>,
    /// "Immediately", "1 Feb 2027", …
    pub earliest_start: String,
    /// The client's earlier answers on this contractor.
    pub answers: Vec<Answer>,
    /// Closed after the client said it is not a fit: shown, not answerable.
    pub closed: bool,
}

impl ClientEntry {
    /// "Availability confirmed today by the contractor", "… 3 days ago by the recruiter", as it
    /// was: the contractor's own confirmation is never claimed for the agency's.
    pub fn confirmed_text(&self) -> String {
        let when = match self.confirmed_days_ago {
            Some(0) => "today".to_string(),
            Some(1) => "1 day ago".to_string(),
            Some(days) => format!("{days} days ago"),
            None => return "Availability not confirmed".into(),
        };
        match self.confirmed_by.as_deref() {
            Some(contractor::CONFIRMED_BY_CONTRACTOR) => format!("Availability confirmed {when} by the contractor"),
            Some(_) => format!("Availability confirmed {when} by the recruiter, with the contractor"),
            None => format!("Availability confirmed {when}"),
        }
    }
}

/// The client's page: the shortlist as chosen, and nothing else.
#[derive(Clone, Debug)]
pub struct ClientView {
    pub agency_name: String,
    pub recruiter_name: String,
    pub job_title: String,
    pub message: Option<String>,
    pub expires_at: NaiveDateTime,
    pub time_zone: String,
    pub entries: Vec<ClientEntry>,
}

/// The earliest start a record allows, for the client.
fn earliest_start(record: &Contractor, today: NaiveDate) -> String {
    match record.availability.as_str() {
        "now" => match record.notice_days.filter(|d| *d > 0) {
            Some(days) => {
                let day = today + TimeDelta::days(i64::from(days));
                format!("{} ({days} days' notice)", day.format("%-d %b %Y"))
            }
            None => "Immediately".into(),
        },
        "from_date" => record.available_from.map_or_else(|| "Ask us".into(), |d| d.format("%-d %b %Y").to_string()),
        "on_contract" => record
            .contract_ends_on
            .map_or_else(|| "Ask us".into(), |d| (d + TimeDelta::days(1)).format("%-d %b %Y").to_string()),
        _ => "Not currently available".into(),
    }
}

/// Refuses an address that has tried too many wrong links lately.
fn check_throttle(conn: &mut DbConnection, ip: &str, now: NaiveDateTime) -> Result<(), AppError> {
    let window = TimeDelta::minutes(MISS_WINDOW_MINUTES);
    let nth: Option<NaiveDateTime> = login_attempts::table
        .filter(login_attempts::email.eq(MISS_KEY))
        .filter(login_attempts::ip.eq(ip))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::created_at.gt(now - window))
        .order(login_attempts::created_at.desc())
        .select(login_attempts::created_at)
        .offset(MISS_LIMIT - 1)
        .first(conn)
        .optional()?;
    match nth {
        Some(at) if at + window > now => Err(AppError::TooManyRequests {
            retry_after_seconds: u64::try_from((at + window - now).num_seconds().max(1)).unwrap_or(1),
        }),
        _ => Ok(()),
    }
}

/// The open (unexpired, unrevoked) shortlist behind a secret; a wrong one is counted against the
/// address and answers `NotFound`, exactly like a missing, expired or revoked one.
///
/// A right secret always opens its link, however many wrong ones the address sent: the
/// throttle slows guessing (an address past its misses gets 429 for every further miss), never
/// the client sharing an office network with whoever guessed. With 256-bit secrets, a miss
/// learnt from a 429 instead of a 404 tells a guesser nothing they can use.
fn by_secret(conn: &mut DbConnection, secret: &str, ip: &str, now: NaiveDateTime) -> Result<Shortlist, AppError> {
    let found = if token::is_well_formed(secret) {
        shortlists::table
            .filter(shortlists::token_hash.eq(token::hash(secret)))
            .filter(shortlists::revoked_at.is_null())
            .filter(shortlists::expires_at.gt(now))
            .select(Shortlist::as_select())
            .first(conn)
            .optional()?
    } else {
        None
    };
    match found {
        Some(list) => Ok(list),
        None => {
            check_throttle(conn, ip, now)?;
            crate::models::login_attempt::record(conn, MISS_KEY, ip, None, false, now)?;
            Err(AppError::NotFound)
        }
    }
}

/// Entries still on the link: consent approved and unexpired now, and the submission open (or
/// closed by this client's own "not a fit").
fn visible_entries(
    conn: &mut DbConnection,
    list: &Shortlist,
    now: NaiveDateTime,
) -> Result<Vec<(Entry, Submission)>, AppError> {
    let rows: Vec<(Entry, Submission)> = shortlist_entries::table
        .inner_join(submissions::table)
        .filter(shortlist_entries::shortlist_id.eq(list.id))
        .filter(submissions::agency_id.eq(list.agency_id))
        .order(shortlist_entries::position.asc())
        .select((Entry::as_select(), Submission::as_select()))
        .load(conn)?;
    let consented = consented(conn, &rows.iter().map(|(e, _)| e.submission_id).collect::<Vec<_>>(), now)?;
    Ok(rows
        .into_iter()
        .filter(|(e, s)| {
            consented.contains(&e.submission_id) && (!s.is_closed() || e.answer.as_deref() == Some("not_a_fit"))
        })
        .collect())
}

/// Builds the client's page for an open shortlist.
fn client_view(conn: &mut DbConnection, list: &Shortlist, now: NaiveDateTime) -> Result<ClientView, AppError> {
    let scope = AgencyScope::of(list.agency_id);
    let shown = visible_entries(conn, list, now)?;
    let record_ids: Vec<i64> = shown.iter().map(|(_, s)| s.contractor_id).collect();
    let records: HashMap<i64, Contractor> =
        contractor::find_many(conn, scope, &record_ids)?.into_iter().map(|c| (c.id, c)).collect();
    let skills = contractor::skill_names(conn, &record_ids)?;
    let mut answers = answers_by_entry(conn, &shown.iter().map(|(e, _)| e.id).collect::<Vec<_>>())?;
    let today = now.and_utc().with_timezone(&list.tz()).date_naive();
    let mut entries = Vec::new();
    for (entry, sub) in shown {
        let Some(record) = records.get(&sub.contractor_id) else { continue };
        entries.push(ClientEntry {
            entry_id: entry.id,
            display_name: if entry.show_name { record.name.clone() } else { initials(&record.name) },
            headline: if entry.show_headline { record.headline.clone() } else { None },
            skills: if entry.show_skills { skills.get(&record.id).cloned().unwrap_or_default() } else { Vec::new() },
            bill_rate: entry.bill_rate_text(),
            pitch: entry.pitch.clone(),
            cv: if entry.document_id.is_some() { entry.cv.clone() } else { "none".into() },
            confirmed_days_ago: record.confirmed_days_ago(&now),
            confirmed_by: record.availability_confirmed_by.clone(),
            earliest_start: earliest_start(record, today),
            answers: answers.remove(&entry.id).unwrap_or_default(),
            closed: sub.is_closed(),
        });
    }
    let (recruiter_name, agency_name) = sender(conn, scope, list.created_by)?;
    let job_title: String = jobs::table.find(list.job_id).select(jobs::title).first(conn)?;
    Ok(ClientView {
        agency_name,
        recruiter_name,
        job_title,
        message: list.message.clone(),
        expires_at: list.expires_at,
        time_zone: list.time_zone.clone(),
        entries,
    })
}

/// Opens the client's page. Counts the opening unless `viewer_agency` is the shortlist's own
/// agency (a recruiter checking the link is not the client opening it).
pub fn open(
    conn: &mut DbConnection,
    secret: &str,
    ip: &str,
    viewer_agency: Option<i64>,
    now: NaiveDateTime,
) -> Result<ClientView, AppError> {
    let list = by_secret(conn, secret, ip, now)?;
    if viewer_agency != Some(list.agency_id) {
        diesel::update(shortlists::table.find(list.id))
            .set((
                shortlists::first_opened_at.eq(list.first_opened_at.or(Some(now))),
                shortlists::last_opened_at.eq(Some(now)),
                shortlists::open_count.eq(shortlists::open_count + 1),
            ))
            .execute(conn)?;
    }
    client_view(conn, &list, now)
}

/// The CV file of a contractor on an open shortlist, when the recruiter chose the full CV.
pub fn cv_file(
    conn: &mut DbConnection,
    secret: &str,
    entry_id: i64,
    ip: &str,
    now: NaiveDateTime,
) -> Result<CvView, AppError> {
    let list = by_secret(conn, secret, ip, now)?;
    let (entry, sub) =
        visible_entries(conn, &list, now)?.into_iter().find(|(e, _)| e.id == entry_id).ok_or(AppError::NotFound)?;
    let document_id = entry.document_id.ok_or(AppError::NotFound)?;
    let scope = AgencyScope::of(list.agency_id);
    match entry.cv.as_str() {
        "full" => Ok(CvView::File(document::find_for_agency(conn, scope, document_id)?)),
        "redacted" => {
            let record = contractor::find(conn, scope, sub.contractor_id)?;
            let text: Option<String> =
                documents::table.find(document_id).select(documents::text_content).first(conn)?;
            let name = if entry.show_name { record.name.clone() } else { initials(&record.name) };
            let mut known: Vec<String> = [record.email.clone(), record.phone.clone(), record.linkedin_url.clone()]
                .into_iter()
                .flatten()
                .collect();
            known.extend(record.link_list().iter().map(|l| l.to_string()));
            if !entry.show_name {
                // Initials only: the name stays off the CV too.
                known.push(record.name.clone());
                known.extend(record.name.split_whitespace().filter(|p| p.chars().count() > 2).map(str::to_string));
            }
            Ok(CvView::Redacted { name, text: redact(text.as_deref().unwrap_or(""), &known) })
        }
        _ => Err(AppError::NotFound),
    }
}

/// The CV as the client gets it.
#[derive(Clone, Debug)]
pub enum CvView {
    /// The file as uploaded.
    File(document::File),
    /// The text read from it, without contact details.
    Redacted { name: String, text: String },
}

/// Removes contact details from CV text: the contractor's own email, phone and links wherever
/// they appear, anything shaped like an email address, a web address or a phone number, and
/// postal address lines (see [`is_address_line`]).
pub fn redact(text: &str, known: &[String]) -> String {
    let mut out = remove_address_lines(text);
    for value in known.iter().map(|v| v.trim()).filter(|v| v.chars().count() >= 3) {
        out = replace_ignoring_case(&out, value, "[removed]");
    }
    let words: Vec<String> = out
        .split_inclusive(char::is_whitespace)
        .map(|piece| {
            let word = piece.trim_end();
            let tail = &piece[word.len()..];
            let bare = word.trim_matches(|c: char| matches!(c, '(' | ')' | '<' | '>' | ',' | ';' | '"' | '\''));
            let lower = bare.to_lowercase();
            let email = bare.contains('@') && bare.rsplit('@').next().is_some_and(|d| d.contains('.'));
            let link = lower.starts_with("http://")
                || lower.starts_with("https://")
                || lower.starts_with("www.")
                || lower.contains("linkedin.com")
                || lower.contains("github.com");
            if email {
                format!("[email removed]{tail}")
            } else if link {
                format!("[link removed]{tail}")
            } else {
                piece.to_string()
            }
        })
        .collect();
    remove_phone_numbers(&words.concat())
}

/// How many lines from the top count as the CV's header, where a street and a number or a
/// postcode on a short line is taken for the contractor's own address.
const HEADER_LINES: usize = 15;

/// Replaces postal address lines with "[address removed]": a line labelled as an address
/// anywhere, and in the header a short line with a street word and a house number, or with a
/// postcode.
fn remove_address_lines(text: &str) -> String {
    text.split_inclusive('\n')
        .enumerate()
        .map(|(n, line)| {
            let body = line.trim_end_matches(['\r', '\n']);
            if is_address_line(body, n < HEADER_LINES) {
                format!("[address removed]{}", &line[body.len()..])
            } else {
                line.to_string()
            }
        })
        .collect()
}

/// Street words in the languages CVs here are written in (compared lower-case, without a
/// trailing dot).
const STREET_WORDS: &[&str] = &[
    "street",
    "st",
    "road",
    "rd",
    "avenue",
    "ave",
    "lane",
    "ln",
    "drive",
    "dr",
    "way",
    "close",
    "court",
    "place",
    "square",
    "terrace",
    "crescent",
    "boulevard",
    "blvd",
    "strasse",
    "straße",
    "str",
    "weg",
    "gasse",
    "platz",
    "allee",
    "ring",
    "damm",
    "rue",
    "avenida",
    "calle",
    "via",
    "viale",
    "piazza",
    "laan",
    "straat",
    "gracht",
    "plein",
];

/// Whether `line` reads as a postal address (`header`: it is near the top of the CV).
fn is_address_line(line: &str, header: bool) -> bool {
    let trimmed = line.trim();
    let lower = trimmed.to_lowercase();
    let labelled = ["address", "home address", "postal address", "adresse", "anschrift", "dirección", "indirizzo"]
        .iter()
        .any(|label| lower.strip_prefix(label).is_some_and(|rest| rest.trim_start().starts_with(':')));
    if labelled {
        return true;
    }
    if !header || trimmed.is_empty() || trimmed.chars().count() > 80 {
        return false;
    }
    let words: Vec<&str> = lower.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()).collect();
    let house_number = words.iter().any(|w| {
        let digits = w.chars().take_while(char::is_ascii_digit).count();
        (1..=4).contains(&digits) && w.chars().skip(digits).all(|c| c.is_ascii_alphabetic() || c == '-') && w.len() <= 6
    });
    let street = words.iter().any(|w| {
        let w = w.trim_end_matches('.');
        STREET_WORDS.contains(&w)
            || ["strasse", "straße", "str", "weg", "gasse", "platz"].iter().any(|s| w.ends_with(s))
    });
    (street && house_number) || has_postcode(trimmed)
}

/// A UK postcode ("NW1 6XE", "EC1A 1BB") or a US ZIP code after a state ("CA 94107").
fn has_postcode(line: &str) -> bool {
    let words: Vec<&str> = line.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()).collect();
    words.windows(2).any(|pair| {
        let (outward, inward) = (pair[0], pair[1]);
        let uk_outward = (2..=4).contains(&outward.len())
            && outward.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && outward.chars().any(|c| c.is_ascii_digit())
            && outward.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        let uk_inward = inward.len() == 3 && {
            let b = inward.as_bytes();
            b[0].is_ascii_digit() && b[1].is_ascii_uppercase() && b[2].is_ascii_uppercase()
        };
        let us = outward.len() == 2
            && outward.chars().all(|c| c.is_ascii_uppercase())
            && inward.len() == 5
            && inward.chars().all(|c| c.is_ascii_digit());
        (uk_outward && uk_inward) || us
    })
}

fn replace_ignoring_case(text: &str, needle: &str, with: &str) -> String {
    let lower_text = text.to_lowercase();
    let lower_needle = needle.to_lowercase();
    // Lower-casing can change byte lengths outside ASCII: fall back to an exact match then.
    if lower_text.len() != text.len() || lower_needle.len() != needle.len() {
        return text.replace(needle, with);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (at, _) in lower_text.match_indices(&lower_needle) {
        if at < rest {
            continue;
        }
        out.push_str(&text[rest..at]);
        out.push_str(with);
        rest = at + needle.len();
    }
    out.push_str(&text[rest..]);
    out
}

/// Replaces runs of digits and phone punctuation with at least 7 digits, unless they look like
/// dates or year ranges ("2019 - 2023", "01/2020 – 12/2022", "2026-12-01").
fn remove_phone_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let is_part = |c: char| c.is_ascii_digit() || matches!(c, '+' | '(' | ')' | '-' | '.' | '/' | ' ');
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() || c == '+' || c == '(' {
            let mut j = i;
            while j < chars.len() && is_part(chars[j]) {
                j += 1;
            }
            // Trailing spaces and punctuation are not part of the number.
            let mut end = j;
            while end > i && !chars[end - 1].is_ascii_digit() {
                end -= 1;
            }
            let run: String = chars[i..end].iter().collect();
            let digits = run.chars().filter(char::is_ascii_digit).count();
            if digits >= 7 && !looks_like_dates(&run) {
                out.push_str("[phone removed]");
                i = end;
                continue;
            }
            out.extend(&chars[i..j.max(i + 1)]);
            i = j.max(i + 1);
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

fn looks_like_dates(run: &str) -> bool {
    let groups: Vec<&str> = run.split(|c: char| !c.is_ascii_digit()).filter(|g| !g.is_empty()).collect();
    let year = |g: &str| g.len() == 4 && g.parse::<u32>().is_ok_and(|y| (1950..=2100).contains(&y));
    let small = |g: &str| g.len() <= 2;
    !groups.is_empty()
        && groups.iter().any(|g| year(g))
        && groups.iter().all(|g| year(g) || small(g))
        && !run.trim_start().starts_with('+')
}

// ---------------------------------------------------------------------------------------------
// The client's answers.

/// The answer form, as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnswerInput {
    pub entry: String,
    pub answer: String,
    pub time_1: String,
    pub time_2: String,
    pub time_3: String,
    pub time_zone: String,
    pub reason: String,
    pub question: String,
}

/// What answering led to.
#[derive(Debug)]
pub enum Answered {
    /// Recorded: the page is shown again, with a thank-you for this contractor.
    Done(ClientView, i64),
    /// The answer has errors (for this entry); the page is shown again with them.
    Invalid(ClientView, i64, FieldErrors),
}

/// A checked answer.
struct ValidAnswer {
    kind: &'static str,
    body: Option<String>,
    times: Vec<NaiveDateTime>,
    tz: Tz,
}

fn check_answer(input: &AnswerInput, default_tz: Tz, now: NaiveDateTime) -> Result<ValidAnswer, FieldErrors> {
    let mut errors = FieldErrors::default();
    let kind = match ANSWERS.iter().find(|(k, _)| *k == input.answer) {
        Some((k, _)) => *k,
        None => {
            errors.add("answer", "Choose interested, not a fit, or a question.");
            return Err(errors);
        }
    };
    let tz = match input.time_zone.trim() {
        "" => default_tz,
        zone => zone.parse::<Tz>().unwrap_or_else(|_| {
            errors.add("time_zone", "Choose a time zone from the list.");
            default_tz
        }),
    };
    let mut times = Vec::new();
    let mut body = None;
    match kind {
        "interested" => {
            for (field, label, value) in [
                ("time_1", "The first time", &input.time_1),
                ("time_2", "The second time", &input.time_2),
                ("time_3", "The third time", &input.time_3),
            ] {
                if let Some(at) = activity::local_date_time(&mut errors, field, label, value, tz) {
                    if at <= now {
                        errors.add(field, format!("{label} has already passed: propose a time to come."));
                    } else if !times.contains(&at) {
                        times.push(at);
                    }
                }
            }
            if times.is_empty() && errors.is_empty() {
                errors.add("time_1", "Propose at least one time for an interview.");
            }
            times.sort();
        }
        "not_a_fit" => {
            body = Some(validation::required(&mut errors, "reason", "The reason", &input.reason, MAX_TEXT));
        }
        _ => {
            body = Some(validation::required(&mut errors, "question", "The question", &input.question, MAX_TEXT));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    debug_assert!(times.len() <= MAX_TIMES);
    Ok(ValidAnswer { kind, body, times, tz })
}

/// Who answers, from where (kept with the answer).
#[derive(Clone, Debug)]
pub struct Client {
    pub ip: String,
    pub user_agent: String,
}

/// Records the client's answer on one contractor of an open shortlist: an answer row, a
/// submission event, the card moved where it applies, the recruiter told, and the contractor
/// told what is meant for them.
///
/// - Interested: the card moves on to the first interview stage (never backwards); the contractor
///   sees "the client is interested" with the proposed times.
/// - Not a fit: the submission is closed with the reason "The client decided it is not a fit",
///   which the contractor sees; the client's own words stay with the agency.
/// - A question: stays with the agency (no move, nothing to the contractor).
pub fn answer(
    conn: &mut DbConnection,
    secret: &str,
    input: &AnswerInput,
    client: &Client,
    now: NaiveDateTime,
) -> Result<Answered, AppError> {
    let list = by_secret(conn, secret, &client.ip, now)?;
    let entry_id = input.entry.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
    let Some((entry, sub)) = visible_entries(conn, &list, now)?.into_iter().find(|(e, _)| e.id == entry_id) else {
        return Err(AppError::NotFound);
    };
    let valid = match check_answer(input, list.tz(), now) {
        Ok(valid) => valid,
        Err(errors) => return Ok(Answered::Invalid(client_view(conn, &list, now)?, entry_id, errors)),
    };
    if sub.is_closed() {
        let mut errors = FieldErrors::default();
        errors.add("answer", "You already said this contractor is not a fit.");
        return Ok(Answered::Invalid(client_view(conn, &list, now)?, entry_id, errors));
    }
    db::write(conn, |conn| {
        let scope = AgencyScope::of(list.agency_id);
        let stored_times: Vec<String> = valid.times.iter().map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string()).collect();
        diesel::insert_into(shortlist_answers::table)
            .values((
                shortlist_answers::agency_id.eq(list.agency_id),
                shortlist_answers::entry_id.eq(entry.id),
                shortlist_answers::kind.eq(valid.kind),
                shortlist_answers::body.eq(&valid.body),
                shortlist_answers::proposed_times.eq((!stored_times.is_empty()).then(|| stored_times.join("\n"))),
                shortlist_answers::time_zone.eq((!valid.times.is_empty()).then(|| valid.tz.name())),
                shortlist_answers::ip.eq(&client.ip),
                shortlist_answers::user_agent.eq(client.user_agent.chars().take(300).collect::<String>()),
                shortlist_answers::created_at.eq(now),
            ))
            .execute(conn)?;
        diesel::update(shortlist_entries::table.find(entry.id))
            .set((
                shortlist_entries::answer.eq(Some(valid.kind)),
                shortlist_entries::answered_at.eq(entry.answered_at.or(Some(now))),
            ))
            .execute(conn)?;
        let actor = Actor {
            user_id: None,
            agency_id: Some(list.agency_id),
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
        };
        let job_title: String = jobs::table.find(list.job_id).select(jobs::title).first(conn)?;
        let record = contractor::find(conn, scope, sub.contractor_id)?;
        let times_text: Vec<String> = valid.times.iter().map(|t| local_text(*t, valid.tz)).collect();
        let told = match valid.kind {
            "interested" => {
                let (from, to, moved) = submission::advance_to(conn, scope, &sub, "interview", now)?;
                let body = format!(
                    "The client is interested in {} for {job_title} and proposed interview times: {}.",
                    record.name,
                    times_text.join("; ")
                );
                let event = NewEvent {
                    kind: "client_interested",
                    body: &body,
                    visible: true,
                    from_stage: moved.then_some(from.id),
                    to_stage: moved.then_some(to.id),
                };
                submission::record_event(conn, &sub, event, &to, &actor, now)?;
                let sub = submission::find(conn, scope, sub.id)?;
                notification::contractor_update(
                    conn,
                    &sub,
                    notification::STAGE_CHANGE,
                    &format!("The client is interested: {job_title}"),
                    &body,
                    now,
                )?;
                body
            }
            "not_a_fit" => {
                let reason = valid.body.clone().unwrap_or_default();
                let body = format!("The client answered the shortlist: not a fit. Their reason: {reason}");
                let current = stage::find(conn, scope, sub.stage_id)?;
                submission::record_event(
                    conn,
                    &sub,
                    NewEvent::new("client_not_a_fit", &body, false),
                    &current,
                    &actor,
                    now,
                )?;
                // The contractor sees the standard reason, not the client's words.
                submission::close(conn, scope, sub.id, "not_a_fit", "", &actor, now)?;
                body
            }
            _ => {
                let question = valid.body.clone().unwrap_or_default();
                let body = format!("The client asked about {} on the shortlist: {question}", record.name);
                let current = stage::find(conn, scope, sub.stage_id)?;
                submission::record_event(
                    conn,
                    &sub,
                    NewEvent::new("client_question", &body, false),
                    &current,
                    &actor,
                    now,
                )?;
                body
            }
        };
        let title = format!("{} on your shortlist: {} — {}", answer_label(valid.kind), record.name, job_title);
        let note = Notification::new(
            notification::CLIENT_ANSWER,
            Some(list.agency_id),
            title,
            told,
            format!("/shortlists/{}", list.id),
        );
        let mut told_users: Vec<i64> = Vec::new();
        for user in [list.created_by, sub.owner_id].into_iter().flatten() {
            if told_users.contains(&user) {
                continue;
            }
            told_users.push(user);
            if let Some(to) = Recipient::user(conn, user)? {
                notification::notify(conn, &to, &note, now)?;
            }
        }
        audit::record(
            conn,
            &actor,
            Event::on("shortlist.answered", "shortlist", list.id, format!("{} on {}", valid.kind, record.name)),
            now,
        )?;
        Ok::<(), AppError>(())
    })?;
    Ok(Answered::Done(client_view(conn, &list, now)?, entry_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_take_the_first_letter_of_each_name() {
        assert_eq!(initials("Jane van Doe"), "J. V. D.");
        assert_eq!(initials("  élodie  Durand "), "É. D.");
    }

    #[test]
    fn redaction_removes_emails_links_and_phone_numbers_but_keeps_dates() {
        let text = "Jane Doe\njane.doe@example.com | +44 (0)20 7946 0958 | https://linkedin.com/in/jane\n\
                    Rust engineer 2019 - 2023, 01/2020 – 12/2022, started 2026-12-01. Call 0171 555 0199.";
        let out = redact(text, &["Secret-Known".into()]);
        assert!(!out.contains("jane.doe@example.com"), "{out}");
        assert!(!out.contains("7946"), "{out}");
        assert!(!out.contains("linkedin"), "{out}");
        assert!(!out.contains("555"), "{out}");
        assert!(out.contains("2019 - 2023") && out.contains("01/2020") && out.contains("2026-12-01"), "{out}");
        assert!(out.contains("Rust engineer"), "{out}");
    }

    #[test]
    fn postal_addresses_in_the_header_and_labelled_ones_anywhere_are_removed() {
        let text = "Jane Doe\n12 Baker Street, London NW1 6XE\nMusterstraße 5, 10115 Berlin\n\
                    Flat 3, 221b Camden Road\n500 Market St, San Francisco, CA 94107\nSenior Rust engineer\n\
                    Experience 2019 - 2023 at Globex, London\nLed 3 teams\n";
        let out = redact(text, &[]);
        for gone in ["Baker Street", "NW1 6XE", "Musterstraße", "Camden Road", "Market St", "94107"] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
        assert_eq!(out.matches("[address removed]").count(), 4, "{out}");
        for kept in ["Jane Doe", "Senior Rust engineer", "2019 - 2023 at Globex, London", "Led 3 teams"] {
            assert!(out.contains(kept), "{kept} missing from {out}");
        }
        // Far from the header only a labelled line goes: a street in the work history stays.
        let mut long = "Summary line\n".repeat(20);
        long.push_str("Built 2 services for the Road Safety Authority, 1 Main Street\nAddress: 4 Elm Close, Leeds\n");
        let out = redact(&long, &[]);
        assert!(out.contains("Road Safety Authority, 1 Main Street"), "{out}");
        assert!(out.contains("[address removed]") && !out.contains("Elm Close"), "{out}");
    }

    #[test]
    fn known_values_are_removed_whatever_their_case() {
        let out =
            redact("Reach me: JANE@EXAMPLE.COM or 07700 900123", &["jane@example.com".into(), "07700 900123".into()]);
        assert!(!out.to_lowercase().contains("jane@example.com"), "{out}");
        assert!(!out.contains("900123"), "{out}");
    }
}
