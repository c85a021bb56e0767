//! Staff accounts and their sessions, in the host's tables (its SQLite
//! file, or in a district the hall's schema in PostgreSQL, so a session
//! opened on one host is good on every host of the hall, and ended on all
//! of them at once).
//!
//! Failed sign-ins are counted per client and account ([`LoginGuard`]), not
//! per account: someone guessing from one address locks only their own
//! attempts, never the staff member out of the hall; a browser where the
//! staff member signed in before carries a known-device cookie and is
//! counted on its own.

use super::{Field, InputError, check_line, check_window};
use crate::storage::host_db::sql_args;
use crate::storage::host_db::{HostDb, Row, is_unique_violation};
use crate::storage::{Result, StorageError};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use hmac::{Hmac, Mac};
use parking_lot::Mutex;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// How long a session lasts: one working day.
pub const SESSION_TTL_MS: i64 = 12 * 3600 * 1000;
/// Failed sign-ins in a row, from one client against one account, before
/// that client's attempts at that account stop for a while.
pub const MAX_FAILED_LOGINS: u32 = 5;
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;
/// The cookie that marks a browser a staff member signed in from before.
pub const KNOWN_DEVICE_COOKIE: &str = "linli_known";

pub const USERNAME: Field = Field { name: "username", zh: "用户名", en: "User name" };
pub const DISPLAY_NAME: Field = Field { name: "name", zh: "姓名", en: "Name" };
pub const PASSWORD: Field = Field { name: "password", zh: "密码", en: "Password" };
pub const ROLES_FIELD: Field = Field { name: "roles", zh: "角色", en: "Roles" };
pub const WINDOWS: Field = Field { name: "windows", zh: "负责窗口", en: "Windows" };
pub const WINDOW: Field = Field { name: "window", zh: "窗口号", en: "Window" };

#[derive(Debug, Clone)]
pub struct StaffSession {
    pub staff_id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub window: Option<String>,
    pub csrf: String,
    /// The windows the account is assigned to (empty: any).
    pub windows: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LoginError {
    #[error("用户名或密码错误 / wrong user name or password")]
    BadCredentials,
    #[error("此处登录失败次数过多，请 15 分钟后再试 / too many failed sign-ins from here; try again in 15 minutes")]
    Locked,
    /// A clerk typed a window they are not assigned to.
    #[error("{0}")]
    Input(InputError),
}

pub fn random_token() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StorageError::Invalid(format!("hashing password: {e}")))
}

/// A hash no password matches, verified against for a user name that does
/// not exist, so such an answer takes as long as a real one.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

fn verify(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
}

fn check_password(password: &str) -> std::result::Result<(), InputError> {
    let n = password.chars().count();
    if n < 10 {
        return Err(InputError::new("password_too_short", Some(PASSWORD.name), "密码至少 10 个字符", "the password must be at least 10 characters long"));
    }
    if n > 200 {
        return Err(InputError::new("field_too_long", Some(PASSWORD.name), "密码最多 200 个字符", "the password may be at most 200 characters long"));
    }
    if password.chars().any(super::forbidden_char) {
        return Err(InputError::new("field_invalid_char", Some(PASSWORD.name), "密码含有不允许的控制字符", "the password contains a control character"));
    }
    Ok(())
}

fn check_username(username: &str) -> std::result::Result<String, InputError> {
    let u = check_line(USERNAME, username, 32, false)?;
    if !u.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.') {
        return Err(InputError::new(
            "field_invalid",
            Some(USERNAME.name),
            "用户名只能使用英文字母、数字和 _ - .",
            "the user name may only use letters, digits, `_`, `-` and `.`",
        ));
    }
    Ok(u)
}

/// Roles: at least one, each known (no account without a role).
pub fn check_roles(roles: &[String]) -> std::result::Result<Vec<String>, InputError> {
    let mut out: Vec<String> = vec![];
    for r in roles {
        if !super::ROLES.contains(&r.as_str()) {
            let known_zh: Vec<&str> = super::ROLES.iter().map(|r| super::role_name(r, true)).collect();
            return Err(InputError::new(
                "role_unknown",
                Some(ROLES_FIELD.name),
                format!("未知的角色（可选：{}）", known_zh.join("、")),
                format!("unknown role `{}` (known: {})", r.chars().take(40).collect::<String>(), super::ROLES.join(", ")),
            ));
        }
        if !out.contains(r) {
            out.push(r.clone());
        }
    }
    if out.is_empty() {
        return Err(InputError::new("role_required", Some(ROLES_FIELD.name), "请至少选择一个角色", "choose at least one role"));
    }
    Ok(out)
}

/// Windows as an admin lists them: numbers or short codes, separated by
/// commas, spaces or 、.
pub fn check_windows(windows: &str) -> std::result::Result<Vec<String>, InputError> {
    let mut out: Vec<String> = vec![];
    for w in windows.split([',', '，', '、', ' ']).filter(|w| !w.trim().is_empty()) {
        if let Some(w) = check_window(WINDOWS, w)?
            && !out.contains(&w)
        {
            out.push(w);
        }
    }
    if out.len() > 50 {
        return Err(InputError::new("field_too_long", Some(WINDOWS.name), "负责窗口最多 50 个", "at most 50 windows"));
    }
    Ok(out)
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// A new staff account.
pub struct NewStaff<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub roles: &'a [String],
    pub windows: &'a [String],
}

/// Create a staff account: a user name of letters and digits, a name, at
/// least one role, a password of at least 10 characters.
pub fn create_staff(db: &HostDb, username: &str, display_name: &str, password: &str, roles: &[String], now: i64) -> std::result::Result<i64, InputError> {
    create(db, &NewStaff { username, display_name, password, roles, windows: &[] }, now)
}

pub fn create(db: &HostDb, n: &NewStaff<'_>, now: i64) -> std::result::Result<i64, InputError> {
    let username = check_username(n.username)?;
    let name = check_line(DISPLAY_NAME, n.display_name, 40, false)?;
    let roles = check_roles(n.roles)?;
    check_password(n.password)?;
    let taken = db.read(|tx| tx.query_opt("SELECT 1 FROM staff WHERE username = ?1", sql_args![&username])).map_err(InputError::internal)?;
    if taken.is_some() {
        return Err(username_taken());
    }
    let hash = hash_password(n.password).map_err(InputError::internal)?;
    let windows = n.windows.join(",");
    db.write(|tx| {
        tx.query_one(
            "INSERT INTO staff (username, display_name, password_hash, roles, windows, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            sql_args![&username, &name, &hash, roles.join(","), &windows, now],
        )?
        .get(0)
    })
    .map_err(|e| match e {
        // Two admins creating the same name at once (on one host or two):
        // the second loses here.
        e if is_unique_violation(&e) => username_taken(),
        e => InputError::internal(e),
    })
}

fn username_taken() -> InputError {
    InputError::new("username_taken", Some(USERNAME.name), "该用户名已存在", "That user name is already taken")
}

pub fn staff_count(db: &HostDb) -> Result<i64> {
    db.read(|tx| tx.query_one("SELECT COUNT(*) FROM staff", &[])?.get(0))
}

/// Failed sign-ins per (client, account), in memory: a lock lasts
/// [`LOCKOUT_MS`] and affects only that client's attempts at that account.
/// Unknown user names are counted the same way, so the answers do not tell
/// which names exist.
#[derive(Default)]
pub struct LoginGuard {
    map: Mutex<HashMap<(String, String), Failures>>,
}

#[derive(Default)]
struct Failures {
    /// Failures in a row, each within [`LOCKOUT_MS`] of the one before.
    count: u32,
    last: i64,
    locked_until: i64,
}

impl LoginGuard {
    fn key(client: &str, username: &str) -> (String, String) {
        (client.to_owned(), username.trim().to_lowercase().chars().take(64).collect())
    }

    pub fn locked(&self, client: &str, username: &str, now: i64) -> bool {
        self.map.lock().get(&Self::key(client, username)).is_some_and(|f| f.locked_until > now)
    }

    fn failed(&self, client: &str, username: &str, now: i64) {
        let mut m = self.map.lock();
        if m.len() > 100_000 {
            // Forget finished entries rather than grow without bound.
            m.retain(|_, f| f.locked_until > now || f.last > now - LOCKOUT_MS);
        }
        let f = m.entry(Self::key(client, username)).or_default();
        if f.locked_until > now {
            // Trying on while locked does not make the lock longer.
            return;
        }
        if f.last <= now - LOCKOUT_MS {
            f.count = 0;
        }
        f.count += 1;
        f.last = now;
        if f.count >= MAX_FAILED_LOGINS {
            f.count = 0;
            f.locked_until = now + LOCKOUT_MS;
        }
    }

    fn succeeded(&self, client: &str, username: &str) {
        self.map.lock().remove(&Self::key(client, username));
    }
}

/// A district: the hall's count of failed sign-ins, the same rule as
/// [`LoginGuard`]'s, kept in the hall's table so that every host of the
/// hall counts the same guesses. A hall alone needs none of it.
fn shared(db: &HostDb) -> bool {
    db.backend() == crate::storage::host_db::Backend::Postgres
}

fn shared_locked(db: &HostDb, client: &str, username: &str, now: i64) -> Result<bool> {
    let (c, u) = LoginGuard::key(client, username);
    db.read(|tx| Ok(tx.query_opt("SELECT 1 FROM login_failures WHERE client = ?1 AND username = ?2 AND locked_until > ?3", sql_args![c, u, now])?.is_some()))
}

fn shared_failed(db: &HostDb, client: &str, username: &str, now: i64) -> Result<()> {
    let (c, u) = LoginGuard::key(client, username);
    db.write(|tx| {
        // Two hosts counting one account's failures at once count both.
        tx.lock_appends("login_failures")?;
        let row = tx.query_opt("SELECT count, last_at, locked_until FROM login_failures WHERE client = ?1 AND username = ?2", sql_args![&c, &u])?;
        let (mut count, last, locked_until): (i64, i64, i64) = match row {
            Some(r) => (r.get(0)?, r.get(1)?, r.get(2)?),
            None => (0, 0, 0),
        };
        if locked_until > now {
            // Trying on while locked does not make the lock longer.
            return Ok(());
        }
        if last <= now - LOCKOUT_MS {
            count = 0;
        }
        count += 1;
        let locked_until = if count >= i64::from(MAX_FAILED_LOGINS) {
            count = 0;
            now + LOCKOUT_MS
        } else {
            locked_until
        };
        // Finished entries go now and then, rather than grow without bound.
        tx.execute("DELETE FROM login_failures WHERE locked_until <= ?1 AND last_at <= ?2", sql_args![now, now - LOCKOUT_MS])?;
        tx.execute(
            "INSERT INTO login_failures (client, username, count, last_at, locked_until) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (client, username) DO UPDATE SET count = excluded.count, last_at = excluded.last_at, locked_until = excluded.locked_until",
            sql_args![&c, &u, count, now, locked_until],
        )?;
        Ok(())
    })
}

fn shared_succeeded(db: &HostDb, client: &str, username: &str) -> Result<()> {
    let (c, u) = LoginGuard::key(client, username);
    db.write(|tx| tx.execute("DELETE FROM login_failures WHERE client = ?1 AND username = ?2", sql_args![c, u]).map(|_| ()))
}

/// The mark of a browser `staff_id` signed in from: keyed with the
/// account's password hash, so it needs no storage, cannot be made without
/// the database, and ends when the password is changed.
fn device_mark(staff_id: i64, password_hash: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(password_hash.as_bytes()).unwrap_or_else(|_| unreachable!("any key length works"));
    mac.update(format!("linli-known-device\0{staff_id}").as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// The known-device cookie's entries: `id.mark|id.mark…`.
fn marks(cookie: Option<&str>) -> Vec<(i64, String)> {
    cookie
        .unwrap_or("")
        .split('|')
        .filter_map(|e| {
            let (id, m) = e.split_once('.')?;
            Some((id.parse().ok()?, m.to_owned()))
        })
        .take(8)
        .collect()
}

/// The known-device cookie value after `staff_id` signed in: its entry
/// first, then up to 7 others.
pub fn known_device_cookie(old: Option<&str>, staff_id: i64, password_hash: &str) -> String {
    let mut out = vec![format!("{staff_id}.{}", device_mark(staff_id, password_hash))];
    out.extend(marks(old).into_iter().filter(|(id, _)| *id != staff_id).take(7).map(|(id, m)| format!("{id}.{m}")));
    out.join("|")
}

/// A sign-in attempt.
pub struct LoginAttempt<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub window: Option<&'a str>,
    /// Who is trying: the client address.
    pub client: &'a str,
    /// The known-device cookie the browser sent.
    pub known_device: Option<&'a str>,
}

/// A successful sign-in: the session cookie token, the session, and the
/// new known-device cookie value.
pub struct LoggedIn {
    pub token: String,
    pub session: StaffSession,
    pub known_device: String,
}

/// Check a password and open a session.
pub fn login(db: &HostDb, guard: &LoginGuard, a: &LoginAttempt<'_>, now: i64) -> std::result::Result<LoggedIn, LoginError> {
    let username = a.username.trim();
    if username.chars().count() > 64 || a.password.len() > 1024 {
        // Still spend the time of a check: no answer is quicker than another.
        let _ = verify(dummy_hash(), "");
        return Err(LoginError::BadCredentials);
    }
    let row: Option<(i64, String, String, String)> = db
        .read(|tx| {
            tx.query_opt("SELECT id, password_hash, roles, windows FROM staff WHERE username = ?1 AND disabled = 0", sql_args![username])?
                .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .transpose()
        })
        .map_err(|_| LoginError::BadCredentials)?;
    // A browser this account signed in from before is counted apart from
    // its address, so a lock set off by someone else at the same address
    // (the hall's network) does not keep the staff member out.
    let known = row.as_ref().is_some_and(|(id, hash, _, _)| marks(a.known_device).iter().any(|(i, m)| i == id && *m == device_mark(*id, hash)));
    let client = match &row {
        Some((id, _, _, _)) if known => format!("known:{id}"),
        _ => a.client.to_owned(),
    };
    // In a district an unreadable count refuses as a lock would: the
    // guesses must not go uncounted while the database is away.
    if guard.locked(&client, username, now) || (shared(db) && shared_locked(db, &client, username, now).unwrap_or(true)) {
        return Err(LoginError::Locked);
    }
    let ok = match &row {
        Some((_, hash, _, _)) => verify(hash, a.password),
        None => {
            let _ = verify(dummy_hash(), a.password);
            false
        }
    };
    let Some((id, hash, roles, windows)) = row.filter(|_| ok) else {
        guard.failed(&client, username, now);
        if shared(db)
            && let Err(e) = shared_failed(db, &client, username, now)
        {
            tracing::warn!(error = %e, "counting a failed sign-in in the hall's table");
        }
        return Err(LoginError::BadCredentials);
    };
    // The window: one of the clerk's assigned windows when there are any
    // (a single one is taken without asking); else what was typed.
    let windows = split_list(&windows);
    let typed = match a.window {
        Some(w) => check_window(WINDOW, w).map_err(LoginError::Input)?,
        None => None,
    };
    let is_clerk = split_list(&roles).iter().any(|r| r == "clerk");
    let window = match (typed, windows.len()) {
        (Some(w), 0) => Some(w),
        (Some(w), _) if windows.contains(&w) => Some(w),
        (Some(w), _) if is_clerk => {
            return Err(LoginError::Input(InputError::new(
                "window_not_assigned",
                Some(WINDOW.name),
                format!("您没有被分配到 {w} 号窗口（您的窗口：{}）", windows.join("、")),
                format!("you are not assigned to window {w} (yours: {})", windows.join(", ")),
            )));
        }
        (_, 1) if is_clerk => Some(windows[0].clone()),
        _ => None,
    };
    // Only the counter this attempt was made under: a sign-in from the staff
    // member's own browser does not lift a lock a guesser at the same
    // address set off.
    guard.succeeded(&client, username);
    if shared(db)
        && let Err(e) = shared_succeeded(db, &client, username)
    {
        tracing::warn!(error = %e, "clearing failed sign-ins in the hall's table");
    }
    let token = random_token();
    let csrf = random_token();
    db.write(|tx| {
        tx.execute(
            "INSERT INTO sessions (token_hash, staff_id, csrf, \"window\", created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            sql_args![token_hash(&token), id, &csrf, window.as_deref(), now, now + SESSION_TTL_MS],
        )
    })
    .map_err(|_| LoginError::BadCredentials)?;
    let session = resolve(db, &token, now).ok().flatten().ok_or(LoginError::BadCredentials)?;
    Ok(LoggedIn { token, session, known_device: known_device_cookie(a.known_device, id, &hash) })
}

/// Set the window of a signed-in clerk's session (chosen after sign-in
/// among the assigned windows).
pub fn set_session_window(db: &HostDb, token: &str, window: &str) -> Result<bool> {
    let h = token_hash(token);
    db.write(|tx| Ok(tx.execute("UPDATE sessions SET \"window\" = ?2 WHERE token_hash = ?1 AND revoked = 0", sql_args![h, window])? > 0))
}

/// The live session behind a cookie token, if any.
pub fn resolve(db: &HostDb, token: &str, now: i64) -> Result<Option<StaffSession>> {
    let h = token_hash(token);
    let row = db.read(|tx| {
        tx.query_opt(
            "SELECT s.staff_id, st.username, st.display_name, st.roles, s.\"window\", s.csrf, st.windows
               FROM sessions s JOIN staff st ON st.id = s.staff_id
              WHERE s.token_hash = ?1 AND s.revoked = 0 AND s.expires_at > ?2 AND st.disabled = 0",
            sql_args![h, now],
        )
    })?;
    row.map(|r: Row| {
        Ok(StaffSession {
            staff_id: r.get(0)?,
            username: r.get(1)?,
            display_name: r.get(2)?,
            roles: split_list(&r.get::<String>(3)?),
            window: r.get(4)?,
            csrf: r.get(5)?,
            windows: split_list(&r.get::<String>(6)?),
        })
    })
    .transpose()
}

/// Revoke one session (logout).
pub fn revoke(db: &HostDb, token: &str) -> Result<bool> {
    let h = token_hash(token);
    db.write(|tx| Ok(tx.execute("UPDATE sessions SET revoked = 1 WHERE token_hash = ?1", sql_args![h])? > 0))
}

/// A staff account as the admin pages list it (never the password hash).
#[derive(Debug, Clone, serde::Serialize)]
pub struct StaffInfo {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub windows: Vec<String>,
    pub disabled: bool,
}

pub fn list_staff(db: &HostDb) -> Result<Vec<StaffInfo>> {
    let rows = db.read(|tx| tx.query("SELECT id, username, display_name, roles, windows, disabled FROM staff ORDER BY id", &[]))?;
    rows.iter()
        .map(|r| {
            Ok(StaffInfo {
                id: r.get(0)?,
                username: r.get(1)?,
                display_name: r.get(2)?,
                roles: split_list(&r.get::<String>(3)?),
                windows: split_list(&r.get::<String>(4)?),
                disabled: r.get(5)?,
            })
        })
        .collect()
}

/// Disable an account and revoke all its sessions at once.
pub fn disable_staff(db: &HostDb, id: i64) -> Result<bool> {
    db.write(|tx| {
        let n = tx.execute("UPDATE staff SET disabled = 1 WHERE id = ?1", sql_args![id])?;
        tx.execute("UPDATE sessions SET revoked = 1 WHERE staff_id = ?1", sql_args![id])?;
        Ok(n > 0)
    })
}

/// Enable a disabled account again (its old sessions stay ended).
pub fn enable_staff(db: &HostDb, id: i64) -> Result<bool> {
    db.write(|tx| Ok(tx.execute("UPDATE staff SET disabled = 0 WHERE id = ?1", sql_args![id])? > 0))
}

/// Change an account's name, roles and windows. Its sessions end, so the
/// new roles apply at the next sign-in rather than half-way through a
/// session. Ok(false): no such account.
pub fn update_staff(db: &HostDb, id: i64, display_name: &str, roles: &[String], windows: &[String]) -> std::result::Result<bool, InputError> {
    let name = check_line(DISPLAY_NAME, display_name, 40, false)?;
    let roles = check_roles(roles)?;
    db.write(|tx| {
        let n = tx.execute("UPDATE staff SET display_name = ?2, roles = ?3, windows = ?4 WHERE id = ?1", sql_args![id, &name, roles.join(","), windows.join(",")])?;
        tx.execute("UPDATE sessions SET revoked = 1 WHERE staff_id = ?1", sql_args![id])?;
        Ok(n > 0)
    })
    .map_err(InputError::internal)
}

/// Set a new password (an admin's reset); the account's sessions end.
pub fn set_password(db: &HostDb, id: i64, password: &str) -> std::result::Result<bool, InputError> {
    check_password(password)?;
    let hash = hash_password(password).map_err(InputError::internal)?;
    db.write(|tx| {
        let n = tx.execute("UPDATE staff SET password_hash = ?2 WHERE id = ?1", sql_args![id, &hash])?;
        tx.execute("UPDATE sessions SET revoked = 1 WHERE staff_id = ?1", sql_args![id])?;
        Ok(n > 0)
    })
    .map_err(InputError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_is_per_client_and_account() {
        let g = LoginGuard::default();
        for _ in 0..MAX_FAILED_LOGINS {
            assert!(!g.locked("ip:1", "admin", 1000));
            g.failed("ip:1", "admin", 1000);
        }
        assert!(g.locked("ip:1", "Admin", 1001), "locked for that client, any case");
        assert!(!g.locked("ip:2", "admin", 1001), "another client is not locked");
        assert!(!g.locked("ip:1", "clerk", 1001), "another account is not locked");
        assert!(!g.locked("ip:1", "admin", 1000 + LOCKOUT_MS), "the lock ends");
        // Failing while locked does not renew the lock.
        g.failed("ip:1", "admin", 2000);
        assert!(!g.locked("ip:1", "admin", 1000 + LOCKOUT_MS));
    }

    #[test]
    fn the_device_mark_needs_the_hash_and_ends_with_the_password() {
        let c = known_device_cookie(Some("7.abc|9.def"), 3, "hash-a");
        assert!(c.starts_with("3.") && c.contains("|7.abc|9.def"), "{c}");
        assert!(marks(Some(&c)).iter().any(|(i, m)| *i == 3 && *m == device_mark(3, "hash-a")));
        assert_ne!(device_mark(3, "hash-a"), device_mark(3, "hash-b"));
        assert_ne!(device_mark(3, "hash-a"), device_mark(4, "hash-a"));
    }
}
