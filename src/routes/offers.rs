//! Offers on a submission: record one (checked against the contractor's rate floor), then mark
//! it accepted, declined or withdrawn. Accepting leads to the placement form.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{CsrfForm, Staff};
use crate::error::AppError;
use crate::models::idempotency::{self, Once};
use crate::models::offer::{self, Comparison, Decision, OfferContext, OfferInput};
use crate::models::validation::FieldErrors;
use crate::pages::{self, Flash, Layout, Section};
use crate::routes::{already_created, parse_id};
use crate::state::AppState;

/// Registers this resource's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/submissions/{id}/offers/new").route(get().to(new)))
        .service(resource("/submissions/{id}/offers").route(post().to(create)))
        .service(resource("/offers/{id}/decision").route(post().to(decide)));
}

/// This resource's routes as (method, path pattern).
pub const ROUTES: &[(&str, &str)] =
    &[("GET", "/submissions/{id}/offers/new"), ("POST", "/submissions/{id}/offers"), ("POST", "/offers/{id}/decision")];

#[derive(Template)]
#[template(path = "offers/new.html")]
struct OfferPage {
    layout: Layout,
    context: OfferContext,
    offer_form: OfferInput,
    offer_errors: FieldErrors,
}

async fn offer_page(
    app: &AppState,
    staff: &Staff,
    id: i64,
    form: Option<OfferInput>,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (scope, now) = (staff.scope, app.clock.now());
    let (context, prefilled) = app
        .db(move |conn| Ok((offer::context(conn, scope, id)?, offer::for_submission(conn, scope, id, now)?.form)))
        .await?;
    let layout = staff.session.layout(Section::Jobs);
    let offer_form = form.unwrap_or(prefilled);
    pages::html_with_status(status, &OfferPage { layout, context, offer_form, offer_errors: errors })
}

/// `GET /submissions/{id}/offers/new`: the "record an offer" form on its own page.
pub async fn new(app: web::Data<AppState>, staff: Staff, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    offer_page(&app, &staff, id, None, FieldErrors::default(), StatusCode::OK).await
}

/// `POST /submissions/{id}/offers`: records an offer; one below the rate floor is flagged.
pub async fn create(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<OfferInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let input = form.clone();
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let (me, key, back) = (staff.user.id, form.idempotency_key.clone(), format!("/submissions/{id}#offers-heading"));
    let there = back.clone();
    let recorded = app.db(move |conn| {
        let create = |conn: &mut _| offer::record(conn, scope, id, &input, &actor, now);
        idempotency::create_once(conn, me, &key, now, create, |_| Some(there))
    });
    match recorded.await {
        Ok(Once::Repeated(location)) => Ok(already_created(&staff.session, &location)),
        Ok(Once::Ran(recorded)) => {
            staff.session.flash(match &recorded.comparison {
                Comparison::Below => {
                    Flash::error("Offer recorded. It is below their rate floor: talk to them before they answer.")
                }
                Comparison::CantCompare(what) => {
                    Flash::info(format!("Offer recorded. Can't compare it with their rate floor: the floor is {what}."))
                }
                _ => Flash::success("Offer recorded; they see it on their submission."),
            });
            Ok(pages::redirect(&back))
        }
        Err(AppError::Invalid(errors)) => {
            offer_page(&app, &staff, id, Some(form), errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// An answer to an offer.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DecisionInput {
    /// `accept`, `decline` or `withdraw`.
    decision: String,
}

/// `POST /offers/{id}/decision`: accepted (then the placement form), declined or withdrawn.
pub async fn decide(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<DecisionInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let raw = form.into_inner().decision;
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let (submission_id, outcome) = app
        .db(move |conn| {
            let found = offer::find(conn, scope, id)?;
            let outcome = Decision::parse(&raw).and_then(|d| offer::decide(conn, scope, id, d, &actor, now).map(|_| d));
            Ok((found.submission_id, outcome))
        })
        .await?;
    match outcome {
        Ok(Decision::Accept) => {
            staff.session.flash(Flash::success("Offer accepted. Now set up the placement: dates, pay and bill rates."));
            Ok(pages::redirect(&format!("/submissions/{submission_id}/placement/new")))
        }
        Ok(decision) => {
            staff.session.flash(Flash::success(if decision == Decision::Decline {
                "Marked as declined; they see it on their submission."
            } else {
                "Marked as withdrawn by the client; they see it on their submission."
            }));
            Ok(pages::redirect(&format!("/submissions/{submission_id}#offers-heading")))
        }
        Err(AppError::Invalid(errors)) => {
            staff.session.flash(Flash::error(errors.summary()));
            Ok(pages::redirect(&format!("/submissions/{submission_id}#offers-heading")))
        }
        Err(e) => Err(e),
    }
}
