//! Events on the bus: what screens show and speak, and what pages need to
//! refresh. Events are public (an anonymous listener gets every `queue.`
//! topic), so each payload carries only what a waiting-area screen shows:
//! ticket numbers, services, windows and the words to show and speak.
//! Never a resident's name, phone, ticket token or priority reason, nor a
//! clerk's name or staff id. The payload types themselves live in
//! `linli_sdk::contracts::events`.

use crate::config::Config;
use crate::estimate::Board;
use crate::fail::Fail;
use crate::ticket::Ticket;
use linli_sdk::prelude::*;
// The payload types are the shared contract the signage player decodes
// (`linli_sdk::contracts::events`): one definition, so the two cannot drift.
use linli_sdk::contracts::events::{self as contract, topic};
use serde::Serialize;

/// Publish, logging rather than failing: the change is already stored and
/// the next `queue.waiting` brings every page back in step.
fn publish<T: Serialize>(topic: &str, payload: &T) {
    if let Err(e) = events::publish(topic, payload) {
        log::warn(&format!("publishing {topic}: {e}"));
    }
}

/// `queue.issued`: the number, its service and the queue before it; not
/// how or for whom it was taken.
pub fn issued(t: &Ticket, ahead: i64, wait_minutes: i64) {
    let p = contract::Issued { ticket: t.label.clone(), service: t.service.clone(), ahead, wait_minutes, time: t.issued_at };
    publish(topic::ISSUED, &p);
}

/// `queue.called`: what to show, and the sentence screens speak as it is.
pub fn called(t: &Ticket, window: &str) {
    publish(topic::CALLED, &contract::Call::new(&t.label, &t.service, window, None));
}

pub fn recalled(t: &Ticket, window: &str) {
    publish(topic::RECALLED, &contract::Call::new(&t.label, &t.service, window, Some(t.recalls)));
}

fn at_window(t: &Ticket, window: &str) -> contract::AtWindow {
    contract::AtWindow { ticket: t.label.clone(), service: t.service.clone(), window: window.to_string() }
}

pub fn serving(t: &Ticket, window: &str) {
    publish(topic::SERVING, &at_window(t, window));
}

pub fn skipped(t: &Ticket, window: &str) {
    publish(topic::SKIPPED, &contract::Skipped::new(&t.label, &t.service, window));
}

pub fn returned(t: &Ticket) {
    publish(topic::RETURNED, &contract::Returned { ticket: t.label.clone(), service: t.service.clone() });
}

pub fn transferred(t: &Ticket, from_service: &str, from_window: &str) {
    let p = contract::Transferred::new(&t.label, from_service, from_window, &t.service, t.target_window.as_deref());
    publish(topic::TRANSFERRED, &p);
}

/// `queue.finished`: the ticket has left the window. Who served it, how
/// long it took and the outcome are staff matters (the statistics have
/// them); anyone may listen to the bus.
pub fn finished(t: &Ticket, window: &str) {
    let p = contract::Finished { ticket: t.label.clone(), service: t.service.clone(), window: window.to_string(), time: t.finished_at };
    publish(topic::FINISHED, &p);
}

pub fn window(number: &str, paused: bool) {
    publish(topic::WINDOW, &contract::WindowState { window: number.to_string(), paused });
}

/// `queue.waiting` after every change, so every screen and page is in step.
pub fn waiting(cfg: &Config, now: i64) -> Result<(), Fail> {
    board(&Board::now(cfg, now)?);
    Ok(())
}

/// `queue.waiting` from a board already read in this call.
pub fn board(board: &Board) {
    publish(topic::WAITING, &board.waiting_payload());
}
