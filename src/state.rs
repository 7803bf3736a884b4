//! What every request handler and background job shares.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::web;

use crate::auth::password::PasswordHasher;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{self, Backend, DbConnection, DbPool, StatementCounter};
use crate::error::AppError;
use crate::text_reader::TextReader;

/// The application's shared state.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub pool: DbPool,
    /// Which engine the pool talks to.
    pub backend: Backend,
    /// The settings.
    pub config: Arc<Config>,
    /// The source of "now".
    pub clock: Clock,
    /// Password hashing with a bound on how many run at once.
    pub hasher: PasswordHasher,
    /// How many statements the pool has run (for statement-count tests and diagnostics).
    pub statements: StatementCounter,
    /// Set when a database call failed because storage is full; `/readyz` then proves with a
    /// write that space is back before it answers ready again (and clears it).
    pub storage_full: Arc<AtomicBool>,
    /// This process's name in claim and lease rows (host, process id, a random suffix).
    pub instance: String,
    /// Reads documents' text in child processes, a few at a time.
    pub text_reader: TextReader,
    /// Wakes this instance's import runner when an import is queued (it also looks on its own).
    pub imports_queued: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// Runs `work` with a pooled connection on the blocking thread pool: every handler's database
    /// work goes through here, in one call. Answers within `DB_TIMEOUT_SECONDS` + 1 s whatever
    /// the database does ([`crate::config::Config::db_deadline`]).
    pub async fn db<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.db_within(self.config.db_deadline(), work).await
    }

    /// Like [`AppState::db`], waiting at most `deadline` for the answer. Past it the caller gets
    /// `Unavailable` at once; the work, which a blocked thread cannot be made to drop, goes on
    /// until the database answers, but a write of it then rolls back instead of committing
    /// ([`db::abandon_on`]), and work still queued for a thread does not start.
    pub async fn db_within<T, F>(&self, deadline: Duration, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let base_url = self.base_url();
        let given_up = Arc::new(AtomicBool::new(false));
        let flag = given_up.clone();
        let call = web::block(move || {
            if flag.load(Ordering::SeqCst) {
                return Err(AppError::Unavailable("the request stopped waiting before its database work began".into()));
            }
            let mut conn = pool.get()?;
            db::abandon_on(&mut conn, Some(flag));
            // Notifications written during `work` link to this address.
            let result = crate::models::notification::with_base_url(base_url, || work(&mut conn));
            db::abandon_on(&mut conn, None);
            result
        });
        let result = match tokio::time::timeout(deadline, call).await {
            Ok(done) => done.map_err(AppError::from).and_then(|result| result),
            Err(_) => {
                given_up.store(true, Ordering::SeqCst);
                Err(AppError::Unavailable(format!("the database did not answer within {deadline:?}")))
            }
        };
        if matches!(result, Err(AppError::StorageFull(_))) {
            self.storage_full.store(true, Ordering::SeqCst);
        }
        result
    }

    /// The public base URL (for links in emails).
    pub fn base_url(&self) -> String {
        self.config.public_url()
    }
}
