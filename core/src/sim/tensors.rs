//! Raw YOLO11 head outputs derived from the ground truth, the way the real detector's look.
//!
//! The panorama is covered by `ceil(w / h)` evenly spaced, overlapping square tiles of side `h`
//! (three of 1900×1900 at 5700×1900), each "resized" to the 640×640 network input; each tile yields
//! one `[9, 8400]` `f32` tensor (channels first: cx, cy, w, h in input pixels, then the sigmoid
//! scores of ball, player, goalkeeper, referee, staff; anchors stride 8 (80×80), 16 (40×40), 32
//! (20×20), row-major, anchor centre `((gx + 0.5)·s, (gy + 0.5)·s)`) with its
//! [`Mapping::tile`] into the panorama. With tiles off, one letterboxed tensor covers the panorama.
//!
//! What a real head shows, modelled here:
//! * every object lights up several neighbouring anchors, at the stride(s) its size suits, with
//!   scores falling off from the best one and boxes that agree only approximately (per-object
//!   jitter shared by its anchors, plus per-anchor jitter);
//! * class confusion: keepers, referees and staff also score as players;
//! * the ball is small: it is missed more when fast (blur), high, tiny or hidden behind a player,
//!   and its box stretches along its motion;
//! * false balls: a spare ball lying behind a goal (every frame) and single-frame false balls on
//!   heads, socks and line crossings;
//! * a low-score background over every anchor, with a few single-frame hits above 0.25.
//!
//! Cost: the static background is a pure hash of `(seed, tile, anchor)`; it is written once per
//! tensor block (pool slot), and afterwards only the anchor rectangles written the last time that
//! block was used are restored before the new frame's objects are written — a few thousand floats
//! per frame instead of 3 × 75 600.

use super::pitch::{BALL_DIAMETER, SPARE_BALL};
use super::rng::{Rng, hash2, hash3, mix64, unit};
use super::truth::{MAX_PEOPLE, Truth};
use super::{MAX_TILES, SimConfig, SimError};
use crate::detect::{Class, Mapping, Tensor, TensorError, TensorLayout};
use crate::geom::Size;

/// Network input side, px.
pub const NET: u32 = 640;
/// Anchors per tensor (80² + 40² + 20²).
pub const ANCHORS: usize = 8400;
/// Rows per tensor: cx, cy, w, h and 5 class scores.
pub const ROWS: usize = 4 + Class::COUNT;
/// Floats per tensor.
pub const TENSOR_LEN: usize = ROWS * ANCHORS;
/// Anchor rectangles remembered per slot; a frame that writes more makes the next use of the slot
/// rewrite its whole background (correct, slower).
pub const MAX_ANCHOR_RECTS: usize = 160;
/// Most false balls reported per frame.
pub const MAX_FALSE_BALLS: usize = 4;

/// The three anchor grids: stride, cells per side, first anchor index.
const LEVELS: [(u32, u32, u32); 3] = [(8, 80, 0), (16, 40, 6400), (32, 20, 8000)];

/// One tensor of a frame: where it lies in the block and how it maps to the panorama.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TileDesc {
    /// `4 + classes` = 9.
    pub rows: u32,
    /// 8400.
    pub anchors: u32,
    /// Always [`TensorLayout::ChannelsFirst`].
    pub layout: TensorLayout,
    /// Network → panorama.
    pub mapping: Mapping,
    /// First float of this tensor in the block.
    pub offset: usize,
    /// Panorama region the network saw: `[x, y, w, h]` px (the whole panorama when letterboxed).
    pub region: [u32; 4],
}

/// What the simulated detector reported about the ball in a frame (for evaluation).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BallReport {
    /// The true ball produced a candidate above 0.25 in at least one tile.
    pub detected: bool,
    /// Its best score (0 when missed).
    pub score: f32,
    /// Centre of its best box, panorama px.
    pub pos: [f32; 2],
}

/// The tensors of one frame: their descriptors plus what was put into them.
#[derive(Clone, Copy, Debug)]
pub struct TensorFrame {
    tiles: [TileDesc; MAX_TILES],
    n_tiles: u8,
    /// The true ball's fate.
    pub ball: BallReport,
    /// Centres of the false balls written this frame (spare ball first when detected), px.
    pub false_balls: [[f32; 2]; MAX_FALSE_BALLS],
    /// Valid entries in `false_balls`.
    pub n_false_balls: u8,
    /// The background of every tile was rewritten (first use of the slot, or after an overflow).
    pub full_rewrite: bool,
    /// Anchors written for objects and hits this frame.
    pub anchors_written: u32,
}

impl TensorFrame {
    /// The tensors, in tile order (left to right).
    pub fn tiles(&self) -> &[TileDesc] {
        &self.tiles[..self.n_tiles as usize]
    }

    /// A validated view of tensor `i` inside `block` (the block passed to
    /// [`TensorSynth::write`]).
    pub fn tensor<'a>(&self, i: usize, block: &'a [f32]) -> Result<Tensor<'a>, TensorError> {
        let t = self.tiles().get(i).ok_or(TensorError::NoAnchors)?;
        let data = block.get(t.offset..t.offset + TENSOR_LEN).ok_or(TensorError::SizeMismatch)?;
        Tensor::new(data, t.rows, t.anchors, t.layout, t.mapping)
    }

    /// The false balls.
    pub fn false_balls(&self) -> &[[f32; 2]] {
        &self.false_balls[..self.n_false_balls as usize]
    }
}

/// Why tensors were not written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SynthError {
    /// The slot index is not below the capacity.
    BadSlot {
        /// The slot asked for.
        slot: usize,
        /// The capacity.
        slots: usize,
    },
    /// The block's length is not [`TensorSynth::block_len`].
    BlockSize {
        /// Floats needed.
        expected: usize,
        /// Floats given.
        got: usize,
    },
}

impl core::fmt::Display for SynthError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SynthError::BadSlot { slot, slots } => {
                write!(f, "tensor slot {slot} out of range (capacity {slots})")
            }
            SynthError::BlockSize { expected, got } => {
                write!(f, "tensor block holds {got} floats, {expected} needed")
            }
        }
    }
}

/// A rectangle of anchors `[gx0, gx1) × [gy0, gy1)` of one level of one tile.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct ARect {
    tile: u8,
    level: u8,
    gx0: u8,
    gy0: u8,
    gx1: u8,
    gy1: u8,
}

#[derive(Clone, Copy, Debug)]
struct SlotAnchors {
    written: bool,
    overflow: bool,
    n: u16,
    rects: [ARect; MAX_ANCHOR_RECTS],
}

const FRESH: SlotAnchors = SlotAnchors {
    written: false,
    overflow: false,
    n: 0,
    rects: [ARect { tile: 0, level: 0, gx0: 0, gy0: 0, gx1: 0, gy1: 0 }; MAX_ANCHOR_RECTS],
};

/// Synthesises detector tensors for `SLOTS` tensor blocks (one per pool buffer). ~1 KB per slot.
#[derive(Clone, Debug)]
pub struct TensorSynth<const SLOTS: usize> {
    cfg: SimConfig,
    pitch: super::pitch::Pitch,
    tiles: [TileDesc; MAX_TILES],
    n_tiles: usize,
    slots: [SlotAnchors; SLOTS],
}

/// One object as the detector sees it this frame.
#[derive(Clone, Copy, Debug)]
struct Obj {
    class: u8,
    /// Box in panorama px.
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
    /// Best anchor score before tile truncation.
    score: f32,
    /// A second class and its score (confusion).
    second: u8,
    second_score: f32,
    /// Per-object jitter: centre (network px, before scaling) and relative size.
    jx: f32,
    jy: f32,
    jw: f32,
    jh: f32,
}

impl<const SLOTS: usize> TensorSynth<SLOTS> {
    /// A synthesiser for `cfg` (validated).
    pub fn new(cfg: &SimConfig) -> Result<Self, SimError> {
        cfg.validate()?;
        let Size { w, h } = cfg.size;
        let blank = TileDesc {
            rows: ROWS as u32,
            anchors: ANCHORS as u32,
            layout: TensorLayout::ChannelsFirst,
            mapping: Mapping::IDENTITY,
            offset: 0,
            region: [0; 4],
        };
        let mut tiles = [blank; MAX_TILES];
        let n_tiles = if cfg.tiles {
            let n = w.div_ceil(h) as usize;
            for (i, t) in tiles.iter_mut().enumerate().take(n) {
                let x = if n > 1 {
                    ((i as u64 * (w - h) as u64 + (n as u64 - 1) / 2) / (n as u64 - 1)) as u32
                } else {
                    0
                };
                t.mapping = Mapping::tile(x, 0, h, h, NET, NET);
                t.offset = i * TENSOR_LEN;
                t.region = [x, 0, h, h];
            }
            n
        } else {
            tiles[0].mapping = Mapping::letterbox(w, h, NET, NET, true);
            tiles[0].region = [0, 0, w, h];
            1
        };
        Ok(TensorSynth {
            cfg: *cfg,
            pitch: super::pitch::Pitch::new(cfg.size),
            tiles,
            n_tiles,
            slots: [FRESH; SLOTS],
        })
    }

    /// Floats the caller's block must hold: tiles × 9 × 8400.
    pub fn block_len(&self) -> usize {
        self.n_tiles * TENSOR_LEN
    }

    /// The tile descriptors (the same every frame).
    pub fn tiles(&self) -> &[TileDesc] {
        &self.tiles[..self.n_tiles]
    }

    /// Forgets what block `slot` holds: the next write rewrites its whole background.
    pub fn invalidate(&mut self, slot: usize) -> Result<(), SynthError> {
        let s = self.slots.get_mut(slot).ok_or(SynthError::BadSlot { slot, slots: SLOTS })?;
        *s = FRESH;
        Ok(())
    }

    /// Writes the tensors of `truth` into `block`, the tensor block of pool slot `slot` (which
    /// must always be the same memory for the same slot). The result depends only on the config and
    /// `truth`, never on what the block held before.
    pub fn write(
        &mut self,
        slot: usize,
        truth: &Truth,
        block: &mut [f32],
    ) -> Result<TensorFrame, SynthError> {
        if slot >= SLOTS {
            return Err(SynthError::BadSlot { slot, slots: SLOTS });
        }
        if block.len() != self.block_len() {
            return Err(SynthError::BlockSize { expected: self.block_len(), got: block.len() });
        }
        let seed = self.cfg.seed;
        let mut out = TensorFrame {
            tiles: self.tiles,
            n_tiles: self.n_tiles as u8,
            ball: BallReport::default(),
            false_balls: [[0.0; 2]; MAX_FALSE_BALLS],
            n_false_balls: 0,
            full_rewrite: false,
            anchors_written: 0,
        };
        // 1. Back to the pure background.
        let st = &mut self.slots[slot];
        if !st.written || st.overflow {
            for t in 0..self.n_tiles {
                let tb = &mut block[t * TENSOR_LEN..(t + 1) * TENSOR_LEN];
                for a in 0..ANCHORS {
                    background(seed, t as u32, a as u32, tb);
                }
            }
            out.full_rewrite = true;
        } else {
            for r in &st.rects[..st.n as usize] {
                let (_, n, first) = LEVELS[r.level as usize];
                let tb =
                    &mut block[r.tile as usize * TENSOR_LEN..(r.tile as usize + 1) * TENSOR_LEN];
                for gy in r.gy0 as u32..r.gy1 as u32 {
                    for gx in r.gx0 as u32..r.gx1 as u32 {
                        background(seed, r.tile as u32, first + gy * n + gx, tb);
                    }
                }
            }
        }
        st.written = true;
        st.overflow = false;
        st.n = 0;

        // 2. This frame's objects.
        let mut rng = Rng::new(hash2(seed, truth.frame ^ 0x7e45_0000_0000_0000));
        let noise = self.cfg.noise;
        let mut objs = [None::<Obj>; MAX_PEOPLE + 2 + MAX_FALSE_BALLS];
        let mut n_obj = 0;
        let people = truth.people();
        for (i, p) in people.iter().enumerate() {
            let [x0, y0, x1, y1] = p.bbox;
            let finite = x0.is_finite() && y0.is_finite() && x1.is_finite() && y1.is_finite();
            if !(finite && x1 > x0 && y1 > y0) {
                continue;
            }
            if rng.chance(noise.person_miss_rate) {
                continue;
            }
            // Partly hidden behind a nearer person: a weaker response.
            let mut hidden = 0.0f32;
            for (j, o) in people.iter().enumerate() {
                if j != i && o.bbox[3] > y1 {
                    let ix = (x1.min(o.bbox[2]) - x0.max(o.bbox[0])).max(0.0);
                    let iy = (y1.min(o.bbox[3]) - y0.max(o.bbox[1])).max(0.0);
                    hidden = hidden.max(ix * iy / ((x1 - x0) * (y1 - y0)));
                }
            }
            let (class, base, second, s_lo, s_hi) = match p.class {
                Class::Player => (1u8, 0.86, 3u8, 0.0, 0.08),
                Class::Goalkeeper => (2, 0.72, 1, 0.05, 0.3),
                Class::Referee => (3, 0.78, 1, 0.05, 0.3),
                Class::Staff => (4, 0.5, 1, 0.1, 0.45),
                Class::Ball => (0, 0.6, 1, 0.0, 0.05),
            };
            let score = (base + 0.05 * rng.gauss() - 0.45 * hidden).clamp(0.05, 0.97);
            objs[n_obj] = Some(Obj {
                class,
                x0,
                y0,
                x1,
                y1,
                score,
                second,
                second_score: rng.range(s_lo, s_hi),
                jx: rng.gauss() * noise.position_jitter,
                jy: rng.gauss() * noise.position_jitter,
                jw: 1.0 + rng.gauss() * noise.size_jitter,
                jh: 1.0 + rng.gauss() * noise.size_jitter,
            });
            n_obj += 1;
        }
        // The ball.
        let b = &truth.ball;
        if b.in_frame && b.radius > 0.0 && b.radius.is_finite() {
            let scale = self.tiles[0].mapping.scale_x;
            let d_net = 2.0 * b.radius / scale;
            let fast = ((b.speed - 12.0) / 20.0).clamp(0.0, 1.0);
            let high = (b.z / 10.0).clamp(0.0, 1.0);
            // Small in the network input: 3 px and up is easy, 2 px hard, 1 px nearly hopeless.
            let tiny = ((3.2 - d_net) / 2.2).clamp(0.0, 1.0);
            let tinier = ((2.0 - d_net) / 1.5).clamp(0.0, 1.0);
            let p_miss = if b.visible {
                (noise.ball_miss_rate + 0.25 * fast + 0.15 * high + 0.45 * tiny + 0.5 * tinier)
                    .min(1.0)
            } else {
                0.85f32.max(noise.ball_miss_rate)
            };
            let detected = !rng.chance(p_miss);
            let score = if detected {
                (0.84 - 0.25 * fast - 0.2 * tiny - 0.1 * high + 0.06 * rng.gauss())
                    .clamp(0.27, 0.95)
            } else {
                rng.range(0.02, 0.2)
            };
            let (bx, by) = (libm::fabsf(b.blur[0]).min(200.0), libm::fabsf(b.blur[1]).min(200.0));
            let r = b.radius;
            objs[n_obj] = Some(Obj {
                class: 0,
                x0: b.pos[0] - r - bx / 2.0,
                y0: b.pos[1] - r - by / 2.0,
                x1: b.pos[0] + r + bx / 2.0,
                y1: b.pos[1] + r + by / 2.0,
                score,
                second: 1,
                second_score: rng.range(0.0, 0.03),
                jx: rng.gauss() * noise.position_jitter * 0.6,
                jy: rng.gauss() * noise.position_jitter * 0.6,
                jw: 1.0 + rng.gauss() * noise.size_jitter,
                jh: 1.0 + rng.gauss() * noise.size_jitter,
            });
            n_obj += 1;
            if detected {
                out.ball = BallReport { detected: true, score, pos: b.pos };
            }
        }
        // False balls: the spare ball, and now and then a single-frame one.
        let ball_at = |x: f32, y: f32, z: f32, score: f32, rng: &mut Rng| {
            let (u, v) = self.pitch.to_px(x, y, z + BALL_DIAMETER / 2.0);
            let r = BALL_DIAMETER / 2.0 * self.pitch.px_per_m(y);
            Obj {
                class: 0,
                x0: u - r,
                y0: v - r,
                x1: u + r,
                y1: v + r,
                score,
                second: 1,
                second_score: rng.range(0.0, 0.05),
                jx: rng.gauss() * noise.position_jitter * 0.5,
                jy: rng.gauss() * noise.position_jitter * 0.5,
                jw: 1.0 + rng.gauss() * noise.size_jitter,
                jh: 1.0 + rng.gauss() * noise.size_jitter,
            }
        };
        let add_false = |o: Obj, out: &mut TensorFrame, objs: &mut [Option<Obj>], n: &mut usize| {
            if (out.n_false_balls as usize) < MAX_FALSE_BALLS {
                out.false_balls[out.n_false_balls as usize] =
                    [(o.x0 + o.x1) / 2.0, (o.y0 + o.y1) / 2.0];
                out.n_false_balls += 1;
                objs[*n] = Some(o);
                *n += 1;
            }
        };
        if noise.static_false_ball && rng.chance(0.9) {
            let s = rng.range(0.4, 0.7);
            let o = ball_at(SPARE_BALL.0, SPARE_BALL.1, 0.0, s, &mut rng);
            add_false(o, &mut out, &mut objs, &mut n_obj);
        }
        if rng.chance(noise.false_ball_rate) {
            let s = rng.range(0.32, 0.6);
            let o = if !people.is_empty() && rng.chance(0.6) {
                // A sock or a head that looks like a ball for a frame.
                let p = &people[rng.below(people.len() as u32) as usize];
                let z = if rng.chance(0.5) { 0.1 } else { 1.65 };
                ball_at(p.pitch[0], p.pitch[1], z, s, &mut rng)
            } else {
                let x = rng.range(-52.0, 52.0);
                let y = rng.range(0.0, 68.0);
                ball_at(x, y, 0.0, s, &mut rng)
            };
            add_false(o, &mut out, &mut objs, &mut n_obj);
        }

        // 3. Write every object into every tile that sees it.
        let mut rects = RectLog { list: &mut st.rects, n: 0, overflow: false };
        let mut written = 0u32;
        for t in 0..self.n_tiles {
            let td = self.tiles[t];
            let tb = &mut block[t * TENSOR_LEN..(t + 1) * TENSOR_LEN];
            for o in objs[..n_obj].iter().flatten() {
                written += emit(t as u8, &td, o, &mut rng, tb, &mut rects);
            }
            // A few single-frame background hits for person classes.
            let hits = noise.background_hits;
            let mut k = libm::floorf(hits) as u32 + rng.chance(hits - libm::floorf(hits)) as u32;
            while k > 0 {
                k -= 1;
                let a = rng.below(ANCHORS as u32);
                let (level, gx, gy) = anchor_cell(a);
                let cls = 1 + rng.below(4) as usize;
                tb[(4 + cls) * ANCHORS + a as usize] = rng.range(0.25, 0.4);
                rects.push(ARect {
                    tile: t as u8,
                    level,
                    gx0: gx,
                    gy0: gy,
                    gx1: gx + 1,
                    gy1: gy + 1,
                });
                written += 1;
            }
        }
        st.n = rects.n as u16;
        st.overflow = rects.overflow;
        out.anchors_written = written;
        Ok(out)
    }
}

/// The anchor rectangles written this frame.
struct RectLog<'a> {
    list: &'a mut [ARect; MAX_ANCHOR_RECTS],
    n: usize,
    overflow: bool,
}

impl RectLog<'_> {
    fn push(&mut self, r: ARect) {
        if self.n < MAX_ANCHOR_RECTS {
            self.list[self.n] = r;
            self.n += 1;
        } else {
            self.overflow = true;
        }
    }
}

/// Level and grid cell of anchor `a`.
fn anchor_cell(a: u32) -> (u8, u8, u8) {
    for (l, &(_, n, first)) in LEVELS.iter().enumerate().rev() {
        if a >= first {
            let k = a - first;
            return (l as u8, (k % n) as u8, (k / n) as u8);
        }
    }
    (0, 0, 0)
}

/// Writes the static background of anchor `a` of tile `tile` into the tile's tensor.
#[inline]
fn background(seed: u64, tile: u32, a: u32, tb: &mut [f32]) {
    let (level, gx, gy) = anchor_cell(a);
    let s = LEVELS[level as usize].0 as f32;
    let h1 = hash3(seed, tile as u64, a as u64);
    let h2 = mix64(h1 ^ 0x6a09_e667_f3bc_c909);
    let byte = |h: u64, k: u32| ((h >> (8 * k)) & 0xff) as f32 * (1.0 / 255.0);
    let a = a as usize;
    tb[a] = (gx as f32 + 0.5) * s + (byte(h1, 0) - 0.5) * 1.2 * s;
    tb[ANCHORS + a] = (gy as f32 + 0.5) * s + (byte(h1, 1) - 0.5) * 1.2 * s;
    let u = byte(h1, 2);
    tb[2 * ANCHORS + a] = s * (0.4 + 4.0 * u * u);
    let u = byte(h1, 3);
    tb[3 * ANCHORS + a] = s * (0.6 + 5.0 * u * u);
    // Log-uniform scores between 2^-18 and 2^-7 built straight from exponent and mantissa bits:
    // no `exp`, exact on every machine.
    for c in 0..Class::COUNT {
        let bits = (h2 >> (12 * c)) & 0xfff;
        let e = ((bits & 15) * 11 / 16) as u32;
        let m = ((bits >> 4) & 0xff) as u32;
        tb[(4 + c) * ANCHORS + a] = f32::from_bits(((127 - 18 + e) << 23) | (m << 15));
    }
}

/// Writes object `o` into tile `t`'s tensor `tb`; returns the anchors written.
fn emit(
    t: u8,
    td: &TileDesc,
    o: &Obj,
    rng: &mut Rng,
    tb: &mut [f32],
    rects: &mut RectLog<'_>,
) -> u32 {
    let [rx, ry, rw, rh] = td.region;
    let (rx0, ry0, rx1, ry1) = (rx as f32, ry as f32, (rx + rw) as f32, (ry + rh) as f32);
    // What the tile sees of the box: an object cut by the tile's edge is detected, truncated, in
    // every tile that shows enough of it (as a real detector run per tile does).
    let (x0, y0, x1, y1) = (o.x0.max(rx0), o.y0.max(ry0), o.x1.min(rx1), o.y1.min(ry1));
    if x1 <= x0 || y1 <= y0 {
        return 0;
    }
    let seen = (x1 - x0) * (y1 - y0) / ((o.x1 - o.x0) * (o.y1 - o.y0));
    if seen.is_nan() || seen < 0.35 {
        return 0;
    }
    let m = &td.mapping;
    let n = |x: f32, y: f32| ((x - m.offset_x) / m.scale_x, (y - m.offset_y) / m.scale_y);
    let (nx0, ny0) = n(x0, y0);
    let (nx1, ny1) = n(x1, y1);
    let w = (nx1 - nx0) * o.jw;
    let h = (ny1 - ny0) * o.jh;
    let ncx = (nx0 + nx1) / 2.0 + o.jx;
    let ncy = (ny0 + ny1) / 2.0 + o.jy;
    let best = o.score * if seen < 0.9 { seen } else { 1.0 };
    let size = w.max(h);
    let mut count = 0;
    for (level, &(s, cells, first)) in LEVELS.iter().enumerate() {
        let peak = match level {
            0 if size < 24.0 => 1.0,
            0 if size < 64.0 => 0.8,
            1 if (12.0..96.0).contains(&size) => 0.92,
            2 if size >= 40.0 => 0.9,
            _ => continue,
        };
        let sf = s as f32;
        let gc = |v: f32| libm::floorf(v / sf) as i32;
        let (gcx, gcy) = (gc(ncx), gc(ncy));
        let mut gx0 = gc(ncx - w / 2.0 - sf / 2.0).min(gcx - 1);
        let mut gx1 = gc(ncx + w / 2.0 + sf / 2.0).max(gcx + 1);
        let mut gy0 = gc(ncy - h / 2.0 - sf / 2.0).min(gcy - 1);
        let mut gy1 = gc(ncy + h / 2.0 + sf / 2.0).max(gcy + 1);
        // At most 5 × 7 cells around the centre.
        gx0 = gx0.max(gcx - 2).max(0);
        gx1 = gx1.min(gcx + 2).min(cells as i32 - 1);
        gy0 = gy0.max(gcy - 3).max(0);
        gy1 = gy1.min(gcy + 3).min(cells as i32 - 1);
        if gx0 > gx1 || gy0 > gy1 {
            continue;
        }
        rects.push(ARect {
            tile: t,
            level: level as u8,
            gx0: gx0 as u8,
            gy0: gy0 as u8,
            gx1: gx1 as u8 + 1,
            gy1: gy1 as u8 + 1,
        });
        let dist = |gx: i32, gy: i32| {
            let ex = ((gx as f32 + 0.5) * sf - ncx) / (0.5 * w + 0.5 * sf);
            let ey = ((gy as f32 + 0.5) * sf - ncy) / (0.5 * h + 0.5 * sf);
            ex * ex + ey * ey
        };
        // The best-placed anchor carries the object's score; the others fall off from it.
        let mut dmin = f32::INFINITY;
        for gy in gy0..=gy1 {
            for gx in gx0..=gx1 {
                dmin = dmin.min(dist(gx, gy));
            }
        }
        for gy in gy0..=gy1 {
            for gx in gx0..=gx1 {
                let dn = dist(gx, gy) - dmin;
                let score = best * peak / (1.0 + 2.5 * dn) * rng.range(0.82, 1.04);
                if score < 0.01 {
                    continue;
                }
                let a = (first + gy as u32 * cells + gx as u32) as usize;
                let current = (4..ROWS).map(|r| tb[r * ANCHORS + a]).fold(0.0, f32::max);
                if current >= score {
                    continue;
                }
                let pj = 0.2 + 0.04 * size;
                tb[a] = ncx + rng.gauss() * pj;
                tb[ANCHORS + a] = ncy + rng.gauss() * pj;
                tb[2 * ANCHORS + a] = (w * (1.0 + 0.1 * rng.gauss())).max(0.5);
                tb[3 * ANCHORS + a] = (h * (1.0 + 0.1 * rng.gauss())).max(0.5);
                for c in 0..Class::COUNT {
                    let v = if c == o.class as usize {
                        score
                    } else if c == o.second as usize {
                        o.second_score * score / best.max(1e-3) * rng.range(0.6, 1.0)
                    } else {
                        unit(rng.next_u64()) * 0.01
                    };
                    tb[(4 + c) * ANCHORS + a] = v;
                }
                count += 1;
            }
        }
    }
    count
}
