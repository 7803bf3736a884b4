//! `nextgig backup`: a consistent copy of a live SQLite database taken while the server writes.

use std::sync::{Arc, Mutex};

use diesel::prelude::*;
use nextgig::db::DatabaseTarget;
use nextgig::db::schema::tasks;
use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_taken_under_write_load_holds_every_write_acknowledged_before_it_began() {
    let app = spawn_app().await;
    let target = DatabaseTarget::parse(app.state.config.database_url.as_str()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nextgig-backup.db");
    if let DatabaseTarget::Postgres { .. } = target {
        // PostgreSQL is backed up with its own tools; the command says so and writes nothing.
        let refused = nextgig::db::backup::backup(&target, &file).unwrap_err().to_string();
        assert!(refused.contains("pg_dump"), "{refused}");
        assert!(!file.exists());
        return;
    }
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    app.create_recruiter(agency, "Rita Recruiter", "rita@acme.test").await;
    let rita = app.signed_in("rita@acme.test").await;
    let token = rita.get("/tasks/new").await.csrf_token();
    let writer_client = crate::helpers::TestClient::with_cookie(&app.address, &rita.session_cookie().unwrap());

    // A writer adds tasks one after another through the app; each acknowledged one is noted.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let writer = {
        let (token, acknowledged) = (token.clone(), acknowledged.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !*stopped.borrow_and_update() {
                n += 1;
                let title = format!("Write number {n}");
                let page = writer_client
                    .post_raw(
                        "/tasks",
                        &[
                            ("title", title.as_str()),
                            ("due_on", "2026-12-01"),
                            ("assignee_id", ""),
                            ("contractor_id", ""),
                            ("client_id", ""),
                            ("job_id", ""),
                            ("csrf_token", token.as_str()),
                        ],
                    )
                    .await;
                assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
                acknowledged.lock().unwrap().push(title);
            }
            n
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let before: Vec<String> = acknowledged.lock().unwrap().clone();
    let backup_file = file.clone();
    let bytes = tokio::task::spawn_blocking(move || nextgig::db::backup::backup(&target, &backup_file))
        .await
        .unwrap()
        .expect("the backup is written");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stop.send(true).unwrap();
    let written = writer.await.unwrap();
    assert!(bytes > 0);
    assert!(before.len() >= 3, "the writer was busy before the backup ({} writes)", before.len());
    assert!(written > before.len(), "and went on writing during and after it");

    // The copy opens as a database of its own and holds every write acknowledged before it.
    let mut copy = SqliteConnection::establish(file.to_str().unwrap()).unwrap();
    let saved: Vec<String> = tasks::table.select(tasks::title).load(&mut copy).unwrap();
    for title in &before {
        assert!(saved.contains(title), "{title} is missing from the backup");
    }
    let integrity: Vec<String> = diesel::sql_query("PRAGMA integrity_check")
        .load::<Integrity>(&mut copy)
        .unwrap()
        .into_iter()
        .map(|r| r.integrity_check)
        .collect();
    assert_eq!(integrity, ["ok"]);
    // A backup never overwrites.
    let again = nextgig::db::backup::backup(&DatabaseTarget::parse(&app.state.config.database_url).unwrap(), &file);
    assert!(again.unwrap_err().to_string().contains("already exists"));
}

#[derive(QueryableByName)]
struct Integrity {
    #[diesel(sql_type = diesel::sql_types::Text)]
    integrity_check: String,
}
