//! Events on the bus: what screens show and speak, and what pages need to
//! refresh. Events are public (an anonymous listener gets every `queue.`
//! topic), so each payload carries only what a waiting-area screen shows:
//! ticket numbers, services, windows and the words to show and speak.
//! Never a resident's name, phone, ticket token or priority reason, nor a
//! clerk's name or staff id.

use crate::config::Config;
use crate::estimate::Board;
use crate::fail::Fail;
use crate::ticket::Ticket;
use linli_sdk::prelude::*;
use serde::Serialize;
use serde_json::json;

/// Publish, logging rather than failing: the change is already stored and
/// the next `queue.waiting` brings every page back in step. Payloads are
/// typed structs, written straight to JSON.
fn publish<T: Serialize>(topic: &str, payload: &T) {
    if let Err(e) = events::publish(topic, payload) {
        log::warn(&format!("publishing {topic}: {e}"));
    }
}

/// `A012` → `A零一二`: digits read one by one, as halls announce them.
pub fn spoken(label: &str) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    label.chars().map(|c| c.to_digit(10).map(|d| DIGITS[d as usize].to_string()).unwrap_or_else(|| c.to_string())).collect()
}

/// `queue.called` and `queue.recalled`: what to show and to say.
#[derive(Serialize)]
struct Call<'a> {
    ticket: &'a str,
    service: &'a str,
    window: &'a str,
    display_zh: String,
    display_en: String,
    speak_zh: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    recalls: Option<i64>,
}

fn call_payload<'a>(t: &'a Ticket, window: &'a str) -> Call<'a> {
    Call {
        ticket: &t.label,
        service: &t.service,
        window,
        display_zh: format!("请 {} 号到 {} 号窗口办理", t.label, window),
        display_en: format!("Ticket {}, please go to window {}", t.label, window),
        speak_zh: format!("请 {} 号到 {} 号窗口办理", spoken(&t.label), window),
        recalls: None,
    }
}

/// `queue.issued`: the number, its service and the queue before it; not
/// how or for whom it was taken (channel, priority, appointment: a priority
/// ticket tells that its holder is elderly, disabled or pregnant).
pub fn issued(t: &Ticket, ahead: i64, wait_minutes: i64) {
    #[derive(Serialize)]
    struct Issued<'a> {
        ticket: &'a str,
        service: &'a str,
        ahead: i64,
        wait_minutes: i64,
        time: i64,
    }
    publish("queue.issued", &Issued { ticket: &t.label, service: &t.service, ahead, wait_minutes, time: t.issued_at });
}

pub fn called(t: &Ticket, window: &str) {
    publish("queue.called", &call_payload(t, window));
}

pub fn recalled(t: &Ticket, window: &str) {
    publish("queue.recalled", &Call { recalls: Some(t.recalls), ..call_payload(t, window) });
}

/// The ticket, its service and its window.
#[derive(Serialize)]
struct AtWindow<'a> {
    ticket: &'a str,
    service: &'a str,
    window: &'a str,
}

pub fn serving(t: &Ticket, window: &str) {
    publish("queue.serving", &AtWindow { ticket: &t.label, service: &t.service, window });
}

pub fn skipped(t: &Ticket, window: &str) {
    #[derive(Serialize)]
    struct Skipped<'a> {
        #[serde(flatten)]
        at: AtWindow<'a>,
        display_zh: String,
        display_en: String,
    }
    publish(
        "queue.skipped",
        &Skipped {
            at: AtWindow { ticket: &t.label, service: &t.service, window },
            display_zh: format!("{} 号已过号，请到导办台登记后重新排队", t.label),
            display_en: format!("Ticket {} missed its call; please see the guide desk to rejoin", t.label),
        },
    );
}

pub fn returned(t: &Ticket) {
    publish("queue.returned", &json!({ "ticket": t.label, "service": t.service }));
}

pub fn transferred(t: &Ticket, from_service: &str, from_window: &str) {
    publish(
        "queue.transferred",
        &json!({
            "ticket": t.label,
            "from_service": from_service,
            "from_window": from_window,
            "service": t.service,
            "window": t.target_window,
            "display_zh": format!("{} 号已转至 {} 业务，请稍候", t.label, t.service),
            "display_en": format!("Ticket {} moved to service {}; please wait", t.label, t.service),
        }),
    );
}

/// `queue.finished`: the ticket has left the window. Who served it, how
/// long it took and the outcome are staff matters (the statistics have
/// them); anyone may listen to the bus.
pub fn finished(t: &Ticket, window: &str) {
    #[derive(Serialize)]
    struct Finished<'a> {
        #[serde(flatten)]
        at: AtWindow<'a>,
        time: Option<i64>,
    }
    publish("queue.finished", &Finished { at: AtWindow { ticket: &t.label, service: &t.service, window }, time: t.finished_at });
}

pub fn window(number: &str, paused: bool) {
    publish("queue.window", &json!({ "window": number, "paused": paused }));
}

/// `queue.waiting` after every change, so every screen and page is in step.
pub fn waiting(cfg: &Config, now: i64) -> Result<(), Fail> {
    board(&Board::now(cfg, now)?);
    Ok(())
}

/// `queue.waiting` from a board already read in this call.
pub fn board(board: &Board) {
    publish("queue.waiting", &board.waiting_payload());
}
