//! Content for the screens: the index, the assets, and the editors' page.

use super::shell::{esc, render_shell, tr};
use super::{error_json, resolve_caller};
use crate::host::Host;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
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
async fn index(State(host): State<Arc<Host>>, headers: HeaderMap) -> Response {
    let Some(content) = host.content.get() else {
        return error_json(StatusCode::NOT_FOUND, "未配置显示屏内容目录", "no content folder is configured");
    };
    let (caller, _) = resolve_caller(&host, &headers, None);
    let store = content.store.read().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut v = serde_json::to_value(store.index()).unwrap_or_default();
    if !is_editor(&caller)
        && let Some(obj) = v.as_object_mut()
    {
        let n = store.index().error_count();
        obj.insert("errors".into(), serde_json::json!({}));
        obj.insert("error_count".into(), n.into());
    }
    axum::Json(v).into_response()
}

async fn asset(State(host): State<Arc<Host>>, Path(path): Path<String>) -> Response {
    let Some(content) = host.content.get() else {
        return error_json(StatusCode::NOT_FOUND, "未配置显示屏内容目录", "no content folder is configured");
    };
    // resolve_asset refuses `..`, absolute paths and symlinks out of the folder.
    let resolved = content.store.read().unwrap_or_else(std::sync::PoisonError::into_inner).resolve_asset(&path);
    let file = match resolved {
        Ok(p) => p,
        Err(_) => return error_json(StatusCode::NOT_FOUND, "文件不存在", "no such file"),
    };
    let mime = match file.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        _ => return error_json(StatusCode::NOT_FOUND, "文件不存在", "no such file"),
    };
    match tokio::fs::read(&file).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, "max-age=60")], bytes).into_response(),
        Err(_) => error_json(StatusCode::NOT_FOUND, "文件不存在", "no such file"),
    }
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
    let Some(content) = host.content.get() else {
        let body = format!("<section class=\"card\"><h1>{}</h1></section>", tr(zh, "未配置显示屏内容目录", "No content folder is configured"));
        return Html(render_shell(&host, &caller, csrf.as_deref(), tr(zh, "屏幕内容", "Screen content"), &body)).into_response();
    };
    let store = content.store.read().unwrap_or_else(std::sync::PoisonError::into_inner);
    let index = store.index();
    let now = Timestamp(host.now_ms() / 1000);
    let mut rows = String::new();
    for item in index.items.values() {
        let live = item.is_live(now);
        let state = if item.stale {
            format!("<td class=\"bad\">{}</td>", tr(zh, "文件有误，显示上一版", "file broken; last good version shown"))
        } else if live {
            format!("<td class=\"ok\">{}</td>", tr(zh, "正在播放", "live now"))
        } else {
            format!("<td>{}</td>", tr(zh, "已排期/已过期", "scheduled or expired"))
        };
        rows.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td>{state}<td>{}</td></tr>",
            esc(&item.path),
            kind_name(item.kind, zh),
            esc(&item.title),
            // In the hall's time, not a Unix timestamp.
            item.valid_until.map(|t| esc(&super::shell::format_local(t.0 * 1000, host.config.utc_offset_minutes))).unwrap_or_default()
        ));
    }
    let mut errors = String::new();
    for e in index.all_errors() {
        errors.push_str(&format!("<li><code>{}</code></li>", esc(&e.to_string())));
    }
    let body = format!(
        "<section class=\"card\"><h1>{title}</h1><p>{summary}</p>{errs}<table><thead><tr><th>{f}</th><th>{k}</th><th>{t}</th><th>{s}</th><th>{u}</th></tr></thead><tbody>{rows}</tbody></table></section>",
        title = tr(zh, "屏幕内容", "Screen content"),
        summary = esc(&format!(
            "{} {} · {} {} · {} {}",
            index.items.len(),
            tr(zh, "条内容", "items"),
            index.layouts.len(),
            tr(zh, "个版式", "layouts"),
            index.error_count(),
            tr(zh, "个问题", "problems")
        )),
        errs = if errors.is_empty() { String::new() } else { format!("<h2>{}</h2><ul class=\"errors\">{errors}</ul>", tr(zh, "需要修改的文件", "Files to fix")) },
        f = tr(zh, "文件", "File"),
        k = tr(zh, "类型", "Kind"),
        t = tr(zh, "标题", "Title"),
        s = tr(zh, "状态", "State"),
        u = tr(zh, "有效期至", "Valid until"),
    );
    Html(render_shell(&host, &caller, csrf.as_deref(), tr(zh, "屏幕内容", "Screen content"), &body)).into_response()
}
