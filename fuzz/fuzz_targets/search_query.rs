//! Any contractor search parameters give results or a form error, never a database error (see
//! `nextgig::fuzzing`: fields are separated by newlines, repeated skills by tabs).
#![no_main]

use std::sync::Mutex;

use libfuzzer_sys::fuzz_target;
use nextgig::fuzzing::Harness;

static HARNESS: Mutex<Option<Harness>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let mut harness = HARNESS.lock().unwrap_or_else(|e| e.into_inner());
    harness.get_or_insert_with(Harness::new).search(data);
});
