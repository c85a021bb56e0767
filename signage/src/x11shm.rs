//! Presenting to an X11 window through shared memory, only what changed.
//!
//! With a software renderer (lavapipe) the swapchain is the expensive part of
//! a frame: wgpu hands out each swapchain image with undefined contents, so
//! the whole kept frame is copied onto it, and lavapipe's X11 present then
//! writes all 8 MB of a 1080p image down the X socket, every frame, even when
//! only the ticker moved. This presenter skips the swapchain: the damaged
//! rectangles of the kept frame are copied into a buffer the CPU can read, from
//! there into a MIT-SHM segment laid out like the frame, and put onto the
//! window with `ShmPutImage`, one request per rectangle. The window keeps what
//! was put before (X keeps a window's contents; an exposure presents whole).
//! It is what a browser's software compositor does on X.
//!
//! Used only when the adapter is a CPU, the window is on X11 and the server
//! has MIT-SHM with a 32-bit BGRX visual; anything else keeps the swapchain.

use x11rb::connection::{Connection, RequestConnection};
use x11rb::protocol::shm::ConnectionExt as _;
use x11rb::protocol::xproto::{self, ConnectionExt as _, ImageFormat, ImageOrder};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

use crate::gpu::Gpu;
use crate::render::Renderer;
use crate::render::damage::PixelRect;

/// The renderer's format for this presenter: X's 32-bit little-endian
/// TrueColor pixel (0x00RRGGBB) is B, G, R, X in memory.
pub const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Bgra8Unorm;

#[derive(Debug, thiserror::Error)]
pub enum ShmError {
    #[error("X11: {0}")]
    X(String),
    #[error("X11 shared-memory present unavailable: {0}")]
    Unsupported(&'static str),
    #[error("shared memory: {0}")]
    Shm(std::io::Error),
    #[error("reading the frame back failed: {0}")]
    Map(String),
}

fn x<E: std::fmt::Display>(e: E) -> ShmError {
    ShmError::X(e.to_string())
}

/// A MIT-SHM segment the size of the frame, and a buffer laid out the same.
struct Frame {
    seg: u32,
    addr: *mut u8,
    len: usize,
    width: u32,
    height: u32,
    /// Bytes per row, a multiple of 256 (wgpu's copy alignment), so the
    /// buffer and the segment share one layout.
    stride: u32,
    readback: wgpu::Buffer,
}

pub struct ShmPresenter {
    conn: RustConnection,
    window: u32,
    gc: u32,
    depth: u8,
    frame: Option<Frame>,
}

impl ShmPresenter {
    /// Connects to `display` (`None`: `DISPLAY`) and checks that `window` can
    /// take BGRX pixels through MIT-SHM.
    pub fn new(display: Option<&str>, window: u32) -> Result<ShmPresenter, ShmError> {
        let (conn, _) = x11rb::connect(display).map_err(x)?;
        if conn
            .extension_information(x11rb::protocol::shm::X11_EXTENSION_NAME)
            .map_err(x)?
            .is_none()
        {
            return Err(ShmError::Unsupported("the X server has no MIT-SHM"));
        }
        let geometry = conn.get_geometry(window).map_err(x)?.reply().map_err(x)?;
        let attrs = conn
            .get_window_attributes(window)
            .map_err(x)?
            .reply()
            .map_err(x)?;
        let setup = conn.setup();
        if setup.image_byte_order != ImageOrder::LSB_FIRST {
            return Err(ShmError::Unsupported("big-endian images"));
        }
        let depth = geometry.depth;
        let bpp = setup
            .pixmap_formats
            .iter()
            .find(|f| f.depth == depth)
            .map(|f| f.bits_per_pixel);
        if bpp != Some(32) {
            return Err(ShmError::Unsupported("not a 32-bit pixel format"));
        }
        let visual = setup
            .roots
            .iter()
            .flat_map(|s| &s.allowed_depths)
            .flat_map(|d| &d.visuals)
            .find(|v| v.visual_id == attrs.visual);
        if !visual.is_some_and(|v| {
            v.red_mask == 0xff0000 && v.green_mask == 0xff00 && v.blue_mask == 0xff
        }) {
            return Err(ShmError::Unsupported("not a BGRX visual"));
        }
        let gc = conn.generate_id().map_err(x)?;
        conn.create_gc(
            gc,
            window,
            &xproto::CreateGCAux::new().graphics_exposures(0),
        )
        .map_err(x)?
        .check()
        .map_err(x)?;
        Ok(ShmPresenter {
            conn,
            window,
            gc,
            depth,
            frame: None,
        })
    }

    /// Makes the segment for a `width` × `height` frame now, so a server that
    /// cannot share memory with this process (a remote display) is found out
    /// before the first frame, while the swapchain can still be chosen.
    pub fn ready(
        &mut self,
        device: &wgpu::Device,
        width: u32,
        height: u32,
    ) -> Result<(), ShmError> {
        if self
            .frame
            .as_ref()
            .is_none_or(|f| (f.width, f.height) != (width, height))
        {
            self.frame = None;
            self.frame = Some(self.new_frame(device, width, height)?);
        }
        Ok(())
    }

    /// Records copying `rects` of the kept frame into the read-back buffer,
    /// submits `encoder`, waits, and puts those rectangles onto the window.
    /// Call after [`Renderer::encode`] (or with nothing painted, to show the
    /// kept frame again after an exposure).
    pub fn present(
        &mut self,
        gpu: &Gpu,
        renderer: &Renderer,
        mut encoder: wgpu::CommandEncoder,
        rects: &[PixelRect],
    ) -> Result<(), ShmError> {
        let (width, height) = renderer.size();
        self.ready(&gpu.device, width, height)?;
        let Some(frame) = self.frame.as_ref() else {
            return Err(ShmError::Unsupported("no segment"));
        };
        let screen = PixelRect::screen(width, height);
        let texture = &renderer.target().texture;
        let mut any = false;
        for r in rects {
            let r = r.intersect(&screen);
            if r.is_empty() {
                continue;
            }
            any = true;
            encoder.copy_texture_to_buffer(
                crate::gpu::copy_at(texture, (r.x0 as u32, r.y0 as u32)),
                wgpu::TexelCopyBufferInfo {
                    buffer: &frame.readback,
                    layout: wgpu::TexelCopyBufferLayout {
                        offset: offset(frame.stride, r.x0, r.y0),
                        bytes_per_row: Some(frame.stride),
                        rows_per_image: None,
                    },
                },
                wgpu::Extent3d {
                    width: r.width(),
                    height: r.height(),
                    depth_or_array_layers: 1,
                },
            );
        }
        let index = gpu.queue.submit(Some(encoder.finish()));
        if !any {
            return Ok(());
        }
        let slice = frame.readback.slice(..);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        gpu.device
            .poll(wgpu::PollType::Wait {
                submission_index: Some(index),
                timeout: None,
            })
            .map_err(|e| ShmError::Map(e.to_string()))?;
        rx.recv()
            .map_err(|e| ShmError::Map(e.to_string()))?
            .map_err(|e| ShmError::Map(e.to_string()))?;
        {
            let data = slice
                .get_mapped_range()
                .map_err(|e| ShmError::Map(e.to_string()))?;
            // SAFETY: the segment is `len` bytes, attached for this frame's
            // lifetime; the X server reads it only between our put requests
            // and the sync below, never while this copies.
            let shm = unsafe { std::slice::from_raw_parts_mut(frame.addr, frame.len) };
            for r in rects {
                let r = r.intersect(&screen);
                if r.is_empty() {
                    continue;
                }
                let row = r.width() as usize * 4;
                for y in r.y0..r.y1 {
                    let at = offset(frame.stride, r.x0, y) as usize;
                    shm[at..at + row].copy_from_slice(&data[at..at + row]);
                }
            }
        }
        frame.readback.unmap();
        for r in rects {
            let r = r.intersect(&screen);
            if r.is_empty() {
                continue;
            }
            self.conn
                .shm_put_image(
                    self.window,
                    self.gc,
                    (frame.stride / 4) as u16,
                    height as u16,
                    r.x0 as u16,
                    r.y0 as u16,
                    r.width() as u16,
                    r.height() as u16,
                    r.x0 as i16,
                    r.y0 as i16,
                    self.depth,
                    ImageFormat::Z_PIXMAP.into(),
                    false,
                    frame.seg,
                    0,
                )
                .map_err(x)?;
        }
        // The server has read the segment once it answers: the next frame may write it.
        self.conn.sync().map_err(x)?;
        Ok(())
    }

    fn new_frame(&self, device: &wgpu::Device, width: u32, height: u32) -> Result<Frame, ShmError> {
        if width > u16::MAX as u32 / 2 || height > u16::MAX as u32 {
            return Err(ShmError::Unsupported("window too large"));
        }
        let align = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
        let stride = (width * 4).div_ceil(align) * align;
        let len = stride as usize * height as usize;
        // SAFETY: plain System V shared memory calls; the result is checked.
        let id = unsafe { libc::shmget(libc::IPC_PRIVATE, len, libc::IPC_CREAT | 0o600) };
        if id < 0 {
            return Err(ShmError::Shm(std::io::Error::last_os_error()));
        }
        // SAFETY: `id` is the segment just made; a failed attach returns -1.
        let addr = unsafe { libc::shmat(id, std::ptr::null(), 0) };
        let attached = addr as isize != -1;
        let seg = self.conn.generate_id().map_err(x);
        let result = match (attached, seg) {
            (false, _) => Err(ShmError::Shm(std::io::Error::last_os_error())),
            (true, Err(e)) => Err(e),
            (true, Ok(seg)) => self
                .conn
                .shm_attach(seg, id as u32, true)
                .map_err(x)
                .and_then(|c| c.check().map_err(x))
                .map(|()| seg),
        };
        // Marked for removal now: it goes when both sides have detached, even
        // if this process dies.
        // SAFETY: `id` is ours.
        unsafe { libc::shmctl(id, libc::IPC_RMID, std::ptr::null_mut()) };
        let seg = match result {
            Ok(seg) => seg,
            Err(e) => {
                if attached {
                    // SAFETY: attached above.
                    unsafe { libc::shmdt(addr) };
                }
                return Err(e);
            }
        };
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("present"),
            size: len as u64,
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        Ok(Frame {
            seg,
            addr: addr.cast(),
            len,
            width,
            height,
            stride,
            readback,
        })
    }
}

fn offset(stride: u32, x: i32, y: i32) -> u64 {
    y as u64 * stride as u64 + x as u64 * 4
}

impl Drop for Frame {
    fn drop(&mut self) {
        // SAFETY: attached in `new_frame`, detached once here.
        unsafe { libc::shmdt(self.addr.cast()) };
    }
}

impl Drop for ShmPresenter {
    fn drop(&mut self) {
        if let Some(frame) = self.frame.take() {
            let _ = self.conn.shm_detach(frame.seg);
        }
        let _ = self.conn.free_gc(self.gc);
        let _ = self.conn.flush();
    }
}
