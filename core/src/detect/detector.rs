//! [`Detector`]: one frame's tensors in, a short score-descending list of [`Detection`]s out —
//! decode, candidate cap, one fixed-point NMS over all tensors (so tiles merge).

use super::decode::{self, Candidate, ScanConfig, ScanCounts, Sink};
use super::nms::over_threshold;
use super::params::{DetectError, DetectParams};
use super::{Detection, MAX_CLASSES, Tensor, score_q16};
use arrayvec::ArrayVec;
use core::cmp::{max, min};
use core::fmt;

/// Per-class NMS moves each class `class · 2^23` Q8 units (32768 px) to the right in its own
/// scratch copy of the boxes. Boxes lie in `[0, 2^22]`, so boxes of different classes can never
/// intersect and one branch-free overlap loop serves both per-class and class-agnostic NMS. The
/// largest shifted coordinate, `15 · 2^23 + 2^22 < 2^27`, fits an i32 with room to spare, and
/// intersections (differences of same-class coordinates) are unchanged.
const CLASS_STRIDE: i32 = 1 << 23;
const _: () = assert!((MAX_CLASSES as i64 - 1) * CLASS_STRIDE as i64 + (1 << 22) < i32::MAX as i64);

/// Kept boxes compared per step of the overlap test.
const KEPT_LANES: usize = 8;

/// What happened to one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FrameStats {
    /// Anchors scanned, over all tensors.
    pub anchors: u32,
    /// Anchors that passed their class threshold with finite, sane values (before the cap).
    pub candidates: u32,
    /// Candidates dropped by the pre-NMS cap (the lowest scores).
    pub capped: u32,
    /// Anchors skipped for a NaN/Inf class score, or candidates skipped for a NaN/Inf box value.
    pub non_finite: u32,
    /// Candidates skipped for a negative width/height or a value beyond
    /// ±[`super::decode::MAX_NET_PX`].
    pub bad_size: u32,
    /// Boxes the NMS kept (≤ `max_det`), whether or not they fit the output.
    pub kept: u32,
    /// Boxes written to the output: `min(kept, output capacity)`.
    pub written: u32,
}

impl FrameStats {
    /// Kept boxes that did not fit the output (the lowest scores were left out).
    pub fn truncated(&self) -> u32 {
        self.kept - self.written
    }
}

/// Counters summed over every frame a [`Detector`] accepted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DetectTotals {
    /// Frames processed (refused frames are not counted anywhere).
    pub frames: u64,
    /// Sum of [`FrameStats::anchors`].
    pub anchors: u64,
    /// Sum of [`FrameStats::candidates`].
    pub candidates: u64,
    /// Sum of [`FrameStats::capped`].
    pub capped: u64,
    /// Sum of [`FrameStats::non_finite`].
    pub non_finite: u64,
    /// Sum of [`FrameStats::bad_size`].
    pub bad_size: u64,
    /// Sum of [`FrameStats::kept`].
    pub kept: u64,
    /// Sum of [`FrameStats::truncated`].
    pub truncated: u64,
}

/// Decode + fixed-point NMS with preallocated scratch for `CAND` candidates.
///
/// A frame's candidates beyond `min(params.pre_nms_cap, CAND)` are dropped lowest score first and
/// counted, never reallocated. The scratch takes 64 bytes per candidate (`CAND = 4096`: 256 KiB),
/// so a large detector belongs in a `static`, a `Box` or the caller's own storage rather than on
/// a thread's stack: [`Detector::new`] is a `const fn`, and every field is plain integers and
/// floats for which all-zero bytes are a valid value (what `new` builds), so a C caller may also
/// allocate it zeroed.
///
/// One detector serves one thread; calls are independent frames. Results depend only on the
/// inputs: the same tensors and parameters give the same detections on any machine.
pub struct Detector<const CAND: usize> {
    /// This frame's candidates; in global anchor order once the scan is over.
    cands: [Candidate; CAND],
    /// NMS visiting order: `rank` of the score, then the slot in `cands`.
    order: [u64; CAND],
    /// Kept boxes in structure-of-arrays form (class-shifted, see [`CLASS_STRIDE`]) for the
    /// vectorised overlap test, and the slot each came from.
    kx1: [i32; CAND],
    ky1: [i32; CAND],
    kx2: [i32; CAND],
    ky2: [i32; CAND],
    karea: [u64; CAND],
    kslot: [u32; CAND],
    /// Boxes kept in the last frame.
    nk: usize,
    last: FrameStats,
    totals: DetectTotals,
}

impl<const CAND: usize> Detector<CAND> {
    /// An empty detector (all zeros).
    pub const fn new() -> Self {
        const {
            assert!(CAND >= 1 && CAND <= u32::MAX as usize, "CAND must be in 1..=u32::MAX");
        }
        Detector {
            cands: [Candidate::ZERO; CAND],
            order: [0; CAND],
            kx1: [0; CAND],
            ky1: [0; CAND],
            kx2: [0; CAND],
            ky2: [0; CAND],
            karea: [0; CAND],
            kslot: [0; CAND],
            nk: 0,
            last: FrameStats {
                anchors: 0,
                candidates: 0,
                capped: 0,
                non_finite: 0,
                bad_size: 0,
                kept: 0,
                written: 0,
            },
            totals: DetectTotals {
                frames: 0,
                anchors: 0,
                candidates: 0,
                capped: 0,
                non_finite: 0,
                bad_size: 0,
                kept: 0,
                truncated: 0,
            },
        }
    }

    /// Candidate capacity.
    pub const fn capacity(&self) -> usize {
        CAND
    }

    /// Decodes one frame's tensors, runs one NMS over all their candidates and writes the kept
    /// boxes, score-descending, to the front of `out`.
    ///
    /// When `out` is shorter than the number kept, the lowest-scoring kept boxes are left out and
    /// [`FrameStats::kept`] still says how many there were (the C ABI reports that as "out_cap too
    /// small"); [`Detector::kept`] yields all of them until the next frame. Zero tensors is an
    /// empty frame. On error nothing is written and no counter changes.
    pub fn detect(
        &mut self,
        tensors: &[Tensor<'_>],
        params: &DetectParams,
        out: &mut [Detection],
    ) -> Result<FrameStats, DetectError> {
        let mut stats = self.run(tensors, params)?;
        let written = min(self.nk, out.len());
        for (o, &slot) in out.iter_mut().zip(&self.kslot[..written]) {
            *o = self.cands[slot as usize].detection();
        }
        stats.written = written as u32;
        self.record(stats);
        Ok(stats)
    }

    /// [`Detector::detect`] into a fixed-capacity vector, which is cleared first and receives at
    /// most `OUT` boxes (the best ones).
    pub fn detect_into<const OUT: usize>(
        &mut self,
        tensors: &[Tensor<'_>],
        params: &DetectParams,
        out: &mut ArrayVec<Detection, OUT>,
    ) -> Result<FrameStats, DetectError> {
        let mut stats = self.run(tensors, params)?;
        out.clear();
        for &slot in self.kslot[..self.nk].iter().take(OUT) {
            out.push(self.cands[slot as usize].detection());
        }
        stats.written = out.len() as u32;
        self.record(stats);
        Ok(stats)
    }

    /// Every box kept in the last accepted frame, score-descending (including those that did not
    /// fit its output).
    pub fn kept(&self) -> impl ExactSizeIterator<Item = Detection> + '_ {
        self.kslot[..self.nk].iter().map(|&slot| self.cands[slot as usize].detection())
    }

    /// Statistics of the last accepted frame.
    pub fn last_stats(&self) -> FrameStats {
        self.last
    }

    /// Counters over every accepted frame.
    pub fn totals(&self) -> DetectTotals {
        self.totals
    }

    fn record(&mut self, s: FrameStats) {
        self.last = s;
        let t = &mut self.totals;
        t.frames += 1;
        t.anchors += s.anchors as u64;
        t.candidates += s.candidates as u64;
        t.capped += s.capped as u64;
        t.non_finite += s.non_finite as u64;
        t.bad_size += s.bad_size as u64;
        t.kept += s.kept as u64;
        t.truncated += s.truncated() as u64;
    }

    /// Scan, cap, order and NMS; leaves the kept slots in `kslot[..nk]`.
    fn run(
        &mut self,
        tensors: &[Tensor<'_>],
        params: &DetectParams,
    ) -> Result<FrameStats, DetectError> {
        let chk = params.checked()?;
        let total: u64 = tensors.iter().map(|t| t.anchors() as u64).sum();
        let anchors = u32::try_from(total).map_err(|_| DetectError::TooManyAnchors)?;

        let cfg = ScanConfig { thr: params.conf, hi_x: chk.hi_x, hi_y: chk.hi_y };
        let mut counts = ScanCounts::default();
        let mut pool = Pool::new(&mut self.cands, min(params.pre_nms_cap, CAND));
        let mut first = 0u32;
        for t in tensors {
            decode::scan(t, first, &cfg, &mut counts, &mut pool);
            first += t.anchors();
        }
        let candidates = pool.offered;
        let n = pool.finish();

        // Candidates now sit in global anchor order, so their slot breaks score ties exactly as
        // the global index would.
        for (slot, (key, c)) in self.order[..n].iter_mut().zip(&self.cands[..n]).enumerate() {
            *key = (c.rank() & !0xffff_ffff) | slot as u64;
        }
        self.order[..n].sort_unstable();
        self.nms(n, chk.iou_q16, params.max_det, params.class_agnostic);

        Ok(FrameStats {
            anchors,
            candidates,
            capped: candidates - n as u32,
            non_finite: counts.non_finite,
            bad_size: counts.bad_size,
            kept: self.nk as u32,
            written: 0,
        })
    }

    /// Greedy NMS over the first `n` candidates in `order`.
    fn nms(&mut self, n: usize, thr_q16: u64, max_det: usize, class_agnostic: bool) {
        let mut nk = 0;
        for &key in &self.order[..n] {
            if nk == max_det {
                break;
            }
            let slot = key as u32;
            let c = &self.cands[slot as usize];
            let shift = if class_agnostic { 0 } else { c.class as i32 * CLASS_STRIDE };
            let b = [c.x1 + shift, c.y1, c.x2 + shift, c.y2];
            // Decoded boxes are ordered (x1 ≤ x2, y1 ≤ y2) and within [0, 2^22]: exact in u64.
            let area = (c.x2 - c.x1) as u64 * (c.y2 - c.y1) as u64;
            let kept = Kept {
                x1: &self.kx1[..nk],
                y1: &self.ky1[..nk],
                x2: &self.kx2[..nk],
                y2: &self.ky2[..nk],
                area: &self.karea[..nk],
            };
            if !kept.suppresses(b, area, thr_q16) {
                self.kx1[nk] = b[0];
                self.ky1[nk] = b[1];
                self.kx2[nk] = b[2];
                self.ky2[nk] = b[3];
                self.karea[nk] = area;
                self.kslot[nk] = slot;
                nk += 1;
            }
        }
        self.nk = nk;
    }
}

impl<const CAND: usize> Default for Detector<CAND> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const CAND: usize> fmt::Debug for Detector<CAND> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Detector")
            .field("capacity", &CAND)
            .field("last", &self.last)
            .field("totals", &self.totals)
            .finish_non_exhaustive()
    }
}

impl Candidate {
    const ZERO: Candidate =
        Candidate { x1: 0, y1: 0, x2: 0, y2: 0, score: 0.0, index: 0, class: 0 };

    fn detection(&self) -> Detection {
        Detection {
            x1: self.x1,
            y1: self.y1,
            x2: self.x2,
            y2: self.y2,
            score: score_q16(self.score),
            class: self.class,
            reserved: 0,
        }
    }
}

/// The kept boxes so far.
struct Kept<'a> {
    x1: &'a [i32],
    y1: &'a [i32],
    x2: &'a [i32],
    y2: &'a [i32],
    area: &'a [u64],
}

impl Kept<'_> {
    /// Whether any kept box overlaps `b` with IoU over the threshold. Most kept boxes do not
    /// touch `b` at all, so a branch-free, vectorisable interval test over `KEPT_LANES` boxes
    /// (compares and ands only, native on every SIMD ISA) comes first, and the exact u64 test
    /// runs only for the boxes that intersect `b`.
    #[inline]
    fn suppresses(&self, b: [i32; 4], area: u64, thr_q16: u64) -> bool {
        let n = self.x1.len();
        let full = n - n % KEPT_LANES;
        let mut j = 0;
        while j < full {
            let lanes = |v: &[i32]| -> [i32; KEPT_LANES] {
                v[j..j + KEPT_LANES].try_into().expect("KEPT_LANES values")
            };
            let (x1, y1, x2, y2) = (lanes(self.x1), lanes(self.y1), lanes(self.x2), lanes(self.y2));
            let mut touch = false;
            for l in 0..KEPT_LANES {
                // Open intervals overlap ⇔ the intersection has positive width and height.
                touch |= (b[0] < x2[l]) & (x1[l] < b[2]) & (b[1] < y2[l]) & (y1[l] < b[3]);
            }
            if touch && (j..j + KEPT_LANES).any(|k| self.exceeds(k, b, area, thr_q16)) {
                return true;
            }
            j += KEPT_LANES;
        }
        (full..n).any(|k| self.exceeds(k, b, area, thr_q16))
    }

    #[inline(always)]
    fn exceeds(&self, k: usize, b: [i32; 4], area: u64, thr_q16: u64) -> bool {
        let iw = min(b[2], self.x2[k]) - max(b[0], self.x1[k]);
        let ih = min(b[3], self.y2[k]) - max(b[1], self.y1[k]);
        over_threshold(iw, ih, area, self.area[k], thr_q16)
    }
}

/// The candidate scratch while scanning: fills up to `cap`, then keeps the best `cap` in a
/// max-heap on `rank` (root = worst kept), so capping is exact and deterministic: the kept set is
/// the `cap` best by (score desc, index asc), whatever the arrival order.
struct Pool<'a> {
    cands: &'a mut [Candidate],
    n: usize,
    cap: usize,
    heap: bool,
    offered: u32,
}

impl<'a> Pool<'a> {
    fn new(cands: &'a mut [Candidate], cap: usize) -> Self {
        Pool { cands, n: 0, cap, heap: false, offered: 0 }
    }

    /// Puts the pool back in global anchor order and returns its size.
    fn finish(self) -> usize {
        if self.heap {
            self.cands[..self.n].sort_unstable_by_key(|c| c.index);
        }
        self.n
    }
}

impl Sink for Pool<'_> {
    #[inline(always)]
    fn offer(&mut self, c: Candidate) {
        self.offered += 1;
        if self.n < self.cap {
            self.cands[self.n] = c;
            self.n += 1;
            return;
        }
        let heap = &mut self.cands[..self.cap];
        if !self.heap {
            for i in (0..heap.len() / 2).rev() {
                sift_down(heap, i);
            }
            self.heap = true;
        }
        if c.rank() < heap[0].rank() {
            heap[0] = c;
            sift_down(heap, 0);
        }
    }
}

/// Restores the max-heap property (largest rank at the root) below `i`.
fn sift_down(h: &mut [Candidate], mut i: usize) {
    loop {
        let l = 2 * i + 1;
        if l >= h.len() {
            return;
        }
        let r = l + 1;
        let m = if r < h.len() && h[r].rank() > h[l].rank() { r } else { l };
        if h[m].rank() <= h[i].rank() {
            return;
        }
        h.swap(i, m);
        i = m;
    }
}
