//! A plugin's settings as admins edit them on its settings form: the
//! host's configuration (`[plugins.<id>.config]` in `linli.toml`, over the
//! manifest's defaults) with the admin's saved changes on top, section by
//! section, kept in the plugin's key-value store (capabilities `config` and
//! `kv`). A change is checked as a whole before it is kept; each problem
//! names its field (`items[2].capacity`) in both languages.
//!
//! ```ignore
//! // Config::from_json(&Value) -> Result<Config, Vec<settings::Problem>>
//! ("GET", "/api/jobs/config") => Ok(settings::form(Config::from_json)?),
//! ("POST", "/api/jobs/config") => settings::change(req, Config::from_json, "job settings changed by an admin"),
//! ```

use crate::store::{HostError, config, kv};
use crate::{Fail, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Where the admin's saved changes are kept.
pub const OVERRIDE_KEY: &str = "config/override";

/// One setting that cannot be: where, and why in both languages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// The field: `release_time`, `items[2].capacity`.
    pub path: String,
    /// Why, in Chinese.
    pub zh: String,
    /// Why, in English.
    pub en: String,
}

impl Problem {
    /// A problem with `path`, in both languages.
    pub fn new(path: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> Problem {
        Problem { path: path.into(), zh: zh.into(), en: en.into() }
    }
}

/// The admin's saved changes with `patch` on top (a `null` section goes
/// back to the host's configuration).
pub fn saved_with(patch: Option<&Map<String, Value>>) -> Result<Map<String, Value>, HostError> {
    let mut over = match kv::get_json::<Value>(OVERRIDE_KEY)? {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for (k, v) in patch.into_iter().flatten() {
        if v.is_null() {
            over.remove(k);
        } else {
            over.insert(k.clone(), v.clone());
        }
    }
    Ok(over)
}

/// The settings in force: the host's configuration with the saved changes
/// (and `patch`, when checking a change before saving it) on top.
pub fn merged(patch: Option<&Map<String, Value>>) -> Result<Value, HostError> {
    let mut base = match config::get::<Value>() {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for (k, v) in saved_with(patch)? {
        base.insert(k, v);
    }
    Ok(Value::Object(base))
}

/// Keep `patch` with the saved changes (check it with [`merged`] first).
pub fn save(patch: &Map<String, Value>) -> Result<(), HostError> {
    kv::set_json(OVERRIDE_KEY, &Value::Object(saved_with(Some(patch))?))
}

/// The problems as one line in Chinese and one in English.
pub fn listed(problems: &[Problem]) -> (String, String) {
    (
        problems.iter().map(|p| format!("{}：{}", p.path, p.zh)).collect::<Vec<_>>().join("；"),
        problems.iter().map(|p| format!("{}: {}", p.path, p.en)).collect::<Vec<_>>().join("; "),
    )
}

/// A change refused: 422 `config_invalid`, the first field in `field` and
/// every problem in `fields` (the form shows each beside its field).
pub fn refused(problems: &[Problem]) -> Response {
    let (zh, en) = listed(problems);
    Response::json(
        422,
        &serde_json::json!({"error": {
            "code": "config_invalid",
            "message_zh": format!("设置有误：{zh}"),
            "message_en": format!("invalid settings: {en}"),
            "field": problems.first().map(|p| p.path.clone()),
            "fields": problems,
        }}),
    )
}

/// The settings in force cannot be read (a bad `linli.toml`): a 503 that
/// tells the caller to ask an admin, naming each field. `name_zh`/`name_en`
/// name the service ("意见箱", "the feedback").
pub fn broken(name_zh: &str, name_en: &str, problems: &[Problem]) -> Fail {
    let (zh, en) = listed(problems);
    Fail::user(503, "config_invalid", format!("{name_zh}设置有误，请联系管理员：{zh}"), format!("{name_en} settings are broken; ask an admin: {en}"))
}

/// The settings form's data (`GET /api/<plugin>/config`): the settings in
/// force as `parse` reads them (or, when they cannot be, the merged values
/// and their problems) and the saved changes.
pub fn form<C: Serialize>(parse: impl Fn(&Value) -> Result<C, Vec<Problem>>) -> Result<Response, HostError> {
    let merged = merged(None)?;
    let over = kv::get_json::<Value>(OVERRIDE_KEY)?.unwrap_or_else(|| serde_json::json!({}));
    Ok(match parse(&merged) {
        Ok(cfg) => Response::json(200, &serde_json::json!({"effective": cfg, "override": over})),
        Err(p) => Response::json(200, &serde_json::json!({"effective": merged, "override": over, "problems": p})),
    })
}

/// An admin's change (`POST /api/<plugin>/config`, a JSON object of whole
/// sections): checked by `parse` over the settings in force and kept only
/// when all is well (200 with the settings now in force, and `log_line` in
/// the log), else refused naming every field ([`refused`]).
pub fn change<C: Serialize>(req: &crate::Request, parse: impl Fn(&Value) -> Result<C, Vec<Problem>>, log_line: &str) -> Result<Response, Fail> {
    let patch: Map<String, Value> = req.json()?;
    match parse(&merged(Some(&patch))?) {
        Ok(cfg) => {
            save(&patch)?;
            crate::log::info(log_line);
            Ok(Response::json(200, &serde_json::json!({"effective": cfg})))
        }
        Err(p) => Ok(refused(&p)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn problems_are_listed_in_both_languages_and_refused_with_their_fields() {
        let p = [super::Problem::new("items[2].capacity", "应为 1 至 500", "must be 1 to 500"), super::Problem::new("release_time", "时间格式不对", "not a time")];
        let (zh, en) = super::listed(&p);
        assert_eq!(zh, "items[2].capacity：应为 1 至 500；release_time：时间格式不对");
        assert_eq!(en, "items[2].capacity: must be 1 to 500; release_time: not a time");
        let r = super::refused(&p);
        assert_eq!(r.status, 422);
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!((v["error"]["code"].as_str(), v["error"]["field"].as_str()), (Some("config_invalid"), Some("items[2].capacity")));
        assert_eq!(v["error"]["fields"][1]["path"], "release_time");
    }
}
