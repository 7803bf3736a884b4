//! Submissions: putting a contractor forward for a job, moving them through the pipeline,
//! asking for consent, updates ("no news yet" included) and closing with a reason.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

use crate::auth::{CsrfForm, Staff};
use crate::error::AppError;
use crate::models::consent::{self, RequestInput};
use crate::models::idempotency::{self, Once};
use crate::models::submission::{self, Created, Note, Overview, Update};
use crate::models::validation::FieldErrors;
use crate::pages::{self, Flash, Layout, Section};
use crate::routes::{already_created, parse_id};
use crate::state::AppState;

/// Registers this resource's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/submissions").route(post().to(create)))
        .service(resource("/submissions/new").route(get().to(new)))
        .service(resource("/submissions/{id}").route(get().to(show)))
        .service(resource("/submissions/{id}/stage").route(post().to(move_stage)))
        .service(resource("/submissions/{id}/updates").route(post().to(add_update)))
        .service(resource("/submissions/{id}/no-news").route(post().to(no_news)))
        .service(resource("/submissions/{id}/close").route(post().to(close)))
        .service(resource("/submissions/{id}/consent").route(post().to(request_consent)));
}

/// This resource's routes as (method, path pattern).
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/submissions"),
    ("GET", "/submissions/new"),
    ("GET", "/submissions/{id}"),
    ("POST", "/submissions/{id}/stage"),
    ("POST", "/submissions/{id}/updates"),
    ("POST", "/submissions/{id}/no-news"),
    ("POST", "/submissions/{id}/close"),
    ("POST", "/submissions/{id}/consent"),
];

/// "Put forward": from the job page, the contractor page or search results.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CreateInput {
    job_id: String,
    contractor_id: String,
    override_reason: String,
}

/// Query of `GET /submissions/new`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewQuery {
    contractor_id: String,
}

#[derive(Template)]
#[template(path = "submissions/new.html")]
struct NewPage {
    layout: Layout,
    contractor: crate::models::contractor::Contractor,
    jobs: Vec<(String, String)>,
}

/// `GET /submissions/new?contractor_id=`: choose the job to put a contractor forward for.
pub async fn new(
    app: web::Data<AppState>,
    staff: Staff,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, AppError> {
    let contractor_id = parse_id(&query.into_inner().contractor_id)?;
    let scope = staff.scope;
    let (contractor, jobs) = app
        .db(move |conn| {
            let contractor = crate::models::contractor::find(conn, scope, contractor_id)?;
            Ok((contractor, crate::models::job::open_choices(conn, scope)?))
        })
        .await?;
    pages::html(&NewPage { layout: staff.session.layout(Section::Contractors), contractor, jobs })
}

#[derive(Template)]
#[template(path = "submissions/needs_reason.html")]
struct NeedsReasonPage {
    layout: Layout,
    form: CreateInput,
    other_job: String,
    since: NaiveDateTime,
    errors: FieldErrors,
}

/// `POST /submissions`.
pub async fn create(
    app: web::Data<AppState>,
    staff: Staff,
    form: CsrfForm<CreateInput>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let job_id = form.job_id.trim().parse::<i64>().unwrap_or(0);
    let contractor_id = form.contractor_id.trim().parse::<i64>().unwrap_or(0);
    let reason = form.override_reason.clone();
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let outcome = app
        .db(move |conn| {
            let reason = (!reason.trim().is_empty()).then_some(reason.as_str());
            submission::create(conn, scope, job_id, contractor_id, reason, &actor, now)
        })
        .await;
    match outcome {
        Ok(Created::Done(created)) => {
            staff.session.flash(Flash::success(
                "Added to the job's pipeline. Ask for their consent before sending them to the client.",
            ));
            Ok(pages::redirect(&format!("/submissions/{}", created.id)))
        }
        Ok(Created::AlreadyOnJob(existing)) => {
            staff.session.flash(Flash::error("They are already in this job's pipeline: here is that submission. Nobody is put forward twice for one job."));
            Ok(pages::redirect(&format!("/submissions/{existing}")))
        }
        Ok(Created::NeedsReason(other_job, since)) => {
            let layout = staff.session.layout(Section::Jobs);
            pages::html_with_status(
                StatusCode::CONFLICT,
                &NeedsReasonPage { layout, form, other_job, since, errors: FieldErrors::default() },
            )
        }
        Err(AppError::Invalid(errors)) => {
            staff.session.flash(Flash::error(errors.summary()));
            let back = if job_id > 0 { format!("/jobs/{job_id}") } else { format!("/contractors/{contractor_id}") };
            Ok(pages::redirect(&back))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "submissions/show.html")]
struct ShowPage {
    layout: Layout,
    view: Overview,
    /// Offers and the placement.
    offers: crate::models::offer::Offers,
    /// Interviews, and whether another can be scheduled.
    interviews: crate::models::interview::SubmissionInterviews,
    consent_form: RequestInput,
    errors: FieldErrors,
    /// Which form the errors belong to.
    errors_for: &'static str,
    /// What was typed into the form that failed, shown again.
    retry: Retry,
    now: NaiveDateTime,
    today: NaiveDate,
}

/// A failed form's input, shown again beside its errors.
#[derive(Debug, Default)]
struct Retry {
    errors: FieldErrors,
    /// Which form failed ("stage", "consent", "update", "close"; empty when none did).
    form: &'static str,
    consent: RequestInput,
    stage: MoveInput,
    update: UpdateInput,
    close: CloseInput,
}

async fn show_page(
    app: &AppState,
    staff: &Staff,
    id: i64,
    mut retry: Retry,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let errors = std::mem::take(&mut retry.errors);
    let consent_form = std::mem::take(&mut retry.consent);
    let errors_for = retry.form;
    if retry.update.idempotency_key.is_empty() {
        retry.update.idempotency_key = idempotency::new_key();
    }
    let (scope, now) = (staff.scope, app.clock.now());
    let (view, offers, interviews) = app
        .db(move |conn| {
            let offers = crate::models::offer::for_submission(conn, scope, id, now)?;
            let interviews = crate::models::interview::for_submission(conn, scope, id, now)?;
            Ok((submission::overview(conn, scope, id, now)?, offers, interviews))
        })
        .await?;
    let layout = staff.session.layout(Section::Jobs);
    let today = now.and_utc().with_timezone(&layout.time_zone()).date_naive();
    let consent_form = if consent_form.rate.is_empty() && errors.is_empty() {
        RequestInput {
            rate: view.job.rate_min_minor.map(crate::models::money::amount_for_input).unwrap_or_default(),
            rate_currency: view.job.rate_currency.clone().unwrap_or_else(|| "EUR".into()),
            rate_unit: view.job.rate_unit.clone().filter(|u| u != "year").unwrap_or_else(|| "hour".into()),
            client_shown: "name".into(),
            exclusivity_days: "90".into(),
            ..consent_form
        }
    } else {
        consent_form
    };
    pages::html_with_status(
        status,
        &ShowPage { layout, view, offers, interviews, consent_form, errors, errors_for, retry, now, today },
    )
}

/// `GET /submissions/{id}`: everything about one submission.
pub async fn show(app: web::Data<AppState>, staff: Staff, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    show_page(&app, &staff, id, Retry::default(), StatusCode::OK).await
}

/// A stage move.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MoveInput {
    stage_id: String,
    note: String,
    tell_contractor: String,
    /// Where to go back to: "board" (the job page) or the submission page.
    back: String,
}

/// `POST /submissions/{id}/stage`.
pub async fn move_stage(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<MoveInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let stage_id = form.stage_id.trim().parse::<i64>().unwrap_or(0);
    let visible = !form.tell_contractor.is_empty();
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let note = form.note.clone();
    match app
        .db(move |conn| submission::move_to(conn, scope, id, stage_id, Note { text: &note, visible }, &actor, now))
        .await
    {
        Ok(moved) => {
            staff.session.flash(Flash::success("Moved."));
            if form.back == "board" {
                Ok(pages::redirect(&format!("/jobs/{}#pipeline", moved.job_id)))
            } else {
                Ok(pages::redirect(&format!("/submissions/{id}")))
            }
        }
        Err(AppError::Invalid(errors)) => {
            show_page(
                &app,
                &staff,
                id,
                Retry { errors, form: "stage", stage: form, ..Retry::default() },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// An update on a submission.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpdateInput {
    body: String,
    tell_contractor: String,
    /// See [`crate::models::idempotency`].
    idempotency_key: String,
}

/// `POST /submissions/{id}/updates`.
pub async fn add_update(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<UpdateInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let kept = form.clone();
    let visible = !form.tell_contractor.is_empty();
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let (me, key, back) = (staff.user.id, form.idempotency_key.clone(), format!("/submissions/{id}"));
    let there = back.clone();
    let added = app.db(move |conn| {
        let note = Update::Note(Note { text: &form.body, visible });
        let create = |conn: &mut _| submission::add_update(conn, scope, id, note, &actor, now);
        idempotency::create_once(conn, me, &key, now, create, |_| Some(there))
    });
    match added.await {
        Ok(Once::Repeated(location)) => Ok(already_created(&staff.session, &location)),
        Ok(Once::Ran(_)) => {
            staff.session.flash(Flash::success(if visible {
                "Update saved and shown to the contractor."
            } else {
                "Note saved."
            }));
            Ok(pages::redirect(&back))
        }
        Err(AppError::Invalid(errors)) => {
            show_page(
                &app,
                &staff,
                id,
                Retry { errors, form: "update", update: kept, ..Retry::default() },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// Where a one-click form returns to.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackInput {
    back: String,
}

/// `POST /submissions/{id}/no-news`: the one-click "no news yet" update (it counts, and the
/// contractor is told).
pub async fn no_news(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<BackInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let back = form.into_inner().back;
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    app.db(move |conn| submission::add_update(conn, scope, id, Update::NoNews, &actor, now)).await?;
    staff.session.flash(Flash::success("Sent \"no news yet\" to the contractor; the next update is due later."));
    let target = match back.as_str() {
        "home" => "/".to_string(),
        "tasks" => "/tasks".to_string(),
        _ => format!("/submissions/{id}"),
    };
    Ok(pages::redirect(&target))
}

/// Closing a submission.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CloseInput {
    reason: String,
    close_note: String,
}

/// `POST /submissions/{id}/close`.
pub async fn close(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<CloseInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let kept = form.clone();
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    match app.db(move |conn| submission::close(conn, scope, id, &form.reason, &form.close_note, &actor, now)).await {
        Ok(_) => {
            staff.session.flash(Flash::success("Closed. The contractor sees the reason."));
            Ok(pages::redirect(&format!("/submissions/{id}")))
        }
        Err(AppError::Invalid(errors)) => {
            show_page(
                &app,
                &staff,
                id,
                Retry { errors, form: "close", close: kept, ..Retry::default() },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// `POST /submissions/{id}/consent`: asks the contractor's consent.
pub async fn request_consent(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<RequestInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let kept = form.clone();
    let (scope, actor, now, base_url) = (staff.scope, staff.actor.clone(), app.clock.now(), app.base_url());
    match app.db(move |conn| consent::request(conn, scope, id, &form, &base_url, &actor, now)).await {
        Ok(consent) => {
            let message = match consent.conflict_since {
                Some(since) => format!(
                    "Consent requested. Already represented at this client since {} — ask the contractor.",
                    since.format("%-d %b %Y")
                ),
                None => "Consent requested: they have it by email and in their NextGig account.".to_string(),
            };
            staff.session.flash(if consent.conflict_since.is_some() {
                Flash::error(message)
            } else {
                Flash::success(message)
            });
            Ok(pages::redirect(&format!("/submissions/{id}")))
        }
        Err(AppError::Invalid(errors)) => {
            show_page(
                &app,
                &staff,
                id,
                Retry { errors, form: "consent", consent: kept, ..Retry::default() },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}
