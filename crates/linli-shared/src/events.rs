//! The bus's wire contract, one definition for every side: the envelope the
//! host's `GET /api/events` sends, and the queue plugin's payloads, one type
//! per topic. The queue plugin encodes these types, the host frames them in
//! [`Envelope`], and the signage player decodes the same types, so a field
//! renamed on one side fails to build (or fails the contract test in
//! `tests/tests/queue/events.rs`) instead of silently blanking a screen.
//!
//! Events are public (an anonymous listener gets every `queue.` topic), so
//! each payload carries only what a waiting-area screen shows: ticket
//! numbers, services, windows and the words to show and speak. Never a
//! resident's name, phone, ticket token or priority reason, nor a clerk's
//! name or staff id.

use serde::{Deserialize, Serialize};

/// One event as `GET /api/events` sends it (the SSE `data:` line).
///
/// The fields are declared in alphabetical order: that is the order the
/// host has always written them in (a JSON map), which the player's recorded
/// fixtures (`signage/tests/fixtures/host-events.sse`) hold byte for byte.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Envelope<P> {
    /// The bus's stable, increasing id (also the SSE `id:`, for resume).
    pub id: u64,
    /// The topic's own payload: one of this module's types for `queue.`.
    #[serde(default)]
    pub payload: P,
    /// The plugin that published it (`host` for the host's own events).
    #[serde(default)]
    pub source: String,
    /// Milliseconds since the Unix epoch, when it was stored.
    #[serde(default)]
    pub time: i64,
    /// `queue.called`, `content.changed`, …
    pub topic: String,
}

/// The queue's topics, as the plugin publishes them.
pub mod topic {
    /// A ticket was taken: [`super::Issued`].
    pub const ISSUED: &str = "queue.issued";
    /// A ticket was called to a window: [`super::Call`].
    pub const CALLED: &str = "queue.called";
    /// A called ticket was called again: [`super::Call`] with `recalls`.
    pub const RECALLED: &str = "queue.recalled";
    /// The resident reached the window: [`super::AtWindow`].
    pub const SERVING: &str = "queue.serving";
    /// A called ticket did not come: [`super::Skipped`].
    pub const SKIPPED: &str = "queue.skipped";
    /// A skipped ticket was put back in the queue: [`super::Returned`].
    pub const RETURNED: &str = "queue.returned";
    /// A ticket moved to another service: [`super::Transferred`].
    pub const TRANSFERRED: &str = "queue.transferred";
    /// A ticket left the window: [`super::Finished`].
    pub const FINISHED: &str = "queue.finished";
    /// A window paused or resumed: [`super::WindowState`].
    pub const WINDOW: &str = "queue.window";
    /// The waiting counts after every change: [`super::Waiting`].
    pub const WAITING: &str = "queue.waiting";
    /// Every queue topic, for listeners and tests.
    pub const ALL: [&str; 10] = [ISSUED, CALLED, RECALLED, SERVING, SKIPPED, RETURNED, TRANSFERRED, FINISHED, WINDOW, WAITING];
}

/// `queue.issued`: the number, its service and the queue before it; not
/// how or for whom it was taken (channel, priority, appointment: a priority
/// ticket tells that its holder is elderly, disabled or pregnant).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Issued {
    /// `A012`.
    pub ticket: String,
    /// The service code (`A`).
    pub service: String,
    /// Tickets of the service waiting before this one.
    pub ahead: i64,
    /// The estimate shown to the resident.
    pub wait_minutes: i64,
    /// When it was taken (ms since the epoch).
    pub time: i64,
}

/// `queue.called` and `queue.recalled`: what to show and what to say. The
/// player speaks `speak_zh` as it is: the reading of numbers is decided once,
/// here, by [`crate::speech`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// `A012`.
    pub ticket: String,
    /// The service code.
    #[serde(default)]
    pub service: String,
    /// The window's number (`3`).
    pub window: String,
    /// `请 A012 号到 3 号窗口办理`.
    #[serde(default)]
    pub display_zh: String,
    /// `Ticket A012, please go to window 3`.
    #[serde(default)]
    pub display_en: String,
    /// The sentence announced: `请 A零幺二 号到 三 号窗口办理`, with
    /// `再次呼叫，` before it for a recall.
    #[serde(default)]
    pub speak_zh: String,
    /// How many times it has been recalled (`queue.recalled` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recalls: Option<i64>,
}

impl Call {
    /// The call of `ticket` to `window`, with its display and speech text;
    /// `recalls` for a recall.
    pub fn new(ticket: &str, service: &str, window: &str, recalls: Option<i64>) -> Call {
        let mut speak_zh = crate::speech::call_sentence(ticket, window, crate::speech::Digits::Yao);
        if recalls.is_some() {
            speak_zh.insert_str(0, crate::speech::RECALL_PREFIX);
        }
        Call {
            ticket: ticket.to_string(),
            service: service.to_string(),
            window: window.to_string(),
            display_zh: format!("请 {ticket} 号到 {window} 号窗口办理"),
            display_en: format!("Ticket {ticket}, please go to window {window}"),
            speak_zh,
            recalls,
        }
    }
}

/// `queue.serving`: the ticket, its service and its window.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AtWindow {
    /// `A012`.
    pub ticket: String,
    /// The service code.
    #[serde(default)]
    pub service: String,
    /// The window's number.
    pub window: String,
}

/// `queue.skipped`: the ticket missed its call.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    /// `A012`.
    pub ticket: String,
    /// The service code.
    #[serde(default)]
    pub service: String,
    /// The window that called it.
    pub window: String,
    /// What a screen shows, in Chinese.
    #[serde(default)]
    pub display_zh: String,
    /// What a screen shows, in English.
    #[serde(default)]
    pub display_en: String,
}

impl Skipped {
    /// The skip of `ticket` at `window`, with its display text.
    pub fn new(ticket: &str, service: &str, window: &str) -> Skipped {
        Skipped {
            ticket: ticket.to_string(),
            service: service.to_string(),
            window: window.to_string(),
            display_zh: format!("{ticket} 号已过号，请到导办台登记后重新排队"),
            display_en: format!("Ticket {ticket} missed its call; please see the guide desk to rejoin"),
        }
    }
}

/// `queue.returned`: a skipped ticket is back in its service's queue.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Returned {
    /// `A012`.
    pub ticket: String,
    /// The service code.
    pub service: String,
}

/// `queue.transferred`: a ticket moved from one service (and window) to another.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Transferred {
    /// `A012`.
    pub ticket: String,
    /// The service it left.
    pub from_service: String,
    /// The window it left.
    pub from_window: String,
    /// The service it joined.
    pub service: String,
    /// The window it was sent to, if one (`null`: any window of the service).
    #[serde(default)]
    pub window: Option<String>,
    /// What a screen shows, in Chinese.
    #[serde(default)]
    pub display_zh: String,
    /// What a screen shows, in English.
    #[serde(default)]
    pub display_en: String,
}

impl Transferred {
    /// The move of `ticket` from `from_service` at `from_window` to `service`.
    pub fn new(ticket: &str, from_service: &str, from_window: &str, service: &str, window: Option<&str>) -> Transferred {
        Transferred {
            ticket: ticket.to_string(),
            from_service: from_service.to_string(),
            from_window: from_window.to_string(),
            service: service.to_string(),
            window: window.map(str::to_string),
            display_zh: format!("{ticket} 号已转至 {service} 业务，请稍候"),
            display_en: format!("Ticket {ticket} moved to service {service}; please wait"),
        }
    }
}

/// `queue.finished`: the ticket has left the window. Who served it, how long
/// it took and the outcome are staff matters (the statistics have them).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Finished {
    /// `A012`.
    pub ticket: String,
    /// The service code.
    #[serde(default)]
    pub service: String,
    /// The window it left.
    pub window: String,
    /// When (ms since the epoch).
    #[serde(default)]
    pub time: Option<i64>,
}

/// `queue.window`: a window paused (暂停服务) or resumed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WindowState {
    /// The window's number.
    pub window: String,
    /// True while paused.
    pub paused: bool,
}

/// `queue.waiting`: every service's queue, after every change.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Waiting {
    /// In the configured order of services.
    pub services: Vec<WaitingService>,
}

/// One service's line in [`Waiting`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WaitingService {
    /// The service code.
    pub code: String,
    /// Its name in Chinese.
    #[serde(default)]
    pub name_zh: String,
    /// Its name in English.
    #[serde(default)]
    pub name_en: String,
    /// Tickets waiting.
    pub waiting: i64,
    /// Windows open for it.
    #[serde(default)]
    pub windows_open: i64,
    /// The estimated wait for a ticket taken now.
    #[serde(default)]
    pub wait_minutes: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recall_is_announced_as_one() {
        let c = Call::new("A012", "A", "3", None);
        assert_eq!(c.speak_zh, "请 A零幺二 号到 三 号窗口办理");
        assert_eq!(c.display_zh, "请 A012 号到 3 号窗口办理");
        let r = Call::new("A012", "A", "3", Some(1));
        assert_eq!(r.speak_zh, "再次呼叫，请 A零幺二 号到 三 号窗口办理");
    }
}
