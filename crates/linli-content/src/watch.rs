//! Following the content folder as editors change it.
//!
//! Editors save in bursts (write a temp file, rename it over the old one,
//! touch it again), so events are gathered until the folder has been quiet
//! for the debounce time and the touched paths are then re-read once. A file
//! caught half-written simply fails to parse and keeps its last good item;
//! the write that completes it brings another event and another reload.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, PoisonError, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use crate::Error;
use crate::change::Change;
use crate::source::is_ignored_name;
use crate::store::ContentStore;

/// Keeps the folder watched; dropping it stops the watcher and its thread.
#[must_use = "the folder is only watched while the guard is alive"]
pub struct WatchGuard {
    watcher: Option<RecommendedWatcher>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        // Dropping the watcher drops the channel's sender, which ends the thread.
        self.watcher.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

enum Msg {
    Event(notify::Result<notify::Event>),
    Rescan,
}

/// Watches the store's folder and applies every change to the store;
/// `on_change` runs (outside the lock) after each batch that changed the
/// index or found problems, e.g. to publish an event to the screens.
///
/// Changes reach the index within the debounce time (150 ms by default) of
/// the last event of a burst, and at most four debounce times after the first.
pub fn watch<F>(store: Arc<RwLock<ContentStore>>, mut on_change: F) -> Result<WatchGuard, Error>
where
    F: FnMut(&Change) + Send + 'static,
{
    let (root, debounce) = {
        let s = store.read().unwrap_or_else(PoisonError::into_inner);
        (
            s.root().to_path_buf(),
            Duration::from_millis(s.config().debounce_ms.max(1)),
        )
    };
    let (tx, rx) = mpsc::channel();
    let event_tx = tx.clone();
    let mut watcher = notify::recommended_watcher(move |ev| {
        let _ = event_tx.send(Msg::Event(ev));
    })?;
    watcher.watch(&root, RecursiveMode::Recursive)?;
    // Files changed between opening the store and starting the watcher would
    // otherwise go unnoticed until touched again.
    let _ = tx.send(Msg::Rescan);
    drop(tx);

    let thread = std::thread::Builder::new()
        .name("linli-content-watch".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut batch = Batch::default();
                batch.add(first);
                let started = Instant::now();
                let mut open = true;
                while started.elapsed() < debounce * 4 {
                    match rx.recv_timeout(debounce) {
                        Ok(msg) => batch.add(msg),
                        Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => {
                            open = false;
                            break;
                        }
                    }
                }
                let change = batch.apply(&store);
                if !change.is_empty() {
                    on_change(&change);
                }
                if !open {
                    break;
                }
            }
        })
        .map_err(|source| Error::Folder {
            path: root.clone(),
            source,
        })?;
    Ok(WatchGuard {
        watcher: Some(watcher),
        thread: Some(thread),
    })
}

#[derive(Default)]
struct Batch {
    paths: BTreeSet<PathBuf>,
    rescan: bool,
}

impl Batch {
    fn add(&mut self, msg: Msg) {
        let event = match msg {
            Msg::Rescan | Msg::Event(Err(_)) => {
                self.rescan = true;
                return;
            }
            Msg::Event(Ok(event)) => event,
        };
        if event.need_rescan() {
            self.rescan = true;
        }
        match event.kind {
            // Reads and opens change nothing; closing after a write does.
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => {}
            EventKind::Access(_) => return,
            _ => {}
        }
        for path in event.paths {
            let ignored = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_ignored_name);
            if !ignored {
                self.paths.insert(path);
            }
        }
    }

    fn apply(self, store: &RwLock<ContentStore>) -> Change {
        let mut store = store.write().unwrap_or_else(PoisonError::into_inner);
        if self.rescan {
            return store.rescan();
        }
        let mut all = Change::default();
        for path in self.paths {
            all.merge(store.refresh_path(&path));
        }
        all.revision = store.index().revision;
        all
    }
}
