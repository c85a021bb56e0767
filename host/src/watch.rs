//! Hot reload: watch the plugins directory and (re)load what changes.
//!
//! Editors and installers write files in many ways (in place, or to a
//! temporary name then renamed): events are debounced per path, and a file
//! is loaded only once it has stopped changing.

use crate::host::Host;
use notify::{EventKind, RecursiveMode, Watcher};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const DEBOUNCE: Duration = Duration::from_millis(200);

/// Keeps the watcher alive; dropping it stops watching.
pub struct PluginWatcher {
    _watcher: notify::RecommendedWatcher,
}

pub fn watch_plugins(host: Arc<Host>) -> anyhow::Result<PluginWatcher> {
    let (tx, rx) = std::sync::mpsc::channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res
            && matches!(ev.kind, EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_))
        {
            for p in ev.paths {
                let _ = tx.send(p);
            }
        }
    })?;
    watcher.watch(&host.config.plugins_dir, RecursiveMode::NonRecursive)?;
    std::thread::Builder::new().name("linli-plugin-watch".into()).spawn(move || {
        let mut pending: BTreeMap<PathBuf, Instant> = BTreeMap::new();
        loop {
            let timeout = if pending.is_empty() { Duration::from_secs(3600) } else { DEBOUNCE / 4 };
            match rx.recv_timeout(timeout) {
                Ok(p) => {
                    if p.extension().is_some_and(|x| x == "wasm") {
                        pending.insert(p, Instant::now());
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            }
            let ready: Vec<PathBuf> = pending.iter().filter(|(_, t)| t.elapsed() >= DEBOUNCE).map(|(p, _)| p.clone()).collect();
            for p in ready {
                pending.remove(&p);
                if p.exists() {
                    host.load_file(&p);
                } else {
                    host.unload_file(&p);
                }
            }
        }
    })?;
    Ok(PluginWatcher { _watcher: watcher })
}
