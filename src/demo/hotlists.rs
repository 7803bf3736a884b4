//! Demo hotlists: the lists a desk keeps (people rolling off soon, a Java bench, cloud engineers,
//! cleared people, a shortlist for a client's programme), with a note on some members.

use anyhow::anyhow;
use chrono::TimeDelta;
use diesel::prelude::*;

use super::random::{DemoRng, chance, pick, shuffle, some_time_before};
use super::{Desk, DeskContractor};
use crate::db::DbConnection;
use crate::db::schema::{hotlist_members, hotlists};
use crate::models::hotlist::HotlistInput;

/// The hotlists a demo desk can have.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    RollingOff,
    JavaBench,
    CloudPlatform,
    Cleared,
    DataProgramme,
    AvailableSoon,
    Data,
}

/// Notes on a member (`{skill}`, `{first}` filled in).
const MEMBER_NOTES: &[&str] = &[
    "Strong on {skill}.",
    "Rate flexible for a long contract.",
    "Prefers remote; will travel for kick-offs.",
    "Call before the end of the month.",
    "{first} asked to hear about lead roles.",
    "Interviewed well with us last year.",
];

impl Kind {
    /// The hotlist's name and description.
    fn text(self) -> (&'static str, &'static str) {
        match self {
            Self::RollingOff => {
                ("Rolling off in 6 weeks", "Contracts ending soon: call them before other agencies do.")
            }
            Self::JavaBench => {
                ("Java & Kotlin bench", "Java and Kotlin people free now or soon, for the banking roles.")
            }
            Self::CloudPlatform => ("Cloud & platform engineers", "Kubernetes, Terraform and cloud people we rate."),
            Self::Cleared => ("SC-cleared", "Security-cleared contractors for public-sector work."),
            Self::DataProgramme => {
                ("Meridian data programme", "Shortlist for Meridian Bank's data platform work next year.")
            }
            Self::AvailableSoon => ("Available this month", "Free now or within a few weeks."),
            Self::Data => ("Data & analytics", "Data engineers, scientists and analysts."),
        }
    }

    /// Whether a contractor belongs on this list.
    fn fits(self, desk: &Desk, c: &DeskContractor) -> bool {
        let soon = desk.today + TimeDelta::days(42);
        let has = |skills: &[&str]| c.skills.iter().any(|s| skills.contains(&s.as_str()));
        match self {
            Self::RollingOff => c.availability == "on_contract" && c.contract_ends_on.is_some_and(|d| d <= soon),
            Self::JavaBench => has(&["Java", "Kotlin"]) && c.available_on <= desk.today + TimeDelta::days(90),
            Self::CloudPlatform => has(&["Kubernetes", "Terraform"]),
            Self::Cleared => c.tags.iter().any(|t| t == "sc-cleared"),
            Self::DataProgramme => matches!(c.role, "data_engineer" | "data_science" | "analyst"),
            Self::AvailableSoon => c.available_on <= desk.today + TimeDelta::days(30),
            Self::Data => matches!(c.role, "data_engineer" | "data_science" | "analyst"),
        }
    }
}

/// Most members a demo hotlist gets.
const MAX_MEMBERS: usize = 25;

/// Adds the desk's hotlists with their members.
pub fn load_hotlists(conn: &mut DbConnection, desk: &Desk, rng: &mut DemoRng, kinds: &[Kind]) -> anyhow::Result<()> {
    for kind in kinds {
        let (name, description) = kind.text();
        let valid = HotlistInput { name: name.into(), description: description.into() }
            .validate()
            .map_err(|e| anyhow!("demo hotlist {name} breaks a rule: {e}"))?;
        let owner = pick(rng, &desk.recruiters()).id;
        let created_at = some_time_before(rng, desk.now, 10, 120);
        let mut members: Vec<&DeskContractor> =
            desk.contractors.iter().filter(|c| !c.archived && kind.fits(desk, c)).collect();
        shuffle(rng, &mut members);
        members.truncate(MAX_MEMBERS);
        let mut updated_at = created_at;
        let mut rows = Vec::new();
        for member in members {
            let added_at = some_time_before(rng, desk.now, 0, (desk.now - created_at).num_days());
            updated_at = updated_at.max(added_at);
            let note = chance(rng, 0.4).then(|| {
                let skill = member.skills.first().map_or("the stack", String::as_str);
                pick(rng, MEMBER_NOTES).replace("{skill}", skill).replace("{first}", &member.first)
            });
            rows.push((member.id, note, added_at));
        }
        let hotlist_id: i64 = diesel::insert_into(hotlists::table)
            .values((
                hotlists::agency_id.eq(desk.agency_id),
                hotlists::name.eq(&valid.name),
                hotlists::description.eq(&valid.description),
                hotlists::created_by.eq(Some(owner)),
                hotlists::created_at.eq(created_at),
                hotlists::updated_at.eq(updated_at),
            ))
            .returning(hotlists::id)
            .get_result(conn)?;
        for (contractor_id, note, added_at) in rows {
            diesel::insert_into(hotlist_members::table)
                .values((
                    hotlist_members::hotlist_id.eq(hotlist_id),
                    hotlist_members::agency_contractor_id.eq(contractor_id),
                    hotlist_members::agency_id.eq(desk.agency_id),
                    hotlist_members::note.eq(note),
                    hotlist_members::added_by.eq(Some(owner)),
                    hotlist_members::added_at.eq(added_at),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}
