//! The tables, written phase by phase over all agencies (one progress line per table).

use std::collections::{HashMap, HashSet};

use anyhow::Context;
use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::{Account, BATCH, CHUNK, Profile, Progress, bulk_insert, bulk_insert_ids, tx};
use crate::db::DbConnection;
use crate::db::schema::{
    activities, agency_contractor_skills, agency_contractors as c, clients, consents, contacts, hotlist_members,
    hotlists, interviews, job_skills, jobs, offers, placements, representations, submission_events, submissions, tasks,
    users,
};
use crate::demo::contractors::{Planned, Taken, plan};
use crate::demo::random::{
    DemoRng, ascii_slug, between, chance, normal, pick, rng_for, shuffle, some_time_before, weighted, zipf,
};
use crate::demo::words::{COMMON_SKILLS, COMPANIES, CONTACT_TITLES, PLACES, ROLES, TEAMS};
use crate::models::agency::AgencyScope;
use crate::models::contractor::Contractor;
use crate::models::skill::{self, Skill};
use crate::models::stage::{self, Stage};
use crate::models::submission::CLOSE_REASONS;
use crate::models::user::{KIND_CONTRACTOR, NewStaff, Role, User};
use crate::models::{profile, setup};

/// A contractor record as later tables need it.
struct Record {
    id: i64,
    email: Option<String>,
    rate_minor: i64,
    currency: String,
    unit: &'static str,
}

struct Job {
    id: i64,
    client: usize,
    title: String,
    open: bool,
    owner: i64,
}

/// One agency as it is being generated.
struct Desk {
    n: usize,
    id: i64,
    /// The admin first, then the recruiters.
    staff: Vec<i64>,
    contractors: Vec<Record>,
    /// (id, name, domain)
    clients: Vec<(i64, String, String)>,
    jobs: Vec<Job>,
    stages: HashMap<String, Stage>,
}

impl Desk {
    fn recruiter(&self, rng: &mut DemoRng) -> i64 {
        if self.staff.len() == 1 {
            self.staff[0]
        } else {
            self.staff[1 + between(rng, 0, self.staff.len() as i64 - 2) as usize]
        }
    }
}

fn domain_of(n: usize) -> String {
    format!("agency{}.datagen.example", n + 1)
}

/// Writes everything; returns the accounts to print.
pub(super) fn load(
    conn: &mut DbConnection,
    progress: &mut Progress,
    profile: Profile,
    seed: u64,
    hash: &str,
    now: NaiveDateTime,
    after_bulk: impl FnOnce(&mut DbConnection, &mut Progress) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<Account>> {
    let today = now.date();
    let stream = |part: &str| rng_for(seed, &format!("datagen:{part}"));
    let mut accounts = Vec::new();

    // Agencies, their default pipeline stages and their staff.
    let mut desks: Vec<Desk> = Vec::new();
    progress.table("agencies + users (staff)", |count| {
        for n in 0..profile.agencies {
            let name = format!("Datagen Agency {}", n + 1);
            let email = format!("admin@{}", domain_of(n));
            let (agency, admin) = setup::create_agency(conn, &name, &format!("Admin {}", n + 1), &email, hash, now)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if n == 0 {
                accounts.push(Account { role: "admin", name: admin.name.clone(), email: admin.email.clone() });
            }
            let mut staff = vec![admin.id];
            let team = Profile::share(profile.staff, profile.agencies, n).max(2);
            for r in 1..team {
                let email = format!("recruiter{r}@{}", domain_of(n));
                let name = format!("Recruiter {r} of Agency {}", n + 1);
                let user = tx(conn, |conn| {
                    Ok(User::create_staff(
                        conn,
                        &NewStaff {
                            agency_id: agency.id,
                            email: &email,
                            name: &name,
                            password_hash: hash,
                            role: Role::Recruiter,
                            time_zone: "Europe/London",
                        },
                        now,
                    )?)
                })?;
                if n == 0 && r == 1 {
                    accounts.push(Account { role: "recruiter", name: user.name.clone(), email: user.email.clone() });
                }
                staff.push(user.id);
            }
            *count += 1 + staff.len();
            let stages = stage::for_agency(conn, AgencyScope::of(agency.id))?;
            let mut by_category = HashMap::new();
            for s in stages {
                by_category.entry(s.category.clone()).or_insert(s);
            }
            desks.push(Desk {
                n,
                id: agency.id,
                staff,
                contractors: Vec::new(),
                clients: Vec::new(),
                jobs: Vec::new(),
                stages: by_category,
            });
        }
        Ok(())
    })?;

    // The skills vocabulary: every role's skills and the common ones.
    let mut skill_ids: HashMap<String, i64> = HashMap::new();
    progress.table("skills", |count| {
        let mut vocabulary: Vec<(String, String)> = Vec::new();
        for raw in ROLES.iter().flat_map(|r| r.skills.iter()).chain(COMMON_SKILLS.iter()) {
            if let Some(pair) = skill::normalize(raw)
                && !vocabulary.iter().any(|(k, _)| *k == pair.0)
            {
                vocabulary.push(pair);
            }
        }
        let skills = tx(conn, |conn| Ok(Skill::resolve(conn, &vocabulary, now)?))?;
        *count = skills.len();
        skill_ids.extend(skills.into_iter().map(|s| (s.key, s.id)));
        Ok(())
    })?;

    let locations = locations();
    let kept = skill_keep(&mut stream("skills"), now);
    progress.table("agency_contractors", |count| {
        for desk in &mut desks {
            let mut rng = stream(&format!("{}:contractors", desk.n));
            let mut taken = Taken::default();
            let total = Profile::share(profile.contractors, profile.agencies, desk.n);
            let mut done = 0;
            while done < total {
                let size = CHUNK.min(total - done);
                let mut planned = Vec::with_capacity(size);
                for _ in 0..size {
                    let mut person = plan(&mut rng, now, &mut taken, &["example.com", "example.net", "example.org"]);
                    reshape(&mut rng, &mut person, &locations, &kept, now);
                    person.input.owner_id =
                        person.owner.map(|o| desk.staff[o % desk.staff.len()].to_string()).unwrap_or_default();
                    let valid = person
                        .input
                        .validate()
                        .map_err(|e| anyhow::anyhow!("contractor {} breaks a rule: {e}", person.input.name))?;
                    planned.push((person, valid));
                }
                let missing: Vec<(String, String)> = {
                    let mut seen = HashSet::new();
                    planned
                        .iter()
                        .flat_map(|(_, v)| v.skills.iter())
                        .filter(|(k, _)| !skill_ids.contains_key(k) && seen.insert(k.clone()))
                        .cloned()
                        .collect()
                };
                tx(conn, |conn| {
                    for s in Skill::resolve(conn, &missing, now)? {
                        skill_ids.insert(s.key, s.id);
                    }
                    for batch in planned.chunks(BATCH) {
                        let values: Vec<_> = batch
                            .iter()
                            .map(|(person, valid)| {
                                (
                                    (
                                        c::agency_id.eq(desk.id),
                                        c::owner_id.eq(valid.owner_id),
                                        c::name.eq(valid.name.clone()),
                                        c::email.eq(valid.email.clone()),
                                        c::phone.eq(valid.phone.clone()),
                                        c::phone_key.eq(valid.phone_key.clone()),
                                        c::headline.eq(valid.headline.clone()),
                                        c::summary.eq(valid.summary.clone()),
                                        c::location.eq(valid.location.clone()),
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
                                        c::availability_confirmed_at.eq(person.confirmed_at),
                                        c::rate_floor_minor.eq(valid.rate_floor_minor),
                                        c::rate_currency.eq(valid.rate_currency.clone()),
                                        c::rate_unit.eq(valid.rate_unit),
                                        c::rate_hourly_minor.eq(valid.rate_hourly_minor()),
                                        c::linkedin_url.eq(valid.linkedin_url.clone()),
                                        c::links.eq(valid.links.clone()),
                                        c::source.eq(valid.source.clone()),
                                        c::tags.eq(valid.tags.clone()),
                                        c::notes.eq(valid.notes.clone()),
                                        c::archived_at.eq(person.archived.then_some(person.updated_at)),
                                        c::version.eq(1),
                                        c::created_by.eq(valid.owner_id),
                                        c::created_at.eq(person.created_at),
                                        c::updated_at.eq(person.updated_at),
                                    ),
                                )
                            })
                            .collect();
                        let ids = bulk_insert_ids!(&mut *conn, c::table, &values, c::id);
                        // Each skill row carries its record's agency and last update (what the
                        // skill_holders triggers would copy; they are off during the load).
                        let mut skill_rows = Vec::new();
                        for (id, (person, valid)) in ids.iter().zip(batch) {
                            for (key, _) in &valid.skills {
                                let skill_id = *skill_ids.get(key).context("a skill missing from the vocabulary")?;
                                skill_rows.push((
                                    agency_contractor_skills::agency_contractor_id.eq(*id),
                                    agency_contractor_skills::skill_id.eq(skill_id),
                                    agency_contractor_skills::agency_id.eq(desk.id),
                                    agency_contractor_skills::record_updated_at.eq(Some(person.updated_at)),
                                ));
                            }
                        }
                        for rows in skill_rows.chunks(BATCH * 4) {
                            bulk_insert!(&mut *conn, agency_contractor_skills::table, rows);
                        }
                        for (id, (_, valid)) in ids.iter().zip(batch) {
                            let hourly = valid.rate_hourly_minor().unwrap_or(7_000);
                            desk.contractors.push(Record {
                                id: *id,
                                email: valid.email.clone(),
                                rate_minor: valid.rate_floor_minor.unwrap_or(hourly),
                                currency: valid.rate_currency.clone().unwrap_or_else(|| "GBP".into()),
                                unit: valid.rate_unit.unwrap_or("hour"),
                            });
                        }
                    }
                    Ok(())
                })?;
                done += size;
                *count += size;
            }
        }
        Ok(())
    })?;

    progress.table("clients + contacts", |count| {
        for desk in &mut desks {
            let mut rng = stream(&format!("{}:clients", desk.n));
            let total = Profile::share(profile.clients, profile.agencies, desk.n);
            tx(conn, |conn| {
                let mut planned = Vec::with_capacity(total);
                for k in 0..total {
                    let (company, _, _) = COMPANIES[k % COMPANIES.len()];
                    let round = k / COMPANIES.len();
                    let name = if round == 0 { company.to_string() } else { format!("{company} {}", round + 1) };
                    let domain = format!(
                        "{}{}.example",
                        ascii_slug(company),
                        if round == 0 { String::new() } else { (round + 1).to_string() }
                    );
                    let created = some_time_before(&mut rng, now, 30, 900);
                    planned.push((name, domain, created));
                }
                for batch in planned.chunks(BATCH) {
                    let values: Vec<_> = batch
                        .iter()
                        .map(|(name, domain, created)| {
                            (
                                clients::agency_id.eq(desk.id),
                                clients::name.eq(name.clone()),
                                clients::domain.eq(Some(domain.clone())),
                                clients::version.eq(1),
                                clients::created_by.eq(Some(desk.staff[0])),
                                clients::created_at.eq(*created),
                                clients::updated_at.eq(*created),
                            )
                        })
                        .collect();
                    let ids = bulk_insert_ids!(&mut *conn, clients::table, &values, clients::id);
                    for (id, (name, domain, _)) in ids.into_iter().zip(batch) {
                        desk.clients.push((id, name.clone(), domain.clone()));
                    }
                }
                let mut contact_rows = Vec::new();
                for (k, (id, _, domain)) in desk.clients.iter().enumerate() {
                    for m in 0..between(&mut rng, 1, 4) {
                        let name = format!("Contact {} {}", k + 1, m + 1);
                        contact_rows.push((
                            contacts::agency_id.eq(desk.id),
                            contacts::client_id.eq(*id),
                            contacts::name.eq(name),
                            contacts::title.eq(Some(pick(&mut rng, CONTACT_TITLES).to_string())),
                            contacts::email.eq(Some(format!("contact{}@{domain}", m + 1))),
                            contacts::version.eq(1),
                            contacts::created_at.eq(now - TimeDelta::days(30)),
                            contacts::updated_at.eq(now - TimeDelta::days(30)),
                        ));
                    }
                }
                for batch in contact_rows.chunks(BATCH) {
                    bulk_insert!(&mut *conn, contacts::table, batch);
                }
                *count += total + contact_rows.len();
                Ok(())
            })?;
        }
        Ok(())
    })?;

    progress.table("jobs + job_skills", |count| {
        for desk in &mut desks {
            let mut rng = stream(&format!("{}:jobs", desk.n));
            let total = Profile::share(profile.jobs, profile.agencies, desk.n);
            let open = Profile::share(profile.open_jobs, profile.agencies, desk.n);
            tx(conn, |conn| {
                let mut planned = Vec::with_capacity(total);
                for k in 0..total {
                    let role = weighted(&mut rng, ROLES, |r| r.weight);
                    let title = format!("{} ({})", pick(&mut rng, role.job_titles), pick(&mut rng, TEAMS));
                    let status = if k < open {
                        "open"
                    } else {
                        weighted(&mut rng, &[("filled", 4), ("closed", 4), ("on_hold", 1)], |(_, w)| *w).0
                    };
                    let client = between(&mut rng, 0, desk.clients.len() as i64 - 1) as usize;
                    let created = if status == "open" {
                        some_time_before(&mut rng, now, 1, 60)
                    } else {
                        some_time_before(&mut rng, now, 30, 900)
                    };
                    let rate = between(&mut rng, 50, 110) * 100;
                    let place = weighted(&mut rng, PLACES, |(_, _, w)| *w).0;
                    let remote = *pick(&mut rng, &["onsite", "hybrid", "hybrid", "remote"]);
                    let skills: Vec<i64> = role
                        .skills
                        .iter()
                        .take(3)
                        .filter_map(|s| skill::normalize(s))
                        .filter_map(|(key, _)| skill_ids.get(&key).copied())
                        .collect();
                    let owner = desk.recruiter(&mut rng);
                    planned.push((title, status, client, created, rate, place, remote, skills, owner));
                }
                for batch in planned.chunks(BATCH) {
                    let values: Vec<_> = batch
                        .iter()
                        .map(|(title, status, client, created, rate, place, remote, _, owner)| {
                            (
                                jobs::agency_id.eq(desk.id),
                                jobs::client_id.eq(desk.clients[*client].0),
                                jobs::title.eq(title.clone()),
                                jobs::contract_type.eq("contract"),
                                jobs::duration_months.eq(Some(6)),
                                jobs::rate_min_minor.eq(Some(*rate)),
                                jobs::rate_max_minor.eq(Some(*rate + 2_000)),
                                jobs::rate_currency.eq(Some("GBP")),
                                jobs::rate_unit.eq(Some("hour")),
                                jobs::location.eq(Some(place.to_string())),
                                jobs::remote.eq(*remote),
                                jobs::openings.eq(1),
                                jobs::status.eq(*status),
                                jobs::owner_id.eq(Some(*owner)),
                                jobs::version.eq(1),
                                (
                                    jobs::created_by.eq(Some(*owner)),
                                    jobs::created_at.eq(*created),
                                    jobs::updated_at.eq(*created),
                                ),
                            )
                        })
                        .collect();
                    let ids = bulk_insert_ids!(&mut *conn, jobs::table, &values, jobs::id);
                    let mut skill_rows = Vec::new();
                    for (id, (title, status, client, _, _, _, _, skills, owner)) in ids.into_iter().zip(batch) {
                        for skill_id in skills {
                            skill_rows.push((job_skills::job_id.eq(id), job_skills::skill_id.eq(*skill_id)));
                        }
                        desk.jobs.push(Job {
                            id,
                            client: *client,
                            title: title.clone(),
                            open: *status == "open",
                            owner: *owner,
                        });
                    }
                    bulk_insert!(&mut *conn, job_skills::table, &skill_rows);
                    *count += batch.len() + skill_rows.len();
                }
                Ok(())
            })?;
        }
        Ok(())
    })?;

    progress.table("activities + tasks", |count| {
        const BODIES: &[(&str, &str)] = &[
            ("call", "Called about availability; keen on contract work, rate confirmed."),
            ("call", "Left a voicemail; will try again tomorrow."),
            ("email", "Sent the job description and asked for an updated CV."),
            ("email", "Client asked for two more profiles by Friday."),
            ("meeting", "Met for coffee: wants remote or hybrid, notice period two weeks."),
            ("note", "Strong references from the last two clients."),
            ("note", "Prefers outside IR35 roles; open to a day rate."),
        ];
        const TITLES: &[&str] = &[
            "Follow up on availability",
            "Chase CV update",
            "Call back about the role",
            "Check references",
            "Send interview prep",
        ];
        for desk in &desks {
            let mut rng = stream(&format!("{}:activities", desk.n));
            let total = Profile::share(profile.activities, profile.agencies, desk.n);

            // About five tasks due per recruiter per day: open ones from a week ago to two weeks
            // ahead, and done ones over the last three months. Most are follow-ups set from the
            // activity form, so they hang off the activity that created them (as the form links
            // them); the rest were added on their own.
            struct PlannedTask {
                title: &'static str,
                due: chrono::NaiveDate,
                assignee: i64,
                contractor: i64,
                done_at: Option<NaiveDateTime>,
                created: NaiveDateTime,
                from_activity: Option<(&'static str, &'static str)>,
            }
            let mut planned = Vec::new();
            for &assignee in desk.staff.iter().skip(1) {
                for day in -90i64..=14 {
                    let due = today + TimeDelta::days(day);
                    for _ in 0..between(&mut rng, 3, 7) {
                        let done_at = (day < -7 || (day < 0 && chance(&mut rng, 0.7))).then(|| {
                            (due.and_hms_opt(17, 0, 0).unwrap_or(now) - TimeDelta::hours(between(&mut rng, 0, 8)))
                                .min(now)
                        });
                        let contractor = pick(&mut rng, &desk.contractors).id;
                        let created = (due - TimeDelta::days(between(&mut rng, 1, 10)))
                            .and_hms_opt(between(&mut rng, 9, 16) as u32, 0, 0)
                            .unwrap_or(now)
                            .min(now);
                        let from_activity = chance(&mut rng, FOLLOW_UP_SHARE).then(|| *pick(&mut rng, &BODIES[..5]));
                        let title: &&str = pick(&mut rng, TITLES);
                        planned.push(PlannedTask { title, due, assignee, contractor, done_at, created, from_activity });
                    }
                }
            }
            let linked = planned.iter().filter(|t| t.from_activity.is_some()).count();
            anyhow::ensure!(linked <= total, "{total} activities are fewer than the {linked} follow-ups need");
            for chunk in planned.chunks(CHUNK) {
                tx(conn, |conn| {
                    for batch in chunk.chunks(BATCH) {
                        let sources: Vec<_> = batch
                            .iter()
                            .filter(|t| t.from_activity.is_some())
                            .map(|t| {
                                let (kind, body) = t.from_activity.unwrap_or(BODIES[0]);
                                (
                                    activities::agency_id.eq(desk.id),
                                    activities::kind.eq(kind),
                                    activities::body.eq(body),
                                    activities::author_id.eq(Some(t.assignee)),
                                    activities::contractor_id.eq(Some(t.contractor)),
                                    activities::occurred_at.eq(t.created),
                                    activities::created_at.eq(t.created),
                                )
                            })
                            .collect();
                        let mut ids = if sources.is_empty() {
                            Vec::new()
                        } else {
                            bulk_insert_ids!(&mut *conn, activities::table, &sources, activities::id)
                        }
                        .into_iter();
                        *count += ids.len();
                        let rows: Vec<_> = batch
                            .iter()
                            .map(|t| {
                                let activity = if t.from_activity.is_some() { ids.next() } else { None };
                                (
                                    tasks::agency_id.eq(desk.id),
                                    tasks::title.eq(t.title),
                                    tasks::due_on.eq(t.due),
                                    tasks::assignee_id.eq(t.assignee),
                                    tasks::created_by.eq(Some(t.assignee)),
                                    tasks::contractor_id.eq(Some(t.contractor)),
                                    tasks::activity_id.eq(activity),
                                    tasks::done_at.eq(t.done_at),
                                    tasks::done_by.eq(t.done_at.map(|_| t.assignee)),
                                    tasks::created_at.eq(t.created),
                                    tasks::updated_at.eq(t.done_at.unwrap_or(t.created)),
                                )
                            })
                            .collect();
                        bulk_insert!(&mut *conn, tasks::table, &rows);
                        *count += rows.len();
                    }
                    Ok(())
                })?;
            }

            // The rest of the activities, contractor by contractor: how many each has is skewed
            // (log-normal) but bounded, as a real book is: most have a handful, a few busy ones
            // a few hundred, none more than ACTIVITIES_CAP.
            let per_contractor = activity_counts(&mut rng, desk.contractors.len(), total - linked);
            let mut rows = Vec::with_capacity(CHUNK);
            for (k, (record, &n)) in desk.contractors.iter().zip(&per_contractor).enumerate() {
                for _ in 0..n {
                    let (kind, body) = *pick(&mut rng, BODIES);
                    // Weighted to the last 90 days: two in three fall there.
                    let at = if chance(&mut rng, 0.67) {
                        some_time_before(&mut rng, now, 0, 90)
                    } else {
                        some_time_before(&mut rng, now, 91, 900)
                    };
                    let client = chance(&mut rng, 0.3).then(|| pick(&mut rng, &desk.clients).0);
                    rows.push((
                        activities::agency_id.eq(desk.id),
                        activities::kind.eq(kind),
                        activities::body.eq(body),
                        activities::author_id.eq(Some(desk.recruiter(&mut rng))),
                        activities::contractor_id.eq(Some(record.id)),
                        activities::client_id.eq(client),
                        activities::occurred_at.eq(at),
                        activities::created_at.eq(at),
                    ));
                }
                if rows.len() >= CHUNK || k + 1 == per_contractor.len() {
                    tx(conn, |conn| {
                        for batch in rows.chunks(BATCH * 4) {
                            bulk_insert!(&mut *conn, activities::table, batch);
                        }
                        Ok(())
                    })?;
                    *count += rows.len();
                    rows.clear();
                }
            }
        }
        Ok(())
    })?;

    progress.table("submissions + pipeline", |count| {
        let mut represented: HashSet<(String, String)> = HashSet::new();
        for desk in &desks {
            let mut rng = stream(&format!("{}:submissions", desk.n));
            let total = Profile::share(profile.submissions, profile.agencies, desk.n);
            let placed_total = Profile::share(profile.placements, profile.agencies, desk.n);
            let active_total = Profile::share(profile.active_placements, profile.agencies, desk.n);
            let with_email: Vec<usize> =
                (0..desk.contractors.len()).filter(|&i| desk.contractors[i].email.is_some()).collect();
            let open_jobs: Vec<usize> = (0..desk.jobs.len()).filter(|&i| desk.jobs[i].open).collect();
            let other_jobs: Vec<usize> = (0..desk.jobs.len()).filter(|&i| !desk.jobs[i].open).collect();
            let recruiters: Vec<i64> =
                if desk.staff.len() == 1 { desk.staff.clone() } else { desk.staff[1..].to_vec() };
            let mut pairs = HashSet::new();
            let mut planned: Vec<Sub> = Vec::with_capacity(total);
            let mut contractor_for = |rng: &mut DemoRng, job: usize| -> usize {
                loop {
                    let contractor = with_email[between(rng, 0, with_email.len() as i64 - 1) as usize];
                    if pairs.insert((job, contractor)) {
                        return contractor;
                    }
                }
            };

            // The open book: every open job has a few live submissions (more when there are few
            // open jobs per recruiter), shared out so each recruiter holds 20–80.
            let per_job: Vec<usize> = {
                let centre = (OPEN_PER_RECRUITER * recruiters.len() as f64 / open_jobs.len().max(1) as f64)
                    .clamp(OPEN_PER_JOB.0 as f64, OPEN_PER_JOB.1 as f64);
                let high = ((2.0 * centre).round() as i64 - OPEN_PER_JOB.0 as i64)
                    .clamp(OPEN_PER_JOB.0 as i64, OPEN_PER_JOB.1 as i64);
                open_jobs.iter().map(|_| between(&mut rng, OPEN_PER_JOB.0 as i64, high) as usize).collect()
            };
            let open_total: usize = per_job.iter().sum::<usize>().min(total.saturating_sub(placed_total));
            let mut owners = open_owners(&mut rng, &recruiters, open_total);
            let mut overdue: HashMap<i64, i64> =
                recruiters.iter().map(|&r| (r, between(&mut rng, OVERDUE.0, OVERDUE.1))).collect();
            'open: for (&job, &n) in open_jobs.iter().zip(&per_job) {
                for _ in 0..n {
                    let Some(owner) = owners.pop() else { break 'open };
                    let category = weighted(
                        &mut rng,
                        &[("sourced", 30), ("consent", 10), ("submitted", 30), ("interview", 20), ("offer", 10)],
                        |(_, w)| *w,
                    )
                    .0;
                    let follow_up = desk.stages[category].follow_up_days;
                    let late = overdue.get_mut(&owner).is_some_and(|left| {
                        *left -= 1;
                        *left >= 0
                    });
                    // The stage was entered so that its next update is due ahead (on time) or
                    // has passed (overdue).
                    let mut back = if late {
                        i64::from(follow_up) + between(&mut rng, 2, 12)
                    } else {
                        between(&mut rng, 0, i64::from(follow_up) - 1)
                    };
                    let mut due = stage::add_business_days(today - TimeDelta::days(back), follow_up);
                    while late && due >= today {
                        back += 3;
                        due = stage::add_business_days(today - TimeDelta::days(back), follow_up);
                    }
                    let entered = (today - TimeDelta::days(back))
                        .and_hms_opt(between(&mut rng, 8, 18) as u32, between(&mut rng, 0, 59) as u32, 0)
                        .unwrap_or(now)
                        .min(now);
                    let created = entered - TimeDelta::days(between(&mut rng, 0, 20));
                    let contractor = contractor_for(&mut rng, job);
                    planned.push(Sub {
                        job,
                        contractor,
                        category,
                        owner,
                        created,
                        entered,
                        due: Some(due),
                        closed: None,
                        placement: None,
                    });
                }
            }

            // Placements, on jobs no longer open: active ones keep their submission open on the
            // Placed stage (an update due ahead); ended ones closed it when the contract ended.
            for k in 0..placed_total {
                let job = *pick(&mut rng, if other_jobs.is_empty() { &open_jobs } else { &other_jobs });
                let active = k < active_total;
                // Active ones end within the next nine months (some within six weeks: rolling
                // off); the rest ended in the past.
                let end = if active {
                    today
                        + TimeDelta::days(if chance(&mut rng, 0.3) {
                            between(&mut rng, 1, 42)
                        } else {
                            between(&mut rng, 43, 270)
                        })
                } else {
                    today - TimeDelta::days(between(&mut rng, 1, 700))
                };
                let start = end - TimeDelta::days(180);
                let entered = (start - TimeDelta::days(between(&mut rng, 7, 21)))
                    .and_hms_opt(between(&mut rng, 8, 18) as u32, 0, 0)
                    .unwrap_or(now)
                    .min(now);
                let created = entered - TimeDelta::days(between(&mut rng, 10, 40));
                let contractor = contractor_for(&mut rng, job);
                planned.push(Sub {
                    job,
                    contractor,
                    category: "placed",
                    owner: desk.jobs[job].owner,
                    created,
                    entered,
                    due: active.then(|| today + TimeDelta::days(between(&mut rng, 1, 14))),
                    closed: (!active).then(|| (end.and_hms_opt(18, 0, 0).unwrap_or(now).min(now), None)),
                    placement: Some((start, end, if active { "active" } else { "ended" })),
                });
            }

            // The rest of the history: closed, with the reasons recruiters give. Most were on
            // jobs that have since closed; some were turned down for jobs still open.
            while planned.len() < total {
                let on_open = !open_jobs.is_empty() && (other_jobs.is_empty() || chance(&mut rng, 0.15));
                let job = *pick(&mut rng, if on_open { &open_jobs } else { &other_jobs });
                let created = if on_open {
                    some_time_before(&mut rng, now, 1, 60)
                } else {
                    some_time_before(&mut rng, now, 60, 800)
                };
                let entered = (created + TimeDelta::days(between(&mut rng, 1, 30))).min(now);
                let reason = weighted(&mut rng, CLOSE_REASONS, |(stored, _)| close_weight(stored)).0;
                let contractor = contractor_for(&mut rng, job);
                planned.push(Sub {
                    job,
                    contractor,
                    category: "closed",
                    owner: if chance(&mut rng, 0.5) { desk.jobs[job].owner } else { *pick(&mut rng, &recruiters) },
                    created,
                    entered,
                    due: None,
                    closed: Some((entered, Some(reason))),
                    placement: None,
                });
            }
            // Written oldest first, as they were made.
            planned.sort_by_key(|s| s.created);
            for chunk in planned.chunks(CHUNK) {
                tx(conn, |conn| {
                    for batch in chunk.chunks(BATCH) {
                        let values: Vec<_> = batch
                            .iter()
                            .map(|s| {
                                let stage = &desk.stages[s.category];
                                (
                                    submissions::agency_id.eq(desk.id),
                                    submissions::job_id.eq(desk.jobs[s.job].id),
                                    submissions::contractor_id.eq(desk.contractors[s.contractor].id),
                                    submissions::stage_id.eq(stage.id),
                                    submissions::owner_id.eq(Some(s.owner)),
                                    submissions::stage_entered_at.eq(s.entered),
                                    submissions::next_update_due.eq(s.due),
                                    submissions::last_event_at.eq(s.closed.map_or(s.entered, |(at, _)| at)),
                                    submissions::closed_at.eq(s.closed.map(|(at, _)| at)),
                                    submissions::closed_reason.eq(s.closed.and_then(|(_, reason)| reason)),
                                    submissions::version.eq(1),
                                    submissions::created_by.eq(Some(s.owner)),
                                    submissions::created_at.eq(s.created),
                                    submissions::updated_at.eq(s.closed.map_or(s.entered, |(at, _)| at)),
                                )
                            })
                            .collect();
                        let ids = bulk_insert_ids!(&mut *conn, submissions::table, &values, submissions::id);
                        let mut events = Vec::new();
                        let mut consent_rows = Vec::new();
                        let mut consent_extra = Vec::new();
                        let mut interview_rows = Vec::new();
                        let mut offer_rows = Vec::new();
                        let mut placement_rows = Vec::new();
                        for (id, s) in ids.iter().zip(batch) {
                            let (job, contractor, category, created, entered) =
                                (&s.job, &s.contractor, &s.category, &s.created, &s.entered);
                            let stage = &desk.stages[*category];
                            let first = &desk.stages["sourced"];
                            let entered = *entered;
                            let job = &desk.jobs[*job];
                            let record = &desk.contractors[*contractor];
                            let owner = Some(job.owner);
                            events.push((
                                submission_events::agency_id.eq(desk.id),
                                submission_events::submission_id.eq(*id),
                                submission_events::kind.eq("created"),
                                submission_events::from_stage_id.eq(None::<i64>),
                                submission_events::to_stage_id.eq(Some(first.id)),
                                submission_events::body.eq(format!("Added to {}", job.title)),
                                submission_events::visible_to_contractor.eq(false),
                                submission_events::actor_id.eq(owner),
                                submission_events::created_at.eq(*created),
                            ));
                            if stage.id != first.id {
                                events.push((
                                    submission_events::agency_id.eq(desk.id),
                                    submission_events::submission_id.eq(*id),
                                    submission_events::kind.eq("stage_changed"),
                                    submission_events::from_stage_id.eq(Some(first.id)),
                                    submission_events::to_stage_id.eq(Some(stage.id)),
                                    submission_events::body.eq(format!("Moved to {}", stage.name)),
                                    submission_events::visible_to_contractor.eq(true),
                                    submission_events::actor_id.eq(owner),
                                    submission_events::created_at.eq(entered),
                                ));
                            }
                            let rank = stage::category_rank(category);
                            let reached = |c: &str| *category != "closed" && rank >= stage::category_rank(c);
                            let (client_id, client_name, domain) = &desk.clients[job.client];
                            let _ = client_id;
                            if reached("consent") {
                                let approved = reached("submitted");
                                let person = record.email.clone().unwrap_or_default().to_lowercase();
                                let requested = *created + TimeDelta::hours(2);
                                let decided = approved.then(|| requested + TimeDelta::hours(between(&mut rng, 1, 48)));
                                consent_rows.push((
                                    (
                                        consents::agency_id.eq(desk.id),
                                        consents::submission_id.eq(*id),
                                        consents::contractor_id.eq(record.id),
                                        consents::person_key.eq(person.clone()),
                                        consents::client_domain.eq(Some(domain.clone())),
                                        consents::client_shown.eq("name"),
                                        consents::job_title.eq(job.title.clone()),
                                        consents::rate_minor.eq(record.rate_minor),
                                        consents::rate_currency.eq(record.currency.clone()),
                                        consents::rate_unit.eq(record.unit),
                                        consents::exclusivity_days.eq(90),
                                        consents::status.eq(if approved { "approved" } else { "pending" }),
                                    ),
                                    (
                                        consents::token_hash.eq(format!("datagen-{seed}-{}-{id}", desk.id)),
                                        consents::requested_by.eq(owner),
                                        consents::requested_at.eq(requested),
                                        consents::expires_at.eq(requested + TimeDelta::days(7)),
                                        consents::decided_at.eq(decided),
                                        consents::valid_until.eq(decided.map(|d| d + TimeDelta::days(90))),
                                    ),
                                ));
                                consent_extra.push((
                                    *id,
                                    person.clone(),
                                    domain.clone(),
                                    decided.filter(|_| represented.insert((person, domain.clone()))),
                                ));
                            }
                            if reached("interview") {
                                let starts = if *category == "interview" {
                                    (today + TimeDelta::days(between(&mut rng, -3, 10)))
                                        .and_hms_opt(between(&mut rng, 9, 16) as u32, 0, 0)
                                        .unwrap_or(now)
                                } else {
                                    entered - TimeDelta::days(7)
                                };
                                interview_rows.push((
                                    interviews::agency_id.eq(desk.id),
                                    interviews::submission_id.eq(*id),
                                    interviews::starts_at.eq(starts),
                                    interviews::time_zone.eq("Europe/London"),
                                    interviews::duration_minutes.eq(60),
                                    interviews::kind.eq("video"),
                                    interviews::interviewers.eq(Some(format!("Hiring team at {client_name}"))),
                                    interviews::outcome.eq(if starts > now { "scheduled" } else { "passed" }),
                                    interviews::sequence.eq(1),
                                    interviews::created_by.eq(owner),
                                    interviews::created_at.eq(starts.min(now) - TimeDelta::days(2)),
                                    interviews::updated_at.eq(starts.min(now) - TimeDelta::days(2)),
                                ));
                            }
                            if reached("offer") {
                                let start = entered.date() + TimeDelta::days(14);
                                offer_rows.push((
                                    offers::agency_id.eq(desk.id),
                                    offers::submission_id.eq(*id),
                                    offers::rate_minor.eq(record.rate_minor),
                                    offers::rate_currency.eq(record.currency.clone()),
                                    offers::rate_unit.eq(record.unit),
                                    offers::start_date.eq(start),
                                    offers::end_date.eq(Some(start + TimeDelta::days(180))),
                                    offers::below_floor.eq(false),
                                    offers::status.eq(if *category == "offer" { "made" } else { "accepted" }),
                                    offers::created_by.eq(owner),
                                    offers::created_at.eq(entered - TimeDelta::days(3)),
                                    offers::decided_at.eq((*category != "offer").then(|| entered - TimeDelta::days(1))),
                                ));
                            }
                            if let Some((start, end, status)) = s.placement {
                                let unit = if record.unit == "day" { "day" } else { "hour" };
                                placement_rows.push((
                                    placements::agency_id.eq(desk.id),
                                    placements::submission_id.eq(*id),
                                    placements::contractor_id.eq(record.id),
                                    placements::job_id.eq(job.id),
                                    placements::start_date.eq(start),
                                    placements::end_date.eq(end),
                                    placements::pay_rate_minor.eq(record.rate_minor),
                                    placements::bill_rate_minor.eq(record.rate_minor * 6 / 5),
                                    placements::currency.eq(record.currency.clone()),
                                    placements::rate_unit.eq(unit),
                                    placements::status.eq(status),
                                    placements::version.eq(1),
                                    (
                                        placements::created_by.eq(owner),
                                        placements::created_at.eq(entered),
                                        placements::updated_at.eq(entered),
                                    ),
                                ));
                            }
                        }
                        for rows in events.chunks(BATCH) {
                            bulk_insert!(&mut *conn, submission_events::table, rows);
                        }
                        for (rows, extra) in consent_rows.chunks(BATCH).zip(consent_extra.chunks(BATCH)) {
                            let ids = bulk_insert_ids!(&mut *conn, consents::table, rows, consents::id);
                            let reps: Vec<_> = ids
                                .iter()
                                .zip(extra)
                                .filter_map(|(consent_id, (submission_id, person, domain, started))| {
                                    started.map(|started| {
                                        (
                                            representations::person_key.eq(person.clone()),
                                            representations::client_domain.eq(domain.clone()),
                                            representations::agency_id.eq(desk.id),
                                            representations::submission_id.eq(*submission_id),
                                            representations::consent_id.eq(*consent_id),
                                            representations::started_at.eq(started),
                                            representations::ends_at.eq(started + TimeDelta::days(90)),
                                        )
                                    })
                                })
                                .collect();
                            if !reps.is_empty() {
                                bulk_insert!(&mut *conn, representations::table, &reps);
                            }
                            *count += rows.len() + reps.len();
                        }
                        for rows in interview_rows.chunks(BATCH) {
                            bulk_insert!(&mut *conn, interviews::table, rows);
                        }
                        for rows in offer_rows.chunks(BATCH) {
                            bulk_insert!(&mut *conn, offers::table, rows);
                        }
                        for rows in placement_rows.chunks(BATCH) {
                            bulk_insert!(&mut *conn, placements::table, rows);
                        }
                        *count +=
                            ids.len() + events.len() + interview_rows.len() + offer_rows.len() + placement_rows.len();
                    }
                    Ok(())
                })?;
            }
        }
        Ok(())
    })?;

    progress.table("hotlists", |count| {
        for desk in &desks {
            let mut rng = stream(&format!("{}:hotlists", desk.n));
            let lists = (desk.contractors.len() / 2_000).clamp(3, 200);
            tx(conn, |conn| {
                for l in 0..lists {
                    let owner = desk.recruiter(&mut rng);
                    let id: i64 = bulk_insert_ids!(
                        &mut *conn,
                        hotlists::table,
                        &vec![(
                            hotlists::agency_id.eq(desk.id),
                            hotlists::name.eq(format!("Hotlist {}", l + 1)),
                            hotlists::created_by.eq(Some(owner)),
                            hotlists::created_at.eq(now - TimeDelta::days(30)),
                            hotlists::updated_at.eq(now - TimeDelta::days(30)),
                        )],
                        hotlists::id
                    )[0];
                    let mut members = HashSet::new();
                    for _ in 0..between(&mut rng, 10, 40) {
                        members.insert(pick(&mut rng, &desk.contractors).id);
                    }
                    let mut members: Vec<i64> = members.into_iter().collect();
                    members.sort_unstable();
                    let rows: Vec<_> = members
                        .iter()
                        .map(|m| {
                            (
                                hotlist_members::hotlist_id.eq(id),
                                hotlist_members::agency_contractor_id.eq(*m),
                                hotlist_members::agency_id.eq(desk.id),
                                hotlist_members::added_by.eq(Some(owner)),
                                hotlist_members::added_at.eq(now - TimeDelta::days(10)),
                            )
                        })
                        .collect();
                    bulk_insert!(&mut *conn, hotlist_members::table, &rows);
                    *count += 1 + rows.len();
                }
                Ok(())
            })?;
        }
        Ok(())
    })?;

    after_bulk(conn, progress)?;

    progress.table("users (contractors)", |count| {
        for desk in &desks {
            tx(conn, |conn| {
                let mut made = 0;
                for record in desk.contractors.iter().filter(|r| r.email.is_some()) {
                    if made == 3 {
                        break;
                    }
                    let email = record.email.clone().unwrap_or_default();
                    if User::find_by_email(conn, &email)?.is_some() {
                        continue;
                    }
                    let full: Contractor =
                        c::table.filter(c::id.eq(record.id)).select(Contractor::as_select()).first(conn)?;
                    let user_id: i64 = bulk_insert_ids!(
                        &mut *conn,
                        users::table,
                        &vec![(
                            users::email.eq(email.clone()),
                            users::name.eq(full.name.clone()),
                            users::password_hash.eq(hash.to_string()),
                            users::kind.eq(KIND_CONTRACTOR),
                            users::time_zone.eq("Europe/London"),
                            users::password_changed_at.eq(now),
                            users::created_at.eq(now),
                            users::updated_at.eq(now),
                        )],
                        users::id
                    )[0];
                    let skills =
                        crate::models::contractor::skill_names(conn, &[full.id])?.remove(&full.id).unwrap_or_default();
                    let created = profile::create_for_user(conn, user_id, &full.name, Some((&full, &skills)), now)?;
                    profile::link(conn, &created, &full, now)?;
                    if accounts.iter().all(|a| a.role != "contractor") {
                        accounts.push(Account { role: "contractor", name: full.name.clone(), email });
                    }
                    made += 1;
                    *count += 1;
                }
                Ok(())
            })?;
        }
        Ok(())
    })?;
    Ok(accounts)
}

/// 150 locations: the demo's cities, then their districts.
fn locations() -> Vec<String> {
    let cities: Vec<&str> = PLACES.iter().map(|(p, _, _)| *p).filter(|p| !p.starts_with("Remote")).collect();
    let mut all: Vec<String> = cities.iter().map(|c| (*c).to_string()).collect();
    'fill: for district in ["North", "South", "East", "West", "Centre", "Outskirts"] {
        for city in &cities {
            if all.len() == 150 {
                break 'fill;
            }
            all.push(format!("{city} {district}"));
        }
    }
    all
}

/// Moves a planned record to the benchmark's shapes: 150 locations (busy cities first), 25%
/// remote, and 20% of availability confirmations stale (older than 30 days, or never).
fn reshape(
    rng: &mut DemoRng,
    person: &mut Planned,
    locations: &[String],
    kept: &HashMap<String, f64>,
    now: NaiveDateTime,
) {
    person.input.location = locations[zipf(rng, locations.len())].clone();
    person.input.remote =
        if chance(rng, 0.25) { "remote".into() } else { (*pick(rng, &["onsite", "hybrid", "hybrid", "any"])).into() };
    // Skills thinned to a Zipf curve (see [`skill_keep`]); everyone keeps at least one.
    let skills: Vec<&str> = person.input.skills.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    let mut thinned: Vec<&str> = skills
        .iter()
        .filter(|s| skill::normalize(s).is_none_or(|(key, _)| chance(rng, kept.get(&key).copied().unwrap_or(1.0))))
        .copied()
        .collect();
    if thinned.is_empty() {
        thinned.extend(skills.first());
    }
    person.input.skills = thinned.join(", ");
    person.confirmed_at = match between(rng, 0, 99) {
        0..=59 => Some(some_time_before(rng, now, 0, 14)),
        60..=79 => Some(some_time_before(rng, now, 15, 30)),
        80..=94 => Some(some_time_before(rng, now, 31, 150)),
        _ => None,
    };
}

/// Zipf's law for skills: the skill of rank k (1 = most held) on TOP_SKILL_SHARE / k^SKILL_ZIPF
/// of the contractors.
const TOP_SKILL_SHARE: f64 = 0.25;
/// Records planned to measure how often the demo's lists give each skill.
const SKILL_SAMPLE: usize = 4_000;
const SKILL_ZIPF: f64 = 0.8;

/// For each skill key, the chance a mention of it is kept so that its share of contractors
/// falls on a Zipf curve: the demo's lists, measured on a sample, are much flatter at the top
/// (SQL on about 40%, Python on 30%…); skills already under their curve keep every mention.
fn skill_keep(rng: &mut DemoRng, now: NaiveDateTime) -> HashMap<String, f64> {
    let mut held: HashMap<String, usize> = HashMap::new();
    let mut taken = Taken::default();
    for _ in 0..SKILL_SAMPLE {
        let person = plan(rng, now, &mut taken, &["example.com"]);
        let keys: HashSet<String> =
            person.input.skills.split(',').filter_map(|s| skill::normalize(s.trim())).map(|(key, _)| key).collect();
        for key in keys {
            *held.entry(key).or_default() += 1;
        }
    }
    let mut ranked: Vec<(String, usize)> = held.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked
        .into_iter()
        .enumerate()
        .map(|(k, (key, n))| {
            let natural = n as f64 / SKILL_SAMPLE as f64;
            (key, (TOP_SKILL_SHARE / ((k + 1) as f64).powf(SKILL_ZIPF) / natural).min(1.0))
        })
        .collect()
}

/// A submission as planned: indexes into the desk's jobs and contractors.
struct Sub {
    job: usize,
    contractor: usize,
    category: &'static str,
    owner: i64,
    created: NaiveDateTime,
    entered: NaiveDateTime,
    due: Option<chrono::NaiveDate>,
    /// When it closed, and the close reason (none for a placement that ran its course).
    closed: Option<(NaiveDateTime, Option<&'static str>)>,
    /// (start, end, status) of its placement.
    placement: Option<(chrono::NaiveDate, chrono::NaiveDate, &'static str)>,
}

/// Open submissions a recruiter aims to hold, the bounds per recruiter, live submissions per
/// open job, and updates overdue per recruiter.
const OPEN_PER_RECRUITER: f64 = 40.0;
const OPEN_BOOK: (f64, f64) = (20.0, 80.0);
const OPEN_PER_JOB: (usize, usize) = (5, 15);
const OVERDUE: (i64, i64) = (5, 15);

/// How often each close reason of the app's vocabulary is given ("other" needs a note).
fn close_weight(stored: &str) -> u32 {
    match stored {
        "client_chose_other" => 30,
        "not_a_fit" => 25,
        "role_filled" => 12,
        "role_cancelled" => 6,
        "rate" => 8,
        "contractor_withdrew" => 9,
        "contractor_unavailable" => 6,
        "consent_declined" => 4,
        _ => 0,
    }
}

/// The owners of `total` open submissions, in random order: every recruiter gets a share near
/// the average, spread as widely as the bounds of [`OPEN_BOOK`] allow (at most ±40%).
fn open_owners(rng: &mut DemoRng, recruiters: &[i64], total: usize) -> Vec<i64> {
    if recruiters.is_empty() || total == 0 {
        return Vec::new();
    }
    let average = total as f64 / recruiters.len() as f64;
    let spread = (OPEN_BOOK.1 / average - 1.0).min(1.0 - OPEN_BOOK.0 / average).clamp(0.0, 0.4) * 0.9;
    let weights: Vec<f64> =
        recruiters.iter().map(|_| 1.0 + spread * (between(rng, -1_000, 1_000) as f64 / 1_000.0)).collect();
    let sum: f64 = weights.iter().sum();
    let mut quotas: Vec<usize> = weights.iter().map(|w| (total as f64 * w / sum) as usize).collect();
    let mut left = total - quotas.iter().sum::<usize>();
    while left > 0 {
        let smallest = (0..quotas.len()).min_by_key(|&k| quotas[k]).unwrap_or(0);
        quotas[smallest] += 1;
        left -= 1;
    }
    let mut owners: Vec<i64> = recruiters.iter().zip(&quotas).flat_map(|(&r, &q)| std::iter::repeat_n(r, q)).collect();
    shuffle(rng, &mut owners);
    owners
}

/// The share of tasks set as follow-ups from the activity form (linked to their activity).
const FOLLOW_UP_SHARE: f64 = 0.6;
/// The most activities one contractor gets.
const ACTIVITIES_CAP: usize = 300;

/// How many activities each of `records` contractors gets, `total` in all: log-normal weights
/// (σ = 1), capped at [`ACTIVITIES_CAP`], the remainder handed out one by one.
fn activity_counts(rng: &mut DemoRng, records: usize, total: usize) -> Vec<usize> {
    if records == 0 {
        return Vec::new();
    }
    let total = total.min(records * ACTIVITIES_CAP);
    let weights: Vec<f64> = (0..records).map(|_| normal(rng).exp()).collect();
    let sum: f64 = weights.iter().sum();
    let mut counts: Vec<usize> =
        weights.iter().map(|w| ((total as f64 * w / sum) as usize).min(ACTIVITIES_CAP)).collect();
    let mut left = total - counts.iter().sum::<usize>();
    while left > 0 {
        let k = between(rng, 0, records as i64 - 1) as usize;
        if counts[k] < ACTIVITIES_CAP {
            counts[k] += 1;
            left -= 1;
        }
    }
    counts
}
