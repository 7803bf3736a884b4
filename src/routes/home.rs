//! `GET /`: the recruiter's start page, or the contractor's home.

use actix_web::HttpResponse;
use askama::Template;

use crate::auth::{Staff, Visitor};
use crate::error::AppError;
use crate::models::user::KIND_CONTRACTOR;
use crate::pages::{self, Layout, Section};

#[derive(Template)]
#[template(path = "home/index.html")]
struct HomePage {
    layout: Layout,
}

/// `GET /`: contractors go to their own home; staff see their dashboard.
pub async fn index(visitor: Visitor, req: actix_web::HttpRequest) -> Result<HttpResponse, AppError> {
    if visitor.session.user().is_some_and(|u| u.kind == KIND_CONTRACTOR) {
        return Ok(pages::redirect("/me"));
    }
    let staff = <Staff as actix_web::FromRequest>::extract(&req).await?;
    pages::html(&HomePage { layout: staff.session.layout(Section::Home) })
}
