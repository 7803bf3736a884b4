//! The password rules (OWASP ASVS): 12 to 128 characters, no composition rules, refused when
//! easily guessed (common passwords, keyboard walks, the user's own name or email).

use crate::models::validation::FieldErrors;

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
