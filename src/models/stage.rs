//! Pipeline stages: names and order are each agency's; every stage has a fixed category that
//! drives the rules (consent before "submitted", placements, closing), and a follow-up time in
//! business days that sets each submission's "next update due".

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Weekday};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::pipeline_stages;
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::audit::{self, Actor, Event};
use crate::models::validation::FieldErrors;

/// The categories, in pipeline order: (stored, shown).
pub const CATEGORIES: &[(&str, &str)] = &[
    ("sourced", "Sourced"),
    ("consent", "Consent"),
    ("submitted", "Submitted"),
    ("interview", "Interview"),
    ("offer", "Offer"),
    ("placed", "Placed"),
    ("closed", "Closed"),
];

/// The stages every new agency starts with: (name, category, follow-up business days).
pub const DEFAULTS: &[(&str, &str, i32)] = &[
    ("Sourced", "sourced", 5),
    ("Consent requested", "consent", 2),
    ("Submitted to client", "submitted", 5),
    ("Client interview", "interview", 3),
    ("Offer", "offer", 2),
    ("Placed", "placed", 10),
    ("Closed", "closed", 0),
];

/// A stage of an agency's pipeline.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = pipeline_stages)]
pub struct Stage {
    pub id: i64,
    pub agency_id: i64,
    pub name: String,
    pub category: String,
    pub position: i32,
    pub follow_up_days: i32,
    pub archived_at: Option<NaiveDateTime>,
}

impl Stage {
    /// Where the category sits in the pipeline (sourced = 0 … closed = 6).
    pub fn rank(&self) -> usize {
        category_rank(&self.category)
    }

    /// True for stages that need an approved consent (submitted and after, but not closed).
    pub fn needs_consent(&self) -> bool {
        matches!(self.category.as_str(), "submitted" | "interview" | "offer" | "placed")
    }

    /// True for the closed category.
    pub fn is_closed(&self) -> bool {
        self.category == "closed"
    }

    /// The category's name, for people.
    pub fn category_label(&self) -> &'static str {
        CATEGORIES.iter().find(|(c, _)| *c == self.category).map_or("", |(_, l)| l)
    }
}

/// Where a category sits in the pipeline.
pub fn category_rank(category: &str) -> usize {
    CATEGORIES.iter().position(|(c, _)| *c == category).unwrap_or(0)
}

/// Adds the default stages to a new agency (inside the caller's transaction).
pub fn create_defaults(conn: &mut DbConnection, agency_id: i64, now: NaiveDateTime) -> Result<(), AppError> {
    for (position, (name, category, days)) in DEFAULTS.iter().enumerate() {
        diesel::insert_into(pipeline_stages::table)
            .values((
                pipeline_stages::agency_id.eq(agency_id),
                pipeline_stages::name.eq(*name),
                pipeline_stages::category.eq(*category),
                pipeline_stages::position.eq(i32::try_from(position + 1).unwrap_or(1)),
                pipeline_stages::follow_up_days.eq(*days),
                pipeline_stages::created_at.eq(now),
                pipeline_stages::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The agency's stages in pipeline order (archived ones left out).
pub fn for_agency(conn: &mut DbConnection, scope: AgencyScope) -> Result<Vec<Stage>, AppError> {
    Ok(pipeline_stages::table
        .filter(pipeline_stages::agency_id.eq(scope.agency_id()))
        .filter(pipeline_stages::archived_at.is_null())
        .order((pipeline_stages::position.asc(), pipeline_stages::id.asc()))
        .select(Stage::as_select())
        .load(conn)?)
}

/// One of the agency's stages; another agency's answers `NotFound`.
pub fn find(conn: &mut DbConnection, scope: AgencyScope, id: i64) -> Result<Stage, AppError> {
    Ok(pipeline_stages::table
        .filter(pipeline_stages::id.eq(id))
        .filter(pipeline_stages::agency_id.eq(scope.agency_id()))
        .select(Stage::as_select())
        .first(conn)?)
}

/// The agency's first stage of a category (lowest position).
pub fn first_of(conn: &mut DbConnection, scope: AgencyScope, category: &str) -> Result<Stage, AppError> {
    pipeline_stages::table
        .filter(pipeline_stages::agency_id.eq(scope.agency_id()))
        .filter(pipeline_stages::category.eq(category))
        .filter(pipeline_stages::archived_at.is_null())
        .order((pipeline_stages::position.asc(), pipeline_stages::id.asc()))
        .select(Stage::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            AppError::invalid(
                "stage_id",
                format!("Your pipeline has no {category} stage; add one in the pipeline settings."),
            )
        })
}

/// `from` plus `days` business days (Monday to Friday).
pub fn add_business_days(from: NaiveDate, days: i32) -> NaiveDate {
    let mut date = from;
    let mut left = days.max(0);
    while left > 0 {
        date += TimeDelta::days(1);
        if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    date
}

// ---------------------------------------------------------------------------------------------
// The admin's pipeline settings: renaming, reordering, adding and archiving stages, and the
// agency's pipeline windows. Every change is audited; nothing is half-saved.

/// Shortest and longest follow-up time an admin may set, in business days.
pub const FOLLOW_UP_DAYS: (i64, i64) = (1, 60);
/// Longest stage name.
pub const MAX_STAGE_NAME: usize = 60;
/// Bounds of the agency's pipeline windows: (field, label, min, max).
pub const SETTINGS_BOUNDS: &[(&str, &str, i64, i64)] = &[
    ("ownership_window_days", "Ownership window", 1, 730),
    ("availability_window_hours", "Availability window", 1, 720),
    ("consent_valid_days", "Consent validity", 1, 90),
];

/// A stage on the settings page, with the number of open submissions in it.
#[derive(Clone, Debug)]
pub struct StageRow {
    pub stage: Stage,
    pub open: i64,
}

/// The settings page's pipeline: stages in order (with open counts), then archived ones.
#[derive(Clone, Debug)]
pub struct Pipeline {
    pub stages: Vec<StageRow>,
    pub archived: Vec<Stage>,
}

/// An inline edit of a stage: its name and follow-up time.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StageInput {
    pub name: String,
    pub follow_up_days: String,
}

/// A new stage.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewStageInput {
    pub name: String,
    pub category: String,
    pub follow_up_days: String,
}

/// The agency's pipeline windows, as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SettingsInput {
    pub ownership_window_days: String,
    pub availability_window_hours: String,
    pub consent_valid_days: String,
}

impl SettingsInput {
    /// The form filled with the agency's current values.
    pub fn from_agency(agency: &crate::models::agency::Agency) -> Self {
        Self {
            ownership_window_days: agency.ownership_window_days.to_string(),
            availability_window_hours: agency.availability_window_hours.to_string(),
            consent_valid_days: agency.consent_valid_days.to_string(),
        }
    }
}

/// Every stage of the agency (archived ones too), in pipeline order.
fn all_of(conn: &mut DbConnection, scope: AgencyScope) -> Result<Vec<Stage>, AppError> {
    Ok(pipeline_stages::table
        .filter(pipeline_stages::agency_id.eq(scope.agency_id()))
        .order((pipeline_stages::position.asc(), pipeline_stages::id.asc()))
        .select(Stage::as_select())
        .load(conn)?)
}

/// The pipeline as the settings page shows it (two statements).
pub fn pipeline(conn: &mut DbConnection, scope: AgencyScope) -> Result<Pipeline, AppError> {
    use crate::db::schema::submissions;
    let counts: Vec<(i64, i64)> = submissions::table
        .filter(submissions::agency_id.eq(scope.agency_id()))
        .filter(submissions::closed_at.is_null())
        .group_by(submissions::stage_id)
        .select((submissions::stage_id, diesel::dsl::count_star()))
        .load(conn)?;
    let (live, archived): (Vec<Stage>, Vec<Stage>) =
        all_of(conn, scope)?.into_iter().partition(|s| s.archived_at.is_none());
    let stages = live
        .into_iter()
        .map(|stage| {
            let open = counts.iter().find(|(id, _)| *id == stage.id).map_or(0, |(_, n)| *n);
            StageRow { stage, open }
        })
        .collect();
    Ok(Pipeline { stages, archived })
}

/// Checks a stage name: required, short, and not another stage's (whatever the case).
fn check_name(errors: &mut FieldErrors, stages: &[Stage], except: Option<i64>, name: &str) -> String {
    let name = crate::models::validation::required(errors, "name", "Stage name", name, MAX_STAGE_NAME);
    if !errors.has("name") {
        let wanted = name.to_lowercase();
        if let Some(other) = stages.iter().find(|s| Some(s.id) != except && s.name.to_lowercase() == wanted) {
            if other.archived_at.is_some() {
                errors
                    .add("name", format!("An archived stage is already called “{}”: restore it instead.", other.name));
            } else {
                errors.add("name", format!("Your pipeline already has a stage called “{}”.", other.name));
            }
        }
    }
    name
}

/// Checks a follow-up time (1 to 60 business days).
fn check_days(errors: &mut FieldErrors, value: &str) -> i32 {
    let (min, max) = FOLLOW_UP_DAYS;
    match crate::models::validation::optional_int(errors, "follow_up_days", "Follow-up time", value, min, max) {
        Some(days) => i32::try_from(days).unwrap_or(1),
        None => {
            if !errors.has("follow_up_days") {
                errors.add("follow_up_days", format!("Follow-up time is required ({min} to {max} business days)."));
            }
            0
        }
    }
}

/// Sets positions 1, 2, 3… in the given order (only rows whose position changes are written).
fn renumber(conn: &mut DbConnection, ordered: &[Stage], now: NaiveDateTime) -> Result<(), AppError> {
    for (index, stage) in ordered.iter().enumerate() {
        let position = i32::try_from(index + 1).unwrap_or(i32::MAX);
        if stage.position != position {
            diesel::update(pipeline_stages::table.find(stage.id))
                .set((pipeline_stages::position.eq(position), pipeline_stages::updated_at.eq(now)))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Renames a stage and/or changes its follow-up time. A new follow-up time applies from the next
/// event of each submission on; due dates already set stay.
pub fn update(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    input: &StageInput,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Stage, AppError> {
    crate::db::write(conn, |conn| {
        let stage = find(conn, scope, id)?;
        if stage.archived_at.is_some() {
            return Err(AppError::NotFound);
        }
        let stages = all_of(conn, scope)?;
        let mut errors = FieldErrors::default();
        let name = check_name(&mut errors, &stages, Some(stage.id), &input.name);
        // Closed stages have no follow-up: nothing is due once a submission is closed.
        let days =
            if stage.is_closed() { stage.follow_up_days } else { check_days(&mut errors, &input.follow_up_days) };
        errors.finish(())?;
        let mut changes = Vec::new();
        if name != stage.name {
            changes.push(format!("renamed “{}” → “{name}”", stage.name));
        }
        if days != stage.follow_up_days {
            changes.push(format!("follow-up {} → {days} business days", stage.follow_up_days));
        }
        if changes.is_empty() {
            return Ok(stage);
        }
        diesel::update(pipeline_stages::table.find(stage.id))
            .set((
                pipeline_stages::name.eq(&name),
                pipeline_stages::follow_up_days.eq(days),
                pipeline_stages::updated_at.eq(now),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            Event::on("stage.updated", "stage", stage.id, format!("{}: {}", name, changes.join(", "))),
            now,
        )?;
        find(conn, scope, id)
    })
}

/// Adds a stage at the end of its category (before the stages of later categories).
pub fn add(
    conn: &mut DbConnection,
    scope: AgencyScope,
    input: &NewStageInput,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Stage, AppError> {
    crate::db::write(conn, |conn| {
        let stages = all_of(conn, scope)?;
        let mut errors = FieldErrors::default();
        let name = check_name(&mut errors, &stages, None, &input.name);
        let category = crate::models::validation::optional_choice(
            &mut errors,
            "category",
            "Category",
            &input.category,
            CATEGORIES,
        );
        if category.is_none() && !errors.has("category") {
            errors.add("category", "Choose the category: it decides the rules that apply in this stage.");
        }
        let closed = category == Some("closed");
        let days = if closed { 0 } else { check_days(&mut errors, &input.follow_up_days) };
        let category = errors.finish(category)?.unwrap_or("sourced");
        let rank = category_rank(category);
        let mut live: Vec<Stage> = stages.into_iter().filter(|s| s.archived_at.is_none()).collect();
        let at = live.iter().rposition(|s| s.rank() <= rank).map_or(0, |i| i + 1);
        let created_id: i64 = diesel::insert_into(pipeline_stages::table)
            .values((
                pipeline_stages::agency_id.eq(scope.agency_id()),
                pipeline_stages::name.eq(&name),
                pipeline_stages::category.eq(category),
                pipeline_stages::position.eq(0),
                pipeline_stages::follow_up_days.eq(days),
                pipeline_stages::created_at.eq(now),
                pipeline_stages::updated_at.eq(now),
            ))
            .returning(pipeline_stages::id)
            .get_result(conn)?;
        let created = find(conn, scope, created_id)?;
        live.insert(at, created.clone());
        renumber(conn, &live, now)?;
        let detail = if closed {
            format!("{name} ({category})")
        } else {
            format!("{name} ({category}, follow-up {days} business days)")
        };
        audit::record(conn, actor, Event::on("stage.added", "stage", created.id, detail), now)?;
        find(conn, scope, created.id)
    })
}

/// Moves a stage one place up (earlier) or down (later) in the pipeline.
pub fn shift(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    up: bool,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Stage, AppError> {
    crate::db::write(conn, |conn| {
        let stage = find(conn, scope, id)?;
        if stage.archived_at.is_some() {
            return Err(AppError::NotFound);
        }
        let mut live = for_agency(conn, scope)?;
        let Some(at) = live.iter().position(|s| s.id == stage.id) else { return Err(AppError::NotFound) };
        let other = if up { at.checked_sub(1) } else { Some(at + 1).filter(|i| *i < live.len()) };
        let Some(other) = other else { return Ok(stage) };
        live.swap(at, other);
        renumber(conn, &live, now)?;
        let detail =
            format!("{} moved {} (now {} of {})", stage.name, if up { "up" } else { "down" }, other + 1, live.len());
        audit::record(conn, actor, Event::on("stage.moved", "stage", stage.id, detail), now)?;
        find(conn, scope, id)
    })
}

/// Archives a stage: refused while open submissions are in it, and for the last stage of its
/// category (every category keeps at least one stage, the rules need it).
pub fn archive(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Stage, AppError> {
    use crate::db::schema::submissions;
    crate::db::write(conn, |conn| {
        let stage = find(conn, scope, id)?;
        if stage.archived_at.is_some() {
            return Ok(stage);
        }
        let open: i64 = submissions::table
            .filter(submissions::agency_id.eq(scope.agency_id()))
            .filter(submissions::stage_id.eq(stage.id))
            .filter(submissions::closed_at.is_null())
            .count()
            .get_result(conn)?;
        if open > 0 {
            let (count, verb) = if open == 1 {
                ("1 open submission is".to_string(), "it")
            } else {
                (format!("{open} open submissions are"), "them")
            };
            return Err(AppError::invalid(
                "archive",
                format!("{count} in “{}”: move or close {verb} before archiving this stage.", stage.name),
            ));
        }
        let others: i64 = pipeline_stages::table
            .filter(pipeline_stages::agency_id.eq(scope.agency_id()))
            .filter(pipeline_stages::category.eq(&stage.category))
            .filter(pipeline_stages::archived_at.is_null())
            .filter(pipeline_stages::id.ne(stage.id))
            .count()
            .get_result(conn)?;
        if others == 0 {
            return Err(AppError::invalid(
                "archive",
                format!(
                    "“{}” is your only {} stage, and every category needs one. Add another {} stage first.",
                    stage.name,
                    stage.category_label(),
                    stage.category_label()
                ),
            ));
        }
        diesel::update(pipeline_stages::table.find(stage.id))
            .set((pipeline_stages::archived_at.eq(Some(now)), pipeline_stages::updated_at.eq(now)))
            .execute(conn)?;
        audit::record(conn, actor, Event::on("stage.archived", "stage", stage.id, stage.name.clone()), now)?;
        find(conn, scope, id)
    })
}

/// Brings an archived stage back, at the end of its category.
pub fn restore(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Stage, AppError> {
    crate::db::write(conn, |conn| {
        let stage = find(conn, scope, id)?;
        if stage.archived_at.is_none() {
            return Ok(stage);
        }
        let stages = all_of(conn, scope)?;
        let mut errors = FieldErrors::default();
        check_name(&mut errors, &stages, Some(stage.id), &stage.name);
        if let Some(message) = errors.get("name") {
            return Err(AppError::invalid("archive", format!("{message} Rename that one first.")));
        }
        diesel::update(pipeline_stages::table.find(stage.id))
            .set((pipeline_stages::archived_at.eq(None::<NaiveDateTime>), pipeline_stages::updated_at.eq(now)))
            .execute(conn)?;
        let restored = find(conn, scope, id)?;
        let mut live: Vec<Stage> = stages.into_iter().filter(|s| s.archived_at.is_none()).collect();
        let at = live.iter().rposition(|s| s.rank() <= restored.rank()).map_or(0, |i| i + 1);
        live.insert(at, restored);
        renumber(conn, &live, now)?;
        audit::record(conn, actor, Event::on("stage.restored", "stage", stage.id, stage.name.clone()), now)?;
        find(conn, scope, id)
    })
}

/// Sets the agency's pipeline windows (ownership, availability, consent validity).
pub fn update_settings(
    conn: &mut DbConnection,
    scope: AgencyScope,
    input: &SettingsInput,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<crate::models::agency::Agency, AppError> {
    use crate::db::schema::agencies;
    use crate::models::agency::Agency;
    let mut errors = FieldErrors::default();
    let mut values = [0_i32; 3];
    let typed = [&input.ownership_window_days, &input.availability_window_hours, &input.consent_valid_days];
    for (slot, ((field, label, min, max), value)) in values.iter_mut().zip(SETTINGS_BOUNDS.iter().zip(typed)) {
        match crate::models::validation::optional_int(&mut errors, field, label, value, *min, *max) {
            Some(n) => *slot = i32::try_from(n).unwrap_or(0),
            None if !errors.has(field) => errors.add(*field, format!("{label} is required ({min} to {max}).")),
            None => {}
        }
    }
    errors.finish(())?;
    let [ownership, availability, consent] = values;
    crate::db::write(conn, |conn| {
        let before = Agency::find(conn, scope)?;
        let mut changes = Vec::new();
        if before.ownership_window_days != ownership {
            changes.push(format!("ownership window {} → {ownership} days", before.ownership_window_days));
        }
        if before.availability_window_hours != availability {
            changes.push(format!("availability window {} → {availability} hours", before.availability_window_hours));
        }
        if before.consent_valid_days != consent {
            changes.push(format!("consent validity {} → {consent} days", before.consent_valid_days));
        }
        if changes.is_empty() {
            return Ok(before);
        }
        diesel::update(agencies::table.find(scope.agency_id()))
            .set((
                agencies::ownership_window_days.eq(ownership),
                agencies::availability_window_hours.eq(availability),
                agencies::consent_valid_days.eq(consent),
                agencies::updated_at.eq(now),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            Event::on("agency.pipeline_settings", "agency", scope.agency_id(), changes.join(", ")),
            now,
        )?;
        Agency::find(conn, scope)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_days_skip_weekends() {
        let wednesday = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(add_business_days(wednesday, 0), wednesday);
        assert_eq!(add_business_days(wednesday, 2), NaiveDate::from_ymd_opt(2026, 11, 27).unwrap());
        assert_eq!(add_business_days(wednesday, 3), NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(), "over the weekend");
        assert_eq!(add_business_days(wednesday, 5), NaiveDate::from_ymd_opt(2026, 12, 2).unwrap());
        let saturday = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        assert_eq!(add_business_days(saturday, 1), NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
    }
}
