//! `--bench-vs-chromium`: the benchmark's scene as a web page
//! (`bench/hall.html`: calls board with a call every second, CSS ticker and
//! carousel, a script clock) in Chromium, measured beside the player for the
//! same wall time, like for like:
//!
//! - headless against headless: the player's own `--bench` loop at 1920×1080
//!   offscreen (its frames stay on its kept texture, as a headless browser's
//!   stay in a buffer nobody shows; a second run adds the copy onto a second
//!   texture that imitates the window's present, for reference) against
//!   `chromium --headless`;
//! - window against window (`--window`): the player's real fullscreen window
//!   (its demo with a call every second, as a child process) against
//!   `chromium --kiosk`, both on the X display in `DISPLAY` (Xvfb for a
//!   measurement). Only the clients' processes are counted; the X server's
//!   own time (receiving and storing the pixels each side sends) is shown
//!   apart.
//!
//! Both sides are read from /proc the same way: CPU time is user + system
//! time from `/proc/PID/stat` of every process (Chromium's browser, GPU,
//! renderer and utility processes, plus any already reaped by them), memory is
//! RSS and PSS from `/proc/PID/smaps_rollup` summed over those processes. PSS
//! shares pages fairly between processes, so it is the figure to compare for a
//! multi-process browser; RSS double-counts what its processes share.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::bench::{self, BenchError, Report};
use crate::memory::MEMORY_OFF;

/// The page Chromium shows, shipped inside the binary.
pub const PAGE: &str = include_str!("../bench/hall.html");
pub const SIZE: (u32, u32) = (1920, 1080);

/// What one side used over the run.
#[derive(Clone, Debug, Default)]
pub struct Usage {
    pub seconds: f64,
    /// User + system CPU seconds over the run.
    pub cpu_s: f64,
    pub processes: usize,
    pub rss_kib: u64,
    pub rss_peak_kib: u64,
    pub pss_kib: u64,
    pub pss_peak_kib: u64,
    /// The player's PSS by mapping near the end of its run (empty for Chromium).
    pub mappings: Vec<Mapping>,
}

#[derive(Debug, thiserror::Error)]
pub enum VersusError {
    #[error(transparent)]
    Bench(#[from] BenchError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(
        "no Chromium found (tried {0}); install the Debian package `chromium` or set LINLI_CHROMIUM"
    )]
    NoChromium(String),
    #[error("Chromium exited after {0:.1} s, before the run ended")]
    ChromiumExited(f64),
    #[error(
        "the player's window exited after {0:.1} s, before the run ended (is DISPLAY an X server?)"
    )]
    PlayerExited(f64),
}

const SAMPLE_EVERY: Duration = Duration::from_millis(500);
/// Linux reports /proc times in USER_HZ ticks, 100 per second on every architecture it runs on.
const TICKS_PER_S: f64 = 100.0;

/// The player's `--bench` at 1920×1080 for `seconds`, with its CPU time and memory.
/// Returns the adapter, the start-to-first-frame time in ms, the frame figures and the usage.
pub fn signage(
    settings: bench::Settings,
    process_start: Instant,
) -> Result<(String, f64, Report, Usage), VersusError> {
    let me = std::process::id();
    let start = Instant::now();
    let cpu_before = cpu_ticks(&[me]);
    // The breakdown a second before the run ends, while the device is open
    // (after the run it is gone, and its memory with it).
    let near_end = start + Duration::from_secs_f64((settings.seconds - 1.0).max(0.5));
    let sampler = Sampler::start_with_breakdown(move || vec![me], Some((me, near_end)));
    let (adapter, first, mut reports) = bench::run(&[SIZE], settings, process_start)?;
    let cpu_after = cpu_ticks(&[me]);
    let mut usage = sampler.finish();
    usage.seconds = start.elapsed().as_secs_f64();
    usage.cpu_s = (cpu_after - cpu_before) as f64 / TICKS_PER_S;
    let report = reports
        .pop()
        .ok_or_else(|| std::io::Error::other("the benchmark returned no figures"))?;
    Ok((adapter, first, report, usage))
}

/// How Chromium shows the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `--headless`: composited into a buffer nobody shows.
    Headless,
    /// `--kiosk` fullscreen on the X display in `DISPLAY`.
    Window,
}

/// The player's real window (its demo, a new call every second, the same
/// scene as the page) for `seconds`, as a child process of this one on the X
/// display in `DISPLAY`, measured from its start like Chromium. Returns its
/// usage and the line it printed at exit (frames, frame times).
///
/// `memory_off`, when given, is the player's [`MEMORY_OFF`] list: the
/// memory savings this run leaves out (see [`window_variants`]).
pub fn window_player(
    seconds: f64,
    fps: u32,
    full_redraw: bool,
    swapchain: bool,
    memory_off: Option<&str>,
) -> Result<(Usage, String), VersusError> {
    let exe = std::env::current_exe()?;
    let mut command = Command::new(exe);
    if let Some(off) = memory_off {
        command.env(MEMORY_OFF, off);
    }
    command
        .args(["--demo", "--demo-call-every", "1", "--voice", "off"])
        .arg("--fps")
        .arg(fps.to_string())
        // A little past the measured time, so the figures are read from /proc
        // while it still runs, then its own exit line is collected.
        .arg("--seconds")
        .arg(format!("{}", seconds + 1.5))
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if full_redraw {
        command.arg("--full-redraw");
    }
    if swapchain {
        command.arg("--swapchain");
    }
    let mut child = command.spawn()?;
    let pid = child.id();
    let (mut usage, exited) = watch(&mut child, seconds, move || vec![pid]);
    if let Some(at) = exited {
        return Err(VersusError::PlayerExited(at));
    }
    // Read while it still runs (it was started for a little longer).
    usage.mappings = breakdown(pid);
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let out = child.wait_with_output()?;
    let line = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    Ok((usage, line))
}

/// Environment variable: runs of the player's window to measure before the
/// one with every memory saving, each leaving some out, separated by `;`
/// (each a [`MEMORY_OFF`] list): `all;icd;malloc;release` measures the player
/// as it was, then without each saving alone, then as it is.
pub const BENCH_WITHOUT: &str = "LINLI_SIGNAGE_BENCH_WITHOUT";

/// The player's runs for `--bench-vs-chromium --window`: a label and the
/// savings it leaves out, from [`BENCH_WITHOUT`], then the player as it is.
pub fn window_variants() -> Vec<(String, Option<String>)> {
    variants_from(&std::env::var(BENCH_WITHOUT).unwrap_or_default())
}

fn variants_from(list: &str) -> Vec<(String, Option<String>)> {
    let mut runs: Vec<(String, Option<String>)> = list
        .split(';')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            let label = if v == "all" {
                "no savings".to_owned()
            } else {
                format!("without {v}")
            };
            (label, Some(v.to_owned()))
        })
        .collect();
    runs.push(("player".to_owned(), None));
    runs
}

/// CPU seconds the X server serving `display` used so far (it is not either
/// side's, but it does the work of showing both), if it runs on this machine.
pub fn x_server_cpu(display: &str) -> Option<f64> {
    let entries = std::fs::read_dir("/proc").ok()?;
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if !matches!(comm.trim(), "Xvfb" | "Xorg" | "X" | "Xwayland") {
            continue;
        }
        let args: Vec<String> = cmdline(pid).split('\0').map(str::to_owned).collect();
        if args.iter().any(|a| a == display) {
            return Some(cpu_ticks(&[pid]) as f64 / TICKS_PER_S);
        }
    }
    None
}

/// Chromium on the page for `seconds`, from its start (like the player's run,
/// which includes opening the device and the first frame).
pub fn chromium(seconds: f64, mode: Mode) -> Result<Usage, VersusError> {
    let binary = find_chromium()?;
    let dir = std::env::temp_dir().join(format!("linli-vs-chromium-{}", std::process::id()));
    let profile = dir.join("profile");
    std::fs::create_dir_all(&profile)?;
    let page = dir.join("hall.html");
    std::fs::write(&page, PAGE)?;
    let marker = dir.to_string_lossy().into_owned();
    let mut command = Command::new(&binary);
    match mode {
        Mode::Headless => {
            command.arg("--headless");
        }
        Mode::Window => {
            command.args([
                "--kiosk",
                "--ozone-platform=x11",
                "--window-position=0,0",
                "--noerrdialogs",
                "--disable-infobars",
                "--disable-session-crashed-bubble",
                "--disable-features=Translate,TranslateUI,MediaRouter",
                "--lang=zh-CN",
                "--password-store=basic",
            ]);
        }
    }
    let mut child = command
        .args([
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={},{}", SIZE.0, SIZE.1))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let root = child.id();
    let tree_marker = marker.clone();
    let (usage, exited) = watch(&mut child, seconds, move || tree(root, &tree_marker));
    // The browser's children end when it does; stragglers are ended by id.
    let _ = child.kill();
    let _ = child.wait();
    thread::sleep(Duration::from_millis(300));
    for pid in tree(root, &marker) {
        let _ = Command::new("kill")
            .arg("-KILL")
            .arg(pid.to_string())
            .status();
    }
    let _ = std::fs::remove_dir_all(&dir);
    match exited {
        Some(at) => Err(VersusError::ChromiumExited(at)),
        None => Ok(usage),
    }
}

/// Let `child` run for `seconds` (or until it exits) while sampling the
/// memory of the processes `pids` names; returns their usage over that time
/// (CPU from `/proc` at the end) and, if the child ended early, when.
fn watch(
    child: &mut Child,
    seconds: f64,
    pids: impl Fn() -> Vec<u32> + Clone + Send + 'static,
) -> (Usage, Option<f64>) {
    let start = Instant::now();
    let sampler = Sampler::start(pids.clone());
    let mut exited = None;
    while start.elapsed().as_secs_f64() < seconds {
        thread::sleep(Duration::from_millis(100));
        if let Ok(Some(_)) = child.try_wait() {
            exited = Some(start.elapsed().as_secs_f64());
            break;
        }
    }
    let cpu = cpu_ticks(&pids());
    let mut usage = sampler.finish();
    usage.seconds = start.elapsed().as_secs_f64();
    usage.cpu_s = cpu as f64 / TICKS_PER_S;
    (usage, exited)
}

fn find_chromium() -> Result<PathBuf, VersusError> {
    if let Some(p) = std::env::var_os("LINLI_CHROMIUM") {
        return Ok(PathBuf::from(p));
    }
    let names = ["chromium", "chromium-browser", "google-chrome"];
    let path = std::env::var_os("PATH").unwrap_or_default();
    names
        .iter()
        .flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n)))
        .find(|p| p.is_file())
        .ok_or_else(|| VersusError::NoChromium(names.join(", ")))
}

/// Samples memory of the processes `pids` names until finished.
struct Sampler {
    stop: Arc<AtomicBool>,
    usage: Arc<Mutex<Usage>>,
    thread: thread::JoinHandle<()>,
}

impl Sampler {
    fn start(pids: impl Fn() -> Vec<u32> + Send + 'static) -> Sampler {
        Self::start_with_breakdown(pids, None)
    }

    /// Also reads the PSS by mapping of `pid` once, at the first sample
    /// after `at` (once is enough, and reading every mapping at each sample
    /// would cost the measured process CPU time when it measures itself).
    fn start_with_breakdown(
        pids: impl Fn() -> Vec<u32> + Send + 'static,
        breakdown_at: Option<(u32, Instant)>,
    ) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let usage = Arc::new(Mutex::new(Usage::default()));
        let (stop2, usage2) = (Arc::clone(&stop), Arc::clone(&usage));
        let thread = thread::spawn(move || {
            let mut breakdown_at = breakdown_at;
            loop {
                let last = stop2.load(Ordering::SeqCst);
                if let Some((pid, at)) = breakdown_at
                    && !last
                    && Instant::now() >= at
                {
                    let mappings = breakdown(pid);
                    if let Ok(mut u) = usage2.lock() {
                        u.mappings = mappings;
                    }
                    breakdown_at = None;
                }
                let pids = pids();
                let (rss, pss) = memory(&pids);
                if let Ok(mut u) = usage2.lock() {
                    u.processes = u.processes.max(pids.len());
                    u.rss_kib = rss;
                    u.pss_kib = pss;
                    u.rss_peak_kib = u.rss_peak_kib.max(rss);
                    u.pss_peak_kib = u.pss_peak_kib.max(pss);
                }
                if last {
                    return;
                }
                thread::sleep(SAMPLE_EVERY);
            }
        });
        Sampler {
            stop,
            usage,
            thread,
        }
    }

    /// Takes a last sample and returns the figures.
    fn finish(self) -> Usage {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.thread.join();
        self.usage.lock().map(|u| u.clone()).unwrap_or_default()
    }
}

/// `root` and its descendants, plus processes whose command line names
/// `marker` (Chromium's crash handler is not always a child of the browser).
fn tree(root: u32, marker: &str) -> Vec<u32> {
    let mut procs = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if let Some(fields) = stat_fields(pid) {
                let ppid = fields.get(1).and_then(|v| v.parse().ok()).unwrap_or(0);
                procs.push((pid, ppid));
            }
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            procs
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    for (pid, _) in &procs {
        if !found.contains(pid) && cmdline(*pid).contains(marker) {
            found.push(*pid);
        }
    }
    found.retain(|p| Path::new(&format!("/proc/{p}")).exists());
    found
}

fn cmdline(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// The fields of /proc/PID/stat after the command name (state is index 0).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

/// utime + stime + cutime + cstime: a process's own time and that of the
/// children it reaped (those are no longer in any list of live processes).
fn cpu_ticks(pids: &[u32]) -> u64 {
    pids.iter()
        .filter_map(|p| stat_fields(*p))
        .map(|f| {
            (11..=14)
                .filter_map(|i| f.get(i).and_then(|v| v.parse::<u64>().ok()))
                .sum::<u64>()
        })
        .sum()
}

/// Summed Rss and Pss in KiB.
fn memory(pids: &[u32]) -> (u64, u64) {
    let mut rss = 0;
    let mut pss = 0;
    for pid in pids {
        let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) else {
            continue;
        };
        for line in text.lines() {
            let value = || {
                line.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            if line.starts_with("Rss:") {
                rss += value();
            } else if line.starts_with("Pss:") {
                pss += value();
            }
        }
    }
    (rss, pss)
}

/// One line of a memory breakdown: what is mapped (a file's name, or a
/// kind of anonymous memory), and its PSS, RSS and private share (pages no
/// other process maps: what PSS is when nothing else maps the same file)
/// in KiB.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mapping {
    pub name: String,
    pub pss_kib: u64,
    pub rss_kib: u64,
    pub private_kib: u64,
}

/// The PSS of process `pid` by what is mapped, largest first, from
/// `/proc/PID/smaps`: each file by its name (a library's whole text, data
/// and relocations together), anonymous memory by kind ([heap], thread
/// stacks and other anonymous mappings together as "anonymous"), shared
/// memory segments as "shared memory (X11 MIT-SHM)". Empty if unreadable.
pub fn breakdown(pid: u32) -> Vec<Mapping> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
    breakdown_of(&text)
}

fn breakdown_of(smaps: &str) -> Vec<Mapping> {
    let mut by_name: Vec<Mapping> = Vec::new();
    let mut current: Option<usize> = None;
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        let Some(first) = fields.next() else { continue };
        if first.contains('-') && !first.ends_with(':') {
            // A mapping's header: range, perms, offset, dev, inode, [path].
            let path: Vec<&str> = fields.skip(4).collect();
            let name = mapping_name(&path.join(" "));
            let i = match by_name.iter().position(|m| m.name == name) {
                Some(i) => i,
                None => {
                    by_name.push(Mapping {
                        name,
                        ..Mapping::default()
                    });
                    by_name.len() - 1
                }
            };
            current = Some(i);
            continue;
        }
        let value = || {
            fields
                .clone()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        if let Some(i) = current {
            match first {
                "Pss:" => by_name[i].pss_kib += value(),
                "Rss:" => by_name[i].rss_kib += value(),
                "Private_Clean:" | "Private_Dirty:" => by_name[i].private_kib += value(),
                _ => {}
            }
        }
    }
    by_name.retain(|m| m.rss_kib > 0 || m.pss_kib > 0);
    by_name.sort_by(|a, b| b.pss_kib.cmp(&a.pss_kib).then_with(|| a.name.cmp(&b.name)));
    by_name
}

/// How a mapping is shown: a file by its base name, anonymous kinds by kind.
fn mapping_name(path: &str) -> String {
    let path = path.trim_end_matches(" (deleted)");
    if path.is_empty() || path.starts_with("[stack") || path == "[anon]" {
        return "anonymous".into();
    }
    if path.starts_with("[anon:") {
        return "anonymous".into();
    }
    if path.starts_with("/SYSV") {
        return "shared memory (X11 MIT-SHM)".into();
    }
    if path.starts_with('[') {
        return path.to_owned();
    }
    if let Some(memfd) = path.strip_prefix("/memfd:") {
        return format!("memfd:{memfd}");
    }
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_owned())
}

/// Several runs' breakdowns side by side: one row per mapping among the
/// `top` largest of any run, the rest summed, and the totals.
pub fn format_breakdowns(runs: &[(&str, &[Mapping])], top: usize) -> String {
    let mib = |k: u64| format!("{:.1}", k as f64 / 1024.0);
    let mut names: Vec<&str> = Vec::new();
    for (_, mappings) in runs {
        for m in mappings.iter().take(top) {
            if !names.contains(&m.name.as_str()) {
                names.push(&m.name);
            }
        }
    }
    // Largest first, by the largest any run has.
    let largest = |name: &str| {
        runs.iter()
            .filter_map(|(_, ms)| ms.iter().find(|m| m.name == name))
            .map(|m| m.pss_kib)
            .max()
            .unwrap_or(0)
    };
    names.sort_by_key(|n| std::cmp::Reverse(largest(n)));
    let w = runs
        .iter()
        .map(|(label, _)| label.chars().count() + 2)
        .max()
        .unwrap_or(0)
        .max(12);
    let mut s = format!("{:<36}", "PSS by mapping (MiB)");
    for (label, _) in runs {
        s.push_str(&format!("{label:>w$}"));
    }
    s.push('\n');
    for name in &names {
        s.push_str(&format!("{:<36}", truncate(name, 35)));
        for (_, mappings) in runs {
            let pss = mappings
                .iter()
                .find(|m| m.name == *name)
                .map_or(0, |m| m.pss_kib);
            s.push_str(&format!("{:>w$}", mib(pss)));
        }
        s.push('\n');
    }
    s.push_str(&format!("{:<36}", "everything else"));
    for (_, mappings) in runs {
        let rest: u64 = mappings
            .iter()
            .filter(|m| !names.contains(&m.name.as_str()))
            .map(|m| m.pss_kib)
            .sum();
        s.push_str(&format!("{:>w$}", mib(rest)));
    }
    s.push('\n');
    s.push_str(&format!("{:<36}", "total PSS"));
    for (_, mappings) in runs {
        s.push_str(&format!(
            "{:>w$}",
            mib(mappings.iter().map(|m| m.pss_kib).sum())
        ));
    }
    s.push('\n');
    s.push_str(&format!("{:<36}", "total RSS"));
    for (_, mappings) in runs {
        s.push_str(&format!(
            "{:>w$}",
            mib(mappings.iter().map(|m| m.rss_kib).sum())
        ));
    }
    s.push('\n');
    // PSS splits what other processes map too (libLLVM with the X server's
    // GLX, or with any other lavapipe process running): the private total
    // is the part no other process shares.
    s.push_str(&format!("{:<36}", "total private (USS)"));
    for (_, mappings) in runs {
        s.push_str(&format!(
            "{:>w$}",
            mib(mappings.iter().map(|m| m.private_kib).sum())
        ));
    }
    s.push('\n');
    s
}

fn truncate(name: &str, chars: usize) -> String {
    if name.chars().count() <= chars {
        name.to_owned()
    } else {
        let mut t: String = name.chars().take(chars - 1).collect();
        t.push('…');
        t
    }
}

/// The load average, for the report (the figures depend on what else runs).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The side-by-side table: each run of the player, then Chromium, then for
/// each player run the player ÷ Chromium ratio; the goal's verdict per run.
pub fn format(players: &[(&str, &Usage)], chromium: &Usage) -> String {
    let mib = |k: u64| format!("{:.1}", k as f64 / 1024.0);
    let cpu = |u: &Usage| {
        format!(
            "{:.1} s ({:.1} %)",
            u.cpu_s,
            100.0 * u.cpu_s / u.seconds.max(0.001)
        )
    };
    let ratio = |p: f64, c: f64| {
        if p > 0.0 && c > 0.0 {
            format!("{:.2}", p / c)
        } else {
            "–".into()
        }
    };
    let chromium_name = format!("chromium ({} proc)", chromium.processes);
    // Wide enough for the longest heading ("without release ÷ chr.") and a space.
    let w = players
        .iter()
        .map(|(name, _)| name.chars().count() + " ÷ chr.".chars().count() + 2)
        .max()
        .unwrap_or(0)
        .max(22);
    let mut s = format!("{:<22}", "");
    for (name, _) in players {
        s.push_str(&format!("{name:>w$}"));
    }
    s.push_str(&format!("{chromium_name:>w$}"));
    for (name, _) in players {
        s.push_str(&format!("{:>w$}", format!("{name} ÷ chr.")));
    }
    s.push('\n');
    type Figure = fn(&Usage) -> f64;
    let rows: [(&str, Figure); 5] = [
        ("CPU time (user+sys)", |u| u.cpu_s),
        ("PSS at end (MiB)", |u| u.pss_kib as f64),
        ("PSS peak (MiB)", |u| u.pss_peak_kib as f64),
        ("RSS at end (MiB)", |u| u.rss_kib as f64),
        ("RSS peak (MiB)", |u| u.rss_peak_kib as f64),
    ];
    for (i, (name, figure)) in rows.iter().enumerate() {
        let cell = |u: &Usage| {
            if i == 0 {
                cpu(u)
            } else {
                mib(figure(u) as u64)
            }
        };
        s.push_str(&format!("{name:<22}"));
        for (_, u) in players {
            s.push_str(&format!("{:>w$}", cell(u)));
        }
        s.push_str(&format!("{:>w$}", cell(chromium)));
        for (_, u) in players {
            s.push_str(&format!("{:>w$}", ratio(figure(u), figure(chromium))));
        }
        s.push('\n');
    }
    // The goal: at most a third of Chromium's CPU time and of its memory.
    let third = |p: f64, c: f64| if p * 3.0 <= c { "met" } else { "missed" };
    for (name, p) in players {
        s.push_str(&format!(
            "goal ≤ 1/3 of Chromium, {name}: CPU {}, PSS peak {}, RSS peak {}\n",
            third(p.cpu_s, chromium.cpu_s),
            third(p.pss_peak_kib as f64, chromium.pss_peak_kib as f64),
            third(p.rss_peak_kib as f64, chromium.rss_peak_kib as f64),
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let me = std::process::id();
        let (rss, pss) = memory(&[me]);
        assert!(rss > 0 && pss > 0 && pss <= rss);
        assert!(tree(me, "no-such-marker-\u{1}").contains(&me));
        let spin = Instant::now();
        while spin.elapsed() < Duration::from_millis(30) {}
        assert!(cpu_ticks(&[me]) > 0);
    }

    #[test]
    fn memory_by_mapping() {
        let smaps = "\
55d0a0000000-55d0a0100000 r-xp 00000000 08:01 123 /usr/bin/linli-signage
Rss:                1024 kB
Pss:                1024 kB
Private_Clean:      1024 kB
7f0000000000-7f0001000000 r-xp 00000000 08:01 456 /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1
Rss:                3000 kB
Pss:                1500 kB
7f0001000000-7f0001100000 r--p 00000000 08:01 456 /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1
Rss:                 500 kB
Pss:                 500 kB
Private_Dirty:       500 kB
7f0002000000-7f0002800000 rw-s 00000000 00:01 7 /SYSV00000000 (deleted)
Rss:                 800 kB
Pss:                 400 kB
7f0003000000-7f0004000000 rw-p 00000000 00:00 0 
Rss:                 700 kB
Pss:                 700 kB
Private_Dirty:       700 kB
7f0005000000-7f0006000000 rw-p 00000000 00:00 0 [heap]
Rss:                 300 kB
Pss:                 300 kB
Private_Clean:       100 kB
Private_Dirty:       200 kB
7ffd00000000-7ffd00002000 rw-p 00000000 00:00 0 [stack]
Rss:                  12 kB
Pss:                  12 kB
7ffd00003000-7ffd00004000 r--p 00000000 00:00 0 [vvar]
Rss:                   0 kB
Pss:                   0 kB
";
        let m = breakdown_of(smaps);
        let row = |name: &str, pss: u64, rss: u64, private: u64| Mapping {
            name: name.into(),
            pss_kib: pss,
            rss_kib: rss,
            private_kib: private,
        };
        assert_eq!(
            m,
            vec![
                row("libLLVM-15.so.1", 2000, 3500, 500),
                row("linli-signage", 1024, 1024, 1024),
                row("anonymous", 712, 712, 700),
                row("shared memory (X11 MIT-SHM)", 400, 800, 0),
                row("[heap]", 300, 300, 300),
            ]
        );
        let table = format_breakdowns(&[("a", &m), ("b", &m[1..])], 2);
        assert!(table.contains("total PSS"), "{table}");
        let cells = |start: &str| -> Vec<String> {
            let line = table.lines().find(|l| l.starts_with(start)).unwrap_or("");
            line.split_whitespace().map(str::to_owned).collect()
        };
        // Each run's column; a mapping a run lacks is 0.
        assert_eq!(cells("libLLVM"), ["libLLVM-15.so.1", "2.0", "0.0"]);
        assert_eq!(cells("anonymous"), ["anonymous", "0.7", "0.7"]);
        // What no run has among its two largest (shared memory, heap) is summed.
        assert_eq!(
            cells("everything else"),
            ["everything", "else", "0.7", "0.7"]
        );
        assert_eq!(cells("total PSS"), ["total", "PSS", "4.3", "2.4"]);
        assert_eq!(
            cells("total private"),
            ["total", "private", "(USS)", "2.5", "2.0"]
        );
    }

    #[test]
    fn runs_without_savings() {
        assert_eq!(variants_from(""), vec![("player".to_owned(), None)]);
        assert_eq!(
            variants_from("all; icd;malloc,release"),
            vec![
                ("no savings".to_owned(), Some("all".to_owned())),
                ("without icd".to_owned(), Some("icd".to_owned())),
                (
                    "without malloc,release".to_owned(),
                    Some("malloc,release".to_owned())
                ),
                ("player".to_owned(), None),
            ]
        );
    }

    #[test]
    fn the_page_has_every_zone() {
        for id in [
            "title", "clock", "calls", "waiting", "carousel", "qr", "ticker",
        ] {
            assert!(PAGE.contains(&format!("id=\"{id}\"")), "{id}");
        }
    }
}
