//! Hotlists: named lists of contractors with a note per member; sorting, paging, export, and
//! isolation between agencies.

use reqwest::StatusCode;

use crate::helpers::{TestApp, TestClient, spawn_app};

async fn recruiter(app: &TestApp) -> TestClient {
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    app.create_recruiter(agency, "Rita Recruiter", "rita@acme.test").await;
    app.signed_in("rita@acme.test").await
}

async fn create_hotlist(client: &TestClient, name: &str) -> i64 {
    let page = client.submit("/hotlists", "/hotlists", &[("name", name), ("description", "")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "hotlist not created: {}", page.text);
    page.location().trim_start_matches("/hotlists/").parse().expect("an id in the redirect")
}

fn member_names(page: &crate::helpers::Page) -> Vec<String> {
    page.texts(".members-table tbody tr td:first-child a.strong")
}

#[tokio::test]
async fn a_recruiter_creates_hotlists_and_a_repeated_name_is_a_field_error() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let empty = rita.get("/hotlists").await;
    assert!(empty.text.contains("No hotlists yet."));
    let id = create_hotlist(&rita, "Rust leads").await;
    let page = rita.get(&format!("/hotlists/{id}")).await;
    assert_eq!(page.texts(".flash"), ["Hotlist \"Rust leads\" created."]);
    assert!(page.text.contains("Nobody on this hotlist yet."));

    let again = rita.submit("/hotlists", "/hotlists", &[("name", "rust LEADS"), ("description", "x")]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.field_error("name").as_deref(), Some("You already have a hotlist with this name."));
    assert_eq!(again.input_value("name").as_deref(), Some("rust LEADS"), "the input is kept");
    let blank = rita.submit("/hotlists", "/hotlists", &[("name", "  "), ("description", "")]).await;
    assert_eq!(blank.field_error("name").as_deref(), Some("Name is required."));
    let extra = rita.submit("/hotlists", "/hotlists", &[("name", "X"), ("agency_id", "2")]).await;
    assert_eq!(extra.status, StatusCode::BAD_REQUEST, "unknown fields are refused");
    assert_eq!(app.count("hotlists").await, 1);
}

#[tokio::test]
async fn members_are_added_with_notes_then_sorted_paged_edited_and_removed() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let ann = rita
        .add_contractor(&[("name", "Ann Rust"), ("rate_floor", "90"), ("availability", "now"), ("skills", "Rust")])
        .await;
    let ben = rita
        .add_contractor(&[
            ("name", "Ben Go"),
            ("rate_floor", "500"),
            ("rate_unit", "day"),
            ("availability", "from_date"),
            ("available_from", "2027-02-01"),
        ])
        .await;
    let cleo = rita.add_contractor(&[("name", "Cleo Java")]).await;
    let list = create_hotlist(&rita, "Shortlist for Initech").await;

    // From the contractor page: the hotlist choice and a note; back to the contractor page.
    let contractor_page = format!("/contractors/{ann}");
    let added = rita
        .submit(
            &contractor_page,
            "/hotlists/add",
            &[
                ("hotlist_id", &list.to_string()),
                ("contractor_id", &ann.to_string()),
                ("note", "Client loved her CV"),
                ("back", &contractor_page),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    assert_eq!(added.location(), contractor_page);
    let shown = rita.get(&contractor_page).await;
    assert_eq!(shown.texts(".flash"), ["Added to \"Shortlist for Initech\"."]);
    assert_eq!(shown.texts(".contractor-hotlists li a"), ["Shortlist for Initech"]);
    assert!(shown.text.contains("Client loved her CV"));

    // From search results: the ticked contractors, then the hotlist.
    let choose = rita.get(&format!("/hotlists/add?contractor_id={ben}&contractor_id={cleo}")).await;
    assert_eq!(choose.status, StatusCode::OK);
    assert!(choose.text.contains("Ben Go") && choose.text.contains("Cleo Java"));
    let token = choose.csrf_token();
    let bulk = rita
        .post_raw(
            "/hotlists/add",
            &[
                ("hotlist_id", &list.to_string()),
                ("contractor_id", &ben.to_string()),
                ("contractor_id", &cleo.to_string()),
                ("note", ""),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(bulk.location(), format!("/hotlists/{list}"));
    // Adding someone twice keeps one membership.
    let twice = rita
        .submit(
            &format!("/hotlists/{list}"),
            &format!("/hotlists/{list}/members"),
            &[("contractor_id", &cleo.to_string()), ("note", "")],
        )
        .await;
    assert_eq!(twice.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("hotlist_members").await, 3);

    let page = rita.get(&format!("/hotlists/{list}")).await;
    assert_eq!(page.texts(".flash"), ["Already on \"Shortlist for Initech\"."]);
    assert!(page.text.contains("3 contractors"));
    assert!(page.text.contains("EUR 90/hour") && page.text.contains("EUR 500/day"));
    assert!(page.text.contains("Available from 1 Feb 2027"));
    assert!(page.text.contains(r#"value="Client loved her CV""#));
    assert_eq!(
        member_names(&rita.get(&format!("/hotlists/{list}?sort=name")).await),
        ["Ann Rust", "Ben Go", "Cleo Java"]
    );
    assert_eq!(
        member_names(&rita.get(&format!("/hotlists/{list}?sort=rate")).await),
        ["Ben Go", "Ann Rust", "Cleo Java"]
    );
    let soonest = member_names(&rita.get(&format!("/hotlists/{list}?sort=availability")).await);
    assert_eq!(soonest.last().map(String::as_str), Some("Ben Go"));

    // Edit a note, remove a member.
    let note = rita
        .submit(
            &format!("/hotlists/{list}"),
            &format!("/hotlists/{list}/members/note"),
            &[("contractor_id", &ben.to_string()), ("note", "Call on Monday")],
        )
        .await;
    assert_eq!(note.status, StatusCode::SEE_OTHER);
    assert!(rita.get(&format!("/hotlists/{list}")).await.text.contains(r#"value="Call on Monday""#));
    let removed = rita
        .submit(
            &format!("/hotlists/{list}"),
            &format!("/hotlists/{list}/members/remove"),
            &[("contractor_id", &cleo.to_string())],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let after = rita.get(&format!("/hotlists/{list}?sort=name")).await;
    assert!(after.text.contains("Cleo Java removed from"));
    assert_eq!(member_names(&after), ["Ann Rust", "Ben Go"]);
    let index = rita.get("/hotlists").await;
    assert_eq!(index.texts(".member-count"), ["2"]);
    assert_eq!(app.count("agency_contractors").await, 3, "contractors stay");
}

#[tokio::test]
async fn a_long_hotlist_pages_through_every_member_once() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let list = create_hotlist(&rita, "Everyone").await;
    let mut ids = Vec::new();
    for n in 0..55 {
        ids.push(rita.add_contractor(&[("name", &format!("Person {n:02}"))]).await);
    }
    let token = rita.get("/hotlists").await.csrf_token();
    let list_id = list.to_string();
    let id_texts: Vec<String> = ids.iter().map(i64::to_string).collect();
    let mut fields: Vec<(&str, &str)> = vec![("hotlist_id", &list_id), ("csrf_token", &token)];
    fields.extend(id_texts.iter().map(|id| ("contractor_id", id.as_str())));
    assert_eq!(rita.post_raw("/hotlists/add", &fields).await.status, StatusCode::SEE_OTHER);
    let first = rita.get(&format!("/hotlists/{list}?sort=name")).await;
    let second = rita.get(&format!("/hotlists/{list}?sort=name&page=2")).await;
    let mut all = member_names(&first);
    assert_eq!(all.len(), 50);
    assert!(first.text.contains("rel=\"next\""));
    all.extend(member_names(&second));
    let expected: Vec<String> = (0..55).map(|n| format!("Person {n:02}")).collect();
    assert_eq!(all, expected);
}

#[tokio::test]
async fn a_hotlist_is_renamed_and_deleted_after_a_confirmation_page() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let ann = rita.add_contractor(&[("name", "Ann Rust")]).await;
    let list = create_hotlist(&rita, "Old name").await;
    create_hotlist(&rita, "Taken").await;
    rita.submit(
        "/hotlists",
        &format!("/hotlists/{list}/members"),
        &[("contractor_id", &ann.to_string()), ("note", "")],
    )
    .await;
    let edit = format!("/hotlists/{list}/edit");
    let clash = rita.submit(&edit, &format!("/hotlists/{list}"), &[("name", "Taken"), ("description", "")]).await;
    assert_eq!(clash.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(clash.field_error("name").as_deref(), Some("You already have a hotlist with this name."));
    let renamed =
        rita.submit(&edit, &format!("/hotlists/{list}"), &[("name", "New name"), ("description", "For Q1")]).await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    let page = rita.get(&format!("/hotlists/{list}")).await;
    assert!(page.text.contains("New name") && page.text.contains("For Q1"));

    let confirm = rita.get(&format!("/hotlists/{list}/delete")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert_eq!(confirm.texts("h1"), ["Delete \"New name\"?"]);
    assert!(confirm.text.contains("1 contractor is on this hotlist"));
    assert_eq!(app.count("hotlists").await, 2, "opening the confirmation changes nothing");
    let deleted = rita.submit(&format!("/hotlists/{list}/delete"), &format!("/hotlists/{list}/delete"), &[]).await;
    assert_eq!(deleted.location(), "/hotlists");
    assert!(rita.get("/hotlists").await.texts(".flash")[0].starts_with("Hotlist \"New name\" deleted."));
    assert_eq!(app.count("hotlists").await, 1);
    assert_eq!(app.count("hotlist_members").await, 0);
    assert_eq!(app.count("agency_contractors").await, 1);
    assert_eq!(rita.get(&format!("/hotlists/{list}")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_hotlist_exports_its_members_with_their_notes() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let ann = rita.add_contractor(&[("name", "Ann Rust"), ("email", "ann@example.com")]).await;
    rita.add_contractor(&[("name", "Not Listed"), ("email", "nobody@example.com")]).await;
    let list = create_hotlist(&rita, "Rust: leads!").await;
    rita.submit(
        "/hotlists",
        &format!("/hotlists/{list}/members"),
        &[("contractor_id", &ann.to_string()), ("note", "=cmd|' /C calc'!A0")],
    )
    .await;
    let export = rita.get(&format!("/hotlists/{list}/export.csv")).await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.headers.get("content-type").unwrap(), "text/csv; charset=utf-8");
    assert_eq!(
        export.headers.get("content-disposition").unwrap(),
        "attachment; filename=\"hotlist-rust-leads-2026-11-25.csv\""
    );
    let text = export.text.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("Name,Email,") && lines[0].ends_with(",NextGig ID,Hotlist note"));
    assert!(lines[1].starts_with("Ann Rust,ann@example.com,"));
    assert!(lines[1].ends_with(",'=cmd|' /C calc'!A0"), "the note is neutralised: {}", lines[1]);
    assert!(!text.contains("nobody@example.com"));
    let audit: Vec<String> = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use nextgig::db::schema::audit_log;
            audit_log::table
                .filter(audit_log::action.eq("contractors.exported"))
                .select(audit_log::detail)
                .load(conn)
                .unwrap()
        })
        .await;
    assert_eq!(audit, ["1 rows from hotlist Rust: leads!"]);
}

#[tokio::test]
async fn the_contractor_page_reads_every_hotlist_in_one_statement() {
    let app = spawn_app().await;
    let rita = recruiter(&app).await;
    let ann = rita.add_contractor(&[("name", "Ann Rust")]).await;
    let first = create_hotlist(&rita, "One").await;
    rita.submit(
        "/hotlists",
        &format!("/hotlists/{first}/members"),
        &[("contractor_id", &ann.to_string()), ("note", "")],
    )
    .await;
    let path = format!("/contractors/{ann}");
    rita.get(&path).await;
    let few = app.statements_for(&rita, &path).await;
    for n in 0..6 {
        let id = create_hotlist(&rita, &format!("List {n}")).await;
        rita.submit(
            "/hotlists",
            &format!("/hotlists/{id}/members"),
            &[("contractor_id", &ann.to_string()), ("note", "n")],
        )
        .await;
    }
    rita.get(&path).await;
    assert_eq!(app.statements_for(&rita, &path).await, few);
    assert_eq!(rita.get(&path).await.texts(".contractor-hotlists li a").len(), 7);
}

#[tokio::test]
async fn another_agency_gets_404_for_hotlists_and_cannot_add_foreign_contractors() {
    let app = spawn_app().await;
    let (acme, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    app.create_recruiter(acme, "Rita", "rita@acme.test").await;
    let (beta, _) = app.create_agency("Beta Talent", "bob@beta.test").await;
    app.create_recruiter(beta, "Betty", "betty@beta.test").await;
    let rita = app.signed_in("rita@acme.test").await;
    let betty = app.signed_in("betty@beta.test").await;
    let canary = rita.add_contractor(&[("name", "Canary CANARY"), ("email", "canary@acme.test")]).await;
    let acme_list = create_hotlist(&rita, "Acme CANARY list").await;
    rita.submit(
        "/hotlists",
        &format!("/hotlists/{acme_list}/members"),
        &[("contractor_id", &canary.to_string()), ("note", "CANARY note")],
    )
    .await;
    let beta_list = create_hotlist(&betty, "Beta list").await;
    let beta_person = betty.add_contractor(&[("name", "Beta Person")]).await;

    let missing = 999_999;
    for template in ["/hotlists/ID", "/hotlists/ID/edit", "/hotlists/ID/delete", "/hotlists/ID/export.csv"] {
        let foreign = betty.get(&template.replace("ID", &acme_list.to_string())).await;
        let absent = betty.get(&template.replace("ID", &missing.to_string())).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "GET {template}");
        assert_eq!(foreign.without_tokens(), absent.without_tokens(), "GET {template}: foreign answers like missing");
        assert!(!foreign.text.contains("CANARY"));
    }
    let posts: [(&str, Vec<(&str, String)>); 5] = [
        ("/hotlists/ID", vec![("name", "Hijacked".to_string()), ("description", String::new())]),
        ("/hotlists/ID/delete", vec![]),
        ("/hotlists/ID/members", vec![("contractor_id", beta_person.to_string()), ("note", String::new())]),
        ("/hotlists/ID/members/note", vec![("contractor_id", canary.to_string()), ("note", "x".into())]),
        ("/hotlists/ID/members/remove", vec![("contractor_id", canary.to_string())]),
    ];
    for (template, fields) in posts {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let foreign = betty.submit("/hotlists", &template.replace("ID", &acme_list.to_string()), &fields).await;
        let absent = betty.submit("/hotlists", &template.replace("ID", &missing.to_string()), &fields).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "POST {template}");
        assert_eq!(foreign.without_tokens(), absent.without_tokens(), "POST {template}: foreign answers like missing");
    }
    // Acme's contractor cannot be put on Beta's hotlist, by either route.
    let foreign_member = betty
        .submit(
            "/hotlists",
            &format!("/hotlists/{beta_list}/members"),
            &[("contractor_id", &canary.to_string()), ("note", "")],
        )
        .await;
    assert_eq!(foreign_member.status, StatusCode::NOT_FOUND);
    let token = betty.get("/hotlists").await.csrf_token();
    let mixed = betty
        .post_raw(
            "/hotlists/add",
            &[
                ("hotlist_id", &beta_list.to_string()),
                ("contractor_id", &beta_person.to_string()),
                ("contractor_id", &canary.to_string()),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(mixed.status, StatusCode::NOT_FOUND, "nothing is added when one contractor is foreign");
    let chooser = betty.get(&format!("/hotlists/add?contractor_id={canary}")).await;
    assert!(!chooser.text.contains("CANARY"));
    for page in ["/hotlists", &format!("/hotlists/{beta_list}"), &format!("/hotlists/{beta_list}/export.csv")] {
        let body = betty.get(page).await.text;
        assert!(!body.contains("CANARY") && !body.contains("canary@acme.test"), "{page}");
    }
    // Acme's list and membership are untouched.
    assert_eq!(app.count("hotlist_members").await, 1);
    let acme_page = rita.get(&format!("/hotlists/{acme_list}")).await;
    assert!(acme_page.text.contains("Acme CANARY list") && acme_page.text.contains("CANARY note"));
}
