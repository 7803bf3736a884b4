use nextgig::jobs::outbox::{Mailer, run_once};
use nextgig::mail::Email;

use crate::helpers::spawn_app;

#[tokio::test]
async fn two_workers_send_each_message_exactly_once() {
    let app = spawn_app().await;
    let now = app.clock.now();
    app.with_db(move |conn| {
        for n in 0..30 {
            let email = Email {
                to: format!("person{n}@example.test"),
                subject: format!("Message {n}"),
                text: format!("Body {n}"),
            };
            nextgig::models::outbox::enqueue(conn, None, &email, now).unwrap();
        }
    })
    .await;
    let first = Mailer::from_config(&app.state.config).unwrap();
    let second = Mailer::from_config(&app.state.config).unwrap();
    let mut sent = 0;
    for _ in 0..5 {
        let (a, b) = tokio::join!(run_once(&app.state, &first, "worker-a"), run_once(&app.state, &second, "worker-b"));
        sent += a.unwrap() + b.unwrap();
        // Let the lease lapse now and then so the other worker gets turns too.
        app.clock.advance(chrono::TimeDelta::seconds(61));
    }
    assert_eq!(sent, 30);
    let emails = app.emails();
    assert_eq!(emails.len(), 30, "one file per message");
    let mut subjects: Vec<_> = emails.iter().map(|e| e.subject.clone()).collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 30, "no message twice");
    let rows = app.with_db(|conn| nextgig::models::outbox::all(conn).unwrap()).await;
    assert!(rows.iter().all(|m| m.sent_at.is_some() && m.attempts == 1));
}

#[tokio::test]
async fn a_message_that_cannot_be_sent_is_retried_later() {
    let app = spawn_app().await;
    let now = app.clock.now();
    app.with_db(move |conn| {
        let email = Email { to: "not an address".into(), subject: "Broken".into(), text: "x".into() };
        nextgig::models::outbox::enqueue(conn, None, &email, now).unwrap();
    })
    .await;
    let mailer = Mailer::from_config(&app.state.config).unwrap();
    assert_eq!(run_once(&app.state, &mailer, "w").await.unwrap(), 0);
    let rows = app.with_db(|conn| nextgig::models::outbox::all(conn).unwrap()).await;
    assert_eq!(rows[0].attempts, 1);
    assert!(rows[0].sent_at.is_none());
    // Not retried at once...
    assert_eq!(run_once(&app.state, &mailer, "w").await.unwrap(), 0);
    let rows = app.with_db(|conn| nextgig::models::outbox::all(conn).unwrap()).await;
    assert_eq!(rows[0].attempts, 1);
    // ...but after the back-off.
    app.clock.advance(chrono::TimeDelta::minutes(2));
    run_once(&app.state, &mailer, "w").await.unwrap();
    let rows = app.with_db(|conn| nextgig::models::outbox::all(conn).unwrap()).await;
    assert_eq!(rows[0].attempts, 2);
}
