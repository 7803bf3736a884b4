//! The emails NextGig sends, composed from text templates in `templates/emails/`. Composing is
//! separate from sending: models put an [`Email`] in the outbox in the same transaction as the
//! change, and the outbox worker delivers it.

use askama::Template;

use crate::error::AppError;

/// A composed email, ready for the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
}

/// An invitation to join an agency's team.
#[derive(Template)]
#[template(path = "emails/invitation.txt")]
pub struct InvitationEmail<'a> {
    pub inviter_name: &'a str,
    pub agency_name: &'a str,
    pub role_label: &'a str,
    pub link: &'a str,
    pub expires: &'a str,
}

/// A password-reset link.
#[derive(Template)]
#[template(path = "emails/password_reset.txt")]
pub struct PasswordResetEmail<'a> {
    pub name: &'a str,
    pub link: &'a str,
    pub minutes: i64,
}

/// An agency invites a contractor to keep their availability themselves.
#[derive(Template)]
#[template(path = "emails/contractor_invitation.txt")]
pub struct ContractorInvitationEmail<'a> {
    pub name: &'a str,
    pub inviter_name: &'a str,
    pub agency_name: &'a str,
    pub link: &'a str,
    pub days: i64,
}

/// "Still available?": the periodic freshness reminder to a contractor.
#[derive(Template)]
#[template(path = "emails/availability_reminder.txt")]
pub struct AvailabilityReminderEmail<'a> {
    pub name: &'a str,
    pub availability: &'a str,
    pub days: i64,
    pub confirm_link: &'a str,
    pub change_link: &'a str,
    pub settings_link: &'a str,
}

/// An agency asks the contractor's consent to put them forward.
#[derive(Template)]
#[template(path = "emails/consent_request.txt")]
pub struct ConsentRequestEmail<'a> {
    pub name: &'a str,
    pub agency_name: &'a str,
    pub job_title: &'a str,
    pub client: &'a str,
    pub description: &'a str,
    pub rate: &'a str,
    pub link: &'a str,
    pub expires: &'a str,
}

/// A notification (see [`crate::models::notification`]).
#[derive(Template)]
#[template(path = "emails/notification.txt")]
pub struct NotificationEmail<'a> {
    pub name: &'a str,
    pub body: &'a str,
    pub link: &'a str,
}

/// Renders a text template into an [`Email`].
pub fn compose<T: Template>(to: &str, subject: impl Into<String>, body: &T) -> Result<Email, AppError> {
    Ok(Email { to: to.to_string(), subject: subject.into(), text: body.render()? })
}
