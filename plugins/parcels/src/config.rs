//! The station's settings: carriers offered, the shelves and their places
//! (the rule that assigns a location), the reminder and return days, the
//! wrong-code limit and how long it locks. The host's
//! `[plugins.parcels.config]` (or the defaults below) with the admin's
//! changes from the settings page on top, checked field by field.

use linli_sdk::Fail;
use linli_sdk::settings::Problem;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The carriers staff choose from.
    #[serde(default = "default_carriers")]
    pub carriers: Vec<String>,
    /// Shelf names, in the order the rule fills them (`A`, `B`…).
    #[serde(default = "default_shelves")]
    pub shelves: Vec<String>,
    /// Places on each shelf (`A-001` … `A-050`).
    #[serde(default = "fifty")]
    pub places_per_shelf: u32,
    /// A reminder goes to the resident after a parcel waited this many days.
    #[serde(default = "three")]
    pub remind_after_days: u32,
    /// A parcel not picked up after this many days goes back to the carrier.
    #[serde(default = "seven")]
    pub return_after_days: u32,
    /// Wrong pickup codes in a row for one phone before its parcels lock.
    #[serde(default = "ten")]
    pub code_tries: u32,
    /// How long the lock lasts (staff can lift it earlier).
    #[serde(default = "thirty")]
    pub lock_minutes: u32,
    /// The station's name in the messages (`社区快递代收点`).
    #[serde(default = "default_station")]
    pub station: String,
}

fn fifty() -> u32 {
    50
}
fn three() -> u32 {
    3
}
fn seven() -> u32 {
    7
}
fn ten() -> u32 {
    10
}
fn thirty() -> u32 {
    30
}
fn default_station() -> String {
    "社区快递代收点".into()
}
fn default_carriers() -> Vec<String> {
    ["顺丰", "中通", "圆通", "韵达", "申通", "京东", "邮政", "极兔", "其他"].iter().map(|s| (*s).to_owned()).collect()
}
fn default_shelves() -> Vec<String> {
    ["A", "B", "C", "D"].iter().map(|s| (*s).to_owned()).collect()
}

impl Default for Config {
    fn default() -> Self {
        Config {
            carriers: default_carriers(),
            shelves: default_shelves(),
            places_per_shelf: 50,
            remind_after_days: 3,
            return_after_days: 7,
            code_tries: 10,
            lock_minutes: 30,
            station: default_station(),
        }
    }
}

impl Config {
    pub fn load() -> Result<Config, Fail> {
        let merged = linli_sdk::settings::merged(None)?;
        Config::from_json(&merged).map_err(|p| linli_sdk::settings::broken("快递代收", "the parcel station", &p))
    }

    pub fn from_json(v: &serde_json::Value) -> Result<Config, Vec<Problem>> {
        let cfg: Config = serde_json::from_value(v.clone()).map_err(|e| vec![Problem::new("settings", format!("格式不对（{e}）"), format!("wrong shape ({e})"))])?;
        let mut out = Vec::new();
        let mut bad = |path: String, zh: &str, en: &str| out.push(Problem::new(path, zh, en));
        let name_ok = |s: &str, max: usize| !s.trim().is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control);
        if cfg.carriers.is_empty() || cfg.carriers.len() > 40 {
            bad("carriers".into(), "快递公司应有 1 至 40 个", "there must be 1 to 40 carriers");
        }
        for (i, c) in cfg.carriers.iter().enumerate() {
            if !name_ok(c, 20) {
                bad(format!("carriers[{i}]"), "快递公司名称应为 1 至 20 个字", "a carrier's name must be 1 to 20 characters");
            } else if cfg.carriers.iter().filter(|o| *o == c).count() > 1 {
                bad(format!("carriers[{i}]"), "快递公司重复", "the carrier is listed twice");
            }
        }
        if cfg.shelves.is_empty() || cfg.shelves.len() > 50 {
            bad("shelves".into(), "货架应有 1 至 50 个", "there must be 1 to 50 shelves");
        }
        for (i, s) in cfg.shelves.iter().enumerate() {
            if !name_ok(s, 8) || s.contains('-') {
                bad(format!("shelves[{i}]"), "货架名称应为 1 至 8 个字，不含短横线", "a shelf's name must be 1 to 8 characters without a dash");
            } else if cfg.shelves.iter().filter(|o| *o == s).count() > 1 {
                bad(format!("shelves[{i}]"), "货架名称重复", "the shelf is listed twice");
            }
        }
        if !(1..=999).contains(&cfg.places_per_shelf) {
            bad("places_per_shelf".into(), "每个货架的位置数应为 1 至 999", "places per shelf must be 1 to 999");
        }
        if !(1..=30).contains(&cfg.remind_after_days) {
            bad("remind_after_days".into(), "提醒天数应为 1 至 30", "the reminder must come after 1 to 30 days");
        }
        if !(1..=60).contains(&cfg.return_after_days) {
            bad("return_after_days".into(), "退回天数应为 1 至 60", "the return must come after 1 to 60 days");
        } else if cfg.return_after_days <= cfg.remind_after_days {
            bad("return_after_days".into(), "退回天数应大于提醒天数", "the return must come after the reminder");
        }
        if !(3..=50).contains(&cfg.code_tries) {
            bad("code_tries".into(), "取件码错误次数上限应为 3 至 50", "the wrong-code limit must be 3 to 50");
        }
        if !(1..=1440).contains(&cfg.lock_minutes) {
            bad("lock_minutes".into(), "锁定时间应为 1 至 1440 分钟", "the lock must last 1 to 1440 minutes");
        }
        if !name_ok(&cfg.station, 30) {
            bad("station".into(), "代收点名称应为 1 至 30 个字", "the station's name must be 1 to 30 characters");
        }
        if out.is_empty() { Ok(cfg) } else { Err(out) }
    }
}

pub fn schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {
            "carriers": {"type": "array"},
            "shelves": {"type": "array"},
            "places_per_shelf": {"type": "integer"},
            "remind_after_days": {"type": "integer"},
            "return_after_days": {"type": "integer"},
            "code_tries": {"type": "integer"},
            "lock_minutes": {"type": "integer"},
            "station": {"type": "string"}
        }
    })
}

pub fn default_json() -> serde_json::Value {
    serde_json::to_value(Config::default()).unwrap_or_else(|_| json!({}))
}
