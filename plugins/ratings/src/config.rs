//! The plugin's settings: the host's `[plugins.ratings.config]` (or the
//! defaults below) with the admin's changes from the settings form on top
//! (kv `config/override`), checked field by field. Every field has a label
//! and a line of help in both languages ([`FIELDS`]): the form is drawn
//! from them, never as raw JSON.

use linli_sdk::Fail;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Working days a 差评 case has to be put right, called back and closed.
    pub case_days: u32,
    /// Days after the ticket was finished a resident may rate on the phone.
    pub phone_days: u32,
    /// Days after which an unrated ticket gets the default rating.
    pub default_after_days: u32,
    /// The default rating's level (3 基本满意 … 5 非常满意).
    pub default_level: u32,
    /// Minutes the evaluator keeps asking about a finished ticket.
    pub prompt_minutes: u32,
    /// The plugin whose finished tickets are rated (its callable
    /// `GET /api/queue/served`).
    pub queue_plugin: String,
}

impl Default for Config {
    fn default() -> Self {
        // The national 好差评 rules: a resident may rate for a few days,
        // an unrated service counts as 满意 by default, and a 差评 is
        // followed up within five working days (a hall may choose 15).
        Config { case_days: 5, phone_days: 5, default_after_days: 5, default_level: 4, prompt_minutes: 10, queue_plugin: "queue".into() }
    }
}

/// One field of the form: name, label and help in both languages, range.
pub struct Field {
    pub name: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub help_zh: &'static str,
    pub help_en: &'static str,
    pub min: u32,
    pub max: u32,
}

pub const FIELDS: &[Field] = &[
    Field {
        name: "case_days",
        zh: "差评整改时限（工作日）",
        en: "Days to close a poor rating (working days)",
        help_zh: "每条差评生成一个整改单，主管须在这些工作日内完成整改、回访并办结；周末和节假日不计，调休上班日计入。",
        help_en: "Each poor rating opens a case the supervisor must put right, call back and close within these working days; weekends and holidays do not count, make-up working days do.",
        min: 1,
        max: 30,
    },
    Field {
        name: "phone_days",
        zh: "手机评价期限（天）",
        en: "Days to rate on the phone",
        help_zh: "办结后居民可在号票页面用手机评价的天数。",
        help_en: "How many days after the service a resident may rate it from the ticket page on their phone.",
        min: 1,
        max: 30,
    },
    Field {
        name: "default_after_days",
        zh: "默认评价（天）",
        en: "Default rating after (days)",
        help_zh: "办结后这么多天仍未评价的，记一条默认评价（标明为默认，不计入真实评价）；不能少于手机评价期限。",
        help_en: "A ticket still unrated this many days after the service gets a default rating (marked as default, never counted as a real one); not less than the phone days.",
        min: 1,
        max: 60,
    },
    Field {
        name: "default_level",
        zh: "默认评价等级",
        en: "Default rating level",
        help_zh: "默认评价记为：5 非常满意、4 满意、3 基本满意（默认评价不会是差评）。",
        help_en: "The default rating: 5 very satisfied, 4 satisfied, 3 fairly satisfied (a default is never a poor rating).",
        min: 3,
        max: 5,
    },
    Field {
        name: "prompt_minutes",
        zh: "评价器提示时长（分钟）",
        en: "Evaluator prompt (minutes)",
        help_zh: "窗口办结后，评价器请居民评价的时长；超时后不再提示，居民仍可用手机评价。",
        help_en: "How long the window's evaluator asks for a rating after the service; after that the resident can still rate on the phone.",
        min: 1,
        max: 120,
    },
];

/// One problem in the settings: the field and what is wrong (the SDK's).
pub use linli_sdk::settings::Problem;

impl Config {
    pub fn get(&self, name: &str) -> u32 {
        match name {
            "case_days" => self.case_days,
            "phone_days" => self.phone_days,
            "default_after_days" => self.default_after_days,
            "default_level" => self.default_level,
            "prompt_minutes" => self.prompt_minutes,
            _ => 0,
        }
    }

    /// The effective settings, or a 503 naming what stops them loading.
    pub fn load() -> Result<Config, Fail> {
        Config::from_json(&merged(None)?).map_err(|p| {
            linli_sdk::settings::broken("评价", "the rating", &p)
        })
    }

    pub fn from_json(v: &serde_json::Value) -> Result<Config, Vec<Problem>> {
        let cfg: Config = serde_json::from_value(v.clone()).map_err(|e| vec![Problem { path: "settings".into(), zh: format!("格式不对（{e}）"), en: format!("wrong shape ({e})") }])?;
        let mut out = Vec::new();
        for f in FIELDS {
            let v = cfg.get(f.name);
            if v < f.min || v > f.max {
                out.push(Problem {
                    path: f.name.into(),
                    zh: format!("{}应为 {} 至 {}", f.zh, f.min, f.max),
                    en: format!("{} must be {} to {}", f.en, f.min, f.max),
                });
            }
        }
        if cfg.default_after_days < cfg.phone_days {
            out.push(Problem {
                path: "default_after_days".into(),
                zh: "默认评价天数不能少于手机评价期限".into(),
                en: "the default rating cannot come before the phone days end".into(),
            });
        }
        if cfg.queue_plugin.is_empty() || !cfg.queue_plugin.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            out.push(Problem { path: "queue_plugin".into(), zh: "排队插件编号不正确".into(), en: "the queue plugin id is not valid".into() });
        }
        if out.is_empty() { Ok(cfg) } else { Err(out) }
    }
}

/// The host's settings with the admin's saved changes (and `patch`, when
/// saving) on top (the SDK's settings).
pub fn merged(patch: Option<&serde_json::Map<String, serde_json::Value>>) -> Result<serde_json::Value, Fail> {
    Ok(linli_sdk::settings::merged(patch)?)
}
/// The settings' JSON Schema (the host checks `[plugins.ratings.config]`
/// against it; the plugin checks the ranges and names each field).
pub fn schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {
            "case_days": {"type": "integer"},
            "phone_days": {"type": "integer"},
            "default_after_days": {"type": "integer"},
            "default_level": {"type": "integer"},
            "prompt_minutes": {"type": "integer"},
            "queue_plugin": {"type": "string"}
        }
    })
}

pub fn default_json() -> serde_json::Value {
    serde_json::to_value(Config::default()).unwrap_or_else(|_| json!({}))
}
