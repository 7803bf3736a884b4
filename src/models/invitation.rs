//! Team invitations: an admin invites a recruiter or admin by email; the emailed link (single
//! use, expiring, stored hashed) lets them choose a password and join that agency.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::{agencies, invitations, users};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::mail::{self, InvitationEmail};
use crate::models::agency::AgencyScope;
use crate::models::audit::{self, Actor, Event};
use crate::models::outbox;
use crate::models::password;
use crate::models::token::{self, Token};
use crate::models::user::{NewStaff, Role, User};
use crate::models::validation::{self, FieldErrors, MAX_NAME};

/// An invitation row.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub id: i64,
    pub agency_id: i64,
    pub email: String,
    pub role: String,
    pub invited_by: i64,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

impl Invitation {
    /// The invited role.
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Recruiter)
    }
}

/// The admin's invitation form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InvitationInput {
    pub email: String,
    pub role: String,
}

/// A pending invitation as the team page lists it.
#[derive(Clone, Debug, Queryable)]
pub struct PendingInvitation {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub invited_by_name: String,
    pub expires_at: NaiveDateTime,
}

impl PendingInvitation {
    /// The invited role, for display.
    pub fn role_label(&self) -> &'static str {
        Role::parse(&self.role).unwrap_or(Role::Recruiter).label()
    }
}

/// An invitation opened from its link: what the invitee sees.
#[derive(Clone, Debug)]
pub struct OpenInvitation {
    pub invitation: Invitation,
    pub agency_name: String,
    pub inviter_name: String,
    /// True when the invited email already has an account (it cannot join a second agency).
    pub email_taken: bool,
}

/// The invitee's form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AcceptInput {
    pub name: String,
    pub password: String,
    /// Their time zone (filled from the browser where JavaScript is on).
    pub time_zone: String,
}

/// A checked acceptance.
#[derive(Clone, Debug)]
pub struct ValidAccept {
    pub name: String,
    pub time_zone: String,
}

impl AcceptInput {
    /// Checks the name and the password (which is checked, not kept).
    pub fn validate(&self, email: &str) -> Result<ValidAccept, AppError> {
        let mut errors = FieldErrors::default();
        let name = validation::required(&mut errors, "name", "Your name", &self.name, MAX_NAME);
        password::check(&mut errors, "password", &self.password, &[&name, email]);
        errors.finish(ValidAccept { name, time_zone: crate::models::user::zone_or_utc(&self.time_zone) })
    }
}

/// Everything needed to build the invitation email's link.
#[derive(Clone, Copy, Debug)]
pub struct LinkContext<'a> {
    pub base_url: &'a str,
    pub lifetime: TimeDelta,
}

/// Invites `input.email` to the scoped agency and queues the email.
pub fn create(
    conn: &mut DbConnection,
    scope: AgencyScope,
    input: &InvitationInput,
    link: LinkContext<'_>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Invitation, AppError> {
    let mut errors = FieldErrors::default();
    let email = validation::email(&mut errors, "email", &input.email);
    let role = Role::parse(&input.role);
    if role.is_none() {
        errors.add("role", "Choose Recruiter or Admin.");
    }
    let role = errors.finish(role)?.unwrap_or(Role::Recruiter);
    db::write(conn, |conn| {
        let member: Option<i64> = users::table
            .filter(users::email.eq(&email))
            .filter(users::agency_id.eq(scope.agency_id()))
            .select(users::id)
            .first(conn)
            .optional()?;
        if member.is_some() {
            return Err(AppError::invalid("email", "This person is already on your team."));
        }
        let pending: Option<NaiveDateTime> = invitations::table
            .filter(invitations::agency_id.eq(scope.agency_id()))
            .filter(invitations::email.eq(&email))
            .filter(invitations::accepted_at.is_null())
            .filter(invitations::revoked_at.is_null())
            .filter(invitations::expires_at.gt(now))
            .select(invitations::expires_at)
            .first(conn)
            .optional()?;
        if pending.is_some() {
            return Err(AppError::invalid(
                "email",
                "This email already has a pending invitation. Resend it from the list below instead.",
            ));
        }
        let token = Token::generate();
        let id: i64 = diesel::insert_into(invitations::table)
            .values((
                invitations::agency_id.eq(scope.agency_id()),
                invitations::email.eq(&email),
                invitations::role.eq(role.as_str()),
                invitations::token_hash.eq(&token.hash),
                invitations::invited_by.eq(actor.user_id.unwrap_or_default()),
                invitations::created_at.eq(now),
                invitations::expires_at.eq(now + link.lifetime),
            ))
            .returning(invitations::id)
            .get_result(conn)?;
        let invitation = invitations::table.find(id).select(Invitation::as_select()).first(conn)?;
        queue_email(conn, scope, &invitation, &token, link, actor)?;
        audit::record(
            conn,
            actor,
            Event::on("invitation.sent", "invitation", invitation.id, format!("{} as {}", email, role.label())),
            now,
        )?;
        Ok(invitation)
    })
}

fn queue_email(
    conn: &mut DbConnection,
    scope: AgencyScope,
    invitation: &Invitation,
    token: &Token,
    link: LinkContext<'_>,
    actor: &Actor,
) -> Result<(), AppError> {
    let agency_name: String = agencies::table.find(scope.agency_id()).select(agencies::name).first(conn)?;
    let inviter_name: String = users::table
        .find(actor.user_id.unwrap_or_default())
        .select(users::name)
        .first(conn)
        .optional()?
        .unwrap_or_else(|| "Your agency".to_string());
    let url = format!("{}/invitations/{}", link.base_url, token.secret);
    let expires = invitation.expires_at.format("%-d %B %Y, %H:%M").to_string();
    let email = mail::compose(
        &invitation.email,
        format!("Join {agency_name} on NextGig"),
        &InvitationEmail {
            inviter_name: &inviter_name,
            agency_name: &agency_name,
            role_label: invitation.role().label(),
            link: &url,
            expires: &expires,
        },
    )?;
    outbox::enqueue(conn, Some(scope.agency_id()), &email, invitation.created_at)?;
    Ok(())
}

/// The scoped agency's invitations that can still be accepted, newest first.
pub fn pending(
    conn: &mut DbConnection,
    scope: AgencyScope,
    now: NaiveDateTime,
) -> Result<Vec<PendingInvitation>, AppError> {
    Ok(invitations::table
        .inner_join(users::table.on(users::id.eq(invitations::invited_by)))
        .filter(invitations::agency_id.eq(scope.agency_id()))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .order(invitations::created_at.desc())
        .select((invitations::id, invitations::email, invitations::role, users::name, invitations::expires_at))
        .load(conn)?)
}

/// Withdraws a pending invitation of the scoped agency.
pub fn revoke(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Invitation, AppError> {
    db::write(conn, |conn| {
        let invitation = find_pending_in_agency(conn, scope, id, now)?;
        diesel::update(invitations::table.find(invitation.id))
            .set(invitations::revoked_at.eq(Some(now)))
            .execute(conn)?;
        audit::record(conn, actor, Event::on("invitation.revoked", "invitation", id, invitation.email.clone()), now)?;
        Ok(invitation)
    })
}

/// Sends a pending invitation again with a fresh link (the old link stops working).
pub fn resend(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    link: LinkContext<'_>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Invitation, AppError> {
    db::write(conn, |conn| {
        find_pending_in_agency(conn, scope, id, now)?;
        let token = Token::generate();
        diesel::update(invitations::table.find(id))
            .set((
                invitations::token_hash.eq(&token.hash),
                invitations::created_at.eq(now),
                invitations::expires_at.eq(now + link.lifetime),
            ))
            .execute(conn)?;
        let invitation = invitations::table.find(id).select(Invitation::as_select()).first(conn)?;
        queue_email(conn, scope, &invitation, &token, link, actor)?;
        audit::record(conn, actor, Event::on("invitation.resent", "invitation", id, invitation.email.clone()), now)?;
        Ok(invitation)
    })
}

fn find_pending_in_agency(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    now: NaiveDateTime,
) -> Result<Invitation, AppError> {
    Ok(invitations::table
        .filter(invitations::id.eq(id))
        .filter(invitations::agency_id.eq(scope.agency_id()))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .select(Invitation::as_select())
        .first(conn)?)
}

/// The invitation behind a link, if it can still be accepted; otherwise `NotFound`.
pub fn open(conn: &mut DbConnection, secret: &str, now: NaiveDateTime) -> Result<OpenInvitation, AppError> {
    if !token::is_well_formed(secret) {
        return Err(AppError::NotFound);
    }
    let (invitation, agency_name, inviter_name) = invitations::table
        .inner_join(agencies::table)
        .inner_join(users::table.on(users::id.eq(invitations::invited_by)))
        .filter(invitations::token_hash.eq(token::hash(secret)))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .select((Invitation::as_select(), agencies::name, users::name))
        .first::<(Invitation, String, String)>(conn)?;
    let email_taken = User::find_by_email(conn, &invitation.email)?.is_some();
    Ok(OpenInvitation { invitation, agency_name, inviter_name, email_taken })
}

/// Accepts an invitation (once): creates the account in the inviting agency.
pub fn accept(
    conn: &mut DbConnection,
    secret: &str,
    input: &ValidAccept,
    password_hash: &str,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<User, AppError> {
    if !token::is_well_formed(secret) {
        return Err(AppError::NotFound);
    }
    db::write(conn, |conn| {
        let hash = token::hash(secret);
        let claimed = diesel::update(
            invitations::table
                .filter(invitations::token_hash.eq(&hash))
                .filter(invitations::accepted_at.is_null())
                .filter(invitations::revoked_at.is_null())
                .filter(invitations::expires_at.gt(now)),
        )
        .set(invitations::accepted_at.eq(Some(now)))
        .execute(conn)?;
        if claimed != 1 {
            return Err(AppError::NotFound);
        }
        let invitation: Invitation =
            invitations::table.filter(invitations::token_hash.eq(&hash)).select(Invitation::as_select()).first(conn)?;
        let user = User::create_staff(
            conn,
            &NewStaff {
                agency_id: invitation.agency_id,
                email: &invitation.email,
                name: &input.name,
                password_hash,
                role: invitation.role(),
                time_zone: &input.time_zone,
            },
            now,
        )?;
        diesel::update(invitations::table.find(invitation.id))
            .set(invitations::accepted_user_id.eq(Some(user.id)))
            .execute(conn)?;
        let actor = actor.as_user(user.id, Some(invitation.agency_id));
        audit::record(
            conn,
            &actor,
            Event::on("invitation.accepted", "invitation", invitation.id, invitation.email.clone()),
            now,
        )?;
        Ok(user)
    })
}
