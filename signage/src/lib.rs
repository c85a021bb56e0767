//! Linli signage player: the screens residents watch while they wait.
//!
//! A [`player::Player`] keeps a [`scene::Scene`] (calls, waiting counts, ticker,
//! carousel, alert) up to date from a host or a local content folder, and a
//! [`render::Renderer`] draws it into the zones of a [`layout::Layout`] with
//! wgpu and glyphon, either into a window or offscreen:
//!
//! ```
//! use linli_signage::{gpu::Gpu, layout::Layout, offscreen::Offscreen, render::Renderer, scene::Scene};
//! # fn main() -> anyhow::Result<()> {
//! let gpu = match Gpu::headless_with_fonts() {
//!     // No GPU and no lavapipe, or no CJK fonts: the error names the Debian package.
//!     Err(e) if e.missing_package().is_some() => {
//!         # return Ok(linli_shared::skip::unavailable(&e.to_string()));
//!         # #[allow(unreachable_code)]
//!         anyhow::bail!("{e}")
//!     }
//!     other => other?,
//! };
//! let layout = Layout::builtin_landscape();
//! let mut renderer = Renderer::new(&gpu, Offscreen::FORMAT, 1920, 1080)?;
//! let mut target = Offscreen::new(&gpu, 1920, 1080);
//! let frame = target.capture(&gpu, &mut renderer, &Scene::default(), &layout, &Default::default())?;
//! let file = std::env::temp_dir().join(format!("linli-frame-{}.png", std::process::id()));
//! frame.save(&file)?;
//! # assert_eq!(image::image_dimensions(&file)?, (1920, 1080));
//! # std::fs::remove_file(&file)?;
//! # Ok(()) }
//! ```

pub mod bench;
pub mod cache;
pub mod cli;
pub mod color;
pub mod content;
pub mod demo;
pub mod fleet;
pub mod follow;
pub mod fonts;
pub mod gpu;
pub mod http;
pub mod layout;
pub mod markdown;
pub mod memory;
pub mod offscreen;
pub mod player;
pub mod privacy;
pub mod regions;
pub mod render;
pub mod scene;
pub mod speech;
pub mod sse;
pub mod versus;
pub mod voice;
pub mod window;
#[cfg(target_os = "linux")]
pub mod x11shm;
