//! `nextgig demo`: two realistic desks that every page can show, sign-in for each kind of user,
//! and a second run that duplicates nothing.

use reqwest::StatusCode;

use crate::helpers::{TestApp, TestClient, spawn_app};
use nextgig::demo::{self, Loaded};

/// Runs the demo loader against the test app's database (with the app's clock).
async fn load_demo(app: &TestApp) -> Loaded {
    let config = app.state.config.clone();
    let clock = app.clock.clone();
    tokio::task::spawn_blocking(move || demo::load(&config, &clock)).await.unwrap().expect("the demo loads")
}

/// A client signed in with the demo password.
async fn sign_in(app: &TestApp, loaded: &Loaded, email: &str) -> TestClient {
    let client = app.client();
    let page = client.sign_in(email, &loaded.password).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{email} cannot sign in: {}", page.text);
    client
}

/// The number at the start of the search page's lead ("291 contractors match your search.").
fn total_on(page: &crate::helpers::Page) -> i64 {
    let lead = page.texts("p.lead").into_iter().next().unwrap_or_default();
    lead.split_whitespace().next().and_then(|n| n.trim_end_matches('+').parse().ok()).unwrap_or(0)
}

/// Rows of each table the demo writes to.
const TABLES: &[&str] = &[
    "agencies",
    "users",
    "invitations",
    "agency_contractors",
    "agency_contractor_skills",
    "skills",
    "clients",
    "contacts",
    "jobs",
    "job_skills",
    "activities",
    "tasks",
    "hotlists",
    "hotlist_members",
    "contractor_profiles",
    "profile_skills",
];

async fn counts(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut all = Vec::new();
    for table in TABLES {
        all.push((*table, app.count(table).await));
    }
    all
}

async fn scalar(app: &TestApp, sql: &'static str) -> i64 {
    app.with_db(move |conn| {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::RunQueryDsl::get_result::<Count>(diesel::sql_query(sql), conn).expect(sql).n
    })
    .await
}

#[tokio::test]
async fn the_demo_fills_two_desks_of_realistic_size() {
    let app = spawn_app().await;
    let loaded = load_demo(&app).await;

    let desks: Vec<_> = loaded.agencies.iter().map(|(name, fresh, counts)| (name.as_str(), *fresh, counts)).collect();
    assert_eq!(desks.len(), 2);
    let (northwind, fresh, n) = desks[0];
    assert_eq!((northwind, fresh), ("Northwind Talent", true));
    assert!((280..=320).contains(&n.contractors), "{n:?}");
    assert!((35..=45).contains(&n.clients) && n.contacts >= 2 * n.clients && n.contacts <= 4 * n.clients, "{n:?}");
    assert!((50..=70).contains(&n.jobs), "{n:?}");
    assert!((700..=900).contains(&n.activities), "{n:?}");
    assert!(n.tasks > 100 && n.open_tasks > 20 && n.open_tasks < n.tasks, "{n:?}");
    assert!((3..=5).contains(&n.hotlists) && n.hotlist_members > 3 * n.hotlists, "{n:?}");
    let (harbor, fresh, h) = desks[1];
    assert_eq!((harbor, fresh), ("Harbor Tech Recruiting", true));
    assert!((70..=90).contains(&h.contractors) && h.clients == 10 && h.jobs == 15, "{h:?}");

    // Availability as the brief of a real desk: some free now, most on contract, some rolling off
    // within six weeks, some not looking; rates in several currencies and units.
    for (sql, low, high) in [
        ("SELECT COUNT(*) AS n FROM agency_contractors WHERE availability = 'now'", 10, 60),
        ("SELECT COUNT(*) AS n FROM agency_contractors WHERE availability = 'from_date'", 20, 80),
        ("SELECT COUNT(*) AS n FROM agency_contractors WHERE availability = 'on_contract'", 180, 280),
        ("SELECT COUNT(*) AS n FROM agency_contractors WHERE availability = 'not_looking'", 40, 110),
        ("SELECT COUNT(DISTINCT rate_currency) AS n FROM agency_contractors", 3, 5),
        ("SELECT COUNT(DISTINCT rate_unit) AS n FROM agency_contractors", 2, 2),
        ("SELECT COUNT(DISTINCT owner_id) AS n FROM agency_contractors", 6, 7),
        ("SELECT COUNT(*) AS n FROM agency_contractors WHERE availability_confirmed_at IS NULL", 10, 70),
        // Derived columns are kept as the form keeps them, and every record is in the search index.
        (
            "SELECT COUNT(*) AS n FROM agency_contractors WHERE rate_floor_minor IS NOT NULL AND rate_hourly_minor IS NULL",
            0,
            0,
        ),
        ("SELECT COUNT(*) AS n FROM agency_contractors WHERE phone IS NOT NULL AND phone_key IS NULL", 0, 0),
        ("SELECT COUNT(*) AS n FROM agency_contractors WHERE location IS NOT NULL AND location_key IS NULL", 0, 0),
        ("SELECT (SELECT COUNT(*) FROM contractor_search) - (SELECT COUNT(*) FROM agency_contractors) AS n", 0, 0),
    ] {
        let found = scalar(&app, sql).await;
        assert!((low..=high).contains(&found), "{sql}: {found}");
    }
    let today = app.clock.now().date();
    let rolling_off: i64 = app
        .with_db(move |conn| {
            use diesel::prelude::*;
            use nextgig::db::schema::agency_contractors as c;
            c::table
                .filter(c::availability.eq("on_contract"))
                .filter(c::contract_ends_on.le(today + chrono::TimeDelta::days(42)))
                .count()
                .get_result(conn)
                .unwrap()
        })
        .await;
    assert!(rolling_off >= 20, "only {rolling_off} contracts end within six weeks");
    // Tasks overdue, due today and coming up, for the viewer's "My tasks".
    let (overdue, due_today, upcoming): (i64, i64, i64) = app
        .with_db(move |conn| {
            use diesel::prelude::*;
            use nextgig::db::schema::tasks as t;
            let open = || t::table.filter(t::done_at.is_null());
            (
                open().filter(t::due_on.lt(today)).count().get_result(conn).unwrap(),
                open().filter(t::due_on.eq(today)).count().get_result(conn).unwrap(),
                open().filter(t::due_on.gt(today)).count().get_result(conn).unwrap(),
            )
        })
        .await;
    assert!(
        overdue > 0 && due_today > 0 && upcoming > overdue,
        "{overdue} overdue, {due_today} today, {upcoming} upcoming"
    );
}

#[tokio::test]
async fn a_demo_recruiter_signs_in_and_finds_contractors_by_skill_and_by_words() {
    let app = spawn_app().await;
    let loaded = load_demo(&app).await;
    let recruiter = loaded.account("recruiter", Some("Northwind Talent")).expect("a Northwind recruiter");
    let priya = sign_in(&app, &loaded, &recruiter.email).await;

    let all = priya.get("/contractors").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.texts("p.lead"), ["50+ contractors."], "more than a page");
    assert_eq!(all.texts(".results-table tbody tr").len(), 50, "a full first page");

    let by_skill = priya.get("/contractors?skill=SQL").await;
    assert!(total_on(&by_skill) >= 20, "{:?}", by_skill.texts("p.lead"));
    assert!(by_skill.texts(".results-table tbody tr").len() >= 20);
    assert!(by_skill.texts(".badge-match").iter().all(|s| s == "SQL"));
    let by_words = priya.get("/contractors?q=kubernetes").await;
    assert!(total_on(&by_words) >= 10, "{:?}", by_words.texts("p.lead"));

    // The other pages of the desk have something to show.
    for (path, needle) in [
        ("/clients", "Meridian Bank"),
        ("/jobs", "Open"),
        ("/hotlists", "Rolling off in 6 weeks"),
        ("/tasks", "id=\"overdue-heading\""),
    ] {
        let page = priya.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.text.contains(needle), "{path} does not show {needle}");
    }

    // The other agency's recruiter sees only their own, smaller desk.
    let harbor = loaded.account("recruiter", Some("Harbor Tech Recruiting")).expect("a Harbor recruiter");
    let daniel = sign_in(&app, &loaded, &harbor.email).await;
    // Their whole desk: a full first page and a second one (and not Northwind's 250).
    let theirs = daniel.get("/contractors").await;
    assert_eq!(theirs.texts("p.lead"), ["50+ contractors."]);
    let next = theirs
        .html()
        .select(&scraper::Selector::parse("a[rel=next]").unwrap())
        .next()
        .map(|a| a.value().attr("href").unwrap().to_string());
    let second = daniel.get(&next.expect("a second page")).await;
    let rest = total_on(&second);
    assert!((1..=40).contains(&rest), "{:?}", second.texts("p.lead"));
}

#[tokio::test]
async fn a_demo_contractor_signs_in_and_sees_both_agencies() {
    let app = spawn_app().await;
    let loaded = load_demo(&app).await;
    let contractor = loaded.account("contractor", None).expect("a contractor account");
    let person = sign_in(&app, &loaded, &contractor.email).await;
    let agencies = person.get("/me/agencies").await;
    assert_eq!(agencies.status, StatusCode::OK);
    assert_eq!(agencies.texts(".card-list h2"), ["Harbor Tech Recruiting", "Northwind Talent"]);
    let home = person.get("/me").await;
    assert!(home.text.contains(&contractor.name), "{}", home.text);

    // Ten people with their own accounts, each linked to both agencies' records; one has an offer
    // elsewhere and one keeps the rate floor private (both agencies see that).
    assert_eq!(scalar(&app, "SELECT COUNT(*) AS n FROM users WHERE kind = 'contractor'").await, 10);
    assert_eq!(scalar(&app, "SELECT COUNT(*) AS n FROM contractor_profiles").await, 10);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) AS n FROM agency_contractors WHERE profile_id IS NOT NULL AND linked_at IS NOT NULL AND agency_typed IS NOT NULL").await,
        20
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) AS n FROM agency_contractors WHERE competing_offer_until IS NOT NULL").await,
        2
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) AS n FROM agency_contractors WHERE rate_private AND rate_floor_minor IS NULL")
            .await,
        2
    );
}

#[tokio::test]
async fn running_the_demo_again_duplicates_nothing_and_gives_a_new_password() {
    let app = spawn_app().await;
    let first = load_demo(&app).await;
    let before = counts(&app).await;
    let second = load_demo(&app).await;
    assert_eq!(counts(&app).await, before, "nothing is added twice");
    assert!(second.agencies.iter().all(|(_, fresh, _)| !fresh), "both desks were kept");
    assert_eq!(second.contractor_accounts_created, 0);
    assert_eq!(first.accounts, second.accounts, "the same people sign in");
    assert_ne!(first.password, second.password);

    let admin = &second.account("admin", Some("Northwind Talent")).unwrap().email;
    let stale = app.client().sign_in(admin, &first.password).await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY, "the old password no longer works");
    sign_in(&app, &second, admin).await;
    let contractor = &second.account("contractor", None).unwrap().email;
    sign_in(&app, &second, contractor).await;
}

#[tokio::test]
async fn the_demo_pipeline_has_every_stage_interviews_offers_and_contracts_ending_soon() {
    let app = spawn_app().await;
    let loaded = load_demo(&app).await;
    let (_, _, northwind) = &loaded.agencies[0];
    assert!((30..=45).contains(&northwind.submissions), "{northwind:?}");
    assert!(northwind.placements >= 4, "{northwind:?}");
    let by_stage: Vec<(String, i64)> = app
        .with_db(|conn| {
            use diesel::dsl::count_star;
            use diesel::prelude::*;
            use nextgig::db::schema::{pipeline_stages as p, submissions as s};
            s::table
                .inner_join(p::table)
                .group_by(p::category)
                .select((p::category, count_star()))
                .order(p::category)
                .load(conn)
                .unwrap()
        })
        .await;
    let categories: Vec<&str> = by_stage.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        categories,
        ["closed", "consent", "interview", "offer", "placed", "sourced", "submitted"],
        "{by_stage:?}"
    );
    let today = app.clock.now().date();
    for (sql, low) in [
        ("SELECT COUNT(*) AS n FROM interviews WHERE outcome = 'scheduled'", 3),
        ("SELECT COUNT(*) AS n FROM interviews WHERE outcome = 'passed'", 5),
        ("SELECT COUNT(*) AS n FROM representations WHERE ended_at IS NULL", 10),
        ("SELECT COUNT(*) AS n FROM consents WHERE status = 'pending'", 3),
        ("SELECT COUNT(*) AS n FROM offers WHERE below_floor", 1),
        ("SELECT COUNT(*) AS n FROM submissions WHERE closed_reason IS NOT NULL", 3),
    ] {
        let found = scalar(&app, sql).await;
        assert!(found >= low, "{sql}: {found}");
    }
    let ending_soon: i64 = app
        .with_db(move |conn| {
            use diesel::prelude::*;
            use nextgig::db::schema::placements as p;
            p::table
                .filter(p::status.eq("active"))
                .filter(p::end_date.le(today + chrono::TimeDelta::days(42)))
                .count()
                .get_result(conn)
                .unwrap()
        })
        .await;
    assert!(ending_soon >= 3, "only {ending_soon} placements end within six weeks");
    // The recruiter's board shows the cards.
    let admin = sign_in(&app, &loaded, demo::ADMIN_EMAIL).await;
    let job: i64 = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use nextgig::db::schema::submissions as s;
            s::table.select(s::job_id).order(s::id).first(conn).unwrap()
        })
        .await;
    let board = admin.get(&format!("/jobs/{job}")).await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(!board.texts("#pipeline .card, #pipeline li").is_empty(), "the board has cards");
}
