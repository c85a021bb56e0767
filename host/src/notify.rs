//! The outbox of messages to residents and staff (capability `notify`), and
//! their delivery.
//!
//! A plugin's `notify::send` only holds the message in its call's state; the
//! message reaches the outbox (`notify_outbox` in the host's database) when
//! the call's changes are kept — on a plugin's lane after its group is
//! committed, else when the call commits — and never when the call trapped
//! or its commit failed. A background worker (`serve::start`) then delivers
//! due messages through an adapter: `log` (a line in the host's log, the
//! default), `webhook` (a JSON POST to `[notify] webhook_url`, where an SMS
//! or WeChat template gateway sits) or `inbox` (kept for in-page display).
//! A failed delivery is retried with backoff ([`BACKOFF_S`]) until
//! `[notify] max_attempts`, then marked failed with its last error.

use crate::storage::host_db::sql_args;
use crate::storage::host_db::{HostDb, Row};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Seconds before the 2nd, 3rd, … attempt (the last repeats).
pub const BACKOFF_S: &[i64] = &[30, 120, 600, 3_600];

/// Longest one delivery pass runs: a gateway that times out on every
/// message must not hold the worker for minutes; the rest wait for the
/// next pass.
const PASS_LIMIT: Duration = Duration::from_secs(30);
/// A message a host took for delivery is not due for the hall's other
/// hosts until this passes (longer than a pass); the delivery's outcome
/// then sets when it is due, if ever. A host that stops half-way leaves
/// its messages due again after this.
const CLAIM_MS: i64 = 120_000;

/// `[notify]` in `linli.toml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct NotifySettings {
    /// Where `webhook` messages are POSTed as JSON (`https://…` or
    /// `http://…`); none: a message for the webhook fails with that reason.
    pub webhook_url: Option<String>,
    /// CA certificates (PEM, an absolute path) an `https` webhook is also
    /// trusted under, beside the built-in roots: a hall's own gateway.
    pub ca_file: Option<std::path::PathBuf>,
    /// The channel of a message to a phone or a staff member that names
    /// none: `log`, `webhook` or `inbox`. Inbox keys always use `inbox`.
    pub channel: String,
    /// Attempts before a message is marked failed.
    pub max_attempts: u32,
    /// Time one webhook POST may take, in milliseconds.
    pub timeout_ms: u64,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings { webhook_url: None, ca_file: None, channel: "log".into(), max_attempts: 5, timeout_ms: 5_000 }
    }
}

/// The channels a message can go through.
pub const CHANNELS: &[&str] = &["log", "webhook", "inbox"];

impl NotifySettings {
    /// The first problem, naming the key.
    pub fn check(&self) -> Result<(), String> {
        if !CHANNELS.contains(&self.channel.as_str()) {
            return Err(format!("[notify] channel `{}` is not one of {}", self.channel, CHANNELS.join(", ")));
        }
        if self.max_attempts == 0 {
            return Err("[notify] max_attempts must be at least 1".into());
        }
        if let Some(u) = &self.webhook_url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            return Err(format!("[notify] webhook_url `{u}` must start with https:// (or http:// on the hall's own network)"));
        }
        if let Some(f) = &self.ca_file {
            crate::tls::read_ca_file(f).map_err(|why| format!("[notify] ca_file `{}`: {why}", f.display()))?;
        }
        Ok(())
    }
}

/// A message a call sent, held until the call's changes are kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewMessage {
    pub plugin: String,
    /// `phone`, `staff` or `inbox`.
    pub recipient_kind: String,
    /// A phone number normalised (`+86…`), a staff id or an inbox key.
    pub recipient: String,
    pub channel: String,
    pub template: String,
    pub text_zh: String,
    pub text_en: String,
    pub params: Vec<(String, String)>,
    pub time: i64,
}

/// One row of the outbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxRow {
    pub id: i64,
    pub message: NewMessage,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: u32,
    pub next_at: i64,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
}

impl OutboxRow {
    /// The recipient as pages and logs show it (a phone masked).
    pub fn recipient_shown(&self) -> String {
        shown(&self.message.recipient_kind, &self.message.recipient)
    }
}

/// A recipient as pages and logs show it: phone numbers masked.
pub fn shown(kind: &str, recipient: &str) -> String {
    if kind == "phone" { linli_shared::mask::phone(recipient) } else { recipient.to_owned() }
}

/// Fill `{name}` placeholders from `params`; a placeholder without a value
/// is an error naming it (a message never goes out with `{name}` in it).
pub fn render(text: &str, params: &[(String, String)]) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(format!("`{{` without `}}` in `{text}`"));
        };
        let name = &after[..close];
        match params.iter().find(|(k, _)| k == name) {
            Some((_, v)) => out.push_str(v),
            None => return Err(format!("placeholder `{{{name}}}` has no value in params")),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The outbox: the host's database table, or a list in memory for the test
/// harness (which has no host database). Also keeps who was sent how much
/// this past hour, for the per-recipient limit.
pub struct Outbox {
    db: Option<Arc<HostDb>>,
    /// Seals phone numbers at rest (like the resident records).
    vault: Option<Arc<crate::residents::Vault>>,
    memory: parking_lot::Mutex<Vec<OutboxRow>>,
    pub settings: parking_lot::RwLock<NotifySettings>,
    /// (plugin, recipient) → send times within the past hour.
    recent: parking_lot::Mutex<HashMap<(String, String), Vec<i64>>>,
}

impl Outbox {
    pub fn new(db: Option<Arc<HostDb>>, vault: Option<Arc<crate::residents::Vault>>, settings: NotifySettings) -> Outbox {
        Outbox { db, vault, memory: Default::default(), settings: parking_lot::RwLock::new(settings), recent: Default::default() }
    }

    /// Count one message to `recipient` from `plugin` at `now` unless that
    /// makes more than `limit` this past hour (then `false`).
    pub fn take_recipient_slot(&self, plugin: &str, recipient: &str, now: i64, limit: u32) -> bool {
        let mut recent = self.recent.lock();
        // Forget what is older than an hour, everyone's, now and then.
        if recent.len() > 10_000 {
            recent.retain(|_, times| times.iter().any(|t| now - t < 3_600_000));
        }
        let times = recent.entry((plugin.to_owned(), recipient.to_owned())).or_default();
        times.retain(|t| now - t < 3_600_000);
        if times.len() >= limit as usize {
            return false;
        }
        times.push(now);
        true
    }

    /// Write the messages of kept calls, in order; pending from now.
    pub fn write(&self, messages: Vec<NewMessage>) {
        if messages.is_empty() {
            return;
        }
        let Some(db) = &self.db else {
            let mut mem = self.memory.lock();
            for m in messages {
                let id = mem.len() as i64 + 1;
                let next_at = m.time;
                mem.push(OutboxRow { id, message: m, status: "pending".into(), attempts: 0, next_at, sent_at: None, last_error: None });
            }
            return;
        };
        let n = messages.len();
        let r = db.write(|tx| {
            for m in &messages {
                let p = serde_json::to_string(&m.params).unwrap_or_else(|_| "[]".into());
                // A resident's phone is sealed on disk; staff ids and inbox keys are not personal.
                let recipient = match &self.vault {
                    Some(v) if m.recipient_kind == "phone" => v.seal_text(&m.recipient),
                    _ => m.recipient.clone(),
                };
                tx.execute(
                    "INSERT INTO notify_outbox (plugin_id, recipient_kind, recipient, channel, template, text_zh, text_en, params, status, attempts, next_at, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', 0, ?9, ?9)",
                    sql_args![&m.plugin, &m.recipient_kind, recipient, &m.channel, &m.template, &m.text_zh, &m.text_en, p, m.time],
                )?;
            }
            Ok(())
        });
        if let Err(e) = r {
            // The plugin's changes are already kept; say loudly what is lost.
            tracing::error!(error = %e, messages = n, "writing messages to the notify outbox failed; they are not sent");
        }
    }

    /// The newest `limit` rows, newest first.
    pub fn list(&self, limit: usize) -> Vec<OutboxRow> {
        let Some(db) = &self.db else {
            return self.memory.lock().iter().rev().take(limit).cloned().collect();
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        db.read(|tx| rows(tx.query(&format!("{SELECT} ORDER BY id DESC LIMIT ?1"), sql_args![limit])?))
        .map(|rows| self.opened(rows))
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "reading the notify outbox");
            Vec::new()
        })
    }

    /// The newest `limit` messages `plugin` sent to inbox `key` through
    /// the `inbox` channel.
    pub fn inbox(&self, plugin: &str, key: &str, limit: usize) -> Result<Vec<OutboxRow>, String> {
        let Some(db) = &self.db else {
            let mem = self.memory.lock();
            let mine = mem.iter().rev().filter(|r| r.message.plugin == plugin && r.message.channel == "inbox" && r.message.recipient_kind != "phone" && r.message.recipient == key);
            return Ok(mine.take(limit).cloned().collect());
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        db.read(|tx| {
            rows(tx.query(
                &format!("{SELECT} WHERE plugin_id = ?1 AND channel = 'inbox' AND recipient_kind != 'phone' AND recipient = ?2 ORDER BY id DESC LIMIT ?3"),
                sql_args![plugin, key, limit],
            )?)
        })
        .map_err(|e| e.to_string())
    }

    /// One row by id.
    pub fn get(&self, id: i64) -> Option<OutboxRow> {
        let Some(db) = &self.db else { return self.memory.lock().iter().find(|r| r.id == id).cloned() };
        db.read(|tx| rows(tx.query(&format!("{SELECT} WHERE id = ?1"), sql_args![id])?))
            .ok()
            .and_then(|rows| self.opened(rows).into_iter().next())
    }

    /// Rows with their sealed recipients opened. One that cannot be opened
    /// (the key file was replaced) is left empty and fails its delivery.
    fn opened(&self, mut rows: Vec<OutboxRow>) -> Vec<OutboxRow> {
        for r in &mut rows {
            if r.message.recipient.starts_with("sealed:") {
                r.message.recipient = self.vault.as_ref().and_then(|v| v.open_text(&r.message.recipient)).unwrap_or_default();
            }
        }
        rows
    }

    fn due(&self, now: i64) -> Vec<OutboxRow> {
        let Some(db) = &self.db else {
            return self.memory.lock().iter().filter(|r| r.status == "pending" && r.next_at <= now).cloned().collect();
        };
        // Each due message is claimed (its next attempt moved past this
        // pass) by the one host whose update finds it still due: two hosts
        // of a hall never send one message twice. SQLite's one writer and
        // PostgreSQL's row lock (the second update waits, then finds the
        // row no longer due) give the same answer.
        db.write(|tx| {
            let due = rows(tx.query(&format!("{SELECT} WHERE status = 'pending' AND next_at <= ?1 ORDER BY next_at, id LIMIT 100"), sql_args![now])?)?;
            let mut mine = Vec::with_capacity(due.len());
            for r in due {
                if tx.execute("UPDATE notify_outbox SET next_at = ?3 WHERE id = ?1 AND status = 'pending' AND next_at <= ?2", sql_args![r.id, now, now + CLAIM_MS])? == 1 {
                    mine.push(r);
                }
            }
            Ok(mine)
        })
        .map(|rows| self.opened(rows))
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "reading due messages of the notify outbox");
            Vec::new()
        })
    }

    fn record(&self, r: &OutboxRow) {
        let Some(db) = &self.db else {
            if let Some(m) = self.memory.lock().iter_mut().find(|m| m.id == r.id) {
                *m = r.clone();
            }
            return;
        };
        if let Err(e) = db.write(|tx| {
            tx.execute(
                "UPDATE notify_outbox SET status = ?2, attempts = ?3, next_at = ?4, sent_at = ?5, last_error = ?6 WHERE id = ?1",
                sql_args![r.id, &r.status, r.attempts, r.next_at, r.sent_at, r.last_error.as_deref()],
            )
        }) {
            tracing::error!(error = %e, id = r.id, "recording a delivery in the notify outbox");
        }
    }

    /// Deliver every due message once; returns how many were tried. Blocks
    /// (a webhook POST): run it on a blocking thread.
    pub fn deliver_due(&self, now: i64) -> usize {
        let due = self.due(now);
        let settings = self.settings.read().clone();
        let started = std::time::Instant::now();
        let mut tried = 0;
        for mut r in due.into_iter() {
            if started.elapsed() > PASS_LIMIT {
                break;
            }
            tried += 1;
            r.attempts += 1;
            match deliver(&settings, &r) {
                Ok(()) => {
                    r.status = "sent".into();
                    r.sent_at = Some(now);
                    r.last_error = None;
                }
                Err(e) => {
                    tracing::warn!(id = r.id, plugin = %r.message.plugin, channel = %r.message.channel, recipient = %r.recipient_shown(), attempt = r.attempts, error = %e, "a message could not be delivered");
                    r.last_error = Some(e);
                    if r.attempts >= settings.max_attempts {
                        r.status = "failed".into();
                    } else {
                        let wait = BACKOFF_S[(r.attempts as usize - 1).min(BACKOFF_S.len() - 1)];
                        r.next_at = now + wait * 1_000;
                    }
                }
            }
            self.record(&r);
        }
        tried
    }
}

const SELECT: &str = "SELECT id, plugin_id, recipient_kind, recipient, channel, template, text_zh, text_en, params, created_at, status, attempts, next_at, sent_at, last_error FROM notify_outbox";

fn rows(rows: Vec<Row>) -> crate::storage::Result<Vec<OutboxRow>> {
    rows.iter().map(row).collect()
}

fn row(r: &Row) -> crate::storage::Result<OutboxRow> {
    let params: String = r.get(8)?;
    Ok(OutboxRow {
        id: r.get(0)?,
        message: NewMessage {
            plugin: r.get(1)?,
            recipient_kind: r.get(2)?,
            recipient: r.get(3)?,
            channel: r.get(4)?,
            template: r.get(5)?,
            text_zh: r.get(6)?,
            text_en: r.get(7)?,
            params: serde_json::from_str(&params).unwrap_or_default(),
            time: r.get(9)?,
        },
        status: r.get(10)?,
        attempts: r.get(11)?,
        next_at: r.get(12)?,
        sent_at: r.get(13)?,
        last_error: r.get(14)?,
    })
}

/// One attempt through the message's channel.
fn deliver(settings: &NotifySettings, r: &OutboxRow) -> Result<(), String> {
    let m = &r.message;
    if m.recipient.is_empty() {
        return Err("the recipient could not be read (sealed under another key)".into());
    }
    match m.channel.as_str() {
        "log" => {
            tracing::info!(id = r.id, plugin = %m.plugin, recipient = %r.recipient_shown(), template = %m.template, text = %m.text_zh, "notify: message (log channel)");
            Ok(())
        }
        // The row itself is the inbox: pages read it from the outbox.
        "inbox" => Ok(()),
        "webhook" => {
            let Some(url) = &settings.webhook_url else {
                return Err("no webhook_url under [notify] in linli.toml".into());
            };
            // The gateway needs the real number; it is the admin's own.
            let body = serde_json::json!({
                "id": r.id,
                "plugin": m.plugin,
                "recipient_kind": m.recipient_kind,
                "recipient": m.recipient,
                "template": m.template,
                "text_zh": m.text_zh,
                "text_en": m.text_en,
                "params": m.params.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
                "attempt": r.attempts,
            });
            // The CA file is read again each time: a renewed CA is used
            // without a restart (a few KB beside a TLS handshake).
            let tls = crate::tls::client_with(settings.ca_file.as_deref()).map_err(|why| match &settings.ca_file {
                Some(f) => format!("[notify] ca_file `{}`: {why}", f.display()),
                None => why,
            })?;
            let agent = ureq::AgentBuilder::new().timeout(Duration::from_millis(settings.timeout_ms)).redirects(0).tls_config(tls).build();
            match agent.post(url).set("Content-Type", "application/json").send_string(&body.to_string()) {
                Ok(resp) if (200..300).contains(&resp.status()) => Ok(()),
                Ok(resp) => Err(format!("webhook answered {}", resp.status())),
                Err(ureq::Error::Status(code, _)) => Err(format!("webhook answered {code}")),
                // The transport's own words too: a certificate the gateway's
                // CA did not sign must say so, not just "connection failed".
                // (not the URL, which may carry the gateway's key).
                Err(ureq::Error::Transport(t)) => {
                    let why = std::error::Error::source(&t).map(|e| e.to_string()).or_else(|| t.message().map(str::to_owned));
                    Err(match why {
                        Some(why) => format!("webhook unreachable: {}: {why}", t.kind()),
                        None => format!("webhook unreachable: {}", t.kind()),
                    })
                }
            }
        }
        other => Err(format!("unknown channel `{other}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_naming_the_key() {
        assert_eq!(NotifySettings::default().check(), Ok(()));
        let bad = NotifySettings { channel: "sms".into(), ..Default::default() };
        assert!(bad.check().unwrap_err().contains("[notify] channel `sms`"));
        let https = NotifySettings { webhook_url: Some("https://gw.example/send".into()), ..Default::default() };
        assert_eq!(https.check(), Ok(()), "an https gateway");
        let bad = NotifySettings { webhook_url: Some("ftp://gw.example/send".into()), ..Default::default() };
        assert!(bad.check().unwrap_err().contains("webhook_url"));
        let bad = NotifySettings { ca_file: Some("hall-ca.pem".into()), ..Default::default() };
        assert!(bad.check().unwrap_err().contains("[notify] ca_file `hall-ca.pem`: write an absolute path"));
        let bad = NotifySettings { ca_file: Some("/nonexistent/hall-ca.pem".into()), ..Default::default() };
        assert!(bad.check().unwrap_err().contains("cannot be read"));
        let bad = NotifySettings { max_attempts: 0, ..Default::default() };
        assert!(bad.check().unwrap_err().contains("max_attempts"));
    }

    #[test]
    fn render_fills_placeholders_and_names_a_missing_one() {
        let p = vec![("number".to_owned(), "A012".to_owned())];
        assert_eq!(render("请 {number} 号到窗口", &p).unwrap(), "请 A012 号到窗口");
        assert!(render("请 {num} 号", &p).unwrap_err().contains("`{num}`"));
        assert!(render("{oops", &p).is_err());
    }

    #[test]
    fn a_recipient_gets_at_most_the_limit_per_hour_per_plugin() {
        let o = Outbox::new(None, None, NotifySettings::default());
        for i in 0..5 {
            assert!(o.take_recipient_slot("a", "+8613900000000", i, 5));
        }
        assert!(!o.take_recipient_slot("a", "+8613900000000", 10, 5));
        assert!(o.take_recipient_slot("b", "+8613900000000", 10, 5), "another plugin has its own count");
        assert!(o.take_recipient_slot("a", "+8613900000000", 3_600_001, 5), "an hour later");
    }

    #[test]
    fn a_failing_message_backs_off_then_fails() {
        let o = Outbox::new(None, None, NotifySettings { channel: "webhook".into(), max_attempts: 3, ..Default::default() });
        let m = NewMessage { plugin: "p".into(), recipient_kind: "staff".into(), recipient: "7".into(), channel: "webhook".into(), template: "t".into(), text_zh: "好".into(), text_en: "ok".into(), params: vec![], time: 0 };
        o.write(vec![m]);
        assert_eq!(o.deliver_due(0), 1);
        let r = o.get(1).unwrap();
        assert_eq!((r.status.as_str(), r.attempts, r.next_at), ("pending", 1, 30_000));
        assert!(r.last_error.unwrap().contains("webhook_url"));
        assert_eq!(o.deliver_due(29_999), 0, "not before its time");
        assert_eq!(o.deliver_due(30_000), 1);
        assert_eq!(o.get(1).unwrap().next_at, 150_000, "then two minutes");
        assert_eq!(o.deliver_due(150_000), 1);
        assert_eq!(o.get(1).unwrap().status, "failed");
        assert_eq!(o.deliver_due(10_000_000), 0, "a failed message is not tried again");
    }
}
