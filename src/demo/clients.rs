//! Demo clients with their contacts, and the jobs they have open (or had), checked by the same
//! rules as the client, contact and job forms.

use anyhow::{Context, anyhow};
use chrono::TimeDelta;
use diesel::prelude::*;

use super::random::{
    DemoRng, ascii_slug, between, chance, digits, fill, normal, person_name, pick, some_time_before, weighted, zipf,
};
use super::words::{
    CLIENT_NOTES, COMMON_SKILLS, COMPANIES, CONTACT_TITLES, JOB_OPENINGS, ROLES, TEAMS, TRAVELLING_NAMES,
    country_of_city,
};
use super::{Desk, DeskClient, DeskJob};
use crate::db::DbConnection;
use crate::db::schema::{clients, contacts, job_skills, jobs};
use crate::models::client::ClientInput;
use crate::models::contact::ContactInput;
use crate::models::job::JobInput;
use crate::models::skill::Skill;

/// Notes a recruiter keeps on a client contact.
const CONTACT_NOTES: &[&str] = &[
    "Signs off contractor budgets.",
    "Prefers a Teams call to email.",
    "All vendor contact goes through them.",
    "Met at the client's summer party; very approachable.",
    "Decides quickly once they have seen two or three CVs.",
];

/// Adds the clients at `companies` (indexes into the company list) with two to four contacts each.
pub fn load_clients(
    conn: &mut DbConnection,
    desk: &mut Desk,
    rng: &mut DemoRng,
    companies: &[usize],
) -> anyhow::Result<()> {
    for &index in companies {
        let (name, industry, city) = COMPANIES[index];
        let input = ClientInput {
            name: name.into(),
            domain: format!("{}.example", ascii_slug(&name.replace('&', "and"))),
            notes: if chance(rng, 0.6) {
                fill(
                    pick::<&str>(rng, CLIENT_NOTES),
                    &[("industry", industry), ("days", &pick(rng, &[30, 45, 60]).to_string())],
                )
            } else {
                String::new()
            },
            version: String::new(),
            idempotency_key: String::new(),
        };
        let valid = input.validate().map_err(|e| anyhow!("demo client {name} breaks a rule: {e}"))?;
        let domain = valid.domain.clone().context("demo clients have a web domain")?;
        let created_at = some_time_before(rng, desk.now, 60, 700);
        let updated_at = some_time_before(rng, desk.now, 0, (desk.now - created_at).num_days());
        let created_by = pick(rng, &desk.staff).id;
        let client_id: i64 = diesel::insert_into(clients::table)
            .values((
                clients::agency_id.eq(desk.agency_id),
                clients::name.eq(&valid.name),
                clients::domain.eq(&valid.domain),
                clients::notes.eq(&valid.notes),
                clients::version.eq(1),
                clients::created_by.eq(Some(created_by)),
                clients::created_at.eq(created_at),
                clients::updated_at.eq(updated_at),
            ))
            .returning(clients::id)
            .get_result(conn)?;
        let country = country_of_city(city);
        let mut people = Vec::new();
        let mut titles: Vec<&str> = Vec::new();
        for _ in 0..between(rng, 2, 4) {
            let names = if chance(rng, 0.2) { *pick(rng, TRAVELLING_NAMES) } else { country.names };
            let (first, last) = person_name(rng, names);
            let title = loop {
                let title = *pick(rng, CONTACT_TITLES);
                if !titles.contains(&title) {
                    break title;
                }
            };
            titles.push(title);
            let contact = ContactInput {
                name: format!("{first} {last}"),
                title: title.into(),
                email: format!("{}.{}@{domain}", ascii_slug(&first), ascii_slug(&last)),
                phone: if chance(rng, 0.8) { digits(rng, country.phone) } else { String::new() },
                notes: if chance(rng, 0.3) { (*pick(rng, CONTACT_NOTES)).into() } else { String::new() },
                version: String::new(),
                idempotency_key: String::new(),
            };
            let valid = contact.validate().map_err(|e| anyhow!("demo contact {} breaks a rule: {e}", contact.name))?;
            let at = some_time_before(rng, desk.now, 0, (desk.now - created_at).num_days());
            diesel::insert_into(contacts::table)
                .values((
                    contacts::agency_id.eq(desk.agency_id),
                    contacts::client_id.eq(client_id),
                    contacts::name.eq(&valid.name),
                    contacts::title.eq(&valid.title),
                    contacts::email.eq(&valid.email),
                    contacts::phone.eq(&valid.phone),
                    contacts::notes.eq(&valid.notes),
                    contacts::version.eq(1),
                    contacts::created_at.eq(at),
                    contacts::updated_at.eq(at),
                ))
                .execute(conn)?;
            people.push((valid.name, title.to_string()));
        }
        desk.clients.push(DeskClient { id: client_id, name: name.into(), industry, city, contacts: people });
    }
    Ok(())
}

/// Rounds to the nearest multiple of `step` (at least `step`).
fn round_to(value: f64, step: i64) -> i64 {
    ((value / step as f64).round() as i64 * step).max(step)
}

/// Adds `count` jobs across the desk's clients: a few key accounts have several, most one or two.
pub fn load_jobs(conn: &mut DbConnection, desk: &mut Desk, rng: &mut DemoRng, count: usize) -> anyhow::Result<()> {
    if desk.clients.is_empty() {
        return Ok(());
    }
    for _ in 0..count {
        let client_index = if chance(rng, 0.4) {
            zipf(rng, desk.clients.len())
        } else {
            between(rng, 0, desk.clients.len() as i64 - 1) as usize
        };
        let client = desk.clients[client_index].clone();
        let role = weighted(rng, ROLES, |r| r.weight);
        let base_title = *pick(rng, role.job_titles);
        let title = if base_title.contains("Senior") || base_title.contains("Lead") || chance(rng, 0.5) {
            base_title.to_string()
        } else {
            format!("{}{base_title}", pick(rng, &["Senior ", "Senior ", "Lead ", "Contract "]))
        };
        let mut skills: Vec<&str> = role.skills.iter().take(2).copied().collect();
        for _ in 0..between(rng, 1, 3) {
            let skill = role.skills[zipf(rng, role.skills.len())];
            if !skills.contains(&skill) {
                skills.push(skill);
            }
        }
        if chance(rng, 0.3) {
            let skill = COMMON_SKILLS[zipf(rng, COMMON_SKILLS.len())];
            if !skills.contains(&skill) {
                skills.push(skill);
            }
        }
        let contract_type =
            weighted(rng, &[("contract", 80), ("contract_to_hire", 12), ("permanent", 8)], |(_, w)| *w).0;
        let months = match contract_type {
            "contract" => *pick(rng, &[3, 6, 6, 6, 9, 12]),
            "contract_to_hire" => 6,
            _ => 0,
        };
        let status = weighted(rng, &[("open", 70), ("on_hold", 10), ("filled", 12), ("closed", 8)], |(_, w)| *w).0;
        let (created_at, start_date) = if matches!(status, "open" | "on_hold") {
            (some_time_before(rng, desk.now, 1, 60), desk.today + TimeDelta::days(between(rng, 7, 60)))
        } else {
            let start = desk.today - TimeDelta::days(between(rng, 10, 120));
            (
                some_time_before(
                    rng,
                    desk.now,
                    (desk.today - start).num_days() + 20,
                    (desk.today - start).num_days() + 70,
                ),
                start,
            )
        };
        let country = country_of_city(client.city);
        let hourly = 70.0 * role.rate_factor * country.rate_factor * (0.12 * normal(rng)).exp();
        let (rate_min, rate_max, rate_unit) = if chance(rng, 0.1) {
            (String::new(), String::new(), String::new())
        } else if contract_type == "permanent" {
            let min = round_to(hourly * 1_200.0, 5_000);
            (min.to_string(), (min + 5_000 * between(rng, 2, 4)).to_string(), "year".into())
        } else if country.currency == "GBP" && chance(rng, 0.7) {
            let min = round_to(hourly * 8.0 * 0.95, 25);
            (min.to_string(), (min + 25 * between(rng, 2, 6)).to_string(), "day".into())
        } else {
            let min = round_to(hourly * 0.9, 5);
            (min.to_string(), (min + 5 * between(rng, 1, 4)).to_string(), "hour".into())
        };
        let remote = weighted(rng, &[("hybrid", 55), ("remote", 25), ("onsite", 20)], |(_, w)| *w).0;
        let contact = pick(rng, &client.contacts).0.clone();
        let team = *pick(rng, TEAMS);
        let mut description = vec![fill(
            pick::<&str>(rng, JOB_OPENINGS),
            &[("client", &client.name), ("title", &title), ("team", team), ("months", &months.max(6).to_string())],
        )];
        description.push(format!("Must have: {}.", skills[..2].join(" and ")));
        if skills.len() > 2 {
            description.push(format!("Nice to have: {}.", skills[2..].join(", ")));
        }
        description.push(match remote {
            "remote" => "Fully remote, with a team day once a quarter.".to_string(),
            "hybrid" => format!("Hybrid: two days a week in the {} office.", client.city),
            _ => format!("On site in {} five days a week.", client.city),
        });
        description.push(match contract_type {
            "permanent" => "Permanent role with bonus and pension.".to_string(),
            "contract_to_hire" => "Six-month contract with a view to a permanent offer.".to_string(),
            _ if country.currency == "GBP" && chance(rng, 0.5) => {
                format!("{months} months initially; outside IR35. Hiring manager: {contact}.")
            }
            _ => format!("{months} months initially, with a good chance of extension. Hiring manager: {contact}."),
        });
        let owner = desk.recruiters()[between(rng, 0, desk.recruiters().len() as i64 - 1) as usize].id;
        let input = JobInput {
            client_id: client.id.to_string(),
            title: title.clone(),
            description: description.join("\n\n"),
            skills: skills.join(", "),
            contract_type: contract_type.into(),
            duration_months: if months > 0 { months.to_string() } else { String::new() },
            start_date: start_date.to_string(),
            rate_currency: if rate_min.is_empty() { String::new() } else { country.currency.into() },
            rate_min,
            rate_max,
            rate_unit,
            location: client.city.into(),
            remote: remote.into(),
            openings: pick(rng, &[1, 1, 1, 1, 1, 1, 1, 2, 2, 3]).to_string(),
            status: status.into(),
            owner_id: owner.to_string(),
            version: String::new(),
            idempotency_key: String::new(),
        };
        let valid =
            input.validate(conn, desk.scope(), None).map_err(|e| anyhow!("demo job {title} breaks a rule: {e}"))?;
        let updated_at = some_time_before(rng, desk.now, 0, (desk.now - created_at).num_days());
        let job_id: i64 = diesel::insert_into(jobs::table)
            .values((
                jobs::agency_id.eq(desk.agency_id),
                jobs::client_id.eq(valid.client_id),
                jobs::title.eq(&valid.title),
                jobs::description.eq(&valid.description),
                jobs::contract_type.eq(valid.contract_type),
                jobs::duration_months.eq(valid.duration_months),
                jobs::start_date.eq(valid.start_date),
                jobs::rate_min_minor.eq(valid.rate_min),
                jobs::rate_max_minor.eq(valid.rate_max),
                jobs::rate_currency.eq(&valid.rate_currency),
                jobs::rate_unit.eq(valid.rate_unit),
                jobs::location.eq(&valid.location),
                jobs::remote.eq(valid.remote),
                jobs::openings.eq(valid.openings),
                jobs::status.eq(valid.status),
                jobs::owner_id.eq(valid.owner_id),
                jobs::version.eq(1),
                jobs::created_by.eq(valid.owner_id),
                jobs::created_at.eq(created_at),
                jobs::updated_at.eq(updated_at.max(created_at)),
            ))
            .returning(jobs::id)
            .get_result(conn)?;
        for skill in Skill::resolve(conn, &valid.skills, desk.now)? {
            diesel::insert_into(job_skills::table)
                .values((job_skills::job_id.eq(job_id), job_skills::skill_id.eq(skill.id)))
                .execute(conn)?;
        }
        desk.jobs.push(DeskJob {
            id: job_id,
            client: client_index,
            title,
            status: valid.status,
            owner_id: valid.owner_id,
            role: role.key,
            skills: valid.skills.into_iter().map(|(_, name)| name).collect(),
        });
    }
    Ok(())
}
