//! The screen's side of the maintainer's fleet view: a heartbeat to the host
//! (content revision, last event shown, frame rate, memory, uptime,
//! version) every few seconds, and the maintainer's requests that come back
//! in its answer — a screenshot of the player's own frame, a content
//! reload, a restart.
//!
//! The heartbeat runs in its own thread so a slow host never holds up a
//! frame; requests reach the render loop as [`HostEvent::Command`] on the
//! follower's channel, so they are handled between frames like events.

use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::follow::{self, FollowConfig, HostEvent};
use crate::http::{self, Url};
use crate::player::Player;
use crate::scene::Clerk;

/// A maintainer's request to one screen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Command {
    pub id: i64,
    pub kind: CommandKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandKind {
    /// Render the current frame, encode it as PNG and upload it.
    Screenshot,
    /// Fetch the content index again and lay the screen out anew.
    Reload,
    /// Exit with [`RESTART_EXIT_CODE`]; the kiosk session's service starts the player again.
    Restart,
}

/// The exit status of a requested restart (EX_TEMPFAIL): a service with
/// `Restart=on-failure` starts the player again.
pub const RESTART_EXIT_CODE: i32 = 75;

/// What the render loop knows and the heartbeat reports.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub screen: String,
    pub layout: String,
    /// The window a window display stands above.
    pub window: Option<String>,
    /// The content index's revision the screen shows (0: none yet).
    pub content_revision: u64,
    /// The newest host event the screen has applied.
    pub last_event_id: u64,
    /// Frames painted per second over the last interval.
    pub fps: f32,
}

/// The body of one heartbeat.
#[derive(Debug, Serialize)]
struct Beat<'a> {
    #[serde(flatten)]
    report: &'a Report,
    version: &'static str,
    uptime_s: u64,
    rss_kib: u64,
    pss_kib: u64,
    /// Requests carried out since the last heartbeat.
    done: Vec<i64>,
}

/// The host's answer.
#[derive(Debug, Default, Deserialize)]
struct Answer {
    #[serde(default)]
    commands: Vec<Command>,
    #[serde(default)]
    clerk: Option<Clerk>,
}

#[derive(Clone, Debug)]
pub struct FleetConfig {
    pub server: Url,
    pub token: Option<String>,
    /// Seconds between heartbeats.
    pub every: Duration,
    /// How the content is fetched again on a reload request (the follower's settings).
    pub follow: FollowConfig,
}

impl FleetConfig {
    pub fn new(follow: FollowConfig) -> FleetConfig {
        FleetConfig {
            server: follow.server.clone(),
            token: follow.token.clone(),
            every: Duration::from_secs(10),
            follow,
        }
    }
}

/// The render loop's handle on the heartbeat thread.
#[derive(Clone)]
pub struct Fleet {
    cfg: FleetConfig,
    report: Arc<Mutex<Report>>,
    done: Arc<Mutex<Vec<i64>>>,
}

impl Fleet {
    /// Starts the heartbeat; commands arrive on `tx` (the follower's channel).
    /// The thread ends when that channel's receiver is dropped.
    pub fn spawn(cfg: FleetConfig, report: Report, tx: Sender<HostEvent>) -> std::io::Result<(Fleet, JoinHandle<()>)> {
        let fleet = Fleet {
            cfg,
            report: Arc::new(Mutex::new(report)),
            done: Arc::new(Mutex::new(Vec::new())),
        };
        let f = fleet.clone();
        let handle = thread::Builder::new()
            .name("heartbeat".into())
            .spawn(move || f.run(tx))?;
        Ok((fleet, handle))
    }

    /// Updates what the next heartbeat reports.
    pub fn update(&self, f: impl FnOnce(&mut Report)) {
        if let Ok(mut r) = self.report.lock() {
            f(&mut r);
        }
    }

    /// Notes a request as carried out (reported with the next heartbeat).
    pub fn done(&self, id: i64) {
        if let Ok(mut d) = self.done.lock() {
            d.push(id);
        }
    }

    /// Uploads a screenshot (PNG) for request `id`, in a thread of its own
    /// so the render loop goes on.
    pub fn upload_screenshot(&self, id: i64, png: Vec<u8>) {
        let cfg = self.cfg.clone();
        let spawned = thread::Builder::new().name("screenshot".into()).spawn(move || {
            let auth = http::bearer(cfg.token.as_deref());
            let mut headers = vec![("Accept", "application/json")];
            if let Some(a) = &auth {
                headers.push(("Authorization", a));
            }
            let path = format!("/api/host/fleet/screenshot?command={id}");
            if let Err(e) = http::post(&cfg.server, &path, &headers, "image/png", &png, Duration::from_secs(30), 64 * 1024) {
                eprintln!("linli-signage: screenshot upload: {e}");
            }
        });
        if let Err(e) = spawned {
            eprintln!("linli-signage: screenshot upload: {e}");
        }
    }

    /// One heartbeat now, its requests left for later (just before a
    /// requested restart, so the host hears the restart was carried out).
    pub fn report_now(&self) {
        if let Err(e) = self.beat(Instant::now()) {
            eprintln!("linli-signage: heartbeat: {e}");
        }
    }

    fn run(&self, tx: Sender<HostEvent>) {
        let started = Instant::now();
        loop {
            match self.beat(started) {
                Ok(answer) => {
                    if tx.send(HostEvent::Clerk(answer.clerk)).is_err() {
                        return;
                    }
                    for cmd in answer.commands {
                        if cmd.kind == CommandKind::Reload {
                            // The index comes down this thread's channel
                            // like the follower's; the player then lays
                            // the screen out anew with it.
                            if let Err(e) = follow::reload_index(&self.cfg.follow, &tx) {
                                eprintln!("linli-signage: reload: {e}");
                                continue;
                            }
                        }
                        if tx.send(HostEvent::Command(cmd)).is_err() {
                            return;
                        }
                    }
                }
                Err(e) => eprintln!("linli-signage: heartbeat: {e}"),
            }
            thread::sleep(self.cfg.every);
        }
    }

    fn beat(&self, started: Instant) -> Result<Answer, String> {
        let report = self.report.lock().map(|r| r.clone()).unwrap_or_default();
        let done: Vec<i64> = self.done.lock().map(|mut d| std::mem::take(&mut *d)).unwrap_or_default();
        let (rss_kib, pss_kib) = memory();
        let beat = Beat {
            report: &report,
            version: env!("CARGO_PKG_VERSION"),
            uptime_s: started.elapsed().as_secs(),
            rss_kib,
            pss_kib,
            done: done.clone(),
        };
        let body = serde_json::to_vec(&beat).map_err(|e| e.to_string())?;
        let auth = http::bearer(self.cfg.token.as_deref());
        let mut headers = vec![("Accept", "application/json")];
        if let Some(a) = &auth {
            headers.push(("Authorization", a));
        }
        let result = http::post(&self.cfg.server, "/api/host/fleet/heartbeat", &headers, "application/json", &body, Duration::from_secs(10), 1024 * 1024);
        match result {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| format!("answer not understood: {e}")),
            Err(e) => {
                // Not reported yet: try again with the next heartbeat.
                if let Ok(mut d) = self.done.lock() {
                    d.extend(done);
                }
                Err(e.to_string())
            }
        }
    }
}

/// Carries out the maintainer's requests the player received: a
/// screenshot is `shoot` (the render loop's own frame) encoded as PNG and
/// uploaded; a reload (already applied) and a restart are acknowledged.
/// Returns true when a restart was asked: the caller exits with
/// [`RESTART_EXIT_CODE`].
pub fn carry_out(
    player: &mut Player,
    mut shoot: impl FnMut(&Player) -> Result<image::RgbaImage, String>,
) -> bool {
    let commands = player.take_commands();
    let Some(fleet) = player.fleet.clone() else {
        return false;
    };
    let mut restart = false;
    for cmd in commands {
        match cmd.kind {
            CommandKind::Screenshot => {
                match shoot(player).and_then(|img| encode_png(&img).map_err(|e| e.to_string())) {
                    Ok(png) => fleet.upload_screenshot(cmd.id, png),
                    Err(e) => eprintln!("linli-signage: screenshot: {e}"),
                }
            }
            CommandKind::Reload => fleet.done(cmd.id),
            CommandKind::Restart => {
                fleet.done(cmd.id);
                restart = true;
            }
        }
    }
    if restart {
        fleet.report_now();
    }
    restart
}

/// Resident and proportional memory of this process in KiB, from /proc
/// (0 where the kernel does not say).
pub fn memory() -> (u64, u64) {
    let field = |text: &str, name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let rss = std::fs::read_to_string("/proc/self/status")
        .map(|t| field(&t, "VmRSS:"))
        .unwrap_or(0);
    let pss = std::fs::read_to_string("/proc/self/smaps_rollup")
        .map(|t| field(&t, "Pss:"))
        .unwrap_or(0);
    (rss, pss)
}

/// A frame as PNG bytes, for the screenshot upload.
pub fn encode_png(frame: &image::RgbaImage) -> Result<Vec<u8>, image::ImageError> {
    let mut out = std::io::Cursor::new(Vec::new());
    frame.write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_read_from_proc() {
        let (rss, _pss) = memory();
        assert!(rss > 0, "VmRSS read from /proc/self/status");
    }

    #[test]
    fn commands_parse_from_the_answer() {
        let a: Answer = serde_json::from_str(r#"{"commands":[{"id":3,"kind":"screenshot"},{"id":4,"kind":"restart"}],"clerk":{"name":"王芳","number":"12"}}"#).expect("answer");
        assert_eq!(a.commands[0], Command { id: 3, kind: CommandKind::Screenshot });
        assert_eq!(a.commands[1].kind, CommandKind::Restart);
        assert_eq!(a.clerk.map(|c| c.number), Some("12".to_string()));
    }
}
