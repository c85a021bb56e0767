//! Delivery of the messages plugins sent (capability `notify`), for
//! maintainers and admins: the page `/admin/host/notify` and its JSON
//! `/api/host/notify`. Phone numbers are masked in both.

use super::shell::{format_local, render_page, ser, tr};
use super::{ApiError, check_staff, resolve_caller};
use crate::host::Host;
use crate::notify::OutboxRow;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;

/// Rows shown (newest first).
const SHOWN: usize = 200;

pub fn router() -> Router<Arc<Host>> {
    Router::new().route("/admin/host/notify", get(page)).route("/api/host/notify", get(list))
}

fn allowed(caller: &crate::auth::Caller) -> bool {
    caller.is_admin() || caller.roles.iter().any(|r| r == "maintainer")
}

/// A row as the API answers it: the recipient masked, the error as it is.
fn json_row(r: &OutboxRow) -> serde_json::Value {
    serde_json::json!({
        "id": r.id,
        "plugin": r.message.plugin,
        "recipient_kind": r.message.recipient_kind,
        "recipient": r.recipient_shown(),
        "channel": r.message.channel,
        "template": r.message.template,
        "text_zh": r.message.text_zh,
        "text_en": r.message.text_en,
        "status": r.status,
        "attempts": r.attempts,
        "created_at": r.message.time,
        "next_at": r.next_at,
        "sent_at": r.sent_at,
        "last_error": r.last_error,
    })
}

async fn list(State(host): State<Arc<Host>>, headers: HeaderMap, method: Method) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, None);
    check_staff(&caller, csrf.as_deref(), &headers, &method, &["maintainer"])?;
    let h = host.clone();
    let rows = tokio::task::spawn_blocking(move || h.services.outbox.list(SHOWN)).await.map_err(|e| ApiError::internal("reading the notify outbox", e))?;
    Ok(Json(serde_json::json!({ "messages": rows.iter().map(json_row).collect::<Vec<_>>() })).into_response())
}

fn status_name(s: &str, zh: bool) -> &'static str {
    match s {
        "sent" => tr(zh, "已发送", "sent"),
        "failed" => tr(zh, "发送失败", "failed"),
        _ => tr(zh, "待发送", "pending"),
    }
}

fn channel_name(c: &str, zh: bool) -> &'static str {
    match c {
        "webhook" => tr(zh, "短信/微信网关", "gateway (webhook)"),
        "inbox" => tr(zh, "页内消息", "in-page inbox"),
        _ => tr(zh, "运行日志", "log"),
    }
}

fn kind_name(k: &str, zh: bool) -> &'static str {
    match k {
        "phone" => tr(zh, "居民手机", "resident's phone"),
        "staff" => tr(zh, "工作人员", "staff"),
        _ => tr(zh, "页内消息", "inbox"),
    }
}

/// The last error in words (the host's own text stays in the API and the
/// log; the Chinese page shows no English).
fn error_name(e: &str, zh: bool) -> String {
    if !zh {
        return e.to_owned();
    }
    if let Some(code) = e.strip_prefix("webhook answered ") {
        return format!("网关返回错误（状态 {code}）");
    }
    if e.starts_with("webhook unreachable") && (e.contains("certificate") || e.contains("UnknownIssuer")) {
        return "网关的证书不受信任：请在设置文件中为消息网关配置大厅的根证书".into();
    }
    if e.starts_with("webhook unreachable") {
        return "网关无法连接或超时".into();
    }
    if e.starts_with("no webhook_url") {
        return "设置文件中未填写网关地址".into();
    }
    "发送出错，详见运行日志".into()
}

async fn page(State(host): State<Arc<Host>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, q.as_deref());
    if !allowed(&caller) {
        return match caller.kind {
            crate::auth::CallerKind::Staff => Err(ApiError::forbidden()),
            _ => Ok(Redirect::to("/login?next=/admin/host/notify").into_response()),
        };
    }
    let zh = caller.lang != "en";
    let offset = host.config.utc_offset_minutes;
    let h = host.clone();
    let rows = tokio::task::spawn_blocking(move || h.services.outbox.list(SHOWN)).await.map_err(|e| ApiError::internal("reading the notify outbox", e))?;
    let snapshot = host.registry.snapshot();
    let plugin_name = |id: &str| match snapshot.plugins.values().find(|p| p.manifest.id == id) {
        Some(p) if zh => p.manifest.name_zh.clone(),
        Some(p) => p.manifest.name_en.clone(),
        None => id.to_owned(),
    };
    let (mut pending, mut sent, mut failed) = (0, 0, 0);
    let messages: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            match r.status.as_str() {
                "sent" => sent += 1,
                "failed" => failed += 1,
                _ => pending += 1,
            }
            serde_json::json!({
                "id": r.id,
                "time": format_local(r.message.time, offset),
                "plugin": plugin_name(&r.message.plugin),
                "kind": kind_name(&r.message.recipient_kind, zh),
                "recipient": r.recipient_shown(),
                "channel": channel_name(&r.message.channel, zh),
                "text": if zh { &r.message.text_zh } else { &r.message.text_en },
                "status_code": r.status,
                "status": status_name(&r.status, zh),
                "attempts": r.attempts,
                "next": if r.status == "pending" { format_local(r.next_at, offset) } else { String::new() },
                "sent": r.sent_at.map(|t| format_local(t, offset)).unwrap_or_default(),
                "error": r.last_error.as_deref().map(|e| error_name(e, zh)).unwrap_or_default(),
            })
        })
        .collect();
    let ctx = minijinja::context! {
        messages => ser(&messages),
        pending => pending,
        sent => sent,
        failed => failed,
        shown => SHOWN,
    };
    Ok(Html(render_page(&host, &caller, csrf.as_deref(), tr(zh, "消息发送", "Messages"), "notify.html", ctx)).into_response())
}
