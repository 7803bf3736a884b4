//! Sign-in attempts and the throttle built on them. Kept in the database so that every instance
//! counts the same failures.
//!
//! The throttle slows attackers down without locking the owner out (SECURITY.md, promise 4):
//!
//! - From a browser the owner signed in from before (a known browser, by its cookie), only that
//!   browser's own failures count: 10 in 15 minutes pause that browser, and nothing an attacker
//!   does elsewhere closes it.
//! - From any other browser: 10 failures for one account from one address pause that pair, 100
//!   from one address pause the address (credential stuffing), and past 50 failures for one
//!   account from everywhere each further attempt waits a little longer (10 s more per failure,
//!   at most 5 minutes), so that a spread-out attack gets a few guesses an hour instead of a lock.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::login_attempts;
use crate::error::AppError;

/// Failures are counted over this sliding window; no pause lasts longer.
pub const WINDOW_MINUTES: i64 = 15;
/// Failures for one account from one address (from unknown browsers) before that pair pauses.
pub const PER_ACCOUNT_AND_ADDRESS: i64 = 10;
/// Failures for one account from all unknown browsers before each further attempt waits.
pub const PER_ACCOUNT: i64 = 50;
/// How much longer each failure past [`PER_ACCOUNT`] makes the next attempt wait.
pub const ACCOUNT_DELAY_STEP_SECONDS: i64 = 10;
/// The longest wait between attempts at one account.
pub const ACCOUNT_DELAY_MAX_SECONDS: i64 = 300;
/// Failures from one address across all accounts (credential stuffing).
pub const PER_ADDRESS: i64 = 100;
/// Failures from one known browser before it pauses.
pub const PER_KNOWN_BROWSER: i64 = 10;

/// The throttle's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throttle {
    /// Go ahead.
    Open,
    /// Refuse; try again in this many seconds.
    Closed { retry_after_seconds: u64 },
}

/// Records one attempt; `known_browser` is the sign-in's known browser, if it came from one.
pub fn record(
    conn: &mut DbConnection,
    email: &str,
    ip: &str,
    known_browser: Option<i64>,
    succeeded: bool,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::email.eq(email),
            login_attempts::ip.eq(ip),
            login_attempts::known_browser_id.eq(known_browser),
            login_attempts::succeeded.eq(succeeded),
            login_attempts::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether a sign-in for `email` from `ip` (from `known_browser`, when the browser is one the
/// owner signed in from before) may be tried now.
pub fn check(
    conn: &mut DbConnection,
    email: &str,
    ip: &str,
    known_browser: Option<i64>,
    now: NaiveDateTime,
) -> Result<Throttle, AppError> {
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
    let mut reopen_at: Option<NaiveDateTime> = None;
    let mut later = |at: NaiveDateTime| reopen_at = Some(reopen_at.map_or(at, |r: NaiveDateTime| r.max(at)));
    if let Some(browser) = known_browser {
        // The `limit`-th most recent failure: once it leaves the window, the browser reopens.
        let query = recent().filter(login_attempts::known_browser_id.eq(browser));
        if let Some(at) = query.offset(PER_KNOWN_BROWSER - 1).first::<NaiveDateTime>(conn).optional()? {
            later(at + window);
        }
    } else {
        let unknown = || recent().filter(login_attempts::known_browser_id.is_null());
        let pauses = [
            (
                unknown().filter(login_attempts::email.eq(email)).filter(login_attempts::ip.eq(ip)),
                PER_ACCOUNT_AND_ADDRESS,
            ),
            (unknown().filter(login_attempts::ip.eq(ip)), PER_ADDRESS),
        ];
        for (query, limit) in pauses {
            if let Some(at) = query.offset(limit - 1).first::<NaiveDateTime>(conn).optional()? {
                later(at + window);
            }
        }
        // Past the account's allowance, each attempt waits after the last failure, longer and
        // longer: it slows a spread-out attack without a lock that would also stop the owner.
        let failures: i64 = login_attempts::table
            .filter(login_attempts::succeeded.eq(false))
            .filter(login_attempts::created_at.gt(since))
            .filter(login_attempts::known_browser_id.is_null())
            .filter(login_attempts::email.eq(email))
            .count()
            .get_result(conn)?;
        if failures >= PER_ACCOUNT {
            let last: Option<NaiveDateTime> =
                unknown().filter(login_attempts::email.eq(email)).first(conn).optional()?;
            let wait = ((failures - PER_ACCOUNT + 1) * ACCOUNT_DELAY_STEP_SECONDS).min(ACCOUNT_DELAY_MAX_SECONDS);
            if let Some(last) = last {
                later(last + TimeDelta::seconds(wait));
            }
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
