//! The plugin manifest as the host keeps it, and its validation.

use crate::runtime::bindings::types;
use crate::runtime::capabilities::KNOWN_CAPABILITIES;
use serde::{Deserialize, Serialize};

/// Who a route or page is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    #[default]
    Public,
    Kiosk,
    Screen,
    Evaluator,
    Staff,
    Admin,
}

impl From<types::Audience> for Audience {
    fn from(a: types::Audience) -> Self {
        match a {
            types::Audience::Public => Audience::Public,
            types::Audience::Kiosk => Audience::Kiosk,
            types::Audience::Screen => Audience::Screen,
            types::Audience::Evaluator => Audience::Evaluator,
            types::Audience::Staff => Audience::Staff,
            types::Audience::Admin => Audience::Admin,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Route {
    pub method: String,
    pub path: String,
    pub audience: Audience,
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Page {
    pub path: String,
    pub title_zh: String,
    pub title_en: String,
    pub audience: Audience,
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct Manifest {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub version: String,
    pub description: String,
    pub capabilities: Vec<String>,
    pub routes: Vec<Route>,
    pub pages: Vec<Page>,
    pub subscriptions: Vec<String>,
    pub config_schema: String,
    pub config_default: String,
}

impl From<types::Manifest> for Manifest {
    fn from(m: types::Manifest) -> Self {
        Manifest {
            id: m.id,
            name_zh: m.name_zh,
            name_en: m.name_en,
            version: m.version,
            description: m.description,
            capabilities: m.capabilities,
            routes: m
                .routes
                .into_iter()
                .map(|r| Route { method: r.method.to_ascii_uppercase(), path: r.path, audience: r.audience.into(), roles: r.roles })
                .collect(),
            pages: m
                .pages
                .into_iter()
                .map(|p| Page { path: p.path, title_zh: p.title_zh, title_en: p.title_en, audience: p.audience.into(), roles: p.roles })
                .collect(),
            subscriptions: m.subscriptions,
            config_schema: m.config_schema,
            config_default: m.config_default,
        }
    }
}

/// Paths the host serves itself; no plugin may claim them.
pub const RESERVED_PREFIXES: &[&str] = &["/static/", "/api/host/", "/api/content/", "/api/events", "/healthz", "/metrics", "/admin/host", "/login", "/logout", "/device/"];

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Check a manifest on its own (clashes with other plugins are checked by
/// the registry). Returns the first problem, naming the field.
pub fn validate_manifest(m: &Manifest) -> Result<(), String> {
    let id_ok = m.id.len() <= 40
        && m.id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && m.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !id_ok {
        return Err(format!("id `{}` must match [a-z][a-z0-9-]* (at most 40 characters)", m.id));
    }
    if m.name_zh.trim().is_empty() || m.name_en.trim().is_empty() {
        return Err("name-zh and name-en must both be given".into());
    }
    let v: Vec<&str> = m.version.split(['.', '-', '+']).collect();
    if v.len() < 3 || v[..3].iter().any(|p| p.parse::<u64>().is_err()) {
        return Err(format!("version `{}` is not a semantic version (e.g. 1.2.0)", m.version));
    }
    for c in &m.capabilities {
        if !KNOWN_CAPABILITIES.contains(&c.as_str()) {
            return Err(format!("capabilities: unknown capability `{c}` (known: {})", KNOWN_CAPABILITIES.join(", ")));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, r) in m.routes.iter().enumerate() {
        if !METHODS.contains(&r.method.as_str()) {
            return Err(format!("routes[{i}]: method `{}` is not one of {}", r.method, METHODS.join(", ")));
        }
        validate_path(&r.path).map_err(|e| format!("routes[{i}] `{}`: {e}", r.path))?;
        if !seen.insert((r.method.clone(), r.path.clone())) {
            return Err(format!("routes[{i}]: `{} {}` is declared twice", r.method, r.path));
        }
    }
    for (i, p) in m.pages.iter().enumerate() {
        if !m.routes.iter().any(|r| r.method == "GET" && r.path == p.path) {
            return Err(format!("pages[{i}]: `{}` is not a GET route of this plugin", p.path));
        }
    }
    for s in &m.subscriptions {
        if s.is_empty() || s.contains(char::is_whitespace) {
            return Err(format!("subscriptions: `{s}` is not a topic pattern"));
        }
    }
    if !m.config_schema.trim().is_empty() && serde_json::from_str::<serde_json::Value>(&m.config_schema).is_err() {
        return Err("config-schema is not valid JSON".into());
    }
    Ok(())
}

fn validate_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err("must start with /".into());
    }
    if path.contains("..") || path.contains("//") || path.contains('\\') {
        return Err("must not contain `..`, `//` or `\\`".into());
    }
    if let Some(p) = RESERVED_PREFIXES.iter().find(|p| path.starts_with(*p) || path == p.trim_end_matches('/')) {
        return Err(format!("`{p}` is reserved for the host"));
    }
    let mut probe = matchit::Router::new();
    probe.insert(path, ()).map_err(|e| format!("not a valid route pattern: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        Manifest {
            id: "notices".into(),
            name_zh: "通知公告".into(),
            name_en: "Notices".into(),
            version: "0.1.0".into(),
            capabilities: vec!["kv".into()],
            routes: vec![Route { method: "GET".into(), path: "/api/notices/{id}".into(), audience: Audience::Public, roles: vec![] }],
            ..Default::default()
        }
    }

    #[test]
    fn accepts_a_good_manifest() {
        assert_eq!(validate_manifest(&sample()), Ok(()));
    }

    #[test]
    fn names_the_problem() {
        let mut m = sample();
        m.capabilities.push("network".into());
        assert!(validate_manifest(&m).unwrap_err().contains("unknown capability `network`"));
        let mut m = sample();
        m.routes[0].path = "/static/x".into();
        assert!(validate_manifest(&m).unwrap_err().contains("reserved"));
        let mut m = sample();
        m.id = "Bad Id".into();
        assert!(validate_manifest(&m).unwrap_err().contains("id `Bad Id`"));
        let mut m = sample();
        m.routes[0].path = "/a/../b".into();
        assert!(validate_manifest(&m).is_err());
    }
}
