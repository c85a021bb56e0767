//! The in-process event bus.
//!
//! Every event is first appended to the durable [`EventLog`] (which assigns
//! its stable, ordered id) and only then broadcast, so a live subscriber and
//! one that resumes later from the log see the same ids in the same order.

use crate::storage::{EventLog, NewEvent, Result, StoredEvent};
use std::sync::Arc;
use tokio::sync::broadcast;

#[derive(Clone)]
pub struct EventBus(Arc<Inner>);

pub struct Inner {
    log: Arc<dyn EventLog>,
    tx: broadcast::Sender<Arc<StoredEvent>>,
    // Appending and broadcasting under one lock keeps broadcast order equal
    // to id order even when plugins publish from several threads.
    order: parking_lot::Mutex<()>,
    /// The last replay floor found: (since when, the id before it).
    floor: parking_lot::Mutex<Option<(i64, u64)>>,
    /// A log other hosts append to too ([`EventBus::shared`]): the last id
    /// this host has broadcast.
    sent: Option<std::sync::atomic::AtomicU64>,
}

impl std::ops::Deref for EventBus {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl EventBus {
    pub fn new(log: Arc<dyn EventLog>) -> Self {
        let (tx, _) = broadcast::channel(4096);
        EventBus(Arc::new(Inner { log, tx, order: parking_lot::Mutex::new(()), floor: Default::default(), sent: None }))
    }

    /// A bus over a log that other hosts of the hall append to as well (a
    /// district on PostgreSQL): nothing is broadcast straight from an
    /// append; [`Self::pump`] broadcasts what the log holds after the last
    /// id sent, in id order, after this host's own appends and whenever
    /// the log says another host appended.
    pub fn shared(log: Arc<dyn EventLog>) -> Result<Self> {
        let (tx, _) = broadcast::channel(4096);
        let last = log.last_id()?;
        Ok(EventBus(Arc::new(Inner { log, tx, order: parking_lot::Mutex::new(()), floor: Default::default(), sent: Some(last.into()) })))
    }

    /// A handle that does not keep the bus alive (a listener thread ends
    /// when the host is gone).
    pub fn downgrade(&self) -> std::sync::Weak<Inner> {
        Arc::downgrade(&self.0)
    }

    pub fn upgrade(weak: &std::sync::Weak<Inner>) -> Option<EventBus> {
        weak.upgrade().map(EventBus)
    }

    /// Broadcast what the shared log holds after the last id sent.
    pub fn pump(&self) {
        use std::sync::atomic::Ordering::SeqCst;
        let Some(sent) = &self.sent else { return };
        let _g = self.order.lock();
        let mut last = sent.load(SeqCst);
        loop {
            let batch = match self.log.since(last, 500) {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "reading the shared event log");
                    break;
                }
            };
            let n = batch.len();
            for e in batch {
                last = e.id;
                let _ = self.tx.send(Arc::new(e));
            }
            if n < 500 {
                break;
            }
        }
        sent.store(last, SeqCst);
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
        if self.sent.is_some() {
            let ids = self.log.append_all(events, source)?;
            self.pump();
            return Ok(ids);
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

    /// Every event after `after`, in id order, none twice and none missed:
    /// first what the log holds, then live ones as they are published; a
    /// follower that falls behind the live channel (or sees a gap) reads
    /// the log again. The one way events are followed: the SSE endpoint
    /// and the delivery to plugins both use it.
    pub fn follow(&self, after: u64) -> Follow {
        // Subscribed before the log is read, so nothing published in
        // between is lost (what is seen twice is skipped by id).
        Follow { bus: self.clone(), live: self.tx.subscribe(), last: after, backlog: std::collections::VecDeque::new(), replaying: true }
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

/// A reader of the event stream from a given id (see [`EventBus::follow`]).
pub struct Follow {
    bus: EventBus,
    live: broadcast::Receiver<Arc<StoredEvent>>,
    last: u64,
    backlog: std::collections::VecDeque<Arc<StoredEvent>>,
    /// Reading the log (at the start, after a lag or a gap).
    replaying: bool,
}

/// Events read from the log at a time while catching up.
const REPLAY_BATCH: u32 = 500;

impl Follow {
    /// The id of the last event handed out (or the starting point).
    pub fn last_id(&self) -> u64 {
        self.last
    }

    /// The next event; `None` once the bus is gone or the log cannot be read.
    pub async fn next(&mut self) -> Option<Arc<StoredEvent>> {
        loop {
            if let Some(ev) = self.backlog.pop_front() {
                self.last = ev.id;
                return Some(ev);
            }
            if self.replaying {
                let (bus, last) = (self.bus.clone(), self.last);
                let batch = tokio::task::spawn_blocking(move || bus.since(last, REPLAY_BATCH)).await.ok()?.ok()?;
                if batch.len() < REPLAY_BATCH as usize {
                    self.replaying = false;
                }
                self.backlog.extend(batch.into_iter().map(Arc::new));
                continue;
            }
            match self.live.recv().await {
                Ok(ev) if ev.id <= self.last => continue,
                // A gap: what lies between is in the log.
                Ok(ev) if ev.id > self.last + 1 => self.replaying = true,
                Ok(ev) => {
                    self.last = ev.id;
                    return Some(ev);
                }
                Err(broadcast::error::RecvError::Lagged(_)) => self.replaying = true,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
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
    use super::{EventBus, topic_matches};
    use crate::storage::EventLog;
    use std::sync::Arc;

    /// A follower started in the past gets the stored events, then the live
    /// ones, in order and once each, even when it falls far behind the live
    /// channel (4,096 places) while reading.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_follower_sees_every_event_once_in_order_through_a_lag() {
        let log: Arc<dyn EventLog> = Arc::new(crate::storage::memory::MemoryStorage::default());
        let bus = EventBus::new(log);
        for i in 0..10 {
            bus.publish("t.x", &format!("{{\"n\":{i}}}"), "test", 0).unwrap();
        }
        let mut f = bus.follow(3);
        // 6,000 more while the follower has read nothing: it lags.
        for i in 10..6010 {
            bus.publish("t.x", &format!("{{\"n\":{i}}}"), "test", 0).unwrap();
        }
        let mut ids = Vec::new();
        while ids.len() < 6006 {
            let ev = tokio::time::timeout(std::time::Duration::from_secs(10), f.next()).await.expect("in time").expect("an event");
            ids.push(ev.id);
        }
        assert_eq!(ids, (4..=6009).collect::<Vec<u64>>());
        // And live from there on.
        let b = bus.clone();
        tokio::spawn(async move { b.publish("t.x", "{}", "test", 0).unwrap() });
        let ev = tokio::time::timeout(std::time::Duration::from_secs(10), f.next()).await.unwrap().unwrap();
        assert_eq!(ev.id, 6010);
    }

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
