//! Field-by-field validation results, shown beside each input when a form comes back.

use std::borrow::Cow;
use std::str::FromStr;

/// Errors keyed by form field name, in the order found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(Cow<'static, str>, String)>);

impl FieldErrors {
    /// Records an error for `field` (the first error per field is the one shown).
    pub fn add(&mut self, field: impl Into<Cow<'static, str>>, message: impl Into<String>) {
        self.0.push((field.into(), message.into()));
    }

    /// The error for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    /// Adds every error of `other` (after this one's).
    pub fn extend(&mut self, other: FieldErrors) {
        self.0.extend(other.0);
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
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(f, m)| (f.as_ref(), m.as_str()))
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

/// The form fields that hold several lines of text (the pages' `<textarea>`s). Every other field,
/// and every query parameter, is one line: a line break there could only have been typed by a
/// script, and would add lines to the emails and headers the value ends up in.
pub const MULTILINE_FIELDS: &[&str] = &[
    "body",
    "close_note",
    "description",
    "feedback",
    "links",
    "message",
    "note",
    "notes",
    "override_reason",
    "question",
    "reason",
    "reply",
    "summary",
];

/// Fields that name a page to return to: [`crate::pages::return_target`] alone decides them, and
/// falls back to a default page for anything that is not a path on this site (control
/// characters included) rather than refusing the request.
pub const RETURN_TARGET_FIELDS: &[&str] = &["next", "back", "return_to"];

/// Why `value` cannot be taken as text, if it cannot: a control character (NUL, escape, DEL…),
/// or a line break or tab in a one-line field.
pub fn text_problem(value: &str, multiline: bool) -> Option<String> {
    let bad = value.chars().find(|&c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))?;
    Some(match bad {
        '\n' | '\r' => "must be on one line: remove the line break.".to_string(),
        '\t' => "must be on one line: remove the tab.".to_string(),
        c => format!(
            "contains a control character (U+{:04X}) that NextGig does not accept: remove it and send again.",
            u32::from(c)
        ),
    })
}

/// Checks the text of every submitted field (a form's or a query string's), once, before any
/// rule reads it: see [`text_problem`]. Errors are keyed by the field's name.
pub fn check_submitted<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> FieldErrors {
    let mut errors = FieldErrors::default();
    for (name, value) in fields {
        if RETURN_TARGET_FIELDS.contains(&name) {
            continue;
        }
        let name_problem = text_problem(name, false);
        let multiline = MULTILINE_FIELDS.contains(&name);
        if let Some(problem) = name_problem.or_else(|| text_problem(value, multiline)) {
            let field: String = name.chars().filter(|c| !c.is_control()).take(60).collect();
            if !errors.has(&field) {
                errors.add(field.clone(), format!("{} {problem}", field_label(&field)));
            }
        }
    }
    errors
}

/// "client_description" → "Client description": a field's name as a person reads it.
fn field_label(name: &str) -> String {
    let spaced = name.replace(['_', '-'], " ");
    let mut chars = spaced.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "A field".to_string(),
    }
}

/// Longest email address accepted (RFC 5321's path limit).
pub const MAX_EMAIL: usize = 254;
/// Longest person or company name accepted.
pub const MAX_NAME: usize = 200;

/// A trimmed, required text of at most `max` characters, on one line unless `field` is one of
/// [`MULTILINE_FIELDS`].
pub fn required(errors: &mut FieldErrors, field: &'static str, label: &str, value: &str, max: usize) -> String {
    let value = value.trim();
    if value.is_empty() {
        errors.add(field, format!("{label} is required."));
    } else if value.chars().count() > max {
        errors.add(field, format!("{label} is too long (at most {max} characters)."));
    } else if let Some(problem) = text_problem(value, MULTILINE_FIELDS.contains(&field)) {
        errors.add(field, format!("{label} {problem}"));
    }
    value.to_string()
}

/// A trimmed, optional text of at most `max` characters (`None` when blank). Like [`required`], it
/// holds text that did not come through a form (a CSV import, the command line) to the same
/// rule as [`check_submitted`].
pub fn optional(errors: &mut FieldErrors, field: &'static str, label: &str, value: &str, max: usize) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.chars().count() > max {
        errors.add(field, format!("{label} is too long (at most {max} characters)."));
    } else if let Some(problem) = text_problem(value, MULTILINE_FIELDS.contains(&field)) {
        errors.add(field, format!("{label} {problem}"));
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
