//! The outbox: every email NextGig sends, written in the same transaction as the change that
//! caused it and delivered later by the outbox worker. Each message is claimed with a conditional
//! UPDATE before it is sent, so two workers never send the same message.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::outbox;
use crate::error::AppError;
use crate::mail::Email;

/// A message waiting to be sent (or sent).
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxMessage {
    pub id: i64,
    pub agency_id: Option<i64>,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    /// A file sent with the message (an interview's .ics).
    pub attachment_name: Option<String>,
    pub attachment_type: Option<String>,
    pub attachment_body: Option<String>,
}

/// A claim lasts this long; a worker that dies mid-send releases its messages when it lapses.
pub const CLAIM_MINUTES: i64 = 5;
/// After this many failed attempts a message is left alone (its last error stays recorded).
pub const MAX_ATTEMPTS: i32 = 12;

/// Puts an email in the outbox (inside the caller's transaction).
pub fn enqueue(
    conn: &mut DbConnection,
    agency_id: Option<i64>,
    email: &Email,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    Ok(diesel::insert_into(outbox::table)
        .values((
            outbox::agency_id.eq(agency_id),
            outbox::recipient.eq(&email.to),
            outbox::subject.eq(&email.subject),
            outbox::body_text.eq(&email.text),
            outbox::body_html.eq(None::<String>),
            outbox::attempts.eq(0),
            outbox::created_at.eq(now),
            outbox::next_attempt_at.eq(now),
        ))
        .returning(outbox::id)
        .get_result(conn)?)
}

/// Claims up to `limit` due messages for `worker`. Only messages this call claimed are returned.
pub fn claim_due(
    conn: &mut DbConnection,
    worker: &str,
    limit: i64,
    now: NaiveDateTime,
) -> Result<Vec<OutboxMessage>, AppError> {
    let due: Vec<i64> = outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::attempts.lt(MAX_ATTEMPTS))
        .filter(outbox::next_attempt_at.le(now))
        .filter(outbox::claimed_until.is_null().or(outbox::claimed_until.lt(now)))
        .order(outbox::id.asc())
        .limit(limit)
        .select(outbox::id)
        .load(conn)?;
    let until = now + TimeDelta::minutes(CLAIM_MINUTES);
    let mut claimed = Vec::with_capacity(due.len());
    for id in due {
        // The WHERE clause repeats the conditions: whoever updates the row first owns it.
        let won = diesel::update(
            outbox::table
                .filter(outbox::id.eq(id))
                .filter(outbox::sent_at.is_null())
                .filter(outbox::claimed_until.is_null().or(outbox::claimed_until.lt(now))),
        )
        .set((outbox::claimed_by.eq(worker), outbox::claimed_until.eq(until)))
        .execute(conn)?;
        if won == 1 {
            claimed.push(id);
        }
    }
    Ok(outbox::table
        .filter(outbox::id.eq_any(claimed))
        .order(outbox::id.asc())
        .select(OutboxMessage::as_select())
        .load(conn)?)
}

/// Marks a claimed message sent.
pub fn mark_sent(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> Result<(), AppError> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::sent_at.eq(Some(now)),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt and schedules the next one with a growing delay (1 minute doubling,
/// at most 6 hours).
pub fn mark_failed(
    conn: &mut DbConnection,
    id: i64,
    attempts_before: i32,
    error: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let delay_minutes = (1i64 << attempts_before.clamp(0, 9)).min(360);
    let error: String = error.chars().take(500).collect();
    diesel::update(outbox::table.find(id))
        .set((
            outbox::attempts.eq(attempts_before + 1),
            outbox::last_error.eq(Some(error)),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::next_attempt_at.eq(now + TimeDelta::minutes(delay_minutes)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every message, oldest first (tests and the operator's view).
pub fn all(conn: &mut DbConnection) -> Result<Vec<OutboxMessage>, AppError> {
    Ok(outbox::table.order(outbox::id.asc()).select(OutboxMessage::as_select()).load(conn)?)
}
