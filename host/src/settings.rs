//! `linli.toml` in the data directory: per-plugin grants, limits and
//! configuration. Unknown keys are rejected with the file and the key named.

use crate::runtime::plugin::PluginSettings;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Settings per plugin id.
    pub plugins: BTreeMap<String, PluginSettings>,
    pub http: HttpSettings,
}

/// Limits of the HTTP surface.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSettings {
    /// Writes to public and kiosk routes (and sign-ins) per client per
    /// minute; 0 turns rate limiting off.
    pub rate_per_minute: u32,
    /// How many may come at once before the rate applies.
    pub rate_burst: u32,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings { rate_per_minute: 120, rate_burst: 60 }
    }
}

impl Settings {
    /// Read the file; a missing file means defaults.
    pub fn load(path: &Path) -> anyhow::Result<Settings> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).with_context(|| format!("{}: invalid settings", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }
}
