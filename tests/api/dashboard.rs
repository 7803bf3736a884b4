//! The recruiter's dashboard at `/`: each section's rows on a prepared data set (time zones,
//! six-week and day boundaries), the admin's team view, isolation and a constant statement count.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use nextgig::db::schema::{agency_contractors, clients, consents, interviews, jobs, placements, submissions, tasks};
use reqwest::StatusCode;

use crate::helpers::{Page, TestApp, TestClient, spawn_app};
use crate::pipeline::{contractor_joins, desk_with_job, put_forward, stage_id};

fn day(m: u32, d: u32) -> NaiveDate {
    let y = if m >= 11 { 2026 } else { 2027 };
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    day(m, d).and_hms_opt(h, min, 0).unwrap()
}

/// One agency's data, inserted directly.
#[derive(Clone, Copy)]
struct Seed {
    agency: i64,
    job: i64,
    stage: i64,
    now: NaiveDateTime,
}

/// A contractor record's availability, as the seed writes it.
#[derive(Clone, Default)]
struct Person {
    owner: Option<i64>,
    availability: &'static str,
    available_from: Option<NaiveDate>,
    contract_ends_on: Option<NaiveDate>,
    extension: Option<&'static str>,
    confirmed_at: Option<NaiveDateTime>,
    competing_offer_until: Option<NaiveDate>,
}

impl Person {
    /// Not looking, confirmed now, nobody's: shows up in no section by itself.
    fn quiet(now: NaiveDateTime) -> Self {
        Self { availability: "not_looking", confirmed_at: Some(now), ..Self::default() }
    }
}

async fn seed(app: &TestApp, agency: i64) -> Seed {
    let stage = stage_id(app, agency, "submitted").await;
    let now = app.clock.now();
    app.with_db(move |conn| {
        let client: i64 = diesel::insert_into(clients::table)
            .values((
                clients::agency_id.eq(agency),
                clients::name.eq("Initech"),
                clients::version.eq(1),
                clients::created_at.eq(now),
                clients::updated_at.eq(now),
            ))
            .returning(clients::id)
            .get_result(conn)
            .unwrap();
        let job: i64 = diesel::insert_into(jobs::table)
            .values((
                jobs::agency_id.eq(agency),
                jobs::client_id.eq(client),
                jobs::title.eq("Platform Engineer"),
                jobs::contract_type.eq("contract"),
                jobs::remote.eq("hybrid"),
                jobs::openings.eq(1),
                jobs::status.eq("open"),
                jobs::version.eq(1),
                jobs::created_at.eq(now),
                jobs::updated_at.eq(now),
            ))
            .returning(jobs::id)
            .get_result(conn)
            .unwrap();
        Seed { agency, job, stage, now }
    })
    .await
}

impl Seed {
    async fn person(&self, app: &TestApp, name: &str, p: Person) -> i64 {
        let (s, name) = (*self, name.to_string());
        app.with_db(move |conn| {
            diesel::insert_into(agency_contractors::table)
                .values((
                    agency_contractors::agency_id.eq(s.agency),
                    agency_contractors::owner_id.eq(p.owner),
                    agency_contractors::name.eq(&name),
                    agency_contractors::remote.eq("any"),
                    agency_contractors::availability.eq(p.availability),
                    agency_contractors::available_from.eq(p.available_from),
                    agency_contractors::contract_ends_on.eq(p.contract_ends_on),
                    agency_contractors::extension_likelihood.eq(p.extension),
                    // The date the model keeps for "available by" (and the dashboard's indexes).
                    agency_contractors::available_on.eq(nextgig::models::contractor::Availability {
                        availability: p.availability,
                        available_from: p.available_from,
                        contract_ends_on: p.contract_ends_on,
                        extension_likelihood: None,
                        notice_days: None,
                    }
                    .available_on()),
                    agency_contractors::availability_confirmed_at.eq(p.confirmed_at),
                    agency_contractors::competing_offer_until.eq(p.competing_offer_until),
                    agency_contractors::rate_private.eq(false),
                    agency_contractors::version.eq(1),
                    agency_contractors::created_at.eq(s.now),
                    agency_contractors::updated_at.eq(s.now),
                ))
                .returning(agency_contractors::id)
                .get_result(conn)
                .unwrap()
        })
        .await
    }

    /// A submission of a new quiet contractor `name` (or of `contractor`), owned by `owner`.
    async fn submission(
        &self,
        app: &TestApp,
        name: &str,
        owner: i64,
        due: Option<NaiveDate>,
        closed: bool,
    ) -> (i64, i64) {
        let contractor = self.person(app, name, Person::quiet(self.now)).await;
        (self.submission_of(app, contractor, owner, due, closed).await, contractor)
    }

    async fn submission_of(
        &self,
        app: &TestApp,
        contractor: i64,
        owner: i64,
        due: Option<NaiveDate>,
        closed: bool,
    ) -> i64 {
        let s = *self;
        app.with_db(move |conn| {
            diesel::insert_into(submissions::table)
                .values((
                    submissions::agency_id.eq(s.agency),
                    submissions::job_id.eq(s.job),
                    submissions::contractor_id.eq(contractor),
                    submissions::stage_id.eq(s.stage),
                    submissions::owner_id.eq(Some(owner)),
                    submissions::stage_entered_at.eq(s.now),
                    submissions::next_update_due.eq(due),
                    submissions::last_event_at.eq(s.now),
                    submissions::closed_at.eq(closed.then_some(s.now)),
                    submissions::version.eq(1),
                    submissions::created_at.eq(s.now),
                    submissions::updated_at.eq(s.now),
                ))
                .returning(submissions::id)
                .get_result(conn)
                .unwrap()
        })
        .await
    }

    async fn consent(
        &self,
        app: &TestApp,
        name: &str,
        owner: i64,
        status: &'static str,
        requested: NaiveDateTime,
        expires: NaiveDateTime,
    ) {
        let (submission, contractor) = self.submission(app, name, owner, None, false).await;
        let s = *self;
        let token = format!("token-{submission}");
        app.with_db(move |conn| {
            diesel::insert_into(consents::table)
                .values((
                    consents::agency_id.eq(s.agency),
                    consents::submission_id.eq(submission),
                    consents::contractor_id.eq(contractor),
                    consents::person_key.eq(format!("person-{contractor}")),
                    consents::client_shown.eq("Initech"),
                    consents::job_title.eq("Platform Engineer"),
                    consents::rate_minor.eq(9000),
                    consents::rate_currency.eq("EUR"),
                    consents::rate_unit.eq("hour"),
                    consents::exclusivity_days.eq(90),
                    consents::status.eq(status),
                    consents::token_hash.eq(token),
                    consents::requested_at.eq(requested),
                    consents::expires_at.eq(expires),
                ))
                .execute(conn)
                .unwrap();
        })
        .await;
    }

    async fn interview(&self, app: &TestApp, name: &str, owner: i64, starts_at: NaiveDateTime, outcome: &'static str) {
        let (submission, _) = self.submission(app, name, owner, None, false).await;
        let s = *self;
        app.with_db(move |conn| {
            diesel::insert_into(interviews::table)
                .values((
                    interviews::agency_id.eq(s.agency),
                    interviews::submission_id.eq(submission),
                    interviews::starts_at.eq(starts_at),
                    interviews::time_zone.eq("UTC"),
                    interviews::duration_minutes.eq(60),
                    interviews::kind.eq("video"),
                    interviews::outcome.eq(outcome),
                    interviews::sequence.eq(0),
                    interviews::created_at.eq(s.now),
                    interviews::updated_at.eq(s.now),
                ))
                .execute(conn)
                .unwrap();
        })
        .await;
    }

    async fn placement_of(&self, app: &TestApp, contractor: i64, owner: i64, end: NaiveDate, status: &'static str) {
        let submission = self.submission_of(app, contractor, owner, None, false).await;
        let s = *self;
        app.with_db(move |conn| {
            diesel::insert_into(placements::table)
                .values((
                    placements::agency_id.eq(s.agency),
                    placements::submission_id.eq(submission),
                    placements::contractor_id.eq(contractor),
                    placements::job_id.eq(s.job),
                    placements::start_date.eq(day(10, 1)),
                    placements::end_date.eq(end),
                    placements::pay_rate_minor.eq(8000),
                    placements::bill_rate_minor.eq(10000),
                    placements::currency.eq("EUR"),
                    placements::rate_unit.eq("hour"),
                    placements::status.eq(status),
                    placements::version.eq(1),
                    placements::created_at.eq(s.now),
                    placements::updated_at.eq(s.now),
                ))
                .execute(conn)
                .unwrap();
        })
        .await;
    }

    async fn placement(&self, app: &TestApp, name: &str, owner: i64, end: NaiveDate, status: &'static str) {
        let contractor = self.person(app, name, Person::quiet(self.now)).await;
        self.placement_of(app, contractor, owner, end, status).await;
    }

    async fn task(&self, app: &TestApp, title: &str, assignee: i64, due: NaiveDate, done: bool) {
        let (s, title) = (*self, title.to_string());
        app.with_db(move |conn| {
            diesel::insert_into(tasks::table)
                .values((
                    tasks::agency_id.eq(s.agency),
                    tasks::title.eq(&title),
                    tasks::due_on.eq(due),
                    tasks::assignee_id.eq(assignee),
                    tasks::done_at.eq(done.then_some(s.now)),
                    tasks::created_at.eq(s.now),
                    tasks::updated_at.eq(s.now),
                ))
                .execute(conn)
                .unwrap();
        })
        .await;
    }
}

async fn set_zone(client: &TestClient, zone: &str) {
    let page = client.submit("/account", "/account/time-zone", &[("time_zone", zone)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
}

fn links(page: &Page, section: &str) -> Vec<String> {
    let mut names = page.texts(&format!("#{section} li > a"));
    names.sort();
    names
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    names.sort();
    names
}

/// Agency A: Rita (Auckland) and Lou (Los Angeles), recruiters; Ada, the admin (UTC).
/// The clock is 25 Nov 2026 11:30 UTC: Thursday 26 Nov 00:30 in Auckland, Wednesday 25 Nov
/// 03:30 in Los Angeles.
struct World {
    app: TestApp,
    rita: TestClient,
    lou: TestClient,
    ada: TestClient,
}

async fn world() -> World {
    let app = spawn_app().await;
    app.clock.advance(TimeDelta::minutes(150));
    let now = app.clock.now();
    assert_eq!(now, at(11, 25, 11, 30));
    let (agency, _) = app.create_agency("Northwind Talent", "ada@northwind.test").await;
    let rita_id = app.create_recruiter(agency, "Rita Recruiter", "rita@northwind.test").await;
    let lou_id = app.create_recruiter(agency, "Lou Recruiter", "lou@northwind.test").await;
    let (rita, lou, ada) = (
        app.signed_in("rita@northwind.test").await,
        app.signed_in("lou@northwind.test").await,
        app.signed_in("ada@northwind.test").await,
    );
    set_zone(&rita, "Pacific/Auckland").await;
    set_zone(&lou, "America/Los_Angeles").await;
    let s = seed(&app, agency).await;

    // Updates.
    s.submission(&app, "Upd Late", rita_id, Some(day(11, 20)), false).await;
    s.submission(&app, "Upd Thu", rita_id, Some(day(11, 26)), false).await;
    s.submission(&app, "Upd Fri", rita_id, Some(day(11, 27)), false).await;
    s.submission(&app, "Upd Closed", rita_id, Some(day(11, 20)), true).await;
    s.submission(&app, "Lou Wed", lou_id, Some(day(11, 25)), false).await;
    s.submission(&app, "Lou Thu", lou_id, Some(day(11, 26)), false).await;

    // Consents.
    s.consent(&app, "Con Wait", rita_id, "pending", now - TimeDelta::days(1), now + TimeDelta::days(2)).await;
    s.consent(&app, "Con Old", rita_id, "pending", now - TimeDelta::days(3), now - TimeDelta::hours(1)).await;
    s.consent(&app, "Con Marked", rita_id, "expired", now - TimeDelta::days(10), now - TimeDelta::days(3)).await;
    s.consent(&app, "Con Ancient", rita_id, "expired", now - TimeDelta::days(20), now - TimeDelta::days(13)).await;
    s.consent(&app, "Con Approved", rita_id, "approved", now - TimeDelta::days(1), now + TimeDelta::days(2)).await;

    // Interviews: Rita's week in Auckland is Mon 23 – Sun 29 Nov, her today Thu 26 Nov
    // (= 25 Nov 11:00 UTC to 26 Nov 11:00 UTC).
    s.interview(&app, "Int Today", rita_id, at(11, 25, 21, 0), "scheduled").await;
    s.interview(&app, "Int Tomorrow", rita_id, at(11, 26, 21, 0), "scheduled").await;
    s.interview(&app, "Int Next Week", rita_id, at(11, 29, 21, 0), "scheduled").await;
    s.interview(&app, "Int Cancelled", rita_id, at(11, 25, 22, 0), "cancelled").await;
    // Lou's today in Los Angeles is Wed 25 Nov (= 25 Nov 08:00 UTC to 26 Nov 08:00 UTC).
    s.interview(&app, "Lou Int Today", lou_id, at(11, 25, 23, 0), "scheduled").await;
    s.interview(&app, "Lou Int Tomorrow", lou_id, at(11, 26, 9, 0), "scheduled").await;

    // Rolling off: Rita's today + 42 days = 7 Jan 2027.
    s.placement(&app, "Roll Day 42", rita_id, day(1, 7), "active").await;
    s.placement(&app, "Roll Day 43", rita_id, day(1, 8), "active").await;
    s.placement(&app, "Roll Ended", rita_id, day(12, 1), "ended").await;
    let on_contract = |ends: NaiveDate, extension: &'static str| Person {
        owner: Some(rita_id),
        availability: "on_contract",
        contract_ends_on: Some(ends),
        extension: Some(extension),
        confirmed_at: Some(now),
        ..Person::default()
    };
    s.person(&app, "Roll Own", on_contract(day(12, 10), "likely")).await;
    s.person(&app, "Roll Own Late", on_contract(day(1, 8), "likely")).await;
    let both = s.person(&app, "Roll Both", on_contract(day(12, 1), "possible")).await;
    s.placement_of(&app, both, rita_id, day(12, 1), "active").await;

    // Newly available (Rita's today 26 Nov: since 19 Nov).
    let from = |date: NaiveDate| Person {
        owner: Some(rita_id),
        availability: "from_date",
        available_from: Some(date),
        confirmed_at: Some(now),
        ..Person::default()
    };
    s.person(&app, "Avail Sunday", from(day(11, 22))).await;
    s.person(&app, "Avail Future", from(day(12, 5))).await;
    s.person(&app, "Avail Long Ago", from(day(11, 1))).await;

    // Competing offers.
    let offer =
        |date: NaiveDate| Person { owner: Some(rita_id), competing_offer_until: Some(date), ..Person::quiet(now) };
    s.person(&app, "Offer Saturday", offer(day(11, 28))).await;
    s.person(&app, "Offer Past", offer(day(11, 20))).await;

    // Stale availability among contractors in open submissions.
    let stale = |confirmed: Option<NaiveDateTime>| Person { confirmed_at: confirmed, ..Person::quiet(now) };
    let never = s.person(&app, "Stale Never", stale(None)).await;
    s.submission_of(&app, never, rita_id, None, false).await;
    let old = s.person(&app, "Stale Old", stale(Some(now - TimeDelta::days(20)))).await;
    s.submission_of(&app, old, rita_id, None, false).await;
    let fresh = s.person(&app, "Stale Fresh", stale(Some(now - TimeDelta::days(3)))).await;
    s.submission_of(&app, fresh, rita_id, None, false).await;
    let closed = s.person(&app, "Stale Closed", stale(None)).await;
    s.submission_of(&app, closed, rita_id, None, true).await;

    // Tasks.
    s.task(&app, "Task Late", rita_id, day(11, 20), false).await;
    s.task(&app, "Task Today", rita_id, day(11, 26), false).await;
    s.task(&app, "Task Tomorrow", rita_id, day(11, 27), false).await;
    s.task(&app, "Task Done", rita_id, day(11, 20), true).await;
    s.task(&app, "Task Lou", lou_id, day(11, 25), false).await;

    // Another agency, same kinds of rows, owned by its own recruiter.
    let (other, _) = app.create_agency("Canary Corp", "admin@canary.test").await;
    let carl = app.create_recruiter(other, "Carl Canary", "carl@canary.test").await;
    let c = seed(&app, other).await;
    c.submission(&app, "CANARY Update", carl, Some(day(11, 20)), false).await;
    c.consent(&app, "CANARY Consent", carl, "pending", now - TimeDelta::days(1), now + TimeDelta::days(2)).await;
    c.interview(&app, "CANARY Interview", carl, at(11, 25, 21, 0), "scheduled").await;
    c.placement(&app, "CANARY Placement", carl, day(12, 1), "active").await;
    c.person(&app, "CANARY Offer", Person { competing_offer_until: Some(day(11, 28)), ..Person::quiet(now) }).await;
    c.person(&app, "CANARY Available", Person { owner: None, ..from(day(11, 22)) }).await;
    c.task(&app, "CANARY Task", carl, day(11, 20), false).await;

    World { app, rita, lou, ada }
}

#[tokio::test]
async fn each_section_lists_exactly_the_right_rows_in_the_recruiters_time_zone() {
    let w = world().await;
    let page = w.rita.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(links(&page, "dash-updates"), sorted(&["Upd Late", "Upd Thu"]));
    assert_eq!(page.texts("#dash-updates li.overdue > a"), vec!["Upd Late"]);
    assert!(page.text.contains("6 days late"), "Upd Late was due 20 Nov, Rita's today is 26 Nov");
    assert_eq!(page.texts("#dash-updates input[name=back]").len(), 2);
    assert_eq!(links(&page, "dash-waiting"), sorted(&["Con Wait"]));
    assert_eq!(links(&page, "dash-expired"), sorted(&["Con Old", "Con Marked"]));
    assert_eq!(links(&page, "dash-interviews"), sorted(&["Int Today", "Int Tomorrow"]));
    assert_eq!(page.texts("#dash-interviews li.today > a"), vec!["Int Today"]);
    assert_eq!(page.texts("#dash-interviews-h .count"), vec!["1 today · 2 this week"]);
    assert_eq!(links(&page, "dash-rolling"), sorted(&["Roll Day 42", "Roll Own", "Roll Both"]));
    assert!(page.text.contains("Extension likely"));
    assert_eq!(page.texts("#dash-rolling-h .count"), vec!["3"]);
    assert_eq!(links(&page, "dash-available"), sorted(&["Avail Sunday"]));
    assert_eq!(links(&page, "dash-offers"), sorted(&["Offer Saturday"]));
    assert_eq!(links(&page, "dash-stale"), sorted(&["Stale Never", "Stale Old"]));
    assert_eq!(page.texts("#dash-tasks li"), vec!["Task Late due 20 Nov", "Task Today today"]);
    assert!(!page.text.contains("Lou"), "Rita's own view shows only her work");
    assert!(!page.text.contains("CANARY"));

    // Lou is in Los Angeles, where it is still Wednesday 25 Nov.
    let page = w.lou.get("/").await;
    assert_eq!(links(&page, "dash-updates"), sorted(&["Lou Wed"]));
    assert_eq!(page.texts("#dash-interviews li.today > a"), vec!["Lou Int Today"]);
    assert_eq!(links(&page, "dash-interviews"), sorted(&["Lou Int Today", "Lou Int Tomorrow"]));
    assert_eq!(page.texts("#dash-tasks li"), vec!["Task Lou today"]);
    assert!(!page.text.contains("Upd Late"));
    assert!(!page.text.contains("CANARY"));

    // A day later in Auckland, Upd Fri is due today and Roll Day 43 within six weeks.
    w.app.clock.advance(TimeDelta::days(1));
    let rita = w.app.signed_in("rita@northwind.test").await;
    let page = rita.get("/").await;
    assert_eq!(links(&page, "dash-updates"), sorted(&["Upd Late", "Upd Thu", "Upd Fri"]));
    assert_eq!(
        links(&page, "dash-rolling"),
        sorted(&["Roll Day 42", "Roll Day 43", "Roll Own", "Roll Own Late", "Roll Both"])
    );
}

#[tokio::test]
async fn an_admin_switches_to_the_whole_team_and_a_recruiter_keeps_their_own_view() {
    let w = world().await;
    // Ada is in UTC: today is 25 Nov.
    let page = w.ada.get("/").await;
    assert!(page.texts("#dash-updates li").is_empty(), "Ada owns nothing");
    assert!(page.text.contains("Whole team"));
    let page = w.ada.get("/?view=team").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(links(&page, "dash-updates"), sorted(&["Upd Late", "Lou Wed"]));
    assert_eq!(page.texts("#dash-tasks-h .count"), vec!["2"]);
    assert!(page.text.contains("Task Lou · Lou Recruiter"));
    assert!(!page.text.contains("CANARY"));

    let page = w.rita.get("/?view=team").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains("Lou"), "a recruiter asking for the team view gets their own");
    assert!(!page.text.contains("Whole team"));
}

#[tokio::test]
async fn no_news_from_the_dashboard_clears_the_overdue_update_and_comes_back_home() {
    let w = world().await;
    let page = w.rita.get("/").await;
    let form = page.html();
    let selector = scraper::Selector::parse("#dash-updates li.overdue form").unwrap();
    let action = form.select(&selector).next().unwrap().value().attr("action").unwrap().to_string();
    let done = w.rita.submit("/", &action, &[("back", "home")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), "/");
    let page = w.rita.get("/").await;
    assert_eq!(links(&page, "dash-updates"), sorted(&["Upd Thu"]));
}

#[tokio::test]
async fn a_new_agency_gets_a_getting_started_panel() {
    let app = spawn_app().await;
    app.create_agency("Fresh Start", "admin@fresh.test").await;
    let admin = app.signed_in("admin@fresh.test").await;
    let page = admin.get("/").await;
    assert!(page.text.contains("Getting started"));
    assert!(page.text.contains("Invite your team"));
}

#[tokio::test]
async fn a_linked_contractors_own_values_reach_the_dashboard_and_contractors_go_to_their_own_home() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Northwind Talent", "northwind.test", "globex.test", "jane@example.test").await;
    let jane = contractor_joins(&app, &desk).await;
    put_forward(&desk).await;
    let home = jane.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), "/me");
    let saved = jane.submit("/me", "/me/offer", &[("decision_by", "2026-11-30")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let page = desk.recruiter.get("/").await;
    assert_eq!(links(&page, "dash-offers"), vec!["Jane Doe"]);
    assert!(page.text.contains("decision by Mon 30 Nov"));
}

async fn many(app: &TestApp, s: Seed, owner: i64, from: usize, to: usize) {
    let now = s.now;
    for n in from..to {
        s.submission(app, &format!("U{n}"), owner, Some(day(11, 20)), false).await;
        s.consent(app, &format!("C{n}"), owner, "pending", now - TimeDelta::days(1), now + TimeDelta::days(2)).await;
        s.consent(app, &format!("E{n}"), owner, "expired", now - TimeDelta::days(3), now - TimeDelta::days(1)).await;
        s.interview(app, &format!("I{n}"), owner, now + TimeDelta::hours(2), "scheduled").await;
        s.placement(app, &format!("P{n}"), owner, day(12, 10), "active").await;
        let person = Person {
            owner: Some(owner),
            availability: "on_contract",
            contract_ends_on: Some(day(12, 12)),
            competing_offer_until: Some(day(11, 28)),
            confirmed_at: None,
            ..Person::default()
        };
        let id = s.person(app, &format!("O{n}"), person).await;
        s.submission_of(app, id, owner, None, false).await;
        s.person(
            app,
            &format!("A{n}"),
            Person { owner: Some(owner), availability: "now", confirmed_at: Some(now), ..Person::default() },
        )
        .await;
        s.task(app, &format!("T{n}"), owner, day(11, 24), false).await;
    }
}

#[tokio::test]
async fn the_dashboard_runs_the_same_statements_however_much_data_there_is() {
    let app = spawn_app().await;
    let (agency, _) = app.create_agency("Northwind Talent", "ada@northwind.test").await;
    let rita_id = app.create_recruiter(agency, "Rita Recruiter", "rita@northwind.test").await;
    let rita = app.signed_in("rita@northwind.test").await;
    let ada = app.signed_in("ada@northwind.test").await;
    let s = seed(&app, agency).await;
    many(&app, s, rita_id, 0, 1).await;
    // Computed from the base tables (after a change), then read as kept.
    let computed = app.statements_for(&rita, "/").await;
    let kept = app.statements_for(&rita, "/").await;
    let computed_team = app.statements_for(&ada, "/?view=team").await;
    let kept_team = app.statements_for(&ada, "/?view=team").await;
    many(&app, s, rita_id, 1, 30).await;
    assert_eq!(app.statements_for(&rita, "/").await, computed);
    let page = rita.get("/").await;
    assert_eq!(page.texts("#dash-updates-h .count"), vec!["30"]);
    assert_eq!(page.texts("#dash-tasks-h .count"), vec!["30"]);
    assert_eq!(page.texts("#dash-rolling-h .count"), vec!["60"]);
    assert_eq!(app.statements_for(&rita, "/").await, kept);
    assert_eq!(app.statements_for(&ada, "/?view=team").await, computed_team);
    assert_eq!(app.statements_for(&ada, "/?view=team").await, kept_team);
    assert!(kept < computed, "the kept dashboard is read in fewer statements ({kept}) than computed ({computed})");
    assert!(
        computed <= 12 && computed_team <= 12 && kept <= 4,
        "the dashboard runs {computed} statements computed, {kept} kept ({computed_team}, {kept_team} for the team)"
    );
}
