//! What a screen shows, kept on disk: after a restart while the host is down
//! the screen comes back with the last content and calls, not blank.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::scene::{Call, Counter, ServiceWaiting};

/// The queue state worth keeping.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct QueueState {
    /// Newest first.
    pub calls: Vec<Call>,
    pub waiting: Vec<ServiceWaiting>,
    pub last_event_id: u64,
    /// A window display's window (what it serves, paused), so a restarted
    /// display shows it at once rather than waiting for the next call.
    #[serde(default)]
    pub counter: Option<Counter>,
}

pub struct DiskCache {
    dir: PathBuf,
}

impl DiskCache {
    /// A cache for one screen under `root`.
    pub fn new(root: &Path, screen: &str) -> DiskCache {
        let safe: String = screen
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        DiskCache {
            dir: root.join(safe),
        }
    }

    /// `$XDG_CACHE_HOME/linli-signage`, else `~/.cache/linli-signage`.
    pub fn default_root() -> PathBuf {
        std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(std::env::temp_dir)
            .join("linli-signage")
    }

    /// Where pictures fetched from the host are kept, by their content path.
    pub fn assets_dir(&self) -> PathBuf {
        self.dir.join("assets")
    }

    pub fn save_index(&self, index: &linli_content::Index) -> std::io::Result<()> {
        self.write(
            "index.json",
            &serde_json::to_vec(index).map_err(std::io::Error::other)?,
        )
    }

    pub fn load_index(&self) -> Option<linli_content::Index> {
        serde_json::from_slice(&std::fs::read(self.dir.join("index.json")).ok()?).ok()
    }

    pub fn save_queue(&self, state: &QueueState) -> std::io::Result<()> {
        self.write(
            "queue.json",
            &serde_json::to_vec(state).map_err(std::io::Error::other)?,
        )
    }

    pub fn load_queue(&self) -> Option<QueueState> {
        serde_json::from_slice(&std::fs::read(self.dir.join("queue.json")).ok()?).ok()
    }

    /// Write then rename, so a power cut mid-write leaves the old file whole.
    fn write(&self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let tmp = self.dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, self.dir.join(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_queue_and_index() {
        let root = std::env::temp_dir().join(format!("linli-cache-test-{}", std::process::id()));
        let cache = DiskCache::new(&root, "hall/main");
        assert!(cache.load_queue().is_none());
        let state = QueueState {
            calls: vec![Call {
                ticket: "A012".into(),
                window: "3".into(),
                event_id: 9,
                ..Default::default()
            }],
            waiting: vec![],
            last_event_id: 9,
            counter: None,
        };
        cache.save_queue(&state).expect("saved");
        let back = cache.load_queue().expect("loaded");
        assert_eq!(back.calls, state.calls);
        assert_eq!(back.last_event_id, 9);
        let index = linli_content::Index {
            revision: 3,
            ..Default::default()
        };
        cache.save_index(&index).expect("saved");
        assert_eq!(cache.load_index().map(|i| i.revision), Some(3));
        let _ = std::fs::remove_dir_all(&root);
    }
}
