//! `linli-signage`: thin glue from the command line to the library.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;

use linli_signage::cache::DiskCache;
use linli_signage::cli::{BuiltinLayout, Cli, OnOff};
use linli_signage::fleet::{Fleet, FleetConfig, Report};
use linli_signage::follow::{self, FollowConfig};
use linli_signage::gpu::Gpu;
use linli_signage::http::Url;
use linli_signage::layout::Layout;
use linli_signage::offscreen::Offscreen;
use linli_signage::player::{Player, VoiceConfig};
use linli_signage::render::{FrameTime, Renderer};
use linli_signage::voice::{Speaker, Voice, espeak::Espeak};
use linli_signage::{bench, memory, versus, window};

fn main() -> ExitCode {
    let process_start = Instant::now();
    // Before any thread starts (see memory.rs for each saving).
    memory::tune_malloc();
    memory::spawn_release();
    let cli = Cli::parse();
    match run(cli, process_start) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("linli-signage: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli, process_start: Instant) -> Result<()> {
    if cli.bench {
        let settings = bench::Settings {
            seconds: cli.bench_seconds.unwrap_or(5.0),
            fps: cli.fps.unwrap_or(60),
            full_redraw: cli.full_redraw,
            present_copy: !cli.no_present_copy,
        };
        let sizes = match cli.size {
            Some(size) => vec![size],
            None => vec![(1920, 1080), (3840, 2160)],
        };
        let (adapter, first, reports) = bench::run(&sizes, settings, process_start)?;
        print!("{}", bench::format(&adapter, first, &reports));
        return Ok(());
    }
    if cli.bench_vs_chromium {
        let settings = bench::Settings {
            seconds: cli.bench_seconds.unwrap_or(60.0),
            // Headless Chromium animates at 60 Hz: the player ticks as often.
            fps: cli.fps.unwrap_or(60),
            full_redraw: cli.full_redraw,
            present_copy: false,
        };
        if cli.window {
            return bench_vs_chromium_window(settings, cli.swapchain);
        }
        return bench_vs_chromium(settings, process_start);
    }
    let fallback = match cli.layout {
        BuiltinLayout::Landscape => Layout::builtin_landscape(),
        BuiltinLayout::Portrait => Layout::builtin_portrait(),
    };
    let waker = window::Waker::default();
    let mut player = player(&cli, fallback, &waker)?;
    player.set_layout_id(cli.layout_id.clone());
    if cli.headless {
        return headless(&cli, &mut player);
    }
    if cli.voice == OnOff::On {
        let voice_dir =
            std::env::temp_dir().join(format!("linli-signage-voice-{}", std::process::id()));
        let voice = Voice::new(cli.voice_backlog, move || match Espeak::new(&voice_dir) {
            Ok(s) => Box::new(s) as Box<dyn Speaker>,
            Err(e) => {
                eprintln!("linli-signage: voice off: {e}");
                Box::new(Silent)
            }
        });
        let cfg = VoiceConfig {
            enabled: true,
            repeats: cli.voice_repeat,
            digits: cli.digits,
            zone: cli.speaker_zone.clone(),
            backlog: cli.voice_backlog,
            speaks: cli.speaks.map(|s| s == OnOff::On),
        };
        player.set_voice(Some(voice), cfg);
    }
    let opts = window::WindowOptions {
        windowed: cli.windowed,
        frames: cli.frames,
        fps: cli.fps,
        full_redraw: cli.full_redraw,
        seconds: cli.bench_seconds,
        swapchain: cli.swapchain,
    };
    let stats = window::run(player, opts, waker)?;
    println!(
        "rendered {} frames at {}x{} on {} (first frame after {} ms; frame p50 {:.1} ms, p99 {:.1} ms; {} unchanged ticks skipped)",
        stats.frames,
        stats.width,
        stats.height,
        stats.adapter,
        stats.first_frame.map(|d| d.as_millis()).unwrap_or(0),
        stats.frame_times.percentile(0.5),
        stats.frame_times.percentile(0.99),
        stats.unchanged,
    );
    Ok(())
}

/// Headless against headless: the player's offscreen loop without the copy
/// that imitates a present, the same with it, then headless Chromium, one
/// after the other so none slows another.
fn bench_vs_chromium(settings: bench::Settings, process_start: Instant) -> Result<()> {
    let (w, h) = versus::SIZE;
    let seconds = settings.seconds;
    println!(
        "linli-signage vs headless Chromium: the same scene at {w}x{h}, {seconds:.0} s each, {} Hz (load average {})",
        settings.fps,
        versus::load_average()
    );
    let (adapter, first, report, plain) = versus::signage(settings, process_start)?;
    let copying = bench::Settings {
        present_copy: true,
        ..settings
    };
    let (_, _, copy_report, copied) = versus::signage(copying, process_start)?;
    print!("{}", bench::format(&adapter, first, &[report, copy_report]));
    println!("load average before Chromium: {}", versus::load_average());
    let chromium = versus::chromium(seconds, versus::Mode::Headless)?;
    print!(
        "{}",
        versus::format(&[("player", &plain), ("player+copy", &copied)], &chromium)
    );
    print!(
        "{}",
        versus::format_breakdowns(
            &[
                ("player", &plain.mappings),
                ("player+copy", &copied.mappings)
            ],
            12
        )
    );
    println!(
        "player: offscreen, frames stay on the kept texture (like headless Chromium's); player+copy: each painted frame also copied whole onto a second texture, as the window does onto its swapchain image"
    );
    println!("load average after: {}", versus::load_average());
    Ok(())
}

/// Window against window on the X display in DISPLAY: the player's real
/// window, then Chromium in kiosk mode, one after the other.
fn bench_vs_chromium_window(settings: bench::Settings, swapchain: bool) -> Result<()> {
    let Some(display) = std::env::var("DISPLAY").ok().filter(|d| !d.is_empty()) else {
        bail!(
            "--window needs an X display in DISPLAY (e.g. Xvfb :99 -screen 0 1920x1080x24 & DISPLAY=:99)"
        )
    };
    let seconds = settings.seconds;
    println!(
        "linli-signage window vs Chromium --kiosk on X display {display}: the same scene, {seconds:.0} s each, player at {} fps{} (load average {})",
        settings.fps,
        if swapchain {
            ", presenting through the swapchain"
        } else {
            ""
        },
        versus::load_average()
    );
    let x_before = versus::x_server_cpu(&display);
    // The player as it is, after any runs without some memory savings
    // (LINLI_SIGNAGE_BENCH_WITHOUT), one after the other.
    let mut players = Vec::new();
    for (label, off) in versus::window_variants() {
        let (usage, line) = versus::window_player(
            seconds,
            settings.fps,
            settings.full_redraw,
            swapchain,
            off.as_deref(),
        )?;
        println!("{label}: {line}");
        players.push((label, usage));
    }
    let x_mid = versus::x_server_cpu(&display);
    println!("load average before Chromium: {}", versus::load_average());
    let chromium = versus::chromium(seconds, versus::Mode::Window)?;
    let x_after = versus::x_server_cpu(&display);
    let named: Vec<(&str, &versus::Usage)> = players.iter().map(|(l, u)| (l.as_str(), u)).collect();
    print!("{}", versus::format(&named, &chromium));
    let mappings: Vec<(&str, &[versus::Mapping])> = players
        .iter()
        .map(|(l, u)| (l.as_str(), u.mappings.as_slice()))
        .collect();
    print!("{}", versus::format_breakdowns(&mappings, 12));
    if let (Some(a), Some(b), Some(c)) = (x_before, x_mid, x_after) {
        println!(
            "X server (counted for neither): {:.1} s of CPU during the player's run(s), {:.1} s during Chromium's",
            b - a,
            c - b
        );
    }
    println!("load average after: {}", versus::load_average());
    Ok(())
}

struct Silent;

impl Speaker for Silent {
    fn chime(&mut self) {}
    fn say(&mut self, _text: &str) {}
}

fn player(cli: &Cli, fallback: Layout, waker: &window::Waker) -> Result<Player> {
    if let Some(server) = &cli.server {
        let mut url = Url::parse(server)?;
        if let Some(ca) = &cli.ca_file {
            url = url.with_ca_file(ca)?;
        }
        let cache = DiskCache::new(
            &cli.cache.clone().unwrap_or_else(DiskCache::default_root),
            &cli.screen,
        );
        let assets = cache.assets_dir();
        let (tx, rx) = std::sync::mpsc::channel();
        let mut player = Player::host(&cli.screen, fallback, server, rx, cache);
        let mut cfg = FollowConfig::new(url, player.last_event_id());
        cfg.assets = Some(assets);
        cfg.token = cli.token.clone();
        // Events reach the player through a relay that also wakes the window,
        // so a call is painted when it arrives, not at the next tick.
        let (follow_tx, follow_rx) = std::sync::mpsc::channel();
        let waker = waker.clone();
        std::thread::Builder::new()
            .name("host-events".into())
            .spawn(move || {
                for ev in follow_rx {
                    if tx.send(ev).is_err() {
                        return;
                    }
                    waker.wake();
                }
            })
            .context("starting the host event relay")?;
        if cli.token.is_some() {
            // Only a paired screen reports to the maintainer's fleet page.
            let mut fleet_cfg = FleetConfig::new(cfg.clone());
            fleet_cfg.every = Duration::from_secs_f64(cli.heartbeat.clamp(1.0, 3600.0));
            let report = Report {
                screen: cli.screen.clone(),
                ..Report::default()
            };
            let (fleet, _) = Fleet::spawn(fleet_cfg, report, follow_tx.clone())
                .context("starting the heartbeat")?;
            player.fleet = Some(fleet);
        }
        follow::spawn(cfg, follow_tx).context("starting the host follower")?;
        return Ok(player);
    }
    if let Some(dir) = &cli.content {
        // A one-frame preview does not need to watch the folder.
        return Player::folder(&cli.screen, fallback, dir.clone(), !cli.headless)
            .with_context(|| format!("content folder {}", dir.display()));
    }
    if cli.demo {
        return Ok(Player::demo_every(
            &cli.screen,
            fallback,
            cli.demo_call_every,
        ));
    }
    bail!("say where content comes from: --server URL, --content DIR or --demo (see --help)")
}

fn headless(cli: &Cli, player: &mut Player) -> Result<()> {
    let Some(file) = &cli.screenshot else {
        bail!("--headless needs --screenshot FILE (or use --bench)")
    };
    player.settle(Duration::from_secs(3));
    player.update(cli.at);
    let (w, h) = cli.size.unwrap_or((1920, 1080));
    let gpu = Gpu::headless()?;
    let mut renderer = Renderer::new(&gpu, Offscreen::FORMAT, w, h)?;
    let mut target = Offscreen::new(&gpu, w, h);
    let time = if cli.demo {
        FrameTime {
            t: cli.at,
            ..FrameTime::default()
        }
    } else {
        FrameTime::now(cli.at)
    };
    let img = target.capture(&gpu, &mut renderer, &player.scene, &player.layout, &time)?;
    save_png(&img, file)?;
    println!("wrote {} ({w}x{h}, {})", file.display(), gpu.describe());
    Ok(())
}

fn save_png(img: &image::RgbaImage, file: &Path) -> Result<()> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    img.save(file)
        .with_context(|| format!("writing {}", file.display()))
}
