//! The host's own endpoints: health, metrics, plugin status, who am I.

use super::{ApiError, resolve_caller};
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

/// How long `/healthz` waits for the store before calling it unreachable
/// (a load balancer's check gives up after 3 s; see deploy/haproxy.cfg).
const STORE_PROBE: std::time::Duration = std::time::Duration::from_secs(2);

/// `None` when the store answers, else why not (read at most once a
/// second, see [`Host::store_probe`]). The cause goes to the log once per
/// outage, when the answer turns from yes to no.
async fn probe_store(host: &Host) -> Option<String> {
    let last = host.store_probe.lock().clone();
    if let Some((at, found)) = &last
        && at.elapsed() < std::time::Duration::from_secs(1)
    {
        return found.clone();
    }
    let storage = host.services.storage.clone();
    // One cheap read (the event log's last id) on a blocking thread: a
    // PostgreSQL that is gone may take its connect timeout to say so.
    let probe = tokio::time::timeout(STORE_PROBE, tokio::task::spawn_blocking(move || storage.last_id())).await;
    let found = match probe {
        Ok(Ok(Ok(_))) => None,
        Ok(Ok(Err(e))) => Some(e.to_string()),
        Ok(Err(e)) => Some(format!("the probe failed: {e}")),
        Err(_) => Some(format!("no answer within {} s", STORE_PROBE.as_secs())),
    };
    let was_failing = last.is_some_and(|(_, f)| f.is_some());
    if let Some(e) = &found
        && !was_failing
    {
        tracing::warn!(error = %e, "healthz: the store cannot be reached; answering 503 until it can");
    }
    *host.store_probe.lock() = Some((std::time::Instant::now(), found.clone()));
    found
}

/// 200 while the host can read its store (`status` is `degraded` when a
/// plugin is failing: the host still serves); 503 when the store (the
/// SQLite file, or a district's PostgreSQL) does not answer, so a load
/// balancer sends requests to another host of the hall instead.
async fn healthz(State(host): State<Arc<Host>>) -> Response {
    let store_error = probe_store(&host).await;
    let snap = host.registry.snapshot();
    let unhealthy: Vec<&str> = snap.plugins.values().filter(|p| !p.health.healthy()).map(|p| p.manifest.id.as_str()).collect();
    // The public answer names no server (the cause is in the log).
    if store_error.is_some() {
        let body = Json(serde_json::json!({ "status": "unavailable", "store": "unreachable", "plugins": snap.plugins.len(), "unhealthy": unhealthy }));
        return (StatusCode::SERVICE_UNAVAILABLE, body).into_response();
    }
    Json(serde_json::json!({
        "status": if unhealthy.is_empty() { "ok" } else { "degraded" },
        "store": "ok",
        "plugins": snap.plugins.len(),
        "unhealthy": unhealthy,
    }))
    .into_response()
}

/// What a plugin stores and may store: its SQL database and its key-value
/// namespace, each against its quota (`storage_mib`, `kv_mib`).
fn storage_use(host: &Host, p: &crate::runtime::plugin::LoadedPlugin) -> serde_json::Value {
    let (sql_bytes, sql_quota) = p.sql_db().map_or((0, 0), |db| db.usage());
    // The plugins' key-value data where it is kept: this host's file, or
    // in a district the hall's rows in PostgreSQL.
    let kv_bytes = host.services.storage.kv_usage(&p.manifest.id).unwrap_or(0);
    serde_json::json!({
        "sql_bytes": sql_bytes,
        "sql_quota_bytes": sql_quota,
        "kv_bytes": kv_bytes,
        "kv_quota_bytes": p.limits.kv_mib * 1024 * 1024,
    })
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
                "enabled": !snap.is_disabled(&p.manifest.id),
                "name_zh": p.manifest.name_zh,
                "name_en": p.manifest.name_en,
                "version": p.manifest.version,
                "file": p.file.display().to_string(),
                "sha256": p.sha256,
                "requested": p.manifest.capabilities,
                "granted": p.grants.iter().collect::<Vec<_>>(),
                "http_allow": p.http_allow.entries(),
                "limits": p.limits,
                "routes": p.manifest.routes,
                "pages": p.manifest.pages,
                "subscriptions": p.manifest.subscriptions,
                "healthy": p.health.healthy(),
                "calls": p.health.calls.load(Ordering::Relaxed),
                "failures": p.health.failures.load(Ordering::Relaxed),
                "last_error": p.health.last_error.lock().clone(),
                "storage": storage_use(host, p),
            })
        })
        .collect();
    let errors: Vec<_> = host.registry.errors().into_iter().map(|(file, error)| serde_json::json!({"file": file, "error": error})).collect();
    serde_json::json!({"plugins": plugins, "errors": errors})
}

fn maintainers_only() -> ApiError {
    ApiError::status(StatusCode::FORBIDDEN, "仅管理员和系统维护人员可查看", "admins and maintainers only")
}

async fn plugins(State(host): State<Arc<Host>>, headers: HeaderMap) -> Result<Response, ApiError> {
    let (caller, _) = resolve_caller(&host, &headers, None);
    if !(caller.is_admin() || caller.roles.iter().any(|r| r == "maintainer")) {
        return Err(maintainers_only());
    }
    Ok(Json(plugin_status(&host)).into_response())
}

async fn whoami(State(host): State<Arc<Host>>, headers: HeaderMap) -> Response {
    let (caller, _) = resolve_caller(&host, &headers, None);
    Json(caller).into_response()
}

/// `/metrics` is for maintainers and admins, or for a scraper that sends
/// `Authorization: Bearer` with the `[http] metrics_token` of `linli.toml`:
/// plugin names, failures and load are not for the public.
fn metrics_allowed(host: &Host, headers: &HeaderMap) -> Result<(), ApiError> {
    let token = host.settings.read().http.metrics_token.clone();
    let bearer = headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if let (Some(t), Some(b)) = (&token, bearer)
        && constant_time_eq(t.as_bytes(), b.as_bytes())
    {
        return Ok(());
    }
    let (caller, _) = resolve_caller(host, headers, None);
    match caller.kind {
        _ if caller.is_admin() || caller.roles.iter().any(|r| r == "maintainer") => Ok(()),
        crate::auth::CallerKind::Anonymous => Err(ApiError::status(StatusCode::UNAUTHORIZED, "请先登录（或使用配置的指标令牌）", "please sign in (or send the metrics token)")),
        _ => Err(maintainers_only()),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn metrics(State(host): State<Arc<Host>>, headers: HeaderMap) -> Result<Response, ApiError> {
    metrics_allowed(&host, &headers)?;
    let snap = host.registry.snapshot();
    let mut out = String::new();
    // One family of per-plugin lines; `value` is None for plugins it does
    // not apply to.
    let mut family = |name: &str, kind: &str, help: &str, value: &dyn Fn(&crate::runtime::LoadedPlugin) -> Option<String>| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for p in snap.plugins.values() {
            if let Some(v) = value(p) {
                let _ = writeln!(out, "{name}{{plugin=\"{}\"}} {v}", p.manifest.id);
            }
        }
    };
    let count = |a: &std::sync::atomic::AtomicU64| Some(a.load(Ordering::Relaxed).to_string());
    let seconds = |nanos: u64| Some(format!("{:.6}", nanos as f64 / 1e9));
    family("linli_plugin_calls_total", "counter", "Calls into each plugin.", &|p| count(&p.health.calls));
    family("linli_plugin_failures_total", "counter", "Failed calls (trap, timeout, memory, bad response).", &|p| count(&p.health.failures));
    family("linli_plugin_call_seconds_total", "counter", "Time spent in each plugin.", &|p| seconds(p.health.nanos.load(Ordering::Relaxed)));
    family("linli_plugin_host_calls_total", "counter", "Host calls (storage, events, log…) made by each plugin.", &|p| count(&p.health.host_calls));
    family("linli_plugin_sql_commits_total", "counter", "Commits of each plugin's database (calls that queue up share one).", &|p| {
        p.sql_db().map(|db| db.commit_counts().0.to_string())
    });
    family("linli_plugin_sql_committed_calls_total", "counter", "Calls whose SQL changes were committed.", &|p| p.sql_db().map(|db| db.commit_counts().1.to_string()));
    family(
        "linli_plugin_lane_queued",
        "gauge",
        "Calls waiting for the plugin's lane (plugins with their own database run calls one after another).",
        &|p| p.lane_stats().map(|l| l.queued.load(Ordering::Relaxed).to_string()),
    );
    family(
        "linli_plugin_lane_busy_seconds_total",
        "counter",
        "Time the plugin's lane spent running and committing calls (a rate near 1 means the lane is the limit).",
        &|p| p.lane_stats().and_then(|l| seconds(l.busy_nanos.load(Ordering::Relaxed))),
    );
    family("linli_plugin_healthy", "gauge", "1 when the plugin is healthy.", &|p| Some(u8::from(p.health.healthy()).to_string()));
    let _ = writeln!(out, "# HELP linli_plugin_load_errors Plugin files that failed to load.\n# TYPE linli_plugin_load_errors gauge");
    let _ = writeln!(out, "linli_plugin_load_errors {}", host.registry.errors().len());
    let _ = writeln!(out, "# HELP linli_events_last_id Id of the newest event.\n# TYPE linli_events_last_id gauge");
    let _ = writeln!(out, "linli_events_last_id {}", host.bus().last_id().unwrap_or(0));
    Ok(([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response())
}
