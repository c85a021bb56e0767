//! `--bench`: how the player does on this machine, at 1080p and 4K.
//!
//! The player's own loop, offscreen: a tick at the frame rate (60 Hz by
//! default, `--fps`), with the animation clock following real time (a slow
//! frame skips ahead, like on a real screen). Each tick lays the frame out and
//! works out what changed; a tick where nothing did paints and presents
//! nothing, one where something did paints the damaged rectangles onto the
//! kept frame, copies it onto a second texture as the window copies it onto
//! the swapchain image (unless `present_copy` is off: a headless browser
//! presents nothing either), and waits for the GPU. A call arrives every
//! second from another thread through a channel, like the host follower's,
//! and its latency is measured from arrival to the end of the first frame
//! showing it; like the window, the loop ticks at once when a call arrives.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::demo;
use crate::gpu::Gpu;
use crate::layout::Layout;
use crate::offscreen::{CaptureError, Offscreen};
use crate::render::{FrameTime, RenderError, Renderer};

/// How the benchmark runs.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Seconds per size.
    pub seconds: f64,
    /// Ticks per second (the screen's refresh, or the player's cap).
    pub fps: u32,
    /// Damage tracking off: every tick paints the whole frame.
    pub full_redraw: bool,
    /// Copy each painted frame whole onto a second texture, as the window
    /// does onto its swapchain image (`--no-present-copy` turns it off).
    pub present_copy: bool,
}

/// One resolution's figures.
#[derive(Clone, Debug)]
pub struct Report {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub full_redraw: bool,
    pub present_copy: bool,
    pub seconds: f64,
    /// Ticks run, frames painted (and presented), ticks where nothing changed.
    pub ticks: usize,
    pub painted: usize,
    pub unchanged: usize,
    /// Frame time of painted frames: tick start to the GPU done.
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// The CPU part of a painted frame (layout, damage, shaping, uploads, encoding).
    pub cpu_p50_ms: f64,
    /// What a tick with nothing to paint costs.
    pub unchanged_p50_ms: f64,
    /// Share of the screen a painted frame paints, on average.
    pub painted_share: f64,
    /// Refreshes missed: a tick longer than its period costs every one it spans.
    pub dropped: u64,
    /// Painted frames over a 30 Hz budget.
    pub over_30hz: u64,
    pub first_frame_ms: f64,
    pub call_latency_p50_ms: f64,
    pub call_latency_max_ms: f64,
    pub rss_kib: u64,
    pub hwm_kib: u64,
    /// CPU time of the whole process over the run (every thread, lavapipe's included), in seconds.
    pub cpu_s: f64,
    /// GPU memory by resource label at the end of the run, largest first
    /// (on lavapipe this is host memory: the "anonymous" of the PSS
    /// breakdown), and the total the allocator reserved; empty where the
    /// backend keeps no report.
    pub device_memory: Vec<(String, u64)>,
    pub device_reserved: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Gpu(#[from] crate::gpu::GpuError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Capture(#[from] CaptureError),
}

/// Runs every size for `settings.seconds` each; `process_start` is when main began.
pub fn run(
    sizes: &[(u32, u32)],
    settings: Settings,
    process_start: Instant,
) -> Result<(String, f64, Vec<Report>), BenchError> {
    let gpu = Gpu::headless()?;
    let mut reports = Vec::new();
    let mut start_to_first = 0.0;
    let period = Duration::from_secs_f64(1.0 / settings.fps.max(1) as f64);
    for (i, &(w, h)) in sizes.iter().enumerate() {
        let layout = Layout::builtin_landscape();
        let setup = Instant::now();
        let mut renderer = Renderer::new(&gpu, Offscreen::FORMAT, w, h)?;
        renderer.set_full_redraw(settings.full_redraw);
        let target = Offscreen::new(&gpu, w, h);
        let mut scene = demo::scene(0.0);
        target.render(
            &gpu,
            &mut renderer,
            &scene,
            &layout,
            &FrameTime::now(0.0),
            settings.present_copy,
        )?;
        let first_frame_ms = ms(setup.elapsed());
        if i == 0 {
            start_to_first = ms(process_start.elapsed());
        }

        let (tx, rx) = mpsc::channel::<(Instant, u32)>();
        let stop = Instant::now() + Duration::from_secs_f64(settings.seconds);
        let feeder = thread::spawn(move || {
            let mut n = 100;
            while Instant::now() + Duration::from_secs(1) < stop {
                thread::sleep(Duration::from_secs(1));
                n += 1;
                if tx.send((Instant::now(), n)).is_err() {
                    return;
                }
            }
        });

        let expected = (settings.seconds * settings.fps as f64 * 1.1) as usize;
        let mut times = Vec::with_capacity(expected);
        let mut cpu_times = Vec::with_capacity(expected);
        let mut unchanged_times = Vec::with_capacity(expected);
        let mut latencies = Vec::new();
        let mut painted_px = 0u64;
        let mut dropped = 0u64;
        let mut ticks = 0usize;
        let cpu_before = cpu_seconds();
        let clock = Instant::now();
        let mut next = clock;
        let mut early: Option<(Instant, u32)> = None;
        while Instant::now() < stop {
            let frame_start = Instant::now();
            let t = clock.elapsed().as_secs_f64();
            let mut arrived = None;
            while let Some((at, n)) = early.take().or_else(|| rx.try_recv().ok()) {
                let ticket = format!("A{:03}", n % 1000);
                scene.apply_call(
                    demo::call(&ticket, &(n % 9 + 1).to_string(), n as u64 + 1000),
                    t,
                );
                arrived.get_or_insert(at);
            }
            let cost = target.render(
                &gpu,
                &mut renderer,
                &scene,
                &layout,
                &FrameTime::now(t),
                settings.present_copy,
            )?;
            let took = frame_start.elapsed();
            ticks += 1;
            if let Some(at) = arrived {
                latencies.push(ms(at.elapsed()));
            }
            if cost.painted {
                times.push(ms(took));
                cpu_times.push(ms(cost.cpu));
                painted_px += cost.damaged_px;
            } else {
                unchanged_times.push(ms(took));
            }
            // A tick over its period costs the screen every refresh it spans.
            if took > period {
                dropped += (took.as_secs_f64() / period.as_secs_f64()).ceil() as u64 - 1;
            }
            // Pace like the window: the next tick on the period's grid, never
            // in the past, or at once when a call arrives (the window is woken).
            // A tick out of schedule leaves the grid as it was.
            if frame_start >= next {
                next = (next + period).max(Instant::now());
            }
            match rx.recv_timeout(next.saturating_duration_since(Instant::now())) {
                Ok(call) => early = Some(call),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    thread::sleep(next.saturating_duration_since(Instant::now()))
                }
            }
        }
        let seconds = clock.elapsed().as_secs_f64();
        let cpu_s = cpu_seconds() - cpu_before;
        let _ = feeder.join();
        let (rss_kib, hwm_kib) = memory();
        let (device_memory, device_reserved) = device_memory(&gpu);
        times.sort_by(f64::total_cmp);
        cpu_times.sort_by(f64::total_cmp);
        unchanged_times.sort_by(f64::total_cmp);
        latencies.sort_by(f64::total_cmp);
        let painted = times.len();
        reports.push(Report {
            width: w,
            height: h,
            fps: settings.fps,
            full_redraw: settings.full_redraw,
            present_copy: settings.present_copy,
            seconds,
            ticks,
            painted,
            unchanged: unchanged_times.len(),
            p50_ms: percentile(&times, 0.50),
            p99_ms: percentile(&times, 0.99),
            max_ms: times.last().copied().unwrap_or(0.0),
            cpu_p50_ms: percentile(&cpu_times, 0.5),
            unchanged_p50_ms: percentile(&unchanged_times, 0.5),
            painted_share: if painted > 0 {
                painted_px as f64 / painted as f64 / (w as f64 * h as f64)
            } else {
                0.0
            },
            dropped,
            over_30hz: times.iter().filter(|t| **t > 1000.0 / 30.0).count() as u64,
            first_frame_ms,
            call_latency_p50_ms: percentile(&latencies, 0.5),
            call_latency_max_ms: latencies.last().copied().unwrap_or(0.0),
            rss_kib,
            hwm_kib,
            cpu_s,
            device_memory,
            device_reserved,
        });
    }
    Ok((gpu.describe(), start_to_first, reports))
}

/// The device's allocations summed by label, largest first, and the bytes
/// its allocator reserved in memory blocks (allocated or not).
fn device_memory(gpu: &Gpu) -> (Vec<(String, u64)>, u64) {
    let Some(report) = gpu.device.generate_allocator_report() else {
        return (Vec::new(), 0);
    };
    let mut by_label: Vec<(String, u64)> = Vec::new();
    for a in &report.allocations {
        match by_label.iter_mut().find(|(name, _)| *name == a.name) {
            Some((_, size)) => *size += a.size,
            None => by_label.push((a.name.clone(), a.size)),
        }
    }
    by_label.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    (by_label, report.total_reserved_bytes)
}

/// The report as printed by `--bench`.
pub fn format(adapter: &str, start_to_first_ms: f64, reports: &[Report]) -> String {
    let mut s = format!(
        "linli-signage benchmark — adapter: {adapter}\nstart to first frame: {start_to_first_ms:.0} ms (process start, GPU, fonts, first 1080p frame)\n"
    );
    s.push_str("size       mode         ticks  painted/s  unchanged/s  painted%  p50 ms  p99 ms  max ms  cpu p50  idle tick  dropped  >33ms  first ms  call→frame p50/max ms  RSS MiB  HWM MiB  CPU %\n");
    for r in reports {
        let per_s = |n: usize| n as f64 / r.seconds.max(0.001);
        let mode = format!(
            "{}Hz{}{}",
            r.fps,
            if r.full_redraw { " full" } else { "" },
            if r.present_copy { "" } else { " nocopy" }
        );
        s.push_str(&format!(
            "{:>4}x{:<5} {:<11} {:>6}  {:>9.1}  {:>11.1}  {:>7.1}%  {:>6.1}  {:>6.1}  {:>6.1}  {:>7.2}  {:>9.2}  {:>7}  {:>5}  {:>8.0}  {:>12.1} / {:<7.1}  {:>7.1}  {:>7.1}  {:>5.1}\n",
            r.width,
            r.height,
            mode,
            r.ticks,
            per_s(r.painted),
            per_s(r.unchanged),
            r.painted_share * 100.0,
            r.p50_ms,
            r.p99_ms,
            r.max_ms,
            r.cpu_p50_ms,
            r.unchanged_p50_ms,
            r.dropped,
            r.over_30hz,
            r.first_frame_ms,
            r.call_latency_p50_ms,
            r.call_latency_max_ms,
            r.rss_kib as f64 / 1024.0,
            r.hwm_kib as f64 / 1024.0,
            100.0 * r.cpu_s / r.seconds.max(0.001),
        ));
    }
    for r in reports.iter().filter(|r| !r.device_memory.is_empty()) {
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        let total: u64 = r.device_memory.iter().map(|(_, b)| b).sum();
        s.push_str(&format!(
            "GPU memory at {}x{}: {:.1} MiB in use of {:.1} MiB reserved (on lavapipe: host memory, touched as used) —",
            r.width,
            r.height,
            mib(total),
            mib(r.device_reserved)
        ));
        for (name, bytes) in r.device_memory.iter().take(8) {
            let name = if name.is_empty() { "(no label)" } else { name };
            s.push_str(&format!(" {name} {:.1};", mib(*bytes)));
        }
        s.push('\n');
    }
    s.push_str("painted: frames with something changed, painted and (unless nocopy) copied whole onto a second texture as onto the swapchain image; unchanged: ticks with nothing to paint (no GPU work, nothing presented);\npainted%: share of the screen a painted frame repaints; p50/p99/max: painted frames, tick start to GPU done; dropped: refreshes missed at the tick rate;\nCPU %: CPU time of the whole process (every thread) over the run, per second of it\n");
    s
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// User + system CPU time of this process so far (all threads), from /proc/self/stat.
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rfind(')').map(|i| &stat[i + 1..]).unwrap_or("");
    // After the name: state is field 0, utime 11, stime 12 (clock ticks, 100 a second).
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    (tick(11) + tick(12)) as f64 / 100.0
}

/// VmRSS and VmHWM from /proc/self/status, in KiB (0 where unavailable).
pub fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let v = [1.0, 2.0, 3.0, 4.0, 100.0];
        assert_eq!(percentile(&v, 0.5), 3.0);
        assert_eq!(percentile(&v, 0.99), 100.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }

    #[test]
    fn reads_memory() {
        let (rss, hwm) = memory();
        assert!(rss > 0 && hwm >= rss);
    }
}
