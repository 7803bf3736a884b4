//! `/clients…` and `/contacts…`: the agency's clients, their contacts, and the client page with
//! its jobs.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{CsrfForm, Staff};
use crate::error::AppError;
use crate::models::activity::{self, About, ActivityItem};
use crate::models::client::{self, Client, ClientFilter, ClientInput, ClientRow, ClientSaved, ClientSort, ListPage};
use crate::models::conflict::{FieldChange, Saved};
use crate::models::contact::{self, Contact, ContactInput};
use crate::models::contractor;
use crate::models::idempotency::{self, Once};
use crate::models::job::{self, JobFilter, JobRow, JobSort, StatusFilter};
use crate::models::task::{self, TaskItem};
use crate::models::validation::FieldErrors;
use crate::pages::{self, Flash, Layout, Section};
use crate::routes::sessions::Empty;
use crate::routes::{already_created, parse_id};
use crate::state::AppState;

/// Registers this resource's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/clients").route(get().to(index)).route(post().to(create)))
        .service(resource("/clients/new").route(get().to(new)))
        .service(resource("/clients/{id}").route(get().to(show)).route(post().to(update)))
        .service(resource("/clients/{id}/edit").route(get().to(edit)))
        .service(resource("/clients/{id}/archive").route(post().to(archive)))
        .service(resource("/clients/{id}/unarchive").route(post().to(unarchive)))
        .service(resource("/clients/{id}/contacts/new").route(get().to(new_contact)))
        .service(resource("/clients/{id}/contacts").route(post().to(create_contact)))
        .service(resource("/contacts/{id}/edit").route(get().to(edit_contact)))
        .service(resource("/contacts/{id}").route(post().to(update_contact)))
        .service(resource("/contacts/{id}/archive").route(post().to(archive_contact)));
}

/// This resource's routes as (method, path pattern).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/clients"),
    ("POST", "/clients"),
    ("GET", "/clients/new"),
    ("GET", "/clients/{id}"),
    ("POST", "/clients/{id}"),
    ("GET", "/clients/{id}/edit"),
    ("POST", "/clients/{id}/archive"),
    ("POST", "/clients/{id}/unarchive"),
    ("GET", "/clients/{id}/contacts/new"),
    ("POST", "/clients/{id}/contacts"),
    ("GET", "/contacts/{id}/edit"),
    ("POST", "/contacts/{id}"),
    ("POST", "/contacts/{id}/archive"),
];

/// A query string from the non-empty pairs ("" when all are empty).
pub(crate) fn query_string(pairs: &[(&str, String)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        serializer.append_pair(key, value);
    }
    let query = serializer.finish();
    if query.is_empty() { query } else { format!("?{query}") }
}

/// A page number from `page=` (anything unreadable is the first page).
pub(crate) fn page_number(raw: &str) -> i64 {
    raw.trim().parse::<i64>().ok().filter(|p| *p >= 1).unwrap_or(1).min(client::MAX_PAGE)
}

/// Query of `GET /clients`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ClientListQuery {
    q: String,
    archived: String,
    sort: String,
    page: String,
}

#[derive(Template)]
#[template(path = "clients/index.html")]
struct ClientsPage {
    layout: Layout,
    rows: Vec<ClientRow>,
    q: String,
    include_archived: bool,
    sort: &'static str,
    sorts: &'static [(&'static str, &'static str)],
    page: i64,
    previous_url: Option<String>,
    next_url: Option<String>,
}

impl ClientsPage {
    fn filtered(&self) -> bool {
        !self.q.trim().is_empty() || self.include_archived || self.page > 1
    }
}

/// `GET /clients?q=&archived=1&sort=name|updated&page=N`.
pub async fn index(
    app: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ClientListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let filter = ClientFilter {
        q: query.q.trim().chars().take(200).collect(),
        include_archived: query.archived == "1",
        sort: ClientSort::parse(&query.sort),
        page: page_number(&query.page),
    };
    let scope = staff.scope;
    let wanted = filter.clone();
    let ListPage { rows, page, has_next } = app.db(move |conn| client::list(conn, scope, &wanted)).await?;
    let url = |page: i64| {
        let query = query_string(&[
            ("q", filter.q.clone()),
            ("archived", if filter.include_archived { "1".into() } else { String::new() }),
            ("sort", if filter.sort == ClientSort::Name { String::new() } else { filter.sort.as_str().into() }),
            ("page", if page > 1 { page.to_string() } else { String::new() }),
        ]);
        format!("/clients{query}")
    };
    pages::html(&ClientsPage {
        layout: staff.session.layout(Section::Clients),
        rows,
        previous_url: (page > 1).then(|| url(page - 1)),
        next_url: has_next.then(|| url(page + 1)),
        q: filter.q.clone(),
        include_archived: filter.include_archived,
        sort: filter.sort.as_str(),
        sorts: ClientSort::CHOICES,
        page,
    })
}

#[derive(Template)]
#[template(path = "clients/form.html")]
struct ClientFormPage {
    layout: Layout,
    /// The client being edited; `None` for a new one.
    client: Option<Client>,
    form: ClientInput,
    errors: FieldErrors,
    conflict: Vec<FieldChange>,
    /// The client that already has the submitted domain.
    existing: Option<Client>,
}

fn client_form(
    staff: &Staff,
    client: Option<Client>,
    form: ClientInput,
    errors: FieldErrors,
    conflict: Vec<FieldChange>,
    existing: Option<Client>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let layout = staff.session.layout(Section::Clients);
    pages::html_with_status(status, &ClientFormPage { layout, client, form, errors, conflict, existing })
}

/// `GET /clients/new`.
pub async fn new(staff: Staff) -> Result<HttpResponse, AppError> {
    let form = ClientInput { idempotency_key: idempotency::new_key(), ..ClientInput::default() };
    client_form(&staff, None, form, FieldErrors::default(), Vec::new(), None, StatusCode::OK)
}

fn domain_taken(existing: &Client) -> FieldErrors {
    let mut errors = FieldErrors::default();
    errors.add("domain", client::domain_taken_message(existing));
    errors
}

/// `POST /clients`.
pub async fn create(
    app: web::Data<AppState>,
    staff: Staff,
    form: CsrfForm<ClientInput>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let input = form.clone();
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let me = staff.user.id;
    let created = app.db(move |conn| {
        let create = |conn: &mut _| client::create(conn, scope, &input, &actor, now);
        idempotency::create_once(conn, me, &input.idempotency_key, now, create, |saved| match saved {
            ClientSaved::Done(client) | ClientSaved::Stale(client) => Some(format!("/clients/{}", client.id)),
            ClientSaved::DomainTaken(_) => None,
        })
    });
    match created.await {
        Ok(Once::Ran(ClientSaved::Done(client) | ClientSaved::Stale(client))) => {
            staff.session.flash(Flash::success(format!("{} added.", client.name)));
            Ok(pages::redirect(&format!("/clients/{}", client.id)))
        }
        Ok(Once::Repeated(location)) => Ok(already_created(&staff.session, &location)),
        Ok(Once::Ran(ClientSaved::DomainTaken(existing))) => {
            client_form(&staff, None, form, domain_taken(&existing), Vec::new(), Some(existing), unprocessable)
        }
        Err(AppError::Invalid(errors)) => client_form(&staff, None, form, errors, Vec::new(), None, unprocessable),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "clients/show.html")]
struct ClientPage {
    layout: Layout,
    client: Client,
    contacts: Vec<Contact>,
    jobs: Vec<JobRow>,
    more_jobs: bool,
    /// The newest activities about the client and its jobs.
    activities: Vec<ActivityItem>,
    /// Open tasks about the client and its jobs.
    tasks: Vec<TaskItem>,
    /// Enabled team members as (id, name), for choosing who does a follow-up.
    team: Vec<(String, String)>,
    /// Today in the viewer's time zone.
    today: chrono::NaiveDate,
}

impl ClientPage {
    fn archived_contacts(&self) -> usize {
        self.contacts.iter().filter(|c| c.archived_at.is_some()).count()
    }
}

/// `GET /clients/{id}`: details, contacts and jobs.
pub async fn show(app: web::Data<AppState>, staff: Staff, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let scope = staff.scope;
    let (client, contacts, jobs, activities, tasks, team) = app
        .db(move |conn| {
            let client = Client::find(conn, scope, id)?;
            let contacts = contact::for_client(conn, scope, id)?;
            let filter = JobFilter {
                client_id: Some(id),
                status: StatusFilter::Any,
                sort: JobSort::Updated,
                page: 1,
                ..JobFilter::default()
            };
            let jobs = job::list(conn, scope, &filter)?;
            let activities = activity::for_client(conn, scope, id, crate::routes::activities::TIMELINE_LENGTH)?;
            let tasks = task::open_for(conn, scope, About::Client(id))?;
            Ok((client, contacts, jobs, activities, tasks, contractor::team_choices(conn, scope)?))
        })
        .await?;
    pages::html(&ClientPage {
        layout: staff.session.layout(Section::Clients),
        client,
        contacts,
        more_jobs: jobs.has_next,
        jobs: jobs.rows,
        activities,
        tasks,
        team,
        today: crate::routes::activities::today(&staff, app.clock.now()),
    })
}

/// `GET /clients/{id}/edit`.
pub async fn edit(app: web::Data<AppState>, staff: Staff, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let scope = staff.scope;
    let client = app.db(move |conn| Client::find(conn, scope, id)).await?;
    let form = ClientInput::from_client(&client);
    client_form(&staff, Some(client), form, FieldErrors::default(), Vec::new(), None, StatusCode::OK)
}

/// `POST /clients/{id}`: saves the edit form (409 with what changed when someone saved first).
pub async fn update(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<ClientInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let (scope, now) = (staff.scope, app.clock.now());
    let input = form.clone();
    let outcome = app
        .db(move |conn| {
            let outcome = client::update(conn, scope, id, &input, now);
            // The form page shows the client as it is now.
            let current = match &outcome {
                Err(AppError::Invalid(_)) | Ok(ClientSaved::DomainTaken(_)) => Some(Client::find(conn, scope, id)?),
                _ => None,
            };
            Ok((outcome, current))
        })
        .await?;
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    match outcome {
        (Ok(ClientSaved::Done(client)), _) => {
            staff.session.flash(Flash::success(format!("{} saved.", client.name)));
            Ok(pages::redirect(&format!("/clients/{}", client.id)))
        }
        (Ok(ClientSaved::Stale(current)), _) => {
            let conflict = client::changes(&form, &current);
            let form = form.with_version(current.version);
            client_form(&staff, Some(current), form, FieldErrors::default(), conflict, None, StatusCode::CONFLICT)
        }
        (Ok(ClientSaved::DomainTaken(existing)), current) => {
            client_form(&staff, current, form, domain_taken(&existing), Vec::new(), Some(existing), unprocessable)
        }
        (Err(AppError::Invalid(errors)), current) => {
            client_form(&staff, current, form, errors, Vec::new(), None, unprocessable)
        }
        (Err(e), _) => Err(e),
    }
}

/// `POST /clients/{id}/archive`.
pub async fn archive(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    set_archived(app, staff, id, true).await
}

/// `POST /clients/{id}/unarchive`.
pub async fn unarchive(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    set_archived(app, staff, id, false).await
}

async fn set_archived(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    archived: bool,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let client = app.db(move |conn| client::set_archived(conn, scope, id, archived, &actor, now)).await?;
    let message = if archived {
        format!("{} is archived: it no longer shows in the client list or job forms.", client.name)
    } else {
        format!("{} is back in your client list.", client.name)
    };
    staff.session.flash(Flash::success(message));
    Ok(pages::redirect(&format!("/clients/{}", client.id)))
}

#[derive(Template)]
#[template(path = "clients/contact_form.html")]
struct ContactFormPage {
    layout: Layout,
    client: Client,
    /// The contact being edited; `None` for a new one.
    contact: Option<Contact>,
    form: ContactInput,
    errors: FieldErrors,
    conflict: Vec<FieldChange>,
}

fn contact_form(
    staff: &Staff,
    page: impl FnOnce(Layout) -> ContactFormPage,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    pages::html_with_status(status, &page(staff.session.layout(Section::Clients)))
}

/// `GET /clients/{id}/contacts/new`.
pub async fn new_contact(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let scope = staff.scope;
    let client = app.db(move |conn| Client::find(conn, scope, id)).await?;
    contact_form(
        &staff,
        |layout| ContactFormPage {
            layout,
            client,
            contact: None,
            form: ContactInput::blank(),
            errors: FieldErrors::default(),
            conflict: Vec::new(),
        },
        StatusCode::OK,
    )
}

/// `POST /clients/{id}/contacts`.
pub async fn create_contact(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<ContactInput>,
) -> Result<HttpResponse, AppError> {
    let client_id = parse_id(&id)?;
    let form = form.into_inner();
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let input = form.clone();
    let (me, key, back) = (staff.user.id, form.idempotency_key.clone(), format!("/clients/{client_id}#contacts"));
    let there = back.clone();
    let (outcome, client) = app
        .db(move |conn| {
            let client = Client::find(conn, scope, client_id)?;
            let create = |conn: &mut _| contact::create(conn, scope, client_id, &input, &actor, now);
            Ok((idempotency::create_once(conn, me, &key, now, create, |_| Some(there)), client))
        })
        .await?;
    match outcome {
        Ok(Once::Repeated(location)) => Ok(already_created(&staff.session, &location)),
        Ok(Once::Ran(contact)) => {
            staff.session.flash(Flash::success(format!("{} added to {}.", contact.name, client.name)));
            Ok(pages::redirect(&back))
        }
        Err(AppError::Invalid(errors)) => contact_form(
            &staff,
            |layout| ContactFormPage { layout, client, contact: None, form, errors, conflict: Vec::new() },
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => Err(e),
    }
}

/// `GET /contacts/{id}/edit`.
pub async fn edit_contact(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let scope = staff.scope;
    let (contact, client) = app
        .db(move |conn| {
            let contact = Contact::find(conn, scope, id)?;
            let client = Client::find(conn, scope, contact.client_id)?;
            Ok((contact, client))
        })
        .await?;
    let form = ContactInput::from_contact(&contact);
    contact_form(
        &staff,
        |layout| ContactFormPage {
            layout,
            client,
            contact: Some(contact),
            form,
            errors: FieldErrors::default(),
            conflict: Vec::new(),
        },
        StatusCode::OK,
    )
}

/// `POST /contacts/{id}`: saves the edit form (409 with what changed when someone saved first).
pub async fn update_contact(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    form: CsrfForm<ContactInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let form = form.into_inner();
    let (scope, now) = (staff.scope, app.clock.now());
    let input = form.clone();
    let (outcome, contact, client) = app
        .db(move |conn| {
            let outcome = contact::update(conn, scope, id, &input, now);
            let contact = Contact::find(conn, scope, id)?;
            let client = Client::find(conn, scope, contact.client_id)?;
            Ok((outcome, contact, client))
        })
        .await?;
    let (form, errors, conflict, status) = match outcome {
        Ok(Saved::Done(saved)) => {
            staff.session.flash(Flash::success(format!("{} saved.", saved.name)));
            return Ok(pages::redirect(&format!("/clients/{}#contacts", client.id)));
        }
        Ok(Saved::Stale(current)) => {
            let conflict = contact::changes(&form, &current);
            (form.with_version(current.version), FieldErrors::default(), conflict, StatusCode::CONFLICT)
        }
        Err(AppError::Invalid(errors)) => (form, errors, Vec::new(), StatusCode::UNPROCESSABLE_ENTITY),
        Err(e) => return Err(e),
    };
    contact_form(
        &staff,
        |layout| ContactFormPage { layout, client, contact: Some(contact), form, errors, conflict },
        status,
    )
}

/// `POST /contacts/{id}/archive`.
pub async fn archive_contact(
    app: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (scope, actor, now) = (staff.scope, staff.actor.clone(), app.clock.now());
    let contact = app.db(move |conn| contact::archive(conn, scope, id, &actor, now)).await?;
    staff.session.flash(Flash::success(format!("{} is archived.", contact.name)));
    Ok(pages::redirect(&format!("/clients/{}#contacts", contact.client_id)))
}
