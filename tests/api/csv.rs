//! CSV export and import of contractors: the export's format, the round trip, re-imports,
//! the column guess, the preview of every bad row, hostile files, formula cells, isolation.

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::TimeDelta;
use diesel::prelude::*;
use nextgig::db::schema::{agency_contractor_skills, agency_contractors, audit_log, imports, skills};
use nextgig::models::csv_import;
use reqwest::StatusCode;
use scraper::Selector;

use crate::helpers::{Page, TestApp, TestClient, spawn_app};

async fn recruiter(app: &TestApp) -> TestClient {
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    app.create_recruiter(agency, "Rita Recruiter", "rita@acme.test").await;
    app.signed_in("rita@acme.test").await
}

const BOUNDARY: &str = "nextgig-test-boundary-7MA4YWxkTrZu0gW";

fn multipart(fields: &[(&str, &[u8], Option<&str>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value, filename) in fields {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match filename {
            Some(file) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: text/csv\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn post_multipart(client: &TestClient, body: Vec<u8>) -> Page {
    let response = client
        .http
        .post(format!("{}/imports", client.base))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .send()
        .await
        .expect("request");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    Page { status, headers, text }
}

/// Uploads a file as the browser form would (token first, then the delimiter, then the file).
async fn upload_with(client: &TestClient, filename: &str, bytes: &[u8], delimiter: &str) -> Page {
    let token = client.get("/imports/new").await.csrf_token();
    post_multipart(
        client,
        multipart(&[
            ("csrf_token", token.as_bytes(), None),
            ("delimiter", delimiter.as_bytes(), None),
            ("file", bytes, Some(filename)),
        ]),
    )
    .await
}

pub async fn upload(client: &TestClient, bytes: &[u8]) -> Page {
    upload_with(client, "contractors.csv", bytes, "").await
}

pub fn import_id(page: &Page) -> i64 {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "upload refused: {}", page.text);
    page.location().trim_start_matches("/imports/").parse().expect("an import id")
}

/// The field chosen for each column on the mapping form.
fn chosen_mapping(page: &Page) -> Vec<String> {
    let html = page.html();
    let selects = Selector::parse(r#"select[name="column"]"#).unwrap();
    let selected = Selector::parse("option[selected]").unwrap();
    html.select(&selects)
        .map(|s| s.select(&selected).next().and_then(|o| o.value().attr("value")).unwrap_or("").to_string())
        .collect()
}

async fn submit_mapping(client: &TestClient, id: i64, mapping: &[String]) -> Page {
    let token = client.get(&format!("/imports/{id}")).await.csrf_token();
    let mut fields: Vec<(&str, &str)> = mapping.iter().map(|m| ("column", m.as_str())).collect();
    fields.push(("csrf_token", &token));
    client.post_raw(&format!("/imports/{id}/mapping"), &fields).await
}

async fn run(client: &TestClient, id: i64, skip_invalid: bool) -> Page {
    let fields: &[(&str, &str)] = if skip_invalid { &[("skip_invalid", "1")] } else { &[] };
    client.submit(&format!("/imports/{id}"), &format!("/imports/{id}/run"), fields).await
}

/// Runs the import runner (as an instance's background job would); returns the import's status.
async fn finished(app: &TestApp, id: i64) -> String {
    app.run_imports().await;
    app.with_db(move |conn| imports::table.find(id).select(imports::status).first(conn).unwrap()).await
}

/// Upload, accept the guessed mapping, run (skipping invalid rows when asked), wait.
async fn import(app: &TestApp, client: &TestClient, bytes: &[u8], skip_invalid: bool) -> (i64, Page) {
    let id = import_id(&upload(client, bytes).await);
    let mapping = chosen_mapping(&client.get(&format!("/imports/{id}")).await);
    let preview = submit_mapping(client, id, &mapping).await;
    assert_eq!(preview.status, StatusCode::SEE_OTHER, "mapping refused: {}", preview.text);
    let started = run(client, id, skip_invalid).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "run refused: {}", started.text);
    assert_eq!(finished(app, id).await, "done");
    (id, client.get(&format!("/imports/{id}")).await)
}

fn count(page: &Page, class: &str) -> String {
    page.texts(&format!(".{class}")).into_iter().next().unwrap_or_default()
}

/// Every stored column of every contractor record, with its skills, in id order (for "nothing changed").
async fn snapshot(app: &TestApp) -> Vec<String> {
    app.with_db(|conn| {
        let records: Vec<nextgig::models::contractor::Contractor> = agency_contractors::table
            .order(agency_contractors::id.asc())
            .select(nextgig::models::contractor::Contractor::as_select())
            .load(conn)
            .unwrap();
        let links: Vec<(i64, String)> = agency_contractor_skills::table
            .inner_join(skills::table)
            .order((agency_contractor_skills::agency_contractor_id.asc(), skills::name.asc()))
            .select((agency_contractor_skills::agency_contractor_id, skills::name))
            .load(conn)
            .unwrap();
        records
            .iter()
            .map(|r| {
                let skills: Vec<&str> = links.iter().filter(|(id, _)| *id == r.id).map(|(_, n)| n.as_str()).collect();
                format!("{r:?} skills={skills:?}")
            })
            .collect()
    })
    .await
}

/// Each row of a table as its cells' texts joined by " | ".
fn table_rows(page: &Page, css: &str) -> Vec<String> {
    let html = page.html();
    let rows = Selector::parse(css).unwrap();
    let cells = Selector::parse("td, th").unwrap();
    html.select(&rows)
        .map(|row| {
            row.select(&cells)
                .map(|c| c.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

fn lines(csv: &str) -> Vec<&str> {
    csv.trim_start_matches('\u{feff}').split("\r\n").filter(|l| !l.is_empty()).collect()
}

#[tokio::test]
async fn a_search_export_is_excel_ready_csv_of_every_match_and_is_audited() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    rita.add_contractor(&[("name", "Ann Rust"), ("email", "ann@example.com"), ("skills", "Rust, Go")]).await;
    rita.add_contractor(&[("name", "Ben Java"), ("email", "ben@example.com"), ("skills", "Java")]).await;
    let search = rita.get("/contractors?skill=rust").await;
    let link = search
        .html()
        .select(&Selector::parse(r#"a[href^="/exports/contractors.csv"]"#).unwrap())
        .next()
        .and_then(|a| a.value().attr("href").map(str::to_string))
        .expect("an export link on the search page");
    let export = rita.get(&link).await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.headers.get("content-type").unwrap(), "text/csv; charset=utf-8");
    assert_eq!(
        export.headers.get("content-disposition").unwrap(),
        "attachment; filename=\"contractors-2026-11-25.csv\""
    );
    assert!(export.text.starts_with('\u{feff}'), "UTF-8 with a BOM");
    assert!(export.text.ends_with("\r\n") && !export.text.replace("\r\n", "").contains('\n'), "CRLF line ends");
    let rows = lines(&export.text);
    assert_eq!(
        rows[0],
        "Name,Email,Phone,Headline,Skills,Location,Remote,Availability,Available from,Contract ends,Extension,\
         Notice days,Rate floor,Currency,Rate unit,LinkedIn,Links,Source,Owner email,Tags,Notes,Summary,NextGig ID"
    );
    assert_eq!(rows.len(), 2, "only the match: {rows:?}");
    assert!(rows[1].starts_with("Ann Rust,ann@example.com,,,\"Go, Rust\",,Open to anything,Available now,"));
    let audit: Vec<String> = app
        .with_db(|conn| {
            audit_log::table
                .filter(audit_log::action.eq("contractors.exported"))
                .select(audit_log::detail)
                .load(conn)
                .unwrap()
        })
        .await;
    assert_eq!(audit, ["1 rows from a search"]);
    let bad = rita.get("/exports/contractors.csv?available_by=31-12-2026").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("must be a date like"));
}

fn people_csv(n: usize) -> String {
    let mut csv = String::from("Name,Email,Skills,Rate floor,Availability\r\n");
    for i in 0..n {
        csv.push_str(&format!("Person {i:05},person{i}@example.com,\"Rust, SQL\",{},Available now\r\n", 50 + i % 40));
    }
    csv
}

#[tokio::test]
async fn an_import_of_thousands_of_rows_is_searchable_and_exports_in_batches() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let (_, summary) = import(&app, &rita, people_csv(2_345).as_bytes(), false).await;
    assert_eq!(count(&summary, "count-created"), "2345");
    assert_eq!(app.count("agency_contractors").await, 2345);
    // Searchable by skill and by name through the same index the form writes.
    let found = rita.get("/contractors?q=person&skill=sql").await;
    assert!(found.text.contains("50+ contractors"), "{}", found.texts(".lead").join(" "));
    assert!(rita.get("/contractors?q=%2201234%22").await.text.contains("Person 01234"));
    // Imported availability was not confirmed with anyone.
    assert!(found.text.contains("never confirmed"));
    let export = rita.get("/exports/contractors.csv?sort=name").await;
    let rows = lines(&export.text);
    assert_eq!(rows.len(), 2346, "the header and every row, across batches of 1,000");
    let mut names: Vec<&str> = rows[1..].iter().map(|r| r.split(',').next().unwrap()).collect();
    assert_eq!(names[0], "Person 00000");
    names.dedup();
    assert_eq!(names.len(), 2345, "each once");
}

#[tokio::test]
async fn a_round_trip_of_export_then_import_changes_nothing() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let rita_id: i64 = app
        .with_db(|conn| {
            use nextgig::db::schema::users;
            users::table.filter(users::email.eq("rita@acme.test")).select(users::id).first(conn).unwrap()
        })
        .await;
    rita.add_contractor(&[
        ("owner_id", &rita_id.to_string()),
        ("name", "Jane Doe"),
        ("email", "jane@example.com"),
        ("phone", "+44 20 7946 0000"),
        ("headline", "Senior Rust engineer, \"hands-on\""),
        ("summary", "Built trading systems.\nLoves Postgres; and commas, too."),
        ("skills", "Rust, postgres, Kubernetes"),
        ("location", "London"),
        ("remote", "hybrid"),
        ("availability", "on_contract"),
        ("contract_ends_on", "2027-03-31"),
        ("extension_likelihood", "possible"),
        ("notice_days", "30"),
        ("rate_floor", "650.50"),
        ("rate_currency", "GBP"),
        ("rate_unit", "day"),
        ("linkedin_url", "https://www.linkedin.com/in/janedoe"),
        ("links", "https://github.com/janedoe\nhttps://jane.dev"),
        ("source", "Referral"),
        ("tags", "Fintech, remote-first"),
        ("notes", "=HYPERLINK(\"http://evil.example\",\"click\")\n@SUM(1)"),
    ])
    .await;
    rita.add_contractor(&[
        ("name", "Phone Only"),
        ("phone", "07700 900123"),
        ("availability", "from_date"),
        ("available_from", "2027-01-04"),
    ])
    .await;
    rita.add_contractor(&[("name", "-Dash Name"), ("owner_id", ""), ("availability", "not_looking")]).await;
    rita.add_contractor(&[("name", "Émile Ünïcødé 日本"), ("email", "emile@example.com"), ("tags", "été")]).await;
    let before = snapshot(&app).await;
    let first = rita.get("/exports/contractors.csv").await;
    assert!(first.text.contains("'=HYPERLINK("), "formulas are neutralised");
    assert!(first.text.contains("'+44 20 7946 0000") && first.text.contains("'-Dash Name"));
    assert!(first.text.contains(",rita@acme.test,"), "the owner's email");

    let (_, summary) = import(&app, &rita, first.text.as_bytes(), false).await;
    assert_eq!(count(&summary, "count-created"), "0");
    assert_eq!(count(&summary, "count-updated"), "0");
    assert_eq!(count(&summary, "count-unchanged"), "4");
    assert_eq!(count(&summary, "count-skipped"), "0");
    assert_eq!(snapshot(&app).await, before, "same rows, same values, same versions");
    let second = rita.get("/exports/contractors.csv").await;
    assert_eq!(second.text, first.text, "the second export is byte-identical");
    let stored_notes: String = app
        .with_db(|conn| {
            agency_contractors::table
                .filter(agency_contractors::name.eq("Jane Doe"))
                .select(agency_contractors::notes.assume_not_null())
                .first(conn)
                .unwrap()
        })
        .await;
    assert!(stored_notes.starts_with("=HYPERLINK("), "stored as typed; only the export neutralises");
}

#[tokio::test]
async fn a_reimport_updates_matching_records_and_creates_no_duplicates() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let file = "Name,Email,Rate floor,Skills\nAnn Rust,ann@example.com,80,Rust\nBen Go,ben@example.com,90,Go\nCleo Java,cleo@example.com,,Java\n";
    let (_, first) = import(&app, &rita, file.as_bytes(), false).await;
    assert_eq!(count(&first, "count-created"), "3");
    let changed = "Name,E-mail,Rate floor,Skills\nAnn Rust,ANN@example.com,85,\"Rust, Postgres\"\nBen Go,ben@example.com,90,Go\nCleo Java,cleo@example.com,,Java\nDan New,dan@example.com,70,\n";
    let (_, second) = import(&app, &rita, changed.as_bytes(), false).await;
    assert_eq!(count(&second, "count-created"), "1");
    assert_eq!(count(&second, "count-updated"), "1");
    assert_eq!(count(&second, "count-unchanged"), "2");
    assert_eq!(app.count("agency_contractors").await, 4, "no duplicates");
    let (rate, version): (Option<i64>, i32) = app
        .with_db(|conn| {
            agency_contractors::table
                .filter(agency_contractors::email.eq("ann@example.com"))
                .select((agency_contractors::rate_floor_minor, agency_contractors::version))
                .first(conn)
                .unwrap()
        })
        .await;
    assert_eq!((rate, version), (Some(8500), 2), "updated with a new version");
    assert!(rita.get("/contractors?skill=postgres").await.text.contains("Ann Rust"), "skills and index updated");
    let (_, third) = import(&app, &rita, changed.as_bytes(), false).await;
    assert_eq!(count(&third, "count-unchanged"), "4");
    assert_eq!(app.count("agency_contractors").await, 4);
}

#[tokio::test]
async fn the_mapping_is_guessed_from_the_headers_and_can_be_changed() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let file = "Full name;E-mail;Mobile;Day rate;Skill set;Favourite colour;EMAIL\nAnn Rust;ann@example.com;+44 7700 900000;600;Rust;blue;x@y.z\n";
    let id = import_id(&upload(&rita, file.as_bytes()).await);
    let page = rita.get(&format!("/imports/{id}")).await;
    assert_eq!(chosen_mapping(&page), ["name", "email", "phone", "rate_floor", "skills", "", ""]);
    assert!(page.text.contains("ann@example.com"), "first values are shown beside the columns");
    let preview = submit_mapping(&rita, id, &chosen_mapping(&page)).await;
    assert_eq!(preview.status, StatusCode::SEE_OTHER);
    let page = rita.get(&format!("/imports/{id}")).await;
    assert_eq!(
        page.texts(".sample-table tbody td:nth-child(7)"),
        ["EUR 600/day"],
        "a day rate header implies the unit"
    );
    // Two columns for one field are refused with a clear message.
    let mapping: Vec<String> =
        ["name", "email", "phone", "rate_floor", "skills", "", "email"].iter().map(|s| s.to_string()).collect();
    let twice = submit_mapping(&rita, id, &mapping).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        twice.texts(".mapping-errors li"),
        ["Columns \"E-mail\" and \"EMAIL\" are both mapped to Email: choose one."]
    );
}

#[tokio::test]
async fn the_preview_lists_every_bad_row_and_importing_them_needs_skip_invalid() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let file = "Name,Email,Availability,Available from,Rate floor,Owner email\n\
                Good One,good1@example.com,Available now,,80,rita@acme.test\n\
                Bad Date,bad-date@example.com,from_date,31/12/2026,80,\n\
                ,no-name@example.com,,,,\n\
                Bad Email,not-an-email,,,-5,\n\
                Good Two,good2@example.com,from_date,4 Jan 2027,90,\n\
                Stranger,stranger@example.com,,,,boss@elsewhere.test\n\
                Copy,good1@example.com,,,,\n";
    let id = import_id(&upload(&rita, file.as_bytes()).await);
    let mapping = chosen_mapping(&rita.get(&format!("/imports/{id}")).await);
    submit_mapping(&rita, id, &mapping).await;
    let preview = rita.get(&format!("/imports/{id}")).await;
    assert_eq!(count(&preview, "count-new"), "2");
    assert_eq!(count(&preview, "count-invalid"), "5");
    let problems = table_rows(&preview, ".problems-table tbody tr");
    let expected = [
        "3 | Available from | Available from must be a date like 2026-12-31.",
        "4 | Name | Name is required.",
        "5 | Email | Enter an email address like name@example.com.",
        "5 | Rate floor | Rate floor must not be negative.",
        "7 | Owner email | No one on your team has the email or name \"boss@elsewhere.test\".",
        "8 | Email | Row 2 has the same email.",
    ];
    assert_eq!(problems, expected);
    assert_eq!(preview.texts(".sample-table tbody td:nth-child(3)"), ["Good One", "Good Two"]);

    let refused = run(&rita, id, false).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("5 rows have problems."));
    assert_eq!(app.count("agency_contractors").await, 0, "nothing imported");

    let started = run(&rita, id, true).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    assert_eq!(finished(&app, id).await, "done");
    let summary = rita.get(&format!("/imports/{id}")).await;
    assert_eq!(count(&summary, "count-created"), "2");
    assert_eq!(count(&summary, "count-skipped"), "5");
    assert_eq!(table_rows(&summary, ".problems-table tbody tr"), expected, "the summary says why each row was skipped");
    assert_eq!(app.count("agency_contractors").await, 2);
    let content: String =
        app.with_db(move |conn| imports::table.find(id).select(imports::content).first(conn).unwrap()).await;
    assert!(content.is_empty(), "the uploaded file is not kept once imported");
    // A finished import does not run twice.
    run(&rita, id, true).await;
    assert_eq!(app.count("agency_contractors").await, 2);
}

#[tokio::test]
async fn hostile_files_get_a_clear_message_and_nothing_is_half_imported() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;

    // 200,000 rows: refused at upload.
    let mut huge = String::from("Name,Email\n");
    for i in 0..200_000 {
        huge.push_str(&format!("P{i},p{i}@x.io\n"));
    }
    let page = upload(&rita, huge.as_bytes()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains("at most 100,000 rows per file"), "{}", page.texts(".upload-error").join(""));

    // Too large, whether the request says so up front or the file only turns out so.
    for size in [30 * 1024 * 1024, 25 * 1024 * 1024 + 10_000] {
        let mut big = String::from("Name,Email\n");
        big.push_str(&"x".repeat(size));
        let page = upload(&rita, big.as_bytes()).await;
        assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE, "{size}");
        assert!(page.text.contains("This file is larger than 25 MB."), "{size}");
    }

    // Broken quotes: the line is named.
    let page = upload(&rita, b"Name,Email\nAnn,ann@x.io\n\"Ben,ben@x.io\nCleo,cleo@x.io\n").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains("starts on line 3 is never closed"), "{}", page.texts(".upload-error").join(""));
    let page = upload(&rita, b"Name,Email\n\"Ann\" Smith,ann@x.io\n").await;
    assert!(page.text.contains("Line 2 has text after a closing quote"));

    // Not a CSV at all.
    let page = upload_with(&rita, "people.xlsx", b"PK\x03\x04\x14\x00\x06\x00", "").await;
    assert!(page.text.contains("spreadsheet workbook, not a CSV file"));
    let page = upload(&rita, b"Name\n\xff\xfe\x00\x01binary").await;
    assert!(page.text.contains("binary data") || page.text.contains("not UTF-8"));
    let page = upload(&rita, b"").await;
    assert!(page.text.contains("The file is empty."));
    assert_eq!(app.count("imports").await, 0, "refused files are not stored");

    // A missing email column: the mapping says why it is needed.
    let id = import_id(&upload(&rita, b"Name,Phone\nAnn,+44 7700 900000\n").await);
    let mapping = chosen_mapping(&rita.get(&format!("/imports/{id}")).await);
    let refused = submit_mapping(&rita, id, &mapping).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("Map a column to Email."));
    assert_eq!(run(&rita, id, true).await.status, StatusCode::SEE_OTHER);
    assert!(rita.get(&format!("/imports/{id}")).await.text.contains("Confirm the column mapping first."));

    // A wrong delimiter: one column, a message, and a way to read it again.
    let file = "Name;Email;Skills\nAnn;ann@example.com;Rust\n";
    let id = import_id(&upload_with(&rita, "semi.csv", file.as_bytes(), "comma").await);
    let page = rita.get(&format!("/imports/{id}")).await;
    assert_eq!(chosen_mapping(&page).len(), 1);
    assert!(page.text.contains("Only one column was found"));
    let refused = submit_mapping(&rita, id, &chosen_mapping(&page)).await;
    assert!(refused.text.contains("choose that delimiter above and read the file again"));
    let again = rita
        .submit(&format!("/imports/{id}"), &format!("/imports/{id}/delimiter"), &[("delimiter", "semicolon")])
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(chosen_mapping(&rita.get(&format!("/imports/{id}")).await), ["name", "email", "skills"]);

    // A BOM and a semicolon, as Excel writes them: detected.
    let id = import_id(&upload(&rita, "\u{feff}Name;Email\nAnn;ann@example.com\n".as_bytes()).await);
    assert_eq!(chosen_mapping(&rita.get(&format!("/imports/{id}")).await), ["name", "email"]);

    // A 10 MB cell: that row is refused as too long, the others import.
    let mut big = String::from("Name,Email,Notes\nFine Row,fine@example.com,ok\nBig Row,big@example.com,\"");
    big.push_str(&"x".repeat(10 * 1024 * 1024));
    big.push_str("\"\n");
    let id = import_id(&upload(&rita, big.as_bytes()).await);
    let mapping = chosen_mapping(&rita.get(&format!("/imports/{id}")).await);
    submit_mapping(&rita, id, &mapping).await;
    let preview = rita.get(&format!("/imports/{id}")).await;
    assert_eq!(
        table_rows(&preview, ".problems-table tbody tr"),
        ["3 | Notes | Notes is too long (at most 20000 characters)."]
    );
    assert!(preview.text.len() < 200_000, "the huge cell is not echoed");
    assert_eq!(app.count("agency_contractors").await, 0, "nothing imported before the user says so");
}

#[tokio::test]
async fn an_upload_without_the_csrf_token_is_refused_and_stores_nothing() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let file: &[u8] = b"Name,Email\nAnn,ann@example.com\n";
    let no_token = post_multipart(&rita, multipart(&[("file", file, Some("x.csv"))])).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let wrong = post_multipart(&rita, multipart(&[("csrf_token", b"0000", None), ("file", file, Some("x.csv"))])).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let plain_form = rita.post_raw("/imports", &[("file", "Name\nAnn")]).await;
    assert_eq!(plain_form.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("imports").await, 0);
    let actions: Vec<String> = app
        .with_db(|conn| {
            audit_log::table.filter(audit_log::action.eq("csrf.failed")).select(audit_log::action).load(conn).unwrap()
        })
        .await;
    assert_eq!(actions.len(), 3);
}

/// Uploads `file`, accepts the guessed mapping and presses "Import": the import is queued.
async fn queued(client: &TestClient, file: &[u8], skip_invalid: bool) -> i64 {
    let id = import_id(&upload(client, file).await);
    let mapping = chosen_mapping(&client.get(&format!("/imports/{id}")).await);
    assert_eq!(submit_mapping(client, id, &mapping).await.status, StatusCode::SEE_OTHER);
    assert_eq!(run(client, id, skip_invalid).await.status, StatusCode::SEE_OTHER);
    id
}

/// An instance named `worker` claims the next import, as its runner would.
async fn claim(app: &TestApp, worker: &'static str) -> Option<csv_import::Claimed> {
    let now = app.clock.now();
    app.with_db(move |conn| csv_import::claim_next(conn, worker, TimeDelta::minutes(2), now).unwrap()).await
}

/// `worker` runs a claimed import for at most `chunks` chunks, then is asked to stop.
async fn run_chunks(
    app: &TestApp,
    claimed: csv_import::Claimed,
    worker: &'static str,
    chunks: usize,
) -> csv_import::RunOutcome {
    let clock = app.clock.clone();
    app.with_db(move |conn| {
        let asked = AtomicUsize::new(0);
        let keep_going = || asked.fetch_add(1, Ordering::SeqCst) < chunks;
        csv_import::run(conn, &claimed, worker, TimeDelta::minutes(2), &|| clock.now(), &keep_going).unwrap()
    })
    .await
}

/// The import's page: its status line, the sentence about where it stands, and whether it
/// refreshes itself.
async fn import_page(client: &TestClient, id: i64) -> (String, String, bool) {
    let page = client.get(&format!("/imports/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let state = page.texts(".import-state").join(" ");
    (page.texts(".import-status").join(" "), state, page.headers.get("refresh").is_some_and(|v| v == "2"))
}

/// (contractors, distinct emails among them).
async fn contractors_and_emails(app: &TestApp) -> (i64, i64) {
    app.with_db(|conn| {
        let emails: Vec<Option<String>> =
            agency_contractors::table.select(agency_contractors::email).load(conn).unwrap();
        let distinct: std::collections::HashSet<&Option<String>> = emails.iter().collect();
        (emails.len() as i64, distinct.len() as i64)
    })
    .await
}

#[tokio::test]
async fn an_import_is_queued_runs_on_an_instance_is_interrupted_and_resumes_and_its_page_says_so_at_each_step() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let id = queued(&rita, people_csv(1_200).as_bytes(), false).await;

    let (status, state, refreshes) = import_page(&rita, id).await;
    assert!(status.starts_with("Queued · 1200 rows"), "{status}");
    assert_eq!(state, "Queued: it starts as soon as a NextGig server takes it up.");
    assert!(refreshes, "a queued import's page refreshes itself");
    assert_eq!(app.count("agency_contractors").await, 0);

    let claimed = claim(&app, "web1-4242-aaaa1111").await.expect("the queued import is claimed");
    assert!(claim(&app, "web2-5151-bbbb2222").await.is_none(), "one instance at a time");
    let (status, state, refreshes) = import_page(&rita, id).await;
    assert!(status.starts_with("Importing · "), "{status}");
    assert_eq!(state, "Running on instance 4242-aaaa1111.", "the host name is not shown");
    assert!(refreshes);

    // The instance is asked to stop (SIGTERM) after one chunk: it gives the import back.
    assert_eq!(run_chunks(&app, claimed, "web1-4242-aaaa1111", 1).await, csv_import::RunOutcome::Paused);
    assert_eq!(contractors_and_emails(&app).await, (500, 500), "the first chunk is saved");
    let (status, state, refreshes) = import_page(&rita, id).await;
    assert!(status.starts_with("Interrupted, resumes by itself"), "{status}");
    assert!(state.starts_with("Interrupted after 500 of 1200 rows: the server running it stopped."), "{state}");
    assert!(state.contains("It resumes from there by itself"), "{state}");
    assert!(refreshes, "the page keeps refreshing: the import moves on by itself");

    // This instance's runner (restarted) takes it up and finishes it.
    assert_eq!(app.run_imports().await, 1);
    let summary = rita.get(&format!("/imports/{id}")).await;
    assert!(summary.texts(".import-status")[0].starts_with("Imported"), "{:?}", summary.texts(".import-status"));
    assert!(summary.headers.get("refresh").is_none(), "a finished import's page stays still");
    assert_eq!(count(&summary, "count-created"), "1200", "rows written before the interruption count as created");
    assert_eq!(count(&summary, "count-unchanged"), "0", "and were not imported again");
    assert_eq!(
        summary.texts(".import-resumed"),
        ["The import was interrupted 1 time and each time resumed where it stopped: every row was imported once."]
    );
    assert_eq!(contractors_and_emails(&app).await, (1200, 1200), "each row once");
    assert_eq!(app.count("contractor_search").await, 1200, "indexed once each");
    let audit: Vec<String> = app
        .with_db(|conn| {
            audit_log::table
                .filter(audit_log::action.eq("contractors.imported"))
                .select(audit_log::detail)
                .load(conn)
                .unwrap()
        })
        .await;
    assert_eq!(audit, ["contractors.csv: 1200 created, 0 updated, 0 unchanged, 0 skipped"]);
    assert_eq!(app.run_imports().await, 0, "nothing left to run");
}

#[tokio::test]
async fn an_import_whose_instance_died_is_taken_over_once_its_claim_lapses_and_each_row_is_written_once() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    // The tenth person and the 700th share an email, on either side of the interruption; the
    // 800th has no name. Both are skipped, with the reason. (The file's CRLF line ends make the
    // rows count from the header as 0.)
    let mut file = people_csv(1_000);
    file = file.replace("person699@example.com", "person9@example.com").replace("Person 00799,", ",");
    let id = queued(&rita, file.as_bytes(), true).await;

    let dead = claim(&app, "web1-7-dead0001").await.unwrap();
    assert_eq!(run_chunks(&app, dead, "web1-7-dead0001", 1).await, csv_import::RunOutcome::Paused);
    // ... and that instance died (kill -9) holding the claim, as it does between two chunks.
    let until = app.clock.now() + TimeDelta::minutes(2);
    app.with_db(move |conn| {
        diesel::update(imports::table.find(id))
            .set((imports::claimed_by.eq(Some("web1-7-dead0001")), imports::claimed_until.eq(Some(until))))
            .execute(conn)
            .unwrap()
    })
    .await;
    assert_eq!(app.run_imports().await, 0, "its claim has not lapsed: no one takes the import over yet");
    let (_, state, _) = import_page(&rita, id).await;
    assert_eq!(state, "Running on instance 7-dead0001.", "all anyone knows until the claim lapses");

    crate::helpers::advance(&app, TimeDelta::minutes(3));
    let (status, state, refreshes) = import_page(&rita, id).await;
    assert!(status.starts_with("Interrupted, resumes by itself"), "{status}");
    assert!(state.starts_with("Interrupted after 500 of 1000 rows"), "{state}");
    assert!(refreshes);

    assert_eq!(app.run_imports().await, 1, "another instance resumes it");
    let summary = rita.get(&format!("/imports/{id}")).await;
    assert_eq!(count(&summary, "count-created"), "998");
    assert_eq!(count(&summary, "count-skipped"), "2");
    assert_eq!(
        table_rows(&summary, ".problems-table tbody tr"),
        [
            "700 | — | Row 10 is about the same contractor; keep one of the two rows.",
            "700 | Email | Row 10 has the same email.",
            "800 | Name | Name is required."
        ],
        "a duplicate of a row written before the interruption is still caught"
    );
    assert_eq!(summary.texts(".import-resumed").len(), 1, "it says it was interrupted");
    assert_eq!(contractors_and_emails(&app).await, (998, 998));
    let left: i64 =
        app.with_db(|conn| nextgig::db::schema::import_problems::table.count().get_result(conn).unwrap()).await;
    assert_eq!(left, 0, "the problems live in the summary once it is done");
}

#[tokio::test]
async fn an_instance_that_lost_its_claim_between_two_chunks_writes_no_more_rows() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let id = queued(&rita, people_csv(1_200).as_bytes(), false).await;
    let slow = claim(&app, "web1-1-slow0001").await.unwrap();
    let (pool, now) = (app.state.pool.clone(), app.clock.now());
    let later = now + TimeDelta::minutes(3);
    let (outcome, quick) = app
        .with_db(move |conn| {
            let asked = AtomicUsize::new(0);
            let quick = std::sync::Mutex::new(None);
            // After its first chunk the first instance stalls past its claim, and a second
            // instance takes the import over before the first one writes its next chunk.
            let keep_going = || {
                if asked.fetch_add(1, Ordering::SeqCst) == 1 {
                    let mut other = pool.get().unwrap();
                    let taken = csv_import::claim_next(&mut other, "web2-2-quick002", TimeDelta::minutes(2), later);
                    *quick.lock().unwrap() = taken.unwrap();
                }
                true
            };
            let outcome =
                csv_import::run(conn, &slow, "web1-1-slow0001", TimeDelta::minutes(2), &|| now, &keep_going).unwrap();
            (outcome, quick.into_inner().unwrap())
        })
        .await;
    assert_eq!(outcome, csv_import::RunOutcome::Lost);
    assert_eq!(contractors_and_emails(&app).await, (500, 500), "only the chunk written under its claim");
    let quick = quick.expect("the second instance took the lapsed claim");
    crate::helpers::advance(&app, TimeDelta::minutes(3));
    let (_, state, _) = import_page(&rita, id).await;
    assert!(state.starts_with("Resumed after an interruption, running on instance 2-quick002"), "{state}");
    assert_eq!(run_chunks(&app, quick, "web2-2-quick002", 10).await, csv_import::RunOutcome::Done);
    assert_eq!(contractors_and_emails(&app).await, (1200, 1200), "each row once");
    let summary = rita.get(&format!("/imports/{id}")).await;
    assert_eq!(count(&summary, "count-created"), "1200");
}

#[tokio::test]
async fn another_agency_gets_404_for_imports_and_its_exports_hold_only_its_own_contractors() {
    let app = spawn_app().await;
    let (acme, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    app.create_recruiter(acme, "Rita", "rita@acme.test").await;
    let (beta, _) = app.create_agency("Beta Talent", "bob@beta.test").await;
    app.create_recruiter(beta, "Betty", "betty@beta.test").await;
    let rita = app.signed_in("rita@acme.test").await;
    let betty = app.signed_in("betty@beta.test").await;
    let file = "Name,Email\nCanary CANARY,canary@acme.test\n";
    let (acme_import, _) = import(&app, &rita, file.as_bytes(), false).await;
    let pending = import_id(&upload(&rita, b"Name,Email\nOther CANARY,other@acme.test\n").await);
    betty.add_contractor(&[("name", "Beta Person"), ("email", "beta@beta.test")]).await;

    for id in [acme_import, pending] {
        let foreign = betty.get(&format!("/imports/{id}")).await;
        let missing = betty.get("/imports/999999").await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND);
        assert_eq!(foreign.without_tokens(), missing.without_tokens());
        for (action, fields) in [
            ("mapping", vec![("column", "name"), ("column", "email")]),
            ("delimiter", vec![("delimiter", "semicolon")]),
            ("run", vec![("skip_invalid", "1")]),
        ] {
            let foreign = betty.submit("/imports/new", &format!("/imports/{id}/{action}"), &fields).await;
            let missing = betty.submit("/imports/new", &format!("/imports/999999/{action}"), &fields).await;
            assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{action}");
            assert_eq!(foreign.without_tokens(), missing.without_tokens(), "{action}");
        }
    }
    let listing = betty.get("/imports/new").await;
    assert!(!listing.text.contains("Recent imports") && !listing.text.contains("CANARY"));
    for path in ["/exports/contractors.csv", "/exports/contractors.csv?q=canary", "/exports/contractors.csv?archived=1"]
    {
        let export = betty.get(path).await;
        assert_eq!(export.status, StatusCode::OK);
        assert!(!export.text.contains("CANARY") && !export.text.contains("acme.test"), "{path}");
    }
    assert!(betty.get("/exports/contractors.csv").await.text.contains("Beta Person"));
    // Beta importing a row with Acme's email and NextGig ID creates Beta's own record; Acme's is untouched.
    let acme_id: i64 = app
        .with_db(|conn| {
            agency_contractors::table
                .filter(agency_contractors::email.eq("canary@acme.test"))
                .select(agency_contractors::id)
                .first(conn)
                .unwrap()
        })
        .await;
    let copied = format!("Name,Email,NextGig ID\nCopied Canary,canary@acme.test,{acme_id}\n");
    let (_, summary) = import(&app, &betty, copied.as_bytes(), false).await;
    assert_eq!(count(&summary, "count-created"), "1");
    let owners: Vec<i64> = app
        .with_db(|conn| {
            agency_contractors::table
                .filter(agency_contractors::email.eq("canary@acme.test"))
                .select(agency_contractors::agency_id)
                .order(agency_contractors::agency_id.asc())
                .load(conn)
                .unwrap()
        })
        .await;
    assert_eq!(owners, [acme, beta]);
    let pending_status: String =
        app.with_db(move |conn| imports::table.find(pending).select(imports::status).first(conn).unwrap()).await;
    assert_eq!(pending_status, "uploaded", "Beta's attempts changed nothing");
}
