//! Damage tracking: which parts of the screen a frame must paint again.
//!
//! The renderer keeps the last frame in a texture of its own. Each frame,
//! every drawn thing (a rectangle, a placed text slot, a picture) gets a
//! fingerprint: the pixels it can touch and a hash of how it is drawn. The
//! fingerprints of each zone are compared with the zone's from the last frame;
//! where one differs, both its old and its new pixels are damaged. Only the
//! damaged rectangles are painted again, with everything that touches them,
//! in the usual order and scissored to them, so the result is the same image a
//! whole redraw would give. A frame with no damage is not drawn at all.

use std::hash::{Hash, Hasher};

use crate::layout::Rect;

/// A rectangle of whole pixels, `x0..x1` × `y0..y1`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PixelRect {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl PixelRect {
    /// Every pixel `r` can touch (rasterising covers pixels whose centre is inside).
    pub fn covering(r: Rect) -> PixelRect {
        PixelRect {
            x0: r.x.floor() as i32,
            y0: r.y.floor() as i32,
            x1: r.right().ceil() as i32,
            y1: r.bottom().ceil() as i32,
        }
    }

    pub fn screen(width: u32, height: u32) -> PixelRect {
        PixelRect {
            x0: 0,
            y0: 0,
            x1: width as i32,
            y1: height as i32,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.x1 <= self.x0 || self.y1 <= self.y0
    }

    pub fn width(&self) -> u32 {
        (self.x1 - self.x0).max(0) as u32
    }

    pub fn height(&self) -> u32 {
        (self.y1 - self.y0).max(0) as u32
    }

    pub fn area(&self) -> u64 {
        self.width() as u64 * self.height() as u64
    }

    pub fn intersect(&self, o: &PixelRect) -> PixelRect {
        PixelRect {
            x0: self.x0.max(o.x0),
            y0: self.y0.max(o.y0),
            x1: self.x1.min(o.x1),
            y1: self.y1.min(o.y1),
        }
    }

    pub fn union(&self, o: &PixelRect) -> PixelRect {
        if self.is_empty() {
            return *o;
        }
        if o.is_empty() {
            return *self;
        }
        PixelRect {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }

    pub fn intersects(&self, o: &PixelRect) -> bool {
        !self.intersect(o).is_empty()
    }

    /// Overlapping or sharing an edge: merging them costs nothing extra.
    fn touches(&self, o: &PixelRect) -> bool {
        self.x0 <= o.x1 && o.x0 <= self.x1 && self.y0 <= o.y1 && o.y0 <= self.y1
    }

    pub fn contains(&self, o: &PixelRect) -> bool {
        o.is_empty() || (self.x0 <= o.x0 && self.y0 <= o.y0 && self.x1 >= o.x1 && self.y1 >= o.y1)
    }

    /// Whether the pixel (x, y) lies inside.
    pub fn has(&self, x: i32, y: i32) -> bool {
        x >= self.x0 && x < self.x1 && y >= self.y0 && y < self.y1
    }
}

/// Most separate rectangles a frame is painted in; more are merged (each
/// rectangle replays the frame's draw calls, so a handful is the sweet spot).
const MAX_RECTS: usize = 4;

/// The damaged part of the screen: a few disjoint-ish rectangles.
#[derive(Clone, Debug, Default)]
pub struct Damage {
    rects: Vec<PixelRect>,
    screen: PixelRect,
}

impl Damage {
    pub fn clear(&mut self, width: u32, height: u32) {
        self.rects.clear();
        self.screen = PixelRect::screen(width, height);
    }

    pub fn rects(&self) -> &[PixelRect] {
        &self.rects
    }

    pub fn is_empty(&self) -> bool {
        self.rects.is_empty()
    }

    /// Damaged pixels (rectangles do not overlap after merging).
    pub fn area(&self) -> u64 {
        self.rects.iter().map(PixelRect::area).sum()
    }

    pub fn is_full(&self) -> bool {
        self.rects.len() == 1 && self.rects[0] == self.screen
    }

    pub fn full(&mut self) {
        self.rects.clear();
        self.rects.push(self.screen);
    }

    /// Makes this the same rectangles as `other`, reusing its own room.
    pub fn copy_from(&mut self, other: &Damage) {
        self.rects.clear();
        self.rects.extend_from_slice(&other.rects);
        self.screen = other.screen;
    }

    /// Takes `cut` out: each rectangle it overlaps is replaced by the (up to
    /// four) pieces around it. What is cut out is filled another way.
    pub fn cut(&mut self, cut: &PixelRect) {
        let n = self.rects.len();
        for i in 0..n {
            let r = self.rects[i];
            if !r.intersects(cut) {
                self.rects.push(r);
                continue;
            }
            let c = r.intersect(cut);
            let pieces = [
                PixelRect { y1: c.y0, ..r },
                PixelRect { y0: c.y1, ..r },
                PixelRect {
                    x1: c.x0,
                    y0: c.y0,
                    y1: c.y1,
                    ..r
                },
                PixelRect {
                    x0: c.x1,
                    y0: c.y0,
                    y1: c.y1,
                    ..r
                },
            ];
            self.rects
                .extend(pieces.into_iter().filter(|p| !p.is_empty()));
        }
        self.rects.drain(..n);
    }

    /// Whether a draw with these bounds must be replayed.
    pub fn intersects(&self, r: &PixelRect) -> bool {
        self.rects.iter().any(|d| d.intersects(r))
    }

    /// Adds `r` (clipped to the screen), merging rectangles that touch and,
    /// past [`MAX_RECTS`], the pair whose union wastes the fewest pixels.
    pub fn add(&mut self, r: PixelRect) {
        let mut r = r.intersect(&self.screen);
        if r.is_empty() {
            return;
        }
        if self.rects.iter().any(|d| d.contains(&r)) {
            return;
        }
        // Swallow every rectangle it touches; the union may touch more.
        while let Some(i) = self.rects.iter().position(|d| d.touches(&r)) {
            r = r.union(&self.rects.swap_remove(i));
        }
        self.rects.push(r);
        while self.rects.len() > MAX_RECTS {
            let mut best = (0, 1, u64::MAX);
            for i in 0..self.rects.len() {
                for j in i + 1..self.rects.len() {
                    let (a, b) = (self.rects[i], self.rects[j]);
                    let waste = a.union(&b).area().saturating_sub(a.area() + b.area());
                    if waste < best.2 {
                        best = (i, j, waste);
                    }
                }
            }
            let b = self.rects.swap_remove(best.1);
            let a = self.rects.swap_remove(best.0);
            self.add(a.union(&b));
        }
    }
}

/// One drawn thing: the pixels it can touch and a hash of everything that
/// decides what it paints there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    pub bounds: PixelRect,
    pub hash: u64,
}

impl Mark {
    pub fn new(bounds: PixelRect, what: impl Hash) -> Mark {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        what.hash(&mut h);
        bounds.hash(&mut h);
        Mark {
            bounds,
            hash: h.finish(),
        }
    }
}

/// Floats hashed by their bits (the same value draws the same pixels).
pub fn bits<const N: usize>(v: [f32; N]) -> [u32; N] {
    v.map(f32::to_bits)
}

/// Each group's (zone's) marks in the last frame and in this one.
#[derive(Default)]
pub struct Tracker {
    last: Vec<Vec<Mark>>,
    now: Vec<Vec<Mark>>,
    /// What the last frame was drawn for: size and background. `None`: nothing
    /// trustworthy is on the target (first frame, resize, lost contents).
    last_frame: Option<(u32, u32, [u32; 4])>,
    pub damage: Damage,
}

impl Tracker {
    /// Starts a frame of `groups` groups at this size and background.
    pub fn begin(&mut self, groups: usize, width: u32, height: u32, clear: [f32; 4]) {
        std::mem::swap(&mut self.last, &mut self.now);
        if self.now.len() != groups {
            self.now.resize_with(groups, Vec::new);
        }
        for g in &mut self.now {
            g.clear();
        }
        self.damage.clear(width, height);
        let frame = (width, height, bits(clear));
        if self.last_frame != Some(frame) || self.last.len() != groups {
            self.damage.full();
        }
        self.last_frame = Some(frame);
    }

    pub fn mark(&mut self, group: usize, mark: Mark) {
        if let Some(g) = self.now.get_mut(group) {
            g.push(mark);
        }
    }

    /// Compares every group with the last frame and sets [`Tracker::damage`].
    pub fn finish(&mut self) {
        if self.damage.is_full() {
            return;
        }
        for (now, last) in self.now.iter().zip(&self.last) {
            if now.len() == last.len() {
                for (a, b) in now.iter().zip(last) {
                    if a != b {
                        self.damage.add(a.bounds);
                        self.damage.add(b.bounds);
                    }
                }
            } else {
                // Things came or went: everything the zone painted, before and now.
                for m in now.iter().chain(last) {
                    self.damage.add(m.bounds);
                }
            }
        }
    }

    /// Whether anything drawn this frame outside `group` can touch `r`.
    pub fn others_touch(&self, group: usize, r: &PixelRect) -> bool {
        self.now
            .iter()
            .enumerate()
            .any(|(g, marks)| g != group && marks.iter().any(|m| m.bounds.intersects(r)))
    }

    /// The target no longer holds the last frame: the next one is drawn whole.
    pub fn invalidate(&mut self) {
        self.last_frame = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(x0: i32, y0: i32, x1: i32, y1: i32) -> PixelRect {
        PixelRect { x0, y0, x1, y1 }
    }

    #[test]
    fn merges_touching_and_caps_the_count() {
        let mut d = Damage::default();
        d.clear(100, 100);
        d.add(r(0, 0, 10, 10));
        d.add(r(10, 0, 20, 10));
        assert_eq!(d.rects(), &[r(0, 0, 20, 10)]);
        d.add(r(5, 5, 6, 6));
        assert_eq!(d.rects().len(), 1, "contained");
        d.add(r(-50, 90, 500, 120));
        assert_eq!(d.rects()[1], r(0, 90, 100, 100), "clipped to the screen");
        for i in 0..6 {
            d.add(r(30 + i * 10, 40, 35 + i * 10, 45));
        }
        assert!(d.rects().len() <= MAX_RECTS);
        // Every added pixel is still covered.
        for (x, y) in [(0, 0), (19, 9), (50, 95), (32, 42), (82, 44)] {
            assert!(d.rects().iter().any(|q| q.has(x, y)), "({x}, {y}) lost");
        }
    }

    #[test]
    fn cutting_leaves_the_pieces_around() {
        let mut d = Damage::default();
        d.clear(100, 100);
        d.add(r(0, 80, 100, 100));
        d.add(r(10, 10, 20, 20));
        d.cut(&r(0, 81, 100, 100));
        assert_eq!(d.rects(), &[r(0, 80, 100, 81), r(10, 10, 20, 20)]);
        d.cut(&r(12, 0, 14, 100));
        assert_eq!(d.area(), 100 + 100 - 20 - 2);
        assert!(!d.rects().iter().any(|q| q.has(13, 15) || q.has(50, 90)));
    }

    #[test]
    fn only_what_changed_is_damaged() {
        let mut t = Tracker::default();
        let a = Mark::new(r(0, 0, 10, 10), 1u32);
        let b = Mark::new(r(50, 50, 60, 60), 2u32);
        let frame = |t: &mut Tracker, b: Mark| {
            t.begin(2, 100, 100, [0.0; 4]);
            t.mark(0, a);
            t.mark(1, b);
            t.finish();
        };
        frame(&mut t, b);
        assert!(t.damage.is_full(), "first frame is whole");
        frame(&mut t, b);
        assert!(t.damage.is_empty(), "nothing changed");
        let moved = Mark::new(r(52, 50, 62, 60), 2u32);
        frame(&mut t, moved);
        assert_eq!(t.damage.rects(), &[r(50, 50, 62, 60)]);
        t.invalidate();
        frame(&mut t, moved);
        assert!(t.damage.is_full(), "after invalidate");
    }
}
