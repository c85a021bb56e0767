//! The fullscreen player window: a small `App`/`State` split on winit's
//! `ApplicationHandler`. `App` lives for the whole run; `State` (window,
//! surface, renderer) exists while the window does.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use winit::application::ApplicationHandler;
use winit::event::{StartCause, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop, EventLoopProxy};
use winit::window::{Fullscreen, Window, WindowId};

use crate::gpu::{self, Gpu, GpuError};
use crate::player::Player;
use crate::render::{FrameTime, RenderError, Renderer};

#[derive(Clone, Debug)]
pub struct WindowOptions {
    /// A normal window instead of fullscreen (debugging).
    pub windowed: bool,
    /// Exit after this many frames (tests).
    pub frames: Option<u64>,
    /// Frame rate cap; `None`: 60 with a GPU, 30 on a software renderer,
    /// where an even 30 scrolls more smoothly than a 60 that drops frames.
    pub fps: Option<u32>,
    /// Paint every frame whole instead of only what changed (diagnosis).
    pub full_redraw: bool,
    /// Exit after this many seconds (benchmarks).
    pub seconds: Option<f64>,
    /// Always present through wgpu's swapchain, even where X11 shared memory
    /// would do with a software renderer (diagnosis, comparison).
    pub swapchain: bool,
}

/// What a run did, printed at exit.
#[derive(Clone, Debug, Default)]
pub struct WindowStats {
    /// Frames presented.
    pub frames: u64,
    /// Ticks where nothing on screen changed: nothing painted or presented.
    pub unchanged: u64,
    /// Time to paint and present each presented frame (less waiting for a swapchain image).
    pub frame_times: FrameTimes,
    pub width: u32,
    pub height: u32,
    pub adapter: String,
    pub first_frame: Option<Duration>,
}

/// Frame times in 0.1 ms steps up to 200 ms: fixed memory however long the
/// player runs (a kiosk runs for months).
#[derive(Clone, Debug)]
pub struct FrameTimes {
    buckets: Vec<u32>,
    count: u64,
}

const BUCKET_MS: f64 = 0.1;

impl Default for FrameTimes {
    fn default() -> Self {
        FrameTimes {
            buckets: vec![0; 2000],
            count: 0,
        }
    }
}

impl FrameTimes {
    pub fn record(&mut self, d: Duration) {
        let i = ((d.as_secs_f64() * 1000.0 / BUCKET_MS) as usize).min(self.buckets.len() - 1);
        self.buckets[i] = self.buckets[i].saturating_add(1);
        self.count += 1;
    }

    /// The `q` quantile in ms (the upper edge of its bucket), 0 when empty.
    pub fn percentile(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let want = ((self.count as f64 * q).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (i, n) in self.buckets.iter().enumerate() {
            seen += *n as u64;
            if seen >= want {
                return (i + 1) as f64 * BUCKET_MS;
            }
        }
        self.buckets.len() as f64 * BUCKET_MS
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WindowError {
    #[error("no display to open a window on ({0}); use --headless without one")]
    EventLoop(#[from] winit::error::EventLoopError),
    #[error("could not open the window: {0}")]
    Os(#[from] winit::error::OsError),
    #[error(transparent)]
    Gpu(#[from] GpuError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("the graphics adapter cannot present to this window")]
    NoSurfaceFormat,
    #[error("the window surface failed validation")]
    Surface,
    #[cfg(target_os = "linux")]
    #[error(transparent)]
    Shm(#[from] crate::x11shm::ShmError),
}

/// Wakes the window's loop from another thread when something arrived (a
/// call from the host): the frame showing it is painted at once instead of at
/// the next tick, which at 30 fps could be 33 ms away.
#[derive(Clone, Default)]
pub struct Waker(Arc<Mutex<Option<EventLoopProxy<()>>>>);

impl Waker {
    pub fn wake(&self) {
        if let Ok(proxy) = self.0.lock()
            && let Some(proxy) = proxy.as_ref()
        {
            let _ = proxy.send_event(());
        }
    }
}

/// Opens the window and plays until it is closed (or `frames` are shown).
pub fn run(player: Player, opts: WindowOptions, waker: Waker) -> Result<WindowStats, WindowError> {
    let event_loop = EventLoop::new()?;
    if let Ok(mut proxy) = waker.0.lock() {
        *proxy = Some(event_loop.create_proxy());
    }
    let mut app = App {
        player,
        opts,
        state: None,
        started: Instant::now(),
        next_frame: Instant::now(),
        stats: WindowStats::default(),
        error: None,
        present_pending: true,
        ticked: false,
        fps_since: (Instant::now(), 0),
    };
    event_loop.run_app(&mut app)?;
    match app.error {
        Some(e) => Err(e),
        None => Ok(app.stats),
    }
}

struct App {
    player: Player,
    opts: WindowOptions,
    state: Option<State>,
    started: Instant,
    next_frame: Instant,
    stats: WindowStats,
    error: Option<WindowError>,
    /// The screen does not show the kept frame yet (first frame, resize,
    /// exposure, a present that failed): present even if nothing changed.
    present_pending: bool,
    /// The next redraw is our own frame tick, not the window system asking.
    ticked: bool,
    /// Frames presented since when, for the heartbeat's frame rate.
    fps_since: (Instant, u64),
}

struct State {
    gpu: Gpu,
    present: Present,
    renderer: Renderer,
    // Dropped last: the surface refers to the window.
    window: Arc<Window>,
}

/// How frames reach the window.
enum Present {
    /// wgpu's swapchain: each presented frame is the kept frame copied whole
    /// onto a swapchain image (whose contents are undefined when handed out).
    Swapchain {
        surface: wgpu::Surface<'static>,
        config: wgpu::SurfaceConfiguration,
    },
    /// X11 shared memory, only the damaged rectangles (a software renderer on X11).
    #[cfg(target_os = "linux")]
    Shm(Box<crate::x11shm::ShmPresenter>),
}

/// The X11 window id behind `window`, if it is an X11 window.
#[cfg(target_os = "linux")]
fn x11_window(window: &Window) -> Option<u32> {
    use winit::raw_window_handle::{HasWindowHandle, RawWindowHandle};
    match window.window_handle().ok()?.as_raw() {
        RawWindowHandle::Xlib(h) => u32::try_from(h.window).ok(),
        RawWindowHandle::Xcb(h) => Some(h.window.get()),
        _ => None,
    }
}

/// X11 shared memory for a software renderer on X11, unless told otherwise.
#[cfg(target_os = "linux")]
fn shm_present(gpu: &Gpu, window: &Window, opts: &WindowOptions) -> Option<Present> {
    if opts.swapchain || !gpu.is_software() {
        return None;
    }
    let id = x11_window(window)?;
    let size = window.inner_size();
    let presenter = crate::x11shm::ShmPresenter::new(None, id).and_then(|mut p| {
        p.ready(&gpu.device, size.width.max(1), size.height.max(1))?;
        Ok(p)
    });
    match presenter {
        Ok(p) => Some(Present::Shm(Box::new(p))),
        Err(e) => {
            eprintln!("linli-signage: presenting through the swapchain: {e}");
            None
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn shm_present(_: &Gpu, _: &Window, _: &WindowOptions) -> Option<Present> {
    None
}

impl State {
    fn new(event_loop: &ActiveEventLoop, opts: &WindowOptions) -> Result<State, WindowError> {
        let mut attrs = Window::default_attributes().with_title("邻里 Linli");
        attrs = if opts.windowed {
            attrs.with_inner_size(winit::dpi::LogicalSize::new(1280.0, 720.0))
        } else {
            // Kiosk PCs often run X with no window manager, which ignores the
            // fullscreen request; sizing the window to the monitor covers that case.
            let monitor = event_loop
                .primary_monitor()
                .or_else(|| event_loop.available_monitors().next());
            let attrs = attrs.with_fullscreen(Some(Fullscreen::Borderless(monitor.clone())));
            match monitor {
                Some(m) => attrs
                    .with_inner_size(m.size())
                    .with_position(m.position())
                    .with_decorations(false),
                None => attrs,
            }
        };
        let window = Arc::new(event_loop.create_window(attrs)?);
        window.set_cursor_visible(false);
        let desc = wgpu::InstanceDescriptor::new_with_display_handle(Box::new(
            event_loop.owned_display_handle(),
        ));
        let instance = wgpu::Instance::new(gpu::with_backends(desc));
        let surface = instance
            .create_surface(Arc::clone(&window))
            .map_err(GpuError::from)?;
        let gpu = Gpu::for_surface(instance, &surface)?;
        let size = window.inner_size();
        if let Some(present) = shm_present(&gpu, &window, opts) {
            // The surface is never configured: nothing of wgpu's touches the window.
            drop(surface);
            #[cfg(target_os = "linux")]
            let format = crate::x11shm::FORMAT;
            #[cfg(not(target_os = "linux"))]
            let format = wgpu::TextureFormat::Bgra8Unorm;
            let mut renderer = Renderer::new(&gpu, format, size.width.max(1), size.height.max(1))?;
            renderer.set_full_redraw(opts.full_redraw);
            return Ok(State {
                gpu,
                present,
                renderer,
                window,
            });
        }
        let caps = surface.get_capabilities(&gpu.adapter);
        // Non-sRGB: colours blend as written (like a browser) and a software
        // renderer skips the per-pixel sRGB conversion; previews use the same.
        let format = caps
            .formats
            .iter()
            .copied()
            .find(|f| !f.is_srgb())
            .or(caps.formats.first().copied())
            .ok_or(WindowError::NoSurfaceFormat)?;
        let present_mode = if caps.present_modes.contains(&wgpu::PresentMode::Fifo) {
            wgpu::PresentMode::Fifo
        } else {
            caps.present_modes
                .first()
                .copied()
                .ok_or(WindowError::NoSurfaceFormat)?
        };
        // The renderer keeps its own frame and copies it onto the swapchain
        // image; where a surface cannot be copied to (GL) it draws it instead.
        let usage =
            wgpu::TextureUsages::RENDER_ATTACHMENT | (caps.usages & wgpu::TextureUsages::COPY_DST);
        let config = wgpu::SurfaceConfiguration {
            usage,
            format,
            width: size.width.max(1),
            height: size.height.max(1),
            present_mode,
            alpha_mode: caps
                .alpha_modes
                .first()
                .copied()
                .unwrap_or(wgpu::CompositeAlphaMode::Auto),
            view_formats: vec![],
            desired_maximum_frame_latency: 2,
            color_space: wgpu::SurfaceColorSpace::Auto,
        };
        surface.configure(&gpu.device, &config);
        let mut renderer = Renderer::new(&gpu, format, config.width, config.height)?;
        renderer.set_full_redraw(opts.full_redraw);
        Ok(State {
            gpu,
            present: Present::Swapchain { surface, config },
            renderer,
            window,
        })
    }

    /// Physical pixels: zones and fonts are fractions of it, so HiDPI needs nothing more.
    fn resize(&mut self, width: u32, height: u32) {
        let (width, height) = (width.max(1), height.max(1));
        if let Present::Swapchain { surface, config } = &mut self.present {
            config.width = width;
            config.height = height;
            surface.configure(&self.gpu.device, config);
        }
        self.renderer.resize(width, height);
        self.window.request_redraw();
    }
}

impl ApplicationHandler for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.state.is_some() {
            return;
        }
        match State::new(event_loop, &self.opts) {
            Ok(state) => {
                self.stats.adapter = state.gpu.describe();
                state.window.request_redraw();
                self.state = Some(state);
            }
            Err(e) => {
                self.error = Some(e);
                event_loop.exit();
            }
        }
    }

    fn user_event(&mut self, _event_loop: &ActiveEventLoop, _event: ()) {
        // Something arrived: a tick now, out of schedule.
        if let Some(state) = &self.state {
            self.ticked = true;
            state.window.request_redraw();
        }
    }

    fn new_events(&mut self, _event_loop: &ActiveEventLoop, cause: StartCause) {
        if let (StartCause::ResumeTimeReached { .. }, Some(state)) = (cause, &self.state) {
            self.ticked = true;
            state.window.request_redraw();
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        match event {
            WindowEvent::CloseRequested => event_loop.exit(),
            WindowEvent::Resized(size) => {
                if let Some(state) = &mut self.state {
                    state.resize(size.width, size.height);
                }
                self.present_pending = true;
            }
            WindowEvent::RedrawRequested => {
                // Not our tick: the window system wants the window's contents again.
                if !std::mem::take(&mut self.ticked) {
                    self.present_pending = true;
                }
                if let Err(e) = self.frame(event_loop) {
                    self.error = Some(e);
                    event_loop.exit();
                }
            }
            _ => {}
        }
    }
}

impl App {
    fn frame(&mut self, event_loop: &ActiveEventLoop) -> Result<(), WindowError> {
        let Some(state) = &mut self.state else {
            return Ok(());
        };
        let started = Instant::now();
        let t = self.started.elapsed().as_secs_f64();
        if self.opts.seconds.is_some_and(|s| t >= s) {
            event_loop.exit();
            return Ok(());
        }
        self.player.update(t);
        // Frames presented per second, for the heartbeat (a still screen presents none).
        let span = self.fps_since.0.elapsed();
        if span >= Duration::from_secs(5) {
            self.player.set_fps(self.fps_since.1 as f32 / span.as_secs_f32());
            self.fps_since = (Instant::now(), 0);
        }
        // The maintainer's requests, on every tick (a still screen presents
        // nothing, and must answer all the same): a screenshot is this
        // renderer's kept frame, brought up to date and read back.
        let time = FrameTime::now(t);
        let mut shot = false;
        let restart = crate::fleet::carry_out(&mut self.player, |p| {
            shot = true;
            crate::offscreen::screenshot(&state.gpu, &mut state.renderer, &p.scene, &p.layout, &time)
                .map_err(|e| e.to_string())
        });
        if restart {
            eprintln!("linli-signage: restart requested by the maintainer");
            std::process::exit(crate::fleet::RESTART_EXIT_CODE);
        }
        if shot {
            // The capture may have painted this tick's change onto the kept
            // frame; the window must still be given it.
            self.present_pending = true;
        }
        let painted =
            state
                .renderer
                .prepare(&self.player.scene, &self.player.layout, &FrameTime::now(t))?;
        if !painted && !self.present_pending {
            // Nothing on screen changed: no painting, no presenting.
            self.stats.unchanged += 1;
            self.schedule(event_loop);
            return Ok(());
        }
        let mut encoder =
            state
                .gpu
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("frame"),
                });
        if painted {
            state.renderer.encode(&mut encoder)?;
        }
        let State {
            gpu,
            present,
            renderer,
            window,
        } = state;
        let mut waited = Duration::ZERO;
        match present {
            #[cfg(target_os = "linux")]
            Present::Shm(shm) => {
                let (w, h) = renderer.size();
                let whole = [crate::render::damage::PixelRect::screen(w, h)];
                // What changed, or all of it when the window lost what it showed.
                let rects = if self.present_pending || !painted {
                    &whole[..]
                } else {
                    renderer.damage().rects()
                };
                window.pre_present_notify();
                shm.present(gpu, renderer, encoder, rects)?;
            }
            Present::Swapchain { surface, .. } => {
                // Waiting for a free swapchain image is vsync, not the frame's cost.
                let acquiring = Instant::now();
                let acquired = surface.get_current_texture();
                waited = acquiring.elapsed();
                let frame = match acquired {
                    wgpu::CurrentSurfaceTexture::Success(f)
                    | wgpu::CurrentSurfaceTexture::Suboptimal(f) => f,
                    other => {
                        // The kept frame is painted all the same; it is presented next tick.
                        gpu.queue.submit(Some(encoder.finish()));
                        self.present_pending = true;
                        match other {
                            wgpu::CurrentSurfaceTexture::Validation => {
                                return Err(WindowError::Surface);
                            }
                            wgpu::CurrentSurfaceTexture::Outdated
                            | wgpu::CurrentSurfaceTexture::Lost => {
                                let size = window.inner_size();
                                state.resize(size.width, size.height);
                            }
                            _ => self.schedule(event_loop),
                        }
                        return Ok(());
                    }
                };
                renderer.present_to(&mut encoder, &frame.texture);
                gpu.queue.submit(Some(encoder.finish()));
                window.pre_present_notify();
                gpu.queue.present(frame);
            }
        }
        self.present_pending = false;
        if painted {
            state.renderer.trim();
        }
        // The call is on screen now; only now may its announcement start.
        self.player.presented();
        self.fps_since.1 += 1;
        self.stats.frames += 1;
        self.stats
            .frame_times
            .record(started.elapsed().saturating_sub(waited));
        (self.stats.width, self.stats.height) = state.renderer.size();
        self.stats
            .first_frame
            .get_or_insert_with(|| self.started.elapsed());
        if self.opts.frames.is_some_and(|n| self.stats.frames >= n) {
            event_loop.exit();
            return Ok(());
        }
        self.schedule(event_loop);
        Ok(())
    }

    /// Asks for the next frame at the frame-rate cap; Fifo presentation adds vsync on top.
    fn schedule(&mut self, event_loop: &ActiveEventLoop) {
        let software = self.state.as_ref().is_some_and(|s| s.gpu.is_software());
        let fps = self.opts.fps.unwrap_or(if software { 30 } else { 60 });
        let period = Duration::from_secs_f64(1.0 / fps.max(1) as f64);
        let now = Instant::now();
        // A frame out of schedule (a call arrived) leaves the grid as it was.
        if now >= self.next_frame {
            self.next_frame = (self.next_frame + period).max(now);
        }
        event_loop.set_control_flow(ControlFlow::WaitUntil(self.next_frame));
    }
}
