//! The database layer: schema parity between the two backends, and clear, fast failures when the
//! database named by DATABASE_URL cannot be used.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::Text;
use nextgig::db::{self, DatabaseTarget, PoolOptions};

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

fn sqlite_schema() -> BTreeMap<String, Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("schema.db").display());
    let mut conn = DatabaseTarget::parse(&url).unwrap().connect().unwrap();
    db::run_migrations(&mut conn).unwrap();
    let rows: Vec<Column> = diesel::sql_query(
        "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'contractor_search%' AND m.name != '__diesel_schema_migrations'",
    )
    .load(&mut conn)
    .unwrap();
    group(rows)
}

fn postgres_schema(admin_url: &str) -> Option<BTreeMap<String, Vec<String>>> {
    let mut admin = diesel::pg::PgConnection::establish(admin_url).ok()?;
    let name = format!("nextgig_schema_{}", nextgig::models::token::random_hex(6));
    diesel::connection::SimpleConnection::batch_execute(&mut admin, &format!("CREATE DATABASE {name}")).unwrap();
    let url = crate::helpers::with_database(admin_url, &name);
    let rows = {
        let mut conn = DatabaseTarget::parse(&url).unwrap().connect().unwrap();
        db::run_migrations(&mut conn).unwrap();
        diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT IN ('__diesel_schema_migrations', 'contractor_search')",
        )
        .load::<Column>(&mut conn)
        .unwrap()
    };
    diesel::connection::SimpleConnection::batch_execute(&mut admin, &format!("DROP DATABASE {name} WITH (FORCE)"))
        .unwrap();
    Some(group(rows))
}

fn group(rows: Vec<Column>) -> BTreeMap<String, Vec<String>> {
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows {
        tables.entry(row.table_name).or_default().push(row.column_name);
    }
    for columns in tables.values_mut() {
        columns.sort();
    }
    tables
}

#[test]
fn sqlite_and_postgres_schemas_have_the_same_tables_and_columns() {
    let admin_url = crate::helpers::postgres_admin_url()
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable".to_string());
    let Some(postgres) = postgres_schema(&admin_url) else {
        assert!(std::env::var("CI").is_err(), "PostgreSQL must be reachable in CI ({admin_url})");
        eprintln!("skipped: no PostgreSQL at {admin_url} to compare the schemas with");
        return;
    };
    let sqlite = sqlite_schema();
    assert!(sqlite.contains_key("users"), "{sqlite:?}");
    assert_eq!(sqlite, postgres);
}

#[test]
fn an_unreachable_postgres_fails_within_seconds_and_says_where() {
    let started = std::time::Instant::now();
    let error = db::open("postgres://postgres@127.0.0.1:1/nextgig", &PoolOptions::default()).err().unwrap().to_string();
    assert!(error.contains("cannot connect to PostgreSQL at postgres://postgres@127.0.0.1:1/nextgig"), "{error}");
    assert!(!error.contains("Invalid connection url"));
    // Not a timing assertion on speed, a bound on hanging: libpq's connect_timeout is 3 s.
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn malformed_database_urls_name_the_problem() {
    let cases = [
        ("mysql://root@localhost/db", "unsupported scheme \"mysql\""),
        ("postgres://", "names no host"),
        ("", "DATABASE_URL is empty"),
        ("sqlite:///no/such/folder/nextgig.db", "the folder /no/such/folder does not exist"),
    ];
    for (url, message) in cases {
        let error = db::open(url, &PoolOptions::default()).err().unwrap_or_else(|| panic!("{url} opened")).to_string();
        assert!(error.contains(message), "{url}: {error}");
    }
}

#[test]
fn passwords_in_database_urls_are_never_printed() {
    let error =
        db::open("postgres://app:s3cret-pw@127.0.0.1:1/nextgig", &PoolOptions::default()).err().unwrap().to_string();
    assert!(!error.contains("s3cret-pw"), "{error}");
    assert!(error.contains("***"));
}

#[test]
fn the_default_database_is_an_sqlite_file_created_and_migrated_on_first_use() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fresh.db");
    let (pool, target, _) = db::open(&format!("sqlite://{}", path.display()), &PoolOptions::default()).unwrap();
    assert_eq!(target.backend(), db::Backend::Sqlite);
    assert!(path.exists());
    let mut conn = pool.get().unwrap();
    #[derive(QueryableByName)]
    struct Mode {
        #[diesel(sql_type = Text)]
        journal_mode: String,
    }
    let mode: Mode = diesel::sql_query("PRAGMA journal_mode").get_result(&mut conn).unwrap();
    assert_eq!(mode.journal_mode, "wal");
    #[derive(QueryableByName)]
    struct Keys {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        foreign_keys: i32,
    }
    let keys: Keys = diesel::sql_query("PRAGMA foreign_keys").get_result(&mut conn).unwrap();
    assert_eq!(keys.foreign_keys, 1);
}

#[test]
fn the_server_refuses_to_start_on_a_bad_database_url_with_a_clear_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_nextgig"))
        .arg("serve")
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nextgig")
        .env("BIND", "127.0.0.1:0")
        .output()
        .expect("run nextgig");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot connect to PostgreSQL at postgres://postgres@127.0.0.1:1/nextgig"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// Database faults, classified (the server-level tests are in tests/reliability.rs).

/// A pool on the test database whose statements and lock waits are cut after `timeout`.
fn pool_with_timeout(timeout: Duration) -> Option<(crate::helpers::TestDatabase, db::DbPool)> {
    crate::helpers::postgres_admin_url()?;
    let database = crate::helpers::TestDatabase::create();
    let (pool, _, _) = db::open(database.url(), &PoolOptions { max_size: Some(2), timeout }).unwrap();
    Some((database, pool))
}

#[test]
fn a_postgresql_statement_longer_than_the_database_timeout_is_cancelled_and_answers_503() {
    let Some((_database, pool)) = pool_with_timeout(Duration::from_secs(1)) else {
        eprintln!("skipped: PostgreSQL only (set TEST_DATABASE_URL)");
        return;
    };
    let started = std::time::Instant::now();
    let error = diesel::sql_query("SELECT pg_sleep(4)").execute(&mut pool.get().unwrap()).unwrap_err();
    let took = started.elapsed();
    assert!(error.to_string().contains("statement timeout"), "{error}");
    assert!(took < Duration::from_secs(3), "cut at the timeout, not after the statement: {took:?}");
    let answer = nextgig::error::AppError::from(error);
    assert!(matches!(answer, nextgig::error::AppError::Unavailable(_)), "{answer:?}");
}

#[test]
fn a_postgresql_lock_held_past_the_database_timeout_answers_503_and_says_it_was_a_lock() {
    let Some((database, pool)) = pool_with_timeout(Duration::from_secs(1)) else {
        eprintln!("skipped: PostgreSQL only (set TEST_DATABASE_URL)");
        return;
    };
    let mut holder = DatabaseTarget::parse(database.url()).unwrap().connect().unwrap();
    diesel::connection::SimpleConnection::batch_execute(
        &mut holder,
        "BEGIN; LOCK TABLE leases IN ACCESS EXCLUSIVE MODE",
    )
    .unwrap();
    let started = std::time::Instant::now();
    let error = diesel::sql_query("SELECT name FROM leases").execute(&mut pool.get().unwrap()).unwrap_err();
    let took = started.elapsed();
    diesel::connection::SimpleConnection::batch_execute(&mut holder, "ROLLBACK").unwrap();
    assert!(error.to_string().contains("lock timeout"), "{error}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    let answer = nextgig::error::AppError::from(error);
    assert!(matches!(answer, nextgig::error::AppError::Unavailable(_)), "{answer:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_whose_caller_stopped_waiting_is_rolled_back_not_saved_behind_its_503() {
    let app = crate::helpers::spawn_app().await;
    let now = crate::helpers::start_time();
    let started = std::time::Instant::now();
    let answer = app
        .state
        .db_within(Duration::from_millis(300), move |conn| {
            // A database that answers late (a frozen server, a long queue for a thread).
            std::thread::sleep(Duration::from_millis(1200));
            db::write(conn, |conn| {
                nextgig::models::lease::try_acquire(conn, "late-write", "test", chrono::TimeDelta::minutes(1), now)
            })
        })
        .await;
    let took = started.elapsed();
    assert!(matches!(answer, Err(nextgig::error::AppError::Unavailable(_))), "{answer:?}");
    assert!(took < Duration::from_secs(1), "answered at the deadline: {took:?}");
    // The work went on after the answer; give it time to finish.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let stored: i64 = app
        .with_db(|conn| {
            use nextgig::db::schema::leases;
            leases::table.filter(leases::name.eq("late-write")).count().get_result(conn).unwrap()
        })
        .await;
    assert_eq!(stored, 0, "the write answered with 503 was rolled back");
    // The connection it used is back in the pool, untied, and writes normally.
    let saved = app
        .state
        .db(move |conn| {
            db::write(conn, |conn| {
                nextgig::models::lease::try_acquire(conn, "next-write", "test", chrono::TimeDelta::minutes(1), now)
            })
        })
        .await
        .unwrap();
    assert!(saved);
}

#[test]
fn a_full_sqlite_database_is_reported_as_storage_full_with_a_503_that_says_so() {
    // SQLite's max_page_count gives the same SQLITE_FULL ("database or disk is full") as a full
    // disk, at the statement rather than at the commit; tests/reliability.rs fills a real disk.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("full.db").display());
    let (pool, _, _) = db::open(&url, &PoolOptions::default()).unwrap();
    let mut conn = pool.get().unwrap();
    #[derive(QueryableByName)]
    struct Pages {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        page_count: i64,
    }
    let pages: Pages = diesel::sql_query("PRAGMA page_count").get_result(&mut conn).unwrap();
    diesel::connection::SimpleConnection::batch_execute(
        &mut conn,
        &format!("PRAGMA max_page_count = {}", pages.page_count),
    )
    .unwrap();
    let filler = "x".repeat(4000);
    let error = (0..1000)
        .find_map(|n| {
            use nextgig::db::schema::leases;
            diesel::insert_into(leases::table)
                .values((
                    leases::name.eq(format!("{n}{filler}")),
                    leases::holder.eq("t"),
                    leases::expires_at.eq(crate::helpers::start_time()),
                ))
                .execute(&mut conn)
                .err()
        })
        .expect("the database filled up");
    assert!(db::is_storage_full(&error), "{error}");
    let answer = nextgig::error::AppError::from(error);
    assert!(matches!(answer, nextgig::error::AppError::StorageFull(_)), "{answer:?}");
    let response = actix_web::ResponseError::error_response(&answer);
    assert_eq!(response.status(), actix_web::http::StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key(actix_web::http::header::RETRY_AFTER));
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let body = runtime.block_on(actix_web::body::to_bytes(response.into_body())).unwrap();
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("storage is full") && body.contains("was not saved"), "{body}");
}
