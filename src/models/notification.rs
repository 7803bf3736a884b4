//! Notifications: an email (through the outbox, with an unsubscribe link for its kind) and an
//! in-app notice (the bell) for the events people need to hear about. Called by the models inside
//! the transaction of the change, so a notification goes out exactly when the change commits.
//!
//! Email choices are opt-outs kept per address and kind, so a contractor without an account can
//! unsubscribe too; notices go to accounts only.

use std::cell::RefCell;

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use diesel::prelude::*;

use crate::db::schema::{
    consents, digests_sent, notices, notification_optouts, outbox, submissions, tasks, unsubscribe_links, users,
};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::mail::{self, Email};
use crate::models::agency::AgencyScope;
use crate::models::interview::{self, Interview};
use crate::models::submission::{self, Submission};
use crate::models::token::{self, Token};
use crate::models::{contractor, outbox as outbox_model};

/// A consent request (to the contractor).
pub const CONSENT_REQUEST: &str = "consent_request";
/// The contractor's answer to a consent request (to the recruiter).
pub const CONSENT_DECISION: &str = "consent_decision";
/// An interview scheduled, moved or cancelled (to both sides, with the .ics).
pub const INTERVIEW: &str = "interview";
/// A stage change the recruiter marked visible to the contractor.
pub const STAGE_CHANGE: &str = "stage_change";
/// A submission closed, with its reason (to the contractor).
pub const SUBMISSION_CLOSED: &str = "submission_closed";
/// The recruiters' 7:00 digest of what is overdue.
pub const DAILY_DIGEST: &str = "daily_digest";
/// A client's answer on a shortlist (to the recruiter who sent it and the submission's owner).
pub const CLIENT_ANSWER: &str = "client_answer";

/// Every kind: (stored name, label, who gets it: "staff", "contractor" or "both").
pub const KINDS: &[(&str, &str, &str)] = &[
    (CONSENT_REQUEST, "Requests for your consent to be put forward", "contractor"),
    (CONSENT_DECISION, "Contractors' answers to consent requests", "staff"),
    (INTERVIEW, "Interviews scheduled, moved or cancelled", "both"),
    (STAGE_CHANGE, "News on your submissions", "contractor"),
    (SUBMISSION_CLOSED, "Submissions closed", "contractor"),
    (DAILY_DIGEST, "Daily digest of overdue work (7:00 your time)", "staff"),
    (CLIENT_ANSWER, "Clients' answers on your shortlists", "staff"),
];

/// The label of a kind ("" when unknown).
pub fn label(kind: &str) -> &'static str {
    KINDS.iter().find(|(k, _, _)| *k == kind).map_or("", |(_, l, _)| l)
}

/// The kinds a user of this kind ("staff" or "contractor") can get.
pub fn kinds_for(user_kind: &str) -> Vec<(&'static str, &'static str)> {
    KINDS.iter().filter(|(_, _, who)| *who == "both" || *who == user_kind).map(|(k, l, _)| (*k, *l)).collect()
}

thread_local! {
    static BASE_URL: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `work` with `url` as the public base URL for links written by notifications (set by
/// [`crate::state::AppState::db`] around every database call).
pub fn with_base_url<T>(url: String, work: impl FnOnce() -> T) -> T {
    let previous = BASE_URL.with(|b| b.replace(Some(url)));
    let out = work();
    BASE_URL.with(|b| *b.borrow_mut() = previous);
    out
}

/// The public base URL for emailed links.
pub fn base_url() -> String {
    BASE_URL.with(|b| b.borrow().clone()).unwrap_or_else(|| "http://localhost:8080".to_string())
}

/// A file sent with an email.
#[derive(Clone, Debug)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub body: String,
}

/// What to tell someone.
#[derive(Clone, Debug)]
pub struct Notification {
    pub kind: &'static str,
    /// The email subject and the notice title.
    pub title: String,
    /// The message (email body and notice text).
    pub body: String,
    /// The page it is about, as a path ("/submissions/3").
    pub link: String,
    pub attachment: Option<Attachment>,
    pub agency_id: Option<i64>,
}

impl Notification {
    /// A notification without attachment.
    pub fn new(kind: &'static str, agency_id: Option<i64>, title: String, body: String, link: String) -> Self {
        Self { kind, title, body, link, attachment: None, agency_id }
    }
}

/// Who receives it: an address, and the account behind it if there is one.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub email: String,
    pub name: String,
    pub user_id: Option<i64>,
}

impl Recipient {
    /// A user by id (a staff member).
    pub fn user(conn: &mut DbConnection, user_id: i64) -> Result<Option<Self>, AppError> {
        let row: Option<(String, String, Option<NaiveDateTime>)> = users::table
            .find(user_id)
            .select((users::email, users::name, users::disabled_at))
            .first(conn)
            .optional()?;
        Ok(row.filter(|(_, _, disabled)| disabled.is_none()).map(|(email, name, _)| Self {
            email,
            name,
            user_id: Some(user_id),
        }))
    }

    /// A person by address (a contractor, with or without an account).
    pub fn person(conn: &mut DbConnection, email: &str, name: &str) -> Result<Self, AppError> {
        let email = email.trim().to_lowercase();
        let user_id: Option<i64> = users::table
            .filter(users::email.eq(&email))
            .filter(users::disabled_at.is_null())
            .select(users::id)
            .first(conn)
            .optional()?;
        Ok(Self { email, name: name.to_string(), user_id })
    }

    /// The contractor of a submission, if their record has an address.
    pub fn contractor_of(conn: &mut DbConnection, sub: &Submission) -> Result<Option<Self>, AppError> {
        let record = contractor::find(conn, AgencyScope::of(sub.agency_id), sub.contractor_id)?;
        match record.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            Some(email) => Ok(Some(Self::person(conn, email, &record.name)?)),
            None => Ok(None),
        }
    }
}

/// True when `email` has turned off emails of `kind`.
pub fn opted_out(conn: &mut DbConnection, email: &str, kind: &str) -> Result<bool, AppError> {
    let found: Option<i64> = notification_optouts::table
        .filter(notification_optouts::email.eq(email.trim().to_lowercase()))
        .filter(notification_optouts::kind.eq(kind))
        .select(notification_optouts::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Puts an email of `kind` in the outbox (inside the caller's transaction) with an unsubscribe
/// link for its kind at the end, unless the address turned that kind off. True when queued.
pub fn send_email(
    conn: &mut DbConnection,
    agency_id: Option<i64>,
    mut email: Email,
    kind: &str,
    attachment: Option<&Attachment>,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    if opted_out(conn, &email.to, kind)? {
        return Ok(false);
    }
    let token = Token::generate();
    diesel::insert_into(unsubscribe_links::table)
        .values((
            unsubscribe_links::token_hash.eq(&token.hash),
            unsubscribe_links::email.eq(email.to.trim().to_lowercase()),
            unsubscribe_links::kind.eq(kind),
            unsubscribe_links::created_at.eq(now),
        ))
        .execute(conn)?;
    let base = base_url();
    email.text = format!(
        "{}\n\nYou get this email for: {}.\nStop these emails: {base}/unsubscribe/{}\nChoose which emails you get: {base}/account/notifications\n",
        email.text.trim_end(),
        label(kind),
        token.secret
    );
    let id = outbox_model::enqueue(conn, agency_id, &email, now)?;
    if let Some(file) = attachment {
        diesel::update(outbox::table.find(id))
            .set((
                outbox::attachment_name.eq(Some(&file.filename)),
                outbox::attachment_type.eq(Some(&file.content_type)),
                outbox::attachment_body.eq(Some(&file.body)),
            ))
            .execute(conn)?;
    }
    Ok(true)
}

/// Writes an in-app notice for a user.
pub fn add_notice(
    conn: &mut DbConnection,
    user_id: i64,
    note: &Notification,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(notices::table)
        .values((
            notices::user_id.eq(user_id),
            notices::agency_id.eq(note.agency_id),
            notices::kind.eq(note.kind),
            notices::title.eq(&note.title),
            notices::body.eq(&note.body),
            notices::link.eq(&note.link),
            notices::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Tells `to`: an email (unless they turned this kind off) and a notice if they have an account.
pub fn notify(
    conn: &mut DbConnection,
    to: &Recipient,
    note: &Notification,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let link = format!("{}{}", base_url(), note.link);
    let email = mail::compose(
        &to.email,
        note.title.clone(),
        &mail::NotificationEmail { name: &to.name, body: &note.body, link: &link },
    )?;
    send_email(conn, note.agency_id, email, note.kind, note.attachment.as_ref(), now)?;
    if let Some(user_id) = to.user_id {
        add_notice(conn, user_id, note, now)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The events.

/// A consent request reached the contractor: a notice if they have an account (the email itself
/// is the request, sent by [`crate::models::consent::request`] through [`send_email`]).
pub fn consent_requested(
    conn: &mut DbConnection,
    agency_id: i64,
    person: &str,
    title: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let to = Recipient::person(conn, person, "")?;
    if let Some(user_id) = to.user_id {
        let note = Notification::new(
            CONSENT_REQUEST,
            Some(agency_id),
            title.to_string(),
            "An agency asks your consent to put you forward. Approve or decline it.".to_string(),
            "/me/consents".to_string(),
        );
        add_notice(conn, user_id, &note, now)?;
    }
    Ok(())
}

/// The contractor approved, declined or withdrew consent (`verb`): tell the submission's owner.
pub fn consent_decided(
    conn: &mut DbConnection,
    sub: &Submission,
    verb: &str,
    what: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let Some(owner) = sub.owner_id.or(sub.created_by) else { return Ok(()) };
    let Some(to) = Recipient::user(conn, owner)? else { return Ok(()) };
    let record = contractor::find(conn, AgencyScope::of(sub.agency_id), sub.contractor_id)?;
    let note = Notification::new(
        CONSENT_DECISION,
        Some(sub.agency_id),
        format!("{} {verb} being put forward", record.name),
        format!("{}: {what}.", record.name),
        format!("/submissions/{}", sub.id),
    );
    notify(conn, &to, &note, now)
}

/// An interview was scheduled, moved or cancelled (`what`): tell the owner and the contractor,
/// each with the .ics their calendar needs.
pub fn interview_changed(
    conn: &mut DbConnection,
    interview: &Interview,
    what: &str,
    detail: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let scope = AgencyScope::of(interview.agency_id);
    let sub = submission::find(conn, scope, interview.submission_id)?;
    let base = base_url();
    let filename = format!("interview-{}.ics", interview.id);
    let record = contractor::find(conn, scope, sub.contractor_id)?;
    if let Some(to) = sub.owner_id.or(sub.created_by).map(|id| Recipient::user(conn, id)).transpose()?.flatten() {
        let mut note = Notification::new(
            INTERVIEW,
            Some(sub.agency_id),
            format!("Interview {what}: {}", record.name),
            detail.to_string(),
            format!("/submissions/{}", sub.id),
        );
        note.attachment = interview::staff_ics(conn, scope, interview.id, &base).ok().map(|body| Attachment {
            filename: filename.clone(),
            content_type: "text/calendar".into(),
            body,
        });
        notify(conn, &to, &note, now)?;
    }
    if let Some(to) = Recipient::contractor_of(conn, &sub)? {
        let mut note = Notification::new(
            INTERVIEW,
            Some(sub.agency_id),
            format!("Interview {what}"),
            detail.to_string(),
            format!("/me/submissions/{}", sub.id),
        );
        note.attachment = interview::person_ics(conn, &to.email, interview.id, &base).ok().map(|body| Attachment {
            filename,
            content_type: "text/calendar".into(),
            body,
        });
        notify(conn, &to, &note, now)?;
    }
    Ok(())
}

/// A stage change marked visible, or a closing: tell the contractor.
pub fn contractor_update(
    conn: &mut DbConnection,
    sub: &Submission,
    kind: &'static str,
    title: &str,
    body: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let Some(to) = Recipient::contractor_of(conn, sub)? else { return Ok(()) };
    let note = Notification::new(
        kind,
        Some(sub.agency_id),
        title.to_string(),
        body.to_string(),
        format!("/me/submissions/{}", sub.id),
    );
    notify(conn, &to, &note, now)
}

// ---------------------------------------------------------------------------------------------
// Unsubscribing and choices.

/// What an unsubscribe link stops: (address, kind).
pub fn open_unsubscribe(conn: &mut DbConnection, secret: &str) -> Result<(String, String), AppError> {
    if !token::is_well_formed(secret) {
        return Err(AppError::NotFound);
    }
    Ok(unsubscribe_links::table
        .filter(unsubscribe_links::token_hash.eq(token::hash(secret)))
        .select((unsubscribe_links::email, unsubscribe_links::kind))
        .first(conn)?)
}

/// Turns emails of `kind` off (or on) for `email`.
pub fn set_email_choice(
    conn: &mut DbConnection,
    email: &str,
    kind: &str,
    enabled: bool,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let email = email.trim().to_lowercase();
    if enabled {
        diesel::delete(
            notification_optouts::table
                .filter(notification_optouts::email.eq(&email))
                .filter(notification_optouts::kind.eq(kind)),
        )
        .execute(conn)?;
        return Ok(());
    }
    if opted_out(conn, &email, kind)? {
        return Ok(());
    }
    let inserted = diesel::insert_into(notification_optouts::table)
        .values((
            notification_optouts::email.eq(&email),
            notification_optouts::kind.eq(kind),
            notification_optouts::created_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if db::is_unique_violation(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Uses an unsubscribe link: that kind stops for that address. Returns the kind's label.
pub fn unsubscribe(conn: &mut DbConnection, secret: &str, now: NaiveDateTime) -> Result<&'static str, AppError> {
    let (email, kind) = open_unsubscribe(conn, secret)?;
    set_email_choice(conn, &email, &kind, false, now)?;
    Ok(label(&kind))
}

/// The user's choices: (kind, label, email on).
pub fn choices(
    conn: &mut DbConnection,
    email: &str,
    user_kind: &str,
) -> Result<Vec<(&'static str, &'static str, bool)>, AppError> {
    let off: Vec<String> = notification_optouts::table
        .filter(notification_optouts::email.eq(email.trim().to_lowercase()))
        .select(notification_optouts::kind)
        .load(conn)?;
    Ok(kinds_for(user_kind).into_iter().map(|(k, l)| (k, l, !off.iter().any(|o| o == k))).collect())
}

/// Saves the user's choices: the kinds in `enabled` on, the others they can get off.
pub fn save_choices(
    conn: &mut DbConnection,
    email: &str,
    user_kind: &str,
    enabled: &[String],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    db::write(conn, |conn| {
        for (kind, _) in kinds_for(user_kind) {
            set_email_choice(conn, email, kind, enabled.iter().any(|e| e == kind), now)?;
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// Notices (the bell).

/// An in-app notice.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = notices)]
pub struct Notice {
    pub id: i64,
    pub user_id: i64,
    pub agency_id: Option<i64>,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
}

/// How many unread notices the user has.
pub fn unread_count(conn: &mut DbConnection, user_id: i64) -> Result<i64, AppError> {
    Ok(notices::table
        .filter(notices::user_id.eq(user_id))
        .filter(notices::read_at.is_null())
        .count()
        .get_result(conn)?)
}

/// The user's latest notices, newest first (as they were before this opening), and marks them
/// read.
pub fn open_list(conn: &mut DbConnection, user_id: i64, now: NaiveDateTime) -> Result<Vec<Notice>, AppError> {
    db::write(conn, |conn| {
        let list: Vec<Notice> = notices::table
            .filter(notices::user_id.eq(user_id))
            .order((notices::created_at.desc(), notices::id.desc()))
            .limit(100)
            .select(Notice::as_select())
            .load(conn)?;
        let ids: Vec<i64> = list.iter().filter(|n| n.read_at.is_none()).map(|n| n.id).collect();
        if !ids.is_empty() {
            diesel::update(notices::table.filter(notices::id.eq_any(&ids)).filter(notices::user_id.eq(user_id)))
                .set(notices::read_at.eq(Some(now)))
                .execute(conn)?;
        }
        Ok(list)
    })
}

// ---------------------------------------------------------------------------------------------
// The daily digest.

/// The hour (local) the digest goes out.
pub const DIGEST_HOUR: u32 = 7;

/// The user's local date at `now` when it is at or after 7:00 there.
fn digest_date(zone: &str, now: NaiveDateTime) -> Option<NaiveDate> {
    let tz: Tz = zone.parse().ok()?;
    let local = tz.from_utc_datetime(&now).naive_local();
    (local.time() >= chrono::NaiveTime::from_hms_opt(DIGEST_HOUR, 0, 0)?).then(|| local.date())
}

/// What is overdue for one recruiter on `today` (lines for the email; empty when nothing).
fn overdue_lines(
    conn: &mut DbConnection,
    agency_id: i64,
    user_id: i64,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<Vec<String>, AppError> {
    let scope = AgencyScope::of(agency_id);
    let base = base_url();
    let mut lines = Vec::new();
    for due in submission::updates_due(conn, scope, Some(user_id), today, 200)? {
        lines.push(format!(
            "- Update due {} for {} ({}, {}): {base}/submissions/{}",
            due.due.format("%-d %b"),
            due.contractor_name,
            due.job_title,
            due.stage_name,
            due.id
        ));
    }
    let expired: Vec<(i64, String, NaiveDateTime)> = consents::table
        .inner_join(submissions::table)
        .filter(consents::agency_id.eq(agency_id))
        .filter(submissions::agency_id.eq(agency_id))
        .filter(consents::requested_by.eq(user_id))
        .filter(consents::status.eq("pending"))
        .filter(consents::expires_at.le(now))
        .filter(submissions::closed_at.is_null())
        .order(consents::expires_at.asc())
        .limit(100)
        .select((consents::submission_id, consents::job_title, consents::expires_at))
        .load(conn)?;
    for (submission_id, job_title, expired_at) in expired {
        // A newer request on the same submission means it was acted on.
        let newer: i64 = consents::table
            .filter(consents::submission_id.eq(submission_id))
            .filter(consents::expires_at.gt(expired_at))
            .count()
            .get_result(conn)?;
        if newer == 0 {
            lines.push(format!(
                "- Consent request for {job_title} expired unanswered on {}: {base}/submissions/{submission_id}",
                expired_at.format("%-d %b")
            ));
        }
    }
    let late: Vec<(String, NaiveDate)> = tasks::table
        .filter(tasks::agency_id.eq(agency_id))
        .filter(tasks::assignee_id.eq(user_id))
        .filter(tasks::done_at.is_null())
        .filter(tasks::due_on.lt(today))
        .order(tasks::due_on.asc())
        .limit(100)
        .select((tasks::title, tasks::due_on))
        .load(conn)?;
    for (title, due_on) in late {
        lines.push(format!("- Task \"{title}\" was due {}: {base}/tasks", due_on.format("%-d %b")));
    }
    Ok(lines)
}

/// Sends today's digest to every recruiter for whom it is 7:00 or later and who has not had
/// it, when something is overdue. Each (user, local date) is recorded first, so running twice
/// sends nothing more. Returns how many digests were queued.
pub fn send_due_digests(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, AppError> {
    let staff: Vec<(i64, i64, String, String, String)> = users::table
        .filter(users::kind.eq(crate::models::user::KIND_STAFF))
        .filter(users::disabled_at.is_null())
        .filter(users::agency_id.is_not_null())
        .order(users::id.asc())
        .select((users::id, users::agency_id.assume_not_null(), users::email, users::name, users::time_zone))
        .load(conn)?;
    let mut sent = 0;
    for (user_id, agency_id, email, name, zone) in staff {
        let Some(today) = digest_date(&zone, now) else { continue };
        let done: i64 = digests_sent::table
            .filter(digests_sent::user_id.eq(user_id))
            .filter(digests_sent::local_date.eq(today))
            .count()
            .get_result(conn)?;
        if done > 0 {
            continue;
        }
        // Recorded first, in the same transaction: the unique (user, date) row is the guard.
        let queued = db::write(conn, |conn| -> Result<bool, AppError> {
            diesel::insert_into(digests_sent::table)
                .values((
                    digests_sent::user_id.eq(user_id),
                    digests_sent::local_date.eq(today),
                    digests_sent::created_at.eq(now),
                ))
                .execute(conn)?;
            let lines = overdue_lines(conn, agency_id, user_id, today, now)?;
            if lines.is_empty() {
                return Ok(false);
            }
            let to = Recipient { email, name, user_id: Some(user_id) };
            let note = Notification::new(
                DAILY_DIGEST,
                Some(agency_id),
                format!("Overdue today: {} item{}", lines.len(), if lines.len() == 1 { "" } else { "s" }),
                format!("What is overdue on {}:\n\n{}", today.format("%A %-d %B"), lines.join("\n")),
                "/".to_string(),
            );
            notify(conn, &to, &note, now)?;
            Ok(true)
        })?;
        if queued {
            sent += 1;
        }
    }
    Ok(sent)
}
