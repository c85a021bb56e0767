//! The live content folder: the host keeps the index current (watched with
//! notify by `linli-content`), serves it to the screens and publishes a
//! `content.changed` event on every change, so no screen needs a restart.

use crate::host::Host;
use linli_content::{ContentConfig, ContentStore, WatchGuard};
use std::path::Path;
use std::sync::{Arc, RwLock};

/// The content store and its watcher.
pub struct LiveContent {
    pub store: Arc<RwLock<ContentStore>>,
    _guard: Option<WatchGuard>,
}

impl LiveContent {
    /// Open `dir`; with `watch`, follow it and publish each change on the bus.
    pub fn open(host: &Arc<Host>, dir: &Path, watch: bool) -> anyhow::Result<LiveContent> {
        let config = ContentConfig { utc_offset: offset(host.config.utc_offset_minutes), ..ContentConfig::default() };
        let store = ContentStore::open(dir, config).map_err(|e| anyhow::anyhow!("content folder {}: {e}", dir.display()))?;
        for e in store.index().all_errors() {
            tracing::warn!("content: {e}");
        }
        tracing::info!(items = store.index().items.len(), layouts = store.index().layouts.len(), errors = store.index().error_count(), dir = %dir.display(), "content loaded");
        let store = Arc::new(RwLock::new(store));
        // Plugins' screen items go to the zones these layouts have.
        host.services.screens.attach(store.clone());
        let guard = if watch {
            let h = host.clone();
            Some(
                linli_content::watch(store.clone(), move |change| {
                    for e in &change.errors {
                        tracing::warn!("content: {e}");
                    }
                    let payload = serde_json::to_string(change).unwrap_or_else(|_| "{}".into());
                    if let Err(e) = h.bus().publish("content.changed", &payload, "host", h.now_ms()) {
                        tracing::error!(error = %e, "could not publish content.changed");
                    }
                })
                .map_err(|e| anyhow::anyhow!("watching {}: {e}", dir.display()))?,
            )
        } else {
            None
        };
        Ok(LiveContent { store, _guard: guard })
    }
}

impl LiveContent {
    /// The index the screens read: the folder's items and layouts, plus
    /// the items of the active plugins with the `screens` capability
    /// (`plugin/<id>/<item>`); its revision goes up with either.
    pub fn served_index(&self, host: &Host) -> linli_content::Index {
        let mut index = self.store.read().unwrap_or_else(std::sync::PoisonError::into_inner).index().clone();
        let snap = host.registry.snapshot();
        let board = &host.services.screens;
        for item in board.index_items(host.services.storage.as_ref(), snap.active().map(|p| p.manifest.id.as_str()), index.utc_offset) {
            index.items.insert(item.id.clone(), item);
        }
        index.revision += board.revision();
        index
    }
}

fn offset(minutes: i32) -> linli_content::UtcOffset {
    linli_content::UtcOffset::from_minutes(minutes).unwrap_or_default()
}
