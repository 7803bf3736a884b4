//! NextGig: the recruiting desk for IT contract-staffing agencies.
//!
//! A thin binary (`src/main.rs`) parses the command line and calls into this library.
//! Dependencies point one way: `startup` → `routes` → `models` → `db`; `auth` and `jobs` use
//! `models`; `pages` holds the page frame every template shares.

pub mod auth;
pub mod bench;
pub mod cli;
pub mod clock;
pub mod config;
pub mod datagen;
pub mod db;
pub mod demo;
pub mod error;
pub mod fuzzing;
pub mod jobs;
pub mod mail;
pub mod models;
pub mod pages;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod text_reader;

pub use error::AppError;
