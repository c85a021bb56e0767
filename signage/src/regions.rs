//! Counting pixels in one zone of a captured frame, so a check can say "the
//! calls board changed" or "the ticket digits are there" without a golden
//! image that would break on every font or colour tweak.
//!
//! ```
//! use linli_signage::layout::{Layout, ZoneKind};
//! use linli_signage::regions;
//! # // Two frames as a capture gives them; here the second has a yellow
//! # // ticket number painted on the calls board by hand.
//! # fn frames(layout: &Layout) -> (image::RgbaImage, image::RgbaImage) {
//! #     let before = image::RgbaImage::from_pixel(1280, 720, image::Rgba([20, 30, 50, 255]));
//! #     let mut after = before.clone();
//! #     let r = regions::zone(layout, ZoneKind::Calls, &after).expect("a calls board");
//! #     for y in r.y as u32 + 10..r.y as u32 + 60 {
//! #         for x in r.x as u32 + 10..r.x as u32 + 200 {
//! #             after.put_pixel(x, y, image::Rgba([250, 210, 40, 255]));
//! #         }
//! #     }
//! #     (before, after)
//! # }
//! let layout = Layout::builtin_landscape();
//! let (before, after) = frames(&layout);
//! let board = regions::zone(&layout, ZoneKind::Calls, &before).expect("a calls board");
//! assert!(regions::changed(&before, &after, board) > 1000);
//! assert!(regions::accent(&after, board) > regions::accent(&before, board) + 200);
//! ```

use crate::layout::{Layout, Rect, ZoneKind};

/// Where the zone of `kind` lies in a frame of `img`'s size.
pub fn zone(layout: &Layout, kind: ZoneKind, img: &image::RgbaImage) -> Option<Rect> {
    layout
        .zone(kind)
        .map(|z| z.rect(img.width() as f32, img.height() as f32))
}

/// Pixels in `r` that differ between two frames of the same size.
pub fn changed(a: &image::RgbaImage, b: &image::RgbaImage, r: Rect) -> usize {
    count(a, r, |x, y, p| {
        Some(p) != b.get_pixel_checked(x, y).map(|q| q.0)
    })
}

/// Pixels in `r` at least `min` on every channel: white text on the dark zones.
pub fn bright(img: &image::RgbaImage, r: Rect, min: u8) -> usize {
    count(img, r, |_, _, p| p[0] >= min && p[1] >= min && p[2] >= min)
}

/// Pixels in `r` in the accent colour (yellow) the board draws ticket numbers in.
pub fn accent(img: &image::RgbaImage, r: Rect) -> usize {
    count(img, r, |_, _, p| p[0] > 200 && p[1] > 150 && p[2] < 120)
}

/// Pixels in `r` that are clearly red: the window display's 暂停服务 band.
pub fn red(img: &image::RgbaImage, r: Rect) -> usize {
    count(img, r, |_, _, p| p[0] > 160 && p[1] < 90 && p[2] < 90)
}

fn count(img: &image::RgbaImage, r: Rect, mut hit: impl FnMut(u32, u32, [u8; 4]) -> bool) -> usize {
    let (x0, y0) = (r.x.max(0.0) as u32, r.y.max(0.0) as u32);
    let x1 = (r.right().max(0.0) as u32).min(img.width());
    let y1 = (r.bottom().max(0.0) as u32).min(img.height());
    let mut n = 0;
    for y in y0..y1 {
        for x in x0..x1 {
            if hit(x, y, img.get_pixel(x, y).0) {
                n += 1;
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_inside_the_rect() {
        let mut a = image::RgbaImage::from_pixel(10, 10, image::Rgba([0, 0, 0, 255]));
        let b = a.clone();
        for (x, y) in [(1, 1), (8, 8)] {
            a.put_pixel(x, y, image::Rgba([255, 220, 0, 255]));
        }
        let left = Rect {
            x: 0.0,
            y: 0.0,
            w: 5.0,
            h: 5.0,
        };
        assert_eq!(changed(&a, &b, left), 1);
        assert_eq!(accent(&a, left), 1);
        assert_eq!(bright(&a, left, 200), 0);
        let all = Rect {
            x: -3.0,
            y: 0.0,
            w: 40.0,
            h: 40.0,
        };
        assert_eq!(changed(&a, &b, all), 2);
    }
}
