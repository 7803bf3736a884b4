//! The sweeper: deletes expired sessions, old sign-in attempts and idempotency keys older than a day.

use std::time::Duration;

use chrono::TimeDelta;
use tokio::sync::watch;

use crate::error::AppError;
use crate::models::session::SessionRecord;
use crate::models::{idempotency, known_browser, lease, login_attempt};
use crate::state::AppState;

/// How often the sweeper runs.
pub const EVERY: Duration = Duration::from_secs(600);
const LEASE: &str = "sweeper";

/// One round, if this process gets the lease. Returns how many rows went.
pub async fn run_once(app: &AppState, worker: &str) -> Result<usize, AppError> {
    let (now, idle, holder) = (app.clock.now(), app.config.session_idle(), worker.to_string());
    let ttl = app.config.lease(TimeDelta::minutes(5));
    app.db(move |conn| {
        if !lease::try_acquire(conn, LEASE, &holder, ttl, now)? {
            return Ok(0);
        }
        Ok(SessionRecord::sweep(conn, idle, now)?
            + login_attempt::sweep(conn, now)?
            + idempotency::sweep(conn, now)?
            + known_browser::sweep(conn, now)?)
    })
    .await
}

/// The sweeper loop, until asked to stop.
pub async fn run(app: AppState, worker: String, every: Duration, mut stopped: watch::Receiver<bool>) {
    loop {
        match run_once(&app, &worker).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "swept expired sessions, old sign-in attempts and forgotten browsers"),
            Err(e) => tracing::warn!(error = %e, "sweep failed"),
        }
        if super::wait_or_stop(every, &mut stopped).await {
            break;
        }
    }
}
