//! Activities: calls, emails, meetings and notes logged against a contractor, client or job.
//! (Being built: the contractor page already shows [`for_contractor`].)

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::error::AppError;
use crate::models::agency::AgencyScope;

/// One entry of a timeline, as pages show it.
#[derive(Clone, Debug)]
pub struct ActivityItem {
    pub id: i64,
    pub kind: String,
    pub body: String,
    pub author_name: Option<String>,
    pub occurred_at: NaiveDateTime,
}

/// The newest activities logged against a contractor record (at most `limit`), in one query.
pub fn for_contractor(
    _conn: &mut DbConnection,
    _scope: AgencyScope,
    _contractor_id: i64,
    _limit: i64,
) -> Result<Vec<ActivityItem>, AppError> {
    Ok(Vec::new())
}
