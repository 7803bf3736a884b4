//! Untrusted-file parsers fed decompression bombs (SECURITY.md, promise 13), against the real
//! binary: a PDF whose FlateDecode content stream inflates to a gigabyte, nested object streams
//! (a doubly-compressed object stream, extended by another) inflating to a gigabyte each, and a
//! PDF of two million tiny objects; .docx files whose deflate entry bombs (declared: refused;
//! hidden behind a lying directory: kept unread; eight at once just within the bounds). Each is
//! generated here (nothing big is committed) and uploaded to a `nextgig serve` process of its
//! own; then the server is still up and answered another request meanwhile, the upload is kept
//! and listed with "Text could not be read", the contractor is still found by name, and the
//! server process's peak memory (`VmHWM`) stayed small, because the text is read by a child
//! process with a memory limit, never in the server.
//!
//! The binary is `NEXTGIG_BIN` when set (to try another build), else the one cargo built for
//! these tests.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::ZlibEncoder;
use nextgig::auth::password::hash_now;
use nextgig::db::DatabaseTarget;
use reqwest::StatusCode;

use crate::documents::upload;
use crate::helpers::{PASSWORD, TestClient, TestDatabase};

/// The most memory the server process may have held at its peak. It idles near 100 MiB; a bomb
/// read in the server itself takes it past 800 MiB (tiny objects) or to gigabytes (the others).
const PEAK_LIMIT_BYTES: u64 = 256 * 1024 * 1024;
const GIB: usize = 1 << 30;

/// `nextgig serve` on its own database and port; killed when dropped.
struct Server {
    child: Child,
    address: String,
    _dir: tempfile::TempDir,
    _db: TestDatabase,
}

impl Server {
    async fn start() -> Self {
        let db = TestDatabase::create();
        let url = db.url().to_string();
        tokio::task::spawn_blocking(move || {
            let mut conn = DatabaseTarget::parse(&url).and_then(|t| t.connect()).expect("a connection");
            nextgig::db::run_migrations(&mut conn).expect("migrations");
            let hash = hash_now(PASSWORD).unwrap();
            let now = chrono::Utc::now().naive_utc();
            nextgig::models::setup::create_agency(&mut conn, "Acme Staffing", "Ada Admin", "ada@acme.test", &hash, now)
                .expect("an agency");
        })
        .await
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let address = format!("http://127.0.0.1:{port}");
        let binary =
            std::env::var_os("NEXTGIG_BIN").map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_nextgig")), PathBuf::from);
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let child = Command::new(binary)
            .arg("serve")
            .env_clear()
            .envs([
                ("DATABASE_URL", db.url()),
                ("BIND", &format!("127.0.0.1:{port}")),
                ("BASE_URL", &address),
                ("MAIL_DIR", dir.path().join("mail").to_str().unwrap()),
                ("WORKERS", "2"),
                ("RUST_LOG", "warn"),
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("the server starts");
        let mut server = Self { child, address, _dir: dir, _db: db };
        let started = Instant::now();
        loop {
            assert!(server.running(), "the server exited at start:\n{}", server.log());
            if reqwest::get(format!("{}/readyz", server.address)).await.is_ok_and(|r| r.status().is_success()) {
                return server;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "the server never got ready:\n{}", server.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("server.log")).unwrap_or_default()
    }

    /// The process's peak resident memory so far (Linux's `VmHWM`).
    fn peak_memory_bytes(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("/proc status");
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("a VmHWM line");
        kib * 1024
    }

    async fn signed_in(&self) -> TestClient {
        let client = TestClient::new(&self.address);
        let answer = client.sign_in("ada@acme.test", PASSWORD).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text);
        client
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Uploads `bomb` as a CV of a new contractor and checks what the user sees and what the server
/// went through.
async fn upload_is_kept_unread_and_the_server_stays_small(file_name: &str, bomb: &[u8]) {
    let mut server = Server::start().await;
    let ada = server.signed_in().await;
    let ann = ada.add_contractor(&[("name", "Ann Zeppelin"), ("email", "ann@example.com")]).await;
    let (uploaded, meanwhile) = tokio::join!(upload(&ada, ann, "cv", file_name, bomb), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        ada.get("/contractors").await
    });
    assert!(server.running(), "the server died on {file_name}:\n{}", server.log());
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{file_name} is accepted: {}", uploaded.text);
    assert_eq!(meanwhile.status, StatusCode::OK, "another request was answered meanwhile");

    let page = ada.get(&format!("/contractors/{ann}")).await;
    assert_eq!(page.texts(".current-cv a"), [file_name], "the upload is kept and listed");
    assert_eq!(page.texts(".current-cv .text-status"), ["Text could not be read"]);
    let found = ada.get("/contractors?q=zeppelin").await.texts(".results-table tbody tr a.strong");
    assert_eq!(found, ["Ann Zeppelin"], "still found by the rest of the record");
    let html = page.html();
    let link = html.select(&scraper::Selector::parse(".current-cv a").unwrap()).next().and_then(|a| a.attr("href"));
    let download = ada.http.get(format!("{}{}", ada.base, link.expect("a download link"))).send().await.unwrap();
    assert_eq!(download.bytes().await.unwrap().as_ref(), bomb, "the file itself is kept as uploaded");

    assert_eq!(ada.get("/tasks").await.status, StatusCode::OK, "the server answers after the bomb");
    assert!(server.running(), "the server is still up:\n{}", server.log());
    let peak = server.peak_memory_bytes();
    assert!(peak < PEAK_LIMIT_BYTES, "the server's peak memory was {} MiB after {file_name}", peak >> 20);
    println!("{file_name}: {} bytes uploaded, server peak memory {} MiB", bomb.len(), peak >> 20);
}

/// The zlib stream of a gigabyte of zeros (about 1 MB), made once per test run.
fn gigabyte_of_zeros() -> &'static [u8] {
    static STREAM: OnceLock<Vec<u8>> = OnceLock::new();
    STREAM.get_or_init(|| {
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
        let block = vec![0u8; 1 << 20];
        for _ in 0..GIB / block.len() {
            encoder.write_all(&block).unwrap();
        }
        encoder.finish().unwrap()
    })
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A stream object: its dictionary entries (besides /Length) and its data.
fn stream(dictionary: &str, data: &[u8]) -> Vec<u8> {
    let mut out = format!("<< /Length {} {dictionary} >>\nstream\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\nendstream");
    out
}

/// A PDF of the given objects (numbered from 1) with a correct cross-reference table; object 1
/// is the catalog.
fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.5\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(object);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

/// The catalog, the page tree and one page (with `page` added to its dictionary).
fn pages(page: &str) -> Vec<Vec<u8>> {
    vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] {page} >>").into_bytes(),
    ]
}

#[tokio::test]
async fn a_pdf_whose_flate_stream_inflates_to_a_gigabyte_is_kept_unread_and_the_server_stays_small() {
    let mut objects = pages("/Contents 4 0 R");
    objects.push(stream("/Filter /FlateDecode", gigabyte_of_zeros()));
    let bomb = pdf(&objects);
    assert!(bomb.len() < 2 * 1024 * 1024, "a small file: {} bytes", bomb.len());
    upload_is_kept_unread_and_the_server_stays_small("flate-bomb.pdf", &bomb).await;
}

#[tokio::test]
async fn a_pdf_of_nested_object_streams_inflating_to_a_gigabyte_is_kept_unread_and_the_server_stays_small() {
    // Compressed twice: a few kilobytes that inflate to a megabyte, then to a gigabyte; a second
    // object stream extends the first.
    let twice = zlib(gigabyte_of_zeros());
    let mut objects = pages("");
    let filters = "/Filter [/FlateDecode /FlateDecode]";
    objects.push(stream(&format!("/Type /ObjStm /N 1 /First 4 {filters}"), &twice));
    objects.push(stream(&format!("/Type /ObjStm /N 1 /First 4 /Extends 4 0 R {filters}"), &twice));
    let bomb = pdf(&objects);
    assert!(bomb.len() < 64 * 1024, "a small file: {} bytes", bomb.len());
    upload_is_kept_unread_and_the_server_stays_small("nested-streams.pdf", &bomb).await;
}

#[tokio::test]
async fn a_pdf_of_two_million_tiny_objects_is_kept_unread_and_the_server_stays_small() {
    // One object stream indexing two million objects, all `null`.
    let count = 2_000_000;
    let mut index = String::new();
    for n in 0..count {
        index.push_str(&format!("{} 0 ", n + 10));
    }
    let mut body = index.clone().into_bytes();
    body.extend_from_slice(b"null");
    let mut objects = pages("");
    objects
        .push(stream(&format!("/Type /ObjStm /N {count} /First {} /Filter /FlateDecode", index.len()), &zlib(&body)));
    let bomb = pdf(&objects);
    assert!(bomb.len() < 10 * 1024 * 1024, "within the upload limit: {} bytes", bomb.len());
    upload_is_kept_unread_and_the_server_stays_small("tiny-objects.pdf", &bomb).await;
}

/// A Word file whose `word/document.xml` is `unpacked` zero bytes then `noise` incompressible
/// bytes, deflated; with `declared`, its headers claim that many bytes instead of the real size.
fn docx_bomb(unpacked: usize, noise: usize, declared: Option<u32>) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    writer.start_file("word/document.xml", options).unwrap();
    let block = vec![0u8; 1 << 20];
    for _ in 0..unpacked / block.len() {
        writer.write_all(&block).unwrap();
    }
    // xorshift: bytes deflate cannot shrink, the same every run.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let noise: Vec<u8> = (0..noise)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    writer.write_all(&noise).unwrap();
    let mut bytes = writer.finish().unwrap().into_inner();
    if let Some(size) = declared {
        // The uncompressed size in the local header (offset 22) and the central directory (24).
        for (signature, at) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
            let start = bytes.windows(4).position(|w| w == signature).expect("a zip header");
            bytes[start + at..start + at + 4].copy_from_slice(&size.to_le_bytes());
        }
    }
    bytes
}

#[tokio::test]
async fn docx_bombs_are_refused_or_kept_unread_and_a_burst_of_them_leaves_the_server_small() {
    let mut server = Server::start().await;
    let ada = server.signed_in().await;
    let ann = ada.add_contractor(&[("name", "Ann Zeppelin")]).await;
    // Honest headers declaring 256 MiB: refused at once, with the reason, and nothing stored.
    let declared = docx_bomb(256 << 20, 0, None);
    let refused = upload(&ada, ann, "cv", "declared.docx", &declared).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.texts(".upload-error")[0].contains("zip bomb"), "{}", refused.text);
    assert!(ada.get(&format!("/contractors/{ann}")).await.texts(".current-cv").is_empty(), "nothing stored");
    // Headers claiming 1,000 bytes for 256 MiB: only unpacking could tell, and the server does
    // not unpack. Kept, its text unreadable.
    let lying = docx_bomb(256 << 20, 0, Some(1_000));
    assert!(lying.len() < 1024 * 1024, "a small file: {} bytes", lying.len());
    let kept = upload(&ada, ann, "cv", "lying.docx", &lying).await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER, "{}", kept.text);
    let page = ada.get(&format!("/contractors/{ann}")).await;
    assert_eq!(page.texts(".current-cv a"), ["lying.docx"]);
    assert_eq!(page.texts(".current-cv .text-status"), ["Text could not be read"]);
    // Eight at once, each 300 KB unpacking to 49 MiB: within the per-file bounds (50 MB, a ratio
    // under 200), so each is accepted; unpacked in the server they would take it past half a
    // gigabyte together. The readers run in their own processes, two at a time.
    let big = docx_bomb(49 << 20, 256 << 10, None);
    let burst = (0..8).map(|n| {
        let (ada, big) = (&ada, &big);
        async move { upload(ada, ann, "other", &format!("big-{n}.docx"), big).await.status }
    });
    let statuses = futures_util::future::join_all(burst).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::SEE_OTHER), "{statuses:?}\n{}", server.log());
    let page = ada.get(&format!("/contractors/{ann}")).await;
    let listed = page.texts("table.documents tbody td:first-child");
    assert_eq!(listed.iter().filter(|name| name.starts_with("big-")).count(), 8, "{listed:?}");
    assert_eq!(ada.get("/contractors?q=zeppelin").await.texts(".results-table tbody tr a.strong"), ["Ann Zeppelin"]);
    assert!(server.running(), "the server is still up:\n{}", server.log());
    let peak = server.peak_memory_bytes();
    assert!(peak < PEAK_LIMIT_BYTES, "the server's peak memory was {} MiB after the .docx files", peak >> 20);
    println!("docx: refused, kept unread, 8 at once; server peak memory {} MiB", peak >> 20);
}
