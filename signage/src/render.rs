//! Draws a [`Scene`] into the zones of a [`Layout`] with wgpu and glyphon.
//!
//! Each frame the zone code fills a [`canvas::DrawList`] (reused vectors),
//! text slots re-shape only when their text changes, glyphs live in glyphon's
//! atlas, and one render pass draws: screen rectangles, pictures, screen text,
//! overlay rectangles, overlay text.

pub mod alert;
pub mod calls;
pub mod canvas;
pub mod carousel;
pub mod clock;
pub mod pictures;
pub mod qr;
pub mod quads;
pub mod status;
pub mod text;
pub mod ticker;
pub mod title;
pub mod waiting;

use glyphon::{
    Cache, FontSystem, Resolution, SwashCache, TextArea, TextAtlas, TextBounds, TextRenderer,
    Viewport,
};

use crate::fonts::{self, FontError};
use crate::gpu::Gpu;
use crate::layout::{Layout, Rect, ZoneKind};
use crate::scene::Scene;
use canvas::{Canvas, DrawList, PictureRef};
use pictures::Pictures;
use quads::{QuadInstance, Quads};
use text::TextPool;

/// When a frame is: `t` drives animation (seconds on the player's clock),
/// `wall` is what the clock zone shows.
#[derive(Clone, Copy, Debug)]
pub struct FrameTime {
    pub t: f64,
    pub wall: chrono::NaiveDateTime,
}

impl FrameTime {
    pub fn now(t: f64) -> FrameTime {
        FrameTime {
            t,
            wall: chrono::Local::now().naive_local(),
        }
    }
}

impl Default for FrameTime {
    /// A fixed moment, so previews and tests are reproducible.
    fn default() -> Self {
        let wall = chrono::NaiveDate::from_ymd_opt(2025, 6, 2)
            .and_then(|d| d.and_hms_opt(9, 30, 0))
            .unwrap_or_default();
        FrameTime { t: 0.0, wall }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Font(#[from] FontError),
    #[error("text: {0}")]
    Prepare(#[from] glyphon::PrepareError),
    #[error("text: {0}")]
    Render(#[from] glyphon::RenderError),
}

pub struct Renderer {
    device: wgpu::Device,
    queue: wgpu::Queue,
    width: u32,
    height: u32,
    fs: FontSystem,
    swash: SwashCache,
    viewport: Viewport,
    atlas: TextAtlas,
    text: [TextRenderer; 2],
    quads: Quads,
    pictures: Pictures,
    /// One pool per layout zone, then one for a layout without an alert zone,
    /// then one for the status mark.
    pools: Vec<TextPool>,
    list: DrawList,
    instances: Vec<QuadInstance>,
    picture_draws: Vec<(wgpu::BindGroup, u32, Rect)>,
    /// Per layer: runs of rectangles drawn with one pipeline, in painter's order.
    runs: [Vec<(std::ops::Range<u32>, bool)>; 2],
    clear: wgpu::Color,
    srgb: bool,
    content_epoch: u64,
}

impl Renderer {
    pub fn new(
        gpu: &Gpu,
        format: wgpu::TextureFormat,
        width: u32,
        height: u32,
    ) -> Result<Renderer, RenderError> {
        let fs = fonts::font_system()?;
        let cache = Cache::new(&gpu.device);
        let viewport = Viewport::new(&gpu.device, &cache);
        // Web colour mode on a non-sRGB target: no per-pixel sRGB conversion,
        // which is a real cost when the "GPU" is lavapipe on two CPU cores.
        let srgb = format.is_srgb();
        let mode = if srgb {
            glyphon::ColorMode::Accurate
        } else {
            glyphon::ColorMode::Web
        };
        let mut atlas = TextAtlas::with_color_mode(&gpu.device, &gpu.queue, &cache, format, mode);
        let ms = wgpu::MultisampleState::default();
        let text = [
            TextRenderer::new(&mut atlas, &gpu.device, ms, None),
            TextRenderer::new(&mut atlas, &gpu.device, ms, None),
        ];
        Ok(Renderer {
            device: gpu.device.clone(),
            queue: gpu.queue.clone(),
            width: width.max(1),
            height: height.max(1),
            fs,
            swash: SwashCache::new(),
            viewport,
            atlas,
            text,
            quads: Quads::new(&gpu.device, format),
            pictures: Pictures::new(srgb),
            srgb,
            content_epoch: 0,
            pools: Vec::new(),
            list: DrawList::default(),
            instances: Vec::new(),
            picture_draws: Vec::new(),
            runs: [Vec::new(), Vec::new()],
            clear: wgpu::Color::BLACK,
        })
    }

    pub fn resize(&mut self, width: u32, height: u32) {
        self.width = width.max(1);
        self.height = height.max(1);
    }

    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// How many text slots were shaped so far, across zones.
    pub fn shaped_count(&self) -> u64 {
        self.pools.iter().map(|p| p.shaped).sum()
    }

    /// Lays out the frame and uploads what changed.
    pub fn prepare(
        &mut self,
        scene: &Scene,
        layout: &Layout,
        time: &FrameTime,
    ) -> Result<(), RenderError> {
        let bg = layout.background.for_target(self.srgb);
        self.clear = wgpu::Color {
            r: bg[0] as f64,
            g: bg[1] as f64,
            b: bg[2] as f64,
            a: 1.0,
        };
        self.lay_out(scene, layout, time);
        self.upload(scene, layout);
        self.viewport.update(
            &self.queue,
            Resolution {
                width: self.width,
                height: self.height,
            },
        );
        let Renderer {
            device,
            queue,
            fs,
            swash,
            atlas,
            viewport,
            text,
            pools,
            list,
            ..
        } = self;
        for (layer, renderer) in text.iter_mut().enumerate() {
            let areas = list.texts[layer].iter().map(|p| TextArea {
                buffer: &pools[p.pool].slots[p.slot].buffer,
                left: p.left,
                top: p.top,
                scale: 1.0,
                bounds: TextBounds {
                    left: p.clip.x.floor() as i32,
                    top: p.clip.y.floor() as i32,
                    right: p.clip.right().ceil() as i32,
                    bottom: p.clip.bottom().ceil() as i32,
                },
                default_color: p.color.to_glyphon(),
                custom_glyphs: &[],
            });
            renderer.prepare(device, queue, fs, atlas, viewport, areas, swash)?;
        }
        Ok(())
    }

    /// Builds the frame's draw list: zone layout and text shaping (only of
    /// what changed). Steady frames allocate nothing here; a test holds it to that.
    pub fn lay_out(&mut self, scene: &Scene, layout: &Layout, time: &FrameTime) {
        let zones = layout.zones.len();
        if self.pools.len() != zones + 2 {
            self.pools.resize_with(zones + 2, TextPool::default);
        }
        self.list.clear();
        self.draw_zones(scene, layout, time);
    }

    fn draw_zones(&mut self, scene: &Scene, layout: &Layout, time: &FrameTime) {
        let (w, h) = (self.width as f32, self.height as f32);
        let zones = layout.zones.len();
        let mut cx = Canvas {
            fs: &mut self.fs,
            pools: &mut self.pools,
            list: &mut self.list,
            width: w,
            height: h,
            pool: 0,
            background: layout.background,
        };
        for (i, zone) in layout.zones.iter().enumerate() {
            cx.pool = i;
            let rect = zone.rect(w, h);
            match zone.kind {
                ZoneKind::Calls => calls::draw(&mut cx, zone, rect, scene, time),
                ZoneKind::Waiting => waiting::draw(&mut cx, zone, rect, scene),
                ZoneKind::Ticker => ticker::draw(&mut cx, zone, rect, scene, time),
                ZoneKind::Carousel => carousel::draw(&mut cx, zone, rect, scene, time),
                ZoneKind::Clock => clock::draw(&mut cx, zone, rect, time),
                ZoneKind::Qr => qr::draw(&mut cx, zone, rect, i),
                ZoneKind::Title => title::draw(&mut cx, zone, rect),
                ZoneKind::Alert => alert::draw(&mut cx, zone, rect, scene, time),
            }
        }
        if layout.zone(ZoneKind::Alert).is_none() && scene.alert.is_some() {
            cx.pool = zones;
            let zone = alert::default_zone();
            alert::draw(
                &mut cx,
                &zone,
                Rect {
                    x: 0.0,
                    y: 0.0,
                    w,
                    h,
                },
                scene,
                time,
            );
        }
        cx.pool = zones + 1;
        status::draw(&mut cx, scene);
    }

    /// Writes rectangles (screen, then overlay, then pictures) to the instance buffer.
    fn upload(&mut self, scene: &Scene, layout: &Layout) {
        self.instances.clear();
        self.picture_draws.clear();
        for layer in 0..2 {
            let start = self.instances.len();
            self.instances.extend_from_slice(&self.list.quads[layer]);
            if self.srgb {
                for q in &mut self.instances[start..] {
                    let c = q.color;
                    let lin = |v: f32| {
                        if v <= 0.04045 {
                            v / 12.92
                        } else {
                            ((v + 0.055) / 1.055).powf(2.4)
                        }
                    };
                    q.color = [lin(c[0]), lin(c[1]), lin(c[2]), c[3]];
                }
            }
            // Consecutive rectangles of one kind share a draw call; order is kept.
            self.runs[layer].clear();
            for (i, q) in self.list.quads[layer].iter().enumerate() {
                let i = (start + i) as u32;
                match self.runs[layer].last_mut() {
                    Some((range, flat)) if *flat == q.is_flat() => range.end = i + 1,
                    _ => self.runs[layer].push((i..i + 1, q.is_flat())),
                }
            }
        }
        if scene.content_epoch != self.content_epoch {
            self.content_epoch = scene.content_epoch;
            self.pictures.forget_files();
        }
        for draw in &self.list.pictures {
            let picture = match draw.picture {
                PictureRef::CarouselItem(i) => scene
                    .carousel
                    .get(i)
                    .and_then(|item| item.image.as_deref())
                    .and_then(|path| {
                        self.pictures.file(
                            &self.device,
                            &self.queue,
                            &self.quads.picture_layout,
                            path,
                        )
                    }),
                PictureRef::QrZone(z) => layout.zones.get(z).and_then(|zone| {
                    self.pictures.qr(
                        &self.device,
                        &self.queue,
                        &self.quads.picture_layout,
                        &zone.text,
                    )
                }),
            };
            let Some(picture) = picture else { continue };
            let fitted = fit(draw.rect, picture.width as f32, picture.height as f32);
            let mut inst = QuadInstance::solid(fitted, crate::color::Rgba::WHITE, 0.0);
            inst.color[3] = draw.alpha;
            self.picture_draws.push((
                picture.group.clone(),
                self.instances.len() as u32,
                draw.clip,
            ));
            self.instances.push(inst);
        }
        self.quads.upload(
            &self.device,
            &self.queue,
            self.width,
            self.height,
            &self.instances,
        );
    }

    /// Records the frame into `encoder`, drawing onto `view`.
    pub fn encode(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        view: &wgpu::TextureView,
    ) -> Result<(), RenderError> {
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("screen"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(self.clear),
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: None,
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        for (range, flat) in &self.runs[0] {
            self.quads.draw_solid(&mut pass, range.clone(), *flat);
        }
        for (group, instance, clip) in &self.picture_draws {
            // Pictures slide with the carousel; the scissor keeps them inside their zone.
            let x = clip.x.max(0.0) as u32;
            let y = clip.y.max(0.0) as u32;
            let right = (clip.right().min(self.width as f32)) as u32;
            let bottom = (clip.bottom().min(self.height as f32)) as u32;
            if right <= x || bottom <= y {
                continue;
            }
            pass.set_scissor_rect(x, y, right - x, bottom - y);
            self.quads.draw_picture(&mut pass, group, *instance);
        }
        pass.set_scissor_rect(0, 0, self.width, self.height);
        self.text[0].render(&self.atlas, &self.viewport, &mut pass)?;
        for (range, flat) in &self.runs[1] {
            self.quads.draw_solid(&mut pass, range.clone(), *flat);
        }
        self.text[1].render(&self.atlas, &self.viewport, &mut pass)?;
        Ok(())
    }

    /// Prepares, records and submits a frame onto `view`.
    pub fn render(
        &mut self,
        view: &wgpu::TextureView,
        scene: &Scene,
        layout: &Layout,
        time: &FrameTime,
    ) -> Result<wgpu::SubmissionIndex, RenderError> {
        self.prepare(scene, layout, time)?;
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("frame"),
            });
        self.encode(&mut encoder, view)?;
        Ok(self.queue.submit(Some(encoder.finish())))
    }

    /// Frees atlas space of glyphs not used in the last frame; call after presenting.
    pub fn trim(&mut self) {
        self.atlas.trim();
    }
}

/// The largest rectangle of the picture's aspect centred inside `bx`.
fn fit(bx: Rect, pw: f32, ph: f32) -> Rect {
    if pw <= 0.0 || ph <= 0.0 {
        return bx;
    }
    let scale = (bx.w / pw).min(bx.h / ph);
    let (w, h) = (pw * scale, ph * scale);
    Rect {
        x: bx.x + (bx.w - w) / 2.0,
        y: bx.y + (bx.h - h) / 2.0,
        w,
        h,
    }
}
