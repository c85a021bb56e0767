//! Certificates (社区证明): the print page with its verification code and
//! QR code, and the public check that shows only what the certificate
//! says, masked.

use crate::config::Config;
use crate::fail::Fail;
use crate::db;
use linli_sdk::prelude::*;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
pub struct Cert {
    pub code: String,
    pub app_id: i64,
    pub title_zh: String,
    pub title_en: String,
    pub holder: String,
    pub id_shown: Option<String>,
    pub address: Option<String>,
    pub purpose: Option<String>,
    pub issued_day: String,
    pub issuer: String,
    pub revoked: i64,
}

/// A code as typed: letters upper-cased, spaces and dashes dropped.
pub fn normal(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_ascii_uppercase()
}

pub fn find(code: &str) -> Result<Option<Cert>, Fail> {
    let c = normal(code);
    if c.is_empty() || c.len() > 20 || !c.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(None);
    }
    db::row(
        "SELECT code, app_id, title_zh, title_en, holder, id_shown, address, purpose, issued_day, issuer, revoked FROM certificates WHERE code = ?1",
        &[sql::text(&c)],
    )
}

/// Why a certificate was revoked: the public check shows one of these,
/// never the supervisor's note (free text may name people or give reasons
/// that are the holder's business; it stays on the staff timeline).
pub const REVOKE_REASONS: &[(&str, &str, &str)] = &[
    ("error", "证明内容有误", "the certificate contains an error"),
    ("reissued", "已重新开具，以新证明为准", "a new certificate was issued in its place"),
    ("withdrawn", "持证人申请作废", "withdrawn at the holder's request"),
    ("changed", "所证明的情况已发生变化", "the facts it certifies have changed"),
    ("other", "其他原因", "other reasons"),
];

pub fn revoke_reason(code: &str, lang: &str) -> String {
    REVOKE_REASONS.iter().find(|r| r.0 == code).map(|r| t(lang, r.1, r.2).to_owned()).unwrap_or_default()
}

/// A revocation as recorded.
#[derive(Debug, Deserialize)]
/// (Who revoked it and the note are on the staff timeline.)
pub struct Revocation {
    pub day: String,
    pub reason: String,
}

pub fn revocation(code: &str) -> Result<Option<Revocation>, Fail> {
    db::row("SELECT day, reason FROM revocations WHERE code = ?1", &[sql::text(code)])
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revoke {
    /// One of [`REVOKE_REASONS`].
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub note: String,
}

/// A supervisor revokes a certificate: from then on the public check says
/// 已作废 with the day and the reason, and shows nothing of what it
/// certified. Once only: a second revocation is refused, nothing changed.
/// The host's audit log keeps the staff write; the timeline keeps the step.
pub fn revoke(c: &Cert, body: Revoke, caller: &Caller, now: i64) -> Result<serde_json::Value, Fail> {
    if c.revoked != 0 {
        let day = revocation(&c.code)?.map(|r| r.day).unwrap_or_default();
        return Err(Fail::user(409, "already_revoked", format!("这份证明已于 {day} 作废，无需再次作废"), format!("this certificate was revoked already (on {day}); nothing was changed")));
    }
    let Some(reason) = REVOKE_REASONS.iter().find(|r| r.0 == body.reason.trim()) else {
        let codes: Vec<&str> = REVOKE_REASONS.iter().map(|r| r.0).collect();
        return Err(Fail::field(
            422,
            "revoke_reason_unknown",
            "reason",
            format!("请选择作废原因（reason）：{}", REVOKE_REASONS.iter().map(|r| r.1).collect::<Vec<_>>().join("、")),
            format!("choose the reason for revoking: one of {}", codes.join(", ")),
        ));
    };
    let note = crate::text::check("note", "作废说明", &body.note, 500, true)?;
    // Only the first of two revocations at once changes the row.
    let changed: Vec<String> = db::rows("UPDATE certificates SET revoked = 1 WHERE code = ?1 AND revoked = 0 RETURNING code", &[sql::text(&c.code)])?;
    if changed.is_empty() {
        return Err(Fail::user(409, "already_revoked", "这份证明已作废，无需再次作废", "this certificate was revoked already; nothing was changed"));
    }
    let (who, kind) = crate::apply::actor(caller);
    let day = db::local_day(now);
    sql::execute(
        "INSERT INTO revocations (code, at, day, by_id, by_name, reason, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &[sql::text(&c.code), sql::int(now), sql::text(&day), db::opt_text(caller.id.as_deref()), sql::text(&who), sql::text(reason.0), db::opt_text(Some(note.as_str()).filter(|n| !n.is_empty()))],
    )?;
    let detail = if note.is_empty() { format!("{} · {}", c.code, reason.1) } else { format!("{} · {}：{note}", c.code, reason.1) };
    db::step(c.app_id, now, &who, kind, "revoked", &detail)?;
    events::publish("applications.certificate-revoked", &json!({"code": c.code, "app_id": c.app_id})).ok();
    Ok(json!({"code": c.code, "revoked": true, "day": day, "reason": reason.0}))
}

/// What anyone may see: the certificate's title, the holder's name masked
/// (the hall's one masking rule), what it is for, who issued it and when,
/// and whether it stands. Never the ID card number or the address. A
/// revoked one: the title, the issuer and day, and when and why it was
/// revoked — nothing of what it certified.
pub fn public_view(c: &Cert, lang: &str) -> Result<serde_json::Value, Fail> {
    if c.revoked != 0 {
        let r = revocation(&c.code)?;
        return Ok(json!({
            "code": c.code, "valid": false, "revoked": true,
            "title": t(lang, &c.title_zh, &c.title_en), "issued_day": c.issued_day, "issuer": c.issuer,
            "revoked_day": r.as_ref().map(|r| r.day.clone()), "revoked_reason": r.as_ref().map(|r| revoke_reason(&r.reason, lang)),
        }));
    }
    Ok(json!({
        "code": c.code, "valid": true, "revoked": false,
        "title": t(lang, &c.title_zh, &c.title_en), "holder": mask::name(&c.holder),
        "purpose": c.purpose, "issued_day": c.issued_day, "issuer": c.issuer,
    }))
}

/// The certificate's sentence with its values filled in (the ID card
/// number as stored: masked).
pub fn sentence(cfg: &Config, item: &str, c: &Cert) -> String {
    let template = cfg.certificate(item).map(|x| x.text_zh.clone()).unwrap_or_else(|| "兹证明{name}的有关情况属实。".into());
    // Without an ID card number the parenthesis naming it goes.
    let template = if c.id_shown.is_none() { template.replace("（身份证号：{id}）", "") } else { template };
    template
        .replace("{name}", &c.holder)
        .replace("{id}", c.id_shown.as_deref().unwrap_or("—"))
        .replace("{address}", c.address.as_deref().unwrap_or(""))
        .replace("{purpose}", c.purpose.as_deref().unwrap_or("办理相关事项"))
}

/// Where the QR code points: the hall's public address when set, and the
/// short `/verify/CODE` the issue promises (`/applications/verify/CODE`,
/// on certificates printed before, still answers).
pub fn verify_url(cfg: &Config, code: &str) -> String {
    // The service's own override, else the hall's address (大厅信息).
    format!("{}/verify/{code}", linli_sdk::hall::public_url_or(&cfg.public_url))
}
