//! Placements: an accepted offer becomes a placement with start and end dates, pay rate (what the
//! contractor gets) and bill rate (what the client pays), hence a margin. Extensions keep their
//! history; ending early or cancelling is recorded with its date. While a placement is active its
//! end date is the contractor's "on contract until" — on the agency's record and, when the record
//! is linked, on the contractor's own profile (so every linked agency's roll-off radar sees it).
//! That availability is written here, in the same transaction as the placement change.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::{
    agency_contractors, clients, contractor_profiles, jobs, placement_extensions, placements, users,
};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::audit::{self, Actor, Event};
use crate::models::conflict::Saved;
use crate::models::contractor::{self, Contractor};
use crate::models::money;
use crate::models::offer::{self, Offer};
use crate::models::profile::{self, Profile};
use crate::models::stage;
use crate::models::submission::{self, NewEvent, Submission};
use crate::models::validation::{self, FieldErrors};

/// Units a placement's rates may be given in: (stored, shown).
pub const UNITS: &[(&str, &str)] = money::RATE_UNITS;

/// How a placement stopped early: (stored, shown).
pub const END_OUTCOMES: &[(&str, &str)] =
    &[("ended", "Ended early (last day worked)"), ("cancelled", "Cancelled before it ran its course")];

/// Placements ending within this many days are flagged (amber) and surface on the radar.
pub const ENDING_SOON_DAYS: i64 = 42;

/// Rows per page of the placements list.
pub const PAGE_SIZE: i64 = 50;

/// A placement row.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = placements)]
pub struct Placement {
    pub id: i64,
    pub agency_id: i64,
    pub submission_id: i64,
    pub contractor_id: i64,
    pub job_id: i64,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub pay_rate_minor: i64,
    pub bill_rate_minor: i64,
    pub currency: String,
    pub rate_unit: String,
    /// "active", "ended" or "cancelled".
    pub status: String,
    pub version: i32,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Bill minus pay, and that as a share of the bill rate ("20.8%").
pub fn margin(pay_minor: i64, bill_minor: i64) -> (i64, String) {
    let margin = bill_minor - pay_minor;
    if bill_minor <= 0 {
        return (margin, "—".into());
    }
    // Tenths of a percent, rounded half away from zero.
    let tenths = (margin * 2000 + margin.signum() * bill_minor) / (2 * bill_minor);
    let sign = if tenths < 0 { "-" } else { "" };
    (margin, format!("{sign}{}.{}%", tenths.abs() / 10, tenths.abs() % 10))
}

impl Placement {
    /// "EUR 95/hour".
    pub fn pay_text(&self) -> String {
        money::format_rate(self.pay_rate_minor, &self.currency, &self.rate_unit)
    }

    /// "EUR 120/hour".
    pub fn bill_text(&self) -> String {
        money::format_rate(self.bill_rate_minor, &self.currency, &self.rate_unit)
    }

    /// "EUR 25/hour (20.8%)".
    pub fn margin_text(&self) -> String {
        let (minor, percent) = margin(self.pay_rate_minor, self.bill_rate_minor);
        format!("{} ({percent})", money::format_rate(minor, &self.currency, &self.rate_unit))
    }

    /// "1 Feb 2027 – 31 Jul 2027".
    pub fn period_text(&self) -> String {
        format!("{} – {}", self.start_date.format("%-d %b %Y"), self.end_date.format("%-d %b %Y"))
    }

    /// True while running (or about to start).
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }

    /// The status, for people.
    pub fn status_text(&self) -> &'static str {
        match self.status.as_str() {
            "active" => "Active",
            "ended" => "Ended",
            "cancelled" => "Cancelled",
            _ => "",
        }
    }

    /// Days from `today` to the end date (negative once past).
    pub fn days_left(&self, today: &NaiveDate) -> i64 {
        (self.end_date - *today).num_days()
    }

    /// An active placement ending within six weeks (amber).
    pub fn ends_soon(&self, today: &NaiveDate) -> bool {
        self.is_active() && self.days_left(today) <= ENDING_SOON_DAYS
    }

    /// "ends in 12 days", "ends today", "ended 3 days ago" (active); "" otherwise.
    pub fn ends_text(&self, today: &NaiveDate) -> String {
        if !self.is_active() {
            return String::new();
        }
        match self.days_left(today) {
            0 => "ends today".into(),
            1 => "ends tomorrow".into(),
            -1 => "ended yesterday".into(),
            days if days < 0 => format!("ended {} days ago", -days),
            days => format!("ends in {days} days"),
        }
    }
}

/// The placement form, as submitted.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlacementInput {
    pub start_date: String,
    pub end_date: String,
    pub pay_rate: String,
    pub bill_rate: String,
    pub currency: String,
    pub rate_unit: String,
}

impl PlacementInput {
    /// The form prefilled from an accepted offer (a yearly rate is left for the recruiter to
    /// turn into a day or hour rate).
    pub fn from_offer(offer: &Offer) -> Self {
        let per_year = offer.rate_unit == "year";
        Self {
            start_date: offer.start_date.to_string(),
            end_date: offer.end_date.map(|d| d.to_string()).unwrap_or_default(),
            pay_rate: if per_year { String::new() } else { money::amount_for_input(offer.rate_minor) },
            bill_rate: String::new(),
            currency: offer.rate_currency.clone(),
            rate_unit: if per_year { "day".into() } else { offer.rate_unit.clone() },
        }
    }

    /// The margin of what was typed, when both rates read ("EUR 25/hour (20.8%)").
    pub fn margin_text(&self) -> Option<String> {
        let pay = money::parse_amount(&self.pay_rate).ok()?;
        let bill = money::parse_amount(&self.bill_rate).ok()?;
        let currency = money::parse_currency(&self.currency).ok()?;
        let unit = UNITS.iter().find(|(u, _)| *u == self.rate_unit.trim()).map(|(u, _)| *u)?;
        let (minor, percent) = margin(pay, bill);
        Some(format!("{} ({percent})", money::format_rate(minor, &currency, unit)))
    }
}

/// Checked rates: pay and bill in one currency and unit.
#[derive(Clone, Debug)]
struct Rates {
    pay: i64,
    bill: i64,
}

/// Checks a pay and a bill rate (required, positive, bill at least pay).
fn check_rates(errors: &mut FieldErrors, fields: (&'static str, &'static str), pay: &str, bill: &str) -> Rates {
    let mut amount = |field: &'static str, label: &str, raw: &str| match money::parse_amount(raw) {
        Ok(minor) if minor > 0 => minor,
        Ok(_) => {
            errors.add(field, format!("Give the {label}."));
            0
        }
        Err(_) if raw.trim().is_empty() => {
            errors.add(field, format!("Give the {label}."));
            0
        }
        Err(why) => {
            errors.add(field, format!("The {label} {why}."));
            0
        }
    };
    let pay = amount(fields.0, "pay rate", pay);
    let bill = amount(fields.1, "bill rate", bill);
    if pay > 0 && bill > 0 && bill < pay {
        errors.add(
            fields.1,
            "The bill rate is below the pay rate: the agency would pay the contractor more than the client pays. Check both rates.",
        );
    }
    Rates { pay, bill }
}

/// A checked placement form.
#[derive(Clone, Debug)]
struct ValidPlacement {
    start: NaiveDate,
    end: NaiveDate,
    rates: Rates,
    currency: String,
    unit: &'static str,
}

impl PlacementInput {
    fn validate(&self) -> Result<ValidPlacement, AppError> {
        let mut errors = FieldErrors::default();
        let start = validation::optional_date(&mut errors, "start_date", "Start date", &self.start_date);
        if start.is_none() && !errors.has("start_date") {
            errors.add("start_date", "Give the start date.");
        }
        let end = validation::optional_date(&mut errors, "end_date", "End date", &self.end_date);
        if end.is_none() && !errors.has("end_date") {
            errors.add("end_date", "Give the end date of the contract.");
        }
        if let (Some(start), Some(end)) = (start, end)
            && end < start
        {
            errors.add("end_date", "The end date is before the start date.");
        }
        let rates = check_rates(&mut errors, ("pay_rate", "bill_rate"), &self.pay_rate, &self.bill_rate);
        let currency = money::parse_currency(if self.currency.trim().is_empty() { "EUR" } else { &self.currency })
            .unwrap_or_else(|why| {
                errors.add("currency", format!("Currency {why}."));
                String::new()
            });
        let unit = if self.rate_unit.trim().is_empty() {
            Some("hour")
        } else {
            validation::optional_choice(&mut errors, "rate_unit", "Per", &self.rate_unit, UNITS)
        }
        .unwrap_or("hour");
        let (start, end) = (start.unwrap_or_default(), end.unwrap_or_default());
        errors.finish(ValidPlacement { start, end, rates, currency, unit })
    }
}

/// What creating a placement led to.
#[derive(Debug)]
pub enum Created {
    /// Created.
    Done(Box<Placement>),
    /// The submission already has one (one per submission): its id.
    Exists(i64),
}

/// The placement of one of the agency's submissions, if any.
pub fn for_submission(
    conn: &mut DbConnection,
    scope: AgencyScope,
    submission_id: i64,
) -> Result<Option<Placement>, AppError> {
    Ok(placements::table
        .filter(placements::agency_id.eq(scope.agency_id()))
        .filter(placements::submission_id.eq(submission_id))
        .select(Placement::as_select())
        .first(conn)
        .optional()?)
}

/// Creates the placement of a submission whose offer was accepted; moves the submission to the
/// first placed stage and makes the end date the contractor's "on contract until".
pub fn create(
    conn: &mut DbConnection,
    scope: AgencyScope,
    submission_id: i64,
    input: &PlacementInput,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Created, AppError> {
    submission::find(conn, scope, submission_id)?;
    if let Some(existing) = for_submission(conn, scope, submission_id)? {
        return Ok(Created::Exists(existing.id));
    }
    let valid = input.validate()?;
    let outcome = db::write(conn, |conn| {
        let sub: Submission = submission::find(conn, scope, submission_id)?;
        if let Some(existing) = for_submission(conn, scope, sub.id)? {
            return Ok(Created::Exists(existing.id));
        }
        if sub.is_closed() {
            return Err(AppError::invalid("start_date", "This submission is closed."));
        }
        if offer::accepted_for(conn, scope, sub.id)?.is_none() {
            return Err(AppError::invalid(
                "start_date",
                "Record the offer and mark it accepted first: a placement starts from an accepted offer.",
            ));
        }
        let id: i64 = diesel::insert_into(placements::table)
            .values((
                placements::agency_id.eq(scope.agency_id()),
                placements::submission_id.eq(sub.id),
                placements::contractor_id.eq(sub.contractor_id),
                placements::job_id.eq(sub.job_id),
                placements::start_date.eq(valid.start),
                placements::end_date.eq(valid.end),
                placements::pay_rate_minor.eq(valid.rates.pay),
                placements::bill_rate_minor.eq(valid.rates.bill),
                placements::currency.eq(&valid.currency),
                placements::rate_unit.eq(valid.unit),
                placements::status.eq("active"),
                placements::version.eq(1),
                placements::created_by.eq(actor.user_id),
                placements::created_at.eq(now),
                placements::updated_at.eq(now),
            ))
            .returning(placements::id)
            .get_result(conn)?;
        let placement = find(conn, scope, id)?;
        let (current, target, moved) = submission::advance_to(conn, scope, &sub, "placed", now)?;
        // The contractor sees the dates and their own rate, never the bill rate or the margin.
        let body = format!("Placed: {} at {}", placement.period_text(), placement.pay_text());
        let event = NewEvent {
            kind: "placed",
            body: &body,
            visible: true,
            from_stage: moved.then_some(current.id),
            to_stage: moved.then_some(target.id),
        };
        submission::record_event(conn, &sub, event, &target, actor, now)?;
        let record = contractor::find(conn, scope, sub.contractor_id)?;
        on_contract(conn, &record, now)?;
        audit::record(
            conn,
            actor,
            Event::on(
                "placement.created",
                "placement",
                id,
                format!(
                    "{}, {}: pay {}, bill {}",
                    record.name,
                    placement.period_text(),
                    placement.pay_text(),
                    placement.bill_text()
                ),
            ),
            now,
        )?;
        Ok(Created::Done(Box::new(placement)))
    });
    match outcome {
        // Two saves racing: the unique index keeps one; the other is shown that one.
        Err(AppError::Internal(cause)) => match for_submission(conn, scope, submission_id)? {
            Some(existing) => Ok(Created::Exists(existing.id)),
            None => Err(AppError::Internal(cause)),
        },
        other => other,
    }
}

/// One of the agency's placements; another agency's answers `NotFound`.
pub fn find(conn: &mut DbConnection, scope: AgencyScope, id: i64) -> Result<Placement, AppError> {
    Ok(placements::table
        .filter(placements::id.eq(id))
        .filter(placements::agency_id.eq(scope.agency_id()))
        .select(Placement::as_select())
        .first(conn)?)
}

/// The extension form, as submitted.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExtensionInput {
    pub new_end_date: String,
    /// Blank keeps the current pay rate.
    pub new_pay_rate: String,
    /// Blank keeps the current bill rate.
    pub new_bill_rate: String,
    pub note: String,
    pub version: String,
}

impl ExtensionInput {
    /// An empty form for this placement's current version.
    pub fn for_placement(placement: &Placement) -> Self {
        Self { version: placement.version.to_string(), ..Self::default() }
    }
}

/// Extends an active placement: a new end date after the current one, optionally new rates and
/// a note. The previous terms are kept in the extension history; "on contract until" moves.
pub fn extend(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    input: &ExtensionInput,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Saved<Placement>, AppError> {
    find(conn, scope, id)?;
    let mut errors = FieldErrors::default();
    let new_end = validation::optional_date(&mut errors, "new_end_date", "New end date", &input.new_end_date);
    if new_end.is_none() && !errors.has("new_end_date") {
        errors.add("new_end_date", "Give the new end date.");
    }
    let note = validation::optional(&mut errors, "note", "Note", &input.note, 2_000);
    let version: Option<i32> = input.version.trim().parse().ok();
    errors.finish(())?;
    let new_end = new_end.unwrap_or_default();
    db::write(conn, |conn| {
        let current = find(conn, scope, id)?;
        if version != Some(current.version) {
            return Ok(Saved::Stale(current));
        }
        let mut errors = FieldErrors::default();
        if !current.is_active() {
            errors.add("new_end_date", "This placement is no longer active.");
        } else if new_end <= current.end_date {
            errors.add(
                "new_end_date",
                format!("The new end date must be after the current end, {}.", current.end_date.format("%-d %b %Y")),
            );
        }
        let keep = |raw: &str, minor: i64| {
            if raw.trim().is_empty() { money::amount_for_input(minor) } else { raw.to_string() }
        };
        let rates = check_rates(
            &mut errors,
            ("new_pay_rate", "new_bill_rate"),
            &keep(&input.new_pay_rate, current.pay_rate_minor),
            &keep(&input.new_bill_rate, current.bill_rate_minor),
        );
        errors.finish(())?;
        // The history row keeps the terms as they were until now; the placement takes the new.
        diesel::insert_into(placement_extensions::table)
            .values((
                placement_extensions::agency_id.eq(scope.agency_id()),
                placement_extensions::placement_id.eq(current.id),
                placement_extensions::previous_end_date.eq(current.end_date),
                placement_extensions::new_end_date.eq(new_end),
                placement_extensions::pay_rate_minor.eq(current.pay_rate_minor),
                placement_extensions::bill_rate_minor.eq(current.bill_rate_minor),
                placement_extensions::note.eq(&note),
                placement_extensions::created_by.eq(actor.user_id),
                placement_extensions::created_at.eq(now),
            ))
            .execute(conn)?;
        let written = diesel::update(
            placements::table.filter(placements::id.eq(current.id)).filter(placements::version.eq(current.version)),
        )
        .set((
            placements::end_date.eq(new_end),
            placements::pay_rate_minor.eq(rates.pay),
            placements::bill_rate_minor.eq(rates.bill),
            placements::version.eq(current.version + 1),
            placements::updated_at.eq(now),
        ))
        .execute(conn)?;
        if written != 1 {
            return Err(AppError::internal("placement changed inside its own transaction"));
        }
        let placement = find(conn, scope, id)?;
        let sub = submission::find(conn, scope, placement.submission_id)?;
        let stage_now = stage::find(conn, scope, sub.stage_id)?;
        let mut body = format!("Extended to {}", new_end.format("%-d %b %Y"));
        if rates.pay != current.pay_rate_minor {
            body.push_str(&format!(" at {}", placement.pay_text()));
        }
        submission::record_event(conn, &sub, NewEvent::new("placement_extended", &body, true), &stage_now, actor, now)?;
        let record = contractor::find(conn, scope, placement.contractor_id)?;
        on_contract(conn, &record, now)?;
        audit::record(
            conn,
            actor,
            Event::on(
                "placement.extended",
                "placement",
                id,
                format!(
                    "{} → {}; pay {} → {}; bill {} → {}",
                    current.end_date,
                    new_end,
                    current.pay_text(),
                    placement.pay_text(),
                    current.bill_text(),
                    placement.bill_text()
                ),
            ),
            now,
        )?;
        Ok(Saved::Done(placement))
    })
}

/// The end form, as submitted.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EndInput {
    /// "ended" or "cancelled".
    pub outcome: String,
    /// The last day worked (ended), or the day it was cancelled.
    pub ended_on: String,
    pub version: String,
}

impl EndInput {
    /// An empty form for this placement's current version.
    pub fn for_placement(placement: &Placement) -> Self {
        Self { outcome: "ended".into(), version: placement.version.to_string(), ..Self::default() }
    }
}

/// Ends an active placement early (last day worked) or cancels it. The contractor is available
/// again from the next day, unless they changed their availability themselves since.
pub fn end(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    input: &EndInput,
    actor: &Actor,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<Saved<Placement>, AppError> {
    find(conn, scope, id)?;
    let mut errors = FieldErrors::default();
    let outcome = validation::optional_choice(&mut errors, "outcome", "What happened", &input.outcome, END_OUTCOMES);
    if outcome.is_none() && !errors.has("outcome") {
        errors.add("outcome", "Choose whether it ended early or was cancelled.");
    }
    let on = validation::optional_date(&mut errors, "ended_on", "Date", &input.ended_on);
    if on.is_none() && !errors.has("ended_on") {
        errors.add("ended_on", "Give the date.");
    }
    let version: Option<i32> = input.version.trim().parse().ok();
    errors.finish(())?;
    let (outcome, on) = (outcome.unwrap_or("ended"), on.unwrap_or_default());
    db::write(conn, |conn| {
        let current = find(conn, scope, id)?;
        if version != Some(current.version) {
            return Ok(Saved::Stale(current));
        }
        if !current.is_active() {
            return Err(AppError::invalid("ended_on", "This placement is no longer active."));
        }
        if on > current.end_date {
            return Err(AppError::invalid(
                "ended_on",
                format!(
                    "It is due to end on {}; to run longer, extend it instead.",
                    current.end_date.format("%-d %b %Y")
                ),
            ));
        }
        if outcome == "ended" && on < current.start_date {
            return Err(AppError::invalid(
                "ended_on",
                format!(
                    "The last day worked cannot be before the start, {}; cancel it instead.",
                    current.start_date.format("%-d %b %Y")
                ),
            ));
        }
        // An early end moves the end date to the last day worked; a cancellation keeps the
        // planned dates (the event and the audit log carry the day).
        let end_date = if outcome == "ended" { on } else { current.end_date };
        let written = diesel::update(
            placements::table.filter(placements::id.eq(current.id)).filter(placements::version.eq(current.version)),
        )
        .set((
            placements::status.eq(outcome),
            placements::end_date.eq(end_date),
            placements::version.eq(current.version + 1),
            placements::updated_at.eq(now),
        ))
        .execute(conn)?;
        if written != 1 {
            return Err(AppError::internal("placement changed inside its own transaction"));
        }
        let placement = find(conn, scope, id)?;
        let sub = submission::find(conn, scope, placement.submission_id)?;
        let stage_now = stage::find(conn, scope, sub.stage_id)?;
        let body = if outcome == "ended" {
            format!("Placement ended early: last day {}", on.format("%-d %b %Y"))
        } else {
            format!("Placement cancelled on {}", on.format("%-d %b %Y"))
        };
        submission::record_event(conn, &sub, NewEvent::new("placement_ended", &body, true), &stage_now, actor, now)?;
        let record = contractor::find(conn, scope, placement.contractor_id)?;
        off_contract(conn, &record, current.end_date, on + TimeDelta::days(1), today, now)?;
        audit::record(conn, actor, Event::on(&format!("placement.{outcome}"), "placement", id, body.clone()), now)?;
        Ok(Saved::Done(placement))
    })
}

/// The availability a placement writes.
struct Availability {
    availability: &'static str,
    available_from: Option<NaiveDate>,
    contract_ends_on: Option<NaiveDate>,
    extension_likelihood: Option<String>,
    available_on: NaiveDate,
}

/// The person's agency records whose placements count: every record linked to the same profile
/// (in any agency: the profile is one), or this record alone.
fn person_records(conn: &mut DbConnection, record: &Contractor) -> Result<Vec<i64>, AppError> {
    match record.profile_id {
        Some(profile_id) => Ok(agency_contractors::table
            .filter(agency_contractors::profile_id.eq(profile_id))
            .select(agency_contractors::id)
            .load(conn)?),
        None => Ok(vec![record.id]),
    }
}

/// The latest end among the person's active placements.
fn contract_until(conn: &mut DbConnection, record: &Contractor) -> Result<Option<NaiveDate>, AppError> {
    let ids = person_records(conn, record)?;
    Ok(placements::table
        .filter(placements::contractor_id.eq_any(ids))
        .filter(placements::status.eq("active"))
        .select(diesel::dsl::max(placements::end_date))
        .first(conn)?)
}

/// The availability as the contractor (linked) or the agency (not linked) keeps it now:
/// (status, contract end, extension likelihood).
fn current_availability(
    conn: &mut DbConnection,
    record: &Contractor,
) -> Result<(String, Option<NaiveDate>, Option<String>), AppError> {
    match record.profile_id {
        Some(profile_id) => Ok(contractor_profiles::table
            .find(profile_id)
            .select((
                contractor_profiles::availability,
                contractor_profiles::contract_ends_on,
                contractor_profiles::extension_likelihood,
            ))
            .first(conn)?),
        None => Ok((record.availability.clone(), record.contract_ends_on, record.extension_likelihood.clone())),
    }
}

/// Writes availability, confirmed by the placement as of now: on the profile (shared with every
/// linked agency record) when the record is linked, on the record otherwise.
fn write_availability(
    conn: &mut DbConnection,
    record: &Contractor,
    to: &Availability,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    if let Some(profile_id) = record.profile_id {
        use contractor_profiles as p;
        diesel::update(p::table.find(profile_id))
            .set((
                p::availability.eq(to.availability),
                p::available_from.eq(to.available_from),
                p::contract_ends_on.eq(to.contract_ends_on),
                p::extension_likelihood.eq(&to.extension_likelihood),
                p::available_on.eq(to.available_on),
                p::availability_confirmed_at.eq(Some(now)),
                p::availability_confirmed_by.eq(Some(contractor::CONFIRMED_BY_AGENCY)),
                p::reminder_sent_at.eq(None::<NaiveDateTime>),
                p::updated_at.eq(now),
                p::version.eq(p::version + 1),
            ))
            .execute(conn)?;
        let profile: Profile = p::table.find(profile_id).select(Profile::as_select()).first(conn)?;
        profile::sync_linked_records(conn, &profile, now)?;
        return Ok(());
    }
    use agency_contractors as c;
    diesel::update(c::table.filter(c::id.eq(record.id)).filter(c::agency_id.eq(record.agency_id)))
        .set((
            c::availability.eq(to.availability),
            c::available_from.eq(to.available_from),
            c::contract_ends_on.eq(to.contract_ends_on),
            c::extension_likelihood.eq(&to.extension_likelihood),
            c::available_on.eq(to.available_on),
            c::availability_confirmed_at.eq(Some(now)),
            c::availability_confirmed_by.eq(Some(contractor::CONFIRMED_BY_AGENCY)),
            c::updated_at.eq(now),
            c::version.eq(c::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// "On contract until" the latest end among the person's active placements.
fn on_contract(conn: &mut DbConnection, record: &Contractor, now: NaiveDateTime) -> Result<(), AppError> {
    let Some(until) = contract_until(conn, record)? else { return Ok(()) };
    let (status, _, likelihood) = current_availability(conn, record)?;
    // A likelihood the contractor gave for a running contract still holds.
    let extension_likelihood = if status == "on_contract" { likelihood } else { None };
    let to = Availability {
        availability: "on_contract",
        available_from: None,
        contract_ends_on: Some(until),
        extension_likelihood,
        available_on: until,
    };
    write_availability(conn, record, &to, now)
}

/// After a placement that was due to end on `was_until` stopped: still on contract if another
/// placement runs; otherwise available from `free_from` — unless the availability is no longer
/// the one the placement set (the contractor changed it themselves).
fn off_contract(
    conn: &mut DbConnection,
    record: &Contractor,
    was_until: NaiveDate,
    free_from: NaiveDate,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    if contract_until(conn, record)?.is_some() {
        return on_contract(conn, record, now);
    }
    let (status, ends_on, _) = current_availability(conn, record)?;
    if status != "on_contract" || ends_on != Some(was_until) {
        return Ok(());
    }
    let to = if free_from <= today {
        Availability {
            availability: "now",
            available_from: None,
            contract_ends_on: None,
            extension_likelihood: None,
            available_on: contractor::available_now_date(),
        }
    } else {
        Availability {
            availability: "from_date",
            available_from: Some(free_from),
            contract_ends_on: None,
            extension_likelihood: None,
            available_on: free_from,
        }
    };
    write_availability(conn, record, &to, now)
}

/// One extension in a placement's history.
#[derive(Clone, Debug, Queryable)]
pub struct Extension {
    pub id: i64,
    pub previous_end_date: NaiveDate,
    pub new_end_date: NaiveDate,
    /// The pay rate until this extension.
    pub pay_rate_minor: i64,
    /// The bill rate until this extension.
    pub bill_rate_minor: i64,
    pub note: Option<String>,
    pub created_by_name: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A stretch of a placement under one set of terms.
#[derive(Clone, Debug)]
pub struct Term {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub pay_text: String,
    pub bill_text: String,
    pub margin_text: String,
    /// The extension that began it (`None` for the original terms).
    pub extension: Option<Extension>,
}

/// The placement's terms over time: the original period, then one per extension.
pub fn terms(placement: &Placement, extensions: &[Extension]) -> Vec<Term> {
    let rate = |minor: i64| money::format_rate(minor, &placement.currency, &placement.rate_unit);
    let margin_text = |pay: i64, bill: i64| {
        let (minor, percent) = margin(pay, bill);
        format!("{} ({percent})", rate(minor))
    };
    let mut out = Vec::with_capacity(extensions.len() + 1);
    let mut from = placement.start_date;
    let mut began: Option<Extension> = None;
    for extension in extensions {
        out.push(Term {
            from,
            to: extension.previous_end_date,
            pay_text: rate(extension.pay_rate_minor),
            bill_text: rate(extension.bill_rate_minor),
            margin_text: margin_text(extension.pay_rate_minor, extension.bill_rate_minor),
            extension: began.take(),
        });
        from = extension.previous_end_date + TimeDelta::days(1);
        began = Some(extension.clone());
    }
    out.push(Term {
        from,
        to: placement.end_date,
        pay_text: placement.pay_text(),
        bill_text: placement.bill_text(),
        margin_text: placement.margin_text(),
        extension: began,
    });
    out
}

/// Everything the placement page shows.
#[derive(Clone, Debug)]
pub struct Detail {
    pub placement: Placement,
    pub contractor_name: String,
    pub job_title: String,
    pub client_name: String,
    /// Oldest first.
    pub extensions: Vec<Extension>,
}

impl Detail {
    /// The terms over time.
    pub fn terms(&self) -> Vec<Term> {
        terms(&self.placement, &self.extensions)
    }
}

/// Loads one of the agency's placements with its history.
pub fn detail(conn: &mut DbConnection, scope: AgencyScope, id: i64) -> Result<Detail, AppError> {
    let placement = find(conn, scope, id)?;
    let contractor_name: String =
        agency_contractors::table.find(placement.contractor_id).select(agency_contractors::name).first(conn)?;
    let (job_title, client_name): (String, String) = jobs::table
        .inner_join(clients::table.on(clients::id.eq(jobs::client_id)))
        .filter(jobs::id.eq(placement.job_id))
        .select((jobs::title, clients::name))
        .first(conn)?;
    let extensions: Vec<Extension> = placement_extensions::table
        .left_join(users::table.on(users::id.nullable().eq(placement_extensions::created_by)))
        .filter(placement_extensions::placement_id.eq(placement.id))
        .filter(placement_extensions::agency_id.eq(scope.agency_id()))
        .order(placement_extensions::id.asc())
        .select((
            placement_extensions::id,
            placement_extensions::previous_end_date,
            placement_extensions::new_end_date,
            placement_extensions::pay_rate_minor,
            placement_extensions::bill_rate_minor,
            placement_extensions::note,
            users::name.nullable(),
            placement_extensions::created_at,
        ))
        .load(conn)?;
    Ok(Detail { placement, contractor_name, job_title, client_name, extensions })
}

/// What the placements list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Only this contractor record's.
    pub contractor_id: Option<i64>,
    /// Ended and cancelled ones too.
    pub include_ended: bool,
    /// From 1.
    pub page: i64,
}

/// A line of the placements list.
#[derive(Clone, Debug)]
pub struct Row {
    pub placement: Placement,
    pub contractor_name: String,
    pub job_title: String,
    pub client_name: String,
}

/// One page of the list, and whether another follows.
#[derive(Clone, Debug)]
pub struct ListPage {
    pub rows: Vec<Row>,
    pub page: i64,
    pub has_next: bool,
}

/// The agency's placements: active first, ending soonest first (one statement per page).
pub fn list(conn: &mut DbConnection, scope: AgencyScope, filter: &ListFilter) -> Result<ListPage, AppError> {
    let page = filter.page.clamp(1, 1_000);
    let mut query = placements::table
        .inner_join(agency_contractors::table.on(agency_contractors::id.eq(placements::contractor_id)))
        .inner_join(jobs::table.on(jobs::id.eq(placements::job_id)))
        .inner_join(clients::table.on(clients::id.eq(jobs::client_id)))
        .filter(placements::agency_id.eq(scope.agency_id()))
        .into_boxed();
    if let Some(contractor_id) = filter.contractor_id {
        query = query.filter(placements::contractor_id.eq(contractor_id));
    }
    if !filter.include_ended {
        query = query.filter(placements::status.eq("active"));
    }
    // "active" sorts before "cancelled" and "ended".
    let rows: Vec<(Placement, String, String, String)> = query
        .order((placements::status.asc(), placements::end_date.asc(), placements::id.asc()))
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
        .select((Placement::as_select(), agency_contractors::name, jobs::title, clients::name))
        .load(conn)?;
    let has_next = rows.len() as i64 > PAGE_SIZE;
    let rows = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|(placement, contractor_name, job_title, client_name)| Row {
            placement,
            contractor_name,
            job_title,
            client_name,
        })
        .collect();
    Ok(ListPage { rows, page, has_next })
}

/// The placement form's heading: the submission's contractor and job, and the accepted offer.
#[derive(Clone, Debug)]
pub struct NewContext {
    pub submission_id: i64,
    pub contractor_name: String,
    pub job_title: String,
    pub offer: Option<Offer>,
}

/// Loads what the placement form of one of the agency's submissions needs.
pub fn new_context(conn: &mut DbConnection, scope: AgencyScope, submission_id: i64) -> Result<NewContext, AppError> {
    let sub = submission::find(conn, scope, submission_id)?;
    let contractor_name: String =
        agency_contractors::table.find(sub.contractor_id).select(agency_contractors::name).first(conn)?;
    let job_title: String = jobs::table.find(sub.job_id).select(jobs::title).first(conn)?;
    let offer = offer::accepted_for(conn, scope, sub.id)?;
    Ok(NewContext { submission_id: sub.id, contractor_name, job_title, offer })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margins_are_bill_minus_pay_and_a_share_of_the_bill() {
        assert_eq!(margin(9500, 12000), (2500, "20.8%".into()));
        assert_eq!(margin(10000, 10000), (0, "0.0%".into()));
        assert_eq!(margin(60000, 80000), (20000, "25.0%".into()));
    }

    fn placement() -> Placement {
        let day = |m, d| NaiveDate::from_ymd_opt(2027, m, d).unwrap();
        Placement {
            id: 1,
            agency_id: 1,
            submission_id: 1,
            contractor_id: 1,
            job_id: 1,
            start_date: day(2, 1),
            end_date: day(12, 31),
            pay_rate_minor: 10000,
            bill_rate_minor: 13000,
            currency: "EUR".into(),
            rate_unit: "hour".into(),
            status: "active".into(),
            version: 2,
            created_by: None,
            created_at: day(1, 1).and_hms_opt(0, 0, 0).unwrap(),
            updated_at: day(1, 1).and_hms_opt(0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn terms_split_at_each_extension() {
        let p = placement();
        let extension = Extension {
            id: 1,
            previous_end_date: NaiveDate::from_ymd_opt(2027, 7, 31).unwrap(),
            new_end_date: p.end_date,
            pay_rate_minor: 9500,
            bill_rate_minor: 12000,
            note: Some("client happy".into()),
            created_by_name: None,
            created_at: p.created_at,
        };
        let terms = terms(&p, std::slice::from_ref(&extension));
        assert_eq!(terms.len(), 2);
        assert_eq!((terms[0].from, terms[0].to), (p.start_date, extension.previous_end_date));
        assert_eq!(terms[0].pay_text, "EUR 95/hour");
        assert!(terms[0].extension.is_none());
        assert_eq!(terms[1].from, NaiveDate::from_ymd_opt(2027, 8, 1).unwrap());
        assert_eq!(terms[1].pay_text, "EUR 100/hour");
        assert_eq!(terms[1].extension.as_ref().and_then(|e| e.note.as_deref()), Some("client happy"));
    }

    #[test]
    fn ending_soon_means_within_six_weeks() {
        let p = placement();
        let today = p.end_date - TimeDelta::days(42);
        assert!(p.ends_soon(&today));
        assert_eq!(p.ends_text(&today), "ends in 42 days");
        assert!(!p.ends_soon(&(today - TimeDelta::days(1))));
    }
}
