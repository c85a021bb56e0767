//! The plugin's settings: the categories residents choose from, the
//! deadlines in working days, the reopening and closing rules and the
//! public replies. The host's `[plugins.feedback.config]` (or the defaults
//! below) with the admin's changes from the settings page on top (kv
//! `config/override`, whole top-level fields replaced), checked field by
//! field.

use linli_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The three kinds of feedback, in the order the form offers them.
pub const KINDS: &[(&str, &str, &str)] = &[("suggestion", "建议", "Suggestion"), ("complaint", "投诉", "Complaint"), ("praise", "表扬", "Praise")];

pub fn kind_name<'a>(kind: &str, lang: &str) -> &'a str {
    KINDS.iter().find(|k| k.0 == kind).map(|k| t(lang, k.1, k.2)).unwrap_or("")
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "default_categories")]
    pub categories: Vec<Category>,
    /// Working days from submission to the reply, per kind.
    #[serde(default)]
    pub deadlines: Deadlines,
    /// Working days the staff have for a reopened case.
    #[serde(default = "five")]
    pub reopen_days: u32,
    /// Working days a resident has to accept or reopen a reply; then the
    /// case closes by itself (the resident can no longer reopen it).
    #[serde(default = "ten")]
    pub answer_days: u32,
    /// Whether staff may publish replies on the public page (after
    /// personal details are masked and a staff member confirms).
    #[serde(default = "yes")]
    pub public_replies: bool,
    /// Send a message to a named resident's phone when the case is
    /// received and when it is answered.
    #[serde(default = "yes")]
    pub notify_residents: bool,
    /// The hall's address phones reach, for the QR poster: an override;
    /// empty = the hall's public address (大厅信息), else the address the
    /// poster page was opened at.
    #[serde(default)]
    pub public_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    pub complaint: u32,
    pub suggestion: u32,
    pub praise: u32,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines { complaint: 5, suggestion: 10, praise: 10 }
    }
}

fn five() -> u32 {
    5
}
fn ten() -> u32 {
    10
}
fn yes() -> bool {
    true
}

fn default_categories() -> Vec<Category> {
    [
        ("attitude", "服务态度", "Staff attitude"),
        ("efficiency", "办事效率", "Efficiency"),
        ("process", "办事流程与材料", "Procedures and documents"),
        ("facilities", "环境与设施", "Hall and facilities"),
        ("policy", "政策与咨询", "Policies and advice"),
        ("other", "其他", "Other"),
    ]
    .iter()
    .map(|(c, z, e)| Category { code: (*c).into(), name_zh: (*z).into(), name_en: (*e).into() })
    .collect()
}

impl Default for Config {
    fn default() -> Self {
        Config { categories: default_categories(), deadlines: Deadlines::default(), reopen_days: 5, answer_days: 10, public_replies: true, notify_residents: true, public_url: String::new() }
    }
}

/// One problem in the settings: the field and what is wrong (the SDK's).
pub use linli_sdk::settings::Problem;

impl Category {
    pub fn name(&self, lang: &str) -> &str {
        if lang == "en" { &self.name_en } else { &self.name_zh }
    }
}

impl Config {
    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    pub fn category_name(&self, code: &str, lang: &str) -> String {
        self.category(code).map(|c| c.name(lang).to_owned()).unwrap_or_else(|| code.to_owned())
    }

    pub fn deadline_days(&self, kind: &str) -> u32 {
        match kind {
            "complaint" => self.deadlines.complaint,
            "suggestion" => self.deadlines.suggestion,
            _ => self.deadlines.praise,
        }
    }

    /// The effective settings, or the problems that stop them loading.
    pub fn load() -> Result<Config, Fail> {
        let merged = merged(None)?;
        Config::from_json(&merged).map_err(|p| {
            linli_sdk::settings::broken("意见箱", "the feedback", &p)
        })
    }

    pub fn from_json(v: &serde_json::Value) -> Result<Config, Vec<Problem>> {
        let cfg: Config = serde_json::from_value(v.clone())
            .map_err(|e| vec![Problem { path: "settings".into(), zh: format!("格式不对（{e}）"), en: format!("wrong shape ({e})") }])?;
        let p = cfg.problems();
        if p.is_empty() { Ok(cfg) } else { Err(p) }
    }

    fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut bad = |path: String, zh: &str, en: &str| out.push(Problem { path, zh: zh.into(), en: en.into() });
        if self.categories.is_empty() || self.categories.len() > 30 {
            bad("categories".into(), "类别应有 1 至 30 个", "there must be 1 to 30 categories");
        }
        for (i, c) in self.categories.iter().enumerate() {
            let p = |f: &str| format!("categories[{i}].{f}");
            if c.code.is_empty() || c.code.len() > 30 || !c.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
                bad(p("code"), "类别编号应为 1 至 30 个小写字母、数字或短横线", "the category code must be 1 to 30 lower-case letters, digits or dashes");
            }
            if self.categories.iter().filter(|o| o.code == c.code).count() > 1 {
                bad(p("code"), "类别编号重复", "the category code is used twice");
            }
            if c.name_zh.trim().is_empty() || c.name_zh.chars().count() > 20 || c.name_zh.chars().any(char::is_control) {
                bad(p("name_zh"), "中文名称应为 1 至 20 个字", "the Chinese name must be 1 to 20 characters");
            }
            if c.name_en.trim().is_empty() || c.name_en.chars().count() > 40 || c.name_en.chars().any(char::is_control) {
                bad(p("name_en"), "英文名称应为 1 至 40 个字符", "the English name must be 1 to 40 characters");
            }
        }
        for (k, v) in [("complaint", self.deadlines.complaint), ("suggestion", self.deadlines.suggestion), ("praise", self.deadlines.praise)] {
            if !(1..=60).contains(&v) {
                bad(format!("deadlines.{k}"), "答复时限应为 1 至 60 个工作日", "the reply deadline must be 1 to 60 working days");
            }
        }
        if !(1..=60).contains(&self.reopen_days) {
            bad("reopen_days".into(), "重新办理时限应为 1 至 60 个工作日", "the deadline of a reopened case must be 1 to 60 working days");
        }
        if !(1..=60).contains(&self.answer_days) {
            bad("answer_days".into(), "居民确认期限应为 1 至 60 个工作日", "the resident's time to accept or reopen must be 1 to 60 working days");
        }
        if !public_url_ok(&self.public_url) {
            bad("public_url".into(), "应为以 http:// 或 https:// 开头的网址，例如 http://192.168.1.10:8080，或留空", "must be an http:// or https:// address, e.g. http://192.168.1.10:8080, or empty");
        }
        out
    }
}

/// An address a phone opens as a plain link: `http://` or `https://` and
/// a host, nothing that is not a plain URL character, no query.
fn public_url_ok(u: &str) -> bool {
    if u.is_empty() {
        return true;
    }
    let lower = u.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("http://").or_else(|| lower.strip_prefix("https://")) else { return false };
    let host = rest.split('/').next().unwrap_or("");
    u.len() <= 200 && !host.is_empty() && !host.starts_with(':') && !host.contains('@') && u.chars().all(|c| c.is_ascii_alphanumeric() || "-._~:/%".contains(c))
}

/// The host's settings with the admin's saved changes (and `patch`, when
/// saving) on top (the SDK's settings).
pub fn merged(patch: Option<&serde_json::Map<String, serde_json::Value>>) -> Result<serde_json::Value, Fail> {
    Ok(linli_sdk::settings::merged(patch)?)
}
/// The settings' JSON Schema (the host checks `[plugins.feedback.config]`
/// against it; the plugin checks the details and names each field).
pub fn schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {
            "categories": {"type": "array"},
            "deadlines": {"type": "object"},
            "reopen_days": {"type": "integer"},
            "answer_days": {"type": "integer"},
            "public_replies": {"type": "boolean"},
            "notify_residents": {"type": "boolean"},
            "public_url": {"type": "string"}
        }
    })
}

pub fn default_json() -> serde_json::Value {
    serde_json::to_value(Config::default()).unwrap_or_else(|_| json!({}))
}
