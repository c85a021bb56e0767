//! A provider's own access, managed by this plugin and not by the host's
//! staff accounts: the host's roles are fixed and every one of them opens
//! staff pages, which an outside company must never reach.
//!
//! Staff create a provider and get a one-time sign-in code (shown once,
//! with a link that carries it after `#`, which browsers never send to a
//! server or write in a log). The provider's page exchanges it once for a
//! key of its own, kept in that browser and sent in the JSON body of
//! each call (POST only: never in a URL, which logs keep). Codes and keys are stored only as the host's keyed
//! pseudonym (`pseudonyms::of`), so the database opens nothing. Staff can
//! issue a new code (unused ones die) or revoke everything at once.
//! Wrong codes or keys are counted per provider (the secret starts with
//! its number) and past the limit that provider's sign-in pauses for a
//! while; the host's own per-client limit on public writes also applies.

use crate::config::Config;
use crate::db;
use linli_sdk::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

fn hash(secret: &str) -> String {
    pseudonyms::of("provider-access", secret)
}

/// The provider a secret names (`12-…` or `12.…`), 0 when none.
fn named(secret: &str) -> i64 {
    secret.split(['-', '.']).next().and_then(|n| n.parse::<i64>().ok()).filter(|n| *n > 0).unwrap_or(0)
}

/// A new one-time sign-in code for provider `id`: unused codes die.
pub fn new_code(id: i64, by: Option<&str>, now: i64) -> Result<String, Fail> {
    sql::execute("UPDATE access SET revoked_at = ?2 WHERE provider_id = ?1 AND kind = 'code' AND used_at IS NULL AND revoked_at IS NULL", &[sql::int(id), sql::int(now)])?;
    let code = format!("{id}-{}", db::random_code(12)?);
    sql::execute(
        "INSERT INTO access (provider_id, kind, hash, created_at, created_by) VALUES (?1, 'code', ?2, ?3, ?4)",
        &[sql::int(id), sql::text(&hash(&code)), sql::int(now), db::opt(by)],
    )?;
    Ok(code)
}

/// Every code and key of provider `id` stops working at once.
pub fn revoke(id: i64, now: i64) -> Result<i64, Fail> {
    Ok(sql::execute("UPDATE access SET revoked_at = ?2 WHERE provider_id = ?1 AND revoked_at IS NULL", &[sql::int(id), sql::int(now)])? as i64)
}

/// What staff see of a provider's access.
pub fn state(id: i64) -> Result<Value, Fail> {
    let n = |kind: &str, cond: &str| db::int(&format!("SELECT COUNT(*) AS n FROM access WHERE provider_id = ?1 AND kind = '{kind}' AND revoked_at IS NULL {cond}"), &[sql::int(id)]);
    Ok(json!({"signed_in": n("session", "")?, "code_waiting": n("code", "AND used_at IS NULL")? > 0}))
}

#[derive(Deserialize)]
struct Guess {
    fails: i64,
    since: i64,
}

/// Refuse while the provider's sign-in is paused.
fn paused(cfg: &Config, pid: i64, now: i64) -> Result<(), Fail> {
    let window = cfg.lock_minutes as i64 * 60_000;
    if let Some(g) = db::row::<Guess>("SELECT fails, since FROM guesses WHERE provider_id = ?1", &[sql::int(pid)])?
        && g.fails >= cfg.guess_limit as i64
        && g.since + window > now
    {
        let at = clock::format_local(g.since + window);
        return Err(Fail::user(429, "too_many_tries", format!("错误次数过多，登录已暂停至 {at}，请稍后再试或联系社区工作人员"), format!("too many wrong codes: sign-in is paused until {at}; try later or ask the hall's staff")));
    }
    Ok(())
}

/// Count a wrong secret (committed with the refusal, a normal answer).
fn wrong(cfg: &Config, pid: i64, now: i64) -> Result<Fail, Fail> {
    let window = cfg.lock_minutes as i64 * 60_000;
    sql::execute(
        "INSERT INTO guesses (provider_id, fails, since) VALUES (?1, 1, ?2)
         ON CONFLICT (provider_id) DO UPDATE SET fails = CASE WHEN guesses.since + ?3 > ?2 THEN guesses.fails + 1 ELSE 1 END,
                                                 since = CASE WHEN guesses.since + ?3 > ?2 THEN guesses.since ELSE ?2 END",
        &[sql::int(pid), sql::int(now), sql::int(window)],
    )?;
    log::warn(&format!("a wrong provider sign-in code or key for provider {pid}"));
    paused(cfg, pid, now)?;
    Ok(Fail::user(401, "provider_key_wrong", "登录码无效、已用过或已被收回，请向社区工作人员索取新的登录码", "the sign-in code is wrong, used or revoked; ask the hall's staff for a new one"))
}

#[derive(Deserialize)]
struct Found {
    id: i64,
    provider_id: i64,
}

/// The provider's one-time code exchanged for its key.
pub fn sign_in(cfg: &Config, code: &str, now: i64) -> Result<Value, Fail> {
    let code = linli_sdk::input::required("code", "登录码", code, 40)?.to_ascii_uppercase().replace(' ', "");
    let pid = named(&code);
    paused(cfg, pid, now)?;
    let found = db::row::<Found>(
        "SELECT a.id AS id, a.provider_id AS provider_id FROM access a JOIN providers p ON p.id = a.provider_id
         WHERE a.hash = ?1 AND a.kind = 'code' AND a.used_at IS NULL AND a.revoked_at IS NULL AND p.active = 1",
        &[sql::text(&hash(&code))],
    )?;
    let Some(f) = found else { return Err(wrong(cfg, pid, now)?) };
    sql::execute("UPDATE access SET used_at = ?2 WHERE id = ?1", &[sql::int(f.id), sql::int(now)])?;
    let key = format!("{}.{}", f.provider_id, db::random_code(26)?);
    sql::execute("INSERT INTO access (provider_id, kind, hash, created_at) VALUES (?1, 'session', ?2, ?3)", &[sql::int(f.provider_id), sql::text(&hash(&key)), sql::int(now)])?;
    sql::execute("DELETE FROM guesses WHERE provider_id = ?1", &[sql::int(f.provider_id)])?;
    log::info(&format!("provider {} signed in", f.provider_id));
    Ok(json!({"key": key, "provider": f.provider_id}))
}

/// The provider `key` belongs to, or a refusal.
pub fn provider(cfg: &Config, key: &str, now: i64) -> Result<i64, Fail> {
    let key = key.trim();
    if key.is_empty() || key.len() > 80 {
        return Err(Fail::user(401, "provider_key_missing", "请先用社区工作人员给的登录码登录", "sign in first with the code the hall's staff gave you"));
    }
    let pid = named(key);
    paused(cfg, pid, now)?;
    let found = db::row::<Found>(
        "SELECT a.id AS id, a.provider_id AS provider_id FROM access a JOIN providers p ON p.id = a.provider_id
         WHERE a.hash = ?1 AND a.kind = 'session' AND a.revoked_at IS NULL AND p.active = 1",
        &[sql::text(&hash(key))],
    )?;
    match found {
        Some(f) => Ok(f.provider_id),
        None => Err(wrong(cfg, pid, now)?),
    }
}
