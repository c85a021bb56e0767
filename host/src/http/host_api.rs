//! The host's own endpoints: health, metrics, plugin status, who am I.

use super::{error_json, resolve_caller};
use crate::host::Host;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;

pub fn router() -> Router<Arc<Host>> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/host/plugins", get(plugins))
        .route("/api/host/whoami", get(whoami))
}

async fn healthz(State(host): State<Arc<Host>>) -> Response {
    let snap = host.registry.snapshot();
    let unhealthy: Vec<&str> = snap.plugins.values().filter(|p| !p.health.healthy()).map(|p| p.manifest.id.as_str()).collect();
    Json(serde_json::json!({
        "status": if unhealthy.is_empty() { "ok" } else { "degraded" },
        "plugins": snap.plugins.len(),
        "unhealthy": unhealthy,
    }))
    .into_response()
}

/// Plugin status for the admin page and for `linli plugin list`.
pub fn plugin_status(host: &Host) -> serde_json::Value {
    let snap = host.registry.snapshot();
    let plugins: Vec<_> = snap
        .plugins
        .values()
        .map(|p| {
            serde_json::json!({
                "id": p.manifest.id,
                "name_zh": p.manifest.name_zh,
                "name_en": p.manifest.name_en,
                "version": p.manifest.version,
                "file": p.file.display().to_string(),
                "sha256": p.sha256,
                "requested": p.manifest.capabilities,
                "granted": p.grants.iter().collect::<Vec<_>>(),
                "limits": p.limits,
                "routes": p.manifest.routes,
                "pages": p.manifest.pages,
                "subscriptions": p.manifest.subscriptions,
                "healthy": p.health.healthy(),
                "calls": p.health.calls.load(Ordering::Relaxed),
                "failures": p.health.failures.load(Ordering::Relaxed),
                "last_error": p.health.last_error.lock().clone(),
            })
        })
        .collect();
    let errors: Vec<_> = host.registry.errors().into_iter().map(|(file, error)| serde_json::json!({"file": file, "error": error})).collect();
    serde_json::json!({"plugins": plugins, "errors": errors})
}

async fn plugins(State(host): State<Arc<Host>>, headers: HeaderMap) -> Response {
    let (caller, _) = resolve_caller(&host, &headers, None);
    if !(caller.is_admin() || caller.roles.iter().any(|r| r == "maintainer")) {
        return error_json(StatusCode::FORBIDDEN, "仅管理员和系统维护人员可查看", "admins and maintainers only");
    }
    Json(plugin_status(&host)).into_response()
}

async fn whoami(State(host): State<Arc<Host>>, headers: HeaderMap) -> Response {
    let (caller, _) = resolve_caller(&host, &headers, None);
    Json(caller).into_response()
}

async fn metrics(State(host): State<Arc<Host>>) -> Response {
    let snap = host.registry.snapshot();
    let mut out = String::new();
    let _ = writeln!(out, "# HELP linli_plugin_calls_total Calls into each plugin.\n# TYPE linli_plugin_calls_total counter");
    for p in snap.plugins.values() {
        let _ = writeln!(out, "linli_plugin_calls_total{{plugin=\"{}\"}} {}", p.manifest.id, p.health.calls.load(Ordering::Relaxed));
    }
    let _ = writeln!(out, "# HELP linli_plugin_failures_total Failed calls (trap, timeout, memory, bad response).\n# TYPE linli_plugin_failures_total counter");
    for p in snap.plugins.values() {
        let _ = writeln!(out, "linli_plugin_failures_total{{plugin=\"{}\"}} {}", p.manifest.id, p.health.failures.load(Ordering::Relaxed));
    }
    let _ = writeln!(out, "# HELP linli_plugin_call_seconds_total Time spent in each plugin.\n# TYPE linli_plugin_call_seconds_total counter");
    for p in snap.plugins.values() {
        let _ = writeln!(out, "linli_plugin_call_seconds_total{{plugin=\"{}\"}} {:.6}", p.manifest.id, p.health.nanos.load(Ordering::Relaxed) as f64 / 1e9);
    }
    let _ = writeln!(out, "# HELP linli_plugin_host_calls_total Host calls (storage, events, log…) made by each plugin.\n# TYPE linli_plugin_host_calls_total counter");
    for p in snap.plugins.values() {
        let _ = writeln!(out, "linli_plugin_host_calls_total{{plugin=\"{}\"}} {}", p.manifest.id, p.health.host_calls.load(Ordering::Relaxed));
    }
    let _ = writeln!(out, "# HELP linli_plugin_sql_commits_total Commits of each plugin's database (calls that queue up share one).\n# TYPE linli_plugin_sql_commits_total counter");
    for p in snap.plugins.values() {
        if let Some(db) = p.sql_db() {
            let _ = writeln!(out, "linli_plugin_sql_commits_total{{plugin=\"{}\"}} {}", p.manifest.id, db.commit_count.load(Ordering::Relaxed));
        }
    }
    let _ = writeln!(out, "# HELP linli_plugin_sql_committed_calls_total Calls whose SQL changes were committed.\n# TYPE linli_plugin_sql_committed_calls_total counter");
    for p in snap.plugins.values() {
        if let Some(db) = p.sql_db() {
            let _ = writeln!(out, "linli_plugin_sql_committed_calls_total{{plugin=\"{}\"}} {}", p.manifest.id, db.committed_calls.load(Ordering::Relaxed));
        }
    }
    let _ = writeln!(out, "# HELP linli_plugin_lane_queued Calls waiting for the plugin's lane (plugins with their own database run calls one after another).\n# TYPE linli_plugin_lane_queued gauge");
    for p in snap.plugins.values() {
        if let Some(l) = p.lane_stats() {
            let _ = writeln!(out, "linli_plugin_lane_queued{{plugin=\"{}\"}} {}", p.manifest.id, l.queued.load(Ordering::Relaxed));
        }
    }
    let _ = writeln!(out, "# HELP linli_plugin_lane_busy_seconds_total Time the plugin's lane spent running and committing calls (a rate near 1 means the lane is the limit).\n# TYPE linli_plugin_lane_busy_seconds_total counter");
    for p in snap.plugins.values() {
        if let Some(l) = p.lane_stats() {
            let _ = writeln!(out, "linli_plugin_lane_busy_seconds_total{{plugin=\"{}\"}} {:.6}", p.manifest.id, l.busy_nanos.load(Ordering::Relaxed) as f64 / 1e9);
        }
    }
    let _ = writeln!(out, "# HELP linli_plugin_healthy 1 when the plugin is healthy.\n# TYPE linli_plugin_healthy gauge");
    for p in snap.plugins.values() {
        let _ = writeln!(out, "linli_plugin_healthy{{plugin=\"{}\"}} {}", p.manifest.id, u8::from(p.health.healthy()));
    }
    let _ = writeln!(out, "# HELP linli_plugin_load_errors Plugin files that failed to load.\n# TYPE linli_plugin_load_errors gauge");
    let _ = writeln!(out, "linli_plugin_load_errors {}", host.registry.errors().len());
    let _ = writeln!(out, "# HELP linli_events_last_id Id of the newest event.\n# TYPE linli_events_last_id gauge");
    let _ = writeln!(out, "linli_events_last_id {}", host.bus().last_id().unwrap_or(0));
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}
