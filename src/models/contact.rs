//! Contacts: the people at a client a recruiter talks to (hiring managers, procurement).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::contacts;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::audit::{self, Actor, Event};
use crate::models::client::{Client, MAX_NOTES};
use crate::models::conflict::{self, FieldChange, Saved};
use crate::models::validation::{self, FieldErrors, MAX_EMAIL, MAX_NAME};

/// Longest phone number accepted.
pub const MAX_PHONE: usize = 50;
/// Most contacts shown on a client's page.
pub const MAX_SHOWN: i64 = 200;

/// A contact at one of the agency's clients.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = contacts)]
pub struct Contact {
    pub id: i64,
    pub agency_id: i64,
    pub client_id: i64,
    pub name: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub notes: Option<String>,
    pub archived_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Contact {
    /// The scoped agency's contact with this id; another agency's answers `NotFound`.
    pub fn find(conn: &mut DbConnection, scope: AgencyScope, id: i64) -> Result<Contact, AppError> {
        Ok(contacts::table
            .filter(contacts::id.eq(id))
            .filter(contacts::agency_id.eq(scope.agency_id()))
            .select(Contact::as_select())
            .first(conn)?)
    }

    /// A `tel:` link target: the number without spaces and punctuation other than `+`.
    pub fn phone_link(&self) -> Option<String> {
        self.phone.as_ref().map(|p| p.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect())
    }
}

/// The contact form, as submitted.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContactInput {
    pub name: String,
    pub title: String,
    pub email: String,
    pub phone: String,
    pub notes: String,
    pub version: String,
    /// See [`crate::models::idempotency`] (new contacts only).
    pub idempotency_key: String,
}

/// A checked contact form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidContact {
    pub name: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub notes: Option<String>,
}

impl ContactInput {
    /// The edit form filled from the saved contact.
    pub fn from_contact(contact: &Contact) -> Self {
        Self {
            name: contact.name.clone(),
            title: contact.title.clone().unwrap_or_default(),
            email: contact.email.clone().unwrap_or_default(),
            phone: contact.phone.clone().unwrap_or_default(),
            notes: contact.notes.clone().unwrap_or_default(),
            version: contact.version.to_string(),
            idempotency_key: String::new(),
        }
    }

    /// A blank new-contact form.
    pub fn blank() -> Self {
        Self { idempotency_key: crate::models::idempotency::new_key(), ..Self::default() }
    }

    /// The same form carrying another version.
    pub fn with_version(self, version: i32) -> Self {
        Self { version: version.to_string(), ..self }
    }

    /// Checks every field; all problems are reported at once.
    pub fn validate(&self) -> Result<ValidContact, AppError> {
        let mut errors = FieldErrors::default();
        let name = validation::required(&mut errors, "name", "Name", &self.name, MAX_NAME);
        let title = validation::optional(&mut errors, "title", "Job title", &self.title, MAX_NAME);
        let email = validation::optional(&mut errors, "email", "Email", &self.email, MAX_EMAIL);
        if let Some(email) = &email
            && !errors.has("email")
            && !validation::is_email(email)
        {
            errors.add("email", "Enter an email address like name@example.com.");
        }
        let email = email.map(|e| validation::normalize_email(&e));
        let phone = validation::optional(&mut errors, "phone", "Phone", &self.phone, MAX_PHONE);
        if let Some(phone) = &phone
            && !errors.has("phone")
            && (!phone.chars().any(|c| c.is_ascii_digit()) || phone.chars().any(char::is_control))
        {
            errors.add("phone", "Enter a phone number, like +44 20 7946 0000.");
        }
        let notes = validation::optional(&mut errors, "notes", "Notes", &self.notes, MAX_NOTES);
        errors.finish(ValidContact { name, title, email, phone, notes })
    }
}

impl ValidContact {
    fn matches(&self, contact: &Contact) -> bool {
        self.name == contact.name
            && self.title == contact.title
            && self.email == contact.email
            && self.phone == contact.phone
            && self.notes == contact.notes
    }
}

/// Adds a contact to one of the scoped agency's clients.
pub fn create(
    conn: &mut DbConnection,
    scope: AgencyScope,
    client_id: i64,
    input: &ContactInput,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Contact, AppError> {
    let client = Client::find(conn, scope, client_id)?;
    let valid = input.validate()?;
    db::write(conn, |conn| {
        let contact: Contact = diesel::insert_into(contacts::table)
            .values((
                contacts::agency_id.eq(scope.agency_id()),
                contacts::client_id.eq(client.id),
                contacts::name.eq(&valid.name),
                contacts::title.eq(&valid.title),
                contacts::email.eq(&valid.email),
                contacts::phone.eq(&valid.phone),
                contacts::notes.eq(&valid.notes),
                contacts::version.eq(1),
                contacts::created_at.eq(now),
                contacts::updated_at.eq(now),
            ))
            .get_result(conn)?;
        let detail = format!("{} at {}", contact.name, client.name);
        audit::record(conn, actor, Event::on("contact.created", "contact", contact.id, detail), now)?;
        Ok(contact)
    })
}

/// Saves the edit form of one of the scoped agency's contacts, if made from the current version.
pub fn update(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    input: &ContactInput,
    now: NaiveDateTime,
) -> Result<Saved<Contact>, AppError> {
    Contact::find(conn, scope, id)?;
    let valid = input.validate()?;
    let version: Option<i32> = input.version.trim().parse().ok();
    db::write(conn, |conn| {
        let current = Contact::find(conn, scope, id)?;
        if version != Some(current.version) {
            return Ok(if valid.matches(&current) { Saved::Done(current) } else { Saved::Stale(current) });
        }
        let written = diesel::update(
            contacts::table
                .filter(contacts::id.eq(id))
                .filter(contacts::agency_id.eq(scope.agency_id()))
                .filter(contacts::version.eq(current.version)),
        )
        .set((
            contacts::name.eq(&valid.name),
            contacts::title.eq(&valid.title),
            contacts::email.eq(&valid.email),
            contacts::phone.eq(&valid.phone),
            contacts::notes.eq(&valid.notes),
            contacts::version.eq(current.version + 1),
            contacts::updated_at.eq(now),
        ))
        .execute(conn)?;
        let saved = Contact::find(conn, scope, id)?;
        Ok(if written == 1 { Saved::Done(saved) } else { Saved::Stale(saved) })
    })
}

/// Archives one of the scoped agency's contacts (they leave the client's list of contacts).
pub fn archive(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Contact, AppError> {
    db::write(conn, |conn| {
        let contact = Contact::find(conn, scope, id)?;
        if contact.archived_at.is_some() {
            return Ok(contact);
        }
        diesel::update(contacts::table.filter(contacts::id.eq(id)).filter(contacts::agency_id.eq(scope.agency_id())))
            .set((contacts::archived_at.eq(Some(now)), contacts::updated_at.eq(now)))
            .execute(conn)?;
        audit::record(conn, actor, Event::on("contact.archived", "contact", id, contact.name.clone()), now)?;
        Contact::find(conn, scope, id)
    })
}

/// A client's contacts, current ones first, then by name (at most [`MAX_SHOWN`]).
pub fn for_client(conn: &mut DbConnection, scope: AgencyScope, client_id: i64) -> Result<Vec<Contact>, AppError> {
    Ok(contacts::table
        .filter(contacts::agency_id.eq(scope.agency_id()))
        .filter(contacts::client_id.eq(client_id))
        .order((contacts::archived_at.is_not_null().asc(), contacts::name.asc(), contacts::id.asc()))
        .limit(MAX_SHOWN)
        .select(Contact::as_select())
        .load(conn)?)
}

/// What differs between a stale form and the saved contact.
pub fn changes(yours: &ContactInput, saved: &Contact) -> Vec<FieldChange> {
    let text = |s: &str| s.trim().to_string();
    let email = if validation::is_email(yours.email.trim()) {
        validation::normalize_email(&yours.email)
    } else {
        text(&yours.email)
    };
    conflict::changes(vec![
        ("Name", text(&yours.name), saved.name.clone()),
        ("Job title", text(&yours.title), saved.title.clone().unwrap_or_default()),
        ("Email", email, saved.email.clone().unwrap_or_default()),
        ("Phone", text(&yours.phone), saved.phone.clone().unwrap_or_default()),
        ("Notes", text(&yours.notes), saved.notes.clone().unwrap_or_default()),
    ])
}
