//! The fullscreen player window: a small `App`/`State` split on winit's
//! `ApplicationHandler`. `App` lives for the whole run; `State` (window,
//! surface, renderer) exists while the window does.

use std::sync::Arc;
use std::time::{Duration, Instant};

use winit::application::ApplicationHandler;
use winit::event::{StartCause, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
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
}

/// What a run did, printed at exit.
#[derive(Clone, Debug, Default)]
pub struct WindowStats {
    pub frames: u64,
    pub width: u32,
    pub height: u32,
    pub adapter: String,
    pub first_frame: Option<Duration>,
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
}

/// Opens the window and plays until it is closed (or `frames` are shown).
pub fn run(player: Player, opts: WindowOptions) -> Result<WindowStats, WindowError> {
    let event_loop = EventLoop::new()?;
    let mut app = App {
        player,
        opts,
        state: None,
        started: Instant::now(),
        next_frame: Instant::now(),
        stats: WindowStats::default(),
        error: None,
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
}

struct State {
    gpu: Gpu,
    surface: wgpu::Surface<'static>,
    config: wgpu::SurfaceConfiguration,
    renderer: Renderer,
    // Dropped last: the surface refers to the window.
    window: Arc<Window>,
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
        let config = wgpu::SurfaceConfiguration {
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
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
        let renderer = Renderer::new(&gpu, format, config.width, config.height)?;
        Ok(State {
            gpu,
            surface,
            config,
            renderer,
            window,
        })
    }

    /// Physical pixels: zones and fonts are fractions of it, so HiDPI needs nothing more.
    fn resize(&mut self, width: u32, height: u32) {
        self.config.width = width.max(1);
        self.config.height = height.max(1);
        self.surface.configure(&self.gpu.device, &self.config);
        self.renderer.resize(self.config.width, self.config.height);
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

    fn new_events(&mut self, _event_loop: &ActiveEventLoop, cause: StartCause) {
        if let (StartCause::ResumeTimeReached { .. }, Some(state)) = (cause, &self.state) {
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
            }
            WindowEvent::RedrawRequested => {
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
        let t = self.started.elapsed().as_secs_f64();
        self.player.update(t);
        state
            .renderer
            .prepare(&self.player.scene, &self.player.layout, &FrameTime::now(t))?;
        let frame = match state.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(f)
            | wgpu::CurrentSurfaceTexture::Suboptimal(f) => f,
            wgpu::CurrentSurfaceTexture::Timeout | wgpu::CurrentSurfaceTexture::Occluded => {
                self.schedule(event_loop);
                return Ok(());
            }
            wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost => {
                let size = state.window.inner_size();
                state.resize(size.width, size.height);
                return Ok(());
            }
            wgpu::CurrentSurfaceTexture::Validation => return Err(WindowError::Surface),
        };
        let view = frame
            .texture
            .create_view(&wgpu::TextureViewDescriptor::default());
        let mut encoder =
            state
                .gpu
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("frame"),
                });
        state.renderer.encode(&mut encoder, &view)?;
        state.gpu.queue.submit(Some(encoder.finish()));
        state.window.pre_present_notify();
        state.gpu.queue.present(frame);
        state.renderer.trim();
        // The call is on screen now; only now may its announcement start.
        self.player.presented();
        self.stats.frames += 1;
        self.stats.width = state.config.width;
        self.stats.height = state.config.height;
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
        self.next_frame = (self.next_frame + period).max(now);
        event_loop.set_control_flow(ControlFlow::WaitUntil(self.next_frame));
    }
}
