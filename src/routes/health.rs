//! Liveness and readiness for load balancers and orchestrators.

use std::sync::atomic::Ordering;
use std::time::Duration;

use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;

use crate::error::AppError;
use crate::models::{lease, token};
use crate::state::AppState;

/// How long `/readyz` waits for the database: a load balancer probes often and wants a quick
/// answer, and a database that takes longer than this to say `SELECT 1` is not ready.
pub const READY_WITHIN: Duration = Duration::from_secs(2);

/// `GET /healthz`: the process is up.
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok\n")
}

/// `GET /readyz`: the database answers within [`READY_WITHIN`], and, after a write failed for
/// lack of space, accepts a write again. Otherwise 503 with the reason.
pub async fn ready(app: web::Data<AppState>) -> HttpResponse {
    let probe_write = app.storage_full.load(Ordering::SeqCst);
    let (probe, now) = (format!("storage-probe-{}", token::random_hex(8)), app.clock.now());
    let checked = app
        .db_within(READY_WITHIN, move |conn| {
            if probe_write {
                lease::probe_write(conn, &probe, now)
            } else {
                conn.batch_execute("SELECT 1").map_err(AppError::from)
            }
        })
        .await;
    let reason = match checked {
        Ok(()) => {
            if probe_write {
                app.storage_full.store(false, Ordering::SeqCst);
                tracing::info!("storage accepts writes again");
            }
            return text(HttpResponse::Ok(), "ready\n");
        }
        Err(AppError::StorageFull(_)) => "not ready: storage full\n",
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            "not ready: the database does not answer\n"
        }
    };
    let mut response = HttpResponse::ServiceUnavailable();
    response.insert_header((actix_web::http::header::RETRY_AFTER, 5u64));
    text(response, reason)
}

fn text(mut response: actix_web::HttpResponseBuilder, body: &'static str) -> HttpResponse {
    response.content_type("text/plain; charset=utf-8").body(body)
}
