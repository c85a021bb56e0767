//! 大厅信息 / Hall settings: the admin's form for the hall's name, public
//! address and service phone (see [`crate::hall`]), and its API. Every
//! change is audited.

use super::admin::audit_log;
use super::shell::{format_local, render_page, tr};
use super::{ApiError, check_staff, resolve_caller};
use crate::auth::{Field, InputError};
use crate::hall;
use crate::host::Host;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;

pub fn router() -> Router<Arc<Host>> {
    Router::new().route("/admin/host/hall", get(hall_page)).route("/api/host/hall", get(hall_get).post(hall_set))
}

fn load(host: &Host) -> Result<hall::HallInfo, ApiError> {
    hall::load(&host.db).map_err(|e| ApiError::internal("reading the hall's information", e))
}

async fn hall_get(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    check_staff(&caller, csrf.as_deref(), &headers, &method, &["admin"])?;
    let h = host.clone();
    let info = tokio::task::spawn_blocking(move || load(&h)).await.map_err(|e| ApiError::internal("reading the hall's information", e))??;
    Ok(Json(serde_json::json!({ "hall": info })).into_response())
}

/// A text field of the body; a missing one is empty (every field is
/// optional: an admin may clear one).
fn text(body: &serde_json::Map<String, serde_json::Value>, f: Field) -> Result<String, ApiError> {
    match body.get(f.name) {
        None | Some(serde_json::Value::Null) => Ok(String::new()),
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(InputError::new("field_type", Some(f.name), format!("{}应为文字", f.zh), format!("{} must be text", f.en)).into()),
    }
}

async fn hall_set(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method, body: Bytes) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    check_staff(&caller, csrf.as_deref(), &headers, &method, &["admin"])?;
    let body = match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(serde_json::Value::Object(m)) => m,
        Ok(_) => return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "body_not_object", "请求内容应为一个 JSON 对象", "the body must be a JSON object")),
        Err(_) => return Err(ApiError::new(StatusCode::BAD_REQUEST, "body_not_json", "请求内容不是有效的 JSON", "the body is not valid JSON")),
    };
    let info = hall::check(&text(&body, hall::NAME)?, &text(&body, hall::PUBLIC_URL)?, &text(&body, hall::PHONE)?)?;
    let by = caller.name.clone().or(caller.id.clone()).unwrap_or_default();
    let (h, kept, now) = (host.clone(), info.clone(), host.now_ms());
    tokio::task::spawn_blocking(move || hall::save(&h.db, &kept, &by, now))
        .await
        .map_err(|e| ApiError::internal("saving the hall's information", e))?
        .map_err(|e| ApiError::internal("saving the hall's information", e))?;
    audit_log(&host, &caller, "hall.update", Some("hall"), Some(&format!("name={} public_url={} phone={}", info.name, info.public_url, info.phone)));
    let h = host.clone();
    let info = tokio::task::spawn_blocking(move || load(&h)).await.map_err(|e| ApiError::internal("reading the hall's information", e))??;
    Ok(Json(serde_json::json!({ "hall": info })).into_response())
}

async fn hall_page(State(host): State<Arc<Host>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, q.as_deref());
    if !caller.is_admin() {
        return Ok(Redirect::to("/login?next=/admin/host/hall").into_response());
    }
    let zh = caller.lang != "en";
    let h = host.clone();
    let info = tokio::task::spawn_blocking(move || load(&h)).await.map_err(|e| ApiError::internal("reading the hall's information", e))??;
    let changed = match (&info.changed_by, info.changed_at) {
        (Some(by), Some(at)) => {
            let at = format_local(at, host.config.utc_offset_minutes);
            if zh { format!("最近由 {by} 于 {at} 修改") } else { format!("Last changed by {by} at {at}") }
        }
        _ => tr(zh, "尚未设置", "Not set yet").to_owned(),
    };
    let ctx = minijinja::context! {
        name => info.name,
        public_url => info.public_url,
        phone => info.phone,
        changed => changed,
        name_max => hall::NAME_MAX,
        url_max => hall::URL_MAX,
        phone_max => hall::PHONE_MAX,
    };
    Ok(Html(render_page(&host, &caller, csrf.as_deref(), tr(zh, "大厅信息", "Hall settings"), "hall.html", ctx)).into_response())
}
