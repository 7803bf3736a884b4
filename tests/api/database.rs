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
