//! Field-by-field validation results, shown beside each input when a form comes back.

use std::str::FromStr;

/// Errors keyed by form field name, in the order found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    /// Records an error for `field` (the first error per field is the one shown).
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }

    /// The error for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }

    /// True when `field` has an error.
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    /// True when nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every error, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(f, m)| (*f, m.as_str()))
    }

    /// All messages in one sentence (for pages that have no form to show them on).
    pub fn summary(&self) -> String {
        self.0.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>().join(" ")
    }

    /// `Ok(value)` when nothing is wrong, otherwise the errors as an [`crate::AppError::Invalid`].
    pub fn finish<T>(self, value: T) -> Result<T, crate::AppError> {
        if self.is_empty() { Ok(value) } else { Err(crate::AppError::Invalid(self)) }
    }
}

/// Longest email address accepted (RFC 5321's path limit).
pub const MAX_EMAIL: usize = 254;
/// Longest person or company name accepted.
pub const MAX_NAME: usize = 200;

/// A trimmed, required text of at most `max` characters.
pub fn required(errors: &mut FieldErrors, field: &'static str, label: &str, value: &str, max: usize) -> String {
    let value = value.trim();
    if value.is_empty() {
        errors.add(field, format!("{label} is required."));
    } else if value.chars().count() > max {
        errors.add(field, format!("{label} is too long (at most {max} characters)."));
    } else if value.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        errors.add(field, format!("{label} contains characters that are not allowed."));
    }
    value.to_string()
}

/// A trimmed, optional text of at most `max` characters (`None` when blank).
pub fn optional(errors: &mut FieldErrors, field: &'static str, label: &str, value: &str, max: usize) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.chars().count() > max {
        errors.add(field, format!("{label} is too long (at most {max} characters)."));
    }
    Some(value.to_string())
}

/// A required email address, normalised to lower case.
pub fn email(errors: &mut FieldErrors, field: &'static str, value: &str) -> String {
    let value = value.trim();
    if value.is_empty() {
        errors.add(field, "Email is required.");
    } else if value.chars().count() > MAX_EMAIL {
        errors.add(field, format!("Email is too long (at most {MAX_EMAIL} characters)."));
    } else if !is_email(value) {
        errors.add(field, "Enter an email address like name@example.com.");
    }
    normalize_email(value)
}

/// Lower-cased, trimmed email: the form every lookup uses.
pub fn normalize_email(value: &str) -> String {
    value.trim().to_lowercase()
}

/// True for an address a mail server would accept: one `@`, a dotted domain, no spaces.
pub fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && lettre::Address::from_str(value).is_ok()
}

/// An optional calendar date from an `<input type="date">` (YYYY-MM-DD).
pub fn optional_date(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    value: &str,
) -> Option<chrono::NaiveDate> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    match chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(date) if (1900..=2200).contains(&chrono::Datelike::year(&date)) => Some(date),
        _ => {
            errors.add(field, format!("{label} must be a date like 2026-12-31."));
            None
        }
    }
}

/// An optional whole number between `min` and `max`.
pub fn optional_int(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    value: &str,
    min: i64,
    max: i64,
) -> Option<i64> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    match value.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        Ok(_) => {
            errors.add(field, format!("{label} must be between {min} and {max}."));
            None
        }
        Err(_) => {
            errors.add(field, format!("{label} must be a whole number."));
            None
        }
    }
}

/// One of the allowed `choices` (stored values); blank gives `None`.
pub fn optional_choice(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    value: &str,
    choices: &[(&'static str, &'static str)],
) -> Option<&'static str> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    match choices.iter().find(|(stored, _)| *stored == value) {
        Some((stored, _)) => Some(stored),
        None => {
            let names: Vec<&str> = choices.iter().map(|(_, shown)| *shown).collect();
            errors.add(field, format!("{label} must be one of: {}.", names.join(", ")));
            None
        }
    }
}

/// An optional web address: only `http://` and `https://` are accepted (and later shown as links).
pub fn optional_url(errors: &mut FieldErrors, field: &'static str, label: &str, value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let candidate = if value.contains("://") { value.to_string() } else { format!("https://{value}") };
    match url::Url::parse(&candidate) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host_str().is_some_and(|h| h.contains('.'))
                && candidate.len() <= 500 =>
        {
            Some(candidate)
        }
        _ => {
            errors.add(field, format!("{label} must be a web address starting with https://."));
            None
        }
    }
}
