//! `--bench`: how the player does on this machine, at 1080p and 4K.
//!
//! Frames are rendered offscreen as fast as a 60 Hz screen would ask for them,
//! with the animation clock following real time (a slow frame skips ahead,
//! like on a real screen). A call arrives every second from another thread
//! through a channel, like the host follower's, and its latency is measured
//! from arrival to the end of the first frame showing it.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::demo;
use crate::gpu::Gpu;
use crate::layout::Layout;
use crate::offscreen::{CaptureError, Offscreen};
use crate::render::{FrameTime, RenderError, Renderer};

/// One resolution's figures.
#[derive(Clone, Debug)]
pub struct Report {
    pub width: u32,
    pub height: u32,
    pub frames: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// The CPU part of a frame (layout, shaping, uploads, encoding).
    pub cpu_p50_ms: f64,
    /// Frames a 60 Hz screen would have missed.
    pub dropped: u64,
    /// Frames over a 30 Hz budget (what a software-rendered screen is capped to).
    pub over_30hz: u64,
    pub first_frame_ms: f64,
    pub call_latency_p50_ms: f64,
    pub call_latency_max_ms: f64,
    pub rss_kib: u64,
    pub hwm_kib: u64,
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

const BUDGET: Duration = Duration::from_micros(16_667);

/// Runs every size for `seconds` each; `process_start` is when main began.
pub fn run(
    sizes: &[(u32, u32)],
    seconds: f64,
    process_start: Instant,
) -> Result<(String, f64, Vec<Report>), BenchError> {
    let gpu = Gpu::headless()?;
    let mut reports = Vec::new();
    let mut start_to_first = 0.0;
    for (i, &(w, h)) in sizes.iter().enumerate() {
        let layout = Layout::builtin_landscape();
        let setup = Instant::now();
        let mut renderer = Renderer::new(&gpu, Offscreen::FORMAT, w, h)?;
        let target = Offscreen::new(&gpu, w, h);
        let mut scene = demo::scene(0.0);
        target.render(&gpu, &mut renderer, &scene, &layout, &FrameTime::now(0.0))?;
        let first_frame_ms = ms(setup.elapsed());
        if i == 0 {
            start_to_first = ms(process_start.elapsed());
        }

        let (tx, rx) = mpsc::channel::<(Instant, u32)>();
        let stop = Instant::now() + Duration::from_secs_f64(seconds);
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

        let mut times = Vec::with_capacity((seconds * 70.0) as usize);
        let mut cpu_times = Vec::with_capacity((seconds * 70.0) as usize);
        let mut latencies = Vec::new();
        let mut dropped = 0u64;
        let clock = Instant::now();
        while Instant::now() < stop {
            let frame_start = Instant::now();
            let t = clock.elapsed().as_secs_f64();
            let mut arrived = None;
            while let Ok((at, n)) = rx.try_recv() {
                let ticket = format!("A{:03}", n % 1000);
                scene.apply_call(
                    demo::call(&ticket, &(n % 9 + 1).to_string(), n as u64 + 1000),
                    t,
                );
                arrived.get_or_insert(at);
            }
            let cpu = target.render(&gpu, &mut renderer, &scene, &layout, &FrameTime::now(t))?;
            cpu_times.push(ms(cpu));
            let took = frame_start.elapsed();
            if let Some(at) = arrived {
                latencies.push(ms(at.elapsed()));
            }
            times.push(ms(took));
            // A frame over budget costs the screen every vsync it spans.
            if took > BUDGET {
                dropped += (took.as_secs_f64() / BUDGET.as_secs_f64()).ceil() as u64 - 1;
            } else {
                // Pace like a 60 Hz display so the figures are not a busy loop's.
                thread::sleep(BUDGET - took);
            }
        }
        let _ = feeder.join();
        let (rss_kib, hwm_kib) = memory();
        times.sort_by(f64::total_cmp);
        cpu_times.sort_by(f64::total_cmp);
        latencies.sort_by(f64::total_cmp);
        reports.push(Report {
            width: w,
            height: h,
            frames: times.len(),
            p50_ms: percentile(&times, 0.50),
            p99_ms: percentile(&times, 0.99),
            max_ms: times.last().copied().unwrap_or(0.0),
            cpu_p50_ms: percentile(&cpu_times, 0.5),
            dropped,
            over_30hz: times.iter().filter(|t| **t > 1000.0 / 30.0).count() as u64,
            first_frame_ms,
            call_latency_p50_ms: percentile(&latencies, 0.5),
            call_latency_max_ms: latencies.last().copied().unwrap_or(0.0),
            rss_kib,
            hwm_kib,
        });
    }
    Ok((gpu.describe(), start_to_first, reports))
}

/// The report as printed by `--bench`.
pub fn format(adapter: &str, start_to_first_ms: f64, reports: &[Report]) -> String {
    let mut s = format!(
        "linli-signage benchmark — adapter: {adapter}\nstart to first frame: {start_to_first_ms:.0} ms (process start, GPU, fonts, first 1080p frame)\n"
    );
    s.push_str("size        frames  p50 ms  p99 ms  max ms  cpu p50  dropped@60Hz  >33ms  first frame ms  call→frame p50/max ms  RSS MiB  HWM MiB\n");
    for r in reports {
        s.push_str(&format!(
            "{:>4}x{:<6} {:>6}  {:>6.1}  {:>6.1}  {:>6.1}  {:>7.1}  {:>12}  {:>5}  {:>14.0}  {:>12.1} / {:<7.1}  {:>7.1}  {:>7.1}\n",
            r.width,
            r.height,
            r.frames,
            r.p50_ms,
            r.p99_ms,
            r.max_ms,
            r.cpu_p50_ms,
            r.dropped,
            r.over_30hz,
            r.first_frame_ms,
            r.call_latency_p50_ms,
            r.call_latency_max_ms,
            r.rss_kib as f64 / 1024.0,
            r.hwm_kib as f64 / 1024.0,
        ));
    }
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
