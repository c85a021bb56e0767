//! What an item asks for: from the guides plugin (capability `services`,
//! once an admin allowed the link applications → guides), else from this
//! plugin's configuration.

use crate::config::Config;
use crate::fail::Fail;
use linli_sdk::prelude::*;
use serde::Deserialize;
use serde_json::json;

/// An item's materials list as an application records it.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub code: String,
    pub name: String,
    pub version: Option<i64>,
    /// `guides` or `config`.
    pub source: &'static str,
    /// (id, name, on file for everyone)
    pub materials: Vec<(String, String, bool)>,
}

#[derive(Deserialize)]
struct Checklist {
    name: String,
    #[serde(default)]
    version: Option<i64>,
    materials: Vec<ChecklistMaterial>,
}

#[derive(Deserialize)]
struct ChecklistMaterial {
    id: String,
    name: String,
    #[serde(default)]
    on_file: bool,
}

/// An item code as the guides write them: never a path of its own.
pub fn valid_code(code: &str) -> bool {
    !code.is_empty() && code.len() <= 40 && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn unknown(code: &str) -> Fail {
    let shown: String = code.chars().take(40).collect();
    Fail::user(404, "item_unknown", format!("没有事项 {shown}，请从办事指南中选择"), format!("no service item `{shown}`; choose one from the service guides"))
}

/// The item `code` with its materials: the guides' text in force today,
/// or the configured list when the guides cannot be asked.
pub fn resolve(cfg: &Config, code: &str) -> Result<Resolved, Fail> {
    if !valid_code(code) {
        return Err(unknown(code));
    }
    let reply = services::Call::get(&cfg.guides_plugin, &format!("/api/guides/items/{code}/checklist")).send();
    match reply {
        Ok(r) if r.is_success() => {
            let c: Checklist = r.json().map_err(|e| Fail::Internal(format!("the guides' checklist of {code}: {e}")))?;
            return Ok(Resolved {
                code: code.to_owned(),
                name: c.name,
                version: c.version,
                source: "guides",
                materials: c.materials.into_iter().map(|m| (m.id, m.name, m.on_file)).collect(),
            });
        }
        // The guides answered: they have no such item.
        Ok(r) if r.status == 404 && !cfg.items.iter().any(|i| i.code == code) => return Err(unknown(code)),
        // No link, no guides plugin, or it failed: the configured list.
        _ => {}
    }
    let it = cfg.items.iter().find(|i| i.code == code).ok_or_else(|| unknown(code))?;
    Ok(Resolved {
        code: it.code.clone(),
        name: it.name_zh.clone(),
        version: None,
        source: "config",
        materials: it.materials.iter().map(|m| (m.id.clone(), m.name.clone(), m.on_file)).collect(),
    })
}

/// The items one can apply for (the start page's list).
pub fn list(cfg: &Config, lang: &str) -> serde_json::Value {
    if let Ok(r) = services::Call::get(&cfg.guides_plugin, "/api/guides/items").send()
        && r.is_success()
        && let Ok(v) = r.json::<serde_json::Value>()
        && let Some(items) = v.get("items").and_then(|i| i.as_array())
    {
        let items: Vec<_> = items
            .iter()
            .map(|i| {
                let name = if lang == "en" && i["name_en"].as_str().is_some_and(|s| !s.is_empty()) { &i["name_en"] } else { &i["name"] };
                json!({"code": i["code"], "name": name, "category": i["category_label"], "time_limit_days": i["time_limit_days"]})
            })
            .collect();
        return json!({"source": "guides", "items": items});
    }
    let items: Vec<_> = cfg.items.iter().map(|i| json!({"code": i.code, "name": if lang == "en" && !i.name_en.is_empty() { &i.name_en } else { &i.name_zh }})).collect();
    json!({"source": "config", "items": items})
}
