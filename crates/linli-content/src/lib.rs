//! Content for the waiting-area screens of a Linli (邻里) service hall.
//!
//! Editors — community staff, not programmers — drop files into a content
//! folder and the screens follow within a second. This crate owns that
//! folder's format and everything needed to serve it safely:
//!
//! * **Items** are Markdown files (`**/*.md`) opening with `+++` TOML front
//!   matter: news, policy explainers, procedures, notices, ticker lines,
//!   captioned images and emergency alerts ([`Item`], [`Kind`]). The item id
//!   is the path without `.md`, so an edit replaces the same item.
//! * **Layouts** are `screens/*.toml` files placing zones on a screen in
//!   fractions of its size ([`Layout`], [`Zone`]).
//! * The **store** loads a folder into an [`Index`] and keeps it current;
//!   a file that turns invalid keeps its last good version on screen, marked
//!   stale, and every problem is a [`ContentError`] naming file, line and
//!   field in Chinese and English ([`ContentStore`]).
//! * [`watch`] follows the folder with debouncing; [`check_dir`] is
//!   `linli content check`.
//!
//! Time is always a parameter ([`Timestamp`]) and schedules are read in a
//! fixed hall offset ([`UtcOffset`], default +08:00), so tests control the
//! clock and the machine's time zone does not matter.
//!
//! ```
//! use linli_content::{ContentConfig, ContentStore, Timestamp};
//!
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../content");
//! let store = ContentStore::open(dir, ContentConfig::default()).expect("content folder");
//! let index = store.index();
//! assert_eq!(index.error_count(), 0);
//! let on_screen = index.live_at(Timestamp::now(), "hall-main");
//! println!("{} items showing; revision {}", on_screen.len(), index.revision);
//! let json = serde_json::to_string(index).expect("index is JSON");
//! assert!(json.contains("\"revision\""));
//! ```
//!
//! The host keeps the store behind a lock, lets [`watch`] keep it current,
//! serves `store.index()` as JSON and publishes each [`Change`]:
//!
//! ```
//! use std::sync::{Arc, RwLock};
//! use linli_content::{ContentConfig, ContentStore, watch};
//!
//! # let content = concat!(env!("CARGO_MANIFEST_DIR"), "/../../content");
//! let store = Arc::new(RwLock::new(ContentStore::open(content, ContentConfig::default())?));
//! let _guard = watch(store.clone(), |change| {
//!     for e in &change.errors {
//!         eprintln!("{e}"); // content/news/a.md:3: title: … / …
//!     }
//!     // publish {"revision": change.revision, ...} on the event stream
//! })?;
//! // GET /content/index → serde_json::to_string(store.read().unwrap().index())
//! # assert_eq!(store.read().unwrap().index().error_count(), 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
// A ContentError carries two messages and a hint for editors; it is built
// only on the cold path of a broken file, so boxing it buys nothing.
#![allow(clippy::result_large_err)]

pub mod calendar;
mod change;
mod check;
mod datetime;
mod doc;
mod error;
mod fields;
mod index;
mod item;
mod item_fields;
mod layout;
mod parse;
mod parse_layout;
mod schedule;
mod source;
mod store;
mod time;
mod watch;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use change::Change;
pub use check::{Report, check_dir, check_dir_with};
pub use error::{ContentError, ErrorCode};
pub use index::Index;
pub use item::{ImageFormat, ImageRef, Item, Kind};
pub use layout::{Color, Layout, Orientation, PixelRect, Zone, ZoneKind};
pub use schedule::{HourRange, Schedule};
pub use store::ContentStore;
pub use time::{LocalTime, Timestamp, UtcOffset};
pub use watch::{WatchGuard, watch};

/// Settings for reading a content folder; the host's config can embed it
/// (unknown keys are refused, so typos in the config are caught too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContentConfig {
    /// Largest Markdown or layout file read, in bytes (default 1 MiB).
    pub max_file_bytes: u64,
    /// Largest image accepted, in bytes (default 10 MiB).
    pub max_image_bytes: u64,
    /// The hall's offset from UTC, e.g. `"+08:00"` (the default).
    pub utc_offset: UtcOffset,
    /// Quiet time before a burst of file events is applied, in milliseconds
    /// (default 150).
    pub debounce_ms: u64,
}

impl Default for ContentConfig {
    fn default() -> Self {
        ContentConfig {
            max_file_bytes: 1024 * 1024,
            max_image_bytes: 10 * 1024 * 1024,
            utc_offset: UtcOffset::CHINA,
            debounce_ms: 150,
        }
    }
}

/// Failures of the folder as a whole (a bad file is a [`ContentError`]
/// inside the index instead, never an `Error`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The content folder cannot be opened.
    #[error("cannot open content folder {}: {source}", path.display())]
    Folder {
        /// The folder as given.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file watcher could not start.
    #[error("cannot watch the content folder: {0}")]
    Watch(#[from] notify::Error),
}
