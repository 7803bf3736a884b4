//! Hotlists: named lists of the agency's contractors, each member with a note.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::{agency_contractors, hotlist_members, hotlists};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::audit::{self, Actor, Event};
use crate::models::contractor::{self, Contractor};
use crate::models::contractor_csv;
use crate::models::validation::{self, FieldErrors};

diesel::define_sql_function! {
    /// SQL `lower()`: names are unique per agency whatever their case.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Longest hotlist name.
pub const MAX_NAME: usize = 100;
/// Longest hotlist description.
pub const MAX_DESCRIPTION: usize = 2_000;
/// Longest member note.
pub const MAX_NOTE: usize = 2_000;
/// Members per page of a hotlist.
pub const PAGE_SIZE: i64 = 50;
/// Most contractors added in one go.
pub const MAX_ADD: usize = 200;

/// A hotlist.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = hotlists)]
pub struct Hotlist {
    pub id: i64,
    pub agency_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One of the agency's hotlists as seen from a contractor's page.
#[derive(Clone, Debug)]
pub struct HotlistChoice {
    pub id: i64,
    pub name: String,
    /// True when the contractor is on it.
    pub member: bool,
    /// The member's note, when on it.
    pub note: Option<String>,
}

/// True when the contractor is on at least one of these hotlists.
pub fn on_any(hotlists: &[HotlistChoice]) -> bool {
    hotlists.iter().any(|h| h.member)
}

/// A hotlist in the agency's list, with its member count.
#[derive(Clone, Debug, Queryable)]
pub struct HotlistSummary {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub updated_at: NaiveDateTime,
    pub members: i64,
}

/// The agency's hotlists by name, each with its member count, in one query.
pub fn list(conn: &mut DbConnection, scope: AgencyScope) -> Result<Vec<HotlistSummary>, AppError> {
    let members = hotlist_members::table
        .filter(hotlist_members::hotlist_id.eq(hotlists::id))
        .count()
        .single_value()
        .assume_not_null();
    Ok(hotlists::table
        .filter(hotlists::agency_id.eq(scope.agency_id()))
        .order((hotlists::name.asc(), hotlists::id.asc()))
        .select((hotlists::id, hotlists::name, hotlists::description, hotlists::updated_at, members))
        .load(conn)?)
}

/// The hotlist form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HotlistInput {
    pub name: String,
    pub description: String,
}

/// A checked hotlist form.
#[derive(Clone, Debug)]
pub struct ValidHotlist {
    pub name: String,
    pub description: Option<String>,
}

impl HotlistInput {
    /// Checks the fields.
    pub fn validate(&self) -> Result<ValidHotlist, AppError> {
        let mut errors = FieldErrors::default();
        let name = validation::required(&mut errors, "name", "Name", &self.name, MAX_NAME);
        let description =
            validation::optional(&mut errors, "description", "Description", &self.description, MAX_DESCRIPTION);
        errors.finish(ValidHotlist { name, description })
    }

    /// The form filled with a saved hotlist.
    pub fn from_hotlist(hotlist: &Hotlist) -> Self {
        Self { name: hotlist.name.clone(), description: hotlist.description.clone().unwrap_or_default() }
    }
}

fn name_taken(conn: &mut DbConnection, scope: AgencyScope, name: &str, except: Option<i64>) -> Result<bool, AppError> {
    let mut query = hotlists::table
        .filter(hotlists::agency_id.eq(scope.agency_id()))
        .filter(lower(hotlists::name).eq(name.to_lowercase()))
        .select(hotlists::id)
        .into_boxed();
    if let Some(except) = except {
        query = query.filter(hotlists::id.ne(except));
    }
    Ok(query.first::<i64>(conn).optional()?.is_some())
}

fn taken_error() -> AppError {
    AppError::invalid("name", "You already have a hotlist with this name.")
}

/// Creates a hotlist; a name the agency already uses is a field error.
pub fn create(
    conn: &mut DbConnection,
    scope: AgencyScope,
    input: &ValidHotlist,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Hotlist, AppError> {
    db::write(conn, |conn| {
        if name_taken(conn, scope, &input.name, None)? {
            return Err(taken_error());
        }
        let inserted = diesel::insert_into(hotlists::table)
            .values((
                hotlists::agency_id.eq(scope.agency_id()),
                hotlists::name.eq(&input.name),
                hotlists::description.eq(&input.description),
                hotlists::created_by.eq(actor.user_id),
                hotlists::created_at.eq(now),
                hotlists::updated_at.eq(now),
            ))
            .returning(hotlists::id)
            .get_result::<i64>(conn);
        let id = match inserted {
            Ok(id) => id,
            Err(e) if db::is_unique_violation(&e) => return Err(taken_error()),
            Err(e) => return Err(e.into()),
        };
        audit::record(conn, actor, Event::on("hotlist.created", "hotlist", id, input.name.clone()), now)?;
        find(conn, scope, id)
    })
}

/// The agency's hotlist with this id; another agency's answers `NotFound`.
pub fn find(conn: &mut DbConnection, scope: AgencyScope, id: i64) -> Result<Hotlist, AppError> {
    Ok(hotlists::table
        .filter(hotlists::id.eq(id))
        .filter(hotlists::agency_id.eq(scope.agency_id()))
        .select(Hotlist::as_select())
        .first(conn)?)
}

/// Renames or re-describes a hotlist.
pub fn update(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    input: &ValidHotlist,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Hotlist, AppError> {
    db::write(conn, |conn| {
        let current = find(conn, scope, id)?;
        if name_taken(conn, scope, &input.name, Some(id))? {
            return Err(taken_error());
        }
        let updated = diesel::update(hotlists::table.filter(hotlists::id.eq(current.id)))
            .set((
                hotlists::name.eq(&input.name),
                hotlists::description.eq(&input.description),
                hotlists::updated_at.eq(now),
            ))
            .execute(conn);
        match updated {
            Ok(_) => {}
            Err(e) if db::is_unique_violation(&e) => return Err(taken_error()),
            Err(e) => return Err(e.into()),
        }
        audit::record(conn, actor, Event::on("hotlist.updated", "hotlist", id, input.name.clone()), now)?;
        find(conn, scope, id)
    })
}

/// Deletes a hotlist and its member list (the contractors stay).
pub fn delete(
    conn: &mut DbConnection,
    scope: AgencyScope,
    id: i64,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Hotlist, AppError> {
    db::write(conn, |conn| {
        let current = find(conn, scope, id)?;
        diesel::delete(hotlist_members::table.filter(hotlist_members::hotlist_id.eq(current.id))).execute(conn)?;
        diesel::delete(hotlists::table.filter(hotlists::id.eq(current.id))).execute(conn)?;
        audit::record(conn, actor, Event::on("hotlist.deleted", "hotlist", id, current.name.clone()), now)?;
        Ok(current)
    })
}

/// Orders of a hotlist's members: (stored, shown).
pub const MEMBER_SORTS: &[(&str, &str)] =
    &[("added", "Recently added"), ("name", "Name"), ("availability", "Soonest available"), ("rate", "Lowest rate")];

/// A member of a hotlist: the record, its skills and the note.
#[derive(Clone, Debug)]
pub struct Member {
    pub contractor: Contractor,
    pub skills: Vec<String>,
    pub note: Option<String>,
    pub added_at: NaiveDateTime,
}

/// A page of members.
#[derive(Clone, Debug)]
pub struct MemberPage {
    pub members: Vec<Member>,
    /// Members in all.
    pub total: i64,
    /// The page shown (from 1).
    pub page: i64,
    /// True when another page follows.
    pub more: bool,
}

/// One page of a hotlist's members in the chosen order (three statements: the page, the
/// skills of its members, the count).
pub fn members(
    conn: &mut DbConnection,
    scope: AgencyScope,
    hotlist_id: i64,
    sort: &str,
    page: i64,
) -> Result<MemberPage, AppError> {
    let page = page.clamp(1, 10_000);
    let mut query = hotlist_members::table
        .inner_join(agency_contractors::table.on(agency_contractors::id.eq(hotlist_members::agency_contractor_id)))
        .filter(hotlist_members::hotlist_id.eq(hotlist_id))
        .filter(hotlist_members::agency_id.eq(scope.agency_id()))
        .filter(agency_contractors::agency_id.eq(scope.agency_id()))
        .select((Contractor::as_select(), hotlist_members::note, hotlist_members::added_at))
        .into_boxed();
    query = match sort {
        "name" => query.order((agency_contractors::name.asc(), agency_contractors::id.asc())),
        "availability" => query.order((agency_contractors::available_on.asc(), agency_contractors::id.asc())),
        "rate" => query.order((
            agency_contractors::rate_hourly_minor.is_null().asc(),
            agency_contractors::rate_hourly_minor.asc(),
            agency_contractors::id.asc(),
        )),
        _ => query.order((hotlist_members::added_at.desc(), agency_contractors::id.desc())),
    };
    let mut rows: Vec<(Contractor, Option<String>, NaiveDateTime)> =
        query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1).load(conn)?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let ids: Vec<i64> = rows.iter().map(|r| r.0.id).collect();
    let mut skills = contractor::skill_names(conn, &ids)?;
    let total = count_members(conn, scope, hotlist_id)?;
    let members = rows
        .into_iter()
        .map(|(contractor, note, added_at)| Member {
            skills: skills.remove(&contractor.id).unwrap_or_default(),
            contractor,
            note,
            added_at,
        })
        .collect();
    Ok(MemberPage { members, total, page, more })
}

fn count_members(conn: &mut DbConnection, scope: AgencyScope, hotlist_id: i64) -> Result<i64, AppError> {
    Ok(hotlist_members::table
        .filter(hotlist_members::hotlist_id.eq(hotlist_id))
        .filter(hotlist_members::agency_id.eq(scope.agency_id()))
        .count()
        .get_result(conn)?)
}

fn check_note(note: &str) -> Result<Option<String>, AppError> {
    let mut errors = FieldErrors::default();
    let note = validation::optional(&mut errors, "note", "Note", note, MAX_NOTE);
    errors.finish(note)
}

/// What adding contractors to a hotlist did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Added {
    /// Newly on the list.
    pub added: usize,
    /// Already on it (their note is replaced when a note was given).
    pub already: usize,
}

/// Adds the agency's contractors to one of its hotlists with an optional note. Any contractor
/// that is not the agency's makes the whole request answer `NotFound` (nothing is added).
pub fn add_members(
    conn: &mut DbConnection,
    scope: AgencyScope,
    hotlist_id: i64,
    contractor_ids: &[i64],
    note: &str,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<(Hotlist, Added), AppError> {
    let note = check_note(note)?;
    if contractor_ids.is_empty() {
        return Err(AppError::invalid("contractor_id", "Choose at least one contractor."));
    }
    if contractor_ids.len() > MAX_ADD {
        return Err(AppError::invalid("contractor_id", format!("Add at most {MAX_ADD} contractors at once.")));
    }
    let mut ids = contractor_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    db::write(conn, |conn| {
        let hotlist = find(conn, scope, hotlist_id)?;
        let found = contractor::find_many(conn, scope, &ids)?;
        if found.len() != ids.len() {
            return Err(AppError::NotFound);
        }
        let existing: Vec<i64> = hotlist_members::table
            .filter(hotlist_members::hotlist_id.eq(hotlist.id))
            .filter(hotlist_members::agency_contractor_id.eq_any(&ids))
            .select(hotlist_members::agency_contractor_id)
            .load(conn)?;
        let new: Vec<_> = ids
            .iter()
            .filter(|id| !existing.contains(id))
            .map(|id| {
                (
                    hotlist_members::hotlist_id.eq(hotlist.id),
                    hotlist_members::agency_contractor_id.eq(*id),
                    hotlist_members::agency_id.eq(scope.agency_id()),
                    hotlist_members::note.eq(note.as_deref()),
                    hotlist_members::added_by.eq(actor.user_id),
                    hotlist_members::added_at.eq(now),
                )
            })
            .collect();
        if !new.is_empty() {
            // Multi-row INSERT differs between the backends, so it is written once per backend.
            match conn {
                DbConnection::Sqlite(c) => diesel::insert_into(hotlist_members::table).values(&new).execute(c)?,
                DbConnection::Postgresql(c) => diesel::insert_into(hotlist_members::table).values(&new).execute(c)?,
            };
        }
        if note.is_some() && !existing.is_empty() {
            diesel::update(
                hotlist_members::table
                    .filter(hotlist_members::hotlist_id.eq(hotlist.id))
                    .filter(hotlist_members::agency_contractor_id.eq_any(&existing)),
            )
            .set(hotlist_members::note.eq(note.as_deref()))
            .execute(conn)?;
        }
        diesel::update(hotlists::table.filter(hotlists::id.eq(hotlist.id)))
            .set(hotlists::updated_at.eq(now))
            .execute(conn)?;
        let names: Vec<&str> = found.iter().map(|c| c.name.as_str()).take(20).collect();
        audit::record(
            conn,
            actor,
            Event::on(
                "hotlist.members_added",
                "hotlist",
                hotlist.id,
                format!("{}: {}", hotlist.name, names.join(", ")),
            ),
            now,
        )?;
        Ok((hotlist, Added { added: new.len(), already: existing.len() }))
    })
}

/// Replaces a member's note.
pub fn set_note(
    conn: &mut DbConnection,
    scope: AgencyScope,
    hotlist_id: i64,
    contractor_id: i64,
    note: &str,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<(Hotlist, Contractor), AppError> {
    let note = check_note(note)?;
    db::write(conn, |conn| {
        let hotlist = find(conn, scope, hotlist_id)?;
        let record = contractor::find(conn, scope, contractor_id)?;
        let changed = diesel::update(
            hotlist_members::table
                .filter(hotlist_members::hotlist_id.eq(hotlist.id))
                .filter(hotlist_members::agency_contractor_id.eq(record.id))
                .filter(hotlist_members::agency_id.eq(scope.agency_id())),
        )
        .set(hotlist_members::note.eq(note.as_deref()))
        .execute(conn)?;
        if changed != 1 {
            return Err(AppError::NotFound);
        }
        audit::record(
            conn,
            actor,
            Event::on("hotlist.note_changed", "hotlist", hotlist.id, format!("{}: {}", hotlist.name, record.name)),
            now,
        )?;
        Ok((hotlist, record))
    })
}

/// Takes a contractor off a hotlist.
pub fn remove_member(
    conn: &mut DbConnection,
    scope: AgencyScope,
    hotlist_id: i64,
    contractor_id: i64,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<(Hotlist, Contractor), AppError> {
    db::write(conn, |conn| {
        let hotlist = find(conn, scope, hotlist_id)?;
        let record = contractor::find(conn, scope, contractor_id)?;
        let removed = diesel::delete(
            hotlist_members::table
                .filter(hotlist_members::hotlist_id.eq(hotlist.id))
                .filter(hotlist_members::agency_contractor_id.eq(record.id))
                .filter(hotlist_members::agency_id.eq(scope.agency_id())),
        )
        .execute(conn)?;
        if removed != 1 {
            return Err(AppError::NotFound);
        }
        diesel::update(hotlists::table.filter(hotlists::id.eq(hotlist.id)))
            .set(hotlists::updated_at.eq(now))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            Event::on("hotlist.member_removed", "hotlist", hotlist.id, format!("{}: {}", hotlist.name, record.name)),
            now,
        )?;
        Ok((hotlist, record))
    })
}

/// One batch of a hotlist's export (members after contractor id `after`, by id), as CSV bytes
/// with the member's note in a last "Hotlist note" column, and the last id written.
pub fn export_batch(
    conn: &mut DbConnection,
    scope: AgencyScope,
    hotlist_id: i64,
    after: i64,
    owners: &HashMap<i64, String>,
) -> Result<(Vec<u8>, Option<i64>), AppError> {
    let rows: Vec<(Contractor, Option<String>)> = hotlist_members::table
        .inner_join(agency_contractors::table.on(agency_contractors::id.eq(hotlist_members::agency_contractor_id)))
        .filter(hotlist_members::hotlist_id.eq(hotlist_id))
        .filter(hotlist_members::agency_id.eq(scope.agency_id()))
        .filter(agency_contractors::agency_id.eq(scope.agency_id()))
        .filter(agency_contractors::id.gt(after))
        .order(agency_contractors::id.asc())
        .limit(contractor_csv::EXPORT_BATCH)
        .select((Contractor::as_select(), hotlist_members::note))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0.id).collect();
    let skills = contractor::skill_names(conn, &ids)?;
    let bytes = contractor_csv::row_bytes(
        rows.iter().map(|(record, note)| {
            let names = skills.get(&record.id).map(|s| s.iter().map(String::as_str).collect()).unwrap_or_default();
            (record, names, vec![note.clone().unwrap_or_default()])
        }),
        owners,
    )?;
    let last = (rows.len() as i64 == contractor_csv::EXPORT_BATCH).then(|| ids.last().copied()).flatten();
    Ok((bytes, last))
}

/// Records an export in the audit log (with the row count) and returns the count.
pub fn audit_export(
    conn: &mut DbConnection,
    scope: AgencyScope,
    hotlist: &Hotlist,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    let count = count_members(conn, scope, hotlist.id)?;
    audit::record(
        conn,
        actor,
        Event::on("contractors.exported", "hotlist", hotlist.id, format!("{count} rows from hotlist {}", hotlist.name)),
        now,
    )?;
    Ok(count)
}
