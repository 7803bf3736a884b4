//! `/imports…`: contractors from a CSV file (upload, map the columns, preview every row's
//! problems, import with progress, summary); and `/exports/contractors.csv`, a search's results
//! as CSV.

use std::sync::Arc;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;
use serde::Deserialize;

use crate::auth::Staff;
use crate::auth::csrf::{self, CsrfForm};
use crate::error::AppError;
use crate::models::audit::{self, Event};
use crate::models::contractor::SearchInput;
use crate::models::contractor_csv::{self, COLUMNS, ExportPosition};
use crate::models::csv_import::{self, Import, Problem, Progress, Report, StartOutcome};
use crate::pages::{self, Flash, Layout, Section};
use crate::routes::{HtmlQuery, parse_id, uploads};
use crate::state::AppState;

/// Registers this resource's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/imports").route(post().to(upload)))
        .service(resource("/imports/new").route(get().to(new)))
        .service(resource("/imports/{id}").route(get().to(show)))
        .service(resource("/imports/{id}/delimiter").route(post().to(delimiter)))
        .service(resource("/imports/{id}/mapping").route(post().to(mapping)))
        .service(resource("/imports/{id}/run").route(post().to(run)))
        .service(resource("/exports/contractors.csv").route(get().to(export)));
}

/// This resource's routes as (method, path pattern).
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/imports"),
    ("GET", "/imports/new"),
    ("GET", "/imports/{id}"),
    ("POST", "/imports/{id}/delimiter"),
    ("POST", "/imports/{id}/mapping"),
    ("POST", "/imports/{id}/run"),
    ("GET", "/exports/contractors.csv"),
];

/// Problems shown per page of a preview or summary.
pub const PROBLEMS_PAGE: usize = 200;
/// Earlier imports listed on the upload page.
const RECENT: i64 = 10;

#[derive(Template)]
#[template(path = "imports/new.html")]
struct NewPage {
    layout: Layout,
    error: Option<String>,
    recent: Vec<Import>,
    now: chrono::NaiveDateTime,
    max_mb: usize,
    max_rows: String,
}

async fn new_page(
    app: &AppState,
    staff: &Staff,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let scope = staff.scope;
    let recent = app.db(move |conn| csv_import::recent(conn, scope, RECENT)).await?;
    let layout = staff.session.layout(Section::Contractors);
    pages::html_with_status(
        status,
        &NewPage {
            layout,
            error,
            recent,
            now: app.clock.now(),
            max_mb: csv_import::MAX_UPLOAD_BYTES / (1024 * 1024),
            max_rows: "100,000".into(),
        },
    )
}

/// `GET /imports/new`: the upload form and the latest imports.
pub async fn new(app: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    new_page(&app, &staff, None, StatusCode::OK).await
}

/// Most bytes read and thrown away after refusing a large upload (see [`uploads::discard`]).
const DISCARD_LIMIT: usize = 4 * csv_import::MAX_UPLOAD_BYTES;

fn too_large_message() -> String {
    format!(
        "This file is larger than {} MB. Split it into smaller files and import them one after another.",
        csv_import::MAX_UPLOAD_BYTES / (1024 * 1024)
    )
}

/// `POST /imports`: a multipart upload (`csrf_token`, `file`, optional `delimiter`). The CSRF
/// token is checked here (the Origin check already ran in the middleware); the size is bounded
/// before the file is read whole.
pub async fn upload(
    app: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let declared: Option<usize> =
        req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let mut payload = payload.into_inner();
    if declared.is_some_and(|n| n > csv_import::MAX_UPLOAD_BYTES + 64 * 1024) {
        uploads::discard(&mut payload, DISCARD_LIMIT).await;
        return new_page(&app, &staff, Some(too_large_message()), StatusCode::PAYLOAD_TOO_LARGE).await;
    }
    if req.content_type() != "multipart/form-data" {
        // Not an upload: a form without a valid token is a forgery attempt like any other POST.
        let body = csrf::read_body(&mut payload, 64 * 1024).await?;
        let token = url::form_urlencoded::parse(&body).find(|(k, _)| k == "csrf_token").map(|(_, v)| v.into_owned());
        if !token.is_some_and(|t| staff.session.verify_csrf(&t)) {
            csrf::record_failure(&req, &staff.session).await;
            return Err(AppError::Csrf);
        }
        return Err(AppError::BadRequest("Choose a CSV file to upload.".into()));
    }
    let mut multipart = Multipart::new(req.headers(), payload);
    let mut verified = false;
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut delimiter = String::new();
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|e| AppError::BadRequest(format!("The upload could not be read: {e}.")))?;
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "csrf_token" => {
                let token = uploads::read_field(&mut field, 1024).await?.unwrap_or_default();
                if verified || !staff.session.verify_csrf(&String::from_utf8_lossy(&token)) {
                    csrf::record_failure(&req, &staff.session).await;
                    return Err(AppError::Csrf);
                }
                verified = true;
            }
            // The token comes first in the form: nothing is read from a request without it.
            _ if !verified => {
                csrf::record_failure(&req, &staff.session).await;
                return Err(AppError::Csrf);
            }
            "file" if file.is_none() => {
                let filename =
                    field.content_disposition().and_then(|d| d.get_filename()).unwrap_or_default().to_string();
                match uploads::read_field(&mut field, csv_import::MAX_UPLOAD_BYTES).await? {
                    Some(bytes) => file = Some((filename, bytes)),
                    None => {
                        uploads::discard_fields(field, &mut multipart, DISCARD_LIMIT).await;
                        return new_page(&app, &staff, Some(too_large_message()), StatusCode::PAYLOAD_TOO_LARGE).await;
                    }
                }
            }
            "delimiter" => {
                let value = uploads::read_field(&mut field, 64).await?.unwrap_or_default();
                delimiter = String::from_utf8_lossy(&value).trim().to_string();
            }
            _ => return Err(AppError::BadRequest(format!("The upload has a field NextGig does not know: {name}."))),
        }
    }
    if !verified {
        csrf::record_failure(&req, &staff.session).await;
        return Err(AppError::Csrf);
    }
    let Some((filename, bytes)) = file.filter(|(name, bytes)| !(name.is_empty() && bytes.is_empty())) else {
        return new_page(&app, &staff, Some("Choose a CSV file to upload.".into()), StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    };
    let chosen = match delimiter.as_str() {
        "" | "detect" => None,
        name => match csv_import::delimiter_byte(name) {
            Some(byte) => Some(byte),
            None => return Err(AppError::BadRequest("Choose one of the listed delimiters.".into())),
        },
    };
    let checked = web::block(move || csv_import::inspect(&filename, bytes, chosen)).await?;
    let upload = match checked {
        Ok(upload) => upload,
        Err(message) => return new_page(&app, &staff, Some(message), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let id = app.db(move |conn| csv_import::create(conn, scope, &actor, &upload, now)).await?;
    Ok(pages::redirect(&format!("/imports/{id}")))
}

/// `GET /imports/{id}` parameters: the page of problems.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    pub page: String,
}

/// A column of the mapping form: its header, the field chosen, and the first values.
struct MappedColumn {
    header: String,
    chosen: String,
    examples: Vec<String>,
}

#[derive(Template)]
#[template(path = "imports/show.html")]
struct ShowPage {
    layout: Layout,
    import: Import,
    columns: Vec<MappedColumn>,
    report: Option<Report>,
    problems: Vec<Problem>,
    page: usize,
    pages: usize,
    mapping_errors: Vec<String>,
    run_error: Option<String>,
    /// Where a running import stands.
    progress: Option<Progress>,
    now: chrono::NaiveDateTime,
}

impl ShowPage {
    fn fields(&self) -> &'static [contractor_csv::Column] {
        COLUMNS
    }

    fn delimiters(&self) -> &'static [(&'static str, &'static str)] {
        csv_import::DELIMITERS
    }

    fn page_url(&self, page: usize) -> String {
        format!("/imports/{}?page={page}#problems", self.import.id)
    }

    fn queued(&self) -> bool {
        self.progress == Some(Progress::Queued)
    }

    fn interrupted(&self) -> bool {
        self.progress == Some(Progress::Interrupted)
    }

    /// The instance running it, and whether it resumed an interrupted run.
    fn running_on(&self) -> Option<(&str, bool)> {
        match &self.progress {
            Some(Progress::Running { instance, resumed }) => Some((instance.as_str(), *resumed)),
            _ => None,
        }
    }
}

async fn show_page(
    app: &AppState,
    staff: &Staff,
    id: i64,
    page: usize,
    mapping_errors: Vec<String>,
    run_error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let scope = staff.scope;
    let (import, examples) = app
        .db(move |conn| {
            let import = csv_import::find(conn, scope, id)?;
            let examples =
                if import.status == "uploaded" { csv_import::first_rows(conn, scope, id, 3)? } else { Vec::new() };
            Ok((import, examples))
        })
        .await?;
    let columns = import
        .header_list()
        .into_iter()
        .zip(import.mapping_list())
        .enumerate()
        .map(|(at, (header, chosen))| MappedColumn {
            header,
            chosen,
            examples: examples.iter().map(|row| row.get(at).cloned().unwrap_or_default()).collect(),
        })
        .collect();
    let report = import.report();
    let all = report.as_ref().map_or(0, |r| r.problems.len());
    let pages = all.div_ceil(PROBLEMS_PAGE).max(1);
    let page = page.clamp(1, pages);
    let problems = report
        .as_ref()
        .map(|r| r.problems.iter().skip((page - 1) * PROBLEMS_PAGE).take(PROBLEMS_PAGE).cloned().collect())
        .unwrap_or_default();
    let progress = import.progress(app.clock.now());
    let running = progress.is_some();
    let layout = staff.session.layout(Section::Contractors);
    let mut response = pages::html_with_status(
        status,
        &ShowPage {
            layout,
            import,
            columns,
            report,
            problems,
            page,
            pages,
            mapping_errors,
            run_error,
            progress,
            now: app.clock.now(),
        },
    )?;
    // Until it is done, whatever the state: a queued or interrupted import moves on by itself.
    if running {
        // The progress page reloads itself (no script needed).
        response.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("refresh"),
            actix_web::http::header::HeaderValue::from_static("2"),
        );
    }
    Ok(response)
}

/// `GET /imports/{id}`: the mapping and preview, the progress, or the summary.
pub async fn show(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    query: HtmlQuery<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let page = query.0.page.trim().parse().unwrap_or(1);
    show_page(&app, &staff, id, page, Vec::new(), None, StatusCode::OK).await
}

/// `POST /imports/{id}/delimiter`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DelimiterForm {
    pub delimiter: String,
}

/// `POST /imports/{id}/delimiter`: reads the file again with another delimiter.
pub async fn delimiter(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<DelimiterForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let (scope, now) = (staff.scope, app.clock.now());
    match app.db(move |conn| csv_import::change_delimiter(conn, scope, id, &form.delimiter, now)).await? {
        Ok(()) => Ok(pages::redirect(&format!("/imports/{id}"))),
        Err(message) => show_page(&app, &staff, id, 1, vec![message], None, StatusCode::UNPROCESSABLE_ENTITY).await,
    }
}

/// `POST /imports/{id}/mapping`: one `column` per column of the file, in order (`""` = ignore).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MappingForm {
    pub column: Vec<String>,
}

/// `POST /imports/{id}/mapping`: saves the mapping and computes the preview.
pub async fn mapping(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<MappingForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let submitted = form.into_inner().column;
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let outcome = app
        .db(move |conn| {
            let import = csv_import::find(conn, scope, id)?;
            match csv_import::check_mapping(&import.header_list(), &submitted) {
                Ok(mapping) => {
                    csv_import::save_mapping(conn, scope, id, &mapping, &actor, now)?;
                    Ok(Ok(()))
                }
                Err(problems) => Ok(Err(problems)),
            }
        })
        .await?;
    match outcome {
        Ok(()) => Ok(pages::redirect(&format!("/imports/{id}#preview"))),
        Err(problems) => show_page(&app, &staff, id, 1, problems, None, StatusCode::UNPROCESSABLE_ENTITY).await,
    }
}

/// `POST /imports/{id}/run`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunForm {
    pub skip_invalid: String,
}

/// `POST /imports/{id}/run`: queues the import for the import runner; the page shows its progress.
pub async fn run(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<RunForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let skip = matches!(form.into_inner().skip_invalid.as_str(), "1" | "on" | "true");
    let (scope, now) = (staff.scope, app.clock.now());
    let user = staff.user.id;
    let outcome = app.db(move |conn| csv_import::start(conn, scope, id, skip, Some(user), now)).await?;
    match outcome {
        StartOutcome::Queued => {
            // This instance's import runner takes it up at once (any instance's would, in time).
            app.imports_queued.notify_one();
            Ok(pages::redirect(&format!("/imports/{id}")))
        }
        StartOutcome::ProblemsNotSkipped(n) => {
            let message = format!(
                "{n} rows have problems. Fix them in the file and upload it again, or tick \"Skip the invalid rows\" \
                 to import only the others."
            );
            show_page(&app, &staff, id, 1, Vec::new(), Some(message), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        StartOutcome::NotReady(why) => {
            staff.session.flash(Flash::info(why));
            Ok(pages::redirect(&format!("/imports/{id}")))
        }
    }
}

/// The export link of a search page: the same filters and order, every page.
pub fn export_url(form: &SearchInput) -> String {
    let mut query = form.clone();
    query.after.clear();
    match serde_html_form::to_string(&query) {
        Ok(query) => format!("/exports/contractors.csv?{query}"),
        Err(_) => "/exports/contractors.csv".to_string(),
    }
}

/// `GET /exports/contractors.csv?<search>`: every record the search finds (not just one page),
/// as CSV that opens cleanly in Excel, read and sent in batches.
pub async fn export(
    app: web::Data<AppState>,
    staff: Staff,
    query: HtmlQuery<SearchInput>,
) -> Result<HttpResponse, AppError> {
    let mut form = query.0;
    form.after.clear();
    let search = form.validate(staff.scope)?;
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let first_search = search.clone();
    let (owners, first, next) = app
        .db(move |conn| {
            let count = contractor_csv::search_count(conn, &first_search)?;
            audit::record(
                conn,
                &actor,
                Event::new("contractors.exported", format!("{count} rows from a search")),
                now,
            )?;
            let owners = contractor_csv::owner_emails(conn, scope)?;
            let (bytes, next) = contractor_csv::search_batch(conn, &first_search, &ExportPosition::default(), &owners)?;
            Ok((Arc::new(owners), bytes, next))
        })
        .await?;
    let mut head = contractor_csv::header_bytes(&[])?;
    head.extend(first);
    let app = app.into_inner();
    let search = Arc::new(search);
    let rest = futures_util::stream::unfold(next, move |next| {
        let (app, owners, search) = (app.clone(), owners.clone(), search.clone());
        async move {
            let position = next?;
            let batch = app.db(move |conn| contractor_csv::search_batch(conn, &search, &position, &owners)).await;
            Some(match batch {
                Ok((bytes, next)) => (Ok(web::Bytes::from(bytes)), next),
                Err(e) => (Err(actix_web::Error::from(e)), None),
            })
        }
    });
    let body = futures_util::stream::once(async move { Ok::<_, actix_web::Error>(web::Bytes::from(head)) }).chain(rest);
    let today = now.and_utc().with_timezone(&staff.user.tz()).date_naive();
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", contractor_csv::file_name("contractors", today)),
        ))
        .streaming(body))
}
