//! CVs and documents: upload and versions, byte-identical downloads, search inside PDF and DOCX
//! CVs (fixtures made here), the skills hint, isolation between agencies, a contractor's own CV
//! seen by each linked agency, refused files (too large, an executable, a zip bomb) with
//! nothing stored, text read only by the child process, and the sweep that reads documents a
//! restart left pending. (Decompression bombs: `parsers.rs`.)

use std::io::Write;

use diesel::prelude::*;
use nextgig::db::schema::documents;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, Page, TestApp, TestClient, spawn_app};

const BOUNDARY: &str = "nextgig-documents-boundary-Qx81Lm";

/// A multipart body as a browser sends the upload form (token first).
fn multipart(token: &str, kind: &str, filename: &str, content_type: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in [("csrf_token", token), ("kind", kind)] {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
             Content-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Uploads a file as the form on `page` would, to `action`.
pub async fn upload_to(
    client: &TestClient,
    page: &str,
    action: &str,
    kind: &str,
    filename: &str,
    bytes: &[u8],
) -> Page {
    let token = client.get(page).await.csrf_token();
    let response = client
        .http
        .post(format!("{}{action}", client.base))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(multipart(&token, kind, filename, "application/octet-stream", bytes))
        .send()
        .await
        .expect("request");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    Page { status, headers, text }
}

/// A recruiter uploads a file to a record's page.
pub async fn upload(client: &TestClient, record: i64, kind: &str, filename: &str, bytes: &[u8]) -> Page {
    let page = format!("/contractors/{record}");
    upload_to(client, &page, &format!("{page}/documents"), kind, filename, bytes).await
}

/// A contractor uploads a file to their own profile.
pub async fn upload_own(client: &TestClient, kind: &str, filename: &str, bytes: &[u8]) -> Page {
    upload_to(client, "/me/documents", "/me/documents", kind, filename, bytes).await
}

/// The newest document's id.
pub async fn last_document(app: &TestApp) -> i64 {
    app.with_db(|conn| documents::table.select(documents::id).order(documents::id.desc()).first(conn).unwrap()).await
}

/// A one-page PDF written by hand: Helvetica, one line of `text` (ASCII), a correct xref.
pub fn pdf(text: &str) -> Vec<u8> {
    let escaped = text.replace('\\', "\\\\").replace('(', "\\(").replace(')', "\\)");
    let stream = format!("BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
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

/// A zip with the given entries (deflated at `level`).
fn zip_of(entries: &[(&str, &[u8])], level: i64) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(level));
    for (name, bytes) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// A minimal Word document: one paragraph per line of `paragraphs`.
pub fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>", p.replace('&', "&amp;")))
        .collect();
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let types = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
                 <Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";
    zip_of(&[("[Content_Types].xml", types.as_bytes()), ("word/document.xml", document.as_bytes())], 6)
}

/// The bytes, content type and disposition of a download.
async fn download(client: &TestClient, path: &str) -> (StatusCode, Vec<u8>, String, String, String) {
    let response = client.http.get(format!("{}{path}", client.base)).send().await.expect("request");
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (status, content_type, disposition, sniff) =
        (response.status(), header("content-type"), header("content-disposition"), header("x-content-type-options"));
    let bytes = response.bytes().await.unwrap().to_vec();
    assert!(status != StatusCode::OK || sniff == "nosniff", "{path} is sent with nosniff");
    (status, bytes, content_type, disposition, sniff)
}

/// Names in a contractor search's results.
async fn search(client: &TestClient, q: &str) -> Vec<String> {
    client.get(&format!("/contractors?q={q}")).await.texts(".results-table tbody tr a.strong")
}

async fn recruiter(app: &TestApp, agency: &str, domain: &str) -> TestClient {
    let (agency, _) = app.create_agency(agency, &format!("admin@{domain}")).await;
    app.create_recruiter(agency, "Rita Recruiter", &format!("rita@{domain}")).await;
    app.signed_in(&format!("rita@{domain}")).await
}

/// Size, checksum, kind, record, profile, uploader and text status of a stored document.
type StoredRow = (i64, String, String, Option<i64>, Option<i64>, Option<i64>, String);

#[tokio::test]
async fn a_cv_is_kept_with_its_versions_and_downloads_byte_identical() {
    let app = spawn_app().await;
    let rita = recruiter(&app, "Acme Staffing", "acme.test").await;
    let ann = rita.add_contractor(&[("name", "Ann Example"), ("email", "ann@example.com")]).await;
    let first = "Ann Example\nRust engineer, ten years.\n".as_bytes().to_vec();
    let uploaded = upload(&rita, ann, "cv", "ann-cv-2025.txt", &first).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.text);
    assert_eq!(uploaded.location(), format!("/contractors/{ann}#documents"));
    let first_id = last_document(&app).await;
    let second = pdf("Ann Example Staff Rust engineer");
    assert_eq!(upload(&rita, ann, "cv", "Ann CV 2026.pdf", &second).await.status, StatusCode::SEE_OTHER);
    let second_id = last_document(&app).await;
    let certificate = docx(&["AWS Certified Solutions Architect"]);
    assert_eq!(upload(&rita, ann, "certificate", "aws.docx", &certificate).await.status, StatusCode::SEE_OTHER);

    let page = rita.get(&format!("/contractors/{ann}")).await;
    assert!(page.text.contains("aws.docx uploaded."), "the upload is confirmed");
    assert_eq!(page.texts(".current-cv a"), ["Ann CV 2026.pdf"], "the newest CV is current");
    assert_eq!(
        page.texts("table.documents tbody td:first-child"),
        ["aws.docx", "ann-cv-2025.txt"],
        "older versions and other documents stay listed, newest first"
    );
    assert_eq!(page.texts("table.documents tbody td:nth-child(2)"), ["Certificate", "Older CV"]);
    assert!(page.texts(".cv-text")[0].contains("Staff Rust engineer"), "the current CV is previewed as text");

    for (id, bytes, name, content_type) in [
        (first_id, &first, "ann-cv-2025.txt", "text/plain; charset=utf-8"),
        (second_id, &second, "Ann CV 2026.pdf", "application/pdf"),
    ] {
        let (status, body, got_type, disposition, _) = download(&rita, &format!("/documents/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(&body, bytes, "byte-identical");
        assert_eq!(got_type, content_type);
        assert!(disposition.starts_with("attachment"), "{disposition}");
        assert!(disposition.contains(&format!("filename=\"{name}\"")), "{disposition}");
    }
    // What the database holds: size, checksum, type, who and whose.
    let rows: Vec<StoredRow> = app
        .with_db(|conn| {
            documents::table
                .order(documents::id.asc())
                .select((
                    documents::size_bytes,
                    documents::sha256,
                    documents::kind,
                    documents::agency_contractor_id,
                    documents::profile_id,
                    documents::uploaded_by,
                    documents::text_status,
                ))
                .load(conn)
                .unwrap()
        })
        .await;
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].0, first.len() as i64);
    use sha2::Digest;
    assert_eq!(rows[1].1, hex::encode(sha2::Sha256::digest(&second)));
    assert!(rows.iter().all(|r| r.3 == Some(ann) && r.4.is_none() && r.5.is_some() && r.6 == "read"), "{rows:?}");
    assert_eq!(rows.iter().map(|r| r.2.as_str()).collect::<Vec<_>>(), ["cv", "cv", "certificate"]);
}

#[tokio::test]
async fn search_finds_a_contractor_by_a_word_only_in_their_pdf_or_docx_cv_ranked_below_skills() {
    let app = spawn_app().await;
    let rita = recruiter(&app, "Acme Staffing", "acme.test").await;
    let ann = rita.add_contractor(&[("name", "Ann Example"), ("skills", "Rust")]).await;
    let bob = rita.add_contractor(&[("name", "Bob Sample"), ("skills", "Go")]).await;
    rita.add_contractor(&[("name", "Cy Kotlin-Free"), ("skills", "Kotlin")]).await;
    assert!(search(&rita, "zanzibarist").await.is_empty());

    let pdf_cv = pdf("Ann Example: zanzibarist of payment systems, Kotlin and Rust");
    assert_eq!(upload(&rita, ann, "cv", "ann.pdf", &pdf_cv).await.status, StatusCode::SEE_OTHER);
    let docx_cv = docx(&["Bob Sample", "Led the quokkamancer platform team & wrote Kotlin daily"]);
    assert_eq!(upload(&rita, bob, "cv", "bob.docx", &docx_cv).await.status, StatusCode::SEE_OTHER);

    assert_eq!(search(&rita, "zanzibarist").await, ["Ann Example"], "a word found only in the PDF CV");
    assert_eq!(search(&rita, "quokkamancer").await, ["Bob Sample"], "a word found only in the DOCX CV");
    // Kotlin is Cy's skill and appears in Ann's and Bob's CVs: the skill match comes first.
    let kotlin = search(&rita, "kotlin").await;
    assert_eq!(kotlin.len(), 3, "{kotlin:?}");
    assert_eq!(kotlin[0], "Cy Kotlin-Free", "{kotlin:?}");

    // The page suggests the known skills found in the CV that the record lacks.
    let page = rita.get(&format!("/contractors/{ann}")).await;
    assert_eq!(page.texts(".suggested-skill"), ["Kotlin"], "Rust is on the record already");
    // A newer CV without the word replaces the old one in the search.
    let newer = pdf("Ann Example, platform engineer");
    assert_eq!(upload(&rita, ann, "cv", "ann-2.pdf", &newer).await.status, StatusCode::SEE_OTHER);
    assert!(search(&rita, "zanzibarist").await.is_empty(), "only the current CV is searched");
}

#[tokio::test]
async fn a_file_whose_text_cannot_be_read_is_kept_and_says_so() {
    let app = spawn_app().await;
    let rita = recruiter(&app, "Acme Staffing", "acme.test").await;
    let ann = rita.add_contractor(&[("name", "Ann Example")]).await;
    let broken = b"%PDF-1.4\nthis is not really a PDF at all\n%%EOF\n".to_vec();
    assert_eq!(upload(&rita, ann, "cv", "scan.pdf", &broken).await.status, StatusCode::SEE_OTHER);
    let page = rita.get(&format!("/contractors/{ann}")).await;
    assert_eq!(page.texts(".current-cv a"), ["scan.pdf"]);
    assert_eq!(page.texts(".current-cv .text-status"), ["Text could not be read"]);
    let (status, body, ..) = download(&rita, &format!("/documents/{}", last_document(&app).await)).await;
    assert_eq!((status, body), (StatusCode::OK, broken), "the file itself is kept");
}

#[tokio::test]
async fn another_agency_never_sees_nor_finds_by_an_agencys_upload_even_for_the_same_person() {
    let app = spawn_app().await;
    let desk = two_agencies_and_jane(&app).await;
    let cv = docx(&["Jane Doe", "Acme's notes: xylophonist, strong hire"]);
    assert_eq!(upload(&desk.acme, desk.acme_jane, "cv", "jane-acme.docx", &cv).await.status, StatusCode::SEE_OTHER);
    let id = last_document(&app).await;

    assert_eq!(search(&desk.acme, "xylophonist").await, ["Jane Doe"]);
    assert!(search(&desk.beta, "xylophonist").await.is_empty(), "Beta does not find by Acme's upload");
    let beta_page = desk.beta.get(&format!("/contractors/{}", desk.beta_jane)).await;
    assert!(!beta_page.text.contains("jane-acme.docx"), "Beta does not see Acme's upload");
    assert!(!beta_page.text.contains("xylophonist"));
    let (status, body, ..) = download(&desk.beta, &format!("/documents/{id}")).await;
    let (missing, missing_body, ..) = download(&desk.beta, "/documents/999999").await;
    assert_eq!((status, &body), (missing, &missing_body), "another agency's document answers like a missing one");
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nor does the contractor see what an agency keeps about her.
    assert!(!desk.jane.get("/me/documents").await.text.contains("jane-acme.docx"));
    assert_eq!(desk.jane.get(&format!("/me/documents/{id}")).await.status, StatusCode::NOT_FOUND);
    // Beta cannot upload to Acme's record either.
    let page = upload_to(
        &desk.beta,
        "/contractors",
        &format!("/contractors/{}/documents", desk.acme_jane),
        "cv",
        "x.txt",
        b"Beta was here",
    )
    .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("documents").await, 1);
}

#[tokio::test]
async fn a_contractors_own_cv_is_seen_and_found_by_each_linked_agency() {
    let app = spawn_app().await;
    let desk = two_agencies_and_jane(&app).await;
    let home = desk.jane.get("/me").await;
    assert!(home.text.contains("Upload CV"), "the portal's home offers the upload");
    let cv = pdf("Jane Doe - marimbaist and Rust engineer");
    let page = upload_own(&desk.jane, "cv", "Jane Doe CV.pdf", &cv).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let id = last_document(&app).await;
    let mine = desk.jane.get("/me/documents").await;
    assert!(mine.text.contains("Every agency you work with sees it."));
    assert_eq!(mine.texts(".documents li a"), ["Jane Doe CV.pdf"]);
    let (status, body, ..) = download(&desk.jane, &format!("/me/documents/{id}")).await;
    assert_eq!((status, body), (StatusCode::OK, cv.clone()));
    // Her uploads are checked like an agency's.
    let refused = upload_own(&desk.jane, "cv", "cv.pdf", b"\x7fELF\x02\x01\x01\0\0\0").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.texts(".upload-error")[0].contains("none of these"));
    assert_eq!(app.count("documents").await, 1);

    for (client, record) in [(&desk.acme, desk.acme_jane), (&desk.beta, desk.beta_jane)] {
        let page = client.get(&format!("/contractors/{record}")).await;
        assert_eq!(page.texts(".current-cv a"), ["Jane Doe CV.pdf"], "each linked agency sees her CV");
        assert!(page.text.contains("from Jane Doe themselves"));
        assert_eq!(search(client, "marimbaist").await.len(), 1, "each linked agency finds her by it");
        let (status, body, ..) = download(client, &format!("/documents/{id}")).await;
        assert_eq!((status, body), (StatusCode::OK, cv.clone()));
    }
    // An agency that is not linked sees nothing.
    let other = recruiter(&app, "Gamma Jobs", "gamma.test").await;
    assert_eq!(download(&other, &format!("/documents/{id}")).await.0, StatusCode::NOT_FOUND);
    assert!(search(&other, "marimbaist").await.is_empty());
    // When she stops sharing with Beta, Beta no longer sees her CV; Acme still does.
    let beta_agency: i64 = app
        .with_db(|conn| {
            use nextgig::db::schema::agencies;
            agencies::table.filter(agencies::name.eq("Beta Talent")).select(agencies::id).first(conn).unwrap()
        })
        .await;
    let unlinked = desk.jane.submit("/me/agencies", &format!("/me/agencies/{beta_agency}/unlink"), &[]).await;
    assert_eq!(unlinked.status, StatusCode::SEE_OTHER, "{}", unlinked.text);
    assert_eq!(download(&desk.beta, &format!("/documents/{id}")).await.0, StatusCode::NOT_FOUND);
    assert!(desk.beta.get(&format!("/contractors/{}", desk.beta_jane)).await.texts(".current-cv").is_empty());
    assert!(search(&desk.beta, "marimbaist").await.is_empty(), "nor finds her by its words");
    assert_eq!(download(&desk.acme, &format!("/documents/{id}")).await.0, StatusCode::OK);
    assert_eq!(search(&desk.acme, "marimbaist").await.len(), 1);
}

#[tokio::test]
async fn refused_files_say_why_and_nothing_is_stored() {
    let app = spawn_app().await;
    let rita = recruiter(&app, "Acme Staffing", "acme.test").await;
    let ann = rita.add_contractor(&[("name", "Ann Example")]).await;

    let eleven_mb = vec![b'a'; 11 * 1024 * 1024];
    let page = upload(&rita, ann, "cv", "big.txt", &eleven_mb).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.texts(".upload-error")[0].contains("larger than 10 MB"), "{}", page.text);

    // Just over the limit: the declared length passes the first check, the running count stops it.
    let just_over = vec![b'a'; 10 * 1024 * 1024 + 10 * 1024];
    let page = upload(&rita, ann, "cv", "big.txt", &just_over).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.texts(".upload-error")[0].contains("larger than 10 MB"), "{}", page.text);

    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".to_vec();
    elf.extend(std::iter::repeat_n(0u8, 4096));
    let page = upload(&rita, ann, "cv", "cv.pdf", &elf).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.texts(".upload-error")[0].contains("PDF, Word (.docx) and plain-text files"), "{}", page.text);

    // Declares 60 MB unpacked.
    let zeros = vec![0u8; 60 * 1024 * 1024];
    let bomb = zip_of(&[("word/document.xml", &zeros)], 1);
    assert!(bomb.len() < 1024 * 1024, "the bomb is small: {}", bomb.len());
    let page = upload(&rita, ann, "cv", "cv.docx", &bomb).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.texts(".upload-error")[0].contains("zip bomb"), "{}", page.text);
    // Within 50 MB, but at an absurd ratio.
    let zeros = vec![b' '; 8 * 1024 * 1024];
    let dense = zip_of(&[("word/document.xml", &zeros)], 9);
    assert_eq!(upload(&rita, ann, "cv", "cv.docx", &dense).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A zip that is not a Word document.
    let other_zip = zip_of(&[("hello.txt", b"hello")], 6);
    let page = upload(&rita, ann, "cv", "cv.docx", &other_zip).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.texts(".upload-error")[0].contains("none of these"));
    // No file, and an unknown kind.
    let page = upload(&rita, ann, "cv", "", b"").await;
    assert!(page.texts(".upload-error")[0].contains("Choose a file"));
    let page = upload(&rita, ann, "script", "cv.txt", b"Ann").await;
    assert!(page.texts(".upload-error")[0].contains("Choose what this document is"));
    assert_eq!(app.count("documents").await, 0, "nothing stored");
    let audit: i64 = app
        .with_db(|conn| {
            use nextgig::db::schema::audit_log;
            audit_log::table.filter(audit_log::action.eq("documents.uploaded")).count().get_result(conn).unwrap()
        })
        .await;
    assert_eq!(audit, 0);
}

#[tokio::test]
async fn names_with_paths_or_control_characters_are_cleaned_and_the_file_stored_under_the_clean_name() {
    let app = spawn_app().await;
    let rita = recruiter(&app, "Acme Staffing", "acme.test").await;
    let ann = rita.add_contractor(&[("name", "Ann Example")]).await;
    let page = upload(&rita, ann, "other", "../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let id = last_document(&app).await;
    let (_, _, content_type, disposition, _) = download(&rita, &format!("/documents/{id}")).await;
    assert_eq!(content_type, "text/plain; charset=utf-8");
    assert_eq!(disposition, "attachment; filename=\"passwd.txt\"");
    // A right-to-left override hiding ".exe", and a PDF named as an executable.
    let page = upload(&rita, ann, "cv", "cv\u{202e}fdp.exe", &pdf("Ann")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let names: Vec<String> = app
        .with_db(|conn| documents::table.order(documents::id.asc()).select(documents::file_name).load(conn).unwrap())
        .await;
    assert_eq!(names, ["passwd.txt", "cvfdp.exe.pdf"]);
    // A name in another script keeps its letters (RFC 6266 `filename*`).
    let page = upload(&rita, ann, "cv", "Lebenslauf Jürgen.txt", b"J\xc3\xbcrgen").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let id = last_document(&app).await;
    let (_, _, _, disposition, _) = download(&rita, &format!("/documents/{id}")).await;
    assert_eq!(
        disposition,
        "attachment; filename=\"Lebenslauf J_rgen.txt\"; filename*=UTF-8''Lebenslauf%20J%C3%BCrgen.txt"
    );
}

/// Acme and Beta each have a record of Jane, and Jane has connected both to her account.
struct Linked {
    acme: TestClient,
    beta: TestClient,
    acme_jane: i64,
    beta_jane: i64,
    jane: TestClient,
}

async fn two_agencies_and_jane(app: &TestApp) -> Linked {
    let acme = recruiter(app, "Acme Staffing", "acme.test").await;
    let beta = recruiter(app, "Beta Talent", "beta.test").await;
    let acme_jane = acme.add_contractor(&[("name", "Jane Doe"), ("email", "jane@example.com")]).await;
    let beta_jane = beta.add_contractor(&[("name", "J. Doe"), ("email", "jane@example.com")]).await;
    let jane = app.client();
    for (n, (client, record)) in [(&acme, acme_jane), (&beta, beta_jane)].into_iter().enumerate() {
        let page = format!("/contractors/{record}");
        assert_eq!(client.submit(&page, &format!("{page}/invite"), &[]).await.status, StatusCode::SEE_OTHER);
        let link = app.last_email_to("jane@example.com").await.link(&format!("{}/invitations/", app.address));
        let fields: &[(&str, &str)] = if n == 0 { &[("name", "Jane Doe"), ("password", PASSWORD)] } else { &[] };
        let done = jane.submit(&link, &link, fields).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    }
    assert_eq!(jane.get("/me/agencies").await.texts(".card-list h2"), ["Acme Staffing", "Beta Talent"]);
    Linked { acme, beta, acme_jane, beta_jane, jane }
}

#[tokio::test]
async fn the_cv_preview_is_plain_text_escaped_and_cut() {
    let app = spawn_app().await;
    let rita = recruiter(&app, "Acme Staffing", "acme.test").await;
    let ann = rita.add_contractor(&[("name", "Ann Example")]).await;
    let mut cv = "Ann <script>alert(1)</script> & <b>co</b>\nSecond line\n".to_string();
    cv.push_str(&"filler words here ".repeat(400));
    cv.push_str("THE-VERY-END");
    assert_eq!(upload(&rita, ann, "cv", "ann.txt", cv.as_bytes()).await.status, StatusCode::SEE_OTHER);
    let page = rita.get(&format!("/contractors/{ann}")).await;
    assert!(!page.text.contains("<script>alert(1)"), "the CV's text is escaped");
    // Shown as the text it is (escaped in the HTML), line breaks kept.
    assert_eq!(
        page.texts(".cv-text")[0].split("Second line").next(),
        Some("Ann <script>alert(1)</script> & <b>co</b>")
    );
    assert!(page.text.contains("<br/>Second line"));
    let shown = page.texts(".cv-text").join(" ");
    assert!(shown.contains("filler words") && !shown.contains("THE-VERY-END"), "a long CV is cut");
    assert!(page.text.contains("for the rest"));
}

/// Leaves a document as a restart leaves it mid-reading: pending, no text, claimed by an
/// instance that is gone (until `until`), `attempts` readings started.
async fn cut_off(app: &TestApp, id: i64, until: chrono::NaiveDateTime, attempts: i32) {
    app.with_db(move |conn| {
        diesel::update(documents::table.find(id))
            .set((
                documents::text_status.eq("pending"),
                documents::text_content.eq(None::<String>),
                documents::text_claimed_by.eq(Some("web1-99-gone0099")),
                documents::text_claimed_until.eq(Some(until)),
                documents::text_attempts.eq(attempts),
            ))
            .execute(conn)
            .unwrap()
    })
    .await;
    // The record's search entry goes back to what it was before the CV was read.
    let record: nextgig::models::contractor::Contractor = app
        .with_db(move |conn| {
            use nextgig::db::schema::agency_contractors;
            let record: i64 = documents::table
                .find(id)
                .select(documents::agency_contractor_id)
                .first::<Option<i64>>(conn)
                .unwrap()
                .unwrap();
            agency_contractors::table
                .find(record)
                .select(nextgig::models::contractor::Contractor::as_select())
                .first(conn)
                .unwrap()
        })
        .await;
    app.with_db(move |conn| nextgig::models::contractor::reindex(conn, &record).unwrap()).await;
}

#[tokio::test]
async fn a_cv_whose_reading_a_restart_cut_off_is_read_by_the_sweep_once_the_claim_lapses() {
    let app = spawn_app().await;
    let rita = recruiter(&app, "Acme Staffing", "acme.test").await;
    let ann = rita.add_contractor(&[("name", "Ann Example")]).await;
    let cv = pdf("Ann Example: ornithopterist and Rust engineer");
    assert_eq!(upload(&rita, ann, "cv", "ann.pdf", &cv).await.status, StatusCode::SEE_OTHER);
    let id = last_document(&app).await;
    cut_off(&app, id, app.clock.now() + chrono::TimeDelta::minutes(2), 1).await;
    let page = rita.get(&format!("/contractors/{ann}")).await;
    assert_eq!(page.texts(".current-cv .text-status"), ["Reading the text…"]);
    assert!(search(&rita, "ornithopterist").await.is_empty());

    assert_eq!(app.read_pending_documents().await, 0, "the claim of the instance that died has not lapsed");
    crate::helpers::advance(&app, chrono::TimeDelta::minutes(3));
    assert_eq!(app.read_pending_documents().await, 1, "the sweep reads it once the claim lapsed");
    assert_eq!(app.read_pending_documents().await, 0, "and only once");
    let page = rita.get(&format!("/contractors/{ann}")).await;
    assert!(page.texts(".current-cv .text-status").is_empty(), "{:?}", page.texts(".current-cv"));
    assert!(page.texts(".cv-text")[0].contains("ornithopterist"));
    assert_eq!(search(&rita, "ornithopterist").await, ["Ann Example"]);
    let (status, attempts, claimed): (String, i32, Option<String>) = app
        .with_db(move |conn| {
            documents::table
                .find(id)
                .select((documents::text_status, documents::text_attempts, documents::text_claimed_by))
                .first(conn)
                .unwrap()
        })
        .await;
    assert_eq!((status.as_str(), attempts, claimed), ("read", 2, None));
}

#[tokio::test]
async fn a_cv_whose_reading_was_cut_off_three_times_is_kept_and_marked_unreadable() {
    let app = spawn_app().await;
    let rita = recruiter(&app, "Acme Staffing", "acme.test").await;
    let ann = rita.add_contractor(&[("name", "Ann Example")]).await;
    assert_eq!(upload(&rita, ann, "cv", "ann.txt", b"Ann Example, Rust").await.status, StatusCode::SEE_OTHER);
    let id = last_document(&app).await;
    cut_off(&app, id, app.clock.now() - chrono::TimeDelta::minutes(1), nextgig::models::document::MAX_TEXT_ATTEMPTS)
        .await;
    assert_eq!(app.read_pending_documents().await, 0, "not tried a fourth time");
    let page = rita.get(&format!("/contractors/{ann}")).await;
    assert_eq!(page.texts(".current-cv a"), ["ann.txt"], "kept");
    assert_eq!(page.texts(".current-cv .text-status"), ["Text could not be read"]);
    assert_eq!(download(&rita, &format!("/documents/{id}")).await.1, b"Ann Example, Rust");
}

#[tokio::test]
async fn the_text_is_read_only_by_the_child_process_never_in_the_server() {
    // A reader that fails whatever it is given: even a plain-text CV then has no text, so the
    // server did not read it itself.
    let app = crate::helpers::spawn_app_with(|config| config.text_reader_bin = Some("/bin/false".into())).await;
    let rita = recruiter(&app, "Acme Staffing", "acme.test").await;
    let ann = rita.add_contractor(&[("name", "Ann Example")]).await;
    let page = upload(&rita, ann, "cv", "ann.txt", b"Ann Example, pterodactylist").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let page = rita.get(&format!("/contractors/{ann}")).await;
    assert_eq!(page.texts(".current-cv .text-status"), ["Text could not be read"]);
    assert!(search(&rita, "pterodactylist").await.is_empty());
    assert_eq!(search(&rita, "example").await, ["Ann Example"], "found by the rest of the record");
}
