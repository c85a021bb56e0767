//! `--bench-vs-chromium`: the benchmark's scene as a web page
//! (`bench/hall.html`: calls board with a call every second, CSS ticker and
//! carousel, a script clock) in headless Chromium, measured beside the
//! player's own `--bench` run at 1920×1080 for the same wall time.
//!
//! Both sides are read from /proc the same way: CPU time is user + system
//! time from `/proc/PID/stat` of every process (Chromium's browser, GPU,
//! renderer and utility processes, plus any already reaped by them), memory is
//! RSS and PSS from `/proc/PID/smaps_rollup` summed over those processes. PSS
//! shares pages fairly between processes, so it is the figure to compare for a
//! multi-process browser; RSS double-counts what its processes share.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::bench::{self, BenchError, Report};

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
    let sampler = Sampler::start(move || vec![me]);
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

/// Chromium on the page for `seconds`, from its start (like the player's run,
/// which includes opening the device and the first frame).
pub fn chromium(seconds: f64) -> Result<Usage, VersusError> {
    let binary = find_chromium()?;
    let dir = std::env::temp_dir().join(format!("linli-vs-chromium-{}", std::process::id()));
    let profile = dir.join("profile");
    std::fs::create_dir_all(&profile)?;
    let page = dir.join("hall.html");
    std::fs::write(&page, PAGE)?;
    let marker = dir.to_string_lossy().into_owned();
    let mut child = Command::new(&binary)
        .args([
            "--headless",
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
    let start = Instant::now();
    let tree_marker = marker.clone();
    let sampler = Sampler::start(move || tree(root, &tree_marker));
    let mut exited = None;
    while start.elapsed().as_secs_f64() < seconds {
        thread::sleep(Duration::from_millis(100));
        if let Ok(Some(_)) = child.try_wait() {
            exited = Some(start.elapsed().as_secs_f64());
            break;
        }
    }
    let pids = tree(root, &marker);
    let cpu = cpu_ticks(&pids);
    let mut usage = sampler.finish();
    usage.seconds = start.elapsed().as_secs_f64();
    usage.cpu_s = cpu as f64 / TICKS_PER_S;
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
        let stop = Arc::new(AtomicBool::new(false));
        let usage = Arc::new(Mutex::new(Usage::default()));
        let (stop2, usage2) = (Arc::clone(&stop), Arc::clone(&usage));
        let thread = thread::spawn(move || {
            loop {
                let last = stop2.load(Ordering::SeqCst);
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

/// The load average, for the report (the figures depend on what else runs).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The side-by-side table with Chromium ÷ player ratios.
pub fn format(player: &Usage, chromium: &Usage) -> String {
    let mib = |k: u64| k as f64 / 1024.0;
    let ratio = |p: f64, c: f64| {
        if p > 0.0 && c > 0.0 {
            format!("{:.1}×  {:>5.2}", c / p, p / c)
        } else {
            "–".into()
        }
    };
    let mut s = format!(
        "{:<24}{:>18}{:>22}{:>22}\n",
        "",
        "linli-signage",
        format!("chromium ({} proc)", chromium.processes),
        "chromium ÷  player ÷"
    );
    let cpu = |u: &Usage| {
        format!(
            "{:.1} s ({:.1} %)",
            u.cpu_s,
            100.0 * u.cpu_s / u.seconds.max(0.001)
        )
    };
    s.push_str(&format!(
        "{:<24}{:>18}{:>22}{:>22}\n",
        "CPU time (user+sys)",
        cpu(player),
        cpu(chromium),
        ratio(player.cpu_s, chromium.cpu_s)
    ));
    for (name, p, c) in [
        ("PSS at end (MiB)", player.pss_kib, chromium.pss_kib),
        ("PSS peak (MiB)", player.pss_peak_kib, chromium.pss_peak_kib),
        ("RSS at end (MiB)", player.rss_kib, chromium.rss_kib),
        ("RSS peak (MiB)", player.rss_peak_kib, chromium.rss_peak_kib),
    ] {
        s.push_str(&format!(
            "{:<24}{:>18.1}{:>22.1}{:>22}\n",
            name,
            mib(p),
            mib(c),
            ratio(p as f64, c as f64)
        ));
    }
    // The goal: at most a third of Chromium's CPU time and of its memory.
    let third = |p: f64, c: f64| if p * 3.0 <= c { "met" } else { "missed" };
    s.push_str(&format!(
        "goal ≤ 1/3 of Chromium: CPU {}, PSS peak {}, RSS peak {}\n",
        third(player.cpu_s, chromium.cpu_s),
        third(player.pss_peak_kib as f64, chromium.pss_peak_kib as f64),
        third(player.rss_peak_kib as f64, chromium.rss_peak_kib as f64),
    ));
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
    fn the_page_has_every_zone() {
        for id in [
            "title", "clock", "calls", "waiting", "carousel", "qr", "ticker",
        ] {
            assert!(PAGE.contains(&format!("id=\"{id}\"")), "{id}");
        }
    }
}
