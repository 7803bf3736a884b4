//! `/reports`: the agency's pipeline week by week and per recruiter, time in each stage and
//! punctuality of updates, each table with a chart drawn on the server. All staff see the whole
//! agency's reports.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::Staff;
use crate::error::AppError;
use crate::models::report::{self, DEFAULT_WEEKS, Filters, PERIODS, Report};
use crate::models::report_chart::{self, ReportCharts};
use crate::models::user::User;
use crate::pages::{self, Layout, Section};
use crate::routes::parse_id;
use crate::state::AppState;

/// Registers this resource's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/reports").route(web::get().to(index)));
}

/// This resource's routes as (method, path pattern).
pub const ROUTES: &[(&str, &str)] = &[("GET", "/reports")];

/// Query of `GET /reports`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportQuery {
    weeks: String,
    recruiter: String,
}

#[derive(Template)]
#[template(path = "reports/index.html")]
struct ReportsPage {
    layout: Layout,
    report: Report,
    charts: ReportCharts,
    staff: Vec<User>,
    weeks: u32,
    recruiter: Option<i64>,
    period: &'static str,
    time_zone: String,
}

impl ReportsPage {
    /// The period choices as (value, label) for the filter.
    fn periods(&self) -> Vec<(String, &'static str)> {
        PERIODS.iter().map(|(weeks, label)| (weeks.to_string(), *label)).collect()
    }

    /// True when `user` is the chosen recruiter.
    fn is_chosen(&self, user: &User) -> bool {
        self.recruiter == Some(user.id)
    }

    /// The chosen recruiter's name, if one is chosen.
    fn chosen_name(&self) -> Option<&str> {
        self.staff.iter().find(|u| self.recruiter == Some(u.id)).map(|u| u.name.as_str())
    }
}

/// `GET /reports?weeks=4|12|26&recruiter=ID`.
pub async fn index(
    app: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let weeks =
        query.weeks.trim().parse::<u32>().ok().filter(|w| PERIODS.iter().any(|(p, _)| p == w)).unwrap_or(DEFAULT_WEEKS);
    let recruiter = match query.recruiter.trim() {
        "" => None,
        raw => Some(parse_id(raw)?),
    };
    let layout = staff.session.layout(Section::Reports);
    let tz = layout.time_zone();
    let (scope, now) = (staff.scope, app.clock.now());
    let filters = Filters { weeks, recruiter };
    let (staff_list, report) = app
        .db(move |conn| {
            let staff_list = report::recruiters(conn, scope)?;
            // Another agency's user answers like a missing one.
            if recruiter.is_some_and(|id| !staff_list.iter().any(|u| u.id == id)) {
                return Err(AppError::NotFound);
            }
            let report = report::build(conn, scope, filters, &staff_list, tz, now)?;
            Ok((staff_list, report))
        })
        .await?;
    let period = PERIODS.iter().find(|(p, _)| *p == weeks).map_or("", |(_, label)| *label);
    let mut scope_label = period.to_lowercase();
    if let Some(user) = staff_list.iter().find(|u| Some(u.id) == recruiter) {
        scope_label = format!("{scope_label}, {}", user.name);
    }
    let charts = report_chart::for_report(&report, &scope_label);
    let time_zone = tz.name().to_string();
    pages::html(&ReportsPage { layout, report, charts, staff: staff_list, weeks, recruiter, period, time_zone })
}
