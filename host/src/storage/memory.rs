//! An in-memory backend: the same [`Storage`](super::Storage) contract
//! without a file, for plugin authors' tests.

use super::{EventLog, KvStore, NewEvent, Result, StorageError, StoredEvent};
use parking_lot::Mutex;
use std::collections::BTreeMap;

#[derive(Default)]
pub struct MemoryStorage {
    kv: Mutex<BTreeMap<(String, String), Vec<u8>>>,
    events: Mutex<Vec<StoredEvent>>,
    /// The last id given (ids are never reused, even after a prune).
    next_id: std::sync::atomic::AtomicU64,
}

impl KvStore for MemoryStorage {
    fn kv_usage(&self, ns: &str) -> Result<u64> {
        Ok(self.kv.lock().iter().filter(|((n, _), _)| n == ns).map(|((_, k), v)| (k.len() + v.len()) as u64).sum())
    }
    fn kv_get(&self, ns: &str, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.kv.lock().get(&(ns.to_owned(), key.to_owned())).cloned())
    }
    fn kv_set(&self, ns: &str, key: &str, value: &[u8]) -> Result<()> {
        self.kv.lock().insert((ns.to_owned(), key.to_owned()), value.to_vec());
        Ok(())
    }
    fn kv_delete(&self, ns: &str, key: &str) -> Result<bool> {
        Ok(self.kv.lock().remove(&(ns.to_owned(), key.to_owned())).is_some())
    }
    fn kv_scan(&self, ns: &str, prefix: &str, after: Option<&str>, limit: u32) -> Result<Vec<(String, Vec<u8>)>> {
        let kv = self.kv.lock();
        Ok(kv
            .range((ns.to_owned(), prefix.to_owned())..)
            .take_while(|((n, k), _)| n == ns && k.starts_with(prefix))
            .filter(|((_, k), _)| after.is_none_or(|a| k.as_str() > a))
            .take(limit as usize)
            .map(|((_, k), v)| (k.clone(), v.clone()))
            .collect())
    }
    fn kv_cas(&self, ns: &str, key: &str, expected: Option<&[u8]>, new: Option<&[u8]>) -> Result<bool> {
        let mut kv = self.kv.lock();
        let k = (ns.to_owned(), key.to_owned());
        if kv.get(&k).map(Vec::as_slice) != expected {
            return Ok(false);
        }
        match new {
            Some(v) => kv.insert(k, v.to_vec()),
            None => kv.remove(&k),
        };
        Ok(true)
    }
    fn kv_increment(&self, ns: &str, key: &str, delta: i64) -> Result<i64> {
        let mut kv = self.kv.lock();
        let k = (ns.to_owned(), key.to_owned());
        let next = super::next_count(kv.get(&k).map(Vec::as_slice), key, delta).map_err(StorageError::Invalid)?;
        kv.insert(k, next.to_string().into_bytes());
        Ok(next)
    }
}

impl EventLog for MemoryStorage {
    fn append_all(&self, events: &[NewEvent], source: &str) -> Result<Vec<u64>> {
        let mut stored = self.events.lock();
        Ok(events
            .iter()
            .map(|e| {
                let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                stored.push(StoredEvent { id, topic: e.topic.clone(), payload: e.payload.clone(), source: source.into(), time: e.time });
                id
            })
            .collect())
    }
    fn since(&self, after: u64, limit: u32) -> Result<Vec<StoredEvent>> {
        Ok(self.events.lock().iter().filter(|e| e.id > after).take(limit as usize).cloned().collect())
    }
    fn last_id(&self) -> Result<u64> {
        Ok(self.events.lock().last().map_or(0, |e| e.id).max(self.next_id.load(std::sync::atomic::Ordering::SeqCst)))
    }
    fn first_id_since(&self, time_ms: i64) -> Result<Option<u64>> {
        Ok(self.events.lock().iter().find(|e| e.time >= time_ms).map(|e| e.id))
    }
    fn prune(&self, rules: &[(String, i64)], default_cutoff: i64) -> Result<u64> {
        let mut events = self.events.lock();
        let before = events.len();
        events.retain(|e| e.time >= super::cutoff_for(&e.topic, rules, default_cutoff));
        Ok((before - events.len()) as u64)
    }
}
