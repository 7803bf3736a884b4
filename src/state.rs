//! What every request handler and background job shares.

use std::sync::Arc;

use actix_web::web;

use crate::auth::password::PasswordHasher;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{Backend, DbConnection, DbPool, StatementCounter};
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
    /// This process's name in claim and lease rows (host, process id, a random suffix).
    pub instance: String,
    /// Reads documents' text in child processes, a few at a time.
    pub text_reader: TextReader,
    /// Wakes this instance's import runner when an import is queued (it also looks on its own).
    pub imports_queued: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// Runs `work` with a pooled connection on the blocking thread pool: every handler's database
    /// work goes through here, in one call.
    pub async fn db<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let base_url = self.base_url();
        web::block(move || {
            let mut conn = pool.get()?;
            // Notifications written during `work` link to this address.
            crate::models::notification::with_base_url(base_url, || work(&mut conn))
        })
        .await?
    }

    /// The public base URL (for links in emails).
    pub fn base_url(&self) -> String {
        self.config.public_url()
    }
}
