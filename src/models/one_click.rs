//! Single-use, expiring tokens behind emailed one-click pages (stored hashed).

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::schema::one_click_tokens;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::models::profile::{self, Profile};
use crate::models::token::{self, Token};

/// The purpose of a "still available" link.
pub const STILL_AVAILABLE: &str = "still_available";
/// How long a "still available" link works.
pub const STILL_AVAILABLE_DAYS: i64 = 14;

/// Makes a token for `user_id` (inside the caller's transaction); returns its secret.
pub fn issue(
    conn: &mut DbConnection,
    user_id: i64,
    purpose: &str,
    lifetime: TimeDelta,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    let token = Token::generate();
    diesel::insert_into(one_click_tokens::table)
        .values((
            one_click_tokens::user_id.eq(user_id),
            one_click_tokens::purpose.eq(purpose),
            one_click_tokens::token_hash.eq(&token.hash),
            one_click_tokens::created_at.eq(now),
            one_click_tokens::expires_at.eq(now + lifetime),
        ))
        .execute(conn)?;
    Ok(token.secret)
}

fn owner(conn: &mut DbConnection, secret: &str, purpose: &str, now: NaiveDateTime) -> Result<i64, AppError> {
    if !token::is_well_formed(secret) {
        return Err(AppError::NotFound);
    }
    Ok(one_click_tokens::table
        .filter(one_click_tokens::token_hash.eq(token::hash(secret)))
        .filter(one_click_tokens::purpose.eq(purpose))
        .filter(one_click_tokens::used_at.is_null())
        .filter(one_click_tokens::expires_at.gt(now))
        .select(one_click_tokens::user_id)
        .first(conn)?)
}

/// The profile behind an unused "still available" link.
pub fn open_still_available(conn: &mut DbConnection, secret: &str, now: NaiveDateTime) -> Result<Profile, AppError> {
    let user_id = owner(conn, secret, STILL_AVAILABLE, now)?;
    profile::find_for_user(conn, user_id)
}

/// Uses a "still available" link (once): confirms the availability as of now.
pub fn use_still_available(conn: &mut DbConnection, secret: &str, now: NaiveDateTime) -> Result<Profile, AppError> {
    let user_id = db::write(conn, |conn| {
        let user_id = owner(conn, secret, STILL_AVAILABLE, now)?;
        let used = diesel::update(
            one_click_tokens::table
                .filter(one_click_tokens::token_hash.eq(token::hash(secret)))
                .filter(one_click_tokens::used_at.is_null()),
        )
        .set(one_click_tokens::used_at.eq(Some(now)))
        .execute(conn)?;
        if used != 1 {
            return Err(AppError::NotFound);
        }
        Ok(user_id)
    })?;
    profile::confirm_still_available(conn, user_id, now)
}
