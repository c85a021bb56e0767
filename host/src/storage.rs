//! Durable storage behind the plugin capabilities.
//!
//! The capabilities never touch SQLite directly: they go through the
//! [`Storage`] trait so that a PostgreSQL backend (a district running many
//! halls on one database) can implement it later without changing a plugin.
//! The default backend, [`sqlite::SqliteStorage`], keeps the host's data, the
//! key-value namespaces of every plugin and the event log in one SQLite file
//! (WAL); each plugin's own SQL database is a separate file (see
//! [`sqlite::PluginSql`]) so that no SQL statement can reach another
//! plugin's tables.

pub mod checkpoint;
pub mod host_db;
pub mod host_pg;
pub mod memory;
pub mod migrate;
pub mod pg_blobs;
pub mod pg_store;
pub mod plugin_db;
pub mod postgres;
pub mod sqlite;

use serde::Serialize;

/// A storage failure, already phrased for a log line.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("storage: {0}")]
    Backend(String),
    #[error("invalid: {0}")]
    Invalid(String),
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        StorageError::Backend(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, StorageError>;

/// One stored event. Ids are assigned by the store, strictly increasing and
/// never reused, so a consumer can resume after the last id it saw.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct StoredEvent {
    pub id: u64,
    pub topic: String,
    /// JSON text.
    pub payload: String,
    pub source: String,
    /// Milliseconds since the Unix epoch.
    pub time: i64,
}

/// An event waiting to be stored (published by a call that has not ended).
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub topic: String,
    /// JSON text.
    pub payload: String,
    pub time: i64,
}

/// Key-value storage, one namespace per plugin.
pub trait KvStore: Send + Sync {
    fn kv_get(&self, ns: &str, key: &str) -> Result<Option<Vec<u8>>>;
    fn kv_set(&self, ns: &str, key: &str, value: &[u8]) -> Result<()>;
    fn kv_delete(&self, ns: &str, key: &str) -> Result<bool>;
    fn kv_scan(&self, ns: &str, prefix: &str, after: Option<&str>, limit: u32) -> Result<Vec<(String, Vec<u8>)>>;
    fn kv_cas(&self, ns: &str, key: &str, expected: Option<&[u8]>, new: Option<&[u8]>) -> Result<bool>;
    fn kv_increment(&self, ns: &str, key: &str, delta: i64) -> Result<i64>;
    /// Bytes of keys and values in the namespace (what its quota counts).
    fn kv_usage(&self, ns: &str) -> Result<u64>;
}

/// The ordered, durable event log behind the bus.
pub trait EventLog: Send + Sync {
    /// Store events of one source together (all or none), in order;
    /// returns their ids.
    fn append_all(&self, events: &[NewEvent], source: &str) -> Result<Vec<u64>>;
    /// Events with an id greater than `after`, oldest first, at most `limit`.
    fn since(&self, after: u64, limit: u32) -> Result<Vec<StoredEvent>>;
    /// The greatest id given so far (0 when none), even if its event was
    /// pruned since.
    fn last_id(&self) -> Result<u64>;
    /// The id of the first event stored at or after `time_ms`, if any.
    fn first_id_since(&self, time_ms: i64) -> Result<Option<u64>>;
    /// Delete events older than their retention: an event whose topic
    /// starts with one of `rules`' prefixes (the longest that matches) goes
    /// once its time is before that rule's cutoff, any other before
    /// `default_cutoff`. Returns how many were deleted.
    fn prune(&self, rules: &[(String, i64)], default_cutoff: i64) -> Result<u64>;
}

/// Everything the host needs from a storage backend.
pub trait Storage: KvStore + EventLog {}
impl<T: KvStore + EventLog> Storage for T {}

/// A key-value counter after adding `delta` to what `key` holds (a
/// decimal number, or nothing for 0); `Err` says why it cannot be.
pub fn next_count(current: Option<&[u8]>, key: &str, delta: i64) -> std::result::Result<i64, String> {
    let now = match current {
        None => 0i64,
        Some(bytes) => std::str::from_utf8(bytes).ok().and_then(|s| s.trim().parse().ok()).ok_or_else(|| format!("key `{key}` does not hold a decimal counter"))?,
    };
    now.checked_add(delta).ok_or_else(|| format!("counter `{key}` would overflow"))
}

/// The retention cutoff of `topic` (see [`EventLog::prune`]).
pub fn cutoff_for(topic: &str, rules: &[(String, i64)], default_cutoff: i64) -> i64 {
    rules
        .iter()
        .filter(|(prefix, _)| topic.starts_with(prefix.as_str()))
        .max_by_key(|(prefix, _)| prefix.len())
        .map_or(default_cutoff, |(_, cutoff)| *cutoff)
}

#[cfg(test)]
mod tests {
    #[test]
    fn counters_count_from_nothing_and_refuse_what_is_not_one() {
        assert_eq!(super::next_count(None, "k", 3), Ok(3));
        assert_eq!(super::next_count(Some(b"41"), "k", 1), Ok(42));
        assert_eq!(super::next_count(Some(b" 7\n"), "k", -10), Ok(-3));
        assert!(super::next_count(Some(b"seven"), "k", 1).unwrap_err().contains("decimal counter"));
        assert!(super::next_count(Some(i64::MAX.to_string().as_bytes()), "k", 1).unwrap_err().contains("overflow"));
    }
}
