//! The plugin's settings (`[plugins.supervision.config]` in `linli.toml`,
//! over the defaults here): the hall's name on the printed report and the
//! plugins it reads.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The hall's name, at the top of the printed monthly report: an
    /// override; empty = the hall's name (大厅信息, see [`Config::hall`]).
    pub hall_name: String,
    pub queue_plugin: String,
    pub ratings_plugin: String,
    pub feedback_plugin: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            hall_name: String::new(),
            queue_plugin: "queue".into(),
            ratings_plugin: "ratings".into(),
            feedback_plugin: "feedback".into(),
        }
    }
}

impl Config {
    /// The name on the report: this plugin's own `hall_name`, else the
    /// hall's (大厅信息 on `/admin/host/hall`), else the name reports
    /// carried before the hall had one.
    pub fn hall(&self) -> String {
        let name = linli_sdk::hall::name_or(&self.hall_name);
        if name.is_empty() { "邻里社区便民服务大厅".to_owned() } else { name }
    }

    /// The host's configuration, or the defaults where it says nothing.
    pub fn load() -> Config {
        linli_sdk::config::get::<Config>().unwrap_or_default()
    }
}

pub fn default_json() -> Value {
    serde_json::to_value(Config::default()).unwrap_or_else(|_| json!({}))
}

pub fn schema() -> Value {
    let id = json!({"type": "string", "pattern": "^[a-z][a-z0-9-]{0,31}$"});
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "督查评估 / Supervision",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "hall_name": {"type": "string", "maxLength": 60, "description": "大厅名称（印在月报上；留空则用“系统管理 → 大厅信息”中的名称）/ the hall's name on the monthly report (empty: the one in Administration → Hall settings)"},
            "queue_plugin": id, "ratings_plugin": id, "feedback_plugin": id
        }
    })
}
