//! The crop-and-scale of the output view: cut a rectangle out of an NV12 panorama and resample it
//! into a preallocated NV12 frame of any even size.
//!
//! # Method
//!
//! Separable and fixed-point, vertical pass first, one output row at a time:
//!
//! 1. **Vertical**: the one to a few source rows an output row needs are blended into a row of
//!    the crop's width in Q7 (value × 128, at most 32640, so it fits `i16`): `(p·(256 − w) + q·w)
//!    / 2` in `u16` lanes for bilinear, or a Q15-weighted `u32` sum for the area filter. Both
//!    vectorise (8–16 lanes per instruction).
//! 2. **Horizontal**: each output pixel is made from that row through per-column tables built
//!    once per (crop width, output width, filter):
//!    - bilinear: a scalar gather puts each output byte's two neighbours side by side (the only
//!      data-dependent loads), then one flat multiply-add of `i16` pairs with the weight pairs
//!      `(256 − w, w)` — `pmaddwd` on x86, `smlal` on ARM;
//!    - area: prefix sums of the row, then per output pixel the integral between its two Q8
//!      span ends (two lookups whatever the ratio) times a reciprocal;
//!    - 1:1 and 2:1, the ratios a virtual camera meets most, are a copy and a pair mean.
//!
//! Only the rows and columns of the crop are read; every intermediate lives in the
//! [`CropScaler`], so a frame allocates nothing. Rounding is to nearest, so a crop that equals
//! the output size is copied bit-exactly, a 2:1 downscale is the exact rounded 2 × 2 mean, and
//! any other result is within one level of the exact filter (positions are quantised to
//! 1/256 px).
//!
//! Cost on the 2-core x86 reference machine, 1920 × 1080 output from a 5700 × 1900 panorama not
//! in cache (`cargo bench -p pitchcam-core --bench image`): 1:1 ≈ 0.1 ms, bilinear 1.3–2.8 ms
//! (upscale to the widest 16:9 crop), area 7–12 ms; a naive per-pixel float bilinear ≈ 50 ms.
//!
//! Luma and the interleaved chroma plane are resampled as two images, chroma at half resolution
//! with U and V kept together (one table serves both). Samples are centre-aligned in each plane
//! (`src = (dst + ½) · scale − ½`), the usual choice for NV12 scalers; for MPEG-2-sited chroma this
//! shifts chroma by at most a quarter of an output pixel, which no viewer can see.
//!
//! # Filters
//!
//! Bilinear takes two taps per axis: exact for 1:1 and 2:1, good for upscaling and mild
//! downscaling, but beyond 2:1 it skips source pixels and aliases (moiré on the pitch lines, shimmer
//! on distant players). The area (box) filter averages every source pixel the output pixel covers,
//! with fractional weights at the edges, and does not alias, at about four times the cost.
//! [`Filter::Auto`], the default, chooses per axis: area when that axis shrinks by more than 2,
//! bilinear otherwise. A 16:9 virtual camera on a 1900 px high panorama never shrinks by more
//! than 1.76 (its widest crop is 3376 × 1900), so it always gets bilinear; area serves views such
//! as the whole panorama into a 1920 px wide overview.
//!
//! # Limits
//!
//! Images and crops up to [`MAX_DIM`] pixels per side, downscale up to [`MAX_DOWNSCALE`] per axis,
//! output width up to the scaler's `MAX_W`: anything else is a clear [`ImageError`], never a
//! panic. A crop is first made usable: even origin and size (NV12 chroma is 2 × 2 subsampled), at
//! least 4 × 4, no larger than the source, and moved (not shrunk) to lie inside it.

use super::{ImageError, Nv12, Nv12Mut, check};
use crate::geom::Rect;

/// The largest image or crop side accepted, px (keeps every intermediate sum exact in 32 bits).
pub const MAX_DIM: u32 = 32766;

/// The largest crop-to-output ratio accepted on either axis.
pub const MAX_DOWNSCALE: u32 = 64;

/// Bytes of a source row the vertical pass holds at once. Wider crops are processed in strips of
/// output columns whose source span fits; the 5700 px panorama fits in one.
const SCRATCH: usize = 8192;

/// Most strips a row can need: [`MAX_DIM`] over the smallest strip (chroma, `SCRATCH / 2 − 2`
/// px) is 5; a little room for rounding.
const MAX_STRIPS: usize = 8;

/// How the crop is resampled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Filter {
    /// Two-tap bilinear on both axes.
    Bilinear,
    /// Area (box) average on every axis that shrinks, bilinear on an axis that grows.
    Area,
    /// Area on an axis that shrinks by more than 2, bilinear otherwise.
    #[default]
    Auto,
}

/// A bilinear tap: `src[idx] · (256 − w) + src[idx + 1] · w`, `w` in 0..=256.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tap {
    idx: u32,
    w: u16,
}

/// A bilinear tap of a horizontal table: index relative to its strip's first source pixel (the
/// strip is at most `SCRATCH` wide, so 16 bits hold it) and the weight, packed in 4 bytes so the
/// gather loop loads one table word per pixel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct HTap {
    rel: u16,
    w: u16,
}

/// An area span in Q8 source pixels `[a, b)` (relative to its strip in a horizontal table), and
/// `2^40 / (b − a)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Span {
    a: u32,
    b: u32,
    recip: u64,
}

/// The resampling of one axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Same size.
    Copy,
    /// Exactly 2:1: mean of pairs (what bilinear and area both give there).
    Half,
    /// Two taps.
    Bilinear,
    /// Box average.
    Area,
}

fn axis_mode(filter: Filter, src: u32, dst: u32) -> Mode {
    let area = match filter {
        Filter::Bilinear => false,
        Filter::Area => src > dst,
        Filter::Auto => src > 2 * dst,
    };
    if src == dst {
        Mode::Copy
    } else if src == 2 * dst {
        Mode::Half
    } else if area {
        Mode::Area
    } else {
        Mode::Bilinear
    }
}

/// Centre-aligned bilinear tap of output sample `c` for a `src → dst` axis (`src ≥ 2`).
fn bilinear_tap(c: u32, src: u32, dst: u32) -> Tap {
    // Q8 position rounded to nearest: `((c + ½) · src / dst − ½) · 256`.
    let pos = ((2 * c as u64 + 1) * src as u64 * 256 + dst as u64) / (2 * dst as u64);
    let pos = pos.saturating_sub(128).min((src as u64 - 1) * 256);
    let (idx, w) = ((pos >> 8) as u32, (pos & 255) as u16);
    // The last source sample: take it whole from the left tap's neighbour so `idx + 1` exists.
    if idx + 1 >= src { Tap { idx: src - 2, w: 256 } } else { Tap { idx, w } }
}

/// Area span of output sample `c` for a shrinking `src → dst` axis (`b − a ≥ 256`).
fn area_span(c: u32, src: u32, dst: u32) -> Span {
    // Q8 ends rounded to nearest; consecutive spans share their end, so none overlap or gap.
    let end = |k: u64| ((k * src as u64 * 256 + dst as u64 / 2) / dst as u64) as u32;
    let (a, b) = (end(c as u64), end(c as u64 + 1));
    let d = (b - a).max(1) as u64;
    Span { a, b, recip: (1u64 << 40) / d }
}

/// Output columns `[c0, c1)` whose source pixels `[s0, s1]` fit the scratch row together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Strip {
    c0: u32,
    c1: u32,
    s0: u32,
    s1: u32,
}

/// The horizontal plan of one plane for one (crop width, output width).
#[derive(Clone, Copy, Debug)]
struct HPlan {
    dst: u32,
    mode: Mode,
    strips: [Strip; MAX_STRIPS],
    n_strips: usize,
}

/// Where each output row comes from.
#[derive(Clone, Copy, Debug)]
enum Rows {
    One(u32),
    Two(u32, u32, u16),
    Area(u32, u32),
}

fn vertical_rows(mode: Mode, j: u32, src: u32, dst: u32) -> Rows {
    match mode {
        Mode::Copy => Rows::One(j),
        Mode::Half => Rows::Two(2 * j, 2 * j + 1, 128),
        Mode::Bilinear => match bilinear_tap(j, src, dst) {
            Tap { idx, w: 0 } => Rows::One(idx),
            Tap { idx, w: 256 } => Rows::One(idx + 1),
            Tap { idx, w } => Rows::Two(idx, idx + 1, w),
        },
        Mode::Area => {
            let s = area_span(j, src, dst);
            Rows::Area(s.a, s.b)
        }
    }
}

/// Crops and scales NV12 images with tables and scratch for outputs up to `MAX_W` pixels wide.
///
/// Create it once (it is large: 52 bytes × `MAX_W` plus 80 KB of scratch, 180 KB for 1920; box
/// it or keep it in a long-lived struct) and call [`CropScaler::scale`] every frame. The
/// per-column tables are rebuilt only when the crop width, output width or filter change (a few
/// microseconds).
#[derive(Clone, Debug)]
pub struct CropScaler<const MAX_W: usize> {
    filter: Filter,
    /// Key of the tables: (crop width, output width, filter).
    key: Option<(u32, u32, Filter)>,
    luma: Option<HPlan>,
    chroma: Option<HPlan>,
    y_taps: [HTap; MAX_W],
    uv_taps: [HTap; MAX_W],
    /// Bilinear weights `(256 − w, w)` of each output *byte* (chroma: the pixel's pair twice),
    /// so the blend is one flat multiply-add of i16 pairs (`pmaddwd` on x86, `smlal` on ARM).
    y_wp: [[i16; 2]; MAX_W],
    uv_wp: [[i16; 2]; MAX_W],
    /// The two neighbours of each output byte, side by side, fetched by the gather.
    pairs: [[i16; 2]; MAX_W],
    y_spans: [Span; MAX_W],
    uv_spans: [Span; MAX_W],
    tmp: [u16; SCRATCH + 4],
    acc: [u32; SCRATCH + 4],
    prefix: [u32; SCRATCH + 4],
}

impl<const MAX_W: usize> Default for CropScaler<MAX_W> {
    fn default() -> Self {
        Self::new(Filter::default())
    }
}

impl<const MAX_W: usize> CropScaler<MAX_W> {
    /// A scaler using `filter`.
    pub const fn new(filter: Filter) -> Self {
        CropScaler {
            filter,
            key: None,
            luma: None,
            chroma: None,
            y_taps: [HTap { rel: 0, w: 0 }; MAX_W],
            uv_taps: [HTap { rel: 0, w: 0 }; MAX_W],
            y_wp: [[0; 2]; MAX_W],
            uv_wp: [[0; 2]; MAX_W],
            pairs: [[0; 2]; MAX_W],
            y_spans: [Span { a: 0, b: 0, recip: 0 }; MAX_W],
            uv_spans: [Span { a: 0, b: 0, recip: 0 }; MAX_W],
            tmp: [0; SCRATCH + 4],
            acc: [0; SCRATCH + 4],
            prefix: [0; SCRATCH + 4],
        }
    }

    /// The filter in use.
    pub fn filter(&self) -> Filter {
        self.filter
    }

    /// Changes the filter (the tables are rebuilt on the next frame).
    pub fn set_filter(&mut self, filter: Filter) {
        self.filter = filter;
    }

    /// The crop [`CropScaler::scale`] would use for `crop` in a `width × height` source: even,
    /// at least 4 × 4, no larger than the source and moved inside it.
    pub fn clamp_crop(crop: Rect, width: u32, height: u32) -> Result<Rect, ImageError> {
        if crop.w <= 0 || crop.h <= 0 {
            return Err(ImageError::EmptyCrop);
        }
        if !(4..=MAX_DIM).contains(&width) || !(4..=MAX_DIM).contains(&height) {
            return Err(ImageError::OutOfRange);
        }
        let (sw, sh) = ((width & !1) as i32, (height & !1) as i32);
        let w = (crop.w.min(sw) & !1).max(4);
        let h = (crop.h.min(sh) & !1).max(4);
        let x = crop.x.clamp(0, sw - w) & !1;
        let y = crop.y.clamp(0, sh - h) & !1;
        Ok(Rect { x, y, w, h })
    }

    /// Cuts `crop` out of `src` and resamples it to fill `dst` (its whole `width × height`; row
    /// padding untouched). Returns the crop actually used (see [`CropScaler::clamp_crop`]).
    pub fn scale(
        &mut self,
        src: &Nv12<'_>,
        crop: Rect,
        dst: &mut Nv12Mut<'_>,
    ) -> Result<Rect, ImageError> {
        // The views' fields are public: check them again rather than trust them.
        check(src.width, src.height, src.y.len(), src.y_stride, src.uv.len(), src.uv_stride)?;
        check(dst.width, dst.height, dst.y.len(), dst.y_stride, dst.uv.len(), dst.uv_stride)?;
        if dst.width > MAX_DIM || dst.height > MAX_DIM {
            return Err(ImageError::OutOfRange);
        }
        if dst.width as usize > MAX_W {
            return Err(ImageError::TooWide);
        }
        let crop = Self::clamp_crop(crop, src.width, src.height)?;
        let (cw, ch) = (crop.w as u32, crop.h as u32);
        if cw > dst.width * MAX_DOWNSCALE || ch > dst.height * MAX_DOWNSCALE {
            return Err(ImageError::ScaleOutOfRange);
        }
        self.prepare(cw, dst.width)?;
        let (Some(luma), Some(chroma)) = (self.luma, self.chroma) else {
            return Err(ImageError::OutOfRange);
        };
        let (cx, cy) = (crop.x as usize, crop.y as usize);
        let filter = self.filter;
        let mut scratch = Scratch {
            tmp: &mut self.tmp,
            acc: &mut self.acc,
            prefix: &mut self.prefix,
            pairs: &mut self.pairs,
        };
        scale_plane::<1>(
            Plane { data: src.y, stride: src.y_stride, x: cx, y: cy, h: ch },
            PlaneMut { data: &mut *dst.y, stride: dst.y_stride, h: dst.height },
            axis_mode(filter, ch, dst.height),
            &luma,
            Tables { taps: &self.y_taps, wp: &self.y_wp, spans: &self.y_spans },
            &mut scratch,
        );
        scale_plane::<2>(
            Plane { data: src.uv, stride: src.uv_stride, x: cx / 2, y: cy / 2, h: ch / 2 },
            PlaneMut { data: &mut *dst.uv, stride: dst.uv_stride, h: dst.height / 2 },
            axis_mode(filter, ch / 2, dst.height / 2),
            &chroma,
            Tables { taps: &self.uv_taps, wp: &self.uv_wp, spans: &self.uv_spans },
            &mut scratch,
        );
        Ok(crop)
    }

    /// Builds the horizontal tables for a crop `cw` wide into an output `dw` wide, unless they
    /// are already built.
    fn prepare(&mut self, cw: u32, dw: u32) -> Result<(), ImageError> {
        let key = (cw, dw, self.filter);
        if self.key == Some(key) {
            return Ok(());
        }
        self.key = None;
        self.luma = Some(build::<1>(self.filter, cw, dw, &mut self.y_taps, &mut self.y_spans)?);
        self.chroma =
            Some(build::<2>(self.filter, cw / 2, dw / 2, &mut self.uv_taps, &mut self.uv_spans)?);
        let pair = |t: &HTap| [256 - t.w as i16, t.w as i16];
        for (b, t) in self.y_wp.iter_mut().zip(&self.y_taps[..dw as usize]) {
            *b = pair(t);
        }
        for (b, t) in self.uv_wp.chunks_exact_mut(2).zip(&self.uv_taps[..dw as usize / 2]) {
            b.fill(pair(t));
        }
        self.key = Some(key);
        Ok(())
    }
}

/// Fills the tables of one plane (`CH` bytes per pixel) and splits its columns into strips.
fn build<const CH: usize>(
    filter: Filter,
    src: u32,
    dst: u32,
    taps: &mut [HTap],
    spans: &mut [Span],
) -> Result<HPlan, ImageError> {
    let mode = axis_mode(filter, src, dst);
    let n = dst as usize;
    if n > taps.len() || n > spans.len() {
        return Err(ImageError::TooWide);
    }
    match mode {
        Mode::Bilinear => {
            // Absolute indices first (< MAX_DIM < 2^16); made strip-relative below.
            for (c, t) in taps[..n].iter_mut().enumerate() {
                let Tap { idx, w } = bilinear_tap(c as u32, src, dst);
                *t = HTap { rel: idx as u16, w };
            }
        }
        Mode::Area => {
            for (c, s) in spans[..n].iter_mut().enumerate() {
                *s = area_span(c as u32, src, dst);
            }
        }
        Mode::Copy | Mode::Half => {}
    }
    // Source pixels `[lo, hi]` output column `c` reads.
    let range = |c: u32| -> (u32, u32) {
        match mode {
            Mode::Copy => (c, c),
            Mode::Half => (2 * c, 2 * c + 1),
            Mode::Bilinear => {
                let t = taps[c as usize];
                (t.rel as u32, t.rel as u32 + 1)
            }
            Mode::Area => {
                let s = spans[c as usize];
                (s.a >> 8, (s.b - 1) >> 8)
            }
        }
    };
    // Pixels per strip: the row plus one pixel of zero padding (read by the area filter with a
    // zero weight) must fit the scratch.
    let cap = (SCRATCH / CH - 2) as u32;
    let mut plan = HPlan { dst, mode, strips: [Strip::default(); MAX_STRIPS], n_strips: 0 };
    let mut c0 = 0;
    while c0 < dst {
        let (s0, mut s1) = range(c0);
        let mut c1 = c0;
        while c1 < dst {
            let (_, hi) = range(c1);
            if hi - s0 + 1 > cap {
                break;
            }
            s1 = s1.max(hi);
            c1 += 1;
        }
        if c1 == c0 {
            return Err(ImageError::ScaleOutOfRange);
        }
        if plan.n_strips == MAX_STRIPS {
            return Err(ImageError::OutOfRange);
        }
        plan.strips[plan.n_strips] = Strip { c0, c1, s0, s1 };
        plan.n_strips += 1;
        c0 = c1;
    }
    for s in &plan.strips[..plan.n_strips] {
        let cols = s.c0 as usize..s.c1 as usize;
        match mode {
            Mode::Bilinear => taps[cols].iter_mut().for_each(|t| t.rel -= s.s0 as u16),
            Mode::Area => spans[cols].iter_mut().for_each(|p| {
                p.a -= s.s0 * 256;
                p.b -= s.s0 * 256;
            }),
            Mode::Copy | Mode::Half => {}
        }
    }
    Ok(plan)
}

/// A source plane and the crop in it (pixels of that plane).
struct Plane<'a> {
    data: &'a [u8],
    stride: usize,
    x: usize,
    y: usize,
    h: u32,
}

/// A destination plane.
struct PlaneMut<'a> {
    data: &'a mut [u8],
    stride: usize,
    h: u32,
}

struct Tables<'a> {
    taps: &'a [HTap],
    wp: &'a [[i16; 2]],
    spans: &'a [Span],
}

struct Scratch<'a> {
    tmp: &'a mut [u16],
    acc: &'a mut [u32],
    prefix: &'a mut [u32],
    pairs: &'a mut [[i16; 2]],
}

fn scale_plane<const CH: usize>(
    src: Plane<'_>,
    dst: PlaneMut<'_>,
    vmode: Mode,
    plan: &HPlan,
    tables: Tables<'_>,
    scratch: &mut Scratch<'_>,
) {
    let row_bytes = plan.dst as usize * CH;
    for j in 0..dst.h {
        let rows = vertical_rows(vmode, j, src.h, dst.h);
        let out = &mut dst.data[j as usize * dst.stride..][..row_bytes];
        if let (Mode::Copy, Rows::One(y)) = (plan.mode, rows) {
            let at = (src.y + y as usize) * src.stride + src.x * CH;
            out.copy_from_slice(&src.data[at..][..row_bytes]);
            continue;
        }
        for s in &plan.strips[..plan.n_strips] {
            let n = (s.s1 - s.s0 + 1) as usize;
            let x0 = (src.x + s.s0 as usize) * CH;
            let tmp = &mut scratch.tmp[..(n + 1) * CH];
            vertical(&src, x0, src.y, n * CH, rows, tmp, scratch.acc);
            tmp[n * CH..].fill(0);
            let out = &mut out[s.c0 as usize * CH..s.c1 as usize * CH];
            let cols = s.c0 as usize..s.c1 as usize;
            match plan.mode {
                Mode::Copy => h_copy(&tmp[..n * CH], out),
                Mode::Half => h_half::<CH>(&tmp[..n * CH], out),
                Mode::Bilinear => {
                    let bytes = s.c0 as usize * CH..s.c1 as usize * CH;
                    let pairs = &mut scratch.pairs[..out.len()];
                    h_bilinear::<CH>(tmp, out, &tables.taps[cols], &tables.wp[bytes], pairs)
                }
                Mode::Area => h_area::<CH>(tmp, n, out, &tables.spans[cols], scratch.prefix),
            }
        }
    }
}

/// Blends the source rows of one output row, bytes `[x0, x0 + n)` of each, into `tmp` (Q7).
fn vertical(
    src: &Plane<'_>,
    x0: usize,
    y_base: usize,
    n: usize,
    rows: Rows,
    tmp: &mut [u16],
    acc: &mut [u32],
) {
    let row = |y: u32| &src.data[(y_base + y as usize) * src.stride + x0..][..n];
    let tmp = &mut tmp[..n];
    match rows {
        Rows::One(y) => {
            for (t, &p) in tmp.iter_mut().zip(row(y)) {
                *t = (p as u16) << 7;
            }
        }
        Rows::Two(y0, y1, w) => {
            let wa = 256 - w;
            for ((t, &p), &q) in tmp.iter_mut().zip(row(y0)).zip(row(y1)) {
                // Q8 sum (exact, < 2^16) halved to Q7, rounding: exact whenever the Q8 value
                // is even, as it is for 1:1 and 2:1.
                *t = (p as u16 * wa + q as u16 * w + 1) >> 1;
            }
        }
        Rows::Area(a, b) => {
            let acc = &mut acc[..n];
            let d = (b - a) as u64;
            let (r0, r1) = (a >> 8, (b - 1) >> 8);
            // Q15 weights summing to exactly 32768: u16 × u16 products (cheap to vectorise) and
            // a sum below 2^23.
            let mut left = 32768u32;
            for r in r0..=r1 {
                let overlap = b.min((r + 1) * 256) - a.max(r * 256);
                let w = if r == r1 { left } else { (overlap as u64 * 32768 / d) as u32 };
                left -= w;
                let w = w as u16;
                if r == r0 {
                    for (s, &p) in acc.iter_mut().zip(row(r)) {
                        *s = p as u16 as u32 * w as u32;
                    }
                } else {
                    for (s, &p) in acc.iter_mut().zip(row(r)) {
                        *s += p as u16 as u32 * w as u32;
                    }
                }
            }
            for (t, &s) in tmp.iter_mut().zip(acc.iter()) {
                *t = ((s + 128) >> 8) as u16;
            }
        }
    }
}

fn h_copy(tmp: &[u16], out: &mut [u8]) {
    for (o, &t) in out.iter_mut().zip(tmp) {
        *o = ((t + 64) >> 7) as u8;
    }
}

fn h_half<const CH: usize>(tmp: &[u16], out: &mut [u8]) {
    if CH == 1 {
        for (o, p) in out.iter_mut().zip(tmp.chunks_exact(2)) {
            *o = ((p[0] as u32 + p[1] as u32 + 128) >> 8) as u8;
        }
    } else {
        for (o, p) in out.chunks_exact_mut(CH).zip(tmp.chunks_exact(2 * CH)) {
            for k in 0..CH {
                o[k] = ((p[k] as u32 + p[k + CH] as u32 + 128) >> 8) as u8;
            }
        }
    }
}

/// Bilinear in two passes: a scalar gather of each output byte's two neighbours (the only
/// data-dependent loads) into adjacent pairs, then a flat multiply-add of those pairs with the
/// weight pairs, which the compiler vectorises.
fn h_bilinear<const CH: usize>(
    tmp: &[u16],
    out: &mut [u8],
    taps: &[HTap],
    wp: &[[i16; 2]],
    pairs: &mut [[i16; 2]],
) {
    // Q7 values are at most 32640: they fit i16.
    if CH == 1 {
        for (t, p) in taps.iter().zip(pairs.iter_mut()) {
            let i = t.rel as usize;
            let px = &tmp[i..i + 2];
            *p = [px[0] as i16, px[1] as i16];
        }
    } else {
        for (t, p) in taps.iter().zip(pairs.chunks_exact_mut(2)) {
            let i = t.rel as usize * 2;
            let px = &tmp[i..i + 4];
            p[0] = [px[0] as i16, px[2] as i16];
            p[1] = [px[1] as i16, px[3] as i16];
        }
    }
    for ((o, p), w) in out.iter_mut().zip(pairs.iter()).zip(wp) {
        let v = p[0] as i32 * w[0] as i32 + p[1] as i32 * w[1] as i32;
        *o = ((v + (1 << 14)) >> 15) as u8;
    }
}

/// Box average through prefix sums: the integral of the (piecewise constant) row between the
/// span's Q8 ends, divided by its length. `tmp` holds `n` pixels plus one zero pixel.
fn h_area<const CH: usize>(
    tmp: &[u16],
    n: usize,
    out: &mut [u8],
    spans: &[Span],
    prefix: &mut [u32],
) {
    let prefix = &mut prefix[..(n + 1) * CH];
    prefix[..CH].fill(0);
    let mut run = [0u32; CH];
    for (px, p) in tmp[..n * CH].chunks_exact(CH).zip(prefix[CH..].chunks_exact_mut(CH)) {
        for k in 0..CH {
            run[k] += px[k] as u32;
        }
        p.copy_from_slice(&run);
    }
    for (o, s) in out.chunks_exact_mut(CH).zip(spans) {
        let (ai, af) = ((s.a >> 8) as usize * CH, s.a & 255);
        let (bi, bf) = ((s.b >> 8) as usize * CH, s.b & 255);
        let (pa, ta) = (&prefix[ai..ai + CH], &tmp[ai..ai + CH]);
        let (pb, tb) = (&prefix[bi..bi + CH], &tmp[bi..bi + CH]);
        for k in 0..CH {
            // At most 65 px × 32640 × 256 < 2^32; `ta·af` is inside `(pb − pa) · 256`.
            let sum = ((pb[k] - pa[k]) << 8) + bf * tb[k] as u32 - af * ta[k] as u32;
            // The mean is `sum / d` in Q7; `recip <= 2^40 / d` and `sum <= 32640 · d`, so this
            // is at most 255.
            o[k] = ((sum as u64 * s.recip + (1 << 46)) >> 47) as u8;
        }
    }
}
