//! The recruiters' daily digest: at 7:00 in each recruiter's time zone, one email of what is
//! overdue, when something is (see [`crate::models::notification::send_due_digests`]).

use std::time::Duration;

use chrono::TimeDelta;
use tokio::sync::watch;

use crate::error::AppError;
use crate::models::{lease, notification};
use crate::state::AppState;

/// How often the digest sweep runs.
pub const EVERY: Duration = Duration::from_secs(300);
const LEASE: &str = "daily_digest";

/// One round, if this process gets the lease. Returns how many digests were queued.
pub async fn run_once(app: &AppState, worker: &str) -> Result<usize, AppError> {
    let (now, holder) = (app.clock.now(), worker.to_string());
    let ttl = app.config.lease(TimeDelta::minutes(10));
    app.db(move |conn| {
        if !lease::try_acquire(conn, LEASE, &holder, ttl, now)? {
            return Ok(0);
        }
        notification::send_due_digests(conn, now)
    })
    .await
}

/// The digest loop, until asked to stop.
pub async fn run(app: AppState, worker: String, every: Duration, mut stopped: watch::Receiver<bool>) {
    loop {
        match run_once(&app, &worker).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(queued = n, "daily digests queued"),
            Err(e) => tracing::warn!(error = %e, "daily digest sweep failed"),
        }
        if super::wait_or_stop(every, &mut stopped).await {
            break;
        }
    }
}
