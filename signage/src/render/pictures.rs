//! Pictures on screen (carousel images, QR codes) as GPU textures, made once
//! per source and kept while the source is shown.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use qrcode::{Color as QrColor, QrCode};

pub struct Picture {
    pub group: wgpu::BindGroup,
    pub width: u32,
    pub height: u32,
}

/// Largest edge uploaded: older integrated GPUs stop at 2048, and a screen zone
/// never needs more.
const MAX_EDGE: u32 = 2048;

/// Loaded pictures by source. Two maps keyed by the source's own type, so a
/// frame looks them up by `&Path` / `&str` without building a key.
pub struct Pictures {
    /// Pictures are sampled as stored (sRGB bytes) for a non-sRGB target, and
    /// decoded to linear for an sRGB one, matching how colours are blended.
    srgb: bool,
    files: HashMap<PathBuf, Option<Picture>>,
    qrs: HashMap<String, Option<Picture>>,
}

impl Pictures {
    pub fn new(srgb: bool) -> Pictures {
        Pictures {
            srgb,
            files: HashMap::new(),
            qrs: HashMap::new(),
        }
    }

    /// The picture in `path`, loaded on first use. `None` when it cannot be
    /// decoded: the zone then shows its text only, never a blank.
    pub fn file(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        layout: &wgpu::BindGroupLayout,
        path: &Path,
    ) -> Option<&Picture> {
        if !self.files.contains_key(path) {
            let picture = decode_file(path).map(|img| {
                upload(
                    device,
                    queue,
                    layout,
                    &img,
                    wgpu::FilterMode::Linear,
                    self.srgb,
                )
            });
            self.files.insert(path.to_path_buf(), picture);
        }
        self.files.get(path).and_then(Option::as_ref)
    }

    /// The QR code of `text`, made on first use.
    pub fn qr(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        layout: &wgpu::BindGroupLayout,
        text: &str,
    ) -> Option<&Picture> {
        if !self.qrs.contains_key(text) {
            let picture = qr_image(text).map(|img| {
                upload(
                    device,
                    queue,
                    layout,
                    &img,
                    wgpu::FilterMode::Nearest,
                    self.srgb,
                )
            });
            self.qrs.insert(text.to_string(), picture);
        }
        self.qrs.get(text).and_then(Option::as_ref)
    }

    /// Forgets file pictures no longer shown, after a content change.
    /// Forgets every file picture: content changed, and a file may have been
    /// replaced under the same name.
    pub fn forget_files(&mut self) {
        self.files.clear();
    }
}

fn decode_file(path: &Path) -> Option<image::RgbaImage> {
    let img = match image::open(path) {
        Ok(img) => img,
        Err(e) => {
            eprintln!("linli-signage: picture {}: {e}", path.display());
            return None;
        }
    };
    let img = if img.width() > MAX_EDGE || img.height() > MAX_EDGE {
        img.thumbnail(MAX_EDGE, MAX_EDGE)
    } else {
        img
    };
    Some(img.to_rgba8())
}

/// One texel per module with a two-module quiet zone; nearest sampling keeps it sharp.
pub fn qr_image(text: &str) -> Option<image::RgbaImage> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let n = code.width() as u32;
    let quiet = 2;
    let side = n + 2 * quiet;
    let colors = code.to_colors();
    Some(image::RgbaImage::from_fn(side, side, |x, y| {
        let dark = x >= quiet
            && y >= quiet
            && x < n + quiet
            && y < n + quiet
            && colors[((y - quiet) * n + (x - quiet)) as usize] == QrColor::Dark;
        if dark {
            image::Rgba([0, 0, 0, 255])
        } else {
            image::Rgba([255, 255, 255, 255])
        }
    }))
}

fn upload(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    layout: &wgpu::BindGroupLayout,
    img: &image::RgbaImage,
    filter: wgpu::FilterMode,
    srgb: bool,
) -> Picture {
    let size = wgpu::Extent3d {
        width: img.width(),
        height: img.height(),
        depth_or_array_layers: 1,
    };
    let format = if srgb {
        wgpu::TextureFormat::Rgba8UnormSrgb
    } else {
        wgpu::TextureFormat::Rgba8Unorm
    };
    let texture = crate::gpu::texture_2d(
        device,
        "picture",
        (img.width(), img.height()),
        format,
        wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
    );
    queue.write_texture(
        texture.as_image_copy(),
        img.as_raw(),
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(4 * img.width()),
            rows_per_image: None,
        },
        size,
    );
    let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
    let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
        label: Some("picture"),
        mag_filter: filter,
        min_filter: filter,
        ..Default::default()
    });
    let group = crate::gpu::picture_group(device, "picture", layout, &view, &sampler);
    Picture {
        group,
        width: img.width(),
        height: img.height(),
    }
}
