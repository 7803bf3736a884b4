//! Offers: what the client offers the contractor on a submission (rate, start, optional end).
//! An offer needs an open submission with an approved, unexpired consent. It is compared with
//! the contractor's rate floor — the profile's when the record is linked, even a floor the
//! contractor keeps private (the recruiter then learns only "below their rate floor", never the
//! number). Recording one moves the submission into the offer stage; the contractor sees it.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::{contractor_profiles, offers, placements};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::audit::{self, Actor, Event};
use crate::models::consent;
use crate::models::contractor::{self, Contractor};
use crate::models::money;
use crate::models::stage;
use crate::models::submission::{self, NewEvent, Submission};
use crate::models::validation::{self, FieldErrors};

/// Units an offer may be given in: (stored, shown).
pub const UNITS: &[(&str, &str)] = consent::RATE_UNITS;

/// What became of an offer: (stored, shown).
pub const STATUSES: &[(&str, &str)] = &[
    ("made", "Waiting for an answer"),
    ("accepted", "Accepted"),
    ("declined", "Declined"),
    ("withdrawn", "Withdrawn"),
];

/// An offer row.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = offers)]
pub struct Offer {
    pub id: i64,
    pub agency_id: i64,
    pub submission_id: i64,
    pub rate_minor: i64,
    pub rate_currency: String,
    pub rate_unit: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// Below the contractor's rate floor when it was made (same unit and currency only).
    pub below_floor: bool,
    pub status: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
}

impl Offer {
    /// "EUR 95/hour".
    pub fn rate_text(&self) -> String {
        money::format_rate(self.rate_minor, &self.rate_currency, &self.rate_unit)
    }

    /// "EUR 95/hour from 1 Feb 2027" (and "to 31 Jul 2027" when it has an end).
    pub fn summary(&self) -> String {
        let mut text = format!("{} from {}", self.rate_text(), self.start_date.format("%-d %b %Y"));
        if let Some(end) = self.end_date {
            text.push_str(&format!(" to {}", end.format("%-d %b %Y")));
        }
        text
    }

    /// The status, for people.
    pub fn status_text(&self) -> &'static str {
        STATUSES.iter().find(|(s, _)| *s == self.status).map_or("", |(_, t)| t)
    }

    /// True while waiting for the contractor's answer.
    pub fn is_open(&self) -> bool {
        self.status == "made"
    }
}

/// The contractor's rate floor as far as an offer check goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Floor {
    pub minor: i64,
    pub currency: String,
    pub unit: String,
    /// Kept private by the contractor: the number is never shown to the agency.
    pub private: bool,
}

impl Floor {
    /// "EUR 80/hour", or `None` when private.
    pub fn shown(&self) -> Option<String> {
        (!self.private).then(|| money::format_rate(self.minor, &self.currency, &self.unit))
    }
}

/// How a rate compares with the floor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// No floor is known.
    NoFloor,
    /// At or above the floor.
    Meets,
    /// Below the floor.
    Below,
    /// Another unit or currency: no comparison. ("per day in GBP")
    CantCompare(String),
}

/// The floor that counts for this record: the linked profile's (even when private), otherwise
/// the one the agency recorded.
pub fn floor_of(conn: &mut DbConnection, record: &Contractor) -> Result<Option<Floor>, AppError> {
    if let Some(profile_id) = record.profile_id {
        let (minor, currency, unit, visible): (Option<i64>, Option<String>, Option<String>, bool) =
            contractor_profiles::table
                .find(profile_id)
                .select((
                    contractor_profiles::rate_floor_minor,
                    contractor_profiles::rate_currency,
                    contractor_profiles::rate_unit,
                    contractor_profiles::rate_visible,
                ))
                .first(conn)?;
        return Ok(match (minor, currency, unit) {
            (Some(minor), Some(currency), Some(unit)) => Some(Floor { minor, currency, unit, private: !visible }),
            _ => None,
        });
    }
    Ok(match (record.rate_floor_minor, &record.rate_currency, &record.rate_unit) {
        (Some(minor), Some(currency), Some(unit)) => {
            Some(Floor { minor, currency: currency.clone(), unit: unit.clone(), private: false })
        }
        _ => None,
    })
}

/// Compares a rate with a floor; only the same unit and currency compare.
pub fn compare(rate_minor: i64, currency: &str, unit: &str, floor: Option<&Floor>) -> Comparison {
    match floor {
        None => Comparison::NoFloor,
        Some(floor) if floor.unit != unit || floor.currency != currency => {
            Comparison::CantCompare(format!("per {} in {}", floor.unit, floor.currency))
        }
        Some(floor) if rate_minor < floor.minor => Comparison::Below,
        Some(_) => Comparison::Meets,
    }
}

/// The "record an offer" form, as submitted.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OfferInput {
    pub offer_rate: String,
    pub offer_currency: String,
    pub offer_unit: String,
    pub offer_start: String,
    pub offer_end: String,
    /// See [`crate::models::idempotency`].
    pub idempotency_key: String,
}

/// A checked offer.
#[derive(Clone, Debug)]
struct ValidOffer {
    rate_minor: i64,
    currency: String,
    unit: &'static str,
    start: NaiveDate,
    end: Option<NaiveDate>,
}

impl OfferInput {
    fn validate(&self) -> Result<ValidOffer, AppError> {
        let mut errors = FieldErrors::default();
        let rate_minor = match money::parse_amount(&self.offer_rate) {
            Ok(minor) if minor > 0 => minor,
            Ok(_) => {
                errors.add("offer_rate", "Give the rate offered.");
                0
            }
            Err(_) if self.offer_rate.trim().is_empty() => {
                errors.add("offer_rate", "Give the rate offered.");
                0
            }
            Err(why) => {
                errors.add("offer_rate", format!("The rate {why}."));
                0
            }
        };
        let currency =
            money::parse_currency(if self.offer_currency.trim().is_empty() { "EUR" } else { &self.offer_currency })
                .unwrap_or_else(|why| {
                    errors.add("offer_currency", format!("Currency {why}."));
                    String::new()
                });
        let unit = if self.offer_unit.trim().is_empty() {
            Some("hour")
        } else {
            validation::optional_choice(&mut errors, "offer_unit", "Per", &self.offer_unit, UNITS)
        }
        .unwrap_or("hour");
        let start = validation::optional_date(&mut errors, "offer_start", "Start date", &self.offer_start);
        if start.is_none() && !errors.has("offer_start") {
            errors.add("offer_start", "Give the start date offered.");
        }
        let end = validation::optional_date(&mut errors, "offer_end", "End date", &self.offer_end);
        if let (Some(start), Some(end)) = (start, end)
            && end < start
        {
            errors.add("offer_end", "The end date is before the start date.");
        }
        let start = start.unwrap_or_default();
        errors.finish(ValidOffer { rate_minor, currency, unit, start, end })
    }
}

/// What recording an offer led to.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub offer: Offer,
    pub comparison: Comparison,
}

/// Records an offer on one of the agency's submissions; moves it into the first offer stage if
/// it is earlier in the pipeline. The contractor sees the offer on their submission.
pub fn record(
    conn: &mut DbConnection,
    scope: AgencyScope,
    submission_id: i64,
    input: &OfferInput,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Recorded, AppError> {
    submission::find(conn, scope, submission_id)?;
    let valid = input.validate()?;
    db::write(conn, |conn| {
        let sub = submission::find(conn, scope, submission_id)?;
        if sub.is_closed() {
            return Err(AppError::invalid("offer_rate", "This submission is closed."));
        }
        if has_placement(conn, sub.id)? {
            return Err(AppError::invalid("offer_rate", "This submission already has a placement."));
        }
        if accepted_for(conn, scope, sub.id)?.is_some() {
            return Err(AppError::invalid(
                "offer_rate",
                "An offer was already accepted: set up the placement instead.",
            ));
        }
        if consent::active_for_submission(conn, sub.id, now)?.is_none() {
            return Err(AppError::invalid(
                "offer_rate",
                "They have not approved being put forward for this role (or their consent expired). Ask for their consent first.",
            ));
        }
        let record = contractor::find(conn, scope, sub.contractor_id)?;
        let floor = floor_of(conn, &record)?;
        let comparison = compare(valid.rate_minor, &valid.currency, valid.unit, floor.as_ref());
        let id: i64 = diesel::insert_into(offers::table)
            .values((
                offers::agency_id.eq(scope.agency_id()),
                offers::submission_id.eq(sub.id),
                offers::rate_minor.eq(valid.rate_minor),
                offers::rate_currency.eq(&valid.currency),
                offers::rate_unit.eq(valid.unit),
                offers::start_date.eq(valid.start),
                offers::end_date.eq(valid.end),
                offers::below_floor.eq(comparison == Comparison::Below),
                offers::status.eq("made"),
                offers::created_by.eq(actor.user_id),
                offers::created_at.eq(now),
            ))
            .returning(offers::id)
            .get_result(conn)?;
        let offer = find(conn, scope, id)?;
        let (current, target, moved) = submission::advance_to(conn, scope, &sub, "offer", now)?;
        let body = format!("Offer: {}", offer.summary());
        let event = NewEvent {
            kind: "offer_made",
            body: &body,
            visible: true,
            from_stage: moved.then_some(current.id),
            to_stage: moved.then_some(target.id),
        };
        submission::record_event(conn, &sub, event, &target, actor, now)?;
        let flag = if offer.below_floor { " (below the rate floor)" } else { "" };
        audit::record(
            conn,
            actor,
            Event::on("offer.made", "offer", id, format!("{} for submission {}{flag}", offer.summary(), sub.id)),
            now,
        )?;
        Ok(Recorded { offer, comparison })
    })
}

/// One of the agency's offers; another agency's answers `NotFound`.
pub fn find(conn: &mut DbConnection, scope: AgencyScope, id: i64) -> Result<Offer, AppError> {
    Ok(offers::table
        .filter(offers::id.eq(id))
        .filter(offers::agency_id.eq(scope.agency_id()))
        .select(Offer::as_select())
        .first(conn)?)
}

fn has_placement(conn: &mut DbConnection, submission_id: i64) -> Result<bool, AppError> {
    Ok(diesel::select(diesel::dsl::exists(placements::table.filter(placements::submission_id.eq(submission_id))))
        .get_result(conn)?)
}

/// The contractor's answer to an offer, or the client taking it back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Decline,
    Withdraw,
}

impl Decision {
    /// Reads `accept`, `decline` or `withdraw`.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        match raw.trim() {
            "accept" => Ok(Self::Accept),
            "decline" => Ok(Self::Decline),
            "withdraw" => Ok(Self::Withdraw),
            _ => Err(AppError::invalid("decision", "Choose accepted, declined or withdrawn.")),
        }
    }

    fn stored(self) -> &'static str {
        match self {
            Self::Accept => "accepted",
            Self::Decline => "declined",
            Self::Withdraw => "withdrawn",
        }
    }
}

/// Records what became of an offer that is still waiting: accepted (then the placement can be
/// created), declined by the contractor, or withdrawn by the client. Returns the offer.
pub fn decide(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    decision: Decision,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Offer, AppError> {
    db::write(conn, |conn| {
        let offer = find(conn, scope, id)?;
        let sub: Submission = submission::find(conn, scope, offer.submission_id)?;
        if !offer.is_open() {
            return Err(AppError::invalid(
                "decision",
                format!("This offer was already answered: {}.", offer.status_text().to_lowercase()),
            ));
        }
        if sub.is_closed() {
            return Err(AppError::invalid("decision", "This submission is closed."));
        }
        if decision == Decision::Accept {
            let accepted: Option<i64> = offers::table
                .filter(offers::submission_id.eq(sub.id))
                .filter(offers::status.eq("accepted"))
                .select(offers::id)
                .first(conn)
                .optional()?;
            if accepted.is_some() {
                return Err(AppError::invalid("decision", "Another offer on this submission was already accepted."));
            }
        }
        let written = diesel::update(offers::table.filter(offers::id.eq(offer.id)).filter(offers::status.eq("made")))
            .set((offers::status.eq(decision.stored()), offers::decided_at.eq(Some(now))))
            .execute(conn)?;
        if written != 1 {
            return Err(AppError::invalid("decision", "This offer was already answered."));
        }
        let body = match decision {
            Decision::Accept => format!("Offer accepted: {}", offer.summary()),
            Decision::Decline => format!("Offer declined: {}", offer.summary()),
            Decision::Withdraw => format!("Offer withdrawn by the client: {}", offer.summary()),
        };
        let current = stage::find(conn, scope, sub.stage_id)?;
        let kind = format!("offer_{}", decision.stored());
        submission::record_event(conn, &sub, NewEvent::new(&kind, &body, true), &current, actor, now)?;
        let action = format!("offer.{}", decision.stored());
        audit::record(conn, actor, Event::on(&action, "offer", offer.id, offer.summary()), now)?;
        find(conn, scope, id)
    })
}

/// An offer as the submission page lists it.
#[derive(Clone, Debug)]
pub struct OfferView {
    pub offer: Offer,
    /// How it compares with the contractor's floor as known now.
    pub comparison: Comparison,
}

impl OfferView {
    /// "Below their rate floor", "Can't compare: floor is per day in GBP", … (`None`: no floor).
    pub fn floor_text(&self, floor: &Option<Floor>) -> Option<String> {
        if self.offer.below_floor {
            return Some(match floor.as_ref().and_then(Floor::shown) {
                Some(shown) => format!("Below their rate floor of {shown}"),
                None => "Below their rate floor".to_string(),
            });
        }
        match &self.comparison {
            Comparison::NoFloor => None,
            Comparison::Meets | Comparison::Below => Some("Meets their rate floor".to_string()),
            Comparison::CantCompare(what) => Some(format!("Can't compare: their floor is {what}")),
        }
    }
}

/// The offers part of a submission page.
#[derive(Clone, Debug)]
pub struct Offers {
    /// Newest first.
    pub offers: Vec<OfferView>,
    /// The floor offers are checked against (its number hidden when private).
    pub floor: Option<Floor>,
    /// An approved, unexpired consent exists: an offer may be recorded.
    pub consent_active: bool,
    /// The submission's placement (id, ends on, status), if any.
    pub placement: Option<(i64, NaiveDate, String)>,
    /// The accepted offer, if any.
    pub accepted: Option<i64>,
    /// The record-an-offer form, prefilled from the consent's rate.
    pub form: OfferInput,
    /// Always empty on the submission page (errors come back on the offer page).
    pub errors: FieldErrors,
}

impl Offers {
    /// True when an offer can be recorded now.
    pub fn can_record(&self) -> bool {
        self.consent_active && self.placement.is_none() && self.accepted.is_none()
    }
}

/// Loads the offers part of one of the agency's submission pages.
pub fn for_submission(
    conn: &mut DbConnection,
    scope: AgencyScope,
    submission_id: i64,
    now: NaiveDateTime,
) -> Result<Offers, AppError> {
    let sub = submission::find(conn, scope, submission_id)?;
    let record = contractor::find(conn, scope, sub.contractor_id)?;
    let floor = floor_of(conn, &record)?;
    let rows: Vec<Offer> = offers::table
        .filter(offers::agency_id.eq(scope.agency_id()))
        .filter(offers::submission_id.eq(sub.id))
        .order(offers::id.desc())
        .limit(100)
        .select(Offer::as_select())
        .load(conn)?;
    let accepted = rows.iter().find(|o| o.status == "accepted").map(|o| o.id);
    let offers = rows
        .into_iter()
        .map(|offer| OfferView {
            comparison: compare(offer.rate_minor, &offer.rate_currency, &offer.rate_unit, floor.as_ref()),
            offer,
        })
        .collect();
    let active = consent::active_for_submission(conn, sub.id, now)?;
    let placement: Option<(i64, NaiveDate, String)> = placements::table
        .filter(placements::agency_id.eq(scope.agency_id()))
        .filter(placements::submission_id.eq(sub.id))
        .select((placements::id, placements::end_date, placements::status))
        .first(conn)
        .optional()?;
    let idempotency_key = crate::models::idempotency::new_key();
    let form = match &active {
        Some(c) => OfferInput {
            offer_rate: money::amount_for_input(c.rate_minor),
            offer_currency: c.rate_currency.clone(),
            offer_unit: c.rate_unit.clone(),
            idempotency_key,
            ..OfferInput::default()
        },
        None => OfferInput {
            offer_currency: "EUR".into(),
            offer_unit: "hour".into(),
            idempotency_key,
            ..OfferInput::default()
        },
    };
    Ok(Offers {
        offers,
        floor,
        consent_active: active.is_some(),
        placement,
        accepted,
        form,
        errors: FieldErrors::default(),
    })
}

/// The offer page's context: the submission's contractor and job, for the heading.
#[derive(Clone, Debug)]
pub struct OfferContext {
    pub submission_id: i64,
    pub contractor_name: String,
    pub job_title: String,
    pub floor: Option<Floor>,
}

/// The heading of the offer page of one of the agency's submissions.
pub fn context(conn: &mut DbConnection, scope: AgencyScope, submission_id: i64) -> Result<OfferContext, AppError> {
    let sub = submission::find(conn, scope, submission_id)?;
    let record = contractor::find(conn, scope, sub.contractor_id)?;
    let job = crate::models::job::Job::find(conn, scope, sub.job_id)?;
    let floor = floor_of(conn, &record)?;
    Ok(OfferContext { submission_id: sub.id, contractor_name: record.name, job_title: job.title, floor })
}

/// The accepted offer of one of the agency's submissions, if any (to prefill the placement).
pub fn accepted_for(
    conn: &mut DbConnection,
    scope: AgencyScope,
    submission_id: i64,
) -> Result<Option<Offer>, AppError> {
    Ok(offers::table
        .filter(offers::agency_id.eq(scope.agency_id()))
        .filter(offers::submission_id.eq(submission_id))
        .filter(offers::status.eq("accepted"))
        .order(offers::id.desc())
        .select(Offer::as_select())
        .first(conn)
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floor(minor: i64, currency: &str, unit: &str) -> Floor {
        Floor { minor, currency: currency.into(), unit: unit.into(), private: false }
    }

    #[test]
    fn rates_compare_only_in_the_same_unit_and_currency() {
        let eur_hour = floor(8000, "EUR", "hour");
        assert_eq!(compare(7999, "EUR", "hour", Some(&eur_hour)), Comparison::Below);
        assert_eq!(compare(8000, "EUR", "hour", Some(&eur_hour)), Comparison::Meets);
        assert_eq!(compare(9000, "EUR", "hour", None), Comparison::NoFloor);
        assert_eq!(
            compare(50000, "EUR", "day", Some(&floor(60000, "GBP", "day"))),
            Comparison::CantCompare("per day in GBP".into())
        );
        assert_eq!(
            compare(100, "EUR", "hour", Some(&floor(60000, "EUR", "day"))),
            Comparison::CantCompare("per day in EUR".into())
        );
    }

    #[test]
    fn an_end_before_the_start_is_refused() {
        let input = OfferInput {
            offer_rate: "95".into(),
            offer_currency: "EUR".into(),
            offer_unit: "hour".into(),
            offer_start: "2027-02-01".into(),
            offer_end: "2027-01-31".into(),
            ..OfferInput::default()
        };
        match input.validate() {
            Err(AppError::Invalid(errors)) => {
                assert_eq!(errors.get("offer_end"), Some("The end date is before the start date."))
            }
            other => panic!("expected an error, got {other:?}"),
        }
    }
}
