//! `/imports` (being built).

use actix_web::web;

/// Registers this resource's routes.
pub fn configure(_cfg: &mut web::ServiceConfig) {}

/// This resource's routes as (method, path pattern).
pub const ROUTES: &[(&str, &str)] = &[];
