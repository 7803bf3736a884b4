//! The agency admin's pages: team, invitations, audit log.

pub mod audit;
pub mod team;
