//! Drawing the match into NV12 frame buffers, touching only what changed.
//!
//! A frame is the static background — stands, advertising boards, striped grass, white lines, the
//! goals and a spare ball — plus the moving objects: people (with shadows) and the ball (with its
//! shadow and motion blur). The background is never stored: every row of it is a short list of
//! constant-colour spans computed from the [`Pitch`] perspective (every image row is a line of
//! constant depth, so lines, stripes and circles cut a row in a few intervals), so any rectangle of
//! it can be regenerated at memset speed.
//!
//! Frame buffers come from a pool and return to it, so the renderer keeps, per pool slot, the list
//! of rectangles it drew objects into the last time it rendered into that buffer. Rendering a new
//! frame into a used slot restores those rectangles from the background and draws the new objects;
//! only the first use of a slot paints the whole background. A frame rendered this way is
//! byte-identical to a fresh full render of the same truth.

use super::pitch::{
    BALL_DIAMETER, BOARDS_HEIGHT, BOARDS_Y, BOX_DEPTH, BOX_HALF_WIDTH, CIRCLE_RADIUS, GOAL_DEPTH,
    GOAL_HALF_WIDTH, GOAL_HEIGHT, HALF_LENGTH, MID_Y, PENALTY_SPOT, Pitch, SIX_DEPTH,
    SIX_HALF_WIDTH, SPARE_BALL, WIDTH,
};
use super::rng::hash2;
use super::truth::{MAX_PEOPLE, PersonTruth, Team, Truth};
use super::{MAX_SIZE, MIN_SIZE, SimError};
use crate::detect::Class;
use crate::geom::Size;
use crate::image::Nv12Mut;

/// Most object rectangles remembered per slot; more objects are merged into the last rectangle.
pub const MAX_DIRTY: usize = 40;

/// Why a frame was not rendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenderError {
    /// The slot index is not below the renderer's slot capacity.
    BadSlot {
        /// The slot asked for.
        slot: usize,
        /// The renderer's capacity.
        slots: usize,
    },
    /// The frame's size is not the renderer's.
    SizeMismatch {
        /// The renderer's size.
        expected: Size,
        /// The frame's size.
        got: Size,
    },
    /// The renderer was asked for an unusable size.
    Config(SimError),
}

impl core::fmt::Display for RenderError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RenderError::BadSlot { slot, slots } => {
                write!(f, "render slot {slot} out of range (capacity {slots})")
            }
            RenderError::SizeMismatch { expected, got } => write!(
                f,
                "frame is {}x{}, the renderer draws {}x{}",
                got.w, got.h, expected.w, expected.h
            ),
            RenderError::Config(e) => write!(f, "renderer size: {e}"),
        }
    }
}

/// What one [`Renderer::render`] call did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderInfo {
    /// The whole background was painted (first use of the slot, or after an invalidation).
    pub full: bool,
    /// Rectangles restored from the background.
    pub restored_rects: u32,
    /// Luma pixels restored from the background.
    pub restored_px: u64,
    /// Objects drawn.
    pub objects: u32,
}

/// A YUV colour (BT.601 limited range, as NV12 video carries).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Yuv {
    y: u8,
    u: u8,
    v: u8,
}

const fn yuv(y: u8, u: u8, v: u8) -> Yuv {
    Yuv { y, u, v }
}

const GRASS_A: Yuv = yuv(98, 104, 106);
const GRASS_B: Yuv = yuv(112, 102, 104);
const LINE: Yuv = yuv(222, 128, 128);
const POST: Yuv = yuv(235, 128, 128);
const NET: Yuv = yuv(170, 128, 128);
const BALL_TOP: Yuv = yuv(235, 128, 128);
const BALL_BOTTOM: Yuv = yuv(196, 128, 128);
const BOARDS: [Yuv; 4] =
    [yuv(60, 190, 110), yuv(220, 128, 128), yuv(80, 100, 220), yuv(170, 60, 150)];

/// Kit colours: shirt, shorts, socks.
fn kit(class: Class, team: Team, id: u8) -> (Yuv, Yuv, Yuv) {
    const RED: Yuv = yuv(82, 90, 240);
    const WHITE: Yuv = yuv(225, 128, 128);
    const SKY: Yuv = yuv(150, 165, 93);
    const NAVY: Yuv = yuv(40, 150, 120);
    const ORANGE: Yuv = yuv(153, 59, 185);
    const GREEN: Yuv = yuv(150, 90, 68);
    const BLACK: Yuv = yuv(28, 128, 128);
    const YELLOW: Yuv = yuv(197, 43, 146);
    const GREY: Yuv = yuv(62, 132, 126);
    match (class, team) {
        (Class::Goalkeeper, Team::Home) => (ORANGE, BLACK, ORANGE),
        (Class::Goalkeeper, _) => (GREEN, BLACK, GREEN),
        (Class::Player, Team::Home) => (RED, WHITE, RED),
        (Class::Player, _) => (SKY, NAVY, SKY),
        // The referee in black, the assistants (ids 23, 24) in yellow.
        (Class::Referee, _) if id == 22 => (BLACK, BLACK, BLACK),
        (Class::Referee, _) => (YELLOW, BLACK, BLACK),
        _ => (GREY, GREY, BLACK),
    }
}

fn skin(id: u8) -> Yuv {
    const TONES: [Yuv; 4] =
        [yuv(170, 115, 150), yuv(140, 112, 152), yuv(105, 116, 146), yuv(75, 120, 140)];
    TONES[(hash2(id as u64, 0x5c1a) % 4) as usize]
}

/// Where a row's spans go: the luma row, or the chroma row seen at a luma row. Columns are luma
/// columns; the sink clips to its window.
trait Sink {
    /// The columns `[x0, x1)` this sink writes; spans outside are ignored.
    fn window(&self) -> (i32, i32);
    fn fill(&mut self, c0: i32, c1: i32, col: Yuv);
    /// Darkens luma (a shadow); chroma is left alone.
    fn darken(&mut self, c0: i32, c1: i32);
    /// The crowd in the stands: blocky luma/chroma noise keyed by `(column / block, row / block)`.
    fn crowd(&mut self, c0: i32, c1: i32, v: u32, block: u32);
}

struct LumaRow<'a> {
    row: &'a mut [u8],
    x0: i32,
    x1: i32,
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

struct ChromaRow<'a> {
    /// The interleaved UV row.
    row: &'a mut [u8],
    x0: i32,
    x1: i32,
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
fn ceil_i(v: f32) -> i32 {
    let t = v as i32;
    if (t as f32) < v { t.saturating_add(1) } else { t }
}

/// `floor(v)` as an integer, exact for every float (saturating; NaN gives 0).
#[inline]
fn floor_i(v: f32) -> i32 {
    let t = v as i32;
    if (t as f32) > v { t.saturating_sub(1) } else { t }
}

/// Luma columns covered by the real interval `[a, b)` (pixel centres inside), at least one pixel
/// when the interval is not empty, so thin far-away things never vanish.
#[inline]
fn cols(a: f32, b: f32) -> (i32, i32) {
    let c0 = ceil_i(a - 0.5);
    let c1 = ceil_i(b - 0.5);
    if b > a && c1 <= c0 { (c0, c0 + 1) } else { (c0, c1) }
}

/// A pitch line of constant depth `y` between `x0` and `x1` (touchlines, box edges).
#[derive(Clone, Copy, Debug)]
struct HLine {
    x0: f32,
    x1: f32,
    /// Rows covered `[r0, r1)`.
    r0: i32,
    r1: i32,
}

/// A pitch line of constant `x` from depth `y0` to `y1` (halfway line, goal lines, box sides).
#[derive(Clone, Copy, Debug)]
struct VLine {
    x: f32,
    y0: f32,
    y1: f32,
    /// Rows that may touch the line `[r0, r1)`.
    r0: i32,
    r1: i32,
}

/// A circle line (or a filled disc when `inner` is 0), kept to `x ∈ [xmin, xmax]`.
#[derive(Clone, Copy, Debug)]
struct Ring {
    cx: f32,
    cy: f32,
    r: f32,
    disc: bool,
    xmin: f32,
    xmax: f32,
    /// Rows that may touch the ring `[r0, r1)`.
    r0: i32,
    r1: i32,
}

/// A thick segment in image space (goal frames).
#[derive(Clone, Copy, Debug)]
struct Seg {
    ax: f32,
    ay: f32,
    bx: f32,
    by: f32,
    half: f32,
    col: Yuv,
    /// Rows that may touch the segment `[r0, r1)`.
    r0: i32,
    r1: i32,
}

impl Seg {
    /// Columns the segment covers on row `v`.
    fn span(&self, v: f32) -> Option<(f32, f32)> {
        let (top, bot) = (self.ay.min(self.by), self.ay.max(self.by));
        if v + 0.5 < top - self.half || v - 0.5 > bot + self.half {
            return None;
        }
        let at = |y: f32| {
            let dy = self.by - self.ay;
            if dy.abs() < 1e-3 {
                None
            } else {
                let t = ((y - self.ay) / dy).clamp(0.0, 1.0);
                Some(self.ax + (self.bx - self.ax) * t)
            }
        };
        let (a, b) = match (at(v - 0.5), at(v + 0.5)) {
            (Some(a), Some(b)) => (a.min(b), a.max(b)),
            _ => (self.ax.min(self.bx), self.ax.max(self.bx)),
        };
        Some((a - self.half, b + self.half))
    }
}

const N_HLINES: usize = 10;
const N_VLINES: usize = 9;
const N_RINGS: usize = 10;
const N_SEGS: usize = 18;

/// The static scene, precomputed for one panorama size.
#[derive(Clone, Debug)]
struct Background {
    pitch: Pitch,
    w: i32,
    boards_top: f32,
    boards_bottom: f32,
    boards_k: f32,
    crowd_block: u32,
    stripe: f32,
    hlines: [HLine; N_HLINES],
    vlines: [VLine; N_VLINES],
    rings: [Ring; N_RINGS],
    segs: [Seg; N_SEGS],
    n_segs: usize,
    /// The spare ball: centre column, centre row, radius, px.
    spare: (f32, f32, f32),
}

impl Background {
    fn new(size: Size) -> Background {
        let pitch = Pitch::new(size);
        let hl = HALF_LENGTH;
        let hline = |y: f32, x0: f32, x1: f32| {
            let q = pitch.scale(y);
            let depth_px_per_m = pitch.row(y + 0.5) - pitch.row(y - 0.5);
            let th = (0.06 * depth_px_per_m).max(0.5 * q.min(1.0));
            let rc = pitch.row(y);
            let mut r0 = ceil_i(rc - th - 0.5);
            let mut r1 = ceil_i(rc + th - 0.5);
            if r1 <= r0 {
                r0 = floor_i(rc);
                r1 = r0 + 1;
            }
            HLine { x0, x1, r0, r1 }
        };
        let sy0 = MID_Y - SIX_HALF_WIDTH;
        let sy1 = MID_Y + SIX_HALF_WIDTH;
        let by0 = MID_Y - BOX_HALF_WIDTH;
        let by1 = MID_Y + BOX_HALF_WIDTH;
        let hlines = [
            hline(0.0, -hl, hl),
            hline(WIDTH, -hl, hl),
            hline(by0, -hl, -hl + BOX_DEPTH),
            hline(by1, -hl, -hl + BOX_DEPTH),
            hline(by0, hl - BOX_DEPTH, hl),
            hline(by1, hl - BOX_DEPTH, hl),
            hline(sy0, -hl, -hl + SIX_DEPTH),
            hline(sy1, -hl, -hl + SIX_DEPTH),
            hline(sy0, hl - SIX_DEPTH, hl),
            hline(sy1, hl - SIX_DEPTH, hl),
        ];
        let vl = |x: f32, y0: f32, y1: f32| VLine {
            x,
            y0,
            y1,
            r0: floor_i(pitch.row(y0)) - 2,
            r1: ceil_i(pitch.row(y1)) + 2,
        };
        let vlines = [
            vl(0.0, 0.0, WIDTH),
            vl(-hl, 0.0, WIDTH),
            vl(hl, 0.0, WIDTH),
            vl(-hl + BOX_DEPTH, by0, by1),
            vl(hl - BOX_DEPTH, by0, by1),
            vl(-hl + SIX_DEPTH, sy0, sy1),
            vl(hl - SIX_DEPTH, sy0, sy1),
            // The goal line continues as the net's ground line behind the goal.
            vl(-hl - GOAL_DEPTH, MID_Y - GOAL_HALF_WIDTH, MID_Y + GOAL_HALF_WIDTH),
            vl(hl + GOAL_DEPTH, MID_Y - GOAL_HALF_WIDTH, MID_Y + GOAL_HALF_WIDTH),
        ];
        let ring = |cx: f32, cy: f32, r: f32, disc: bool, xmin: f32, xmax: f32| Ring {
            cx,
            cy,
            r,
            disc,
            xmin,
            xmax,
            r0: floor_i(pitch.row(cy - r - 0.5)) - 2,
            r1: ceil_i(pitch.row(cy + r + 0.5)) + 2,
        };
        let ps = hl - PENALTY_SPOT;
        let rings = [
            ring(0.0, MID_Y, CIRCLE_RADIUS, false, -99.0, 99.0),
            ring(0.0, MID_Y, 0.2, true, -99.0, 99.0),
            ring(-ps, MID_Y, 0.2, true, -99.0, 99.0),
            ring(ps, MID_Y, 0.2, true, -99.0, 99.0),
            ring(-ps, MID_Y, CIRCLE_RADIUS, false, -hl + BOX_DEPTH, 99.0),
            ring(ps, MID_Y, CIRCLE_RADIUS, false, -99.0, hl - BOX_DEPTH),
            ring(-hl, 0.0, 1.0, false, -hl, 99.0),
            ring(hl, 0.0, 1.0, false, -99.0, hl),
            ring(-hl, WIDTH, 1.0, false, -hl, 99.0),
            ring(hl, WIDTH, 1.0, false, -99.0, hl),
        ];
        // Goals: the net frame in grey, then posts and crossbar in white.
        let mut segs =
            [Seg { ax: 0.0, ay: 0.0, bx: 0.0, by: 0.0, half: 0.0, col: NET, r0: 0, r1: 0 }; N_SEGS];
        let mut n = 0;
        for side in [-1.0f32, 1.0] {
            let gx = side * hl;
            let bx = side * (hl + GOAL_DEPTH);
            let ya = MID_Y - GOAL_HALF_WIDTH;
            let yb = MID_Y + GOAL_HALF_WIDTH;
            let mut seg = |p: (f32, f32, f32), q: (f32, f32, f32), m: f32, col: Yuv| {
                let (ax, ay) = pitch.to_px(p.0, p.1, p.2);
                let (bx, by) = pitch.to_px(q.0, q.1, q.2);
                let k = pitch.px_per_m((p.1 + q.1) / 2.0);
                let half = (m * k).max(0.6);
                let r0 = floor_i(ay.min(by) - half) - 2;
                let r1 = ceil_i(ay.max(by) + half) + 2;
                segs[n] = Seg { ax, ay, bx, by, half, col, r0, r1 };
                n += 1;
            };
            let top = GOAL_HEIGHT;
            let back_top = GOAL_HEIGHT * 0.8;
            seg((bx, ya, 0.0), (bx, ya, back_top), 0.03, NET);
            seg((bx, yb, 0.0), (bx, yb, back_top), 0.03, NET);
            seg((bx, ya, back_top), (bx, yb, back_top), 0.03, NET);
            seg((gx, ya, top), (bx, ya, back_top), 0.03, NET);
            seg((gx, yb, top), (bx, yb, back_top), 0.03, NET);
            seg((gx, ya, 0.0), (gx, ya, top), 0.06, POST);
            seg((gx, yb, 0.0), (gx, yb, top), 0.06, POST);
            seg((gx, ya, top), (gx, yb, top), 0.06, POST);
        }
        let boards_k = pitch.px_per_m(BOARDS_Y);
        let boards_bottom = pitch.row(BOARDS_Y);
        Background {
            pitch,
            w: size.w as i32,
            boards_top: boards_bottom - BOARDS_HEIGHT * boards_k,
            boards_bottom,
            boards_k,
            crowd_block: (size.w / 712).max(2),
            stripe: 2.0 * HALF_LENGTH / 16.0,
            hlines,
            vlines,
            rings,
            segs,
            n_segs: n,
            spare: {
                let (u, v) = pitch.to_px(SPARE_BALL.0, SPARE_BALL.1, BALL_DIAMETER / 2.0);
                (u, v, BALL_DIAMETER / 2.0 * pitch.px_per_m(SPARE_BALL.1))
            },
        }
    }

    /// Emits row `v` of the background into `sink`, only the spans that meet its window. Which
    /// pixel gets which colour never depends on the window, so any rectangle restores exactly.
    fn row<S: Sink>(&self, v: i32, sink: &mut S) {
        let vc = v as f32 + 0.5;
        let p = &self.pitch;
        let cx = p.center_column();
        let (x0, x1) = sink.window();
        if vc < self.boards_top {
            sink.crowd(x0, x1, v as u32, self.crowd_block);
            return;
        }
        if vc < self.boards_bottom {
            // Advertising boards: 8 m panels along the far side, all at the boards' depth.
            let k = self.boards_k;
            let edge = |i: i32| ceil_i(cx + (i as f32 * 8.0) * k - 0.5);
            let mut i = floor_i((x0 as f32 + 0.5 - cx) / k / 8.0);
            while edge(i) > x0 {
                i -= 1;
            }
            loop {
                let (a, b) = (edge(i), edge(i + 1));
                if a >= x1 {
                    break;
                }
                sink.fill(a, b, BOARDS[(i.rem_euclid(4)) as usize]);
                i += 1;
            }
            return;
        }
        let q = p.row_scale(vc);
        let kq = p.k_near() * q;
        let y = p.row_depth(vc);
        // Mowing stripes: band i covers columns [b_i, b_{i+1}).
        let bound = |i: i32| ceil_i(cx + (-HALF_LENGTH + i as f32 * self.stripe) * kq - 0.5);
        let mut i = floor_i(((x0 as f32 + 0.5 - cx) / kq + HALF_LENGTH) / self.stripe);
        while bound(i) > x0 {
            i -= 1;
        }
        while bound(i + 1) <= x0 {
            i += 1;
        }
        loop {
            let (a, b) = (bound(i), bound(i + 1));
            if a >= x1 {
                break;
            }
            sink.fill(a, b, if i.rem_euclid(2) == 0 { GRASS_A } else { GRASS_B });
            i += 1;
        }
        // Lines.
        let hw_m = (0.6 / kq).max(0.06);
        for l in &self.hlines {
            if v >= l.r0 && v < l.r1 {
                let (a, b) = cols(cx + l.x0 * kq - hw_m * kq, cx + l.x1 * kq + hw_m * kq);
                sink.fill(a, b, LINE);
            }
        }
        let ya = p.row_depth(vc - 0.5);
        let yb = p.row_depth(vc + 0.5);
        for l in &self.vlines {
            if v >= l.r0 && v < l.r1 && yb >= l.y0 && ya <= l.y1 {
                let ka = p.k_near() * p.row_scale(vc - 0.5);
                let kb = p.k_near() * p.row_scale(vc + 0.5);
                let (ua, ub) = (cx + l.x * ka, cx + l.x * kb);
                let hw = hw_m * kq;
                let (a, b) = cols(ua.min(ub) - hw, ua.max(ub) + hw);
                sink.fill(a, b, LINE);
            }
        }
        for r in &self.rings {
            if v < r.r0 || v >= r.r1 {
                continue;
            }
            let ri = if r.disc { 0.0 } else { r.r - hw_m };
            let ro = if r.disc { r.r.max(0.7 / kq) } else { r.r + hw_m };
            // Rows cover depths [ya, yb]: the nearest and farthest offsets from the centre.
            let (da, db) = ((ya - r.cy).abs(), (yb - r.cy).abs());
            let dmin = if r.cy >= ya && r.cy <= yb { 0.0 } else { da.min(db) };
            let dmax = da.max(db);
            if dmin > ro {
                continue;
            }
            let xo = libm::sqrtf(ro * ro - dmin * dmin);
            let xi = if dmax < ri { libm::sqrtf(ri * ri - dmax * dmax) } else { 0.0 };
            // Corner arcs only on the pitch.
            if !r.disc && r.r < 2.0 && !(-0.1..=WIDTH + 0.1).contains(&y) {
                continue;
            }
            for (xa, xb) in [(r.cx - xo, r.cx - xi), (r.cx + xi, r.cx + xo)] {
                let (xa, xb) = (xa.max(r.xmin), xb.min(r.xmax));
                if xb > xa {
                    let (a, b) = cols(cx + xa * kq, cx + xb * kq);
                    sink.fill(a, b, LINE);
                }
            }
        }
        // The spare ball behind the left goal.
        let (su, sv, sr) = self.spare;
        let dy = vc - sv;
        if dy.abs() < sr {
            let hx = libm::sqrtf(sr * sr - dy * dy);
            let (a, b) = cols(su - hx, su + hx);
            sink.fill(a, b, if dy < 0.0 { BALL_TOP } else { BALL_BOTTOM });
        }
        // Goal frames (in front of everything else on the ground).
        for s in &self.segs[..self.n_segs] {
            if v >= s.r0
                && v < s.r1
                && let Some((a, b)) = s.span(vc)
            {
                let (a, b) = cols(a, b);
                sink.fill(a, b, s.col);
            }
        }
    }
}

/// An even-aligned rectangle `[x0, x1) × [y0, y1)` in luma pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Dirty {
    x0: u16,
    y0: u16,
    x1: u16,
    y1: u16,
}

#[derive(Clone, Copy, Debug)]
struct SlotState {
    painted: bool,
    n: u8,
    rects: [Dirty; MAX_DIRTY],
}

const FRESH: SlotState =
    SlotState { painted: false, n: 0, rects: [Dirty { x0: 0, y0: 0, x1: 0, y1: 0 }; MAX_DIRTY] };

/// Something to draw, in far-to-near order.
#[derive(Clone, Copy, Debug)]
enum Obj {
    Person(u8),
    Ball,
}

/// The NV12 renderer for `SLOTS` pool buffers. ~0.4 KB of state per slot.
#[derive(Clone, Debug)]
pub struct Renderer<const SLOTS: usize> {
    size: Size,
    bg: Background,
    slots: [SlotState; SLOTS],
}

impl<const SLOTS: usize> Renderer<SLOTS> {
    /// A renderer for panoramas of `size` (the limits of [`super::SimConfig::validate`]).
    pub fn new(size: Size) -> Result<Self, RenderError> {
        if size.w < MIN_SIZE.w || size.h < MIN_SIZE.h {
            return Err(RenderError::Config(SimError::SizeTooSmall));
        }
        if size.w > MAX_SIZE.w || size.h > MAX_SIZE.h {
            return Err(RenderError::Config(SimError::SizeTooLarge));
        }
        if size.w % 2 == 1 || size.h % 2 == 1 {
            return Err(RenderError::Config(SimError::OddSize));
        }
        Ok(Renderer { size, bg: Background::new(size), slots: [FRESH; SLOTS] })
    }

    /// The panorama size drawn.
    pub fn size(&self) -> Size {
        self.size
    }

    /// Forgets what slot `slot` holds: the next render into it paints the whole background (call
    /// when the buffer behind a slot was replaced or written by someone else).
    pub fn invalidate(&mut self, slot: usize) -> Result<(), RenderError> {
        let s = self.slots.get_mut(slot).ok_or(RenderError::BadSlot { slot, slots: SLOTS })?;
        *s = FRESH;
        Ok(())
    }

    /// Forgets every slot.
    pub fn invalidate_all(&mut self) {
        self.slots = [FRESH; SLOTS];
    }

    /// Draws `truth` into `frame`, the buffer of pool slot `slot`. The slot must always name the
    /// same buffer memory: the renderer assumes it still holds what it drew there last time.
    pub fn render(
        &mut self,
        slot: usize,
        truth: &Truth,
        frame: &mut Nv12Mut<'_>,
    ) -> Result<RenderInfo, RenderError> {
        if slot >= SLOTS {
            return Err(RenderError::BadSlot { slot, slots: SLOTS });
        }
        let got = Size { w: frame.width, h: frame.height };
        if got != self.size {
            return Err(RenderError::SizeMismatch { expected: self.size, got });
        }
        let mut info = RenderInfo::default();
        let st = &mut self.slots[slot];
        if st.painted {
            for r in &st.rects[..st.n as usize] {
                self.bg.restore(frame, r);
                info.restored_rects += 1;
                info.restored_px += (r.x1 - r.x0) as u64 * (r.y1 - r.y0) as u64;
            }
        } else {
            let all = Dirty { x0: 0, y0: 0, x1: self.size.w as u16, y1: self.size.h as u16 };
            self.bg.restore(frame, &all);
            info.full = true;
            st.painted = true;
        }
        // Far to near, so nearer things cover farther ones.
        let mut order = [(0f32, Obj::Ball); MAX_PEOPLE + 1];
        let mut n = 0;
        for (i, p) in truth.people().iter().enumerate() {
            order[n] = (p.bbox[3], Obj::Person(i as u8));
            n += 1;
        }
        order[n] = (truth.ball.ground[1], Obj::Ball);
        n += 1;
        for i in 1..n {
            let mut j = i;
            // `!(a <= b)` keeps NaN depths from looping and the sort stable.
            while j > 0 && order[j - 1].0 > order[j].0 {
                order.swap(j - 1, j);
                j -= 1;
            }
        }
        st.n = 0;
        for &(_, obj) in &order[..n] {
            let rect = match obj {
                Obj::Person(i) => draw_person(&truth.people[i as usize], frame),
                Obj::Ball => draw_ball(truth, frame),
            };
            if let Some(r) = rect {
                info.objects += 1;
                if (st.n as usize) < MAX_DIRTY {
                    st.rects[st.n as usize] = r;
                    st.n += 1;
                } else {
                    let l = &mut st.rects[MAX_DIRTY - 1];
                    *l = Dirty {
                        x0: l.x0.min(r.x0),
                        y0: l.y0.min(r.y0),
                        x1: l.x1.max(r.x1),
                        y1: l.y1.max(r.y1),
                    };
                }
            }
        }
        Ok(info)
    }
}

impl Background {
    /// Repaints the background inside `r` (even-aligned, inside the frame).
    fn restore(&self, f: &mut Nv12Mut<'_>, r: &Dirty) {
        let (x0, x1) = (r.x0 as i32, r.x1 as i32);
        for v in r.y0 as usize..r.y1 as usize {
            let row = &mut f.y[v * f.y_stride..v * f.y_stride + self.w as usize];
            self.row(v as i32, &mut LumaRow { row, x0, x1 });
        }
        for j in r.y0 as usize / 2..r.y1 as usize / 2 {
            let row = &mut f.uv[j * f.uv_stride..j * f.uv_stride + self.w as usize];
            self.row(2 * j as i32, &mut ChromaRow { row, x0, x1 });
        }
    }
}

/// The even-aligned rectangle around `[x0, x1) × [y0, y1)`, clipped to the frame; `None` when
/// empty or not finite.
fn dirty(x0: f32, y0: f32, x1: f32, y1: f32, w: u32, h: u32) -> Option<Dirty> {
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
fn paint(f: &mut Nv12Mut<'_>, d: &Dirty, mut row: impl FnMut(f32, &mut dyn Sink)) {
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

/// Draws one person (shadow, legs, shorts, shirt, arms, head) and returns the touched rectangle.
fn draw_person(p: &PersonTruth, f: &mut Nv12Mut<'_>) -> Option<Dirty> {
    let [bx0, y1, bx1, y2] = p.bbox;
    let h = y2 - y1;
    if h.is_nan() || h <= 0.5 {
        return None;
    }
    let cx = (bx0 + bx1) / 2.0;
    let d = dirty(
        cx - 0.21 * h - 1.0,
        y1 - 1.0,
        cx + 0.36 * h + 1.0,
        y2 + 0.04 * h + 1.0,
        f.width,
        f.height,
    )?;
    let (shirt, shorts, socks) = kit(p.class, p.team, p.id);
    let skin = skin(p.id);
    const BOOTS: Yuv = yuv(24, 128, 128);
    let swing = libm::sinf(core::f32::consts::TAU * p.stride);
    // Shadow: an ellipse on the grass, falling right.
    let (sx, sy, rx, ry) = (cx + 0.12 * h, y2 - 0.005 * h, 0.22 * h, libm::fmaxf(0.03 * h, 0.6));
    paint(f, &d, |vc, s| {
        let dy = (vc - sy) / ry;
        if dy.abs() < 1.0 {
            let hx = rx * libm::sqrtf(1.0 - dy * dy);
            let (a, b) = cols(sx - hx, sx + hx);
            s.darken(a, b);
        }
        let t = (vc - y1) / h;
        if !(0.0..1.0).contains(&t) {
            return;
        }
        let mut span = |x0: f32, x1: f32, col: Yuv| {
            let (a, b) = cols(x0, x1);
            s.fill(a, b, col);
        };
        if t >= 0.64 {
            let k = (t - 0.64) / 0.36;
            let o = 0.09 * h * swing * k;
            let col = if k < 0.45 {
                skin
            } else if k < 0.9 {
                socks
            } else {
                BOOTS
            };
            let hw = 0.035 * h;
            span(cx - 0.05 * h + o - hw, cx - 0.05 * h + o + hw, col);
            span(cx + 0.05 * h - o - hw, cx + 0.05 * h - o + hw, col);
        } else if t >= 0.52 {
            span(cx - 0.12 * h, cx + 0.12 * h, shorts);
        }
        if (0.14..0.47).contains(&t) {
            let o = 0.025 * h * swing * (t - 0.14) / 0.33;
            let col = if t < 0.25 { shirt } else { skin };
            span(cx - 0.185 * h + o, cx - 0.115 * h + o, col);
            span(cx + 0.115 * h - o, cx + 0.185 * h - o, col);
        }
        if (0.13..0.52).contains(&t) {
            let hw = h * (0.125 - 0.02 * (t - 0.13) / 0.39);
            span(cx - hw, cx + hw, shirt);
        } else if t < 0.13 {
            let r = 0.065 * h;
            let dy = vc - (y1 + 0.07 * h);
            if dy.abs() < r {
                let hx = libm::sqrtf(r * r - dy * dy);
                span(cx - hx, cx + hx, skin);
            }
        }
    });
    Some(d)
}

/// Draws the ball (smeared along its motion) and its shadow; returns the touched rectangle.
fn draw_ball(t: &Truth, f: &mut Nv12Mut<'_>) -> Option<Dirty> {
    let b = &t.ball;
    let r = b.radius;
    if !(r > 0.0 && r < 1000.0 && b.blur[0].is_finite() && b.blur[1].is_finite()) {
        return None;
    }
    let (bx, by) = (b.blur[0].clamp(-200.0, 200.0) / 2.0, b.blur[1].clamp(-200.0, 200.0) / 2.0);
    let (ax, ay, cx, cy) = (b.pos[0] - bx, b.pos[1] - by, b.pos[0] + bx, b.pos[1] + by);
    let (gx, gy) = (b.ground[0], b.ground[1]);
    let (srx, sry) = (1.1 * r, libm::fmaxf(0.4 * r, 0.6));
    let x0 = ax.min(cx).min(gx - srx) - r - 1.0;
    let x1 = ax.max(cx).max(gx + srx) + r + 1.0;
    let y0 = ay.min(cy) - r - 1.0;
    let y1 = ay.max(cy).max(gy + sry) + r + 1.0;
    let d = dirty(x0, y0, x1, y1, f.width, f.height)?;
    let (dx, dy) = (cx - ax, cy - ay);
    let l2 = dx * dx + dy * dy;
    let r2 = r * r;
    let (cl0, cl1) = (libm::floorf(ax.min(cx) - r) as i32, libm::ceilf(ax.max(cx) + r) as i32);
    paint(f, &d, |vc, s| {
        let ey = (vc - gy) / sry;
        if ey.abs() < 1.0 {
            let hx = srx * libm::sqrtf(1.0 - ey * ey);
            let (a, c) = cols(gx - hx, gx + hx);
            s.darken(a, c);
        }
        // The capsule is convex: its row is one run of pixel centres within r of the segment.
        let inside = |px: f32| {
            let t = if l2 > 1e-6 {
                (((px - ax) * dx + (vc - ay) * dy) / l2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (ex, ey) = (px - (ax + dx * t), vc - (ay + dy * t));
            ex * ex + ey * ey <= r2
        };
        let mut first = None;
        let mut last = 0;
        for c in cl0..=cl1 {
            if inside(c as f32 + 0.5) {
                first.get_or_insert(c);
                last = c;
            }
        }
        if let Some(a) = first {
            s.fill(
                a,
                last + 1,
                if vc < (ay + cy) / 2.0 + 0.25 * r { BALL_TOP } else { BALL_BOTTOM },
            );
        }
    });
    Some(d)
}
