//! Building the application (also used by the tests) and running the server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{Compress, Next, from_fn};
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;

use crate::auth::password::PasswordHasher;
use crate::auth::session;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{self, PoolOptions};
use crate::error::AppError;
use crate::jobs::Jobs;
use crate::models::validation;
use crate::pages::ErrorPage;
use crate::routes;
use crate::state::AppState;
use crate::telemetry::RequestSpan;
use crate::text_reader::TextReader;

/// The Content-Security-Policy of every response: no inline script, nothing from other origins.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Opens the database (migrating it) and builds the shared state.
pub fn build_state(config: Config, clock: Clock) -> Result<AppState, db::SetupError> {
    let options = PoolOptions { max_size: config.db_pool_size, timeout: config.db_timeout() };
    let (pool, target, statements) = db::open(&config.database_url, &options)?;
    let hasher = PasswordHasher::new(config.hashing_permits());
    let text_reader = TextReader::from_config(&config);
    Ok(AppState {
        pool,
        backend: target.backend(),
        config: Arc::new(config),
        clock,
        hasher,
        statements,
        storage_full: Arc::default(),
        instance: crate::jobs::worker_id(),
        text_reader,
        imports_queued: Arc::new(tokio::sync::Notify::new()),
    })
}

/// A bound, ready-to-run server with its state.
pub struct Application {
    server: Server,
    port: u16,
    state: AppState,
}

impl Application {
    /// Binds the listener and builds the server (it starts serving on [`Application::run`]).
    pub fn build(state: AppState) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&state.config.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", state.config.bind))?;
        Self::build_with_listener(state, listener)
    }

    /// Like [`Application::build`], on a listener the caller bound (tests bind port 0 first, to
    /// know the address before the state is built).
    pub fn build_with_listener(state: AppState, listener: TcpListener) -> anyhow::Result<Self> {
        let config = state.config.clone();
        let port = listener.local_addr()?.port();
        let data = web::Data::new(state.clone());
        let workers = config.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::QueryConfig::default().error_handler(|err, _| {
                    AppError::BadRequest(format!("The address has a parameter NextGig cannot read: {err}.")).into()
                }))
                .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
                .configure(routes::configure)
                .default_service(web::to(|| async { Err::<actix_web::HttpResponse, _>(AppError::NotFound) }))
                .wrap(from_fn(session::middleware))
                .wrap(Compress::default())
                .wrap(TracingLogger::<RequestSpan>::new())
                .wrap(from_fn(security_headers))
        })
        // Pages go out in several writes (headers, then compressed chunks): without TCP_NODELAY,
        // Nagle's algorithm holds the last one until the client's delayed ACK, 40 ms later.
        .on_connect(|connection, _| {
            if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
                let _ = tcp.set_nodelay(true);
            }
        })
        .workers(workers.max(1))
        .worker_max_blocking_threads(config.max_blocking_threads.max(1))
        .shutdown_timeout(config.shutdown_timeout_seconds)
        .client_request_timeout(Duration::from_secs(30))
        .listen(listener)?
        .run();
        Ok(Self { server, port, state })
    }

    /// The port the server listens on (useful when BIND asked for port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGTERM or SIGINT (draining in-flight requests), running the background jobs
    /// alongside when enabled.
    pub async fn run(self) -> anyhow::Result<()> {
        let jobs = if self.state.config.background_jobs { Some(Jobs::start(self.state.clone())?) } else { None };
        if let Some(jobs) = &jobs {
            // The jobs stop as soon as the stop is asked for, not once requests have drained: a
            // running import is given back at once, for another instance to resume.
            let stop = jobs.ask_to_stop();
            actix_web::rt::spawn(async move {
                stop_requested().await;
                tracing::info!("stopping the background jobs while requests in flight finish");
                stop();
            });
        }
        let served = self.server.await;
        if let Some(jobs) = jobs {
            jobs.stop().await;
        }
        served.map_err(Into::into)
    }
}

/// Longest address (path and query string) NextGig reads. Real addresses are far shorter (a
/// search with many skills is about 1 KiB); the HTTP parser itself refuses past 64 KiB.
pub const MAX_ADDRESS_BYTES: usize = 8 * 1024;

/// Why the request's address is refused before any route sees it, if it is: too long (414), or a
/// query parameter with control characters or line breaks (422, like a form field).
fn refused_address(req: &ServiceRequest) -> Option<AppError> {
    let uri = req.uri();
    let length = uri.path_and_query().map_or(0, |p| p.as_str().len());
    if length > MAX_ADDRESS_BYTES {
        return Some(AppError::AddressTooLong);
    }
    let query = req.query_string();
    if query.is_empty() {
        return None;
    }
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let problems = validation::check_submitted(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    (!problems.is_empty()).then_some(AppError::Invalid(problems))
}

/// Waits for SIGTERM or SIGINT (the HTTP server hears them too, and drains).
async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// The outermost layer: turns errors into pages and puts the security headers on every
/// response, error pages included.
async fn security_headers(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // HEAD is GET without the body (RFC 9110): route it as GET; the HTTP layer, which saw the
    // request as HEAD, sends the headers only.
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    // (The request must not be cloned before routing, so errors are turned into pages by the
    // layers below; the session middleware never returns `Err`.)
    let https = req.app_data::<web::Data<AppState>>().is_some_and(|s| s.config.is_https());
    let mut response = match refused_address(&req) {
        Some(error) => req.error_response(error).map_into_boxed_body(),
        None => next.call(req).await?.map_into_boxed_body(),
    };
    // Errors raised below us without a page (405, 413, …) get the app's error page.
    let status = response.status();
    if (status.is_client_error() || status.is_server_error()) && !response.headers().contains_key(header::CONTENT_TYPE)
    {
        let page = ErrorPage::for_status(status, String::new()).into_response(status);
        response = response.map_body(|head, _| {
            head.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            page.into_body()
        });
    }
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "same-origin");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    set(HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=(), payment=()");
    set(header::CACHE_CONTROL, "no-store");
    if https {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
    }
    Ok(response)
}
