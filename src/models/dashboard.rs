//! The recruiter's dashboard (`/`): what they owe whom today, most urgent first. Each section is
//! a count plus its top rows, each from one joined query, so the page runs the same number of
//! statements however much data the agency has.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, TimeZone};
use chrono_tz::Tz;
use diesel::dsl::{exists, not};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{agency_contractors, consents, interviews, jobs, placements, submissions, tasks, users};
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::contractor::EXTENSION;
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

diesel::alias!(consents as newer_consents: NewerConsents);

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
#[derive(Clone, Debug)]
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
#[derive(Clone, Debug)]
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
#[derive(Clone, Debug)]
pub struct ConsentRow {
    pub submission_id: i64,
    pub contractor_name: String,
    pub job_title: String,
    pub expires_at: NaiveDateTime,
}

/// A scheduled interview.
#[derive(Clone, Debug)]
pub struct InterviewRow {
    pub submission_id: i64,
    pub contractor_name: String,
    pub job_title: String,
    /// Local to the viewer.
    pub when: String,
    pub is_today: bool,
}

/// A contractor whose contract ends within six weeks.
#[derive(Clone, Debug)]
pub struct RollingOffRow {
    pub contractor_id: i64,
    pub contractor_name: String,
    /// The placement, when the agency placed them.
    pub placement_id: Option<i64>,
    pub ends_on: NaiveDate,
    pub extension: &'static str,
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
#[derive(Clone, Debug)]
pub struct ContractorRow {
    pub contractor_id: i64,
    pub contractor_name: String,
    pub note: String,
}

/// An open task due by today.
#[derive(Clone, Debug)]
pub struct TaskRow {
    pub id: i64,
    pub title: String,
    pub due_on: NaiveDate,
    pub assignee_name: String,
    pub overdue: bool,
}

/// Everything the dashboard shows.
#[derive(Clone, Debug)]
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

/// Loads the whole dashboard for `view` as of `now`, in the viewer's zone `tz`.
pub fn load(
    conn: &mut DbConnection,
    scope: AgencyScope,
    view: View,
    tz: Tz,
    now: NaiveDateTime,
) -> Result<Dashboard, AppError> {
    let today = now.and_utc().with_timezone(&tz).date_naive();
    let owner = view.owner();
    let (consents_waiting, consents_expired) = consent_sections(conn, scope, owner, now)?;
    let (interviews_today, interviews) = interview_section(conn, scope, owner, tz, today)?;
    let agency_is_new =
        !diesel::select(exists(agency_contractors::table.filter(agency_contractors::agency_id.eq(scope.agency_id()))))
            .get_result::<bool>(conn)?;
    Ok(Dashboard {
        updates: updates(conn, scope, owner, today)?,
        consents_waiting,
        consents_expired,
        interviews_today,
        interviews,
        rolling_off: rolling_off(conn, scope, owner, today)?,
        newly_available: newly_available(conn, scope, owner, today, now)?,
        competing_offers: competing_offers(conn, scope, owner, today)?,
        stale: stale_availability(conn, scope, owner, now)?,
        tasks: tasks_due(conn, scope, owner, today)?,
        agency_is_new,
    })
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

/// Consent requests waiting on the contractor (soonest expiry first), and those that expired
/// unanswered among the ones asked in the last 14 days with no newer request since.
pub fn consent_sections(
    conn: &mut DbConnection,
    scope: AgencyScope,
    owner: Option<i64>,
    now: NaiveDateTime,
) -> Result<(Section<ConsentRow>, Section<ConsentRow>), AppError> {
    let base = || {
        let mut query = consents::table
            .inner_join(submissions::table)
            .inner_join(agency_contractors::table.on(agency_contractors::id.eq(consents::contractor_id)))
            .filter(consents::agency_id.eq(scope.agency_id()))
            .filter(submissions::closed_at.is_null())
            .into_boxed();
        if let Some(owner) = owner {
            query = query.filter(submissions::owner_id.eq(owner));
        }
        query
    };
    let waiting = || base().filter(consents::status.eq("pending")).filter(consents::expires_at.gt(now));
    let expired = || {
        base()
            .filter(consents::status.eq("expired").or(consents::status.eq("pending").and(consents::expires_at.le(now))))
            .filter(consents::requested_at.ge(now - TimeDelta::days(EXPIRED_CONSENT_DAYS)))
            .filter(not(exists(
                newer_consents
                    .filter(newer_consents.field(consents::submission_id).eq(consents::submission_id))
                    .filter(newer_consents.field(consents::id).gt(consents::id)),
            )))
    };
    type Row = (i64, String, String, NaiveDateTime);
    let columns = (consents::submission_id, agency_contractors::name, consents::job_title, consents::expires_at);
    let to_row = |(submission_id, contractor_name, job_title, expires_at): Row| ConsentRow {
        submission_id,
        contractor_name,
        job_title,
        expires_at,
    };
    let waiting_count = waiting().count().get_result(conn)?;
    let waiting_rows: Vec<Row> =
        waiting().order((consents::expires_at.asc(), consents::id.asc())).limit(TOP).select(columns).load(conn)?;
    let expired_count = expired().count().get_result(conn)?;
    let expired_rows: Vec<Row> =
        expired().order((consents::expires_at.desc(), consents::id.desc())).limit(TOP).select(columns).load(conn)?;
    Ok((
        Section { count: waiting_count, rows: waiting_rows.into_iter().map(to_row).collect() },
        Section { count: expired_count, rows: expired_rows.into_iter().map(to_row).collect() },
    ))
}

/// Scheduled interviews this week (Monday to Sunday in the viewer's zone), soonest first, and
/// how many of them are today.
pub fn interview_section(
    conn: &mut DbConnection,
    scope: AgencyScope,
    owner: Option<i64>,
    tz: Tz,
    today: NaiveDate,
) -> Result<(i64, Section<InterviewRow>), AppError> {
    let monday = today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()));
    let (today_from, today_to) = (day_start(tz, today), day_start(tz, today + TimeDelta::days(1)));
    let (week_from, week_to) = (day_start(tz, monday), day_start(tz, monday + TimeDelta::days(7)));
    let base = |from: NaiveDateTime, to: NaiveDateTime| {
        let mut query = interviews::table
            .inner_join(submissions::table.inner_join(agency_contractors::table).inner_join(jobs::table))
            .filter(interviews::agency_id.eq(scope.agency_id()))
            .filter(interviews::outcome.eq("scheduled"))
            .filter(interviews::starts_at.ge(from))
            .filter(interviews::starts_at.lt(to))
            .into_boxed();
        if let Some(owner) = owner {
            query = query.filter(submissions::owner_id.eq(owner));
        }
        query
    };
    let today_count = base(today_from, today_to).count().get_result(conn)?;
    let week_count = base(week_from, week_to).count().get_result(conn)?;
    // Today's first, then the rest of the week still ahead.
    let rows: Vec<(i64, String, String, NaiveDateTime)> = base(today_from, week_to)
        .order((interviews::starts_at.asc(), interviews::id.asc()))
        .limit(TOP)
        .select((submissions::id, agency_contractors::name, jobs::title, interviews::starts_at))
        .load(conn)?;
    let rows = rows
        .into_iter()
        .map(|(submission_id, contractor_name, job_title, starts_at)| {
            let local = starts_at.and_utc().with_timezone(&tz);
            let is_today = local.date_naive() == today;
            let when = if is_today {
                local.format("today %H:%M").to_string()
            } else {
                local.format("%a %-d %b %H:%M").to_string()
            };
            InterviewRow { submission_id, contractor_name, job_title, when, is_today }
        })
        .collect();
    Ok((today_count, Section { count: week_count, rows }))
}

fn extension_text(stored: Option<&str>) -> &'static str {
    stored.and_then(|s| EXTENSION.iter().find(|(k, _)| *k == s)).map_or("Extension unknown", |(_, shown)| shown)
}

/// Contractors rolling off within six weeks (42 days, inclusive): active placements ending by
/// then, and records "on contract until" a date by then whose person has no active placement
/// here (so nobody is listed twice). Soonest first.
pub fn rolling_off(
    conn: &mut DbConnection,
    scope: AgencyScope,
    owner: Option<i64>,
    today: NaiveDate,
) -> Result<Section<RollingOffRow>, AppError> {
    let until = today + TimeDelta::days(ENDING_SOON_DAYS);
    let placed = || {
        let mut query = placements::table
            .inner_join(submissions::table)
            .inner_join(agency_contractors::table.on(agency_contractors::id.eq(placements::contractor_id)))
            .filter(placements::agency_id.eq(scope.agency_id()))
            .filter(placements::status.eq("active"))
            .filter(placements::end_date.le(until))
            .into_boxed();
        if let Some(owner) = owner {
            query = query.filter(submissions::owner_id.eq(owner));
        }
        query
    };
    let own = || {
        let mut query = agency_contractors::table
            .filter(agency_contractors::agency_id.eq(scope.agency_id()))
            .filter(agency_contractors::archived_at.is_null())
            .filter(agency_contractors::availability.eq("on_contract"))
            .filter(agency_contractors::contract_ends_on.ge(today))
            .filter(agency_contractors::contract_ends_on.le(until))
            .filter(not(exists(
                placements::table
                    .filter(placements::contractor_id.eq(agency_contractors::id))
                    .filter(placements::status.eq("active")),
            )))
            .into_boxed();
        if let Some(owner) = owner {
            query = query.filter(agency_contractors::owner_id.eq(owner));
        }
        query
    };
    let placed_count: i64 = placed().count().get_result(conn)?;
    let own_count: i64 = own().count().get_result(conn)?;
    let placed_rows: Vec<(i64, String, i64, NaiveDate, Option<String>)> = placed()
        .order((placements::end_date.asc(), placements::id.asc()))
        .limit(TOP)
        .select((
            agency_contractors::id,
            agency_contractors::name,
            placements::id,
            placements::end_date,
            agency_contractors::extension_likelihood,
        ))
        .load(conn)?;
    let own_rows: Vec<(i64, String, Option<NaiveDate>, Option<String>)> = own()
        .order((agency_contractors::contract_ends_on.asc(), agency_contractors::id.asc()))
        .limit(TOP)
        .select((
            agency_contractors::id,
            agency_contractors::name,
            agency_contractors::contract_ends_on,
            agency_contractors::extension_likelihood,
        ))
        .load(conn)?;
    let mut rows: Vec<RollingOffRow> = placed_rows
        .into_iter()
        .map(|(contractor_id, contractor_name, placement_id, ends_on, extension)| RollingOffRow {
            contractor_id,
            contractor_name,
            placement_id: Some(placement_id),
            ends_on,
            extension: extension_text(extension.as_deref()),
        })
        .chain(own_rows.into_iter().filter_map(|(contractor_id, contractor_name, ends_on, extension)| {
            Some(RollingOffRow {
                contractor_id,
                contractor_name,
                placement_id: None,
                ends_on: ends_on?,
                extension: extension_text(extension.as_deref()),
            })
        }))
        .collect();
    rows.sort_by_key(|r| (r.ends_on, r.contractor_id));
    rows.truncate(TOP as usize);
    Ok(Section { count: placed_count + own_count, rows })
}

/// Contractors who became available in the last 7 days: "available from" a date in
/// [today − 7, today], a contract ("on contract until") that ended in [today − 7, today), or
/// "available now" confirmed within the last 7 days.
pub fn newly_available(
    conn: &mut DbConnection,
    scope: AgencyScope,
    owner: Option<i64>,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<Section<ContractorRow>, AppError> {
    let since = today - TimeDelta::days(AVAILABLE_DAYS);
    let query = || {
        let mut query = agency_contractors::table
            .filter(agency_contractors::agency_id.eq(scope.agency_id()))
            .filter(agency_contractors::archived_at.is_null())
            .filter(
                (agency_contractors::availability
                    .eq("from_date")
                    .and(agency_contractors::available_from.ge(since))
                    .and(agency_contractors::available_from.le(today)))
                .or(agency_contractors::availability
                    .eq("on_contract")
                    .and(agency_contractors::contract_ends_on.ge(since))
                    .and(agency_contractors::contract_ends_on.lt(today)))
                .or(agency_contractors::availability
                    .eq("now")
                    .and(agency_contractors::availability_confirmed_at.ge(now - TimeDelta::days(AVAILABLE_DAYS)))),
            )
            .into_boxed();
        if let Some(owner) = owner {
            query = query.filter(agency_contractors::owner_id.eq(owner));
        }
        query
    };
    let count = query().count().get_result(conn)?;
    type Row = (i64, String, String, Option<NaiveDate>, Option<NaiveDate>);
    let rows: Vec<Row> = query()
        .order((agency_contractors::updated_at.desc(), agency_contractors::id.desc()))
        .limit(TOP)
        .select((
            agency_contractors::id,
            agency_contractors::name,
            agency_contractors::availability,
            agency_contractors::available_from,
            agency_contractors::contract_ends_on,
        ))
        .load(conn)?;
    let rows = rows
        .into_iter()
        .map(|(contractor_id, contractor_name, availability, from, ends)| {
            let note = match (availability.as_str(), from, ends) {
                ("from_date", Some(d), _) => format!("available since {}", d.format("%-d %b")),
                ("on_contract", _, Some(d)) => format!("contract ended {}", d.format("%-d %b")),
                _ => "available now".to_string(),
            };
            ContractorRow { contractor_id, contractor_name, note }
        })
        .collect();
    Ok(Section { count, rows })
}

/// Contractors with an offer or final round elsewhere, decision today or later, soonest first:
/// in the viewer's own view, those they own or have in one of their open submissions.
pub fn competing_offers(
    conn: &mut DbConnection,
    scope: AgencyScope,
    owner: Option<i64>,
    today: NaiveDate,
) -> Result<Section<ContractorRow>, AppError> {
    let query = || {
        let mut query = agency_contractors::table
            .filter(agency_contractors::agency_id.eq(scope.agency_id()))
            .filter(agency_contractors::archived_at.is_null())
            .filter(agency_contractors::competing_offer_until.ge(today))
            .into_boxed();
        if let Some(owner) = owner {
            let in_my_pipeline = submissions::table
                .filter(submissions::contractor_id.eq(agency_contractors::id))
                .filter(submissions::closed_at.is_null())
                .filter(submissions::owner_id.eq(owner));
            query = query.filter(agency_contractors::owner_id.eq(owner).or(exists(in_my_pipeline)));
        }
        query
    };
    let count = query().count().get_result(conn)?;
    let rows: Vec<(i64, String, Option<NaiveDate>)> = query()
        .order((agency_contractors::competing_offer_until.asc(), agency_contractors::id.asc()))
        .limit(TOP)
        .select((agency_contractors::id, agency_contractors::name, agency_contractors::competing_offer_until))
        .load(conn)?;
    let rows = rows
        .into_iter()
        .map(|(contractor_id, contractor_name, until)| {
            let note = match until {
                Some(d) if d == today => "decision today".to_string(),
                Some(d) => format!("decision by {}", d.format("%a %-d %b")),
                None => String::new(),
            };
            ContractorRow { contractor_id, contractor_name, note }
        })
        .collect();
    Ok(Section { count, rows })
}

/// Contractors in open submissions (the viewer's, in their own view) whose availability was
/// confirmed more than 14 days ago or never; never confirmed first, then oldest.
pub fn stale_availability(
    conn: &mut DbConnection,
    scope: AgencyScope,
    owner: Option<i64>,
    now: NaiveDateTime,
) -> Result<Section<ContractorRow>, AppError> {
    let cutoff = now - TimeDelta::days(STALE_DAYS);
    let query = || {
        let open = submissions::table
            .filter(submissions::contractor_id.eq(agency_contractors::id))
            .filter(submissions::closed_at.is_null());
        let query = agency_contractors::table
            .filter(agency_contractors::agency_id.eq(scope.agency_id()))
            .filter(agency_contractors::archived_at.is_null())
            .filter(
                agency_contractors::availability_confirmed_at
                    .is_null()
                    .or(agency_contractors::availability_confirmed_at.lt(cutoff)),
            )
            .into_boxed();
        match owner {
            Some(owner) => query.filter(exists(open.filter(submissions::owner_id.eq(owner)))),
            None => query.filter(exists(open)),
        }
    };
    let count = query().count().get_result(conn)?;
    let rows: Vec<(i64, String, Option<NaiveDateTime>)> = query()
        .order((
            agency_contractors::availability_confirmed_at.is_not_null(),
            agency_contractors::availability_confirmed_at.asc(),
            agency_contractors::id.asc(),
        ))
        .limit(TOP)
        .select((agency_contractors::id, agency_contractors::name, agency_contractors::availability_confirmed_at))
        .load(conn)?;
    let rows = rows
        .into_iter()
        .map(|(contractor_id, contractor_name, at)| {
            let note = match at {
                Some(at) => format!("confirmed {} days ago", (now - at).num_days()),
                None => "never confirmed".to_string(),
            };
            ContractorRow { contractor_id, contractor_name, note }
        })
        .collect();
    Ok(Section { count, rows })
}

/// Open tasks due by `today`, oldest first.
pub fn tasks_due(
    conn: &mut DbConnection,
    scope: AgencyScope,
    owner: Option<i64>,
    today: NaiveDate,
) -> Result<Section<TaskRow>, AppError> {
    let query = || {
        let mut query = tasks::table
            .inner_join(users::table.on(users::id.eq(tasks::assignee_id)))
            .filter(tasks::agency_id.eq(scope.agency_id()))
            .filter(tasks::done_at.is_null())
            .filter(tasks::due_on.le(today))
            .into_boxed();
        if let Some(owner) = owner {
            query = query.filter(tasks::assignee_id.eq(owner));
        }
        query
    };
    let count = query().count().get_result(conn)?;
    let rows: Vec<(i64, String, NaiveDate, String)> = query()
        .order((tasks::due_on.asc(), tasks::id.asc()))
        .limit(TOP)
        .select((tasks::id, tasks::title, tasks::due_on, users::name))
        .load(conn)?;
    let rows = rows
        .into_iter()
        .map(|(id, title, due_on, assignee_name)| TaskRow { id, title, due_on, assignee_name, overdue: due_on < today })
        .collect();
    Ok(Section { count, rows })
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
