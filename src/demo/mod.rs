//! `nextgig demo`: two realistic agencies to explore, and how to sign in to them.
//!
//! "Northwind Talent" gets a full desk (about 300 contractors, 40 clients, 60 jobs, 800
//! activities with follow-up tasks, hotlists) and "Harbor Tech Recruiting" a smaller one. About
//! ten people are on both desks and keep their own contractor account, linked to both agencies.
//! Everything is drawn from a seed (`--seed`), so a given seed and day give the same demo.
//!
//! Each agency's desk is written in one transaction, part by part (`load_clients`,
//! `load_jobs`, `load_contractors`, `load_activities`, `load_hotlists`); a new part (the
//! submissions pipeline) goes through the models after it, in [`pipeline`]. Running the command
//! again loads nothing twice: existing agencies keep their desk and every demo account gets the
//! new password.

mod activities;
mod clients;
pub(crate) mod contractors;
mod hotlists;
mod linked;
mod pipeline;
pub(crate) mod random;
pub(crate) mod words;

use std::time::Instant;

use anyhow::Context;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::auth::password::hash_now;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::schema::{activities as activity_rows, agency_contractors, clients as client_rows, contacts};
use crate::db::schema::{hotlist_members, hotlists as hotlist_rows, jobs as job_rows, placements, submissions, tasks};
use crate::db::{self, DatabaseTarget, DbConnection};
use crate::models::agency::AgencyScope;
use crate::models::audit::{self, Actor, Event};
use crate::models::invitation::{self, InvitationInput, LinkContext};
use crate::models::setup;
use crate::models::token;
use crate::models::user::{NewStaff, Role, User};

use random::rng_for;

/// The seed used when `--seed` is not given.
pub const DEFAULT_SEED: u64 = 2026;

/// The demo agency's admin (sign in with this).
pub const ADMIN_EMAIL: &str = "admin@northwind-talent.example";

/// One demo agency: its team and how big its desk is.
struct AgencySpec {
    /// Names this agency's random streams.
    key: &'static str,
    name: &'static str,
    admin: (&'static str, &'static str),
    recruiters: &'static [(&'static str, &'static str)],
    /// Someone invited to the team who has not accepted yet.
    invitee: Option<&'static str>,
    /// Clients known to another demo agency too (indexes into the company list), then its own.
    shared_companies: &'static [usize],
    own_companies: std::ops::Range<usize>,
    contractors: usize,
    jobs: usize,
    activities: usize,
    hotlists: &'static [hotlists::Kind],
    /// How much of the pipeline mix this desk gets (1 = about 40 submissions).
    pipeline_scale: f64,
}

const NORTHWIND: AgencySpec = AgencySpec {
    key: "northwind",
    name: "Northwind Talent",
    admin: ("Alex Morgan", ADMIN_EMAIL),
    recruiters: &[
        ("Priya Natarajan", "priya@northwind-talent.example"),
        ("Tom Okafor", "tom@northwind-talent.example"),
        ("Lena Fischer", "lena@northwind-talent.example"),
    ],
    invitee: Some("sam@northwind-talent.example"),
    shared_companies: &[],
    own_companies: 0..40,
    contractors: 290,
    jobs: 60,
    activities: 800,
    pipeline_scale: 1.0,
    hotlists: &[
        hotlists::Kind::RollingOff,
        hotlists::Kind::JavaBench,
        hotlists::Kind::CloudPlatform,
        hotlists::Kind::Cleared,
        hotlists::Kind::DataProgramme,
    ],
};

const HARBOR: AgencySpec = AgencySpec {
    key: "harbor",
    name: "Harbor Tech Recruiting",
    admin: ("Ruth Okonkwo", "admin@harbortech.example"),
    recruiters: &[("Daniel Brooks", "daniel@harbortech.example"), ("Mei Lin", "mei@harbortech.example")],
    invitee: None,
    shared_companies: &[0, 4, 10, 12],
    own_companies: 40..46,
    contractors: 70,
    jobs: 15,
    activities: 160,
    pipeline_scale: 0.4,
    hotlists: &[hotlists::Kind::AvailableSoon, hotlists::Kind::Data],
};

/// Someone who can sign in to the demo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The agency of a staff account; `None` for a contractor.
    pub agency: Option<String>,
    /// "admin", "recruiter" or "contractor".
    pub role: &'static str,
    pub name: String,
    pub email: String,
}

/// What one agency's desk holds after loading.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeskCounts {
    pub contractors: i64,
    pub clients: i64,
    pub contacts: i64,
    pub jobs: i64,
    pub activities: i64,
    pub tasks: i64,
    pub open_tasks: i64,
    pub hotlists: i64,
    pub hotlist_members: i64,
    pub submissions: i64,
    pub placements: i64,
}

/// What `demo` did and how to sign in: every demo account shares one password, new each run.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub password: String,
    pub accounts: Vec<Account>,
    /// Per agency: its name, whether its desk was loaded now (false: it was there already), and
    /// what the desk holds.
    pub agencies: Vec<(String, bool, DeskCounts)>,
    /// Contractor accounts created now (0 when they existed already).
    pub contractor_accounts_created: usize,
}

impl Loaded {
    /// The first account with this role (in this agency, for staff).
    pub fn account(&self, role: &str, agency: Option<&str>) -> Option<&Account> {
        self.accounts.iter().find(|a| a.role == role && (agency.is_none() || a.agency.as_deref() == agency))
    }

    /// Prints what was loaded and how to sign in.
    pub fn print(&self, base_url: &str) {
        for (name, fresh, counts) in &self.agencies {
            let verb = if *fresh { "Loaded" } else { "Kept the existing desk of" };
            println!(
                "{verb} \"{name}\": {} contractors, {} clients ({} contacts), {} jobs, {} activities, {} tasks ({} open), {} hotlists, {} submissions, {} placements.",
                counts.contractors,
                counts.clients,
                counts.contacts,
                counts.jobs,
                counts.activities,
                counts.tasks,
                counts.open_tasks,
                counts.hotlists,
                counts.submissions,
                counts.placements,
            );
        }
        let contractors = self.accounts.iter().filter(|a| a.role == "contractor").count();
        if self.contractor_accounts_created > 0 {
            println!("Created {contractors} contractor accounts, each linked to both agencies.");
        }
        if self.agencies.iter().all(|(_, fresh, _)| !fresh) {
            println!("The demo was already loaded; every demo account got a new password.");
        }
        println!();
        println!("Sign in at {base_url}/login with any of these (password: {}):", self.password);
        for account in self.accounts.iter().filter(|a| a.role != "contractor") {
            let agency = account.agency.as_deref().unwrap_or_default();
            println!("    {:<34} {} of {agency} ({})", account.email, account.role, account.name);
        }
        if let Some(contractor) = self.account("contractor", None) {
            println!(
                "    {:<34} contractor linked to both agencies ({}; {} more contractor accounts like it)",
                contractor.email,
                contractor.name,
                contractors.saturating_sub(1)
            );
        }
    }
}

/// A member of an agency's staff.
#[derive(Clone, Debug)]
pub struct Staff {
    pub id: i64,
    pub name: String,
    pub admin: bool,
}

/// A client on a demo desk.
#[derive(Clone, Debug)]
pub struct DeskClient {
    pub id: i64,
    pub name: String,
    pub industry: &'static str,
    pub city: &'static str,
    /// (name, job title) of each contact.
    pub contacts: Vec<(String, String)>,
}

/// A job on a demo desk.
#[derive(Clone, Debug)]
pub struct DeskJob {
    pub id: i64,
    /// Index into [`Desk::clients`].
    pub client: usize,
    pub title: String,
    pub status: &'static str,
    pub owner_id: Option<i64>,
    pub role: &'static str,
    pub skills: Vec<String>,
}

/// A contractor record on a demo desk.
#[derive(Clone, Debug)]
pub struct DeskContractor {
    pub id: i64,
    pub name: String,
    pub first: String,
    pub owner_id: Option<i64>,
    pub role: &'static str,
    pub availability: &'static str,
    pub contract_ends_on: Option<NaiveDate>,
    pub available_on: NaiveDate,
    pub skills: Vec<String>,
    pub tags: Vec<String>,
    pub location: Option<String>,
    pub archived: bool,
}

/// One agency's desk as it is being loaded: each part adds what it wrote, for the parts after it.
#[derive(Debug)]
pub struct Desk {
    pub agency_id: i64,
    pub now: NaiveDateTime,
    pub today: NaiveDate,
    /// The admin first, then the recruiters.
    pub staff: Vec<Staff>,
    pub clients: Vec<DeskClient>,
    pub jobs: Vec<DeskJob>,
    pub contractors: Vec<DeskContractor>,
}

impl Desk {
    /// The scope every query of this desk uses.
    pub fn scope(&self) -> AgencyScope {
        AgencyScope::of(self.agency_id)
    }

    /// The recruiters (not the admin); the whole team if there are none.
    pub fn recruiters(&self) -> Vec<&Staff> {
        let recruiters: Vec<&Staff> = self.staff.iter().filter(|s| !s.admin).collect();
        if recruiters.is_empty() { self.staff.iter().collect() } else { recruiters }
    }
}

/// Loads the demo with the default seed (once) and returns how to sign in.
pub fn load(config: &Config, clock: &Clock) -> anyhow::Result<Loaded> {
    load_seeded(config, clock, DEFAULT_SEED)
}

/// Loads the demo drawn from `seed` into the database `config` names. Agencies whose desk exists
/// are left as they are; every demo account gets a new password.
pub fn load_seeded(config: &Config, clock: &Clock, seed: u64) -> anyhow::Result<Loaded> {
    let target = DatabaseTarget::parse(&config.database_url)?;
    let mut conn = target.connect()?;
    db::run_migrations(&mut conn)?;
    let now = clock.now();
    // A fresh random password each run: a demo loaded into a real database is not an open door.
    let password = format!("northwind-{}", token::random_hex(6));
    let hash = hash_now(&password)?;
    let mut loaded = Loaded { password, accounts: Vec::new(), agencies: Vec::new(), contractor_accounts_created: 0 };
    let people = linked::people(seed, now);
    let mut agency_ids = Vec::new();
    for (spec, shared) in [(&NORTHWIND, linked::Side::Northwind), (&HARBOR, linked::Side::Harbor)] {
        let mut desk = team(&mut conn, spec, &hash, config, now, &mut loaded)?;
        agency_ids.push(desk.agency_id);
        let fresh = desk_is_empty(&mut conn, desk.agency_id)?;
        if fresh {
            let records = linked::records(&people, shared);
            db::write(&mut conn, |conn| load_desk(conn, &mut desk, spec, seed, &records))
                .with_context(|| format!("cannot load the desk of {}", spec.name))?;
            let mut rng = rng_for(seed, &format!("{}:pipeline", spec.key));
            let base_url = config.public_url();
            // Emails the pipeline's steps queue link to this server.
            crate::models::notification::with_base_url(base_url.clone(), || {
                pipeline::load_pipeline(&mut conn, &desk, &mut rng, spec.pipeline_scale, &base_url)
            })?;
        }
        let counts = count(&mut conn, desk.agency_id)?;
        loaded.agencies.push((spec.name.to_string(), fresh, counts));
    }
    let (created, contractors) = linked::load_accounts(&mut conn, &people, &agency_ids, &hash, now)?;
    loaded.contractor_accounts_created = created;
    loaded.accounts.extend(contractors);
    Ok(loaded)
}

/// `nextgig demo`: loads the demo and prints how long it took and how to sign in.
pub fn run(config: &Config, clock: &Clock, seed: u64) -> anyhow::Result<()> {
    let started = Instant::now();
    let loaded = load_seeded(config, clock, seed)?;
    loaded.print(&config.public_url());
    println!();
    println!("(seed {seed}, {:.1} s)", started.elapsed().as_secs_f64());
    Ok(())
}

/// Finds or creates the agency's admin and recruiters, giving each the demo password.
fn team(
    conn: &mut DbConnection,
    spec: &AgencySpec,
    hash: &str,
    config: &Config,
    now: NaiveDateTime,
    loaded: &mut Loaded,
) -> anyhow::Result<Desk> {
    let (admin_name, admin_email) = spec.admin;
    let (admin, created) = match User::find_by_email(conn, admin_email)? {
        Some(admin) => {
            User::set_password(conn, admin.id, hash, None, now)?;
            (admin, false)
        }
        None => {
            let (_, admin) = setup::create_agency(conn, spec.name, admin_name, admin_email, hash, now)
                .with_context(|| format!("cannot create the demo agency {}", spec.name))?;
            (admin, true)
        }
    };
    let agency_id = admin.agency_id.with_context(|| format!("{admin_email} is not on an agency's staff"))?;
    loaded.accounts.push(Account {
        agency: Some(spec.name.into()),
        role: "admin",
        name: admin.name.clone(),
        email: admin.email.clone(),
    });
    let mut staff = vec![Staff { id: admin.id, name: admin.name.clone(), admin: true }];
    for (name, email) in spec.recruiters {
        let user = match User::find_by_email(conn, email)? {
            Some(user) => {
                User::set_password(conn, user.id, hash, None, now)?;
                user
            }
            None => db::write(conn, |conn| {
                User::create_staff(
                    conn,
                    &NewStaff { agency_id, email, name, password_hash: hash, role: Role::Recruiter, time_zone: "UTC" },
                    now,
                )
            })?,
        };
        loaded.accounts.push(Account {
            agency: Some(spec.name.into()),
            role: "recruiter",
            name: user.name.clone(),
            email: user.email.clone(),
        });
        staff.push(Staff { id: user.id, name: user.name, admin: false });
    }
    if created && let Some(invitee) = spec.invitee {
        let actor = Actor::console().as_user(admin.id, Some(agency_id));
        let base_url = config.public_url();
        let link = LinkContext { base_url: &base_url, lifetime: config.invitation_lifetime() };
        let input = InvitationInput { email: invitee.into(), role: Role::Recruiter.as_str().into() };
        invitation::create(conn, AgencyScope::of(agency_id), &input, link, &actor, now)?;
    }
    Ok(Desk {
        agency_id,
        now,
        today: now.date(),
        staff,
        clients: Vec::new(),
        jobs: Vec::new(),
        contractors: Vec::new(),
    })
}

/// True when the agency has no contractors and no clients yet (its desk can be loaded).
fn desk_is_empty(conn: &mut DbConnection, agency_id: i64) -> anyhow::Result<bool> {
    let contractors: i64 =
        agency_contractors::table.filter(agency_contractors::agency_id.eq(agency_id)).count().get_result(conn)?;
    let clients: i64 = client_rows::table.filter(client_rows::agency_id.eq(agency_id)).count().get_result(conn)?;
    Ok(contractors == 0 && clients == 0)
}

/// Loads one agency's desk, part by part, inside the caller's transaction.
fn load_desk(
    conn: &mut DbConnection,
    desk: &mut Desk,
    spec: &AgencySpec,
    seed: u64,
    shared_people: &[contractors::Planned],
) -> anyhow::Result<()> {
    let stream = |part: &str| rng_for(seed, &format!("{}:{part}", spec.key));
    let companies: Vec<usize> = spec.shared_companies.iter().copied().chain(spec.own_companies.clone()).collect();
    clients::load_clients(conn, desk, &mut stream("clients"), &companies)?;
    clients::load_jobs(conn, desk, &mut stream("jobs"), spec.jobs)?;
    contractors::load_contractors(conn, desk, &mut stream("contractors"), spec.contractors, shared_people)?;
    activities::load_activities(conn, desk, &mut stream("activities"), spec.activities)?;
    hotlists::load_hotlists(conn, desk, &mut stream("hotlists"), spec.hotlists)?;
    let admin = &desk.staff[0];
    let actor = Actor::console().as_user(admin.id, Some(desk.agency_id));
    let detail = format!(
        "demo desk (seed {seed}): {} contractors, {} clients, {} jobs",
        desk.contractors.len(),
        desk.clients.len(),
        desk.jobs.len()
    );
    audit::record(conn, &actor, Event::new("demo.loaded", detail), desk.now)?;
    Ok(())
}

/// Counts what an agency's desk holds.
fn count(conn: &mut DbConnection, agency_id: i64) -> anyhow::Result<DeskCounts> {
    Ok(DeskCounts {
        contractors: agency_contractors::table
            .filter(agency_contractors::agency_id.eq(agency_id))
            .count()
            .get_result(conn)?,
        clients: client_rows::table.filter(client_rows::agency_id.eq(agency_id)).count().get_result(conn)?,
        contacts: contacts::table.filter(contacts::agency_id.eq(agency_id)).count().get_result(conn)?,
        jobs: job_rows::table.filter(job_rows::agency_id.eq(agency_id)).count().get_result(conn)?,
        activities: activity_rows::table.filter(activity_rows::agency_id.eq(agency_id)).count().get_result(conn)?,
        tasks: tasks::table.filter(tasks::agency_id.eq(agency_id)).count().get_result(conn)?,
        open_tasks: tasks::table
            .filter(tasks::agency_id.eq(agency_id))
            .filter(tasks::done_at.is_null())
            .count()
            .get_result(conn)?,
        hotlists: hotlist_rows::table.filter(hotlist_rows::agency_id.eq(agency_id)).count().get_result(conn)?,
        hotlist_members: hotlist_members::table
            .filter(hotlist_members::agency_id.eq(agency_id))
            .count()
            .get_result(conn)?,
        submissions: submissions::table.filter(submissions::agency_id.eq(agency_id)).count().get_result(conn)?,
        placements: placements::table.filter(placements::agency_id.eq(agency_id)).count().get_result(conn)?,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn morning() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap().and_hms_opt(9, 0, 0).unwrap()
    }

    #[test]
    fn the_same_seed_plans_the_same_people_and_another_seed_others() {
        let people = |seed| {
            linked::people(seed, morning())
                .into_iter()
                .map(|p| (p.planned.input.name, p.planned.input.email, p.harbor.input.headline))
                .collect::<Vec<_>>()
        };
        assert_eq!(people(1), people(1));
        assert_ne!(people(1), people(2));
    }

    #[test]
    fn every_planned_contractor_passes_the_form_rules_without_duplicates() {
        let mut rng = rng_for(3, "test");
        let mut taken = contractors::Taken::default();
        let mut emails = HashSet::new();
        let mut phones = HashSet::new();
        for _ in 0..1_000 {
            let person = contractors::plan(&mut rng, morning(), &mut taken, &["example.com", "example.net"]);
            let valid = person.input.validate().unwrap_or_else(|e| panic!("{:?}: {e}", person.input));
            assert!(valid.skills.len() >= 2 && valid.headline.is_some() && valid.summary.is_some());
            if let Some(email) = valid.email {
                assert!(email.ends_with(".com") || email.ends_with(".net"));
                assert!(emails.insert(email), "a repeated email");
            }
            if let Some(key) = valid.phone_key {
                assert!(phones.insert(key), "a repeated phone number");
            }
        }
    }
}
