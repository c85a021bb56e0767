//! The corner's settings: the kinds of activity, how far ahead residents
//! may sign up, the waiting list's length, check-in and the reminders. The
//! host's `[plugins.seniors.config]` (or the defaults) with the admin's
//! changes from the settings page on top, checked field by field.

use linli_sdk::Fail;
use linli_sdk::input::minutes;
use linli_sdk::settings::Problem;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "default_kinds")]
    pub kinds: Vec<Kind>,
    /// Residents may sign up this many weeks ahead (1–8).
    #[serde(default = "d_weeks")]
    pub weeks_ahead: u32,
    /// Places on the waiting list of one activity (0: no waiting list).
    #[serde(default = "d_waitlist")]
    pub waitlist_max: u32,
    /// The tablet checks in from this many minutes before the start.
    #[serde(default = "d_early")]
    pub check_in_early_minutes: u32,
    /// A reminder the day before from this time (`18:00`; empty: none).
    #[serde(default = "d_day_before")]
    pub remind_day_before_at: String,
    /// A reminder an hour before the start.
    #[serde(default = "d_true")]
    pub remind_hour_before: bool,
}

/// A kind of activity (健康讲座, 棋牌…).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kind {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

fn d_weeks() -> u32 {
    2
}
fn d_waitlist() -> u32 {
    10
}
fn d_early() -> u32 {
    30
}
fn d_day_before() -> String {
    "18:00".into()
}
fn d_true() -> bool {
    true
}

fn default_kinds() -> Vec<Kind> {
    [("health", "健康讲座", "Health talk"), ("chess", "棋牌", "Chess and cards"), ("calligraphy", "书法", "Calligraphy"), ("exercise", "健身操", "Exercise class")]
        .iter()
        .map(|(c, z, e)| Kind { code: (*c).into(), name_zh: (*z).into(), name_en: (*e).into() })
        .collect()
}

impl Default for Config {
    fn default() -> Self {
        Config {
            kinds: default_kinds(),
            weeks_ahead: d_weeks(),
            waitlist_max: d_waitlist(),
            check_in_early_minutes: d_early(),
            remind_day_before_at: d_day_before(),
            remind_hour_before: true,
        }
    }
}

impl Config {
    pub fn load() -> Result<Config, Fail> {
        let merged = linli_sdk::settings::merged(None)?;
        Config::from_json(&merged).map_err(|p| linli_sdk::settings::broken("老年活动角", "the seniors' corner", &p))
    }

    pub fn kind(&self, code: &str) -> Option<&Kind> {
        self.kinds.iter().find(|k| k.code == code)
    }

    /// The kind's name in `lang` (the code when the kind was removed).
    pub fn kind_name(&self, code: &str, lang: &str) -> String {
        self.kind(code).map(|k| if lang == "en" { k.name_en.clone() } else { k.name_zh.clone() }).unwrap_or_else(|| code.to_owned())
    }

    pub fn from_json(v: &serde_json::Value) -> Result<Config, Vec<Problem>> {
        let cfg: Config = serde_json::from_value(v.clone()).map_err(|e| vec![Problem::new("settings", format!("格式不对（{e}）"), format!("wrong shape ({e})"))])?;
        let mut out = Vec::new();
        if cfg.kinds.is_empty() {
            out.push(Problem::new("kinds", "至少需要一种活动类别", "at least one kind of activity is needed"));
        }
        for (i, k) in cfg.kinds.iter().enumerate() {
            let ok = !k.code.is_empty() && k.code.len() <= 20 && k.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !ok {
                out.push(Problem::new(format!("kinds[{i}].code"), "类别编号应为 1 至 20 个小写字母、数字或短横线", "the code must be 1 to 20 lower-case letters, digits or dashes"));
            }
            if cfg.kinds.iter().filter(|o| o.code == k.code).count() > 1 {
                out.push(Problem::new(format!("kinds[{i}].code"), "类别编号重复", "the code is used twice"));
            }
            if k.name_zh.trim().is_empty() || k.name_zh.chars().count() > 20 {
                out.push(Problem::new(format!("kinds[{i}].name_zh"), "中文名称应为 1 至 20 个字", "the Chinese name must be 1 to 20 characters"));
            }
            if k.name_en.trim().is_empty() || k.name_en.chars().count() > 40 {
                out.push(Problem::new(format!("kinds[{i}].name_en"), "英文名称应为 1 至 40 个字符", "the English name must be 1 to 40 characters"));
            }
        }
        if !(1..=8).contains(&cfg.weeks_ahead) {
            out.push(Problem::new("weeks_ahead", "可提前报名的周数应为 1 至 8", "weeks ahead must be 1 to 8"));
        }
        if cfg.waitlist_max > 100 {
            out.push(Problem::new("waitlist_max", "候补名额应为 0 至 100", "the waiting list must be 0 to 100 places"));
        }
        if cfg.check_in_early_minutes > 120 {
            out.push(Problem::new("check_in_early_minutes", "提前签到分钟数应为 0 至 120", "early check-in must be 0 to 120 minutes"));
        }
        if !cfg.remind_day_before_at.is_empty() && minutes(&cfg.remind_day_before_at).is_none() {
            out.push(Problem::new("remind_day_before_at", "前一天提醒时间应为 HH:MM（如 18:00），或留空不提醒", "the day-before reminder must be HH:MM (e.g. 18:00), or empty for none"));
        }
        if out.is_empty() { Ok(cfg) } else { Err(out) }
    }
}

pub fn schema() -> serde_json::Value {
    json!({"type": "object", "properties": {
        "kinds": {"type": "array"}, "weeks_ahead": {"type": "integer"}, "waitlist_max": {"type": "integer"},
        "check_in_early_minutes": {"type": "integer"}, "remind_day_before_at": {"type": "string"}, "remind_hour_before": {"type": "boolean"}
    }})
}

pub fn default_json() -> serde_json::Value {
    serde_json::to_value(Config::default()).unwrap_or_else(|_| json!({}))
}
