//! Clients: the companies an agency recruits for. A client's web domain is normalised (lower
//! case, no scheme, `www.`, path or port) because it later recognises the same company across
//! agencies; within one agency a domain belongs to one client.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::{clients, jobs};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::audit::{self, Actor, Event};
use crate::models::conflict::{self, FieldChange};
use crate::models::validation::{self, FieldErrors, MAX_NAME};

diesel::define_sql_function! {
    /// SQL `lower()`: case-insensitive matching that behaves the same on SQLite and PostgreSQL.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

diesel::define_sql_function! {
    /// SQL `lower()` of a column that may be NULL.
    #[sql_name = "lower"]
    fn lower_nullable(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// Longest notes (and job descriptions) accepted.
pub const MAX_NOTES: usize = 20_000;
/// Longest host name (RFC 1035).
pub const MAX_DOMAIN: usize = 253;
/// Rows per page of every list in this part of the desk.
pub const PAGE_SIZE: i64 = 50;
/// Highest page number a list link may ask for (keeps OFFSET bounded).
pub const MAX_PAGE: i64 = 10_000;

/// A `LIKE` pattern matching `text` anywhere, in lower case, with `%`, `_` and `\` taken
/// literally (use with `.escape('\\')`).
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// A client of the agency.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = clients)]
pub struct Client {
    pub id: i64,
    pub agency_id: i64,
    pub name: String,
    pub domain: Option<String>,
    pub notes: Option<String>,
    pub archived_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Client {
    /// True once the client has been archived (hidden from lists and job forms).
    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }

    /// The scoped agency's client with this id; another agency's client answers `NotFound`.
    pub fn find(conn: &mut DbConnection, scope: AgencyScope, id: i64) -> Result<Client, AppError> {
        Ok(clients::table
            .filter(clients::id.eq(id))
            .filter(clients::agency_id.eq(scope.agency_id()))
            .select(Client::as_select())
            .first(conn)?)
    }

    /// The scoped agency's client with this (normalised) domain, if any, archived or not.
    pub fn find_by_domain(
        conn: &mut DbConnection,
        scope: AgencyScope,
        domain: &str,
    ) -> Result<Option<Client>, AppError> {
        Ok(clients::table
            .filter(clients::agency_id.eq(scope.agency_id()))
            .filter(clients::domain.eq(domain))
            .select(Client::as_select())
            .first(conn)
            .optional()?)
    }
}

/// The client form, as submitted (every field a string; `version` only on the edit form).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientInput {
    pub name: String,
    pub domain: String,
    pub notes: String,
    pub version: String,
    /// A new client's form only: see [`crate::models::idempotency`].
    pub idempotency_key: String,
}

/// A checked client form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidClient {
    pub name: String,
    pub domain: Option<String>,
    pub notes: Option<String>,
}

impl ClientInput {
    /// The edit form filled from the saved client.
    pub fn from_client(client: &Client) -> Self {
        Self {
            name: client.name.clone(),
            domain: client.domain.clone().unwrap_or_default(),
            notes: client.notes.clone().unwrap_or_default(),
            version: client.version.to_string(),
            idempotency_key: String::new(),
        }
    }

    /// The same form carrying another version (after a stale save, so saving again re-applies).
    pub fn with_version(self, version: i32) -> Self {
        Self { version: version.to_string(), ..self }
    }

    /// Checks every field; all problems are reported at once.
    pub fn validate(&self) -> Result<ValidClient, AppError> {
        let mut errors = FieldErrors::default();
        let name = validation::required(&mut errors, "name", "Company name", &self.name, MAX_NAME);
        let domain = match normalize_domain(&self.domain) {
            Ok(domain) => domain,
            Err(message) => {
                errors.add("domain", message);
                None
            }
        };
        let notes = validation::optional(&mut errors, "notes", "Notes", &self.notes, MAX_NOTES);
        errors.finish(ValidClient { name, domain, notes })
    }
}

impl ValidClient {
    /// True when saving this would change nothing on `client`.
    fn matches(&self, client: &Client) -> bool {
        self.name == client.name && self.domain == client.domain && self.notes == client.notes
    }
}

/// Normalises a web domain as people type it ("https://www.Acme.com:443/jobs" → "acme.com").
/// Blank gives `None`; something that is not a host name with a dot is refused.
pub fn normalize_domain(raw: &str) -> Result<Option<String>, String> {
    const INVALID: &str = "Enter the company's web domain, like acme.com.";
    let mut host = raw.trim().to_lowercase();
    if host.is_empty() {
        return Ok(None);
    }
    if host.chars().count() > 2 * MAX_DOMAIN {
        return Err(format!("Web domain is too long (at most {MAX_DOMAIN} characters)."));
    }
    if let Some((_, rest)) = host.split_once("://") {
        host = rest.to_string();
    }
    // Everything after the host: path, query, fragment.
    if let Some(end) = host.find(['/', '?', '#']) {
        host.truncate(end);
    }
    // "jobs@acme.com" (someone pasted an address) or "user:pass@host".
    if let Some((_, rest)) = host.rsplit_once('@') {
        host = rest.to_string();
    }
    if let Some((name, port)) = host.rsplit_once(':')
        && port.chars().all(|c| c.is_ascii_digit())
    {
        host = name.to_string();
    }
    let host = host.trim_end_matches('.');
    let host = host.strip_prefix("www.").unwrap_or(host);
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(INVALID.into());
    }
    // International names are stored in their ASCII (punycode) form, as DNS knows them.
    let ascii = match url::Host::parse(host) {
        Ok(url::Host::Domain(ascii)) => ascii,
        _ => return Err(INVALID.into()),
    };
    let labels: Vec<&str> = ascii.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let top = labels.last().copied().unwrap_or_default();
    if labels.len() < 2 || !labels.iter().all(label_ok) || top.chars().all(|c| c.is_ascii_digit()) {
        return Err(INVALID.into());
    }
    if ascii.len() > MAX_DOMAIN {
        return Err(format!("Web domain is too long (at most {MAX_DOMAIN} characters)."));
    }
    Ok(Some(ascii))
}

/// What saving a client form did.
#[derive(Clone, Debug)]
pub enum ClientSaved {
    /// Saved (or there was nothing to change). The client as it is now.
    Done(Client),
    /// Someone else saved first; nothing was written. The client as it is now.
    Stale(Client),
    /// Another of the agency's clients already has this domain; nothing was written.
    DomainTaken(Client),
}

/// The message shown beside the domain when another client already has it.
pub fn domain_taken_message(existing: &Client) -> String {
    format!("{} already has this web domain. Open that client instead of adding it twice.", existing.name)
}

/// A unique-index clash on the domain, raised inside a transaction so that it rolls back.
const DOMAIN_CLASH: &str = "This web domain was just given to another client.";

/// After a write that may have clashed on the domain index: reports the client that holds it.
fn after_domain_clash(
    conn: &mut DbConnection,
    scope: AgencyScope,
    domain: Option<&str>,
    result: Result<ClientSaved, AppError>,
) -> Result<ClientSaved, AppError> {
    match (result, domain) {
        (Err(AppError::Invalid(errors)), Some(domain)) if errors.get("domain") == Some(DOMAIN_CLASH) => {
            match Client::find_by_domain(conn, scope, domain)? {
                Some(existing) => Ok(ClientSaved::DomainTaken(existing)),
                None => Err(AppError::Invalid(errors)),
            }
        }
        (result, _) => result,
    }
}

fn clash_or(e: diesel::result::Error) -> AppError {
    if db::is_unique_violation(&e) { AppError::invalid("domain", DOMAIN_CLASH) } else { e.into() }
}

/// Adds a client to the scoped agency, unless another of its clients has the same domain.
pub fn create(
    conn: &mut DbConnection,
    scope: AgencyScope,
    input: &ClientInput,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<ClientSaved, AppError> {
    let valid = input.validate()?;
    let result = db::write(conn, |conn| {
        // Checked first: a failed INSERT would abort a PostgreSQL transaction.
        if let Some(domain) = &valid.domain
            && let Some(existing) = Client::find_by_domain(conn, scope, domain)?
        {
            return Ok(ClientSaved::DomainTaken(existing));
        }
        let client: Client = diesel::insert_into(clients::table)
            .values((
                clients::agency_id.eq(scope.agency_id()),
                clients::name.eq(&valid.name),
                clients::domain.eq(&valid.domain),
                clients::notes.eq(&valid.notes),
                clients::version.eq(1),
                clients::created_by.eq(actor.user_id),
                clients::created_at.eq(now),
                clients::updated_at.eq(now),
            ))
            .get_result(conn)
            .map_err(clash_or)?;
        let detail = match &client.domain {
            Some(domain) => format!("{} ({domain})", client.name),
            None => client.name.clone(),
        };
        audit::record(conn, actor, Event::on("client.created", "client", client.id, detail), now)?;
        Ok(ClientSaved::Done(client))
    });
    after_domain_clash(conn, scope, valid.domain.as_deref(), result)
}

/// Saves the edit form of one of the scoped agency's clients, if it was made from the current
/// version (`input.version`); otherwise nothing is written and the current client comes back.
pub fn update(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    input: &ClientInput,
    now: NaiveDateTime,
) -> Result<ClientSaved, AppError> {
    // A foreign or missing client answers 404 before anything about the form is said.
    Client::find(conn, scope, id)?;
    let valid = input.validate()?;
    let version: Option<i32> = input.version.trim().parse().ok();
    let result = db::write(conn, |conn| {
        let current = Client::find(conn, scope, id)?;
        if version != Some(current.version) {
            return Ok(if valid.matches(&current) { ClientSaved::Done(current) } else { ClientSaved::Stale(current) });
        }
        if let Some(domain) = &valid.domain
            && let Some(existing) = Client::find_by_domain(conn, scope, domain)?
            && existing.id != id
        {
            return Ok(ClientSaved::DomainTaken(existing));
        }
        let written = diesel::update(
            clients::table
                .filter(clients::id.eq(id))
                .filter(clients::agency_id.eq(scope.agency_id()))
                .filter(clients::version.eq(current.version)),
        )
        .set((
            clients::name.eq(&valid.name),
            clients::domain.eq(&valid.domain),
            clients::notes.eq(&valid.notes),
            clients::version.eq(current.version + 1),
            clients::updated_at.eq(now),
        ))
        .execute(conn)
        .map_err(clash_or)?;
        let now_saved = Client::find(conn, scope, id)?;
        Ok(if written == 1 { ClientSaved::Done(now_saved) } else { ClientSaved::Stale(now_saved) })
    });
    after_domain_clash(conn, scope, valid.domain.as_deref(), result)
}

/// Archives or brings back one of the scoped agency's clients. Archiving is not an edit of the
/// form's fields, so it does not change the version (an open edit form stays valid).
pub fn set_archived(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    archived: bool,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Client, AppError> {
    db::write(conn, |conn| {
        let client = Client::find(conn, scope, id)?;
        if client.is_archived() == archived {
            return Ok(client);
        }
        diesel::update(clients::table.filter(clients::id.eq(id)).filter(clients::agency_id.eq(scope.agency_id())))
            .set((clients::archived_at.eq(archived.then_some(now)), clients::updated_at.eq(now)))
            .execute(conn)?;
        let action = if archived { "client.archived" } else { "client.unarchived" };
        audit::record(conn, actor, Event::on(action, "client", id, client.name.clone()), now)?;
        Client::find(conn, scope, id)
    })
}

/// What differs between a stale form and the saved client.
pub fn changes(yours: &ClientInput, saved: &Client) -> Vec<FieldChange> {
    let domain = normalize_domain(&yours.domain).ok().flatten().unwrap_or_else(|| yours.domain.trim().to_string());
    conflict::changes(vec![
        ("Company name", yours.name.trim().to_string(), saved.name.clone()),
        ("Web domain", domain, saved.domain.clone().unwrap_or_default()),
        ("Notes", yours.notes.trim().to_string(), saved.notes.clone().unwrap_or_default()),
    ])
}

/// How the client list is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClientSort {
    /// By company name, A to Z.
    #[default]
    Name,
    /// Most recently changed first.
    Updated,
}

impl ClientSort {
    /// Sorts as (value in the URL, label).
    pub const CHOICES: &'static [(&'static str, &'static str)] = &[("name", "Name"), ("updated", "Recently updated")];

    /// Reads `sort=` (anything unknown is the default).
    pub fn parse(raw: &str) -> Self {
        match raw {
            "updated" => Self::Updated,
            _ => Self::Name,
        }
    }

    /// The value in the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Updated => "updated",
        }
    }
}

/// The filters of the client list.
#[derive(Clone, Debug, Default)]
pub struct ClientFilter {
    /// Words to find in the name or domain.
    pub q: String,
    /// Also show archived clients.
    pub include_archived: bool,
    /// The order.
    pub sort: ClientSort,
    /// The page, from 1.
    pub page: i64,
}

/// One line of the client list.
#[derive(Clone, Debug)]
pub struct ClientRow {
    pub client: Client,
    /// Jobs of this client with status open.
    pub open_jobs: i64,
}

/// One page of a list, and whether another follows.
#[derive(Clone, Debug)]
pub struct ListPage<T> {
    pub rows: Vec<T>,
    pub page: i64,
    pub has_next: bool,
}

/// One page of the scoped agency's clients, with each client's open job count counted in the
/// same query.
pub fn list(
    conn: &mut DbConnection,
    scope: AgencyScope,
    filter: &ClientFilter,
) -> Result<ListPage<ClientRow>, AppError> {
    let page = filter.page.clamp(1, MAX_PAGE);
    let mut query = clients::table
        .left_join(jobs::table.on(
            jobs::client_id.eq(clients::id).and(jobs::agency_id.eq(clients::agency_id)).and(jobs::status.eq("open")),
        ))
        .filter(clients::agency_id.eq(scope.agency_id()))
        .group_by(clients::id)
        .select((Client::as_select(), diesel::dsl::count(jobs::id.nullable())))
        .into_boxed();
    if !filter.include_archived {
        query = query.filter(clients::archived_at.is_null());
    }
    let q = filter.q.trim();
    if !q.is_empty() {
        let pattern = contains_pattern(q);
        query = query.filter(
            lower(clients::name)
                .like(pattern.clone())
                .escape('\\')
                .nullable()
                .or(lower_nullable(clients::domain).like(pattern).escape('\\')),
        );
    }
    query = match filter.sort {
        ClientSort::Name => query.order((lower(clients::name).asc(), clients::id.asc())),
        ClientSort::Updated => query.order((clients::updated_at.desc(), clients::id.desc())),
    };
    let mut rows: Vec<(Client, i64)> = query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE).load(conn)?;
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let rows = rows.into_iter().map(|(client, open_jobs)| ClientRow { client, open_jobs }).collect();
    Ok(ListPage { rows, page, has_next })
}

/// The scoped agency's clients as choices for a job form: (id, name), by name. Archived clients
/// are left out, except `keep` (the job's current client).
pub fn choices(
    conn: &mut DbConnection,
    scope: AgencyScope,
    keep: Option<i64>,
    limit: i64,
) -> Result<Vec<(i64, String)>, AppError> {
    let mut query = clients::table
        .filter(clients::agency_id.eq(scope.agency_id()))
        .select((clients::id, clients::name))
        .order((lower(clients::name).asc(), clients::id.asc()))
        .limit(limit)
        .into_boxed();
    query = match keep {
        Some(keep) => query.filter(clients::archived_at.is_null().or(clients::id.eq(keep))),
        None => query.filter(clients::archived_at.is_null()),
    };
    let mut found: Vec<(i64, String)> = query.load(conn)?;
    if let Some(keep) = keep
        && !found.iter().any(|(id, _)| *id == keep)
        && let Ok(client) = Client::find(conn, scope, keep)
    {
        found.push((client.id, client.name));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalised_as_people_type_them() {
        for raw in [
            "acme.com",
            "ACME.com",
            " https://www.acme.com/careers?x=1 ",
            "http://acme.com:8080",
            "www.acme.com.",
            "jobs@acme.com",
            "HTTPS://WWW.ACME.COM/",
        ] {
            assert_eq!(normalize_domain(raw), Ok(Some("acme.com".into())), "{raw}");
        }
        assert_eq!(normalize_domain("shop.acme.co.uk"), Ok(Some("shop.acme.co.uk".into())));
        assert_eq!(normalize_domain("bücher.de"), Ok(Some("xn--bcher-kva.de".into())));
        assert_eq!(normalize_domain("   "), Ok(None));
        for bad in ["acme", "not a domain", "10.0.0.1", "-acme.com", "acme..com", "http://", "a_b.com", "www."] {
            assert!(normalize_domain(bad).is_err(), "{bad}");
        }
        assert!(normalize_domain(&format!("{}.com", "a".repeat(300))).is_err());
    }

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(contains_pattern(" Acme "), "%acme%");
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
