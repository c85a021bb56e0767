//! Estimated waits per service, from the tickets ahead, the windows open
//! for the service and how long the day's recent tickets took.

use crate::config::Config;
use crate::day::Local;
use crate::db;
use crate::fail::Fail;
use crate::windows;
use linli_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use linli_sdk::contracts::events as contract;
use std::collections::BTreeMap;

/// Finished tickets a service's handling time is averaged over.
const RECENT: i64 = 20;

/// The queue of every service at one moment.
pub struct Board {
    pub services: Vec<ServiceLine>,
}

#[derive(Serialize)]
pub struct ServiceLine {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub waiting: i64,
    pub windows_open: i64,
    /// Average handling time used for the estimate, in ms.
    #[serde(skip)]
    pub handling_ms: i64,
    /// Windows that would share the queue (open ones, or every configured
    /// one while none has opened yet).
    #[serde(skip)]
    pub sharing: i64,
}

impl ServiceLine {
    /// Estimated wait, in minutes, for someone with `ahead` tickets before them.
    pub fn wait_minutes(&self, ahead: i64) -> i64 {
        let ms = ahead * self.handling_ms / self.sharing.max(1);
        (ms + 59_999) / 60_000
    }
}

/// After a ticket of `service` is finished: keep the average handling time
/// of the day's newest RECENT finished tickets of that service, read from
/// the finished tickets' (service, finished_at, …) index alone. (`WHERE true`: an
/// upsert's SELECT needs a WHERE clause, or SQLite reads `ON` as a join.)
pub fn record_handling(service: &str, now: i64) -> Result<(), Fail> {
    let local = Local::at(now);
    sql::execute(
        &format!(
            "INSERT INTO handling (service, day, ms)
             SELECT ?1, ?2, AVG(h) FROM (
                 SELECT finished_at - COALESCE(serving_at, last_called_at) AS h FROM tickets
                 WHERE status = 'finished' AND service = ?1 AND finished_at >= ?3 ORDER BY finished_at DESC LIMIT {RECENT}) AS recent
             WHERE true
             ON CONFLICT (service) DO UPDATE SET day = excluded.day, ms = excluded.ms"
        ),
        &[sql::text(service), sql::text(&local.day), sql::int(local.midnight_ms)],
    )?;
    Ok(())
}

impl Board {
    pub fn now(cfg: &Config, now: i64) -> Result<Board, Fail> {
        /// One statement for the three things a board needs: `w` rows are
        /// waiting counts per service, `h` rows the day's handling time per
        /// service, `o` rows the windows open now.
        #[derive(Deserialize)]
        struct Part {
            k: String,
            key: String,
            n: i64,
            ms: Option<f64>,
        }
        let local = Local::at(now);
        let since = now - cfg.policy.window_idle_minutes as i64 * 60_000;
        let parts = db::rows::<Part>(
            "SELECT 'w' AS k, service AS key, COUNT(*) AS n, NULL AS ms FROM tickets WHERE status = 'waiting' GROUP BY service
             UNION ALL SELECT 'h', service, 0, ms FROM handling WHERE day = ?1
             UNION ALL SELECT 'o', number, 0, NULL FROM windows WHERE paused = 0 AND last_seen >= ?2",
            &[sql::text(&local.day), sql::int(since)],
        )?;
        let mut waiting: BTreeMap<&str, i64> = BTreeMap::new();
        let mut handling: BTreeMap<&str, f64> = BTreeMap::new();
        let mut open: Vec<String> = Vec::new();
        for p in &parts {
            match p.k.as_str() {
                "w" => {
                    waiting.insert(&p.key, p.n);
                }
                "h" => {
                    if let Some(ms) = p.ms {
                        handling.insert(&p.key, ms);
                    }
                }
                _ if cfg.window(&p.key).is_some() => open.push(p.key.clone()),
                _ => {}
            }
        }
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
                    waiting: waiting.get(s.code.as_str()).copied().unwrap_or(0),
                    windows_open,
                    handling_ms: handling.get(s.code.as_str()).map(|ms| *ms as i64).unwrap_or(s.handling_minutes as i64 * 60_000),
                    sharing: if windows_open > 0 { windows_open } else { configured },
                }
            })
            .collect();
        Ok(Board { services })
    }

    /// The same board with one more ticket waiting for `code` (what a
    /// ticket just issued changes), without reading it all again.
    pub fn with_one_more(mut self, code: &str) -> Board {
        if let Some(l) = self.services.iter_mut().find(|s| s.code == code) {
            l.waiting += 1;
        }
        self
    }

    pub fn line(&self, code: &str) -> Option<&ServiceLine> {
        self.services.iter().find(|s| s.code == code)
    }

    /// The `queue.waiting` payload the signage player reads: the shared
    /// contract type, so the player decodes exactly what is written here.
    pub fn waiting_payload(&self) -> contract::Waiting {
        contract::Waiting {
            services: self
                .services
                .iter()
                .map(|s| contract::WaitingService {
                    code: s.code.clone(),
                    name_zh: s.name_zh.clone(),
                    name_en: s.name_en.clone(),
                    waiting: s.waiting,
                    windows_open: s.windows_open,
                    wait_minutes: s.wait_minutes(s.waiting),
                })
                .collect(),
        }
    }
}
