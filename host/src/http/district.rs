//! The district page (街道总览): every hall of a district on PostgreSQL with
//! its hosts and its queue figures of the day, for district supervisors
//! (role `district`, 街道主管) only; a hall's admin does not see it. The
//! figures come from the halls' event logs (what the queue announced), so
//! the page shows no resident's data.

use super::shell::{format_local, render_page, ser, tr};
use super::{ApiError, resolve_caller};
use crate::auth::{Caller, CallerKind, DISTRICT_ROLE};
use crate::district::HallFigures;
use crate::host::Host;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;

pub fn router() -> Router<Arc<Host>> {
    Router::new().route("/admin/district", get(page)).route("/api/district/overview", get(overview_json))
}

fn is_district(caller: &Caller) -> bool {
    caller.kind == CallerKind::Staff && caller.roles.iter().any(|r| r == DISTRICT_ROLE)
}

/// The halls' figures since the hall's day began, or why there are none.
async fn figures(host: &Arc<Host>) -> Result<Vec<HallFigures>, ApiError> {
    let Some(target) = host.settings.read().store.postgres_target() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_a_district",
            "本大厅单独运行（SQLite），没有接入街道的数据库；街道总览只在街道部署（PostgreSQL）中可用",
            "this hall runs on its own (SQLite), not in a district's database; the district page exists only in a district deployment (PostgreSQL)",
        ));
    };
    let now = host.now_ms();
    let since = linli_shared::time::day_start(now, host.config.utc_offset_minutes);
    tokio::task::spawn_blocking(move || crate::district::overview(&target, since, now))
        .await
        .map_err(|e| ApiError::internal("reading the district's halls", e))?
        .map_err(|e| ApiError::internal("reading the district's halls", e))
}

async fn overview_json(State(host): State<Arc<Host>>, headers: HeaderMap) -> Result<Response, ApiError> {
    let (caller, _) = resolve_caller(&host, &headers, None);
    match caller.kind {
        CallerKind::Anonymous => return Err(ApiError::unauthorized()),
        _ if !is_district(&caller) => return Err(ApiError::forbidden()),
        _ => {}
    }
    let halls = figures(&host).await?;
    super::admin::audit_log(&host, &caller, "district.view", None, Some(&format!("{} halls", halls.len())));
    Ok(Json(serde_json::json!({ "halls": halls })).into_response())
}

async fn page(State(host): State<Arc<Host>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let (caller, csrf) = resolve_caller(&host, &headers, q.as_deref());
    if !is_district(&caller) {
        return match caller.kind {
            CallerKind::Staff => Err(ApiError::forbidden()),
            _ => Ok(Redirect::to("/login?next=/admin/district").into_response()),
        };
    }
    let zh = caller.lang != "en";
    let (halls, problem) = match figures(&host).await {
        Ok(h) => (h, String::new()),
        Err(e) => (Vec::new(), if zh { e.zh } else { e.en }),
    };
    super::admin::audit_log(&host, &caller, "district.view", None, Some(&format!("{} halls", halls.len())));
    let offset = host.config.utc_offset_minutes;
    let busiest = halls.iter().map(|h| h.issued).max().unwrap_or(0).max(1);
    let rows: Vec<serde_json::Value> = halls
        .iter()
        .map(|h| {
            serde_json::json!({
                "hall": h.hall,
                "online": h.hosts_online,
                "known": h.hosts_known,
                "down": h.hosts_online == 0,
                "issued": h.issued,
                "called": h.called,
                "finished": h.finished,
                "skipped": h.skipped,
                "open": (h.issued - h.finished - h.skipped).max(0),
                "wait": h.avg_wait_min.map(|m| format!("{m:.1}")).unwrap_or_else(|| "—".into()),
                "last": h.last_event.map(|t| format_local(t, offset)).unwrap_or_else(|| "—".into()),
                // The bar of the day's tickets, as a share of the busiest hall's.
                "bar": (h.issued * 100 / busiest),
            })
        })
        .collect();
    let totals = (halls.iter().map(|h| h.issued).sum::<i64>(), halls.iter().map(|h| h.finished).sum::<i64>());
    let ctx = minijinja::context! {
        halls => ser(&rows),
        problem => problem,
        issued => totals.0,
        finished => totals.1,
        this_hall => host.settings.read().store.hall.clone(),
    };
    Ok(Html(render_page(&host, &caller, csrf.as_deref(), tr(zh, "街道总览", "District overview"), "district.html", ctx)).into_response())
}
