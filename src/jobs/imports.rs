//! The import runner: takes up queued imports and imports interrupted by a stop or a crash, one
//! at a time per instance, under a claim on each import (see [`crate::models::csv_import`]). It
//! wakes when an import is queued on this instance, and looks for work every [`EVERY`] anyway
//! (imports queued on an instance that runs no jobs, claims that lapsed when an instance died).
//! On shutdown it finishes the chunk in hand, gives the import back, and stops.

use std::time::Duration;

use chrono::TimeDelta;
use tokio::sync::watch;

use crate::error::AppError;
use crate::models::csv_import::{self, RunOutcome};
use crate::state::AppState;

/// How often the runner looks for imports to take up without being woken.
pub const EVERY: Duration = Duration::from_secs(30);

/// How long a claim on an import lasts without a chunk renewing it: when an instance dies
/// mid-import, another resumes the import after this long.
fn claim_ttl(app: &AppState) -> TimeDelta {
    app.config.lease(TimeDelta::minutes(2))
}

/// Takes up imports until none is left to take, or `stopped` turns true. Returns how many were
/// finished.
pub async fn run_once(app: &AppState, stopped: &watch::Receiver<bool>) -> Result<usize, AppError> {
    let mut finished = 0;
    while !*stopped.borrow() {
        let (worker, ttl, now) = (app.instance.clone(), claim_ttl(app), app.clock.now());
        let Some(claimed) = app.db(move |conn| csv_import::claim_next(conn, &worker, ttl, now)).await? else {
            break;
        };
        let (pool, clock, worker, watching) =
            (app.pool.clone(), app.clock.clone(), app.instance.clone(), stopped.clone());
        // The rows are written on a blocking thread, with one connection for the whole run.
        let outcome = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            csv_import::run(&mut conn, &claimed, &worker, ttl, &|| clock.now(), &|| !*watching.borrow())
        })
        .await
        .map_err(AppError::internal)?;
        match outcome {
            Ok(RunOutcome::Done) => finished += 1,
            Ok(RunOutcome::Paused | RunOutcome::Lost) => break,
            // Tried again next round, not at once: the cause (an outage) may take a while to pass.
            Err(e) => {
                tracing::warn!(import = claimed.id, error = %e, "import run ended with an error");
                break;
            }
        }
    }
    Ok(finished)
}

/// The runner loop, until asked to stop.
pub async fn run(app: AppState, every: Duration, mut stopped: watch::Receiver<bool>) {
    loop {
        match run_once(&app, &stopped).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(imports = n, "imports finished"),
            Err(e) => tracing::warn!(error = %e, "import runner round failed"),
        }
        let woken = app.imports_queued.clone();
        tokio::select! {
            stop = super::wait_or_stop(every, &mut stopped) => if stop { break },
            () = woken.notified() => {}
        }
    }
}
