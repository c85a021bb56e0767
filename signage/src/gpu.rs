//! Picking an adapter and device: a small fanless PC may have an integrated
//! GPU, or no GPU at all and only lavapipe (Mesa's software Vulkan).

use wgpu::{Adapter, Backends, Device, Instance, Queue, Surface};

#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    #[error(
        "no graphics adapter found (no Vulkan or GL driver answered); on a PC without a GPU install the Debian package `mesa-vulkan-drivers` (lavapipe)"
    )]
    NoAdapter,
    #[error(transparent)]
    Fonts(#[from] crate::fonts::FontError),
    #[error("could not open the graphics device: {0}")]
    Device(#[from] wgpu::RequestDeviceError),
    #[error("could not create a window surface: {0}")]
    Surface(#[from] wgpu::CreateSurfaceError),
}

impl GpuError {
    /// The Debian package whose absence this error is, when that is all it
    /// is. Tests may skip (outside CI) on such an error and only on it: an
    /// adapter that is there but refuses a device is a failure to report.
    pub fn missing_package(&self) -> Option<&'static str> {
        match self {
            GpuError::NoAdapter => Some("mesa-vulkan-drivers"),
            GpuError::Fonts(_) => Some("fonts-noto-cjk"),
            GpuError::Device(_) | GpuError::Surface(_) => None,
        }
    }
}

/// The device everything renders with.
pub struct Gpu {
    pub instance: Instance,
    pub adapter: Adapter,
    pub device: Device,
    pub queue: Queue,
}

impl Gpu {
    /// A headless device, when the fonts the player draws with are installed
    /// too; otherwise the reason. [`GpuError::missing_package`] tells a
    /// missing Debian package (fonts, lavapipe) from a device that failed.
    pub fn headless_with_fonts() -> Result<Gpu, GpuError> {
        crate::fonts::find_font_files()?;
        Gpu::headless()
    }

    /// For tests: [`headless_with_fonts`](Self::headless_with_fonts), or
    /// `None` when a Debian package is missing, after
    /// `linli_shared::skip::unavailable` has failed the test under CI (or
    /// printed the skip elsewhere) naming `what` needed it. Any other error
    /// (an adapter that refuses a device) fails the test.
    pub fn headless_for_test(what: &str) -> Option<Gpu> {
        match Gpu::headless_with_fonts() {
            Ok(gpu) => Some(gpu),
            Err(e) if e.missing_package().is_some() => {
                linli_shared::skip::unavailable(&format!("{what}: {e}"));
                None
            }
            Err(e) => panic!("the graphics device failed: {e}"),
        }
    }

    /// A device for offscreen rendering (tests, previews, the benchmark).
    pub fn headless() -> Result<Gpu, GpuError> {
        // One backend at a time: probing GL (EGL) when Vulkan works costs
        // start-up time and prints warnings on machines without a display.
        let all = with_backends(wgpu::InstanceDescriptor::new_without_display_handle()).backends;
        for backends in [Backends::VULKAN, Backends::GL] {
            if !all.contains(backends) {
                continue;
            }
            let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
            desc.backends = backends;
            let instance = Instance::new(desc);
            if let Ok(adapter) = pollster::block_on(pick_adapter(&instance, None)) {
                return Self::open(instance, adapter);
            }
        }
        Err(GpuError::NoAdapter)
    }

    /// A device that can present to `surface`, made from `instance`.
    pub fn for_surface(instance: Instance, surface: &Surface<'_>) -> Result<Gpu, GpuError> {
        let adapter = pollster::block_on(pick_adapter(&instance, Some(surface)))?;
        Self::open(instance, adapter)
    }

    fn open(instance: Instance, adapter: Adapter) -> Result<Gpu, GpuError> {
        let desc = wgpu::DeviceDescriptor {
            label: Some("linli-signage"),
            // Older integrated GPUs only reach downlevel limits; ask for nothing more.
            required_limits: wgpu::Limits::downlevel_defaults().using_resolution(adapter.limits()),
            ..Default::default()
        };
        let (device, queue) = pollster::block_on(adapter.request_device(&desc))?;
        Ok(Gpu {
            instance,
            adapter,
            device,
            queue,
        })
    }

    /// "llvmpipe (LLVM 15.0.6, 256 bits) / Vulkan", for logs and benchmark output.
    pub fn describe(&self) -> String {
        let info = self.adapter.get_info();
        format!(
            "{} / {:?} / {:?}",
            info.name, info.backend, info.device_type
        )
    }

    pub fn is_software(&self) -> bool {
        self.adapter.get_info().device_type == wgpu::DeviceType::Cpu
    }
}

/// Vulkan first (real drivers and lavapipe), GL as the fallback for old
/// integrated GPUs; WGPU_BACKEND overrides both.
pub fn with_backends(mut desc: wgpu::InstanceDescriptor) -> wgpu::InstanceDescriptor {
    desc.backends = Backends::from_env().unwrap_or(Backends::VULKAN | Backends::GL);
    desc
}

async fn pick_adapter(
    instance: &Instance,
    surface: Option<&Surface<'_>>,
) -> Result<Adapter, GpuError> {
    for force_fallback_adapter in [false, true] {
        let opts = wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::LowPower,
            force_fallback_adapter,
            compatible_surface: surface,
            ..Default::default()
        };
        if let Ok(a) = instance.request_adapter(&opts).await {
            return Ok(a);
        }
    }
    Err(GpuError::NoAdapter)
}

/// A plain 2D texture (one mip level, one sample) of `size` pixels.
pub fn texture_2d(
    device: &wgpu::Device,
    label: &str,
    (width, height): (u32, u32),
    format: wgpu::TextureFormat,
    usage: wgpu::TextureUsages,
) -> wgpu::Texture {
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage,
        view_formats: &[],
    })
}

/// The bind group of a picture (texture view + sampler), as the quad
/// pipeline's picture layout takes it.
pub fn picture_group(
    device: &wgpu::Device,
    label: &str,
    layout: &wgpu::BindGroupLayout,
    view: &wgpu::TextureView,
    sampler: &wgpu::Sampler,
) -> wgpu::BindGroup {
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(label),
        layout,
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::TextureView(view),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: wgpu::BindingResource::Sampler(sampler),
            },
        ],
    })
}

/// A copy's end at pixel `(x, y)` of a texture.
pub fn copy_at(texture: &wgpu::Texture, (x, y): (u32, u32)) -> wgpu::TexelCopyTextureInfo<'_> {
    wgpu::TexelCopyTextureInfo {
        texture,
        mip_level: 0,
        origin: wgpu::Origin3d { x, y, z: 0 },
        aspect: wgpu::TextureAspect::All,
    }
}
