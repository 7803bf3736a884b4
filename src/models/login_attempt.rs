//! Sign-in attempts and the throttle built on them. Kept in the database so that every instance
//! counts the same failures.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::login_attempts;
use crate::error::AppError;

/// Failures are counted over this sliding window; a throttle never lasts longer.
pub const WINDOW_MINUTES: i64 = 15;
/// Failures for one account from one address before that pair is throttled.
pub const PER_ACCOUNT_AND_ADDRESS: i64 = 10;
/// Failures for one account from all addresses (a spread-out guessing attack).
pub const PER_ACCOUNT: i64 = 50;
/// Failures from one address across all accounts (credential stuffing).
pub const PER_ADDRESS: i64 = 100;

/// The throttle's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throttle {
    /// Go ahead.
    Open,
    /// Refuse; try again in this many seconds.
    Closed { retry_after_seconds: u64 },
}

/// Records one attempt.
pub fn record(
    conn: &mut DbConnection,
    email: &str,
    ip: &str,
    succeeded: bool,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::email.eq(email),
            login_attempts::ip.eq(ip),
            login_attempts::succeeded.eq(succeeded),
            login_attempts::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether a sign-in for `email` from `ip` may be tried now.
pub fn check(conn: &mut DbConnection, email: &str, ip: &str, now: NaiveDateTime) -> Result<Throttle, AppError> {
    let window = TimeDelta::minutes(WINDOW_MINUTES);
    let since = now - window;
    let recent = || {
        login_attempts::table
            .filter(login_attempts::succeeded.eq(false))
            .filter(login_attempts::created_at.gt(since))
            .select(login_attempts::created_at)
            .order(login_attempts::created_at.desc())
            .into_boxed()
    };
    let limits = [
        (recent().filter(login_attempts::email.eq(email)).filter(login_attempts::ip.eq(ip)), PER_ACCOUNT_AND_ADDRESS),
        (recent().filter(login_attempts::email.eq(email)), PER_ACCOUNT),
        (recent().filter(login_attempts::ip.eq(ip)), PER_ADDRESS),
    ];
    let mut reopen_at: Option<NaiveDateTime> = None;
    for (query, limit) in limits {
        // The `limit`-th most recent failure: once it leaves the window, the door reopens.
        let nth: Option<NaiveDateTime> = query.offset(limit - 1).first(conn).optional()?;
        if let Some(at) = nth {
            let reopens = at + window;
            reopen_at = Some(reopen_at.map_or(reopens, |r| r.max(reopens)));
        }
    }
    Ok(match reopen_at {
        Some(at) if at > now => {
            Throttle::Closed { retry_after_seconds: u64::try_from((at - now).num_seconds().max(1)).unwrap_or(1) }
        }
        _ => Throttle::Open,
    })
}

/// Forgets attempts older than a day.
pub fn sweep(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, AppError> {
    Ok(diesel::delete(login_attempts::table.filter(login_attempts::created_at.lt(now - TimeDelta::days(1))))
        .execute(conn)?)
}
