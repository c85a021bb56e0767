//! The plugin's settings: the activity categories, the screens' zone,
//! when check-in opens, the default waiting list, and how long residents'
//! phones are kept after an activity. The host's
//! `[plugins.activities.config]` (or the defaults) with the admin's changes
//! on top, checked field by field.

use linli_sdk::prelude::*;
use linli_sdk::settings::Problem;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "default_categories")]
    pub categories: Vec<Category>,
    /// The screens' zone events appear in (`carousel`, `ticker`, or empty).
    #[serde(default = "carousel")]
    pub screen_zone: String,
    /// Minutes before the start that check-in opens.
    #[serde(default = "sixty")]
    pub checkin_before: u32,
    /// The waiting list a new event offers unless staff set another.
    #[serde(default = "twenty")]
    pub default_waitlist: u32,
    /// Days residents' phones are kept after an activity ends (to tell
    /// them of a change); then only the figures stay.
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
fn twenty() -> u32 {
    20
}
fn thirty() -> u32 {
    30
}
fn carousel() -> String {
    "carousel".into()
}

fn default_categories() -> Vec<Category> {
    [
        ("arts", "文艺演出", "Arts and performances"),
        ("sports", "体育健身", "Sports and fitness"),
        ("talk", "讲座培训", "Talks and classes"),
        ("family", "亲子活动", "Family activities"),
        ("festival", "节日活动", "Festivals"),
        ("other", "其他", "Other"),
    ]
    .iter()
    .map(|(c, z, e)| Category { code: (*c).into(), name_zh: (*z).into(), name_en: (*e).into() })
    .collect()
}

impl Default for Config {
    fn default() -> Self {
        Config { categories: default_categories(), screen_zone: carousel(), checkin_before: 60, default_waitlist: 20, keep_days: 30 }
    }
}

impl Config {
    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    pub fn category_name(&self, code: &str, lang: &str) -> String {
        self.category(code).map(|c| c.name(lang).to_owned()).unwrap_or_else(|| code.to_owned())
    }

    pub fn load() -> Result<Config, Fail> {
        let merged = linli_sdk::settings::merged(None)?;
        Config::from_json(&merged).map_err(|p| linli_sdk::settings::broken("社区活动", "the activities", &p))
    }

    pub fn from_json(v: &serde_json::Value) -> Result<Config, Vec<Problem>> {
        let cfg: Config = serde_json::from_value(v.clone()).map_err(|e| vec![Problem::new("settings", format!("格式不对（{e}）"), format!("wrong shape ({e})"))])?;
        let p = cfg.problems();
        if p.is_empty() { Ok(cfg) } else { Err(p) }
    }

    fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.categories.is_empty() || self.categories.len() > 30 {
            out.push(Problem::new("categories", "类别应有 1 至 30 个", "there must be 1 to 30 categories"));
        }
        for (i, c) in self.categories.iter().enumerate() {
            let p = |f: &str| format!("categories[{i}].{f}");
            if c.code.is_empty() || c.code.len() > 30 || !c.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
                out.push(Problem::new(p("code"), "类别编号应为 1 至 30 个小写字母、数字或短横线", "the category code must be 1 to 30 lower-case letters, digits or dashes"));
            }
            if self.categories.iter().filter(|o| o.code == c.code).count() > 1 {
                out.push(Problem::new(p("code"), "类别编号重复", "the category code is used twice"));
            }
            if c.name_zh.trim().is_empty() || c.name_zh.chars().count() > 20 || c.name_zh.chars().any(char::is_control) {
                out.push(Problem::new(p("name_zh"), "中文名称应为 1 至 20 个字", "the Chinese name must be 1 to 20 characters"));
            }
            if c.name_en.trim().is_empty() || c.name_en.chars().count() > 40 || c.name_en.chars().any(char::is_control) {
                out.push(Problem::new(p("name_en"), "英文名称应为 1 至 40 个字符", "the English name must be 1 to 40 characters"));
            }
        }
        if !["", "carousel", "ticker"].contains(&self.screen_zone.as_str()) {
            out.push(Problem::new("screen_zone", "信息屏区域应为 carousel（轮播区）、ticker（滚动字幕）或留空（不上屏）", "the screen zone must be carousel, ticker or empty (not on the screens)"));
        }
        if self.checkin_before > 24 * 60 {
            out.push(Problem::new("checkin_before", "提前签到时间应为 0 至 1440 分钟", "check-in may open 0 to 1440 minutes before the start"));
        }
        if self.default_waitlist > 500 {
            out.push(Problem::new("default_waitlist", "候补人数应为 0 至 500", "the waiting list must be 0 to 500"));
        }
        if !(1..=365).contains(&self.keep_days) {
            out.push(Problem::new("keep_days", "电话保留天数应为 1 至 365", "the days phones are kept must be 1 to 365"));
        }
        out
    }
}

pub fn schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {
            "categories": {"type": "array"},
            "screen_zone": {"type": "string"},
            "checkin_before": {"type": "integer"},
            "default_waitlist": {"type": "integer"},
            "keep_days": {"type": "integer"}
        }
    })
}

pub fn default_json() -> serde_json::Value {
    serde_json::to_value(Config::default()).unwrap_or_else(|_| json!({}))
}
