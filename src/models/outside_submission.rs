//! Outside submissions: "I was put forward to CLIENT on DATE through another route" — recorded by
//! the contractor, used by the double-submission guard, never shown to any agency as such.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::DbConnection;
use crate::db::schema::outside_submissions;
use crate::error::AppError;
use crate::models::client;
use crate::models::profile;
use crate::models::validation::{self, FieldErrors};

/// One reported outside submission (the domain normalised like clients' domains, so the guard
/// recognises the same company).
#[derive(Clone, Debug, Queryable, Selectable, Serialize)]
#[diesel(table_name = outside_submissions)]
pub struct OutsideSubmission {
    pub id: i64,
    pub client_name: String,
    pub client_domain: String,
    pub role_title: Option<String>,
    pub submitted_on: NaiveDate,
    pub notes: Option<String>,
}

/// The form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutsideInput {
    pub client_name: String,
    pub client_domain: String,
    pub role_title: String,
    pub submitted_on: String,
    pub notes: String,
    /// See [`crate::models::idempotency`].
    pub idempotency_key: String,
}

impl OutsideInput {
    /// A blank form.
    pub fn blank() -> Self {
        Self { idempotency_key: crate::models::idempotency::new_key(), ..Self::default() }
    }
}

/// The contractor's outside submissions, newest first.
pub fn list(conn: &mut DbConnection, user_id: i64) -> Result<Vec<OutsideSubmission>, AppError> {
    let profile = profile::find_for_user(conn, user_id)?;
    Ok(outside_submissions::table
        .filter(outside_submissions::profile_id.eq(profile.id))
        .order((outside_submissions::submitted_on.desc(), outside_submissions::id.desc()))
        .select(OutsideSubmission::as_select())
        .load(conn)?)
}

/// Records one; the date cannot be in the future.
pub fn add(
    conn: &mut DbConnection,
    user_id: i64,
    input: &OutsideInput,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<OutsideSubmission, AppError> {
    let mut errors = FieldErrors::default();
    let client_name = validation::required(&mut errors, "client_name", "Company", &input.client_name, 200);
    let client_domain = match input.client_domain.trim() {
        "" => {
            errors.add("client_domain", "Give the company's web address, e.g. example.com.");
            String::new()
        }
        raw => match client::normalize_domain(raw) {
            Ok(Some(domain)) => domain,
            Ok(None) => String::new(),
            Err(message) => {
                errors.add("client_domain", message);
                String::new()
            }
        },
    };
    let role_title = validation::optional(&mut errors, "role_title", "Role", &input.role_title, 200);
    let submitted_on = validation::optional_date(&mut errors, "submitted_on", "Date", &input.submitted_on);
    match submitted_on {
        None if !errors.has("submitted_on") => errors.add("submitted_on", "Give the date you were put forward."),
        Some(date) if date > today => errors.add("submitted_on", "The date cannot be in the future."),
        _ => {}
    }
    let notes = validation::optional(&mut errors, "notes", "Notes", &input.notes, 2_000);
    let submitted_on = errors.finish(submitted_on)?.unwrap_or(today);
    let profile = profile::find_for_user(conn, user_id)?;
    let id: i64 = diesel::insert_into(outside_submissions::table)
        .values((
            outside_submissions::profile_id.eq(profile.id),
            outside_submissions::client_name.eq(&client_name),
            outside_submissions::client_domain.eq(&client_domain),
            outside_submissions::role_title.eq(&role_title),
            outside_submissions::submitted_on.eq(submitted_on),
            outside_submissions::notes.eq(&notes),
            outside_submissions::created_at.eq(now),
        ))
        .returning(outside_submissions::id)
        .get_result(conn)?;
    Ok(outside_submissions::table.find(id).select(OutsideSubmission::as_select()).first(conn)?)
}

/// Deletes one of the contractor's own entries (someone else's answers `NotFound`).
pub fn delete(conn: &mut DbConnection, user_id: i64, id: i64) -> Result<(), AppError> {
    let profile = profile::find_for_user(conn, user_id)?;
    let deleted = diesel::delete(
        outside_submissions::table
            .filter(outside_submissions::id.eq(id))
            .filter(outside_submissions::profile_id.eq(profile.id)),
    )
    .execute(conn)?;
    if deleted == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
