//! Idempotency keys: a create sent twice creates once.
//!
//! A create form carries a random key, made when the form is shown ([`new_key`]). The create runs
//! through [`create_once`], which stores the key with where the answer sent the user, in the same
//! transaction as the record. The same form sent again (a double click, a retry after the answer
//! was lost, a browser resending after a crash of the server) creates nothing and is sent to the
//! same place. Keys belong to the user who sent them; the sweeper deletes them after
//! [`KEEP_HOURS`]. A form without a key (a script) creates as before.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::schema::idempotency_keys;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::models::token;

/// The form field that carries the key.
pub const FIELD: &str = "idempotency_key";

/// How long a key is remembered: a resent form older than this creates again.
pub const KEEP_HOURS: i64 = 24;

/// A fresh key for a create form (128 random bits, hex).
pub fn new_key() -> String {
    token::random_hex(16)
}

/// What a create under a key did.
#[derive(Debug)]
pub enum Once<T> {
    /// It ran (the key's first use, or no key): what it made.
    Ran(T),
    /// The key was used before: where the first create's answer went.
    Repeated(String),
}

/// True for a key this module could have made (or a client's own of the same shape).
fn well_formed(key: &str) -> bool {
    (16..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Runs `create` once per `key` of `user_id`, in one write transaction with the key.
///
/// The first time, `create` runs and the key is stored with `location` of its result (where the
/// answer sends the user); a later call with the same key runs nothing and returns that location.
/// When `location` gives `None` (nothing was made, e.g. a duplicate refused) the key is not kept,
/// nor when `create` fails (the form can be corrected and sent again). A blank key runs `create`
/// as it is. Two calls with one key at the same moment: the second waits for the first to commit.
pub fn create_once<T>(
    conn: &mut DbConnection,
    user_id: i64,
    key: &str,
    now: NaiveDateTime,
    create: impl FnOnce(&mut DbConnection) -> Result<T, AppError>,
    location: impl FnOnce(&T) -> Option<String>,
) -> Result<Once<T>, AppError> {
    let key = key.trim();
    if key.is_empty() {
        return create(conn).map(Once::Ran);
    }
    if !well_formed(key) {
        return Err(AppError::BadRequest("The form could not be read: its idempotency key is malformed.".into()));
    }
    db::write(conn, |conn| {
        // Claim the key first: a concurrent claim of the same key waits here (PostgreSQL) or
        // could not have begun (SQLite writes one at a time), then finds the stored location.
        if !claim(conn, user_id, key, now)? {
            let location = idempotency_keys::table
                .filter(idempotency_keys::user_id.eq(user_id))
                .filter(idempotency_keys::key.eq(key))
                .select(idempotency_keys::location)
                .first::<String>(conn)?;
            return Ok(Once::Repeated(location));
        }
        let made = create(conn)?;
        let mine =
            idempotency_keys::table.filter(idempotency_keys::user_id.eq(user_id)).filter(idempotency_keys::key.eq(key));
        match location(&made) {
            Some(location) => diesel::update(mine).set(idempotency_keys::location.eq(location)).execute(conn)?,
            None => diesel::delete(mine).execute(conn)?,
        };
        Ok(Once::Ran(made))
    })
}

/// Inserts the key unless it is there; false when it was.
fn claim(conn: &mut DbConnection, user_id: i64, key: &str, now: NaiveDateTime) -> Result<bool, AppError> {
    let row = (
        idempotency_keys::user_id.eq(user_id),
        idempotency_keys::key.eq(key),
        idempotency_keys::location.eq(""),
        idempotency_keys::created_at.eq(now),
    );
    let target = (idempotency_keys::user_id, idempotency_keys::key);
    // (A failed INSERT would abort a PostgreSQL transaction: the clash is ignored instead.)
    let inserted = match conn {
        DbConnection::Sqlite(c) => {
            diesel::insert_into(idempotency_keys::table).values(row).on_conflict(target).do_nothing().execute(c)?
        }
        DbConnection::Postgresql(c) => {
            diesel::insert_into(idempotency_keys::table).values(row).on_conflict(target).do_nothing().execute(c)?
        }
    };
    Ok(inserted == 1)
}

/// Deletes keys older than [`KEEP_HOURS`]; returns how many.
pub fn sweep(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, AppError> {
    let before = now - TimeDelta::hours(KEEP_HOURS);
    Ok(diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before))).execute(conn)?)
}
