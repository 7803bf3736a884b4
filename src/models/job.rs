//! Jobs: a client's role the agency is filling — title, description, required skills, contract
//! type, duration, start date, rate range, location and remote, openings, status and the
//! recruiter who owns it.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::{clients, job_skills, jobs, skills, users};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::audit::{self, Actor, Event};
use crate::models::client::{self, Client, ListPage, MAX_NOTES, MAX_PAGE, PAGE_SIZE, contains_pattern, lower};
use crate::models::conflict::{self, FieldChange, Saved};
use crate::models::money;
use crate::models::skill::{self, Skill};
use crate::models::user::User;
use crate::models::validation::{self, FieldErrors, MAX_NAME};

/// Contract types as (stored value, label).
pub const CONTRACT_TYPES: &[(&str, &str)] =
    &[("contract", "Contract"), ("contract_to_hire", "Contract-to-hire"), ("permanent", "Permanent")];
/// Where the work happens, as (stored value, label).
pub const REMOTE: &[(&str, &str)] = &[("onsite", "On site"), ("hybrid", "Hybrid"), ("remote", "Remote")];
/// Job statuses, as (stored value, label).
pub const STATUSES: &[(&str, &str)] =
    &[("open", "Open"), ("on_hold", "On hold"), ("filled", "Filled"), ("closed", "Closed")];
/// Units a job's rate is given in, as (stored value, label).
pub const RATE_UNITS: &[(&str, &str)] = &[("hour", "per hour"), ("day", "per day"), ("year", "per year")];
/// Longest location accepted.
pub const MAX_LOCATION: usize = 200;
/// Most openings on one job.
pub const MAX_OPENINGS: i64 = 1_000;
/// Longest duration, in months.
pub const MAX_DURATION_MONTHS: i64 = 120;
/// Most clients offered in a job form's client list.
pub const MAX_CLIENT_CHOICES: i64 = 1_000;

/// The label of a stored choice ("on_hold" → "On hold"); unknown values show as they are.
pub fn label<'a>(choices: &'a [(&'a str, &'a str)], value: &'a str) -> &'a str {
    choices.iter().find(|(stored, _)| *stored == value).map_or(value, |(_, shown)| shown)
}

/// A job of one of the agency's clients.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: i64,
    pub agency_id: i64,
    pub client_id: i64,
    pub title: String,
    pub description: Option<String>,
    pub contract_type: String,
    pub duration_months: Option<i32>,
    pub start_date: Option<NaiveDate>,
    pub rate_min_minor: Option<i64>,
    pub rate_max_minor: Option<i64>,
    pub rate_currency: Option<String>,
    pub rate_unit: Option<String>,
    pub location: Option<String>,
    pub remote: String,
    pub openings: i32,
    pub status: String,
    pub owner_id: Option<i64>,
    pub version: i32,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Job {
    /// The scoped agency's job with this id; another agency's answers `NotFound`.
    pub fn find(conn: &mut DbConnection, scope: AgencyScope, id: i64) -> Result<Job, AppError> {
        Ok(jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::agency_id.eq(scope.agency_id()))
            .select(Job::as_select())
            .first(conn)?)
    }

    /// "Contract-to-hire".
    pub fn contract_type_label(&self) -> &str {
        label(CONTRACT_TYPES, &self.contract_type)
    }

    /// "On hold".
    pub fn status_label(&self) -> &str {
        label(STATUSES, &self.status)
    }

    /// "Hybrid".
    pub fn remote_label(&self) -> &str {
        label(REMOTE, &self.remote)
    }

    /// The badge colour class of the status.
    pub fn status_class(&self) -> &'static str {
        match self.status.as_str() {
            "open" => "badge badge-green",
            "on_hold" => "badge badge-amber",
            "filled" => "badge",
            _ => "badge badge-grey",
        }
    }

    /// The rate range for people: "EUR 80 – 95/hour", "from EUR 600/day", "up to GBP 70,000/year".
    pub fn rate_range(&self) -> Option<String> {
        let currency = self.rate_currency.as_deref().unwrap_or("");
        let unit = self.rate_unit.as_deref().unwrap_or("hour");
        match (self.rate_min_minor, self.rate_max_minor) {
            (Some(min), Some(max)) if min == max => Some(money::format_rate(min, currency, unit)),
            (Some(min), Some(max)) => {
                let low = money::format_rate(min, currency, unit);
                let low = low.strip_suffix(&format!("/{unit}")).unwrap_or(&low).to_string();
                let high = money::format_rate(max, currency, unit);
                let high = high.strip_prefix(&format!("{currency} ")).unwrap_or(&high).to_string();
                Some(format!("{low} – {high}"))
            }
            (Some(min), None) => Some(format!("from {}", money::format_rate(min, currency, unit))),
            (None, Some(max)) => Some(format!("up to {}", money::format_rate(max, currency, unit))),
            (None, None) => None,
        }
    }

    /// "6 months", "1 month".
    pub fn duration_label(&self) -> Option<String> {
        self.duration_months.map(|m| if m == 1 { "1 month".to_string() } else { format!("{m} months") })
    }
}

/// The job form, as submitted (every field a string; `version` only on the edit form).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobInput {
    pub client_id: String,
    pub title: String,
    pub description: String,
    pub skills: String,
    pub contract_type: String,
    pub duration_months: String,
    pub start_date: String,
    pub rate_min: String,
    pub rate_max: String,
    pub rate_unit: String,
    pub rate_currency: String,
    pub location: String,
    pub remote: String,
    pub openings: String,
    pub status: String,
    pub owner_id: String,
    pub version: String,
    /// A new job's form only: see [`crate::models::idempotency`].
    pub idempotency_key: String,
}

impl JobInput {
    /// A blank form for a new job: open, one opening, owned by `owner`, for `client` if given.
    pub fn blank(client_id: Option<i64>, owner_id: i64) -> Self {
        Self {
            client_id: client_id.map(|id| id.to_string()).unwrap_or_default(),
            contract_type: "contract".into(),
            rate_unit: "hour".into(),
            rate_currency: money::CURRENCIES[0].0.into(),
            remote: "hybrid".into(),
            openings: "1".into(),
            status: "open".into(),
            owner_id: owner_id.to_string(),
            idempotency_key: crate::models::idempotency::new_key(),
            ..Self::default()
        }
    }

    /// The edit form filled from the saved job and its skill names.
    pub fn from_job(job: &Job, skill_names: &[String]) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            client_id: job.client_id.to_string(),
            title: job.title.clone(),
            description: text(&job.description),
            skills: skill_names.join(", "),
            contract_type: job.contract_type.clone(),
            duration_months: job.duration_months.map(|m| m.to_string()).unwrap_or_default(),
            start_date: job.start_date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            rate_min: job.rate_min_minor.map(money::amount_for_input).unwrap_or_default(),
            rate_max: job.rate_max_minor.map(money::amount_for_input).unwrap_or_default(),
            rate_unit: job.rate_unit.clone().unwrap_or_else(|| "hour".into()),
            rate_currency: job.rate_currency.clone().unwrap_or_else(|| money::CURRENCIES[0].0.into()),
            location: text(&job.location),
            remote: job.remote.clone(),
            openings: job.openings.to_string(),
            status: job.status.clone(),
            owner_id: job.owner_id.map(|id| id.to_string()).unwrap_or_default(),
            version: job.version.to_string(),
            idempotency_key: String::new(),
        }
    }

    /// The same form carrying another version (after a stale save, so saving again re-applies).
    pub fn with_version(self, version: i32) -> Self {
        Self { version: version.to_string(), ..self }
    }

    /// Checks what can be checked without the database; adds problems to `errors`.
    fn check_fields(&self, errors: &mut FieldErrors) -> ValidJob {
        let client_id = self.client_id.trim().parse::<i64>().ok().filter(|id| *id > 0);
        if client_id.is_none() {
            errors.add("client_id", "Choose the client this job is for.");
        }
        let title = validation::required(errors, "title", "Job title", &self.title, MAX_NAME);
        let description = validation::optional(errors, "description", "Description", &self.description, MAX_NOTES);
        let skills = match skill::parse_list(&self.skills) {
            Ok(skills) => skills,
            Err(message) => {
                errors.add("skills", message);
                Vec::new()
            }
        };
        let contract_type =
            validation::optional_choice(errors, "contract_type", "Contract type", &self.contract_type, CONTRACT_TYPES);
        if contract_type.is_none() && !errors.has("contract_type") {
            errors.add("contract_type", "Choose a contract type.");
        }
        let duration_months = validation::optional_int(
            errors,
            "duration_months",
            "Duration",
            &self.duration_months,
            1,
            MAX_DURATION_MONTHS,
        )
        .map(|m| m as i32);
        let start_date = validation::optional_date(errors, "start_date", "Start date", &self.start_date);
        let mut amount = |field: &'static str, label: &str, raw: &str| {
            let raw = raw.trim();
            if raw.is_empty() {
                return None;
            }
            match money::parse_amount(raw) {
                Ok(minor) => Some(minor),
                Err(why) => {
                    errors.add(field, format!("{label} {why}."));
                    None
                }
            }
        };
        let rate_min = amount("rate_min", "Minimum rate", &self.rate_min);
        let rate_max = amount("rate_max", "Maximum rate", &self.rate_max);
        if let (Some(min), Some(max)) = (rate_min, rate_max)
            && min > max
        {
            errors.add("rate_max", "Maximum rate must be at least the minimum rate.");
        }
        let has_rate = rate_min.is_some() || rate_max.is_some();
        let rate_unit = validation::optional_choice(errors, "rate_unit", "Rate unit", &self.rate_unit, RATE_UNITS);
        if has_rate && rate_unit.is_none() && !errors.has("rate_unit") {
            errors.add("rate_unit", "Choose whether the rate is per hour, day or year.");
        }
        let rate_currency = match (has_rate, self.rate_currency.trim()) {
            (_, "") if has_rate => {
                errors.add("rate_currency", "Choose the rate's currency.");
                None
            }
            (_, "") => None,
            (_, raw) => match money::parse_currency(raw) {
                Ok(code) => Some(code),
                Err(why) => {
                    errors.add("rate_currency", format!("Currency {why}."));
                    None
                }
            },
        };
        let location = validation::optional(errors, "location", "Location", &self.location, MAX_LOCATION);
        let remote = validation::optional_choice(errors, "remote", "Remote", &self.remote, REMOTE);
        if remote.is_none() && !errors.has("remote") {
            errors.add("remote", "Choose on site, hybrid or remote.");
        }
        let openings = if self.openings.trim().is_empty() {
            Some(1)
        } else {
            validation::optional_int(errors, "openings", "Openings", &self.openings, 1, MAX_OPENINGS)
        };
        let status = if self.status.trim().is_empty() {
            Some("open")
        } else {
            validation::optional_choice(errors, "status", "Status", &self.status, STATUSES)
        };
        let owner_id = match self.owner_id.trim() {
            "" => None,
            raw => match raw.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    errors.add("owner_id", "Choose someone from your team.");
                    None
                }
            },
        };
        ValidJob {
            client_id: client_id.unwrap_or_default(),
            title,
            description,
            skills,
            contract_type: contract_type.unwrap_or("contract"),
            duration_months,
            start_date,
            rate_min,
            rate_max,
            // Without an amount, a unit and currency mean nothing: they are not kept.
            rate_unit: if has_rate { rate_unit } else { None },
            rate_currency: if has_rate { rate_currency } else { None },
            location,
            remote: remote.unwrap_or("onsite"),
            openings: openings.unwrap_or(1) as i32,
            status: status.unwrap_or("open"),
            owner_id,
        }
    }

    /// Checks every field, including that the client and owner belong to the scoped agency (a
    /// foreign id reads exactly like one that does not exist). `current` is the job being edited:
    /// its archived client and disabled owner stay acceptable.
    pub fn validate(
        &self,
        conn: &mut DbConnection,
        scope: AgencyScope,
        current: Option<&Job>,
    ) -> Result<ValidJob, AppError> {
        let mut errors = FieldErrors::default();
        let valid = self.check_fields(&mut errors);
        if !errors.has("client_id") {
            let keep = current.map(|job| job.client_id);
            match Client::find(conn, scope, valid.client_id) {
                Ok(client) if !client.is_archived() || keep == Some(client.id) => {}
                Ok(_) => errors.add("client_id", "This client is archived. Bring it back from its page first."),
                Err(AppError::NotFound) => errors.add("client_id", "Choose a client from the list."),
                Err(e) => return Err(e),
            }
        }
        if let Some(owner_id) = valid.owner_id {
            let keep = current.and_then(|job| job.owner_id);
            match User::find_in_agency(conn, scope, owner_id) {
                Ok(user) if !user.is_disabled() || keep == Some(user.id) => {}
                Ok(_) | Err(AppError::NotFound) => errors.add("owner_id", "Choose someone from your team."),
                Err(e) => return Err(e),
            }
        }
        errors.finish(valid)
    }
}

/// A checked job form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidJob {
    pub client_id: i64,
    pub title: String,
    pub description: Option<String>,
    /// Normalised (key, name) pairs.
    pub skills: Vec<(String, String)>,
    pub contract_type: &'static str,
    pub duration_months: Option<i32>,
    pub start_date: Option<NaiveDate>,
    pub rate_min: Option<i64>,
    pub rate_max: Option<i64>,
    pub rate_unit: Option<&'static str>,
    pub rate_currency: Option<String>,
    pub location: Option<String>,
    pub remote: &'static str,
    pub openings: i32,
    pub status: &'static str,
    pub owner_id: Option<i64>,
}

impl ValidJob {
    /// True when saving this would change nothing on `job` (whose skills have `skill_keys`).
    fn matches(&self, job: &Job, skill_keys: &[String]) -> bool {
        let mut mine: Vec<&str> = self.skills.iter().map(|(k, _)| k.as_str()).collect();
        let mut theirs: Vec<&str> = skill_keys.iter().map(String::as_str).collect();
        mine.sort_unstable();
        theirs.sort_unstable();
        self.client_id == job.client_id
            && self.title == job.title
            && self.description == job.description
            && mine == theirs
            && self.contract_type == job.contract_type
            && self.duration_months == job.duration_months
            && self.start_date == job.start_date
            && self.rate_min == job.rate_min_minor
            && self.rate_max == job.rate_max_minor
            && self.rate_unit == job.rate_unit.as_deref()
            && self.rate_currency == job.rate_currency
            && self.location == job.location
            && self.remote == job.remote
            && self.openings == job.openings
            && self.status == job.status
            && self.owner_id == job.owner_id
    }
}

/// Replaces a job's skills with `normalized` (adding new skills to the shared vocabulary).
fn set_skills(
    conn: &mut DbConnection,
    job_id: i64,
    normalized: &[(String, String)],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::delete(job_skills::table.filter(job_skills::job_id.eq(job_id))).execute(conn)?;
    for skill in Skill::resolve(conn, normalized, now)? {
        diesel::insert_into(job_skills::table)
            .values((job_skills::job_id.eq(job_id), job_skills::skill_id.eq(skill.id)))
            .execute(conn)?;
    }
    Ok(())
}

/// Adds a job for one of the scoped agency's clients.
pub fn create(
    conn: &mut DbConnection,
    scope: AgencyScope,
    input: &JobInput,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Job, AppError> {
    db::write(conn, |conn| {
        let valid = input.validate(conn, scope, None)?;
        let job: Job = diesel::insert_into(jobs::table)
            .values((
                jobs::agency_id.eq(scope.agency_id()),
                jobs::client_id.eq(valid.client_id),
                jobs::title.eq(&valid.title),
                jobs::description.eq(&valid.description),
                jobs::contract_type.eq(valid.contract_type),
                jobs::duration_months.eq(valid.duration_months),
                jobs::start_date.eq(valid.start_date),
                jobs::rate_min_minor.eq(valid.rate_min),
                jobs::rate_max_minor.eq(valid.rate_max),
                jobs::rate_currency.eq(&valid.rate_currency),
                jobs::rate_unit.eq(valid.rate_unit),
                jobs::location.eq(&valid.location),
                jobs::remote.eq(valid.remote),
                jobs::openings.eq(valid.openings),
                jobs::status.eq(valid.status),
                jobs::owner_id.eq(valid.owner_id),
                jobs::version.eq(1),
                jobs::created_by.eq(actor.user_id),
                jobs::created_at.eq(now),
                jobs::updated_at.eq(now),
            ))
            .get_result(conn)?;
        set_skills(conn, job.id, &valid.skills, now)?;
        audit::record(conn, actor, Event::on("job.created", "job", job.id, job.title.clone()), now)?;
        Ok(job)
    })
}

/// Saves the edit form of one of the scoped agency's jobs, if made from the current version.
/// A change of status is written to the audit log.
pub fn update(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    input: &JobInput,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Saved<Job>, AppError> {
    let version: Option<i32> = input.version.trim().parse().ok();
    db::write(conn, |conn| {
        let current = Job::find(conn, scope, id)?;
        let valid = input.validate(conn, scope, Some(&current))?;
        if version != Some(current.version) {
            let keys = skill_keys(conn, id)?;
            return Ok(if valid.matches(&current, &keys) { Saved::Done(current) } else { Saved::Stale(current) });
        }
        let written = diesel::update(
            jobs::table
                .filter(jobs::id.eq(id))
                .filter(jobs::agency_id.eq(scope.agency_id()))
                .filter(jobs::version.eq(current.version)),
        )
        .set((
            (
                jobs::client_id.eq(valid.client_id),
                jobs::title.eq(&valid.title),
                jobs::description.eq(&valid.description),
                jobs::contract_type.eq(valid.contract_type),
                jobs::duration_months.eq(valid.duration_months),
                jobs::start_date.eq(valid.start_date),
                jobs::rate_min_minor.eq(valid.rate_min),
                jobs::rate_max_minor.eq(valid.rate_max),
                jobs::rate_currency.eq(&valid.rate_currency),
            ),
            (
                jobs::rate_unit.eq(valid.rate_unit),
                jobs::location.eq(&valid.location),
                jobs::remote.eq(valid.remote),
                jobs::openings.eq(valid.openings),
                jobs::status.eq(valid.status),
                jobs::owner_id.eq(valid.owner_id),
                jobs::version.eq(current.version + 1),
                jobs::updated_at.eq(now),
            ),
        ))
        .execute(conn)?;
        if written != 1 {
            return Ok(Saved::Stale(Job::find(conn, scope, id)?));
        }
        set_skills(conn, id, &valid.skills, now)?;
        if current.status != valid.status {
            let detail =
                format!("{}: {} → {}", valid.title, label(STATUSES, &current.status), label(STATUSES, valid.status));
            audit::record(conn, actor, Event::on("job.status_changed", "job", id, detail), now)?;
        }
        Ok(Saved::Done(Job::find(conn, scope, id)?))
    })
}

fn skill_keys(conn: &mut DbConnection, job_id: i64) -> Result<Vec<String>, AppError> {
    Ok(job_skills::table
        .inner_join(skills::table)
        .filter(job_skills::job_id.eq(job_id))
        .select(skills::key)
        .load(conn)?)
}

/// The skill names of each of these jobs, alphabetically (one query for a whole page).
pub fn skill_names(conn: &mut DbConnection, job_ids: &[i64]) -> Result<HashMap<i64, Vec<String>>, AppError> {
    let mut names: HashMap<i64, Vec<String>> = HashMap::new();
    if job_ids.is_empty() {
        return Ok(names);
    }
    let rows: Vec<(i64, String)> = job_skills::table
        .inner_join(skills::table)
        .filter(job_skills::job_id.eq_any(job_ids))
        .order((job_skills::job_id.asc(), lower(skills::name).asc()))
        .select((job_skills::job_id, skills::name))
        .load(conn)?;
    for (job_id, name) in rows {
        names.entry(job_id).or_default().push(name);
    }
    Ok(names)
}

/// Everything the job page shows.
#[derive(Clone, Debug)]
pub struct JobDetail {
    pub job: Job,
    pub client: Client,
    pub owner_name: Option<String>,
    pub created_by_name: Option<String>,
    pub skills: Vec<String>,
}

/// The scoped agency's job with its client, owner and skills.
pub fn detail(conn: &mut DbConnection, scope: AgencyScope, id: i64) -> Result<JobDetail, AppError> {
    let job = Job::find(conn, scope, id)?;
    let client = Client::find(conn, scope, job.client_id)?;
    let mut name_of = |id: Option<i64>| -> Result<Option<String>, AppError> {
        match id {
            Some(id) => Ok(users::table
                .filter(users::id.eq(id))
                .filter(users::agency_id.eq(scope.agency_id()))
                .select(users::name)
                .first(conn)
                .optional()?),
            None => Ok(None),
        }
    };
    let owner_name = name_of(job.owner_id)?;
    let created_by_name = name_of(job.created_by)?;
    let skills = skill_names(conn, &[job.id])?.remove(&job.id).unwrap_or_default();
    Ok(JobDetail { job, client, owner_name, created_by_name, skills })
}

/// The choices a job form offers: the agency's clients and its enabled staff, as (id, name).
#[derive(Clone, Debug, Default)]
pub struct FormChoices {
    pub clients: Vec<(i64, String)>,
    pub owners: Vec<(i64, String)>,
}

impl FormChoices {
    /// The choices for a new job, or for editing `current` (whose archived client and disabled
    /// owner stay on the lists).
    pub fn load(conn: &mut DbConnection, scope: AgencyScope, current: Option<&Job>) -> Result<Self, AppError> {
        let clients = client::choices(conn, scope, current.map(|job| job.client_id), MAX_CLIENT_CHOICES)?;
        let keep_owner = current.and_then(|job| job.owner_id);
        let owners = User::team(conn, scope)?
            .into_iter()
            .filter(|user| !user.is_disabled() || Some(user.id) == keep_owner)
            .map(|user| (user.id, user.name))
            .collect();
        Ok(Self { clients, owners })
    }

    fn name(list: &[(i64, String)], raw: &str) -> String {
        let raw = raw.trim();
        raw.parse::<i64>()
            .ok()
            .and_then(|id| list.iter().find(|(i, _)| *i == id))
            .map_or_else(|| raw.to_string(), |(_, name)| name.clone())
    }
}

/// What differs between a stale form and the saved job (select fields shown by their labels).
pub fn changes(yours: &JobInput, saved: &JobInput, choices: &FormChoices) -> Vec<FieldChange> {
    let text = |s: &str| s.trim().to_string();
    let skills = |s: &str| match skill::parse_list(s) {
        Ok(list) => list.into_iter().map(|(_, name)| name).collect::<Vec<_>>().join(", "),
        Err(_) => text(s),
    };
    let amount = |s: &str| money::parse_amount(s).map(money::amount_for_input).unwrap_or_else(|_| text(s));
    let amount = |s: &str| if s.trim().is_empty() { String::new() } else { amount(s) };
    let choice = |list: &[(&str, &str)], s: &str| label(list, s.trim()).to_string();
    let mut pairs = vec![
        (
            "Client",
            FormChoices::name(&choices.clients, &yours.client_id),
            FormChoices::name(&choices.clients, &saved.client_id),
        ),
        ("Job title", text(&yours.title), text(&saved.title)),
        ("Description", text(&yours.description), text(&saved.description)),
        ("Required skills", skills(&yours.skills), skills(&saved.skills)),
        ("Contract type", choice(CONTRACT_TYPES, &yours.contract_type), choice(CONTRACT_TYPES, &saved.contract_type)),
        ("Duration (months)", text(&yours.duration_months), text(&saved.duration_months)),
        ("Start date", text(&yours.start_date), text(&saved.start_date)),
        ("Minimum rate", amount(&yours.rate_min), amount(&saved.rate_min)),
        ("Maximum rate", amount(&yours.rate_max), amount(&saved.rate_max)),
    ];
    // A unit or currency without an amount is not kept, so it is no difference either.
    let has_rate = |input: &JobInput| !input.rate_min.trim().is_empty() || !input.rate_max.trim().is_empty();
    if has_rate(yours) || has_rate(saved) {
        pairs.push(("Rate unit", choice(RATE_UNITS, &yours.rate_unit), choice(RATE_UNITS, &saved.rate_unit)));
        pairs.push(("Currency", text(&yours.rate_currency).to_uppercase(), text(&saved.rate_currency)));
    }
    pairs.extend([
        ("Location", text(&yours.location), text(&saved.location)),
        ("Remote", choice(REMOTE, &yours.remote), choice(REMOTE, &saved.remote)),
        ("Openings", text(&yours.openings), text(&saved.openings)),
        ("Status", choice(STATUSES, &yours.status), choice(STATUSES, &saved.status)),
        (
            "Owner",
            FormChoices::name(&choices.owners, &yours.owner_id),
            FormChoices::name(&choices.owners, &saved.owner_id),
        ),
    ]);
    conflict::changes(pairs)
}

/// Which statuses the job list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFilter {
    /// One status.
    Only(&'static str),
    /// Open or on hold.
    Active,
    /// Every status.
    Any,
}

impl StatusFilter {
    /// Filter choices as (value in the URL, label).
    pub const CHOICES: &'static [(&'static str, &'static str)] = &[
        ("open", "Open"),
        ("active", "Open or on hold"),
        ("on_hold", "On hold"),
        ("filled", "Filled"),
        ("closed", "Closed"),
        ("any", "Any status"),
    ];

    /// Reads `status=`: blank or unknown is the default, open jobs.
    pub fn parse(raw: &str) -> Self {
        match raw.trim() {
            "any" => Self::Any,
            "active" => Self::Active,
            raw => Self::Only(STATUSES.iter().find(|(s, _)| *s == raw).map_or("open", |(s, _)| s)),
        }
    }

    /// The value in the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Only(status) => status,
            Self::Active => "active",
            Self::Any => "any",
        }
    }
}

impl Default for StatusFilter {
    fn default() -> Self {
        Self::Only("open")
    }
}

/// How the job list is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum JobSort {
    /// Most recently changed first.
    #[default]
    Updated,
    /// By title, A to Z.
    Title,
    /// By client name, A to Z.
    Client,
    /// Soonest start first (no start date last).
    Start,
}

impl JobSort {
    /// Sorts as (value in the URL, label).
    pub const CHOICES: &'static [(&'static str, &'static str)] =
        &[("updated", "Recently updated"), ("title", "Title"), ("client", "Client"), ("start", "Start date")];

    /// Reads `sort=` (anything unknown is the default).
    pub fn parse(raw: &str) -> Self {
        match raw {
            "title" => Self::Title,
            "client" => Self::Client,
            "start" => Self::Start,
            _ => Self::Updated,
        }
    }

    /// The value in the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Updated => "updated",
            Self::Title => "title",
            Self::Client => "client",
            Self::Start => "start",
        }
    }
}

/// The filters of the job list.
#[derive(Clone, Debug, Default)]
pub struct JobFilter {
    /// Words to find in the title.
    pub q: String,
    pub status: StatusFilter,
    pub client_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub sort: JobSort,
    /// The page, from 1.
    pub page: i64,
}

/// One line of the job list.
#[derive(Clone, Debug)]
pub struct JobRow {
    pub job: Job,
    pub client_name: String,
    pub owner_name: Option<String>,
    pub skills: Vec<String>,
}

/// One page of the scoped agency's jobs (two queries: the page, then its skills).
pub fn list(conn: &mut DbConnection, scope: AgencyScope, filter: &JobFilter) -> Result<ListPage<JobRow>, AppError> {
    let page = filter.page.clamp(1, MAX_PAGE);
    let mut query = jobs::table
        .inner_join(clients::table.on(clients::id.eq(jobs::client_id).and(clients::agency_id.eq(jobs::agency_id))))
        .left_join(users::table.on(users::id.nullable().eq(jobs::owner_id)))
        .filter(jobs::agency_id.eq(scope.agency_id()))
        .select((Job::as_select(), clients::name, users::name.nullable()))
        .into_boxed();
    query = match filter.status {
        StatusFilter::Only(status) => query.filter(jobs::status.eq(status)),
        StatusFilter::Active => query.filter(jobs::status.eq_any(["open", "on_hold"])),
        StatusFilter::Any => query,
    };
    if let Some(client_id) = filter.client_id {
        query = query.filter(jobs::client_id.eq(client_id));
    }
    if let Some(owner_id) = filter.owner_id {
        query = query.filter(jobs::owner_id.eq(owner_id));
    }
    let q = filter.q.trim();
    if !q.is_empty() {
        query = query.filter(lower(jobs::title).like(contains_pattern(q)).escape('\\'));
    }
    query = match filter.sort {
        JobSort::Updated => query.order((jobs::updated_at.desc(), jobs::id.desc())),
        JobSort::Title => query.order((lower(jobs::title).asc(), jobs::id.asc())),
        JobSort::Client => query.order((lower(clients::name).asc(), lower(jobs::title).asc(), jobs::id.asc())),
        JobSort::Start => query.order((jobs::start_date.is_null().asc(), jobs::start_date.asc(), jobs::id.asc())),
    };
    let mut rows: Vec<(Job, String, Option<String>)> =
        query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE).load(conn)?;
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let ids: Vec<i64> = rows.iter().map(|(job, _, _)| job.id).collect();
    let mut skills = skill_names(conn, &ids)?;
    let rows = rows
        .into_iter()
        .map(|(job, client_name, owner_name)| {
            let skills = skills.remove(&job.id).unwrap_or_default();
            JobRow { job, client_name, owner_name, skills }
        })
        .collect();
    Ok(ListPage { rows, page, has_next })
}

/// The agency's staff who own at least one job or are enabled, as (id, name), for the owner
/// filter of the job list.
pub fn owner_filter_choices(conn: &mut DbConnection, scope: AgencyScope) -> Result<Vec<(i64, String)>, AppError> {
    let owners: Vec<i64> = jobs::table
        .filter(jobs::agency_id.eq(scope.agency_id()))
        .filter(jobs::owner_id.is_not_null())
        .select(jobs::owner_id.assume_not_null())
        .distinct()
        .load(conn)?;
    Ok(User::team(conn, scope)?
        .into_iter()
        .filter(|user| !user.is_disabled() || owners.contains(&user.id))
        .map(|user| (user.id, user.name))
        .collect())
}

/// The agency's open and on-hold jobs as (id, "title — client"), by client and title, for
/// choosing a job to put someone forward for (at most 500).
pub fn open_choices(conn: &mut DbConnection, scope: AgencyScope) -> Result<Vec<(String, String)>, AppError> {
    let rows: Vec<(i64, String, String)> = jobs::table
        .inner_join(clients::table)
        .filter(jobs::agency_id.eq(scope.agency_id()))
        .filter(jobs::status.eq_any(["open", "on_hold"]))
        .order((clients::name.asc(), jobs::title.asc()))
        .limit(500)
        .select((jobs::id, jobs::title, clients::name))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, title, client)| (id.to_string(), format!("{title} — {client}"))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> Job {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
        Job {
            id: 1,
            agency_id: 1,
            client_id: 1,
            title: "Rust engineer".into(),
            description: None,
            contract_type: "contract".into(),
            duration_months: Some(6),
            start_date: None,
            rate_min_minor: Some(8000),
            rate_max_minor: Some(9550),
            rate_currency: Some("EUR".into()),
            rate_unit: Some("hour".into()),
            location: None,
            remote: "hybrid".into(),
            openings: 1,
            status: "on_hold".into(),
            owner_id: None,
            version: 1,
            created_by: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn rate_ranges_read_like_people_write_them() {
        let mut j = job();
        assert_eq!(j.rate_range().as_deref(), Some("EUR 80 – 95.50/hour"));
        j.rate_max_minor = None;
        assert_eq!(j.rate_range().as_deref(), Some("from EUR 80/hour"));
        j.rate_min_minor = None;
        j.rate_max_minor = Some(7_000_000);
        j.rate_unit = Some("year".into());
        assert_eq!(j.rate_range().as_deref(), Some("up to EUR 70,000/year"));
        j.rate_max_minor = None;
        assert_eq!(j.rate_range(), None);
        assert_eq!(j.status_label(), "On hold");
        assert_eq!(j.duration_label().as_deref(), Some("6 months"));
    }

    #[test]
    fn a_form_is_checked_field_by_field() {
        let input = JobInput {
            client_id: "7".into(),
            title: "  ".into(),
            skills: (0..50).map(|n| format!("s{n}")).collect::<Vec<_>>().join(","),
            rate_min: "-5".into(),
            rate_max: "abc".into(),
            openings: "0".into(),
            start_date: "31/12/2026".into(),
            ..JobInput::blank(None, 1)
        };
        let mut errors = FieldErrors::default();
        input.check_fields(&mut errors);
        for field in ["title", "skills", "rate_min", "rate_max", "openings", "start_date"] {
            assert!(errors.has(field), "{field}: {errors:?}");
        }
        let input = JobInput {
            client_id: "7".into(),
            title: "Dev".into(),
            rate_min: "100".into(),
            rate_max: "90".into(),
            ..JobInput::blank(None, 1)
        };
        let mut errors = FieldErrors::default();
        input.check_fields(&mut errors);
        assert_eq!(errors.get("rate_max"), Some("Maximum rate must be at least the minimum rate."));
    }
}
