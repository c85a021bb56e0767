//! Routing a request to the plugin that declared its path.

use crate::runtime::bindings::ToWit;
use super::{error_json, resolve_caller};
use crate::host::Host;
use crate::registry::{Routed, audience_allows};
use crate::runtime::CallError;
use crate::runtime::bindings::types;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Response headers a plugin may not set: the host owns cookies, framing
/// and the security headers.
const FORBIDDEN_RESPONSE_HEADERS: &[&str] = &[
    "set-cookie",
    "content-length",
    "transfer-encoding",
    "connection",
    "content-security-policy",
    "x-frame-options",
    "strict-transport-security",
];

pub async fn dispatch(State(host): State<Arc<Host>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or("").to_owned();
    let (caller, csrf) = resolve_caller(&host, &parts.headers, Some(&query));
    let zh = caller.lang != "en";

    // HEAD is answered like GET (hyper sends no body for it): a plugin
    // declares GET routes only, and sees the request as a GET.
    let method = if parts.method == Method::HEAD { Method::GET } else { parts.method.clone() };
    let snapshot = host.registry.snapshot();
    let (target, params) = match snapshot.route(method.as_str(), &path) {
        Routed::Found { target, params } => (target, params),
        Routed::MethodNotAllowed { allowed } => {
            let mut r = error_json(StatusCode::METHOD_NOT_ALLOWED, "不支持此请求方法", "method not allowed");
            if let Ok(v) = HeaderValue::from_str(&allowed.join(", ")) {
                r.headers_mut().insert(header::ALLOW, v);
            }
            return r;
        }
        // A page for a browser, the error format for everyone else (an
        // API client, a script).
        Routed::NotFound if wants_html(&parts.headers) => return super::shell::not_found(&host, &caller),
        Routed::NotFound => return error_json(StatusCode::NOT_FOUND, "页面或接口不存在", "no such page or endpoint"),
    };
    drop(snapshot);

    if !audience_allows(target.route.audience, &target.route.roles, &caller) {
        return match caller.kind {
            crate::auth::CallerKind::Anonymous if wants_html(&parts.headers) => {
                axum::response::Redirect::to(&format!("/login?next={}", urlencode(&path))).into_response()
            }
            crate::auth::CallerKind::Anonymous => error_json(StatusCode::UNAUTHORIZED, "请先登录", "please sign in"),
            _ => error_json(StatusCode::FORBIDDEN, "您没有权限访问此功能", "you are not allowed to use this"),
        };
    }
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method
        && matches!(target.route.audience, crate::manifest::Audience::Public | crate::manifest::Audience::Kiosk)
        && let Err(wait) = host.rate.check(&super::rate::client_key(&host, &caller, &parts.headers, &parts.extensions))
    {
        return super::rate::too_many(wait);
    }
    if unsafe_method && let Some(expected) = &csrf {
        let given = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
        if given != Some(expected.as_str()) {
            return error_json(StatusCode::FORBIDDEN, "请求缺少有效的 CSRF 令牌，请刷新页面后重试", "missing or wrong CSRF token; reload the page and try again");
        }
    }

    // An upload route's body goes to the file store, streamed; the plugin
    // gets the file's id instead (capability `files`).
    let (upload, body) = match super::uploads::rule_for(&target.plugin, method.as_str(), &target.route.path) {
        Some(rule) => match super::uploads::receive(&host, &target.plugin, rule, &parts.headers, body, &caller).await {
            Ok(meta) => (Some(meta), axum::body::Bytes::new()),
            Err(r) => return r,
        },
        None => match axum::body::to_bytes(body, super::MAX_BODY_BYTES).await {
            Ok(b) => (None, b),
            Err(_) => return error_json(StatusCode::PAYLOAD_TOO_LARGE, "请求内容过大", "request body too large"),
        },
    };
    let mut headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "cookie" | "authorization" | "x-csrf-token" | super::uploads::FILE_HEADER))
        // `linli-*` request headers are the host's (`linli-caller-plugin`
        // on a call from another plugin): a client cannot pose as a plugin.
        .filter(|(k, _)| !k.as_str().starts_with("linli-"))
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    if let Some(meta) = &upload {
        // The body the plugin sees is empty: the client's framing does not
        // describe it.
        headers.retain(|(k, _)| k != "content-length" && k != "transfer-encoding");
        headers.push((super::uploads::FILE_HEADER.to_owned(), meta.id.clone()));
    }
    let wit_req = types::Request {
        method: method.as_str().to_owned(),
        path: path.clone(),
        route: target.route.path.clone(),
        params,
        query,
        headers,
        body: body.to_vec(),
        caller: caller.to_wit(),
    };
    let plugin = target.plugin.clone();
    let inline = if plugin.has_lane() { None } else { Inline::try_for(&plugin) };
    let result = match inline {
        // A quick plugin runs right here: no hop to a blocking thread and
        // back (two thread wake-ups, which cost more than the call itself).
        Some(_slot) => plugin.handle(&caller, wit_req),
        // Else on the plugin's lane (a plugin with its own database) or a
        // blocking thread.
        None => plugin.handle_async(&caller, wit_req).await,
    };
    if let Some(meta) = &upload {
        let ok = result.as_ref().is_ok_and(|r| r.status < 400);
        super::uploads::settle(&host, &plugin.manifest.id, meta, ok).await;
    }
    let resp = match result {
        Ok(r) => r,
        Err(e) => return plugin_error(&e, zh),
    };
    if unsafe_method && (200..300).contains(&resp.status) && audited(&target.route, &caller) {
        // What staff change through a plugin (its settings, notices, a
        // ticket issued for someone at the guide desk) is in the audit log,
        // with who and when; the window's own stream of calls is not (the
        // queue keeps each ticket's window, clerk and times itself).
        let h = host.clone();
        let (caller, route) = (caller.clone(), format!("{} {}", method.as_str(), path));
        let plugin_id = plugin.manifest.id.clone();
        let _ = tokio::task::spawn_blocking(move || {
            super::admin::audit_log(&h, &caller, "plugin.change", Some(&format!("{plugin_id}: {route}")), None);
        })
        .await;
    }
    if let Some(id) = super::uploads::serve_request(&resp.headers) {
        return super::uploads::serve(&host, &plugin, &caller, &id, &parts.headers).await;
    }
    match to_http(&plugin, resp) {
        Ok((builder, body, page_title)) => {
            let inline = page_title.is_some() && inline_script(&body);
            let built = match page_title {
                Some(title) => super::shell::page_response(&host, &caller, csrf.as_deref(), &title, builder, &body),
                None => builder.body(Body::from(body)),
            };
            let mut r = built.unwrap_or_else(|_| error_json(StatusCode::INTERNAL_SERVER_ERROR, "服务内部错误", "internal error"));
            r.extensions_mut().insert(super::PluginAnswer);
            if inline {
                // The page keeps the strict policy (relaxing it for a page
                // that shows inline script would also run script injected
                // into it); the browser refuses that script, and the log
                // says why.
                warn_inline_once(&plugin.manifest.id);
            }
            r
        }
        Err(e) => {
            plugin.record_failure("handle", &e);
            plugin_error(&e, zh)
        }
    }
}

/// Is a staff member's successful change through this route kept in the
/// audit log? Every staff write is, except on routes that window clerks
/// use (calling, finishing: hundreds an hour, each already on its ticket).
fn audited(route: &crate::manifest::Route, caller: &crate::auth::Caller) -> bool {
    matches!(caller.kind, crate::auth::CallerKind::Staff) && !route.roles.iter().any(|r| r == "clerk")
}

/// Plugin calls running on async worker threads right now.
static INLINE_CALLS: AtomicUsize = AtomicUsize::new(0);

/// A plugin call that runs on the async worker itself. Only a plugin whose
/// calls have been quick (under [`INLINE_MAX_AVG`] on average, none failing
/// lately) gets one, and at most one worker fewer than there are, so a
/// worker is always free for the network even if such a call turns slow
/// (its time limit still stops it).
struct Inline;

const INLINE_MAX_AVG: std::time::Duration = std::time::Duration::from_millis(2);

impl Inline {
    fn try_for(plugin: &crate::runtime::LoadedPlugin) -> Option<Inline> {
        // LINLI_INLINE_CALLS=0 turns this off (to compare, or to rule it out).
        static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        if !*ENABLED.get_or_init(|| std::env::var("LINLI_INLINE_CALLS").map_or(true, |v| v != "0")) {
            return None;
        }
        let workers = tokio::runtime::Handle::try_current().ok()?.metrics().num_workers();
        if workers < 2 || !plugin.is_quick(INLINE_MAX_AVG) {
            return None;
        }
        if INLINE_CALLS.fetch_add(1, Ordering::AcqRel) + 1 >= workers {
            INLINE_CALLS.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(Inline)
    }
}

impl Drop for Inline {
    fn drop(&mut self) {
        INLINE_CALLS.fetch_sub(1, Ordering::AcqRel);
    }
}

fn plugin_error(e: &CallError, _zh: bool) -> Response {
    let (status, code, zh_msg) = match e {
        CallError::Timeout { .. } => (StatusCode::GATEWAY_TIMEOUT, "plugin_timeout", "服务处理超时"),
        CallError::Memory { .. } => (StatusCode::SERVICE_UNAVAILABLE, "plugin_memory", "服务内存不足"),
        CallError::Trap { .. } => (StatusCode::INTERNAL_SERVER_ERROR, "plugin_failed", "服务运行出错"),
        CallError::BadResponse { .. } => (StatusCode::BAD_GATEWAY, "plugin_bad_response", "服务返回了无效的结果"),
        CallError::Limit { limit, .. } if limit == "time_ms" => (StatusCode::GATEWAY_TIMEOUT, "plugin_timeout", "服务处理超时"),
        CallError::Limit { limit, .. } if limit == "store" => (StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", "数据库暂时无法连接，本次操作未生效"),
        CallError::Limit { limit, .. } if limit == "storage_mib" => (StatusCode::INSUFFICIENT_STORAGE, "plugin_storage_quota", "服务的存储空间已满"),
        CallError::Limit { .. } => (StatusCode::SERVICE_UNAVAILABLE, "plugin_limit", "服务达到资源上限"),
    };
    let plugin = match e {
        CallError::Timeout { plugin, .. }
        | CallError::Memory { plugin, .. }
        | CallError::Trap { plugin, .. }
        | CallError::BadResponse { plugin, .. }
        | CallError::Limit { plugin, .. } => plugin,
    };
    // A trap's reason can carry wasm backtraces and host internals: it goes
    // to the log and the plugins page, the answer only names the plugin.
    let en = match e {
        CallError::Timeout { .. } | CallError::Memory { .. } | CallError::Limit { .. } => e.to_string(),
        CallError::Trap { .. } => format!("plugin `{plugin}` failed; the reason is in the host's log and on the plugins page"),
        CallError::BadResponse { .. } => format!("plugin `{plugin}` returned an invalid response; the reason is in the host's log and on the plugins page"),
    };
    tracing::warn!(plugin = %plugin, error = %e, "plugin call failed");
    (
        status,
        axum::Json(serde_json::json!({"error": {
            "code": code,
            "plugin": plugin,
            "message_zh": format!("{zh_msg}（插件 {plugin}），请稍后再试或联系工作人员"),
            "message_en": en,
        }})),
    )
        .into_response()
}

/// Check and convert a plugin's response: the response head, the body, and
/// the page title when the plugin asked for the shared page shell
/// (`linli-page` header).
fn to_http(plugin: &crate::runtime::LoadedPlugin, r: types::Response) -> Result<(axum::http::response::Builder, Vec<u8>, Option<String>), CallError> {
    let bad = |reason: String| CallError::BadResponse { plugin: plugin.manifest.id.clone(), reason };
    let status = StatusCode::from_u16(r.status).ok().filter(|s| s.as_u16() >= 100 && s.as_u16() <= 599 && !s.is_informational());
    let Some(status) = status else {
        return Err(bad(format!("status {} is not a valid HTTP status", r.status)));
    };
    if r.body.len() > plugin.limits.response_bytes {
        return Err(bad(format!("body of {} bytes exceeds the limit of {} bytes (limit response_bytes)", r.body.len(), plugin.limits.response_bytes)));
    }
    if r.headers.len() > 64 {
        return Err(bad(format!("{} headers; at most 64 are allowed", r.headers.len())));
    }
    let mut page = None;
    let mut builder = Response::builder().status(status);
    for (k, v) in &r.headers {
        let name = k.to_ascii_lowercase();
        if name == "linli-page" {
            page = Some(v.clone());
            continue;
        }
        if FORBIDDEN_RESPONSE_HEADERS.contains(&name.as_str()) {
            continue;
        }
        let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(v)) else {
            return Err(bad(format!("header `{k}` is not a valid HTTP header")));
        };
        builder = builder.header(n, v);
    }
    Ok((builder, r.body, page))
}

/// Whether a plugin's page fragment has script the policy will refuse: a
/// `<script>` without `src` (other than a JSON data block) or an `on…=`
/// handler attribute.
pub fn inline_script(html: &[u8]) -> bool {
    let lower = String::from_utf8_lossy(html).to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(i) = rest.find("<script") {
        let tag_end = rest[i..].find('>').map_or(rest.len(), |e| i + e);
        let tag = &rest[i..tag_end];
        if !tag.contains(" src=") && !tag.contains("application/json") {
            return true;
        }
        rest = &rest[tag_end..];
    }
    // ` onclick=`, ` onload=`…: an attribute name starting with "on".
    lower.match_indices(" on").any(|(i, _)| {
        let name: String = lower[i + 1..].chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        name.len() > 2 && lower[i + 1 + name.len()..].trim_start().starts_with('=')
    })
}

/// Say once per plugin (per process) that its pages have script the
/// browser will not run.
fn warn_inline_once(plugin: &str) {
    static SEEN: std::sync::OnceLock<parking_lot::Mutex<std::collections::HashSet<String>>> = std::sync::OnceLock::new();
    if SEEN.get_or_init(Default::default).lock().insert(plugin.to_owned()) {
        tracing::warn!(plugin, "a page of this plugin has inline script or on… handlers, which the content security policy (script-src 'self') refuses; serve it as a .js route");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn inline_script_is_found_and_data_blocks_and_files_are_not() {
        assert!(super::inline_script(b"<p>x</p><script>alert(1)</script>"));
        assert!(super::inline_script(b"<button onclick=\"go()\">"));
        assert!(super::inline_script(b"<img src=x ONERROR = 'go()'>"));
        assert!(!super::inline_script(b"<script src=\"/queue/assets/kiosk.js\"></script>"));
        assert!(!super::inline_script(b"<script type=\"application/json\" id=\"d\">{}</script>"));
        assert!(!super::inline_script("<p>请 one 到窗口</p>".as_bytes()));
    }
}

pub fn wants_html(headers: &axum::http::HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
