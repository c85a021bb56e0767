//! The configuration's JSON Schema and default, declared in the manifest
//! so the host (and an admin tool) can show and check the settings. The
//! plugin's own check (`Config::check`, which also relates fields: the last
//! ticket after opening, quotas of known periods…) decides; the bounds here
//! are the same.

use crate::config::{Config, MAX_TICKETS};
use serde_json::{Value, json};

pub fn default() -> Value {
    serde_json::to_value(Config::default()).unwrap_or_else(|_| json!({}))
}

fn hhmm() -> Value {
    json!({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"})
}

/// Opening time: 24:00 is an end, not a start.
fn hhmm_start() -> Value {
    json!({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"})
}

fn bounded(min: u32, max: u32) -> Value {
    json!({"type": "integer", "minimum": min, "maximum": max})
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
                        "code": {"type": "string", "pattern": "^[A-Za-z0-9]{1,8}$"},
                        "prefix": {"type": "string", "pattern": "^([A-Za-z0-9]{1,8})?$"},
                        "name_zh": {"type": "string", "minLength": 1, "maxLength": 40},
                        "name_en": {"type": "string", "minLength": 1, "maxLength": 80},
                        "daily_limit": {"type": "integer", "minimum": 0, "maximum": MAX_TICKETS, "description": "0 = 不限"},
                        "quota": {"type": "object", "additionalProperties": bounded(0, MAX_TICKETS)},
                        "handling_minutes": bounded(1, 480)
                    }
                }
            },
            "windows": {
                "description": "窗口及其办理的业务（主办在前）/ windows and their services, main first",
                "type": "array",
                "items": {
                    "type": "object", "additionalProperties": false, "required": ["number", "services"],
                    "properties": {"number": {"type": "string", "pattern": r"^\S{1,8}$"}, "services": {"type": "array", "uniqueItems": true, "items": {"type": "string"}}}
                }
            },
            "hours": {
                "type": "object", "additionalProperties": false,
                "properties": {
                    "open": hhmm_start(), "close": hhmm(), "last_ticket": hhmm(),
                    "days": {"type": "array", "minItems": 1, "uniqueItems": true, "items": bounded(1, 7)},
                    "closed_dates": {"type": "array", "items": {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}},
                    "follow_calendar": {"type": "boolean"},
                    "at_close": {"enum": ["clear", "carry"]}
                }
            },
            "periods": {
                "type": "array",
                "items": {
                    "type": "object", "additionalProperties": false,
                    "properties": {"code": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,16}$"}, "name_zh": {"type": "string", "maxLength": 20}, "name_en": {"type": "string", "maxLength": 40}, "until": hhmm()}
                }
            },
            "policy": {
                "type": "object", "additionalProperties": false,
                "properties": {
                    "appointments_first": {"type": "boolean"},
                    "appointment_early_minutes": bounded(0, 240),
                    "appointment_late_minutes": bounded(0, 240),
                    "priority_first": {"type": "boolean"},
                    "max_in_row": bounded(0, 100),
                    "window_order": {"enum": ["main-first", "oldest"]},
                    "max_recalls": bounded(0, 10),
                    "missed": {"enum": ["requeue", "expire"]},
                    "requeue_places": bounded(0, 1000),
                    "missed_keep_minutes": bounded(0, 1440),
                    "window_idle_minutes": bounded(1, 1440)
                }
            },
            "tickets": {
                "type": "object", "additionalProperties": false,
                "properties": {"one_per_phone": {"type": "boolean"}}
            },
            "public_url": {"type": "string", "maxLength": 200, "pattern": r#"^(https?://[^\s"'<>\\`{}|^?#@/:][^\s"'<>\\`{}|^?#]*)?$"#}
        }
    })
}
