//! Offers and placements: offers checked against the contractor's rate floor (a private one too),
//! consent required, dates checked; an accepted offer becomes a placement with its margin; the
//! end date is the contractor's "on contract until" on the agency record and on their own profile;
//! extensions keep history; one placement per submission; another agency gets 404 everywhere.

use chrono::NaiveDate;
use diesel::prelude::*;
use nextgig::db::schema::{agency_contractors, offers, placement_extensions, placements, submission_events};
use reqwest::StatusCode;

use crate::clients::id_from;
use crate::helpers::{Page, TestApp, spawn_app};
use crate::pipeline::{Desk, approved_submission, contractor_joins, desk_with_job, put_forward, state_of};

/// The usual offer: EUR 95/hour from 1 Feb 2027 to 31 Jul 2027, with `changes`.
async fn make_offer(desk: &Desk, submission: i64, changes: &[(&str, &str)]) -> Page {
    let mut fields = vec![
        ("offer_rate", "95"),
        ("offer_currency", "EUR"),
        ("offer_unit", "hour"),
        ("offer_start", "2027-02-01"),
        ("offer_end", "2027-07-31"),
    ];
    for (name, value) in changes {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = value,
            None => fields.push((name, value)),
        }
    }
    let page = format!("/submissions/{submission}");
    desk.recruiter.submit(&page, &format!("{page}/offers"), &fields).await
}

/// The submission's offers as (id, rate, below floor, status), oldest first.
async fn offers_of(app: &TestApp, submission: i64) -> Vec<(i64, i64, bool, String)> {
    app.with_db(move |conn| {
        offers::table
            .filter(offers::submission_id.eq(submission))
            .order(offers::id.asc())
            .select((offers::id, offers::rate_minor, offers::below_floor, offers::status))
            .load(conn)
            .unwrap()
    })
    .await
}

/// Answers an offer through the buttons on the submission page.
async fn decide(desk: &Desk, submission: i64, offer: i64, decision: &str) -> Page {
    desk.recruiter
        .submit(&format!("/submissions/{submission}"), &format!("/offers/{offer}/decision"), &[("decision", decision)])
        .await
}

/// The placement form with the usual answers (bill EUR 120/hour) and `changes`.
async fn place(desk: &Desk, submission: i64, changes: &[(&str, &str)]) -> Page {
    let mut fields = vec![
        ("start_date", "2027-02-01"),
        ("end_date", "2027-07-31"),
        ("pay_rate", "95"),
        ("bill_rate", "120"),
        ("currency", "EUR"),
        ("rate_unit", "hour"),
    ];
    for (name, value) in changes {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = value,
            None => fields.push((name, value)),
        }
    }
    let page = format!("/submissions/{submission}");
    desk.recruiter.submit(&page, &format!("{page}/placement"), &fields).await
}

/// An approved submission with an accepted EUR 95/hour offer; returns (submission, offer).
async fn accepted_offer(app: &TestApp, desk: &Desk) -> (i64, i64) {
    let submission = approved_submission(app, desk).await;
    let made = make_offer(desk, submission, &[]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text);
    let offer = offers_of(app, submission).await[0].0;
    let accepted = decide(desk, submission, offer, "accept").await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.text);
    assert_eq!(accepted.location(), format!("/submissions/{submission}/placement/new"));
    (submission, offer)
}

/// A placement created from an accepted offer; returns (submission, placement).
async fn placed(app: &TestApp, desk: &Desk) -> (i64, i64) {
    let (submission, _) = accepted_offer(app, desk).await;
    let created = place(desk, submission, &[]).await;
    (submission, id_from(&created))
}

async fn availability_of(app: &TestApp, record: i64) -> (String, Option<NaiveDate>, Option<NaiveDate>) {
    app.with_db(move |conn| {
        agency_contractors::table
            .find(record)
            .select((
                agency_contractors::availability,
                agency_contractors::available_from,
                agency_contractors::contract_ends_on,
            ))
            .first(conn)
            .unwrap()
    })
    .await
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

#[tokio::test]
async fn an_offer_below_the_rate_floor_is_flagged_and_one_at_the_floor_is_not() {
    let app = spawn_app().await;
    // Jane's floor on the agency record: EUR 80/hour.
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = approved_submission(&app, &desk).await;

    let below = make_offer(&desk, submission, &[("offer_rate", "75")]).await;
    assert_eq!(below.status, StatusCode::SEE_OTHER, "{}", below.text);
    let page = desk.recruiter.get(&format!("/submissions/{submission}")).await;
    assert!(page.text.contains("It is below their rate floor"), "the recruiter is told at once");
    assert_eq!(page.texts(".offer-below-floor .floor-flag"), ["Below their rate floor of EUR 80/hour"]);
    assert_eq!(state_of(&app, submission).await.0, "offer", "an offer moves the submission to the offer stage");
    let shown: Vec<String> = app
        .with_db(move |conn| {
            submission_events::table
                .filter(submission_events::submission_id.eq(submission))
                .filter(submission_events::visible_to_contractor.eq(true))
                .select(submission_events::body)
                .load(conn)
                .unwrap()
        })
        .await;
    assert!(shown.contains(&"Offer: EUR 75/hour from 1 Feb 2027 to 31 Jul 2027".to_string()), "{shown:?}");

    let offer = offers_of(&app, submission).await[0].0;
    assert_eq!(decide(&desk, submission, offer, "decline").await.status, StatusCode::SEE_OTHER);
    let at_floor = make_offer(&desk, submission, &[("offer_rate", "80")]).await;
    assert_eq!(at_floor.status, StatusCode::SEE_OTHER, "{}", at_floor.text);
    let other_unit =
        make_offer(&desk, submission, &[("offer_rate", "500"), ("offer_unit", "day"), ("offer_currency", "GBP")]).await;
    assert_eq!(other_unit.status, StatusCode::SEE_OTHER, "{}", other_unit.text);
    let offers = offers_of(&app, submission).await;
    let flags: Vec<(i64, bool, &str)> =
        offers.iter().map(|(_, rate, below, status)| (*rate, *below, status.as_str())).collect();
    assert_eq!(flags, [(7500, true, "declined"), (8000, false, "made"), (50000, false, "made")]);

    let page = desk.recruiter.get(&format!("/submissions/{submission}")).await;
    assert_eq!(page.texts(".offer-below-floor").len(), 1, "only the offer below the floor is flagged");
    let notes = page.texts(".floor-note");
    assert!(notes.contains(&"Meets their rate floor".to_string()), "{notes:?}");
    assert!(notes.contains(&"Can't compare: their floor is per hour in EUR".to_string()), "{notes:?}");
}

#[tokio::test]
async fn a_private_rate_floor_still_flags_an_offer_below_it_without_showing_the_number() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = approved_submission(&app, &desk).await;
    let jane = contractor_joins(&app, &desk).await;
    let private =
        [("rate_floor", "97.65"), ("rate_currency", "EUR"), ("rate_unit", "hour"), ("rate_visibility", "private")];
    assert_eq!(jane.submit("/me", "/me/rate", &private).await.status, StatusCode::SEE_OTHER);

    let below = make_offer(&desk, submission, &[("offer_rate", "96")]).await;
    assert_eq!(below.status, StatusCode::SEE_OTHER, "{}", below.text);
    let above = make_offer(&desk, submission, &[("offer_rate", "98")]).await;
    assert_eq!(above.status, StatusCode::SEE_OTHER, "{}", above.text);
    let flags: Vec<bool> = offers_of(&app, submission).await.into_iter().map(|o| o.2).collect();
    assert_eq!(flags, [true, false]);
    for path in [format!("/submissions/{submission}"), format!("/submissions/{submission}/offers/new")] {
        let page = desk.recruiter.get(&path).await;
        assert!(!page.without_tokens().contains("97.65"), "{path} shows the private floor");
        assert!(!page.without_tokens().contains("EUR 97"), "{path} shows the private floor");
    }
    let page = desk.recruiter.get(&format!("/submissions/{submission}")).await;
    assert_eq!(page.texts(".offer-below-floor .floor-flag"), ["Below their rate floor"]);
}

#[tokio::test]
async fn an_offer_without_an_approved_consent_is_refused() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = put_forward(&desk).await;
    let refused = make_offer(&desk, submission, &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.field_error("offer_rate").unwrap().contains("not approved being put forward"));
    assert_eq!(refused.input_value("offer_start").as_deref(), Some("2027-02-01"));
    assert_eq!(app.count("offers").await, 0);
    assert_eq!(state_of(&app, submission).await.0, "sourced");
    // Nor can one be accepted into a placement.
    let placement = place(&desk, submission, &[]).await;
    assert_eq!(placement.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("placements").await, 0);
}

#[tokio::test]
async fn an_end_date_before_the_start_is_refused_and_the_input_kept() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = approved_submission(&app, &desk).await;
    let refused = make_offer(&desk, submission, &[("offer_rate", "91.5"), ("offer_end", "2027-01-31")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.field_error("offer_end").as_deref(), Some("The end date is before the start date."));
    assert_eq!(refused.input_value("offer_rate").as_deref(), Some("91.5"));
    assert_eq!(refused.input_value("offer_end").as_deref(), Some("2027-01-31"));
    for (field, value, error) in [
        ("offer_rate", "-5", "must not be negative"),
        ("offer_rate", "", "Give the rate offered."),
        ("offer_start", "someday", "must be a date"),
        ("offer_unit", "week", "Per must be one of"),
    ] {
        let refused = make_offer(&desk, submission, &[(field, value)]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value}");
        assert!(refused.field_error(field).unwrap_or_default().contains(error), "{field}={value}: {}", refused.text);
    }
    assert_eq!(app.count("offers").await, 0);

    // The placement form refuses it too, keeping what was typed.
    let made = make_offer(&desk, submission, &[]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let offer = offers_of(&app, submission).await[0].0;
    assert_eq!(decide(&desk, submission, offer, "accept").await.status, StatusCode::SEE_OTHER);
    let refused = place(&desk, submission, &[("end_date", "2027-01-15"), ("bill_rate", "130")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.field_error("end_date").as_deref(), Some("The end date is before the start date."));
    assert_eq!(refused.input_value("bill_rate").as_deref(), Some("130"));
    let missing_end = place(&desk, submission, &[("end_date", "")]).await;
    assert_eq!(missing_end.field_error("end_date").as_deref(), Some("Give the end date of the contract."));
    assert_eq!(app.count("placements").await, 0);
}

#[tokio::test]
async fn an_accepted_offer_becomes_a_placement_with_its_margin() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let (submission, _) = accepted_offer(&app, &desk).await;
    let form = desk.recruiter.get(&format!("/submissions/{submission}/placement/new")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.input_value("start_date").as_deref(), Some("2027-02-01"), "prefilled from the offer");
    assert_eq!(form.input_value("end_date").as_deref(), Some("2027-07-31"));
    assert_eq!(form.input_value("pay_rate").as_deref(), Some("95"));

    let created = place(&desk, submission, &[]).await;
    let placement = id_from(&created);
    assert_eq!(created.location(), format!("/placements/{placement}"));
    let page = desk.recruiter.get(&format!("/placements/{placement}")).await;
    assert_eq!(page.texts(".margin"), ["EUR 25/hour (20.8%)"]);
    assert!(page.text.contains("EUR 95/hour") && page.text.contains("EUR 120/hour"));
    assert!(page.text.contains("1 Feb 2027 – 31 Jul 2027"));
    assert_eq!(state_of(&app, submission).await.0, "placed");
    // The contractor's event names their rate and dates, never the bill rate.
    let shown: Vec<String> = app
        .with_db(move |conn| {
            submission_events::table
                .filter(submission_events::submission_id.eq(submission))
                .filter(submission_events::visible_to_contractor.eq(true))
                .select(submission_events::body)
                .load(conn)
                .unwrap()
        })
        .await;
    assert!(shown.contains(&"Placed: 1 Feb 2027 – 31 Jul 2027 at EUR 95/hour".to_string()), "{shown:?}");
    assert!(!shown.iter().any(|s| s.contains("120")), "{shown:?}");
    // Listed, with how soon it ends.
    let list = desk.recruiter.get("/placements").await;
    assert_eq!(list.texts(".placements-table tbody tr").len(), 1);
    assert!(list.text.contains("Jane Doe") && list.text.contains("ends in 248 days"), "{}", list.text);
    // The submission page links to it.
    let page = desk.recruiter.get(&format!("/submissions/{submission}")).await;
    assert!(page.text.contains(&format!("/placements/{placement}")));
}

#[tokio::test]
async fn the_placement_end_shows_as_on_contract_until_for_the_agency_and_the_contractor_and_extensions_move_it() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let submission = approved_submission(&app, &desk).await;
    let jane = contractor_joins(&app, &desk).await;
    let made = make_offer(&desk, submission, &[]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let offer = offers_of(&app, submission).await[0].0;
    assert_eq!(decide(&desk, submission, offer, "accept").await.status, StatusCode::SEE_OTHER);
    let placement = id_from(&place(&desk, submission, &[]).await);

    let record = format!("/contractors/{}", desk.contractor_id);
    let page = desk.recruiter.get(&record).await;
    assert_eq!(page.texts(".availability-line strong"), ["On contract until 31 Jul 2027"]);
    let me = jane.get("/me").await;
    assert_eq!(me.texts("h1.me-status"), ["On contract until 31 Jul 2027"]);
    assert!(me.text.contains("confirmed today"), "the placement counts as confirmed");

    // Extended to the end of the year with a new pay rate: history kept, "on contract until" moves.
    let page = format!("/placements/{placement}");
    let extended = desk
        .recruiter
        .submit(
            &page,
            &format!("{page}/extensions"),
            &[
                ("new_end_date", "2027-12-31"),
                ("new_pay_rate", "100"),
                ("new_bill_rate", ""),
                ("note", "Client renewed for H2"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(extended.status, StatusCode::SEE_OTHER, "{}", extended.text);
    let shown = desk.recruiter.get(&page).await;
    let terms = shown.texts(".terms-table tbody tr");
    assert_eq!(terms.len(), 2, "{terms:?}");
    assert!(terms[0].starts_with("1 Feb 2027 – 31 Jul 2027 EUR 95/hour EUR 120/hour"), "{terms:?}");
    assert!(terms[1].starts_with("1 Aug 2027 – 31 Dec 2027 EUR 100/hour EUR 120/hour"), "{terms:?}");
    assert!(terms[1].contains("Client renewed for H2"));
    assert_eq!(shown.texts(".margin"), ["EUR 20/hour (16.7%)"]);
    assert_eq!(app.count("placement_extensions").await, 1);
    assert_eq!(desk.recruiter.get(&record).await.texts(".availability-line strong"), ["On contract until 31 Dec 2027"]);
    assert_eq!(jane.get("/me").await.texts("h1.me-status"), ["On contract until 31 Dec 2027"]);

    // Not after the current end; a stale form is not applied.
    let too_early = desk
        .recruiter
        .submit(&page, &format!("{page}/extensions"), &[("new_end_date", "2027-11-30"), ("version", "2")])
        .await;
    assert_eq!(too_early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_early.field_error("new_end_date").unwrap().contains("after the current end, 31 Dec 2027"));
    assert_eq!(too_early.input_value("new_end_date").as_deref(), Some("2027-11-30"));
    let stale = desk
        .recruiter
        .submit(&page, &format!("{page}/extensions"), &[("new_end_date", "2028-03-31"), ("version", "1")])
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.text.contains("Someone else changed this placement"));
    assert_eq!(stale.input_value("version").as_deref(), Some("2"));
    assert_eq!(app.count("placement_extensions").await, 1);

    // Ended early: available from the next day.
    let ended = desk
        .recruiter
        .submit(&page, &format!("{page}/end"), &[("outcome", "ended"), ("ended_on", "2027-10-15"), ("version", "2")])
        .await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER, "{}", ended.text);
    assert_eq!(desk.recruiter.get(&record).await.texts(".availability-line strong"), ["Available from 16 Oct 2027"]);
    assert_eq!(jane.get("/me").await.texts("h1.me-status"), ["Available from 16 Oct 2027"]);
    assert_eq!(availability_of(&app, desk.contractor_id).await, ("from_date".to_string(), date(2027, 10, 16), None));
}

#[tokio::test]
async fn ending_leaves_availability_that_was_changed_since_the_placement() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let (_, placement) = placed(&app, &desk).await;
    assert_eq!(availability_of(&app, desk.contractor_id).await, ("on_contract".into(), None, date(2027, 7, 31)));
    // The recruiter records that Jane is no longer looking, then the placement is cancelled.
    let edit = format!("/contractors/{}/edit", desk.contractor_id);
    let form = desk.recruiter.get(&edit).await;
    let version = form.input_value("version").unwrap();
    let saved = desk
        .recruiter
        .submit(
            &edit,
            &format!("/contractors/{}", desk.contractor_id),
            &[
                ("name", "Jane Doe"),
                ("email", "jane@example.com"),
                ("skills", "Rust"),
                ("rate_floor", "80"),
                ("availability", "not_looking"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let page = format!("/placements/{placement}");
    let cancelled = desk
        .recruiter
        .submit(
            &page,
            &format!("{page}/end"),
            &[("outcome", "cancelled"), ("ended_on", "2026-12-01"), ("version", "1")],
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER, "{}", cancelled.text);
    assert_eq!(availability_of(&app, desk.contractor_id).await.0, "not_looking");
    let status: String = app
        .with_db(move |conn| placements::table.find(placement).select(placements::status).first(conn).unwrap())
        .await;
    assert_eq!(status, "cancelled");
    // An ended placement cannot be extended or ended again.
    let again = desk
        .recruiter
        .submit(&page, &format!("{page}/extensions"), &[("new_end_date", "2028-01-31"), ("version", "2")])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_bill_rate_below_the_pay_rate_is_refused() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let (submission, _) = accepted_offer(&app, &desk).await;
    let refused = place(&desk, submission, &[("bill_rate", "90")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.field_error("bill_rate").unwrap().contains("The bill rate is below the pay rate"));
    assert_eq!(refused.input_value("bill_rate").as_deref(), Some("90"));
    assert_eq!(refused.input_value("pay_rate").as_deref(), Some("95"));
    assert_eq!(app.count("placements").await, 0);
    assert_eq!(state_of(&app, submission).await.0, "offer");
    assert_eq!(availability_of(&app, desk.contractor_id).await.0, "now", "nothing half-saved");
}

#[tokio::test]
async fn a_second_placement_for_the_same_submission_is_refused() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let (submission, placement) = placed(&app, &desk).await;
    let again = place(&desk, submission, &[("end_date", "2027-12-31")]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(again.location(), format!("/placements/{placement}"));
    let page = desk.recruiter.get(again.location()).await;
    assert!(page.text.contains("already has a placement"), "{}", page.text);
    assert_eq!(app.count("placements").await, 1);
    let end: NaiveDate = app
        .with_db(move |conn| placements::table.find(placement).select(placements::end_date).first(conn).unwrap())
        .await;
    assert_eq!(Some(end), date(2027, 7, 31), "the first placement is unchanged");
    // The form itself sends them to the placement.
    let form = desk.recruiter.get(&format!("/submissions/{submission}/placement/new")).await;
    assert_eq!(form.location(), format!("/placements/{placement}"));
}

/// What agency A holds, to prove nothing changed.
async fn snapshot(app: &TestApp) -> (i64, i64, i64, Vec<(i64, i32, String)>, i64) {
    let rows: Vec<(i64, i32, String)> = app
        .with_db(|conn| {
            placements::table
                .order(placements::id)
                .select((placements::id, placements::version, placements::status))
                .load(conn)
                .unwrap()
        })
        .await;
    let open: i64 =
        app.with_db(|conn| offers::table.filter(offers::status.eq("made")).count().get_result(conn).unwrap()).await;
    let extensions: i64 = app.with_db(|conn| placement_extensions::table.count().get_result(conn).unwrap()).await;
    (app.count("offers").await, app.count("placements").await, extensions, rows, open)
}

#[tokio::test]
async fn another_agency_gets_404_on_every_offer_and_placement_route() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let (submission, placement) = placed(&app, &desk).await;
    let offer = offers_of(&app, submission).await[0].0;
    let other = desk_with_job(&app, "Beta Talent", "beta.test", "initech.example", "joe@example.com").await;
    let before = snapshot(&app).await;

    let offer_fields = [
        ("offer_rate", "10"),
        ("offer_currency", "EUR"),
        ("offer_unit", "hour"),
        ("offer_start", "2027-02-01"),
        ("offer_end", ""),
    ];
    let placement_fields = [
        ("start_date", "2027-02-01"),
        ("end_date", "2027-03-01"),
        ("pay_rate", "10"),
        ("bill_rate", "11"),
        ("currency", "EUR"),
        ("rate_unit", "hour"),
    ];
    let extension_fields =
        [("new_end_date", "2029-01-01"), ("new_pay_rate", ""), ("new_bill_rate", ""), ("note", ""), ("version", "1")];
    let end_fields = [("outcome", "cancelled"), ("ended_on", "2027-02-01"), ("version", "1")];
    let routes: Vec<(&str, &str)> = [nextgig::routes::offers::ROUTES, nextgig::routes::placements::ROUTES].concat();
    let with_id: Vec<&(&str, &str)> = routes.iter().filter(|(_, p)| p.contains("{id}")).collect();
    assert_eq!(with_id.len(), 8, "every route with an id is covered");
    for (method, pattern) in with_id {
        let id = if pattern.starts_with("/offers") {
            offer
        } else if pattern.starts_with("/placements") {
            placement
        } else {
            submission
        };
        let fields: &[(&str, &str)] = match *pattern {
            "/submissions/{id}/offers" => &offer_fields,
            "/offers/{id}/decision" => &[("decision", "withdraw")],
            "/submissions/{id}/placement" => &placement_fields,
            "/placements/{id}/extensions" => &extension_fields,
            "/placements/{id}/end" => &end_fields,
            _ => &[],
        };
        let foreign = pattern.replace("{id}", &id.to_string());
        let missing = pattern.replace("{id}", "999999");
        let (theirs, absent) = if *method == "GET" {
            (other.recruiter.get(&foreign).await, other.recruiter.get(&missing).await)
        } else {
            (
                other.recruiter.submit("/placements", &foreign, fields).await,
                other.recruiter.submit("/placements", &missing, fields).await,
            )
        };
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{method} {foreign}");
        assert_eq!(
            theirs.without_tokens(),
            absent.without_tokens(),
            "{method} {foreign}: foreign answers like missing"
        );
        assert!(!theirs.text.contains("Jane Doe"), "{method} {foreign}");
    }
    // The list, filtered by A's contractor, answers like a missing one; unfiltered it shows nothing of A.
    let theirs = other.recruiter.get(&format!("/placements?contractor_id={}", desk.contractor_id)).await;
    let absent = other.recruiter.get("/placements?contractor_id=999999").await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!(theirs.without_tokens(), absent.without_tokens());
    let list = other.recruiter.get("/placements?all=1").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.text.contains("Jane Doe") && !list.text.contains("Globex"));
    assert_eq!(snapshot(&app).await, before, "nothing of agency A changed");
    // A still sees its own.
    assert_eq!(desk.recruiter.get(&format!("/placements/{placement}")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_placed_contractor_cannot_withdraw_consent_and_nothing_changes() {
    let app = spawn_app().await;
    let desk = desk_with_job(&app, "Acme Staffing", "acme.test", "globex.example", "jane@example.com").await;
    let (submission, _) = placed(&app, &desk).await;
    assert_eq!(state_of(&app, submission).await.0, "placed");
    let link = crate::pipeline::consent_link(&app, &desk).await;
    let page = app.client().get(&link).await;
    assert!(page.text.contains("You were placed in this role"), "{}", page.text);
    assert!(!page.text.contains("Withdraw my consent"), "no withdrawal is offered");
    // A forged form is refused all the same.
    let refused = crate::pipeline::decide_by_link(&app, &link, "withdraw").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    assert!(refused.text.contains("You were placed in this role"), "{}", refused.text);
    let (status, representations): (String, i64) = app
        .with_db(move |conn| {
            use nextgig::db::schema::{consents, representations};
            let status = consents::table
                .filter(consents::submission_id.eq(submission))
                .select(consents::status)
                .first(conn)
                .unwrap();
            let active =
                representations::table.filter(representations::ended_at.is_null()).count().get_result(conn).unwrap();
            (status, active)
        })
        .await;
    assert_eq!((status.as_str(), representations), ("approved", 1));
}
