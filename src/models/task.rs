//! Tasks: follow-ups with a due date and an assignee, attached to a contractor, client or job.
//! (Being built: the contractor page already shows [`open_for_contractor`].)

use chrono::NaiveDate;

use crate::db::DbConnection;
use crate::error::AppError;
use crate::models::agency::AgencyScope;

/// An open task as pages show it.
#[derive(Clone, Debug)]
pub struct TaskItem {
    pub id: i64,
    pub title: String,
    pub due_on: NaiveDate,
    pub assignee_name: String,
}

/// The open tasks about a contractor record, soonest due first, in one query.
pub fn open_for_contractor(
    _conn: &mut DbConnection,
    _scope: AgencyScope,
    _contractor_id: i64,
) -> Result<Vec<TaskItem>, AppError> {
    Ok(Vec::new())
}
