//! The page frame every template shares: the `Layout` value (signed-in user, CSRF token, flash
//! messages, navigation), embedded static assets, the error page and small render helpers.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use askama::Template;
use chrono::NaiveDateTime;
use chrono_tz::Tz;
use rust_embed::RustEmbed;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::models::session::SessionUser;

/// Our own CSS, script and icons, compiled into the binary.
#[derive(RustEmbed)]
#[folder = "static/"]
pub struct Assets;

/// Short content hashes of the embedded assets, used to give each a cache-busting URL.
fn asset_versions() -> &'static HashMap<String, String> {
    static VERSIONS: OnceLock<HashMap<String, String>> = OnceLock::new();
    VERSIONS.get_or_init(|| {
        Assets::iter()
            .filter_map(|name| {
                let file = Assets::get(&name)?;
                Some((name.to_string(), hex::encode(&file.metadata.sha256_hash()[..6])))
            })
            .collect()
    })
}

/// The URL of an embedded asset, with its content hash so it can be cached for a year.
pub fn asset_url(name: &str) -> String {
    match asset_versions().get(name) {
        Some(version) => format!("/static/{name}?v={version}"),
        None => format!("/static/{name}"),
    }
}

/// How a flash message looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlashKind {
    /// Something was done.
    Success,
    /// Something to know.
    Info,
    /// Something went wrong.
    Error,
}

/// A one-time message shown on the next page (after a redirect).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    /// How it looks.
    pub kind: FlashKind,
    /// What it says.
    pub message: String,
}

impl Flash {
    /// A success message.
    pub fn success(message: impl Into<String>) -> Self {
        Self { kind: FlashKind::Success, message: message.into() }
    }

    /// An informational message.
    pub fn info(message: impl Into<String>) -> Self {
        Self { kind: FlashKind::Info, message: message.into() }
    }

    /// An error message.
    pub fn error(message: impl Into<String>) -> Self {
        Self { kind: FlashKind::Error, message: message.into() }
    }

    /// The CSS class of this message.
    pub fn class(&self) -> &'static str {
        match self.kind {
            FlashKind::Success => "flash flash-success",
            FlashKind::Info => "flash flash-info",
            FlashKind::Error => "flash flash-error",
        }
    }
}

/// Which part of the navigation is current.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// No section (sign-in pages, errors).
    None,
    /// The dashboard.
    Home,
    /// Team administration.
    Team,
    /// The audit log.
    Audit,
    /// The signed-in user's own account.
    Account,
    /// The agency's contractors (search).
    Contractors,
    /// Clients and their contacts.
    Clients,
    /// Jobs.
    Jobs,
    /// "My tasks".
    Tasks,
    /// Hotlists.
    Hotlists,
    /// The contractor's home.
    Me,
    /// The contractor's agencies.
    MeAgencies,
    /// The contractor's submissions.
    MeSubmissions,
    /// The contractor's outside submissions.
    MeOutside,
    /// The contractor's data: export and deletion.
    MeData,
    /// Requests to put the contractor forward.
    MeConsents,
    /// Reports.
    Reports,
    /// Placements.
    Placements,
    /// The agency's pipeline stages and settings.
    Pipeline,
}

impl Section {
    /// The section's name as templates refer to it.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "",
            Self::Home => "home",
            Self::Team => "team",
            Self::Audit => "audit",
            Self::Account => "account",
            Self::Contractors => "contractors",
            Self::Clients => "clients",
            Self::Jobs => "jobs",
            Self::Tasks => "tasks",
            Self::Hotlists => "hotlists",
            Self::Me => "me",
            Self::MeAgencies => "me-agencies",
            Self::MeSubmissions => "me-submissions",
            Self::MeOutside => "me-outside",
            Self::MeData => "me-data",
            Self::MeConsents => "me-consents",
            Self::Reports => "reports",
            Self::Placements => "placements",
            Self::Pipeline => "pipeline",
        }
    }
}

/// What every page template receives: who is signed in, the CSRF token for its forms, the
/// flash messages to show, and the current navigation section.
#[derive(Clone, Debug)]
pub struct Layout {
    /// The signed-in user, if any.
    pub user: Option<SessionUser>,
    /// The token every form on the page carries as `csrf_token`.
    pub csrf_token: String,
    /// Messages left by the previous request.
    pub flashes: Vec<Flash>,
    /// The current navigation section.
    pub section: Section,
}

impl Layout {
    /// A frame with no user and no forms (error pages).
    pub fn bare() -> Self {
        Self { user: None, csrf_token: String::new(), flashes: Vec::new(), section: Section::None }
    }

    /// The URL of an embedded asset.
    pub fn asset(&self, name: &str) -> String {
        asset_url(name)
    }

    /// True when the section named `name` is the current one (for `aria-current`).
    pub fn section_is(&self, name: &str) -> bool {
        self.section.name() == name
    }

    /// True when the signed-in user is staff of an agency.
    pub fn is_staff(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.agency_id.is_some())
    }

    /// True when the signed-in user is a contractor.
    pub fn is_contractor(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.kind == crate::models::user::KIND_CONTRACTOR)
    }

    /// True when the signed-in user is an agency admin.
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(SessionUser::is_admin)
    }

    /// The viewer's time zone (UTC when unknown).
    pub fn time_zone(&self) -> Tz {
        self.user.as_ref().map_or(Tz::UTC, SessionUser::tz)
    }

    /// A UTC instant shown in the viewer's time zone, e.g. "25 Nov 2026, 14:05".
    pub fn when(&self, at: &NaiveDateTime) -> String {
        at.and_utc().with_timezone(&self.time_zone()).format("%-d %b %Y, %H:%M").to_string()
    }

    /// Like [`Layout::when`], for an optional instant ("—" when absent).
    pub fn when_opt(&self, at: &Option<NaiveDateTime>) -> String {
        at.as_ref().map_or_else(|| "—".to_string(), |at| self.when(at))
    }
}

/// The page shown for every error status, in the app's frame.
#[derive(Template)]
#[template(path = "errors/error.html")]
pub struct ErrorPage {
    /// The frame (no user: error pages are rendered without the request).
    pub layout: Layout,
    /// The HTTP status code.
    pub status: u16,
    /// A short title.
    pub title: &'static str,
    /// What happened, in plain words.
    pub message: Cow<'static, str>,
}

impl ErrorPage {
    /// The page for `status`, with an optional specific message.
    pub fn for_status(status: StatusCode, detail: String) -> Self {
        let (title, default): (&'static str, &'static str) = match status.as_u16() {
            400 => ("Bad request", "The request could not be read. Go back, check the form and try again."),
            403 => (
                "Not allowed",
                "This form has expired or was sent from another site. Go back, reload the page and try again.",
            ),
            404 => ("Page not found", "There is nothing here. The link may be wrong, or what it pointed to is gone."),
            405 => ("Method not allowed", "This address does not accept that kind of request."),
            413 => ("Too large", "What you sent is larger than NextGig accepts. Send something smaller."),
            414 => (
                "Address too long",
                "This address is longer than NextGig accepts. Go back and search with fewer or shorter terms.",
            ),
            422 => ("Check your input", "Some of what you entered needs fixing."),
            429 => ("Too many attempts", "Too many attempts in a short time. Wait a few minutes, then try again."),
            503 => (
                "Temporarily unavailable",
                "NextGig cannot reach its database right now. Nothing was lost; try again in a few seconds.",
            ),
            _ if status.is_server_error() => (
                "Something went wrong",
                "An unexpected error stopped this page. It has been logged; try again, and tell your admin if it keeps happening.",
            ),
            _ => ("Error", "The request could not be completed."),
        };
        let message = if detail.is_empty() { Cow::Borrowed(default) } else { Cow::Owned(detail) };
        Self { layout: Layout::bare(), status: status.as_u16(), title, message }
    }

    /// The 503 page for a database whose storage is full: what was sent is not saved, reading
    /// still works, and it comes right by itself once space is freed.
    pub fn storage_full() -> Self {
        Self {
            layout: Layout::bare(),
            status: 503,
            title: "Storage full",
            message: Cow::Borrowed(
                "NextGig cannot save anything right now: its storage is full. What you just sent was not saved. \
                 You can still open and read pages. Tell your admin; saving works again as soon as disk space is freed.",
            ),
        }
    }

    /// The rendered page with `status`.
    pub fn into_response(self, status: StatusCode) -> HttpResponse {
        match self.render() {
            Ok(body) => HttpResponse::build(status).content_type(ContentType::html()).body(body),
            Err(_) => {
                HttpResponse::build(status).content_type(ContentType::plaintext()).body(self.message.into_owned())
            }
        }
    }
}

/// A rendered page with 200 OK.
pub fn html<T: Template>(page: &T) -> Result<HttpResponse, AppError> {
    html_with_status(StatusCode::OK, page)
}

/// A rendered page with the given status (422 for a form shown again with errors).
pub fn html_with_status<T: Template>(status: StatusCode, page: &T) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status).content_type(ContentType::html()).body(page.render()?))
}

/// A 303 redirect: the answer to a successful form. A location that cannot be a header value
/// (every caller builds it from [`return_target`] or from ids, so this is a bug) goes home rather
/// than failing as a bare 500.
pub fn redirect(location: &str) -> HttpResponse {
    let value = header::HeaderValue::from_str(location).unwrap_or_else(|_| {
        tracing::error!("a redirect location was not a valid header value");
        header::HeaderValue::from_static("/")
    });
    HttpResponse::SeeOther().insert_header((header::LOCATION, value)).finish()
}

/// True when two strings are equal, whatever their reference types (for templates).
pub fn same(a: impl AsRef<str>, b: impl AsRef<str>) -> bool {
    a.as_ref() == b.as_ref()
}

/// Percent-encodes a value for a query string.
pub fn encode_query(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Where to send the browser back to inside the app: `raw` when it is a path on this site,
/// otherwise `default`. This is the one decision for every return target (`next`, `back`,
/// `return_to`), so that none of them can send anyone to another site.
///
/// Accepted: printable ASCII only (no controls, spaces, backslashes or non-ASCII, which browsers
/// strip or rewrite before resolving), starting with exactly one `/`, and still a path on this
/// origin once resolved (`/.//host` would not be). Everything else falls back to `default`.
pub fn return_target(raw: &str, default: &str) -> String {
    let printable = !raw.is_empty() && raw.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'\\');
    if !printable || !raw.starts_with('/') || raw.starts_with("//") {
        return default.to_string();
    }
    const ORIGIN: &str = "http://nextgig.invalid/";
    let stays = url::Url::parse(ORIGIN).and_then(|origin| origin.join(raw)).is_ok_and(|resolved| {
        resolved.origin() == url::Url::parse(ORIGIN).expect("a valid URL").origin()
            && !resolved.path().starts_with("//")
    });
    if stays { raw.to_string() } else { default.to_string() }
}

#[cfg(test)]
mod tests {
    use askama::Template;

    use crate::models::validation::FieldErrors;

    #[derive(Template)]
    #[template(path = "_check/form_macros.html")]
    struct MacroCheck<'a> {
        value: String,
        options: &'a [(&'a str, &'a str)],
        text: String,
        errors: FieldErrors,
    }

    #[test]
    fn return_targets_stay_on_this_site() {
        for good in ["/", "/contractors?q=rust&skill=SQL", "/tasks#due", "/jobs/12", "/a%2F%2Fb", "/%09x"] {
            assert_eq!(super::return_target(good, "/home"), good, "{good}");
        }
        for bad in [
            "",
            "//evil.example/x",
            "/\\evil.example",
            "\\/evil.example",
            "/\t/evil.example/x",
            "/\n/evil.example",
            "/\r\nSet-Cookie:x=1",
            "/\0",
            "/\u{7f}",
            " /x",
            "/x y",
            "https://evil.example/",
            "javascript:alert(1)",
            "evil.example",
            "/.//evil.example",
            "/caf\u{e9}",
            "/\u{2215}\u{2215}evil.example",
        ] {
            assert_eq!(super::return_target(bad, "/home"), "/home", "{bad:?}");
        }
    }

    #[test]
    fn form_macros_render_labels_values_and_errors() {
        let mut errors = FieldErrors::default();
        errors.add("notes", "Too long <b>");
        let page = MacroCheck {
            value: "remote".into(),
            options: &[("onsite", "On site"), ("remote", "Remote")],
            text: "<script>".into(),
            errors,
        }
        .render()
        .unwrap();
        assert!(page.contains(r#"<option value="remote" selected>Remote</option>"#), "{page}");
        assert!(page.contains(r#"<option value="">Any</option>"#));
        assert!(page.contains("&#60;script&#62;</textarea>"), "{page}");
        assert!(page.contains(r#"id="f-notes-error">Too long &#60;b&#62;"#));
        assert!(!page.contains("<script>"));
    }
}
