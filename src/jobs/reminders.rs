//! Availability reminders: one "still available?" email per stale period (see
//! [`crate::models::profile::send_due_reminders`]).

use std::time::Duration;

use chrono::TimeDelta;
use tokio::sync::watch;

use crate::error::AppError;
use crate::models::{lease, profile};
use crate::state::AppState;

/// How often the reminder sweep runs.
pub const EVERY: Duration = Duration::from_secs(900);
const LEASE: &str = "availability_reminders";

/// One round, if this process gets the lease. Returns how many reminders were queued.
pub async fn run_once(app: &AppState, worker: &str) -> Result<usize, AppError> {
    let (now, holder, base_url) = (app.clock.now(), worker.to_string(), app.base_url());
    let ttl = app.config.lease(TimeDelta::minutes(10));
    app.db(move |conn| {
        if !lease::try_acquire(conn, LEASE, &holder, ttl, now)? {
            return Ok(0);
        }
        profile::send_due_reminders(conn, &base_url, now)
    })
    .await
}

/// The reminder loop, until asked to stop.
pub async fn run(app: AppState, worker: String, every: Duration, mut stopped: watch::Receiver<bool>) {
    loop {
        match run_once(&app, &worker).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(queued = n, "availability reminders queued"),
            Err(e) => tracing::warn!(error = %e, "availability reminder sweep failed"),
        }
        if super::wait_or_stop(every, &mut stopped).await {
            break;
        }
    }
}
