//! The live content folder: loads files into an [`Index`] and keeps it in
//! step as files change, never dropping an item just because its file broke.
//!
//! A file that turns invalid (a typo, or half-written while the editor
//! saves) keeps its last good item on screen, marked stale, with the error
//! recorded; only deleting the file removes the item.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::change::Change;
use crate::error::{ContentError, ErrorCode};
use crate::index::Index;
use crate::parse::{item_id, parse_item};
use crate::parse_layout::parse_layout;
use crate::source::{Role, list_files, read_text, relative, resolve_inside, role_of};
use crate::{ContentConfig, Error};

/// The content folder and its index, kept current by the caller (or by
/// [`crate::watch`]).
#[derive(Debug)]
pub struct ContentStore {
    root: PathBuf,
    config: ContentConfig,
    index: Index,
}

impl ContentStore {
    /// Opens a content folder and loads everything in it.
    pub fn open(dir: impl AsRef<Path>, config: ContentConfig) -> Result<Self, Error> {
        let dir = dir.as_ref();
        let root = std::fs::canonicalize(dir).map_err(|source| Error::Folder {
            path: dir.to_path_buf(),
            source,
        })?;
        if !root.is_dir() {
            return Err(Error::Folder {
                path: dir.to_path_buf(),
                source: std::io::Error::other("not a directory"),
            });
        }
        let index = Index {
            utc_offset: config.utc_offset,
            ..Index::default()
        };
        let mut store = ContentStore {
            root,
            config,
            index,
        };
        store.rescan();
        Ok(store)
    }

    /// The folder, as an absolute canonical path.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The settings the store was opened with.
    pub fn config(&self) -> &ContentConfig {
        &self.config
    }

    /// The current index.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Re-reads every file, picking up additions and removals.
    pub fn rescan(&mut self) -> Change {
        let on_disk: BTreeSet<String> = list_files(&self.root).into_iter().collect();
        let known: BTreeSet<String> = self.known_files();
        let mut change = Change::default();
        for rel in known.difference(&on_disk) {
            self.forget(rel, &mut change);
        }
        for rel in &on_disk {
            self.load(rel, &mut change);
        }
        self.finish(change)
    }

    /// Re-reads one file (absolute, or relative to the folder) after it was
    /// created or modified. An image re-checks the items that show it.
    pub fn reload_file(&mut self, path: impl AsRef<Path>) -> Change {
        let mut change = Change::default();
        if let Some(rel) = self.rel(path.as_ref()) {
            self.load(&rel, &mut change);
        }
        self.finish(change)
    }

    /// Drops what came from a deleted file, or from every file under a
    /// deleted folder.
    pub fn remove_file(&mut self, path: impl AsRef<Path>) -> Change {
        let mut change = Change::default();
        if let Some(rel) = self.rel(path.as_ref()) {
            let prefix = format!("{rel}/");
            for known in self.known_files() {
                if known == rel || known.starts_with(&prefix) {
                    self.forget(&known, &mut change);
                }
            }
            self.recheck_images(&rel, &mut change);
        }
        self.finish(change)
    }

    /// Brings one path up to date whatever happened to it: reloads a file,
    /// rescans for a folder, removes what is gone.
    pub fn refresh_path(&mut self, path: impl AsRef<Path>) -> Change {
        let path = path.as_ref();
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.root.join(path)
        };
        match std::fs::symlink_metadata(&abs) {
            Ok(meta) if meta.is_dir() => self.rescan(),
            Ok(_) => self.reload_file(&abs),
            Err(_) => self.remove_file(&abs),
        }
    }

    /// The on-disk path of an asset (such as an image) named relative to the
    /// folder, refusing anything outside it; for the host to serve images.
    pub fn resolve_asset(&self, rel: &str) -> Result<PathBuf, ContentError> {
        resolve_inside(&self.root, rel)
    }

    fn rel(&self, path: &Path) -> Option<String> {
        if path.is_absolute() {
            // Watch events name paths under the canonical root; a path given
            // through a symlinked parent is canonicalised to match.
            relative(&self.root, path).or_else(|| {
                let parent = std::fs::canonicalize(path.parent()?).ok()?;
                relative(&self.root, &parent.join(path.file_name()?))
            })
        } else {
            relative(&self.root, &self.root.join(path))
        }
    }

    fn known_files(&self) -> BTreeSet<String> {
        let items = self.index.items.values().map(|i| i.path.clone());
        let layouts = self
            .index
            .layouts
            .keys()
            .map(|id| format!("screens/{id}.toml"));
        let errors = self.index.errors.keys().cloned();
        items.chain(layouts).chain(errors).collect()
    }

    fn load(&mut self, rel: &str, change: &mut Change) {
        match role_of(rel) {
            Role::Item => {
                let result = read_text(&self.root, rel, self.config.max_file_bytes)
                    .map_err(|e| vec![e])
                    .and_then(|text| parse_item(&self.root, rel, &text, &self.config));
                let id = item_id(rel);
                match result {
                    Ok(item) => {
                        if self.index.items.get(&id) != Some(&item) {
                            self.index.items.insert(id, item);
                            change.changed.push(rel.to_string());
                        }
                        self.clear_errors(rel, change);
                    }
                    Err(errs) => {
                        if let Some(old) = self.index.items.get_mut(&id).filter(|i| !i.stale) {
                            old.stale = true;
                            change.changed.push(rel.to_string());
                        }
                        self.set_errors(rel, errs, change);
                    }
                }
            }
            Role::Layout => {
                let result = read_text(&self.root, rel, self.config.max_file_bytes)
                    .map_err(|e| vec![e])
                    .and_then(|text| parse_layout(rel, &text));
                let id = layout_id(rel);
                match result {
                    Ok(layout) => {
                        if self.index.layouts.get(&id) != Some(&layout) {
                            self.index.layouts.insert(id, layout);
                            change.changed.push(rel.to_string());
                        }
                        self.clear_errors(rel, change);
                    }
                    Err(errs) => {
                        if let Some(old) = self.index.layouts.get_mut(&id).filter(|l| !l.stale) {
                            old.stale = true;
                            change.changed.push(rel.to_string());
                        }
                        self.set_errors(rel, errs, change);
                    }
                }
            }
            Role::Other => self.recheck_images(rel, change),
        }
    }

    /// An image appeared, changed or went away: reload the items showing it
    /// and those that complained about a missing image.
    fn recheck_images(&mut self, rel: &str, change: &mut Change) {
        let users: Vec<String> = self
            .index
            .items
            .values()
            .filter(|i| {
                i.image
                    .as_ref()
                    .is_some_and(|img| img.path == rel || img.path.starts_with(&format!("{rel}/")))
            })
            .map(|i| i.path.clone())
            .chain(
                self.index
                    .errors
                    .iter()
                    .filter(|(_, errs)| errs.iter().any(|e| e.code == ErrorCode::BadImage))
                    .map(|(path, _)| path.clone()),
            )
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for path in users {
            if role_of(&path) == Role::Item {
                self.load(&path, change);
            }
        }
    }

    fn forget(&mut self, rel: &str, change: &mut Change) {
        let removed_item = match role_of(rel) {
            Role::Item => self.index.items.remove(&item_id(rel)).is_some(),
            Role::Layout => self.index.layouts.remove(&layout_id(rel)).is_some(),
            Role::Other => false,
        };
        let removed_errors = self.index.errors.remove(rel).is_some();
        if removed_item || removed_errors {
            change.removed.push(rel.to_string());
        }
    }

    fn set_errors(&mut self, rel: &str, errs: Vec<ContentError>, change: &mut Change) {
        for e in &errs {
            tracing::warn!(target: "linli_content", "{e}");
        }
        change.errors.extend(errs.iter().cloned());
        if self.index.errors.get(rel) != Some(&errs) {
            self.index.errors.insert(rel.to_string(), errs);
            if !change.changed.iter().any(|c| c == rel) {
                change.changed.push(rel.to_string());
            }
        }
    }

    fn clear_errors(&mut self, rel: &str, change: &mut Change) {
        if self.index.errors.remove(rel).is_some() && !change.changed.iter().any(|c| c == rel) {
            change.changed.push(rel.to_string());
        }
    }

    fn finish(&mut self, mut change: Change) -> Change {
        if !change.changed.is_empty() || !change.removed.is_empty() {
            self.index.revision += 1;
        }
        change.revision = self.index.revision;
        change
    }
}

fn layout_id(rel: &str) -> String {
    rel.rsplit('/')
        .next()
        .and_then(|n| n.strip_suffix(".toml"))
        .unwrap_or(rel)
        .to_string()
}
