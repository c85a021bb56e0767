//! A ticket as stored, and the views of it that leave the plugin.

use crate::config::Config;
use crate::db;
use crate::fail::Fail;
use linli_sdk::prelude::*;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};

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

/// The columns a [`Ticket`] is read from (every read and `RETURNING` of a
/// ticket names them: fewer columns, less to carry out of the database on
/// every call). The statistics read their own columns.
#[macro_export]
macro_rules! ticket_columns {
    () => {
        "id, origin_service, label, service, token, kind, priority, proxy, channel, phone, name, appointment_id, \
         appointment_time, status, sort_time, \"window\", target_window, clerk_id, clerk_name, issued_at, last_called_at, \
         recalls, serving_at, finished_at, missed_at, outcome"
    };
}

/// A ticket as the calls need it (see [`ticket_columns`]).
#[allow(dead_code)]
#[derive(Debug, Clone, Deserialize)]
pub struct Ticket {
    pub id: i64,
    pub origin_service: String,
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
    pub clerk_id: Option<String>,
    pub clerk_name: Option<String>,
    pub issued_at: i64,
    pub last_called_at: Option<i64>,
    pub recalls: i64,
    pub serving_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub missed_at: Option<i64>,
    pub outcome: Option<String>,
}

impl Ticket {
    pub fn by_token(token: &str) -> Result<Option<Ticket>, Fail> {
        db::row(concat!("SELECT ", crate::ticket_columns!(), " FROM tickets WHERE token = ?1"), &[sql::text(token)])
    }

    pub fn by_id(id: i64) -> Result<Option<Ticket>, Fail> {
        db::row(concat!("SELECT ", crate::ticket_columns!(), " FROM tickets WHERE id = ?1"), &[sql::int(id)])
    }

    /// The ticket a window holds now (called or being served).
    pub fn current_at(window: &str) -> Result<Option<Ticket>, Fail> {
        db::row(
            concat!("SELECT ", crate::ticket_columns!(), " FROM tickets WHERE \"window\" = ?1 AND status IN ('called', 'serving') ORDER BY last_called_at DESC LIMIT 1"),
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
    pub fn public_view<'a>(&'a self, cfg: &'a Config, lang: &'a str, ahead: i64, wait_minutes: i64) -> TicketView<'a> {
        TicketView { t: self, cfg, lang, ahead, wait_minutes, staff: false, replayed: None, print_html: None, slip: None, policy: None }
    }

    /// The view for staff consoles: the public one plus ids and stage times
    /// (still masked: consoles are seen by residents over the counter).
    pub fn staff_view<'a>(&'a self, cfg: &'a Config, lang: &'a str) -> TicketView<'a> {
        TicketView { staff: true, ..self.public_view(cfg, lang, 0, 0) }
    }
}

/// A ticket as it leaves the plugin, written straight to JSON (no
/// intermediate JSON tree: this is on every issue and every call).
pub struct TicketView<'a> {
    t: &'a Ticket,
    cfg: &'a Config,
    lang: &'a str,
    ahead: i64,
    wait_minutes: i64,
    /// Staff view: ids and stage times, and no token nor page address.
    staff: bool,
    /// Whether an idempotency key had already issued it (issue answers).
    pub replayed: Option<bool>,
    /// The printed slip (kiosk and guide desk answers).
    pub print_html: Option<String>,
    /// The same slip as plain texts and the QR code's path, which the
    /// kiosk and guide desk build with DOM calls (never parsed as markup).
    pub slip: Option<serde_json::Value>,
    /// The call policy in words (the ticket page).
    pub policy: Option<Vec<String>>,
}

impl Serialize for TicketView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.t;
        let svc = self.cfg.service(&t.service);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("ticket", &t.label)?;
        // The token (and the page address that holds it) is the resident's
        // key to the ticket: only for whoever holds the ticket (the
        // resident's page, the kiosk or desk that issued it), never in a
        // staff list, where anyone at the console could open and follow it.
        if !self.staff {
            m.serialize_entry("token", &t.token)?;
            m.serialize_entry("page", &format_args!("/queue/t/{}", t.token))?;
        }
        m.serialize_entry("service", &t.service)?;
        m.serialize_entry("service_name", svc.map(|s| s.name(self.lang)).unwrap_or_default())?;
        m.serialize_entry("service_name_zh", svc.map(|s| s.name_zh.as_str()).unwrap_or_default())?;
        m.serialize_entry("service_name_en", svc.map(|s| s.name_en.as_str()).unwrap_or_default())?;
        m.serialize_entry("kind", &t.kind)?;
        m.serialize_entry("priority", &(t.priority != 0))?;
        m.serialize_entry("proxy", &(t.proxy != 0))?;
        m.serialize_entry("status", &t.status)?;
        m.serialize_entry("status_text", status_words(&t.status, self.lang))?;
        m.serialize_entry("window", &t.window)?;
        m.serialize_entry("ahead", &self.ahead)?;
        m.serialize_entry("wait_minutes", &self.wait_minutes)?;
        m.serialize_entry("issued_at", &t.issued_at)?;
        m.serialize_entry("issued_local", &clock::format_local(t.issued_at))?;
        m.serialize_entry("called_at", &t.last_called_at)?;
        m.serialize_entry("outcome", &t.outcome)?;
        m.serialize_entry("phone", &t.phone.as_deref().map(crate::issue::shown_phone))?;
        m.serialize_entry("name", &t.name.as_deref().map(mask::name))?;
        if self.staff {
            m.serialize_entry("id", &t.id)?;
            m.serialize_entry("recalls", &t.recalls)?;
            m.serialize_entry("serving_at", &t.serving_at)?;
            m.serialize_entry("missed_at", &t.missed_at)?;
            m.serialize_entry("origin_service", &t.origin_service)?;
            m.serialize_entry("appointment_time", &t.appointment_time)?;
        }
        if let Some(r) = self.replayed {
            m.serialize_entry("replayed", &r)?;
        }
        if let Some(h) = &self.print_html {
            m.serialize_entry("print_html", h)?;
        }
        if let Some(v) = &self.slip {
            m.serialize_entry("slip", v)?;
        }
        if let Some(p) = &self.policy {
            m.serialize_entry("policy", p)?;
        }
        m.end()
    }
}

pub fn status_text(s: &str, lang: &str) -> String {
    status_words(s, lang).to_owned()
}

fn status_words(s: &str, lang: &str) -> &'static str {
    let (zh, en) = match s {
        status::WAITING => ("等候中", "Waiting"),
        status::CALLED => ("正在叫号", "Called"),
        status::SERVING => ("正在办理", "Being served"),
        status::FINISHED => ("已办结", "Finished"),
        status::MISSED => ("已过号", "Missed"),
        status::LEFT => ("已失效", "Expired"),
        _ => ("未知", "Unknown"),
    };
    if lang == "en" { en } else { zh }
}
