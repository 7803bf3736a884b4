//! The agency's record of a contractor: details, availability, rate floor, skills, owner, tags and
//! private notes. (A contractor's own profile, kept by the contractor, comes with the portal.)

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::{agency_contractor_skills, agency_contractors, skills, users};
use crate::db::{self, DbConnection, search};
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::audit::{self, Actor, Event};
use crate::models::conflict::{self, FieldChange, Saved};
use crate::models::hotlist::HotlistChoice;
use crate::models::money;
use crate::models::skill::{self, Skill};
use crate::models::validation::{self, FieldErrors, MAX_NAME};

/// Availability choices: (stored, shown).
pub const AVAILABILITY: &[(&str, &str)] = &[
    ("now", "Available now"),
    ("from_date", "Available from a date"),
    ("on_contract", "On contract until a date"),
    ("not_looking", "Not looking"),
];

/// Remote-work preferences: (stored, shown).
pub const REMOTE: &[(&str, &str)] =
    &[("any", "Open to anything"), ("remote", "Remote only"), ("hybrid", "Hybrid"), ("onsite", "On site")];

/// How likely a running contract is to be extended: (stored, shown).
pub const EXTENSION: &[(&str, &str)] =
    &[("unlikely", "Extension unlikely"), ("possible", "Extension possible"), ("likely", "Extension likely")];

/// `available_on` for someone available now (sorts first).
pub fn available_now_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1, 1, 1).expect("a valid date")
}

/// `available_on` for someone not looking (never matches "available by").
pub fn not_looking_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).expect("a valid date")
}

/// Longest free texts.
const MAX_TEXT: usize = 20_000;
const MAX_SHORT: usize = 200;
const MAX_TAGS: usize = 20;
const MAX_TAG: usize = 40;
const MAX_LINKS: usize = 10;

/// An agency contractor record.
#[derive(Clone, Debug, Queryable, QueryableByName, Selectable, Identifiable)]
#[diesel(table_name = agency_contractors)]
pub struct Contractor {
    pub id: i64,
    pub agency_id: i64,
    pub owner_id: Option<i64>,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub phone_key: Option<String>,
    pub headline: Option<String>,
    pub summary: Option<String>,
    pub location: Option<String>,
    pub location_key: Option<String>,
    pub remote: String,
    pub availability: String,
    pub available_from: Option<NaiveDate>,
    pub contract_ends_on: Option<NaiveDate>,
    pub extension_likelihood: Option<String>,
    pub notice_days: Option<i32>,
    pub available_on: NaiveDate,
    pub availability_confirmed_at: Option<NaiveDateTime>,
    /// Who confirmed it: `contractor` or `agency`.
    pub availability_confirmed_by: Option<String>,
    pub rate_floor_minor: Option<i64>,
    pub rate_currency: Option<String>,
    pub rate_unit: Option<String>,
    pub rate_hourly_minor: Option<i64>,
    pub linkedin_url: Option<String>,
    pub links: Option<String>,
    pub source: Option<String>,
    pub tags: Option<String>,
    pub notes: Option<String>,
    pub archived_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The contractor's own profile, once they linked their account to this record.
    pub profile_id: Option<i64>,
    pub linked_at: Option<NaiveDateTime>,
    /// What the agency typed before the link (JSON), restored if the contractor deletes their account.
    pub agency_typed: Option<String>,
    /// The contractor keeps their rate floor private: only whether an offer meets it is known.
    pub rate_private: bool,
    /// "Offer or final round elsewhere, decision by" this date.
    pub competing_offer_until: Option<NaiveDate>,
    /// When the contractor stopped sharing their profile with this agency.
    pub unlinked_at: Option<NaiveDateTime>,
}

fn label(choices: &[(&'static str, &'static str)], stored: &str) -> &'static str {
    choices.iter().find(|(s, _)| *s == stored).map_or("", |(_, shown)| shown)
}

impl Contractor {
    /// "Available now", "Available from 3 Jan 2027", "On contract until 31 Mar 2027", "Not looking".
    pub fn availability_text(&self) -> String {
        match (self.availability.as_str(), self.available_from, self.contract_ends_on) {
            ("from_date", Some(date), _) => format!("Available from {}", date.format("%-d %b %Y")),
            ("on_contract", _, Some(date)) => format!("On contract until {}", date.format("%-d %b %Y")),
            (stored, _, _) => label(AVAILABILITY, stored).to_string(),
        }
    }

    /// The remote preference, for people.
    pub fn remote_text(&self) -> &'static str {
        label(REMOTE, &self.remote)
    }

    /// The extension likelihood, for people.
    pub fn extension_text(&self) -> &'static str {
        self.extension_likelihood.as_deref().map_or("", |e| label(EXTENSION, e))
    }

    /// The rate floor, e.g. "EUR 85/hour" (`None` when unknown or kept private).
    pub fn rate_text(&self) -> Option<String> {
        Some(money::format_rate(self.rate_floor_minor?, self.rate_currency.as_deref()?, self.rate_unit.as_deref()?))
    }

    /// The competing-offer decision date, if it is still ahead (or today).
    pub fn competing_offer(&self, today: &NaiveDate) -> Option<NaiveDate> {
        self.competing_offer_until.filter(|d| d >= today)
    }

    /// The tags, in order.
    pub fn tag_list(&self) -> Vec<&str> {
        self.tags.as_deref().map(|t| t.split(',').filter(|t| !t.is_empty()).collect()).unwrap_or_default()
    }

    /// Other links (one per line, each http or https).
    pub fn link_list(&self) -> Vec<&str> {
        self.links.as_deref().map(|l| l.lines().filter(|l| !l.trim().is_empty()).collect()).unwrap_or_default()
    }

    /// True when the contractor keeps this record's details themselves (a linked account).
    pub fn is_linked(&self) -> bool {
        self.profile_id.is_some()
    }

    /// True when archived.
    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }

    /// Whole days since availability was last confirmed, if ever.
    pub fn confirmed_days_ago(&self, now: &NaiveDateTime) -> Option<i64> {
        self.availability_confirmed_at.map(|at| (*now - at).num_days().max(0))
    }

    /// "fresh" (≤ 14 days), "aging" (amber, 15–30 days) or "stale" (grey, over 30 days or never).
    pub fn freshness(&self, now: &NaiveDateTime) -> &'static str {
        match self.confirmed_days_ago(now) {
            Some(days) if days <= 14 => "fresh",
            Some(days) if days <= 30 => "aging",
            _ => "stale",
        }
    }

    /// "confirmed today", "confirmed 3 days ago", "never confirmed".
    pub fn confirmed_text(&self, now: &NaiveDateTime) -> String {
        let when = match self.confirmed_days_ago(now) {
            None => return "never confirmed".into(),
            Some(0) => "confirmed today".to_string(),
            Some(1) => "confirmed yesterday".to_string(),
            Some(days) => format!("confirmed {days} days ago"),
        };
        match self.availability_confirmed_by.as_deref() {
            Some(CONFIRMED_BY_CONTRACTOR) => format!("{when} by the contractor"),
            _ => when,
        }
    }
}

/// `availability_confirmed_by` when the contractor confirmed (their portal, the reminder email).
pub const CONFIRMED_BY_CONTRACTOR: &str = "contractor";
/// `availability_confirmed_by` when the agency did (a recruiter who spoke with them, an edit, a
/// placement).
pub const CONFIRMED_BY_AGENCY: &str = "agency";

/// The contractor form, as submitted (every field a string so it can be shown back).
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContractorInput {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub headline: String,
    pub summary: String,
    pub skills: String,
    pub location: String,
    pub remote: String,
    pub availability: String,
    pub available_from: String,
    pub contract_ends_on: String,
    pub extension_likelihood: String,
    pub notice_days: String,
    pub rate_floor: String,
    pub rate_currency: String,
    pub rate_unit: String,
    pub linkedin_url: String,
    pub links: String,
    pub source: String,
    pub owner_id: String,
    pub tags: String,
    pub notes: String,
    pub version: String,
    /// A new record's form only: see [`crate::models::idempotency`] (never part of a snapshot).
    #[serde(skip_serializing)]
    pub idempotency_key: String,
}

/// A checked contractor form.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidContractor {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub phone_key: Option<String>,
    pub headline: Option<String>,
    pub summary: Option<String>,
    pub skills: Vec<(String, String)>,
    pub location: Option<String>,
    pub remote: &'static str,
    pub availability: &'static str,
    pub available_from: Option<NaiveDate>,
    pub contract_ends_on: Option<NaiveDate>,
    pub extension_likelihood: Option<&'static str>,
    pub notice_days: Option<i32>,
    pub rate_floor_minor: Option<i64>,
    pub rate_currency: Option<String>,
    pub rate_unit: Option<&'static str>,
    pub linkedin_url: Option<String>,
    pub links: Option<String>,
    pub source: Option<String>,
    pub owner_id: Option<i64>,
    pub tags: Option<String>,
    pub notes: Option<String>,
}

impl ValidContractor {
    /// The first day they can start, for the "available by" filter and the sort.
    pub fn available_on(&self) -> NaiveDate {
        Availability {
            availability: self.availability,
            available_from: self.available_from,
            contract_ends_on: self.contract_ends_on,
            extension_likelihood: self.extension_likelihood,
            notice_days: self.notice_days,
        }
        .available_on()
    }

    /// The rate floor per hour in minor units (a day is 8 hours).
    pub fn rate_hourly_minor(&self) -> Option<i64> {
        Some(money::hourly(self.rate_floor_minor?, self.rate_unit?))
    }

    fn location_key(&self) -> Option<String> {
        self.location.as_ref().map(|l| l.to_lowercase())
    }
}

/// Digits of a phone number (with a leading + kept), for duplicate detection; `None` if too short.
pub fn phone_key(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 6 {
        return None;
    }
    // "0044 20…" and "+44 20…" are the same number.
    let digits = digits.strip_prefix("00").map(str::to_string).unwrap_or(digits);
    Some(digits)
}

/// Normalised tags: lower case, trimmed, unique, comma-joined.
fn parse_tags(errors: &mut FieldErrors, raw: &str) -> Option<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw.split(',') {
        let tag = tag.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        if tag.is_empty() || tags.contains(&tag) {
            continue;
        }
        if tag.chars().count() > MAX_TAG {
            errors.add("tags", format!("Each tag can have at most {MAX_TAG} characters."));
            return None;
        }
        tags.push(tag);
    }
    if tags.len() > MAX_TAGS {
        errors.add("tags", format!("At most {MAX_TAGS} tags."));
        return None;
    }
    (!tags.is_empty()).then(|| tags.join(","))
}

/// Checks "other links": one http(s) address per line, at most ten.
pub fn check_links(errors: &mut FieldErrors, raw: &str) -> Option<String> {
    let mut links = Vec::new();
    for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut one = FieldErrors::default();
        match validation::optional_url(&mut one, "links", "Each link", line) {
            Some(url) if one.is_empty() => links.push(url),
            _ => {
                errors.add(
                    "links",
                    format!(
                        "\"{}\" is not a web address starting with https://.",
                        line.chars().take(60).collect::<String>()
                    ),
                );
                return None;
            }
        }
    }
    if links.len() > MAX_LINKS {
        errors.add("links", format!("At most {MAX_LINKS} links."));
        return None;
    }
    (!links.is_empty()).then(|| links.join("\n"))
}

/// The availability fields of a form, as submitted.
#[derive(Clone, Copy, Debug)]
pub struct AvailabilityFields<'a> {
    pub availability: &'a str,
    pub available_from: &'a str,
    pub contract_ends_on: &'a str,
    pub extension_likelihood: &'a str,
    pub notice_days: &'a str,
}

/// Checked availability: a status, the date that status needs, and the notice period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Availability {
    pub availability: &'static str,
    pub available_from: Option<NaiveDate>,
    pub contract_ends_on: Option<NaiveDate>,
    pub extension_likelihood: Option<&'static str>,
    pub notice_days: Option<i32>,
}

impl Availability {
    /// The first day they can start ("available now" sorts first, "not looking" never matches).
    pub fn available_on(&self) -> NaiveDate {
        match self.availability {
            "from_date" => self.available_from.unwrap_or_else(available_now_date),
            "on_contract" => self.contract_ends_on.unwrap_or_else(not_looking_date),
            "not_looking" => not_looking_date(),
            _ => available_now_date(),
        }
    }
}

/// Checks availability: "from a date" needs the date, "on contract" needs the end date; dates
/// that do not apply to the chosen status are dropped.
pub fn check_availability(errors: &mut FieldErrors, fields: &AvailabilityFields<'_>) -> Availability {
    let availability = if fields.availability.trim().is_empty() {
        Some("now")
    } else {
        validation::optional_choice(errors, "availability", "Availability", fields.availability, AVAILABILITY)
    }
    .unwrap_or("now");
    let mut available_from =
        validation::optional_date(errors, "available_from", "Available from", fields.available_from);
    let mut contract_ends_on =
        validation::optional_date(errors, "contract_ends_on", "Contract end", fields.contract_ends_on);
    match availability {
        "from_date" if available_from.is_none() && !errors.has("available_from") => {
            errors.add("available_from", "Give the date they are available from.");
        }
        "on_contract" if contract_ends_on.is_none() && !errors.has("contract_ends_on") => {
            errors.add("contract_ends_on", "Give the date their contract ends.");
        }
        _ => {}
    }
    if availability != "from_date" {
        available_from = None;
    }
    if availability != "on_contract" {
        contract_ends_on = None;
    }
    let extension_likelihood = if availability == "on_contract" {
        validation::optional_choice(errors, "extension_likelihood", "Extension", fields.extension_likelihood, EXTENSION)
    } else {
        None
    };
    let notice_days = validation::optional_int(errors, "notice_days", "Notice period", fields.notice_days, 0, 365)
        .map(|n| i32::try_from(n).unwrap_or(0));
    Availability { availability, available_from, contract_ends_on, extension_likelihood, notice_days }
}

/// Checks a remote-work preference (blank means "open to anything").
pub fn check_remote(errors: &mut FieldErrors, remote: &str) -> &'static str {
    if remote.trim().is_empty() {
        Some("any")
    } else {
        validation::optional_choice(errors, "remote", "Remote preference", remote, REMOTE)
    }
    .unwrap_or("any")
}

/// A checked rate floor (all three parts or none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateFloor {
    pub minor: Option<i64>,
    pub currency: Option<String>,
    pub unit: Option<&'static str>,
}

impl RateFloor {
    /// Per hour in minor units (a day is 8 hours).
    pub fn hourly(&self) -> Option<i64> {
        Some(money::hourly(self.minor?, self.unit?))
    }
}

/// Checks a rate floor: an amount (blank for none), a currency (default EUR) and a unit
/// (default per hour).
pub fn check_rate(errors: &mut FieldErrors, amount: &str, currency: &str, unit: &str) -> RateFloor {
    let minor = match amount.trim() {
        "" => return RateFloor { minor: None, currency: None, unit: None },
        raw => match money::parse_amount(raw) {
            Ok(minor) => Some(minor),
            Err(why) => {
                errors.add("rate_floor", format!("Rate floor {why}."));
                None
            }
        },
    };
    let currency = match money::parse_currency(if currency.trim().is_empty() { "EUR" } else { currency }) {
        Ok(code) => Some(code),
        Err(why) => {
            errors.add("rate_currency", format!("Currency {why}."));
            None
        }
    };
    let unit = if unit.trim().is_empty() {
        Some("hour")
    } else {
        validation::optional_choice(errors, "rate_unit", "Rate unit", unit, money::RATE_UNITS)
    };
    RateFloor { minor, currency, unit }
}

impl ContractorInput {
    /// Checks every field, collecting every problem.
    pub fn validate(&self) -> Result<ValidContractor, AppError> {
        let mut errors = FieldErrors::default();
        let name = validation::required(&mut errors, "name", "Name", &self.name, MAX_NAME);
        let email = if self.email.trim().is_empty() {
            None
        } else {
            Some(validation::email(&mut errors, "email", &self.email))
        };
        let phone = validation::optional(&mut errors, "phone", "Phone", &self.phone, 40);
        if let Some(phone) = &phone
            && !phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))
        {
            errors.add("phone", "Phone may only contain digits, spaces and + - ( ) .");
        }
        let phone_key = phone.as_deref().and_then(phone_key);
        let headline = validation::optional(&mut errors, "headline", "Headline", &self.headline, MAX_SHORT);
        let summary = validation::optional(&mut errors, "summary", "Summary", &self.summary, MAX_TEXT);
        let skills = skill::parse_list(&self.skills).unwrap_or_else(|message| {
            errors.add("skills", message);
            Vec::new()
        });
        let location = validation::optional(&mut errors, "location", "Location", &self.location, MAX_SHORT);
        let remote = check_remote(&mut errors, &self.remote);
        let when = check_availability(
            &mut errors,
            &AvailabilityFields {
                availability: &self.availability,
                available_from: &self.available_from,
                contract_ends_on: &self.contract_ends_on,
                extension_likelihood: &self.extension_likelihood,
                notice_days: &self.notice_days,
            },
        );
        let rate = check_rate(&mut errors, &self.rate_floor, &self.rate_currency, &self.rate_unit);
        let linkedin_url = validation::optional_url(&mut errors, "linkedin_url", "LinkedIn", &self.linkedin_url);
        let links = check_links(&mut errors, &self.links);
        let source = validation::optional(&mut errors, "source", "Source", &self.source, MAX_SHORT);
        let owner_id = match self.owner_id.trim() {
            "" => None,
            raw => match raw.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.add("owner_id", "Choose someone from your team.");
                    None
                }
            },
        };
        let tags = parse_tags(&mut errors, &self.tags);
        let notes = validation::optional(&mut errors, "notes", "Notes", &self.notes, MAX_TEXT);
        errors.finish(ValidContractor {
            name,
            email,
            phone,
            phone_key,
            headline,
            summary,
            skills,
            location,
            remote,
            availability: when.availability,
            available_from: when.available_from,
            contract_ends_on: when.contract_ends_on,
            extension_likelihood: when.extension_likelihood,
            notice_days: when.notice_days,
            rate_floor_minor: rate.minor,
            rate_currency: rate.currency,
            rate_unit: rate.unit,
            linkedin_url,
            links,
            source,
            owner_id,
            tags,
            notes,
        })
    }

    /// The form filled with a saved record (for editing).
    pub fn from_record(record: &Contractor, skills: &[String]) -> Self {
        Self {
            name: record.name.clone(),
            email: record.email.clone().unwrap_or_default(),
            phone: record.phone.clone().unwrap_or_default(),
            headline: record.headline.clone().unwrap_or_default(),
            summary: record.summary.clone().unwrap_or_default(),
            skills: skills.join(", "),
            location: record.location.clone().unwrap_or_default(),
            remote: record.remote.clone(),
            availability: record.availability.clone(),
            available_from: record.available_from.map(|d| d.to_string()).unwrap_or_default(),
            contract_ends_on: record.contract_ends_on.map(|d| d.to_string()).unwrap_or_default(),
            extension_likelihood: record.extension_likelihood.clone().unwrap_or_default(),
            notice_days: record.notice_days.map(|n| n.to_string()).unwrap_or_default(),
            rate_floor: record.rate_floor_minor.map(money::amount_for_input).unwrap_or_default(),
            rate_currency: record.rate_currency.clone().unwrap_or_default(),
            rate_unit: record.rate_unit.clone().unwrap_or_default(),
            linkedin_url: record.linkedin_url.clone().unwrap_or_default(),
            links: record.links.clone().unwrap_or_default(),
            source: record.source.clone().unwrap_or_default(),
            owner_id: record.owner_id.map(|id| id.to_string()).unwrap_or_default(),
            tags: record.tags.as_deref().unwrap_or_default().replace(',', ", "),
            notes: record.notes.clone().unwrap_or_default(),
            version: record.version.to_string(),
            idempotency_key: String::new(),
        }
    }
}

/// The fields an agency keeps for itself on a record the contractor keeps (linked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgencyPart {
    pub owner_id: Option<i64>,
    pub source: Option<String>,
    pub tags: Option<String>,
    pub notes: Option<String>,
}

impl ContractorInput {
    /// Checks only the agency's own fields (owner, source, tags, notes); everything else on a
    /// linked record is the contractor's and is ignored.
    pub fn validate_agency_part(&self) -> Result<AgencyPart, AppError> {
        let mut errors = FieldErrors::default();
        let source = validation::optional(&mut errors, "source", "Source", &self.source, MAX_SHORT);
        let owner_id = match self.owner_id.trim() {
            "" => None,
            raw => match raw.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.add("owner_id", "Choose someone from your team.");
                    None
                }
            },
        };
        let tags = parse_tags(&mut errors, &self.tags);
        let notes = validation::optional(&mut errors, "notes", "Notes", &self.notes, MAX_TEXT);
        errors.finish(AgencyPart { owner_id, source, tags, notes })
    }
}

/// Saves the agency's own fields of a record the contractor keeps, from `version`.
pub fn update_agency_part(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    version: i32,
    part: &AgencyPart,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Saved<Contractor>, AppError> {
    db::write(conn, |conn| {
        let current = find(conn, scope, id)?;
        if current.version != version {
            return Ok(Saved::Stale(current));
        }
        check_owner(conn, scope, part.owner_id)?;
        diesel::update(
            agency_contractors::table
                .filter(agency_contractors::id.eq(id))
                .filter(agency_contractors::agency_id.eq(scope.agency_id()))
                .filter(agency_contractors::version.eq(version)),
        )
        .set((
            agency_contractors::owner_id.eq(part.owner_id),
            agency_contractors::source.eq(&part.source),
            agency_contractors::tags.eq(&part.tags),
            agency_contractors::notes.eq(&part.notes),
            agency_contractors::updated_at.eq(now),
            agency_contractors::version.eq(version + 1),
        ))
        .execute(conn)?;
        let record = find(conn, scope, id)?;
        reindex(conn, &record)?;
        audit::record(conn, actor, Event::on("contractor.updated", "contractor", id, record.name.clone()), now)?;
        Ok(Saved::Done(record))
    })
}

/// What differs between a stale form and the saved record, for the agency's own fields.
pub fn agency_part_differences(submitted: &AgencyPart, saved: &Contractor) -> Vec<FieldChange> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    conflict::changes(vec![
        (
            "Owner",
            submitted.owner_id.map(|i| i.to_string()).unwrap_or_default(),
            saved.owner_id.map(|i| i.to_string()).unwrap_or_default(),
        ),
        ("Source", opt(&submitted.source), opt(&saved.source)),
        ("Tags", opt(&submitted.tags), opt(&saved.tags)),
        ("Notes", opt(&submitted.notes), opt(&saved.notes)),
    ])
}

/// Why a new or edited record was refused as a duplicate: the existing record to open instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duplicate {
    pub id: i64,
    pub name: String,
    pub matched_on: &'static str,
    pub archived: bool,
}

/// The existing record in the agency with the same email or phone, if any (other than `except`).
pub fn find_duplicate(
    conn: &mut DbConnection,
    scope: AgencyScope,
    email: Option<&str>,
    phone_key: Option<&str>,
    except: Option<i64>,
) -> Result<Option<Duplicate>, AppError> {
    let mut found = None;
    for (matched_on, value) in [("email", email), ("phone", phone_key)] {
        let Some(value) = value else { continue };
        let mut query = agency_contractors::table
            .filter(agency_contractors::agency_id.eq(scope.agency_id()))
            .select((agency_contractors::id, agency_contractors::name, agency_contractors::archived_at))
            .order(agency_contractors::id.asc())
            .into_boxed();
        query = if matched_on == "email" {
            query.filter(agency_contractors::email.eq(value))
        } else {
            query.filter(agency_contractors::phone_key.eq(value))
        };
        if let Some(except) = except {
            query = query.filter(agency_contractors::id.ne(except));
        }
        if let Some((id, name, archived_at)) = query.first::<(i64, String, Option<NaiveDateTime>)>(conn).optional()? {
            found = Some(Duplicate { id, name, matched_on, archived: archived_at.is_some() });
            break;
        }
    }
    Ok(found)
}

/// A record refused because it repeats another: the form shows the existing one.
#[derive(Debug)]
pub enum CreateOutcome {
    /// Created.
    Created(Box<Contractor>),
    /// Not created: this record already has that email or phone.
    Duplicate(Duplicate),
}

fn check_owner(conn: &mut DbConnection, scope: AgencyScope, owner_id: Option<i64>) -> Result<(), AppError> {
    let Some(owner_id) = owner_id else { return Ok(()) };
    let member: Option<i64> = users::table
        .filter(users::id.eq(owner_id))
        .filter(users::agency_id.eq(scope.agency_id()))
        .select(users::id)
        .first(conn)
        .optional()?;
    if member.is_none() {
        return Err(AppError::invalid("owner_id", "Choose someone from your team."));
    }
    Ok(())
}

/// Creates a record unless the agency already has one with that email or phone.
pub fn create(
    conn: &mut DbConnection,
    scope: AgencyScope,
    input: &ValidContractor,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<CreateOutcome, AppError> {
    db::write(conn, |conn| {
        if let Some(duplicate) = find_duplicate(conn, scope, input.email.as_deref(), input.phone_key.as_deref(), None)?
        {
            return Ok(CreateOutcome::Duplicate(duplicate));
        }
        check_owner(conn, scope, input.owner_id)?;
        let id: i64 = diesel::insert_into(agency_contractors::table)
            .values((
                agency_contractors::agency_id.eq(scope.agency_id()),
                agency_contractors::version.eq(1),
                agency_contractors::created_by.eq(actor.user_id),
                agency_contractors::created_at.eq(now),
                agency_contractors::availability_confirmed_at.eq(Some(now)),
                agency_contractors::availability_confirmed_by.eq(Some(CONFIRMED_BY_AGENCY)),
                values(input, now),
            ))
            .returning(agency_contractors::id)
            .get_result(conn)?;
        set_skills(conn, id, &input.skills, now)?;
        let record = find(conn, scope, id)?;
        reindex(conn, &record)?;
        audit::record(conn, actor, Event::on("contractor.created", "contractor", id, record.name.clone()), now)?;
        Ok(CreateOutcome::Created(Box::new(record)))
    })
}

type Values<'a> = (
    diesel::dsl::Eq<agency_contractors::owner_id, Option<i64>>,
    diesel::dsl::Eq<agency_contractors::name, &'a str>,
    diesel::dsl::Eq<agency_contractors::email, Option<&'a str>>,
    diesel::dsl::Eq<agency_contractors::phone, Option<&'a str>>,
    diesel::dsl::Eq<agency_contractors::phone_key, Option<&'a str>>,
    diesel::dsl::Eq<agency_contractors::headline, Option<&'a str>>,
    diesel::dsl::Eq<agency_contractors::summary, Option<&'a str>>,
    diesel::dsl::Eq<agency_contractors::location, Option<&'a str>>,
    diesel::dsl::Eq<agency_contractors::location_key, Option<String>>,
    diesel::dsl::Eq<agency_contractors::remote, &'a str>,
    diesel::dsl::Eq<agency_contractors::availability, &'a str>,
    diesel::dsl::Eq<agency_contractors::available_from, Option<NaiveDate>>,
    diesel::dsl::Eq<agency_contractors::contract_ends_on, Option<NaiveDate>>,
    diesel::dsl::Eq<agency_contractors::extension_likelihood, Option<&'a str>>,
    diesel::dsl::Eq<agency_contractors::notice_days, Option<i32>>,
    diesel::dsl::Eq<agency_contractors::available_on, NaiveDate>,
    (
        diesel::dsl::Eq<agency_contractors::rate_floor_minor, Option<i64>>,
        diesel::dsl::Eq<agency_contractors::rate_currency, Option<&'a str>>,
        diesel::dsl::Eq<agency_contractors::rate_unit, Option<&'a str>>,
        diesel::dsl::Eq<agency_contractors::rate_hourly_minor, Option<i64>>,
        diesel::dsl::Eq<agency_contractors::linkedin_url, Option<&'a str>>,
        diesel::dsl::Eq<agency_contractors::links, Option<&'a str>>,
        diesel::dsl::Eq<agency_contractors::source, Option<&'a str>>,
        diesel::dsl::Eq<agency_contractors::tags, Option<&'a str>>,
        diesel::dsl::Eq<agency_contractors::notes, Option<&'a str>>,
        diesel::dsl::Eq<agency_contractors::updated_at, NaiveDateTime>,
    ),
);

/// The columns a form sets, shared by create and update.
fn values(input: &ValidContractor, now: NaiveDateTime) -> Values<'_> {
    use agency_contractors as c;
    (
        c::owner_id.eq(input.owner_id),
        c::name.eq(input.name.as_str()),
        c::email.eq(input.email.as_deref()),
        c::phone.eq(input.phone.as_deref()),
        c::phone_key.eq(input.phone_key.as_deref()),
        c::headline.eq(input.headline.as_deref()),
        c::summary.eq(input.summary.as_deref()),
        c::location.eq(input.location.as_deref()),
        c::location_key.eq(input.location_key()),
        c::remote.eq(input.remote),
        c::availability.eq(input.availability),
        c::available_from.eq(input.available_from),
        c::contract_ends_on.eq(input.contract_ends_on),
        c::extension_likelihood.eq(input.extension_likelihood),
        c::notice_days.eq(input.notice_days),
        c::available_on.eq(input.available_on()),
        (
            c::rate_floor_minor.eq(input.rate_floor_minor),
            c::rate_currency.eq(input.rate_currency.as_deref()),
            c::rate_unit.eq(input.rate_unit),
            c::rate_hourly_minor.eq(input.rate_hourly_minor()),
            c::linkedin_url.eq(input.linkedin_url.as_deref()),
            c::links.eq(input.links.as_deref()),
            c::source.eq(input.source.as_deref()),
            c::tags.eq(input.tags.as_deref()),
            c::notes.eq(input.notes.as_deref()),
            c::updated_at.eq(now),
        ),
    )
}

fn set_skills(
    conn: &mut DbConnection,
    id: i64,
    normalized: &[(String, String)],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::delete(agency_contractor_skills::table.filter(agency_contractor_skills::agency_contractor_id.eq(id)))
        .execute(conn)?;
    let resolved = Skill::resolve(conn, normalized, now)?;
    let rows: Vec<_> = resolved
        .iter()
        .map(|s| (agency_contractor_skills::agency_contractor_id.eq(id), agency_contractor_skills::skill_id.eq(s.id)))
        .collect();
    if !rows.is_empty() {
        // Multi-row INSERT differs between the backends, so it is written once per backend.
        match conn {
            DbConnection::Sqlite(c) => diesel::insert_into(agency_contractor_skills::table).values(&rows).execute(c)?,
            DbConnection::Postgresql(c) => {
                diesel::insert_into(agency_contractor_skills::table).values(&rows).execute(c)?
            }
        };
    }
    Ok(())
}

/// Sets a record's skills to exactly these skill ids.
pub fn replace_skill_ids(conn: &mut DbConnection, id: i64, skill_ids: &[i64]) -> Result<(), AppError> {
    diesel::delete(agency_contractor_skills::table.filter(agency_contractor_skills::agency_contractor_id.eq(id)))
        .execute(conn)?;
    for skill_id in skill_ids {
        diesel::insert_into(agency_contractor_skills::table)
            .values((
                agency_contractor_skills::agency_contractor_id.eq(id),
                agency_contractor_skills::skill_id.eq(skill_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// What the agency itself typed about a record, kept (as JSON) while a contractor's account is
/// linked to it.
pub fn typed_snapshot(record: &Contractor, skills: &[String]) -> String {
    serde_json::to_string(&ContractorInput::from_record(record, skills)).unwrap_or_default()
}

/// Puts back what the agency typed (from [`typed_snapshot`]) into the contractor-kept fields of a
/// record, keeping the agency's own owner, source, tags and notes as they are now.
pub fn restore_typed(
    conn: &mut DbConnection,
    record: &Contractor,
    snapshot: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let Ok(typed) = serde_json::from_str::<ContractorInput>(snapshot) else { return Ok(()) };
    let typed = ContractorInput {
        owner_id: record.owner_id.map(|id| id.to_string()).unwrap_or_default(),
        source: record.source.clone().unwrap_or_default(),
        tags: record.tags.clone().unwrap_or_default(),
        notes: record.notes.clone().unwrap_or_default(),
        ..typed
    };
    let Ok(valid) = typed.validate() else { return Ok(()) };
    diesel::update(agency_contractors::table.find(record.id))
        .set((
            values(&valid, now),
            agency_contractors::rate_private.eq(false),
            agency_contractors::competing_offer_until.eq(None::<NaiveDate>),
            agency_contractors::version.eq(record.version + 1),
        ))
        .execute(conn)?;
    set_skills(conn, record.id, &valid.skills, now)?;
    let restored = agency_contractors::table.find(record.id).select(Contractor::as_select()).first(conn)?;
    reindex(conn, &restored)
}

/// Rewrites the record's entry in the full-text index.
pub fn reindex(conn: &mut DbConnection, record: &Contractor) -> Result<(), AppError> {
    let skills = skill_names(conn, &[record.id])?.remove(&record.id).unwrap_or_default();
    search::index_contractor(
        conn,
        &search::Document {
            id: record.id,
            agency_id: record.agency_id,
            name: &record.name,
            headline: &[record.headline.as_deref().unwrap_or(""), record.location.as_deref().unwrap_or("")].join(" "),
            summary: record.summary.as_deref().unwrap_or(""),
            skills: &skills.join(" "),
            notes: &[record.notes.as_deref().unwrap_or(""), &record.tags.as_deref().unwrap_or("").replace(',', " ")]
                .join(" "),
        },
    )?;
    Ok(())
}

/// The record with this id in the scoped agency; another agency's answers `NotFound`.
pub fn find(conn: &mut DbConnection, scope: AgencyScope, id: i64) -> Result<Contractor, AppError> {
    Ok(agency_contractors::table
        .filter(agency_contractors::id.eq(id))
        .filter(agency_contractors::agency_id.eq(scope.agency_id()))
        .select(Contractor::as_select())
        .first(conn)?)
}

/// The records with these ids in the scoped agency (missing ones are skipped), in the given order.
pub fn find_many(conn: &mut DbConnection, scope: AgencyScope, ids: &[i64]) -> Result<Vec<Contractor>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<Contractor> = agency_contractors::table
        .filter(agency_contractors::agency_id.eq(scope.agency_id()))
        .filter(agency_contractors::id.eq_any(ids))
        .select(Contractor::as_select())
        .load(conn)?;
    let mut by_id: HashMap<i64, Contractor> = found.into_iter().map(|c| (c.id, c)).collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// Skill names of several records at once (one query), keyed by record id, sorted by name.
pub fn skill_names(conn: &mut DbConnection, ids: &[i64]) -> Result<HashMap<i64, Vec<String>>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String)> = agency_contractor_skills::table
        .inner_join(skills::table)
        .filter(agency_contractor_skills::agency_contractor_id.eq_any(ids))
        .order((agency_contractor_skills::agency_contractor_id.asc(), skills::name.asc()))
        .select((agency_contractor_skills::agency_contractor_id, skills::name))
        .load(conn)?;
    let mut by_id: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, name) in rows {
        by_id.entry(id).or_default().push(name);
    }
    Ok(by_id)
}

/// The fields a stale edit compares, as (label, value) for a record.
fn comparable(record_or_input: &ValidContractor) -> Vec<(&'static str, String)> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        ("Name", record_or_input.name.clone()),
        ("Email", opt(&record_or_input.email)),
        ("Phone", opt(&record_or_input.phone)),
        ("Headline", opt(&record_or_input.headline)),
        ("Skills", record_or_input.skills.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ")),
        ("Location", opt(&record_or_input.location)),
        ("Remote", label(REMOTE, record_or_input.remote).to_string()),
        ("Availability", label(AVAILABILITY, record_or_input.availability).to_string()),
        ("Available from", record_or_input.available_from.map(|d| d.to_string()).unwrap_or_default()),
        ("Contract end", record_or_input.contract_ends_on.map(|d| d.to_string()).unwrap_or_default()),
        ("Notice period (days)", record_or_input.notice_days.map(|d| d.to_string()).unwrap_or_default()),
        (
            "Rate floor",
            match (record_or_input.rate_floor_minor, &record_or_input.rate_currency, record_or_input.rate_unit) {
                (Some(minor), Some(currency), Some(unit)) => money::format_rate(minor, currency, unit),
                _ => String::new(),
            },
        ),
        ("LinkedIn", opt(&record_or_input.linkedin_url)),
        ("Other links", opt(&record_or_input.links)),
        ("Source", opt(&record_or_input.source)),
        ("Tags", opt(&record_or_input.tags)),
        ("Summary", opt(&record_or_input.summary)),
        ("Notes", opt(&record_or_input.notes)),
    ]
}

/// What differs between a stale form and the saved record.
pub fn differences(submitted: &ValidContractor, saved: &Contractor, saved_skills: &[String]) -> Vec<FieldChange> {
    let saved_input = ContractorInput::from_record(saved, saved_skills).validate();
    let Ok(saved_valid) = saved_input else { return Vec::new() };
    let yours = comparable(submitted);
    let theirs = comparable(&saved_valid);
    conflict::changes(yours.into_iter().zip(theirs).map(|((label, y), (_, s))| (label, y, s)).collect())
}

/// Saves an edit made from `version`; a newer saved version makes it `Stale` (nothing written).
pub fn update(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    version: i32,
    input: &ValidContractor,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Result<Saved<Contractor>, Duplicate>, AppError> {
    db::write(conn, |conn| {
        let current = find(conn, scope, id)?;
        if current.version != version {
            return Ok(Ok(Saved::Stale(current)));
        }
        if let Some(duplicate) =
            find_duplicate(conn, scope, input.email.as_deref(), input.phone_key.as_deref(), Some(id))?
        {
            return Ok(Err(duplicate));
        }
        check_owner(conn, scope, input.owner_id)?;
        let availability_changed = current.availability != input.availability
            || current.available_from != input.available_from
            || current.contract_ends_on != input.contract_ends_on;
        let updated = diesel::update(
            agency_contractors::table
                .filter(agency_contractors::id.eq(id))
                .filter(agency_contractors::agency_id.eq(scope.agency_id()))
                .filter(agency_contractors::version.eq(version)),
        )
        .set((values(input, now), agency_contractors::version.eq(version + 1)))
        .execute(conn)?;
        if updated != 1 {
            return Ok(Ok(Saved::Stale(find(conn, scope, id)?)));
        }
        if availability_changed {
            diesel::update(agency_contractors::table.find(id))
                .set((
                    agency_contractors::availability_confirmed_at.eq(Some(now)),
                    agency_contractors::availability_confirmed_by.eq(Some(CONFIRMED_BY_AGENCY)),
                ))
                .execute(conn)?;
        }
        set_skills(conn, id, &input.skills, now)?;
        let record = find(conn, scope, id)?;
        reindex(conn, &record)?;
        audit::record(conn, actor, Event::on("contractor.updated", "contractor", id, record.name.clone()), now)?;
        Ok(Ok(Saved::Done(record)))
    })
}

/// Archives or restores a record.
pub fn set_archived(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    archived: bool,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Contractor, AppError> {
    db::write(conn, |conn| {
        let current = find(conn, scope, id)?;
        diesel::update(agency_contractors::table.find(current.id))
            .set((
                agency_contractors::archived_at.eq(archived.then_some(now)),
                agency_contractors::updated_at.eq(now),
                agency_contractors::version.eq(current.version + 1),
            ))
            .execute(conn)?;
        let action = if archived { "contractor.archived" } else { "contractor.unarchived" };
        audit::record(conn, actor, Event::on(action, "contractor", id, current.name.clone()), now)?;
        find(conn, scope, id)
    })
}

/// Records that the recruiter confirmed the contractor's availability with them just now.
pub fn confirm_availability(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Contractor, AppError> {
    db::write(conn, |conn| {
        let current = find(conn, scope, id)?;
        diesel::update(agency_contractors::table.find(current.id))
            .set((
                agency_contractors::availability_confirmed_at.eq(Some(now)),
                agency_contractors::availability_confirmed_by.eq(Some(CONFIRMED_BY_AGENCY)),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            Event::on("contractor.availability_confirmed", "contractor", id, current.name.clone()),
            now,
        )?;
        find(conn, scope, id)
    })
}

/// The agency's enabled staff as (id, name), for owner choices.
pub fn team_choices(conn: &mut DbConnection, scope: AgencyScope) -> Result<Vec<(String, String)>, AppError> {
    let rows: Vec<(i64, String)> = users::table
        .filter(users::agency_id.eq(scope.agency_id()))
        .filter(users::disabled_at.is_null())
        .order(users::name.asc())
        .select((users::id, users::name))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, name)| (id.to_string(), name)).collect())
}

/// Active records whose name or email contains `wanted` (case-insensitive), for "put forward":
/// (id, name, headline), at most `limit`, by name.
pub fn candidates(
    conn: &mut DbConnection,
    scope: AgencyScope,
    wanted: &str,
    limit: i64,
) -> Result<Vec<(i64, String, Option<String>)>, AppError> {
    use crate::models::client::{contains_pattern, lower, lower_nullable};
    let pattern = contains_pattern(wanted);
    Ok(agency_contractors::table
        .filter(agency_contractors::agency_id.eq(scope.agency_id()))
        .filter(agency_contractors::archived_at.is_null())
        .filter(
            lower(agency_contractors::name).like(pattern.clone()).escape('\\').or(lower_nullable(
                agency_contractors::email,
            )
            .like(pattern)
            .escape('\\')),
        )
        .order(agency_contractors::name.asc())
        .limit(limit)
        .select((agency_contractors::id, agency_contractors::name, agency_contractors::headline))
        .load(conn)?)
}

/// A record as its page shows it, with the lists beside it, read in one statement.
#[derive(Clone, Debug)]
pub struct RecordWithLists {
    pub record: Contractor,
    /// Skill names, sorted.
    pub skills: Vec<String>,
    /// The agency's users by name: id, name, and whether they are active.
    pub team: Vec<(i64, String, bool)>,
    /// The agency's hotlists by name, each saying whether the record is on it.
    pub hotlists: Vec<HotlistChoice>,
    /// The skill vocabulary (`(key, name)`), read only when one of the record's CVs has text.
    pub vocabulary: Option<Vec<(String, String)>>,
}

#[derive(QueryableByName)]
struct RecordWithListsRow {
    #[diesel(embed)]
    hit: SearchHit,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    team_json: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    hotlists_json: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    vocabulary_json: Option<String>,
}

/// A JSON list read by [`find_with_lists`]; absent means empty.
fn json_list<T: serde::de::DeserializeOwned>(json: Option<&str>) -> Result<Vec<T>, AppError> {
    json.map_or(Ok(Vec::new()), |json| serde_json::from_str(json).map_err(AppError::internal))
}

/// A record with its skills, its agency's team and hotlists, and (when a CV has text) the skill
/// vocabulary: what the contractor page needs besides its timeline, tasks, submissions and
/// documents, in one statement.
pub fn find_with_lists(conn: &mut DbConnection, scope: AgencyScope, id: i64) -> Result<RecordWithLists, AppError> {
    let filters =
        search::Filters { agency_id: scope.agency_id(), include_archived: true, ..search::Filters::default() };
    let row: RecordWithListsRow = search::find_contractor_with_lists(conn, &filters, id)?.ok_or(AppError::NotFound)?;
    let skills = row.hit.skills().into_iter().map(str::to_string).collect();
    let team: Vec<(i64, String, i64)> = json_list(row.team_json.as_deref())?;
    let hotlists: Vec<(i64, String, i64, Option<String>)> = json_list(row.hotlists_json.as_deref())?;
    let vocabulary = match row.vocabulary_json.as_deref() {
        Some(json) => Some(json_list(Some(json))?),
        None => None,
    };
    Ok(RecordWithLists {
        record: row.hit.contractor,
        skills,
        team: team.into_iter().map(|(id, name, active)| (id, name, active != 0)).collect(),
        hotlists: hotlists
            .into_iter()
            .map(|(id, name, member, note)| HotlistChoice { id, name, member: member != 0, note })
            .collect(),
        vocabulary,
    })
}

/// A record with its skill names (sorted), in one statement.
pub fn find_with_skills(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
) -> Result<(Contractor, Vec<String>), AppError> {
    let filters =
        search::Filters { agency_id: scope.agency_id(), include_archived: true, ..search::Filters::default() };
    let hit: SearchHit = search::find_contractor(conn, &filters, id)?.ok_or(AppError::NotFound)?;
    let skills = hit.skills().into_iter().map(str::to_string).collect();
    Ok((hit.contractor, skills))
}

/// The search form (`GET /contractors`), as submitted. `skill` may repeat and each value may
/// hold several comma-separated skills.
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct SearchInput {
    pub q: String,
    pub skill: Vec<String>,
    pub available_by: String,
    pub max_rate: String,
    pub rate_unit: String,
    pub location: String,
    pub remote: String,
    pub tag: String,
    pub sort: String,
    pub archived: String,
    pub after: String,
    /// Searching candidates for this job (each result can be put forward for it).
    pub for_job: String,
}

/// Sort choices of the search page: (stored, shown).
pub const SORTS: &[(&str, &str)] = &[
    ("relevance", "Best match"),
    ("availability", "Soonest available"),
    ("rate", "Lowest rate"),
    ("updated", "Recently updated"),
    ("name", "Name"),
];

/// Ways of working a search can ask for: (stored, shown).
pub const REMOTE_FILTERS: &[(&str, &str)] =
    &[("remote", "Works remotely"), ("hybrid", "Works hybrid"), ("onsite", "Works on site")];

/// Most skills in one search.
pub const MAX_SEARCH_SKILLS: usize = 20;
/// Rows per page of search results.
pub const PAGE_SIZE: i64 = 50;

/// A checked search.
#[derive(Clone, Debug)]
pub struct Search {
    pub filters: search::Filters,
    pub sort: search::Sort,
    pub cursor: Option<search::Cursor>,
    /// The skills searched for, as shown.
    pub skill_names: Vec<String>,
}

impl SearchInput {
    /// The skills asked for, normalised, without repeats.
    fn skills(&self) -> Result<Vec<(String, String)>, String> {
        skill::parse_list_of_at_most(&self.skill.join(","), MAX_SEARCH_SKILLS)
    }

    /// True when any filter or words are given.
    pub fn is_filtered(&self) -> bool {
        !(self.q.trim().is_empty()
            && self.skill.iter().all(|s| s.trim().is_empty())
            && self.available_by.trim().is_empty()
            && self.max_rate.trim().is_empty()
            && self.location.trim().is_empty()
            && self.remote.trim().is_empty()
            && self.tag.trim().is_empty())
    }

    /// The skill field as typed back into the form.
    pub fn skill_text(&self) -> String {
        self.skill.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ")
    }

    /// Checks every parameter; problems are reported per field.
    pub fn validate(&self, scope: AgencyScope) -> Result<Search, AppError> {
        let mut errors = FieldErrors::default();
        if self.q.chars().count() > 500 {
            errors.add("q", "Search words are too long (at most 500 characters).");
        }
        let skills = match self.skills() {
            Ok(skills) => skills,
            Err(message) => {
                errors.add("skill", message);
                Vec::new()
            }
        };
        let available_by = validation::optional_date(&mut errors, "available_by", "Available by", &self.available_by);
        let unit = if self.rate_unit.trim().is_empty() {
            "hour"
        } else {
            validation::optional_choice(&mut errors, "rate_unit", "Rate unit", &self.rate_unit, money::RATE_UNITS)
                .unwrap_or("hour")
        };
        let max_hourly_minor = match self.max_rate.trim() {
            "" => None,
            raw => match money::parse_amount(raw) {
                Ok(minor) => Some(money::hourly(minor, unit)),
                Err(why) => {
                    errors.add("max_rate", format!("Maximum rate {why}."));
                    None
                }
            },
        };
        let location = validation::optional(&mut errors, "location", "Location", &self.location, MAX_SHORT)
            .map(|l| l.to_lowercase());
        let remote = validation::optional_choice(&mut errors, "remote", "Way of working", &self.remote, REMOTE_FILTERS);
        let tag = validation::optional(&mut errors, "tag", "Tag", &self.tag, MAX_TAG).map(|t| t.to_lowercase());
        let sort = match self.sort.as_str() {
            "" | "relevance" => search::Sort::Relevance,
            "availability" => search::Sort::Availability,
            "rate" => search::Sort::Rate,
            "updated" => search::Sort::Updated,
            "name" => search::Sort::Name,
            _ => {
                errors.add("sort", "Choose one of the listed orders.");
                search::Sort::Relevance
            }
        };
        let cursor = match self.after.trim() {
            "" => None,
            raw => match search::Cursor::decode(raw) {
                Some(cursor) => Some(cursor),
                None => {
                    errors.add("after", "This page link is broken; start again from the first page.");
                    None
                }
            },
        };
        let skill_names = skills.iter().map(|(_, name)| name.clone()).collect();
        errors.finish(Search {
            filters: search::Filters {
                agency_id: scope.agency_id(),
                terms: search::terms(&self.q),
                skill_keys: skills.into_iter().map(|(key, _)| key).collect(),
                available_by,
                max_hourly_minor,
                location,
                remote: remote.map(str::to_string),
                tag,
                include_archived: matches!(self.archived.as_str(), "1" | "on" | "true"),
            },
            sort,
            cursor,
            skill_names,
        })
    }
}

/// One search result: the record, its rank and its skills.
#[derive(Clone, Debug, QueryableByName)]
pub struct SearchHit {
    #[diesel(embed)]
    pub contractor: Contractor,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub name_key: String,
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub rank: f64,
    /// In a free-text search ranked by relevance: how many matched, counting at most one more
    /// than [`RANKED_AMONG`].
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    pub pool: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub skill_names: Option<String>,
}

impl SearchHit {
    /// The skills, in name order.
    pub fn skills(&self) -> Vec<&str> {
        self.skill_names.as_deref().map(|s| s.split(", ").collect()).unwrap_or_default()
    }
}

/// A page of search results.
#[derive(Clone, Debug)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// True when more match than this page shows. Matches are not counted: a count would walk
    /// every match (the whole agency for a broad search) where the page stops after 51 rows.
    pub more: bool,
    /// Where the next page starts, if there is one.
    pub next: Option<search::Cursor>,
    /// Set when a free-text search matched more records than it ranks: the results are the best
    /// of the [`RANKED_AMONG`] most recently added matches.
    pub ranked_among: Option<i64>,
}

/// How many matches a free-text search ranks by relevance: the most recently added ones. Ranking
/// a word held by a quarter of a large agency scores every holder; more words or a filter narrow
/// the matches instead. Exports rank every match.
pub const RANKED_AMONG: i64 = 1_000;

/// Runs a checked search: one statement for the page (with skills), which reads one row past the
/// page to know whether there is more.
pub fn search(conn: &mut DbConnection, query: &Search) -> Result<SearchResults, AppError> {
    let mut hits: Vec<SearchHit> = search::search_contractors(
        conn,
        &query.filters,
        query.sort,
        query.cursor.as_ref(),
        PAGE_SIZE + 1,
        Some(RANKED_AMONG),
    )?;
    let ranked_among = hits.first().and_then(|h| h.pool).filter(|n| *n > RANKED_AMONG).map(|_| RANKED_AMONG);
    let more = hits.len() as i64 > PAGE_SIZE;
    hits.truncate(PAGE_SIZE as usize);
    let effective = if query.sort == search::Sort::Relevance && query.filters.terms.is_empty() {
        search::Sort::Updated
    } else {
        query.sort
    };
    let next = more.then(|| hits.last()).flatten().map(|last| {
        let c = &last.contractor;
        match effective {
            search::Sort::Relevance => {
                let offset = match query.cursor {
                    Some(search::Cursor::Offset(n)) => n,
                    _ => 0,
                };
                search::Cursor::Offset(offset + PAGE_SIZE)
            }
            search::Sort::Availability => search::Cursor::Available(c.available_on, c.id),
            search::Sort::Rate => search::Cursor::Rate(c.rate_hourly_minor.unwrap_or(i64::MAX), c.id),
            search::Sort::Updated => search::Cursor::Updated(c.updated_at, c.id),
            search::Sort::Name => search::Cursor::Name(last.name_key.clone(), c.id),
        }
    });
    Ok(SearchResults { hits, more, next, ranked_among })
}
