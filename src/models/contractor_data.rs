//! Everything NextGig holds about a contractor, gathered for their own pages and their data
//! export (JSON and CSV). Only what is about them and meant for them.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::db::DbConnection;
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
}

/// Every submission about the contractor from every agency, newest first.
pub fn submissions(_conn: &mut DbConnection, _user_id: i64) -> Result<Vec<MySubmission>, AppError> {
    // Submissions arrive with the pipeline; until then there are none to show.
    Ok(Vec::new())
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
