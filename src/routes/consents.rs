//! `/consents/{token}`: the emailed consent link, which works without an account.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::{CsrfForm, Visitor};
use crate::error::AppError;
use crate::models::consent::{self, Decider, Decision, PersonConsent};
use crate::models::validation::FieldErrors;
use crate::pages::{self, Layout, Section};
use crate::routes::me::DecisionInput;
use crate::state::AppState;

/// Registers this resource's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/consents/{token}").route(get().to(show)).route(post().to(decide)));
}

/// This resource's routes as (method, path pattern).
pub const ROUTES: &[(&str, &str)] = &[("GET", "/consents/{token}"), ("POST", "/consents/{token}")];

#[derive(Template)]
#[template(path = "consents/show.html")]
struct ConsentPage {
    layout: Layout,
    item: PersonConsent,
    action: String,
    errors: FieldErrors,
    done: bool,
}

async fn page(
    app: &AppState,
    visitor: &Visitor,
    token: String,
    errors: FieldErrors,
    done: bool,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (secret, now) = (token.clone(), app.clock.now());
    let item = app.db(move |conn| consent::open_by_token(conn, &secret, now)).await?;
    let layout = visitor.session.layout(Section::None);
    let status = if item.state == "expired" && status == StatusCode::OK { StatusCode::GONE } else { status };
    pages::html_with_status(status, &ConsentPage { layout, item, action: format!("/consents/{token}"), errors, done })
}

/// `GET /consents/{token}`: the request, with Approve and Decline (a GET changes nothing).
pub async fn show(
    app: web::Data<AppState>,
    visitor: Visitor,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    page(&app, &visitor, token.into_inner(), FieldErrors::default(), false, StatusCode::OK).await
}

/// `POST /consents/{token}` (`decision` = `approve` or `decline`): records the decision once.
pub async fn decide(
    app: web::Data<AppState>,
    visitor: Visitor,
    token: web::Path<String>,
    form: CsrfForm<DecisionInput>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let decision = Decision::parse(&form.into_inner().decision);
    let decider = Decider {
        user_id: visitor.session.user().map(|u| u.id),
        ip: visitor.actor.ip.clone(),
        user_agent: visitor.actor.user_agent.clone(),
    };
    let (secret, now) = (token.clone(), app.clock.now());
    let outcome = match decision {
        Ok(decision) => {
            app.db(move |conn| {
                let id = consent::id_for_token(conn, &secret)?;
                consent::decide(conn, id, decision, &decider, now)
            })
            .await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(_) => page(&app, &visitor, token, FieldErrors::default(), true, StatusCode::OK).await,
        Err(AppError::Invalid(errors)) => {
            page(&app, &visitor, token, errors, false, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}
