//! `linli serve`: load the plugins, start the background work, serve HTTP.

use crate::host::{Host, LoadOutcome};
use std::sync::Arc;
use std::time::Duration;

/// Background work of a running host: event delivery to plugins, the
/// scheduled tick, hot reload. Dropping it stops the watcher.
pub struct Background {
    pub watcher: Option<crate::watch::PluginWatcher>,
}

/// Load the plugins and start delivery, ticks and (optionally) hot reload.
pub fn start(host: &Arc<Host>, tick_every: Duration, hot_reload: bool) -> anyhow::Result<Background> {
    if host.config.plugins_dir.is_dir() {
        for outcome in host.load_all()? {
            if let LoadOutcome::Failed(msg) = outcome {
                eprintln!("⚠ {msg}");
            }
        }
    } else {
        tracing::warn!(dir = %host.config.plugins_dir.display(), "plugins directory does not exist; starting with no plugins");
    }

    // Deliver events to subscribed plugins, in id order, one at a time.
    let h = host.clone();
    let mut rx = host.bus().subscribe();
    tokio::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(ev) => {
                    let h = h.clone();
                    let _ = tokio::task::spawn_blocking(move || h.deliver_event(&ev)).await;
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(skipped = n, "event delivery to plugins fell behind; events skipped");
                }
                Err(_) => break,
            }
        }
    });

    let h = host.clone();
    tokio::spawn(async move {
        let mut t = tokio::time::interval(tick_every);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            t.tick().await;
            let h = h.clone();
            let _ = tokio::task::spawn_blocking(move || h.tick_all()).await;
        }
    });

    if let Some(dir) = host.config.content_dir.clone() {
        if dir.is_dir() {
            match crate::content::LiveContent::open(host, &dir, hot_reload) {
                Ok(c) => {
                    let _ = host.content.set(c);
                }
                // A broken folder never stops the hall: the screens keep
                // their caches and the error is in the log.
                Err(e) => tracing::error!("{e:#}"),
            }
        } else {
            tracing::warn!(dir = %dir.display(), "content folder does not exist; screens get no content");
        }
    }

    let watcher = if hot_reload && host.config.plugins_dir.is_dir() { Some(crate::watch::watch_plugins(host.clone())?) } else { None };
    Ok(Background { watcher })
}
