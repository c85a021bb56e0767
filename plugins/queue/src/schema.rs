//! The configuration's JSON Schema and default, declared in the manifest
//! so the host (and an admin tool) can show and check the settings.

use crate::config::Config;
use serde_json::{Value, json};

pub fn default() -> Value {
    serde_json::to_value(Config::default()).unwrap_or_else(|_| json!({}))
}

fn hhmm() -> Value {
    json!({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"})
}

pub fn schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "排队叫号 / Queue",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "services": {
                "description": "业务：编号、号票前缀、名称、每日限号、各时段配额 / services",
                "type": "array",
                "items": {
                    "type": "object", "additionalProperties": false, "required": ["code"],
                    "properties": {
                        "code": {"type": "string", "pattern": "^[A-Za-z0-9]+$"},
                        "prefix": {"type": "string"},
                        "name_zh": {"type": "string"},
                        "name_en": {"type": "string"},
                        "daily_limit": {"type": "integer", "minimum": 0, "description": "0 = 不限"},
                        "quota": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
                        "handling_minutes": {"type": "integer", "minimum": 1}
                    }
                }
            },
            "windows": {
                "description": "窗口及其办理的业务（主办在前）/ windows and their services, main first",
                "type": "array",
                "items": {
                    "type": "object", "additionalProperties": false, "required": ["number", "services"],
                    "properties": {"number": {"type": "string"}, "services": {"type": "array", "items": {"type": "string"}}}
                }
            },
            "hours": {
                "type": "object", "additionalProperties": false,
                "properties": {
                    "open": hhmm(), "close": hhmm(), "last_ticket": hhmm(),
                    "days": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 7}},
                    "closed_dates": {"type": "array", "items": {"type": "string", "format": "date"}},
                    "at_close": {"enum": ["clear", "carry"]}
                }
            },
            "periods": {
                "type": "array",
                "items": {
                    "type": "object", "additionalProperties": false,
                    "properties": {"code": {"type": "string"}, "name_zh": {"type": "string"}, "name_en": {"type": "string"}, "until": hhmm()}
                }
            },
            "policy": {
                "type": "object", "additionalProperties": false,
                "properties": {
                    "appointments_first": {"type": "boolean"},
                    "appointment_early_minutes": {"type": "integer", "minimum": 0},
                    "appointment_late_minutes": {"type": "integer", "minimum": 0},
                    "priority_first": {"type": "boolean"},
                    "max_in_row": {"type": "integer", "minimum": 0},
                    "window_order": {"enum": ["main-first", "oldest"]},
                    "max_recalls": {"type": "integer", "minimum": 0},
                    "missed": {"enum": ["requeue", "expire"]},
                    "requeue_places": {"type": "integer", "minimum": 0},
                    "missed_keep_minutes": {"type": "integer", "minimum": 0},
                    "window_idle_minutes": {"type": "integer", "minimum": 1}
                }
            },
            "tickets": {
                "type": "object", "additionalProperties": false,
                "properties": {"one_per_phone": {"type": "boolean"}}
            },
            "public_url": {"type": "string"}
        }
    })
}
