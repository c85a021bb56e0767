//! Staff accounts and their sessions, stored in the host's SQLite file.

use crate::storage::sqlite::SqliteStorage;
use crate::storage::{Result, StorageError};
use argon2::Argon2;
use rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

/// How long a session lasts: one working day.
pub const SESSION_TTL_MS: i64 = 12 * 3600 * 1000;
/// Failed logins in a row before the account is locked for a while.
pub const MAX_FAILED_LOGINS: i64 = 5;
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;

#[derive(Debug, Clone)]
pub struct StaffSession {
    pub staff_id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub window: Option<String>,
    pub csrf: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LoginError {
    #[error("用户名或密码错误 / wrong user name or password")]
    BadCredentials,
    #[error("登录失败次数过多，账号已临时锁定 / too many failed logins; the account is locked for a while")]
    Locked,
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

/// Create a staff account. The password must be at least 10 characters.
pub fn create_staff(db: &SqliteStorage, username: &str, display_name: &str, password: &str, roles: &[String], now: i64) -> Result<i64> {
    if password.chars().count() < 10 {
        return Err(StorageError::Invalid("password must be at least 10 characters / 密码至少 10 个字符".into()));
    }
    if let Some(bad) = roles.iter().find(|r| !super::ROLES.contains(&r.as_str())) {
        return Err(StorageError::Invalid(format!("unknown role `{bad}` (known: {})", super::ROLES.join(", "))));
    }
    if username.is_empty() || !username.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.') {
        return Err(StorageError::Invalid(format!("user name `{username}` may only use letters, digits, `_`, `-` and `.`")));
    }
    let hash = hash_password(password)?;
    db.with_writer(|c| {
        c.execute(
            "INSERT INTO staff (username, display_name, password_hash, roles, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![username, display_name, hash, roles.join(","), now],
        )?;
        Ok(c.last_insert_rowid())
    })
}

pub fn staff_count(db: &SqliteStorage) -> Result<i64> {
    db.with_reader(|c| c.query_row("SELECT COUNT(*) FROM staff", [], |r| r.get(0)))
}

/// Check a password and open a session; returns the cookie token.
pub fn login(
    db: &SqliteStorage,
    username: &str,
    password: &str,
    window: Option<&str>,
    now: i64,
) -> std::result::Result<(String, StaffSession), LoginError> {
    let row: Option<(i64, String, i64)> = db
        .with_reader(|c| {
            c.query_row(
                "SELECT id, password_hash, locked_until FROM staff WHERE username = ?1 AND disabled = 0",
                [username],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
        })
        .map_err(|_| LoginError::BadCredentials)?;
    let Some((id, hash, locked_until)) = row else {
        // Spend the same time as a real check so user names cannot be probed.
        let _ = hash_password(password);
        return Err(LoginError::BadCredentials);
    };
    if locked_until > now {
        return Err(LoginError::Locked);
    }
    let ok = PasswordHash::new(&hash).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false);
    if !ok {
        let _ = db.with_writer(|c| {
            c.execute(
                "UPDATE staff SET
                   locked_until = CASE WHEN failed_logins + 1 >= ?2 THEN ?3 ELSE locked_until END,
                   failed_logins = CASE WHEN failed_logins + 1 >= ?2 THEN 0 ELSE failed_logins + 1 END
                 WHERE id = ?1",
                params![id, MAX_FAILED_LOGINS, now + LOCKOUT_MS],
            )
        });
        return Err(LoginError::BadCredentials);
    }
    let token = random_token();
    let csrf = random_token();
    db.with_writer(|c| {
        c.execute("UPDATE staff SET failed_logins = 0 WHERE id = ?1", [id])?;
        c.execute(
            "INSERT INTO sessions (token_hash, staff_id, csrf, window, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![token_hash(&token), id, csrf, window, now, now + SESSION_TTL_MS],
        )
    })
    .map_err(|_| LoginError::BadCredentials)?;
    let session = resolve(db, &token, now).ok().flatten().ok_or(LoginError::BadCredentials)?;
    Ok((token, session))
}

/// The live session behind a cookie token, if any.
pub fn resolve(db: &SqliteStorage, token: &str, now: i64) -> Result<Option<StaffSession>> {
    let h = token_hash(token);
    db.with_reader(|c| {
        c.prepare_cached(
            "SELECT s.staff_id, st.username, st.display_name, st.roles, s.window, s.csrf
               FROM sessions s JOIN staff st ON st.id = s.staff_id
              WHERE s.token_hash = ?1 AND s.revoked = 0 AND s.expires_at > ?2 AND st.disabled = 0",
        )?
        .query_row(params![h, now], |r| {
            let roles: String = r.get(3)?;
            Ok(StaffSession {
                staff_id: r.get(0)?,
                username: r.get(1)?,
                display_name: r.get(2)?,
                roles: roles.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
                window: r.get(4)?,
                csrf: r.get(5)?,
            })
        })
        .optional()
    })
}

/// Revoke one session (logout).
pub fn revoke(db: &SqliteStorage, token: &str) -> Result<bool> {
    let h = token_hash(token);
    db.with_writer(|c| c.execute("UPDATE sessions SET revoked = 1 WHERE token_hash = ?1", [h]).map(|n| n > 0))
}

/// A staff account as the admin pages list it (never the password hash).
#[derive(Debug, Clone, serde::Serialize)]
pub struct StaffInfo {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub disabled: bool,
}

pub fn list_staff(db: &SqliteStorage) -> Result<Vec<StaffInfo>> {
    db.with_reader(|c| {
        let mut st = c.prepare_cached("SELECT id, username, display_name, roles, disabled FROM staff ORDER BY id")?;
        let rows = st.query_map([], |r| {
            let roles: String = r.get(3)?;
            Ok(StaffInfo {
                id: r.get(0)?,
                username: r.get(1)?,
                display_name: r.get(2)?,
                roles: roles.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
                disabled: r.get::<_, i64>(4)? != 0,
            })
        })?;
        rows.collect()
    })
}

/// Disable an account and revoke all its sessions at once.
pub fn disable_staff(db: &SqliteStorage, id: i64) -> Result<bool> {
    db.with_writer(|c| {
        let tx = c.transaction()?;
        let n = tx.execute("UPDATE staff SET disabled = 1 WHERE id = ?1", [id])?;
        tx.execute("UPDATE sessions SET revoked = 1 WHERE staff_id = ?1", [id])?;
        tx.commit()?;
        Ok(n > 0)
    })
}
