//! The admin's pages and APIs: staff and roles, devices, capability grants,
//! and the supervisor's audit log. Every change is audited.

use super::shell::{format_local, render_page, ser, tr};
use super::ApiError;
use super::{check_staff, resolve_caller};
use crate::audit;
use crate::auth::{Caller, DISTRICT_ROLE, Field, InputError, ROLES, device_kind_name, devices, role_name, sessions};
use crate::host::Host;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
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
        .route("/api/host/staff/{id}/enable", post(staff_enable))
        .route("/api/host/staff/{id}/update", post(staff_update))
        .route("/api/host/staff/{id}/password", post(staff_password))
        .route("/admin/host/devices", get(devices_page))
        .route("/api/host/devices", get(device_list).post(device_create))
        .route("/api/host/devices/{id}/revoke", post(device_revoke))
        .route("/device/pair", get(device_pair))
        .route("/api/host/plugins/{id}/grants", post(set_grants))
        .route("/api/host/plugins/{id}/calls", post(set_calls))
        .route("/api/host/plugins/{id}/disable", post(plugin_disable))
        .route("/api/host/plugins/{id}/enable", post(plugin_enable))
        .route("/admin/host/audit", get(audit_page))
        .route("/api/host/audit", get(audit_json))
        .route("/api/host/audit.csv", get(audit_csv))
}

pub(super) fn audit_log(host: &Host, caller: &Caller, action: &str, target: Option<&str>, detail: Option<&str>) {
    if let Err(e) = audit::record(&host.db, host.services.vault.audit_chain(), caller, host.now_ms(), action, target, detail) {
        tracing::error!(error = %e, action, "could not write the audit log");
    }
}

/// A JSON request body read field by field, so every problem names the
/// field in both languages (serde's messages are English and can name Rust
/// types). Parsed only after the caller was checked, so a refused caller
/// learns nothing from it.
struct JsonBody(serde_json::Map<String, serde_json::Value>);

impl JsonBody {
    fn parse(body: &[u8]) -> Result<JsonBody, ApiError> {
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(serde_json::Value::Object(m)) => Ok(JsonBody(m)),
            Ok(_) => Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "body_not_object", "请求内容应为一个 JSON 对象", "the body must be a JSON object")),
            Err(_) => Err(ApiError::new(StatusCode::BAD_REQUEST, "body_not_json", "请求内容不是有效的 JSON", "the body is not valid JSON")),
        }
    }

    /// A text field; a missing optional one is empty.
    fn text(&self, f: Field, required: bool) -> Result<String, ApiError> {
        match self.0.get(f.name) {
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            None | Some(serde_json::Value::Null) if !required => Ok(String::new()),
            None | Some(serde_json::Value::Null) => Err(InputError::new("field_required", Some(f.name), format!("请填写{}", f.zh), format!("{} is required", f.en)).into()),
            Some(_) => Err(InputError::new("field_type", Some(f.name), format!("{}应为文字", f.zh), format!("{} must be text", f.en)).into()),
        }
    }

    /// A list of short texts (roles, capabilities).
    fn list(&self, f: Field) -> Result<Vec<String>, ApiError> {
        let wrong = || ApiError::from(InputError::new("field_type", Some(f.name), format!("{}应为文字列表", f.zh), format!("{} must be a list of texts", f.en)));
        match self.0.get(f.name) {
            None | Some(serde_json::Value::Null) => Ok(vec![]),
            Some(serde_json::Value::Array(a)) if a.len() <= 64 => {
                a.iter().map(|v| v.as_str().map(|s| s.chars().take(64).collect()).ok_or_else(wrong)).collect()
            }
            Some(_) => Err(wrong()),
        }
    }
}

/// The `{id}` of a path, or a 404 in the error format (not axum's text).
fn path_id(id: Result<Path<i64>, axum::extract::rejection::PathRejection>) -> Result<i64, ApiError> {
    id.map(|Path(id)| id).map_err(|_| ApiError::not_found("对象不存在", "no such item"))
}

/// A blocking task that died (a panic inside it): logged, a generic 500.
fn task_failed(e: tokio::task::JoinError) -> ApiError {
    ApiError::internal("an admin task", e)
}

fn no_such_account() -> ApiError {
    ApiError::not_found("账号不存在", "no such account")
}

// ---- staff ----

async fn staff_list(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    check_staff(&caller, csrf.as_deref(), &headers, &method, &["admin"])?;
    let list = sessions::list_staff(&host.db).map_err(|e| ApiError::internal("listing staff", e))?;
    Ok(Json(serde_json::json!({ "staff": list })).into_response())
}

async fn staff_create(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method, body: Bytes) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    check_staff(&caller, csrf.as_deref(), &headers, &method, &["admin"])?;
    let b = JsonBody::parse(&body)?;
    let windows = sessions::check_windows(&b.text(sessions::WINDOWS, false)?)?;
    let (username, name, roles, password) = (b.text(sessions::USERNAME, true)?, b.text(sessions::DISPLAY_NAME, true)?, b.list(sessions::ROLES_FIELD)?, b.text(sessions::PASSWORD, true)?);
    district_role_given_by_district(&caller, &[], &roles)?;
    let h = host.clone();
    let now = host.now_ms();
    let (id, username, roles, windows) = tokio::task::spawn_blocking(move || {
        let n = sessions::NewStaff { username: &username, display_name: &name, password: &password, roles: &roles, windows: &windows };
        sessions::create(&h.db, &n, now).map(|id| (id, username, roles, windows))
    })
    .await
    .map_err(task_failed)??;
    audit_log(&host, &caller, "staff.create", Some(&format!("staff:{id}")), Some(&format!("{username} roles={} windows={}", roles.join(","), windows.join(","))));
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn staff_disable(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method, id: Result<Path<i64>, PathRejection>) -> Result<Response, ApiError> {
    staff_switch(host, headers, method, id, false).await
}

async fn staff_enable(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method, id: Result<Path<i64>, PathRejection>) -> Result<Response, ApiError> {
    staff_switch(host, headers, method, id, true).await
}

async fn staff_switch(host: Arc<Host>, headers: HeaderMap, method: Method, id: Result<Path<i64>, PathRejection>, enable: bool) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    check_staff(&caller, csrf.as_deref(), &headers, &method, &["admin"])?;
    let id = path_id(id)?;
    if !enable && caller.id.as_deref() == Some(id.to_string().as_str()) {
        return Err(ApiError::new(StatusCode::CONFLICT, "self_disable", "不能停用自己的账号", "you cannot disable your own account"));
    }
    let res = if enable { sessions::enable_staff(&host.db, id) } else { sessions::disable_staff(&host.db, id) };
    if !res.map_err(|e| ApiError::internal("switching a staff account", e))? {
        return Err(no_such_account());
    }
    if enable {
        audit_log(&host, &caller, "staff.enable", Some(&format!("staff:{id}")), None);
        Ok(Json(serde_json::json!({ "enabled": id })).into_response())
    } else {
        audit_log(&host, &caller, "staff.disable", Some(&format!("staff:{id}")), Some("sessions revoked"));
        Ok(Json(serde_json::json!({ "disabled": id })).into_response())
    }
}

/// Change an account's name, roles and assigned windows.
async fn staff_update(
    State(host): State<Arc<Host>>,
    headers: HeaderMap,
    method: Method,
    id: Result<Path<i64>, PathRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    check_staff(&caller, csrf.as_deref(), &headers, &method, &["admin"])?;
    let id = path_id(id)?;
    let b = JsonBody::parse(&body)?;
    let windows = sessions::check_windows(&b.text(sessions::WINDOWS, false)?)?;
    let (name, mut roles) = (b.text(sessions::DISPLAY_NAME, true)?, b.list(sessions::ROLES_FIELD)?);
    let had: Vec<String> = sessions::list_staff(&host.db)
        .map_err(|e| ApiError::internal("reading a staff account", e))?
        .into_iter()
        .find(|s| s.id == id)
        .map(|s| s.roles)
        .unwrap_or_default();
    district_role_given_by_district(&caller, &had, &roles)?;
    // A hall admin's form does not show the district role: an account
    // that has it keeps it.
    if had.iter().any(|r| r == DISTRICT_ROLE) && !caller.roles.iter().any(|r| r == DISTRICT_ROLE) && !roles.iter().any(|r| r == DISTRICT_ROLE) {
        roles.push(DISTRICT_ROLE.to_owned());
    }
    if caller.id.as_deref() == Some(id.to_string().as_str()) && !roles.iter().any(|r| r == "admin") {
        return Err(ApiError::new(StatusCode::CONFLICT, "self_demote", "不能取消自己的管理员角色", "you cannot take the admin role from yourself"));
    }
    if !sessions::update_staff(&host.db, id, &name, &roles, &windows)? {
        return Err(no_such_account());
    }
    audit_log(&host, &caller, "staff.update", Some(&format!("staff:{id}")), Some(&format!("roles={} windows={}", roles.join(","), windows.join(","))));
    Ok(Json(serde_json::json!({ "updated": id })).into_response())
}

/// An admin sets a new password for an account (its sessions end).
async fn staff_password(
    State(host): State<Arc<Host>>,
    headers: HeaderMap,
    method: Method,
    id: Result<Path<i64>, PathRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    check_staff(&caller, csrf.as_deref(), &headers, &method, &["admin"])?;
    let id = path_id(id)?;
    let password = JsonBody::parse(&body)?.text(sessions::PASSWORD, true)?;
    let h = host.clone();
    if !tokio::task::spawn_blocking(move || sessions::set_password(&h.db, id, &password)).await.map_err(task_failed)?? {
        return Err(no_such_account());
    }
    audit_log(&host, &caller, "staff.password", Some(&format!("staff:{id}")), Some("password reset; sessions revoked"));
    Ok(Json(serde_json::json!({ "password_reset": id })).into_response())
}

/// Only a district supervisor gives the district role (a hall's admin
/// giving it would let a hall see every other hall's figures).
fn district_role_given_by_district(caller: &Caller, had: &[String], roles: &[String]) -> Result<(), ApiError> {
    let adds = roles.iter().any(|r| r == DISTRICT_ROLE) && !had.iter().any(|r| r == DISTRICT_ROLE);
    if adds && !caller.roles.iter().any(|r| r == DISTRICT_ROLE) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "district_role",
            "只有街道主管才能授予“街道主管”角色",
            "only a district supervisor can give the district supervisor role",
        )
        .with_field(sessions::ROLES_FIELD.name));
    }
    Ok(())
}

/// The role checkboxes of a staff form, ticked where held (the district
/// role only on a district supervisor's form).
fn role_boxes(caller: &Caller, zh: bool, checked: &[String]) -> Vec<serde_json::Value> {
    let district = caller.roles.iter().any(|r| r == DISTRICT_ROLE);
    ROLES
        .iter()
        .filter(|r| **r != DISTRICT_ROLE || district)
        .map(|r| serde_json::json!({ "value": r, "name": role_name(r, zh), "checked": checked.iter().any(|c| c == r) }))
        .collect()
}

async fn staff_page(State(host): State<Arc<Host>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, q.as_deref());
    if !caller.is_admin() {
        return Ok(Redirect::to("/login?next=/admin/host/staff").into_response());
    }
    let zh = caller.lang != "en";
    let list = sessions::list_staff(&host.db).map_err(|e| ApiError::internal("listing staff", e))?;
    let sep = if zh { "、" } else { ", " };
    let staff: Vec<serde_json::Value> = list
        .iter()
        .map(|s| {
            let roles: Vec<&str> = s.roles.iter().map(|r| role_name(r, zh)).collect();
            let confirm = if zh {
                format!("确定停用“{}”（{}）的账号吗？停用后其登录会立即失效，之后可重新启用。", s.display_name, s.username)
            } else {
                format!("Disable the account of {} ({})? They are signed out at once; you can enable it again later.", s.display_name, s.username)
            };
            serde_json::json!({
                "id": s.id,
                "username": s.username,
                "name": s.display_name,
                "roles": roles.join(sep),
                "windows": s.windows.join(sep),
                "windows_value": s.windows.join(","),
                "disabled": s.disabled,
                "confirm": confirm,
                "role_boxes": role_boxes(&caller, zh, &s.roles),
            })
        })
        .collect();
    let ctx = minijinja::context! { staff => ser(&staff), new_roles => ser(role_boxes(&caller, zh, &[])) };
    Ok(Html(render_page(&host, &caller, csrf.as_deref(), tr(zh, "工作人员", "Staff"), "staff.html", ctx)).into_response())
}

// ---- devices ----

async fn device_list(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    check_staff(&caller, csrf.as_deref(), &headers, &method, &["admin", "maintainer"])?;
    let list = devices::list(&host.db).map_err(|e| ApiError::internal("listing devices", e))?;
    Ok(Json(serde_json::json!({ "devices": list })).into_response())
}

/// `http(s)://host[:port]` as the admin's browser sees this host, for the
/// pairing link; anything else is ignored (the link stays relative).
fn origin(o: &str) -> Option<&str> {
    let rest = o.strip_prefix("https://").or_else(|| o.strip_prefix("http://"))?;
    (o.len() <= 200 && !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))).then_some(o)
}

/// A device as the devices page shows it, in the caller's language.
fn device_view(d: &devices::Device, zh: bool, offset: i32) -> serde_json::Value {
    serde_json::json!({
        "id": d.id,
        "name": d.name,
        "kind": device_kind_name(&d.kind, zh),
        "window": d.window.clone().unwrap_or_default(),
        "state": if d.revoked_at.is_some() { tr(zh, "已停用", "revoked") } else { tr(zh, "使用中", "active") },
        "seen": match d.last_seen_at { Some(t) => format_local(t, offset), None => tr(zh, "从未连接", "never connected").to_owned() },
        "confirm": if zh { format!("确定停用设备“{}”吗？停用后它立即无法使用，需要重新登记。", d.name) } else { format!("Revoke the device {}? It stops working at once and must be registered again.", d.name) },
        "revoke": tr(zh, "停用", "Revoke"),
    })
}

async fn device_create(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method, RawQuery(q): RawQuery, body: Bytes) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, q.as_deref());
    check_staff(&caller, csrf.as_deref(), &headers, &method, &["admin", "maintainer"])?;
    let b = JsonBody::parse(&body)?;
    let (name, kind, window) = (b.text(devices::NAME, true)?, b.text(devices::KIND, true)?, b.text(devices::WINDOW, false)?);
    let org = b.text(Field { name: "origin", zh: "地址", en: "Origin" }, false)?;
    let start = b.text(Field { name: "start", zh: "开机页面", en: "Start page" }, false)?;
    if !start.is_empty() && (kind != "kiosk" || !kiosk_pages(&host, true).iter().any(|(p, _)| *p == start)) {
        return Err(InputError::new(
            "start_invalid",
            Some("start"),
            "开机页面只能为自助机选择，且须是已启用服务中自助机可打开的页面",
            "a start page is for kiosks only, and must be a page of an enabled service that kiosks may open",
        )
        .into());
    }
    let (d, token) = devices::create(&host.db, &name, &kind, Some(&window), host.now_ms())?;
    audit_log(&host, &caller, "device.create", Some(&format!("device:{}", d.id)), Some(&format!("{} ({})", d.name, d.kind)));
    let pair_url = if start.is_empty() { format!("/device/pair?token={token}") } else { format!("/device/pair?token={token}&start={}", encode_query(&start)) };
    let link = format!("{}{pair_url}", origin(&org).unwrap_or(""));
    let qr = qr_path(&link).map(|(size, path)| serde_json::json!({"size": size, "path": path}));
    let zh = caller.lang != "en";
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "device": d, "view": device_view(&d, zh, host.config.utc_offset_minutes), "token": token, "pair_url": pair_url, "pair_link": link, "qr": qr })),
    )
        .into_response())
}

/// A QR code as an SVG path (`M x y h1v1h-1z` per dark module) and the side
/// of its square with the quiet zone; the page draws it with DOM calls.
fn qr_path(data: &str) -> Option<(usize, String)> {
    use qrcode::{Color, EcLevel, QrCode};
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).ok()?;
    let w = code.width();
    let quiet = 4;
    let mut path = String::new();
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == Color::Dark {
            path.push_str(&format!("M{} {}h1v1h-1z", i % w + quiet, i / w + quiet));
        }
    }
    Some((w + 2 * quiet, path))
}

async fn device_revoke(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method, id: Result<Path<i64>, PathRejection>) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    check_staff(&caller, csrf.as_deref(), &headers, &method, &["admin", "maintainer"])?;
    let id = path_id(id)?;
    if !devices::revoke(&host.db, id, host.now_ms()).map_err(|e| ApiError::internal("revoking a device", e))? {
        return Err(ApiError::not_found("设备不存在或已停用", "no such active device"));
    }
    audit_log(&host, &caller, "device.revoke", Some(&format!("device:{id}")), None);
    Ok(Json(serde_json::json!({ "revoked": id })).into_response())
}

#[derive(Deserialize)]
struct Pair {
    token: String,
    /// A kiosk's start page, chosen when it was registered.
    start: Option<String>,
}

/// Pages a kiosk may open (of the enabled services, without path
/// parameters): a kiosk's possible start pages, as (path, "service · page").
fn kiosk_pages(host: &Host, zh: bool) -> Vec<(String, String)> {
    let kiosk = Caller { kind: crate::auth::CallerKind::Device { device_kind: "kiosk".into() }, id: None, name: None, roles: vec![], window: None, lang: "zh-CN".into() };
    let snap = host.registry.snapshot();
    snap.active()
        .flat_map(|p| {
            let service = if zh { p.manifest.name_zh.clone() } else { p.manifest.name_en.clone() };
            p.manifest
                .pages
                .iter()
                .filter(|pg| !pg.path.contains('{') && crate::registry::audience_allows(pg.audience, &pg.roles, &kiosk))
                .map(move |pg| (pg.path.clone(), format!("{service} · {}", if zh { &pg.title_zh } else { &pg.title_en })))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn encode_query(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_./~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// Opened once on the device itself: remembers the token in an HttpOnly
/// cookie and goes to the device's start page.
async fn device_pair(State(host): State<Arc<Host>>, p: Result<Query<Pair>, axum::extract::rejection::QueryRejection>) -> Result<Response, ApiError> {
    let (token, p_start) = p.map(|Query(p)| (p.token, p.start)).unwrap_or_default();
    match devices::resolve_at(&host.db, &token, Some(host.now_ms())) {
        Ok(Some(d)) => {
            let chosen = p_start.filter(|s| d.kind == "kiosk" && kiosk_pages(&host, true).iter().any(|(p, _)| p == s));
            let start = match d.kind.as_str() {
                _ if chosen.is_some() => chosen.as_deref().unwrap_or("/"),
                "kiosk" => "/queue/kiosk",
                // The window's evaluator: the ratings plugin's page (好差评).
                "evaluator" => "/ratings/evaluator",
                _ => "/",
            };
            let mut r = Redirect::to(start).into_response();
            let cookie = format!("{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000", super::DEVICE_COOKIE, token);
            if let Ok(v) = header::HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            Ok(r)
        }
        _ => Err(ApiError::new(StatusCode::FORBIDDEN, "device_revoked", "设备令牌无效或已停用", "the device token is invalid or revoked")),
    }
}

// ---- grants ----

async fn set_grants(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method, Path(id): Path<String>, body: axum::body::Bytes) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    check_staff(&caller, csrf.as_deref(), &headers, &method, &["admin"])?;
    let caps = JsonBody::parse(&body)?.list(Field { name: "capabilities", zh: "授予的能力", en: "Capabilities" })?;
    let h = host.clone();
    let pid = id.clone();
    match tokio::task::spawn_blocking(move || h.set_grants(&pid, &caps)).await.map_err(task_failed)? {
        Ok(granted) => {
            audit_log(&host, &caller, "plugin.grants", Some(&format!("plugin:{id}")), Some(&granted.join(",")));
            Ok(Json(serde_json::json!({ "plugin": id, "granted": granted })).into_response())
        }
        Err(e) => {
            // The host names the problem (unknown plugin or capability); the
            // text is the host's own, never storage's.
            let msg = e.to_string();
            if msg.contains("storage") {
                return Err(ApiError::internal("saving grants", msg));
            }
            Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "grants_invalid", format!("无法保存授权：{msg}"), msg))
        }
    }
}

// ---- service links (capability `services`) ----

/// Which plugins plugin `id` may call: the whole list, as the page's
/// checkboxes send it (admins only, CSRF-checked, audited). A callee must
/// be a loaded plugin other than the caller itself.
async fn set_calls(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method, Path(id): Path<String>, body: axum::body::Bytes) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    check_staff(&caller, csrf.as_deref(), &headers, &method, &["admin"])?;
    let field = Field { name: "callees", zh: "允许调用的插件", en: "Plugins it may call" };
    let callees = JsonBody::parse(&body)?.list(field)?;
    let snap = host.registry.snapshot();
    if !snap.plugins.contains_key(&id) {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "no_such_plugin", format!("没有已加载的插件“{id}”"), format!("no plugin `{id}` is loaded")));
    }
    if let Some(bad) = callees.iter().find(|c| **c == id || !snap.plugins.contains_key(*c)) {
        let (zh, en) = if *bad == id {
            (format!("插件“{id}”不能调用自己"), format!("plugin `{id}` cannot call itself"))
        } else {
            (format!("没有已加载的插件“{bad}”"), format!("no plugin `{bad}` is loaded"))
        };
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "calls_invalid", zh, en).with_field(field.name));
    }
    drop(snap);
    let now = host.now_ms();
    let by = format!("staff:{}", caller.id.as_deref().unwrap_or("?"));
    let calls = &host.services.calls;
    let before: Vec<String> = calls.links().into_iter().filter(|(from, _)| *from == id).map(|(_, to)| to).collect();
    for gone in before.iter().filter(|c| !callees.contains(c)) {
        calls.set_link(&id, gone, false, &by, now).map_err(|e| ApiError::internal("saving service links", e))?;
    }
    for new in callees.iter().filter(|c| !before.contains(c)) {
        calls.set_link(&id, new, true, &by, now).map_err(|e| ApiError::internal("saving service links", e))?;
    }
    let mut allowed = callees;
    allowed.sort();
    allowed.dedup();
    audit_log(&host, &caller, "plugin.calls", Some(&format!("plugin:{id}")), Some(&allowed.join(",")));
    Ok(Json(serde_json::json!({ "plugin": id, "calls": allowed })).into_response())
}

/// The links the plugins page offers plugin `id` (when it asked for
/// `services`): every other loaded plugin with callable routes, each with
/// a plain-language line of what allowing it means.
pub(super) fn call_links(host: &Host, id: &str, zh: bool) -> Vec<serde_json::Value> {
    let snap = host.registry.snapshot();
    let Some(me) = snap.plugins.get(id) else { return Vec::new() };
    if !me.manifest.capabilities.iter().any(|c| c == crate::manifest::Capability::Services.name()) {
        return Vec::new();
    }
    let my_name = if zh { &me.manifest.name_zh } else { &me.manifest.name_en };
    snap.plugins
        .values()
        .filter(|p| p.manifest.id != id)
        .filter_map(|p| {
            let routes: Vec<String> = p.manifest.routes.iter().filter(|r| r.callable).map(|r| format!("{} {}", r.method, r.path)).collect();
            if routes.is_empty() {
                return None;
            }
            let name = if zh { &p.manifest.name_zh } else { &p.manifest.name_en };
            let list = routes.join(if zh { "、" } else { ", " });
            let help = if zh {
                format!("允许“{my_name}”调用“{name}”开放的接口（{list}）：以它自己的名义，或代表正在办事的居民、工作人员（对方按此人的权限检查）")
            } else {
                format!("lets “{my_name}” call the open routes of “{name}” ({list}): as itself, or for the person being served (checked as that person)")
            };
            Some(serde_json::json!({
                "value": p.manifest.id,
                "name": name,
                "help": help,
                "checked": host.services.calls.linked(id, &p.manifest.id),
                "wanted": !host.services.calls.linked(id, &p.manifest.id) && host.services.calls.wanted(id, &p.manifest.id),
            }))
        })
        .collect()
}

// ---- enable / disable ----

async fn plugin_disable(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method, Path(id): Path<String>) -> Result<Response, ApiError> {
    plugin_switch_to(host, headers, method, id, false).await
}

async fn plugin_enable(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method, Path(id): Path<String>) -> Result<Response, ApiError> {
    plugin_switch_to(host, headers, method, id, true).await
}

/// Disable or enable a plugin (admins only, CSRF-checked, audited). The
/// answer says whether it is enabled now; switching to the state it is
/// already in changes nothing and is not audited.
async fn plugin_switch_to(host: Arc<Host>, headers: HeaderMap, method: Method, id: String, enable: bool) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    check_staff(&caller, csrf.as_deref(), &headers, &method, &["admin"])?;
    let snap = host.registry.snapshot();
    if !snap.plugins.contains_key(&id) && !snap.is_disabled(&id) {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "no_such_plugin", format!("没有已加载的插件“{id}”"), format!("no plugin `{id}` is loaded")));
    }
    drop(snap);
    let h = host.clone();
    let pid = id.clone();
    let by = format!("staff:{}", caller.id.as_deref().unwrap_or("?"));
    let changed = tokio::task::spawn_blocking(move || h.set_enabled(&pid, enable, &by))
        .await
        .map_err(task_failed)?
        .map_err(|e| ApiError::internal("switching a plugin", e))?;
    if changed {
        audit_log(&host, &caller, if enable { "plugin.enable" } else { "plugin.disable" }, Some(&format!("plugin:{id}")), None);
    }
    Ok(Json(serde_json::json!({ "plugin": id, "enabled": enable, "changed": changed })).into_response())
}

/// The status cell of a plugin on the plugins page: 已停用 before health.
pub(super) fn plugin_state(p: &serde_json::Value, healthy: bool, zh: bool) -> (&'static str, &'static str) {
    match (p["enabled"].as_bool().unwrap_or(true), healthy) {
        (false, _) => ("bad", tr(zh, "已停用", "disabled")),
        (true, true) => ("ok", tr(zh, "正常", "healthy")),
        (true, false) => ("bad", tr(zh, "异常", "unhealthy")),
    }
}

/// The question before an admin disables a plugin: its routes, pages,
/// ticks and events stop; its data is kept. (The page shows 停用 and 启用
/// to admins only; maintainers see the state.)
pub(super) fn plugin_confirm(p: &serde_json::Value, zh: bool) -> String {
    let id = p["id"].as_str().unwrap_or("");
    let name = p[if zh { "name_zh" } else { "name_en" }].as_str().filter(|n| !n.is_empty()).unwrap_or(id);
    if zh {
        format!("确定停用“{name}”吗？停用后它的页面和接口不再可用，定时任务和事件处理暂停；数据全部保留，可随时重新启用。")
    } else {
        format!("Disable “{name}”? Its pages and endpoints stop answering and its scheduled work and events pause; its data is kept and it can be enabled again at any time.")
    }
}

// ---- audit ----

fn audit_allowed(caller: &Caller) -> bool {
    caller.is_admin() || caller.roles.iter().any(|r| r == "supervisor")
}

/// What the audit page, API and export look for: the stored filter's fields
/// (times in milliseconds), dates in the hall's time, and words.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    target: Option<String>,
    from: Option<i64>,
    until: Option<i64>,
    limit: Option<u32>,
    /// `YYYY-MM-DD`, the first day shown (hall time).
    from_date: Option<String>,
    /// `YYYY-MM-DD`, the last day shown (hall time).
    to_date: Option<String>,
    /// Words, each of which must appear in the entry: in the actor, the
    /// action (its code, or its name in Chinese or English), the target or
    /// the detail.
    q: Option<String>,
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The start of a `YYYY-MM-DD` day in the hall's time, in milliseconds.
fn day_start_ms(f: Field, text: &str, offset_minutes: i32) -> Result<i64, ApiError> {
    let bad = || ApiError::from(InputError::new("field_invalid", Some(f.name), format!("{}应为日期，例如 2026-11-25", f.zh), format!("{} must be a date such as 2026-11-25", f.en)));
    let parts: Vec<&str> = text.trim().split('-').collect();
    let [y, m, d] = parts.as_slice() else { return Err(bad()) };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i64>(), m.parse::<i64>(), d.parse::<i64>()) else { return Err(bad()) };
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || d < 1 || d > last_day(y, m) {
        return Err(bad());
    }
    Ok(days_from_civil(y, m, d) * 86_400_000 - i64::from(offset_minutes) * 60_000)
}

/// The number of days in month `m` of year `y`.
fn last_day(y: i64, m: i64) -> i64 {
    let next = if m == 12 { days_from_civil(y + 1, 1, 1) } else { days_from_civil(y, m + 1, 1) };
    next - days_from_civil(y, m, 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_days_in_the_hall() {
        assert_eq!(super::days_from_civil(1970, 1, 1), 0);
        assert_eq!(super::days_from_civil(2026, 11, 25), 20_782);
        assert_eq!(linli_shared::time::civil_from_days(20_782), (2026, 11, 25));
        assert_eq!((super::last_day(2024, 2), super::last_day(2026, 2), super::last_day(2026, 12)), (29, 28, 31));
        // Beijing midnight is 16:00 UTC the day before.
        assert_eq!(super::day_start_ms(super::FROM_DATE, "2026-11-25", 480).ok(), Some(20_782 * 86_400_000 - 480 * 60_000));
        for bad in ["2026-02-30", "2026-13-01", "25/11/2026", "2026-11", "yesterday"] {
            assert!(super::day_start_ms(super::FROM_DATE, bad, 480).is_err(), "{bad}");
        }
    }
}

const FROM_DATE: Field = Field { name: "from_date", zh: "开始日期", en: "From date" };
const TO_DATE: Field = Field { name: "to_date", zh: "结束日期", en: "To date" };
const WORDS: Field = Field { name: "q", zh: "关键词", en: "Words" };

/// The entries an audit query asks for, newest first.
fn audit_entries(host: &Host, a: &AuditQuery) -> Result<Vec<audit::Entry>, ApiError> {
    let offset = host.config.utc_offset_minutes;
    let mut f = audit::Filter { actor: a.actor.clone(), action: a.action.clone(), target: a.target.clone(), from: a.from, until: a.until, limit: a.limit };
    if let Some(d) = a.from_date.as_deref().filter(|d| !d.trim().is_empty()) {
        f.from = Some(day_start_ms(FROM_DATE, d, offset)?);
    }
    if let Some(d) = a.to_date.as_deref().filter(|d| !d.trim().is_empty()) {
        f.until = Some(day_start_ms(TO_DATE, d, offset)? + 86_400_000);
    }
    let words = crate::auth::check_line(WORDS, a.q.as_deref().unwrap_or(""), 100, true).map_err(ApiError::from)?;
    let words: Vec<String> = words.split_whitespace().map(str::to_lowercase).collect();
    let want = a.limit.unwrap_or(500).min(10_000) as usize;
    if !words.is_empty() {
        // Words are matched here, against the names people read as well as
        // the stored codes, so the store is asked for more.
        f.limit = Some(10_000);
    }
    let entries = audit::query(&host.db, &f).map_err(|e| ApiError::internal("reading the audit log", e))?;
    Ok(entries
        .into_iter()
        .filter(|e| {
            if words.is_empty() {
                return true;
            }
            let hay = [
                e.actor_name.as_deref().unwrap_or(""),
                e.actor_id.as_deref().unwrap_or(""),
                actor_kind_name(&e.actor_kind, true),
                actor_kind_name(&e.actor_kind, false),
                &e.action,
                &action_label(&e.action, true),
                &action_label(&e.action, false),
                e.target.as_deref().unwrap_or(""),
                e.detail.as_deref().unwrap_or(""),
            ]
            .join("\n")
            .to_lowercase();
            words.iter().all(|w| hay.contains(w.as_str()))
        })
        .take(want)
        .collect())
}

async fn audit_json(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method, Query(a): Query<AuditQuery>) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    check_staff(&caller, csrf.as_deref(), &headers, &method, &["supervisor"])?;
    let entries = audit_entries(&host, &a)?;
    // A check that could not run is not a pass: `intact` only for Ok(None).
    let broken = audit::verify_chain(&host.db, host.services.vault.audit_chain());
    let broken_at = broken.as_ref().ok().copied().flatten();
    Ok(Json(serde_json::json!({ "entries": entries, "intact": matches!(broken, Ok(None)), "broken_at": broken_at })).into_response())
}

async fn audit_csv(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method, Query(a): Query<AuditQuery>) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    check_staff(&caller, csrf.as_deref(), &headers, &method, &["supervisor"])?;
    let entries = audit_entries(&host, &a)?;
    audit_log(&host, &caller, "audit.export", None, Some(&format!("{} entries", entries.len())));
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"linli-audit.csv\"")],
        audit::to_csv(&entries, host.config.utc_offset_minutes),
    )
        .into_response())
}

async fn audit_page(
    State(host): State<Arc<Host>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    a: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let a = a.map(|Query(a)| a).unwrap_or_default();
    let (caller, csrf) = resolve_caller(&host, &headers, q.as_deref());
    if !audit_allowed(&caller) {
        return match caller.kind {
            crate::auth::CallerKind::Staff => Err(ApiError::status(StatusCode::FORBIDDEN, "仅主管和管理员可查看审计日志", "supervisors and admins only")),
            _ => Ok(Redirect::to("/login?next=/admin/host/audit").into_response()),
        };
    }
    let zh = caller.lang != "en";
    let (entries, problem) = match audit_entries(&host, &a) {
        Ok(e) => (e, String::new()),
        // Say what is wrong with the filter above the (empty) table.
        Err(e) if e.status.is_client_error() => (vec![], if zh { e.zh } else { e.en }),
        Err(e) => return Err(e),
    };
    let intact = matches!(audit::verify_chain(&host.db, host.services.vault.audit_chain()), Ok(None));
    let offset = host.config.utc_offset_minutes;
    let rows: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            serde_json::json!({
                "time": format_local(e.time, offset),
                "actor": e.actor_name.as_deref().unwrap_or(actor_kind_name(&e.actor_kind, zh)),
                "actor_id": e.actor_id.as_deref().unwrap_or(""),
                "code": e.action,
                "action": action_label(&e.action, zh),
                "target": e.target.as_deref().unwrap_or(""),
                "detail": e.detail.as_deref().unwrap_or(""),
            })
        })
        .collect();
    let v = |s: &Option<String>| s.clone().unwrap_or_default();
    let ctx = minijinja::context! {
        intact => intact,
        entries => ser(&rows),
        problem => problem,
        from_date => v(&a.from_date),
        to_date => v(&a.to_date),
        q => v(&a.q),
        qs => q.as_deref().unwrap_or(""),
    };
    Ok(Html(render_page(&host, &caller, csrf.as_deref(), tr(zh, "审计日志", "Audit log"), "audit.html", ctx)).into_response())
}

/// An entry's action as the page shows it: the host's names, a plugin's
/// entry (capability `audit`, `jobs: phones.viewed`) marked as one, any
/// other code as it is.
fn action_label(code: &str, zh: bool) -> String {
    match action_name(code, zh) {
        Some(name) => name.to_owned(),
        None if code.contains(": ") => format!("{}{code}", tr(zh, "插件记录：", "plugin record: ")),
        None => code.to_owned(),
    }
}

/// The host's audit actions as people read them; None for a plugin's own
/// codes, shown as they are.
pub fn action_name(code: &str, zh: bool) -> Option<&'static str> {
    Some(match code {
        "staff.create" => tr(zh, "新增工作人员", "staff member added"),
        "staff.update" => tr(zh, "修改工作人员", "staff member changed"),
        "staff.disable" => tr(zh, "停用账号", "account disabled"),
        "staff.enable" => tr(zh, "重新启用账号", "account enabled"),
        "staff.password" => tr(zh, "重置密码", "password reset"),
        "device.create" => tr(zh, "登记设备", "device registered"),
        "device.revoke" => tr(zh, "停用设备", "device revoked"),
        "plugin.grants" => tr(zh, "修改插件授权", "plugin grants changed"),
        "plugin.calls" => tr(zh, "修改插件间调用授权", "plugin calls allowed changed"),
        "plugin.disable" => tr(zh, "停用插件", "plugin disabled"),
        "plugin.enable" => tr(zh, "重新启用插件", "plugin enabled"),
        "hall.update" => tr(zh, "修改大厅信息", "hall settings changed"),
        "plugin.change" => tr(zh, "在服务中修改数据", "changed through a service"),
        "audit.export" => tr(zh, "导出审计日志", "audit log exported"),
        "audit.keyed" => tr(zh, "审计日志启用密钥校验", "audit log keyed"),
        "residents.read" => tr(zh, "查看居民档案", "resident record read"),
        "residents.save" => tr(zh, "新建居民档案", "resident record created"),
        "residents.update" => tr(zh, "修改居民档案", "resident record changed"),
        _ => return None,
    })
}

fn actor_kind_name(kind: &str, zh: bool) -> &'static str {
    match kind {
        "staff" => tr(zh, "工作人员", "staff"),
        "device" => tr(zh, "设备", "device"),
        "anonymous" => tr(zh, "匿名访问者", "anonymous"),
        _ => tr(zh, "系统", "system"),
    }
}

// ---- devices page ----

async fn devices_page(State(host): State<Arc<Host>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, q.as_deref());
    if !(caller.is_admin() || caller.roles.iter().any(|r| r == "maintainer")) {
        return Ok(Redirect::to("/login?next=/admin/host/devices").into_response());
    }
    let zh = caller.lang != "en";
    let list = devices::list(&host.db).map_err(|e| ApiError::internal("listing devices", e))?;
    let rows: Vec<serde_json::Value> = list
        .iter()
        .map(|d| {
            let mut v = device_view(d, zh, host.config.utc_offset_minutes);
            v["revoked"] = d.revoked_at.is_some().into();
            v
        })
        .collect();
    let kinds: Vec<serde_json::Value> = devices::KINDS.iter().map(|k| serde_json::json!({ "value": k, "name": device_kind_name(k, zh) })).collect();
    let starts: Vec<serde_json::Value> = kiosk_pages(&host, zh).into_iter().map(|(path, name)| serde_json::json!({ "value": path, "name": name })).collect();
    let ctx = minijinja::context! { devices => ser(&rows), kinds => ser(&kinds), starts => ser(&starts) };
    Ok(Html(render_page(&host, &caller, csrf.as_deref(), tr(zh, "设备管理", "Devices"), "devices.html", ctx)).into_response())
}
