use diesel::connection::SimpleConnection;
use reqwest::StatusCode;

use crate::helpers::{Page, TestClient, spawn_app};

const CSP: &str = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

fn assert_security_headers(what: &str, page: &Page) {
    let header = |name: &str| page.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    assert_eq!(header("content-security-policy").as_deref(), Some(CSP), "{what}: CSP");
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"), "{what}: nosniff");
    assert!(header("referrer-policy").is_some(), "{what}: Referrer-Policy");
    assert!(header("x-frame-options").is_some(), "{what}: X-Frame-Options");
    assert!(header("cache-control").is_some(), "{what}: Cache-Control");
}

fn concrete(path: &str) -> String {
    path.replace("{path}", "app.css").replace("{token}", &"0".repeat(64)).replace("{id}", "1")
}

#[tokio::test]
async fn every_route_and_every_error_carries_the_security_headers() {
    let app = spawn_app().await;
    app.create_agency("Acme Staffing", "ada@acme.test").await;
    let anonymous = app.client();
    let admin = app.signed_in("ada@acme.test").await;
    for (method, path) in nextgig::routes::all() {
        let url = concrete(path);
        for client in [&anonymous, &admin] {
            let page = if method == "GET" { client.get(&url).await } else { client.post_raw(&url, &[]).await };
            assert_security_headers(&format!("{method} {path} -> {}", page.status), &page);
        }
    }
    // Signed-in pages are never cached.
    let dashboard = admin.get("/").await;
    assert_eq!(dashboard.headers.get("cache-control").unwrap(), "no-store");

    let not_found = anonymous.get("/no/such/page").await;
    assert_eq!(not_found.status, StatusCode::NOT_FOUND);
    assert_security_headers("404", &not_found);
    assert!(not_found.text.contains("Page not found"));

    let wrong_method = anonymous.post_raw("/healthz", &[]).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_security_headers("405", &wrong_method);
    assert!(wrong_method.text.contains("Method not allowed"));

    let token = admin.get("/admin/team").await.csrf_token();
    let huge = "x".repeat(3 * 1024 * 1024);
    let too_large = admin.post_raw("/admin/invitations", &[("email", &huge), ("csrf_token", &token)]).await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_security_headers("413", &too_large);

    let form_error =
        admin.submit("/admin/team", "/admin/invitations", &[("email", "nope"), ("role", "recruiter")]).await;
    assert_eq!(form_error.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_security_headers("form error", &form_error);
}

#[tokio::test]
async fn a_broken_database_gives_a_generic_error_page_with_the_headers() {
    let app = spawn_app().await;
    app.with_db(|conn| conn.batch_execute("DROP TABLE setup_tokens").unwrap()).await;
    let page = TestClient::new(&app.address).get(&format!("/setup?token={}", "a".repeat(64))).await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_security_headers("500", &page);
    assert!(page.text.contains("Something went wrong"));
    for leak in ["setup_tokens", "no such table", "does not exist", "diesel", "src/"] {
        assert!(!page.text.contains(leak), "the error page shows {leak:?}");
    }
}

#[tokio::test]
async fn static_files_are_cached_and_revalidated() {
    let app = spawn_app().await;
    let client = app.client();
    let login = client.get("/login").await;
    let css = login
        .html()
        .select(&scraper::Selector::parse(r#"link[rel="stylesheet"]"#).unwrap())
        .next()
        .and_then(|e| e.value().attr("href"))
        .unwrap()
        .to_string();
    assert!(css.starts_with("/static/app.css?v="));
    let first = client.get(&css).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/css"));
    assert!(first.headers.get("cache-control").unwrap().to_str().unwrap().contains("immutable"));
    let etag = first.headers.get("etag").unwrap().to_str().unwrap().to_string();
    let again = client.http.get(format!("{}{css}", app.address)).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(client.get("/static/../Cargo.toml").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let app = spawn_app().await;
    let client = app.client();
    for path in ["/login", "/healthz", "/static/app.css"] {
        let get = client.get(path).await;
        let head = client.http.head(format!("{}{path}", client.base)).send().await.expect("request");
        assert_eq!(head.status(), get.status, "HEAD {path}");
        assert_eq!(head.headers().get("content-type"), get.headers.get("content-type"), "HEAD {path}");
        assert!(head.headers().get("content-security-policy").is_some());
        assert_eq!(head.text().await.unwrap(), "", "HEAD {path} has no body");
    }
    // A page that needs signing in sends HEAD to sign in too.
    let head = client.http.head(format!("{}/contractors", client.base)).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::SEE_OTHER);
}
