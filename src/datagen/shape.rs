//! The shape of the generated data, measured with SQL from what the database holds (printed at
//! the end of `datagen` and asserted in the tests): how open the pipeline is and how it spreads
//! over recruiters and jobs, follow-ups, activity skew, skill popularity, and the copies the
//! skill_holders triggers keep.
//!
//! "Open" means a submission still moving through the pipeline: not closed, and not on the
//! Placed stage (an active placement keeps its submission open until the contract ends).

use std::fmt;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date};

use crate::db::DbConnection;

/// Minimum, median and maximum of a per-recruiter or per-job count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Spread {
    pub min: i64,
    pub median: i64,
    pub max: i64,
}

impl Spread {
    fn of(mut values: Vec<i64>) -> Spread {
        values.sort_unstable();
        match (values.first(), values.last()) {
            (Some(&min), Some(&max)) => Spread { min, median: values[values.len() / 2], max },
            _ => Spread::default(),
        }
    }
}

impl fmt::Display for Spread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {} / {}", self.min, self.median, self.max)
    }
}

/// The measured shape.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shape {
    pub submissions: i64,
    pub open: i64,
    /// Open submissions per recruiter.
    pub open_per_recruiter: Spread,
    /// Open submissions per open job.
    pub open_per_open_job: Spread,
    /// Open submissions on jobs that are not open (filled, closed, on hold): should be 0.
    pub open_on_closed_jobs: i64,
    /// Open submissions whose next update is overdue (due before today), per recruiter.
    pub overdue_per_recruiter: Spread,
    /// Placements that ended or were cancelled whose submission is still open: should be 0.
    pub ended_placements_open: i64,
    pub tasks: i64,
    pub tasks_linked: i64,
    pub max_activities_per_contractor: i64,
    pub contractors: i64,
    /// Contractors holding the most popular skill.
    pub top_skill_holders: i64,
    /// Skill rows whose copied agency or last update differs from their record's: should be 0.
    pub skill_rows_out_of_step: i64,
}

impl Shape {
    /// Share of submissions open, in percent.
    pub fn open_percent(&self) -> f64 {
        100.0 * self.open as f64 / self.submissions.max(1) as f64
    }

    /// Share of contractors holding the most popular skill, in percent.
    pub fn top_skill_percent(&self) -> f64 {
        100.0 * self.top_skill_holders as f64 / self.contractors.max(1) as f64
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows: [(&str, String); 10] = [
            ("submissions open", format!("{:.1}% ({} of {})", self.open_percent(), self.open, self.submissions)),
            ("open per recruiter (min / median / max)", self.open_per_recruiter.to_string()),
            ("open per open job (min / median / max)", self.open_per_open_job.to_string()),
            ("open on jobs not open", self.open_on_closed_jobs.to_string()),
            ("overdue updates per recruiter (min / median / max)", self.overdue_per_recruiter.to_string()),
            ("ended placements still open", self.ended_placements_open.to_string()),
            ("tasks linked to an activity", format!("{} of {}", self.tasks_linked, self.tasks)),
            ("most activities on one contractor", self.max_activities_per_contractor.to_string()),
            (
                "top skill's share of contractors",
                format!("{:.1}% ({} of {})", self.top_skill_percent(), self.top_skill_holders, self.contractors),
            ),
            ("skill rows out of step with their record", self.skill_rows_out_of_step.to_string()),
        ];
        for (label, value) in rows {
            writeln!(f, "  {label:<52} {value}")?;
        }
        Ok(())
    }
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Runs a statement with `today` bound to every `?` (numbered for PostgreSQL); one count a row.
fn counts(conn: &mut DbConnection, sql: &str, today: NaiveDate) -> QueryResult<Vec<i64>> {
    let binds = sql.matches('?').count();
    let rows: Vec<N> = match conn {
        DbConnection::Sqlite(c) => {
            let mut query = diesel::sql_query(sql).into_boxed();
            for _ in 0..binds {
                query = query.bind::<Date, _>(today);
            }
            query.load(c)?
        }
        DbConnection::Postgresql(c) => {
            let mut numbered = String::new();
            for (k, part) in sql.split('?').enumerate() {
                if k > 0 {
                    numbered.push_str(&format!("${k}"));
                }
                numbered.push_str(part);
            }
            let mut query = diesel::sql_query(numbered).into_boxed();
            for _ in 0..binds {
                query = query.bind::<Date, _>(today);
            }
            query.load(c)?
        }
    };
    Ok(rows.into_iter().map(|r| r.n).collect())
}

fn one(conn: &mut DbConnection, sql: &str, today: NaiveDate) -> QueryResult<i64> {
    Ok(counts(conn, sql, today)?.first().copied().unwrap_or(0))
}

/// An open submission `s` (joined to its stage `p`).
const OPEN: &str = "s.closed_at IS NULL AND p.category <> 'placed'";

/// Measures the shape of the data in the database (all agencies together); `today` decides
/// what is overdue.
pub fn shape(conn: &mut DbConnection, today: NaiveDate) -> QueryResult<Shape> {
    let recruiters = "FROM users u WHERE u.kind = 'staff' AND u.role = 'recruiter'";
    Ok(Shape {
        submissions: one(conn, "SELECT COUNT(*) AS n FROM submissions", today)?,
        open: one(
            conn,
            &format!(
                "SELECT COUNT(*) AS n FROM submissions s JOIN pipeline_stages p ON p.id = s.stage_id WHERE {OPEN}"
            ),
            today,
        )?,
        open_per_recruiter: Spread::of(counts(
            conn,
            &format!(
                "SELECT (SELECT COUNT(*) FROM submissions s JOIN pipeline_stages p ON p.id = s.stage_id \
                 WHERE s.agency_id = u.agency_id AND s.owner_id = u.id AND {OPEN}) AS n {recruiters}"
            ),
            today,
        )?),
        open_per_open_job: Spread::of(counts(
            conn,
            &format!(
                "SELECT (SELECT COUNT(*) FROM submissions s JOIN pipeline_stages p ON p.id = s.stage_id \
                 WHERE s.job_id = j.id AND {OPEN}) AS n FROM jobs j WHERE j.status = 'open'"
            ),
            today,
        )?),
        open_on_closed_jobs: one(
            conn,
            &format!(
                "SELECT COUNT(*) AS n FROM submissions s JOIN pipeline_stages p ON p.id = s.stage_id \
                 JOIN jobs j ON j.id = s.job_id WHERE j.status <> 'open' AND {OPEN}"
            ),
            today,
        )?,
        overdue_per_recruiter: Spread::of(counts(
            conn,
            &format!(
                "SELECT (SELECT COUNT(*) FROM submissions s JOIN pipeline_stages p ON p.id = s.stage_id \
                 WHERE s.agency_id = u.agency_id AND s.owner_id = u.id AND {OPEN} AND s.next_update_due < ?) AS n \
                 {recruiters}"
            ),
            today,
        )?),
        ended_placements_open: one(
            conn,
            "SELECT COUNT(*) AS n FROM placements pl JOIN submissions s ON s.id = pl.submission_id \
             WHERE pl.status <> 'active' AND s.closed_at IS NULL",
            today,
        )?,
        tasks: one(conn, "SELECT COUNT(*) AS n FROM tasks", today)?,
        tasks_linked: one(conn, "SELECT COUNT(*) AS n FROM tasks WHERE activity_id IS NOT NULL", today)?,
        max_activities_per_contractor: one(
            conn,
            "SELECT COALESCE(MAX(c), 0) AS n FROM (SELECT COUNT(*) AS c FROM activities \
             WHERE contractor_id IS NOT NULL GROUP BY contractor_id) per",
            today,
        )?,
        contractors: one(conn, "SELECT COUNT(*) AS n FROM agency_contractors", today)?,
        top_skill_holders: one(
            conn,
            "SELECT COALESCE(MAX(c), 0) AS n FROM (SELECT COUNT(*) AS c FROM agency_contractor_skills \
             GROUP BY skill_id) per",
            today,
        )?,
        skill_rows_out_of_step: one(
            conn,
            "SELECT COUNT(*) AS n FROM agency_contractor_skills acs \
             JOIN agency_contractors ac ON ac.id = acs.agency_contractor_id \
             WHERE acs.agency_id <> ac.agency_id OR acs.record_updated_at IS NULL \
             OR acs.record_updated_at <> ac.updated_at",
            today,
        )?,
    })
}
