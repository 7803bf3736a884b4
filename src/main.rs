//! The `nextgig` binary: parse the command line, then hand over to the library.

use clap::Parser;

fn main() -> anyhow::Result<()> {
    limit_malloc_arenas();
    nextgig::cli::run(nextgig::cli::Cli::parse())
}

/// glibc gives threads that allocate at the same time arenas of their own, up to eight per core,
/// and keeps the memory each one grew to. With the blocking pool's threads doing the database work
/// that held SQLite's server at 166–222 MiB peak on profile S; with two arenas it stays at 95–106
/// MiB for the same CPU per request (docs/BENCHMARKS.md). A `MALLOC_ARENA_MAX` set in the
/// environment wins.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: called first thing in `main`, before any other thread exists; mallopt only
        // changes the allocator's tuning.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}
