//! Server-side sessions: the cookie holds a random secret, the table its hash. Deleting a row
//! ends the session on every instance at once.

use chrono::{NaiveDateTime, TimeDelta};
use chrono_tz::Tz;
use diesel::prelude::*;

use crate::db::schema::{agencies, sessions, users};
use crate::db::{DbConnection, sql};
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::user::Role;

/// A session row.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRecord {
    pub id: i64,
    pub user_id: Option<i64>,
    pub csrf_token: String,
    pub flash: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// The signed-in user as every request sees them (loaded with the session, in one query).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub kind: String,
    pub agency_id: Option<i64>,
    pub role: Option<String>,
    pub time_zone: String,
    pub agency_name: Option<String>,
    pub disabled: bool,
    /// How many unread notices the bell shows (loaded with the session, in the same query).
    pub unread_notices: i64,
}

impl SessionUser {
    /// The user's role in their agency (`None` for contractors).
    pub fn role(&self) -> Option<Role> {
        self.role.as_deref().and_then(Role::parse)
    }

    /// True for an agency admin.
    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    /// The agency this staff member works for.
    pub fn agency_scope(&self) -> Option<AgencyScope> {
        self.agency_id.map(AgencyScope::of)
    }

    /// The user's time zone (UTC if the stored name is unknown).
    pub fn tz(&self) -> Tz {
        self.time_zone.parse().unwrap_or(Tz::UTC)
    }

    /// "First" of "First Last", for greetings.
    pub fn first_name(&self) -> &str {
        self.name.split_whitespace().next().unwrap_or(&self.name)
    }
}

type UserColumns = (
    users::id,
    users::email,
    users::name,
    users::kind,
    users::agency_id,
    users::role,
    users::time_zone,
    users::disabled_at,
);
type UserRow = (i64, String, String, String, Option<i64>, Option<String>, String, Option<NaiveDateTime>);

const USER_COLUMNS: UserColumns = (
    users::id,
    users::email,
    users::name,
    users::kind,
    users::agency_id,
    users::role,
    users::time_zone,
    users::disabled_at,
);

/// What a new session row holds.
#[derive(Clone, Debug)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: Option<i64>,
    pub csrf_token: &'a str,
    pub flash: Option<&'a str>,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub expires_at: NaiveDateTime,
}

/// Why a stored session is no longer accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validity {
    /// In use.
    Valid,
    /// Past its idle or absolute deadline, or its user is disabled.
    Ended,
}

/// Longest user-agent string kept.
const MAX_USER_AGENT: usize = 400;

impl SessionRecord {
    /// The session whose secret hashes to `token_hash`, with its user and agency.
    pub fn load(
        conn: &mut DbConnection,
        token_hash: &str,
    ) -> Result<Option<(SessionRecord, Option<SessionUser>)>, AppError> {
        let row = sessions::table
            .left_join(users::table.left_join(agencies::table))
            .filter(sessions::token_hash.eq(token_hash))
            .select((
                SessionRecord::as_select(),
                USER_COLUMNS.nullable(),
                agencies::name.nullable(),
                sql::unread_notices(),
            ))
            .first::<(SessionRecord, Option<UserRow>, Option<String>, i64)>(conn)
            .optional()?;
        Ok(row.map(|(record, user, agency_name, unread_notices)| {
            let user = user.map(|(id, email, name, kind, agency_id, role, time_zone, disabled_at)| SessionUser {
                id,
                email,
                name,
                kind,
                agency_id,
                role,
                time_zone,
                agency_name,
                disabled: disabled_at.is_some(),
                unread_notices,
            });
            (record, user)
        }))
    }

    /// Whether the session may still be used at `now`.
    pub fn validity(&self, user: Option<&SessionUser>, idle: TimeDelta, now: NaiveDateTime) -> Validity {
        let idle_over = now >= self.last_seen_at + idle;
        let absolute_over = now >= self.expires_at;
        let user_gone = self.user_id.is_some() && user.is_none_or(|u| u.disabled);
        if idle_over || absolute_over || user_gone { Validity::Ended } else { Validity::Valid }
    }

    /// Stores a new session.
    pub fn create(conn: &mut DbConnection, new: &NewSession<'_>, now: NaiveDateTime) -> Result<i64, AppError> {
        let user_agent: String = new.user_agent.chars().take(MAX_USER_AGENT).collect();
        Ok(diesel::insert_into(sessions::table)
            .values((
                sessions::token_hash.eq(new.token_hash),
                sessions::user_id.eq(new.user_id),
                sessions::csrf_token.eq(new.csrf_token),
                sessions::flash.eq(new.flash),
                sessions::ip.eq(new.ip),
                sessions::user_agent.eq(user_agent),
                sessions::created_at.eq(now),
                sessions::last_seen_at.eq(now),
                sessions::expires_at.eq(new.expires_at),
            ))
            .returning(sessions::id)
            .get_result(conn)?)
    }

    /// Ends one session.
    pub fn delete(conn: &mut DbConnection, id: i64) -> Result<(), AppError> {
        diesel::delete(sessions::table.find(id)).execute(conn)?;
        Ok(())
    }

    /// Ends every session of `user_id` except `keep`.
    pub fn delete_others(conn: &mut DbConnection, user_id: i64, keep: Option<i64>) -> Result<usize, AppError> {
        let mine = sessions::table.filter(sessions::user_id.eq(user_id));
        Ok(match keep {
            Some(keep) => diesel::delete(mine.filter(sessions::id.ne(keep))).execute(conn)?,
            None => diesel::delete(mine).execute(conn)?,
        })
    }

    /// Saves what a request changed: the last-seen time and the pending flash messages.
    pub fn save(
        conn: &mut DbConnection,
        id: i64,
        last_seen_at: Option<NaiveDateTime>,
        flash: Option<Option<&str>>,
    ) -> Result<(), AppError> {
        let target = sessions::table.find(id);
        match (last_seen_at, flash) {
            (Some(seen), Some(flash)) => diesel::update(target)
                .set((sessions::last_seen_at.eq(seen), sessions::flash.eq(flash)))
                .execute(conn)?,
            (Some(seen), None) => diesel::update(target).set(sessions::last_seen_at.eq(seen)).execute(conn)?,
            (None, Some(flash)) => diesel::update(target).set(sessions::flash.eq(flash)).execute(conn)?,
            (None, None) => 0,
        };
        Ok(())
    }

    /// Deletes sessions past their idle or absolute deadline. Returns how many went.
    pub fn sweep(conn: &mut DbConnection, idle: TimeDelta, now: NaiveDateTime) -> Result<usize, AppError> {
        Ok(diesel::delete(
            sessions::table.filter(sessions::last_seen_at.le(now - idle).or(sessions::expires_at.le(now))),
        )
        .execute(conn)?)
    }

    /// How many sessions a user has (tests and the account page).
    pub fn count_for_user(conn: &mut DbConnection, user_id: i64) -> Result<i64, AppError> {
        Ok(sessions::table.filter(sessions::user_id.eq(user_id)).count().get_result(conn)?)
    }
}
