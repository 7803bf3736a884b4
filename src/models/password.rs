//! The password rules (OWASP ASVS): 12 to 128 characters, no composition rules, refused when
//! easily guessed (common passwords, keyboard walks, the user's own name or email); and the
//! argon2id hash every low-entropy secret is stored as (passwords, recovery codes).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};

use crate::error::AppError;
use crate::models::validation::FieldErrors;

/// A salted argon2id hash of `secret` (OWASP's parameters: m=19456 KiB, t=2, p=1, argon2's
/// defaults). About 50 ms of CPU and 19 MiB: callers run it off the async workers, under the
/// hashing bound (`auth::password::PasswordHasher`).
pub fn hash(secret: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(secret.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::internal(format!("password hashing failed: {e}")))
}

/// True when `secret` matches the argon2id `stored` hash (false for anything unreadable).
pub fn verify(secret: &str, stored: &str) -> bool {
    Argon2::default().verify_password(secret.as_bytes(), stored).is_ok()
}

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 12;
/// Longest password accepted.
pub const MAX_LENGTH: usize = 128;

/// Checks a new password; `related` are words the user's own details give away.
pub fn check(errors: &mut FieldErrors, field: &'static str, password: &str, related: &[&str]) {
    let length = password.chars().count();
    if length == 0 {
        errors.add(field, "Password is required.");
    } else if length < MIN_LENGTH {
        errors.add(field, format!("Use at least {MIN_LENGTH} characters (this one has {length})."));
    } else if length > MAX_LENGTH {
        errors.add(field, format!("Use at most {MAX_LENGTH} characters."));
    } else if is_easily_guessed(password, related) {
        errors.add(field, "This password is too common or too easy to guess. Try a few unrelated words together.");
    }
}

/// True when the password is on zxcvbn's lists of common passwords and words, is a pattern
/// such as a keyboard walk or a repeat, or leans on the user's own details.
fn is_easily_guessed(password: &str, related: &[&str]) -> bool {
    let lower = password.to_lowercase();
    if related.iter().any(|r| r.chars().count() >= 4 && lower.contains(&r.to_lowercase())) {
        return true;
    }
    let related: Vec<&str> = related
        .iter()
        .copied()
        .chain(related.iter().flat_map(|s| s.split(|c: char| !c.is_alphanumeric())))
        .filter(|s| s.len() >= 3)
        .collect();
    // Score 0–1 means "too guessable" (under 10^6 guesses, or a known common password).
    u8::from(zxcvbn::zxcvbn(password, &related).score()) < 2
}
