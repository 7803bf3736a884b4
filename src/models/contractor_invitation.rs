//! Connecting a contractor: an agency invites the person behind one of its records (by the email
//! on the record). A new person creates an account; someone who already has one signs in and
//! confirms. The agency sees "invitation sent" either way and learns nothing about other agencies.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::{agencies, agency_contractors, contractor_invitations, users};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::mail::{self, ContractorInvitationEmail};
use crate::models::agency::AgencyScope;
use crate::models::audit::{self, Actor, Event};
use crate::models::contractor::{self, Contractor};
use crate::models::outbox;
use crate::models::password;
use crate::models::profile::{self, Profile};
use crate::models::token::{self, Token};
use crate::models::user::{KIND_CONTRACTOR, User};
use crate::models::validation::{self, FieldErrors, MAX_NAME};

/// How long an invitation link stays valid.
pub const LIFETIME_DAYS: i64 = 14;

/// Invites the person behind a record to connect their own account. Needs an email on the
/// record; a record already connected needs no invitation.
pub fn invite(
    conn: &mut DbConnection,
    scope: AgencyScope,
    record_id: i64,
    base_url: &str,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Contractor, AppError> {
    db::write(conn, |conn| {
        let record = contractor::find(conn, scope, record_id)?;
        let Some(email) = record.email.clone() else {
            return Err(AppError::invalid("invite", "Add their email address to the record first."));
        };
        if record.is_linked() {
            return Err(AppError::invalid("invite", "They already keep this record up to date themselves."));
        }
        let token = Token::generate();
        diesel::insert_into(contractor_invitations::table)
            .values((
                contractor_invitations::agency_id.eq(scope.agency_id()),
                contractor_invitations::agency_contractor_id.eq(record.id),
                contractor_invitations::email.eq(&email),
                contractor_invitations::token_hash.eq(&token.hash),
                contractor_invitations::invited_by.eq(actor.user_id),
                contractor_invitations::created_at.eq(now),
                contractor_invitations::expires_at.eq(now + TimeDelta::days(LIFETIME_DAYS)),
            ))
            .execute(conn)?;
        let agency_name: String = agencies::table.find(scope.agency_id()).select(agencies::name).first(conn)?;
        let inviter: String = users::table
            .find(actor.user_id.unwrap_or_default())
            .select(users::name)
            .first(conn)
            .optional()?
            .unwrap_or_else(|| agency_name.clone());
        let link = format!("{base_url}/invitations/{}", token.secret);
        let message = mail::compose(
            &email,
            format!("{agency_name} invites you to keep your availability on NextGig"),
            &ContractorInvitationEmail {
                name: &record.name,
                inviter_name: &inviter,
                agency_name: &agency_name,
                link: &link,
                days: LIFETIME_DAYS,
            },
        )?;
        outbox::enqueue(conn, Some(scope.agency_id()), &message, now)?;
        audit::record(conn, actor, Event::on("contractor.invited", "contractor", record.id, email), now)?;
        Ok(record)
    })
}

/// Who the invited email belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Account {
    /// Nobody yet: the link creates an account.
    New,
    /// A contractor account: they sign in and confirm.
    Contractor(i64),
    /// A staff account: it cannot be connected as a contractor.
    Staff,
}

/// An invitation opened from its link.
#[derive(Clone, Debug)]
pub struct OpenInvitation {
    pub id: i64,
    pub email: String,
    pub agency_name: String,
    /// The name the agency has for them (to prefill the sign-up form).
    pub name: String,
    pub account: Account,
}

/// The invitation behind a link, if still usable; otherwise `NotFound`.
pub fn open(conn: &mut DbConnection, secret: &str, now: NaiveDateTime) -> Result<OpenInvitation, AppError> {
    if !token::is_well_formed(secret) {
        return Err(AppError::NotFound);
    }
    let (id, email, agency_name, name): (i64, String, String, String) = contractor_invitations::table
        .inner_join(agencies::table.on(agencies::id.eq(contractor_invitations::agency_id)))
        .inner_join(agency_contractors::table)
        .filter(contractor_invitations::token_hash.eq(token::hash(secret)))
        .filter(contractor_invitations::accepted_at.is_null())
        .filter(contractor_invitations::expires_at.gt(now))
        .select((contractor_invitations::id, contractor_invitations::email, agencies::name, agency_contractors::name))
        .first(conn)?;
    let account = match User::find_by_email(conn, &email)? {
        None => Account::New,
        Some(user) if user.kind == KIND_CONTRACTOR => Account::Contractor(user.id),
        Some(_) => Account::Staff,
    };
    Ok(OpenInvitation { id, email, agency_name, name, account })
}

/// The sign-up form of a new contractor.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignUpInput {
    pub name: String,
    pub password: String,
    /// Their time zone (filled from the browser where JavaScript is on).
    pub time_zone: String,
}

impl SignUpInput {
    /// Checks the name and the password (checked, not kept).
    pub fn validate(&self, email: &str) -> Result<String, AppError> {
        let mut errors = FieldErrors::default();
        let name = validation::required(&mut errors, "name", "Your name", &self.name, MAX_NAME);
        password::check(&mut errors, "password", &self.password, &[&name, email]);
        errors.finish(name)
    }
}

/// Marks the invitation used (once) and returns its record.
fn claim(
    conn: &mut DbConnection,
    secret: &str,
    user_id: Option<i64>,
    now: NaiveDateTime,
) -> Result<Contractor, AppError> {
    let hash = token::hash(secret);
    let claimed = diesel::update(
        contractor_invitations::table
            .filter(contractor_invitations::token_hash.eq(&hash))
            .filter(contractor_invitations::accepted_at.is_null())
            .filter(contractor_invitations::expires_at.gt(now)),
    )
    .set((contractor_invitations::accepted_at.eq(Some(now)), contractor_invitations::accepted_user_id.eq(user_id)))
    .execute(conn)?;
    if claimed != 1 {
        return Err(AppError::NotFound);
    }
    let (agency_id, record_id): (i64, i64) = contractor_invitations::table
        .filter(contractor_invitations::token_hash.eq(&hash))
        .select((contractor_invitations::agency_id, contractor_invitations::agency_contractor_id))
        .first(conn)?;
    contractor::find(conn, AgencyScope::of(agency_id), record_id)
}

/// A new person accepts: creates their contractor account and profile (starting from what the
/// agency knew) and connects the agency's record to it.
pub fn accept_new(
    conn: &mut DbConnection,
    secret: &str,
    name: &str,
    time_zone: &str,
    password_hash: &str,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<User, AppError> {
    if !token::is_well_formed(secret) {
        return Err(AppError::NotFound);
    }
    db::write(conn, |conn| {
        let invitation = open(conn, secret, now)?;
        if invitation.account != Account::New {
            return Err(AppError::NotFound);
        }
        let record = claim(conn, secret, None, now)?;
        let user_id: i64 = diesel::insert_into(users::table)
            .values((
                users::email.eq(&invitation.email),
                users::name.eq(name),
                users::password_hash.eq(password_hash),
                users::kind.eq(KIND_CONTRACTOR),
                users::time_zone.eq(crate::models::user::zone_or_utc(time_zone)),
                users::password_changed_at.eq(now),
                users::created_at.eq(now),
                users::updated_at.eq(now),
            ))
            .returning(users::id)
            .get_result(conn)?;
        diesel::update(contractor_invitations::table.find(invitation.id))
            .set(contractor_invitations::accepted_user_id.eq(Some(user_id)))
            .execute(conn)?;
        let skills = contractor::skill_names(conn, &[record.id])?.remove(&record.id).unwrap_or_default();
        let profile = profile::create_for_user(conn, user_id, name, Some((&record, &skills)), now)?;
        profile::link(conn, &profile, &record, now)?;
        let actor = actor.as_user(user_id, None);
        audit::record(
            conn,
            &actor,
            Event::on("contractor.account_created", "contractor", record.id, invitation.email),
            now,
        )?;
        User::find(conn, user_id)
    })
}

/// A signed-in contractor confirms the connection to the inviting agency.
pub fn accept_existing(
    conn: &mut DbConnection,
    secret: &str,
    user_id: i64,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    if !token::is_well_formed(secret) {
        return Err(AppError::NotFound);
    }
    db::write(conn, |conn| {
        let invitation = open(conn, secret, now)?;
        if invitation.account != Account::Contractor(user_id) {
            return Err(AppError::NotFound);
        }
        let record = claim(conn, secret, Some(user_id), now)?;
        let profile: Profile = profile::find_for_user(conn, user_id)?;
        profile::link(conn, &profile, &record, now)?;
        audit::record(
            conn,
            actor,
            Event::on("contractor.linked", "contractor", record.id, invitation.agency_name.clone()),
            now,
        )?;
        Ok(invitation.agency_name)
    })
}
