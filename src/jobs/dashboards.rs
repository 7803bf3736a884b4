//! Keeps the dashboards of the people signed in current (see [`crate::models::dashboard`]): what
//! a write changes, or time alone (a midnight, a consent request expiring), is computed here
//! rather than on their next page.

use std::time::Duration;

use chrono::TimeDelta;
use tokio::sync::watch;

use crate::error::AppError;
use crate::models::{dashboard, lease};
use crate::state::AppState;

/// How often the dashboards of the people signed in are brought up to date.
pub const EVERY: Duration = Duration::from_secs(120);
/// Whose dashboards: staff seen within this long.
const ACTIVE_MINUTES: i64 = 60;
const LEASE: &str = "dashboards";

/// One round, if this process gets the lease. Returns how many dashboards were computed.
pub async fn run_once(app: &AppState, worker: &str) -> Result<usize, AppError> {
    let (now, holder) = (app.clock.now(), worker.to_string());
    let ttl = app.config.lease(TimeDelta::minutes(5));
    app.db_within(Duration::from_secs(60), move |conn| {
        if !lease::try_acquire(conn, LEASE, &holder, ttl, now)? {
            return Ok(0);
        }
        dashboard::refresh_active(conn, now - TimeDelta::minutes(ACTIVE_MINUTES), now)
    })
    .await
}

/// The dashboard loop, until asked to stop.
pub async fn run(app: AppState, worker: String, every: Duration, mut stopped: watch::Receiver<bool>) {
    loop {
        match run_once(&app, &worker).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(computed = n, "dashboards brought up to date"),
            Err(e) => tracing::warn!(error = %e, "dashboard sweep failed"),
        }
        if super::wait_or_stop(every, &mut stopped).await {
            break;
        }
    }
}
