//! Consent ("right to represent") and the cross-agency double-submission guard.
//!
//! A recruiter asks the contractor's consent for one submission, showing the client (or
//! "confidential client"), the role and the rate. The contractor approves or declines (time, IP
//! address and user agent are kept). An approval records a representation of the person at the
//! client (by normalised domain); the database allows one active representation per person and
//! client, so racing approvals leave at most one. Another agency asking while a representation is
//! active learns only "already represented at this client since DATE"; the contractor sees the
//! whole picture and decides.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::{
    agencies, agency_contractors, clients, consents, contractor_profiles, jobs, outside_submissions, pipeline_stages,
    representations, submissions, users,
};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::mail::{self, ConsentRequestEmail};
use crate::models::agency::{Agency, AgencyScope};
use crate::models::audit::{self, Actor, Event};
use crate::models::contractor::{self, Contractor};
use crate::models::job::Job;
use crate::models::money;
use crate::models::notification;
use crate::models::stage;
use crate::models::submission::{self, NewEvent};
use crate::models::token::{self, Token};
use crate::models::validation::{self, FieldErrors};

/// Rate units a consent may state: (stored, shown).
pub const RATE_UNITS: &[(&str, &str)] = &[("hour", "per hour"), ("day", "per day"), ("year", "per year")];

/// Days an outside submission the contractor reported counts for the guard.
pub const OUTSIDE_DAYS: i64 = 180;

/// A consent row.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = consents)]
pub struct Consent {
    pub id: i64,
    pub agency_id: i64,
    pub submission_id: i64,
    pub contractor_id: i64,
    pub person_key: String,
    pub client_domain: Option<String>,
    pub client_shown: String,
    pub client_description: Option<String>,
    pub job_title: String,
    pub rate_minor: i64,
    pub rate_currency: String,
    pub rate_unit: String,
    pub exclusivity_days: i32,
    pub status: String,
    pub conflict_since: Option<NaiveDateTime>,
    pub requested_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_ip: Option<String>,
    pub decision_user_agent: Option<String>,
    pub valid_until: Option<NaiveDateTime>,
    /// When the contractor withdrew an approval.
    pub withdrawn_at: Option<NaiveDateTime>,
}

impl Consent {
    /// The state as of `now`: a pending request past its expiry is "expired", an approval past
    /// its exclusivity is "lapsed".
    pub fn state(&self, now: &NaiveDateTime) -> &str {
        match self.status.as_str() {
            "pending" if self.expires_at <= *now => "expired",
            "approved" if self.valid_until.is_some_and(|until| until <= *now) => "lapsed",
            other => other,
        }
    }

    /// The rate shown to the contractor, e.g. "EUR 85/hour".
    pub fn rate_text(&self) -> String {
        money::format_rate(self.rate_minor, &self.rate_currency, &self.rate_unit)
    }
}

/// A consent as the agency sees it.
#[derive(Clone, Debug)]
pub struct ConsentView {
    pub consent: Consent,
    pub state: String,
}

/// Who the person is across agencies: their email, lower-cased (the account's once linked).
pub fn person_key(record: &Contractor) -> Option<String> {
    record.email.as_ref().map(|e| validation::normalize_email(e)).filter(|e| !e.is_empty())
}

/// The consent request form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RequestInput {
    pub rate: String,
    pub rate_currency: String,
    pub rate_unit: String,
    /// "name" (show the client's name) or "confidential".
    pub client_shown: String,
    pub client_description: String,
    pub exclusivity_days: String,
}

/// A checked request.
#[derive(Clone, Debug)]
struct ValidRequest {
    rate_minor: i64,
    currency: String,
    unit: &'static str,
    confidential: bool,
    description: Option<String>,
    exclusivity_days: i32,
}

impl RequestInput {
    fn validate(&self) -> Result<ValidRequest, AppError> {
        let mut errors = FieldErrors::default();
        let rate_minor = match money::parse_amount(&self.rate) {
            Ok(minor) if minor > 0 => minor,
            Ok(_) => {
                errors.add("rate", "Give the rate you will offer them.");
                0
            }
            Err(why) => {
                if self.rate.trim().is_empty() {
                    errors.add("rate", "Give the rate you will offer them.");
                } else {
                    errors.add("rate", format!("The rate {why}."));
                }
                0
            }
        };
        let currency =
            money::parse_currency(if self.rate_currency.trim().is_empty() { "EUR" } else { &self.rate_currency })
                .unwrap_or_else(|why| {
                    errors.add("rate_currency", format!("Currency {why}."));
                    String::new()
                });
        let unit = if self.rate_unit.trim().is_empty() {
            Some("hour")
        } else {
            validation::optional_choice(&mut errors, "rate_unit", "Rate unit", &self.rate_unit, RATE_UNITS)
        }
        .unwrap_or("hour");
        let confidential = match self.client_shown.as_str() {
            "" | "name" => false,
            "confidential" => true,
            _ => {
                errors.add("client_shown", "Choose whether to name the client.");
                false
            }
        };
        let description =
            validation::optional(&mut errors, "client_description", "Description", &self.client_description, 200);
        if confidential && description.is_none() && !errors.has("client_description") {
            errors.add(
                "client_description",
                "Describe the confidential client in one line, e.g. \"a large European bank\".",
            );
        }
        let exclusivity_days =
            validation::optional_int(&mut errors, "exclusivity_days", "Exclusivity", &self.exclusivity_days, 1, 365)
                .map_or(90, |d| i32::try_from(d).unwrap_or(90));
        errors.finish(ValidRequest { rate_minor, currency, unit, confidential, description, exclusivity_days })
    }
}

/// The active representation of a person at a client by another agency, or an outside
/// submission they reported: when it started. (The requesting agency learns only this date.)
fn conflict_since(
    conn: &mut DbConnection,
    person: &str,
    domain: &str,
    agency_id: i64,
    now: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, AppError> {
    let represented: Option<NaiveDateTime> = representations::table
        .filter(representations::person_key.eq(person))
        .filter(representations::client_domain.eq(domain))
        .filter(representations::agency_id.ne(agency_id))
        .filter(representations::ended_at.is_null())
        .filter(representations::ends_at.gt(now))
        .select(representations::started_at)
        .first(conn)
        .optional()?;
    if represented.is_some() {
        return Ok(represented);
    }
    let outside: Option<NaiveDate> = outside_submissions::table
        .inner_join(contractor_profiles::table.inner_join(users::table))
        .filter(users::email.eq(person))
        .filter(outside_submissions::client_domain.eq(domain))
        .filter(outside_submissions::submitted_on.gt((now - TimeDelta::days(OUTSIDE_DAYS)).date()))
        .order(outside_submissions::submitted_on.desc())
        .select(outside_submissions::submitted_on)
        .first(conn)
        .optional()?;
    Ok(outside.and_then(|d| d.and_hms_opt(0, 0, 0)))
}

/// Asks the contractor's consent to put them forward for this submission's job. Moves the
/// submission into the consent stage; emails them a link; shows the request in their portal.
pub fn request(
    conn: &mut DbConnection,
    scope: AgencyScope,
    submission_id: i64,
    input: &RequestInput,
    base_url: &str,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Consent, AppError> {
    let valid = input.validate()?;
    db::write(conn, |conn| {
        let sub = submission::find(conn, scope, submission_id)?;
        if sub.is_closed() {
            return Err(AppError::invalid("rate", "This submission is closed."));
        }
        let record = contractor::find(conn, scope, sub.contractor_id)?;
        if let Some(when) = record.unlinked_at
            && record.profile_id.is_none()
        {
            return Err(AppError::invalid(
                "rate",
                format!(
                    "{} stopped sharing their profile with your agency on {}; you can no longer put them forward.",
                    record.name,
                    when.format("%-d %b %Y")
                ),
            ));
        }
        let Some(person) = person_key(&record) else {
            return Err(AppError::invalid(
                "rate",
                "Add their email address to their record first: the request goes to them by email.",
            ));
        };
        let waiting: Option<i64> = consents::table
            .filter(consents::submission_id.eq(sub.id))
            .filter(consents::status.eq("pending"))
            .filter(consents::expires_at.gt(now))
            .select(consents::id)
            .first(conn)
            .optional()?;
        if waiting.is_some() {
            return Err(AppError::invalid("rate", "A request is already waiting for their answer."));
        }
        let job = Job::find(conn, scope, sub.job_id)?;
        let (client_name, domain): (String, Option<String>) =
            clients::table.find(job.client_id).select((clients::name, clients::domain)).first(conn)?;
        let agency = Agency::find(conn, scope)?;
        let conflict = match &domain {
            Some(domain) => conflict_since(conn, &person, domain, scope.agency_id(), now)?,
            None => None,
        };
        let token = Token::generate();
        let client_shown = if valid.confidential { "Confidential client".to_string() } else { client_name };
        let id: i64 = diesel::insert_into(consents::table)
            .values((
                consents::agency_id.eq(scope.agency_id()),
                consents::submission_id.eq(sub.id),
                consents::contractor_id.eq(record.id),
                consents::person_key.eq(&person),
                consents::client_domain.eq(&domain),
                consents::client_shown.eq(&client_shown),
                consents::client_description.eq(&valid.description),
                consents::job_title.eq(&job.title),
                consents::rate_minor.eq(valid.rate_minor),
                consents::rate_currency.eq(&valid.currency),
                consents::rate_unit.eq(valid.unit),
                consents::exclusivity_days.eq(valid.exclusivity_days),
                consents::status.eq("pending"),
                consents::conflict_since.eq(conflict),
                consents::token_hash.eq(&token.hash),
                consents::requested_by.eq(actor.user_id),
                consents::requested_at.eq(now),
                consents::expires_at.eq(now + TimeDelta::days(i64::from(agency.consent_valid_days))),
            ))
            .returning(consents::id)
            .get_result(conn)?;
        let consent = find_row(conn, id)?;
        // Asking for consent moves an early card into the consent stage.
        let (_, target, _) = submission::advance_to(conn, scope, &sub, "consent", now)?;
        let body = format!("Asked for consent: {} at {} for {}", job.title, client_shown, consent.rate_text());
        submission::record_event(conn, &sub, NewEvent::new("consent_requested", &body, true), &target, actor, now)?;
        let link = format!("{base_url}/consents/{}", token.secret);
        let message = mail::compose(
            &person,
            format!("{} asks to put you forward: {}", agency.name, job.title),
            &ConsentRequestEmail {
                name: &record.name,
                agency_name: &agency.name,
                job_title: &job.title,
                client: &client_shown,
                description: valid.description.as_deref().unwrap_or(""),
                rate: &consent.rate_text(),
                link: &link,
                expires: &consent.expires_at.format("%-d %B %Y").to_string(),
            },
        )?;
        let title = message.subject.clone();
        notification::send_email(conn, Some(scope.agency_id()), message, notification::CONSENT_REQUEST, None, now)?;
        notification::consent_requested(conn, scope.agency_id(), &person, &title, now)?;
        audit::record(
            conn,
            actor,
            Event::on("consent.requested", "consent", id, format!("{} for {}", record.name, job.title)),
            now,
        )?;
        Ok(consent)
    })
}

fn find_row(conn: &mut DbConnection, id: i64) -> Result<Consent, AppError> {
    Ok(consents::table.find(id).select(Consent::as_select()).first(conn)?)
}

/// The approved, unexpired consent of a submission, if any.
pub fn active_for_submission(
    conn: &mut DbConnection,
    submission_id: i64,
    now: NaiveDateTime,
) -> Result<Option<Consent>, AppError> {
    Ok(consents::table
        .filter(consents::submission_id.eq(submission_id))
        .filter(consents::status.eq("approved"))
        .filter(consents::valid_until.gt(now))
        .order(consents::id.desc())
        .select(Consent::as_select())
        .first(conn)
        .optional()?)
}

/// The latest consent state of each submission (one statement).
pub fn latest_states(
    conn: &mut DbConnection,
    submission_ids: &[i64],
    now: NaiveDateTime,
) -> Result<HashMap<i64, String>, AppError> {
    if submission_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<Consent> = consents::table
        .filter(consents::submission_id.eq_any(submission_ids))
        .order(consents::id.asc())
        .select(Consent::as_select())
        .load(conn)?;
    let mut states = HashMap::new();
    for consent in rows {
        states.insert(consent.submission_id, consent.state(&now).to_string());
    }
    Ok(states)
}

/// A submission's consents, newest first, as the agency sees them.
pub fn for_submission(
    conn: &mut DbConnection,
    scope: AgencyScope,
    submission_id: i64,
    now: NaiveDateTime,
) -> Result<Vec<ConsentView>, AppError> {
    let rows: Vec<Consent> = consents::table
        .filter(consents::agency_id.eq(scope.agency_id()))
        .filter(consents::submission_id.eq(submission_id))
        .order(consents::id.desc())
        .select(Consent::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(|consent| ConsentView { state: consent.state(&now).to_string(), consent }).collect())
}

/// Ends a submission's active representations (it closed, or the contractor chose otherwise).
pub fn end_representations(
    conn: &mut DbConnection,
    submission_id: i64,
    reason: &str,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    Ok(diesel::update(
        representations::table
            .filter(representations::submission_id.eq(submission_id))
            .filter(representations::ended_at.is_null()),
    )
    .set((representations::ended_at.eq(Some(now)), representations::ended_reason.eq(Some(reason))))
    .execute(conn)?)
}

/// Marks requests that expired unanswered as expired, with an event on each submission (once:
/// a request already marked is not touched again). Returns how many expired.
pub fn expire_unanswered(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, AppError> {
    db::write(conn, |conn| {
        let due: Vec<Consent> = consents::table
            .filter(consents::status.eq("pending"))
            .filter(consents::expires_at.le(now))
            .order(consents::id)
            .limit(1_000)
            .select(Consent::as_select())
            .load(conn)?;
        let mut expired = 0;
        for consent in due {
            let updated = diesel::update(
                consents::table.filter(consents::id.eq(consent.id)).filter(consents::status.eq("pending")),
            )
            .set(consents::status.eq("expired"))
            .execute(conn)?;
            if updated == 1 {
                let sub = submission::find(conn, AgencyScope::of(consent.agency_id), consent.submission_id)?;
                let body = format!("The consent request for {} expired without an answer", consent.job_title);
                submission::record_system_event(conn, &sub, "consent_expired", &body, true, now)?;
                expired += 1;
            }
        }
        Ok(expired)
    })
}

/// Ends representations whose exclusivity has lapsed. Returns how many.
pub fn end_lapsed(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, AppError> {
    Ok(diesel::update(
        representations::table.filter(representations::ended_at.is_null()).filter(representations::ends_at.le(now)),
    )
    .set((representations::ended_at.eq(Some(now)), representations::ended_reason.eq(Some("exclusivity lapsed"))))
    .execute(conn)?)
}

/// What the contractor sees about another representation at the same client.
#[derive(Clone, Debug)]
pub struct ConflictDetail {
    /// The agency representing them there, or "You" for an outside submission they reported.
    pub by: String,
    /// The role.
    pub role: String,
    /// Since when.
    pub since: NaiveDateTime,
}

/// A consent request as the contractor sees it.
#[derive(Clone, Debug)]
pub struct PersonConsent {
    pub consent: Consent,
    pub state: String,
    pub agency_name: String,
    pub conflicts: Vec<ConflictDetail>,
    /// The submission reached a placed stage: an approval there can no longer be withdrawn.
    pub placed: bool,
}

fn conflicts_for(
    conn: &mut DbConnection,
    consent: &Consent,
    now: NaiveDateTime,
) -> Result<Vec<ConflictDetail>, AppError> {
    let Some(domain) = &consent.client_domain else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    let reps: Vec<(String, String, NaiveDateTime)> = representations::table
        .inner_join(agencies::table)
        .inner_join(submissions::table.inner_join(jobs::table))
        .filter(representations::person_key.eq(&consent.person_key))
        .filter(representations::client_domain.eq(domain))
        .filter(representations::agency_id.ne(consent.agency_id))
        .filter(representations::ended_at.is_null())
        .filter(representations::ends_at.gt(now))
        .select((agencies::name, jobs::title, representations::started_at))
        .load(conn)?;
    out.extend(reps.into_iter().map(|(by, role, since)| ConflictDetail { by, role, since }));
    let outside: Vec<(Option<String>, NaiveDate)> = outside_submissions::table
        .inner_join(contractor_profiles::table.inner_join(users::table))
        .filter(users::email.eq(&consent.person_key))
        .filter(outside_submissions::client_domain.eq(domain))
        .filter(outside_submissions::submitted_on.gt((now - TimeDelta::days(OUTSIDE_DAYS)).date()))
        .select((outside_submissions::role_title, outside_submissions::submitted_on))
        .load(conn)?;
    out.extend(outside.into_iter().filter_map(|(role, on)| {
        Some(ConflictDetail {
            by: "You (another route)".into(),
            role: role.unwrap_or_default(),
            since: on.and_hms_opt(0, 0, 0)?,
        })
    }));
    Ok(out)
}

/// The contractor's view of `rows`: the agencies' names and which submissions were placed in one
/// statement each (not one per request); the other representations only for pending requests.
fn person_views(
    conn: &mut DbConnection,
    rows: Vec<Consent>,
    now: NaiveDateTime,
) -> Result<Vec<PersonConsent>, AppError> {
    let agency_ids: Vec<i64> = rows.iter().map(|c| c.agency_id).collect();
    let names: HashMap<i64, String> = agencies::table
        .filter(agencies::id.eq_any(&agency_ids))
        .select((agencies::id, agencies::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let approved: Vec<i64> = rows.iter().filter(|c| c.state(&now) == "approved").map(|c| c.submission_id).collect();
    let placed: Vec<i64> = if approved.is_empty() {
        Vec::new()
    } else {
        submissions::table
            .inner_join(pipeline_stages::table)
            .filter(submissions::id.eq_any(&approved))
            .filter(pipeline_stages::category.eq("placed"))
            .select(submissions::id)
            .load(conn)?
    };
    rows.into_iter()
        .map(|consent| {
            let state = consent.state(&now).to_string();
            let conflicts = if state == "pending" { conflicts_for(conn, &consent, now)? } else { Vec::new() };
            let placed = state == "approved" && placed.contains(&consent.submission_id);
            let agency_name = names.get(&consent.agency_id).cloned().unwrap_or_default();
            Ok(PersonConsent { state, consent, agency_name, conflicts, placed })
        })
        .collect()
}

fn person_view(conn: &mut DbConnection, consent: Consent, now: NaiveDateTime) -> Result<PersonConsent, AppError> {
    person_views(conn, vec![consent], now)?.pop().ok_or(AppError::NotFound)
}

/// Every consent request to the person with this email, newest first.
pub fn for_person(conn: &mut DbConnection, email: &str, now: NaiveDateTime) -> Result<Vec<PersonConsent>, AppError> {
    let rows: Vec<Consent> = consents::table
        .filter(consents::person_key.eq(email))
        .order(consents::id.desc())
        .limit(200)
        .select(Consent::as_select())
        .load(conn)?;
    person_views(conn, rows, now)
}

/// One consent request to this person; anyone else's answers `NotFound`.
pub fn find_for_person(
    conn: &mut DbConnection,
    email: &str,
    id: i64,
    now: NaiveDateTime,
) -> Result<PersonConsent, AppError> {
    let consent: Consent = consents::table
        .filter(consents::id.eq(id))
        .filter(consents::person_key.eq(email))
        .select(Consent::as_select())
        .first(conn)?;
    person_view(conn, consent, now)
}

/// The consent behind an emailed link (for people without an account).
pub fn open_by_token(conn: &mut DbConnection, secret: &str, now: NaiveDateTime) -> Result<PersonConsent, AppError> {
    if !token::is_well_formed(secret) {
        return Err(AppError::NotFound);
    }
    let consent: Consent = consents::table
        .filter(consents::token_hash.eq(token::hash(secret)))
        .select(Consent::as_select())
        .first(conn)?;
    person_view(conn, consent, now)
}

/// Approve or decline a request; withdraw an approval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// "Yes, put me forward."
    Approve,
    /// "No."
    Decline,
    /// "I approved, but do not put me forward for this role after all."
    Withdraw,
}

impl Decision {
    /// Reads the form's `decision`.
    pub fn parse(value: &str) -> Result<Self, AppError> {
        match value {
            "approve" => Ok(Self::Approve),
            "decline" => Ok(Self::Decline),
            "withdraw" => Ok(Self::Withdraw),
            _ => Err(AppError::invalid("decision", "Choose approve or decline.")),
        }
    }

    /// The consent status the decision leads to.
    fn status(self) -> &'static str {
        match self {
            Self::Approve => "approved",
            Self::Decline => "declined",
            Self::Withdraw => "withdrawn",
        }
    }
}

/// Who decides and from where (kept with the decision).
#[derive(Clone, Debug)]
pub struct Decider {
    /// The signed-in contractor, if any (an emailed link works without signing in).
    pub user_id: Option<i64>,
    pub ip: String,
    pub user_agent: String,
}

/// Records the contractor's decision on a pending, unexpired request (once), or the withdrawal
/// of an approval. Approving records a representation at the client; if another agency
/// represented them there, that one ends — the contractor chose. Declining closes nothing by
/// itself: the recruiter sees the answer. Withdrawing ends the representation, so the submission
/// cannot go (or go again) to the client until the contractor approves a new request; a placed
/// contractor cannot withdraw (the agency ends a placement).
pub fn decide(
    conn: &mut DbConnection,
    consent_id: i64,
    decision: Decision,
    decider: &Decider,
    now: NaiveDateTime,
) -> Result<Consent, AppError> {
    db::write(conn, |conn| {
        let consent = find_row(conn, consent_id)?;
        let scope = AgencyScope::of(consent.agency_id);
        let sub = submission::find(conn, scope, consent.submission_id)?;
        let current = stage::find(conn, scope, sub.stage_id)?;
        let (expected, refusal) = match (decision, consent.state(&now)) {
            (Decision::Withdraw, "approved") if current.category == "placed" => {
                return Err(AppError::invalid(
                    "decision",
                    "You were placed in this role, so consent cannot be withdrawn here: talk to the agency about ending the placement.",
                ));
            }
            (Decision::Withdraw, "approved") => ("approved", None),
            (Decision::Withdraw, "pending") => {
                ("approved", Some("You have not approved this request yet: decline it instead."))
            }
            (Decision::Withdraw, "withdrawn") => ("approved", Some("You already withdrew your consent for this role.")),
            (Decision::Withdraw, _) => {
                ("approved", Some("This consent has already ended: there is nothing to withdraw."))
            }
            (_, "pending") => ("pending", None),
            (_, "expired") => ("pending", Some("This request has expired. The agency can send you a new one.")),
            (_, _) => ("pending", Some("You already answered this request.")),
        };
        if let Some(refusal) = refusal {
            return Err(AppError::invalid("decision", refusal));
        }
        // Only the person asked is recorded as the decider (a staff member who opens the link
        // while signed in is not).
        let decided_by = match decider.user_id {
            Some(id) => users::table
                .find(id)
                .filter(users::email.eq(&consent.person_key))
                .select(users::id)
                .first::<i64>(conn)
                .optional()?,
            None => None,
        };
        let unchanged = consents::table.filter(consents::id.eq(consent.id)).filter(consents::status.eq(expected));
        let updated = if decision == Decision::Withdraw {
            diesel::update(unchanged)
                .set((consents::status.eq(decision.status()), consents::withdrawn_at.eq(Some(now))))
                .execute(conn)?
        } else {
            let valid_until =
                (decision == Decision::Approve).then(|| now + TimeDelta::days(i64::from(consent.exclusivity_days)));
            diesel::update(unchanged)
                .set((
                    consents::status.eq(decision.status()),
                    consents::decided_at.eq(Some(now)),
                    consents::decided_by.eq(decided_by),
                    consents::decision_ip.eq(Some(&decider.ip)),
                    consents::decision_user_agent.eq(Some(decider.user_agent.chars().take(300).collect::<String>())),
                    consents::valid_until.eq(valid_until),
                ))
                .execute(conn)?
        };
        if updated != 1 {
            return Err(AppError::invalid("decision", "You already answered this request."));
        }
        match decision {
            Decision::Approve => {
                let approved = find_row(conn, consent.id)?;
                represent(conn, &approved, now)?;
            }
            Decision::Withdraw => {
                end_representations(conn, sub.id, "the contractor withdrew consent", now)?;
            }
            Decision::Decline => {}
        }
        let (job, client) = (&consent.job_title, &consent.client_shown);
        let (kind, action, verb, body) = match decision {
            Decision::Approve => {
                ("consent_approved", "consent.approved", "approved", format!("Consent approved for {job} at {client}"))
            }
            Decision::Decline => {
                ("consent_declined", "consent.declined", "declined", format!("Consent declined for {job} at {client}"))
            }
            Decision::Withdraw => (
                "consent_withdrawn",
                "consent.withdrawn",
                "withdrew consent to",
                format!("Consent withdrawn for {job} at {client}: do not put them forward for this role"),
            ),
        };
        let actor = Actor {
            user_id: decided_by,
            agency_id: None,
            ip: decider.ip.clone(),
            user_agent: decider.user_agent.clone(),
        };
        submission::record_event(conn, &sub, NewEvent::new(kind, &body, true), &current, &actor, now)?;
        notification::consent_decided(conn, &sub, verb, &body, now)?;
        let agency_actor = Actor { agency_id: Some(consent.agency_id), ..actor };
        audit::record(conn, &agency_actor, Event::on(action, "consent", consent.id, body), now)?;
        find_row(conn, consent.id)
    })
}

/// Records the representation an approval (`consent`, just approved) starts at the client.
fn represent(conn: &mut DbConnection, consent: &Consent, now: NaiveDateTime) -> Result<(), AppError> {
    let (Some(domain), Some(until)) = (&consent.client_domain, consent.valid_until) else { return Ok(()) };
    // Representations past their exclusivity no longer count.
    diesel::update(
        representations::table
            .filter(representations::person_key.eq(&consent.person_key))
            .filter(representations::client_domain.eq(domain))
            .filter(representations::ended_at.is_null())
            .filter(representations::ends_at.le(now)),
    )
    .set((representations::ended_at.eq(Some(now)), representations::ended_reason.eq(Some("exclusivity lapsed"))))
    .execute(conn)?;
    // The contractor chose this agency: any other active representation there ends.
    diesel::update(
        representations::table
            .filter(representations::person_key.eq(&consent.person_key))
            .filter(representations::client_domain.eq(domain))
            .filter(representations::ended_at.is_null()),
    )
    .set((
        representations::ended_at.eq(Some(now)),
        representations::ended_reason.eq(Some("the contractor chose another agency")),
    ))
    .execute(conn)?;
    // The unique index allows one active row per person and client: a racing approval for the
    // same person and client fails here and rolls back.
    let inserted = diesel::insert_into(representations::table)
        .values((
            representations::person_key.eq(&consent.person_key),
            representations::client_domain.eq(domain),
            representations::agency_id.eq(consent.agency_id),
            representations::submission_id.eq(consent.submission_id),
            representations::consent_id.eq(consent.id),
            representations::started_at.eq(now),
            representations::ends_at.eq(until),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if db::is_unique_violation(&e) => Err(AppError::invalid(
            "decision",
            "Another decision for this company was recorded at the same moment. Reload the page and try again.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// The id of the consent behind an emailed link.
pub fn id_for_token(conn: &mut DbConnection, secret: &str) -> Result<i64, AppError> {
    if !token::is_well_formed(secret) {
        return Err(AppError::NotFound);
    }
    Ok(consents::table.filter(consents::token_hash.eq(token::hash(secret))).select(consents::id).first(conn)?)
}

/// The contractor record's name for a consent (for pages).
pub fn contractor_name(conn: &mut DbConnection, consent: &Consent) -> Result<String, AppError> {
    Ok(agency_contractors::table.find(consent.contractor_id).select(agency_contractors::name).first(conn)?)
}
