//! Everything NextGig holds about a contractor, gathered for their own pages and their data
//! export (JSON and CSV). Only what is about them and meant for them.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{agencies, consents, pipeline_stages, submissions, users};
use crate::error::AppError;
use crate::models::outside_submission::{self, OutsideSubmission};
use crate::models::profile::{self, LinkedAgency, Profile};
use crate::models::user::User;

/// A submission about the contractor, as they see it (filled in by the pipeline).
#[derive(Clone, Debug, Serialize)]
pub struct MySubmission {
    pub id: i64,
    pub agency_name: String,
    pub job_title: String,
    pub client: String,
    pub stage: String,
    pub next_update_due: Option<NaiveDate>,
    pub updated_at: NaiveDateTime,
    /// Why it was closed, when it was.
    pub closed_reason: Option<String>,
}

/// id, agency, job title, client as shown, stage, next update due, last change, closed reason.
type SubmissionRow = (i64, String, String, String, String, Option<NaiveDate>, NaiveDateTime, Option<String>);

/// Every submission about the contractor from every agency, newest first: those an agency asked
/// their consent for (before that, a submission is the agency's own idea, not yet about them).
/// The client is shown as the agency showed it in its request ("Confidential client" included).
pub fn submissions(conn: &mut DbConnection, user_id: i64) -> Result<Vec<MySubmission>, AppError> {
    let email: String = users::table.find(user_id).select(users::email).first(conn)?;
    let rows: Vec<SubmissionRow> = consents::table
        .inner_join(submissions::table.inner_join(pipeline_stages::table))
        .inner_join(agencies::table.on(agencies::id.eq(consents::agency_id)))
        .filter(consents::person_key.eq(&email))
        .order((submissions::updated_at.desc(), consents::id.desc()))
        .limit(500)
        .select((
            submissions::id,
            agencies::name,
            consents::job_title,
            consents::client_shown,
            pipeline_stages::name,
            submissions::next_update_due,
            submissions::updated_at,
            submissions::closed_reason,
        ))
        .load(conn)?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows
        .into_iter()
        .filter(|row| seen.insert(row.0))
        .map(|(id, agency_name, job_title, client, stage, next_update_due, updated_at, closed_reason)| MySubmission {
            id,
            agency_name,
            job_title,
            client,
            stage,
            next_update_due: if closed_reason.is_some() { None } else { next_update_due },
            updated_at,
            closed_reason: closed_reason.map(|r| crate::models::submission::close_reason_text(&r).to_string()),
        })
        .collect())
}

/// One of the contractor's submissions with the events meant for them; anyone else's answers
/// `NotFound`.
pub fn submission(
    conn: &mut DbConnection,
    user_id: i64,
    id: i64,
) -> Result<(MySubmission, Vec<crate::models::submission::EventItem>), AppError> {
    let mine = submissions(conn, user_id)?.into_iter().find(|s| s.id == id).ok_or(AppError::NotFound)?;
    let events = crate::models::submission::events(conn, id, true)?;
    Ok((mine, events))
}

/// The account part of an export.
#[derive(Clone, Debug, Serialize)]
pub struct AccountData {
    pub email: String,
    pub name: String,
    pub time_zone: String,
    pub created_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
}

/// Everything held about one contractor.
#[derive(Clone, Debug, Serialize)]
pub struct ContractorData {
    pub account: AccountData,
    pub profile: Profile,
    pub skills: Vec<String>,
    pub agencies: Vec<AgencyData>,
    pub outside_submissions: Vec<OutsideSubmission>,
    pub submissions: Vec<MySubmission>,
}

/// A linked agency in an export.
#[derive(Clone, Debug, Serialize)]
pub struct AgencyData {
    pub name: String,
    pub linked_at: Option<NaiveDateTime>,
}

impl From<LinkedAgency> for AgencyData {
    fn from(a: LinkedAgency) -> Self {
        Self { name: a.agency_name, linked_at: a.linked_at }
    }
}

/// Gathers everything about the contractor account `user_id`.
pub fn collect(conn: &mut DbConnection, user_id: i64) -> Result<ContractorData, AppError> {
    let user = User::find(conn, user_id)?;
    let profile = profile::find_for_user(conn, user_id)?;
    Ok(ContractorData {
        account: AccountData {
            email: user.email,
            name: user.name,
            time_zone: user.time_zone,
            created_at: user.created_at,
            last_login_at: user.last_login_at,
        },
        skills: profile::skill_names(conn, profile.id)?,
        agencies: profile::linked_agencies(conn, profile.id)?.into_iter().map(AgencyData::from).collect(),
        outside_submissions: outside_submission::list(conn, user_id)?,
        submissions: submissions(conn, user_id)?,
        profile,
    })
}

impl ContractorData {
    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// CSV with one fact per row: section, item, field, value (opens in any spreadsheet).
    pub fn to_csv(&self) -> String {
        let mut rows: Vec<[String; 4]> = vec![["section".into(), "item".into(), "field".into(), "value".into()]];
        fn flatten(rows: &mut Vec<[String; 4]>, section: &str, item: String, value: serde_json::Value) {
            if let serde_json::Value::Object(map) = value {
                for (field, v) in map {
                    let text = match v {
                        serde_json::Value::Null => String::new(),
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    };
                    rows.push([section.to_string(), item.clone(), field, text]);
                }
            }
        }
        flatten(&mut rows, "account", String::new(), serde_json::to_value(&self.account).unwrap_or_default());
        flatten(&mut rows, "profile", String::new(), serde_json::to_value(&self.profile).unwrap_or_default());
        for (i, skill) in self.skills.iter().enumerate() {
            rows.push(["skills".into(), (i + 1).to_string(), "name".into(), skill.clone()]);
        }
        for (i, agency) in self.agencies.iter().enumerate() {
            flatten(&mut rows, "agencies", (i + 1).to_string(), serde_json::to_value(agency).unwrap_or_default());
        }
        for (i, entry) in self.outside_submissions.iter().enumerate() {
            flatten(
                &mut rows,
                "outside_submissions",
                (i + 1).to_string(),
                serde_json::to_value(entry).unwrap_or_default(),
            );
        }
        for (i, entry) in self.submissions.iter().enumerate() {
            flatten(&mut rows, "submissions", (i + 1).to_string(), serde_json::to_value(entry).unwrap_or_default());
        }
        let mut out = String::from("\u{feff}");
        for row in rows {
            let cells: Vec<String> = row.iter().map(|cell| csv_cell(cell)).collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        out
    }
}

/// One CSV cell: quoted when needed, and neutralised when a spreadsheet would run it as a formula.
fn csv_cell(value: &str) -> String {
    let value =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_string() };
    if value.contains([',', '"', '\n', '\r']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value }
}
