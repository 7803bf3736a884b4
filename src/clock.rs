//! The one source of "now". Production reads the system clock; tests use a manual clock they can
//! move forward, so expiry and reminders are tested without sleeping.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDateTime, TimeDelta, Timelike, Utc};

/// A clock shared by the app and its background jobs.
#[derive(Clone, Debug)]
pub struct Clock(Arc<Source>);

#[derive(Debug)]
enum Source {
    System,
    Manual(Mutex<NaiveDateTime>),
}

impl Clock {
    /// The real clock.
    pub fn system() -> Self {
        Self(Arc::new(Source::System))
    }

    /// A clock that stands still at `start` until moved with [`Clock::advance`].
    pub fn manual(start: NaiveDateTime) -> Self {
        Self(Arc::new(Source::Manual(Mutex::new(truncate(start)))))
    }

    /// The current UTC time, truncated to microseconds (what both databases store).
    pub fn now(&self) -> NaiveDateTime {
        match &*self.0 {
            Source::System => truncate(Utc::now().naive_utc()),
            Source::Manual(at) => *at.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// The current time as a UTC instant.
    pub fn now_utc(&self) -> DateTime<Utc> {
        self.now().and_utc()
    }

    /// Moves a manual clock forward. Does nothing to the system clock.
    pub fn advance(&self, by: TimeDelta) {
        if let Source::Manual(at) = &*self.0 {
            let mut at = at.lock().unwrap_or_else(|e| e.into_inner());
            *at = truncate(*at + by);
        }
    }
}

fn truncate(at: NaiveDateTime) -> NaiveDateTime {
    let micros = at.nanosecond() / 1_000 * 1_000;
    at.with_nanosecond(micros).unwrap_or(at)
}
