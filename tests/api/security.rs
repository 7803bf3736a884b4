//! SECURITY.md (promises 6 to 8), the parts that walk every form or every route in process: mass
//! assignment (every form refuses fields it does not have), XSS (hostile text in every field is
//! shown as text on every page, in the browser too), SQL (raw SQL only where it belongs; hostile
//! search and filter parameters answer with the form, never an error, and change nothing).

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use scraper::{ElementRef, Html, Selector};

use crate::clients::id_from;
use crate::helpers::{Page, TestApp, TestClient, spawn_app};
use crate::pipeline::{Desk, ask_consent, contractor_joins, desk_with_job, put_forward};

/// Script injection into element content and out of an attribute value.
const SCRIPT: &str = r#"<script>alert("xss")</script>"><img src=x onerror=alert(2)>"#;
/// The same for short fields.
const SHORT: &str = r#""><svg onload=alert(3)>"#;
/// What a page would hold if it printed one of the payloads raw.
const RAW: &[&str] = &["<script>alert(", "<img src=x onerror", "<svg onload"];

/// Fails when `page` printed a payload raw, in its body or its redirect.
fn assert_inert(page: &Page, what: &str) {
    let kind = page.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    // CSV, calendar and document downloads hold the text as typed; browsers do not run them
    // (`nosniff` on every response keeps them from being read as HTML).
    let html = kind.is_empty() || kind.starts_with("text/html");
    for raw in RAW.iter().filter(|_| html) {
        assert!(!page.text.contains(raw), "{what} printed {raw} raw:\n{}", page.text);
        assert!(!page.location().contains(raw), "{what} redirects with {raw} raw: {}", page.location());
    }
    let location = page.location().to_lowercase();
    assert!(!location.starts_with("javascript:"), "{what} redirects to a script: {location}");
}

/// A form field as the page rendered it: its name, its value and whether people type free text
/// into it.
struct Field {
    name: String,
    value: String,
    free_text: bool,
    required: bool,
}

/// The fields of the form on `page` that posts to `action`.
fn form_fields(page: &Page, action: &str) -> Vec<Field> {
    let html = Html::parse_document(&page.text);
    let forms = Selector::parse("form").unwrap();
    let inputs = Selector::parse("input, textarea, select").unwrap();
    let options = Selector::parse("option").unwrap();
    let form = html
        .select(&forms)
        .find(|f| f.value().attr("action") == Some(action))
        .unwrap_or_else(|| panic!("no form posting to {action} on the page:\n{}", page.text));
    let mut fields = Vec::new();
    for input in form.select(&inputs) {
        let element = input.value();
        let Some(name) = element.attr("name").map(str::to_string) else { continue };
        if name == "csrf_token" {
            continue;
        }
        let value = |e: &ElementRef| e.value().attr("value").unwrap_or_default().to_string();
        let required = element.attr("required").is_some();
        match element.name() {
            "textarea" => fields.push(Field { name, value: input.text().collect(), free_text: true, required }),
            "select" => {
                let chosen = input.select(&options).find(|o| o.value().attr("selected").is_some());
                let chosen = chosen.or_else(|| input.select(&options).next());
                let value = chosen.map(|o| value(&o)).unwrap_or_default();
                fields.push(Field { name, value, free_text: false, required });
            }
            _ => match element.attr("type").unwrap_or("text").to_ascii_lowercase().as_str() {
                "submit" | "button" | "file" | "image" | "reset" => {}
                "checkbox" | "radio" => {
                    if element.attr("checked").is_some() {
                        let value = element.attr("value").unwrap_or("on").to_string();
                        fields.push(Field { name, value, free_text: false, required });
                    }
                }
                "text" | "search" | "tel" | "url" => {
                    fields.push(Field { name, value: value(&input), free_text: true, required })
                }
                _ => fields.push(Field { name, value: value(&input), free_text: false, required }),
            },
        }
    }
    fields
}

/// Fills every free-text field of the form on `page` that posts to `action` with script
/// injection and submits it. A field the form refuses the payload in gets the short payload, then
/// its `fallback` (or what the page held). Every answer on the way must print the payloads inert.
/// Returns the final answer, a redirect.
async fn submit_hostile(client: &TestClient, page: &str, action: &str, fallback: &[(&str, &str)]) -> Page {
    let form_page = client.get(page).await;
    assert_eq!(form_page.status, StatusCode::OK, "GET {page}");
    let token = form_page.csrf_token();
    let mut fields = form_fields(&form_page, action);
    for field in &mut fields {
        if let Some((_, value)) = fallback.iter().find(|(n, _)| *n == field.name)
            && !field.free_text
        {
            field.value = value.to_string();
        }
    }
    // Fallbacks for fields the page leaves out (an unchecked radio group).
    for (name, value) in fallback {
        if !fields.iter().any(|f| f.name == *name) {
            fields.push(Field { name: name.to_string(), value: value.to_string(), free_text: false, required: false });
        }
    }
    // 0: the long payload, 1: the short one, 2: the fallback.
    let mut stage: Vec<u8> = fields.iter().map(|f| if f.free_text { 0 } else { 2 }).collect();
    for _ in 0..8 {
        let mut form: Vec<(&str, String)> = vec![("csrf_token", token.clone())];
        for (field, stage) in fields.iter().zip(&stage) {
            let value = match stage {
                0 => SCRIPT.to_string(),
                1 => SHORT.to_string(),
                _ => {
                    fallback.iter().find(|(n, _)| *n == field.name).map_or(field.value.clone(), |(_, v)| v.to_string())
                }
            };
            form.push((field.name.as_str(), value));
        }
        let pairs: Vec<(&str, &str)> = form.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let answer = client.post_raw(action, &pairs).await;
        assert_inert(&answer, &format!("POST {action}"));
        if answer.status == StatusCode::SEE_OTHER {
            return answer;
        }
        // Step back the refused fields; when the page names none of them, the optional ones (a
        // follow-up title wants a due date, say), then the rest.
        let open = |i: &usize| stage[*i] < 2;
        let mut refused: Vec<usize> =
            (0..fields.len()).filter(open).filter(|&i| answer.field_error(&fields[i].name).is_some()).collect();
        if refused.is_empty() {
            refused = (0..fields.len()).filter(open).filter(|&i| !fields[i].required).collect();
        }
        if refused.is_empty() {
            refused = (0..fields.len()).filter(open).collect();
        }
        assert!(
            !refused.is_empty(),
            "POST {action} refused the fallbacks too ({}): {:?}",
            answer.status,
            answer.texts(".field-error, .flash, .error-summary")
        );
        for i in refused {
            stage[i] += 1;
        }
    }
    panic!("POST {action} never accepted the form");
}

/// Ids of Acme's records for route patterns, by the resource the pattern names.
fn id_for(ids: &BTreeMap<&'static str, i64>, pattern: &str) -> Option<i64> {
    let resource = pattern.trim_start_matches('/').split("/{id}").next()?;
    ids.get(resource).copied()
}

/// The newest row's id of `table`.
async fn newest(app: &TestApp, table: &'static str) -> i64 {
    app.with_db(move |conn| {
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        let query = diesel::sql_query(format!("SELECT COALESCE(MAX(id), 0) AS id FROM {table}"));
        diesel::RunQueryDsl::get_result::<Id>(query, conn).expect("a row").id
    })
    .await
}

/// Acme's desk with every free-text field of its records, and of Jane's profile, written by an
/// attacker. Returns the desk, Jane, Acme's admin and the ids of what was made.
async fn hostile_desk(app: &TestApp) -> (Desk, TestClient, TestClient, BTreeMap<&'static str, i64>) {
    let desk = desk_with_job(app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let jane = contractor_joins(app, &desk).await;
    let ada = app.signed_in("admin@acme.test").await;
    let rita = &desk.recruiter;
    let made = submit_hostile(rita, "/contractors/new", "/contractors", &[("email", "mallory@example.com")]).await;
    let contractor = id_from(&made);
    let record = format!("/contractors/{contractor}");
    submit_hostile(rita, &format!("{record}/edit"), &record, &[]).await;
    submit_hostile(rita, &record, &format!("{record}/activities"), &[("kind", "call")]).await;
    let made = submit_hostile(rita, "/clients/new", "/clients", &[("domain", "hostile.example")]).await;
    let client = id_from(&made);
    let client_page = format!("/clients/{client}");
    submit_hostile(rita, &format!("{client_page}/edit"), &client_page, &[]).await;
    submit_hostile(rita, &format!("{client_page}/contacts/new"), &format!("{client_page}/contacts"), &[]).await;
    let contact = newest(app, "contacts").await;
    let client_id = client.to_string();
    let made = submit_hostile(rita, "/jobs/new", "/jobs", &[("client_id", &client_id), ("rate_min", "90")]).await;
    let job = id_from(&made);
    submit_hostile(rita, "/tasks/new", "/tasks", &[("due_on", "2026-12-01")]).await;
    let made = submit_hostile(rita, "/hotlists", "/hotlists", &[]).await;
    let hotlist: i64 = made.location().trim_start_matches("/hotlists/").parse().expect("a hotlist id");
    // Jane's submission: consent asked with a hostile client description, an update and a stage note.
    let submission = put_forward(&desk).await;
    let asked =
        ask_consent(&desk, submission, &[("client_shown", "confidential"), ("client_description", SCRIPT)]).await;
    assert_inert(&asked, "asking consent");
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.text);
    let consent = newest(app, "consents").await;
    let approved = jane.submit("/me/consents", &format!("/me/consents/{consent}"), &[("decision", "approve")]).await;
    assert_inert(&approved, "approving consent");
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.text);
    let page = format!("/submissions/{submission}");
    submit_hostile(rita, &page, &format!("{page}/updates"), &[]).await;
    submit_hostile(rita, &page, &format!("{page}/interviews"), &[("date", "2026-12-10"), ("time", "10:00")]).await;
    let interview = newest(app, "interviews").await;
    let uploaded = crate::documents::upload(rita, contractor, "cv", "<script>alert(1)</script>.txt", b"CV\n").await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.text);
    let document = crate::documents::last_document(app).await;
    submit_hostile(&ada, "/admin/stages", "/admin/stages", &[("category", "interview")]).await;
    // Jane writes her own profile and an outside submission.
    submit_hostile(&jane, "/me", "/me/profile", &[]).await;
    let outside = [("client_domain", "umbrella.example"), ("submitted_on", "2026-11-20")];
    submit_hostile(&jane, "/me/outside", "/me/outside", &outside).await;
    let ids = BTreeMap::from([
        ("contractors", contractor),
        ("clients", client),
        ("contacts", contact),
        ("jobs", job),
        ("hotlists", hotlist),
        ("submissions", submission),
        ("interviews", interview),
        ("documents", document),
        ("me/submissions", submission),
        ("me/consents", consent),
        ("me/interviews", interview),
    ]);
    (desk, jane, ada, ids)
}

#[tokio::test]
async fn hostile_text_in_every_field_is_shown_as_text_on_every_page() {
    let app = spawn_app().await;
    let (desk, jane, ada, ids) = hostile_desk(&app).await;
    let mut walked = 0;
    for (method, pattern) in nextgig::routes::all() {
        if method != "GET" || pattern.contains("{token}") || pattern.contains("{path}") {
            continue;
        }
        let path = if pattern.contains("{id}") {
            let Some(id) = id_for(&ids, pattern) else { continue };
            pattern.replace("{id}", &id.to_string())
        } else {
            pattern.to_string()
        };
        let who = if pattern.starts_with("/me") {
            &jane
        } else if pattern.starts_with("/admin") {
            &ada
        } else {
            &desk.recruiter
        };
        let page = who.get(&path).await;
        assert_inert(&page, &format!("GET {path}"));
        // Reflected: the same payload in the query string.
        if !path.contains('?') {
            let escaped: String = url::form_urlencoded::byte_serialize(SCRIPT.as_bytes()).collect();
            let reflected = who.get(&format!("{path}?q={escaped}&sort={escaped}&status={escaped}")).await;
            assert_inert(&reflected, &format!("GET {path} with hostile parameters"));
        }
        walked += 1;
    }
    assert!(walked >= 40, "walked {walked} pages");
    // The payloads are there, shown as text.
    let record = desk.recruiter.get(&format!("/contractors/{}", ids["contractors"])).await;
    assert!(record.text.contains("&#60;script&#62;alert(&#34;xss&#34;)"), "{}", record.text);
    let mine = jane.get("/me").await;
    assert!(mine.text.contains("&#60;script&#62;alert("), "{}", mine.text);
}

#[tokio::test(flavor = "multi_thread")]
async fn in_the_browser_no_injected_script_runs_and_no_policy_violation_is_reported() {
    let app = spawn_app().await;
    let Some(browser) = crate::browser::start_browser(false).await else { return };
    let (desk, _jane, _ada, ids) = hostile_desk(&app).await;
    crate::browser::browser_sign_in(&browser, &app.address, "rita@acme.test").await;
    let pages = [
        "/".to_string(),
        format!("/contractors/{}", ids["contractors"]),
        format!("/contractors?q={}", url::form_urlencoded::byte_serialize(SCRIPT.as_bytes()).collect::<String>()),
        format!("/clients/{}", ids["clients"]),
        format!("/jobs/{}", ids["jobs"]),
        format!("/jobs/{}", desk.job_id),
        format!("/submissions/{}", ids["submissions"]),
        format!("/hotlists/{}", ids["hotlists"]),
        "/tasks".to_string(),
    ];
    for path in &pages {
        browser.open(&format!("{}{path}", app.address)).await;
        assert!(browser.client.get_alert_text().await.is_err(), "a script opened a dialog on {path}");
        let violations = browser.console_messages().await;
        let violations: Vec<&String> =
            violations.iter().filter(|m| m.contains("Content Security Policy") || m.contains("Refused")).collect();
        assert!(violations.is_empty(), "{path}: {violations:?}");
        let markup = browser.client.source().await.unwrap();
        assert!(!markup.contains("<script>alert("), "{path} holds a live script element");
    }
}

/// Everything a refused form could have changed, as a comparable snapshot (every table's rows
/// but the audit log, which records refusals on purpose).
pub async fn snapshot(app: &TestApp) -> Vec<String> {
    let tables = [
        "agencies",
        "users",
        "agency_contractors",
        "contractor_profiles",
        "clients",
        "contacts",
        "jobs",
        "submissions",
        "submission_events",
        "consents",
        "interviews",
        "offers",
        "placements",
        "tasks",
        "activities",
        "hotlists",
        "pipeline_stages",
        "documents",
        "invitations",
        "outside_submissions",
        "outbox",
    ];
    let mut rows = Vec::new();
    for table in tables {
        rows.push(format!("{table} {} {}", app.count(table).await, newest(app, table).await));
    }
    let versions: Vec<(i64, i32)> = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use nextgig::db::schema::agency_contractors as ac;
            ac::table.select((ac::id, ac::version)).order(ac::id).load(conn).unwrap()
        })
        .await;
    rows.push(format!("contractor versions {versions:?}"));
    rows
}

#[tokio::test]
async fn every_form_refuses_fields_it_does_not_have_and_changes_nothing() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let jane = contractor_joins(&app, &desk).await;
    let submission = put_forward(&desk).await;
    let ada = app.signed_in("admin@acme.test").await;
    let visitor = app.client();
    let tokens =
        [visitor.get("/login").await.csrf_token(), jane.get("/me").await.csrf_token(), ada.get("/").await.csrf_token()];
    let own = BTreeMap::from([
        ("contractors", desk.contractor_id),
        ("clients", desk.client_id),
        ("jobs", desk.job_id),
        ("submissions", submission),
        ("me/submissions", submission),
        ("me/agencies", desk.agency_id),
    ]);
    let (beta, _) = app.create_agency("Beta Talent", "admin@beta.test").await;
    let beta = beta.to_string();
    let before = snapshot(&app).await;
    let mut walked = 0;
    for (method, pattern) in nextgig::routes::all() {
        if method != "POST" {
            continue;
        }
        let path = pattern
            .replace("{id}", &id_for(&own, pattern).unwrap_or(1).to_string())
            .replace("{token}", "made-up-token");
        let (who, token) = if pattern.starts_with("/me") {
            (&jane, &tokens[1])
        } else if [
            "/login",
            "/setup",
            "/password-reset",
            "/invitations",
            "/consents/",
            "/still-available",
            "/unsubscribe",
        ]
        .iter()
        .any(|p| pattern.starts_with(p))
        {
            (&visitor, &tokens[0])
        } else {
            (&ada, &tokens[2])
        };
        for (field, value) in [("agency_id", beta.as_str()), ("user_id", "1"), ("role", "admin"), ("owner_id", "1")] {
            let page = who.post_raw(&path, &[("csrf_token", token), (field, value)]).await;
            assert!(page.status.is_client_error(), "POST {pattern} with {field}: {}\n{}", page.status, page.text);
            assert!(!page.text.contains("Beta Talent"), "POST {pattern} with {field} named another agency");
        }
        walked += 1;
    }
    assert!(walked >= 80, "walked {walked} forms");
    assert_eq!(snapshot(&app).await, before, "a form with fields it does not have changed something");
    // A recruiter's edit cannot move a record to another agency or forge its version.
    let record = format!("/contractors/{}", desk.contractor_id);
    let edit = desk.recruiter.get(&format!("{record}/edit")).await;
    let mut fields: Vec<(String, String)> =
        form_fields(&edit, &record).into_iter().map(|f| (f.name, f.value)).collect();
    fields.push(("csrf_token".into(), edit.csrf_token()));
    fields.push(("agency_id".into(), beta.clone()));
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let refused = desk.recruiter.post_raw(&record, &pairs).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert!(refused.text.contains("agency_id"), "the answer names the unknown field: {}", refused.text);
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn permission_denials_are_recorded_in_the_audit_log_with_who_and_where() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let jane = contractor_joins(&app, &desk).await;
    assert_eq!(desk.recruiter.get("/admin/audit").await.status, StatusCode::FORBIDDEN);
    assert_eq!(jane.get("/contractors").await.status, StatusCode::FORBIDDEN);
    assert_eq!(desk.recruiter.get("/me/consents").await.status, StatusCode::FORBIDDEN);
    let ada = app.signed_in("admin@acme.test").await;
    let log = ada.get("/admin/audit").await;
    assert_eq!(log.status, StatusCode::OK);
    let denied: Vec<String> = log.texts("tr").into_iter().filter(|row| row.contains("access.denied")).collect();
    assert!(denied.iter().any(|r| r.contains("GET /admin/audit")), "{denied:?}");
    assert!(denied.iter().any(|r| r.contains("GET /me/consents")), "{denied:?}");
    // The contractor's refusal is recorded too, though no agency's log shows it.
    let recorded: Vec<(Option<i64>, String)> = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use nextgig::db::schema::audit_log;
            audit_log::table
                .filter(audit_log::action.eq("access.denied"))
                .select((audit_log::user_id, audit_log::detail))
                .order(audit_log::id)
                .load(conn)
                .unwrap()
        })
        .await;
    assert_eq!(recorded.len(), 3, "{recorded:?}");
    assert!(recorded.iter().all(|(user, _)| user.is_some()), "who was refused is recorded: {recorded:?}");
    assert_eq!(recorded[1].1, "GET /contractors");
}

#[test]
fn raw_sql_lives_only_in_the_database_module_and_its_text_is_fixed_by_the_code() {
    // Raw statements (`sql_query`) may appear only where backend-specific SQL is owned; the
    // statement builder takes only `&'static str` text, so a value can reach SQL only as a bind.
    let allowed = ["src/db/", "src/datagen/"];
    let mut offenders = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let relative = path.to_string_lossy().split_once("/src/").map(|(_, r)| format!("src/{r}")).unwrap();
            for (n, line) in text.lines().enumerate() {
                let raw = ["sql_query(", "sql_literal(", "dsl::sql::<", "dsl::sql("].iter().any(|s| line.contains(s));
                if raw && !allowed.iter().any(|a| relative.starts_with(a)) {
                    offenders.push(format!("{relative}:{}: {}", n + 1, line.trim()));
                }
                if raw && line.contains("format!") {
                    offenders.push(format!("{relative}:{}: SQL text from format!: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "raw SQL outside src/db:\n{}", offenders.join("\n"));
    let builder = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/db/sql.rs")).unwrap();
    assert!(
        builder.contains("pub(crate) fn push(&mut self, sql: &'static str)"),
        "the statement builder must take only text fixed at compile time"
    );
}

/// Hostile fragments for search and filter parameters: SQL, full-text operators, LIKE wildcards,
/// odd Unicode and sizes.
const HOSTILE: &[&str] = &[
    "'",
    "\"",
    "' OR '1'='1",
    "1; DROP TABLE agency_contractors; --",
    "\" OR \"\"=\"",
    "%",
    "_",
    "\\",
    "*",
    "NEAR(",
    "OR",
    "AND NOT",
    "-rust",
    "name:jane",
    "^",
    "\"unterminated",
    "( )",
    "a & b | !c",
    "rust:*",
    "' UNION SELECT password_hash FROM users --",
    "\u{0}",
    "\u{202e}evil",
    "𝕽𝖚𝖘𝖙",
    "1e309",
    "-1",
    "99999999999999999999",
    "2026-02-30",
    "o:-1",
    "n:1:'",
    "u:1:2026-13-01T00:00:00.000000",
];

#[tokio::test]
async fn hostile_search_and_filter_parameters_get_the_page_or_the_form_back_and_change_nothing() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let (beta, _) = app.create_agency("Beta Talent", "admin@beta.test").await;
    app.create_recruiter(beta, "Bob Beta", "bob@beta.test").await;
    let bob = app.signed_in("bob@beta.test").await;
    bob.add_contractor(&[("name", "Canary Zebulon"), ("skills", "Rust"), ("location", "Zebuland")]).await;
    let before = snapshot(&app).await;
    let lists: &[(&str, &[&str])] = &[
        (
            "/contractors",
            &[
                "q",
                "skill",
                "available_by",
                "max_rate",
                "rate_unit",
                "location",
                "remote",
                "tag",
                "sort",
                "after",
                "archived",
                "for_job",
            ],
        ),
        ("/exports/contractors.csv", &["q", "skill", "location", "tag", "sort"]),
        ("/clients", &["q", "archived", "sort", "page"]),
        ("/jobs", &["q", "status", "client_id", "owner_id", "sort", "page"]),
        ("/tasks", &["who", "show", "after"]),
        ("/placements", &["contractor_id", "all", "page"]),
        ("/reports", &["weeks", "recruiter"]),
        ("/admin/audit", &["before"]),
    ];
    let ada = app.signed_in("admin@acme.test").await;
    let mut rng = StdRng::seed_from_u64(8);
    let mut asked = 0;
    for round in 0..6 {
        for (path, params) in lists {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            for param in params.iter() {
                // Every parameter hostile in the first round, then random mixes of fragments.
                if round > 0 && rng.random_bool(0.5) {
                    continue;
                }
                let mut value = String::new();
                for _ in 0..rng.random_range(1..=3) {
                    value.push_str(HOSTILE[rng.random_range(0..HOSTILE.len())]);
                }
                if round == 5 {
                    value = value.repeat(2_000 / value.len().max(1) + 1);
                }
                query.append_pair(param, &value);
            }
            let url = format!("{path}?{}", query.finish());
            let page = if path.starts_with("/admin") { ada.get(&url).await } else { desk.recruiter.get(&url).await };
            // Past 8 KiB the address itself is refused (414), with the app's page.
            let answers = [
                StatusCode::OK,
                StatusCode::BAD_REQUEST,
                StatusCode::NOT_FOUND,
                StatusCode::URI_TOO_LONG,
                StatusCode::UNPROCESSABLE_ENTITY,
            ];
            assert!(answers.contains(&page.status), "GET {url}: {}\n{}", page.status, page.text);
            assert!(!page.text.contains("Zebulon"), "GET {url} showed another agency's contractor");
            let lower = page.text.to_lowercase();
            for leak in
                ["syntax error", "no such ", "sqlite_", "diesel", "fts5", "tsquery", "panicked", "databaseerror"]
            {
                assert!(!lower.contains(leak), "GET {url} leaked {leak}:\n{}", page.text);
            }
            asked += 1;
        }
    }
    assert_eq!(asked, 6 * lists.len());
    assert_eq!(snapshot(&app).await, before, "a search changed something");
    // The search still works after all that.
    let found = desk.recruiter.get("/contractors?q=jane").await;
    assert!(found.text.contains("Jane Doe"), "{}", found.text);
}
