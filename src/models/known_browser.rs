//! Browsers a user has signed in from. After a successful sign-in the browser keeps a random
//! secret in a long-lived cookie; the row keeps its hash. A browser the owner signed in from
//! before is exempt from the throttles that slow down guesses at the account (many wrong
//! passwords from many addresses), so an attack on an account never locks its owner out of their
//! own browser. Such a browser has a small failure limit of its own (a stolen cookie is not a
//! free pass to guess).

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::known_browsers;
use crate::error::AppError;
use crate::models::token::{self, Token};

/// How long a browser stays known without a sign-in (the cookie lasts as long).
pub const KEEP_DAYS: i64 = 180;

/// The id of the known browser behind `secret` for `user_id`, if it is one (unexpired).
pub fn find(
    conn: &mut DbConnection,
    secret: Option<&str>,
    user_id: i64,
    now: NaiveDateTime,
) -> Result<Option<i64>, AppError> {
    let Some(secret) = secret.filter(|s| token::is_well_formed(s)) else { return Ok(None) };
    Ok(known_browsers::table
        .filter(known_browsers::token_hash.eq(token::hash(secret)))
        .filter(known_browsers::user_id.eq(user_id))
        .filter(known_browsers::last_used_at.gt(now - TimeDelta::days(KEEP_DAYS)))
        .select(known_browsers::id)
        .first(conn)
        .optional()?)
}

/// Remembers the browser after `user_id` signed in (inside the caller's transaction). A browser
/// already known for this user is touched and keeps its secret (`None`); any other gets a new
/// secret to put in its cookie.
pub fn remember(
    conn: &mut DbConnection,
    user_id: i64,
    current: Option<&str>,
    now: NaiveDateTime,
) -> Result<Option<String>, AppError> {
    if let Some(id) = find(conn, current, user_id, now)? {
        diesel::update(known_browsers::table.find(id)).set(known_browsers::last_used_at.eq(now)).execute(conn)?;
        return Ok(None);
    }
    let fresh = Token::generate();
    diesel::insert_into(known_browsers::table)
        .values((
            known_browsers::user_id.eq(user_id),
            known_browsers::token_hash.eq(&fresh.hash),
            known_browsers::created_at.eq(now),
            known_browsers::last_used_at.eq(now),
        ))
        .execute(conn)?;
    Ok(Some(fresh.secret))
}

/// Forgets browsers unused for [`KEEP_DAYS`].
pub fn sweep(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, AppError> {
    Ok(diesel::delete(known_browsers::table.filter(known_browsers::last_used_at.le(now - TimeDelta::days(KEEP_DAYS))))
        .execute(conn)?)
}
