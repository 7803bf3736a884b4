//! `/admin/audit`: who did what, when, from where.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::Admin;
use crate::error::AppError;
use crate::models::audit::{self, Entry, PAGE_SIZE};
use crate::pages::{self, Layout, Section};
use crate::state::AppState;

/// Query of `GET /admin/audit`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    before: Option<i64>,
}

#[derive(Template)]
#[template(path = "audit/index.html")]
struct AuditPage {
    layout: Layout,
    entries: Vec<Entry>,
    older: Option<i64>,
}

/// `GET /admin/audit?before=ID`.
pub async fn index(
    app: web::Data<AppState>,
    admin: Admin,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let scope = admin.0.scope;
    let before = query.into_inner().before;
    let mut entries = app.db(move |conn| audit::page(conn, scope, before)).await?;
    let older = if entries.len() as i64 > PAGE_SIZE {
        entries.truncate(PAGE_SIZE as usize);
        entries.last().map(|e| e.id)
    } else {
        None
    };
    pages::html(&AuditPage { layout: admin.0.session.layout(Section::Audit), entries, older })
}
