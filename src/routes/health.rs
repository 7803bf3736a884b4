//! Liveness and readiness for load balancers and orchestrators.

use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;

use crate::error::AppError;
use crate::state::AppState;

/// `GET /healthz`: the process is up.
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok\n")
}

/// `GET /readyz`: the database answers.
pub async fn ready(app: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    app.db(|conn| conn.batch_execute("SELECT 1").map_err(AppError::from)).await?;
    Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ready\n"))
}
