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
    pub events: EventSettings,
    pub screens: ScreenSettings,
    /// Self-service kiosks (`[kiosk]`).
    pub kiosk: KioskSettings,
    /// Messages to residents and staff (capability `notify`).
    pub notify: crate::notify::NotifySettings,
    /// Where the data is kept (`[store]`).
    pub store: StoreSettings,
}

/// Where the data is kept (`[store]` in `linli.toml`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreSettings {
    /// `sqlite` (the default: files in the data folder, one hall) or
    /// `postgres` (a district: the plugins' SQL in PostgreSQL, each
    /// plugin of each hall in a schema of its own under a role of its own).
    pub backend: StoreBackend,
    /// With `postgres`: the connection string of the host's own role,
    /// which may create roles and schemas
    /// (`host=db.example port=5432 user=linli password=… dbname=linli`).
    pub postgres_url: Option<String>,
    /// With `postgres`: this hall's id (lower-case letters and digits),
    /// part of every schema and role name, so halls never share data.
    pub hall: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum StoreBackend {
    #[default]
    Sqlite,
    Postgres,
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings { backend: StoreBackend::Sqlite, postgres_url: None, hall: "main".into() }
    }
}

impl StoreSettings {
    /// Problems, each naming the key.
    pub fn check(&self) -> Result<(), String> {
        if self.hall.is_empty() || self.hall.len() > 24 || !self.hall.starts_with(|c: char| c.is_ascii_lowercase()) || !self.hall.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
            return Err(format!("[store] hall `{}` must be 1 to 24 lower-case letters and digits, starting with a letter", self.hall.escape_default()));
        }
        if self.backend == StoreBackend::Postgres {
            match &self.postgres_url {
                None => return Err("[store] backend = \"postgres\" needs postgres_url (the connection string of the host's role)".into()),
                Some(u) => {
                    if let Err(e) = u.parse::<postgres::Config>() {
                        return Err(format!("[store] postgres_url: {e}"));
                    }
                }
            }
        }
        Ok(())
    }

    /// The PostgreSQL target when the backend is `postgres`.
    pub fn postgres_target(&self) -> Option<crate::storage::postgres::PgTarget> {
        match (self.backend, &self.postgres_url) {
            (StoreBackend::Postgres, Some(url)) => Some(crate::storage::postgres::PgTarget { url: url.clone(), hall: self.hall.clone() }),
            _ => None,
        }
    }
}

/// The maintainer's fleet view (`[screens]` in `linli.toml`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScreenSettings {
    /// A paired screen silent this many seconds is shown offline and
    /// raises `host.screen.offline` (players send a heartbeat every 10 s).
    pub offline_after_s: u32,
}

impl Default for ScreenSettings {
    fn default() -> Self {
        ScreenSettings { offline_after_s: 60 }
    }
}

/// Self-service kiosks (`[kiosk]` in `linli.toml`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KioskSettings {
    /// A kiosk left untouched this many seconds warns, then clears what was
    /// typed and goes back to its start page (a resident who walks away
    /// leaves no ID number or phone on the screen for the next one).
    pub idle_s: u32,
}

impl Default for KioskSettings {
    fn default() -> Self {
        KioskSettings { idle_s: 90 }
    }
}

/// How long the event log keeps events (`[events]` in `linli.toml`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventSettings {
    /// Days an event is kept unless a rule below says otherwise.
    pub retention_days: u32,
    /// Days kept per topic prefix (the longest matching prefix wins);
    /// 0 keeps only the hall's current day. By default the queue's events
    /// (called numbers, shown on public screens) are kept for the day.
    pub retention_by_topic: BTreeMap<String, u32>,
}

impl Default for EventSettings {
    fn default() -> Self {
        EventSettings { retention_days: 90, retention_by_topic: BTreeMap::from([("queue.".to_owned(), 0)]) }
    }
}

impl EventSettings {
    /// The cutoffs at `now_ms` for [`crate::bus::EventBus::prune`]: the
    /// rules, and the default.
    pub fn cutoffs(&self, now_ms: i64, utc_offset_minutes: i32) -> (Vec<(String, i64)>, i64) {
        let day = linli_shared::time::day_start(now_ms, utc_offset_minutes);
        let cutoff = |days: u32| day - i64::from(days) * 86_400_000;
        let rules = self.retention_by_topic.iter().map(|(p, d)| (p.clone(), cutoff(*d))).collect();
        (rules, cutoff(self.retention_days))
    }
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
    /// A bearer token that may read `/metrics` (for Prometheus); without it
    /// only signed-in maintainers and admins can.
    pub metrics_token: Option<String>,
    /// Addresses of the load balancers in front of this host (a district's
    /// HAProxy): a request from one of them is rate-limited by the client
    /// address it put last in `X-Forwarded-For`, not as one client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings { rate_per_minute: 120, rate_burst: 60, metrics_token: None, trusted_proxies: Vec::new() }
    }
}

impl Settings {
    /// Read the file; a missing file means defaults.
    pub fn load(path: &Path) -> anyhow::Result<Settings> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let s: Settings = toml::from_str(&text).with_context(|| format!("{}: invalid settings", path.display()))?;
                if let Some(t) = &s.http.metrics_token
                    && (t.len() < 16 || !t.chars().all(|c| c.is_ascii_graphic()))
                {
                    anyhow::bail!("{}: [http] metrics_token must be at least 16 printable ASCII characters without spaces", path.display());
                }
                if let Err(e) = s.store.check() {
                    anyhow::bail!("{}: {e}", path.display());
                }
                if let Err(e) = s.notify.check() {
                    anyhow::bail!("{}: {e}", path.display());
                }
                if !(5..=3600).contains(&s.kiosk.idle_s) {
                    anyhow::bail!("{}: [kiosk] idle_s must be 5 to 3600 (seconds a kiosk waits untouched before it clears itself)", path.display());
                }
                if s.screens.offline_after_s == 0 {
                    anyhow::bail!("{}: [screens] offline_after_s must be at least 1 (seconds)", path.display());
                }
                Ok(s)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> anyhow::Result<Settings> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("linli.toml");
        std::fs::write(&path, text).unwrap();
        Settings::load(&path)
    }

    #[test]
    fn kiosk_idle_defaults_to_90_s_and_a_bad_value_names_the_key() {
        assert_eq!(load("").unwrap().kiosk.idle_s, 90);
        assert_eq!(load("[kiosk]\nidle_s = 30\n").unwrap().kiosk.idle_s, 30);
        let e = format!("{:#}", load("[kiosk]\nidle_s = 2\n").unwrap_err());
        assert!(e.contains("linli.toml") && e.contains("[kiosk] idle_s") && e.contains("5 to 3600"), "{e}");
        let e = format!("{:#}", load("[kiosk]\nidle = 30\n").unwrap_err());
        assert!(e.contains("idle"), "an unknown key is named: {e}");
    }
}
