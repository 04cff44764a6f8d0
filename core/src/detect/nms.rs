//! Fixed-point greedy non-maximum suppression.
//!
//! Overlap is decided in integers only. With `thr_q16 = round(iou_threshold · 2^16)`, a box `b` is
//! suppressed by an already kept box `a` iff
//!
//! ```text
//! inter(a, b) · 2^16  >  thr_q16 · union(a, b)        (u64, no division, no float)
//! ```
//!
//! that is iff `IoU(a, b) > thr` — the strict rule of ultralytics/torchvision ("keep while
//! IoU ≤ thr"). `inter` and `union` come from Q8 coordinates (panorama px × 256), with no "+1
//! pixel" convention. A box of zero area (`x2 ≤ x1` or `y2 ≤ y1`) intersects nothing, so its IoU
//! with anything is 0, including with another zero-area box (union 0 ⇒ IoU 0): it is never
//! suppressed and never suppresses.
//!
//! # Why u64 cannot overflow
//!
//! Every coordinate is first clamped to `[-MAX_COORD_Q8, MAX_COORD_Q8]` = ±2^22 (±16384 px, far
//! beyond any panorama pitchcam handles; the decoder's own output lies in `[0, 2^22]`). Then a
//! side is at most 2^23, an area and `inter` at most 2^46, `inter · 2^16` at most 2^62, `union` at
//! most 2^47 and `thr_q16 · union` at most 2^16 · 2^47 = 2^63 < 2^64. Every step is exact integer
//! arithmetic, so x86_64 and aarch64 (or any machine) take identical decisions.

use super::Detection;
use core::cmp::{max, min};
use core::fmt;

/// Largest magnitude of a Q8 coordinate the IoU test accepts unchanged: 2^22 (16384 px).
/// Coordinates beyond are clamped to it before the test, which keeps the u64 arithmetic exact.
pub const MAX_COORD_Q8: i32 = 1 << 22;

/// Q16 value of an IoU threshold of 1.0: `inter · 2^16 > 2^16 · union` never holds.
const IOU_ONE_Q16: u32 = 1 << 16;

/// A validated IoU threshold in Q0.16 (`0 ..= 65536`, i.e. 0.0 ..= 1.0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IouThreshold(u32);

/// The IoU threshold was NaN or outside `[0, 1]` (or its Q16 form above 65536).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BadIouThreshold;

impl fmt::Display for BadIouThreshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IoU threshold must be a number in [0, 1]")
    }
}

impl core::error::Error for BadIouThreshold {}

impl IouThreshold {
    /// Converts a float threshold, rounding to the nearest 1/65536. 0.45 becomes 29491
    /// (0.4499969…): only a float IoU within 3.1e-6 of 0.45 can be decided differently from a float
    /// NMS by the rounding of the threshold alone.
    pub fn new(iou: f32) -> Result<Self, BadIouThreshold> {
        // `!(a <= b)` rejects NaN along with out-of-range values.
        if !(0.0..=1.0).contains(&iou) {
            return Err(BadIouThreshold);
        }
        let q = iou * IOU_ONE_Q16 as f32; // exact: scaling by a power of two
        // Round half away from zero on a non-negative value below 2^17: exact in f32.
        let t = q as u32;
        let q16 = t + ((q - t as f32) >= 0.5) as u32;
        Ok(IouThreshold(q16))
    }

    /// Wraps a Q0.16 threshold (`0 ..= 65536`).
    pub const fn from_q16(q16: u32) -> Result<Self, BadIouThreshold> {
        if q16 > IOU_ONE_Q16 { Err(BadIouThreshold) } else { Ok(IouThreshold(q16)) }
    }

    /// The threshold in Q0.16.
    pub const fn q16(self) -> u32 {
        self.0
    }
}

/// Why [`nms_in_place`] refused its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NmsError {
    /// `max_det` was 0: nothing could ever be kept, which is a caller's mistake.
    MaxDetZero,
}

impl fmt::Display for NmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NmsError::MaxDetZero => f.write_str("max_det must be at least 1"),
        }
    }
}

impl core::error::Error for NmsError {}

/// The suppression test on an intersection of `iw × ih` between boxes of areas `area_a`, `area_b`
/// (Q8², all from coordinates within ±[`MAX_COORD_Q8`]): whether `IoU > thr`.
///
/// This one function decides for both the decoder's NMS and [`nms_in_place`], so the two can never
/// disagree.
#[inline(always)]
pub(crate) fn over_threshold(iw: i32, ih: i32, area_a: u64, area_b: u64, thr_q16: u64) -> bool {
    if iw <= 0 || ih <= 0 {
        return false;
    }
    let inter = iw as u64 * ih as u64;
    // inter ≤ min(area_a, area_b): the intersection lies inside both boxes, so no underflow.
    let union = area_a + area_b - inter;
    (inter << 16) > thr_q16 * union
}

/// A box clamped into the range where the u64 test is exact, with its area.
#[derive(Clone, Copy)]
struct Clamped {
    x1: i32,
    y1: i32,
    x2: i32,
    y2: i32,
    area: u64,
}

#[inline]
fn clamped(d: &Detection) -> Clamped {
    let c = |v: i32| v.clamp(-MAX_COORD_Q8, MAX_COORD_Q8);
    let (x1, y1, x2, y2) = (c(d.x1), c(d.y1), c(d.x2), c(d.y2));
    let area = max(x2 - x1, 0) as u64 * max(y2 - y1, 0) as u64;
    Clamped { x1, y1, x2, y2, area }
}

#[inline]
fn clamped_over(a: &Clamped, b: &Clamped, thr_q16: u64) -> bool {
    let iw = min(a.x2, b.x2) - max(a.x1, b.x1);
    let ih = min(a.y2, b.y2) - max(a.y1, b.y1);
    over_threshold(iw, ih, a.area, b.area, thr_q16)
}

/// Whether `IoU(a, b) > thr`, decided in integers (see the module documentation). Classes are
/// ignored. Coordinates beyond ±[`MAX_COORD_Q8`] are clamped first; inverted boxes have area 0.
pub fn iou_exceeds(a: &Detection, b: &Detection, thr: IouThreshold) -> bool {
    clamped_over(&clamped(a), &clamped(b), thr.0 as u64)
}

/// Greedy NMS in place over detections that carry only their Q0.16 score — the C ABI's `pc_nms`.
///
/// Boxes are visited by score, highest first, ties in their original order (a stable sort); a box
/// is kept iff its IoU with every box kept so far — of its class, or of any class when
/// `class_agnostic` — is ≤ `thr` (decided by [`iou_exceeds`]'s rule), until `max_det` are kept.
/// Returns the number kept, `k`: `dets[..k]` holds the kept boxes, score-descending; `dets[k..]`
/// holds the others in unspecified order.
///
/// No allocation and at most ~5 KiB of stack: the sort is an in-place stable merge sort (linear
/// merges through a 2.5 KiB stack buffer, rotations beyond; O(n log² n) moves at worst), the scan
/// costs O(n · k) overlap tests, the first 256 kept boxes mirrored on the stack for a vectorised
/// pre-test.
pub fn nms_in_place(
    dets: &mut [Detection],
    thr: IouThreshold,
    class_agnostic: bool,
    max_det: usize,
) -> Result<usize, NmsError> {
    if max_det == 0 {
        return Err(NmsError::MaxDetZero);
    }
    stable_sort(dets, &|a: &Detection, b: &Detection| a.score > b.score);
    Ok(greedy(dets, thr.0 as u64, class_agnostic, max_det))
}

/// Kept boxes mirrored, clamped, in structure-of-arrays form on the stack (5 KiB) for the
/// vectorised pre-test; kept boxes beyond it are tested from the array itself.
const MIRROR: usize = 256;
/// Kept boxes per step of the pre-test.
const GROUP: usize = 8;

/// The greedy scan over `dets` sorted by priority; returns the number kept (moved to the front).
/// Not inlined, so its stack frame never coexists with the sort's merge buffer.
#[inline(never)]
fn greedy(dets: &mut [Detection], thr_q16: u64, class_agnostic: bool, max_det: usize) -> usize {
    let mut m = Mirror {
        x1: [0; MIRROR],
        y1: [0; MIRROR],
        x2: [0; MIRROR],
        y2: [0; MIRROR],
        class: [0; MIRROR],
    };
    let mut kept = 0usize;
    for i in 0..dets.len() {
        if kept == max_det {
            break;
        }
        let c = clamped(&dets[i]);
        let class = dets[i].class as i32;
        let mirrored = min(kept, MIRROR);
        let suppressed = m.suppresses(mirrored, &c, class, class_agnostic, thr_q16)
            || dets[mirrored..kept].chunks(GROUP).any(|group| {
                // Raw coordinates: clamping is monotone, so it can shrink an overlap to nothing
                // but never create one, and the exact test below clamps.
                let touch =
                    |k: &Detection| (c.x1 < k.x2) & (k.x1 < c.x2) & (c.y1 < k.y2) & (k.y1 < c.y2);
                let same = |k: &Detection| class_agnostic | (k.class as i32 == class);
                group.iter().fold(false, |any, k| any | (touch(k) & same(k)))
                    && group.iter().any(|k| same(k) && clamped_over(&clamped(k), &c, thr_q16))
            });
        if !suppressed {
            if kept < MIRROR {
                m.x1[kept] = c.x1;
                m.y1[kept] = c.y1;
                m.x2[kept] = c.x2;
                m.y2[kept] = c.y2;
                m.class[kept] = class;
            }
            // dets[kept..i] holds boxes already decided as suppressed, so their order is free:
            // swapping keeps the unvisited tail dets[i + 1..] in sorted order.
            dets.swap(kept, i);
            kept += 1;
        }
    }
    kept
}

struct Mirror {
    x1: [i32; MIRROR],
    y1: [i32; MIRROR],
    x2: [i32; MIRROR],
    y2: [i32; MIRROR],
    class: [i32; MIRROR],
}

impl Mirror {
    /// Whether one of the first `n` mirrored boxes suppresses `c`. Overlap of the clamped open
    /// intervals (and the class) is what the exact test needs first; tested branch-free over
    /// groups of `GROUP` boxes, the exact test runs only in a group where some box passed.
    #[inline]
    fn suppresses(&self, n: usize, c: &Clamped, class: i32, agnostic: bool, thr: u64) -> bool {
        let touch = |k: usize| {
            (c.x1 < self.x2[k])
                & (self.x1[k] < c.x2)
                & (c.y1 < self.y2[k])
                & (self.y1[k] < c.y2)
                & (agnostic | (self.class[k] == class))
        };
        let exceeds = |k: usize| {
            let iw = min(c.x2, self.x2[k]) - max(c.x1, self.x1[k]);
            let ih = min(c.y2, self.y2[k]) - max(c.y1, self.y1[k]);
            // An inverted box (x2 < x1) is mirrored as it is: area 0, as `clamped` defines.
            let area =
                max(self.x2[k] - self.x1[k], 0) as u64 * max(self.y2[k] - self.y1[k], 0) as u64;
            over_threshold(iw, ih, c.area, area, thr)
        };
        let full = n - n % GROUP;
        let mut j = 0;
        while j < full {
            if (j..j + GROUP).fold(false, |any, k| any | touch(k))
                && (j..j + GROUP).any(|k| touch(k) && exceeds(k))
            {
                return true;
            }
            j += GROUP;
        }
        (full..n).any(|k| touch(k) && exceeds(k))
    }
}

/// Length of the runs sorted by insertion before merging.
const RUN: usize = 32;
/// Elements of the on-stack merge buffer (2.5 KiB of detections): a merge whose shorter run fits
/// is a plain linear merge; longer ones are first split by rotation until the pieces fit.
const MERGE_BUF: usize = 128;

/// Stable in-place sort by the strict order `before` (`before(a, b)`: `a` must come first),
/// without allocation: insertion-sorted runs, then bottom-up merges (buffered when the shorter run
/// fits [`MERGE_BUF`], by rotation otherwise).
pub(crate) fn stable_sort<T: Copy>(v: &mut [T], before: &impl Fn(&T, &T) -> bool) {
    let Some(&first) = v.first() else { return };
    for run in v.chunks_mut(RUN) {
        insertion_sort(run, before);
    }
    let mut buf = [first; MERGE_BUF];
    let n = v.len();
    let mut width = RUN;
    while width < n {
        let mut lo = 0;
        while lo + width < n {
            let hi = min(lo + 2 * width, n);
            merge_in_place(&mut v[lo..hi], width, before, &mut buf);
            lo = hi;
        }
        width *= 2;
    }
}

fn insertion_sort<T: Copy>(v: &mut [T], before: &impl Fn(&T, &T) -> bool) {
    for i in 1..v.len() {
        let x = v[i];
        let mut j = i;
        while j > 0 && before(&x, &v[j - 1]) {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = x;
    }
}

/// Merges the sorted runs `v[..mid]` and `v[mid..]` stably, in place. When the shorter run fits
/// `buf`, it is copied out and merged back linearly. Otherwise split the longer run at its middle,
/// find where that element belongs in the other run by binary search, rotate the two middle
/// pieces past each other, and merge the two independent halves that result; recursion goes into
/// the shorter half only, so the stack depth stays O(log n).
fn merge_in_place<T: Copy>(
    mut v: &mut [T],
    mut mid: usize,
    before: &impl Fn(&T, &T) -> bool,
    buf: &mut [T; MERGE_BUF],
) {
    loop {
        let (len1, len2) = (mid, v.len() - mid);
        if len1 == 0 || len2 == 0 {
            return;
        }
        if len1 <= MERGE_BUF && len1 <= len2 {
            // Forward: a right element goes first only when strictly before (stability).
            buf[..len1].copy_from_slice(&v[..mid]);
            let (mut i, mut j, mut k) = (0, mid, 0);
            while i < len1 && j < v.len() {
                if before(&v[j], &buf[i]) {
                    v[k] = v[j];
                    j += 1;
                } else {
                    v[k] = buf[i];
                    i += 1;
                }
                k += 1;
            }
            v[k..k + len1 - i].copy_from_slice(&buf[i..len1]);
            return;
        }
        if len2 <= MERGE_BUF {
            // Backward: a left element goes last only when the right one is strictly before it.
            buf[..len2].copy_from_slice(&v[mid..]);
            let (mut i, mut j, mut k) = (mid, len2, v.len());
            while i > 0 && j > 0 {
                k -= 1;
                if before(&buf[j - 1], &v[i - 1]) {
                    v[k] = v[i - 1];
                    i -= 1;
                } else {
                    v[k] = buf[j - 1];
                    j -= 1;
                }
            }
            v[..j].copy_from_slice(&buf[..j]);
            return;
        }
        let (cut1, cut2) = if len1 >= len2 {
            let cut1 = len1 / 2;
            let pivot = v[cut1];
            // Right-run elements strictly before the pivot move ahead of it; equal ones stay
            // behind it (stability).
            (cut1, mid + v[mid..].partition_point(|x| before(x, &pivot)))
        } else {
            let cut2 = mid + len2 / 2;
            let pivot = v[cut2];
            // Left-run elements not after the pivot stay ahead of it (stability).
            (v[..mid].partition_point(|x| !before(&pivot, x)), cut2)
        };
        v[cut1..cut2].rotate_left(mid - cut1);
        let split = cut1 + (cut2 - mid);
        let (left, right) = v.split_at_mut(split);
        // left = merge(v[..cut1], moved right piece), right = merge(moved left piece, v[cut2..]).
        let (lmid, rmid) = (cut1, mid - cut1);
        if left.len() <= right.len() {
            merge_in_place(left, lmid, before, buf);
            v = right;
            mid = rmid;
        } else {
            merge_in_place(right, rmid, before, buf);
            v = left;
            mid = lmid;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(x1: i32, y1: i32, x2: i32, y2: i32, score: u16, class: u8) -> Detection {
        Detection { x1, y1, x2, y2, score, class, reserved: 0 }
    }

    #[test]
    fn threshold_rounds_to_nearest_q16_and_rejects_bad_values() {
        assert_eq!(IouThreshold::new(0.45).unwrap().q16(), 29491);
        assert_eq!(IouThreshold::new(0.0).unwrap().q16(), 0);
        assert_eq!(IouThreshold::new(1.0).unwrap().q16(), 65536);
        assert_eq!(IouThreshold::new(0.5).unwrap().q16(), 32768);
        assert!(IouThreshold::new(f32::NAN).is_err());
        assert!(IouThreshold::new(-0.01).is_err());
        assert!(IouThreshold::new(1.01).is_err());
        assert!(IouThreshold::from_q16(65537).is_err());
    }

    #[test]
    fn iou_exceeds_is_strict_and_exact() {
        // Two 2×1 boxes overlapping by 1×1: IoU = 1/3.
        let a = det(0, 0, 2, 1, 0, 0);
        let b = det(1, 0, 3, 1, 0, 0);
        // thr = 21845/65536 < 1/3 < 21846/65536.
        assert!(iou_exceeds(&a, &b, IouThreshold::from_q16(21845).unwrap()));
        assert!(!iou_exceeds(&a, &b, IouThreshold::from_q16(21846).unwrap()));
        // IoU exactly 1/2 (equal to the threshold) is kept: suppression needs IoU > thr.
        let c = det(0, 0, 4, 1, 0, 0);
        let d = det(0, 0, 2, 1, 0, 0);
        assert!(!iou_exceeds(&c, &d, IouThreshold::new(0.5).unwrap()));
        // Identical boxes never exceed 1.0.
        assert!(!iou_exceeds(&c, &c, IouThreshold::new(1.0).unwrap()));
        assert!(iou_exceeds(&c, &c, IouThreshold::new(0.999).unwrap()));
    }

    #[test]
    fn zero_area_and_extreme_boxes_are_defined() {
        let zero = det(10, 10, 10, 20, 0, 0);
        let thr0 = IouThreshold::new(0.0).unwrap();
        assert!(!iou_exceeds(&zero, &zero, thr0));
        assert!(!iou_exceeds(&zero, &det(0, 0, 100, 100, 0, 0), thr0));
        let inverted = det(20, 20, 10, 10, 0, 0);
        assert!(!iou_exceeds(&inverted, &det(0, 0, 100, 100, 0, 0), thr0));
        // i32 extremes are clamped into the exact range instead of overflowing.
        let huge = det(i32::MIN, i32::MIN, i32::MAX, i32::MAX, 0, 0);
        assert!(!iou_exceeds(&huge, &huge, IouThreshold::new(1.0).unwrap()));
        assert!(iou_exceeds(&huge, &huge, IouThreshold::new(0.99).unwrap()));
    }

    #[test]
    fn stable_sort_keeps_equal_keys_in_order() {
        // Sizes around the run length and the merge buffer, and far beyond it (rotation merges);
        // few distinct keys (many ties) and many.
        let mut s = 12345u32;
        for n in [0, 1, 2, 15, 16, 17, 127, 128, 129, 300, 1000, 3001] {
            for keys in [3, 7, 1000] {
                let mut v = [0u32; 3001];
                for (i, x) in v[..n].iter_mut().enumerate() {
                    s ^= s << 13;
                    s ^= s >> 17;
                    s ^= s << 5;
                    *x = (s % keys) << 16 | i as u32;
                }
                stable_sort(&mut v[..n], &|a: &u32, b: &u32| (a >> 16) > (b >> 16));
                for w in v[..n].windows(2) {
                    let (a, b) = (w[0], w[1]);
                    assert!(a >> 16 > b >> 16 || (a >> 16 == b >> 16 && a & 0xffff < b & 0xffff));
                }
                let mut seen = [false; 3001];
                for x in &v[..n] {
                    assert!(!core::mem::replace(&mut seen[(x & 0xffff) as usize], true));
                }
            }
        }
    }

    #[test]
    fn nms_in_place_keeps_best_first_and_respects_classes() {
        let mut v = [
            det(0, 0, 100, 100, 100, 1),
            det(5, 5, 105, 105, 200, 1),    // best of class 1
            det(5, 5, 105, 105, 150, 2),    // same place, other class
            det(500, 0, 600, 100, 200, 1),  // tie with the best, later: second
            det(1000, 0, 900, 100, 300, 1), // inverted, highest score: kept, overlaps nothing
        ];
        let thr = IouThreshold::new(0.45).unwrap();
        let n = nms_in_place(&mut v, thr, false, 10).unwrap();
        assert_eq!(n, 4);
        assert_eq!(
            v[..n].iter().map(|d| (d.score, d.class, d.x1)).collect::<heapless::Vec<_, 8>>(),
            [(300, 1, 1000), (200, 1, 5), (200, 1, 500), (150, 2, 5)]
        );
        let n = nms_in_place(&mut v, thr, true, 10).unwrap();
        assert_eq!(n, 3);
        let n = nms_in_place(&mut v, thr, true, 2).unwrap();
        assert_eq!(n, 2);
        assert_eq!(nms_in_place(&mut v, thr, true, 0), Err(NmsError::MaxDetZero));
        assert_eq!(nms_in_place(&mut [], thr, true, 1), Ok(0));
    }
}
