//! Password hashing with argon2id (OWASP parameters: m=19456 KiB, t=2, p=1, argon2's defaults),
//! off the async workers and with a bound on how many hashes run at once.

use std::sync::{Arc, OnceLock};

use actix_web::web;
use tokio::sync::Semaphore;

use crate::error::AppError;
use crate::models::password;

/// Hashes and verifies passwords, at most `permits` at a time.
#[derive(Clone, Debug)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
}

impl PasswordHasher {
    /// A hasher running at most `permits` hashes at once.
    pub fn new(permits: usize) -> Self {
        Self { permits: Arc::new(Semaphore::new(permits.max(1))) }
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        let _permit = self.permits.acquire().await.map_err(AppError::internal)?;
        web::block(move || hash_now(&password)).await?
    }

    /// Runs other hashing work (making or checking recovery codes) under the same bound, on the
    /// blocking pool.
    pub async fn run<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self.permits.acquire().await.map_err(AppError::internal)?;
        Ok(web::block(work).await?)
    }

    /// Checks `password` against `stored`. With no stored hash (unknown email) it checks against a
    /// dummy hash, so that the answer takes the same time either way, and returns false.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        let _permit = self.permits.acquire().await.map_err(AppError::internal)?;
        web::block(move || match stored {
            Some(hash) => verify_now(&password, &hash),
            None => {
                let _ = verify_now(&password, dummy_hash());
                false
            }
        })
        .await
        .map_err(AppError::from)
    }
}

/// Hashes a password on the current thread (for the command line and the demo loader).
pub fn hash_now(password: &str) -> Result<String, AppError> {
    password::hash(password)
}

fn verify_now(password: &str, hash: &str) -> bool {
    password::verify(password, hash)
}

/// A hash of a random password, made once, to verify against when the email is unknown.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_now(&crate::models::token::random_hex(16)).unwrap_or_else(|_| {
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$hY4FBHxmRTA0ZRfbzYCh2yU7sEV+mWGFq5yQHkT1LZ8"
                .to_string()
        })
    })
}
