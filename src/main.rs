//! The `nextgig` binary: parse the command line, then hand over to the library.

use clap::Parser;

fn main() -> anyhow::Result<()> {
    tune_malloc();
    nextgig::cli::run(nextgig::cli::Cli::parse())
}

/// Two settings of glibc's allocator, each unless the environment sets it (`MALLOC_ARENA_MAX`,
/// `MALLOC_MMAP_THRESHOLD_`); docs/BENCHMARKS.md has the measurements.
///
/// - Arenas: glibc gives threads that allocate at the same time arenas of their own, up to eight
///   per core, and keeps the memory each one grew to. With the blocking pool's threads doing the
///   database work that held SQLite's server at 166–222 MiB peak on profile S; with two arenas it
///   stays at 95–106 MiB for the same CPU per request.
/// - Large blocks: a block of 256 KiB or more (a word search's prefix doclists and candidates)
///   is mapped on its own and returned whole when freed. glibc's default threshold rises with
///   each such block freed, after which they come from the heap and stay there: on profile L the
///   SQLite server peaked at 142–157 MiB under search, 128 MiB with the threshold fixed, at the
///   same CPU within the runs' noise.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_malloc() {
    // SAFETY: called first thing in `main`, before any other thread exists; mallopt only changes
    // the allocator's tuning.
    unsafe {
        if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
        if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_malloc() {}
