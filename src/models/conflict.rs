//! Stale edits: every edit form carries the record's version; a save from an old version is not
//! applied but shown back with what changed, so the recruiter can re-apply their changes.

/// The outcome of saving an edit.
#[derive(Clone, Debug)]
pub enum Saved<T> {
    /// Saved; the record as it is now.
    Done(T),
    /// Someone saved first; nothing was written. The record as it is now.
    Stale(T),
}

/// One field where the submitted form and the saved record differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    /// The field's label, as on the form.
    pub label: &'static str,
    /// What this user submitted.
    pub yours: String,
    /// What is saved now (someone else's change).
    pub saved: String,
}

/// The fields that differ, from (label, submitted, saved) triples; blank values show as "—".
pub fn changes(pairs: Vec<(&'static str, String, String)>) -> Vec<FieldChange> {
    pairs
        .into_iter()
        .filter(|(_, yours, saved)| yours.trim() != saved.trim())
        .map(|(label, yours, saved)| FieldChange { label, yours: dash(yours), saved: dash(saved) })
        .collect()
}

fn dash(value: String) -> String {
    if value.trim().is_empty() { "—".to_string() } else { value }
}
