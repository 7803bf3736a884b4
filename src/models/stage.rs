//! Pipeline stages: names and order are each agency's; every stage has a fixed category that
//! drives the rules (consent before "submitted", placements, closing), and a follow-up time in
//! business days that sets each submission's "next update due".

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Weekday};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::pipeline_stages;
use crate::error::AppError;
use crate::models::agency::AgencyScope;

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
