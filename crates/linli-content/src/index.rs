//! The index players fetch: every valid item and layout, plus every problem.
//!
//! This is the value the host serialises to JSON and the signage player
//! deserialises; the questions a screen asks ("what shows now, here?") are
//! answered on it with the current time passed in.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::ContentError;
use crate::item::{Item, Kind};
use crate::layout::{Layout, ZoneKind};
use crate::time::{Timestamp, UtcOffset};

/// A snapshot of the content folder.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Index {
    /// Goes up by at least one whenever anything in the index changes, so a
    /// client can tell whether what it holds is current.
    pub revision: u64,
    /// The hall's UTC offset, in which schedules are read.
    pub utc_offset: UtcOffset,
    /// Items by id (path without `.md`). Includes stale ones, see [`Item::stale`].
    pub items: BTreeMap<String, Item>,
    /// Layouts by id (file name without `.toml`).
    pub layouts: BTreeMap<String, Layout>,
    /// Problems by file path; a file listed here is either left out or shown
    /// at its last good version.
    pub errors: BTreeMap<String, Vec<ContentError>>,
}

impl Index {
    /// Items that should show on `screen` at `now`, best first: higher
    /// `priority`, then the most recently started, then by id.
    pub fn live_at(&self, now: Timestamp, screen: &str) -> Vec<&Item> {
        let mut live: Vec<&Item> = self
            .items
            .values()
            .filter(|i| i.shows_on(screen) && i.is_live(now))
            .collect();
        live.sort_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then(b.valid_from.cmp(&a.valid_from))
                .then(a.id.cmp(&b.id))
        });
        live
    }

    /// Live items for one zone of a screen, best first.
    pub fn live_in_zone(&self, now: Timestamp, screen: &str, zone: ZoneKind) -> Vec<&Item> {
        let mut live = self.live_at(now, screen);
        live.retain(|i| i.in_zone(zone));
        live
    }

    /// The emergency alert that takes over `screen` at `now`, if any: the
    /// live alert with the highest priority (then the newest).
    pub fn alert_at(&self, now: Timestamp, screen: &str) -> Option<&Item> {
        self.live_at(now, screen)
            .into_iter()
            .find(|i| i.kind == Kind::Alert)
    }

    /// Every live ticker line for `screen`, in item order.
    pub fn ticker_lines(&self, now: Timestamp, screen: &str) -> Vec<&str> {
        self.live_in_zone(now, screen, ZoneKind::Ticker)
            .into_iter()
            .flat_map(|i| {
                if i.lines.is_empty() {
                    vec![i.title.as_str()]
                } else {
                    i.lines.iter().map(String::as_str).collect()
                }
            })
            .collect()
    }

    /// How long until what [`Index::live_at`] returns may next change because
    /// of time alone (a validity edge or a schedule boundary), capped at one
    /// minute; players can sleep this long between re-evaluations.
    pub fn next_change_within(&self, now: Timestamp) -> Duration {
        let mut best = 60 - now.0.rem_euclid(60);
        for item in self.items.values() {
            for edge in [item.valid_from, item.valid_until].into_iter().flatten() {
                if edge > now {
                    best = best.min(edge.0 - now.0);
                }
            }
        }
        Duration::from_secs(u64::try_from(best.max(1)).unwrap_or(60))
    }

    /// The layout with this id.
    pub fn layout(&self, id: &str) -> Option<&Layout> {
        self.layouts.get(id)
    }

    /// Every problem, in file order.
    pub fn all_errors(&self) -> impl Iterator<Item = &ContentError> {
        self.errors.values().flatten()
    }

    /// How many problems there are in all.
    pub fn error_count(&self) -> usize {
        self.errors.values().map(Vec::len).sum()
    }
}
