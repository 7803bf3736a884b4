//! `GET /`: the recruiter's start page.

use actix_web::HttpResponse;
use askama::Template;

use crate::auth::Staff;
use crate::error::AppError;
use crate::pages::{self, Layout, Section};

#[derive(Template)]
#[template(path = "home/index.html")]
struct HomePage {
    layout: Layout,
}

/// `GET /`.
pub async fn index(staff: Staff) -> Result<HttpResponse, AppError> {
    pages::html(&HomePage { layout: staff.session.layout(Section::Home) })
}
