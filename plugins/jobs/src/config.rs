//! The plugin's settings: the job categories, how long a posting may run,
//! which zone of the waiting-area screens shows postings, and how long the
//! phones of interested residents are kept after a posting ends. The
//! host's `[plugins.jobs.config]` (or the defaults below) with the admin's
//! changes from the settings page on top, checked field by field.

use linli_sdk::prelude::*;
use linli_sdk::settings::Problem;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "default_categories")]
    pub categories: Vec<Category>,
    /// The longest a posting may stay up, in days from the day it is entered.
    #[serde(default = "sixty")]
    pub max_days: u32,
    /// The screens' zone postings appear in (`carousel`, `ticker`, or
    /// empty: not on the screens).
    #[serde(default = "carousel")]
    pub screen_zone: String,
    /// Days the phones of residents who asked are kept after a posting
    /// expires or closes (staff call them back in that time); then only
    /// the count stays.
    #[serde(default = "thirty")]
    pub keep_days: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

impl Category {
    pub fn name(&self, lang: &str) -> &str {
        if lang == "en" { &self.name_en } else { &self.name_zh }
    }
}

fn sixty() -> u32 {
    60
}
fn thirty() -> u32 {
    30
}
fn carousel() -> String {
    "carousel".into()
}

fn default_categories() -> Vec<Category> {
    [
        ("factory", "工厂普工", "Factory work"),
        ("service", "餐饮服务", "Catering and service"),
        ("cleaning", "保洁家政", "Cleaning and housekeeping"),
        ("building", "建筑装修", "Building and decorating"),
        ("delivery", "物流配送", "Delivery and logistics"),
        ("security", "保安物业", "Security and property"),
        ("office", "文员行政", "Office work"),
        ("other", "其他", "Other"),
    ]
    .iter()
    .map(|(c, z, e)| Category { code: (*c).into(), name_zh: (*z).into(), name_en: (*e).into() })
    .collect()
}

impl Default for Config {
    fn default() -> Self {
        Config { categories: default_categories(), max_days: 60, screen_zone: carousel(), keep_days: 30 }
    }
}

impl Config {
    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    pub fn category_name(&self, code: &str, lang: &str) -> String {
        self.category(code).map(|c| c.name(lang).to_owned()).unwrap_or_else(|| code.to_owned())
    }

    /// The settings in force, or 503 naming every broken field.
    pub fn load() -> Result<Config, Fail> {
        let merged = linli_sdk::settings::merged(None)?;
        Config::from_json(&merged).map_err(|p| linli_sdk::settings::broken("就业信息", "the jobs board", &p))
    }

    pub fn from_json(v: &serde_json::Value) -> Result<Config, Vec<Problem>> {
        let cfg: Config = serde_json::from_value(v.clone()).map_err(|e| vec![Problem::new("settings", format!("格式不对（{e}）"), format!("wrong shape ({e})"))])?;
        let p = cfg.problems();
        if p.is_empty() { Ok(cfg) } else { Err(p) }
    }

    fn problems(&self) -> Vec<Problem> {
        let mut out = categories_problems(&self.categories);
        if !(1..=365).contains(&self.max_days) {
            out.push(Problem::new("max_days", "最长发布天数应为 1 至 365", "the longest a posting runs must be 1 to 365 days"));
        }
        if !["", "carousel", "ticker"].contains(&self.screen_zone.as_str()) {
            out.push(Problem::new("screen_zone", "信息屏区域应为 carousel（轮播区）、ticker（滚动字幕）或留空（不上屏）", "the screen zone must be carousel, ticker or empty (not on the screens)"));
        }
        if !(1..=365).contains(&self.keep_days) {
            out.push(Problem::new("keep_days", "电话保留天数应为 1 至 365", "the days phones are kept must be 1 to 365"));
        }
        out
    }
}

/// The checks every category list passes (codes, names, how many).
pub fn categories_problems(categories: &[Category]) -> Vec<Problem> {
    let mut out = Vec::new();
    if categories.is_empty() || categories.len() > 30 {
        out.push(Problem::new("categories", "类别应有 1 至 30 个", "there must be 1 to 30 categories"));
    }
    for (i, c) in categories.iter().enumerate() {
        let p = |f: &str| format!("categories[{i}].{f}");
        if c.code.is_empty() || c.code.len() > 30 || !c.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            out.push(Problem::new(p("code"), "类别编号应为 1 至 30 个小写字母、数字或短横线", "the category code must be 1 to 30 lower-case letters, digits or dashes"));
        }
        if categories.iter().filter(|o| o.code == c.code).count() > 1 {
            out.push(Problem::new(p("code"), "类别编号重复", "the category code is used twice"));
        }
        if c.name_zh.trim().is_empty() || c.name_zh.chars().count() > 20 || c.name_zh.chars().any(char::is_control) {
            out.push(Problem::new(p("name_zh"), "中文名称应为 1 至 20 个字", "the Chinese name must be 1 to 20 characters"));
        }
        if c.name_en.trim().is_empty() || c.name_en.chars().count() > 40 || c.name_en.chars().any(char::is_control) {
            out.push(Problem::new(p("name_en"), "英文名称应为 1 至 40 个字符", "the English name must be 1 to 40 characters"));
        }
    }
    out
}

/// The settings' JSON Schema (the host checks `[plugins.jobs.config]`
/// against it; the plugin checks the details and names each field).
pub fn schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {
            "categories": {"type": "array"},
            "max_days": {"type": "integer"},
            "screen_zone": {"type": "string"},
            "keep_days": {"type": "integer"}
        }
    })
}

pub fn default_json() -> serde_json::Value {
    serde_json::to_value(Config::default()).unwrap_or_else(|_| json!({}))
}
