//! Spoken announcements: a chime, then the call in Mandarin, through espeak-ng.
//!
//! Each speaker zone has one queue and one worker thread, so announcements in
//! a zone never overlap. The queue keeps its backlog bounded: when calls come
//! faster than they can be spoken, the oldest repeats are dropped first, then
//! the oldest announcements; the screen already shows every call.

pub mod espeak;
pub mod queue;

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

pub use queue::{Announcement, Utterance, VoiceQueue};

/// Says things out loud; the worker calls it for one utterance at a time.
pub trait Speaker: Send + 'static {
    fn chime(&mut self);
    fn say(&mut self, text: &str);
}

struct Zone {
    shared: Arc<(Mutex<VoiceQueue>, Condvar)>,
}

/// The speaker zones of this player, each with its queue and worker.
pub struct Voice {
    zones: HashMap<String, Zone>,
    make_speaker: Box<dyn Fn() -> Box<dyn Speaker> + Send>,
    max_backlog: usize,
}

impl Voice {
    pub fn new(
        max_backlog: usize,
        make_speaker: impl Fn() -> Box<dyn Speaker> + Send + 'static,
    ) -> Voice {
        Voice {
            zones: HashMap::new(),
            make_speaker: Box::new(make_speaker),
            max_backlog,
        }
    }

    /// Queues `a` in `zone`, starting the zone's worker on first use.
    pub fn announce(&mut self, zone: &str, a: Announcement) {
        let max_backlog = self.max_backlog;
        let make = &self.make_speaker;
        let z = self.zones.entry(zone.to_string()).or_insert_with(|| {
            let shared = Arc::new((Mutex::new(VoiceQueue::new(max_backlog)), Condvar::new()));
            let worker = Arc::clone(&shared);
            let speaker = make();
            let spawned = thread::Builder::new()
                .name(format!("voice-{zone}"))
                .spawn(move || run(worker, speaker));
            if let Err(e) = spawned {
                eprintln!("linli-signage: voice for zone {zone} not started: {e}");
            }
            Zone { shared }
        });
        let (lock, ready) = &*z.shared;
        if let Ok(mut q) = lock.lock() {
            q.push(a);
            ready.notify_one();
        }
    }

    /// Utterances waiting in `zone` (not counting the one being spoken).
    pub fn backlog(&self, zone: &str) -> usize {
        self.zones
            .get(zone)
            .and_then(|z| z.shared.0.lock().ok().map(|q| q.backlog()))
            .unwrap_or(0)
    }
}

fn run(shared: Arc<(Mutex<VoiceQueue>, Condvar)>, mut speaker: Box<dyn Speaker>) {
    let (lock, ready) = &*shared;
    loop {
        let next = {
            let Ok(mut q) = lock.lock() else { return };
            loop {
                if let Some(u) = q.pop() {
                    break u;
                }
                q = match ready.wait(q) {
                    Ok(q) => q,
                    Err(_) => return,
                };
            }
        };
        // Speaking happens outside the lock so new calls can queue meanwhile.
        if next.first {
            speaker.chime();
        }
        speaker.say(&next.text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    struct Recorder(mpsc::Sender<String>);

    impl Speaker for Recorder {
        fn chime(&mut self) {
            let _ = self.0.send("chime".into());
        }
        fn say(&mut self, text: &str) {
            thread::sleep(Duration::from_millis(20));
            let _ = self.0.send(text.to_string());
        }
    }

    #[test]
    fn zone_speaks_in_order_with_chime_and_repeats() {
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let mut voice = Voice::new(10, move || {
            let tx = tx.lock().map(|t| t.clone()).expect("sender");
            Box::new(Recorder(tx)) as Box<dyn Speaker>
        });
        voice.announce(
            "hall",
            Announcement {
                text: "一".into(),
                repeats: 2,
            },
        );
        voice.announce(
            "hall",
            Announcement {
                text: "二".into(),
                repeats: 1,
            },
        );
        let heard: Vec<String> = (0..5)
            .map(|_| rx.recv_timeout(Duration::from_secs(5)).expect("spoken"))
            .collect();
        assert_eq!(heard, ["chime", "一", "一", "chime", "二"]);
    }
}
