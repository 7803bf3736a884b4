//! Reading the text of uploaded documents in a child process, never in the web process.
//!
//! PDF and Word parsers are third-party code fed untrusted files: a 2 MB PDF whose content stream
//! inflates to gigabytes made the server allocate without bound and abort. So every document is
//! read by a child process of the same binary (`nextgig extract-text TYPE`, hidden from `--help`):
//! the file goes in on its standard input and the text comes out on its standard output. The
//! child runs with an address-space limit ([`MEMORY_LIMIT_BYTES`], RLIMIT_AS), a CPU limit
//! ([`CPU_LIMIT_SECONDS`], RLIMIT_CPU), no core dumps, no environment (no database URL or SMTP
//! password to leak) and `/` as its folder; the parent kills it after [`TIME_LIMIT`] and when it
//! writes more than [`OUTPUT_LIMIT_BYTES`]. At most [`AT_ONCE`] children run at once per
//! instance, so the memory all readers can take is bounded too. Whatever the child does, the web
//! process only learns "text" or "unreadable".

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::Config;
use crate::models::document_text::{self, FileType};

/// The child's address space (RLIMIT_AS): ample for a 10 MB CV, far below what a bomb asks for.
pub const MEMORY_LIMIT_BYTES: u64 = 512 * 1024 * 1024;
/// The child's CPU time (RLIMIT_CPU): SIGXCPU at this, SIGKILL a second later.
pub const CPU_LIMIT_SECONDS: u64 = 20;
/// Wall-clock time the parent gives the child (a child stuck without using CPU is killed too).
pub const TIME_LIMIT: Duration = Duration::from_secs(30);
/// Most bytes of text taken from the child (the text is cut to `MAX_TEXT_CHARS` characters).
pub const OUTPUT_LIMIT_BYTES: usize = document_text::MAX_TEXT_CHARS * 4 + 4096;
/// Children reading at once in one instance.
pub const AT_ONCE: usize = 2;
/// The hidden subcommand the child runs.
pub const SUBCOMMAND: &str = "extract-text";
/// The child's exit code for a file with no readable text in it (a scan, a damaged file).
pub const NO_TEXT_EXIT: i32 = 3;
/// Bytes of the child's error output kept for the log.
const ERROR_OUTPUT_BYTES: usize = 2048;

/// What reading a document gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reading {
    /// The text, cleaned ([`document_text::clean_text`]).
    Text(String),
    /// No text could be read; why, for the log (never shown: it may quote the file).
    Unreadable(String),
    /// Every reader was busy for as long as the caller would wait: nothing was tried.
    Busy,
    /// The reader program could not be started (a setting or the system is wrong, not the
    /// file): nothing was tried.
    CannotStart(String),
}

/// Runs text readers: the program to start and the bound on how many run at once.
#[derive(Clone, Debug)]
pub struct TextReader {
    program: PathBuf,
    permits: Arc<Semaphore>,
}

impl TextReader {
    /// The reader TEXT_READER_BIN names, else this very binary.
    pub fn from_config(config: &Config) -> Self {
        Self::new(config.text_reader_bin.clone().unwrap_or_else(own_binary))
    }

    /// A reader that starts `program extract-text TYPE`.
    pub fn new(program: PathBuf) -> Self {
        Self { program, permits: Arc::new(Semaphore::new(AT_ONCE)) }
    }

    /// The program started for each document.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// Reads the text of `bytes` in a child process, waiting at most `wait` for a free reader.
    pub async fn read(&self, file_type: FileType, bytes: Vec<u8>, wait: Duration) -> Reading {
        let Some(_permit) = self.permit(wait).await else { return Reading::Busy };
        self.run_child(file_type, bytes).await.unwrap_or_else(Reading::Unreadable)
    }

    async fn permit(&self, wait: Duration) -> Option<OwnedSemaphorePermit> {
        tokio::time::timeout(wait, self.permits.clone().acquire_owned()).await.ok()?.ok()
    }

    async fn run_child(&self, file_type: FileType, bytes: Vec<u8>) -> Result<Reading, String> {
        let started = tokio::process::Command::new(&self.program)
            .arg(SUBCOMMAND)
            .arg(file_type.extension())
            // Nothing of the server's: no database URL, no SMTP password, no working folder.
            .env_clear()
            // One malloc arena: the address-space limit then measures what the parser uses.
            .env("MALLOC_ARENA_MAX", "1")
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn();
        let mut child = match started {
            Ok(child) => child,
            Err(e) => {
                return Ok(Reading::CannotStart(format!("cannot start {}: {e}", self.program.display())));
            }
        };
        // The child limits itself first thing; limiting it from here as well holds even for a
        // TEXT_READER_BIN that does not. It has no input yet, so it has read nothing unlimited.
        if let Some(pid) = child.id() {
            limit_child(pid);
        }
        let (Some(stdin), Some(stdout), Some(stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err("the text reader's pipes were not set up".into());
        };
        let exchange = async {
            let ((), text, errors) = tokio::try_join!(
                feed(stdin, bytes),
                read_capped(stdout, OUTPUT_LIMIT_BYTES),
                read_start(stderr, ERROR_OUTPUT_BYTES)
            )?;
            let status = child.wait().await?;
            Ok::<_, std::io::Error>((status, text, errors))
        };
        let finished = tokio::time::timeout(TIME_LIMIT, exchange).await;
        let (status, text, errors) = match finished {
            Ok(Ok(done)) => done,
            Ok(Err(e)) => {
                stop(&mut child).await;
                return Err(format!("the text reader was stopped: {e}"));
            }
            Err(_) => {
                stop(&mut child).await;
                return Err(format!("the text reader took longer than {} s and was killed", TIME_LIMIT.as_secs()));
            }
        };
        Ok(judge(status, &text, &errors))
    }
}

/// What the child's exit and output mean.
fn judge(status: ExitStatus, text: &[u8], errors: &[u8]) -> Reading {
    let said = String::from_utf8_lossy(errors).lines().next().unwrap_or("").trim().to_string();
    if status.success() {
        return match std::str::from_utf8(text).ok().and_then(document_text::clean_text) {
            Some(text) => Reading::Text(text),
            None => Reading::Unreadable("the text reader's output was not readable text".into()),
        };
    }
    if status.code() == Some(NO_TEXT_EXIT) {
        return Reading::Unreadable(said);
    }
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        let why = match signal {
            6 => "aborted (usually its memory limit)",
            9 => "killed",
            11 => "crashed (usually its memory limit)",
            24 => "stopped at its CPU limit",
            _ => "stopped by a signal",
        };
        return Reading::Unreadable(format!("the text reader {why} (signal {signal}): {said}"));
    }
    Reading::Unreadable(format!("the text reader failed ({status}): {said}"))
}

async fn stop(child: &mut tokio::process::Child) {
    let _ = child.start_kill();
    let _ = child.wait().await;
}

/// Writes the file to the child, then closes its input. A child that stops reading early (it
/// gave up, or was killed) is not an error here: its exit status says what happened.
async fn feed(mut stdin: tokio::process::ChildStdin, bytes: Vec<u8>) -> std::io::Result<()> {
    let _ = stdin.write_all(&bytes).await;
    drop(stdin);
    Ok(())
}

/// Reads to the end, failing as soon as more than `limit` bytes came (the child is then killed).
async fn read_capped(reader: impl AsyncRead + Unpin, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    reader.take(limit as u64 + 1).read_to_end(&mut out).await?;
    if out.len() > limit {
        return Err(std::io::Error::other(format!("it wrote more than {limit} bytes of text")));
    }
    Ok(out)
}

/// Reads to the end, keeping the first `keep` bytes (so a chatty child never blocks on a full pipe).
async fn read_start(mut reader: impl AsyncRead + Unpin, keep: usize) -> std::io::Result<Vec<u8>> {
    let mut kept = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            return Ok(kept);
        }
        let room = keep.saturating_sub(kept.len());
        kept.extend_from_slice(&buf[..n.min(room)]);
    }
}

/// This binary. On Linux `/proc/self/exe`, which the kernel resolves for the child at exec time
/// to the running server's own file, even after an upgrade replaced the file on disk.
fn own_binary() -> PathBuf {
    if cfg!(target_os = "linux") {
        PathBuf::from("/proc/self/exe")
    } else {
        std::env::current_exe().unwrap_or_else(|_| PathBuf::from("nextgig"))
    }
}

/// The limits, applied to the child from outside (Linux's prlimit).
#[cfg(target_os = "linux")]
fn limit_child(pid: u32) {
    use rustix::process::{Pid, prlimit};
    let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) else { return };
    for (resource, limit) in limits() {
        if let Err(e) = prlimit(Some(pid), resource, limit) {
            tracing::warn!(error = %e, ?resource, "cannot limit the text reader");
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn limit_child(_pid: u32) {}

/// Memory, CPU and core-dump limits as (resource, limit).
fn limits() -> [(rustix::process::Resource, rustix::process::Rlimit); 3] {
    use rustix::process::{Resource, Rlimit};
    let fixed = |n: u64| Rlimit { current: Some(n), maximum: Some(n) };
    [
        (Resource::As, fixed(MEMORY_LIMIT_BYTES)),
        // SIGXCPU at the soft limit, SIGKILL at the hard one.
        (Resource::Cpu, Rlimit { current: Some(CPU_LIMIT_SECONDS), maximum: Some(CPU_LIMIT_SECONDS + 1) }),
        // A killed reader must not write half a gigabyte of core file.
        (Resource::Core, fixed(0)),
    ]
}

/// The child's side (`nextgig extract-text TYPE`): limits itself, reads the file from standard
/// input, writes the text to standard output. Returns the exit code: 0 with text, [`NO_TEXT_EXIT`]
/// when the file holds none, 2 for a wrong call.
pub fn child_main(extension: &str) -> i32 {
    use std::io::{Read, Write};
    for (resource, limit) in limits() {
        if let Err(e) = rustix::process::setrlimit(resource, limit) {
            eprintln!("cannot set the {resource:?} limit: {e}");
            return 2;
        }
    }
    let Some(file_type) = FileType::from_extension(extension) else {
        eprintln!("unknown file type {extension:?}; expected pdf, docx or txt");
        return 2;
    };
    let mut bytes = Vec::new();
    let limit = document_text::MAX_UPLOAD_BYTES as u64 + 1;
    if let Err(e) = std::io::stdin().lock().take(limit).read_to_end(&mut bytes) {
        eprintln!("cannot read the file: {e}");
        return 2;
    }
    if bytes.len() > document_text::MAX_UPLOAD_BYTES {
        eprintln!("the file is larger than uploads may be");
        return 2;
    }
    match document_text::extract(file_type, &bytes) {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            if out.write_all(text.as_bytes()).and_then(|()| out.flush()).is_err() {
                return 2;
            }
            0
        }
        Err(why) => {
            eprintln!("{why}");
            NO_TEXT_EXIT
        }
    }
}
