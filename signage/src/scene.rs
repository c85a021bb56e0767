//! What a screen shows, independent of where it came from (host, folder, cache).

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::privacy;

/// One call of a ticket to a window, as the host's `queue.called` /
/// `queue.recalled` payload carries it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub ticket: String,
    #[serde(default)]
    pub service: String,
    pub window: String,
    #[serde(default)]
    pub display_zh: String,
    #[serde(default)]
    pub display_en: String,
    #[serde(default)]
    pub speak_zh: String,
    /// A recall of a ticket already called once.
    #[serde(default)]
    pub recall: bool,
    /// The host event id, so a catch-up after a reconnect does not call twice.
    #[serde(default)]
    pub event_id: u64,
}

impl Call {
    /// A call as the screen keeps it, from the shared `queue.called` /
    /// `queue.recalled` payload the player decodes.
    pub fn from_event(call: linli_shared::events::Call, event_id: u64, recall: bool) -> Call {
        Call {
            ticket: call.ticket,
            service: call.service,
            window: call.window,
            display_zh: call.display_zh,
            display_en: call.display_en,
            speak_zh: call.speak_zh,
            recall,
            event_id,
        }
    }
}

/// Waiting count of one service, from `queue.waiting`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceWaiting {
    pub code: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    pub waiting: u32,
}

impl From<linli_shared::events::WaitingService> for ServiceWaiting {
    fn from(s: linli_shared::events::WaitingService) -> Self {
        ServiceWaiting {
            code: s.code,
            name_zh: s.name_zh,
            name_en: s.name_en,
            waiting: u32::try_from(s.waiting.max(0)).unwrap_or(u32::MAX),
        }
    }
}

/// The clerk at a window, as the host's heartbeat answer gives it to that
/// window's display (never on the public event stream).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Clerk {
    pub name: String,
    /// Staff number (工号).
    pub number: String,
}

/// What a window display shows: its own window's state only.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Counter {
    /// The window's number ("" until the player knows it).
    pub window: String,
    /// The ticket being served (called, recalled or serving), if any.
    pub serving: Option<String>,
    /// The window is paused: 暂停服务.
    pub paused: bool,
    pub clerk: Option<Clerk>,
}

/// One item the carousel rotates through.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CarouselItem {
    pub title: String,
    pub body: String,
    /// A picture shown instead of (or above) the body.
    pub image: Option<std::path::PathBuf>,
    pub duration_s: f32,
}

/// An emergency alert: overlays everything until withdrawn.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Alert {
    pub title: String,
    pub body: String,
}

/// Everything a screen shows at one moment.
///
/// `revision` increases on every change, so the renderer re-shapes text only
/// when it moves; `call_started_at` is the scene time of the newest call, which
/// drives the calls board's flash.
#[derive(Clone, Debug, Default)]
pub struct Scene {
    /// Newest first.
    pub calls: VecDeque<Call>,
    pub call_started_at: Option<f64>,
    pub waiting: Vec<ServiceWaiting>,
    pub ticker: Vec<String>,
    pub carousel: Vec<CarouselItem>,
    pub alert: Option<Alert>,
    /// The host is unreachable: show a small offline mark.
    pub offline: bool,
    pub revision: u64,
    /// Goes up when the content (and so perhaps a picture file) changed.
    pub content_epoch: u64,
    /// A window display's window.
    pub counter: Counter,
}

/// How many calls a scene remembers; boards list fewer.
pub const CALL_HISTORY: usize = 16;

impl Scene {
    /// Puts a call on top of the board (a recall of a listed ticket moves it up)
    /// and returns false if this event was already applied.
    pub fn apply_call(&mut self, mut call: Call, now: f64) -> bool {
        if call.event_id != 0 && self.calls.iter().any(|c| c.event_id == call.event_id) {
            return false;
        }
        call.ticket = privacy::mask(&call.ticket);
        call.window = privacy::mask(&call.window);
        self.calls
            .retain(|c| !(c.ticket == call.ticket && c.window == call.window));
        self.calls.push_front(call);
        self.calls.truncate(CALL_HISTORY);
        self.call_started_at = Some(now);
        self.revision += 1;
        true
    }

    pub fn set_waiting(&mut self, waiting: Vec<ServiceWaiting>) {
        if self.waiting != waiting {
            self.waiting = waiting;
            self.revision += 1;
        }
    }

    /// Replaces the notices (ticker, carousel, alert) while keeping calls.
    pub fn set_content(
        &mut self,
        ticker: Vec<String>,
        carousel: Vec<CarouselItem>,
        alert: Option<Alert>,
    ) {
        let ticker: Vec<String> = ticker.iter().map(|t| privacy::mask(t)).collect();
        let carousel: Vec<CarouselItem> = carousel
            .into_iter()
            .map(|c| CarouselItem {
                title: privacy::mask(&c.title),
                body: privacy::mask(&c.body),
                ..c
            })
            .collect();
        let alert = alert.map(|a| Alert {
            title: privacy::mask(&a.title),
            body: privacy::mask(&a.body),
        });
        if self.ticker != ticker || self.carousel != carousel || self.alert != alert {
            self.ticker = ticker;
            self.carousel = carousel;
            self.alert = alert;
            self.revision += 1;
        }
    }

    /// Changes what the window display shows (a no-op when nothing differs).
    pub fn set_counter(&mut self, counter: Counter) {
        let counter = Counter {
            serving: counter.serving.map(|t| privacy::mask(&t)),
            ..counter
        };
        if self.counter != counter {
            self.counter = counter;
            self.revision += 1;
        }
    }

    pub fn set_offline(&mut self, offline: bool) {
        if self.offline != offline {
            self.offline = offline;
            self.revision += 1;
        }
    }

    /// Highest host event id among the calls, to resume from after a restart.
    pub fn last_call_event(&self) -> u64 {
        self.calls.iter().map(|c| c.event_id).max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(ticket: &str, window: &str, id: u64) -> Call {
        Call {
            ticket: ticket.into(),
            window: window.into(),
            event_id: id,
            ..Default::default()
        }
    }

    #[test]
    fn newest_call_first_and_duplicates_ignored() {
        let mut s = Scene::default();
        assert!(s.apply_call(call("A001", "1", 1), 0.0));
        assert!(s.apply_call(call("A002", "2", 2), 1.0));
        assert!(!s.apply_call(call("A002", "2", 2), 2.0));
        assert_eq!(s.calls[0].ticket, "A002");
        assert_eq!(s.call_started_at, Some(1.0));
        // A recall moves the ticket back to the top instead of listing it twice.
        assert!(s.apply_call(
            Call {
                recall: true,
                ..call("A001", "1", 3)
            },
            3.0
        ));
        assert_eq!(s.calls.len(), 2);
        assert_eq!(s.calls[0].ticket, "A001");
    }

    #[test]
    fn notices_are_masked_before_they_reach_the_screen() {
        let mut s = Scene::default();
        let item = CarouselItem {
            title: "姓名：王小明".into(),
            body: "联系电话 13812345678".into(),
            ..Default::default()
        };
        s.set_content(vec!["居民 13900001111 请到窗口".into()], vec![item], None);
        // The policy is linli_shared's (one for the whole platform); here:
        // it was applied, and the numbers are no longer readable whole.
        assert_eq!(s.carousel[0].title, "姓名：王**");
        assert_eq!(s.carousel[0].body, privacy::mask("联系电话 13812345678"));
        assert!(!s.carousel[0].body.contains("12345678"), "{}", s.carousel[0].body);
        assert_eq!(s.ticker[0], privacy::mask("居民 13900001111 请到窗口"));
        assert!(!s.ticker[0].contains("0000"), "{}", s.ticker[0]);
    }

    #[test]
    fn history_is_bounded() {
        let mut s = Scene::default();
        for i in 0..40 {
            s.apply_call(call(&format!("A{i:03}"), "1", i + 1), i as f64);
        }
        assert_eq!(s.calls.len(), CALL_HISTORY);
        assert_eq!(s.last_call_event(), 40);
    }
}
