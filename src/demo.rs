//! `nextgig demo`: a realistic demo agency to explore. It grows as features land.

use anyhow::Context;

use crate::auth::password::hash_now;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{self, DatabaseTarget};
use crate::models::agency::AgencyScope;
use crate::models::audit::Actor;
use crate::models::invitation::{self, InvitationInput, LinkContext};
use crate::models::setup;
use crate::models::token;
use crate::models::user::{NewStaff, Role, User};

/// The demo agency's admin (sign in with this).
pub const ADMIN_EMAIL: &str = "admin@northwind-talent.example";

const RECRUITERS: &[(&str, &str)] = &[
    ("Priya Natarajan", "priya@northwind-talent.example"),
    ("Tom Okafor", "tom@northwind-talent.example"),
    ("Lena Fischer", "lena@northwind-talent.example"),
];

/// Loads the demo agency (once) and prints how to sign in.
pub fn load(config: &Config, clock: &Clock) -> anyhow::Result<()> {
    let target = DatabaseTarget::parse(&config.database_url)?;
    let mut conn = target.connect()?;
    db::run_migrations(&mut conn)?;
    let now = clock.now();
    // A fresh random password each run: a demo loaded into a real database is not an open door.
    let password = format!("northwind-{}", token::random_hex(6));
    let hash = hash_now(&password)?;
    let existing = User::find_by_email(&mut conn, ADMIN_EMAIL)?;
    if let Some(admin) = existing {
        for email in std::iter::once(ADMIN_EMAIL).chain(RECRUITERS.iter().map(|(_, e)| *e)) {
            if let Some(user) = User::find_by_email(&mut conn, email)? {
                User::set_password(&mut conn, user.id, &hash, None, now)?;
            }
        }
        println!("The demo agency was already loaded (admin id {}); its passwords were reset.", admin.id);
    } else {
        let (agency, _admin) =
            setup::create_agency(&mut conn, "Northwind Talent", "Alex Morgan", ADMIN_EMAIL, &hash, now)
                .context("cannot create the demo agency")?;
        let scope = AgencyScope::of(agency.id);
        db::write(&mut conn, |conn| {
            for (name, email) in RECRUITERS {
                User::create_staff(
                    conn,
                    &NewStaff { agency_id: agency.id, email, name, password_hash: &hash, role: Role::Recruiter },
                    now,
                )?;
            }
            Ok::<_, crate::AppError>(())
        })?;
        let admin = User::find_by_email(&mut conn, ADMIN_EMAIL)?.context("demo admin missing")?;
        let actor = Actor::console().as_user(admin.id, Some(agency.id));
        let base_url = config.public_url();
        let link = LinkContext { base_url: &base_url, lifetime: config.invitation_lifetime() };
        let input =
            InvitationInput { email: "sam@northwind-talent.example".into(), role: Role::Recruiter.as_str().into() };
        invitation::create(&mut conn, scope, &input, link, &actor, now)?;
        println!("Loaded the demo agency \"{}\".", agency.name);
    }
    println!();
    println!("Sign in at {}/login with any of these (password: {password}):", config.public_url());
    println!("    {ADMIN_EMAIL}  (admin)");
    for (name, email) in RECRUITERS {
        println!("    {email}  (recruiter, {name})");
    }
    Ok(())
}
