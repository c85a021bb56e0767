//! `GET /api/events`: the bus as Server-Sent Events, with resume.
//!
//! Each message carries the event's stable id, so a client that reconnects
//! with `Last-Event-ID` (browsers do this by themselves) or `?after=N` first
//! gets every stored event it missed, then the live ones, none twice.

use super::resolve_caller;
use crate::host::Host;
use crate::storage::StoredEvent;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::Arc;
use tokio_stream::wrappers::ReceiverStream;

pub fn router() -> Router<Arc<Host>> {
    Router::new().route("/api/events", get(events))
}

#[derive(Deserialize, Default)]
struct EventsQuery {
    /// Comma-separated topic patterns (`queue.`, `queue.*`, `content.changed`).
    topics: Option<String>,
    /// Resume after this id (same as the Last-Event-ID header).
    after: Option<u64>,
}

async fn events(State(host): State<Arc<Host>>, headers: HeaderMap, Query(q): Query<EventsQuery>) -> impl axum::response::IntoResponse {
    let (caller, _) = resolve_caller(&host, &headers, None);
    let staff = matches!(caller.kind, crate::auth::CallerKind::Staff);
    let patterns: Vec<String> = q
        .topics
        .as_deref()
        .map(|t| t.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default();
    let header_after = headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
    // Without a resume point a client starts from now. Only staff may
    // replay the log's past; the public (screens, phones, kiosks) resume
    // within the hall's day at most.
    let start = match header_after.or(q.after) {
        Some(n) if staff => n,
        Some(n) => {
            let h = host.clone();
            let floor = tokio::task::spawn_blocking(move || h.public_replay_floor()).await.unwrap_or(0);
            n.max(floor)
        }
        None => host.bus().last_id().unwrap_or(0),
    };
    let visible = move |ev: &StoredEvent| -> bool {
        // Host events name files and errors: staff only.
        if ev.topic.starts_with("host.") && !staff {
            return false;
        }
        patterns.is_empty() || patterns.iter().any(|p| crate::bus::topic_matches(p, &ev.topic))
    };

    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Event, Infallible>>(256);
    let mut follow = host.bus().follow(start);
    tokio::spawn(async move {
        while let Some(ev) = follow.next().await {
            if visible(&ev) && tx.send(Ok(to_sse(&ev))).await.is_err() {
                break;
            }
        }
    });
    Sse::new(ReceiverStream::new(rx)).keep_alive(KeepAlive::new().interval(std::time::Duration::from_secs(15)))
}

/// The message's data is the shared envelope (`linli_shared::events`), the
/// type the signage player decodes.
fn to_sse(ev: &StoredEvent) -> Event {
    let payload: serde_json::Value = serde_json::from_str(&ev.payload).unwrap_or(serde_json::Value::Null);
    let envelope = linli_shared::events::Envelope { id: ev.id, topic: ev.topic.clone(), payload, source: ev.source.clone(), time: ev.time };
    // Serialising a struct of strings, numbers and a JSON value cannot fail;
    // an empty object keeps the stream going if it ever did.
    let data = serde_json::to_string(&envelope).unwrap_or_else(|_| "{}".to_string());
    Event::default().id(ev.id.to_string()).event("message").data(data)
}
