//! NextGig's integration tests: one binary, a fresh database per test. SQLite by default; with
//! `TEST_DATABASE_URL=postgres://…` every test runs on its own PostgreSQL database instead.

mod helpers;

mod accounts;
mod activities;
mod backup;
mod browser;
mod clients;
mod contractors;
mod csrf;
mod csv;
mod dashboard;
mod dashboard_model;
mod database;
mod datagen;
mod demo;
mod documents;
mod hardening;
mod headers;
mod hotlists;
mod idempotency;
mod interviews;
mod invitations;
mod isolation;
mod jobs;
mod matrix;
mod notifications;
mod outbox;
mod parsers;
mod password_reset;
mod pipeline;
mod placements;
mod plans;
mod portal;
mod reports;
mod search;
mod secrets;
mod security;
mod sessions;
mod setup;
mod shortlists;
mod stages;
mod sweep;
mod tasks;
mod two_factor;
