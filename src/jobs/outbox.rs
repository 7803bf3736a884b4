//! The outbox sender: claims due messages and delivers them by SMTP, or as .eml files in
//! `MAIL_DIR` when no SMTP server is configured.

use std::path::PathBuf;
use std::time::Duration;

use chrono::TimeDelta;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::watch;

use crate::config::Config;
use crate::error::AppError;
use crate::models::{lease, outbox};
use crate::state::AppState;

/// The lease that makes one instance at a time send.
pub const LEASE: &str = "outbox";
/// Messages claimed per round.
const BATCH: i64 = 50;

/// Where emails go.
pub enum Mailer {
    /// An SMTP server.
    Smtp { transport: AsyncSmtpTransport<Tokio1Executor>, from: Mailbox },
    /// .eml files in a folder.
    Files { transport: AsyncFileTransport<Tokio1Executor>, dir: PathBuf, from: Mailbox },
}

impl Mailer {
    /// The mailer the settings describe (SMTP_URL, else MAIL_DIR, created if missing).
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("MAIL_FROM {:?} is not a valid address: {e}", config.mail_from))?;
        match &config.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("SMTP_URL is not usable: {e}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build();
                Ok(Self::Smtp { transport, from })
            }
            None => {
                std::fs::create_dir_all(&config.mail_dir)
                    .map_err(|e| anyhow::anyhow!("cannot create MAIL_DIR {}: {e}", config.mail_dir.display()))?;
                let transport = AsyncFileTransport::<Tokio1Executor>::new(&config.mail_dir);
                Ok(Self::Files { transport, dir: config.mail_dir.clone(), from })
            }
        }
    }

    fn from(&self) -> &Mailbox {
        match self {
            Self::Smtp { from, .. } | Self::Files { from, .. } => from,
        }
    }

    /// Delivers one message; the error is kept on the message for the next attempt.
    pub async fn send(&self, message: &outbox::OutboxMessage) -> Result<(), String> {
        let to: Mailbox = message.recipient.parse().map_err(|e| format!("bad recipient: {e}"))?;
        let builder = Message::builder().from(self.from().clone()).to(to).subject(message.subject.clone());
        let email = match (&message.attachment_name, &message.attachment_body) {
            // A plain-text part and the file (an interview's .ics) beside it.
            (Some(name), Some(body)) => {
                let kind = message.attachment_type.as_deref().unwrap_or("application/octet-stream");
                let kind = ContentType::parse(&format!("{kind}; charset=utf-8"))
                    .map_err(|e| format!("bad attachment type: {e}"))?;
                builder.multipart(
                    MultiPart::mixed()
                        .singlepart(SinglePart::plain(message.body_text.clone()))
                        .singlepart(Attachment::new(name.clone()).body(body.clone(), kind)),
                )
            }
            _ => builder.header(ContentType::TEXT_PLAIN).body(message.body_text.clone()),
        }
        .map_err(|e| format!("cannot build the message: {e}"))?;
        match self {
            Self::Smtp { transport, .. } => {
                transport.send(email).await.map_err(|e| format!("SMTP: {e}"))?;
                tracing::info!(outbox_id = message.id, "email sent by SMTP");
            }
            Self::Files { transport, dir, .. } => {
                let id = transport.send(email).await.map_err(|e| format!("file: {e}"))?;
                tracing::info!(outbox_id = message.id, file = %dir.join(format!("{id}.eml")).display(), "email written to file");
            }
        }
        Ok(())
    }
}

/// One round: take the lease, claim due messages, send each, record the outcome.
/// Returns how many were sent.
pub async fn run_once(app: &AppState, mailer: &Mailer, worker: &str) -> Result<usize, AppError> {
    let now = app.clock.now();
    let ttl = app.config.lease(TimeDelta::seconds(60));
    let holder = worker.to_string();
    let batch = app
        .db(move |conn| {
            if !lease::try_acquire(conn, LEASE, &holder, ttl, now)? {
                return Ok(Vec::new());
            }
            outbox::claim_due(conn, &holder, BATCH, now)
        })
        .await?;
    let mut sent = 0;
    let claimed = std::time::Instant::now();
    for message in batch {
        // Stop well before the claims lapse (a slow SMTP server): another instance may then claim
        // the rest, and must not find one this round is still about to send.
        if claimed.elapsed() > Duration::from_secs(outbox::CLAIM_MINUTES.unsigned_abs() * 60 / 2) {
            tracing::warn!("outbox round stopped early: its claims would lapse; the rest go next round");
            break;
        }
        let outcome = mailer.send(&message).await;
        let now = app.clock.now();
        let (id, attempts) = (message.id, message.attempts);
        match outcome {
            Ok(()) => {
                app.db(move |conn| outbox::mark_sent(conn, id, now)).await?;
                sent += 1;
            }
            Err(error) => {
                tracing::warn!(outbox_id = id, %error, "email not sent; will retry");
                app.db(move |conn| outbox::mark_failed(conn, id, attempts, &error, now)).await?;
            }
        }
    }
    Ok(sent)
}

/// The sender loop, until asked to stop.
pub async fn run(app: AppState, mailer: Mailer, worker: String, every: Duration, mut stopped: watch::Receiver<bool>) {
    loop {
        if let Err(e) = run_once(&app, &mailer, &worker).await {
            tracing::warn!(error = %e, "outbox round failed");
        }
        if super::wait_or_stop(every, &mut stopped).await {
            break;
        }
    }
    let holder = worker.clone();
    let _ = app.db(move |conn| lease::release(conn, LEASE, &holder)).await;
}
