//! `linli serve`: load the plugins, start the background work, serve HTTP.

use crate::host::{Host, LoadOutcome};
use std::sync::Arc;
use std::time::Duration;

/// How often events past their retention are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// How often the notify outbox is looked at for due messages.
const NOTIFY_EVERY: Duration = Duration::from_secs(1);

/// Background work of a running host: event delivery to plugins, the
/// scheduled tick, hot reload. Dropping it stops the watcher.
pub struct Background {
    pub watcher: Option<crate::watch::PluginWatcher>,
    /// The hall's plugins shared by its hosts (PostgreSQL only).
    pub plugin_sync: Option<crate::district::PluginSync>,
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
    // Most events (a call on the screens, a ticket issued) have no plugin
    // subscribed: those cost a look at the registry, not a thread hop.
    let h = host.clone();
    let mut follow = host.bus().follow(host.bus().last_id().unwrap_or(0));
    tokio::spawn(async move {
        while let Some(ev) = follow.next().await {
            if !h.has_subscribers(&ev) {
                continue;
            }
            let hh = h.clone();
            let _ = tokio::task::spawn_blocking(move || hh.deliver_event(&ev)).await;
        }
    });

    let h = host.clone();
    tokio::spawn(async move {
        let mut t = tokio::time::interval(tick_every);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            t.tick().await;
            let h = h.clone();
            let _ = tokio::task::spawn_blocking(move || {
                h.refresh_calendar();
                h.tick_all()
            })
            .await;
        }
    });

    // Keep the event log bounded: events past their retention go, at start
    // and every ten minutes (see `[events]` in linli.toml).
    let h = host.clone();
    tokio::spawn(async move {
        let mut t = tokio::time::interval(PRUNE_EVERY);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            t.tick().await;
            let h = h.clone();
            let _ = tokio::task::spawn_blocking(move || h.prune_events()).await;
        }
    });

    // Deliver the notify outbox: due messages (new ones, and retries whose
    // backoff is over by the host's clock) through their channels.
    let h = host.clone();
    tokio::spawn(async move {
        let mut t = tokio::time::interval(NOTIFY_EVERY);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            t.tick().await;
            let h = h.clone();
            let _ = tokio::task::spawn_blocking(move || h.services.outbox.deliver_due(h.now_ms())).await;
        }
    });

    // Uploaded files no plugin keeps go once their grace period is over
    // by the host's clock (capability `files`).
    let h = host.clone();
    tokio::spawn(async move {
        let mut t = tokio::time::interval(Duration::from_secs(60));
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            t.tick().await;
            let h = h.clone();
            let _ = tokio::task::spawn_blocking(move || {
                if let Err(e) = h.services.files.sweep(h.now_ms()) {
                    tracing::error!(error = %e, "sweeping uploaded files");
                }
            })
            .await;
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
    // A district: a plugin installed on one host of the hall is loaded by
    // all (through the folder watcher above).
    let target = host.settings.read().store.postgres_target();
    let plugin_sync = match target {
        Some(target) => Some(crate::district::start(watcher.is_some().then_some(host.config.plugins_dir.as_path()), &target)?),
        None => None,
    };
    Ok(Background { watcher, plugin_sync })
}
