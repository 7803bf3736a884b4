//! The route table: every URL NextGig answers, in one place. Each module handles one resource.

pub mod account;
pub mod activities;
pub mod admin;
pub mod assets;
pub mod clients;
pub mod consents;
pub mod contractors;
pub mod documents;
pub mod health;
pub mod home;
pub mod hotlists;
pub mod imports;
pub mod interviews;
pub mod invitations;
pub mod jobs;
pub mod me;
pub mod notifications;
pub mod offers;
pub mod password_resets;
pub mod placements;
pub mod reports;
pub mod sessions;
pub mod setup;
pub mod shortlists;
pub mod stages;
pub mod submissions;
pub mod tasks;
pub mod two_factor;
pub(crate) mod uploads;

use actix_web::web;

/// Registers every route. Each path is one resource, so a known path with the wrong method
/// answers 405 rather than 404.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/healthz").route(get().to(health::live)))
        .service(resource("/readyz").route(get().to(health::ready)))
        .service(resource("/static/{path:.*}").route(get().to(assets::show)))
        .service(resource("/").route(get().to(home::index)))
        .service(resource("/login").route(get().to(sessions::new)).route(post().to(sessions::create)))
        .service(resource("/logout").route(post().to(sessions::destroy)))
        .service(resource("/setup").route(get().to(setup::new)).route(post().to(setup::create)))
        .service(resource("/account").route(get().to(account::show)))
        .service(resource("/account/password").route(post().to(account::change_password)))
        .service(resource("/account/time-zone").route(post().to(account::change_time_zone)))
        .service(resource("/account/sessions/end-others").route(post().to(account::end_other_sessions)))
        .service(
            resource("/password-reset").route(get().to(password_resets::new)).route(post().to(password_resets::create)),
        )
        .service(
            resource("/password-reset/{token}")
                .route(get().to(password_resets::edit))
                .route(post().to(password_resets::update)),
        )
        .service(
            resource("/invitations/{token}").route(get().to(invitations::show)).route(post().to(invitations::accept)),
        )
        .service(resource("/admin/team").route(get().to(admin::team::index)))
        .service(resource("/admin/team/{id}/disable").route(post().to(admin::team::disable)))
        .service(resource("/admin/team/{id}/enable").route(post().to(admin::team::enable)))
        .service(resource("/admin/invitations").route(post().to(admin::team::invite)))
        .service(resource("/admin/invitations/{id}/resend").route(post().to(admin::team::resend)))
        .service(resource("/admin/invitations/{id}/revoke").route(post().to(admin::team::revoke)))
        .service(resource("/admin/audit").route(get().to(admin::audit::index)));
    contractors::configure(cfg);
    clients::configure(cfg);
    jobs::configure(cfg);
    activities::configure(cfg);
    tasks::configure(cfg);
    hotlists::configure(cfg);
    imports::configure(cfg);
    me::configure(cfg);
    submissions::configure(cfg);
    consents::configure(cfg);
    interviews::configure(cfg);
    offers::configure(cfg);
    placements::configure(cfg);
    stages::configure(cfg);
    reports::configure(cfg);
    notifications::configure(cfg);
    documents::configure(cfg);
    two_factor::configure(cfg);
    shortlists::configure(cfg);
}

/// Every route as (method, path pattern): the isolation and header tests walk this list and fail
/// when a route is missing from their matrix.
pub fn all() -> Vec<(&'static str, &'static str)> {
    [
        ROUTES,
        contractors::ROUTES,
        clients::ROUTES,
        jobs::ROUTES,
        activities::ROUTES,
        tasks::ROUTES,
        hotlists::ROUTES,
        imports::ROUTES,
        me::ROUTES,
        submissions::ROUTES,
        consents::ROUTES,
        interviews::ROUTES,
        offers::ROUTES,
        placements::ROUTES,
        stages::ROUTES,
        reports::ROUTES,
        notifications::ROUTES,
        documents::ROUTES,
        two_factor::ROUTES,
        shortlists::ROUTES,
    ]
    .concat()
}

/// The foundation's routes (each resource module lists its own).
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/static/{path}"),
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/setup"),
    ("POST", "/setup"),
    ("GET", "/account"),
    ("POST", "/account/password"),
    ("POST", "/account/time-zone"),
    ("POST", "/account/sessions/end-others"),
    ("GET", "/password-reset"),
    ("POST", "/password-reset"),
    ("GET", "/password-reset/{token}"),
    ("POST", "/password-reset/{token}"),
    ("GET", "/invitations/{token}"),
    ("POST", "/invitations/{token}"),
    ("GET", "/admin/team"),
    ("POST", "/admin/team/{id}/disable"),
    ("POST", "/admin/team/{id}/enable"),
    ("POST", "/admin/invitations"),
    ("POST", "/admin/invitations/{id}/resend"),
    ("POST", "/admin/invitations/{id}/revoke"),
    ("GET", "/admin/audit"),
];

/// An id from a path: anything that is not a positive number answers like a missing record.
pub fn parse_id(raw: &str) -> Result<i64, crate::AppError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(crate::AppError::NotFound)
}

/// The answer to a create form sent again with the same idempotency key: nothing new was made;
/// go where the first one went.
pub fn already_created(session: &crate::auth::Session, location: &str) -> actix_web::HttpResponse {
    session.flash(crate::pages::Flash::info("This form had already been sent: nothing was added twice."));
    crate::pages::redirect(location)
}

/// Query parameters read with `serde_html_form`, which (unlike `web::Query`) accepts repeated
/// keys such as `skill=rust&skill=sql`.
#[derive(Debug)]
pub struct HtmlQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned> actix_web::FromRequest for HtmlQuery<T> {
    type Error = crate::AppError;
    type Future = std::future::Ready<Result<Self, crate::AppError>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(
            serde_html_form::from_str::<T>(req.query_string()).map(HtmlQuery).map_err(|e| {
                crate::AppError::BadRequest(format!("The address has a parameter NextGig cannot read: {e}."))
            }),
        )
    }
}
