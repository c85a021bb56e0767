//! `services`: a plugin calls a route another plugin marked callable.
//!
//! What is checked, in this order, each refusal naming the plugins:
//! the capability; the chain (no plugin twice: A → B → A and a plugin
//! calling itself are refused; at most [`MAX_CHAIN`] plugins); the link
//! (an admin allowed caller → callee on the plugins page); the route (a
//! route of that plugin, enabled: else a 404 answer, as over HTTP); the
//! callable mark; on behalf of a person, the route's audience against that
//! person. Then the idempotency key (the kept answer, without running the
//! callee) and the call itself.
//!
//! The callee runs as its own unit of work: on its own lane when it has a
//! database (committed there before the answer comes back), else on this
//! thread with its own commit. The caller's changes so far are untouched
//! whatever the callee does; the caller decides what a failure means.
//!
//! Why this cannot deadlock on the lanes: the caller's lane thread waits
//! while the callee runs on the callee's lane. Within one chain every
//! plugin appears once, so no lane waits for itself. Two chains crossing in
//! opposite directions (A → B while B → A, both with lanes) could wait for
//! each other, but never past the first caller's deadline: the wait is
//! bounded by what is left of the caller's time, and a call still queued
//! when its caller's time is up runs nothing when its turn comes.

use super::*;
use crate::registry::Snapshot;
use crate::runtime::bindings::linli::plugin::services as wit;
use parking_lot::{Mutex, RwLock};
use std::collections::{HashMap, HashSet};
use std::sync::{OnceLock, Weak};
use std::time::Instant;

/// At most this many plugins in one chain of calls (the first plugin and
/// three nested calls): every plugin in a chain holds a thread while it
/// waits, and a deeper flow is a design to split.
pub const MAX_CHAIN: usize = 4;
/// An idempotency key's length, in characters.
pub const KEY_MAX_CHARS: usize = 200;
/// How long an answer is kept for its idempotency key.
pub const KEEP_ANSWERS_MS: i64 = 24 * 3600 * 1000;
/// A call's body, as over HTTP.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Where a call finds its callee: the running plugins (the host's
/// registry, or the test harness's).
pub trait Directory: Send + Sync {
    fn snapshot(&self) -> Arc<Snapshot>;
}

impl Directory for crate::registry::Registry {
    fn snapshot(&self) -> Arc<Snapshot> {
        crate::registry::Registry::snapshot(self)
    }
}

impl Directory for crate::host::Host {
    fn snapshot(&self) -> Arc<Snapshot> {
        self.registry.snapshot()
    }
}

/// (caller plugin, callee plugin, idempotency key)
type Key = (String, String, String);

/// An answer kept for an idempotency key.
#[derive(Clone)]
struct Kept {
    method: String,
    path: String,
    response: types::Response,
    at: i64,
}

/// Links asked for and not allowed that the plugins page keeps.
const MAX_WANTED: usize = 256;

/// The links an admin allowed and the answers kept for idempotency keys.
#[derive(Default)]
pub struct Calls {
    /// Weak: the host holds its services, not the other way round.
    directory: OnceLock<Weak<dyn Directory>>,
    /// Where links and kept answers are stored (none in the test harness:
    /// then in memory only).
    db: Option<Arc<crate::storage::host_db::HostDb>>,
    links: RwLock<std::collections::BTreeSet<(String, String)>>,
    /// Links a plugin tried to use before an admin allowed them (this
    /// host, since it started): the plugins page points them out, so the
    /// admin need not guess which boxes a new service needs. Bounded.
    wanted: Mutex<std::collections::BTreeSet<(String, String)>>,
    kept: Mutex<HashMap<Key, Kept>>,
    /// Keys whose call is running now: a second call with the same key
    /// waits for no one; it is refused until the first is done.
    running: Mutex<HashSet<Key>>,
}

impl Calls {
    /// Links and kept answers in the host's database.
    pub fn open(db: Arc<crate::storage::host_db::HostDb>) -> Result<Calls, StorageError> {
        let links = crate::auth::grants::links(&db)?;
        Ok(Calls { db: Some(db), links: RwLock::new(links), ..Default::default() })
    }

    /// Where callees are found; set once, right after the host is made.
    pub fn attach(&self, directory: Weak<dyn Directory>) {
        let _ = self.directory.set(directory);
    }

    pub fn linked(&self, caller: &str, callee: &str) -> bool {
        // A district: the hall's table is read on every call, so a link an
        // admin withdrew through another host holds here at once (one
        // indexed row per service call; the cache serves a hall alone,
        // whose only writer is this host).
        if let Some(db) = self.shared() {
            return crate::auth::grants::linked(db, caller, callee).unwrap_or_else(|e| {
                tracing::error!(error = %e, caller, callee, "reading a service link; refused");
                false
            });
        }
        self.links.read().contains(&(caller.to_owned(), callee.to_owned()))
    }

    /// `caller` tried to call `callee` without the link (kept for the
    /// plugins page; at most [`MAX_WANTED`], the first ones).
    fn want(&self, caller: &str, callee: &str) {
        let mut w = self.wanted.lock();
        if w.len() < MAX_WANTED {
            w.insert((caller.to_owned(), callee.to_owned()));
        }
    }

    /// Did `caller` try to call `callee` before the link was allowed?
    pub fn wanted(&self, caller: &str, callee: &str) -> bool {
        self.wanted.lock().contains(&(caller.to_owned(), callee.to_owned()))
    }

    /// Every allowed link, (caller, callee).
    pub fn links(&self) -> Vec<(String, String)> {
        if let Some(db) = self.shared()
            && let Ok(links) = crate::auth::grants::links(db)
        {
            return links.into_iter().collect();
        }
        self.links.read().iter().cloned().collect()
    }

    /// The hall's tables, when they are shared by several hosts.
    fn shared(&self) -> Option<&crate::storage::host_db::HostDb> {
        self.db.as_deref().filter(|db| db.backend() == crate::storage::host_db::Backend::Postgres)
    }

    /// Allow (or stop allowing) `caller` to call `callee`: stored first, so
    /// what the page shows is what holds after a restart.
    pub fn set_link(&self, caller: &str, callee: &str, allowed: bool, by: &str, now: i64) -> Result<(), StorageError> {
        if let Some(db) = &self.db {
            crate::auth::grants::store_link(db, caller, callee, allowed, by, now)?;
        }
        let pair = (caller.to_owned(), callee.to_owned());
        if allowed {
            self.links.write().insert(pair);
        } else {
            self.links.write().remove(&pair);
        }
        Ok(())
    }

    fn snapshot(&self) -> Option<Arc<Snapshot>> {
        self.directory.get()?.upgrade().map(|d| d.snapshot())
    }

    /// The answer kept for `key`, if it is younger than the window.
    fn kept(&self, key: &Key, now: i64) -> Result<Option<Kept>, StorageError> {
        let since = now - KEEP_ANSWERS_MS;
        let Some(db) = &self.db else {
            return Ok(self.kept.lock().get(key).filter(|k| k.at >= since).cloned());
        };
        let row = db.read(|tx| {
            tx.query_opt(
                "SELECT method, path, status, headers, body, created_at FROM service_calls
                 WHERE caller_id = ?1 AND callee_id = ?2 AND idem_key = ?3 AND created_at >= ?4",
                crate::storage::host_db::sql_args![&key.0, &key.1, &key.2, since],
            )
        })?;
        row.map(|r| {
            let headers: String = r.get(3)?;
            Ok(Kept {
                method: r.get(0)?,
                path: r.get(1)?,
                response: types::Response { status: r.get(2)?, headers: serde_json::from_str(&headers).unwrap_or_default(), body: r.get(4)? },
                at: r.get(5)?,
            })
        })
        .transpose()
    }

    /// Keep the answer the callee gave (its changes are committed).
    fn keep(&self, key: &Key, kept: Kept) {
        let Some(db) = &self.db else {
            let mut map = self.kept.lock();
            map.retain(|_, k| k.at >= kept.at - KEEP_ANSWERS_MS);
            map.insert(key.clone(), kept);
            return;
        };
        let headers = serde_json::to_string(&kept.response.headers).unwrap_or_else(|_| "[]".into());
        let stored = db.write(|tx| {
            tx.execute("DELETE FROM service_calls WHERE created_at < ?1", crate::storage::host_db::sql_args![kept.at - KEEP_ANSWERS_MS])?;
            tx.execute(
                "INSERT INTO service_calls (caller_id, callee_id, idem_key, method, path, status, headers, body, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (caller_id, callee_id, idem_key) DO UPDATE SET method = excluded.method, path = excluded.path,
                   status = excluded.status, headers = excluded.headers, body = excluded.body, created_at = excluded.created_at",
                crate::storage::host_db::sql_args![&key.0, &key.1, &key.2, &kept.method, &kept.path, kept.response.status, &headers, &kept.response.body, kept.at],
            )
        });
        if let Err(e) = stored {
            // The callee's changes are kept; a retry with this key would
            // run it again. Said loudly, since that is what keys prevent.
            tracing::error!(caller = %key.0, callee = %key.1, error = %e, "keeping a service call's answer for its idempotency key failed");
        }
    }
}

/// An answer as the HTTP dispatcher would give it (a missing route).
fn answer(status: u16, code: &str, plugin: &str, zh: String, en: String) -> types::Response {
    let body = serde_json::json!({"error": {"code": code, "plugin": plugin, "message_zh": zh, "message_en": en}});
    types::Response { status, headers: vec![("content-type".into(), "application/json".into())], body: body.to_string().into_bytes() }
}

/// Clears a running key however the call ends (even a host panic).
struct Running<'a>(&'a Calls, Option<Key>);
impl Drop for Running<'_> {
    fn drop(&mut self) {
        if let Some(k) = self.1.take() {
            self.0.running.lock().remove(&k);
        }
    }
}

impl wit::Host for CallState {
    fn call(&mut self, req: wit::ServiceRequest) -> HostResult<types::Response> {
        guard!(self, Services);
        self.service_call(req)
    }
}

impl CallState {
    fn service_call(&mut self, req: wit::ServiceRequest) -> HostResult<types::Response> {
        let me = self.plugin_id.to_string();
        let callee = req.plugin.clone();
        // A plugin id, before it is shown in any message.
        let id_ok = callee.len() <= 40
            && callee.starts_with(|c: char| c.is_ascii_lowercase())
            && callee.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_ok {
            return Ok(Err(Error::Invalid(format!("plugin `{me}`: `{}` is not a plugin id", callee.chars().take(60).collect::<String>().escape_debug()))));
        }
        let mut chain: Vec<String> = self.via.iter().map(|p| p.to_string()).collect();
        chain.push(me.clone());
        let shown = |chain: &[String]| chain.join(" → ");
        // A plugin in the chain again would wait for its own lane (and is
        // a loop in the flow anyway): refused, whatever the links say.
        if chain.contains(&callee) {
            let mut cycle = chain.clone();
            cycle.push(callee.clone());
            return Ok(Err(Error::Denied(format!(
                "plugin `{me}`: call cycle refused: {} (a plugin cannot be called again by a call it started)",
                shown(&cycle)
            ))));
        }
        if chain.len() + 1 > MAX_CHAIN {
            let mut deep = chain.clone();
            deep.push(callee.clone());
            return Ok(Err(Error::Limit(format!(
                "plugin `{me}`: calls nested too deep: {} (at most {MAX_CHAIN} plugins in one chain; limit service_depth)",
                shown(&deep)
            ))));
        }
        let calls = &self.services.calls;
        if !calls.linked(&me, &callee) {
            calls.want(&me, &callee);
            return Ok(Err(Error::Denied(format!(
                "plugin `{me}` may not call plugin `{callee}`: an admin has not allowed this link on the plugins page"
            ))));
        }
        let method = req.method.to_ascii_uppercase();
        if !METHODS.contains(&method.as_str()) {
            return Ok(Err(Error::Invalid(format!("plugin `{me}`: method `{}` is not one of {}", req.method, METHODS.join(", ")))));
        }
        let (path, query) = req.path.split_once('?').unwrap_or((req.path.as_str(), ""));
        if !path.starts_with('/') || req.path.len() > 2000 || req.path.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Ok(Err(Error::Invalid(format!("plugin `{me}`: path `{}` is not an absolute path (at most 2000 bytes, no spaces)", req.path.escape_debug()))));
        }
        if req.body.len() > MAX_BODY_BYTES || req.headers.len() > 64 {
            return Ok(Err(Error::Limit(format!("plugin `{me}`: a call to plugin `{callee}` may carry at most {MAX_BODY_BYTES} bytes and 64 headers"))));
        }
        if let Some(k) = &req.idempotency_key
            && (k.is_empty() || k.chars().count() > KEY_MAX_CHARS || k.chars().any(char::is_control))
        {
            return Ok(Err(Error::Invalid(format!("plugin `{me}`: an idempotency key has 1 to {KEY_MAX_CHARS} characters, none of them control characters"))));
        }
        let Some(snap) = calls.snapshot() else {
            return Ok(Err(Error::Internal(format!("plugin `{me}`: the host cannot reach other plugins here"))));
        };
        let what = format!("{method} {path}");
        let (target, params) = match snap.route(&method, path) {
            crate::registry::Routed::Found { target, params } if target.plugin.manifest.id == callee => (target, params),
            // Not there, another plugin's, or its plugin disabled: what an
            // HTTP client would get, naming the plugin asked for.
            _ => {
                return Ok(Ok(answer(
                    404,
                    "not_found",
                    &callee,
                    format!("插件 {callee} 没有接口 {what}，或该插件已停用"),
                    format!("plugin `{callee}` has no route `{what}`, or it is disabled"),
                )));
            }
        };
        drop(snap);
        if !target.route.callable {
            return Ok(Err(Error::Denied(format!(
                "plugin `{me}` may not call `{what}` of plugin `{callee}`: that route is not marked callable (Route::callable())"
            ))));
        }
        // Who the callee sees, and whose permissions it acts with.
        let lang = self.caller.as_ref().map_or_else(|| "zh-CN".to_owned(), |c| c.lang.clone());
        let (callee_caller, wit_caller) = if req.on_behalf {
            let Some(person) = self.caller.clone() else {
                return Ok(Err(Error::Denied(format!(
                    "plugin `{me}` has no caller to call plugin `{callee}` on behalf of (this call runs for a tick, an event, or a plugin that called it as itself)"
                ))));
            };
            if !crate::registry::audience_allows(target.route.audience, &target.route.roles, &person) {
                let who = match (&person.kind, &person.id) {
                    (crate::auth::CallerKind::Anonymous, _) => "an anonymous caller".to_owned(),
                    (_, Some(id)) => format!("{} `{id}`", person.kind_str()),
                    (_, None) => person.kind_str().to_owned(),
                };
                return Ok(Err(Error::Denied(format!(
                    "plugin `{me}` may not call `{what}` of plugin `{callee}` on behalf of {who}: that route is for {:?}{}",
                    target.route.audience,
                    if target.route.roles.is_empty() { String::new() } else { format!(" with a role of {}", target.route.roles.join(", ")) }
                ))));
            }
            let wit_caller = super::super::bindings::ToWit::to_wit(&person);
            (Some(person), wit_caller)
        } else {
            let wit_caller = types::Caller { kind: "plugin".into(), id: Some(me.clone()), name: Some(me.clone()), roles: vec![], window: None, lang };
            (None, wit_caller)
        };

        // What a staff member changes through the callee is audited as if
        // they had sent the request themselves (the HTTP dispatcher's rule:
        // staff writes, except on the window clerks' routes).
        let audit = match &callee_caller {
            Some(person)
                if matches!(person.kind, crate::auth::CallerKind::Staff)
                    && method != "GET"
                    && !target.route.roles.iter().any(|r| r == "clerk") =>
            {
                self.services.residents.as_ref().map(|r| (r.db.clone(), r.vault.clone(), person.clone()))
            }
            _ => None,
        };

        // The same key to the same callee: the kept answer, nothing run.
        let now_ms = self.services.clock.now_ms();
        let key: Option<Key> = req.idempotency_key.clone().map(|k| (me.clone(), callee.clone(), k));
        let mut running = Running(calls, None);
        if let Some(key) = &key {
            match calls.kept(key, now_ms) {
                Ok(Some(kept)) if kept.method == method && kept.path == req.path => return Ok(Ok(kept.response)),
                Ok(Some(kept)) => {
                    return Ok(Err(Error::Invalid(format!(
                        "plugin `{me}`: idempotency key `{}` was used for `{} {}` of plugin `{callee}`; a key names one request",
                        key.2.escape_debug(),
                        kept.method,
                        kept.path
                    ))));
                }
                Ok(None) => {}
                Err(e) => return Ok(Err(storage_err(e))),
            }
            if !calls.running.lock().insert(key.clone()) {
                return Ok(Err(Error::Limit(format!(
                    "plugin `{me}`: a call to plugin `{callee}` with idempotency key `{}` is still running",
                    key.2.escape_debug()
                ))));
            }
            running.1 = Some(key.clone());
        }

        let mut headers: Vec<(String, String)> = req
            .headers
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            // The host's own headers (who calls, an upload's file) are set by
            // the host alone.
            .filter(|(k, _)| !k.starts_with("linli-") && !k.starts_with("x-linli-") && !matches!(k.as_str(), "cookie" | "authorization" | "x-csrf-token"))
            .collect();
        headers.push(("linli-caller-plugin".into(), me.clone()));
        let wit_req = types::Request {
            method: method.clone(),
            path: path.to_owned(),
            route: target.route.path.clone(),
            params,
            query: query.to_owned(),
            headers,
            body: req.body,
            caller: wit_caller,
        };
        // The callee's time is the caller's: it ends by the caller's
        // deadline at the latest.
        let deadline = self.deadline;
        let via: Vec<Arc<str>> = chain.iter().map(|p| Arc::from(p.as_str())).collect();
        let keep = {
            let (services, key, method, path) = (self.services.clone(), key.clone(), method.clone(), req.path.clone());
            move |r: &Result<types::Response, crate::runtime::CallError>| {
                // Kept as soon as the callee's changes are, whether or not
                // the caller is still waiting for it.
                if let (Some(key), Ok(resp)) = (key, r) {
                    let at = services.clock.now_ms();
                    services.calls.keep(&key, Kept { method, path, response: resp.clone(), at });
                }
            }
        };
        let result = target.plugin.call_within("handle", callee_caller, deadline, keep, move |p, store| {
            if Instant::now() >= deadline {
                // Its caller gave up while it waited for the lane.
                return Err(wasmtime::Trap::Interrupt.into());
            }
            let state = store.data_mut();
            state.via = via;
            if deadline < state.deadline {
                state.deadline = deadline;
                let left = deadline.saturating_duration_since(Instant::now());
                let tick = crate::runtime::engine::EPOCH_TICK.as_millis().max(1);
                store.set_epoch_deadline((left.as_millis().div_ceil(tick) as u64).max(1));
            }
            p.call_handle(store, &wit_req)
        });
        drop(running);
        // The callee's time was the caller's: a caller whose time ran out
        // while it waited is stopped now, like after any host call (its
        // own clock, the epoch, may lag behind on a busy machine).
        if Instant::now() >= self.deadline {
            return Err(wasmtime::Trap::Interrupt.into());
        }
        Ok(match result {
            Ok(resp) if !(100..=599).contains(&resp.status) => {
                Err(Error::Internal(format!("plugin `{me}` called plugin `{callee}`, which answered the invalid status {}", resp.status)))
            }
            Ok(resp) if resp.body.len() > target.plugin.limits.response_bytes => Err(Error::Limit(format!(
                "plugin `{me}` called plugin `{callee}`, whose answer of {} bytes is over its limit of {} bytes (limit response_bytes)",
                resp.body.len(),
                target.plugin.limits.response_bytes
            ))),
            Ok(resp) => {
                if let Some((db, vault, person)) = audit.filter(|_| (200..300).contains(&resp.status)) {
                    let target = format!("{callee}: {method} {path}");
                    let detail = format!("via plugin {}", shown(&chain));
                    if let Err(e) = crate::audit::record(&db, vault.audit_chain(), &person, self.services.clock.now_ms(), "plugin.change", Some(&target), Some(&detail)) {
                        tracing::error!(error = %e, plugin = %me, "could not write the audit log for a service call");
                    }
                }
                Ok(resp)
            }
            Err(e @ (crate::runtime::CallError::Timeout { .. } | crate::runtime::CallError::Memory { .. } | crate::runtime::CallError::Limit { .. })) => {
                Err(Error::Limit(format!("plugin `{me}` called plugin `{callee}`: {e}")))
            }
            // A trap's text can hold the callee's internals: the log and
            // the plugins page have it, the caller gets the plugin's name.
            Err(_) => Err(Error::Internal(format!(
                "plugin `{me}` called plugin `{callee}`, which failed; its changes were rolled back (the reason is in the host's log and on the plugins page)"
            ))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer_of(status: u16) -> types::Response {
        types::Response { status, headers: vec![("content-type".into(), "application/json".into())], body: b"{\"slot\":7}".to_vec() }
    }

    /// Kept answers and links in the host's database: an answer is given
    /// back within the window (same caller, callee and key only) and not
    /// after it; links hold across a reopening of the database.
    #[test]
    fn answers_are_kept_for_the_window_and_links_are_stored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("linli.db");
        let db = Arc::new(crate::storage::host_db::HostDb::sqlite(Arc::new(crate::storage::sqlite::SqliteStorage::open(&path, crate::storage::sqlite::Durability::Normal).unwrap())));
        let calls = Calls::open(db.clone()).unwrap();
        let key: Key = ("a".into(), "b".into(), "case-1".into());
        let t0 = 1_767_225_600_000;
        assert!(calls.kept(&key, t0).unwrap().is_none());
        calls.keep(&key, Kept { method: "POST".into(), path: "/api/b/slots".into(), response: answer_of(201), at: t0 });
        let kept = calls.kept(&key, t0 + 1000).unwrap().expect("kept");
        assert_eq!((kept.method.as_str(), kept.path.as_str(), kept.response.status), ("POST", "/api/b/slots", 201));
        assert_eq!(kept.response.body, b"{\"slot\":7}");
        assert_eq!(kept.response.headers, answer_of(201).headers);
        // Another caller's key of the same text is another key.
        assert!(calls.kept(&("x".into(), "b".into(), "case-1".into()), t0).unwrap().is_none());
        // Past the window: gone (and pruned by the next answer kept).
        assert!(calls.kept(&key, t0 + KEEP_ANSWERS_MS + 1).unwrap().is_none());
        calls.keep(&("a".into(), "b".into(), "case-2".into()), Kept { method: "GET".into(), path: "/x".into(), response: answer_of(200), at: t0 + KEEP_ANSWERS_MS + 1 });
        let left: i64 = db.with_reader(|c| c.query_row("SELECT COUNT(*) FROM service_calls", [], |r| r.get(0))).unwrap();
        assert_eq!(left, 1, "the old answer was pruned");

        calls.set_link("a", "b", true, "admin", t0).unwrap();
        assert!(calls.linked("a", "b") && !calls.linked("b", "a"));
        drop(calls);
        let again = Calls::open(db.clone()).unwrap();
        assert!(again.linked("a", "b"), "stored");
        again.set_link("a", "b", false, "admin", t0).unwrap();
        assert!(!Calls::open(db).unwrap().linked("a", "b"));
    }
}
