//! The benchmark runner's two helpers (`bench/run` calls them; docs/BENCHMARKS.md sets the scenarios):
//!
//! - `nextgig bench-plan --out DIR` reads a generated database and writes, per scenario, the URLs
//!   to rotate through (real ids of the first agency, a corpus of searches from very selective to
//!   very broad, some with no result), the availability updates a contractor posts, and who signs in.
//! - `nextgig bench-sql --plan DIR` runs the search page's own query (the same parameters, parsed
//!   and checked as the page does) without HTTP, sessions or templates, and reports its median:
//!   the floor the page's median is compared with (and, to stderr, the slowest searches and the
//!   mean of each kind of search).

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::TimeDelta;
use diesel::dsl::count_star;
use diesel::prelude::*;
use fake::rand::RngExt;

use crate::clock::Clock;
use crate::config::Config;
use crate::datagen;
use crate::db::DatabaseTarget;
use crate::db::schema::{agencies, agency_contractor_skills, agency_contractors, jobs, skills, submissions, users};
use crate::demo::random::{DemoRng, rng_for, shuffle};
use crate::models::agency::AgencyScope;
use crate::models::contractor::{self, SearchInput};
use crate::models::profile;

/// Searches in the corpus (docs/BENCHMARKS.md asks for at least 200).
pub const SEARCHES: usize = 240;
/// Ids sampled per page scenario.
const SAMPLE: usize = 400;

fn sample(rng: &mut DemoRng, mut ids: Vec<i64>, n: usize) -> Vec<i64> {
    shuffle(rng, &mut ids);
    ids.truncate(n);
    ids
}

fn search_url(input: &SearchInput) -> anyhow::Result<String> {
    Ok(serde_html_form::to_string(input)?)
}

/// The kinds of search in the corpus, in the order [`searches`] cycles through them.
const KINDS: [&str; 12] = [
    "one popular skill",
    "two popular skills, available within a month",
    "a rare skill",
    "a skill under a rate",
    "a skill in a place",
    "free text: a surname",
    "free text: a skill word",
    "a skill, remote, soonest available",
    "everything at once",
    "available now, cheapest first",
    "free text: a word nobody has",
    "free text: a name prefix",
];

/// The search corpus: a mix of filters over the agency's real skills, locations and names.
fn searches(
    rng: &mut DemoRng,
    popular: &[String],
    rare: &[String],
    locations: &[String],
    surnames: &[String],
    today: chrono::NaiveDate,
) -> anyhow::Result<Vec<String>> {
    let pick = |rng: &mut DemoRng, list: &[String]| {
        if list.is_empty() { String::new() } else { list[rng.random_range(0..list.len())].clone() }
    };
    let mut out = Vec::with_capacity(SEARCHES);
    while out.len() < SEARCHES {
        let mut input = SearchInput::default();
        match out.len() % KINDS.len() {
            // Broad: one popular skill.
            0 => input.skill = vec![pick(rng, popular)],
            // Two popular skills, available within a month.
            1 => {
                input.skill = vec![pick(rng, popular), pick(rng, popular)];
                input.available_by = (today + TimeDelta::days(rng.random_range(0..30))).to_string();
            }
            // A rare skill.
            2 => input.skill = vec![pick(rng, rare)],
            // A skill under a rate.
            3 => {
                input.skill = vec![pick(rng, popular)];
                input.max_rate = rng.random_range(40..120).to_string();
                input.rate_unit = "hour".into();
            }
            // A skill in a place.
            4 => {
                input.skill = vec![pick(rng, popular)];
                input.location = pick(rng, locations);
            }
            // Free text: a surname.
            5 => input.q = pick(rng, surnames),
            // Free text: a skill word, best match first.
            6 => input.q = pick(rng, popular).to_lowercase(),
            // Remote only, soonest available.
            7 => {
                input.skill = vec![pick(rng, popular)];
                input.remote = "remote".into();
                input.sort = "availability".into();
            }
            // Everything at once (very selective).
            8 => {
                input.skill = vec![pick(rng, popular), pick(rng, rare)];
                input.available_by = (today + TimeDelta::days(14)).to_string();
                input.max_rate = "90".into();
                input.location = pick(rng, locations);
            }
            // Available now, cheapest first (broad).
            9 => {
                input.available_by = today.to_string();
                input.sort = "rate".into();
            }
            // No result: a word nobody has.
            10 => input.q = format!("zyxq{}", rng.random_range(100..999)),
            // A name prefix while typing.
            _ => input.q = pick(rng, surnames).chars().take(3).collect(),
        }
        if input.is_filtered() {
            out.push(search_url(&input)?);
        }
    }
    Ok(out)
}

fn write(dir: &Path, name: &str, lines: &[String]) -> anyhow::Result<()> {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(dir.join(name), text).with_context(|| format!("writing {}", dir.join(name).display()))
}

/// `nextgig bench-plan`: writes the scenario files into `out` (see the module comment).
pub fn plan(config: &Config, clock: &Clock, out: &Path, seed: u64) -> anyhow::Result<()> {
    let mut conn = DatabaseTarget::parse(&config.database_url)?.connect()?;
    let conn = &mut conn;
    let Some(agency_id) = agencies::table.select(agencies::id).order(agencies::id).first::<i64>(conn).optional()?
    else {
        bail!("the database has no agency: run `nextgig datagen` first");
    };
    let mut rng = rng_for(seed, "bench-plan");
    let today = clock.now().date();

    // The recruiter with the most open submissions: a realistic load of follow-ups.
    let recruiter: (String, i64) = submissions::table
        .inner_join(users::table.on(users::id.nullable().eq(submissions::owner_id)))
        .filter(submissions::agency_id.eq(agency_id))
        .filter(submissions::closed_at.is_null())
        .group_by(users::email)
        .select((users::email, count_star()))
        .order(count_star().desc())
        .first(conn)
        .context("no recruiter owns an open submission")?;
    let contractor_user: (i64, String) = users::table
        .filter(users::kind.eq("contractor"))
        .order(users::id)
        .select((users::id, users::email))
        .first(conn)
        .context("no contractor account")?;

    let contractor_ids: Vec<i64> = agency_contractors::table
        .filter(agency_contractors::agency_id.eq(agency_id))
        .select(agency_contractors::id)
        .load(conn)?;
    let open_jobs: Vec<i64> = jobs::table
        .filter(jobs::agency_id.eq(agency_id))
        .filter(jobs::status.eq("open"))
        .select(jobs::id)
        .load(conn)?;
    let open_submissions: Vec<i64> = submissions::table
        .filter(submissions::agency_id.eq(agency_id))
        .filter(submissions::closed_at.is_null())
        .select(submissions::id)
        .load(conn)?;

    // Skills by popularity in this agency; locations by frequency; surnames from names.
    let by_use: Vec<(String, i64)> = agency_contractor_skills::table
        .inner_join(skills::table)
        .inner_join(agency_contractors::table)
        .filter(agency_contractors::agency_id.eq(agency_id))
        .group_by(skills::name)
        .select((skills::name, count_star()))
        .order(count_star().desc())
        .load(conn)?;
    let names: Vec<String> = by_use.iter().map(|(name, _)| name.clone()).collect();
    let popular: Vec<String> = names.iter().take(25).cloned().collect();
    let rare: Vec<String> = names.iter().skip(names.len() / 2).cloned().collect();
    let located: Vec<(Option<String>, i64)> = agency_contractors::table
        .filter(agency_contractors::agency_id.eq(agency_id))
        .filter(agency_contractors::location.is_not_null())
        .group_by(agency_contractors::location)
        .select((agency_contractors::location, count_star()))
        .order(count_star().desc())
        .limit(40)
        .load(conn)?;
    let locations: Vec<String> = located.into_iter().filter_map(|(l, _)| l).collect();
    let sample_names: Vec<String> = agency_contractors::table
        .filter(agency_contractors::agency_id.eq(agency_id))
        .filter(agency_contractors::id.eq_any(sample(&mut rng, contractor_ids.clone(), 200)))
        .select(agency_contractors::name)
        .load(conn)?;
    let surnames: Vec<String> =
        sample_names.iter().filter_map(|n| n.split_whitespace().last().map(str::to_string)).collect();
    if popular.is_empty() || surnames.is_empty() {
        bail!("the agency has no skills or contractors to search");
    }

    // The contractor's availability updates: their own form, with the start date moving.
    let profile = profile::find_for_user(conn, contractor_user.0)?;
    let form = profile::AvailabilityInput::from_profile(&profile);
    let bodies: Vec<String> = (0..50)
        .map(|n| {
            let mut body = String::new();
            let _ = write!(
                body,
                "availability=from_date&available_from={}&contract_ends_on=&extension_likelihood=&notice_days={}",
                today + TimeDelta::days(7 + n),
                form.notice_days
            );
            for (key, value) in [("location", &form.location), ("remote", &form.remote)] {
                let _ = write!(
                    body,
                    "&{key}={}",
                    url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>()
                );
            }
            body
        })
        .collect();

    std::fs::create_dir_all(out)?;
    let paths = |prefix: &str, ids: Vec<i64>, suffix: &str| -> Vec<String> {
        ids.into_iter().map(|id| format!("{prefix}{id}{suffix}")).collect()
    };
    write(out, "dashboard.paths", &["/".to_string()])?;
    write(out, "search.queries", &searches(&mut rng, &popular, &rare, &locations, &surnames, today)?)?;
    write(out, "contractor.paths", &paths("/contractors/", sample(&mut rng, contractor_ids, SAMPLE), ""))?;
    write(out, "pipeline.paths", &paths("/jobs/", sample(&mut rng, open_jobs, SAMPLE), ""))?;
    write(out, "submission.paths", &paths("/submissions/", sample(&mut rng, open_submissions, SAMPLE), ""))?;
    write(out, "availability.bodies", &bodies)?;
    write(
        out,
        "accounts.env",
        &[
            format!("AGENCY_ID={agency_id}"),
            format!("RECRUITER_EMAIL={}", recruiter.0),
            format!("RECRUITER_OPEN_SUBMISSIONS={}", recruiter.1),
            format!("CONTRACTOR_EMAIL={}", contractor_user.1),
            format!("PASSWORD={}", datagen::password_for(1)),
        ],
    )?;
    println!("Wrote the benchmark plan for agency {agency_id} to {}.", out.display());
    Ok(())
}

/// The median and 90th percentile of `samples` (milliseconds).
fn percentiles(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.9))
}

/// `nextgig bench-sql`: times the search page's query alone for every search of the plan,
/// `rounds` times over, on one connection; prints JSON.
pub fn sql(config: &Config, plan: &Path, rounds: usize) -> anyhow::Result<()> {
    let mut conn = DatabaseTarget::parse(&config.database_url)?.connect()?;
    let env = std::fs::read_to_string(plan.join("accounts.env"))?;
    let agency_id: i64 =
        env.lines().find_map(|l| l.strip_prefix("AGENCY_ID=")).context("accounts.env has no AGENCY_ID")?.parse()?;
    let scope = AgencyScope::of(agency_id);
    let lines: Vec<String> = std::fs::read_to_string(plan.join("search.queries"))?
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let mut searches = Vec::new();
    for line in &lines {
        let input: SearchInput = serde_html_form::from_str(line)?;
        searches.push(input.validate(scope).map_err(|e| anyhow::anyhow!("{line}: {e}"))?);
    }
    let mut samples = Vec::with_capacity(searches.len() * rounds);
    let mut per_search = vec![0.0; searches.len()];
    for round in 0..=rounds {
        for (n, search) in searches.iter().enumerate() {
            let started = Instant::now();
            let results = contractor::search(&mut conn, search)?;
            std::hint::black_box(&results);
            // The first round warms the caches, as the page's warm-up does.
            if round > 0 {
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                samples.push(ms);
                per_search[n] += ms / rounds as f64;
            }
        }
    }
    // The slowest searches, to stderr: where to look first.
    let mut slowest: Vec<(f64, &str)> = per_search.iter().copied().zip(lines.iter().map(String::as_str)).collect();
    slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (ms, line) in slowest.iter().take(8) {
        eprintln!("{ms:8.2} ms  {line}");
    }
    // The mean per kind of search (the corpus cycles through [`KINDS`]), to stderr.
    let mut by_kind = [(0.0, 0usize); KINDS.len()];
    for (n, ms) in per_search.iter().enumerate() {
        by_kind[n % KINDS.len()].0 += ms;
        by_kind[n % KINDS.len()].1 += 1;
    }
    for (kind, (total, n)) in KINDS.iter().zip(by_kind) {
        eprintln!("{:8.2} ms  mean of {n:3}: {kind}", total / n.max(1) as f64);
    }
    let count = samples.len();
    let (p50, p90) = percentiles(samples);
    println!("{{\"searches\": {}, \"runs\": {count}, \"p50_ms\": {p50:.3}, \"p90_ms\": {p90:.3}}}", searches.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_middle_and_the_ninetieth() {
        let (p50, p90) = percentiles((1..=10).map(f64::from).collect());
        assert_eq!(p50, 6.0);
        assert_eq!(p90, 9.0);
    }
}
