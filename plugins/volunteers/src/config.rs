//! The volunteers' settings: the positions (导办, 助老, 环境 …), the issuer
//! printed on certificates and the hall's public address for their QR
//! code; the host's `[plugins.volunteers.config]` with the admin's changes
//! from the settings page on top, checked field by field.

use linli_sdk::Fail;
use linli_sdk::settings::Problem;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "default_positions")]
    pub positions: Vec<Position>,
    /// Printed on the certificate of hours (出具单位).
    #[serde(default = "d_issuer")]
    pub issuer: String,
    /// The hall's address phones can reach (`https://hall.example`): the
    /// certificate's QR code points there. An override: empty = the hall's
    /// public address (大厅信息), else the path only.
    #[serde(default)]
    pub public_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Position {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

fn d_issuer() -> String {
    "邻里社区服务大厅".into()
}

fn default_positions() -> Vec<Position> {
    [("guide", "导办", "Guiding residents"), ("elderly", "助老", "Helping the elderly"), ("environment", "环境", "Keeping the neighbourhood clean")]
        .iter()
        .map(|(c, z, e)| Position { code: (*c).into(), name_zh: (*z).into(), name_en: (*e).into() })
        .collect()
}

impl Default for Config {
    fn default() -> Self {
        Config { positions: default_positions(), issuer: d_issuer(), public_url: String::new() }
    }
}

impl Config {
    pub fn load() -> Result<Config, Fail> {
        let merged = linli_sdk::settings::merged(None)?;
        Config::from_json(&merged).map_err(|p| linli_sdk::settings::broken("志愿者服务", "the volunteers", &p))
    }

    pub fn position(&self, code: &str) -> Option<&Position> {
        self.positions.iter().find(|p| p.code == code)
    }

    pub fn position_name(&self, code: &str, lang: &str) -> String {
        self.position(code).map(|p| if lang == "en" { p.name_en.clone() } else { p.name_zh.clone() }).unwrap_or_else(|| code.to_owned())
    }

    pub fn from_json(v: &serde_json::Value) -> Result<Config, Vec<Problem>> {
        let cfg: Config = serde_json::from_value(v.clone()).map_err(|e| vec![Problem::new("settings", format!("格式不对（{e}）"), format!("wrong shape ({e})"))])?;
        let mut out = Vec::new();
        if cfg.positions.is_empty() {
            out.push(Problem::new("positions", "至少需要一个志愿岗位", "at least one position is needed"));
        }
        for (i, p) in cfg.positions.iter().enumerate() {
            let ok = !p.code.is_empty() && p.code.len() <= 20 && p.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !ok {
                out.push(Problem::new(format!("positions[{i}].code"), "岗位编号应为 1 至 20 个小写字母、数字或短横线", "the code must be 1 to 20 lower-case letters, digits or dashes"));
            }
            if cfg.positions.iter().filter(|o| o.code == p.code).count() > 1 {
                out.push(Problem::new(format!("positions[{i}].code"), "岗位编号重复", "the code is used twice"));
            }
            if p.name_zh.trim().is_empty() || p.name_zh.chars().count() > 20 {
                out.push(Problem::new(format!("positions[{i}].name_zh"), "中文名称应为 1 至 20 个字", "the Chinese name must be 1 to 20 characters"));
            }
            if p.name_en.trim().is_empty() || p.name_en.chars().count() > 60 {
                out.push(Problem::new(format!("positions[{i}].name_en"), "英文名称应为 1 至 60 个字符", "the English name must be 1 to 60 characters"));
            }
        }
        if cfg.issuer.trim().is_empty() || cfg.issuer.chars().count() > 40 {
            out.push(Problem::new("issuer", "出具单位应为 1 至 40 个字", "the issuer must be 1 to 40 characters"));
        }
        let u = cfg.public_url.trim();
        if !(u.is_empty() || u.starts_with("http://") || u.starts_with("https://")) || u.len() > 200 || u.chars().any(|c| c.is_whitespace() || c.is_control()) {
            out.push(Problem::new("public_url", "公网地址应以 http:// 或 https:// 开头，或留空", "the public address must start with http:// or https://, or be empty"));
        }
        if out.is_empty() { Ok(cfg) } else { Err(out) }
    }
}

pub fn schema() -> serde_json::Value {
    json!({"type": "object", "properties": {"positions": {"type": "array"}, "issuer": {"type": "string"}, "public_url": {"type": "string"}}})
}

pub fn default_json() -> serde_json::Value {
    serde_json::to_value(Config::default()).unwrap_or_else(|_| json!({}))
}
