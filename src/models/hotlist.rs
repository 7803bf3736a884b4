//! Hotlists: named lists of the agency's contractors, each member with a note.
//! (Being built: the contractor page already shows [`for_contractor`].)

use crate::db::DbConnection;
use crate::error::AppError;
use crate::models::agency::AgencyScope;

/// One of the agency's hotlists as seen from a contractor's page.
#[derive(Clone, Debug)]
pub struct HotlistChoice {
    pub id: i64,
    pub name: String,
    /// True when the contractor is on it.
    pub member: bool,
    /// The member's note, when on it.
    pub note: Option<String>,
}

/// Every hotlist of the agency, marking those the contractor is on, in one query.
pub fn for_contractor(
    _conn: &mut DbConnection,
    _scope: AgencyScope,
    _contractor_id: i64,
) -> Result<Vec<HotlistChoice>, AppError> {
    Ok(Vec::new())
}

/// True when the contractor is on at least one of these hotlists.
pub fn on_any(hotlists: &[HotlistChoice]) -> bool {
    hotlists.iter().any(|h| h.member)
}
