//! `screens`: items a plugin shows on the waiting-area screens, merged into
//! the index the content folder feeds (`/api/content/index`), so the player
//! shows them without knowing the plugin.
//!
//! A call's publishes and withdrawals are held in its [`CallState`] and
//! applied only when its changes are kept (with the lane's group commit, or
//! at once for a call off the lane); a call that traps changes nothing.
//! The items are kept per plugin in the host's store (namespace
//! [`STORE_NS`], one JSON list per plugin), so they survive a restart; a
//! disabled or unloaded plugin's items stay stored but leave the index.

use super::*;
use crate::runtime::bindings::linli::plugin::screens;
use linli_content::{ContentStore, Item, Kind, Schedule, Timestamp, ZoneKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Items one plugin may have on the screens at once.
pub const MAX_ITEMS_PER_PLUGIN: usize = 200;
/// Longest id, in characters.
pub const MAX_ID_CHARS: usize = 100;
/// Longest title, in characters (a screen shows one or two lines).
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest body, in characters.
pub const MAX_BODY_CHARS: usize = 4_000;
/// The host store's namespace for published items (a plugin id never has
/// a colon, so no plugin's key-value space is this one).
pub const STORE_NS: &str = "host:screens";
/// Zones that show items; the others (calls, clock, qr…) draw the host's own.
const ITEM_ZONES: [ZoneKind; 2] = [ZoneKind::Carousel, ZoneKind::Ticker];
/// Kinds a plugin may publish: alerts take the screens over and images are
/// files of the content folder, both the editors' alone.
const ITEM_KINDS: [Kind; 5] = [Kind::News, Kind::Notice, Kind::Policy, Kind::Procedure, Kind::Ticker];

/// One published item, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreenItem {
    pub id: String,
    pub zone: ZoneKind,
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub valid_from_ms: Option<i64>,
    pub valid_until_ms: Option<i64>,
    pub priority: i32,
}

impl ScreenItem {
    /// As the player reads it: id and path `plugin/<plugin>/<id>`, so it
    /// never clashes with a file of the content folder.
    pub fn to_item(&self, plugin: &str, utc_offset: linli_content::UtcOffset) -> Item {
        let id = format!("plugin/{plugin}/{}", self.id);
        Item {
            id: id.clone(),
            path: id,
            kind: self.kind,
            title: self.title.clone(),
            lang: "zh-CN".into(),
            valid_from: self.valid_from_ms.map(|ms| Timestamp(ms.div_euclid(1000))),
            // Rounded up: an item never ends before the moment it was given.
            valid_until: self.valid_until_ms.map(|ms| Timestamp(ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) != 0))),
            schedule: Schedule::default(),
            priority: self.priority,
            screens: Vec::new(),
            zones: vec![self.zone],
            duration: self.kind.default_duration(),
            body: self.body.clone(),
            lines: Vec::new(),
            image: None,
            caption: None,
            service: None,
            guide: None,
            utc_offset,
            stale: false,
        }
    }
}

/// A change a call made, applied when the call's changes are kept.
#[derive(Debug, Clone)]
pub enum ScreenOp {
    Publish(ScreenItem),
    Withdraw(String),
}

impl ScreenOp {
    fn id(&self) -> &str {
        match self {
            ScreenOp::Publish(i) => &i.id,
            ScreenOp::Withdraw(id) => id,
        }
    }
}

/// Every plugin's published items, and where to find the layouts.
#[derive(Default)]
pub struct Board {
    /// The live content folder (its layouts name the zones there are).
    content: std::sync::OnceLock<Arc<std::sync::RwLock<ContentStore>>>,
    /// Zones used when there is no content folder (the test harness).
    fallback_zones: parking_lot::RwLock<Vec<ZoneKind>>,
    /// Items by plugin, then by id; a plugin is read from the store on
    /// first use.
    items: parking_lot::RwLock<BTreeMap<String, BTreeMap<String, ScreenItem>>>,
    /// Goes up with every applied change (added to the folder's revision
    /// in the served index).
    revision: std::sync::atomic::AtomicU64,
}

impl Board {
    /// Take the zones from this content folder's layouts.
    pub fn attach(&self, store: Arc<std::sync::RwLock<ContentStore>>) {
        let _ = self.content.set(store);
    }

    /// The zones used without a content folder.
    pub fn set_fallback_zones(&self, zones: Vec<ZoneKind>) {
        *self.fallback_zones.write() = zones;
    }

    /// The zone kinds some layout has.
    pub fn zones(&self) -> Vec<ZoneKind> {
        let mut out: Vec<ZoneKind> = match self.content.get() {
            Some(store) => {
                let store = store.read().unwrap_or_else(std::sync::PoisonError::into_inner);
                store.index().layouts.values().flat_map(|l| l.zones.iter().map(|z| z.kind)).collect()
            }
            None => self.fallback_zones.read().clone(),
        };
        out.sort_by_key(|z| z.name());
        out.dedup();
        out
    }

    pub fn revision(&self) -> u64 {
        self.revision.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The items of `plugin` (read from `storage` the first time).
    pub fn items_of(&self, storage: &dyn Storage, plugin: &str) -> BTreeMap<String, ScreenItem> {
        if let Some(items) = self.items.read().get(plugin) {
            return items.clone();
        }
        let loaded: BTreeMap<String, ScreenItem> = match storage.kv_get(STORE_NS, plugin) {
            Ok(Some(bytes)) => serde_json::from_slice::<Vec<ScreenItem>>(&bytes)
                .map(|v| v.into_iter().map(|i| (i.id.clone(), i)).collect())
                .unwrap_or_else(|e| {
                    tracing::error!(plugin, error = %e, "stored screen items unreadable; starting empty");
                    BTreeMap::new()
                }),
            Ok(None) => BTreeMap::new(),
            Err(e) => {
                tracing::error!(plugin, error = %e, "reading stored screen items");
                BTreeMap::new()
            }
        };
        self.items.write().entry(plugin.to_owned()).or_insert(loaded).clone()
    }

    /// Apply a kept call's changes: store them, bump the revision. True
    /// when anything changed (a `content.changed` event is due).
    pub fn apply(&self, storage: &dyn Storage, plugin: &str, ops: Vec<ScreenOp>) -> bool {
        if ops.is_empty() {
            return false;
        }
        let before = self.items_of(storage, plugin);
        let mut items = before.clone();
        for op in ops {
            match op {
                ScreenOp::Publish(i) => {
                    items.insert(i.id.clone(), i);
                }
                ScreenOp::Withdraw(id) => {
                    items.remove(&id);
                }
            }
        }
        if items == before {
            return false;
        }
        let list: Vec<&ScreenItem> = items.values().collect();
        let stored = match serde_json::to_vec(&list) {
            Ok(_) if items.is_empty() => storage.kv_delete(STORE_NS, plugin).map(|_| ()),
            Ok(bytes) => storage.kv_set(STORE_NS, plugin, &bytes),
            Err(e) => Err(StorageError::Backend(e.to_string())),
        };
        if let Err(e) = stored {
            // Shown anyway (the call's other changes are kept); lost at the
            // next restart, which the log says.
            tracing::error!(plugin, error = %e, "storing screen items failed");
        }
        self.items.write().insert(plugin.to_owned(), items);
        self.revision.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        true
    }

    /// The items of these plugins (the active ones), as the player reads them.
    pub fn index_items<'a>(&self, storage: &dyn Storage, plugins: impl Iterator<Item = &'a str>, utc_offset: linli_content::UtcOffset) -> Vec<Item> {
        plugins.flat_map(|p| self.items_of(storage, p).into_values().map(move |i| i.to_item(p, utc_offset))).collect()
    }

    /// A plugin was enabled, disabled, loaded or unloaded: what the index
    /// holds changed, so its revision goes up.
    pub fn touch(&self) {
        self.revision.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Apply a kept call's screen changes and tell the players.
pub fn apply_kept(services: &HostServices, plugin: &str, ops: Vec<ScreenOp>) {
    if services.screens.apply(services.storage.as_ref(), plugin, ops) {
        let payload = serde_json::json!({"source": format!("plugin/{plugin}"), "screens_revision": services.screens.revision()}).to_string();
        if let Err(e) = services.bus.publish("content.changed", &payload, plugin, services.clock.now_ms()) {
            tracing::error!(plugin, error = %e, "could not publish content.changed");
        }
    }
}

/// A line of text: length in characters, no control or bidirectional
/// characters (`newlines` allows line breaks, for a body).
fn check_text(plugin: &str, field: &str, value: &str, max: usize, newlines: bool) -> Result<(), Error> {
    let n = value.chars().count();
    if n > max {
        return Err(Error::Limit(format!("plugin `{plugin}`: screen item {field} is {n} characters; the limit is {max}")));
    }
    if let Some(c) = value.chars().find(|&c| crate::auth::forbidden_char(c) && !(newlines && (c == '\n' || c == '\t'))) {
        return Err(Error::Invalid(format!("plugin `{plugin}`: screen item {field} contains a control or text-direction character (U+{:04X}), which is not allowed", c as u32)));
    }
    Ok(())
}

impl CallState {
    /// The plugin's items as this call sees them (kept ones plus its own
    /// changes so far).
    fn screen_items_now(&self) -> BTreeMap<String, ScreenItem> {
        let mut items = self.services.screens.items_of(self.services.storage.as_ref(), &self.plugin_id);
        for op in &self.screen_ops {
            match op {
                ScreenOp::Publish(i) => {
                    items.insert(i.id.clone(), i.clone());
                }
                ScreenOp::Withdraw(id) => {
                    items.remove(id);
                }
            }
        }
        items
    }

    fn check_screen_item(&self, item: screens::ScreenItem) -> Result<ScreenItem, Error> {
        let p = &*self.plugin_id;
        if item.id.is_empty() {
            return Err(Error::Invalid(format!("plugin `{p}`: screen item id is empty")));
        }
        check_text(p, "id", &item.id, MAX_ID_CHARS, false)?;
        if item.id.contains(char::is_whitespace) {
            return Err(Error::Invalid(format!("plugin `{p}`: screen item id `{}` contains a space", item.id)));
        }
        check_text(p, "title", &item.title, MAX_TITLE_CHARS, false)?;
        if item.title.trim().is_empty() {
            return Err(Error::Invalid(format!("plugin `{p}`: screen item `{}` has no title", item.id)));
        }
        check_text(p, "body", &item.body, MAX_BODY_CHARS, true)?;
        let kind = Kind::parse(&item.kind).filter(|k| ITEM_KINDS.contains(k)).ok_or_else(|| {
            let names: Vec<&str> = ITEM_KINDS.iter().map(|k| k.name()).collect();
            Error::Invalid(format!("plugin `{p}`: screen item kind `{}` is not one a plugin may publish ({})", item.kind, names.join(", ")))
        })?;
        let zones = self.services.screens.zones();
        let there: Vec<&str> = zones.iter().filter(|z| ITEM_ZONES.contains(z)).map(|z| z.name()).collect();
        let zone = ZoneKind::parse(&item.zone).filter(|z| zones.contains(z));
        let Some(zone) = zone else {
            return Err(Error::Invalid(format!(
                "plugin `{p}`: no screen layout has a zone `{}`; the zones that show items are: {}",
                item.zone,
                if there.is_empty() { "(none: no layout in content/screens/)".to_owned() } else { there.join(", ") }
            )));
        };
        if !ITEM_ZONES.contains(&zone) {
            return Err(Error::Invalid(format!("plugin `{p}`: zone `{}` shows no items; the zones that show items are: {}", zone.name(), there.join(", "))));
        }
        if let (Some(a), Some(b)) = (item.valid_from, item.valid_until)
            && b <= a
        {
            return Err(Error::Invalid(format!("plugin `{p}`: screen item `{}` ends (valid-until {b}) before it starts (valid-from {a})", item.id)));
        }
        Ok(ScreenItem {
            id: item.id,
            zone,
            kind,
            title: item.title,
            body: item.body,
            valid_from_ms: item.valid_from,
            valid_until_ms: item.valid_until,
            priority: item.priority,
        })
    }
}

fn to_wit(i: ScreenItem) -> screens::ScreenItem {
    screens::ScreenItem {
        id: i.id,
        zone: i.zone.name().into(),
        kind: i.kind.name().into(),
        title: i.title,
        body: i.body,
        valid_from: i.valid_from_ms,
        valid_until: i.valid_until_ms,
        priority: i.priority,
    }
}

impl screens::Host for CallState {
    fn publish(&mut self, item: screens::ScreenItem) -> HostResult<()> {
        guard!(self, Screens);
        let item = match self.check_screen_item(item) {
            Ok(i) => i,
            Err(e) => return Ok(Err(e)),
        };
        let items = self.screen_items_now();
        if !items.contains_key(&item.id) && items.len() >= MAX_ITEMS_PER_PLUGIN {
            return Ok(Err(Error::Limit(format!(
                "plugin `{}`: already has {MAX_ITEMS_PER_PLUGIN} items on the screens (the limit); withdraw one first",
                self.plugin_id
            ))));
        }
        // One op per id: a call replacing an item again and again holds
        // one, so the ops stay within the item limit.
        self.screen_ops.retain(|op| op.id() != item.id);
        self.screen_ops.push(ScreenOp::Publish(item));
        Ok(Ok(()))
    }

    fn withdraw(&mut self, id: String) -> HostResult<bool> {
        guard!(self, Screens);
        let had = self.screen_items_now().contains_key(&id);
        if had {
            self.screen_ops.retain(|op| op.id() != id);
            self.screen_ops.push(ScreenOp::Withdraw(id));
        }
        Ok(Ok(had))
    }

    fn published(&mut self) -> HostResult<Vec<screens::ScreenItem>> {
        guard!(self, Screens);
        Ok(Ok(self.screen_items_now().into_values().map(to_wit).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::KvStore;
    use crate::storage::memory::MemoryStorage;

    fn item(id: &str) -> ScreenItem {
        ScreenItem { id: id.into(), zone: ZoneKind::Carousel, kind: Kind::Notice, title: "快递到件".into(), body: String::new(), valid_from_ms: Some(1_500), valid_until_ms: Some(2_001), priority: 3 }
    }

    /// The player's id carries the plugin; validity never starts late or
    /// ends early for a time given in milliseconds.
    #[test]
    fn items_are_prefixed_and_validity_rounded_outwards() {
        let i = item("p1").to_item("parcels", linli_content::UtcOffset::CHINA);
        assert_eq!(i.id, "plugin/parcels/p1");
        assert_eq!(i.zones, vec![ZoneKind::Carousel]);
        assert_eq!((i.valid_from, i.valid_until), (Some(Timestamp(1)), Some(Timestamp(3))));
    }

    /// Applied changes are stored: a new board (a restart) reads them back;
    /// withdrawing the last one leaves nothing stored.
    #[test]
    fn kept_items_survive_a_restart_and_withdrawing_removes_them() {
        let storage = MemoryStorage::default();
        let board = Board::default();
        assert!(board.apply(&storage, "parcels", vec![ScreenOp::Publish(item("a")), ScreenOp::Publish(item("b"))]));
        let rev = board.revision();
        assert!(!board.apply(&storage, "parcels", vec![ScreenOp::Publish(item("a"))]), "the same item again changes nothing");
        assert_eq!(board.revision(), rev);
        let again = Board::default();
        assert_eq!(again.items_of(&storage, "parcels").keys().collect::<Vec<_>>(), ["a", "b"]);
        assert!(again.apply(&storage, "parcels", vec![ScreenOp::Withdraw("a".into()), ScreenOp::Withdraw("b".into())]));
        assert_eq!(storage.kv_get(STORE_NS, "parcels").unwrap(), None);
    }

    #[test]
    fn control_and_direction_characters_are_refused_by_name() {
        assert!(check_text("jobs", "title", "招聘\u{202E}", 200, false).unwrap_err().to_string().contains("U+202E"));
        assert!(check_text("jobs", "body", "第一行\n第二行", 200, true).is_ok());
        let e = check_text("jobs", "title", &"长".repeat(201), 200, false).unwrap_err().to_string();
        assert!(e.contains("jobs") && e.contains("201"), "{e}");
    }
}
