//! The set of running plugins and the route table built from them.
//!
//! The registry is an immutable snapshot behind a lock: loading, replacing
//! or removing a plugin builds a new snapshot and swaps it in. A request
//! holds the `Arc` of the plugin it was routed to, so in-flight requests
//! finish on the old version while new ones reach the new version.

use crate::manifest::{Audience, Route};
use crate::runtime::LoadedPlugin;
use parking_lot::RwLock;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Where a matched route leads.
#[derive(Clone)]
pub struct RouteTarget {
    pub plugin: Arc<LoadedPlugin>,
    pub route: Route,
}

#[derive(Default)]
struct PathEntry {
    /// method → (plugin id, route index)
    methods: BTreeMap<String, (String, usize)>,
}

#[derive(Default)]
pub struct Snapshot {
    /// Every loaded plugin, the disabled ones too (the plugins page lists
    /// them); what runs is `active()`.
    pub plugins: BTreeMap<String, Arc<LoadedPlugin>>,
    /// Ids an admin disabled (loaded or not): they keep their routes'
    /// paths (so enabling one never clashes) but are routed nowhere.
    disabled: BTreeSet<String>,
    /// The routes of the active plugins only.
    router: matchit::Router<PathEntry>,
}

/// The result of routing a request.
pub enum Routed {
    Found { target: RouteTarget, params: Vec<(String, String)> },
    MethodNotAllowed { allowed: Vec<String> },
    NotFound,
}

impl Snapshot {
    /// Build the route table. `new_id` is the plugin being added, so a clash
    /// names the plugin that was there first.
    fn build(plugins: BTreeMap<String, Arc<LoadedPlugin>>, disabled: BTreeSet<String>, new_id: Option<&str>) -> Result<Snapshot, String> {
        let mut by_path: BTreeMap<String, PathEntry> = BTreeMap::new();
        for (id, p) in &plugins {
            for (i, r) in p.manifest.routes.iter().enumerate() {
                let entry = by_path.entry(r.path.clone()).or_default();
                if let Some((other, _)) = entry.methods.get(&r.method)
                    && other != id
                {
                    let existing = if Some(other.as_str()) == new_id { id } else { other };
                    return Err(format!("route `{} {}` is already served by plugin `{existing}`", r.method, r.path));
                }
                entry.methods.insert(r.method.clone(), (id.clone(), i));
            }
        }
        // Clashes are checked against every plugin, disabled or not; the
        // table that routes holds the active ones only, so a disabled
        // plugin's path answers 404 (not 405) and shadows nothing.
        let mut all = matchit::Router::new();
        let mut router = matchit::Router::new();
        for (path, entry) in by_path {
            all.insert(path.clone(), ()).map_err(|e| format!("route `{path}` clashes with a route of another plugin: {e}"))?;
            let methods: BTreeMap<String, (String, usize)> = entry.methods.into_iter().filter(|(_, (id, _))| !disabled.contains(id)).collect();
            if !methods.is_empty() {
                router.insert(path.clone(), PathEntry { methods }).map_err(|e| format!("route `{path}` clashes with a route of another plugin: {e}"))?;
            }
        }
        Ok(Snapshot { plugins, disabled, router })
    }

    /// Has an admin disabled this plugin?
    pub fn is_disabled(&self, id: &str) -> bool {
        self.disabled.contains(id)
    }

    /// The plugins that run: serve routes, show pages, get ticks and events.
    pub fn active(&self) -> impl Iterator<Item = &Arc<LoadedPlugin>> {
        self.plugins.values().filter(|p| !self.disabled.contains(&p.manifest.id))
    }

    pub fn route(&self, method: &str, path: &str) -> Routed {
        let Ok(m) = self.router.at(path) else {
            return Routed::NotFound;
        };
        let lookup = if method == "HEAD" { "GET" } else { method };
        match m.value.methods.get(lookup) {
            Some((id, i)) => match self.plugins.get(id) {
                Some(p) => Routed::Found {
                    target: RouteTarget { plugin: p.clone(), route: p.manifest.routes[*i].clone() },
                    params: m.params.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
                },
                None => Routed::NotFound,
            },
            None => Routed::MethodNotAllowed { allowed: m.value.methods.keys().cloned().collect() },
        }
    }

    /// Pages of every plugin, for the navigation of the page shell.
    pub fn pages(&self) -> Vec<(String, crate::manifest::Page)> {
        self.active()
            .flat_map(|p| p.manifest.pages.iter().map(|pg| (p.manifest.id.clone(), pg.clone())))
            .collect()
    }

    /// Plugins subscribed to `topic`.
    pub fn subscribers(&self, topic: &str) -> Vec<Arc<LoadedPlugin>> {
        self.active()
            .filter(|p| p.manifest.subscriptions.iter().any(|s| crate::bus::topic_matches(s, topic)))
            .cloned()
            .collect()
    }
}

#[derive(Default)]
pub struct Registry {
    current: RwLock<Arc<Snapshot>>,
    /// Files that failed to load, with why (kept until the file loads or goes).
    errors: RwLock<BTreeMap<String, String>>,
}

impl Registry {
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.read().clone()
    }

    /// Add or replace a plugin (by id). Fails, changing nothing, when its
    /// routes clash with another plugin's or another file holds the same id.
    pub fn install(&self, plugin: LoadedPlugin) -> Result<Option<Arc<LoadedPlugin>>, String> {
        let mut cur = self.current.write();
        let id = plugin.manifest.id.clone();
        // Another file holding this id is a clash, unless that file is gone
        // (renamed or replaced): then this is the same plugin, moved, and it
        // is swapped in without a moment of absence.
        if let Some(existing) = cur.plugins.get(&id)
            && existing.file != plugin.file
            && existing.file.exists()
        {
            return Err(format!("plugin id `{id}` is already loaded from {}", existing.file.display()));
        }
        let mut plugins = cur.plugins.clone();
        let old = plugins.get(&id).cloned();
        // One file holds one plugin: drop whatever this file held before
        // (its id may have changed between versions).
        plugins.retain(|pid, p| p.file != plugin.file && *pid != id);
        plugins.insert(id.clone(), Arc::new(plugin));
        let snap = Snapshot::build(plugins, cur.disabled.clone(), Some(&id))?;
        *cur = Arc::new(snap);
        Ok(old)
    }

    /// Remove whatever plugin was loaded from `file`.
    pub fn remove_file(&self, file: &std::path::Path) -> Option<Arc<LoadedPlugin>> {
        let mut cur = self.current.write();
        let (id, p) = cur.plugins.iter().find(|(_, p)| p.file == file).map(|(i, p)| (i.clone(), p.clone()))?;
        let mut plugins = cur.plugins.clone();
        plugins.remove(&id);
        if let Ok(snap) = Snapshot::build(plugins, cur.disabled.clone(), None) {
            *cur = Arc::new(snap);
        }
        Some(p)
    }

    /// Disable or enable a plugin by id (in memory; the host stores it).
    /// The plugin stays loaded either way, so enabling it brings its
    /// routes, pages, ticks and subscriptions back without a reload.
    pub fn set_disabled(&self, id: &str, disabled: bool) -> Result<(), String> {
        let mut cur = self.current.write();
        let mut set = cur.disabled.clone();
        if disabled {
            set.insert(id.to_owned());
        } else {
            set.remove(id);
        }
        *cur = Arc::new(Snapshot::build(cur.plugins.clone(), set, None)?);
        Ok(())
    }

    /// The disabled ids as stored, set once at start before any load.
    pub fn set_disabled_all(&self, ids: BTreeSet<String>) {
        let mut cur = self.current.write();
        if let Ok(snap) = Snapshot::build(cur.plugins.clone(), ids, None) {
            *cur = Arc::new(snap);
        }
    }

    pub fn set_error(&self, file: &str, error: Option<String>) {
        let mut e = self.errors.write();
        match error {
            Some(msg) => {
                e.insert(file.to_owned(), msg);
            }
            None => {
                e.remove(file);
            }
        }
    }

    pub fn errors(&self) -> BTreeMap<String, String> {
        self.errors.read().clone()
    }
}

/// May a caller with this audience kind and these roles use a route?
pub fn audience_allows(audience: Audience, roles_needed: &[String], caller: &crate::auth::Caller) -> bool {
    use crate::auth::CallerKind;
    match audience {
        Audience::Public => true,
        Audience::Kiosk => matches!(caller.kind, CallerKind::Device { ref device_kind } if device_kind == "kiosk") || caller.is_admin(),
        Audience::Screen => matches!(caller.kind, CallerKind::Device { ref device_kind } if device_kind == "screen") || caller.is_admin(),
        Audience::Evaluator => matches!(caller.kind, CallerKind::Device { ref device_kind } if device_kind == "evaluator") || caller.is_admin(),
        Audience::Staff => {
            matches!(caller.kind, CallerKind::Staff)
                && (roles_needed.is_empty() || caller.is_admin() || roles_needed.iter().any(|r| caller.roles.contains(r)))
        }
        Audience::Admin => caller.is_admin(),
    }
}
