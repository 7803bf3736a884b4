//! Liveness and readiness for load balancers and orchestrators.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;

use crate::error::AppError;
use crate::state::AppState;

/// How long `/readyz` waits for the database: a load balancer probes often and wants a quick
/// answer, and a database that takes longer than this to say `SELECT 1` is not ready.
pub const READY_WITHIN: Duration = Duration::from_secs(2);

/// `GET /healthz`: the process is up.
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok\n")
}

/// `GET /readyz`: the database answers within [`READY_WITHIN`]; otherwise 503.
pub async fn ready(app: web::Data<AppState>) -> HttpResponse {
    let checked = app.db_within(READY_WITHIN, |conn| conn.batch_execute("SELECT 1").map_err(AppError::from)).await;
    match checked {
        Ok(()) => HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ready\n"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            HttpResponse::ServiceUnavailable()
                .insert_header((actix_web::http::header::RETRY_AFTER, 5u64))
                .content_type("text/plain; charset=utf-8")
                .body("not ready: the database does not answer\n")
        }
    }
}
