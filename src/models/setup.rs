//! First run: on an empty database the server prints a one-time link that creates the first
//! agency and its admin. No default account ever exists.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::setup_tokens;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::models::agency::{self, Agency};
use crate::models::audit::{self, Actor, Event};
use crate::models::password;
use crate::models::token::{self, Token};
use crate::models::user::{NewStaff, Role, User};
use crate::models::validation::{self, FieldErrors, MAX_NAME};

/// A setup link stays valid this long (a restart on an empty database prints a new one).
pub const TOKEN_HOURS: i64 = 24;

/// Makes a new setup token if no agency exists yet. Returns its secret, to be printed.
pub fn issue_token_if_empty(conn: &mut DbConnection, now: NaiveDateTime) -> Result<Option<String>, AppError> {
    db::write(conn, |conn| {
        if Agency::any_exist(conn)? {
            return Ok(None);
        }
        diesel::delete(setup_tokens::table.filter(setup_tokens::expires_at.le(now))).execute(conn)?;
        let token = Token::generate();
        diesel::insert_into(setup_tokens::table)
            .values((
                setup_tokens::token_hash.eq(&token.hash),
                setup_tokens::created_at.eq(now),
                setup_tokens::expires_at.eq(now + TimeDelta::hours(TOKEN_HOURS)),
            ))
            .execute(conn)?;
        Ok(Some(token.secret))
    })
}

/// True when `secret` opens the setup page now.
pub fn token_is_open(conn: &mut DbConnection, secret: &str, now: NaiveDateTime) -> Result<bool, AppError> {
    if !token::is_well_formed(secret) || Agency::any_exist(conn)? {
        return Ok(false);
    }
    Ok(diesel::select(diesel::dsl::exists(
        setup_tokens::table
            .filter(setup_tokens::token_hash.eq(token::hash(secret)))
            .filter(setup_tokens::expires_at.gt(now)),
    ))
    .get_result(conn)?)
}

/// The first-run form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SetupInput {
    pub token: String,
    pub agency_name: String,
    pub name: String,
    pub email: String,
    pub password: String,
    /// The admin's time zone (filled from the browser where JavaScript is on).
    pub time_zone: String,
}

/// A checked first-run form.
#[derive(Clone, Debug)]
pub struct ValidSetup {
    pub agency_name: String,
    pub name: String,
    pub email: String,
    pub time_zone: String,
}

impl SetupInput {
    /// Checks every field; the password is checked but not kept.
    pub fn validate(&self) -> Result<ValidSetup, AppError> {
        let mut errors = FieldErrors::default();
        let agency_name = agency::validate_name(&mut errors, "agency_name", &self.agency_name);
        let name = validation::required(&mut errors, "name", "Your name", &self.name, MAX_NAME);
        let email = validation::email(&mut errors, "email", &self.email);
        password::check(&mut errors, "password", &self.password, &[&name, &email, &agency_name]);
        errors.finish(ValidSetup {
            agency_name,
            name,
            email,
            time_zone: crate::models::user::zone_or_utc(&self.time_zone),
        })
    }
}

/// Uses the setup token (once) to create the first agency and its admin.
pub fn complete(
    conn: &mut DbConnection,
    secret: &str,
    input: &ValidSetup,
    password_hash: &str,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<User, AppError> {
    if !token::is_well_formed(secret) {
        return Err(AppError::NotFound);
    }
    db::write(conn, |conn| {
        let used = diesel::delete(
            setup_tokens::table
                .filter(setup_tokens::token_hash.eq(token::hash(secret)))
                .filter(setup_tokens::expires_at.gt(now)),
        )
        .execute(conn)?;
        if used != 1 || Agency::any_exist(conn)? {
            return Err(AppError::NotFound);
        }
        diesel::delete(setup_tokens::table).execute(conn)?;
        let agency = Agency::create(conn, &input.agency_name, now)?;
        let admin = User::create_staff(
            conn,
            &NewStaff {
                agency_id: agency.id,
                email: &input.email,
                name: &input.name,
                password_hash,
                role: Role::Admin,
                time_zone: &input.time_zone,
            },
            now,
        )?;
        let actor = actor.as_user(admin.id, Some(agency.id));
        audit::record(
            conn,
            &actor,
            Event::on("agency.created", "agency", agency.id, format!("first-run setup: {}", agency.name)),
            now,
        )?;
        Ok(admin)
    })
}

/// Creates an agency and its admin from the command line (`nextgig create-agency`).
pub fn create_agency(
    conn: &mut DbConnection,
    agency_name: &str,
    admin_name: &str,
    admin_email: &str,
    password_hash: &str,
    now: NaiveDateTime,
) -> Result<(Agency, User), AppError> {
    db::write(conn, |conn| {
        let agency = Agency::create(conn, agency_name, now)?;
        let admin = User::create_staff(
            conn,
            &NewStaff {
                agency_id: agency.id,
                email: admin_email,
                name: admin_name,
                password_hash,
                role: Role::Admin,
                time_zone: "UTC",
            },
            now,
        )?;
        diesel::delete(setup_tokens::table).execute(conn)?;
        let actor = Actor::console().as_user(admin.id, Some(agency.id));
        audit::record(
            conn,
            &actor,
            Event::on("agency.created", "agency", agency.id, format!("command line: {}", agency.name)),
            now,
        )?;
        Ok((agency, admin))
    })
}
