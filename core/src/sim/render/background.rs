//! The static scene — stands, advertising boards, striped grass, lines, goals, the spare ball —
//! generated row by row as constant-colour spans, for any window of any row.

use super::raster::{
    BALL_BOTTOM, BALL_TOP, BOARDS, ChromaRow, Dirty, GRASS_A, GRASS_B, LINE, LumaRow, NET, POST,
    Sink, Yuv, ceil_i, cols, floor_i,
};
use crate::geom::Size;
use crate::image::Nv12Mut;
use crate::sim::pitch::{
    BALL_DIAMETER, BOARDS_HEIGHT, BOARDS_Y, BOX_DEPTH, BOX_HALF_WIDTH, CIRCLE_RADIUS, GOAL_DEPTH,
    GOAL_HALF_WIDTH, GOAL_HEIGHT, HALF_LENGTH, MID_Y, PENALTY_SPOT, Pitch, SIX_DEPTH,
    SIX_HALF_WIDTH, SPARE_BALL, WIDTH,
};

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
pub(super) struct Background {
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
    pub(super) fn new(size: Size) -> Background {
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

impl Background {
    /// Repaints the background inside `r` (even-aligned, inside the frame).
    pub(super) fn restore(&self, f: &mut Nv12Mut<'_>, r: &Dirty) {
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
