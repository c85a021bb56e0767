//! The in-process event bus.
//!
//! Every event is first appended to the durable [`EventLog`] (which assigns
//! its stable, ordered id) and only then broadcast, so a live subscriber and
//! one that resumes later from the log see the same ids in the same order.

use crate::storage::{EventLog, NewEvent, Result, StoredEvent};
use std::sync::Arc;
use tokio::sync::broadcast;

#[derive(Clone)]
pub struct EventBus {
    log: Arc<dyn EventLog>,
    tx: broadcast::Sender<Arc<StoredEvent>>,
    // Appending and broadcasting under one lock keeps broadcast order equal
    // to id order even when plugins publish from several threads.
    order: Arc<parking_lot::Mutex<()>>,
    /// The last replay floor found: (since when, the id before it).
    floor: Arc<parking_lot::Mutex<Option<(i64, u64)>>>,
}

impl EventBus {
    pub fn new(log: Arc<dyn EventLog>) -> Self {
        let (tx, _) = broadcast::channel(4096);
        EventBus { log, tx, order: Arc::new(parking_lot::Mutex::new(())), floor: Arc::default() }
    }

    /// Store and broadcast an event; returns its id.
    pub fn publish(&self, topic: &str, payload: &str, source: &str, time: i64) -> Result<u64> {
        let event = NewEvent { topic: topic.to_owned(), payload: payload.to_owned(), time };
        let ids = self.publish_all(std::slice::from_ref(&event), source)?;
        ids.first().copied().ok_or_else(|| crate::storage::StorageError::Backend("the event log returned no id".into()))
    }

    /// Store and broadcast the events one call published, together and in
    /// order (see the `events` capability: a call's events go out when it
    /// returns); returns their ids.
    pub fn publish_all(&self, events: &[NewEvent], source: &str) -> Result<Vec<u64>> {
        if events.is_empty() {
            return Ok(vec![]);
        }
        let _g = self.order.lock();
        let ids = self.log.append_all(events, source)?;
        for (e, id) in events.iter().zip(&ids) {
            let _ = self.tx.send(Arc::new(StoredEvent {
                id: *id,
                topic: e.topic.clone(),
                payload: e.payload.clone(),
                source: source.to_owned(),
                time: e.time,
            }));
        }
        Ok(ids)
    }

    /// `publish_all` for events whose change is already stored: a failure
    /// is logged, not returned (screens catch up on the next event).
    pub fn publish_stored(&self, events: &[NewEvent], source: &str) {
        if let Err(e) = self.publish_all(events, source) {
            tracing::error!(plugin = %source, error = %e, lost = events.len(), "storing events failed");
        }
    }

    /// Live events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<StoredEvent>> {
        self.tx.subscribe()
    }

    /// Stored events after `after`, oldest first.
    pub fn since(&self, after: u64, limit: u32) -> Result<Vec<StoredEvent>> {
        self.log.since(after, limit)
    }

    pub fn last_id(&self) -> Result<u64> {
        self.log.last_id()
    }

    /// Where a resume may start from for a caller who may replay only
    /// from `since_ms` on (the public sees the hall's day, not the whole
    /// log): the id just before the first event at or after it. Remembered
    /// per `since_ms`, so a screen reconnecting costs no scan.
    pub fn replay_floor(&self, since_ms: i64) -> Result<u64> {
        {
            let cached = self.floor.lock();
            if let Some((t, id)) = *cached
                && t == since_ms
            {
                return Ok(id);
            }
        }
        let floor = match self.log.first_id_since(since_ms)? {
            Some(first) => first - 1,
            // Nothing yet today: whatever comes next is today's.
            None => return self.log.last_id(),
        };
        *self.floor.lock() = Some((since_ms, floor));
        Ok(floor)
    }

    /// Delete events past their retention (see [`EventLog::prune`]).
    pub fn prune(&self, rules: &[(String, i64)], default_cutoff: i64) -> Result<u64> {
        self.log.prune(rules, default_cutoff)
    }
}

/// Does `topic` match a subscription pattern? `queue.*` and `queue.` match
/// every topic under `queue.`; `*` matches everything; otherwise exact.
pub fn topic_matches(pattern: &str, topic: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if let Some(prefix) = pattern.strip_suffix('*') {
        return topic.starts_with(prefix);
    }
    if pattern.ends_with('.') {
        return topic.starts_with(pattern);
    }
    pattern == topic
}

#[cfg(test)]
mod tests {
    use super::topic_matches;

    #[test]
    fn patterns() {
        assert!(topic_matches("queue.*", "queue.called"));
        assert!(topic_matches("queue.", "queue.called"));
        assert!(!topic_matches("queue.*", "queues.called"));
        assert!(topic_matches("queue.called", "queue.called"));
        assert!(!topic_matches("queue.called", "queue.calledx"));
        assert!(topic_matches("*", "x"));
    }
}
