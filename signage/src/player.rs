//! The player: keeps a screen's [`Scene`] and [`Layout`] current from its
//! source (a host, a local folder, or the demo), and hands calls to the voice
//! only after they are on screen.

use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use linli_content::{ContentStore, Index, Timestamp, WatchGuard};

use crate::cache::{DiskCache, QueueState};
use crate::content;
use crate::demo;
use crate::follow::{Envelope, HostEvent};
use crate::layout::Layout;
use crate::fleet::{Command, CommandKind};
use crate::scene::{Call, Counter, Scene, ServiceWaiting};
use crate::speech::{self, Digits};
use linli_shared::events::{self, topic};
use crate::voice::{Announcement, Voice};

/// How a screen speaks.
#[derive(Clone, Debug)]
pub struct VoiceConfig {
    pub enabled: bool,
    pub repeats: u32,
    pub digits: Digits,
    /// Screens sharing speakers share a zone; defaults to the screen name.
    pub zone: Option<String>,
    /// Utterances a zone may hold before old repeats are dropped.
    pub backlog: usize,
    /// `--speaks`: this screen is (true) or is not (false) its zone's
    /// speaker, whatever the layout's `speaker` names. None: the layout decides.
    pub speaks: Option<bool>,
}

impl Default for VoiceConfig {
    fn default() -> Self {
        VoiceConfig {
            enabled: true,
            repeats: 2,
            digits: Digits::Yao,
            zone: None,
            backlog: 6,
            speaks: None,
        }
    }
}

/// Whether `screen` reads calls aloud. Every screen of a hall shows every
/// call, but the speakers of a zone must hear each announcement once: two
/// players speaking the same call are never quite in step and sound like an
/// echo. So only one screen per speaker zone speaks:
/// - a window display (a layout with a `window` zone) never speaks, its
///   window's call is announced by the hall's speaker;
/// - the voice switched off (`--voice off`, layout option `voice = false`):
///   silent;
/// - `--speaks on|off` on this player decides next;
/// - else the layout's `speaker = "<screen name>"` option names the one screen
///   of its zone that speaks; without it every screen with the layout speaks
///   (a hall with one screen per zone, as before).
pub fn speaks(screen: &str, layout: &Layout, cfg: &VoiceConfig) -> bool {
    if layout.zone(crate::layout::ZoneKind::Window).is_some() || !cfg.enabled || !layout.voice {
        return false;
    }
    if let Some(s) = cfg.speaks {
        return s;
    }
    match &layout.speaker {
        Some(chosen) => chosen == screen,
        None => true,
    }
}

/// Where the scene comes from.
pub enum Source {
    /// The built-in demo, with a new call every few seconds.
    Demo { next_call: f64, n: u32, every: f64 },
    /// A local content folder, watched for changes.
    Folder {
        store: Arc<RwLock<ContentStore>>,
        changes: Receiver<()>,
        _watch: Option<WatchGuard>,
    },
    /// A host followed over HTTP.
    Host {
        events: Receiver<HostEvent>,
        cache: DiskCache,
    },
    /// Nothing: a fixed scene (tests).
    Fixed,
}

/// Seconds between re-checks of schedules and validity (time alone can change what shows).
const CONTENT_RECHECK: f64 = 5.0;
/// A call older than this when it arrives (caught up after a reconnect) is shown but not announced.
const ANNOUNCE_MAX_AGE_MS: u64 = 60_000;
/// Seconds between demo calls.
const DEMO_CALL_EVERY: f64 = 8.0;

pub struct Player {
    pub scene: Scene,
    pub layout: Layout,
    pub screen: String,
    fallback_layout: Layout,
    index: Option<Index>,
    assets: Option<PathBuf>,
    source: Source,
    content_checked: f64,
    voice: Option<Voice>,
    voice_cfg: VoiceConfig,
    /// Announcements of calls not yet presented on screen.
    pending_voice: Vec<Announcement>,
    /// When the newest unpresented call arrived (for the call-to-frame latency).
    pub call_arrived: Option<Instant>,
    last_event_id: u64,
    /// The host's address, so a layout's relative QR link ("/resident") becomes a full one.
    url_base: Option<String>,
    reported_offline: bool,
    /// The content layout this screen is configured with, if named.
    layout_id: Option<String>,
    /// A window display's window: only its events are followed.
    own_window: Option<String>,
    /// Maintainer's requests for the render loop (screenshot, restart) and
    /// carried-out reloads to acknowledge; see [`Player::take_commands`].
    commands: Vec<Command>,
    /// A window display's state from the disk cache, for its window.
    cached_counter: Option<Counter>,
    /// Reload requests obeyed.
    pub reloads: u64,
    /// The revision of the content index in use (0: none).
    pub content_revision: u64,
    /// The heartbeat to the host's fleet view, when following a host.
    pub fleet: Option<crate::fleet::Fleet>,
    /// What the heartbeat was last told (revision, event id, window), so
    /// it is told only on a change.
    fleet_told: (u64, u64, Option<String>, String),
}

impl Player {
    pub fn new(screen: &str, layout: Layout, source: Source) -> Player {
        let mut p = Player {
            scene: Scene::default(),
            layout: layout.clone(),
            screen: screen.to_string(),
            fallback_layout: layout,
            index: None,
            assets: None,
            source,
            content_checked: f64::NEG_INFINITY,
            voice: None,
            voice_cfg: VoiceConfig {
                enabled: false,
                ..Default::default()
            },
            pending_voice: Vec::new(),
            call_arrived: None,
            last_event_id: 0,
            url_base: None,
            reported_offline: false,
            layout_id: None,
            own_window: None,
            commands: Vec::new(),
            cached_counter: None,
            reloads: 0,
            content_revision: 0,
            fleet: None,
            fleet_told: (0, 0, None, String::new()),
        };
        p.follow_window();
        p
    }

    /// The demo scene on `layout`.
    pub fn demo(screen: &str, layout: Layout) -> Player {
        Player::demo_every(screen, layout, DEMO_CALL_EVERY)
    }

    /// The demo scene with a new call every `every` seconds.
    pub fn demo_every(screen: &str, layout: Layout, every: f64) -> Player {
        let every = if every > 0.0 { every } else { DEMO_CALL_EVERY };
        let mut p = Player::new(
            screen,
            layout,
            Source::Demo {
                next_call: every,
                n: 13,
                every,
            },
        );
        p.scene = demo::scene(0.0);
        p
    }

    /// A local folder, watched with notify.
    pub fn folder(
        screen: &str,
        fallback: Layout,
        dir: PathBuf,
        watch: bool,
    ) -> Result<Player, linli_content::Error> {
        let store = Arc::new(RwLock::new(ContentStore::open(
            &dir,
            linli_content::ContentConfig::default(),
        )?));
        let (tx, changes) = std::sync::mpsc::channel();
        let guard = if watch {
            Some(linli_content::watch(Arc::clone(&store), move |_| {
                let _ = tx.send(());
            })?)
        } else {
            None
        };
        let assets = store
            .read()
            .ok()
            .map(|s| s.root().to_path_buf())
            .or(Some(dir));
        let mut p = Player::new(
            screen,
            fallback,
            Source::Folder {
                store,
                changes,
                _watch: guard,
            },
        );
        p.assets = assets;
        p.reload_folder(0.0);
        Ok(p)
    }

    /// A host, starting from what the disk cache holds.
    pub fn host(
        screen: &str,
        fallback: Layout,
        server: &str,
        events: Receiver<HostEvent>,
        cache: DiskCache,
    ) -> Player {
        let cached_index = cache.load_index();
        let cached_queue = cache.load_queue();
        let mut p = Player::new(screen, fallback, Source::Host { events, cache });
        p.url_base = Some(server.trim_end_matches('/').to_string());
        if let Source::Host { cache, .. } = &p.source {
            p.assets = Some(cache.assets_dir());
        }
        if let Some(q) = cached_queue {
            for call in q.calls.into_iter().rev() {
                p.scene.apply_call(call, f64::NEG_INFINITY);
            }
            p.scene.set_waiting(q.waiting);
            p.last_event_id = q.last_event_id;
            // Shown once the layout says this is that window's display.
            p.cached_counter = q.counter;
            p.scene.counter = Counter::default();
            p.follow_window();
        }
        if let Some(index) = cached_index {
            p.set_index(index, 0.0);
        }
        // Offline until the stream opens: the cached screen carries the mark.
        p.scene.set_offline(true);
        p
    }

    /// The event id to resume the host's stream from.
    pub fn last_event_id(&self) -> u64 {
        self.last_event_id
    }

    /// Uses the content layout `id` (applied with the next content).
    pub fn set_layout_id(&mut self, id: Option<String>) {
        self.layout_id = id;
        if let Some(index) = self.index.take() {
            self.set_index(index, self.content_checked.max(0.0));
        }
    }

    pub fn set_voice(&mut self, voice: Option<Voice>, cfg: VoiceConfig) {
        self.voice = voice;
        self.voice_cfg = cfg;
    }

    /// Applies whatever arrived since the last frame; `t` is the player's clock.
    pub fn update(&mut self, t: f64) {
        let mut reload_folder = false;
        let mut host_events = Vec::new();
        match &mut self.source {
            Source::Demo {
                next_call,
                n,
                every,
            } => {
                if t >= *next_call {
                    *next_call = t + *every;
                    *n += 1;
                    let windows = ["1", "2", "3", "4", "5"];
                    let ticket = format!("{}{:03}", ["A", "B", "C"][*n as usize % 3], *n);
                    let call = demo::call(&ticket, windows[*n as usize % windows.len()], 0);
                    self.call_arrived = Some(Instant::now());
                    self.take_call(call, t, true);
                }
            }
            Source::Folder { changes, .. } => {
                while changes.try_recv().is_ok() {
                    reload_folder = true;
                }
            }
            Source::Host { events, .. } => {
                while let Ok(ev) = events.try_recv() {
                    host_events.push(ev);
                }
            }
            Source::Fixed => {}
        }
        if reload_folder {
            self.reload_folder(t);
        }
        // Only the bus's events change the queue (not the heartbeat's clerk
        // or requests, which come every few seconds).
        let queue_changed = host_events.iter().any(|e| matches!(e, HostEvent::Event(_)));
        for ev in host_events {
            self.apply_host_event(ev, t);
        }
        if queue_changed {
            self.save_queue();
        }
        if t - self.content_checked >= CONTENT_RECHECK {
            self.refresh_content(t);
        }
        self.tell_fleet();
    }

    /// Passes what the heartbeat reports on, when it changed.
    fn tell_fleet(&mut self) {
        let Some(fleet) = &self.fleet else { return };
        let now = (
            self.content_revision,
            self.last_event_id,
            self.own_window.clone(),
            self.layout.name.clone(),
        );
        if now != self.fleet_told {
            fleet.update(|r| {
                r.content_revision = now.0;
                r.last_event_id = now.1;
                r.window = now.2.clone();
                r.layout = now.3.clone();
            });
            self.fleet_told = now;
        }
    }

    /// The frame rate the window measured, for the heartbeat.
    pub fn set_fps(&self, fps: f32) {
        if let Some(fleet) = &self.fleet {
            fleet.update(|r| r.fps = fps);
        }
    }

    /// Blocks up to `timeout` for a host's first content (headless previews).
    pub fn settle(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            let ev = match &self.source {
                Source::Host { events, .. } => events.recv_timeout(Duration::from_millis(50)),
                _ => return,
            };
            if let Ok(ev) = ev {
                let done = matches!(ev, HostEvent::Online);
                self.apply_host_event(ev, 0.0);
                if done {
                    // Let a resume's catch-up arrive too.
                    std::thread::sleep(Duration::from_millis(200));
                    self.update(0.0);
                    return;
                }
            }
        }
    }

    pub fn apply_host_event(&mut self, ev: HostEvent, t: f64) {
        match ev {
            HostEvent::Online => {
                self.reported_offline = false;
                self.scene.set_offline(false);
            }
            HostEvent::Offline(reason) => {
                // Logged once per outage, not once per retry.
                if !self.scene.offline || !self.reported_offline {
                    self.reported_offline = true;
                    eprintln!(
                        "linli-signage: host unreachable ({reason}); showing the last content"
                    );
                }
                self.scene.set_offline(true);
            }
            HostEvent::Index(index) => {
                if let Source::Host { cache, .. } = &self.source
                    && let Err(e) = cache.save_index(&index)
                {
                    eprintln!("linli-signage: cache: {e}");
                }
                self.set_index(*index, t);
            }
            HostEvent::Event(env) => self.apply_envelope(env, t),
            HostEvent::Clerk(clerk) => {
                let counter = Counter {
                    clerk,
                    ..self.scene.counter.clone()
                };
                self.scene.set_counter(counter);
            }
            HostEvent::Command(cmd) => {
                if cmd.kind == CommandKind::Reload {
                    // The heartbeat thread sent the fresh index just before
                    // this; a folder is read again here.
                    if matches!(self.source, Source::Folder { .. }) {
                        self.reload_folder(t);
                    }
                    self.reloads += 1;
                }
                self.commands.push(cmd);
            }
        }
    }

    /// The maintainer's requests received since the last call: the render
    /// loop takes screenshots and restarts, and acknowledges each (a reload
    /// is already carried out when it appears here).
    pub fn take_commands(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.commands)
    }

    /// The window this screen displays, if it is a window display.
    pub fn own_window(&self) -> Option<&str> {
        self.own_window.as_deref()
    }

    /// Works out (again, after a layout change) which window this screen
    /// displays.
    fn follow_window(&mut self) {
        self.own_window = self.layout.own_window(&self.screen);
        if let Some(w) = &self.own_window
            && self.scene.counter.window != *w
        {
            let counter = match self.cached_counter.take() {
                // What it showed before a restart.
                Some(c) if c.window == *w => c,
                _ => Counter {
                    window: w.clone(),
                    serving: None,
                    paused: false,
                    ..self.scene.counter.clone()
                },
            };
            self.scene.set_counter(counter);
        }
    }

    /// A window display's part of an event: only its own window's.
    /// Returns false when the event is about another window and should be
    /// left out entirely.
    fn apply_to_window(&mut self, event: &QueueEvent) -> bool {
        let Some(own) = self.own_window.clone() else {
            return true;
        };
        let masked = |t: &str| Some(crate::privacy::mask(t));
        let mut c = self.scene.counter.clone();
        let mine = |w: &str| w == own;
        let is_mine = match event {
            QueueEvent::Call(call, _) => {
                if mine(&call.window) {
                    c.serving = masked(&call.ticket);
                    c.paused = false;
                }
                mine(&call.window)
            }
            QueueEvent::Serving(at) => {
                if mine(&at.window) {
                    c.serving = masked(&at.ticket);
                    c.paused = false;
                }
                mine(&at.window)
            }
            QueueEvent::Left { ticket, window } => {
                if mine(window) && c.serving == masked(ticket) {
                    c.serving = None;
                }
                mine(window)
            }
            QueueEvent::Transferred(t) => {
                if mine(&t.from_window) && c.serving == masked(&t.ticket) {
                    c.serving = None;
                    true
                } else {
                    t.window.as_deref().is_some_and(mine)
                }
            }
            QueueEvent::Window(w) => {
                if mine(&w.window) {
                    c.paused = w.paused;
                }
                mine(&w.window)
            }
            QueueEvent::Waiting(_) => return true,
            QueueEvent::Other => return false,
        };
        self.scene.set_counter(c);
        is_mine
    }

    fn apply_envelope(&mut self, env: Envelope, t: f64) {
        self.last_event_id = self.last_event_id.max(env.id);
        let event = match QueueEvent::decode(&env.topic, env.payload) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("linli-signage: event {} ({}): {e}", env.id, env.topic);
                return;
            }
        };
        if !self.apply_to_window(&event) {
            return;
        }
        match event {
            QueueEvent::Call(call, recall) => {
                let now_ms = chrono::Utc::now().timestamp_millis().max(0) as u64;
                let time = env.time.max(0) as u64;
                let fresh = time == 0 || now_ms.saturating_sub(time) < ANNOUNCE_MAX_AGE_MS;
                self.call_arrived = Some(Instant::now());
                self.take_call(Call::from_event(call, env.id, recall), t, fresh);
            }
            QueueEvent::Waiting(w) => {
                self.scene.set_waiting(w.services.into_iter().map(ServiceWaiting::from).collect())
            }
            _ => {}
        }
    }

    /// Puts a call on screen and queues its announcement for after the frame.
    /// The sentence is the one the queue plugin wrote (`speak_zh`, a recall's
    /// included): the reading of numbers is decided there, once.
    pub fn take_call(&mut self, call: Call, t: f64, announce: bool) {
        let sentence = if !call.speak_zh.is_empty() {
            call.speak_zh.clone()
        } else {
            let mut s = speech::call_sentence(&call.ticket, &call.window, self.voice_cfg.digits);
            if call.recall {
                s.insert_str(0, speech::RECALL_PREFIX);
            }
            s
        };
        if self.scene.apply_call(call, t) && announce && self.speaks() {
            self.pending_voice.push(Announcement {
                text: sentence,
                repeats: self.voice_cfg.repeats,
            });
        }
    }

    /// Whether this screen reads calls aloud: see [`speaks`].
    pub fn speaks(&self) -> bool {
        speaks(&self.screen, &self.layout, &self.voice_cfg)
    }

    /// Call after the frame is presented: the screen is the primary channel,
    /// so the voice starts only once the call is visible.
    pub fn presented(&mut self) {
        if self.pending_voice.is_empty() {
            return;
        }
        let zone = self
            .layout
            .speaker_zone
            .clone()
            .or_else(|| self.voice_cfg.zone.clone())
            .unwrap_or_else(|| self.screen.clone());
        match &mut self.voice {
            Some(voice) => {
                for a in self.pending_voice.drain(..) {
                    voice.announce(&zone, a);
                }
            }
            None => self.pending_voice.clear(),
        }
    }

    fn reload_folder(&mut self, t: f64) {
        let index = match &self.source {
            Source::Folder { store, .. } => store.read().ok().map(|s| s.index().clone()),
            _ => None,
        };
        if let Some(index) = index {
            for e in index.all_errors() {
                eprintln!("linli-signage: content: {e}");
            }
            self.set_index(index, t);
        }
    }

    fn set_index(&mut self, index: Index, t: f64) {
        let mut ids = Vec::with_capacity(3);
        if let Some(id) = &self.layout_id {
            ids.push(id.as_str());
        }
        ids.push(&self.screen);
        ids.push(&self.fallback_layout.name);
        self.layout = content::pick_layout(&index, &ids)
            .map(content::convert_layout)
            .unwrap_or_else(|| self.fallback_layout.clone());
        if let Some(base) = &self.url_base {
            for z in &mut self.layout.zones {
                if z.kind == crate::layout::ZoneKind::Qr && z.text.starts_with('/') {
                    z.text = format!("{base}{}", z.text);
                }
            }
        }
        self.follow_window();
        self.content_revision = index.revision;
        self.index = Some(index);
        self.scene.content_epoch += 1;
        self.refresh_content(t);
    }

    fn refresh_content(&mut self, t: f64) {
        self.content_checked = t;
        let Some(index) = &self.index else { return };
        let c = content::screen_content(
            index,
            Timestamp::now(),
            &self.screen,
            self.assets.as_deref(),
        );
        self.scene.set_content(c.ticker, c.carousel, c.alert);
    }

    fn save_queue(&self) {
        if let Source::Host { cache, .. } = &self.source {
            let state = QueueState {
                calls: self.scene.calls.iter().cloned().collect(),
                waiting: self.scene.waiting.clone(),
                last_event_id: self.last_event_id,
                counter: self.own_window.is_some().then(|| self.scene.counter.clone()),
            };
            if let Err(e) = cache.save_queue(&state) {
                eprintln!("linli-signage: cache: {e}");
            }
        }
    }
}

/// A `queue.` event decoded with the queue plugin's own payload types
/// (`linli_shared::events`): what the player acts on.
enum QueueEvent {
    /// `queue.called` / `queue.recalled` (true).
    Call(events::Call, bool),
    Serving(events::AtWindow),
    /// `queue.finished` / `queue.skipped`: the ticket left the window.
    Left { ticket: String, window: String },
    Transferred(events::Transferred),
    Window(events::WindowState),
    Waiting(events::Waiting),
    /// Topics the player does not act on (`queue.issued`, `content.changed`, …).
    Other,
}

impl QueueEvent {
    fn decode(topic_name: &str, payload: serde_json::Value) -> Result<QueueEvent, serde_json::Error> {
        use serde_json::from_value;
        Ok(match topic_name {
            topic::CALLED => QueueEvent::Call(from_value(payload)?, false),
            topic::RECALLED => QueueEvent::Call(from_value(payload)?, true),
            topic::SERVING => QueueEvent::Serving(from_value(payload)?),
            topic::FINISHED => {
                let f: events::Finished = from_value(payload)?;
                QueueEvent::Left { ticket: f.ticket, window: f.window }
            }
            topic::SKIPPED => {
                let s: events::Skipped = from_value(payload)?;
                QueueEvent::Left { ticket: s.ticket, window: s.window }
            }
            topic::TRANSFERRED => QueueEvent::Transferred(from_value(payload)?),
            topic::WINDOW => QueueEvent::Window(from_value(payload)?),
            topic::WAITING => QueueEvent::Waiting(from_value(payload)?),
            _ => QueueEvent::Other,
        })
    }
}

#[cfg(test)]
mod speaker_tests {
    use super::*;

    fn layout(text: &str) -> Layout {
        let parsed = linli_content::Layout::parse("screens/test.toml", text).expect("layout parses");
        content::convert_layout(&parsed)
    }

    const HALL: &str = "[[zones]]\nkind = \"calls\"\nx = 0\ny = 0\nw = 1\nh = 1\n";

    #[test]
    fn one_chosen_screen_speaks_per_zone() {
        let on = VoiceConfig::default();
        // No choice made: a single screen speaks, as before.
        let plain = layout(HALL);
        assert!(speaks("hall-main", &plain, &on));
        // The layout names its zone's speaker: only that screen speaks.
        let chosen = layout(&format!(
            "{HALL}[zones.options]\nspeaker_zone = \"hall\"\nspeaker = \"hall-main\"\n"
        ));
        assert_eq!(chosen.speaker.as_deref(), Some("hall-main"));
        assert!(speaks("hall-main", &chosen, &on));
        assert!(!speaks("hall-side", &chosen, &on), "a second screen of the zone stays silent");
        // `--speaks` on the player decides over the layout.
        let forced = VoiceConfig { speaks: Some(true), ..VoiceConfig::default() };
        assert!(speaks("hall-side", &chosen, &forced));
        let muted = VoiceConfig { speaks: Some(false), ..VoiceConfig::default() };
        assert!(!speaks("hall-main", &chosen, &muted));
        // The voice off, by the player or the layout: silent whatever was chosen.
        let off = VoiceConfig { enabled: false, speaks: Some(true), ..VoiceConfig::default() };
        assert!(!speaks("hall-main", &chosen, &off));
        let quiet = layout(&format!("{HALL}[zones.options]\nvoice = false\n"));
        assert!(!speaks("hall-main", &quiet, &forced));
    }

    #[test]
    fn a_window_display_never_speaks() {
        // Without its `voice = false`: being a window display is enough.
        let window = layout(&include_str!("../../content/screens/window.toml").replace("voice = false", ""));
        assert!(window.voice);
        let forced = VoiceConfig { speaks: Some(true), ..VoiceConfig::default() };
        assert!(!speaks("window-3", &window, &VoiceConfig::default()));
        assert!(!speaks("window-3", &window, &forced), "not even with --speaks on");
    }

    #[test]
    fn only_the_chosen_screen_queues_an_announcement() {
        let chosen = layout(&format!("{HALL}[zones.options]\nspeaker = \"hall-main\"\n"));
        let mut heard = Vec::new();
        for screen in ["hall-main", "hall-side"] {
            let mut p = Player::new(screen, chosen.clone(), Source::Fixed);
            p.set_voice(None, VoiceConfig::default());
            p.take_call(demo::call("A012", "3", 1), 0.0, true);
            assert_eq!(p.scene.calls.len(), 1, "{screen} shows the call");
            heard.push(p.pending_voice.len());
        }
        assert_eq!(heard, [1, 0], "the announcement is queued on the chosen screen only");
    }
}
