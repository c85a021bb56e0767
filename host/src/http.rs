//! The HTTP surface: one [`app`] router that tests can drive with
//! `oneshot` and `linli serve` binds to a socket.

mod content;
mod dispatch;
mod events;
mod host_api;
mod login;
pub mod shell;

use crate::host::Host;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

/// Largest request body any route accepts.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub fn app(host: Arc<Host>) -> Router {
    Router::new()
        .merge(host_api::router())
        .merge(events::router())
        .merge(login::router())
        .merge(shell::router())
        .merge(content::router())
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

/// The verified caller of a request (session cookie), with its language.
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
    (Caller::anonymous(&lang), None)
}

/// A JSON error body in both languages.
pub fn error_json(status: axum::http::StatusCode, zh: &str, en: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    (status, axum::Json(serde_json::json!({"error": {"message_zh": zh, "message_en": en}}))).into_response()
}
