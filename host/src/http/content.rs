//! Content for the screens: the index, the assets, and the editors' page.

use super::shell::{render_page, ser, tr};
use super::{ApiError, resolve_caller};
use crate::host::Host;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use linli_content::Timestamp;
use std::sync::Arc;

pub fn router() -> Router<Arc<Host>> {
    Router::new()
        .route("/api/content/index", get(index))
        .route("/api/content/asset/{*path}", get(asset))
        .route("/admin/host/content", get(page))
}

fn is_editor(caller: &crate::auth::Caller) -> bool {
    caller.is_admin() || caller.roles.iter().any(|r| r == "editor" || r == "supervisor" || r == "maintainer")
}

/// The whole index: what every screen shows is public; the list of file
/// problems is for editors only.
fn no_content_folder() -> ApiError {
    ApiError::not_found("未配置显示屏内容目录", "no content folder is configured")
}

fn no_such_file() -> ApiError {
    ApiError::not_found("文件不存在", "no such file")
}

async fn index(State(host): State<Arc<Host>>, headers: HeaderMap) -> Result<Response, ApiError> {
    let content = host.content.get().ok_or_else(no_content_folder)?;
    let (caller, _) = resolve_caller(&host, &headers, None);
    // The folder's items and the plugins' screen items, one index.
    let index = content.served_index(&host);
    let mut v = serde_json::to_value(&index).unwrap_or_default();
    if !is_editor(&caller)
        && let Some(obj) = v.as_object_mut()
    {
        let n = index.error_count();
        obj.insert("errors".into(), serde_json::json!({}));
        obj.insert("error_count".into(), n.into());
    }
    Ok(axum::Json(v).into_response())
}

async fn asset(State(host): State<Arc<Host>>, Path(path): Path<String>) -> Result<Response, ApiError> {
    let content = host.content.get().ok_or_else(no_content_folder)?;
    // resolve_asset refuses `..`, absolute paths and symlinks out of the folder.
    let resolved = content.store.read().unwrap_or_else(std::sync::PoisonError::into_inner).resolve_asset(&path);
    let file = resolved.map_err(|_| no_such_file())?;
    let mime = match file.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        _ => return Err(no_such_file()),
    };
    let bytes = tokio::fs::read(&file).await.map_err(|_| no_such_file())?;
    Ok(([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, "max-age=60")], bytes).into_response())
}

/// A content kind as editors read it.
fn kind_name(k: linli_content::Kind, zh: bool) -> &'static str {
    use linli_content::Kind;
    match k {
        Kind::News => tr(zh, "社区新闻", "news"),
        Kind::Policy => tr(zh, "政策解读", "policy"),
        Kind::Procedure => tr(zh, "办事流程", "procedure"),
        Kind::Notice => tr(zh, "通知公告", "notice"),
        Kind::Ticker => tr(zh, "滚动字幕", "ticker"),
        Kind::Image => tr(zh, "图片", "image"),
        Kind::Alert => tr(zh, "紧急通知", "alert"),
    }
}

/// The content-status page: items, what is live now, what is scheduled,
/// and every file's errors.
async fn page(State(host): State<Arc<Host>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let (caller, csrf) = resolve_caller(&host, &headers, q.as_deref());
    if !is_editor(&caller) {
        return axum::response::Redirect::to("/login?next=/admin/host/content").into_response();
    }
    let zh = caller.lang != "en";
    let title = tr(zh, "屏幕内容", "Screen content");
    let Some(content) = host.content.get() else {
        return Html(render_page(&host, &caller, csrf.as_deref(), title, "content.html", minijinja::context! { configured => false })).into_response();
    };
    // What the screens show, plugins' items (`plugin/<id>/…`) included.
    let index = &content.served_index(&host);
    let now = Timestamp(host.now_ms() / 1000);
    let items: Vec<serde_json::Value> = index
        .items
        .values()
        .map(|item| {
            serde_json::json!({
                "path": item.path,
                "kind": kind_name(item.kind, zh),
                "title": item.title,
                "state": if item.stale { "stale" } else if item.is_live(now) { "live" } else { "other" },
                // In the hall's time, not a Unix timestamp.
                "until": item.valid_until.map(|t| super::shell::format_local(t.0 * 1000, host.config.utc_offset_minutes)).unwrap_or_default(),
            })
        })
        .collect();
    let errors: Vec<String> = index.all_errors().map(|e| e.to_string()).collect();
    let ctx = minijinja::context! {
        configured => true,
        items => ser(&items),
        layouts => index.layouts.len(),
        problems => index.error_count(),
        errors => errors,
    };
    Html(render_page(&host, &caller, csrf.as_deref(), title, "content.html", ctx)).into_response()
}
