//! The pipeline sweep: consent requests that expired unanswered are marked so (with an event on
//! the submission), and representations whose exclusivity lapsed end, so that they stop
//! guarding the contractor at that client.

use std::time::Duration;

use chrono::TimeDelta;
use tokio::sync::watch;

use crate::error::AppError;
use crate::models::{consent, lease};
use crate::state::AppState;

/// How often the pipeline sweep runs.
pub const EVERY: Duration = Duration::from_secs(300);
const LEASE: &str = "pipeline_sweep";

/// What one round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Consent requests marked expired.
    pub consents_expired: usize,
    /// Representations ended because their exclusivity lapsed.
    pub representations_ended: usize,
}

/// One round, if this process gets the lease. Running it again changes nothing more.
pub async fn run_once(app: &AppState, worker: &str) -> Result<Swept, AppError> {
    let (now, holder) = (app.clock.now(), worker.to_string());
    let ttl = app.config.lease(TimeDelta::minutes(5));
    app.db(move |conn| {
        if !lease::try_acquire(conn, LEASE, &holder, ttl, now)? {
            return Ok(Swept::default());
        }
        let consents_expired = consent::expire_unanswered(conn, now)?;
        let representations_ended = consent::end_lapsed(conn, now)?;
        Ok(Swept { consents_expired, representations_ended })
    })
    .await
}

/// The sweep loop, until asked to stop.
pub async fn run(app: AppState, worker: String, every: Duration, mut stopped: watch::Receiver<bool>) {
    loop {
        match run_once(&app, &worker).await {
            Ok(swept) if swept == Swept::default() => {}
            Ok(swept) => tracing::info!(
                consents_expired = swept.consents_expired,
                representations_ended = swept.representations_ended,
                "pipeline sweep"
            ),
            Err(e) => tracing::warn!(error = %e, "pipeline sweep failed"),
        }
        if super::wait_or_stop(every, &mut stopped).await {
            break;
        }
    }
}
