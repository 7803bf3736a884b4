//! Agencies: the tenants. Every agency-owned row carries `agency_id`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::agencies;
use crate::error::AppError;
use crate::models::validation::{self, FieldErrors};

/// The agency a query is limited to. Made only from a signed-in staff user's session (or by
/// trusted operator commands), never from an id in a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgencyScope {
    agency_id: i64,
}

impl AgencyScope {
    /// The scope of the agency with this id. Crate-private: handlers get scopes from sessions.
    pub(crate) fn of(agency_id: i64) -> Self {
        Self { agency_id }
    }

    /// The agency's id, for the `agency_id = ?` filter.
    pub fn agency_id(&self) -> i64 {
        self.agency_id
    }
}

/// An agency.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = agencies)]
pub struct Agency {
    pub id: i64,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Days during which a second submission of a contractor to the same client needs a reason.
    pub ownership_window_days: i32,
    /// Hours within which availability must have been confirmed to submit someone to a client.
    pub availability_window_hours: i32,
    /// Days a consent request stays open.
    pub consent_valid_days: i32,
    /// Every staff member must sign in with two steps (password and authenticator code).
    pub two_factor_required: bool,
}

/// Longest agency name accepted.
pub const MAX_AGENCY_NAME: usize = 120;

/// Checks an agency name.
pub fn validate_name(errors: &mut FieldErrors, field: &'static str, name: &str) -> String {
    validation::required(errors, field, "Agency name", name, MAX_AGENCY_NAME)
}

impl Agency {
    /// Creates an agency with the default pipeline stages (inside the caller's transaction).
    pub fn create(conn: &mut DbConnection, name: &str, now: NaiveDateTime) -> Result<Agency, AppError> {
        let agency: Agency = diesel::insert_into(agencies::table)
            .values((
                agencies::name.eq(name),
                agencies::created_at.eq(now),
                agencies::updated_at.eq(now),
                agencies::ownership_window_days.eq(180),
                agencies::availability_window_hours.eq(72),
                agencies::consent_valid_days.eq(14),
            ))
            .get_result(conn)?;
        crate::models::stage::create_defaults(conn, agency.id, now)?;
        Ok(agency)
    }

    /// The agency a scope points at.
    pub fn find(conn: &mut DbConnection, scope: AgencyScope) -> Result<Agency, AppError> {
        Ok(agencies::table.find(scope.agency_id()).select(Agency::as_select()).first(conn)?)
    }

    /// True when at least one agency exists (first-run setup is then closed).
    pub fn any_exist(conn: &mut DbConnection) -> Result<bool, AppError> {
        Ok(diesel::select(diesel::dsl::exists(agencies::table.select(agencies::id))).get_result(conn)?)
    }
}
