//! Background work: the outbox sender, the sweeps, the import runner and the reading of
//! documents' text. Each loop takes a database lease (or a claim on each piece of work) before
//! working, so with several instances on one database each piece of work runs on one at a time.

pub mod dashboards;
pub mod digest;
pub mod documents;
pub mod imports;
pub mod outbox;
pub mod pipeline;
pub mod reminders;
pub mod sweeper;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::state::AppState;

/// A name for this process in lease and claim rows: host, process id and a random suffix.
pub fn worker_id() -> String {
    let host = hostname();
    format!("{host}-{}-{}", std::process::id(), &crate::models::token::random_hex(4))
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "nextgig".into())
}

/// The running background loops; dropping or stopping it ends them.
pub struct Jobs {
    stop: Arc<watch::Sender<bool>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Jobs {
    /// Starts the outbox sender, the sweeps, the import runner and the document text sweep.
    pub fn start(app: AppState) -> anyhow::Result<Self> {
        let (stop, stopped) = watch::channel(false);
        let mailer = outbox::Mailer::from_config(&app.config)?;
        let worker = app.instance.clone();
        let every = Duration::from_secs(app.config.outbox_interval_seconds.max(1));
        let sweep = |default| app.config.sweep_every(default);
        let tasks = vec![
            tokio::spawn(outbox::run(app.clone(), mailer, worker.clone(), every, stopped.clone())),
            tokio::spawn(reminders::run(app.clone(), worker.clone(), sweep(reminders::EVERY), stopped.clone())),
            tokio::spawn(dashboards::run(app.clone(), worker.clone(), sweep(dashboards::EVERY), stopped.clone())),
            tokio::spawn(digest::run(app.clone(), worker.clone(), sweep(digest::EVERY), stopped.clone())),
            tokio::spawn(pipeline::run(app.clone(), worker.clone(), sweep(pipeline::EVERY), stopped.clone())),
            tokio::spawn(imports::run(app.clone(), sweep(imports::EVERY), stopped.clone())),
            tokio::spawn(documents::run(app.clone(), sweep(documents::EVERY), stopped.clone())),
            tokio::spawn(sweeper::run(app.clone(), worker, sweep(sweeper::EVERY), stopped)),
        ];
        Ok(Self { stop: Arc::new(stop), tasks })
    }

    /// Asks the loops to finish their current round and stop, without waiting: called when
    /// SIGTERM arrives, so that a running import is given back while requests still drain.
    pub fn ask_to_stop(&self) -> impl FnOnce() + Send + 'static {
        let stop = self.stop.clone();
        move || {
            let _ = stop.send(true);
        }
    }

    /// Asks the loops to finish their current round and waits for them.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Waits `every`, or returns true at once when asked to stop.
pub(crate) async fn wait_or_stop(every: Duration, stopped: &mut watch::Receiver<bool>) -> bool {
    if *stopped.borrow() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(every) => *stopped.borrow(),
        _ = stopped.changed() => true,
    }
}
