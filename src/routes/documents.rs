//! CVs and other documents: uploaded on a contractor's page (`/contractors/{id}/documents`, the
//! agency's own) or by the contractor (`/me/documents`, their profile's, seen by every linked
//! agency); downloaded as attachments (`/documents/{id}`, `/me/documents/{id}`). The type is
//! judged by content, the size bounded before the file is read whole; the text is read after the
//! file is stored, in a child process with limits ([`crate::jobs::documents`]).

use std::time::Duration;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::{
    CONTENT_LENGTH, CONTENT_TYPE, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
    HeaderValue, X_CONTENT_TYPE_OPTIONS,
};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;

use crate::auth::csrf;
use crate::auth::{ContractorAccount, Session, Staff};
use crate::error::AppError;
use crate::jobs;
use crate::models::document::{self, File, KINDS, Listed, Owner, Upload};
use crate::models::document_text;
use crate::models::profile;
use crate::pages::{self, Flash, Layout, Section};
use crate::routes::{parse_id, uploads};
use crate::state::AppState;

/// Registers this resource's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/contractors/{id}/documents").route(post().to(upload_for_record)))
        .service(resource("/documents/{id}").route(get().to(download)))
        .service(resource("/me/documents").route(get().to(mine)).route(post().to(upload_mine)))
        .service(resource("/me/documents/{id}").route(get().to(download_mine)));
}

/// This resource's routes as (method, path pattern).
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/contractors/{id}/documents"),
    ("GET", "/documents/{id}"),
    ("GET", "/me/documents"),
    ("POST", "/me/documents"),
    ("GET", "/me/documents/{id}"),
];

/// How long an upload waits for its text to be read before answering (the reading goes on).
const READ_WAIT: Duration = Duration::from_secs(20);

/// The upload form shown again with what was wrong.
#[derive(Template)]
#[template(path = "documents/upload.html")]
struct UploadPage {
    layout: Layout,
    heading: String,
    action: String,
    back: String,
    kind: String,
    error: Option<String>,
}

impl UploadPage {
    fn chosen(&self, value: &str) -> bool {
        self.kind == value
    }

    fn kinds(&self) -> &'static [(&'static str, &'static str)] {
        KINDS
    }

    fn max_mb(&self) -> usize {
        document_text::MAX_UPLOAD_BYTES / (1024 * 1024)
    }
}

/// The contractor's documents page.
#[derive(Template)]
#[template(path = "documents/mine.html")]
struct MinePage {
    layout: Layout,
    documents: Vec<Listed>,
    current_cv_id: Option<i64>,
}

impl MinePage {
    fn is_current(&self, id: &i64) -> bool {
        self.current_cv_id == Some(*id)
    }

    fn kinds(&self) -> &'static [(&'static str, &'static str)] {
        KINDS
    }

    fn max_mb(&self) -> usize {
        document_text::MAX_UPLOAD_BYTES / (1024 * 1024)
    }
}

/// What a multipart upload carried.
#[derive(Default)]
struct Received {
    kind: String,
    file: Option<(String, Vec<u8>)>,
    too_large: bool,
}

/// Most bytes read and thrown away after refusing a large upload (see [`uploads::discard`]).
const DISCARD_LIMIT: usize = 4 * document_text::MAX_UPLOAD_BYTES;

/// Reads an upload form (`csrf_token` first, then `kind` and `file`), checking the token and
/// counting the file's bytes as they arrive.
async fn receive(req: &HttpRequest, session: &Session, payload: web::Payload) -> Result<Received, AppError> {
    let declared: Option<usize> =
        req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let mut payload = payload.into_inner();
    if declared.is_some_and(|n| n > document_text::MAX_UPLOAD_BYTES + 64 * 1024) {
        uploads::discard(&mut payload, DISCARD_LIMIT).await;
        return Ok(Received { too_large: true, ..Received::default() });
    }
    if req.content_type() != "multipart/form-data" {
        let body = csrf::read_body(&mut payload, 64 * 1024).await?;
        let token = url::form_urlencoded::parse(&body).find(|(k, _)| k == "csrf_token").map(|(_, v)| v.into_owned());
        if !token.is_some_and(|t| session.verify_csrf(&t)) {
            csrf::record_failure(req, session).await;
            return Err(AppError::Csrf);
        }
        return Ok(Received::default());
    }
    let mut multipart = Multipart::new(req.headers(), payload);
    let mut verified = false;
    let mut received = Received::default();
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|e| AppError::BadRequest(format!("The upload could not be read: {e}.")))?;
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "csrf_token" => {
                let token = uploads::read_field(&mut field, 1024).await?.unwrap_or_default();
                if verified || !session.verify_csrf(&String::from_utf8_lossy(&token)) {
                    csrf::record_failure(req, session).await;
                    return Err(AppError::Csrf);
                }
                verified = true;
            }
            // The token comes first in the form: nothing is read from a request without it.
            _ if !verified => {
                csrf::record_failure(req, session).await;
                return Err(AppError::Csrf);
            }
            "kind" => {
                let value = uploads::read_field(&mut field, 64).await?.unwrap_or_default();
                received.kind = String::from_utf8_lossy(&value).trim().to_string();
            }
            "file" if received.file.is_none() => {
                let filename =
                    field.content_disposition().and_then(|d| d.get_filename()).unwrap_or_default().to_string();
                match uploads::read_field(&mut field, document_text::MAX_UPLOAD_BYTES).await? {
                    Some(bytes) => received.file = Some((filename, bytes)),
                    None => {
                        uploads::discard_fields(field, &mut multipart, DISCARD_LIMIT).await;
                        return Ok(Received { too_large: true, ..received });
                    }
                }
            }
            _ => return Err(AppError::BadRequest(format!("The upload has a field NextGig does not know: {name}."))),
        }
    }
    if !verified {
        csrf::record_failure(req, session).await;
        return Err(AppError::Csrf);
    }
    Ok(received)
}

/// Checks what was received (on a blocking thread: a .docx is unpacked to be judged).
async fn check(received: Received) -> Result<Result<Upload, String>, AppError> {
    if received.too_large {
        return Ok(Err(document::too_large_message()));
    }
    let kind = received.kind;
    let Some((name, bytes)) = received.file.filter(|(name, bytes)| !(name.is_empty() && bytes.is_empty())) else {
        return Ok(Err("Choose a file to upload.".into()));
    };
    Ok(web::block(move || document::check_upload(&kind, &name, bytes)).await?)
}

/// Reads the new document's text, waiting at most [`READ_WAIT`] for it; a slow read goes on
/// after the answer, and one that cannot start now (every reader busy) is left to the sweep.
async fn read_text(app: &AppState, id: i64, upload: Upload) {
    let app = app.clone();
    let task = tokio::spawn(async move {
        let wait = crate::text_reader::TIME_LIMIT;
        if let Err(e) = jobs::documents::read_upload(&app, id, upload.file_type, upload.bytes, wait).await {
            tracing::warn!(document = id, error = %e, "document text not saved; the sweep will read it");
        }
    });
    let _ = tokio::time::timeout(READ_WAIT, task).await;
}

fn refused(layout: Layout, page: UploadPage, status: StatusCode) -> Result<HttpResponse, AppError> {
    pages::html_with_status(status, &UploadPage { layout, ..page })
}

/// `POST /contractors/{id}/documents`: a multipart upload (`csrf_token`, `kind`, `file`) to the
/// agency's record.
pub async fn upload_for_record(
    app: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let scope = staff.scope;
    // Another agency's record answers like a missing one, before anything is read.
    let record = app.db(move |conn| crate::models::contractor::find(conn, scope, id)).await?;
    let received = receive(&req, &staff.session, payload).await?;
    let kind = if received.kind.is_empty() { "cv".to_string() } else { received.kind.clone() };
    let page = UploadPage {
        layout: Layout::bare(),
        heading: format!("Upload a document for {}", record.name),
        action: format!("/contractors/{id}/documents"),
        back: format!("/contractors/{id}#documents"),
        kind,
        error: None,
    };
    let status = if received.too_large { StatusCode::PAYLOAD_TOO_LARGE } else { StatusCode::UNPROCESSABLE_ENTITY };
    let upload = match check(received).await? {
        Ok(upload) => upload,
        Err(message) => {
            return refused(
                staff.session.layout(Section::Contractors),
                UploadPage { error: Some(message), ..page },
                status,
            );
        }
    };
    let (actor, now) = (staff.actor.clone(), app.clock.now());
    let name = upload.file_name.clone();
    let (doc, upload) = app
        .db(move |conn| {
            let doc = document::create(conn, Owner::Record { scope, record_id: id }, &upload, &actor, now)?;
            Ok((doc, upload))
        })
        .await?;
    read_text(&app, doc, upload).await;
    staff.session.flash(Flash::success(format!("{name} uploaded.")));
    Ok(pages::redirect(&format!("/contractors/{id}#documents")))
}

/// `GET /me/documents`: the contractor's own documents and the upload form.
pub async fn mine(app: web::Data<AppState>, me: ContractorAccount) -> Result<HttpResponse, AppError> {
    let user_id = me.user.id;
    let documents = app
        .db(move |conn| {
            let profile = profile::find_for_user(conn, user_id)?;
            document::for_profile(conn, profile.id)
        })
        .await?;
    let current_cv_id = documents.iter().find(|d| d.info.kind == "cv").map(|d| d.info.id);
    pages::html(&MinePage { layout: me.session.layout(Section::Me), documents, current_cv_id })
}

/// `POST /me/documents`: a multipart upload to the contractor's own profile.
pub async fn upload_mine(
    app: web::Data<AppState>,
    me: ContractorAccount,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let received = receive(&req, &me.session, payload).await?;
    let kind = if received.kind.is_empty() { "cv".to_string() } else { received.kind.clone() };
    let page = UploadPage {
        layout: Layout::bare(),
        heading: "Upload your CV or another document".into(),
        action: "/me/documents".into(),
        back: "/me/documents".into(),
        kind,
        error: None,
    };
    let status = if received.too_large { StatusCode::PAYLOAD_TOO_LARGE } else { StatusCode::UNPROCESSABLE_ENTITY };
    let upload = match check(received).await? {
        Ok(upload) => upload,
        Err(message) => {
            return refused(me.session.layout(Section::Me), UploadPage { error: Some(message), ..page }, status);
        }
    };
    let (user_id, actor, now) = (me.user.id, me.actor.clone(), app.clock.now());
    let name = upload.file_name.clone();
    let (doc, upload) = app
        .db(move |conn| {
            let profile = profile::find_for_user(conn, user_id)?;
            let doc = document::create(conn, Owner::Profile { profile_id: profile.id }, &upload, &actor, now)?;
            Ok((doc, upload))
        })
        .await?;
    read_text(&app, doc, upload).await;
    me.session.flash(Flash::success(format!("{name} uploaded. Every agency you work with sees it.")));
    Ok(pages::redirect("/me/documents"))
}

/// The file as an attachment under its cleaned name, with its stored type and `nosniff`.
pub(crate) fn attachment(file: File) -> HttpResponse {
    // Non-ASCII names go in `filename*` (RFC 6266), with an ASCII stand-in for old clients.
    let ascii: String = file.file_name.chars().map(|c| if c.is_ascii() { c } else { '_' }).collect();
    let mut parameters = vec![DispositionParam::Filename(ascii.clone())];
    if ascii != file.file_name {
        parameters.push(DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".into()),
            language_tag: None,
            value: file.file_name.into_bytes(),
        }));
    }
    let disposition = ContentDisposition { disposition: DispositionType::Attachment, parameters };
    let content_type = HeaderValue::from_str(&file.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header(disposition)
        .insert_header((X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .body(file.body)
}

/// `GET /documents/{id}`: a document the agency may see, as a download.
pub async fn download(app: web::Data<AppState>, staff: Staff, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let scope = staff.scope;
    let file = app.db(move |conn| document::find_for_agency(conn, scope, id)).await?;
    Ok(attachment(file))
}

/// `GET /me/documents/{id}`: one of the contractor's own documents, as a download.
pub async fn download_mine(
    app: web::Data<AppState>,
    me: ContractorAccount,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let user_id = me.user.id;
    let file = app
        .db(move |conn| {
            let profile = profile::find_for_user(conn, user_id)?;
            document::find_for_profile(conn, profile.id, id)
        })
        .await?;
    Ok(attachment(file))
}
