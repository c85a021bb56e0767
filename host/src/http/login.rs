//! Sign-in and sign-out pages for staff.

use super::shell::{esc, render_shell, tr};
use crate::auth::sessions::{self, LoginError};
use crate::host::Host;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "linli_session";

pub fn router() -> Router<Arc<Host>> {
    Router::new().route("/login", get(login_page).post(login_submit)).route("/logout", post(logout))
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    next: Option<String>,
    lang: Option<String>,
}

fn login_form(host: &Host, headers: &HeaderMap, lang_q: Option<&str>, next: &str, error: Option<&str>) -> Response {
    let (caller, csrf) = super::resolve_caller(host, headers, lang_q);
    let zh = caller.lang != "en";
    let err = error.map(|e| format!("<p class=\"alert\" role=\"alert\">{}</p>", esc(e))).unwrap_or_default();
    let body = format!(
        r#"<section class="card narrow"><h1>{title}</h1>{err}
<form method="post" action="/login">
<input type="hidden" name="next" value="{next}">
<label>{user}<input name="username" autocomplete="username" required autofocus></label>
<label>{pass}<input name="password" type="password" autocomplete="current-password" required></label>
<label>{window}<input name="window" inputmode="numeric" placeholder="{window_hint}"></label>
<button type="submit" class="primary">{submit}</button>
</form></section>"#,
        title = tr(zh, "工作人员登录", "Staff sign-in"),
        user = tr(zh, "用户名", "User name"),
        pass = tr(zh, "密码", "Password"),
        window = tr(zh, "窗口号（窗口办事员填写）", "Window (clerks)"),
        window_hint = tr(zh, "例如 3", "e.g. 3"),
        submit = tr(zh, "登录", "Sign in"),
        next = esc(next),
    );
    Html(render_shell(host, &caller, csrf.as_deref(), tr(zh, "登录", "Sign in"), &body)).into_response()
}

async fn login_page(State(host): State<Arc<Host>>, headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let next = safe_next(q.next.as_deref());
    let lang = q.lang.map(|l| format!("lang={l}"));
    login_form(&host, &headers, lang.as_deref(), &next, None)
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    window: String,
    #[serde(default)]
    next: String,
}

/// Only local paths: never redirect a signed-in user to another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

async fn login_submit(
    State(host): State<Arc<Host>>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    Form(f): Form<LoginForm>,
) -> Response {
    let anon = crate::auth::Caller::anonymous("zh-CN");
    if let Err(wait) = host.rate.check(&format!("login:{}", super::rate::client_key(&anon, &ext))) {
        return super::rate::too_many(wait);
    }
    let window = Some(f.window.trim()).filter(|w| !w.is_empty()).map(str::to_owned);
    let h = host.clone();
    let (user, pass) = (f.username.clone(), f.password.clone());
    let now = host.now_ms();
    let result = tokio::task::spawn_blocking(move || sessions::login(&h.db, &user, &pass, window.as_deref(), now)).await;
    let next = safe_next(Some(&f.next));
    match result {
        Ok(Ok((token, s))) => {
            tracing::info!(staff = %s.username, window = ?s.window, "staff signed in");
            let cookie = format!(
                "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
                sessions::SESSION_TTL_MS / 1000
            );
            let mut r = Redirect::to(&next).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Ok(Err(e)) => {
            tracing::warn!(user = %f.username, error = %e, "failed sign-in");
            let mut r = login_form(&host, &headers, None, &next, Some(&e.to_string()));
            *r.status_mut() = match e {
                LoginError::Locked => axum::http::StatusCode::TOO_MANY_REQUESTS,
                LoginError::BadCredentials => axum::http::StatusCode::UNAUTHORIZED,
            };
            r
        }
        Err(_) => super::error_json(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "服务内部错误", "internal error"),
    }
}

async fn logout(State(host): State<Arc<Host>>, headers: HeaderMap) -> Response {
    if let Some(token) = super::cookie(&headers, SESSION_COOKIE) {
        let _ = sessions::revoke(&host.db, &token);
    }
    let mut r = Redirect::to("/").into_response();
    r.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_static("linli_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"));
    r
}
