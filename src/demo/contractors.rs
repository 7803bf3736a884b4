//! Demo contractors: plausible people with skills, availability, rates, owners, tags and notes,
//! checked by the same rules as the contractor form and written with every derived column
//! (`available_on`, `rate_hourly_minor`, `phone_key`, `location_key`, skills, search index).

use std::collections::{HashMap, HashSet};

use anyhow::{Context, bail};
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::random::{
    DemoRng, ascii_slug, between, chance, digits, fill, normal, person_name, pick, some_time_before, weighted, zipf,
};
use super::words::{
    COMMON_SKILLS, CONTRACTOR_NOTES, Country, EVENTS, INDUSTRIES, Names, PAST_EMPLOYERS, PLACES, REMOTE_PHRASES, ROLES,
    Role, SKILL_SPELLINGS, SOURCES, TAGS, TRAVELLING_NAMES,
};
use super::{Desk, DeskContractor};
use crate::db::DbConnection;
use crate::db::schema::{agency_contractor_skills, agency_contractors};
use crate::models::contractor::{self, Contractor, ContractorInput, ValidContractor};
use crate::models::money;
use crate::models::skill::{self, Skill};

/// A contractor record as an agency would type it, plus when things happened.
#[derive(Clone, Debug)]
pub struct Planned {
    pub input: ContractorInput,
    pub first: String,
    pub role: &'static Role,
    /// Which member of staff owns the record (taken modulo the team's size), if anyone.
    pub owner: Option<usize>,
    pub confirmed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub archived: bool,
}

/// Emails and phone numbers already used in one agency (its duplicate guard must never fire).
#[derive(Debug, Default)]
pub struct Taken {
    emails: HashSet<String>,
    phones: HashSet<String>,
}

impl Taken {
    /// Notes a planned record's email and phone.
    pub fn note(&mut self, input: &ContractorInput) {
        if !input.email.is_empty() {
            self.emails.insert(input.email.to_lowercase());
        }
        if let Some(key) = contractor::phone_key(&input.phone) {
            self.phones.insert(key);
        }
    }

    /// A new email address for someone called `first` `last` on one of `domains`.
    pub fn email(&mut self, rng: &mut DemoRng, first: &str, last: &str, domains: &[&str]) -> String {
        let (f, l) = (ascii_slug(first), ascii_slug(last));
        let (f, l) =
            (if f.is_empty() { "hello".to_string() } else { f }, if l.is_empty() { "cv".to_string() } else { l });
        let domain = pick(rng, domains);
        let local = match between(rng, 0, 5) {
            0 => format!("{f}{l}"),
            1 => format!("{}.{l}", &f[..1]),
            2 => format!("{f}_{l}"),
            3 => format!("{f}.{l}{}", between(rng, 70, 99)),
            _ => format!("{f}.{l}"),
        };
        let mut email = format!("{local}@{domain}");
        let mut n = 2;
        while self.emails.contains(&email) {
            email = format!("{local}{n}@{domain}");
            n += 1;
        }
        self.emails.insert(email.clone());
        email
    }

    fn phone(&mut self, rng: &mut DemoRng, country: &Country) -> String {
        loop {
            let phone = digits(rng, country.phone);
            if let Some(key) = contractor::phone_key(&phone)
                && self.phones.insert(key)
            {
                return phone;
            }
        }
    }
}

/// Skills for someone in `role`: the role's first two, a few more of its own (the more typical
/// ones more often) and now and then a common one, each written the way people write them.
fn skills_for(rng: &mut DemoRng, role: &Role) -> Vec<String> {
    let mut chosen: Vec<&str> = role.skills.iter().take(2).copied().collect();
    let wanted = 2 + between(rng, 1, 4) as usize;
    let mut tries = 0;
    while chosen.len() < wanted.min(role.skills.len()) && tries < 50 {
        let skill = role.skills[zipf(rng, role.skills.len())];
        if !chosen.contains(&skill) {
            chosen.push(skill);
        }
        tries += 1;
    }
    for _ in 0..between(rng, 0, 3) {
        let skill = COMMON_SKILLS[zipf(rng, COMMON_SKILLS.len())];
        if !chosen.contains(&skill) {
            chosen.push(skill);
        }
    }
    chosen
        .into_iter()
        .map(|skill| match SKILL_SPELLINGS.iter().find(|(canonical, _)| *canonical == skill) {
            Some((_, other)) if chance(rng, 0.25) => (*other).to_string(),
            _ => skill.to_string(),
        })
        .collect()
}

/// Rounds to the nearest multiple of `step`.
fn round_to(value: f64, step: i64) -> i64 {
    ((value / step as f64).round() as i64 * step).max(step)
}

/// A rate floor as typed: (amount, currency, unit), log-normal around 70 an hour.
fn rate_for(rng: &mut DemoRng, role: &Role, country: &Country, remote_place: bool) -> (String, String, String) {
    let hourly = (70f64.ln() + 0.28 * normal(rng)).exp() * role.rate_factor * country.rate_factor;
    let hourly = hourly.clamp(30.0, 220.0);
    let currency = if remote_place && chance(rng, 0.08) { "USD" } else { country.currency };
    let day_share = if country.currency == "GBP" { 0.55 } else { 0.25 };
    if chance(rng, day_share) {
        (round_to(hourly * 8.0, 25).to_string(), currency.into(), "day".into())
    } else {
        (round_to(hourly, 5).to_string(), currency.into(), "hour".into())
    }
}

/// A day near `today + days`, now and then moved to the end of its month (contracts often end
/// there).
fn end_date(rng: &mut DemoRng, today: NaiveDate, days: i64) -> NaiveDate {
    let date = today + TimeDelta::days(days);
    if chance(rng, 0.4) {
        let first_of_next = if date.month() == 12 {
            NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(date.year(), date.month() + 1, 1)
        };
        if let Some(end) = first_of_next.map(|d| d - TimeDelta::days(1))
            && end > today
        {
            return end;
        }
    }
    date
}

/// Plans one contractor. `domains` are the email domains people of this plan use.
pub fn plan(rng: &mut DemoRng, now: NaiveDateTime, taken: &mut Taken, domains: &[&str]) -> Planned {
    let today = now.date();
    let (place, country, _) = weighted(rng, PLACES, |(_, _, w)| *w);
    let remote_place = place.starts_with("Remote");
    let names = if chance(rng, 0.25) { *pick(rng, TRAVELLING_NAMES) } else { country.names };
    let (first, last) = person_name(rng, names);
    let role = weighted(rng, ROLES, |r| r.weight);
    let years = between(rng, 3, 20);
    let seniority = match years {
        14.. => *pick(rng, &["Lead ", "Principal ", "Senior "]),
        6.. => "Senior ",
        _ => "",
    };
    let skills = skills_for(rng, role);
    let canonical: Vec<String> = skills.iter().filter_map(|s| skill::normalize(s)).map(|(_, name)| name).collect();
    let headline = match between(rng, 0, 3) {
        0 => format!("{seniority}{}", role.title),
        1 => format!("{seniority}{} | {} & {}", role.title, canonical[0], canonical[1]),
        2 => format!("Freelance {} ({years} years)", role.title),
        _ => format!("{seniority}{} — {}, {}", role.title, canonical[0], canonical[1]),
    };
    let remote = if remote_place {
        "remote"
    } else {
        weighted(rng, REMOTE_PHRASES, |(k, _)| if *k == "onsite" { 1 } else { 3 }).0
    };
    let remote_phrase = REMOTE_PHRASES.iter().find(|(k, _)| *k == remote).map_or("", |(_, p)| *p);
    let industry = *pick(rng, INDUSTRIES);
    let other_industry = loop {
        let other = *pick(rng, INDUSTRIES);
        if other != industry {
            break other;
        }
    };
    let mut summary = vec![format!("{} with {years} years in {industry} and {other_industry}.", role.title)];
    if !role.achievements.is_empty() {
        summary.push(format!(
            "Most recently at {}, where I {}.",
            pick(rng, PAST_EMPLOYERS),
            pick(rng, role.achievements)
        ));
    }
    if canonical.len() >= 3 && chance(rng, 0.6) {
        summary.push(format!("Strongest in {}, {} and {}.", canonical[0], canonical[1], canonical[2]));
    }
    if !role.certificates.is_empty() && chance(rng, 0.45) {
        summary.push(format!("Certified: {}.", pick(rng, role.certificates)));
    }
    if chance(rng, 0.6) {
        let base = if remote_place { place.trim_start_matches("Remote (").trim_end_matches(')') } else { place };
        summary.push(format!("Based in {base}, {remote_phrase}."));
    }

    let roll = between(rng, 0, 99);
    let (availability, available_from, contract_ends_on) = match roll {
        0..=7 => ("now", String::new(), String::new()),
        8..=19 => ("from_date", (today + TimeDelta::days(between(rng, 1, 30))).to_string(), String::new()),
        20..=79 => {
            let days = if chance(rng, 0.3) { between(rng, 3, 42) } else { between(rng, 43, 270) };
            ("on_contract", String::new(), end_date(rng, today, days).to_string())
        }
        _ => ("not_looking", String::new(), String::new()),
    };
    let extension = if availability == "on_contract" {
        *weighted(rng, &[("", 3), ("unlikely", 2), ("possible", 3), ("likely", 2)], |(_, w)| *w)
    } else {
        ("", 0)
    }
    .0;
    let notice_days = match availability {
        "on_contract" if chance(rng, 0.5) => pick(rng, &[0, 7, 14, 28]).to_string(),
        "not_looking" if chance(rng, 0.6) => pick(rng, &[30, 60, 90]).to_string(),
        "from_date" if chance(rng, 0.3) => "14".into(),
        _ => String::new(),
    };
    let (rate_floor, rate_currency, rate_unit) =
        if chance(rng, 0.92) { rate_for(rng, role, country, remote_place) } else { Default::default() };

    let email = if chance(rng, 0.96) { taken.email(rng, &first, &last, domains) } else { String::new() };
    let phone = if chance(rng, 0.9) { taken.phone(rng, country) } else { String::new() };
    let slug = format!("{}-{}", ascii_slug(&first), ascii_slug(&last));
    let linkedin_url = if chance(rng, 0.55) {
        format!("https://www.linkedin.example/in/{slug}-{}", between(rng, 100, 999))
    } else {
        String::new()
    };
    let links = if chance(rng, 0.15) { format!("https://code.example/{slug}") } else { String::new() };

    let mut tags: Vec<&str> = Vec::new();
    if !chance(rng, 0.45) {
        for _ in 0..between(rng, 1, 2) {
            tags.push(TAGS[zipf(rng, TAGS.len())]);
        }
    }
    if country.code == "GB" {
        if chance(rng, 0.15) {
            tags.push("sc-cleared");
        }
        if chance(rng, 0.3) {
            tags.push("outside-ir35");
        }
    }
    match (names, country.code) {
        (Names::German, code) if !matches!(code, "DE" | "AT" | "CH") => tags.push("german-speaker"),
        (Names::Dutch, code) if !matches!(code, "NL" | "BE") => tags.push("dutch-speaker"),
        (Names::French, code) if code != "FR" => tags.push("french-speaker"),
        _ => {}
    }
    if remote == "remote" && chance(rng, 0.3) {
        tags.push("remote-only");
    }

    let rate_text = match (rate_floor.parse::<i64>(), rate_unit.as_str()) {
        (Ok(amount), unit) if !unit.is_empty() => money::format_rate(amount * 100, &rate_currency, unit),
        _ => "their current rate".into(),
    };
    let notes = if chance(rng, 0.45) {
        let mut lines = Vec::new();
        for _ in 0..between(rng, 1, 2) {
            let line = fill(
                pick::<&str>(rng, CONTRACTOR_NOTES),
                &[
                    ("first", &first),
                    ("skill", &canonical[0]),
                    ("event", *pick(rng, EVENTS)),
                    ("rate", &rate_text),
                    ("employer", *pick(rng, PAST_EMPLOYERS)),
                    ("industry", industry),
                ],
            );
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
        lines.join("\n")
    } else {
        String::new()
    };

    let confirmed_at = match between(rng, 0, 99) {
        0..=37 => Some(some_time_before(rng, now, 0, 14)),
        38..=59 => Some(some_time_before(rng, now, 15, 30)),
        60..=89 => Some(some_time_before(rng, now, 31, 150)),
        _ => None,
    };
    let created_at = some_time_before(rng, now, 20, 900);
    let since_created = (now - created_at).num_seconds().max(1);
    // Confirming availability does not touch `updated_at` (editing the record does).
    let updated_at = created_at + TimeDelta::seconds(between(rng, 0, since_created));
    let owner = if chance(rng, 0.95) { Some(between(rng, 0, 1_000) as usize) } else { None };
    Planned {
        input: ContractorInput {
            name: format!("{first} {last}"),
            email,
            phone,
            headline,
            summary: summary.join(" "),
            skills: skills.join(", "),
            location: place.to_string(),
            remote: remote.into(),
            availability: availability.into(),
            available_from,
            contract_ends_on,
            extension_likelihood: extension.into(),
            notice_days,
            rate_floor,
            rate_currency,
            rate_unit,
            linkedin_url,
            links,
            source: weighted(rng, SOURCES, |(_, w)| *w).0.into(),
            owner_id: String::new(),
            tags: tags.join(", "),
            notes,
            version: String::new(),
            idempotency_key: String::new(),
        },
        first,
        role,
        owner,
        confirmed_at,
        created_at,
        updated_at: updated_at.min(now),
        archived: chance(rng, 0.03),
    }
}

/// Adds `count` planned contractors and the `shared` people (records of people who also work
/// with another agency) to the desk.
pub fn load_contractors(
    conn: &mut DbConnection,
    desk: &mut Desk,
    rng: &mut DemoRng,
    count: usize,
    shared: &[Planned],
) -> anyhow::Result<()> {
    let mut taken = Taken::default();
    for person in shared {
        taken.note(&person.input);
    }
    let mut planned: Vec<Planned> = shared.to_vec();
    planned.extend((0..count).map(|_| plan(rng, desk.now, &mut taken, &["example.com", "example.net"])));
    insert(conn, desk, planned)
}

/// Writes planned records: checked as the form checks them, with their skills and index entries.
fn insert(conn: &mut DbConnection, desk: &mut Desk, planned: Vec<Planned>) -> anyhow::Result<()> {
    let mut checked: Vec<(Planned, ValidContractor)> = Vec::with_capacity(planned.len());
    for mut person in planned {
        person.input.owner_id =
            person.owner.map(|n| desk.staff[n % desk.staff.len()].id.to_string()).unwrap_or_default();
        let valid = person
            .input
            .validate()
            .map_err(|e| anyhow::anyhow!("demo contractor {} breaks a rule: {e}", person.input.name))?;
        checked.push((person, valid));
    }
    let mut vocabulary: Vec<(String, String)> = Vec::new();
    for (_, valid) in &checked {
        for pair in &valid.skills {
            if !vocabulary.iter().any(|(key, _)| key == &pair.0) {
                vocabulary.push(pair.clone());
            }
        }
    }
    let skill_ids: HashMap<String, i64> =
        Skill::resolve(conn, &vocabulary, desk.now)?.into_iter().map(|s| (s.key, s.id)).collect();

    let mut skill_rows = Vec::new();
    for (person, valid) in &checked {
        use agency_contractors as c;
        let confirmed_at = person.confirmed_at;
        let archived_at = person.archived.then_some(person.updated_at);
        let id: i64 = diesel::insert_into(c::table)
            .values((
                (
                    c::agency_id.eq(desk.agency_id),
                    c::owner_id.eq(valid.owner_id),
                    c::name.eq(&valid.name),
                    c::email.eq(&valid.email),
                    c::phone.eq(&valid.phone),
                    c::phone_key.eq(&valid.phone_key),
                    c::headline.eq(&valid.headline),
                    c::summary.eq(&valid.summary),
                    c::location.eq(&valid.location),
                    // As the form stores it: the location in lower case, for the location filter.
                    c::location_key.eq(valid.location.as_ref().map(|l| l.to_lowercase())),
                    c::remote.eq(valid.remote),
                    c::availability.eq(valid.availability),
                    c::available_from.eq(valid.available_from),
                    c::contract_ends_on.eq(valid.contract_ends_on),
                    c::extension_likelihood.eq(valid.extension_likelihood),
                    c::notice_days.eq(valid.notice_days),
                ),
                (
                    c::available_on.eq(valid.available_on()),
                    c::availability_confirmed_at.eq(confirmed_at),
                    c::availability_confirmed_by
                        .eq(confirmed_at.map(|_| crate::models::contractor::CONFIRMED_BY_AGENCY)),
                    c::rate_floor_minor.eq(valid.rate_floor_minor),
                    c::rate_currency.eq(&valid.rate_currency),
                    c::rate_unit.eq(valid.rate_unit),
                    c::rate_hourly_minor.eq(valid.rate_hourly_minor()),
                    c::linkedin_url.eq(&valid.linkedin_url),
                    c::links.eq(&valid.links),
                    c::source.eq(&valid.source),
                    c::tags.eq(&valid.tags),
                    c::notes.eq(&valid.notes),
                    c::archived_at.eq(archived_at),
                    c::version.eq(1),
                    c::created_by.eq(valid.owner_id),
                    c::created_at.eq(person.created_at),
                    c::updated_at.eq(person.updated_at),
                ),
            ))
            .returning(c::id)
            .get_result(conn)?;
        for (key, _) in &valid.skills {
            let skill_id = *skill_ids.get(key).context("a demo skill was not added to the vocabulary")?;
            skill_rows.push((
                agency_contractor_skills::agency_contractor_id.eq(id),
                agency_contractor_skills::skill_id.eq(skill_id),
            ));
        }
        desk.contractors.push(DeskContractor {
            id,
            name: valid.name.clone(),
            first: person.first.clone(),
            owner_id: valid.owner_id,
            role: person.role.key,
            availability: valid.availability,
            contract_ends_on: valid.contract_ends_on,
            available_on: valid.available_on(),
            skills: valid.skills.iter().map(|(_, name)| name.clone()).collect(),
            tags: valid.tags.as_deref().map(|t| t.split(',').map(str::to_string).collect()).unwrap_or_default(),
            location: valid.location.clone(),
            archived: person.archived,
        });
    }
    for chunk in skill_rows.chunks(500) {
        // Multi-row INSERT differs between the backends, so it is written once per backend.
        match conn {
            DbConnection::Sqlite(c) => diesel::insert_into(agency_contractor_skills::table).values(chunk).execute(c)?,
            DbConnection::Postgresql(c) => {
                diesel::insert_into(agency_contractor_skills::table).values(chunk).execute(c)?
            }
        };
    }
    reindex_all(conn, desk.agency_id)
}

/// Rewrites the search entry of every record of the agency (search must find demo contractors).
pub fn reindex_all(conn: &mut DbConnection, agency_id: i64) -> anyhow::Result<()> {
    let records: Vec<Contractor> = agency_contractors::table
        .filter(agency_contractors::agency_id.eq(agency_id))
        .select(Contractor::as_select())
        .load(conn)?;
    if records.is_empty() {
        bail!("no contractors to index");
    }
    for record in &records {
        contractor::reindex(conn, record)?;
    }
    Ok(())
}
