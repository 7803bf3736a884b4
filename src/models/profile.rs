//! A contractor's own profile: kept by the contractor, once, for every agency they link to.
//! Linked agency records show the profile's values (read-only to the agency); the agency's own
//! notes, tags, owner and source stay the agency's.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{agencies, agency_contractors, contractor_profiles, profile_skills, skills, users};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::models::contractor::{self, AvailabilityFields, Contractor};
use crate::models::money;
use crate::models::skill::{self, Skill};
use crate::models::validation::{self, FieldErrors, MAX_NAME};

/// Days between "still available?" reminders unless the contractor chooses otherwise.
pub const DEFAULT_REMINDER_DAYS: i32 = 30;

/// A contractor's profile.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = contractor_profiles)]
pub struct Profile {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub headline: Option<String>,
    pub summary: Option<String>,
    pub location: Option<String>,
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
    pub rate_visible: bool,
    pub linkedin_url: Option<String>,
    pub links: Option<String>,
    pub competing_offer_until: Option<NaiveDate>,
    pub reminders_enabled: bool,
    pub reminder_days: i32,
    pub reminder_sent_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

fn label(choices: &[(&'static str, &'static str)], stored: &str) -> &'static str {
    choices.iter().find(|(s, _)| *s == stored).map_or("", |(_, shown)| shown)
}

impl Profile {
    /// "Available now", "Available from 3 Jan 2027", …
    pub fn availability_text(&self) -> String {
        match (self.availability.as_str(), self.available_from, self.contract_ends_on) {
            ("from_date", Some(date), _) => format!("Available from {}", date.format("%-d %b %Y")),
            ("on_contract", _, Some(date)) => format!("On contract until {}", date.format("%-d %b %Y")),
            (stored, _, _) => label(contractor::AVAILABILITY, stored).to_string(),
        }
    }

    /// The rate floor, e.g. "EUR 85/hour".
    pub fn rate_text(&self) -> Option<String> {
        Some(money::format_rate(self.rate_floor_minor?, self.rate_currency.as_deref()?, self.rate_unit.as_deref()?))
    }

    /// Whole days since the contractor last confirmed their availability.
    pub fn confirmed_days_ago(&self, now: &NaiveDateTime) -> Option<i64> {
        self.availability_confirmed_at.map(|at| (*now - at).num_days().max(0))
    }

    /// "confirmed today", "confirmed 3 days ago", "never confirmed".
    pub fn confirmed_text(&self, now: &NaiveDateTime) -> String {
        match self.confirmed_days_ago(now) {
            None => "never confirmed".into(),
            Some(0) => "confirmed today".into(),
            Some(1) => "confirmed yesterday".into(),
            Some(days) => format!("confirmed {days} days ago"),
        }
    }

    /// "fresh", "aging" or "stale", as recruiters see it.
    pub fn freshness(&self, now: &NaiveDateTime) -> &'static str {
        match self.confirmed_days_ago(now) {
            Some(days) if days <= 14 => "fresh",
            Some(days) if days <= 30 => "aging",
            _ => "stale",
        }
    }

    /// The competing-offer decision date, if it is still ahead (or today).
    pub fn competing_offer(&self, today: &NaiveDate) -> Option<NaiveDate> {
        self.competing_offer_until.filter(|d| d >= today)
    }
}

/// The profile of a contractor account.
pub fn find_for_user(conn: &mut DbConnection, user_id: i64) -> Result<Profile, AppError> {
    Ok(contractor_profiles::table
        .filter(contractor_profiles::user_id.eq(user_id))
        .select(Profile::as_select())
        .first(conn)?)
}

/// The profile's skill names, sorted.
pub fn skill_names(conn: &mut DbConnection, profile_id: i64) -> Result<Vec<String>, AppError> {
    Ok(profile_skills::table
        .inner_join(skills::table)
        .filter(profile_skills::profile_id.eq(profile_id))
        .order(skills::name.asc())
        .select(skills::name)
        .load(conn)?)
}

fn set_skills(
    conn: &mut DbConnection,
    profile_id: i64,
    normalized: &[(String, String)],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::delete(profile_skills::table.filter(profile_skills::profile_id.eq(profile_id))).execute(conn)?;
    for skill in Skill::resolve(conn, normalized, now)? {
        diesel::insert_into(profile_skills::table)
            .values((profile_skills::profile_id.eq(profile_id), profile_skills::skill_id.eq(skill.id)))
            .execute(conn)?;
    }
    Ok(())
}

/// Creates a profile for a new contractor account, starting from what an agency typed about them
/// (the contractor then keeps it). Availability starts confirmed: they just told us.
pub fn create_for_user(
    conn: &mut DbConnection,
    user_id: i64,
    name: &str,
    from: Option<(&Contractor, &[String])>,
    now: NaiveDateTime,
) -> Result<Profile, AppError> {
    let record = from.map(|(r, _)| r);
    let (availability, available_from, contract_ends_on, extension, notice, available_on) = match record {
        Some(r) => (
            r.availability.clone(),
            r.available_from,
            r.contract_ends_on,
            r.extension_likelihood.clone(),
            r.notice_days,
            r.available_on,
        ),
        None => ("now".to_string(), None, None, None, None, contractor::available_now_date()),
    };
    let id: i64 = diesel::insert_into(contractor_profiles::table)
        .values((
            contractor_profiles::user_id.eq(user_id),
            contractor_profiles::name.eq(name),
            contractor_profiles::phone.eq(record.and_then(|r| r.phone.clone())),
            contractor_profiles::headline.eq(record.and_then(|r| r.headline.clone())),
            contractor_profiles::summary.eq(record.and_then(|r| r.summary.clone())),
            contractor_profiles::location.eq(record.and_then(|r| r.location.clone())),
            contractor_profiles::remote.eq(record.map_or("any".to_string(), |r| r.remote.clone())),
            contractor_profiles::availability.eq(availability),
            contractor_profiles::available_from.eq(available_from),
            contractor_profiles::contract_ends_on.eq(contract_ends_on),
            contractor_profiles::extension_likelihood.eq(extension),
            contractor_profiles::notice_days.eq(notice),
            contractor_profiles::available_on.eq(available_on),
            contractor_profiles::availability_confirmed_at.eq(Some(now)),
            contractor_profiles::availability_confirmed_by.eq(Some(contractor::CONFIRMED_BY_CONTRACTOR)),
            (
                contractor_profiles::rate_floor_minor.eq(record.and_then(|r| r.rate_floor_minor)),
                contractor_profiles::rate_currency.eq(record.and_then(|r| r.rate_currency.clone())),
                contractor_profiles::rate_unit.eq(record.and_then(|r| r.rate_unit.clone())),
                contractor_profiles::rate_visible.eq(true),
                contractor_profiles::linkedin_url.eq(record.and_then(|r| r.linkedin_url.clone())),
                contractor_profiles::links.eq(record.and_then(|r| r.links.clone())),
                contractor_profiles::reminders_enabled.eq(true),
                contractor_profiles::reminder_days.eq(DEFAULT_REMINDER_DAYS),
                contractor_profiles::version.eq(1),
                contractor_profiles::created_at.eq(now),
                contractor_profiles::updated_at.eq(now),
            ),
        ))
        .returning(contractor_profiles::id)
        .get_result(conn)?;
    if let Some((_, skill_names)) = from {
        let normalized: Vec<_> = skill_names.iter().filter_map(|s| skill::normalize(s)).collect();
        set_skills(conn, id, &normalized, now)?;
    }
    Ok(contractor_profiles::table.find(id).select(Profile::as_select()).first(conn)?)
}

/// Copies the profile's values into every agency record linked to it (and their search entries).
/// A private rate floor is never copied: those records get no number.
pub fn sync_linked_records(conn: &mut DbConnection, profile: &Profile, now: NaiveDateTime) -> Result<usize, AppError> {
    let email: String = users::table.find(profile.user_id).select(users::email).first(conn)?;
    let linked: Vec<i64> = agency_contractors::table
        .filter(agency_contractors::profile_id.eq(profile.id))
        .select(agency_contractors::id)
        .load(conn)?;
    if linked.is_empty() {
        return Ok(0);
    }
    let visible = profile.rate_visible;
    let rate_hourly = match (profile.rate_floor_minor, profile.rate_unit.as_deref()) {
        (Some(minor), Some(unit)) if visible => Some(money::hourly(minor, unit)),
        _ => None,
    };
    use agency_contractors as c;
    diesel::update(c::table.filter(c::profile_id.eq(profile.id)))
        .set((
            c::name.eq(&profile.name),
            c::email.eq(Some(&email)),
            c::phone.eq(&profile.phone),
            c::phone_key.eq(profile.phone.as_deref().and_then(contractor::phone_key)),
            c::headline.eq(&profile.headline),
            c::summary.eq(&profile.summary),
            c::location.eq(&profile.location),
            c::location_key.eq(profile.location.as_ref().map(|l| l.to_lowercase())),
            c::remote.eq(&profile.remote),
            c::availability.eq(&profile.availability),
            c::available_from.eq(profile.available_from),
            c::contract_ends_on.eq(profile.contract_ends_on),
            c::extension_likelihood.eq(&profile.extension_likelihood),
            c::notice_days.eq(profile.notice_days),
            c::available_on.eq(profile.available_on),
            c::availability_confirmed_at.eq(profile.availability_confirmed_at),
            c::availability_confirmed_by.eq(&profile.availability_confirmed_by),
            (
                c::rate_floor_minor.eq(if visible { profile.rate_floor_minor } else { None }),
                c::rate_currency.eq(if visible { profile.rate_currency.clone() } else { None }),
                c::rate_unit.eq(if visible { profile.rate_unit.clone() } else { None }),
                c::rate_hourly_minor.eq(rate_hourly),
                c::rate_private.eq(!visible && profile.rate_floor_minor.is_some()),
                c::linkedin_url.eq(&profile.linkedin_url),
                c::links.eq(&profile.links),
                c::competing_offer_until.eq(profile.competing_offer_until),
                c::updated_at.eq(now),
                c::version.eq(c::version + 1),
            ),
        ))
        .execute(conn)?;
    let skill_ids: Vec<i64> = profile_skills::table
        .filter(profile_skills::profile_id.eq(profile.id))
        .select(profile_skills::skill_id)
        .load(conn)?;
    for record_id in &linked {
        contractor::replace_skill_ids(conn, *record_id, &skill_ids)?;
        let record: Contractor =
            agency_contractors::table.find(record_id).select(Contractor::as_select()).first(conn)?;
        contractor::reindex(conn, &record)?;
    }
    Ok(linked.len())
}

/// The availability form of `/me`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AvailabilityInput {
    pub availability: String,
    pub available_from: String,
    pub contract_ends_on: String,
    pub extension_likelihood: String,
    pub notice_days: String,
    pub location: String,
    pub remote: String,
}

impl AvailabilityInput {
    /// The form filled from a profile.
    pub fn from_profile(p: &Profile) -> Self {
        Self {
            availability: p.availability.clone(),
            available_from: p.available_from.map(|d| d.to_string()).unwrap_or_default(),
            contract_ends_on: p.contract_ends_on.map(|d| d.to_string()).unwrap_or_default(),
            extension_likelihood: p.extension_likelihood.clone().unwrap_or_default(),
            notice_days: p.notice_days.map(|n| n.to_string()).unwrap_or_default(),
            location: p.location.clone().unwrap_or_default(),
            remote: p.remote.clone(),
        }
    }
}

/// The rate form of `/me`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateInput {
    pub rate_floor: String,
    pub rate_currency: String,
    pub rate_unit: String,
    /// "visible" (agencies see the number) or "private" (only whether an offer meets it).
    pub rate_visibility: String,
}

impl RateInput {
    /// The form filled from a profile.
    pub fn from_profile(p: &Profile) -> Self {
        Self {
            rate_floor: p.rate_floor_minor.map(money::amount_for_input).unwrap_or_default(),
            rate_currency: p.rate_currency.clone().unwrap_or_else(|| "EUR".into()),
            rate_unit: p.rate_unit.clone().unwrap_or_else(|| "hour".into()),
            rate_visibility: if p.rate_visible { "visible".into() } else { "private".into() },
        }
    }
}

/// The details form of `/me`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DetailsInput {
    pub name: String,
    pub phone: String,
    pub headline: String,
    pub summary: String,
    pub skills: String,
    pub linkedin_url: String,
    pub links: String,
}

impl DetailsInput {
    /// The form filled from a profile.
    pub fn from_profile(p: &Profile, skills: &[String]) -> Self {
        Self {
            name: p.name.clone(),
            phone: p.phone.clone().unwrap_or_default(),
            headline: p.headline.clone().unwrap_or_default(),
            summary: p.summary.clone().unwrap_or_default(),
            skills: skills.join(", "),
            linkedin_url: p.linkedin_url.clone().unwrap_or_default(),
            links: p.links.clone().unwrap_or_default(),
        }
    }
}

/// The competing-offer form of `/me`: a decision date, or `clear`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OfferInput {
    pub decision_by: String,
    pub clear: String,
}

/// The reminder settings form of `/me`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemindersInput {
    pub reminders: String,
    pub reminder_days: String,
}

fn load(conn: &mut DbConnection, user_id: i64) -> Result<Profile, AppError> {
    find_for_user(conn, user_id)
}

fn touch(conn: &mut DbConnection, profile_id: i64, now: NaiveDateTime) -> Result<Profile, AppError> {
    diesel::update(contractor_profiles::table.find(profile_id))
        .set((
            contractor_profiles::updated_at.eq(now),
            contractor_profiles::version.eq(contractor_profiles::version + 1),
        ))
        .execute(conn)?;
    Ok(contractor_profiles::table.find(profile_id).select(Profile::as_select()).first(conn)?)
}

/// Saves new availability (which also confirms it as of now) and shares it with linked agencies.
pub fn update_availability(
    conn: &mut DbConnection,
    user_id: i64,
    input: &AvailabilityInput,
    now: NaiveDateTime,
) -> Result<Profile, AppError> {
    let mut errors = FieldErrors::default();
    let when = contractor::check_availability(
        &mut errors,
        &AvailabilityFields {
            availability: &input.availability,
            available_from: &input.available_from,
            contract_ends_on: &input.contract_ends_on,
            extension_likelihood: &input.extension_likelihood,
            notice_days: &input.notice_days,
        },
    );
    let location = validation::optional(&mut errors, "location", "Location", &input.location, 200);
    let remote = contractor::check_remote(&mut errors, &input.remote);
    let when = errors.finish(when)?;
    db::write(conn, |conn| {
        let profile = load(conn, user_id)?;
        diesel::update(contractor_profiles::table.find(profile.id))
            .set((
                contractor_profiles::availability.eq(when.availability),
                contractor_profiles::available_from.eq(when.available_from),
                contractor_profiles::contract_ends_on.eq(when.contract_ends_on),
                contractor_profiles::extension_likelihood.eq(when.extension_likelihood),
                contractor_profiles::notice_days.eq(when.notice_days),
                contractor_profiles::available_on.eq(when.available_on()),
                contractor_profiles::location.eq(&location),
                contractor_profiles::remote.eq(remote),
                contractor_profiles::availability_confirmed_at.eq(Some(now)),
                contractor_profiles::availability_confirmed_by.eq(Some(contractor::CONFIRMED_BY_CONTRACTOR)),
                contractor_profiles::reminder_sent_at.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        let profile = touch(conn, profile.id, now)?;
        sync_linked_records(conn, &profile, now)?;
        Ok(profile)
    })
}

/// "Still available": confirms the current availability as of now.
pub fn confirm_still_available(conn: &mut DbConnection, user_id: i64, now: NaiveDateTime) -> Result<Profile, AppError> {
    db::write(conn, |conn| {
        let profile = load(conn, user_id)?;
        diesel::update(contractor_profiles::table.find(profile.id))
            .set((
                contractor_profiles::availability_confirmed_at.eq(Some(now)),
                contractor_profiles::availability_confirmed_by.eq(Some(contractor::CONFIRMED_BY_CONTRACTOR)),
                contractor_profiles::reminder_sent_at.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        let profile = touch(conn, profile.id, now)?;
        sync_linked_records(conn, &profile, now)?;
        Ok(profile)
    })
}

/// Saves the rate floor and whether agencies may see the number.
pub fn update_rate(
    conn: &mut DbConnection,
    user_id: i64,
    input: &RateInput,
    now: NaiveDateTime,
) -> Result<Profile, AppError> {
    let mut errors = FieldErrors::default();
    let rate = contractor::check_rate(&mut errors, &input.rate_floor, &input.rate_currency, &input.rate_unit);
    let visible = match input.rate_visibility.as_str() {
        "" | "visible" => true,
        "private" => false,
        _ => {
            errors.add("rate_visibility", "Choose whether agencies may see the number.");
            true
        }
    };
    let rate = errors.finish(rate)?;
    db::write(conn, |conn| {
        let profile = load(conn, user_id)?;
        diesel::update(contractor_profiles::table.find(profile.id))
            .set((
                contractor_profiles::rate_floor_minor.eq(rate.minor),
                contractor_profiles::rate_currency.eq(&rate.currency),
                contractor_profiles::rate_unit.eq(rate.unit),
                contractor_profiles::rate_visible.eq(visible),
            ))
            .execute(conn)?;
        let profile = touch(conn, profile.id, now)?;
        sync_linked_records(conn, &profile, now)?;
        Ok(profile)
    })
}

/// Saves name, phone, headline, summary, skills and links.
pub fn update_details(
    conn: &mut DbConnection,
    user_id: i64,
    input: &DetailsInput,
    now: NaiveDateTime,
) -> Result<Profile, AppError> {
    let mut errors = FieldErrors::default();
    let name = validation::required(&mut errors, "name", "Name", &input.name, MAX_NAME);
    let phone = validation::optional(&mut errors, "phone", "Phone", &input.phone, 40);
    if let Some(phone) = &phone
        && !phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))
    {
        errors.add("phone", "Phone may only contain digits, spaces and + - ( ) .");
    }
    let headline = validation::optional(&mut errors, "headline", "Headline", &input.headline, 200);
    let summary = validation::optional(&mut errors, "summary", "Summary", &input.summary, 20_000);
    let skills = skill::parse_list(&input.skills).unwrap_or_else(|message| {
        errors.add("skills", message);
        Vec::new()
    });
    let linkedin_url = validation::optional_url(&mut errors, "linkedin_url", "LinkedIn", &input.linkedin_url);
    let links = contractor::check_links(&mut errors, &input.links);
    errors.finish(())?;
    db::write(conn, |conn| {
        let profile = load(conn, user_id)?;
        diesel::update(contractor_profiles::table.find(profile.id))
            .set((
                contractor_profiles::name.eq(&name),
                contractor_profiles::phone.eq(&phone),
                contractor_profiles::headline.eq(&headline),
                contractor_profiles::summary.eq(&summary),
                contractor_profiles::linkedin_url.eq(&linkedin_url),
                contractor_profiles::links.eq(&links),
            ))
            .execute(conn)?;
        diesel::update(users::table.find(user_id))
            .set((users::name.eq(&name), users::updated_at.eq(now)))
            .execute(conn)?;
        set_skills(conn, profile.id, &skills, now)?;
        let profile = touch(conn, profile.id, now)?;
        sync_linked_records(conn, &profile, now)?;
        Ok(profile)
    })
}

/// Sets (or clears) "offer or final round elsewhere, decision by DATE" for every linked agency.
pub fn set_competing_offer(
    conn: &mut DbConnection,
    user_id: i64,
    input: &OfferInput,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<Profile, AppError> {
    let mut errors = FieldErrors::default();
    let decision_by = if input.clear.is_empty() {
        let date = validation::optional_date(&mut errors, "decision_by", "Decision date", &input.decision_by);
        match date {
            None if !errors.has("decision_by") => errors.add("decision_by", "Give the date you expect to decide by."),
            Some(date) if date < today => errors.add("decision_by", "The decision date cannot be in the past."),
            Some(date) if date > today + chrono::TimeDelta::days(180) => {
                errors.add("decision_by", "Choose a date within the next six months.")
            }
            _ => {}
        }
        date
    } else {
        None
    };
    errors.finish(())?;
    db::write(conn, |conn| {
        let profile = load(conn, user_id)?;
        diesel::update(contractor_profiles::table.find(profile.id))
            .set(contractor_profiles::competing_offer_until.eq(decision_by))
            .execute(conn)?;
        let profile = touch(conn, profile.id, now)?;
        sync_linked_records(conn, &profile, now)?;
        Ok(profile)
    })
}

/// Turns the availability reminders on or off and sets how often.
pub fn set_reminders(
    conn: &mut DbConnection,
    user_id: i64,
    input: &RemindersInput,
    now: NaiveDateTime,
) -> Result<Profile, AppError> {
    let mut errors = FieldErrors::default();
    let enabled = matches!(input.reminders.as_str(), "on" | "1" | "true");
    let days = validation::optional_int(&mut errors, "reminder_days", "Reminder period", &input.reminder_days, 7, 180)
        .map_or(DEFAULT_REMINDER_DAYS, |d| i32::try_from(d).unwrap_or(DEFAULT_REMINDER_DAYS));
    errors.finish(())?;
    db::write(conn, |conn| {
        let profile = load(conn, user_id)?;
        diesel::update(contractor_profiles::table.find(profile.id))
            .set((contractor_profiles::reminders_enabled.eq(enabled), contractor_profiles::reminder_days.eq(days)))
            .execute(conn)?;
        touch(conn, profile.id, now)
    })
}

/// One agency the contractor is linked with, as `/me/agencies` lists it.
#[derive(Clone, Debug, Queryable)]
pub struct LinkedAgency {
    pub agency_id: i64,
    pub agency_name: String,
    pub linked_at: Option<NaiveDateTime>,
}

/// The agencies whose records are linked to this profile, by name.
pub fn linked_agencies(conn: &mut DbConnection, profile_id: i64) -> Result<Vec<LinkedAgency>, AppError> {
    Ok(agency_contractors::table
        .inner_join(agencies::table)
        .filter(agency_contractors::profile_id.eq(profile_id))
        .order(agencies::name.asc())
        .select((agencies::id, agencies::name, agency_contractors::linked_at))
        .load(conn)?)
}

/// Stops sharing the profile with one agency: its record keeps the values it had (its history)
/// but no longer receives updates, and the agency can no longer ask for consent.
pub fn unlink(conn: &mut DbConnection, user_id: i64, agency_id: i64, now: NaiveDateTime) -> Result<String, AppError> {
    db::write(conn, |conn| {
        let profile = load(conn, user_id)?;
        let agency_name: String = agency_contractors::table
            .inner_join(agencies::table)
            .filter(agency_contractors::profile_id.eq(profile.id))
            .filter(agency_contractors::agency_id.eq(agency_id))
            .select(agencies::name)
            .first(conn)?;
        let id: i64 = agency_contractors::table
            .filter(agency_contractors::profile_id.eq(profile.id))
            .filter(agency_contractors::agency_id.eq(agency_id))
            .select(agency_contractors::id)
            .first(conn)?;
        diesel::update(agency_contractors::table.find(id))
            .set((
                agency_contractors::profile_id.eq(None::<i64>),
                agency_contractors::linked_at.eq(None::<NaiveDateTime>),
                agency_contractors::unlinked_at.eq(Some(now)),
                agency_contractors::agency_typed.eq(None::<String>),
                agency_contractors::competing_offer_until.eq(None::<NaiveDate>),
                agency_contractors::updated_at.eq(now),
                agency_contractors::version.eq(agency_contractors::version + 1),
            ))
            .execute(conn)?;
        let record: Contractor = agency_contractors::table.find(id).select(Contractor::as_select()).first(conn)?;
        // The contractor's own CV no longer belongs to the record: neither may its words find it.
        contractor::reindex(conn, &record)?;
        Ok(agency_name)
    })
}

/// Links an agency record to a profile: the agency's typed values are kept aside and the
/// profile's values take their place. Refused when the agency already has a record linked to
/// this profile.
pub fn link(
    conn: &mut DbConnection,
    profile: &Profile,
    record: &Contractor,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    if record.profile_id == Some(profile.id) {
        return Ok(());
    }
    let already: Option<i64> = agency_contractors::table
        .filter(agency_contractors::agency_id.eq(record.agency_id))
        .filter(agency_contractors::profile_id.eq(profile.id))
        .select(agency_contractors::id)
        .first(conn)
        .optional()?;
    if already.is_some() {
        return Err(AppError::BadRequest(
            "Your account is already connected to this agency through another record. Nothing changed.".into(),
        ));
    }
    let skills = contractor::skill_names(conn, &[record.id])?.remove(&record.id).unwrap_or_default();
    diesel::update(agency_contractors::table.find(record.id))
        .set((
            agency_contractors::profile_id.eq(Some(profile.id)),
            agency_contractors::linked_at.eq(Some(now)),
            agency_contractors::unlinked_at.eq(None::<NaiveDateTime>),
            agency_contractors::agency_typed.eq(Some(contractor::typed_snapshot(record, &skills))),
        ))
        .execute(conn)?;
    sync_linked_records(conn, profile, now)?;
    Ok(())
}

/// Deletes a contractor's account: the profile and its skills, outside submissions and tokens go;
/// each linked agency record gets back what the agency typed itself; the audit log stays.
pub fn delete_account(conn: &mut DbConnection, user_id: i64, now: NaiveDateTime) -> Result<usize, AppError> {
    db::write(conn, |conn| {
        let profile = load(conn, user_id)?;
        let linked: Vec<Contractor> = agency_contractors::table
            .filter(agency_contractors::profile_id.eq(profile.id))
            .select(Contractor::as_select())
            .load(conn)?;
        for record in &linked {
            diesel::update(agency_contractors::table.find(record.id))
                .set((
                    agency_contractors::profile_id.eq(None::<i64>),
                    agency_contractors::linked_at.eq(None::<NaiveDateTime>),
                    agency_contractors::agency_typed.eq(None::<String>),
                ))
                .execute(conn)?;
            if let Some(snapshot) = &record.agency_typed {
                contractor::restore_typed(conn, record, snapshot, now)?;
            }
        }
        diesel::delete(contractor_profiles::table.find(profile.id)).execute(conn)?;
        diesel::delete(users::table.find(user_id)).execute(conn)?;
        Ok(linked.len())
    })
}

/// Sends one "still available?" email to each contractor whose availability is older than their
/// reminder period and who has not had a reminder since they last confirmed. Idempotent: a
/// second run sends nothing more. Returns how many were sent.
pub fn send_due_reminders(conn: &mut DbConnection, base_url: &str, now: NaiveDateTime) -> Result<usize, AppError> {
    let shortest = chrono::TimeDelta::days(7);
    let candidates: Vec<(Profile, String)> = contractor_profiles::table
        .inner_join(users::table)
        .filter(contractor_profiles::reminders_enabled.eq(true))
        .filter(contractor_profiles::reminder_sent_at.is_null())
        .filter(contractor_profiles::availability_confirmed_at.lt(now - shortest))
        .filter(users::disabled_at.is_null())
        .order(contractor_profiles::availability_confirmed_at.asc())
        .limit(500)
        .select((Profile::as_select(), users::email))
        .load(conn)?;
    let mut sent = 0;
    for (profile, email) in candidates {
        let Some(days) = profile.confirmed_days_ago(&now) else { continue };
        if days < i64::from(profile.reminder_days) {
            continue;
        }
        let delivered = db::write(conn, |conn| {
            // Whoever marks it first sends it (several instances may sweep at once).
            let claimed = diesel::update(
                contractor_profiles::table
                    .filter(contractor_profiles::id.eq(profile.id))
                    .filter(contractor_profiles::reminder_sent_at.is_null()),
            )
            .set(contractor_profiles::reminder_sent_at.eq(Some(now)))
            .execute(conn)?;
            if claimed != 1 {
                return Ok(false);
            }
            let secret = crate::models::one_click::issue(
                conn,
                profile.user_id,
                crate::models::one_click::STILL_AVAILABLE,
                chrono::TimeDelta::days(crate::models::one_click::STILL_AVAILABLE_DAYS),
                now,
            )?;
            let message = crate::mail::compose(
                &email,
                "Still available? One click keeps your agencies up to date",
                &crate::mail::AvailabilityReminderEmail {
                    name: &profile.name,
                    availability: &profile.availability_text(),
                    days,
                    confirm_link: &format!("{base_url}/still-available/{secret}"),
                    change_link: &format!("{base_url}/me"),
                    settings_link: &format!("{base_url}/me#reminders-heading"),
                },
            )?;
            crate::models::outbox::enqueue(conn, None, &message, now)?;
            Ok::<_, AppError>(true)
        })?;
        sent += usize::from(delivered);
    }
    Ok(sent)
}
