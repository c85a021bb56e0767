//! Estimated waits per service, from the tickets ahead, the windows open
//! for the service and how long the day's recent tickets took.

use crate::config::Config;
use crate::day::Local;
use crate::db;
use crate::fail::Fail;
use crate::windows;
use linli_sdk::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Finished tickets a service's handling time is averaged over.
const RECENT: i64 = 20;

/// The queue of every service at one moment.
pub struct Board {
    pub services: Vec<ServiceLine>,
}

pub struct ServiceLine {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub waiting: i64,
    pub windows_open: i64,
    /// Average handling time used for the estimate, in ms.
    pub handling_ms: i64,
    /// Windows that would share the queue (open ones, or every configured
    /// one while none has opened yet).
    pub sharing: i64,
}

impl ServiceLine {
    /// Estimated wait, in minutes, for someone with `ahead` tickets before them.
    pub fn wait_minutes(&self, ahead: i64) -> i64 {
        let ms = ahead * self.handling_ms / self.sharing.max(1);
        (ms + 59_999) / 60_000
    }
}

impl Board {
    pub fn now(cfg: &Config, now: i64) -> Result<Board, Fail> {
        #[derive(Deserialize)]
        struct Count {
            service: String,
            n: i64,
        }
        #[derive(Deserialize)]
        struct Handling {
            ms: Option<f64>,
        }
        let waiting: BTreeMap<String, i64> =
            db::rows::<Count>("SELECT service, COUNT(*) AS n FROM tickets WHERE status = 'waiting' GROUP BY service", &[])?
                .into_iter()
                .map(|c| (c.service, c.n))
                .collect();
        let midnight = Local::at(now).midnight_ms;
        // Per service, the newest RECENT finished tickets of the day, read
        // from the (status, service, finished_at) index: the cost stays the
        // same however many tickets the day has.
        let mut handling: BTreeMap<String, f64> = BTreeMap::new();
        for s in &cfg.services {
            let h = db::rows::<Handling>(
                "SELECT AVG(h) AS ms FROM (
                    SELECT finished_at - COALESCE(serving_at, last_called_at) AS h FROM tickets
                    WHERE status = 'finished' AND service = ?1 AND finished_at >= ?2
                    ORDER BY finished_at DESC LIMIT ?3)",
                &[sql::text(&s.code), sql::int(midnight), sql::int(RECENT)],
            )?;
            if let Some(ms) = h.into_iter().next().and_then(|h| h.ms) {
                handling.insert(s.code.clone(), ms);
            }
        }
        let open = windows::open_numbers(cfg, now)?;
        let services = cfg
            .services
            .iter()
            .map(|s| {
                let windows_open = windows::open_for(cfg, &open, &s.code);
                let configured = cfg.windows_for(&s.code).count() as i64;
                ServiceLine {
                    code: s.code.clone(),
                    name_zh: s.name_zh.clone(),
                    name_en: s.name_en.clone(),
                    waiting: waiting.get(&s.code).copied().unwrap_or(0),
                    windows_open,
                    handling_ms: handling.get(&s.code).map(|ms| *ms as i64).unwrap_or(s.handling_minutes as i64 * 60_000),
                    sharing: if windows_open > 0 { windows_open } else { configured },
                }
            })
            .collect();
        Ok(Board { services })
    }

    pub fn line(&self, code: &str) -> Option<&ServiceLine> {
        self.services.iter().find(|s| s.code == code)
    }

    /// The `queue.waiting` payload the signage player reads.
    pub fn waiting_payload(&self) -> serde_json::Value {
        serde_json::json!({
            "services": self.services.iter().map(|s| serde_json::json!({
                "code": s.code,
                "name_zh": s.name_zh,
                "name_en": s.name_en,
                "waiting": s.waiting,
                "windows_open": s.windows_open,
                "wait_minutes": s.wait_minutes(s.waiting),
            })).collect::<Vec<_>>()
        })
    }
}
