//! Rendering without a window: into a texture, read back to memory. Used by
//! tests, previews (`--headless --screenshot`) and the benchmark.

use crate::gpu::Gpu;
use crate::layout::Layout;
use crate::render::{FrameTime, RenderError, Renderer};
use crate::scene::Scene;

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("reading the frame back failed: {0}")]
    Map(#[from] wgpu::BufferAsyncError),
    #[error("reading the frame back failed: {0}")]
    MapRange(#[from] wgpu::MapRangeError),
    #[error("waiting for the GPU failed: {0}")]
    Poll(#[from] wgpu::PollError),
    #[error("the frame never came back from the GPU")]
    Lost,
}

/// What one [`Offscreen::render`] cost.
#[derive(Clone, Copy, Debug)]
pub struct FrameCost {
    /// The CPU part: layout, damage, shaping, uploads, encoding.
    pub cpu: std::time::Duration,
    /// False when nothing on screen changed and no GPU work was done.
    pub painted: bool,
    /// Pixels painted again.
    pub damaged_px: u64,
}

pub struct Offscreen {
    texture: wgpu::Texture,
    view: wgpu::TextureView,
    readback: wgpu::Buffer,
    width: u32,
    height: u32,
    padded_row: u32,
}

impl Offscreen {
    /// Non-sRGB like the window surface the player picks, so previews look like the screen.
    pub const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

    pub fn new(gpu: &Gpu, width: u32, height: u32) -> Offscreen {
        let texture = crate::gpu::texture_2d(
            &gpu.device,
            "offscreen",
            (width, height),
            Self::FORMAT,
            wgpu::TextureUsages::RENDER_ATTACHMENT
                | wgpu::TextureUsages::COPY_SRC
                | wgpu::TextureUsages::COPY_DST,
        );
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        // Buffer rows must be 256-byte aligned for copies.
        let align = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
        let padded_row = (width * 4).div_ceil(align) * align;
        let readback = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: padded_row as u64 * height as u64,
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        Offscreen {
            texture,
            view,
            readback,
            width,
            height,
            padded_row,
        }
    }

    pub fn view(&self) -> &wgpu::TextureView {
        &self.view
    }

    /// One frame of the player's loop: paint what changed onto the renderer's
    /// kept frame and wait until the GPU finished (no readback). With
    /// `present`, the kept frame is also copied whole onto this texture, as the
    /// window copies it onto the swapchain image; without, the frame stays on
    /// the kept texture, as a headless browser's does. An unchanged frame does
    /// no GPU work. What the benchmark times.
    pub fn render(
        &self,
        gpu: &Gpu,
        renderer: &mut Renderer,
        scene: &Scene,
        layout: &Layout,
        time: &FrameTime,
        present: bool,
    ) -> Result<FrameCost, CaptureError> {
        let start = std::time::Instant::now();
        renderer.resize(self.width, self.height);
        if !renderer.prepare(scene, layout, time)? {
            return Ok(FrameCost {
                cpu: start.elapsed(),
                painted: false,
                damaged_px: 0,
            });
        }
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("frame"),
            });
        renderer.encode(&mut encoder)?;
        if present {
            renderer.present_to(&mut encoder, &self.texture);
        }
        let cpu = start.elapsed();
        let index = gpu.queue.submit(Some(encoder.finish()));
        gpu.device.poll(wgpu::PollType::Wait {
            submission_index: Some(index),
            timeout: None,
        })?;
        renderer.trim();
        Ok(FrameCost {
            cpu,
            painted: true,
            damaged_px: renderer.damage().area(),
        })
    }

    /// Renders one frame (painting only what changed on the kept frame) and returns its pixels.
    pub fn capture(
        &mut self,
        gpu: &Gpu,
        renderer: &mut Renderer,
        scene: &Scene,
        layout: &Layout,
        time: &FrameTime,
    ) -> Result<image::RgbaImage, CaptureError> {
        renderer.resize(self.width, self.height);
        let painted = renderer.prepare(scene, layout, time)?;
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("capture"),
            });
        if painted {
            renderer.encode(&mut encoder)?;
        }
        // The kept frame is the whole current frame, painted or not.
        encoder.copy_texture_to_buffer(
            renderer.target().texture.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer: &self.readback,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(self.padded_row),
                    rows_per_image: None,
                },
            },
            wgpu::Extent3d {
                width: self.width,
                height: self.height,
                depth_or_array_layers: 1,
            },
        );
        let index = gpu.queue.submit(Some(encoder.finish()));
        let slice = self.readback.slice(..);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        gpu.device.poll(wgpu::PollType::Wait {
            submission_index: Some(index),
            timeout: None,
        })?;
        rx.recv().map_err(|_| CaptureError::Lost)??;
        let mut pixels = Vec::with_capacity((self.width * self.height * 4) as usize);
        {
            let data = slice.get_mapped_range()?;
            for row in data
                .chunks(self.padded_row as usize)
                .take(self.height as usize)
            {
                pixels.extend_from_slice(&row[..(self.width * 4) as usize]);
            }
        }
        self.readback.unmap();
        renderer.trim();
        image::RgbaImage::from_raw(self.width, self.height, pixels).ok_or(CaptureError::Lost)
    }
}

/// The renderer's kept frame (what the screen shows) as RGBA pixels: a
/// screenshot the maintainer asked for, taken from the player's own frame,
/// not from the desktop. A window renderer of a BGRA surface gets its
/// channels put in order.
pub fn screenshot(
    gpu: &Gpu,
    renderer: &mut Renderer,
    scene: &Scene,
    layout: &Layout,
    time: &FrameTime,
) -> Result<image::RgbaImage, CaptureError> {
    let (w, h) = renderer.size();
    let mut target = Offscreen::new(gpu, w, h);
    let mut img = target.capture(gpu, renderer, scene, layout, time)?;
    if matches!(
        renderer.format(),
        wgpu::TextureFormat::Bgra8Unorm | wgpu::TextureFormat::Bgra8UnormSrgb
    ) {
        for p in img.pixels_mut() {
            p.0.swap(0, 2);
        }
    }
    Ok(img)
}
