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

/// Installs the global log subscriber, writing to standard error (once; later calls do nothing).
pub fn init(config: &Config) {
    init_with_writer(config, std::io::stderr);
}

/// Like [`init`], writing log lines to `writer` (the tests read the log this way, to prove that
/// no secret reaches it).
pub fn init_with_writer<W>(config: &Config, writer: W)
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let (filter, invalid) = match EnvFilter::try_new(&config.log_filter) {
        Ok(filter) => (filter, None),
        Err(e) => (EnvFilter::new("info"), Some(e)),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_writer(writer);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
    // Say so rather than silently logging at another level than the operator asked for.
    if let Some(e) = invalid {
        tracing::warn!(filter = %config.log_filter, error = %e, "RUST_LOG is not a valid filter; logging at info");
    }
}

/// Path parameters that are secrets (the token of an emailed or shared link): never logged or
/// recorded, whatever the route.
const SECRET_PARAMETERS: &[&str] = &["token"];

/// The request's path as it may be logged or recorded: its route pattern with every parameter
/// filled in except secrets, which stay as their name (`POST /password-reset/{token}`,
/// `POST /contractors/12/archive`). A path that matched no route is not shown at all: nothing
/// says what it holds. The query string is never included.
pub fn shown_path(req: &actix_web::HttpRequest) -> String {
    let Some(pattern) = req.match_pattern() else { return "(no route)".to_string() };
    let info = req.match_info();
    let mut shown = String::with_capacity(pattern.len());
    let mut rest = pattern.as_str();
    while let Some(start) = rest.find('{') {
        shown.push_str(&rest[..start]);
        let Some(length) = rest[start..].find('}') else {
            rest = "";
            break;
        };
        let spec = &rest[start + 1..start + length];
        let name = spec.split(':').next().unwrap_or(spec);
        if SECRET_PARAMETERS.contains(&name) {
            shown.push('{');
            shown.push_str(name);
            shown.push('}');
        } else {
            let value = info.get(name).unwrap_or("");
            shown.extend(value.chars().filter(|c| !c.is_control()).take(80));
        }
        rest = &rest[start + length + 1..];
    }
    shown.push_str(rest);
    shown
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
