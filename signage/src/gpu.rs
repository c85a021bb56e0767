//! Picking an adapter and device: a small fanless PC may have an integrated
//! GPU, or no GPU at all and only lavapipe (Mesa's software Vulkan).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

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
        // GL stays the fallback here even without a GPU: it is only probed
        // when Vulkan (lavapipe) found nothing. The driver list is set first.
        software_only();
        let all = Backends::from_env().unwrap_or(Backends::VULKAN | Backends::GL);
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
/// integrated GPUs; WGPU_BACKEND overrides both. On a PC without a GPU with
/// lavapipe installed, Vulkan alone and lavapipe's driver alone (see
/// [`software_only`]).
pub fn with_backends(mut desc: wgpu::InstanceDescriptor) -> wgpu::InstanceDescriptor {
    // Called whatever WGPU_BACKEND says: the Vulkan loader's driver list is
    // set before any instance exists.
    let software = software_only().is_some();
    desc.backends = Backends::from_env().unwrap_or(if software {
        Backends::VULKAN
    } else {
        Backends::VULKAN | Backends::GL
    });
    desc
}

/// On a PC without a GPU: lavapipe's Vulkan driver manifest, which the
/// Vulkan loader has then been told to load alone. `None` where there is a
/// GPU (a DRM render node), where lavapipe is not installed, where the
/// loader's driver list was set by whoever started the player, or where
/// [`crate::memory::MEMORY_OFF`] has `icd`.
///
/// Why: the Vulkan loader otherwise opens every installed driver (Debian's
/// `mesa-vulkan-drivers` brings Intel's two and AMD's besides lavapipe) and
/// Mesa's device-selection layer, each mapping and relocating megabytes the
/// process keeps; and wgpu's GL backend opens EGL and Mesa's GL driver, a
/// second software renderer. Without a render node none of them can drive
/// anything but the CPU, which lavapipe already does.
///
/// Decided once, before the first instance (the loader reads its
/// environment when an instance is created); later calls return the same.
pub fn software_only() -> Option<&'static Path> {
    drivers().lavapipe.as_deref()
}

/// What [`software_only`] found and did, decided once.
struct Drivers {
    /// Lavapipe's manifest, when it is the only driver the loader may open.
    lavapipe: Option<PathBuf>,
    /// Whoever started the player chose the loader's drivers (the tests
    /// tell that apart from a machine where the restriction failed).
    #[cfg_attr(not(test), allow(dead_code))]
    set_by_caller: bool,
}

fn drivers() -> &'static Drivers {
    static DRIVERS: OnceLock<Drivers> = OnceLock::new();
    DRIVERS.get_or_init(|| {
        let set_by_caller = ["VK_DRIVER_FILES", "VK_ICD_FILENAMES", "VK_ADD_DRIVER_FILES"]
            .iter()
            .any(|v| std::env::var_os(v).is_some());
        let lavapipe = if set_by_caller
            || crate::memory::memory_off("icd")
            || has_render_node(Path::new("/dev/dri"))
        {
            None
        } else {
            lavapipe_icd(&icd_dirs())
        };
        if let Some(icd) = &lavapipe {
            // SAFETY (set_var): this runs once, before any Vulkan instance
            // exists; the player's other threads (the host follower, the
            // voice, the memory release) never read the environment.
            unsafe {
                // VK_DRIVER_FILES for loaders from 1.3.207 on, VK_ICD_FILENAMES for older ones.
                std::env::set_var("VK_DRIVER_FILES", icd);
                std::env::set_var("VK_ICD_FILENAMES", icd);
                // Mesa's device-selection layer only chooses between GPUs.
                std::env::set_var("NODEVICE_SELECT", "1");
            }
        }
        Drivers {
            lavapipe,
            set_by_caller,
        }
    })
}

/// Whether `dri` (normally /dev/dri) has a render node: a GPU that a Vulkan
/// or GL driver other than a software one could use.
fn has_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Where the Vulkan loader looks for driver manifests, in its order.
fn icd_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let config = std::env::var("XDG_CONFIG_DIRS").unwrap_or_else(|_| "/etc/xdg".into());
    dirs.extend(
        config
            .split(':')
            .filter(|d| !d.is_empty())
            .map(PathBuf::from),
    );
    dirs.push(PathBuf::from("/etc"));
    let data =
        std::env::var("XDG_DATA_DIRS").unwrap_or_else(|_| "/usr/local/share:/usr/share".into());
    dirs.extend(data.split(':').filter(|d| !d.is_empty()).map(PathBuf::from));
    dirs.into_iter().map(|d| d.join("vulkan/icd.d")).collect()
}

/// Lavapipe's manifest (`lvp_icd.<arch>.json`) in the first of `dirs` that
/// has one; one for this architecture before any other.
fn lavapipe_icd(dirs: &[PathBuf]) -> Option<PathBuf> {
    let arch = std::env::consts::ARCH;
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy())
                    .is_some_and(|n| n.starts_with("lvp_icd") && n.ends_with(".json"))
            })
            .collect();
        found.sort_by_key(|p| !p.to_string_lossy().contains(arch));
        if let Some(first) = found.into_iter().next() {
            return Some(first);
        }
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_lavapipe_among_the_drivers() {
        let root = std::env::temp_dir().join(format!("linli-icd-{}", std::process::id()));
        let (empty, drivers) = (
            root.join("etc/vulkan/icd.d"),
            root.join("usr/share/vulkan/icd.d"),
        );
        std::fs::create_dir_all(&empty).unwrap();
        std::fs::create_dir_all(&drivers).unwrap();
        let arch = std::env::consts::ARCH;
        for name in [
            "intel_icd.x86_64.json".to_owned(),
            "radeon_icd.x86_64.json".to_owned(),
            "lvp_icd.some-other-arch.json".to_owned(),
            format!("lvp_icd.{arch}.json"),
        ] {
            std::fs::write(drivers.join(name), "{}").unwrap();
        }
        let found = lavapipe_icd(&[root.join("nowhere"), empty.clone(), drivers.clone()]);
        assert_eq!(found, Some(drivers.join(format!("lvp_icd.{arch}.json"))));
        assert_eq!(lavapipe_icd(&[empty]), None);

        let dri = root.join("dev/dri");
        std::fs::create_dir_all(&dri).unwrap();
        std::fs::write(dri.join("card0"), "").unwrap();
        assert!(
            !has_render_node(&dri),
            "a display controller alone renders nothing"
        );
        std::fs::write(dri.join("renderD128"), "").unwrap();
        assert!(has_render_node(&dri));
        assert!(!has_render_node(&root.join("no/dri")));
        let _ = std::fs::remove_dir_all(&root);
    }

    /// On a PC without a GPU the device is lavapipe's, it draws a frame, and
    /// no other vendor's Vulkan driver, Mesa's device-selection layer or GL
    /// driver was loaded on the way (each costs megabytes of memory).
    #[test]
    fn without_a_gpu_only_lavapipe_is_loaded_and_draws() {
        let Some(gpu) = Gpu::headless_for_test("the lavapipe-only device") else {
            return;
        };
        if has_render_node(Path::new("/dev/dri"))
            || drivers().set_by_caller
            || std::env::var_os("WGPU_BACKEND").is_some()
        {
            eprintln!(
                "skipped: this machine has a GPU, or its Vulkan drivers are chosen by the environment"
            );
            return;
        }
        assert!(gpu.is_software(), "{}", gpu.describe());
        assert_eq!(gpu.adapter.get_info().backend, wgpu::Backend::Vulkan);
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
        assert!(maps.contains("libvulkan_lvp"), "lavapipe is not mapped");
        for other in [
            "libvulkan_radeon",
            "libvulkan_intel",
            "libvulkan_nouveau",
            "libVkLayer_MESA_device_select",
            "libEGL_mesa",
            "_dri.so",
        ] {
            assert!(!maps.contains(other), "{other} was loaded");
        }

        let (w, h) = (320, 180);
        let mut renderer =
            crate::render::Renderer::new(&gpu, crate::offscreen::Offscreen::FORMAT, w, h).unwrap();
        let mut target = crate::offscreen::Offscreen::new(&gpu, w, h);
        let frame = target
            .capture(
                &gpu,
                &mut renderer,
                &crate::demo::scene(0.0),
                &crate::layout::Layout::builtin_landscape(),
                &crate::render::FrameTime::default(),
            )
            .unwrap();
        let first = *frame.get_pixel(0, 0);
        assert!(
            frame.pixels().any(|p| *p != first),
            "the frame is one colour: nothing was drawn"
        );
    }
}
