//! Draws a [`Scene`] into the zones of a [`Layout`] with wgpu and glyphon.
//!
//! Each frame the zone code fills a [`canvas::DrawList`] (reused vectors),
//! text slots re-shape only when their text changes, glyphs live in glyphon's
//! atlas. The renderer keeps the last frame in a texture of its own
//! ([`target::Target`]) and paints only what changed since ([`damage`]): a
//! frame where nothing changed costs no GPU work at all, one where only the
//! ticker moved repaints the ticker's strip. One render pass draws, inside
//! each damaged rectangle: the background, screen rectangles, pictures,
//! screen text, overlay rectangles, overlay text.

pub mod alert;
pub mod calls;
pub mod canvas;
pub mod carousel;
pub mod clock;
pub mod damage;
pub mod pictures;
pub mod qr;
pub mod quads;
pub mod status;
pub mod target;
pub mod text;
pub mod ticker;
pub mod title;
pub mod waiting;
pub mod window;

use glyphon::{
    Cache, FontSystem, Resolution, SwashCache, TextArea, TextAtlas, TextBounds, TextRenderer,
    Viewport,
};

use crate::fonts::{self, FontError};
use crate::gpu::Gpu;
use crate::layout::{Layout, Rect, ZoneKind};
use crate::scene::Scene;
use canvas::{Canvas, DrawList, PictureRef, Strip};
use damage::{Damage, Mark, PixelRect, Tracker, bits};
use pictures::Pictures;
use quads::{QuadInstance, Quads};
use target::{Blit, Target};
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
    /// Per painted rectangle, the last screen rectangle that covers it whole
    /// and opaque: nothing drawn before it can show there, so it is skipped.
    covered_from: Vec<u32>,
    clear: wgpu::Color,
    srgb: bool,
    content_epoch: u64,
    /// The last frame, kept so the next paints only what changed.
    target: Target,
    blit: Blit,
    format: wgpu::TextureFormat,
    tracker: Tracker,
    /// Damage tracking off: every frame is painted whole (`--full-redraw`).
    full_redraw: bool,
    /// Frames painted, and frames skipped because nothing on screen changed.
    pub painted: u64,
    pub unchanged: u64,
    /// Painted strips (each zone's, by id); and which to paint this frame (indices).
    strips: Vec<KeptStrip>,
    strips_due: Vec<usize>,
    /// What the render pass paints: the damage less the strips copied in.
    paint: Damage,
    strip_copies: Vec<StripCopy>,
    glyph_cache: Cache,
    max_texture: u32,
}

/// A piece of a kept strip copied straight onto the kept frame.
#[derive(Clone, Copy, Debug)]
struct StripCopy {
    /// Index into `Renderer::strips`.
    strip: usize,
    from: (u32, u32),
    to: (u32, u32),
    size: (u32, u32),
}

/// A strip painted once (see [`canvas::Strip`]) and what it was painted from.
struct KeptStrip {
    pool: usize,
    id: usize,
    /// Shown in the frame being prepared; strips no frame shows are dropped.
    used: bool,
    key: StripKey,
    texture: wgpu::Texture,
    view: wgpu::TextureView,
    group: wgpu::BindGroup,
    text: TextRenderer,
    viewport: Viewport,
}

/// One text on a strip: slot, its shaping revision, position (bits), colour.
type StripTextKey = (usize, u64, [u32; 2], [u8; 4]);

/// Everything that decides a strip's pixels.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct StripKey {
    id: usize,
    size: (u32, u32),
    texts: [Option<StripTextKey>; 2],
    background: [u8; 4],
}

impl StripKey {
    fn of(strip: &Strip, pools: &[TextPool]) -> StripKey {
        StripKey {
            id: strip.id,
            size: (strip.width, strip.height),
            texts: strip.texts.map(|t| {
                t.map(|t| {
                    let revision = pools
                        .get(strip.pool)
                        .and_then(|p| p.slots.get(t.slot))
                        .map_or(0, |s| s.revision);
                    (t.slot, revision, bits([t.left, t.top]), t.color.0)
                })
            }),
            background: strip.background.0,
        }
    }
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
        let (width, height) = (width.max(1), height.max(1));
        let blit = Blit::new(&gpu.device, format);
        let target = Target::new(&gpu.device, &blit, format, width, height);
        Ok(Renderer {
            target,
            blit,
            format,
            tracker: Tracker::default(),
            full_redraw: false,
            painted: 0,
            unchanged: 0,
            strips: Vec::new(),
            strips_due: Vec::new(),
            paint: Damage::default(),
            strip_copies: Vec::new(),
            max_texture: gpu.device.limits().max_texture_dimension_2d,
            glyph_cache: cache,
            device: gpu.device.clone(),
            queue: gpu.queue.clone(),
            width,
            height,
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
            covered_from: Vec::new(),
            clear: wgpu::Color::BLACK,
        })
    }

    pub fn resize(&mut self, width: u32, height: u32) {
        self.width = width.max(1);
        self.height = height.max(1);
        if (self.target.width, self.target.height) != (self.width, self.height) {
            self.target = Target::new(
                &self.device,
                &self.blit,
                self.format,
                self.width,
                self.height,
            );
            self.tracker.invalidate();
        }
    }

    /// Turns damage tracking off (every frame painted whole) or back on.
    pub fn set_full_redraw(&mut self, on: bool) {
        self.full_redraw = on;
    }

    /// The kept texture no longer holds the last frame: paint the next one whole.
    pub fn invalidate(&mut self) {
        self.tracker.invalidate();
    }

    /// What the last [`Renderer::prepare`] found changed (empty: nothing to paint).
    pub fn damage(&self) -> &Damage {
        &self.tracker.damage
    }

    /// The part of [`Renderer::damage`] the render pass paints; the rest is
    /// copied from strips painted before (the ticker, carousel pages).
    pub fn rasterised(&self) -> &Damage {
        &self.paint
    }

    /// The kept frame: after [`Renderer::encode`] it holds the whole current frame.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Records putting the kept frame onto `dst`, a texture of the screen's
    /// size: a plain copy where `dst` allows it, a draw otherwise.
    pub fn present_to(&self, encoder: &mut wgpu::CommandEncoder, dst: &wgpu::Texture) {
        if dst.usage().contains(wgpu::TextureUsages::COPY_DST) && dst.format() == self.format {
            self.target.copy_to(encoder, dst);
        } else {
            let view = dst.create_view(&wgpu::TextureViewDescriptor::default());
            self.target.blit_to(&self.blit, encoder, &view);
        }
    }

    /// The format frames are painted in (the window surface's, or the offscreen one).
    pub fn format(&self) -> wgpu::TextureFormat {
        self.format
    }

    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// How many text slots were shaped so far, across zones.
    pub fn shaped_count(&self) -> u64 {
        self.pools.iter().map(|p| p.shaped).sum()
    }

    /// Lays out the frame, works out what changed since the last one and
    /// uploads what painting that needs. Returns false when nothing on screen
    /// changed: there is nothing to encode, and the kept frame is still current.
    pub fn prepare(
        &mut self,
        scene: &Scene,
        layout: &Layout,
        time: &FrameTime,
    ) -> Result<bool, RenderError> {
        self.lay_out(scene, layout, time);
        if self.tracker.damage.is_empty() {
            self.unchanged += 1;
            return Ok(false);
        }
        self.painted += 1;
        self.prepare_strips()?;
        self.plan_strip_copies();
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
            paint,
            ..
        } = self;
        let damage = &*paint;
        for (layer, renderer) in text.iter_mut().enumerate() {
            // Only text that reaches a damaged rectangle: the rest is on the kept frame.
            let areas = list.texts[layer]
                .iter()
                .filter(|p| damage.intersects(&PixelRect::covering(p.clip)))
                .map(|p| TextArea {
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
        Ok(true)
    }

    /// The kept strip `id` of zone `pool`, by index.
    fn strip_index(&self, pool: usize, id: usize) -> Option<usize> {
        self.strips
            .iter()
            .position(|k| k.pool == pool && k.id == id)
    }

    /// Readies every strip whose text, size or colours changed for painting in
    /// [`Renderer::encode`]; the others are shown as they were painted. Strips
    /// this frame does not show are dropped (a carousel page after its slide).
    fn prepare_strips(&mut self) -> Result<(), RenderError> {
        self.strips_due.clear();
        for k in &mut self.strips {
            k.used = false;
        }
        for strip in &self.list.strips {
            if let Some(k) = self
                .strips
                .iter_mut()
                .find(|k| k.pool == strip.pool && k.id == strip.id)
            {
                k.used = true;
            }
        }
        self.strips.retain(|k| k.used);
        for i in 0..self.list.strips.len() {
            let strip = self.list.strips[i];
            let key = StripKey::of(&strip, &self.pools);
            let index = self.strip_index(strip.pool, strip.id);
            if let Some(j) = index
                && (self.strips[j].key == key || self.strips_due.contains(&j))
            {
                continue;
            }
            let mut kept = match index {
                Some(j) if self.strips[j].key.size == key.size => {
                    let k = self.strips.swap_remove(j);
                    KeptStrip { key, ..k }
                }
                Some(j) => {
                    self.strips.swap_remove(j);
                    self.new_strip(strip.pool, strip.id, key)
                }
                None => self.new_strip(strip.pool, strip.id, key),
            };
            // swap_remove moved the last strip into `j`: due indices follow it.
            if let Some(j) = index {
                let moved = self.strips.len();
                for d in &mut self.strips_due {
                    if *d == moved {
                        *d = j;
                    }
                }
            }
            kept.viewport.update(
                &self.queue,
                Resolution {
                    width: strip.width,
                    height: strip.height,
                },
            );
            let pool = &self.pools[strip.pool.min(self.pools.len() - 1)];
            let areas = strip.texts.iter().flatten().filter_map(|t| {
                let slot = pool.slots.get(t.slot)?;
                Some(TextArea {
                    buffer: &slot.buffer,
                    left: t.left,
                    top: t.top,
                    scale: 1.0,
                    bounds: TextBounds {
                        left: 0,
                        top: 0,
                        right: strip.width as i32,
                        bottom: strip.height as i32,
                    },
                    default_color: t.color.to_glyphon(),
                    custom_glyphs: &[],
                })
            });
            kept.text.prepare(
                &self.device,
                &self.queue,
                &mut self.fs,
                &mut self.atlas,
                &kept.viewport,
                areas,
                &mut self.swash,
            )?;
            self.strips.push(kept);
            self.strips_due.push(self.strips.len() - 1);
        }
        Ok(())
    }

    /// Where a strip is shown with nothing else drawn over or under it, it is
    /// copied onto the kept frame (a plain memory copy) instead of drawn: the
    /// render pass paints the damage less those pixels.
    fn plan_strip_copies(&mut self) {
        self.paint.copy_from(&self.tracker.damage);
        self.strip_copies.clear();
        for draw in &self.list.pictures {
            let PictureRef::Strip(i) = draw.picture else {
                continue;
            };
            let Some(strip) = self.list.strips.get(i) else {
                continue;
            };
            // Ticker clips are whole pixels: exactly the pixels the zone covers.
            let clip = PixelRect::covering(draw.clip);
            let Some(index) = self.strip_index(strip.pool, strip.id) else {
                continue;
            };
            if !self.tracker.damage.intersects(&clip)
                || self.tracker.others_touch(strip.pool, &clip)
            {
                continue;
            }
            self.paint.cut(&clip);
            let shown = PixelRect::covering(draw.rect).intersect(&clip);
            if shown.is_empty() {
                continue;
            }
            self.strip_copies.push(StripCopy {
                strip: index,
                from: (
                    (shown.x0 - draw.rect.x as i32) as u32,
                    (shown.y0 - draw.rect.y as i32) as u32,
                ),
                to: (shown.x0 as u32, shown.y0 as u32),
                size: (shown.width(), shown.height()),
            });
        }
    }

    fn new_strip(&mut self, pool: usize, id: usize, key: StripKey) -> KeptStrip {
        let (width, height) = key.size;
        let texture = crate::gpu::texture_2d(
            &self.device,
            "strip",
            (width, height),
            self.format,
            wgpu::TextureUsages::RENDER_ATTACHMENT
                | wgpu::TextureUsages::TEXTURE_BINDING
                | wgpu::TextureUsages::COPY_SRC,
        );
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        // Shown at whole-pixel offsets, one texel per pixel: nearest sampling copies it exactly.
        let sampler = self.device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("strip"),
            mag_filter: wgpu::FilterMode::Nearest,
            min_filter: wgpu::FilterMode::Nearest,
            ..Default::default()
        });
        let group = crate::gpu::picture_group(
            &self.device,
            "strip",
            &self.quads.picture_layout,
            &view,
            &sampler,
        );
        let text = TextRenderer::new(
            &mut self.atlas,
            &self.device,
            wgpu::MultisampleState::default(),
            None,
        );
        KeptStrip {
            pool,
            id,
            used: true,
            key,
            texture,
            view,
            group,
            text,
            viewport: Viewport::new(&self.device, &self.glyph_cache),
        }
    }

    /// Builds the frame's draw list: zone layout and text shaping (only of
    /// what changed), and the damage against the last frame. Steady frames
    /// allocate nothing here; a test holds it to that.
    pub fn lay_out(&mut self, scene: &Scene, layout: &Layout, time: &FrameTime) {
        let bg = layout.background.for_target(self.srgb);
        self.clear = wgpu::Color {
            r: bg[0] as f64,
            g: bg[1] as f64,
            b: bg[2] as f64,
            a: 1.0,
        };
        let zones = layout.zones.len();
        if self.pools.len() != zones + 2 {
            self.pools.resize_with(zones + 2, TextPool::default);
        }
        self.list.clear();
        self.draw_zones(scene, layout, time);
        self.track(scene, layout, bg);
    }

    /// Fingerprints everything drawn, group by group, and compares with the last frame.
    fn track(&mut self, scene: &Scene, layout: &Layout, bg: [f32; 4]) {
        let groups = self.list.groups.len();
        self.tracker.begin(groups, self.width, self.height, bg);
        if self.full_redraw {
            self.tracker.damage.full();
        }
        let screen = PixelRect::screen(self.width, self.height);
        for g in 0..groups {
            let (start, end) = self.list.group(g);
            for layer in 0..2 {
                for q in &self.list.quads[layer][start.quads[layer]..end.quads[layer]] {
                    let r = Rect {
                        x: q.rect[0],
                        y: q.rect[1],
                        w: q.rect[2],
                        h: q.rect[3],
                    };
                    let what = (layer, bits(q.rect), bits(q.color), bits(q.params));
                    self.tracker.mark(
                        g,
                        Mark::new(PixelRect::covering(r).intersect(&screen), what),
                    );
                }
                for p in &self.list.texts[layer][start.texts[layer]..end.texts[layer]] {
                    let revision = self.pools[p.pool].slots[p.slot].revision;
                    let clip = [p.clip.x, p.clip.y, p.clip.w, p.clip.h];
                    let what = (
                        layer,
                        p.pool,
                        p.slot,
                        revision,
                        bits([p.left, p.top]),
                        bits(clip),
                        p.color.0,
                    );
                    // Glyphs are clipped to the placement's clip rectangle.
                    let bounds = PixelRect::covering(p.clip).intersect(&screen);
                    self.tracker.mark(g, Mark::new(bounds, what));
                }
            }
            for d in &self.list.pictures[start.pictures..end.pictures] {
                let geometry = (
                    bits([d.rect.x, d.rect.y, d.rect.w, d.rect.h]),
                    bits([d.clip.x, d.clip.y, d.clip.w, d.clip.h, d.alpha]),
                );
                let bounds = PixelRect::covering(d.rect)
                    .intersect(&PixelRect::covering(d.clip))
                    .intersect(&screen);
                // What the picture is: a file (which a content change may have
                // replaced under the same name) or a QR code's text.
                let mark = match d.picture {
                    PictureRef::CarouselItem(i) => {
                        let path = scene.carousel.get(i).and_then(|c| c.image.as_deref());
                        Mark::new(bounds, (geometry, scene.content_epoch, path))
                    }
                    PictureRef::QrZone(z) => {
                        let text = layout.zones.get(z).map(|z| z.text.as_str());
                        Mark::new(bounds, (geometry, text))
                    }
                    PictureRef::Strip(i) => {
                        let key = self
                            .list
                            .strips
                            .get(i)
                            .map(|strip| (strip.pool, StripKey::of(strip, &self.pools)));
                        Mark::new(bounds, (geometry, key))
                    }
                };
                self.tracker.mark(g, mark);
            }
        }
        self.tracker.finish();
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
            max_texture: self.max_texture,
        };
        for (i, zone) in layout.zones.iter().enumerate() {
            cx.pool = i;
            cx.list.begin_group();
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
                ZoneKind::Window => window::draw(&mut cx, zone, rect, scene),
            }
        }
        // Always the same number of groups, so damage compares like with like.
        cx.pool = zones;
        cx.list.begin_group();
        if layout.zone(ZoneKind::Alert).is_none() && scene.alert.is_some() {
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
        cx.list.begin_group();
        status::draw(&mut cx, scene);
    }

    /// Writes the rectangles that reach a damaged rectangle (the background,
    /// screen, overlay, then pictures) to the instance buffer.
    fn upload(&mut self, scene: &Scene, layout: &Layout) {
        self.instances.clear();
        self.picture_draws.clear();
        let damage = &self.paint;
        let touches = |q: &QuadInstance| {
            damage.intersects(&PixelRect::covering(Rect {
                x: q.rect[0],
                y: q.rect[1],
                w: q.rect[2],
                h: q.rect[3],
            }))
        };
        for layer in 0..2 {
            let start = self.instances.len();
            if layer == 0 {
                // The background first: painting over the kept frame starts from it.
                let mut bg = QuadInstance::solid(
                    Rect {
                        x: 0.0,
                        y: 0.0,
                        w: self.width as f32,
                        h: self.height as f32,
                    },
                    crate::color::Rgba::WHITE,
                    0.0,
                );
                bg.color = [
                    self.clear.r as f32,
                    self.clear.g as f32,
                    self.clear.b as f32,
                    1.0,
                ];
                self.instances.push(bg);
            }
            let first_zone_quad = self.instances.len();
            self.instances
                .extend(self.list.quads[layer].iter().filter(|q| touches(q)));
            if self.srgb {
                for q in &mut self.instances[first_zone_quad..] {
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
            for (i, q) in self.instances[start..].iter().enumerate() {
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
            let bounds = PixelRect::covering(draw.rect).intersect(&PixelRect::covering(draw.clip));
            if !self.paint.intersects(&bounds) {
                continue;
            }
            if let PictureRef::Strip(i) = draw.picture {
                // Shown one texel per pixel, exactly where it was asked for.
                let kept = self
                    .list
                    .strips
                    .get(i)
                    .and_then(|strip| self.strip_index(strip.pool, strip.id))
                    .map(|j| &self.strips[j]);
                if let Some(kept) = kept {
                    let mut inst = QuadInstance::solid(draw.rect, crate::color::Rgba::WHITE, 0.0);
                    inst.color[3] = draw.alpha;
                    self.picture_draws.push((
                        kept.group.clone(),
                        self.instances.len() as u32,
                        draw.clip,
                    ));
                    self.instances.push(inst);
                }
                continue;
            }
            let picture = match draw.picture {
                PictureRef::Strip(_) => None,
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
        // Painter's order lets a rectangle skip what an opaque one later hides.
        self.covered_from.clear();
        let screen_quads = self.runs[0].last().map_or(0, |(r, _)| r.end) as usize;
        for rect in self.paint.rects() {
            let covers = |q: &QuadInstance| {
                q.is_flat()
                    && q.rect[0] <= rect.x0 as f32 + 0.5
                    && q.rect[1] <= rect.y0 as f32 + 0.5
                    && q.rect[0] + q.rect[2] >= rect.x1 as f32 - 0.5
                    && q.rect[1] + q.rect[3] >= rect.y1 as f32 - 0.5
            };
            let from = self.instances[..screen_quads]
                .iter()
                .rposition(covers)
                .unwrap_or(0);
            self.covered_from.push(from as u32);
        }
        self.quads.upload(
            &self.device,
            &self.queue,
            self.width,
            self.height,
            &self.instances,
        );
    }

    /// Records painting the damaged rectangles onto the kept frame (after a
    /// [`Renderer::prepare`] that returned true). Each rectangle replays, in
    /// order and scissored to it, every draw that reaches any of them.
    pub fn encode(&self, encoder: &mut wgpu::CommandEncoder) -> Result<(), RenderError> {
        for &due in &self.strips_due {
            let Some(kept) = self.strips.get(due) else {
                continue;
            };
            let bg = kept.key.background;
            let bg = crate::color::Rgba(bg).for_target(self.srgb);
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("strip"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &kept.view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color {
                            r: bg[0] as f64,
                            g: bg[1] as f64,
                            b: bg[2] as f64,
                            a: 1.0,
                        }),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            kept.text.render(&self.atlas, &kept.viewport, &mut pass)?;
        }
        if !self.paint.is_empty() {
            self.encode_pass(encoder)?;
        }
        // Strips shown with nothing over or under them: copied, after the pass
        // (which left their pixels alone), straight onto the kept frame.
        for c in &self.strip_copies {
            let Some(kept) = self.strips.get(c.strip) else {
                continue;
            };
            encoder.copy_texture_to_texture(
                crate::gpu::copy_at(&kept.texture, c.from),
                crate::gpu::copy_at(&self.target.texture, c.to),
                wgpu::Extent3d {
                    width: c.size.0,
                    height: c.size.1,
                    depth_or_array_layers: 1,
                },
            );
        }
        Ok(())
    }

    /// The render pass: each rectangle of [`Renderer::paint`] painted over the kept frame.
    fn encode_pass(&self, encoder: &mut wgpu::CommandEncoder) -> Result<(), RenderError> {
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("screen"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: &self.target.view,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    // The kept frame: only the damaged rectangles are painted over.
                    load: wgpu::LoadOp::Load,
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: None,
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        let screen = PixelRect::screen(self.width, self.height);
        let scissor = |pass: &mut wgpu::RenderPass<'_>, r: PixelRect| {
            let r = r.intersect(&screen);
            if r.is_empty() {
                return false;
            }
            pass.set_scissor_rect(r.x0 as u32, r.y0 as u32, r.width(), r.height());
            true
        };
        for (i, &rect) in self.paint.rects().iter().enumerate() {
            if !scissor(&mut pass, rect) {
                continue;
            }
            let from = self.covered_from.get(i).copied().unwrap_or(0);
            for (range, flat) in &self.runs[0] {
                let range = range.start.max(from)..range.end;
                self.quads.draw_solid(&mut pass, range, *flat);
            }
            for (group, instance, clip) in &self.picture_draws {
                // Pictures slide with the carousel; the scissor keeps them inside their zone.
                let clip = PixelRect {
                    x0: clip.x.max(0.0) as i32,
                    y0: clip.y.max(0.0) as i32,
                    x1: clip.right() as i32,
                    y1: clip.bottom() as i32,
                };
                if scissor(&mut pass, clip.intersect(&rect)) {
                    self.quads.draw_picture(&mut pass, group, *instance);
                }
            }
            scissor(&mut pass, rect);
            self.text[0].render(&self.atlas, &self.viewport, &mut pass)?;
            for (range, flat) in &self.runs[1] {
                self.quads.draw_solid(&mut pass, range.clone(), *flat);
            }
            self.text[1].render(&self.atlas, &self.viewport, &mut pass)?;
        }
        Ok(())
    }

    /// Prepares and, if anything changed, records and submits the frame onto
    /// the kept texture. Returns the submission, or `None` for an unchanged frame.
    pub fn render(
        &mut self,
        scene: &Scene,
        layout: &Layout,
        time: &FrameTime,
    ) -> Result<Option<wgpu::SubmissionIndex>, RenderError> {
        if !self.prepare(scene, layout, time)? {
            return Ok(None);
        }
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("frame"),
            });
        self.encode(&mut encoder)?;
        Ok(Some(self.queue.submit(Some(encoder.finish()))))
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
