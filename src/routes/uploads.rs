//! Reading multipart uploads within a bound (CSV imports, documents): one field at a time, never
//! more than the limit in memory, and a refused upload drained so that the browser gets the
//! answer instead of a reset connection.

use actix_multipart::{Field, Multipart};
use futures_util::StreamExt;

use crate::error::AppError;

/// Reads one multipart field, refusing more than `limit` bytes (`Ok(None)` when over).
pub(crate) async fn read_field(field: &mut Field, limit: usize) -> Result<Option<Vec<u8>>, AppError> {
    let mut data = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("The upload could not be read: {e}.")))?;
        if data.len() + chunk.len() > limit {
            return Ok(None);
        }
        data.extend_from_slice(&chunk);
    }
    Ok(Some(data))
}

/// Reads and throws away the rest of a refused request body, at most `limit` bytes (nothing is
/// kept in memory).
pub(crate) async fn discard(payload: &mut actix_web::dev::Payload, limit: usize) {
    let mut seen = 0;
    while let Some(Ok(chunk)) = payload.next().await {
        seen += chunk.len();
        if seen > limit {
            break;
        }
    }
}

/// Like [`discard`], from within a multipart body: the rest of `field` and of every field after it.
pub(crate) async fn discard_fields(mut field: Field, multipart: &mut Multipart, limit: usize) {
    let mut seen = 0;
    loop {
        while let Some(Ok(chunk)) = field.next().await {
            seen += chunk.len();
            if seen > limit {
                return;
            }
        }
        // A field must be gone before the next one is asked for.
        drop(field);
        match multipart.next().await {
            Some(Ok(next)) => field = next,
            _ => return,
        }
    }
}
