//! A plugin's lane: the one thread that runs the calls of a plugin with its
//! own SQL database, one after another, and commits them in groups.
//!
//! A plugin's SQL calls are serialised anyway (one connection, one
//! transaction per call). Running them all on one thread, instead of on
//! whichever thread the request came in on and then queueing on the
//! connection's lock, removes what that queueing cost: a lock hand-over
//! (a futex wake-up and a thread switch) between every two calls, and the
//! connection's and the plugin's working set moving from core to core.
//! Measured with `linli-bench --only queue` (see the queue plugin's README).
//!
//! Group commit falls out of the queue: after a call, the lane runs the next
//! queued call inside the same transaction, and commits when nothing is
//! queued, or the group holds [`GROUP_MAX_CALLS`] calls or is
//! [`GROUP_MAX_AGE`] old. A call is answered only after its group is
//! committed.
//!
//! The lane also owns the calls' events: a call's events wait with it (in
//! its [`Settle`]) and are stored and sent, in order, once its group is
//! committed, before the call is answered; the database knows nothing of
//! them.
//!
//! [`GROUP_MAX_CALLS`]: crate::storage::sqlite::GROUP_MAX_CALLS
//! [`GROUP_MAX_AGE`]: crate::storage::sqlite::GROUP_MAX_AGE

use crate::notify::NewMessage;
use crate::storage::NewEvent;
use crate::storage::plugin_db::PluginDb;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, TryRecvError};

/// What is left of a call once it ran: its events (stored and sent once its
/// group is committed) and answering it, with how its group's commit ended
/// (`Err` with the reason when the commit failed).
pub struct Settle {
    events: Vec<NewEvent>,
    /// Messages (capability `notify`) written to the outbox with the events.
    messages: Vec<NewMessage>,
    reply: Reply,
    /// Done once the group is committed, before its events go out (a
    /// call's screen items); dropped when the commit failed.
    kept: Option<Box<dyn FnOnce() + Send>>,
}

/// Answering a call, with how its group's commit ended.
pub type Reply = Box<dyn FnOnce(Result<(), String>) + Send>;

impl Settle {
    /// A call that waits for its group's commit, with the events it published.
    pub fn new(events: Vec<NewEvent>, reply: Reply) -> Settle {
        Settle { events, messages: Vec::new(), reply, kept: None }
    }

    /// Also do `kept` once the group is committed (nothing when it failed).
    pub fn when_kept(mut self, kept: Option<Box<dyn FnOnce() + Send>>) -> Settle {
        self.kept = kept;
        self
    }

    /// A call that also sent messages: they reach the outbox only if its
    /// group is committed.
    pub fn with_messages(events: Vec<NewEvent>, messages: Vec<NewMessage>, reply: Reply) -> Settle {
        Settle { events, messages, reply, kept: None }
    }
}

/// Stores and sends a committed group's events (the host's event bus) and
/// writes its messages to the outbox.
pub type Publisher = Arc<dyn Fn(Vec<NewEvent>, Vec<NewMessage>) + Send + Sync>;

/// One call to run on the lane. It returns `Some(settle)` when it must wait
/// for its group's commit before it is answered, `None` when it was already
/// answered (it failed, or touched no data while no group was open).
pub type Job = Box<dyn FnOnce(&Out) -> Option<Settle> + Send>;

/// The sending end of a lane; the thread ends when this is dropped and the
/// queued calls are done.
pub struct Lane {
    tx: Sender<Job>,
    pub stats: Arc<LaneStats>,
}

/// What `/metrics` shows of a lane.
#[derive(Default)]
pub struct LaneStats {
    /// Calls waiting for the lane now.
    pub queued: std::sync::atomic::AtomicUsize,
    /// Time the lane spent running calls and committing them, in ns (its
    /// rate is how busy the lane is; near 1 s/s it is the plugin's limit).
    pub busy_nanos: std::sync::atomic::AtomicU64,
}

/// Work that follows a call but need not hold up the next one, done in
/// order on the lane's second thread: storing and sending a committed
/// group's events, then answering its calls; and dropping a finished call's
/// instance (resetting its memory).
pub struct Out {
    tx: Sender<Later>,
    /// Groups handed over and not yet done there.
    outstanding: Arc<std::sync::atomic::AtomicUsize>,
    /// Instances to drop, sent over with the next group (one wake-up of
    /// the second thread per group, not one per call).
    disposals: std::cell::RefCell<Vec<Box<dyn Send>>>,
}

struct Later {
    result: Result<(), String>,
    waiting: Vec<Settle>,
    disposals: Vec<Box<dyn Send>>,
}

impl Later {
    /// Store and send the group's events (all of them, in call order, in
    /// one go; none when the commit failed), then answer its calls.
    fn run(self, publish: &Publisher) {
        let mut replies = Vec::with_capacity(self.waiting.len());
        let mut events = Vec::new();
        let mut messages = Vec::new();
        for s in self.waiting {
            if self.result.is_ok() {
                events.extend(s.events);
                messages.extend(s.messages);
                if let Some(kept) = s.kept {
                    kept();
                }
            }
            replies.push(s.reply);
        }
        if !events.is_empty() || !messages.is_empty() {
            publish(events, messages);
        }
        for r in replies {
            r(self.result.clone());
        }
        drop(self.disposals);
    }
}

impl Out {
    /// Drop `value` on the second thread (with the next group).
    pub fn dispose(&self, value: Box<dyn Send>) {
        self.disposals.borrow_mut().push(value);
    }
}

impl Lane {
    /// Start the lane of `plugin`, whose committed events go to `publish`.
    pub fn start(plugin: &str, db: PluginDb, publish: Publisher) -> std::io::Result<Lane> {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let (out_tx, out_rx) = std::sync::mpsc::channel::<Later>();
        let publisher = publish.clone();
        let outstanding = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let done = outstanding.clone();
        std::thread::Builder::new().name(format!("lane-{plugin}-out")).spawn(move || {
            for later in out_rx {
                later.run(&publisher);
                done.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            }
        })?;
        let out = Out { tx: out_tx, outstanding, disposals: Default::default() };
        let stats = Arc::new(LaneStats::default());
        let lane_stats = stats.clone();
        std::thread::Builder::new().name(format!("lane-{plugin}")).spawn(move || run(rx, &db, &publish, &out, &lane_stats))?;
        Ok(Lane { tx, stats })
    }

    /// Queue a call; `Err` gives it back when the lane has stopped.
    pub fn send(&self, job: Job) -> Result<(), Job> {
        self.stats.queued.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.tx.send(job).map_err(|e| {
            self.stats.queued.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            e.0
        })
    }
}

fn run(rx: Receiver<Job>, db: &PluginDb, publish: &Publisher, out: &Out, stats: &LaneStats) {
    use std::sync::atomic::Ordering::Relaxed;
    let mut waiting: Vec<Settle> = Vec::new();
    let busy = |since: std::time::Instant| stats.busy_nanos.fetch_add(since.elapsed().as_nanos() as u64, Relaxed);
    loop {
        let job = match rx.try_recv() {
            Ok(job) => job,
            Err(TryRecvError::Empty) => {
                // Nothing queued: commit what the group holds and answer it,
                // then drop finished instances one by one until a call comes.
                let t = std::time::Instant::now();
                settle(db, publish, out, &mut waiting, true);
                busy(t);
                match idle(&rx, out) {
                    Some(job) => job,
                    None => break,
                }
            }
            Err(TryRecvError::Disconnected) => break,
        };
        stats.queued.fetch_sub(1, Relaxed);
        let t = std::time::Instant::now();
        // A host bug panicking inside a call must not stop the lane: the
        // call's unit rolls back its savepoint as it unwinds, and its caller
        // sees the call fail (its reply channel is dropped).
        if let Ok(Some(s)) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(out))) {
            waiting.push(s);
        }
        if db.group_is_full() {
            settle(db, publish, out, &mut waiting, false);
        } else if out.disposals.borrow().len() > MAX_PENDING_DISPOSALS {
            hand_over_disposals(out);
        }
        busy(t);
    }
    settle(db, publish, out, &mut waiting, true);
}

/// Finished instances the lane may keep to drop when idle. A caller that
/// sends its next call the moment it is answered never leaves the lane
/// idle: without a bound they piled up until the engine refused new ones
/// ("maximum concurrent limit of 512 for component instances").
pub const MAX_PENDING_DISPOSALS: usize = 32;

/// Wait for the next call, dropping finished instances meanwhile (resetting
/// an instance's memory is the costly part of dropping it).
fn idle(rx: &Receiver<Job>, out: &Out) -> Option<Job> {
    loop {
        let over = out.disposals.borrow().len() > MAX_PENDING_DISPOSALS;
        if over {
            let instance = out.disposals.borrow_mut().pop();
            drop(instance);
            continue;
        }
        match rx.try_recv() {
            Ok(job) => return Some(job),
            Err(TryRecvError::Disconnected) => return None,
            Err(TryRecvError::Empty) => {
                let next = out.disposals.borrow_mut().pop();
                match next {
                    Some(instance) => drop(instance),
                    None => return rx.recv().ok(),
                }
            }
        }
    }
}

/// Calls keep coming and none commits (they touch no data): the finished
/// instances go to the second thread to be dropped there, or, when it is
/// behind, are dropped here (each is a live instance of the engine's
/// limited pool until dropped).
fn hand_over_disposals(out: &Out) {
    let disposals = std::mem::take(&mut *out.disposals.borrow_mut());
    if out.outstanding.load(std::sync::atomic::Ordering::SeqCst) >= 4 {
        drop(disposals);
        return;
    }
    out.outstanding.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if let Err(e) = out.tx.send(Later { result: Ok(()), waiting: Vec::new(), disposals }) {
        out.outstanding.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        drop(e);
    }
}

/// Commit the open group; then store and send its events and answer its
/// calls. `idle`: no call is queued, so the lane does that itself (one
/// thread hand-over less before the answers), unless earlier groups are
/// still being done on the second thread (their events go first); the
/// finished instances wait for [`idle`]. Otherwise the second thread does
/// it all, instances included, while the lane goes on.
fn settle(db: &PluginDb, publish: &Publisher, out: &Out, waiting: &mut Vec<Settle>, idle: bool) {
    let result = db.commit_group().unwrap_or(Ok(()));
    if let Err(e) = &result {
        tracing::error!(error = %e, calls = waiting.len(), "committing a group of plugin calls failed");
    }
    let inline = idle && out.outstanding.load(std::sync::atomic::Ordering::SeqCst) == 0;
    let disposals = if inline { Vec::new() } else { std::mem::take(&mut *out.disposals.borrow_mut()) };
    if waiting.is_empty() && disposals.is_empty() {
        return;
    }
    let later = Later { result, waiting: std::mem::take(waiting), disposals };
    if inline {
        later.run(publish);
        return;
    }
    out.outstanding.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if let Err(e) = out.tx.send(later) {
        // The second thread is gone (a panic): do it here.
        out.outstanding.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        e.0.run(publish);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::NewEvent;
    use crate::storage::sqlite::{Durability, PluginSql};
    use parking_lot::Mutex;
    use rusqlite::Connection;

    /// A plugin database in a temporary folder with table `t` made by
    /// `schema`, its lane, and the payloads of the events the lane
    /// publishes, in order.
    fn database(schema: &str) -> (tempfile::TempDir, Arc<PluginSql>, Lane, Arc<Mutex<Vec<String>>>) {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(PluginSql::open(&dir.path().join("p.sqlite"), Durability::Normal).unwrap());
        let published = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = published.clone();
        db.with(|c| c.execute_batch(schema)).unwrap();
        let lane = Lane::start("test", PluginDb::Sqlite(db.clone()), Arc::new(move |events: Vec<NewEvent>, _| sink.lock().extend(events.into_iter().map(|e| e.payload)))).unwrap();
        (dir, db, lane, published)
    }

    /// Callers that keep the lane busy never let it idle; the finished
    /// instances still do not pile up (the engine allows 512 at once).
    #[test]
    fn finished_instances_never_pile_up_when_the_lane_never_idles() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static LIVE: AtomicUsize = AtomicUsize::new(0);
        struct Instance;
        impl Drop for Instance {
            fn drop(&mut self) {
                LIVE.fetch_sub(1, Ordering::SeqCst);
            }
        }
        static MOST: AtomicUsize = AtomicUsize::new(0);
        let (_dir, _db, lane, _) = database("CREATE TABLE t (n INTEGER)");
        // Calls that touch no data, all queued at once: the lane never idles
        // and no group commits between them.
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..3000 {
            let tx = tx.clone();
            let job: Job = Box::new(move |out| {
                let live = LIVE.fetch_add(1, Ordering::SeqCst) + 1;
                MOST.fetch_max(live, Ordering::SeqCst);
                out.dispose(Box::new(Instance));
                tx.send(()).unwrap();
                None
            });
            assert!(lane.send(job).is_ok());
        }
        for _ in 0..3000 {
            rx.recv().unwrap();
        }
        let most = MOST.load(Ordering::SeqCst);
        assert!(most <= 5 * (MAX_PENDING_DISPOSALS + 1) + 1, "{most} finished instances were alive at once");
    }

    /// Many callers at once, some calls failing: every call answered Ok is
    /// on disk (seen by another connection) by the time it is answered, no
    /// failed call left a row or an event, the events came out in the order
    /// the rows were committed, and calls really shared commits.
    #[test]
    fn calls_sharing_a_commit_keep_all_or_nothing_each() {
        let (dir, db, lane, published) = database("CREATE TABLE t (n INTEGER PRIMARY KEY, seq INTEGER NOT NULL)");
        let path = dir.path().join("p.sqlite");
        let lane = Arc::new(lane);
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let (db, lane, path) = (db.clone(), lane.clone(), path.clone());
                std::thread::spawn(move || {
                    let reader = Connection::open(&path).unwrap();
                    for i in 0..200 {
                        let n = t * 1000 + i;
                        let ok = n % 7 != 3;
                        let (tx, rx) = std::sync::mpsc::sync_channel(1);
                        let db = db.clone();
                        let job: Job = Box::new(move |_| {
                            let unit = db.begin().unwrap();
                            unit.execute("INSERT INTO t (n, seq) VALUES (?1, (SELECT COUNT(*) FROM t))", [n as i64]).unwrap();
                            let event = NewEvent { topic: "t.row".into(), payload: n.to_string(), time: 0 };
                            if unit.join_group(ok).unwrap() {
                                Some(Settle::new(vec![event], Box::new(move |r: Result<(), String>| tx.send(r.map(|()| true)).unwrap())))
                            } else {
                                tx.send(Ok(false)).unwrap();
                                None
                            }
                        });
                        assert!(lane.send(job).is_ok());
                        let kept = rx.recv().unwrap().unwrap();
                        assert_eq!(kept, ok);
                        let stored: i64 = reader.query_row("SELECT COUNT(*) FROM t WHERE n = ?1", [n as i64], |r| r.get(0)).unwrap();
                        assert_eq!(stored, i64::from(ok), "row {n} when answered (kept: {ok})");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let rows: Vec<i64> = db.with(|c| c.prepare("SELECT n FROM t ORDER BY seq")?.query_map([], |r| r.get(0))?.collect()).unwrap();
        assert_eq!(rows.len(), (0..8).flat_map(|t| (0..200).map(move |i| t * 1000 + i)).filter(|n| n % 7 != 3).count());
        let events: Vec<i64> = published.lock().iter().map(|p| p.parse().unwrap()).collect();
        assert_eq!(events, rows, "events in commit order, none from a rolled-back call");
        let (commits, calls) = db.book.counts();
        assert_eq!(calls, rows.len() as u64, "every kept call counted once");
        assert!(commits < calls, "calls shared commits");
    }

    /// The events of a call that ran no SQL go out in order with those of
    /// the calls around it, and are stored before that call is answered.
    #[test]
    fn events_of_a_call_without_sql_keep_their_place() {
        let (_dir, db, lane, published) = database("CREATE TABLE t (n INTEGER)");
        let event = |n: i64| NewEvent { topic: "t.n".into(), payload: n.to_string(), time: 0 };
        let (tx, rx) = std::sync::mpsc::channel();
        for n in 1..=30i64 {
            let (db, tx, published) = (db.clone(), tx.clone(), published.clone());
            let _ = lane.send(Box::new(move |_| {
                // Every third call runs no SQL; its event keeps its place.
                if n % 3 != 0 {
                    let unit = db.begin().unwrap();
                    unit.execute("INSERT INTO t VALUES (?1)", [n]).unwrap();
                    assert!(unit.join_group(true).unwrap());
                }
                Some(Settle::new(
                    vec![event(n)],
                    Box::new(move |r: Result<(), String>| {
                        r.unwrap();
                        let stored = published.lock().iter().any(|p| *p == n.to_string());
                        tx.send((n, stored)).unwrap();
                    }),
                ))
            }));
        }
        let answers: Vec<(i64, bool)> = (0..30).map(|_| rx.recv().unwrap()).collect();
        assert!(answers.iter().all(|(_, stored)| *stored), "every event stored before its call was answered: {answers:?}");
        let order: Vec<i64> = published.lock().iter().map(|p| p.parse().unwrap()).collect();
        assert_eq!(order, (1..=30).collect::<Vec<_>>());
    }

    /// The messages (capability `notify`) of a group reach the outbox only
    /// when the group is committed: a group whose commit fails (here a
    /// deferred foreign key, checked at COMMIT) answers its calls with the
    /// failure and hands the publisher no message; the next group's do.
    #[test]
    fn messages_of_a_group_whose_commit_failed_are_not_written() {
        let (_dir, db, _lane, _) = database("CREATE TABLE t (n INTEGER)");
        db.with(|c| {
            c.execute_batch("CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (pid INTEGER REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED)")
        })
        .unwrap();
        let written = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = written.clone();
        let lane = Lane::start("test-notify", PluginDb::Sqlite(db.clone()), Arc::new(move |_, messages: Vec<NewMessage>| sink.lock().extend(messages.into_iter().map(|m| m.recipient)))).unwrap();
        let message = |to: &str| NewMessage {
            plugin: "p".into(),
            recipient_kind: "staff".into(),
            recipient: to.into(),
            channel: "log".into(),
            template: "t".into(),
            text_zh: "好".into(),
            text_en: "ok".into(),
            params: vec![],
            time: 0,
        };
        for (sql, to) in [("INSERT INTO c VALUES (99)", "lost"), ("INSERT INTO t VALUES (1)", "kept")] {
            let (tx, rx) = std::sync::mpsc::channel();
            let (d, m) = (db.clone(), message(to));
            let _ = lane.send(Box::new(move |_| {
                let unit = d.begin().unwrap();
                unit.execute(sql, []).unwrap();
                assert!(unit.join_group(true).unwrap());
                Some(Settle::with_messages(vec![], vec![m], Box::new(move |r: Result<(), String>| tx.send(r).unwrap())))
            }));
            let answer = rx.recv().unwrap();
            assert_eq!(answer.is_ok(), to == "kept", "{to}: {answer:?}");
        }
        assert_eq!(*written.lock(), vec!["kept".to_owned()]);
    }

    /// A call that panics on the host side loses only its own changes; the
    /// lane goes on with the next call.
    #[test]
    fn a_panicking_call_does_not_stop_the_lane() {
        let (_dir, db, lane, _) = database("CREATE TABLE t (n INTEGER)");
        let (tx, rx) = std::sync::mpsc::channel();
        let d = db.clone();
        let tx1 = tx.clone();
        let _ = lane.send(Box::new(move |_| {
            let _keep_until_unwound = tx1;
            let unit = d.begin().unwrap();
            unit.execute("INSERT INTO t VALUES (1)", []).unwrap();
            panic!("a host bug");
        }));
        let d = db.clone();
        let _ = lane.send(Box::new(move |_| {
            let unit = d.begin().unwrap();
            unit.execute("INSERT INTO t VALUES (2)", []).unwrap();
            assert!(unit.join_group(true).unwrap());
            Some(Settle::new(vec![], Box::new(move |r: Result<(), String>| tx.send(r).unwrap())))
        }));
        rx.recv().unwrap().unwrap();
        let rows: Vec<i64> = db.with(|c| c.prepare("SELECT n FROM t")?.query_map([], |r| r.get(0))?.collect()).unwrap();
        assert_eq!(rows, vec![2]);
    }
}
