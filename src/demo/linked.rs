//! People on both demo desks who keep their own contractor account, linked to both agencies:
//! each agency first typed its own record of them (same email), then the person connected, so
//! their profile is what both agencies see, and each agency keeps its own notes, tags and owner.

use anyhow::Context;
use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::contractors::{self, Planned, Taken};
use super::random::{DemoRng, between, chance, rng_for, some_time_before};
use crate::db::schema::{agency_contractors, contractor_profiles, users};
use crate::db::{self, DbConnection};
use crate::models::contractor::{Availability, Contractor};
use crate::models::profile;
use crate::models::user::{KIND_CONTRACTOR, User};

/// How many people are on both desks.
pub const HOW_MANY: usize = 10;

/// Which agency a record is typed by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Northwind,
    Harbor,
}

/// One person known to both agencies.
#[derive(Clone, Debug)]
pub struct SharedPerson {
    /// Northwind's record of them (their profile starts from it).
    pub planned: Planned,
    /// Harbor's record: the same email, typed at another time, a little differently.
    pub harbor: Planned,
}

/// The people on both desks, drawn from their own stream of the seed.
pub fn people(seed: u64, now: NaiveDateTime) -> Vec<SharedPerson> {
    let mut rng = rng_for(seed, "linked");
    let mut taken = Taken::default();
    (0..HOW_MANY)
        .map(|_| {
            // Connecting needs an email on the record; the demo's private-rate case needs a rate.
            let mut planned = loop {
                let planned = contractors::plan(&mut rng, now, &mut taken, &["example.org"]);
                if !planned.input.email.is_empty() && !planned.input.rate_floor.is_empty() {
                    break planned;
                }
            };
            planned.archived = false;
            let harbor = typed_by_harbor(&mut rng, &planned, now);
            SharedPerson { planned, harbor }
        })
        .collect()
}

/// Harbor's own record of the same person: older, shorter, with its own notes and tags.
fn typed_by_harbor(rng: &mut DemoRng, planned: &Planned, now: NaiveDateTime) -> Planned {
    let mut harbor = planned.clone();
    let input = &mut harbor.input;
    input.phone = if chance(rng, 0.4) { String::new() } else { input.phone.replace(' ', "") };
    input.headline = planned.role.title.to_string();
    input.summary =
        input.summary.split(". ").next().map(|s| format!("{}.", s.trim_end_matches('.'))).unwrap_or_default();
    input.notes = format!(
        "Came to us through a referral. Good on {}; asked to hear about {} roles.",
        planned.role.skills[0],
        planned.role.title.to_lowercase()
    );
    input.tags = if chance(rng, 0.5) { "referral".into() } else { String::new() };
    input.source = "Referral".into();
    input.linkedin_url = String::new();
    if let Ok(amount) = input.rate_floor.parse::<i64>() {
        input.rate_floor = (amount - if input.rate_unit == "day" { 50 } else { 5 }).max(25).to_string();
    }
    harbor.owner = Some(between(rng, 0, 1_000) as usize);
    harbor.created_at = some_time_before(rng, now, 150, 600);
    harbor.confirmed_at = Some(some_time_before(rng, now, 40, 120));
    harbor.updated_at = harbor.confirmed_at.unwrap_or(harbor.created_at).max(harbor.created_at);
    harbor
}

/// The records one agency types for the people on both desks.
pub fn records(people: &[SharedPerson], side: Side) -> Vec<Planned> {
    people
        .iter()
        .map(|p| match side {
            Side::Northwind => p.planned.clone(),
            Side::Harbor => p.harbor.clone(),
        })
        .collect()
}

/// Creates each person's contractor account and profile and links it to their record in each of
/// `agency_ids`. A person who already has an account gets the demo password instead. Returns how
/// many accounts were created and the accounts that exist.
pub fn load_accounts(
    conn: &mut DbConnection,
    people: &[SharedPerson],
    agency_ids: &[i64],
    hash: &str,
    now: NaiveDateTime,
) -> anyhow::Result<(usize, Vec<super::Account>)> {
    let today = now.date();
    db::write(conn, |conn| {
        let mut created = 0;
        let mut accounts = Vec::new();
        for (n, person) in people.iter().enumerate() {
            let email = &person.planned.input.email;
            let name = &person.planned.input.name;
            let account = super::Account { agency: None, role: "contractor", name: name.clone(), email: email.clone() };
            if let Some(user) = User::find_by_email(conn, email)? {
                User::set_password(conn, user.id, hash, None, now)?;
                accounts.push(account);
                continue;
            }
            let mut records: Vec<Contractor> = agency_contractors::table
                .filter(agency_contractors::email.eq(email))
                .filter(agency_contractors::agency_id.eq_any(agency_ids))
                .filter(agency_contractors::profile_id.is_null())
                .select(Contractor::as_select())
                .load(conn)?;
            records.sort_by_key(|r| agency_ids.iter().position(|id| *id == r.agency_id));
            let Some(first) = records.first() else { continue };
            let joined = now - TimeDelta::days(20 + 9 * n as i64);
            let user_id: i64 = diesel::insert_into(users::table)
                .values((
                    users::email.eq(email),
                    users::name.eq(name),
                    users::password_hash.eq(hash),
                    users::kind.eq(KIND_CONTRACTOR),
                    users::time_zone.eq("UTC"),
                    users::password_changed_at.eq(now),
                    users::created_at.eq(joined),
                    users::updated_at.eq(joined),
                ))
                .returning(users::id)
                .get_result(conn)?;
            let skills =
                crate::models::contractor::skill_names(conn, &[first.id])?.remove(&first.id).unwrap_or_default();
            let created_profile = profile::create_for_user(conn, user_id, name, Some((first, &skills)), joined)?;
            for (k, record) in records.iter().enumerate() {
                let linked_at = (joined + TimeDelta::days(4 * k as i64)).min(now);
                profile::link(conn, &created_profile, record, linked_at)?;
            }
            // What each person did with their profile since: the first has an offer elsewhere,
            // the second keeps the rate floor private, the third moved their availability, and
            // the rest confirmed it at different times (so the freshness colours vary).
            let confirmed = match n {
                3 => now - TimeDelta::days(20),
                4 => now - TimeDelta::days(45),
                _ => now - TimeDelta::hours(6 + 29 * n as i64),
            };
            let period = TimeDelta::days(i64::from(profile::DEFAULT_REMINDER_DAYS));
            let reminded = (now - confirmed > period).then(|| confirmed + period + TimeDelta::days(1));
            use contractor_profiles as p;
            let profile_id = created_profile.id;
            diesel::update(p::table.find(profile_id))
                .set((
                    p::availability_confirmed_at.eq(Some(confirmed)),
                    p::availability_confirmed_by.eq(Some(crate::models::contractor::CONFIRMED_BY_CONTRACTOR)),
                    // Someone who has not confirmed for longer than the reminder period got their
                    // one reminder when it fell due.
                    p::reminder_sent_at.eq(reminded),
                    p::updated_at.eq(confirmed.max(joined)),
                ))
                .execute(conn)?;
            match n {
                0 => {
                    diesel::update(p::table.find(profile_id))
                        .set(p::competing_offer_until.eq(Some(today + TimeDelta::days(9))))
                        .execute(conn)?;
                }
                1 => {
                    diesel::update(p::table.find(profile_id)).set(p::rate_visible.eq(false)).execute(conn)?;
                }
                2 => {
                    let when = Availability {
                        availability: "from_date",
                        available_from: Some(today + TimeDelta::days(12)),
                        contract_ends_on: None,
                        extension_likelihood: None,
                        notice_days: Some(14),
                    };
                    diesel::update(p::table.find(profile_id))
                        .set((
                            p::availability.eq(when.availability),
                            p::available_from.eq(when.available_from),
                            p::contract_ends_on.eq(when.contract_ends_on),
                            p::extension_likelihood.eq(when.extension_likelihood),
                            p::notice_days.eq(when.notice_days),
                            p::available_on.eq(when.available_on()),
                        ))
                        .execute(conn)?;
                }
                _ => {}
            }
            let current = profile::find_for_user(conn, user_id)?;
            profile::sync_linked_records(conn, &current, confirmed.max(joined))
                .context("cannot share a demo profile with its agencies")?;
            created += 1;
            accounts.push(account);
        }
        Ok((created, accounts))
    })
}
