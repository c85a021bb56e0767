//! Fleet status (屏幕状态): the maintainer's view of every paired screen.
//!
//! Each screen (a device of kind `screen`, see `auth::devices`) posts a
//! heartbeat with its device token every few seconds: the content revision
//! it shows, the last event id it has applied, its frame rate, memory,
//! uptime and version. The answer hands it the maintainer's requests
//! (screenshot, reload, restart) and, for a window display, who is signed
//! in at its window. A watcher marks a screen silent for longer than
//! `[screens] offline_after_s` offline and publishes `host.screen.offline`
//! (`host.screen.online` when it is back). The page `/admin/host/fleet`
//! lists them all for maintainers, zh-CN first.

use super::shell::{esc, format_local, render_shell, tr};
use super::{error_code, error_json, require_staff, resolve_caller};
use crate::auth::{Caller, CallerKind};
use crate::host::Host;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use crate::storage::host_db::sql_args;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// Largest screenshot a screen may upload (a 4K frame of flat colours is
/// far smaller; a photo-heavy carousel can approach it).
const SHOT_MAX: usize = 16 * 1024 * 1024;
/// An event published this long before a heartbeat should be on screen by then.
const BEHIND_GRACE_MS: i64 = 5_000;
const KINDS: &[&str] = &["screenshot", "reload", "restart"];
/// A request handed out but not reported done this long after (the player
/// stopped before carrying it out) is handed out again.
const REDELIVER_MS: i64 = 60_000;
/// A request not carried out this long after it was made is dropped: a
/// restart asked for in the morning must not hit a screen that comes back
/// in the evening.
const EXPIRE_MS: i64 = 600_000;

pub fn router(host: &Arc<Host>) -> Router<Arc<Host>> {
    start_watcher(host);
    Router::new()
        .route("/api/host/fleet/heartbeat", post(heartbeat))
        .route("/api/host/fleet/screenshot", post(upload).layer(DefaultBodyLimit::max(SHOT_MAX)))
        .route("/api/host/fleet", get(list_api))
        .route("/api/host/fleet/{id}/command", post(command))
        .route("/api/host/fleet/{id}/screenshot", get(screenshot))
        .route("/admin/host/fleet", get(page))
}

// ---- the screen's side ----

/// What a screen reports (every field optional, so an older player's
/// heartbeat still counts as a sign of life).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Beat {
    pub screen: String,
    pub layout: String,
    pub window: Option<String>,
    pub content_revision: u64,
    pub last_event_id: u64,
    pub fps: f32,
    pub version: String,
    pub uptime_s: u64,
    pub rss_kib: u64,
    pub pss_kib: u64,
    /// Requests carried out since the last heartbeat.
    #[serde(skip_serializing)]
    pub done: Vec<i64>,
}

/// The paired screen behind a request, or the refusal. An admin is let
/// through the authorisation (admins pass every check) but is not a
/// screen, so the request is refused as invalid instead.
#[allow(clippy::result_large_err)] // the refusal is the answer itself, as with require_staff
fn screen_caller(host: &Host, headers: &HeaderMap) -> Result<(i64, Caller), Response> {
    let (caller, _) = resolve_caller(host, headers, None);
    match &caller.kind {
        CallerKind::Device { device_kind } if device_kind == "screen" => {
            let id = caller.id.as_deref().and_then(|i| i.parse::<i64>().ok()).ok_or_else(|| error_json(StatusCode::INTERNAL_SERVER_ERROR, "设备编号无效", "device id not valid"))?;
            Ok((id, caller))
        }
        CallerKind::Anonymous => Err(error_json(StatusCode::UNAUTHORIZED, "请先登录", "please sign in")),
        CallerKind::Staff if caller.is_admin() => Err(error_code(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_a_screen",
            "只有已配对的显示屏才能发送心跳和截图",
            "heartbeats and screenshots come from paired screens only",
        )),
        _ => Err(error_json(StatusCode::FORBIDDEN, "您没有权限访问此功能", "you are not allowed to use this")),
    }
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::warn!(error = %e, "fleet storage");
    error_json(StatusCode::INTERNAL_SERVER_ERROR, "服务内部错误，请稍后再试", "internal error; try again shortly")
}

fn clip(s: &mut String, n: usize) {
    if let Some((i, _)) = s.char_indices().nth(n) {
        s.truncate(i);
    }
}

async fn heartbeat(State(host): State<Arc<Host>>, headers: HeaderMap, body: Bytes) -> Response {
    let (device, caller) = match screen_caller(&host, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut beat: Beat = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(_) => {
            return error_code(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "心跳内容不正确：应为 JSON 对象，数字字段须为非负数",
                "the heartbeat is not valid: a JSON object, its number fields non-negative",
            );
        }
    };
    for (s, n) in [(&mut beat.screen, 60), (&mut beat.layout, 60), (&mut beat.version, 40)] {
        clip(s, n);
    }
    if let Some(w) = &mut beat.window {
        clip(w, 10);
    }
    beat.done.truncate(100);
    let now = host.now_ms();
    let report = serde_json::to_string(&beat).unwrap_or_else(|_| "{}".into());
    let name = caller.name.clone().unwrap_or_default();
    let last_event_id = i64::try_from(beat.last_event_id).unwrap_or(i64::MAX);
    let stored = host.db.write(|tx| {
        let before: Option<Option<i64>> = tx.query_opt("SELECT offline_since FROM screen_status WHERE device_id = ?1", sql_args![device])?.map(|r| r.get(0)).transpose()?;
        // Online since now unless it already was: first contact, or back after being offline.
        let back = !matches!(before, Some(None));
        tx.execute(
            "INSERT INTO screen_status (device_id, report, last_event_id, heartbeat_at, online_since, offline_since)
             VALUES (?1, ?2, ?3, ?4, ?4, NULL)
             ON CONFLICT(device_id) DO UPDATE SET report = excluded.report, last_event_id = excluded.last_event_id,
               heartbeat_at = excluded.heartbeat_at, offline_since = NULL,
               online_since = CASE WHEN ?5 = 1 THEN excluded.heartbeat_at ELSE screen_status.online_since END",
            sql_args![device, &report, last_event_id, now, i64::from(back)],
        )?;
        for id in &beat.done {
            tx.execute("UPDATE screen_commands SET done_at = ?3 WHERE id = ?1 AND device_id = ?2 AND done_at IS NULL", sql_args![*id, device, now])?;
        }
        let pending: Vec<(i64, String)> = tx
            .query(
                "SELECT id, kind FROM screen_commands WHERE device_id = ?1 AND done_at IS NULL AND created_at > ?2
                   AND (sent_at IS NULL OR sent_at < ?3) ORDER BY id",
                sql_args![device, now - EXPIRE_MS, now - REDELIVER_MS],
            )?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .collect::<crate::storage::Result<_>>()?;
        for (id, _) in &pending {
            tx.execute("UPDATE screen_commands SET sent_at = ?2 WHERE id = ?1", sql_args![*id, now])?;
        }
        Ok((before, pending))
    });
    let (before, pending) = match stored {
        Ok(x) => x,
        Err(e) => return internal(e),
    };
    if let Some(Some(since)) = before {
        let payload = serde_json::json!({"device": device, "name": name, "offline_since": since});
        if let Err(e) = host.bus().publish("host.screen.online", &payload.to_string(), "host", now) {
            tracing::warn!(error = %e, "publishing host.screen.online");
        }
    }
    // A window display shows who works at its window: the device's
    // registered window first, else the one the player reports.
    let window = caller.window.clone().filter(|w| !w.is_empty()).or(beat.window.clone());
    let clerk = match window {
        Some(w) => clerk_at(&host, &w, now).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "looking up the clerk at a window");
            None
        }),
        None => None,
    };
    let commands: Vec<serde_json::Value> = pending.into_iter().map(|(id, kind)| serde_json::json!({"id": id, "kind": kind})).collect();
    let offline_after_s = host.settings.read().screens.offline_after_s;
    axum::Json(serde_json::json!({"commands": commands, "clerk": clerk, "offline_after_s": offline_after_s})).into_response()
}

/// The clerk signed in at `window` most recently (name and staff number).
fn clerk_at(host: &Host, window: &str, now: i64) -> crate::storage::Result<Option<serde_json::Value>> {
    let row = host.db.read(|tx| {
        tx.query_opt(
            "SELECT st.display_name, st.id FROM sessions s JOIN staff st ON st.id = s.staff_id
             WHERE s.\"window\" = ?1 AND s.revoked = 0 AND s.expires_at > ?2 AND st.disabled = 0
             ORDER BY s.created_at DESC LIMIT 1",
            sql_args![window, now],
        )
    })?;
    row.map(|r| Ok(serde_json::json!({"name": r.get::<String>(0)?, "number": r.get::<i64>(1)?.to_string()}))).transpose()
}

async fn upload(State(host): State<Arc<Host>>, headers: HeaderMap, RawQuery(q): RawQuery, body: Bytes) -> Response {
    let (device, _) = match screen_caller(&host, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !body.starts_with(b"\x89PNG\r\n\x1a\n") {
        return error_code(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "截图应为 PNG 图片", "the screenshot must be a PNG image");
    }
    let command = q.as_deref().and_then(|q| url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "command").and_then(|(_, v)| v.parse::<i64>().ok()));
    let now = host.now_ms();
    let stored = host.db.write(|tx| {
        tx.execute(
            "INSERT INTO screen_status (device_id, report, heartbeat_at, online_since, screenshot, screenshot_at) VALUES (?1, '{}', ?3, ?3, ?2, ?3)
             ON CONFLICT(device_id) DO UPDATE SET screenshot = excluded.screenshot, screenshot_at = excluded.screenshot_at",
            sql_args![device, body.as_ref(), now],
        )?;
        if let Some(id) = command {
            tx.execute("UPDATE screen_commands SET done_at = ?3 WHERE id = ?1 AND device_id = ?2 AND done_at IS NULL", sql_args![id, device, now])?;
        }
        Ok(())
    });
    match stored {
        Ok(()) => axum::Json(serde_json::json!({"ok": true, "bytes": body.len()})).into_response(),
        Err(e) => internal(e),
    }
}

// ---- the watcher ----

/// Hosts whose screens are watched, so building the router again (tests)
/// does not start a second watcher.
static WATCHED: Mutex<Vec<Weak<Host>>> = Mutex::new(Vec::new());

fn start_watcher(host: &Arc<Host>) {
    let Ok(mut watched) = WATCHED.lock() else { return };
    watched.retain(|w| w.strong_count() > 0);
    if watched.iter().any(|w| std::ptr::eq(w.as_ptr(), Arc::as_ptr(host))) {
        return;
    }
    watched.push(Arc::downgrade(host));
    let weak = Arc::downgrade(host);
    let spawned = std::thread::Builder::new().name("screen-watch".into()).spawn(move || {
        // Holds the host only while checking, so a dropped host ends the thread.
        while let Some(host) = weak.upgrade() {
            let after_s = host.settings.read().screens.offline_after_s.max(1);
            if let Err(e) = mark_offline(&host, after_s) {
                tracing::warn!(error = %e, "checking for silent screens");
            }
            drop(host);
            // A quarter of the limit, at most a second: offline shows within the limit plus a second.
            std::thread::sleep(Duration::from_millis((u64::from(after_s) * 250).clamp(100, 1000)));
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not start the screen watcher");
    }
}

/// Marks screens silent for longer than `after_s` offline and publishes
/// `host.screen.offline` for each, once per outage.
fn mark_offline(host: &Host, after_s: u32) -> crate::storage::Result<()> {
    let now = host.now_ms();
    let cutoff = now - i64::from(after_s) * 1000;
    let silent: Vec<(i64, String, i64)> = host.db.write(|tx| {
        let rows = tx.query(
            "SELECT s.device_id, d.name, s.heartbeat_at FROM screen_status s JOIN devices d ON d.id = s.device_id
             WHERE s.offline_since IS NULL AND s.heartbeat_at < ?1 AND d.revoked_at IS NULL",
            sql_args![cutoff],
        )?;
        let mut marked = Vec::with_capacity(rows.len());
        for r in &rows {
            let (id, name, last): (i64, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            // Every host of a hall watches; the one whose update marks the
            // screen announces it, once per outage.
            if tx.execute("UPDATE screen_status SET offline_since = ?2 WHERE device_id = ?1 AND offline_since IS NULL", sql_args![id, now])? == 1 {
                marked.push((id, name, last));
            }
        }
        Ok(marked)
    })?;
    for (id, name, last) in silent {
        tracing::warn!(device = id, name = %name, "screen silent for over {after_s} s: offline");
        let payload = serde_json::json!({"device": id, "name": name, "last_heartbeat": last, "after_s": after_s});
        host.bus().publish("host.screen.offline", &payload.to_string(), "host", now)?;
    }
    Ok(())
}

// ---- the maintainer's side ----

/// One screen as the page and the API show it.
#[derive(Debug, Serialize)]
pub struct ScreenView {
    pub id: i64,
    pub name: String,
    pub window: Option<String>,
    /// "online", "offline" or "never" (paired, never heard from).
    pub state: &'static str,
    /// Since when it is in that state (ms).
    pub since: Option<i64>,
    pub heartbeat_at: Option<i64>,
    /// Events published while it was online that it has not applied.
    pub behind: bool,
    /// The newest screen event (queue, content) it should have by its last heartbeat.
    pub expected_event_id: u64,
    pub report: Option<serde_json::Value>,
    pub screenshot_at: Option<i64>,
    pub commands: Vec<CommandView>,
}

#[derive(Debug, Serialize)]
pub struct CommandView {
    pub id: i64,
    pub kind: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub done_at: Option<i64>,
}

type StatusRow = (i64, String, Option<String>, Option<String>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, i64);

pub fn screens(host: &Host) -> crate::storage::Result<Vec<ScreenView>> {
    let now = host.now_ms();
    let after_ms = i64::from(host.settings.read().screens.offline_after_s) * 1000;
    // The event log: this host's SQLite file, or the hall's rows of the
    // district's shared log.
    let hall = host.db.postgres().map(|p| p.hall().to_owned());
    host.db.read(|tx| {
        let rows: Vec<StatusRow> = tx
            .query(
                "SELECT d.id, d.name, d.\"window\", s.report, s.heartbeat_at, s.online_since, s.offline_since, s.screenshot_at, s.last_event_id
                 FROM devices d LEFT JOIN screen_status s ON s.device_id = d.id
                 WHERE d.kind = 'screen' AND d.revoked_at IS NULL ORDER BY d.name, d.id",
                &[],
            )?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get::<Option<i64>>(8)?.unwrap_or(0))))
            .collect::<crate::storage::Result<_>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, name, window, report, heartbeat_at, online_since, offline_since, screenshot_at, last) in rows {
            let (state, since) = match heartbeat_at {
                None => ("never", None),
                Some(hb) if offline_since.is_some() || now - hb > after_ms => ("offline", Some(hb)),
                Some(_) => ("online", online_since),
            };
            // Only events published while it was online count: a screen
            // starts following from "now" and never sees older ones.
            let expected: i64 = match (heartbeat_at, online_since, &hall) {
                (Some(hb), Some(on), None) => tx
                    .query_one(
                        "SELECT COALESCE(MAX(id), 0) FROM events WHERE (topic LIKE 'queue.%' OR topic LIKE 'content.%') AND time > ?1 AND time <= ?2",
                        sql_args![on, hb - BEHIND_GRACE_MS],
                    )?
                    .get(0)?,
                (Some(hb), Some(on), Some(hall)) => tx
                    .query_one(
                        "SELECT COALESCE(MAX(id), 0) FROM linli.events WHERE hall = ?3 AND (topic LIKE 'queue.%' OR topic LIKE 'content.%') AND time > ?1 AND time <= ?2",
                        sql_args![on, hb - BEHIND_GRACE_MS, hall],
                    )?
                    .get(0)?,
                _ => 0,
            };
            let commands = tx
                .query("SELECT id, kind, created_at, sent_at, done_at FROM screen_commands WHERE device_id = ?1 ORDER BY id DESC LIMIT 5", sql_args![id])?
                .iter()
                .map(|r| Ok(CommandView { id: r.get(0)?, kind: r.get(1)?, created_at: r.get(2)?, sent_at: r.get(3)?, done_at: r.get(4)? }))
                .collect::<crate::storage::Result<_>>()?;
            out.push(ScreenView {
                id,
                name,
                window,
                state,
                since,
                heartbeat_at,
                behind: expected > last,
                expected_event_id: expected.max(0) as u64,
                report: report.and_then(|r| serde_json::from_str(&r).ok()),
                screenshot_at,
                commands,
            });
        }
        Ok(out)
    })
}

async fn list_api(State(host): State<Arc<Host>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let (caller, csrf) = resolve_caller(&host, &headers, q.as_deref());
    if let Err(r) = require_staff(&caller, csrf.as_deref(), &headers, &Method::GET, &["maintainer"]) {
        return r;
    }
    match screens(&host) {
        Ok(list) => axum::Json(serde_json::json!({
            "screens": list,
            "offline_after_s": host.settings.read().screens.offline_after_s,
            "host_last_event_id": host.bus().last_id().unwrap_or(0),
        }))
        .into_response(),
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
struct CommandBody {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    csrf: String,
}

/// A maintainer's request to one screen: JSON (`{"kind"}` with the
/// `X-CSRF-Token` header) or the page's form (`kind`, `csrf`), which is
/// sent back to the page.
async fn command(State(host): State<Arc<Host>>, headers: HeaderMap, Path(id): Path<String>, body: Bytes) -> Response {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    // The role first (GET skips the CSRF check); the token below, from the header or the form.
    if let Err(r) = require_staff(&caller, csrf.as_deref(), &headers, &Method::GET, &["maintainer"]) {
        return r;
    }
    let form = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let parsed: Option<CommandBody> = if form {
        let mut b = CommandBody { kind: String::new(), csrf: String::new() };
        for (k, v) in url::form_urlencoded::parse(&body) {
            match k.as_ref() {
                "kind" => b.kind = v.into_owned(),
                "csrf" => b.csrf = v.into_owned(),
                _ => {}
            }
        }
        Some(b)
    } else {
        serde_json::from_slice(&body).ok()
    };
    let header_token = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    let sent_token = header_token.or(parsed.as_ref().map(|b| b.csrf.as_str()).filter(|t| !t.is_empty()));
    if csrf.is_none() || sent_token != csrf.as_deref() {
        return error_json(StatusCode::FORBIDDEN, "请求缺少有效的 CSRF 令牌，请刷新页面后重试", "missing or wrong CSRF token; reload the page and try again");
    }
    let Some(body) = parsed else {
        return error_code(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "请求内容应为 JSON 对象", "the body must be a JSON object");
    };
    if !KINDS.contains(&body.kind.as_str()) {
        return super::input_error(&crate::auth::InputError::new(
            "field_invalid",
            Some("kind"),
            "指令只能是截图、重新加载或重启",
            "kind must be one of: screenshot, reload, restart",
        ));
    }
    let Ok(device) = id.parse::<i64>() else {
        return error_json(StatusCode::NOT_FOUND, "没有这块显示屏", "no such screen");
    };
    let now = host.now_ms();
    let by = caller.id.clone().unwrap_or_default();
    let created = host.db.write(|tx| {
        if tx.query_opt("SELECT id FROM devices WHERE id = ?1 AND kind = 'screen' AND revoked_at IS NULL", sql_args![device])?.is_none() {
            return Ok(None);
        }
        let id: i64 = tx
            .query_one("INSERT INTO screen_commands (device_id, kind, created_by, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id", sql_args![device, &body.kind, &by, now])?
            .get(0)?;
        Ok(Some(id))
    });
    match created {
        Ok(Some(cmd)) => {
            if form {
                Redirect::to("/admin/host/fleet").into_response()
            } else {
                (StatusCode::CREATED, axum::Json(serde_json::json!({"id": cmd, "device": device, "kind": body.kind}))).into_response()
            }
        }
        Ok(None) => error_json(StatusCode::NOT_FOUND, "没有这块显示屏", "no such screen"),
        Err(e) => internal(e),
    }
}

async fn screenshot(State(host): State<Arc<Host>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    if let Err(r) = require_staff(&caller, csrf.as_deref(), &headers, &Method::GET, &["maintainer"]) {
        return r;
    }
    let Ok(device) = id.parse::<i64>() else {
        return error_json(StatusCode::NOT_FOUND, "还没有截图", "no screenshot yet");
    };
    let png: Option<Option<Vec<u8>>> = match host.db.read(|tx| tx.query_opt("SELECT screenshot FROM screen_status WHERE device_id = ?1", sql_args![device])?.map(|r| r.get(0)).transpose()) {
        Ok(p) => p,
        Err(e) => return internal(e),
    };
    match png.flatten() {
        Some(bytes) => {
            let mut r = bytes.into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        None => error_json(StatusCode::NOT_FOUND, "还没有截图", "no screenshot yet"),
    }
}

fn ago(zh: bool, now: i64, t: i64, offset: i32) -> String {
    let s = ((now - t) / 1000).max(0);
    let rel = match (s, zh) {
        (s, true) if s < 60 => format!("{s} 秒前"),
        (s, true) if s < 3600 => format!("{} 分钟前", s / 60),
        (s, true) => format!("{} 小时前", s / 3600),
        (s, false) if s < 60 => format!("{s} s ago"),
        (s, false) if s < 3600 => format!("{} min ago", s / 60),
        (s, false) => format!("{} h ago", s / 3600),
    };
    format!("{}（{rel}）", format_local(t, offset))
}

fn command_name(kind: &str, zh: bool) -> &'static str {
    match kind {
        "screenshot" => tr(zh, "截图", "Screenshot"),
        "reload" => tr(zh, "重新加载内容", "Reload content"),
        _ => tr(zh, "重启", "Restart"),
    }
}

async fn page(State(host): State<Arc<Host>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let (caller, csrf) = resolve_caller(&host, &headers, q.as_deref());
    if !(caller.is_admin() || caller.roles.iter().any(|r| r == "maintainer")) {
        return Redirect::to("/login?next=/admin/host/fleet").into_response();
    }
    let zh = caller.lang != "en";
    let now = host.now_ms();
    let offset = host.config.utc_offset_minutes;
    let after_s = host.settings.read().screens.offline_after_s;
    let list = match screens(&host) {
        Ok(l) => l,
        Err(e) => return internal(e),
    };
    let mut alerts = String::new();
    let mut rows = String::new();
    let token = esc(csrf.as_deref().unwrap_or(""));
    for s in &list {
        let r = s.report.clone().unwrap_or_default();
        let num = |k: &str| r.get(k).and_then(|v| v.as_f64()).unwrap_or(0.0);
        let text = |k: &str| esc(r.get(k).and_then(|v| v.as_str()).unwrap_or(""));
        let (state_cls, state) = match s.state {
            "online" => ("ok", tr(zh, "在线", "online")),
            "offline" => ("bad", tr(zh, "离线", "offline")),
            _ => ("", tr(zh, "从未连接", "never connected")),
        };
        let since = s.since.map(|t| ago(zh, now, t, offset)).unwrap_or_default();
        if s.state == "offline" {
            alerts.push_str(&format!(
                "<li class=\"bad\" data-offline=\"{}\">{}</li>",
                s.id,
                esc(&if zh {
                    format!("“{}”已离线：最后一次心跳在 {}，超过 {after_s} 秒没有消息", s.name, since)
                } else {
                    format!("“{}” is offline: last heartbeat {}, silent for over {after_s} s", s.name, since)
                })
            ));
        }
        let last = r.get("last_event_id").and_then(|v| v.as_u64()).unwrap_or(0);
        let progress = if s.heartbeat_at.is_none() {
            String::new()
        } else if s.behind {
            format!("<span class=\"bad\" data-behind=\"1\">{} {last} / {}</span>", tr(zh, "落后", "behind"), s.expected_event_id)
        } else {
            format!("<span class=\"ok\">{} {last}</span>", tr(zh, "同步", "in step"))
        };
        let memory = if s.heartbeat_at.is_some() {
            let mib = |k: &str| num(k) / 1024.0;
            if zh {
                format!("常驻 {:.0} 兆字节，按比例 {:.0} 兆字节", mib("rss_kib"), mib("pss_kib"))
            } else {
                format!("RSS {:.0} MiB, PSS {:.0} MiB", mib("rss_kib"), mib("pss_kib"))
            }
        } else {
            String::new()
        };
        let uptime = num("uptime_s") as u64;
        let uptime = if s.heartbeat_at.is_none() {
            String::new()
        } else if zh {
            format!("{} 小时 {} 分", uptime / 3600, uptime / 60 % 60)
        } else {
            format!("{} h {} min", uptime / 3600, uptime / 60 % 60)
        };
        let fps = if s.heartbeat_at.is_some() { format!("{:.1}", num("fps")) } else { String::new() };
        let shot = match s.screenshot_at {
            Some(at) => format!(
                "<a href=\"/api/host/fleet/{id}/screenshot\"><img src=\"/api/host/fleet/{id}/screenshot?at={at}\" alt=\"{alt}\" width=\"240\"></a><br><small>{when}</small>",
                id = s.id,
                alt = tr(zh, "屏幕截图", "Screenshot"),
                when = ago(zh, now, at, offset)
            ),
            None => String::new(),
        };
        let buttons: String = KINDS
            .iter()
            .map(|k| {
                format!(
                    "<form method=\"post\" action=\"/api/host/fleet/{}/command\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"{token}\"><input type=\"hidden\" name=\"kind\" value=\"{k}\"><button>{}</button></form>",
                    s.id,
                    command_name(k, zh)
                )
            })
            .collect();
        let recent: String = s
            .commands
            .iter()
            .map(|c| {
                let st = match (c.sent_at, c.done_at) {
                    (_, Some(_)) => tr(zh, "已完成", "done"),
                    _ if c.created_at <= now - EXPIRE_MS => tr(zh, "未完成，已取消", "not carried out, dropped"),
                    (Some(_), None) => tr(zh, "已送达", "delivered"),
                    _ => tr(zh, "等待下次心跳", "waiting for the next heartbeat"),
                };
                format!("<li>{}：{st}</li>", command_name(&c.kind, zh))
            })
            .collect();
        rows.push_str(&format!(
            "<tr data-screen=\"{id}\" data-state=\"{state_key}\"><td>{name}<br><small>{layout}</small></td><td>{window}</td><td class=\"{state_cls}\">{state}<br><small>{since}</small></td><td>{rev}</td><td>{progress}</td><td>{fps}</td><td>{memory}</td><td>{uptime}</td><td>{version}</td><td>{shot}</td><td>{buttons}<ul>{recent}</ul></td></tr>",
            id = s.id,
            state_key = s.state,
            name = esc(&s.name),
            layout = text("layout"),
            window = esc(s.window.as_deref().or(r.get("window").and_then(|v| v.as_str())).unwrap_or("")),
            rev = if s.heartbeat_at.is_some() { (num("content_revision") as u64).to_string() } else { String::new() },
            version = text("version"),
        ));
    }
    let alerts = if alerts.is_empty() { String::new() } else { format!("<ul class=\"alerts\">{alerts}</ul>") };
    let empty = if list.is_empty() {
        format!("<p>{}</p>", tr(zh, "还没有登记显示屏。请在“设备”页面登记类型为等候区显示屏的设备，并在播放器上设置其令牌。", "No screens yet. Register a device of kind screen on the Devices page and give the player its token."))
    } else {
        String::new()
    };
    let body = format!(
        r#"<meta http-equiv="refresh" content="10"><section class="card"><h1>{title}</h1><p>{help}</p>{alerts}{empty}<table id="fleet"><thead><tr><th>{n}</th><th>{w}</th><th>{s}</th><th>{rev}</th><th>{ev}</th><th>{fps}</th><th>{mem}</th><th>{up}</th><th>{ver}</th><th>{shot}</th><th>{ops}</th></tr></thead><tbody>{rows}</tbody></table></section>"#,
        title = tr(zh, "屏幕状态", "Screens"),
        help = esc(&if zh {
            format!("每块显示屏定时发送心跳；超过 {after_s} 秒没有心跳即显示为离线。截图、重新加载和重启指令随显示屏的下一次心跳送达（通常 10 秒内）。“落后”表示显示屏在线期间主机发布的叫号或内容事件还没有显示。本页每 10 秒刷新。")
        } else {
            format!("Each screen sends a heartbeat; one silent for over {after_s} s shows as offline. Screenshot, reload and restart reach a screen with its next heartbeat (usually within 10 s). “Behind” means calls or content changes the host published while the screen was online are not on it yet. This page refreshes every 10 s.")
        }),
        n = tr(zh, "名称", "Name"),
        w = tr(zh, "窗口", "Window"),
        s = tr(zh, "状态", "State"),
        rev = tr(zh, "内容版本", "Content revision"),
        ev = tr(zh, "事件进度", "Events shown"),
        fps = tr(zh, "帧率", "Frame rate"),
        mem = tr(zh, "内存", "Memory"),
        up = tr(zh, "运行时间", "Uptime"),
        ver = tr(zh, "版本", "Version"),
        shot = tr(zh, "截图", "Screenshot"),
        ops = tr(zh, "操作", "Actions"),
    );
    Html(render_shell(&host, &caller, csrf.as_deref(), tr(zh, "屏幕状态", "Screens"), &body)).into_response()
}
