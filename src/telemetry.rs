//! Logging: text or JSON lines, filtered by `RUST_LOG`, one line per request with its request id,
//! route pattern, status and duration. Paths are logged as their route pattern and query strings
//! never, so tokens in links (`/invitations/{token}`, `/setup?token=`) stay out of the logs.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};
use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat};

/// Installs the global log subscriber (once; later calls do nothing).
pub fn init(config: &Config) {
    let (filter, invalid) = match EnvFilter::try_new(&config.log_filter) {
        Ok(filter) => (filter, None),
        Err(e) => (EnvFilter::new("info"), Some(e)),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
    // Say so rather than silently logging at another level than the operator asked for.
    if let Some(e) = invalid {
        tracing::warn!(filter = %config.log_filter, error = %e, "RUST_LOG is not a valid filter; logging at info");
    }
}

struct Started(Instant);

/// The request span: request id, method and route pattern; a log line when the request ends.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        request.extensions_mut().insert(Started(Instant::now()));
        let request_id = request.extensions().get::<RequestId>().map(ToString::to_string).unwrap_or_default();
        let route = request.match_pattern().unwrap_or_else(|| "(no route)".to_string());
        tracing::info_span!("request", request_id = %request_id, method = %request.method(), route = %route)
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let _entered = span.enter();
        match outcome {
            Ok(response) => {
                let elapsed = response
                    .request()
                    .extensions()
                    .get::<Started>()
                    .map_or(0.0, |s| s.0.elapsed().as_secs_f64() * 1000.0);
                let status = response.status().as_u16();
                if response.status().is_server_error() {
                    tracing::warn!(status, ms = format!("{elapsed:.1}"), "request failed");
                } else {
                    tracing::info!(status, ms = format!("{elapsed:.1}"), "request");
                }
            }
            Err(error) => {
                let status = error.as_response_error().status_code().as_u16();
                tracing::warn!(status, "request failed");
            }
        }
    }
}
