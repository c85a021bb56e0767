//! A ticket as stored, and the views of it that leave the plugin.

use crate::config::Config;
use crate::db;
use crate::fail::Fail;
use linli_sdk::prelude::*;
use serde::Deserialize;

/// Statuses a ticket moves through.
pub mod status {
    /// In the queue.
    pub const WAITING: &str = "waiting";
    /// Called to a window, resident on the way.
    pub const CALLED: &str = "called";
    /// Being served at the window.
    pub const SERVING: &str = "serving";
    /// Served (outcome says how).
    pub const FINISHED: &str = "finished";
    /// Skipped as a no-show (过号); may return.
    pub const MISSED: &str = "missed";
    /// Left unserved (cleared at closing, expired after a skip).
    pub const LEFT: &str = "left";
}

/// Every column, read with `SELECT *`; some only feed the statistics
/// (which read them by name) or are kept for the record.
#[allow(dead_code)]
#[derive(Debug, Clone, Deserialize)]
pub struct Ticket {
    pub id: i64,
    pub day: String,
    pub origin_service: String,
    pub number: i64,
    pub label: String,
    pub service: String,
    pub token: String,
    pub kind: String,
    pub priority: i64,
    pub proxy: i64,
    pub channel: String,
    pub phone: Option<String>,
    pub name: Option<String>,
    pub appointment_id: Option<String>,
    pub appointment_time: Option<i64>,
    pub status: String,
    pub sort_time: i64,
    pub window: Option<String>,
    pub target_window: Option<String>,
    pub from_window: Option<String>,
    pub clerk_id: Option<String>,
    pub clerk_name: Option<String>,
    pub issued_at: i64,
    pub called_at: Option<i64>,
    pub last_called_at: Option<i64>,
    pub recalled_at: Option<i64>,
    pub recalls: i64,
    pub serving_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub missed_at: Option<i64>,
    pub left_at: Option<i64>,
    pub skips: i64,
    pub transfers: i64,
    pub outcome: Option<String>,
    pub windows_open: i64,
    pub est_wait_ms: i64,
    pub period: String,
    pub printed: i64,
}

impl Ticket {
    pub fn by_token(token: &str) -> Result<Option<Ticket>, Fail> {
        db::row("SELECT * FROM tickets WHERE token = ?1", &[sql::text(token)])
    }

    pub fn by_id(id: i64) -> Result<Option<Ticket>, Fail> {
        db::row("SELECT * FROM tickets WHERE id = ?1", &[sql::int(id)])
    }

    /// The ticket a window holds now (called or being served).
    pub fn current_at(window: &str) -> Result<Option<Ticket>, Fail> {
        db::row(
            "SELECT * FROM tickets WHERE window = ?1 AND status IN ('called', 'serving') ORDER BY last_called_at DESC LIMIT 1",
            &[sql::text(window)],
        )
    }

    /// Tickets waiting before this one in its service (by queue time).
    pub fn ahead(&self) -> Result<i64, Fail> {
        if self.status != status::WAITING {
            return Ok(0);
        }
        db::int(
            "SELECT COUNT(*) FROM tickets WHERE status = 'waiting' AND service = ?1 AND (sort_time < ?2 OR (sort_time = ?2 AND id < ?3))",
            &[sql::text(&self.service), sql::int(self.sort_time), sql::int(self.id)],
        )
    }

    /// What a resident's page, a kiosk and a printed ticket may show:
    /// never the phone or name in full.
    pub fn public_view(&self, cfg: &Config, lang: &str, ahead: i64, wait_minutes: i64) -> serde_json::Value {
        let svc = cfg.service(&self.service);
        serde_json::json!({
            "ticket": self.label,
            "token": self.token,
            "service": self.service,
            "service_name": svc.map(|s| s.name(lang).to_owned()).unwrap_or_default(),
            "service_name_zh": svc.map(|s| s.name_zh.clone()).unwrap_or_default(),
            "service_name_en": svc.map(|s| s.name_en.clone()).unwrap_or_default(),
            "kind": self.kind,
            "priority": self.priority != 0,
            "proxy": self.proxy != 0,
            "status": self.status,
            "status_text": status_text(&self.status, lang),
            "window": self.window,
            "ahead": ahead,
            "wait_minutes": wait_minutes,
            "issued_at": self.issued_at,
            "issued_local": clock::format_local(self.issued_at),
            "called_at": self.last_called_at,
            "outcome": self.outcome,
            "phone": self.phone.as_deref().map(crate::issue::shown_phone),
            "name": self.name.as_deref().map(mask::name),
            "page": format!("/queue/t/{}", self.token),
        })
    }

    /// The view for staff consoles: the public one plus ids and stage times
    /// (still masked: consoles are seen by residents over the counter).
    pub fn staff_view(&self, cfg: &Config, lang: &str) -> serde_json::Value {
        let mut v = self.public_view(cfg, lang, 0, 0);
        if let serde_json::Value::Object(m) = &mut v {
            m.remove("token");
            m.insert("id".into(), self.id.into());
            m.insert("recalls".into(), self.recalls.into());
            m.insert("serving_at".into(), self.serving_at.into());
            m.insert("missed_at".into(), self.missed_at.into());
            m.insert("origin_service".into(), self.origin_service.clone().into());
            m.insert("appointment_time".into(), self.appointment_time.into());
        }
        v
    }
}

pub fn status_text(s: &str, lang: &str) -> String {
    let (zh, en) = match s {
        status::WAITING => ("等候中", "Waiting"),
        status::CALLED => ("正在叫号", "Called"),
        status::SERVING => ("正在办理", "Being served"),
        status::FINISHED => ("已办结", "Finished"),
        status::MISSED => ("已过号", "Missed"),
        status::LEFT => ("已失效", "Expired"),
        _ => ("未知", "Unknown"),
    };
    t(lang, zh, en).to_owned()
}
