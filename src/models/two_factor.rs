//! Two-step sign-in for staff: a time-based one-time code (TOTP, RFC 6238: HMAC-SHA1, 6 digits,
//! 30-second steps) from an authenticator app, one-time recovery codes, the sign-in step between
//! the password and the code, and the agency's "everyone must use it" setting.
//!
//! The shared secret is needed in clear to check a code, so it is stored as is (never logged,
//! never shown again after setup). Recovery codes (about 50 bits each) are stored only as salted
//! argon2id hashes, as ASVS asks for lookup secrets under 112 bits, and are spent once. Hashing
//! them is slow on purpose, so it never happens inside a transaction: codes are made with
//! [`NewRecoveryCodes::generate`] and a typed one is matched with [`match_recovery_code`] before
//! the write that stores or spends them.

use std::collections::HashSet;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use rand::{Rng, RngCore};
use sha1::Sha1;
use subtle::ConstantTimeEq;

use crate::db::schema::{agencies, sessions, two_factor_challenges, two_factor_recovery_codes, user_two_factor, users};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::models::agency::AgencyScope;
use crate::models::audit::{self, Actor, Event};
use crate::models::user::{KIND_STAFF, User};
use crate::models::{password, token};

/// Seconds in one TOTP time step.
pub const STEP_SECONDS: i64 = 30;
/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Steps either side of now that are still accepted (clock drift, a code typed as it changed).
const DRIFT_STEPS: i64 = 1;
/// Bytes of a new secret (160 bits, as RFC 4226 recommends for HMAC-SHA1).
const SECRET_BYTES: usize = 20;
/// Recovery codes made at a time.
pub const RECOVERY_CODES: usize = 10;
/// Characters of a recovery code (shown as two groups of five).
const RECOVERY_CODE_LENGTH: usize = 10;
/// Letters and digits of recovery codes: lower case, without look-alikes (0/o, 1/l/i).
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
/// The name authenticator apps show above the code.
pub const ISSUER: &str = "NextGig";

/// How long a correct password waits for its code.
pub const CODE_WAIT_MINUTES: i64 = 5;
/// How long a sign-in that must first set up two-step sign-in may take (installing an app).
pub const ENROL_WAIT_MINUTES: i64 = 15;
/// How long a signed-in user's unconfirmed setup is kept.
pub const SETUP_WAIT_MINUTES: i64 = 30;

// ---------------------------------------------------------------------------------------------
// TOTP (RFC 6238 over RFC 4226) and base32 (RFC 4648), by hand: each is a few lines.

/// The time step an instant falls in.
pub fn step_at(at: NaiveDateTime) -> i64 {
    at.and_utc().timestamp().div_euclid(STEP_SECONDS)
}

/// HOTP (RFC 4226): the `digits`-digit code for `counter`.
fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([hash[offset] & 0x7f, hash[offset + 1], hash[offset + 2], hash[offset + 3]]);
    binary % 10u32.pow(digits)
}

/// The code for time step `step`, zero-padded.
fn code_for_step(key: &[u8], step: i64, digits: u32) -> String {
    let code = hotp(key, u64::try_from(step).unwrap_or(0), digits);
    format!("{code:0width$}", width = digits as usize)
}

/// The 6-digit code an authenticator app shows at `at` for a base32 `secret` (`None` when the
/// secret is not base32).
pub fn code_at(secret: &str, at: NaiveDateTime) -> Option<String> {
    let key = base32_decode(secret)?;
    Some(code_for_step(&key, step_at(at), DIGITS))
}

/// The time step (now, or one either side) whose code is `code`, compared in constant time.
fn matching_step(key: &[u8], code: &str, now: NaiveDateTime) -> Option<i64> {
    let current = step_at(now);
    let mut found = None;
    for step in current - DRIFT_STEPS..=current + DRIFT_STEPS {
        let expected = code_for_step(key, step, DIGITS);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 (RFC 4648) without padding, as authenticator apps expect secrets.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Reads base32 (any case, spaces and padding ignored); `None` for any other character.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        let value = BASE32.iter().position(|&b| b == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | value as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// A new random secret, base32.
pub fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    base32_encode(&bytes)
}

/// The secret in groups of four, for typing it into an app by hand.
pub fn grouped(secret: &str) -> String {
    secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

/// Percent-encodes the label part of an otpauth URI (RFC 3986 unreserved characters and `@` kept).
fn encode_label(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The `otpauth://` URI an authenticator app reads (from the QR code or a link).
pub fn otpauth_uri(secret: &str, account: &str) -> String {
    format!(
        "otpauth://totp/{ISSUER}:{}?secret={secret}&issuer={ISSUER}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        encode_label(account)
    )
}

/// A QR code as one SVG path (dark modules as unit squares, with the 4-module quiet zone).
#[derive(Clone, Debug)]
pub struct QrSvg {
    /// Width and height of the view box, in modules.
    pub size: usize,
    /// The path's `d` attribute.
    pub path: String,
}

/// The QR code of `text` (`None` if it is too long for a QR code).
pub fn qr_svg(text: &str) -> Option<QrSvg> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let mut path = String::new();
    for y in 0..width {
        let mut x = 0;
        while x < width {
            if colors[y * width + x] == qrcode::Color::Dark {
                let start = x;
                while x < width && colors[y * width + x] == qrcode::Color::Dark {
                    x += 1;
                }
                let run = x - start;
                path.push_str(&format!("M{} {}h{run}v1h-{run}z", start + quiet, y + quiet));
            } else {
                x += 1;
            }
        }
    }
    Some(QrSvg { size: width + 2 * quiet, path })
}

// ---------------------------------------------------------------------------------------------
// Recovery codes.

/// A new recovery code, shown as `xxxxx-xxxxx`.
fn new_recovery_code() -> String {
    let mut rng = rand::rng();
    let raw: String = (0..RECOVERY_CODE_LENGTH)
        .map(|_| char::from(RECOVERY_ALPHABET[rng.random_range(0..RECOVERY_ALPHABET.len())]))
        .collect();
    format!("{}-{}", &raw[..5], &raw[5..])
}

/// A recovery code as typed (any case, with or without the dash or spaces) in its stored form.
fn normalize_recovery_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// True when `code` looks like a recovery code rather than an app code.
fn looks_like_recovery_code(code: &str) -> bool {
    let normalized = normalize_recovery_code(code);
    normalized.len() == RECOVERY_CODE_LENGTH && normalized.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))
}

/// An app code as typed ("123 456", "123456"), digits only.
fn normalize_app_code(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Recovery codes just made: the codes, shown once, and their argon2id hashes, stored.
#[derive(Clone, Debug)]
pub struct NewRecoveryCodes {
    /// The codes as the user writes them down (`xxxxx-xxxxx`).
    pub codes: Vec<String>,
    hashes: Vec<String>,
}

impl NewRecoveryCodes {
    /// Makes [`RECOVERY_CODES`] codes and hashes each (slow: run it on a blocking thread under
    /// the hashing bound, before the transaction that stores them).
    pub fn generate() -> Result<Self, AppError> {
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
        let hashes =
            codes.iter().map(|code| password::hash(&normalize_recovery_code(code))).collect::<Result<_, _>>()?;
        Ok(Self { codes, hashes })
    }
}

/// Replaces the user's recovery codes with `new` ones; returns them (shown once).
fn replace_recovery_codes(
    conn: &mut DbConnection,
    user_id: i64,
    new: &NewRecoveryCodes,
    now: NaiveDateTime,
) -> Result<Vec<String>, AppError> {
    diesel::delete(two_factor_recovery_codes::table.filter(two_factor_recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    for hash in &new.hashes {
        diesel::insert_into(two_factor_recovery_codes::table)
            .values((
                two_factor_recovery_codes::user_id.eq(user_id),
                two_factor_recovery_codes::code_hash.eq(hash),
                two_factor_recovery_codes::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(new.codes.clone())
}

/// A user's unused recovery codes as stored: (id, hash). What [`match_recovery_code`] checks a
/// typed code against; empty when the typed code cannot be a recovery code.
pub fn recovery_code_hashes(conn: &mut DbConnection, user_id: i64, code: &str) -> Result<Vec<(i64, String)>, AppError> {
    if !looks_like_recovery_code(code) {
        return Ok(Vec::new());
    }
    Ok(two_factor_recovery_codes::table
        .filter(two_factor_recovery_codes::user_id.eq(user_id))
        .filter(two_factor_recovery_codes::used_at.is_null())
        .order(two_factor_recovery_codes::id)
        .select((two_factor_recovery_codes::id, two_factor_recovery_codes::code_hash))
        .load(conn)?)
}

/// Which of the stored codes `code` is, if any (slow: one argon2id check per unused code; run it
/// like [`NewRecoveryCodes::generate`]). Codes made before they were stored with argon2id are
/// SHA-256 hex, compared in constant time, until the user makes new ones.
pub fn match_recovery_code(code: &str, stored: &[(i64, String)]) -> Option<i64> {
    if !looks_like_recovery_code(code) {
        return None;
    }
    let typed = normalize_recovery_code(code);
    let legacy = token::hash(&typed);
    stored.iter().find_map(|(id, hash)| {
        let matches = if is_legacy_hash(hash) {
            bool::from(hash.as_bytes().ct_eq(legacy.as_bytes()))
        } else {
            password::verify(&typed, hash)
        };
        matches.then_some(*id)
    })
}

/// True for a recovery code stored before argon2id (bare SHA-256 hex).
fn is_legacy_hash(hash: &str) -> bool {
    !hash.starts_with("$argon2")
}

// ---------------------------------------------------------------------------------------------
// A user's two-step sign-in.

/// A user's two-step sign-in, as their account page shows it.
#[derive(Clone, Debug)]
pub struct Status {
    /// When it was turned on (or last moved to a new app).
    pub enabled_at: NaiveDateTime,
    /// Recovery codes not yet used.
    pub recovery_codes_left: i64,
    /// True when some unused codes were stored in the older, weaker form (SHA-256): the account
    /// page asks the user to make new ones.
    pub recovery_codes_outdated: bool,
}

/// The user's two-step sign-in, if it is on.
pub fn status(conn: &mut DbConnection, user_id: i64) -> Result<Option<Status>, AppError> {
    let enabled_at: Option<NaiveDateTime> = user_two_factor::table
        .filter(user_two_factor::user_id.eq(user_id))
        .select(user_two_factor::enabled_at)
        .first(conn)
        .optional()?;
    let Some(enabled_at) = enabled_at else { return Ok(None) };
    let unused: Vec<String> = two_factor_recovery_codes::table
        .filter(two_factor_recovery_codes::user_id.eq(user_id))
        .filter(two_factor_recovery_codes::used_at.is_null())
        .select(two_factor_recovery_codes::code_hash)
        .load(conn)?;
    let recovery_codes_outdated = unused.iter().any(|hash| is_legacy_hash(hash));
    let recovery_codes_left = i64::try_from(unused.len()).unwrap_or(i64::MAX);
    Ok(Some(Status { enabled_at, recovery_codes_left, recovery_codes_outdated }))
}

/// True when the user signs in with two steps.
pub fn is_enabled(conn: &mut DbConnection, user_id: i64) -> Result<bool, AppError> {
    Ok(diesel::select(diesel::dsl::exists(user_two_factor::table.filter(user_two_factor::user_id.eq(user_id))))
        .get_result(conn)?)
}

/// The members of the scoped agency who sign in with two steps (for the team page).
pub fn enabled_in_agency(conn: &mut DbConnection, scope: AgencyScope) -> Result<HashSet<i64>, AppError> {
    let ids: Vec<i64> = user_two_factor::table
        .inner_join(users::table)
        .filter(users::agency_id.eq(scope.agency_id()))
        .select(user_two_factor::user_id)
        .load(conn)?;
    Ok(ids.into_iter().collect())
}

/// True when the user's agency requires two-step sign-in of its staff (never for contractors).
pub fn required_for(conn: &mut DbConnection, user: &User) -> Result<bool, AppError> {
    let Some(agency_id) = user.agency_id.filter(|_| user.kind == KIND_STAFF) else { return Ok(false) };
    Ok(agencies::table.find(agency_id).select(agencies::two_factor_required).first(conn)?)
}

/// True when the scoped agency requires two-step sign-in.
pub fn agency_requires(conn: &mut DbConnection, scope: AgencyScope) -> Result<bool, AppError> {
    Ok(agencies::table.find(scope.agency_id()).select(agencies::two_factor_required).first(conn)?)
}

/// How a code checked out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The app's code for a step not used before.
    AppCode,
    /// An unused recovery code, now spent.
    RecoveryCode,
    /// Wrong, already used, or the user has no two-step sign-in.
    Refused,
}

/// Checks a code for `user_id` and spends it: an app code's step is remembered so that the same
/// code cannot be used again; a recovery code is the one [`match_recovery_code`] found
/// (`recovery_code`), marked used here (and audited) unless another request spent it first.
/// Runs inside the caller's transaction.
pub fn verify_code(
    conn: &mut DbConnection,
    user_id: i64,
    code: &str,
    recovery_code: Option<i64>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Verdict, AppError> {
    let row: Option<(String, i64)> = user_two_factor::table
        .filter(user_two_factor::user_id.eq(user_id))
        .select((user_two_factor::secret, user_two_factor::last_used_step))
        .first(conn)
        .optional()?;
    let Some((secret, last_used_step)) = row else { return Ok(Verdict::Refused) };
    let app_code = normalize_app_code(code);
    if app_code.len() == DIGITS as usize && app_code.bytes().all(|b| b.is_ascii_digit()) {
        let key = base32_decode(&secret).ok_or_else(|| AppError::internal("a stored two-step secret is not base32"))?;
        let Some(step) = matching_step(&key, &app_code, now) else { return Ok(Verdict::Refused) };
        // Only a later step than the last one used: a code (or an older one) is good once.
        let spent = diesel::update(
            user_two_factor::table
                .filter(user_two_factor::user_id.eq(user_id))
                .filter(user_two_factor::last_used_step.lt(step)),
        )
        .set(user_two_factor::last_used_step.eq(step))
        .execute(conn)?;
        return Ok(if spent == 1 && step > last_used_step { Verdict::AppCode } else { Verdict::Refused });
    }
    let Some(recovery_code) = recovery_code else { return Ok(Verdict::Refused) };
    let spent = diesel::update(
        two_factor_recovery_codes::table
            .filter(two_factor_recovery_codes::id.eq(recovery_code))
            .filter(two_factor_recovery_codes::user_id.eq(user_id))
            .filter(two_factor_recovery_codes::used_at.is_null()),
    )
    .set(two_factor_recovery_codes::used_at.eq(now))
    .execute(conn)?;
    if spent == 0 {
        return Ok(Verdict::Refused);
    }
    let left: i64 = two_factor_recovery_codes::table
        .filter(two_factor_recovery_codes::user_id.eq(user_id))
        .filter(two_factor_recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)?;
    audit::record(
        conn,
        actor,
        Event::on("two_step.recovery_code_used", "user", user_id, format!("{left} recovery codes left")),
        now,
    )?;
    Ok(Verdict::RecoveryCode)
}

/// The field error for a refused code.
pub fn refused_code(field: &'static str) -> AppError {
    AppError::invalid(
        field,
        "That code is not right, or it was already used. Enter the current 6-digit code from your app, or an unused recovery code.",
    )
}

/// Turns two-step sign-in off (the caller has checked the password and a code): forgets the
/// secret and the recovery codes.
pub fn disable(conn: &mut DbConnection, user_id: i64, actor: &Actor, now: NaiveDateTime) -> Result<(), AppError> {
    db::write(conn, |conn| {
        diesel::delete(user_two_factor::table.filter(user_two_factor::user_id.eq(user_id))).execute(conn)?;
        diesel::delete(two_factor_recovery_codes::table.filter(two_factor_recovery_codes::user_id.eq(user_id)))
            .execute(conn)?;
        audit::record(conn, actor, Event::on("two_step.disabled", "user", user_id, ""), now)
    })
}

/// New recovery codes for a user with two-step sign-in on; the old ones stop working.
pub fn regenerate_recovery_codes(
    conn: &mut DbConnection,
    user_id: i64,
    new: &NewRecoveryCodes,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Vec<String>, AppError> {
    db::write(conn, |conn| {
        if !is_enabled(conn, user_id)? {
            return Err(AppError::NotFound);
        }
        let codes = replace_recovery_codes(conn, user_id, new, now)?;
        audit::record(
            conn,
            actor,
            Event::on("two_step.recovery_codes_regenerated", "user", user_id, "earlier codes no longer work"),
            now,
        )?;
        Ok(codes)
    })
}

/// Turns off two-step sign-in for a member of the scoped agency who lost both their phone and
/// their recovery codes (an admin's action; another agency's member answers `NotFound`). Their
/// sessions end; if the agency requires it, they set it up again at their next sign-in. Returns
/// the member.
pub fn reset_for_member(
    conn: &mut DbConnection,
    scope: AgencyScope,
    member_id: i64,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<User, AppError> {
    db::write(conn, |conn| {
        let member = User::find_in_agency(conn, scope, member_id)?;
        if actor.user_id == Some(member.id) {
            return Err(AppError::Forbidden("Turn your own two-step sign-in off on your account page."));
        }
        if !is_enabled(conn, member.id)? {
            return Ok(member);
        }
        diesel::delete(user_two_factor::table.filter(user_two_factor::user_id.eq(member.id))).execute(conn)?;
        diesel::delete(two_factor_recovery_codes::table.filter(two_factor_recovery_codes::user_id.eq(member.id)))
            .execute(conn)?;
        diesel::delete(sessions::table.filter(sessions::user_id.eq(member.id))).execute(conn)?;
        audit::record(
            conn,
            actor,
            Event::on(
                "two_step.reset_by_admin",
                "user",
                member.id,
                format!("for {}; their sessions ended", member.email),
            ),
            now,
        )?;
        Ok(member)
    })
}

// ---------------------------------------------------------------------------------------------
// What a session is in the middle of.

/// Why a session waits for a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The password was right; the code from the app (or a recovery code) is still needed.
    Code,
    /// The password was right, but the agency requires two-step sign-in and the user has not set
    /// it up: they must, before they are signed in.
    Enrol,
    /// A signed-in user is setting it up (or moving it to a new app).
    Setup,
}

impl Purpose {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Enrol => "enrol",
            Self::Setup => "setup",
        }
    }

    fn lifetime(self) -> TimeDelta {
        TimeDelta::minutes(match self {
            Self::Code => CODE_WAIT_MINUTES,
            Self::Enrol => ENROL_WAIT_MINUTES,
            Self::Setup => SETUP_WAIT_MINUTES,
        })
    }
}

/// A session's pending step.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = two_factor_challenges)]
pub struct Challenge {
    pub id: i64,
    pub session_id: i64,
    pub user_id: i64,
    pub purpose: String,
    /// The secret being set up (not yet confirmed), for `enrol` and `setup`.
    pub setup_secret: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl Challenge {
    /// What the session waits for.
    pub fn purpose(&self) -> Purpose {
        match self.purpose.as_str() {
            "enrol" => Purpose::Enrol,
            "setup" => Purpose::Setup,
            _ => Purpose::Code,
        }
    }
}

/// What a user must do after a correct password, if anything: give a code, or set up two-step
/// sign-in because their agency requires it.
pub fn second_step(conn: &mut DbConnection, user: &User) -> Result<Option<Purpose>, AppError> {
    if is_enabled(conn, user.id)? {
        Ok(Some(Purpose::Code))
    } else if required_for(conn, user)? {
        Ok(Some(Purpose::Enrol))
    } else {
        Ok(None)
    }
}

/// Notes that session `session_id` waits for `purpose` from `user_id` (replacing what it waited
/// for before). `enrol` and `setup` get a new secret to set up.
pub fn start(
    conn: &mut DbConnection,
    session_id: i64,
    user_id: i64,
    purpose: Purpose,
    now: NaiveDateTime,
) -> Result<Challenge, AppError> {
    diesel::delete(two_factor_challenges::table.filter(two_factor_challenges::session_id.eq(session_id)))
        .execute(conn)?;
    let secret = (purpose != Purpose::Code).then(new_secret);
    Ok(diesel::insert_into(two_factor_challenges::table)
        .values((
            two_factor_challenges::session_id.eq(session_id),
            two_factor_challenges::user_id.eq(user_id),
            two_factor_challenges::purpose.eq(purpose.as_str()),
            two_factor_challenges::setup_secret.eq(secret),
            two_factor_challenges::created_at.eq(now),
            two_factor_challenges::expires_at.eq(now + purpose.lifetime()),
        ))
        .get_result(conn)?)
}

/// What session `session_id` waits for, unless it has expired.
pub fn pending(conn: &mut DbConnection, session_id: i64, now: NaiveDateTime) -> Result<Option<Challenge>, AppError> {
    Ok(two_factor_challenges::table
        .filter(two_factor_challenges::session_id.eq(session_id))
        .filter(two_factor_challenges::expires_at.gt(now))
        .select(Challenge::as_select())
        .first(conn)
        .optional()?)
}

/// The field error for a code that does not confirm a new authenticator app.
pub fn setup_code_refused() -> AppError {
    AppError::invalid(
        "code",
        "That code does not match. Check that your app added the key above, then enter the 6-digit code it shows now.",
    )
}

/// True when `code` is the current code for the challenge's new secret: the cheap check made
/// before recovery codes are made for [`confirm_setup`] (which checks it again, and spends it).
pub fn code_fits_setup(challenge: &Challenge, code: &str, now: NaiveDateTime) -> bool {
    let key = challenge.setup_secret.as_deref().and_then(base32_decode);
    key.is_some_and(|key| matching_step(&key, &normalize_app_code(code), now).is_some())
}

/// Turns two-step sign-in on with the challenge's secret once `code` shows the user's app has it
/// (or moves it to the new app): the old secret, if any, stops working, and new recovery codes
/// replace any old ones. Returns the recovery codes (shown once). A wrong code is a field error
/// on `code`. Runs inside the caller's transaction.
pub fn confirm_setup(
    conn: &mut DbConnection,
    challenge: &Challenge,
    code: &str,
    new: &NewRecoveryCodes,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Vec<String>, AppError> {
    let secret = challenge.setup_secret.as_deref().ok_or(AppError::NotFound)?;
    let key = base32_decode(secret).ok_or_else(|| AppError::internal("a setup secret is not base32"))?;
    let Some(step) = matching_step(&key, &normalize_app_code(code), now) else { return Err(setup_code_refused()) };
    let replaced = is_enabled(conn, challenge.user_id)?;
    diesel::delete(user_two_factor::table.filter(user_two_factor::user_id.eq(challenge.user_id))).execute(conn)?;
    diesel::insert_into(user_two_factor::table)
        .values((
            user_two_factor::user_id.eq(challenge.user_id),
            user_two_factor::secret.eq(secret),
            // The confirming code is spent: it cannot sign anyone in.
            user_two_factor::last_used_step.eq(step),
            user_two_factor::enabled_at.eq(now),
            user_two_factor::updated_at.eq(now),
        ))
        .execute(conn)?;
    let codes = replace_recovery_codes(conn, challenge.user_id, new, now)?;
    diesel::delete(two_factor_challenges::table.find(challenge.id)).execute(conn)?;
    let detail =
        if replaced { "moved to a new authenticator app; new recovery codes" } else { "with 10 recovery codes" };
    audit::record(conn, actor, Event::on("two_step.enabled", "user", challenge.user_id, detail), now)?;
    Ok(codes)
}

// ---------------------------------------------------------------------------------------------
// The agency's requirement.

/// Requires (or stops requiring) two-step sign-in of every staff member of the scoped agency.
/// The admin must use it themselves first. Requiring it signs out every member who has not set
/// it up, so that they set it up at their next sign-in. Returns how many sessions ended.
pub fn set_required(
    conn: &mut DbConnection,
    scope: AgencyScope,
    admin_id: i64,
    required: bool,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    db::write(conn, |conn| {
        if required && !is_enabled(conn, admin_id)? {
            return Err(AppError::invalid(
                "required",
                "Turn on two-step sign-in for your own account first (on your account page), then require it for everyone.",
            ));
        }
        diesel::update(agencies::table.find(scope.agency_id()))
            .set((agencies::two_factor_required.eq(required), agencies::updated_at.eq(now)))
            .execute(conn)?;
        let mut ended = 0;
        if required {
            let without: Vec<i64> = users::table
                .left_join(user_two_factor::table)
                .filter(users::agency_id.eq(scope.agency_id()))
                .filter(user_two_factor::id.is_null())
                .select(users::id)
                .load(conn)?;
            ended = diesel::delete(sessions::table.filter(sessions::user_id.eq_any(&without))).execute(conn)?;
        }
        let detail = if required {
            format!("required for every staff member; {ended} sessions without it signed out")
        } else {
            "no longer required".to_string()
        };
        audit::record(
            conn,
            actor,
            Event::on("two_step.requirement_changed", "agency", scope.agency_id(), detail),
            now,
        )?;
        Ok(ended)
    })
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    fn at(unix: i64) -> NaiveDateTime {
        DateTime::from_timestamp(unix, 0).unwrap().naive_utc()
    }

    #[test]
    fn totp_matches_the_rfc_6238_sha1_test_vectors() {
        // RFC 6238, appendix B: the ASCII key "12345678901234567890", 8 digits, 30-second steps.
        let key = b"12345678901234567890";
        let vectors = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (time, expected) in vectors {
            assert_eq!(code_for_step(key, step_at(at(time)), 8), expected, "at {time}");
        }
        // The 6-digit code is the last 6 digits of the same number (RFC 4226 truncation).
        let secret = base32_encode(key);
        assert_eq!(code_at(&secret, at(59)).unwrap(), "287082");
        assert_eq!(code_at(&secret, at(1_111_111_109)).unwrap(), "081804");
    }

    #[test]
    fn hotp_matches_the_rfc_4226_test_values() {
        let key = b"12345678901234567890";
        let expected = [755_224, 287_082, 359_152, 969_429, 338_314, 254_676, 287_922, 162_583, 399_871, 520_489];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(key, counter as u64, 6), *code, "counter {counter}");
        }
    }

    #[test]
    fn base32_matches_the_rfc_4648_test_vectors_and_reads_back() {
        let vectors =
            [("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB")];
        for (plain, encoded) in vectors {
            assert_eq!(base32_encode(plain.as_bytes()), encoded);
            assert_eq!(base32_decode(encoded).unwrap(), plain.as_bytes());
        }
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("mzxw 6ytb oi======").unwrap(), b"foobar");
        assert!(base32_decode("MZXW1").is_none(), "1 is not a base32 digit");
        let secret = new_secret();
        assert_eq!(secret.len(), 32);
        assert_eq!(base32_decode(&secret).unwrap().len(), SECRET_BYTES);
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_no_further() {
        let key = b"12345678901234567890";
        let now = at(1_111_111_111);
        let step = step_at(now);
        for (offset, accepted) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = code_for_step(key, step + offset, DIGITS);
            assert_eq!(matching_step(key, &code, now).is_some(), accepted, "offset {offset}");
        }
    }

    #[test]
    fn recovery_codes_are_ten_letters_in_two_groups_and_read_back_however_typed() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        assert_eq!(&code[5..6], "-");
        assert!(looks_like_recovery_code(&code));
        assert!(looks_like_recovery_code(&code.to_uppercase().replace('-', " ")));
        assert_eq!(normalize_recovery_code(&code.to_uppercase()), code.replace('-', ""));
        assert!(!looks_like_recovery_code("123456"));
    }

    #[test]
    fn the_setup_uri_and_qr_code_carry_the_secret_and_account() {
        let uri = otpauth_uri("JBSWY3DPEHPK3PXP", "ada lovelace@acme.test");
        assert_eq!(
            uri,
            "otpauth://totp/NextGig:ada%20lovelace@acme.test?secret=JBSWY3DPEHPK3PXP&issuer=NextGig&algorithm=SHA1&digits=6&period=30"
        );
        let qr = qr_svg(&uri).unwrap();
        assert!(qr.size >= 21 + 8);
        assert!(qr.path.starts_with("M4 4h7v1h-7z"), "the finder pattern's top row: {}", &qr.path[..20]);
        assert_eq!(grouped("JBSWY3DPEHPK3PXP"), "JBSW Y3DP EHPK 3PXP");
    }
}
