//! Reports: submissions, interviews and placements per week and per recruiter, the time
//! submissions spend in each stage, and the share of updates made on time.
//!
//! Weeks start on Monday in the viewer's time zone. Counts are `GROUP BY` queries that work the
//! same on SQLite and PostgreSQL: rows are grouped by UTC day (`date()` exists in both), and for
//! the few UTC days that a local Monday midnight cuts in two, a second grouped query counts the
//! part before the cut, so every row lands in its local week exactly. Time in stage and
//! punctuality need each submission's sequence of events (a median cannot be summed), so those
//! read the events of the submissions active in the period in one ordered query.

use std::collections::HashMap;

use chrono::{Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone};
use chrono_tz::Tz;
use diesel::dsl::{count_star, date, min};
use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::db::DbConnection;
use crate::db::schema::{interviews, pipeline_stages, placements, submission_events, submissions};
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::stage::{self, Stage};
use crate::models::user::User;

/// The periods a report can cover: (weeks, label).
pub const PERIODS: &[(u32, &str)] = &[(4, "Last 4 weeks"), (12, "Last 12 weeks"), (26, "Last 26 weeks")];
/// The period shown when none is chosen.
pub const DEFAULT_WEEKS: u32 = 12;

/// What a report covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Filters {
    /// How many weeks, this one included.
    pub weeks: u32,
    /// Only this recruiter's submissions (by owner), or the whole agency.
    pub recruiter: Option<i64>,
}

/// The weeks of a report: each local Monday and the UTC instant its week begins.
#[derive(Clone, Debug)]
pub struct Weeks {
    /// The local Mondays, oldest first.
    pub starts: Vec<NaiveDate>,
    /// The UTC instants of those Mondays' midnights, plus the next Monday's (one more than
    /// `starts`).
    bounds: Vec<NaiveDateTime>,
    /// Today in the viewer's time zone.
    pub today: NaiveDate,
}

/// The UTC instant when `day` begins in `tz` (the first instant that exists, if a clock change
/// skips midnight).
fn local_midnight(tz: Tz, day: NaiveDate) -> NaiveDateTime {
    let mut local = day.and_time(NaiveTime::MIN);
    for _ in 0..4 {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => return at.naive_utc(),
            LocalResult::None => local += TimeDelta::minutes(30),
        }
    }
    day.and_time(NaiveTime::MIN)
}

impl Weeks {
    /// The `count` weeks up to and including the one holding `now`, in `tz`.
    pub fn ending_at(now: NaiveDateTime, tz: Tz, count: u32) -> Self {
        let today = now.and_utc().with_timezone(&tz).date_naive();
        let this_monday = today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()));
        let first = this_monday - TimeDelta::weeks(i64::from(count.max(1)) - 1);
        let starts: Vec<NaiveDate> = (0..count.max(1)).map(|i| first + TimeDelta::weeks(i64::from(i))).collect();
        let bounds = (0..=count.max(1)).map(|i| local_midnight(tz, first + TimeDelta::weeks(i64::from(i)))).collect();
        Self { starts, bounds, today }
    }

    /// When the first week begins (UTC).
    pub fn begin(&self) -> NaiveDateTime {
        self.bounds[0]
    }

    /// When the last week ends (UTC).
    pub fn end(&self) -> NaiveDateTime {
        self.bounds[self.bounds.len() - 1]
    }

    /// The first local Monday.
    pub fn first_day(&self) -> NaiveDate {
        self.starts[0]
    }

    /// The week holding the UTC instant `at`, if it is in the period.
    pub fn index_of(&self, at: NaiveDateTime) -> Option<usize> {
        let after = self.bounds.partition_point(|b| *b <= at);
        (after >= 1 && after < self.bounds.len()).then(|| after - 1)
    }

    /// The week holding the local date `day`, if it is in the period.
    pub fn index_of_date(&self, day: NaiveDate) -> Option<usize> {
        let after = self.starts.partition_point(|s| *s <= day);
        (after >= 1 && day < self.starts[after - 1] + TimeDelta::weeks(1)).then(|| after - 1)
    }

    /// Week boundaries that fall inside a UTC day rather than at its midnight: (UTC midnight
    /// before the boundary, boundary).
    fn cuts(&self) -> Vec<(NaiveDateTime, NaiveDateTime)> {
        self.bounds
            .iter()
            .filter(|b| b.time() != NaiveTime::MIN)
            .map(|b| (b.date().and_time(NaiveTime::MIN), *b))
            .collect()
    }

    /// Per-week totals from counts per UTC day and, for days a boundary cuts, the count before
    /// the cut.
    fn bucket(&self, per_day: &[(Option<NaiveDate>, i64)], before_cut: &[(Option<NaiveDate>, i64)]) -> Vec<i64> {
        let mut totals = vec![0_i64; self.starts.len()];
        for (day, count) in per_day {
            let Some(day) = day else { continue };
            let day_start = day.and_time(NaiveTime::MIN);
            let cut = self.bounds.iter().find(|b| **b > day_start && b.date() == *day);
            match cut {
                Some(cut) => {
                    let early = before_cut.iter().find(|(d, _)| d.as_ref() == Some(day)).map_or(0, |(_, n)| *n);
                    let before = *cut - TimeDelta::microseconds(1);
                    if let Some(week) = self.index_of(before) {
                        totals[week] += early;
                    }
                    if let Some(week) = self.index_of(*cut) {
                        totals[week] += count - early;
                    }
                }
                None => {
                    if let Some(week) = self.index_of(day_start.max(self.begin())) {
                        totals[week] += count;
                    }
                }
            }
        }
        totals
    }
}

/// One week of the report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WeekRow {
    /// The week's Monday (local).
    pub start: NaiveDate,
    /// Submissions created.
    pub submissions: i64,
    /// Interviews that took place (not cancelled, start time passed).
    pub interviews: i64,
    /// Placements whose start date fell in the week (not cancelled, start date passed).
    pub placements: i64,
    /// Updates judged for punctuality.
    pub updates: i64,
    /// Of those, how many came on time.
    pub on_time: i64,
}

/// One recruiter's totals over the period (by the submissions they own).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecruiterRow {
    /// The user, or `None` for submissions without an owner.
    pub id: Option<i64>,
    pub name: String,
    pub submissions: i64,
    pub interviews: i64,
    pub placements: i64,
    pub updates: i64,
    pub on_time: i64,
}

/// How long submissions stayed in one stage.
#[derive(Clone, Debug, PartialEq)]
pub struct StageTime {
    pub stage_id: i64,
    pub name: String,
    pub archived: bool,
    /// Stays counted: those that ended in the period, and the current stay of open submissions.
    pub stays: usize,
    /// Of those, stays still going on.
    pub ongoing: usize,
    pub average_days: f64,
    pub median_days: f64,
}

/// A share as a whole percentage ("—" when nothing was counted).
pub fn percent(part: i64, whole: i64) -> String {
    if whole == 0 { "—".to_string() } else { format!("{}%", (part * 100 + whole / 2) / whole) }
}

impl WeekRow {
    /// The share of updates on time, for people.
    pub fn on_time_share(&self) -> String {
        percent(self.on_time, self.updates)
    }
}

impl StageTime {
    /// The average, in days with one decimal.
    pub fn average_text(&self) -> String {
        format!("{:.1}", self.average_days)
    }

    /// The median, in days with one decimal.
    pub fn median_text(&self) -> String {
        format!("{:.1}", self.median_days)
    }
}

impl RecruiterRow {
    /// The share of updates on time, for people.
    pub fn on_time_share(&self) -> String {
        percent(self.on_time, self.updates)
    }
}

/// Everything the reports page shows.
#[derive(Clone, Debug)]
pub struct Report {
    pub weeks: Vec<WeekRow>,
    pub recruiters: Vec<RecruiterRow>,
    pub stages: Vec<StageTime>,
    /// Open submissions whose update is late today (not yet counted as late updates).
    pub overdue_now: i64,
    /// False until the agency has put anyone forward (the page then says how to start).
    pub has_data: bool,
}

impl Report {
    /// The period's totals (for the footer rows).
    pub fn totals(&self) -> WeekRow {
        self.weeks.iter().fold(WeekRow::default(), |acc, w| WeekRow {
            start: acc.start,
            submissions: acc.submissions + w.submissions,
            interviews: acc.interviews + w.interviews,
            placements: acc.placements + w.placements,
            updates: acc.updates + w.updates,
            on_time: acc.on_time + w.on_time,
        })
    }
}

type Backend = <DbConnection as diesel::Connection>::Backend;

/// `submissions.owner_id = recruiter`, or true when the report covers everyone. (A submission
/// without an owner compares as NULL, which a filter treats as false.) A macro rather than a
/// boxed expression: the shared connection needs concrete types in joins and subqueries.
macro_rules! owned_by {
    ($recruiter:expr) => {{
        let recruiter: Option<i64> = $recruiter;
        submissions::owner_id.eq(recruiter.unwrap_or(0)).assume_not_null().or(recruiter.is_none().into_sql::<Bool>())
    }};
}

/// Submissions created per local week.
fn submissions_per_week(
    conn: &mut DbConnection,
    scope: AgencyScope,
    filters: Filters,
    weeks: &Weeks,
) -> Result<Vec<i64>, AppError> {
    let in_period = submissions::agency_id
        .eq(scope.agency_id())
        .and(submissions::created_at.ge(weeks.begin()))
        .and(submissions::created_at.lt(weeks.end()));
    let per_day: Vec<(Option<NaiveDate>, i64)> = submissions::table
        .filter(in_period)
        .filter(owned_by!(filters.recruiter))
        .group_by(date(submissions::created_at))
        .select((min(date(submissions::created_at)), count_star()))
        .load(conn)?;
    let mut before_cut = Vec::new();
    let mut cuts = weeks.cuts().into_iter();
    if let Some((from, to)) = cuts.next() {
        let mut parts: Box<dyn BoxableExpression<submissions::table, Backend, SqlType = Bool>> =
            Box::new(submissions::created_at.ge(from).and(submissions::created_at.lt(to)));
        for (from, to) in cuts {
            parts = Box::new(parts.or(submissions::created_at.ge(from).and(submissions::created_at.lt(to))));
        }
        before_cut = submissions::table
            .filter(in_period)
            .filter(owned_by!(filters.recruiter))
            .filter(parts)
            .group_by(date(submissions::created_at))
            .select((min(date(submissions::created_at)), count_star()))
            .load(conn)?;
    }
    Ok(weeks.bucket(&per_day, &before_cut))
}

/// Interviews held per local week: not cancelled, and already started by `now`.
fn interviews_per_week(
    conn: &mut DbConnection,
    scope: AgencyScope,
    filters: Filters,
    weeks: &Weeks,
    now: NaiveDateTime,
) -> Result<Vec<i64>, AppError> {
    let until = weeks.end().min(now);
    let held = interviews::agency_id
        .eq(scope.agency_id())
        .and(interviews::outcome.ne("cancelled"))
        .and(interviews::starts_at.ge(weeks.begin()))
        .and(interviews::starts_at.le(until));
    let per_day: Vec<(Option<NaiveDate>, i64)> = interviews::table
        .filter(held)
        .filter(
            interviews::submission_id.eq_any(
                submissions::table
                    .filter(submissions::agency_id.eq(scope.agency_id()))
                    .filter(owned_by!(filters.recruiter))
                    .select(submissions::id),
            ),
        )
        .group_by(date(interviews::starts_at))
        .select((min(date(interviews::starts_at)), count_star()))
        .load(conn)?;
    let mut before_cut = Vec::new();
    let mut cuts = weeks.cuts().into_iter();
    if let Some((from, to)) = cuts.next() {
        let mut parts: Box<dyn BoxableExpression<interviews::table, Backend, SqlType = Bool>> =
            Box::new(interviews::starts_at.ge(from).and(interviews::starts_at.lt(to)));
        for (from, to) in cuts {
            parts = Box::new(parts.or(interviews::starts_at.ge(from).and(interviews::starts_at.lt(to))));
        }
        before_cut = interviews::table
            .filter(held)
            .filter(
                interviews::submission_id.eq_any(
                    submissions::table
                        .filter(submissions::agency_id.eq(scope.agency_id()))
                        .filter(owned_by!(filters.recruiter))
                        .select(submissions::id),
                ),
            )
            .filter(parts)
            .group_by(date(interviews::starts_at))
            .select((min(date(interviews::starts_at)), count_star()))
            .load(conn)?;
    }
    Ok(weeks.bucket(&per_day, &before_cut))
}

/// Placements started per week: by start date (a calendar date), not cancelled, up to today.
fn placements_per_week(
    conn: &mut DbConnection,
    scope: AgencyScope,
    filters: Filters,
    weeks: &Weeks,
) -> Result<Vec<i64>, AppError> {
    let per_day: Vec<(NaiveDate, i64)> = placements::table
        .filter(placements::agency_id.eq(scope.agency_id()))
        .filter(placements::status.ne("cancelled"))
        .filter(placements::start_date.ge(weeks.first_day()))
        .filter(placements::start_date.le(weeks.today))
        .filter(
            placements::submission_id.eq_any(
                submissions::table
                    .filter(submissions::agency_id.eq(scope.agency_id()))
                    .filter(owned_by!(filters.recruiter))
                    .select(submissions::id),
            ),
        )
        .group_by(placements::start_date)
        .select((placements::start_date, count_star()))
        .load(conn)?;
    let mut totals = vec![0_i64; weeks.starts.len()];
    for (day, count) in per_day {
        if let Some(week) = weeks.index_of_date(day) {
            totals[week] += count;
        }
    }
    Ok(totals)
}

/// (submissions, interviews, placements) per submission owner (`None`: no owner).
type OwnerTotals = HashMap<Option<i64>, (i64, i64, i64)>;

/// Per-owner totals over the period.
fn per_owner(
    conn: &mut DbConnection,
    scope: AgencyScope,
    filters: Filters,
    weeks: &Weeks,
    now: NaiveDateTime,
) -> Result<OwnerTotals, AppError> {
    let created: Vec<(Option<i64>, i64)> = submissions::table
        .filter(submissions::agency_id.eq(scope.agency_id()))
        .filter(submissions::created_at.ge(weeks.begin()))
        .filter(submissions::created_at.lt(weeks.end()))
        .filter(owned_by!(filters.recruiter))
        .group_by(submissions::owner_id)
        .select((submissions::owner_id, count_star()))
        .load(conn)?;
    let held: Vec<(Option<i64>, i64)> = interviews::table
        .inner_join(submissions::table)
        .filter(interviews::agency_id.eq(scope.agency_id()))
        .filter(submissions::agency_id.eq(scope.agency_id()))
        .filter(interviews::outcome.ne("cancelled"))
        .filter(interviews::starts_at.ge(weeks.begin()))
        .filter(interviews::starts_at.le(weeks.end().min(now)))
        .filter(owned_by!(filters.recruiter))
        .group_by(submissions::owner_id)
        .select((submissions::owner_id, count_star()))
        .load(conn)?;
    let started: Vec<(Option<i64>, i64)> = placements::table
        .inner_join(submissions::table)
        .filter(placements::agency_id.eq(scope.agency_id()))
        .filter(submissions::agency_id.eq(scope.agency_id()))
        .filter(placements::status.ne("cancelled"))
        .filter(placements::start_date.ge(weeks.first_day()))
        .filter(placements::start_date.le(weeks.today))
        .filter(owned_by!(filters.recruiter))
        .group_by(submissions::owner_id)
        .select((submissions::owner_id, count_star()))
        .load(conn)?;
    let mut totals = OwnerTotals::new();
    for (owner, n) in created {
        totals.entry(owner).or_default().0 += n;
    }
    for (owner, n) in held {
        totals.entry(owner).or_default().1 += n;
    }
    for (owner, n) in started {
        totals.entry(owner).or_default().2 += n;
    }
    Ok(totals)
}

/// One event of a submission active in the period, with what the walk needs of its submission.
#[derive(Clone, Debug, Queryable)]
struct EventRow {
    submission_id: i64,
    owner_id: Option<i64>,
    submission_created_at: NaiveDateTime,
    current_stage: i64,
    closed_at: Option<NaiveDateTime>,
    kind: String,
    from_stage: Option<i64>,
    to_stage: Option<i64>,
    at: NaiveDateTime,
}

/// What walking the events found.
#[derive(Debug, Default)]
struct Walk {
    /// (stage, days) of every stay that ended in the period or is still going on, and whether
    /// it is ongoing.
    stays: Vec<(i64, f64, bool)>,
    /// (week, owner, on time) of every update made in the period.
    updates: Vec<(usize, Option<i64>, bool)>,
}

/// Walks each submission's events in order. A stay in a stage runs from the event that moved
/// the submission in (or its creation) to the event that moved it out (or now, while open). An
/// update is on time when it came on or before the due date the previous event set: the previous
/// event's day plus the follow-up business days of the stage the submission was then in.
fn walk(rows: &[EventRow], stages: &HashMap<i64, Stage>, weeks: &Weeks, now: NaiveDateTime) -> Walk {
    let mut out = Walk::default();
    let counts_time =
        |stage: i64| stages.get(&stage).is_some_and(|s| !matches!(s.category.as_str(), "placed" | "closed"));
    for events in rows.chunk_by(|a, b| a.submission_id == b.submission_id) {
        let first = &events[0];
        let mut stage = events.iter().find_map(|e| e.from_stage).unwrap_or(first.current_stage);
        let mut entered = first.submission_created_at;
        let mut previous = first.submission_created_at;
        for event in events {
            if event.kind != "created" {
                let due_days = stages.get(&stage).filter(|s| !s.is_closed()).map(|s| s.follow_up_days);
                if let (Some(days), Some(week)) = (due_days, weeks.index_of(event.at)) {
                    let due = stage::add_business_days(previous.date(), days);
                    out.updates.push((week, first.owner_id, event.at.date() <= due));
                }
            }
            if let Some(to) = event.to_stage {
                if event.at >= weeks.begin() && counts_time(stage) {
                    out.stays.push((stage, days_between(entered, event.at), false));
                }
                stage = to;
                entered = event.at;
            }
            previous = event.at;
        }
        if first.closed_at.is_none() && counts_time(stage) {
            out.stays.push((stage, days_between(entered, now), true));
        }
    }
    out
}

fn days_between(from: NaiveDateTime, to: NaiveDateTime) -> f64 {
    let seconds = (to - from).num_seconds().max(0);
    #[allow(clippy::cast_precision_loss)] // seconds in a pipeline fit an f64 exactly
    let seconds = seconds as f64;
    seconds / 86_400.0
}

/// The middle value of `values` (sorted here).
fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) { (values[mid - 1] + values[mid]) / 2.0 } else { values[mid] }
}

/// The agency's staff, for the recruiter filter and names (disabled ones too: their history
/// still counts).
pub fn recruiters(conn: &mut DbConnection, scope: AgencyScope) -> Result<Vec<User>, AppError> {
    User::team(conn, scope)
}

/// Builds the report for the period and recruiter in `filters`, with weeks in `tz`.
pub fn build(
    conn: &mut DbConnection,
    scope: AgencyScope,
    filters: Filters,
    staff: &[User],
    tz: Tz,
    now: NaiveDateTime,
) -> Result<Report, AppError> {
    let has_data: bool = diesel::select(diesel::dsl::exists(
        submissions::table.filter(submissions::agency_id.eq(scope.agency_id())).select(submissions::id),
    ))
    .get_result(conn)?;
    let weeks = Weeks::ending_at(now, tz, filters.weeks);
    if !has_data {
        return Ok(Report { weeks: Vec::new(), recruiters: Vec::new(), stages: Vec::new(), overdue_now: 0, has_data });
    }
    let created = submissions_per_week(conn, scope, filters, &weeks)?;
    let held = interviews_per_week(conn, scope, filters, &weeks, now)?;
    let started = placements_per_week(conn, scope, filters, &weeks)?;
    let owners = per_owner(conn, scope, filters, &weeks, now)?;

    let stage_list: Vec<Stage> = pipeline_stages::table
        .filter(pipeline_stages::agency_id.eq(scope.agency_id()))
        .order((pipeline_stages::position.asc(), pipeline_stages::id.asc()))
        .select(Stage::as_select())
        .load(conn)?;
    let stages: HashMap<i64, Stage> = stage_list.iter().map(|s| (s.id, s.clone())).collect();
    let rows: Vec<EventRow> = submission_events::table
        .inner_join(submissions::table)
        .filter(submission_events::agency_id.eq(scope.agency_id()))
        .filter(submissions::agency_id.eq(scope.agency_id()))
        .filter(submissions::closed_at.is_null().or(submissions::closed_at.ge(weeks.begin())))
        .filter(submission_events::created_at.le(now))
        .filter(owned_by!(filters.recruiter))
        .order((
            submission_events::submission_id.asc(),
            submission_events::created_at.asc(),
            submission_events::id.asc(),
        ))
        .select((
            submission_events::submission_id,
            submissions::owner_id,
            submissions::created_at,
            submissions::stage_id,
            submissions::closed_at,
            submission_events::kind,
            submission_events::from_stage_id,
            submission_events::to_stage_id,
            submission_events::created_at,
        ))
        .load(conn)?;
    let walked = walk(&rows, &stages, &weeks, now);

    let overdue_now: i64 = submissions::table
        .filter(submissions::agency_id.eq(scope.agency_id()))
        .filter(submissions::closed_at.is_null())
        .filter(submissions::next_update_due.lt(weeks.today))
        .filter(owned_by!(filters.recruiter))
        .count()
        .get_result(conn)?;

    let mut week_rows: Vec<WeekRow> = weeks
        .starts
        .iter()
        .enumerate()
        .map(|(i, start)| WeekRow {
            start: *start,
            submissions: created[i],
            interviews: held[i],
            placements: started[i],
            ..WeekRow::default()
        })
        .collect();
    let mut punctuality: HashMap<Option<i64>, (i64, i64)> = HashMap::new();
    for (week, owner, on_time) in &walked.updates {
        week_rows[*week].updates += 1;
        week_rows[*week].on_time += i64::from(*on_time);
        let entry = punctuality.entry(*owner).or_default();
        entry.0 += 1;
        entry.1 += i64::from(*on_time);
    }

    let recruiters = recruiter_rows(staff, filters, &owners, &punctuality);
    let stages = stage_times(&stage_list, &walked.stays);
    Ok(Report { weeks: week_rows, recruiters, stages, overdue_now, has_data })
}

/// One row per staff member (or only the chosen one), plus "no owner" when such submissions
/// count.
fn recruiter_rows(
    staff: &[User],
    filters: Filters,
    owners: &OwnerTotals,
    punctuality: &HashMap<Option<i64>, (i64, i64)>,
) -> Vec<RecruiterRow> {
    let row = |id: Option<i64>, name: String| {
        let (submissions, interviews, placements) = owners.get(&id).copied().unwrap_or_default();
        let (updates, on_time) = punctuality.get(&id).copied().unwrap_or_default();
        RecruiterRow { id, name, submissions, interviews, placements, updates, on_time }
    };
    let mut rows: Vec<RecruiterRow> = staff
        .iter()
        .filter(|u| filters.recruiter.is_none_or(|id| id == u.id))
        .map(|u| {
            let name = if u.disabled_at.is_some() { format!("{} (disabled)", u.name) } else { u.name.clone() };
            row(Some(u.id), name)
        })
        .collect();
    rows.sort_by(|a, b| b.submissions.cmp(&a.submissions).then_with(|| a.name.cmp(&b.name)));
    if filters.recruiter.is_none() && (owners.contains_key(&None) || punctuality.contains_key(&None)) {
        rows.push(row(None, "No owner".to_string()));
    }
    rows
}

/// Average and median days per stage, in pipeline order; stages nobody stayed in are left out.
fn stage_times(stage_list: &[Stage], stays: &[(i64, f64, bool)]) -> Vec<StageTime> {
    stage_list
        .iter()
        .filter_map(|stage| {
            let mut days: Vec<f64> = stays.iter().filter(|(id, _, _)| *id == stage.id).map(|(_, d, _)| *d).collect();
            if days.is_empty() {
                return None;
            }
            let ongoing = stays.iter().filter(|(id, _, going)| *id == stage.id && *going).count();
            #[allow(clippy::cast_precision_loss)] // a count of stays fits an f64 exactly
            let average_days = days.iter().sum::<f64>() / days.len() as f64;
            Some(StageTime {
                stage_id: stage.id,
                name: stage.name.clone(),
                archived: stage.archived_at.is_some(),
                stays: days.len(),
                ongoing,
                average_days,
                median_days: median(&mut days),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, min, 0).unwrap()
    }

    #[test]
    fn weeks_start_on_local_mondays() {
        // Wednesday 25 Nov 2026, 09:00 UTC; Berlin is UTC+1 in winter.
        let weeks = Weeks::ending_at(at(2026, 11, 25, 9, 0), chrono_tz::Europe::Berlin, 4);
        assert_eq!(weeks.starts[3], NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        assert_eq!(weeks.starts[0], NaiveDate::from_ymd_opt(2026, 11, 2).unwrap());
        assert_eq!(weeks.begin(), at(2026, 11, 1, 23, 0), "Monday 00:00 in Berlin is Sunday 23:00 UTC");
        // Sunday 22 Nov 23:30 UTC is Monday 00:30 in Berlin: the last week.
        assert_eq!(weeks.index_of(at(2026, 11, 22, 23, 30)), Some(3));
        assert_eq!(weeks.index_of(at(2026, 11, 22, 22, 30)), Some(2));
        assert_eq!(weeks.index_of(at(2026, 11, 1, 22, 59)), None);
    }

    #[test]
    fn a_day_cut_by_a_local_monday_is_split_between_two_weeks() {
        let weeks = Weeks::ending_at(at(2026, 11, 25, 9, 0), chrono_tz::Europe::Berlin, 2);
        let sunday = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let tuesday = NaiveDate::from_ymd_opt(2026, 11, 17).unwrap();
        // 5 on UTC Sunday 22 Nov, 3 of them before 23:00 UTC (still Sunday in Berlin).
        let totals = weeks.bucket(&[(Some(sunday), 5), (Some(tuesday), 2)], &[(Some(sunday), 3)]);
        assert_eq!(totals, vec![5, 2]);
    }

    #[test]
    fn medians_and_percentages() {
        assert!((median(&mut [3.0, 1.0, 2.0]) - 2.0).abs() < 1e-9);
        assert!((median(&mut [4.0, 1.0, 2.0, 3.0]) - 2.5).abs() < 1e-9);
        assert_eq!(percent(2, 3), "67%");
        assert_eq!(percent(0, 0), "—");
    }
}
