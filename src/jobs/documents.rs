//! Reading documents' text: right after an upload, and a sweep for documents left pending (a
//! restart cut their reading off, or no reader was free). Each reading is claimed first, so two
//! instances never read the same document at once, and the text is saved only by the instance
//! that still holds the claim. The reading itself runs in a child process ([`crate::text_reader`])
//! while no pooled connection is held: the file is loaded, the connection goes back to the pool,
//! the child reads, and a connection is taken again to save.

use std::time::Duration;

use chrono::TimeDelta;
use tokio::sync::watch;

use crate::error::AppError;
use crate::models::document;
use crate::models::document_text::FileType;
use crate::state::AppState;
use crate::text_reader::{self, Reading};

/// How often the sweep looks for pending documents.
pub const EVERY: Duration = Duration::from_secs(60);
/// Documents read per sweep round (one at a time: each may take a reader for seconds).
const BATCH: usize = 8;

/// How long a claim on a reading lasts: longer than the child may take.
fn claim_ttl(app: &AppState) -> TimeDelta {
    app.config.lease(TimeDelta::minutes(2))
}

/// Reads the text of a document just uploaded on this instance, from the bytes at hand, waiting
/// at most `wait` for a free reader; when none frees up, the sweep reads it later.
pub async fn read_upload(
    app: &AppState,
    id: i64,
    file_type: FileType,
    bytes: Vec<u8>,
    wait: Duration,
) -> Result<(), AppError> {
    let (worker, ttl, now) = (app.instance.clone(), claim_ttl(app), app.clock.now());
    let claimed = app.db(move |conn| document::claim_text(conn, id, &worker, ttl, now)).await?;
    if claimed {
        read_claimed(app, id, Some(file_type), bytes, wait).await?;
    }
    Ok(())
}

/// What became of a claimed document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Done {
    /// Its text, or "unreadable", was saved.
    Saved,
    /// Read, but another instance had taken the reading over: its outcome stands.
    TakenOver,
    /// Not read now (no reader free, or none could start): given back for a later round.
    Later,
}

/// Reads a claimed document and saves the outcome.
async fn read_claimed(
    app: &AppState,
    id: i64,
    file_type: Option<FileType>,
    bytes: Vec<u8>,
    wait: Duration,
) -> Result<Done, AppError> {
    let reading = match file_type {
        Some(file_type) => app.text_reader.read(file_type, bytes, wait).await,
        None => Reading::Unreadable("a stored type NextGig does not read".into()),
    };
    let worker = app.instance.clone();
    let text = match reading {
        Reading::Text(text) => Some(text),
        Reading::Unreadable(why) => {
            tracing::info!(document = id, %why, "document text could not be read");
            None
        }
        // Not the file's fault: it stays pending for the sweep, and the try does not count.
        Reading::Busy => {
            app.db(move |conn| document::release_text(conn, id, &worker)).await?;
            return Ok(Done::Later);
        }
        Reading::CannotStart(why) => {
            tracing::warn!(document = id, %why, "the text reader cannot start; check TEXT_READER_BIN");
            app.db(move |conn| document::release_text(conn, id, &worker)).await?;
            return Ok(Done::Later);
        }
    };
    let now = app.clock.now();
    if app.db(move |conn| document::save_text(conn, id, &worker, text, now)).await? {
        Ok(Done::Saved)
    } else {
        tracing::info!(document = id, "document text read, but another instance had taken the reading over");
        Ok(Done::TakenOver)
    }
}

/// One sweep round: claims pending documents one at a time and reads each, until none is left,
/// [`BATCH`] were read, or `stopped` turns true. Returns how many were saved.
pub async fn run_once(app: &AppState, stopped: &watch::Receiver<bool>) -> Result<usize, AppError> {
    let mut saved = 0;
    for _ in 0..BATCH {
        if *stopped.borrow() {
            break;
        }
        let (worker, ttl, now) = (app.instance.clone(), claim_ttl(app), app.clock.now());
        let next = app
            .db(move |conn| {
                let Some(id) = document::claim_pending(conn, &worker, 1, ttl, now)?.into_iter().next() else {
                    return Ok(None);
                };
                document::to_read(conn, id, &worker)
            })
            .await?;
        let Some(file) = next else { break };
        match read_claimed(app, file.id, file.file_type, file.bytes, text_reader::TIME_LIMIT).await? {
            Done::Saved => saved += 1,
            Done::TakenOver => {}
            Done::Later => break,
        }
    }
    Ok(saved)
}

/// The sweep loop, until asked to stop.
pub async fn run(app: AppState, every: Duration, mut stopped: watch::Receiver<bool>) {
    loop {
        match run_once(&app, &stopped).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(read = n, "pending documents read"),
            Err(e) => tracing::warn!(error = %e, "document text sweep failed"),
        }
        if super::wait_or_stop(every, &mut stopped).await {
            break;
        }
    }
}
