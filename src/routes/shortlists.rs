//! Client shortlists. The recruiter's side: `/jobs/{id}/shortlists/new` (choose contractors and
//! what the client sees of each), `/shortlists/{id}` (opened when, answers, revoke, resend). The
//! client's side: `/s/{token}`, a private link that needs no account, answered per contractor.
//! A wrong, altered, expired or revoked link answers exactly like a missing page (404); many
//! wrong links from one address get 429 for a while.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDateTime;

use crate::auth::{CsrfForm, Staff, Visitor};
use crate::error::AppError;
use crate::models::idempotency::{self, Once};
use crate::models::interview;
use crate::models::shortlist::{
    self, AnswerInput, Answered, CV_CHOICES, ClientView, CvView, Detail, FormData, FormErrors, ReplyInput, Sent,
    ShortlistInput,
};
use crate::models::validation::FieldErrors;
use crate::pages::{self, Flash, Layout, Section};
use crate::routes::sessions::Empty;
use crate::routes::{already_created, parse_id};
use crate::state::AppState;

/// Registers this resource's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/jobs/{id}/shortlists/new").route(get().to(new)))
        .service(resource("/jobs/{id}/shortlists").route(post().to(create)))
        .service(resource("/shortlists/{id}").route(get().to(show)))
        .service(resource("/shortlists/{id}/revoke").route(post().to(revoke)))
        .service(resource("/shortlists/{id}/resend").route(post().to(resend)))
        .service(resource("/shortlists/{id}/reply").route(post().to(reply)))
        .service(resource("/s/{token}").route(get().to(client_page)).route(post().to(client_answer)))
        .service(resource("/s/{token}/cv/{entry}").route(get().to(client_cv)));
}

/// This resource's routes as (method, path pattern).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/jobs/{id}/shortlists/new"),
    ("POST", "/jobs/{id}/shortlists"),
    ("GET", "/shortlists/{id}"),
    ("POST", "/shortlists/{id}/revoke"),
    ("POST", "/shortlists/{id}/resend"),
    ("POST", "/shortlists/{id}/reply"),
    ("GET", "/s/{token}"),
    ("POST", "/s/{token}"),
    ("GET", "/s/{token}/cv/{entry}"),
];

#[derive(Template)]
#[template(path = "shortlists/new.html")]
struct NewPage {
    layout: Layout,
    data: FormData,
    form: ShortlistInput,
    errors: FormErrors,
    cv_choices: &'static [(&'static str, &'static str)],
}

fn form_page(
    layout: Layout,
    data: FormData,
    form: ShortlistInput,
    errors: FormErrors,
) -> Result<HttpResponse, AppError> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    pages::html_with_status(status, &NewPage { layout, data, form, errors, cv_choices: CV_CHOICES })
}

/// `GET /jobs/{id}/shortlists/new`: the job's open submissions, those with consent choosable.
pub async fn new(app: web::Data<AppState>, staff: Staff, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (scope, now) = (staff.scope, app.clock.now());
    let data = app.db(move |conn| shortlist::form_data(conn, scope, id, now)).await?;
    let form = ShortlistInput::fresh(&data);
    form_page(staff.session.layout(Section::Jobs), data, form, FormErrors::default())
}

/// `POST /jobs/{id}/shortlists`: saves and emails the shortlist, or shows the form's errors.
pub async fn create(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let input = ShortlistInput::from_pairs(form.into_inner())?;
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let zone = staff.user.tz().name().to_string();
    let typed = input.clone();
    let (me, key) = (staff.user.id, input.idempotency_key.clone());
    let outcome = app
        .db(move |conn| {
            let create = |conn: &mut _| shortlist::create(conn, scope, id, &input, &zone, &actor, now);
            let sent = |sent: &Sent| match sent {
                Sent::Done(list) => Some(format!("/shortlists/{list}")),
                Sent::Invalid(_) => None,
            };
            match idempotency::create_once(conn, me, &key, now, create, sent)? {
                Once::Ran(Sent::Done(list)) => Ok(Ok(Ok(list))),
                Once::Ran(Sent::Invalid(errors)) => Ok(Err((shortlist::form_data(conn, scope, id, now)?, errors))),
                Once::Repeated(location) => Ok(Ok(Err(location))),
            }
        })
        .await?;
    match outcome {
        Ok(Ok(list)) => {
            staff.session.flash(Flash::success("Shortlist sent: each contact has the private link by email."));
            Ok(pages::redirect(&format!("/shortlists/{list}")))
        }
        Ok(Err(location)) => Ok(already_created(&staff.session, &location)),
        Err((data, errors)) => form_page(staff.session.layout(Section::Jobs), data, typed, errors),
    }
}

#[derive(Template)]
#[template(path = "shortlists/show.html")]
struct ShowPage {
    layout: Layout,
    detail: Detail,
    now: NaiveDateTime,
    /// A reply that was refused: what was typed, for which question, and why.
    reply: ReplyInput,
    reply_errors: FieldErrors,
}

impl ShowPage {
    /// The refused reply's text and errors if they belong to question `answer_id`.
    fn reply_for(&self, answer_id: &i64) -> Option<(&str, &FieldErrors)> {
        (self.reply.answer.trim() == answer_id.to_string()).then_some((self.reply.reply.as_str(), &self.reply_errors))
    }
}

async fn show_page(
    app: &AppState,
    staff: &Staff,
    id: i64,
    reply: ReplyInput,
    reply_errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let (scope, now) = (staff.scope, app.clock.now());
    let detail = app.db(move |conn| shortlist::detail(conn, scope, id, now)).await?;
    let status = if reply_errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ShowPage { layout: staff.session.layout(Section::Jobs), detail, now, reply, reply_errors };
    pages::html_with_status(status, &page)
}

/// `GET /shortlists/{id}`: who got it, when it was opened, each contractor's answers.
pub async fn show(app: web::Data<AppState>, staff: Staff, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    show_page(&app, &staff, parse_id(&id)?, ReplyInput::default(), FieldErrors::default()).await
}

/// `POST /shortlists/{id}/reply`: answers a client's question; a refused reply comes back beside
/// its question with the text kept.
pub async fn reply(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<ReplyInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let input = form.into_inner();
    let typed = input.clone();
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    match app.db(move |conn| shortlist::reply(conn, scope, id, &input, &actor, now)).await {
        Ok(answer) => {
            staff.session.flash(Flash::success("Reply sent: the client's contacts have it by email and on the link."));
            Ok(pages::redirect(&format!("/shortlists/{id}#answer-{}", answer.id)))
        }
        Err(AppError::Invalid(errors)) => show_page(&app, &staff, id, typed, errors).await,
        Err(e) => Err(e),
    }
}

/// `POST /shortlists/{id}/revoke`: the link stops working at once.
pub async fn revoke(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    app.db(move |conn| shortlist::revoke(conn, scope, id, &actor, now)).await?;
    staff.session.flash(Flash::success("Link revoked: it no longer opens."));
    Ok(pages::redirect(&format!("/shortlists/{id}")))
}

/// `POST /shortlists/{id}/resend`: a fresh link to the same contacts (the old one stops).
pub async fn resend(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    match app.db(move |conn| shortlist::resend(conn, scope, id, &actor, now)).await {
        Ok(_) => {
            staff.session.flash(Flash::success("Sent again with a fresh link; the previous link no longer opens."))
        }
        Err(AppError::Invalid(errors)) => staff.session.flash(Flash::error(errors.summary())),
        Err(e) => return Err(e),
    }
    Ok(pages::redirect(&format!("/shortlists/{id}")))
}

// ---------------------------------------------------------------------------------------------
// The client's link.

#[derive(Template)]
#[template(path = "shortlists/client.html")]
struct ClientPage {
    layout: Layout,
    view: ClientView,
    action: String,
    /// The entry just answered, or answered with errors.
    answered: Option<i64>,
    errors: FieldErrors,
    form: AnswerInput,
    zones: &'static [(&'static str, String)],
}

impl ClientPage {
    /// The errors that belong beside this contractor's forms.
    fn errors_for(&self, entry: &i64) -> FieldErrors {
        if self.answered == Some(*entry) { self.errors.clone() } else { FieldErrors::default() }
    }

    /// What was typed for this contractor (kept after an error).
    fn typed_for(&self, entry: &i64) -> AnswerInput {
        if self.answered == Some(*entry) && !self.errors.is_empty() {
            self.form.clone()
        } else {
            AnswerInput { time_zone: self.view.time_zone.clone(), ..AnswerInput::default() }
        }
    }

    /// True when this contractor's form for `kind` should be open (it came back with errors).
    fn open_form(&self, entry: &i64, kind: &str) -> bool {
        self.answered == Some(*entry) && !self.errors.is_empty() && self.form.answer == kind
    }

    /// True when this contractor was just answered (no errors): the thank-you shows.
    fn thanked(&self, entry: &i64) -> bool {
        self.answered == Some(*entry) && self.errors.is_empty()
    }

    /// The interview time fields: (number, field name, value typed).
    fn time_fields(&self, typed: &AnswerInput) -> Vec<(&'static str, &'static str, String)> {
        vec![
            ("1", "time_1", typed.time_1.clone()),
            ("2", "time_2", typed.time_2.clone()),
            ("3", "time_3", typed.time_3.clone()),
        ]
    }

    fn when(&self, at: &NaiveDateTime) -> String {
        shortlist::local_text(*at, self.view.time_zone.parse().unwrap_or(chrono_tz::Tz::UTC))
    }
}

/// The client's pages are nobody's business but the client's: never cached, never indexed.
fn private(mut response: HttpResponse) -> HttpResponse {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::HeaderName::from_static("x-robots-tag"), HeaderValue::from_static("noindex, nofollow"));
    response
}

fn client_response(
    visitor: &Visitor,
    token: &str,
    view: ClientView,
    answered: Option<i64>,
    errors: FieldErrors,
    form: AnswerInput,
) -> Result<HttpResponse, AppError> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ClientPage {
        layout: visitor.session.layout(Section::None),
        view,
        action: format!("/s/{token}"),
        answered,
        errors,
        form,
        zones: interview::zone_choices(),
    };
    Ok(private(pages::html_with_status(status, &page)?))
}

/// `GET /s/{token}`: the shortlist as the recruiter chose it.
pub async fn client_page(
    app: web::Data<AppState>,
    visitor: Visitor,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let viewer_agency = visitor.session.user().and_then(|u| u.agency_id);
    let (secret, ip, now) = (token.clone(), visitor.actor.ip.clone(), app.clock.now());
    let view = app.db(move |conn| shortlist::open(conn, &secret, &ip, viewer_agency, now)).await?;
    client_response(&visitor, &token, view, None, FieldErrors::default(), AnswerInput::default())
}

/// `POST /s/{token}` (`entry`, `answer` = `interested` | `not_a_fit` | `question`, …): records
/// the client's answer on one contractor.
pub async fn client_answer(
    app: web::Data<AppState>,
    visitor: Visitor,
    token: web::Path<String>,
    form: CsrfForm<AnswerInput>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let form = form.into_inner();
    let client = shortlist::Client { ip: visitor.actor.ip.clone(), user_agent: visitor.actor.user_agent.clone() };
    let (secret, input, now) = (token.clone(), form.clone(), app.clock.now());
    match app.db(move |conn| shortlist::answer(conn, &secret, &input, &client, now)).await? {
        Answered::Done(view, entry) => {
            client_response(&visitor, &token, view, Some(entry), FieldErrors::default(), AnswerInput::default())
        }
        Answered::Invalid(view, entry, errors) => client_response(&visitor, &token, view, Some(entry), errors, form),
    }
}

#[derive(Template)]
#[template(path = "shortlists/cv.html")]
struct CvPage {
    layout: Layout,
    name: String,
    text: String,
    back: String,
}

/// `GET /s/{token}/cv/{entry}`: the CV as chosen — the file, or its text without contact details.
pub async fn client_cv(
    app: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (token, entry) = path.into_inner();
    let entry = parse_id(&entry)?;
    let (secret, ip, now) = (token.clone(), visitor.actor.ip.clone(), app.clock.now());
    match app.db(move |conn| shortlist::cv_file(conn, &secret, entry, &ip, now)).await? {
        CvView::File(file) => Ok(private(crate::routes::documents::attachment(file))),
        CvView::Redacted { name, text } => {
            let page =
                CvPage { layout: visitor.session.layout(Section::None), name, text, back: format!("/s/{token}") };
            Ok(private(pages::html(&page)?))
        }
    }
}
