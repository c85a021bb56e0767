//! The HTTP surface: one [`app`] router that tests can drive with
//! `oneshot` and `linli serve` binds to a socket.

mod admin;
mod content;
mod dispatch;
mod events;
mod host_api;
mod login;
pub mod rate;
pub mod shell;

use crate::host::Host;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

/// Every route the host serves itself, with who may use it, in the same
/// terms as plugin routes: (method, path, audience, roles). The
/// authorisation matrix test walks this list; a host route missing here
/// fails that test's snapshot.
pub const HOST_ROUTES: &[(&str, &str, crate::manifest::Audience, &[&str])] = {
    use crate::manifest::Audience::{Admin, Public, Staff};
    &[
        ("GET", "/", Public, &[]),
        ("GET", "/healthz", Public, &[]),
        ("GET", "/metrics", Public, &[]),
        ("GET", "/static/linli.css", Public, &[]),
        ("GET", "/static/linli.js", Public, &[]),
        ("GET", "/login", Public, &[]),
        ("POST", "/login", Public, &[]),
        ("POST", "/logout", Public, &[]),
        ("GET", "/api/events", Public, &[]),
        ("GET", "/api/host/whoami", Public, &[]),
        ("GET", "/api/content/index", Public, &[]),
        ("GET", "/api/content/asset/{*path}", Public, &[]),
        ("GET", "/device/pair", Public, &[]),
        ("GET", "/api/host/plugins", Staff, &["maintainer"]),
        ("GET", "/admin/host/plugins", Staff, &["maintainer"]),
        ("POST", "/api/host/plugins/{id}/grants", Admin, &[]),
        ("GET", "/admin/host/content", Staff, &["editor", "supervisor", "maintainer"]),
        ("GET", "/admin/host/staff", Admin, &[]),
        ("GET", "/api/host/staff", Admin, &[]),
        ("POST", "/api/host/staff", Admin, &[]),
        ("POST", "/api/host/staff/{id}/disable", Admin, &[]),
        ("GET", "/admin/host/devices", Staff, &["maintainer"]),
        ("GET", "/api/host/devices", Staff, &["maintainer"]),
        ("POST", "/api/host/devices", Staff, &["maintainer"]),
        ("POST", "/api/host/devices/{id}/revoke", Staff, &["maintainer"]),
        ("GET", "/admin/host/audit", Staff, &["supervisor"]),
        ("GET", "/api/host/audit", Staff, &["supervisor"]),
        ("GET", "/api/host/audit.csv", Staff, &["supervisor"]),
    ]
};

/// Largest request body any route accepts.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub fn app(host: Arc<Host>) -> Router {
    Router::new()
        .merge(host_api::router())
        .merge(events::router())
        .merge(login::router())
        .merge(shell::router())
        .merge(content::router())
        .merge(admin::router())
        .fallback(dispatch::dispatch)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .with_state(host)
}

/// Language of a request: `?lang=` first, then the `lang` cookie, then
/// Accept-Language; Chinese unless English is asked for.
pub fn request_lang(headers: &axum::http::HeaderMap, query: Option<&str>) -> String {
    if let Some(q) = query
        && let Some(l) = q.split('&').find_map(|kv| kv.strip_prefix("lang="))
    {
        return norm_lang(l);
    }
    if let Some(l) = cookie(headers, "lang") {
        return norm_lang(&l);
    }
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if accept.trim_start().starts_with("en") { "en".into() } else { "zh-CN".into() }
}

fn norm_lang(l: &str) -> String {
    if l.starts_with("en") { "en".into() } else { "zh-CN".into() }
}

/// A cookie's value by name.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
}

/// The device cookie a paired kiosk or screen browser carries.
pub const DEVICE_COOKIE: &str = "linli_device";

/// The verified caller of a request (staff session cookie, or a device
/// token as `Authorization: Bearer` or the device cookie), with its
/// language. Returns the session's CSRF token for staff.
pub fn resolve_caller(host: &Host, headers: &axum::http::HeaderMap, query: Option<&str>) -> (crate::auth::Caller, Option<String>) {
    use crate::auth::{Caller, CallerKind};
    let lang = request_lang(headers, query);
    if let Some(token) = cookie(headers, crate::http::login::SESSION_COOKIE)
        && let Ok(Some(s)) = crate::auth::sessions::resolve(&host.db, &token, host.now_ms())
    {
        let caller = Caller {
            kind: CallerKind::Staff,
            id: Some(s.staff_id.to_string()),
            name: Some(s.display_name),
            roles: s.roles,
            window: s.window,
            lang,
        };
        return (caller, Some(s.csrf));
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    if let Some(token) = bearer.or_else(|| cookie(headers, DEVICE_COOKIE))
        && let Ok(Some(d)) = crate::auth::devices::resolve(&host.db, &token)
    {
        let caller = Caller {
            kind: CallerKind::Device { device_kind: d.kind },
            id: Some(d.id.to_string()),
            name: Some(d.name),
            roles: vec![],
            window: d.window,
            lang,
        };
        return (caller, None);
    }
    (Caller::anonymous(&lang), None)
}

/// Refuse unless the caller is staff holding one of `roles` (admins always
/// pass) and, for a state-changing request, sent the session's CSRF token.
pub fn require_staff(
    caller: &crate::auth::Caller,
    csrf: Option<&str>,
    headers: &axum::http::HeaderMap,
    method: &axum::http::Method,
    roles: &[&str],
) -> Result<(), axum::response::Response> {
    use axum::http::StatusCode;
    match caller.kind {
        crate::auth::CallerKind::Staff => {}
        crate::auth::CallerKind::Anonymous => return Err(error_json(StatusCode::UNAUTHORIZED, "请先登录", "please sign in")),
        _ => return Err(error_json(StatusCode::FORBIDDEN, "您没有权限访问此功能", "you are not allowed to use this")),
    }
    if !caller.is_admin() && !roles.iter().any(|r| caller.roles.iter().any(|c| c == r)) {
        return Err(error_json(StatusCode::FORBIDDEN, "您没有权限访问此功能", "you are not allowed to use this"));
    }
    let unsafe_method = !matches!(*method, axum::http::Method::GET | axum::http::Method::HEAD);
    if unsafe_method && headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) != csrf {
        return Err(error_json(StatusCode::FORBIDDEN, "请求缺少有效的 CSRF 令牌，请刷新页面后重试", "missing or wrong CSRF token; reload the page and try again"));
    }
    Ok(())
}

/// A JSON error body in both languages.
pub fn error_json(status: axum::http::StatusCode, zh: &str, en: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    (status, axum::Json(serde_json::json!({"error": {"message_zh": zh, "message_en": en}}))).into_response()
}
