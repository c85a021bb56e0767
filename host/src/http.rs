//! The HTTP surface: one [`app`] router that tests can drive with
//! `oneshot` and `linli serve` binds to a socket.

mod admin;
mod content;
mod dispatch;
mod district;
mod events;
mod fleet;
mod hall;
mod host_api;
mod login;
mod notify;
pub mod rate;
pub mod uploads;
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
    use crate::manifest::Audience::{Admin, Public, Screen, Staff};
    &[
        ("GET", "/", Public, &[]),
        ("GET", "/healthz", Public, &[]),
        ("GET", "/metrics", Staff, &["maintainer"]),
        ("GET", "/static/linli.css", Public, &[]),
        ("GET", "/static/linli.js", Public, &[]),
        ("GET", "/static/admin.js", Public, &[]),
        ("GET", "/login", Public, &[]),
        ("POST", "/login", Public, &[]),
        ("GET", "/login/window", Staff, &[]),
        ("POST", "/login/window", Staff, &[]),
        ("POST", "/logout", Public, &[]),
        ("GET", "/api/events", Public, &[]),
        ("GET", "/api/host/whoami", Public, &[]),
        ("GET", "/api/content/index", Public, &[]),
        ("GET", "/api/content/asset/{*path}", Public, &[]),
        ("GET", "/device/pair", Public, &[]),
        ("GET", "/api/host/plugins", Staff, &["maintainer"]),
        ("GET", "/admin/host/plugins", Staff, &["maintainer"]),
        ("POST", "/api/host/plugins/{id}/grants", Admin, &[]),
        ("POST", "/api/host/plugins/{id}/calls", Admin, &[]),
        ("POST", "/api/host/plugins/{id}/disable", Admin, &[]),
        ("POST", "/api/host/plugins/{id}/enable", Admin, &[]),
        ("GET", "/admin/host/content", Staff, &["editor", "supervisor", "maintainer"]),
        ("GET", "/admin/host/staff", Admin, &[]),
        ("GET", "/api/host/staff", Admin, &[]),
        ("POST", "/api/host/staff", Admin, &[]),
        ("POST", "/api/host/staff/{id}/disable", Admin, &[]),
        ("POST", "/api/host/staff/{id}/enable", Admin, &[]),
        ("POST", "/api/host/staff/{id}/update", Admin, &[]),
        ("POST", "/api/host/staff/{id}/password", Admin, &[]),
        ("GET", "/admin/host/hall", Admin, &[]),
        ("GET", "/api/host/hall", Admin, &[]),
        ("POST", "/api/host/hall", Admin, &[]),
        ("GET", "/admin/host/devices", Staff, &["maintainer"]),
        ("GET", "/api/host/devices", Staff, &["maintainer"]),
        ("POST", "/api/host/devices", Staff, &["maintainer"]),
        ("POST", "/api/host/devices/{id}/revoke", Staff, &["maintainer"]),
        ("GET", "/admin/host/audit", Staff, &["supervisor"]),
        ("GET", "/api/host/audit", Staff, &["supervisor"]),
        ("GET", "/api/host/audit.csv", Staff, &["supervisor"]),
        ("POST", "/api/host/fleet/heartbeat", Screen, &[]),
        ("POST", "/api/host/fleet/screenshot", Screen, &[]),
        ("GET", "/api/host/fleet", Staff, &["maintainer"]),
        ("POST", "/api/host/fleet/{id}/command", Staff, &["maintainer"]),
        ("GET", "/api/host/fleet/{id}/screenshot", Staff, &["maintainer"]),
        ("GET", "/admin/host/fleet", Staff, &["maintainer"]),
        ("GET", "/admin/host/notify", Staff, &["maintainer"]),
        ("GET", "/api/host/notify", Staff, &["maintainer"]),
        // The district role only: a hall's admin is refused.
        ("GET", "/admin/district", Staff, &["district"]),
        ("GET", "/api/district/overview", Staff, &["district"]),
    ]
};

/// Largest request body any route accepts.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The content security policy of every answer: scripts only from files
/// this host serves (no inline script, no `on…=` handlers), so text that
/// slipped into a page unescaped still cannot run.
pub const CSP: &str =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

pub fn app(host: Arc<Host>) -> Router {
    Router::new()
        .merge(host_api::router())
        .merge(events::router())
        .merge(login::router())
        .merge(shell::router())
        .merge(content::router())
        .merge(admin::router())
        .merge(hall::router())
        .merge(notify::router())
        .merge(district::router())
        .merge(fleet::router(&host))
        .fallback(dispatch::dispatch)
        .layer(axum::middleware::from_fn_with_state(host.clone(), refuse_dead_devices))
        .layer(axum::middleware::map_response(json_errors))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .with_state(host)
}

/// Marks an answer a plugin wrote itself: its error bodies are its own and
/// are passed on as they are.
#[derive(Clone, Copy)]
pub struct PluginAnswer;

/// Every error the host answers is JSON in one format
/// (`{"error": {"code", "message_zh", "message_en"}}`). axum's own
/// rejections (a form or path that does not parse, a method a route does
/// not have, a body over the limit…) are plain text in English that can
/// name Rust types: they are replaced here by the format's text for their
/// status.
async fn json_errors(r: axum::response::Response) -> axum::response::Response {
    let status = r.status();
    if !(status.is_client_error() || status.is_server_error()) || r.extensions().get::<PluginAnswer>().is_some() {
        return r;
    }
    let ct = r.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !(ct.is_empty() || ct.starts_with("text/plain")) {
        return r;
    }
    use axum::http::StatusCode as S;
    let (zh, en) = match status {
        S::BAD_REQUEST => ("请求格式不正确", "the request is malformed"),
        S::NOT_FOUND => ("页面或接口不存在", "no such page or endpoint"),
        S::METHOD_NOT_ALLOWED => ("不支持此请求方法", "method not allowed"),
        S::PAYLOAD_TOO_LARGE => ("请求内容过大（最多 1 兆字节）", "request body too large (at most 1 MiB)"),
        S::UNSUPPORTED_MEDIA_TYPE => ("请求内容的类型不对，应为 JSON 或表单", "wrong content type; send JSON or a form"),
        S::UNPROCESSABLE_ENTITY => ("请求内容不正确", "the request body is not valid"),
        s if s.is_client_error() => ("请求无法处理", "the request cannot be handled"),
        _ => ("服务内部错误，请稍后再试", "internal error; try again shortly"),
    };
    let mut out = error_json(status, zh, en);
    for name in [header::ALLOW, header::RETRY_AFTER, header::SET_COOKIE] {
        for v in r.headers().get_all(&name) {
            out.headers_mut().append(name.clone(), v.clone());
        }
    }
    out
}

/// A device token that no longer works (revoked, or never issued) is
/// refused at once on every route, instead of the request going on as an
/// anonymous one: a revoked kiosk must stop issuing tickets, though anyone
/// may take a ticket on the public route. Pairing again, signing in and the
/// static files stay open so the device can be set up anew.
async fn refuse_dead_devices(
    axum::extract::State(host): axum::extract::State<Arc<Host>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = req.uri().path();
    let exempt = path == "/device/pair" || path == "/login" || path == "/metrics" || path == "/healthz" || path.starts_with("/static/");
    // The device behind the credential, read once for both checks below.
    let device = if exempt { None } else { device_credential(req.headers()).map(|t| crate::auth::devices::resolve(&host.db, &t)) };
    if !exempt && credential_unreadable(&host, req.headers(), device.as_ref()) {
        return ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            "数据库暂时无法连接，本次操作未生效，请稍后再试",
            "the hall's database (PostgreSQL) cannot be reached right now; nothing was done, try again in a moment",
        )
        .into_response();
    }
    if !exempt
        && matches!(device, Some(Ok(None)))
        && !cookie(req.headers(), login::SESSION_COOKIE)
            .is_some_and(|t| matches!(crate::auth::sessions::resolve(&host.db, &t, host.now_ms()), Ok(Some(_))))
    {
        let mut r = if dispatch::wants_html(req.headers()) {
            // A paired kiosk or screen shows this on its screen.
            let caller = crate::auth::Caller::anonymous(&request_lang(req.headers(), req.uri().query()));
            let zh = caller.lang != "en";
            let html = shell::render_page(&host, &caller, None, shell::tr(zh, "此设备已停用", "Device revoked"), "revoked.html", minijinja::context! {});
            (axum::http::StatusCode::UNAUTHORIZED, axum::response::Html(html)).into_response()
        } else {
            ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "device_revoked",
                "此设备已停用或令牌无效，请联系管理员重新配对",
                "this device was revoked or its token is not valid; ask an admin to pair it again",
            )
            .into_response()
        };
        // The cookie is kept: dropping it would turn a revoked kiosk into
        // an anonymous browser that may use every public route again.
        r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return r;
    }
    next.run(req).await
}

/// A district whose database cannot be reached: the session or device a
/// request names cannot be checked. It is answered 503 rather than served
/// as an anonymous request (a clerk sent to sign in again, a kiosk taking
/// tickets as a stranger's phone). A hall alone reads its own file.
fn credential_unreadable(host: &Host, headers: &axum::http::HeaderMap, device: Option<&crate::storage::Result<Option<crate::auth::devices::Device>>>) -> bool {
    if host.db.backend() != crate::storage::host_db::Backend::Postgres {
        return false;
    }
    matches!(device, Some(Err(_)))
        || cookie(headers, login::SESSION_COOKIE).is_some_and(|t| crate::auth::sessions::resolve(&host.db, &t, host.now_ms()).is_err())
}

/// The device token a request carries: `Authorization: Bearer dev_…` or
/// the device cookie of a paired browser.
pub fn device_credential(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
        .or_else(|| cookie(headers, DEVICE_COOKIE))
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
    if let Some(token) = device_credential(headers)
        && let Ok(Some(d)) = crate::auth::devices::resolve_at(&host.db, &token, Some(host.now_ms()))
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
pub fn check_staff(
    caller: &crate::auth::Caller,
    csrf: Option<&str>,
    headers: &axum::http::HeaderMap,
    method: &axum::http::Method,
    roles: &[&str],
) -> Result<(), ApiError> {
    match caller.kind {
        crate::auth::CallerKind::Staff => {}
        crate::auth::CallerKind::Anonymous => return Err(ApiError::unauthorized()),
        _ => return Err(ApiError::forbidden()),
    }
    if !caller.is_admin() && !roles.iter().any(|r| caller.roles.iter().any(|c| c == r)) {
        return Err(ApiError::forbidden());
    }
    let unsafe_method = !matches!(*method, axum::http::Method::GET | axum::http::Method::HEAD);
    if unsafe_method && headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) != csrf {
        return Err(ApiError::csrf());
    }
    Ok(())
}

/// [`check_staff`] for handlers that still answer a plain `Response`.
pub fn require_staff(
    caller: &crate::auth::Caller,
    csrf: Option<&str>,
    headers: &axum::http::HeaderMap,
    method: &axum::http::Method,
    roles: &[&str],
) -> Result<(), axum::response::Response> {
    use axum::response::IntoResponse;
    check_staff(caller, csrf, headers, method, roles).map_err(IntoResponse::into_response)
}

/// The one error every host handler answers: a status, a stable code, the
/// message in Chinese and in English, and the field at fault when there is
/// one. Its body is `{"error": {"code", "message_zh", "message_en",
/// "field"?}}`. It never carries internal detail: [`ApiError::internal`]
/// logs the cause and answers a generic 500.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: axum::http::StatusCode,
    pub code: std::borrow::Cow<'static, str>,
    pub zh: String,
    pub en: String,
    pub field: Option<String>,
}

impl ApiError {
    /// An error with its own code.
    pub fn new(status: axum::http::StatusCode, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError { status, code: code.into(), zh: zh.into(), en: en.into(), field: None }
    }

    /// An error whose code is the usual one for its status.
    pub fn status(status: axum::http::StatusCode, zh: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError::new(status, status_code_name(status), zh, en)
    }

    /// Names the field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    pub fn unauthorized() -> ApiError {
        ApiError::status(axum::http::StatusCode::UNAUTHORIZED, "请先登录", "please sign in")
    }

    pub fn forbidden() -> ApiError {
        ApiError::status(axum::http::StatusCode::FORBIDDEN, "您没有权限访问此功能", "you are not allowed to use this")
    }

    pub fn csrf() -> ApiError {
        ApiError::status(axum::http::StatusCode::FORBIDDEN, "请求缺少有效的 CSRF 令牌，请刷新页面后重试", "missing or wrong CSRF token; reload the page and try again")
    }

    pub fn not_found(zh: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError::status(axum::http::StatusCode::NOT_FOUND, zh, en)
    }

    /// A failure inside the host (storage, a task that died): the cause is
    /// logged with `what` failed; the caller reads only a generic message.
    pub fn internal(what: &str, cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, what, "a request failed inside the host");
        ApiError::status(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "服务内部错误，请稍后再试", "internal error; try again shortly")
    }
}

impl From<&crate::auth::InputError> for ApiError {
    /// An input refused (422, or 409 for a taken user name), its field named.
    fn from(e: &crate::auth::InputError) -> ApiError {
        let status = match e.code {
            "internal" => axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "username_taken" => axum::http::StatusCode::CONFLICT,
            _ => axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        };
        ApiError { status, code: e.code.into(), zh: e.zh.clone(), en: e.en.clone(), field: e.field.clone() }
    }
}

impl From<crate::auth::InputError> for ApiError {
    fn from(e: crate::auth::InputError) -> ApiError {
        ApiError::from(&e)
    }
}

impl axum::response::IntoResponse for ApiError {
    fn into_response(self) -> axum::response::Response {
        let mut body = serde_json::json!({"error": {"code": self.code, "message_zh": self.zh, "message_en": self.en}});
        if let Some(f) = self.field {
            body["error"]["field"] = f.into();
        }
        (self.status, axum::Json(body)).into_response()
    }
}

/// The usual error code of a status.
fn status_code_name(status: axum::http::StatusCode) -> &'static str {
    use axum::http::StatusCode as S;
    match status {
        S::BAD_REQUEST => "bad_request",
        S::UNAUTHORIZED => "unauthorized",
        S::FORBIDDEN => "forbidden",
        S::NOT_FOUND => "not_found",
        S::METHOD_NOT_ALLOWED => "method_not_allowed",
        S::CONFLICT => "conflict",
        S::PAYLOAD_TOO_LARGE => "too_large",
        S::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        S::UNPROCESSABLE_ENTITY => "invalid",
        S::TOO_MANY_REQUESTS => "too_many_requests",
        s if s.is_server_error() => "internal",
        _ => "error",
    }
}

/// [`ApiError::status`] as a response, for handlers not yet returning
/// `Result<_, ApiError>`.
pub fn error_json(status: axum::http::StatusCode, zh: &str, en: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    ApiError::status(status, zh, en).into_response()
}

/// [`ApiError::new`] as a response.
pub fn error_code(status: axum::http::StatusCode, code: &'static str, zh: &str, en: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    ApiError::new(status, code, zh, en).into_response()
}

/// An input refused, with the field named (`"field"`), as 422.
pub fn input_error(e: &crate::auth::InputError) -> axum::response::Response {
    use axum::response::IntoResponse;
    ApiError::from(e).into_response()
}

#[cfg(test)]
mod tests {
    use super::ApiError;
    use axum::http::StatusCode;
    use axum::response::IntoResponse;

    async fn body(e: ApiError) -> (StatusCode, serde_json::Value) {
        let r = e.into_response();
        let status = r.status();
        let bytes = axum::body::to_bytes(r.into_body(), 64 * 1024).await.expect("body");
        (status, serde_json::from_slice(&bytes).expect("JSON"))
    }

    #[tokio::test]
    async fn an_internal_error_says_nothing_of_its_cause() {
        let (status, v) = body(ApiError::internal("reading the audit log", "SqliteFailure: disk I/O error at /var/lib/linli/host.db")).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(v, serde_json::json!({"error": {"code": "internal", "message_zh": "服务内部错误，请稍后再试", "message_en": "internal error; try again shortly"}}));
    }

    #[tokio::test]
    async fn an_input_error_names_its_field_and_a_taken_name_is_a_conflict() {
        let e = crate::auth::InputError::new("field_required", Some("name"), "请填写姓名", "Name is required");
        let (status, v) = body(ApiError::from(e)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["error"]["field"], "name");
        assert_eq!(v["error"]["message_zh"], "请填写姓名");
        let taken = crate::auth::InputError::new("username_taken", Some("username"), "用户名已被使用", "taken");
        assert_eq!(body(taken.into()).await.0, StatusCode::CONFLICT);
        let (status, v) = body(ApiError::forbidden()).await;
        assert_eq!((status, v["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
        assert!(v["error"].get("field").is_none(), "{v}");
    }
}
