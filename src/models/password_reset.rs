//! Forgotten passwords: a single-use, expiring link by email. The request page answers the same
//! whether or not the email has an account.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::{password_resets, users};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::mail::{self, PasswordResetEmail};
use crate::models::audit::{self, Actor, Event};
use crate::models::outbox;
use crate::models::password;
use crate::models::token::{self, Token};
use crate::models::user::User;
use crate::models::validation::{self, FieldErrors};

/// At most this many reset emails per account per hour (more requests are silently dropped).
pub const MAX_PER_HOUR: i64 = 3;

/// The request form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResetRequestInput {
    pub email: String,
}

/// The new-password form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewPasswordInput {
    pub password: String,
}

impl ResetRequestInput {
    /// Checks the address's shape (the answer never says whether it has an account).
    pub fn validate(&self) -> Result<String, AppError> {
        let mut errors = FieldErrors::default();
        let email = validation::email(&mut errors, "email", &self.email);
        errors.finish(email)
    }
}

/// Queues a reset email when `email` belongs to an enabled account; does nothing otherwise.
pub fn request(
    conn: &mut DbConnection,
    email: &str,
    base_url: &str,
    lifetime: TimeDelta,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    db::write(conn, |conn| {
        let Some(user) = User::find_by_email(conn, email)? else { return Ok(()) };
        if user.is_disabled() {
            return Ok(());
        }
        let recent: i64 = password_resets::table
            .filter(password_resets::user_id.eq(user.id))
            .filter(password_resets::created_at.gt(now - TimeDelta::hours(1)))
            .count()
            .get_result(conn)?;
        if recent >= MAX_PER_HOUR {
            return Ok(());
        }
        let token = Token::generate();
        diesel::insert_into(password_resets::table)
            .values((
                password_resets::user_id.eq(user.id),
                password_resets::token_hash.eq(&token.hash),
                password_resets::created_at.eq(now),
                password_resets::expires_at.eq(now + lifetime),
            ))
            .execute(conn)?;
        let link = format!("{base_url}/password-reset/{}", token.secret);
        let message = mail::compose(
            &user.email,
            "Reset your NextGig password",
            &PasswordResetEmail { name: &user.name, link: &link, minutes: lifetime.num_minutes() },
        )?;
        outbox::enqueue(conn, user.agency_id, &message, now)?;
        let actor = actor.as_user(user.id, user.agency_id);
        audit::record(conn, &actor, Event::on("password_reset.requested", "user", user.id, ""), now)?;
        Ok(())
    })
}

/// The account behind an unused, unexpired reset link; otherwise `NotFound`.
pub fn open(conn: &mut DbConnection, secret: &str, now: NaiveDateTime) -> Result<User, AppError> {
    if !token::is_well_formed(secret) {
        return Err(AppError::NotFound);
    }
    let user_id: i64 = password_resets::table
        .inner_join(users::table)
        .filter(password_resets::token_hash.eq(token::hash(secret)))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(now))
        .filter(users::disabled_at.is_null())
        .select(users::id)
        .first(conn)?;
    User::find(conn, user_id)
}

impl NewPasswordInput {
    /// Checks the new password against the rules and the account's own details.
    pub fn validate(&self, user: &User) -> Result<(), AppError> {
        let mut errors = FieldErrors::default();
        password::check(&mut errors, "password", &self.password, &[&user.name, &user.email]);
        errors.finish(())
    }
}

/// Uses a reset link (once): sets the password and ends every session of the account.
pub fn complete(
    conn: &mut DbConnection,
    secret: &str,
    password_hash: &str,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<User, AppError> {
    if !token::is_well_formed(secret) {
        return Err(AppError::NotFound);
    }
    db::write(conn, |conn| {
        let hash = token::hash(secret);
        let used = diesel::update(
            password_resets::table
                .filter(password_resets::token_hash.eq(&hash))
                .filter(password_resets::used_at.is_null())
                .filter(password_resets::expires_at.gt(now)),
        )
        .set(password_resets::used_at.eq(Some(now)))
        .execute(conn)?;
        if used != 1 {
            return Err(AppError::NotFound);
        }
        let user_id: i64 = password_resets::table
            .filter(password_resets::token_hash.eq(&hash))
            .select(password_resets::user_id)
            .first(conn)?;
        let user = User::find(conn, user_id)?;
        if user.is_disabled() {
            return Err(AppError::NotFound);
        }
        User::set_password(conn, user.id, password_hash, None, now)?;
        // Any other link sent earlier stops working too.
        diesel::update(
            password_resets::table
                .filter(password_resets::user_id.eq(user.id))
                .filter(password_resets::used_at.is_null()),
        )
        .set(password_resets::used_at.eq(Some(now)))
        .execute(conn)?;
        let actor = actor.as_user(user.id, user.agency_id);
        audit::record(conn, &actor, Event::on("password_reset.completed", "user", user.id, "all sessions ended"), now)?;
        Ok(user)
    })
}
