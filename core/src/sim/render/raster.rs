//! Pixel plumbing shared by the background and the figures: YUV colours, the row sinks that
//! write spans into a luma or a chroma row, exact integer rounding, dirty rectangles.

use super::super::rng::hash2;
use crate::image::Nv12Mut;

/// A YUV colour (BT.601 limited range, as NV12 video carries).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Yuv {
    pub(super) y: u8,
    pub(super) u: u8,
    pub(super) v: u8,
}

pub(super) const fn yuv(y: u8, u: u8, v: u8) -> Yuv {
    Yuv { y, u, v }
}

pub(super) const GRASS_A: Yuv = yuv(98, 104, 106);
pub(super) const GRASS_B: Yuv = yuv(112, 102, 104);
pub(super) const LINE: Yuv = yuv(222, 128, 128);
pub(super) const POST: Yuv = yuv(235, 128, 128);
pub(super) const NET: Yuv = yuv(170, 128, 128);
pub(super) const BALL_TOP: Yuv = yuv(235, 128, 128);
pub(super) const BALL_BOTTOM: Yuv = yuv(196, 128, 128);
pub(super) const BOARDS: [Yuv; 4] =
    [yuv(60, 190, 110), yuv(220, 128, 128), yuv(80, 100, 220), yuv(170, 60, 150)];

/// Where a row's spans go: the luma row, or the chroma row seen at a luma row. Columns are luma
/// columns; the sink clips to its window.
pub(super) trait Sink {
    /// The columns `[x0, x1)` this sink writes; spans outside are ignored.
    fn window(&self) -> (i32, i32);
    fn fill(&mut self, c0: i32, c1: i32, col: Yuv);
    /// Darkens luma (a shadow); chroma is left alone.
    fn darken(&mut self, c0: i32, c1: i32);
    /// The crowd in the stands: blocky luma/chroma noise keyed by `(column / block, row / block)`.
    fn crowd(&mut self, c0: i32, c1: i32, v: u32, block: u32);
}

pub(super) struct LumaRow<'a> {
    pub(super) row: &'a mut [u8],
    pub(super) x0: i32,
    pub(super) x1: i32,
}

impl Sink for LumaRow<'_> {
    fn window(&self) -> (i32, i32) {
        (self.x0, self.x1)
    }
    #[inline]
    fn fill(&mut self, c0: i32, c1: i32, col: Yuv) {
        let (a, b) = (c0.max(self.x0), c1.min(self.x1));
        if a < b {
            self.row[a as usize..b as usize].fill(col.y);
        }
    }
    fn darken(&mut self, c0: i32, c1: i32) {
        let (a, b) = (c0.max(self.x0), c1.min(self.x1));
        if a < b {
            for p in &mut self.row[a as usize..b as usize] {
                *p = ((*p as u16 * 5) >> 3) as u8;
            }
        }
    }
    fn crowd(&mut self, c0: i32, c1: i32, v: u32, block: u32) {
        let (a, b) = (c0.max(self.x0), c1.min(self.x1));
        let by = (v / block) as u64;
        let mut c = a;
        while c < b {
            let bx = c as u32 / block;
            let end = (((bx + 1) * block) as i32).min(b);
            let h = hash2(by << 20 | bx as u64, 0xc0ffee);
            let y = 52 + (h & 31) as u8 + if by.is_multiple_of(6) { 0 } else { 18 };
            self.row[c as usize..end as usize].fill(y);
            c = end;
        }
    }
}

pub(super) struct ChromaRow<'a> {
    /// The interleaved UV row.
    pub(super) row: &'a mut [u8],
    pub(super) x0: i32,
    pub(super) x1: i32,
}

impl ChromaRow<'_> {
    /// Chroma samples `i` whose luma column `2i` lies in `[c0, c1)` ∩ the window.
    #[inline]
    fn samples(&self, c0: i32, c1: i32) -> (usize, usize) {
        let (a, b) = (c0.max(self.x0), c1.min(self.x1));
        if a >= b {
            return (0, 0);
        }
        (((a + 1) >> 1) as usize, ((b + 1) >> 1) as usize)
    }
}

impl Sink for ChromaRow<'_> {
    fn window(&self) -> (i32, i32) {
        (self.x0, self.x1)
    }
    #[inline]
    fn fill(&mut self, c0: i32, c1: i32, col: Yuv) {
        let (i0, i1) = self.samples(c0, c1);
        for px in self.row[2 * i0..2 * i1].chunks_exact_mut(2) {
            px[0] = col.u;
            px[1] = col.v;
        }
    }
    fn darken(&mut self, _c0: i32, _c1: i32) {}
    fn crowd(&mut self, c0: i32, c1: i32, v: u32, block: u32) {
        let (i0, i1) = self.samples(c0, c1);
        let by = (v / block) as u64;
        for i in i0..i1 {
            let bx = (2 * i) as u32 / block;
            let h = hash2(by << 20 | bx as u64, 0xc0ffee);
            self.row[2 * i] = 118 + ((h >> 8) & 15) as u8;
            self.row[2 * i + 1] = 120 + ((h >> 16) & 23) as u8;
        }
    }
}

/// `ceil(v)` as an integer, exact for every float (saturating; NaN gives 0), inlined: the row
/// generator calls it for every span edge.
#[inline]
pub(super) fn ceil_i(v: f32) -> i32 {
    let t = v as i32;
    if (t as f32) < v { t.saturating_add(1) } else { t }
}

/// `floor(v)` as an integer, exact for every float (saturating; NaN gives 0).
#[inline]
pub(super) fn floor_i(v: f32) -> i32 {
    let t = v as i32;
    if (t as f32) > v { t.saturating_sub(1) } else { t }
}

/// Luma columns covered by the real interval `[a, b)` (pixel centres inside), at least one pixel
/// when the interval is not empty, so thin far-away things never vanish.
#[inline]
pub(super) fn cols(a: f32, b: f32) -> (i32, i32) {
    let c0 = ceil_i(a - 0.5);
    let c1 = ceil_i(b - 0.5);
    if b > a && c1 <= c0 { (c0, c0 + 1) } else { (c0, c1) }
}

/// The even-aligned rectangle around `[x0, x1) × [y0, y1)`, clipped to the frame; `None` when
/// empty or not finite.
pub(super) fn dirty(x0: f32, y0: f32, x1: f32, y1: f32, w: u32, h: u32) -> Option<Dirty> {
    if !(x0.is_finite() && y0.is_finite() && x1.is_finite() && y1.is_finite()) {
        return None;
    }
    let fx0 = (libm::floorf(x0).max(0.0) as u32) & !1;
    let fy0 = (libm::floorf(y0).max(0.0) as u32) & !1;
    let fx1 = ((libm::ceilf(x1).max(0.0) as u32 + 1) & !1).min(w);
    let fy1 = ((libm::ceilf(y1).max(0.0) as u32 + 1) & !1).min(h);
    (fx0 < fx1 && fy0 < fy1).then_some(Dirty {
        x0: fx0 as u16,
        y0: fy0 as u16,
        x1: fx1 as u16,
        y1: fy1 as u16,
    })
}

/// Runs `row(v, sink)` over the luma rows and the chroma rows of `d`.
pub(super) fn paint(f: &mut Nv12Mut<'_>, d: &Dirty, mut row: impl FnMut(f32, &mut dyn Sink)) {
    let (x0, x1) = (d.x0 as i32, d.x1 as i32);
    let w = f.width as usize;
    for v in d.y0 as usize..d.y1 as usize {
        let r = &mut f.y[v * f.y_stride..v * f.y_stride + w];
        row(v as f32 + 0.5, &mut LumaRow { row: r, x0, x1 });
    }
    for j in d.y0 as usize / 2..d.y1 as usize / 2 {
        let r = &mut f.uv[j * f.uv_stride..j * f.uv_stride + w];
        row((2 * j) as f32 + 0.5, &mut ChromaRow { row: r, x0, x1 });
    }
}

/// An even-aligned rectangle `[x0, x1) × [y0, y1)` in luma pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Dirty {
    pub(super) x0: u16,
    pub(super) y0: u16,
    pub(super) x1: u16,
    pub(super) y1: u16,
}
