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

/// What anyone may see: the certificate's title, the holder's name masked
/// (the hall's one masking rule), what it is for, who issued it and when,
/// and whether it stands. Never the ID card number or the address.
pub fn public_view(c: &Cert, lang: &str) -> serde_json::Value {
    json!({
        "code": c.code, "valid": c.revoked == 0,
        "title": t(lang, &c.title_zh, &c.title_en), "holder": mask::name(&c.holder),
        "purpose": c.purpose, "issued_day": c.issued_day, "issuer": c.issuer,
    })
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

/// Where the QR code points: the hall's public address when set.
pub fn verify_url(cfg: &Config, code: &str) -> String {
    format!("{}/applications/verify/{code}", cfg.public_url.trim_end_matches('/'))
}
