//! Contractor search: every filter alone and combined, checked against the data; ranking;
//! paging; bad parameters; a constant number of statements.

use std::collections::BTreeSet;

use reqwest::StatusCode;

use crate::helpers::{Page, TestApp, TestClient, spawn_app};

/// Names in the result table, in order.
fn names(page: &Page) -> Vec<String> {
    page.texts(".results-table tbody tr td:first-child a.strong")
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn found(page: &Page) -> BTreeSet<String> {
    names(page).into_iter().collect()
}

/// Five contractors with known skills, availability, rates, locations and ways of working.
async fn desk(app: &TestApp) -> TestClient {
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    app.create_recruiter(agency, "Rita", "rita@acme.test").await;
    let rita = app.signed_in("rita@acme.test").await;
    let people: [&[(&str, &str)]; 5] = [
        &[
            ("name", "Ann Rust"),
            ("skills", "Rust, PostgreSQL"),
            ("availability", "now"),
            ("rate_floor", "80"),
            ("rate_unit", "hour"),
            ("location", "London, UK"),
            ("remote", "remote"),
            ("tags", "fintech"),
        ],
        &[
            ("name", "Ben Go"),
            ("skills", "Go, Kubernetes, Postgres"),
            ("availability", "from_date"),
            ("available_from", "2027-01-10"),
            ("rate_floor", "600"),
            ("rate_unit", "day"),
            ("location", "Berlin"),
            ("remote", "any"),
        ],
        &[
            ("name", "Cleo Java"),
            ("skills", "Java, Kubernetes"),
            ("availability", "on_contract"),
            ("contract_ends_on", "2027-03-31"),
            ("rate_floor", "95"),
            ("location", "London"),
            ("remote", "onsite"),
            ("summary", "Rust hobbyist"),
        ],
        &[
            ("name", "Dev Ops"),
            ("skills", "Terraform, AWS"),
            ("availability", "not_looking"),
            ("rate_floor", "70"),
            ("location", "Paris"),
            ("remote", "hybrid"),
            ("notes", "Knows the kraken payment platform"),
        ],
        &[
            ("name", "Eve NoRate"),
            ("skills", "Rust"),
            ("availability", "now"),
            ("location", "Leeds"),
            ("remote", "remote"),
        ],
    ];
    for fields in people {
        rita.add_contractor(fields).await;
    }
    rita
}

#[tokio::test]
async fn each_filter_alone_returns_exactly_the_matching_contractors() {
    let app = spawn_app().await;
    let rita = desk(&app).await;
    let cases: Vec<(&str, &[&str])> = vec![
        ("", &["Ann Rust", "Ben Go", "Cleo Java", "Dev Ops", "Eve NoRate"]),
        ("skill=rust", &["Ann Rust", "Eve NoRate"]),
        ("skill=kubernetes&skill=postgres", &["Ben Go"]),
        ("skill=Kubernetes,%20PostgreSQL", &["Ben Go"]),
        ("skill=cobol", &[]),
        ("available_by=2026-12-01", &["Ann Rust", "Eve NoRate"]),
        ("available_by=2027-01-10", &["Ann Rust", "Ben Go", "Eve NoRate"]),
        ("available_by=2027-06-30", &["Ann Rust", "Ben Go", "Cleo Java", "Eve NoRate"]),
        // 600/day is 75/hour; unknown rates never match a maximum.
        ("max_rate=75", &["Ben Go", "Dev Ops"]),
        ("max_rate=80", &["Ann Rust", "Ben Go", "Dev Ops"]),
        ("max_rate=640&rate_unit=day", &["Ann Rust", "Ben Go", "Dev Ops"]),
        ("location=london", &["Ann Rust", "Cleo Java"]),
        ("location=%25", &[]),
        ("remote=remote", &["Ann Rust", "Ben Go", "Eve NoRate"]),
        ("remote=onsite", &["Ben Go", "Cleo Java"]),
        ("tag=fintech", &["Ann Rust"]),
        ("q=kraken", &["Dev Ops"]),
        ("q=rust", &["Ann Rust", "Cleo Java", "Eve NoRate"]),
        ("q=ru", &["Ann Rust", "Cleo Java", "Eve NoRate"]),
        ("q=rust%20london", &["Ann Rust", "Cleo Java"]),
        ("q=rust%20leeds", &["Eve NoRate"]),
        ("q=%22%27%20OR%201%3D1%20--", &[]),
    ];
    for (query, expected) in cases {
        let page = rita.get(&format!("/contractors?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{query}");
        assert_eq!(found(&page), set(expected), "?{query}");
    }
}

#[tokio::test]
async fn filters_combine_as_and() {
    let app = spawn_app().await;
    let rita = desk(&app).await;
    let cases: Vec<(&str, &[&str])> = vec![
        ("skill=rust&available_by=2026-12-01&max_rate=90", &["Ann Rust"]),
        ("skill=kubernetes&remote=onsite&location=london", &["Cleo Java"]),
        ("q=rust&remote=remote", &["Ann Rust", "Eve NoRate"]),
        ("skill=postgresql&max_rate=600&rate_unit=day&available_by=2027-02-01", &["Ben Go"]),
        ("skill=rust&location=paris", &[]),
    ];
    for (query, expected) in cases {
        assert_eq!(found(&rita.get(&format!("/contractors?{query}")).await), set(expected), "?{query}");
    }
}

#[tokio::test]
async fn a_name_or_skill_match_ranks_above_a_summary_match() {
    let app = spawn_app().await;
    let rita = desk(&app).await;
    let page = rita.get("/contractors?q=rust").await;
    let order = names(&page);
    assert_eq!(order.last().map(String::as_str), Some("Cleo Java"), "the summary-only match comes last: {order:?}");
    assert_eq!(order[0], "Ann Rust", "the name and skill match comes first: {order:?}");
}

#[tokio::test]
async fn sorts_order_the_results() {
    let app = spawn_app().await;
    let rita = desk(&app).await;
    assert_eq!(
        names(&rita.get("/contractors?sort=name").await),
        ["Ann Rust", "Ben Go", "Cleo Java", "Dev Ops", "Eve NoRate"]
    );
    let soonest = names(&rita.get("/contractors?sort=availability").await);
    assert_eq!(&soonest[2..], ["Ben Go", "Cleo Java", "Dev Ops"], "{soonest:?}");
    assert_eq!(
        names(&rita.get("/contractors?sort=rate").await),
        ["Dev Ops", "Ben Go", "Ann Rust", "Cleo Java", "Eve NoRate"]
    );
    assert_eq!(names(&rita.get("/contractors?sort=updated").await)[0], "Eve NoRate");
}

#[tokio::test]
async fn paging_returns_every_match_exactly_once_in_every_order() {
    let app = spawn_app().await;
    let (agency, _) = app.create_agency("Acme Staffing", "ada@acme.test").await;
    app.create_recruiter(agency, "Rita", "rita@acme.test").await;
    let rita = app.signed_in("rita@acme.test").await;
    for n in 0..125 {
        let name = format!("Person {:03} {}", (n * 37) % 125, if n % 2 == 0 { "rust" } else { "go" });
        let rate = format!("{}", 50 + (n % 7) * 10);
        let date = format!("2027-0{}-1{}", 1 + n % 5, n % 9);
        let availability = if n % 3 == 0 { "now" } else { "from_date" };
        rita.add_contractor(&[
            ("name", &name),
            ("skills", "Rust"),
            ("rate_floor", &rate),
            ("availability", availability),
            ("available_from", &date),
        ])
        .await;
    }
    for sort in ["updated", "name", "rate", "availability", "relevance"] {
        let mut seen = Vec::new();
        let mut url = format!("/contractors?skill=rust&q=person&sort={sort}");
        let mut pages = 0;
        loop {
            let page = rita.get(&url).await;
            assert_eq!(page.status, StatusCode::OK, "{url}");
            seen.extend(names(&page));
            pages += 1;
            let next = page
                .html()
                .select(&scraper::Selector::parse("a[rel=next]").unwrap())
                .next()
                .and_then(|a| a.value().attr("href").map(str::to_string));
            match next {
                Some(href) => url = href,
                None => break,
            }
            assert!(pages < 10, "paging never ends");
        }
        assert_eq!(pages, 3, "{sort}: 50 + 50 + 25");
        assert_eq!(seen.len(), 125, "{sort}: every row once");
        assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 125, "{sort}: no repeats");
    }
    // Matches are not counted: a full page says there are more, the last page how many it holds.
    let first = rita.get("/contractors").await;
    assert_eq!(first.texts("p.lead"), ["50+ contractors."]);
    let last = rita.get(&format!("/contractors?sort=name&after={}", "n:0:zzzz")).await;
    assert!(!last.text.contains("50+"), "{:?}", last.texts("p.lead"));
}

#[tokio::test]
async fn bad_search_parameters_get_a_clear_message() {
    let app = spawn_app().await;
    let rita = desk(&app).await;
    let fifty = (0..50).map(|n| format!("skill={n}x")).collect::<Vec<_>>().join("&");
    let cases = [
        (fifty.as_str(), "skill", "Use at most 20 skills"),
        ("max_rate=-10", "max_rate", "must not be negative"),
        ("max_rate=ten", "max_rate", "must be an amount"),
        ("available_by=31-12-2026", "available_by", "must be a date like"),
        ("available_by=2026-02-30", "available_by", "must be a date like"),
        ("sort=drop", "sort", "Choose one of the listed orders."),
        ("remote=mars", "remote", "must be one of"),
        ("after=garbage", "after", "start again from the first page"),
    ];
    for (query, field, message) in cases {
        let page = rita.get(&format!("/contractors?{query}")).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let error =
            page.field_error(field).or_else(|| page.texts(".error-summary li").into_iter().next()).unwrap_or_default();
        assert!(error.contains(message), "{query}: {error}");
    }
    let kept = rita.get("/contractors?max_rate=-10&location=London").await;
    assert_eq!(kept.input_value("location").as_deref(), Some("London"));
}

#[tokio::test]
async fn the_search_page_runs_the_same_statements_however_many_records_exist() {
    let app = spawn_app().await;
    let rita = desk(&app).await;
    let path = "/contractors?q=rust&skill=rust&available_by=2027-06-30&max_rate=100&location=l&remote=remote";
    rita.get(path).await;
    let few = app.statements_for(&rita, path).await;
    for n in 0..60 {
        rita.add_contractor(&[
            ("name", &format!("Rusty {n}")),
            ("skills", "Rust"),
            ("location", "Leeds"),
            ("remote", "remote"),
            ("rate_floor", "60"),
        ])
        .await;
    }
    rita.get(path).await;
    assert_eq!(app.statements_for(&rita, path).await, few);
    assert!(few <= 4, "search runs {few} statements");
}

/// Record ids in the result table, in order.
fn ids(page: &Page) -> Vec<i64> {
    let html = page.html();
    let selector = scraper::Selector::parse(".results-table tbody tr td:first-child a.strong").unwrap();
    html.select(&selector)
        .filter_map(|a| a.value().attr("href")?.trim_start_matches("/contractors/").parse().ok())
        .collect()
}

/// Every page of a search, following "Next".
async fn all_pages(client: &TestClient, first: &str) -> Vec<i64> {
    let mut found = Vec::new();
    let mut url = first.to_string();
    for _ in 0..200 {
        let page = client.get(&url).await;
        assert_eq!(page.status, StatusCode::OK, "{url}");
        found.extend(ids(&page));
        let next = page
            .html()
            .select(&scraper::Selector::parse("a[rel=next]").unwrap())
            .next()
            .map(|a| a.value().attr("href").unwrap_or_default().replace("&amp;", "&"));
        match next {
            Some(next) => url = next,
            None => return found,
        }
    }
    panic!("paging never ends: {first}");
}

/// A record's id, updated at, archived at, available on and hourly rate (minor units).
type RecordFacts = (i64, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>, chrono::NaiveDate, Option<i64>);

/// A generated agency (datagen's tiny profile) searched by its recruiter: the signed-in client,
/// every record of the agency with what the filters read, each skill's holders as (skill key,
/// record id), and the skills as (holders, key) from the least to the most held.
async fn corpus(app: &TestApp) -> (TestClient, Vec<RecordFacts>, Vec<(String, i64)>, Vec<(usize, String)>) {
    use diesel::prelude::*;
    use nextgig::db::schema::{agency_contractor_skills as k, agency_contractors as ac, skills, users};
    let (config, clock) = (app.state.config.clone(), app.clock.clone());
    let profile = nextgig::datagen::Profile::named("tiny").unwrap();
    let generated = tokio::task::spawn_blocking(move || nextgig::datagen::generate(&config, &clock, profile, 3, true))
        .await
        .unwrap()
        .expect("datagen runs");
    let recruiter = generated.account("recruiter").unwrap().email.clone();
    let client = app.client();
    assert_eq!(client.sign_in(&recruiter, &generated.password).await.status, StatusCode::SEE_OTHER);
    let (records, holders, popular) = app
        .with_db(move |conn| {
            let agency: i64 = users::table
                .filter(users::email.eq(&recruiter))
                .select(users::agency_id.assume_not_null())
                .first(conn)
                .unwrap();
            let records: Vec<RecordFacts> = ac::table
                .filter(ac::agency_id.eq(agency))
                .select((ac::id, ac::updated_at, ac::archived_at, ac::available_on, ac::rate_hourly_minor))
                .load(conn)
                .unwrap();
            let holders: Vec<(String, i64)> = k::table
                .inner_join(skills::table)
                .inner_join(ac::table)
                .filter(ac::agency_id.eq(agency))
                .select((skills::key, k::agency_contractor_id))
                .load(conn)
                .unwrap();
            let mut by_skill: std::collections::BTreeMap<String, usize> = Default::default();
            for (key, _) in &holders {
                *by_skill.entry(key.clone()).or_default() += 1;
            }
            let mut popular: Vec<(usize, String)> = by_skill.into_iter().map(|(k, n)| (n, k)).collect();
            popular.sort();
            (records, holders, popular)
        })
        .await;
    (client, records, holders, popular)
}

#[tokio::test]
async fn searches_led_by_a_skill_find_what_the_filters_say_newest_first_on_a_corpus() {
    let app = spawn_app().await;
    let (client, records, holders, popular) = corpus(&app).await;
    let has = |skill: &str, id: i64| holders.iter().any(|(k, h)| k == skill && *h == id);
    // The most and least held skills, one in the middle, and pairs of them.
    let (rare, middle, common) =
        (popular[0].1.clone(), popular[popular.len() / 2].1.clone(), popular[popular.len() - 1].1.clone());
    let cases: Vec<(Vec<&str>, Option<&str>, Option<i64>)> = vec![
        (vec![&common], None, None),
        (vec![&middle], None, None),
        (vec![&rare], None, None),
        (vec![&common, &middle], None, None),
        (vec![&middle, &common], Some("2027-01-31"), None),
        (vec![&common], Some("2026-12-31"), Some(90)),
        (vec![&rare, &common], None, Some(120)),
    ];
    for (skills_wanted, available_by, max_rate) in cases {
        let mut query: Vec<(String, String)> =
            skills_wanted.iter().map(|s| ("skill".to_string(), s.to_string())).collect();
        if let Some(date) = available_by {
            query.push(("available_by".into(), date.into()));
        }
        if let Some(rate) = max_rate {
            query.extend([("max_rate".into(), rate.to_string()), ("rate_unit".into(), "hour".into())]);
        }
        let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&query).finish();
        let shown = all_pages(&client, &format!("/contractors?{encoded}")).await;
        let mut expected: Vec<&(i64, chrono::NaiveDateTime, _, chrono::NaiveDate, Option<i64>)> = records
            .iter()
            .filter(|(id, _, archived, on, rate)| {
                archived.is_none()
                    && skills_wanted.iter().all(|s| has(s, *id))
                    && available_by.is_none_or(|d| on.to_string().as_str() <= d)
                    && max_rate.is_none_or(|m| rate.is_some_and(|r| r <= m * 100))
            })
            .collect();
        expected.sort_by_key(|r| std::cmp::Reverse((r.1, r.0)));
        let expected: Vec<i64> = expected.into_iter().map(|r| r.0).collect();
        assert!(!expected.is_empty() || skills_wanted.contains(&rare.as_str()), "{encoded} matches someone");
        assert_eq!(shown, expected, "{encoded}: every match once, newest first");
    }
}

#[tokio::test]
async fn searches_sorted_by_rate_find_every_match_cheapest_first_on_a_corpus() {
    let app = spawn_app().await;
    let (client, records, holders, popular) = corpus(&app).await;
    let has = |skill: &str, id: i64| holders.iter().any(|(k, h)| k == skill && *h == id);
    let common = popular[popular.len() - 1].1.clone();
    // Few available by the first date (read from the availability index and sorted), most by
    // the second (a walk of the rate order that stops after each page), with and without a skill.
    let cases: Vec<(Option<&str>, &str, usize)> =
        vec![(None, "2026-12-01", 1), (None, "2099-12-31", 500), (Some(&common), "2099-12-31", 100)];
    for (skill, available_by, at_least) in cases {
        let mut query = vec![("available_by", available_by), ("sort", "rate")];
        if let Some(skill) = skill {
            query.push(("skill", skill));
        }
        let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&query).finish();
        let shown = all_pages(&client, &format!("/contractors?{encoded}")).await;
        let mut expected: Vec<&RecordFacts> = records
            .iter()
            .filter(|(id, _, archived, on, _)| {
                archived.is_none() && on.to_string().as_str() <= available_by && skill.is_none_or(|s| has(s, *id))
            })
            .collect();
        expected.sort_by_key(|r| (r.4.unwrap_or(i64::MAX), r.0));
        let expected: Vec<i64> = expected.into_iter().map(|r| r.0).collect();
        assert!(expected.len() >= at_least, "{encoded}: {} match, fewer than {at_least}", expected.len());
        assert_eq!(shown, expected, "{encoded}: every match once, cheapest first");
    }
}

#[tokio::test]
async fn a_word_search_ranks_the_most_recently_added_matches_and_says_so() {
    use nextgig::db::search::{Filters, Sort, search_contractors};
    use nextgig::models::contractor::SearchHit;
    let app = spawn_app().await;
    let rita = desk(&app).await;
    let agency = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use nextgig::db::schema::agencies;
            agencies::table.select(agencies::id).first::<i64>(conn).unwrap()
        })
        .await;
    // "rust" matches Ann (name, skill), Cleo (summary) and Eve (skill), added in that order.
    let ranked = |among: Option<i64>| {
        app.with_db(move |conn| {
            let filters = Filters { agency_id: agency, terms: vec!["rust".into()], ..Filters::default() };
            let hits: Vec<SearchHit> = search_contractors(conn, &filters, Sort::Relevance, None, 51, among).unwrap();
            hits.iter().map(|h| (h.contractor.name.clone(), h.pool)).collect::<Vec<_>>()
        })
    };
    let every = ranked(None).await;
    assert_eq!(every.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["Ann Rust", "Eve NoRate", "Cleo Java"]);
    assert!(every.iter().all(|(_, pool)| pool.is_none()), "{every:?}");
    // Ranking only the two most recently added: Ann is not among them; three matched in all.
    let two = ranked(Some(2)).await;
    assert_eq!(two, [("Eve NoRate".to_string(), Some(3)), ("Cleo Java".to_string(), Some(3))]);
    let one = ranked(Some(1)).await;
    assert_eq!(one, [("Eve NoRate".to_string(), Some(2))]);
    let three = ranked(Some(3)).await;
    assert_eq!(three.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["Ann Rust", "Eve NoRate", "Cleo Java"]);
    assert!(three.iter().all(|(_, pool)| *pool == Some(3)), "{three:?}");
    // The page says nothing while every match is ranked.
    let page = rita.get("/contractors?q=rust").await;
    assert!(page.texts(".ranked-among").is_empty());
}
