//! The audit log: who did what, when, from where. Never a password, token or cookie.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{audit_log, users};
use crate::error::AppError;
use crate::models::agency::AgencyScope;

/// Who is acting and from where.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    /// The signed-in user, if any.
    pub user_id: Option<i64>,
    /// Their agency, if staff.
    pub agency_id: Option<i64>,
    /// The client's address.
    pub ip: String,
    /// The client's user agent, shortened.
    pub user_agent: String,
}

impl Actor {
    /// The same request, now acting as `user_id` of `agency_id` (after sign-in or sign-up).
    pub fn as_user(&self, user_id: i64, agency_id: Option<i64>) -> Self {
        Self { user_id: Some(user_id), agency_id, ..self.clone() }
    }

    /// An operator command run on the server.
    pub fn console() -> Self {
        Self { ip: "console".into(), user_agent: "nextgig command line".into(), ..Self::default() }
    }
}

/// What happened: a stable action name, what it was done to, and a short detail.
#[derive(Clone, Debug)]
pub struct Event<'a> {
    pub action: &'a str,
    pub subject_type: Option<&'a str>,
    pub subject_id: Option<i64>,
    pub detail: String,
}

impl<'a> Event<'a> {
    /// An event about nothing in particular.
    pub fn new(action: &'a str, detail: impl Into<String>) -> Self {
        Self { action, subject_type: None, subject_id: None, detail: detail.into() }
    }

    /// An event about one row.
    pub fn on(action: &'a str, subject_type: &'a str, subject_id: i64, detail: impl Into<String>) -> Self {
        Self { action, subject_type: Some(subject_type), subject_id: Some(subject_id), detail: detail.into() }
    }
}

/// Longest detail kept.
const MAX_DETAIL: usize = 1_000;

/// Appends an entry (inside the caller's transaction, so it commits with the change).
pub fn record(conn: &mut DbConnection, actor: &Actor, event: Event<'_>, now: NaiveDateTime) -> Result<(), AppError> {
    let detail: String = event.detail.chars().take(MAX_DETAIL).collect();
    let user_agent: String = actor.user_agent.chars().take(200).collect();
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::agency_id.eq(actor.agency_id),
            audit_log::user_id.eq(actor.user_id),
            audit_log::action.eq(event.action),
            audit_log::subject_type.eq(event.subject_type),
            audit_log::subject_id.eq(event.subject_id),
            audit_log::detail.eq(detail),
            audit_log::ip.eq(&actor.ip),
            audit_log::user_agent.eq(user_agent),
            audit_log::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// One line of the audit log as the admin sees it.
#[derive(Clone, Debug, Queryable)]
pub struct Entry {
    pub id: i64,
    pub created_at: NaiveDateTime,
    pub who: Option<String>,
    pub action: String,
    pub detail: String,
    pub ip: String,
}

/// Entries per page of the audit log.
pub const PAGE_SIZE: i64 = 50;

/// The agency's audit log, newest first, `PAGE_SIZE` at a time, starting below id `before`.
pub fn page(conn: &mut DbConnection, scope: AgencyScope, before: Option<i64>) -> Result<Vec<Entry>, AppError> {
    let mut query = audit_log::table
        .left_join(users::table)
        .filter(audit_log::agency_id.eq(scope.agency_id()))
        .select((
            audit_log::id,
            audit_log::created_at,
            users::name.nullable(),
            audit_log::action,
            audit_log::detail,
            audit_log::ip,
        ))
        .order(audit_log::id.desc())
        .limit(PAGE_SIZE + 1)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(audit_log::id.lt(before));
    }
    Ok(query.load(conn)?)
}

/// Every action name recorded for a user (tests and investigations).
pub fn actions_for_user(conn: &mut DbConnection, user_id: i64) -> Result<Vec<String>, AppError> {
    Ok(audit_log::table
        .filter(audit_log::user_id.eq(user_id))
        .order(audit_log::id.asc())
        .select(audit_log::action)
        .load(conn)?)
}
