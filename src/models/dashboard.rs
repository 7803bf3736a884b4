//! The recruiter's dashboard (`/`): what they owe whom today, most urgent first. Each section is
//! a count plus its top rows, each from one joined query, so the page runs the same number of
//! statements however much data the agency has.
//!
//! The page reads a read model: each viewer's dashboard as last computed ([`show`]), with the
//! version of the data it was computed from. Database triggers (migration
//! `2026-12-13-000003_dashboard_read_model`) bump a version per owner in the same transaction as
//! every write that changes what that owner's dashboard shows, whatever code path makes the
//! write; a dashboard behind its version, past the viewer's local midnight, past the moment the
//! first waiting consent request expires, or older than [`MAX_AGE_MINUTES`], is computed again
//! from the base tables ([`load`]) when it is next read, and by a sweep for the people signed in
//! (`jobs::dashboards`). Every time-based rule below changes at a local midnight (thresholds are
//! whole days in the viewer's zone), except a consent request's expiry, which the first
//! waiting row gives.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, TimeZone};
use chrono_tz::Tz;
use diesel::dsl::exists;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamp};
use serde::{Deserialize, Serialize};

use crate::db::DbConnection;
use crate::db::schema::{agency_contractors, dashboard_versions, dashboards};
use crate::db::sql::{Bind, Sql};
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::contractor::{EXTENSION, available_now_date};
use crate::models::placement::ENDING_SOON_DAYS;
use crate::models::submission;

/// Rows shown per section (the count tells how many there are in all).
pub const TOP: i64 = 6;
/// Expired consent requests stay on the dashboard this long after they were asked for.
pub const EXPIRED_CONSENT_DAYS: i64 = 14;
/// Availability older than this (or never confirmed) is stale.
pub const STALE_DAYS: i64 = 14;
/// "Became available" looks back this many days.
pub const AVAILABLE_DAYS: i64 = 7;
/// A kept dashboard is computed again once it is this old, whatever else: names and titles shown
/// on it may lag a rename this long at most.
pub const MAX_AGE_MINUTES: i64 = 10;

/// Whose work the dashboard shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// The viewer's own submissions, contractors and tasks.
    Mine(i64),
    /// The whole agency (admins).
    Team,
}

impl View {
    fn owner(self) -> Option<i64> {
        match self {
            Self::Mine(id) => Some(id),
            Self::Team => None,
        }
    }
}

/// A section: how many rows in all, and the first few.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section<T> {
    pub count: i64,
    pub rows: Vec<T>,
}

impl<T> Section<T> {
    /// True when the section has nothing.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// True when there are more rows than shown.
    pub fn has_more(&self) -> bool {
        self.count > self.rows.len() as i64
    }
}

/// A submission whose update is overdue or due today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateRow {
    pub submission_id: i64,
    pub contractor_name: String,
    pub job_title: String,
    pub stage_name: String,
    pub due: NaiveDate,
    /// Days late (0: due today).
    pub days_late: i64,
}

/// A consent request waiting on the contractor, or expired unanswered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRow {
    pub submission_id: i64,
    pub contractor_name: String,
    pub job_title: String,
    pub expires_at: NaiveDateTime,
}

/// A scheduled interview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterviewRow {
    pub submission_id: i64,
    pub contractor_name: String,
    pub job_title: String,
    /// Local to the viewer.
    pub when: String,
    pub is_today: bool,
}

/// A contractor whose contract ends within six weeks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollingOffRow {
    pub contractor_id: i64,
    pub contractor_name: String,
    /// The placement, when the agency placed them.
    pub placement_id: Option<i64>,
    pub ends_on: NaiveDate,
    pub extension: String,
}

impl RollingOffRow {
    /// Where the row links to.
    pub fn path(&self) -> String {
        match self.placement_id {
            Some(id) => format!("/placements/{id}"),
            None => format!("/contractors/{}", self.contractor_id),
        }
    }
}

/// A contractor record with a date worth showing (available since, decision by, confirmed on).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractorRow {
    pub contractor_id: i64,
    pub contractor_name: String,
    pub note: String,
}

/// An open task due by today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRow {
    pub id: i64,
    pub title: String,
    pub due_on: NaiveDate,
    pub assignee_name: String,
    pub overdue: bool,
}

/// A shortlist the client has not answered in full after the follow-up time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShortlistRow {
    pub shortlist_id: i64,
    pub job_title: String,
    pub client_name: String,
    /// When the client should have answered by.
    pub due: NaiveDate,
}

/// Everything the dashboard shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub updates: Section<UpdateRow>,
    pub consents_waiting: Section<ConsentRow>,
    pub consents_expired: Section<ConsentRow>,
    pub interviews_today: i64,
    pub interviews: Section<InterviewRow>,
    pub rolling_off: Section<RollingOffRow>,
    pub newly_available: Section<ContractorRow>,
    pub competing_offers: Section<ContractorRow>,
    pub stale: Section<ContractorRow>,
    pub tasks: Section<TaskRow>,
    /// Shortlists with contractors the client has not answered, past the follow-up time.
    pub stale_shortlists: Section<ShortlistRow>,
    /// True when the agency has no contractor records at all (getting started).
    pub agency_is_new: bool,
}

impl Dashboard {
    /// True when every section is empty.
    pub fn is_clear(&self) -> bool {
        self.updates.is_empty()
            && self.consents_waiting.is_empty()
            && self.consents_expired.is_empty()
            && self.interviews.is_empty()
            && self.rolling_off.is_empty()
            && self.newly_available.is_empty()
            && self.competing_offers.is_empty()
            && self.stale.is_empty()
            && self.tasks.is_empty()
            && self.stale_shortlists.is_empty()
    }
}

/// The UTC instant at which local `day` starts in `tz` (the first existing local time).
pub fn day_start(tz: Tz, day: NaiveDate) -> NaiveDateTime {
    let mut local = day.and_hms_opt(0, 0, 0).expect("midnight");
    for _ in 0..48 {
        if let Some(at) = tz.from_local_datetime(&local).earliest() {
            return at.naive_utc();
        }
        local += TimeDelta::minutes(30);
    }
    local
}

/// Loads the whole dashboard for `view` as of `now`, in the viewer's zone `tz`: three statements
/// (the overdue updates' count and first rows, then every other section in one), four for a
/// dashboard with nothing on it (is the agency new?).
pub fn load(
    conn: &mut DbConnection,
    scope: AgencyScope,
    view: View,
    tz: Tz,
    now: NaiveDateTime,
) -> Result<Dashboard, AppError> {
    let today = now.and_utc().with_timezone(&tz).date_naive();
    let owner = view.owner();
    let updates = updates(conn, scope, owner, today)?;
    let mut board = sections(conn, scope, owner, tz, today, now, updates)?;
    if board.is_clear() {
        board.agency_is_new = !diesel::select(exists(
            agency_contractors::table.filter(agency_contractors::agency_id.eq(scope.agency_id())),
        ))
        .get_result::<bool>(conn)?;
    }
    Ok(board)
}

// ---------------------------------------------------------------------------------------------
// The read model.

impl View {
    fn is_team(self) -> bool {
        matches!(self, Self::Team)
    }
}

/// The version of the data a view's dashboard shows: the owner's count of changes, or, for the
/// whole team, the sum over the agency (versions only grow, so an equal sum means no change).
fn current_version(conn: &mut DbConnection, scope: AgencyScope, view: View) -> Result<i64, AppError> {
    let agency = dashboard_versions::table.filter(dashboard_versions::agency_id.eq(scope.agency_id()));
    Ok(match view {
        View::Mine(owner) => agency
            .filter(dashboard_versions::owner_id.eq(owner))
            .select(dashboard_versions::version)
            .first::<i64>(conn)
            .optional()?
            .unwrap_or(0),
        // One row per owner in the agency (its staff, and 0): summed here, where both
        // databases give the same integer type.
        View::Team => agency.select(dashboard_versions::version).load::<i64>(conn)?.iter().sum(),
    })
}

/// The dashboard kept for `user` in `view`, if it still holds: computed from the current
/// version, in the same zone, and not past its validity.
pub fn kept(
    conn: &mut DbConnection,
    scope: AgencyScope,
    user: i64,
    view: View,
    tz: Tz,
    now: NaiveDateTime,
) -> Result<Option<Dashboard>, AppError> {
    let version = current_version(conn, scope, view)?;
    let row: Option<(i64, i64, String, NaiveDateTime, String)> = dashboards::table
        .find((user, view.is_team()))
        .select((
            dashboards::agency_id,
            dashboards::version,
            dashboards::time_zone,
            dashboards::valid_until,
            dashboards::body,
        ))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(agency, kept_version, zone, valid_until, body)| {
        let holds = agency == scope.agency_id() && kept_version == version && zone == tz.name() && now < valid_until;
        holds.then(|| serde_json::from_str(&body).ok()).flatten()
    }))
}

/// Until when a dashboard computed at `now` holds, if nothing it shows changes: the viewer's next
/// local midnight (every day-based rule), the expiry of the first consent request waiting, and
/// [`MAX_AGE_MINUTES`] at most.
fn valid_until(board: &Dashboard, tz: Tz, today: NaiveDate, now: NaiveDateTime) -> NaiveDateTime {
    let mut until = day_start(tz, today + TimeDelta::days(1)).min(now + TimeDelta::minutes(MAX_AGE_MINUTES));
    if let Some(first) = board.consents_waiting.rows.first() {
        until = until.min(first.expires_at);
    }
    until
}

/// The dashboard `user` sees in `view`: the kept one while it holds, else computed from the base
/// tables and kept (best effort: a database too busy to store it does not hold up the page).
pub fn show(
    conn: &mut DbConnection,
    scope: AgencyScope,
    user: i64,
    view: View,
    tz: Tz,
    now: NaiveDateTime,
) -> Result<Dashboard, AppError> {
    if let Some(board) = kept(conn, scope, user, view, tz, now)? {
        return Ok(board);
    }
    refresh(conn, scope, user, view, tz, now)
}

/// Computes `user`'s dashboard in `view` from the base tables and keeps it. The version is read
/// before the data: a change made while it is computed leaves it behind, to be computed again.
pub fn refresh(
    conn: &mut DbConnection,
    scope: AgencyScope,
    user: i64,
    view: View,
    tz: Tz,
    now: NaiveDateTime,
) -> Result<Dashboard, AppError> {
    let version = current_version(conn, scope, view)?;
    let board = load(conn, scope, view, tz, now)?;
    let today = now.and_utc().with_timezone(&tz).date_naive();
    let kept = Kept {
        user,
        team: view.is_team(),
        agency: scope.agency_id(),
        version,
        tz: tz.name(),
        now,
        valid_until: valid_until(&board, tz, today, now),
        body: serde_json::to_string(&board).map_err(AppError::internal)?,
    };
    if let Err(e) = store(conn, &kept) {
        tracing::debug!(error = %e, "the dashboard was not kept");
    }
    Ok(board)
}

/// A computed dashboard, as kept.
struct Kept<'a> {
    user: i64,
    team: bool,
    agency: i64,
    version: i64,
    tz: &'a str,
    now: NaiveDateTime,
    valid_until: NaiveDateTime,
    body: String,
}

/// Writes a computed dashboard over the one kept. On SQLite it waits a moment at most for the
/// write lock (a page read must not queue behind writers for the sake of a cache).
fn store(conn: &mut DbConnection, kept: &Kept<'_>) -> Result<(), AppError> {
    let short_wait = crate::db::short_busy_wait(conn)?;
    let written = (|| -> Result<(), AppError> {
        let row = (
            dashboards::agency_id.eq(kept.agency),
            dashboards::version.eq(kept.version),
            dashboards::time_zone.eq(kept.tz),
            dashboards::computed_at.eq(kept.now),
            dashboards::valid_until.eq(kept.valid_until),
            dashboards::body.eq(&kept.body),
        );
        // One statement either way (diesel's upsert is per backend: match on the connection).
        let insert = diesel::insert_into(dashboards::table).values((
            dashboards::user_id.eq(kept.user),
            dashboards::team.eq(kept.team),
            row,
        ));
        match conn {
            DbConnection::Sqlite(c) => {
                insert.on_conflict((dashboards::user_id, dashboards::team)).do_update().set(row).execute(c)?
            }
            DbConnection::Postgresql(c) => {
                insert.on_conflict((dashboards::user_id, dashboards::team)).do_update().set(row).execute(c)?
            }
        };
        Ok(())
    })();
    short_wait.restore(conn)?;
    written
}

/// Whose dashboard a staff member sees, in which view and zone: their agency's scope, their own
/// view (or the team's, for an admin who asks), their time zone. `None` for anyone else (a
/// contractor, a disabled or unknown user, a recruiter asking for the team). For the sweep, the
/// rebuild command and tests, which start from a user rather than a session.
pub fn viewer(conn: &mut DbConnection, user: i64, team: bool) -> Result<Option<(AgencyScope, View, Tz)>, AppError> {
    use crate::db::schema::users;
    let row: Option<(Option<i64>, Option<String>, String)> = users::table
        .find(user)
        .filter(users::kind.eq(crate::models::user::KIND_STAFF))
        .filter(users::disabled_at.is_null())
        .select((users::agency_id, users::role, users::time_zone))
        .first(conn)
        .optional()?;
    let Some((Some(agency), role, zone)) = row else { return Ok(None) };
    if team && role.as_deref() != Some("admin") {
        return Ok(None);
    }
    let view = if team { View::Team } else { View::Mine(user) };
    Ok(Some((AgencyScope::of(agency), view, zone.parse().unwrap_or(Tz::UTC))))
}

/// Computes again the dashboards of the staff seen since `since` that no longer hold (a change,
/// a midnight, their age), so that their next page is read as kept; the team view only for
/// admins who use it. Returns how many were computed.
pub fn refresh_active(conn: &mut DbConnection, since: NaiveDateTime, now: NaiveDateTime) -> Result<usize, AppError> {
    use crate::db::schema::sessions;
    let active: Vec<Option<i64>> = sessions::table
        .filter(sessions::user_id.is_not_null())
        .filter(sessions::last_seen_at.gt(since))
        .select(sessions::user_id)
        .distinct()
        .load(conn)?;
    let teams: Vec<i64> = dashboards::table.filter(dashboards::team.eq(true)).select(dashboards::user_id).load(conn)?;
    let mut computed = 0;
    for user in active.into_iter().flatten() {
        for team in [false, true] {
            if team && !teams.contains(&user) {
                continue;
            }
            let Some((scope, view, tz)) = viewer(conn, user, team)? else { continue };
            if kept(conn, scope, user, view, tz, now)?.is_none() {
                refresh(conn, scope, user, view, tz, now)?;
                computed += 1;
            }
        }
    }
    Ok(computed)
}

/// Computes and keeps every staff member's own dashboard, and the team view for admins (the
/// `rebuild-dashboards` command, and after a bulk load). Returns how many were kept.
pub fn rebuild_all(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, AppError> {
    use crate::db::schema::users;
    diesel::delete(dashboards::table).execute(conn)?;
    let staff: Vec<i64> =
        users::table.filter(users::kind.eq(crate::models::user::KIND_STAFF)).select(users::id).load(conn)?;
    let mut kept = 0;
    for user in staff {
        for team in [false, true] {
            if let Some((scope, view, tz)) = viewer(conn, user, team)? {
                refresh(conn, scope, user, view, tz, now)?;
                kept += 1;
            }
        }
    }
    Ok(kept)
}

/// Open submissions whose next update is due by `today`, most overdue first (the same rule as
/// My tasks: [`submission::updates_due_with_count`]).
pub fn updates(
    conn: &mut DbConnection,
    scope: AgencyScope,
    owner: Option<i64>,
    today: NaiveDate,
) -> Result<Section<UpdateRow>, AppError> {
    let (count, due) = submission::updates_due_with_count(conn, scope, owner, today, TOP)?;
    let rows = due
        .into_iter()
        .map(|due| UpdateRow {
            submission_id: due.id,
            contractor_name: due.contractor_name,
            job_title: due.job_title,
            stage_name: due.stage_name,
            days_late: (today - due.due).num_days(),
            due: due.due,
        })
        .collect();
    Ok(Section { count, rows })
}

/// One row of the sections statement: which section, how many the section has in all, and the
/// columns the sections share (each section uses some).
#[derive(QueryableByName)]
struct Card {
    #[diesel(sql_type = Text)]
    section: String,
    #[diesel(sql_type = BigInt)]
    total: i64,
    /// Interviews: how many are today.
    #[diesel(sql_type = BigInt)]
    extra: i64,
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    link_id: Option<i64>,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<Text>)]
    title: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    label: Option<String>,
    #[diesel(sql_type = Nullable<Date>)]
    day: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    day2: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    at: Option<NaiveDateTime>,
}

/// Writes SQL text, binding its values.
type Writer<'a> = &'a dyn Fn(&mut Sql);

/// One section as a subquery of the union: `SELECT <section>, <count>, <extra>, <position>,
/// <columns> FROM … WHERE … ORDER BY <order> LIMIT TOP`.
struct Part<'a> {
    section: &'static str,
    /// `id, link_id, name, title, label, day, day2, at`.
    columns: &'static str,
    /// Writes `FROM … WHERE …`.
    from_where: Writer<'a>,
    order: &'static str,
    /// Writes sort keys that come before `order`, when the section has some.
    order_first: Option<Writer<'a>>,
    /// Writes the `extra` column, when the section has one.
    extra: Option<Writer<'a>>,
}

fn part<'a>(section: &'static str, columns: &'static str, from_where: Writer<'a>, order: &'static str) -> Part<'a> {
    Part { section, columns, from_where, order, order_first: None, extra: None }
}

impl Part<'_> {
    fn push_order(&self, sql: &mut Sql) {
        if let Some(first) = self.order_first {
            first(sql);
            sql.push(", ");
        }
        sql.push(self.order);
    }

    fn push(&self, sql: &mut Sql) {
        sql.push("SELECT * FROM (SELECT '").push(self.section).push("' AS section, COUNT(*) OVER () AS total, ");
        match self.extra {
            Some(extra) => extra(sql),
            None => {
                sql.push("CAST(0 AS BIGINT)");
            }
        }
        sql.push(" AS extra, ").push(self.columns);
        (self.from_where)(sql);
        sql.push(" ORDER BY ");
        self.push_order(sql);
        sql.push(" LIMIT ").bind(Bind::Int(TOP)).push(") AS ").push(self.section);
    }
}

/// Writes ` AND <column> = owner` in the viewer's own view.
fn owned(sql: &mut Sql, column: &'static str, owner: Option<i64>) {
    if let Some(owner) = owner {
        sql.push(" AND ").push(column).push(" = ").bind(Bind::Int(owner));
    }
}

/// The columns of a section of contractor records: theirs, then `label, day, day2, at`.
macro_rules! record_columns {
    ($rest:literal) => {
        concat!("ac.id AS id, CAST(NULL AS BIGINT) AS link_id, ac.name AS name, CAST(NULL AS TEXT) AS title, ", $rest)
    };
}

/// Every section but the overdue updates, in one statement: each section a subquery with its own
/// count, order and limit, joined by UNION ALL.
#[allow(clippy::too_many_lines)]
fn sections(
    conn: &mut DbConnection,
    scope: AgencyScope,
    owner: Option<i64>,
    tz: Tz,
    today: NaiveDate,
    now: NaiveDateTime,
    updates: Section<UpdateRow>,
) -> Result<Dashboard, AppError> {
    let agency = scope.agency_id();
    let monday = today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()));
    let (today_from, today_to) = (day_start(tz, today), day_start(tz, today + TimeDelta::days(1)));
    let (week_from, week_to) = (day_start(tz, monday), day_start(tz, monday + TimeDelta::days(7)));
    let until = today + TimeDelta::days(ENDING_SOON_DAYS);
    let since = today - TimeDelta::days(AVAILABLE_DAYS);
    // The contractors of the agency's open submissions (the viewer's, in their own view).
    let in_open_submissions = |sql: &mut Sql, owner: Option<i64>| {
        sql.push("SELECT s.contractor_id FROM submissions s WHERE s.agency_id = ")
            .bind(Bind::Int(agency))
            .push(" AND s.closed_at IS NULL");
        owned(sql, "s.owner_id", owner);
    };
    let live_record = |sql: &mut Sql| {
        sql.push(" FROM agency_contractors ac WHERE ac.agency_id = ").bind(Bind::Int(agency));
        sql.push(" AND ac.archived_at IS NULL");
    };
    // In the viewer's own view, sections about submissions start from the viewer's submissions
    // (a few thousand at most) and look the rest up by submission; SQLite joins in the order
    // written after CROSS JOIN, PostgreSQL plans it from its statistics either way.
    let consent_from = |sql: &mut Sql| {
        match owner {
            Some(owner) => sql
                .push(
                    " FROM submissions s CROSS JOIN consents co \
                     JOIN agency_contractors ac ON ac.id = co.contractor_id WHERE s.agency_id = ",
                )
                .bind(Bind::Int(agency))
                .push(" AND s.owner_id = ")
                .bind(Bind::Int(owner))
                .push(" AND co.submission_id = s.id"),
            None => sql
                .push(
                    " FROM consents co JOIN submissions s ON s.id = co.submission_id \
                     JOIN agency_contractors ac ON ac.id = co.contractor_id WHERE co.agency_id = ",
                )
                .bind(Bind::Int(agency)),
        };
        sql.push(" AND s.closed_at IS NULL");
    };
    let consent_columns = "co.submission_id AS id, CAST(NULL AS BIGINT) AS link_id, ac.name AS name, \
                           co.job_title AS title, CAST(NULL AS TEXT) AS label, CAST(NULL AS DATE) AS day, \
                           CAST(NULL AS DATE) AS day2, co.expires_at AS at";
    let waiting = |sql: &mut Sql| {
        consent_from(sql);
        sql.push(" AND co.status = 'pending' AND co.expires_at > ").bind(Bind::Timestamp(now));
    };
    let expired = |sql: &mut Sql| {
        consent_from(sql);
        sql.push(" AND (co.status = 'expired' OR (co.status = 'pending' AND co.expires_at <= ")
            .bind(Bind::Timestamp(now))
            .push(")) AND co.requested_at >= ")
            .bind(Bind::Timestamp(day_start(tz, today - TimeDelta::days(EXPIRED_CONSENT_DAYS))))
            .push(
                " AND NOT EXISTS (SELECT 1 FROM consents newer \
                 WHERE newer.submission_id = co.submission_id AND newer.id > co.id)",
            );
    };
    let interviews = |sql: &mut Sql| {
        match owner {
            Some(owner) => sql
                .push(
                    " FROM submissions s CROSS JOIN interviews i CROSS JOIN agency_contractors ac \
                     CROSS JOIN jobs j WHERE s.agency_id = ",
                )
                .bind(Bind::Int(agency))
                .push(" AND s.owner_id = ")
                .bind(Bind::Int(owner))
                .push(" AND i.submission_id = s.id AND ac.id = s.contractor_id AND j.id = s.job_id"),
            None => sql
                .push(
                    " FROM interviews i JOIN submissions s ON s.id = i.submission_id \
                     JOIN agency_contractors ac ON ac.id = s.contractor_id JOIN jobs j ON j.id = s.job_id \
                     WHERE i.agency_id = ",
                )
                .bind(Bind::Int(agency)),
        };
        sql.push(" AND i.outcome = 'scheduled' AND i.starts_at >= ")
            .bind(Bind::Timestamp(week_from))
            .push(" AND i.starts_at < ")
            .bind(Bind::Timestamp(week_to));
    };
    // This week's count includes the days gone; the rows start today.
    let from_today_first = |sql: &mut Sql| {
        sql.push("CASE WHEN i.starts_at >= ").bind(Bind::Timestamp(today_from)).push(" THEN 0 ELSE 1 END");
    };
    let interviews_today = |sql: &mut Sql| {
        sql.push("SUM(CASE WHEN i.starts_at >= ")
            .bind(Bind::Timestamp(today_from))
            .push(" AND i.starts_at < ")
            .bind(Bind::Timestamp(today_to))
            .push(" THEN 1 ELSE 0 END) OVER ()");
    };
    let placed = |sql: &mut Sql| {
        sql.push(
            " FROM placements p JOIN submissions s ON s.id = p.submission_id \
             JOIN agency_contractors ac ON ac.id = p.contractor_id WHERE p.agency_id = ",
        )
        .bind(Bind::Int(agency))
        .push(" AND p.status = 'active' AND p.end_date <= ")
        .bind(Bind::Date(until));
        owned(sql, "s.owner_id", owner);
    };
    // A record's `available_on` is its contract's end when on contract, its start date when
    // available from a date, and the first day of the calendar when available now: the
    // redundant ranges on it below let the (agency, available_on) index find the rows.
    let on_contract = |sql: &mut Sql| {
        live_record(sql);
        sql.push(" AND ac.available_on >= ")
            .bind(Bind::Date(today))
            .push(" AND ac.available_on <= ")
            .bind(Bind::Date(until));
        sql.push(" AND ac.availability = 'on_contract' AND ac.contract_ends_on >= ")
            .bind(Bind::Date(today))
            .push(" AND ac.contract_ends_on <= ")
            .bind(Bind::Date(until))
            .push(" AND NOT EXISTS (SELECT 1 FROM placements p WHERE p.contractor_id = ac.id AND p.status = 'active')");
        owned(sql, "ac.owner_id", owner);
    };
    // Two index ranges on `available_on` (a start or a contract's end in the last week; "available
    // now", whose date is the calendar's first day), each a plain range the (agency, owner,
    // available_on) and (agency, available_on) indexes serve, joined into one derived table.
    let newly_available = |sql: &mut Sql| {
        let records = |sql: &mut Sql| {
            sql.push("SELECT * FROM agency_contractors x WHERE x.agency_id = ")
                .bind(Bind::Int(agency))
                .push(" AND x.archived_at IS NULL");
            owned(sql, "x.owner_id", owner);
        };
        sql.push(" FROM (");
        records(sql);
        sql.push(" AND x.available_on >= ")
            .bind(Bind::Date(since))
            .push(" AND x.available_on <= ")
            .bind(Bind::Date(today))
            .push(" AND ((x.availability = 'from_date' AND x.available_from >= ")
            .bind(Bind::Date(since))
            .push(" AND x.available_from <= ")
            .bind(Bind::Date(today))
            .push(") OR (x.availability = 'on_contract' AND x.contract_ends_on >= ")
            .bind(Bind::Date(since))
            .push(" AND x.contract_ends_on < ")
            .bind(Bind::Date(today))
            .push(")) UNION ALL ");
        records(sql);
        sql.push(" AND x.available_on = ")
            .bind(Bind::Date(available_now_date()))
            .push(" AND x.availability = 'now' AND x.availability_confirmed_at >= ")
            .bind(Bind::Timestamp(day_start(tz, today - TimeDelta::days(AVAILABLE_DAYS))))
            .push(") ac");
    };
    let competing = |sql: &mut Sql| {
        live_record(sql);
        sql.push(" AND ac.competing_offer_until >= ").bind(Bind::Date(today));
        if let Some(owner) = owner {
            sql.push(" AND (ac.owner_id = ").bind(Bind::Int(owner)).push(" OR ac.id IN (");
            in_open_submissions(sql, Some(owner));
            sql.push("))");
        }
    };
    // From the open submissions (the viewer's, in their own view) to their contractors, not from
    // every record; one row per contractor.
    let stale = |sql: &mut Sql| {
        sql.push(" FROM submissions s CROSS JOIN agency_contractors ac WHERE s.agency_id = ")
            .bind(Bind::Int(agency))
            .push(" AND s.closed_at IS NULL");
        owned(sql, "s.owner_id", owner);
        sql.push(" AND ac.id = s.contractor_id AND ac.archived_at IS NULL")
            .push(" AND (ac.availability_confirmed_at IS NULL OR ac.availability_confirmed_at < ")
            .bind(Bind::Timestamp(day_start(tz, today - TimeDelta::days(STALE_DAYS))))
            .push(") GROUP BY ac.id");
    };
    let tasks = |sql: &mut Sql| {
        sql.push(" FROM tasks t JOIN users u ON u.id = t.assignee_id WHERE t.agency_id = ")
            .bind(Bind::Int(agency))
            .push(" AND t.done_at IS NULL AND t.due_on <= ")
            .bind(Bind::Date(today));
        owned(sql, "t.assignee_id", owner);
    };
    // Sent, not revoked, past the follow-up date, with a contractor still open and unanswered.
    let stale_shortlists = |sql: &mut Sql| {
        sql.push(
            " FROM shortlists sl JOIN jobs j ON j.id = sl.job_id JOIN clients c ON c.id = j.client_id \
             WHERE sl.agency_id = ",
        )
        .bind(Bind::Int(agency))
        .push(" AND sl.revoked_at IS NULL AND sl.follow_up_due < ")
        .bind(Bind::Date(today));
        owned(sql, "sl.created_by", owner);
        sql.push(
            " AND EXISTS (SELECT 1 FROM shortlist_entries e JOIN submissions s ON s.id = e.submission_id \
             WHERE e.shortlist_id = sl.id AND e.answered_at IS NULL AND s.closed_at IS NULL)",
        );
    };
    let parts = [
        part(
            "shortlists",
            "sl.id AS id, j.id AS link_id, j.title AS name, c.name AS title, CAST(NULL AS TEXT) AS label, \
             sl.follow_up_due AS day, CAST(NULL AS DATE) AS day2, sl.sent_at AS at",
            &stale_shortlists,
            "sl.follow_up_due ASC, sl.id ASC",
        ),
        part("waiting", consent_columns, &waiting, "co.expires_at ASC, co.id ASC"),
        part("expired", consent_columns, &expired, "co.expires_at DESC, co.id DESC"),
        Part {
            order_first: Some(&from_today_first),
            extra: Some(&interviews_today),
            ..part(
                "interviews",
                "s.id AS id, CAST(NULL AS BIGINT) AS link_id, ac.name AS name, j.title AS title, \
                 CAST(NULL AS TEXT) AS label, CAST(NULL AS DATE) AS day, CAST(NULL AS DATE) AS day2, i.starts_at AS at",
                &interviews,
                "i.starts_at ASC, i.id ASC",
            )
        },
        part(
            "placed",
            "ac.id AS id, p.id AS link_id, ac.name AS name, CAST(NULL AS TEXT) AS title, \
             ac.extension_likelihood AS label, p.end_date AS day, CAST(NULL AS DATE) AS day2, \
             CAST(NULL AS TIMESTAMP) AS at",
            &placed,
            "p.end_date ASC, p.id ASC",
        ),
        part(
            "on_contract",
            record_columns!(
                "ac.extension_likelihood AS label, ac.contract_ends_on AS day, CAST(NULL AS DATE) AS day2, \
                 CAST(NULL AS TIMESTAMP) AS at"
            ),
            &on_contract,
            "ac.contract_ends_on ASC, ac.id ASC",
        ),
        part(
            "available",
            record_columns!(
                "ac.availability AS label, ac.available_from AS day, ac.contract_ends_on AS day2, \
                 CAST(NULL AS TIMESTAMP) AS at"
            ),
            &newly_available,
            "ac.updated_at DESC, ac.id DESC",
        ),
        part(
            "competing",
            record_columns!(
                "CAST(NULL AS TEXT) AS label, ac.competing_offer_until AS day, CAST(NULL AS DATE) AS day2, \
                 CAST(NULL AS TIMESTAMP) AS at"
            ),
            &competing,
            "ac.competing_offer_until ASC, ac.id ASC",
        ),
        part(
            "stale",
            record_columns!(
                "CAST(NULL AS TEXT) AS label, CAST(NULL AS DATE) AS day, CAST(NULL AS DATE) AS day2, \
                 ac.availability_confirmed_at AS at"
            ),
            &stale,
            "CASE WHEN ac.availability_confirmed_at IS NULL THEN 0 ELSE 1 END, ac.availability_confirmed_at ASC, ac.id ASC",
        ),
        part(
            "tasks",
            "t.id AS id, CAST(NULL AS BIGINT) AS link_id, t.title AS name, u.name AS title, CAST(NULL AS TEXT) AS label, \
             t.due_on AS day, CAST(NULL AS DATE) AS day2, CAST(NULL AS TIMESTAMP) AS at",
            &tasks,
            "t.due_on ASC, t.id ASC",
        ),
    ];
    let mut sql = Sql::for_connection(conn);
    for (n, part) in parts.iter().enumerate() {
        if n > 0 {
            sql.push(" UNION ALL ");
        }
        part.push(&mut sql);
    }
    // UNION ALL hands each section's rows on in its own order (SQLite and PostgreSQL append the
    // parts as they come; a ROW_NUMBER() to say so made SQLite walk whole indexes in that order).
    let cards: Vec<Card> = sql.load(conn)?;
    Ok(assemble(cards, updates, tz, today, today_from))
}

fn extension_text(stored: Option<&str>) -> &'static str {
    stored.and_then(|s| EXTENSION.iter().find(|(k, _)| *k == s)).map_or("Extension unknown", |(_, shown)| shown)
}

/// Sorts the statement's rows into the dashboard's sections.
fn assemble(
    cards: Vec<Card>,
    updates: Section<UpdateRow>,
    tz: Tz,
    today: NaiveDate,
    today_from: NaiveDateTime,
) -> Dashboard {
    fn section<T>(cards: &[Card], name: &str, row: impl Fn(&Card) -> Option<T>) -> Section<T> {
        let mine = cards.iter().filter(|c| c.section == name);
        let count = cards.iter().find(|c| c.section == name).map_or(0, |c| c.total);
        Section { count, rows: mine.filter_map(row).collect() }
    }
    let consent = |c: &Card| {
        Some(ConsentRow {
            submission_id: c.id,
            contractor_name: c.name.clone(),
            job_title: c.title.clone().unwrap_or_default(),
            expires_at: c.at?,
        })
    };
    let interviews = section(&cards, "interviews", |c| {
        let starts_at = c.at.filter(|at| *at >= today_from)?;
        let local = starts_at.and_utc().with_timezone(&tz);
        let is_today = local.date_naive() == today;
        let when = if is_today {
            local.format("today %H:%M").to_string()
        } else {
            local.format("%a %-d %b %H:%M").to_string()
        };
        Some(InterviewRow {
            submission_id: c.id,
            contractor_name: c.name.clone(),
            job_title: c.title.clone().unwrap_or_default(),
            when,
            is_today,
        })
    });
    let interviews_today = cards.iter().find(|c| c.section == "interviews").map_or(0, |c| c.extra);
    let rolling = |c: &Card| {
        Some(RollingOffRow {
            contractor_id: c.id,
            contractor_name: c.name.clone(),
            placement_id: c.link_id,
            ends_on: c.day?,
            extension: extension_text(c.label.as_deref()).to_string(),
        })
    };
    let placed = section(&cards, "placed", rolling);
    let on_contract = section(&cards, "on_contract", rolling);
    let mut rolling_rows: Vec<RollingOffRow> = placed.rows.into_iter().chain(on_contract.rows).collect();
    rolling_rows.sort_by_key(|r| (r.ends_on, r.contractor_id));
    rolling_rows.truncate(TOP as usize);
    let contractor =
        |c: &Card, note: String| ContractorRow { contractor_id: c.id, contractor_name: c.name.clone(), note };
    Dashboard {
        updates,
        consents_waiting: section(&cards, "waiting", consent),
        consents_expired: section(&cards, "expired", consent),
        interviews_today,
        interviews,
        rolling_off: Section { count: placed.count + on_contract.count, rows: rolling_rows },
        newly_available: section(&cards, "available", |c| {
            let note = match (c.label.as_deref(), c.day, c.day2) {
                (Some("from_date"), Some(d), _) => format!("available since {}", d.format("%-d %b")),
                (Some("on_contract"), _, Some(d)) => format!("contract ended {}", d.format("%-d %b")),
                _ => "available now".to_string(),
            };
            Some(contractor(c, note))
        }),
        competing_offers: section(&cards, "competing", |c| {
            let note = match c.day {
                Some(d) if d == today => "decision today".to_string(),
                Some(d) => format!("decision by {}", d.format("%a %-d %b")),
                None => String::new(),
            };
            Some(contractor(c, note))
        }),
        stale: section(&cards, "stale", |c| {
            let note = match c.at {
                // Calendar days in the viewer's zone, so that the note changes at midnight.
                Some(at) => {
                    let on = at.and_utc().with_timezone(&tz).date_naive();
                    format!("confirmed {} days ago", (today - on).num_days())
                }
                None => "never confirmed".to_string(),
            };
            Some(contractor(c, note))
        }),
        tasks: section(&cards, "tasks", |c| {
            let due_on = c.day?;
            Some(TaskRow {
                id: c.id,
                title: c.name.clone(),
                due_on,
                assignee_name: c.title.clone().unwrap_or_default(),
                overdue: due_on < today,
            })
        }),
        stale_shortlists: section(&cards, "shortlists", |c| {
            Some(ShortlistRow {
                shortlist_id: c.id,
                job_title: c.name.clone(),
                client_name: c.title.clone().unwrap_or_default(),
                due: c.day?,
            })
        }),
        agency_is_new: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_starts_at_local_midnight_in_utc() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let auckland: Tz = "Pacific/Auckland".parse().unwrap();
        assert_eq!(
            day_start(auckland, day),
            NaiveDate::from_ymd_opt(2026, 11, 25).unwrap().and_hms_opt(11, 0, 0).unwrap()
        );
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        assert_eq!(day_start(la, day), day.and_hms_opt(8, 0, 0).unwrap());
    }
}
