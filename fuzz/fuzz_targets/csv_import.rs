//! Any file uploaded as CSV is refused with a message or imported cleanly: no panic, no database
//! error, nothing half-saved when an import fails (see `nextgig::fuzzing`).
#![no_main]

use std::sync::Mutex;

use libfuzzer_sys::fuzz_target;
use nextgig::fuzzing::Harness;

static HARNESS: Mutex<Option<Harness>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let mut harness = HARNESS.lock().unwrap_or_else(|e| e.into_inner());
    harness.get_or_insert_with(Harness::new).csv_import(data);
});
