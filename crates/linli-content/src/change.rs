//! What one update of the content folder did: the payload of the host's
//! `content` change event, so every screen refetches without a restart.

use serde::{Deserialize, Serialize};

use crate::error::ContentError;

/// What one update did, for the host to log and put on the event stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The index revision after the update.
    pub revision: u64,
    /// Files (relative paths) whose item or layout was added, replaced or
    /// marked stale.
    pub changed: Vec<String>,
    /// Files whose item or layout was removed because the file is gone.
    pub removed: Vec<String>,
    /// The problems now found in the files this update looked at.
    pub errors: Vec<ContentError>,
}

impl Change {
    /// Whether nothing changed and nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.removed.is_empty() && self.errors.is_empty()
    }

    /// Folds a later change into this one (the revision is the later one's).
    pub fn merge(&mut self, later: Change) {
        self.revision = later.revision;
        for (mine, theirs) in [
            (&mut self.changed, later.changed),
            (&mut self.removed, later.removed),
        ] {
            mine.extend(theirs);
            mine.sort();
            mine.dedup();
        }
        self.errors.extend(later.errors);
    }
}
