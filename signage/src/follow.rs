//! Following a host: its content index and its event stream, in a background
//! thread that feeds a channel the render loop drains.
//!
//! After a lost connection the follower backs off (0.5 s doubling to 30 s,
//! with jitter so a hall's screens do not reconnect in lockstep) and resumes
//! with `Last-Event-ID`, so calls made while it was away are caught up.

use std::io::BufRead;
use std::sync::mpsc::Sender;
use std::thread::{self, JoinHandle};
use std::time::Duration;


use crate::http::{self, Url};
use crate::sse;

/// An event from the host's bus, as its SSE `data:` carries it: the shared
/// envelope the host writes (`linli_shared::events`); queue payloads are
/// decoded with the shared types where they are used (`player.rs`).
pub type Envelope = linli_shared::events::Envelope<serde_json::Value>;

/// What the follower reports.
#[derive(Debug)]
pub enum HostEvent {
    /// The event stream is open.
    Online,
    /// The host is unreachable; the reason is for the log.
    Offline(String),
    /// A new content index (JSON of `linli_content::Index`).
    Index(Box<linli_content::Index>),
    Event(Envelope),
    /// A maintainer's request from the host's heartbeat answer.
    Command(crate::fleet::Command),
    /// Who works at this screen's window (a window display's heartbeat answer).
    Clerk(Option<crate::scene::Clerk>),
}

#[derive(Clone, Debug)]
pub struct FollowConfig {
    pub server: Url,
    /// Resume after this event id (0: from now).
    pub last_event_id: u64,
    /// A connection silent this long is presumed dead (the host sends keep-alives).
    pub idle: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// Where to keep the pictures items show (fetched with the index); none: not fetched.
    pub assets: Option<std::path::PathBuf>,
    /// The screen's device token (from pairing), sent as `Authorization: Bearer`.
    pub token: Option<String>,
}

impl FollowConfig {
    pub fn new(server: Url, last_event_id: u64) -> FollowConfig {
        FollowConfig {
            server,
            last_event_id,
            idle: Duration::from_secs(45),
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            assets: None,
            token: None,
        }
    }
}

/// Starts following; the thread ends when the receiver is dropped.
pub fn spawn(cfg: FollowConfig, tx: Sender<HostEvent>) -> std::io::Result<JoinHandle<()>> {
    thread::Builder::new()
        .name("follow-host".into())
        .spawn(move || run(cfg, tx))
}

const INDEX_MAX: u64 = 32 * 1024 * 1024;

fn run(mut cfg: FollowConfig, tx: Sender<HostEvent>) {
    let mut backoff = cfg.backoff_min;
    let mut attempt: u64 = 0;
    loop {
        let result = fetch_index(&cfg, &tx).and_then(|()| stream(&mut cfg, &tx, &mut backoff));
        let reason = match result {
            Ok(()) => "event stream ended".to_string(),
            Err(Stop::Receiver) => return,
            Err(Stop::Failed(e)) => e,
        };
        if tx.send(HostEvent::Offline(reason)).is_err() {
            return;
        }
        attempt += 1;
        thread::sleep(jitter(backoff, attempt));
        backoff = (backoff * 2).min(cfg.backoff_max);
    }
}

enum Stop {
    Receiver,
    Failed(String),
}

impl From<http::HttpError> for Stop {
    fn from(e: http::HttpError) -> Stop {
        Stop::Failed(e.to_string())
    }
}

/// Fetches the content index (and its pictures) once and sends it: what the
/// follower does on connecting, and what a reload request does.
pub fn reload_index(cfg: &FollowConfig, tx: &Sender<HostEvent>) -> Result<(), String> {
    match fetch_index(cfg, tx) {
        Ok(()) => Ok(()),
        Err(Stop::Receiver) => Err("the player has stopped".into()),
        Err(Stop::Failed(e)) => Err(e),
    }
}

fn fetch_index(cfg: &FollowConfig, tx: &Sender<HostEvent>) -> Result<(), Stop> {
    let auth = http::bearer(cfg.token.as_deref());
    let bytes = http::get_bytes(&cfg.server, "/api/content/index", auth.as_deref(), cfg.idle, INDEX_MAX)?;
    match serde_json::from_slice::<linli_content::Index>(&bytes) {
        Ok(index) => {
            if let Some(dir) = &cfg.assets {
                fetch_assets(cfg, &index, dir);
            }
            tx.send(HostEvent::Index(Box::new(index)))
                .map_err(|_| Stop::Receiver)
        }
        // A host with a newer index format must not take the calls away: keep
        // the content we have and follow the events anyway.
        Err(e) => {
            eprintln!("linli-signage: content index not understood: {e}");
            Ok(())
        }
    }
}

const ASSET_MAX: u64 = 16 * 1024 * 1024;

/// Downloads every picture the index names into `dir` (write, then rename),
/// so they show offline too. A failed picture is logged; its item shows text.
fn fetch_assets(cfg: &FollowConfig, index: &linli_content::Index, dir: &std::path::Path) {
    for item in index.items.values() {
        let Some(image) = &item.image else { continue };
        let Some(rel) = safe_relative(&image.path) else {
            eprintln!(
                "linli-signage: skipping picture with unsafe path {:?}",
                image.path
            );
            continue;
        };
        let target = dir.join(&rel);
        let path = format!("/api/content/asset/{}", percent_encode(&image.path));
        let auth = http::bearer(cfg.token.as_deref());
        let result = http::get_bytes(&cfg.server, &path, auth.as_deref(), cfg.idle, ASSET_MAX)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                let parent = target.parent().unwrap_or(dir);
                std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
                let tmp = target.with_extension("part");
                std::fs::write(&tmp, bytes).map_err(|e| e.to_string())?;
                std::fs::rename(&tmp, &target).map_err(|e| e.to_string())
            });
        if let Err(e) = result {
            eprintln!("linli-signage: picture {}: {e}", image.path);
        }
    }
}

/// A content path as a relative path that stays inside the cache.
fn safe_relative(path: &str) -> Option<std::path::PathBuf> {
    let p = std::path::Path::new(path);
    p.components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
        .then(|| p.to_path_buf())
}

/// Percent-encodes a path for a URL, keeping `/` (content paths may be Chinese).
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn stream(
    cfg: &mut FollowConfig,
    tx: &Sender<HostEvent>,
    backoff: &mut Duration,
) -> Result<(), Stop> {
    let last = cfg.last_event_id.to_string();
    let mut headers = vec![
        ("Accept", "text/event-stream"),
        ("Cache-Control", "no-cache"),
    ];
    if cfg.last_event_id > 0 {
        headers.push(("Last-Event-ID", &last));
    }
    let auth = http::bearer(cfg.token.as_deref());
    if let Some(a) = &auth {
        headers.push(("Authorization", a));
    }
    let resp = http::get(
        &cfg.server,
        "/api/events?topics=queue.,content.",
        &headers,
        cfg.idle,
    )?;
    tx.send(HostEvent::Online).map_err(|_| Stop::Receiver)?;
    *backoff = cfg.backoff_min;
    let mut parser = sse::Parser::default();
    for line in resp.body.lines() {
        let line = line.map_err(|e| Stop::Failed(format!("event stream: {e}")))?;
        let Some(msg) = parser.line(&line) else {
            continue;
        };
        let env: Envelope = match serde_json::from_str(&msg.data) {
            Ok(env) => env,
            Err(e) => {
                eprintln!("linli-signage: skipping malformed event: {e}");
                continue;
            }
        };
        // Replays after a resume can overlap what we saw; never go backwards.
        if env.id <= cfg.last_event_id && cfg.last_event_id != 0 {
            continue;
        }
        cfg.last_event_id = env.id;
        let changed = env.topic == "content.changed";
        tx.send(HostEvent::Event(env)).map_err(|_| Stop::Receiver)?;
        if changed {
            fetch_index(cfg, tx)?;
        }
    }
    Ok(())
}

/// ±25 % around `base`, varied per attempt and per process without a RNG crate.
fn jitter(base: Duration, attempt: u64) -> Duration {
    let seed = (std::process::id() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ attempt.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let frac = (seed >> 11) as f64 / (1u64 << 53) as f64;
    base.mul_f64(0.75 + 0.5 * frac)
}

#[cfg(test)]
mod tests {
    use super::jitter;
    use std::time::Duration;

    #[test]
    fn asset_paths_stay_inside_and_are_encoded() {
        assert!(super::safe_relative("images/a.png").is_some());
        assert!(super::safe_relative("../etc/passwd").is_none());
        assert!(super::safe_relative("/etc/passwd").is_none());
        assert_eq!(
            super::percent_encode("images/大厅 1.png"),
            "images/%E5%A4%A7%E5%8E%85%201.png"
        );
    }

    #[test]
    fn jitter_stays_near_base() {
        for a in 0..50 {
            let d = jitter(Duration::from_secs(4), a);
            assert!(d >= Duration::from_secs(3) && d <= Duration::from_secs(5));
        }
    }
}
