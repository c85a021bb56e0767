//! Estimated waits per service, from the tickets ahead, the windows open
//! for the service and how long the day's recent tickets took.

use crate::config::Config;
use crate::day::Local;
use crate::db;
use crate::fail::Fail;
use crate::windows;
use linli_sdk::prelude::*;
use serde::{Deserialize, Serialize};
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

impl Board {
    pub fn now(cfg: &Config, now: i64) -> Result<Board, Fail> {
        #[derive(Deserialize)]
        struct Count {
            service: String,
            n: i64,
        }
        #[derive(Deserialize)]
        struct Handling {
            service: String,
            ms: Option<f64>,
        }
        let waiting: BTreeMap<String, i64> =
            db::rows::<Count>("SELECT service, COUNT(*) AS n FROM tickets WHERE status = 'waiting' GROUP BY service", &[])?
                .into_iter()
                .map(|c| (c.service, c.n))
                .collect();
        let midnight = Local::at(now).midnight_ms;
        // Per service, the newest RECENT finished tickets of the day, read
        // from the (status, service, finished_at, …) index alone: the cost
        // stays the same however many tickets the day has. One statement
        // for every service.
        let mut handling: BTreeMap<String, f64> = BTreeMap::new();
        if !cfg.services.is_empty() {
            let n = cfg.services.len();
            let arms: Vec<String> = (1..=n)
                .map(|i| {
                    format!(
                        "SELECT ?{i} AS service, (SELECT AVG(h) FROM (
                            SELECT finished_at - COALESCE(serving_at, last_called_at) AS h FROM tickets
                            WHERE status = 'finished' AND service = ?{i} AND finished_at >= ?{} ORDER BY finished_at DESC LIMIT {RECENT})) AS ms",
                        n + 1
                    )
                })
                .collect();
            let mut params: Vec<_> = cfg.services.iter().map(|s| sql::text(&s.code)).collect();
            params.push(sql::int(midnight));
            for h in db::rows::<Handling>(&arms.join(" UNION ALL "), &params)? {
                if let Some(ms) = h.ms {
                    handling.insert(h.service, ms);
                }
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

    /// The `queue.waiting` payload the signage player reads.
    pub fn waiting_payload(&self) -> WaitingPayload<'_> {
        WaitingPayload { services: self.services.iter().map(|s| WaitingLine { line: s, wait_minutes: s.wait_minutes(s.waiting) }).collect() }
    }
}

/// `{"services": [{code, name_zh, name_en, waiting, windows_open, wait_minutes}…]}`
#[derive(Serialize)]
pub struct WaitingPayload<'a> {
    services: Vec<WaitingLine<'a>>,
}

#[derive(Serialize)]
struct WaitingLine<'a> {
    #[serde(flatten)]
    line: &'a ServiceLine,
    wait_minutes: i64,
}
