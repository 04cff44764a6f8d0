//! YOLOv8/YOLO11 raw head decode: from a `[4 + nc, A]` (or `[A, 4 + nc]`) tensor to scored,
//! classified candidate boxes in Q8 panorama coordinates.
//!
//! Semantics (those of ultralytics `non_max_suppression` with `multi_label=False`, which the float
//! reference in `shared/data/nms` reproduces):
//!
//! * per anchor, `conf` = the largest class score, `class` = the first class holding it;
//! * the anchor is a candidate iff `conf > threshold[class]` (strict);
//! * its box is `(cx − w/2, cy − h/2, cx + w/2, cy + h/2)` in f32 network pixels, mapped into the
//!   panorama as `v · scale + offset` (two f32 roundings, never fused), converted to Q8 by
//!   `× 256` and rounding half away from zero, and clamped to the panorama;
//! * an anchor with a non-finite class score (NaN, ±Inf) is never a candidate and is counted as
//!   non-finite; so is a would-be candidate with a non-finite box value. A would-be candidate with
//!   a negative width or height, or a box value beyond ±[`MAX_NET_PX`], is counted as a bad size.
//!   The box rows of anchors that are not candidates are never read (that is what makes the scan
//!   fast), so a NaN there is not counted.
//!
//! Every float operation is a correctly rounded IEEE 754 one (no FMA contraction, no fast-math, no
//! libm call), so the candidates — and therefore the NMS result — are bit-identical on x86_64 and
//! aarch64.
//!
//! The scan streams the tensor once. For the usual channels-first layout it reads the class rows
//! 16 anchors at a time, computing the best score (and a NaN/Inf guard) of each lane without
//! branches; only lanes that may be candidates go to the scalar classification, which then reads
//! their four box values. The box rows of the ~97 % of anchors below the threshold stay unread.

use super::{MAX_CLASSES, Tensor, TensorLayout};

/// Largest magnitude of `cx`, `cy`, `w` or `h` (network pixels) a candidate may have; beyond, the
/// box is counted as a bad size. Far above any network input, low enough that `cx ± w/2` cannot
/// overflow.
pub const MAX_NET_PX: f32 = 1_048_576.0;

/// Anchors classified per step of the channels-first scan: one 64-byte cache line per class row.
const LANES: usize = 16;

/// A box that passed the thresholds, before NMS.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Candidate {
    pub(crate) x1: i32,
    pub(crate) y1: i32,
    pub(crate) x2: i32,
    pub(crate) y2: i32,
    /// The float confidence: the NMS order key (Q0.16 would tie or saturate).
    pub(crate) score: f32,
    /// Global anchor index: anchors of earlier tensors of the frame first.
    pub(crate) index: u32,
    pub(crate) class: u8,
}

impl Candidate {
    /// Priority in the NMS: smaller is first. Score descending, then global index ascending.
    /// `score` is finite and > 0 (it beat a threshold ≥ 0), so its bit pattern orders like the
    /// value.
    #[inline]
    pub(crate) fn rank(&self) -> u64 {
        ((!self.score.to_bits()) as u64) << 32 | self.index as u64
    }
}

/// What the scan counts besides candidates.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ScanCounts {
    pub(crate) non_finite: u32,
    pub(crate) bad_size: u32,
}

/// Per-frame constants of the scan.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScanConfig {
    pub(crate) thr: [f32; MAX_CLASSES],
    /// Panorama width / height in Q8.
    pub(crate) hi_x: f32,
    pub(crate) hi_y: f32,
}

/// Scans one tensor whose first anchor has global index `first`, handing every candidate to
/// `sink` in anchor order.
pub(crate) fn scan(
    t: &Tensor<'_>,
    first: u32,
    cfg: &ScanConfig,
    counts: &mut ScanCounts,
    sink: &mut impl FnMut(Candidate),
) {
    let nc = t.classes() as usize;
    // Necessary for any candidate: conf > thr[class] ≥ min over the tensor's classes.
    let min_thr = cfg.thr[..nc].iter().fold(f32::INFINITY, |m, &v| if v < m { v } else { m });
    let mut a = Anchors { t, first, cfg, counts, sink };
    match t.layout() {
        TensorLayout::ChannelsFirst => a.scan_channels_first(min_thr),
        TensorLayout::AnchorsFirst => a.scan_anchors_first(min_thr),
    }
}

struct Anchors<'s, 't, F> {
    t: &'s Tensor<'t>,
    first: u32,
    cfg: &'s ScanConfig,
    counts: &'s mut ScanCounts,
    sink: &'s mut F,
}

impl<F: FnMut(Candidate)> Anchors<'_, '_, F> {
    fn scan_channels_first(&mut self, min_thr: f32) {
        let data = self.t.data();
        let a = self.t.anchors() as usize;
        let nc = self.t.classes() as usize;
        let scores = &data[4 * a..];
        let full = a - a % LANES;
        let mut base = 0;
        while base < full {
            let mut best = [f32::NEG_INFINITY; LANES];
            let mut sum = [0.0f32; LANES];
            for c in 0..nc {
                let row: &[f32; LANES] =
                    scores[c * a + base..][..LANES].try_into().expect("LANES values");
                for l in 0..LANES {
                    let v = row[l];
                    best[l] = if v > best[l] { v } else { best[l] };
                    sum[l] += v;
                }
            }
            let mut hits = 0u32;
            for l in 0..LANES {
                hits |= (maybe_candidate(best[l], sum[l], min_thr) as u32) << l;
            }
            while hits != 0 {
                let l = hits.trailing_zeros() as usize;
                hits &= hits - 1;
                self.classify(base + l, base + l, a);
            }
            base += LANES;
        }
        for i in full..a {
            let (mut best, mut sum) = (f32::NEG_INFINITY, 0.0f32);
            for c in 0..nc {
                let v = scores[c * a + i];
                best = if v > best { v } else { best };
                sum += v;
            }
            if maybe_candidate(best, sum, min_thr) {
                self.classify(i, i, a);
            }
        }
    }

    fn scan_anchors_first(&mut self, min_thr: f32) {
        let rows = self.t.rows() as usize;
        for (i, row) in self.t.data().chunks_exact(rows).enumerate() {
            let (mut best, mut sum) = (f32::NEG_INFINITY, 0.0f32);
            for &v in &row[4..] {
                best = if v > best { v } else { best };
                sum += v;
            }
            if maybe_candidate(best, sum, min_thr) {
                self.classify(i, i * rows, 1);
            }
        }
    }

    /// The exact decision for `anchor`, whose cx lies at `data[base]` and whose later rows follow
    /// at `stride` (the anchor count for channels-first, 1 for anchors-first).
    #[inline(never)]
    fn classify(&mut self, anchor: usize, base: usize, stride: usize) {
        let data = self.t.data();
        let at = |row: usize| data[base + row * stride];
        let nc = self.t.classes() as usize;
        let mut conf = at(4);
        let mut class = 0;
        let mut finite = conf.is_finite();
        for c in 1..nc {
            let v = at(4 + c);
            finite &= v.is_finite();
            if v > conf {
                conf = v;
                class = c;
            }
        }
        if !finite {
            self.counts.non_finite += 1;
            return;
        }
        if !(conf > self.cfg.thr[class]) {
            return;
        }
        let (cx, cy, w, h) = (at(0), at(1), at(2), at(3));
        if !(cx.is_finite() && cy.is_finite() && w.is_finite() && h.is_finite()) {
            self.counts.non_finite += 1;
            return;
        }
        let within = |v: f32| (-MAX_NET_PX..=MAX_NET_PX).contains(&v);
        if !(w >= 0.0 && h >= 0.0 && within(cx) && within(cy) && within(w) && within(h)) {
            self.counts.bad_size += 1;
            return;
        }
        let (hw, hh) = (w / 2.0, h / 2.0);
        let m = self.t.mapping();
        (self.sink)(Candidate {
            x1: to_q8(cx - hw, m.scale_x, m.offset_x, self.cfg.hi_x),
            y1: to_q8(cy - hh, m.scale_y, m.offset_y, self.cfg.hi_y),
            x2: to_q8(cx + hw, m.scale_x, m.offset_x, self.cfg.hi_x),
            y2: to_q8(cy + hh, m.scale_y, m.offset_y, self.cfg.hi_y),
            score: conf,
            index: self.first + anchor as u32,
            class: class as u8,
        });
    }
}

/// Whether an anchor whose best class score is `best` and whose class scores sum to `sum` may be
/// a candidate or hold a non-finite score: conservative, the exact test follows. A sum is
/// non-finite iff some term is (or the finite terms overflow, which the exact test then sorts
/// out), and `sum − sum` is 0 exactly for a finite sum.
#[inline(always)]
fn maybe_candidate(best: f32, sum: f32, min_thr: f32) -> bool {
    (best > min_thr) | ((sum - sum) != 0.0)
}

/// Maps a network coordinate into the panorama and converts it to Q8, clamped to `[0, hi]`.
///
/// `v`, `scale`, `offset` are finite, so the result before clamping is finite or ±Inf, never NaN.
/// The clamped value lies in `[0, 2^22]`, where `q − trunc(q)` is exact and the test `≥ 0.5`
/// rounds half away from zero, as `roundf` does.
#[inline(always)]
pub(crate) fn to_q8(v: f32, scale: f32, offset: f32, hi: f32) -> i32 {
    let q = (v * scale + offset) * 256.0;
    let q = if q > 0.0 { q } else { 0.0 };
    let q = if q < hi { q } else { hi };
    let t = q as i32;
    t + ((q - t as f32) >= 0.5) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_q8_rounds_half_away_like_roundf_and_clamps() {
        let hi = (640 << 8) as f32;
        for &(v, want) in &[
            (0.0f32, 0),
            (1.0 / 512.0, 1), // exactly half a Q8 step: away from zero
            (1.0 / 512.0 - 1.0 / 65536.0, 0),
            (10.5, 2688),
            (-3.0, 0),
            (700.0, 640 << 8),
            (f32::INFINITY, 640 << 8),
            (f32::NEG_INFINITY, 0),
        ] {
            assert_eq!(to_q8(v, 1.0, 0.0, hi), want, "v = {v}");
        }
        // Agrees with libm::roundf over a dense sweep of the representable range.
        let mut v = 0.0f32;
        while v < 640.0 {
            let want = libm::roundf(v * 256.0) as i32;
            assert_eq!(to_q8(v, 1.0, 0.0, hi), want, "v = {v}");
            v += 0.000_731;
        }
        // 0.49999997 (the f32 just below 0.5) must not round up, as `(x + 0.5).floor()` would.
        assert_eq!(to_q8(0.499_999_97 / 256.0, 1.0, 0.0, hi), 0);
    }

    #[test]
    fn rank_orders_by_score_then_index() {
        let c = |score: f32, index: u32| Candidate { score, index, ..Default::default() };
        assert!(c(1.5, 9).rank() < c(1.2, 0).rank());
        assert!(c(0.5, 1).rank() < c(0.5, 2).rank());
        assert!(c(0.50001, 2).rank() < c(0.5, 1).rank());
    }
}
