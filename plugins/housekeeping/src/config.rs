//! The settings: how many days ahead residents see slots, and the limit on
//! wrong provider sign-in codes or keys before a provider's sign-in pauses.
//! The host's `[plugins.housekeeping.config]` (or the defaults) with the
//! admin's changes from the settings page on top, checked field by field.

use linli_sdk::Fail;
use linli_sdk::settings::Problem;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Residents see and book slots up to this many days ahead.
    #[serde(default = "fourteen")]
    pub days_ahead: u32,
    /// Wrong sign-in codes or keys for one provider within `lock_minutes`
    /// before its sign-in pauses for the rest of that time.
    #[serde(default = "ten")]
    pub guess_limit: u32,
    #[serde(default = "fifteen")]
    pub lock_minutes: u32,
}

fn fourteen() -> u32 {
    14
}
fn ten() -> u32 {
    10
}
fn fifteen() -> u32 {
    15
}

impl Default for Config {
    fn default() -> Self {
        Config { days_ahead: 14, guess_limit: 10, lock_minutes: 15 }
    }
}

impl Config {
    pub fn load() -> Result<Config, Fail> {
        let merged = linli_sdk::settings::merged(None)?;
        Config::from_json(&merged).map_err(|p| linli_sdk::settings::broken("家政服务预约", "the housekeeping", &p))
    }

    pub fn from_json(v: &serde_json::Value) -> Result<Config, Vec<Problem>> {
        let cfg: Config = serde_json::from_value(v.clone()).map_err(|e| vec![Problem::new("settings", format!("格式不对（{e}）"), format!("wrong shape ({e})"))])?;
        let mut out = Vec::new();
        if !(1..=60).contains(&cfg.days_ahead) {
            out.push(Problem::new("days_ahead", "可预约天数应为 1 至 60", "days ahead must be 1 to 60"));
        }
        if !(3..=50).contains(&cfg.guess_limit) {
            out.push(Problem::new("guess_limit", "错误次数上限应为 3 至 50", "the limit must be 3 to 50"));
        }
        if !(1..=1440).contains(&cfg.lock_minutes) {
            out.push(Problem::new("lock_minutes", "暂停分钟数应为 1 至 1440", "the pause must be 1 to 1440 minutes"));
        }
        if out.is_empty() { Ok(cfg) } else { Err(out) }
    }
}

pub fn schema() -> serde_json::Value {
    json!({"type": "object", "properties": {"days_ahead": {"type": "integer"}, "guess_limit": {"type": "integer"}, "lock_minutes": {"type": "integer"}}})
}

pub fn default_json() -> serde_json::Value {
    serde_json::to_value(Config::default()).unwrap_or_else(|_| json!({}))
}
