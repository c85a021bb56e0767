//! Sign-in and sign-out pages for staff.

use super::ApiError;
use super::shell::{render_page, tr};
use crate::auth::sessions::{self, KNOWN_DEVICE_COOKIE, LoginAttempt, LoginError};
use crate::host::Host;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "linli_session";

pub fn router() -> Router<Arc<Host>> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/login/window", get(window_page).post(window_submit))
        .route("/logout", post(logout))
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    next: Option<String>,
    lang: Option<String>,
}

fn login_form(host: &Host, headers: &HeaderMap, lang_q: Option<&str>, next: &str, error: Option<&str>) -> Response {
    let (caller, csrf) = super::resolve_caller(host, headers, lang_q);
    let zh = caller.lang != "en";
    let ctx = minijinja::context! { error => error.unwrap_or(""), next => next };
    Html(render_page(host, &caller, csrf.as_deref(), tr(zh, "登录", "Sign in"), "login.html", ctx)).into_response()
}

async fn login_page(State(host): State<Arc<Host>>, headers: HeaderMap, q: Result<Query<LoginQuery>, axum::extract::rejection::QueryRejection>) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let next = safe_next(q.next.as_deref()).unwrap_or_default();
    let lang = q.lang.map(|l| format!("lang={}", if l.starts_with("en") { "en" } else { "zh-CN" }));
    let mut r = login_form(&host, &headers, lang.as_deref(), &next, None);
    if lang.is_some() {
        // The language chosen here holds for the pages after sign-in.
        super::shell::remember_lang(&crate::auth::Caller::anonymous(&super::request_lang(&headers, lang.as_deref())), &mut r);
    }
    r
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    window: String,
    #[serde(default)]
    next: String,
}


/// Where to go after signing in: only a path on this host. The value is
/// checked as given and again after percent-decoding (twice, as some
/// browsers and proxies decode once more): no control characters (a tab or
/// line feed in `/\t/evil.example` is dropped by browsers, leaving
/// `//evil.example`), no backslash, not `//` (another host). What passes is
/// written back percent-encoded, so the `Location` header is always valid.
/// None: go to the caller's landing page.
pub fn safe_next(next: Option<&str>) -> Option<String> {
    let n = next?.trim_matches(' ');
    if n.is_empty() || n == "/" || n.len() > 2000 {
        return None;
    }
    let once = linli_shared::normalise::percent_decode(n);
    let twice = linli_shared::normalise::percent_decode(&String::from_utf8_lossy(&once));
    for form in [n.as_bytes(), &once, &twice] {
        let text = String::from_utf8_lossy(form);
        if !text.starts_with('/')
            || text.starts_with("//")
            || text.contains('\\')
            || text.chars().any(|c| c.is_control() || crate::auth::forbidden_char(c))
        {
            return None;
        }
    }
    // Keep what is already a URL character (including `%` escapes, which
    // stay as they were); encode the rest (spaces, non-ASCII).
    let mut out = String::with_capacity(n.len());
    for b in n.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/?#[]@!$&'()*+,;=:%".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Some(out)
}

/// Where a staff member starts after signing in without a `next`: a clerk
/// at the counter (the page declared for the clerk role), others on the
/// home page.
fn landing(host: &Host, roles: &[String]) -> String {
    if roles.iter().any(|r| r == "clerk") {
        let snap = host.registry.snapshot();
        if let Some((_, page)) = snap
            .pages()
            .into_iter()
            .find(|(_, p)| p.audience == crate::manifest::Audience::Staff && p.roles.iter().any(|r| r == "clerk"))
        {
            return page.path;
        }
    }
    "/".into()
}

/// A 303 to a path [`safe_next`] or [`landing`] produced.
fn see_other(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    let v = HeaderValue::from_str(to).unwrap_or_else(|_| HeaderValue::from_static("/"));
    r.headers_mut().insert(header::LOCATION, v);
    r
}

fn set_cookie(r: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

async fn login_submit(
    State(host): State<Arc<Host>>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let anon = crate::auth::Caller::anonymous("zh-CN");
    let client = super::rate::client_key(&host, &anon, &headers, &ext);
    if let Err(wait) = host.rate.check(&format!("login:{client}")) {
        return Ok(super::rate::too_many(wait));
    }
    let Ok(Form(f)) = form else {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_form", "登录表单不完整，请刷新页面后重试", "the sign-in form is incomplete; reload the page and try again"));
    };
    let next = safe_next(Some(&f.next));
    let h = host.clone();
    let known = super::cookie(&headers, KNOWN_DEVICE_COOKIE);
    let now = host.now_ms();
    let (user, pass, window) = (f.username.clone(), f.password.clone(), f.window.clone());
    let result = tokio::task::spawn_blocking(move || {
        let window = Some(window.trim()).filter(|w| !w.is_empty());
        let attempt = LoginAttempt { username: &user, password: &pass, window, client: &client, known_device: known.as_deref() };
        sessions::login(&h.db, &h.rate.logins, &attempt, now)
    })
    .await
    .map_err(|e| ApiError::internal("sign-in", e))?;
    match result {
        Ok(ok) => {
            let s = &ok.session;
            tracing::info!(staff = %s.username, window = ?s.window, "staff signed in");
            // A clerk with several assigned windows picks one of them next.
            let choose = s.window.is_none() && s.windows.len() > 1 && s.roles.iter().any(|r| r == "clerk");
            let to = next.clone().unwrap_or_else(|| landing(&host, &s.roles));
            let mut r = if choose { see_other(&format!("/login/window?next={}", super::dispatch::urlencode(&to))) } else { see_other(&to) };
            set_cookie(
                &mut r,
                &format!("{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}", ok.token, sessions::SESSION_TTL_MS / 1000),
            );
            set_cookie(&mut r, &format!("{KNOWN_DEVICE_COOKIE}={}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=31536000", ok.known_device));
            Ok(r)
        }
        Err(e) => {
            tracing::warn!(user = %f.username.chars().take(64).collect::<String>(), error = %e, "failed sign-in");
            let zh = super::request_lang(&headers, None) != "en";
            let msg = match &e {
                LoginError::BadCredentials => tr(zh, "用户名或密码错误", "Wrong user name or password").to_owned(),
                LoginError::Locked => tr(zh, "此处登录失败次数过多，请 15 分钟后再试", "Too many failed sign-ins from here; try again in 15 minutes").to_owned(),
                LoginError::Input(i) => if zh { i.zh.clone() } else { i.en.clone() },
            };
            let mut r = login_form(&host, &headers, None, next.as_deref().unwrap_or(""), Some(&msg));
            *r.status_mut() = match e {
                LoginError::Locked => StatusCode::TOO_MANY_REQUESTS,
                LoginError::BadCredentials => StatusCode::UNAUTHORIZED,
                LoginError::Input(_) => StatusCode::UNPROCESSABLE_ENTITY,
            };
            Ok(r)
        }
    }
}

#[derive(Deserialize, Default)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    window: String,
    #[serde(default)]
    next: String,
}

/// The CSRF token of a form post: the `X-CSRF-Token` header (scripts) or
/// the form's `csrf` field (plain forms).
fn given_csrf(headers: &HeaderMap, form: &CsrfForm) -> Option<String> {
    headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_owned).or_else(|| Some(form.csrf.clone()).filter(|c| !c.is_empty()))
}

fn bad_csrf() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "csrf", "请求缺少有效的 CSRF 令牌，请刷新页面后重试", "missing or wrong CSRF token; reload the page and try again")
}

/// Sign out. Needs the session's CSRF token, so another site cannot sign
/// a staff member out behind their back.
async fn logout(State(host): State<Arc<Host>>, headers: HeaderMap, form: Result<Form<CsrfForm>, FormRejection>) -> Result<Response, ApiError> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    if let Some(token) = super::cookie(&headers, SESSION_COOKIE)
        && let Ok(Some(s)) = sessions::resolve(&host.db, &token, host.now_ms())
    {
        if given_csrf(&headers, &form).as_deref() != Some(s.csrf.as_str()) {
            return Err(bad_csrf());
        }
        let _ = sessions::revoke(&host.db, &token);
    }
    let mut r = see_other("/");
    set_cookie(&mut r, "linli_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    Ok(r)
}

/// After sign-in, a clerk with several assigned windows chooses one of
/// them (instead of typing any number).
async fn window_page(State(host): State<Arc<Host>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let (caller, csrf) = super::resolve_caller(&host, &headers, q.as_deref());
    let zh = caller.lang != "en";
    let Some(s) = current_session(&host, &headers) else {
        return match caller.kind {
            crate::auth::CallerKind::Anonymous if super::dispatch::wants_html(&headers) => Ok(see_other("/login")),
            crate::auth::CallerKind::Anonymous => Err(ApiError::unauthorized()),
            _ => Err(ApiError::forbidden()),
        };
    };
    let next = q
        .as_deref()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("next=")))
        .and_then(|n| safe_next(Some(&String::from_utf8_lossy(&linli_shared::normalise::percent_decode(n)))))
        .unwrap_or_else(|| landing(&host, &s.roles));
    let ctx = minijinja::context! { windows => s.windows, csrf => csrf.as_deref().unwrap_or(""), next => next };
    Ok(Html(render_page(&host, &caller, csrf.as_deref(), tr(zh, "选择窗口", "Choose a window"), "window.html", ctx)).into_response())
}

fn current_session(host: &Host, headers: &HeaderMap) -> Option<sessions::StaffSession> {
    let token = super::cookie(headers, SESSION_COOKIE)?;
    sessions::resolve(&host.db, &token, host.now_ms()).ok().flatten()
}

async fn window_submit(State(host): State<Arc<Host>>, headers: HeaderMap, form: Result<Form<CsrfForm>, FormRejection>) -> Result<Response, ApiError> {
    let (caller, _) = super::resolve_caller(&host, &headers, None);
    let Some(s) = current_session(&host, &headers) else {
        return Err(match caller.kind {
            crate::auth::CallerKind::Anonymous => ApiError::unauthorized(),
            _ => ApiError::forbidden(),
        });
    };
    let form = form.map(|Form(f)| f).unwrap_or_default();
    if given_csrf(&headers, &form).as_deref() != Some(s.csrf.as_str()) {
        return Err(bad_csrf());
    }
    let w = form.window.trim();
    if !s.windows.iter().any(|x| x == w) {
        return Err(ApiError::from(crate::auth::InputError::new(
            "window_not_assigned",
            Some("window"),
            format!("请从分配给您的窗口中选择：{}", s.windows.join("、")),
            format!("choose one of your assigned windows: {}", s.windows.join(", ")),
        )));
    }
    let Some(token) = super::cookie(&headers, SESSION_COOKIE) else {
        return Err(ApiError::unauthorized());
    };
    sessions::set_session_window(&host.db, &token, w).map_err(|e| ApiError::internal("choosing a window", e))?;
    Ok(see_other(&safe_next(Some(&form.next)).unwrap_or_else(|| landing(&host, &s.roles))))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_a_path_on_this_host() {
        assert_eq!(safe_next(Some("/queue/counter")).as_deref(), Some("/queue/counter"));
        assert_eq!(safe_next(Some("/notices?x=1&y=%20")).as_deref(), Some("/notices?x=1&y=%20"));
        assert_eq!(safe_next(Some("/通知")).as_deref(), Some("/%E9%80%9A%E7%9F%A5"));
        for bad in [
            "/\t/evil.example",
            "/%09/evil.example",
            "/%2509/evil.example",
            "//evil.example",
            "/\\evil.example",
            "/%5Cevil.example",
            "/%2F/evil.example",
            "https://evil.example",
            "/a\nSet-Cookie: x=1",
            "/a%0d%0aSet-Cookie:x",
            "javascript:alert(1)",
            "/\u{202E}",
            "",
            "/",
        ] {
            assert_eq!(safe_next(Some(bad)), None, "{bad:?}");
        }
    }
}
