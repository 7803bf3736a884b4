//! Interviews: scheduling from a submission, rescheduling, cancelling and the outcome (staff);
//! `.ics` downloads for staff and for the contractor; the contractor's thank-you prompt and their
//! one "ask for an update"; and each user's private calendar feed.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDateTime;
use chrono_tz::Tz;
use serde::Deserialize;

use crate::auth::{ContractorAccount, CsrfForm, Member, Staff};
use crate::error::AppError;
use crate::models::conflict::{FieldChange, Saved};
use crate::models::idempotency::{self, Once};
use crate::models::interview::{self, Interview, InterviewContext, InterviewInput, OutcomeInput, Person, ThankYou};
use crate::models::validation::FieldErrors;
use crate::pages::{self, Flash, Layout, Section};
use crate::routes::sessions::Empty;
use crate::routes::{already_created, parse_id};
use crate::state::AppState;

/// Registers this resource's routes. The `.ics` resources come before `/interviews/{id}`, which
/// would otherwise take `5.ics` as an id.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/submissions/{id}/interviews").route(post().to(schedule)))
        .service(resource("/submissions/{id}/interviews/new").route(get().to(new)))
        .service(resource("/interviews/{id}.ics").route(get().to(staff_ics)))
        .service(resource("/interviews/{id}/edit").route(get().to(edit)))
        .service(resource("/interviews/{id}/cancel").route(post().to(cancel)))
        .service(resource("/interviews/{id}/outcome").route(post().to(record_outcome)))
        .service(resource("/interviews/{id}").route(post().to(update)))
        .service(resource("/me/interviews/{id}.ics").route(get().to(person_ics)))
        .service(resource("/me/interviews/{id}/thank-you").route(post().to(thank_you)))
        .service(resource("/me/submissions/{id}/follow-up").route(post().to(ask_for_update)))
        .service(resource("/account/calendar").route(get().to(calendar)).route(post().to(rotate_feed)))
        .service(resource("/account/calendar/delete").route(post().to(remove_feed)))
        .service(resource("/calendar/{token}.ics").route(get().to(feed)));
}

/// This resource's routes as (method, path pattern).
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/submissions/{id}/interviews"),
    ("GET", "/submissions/{id}/interviews/new"),
    ("GET", "/interviews/{id}.ics"),
    ("GET", "/interviews/{id}/edit"),
    ("POST", "/interviews/{id}/cancel"),
    ("POST", "/interviews/{id}/outcome"),
    ("POST", "/interviews/{id}"),
    ("GET", "/me/interviews/{id}.ics"),
    ("POST", "/me/interviews/{id}/thank-you"),
    ("POST", "/me/submissions/{id}/follow-up"),
    ("GET", "/account/calendar"),
    ("POST", "/account/calendar"),
    ("POST", "/account/calendar/delete"),
    ("GET", "/calendar/{token}.ics"),
];

#[derive(Template)]
#[template(path = "interviews/new.html")]
struct NewPage {
    layout: Layout,
    context: InterviewContext,
    iv_form: InterviewInput,
    iv_errors: FieldErrors,
}

/// Where the schedule form starts: a time someone proposed (a client, on a shortlist).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProposedTime {
    /// YYYY-MM-DD in `time_zone`.
    date: String,
    /// HH:MM in `time_zone`.
    time: String,
    /// An IANA zone name.
    time_zone: String,
}

/// `GET /submissions/{id}/interviews/new`: the schedule form on a page of its own, at the
/// proposed time in the query when there is a well-formed one (else blank, in the recruiter's
/// zone). Nothing is scheduled until the form is sent.
pub async fn new(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    query: web::Query<ProposedTime>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let scope = staff.scope;
    let context = app.db(move |conn| interview::context(conn, scope, id)).await?;
    let layout = staff.session.layout(Section::Jobs);
    let proposed = query.into_inner();
    let form = InterviewInput::blank(layout.time_zone()).at(proposed.date, proposed.time, proposed.time_zone);
    pages::html(&NewPage { layout, context, iv_form: form, iv_errors: FieldErrors::default() })
}

/// `POST /submissions/{id}/interviews`: schedules an interview; bad input comes back on the
/// form with the input kept.
pub async fn schedule(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<InterviewInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let input = form.clone();
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let (me, key, back) = (staff.user.id, form.idempotency_key.clone(), format!("/submissions/{id}#interviews"));
    let there = back.clone();
    let scheduled = app.db(move |conn| {
        let create = |conn: &mut _| interview::schedule(conn, scope, id, &input, &actor, now);
        idempotency::create_once(conn, me, &key, now, create, |_| Some(there))
    });
    match scheduled.await {
        Ok(Once::Repeated(location)) => Ok(already_created(&staff.session, &location)),
        Ok(Once::Ran(scheduled)) => {
            staff.session.flash(Flash::success(format!(
                "Interview scheduled for {}. The contractor sees it in their own time zone.",
                scheduled.when_agreed()
            )));
            Ok(pages::redirect(&back))
        }
        Err(AppError::Invalid(errors)) => {
            let context = app.db(move |conn| interview::context(conn, scope, id)).await?;
            let layout = staff.session.layout(Section::Jobs);
            pages::html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &NewPage { layout, context, iv_form: form, iv_errors: errors },
            )
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "interviews/edit.html")]
struct EditPage {
    layout: Layout,
    interview: Interview,
    context: InterviewContext,
    /// The reschedule form and its errors.
    iv_form: InterviewInput,
    iv_errors: FieldErrors,
    outcome_form: OutcomeInput,
    outcome_errors: FieldErrors,
    cancel_reason: String,
    cancel_errors: FieldErrors,
    conflict: Vec<FieldChange>,
    own_zone: Tz,
    now: NaiveDateTime,
}

/// What the edit page shows besides the interview: the forms as submitted and their errors.
struct EditState {
    form: Option<InterviewInput>,
    form_errors: FieldErrors,
    outcome_form: Option<OutcomeInput>,
    outcome_errors: FieldErrors,
    cancel_reason: String,
    cancel_errors: FieldErrors,
    conflict: Vec<FieldChange>,
    status: StatusCode,
}

impl EditState {
    fn fresh() -> Self {
        Self {
            form: None,
            form_errors: FieldErrors::default(),
            outcome_form: None,
            outcome_errors: FieldErrors::default(),
            cancel_reason: String::new(),
            cancel_errors: FieldErrors::default(),
            conflict: Vec::new(),
            status: StatusCode::OK,
        }
    }
}

async fn edit_page(app: &AppState, staff: &Staff, id: i64, state: EditState) -> Result<HttpResponse, AppError> {
    let (scope, now) = (staff.scope, app.clock.now());
    let (interview, context) = app
        .db(move |conn| {
            let interview = interview::find(conn, scope, id)?;
            let context = interview::context(conn, scope, interview.submission_id)?;
            Ok((interview, context))
        })
        .await?;
    let layout = staff.session.layout(Section::Jobs);
    let own_zone = layout.time_zone();
    let page = EditPage {
        iv_form: state.form.unwrap_or_else(|| interview.to_input()),
        iv_errors: state.form_errors,
        outcome_form: state.outcome_form.unwrap_or_else(|| OutcomeInput::from_saved(&interview)),
        outcome_errors: state.outcome_errors,
        cancel_reason: state.cancel_reason,
        cancel_errors: state.cancel_errors,
        conflict: state.conflict,
        layout,
        interview,
        context,
        own_zone,
        now,
    };
    pages::html_with_status(state.status, &page)
}

/// `GET /interviews/{id}/edit`: reschedule, cancel or record how it went.
pub async fn edit(app: web::Data<AppState>, staff: Staff, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    edit_page(&app, &staff, id, EditState::fresh()).await
}

/// `POST /interviews/{id}`: reschedules or changes the details (from the version the form was
/// opened at; a stale form gets the conflict page).
pub async fn update(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<InterviewInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let input = form.clone();
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    match app.db(move |conn| interview::reschedule(conn, scope, id, &input, &actor, now)).await {
        Ok(Saved::Done(saved)) => {
            staff.session.flash(Flash::success(format!("Interview saved: {}.", saved.when_agreed())));
            Ok(pages::redirect(&format!("/submissions/{}#interviews", saved.submission_id)))
        }
        Ok(Saved::Stale(current)) => {
            let conflict = interview::changes(&form, &current);
            let state = EditState {
                form: Some(form.with_sequence(current.sequence)),
                conflict,
                status: StatusCode::CONFLICT,
                ..EditState::fresh()
            };
            edit_page(&app, &staff, id, state).await
        }
        Err(AppError::Invalid(errors)) => {
            let state = EditState {
                form: Some(form),
                form_errors: errors,
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..EditState::fresh()
            };
            edit_page(&app, &staff, id, state).await
        }
        Err(e) => Err(e),
    }
}

/// The cancel form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CancelInput {
    reason: String,
}

/// `POST /interviews/{id}/cancel`.
pub async fn cancel(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<CancelInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let reason = form.into_inner().reason;
    let kept = reason.clone();
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    match app.db(move |conn| interview::cancel(conn, scope, id, &reason, &actor, now)).await {
        Ok(cancelled) => {
            staff
                .session
                .flash(Flash::success("Interview cancelled. The contractor is told, and calendars show it cancelled."));
            Ok(pages::redirect(&format!("/submissions/{}#interviews", cancelled.submission_id)))
        }
        Err(AppError::Invalid(errors)) => {
            let state = EditState {
                cancel_reason: kept,
                cancel_errors: errors,
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..EditState::fresh()
            };
            edit_page(&app, &staff, id, state).await
        }
        Err(e) => Err(e),
    }
}

/// `POST /interviews/{id}/outcome`: how it went, with feedback (internal unless told).
pub async fn record_outcome(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<OutcomeInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let input = form.clone();
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    match app.db(move |conn| interview::record_outcome(conn, scope, id, &input, &actor, now)).await {
        Ok(saved) => {
            let told = !form.tell_contractor.trim().is_empty();
            staff.session.flash(Flash::success(if told {
                "Outcome saved and shown to the contractor."
            } else {
                "Outcome saved (internal)."
            }));
            Ok(pages::redirect(&format!("/submissions/{}#interviews", saved.submission_id)))
        }
        Err(AppError::Invalid(errors)) => {
            let state = EditState {
                outcome_form: Some(form),
                outcome_errors: errors,
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..EditState::fresh()
            };
            edit_page(&app, &staff, id, state).await
        }
        Err(e) => Err(e),
    }
}

/// A calendar file; `download` names it as an attachment.
fn calendar_response(body: String, download: Option<String>) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CONTENT_TYPE, "text/calendar; charset=utf-8"));
    if let Some(name) = download {
        response.insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(name)],
        });
    }
    response.body(body)
}

/// `GET /interviews/{id}.ics`: one of the agency's interviews for the recruiter's calendar.
pub async fn staff_ics(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (scope, base_url) = (staff.scope, app.base_url());
    let body = app.db(move |conn| interview::staff_ics(conn, scope, id, &base_url)).await?;
    Ok(calendar_response(body, Some(format!("interview-{id}.ics"))))
}

/// `GET /me/interviews/{id}.ics`: an interview on a submission about the contractor.
pub async fn person_ics(
    app: web::Data<AppState>,
    me: ContractorAccount,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (email, base_url) = (me.user.email.clone(), app.base_url());
    let body = app.db(move |conn| interview::person_ics(conn, &email, id, &base_url)).await?;
    Ok(calendar_response(body, Some(format!("interview-{id}.ics"))))
}

#[derive(Template)]
#[template(path = "interviews/contractor_note.html")]
struct NotePage {
    layout: Layout,
    heading: &'static str,
    action: String,
    back: String,
    note: String,
    /// Shows "Not now" (the thank-you prompt can be dismissed).
    dismissable: bool,
    submit_label: &'static str,
    errors: FieldErrors,
}

/// The thank-you prompt's answer.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThankYouInput {
    note: String,
    /// "send" or "dismiss".
    decision: String,
}

/// `POST /me/interviews/{id}/thank-you`: sends the thank-you note to the agency, or dismisses
/// the prompt; either way it is not shown again for that interview.
pub async fn thank_you(
    app: web::Data<AppState>,
    me: ContractorAccount,
    id: web::Path<String>,
    form: CsrfForm<ThankYouInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let note = form.note.clone();
    let send = form.decision != "dismiss";
    let (user_id, email, name, now) = (me.user.id, me.user.email.clone(), me.user.name.clone(), app.clock.now());
    let outcome = app
        .db(move |conn| {
            let person = Person { user_id, email: &email, name: &name };
            let answer = if send { ThankYou::Send(&note) } else { ThankYou::Dismiss };
            let outcome = interview::answer_thank_you(conn, &person, id, answer, now);
            // A refused answer goes back to the contractor's submission page.
            let back = match &outcome {
                Err(AppError::Invalid(_)) => Some(interview::submission_of_persons_interview(conn, &email, id)?),
                _ => None,
            };
            Ok((outcome, back))
        })
        .await?;
    match outcome {
        (Ok(submission_id), _) => {
            me.session.flash(Flash::success(if send {
                "Thank you note sent to your recruiter."
            } else {
                "Fine: we will not ask again for this interview."
            }));
            Ok(pages::redirect(&format!("/me/submissions/{submission_id}")))
        }
        (Err(AppError::Invalid(errors)), back) => {
            let page = NotePage {
                layout: me.session.layout(Section::MeSubmissions),
                heading: "Send a thank-you note",
                action: format!("/me/interviews/{id}/thank-you"),
                back: back.map_or_else(|| "/me/submissions".to_string(), |s| format!("/me/submissions/{s}")),
                note: form.note,
                dismissable: true,
                submit_label: "Send thank-you note",
                errors,
            };
            pages::html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        (Err(e), _) => Err(e),
    }
}

/// The follow-up form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FollowUpInput {
    note: String,
}

/// `POST /me/submissions/{id}/follow-up`: the contractor's one "ask for an update" while the
/// agency's update is overdue.
pub async fn ask_for_update(
    app: web::Data<AppState>,
    me: ContractorAccount,
    id: web::Path<String>,
    form: CsrfForm<FollowUpInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let note = form.into_inner().note;
    let kept = note.clone();
    let (user_id, email, name, now) = (me.user.id, me.user.email.clone(), me.user.name.clone(), app.clock.now());
    let layout = me.session.layout(Section::MeSubmissions);
    let today = now.and_utc().with_timezone(&layout.time_zone()).date_naive();
    let outcome = app
        .db(move |conn| {
            let person = Person { user_id, email: &email, name: &name };
            interview::ask_for_update(conn, &person, id, &note, today, now)
        })
        .await;
    match outcome {
        Ok(()) => {
            me.session.flash(Flash::success("Sent: your recruiter is asked for an update."));
            Ok(pages::redirect(&format!("/me/submissions/{id}")))
        }
        Err(AppError::Invalid(errors)) => {
            let page = NotePage {
                layout,
                heading: "Ask for an update",
                action: format!("/me/submissions/{id}/follow-up"),
                back: format!("/me/submissions/{id}"),
                note: kept,
                dismissable: false,
                submit_label: "Ask for an update",
                errors,
            };
            pages::html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "interviews/calendar.html")]
struct CalendarPage {
    layout: Layout,
    /// When the current feed address was made.
    since: Option<NaiveDateTime>,
    /// The new address, right after it was made (it is shown only then).
    new_url: Option<String>,
}

impl CalendarPage {
    fn since_text(&self) -> String {
        self.since.map(|at| self.layout.when(&at)).unwrap_or_default()
    }
}

/// `GET /account/calendar`: the private calendar feed, made, replaced or turned off here.
pub async fn calendar(app: web::Data<AppState>, member: Member) -> Result<HttpResponse, AppError> {
    let user_id = member.user.id;
    let since = app.db(move |conn| interview::feed_since(conn, user_id)).await?;
    let layout = member.session.layout(Section::Account);
    pages::html(&CalendarPage { layout, since, new_url: None })
}

/// `POST /account/calendar`: makes a new feed address (the old one stops working) and shows it once.
pub async fn rotate_feed(
    app: web::Data<AppState>,
    member: Member,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (user_id, now) = (member.user.id, app.clock.now());
    let secret = app.db(move |conn| interview::rotate_feed(conn, user_id, now)).await?;
    let layout = member.session.layout(Section::Account);
    let new_url = Some(format!("{}/calendar/{secret}.ics", app.base_url()));
    pages::html(&CalendarPage { layout, since: Some(now), new_url })
}

/// `POST /account/calendar/delete`: turns the feed off.
pub async fn remove_feed(
    app: web::Data<AppState>,
    member: Member,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let user_id = member.user.id;
    app.db(move |conn| interview::remove_feed(conn, user_id)).await?;
    member.session.flash(Flash::success("Calendar feed turned off: its address no longer works."));
    Ok(pages::redirect("/account/calendar"))
}

/// `GET /calendar/{token}.ics`: the private feed (no session: calendar apps fetch it).
pub async fn feed(app: web::Data<AppState>, token: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (secret, base_url, now) = (token.into_inner(), app.base_url(), app.clock.now());
    let body = app.db(move |conn| interview::feed(conn, &secret, &base_url, now)).await?;
    Ok(calendar_response(body, None))
}
