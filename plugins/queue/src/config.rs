//! The hall's queue configuration: services, windows, hours, issuing
//! periods and the call-next policy.
//!
//! The effective configuration is the manifest default, merged (top-level
//! keys) with `[plugins.queue.config]` in `data/linli.toml`, and then with
//! what an admin saved on `/queue/admin` (kept in kv so it survives without
//! touching the host's settings file).

use linli_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where the admin page keeps its top-level overrides.
pub const OVERRIDE_KEY: &str = "config/override";

// Defaults per field, not for the whole struct: a whole default
// configuration built and thrown away on every call (every call reads the
// configuration) showed up in the profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "defaults::services")]
    pub services: Vec<Service>,
    #[serde(default = "defaults::windows")]
    pub windows: Vec<Window>,
    #[serde(default)]
    pub hours: Hours,
    #[serde(default = "defaults::periods")]
    pub periods: Vec<Period>,
    #[serde(default)]
    pub policy: Policy,
    #[serde(default)]
    pub tickets: TicketRules,
    /// Base of the URL printed in the QR code (`http://192.168.1.10:8080`);
    /// empty = taken from the request's Host header.
    #[serde(default)]
    pub public_url: String,
}

mod defaults {
    pub fn services() -> Vec<super::Service> {
        super::Config::default().services
    }
    pub fn windows() -> Vec<super::Window> {
        super::Config::default().windows
    }
    pub fn periods() -> Vec<super::Period> {
        super::Config::default().periods
    }
    pub fn handling_minutes() -> u32 {
        8
    }
    pub fn until() -> String {
        "24:00".into()
    }
}

/// One service (业务) with its ticket prefix and limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    #[serde(default)]
    pub code: String,
    /// Ticket prefix; empty = the code.
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    /// Tickets a day (限号); 0 = no limit.
    #[serde(default)]
    pub daily_limit: u32,
    /// Tickets per issuing period code (`am`, `pm`); absent or 0 = no quota.
    #[serde(default)]
    pub quota: BTreeMap<String, u32>,
    /// Handling time assumed before any ticket of the day was finished.
    #[serde(default = "defaults::handling_minutes")]
    pub handling_minutes: u32,
}

/// One window (窗口) and the services it serves, main service first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub services: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Hours {
    /// `HH:MM` local time.
    pub open: String,
    pub close: String,
    /// No ticket is issued at or after this time.
    pub last_ticket: String,
    /// ISO weekdays the hall opens (Monday = 1 … Sunday = 7).
    pub days: Vec<u8>,
    /// `YYYY-MM-DD` dates the hall stays closed (holidays).
    pub closed_dates: Vec<String>,
    /// At closing: `clear` (waiting tickets leave unserved) or `carry`
    /// (they stay in the queue for the next opening, keeping their time).
    pub at_close: String,
}

/// An issuing period for quotas: from the previous period's end (or
/// opening) until `until`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default = "defaults::until")]
    pub until: String,
}

/// How "call next" picks a ticket; see `policy.rs`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Appointment tickets are called first once their time has come.
    pub appointments_first: bool,
    /// An appointment counts as due this many minutes before its time.
    pub appointment_early_minutes: u32,
    /// Checked in later than this after the slot: queued as a walk-in.
    pub appointment_late_minutes: u32,
    /// Priority tickets (elderly, disabled, pregnant) are called first.
    pub priority_first: bool,
    /// At most this many appointment/priority calls in a row at a window
    /// while walk-ins wait; 0 = no limit.
    pub max_in_row: u32,
    /// `main-first`: the window's main service, then its secondary ones in
    /// order; `oldest`: the oldest ticket among all the window's services.
    pub window_order: String,
    /// Recalls (重呼) allowed per call.
    pub max_recalls: u32,
    /// A skipped (过号) ticket whose resident returns: `requeue` puts it
    /// back `requeue_places` places behind the head; `expire` refuses.
    pub missed: String,
    pub requeue_places: u32,
    /// A skipped ticket leaves unserved after this many minutes.
    pub missed_keep_minutes: u32,
    /// A window with no activity for this long does not count as open.
    pub window_idle_minutes: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketRules {
    /// One live ticket per phone per service (never for 代办 tickets).
    pub one_per_phone: bool,
}

fn service(code: &str, zh: &str, en: &str, limit: u32, am: u32, pm: u32, minutes: u32) -> Service {
    Service {
        code: code.into(),
        prefix: code.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        daily_limit: limit,
        quota: [("am".to_string(), am), ("pm".to_string(), pm)].into_iter().collect(),
        handling_minutes: minutes,
    }
}

fn window(number: &str, services: &[&str]) -> Window {
    Window { number: number.into(), services: services.iter().map(|s| s.to_string()).collect() }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            services: vec![
                service("A", "民政事务", "Civil affairs", 200, 120, 80, 8),
                service("B", "劳动保障", "Labour and social security", 200, 120, 80, 10),
                service("C", "卫生健康", "Health", 150, 90, 60, 6),
                service("D", "综合/证明开具", "General / certificates", 300, 180, 120, 5),
            ],
            windows: vec![
                window("1", &["A", "D"]),
                window("2", &["A", "B"]),
                window("3", &["B", "A"]),
                window("4", &["C", "D"]),
                window("5", &["D", "C", "A", "B"]),
            ],
            hours: Hours::default(),
            periods: vec![
                Period { code: "am".into(), name_zh: "上午".into(), name_en: "Morning".into(), until: "12:00".into() },
                Period { code: "pm".into(), name_zh: "下午".into(), name_en: "Afternoon".into(), until: "24:00".into() },
            ],
            policy: Policy::default(),
            tickets: TicketRules::default(),
            public_url: String::new(),
        }
    }
}

impl Default for Hours {
    fn default() -> Self {
        Hours {
            open: "08:30".into(),
            close: "17:00".into(),
            last_ticket: "16:30".into(),
            days: vec![1, 2, 3, 4, 5, 6],
            closed_dates: vec![],
            at_close: "clear".into(),
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            appointments_first: true,
            appointment_early_minutes: 5,
            appointment_late_minutes: 30,
            priority_first: true,
            max_in_row: 3,
            window_order: "main-first".into(),
            max_recalls: 2,
            missed: "requeue".into(),
            requeue_places: 3,
            missed_keep_minutes: 30,
            window_idle_minutes: 30,
        }
    }
}

impl Default for TicketRules {
    fn default() -> Self {
        TicketRules { one_per_phone: true }
    }
}

impl Config {
    /// The effective configuration: host config, then the admin's overrides.
    pub fn load() -> Result<Config, String> {
        let cfg: Config = match kv::get_json::<serde_json::Value>(OVERRIDE_KEY) {
            Ok(Some(serde_json::Value::Object(over))) if !over.is_empty() => {
                let mut base: serde_json::Value = config::get()?;
                if let serde_json::Value::Object(b) = &mut base {
                    for (k, v) in over {
                        b.insert(k, v);
                    }
                }
                serde_json::from_value(base).map_err(|e| format!("configuration: {e}"))?
            }
            // No admin overrides: straight from the host's text, without
            // building a JSON tree first (this runs on every call).
            _ => config::get()?,
        };
        cfg.check()?;
        Ok(cfg)
    }

    /// Reject a configuration the queue cannot run with, naming the problem.
    pub fn check(&self) -> Result<(), String> {
        // Plain scans, no sets: this runs on every call, over a few dozen
        // entries at most.
        for (i, s) in self.services.iter().enumerate() {
            if s.code.is_empty() || !s.code.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(format!("service code `{}` must be letters or digits", s.code));
            }
            if self.services[..i].iter().any(|o| o.code == s.code) {
                return Err(format!("service `{}` is listed twice", s.code));
            }
        }
        for (i, w) in self.windows.iter().enumerate() {
            if w.number.is_empty() || self.windows[..i].iter().any(|o| o.number == w.number) {
                return Err(format!("window `{}` is empty or listed twice", w.number));
            }
            if let Some(bad) = w.services.iter().find(|s| self.service(s).is_none()) {
                return Err(format!("window {} serves unknown service `{bad}`", w.number));
            }
        }
        for t in [&self.hours.open, &self.hours.close, &self.hours.last_ticket] {
            crate::day::minutes(t).ok_or_else(|| format!("time `{t}` is not HH:MM"))?;
        }
        for p in &self.periods {
            crate::day::minutes(&p.until).ok_or_else(|| format!("period {} ends at `{}`, not HH:MM", p.code, p.until))?;
        }
        if !matches!(self.hours.at_close.as_str(), "clear" | "carry") {
            return Err("hours.at_close must be `clear` or `carry`".into());
        }
        if !matches!(self.policy.window_order.as_str(), "main-first" | "oldest") {
            return Err("policy.window_order must be `main-first` or `oldest`".into());
        }
        if !matches!(self.policy.missed.as_str(), "requeue" | "expire") {
            return Err("policy.missed must be `requeue` or `expire`".into());
        }
        Ok(())
    }

    pub fn service(&self, code: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.code == code)
    }

    pub fn window(&self, number: &str) -> Option<&Window> {
        self.windows.iter().find(|w| w.number == number)
    }

    /// Windows that serve `code`, in configuration order.
    pub fn windows_for<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Window> + 'a {
        self.windows.iter().filter(move |w| w.services.iter().any(|s| s == code))
    }
}

impl Service {
    pub fn prefix(&self) -> &str {
        if self.prefix.is_empty() { &self.code } else { &self.prefix }
    }
    pub fn name<'a>(&'a self, lang: &str) -> &'a str {
        t(lang, &self.name_zh, &self.name_en)
    }
}
