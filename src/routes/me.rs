//! `/me`: the contractor's own pages — availability first, then rate, profile, competing offer,
//! reminders; their agencies, submissions, outside submissions, data export and account deletion.
//! Designed for a phone and a one-minute visit.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

use crate::auth::{ContractorAccount, CsrfForm};
use crate::error::AppError;
use crate::models::consent;
use crate::models::idempotency::{self, Once};
use crate::models::outside_submission::{self, OutsideInput, OutsideSubmission};
use crate::models::profile::{
    self, AvailabilityInput, DetailsInput, LinkedAgency, OfferInput, Profile, RateInput, RemindersInput,
};
use crate::models::validation::FieldErrors;
use crate::models::{contractor_data, one_click};
use crate::pages::{self, Flash, Layout, Section};
use crate::routes::sessions::Empty;
use crate::routes::{already_created, parse_id};
use crate::state::AppState;

/// Registers this resource's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/me").route(get().to(home)))
        .service(resource("/me/availability").route(post().to(update_availability)))
        .service(resource("/me/availability/confirm").route(post().to(confirm)))
        .service(resource("/me/rate").route(post().to(update_rate)))
        .service(resource("/me/profile").route(post().to(update_details)))
        .service(resource("/me/offer").route(post().to(update_offer)))
        .service(resource("/me/reminders").route(post().to(update_reminders)))
        .service(resource("/me/agencies").route(get().to(agencies)))
        .service(resource("/me/agencies/{id}/unlink").route(post().to(unlink)))
        .service(resource("/me/submissions").route(get().to(submissions)))
        .service(resource("/me/submissions/{id}").route(get().to(submission)))
        .service(resource("/me/consents").route(get().to(consents)))
        .service(resource("/me/consents/{id}").route(post().to(decide)))
        .service(resource("/me/outside").route(get().to(outside)).route(post().to(add_outside)))
        .service(resource("/me/outside/{id}/delete").route(post().to(delete_outside)))
        .service(resource("/me/export").route(get().to(export)))
        .service(resource("/me/delete").route(get().to(confirm_delete)).route(post().to(delete_account)))
        .service(
            resource("/still-available/{token}")
                .route(get().to(still_available))
                .route(post().to(still_available_confirm)),
        );
}

/// This resource's routes as (method, path pattern).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/me"),
    ("POST", "/me/availability"),
    ("POST", "/me/availability/confirm"),
    ("POST", "/me/rate"),
    ("POST", "/me/profile"),
    ("POST", "/me/offer"),
    ("POST", "/me/reminders"),
    ("GET", "/me/agencies"),
    ("POST", "/me/agencies/{id}/unlink"),
    ("GET", "/me/submissions"),
    ("GET", "/me/submissions/{id}"),
    ("GET", "/me/consents"),
    ("POST", "/me/consents/{id}"),
    ("GET", "/me/outside"),
    ("POST", "/me/outside"),
    ("POST", "/me/outside/{id}/delete"),
    ("GET", "/me/export"),
    ("GET", "/me/delete"),
    ("POST", "/me/delete"),
    ("GET", "/still-available/{token}"),
    ("POST", "/still-available/{token}"),
];

/// Which form on the home page came back with errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    None,
    Availability,
    Rate,
    Details,
    Offer,
    Reminders,
}

#[derive(Template)]
#[template(path = "me/home.html")]
struct HomePage {
    layout: Layout,
    profile: Profile,
    availability: AvailabilityInput,
    rate: RateInput,
    details: DetailsInput,
    offer: OfferInput,
    reminders: RemindersInput,
    errors: FieldErrors,
    open: Form,
    agency_count: usize,
    now: NaiveDateTime,
    today: NaiveDate,
}

impl HomePage {
    fn is_open(&self, form: &str) -> bool {
        let open = match self.open {
            Form::None => "",
            Form::Availability => "availability",
            Form::Rate => "rate",
            Form::Details => "details",
            Form::Offer => "offer",
            Form::Reminders => "reminders",
        };
        open == form
    }
}

fn today(layout: &Layout, now: NaiveDateTime) -> NaiveDate {
    now.and_utc().with_timezone(&layout.time_zone()).date_naive()
}

/// One home-page form coming back: which, how to put the user's input back, and the errors.
struct Back {
    form: Form,
    refill: Box<dyn FnOnce(&mut HomePage)>,
    errors: FieldErrors,
}

/// The home page, optionally with one form shown again with the user's input and errors.
async fn home_page(app: &AppState, me: &ContractorAccount, back: Option<Back>) -> Result<HttpResponse, AppError> {
    let user_id = me.user.id;
    let (profile, skills, agencies) = app
        .db(move |conn| {
            let profile = profile::find_for_user(conn, user_id)?;
            let skills = profile::skill_names(conn, profile.id)?;
            let agencies = profile::linked_agencies(conn, profile.id)?;
            Ok((profile, skills, agencies))
        })
        .await?;
    let layout = me.session.layout(Section::Me);
    let now = app.clock.now();
    let today = today(&layout, now);
    let mut page = HomePage {
        availability: AvailabilityInput::from_profile(&profile),
        rate: RateInput::from_profile(&profile),
        details: DetailsInput::from_profile(&profile, &skills),
        offer: OfferInput {
            decision_by: profile.competing_offer_until.map(|d| d.to_string()).unwrap_or_default(),
            clear: String::new(),
        },
        reminders: RemindersInput {
            reminders: if profile.reminders_enabled { "on".into() } else { String::new() },
            reminder_days: profile.reminder_days.to_string(),
        },
        errors: FieldErrors::default(),
        open: Form::None,
        agency_count: agencies.len(),
        profile,
        layout,
        now,
        today,
    };
    let mut status = StatusCode::OK;
    if let Some(back) = back {
        (back.refill)(&mut page);
        page.errors = back.errors;
        page.open = back.form;
        status = StatusCode::UNPROCESSABLE_ENTITY;
    }
    pages::html_with_status(status, &page)
}

/// `GET /me`.
pub async fn home(app: web::Data<AppState>, me: ContractorAccount) -> Result<HttpResponse, AppError> {
    home_page(&app, &me, None).await
}

/// Saves one of the home page's forms; errors come back on the page, success redirects.
async fn save<T: Clone + 'static>(
    app: &AppState,
    me: &ContractorAccount,
    form: T,
    which: Form,
    refill: fn(&mut HomePage, T),
    work: impl FnOnce(&mut crate::db::DbConnection, i64, NaiveDateTime) -> Result<Profile, AppError> + Send + 'static,
    done: &str,
) -> Result<HttpResponse, AppError> {
    let (user_id, now) = (me.user.id, app.clock.now());
    match app.db(move |conn| work(conn, user_id, now)).await {
        Ok(_) => {
            me.session.flash(Flash::success(done));
            Ok(pages::redirect("/me"))
        }
        Err(AppError::Invalid(errors)) => {
            let refill: Box<dyn FnOnce(&mut HomePage)> = Box::new(move |page| refill(page, form));
            home_page(app, me, Some(Back { form: which, refill, errors })).await
        }
        Err(e) => Err(e),
    }
}

/// `POST /me/availability`.
pub async fn update_availability(
    app: web::Data<AppState>,
    me: ContractorAccount,
    form: CsrfForm<AvailabilityInput>,
) -> Result<HttpResponse, AppError> {
    let input = form.into_inner();
    let kept = input.clone();
    save(
        &app,
        &me,
        kept,
        Form::Availability,
        |page, form| page.availability = form,
        move |conn, user, now| profile::update_availability(conn, user, &input, now),
        "Availability saved and shared with your agencies.",
    )
    .await
}

/// `POST /me/availability/confirm`: the big "Still available" button.
pub async fn confirm(
    app: web::Data<AppState>,
    me: ContractorAccount,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (user_id, now) = (me.user.id, app.clock.now());
    app.db(move |conn| profile::confirm_still_available(conn, user_id, now)).await?;
    me.session.flash(Flash::success("Thanks — your agencies now see your availability as confirmed today."));
    Ok(pages::redirect("/me"))
}

/// `POST /me/rate`.
pub async fn update_rate(
    app: web::Data<AppState>,
    me: ContractorAccount,
    form: CsrfForm<RateInput>,
) -> Result<HttpResponse, AppError> {
    let input = form.into_inner();
    let kept = input.clone();
    save(
        &app,
        &me,
        kept,
        Form::Rate,
        |page, form| page.rate = form,
        move |conn, user, now| profile::update_rate(conn, user, &input, now),
        "Rate floor saved.",
    )
    .await
}

/// `POST /me/profile`.
pub async fn update_details(
    app: web::Data<AppState>,
    me: ContractorAccount,
    form: CsrfForm<DetailsInput>,
) -> Result<HttpResponse, AppError> {
    let input = form.into_inner();
    let kept = input.clone();
    save(
        &app,
        &me,
        kept,
        Form::Details,
        |page, form| page.details = form,
        move |conn, user, now| profile::update_details(conn, user, &input, now),
        "Profile saved and shared with your agencies.",
    )
    .await
}

/// `POST /me/offer`: set or clear the competing-offer decision date.
pub async fn update_offer(
    app: web::Data<AppState>,
    me: ContractorAccount,
    form: CsrfForm<OfferInput>,
) -> Result<HttpResponse, AppError> {
    let input = form.into_inner();
    let kept = input.clone();
    let layout_tz = me.user.tz();
    let today = app.clock.now().and_utc().with_timezone(&layout_tz).date_naive();
    let message = if input.clear.is_empty() {
        "Your agencies now see that you have an offer or a final round elsewhere, with your decision date."
    } else {
        "Competing offer cleared."
    };
    save(
        &app,
        &me,
        kept,
        Form::Offer,
        |page, form| page.offer = form,
        move |conn, user, now| profile::set_competing_offer(conn, user, &input, today, now),
        message,
    )
    .await
}

/// `POST /me/reminders`.
pub async fn update_reminders(
    app: web::Data<AppState>,
    me: ContractorAccount,
    form: CsrfForm<RemindersInput>,
) -> Result<HttpResponse, AppError> {
    let input = form.into_inner();
    let kept = input.clone();
    save(
        &app,
        &me,
        kept,
        Form::Reminders,
        |page, form| page.reminders = form,
        move |conn, user, now| profile::set_reminders(conn, user, &input, now),
        "Reminder settings saved.",
    )
    .await
}

#[derive(Template)]
#[template(path = "me/agencies.html")]
struct AgenciesPage {
    layout: Layout,
    agencies: Vec<LinkedAgency>,
}

/// `GET /me/agencies`.
pub async fn agencies(app: web::Data<AppState>, me: ContractorAccount) -> Result<HttpResponse, AppError> {
    let user_id = me.user.id;
    let agencies = app
        .db(move |conn| {
            let profile = profile::find_for_user(conn, user_id)?;
            profile::linked_agencies(conn, profile.id)
        })
        .await?;
    pages::html(&AgenciesPage { layout: me.session.layout(Section::MeAgencies), agencies })
}

/// `POST /me/agencies/{id}/unlink`.
pub async fn unlink(
    app: web::Data<AppState>,
    me: ContractorAccount,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let agency_id = parse_id(&id)?;
    let (user_id, now, actor) = (me.user.id, app.clock.now(), me.actor.clone());
    let name = app
        .db(move |conn| {
            let name = profile::unlink(conn, user_id, agency_id, now)?;
            let actor = crate::models::audit::Actor { agency_id: Some(agency_id), ..actor };
            crate::models::audit::record(
                conn,
                &actor,
                crate::models::audit::Event::new("contractor.unlinked", ""),
                now,
            )?;
            Ok(name)
        })
        .await?;
    me.session.flash(Flash::success(format!(
        "{name} no longer receives your updates and cannot put you forward. They keep what they already had."
    )));
    Ok(pages::redirect("/me/agencies"))
}

#[derive(Template)]
#[template(path = "me/submissions.html")]
struct SubmissionsPage {
    layout: Layout,
    submissions: Vec<contractor_data::MySubmission>,
}

/// `GET /me/submissions`: every submission about them, from every agency, newest first.
pub async fn submissions(app: web::Data<AppState>, me: ContractorAccount) -> Result<HttpResponse, AppError> {
    let user_id = me.user.id;
    let submissions = app.db(move |conn| contractor_data::submissions(conn, user_id)).await?;
    pages::html(&SubmissionsPage { layout: me.session.layout(Section::MeSubmissions), submissions })
}

#[derive(Template)]
#[template(path = "me/submission.html")]
struct SubmissionPage {
    layout: Layout,
    submission: contractor_data::MySubmission,
    events: Vec<crate::models::submission::EventItem>,
    /// Interviews in their own zone, the thank-you prompt and the follow-up offer.
    interviews: crate::models::interview::PersonInterviews,
}

/// `GET /me/submissions/{id}`: one submission with the updates meant for them.
pub async fn submission(
    app: web::Data<AppState>,
    me: ContractorAccount,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (user_id, email, tz, now) = (me.user.id, me.user.email.clone(), me.user.tz(), app.clock.now());
    let (submission, events, interviews) = app
        .db(move |conn| {
            let (submission, events) = contractor_data::submission(conn, user_id, id)?;
            let interviews = crate::models::interview::for_person(conn, &email, id, tz, now)?;
            Ok((submission, events, interviews))
        })
        .await?;
    let layout = me.session.layout(Section::MeSubmissions);
    pages::html(&SubmissionPage { layout, submission, events, interviews })
}

#[derive(Template)]
#[template(path = "me/consents.html")]
struct ConsentsPage {
    layout: Layout,
    consents: Vec<consent::PersonConsent>,
    errors: FieldErrors,
}

async fn consents_page(
    app: &AppState,
    me: &ContractorAccount,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (email, now) = (me.user.email.clone(), app.clock.now());
    let consents = app.db(move |conn| consent::for_person(conn, &email, now)).await?;
    pages::html_with_status(status, &ConsentsPage { layout: me.session.layout(Section::MeConsents), consents, errors })
}

/// `GET /me/consents`: requests to put them forward, waiting ones first.
pub async fn consents(app: web::Data<AppState>, me: ContractorAccount) -> Result<HttpResponse, AppError> {
    consents_page(&app, &me, FieldErrors::default(), StatusCode::OK).await
}

/// A consent decision.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DecisionInput {
    pub decision: String,
}

/// `POST /me/consents/{id}` (`decision` = `approve` or `decline`; `withdraw` for an approval).
pub async fn decide(
    app: web::Data<AppState>,
    me: ContractorAccount,
    id: web::Path<String>,
    form: CsrfForm<DecisionInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let decision = consent::Decision::parse(&form.into_inner().decision);
    let decider = consent::Decider {
        user_id: Some(me.user.id),
        ip: me.actor.ip.clone(),
        user_agent: me.actor.user_agent.clone(),
    };
    let (email, now) = (me.user.email.clone(), app.clock.now());
    let outcome = match decision {
        Ok(decision) => {
            app.db(move |conn| {
                // Someone else's request answers like a missing one.
                consent::find_for_person(conn, &email, id, now)?;
                consent::decide(conn, id, decision, &decider, now)
            })
            .await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(consent) => {
            let message = match consent.status.as_str() {
                "approved" => {
                    format!("Approved: {} may put you forward for {}.", consent.client_shown, consent.job_title)
                }
                "withdrawn" => format!(
                    "Consent withdrawn: you will not be put forward for {} at {}, and the agency has been told.",
                    consent.job_title, consent.client_shown
                ),
                _ => format!("Declined: you will not be put forward for {}.", consent.job_title),
            };
            me.session.flash(Flash::success(message));
            Ok(pages::redirect("/me/consents"))
        }
        Err(AppError::Invalid(errors)) => consents_page(&app, &me, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "me/outside.html")]
struct OutsidePage {
    layout: Layout,
    entries: Vec<OutsideSubmission>,
    form: OutsideInput,
    errors: FieldErrors,
}

async fn outside_page(
    app: &AppState,
    me: &ContractorAccount,
    form: OutsideInput,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let user_id = me.user.id;
    let entries = app.db(move |conn| outside_submission::list(conn, user_id)).await?;
    pages::html_with_status(
        status,
        &OutsidePage { layout: me.session.layout(Section::MeOutside), entries, form, errors },
    )
}

/// `GET /me/outside`.
pub async fn outside(app: web::Data<AppState>, me: ContractorAccount) -> Result<HttpResponse, AppError> {
    outside_page(&app, &me, OutsideInput::blank(), FieldErrors::default(), StatusCode::OK).await
}

/// `POST /me/outside`: "I was put forward to CLIENT on DATE through another route".
pub async fn add_outside(
    app: web::Data<AppState>,
    me: ContractorAccount,
    form: CsrfForm<OutsideInput>,
) -> Result<HttpResponse, AppError> {
    let input = form.into_inner();
    let kept = input.clone();
    let (user_id, now) = (me.user.id, app.clock.now());
    let today = now.and_utc().with_timezone(&me.user.tz()).date_naive();
    let key = input.idempotency_key.clone();
    let added = app.db(move |conn| {
        let create = |conn: &mut _| outside_submission::add(conn, user_id, &input, today, now);
        idempotency::create_once(conn, user_id, &key, now, create, |_| Some("/me/outside".to_string()))
    });
    match added.await {
        Ok(Once::Repeated(location)) => Ok(already_created(&me.session, &location)),
        Ok(Once::Ran(entry)) => {
            me.session.flash(Flash::success(format!(
                "Noted: {} on {}.",
                entry.client_name,
                entry.submitted_on.format("%-d %b %Y")
            )));
            Ok(pages::redirect("/me/outside"))
        }
        Err(AppError::Invalid(errors)) => outside_page(&app, &me, kept, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(e),
    }
}

/// `POST /me/outside/{id}/delete`.
pub async fn delete_outside(
    app: web::Data<AppState>,
    me: ContractorAccount,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let user_id = me.user.id;
    app.db(move |conn| outside_submission::delete(conn, user_id, id)).await?;
    me.session.flash(Flash::success("Removed."));
    Ok(pages::redirect("/me/outside"))
}

/// Query of `GET /me/export`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExportQuery {
    format: String,
}

#[derive(Template)]
#[template(path = "me/export.html")]
struct ExportPage {
    layout: Layout,
}

/// `GET /me/export`: the page, or the download with `?format=json` / `?format=csv`.
pub async fn export(
    app: web::Data<AppState>,
    me: ContractorAccount,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let format = query.into_inner().format;
    if format.is_empty() {
        return pages::html(&ExportPage { layout: me.session.layout(Section::MeData) });
    }
    let (user_id, now, actor) = (me.user.id, app.clock.now(), me.actor.clone());
    let data = app
        .db(move |conn| {
            let data = contractor_data::collect(conn, user_id)?;
            crate::models::audit::record(
                conn,
                &actor,
                crate::models::audit::Event::new("contractor.data_exported", ""),
                now,
            )?;
            Ok(data)
        })
        .await?;
    let date = now.format("%Y-%m-%d");
    let (body, mime, name) = match format.as_str() {
        "json" => (data.to_json(), "application/json", format!("nextgig-my-data-{date}.json")),
        "csv" => (data.to_csv(), "text/csv; charset=utf-8", format!("nextgig-my-data-{date}.csv")),
        _ => return Err(AppError::BadRequest("Choose JSON or CSV.".into())),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, mime))
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(name)],
        })
        .body(body))
}

#[derive(Template)]
#[template(path = "me/delete.html")]
struct DeletePage {
    layout: Layout,
    errors: FieldErrors,
    agency_count: usize,
}

/// The account-deletion form: the password, to be sure.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeleteInput {
    password: String,
}

async fn delete_page(
    app: &AppState,
    me: &ContractorAccount,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let user_id = me.user.id;
    let agency_count = app
        .db(move |conn| {
            let profile = profile::find_for_user(conn, user_id)?;
            Ok(profile::linked_agencies(conn, profile.id)?.len())
        })
        .await?;
    pages::html_with_status(status, &DeletePage { layout: me.session.layout(Section::MeData), errors, agency_count })
}

/// `GET /me/delete`.
pub async fn confirm_delete(app: web::Data<AppState>, me: ContractorAccount) -> Result<HttpResponse, AppError> {
    delete_page(&app, &me, FieldErrors::default(), StatusCode::OK).await
}

/// `POST /me/delete`: removes the account and profile; each agency keeps only what it typed.
pub async fn delete_account(
    app: web::Data<AppState>,
    me: ContractorAccount,
    form: CsrfForm<DeleteInput>,
) -> Result<HttpResponse, AppError> {
    let password = form.into_inner().password;
    let user_id = me.user.id;
    let user = app.db(move |conn| crate::models::user::User::find(conn, user_id)).await?;
    if !app.hasher.verify(password, Some(user.password_hash)).await? {
        let mut errors = FieldErrors::default();
        errors.add("password", "That is not your password. Nothing was deleted.");
        return delete_page(&app, &me, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let (now, actor) = (app.clock.now(), me.actor.clone());
    app.db(move |conn| {
        crate::models::audit::record(
            conn,
            &actor,
            crate::models::audit::Event::on("contractor.account_deleted", "user", user_id, ""),
            now,
        )?;
        profile::delete_account(conn, user_id, now)
    })
    .await?;
    me.session.ended();
    Ok(pages::redirect("/login?deleted=1"))
}

#[derive(Template)]
#[template(path = "me/still_available.html")]
struct StillAvailablePage {
    layout: Layout,
    token: String,
    name: String,
    availability: String,
    done: bool,
}

/// `GET /still-available/{token}`: the page behind the reminder email's one-click link (a GET
/// changes nothing: the page has one button).
pub async fn still_available(
    app: web::Data<AppState>,
    visitor: crate::auth::Visitor,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (secret, now) = (token.clone(), app.clock.now());
    let profile = app.db(move |conn| one_click::open_still_available(conn, &secret, now)).await?;
    let layout = visitor.session.layout(Section::None);
    pages::html(&StillAvailablePage {
        layout,
        token,
        name: profile.name.clone(),
        availability: profile.availability_text(),
        done: false,
    })
}

/// `POST /still-available/{token}`: confirms availability without signing in (the link works once).
pub async fn still_available_confirm(
    app: web::Data<AppState>,
    visitor: crate::auth::Visitor,
    token: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (secret, now) = (token.clone(), app.clock.now());
    let profile = app.db(move |conn| one_click::use_still_available(conn, &secret, now)).await?;
    let layout = visitor.session.layout(Section::None);
    pages::html(&StillAvailablePage {
        layout,
        token,
        name: profile.name.clone(),
        availability: profile.availability_text(),
        done: true,
    })
}
