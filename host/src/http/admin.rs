//! The admin's pages and APIs: staff and roles, devices, capability grants,
//! and the supervisor's audit log. Every change is audited.

use super::shell::{esc, format_local, render_shell, tr};
use super::{error_json, require_staff, resolve_caller};
use crate::audit;
use crate::auth::{Caller, ROLES, devices, sessions};
use crate::host::Host;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::sync::Arc;

pub fn router() -> Router<Arc<Host>> {
    Router::new()
        .route("/admin/host/staff", get(staff_page))
        .route("/api/host/staff", get(staff_list).post(staff_create))
        .route("/api/host/staff/{id}/disable", post(staff_disable))
        .route("/admin/host/devices", get(devices_page))
        .route("/api/host/devices", get(device_list).post(device_create))
        .route("/api/host/devices/{id}/revoke", post(device_revoke))
        .route("/device/pair", get(device_pair))
        .route("/api/host/plugins/{id}/grants", post(set_grants))
        .route("/admin/host/audit", get(audit_page))
        .route("/api/host/audit", get(audit_json))
        .route("/api/host/audit.csv", get(audit_csv))
}

fn audit_log(host: &Host, caller: &Caller, action: &str, target: Option<&str>, detail: Option<&str>) {
    if let Err(e) = audit::record(&host.db, host.services.vault.audit_chain(), caller, host.now_ms(), action, target, detail) {
        tracing::error!(error = %e, action, "could not write the audit log");
    }
}

/// Parse a JSON body only after the caller was checked, so a refused caller
/// learns nothing from parse errors.
fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(|e| {
        error_json(StatusCode::UNPROCESSABLE_ENTITY, &format!("请求内容格式错误：{e}"), &format!("invalid request body: {e}"))
    })
}

fn bad_request(e: impl std::fmt::Display) -> Response {
    let msg = e.to_string();
    error_json(StatusCode::UNPROCESSABLE_ENTITY, &msg, &msg)
}

// ---- staff ----

#[derive(Deserialize)]
struct NewStaff {
    username: String,
    name: String,
    roles: Vec<String>,
    password: String,
}

async fn staff_list(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method) -> Response {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    if let Err(r) = require_staff(&caller, csrf.as_deref(), &headers, &method, &["admin"]) {
        return r;
    }
    match sessions::list_staff(&host.db) {
        Ok(list) => Json(serde_json::json!({ "staff": list })).into_response(),
        Err(e) => bad_request(e),
    }
}

async fn staff_create(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method, body: axum::body::Bytes) -> Response {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    if let Err(r) = require_staff(&caller, csrf.as_deref(), &headers, &method, &["admin"]) {
        return r;
    }
    let n: NewStaff = match parse_json(&body) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let h = host.clone();
    let now = host.now_ms();
    let res = tokio::task::spawn_blocking(move || sessions::create_staff(&h.db, &n.username, &n.name, &n.password, &n.roles, now).map(|id| (id, n)))
        .await;
    match res {
        Ok(Ok((id, n))) => {
            audit_log(&host, &caller, "staff.create", Some(&format!("staff:{id}")), Some(&format!("{} roles={}", n.username, n.roles.join(","))));
            (StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response()
        }
        Ok(Err(e)) => bad_request(e),
        Err(_) => error_json(StatusCode::INTERNAL_SERVER_ERROR, "服务内部错误", "internal error"),
    }
}

async fn staff_disable(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method, Path(id): Path<i64>) -> Response {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    if let Err(r) = require_staff(&caller, csrf.as_deref(), &headers, &method, &["admin"]) {
        return r;
    }
    match sessions::disable_staff(&host.db, id) {
        Ok(true) => {
            audit_log(&host, &caller, "staff.disable", Some(&format!("staff:{id}")), Some("account disabled; sessions revoked"));
            Json(serde_json::json!({ "disabled": id })).into_response()
        }
        Ok(false) => error_json(StatusCode::NOT_FOUND, "账号不存在", "no such account"),
        Err(e) => bad_request(e),
    }
}

async fn staff_page(State(host): State<Arc<Host>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let (caller, csrf) = resolve_caller(&host, &headers, q.as_deref());
    if !caller.is_admin() {
        return Redirect::to("/login?next=/admin/host/staff").into_response();
    }
    let zh = caller.lang != "en";
    let list = sessions::list_staff(&host.db).unwrap_or_default();
    let mut rows = String::new();
    for s in &list {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.username),
            esc(&s.display_name),
            esc(&s.roles.join(", ")),
            if s.disabled { tr(zh, "已停用", "disabled") } else { tr(zh, "启用", "active") },
            if s.disabled { String::new() } else { format!("<button data-disable=\"{}\">{}</button>", s.id, tr(zh, "停用并注销", "Disable")) }
        ));
    }
    let roles: String = ROLES
        .iter()
        .map(|r| format!("<label style=\"display:inline-block;margin-right:12px\"><input type=\"checkbox\" name=\"roles\" value=\"{r}\" style=\"display:inline;width:auto\"> {}</label>", role_name(r, zh)))
        .collect();
    let body = format!(
        r#"<section class="card"><h1>{title}</h1><table><thead><tr><th>{u}</th><th>{n}</th><th>{r}</th><th>{st}</th><th></th></tr></thead><tbody>{rows}</tbody></table></section>
<section class="card"><h2>{add}</h2><form id="new-staff"><label>{u}<input name="username" required></label><label>{n}<input name="name" required></label>
<fieldset><legend>{r}</legend>{roles}</fieldset><label>{pw}<input name="password" type="password" minlength="10" required></label>
<button class="primary">{create}</button> <span id="staff-status" role="status"></span></form></section>
<script>
document.getElementById('new-staff').addEventListener('submit', async function (e) {{
  e.preventDefault(); var f = e.target;
  var roles = Array.from(f.querySelectorAll('input[name=roles]:checked')).map(function (x) {{ return x.value; }});
  try {{ await Linli.api('POST', '/api/host/staff', {{ username: f.username.value, name: f.name.value, roles: roles, password: f.password.value }}); location.reload(); }}
  catch (err) {{ document.getElementById('staff-status').textContent = err.message; }}
}});
document.querySelectorAll('[data-disable]').forEach(function (b) {{ b.addEventListener('click', async function () {{
  await Linli.api('POST', '/api/host/staff/' + b.dataset.disable + '/disable'); location.reload(); }}); }});
</script>"#,
        title = tr(zh, "工作人员与角色", "Staff and roles"),
        u = tr(zh, "用户名", "User name"),
        n = tr(zh, "姓名", "Name"),
        r = tr(zh, "角色", "Roles"),
        st = tr(zh, "状态", "State"),
        add = tr(zh, "新增工作人员", "Add a staff member"),
        pw = tr(zh, "初始密码（至少 10 个字符）", "Initial password (at least 10 characters)"),
        create = tr(zh, "创建", "Create"),
    );
    Html(render_shell(&host, &caller, csrf.as_deref(), tr(zh, "工作人员", "Staff"), &body)).into_response()
}

pub fn role_name(r: &str, zh: bool) -> &'static str {
    match (r, zh) {
        ("admin", true) => "管理员",
        ("supervisor", true) => "主管",
        ("clerk", true) => "窗口办事员",
        ("guide", true) => "导办员",
        ("editor", true) => "内容编辑",
        ("maintainer", true) => "系统维护",
        ("volunteer", true) => "志愿者",
        ("admin", false) => "admin",
        ("supervisor", false) => "supervisor",
        ("clerk", false) => "clerk",
        ("guide", false) => "guide",
        ("editor", false) => "content editor",
        ("maintainer", false) => "maintainer",
        ("volunteer", false) => "volunteer",
        _ => "?",
    }
}

// ---- devices ----

#[derive(Deserialize)]
struct NewDevice {
    name: String,
    kind: String,
    #[serde(default)]
    window: Option<String>,
}

async fn device_list(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method) -> Response {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    if let Err(r) = require_staff(&caller, csrf.as_deref(), &headers, &method, &["admin", "maintainer"]) {
        return r;
    }
    Json(serde_json::json!({ "devices": devices::list(&host.db).unwrap_or_default() })).into_response()
}

async fn device_create(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method, body: axum::body::Bytes) -> Response {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    if let Err(r) = require_staff(&caller, csrf.as_deref(), &headers, &method, &["admin", "maintainer"]) {
        return r;
    }
    let n: NewDevice = match parse_json(&body) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let window = n.window.as_deref().map(str::trim).filter(|w| !w.is_empty());
    match devices::create(&host.db, &n.name, &n.kind, window, host.now_ms()) {
        Ok((d, token)) => {
            audit_log(&host, &caller, "device.create", Some(&format!("device:{}", d.id)), Some(&format!("{} ({})", d.name, d.kind)));
            (StatusCode::CREATED, Json(serde_json::json!({ "device": d, "token": token, "pair_url": format!("/device/pair?token={token}") }))).into_response()
        }
        Err(e) => bad_request(e),
    }
}

async fn device_revoke(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method, Path(id): Path<i64>) -> Response {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    if let Err(r) = require_staff(&caller, csrf.as_deref(), &headers, &method, &["admin", "maintainer"]) {
        return r;
    }
    match devices::revoke(&host.db, id, host.now_ms()) {
        Ok(true) => {
            audit_log(&host, &caller, "device.revoke", Some(&format!("device:{id}")), None);
            Json(serde_json::json!({ "revoked": id })).into_response()
        }
        Ok(false) => error_json(StatusCode::NOT_FOUND, "设备不存在或已停用", "no such active device"),
        Err(e) => bad_request(e),
    }
}

#[derive(Deserialize)]
struct Pair {
    token: String,
}

/// Opened once on the device itself: remembers the token in an HttpOnly
/// cookie and goes to the device's start page.
async fn device_pair(State(host): State<Arc<Host>>, Query(p): Query<Pair>) -> Response {
    match devices::resolve(&host.db, &p.token) {
        Ok(Some(d)) => {
            let start = match d.kind.as_str() {
                "kiosk" => "/queue/kiosk",
                _ => "/",
            };
            let mut r = Redirect::to(start).into_response();
            let cookie = format!("{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000", super::DEVICE_COOKIE, p.token);
            if let Ok(v) = header::HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        _ => error_json(StatusCode::FORBIDDEN, "设备令牌无效或已停用", "the device token is invalid or revoked"),
    }
}

// ---- grants ----

#[derive(Deserialize)]
struct Grants {
    capabilities: Vec<String>,
}

async fn set_grants(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    if let Err(r) = require_staff(&caller, csrf.as_deref(), &headers, &method, &["admin"]) {
        return r;
    }
    let g: Grants = match parse_json(&body) {
        Ok(g) => g,
        Err(r) => return r,
    };
    let h = host.clone();
    let (pid, caps) = (id.clone(), g.capabilities.clone());
    let res = tokio::task::spawn_blocking(move || h.set_grants(&pid, &caps)).await;
    match res {
        Ok(Ok(granted)) => {
            audit_log(&host, &caller, "plugin.grants", Some(&format!("plugin:{id}")), Some(&granted.join(",")));
            Json(serde_json::json!({ "plugin": id, "granted": granted })).into_response()
        }
        Ok(Err(e)) => bad_request(e),
        Err(_) => error_json(StatusCode::INTERNAL_SERVER_ERROR, "服务内部错误", "internal error"),
    }
}

// ---- audit ----

fn audit_allowed(caller: &Caller) -> bool {
    caller.is_admin() || caller.roles.iter().any(|r| r == "supervisor")
}

async fn audit_json(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method, Query(f): Query<audit::Filter>) -> Response {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    if let Err(r) = require_staff(&caller, csrf.as_deref(), &headers, &method, &["supervisor"]) {
        return r;
    }
    match audit::query(&host.db, &f) {
        Ok(entries) => {
            // A check that could not run is not a pass: `intact` only for Ok(None).
            let broken = audit::verify_chain(&host.db, host.services.vault.audit_chain());
            let broken_at = broken.as_ref().ok().copied().flatten();
            Json(serde_json::json!({ "entries": entries, "intact": matches!(broken, Ok(None)), "broken_at": broken_at })).into_response()
        }
        Err(e) => bad_request(e),
    }
}

async fn audit_csv(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method, Query(f): Query<audit::Filter>) -> Response {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    if let Err(r) = require_staff(&caller, csrf.as_deref(), &headers, &method, &["supervisor"]) {
        return r;
    }
    match audit::query(&host.db, &f) {
        Ok(entries) => {
            audit_log(&host, &caller, "audit.export", None, Some(&format!("{} entries", entries.len())));
            (
                [(header::CONTENT_TYPE, "text/csv; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"linli-audit.csv\"")],
                audit::to_csv(&entries, host.config.utc_offset_minutes),
            )
                .into_response()
        }
        Err(e) => bad_request(e),
    }
}

async fn audit_page(State(host): State<Arc<Host>>, headers: HeaderMap, RawQuery(q): RawQuery, Query(f): Query<audit::Filter>) -> Response {
    let (caller, csrf) = resolve_caller(&host, &headers, q.as_deref());
    if !audit_allowed(&caller) {
        return match caller.kind {
            crate::auth::CallerKind::Staff => error_json(StatusCode::FORBIDDEN, "仅主管和管理员可查看审计日志", "supervisors and admins only"),
            _ => Redirect::to("/login?next=/admin/host/audit").into_response(),
        };
    }
    let zh = caller.lang != "en";
    let entries = audit::query(&host.db, &f).unwrap_or_default();
    let intact = matches!(audit::verify_chain(&host.db, host.services.vault.audit_chain()), Ok(None));
    let mut rows = String::new();
    for e in &entries {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&format_local(e.time, host.config.utc_offset_minutes)),
            esc(e.actor_name.as_deref().unwrap_or(&e.actor_kind)),
            esc(e.actor_id.as_deref().unwrap_or("")),
            esc(&e.action),
            esc(e.target.as_deref().unwrap_or("")),
            esc(e.detail.as_deref().unwrap_or("")),
        ));
    }
    let v = |s: &Option<String>| esc(s.as_deref().unwrap_or(""));
    let qs = q.as_deref().unwrap_or("");
    let body = format!(
        r#"<section class="card"><h1>{title}</h1><p class="{cls}">{chain}</p>
<form method="get" class="filters"><label>{actor}<input name="actor" value="{fa}"></label><label>{action}<input name="action" value="{fb}"></label><label>{target}<input name="target" value="{fc}"></label>
<button class="primary">{filter}</button> <a class="button" href="/api/host/audit.csv?{qs}">{export}</a></form>
<table><thead><tr><th>{time}</th><th>{actor}</th><th>ID</th><th>{action}</th><th>{target}</th><th>{detail}</th></tr></thead><tbody>{rows}</tbody></table></section>"#,
        title = tr(zh, "审计日志", "Audit log"),
        cls = if intact { "ok" } else { "alert" },
        chain = if intact { tr(zh, "日志完整，未发现篡改。", "The log is intact.") } else { tr(zh, "警告：日志校验失败，可能被篡改！", "Warning: the log's hash chain is broken!") },
        actor = tr(zh, "操作人", "Actor"),
        action = tr(zh, "操作", "Action"),
        target = tr(zh, "对象", "Target"),
        time = tr(zh, "时间", "Time"),
        detail = tr(zh, "详情", "Detail"),
        filter = tr(zh, "筛选", "Filter"),
        export = tr(zh, "导出 CSV", "Export CSV"),
        fa = v(&f.actor),
        fb = v(&f.action),
        fc = v(&f.target),
        qs = esc(qs),
    );
    Html(render_shell(&host, &caller, csrf.as_deref(), tr(zh, "审计日志", "Audit log"), &body)).into_response()
}

// ---- devices page ----

async fn devices_page(State(host): State<Arc<Host>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let (caller, csrf) = resolve_caller(&host, &headers, q.as_deref());
    if !(caller.is_admin() || caller.roles.iter().any(|r| r == "maintainer")) {
        return Redirect::to("/login?next=/admin/host/devices").into_response();
    }
    let zh = caller.lang != "en";
    let mut rows = String::new();
    for d in devices::list(&host.db).unwrap_or_default() {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&d.name),
            esc(&d.kind),
            esc(d.window.as_deref().unwrap_or("")),
            if d.revoked_at.is_some() { tr(zh, "已停用", "revoked") } else { tr(zh, "使用中", "active") },
            if d.revoked_at.is_some() { String::new() } else { format!("<button data-revoke=\"{}\">{}</button>", d.id, tr(zh, "停用", "Revoke")) }
        ));
    }
    let body = format!(
        r#"<section class="card"><h1>{title}</h1><table><thead><tr><th>{n}</th><th>{k}</th><th>{w}</th><th>{s}</th><th></th></tr></thead><tbody>{rows}</tbody></table></section>
<section class="card"><h2>{add}</h2><form id="new-device"><label>{n}<input name="name" required></label>
<label>{k}<select name="kind"><option value="kiosk">{kiosk}</option><option value="screen">{screen}</option><option value="evaluator">{eval}</option></select></label>
<label>{w}<input name="window"></label><button class="primary">{create}</button></form><p id="device-token" role="status"></p></section>
<script>
document.getElementById('new-device').addEventListener('submit', async function (e) {{
  e.preventDefault(); var f = e.target;
  try {{ var r = await Linli.api('POST', '/api/host/devices', {{ name: f.name.value, kind: f.kind.value, window: f.window.value }});
    document.getElementById('device-token').innerHTML = '{once}<br><code>' + r.token + '</code><br>{pair}<br><code>' + location.origin + r.pair_url + '</code>'; }}
  catch (err) {{ document.getElementById('device-token').textContent = err.message; }}
}});
document.querySelectorAll('[data-revoke]').forEach(function (b) {{ b.addEventListener('click', async function () {{
  await Linli.api('POST', '/api/host/devices/' + b.dataset.revoke + '/revoke'); location.reload(); }}); }});
</script>"#,
        title = tr(zh, "设备管理", "Devices"),
        n = tr(zh, "名称", "Name"),
        k = tr(zh, "类型", "Kind"),
        w = tr(zh, "窗口（评价器）", "Window (evaluators)"),
        s = tr(zh, "状态", "State"),
        add = tr(zh, "登记新设备", "Register a device"),
        kiosk = tr(zh, "自助取号机", "Kiosk"),
        screen = tr(zh, "等候区显示屏", "Signage screen"),
        eval = tr(zh, "窗口评价器", "Window evaluator"),
        create = tr(zh, "登记", "Register"),
        once = tr(zh, "设备令牌（只显示这一次，请妥善保管）：", "Device token (shown once only):"),
        pair = tr(zh, "在该设备的浏览器中打开以下地址完成配对：", "Open this address on the device to pair it:"),
    );
    Html(render_shell(&host, &caller, csrf.as_deref(), tr(zh, "设备管理", "Devices"), &body)).into_response()
}
