//! The dashboard's read model against a recomputation from the base tables: on the demo's two
//! agencies, randomised sequences of writes to everything a dashboard shows (submissions,
//! consents, interviews, placements, records, tasks, shortlists, the names shown beside them)
//! and of time passing, with dashboards read (and so kept) here and there. After every step, each
//! staff member's kept dashboard, own and team view, whenever it is still held as current, must
//! equal the dashboard computed afresh: a write path the triggers miss fails the test. Several
//! seeds, on SQLite and PostgreSQL alike.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use crate::helpers::{TestApp, spawn_app};
use nextgig::db::DbConnection;
use nextgig::db::schema::{
    agency_contractors as ac, clients, consents, interviews, jobs, pipeline_stages as stages, placements,
    shortlist_entries, shortlists, submissions, tasks, users,
};
use nextgig::models::dashboard;

/// A staff member whose dashboards are checked.
#[derive(Clone, Debug)]
struct Member {
    id: i64,
    agency: i64,
    admin: bool,
}

fn members(conn: &mut DbConnection) -> Vec<Member> {
    let rows: Vec<(i64, Option<i64>, Option<String>)> = users::table
        .filter(users::kind.eq("staff"))
        .select((users::id, users::agency_id, users::role))
        .order(users::id)
        .load(conn)
        .unwrap();
    rows.into_iter()
        .filter_map(|(id, agency, role)| Some(Member { id, agency: agency?, admin: role.as_deref() == Some("admin") }))
        .collect()
}

/// Own view, and the team's for an admin.
fn teams(member: &Member) -> Vec<bool> {
    if member.admin { vec![false, true] } else { vec![false] }
}

/// Fails when a kept dashboard held as current differs from one computed now.
fn check(conn: &mut DbConnection, staff: &[Member], now: NaiveDateTime, step: &str) -> usize {
    let mut compared = 0;
    for member in staff {
        for team in teams(member) {
            let (scope, view, tz) = dashboard::viewer(conn, member.id, team).unwrap().expect("a staff member");
            let Some(kept) = dashboard::kept(conn, scope, member.id, view, tz, now).unwrap() else { continue };
            let fresh = dashboard::load(conn, scope, view, tz, now).unwrap();
            if kept != fresh {
                let (k, f) = (format!("{kept:#?}"), format!("{fresh:#?}"));
                let differ: Vec<String> = k
                    .lines()
                    .zip(f.lines())
                    .filter(|(a, b)| a != b)
                    .take(6)
                    .map(|(a, b)| format!("kept {} / now {}", a.trim(), b.trim()))
                    .collect();
                panic!(
                    "after {step}: user {} {view:?} kept a dashboard that is no longer true:\n{}",
                    member.id,
                    differ.join("\n")
                );
            }
            compared += 1;
        }
    }
    compared
}

/// Ids of a table's rows in one agency.
macro_rules! ids {
    ($conn:expr, $table:ident, $agency:expr) => {
        $table::table.filter($table::agency_id.eq($agency)).select($table::id).load::<i64>($conn).unwrap()
    };
}

/// One random write to something a dashboard shows; returns what it did.
fn write(conn: &mut DbConnection, rng: &mut StdRng, staff: &[Member], now: NaiveDateTime) -> String {
    let member = staff.choose(rng).unwrap().clone();
    let agency = member.agency;
    let owners: Vec<i64> = staff.iter().filter(|m| m.agency == agency).map(|m| m.id).collect();
    let owner = *owners.choose(rng).unwrap();
    let today = now.date();
    let day = |rng: &mut StdRng| today + TimeDelta::days(rng.random_range(-20..=50));
    let instant = |rng: &mut StdRng| now + TimeDelta::minutes(rng.random_range(-30 * 24 * 60..=10 * 24 * 60));
    let pick = |rng: &mut StdRng, ids: Vec<i64>| ids.choose(rng).copied();
    match rng.random_range(0..22) {
        0 => {
            let Some(id) = pick(rng, ids!(conn, submissions, agency)) else { return "nothing".into() };
            diesel::update(submissions::table.find(id)).set(submissions::owner_id.eq(owner)).execute(conn).unwrap();
            format!("submission {id} given to {owner}")
        }
        1 => {
            let Some(id) = pick(rng, ids!(conn, submissions, agency)) else { return "nothing".into() };
            let closed = rng.random_bool(0.5).then_some(now);
            diesel::update(submissions::table.find(id)).set(submissions::closed_at.eq(closed)).execute(conn).unwrap();
            format!("submission {id} closed: {closed:?}")
        }
        2 => {
            let Some(id) = pick(rng, ids!(conn, submissions, agency)) else { return "nothing".into() };
            let due = Some(day(rng));
            diesel::update(submissions::table.find(id))
                .set(submissions::next_update_due.eq(due))
                .execute(conn)
                .unwrap();
            format!("submission {id} due {due:?}")
        }
        3 => {
            let Some(id) = pick(rng, ids!(conn, submissions, agency)) else { return "nothing".into() };
            let Some(stage) = pick(rng, ids!(conn, stages, agency)) else { return "nothing".into() };
            diesel::update(submissions::table.find(id)).set(submissions::stage_id.eq(stage)).execute(conn).unwrap();
            format!("submission {id} to stage {stage}")
        }
        4 => {
            let Some(id) = pick(rng, ids!(conn, consents, agency)) else { return "nothing".into() };
            let status = *["pending", "approved", "declined", "expired"].choose(rng).unwrap();
            let expires = now + TimeDelta::minutes(rng.random_range(-3 * 24 * 60..=3 * 24 * 60));
            let requested = expires - TimeDelta::days(rng.random_range(1..20));
            diesel::update(consents::table.find(id))
                .set((
                    consents::status.eq(status),
                    consents::expires_at.eq(expires),
                    consents::requested_at.eq(requested),
                ))
                .execute(conn)
                .unwrap();
            format!("consent {id} {status}, expires {expires}")
        }
        5 => {
            let Some(id) = pick(rng, ids!(conn, interviews, agency)) else { return "nothing".into() };
            let outcome = *["scheduled", "scheduled", "passed", "cancelled"].choose(rng).unwrap();
            let starts = now + TimeDelta::minutes(rng.random_range(-7 * 24 * 60..=9 * 24 * 60));
            diesel::update(interviews::table.find(id))
                .set((interviews::outcome.eq(outcome), interviews::starts_at.eq(starts)))
                .execute(conn)
                .unwrap();
            format!("interview {id} {outcome} at {starts}")
        }
        6 => {
            let Some(id) = pick(rng, ids!(conn, placements, agency)) else { return "nothing".into() };
            let status = *["active", "active", "ended"].choose(rng).unwrap();
            let end = day(rng);
            diesel::update(placements::table.find(id))
                .set((placements::status.eq(status), placements::end_date.eq(end)))
                .execute(conn)
                .unwrap();
            format!("placement {id} {status} until {end}")
        }
        7 => {
            let Some(id) = pick(rng, ids!(conn, ac, agency)) else { return "nothing".into() };
            let availability = *["now", "from_date", "on_contract", "not_looking"].choose(rng).unwrap();
            let (from, ends) = (Some(day(rng)), Some(day(rng)));
            let on = match availability {
                "from_date" => from.unwrap(),
                "on_contract" => ends.unwrap(),
                "now" => nextgig::models::contractor::available_now_date(),
                _ => today + TimeDelta::days(3650),
            };
            let confirmed = rng.random_bool(0.8).then(|| instant(rng));
            diesel::update(ac::table.find(id))
                .set((
                    ac::availability.eq(availability),
                    ac::available_from.eq(from),
                    ac::contract_ends_on.eq(ends),
                    ac::available_on.eq(on),
                    ac::availability_confirmed_at.eq(confirmed),
                ))
                .execute(conn)
                .unwrap();
            format!("record {id} {availability}")
        }
        8 => {
            let Some(id) = pick(rng, ids!(conn, ac, agency)) else { return "nothing".into() };
            let offer = rng.random_bool(0.7).then(|| day(rng));
            let owner = rng.random_bool(0.9).then_some(owner);
            diesel::update(ac::table.find(id))
                .set((ac::competing_offer_until.eq(offer), ac::owner_id.eq(owner)))
                .execute(conn)
                .unwrap();
            format!("record {id} offer {offer:?}, owner {owner:?}")
        }
        9 => {
            let Some(id) = pick(rng, ids!(conn, ac, agency)) else { return "nothing".into() };
            let archived = rng.random_bool(0.3).then_some(now);
            let name = format!("Renamed {}", rng.random_range(0..1000));
            diesel::update(ac::table.find(id))
                .set((ac::archived_at.eq(archived), ac::name.eq(&name)))
                .execute(conn)
                .unwrap();
            format!("record {id} archived {archived:?}, named {name}")
        }
        10 => {
            let Some(id) = pick(rng, ids!(conn, tasks, agency)) else { return "nothing".into() };
            let done = rng.random_bool(0.4).then_some(now);
            let due = day(rng);
            diesel::update(tasks::table.find(id))
                .set((tasks::done_at.eq(done), tasks::due_on.eq(due), tasks::assignee_id.eq(owner)))
                .execute(conn)
                .unwrap();
            format!("task {id} done {done:?}, due {due}, for {owner}")
        }
        11 => {
            diesel::insert_into(tasks::table)
                .values((
                    tasks::agency_id.eq(agency),
                    tasks::title.eq("Call back"),
                    tasks::due_on.eq(day(rng)),
                    tasks::assignee_id.eq(owner),
                    tasks::created_at.eq(now),
                    tasks::updated_at.eq(now),
                ))
                .execute(conn)
                .unwrap();
            format!("task added for {owner}")
        }
        12 => {
            let Some(id) = pick(rng, ids!(conn, tasks, agency)) else { return "nothing".into() };
            diesel::delete(tasks::table.find(id)).execute(conn).unwrap();
            format!("task {id} deleted")
        }
        13 => {
            let Some(id) = pick(rng, ids!(conn, shortlists, agency)) else { return "nothing".into() };
            let revoked = rng.random_bool(0.3).then_some(now);
            let due = day(rng);
            diesel::update(shortlists::table.find(id))
                .set((shortlists::revoked_at.eq(revoked), shortlists::follow_up_due.eq(due)))
                .execute(conn)
                .unwrap();
            format!("shortlist {id} revoked {revoked:?}, follow-up {due}")
        }
        14 => {
            let Some(id) = pick(rng, ids!(conn, shortlist_entries, agency)) else { return "nothing".into() };
            let answered = rng.random_bool(0.5).then_some(now);
            diesel::update(shortlist_entries::table.find(id))
                .set(shortlist_entries::answered_at.eq(answered))
                .execute(conn)
                .unwrap();
            format!("shortlist entry {id} answered {answered:?}")
        }
        15 => {
            let Some(id) = pick(rng, ids!(conn, jobs, agency)) else { return "nothing".into() };
            let title = format!("Role {}", rng.random_range(0..1000));
            diesel::update(jobs::table.find(id)).set(jobs::title.eq(&title)).execute(conn).unwrap();
            format!("job {id} now {title}")
        }
        16 => {
            let Some(id) = pick(rng, ids!(conn, clients, agency)) else { return "nothing".into() };
            let name = format!("Client {}", rng.random_range(0..1000));
            diesel::update(clients::table.find(id)).set(clients::name.eq(&name)).execute(conn).unwrap();
            format!("client {id} now {name}")
        }
        17 => {
            let Some(id) = pick(rng, ids!(conn, stages, agency)) else { return "nothing".into() };
            let name = format!("Stage {}", rng.random_range(0..1000));
            diesel::update(stages::table.find(id)).set(stages::name.eq(&name)).execute(conn).unwrap();
            format!("stage {id} now {name}")
        }
        18 => {
            let name = format!("Member {}", rng.random_range(0..1000));
            diesel::update(users::table.find(owner)).set(users::name.eq(&name)).execute(conn).unwrap();
            format!("user {owner} now {name}")
        }
        19 => {
            let zone = *["UTC", "Europe/Berlin", "America/New_York", "Pacific/Auckland"].choose(rng).unwrap();
            diesel::update(users::table.find(owner)).set(users::time_zone.eq(zone)).execute(conn).unwrap();
            format!("user {owner} moves to {zone}")
        }
        20 => {
            let Some(id) = pick(rng, ids!(conn, consents, agency)) else { return "nothing".into() };
            diesel::delete(
                shortlist_entries::table.filter(
                    shortlist_entries::submission_id.eq(consents::table
                        .find(id)
                        .select(consents::submission_id)
                        .single_value()
                        .assume_not_null()),
                ),
            )
            .execute(conn)
            .unwrap();
            format!("shortlist entries of consent {id}'s submission removed")
        }
        _ => {
            let Some(id) = pick(rng, ids!(conn, submissions, agency)) else { return "nothing".into() };
            let due = Some(today);
            diesel::update(submissions::table.find(id))
                .set((submissions::next_update_due.eq(due), submissions::closed_at.eq(None::<NaiveDateTime>)))
                .execute(conn)
                .unwrap();
            format!("submission {id} open and due today")
        }
    }
}

async fn run_seed(app: &TestApp, seed: u64, steps: usize) -> usize {
    let mut rng = StdRng::seed_from_u64(seed);
    let staff = app.with_db(members).await;
    assert!(staff.len() >= 6, "the demo has staff in two agencies");
    let mut compared = 0;
    for step in 0..steps {
        // Time passes: minutes mostly, now and then across a midnight or a day.
        let minutes = match rng.random_range(0..10) {
            0 => rng.random_range(60..=26 * 60),
            1..=4 => rng.random_range(1..=20),
            _ => 0,
        };
        app.clock.advance(TimeDelta::minutes(minutes));
        let now = app.clock.now();
        let (staff_now, seed_rng) = (staff.clone(), rng.random::<u64>());
        let (done, checked) = app
            .with_db(move |conn| {
                let mut rng = StdRng::seed_from_u64(seed_rng);
                // Some dashboards are read, and so kept as computed now.
                for member in staff_now.choose_multiple(&mut rng, 3) {
                    for team in teams(member) {
                        let (scope, view, tz) = dashboard::viewer(conn, member.id, team).unwrap().unwrap();
                        dashboard::show(conn, scope, member.id, view, tz, now).unwrap();
                    }
                }
                let done = write(conn, &mut rng, &staff_now, now);
                let checked = check(conn, &staff_now, now, &done);
                (done, checked)
            })
            .await;
        assert!(!done.is_empty(), "step {step}");
        compared += checked;
    }
    compared
}

#[tokio::test(flavor = "multi_thread")]
async fn the_kept_dashboards_always_equal_a_recomputation_after_random_writes_and_time() {
    let app = spawn_app().await;
    let (config, clock) = (app.state.config.clone(), app.clock.clone());
    tokio::task::spawn_blocking(move || nextgig::demo::load(&config, &clock)).await.unwrap().expect("the demo loads");
    let mut compared = 0;
    for seed in [1, 2, 3] {
        compared += run_seed(&app, seed, 120).await;
    }
    // The test compared kept dashboards often, not only after they lapsed.
    assert!(compared > 300, "only {compared} kept dashboards were compared");
}

#[tokio::test]
async fn the_sweep_keeps_the_dashboards_of_the_people_signed_in_and_a_rebuild_computes_everyones() {
    let app = spawn_app().await;
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    let rita = app.create_recruiter(agency, "Rita Recruiter", "rita@acme.test").await;
    let bob = app.create_recruiter(agency, "Bob Recruiter", "bob@acme.test").await;
    let signed_in = app.signed_in("rita@acme.test").await;
    assert_eq!(signed_in.get("/").await.status, reqwest::StatusCode::OK);
    let now = app.clock.now();
    let kept = |user: i64| {
        let now = app.clock.now();
        app.with_db(move |conn| {
            let (scope, view, tz) = dashboard::viewer(conn, user, false).unwrap().unwrap();
            dashboard::kept(conn, scope, user, view, tz, now).unwrap()
        })
    };
    assert!(kept(rita).await.is_some(), "the page kept Rita's dashboard");
    // A task for Rita, due today: her kept dashboard no longer holds; the sweep computes it.
    app.with_db(move |conn| {
        diesel::insert_into(tasks::table)
            .values((
                tasks::agency_id.eq(agency),
                tasks::title.eq("Call Jane"),
                tasks::due_on.eq(now.date()),
                tasks::assignee_id.eq(rita),
                tasks::created_at.eq(now),
                tasks::updated_at.eq(now),
            ))
            .execute(conn)
            .unwrap();
    })
    .await;
    assert!(kept(rita).await.is_none(), "a write to what it shows retires the kept dashboard");
    assert_eq!(nextgig::jobs::dashboards::run_once(&app.state, "test").await.unwrap(), 1, "Rita's, not Bob's");
    let board = kept(rita).await.expect("kept again by the sweep");
    assert_eq!(board.tasks.count, 1);
    assert!(kept(bob).await.is_none(), "Bob is not signed in");
    // Past midnight her dashboard lapses by itself, and the sweep computes it again.
    app.clock.advance(TimeDelta::days(1));
    assert!(kept(rita).await.is_none(), "a new day");
    assert_eq!(
        nextgig::jobs::dashboards::run_once(&app.state, "test").await.unwrap(),
        0,
        "no longer seen within the hour"
    );
    // The rebuild computes everyone's: the admin's own and team views, both recruiters'.
    let now = app.clock.now();
    let rebuilt = app.with_db(move |conn| dashboard::rebuild_all(conn, now).unwrap()).await;
    assert_eq!(rebuilt, 4);
    assert!(kept(bob).await.is_some() && kept(rita).await.is_some());
}
