//! People who sign in: staff of one agency (admin or recruiter) or contractors.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{sessions, users};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::validation::FieldErrors;

/// What a staff member may do in their agency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Everything a recruiter can, plus the team, settings and the audit log.
    Admin,
    /// The agency's day-to-day work.
    Recruiter,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Recruiter => "recruiter",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Admin => "Admin",
            Self::Recruiter => "Recruiter",
        }
    }

    /// Reads a stored or submitted role name.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "admin" => Some(Self::Admin),
            "recruiter" => Some(Self::Recruiter),
            _ => None,
        }
    }
}

/// Staff or contractor.
pub const KIND_STAFF: &str = "staff";
/// A contractor's own account (linked to agencies' records of them).
pub const KIND_CONTRACTOR: &str = "contractor";

/// A user account.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub kind: String,
    pub agency_id: Option<i64>,
    pub role: Option<String>,
    pub time_zone: String,
    pub disabled_at: Option<NaiveDateTime>,
    pub last_login_at: Option<NaiveDateTime>,
    pub password_changed_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A new staff account, already validated and with its password hashed.
#[derive(Clone, Debug)]
pub struct NewStaff<'a> {
    pub agency_id: i64,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    /// An IANA time zone (see [`zone_or_utc`]).
    pub time_zone: &'a str,
}

/// The zone a sign-up form sent (the browser's, where JavaScript is on), or UTC when it is
/// missing or unknown: a wrong guess is fixed on the account page, not an error at sign-up.
pub fn zone_or_utc(zone: &str) -> String {
    zone.trim().parse::<chrono_tz::Tz>().map_or_else(|_| "UTC".to_string(), |tz| tz.name().to_string())
}

impl User {
    /// The role of a staff member (`None` for contractors).
    pub fn role(&self) -> Option<Role> {
        self.role.as_deref().and_then(Role::parse)
    }

    /// True when the account may not sign in.
    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }

    /// The account with this email (already normalised), if any.
    pub fn find_by_email(conn: &mut DbConnection, email: &str) -> Result<Option<User>, AppError> {
        Ok(users::table.filter(users::email.eq(email)).select(User::as_select()).first(conn).optional()?)
    }

    /// Any account by id (for sign-in bookkeeping, never for pages).
    pub fn find(conn: &mut DbConnection, id: i64) -> Result<User, AppError> {
        Ok(users::table.find(id).select(User::as_select()).first(conn)?)
    }

    /// A member of the scoped agency; another agency's member answers `NotFound`.
    pub fn find_in_agency(conn: &mut DbConnection, scope: AgencyScope, id: i64) -> Result<User, AppError> {
        Ok(users::table
            .filter(users::id.eq(id))
            .filter(users::agency_id.eq(scope.agency_id()))
            .select(User::as_select())
            .first(conn)?)
    }

    /// The agency's team, admins first, then by name.
    pub fn team(conn: &mut DbConnection, scope: AgencyScope) -> Result<Vec<User>, AppError> {
        Ok(users::table
            .filter(users::agency_id.eq(scope.agency_id()))
            .order((users::role.asc(), users::name.asc(), users::id.asc()))
            .select(User::as_select())
            .load(conn)?)
    }

    /// Creates a staff account (inside the caller's transaction). A taken email is a field error.
    pub fn create_staff(conn: &mut DbConnection, new: &NewStaff<'_>, now: NaiveDateTime) -> Result<User, AppError> {
        let inserted = diesel::insert_into(users::table)
            .values((
                users::email.eq(new.email),
                users::name.eq(new.name),
                users::password_hash.eq(new.password_hash),
                users::kind.eq(KIND_STAFF),
                users::agency_id.eq(Some(new.agency_id)),
                users::role.eq(Some(new.role.as_str())),
                users::time_zone.eq(new.time_zone),
                users::password_changed_at.eq(now),
                users::created_at.eq(now),
                users::updated_at.eq(now),
            ))
            .get_result::<User>(conn);
        match inserted {
            Ok(user) => Ok(user),
            Err(e) if db::is_unique_violation(&e) => {
                let mut errors = FieldErrors::default();
                errors
                    .add("email", "This email already has a NextGig account. Sign in instead, or use another address.");
                Err(AppError::Invalid(errors))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Notes a successful sign-in.
    pub fn record_login(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> Result<(), AppError> {
        diesel::update(users::table.find(id)).set(users::last_login_at.eq(now)).execute(conn)?;
        Ok(())
    }

    /// Sets the zone the user's dates and times are shown in; an unknown zone is a form error.
    /// Returns the zone's canonical name.
    pub fn set_time_zone(
        conn: &mut DbConnection,
        id: i64,
        zone: &str,
        actor: &crate::models::audit::Actor,
        now: NaiveDateTime,
    ) -> Result<String, AppError> {
        let Ok(tz) = zone.trim().parse::<chrono_tz::Tz>() else {
            return Err(AppError::invalid("time_zone", "Choose a time zone from the list."));
        };
        let name = tz.name().to_string();
        crate::db::write(conn, |conn| {
            diesel::update(users::table.find(id))
                .set((users::time_zone.eq(&name), users::updated_at.eq(now)))
                .execute(conn)?;
            crate::models::audit::record(
                conn,
                actor,
                crate::models::audit::Event::on("user.time_zone_changed", "user", id, name.clone()),
                now,
            )
        })?;
        Ok(name)
    }

    /// Sets a new password hash and ends every session of the user except `keep_session`.
    pub fn set_password(
        conn: &mut DbConnection,
        id: i64,
        password_hash: &str,
        keep_session: Option<i64>,
        now: NaiveDateTime,
    ) -> Result<(), AppError> {
        diesel::update(users::table.find(id))
            .set((
                users::password_hash.eq(password_hash),
                users::password_changed_at.eq(now),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        crate::models::session::SessionRecord::delete_others(conn, id, keep_session)?;
        Ok(())
    }

    /// Disables or re-enables a member of the scoped agency. Disabling ends their sessions at
    /// once. Returns the member; another agency's member answers `NotFound`.
    pub fn set_disabled(
        conn: &mut DbConnection,
        scope: AgencyScope,
        id: i64,
        disabled: bool,
        now: NaiveDateTime,
    ) -> Result<User, AppError> {
        let member = Self::find_in_agency(conn, scope, id)?;
        diesel::update(users::table.find(member.id))
            .set((users::disabled_at.eq(disabled.then_some(now)), users::updated_at.eq(now)))
            .execute(conn)?;
        if disabled {
            diesel::delete(sessions::table.filter(sessions::user_id.eq(member.id))).execute(conn)?;
        }
        Self::find(conn, member.id)
    }

    /// How many enabled admins the agency has (the last one cannot be disabled).
    pub fn active_admin_count(conn: &mut DbConnection, scope: AgencyScope) -> Result<i64, AppError> {
        Ok(users::table
            .filter(users::agency_id.eq(scope.agency_id()))
            .filter(users::role.eq(Role::Admin.as_str()))
            .filter(users::disabled_at.is_null())
            .count()
            .get_result(conn)?)
    }
}
