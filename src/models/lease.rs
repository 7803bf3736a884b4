//! Leases: a named row that one process holds until it expires, so that background work runs on
//! one instance at a time. Taken and renewed with a conditional UPDATE, which works the same on
//! SQLite and PostgreSQL.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::schema::leases;
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// Takes or renews the lease `name` for `holder` until `now + ttl`. True when `holder` has it.
pub fn try_acquire(
    conn: &mut DbConnection,
    name: &str,
    holder: &str,
    ttl: TimeDelta,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let until = now + ttl;
    let updated = diesel::update(
        leases::table.filter(leases::name.eq(name)).filter(leases::holder.eq(holder).or(leases::expires_at.lt(now))),
    )
    .set((leases::holder.eq(holder), leases::expires_at.eq(until)))
    .execute(conn)?;
    if updated == 1 {
        return Ok(true);
    }
    let inserted = diesel::insert_into(leases::table)
        .values((leases::name.eq(name), leases::holder.eq(holder), leases::expires_at.eq(until)))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        // Someone else holds it (the row exists and has not expired).
        Err(e) if db::is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Gives the lease up early (on shutdown), if `holder` has it.
pub fn release(conn: &mut DbConnection, name: &str, holder: &str) -> Result<(), AppError> {
    diesel::delete(leases::table.filter(leases::name.eq(name)).filter(leases::holder.eq(holder))).execute(conn)?;
    Ok(())
}

/// Writes the lease row `name` and removes it again, in one transaction: proof that the database
/// accepts writes (`/readyz` runs it after a write failed for lack of space). Nothing is left.
pub fn probe_write(conn: &mut DbConnection, name: &str, now: NaiveDateTime) -> Result<(), AppError> {
    db::write(conn, |conn| {
        diesel::insert_into(leases::table)
            .values((leases::name.eq(name), leases::holder.eq(name), leases::expires_at.eq(now)))
            .execute(conn)?;
        diesel::delete(leases::table.filter(leases::name.eq(name))).execute(conn)?;
        Ok(())
    })
}
