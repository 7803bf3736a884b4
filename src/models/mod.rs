//! The entities: their rules and their queries. Models know nothing of HTTP; every query on an
//! agency-owned table takes an [`agency::AgencyScope`], which only a signed-in staff user yields.

pub mod activity;
pub mod agency;
pub mod audit;
pub mod client;
pub mod conflict;
pub mod consent;
pub mod contact;
pub mod contractor;
pub mod contractor_csv;
pub mod contractor_data;
pub mod contractor_invitation;
pub mod csv_import;
pub mod hotlist;
pub mod invitation;
pub mod job;
pub mod lease;
pub mod login_attempt;
pub mod money;
pub mod one_click;
pub mod outbox;
pub mod outside_submission;
pub mod password;
pub mod password_reset;
pub mod profile;
pub mod session;
pub mod setup;
pub mod skill;
pub mod stage;
pub mod submission;
pub mod task;
pub mod token;
pub mod user;
pub mod validation;
