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
//! The scan reads each value at most once. For the usual channels-first layout it streams the
//! class rows 16 anchors (one cache line per row) at a time, computing each lane's best score and
//! a NaN/Inf guard without branches, and notes the few anchors that may be candidates (~3 % on a
//! football frame). Only then does it read the box rows, for those anchors only, in batches of
//! branch-free loads so that their cache misses overlap; the exact, scalar decision follows. The
//! box rows of every other anchor (40 % of the tensor) are never touched. Each kernel is compiled
//! per class count, so loops over classes unroll.

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

/// Where the scan puts candidates (the detector's capped pool). A trait rather than a closure so
/// the per-candidate call is inlined into the scan loops.
pub(crate) trait Sink {
    /// Takes one candidate; called in global anchor order.
    fn offer(&mut self, c: Candidate);
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
    sink: &mut impl Sink,
) {
    let nc = t.classes() as usize;
    // Necessary for any candidate: conf > thr[class] ≥ min over the tensor's classes.
    let min_thr = cfg.thr[..nc].iter().fold(f32::INFINITY, |m, &v| if v < m { v } else { m });
    let mut a = Anchors { t, first, cfg, counts, sink };
    // One kernel per class count, so the loops over classes unroll and the anchors-first row
    // length is a constant. `Tensor::new` admits 1 ..= MAX_CLASSES (= 16) classes.
    macro_rules! by_classes {
        ($($n:literal)*) => {
            match (t.layout(), nc) {
                $((TensorLayout::ChannelsFirst, $n) => a.channels_first::<$n>(min_thr),)*
                $((TensorLayout::AnchorsFirst, $n) => a.anchors_first::<$n>(min_thr),)*
                (TensorLayout::ChannelsFirst, _) => a.channels_first::<MAX_CLASSES>(min_thr),
                (TensorLayout::AnchorsFirst, _) => a.anchors_first::<MAX_CLASSES>(min_thr),
            }
        };
    }
    const _: () = assert!(MAX_CLASSES == 16);
    by_classes!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
}

/// Anchors that may be candidates, collected by the class-row pass of a channels-first scan
/// before their box rows are read.
const HITS: usize = 256;
/// Box values gathered at once: loads with no branch between them, so the scattered box-row
/// cache misses overlap instead of being paid one after the other.
const GATHER: usize = 32;

struct Anchors<'s, 't, S> {
    t: &'s Tensor<'t>,
    first: u32,
    cfg: &'s ScanConfig,
    counts: &'s mut ScanCounts,
    sink: &'s mut S,
}

impl<S: Sink> Anchors<'_, '_, S> {
    /// `[4 + NC, A]`: stream the NC class rows `LANES` anchors at a time, note the anchors that
    /// may be candidates, then read the box rows of those anchors only.
    fn channels_first<const NC: usize>(&mut self, min_thr: f32) {
        let data = self.t.data();
        let a = self.t.anchors() as usize;
        let rows: [&[f32]; NC] = core::array::from_fn(|c| &data[(4 + c) * a..(5 + c) * a]);
        let mut hits = [0u32; HITS];
        let mut n = 0;
        let full = a - a % LANES;
        let mut base = 0;
        while base < full {
            let mut best = [f32::NEG_INFINITY; LANES];
            let mut sum = [0.0f32; LANES];
            for row in &rows {
                let row: &[f32; LANES] = row[base..base + LANES].try_into().expect("LANES values");
                for l in 0..LANES {
                    let v = row[l];
                    best[l] = if v > best[l] { v } else { best[l] };
                    sum[l] += v;
                }
            }
            let mut any = false;
            let mut non_finite = false;
            for (&b, &s) in best.iter().zip(&sum) {
                any |= b > min_thr;
                non_finite |= !s.is_finite();
            }
            // Rare (a few % of groups): note the lanes that may be candidates; with a non-finite
            // score somewhere, every lane, and the exact test sorts them out.
            if any | non_finite {
                for (l, &b) in best.iter().enumerate() {
                    if non_finite || b > min_thr {
                        self.hit(&rows, &mut hits, &mut n, base + l);
                    }
                }
            }
            base += LANES;
        }
        for i in full..a {
            let (mut best, mut sum) = (f32::NEG_INFINITY, 0.0f32);
            for row in &rows {
                let v = row[i];
                best = if v > best { v } else { best };
                sum += v;
            }
            if maybe_candidate(best, sum, min_thr) {
                self.hit(&rows, &mut hits, &mut n, i);
            }
        }
        self.channels_first_hits(&rows, &hits[..n]);
    }

    /// Notes anchor `i` as a hit; a full buffer is processed at once.
    #[inline(always)]
    fn hit<const NC: usize>(
        &mut self,
        rows: &[&[f32]; NC],
        hits: &mut [u32; HITS],
        n: &mut usize,
        i: usize,
    ) {
        hits[*n] = i as u32;
        *n += 1;
        if *n == HITS {
            self.channels_first_hits(rows, hits);
            *n = 0;
        }
    }

    fn channels_first_hits<const NC: usize>(&mut self, rows: &[&[f32]; NC], hits: &[u32]) {
        let data = self.t.data();
        let a = self.t.anchors() as usize;
        for group in hits.chunks(GATHER) {
            let mut boxes = [[0.0f32; 4]; GATHER];
            for (b, &i) in boxes.iter_mut().zip(group) {
                let i = i as usize;
                *b = [data[i], data[a + i], data[2 * a + i], data[3 * a + i]];
            }
            for (b, &i) in boxes.iter().zip(group) {
                let scores: [f32; NC] = core::array::from_fn(|c| rows[c][i as usize]);
                self.anchor(i as usize, &scores, *b);
            }
        }
    }

    /// `[A, 4 + NC]`: each anchor's values are contiguous; one pass. A group of `LANES`
    /// anchors is one contiguous run of `LANES · (4 + NC)` values, tested at once against a
    /// per-position pattern (box values can never flag the group, scores flag it when above the
    /// lowest threshold or non-finite), which vectorises despite the odd row length; only flagged
    /// groups are looked at anchor by anchor.
    fn anchors_first<const NC: usize>(&mut self, min_thr: f32) {
        let data = self.t.data();
        let rows = 4 + NC;
        let len = LANES * rows;
        let mut thr = [f32::INFINITY; LANES * (4 + MAX_CLASSES)];
        let mut keep = [0u32; LANES * (4 + MAX_CLASSES)];
        for p in (0..len).filter(|p| p % rows >= 4) {
            thr[p] = min_thr;
            keep[p] = u32::MAX;
        }
        let (thr, keep) = (&thr[..len], &keep[..len]);
        let mut groups = data.chunks_exact(len);
        for (g, group) in groups.by_ref().enumerate() {
            let mut any = false;
            let mut non_finite = false;
            for p in 0..len {
                let v = group[p];
                any |= v > thr[p];
                // Box values are masked to 0.0: only scores count here.
                non_finite |= !f32::from_bits(v.to_bits() & keep[p]).is_finite();
            }
            if any | non_finite {
                for (k, row) in group.chunks_exact(rows).enumerate() {
                    self.anchors_first_one::<NC>(g * LANES + k, row, min_thr);
                }
            }
        }
        let first = data.len() / len * LANES;
        for (k, row) in groups.remainder().chunks_exact(rows).enumerate() {
            self.anchors_first_one::<NC>(first + k, row, min_thr);
        }
    }

    #[inline(always)]
    fn anchors_first_one<const NC: usize>(&mut self, i: usize, row: &[f32], min_thr: f32) {
        let scores: &[f32; NC] = row[4..].try_into().expect("NC scores");
        let (mut best, mut sum) = (f32::NEG_INFINITY, 0.0f32);
        for &v in scores {
            best = if v > best { v } else { best };
            sum += v;
        }
        if maybe_candidate(best, sum, min_thr) {
            self.anchor(i, scores, [row[0], row[1], row[2], row[3]]);
        }
    }

    /// The exact decision for `anchor` with class scores `scores` and box `[cx, cy, w, h]`.
    /// Inlined so the scores stay in registers (a call would store them and reload them as one
    /// vector, which defeats store forwarding).
    #[inline(always)]
    fn anchor<const NC: usize>(&mut self, anchor: usize, scores: &[f32; NC], b: [f32; 4]) {
        let mut conf = scores[0];
        let mut class = 0;
        let mut finite = conf.is_finite();
        for (c, &v) in scores.iter().enumerate().skip(1) {
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
        // `conf` is finite here, so `<=` is the exact negation of the strict `conf > thr`.
        if conf <= self.cfg.thr[class] {
            return;
        }
        let [cx, cy, w, h] = b;
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
        self.sink.offer(Candidate {
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
/// out). `best` ignores NaN (`v > best` is false), the sum does not.
#[inline(always)]
fn maybe_candidate(best: f32, sum: f32, min_thr: f32) -> bool {
    (best > min_thr) | !sum.is_finite()
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
