//! The command line: `serve` (the default), `migrate`, `create-agency`, `demo`, `datagen`, `backup`,
//! and the hidden `extract-text` the server starts to read a document's text.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::auth::password::hash_now;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{self, DatabaseTarget};
use crate::models::validation::{self, FieldErrors, MAX_NAME};
use crate::models::{agency, password, setup};
use crate::startup::{Application, build_state};
use crate::{demo, telemetry};

/// NextGig: the recruiting desk for IT contract-staffing agencies.
///
/// Every setting below is also an environment variable (shown in brackets); a `.env.example`
/// in the repository lists them all.
#[derive(Debug, Parser)]
#[command(name = "nextgig", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (the default). On an empty database it prints a one-time setup link.
    Serve,
    /// Apply database migrations, then exit.
    Migrate,
    /// Compute every staff member's dashboard again from the base tables (its read model), then
    /// exit. Not needed in normal running: dashboards follow every change by themselves.
    RebuildDashboards,
    /// Create an agency and its first admin account.
    CreateAgency {
        /// The agency's name.
        #[arg(long)]
        name: String,
        /// The admin's email address (their sign-in).
        #[arg(long)]
        admin_email: String,
        /// The admin's name (default: taken from the email).
        #[arg(long)]
        admin_name: Option<String>,
        /// Read the admin's password from the first line of standard input instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Load two realistic demo agencies to explore, and print how to sign in.
    ///
    /// Running it again loads nothing twice; it gives every demo account a new password.
    Demo {
        /// Draw the demo from this seed (the same seed on the same day gives the same demo).
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
    },
    /// Generate benchmark data (docs/BENCHMARKS.md) into an empty database, and print how to sign in.
    ///
    /// Profiles: tiny (tests), S (small agency), L (large agency), M (many agencies). The same
    /// profile and seed give the same data. Every generated account (an admin, recruiters and a
    /// few contractors) shares the printed password "datagen-<seed>-benchmark": benchmark data
    /// only, never a real desk. Refuses a database that already has an agency.
    Datagen {
        /// tiny, S, L or M.
        #[arg(long, default_value = "tiny")]
        profile: String,
        /// Draw the data from this seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Write the benchmark runner's scenario files (URLs with real ids, a search corpus, who signs
    /// in) for the first agency of a `datagen` database. Used by `bench/run`.
    BenchPlan {
        /// The folder to write into.
        #[arg(long)]
        out: std::path::PathBuf,
        /// Draw the samples from this seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Time the search page's query alone (no HTTP, session or template) for every search of a
    /// plan, and print its median as JSON. Used by `bench/run` for the page-to-SQL ratio.
    BenchSql {
        /// The folder `bench-plan` wrote.
        #[arg(long)]
        plan: std::path::PathBuf,
        /// Times over the whole corpus (after one warm-up round).
        #[arg(long, default_value_t = 5)]
        rounds: usize,
    },
    /// Copy a live SQLite database to a new file, consistently, while the server runs.
    ///
    /// The copy holds every write committed before it began. For PostgreSQL use pg_dump.
    Backup {
        /// The new file to write (it must not exist).
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// The text reader's child process: the file on standard input, its text on standard
    /// output, within memory and CPU limits. Started by the server, not by people.
    #[command(name = "extract-text", hide = true)]
    ExtractText {
        /// pdf, docx or txt.
        file_type: String,
    },
}

/// Runs the command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    // Before anything else: the text reader writes nothing but the text to its output (no log
    // lines), and starts no threads that its memory limit would have to make room for.
    if let Some(Command::ExtractText { file_type }) = &cli.command {
        std::process::exit(crate::text_reader::child_main(file_type));
    }
    let config = cli.config;
    telemetry::init(&config);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => actix_web::rt::System::new().block_on(serve(config)),
        Command::Migrate => migrate(&config),
        Command::RebuildDashboards => rebuild_dashboards(&config),
        Command::CreateAgency { name, admin_email, admin_name, password_stdin } => {
            create_agency(&config, &name, &admin_email, admin_name.as_deref(), password_stdin)
        }
        Command::Demo { seed } => demo::run(&config, &Clock::system(), seed),
        Command::Datagen { profile, seed } => crate::datagen::run(&config, &Clock::system(), &profile, seed),
        Command::BenchPlan { out, seed } => crate::bench::plan(&config, &Clock::system(), &out, seed),
        Command::BenchSql { plan, rounds } => crate::bench::sql(&config, &plan, rounds),
        Command::Backup { to } => backup(&config, &to),
        Command::ExtractText { .. } => unreachable!("handled above"),
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let described = DatabaseTarget::parse(&config.database_url).map(|t| t.describe()).unwrap_or_default();
    let state = build_state(config, Clock::system())?;
    let now = state.clock.now();
    let setup_token = state.db(move |conn| setup::issue_token_if_empty(conn, now)).await?;
    let app = Application::build(state)?;
    let base_url = app.state().base_url();
    tracing::info!(database = %described, url = %base_url, "NextGig is listening");
    println!("NextGig is running at {base_url} ({described}). Press Ctrl+C to stop.");
    if let Some(token) = setup_token {
        println!();
        println!("This database has no agency yet. Open this one-time link to create yours:");
        println!();
        println!("    {base_url}/setup?token={token}");
        println!();
    }
    app.run().await
}

fn backup(config: &Config, to: &std::path::Path) -> anyhow::Result<()> {
    let target = crate::db::DatabaseTarget::parse(&config.database_url)?;
    let started = std::time::Instant::now();
    let bytes = crate::db::backup::backup(&target, to)?;
    println!(
        "Backed up {} to {} ({:.1} MB in {:.1} s).",
        target.describe(),
        to.display(),
        bytes as f64 / 1_000_000.0,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn migrate(config: &Config) -> anyhow::Result<()> {
    let target = DatabaseTarget::parse(&config.database_url)?;
    let mut conn = target.connect()?;
    db::run_migrations(&mut conn)?;
    println!("Migrations applied to {}.", target.describe());
    Ok(())
}

fn rebuild_dashboards(config: &Config) -> anyhow::Result<()> {
    let target = DatabaseTarget::parse(&config.database_url)?;
    let mut conn = target.connect()?;
    db::run_migrations(&mut conn)?;
    let started = std::time::Instant::now();
    let kept = crate::models::dashboard::rebuild_all(&mut conn, Clock::system().now())?;
    println!("Computed {kept} dashboards in {:.1} s ({}).", started.elapsed().as_secs_f64(), target.describe());
    Ok(())
}

fn create_agency(
    config: &Config,
    name: &str,
    admin_email: &str,
    admin_name: Option<&str>,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let mut errors = FieldErrors::default();
    let name = agency::validate_name(&mut errors, "name", name);
    let email = validation::email(&mut errors, "admin_email", admin_email);
    let default_name = email.split('@').next().unwrap_or("Admin").to_string();
    let admin_name =
        validation::required(&mut errors, "admin_name", "Admin name", admin_name.unwrap_or(&default_name), MAX_NAME);
    if !errors.is_empty() {
        bail!("{}", errors.summary());
    }
    let password = read_password(password_stdin)?;
    password::check(&mut errors, "password", &password, &[&admin_name, &email, &name]);
    if !errors.is_empty() {
        bail!("{}", errors.summary());
    }
    let hash = hash_now(&password)?;
    let target = DatabaseTarget::parse(&config.database_url)?;
    let mut conn = target.connect()?;
    db::run_migrations(&mut conn)?;
    let now = Clock::system().now();
    let (agency, admin) =
        setup::create_agency(&mut conn, &name, &admin_name, &email, &hash, now).map_err(|e| match e {
            crate::AppError::Invalid(errors) => anyhow::anyhow!("{}", errors.summary()),
            e => anyhow::anyhow!("{e}"),
        })?;
    println!("Created agency \"{}\" (id {}) with admin {} <{}>.", agency.name, agency.id, admin.name, admin.email);
    println!("Sign in at {}/login", config.public_url());
    Ok(())
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let first = rpassword::prompt_password("Admin password (at least 12 characters): ")?;
    let second = rpassword::prompt_password("Once more: ")?;
    if first != second {
        bail!("the two passwords differ; nothing was created");
    }
    Ok(first)
}
