//! [`DelayRing`]: the 7-second store of frame handles, keyed by PTS.
//!
//! The playback thread owns one ring. Frames enter in arrival order with [`DelayRing::push`]; the
//! playback clock looks them up by PTS ([`DelayRing::at_or_before`] and friends). The ring's
//! guarantees, stated as facts:
//!
//! * **Fixed storage.** `N` entries live inline (a fixed array of slots); the ring never allocates
//!   and can live in a `static` ([`DelayRing::new`] is `const`). A ring may also hold fewer than
//!   `N` entries, chosen at run time ([`DelayRing::with_limit`]) — for a C caller that picks the
//!   delay when it starts, over storage sized for the largest delay allowed.
//! * **O(1) push, O(log N) lookup.** Live entries are strictly increasing in PTS, so every lookup
//!   is a binary search over the ring's two contiguous slices — never a linear scan.
//! * **No handle is ever dropped by the ring.** Every handle that leaves — evicted, rejected,
//!   popped, drained — is handed back to the caller, who releases it on a thread of its choice.
//!   (Dropping the ring itself drops what it still holds; call [`DelayRing::drain`] first.)
//! * **Every input is defined.** Any `u64` PTS, any call order: no panic, never more than its capacity
//!   entries, and each timestamp pathology has a policy and a counter ([`RingCounters`]).
//!
//! # Timestamp policy
//!
//! A pushed PTS is compared with the newest *live* entry `newest`:
//!
//! | PTS | outcome | counter |
//! |---|---|---|
//! | [`CLOCK_TIME_NONE`] (`u64::MAX`) | rejected, [`Reject::NoPts`] | `no_pts` |
//! | `== newest` | rejected, [`Reject::Duplicate`] | `duplicates` |
//! | `< newest`, by at most `restart_threshold_ns` | rejected, [`Reject::Late`] (out of order) | `late` |
//! | `< newest`, by more than `restart_threshold_ns` | stream restart: stored, old entries go stale | `restarts` |
//! | `> newest`, by more than `gap_threshold_ns` | stored, gap recorded | `gaps`, `gap_ns_total`, `max_gap_ns` |
//! | otherwise, or the ring holds no live entry | stored | `stored` |
//!
//! When a stored PTS finds the ring full, the oldest entry leaves ([`Push::Evicted`]).
//!
//! # Stream restart: lazy flush
//!
//! A restart (or an explicit [`DelayRing::flush`]) turns every entry into a *stale* one at once,
//! in O(1). Stale entries are invisible to lookups, to [`DelayRing::len`] and to iteration, but
//! they still occupy their slots — capacity is shared, `len() + stale_len() ≤ capacity()` — and are
//! released one per stored push, oldest first, as [`Push::Evicted`] with `stale: true`. So a
//! restart costs the caller one release per frame, never a burst of 210. A caller that would
//! rather release them sooner calls [`DelayRing::pop_stale`].
//!
//! [`CLOCK_TIME_NONE`]: crate::time::CLOCK_TIME_NONE

use core::fmt;
use core::iter::FusedIterator;
use core::slice;

use crate::time::{CLOCK_TIME_NONE, SECOND};

/// How a [`DelayRing`] classifies timestamps. All values in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RingConfig {
    /// A PTS more than this far *behind* the newest entry is a stream restart (the old timeline
    /// is flushed); a smaller step back is a late, out-of-order frame and is rejected.
    pub restart_threshold_ns: u64,
    /// A PTS more than this far *ahead* of the newest entry is stored and counted as a gap.
    pub gap_threshold_ns: u64,
}

impl RingConfig {
    /// Default restart threshold: a step back of more than one second is a new stream.
    pub const DEFAULT_RESTART_THRESHOLD_NS: u64 = SECOND;

    /// The defaults for a stream of `frame_period_ns` frames: restart threshold 1 s, gap
    /// threshold 1.5 frame periods (so one missing frame already counts as a gap, while jitter
    /// of up to half a period does not).
    pub const fn for_frame_period(frame_period_ns: u64) -> Self {
        RingConfig {
            restart_threshold_ns: Self::DEFAULT_RESTART_THRESHOLD_NS,
            gap_threshold_ns: frame_period_ns.saturating_add(frame_period_ns / 2),
        }
    }

    /// This configuration with another restart threshold.
    pub const fn with_restart_threshold(self, restart_threshold_ns: u64) -> Self {
        RingConfig { restart_threshold_ns, ..self }
    }

    /// This configuration with another gap threshold.
    pub const fn with_gap_threshold(self, gap_threshold_ns: u64) -> Self {
        RingConfig { gap_threshold_ns, ..self }
    }
}

/// Why [`DelayRing::push`] refused a frame. The handle comes back in [`Push::Rejected`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reject {
    /// The PTS is `GST_CLOCK_TIME_NONE` (`u64::MAX`): a frame without a timestamp cannot be
    /// looked up by one.
    NoPts,
    /// The PTS equals the newest entry's.
    Duplicate,
    /// The PTS is behind the newest entry, within the restart threshold: out of order.
    Late,
}

/// The outcome of [`DelayRing::push`]. Any handle that left the ring is inside it: release it.
#[must_use = "a handle that left the ring must be released by the caller"]
#[derive(Debug, PartialEq, Eq)]
pub enum Push<H> {
    /// The frame was stored and nothing left the ring.
    Stored,
    /// The frame was stored and one entry left the ring to make room (or, after a restart, to
    /// pay off one stale entry).
    Evicted {
        /// PTS of the entry that left.
        pts: u64,
        /// Its handle, now owned by the caller.
        handle: H,
        /// `true` if the entry was stale (from a timeline before a restart or flush), `false`
        /// if it was the oldest live entry.
        stale: bool,
    },
    /// The frame was not stored; its handle comes back.
    Rejected {
        /// The PTS that was refused.
        pts: u64,
        /// The handle that was offered, now owned by the caller again.
        handle: H,
        /// Why.
        reason: Reject,
    },
}

impl<H> Push<H> {
    /// `true` if the pushed frame is now in the ring.
    pub fn is_stored(&self) -> bool {
        !matches!(self, Push::Rejected { .. })
    }

    /// The entry that left the ring (evicted or rejected), if any, for the caller to release.
    pub fn into_released(self) -> Option<(u64, H)> {
        match self {
            Push::Stored => None,
            Push::Evicted { pts, handle, .. } | Push::Rejected { pts, handle, .. } => {
                Some((pts, handle))
            }
        }
    }
}

/// What a [`DelayRing`] has seen since it was created. Plain integers: the ring has one owner.
///
/// Two identities hold at all times:
/// `pushed == stored + duplicates + late + no_pts` and
/// `stored == evicted + flushed + popped + len() + stale_len()`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RingCounters {
    /// Calls to [`DelayRing::push`].
    pub pushed: u64,
    /// Frames stored.
    pub stored: u64,
    /// Live entries pushed out by a push into a full ring.
    pub evicted: u64,
    /// Stale entries released (by a push, [`DelayRing::pop_stale`] or [`DelayRing::drain`]).
    pub flushed: u64,
    /// Live entries taken out by [`DelayRing::pop_oldest`] or [`DelayRing::drain`].
    pub popped: u64,
    /// Frames rejected as [`Reject::Duplicate`].
    pub duplicates: u64,
    /// Frames rejected as [`Reject::Late`].
    pub late: u64,
    /// Frames rejected as [`Reject::NoPts`].
    pub no_pts: u64,
    /// Stream restarts detected (PTS jumped back by more than the restart threshold).
    pub restarts: u64,
    /// Explicit [`DelayRing::flush`] calls.
    pub flushes: u64,
    /// Stored frames that followed the previous one by more than the gap threshold.
    pub gaps: u64,
    /// Sum of those frame-to-frame intervals, ns (saturating).
    pub gap_ns_total: u64,
    /// The largest such interval, ns.
    pub max_gap_ns: u64,
    /// The most entries ever held at once, live and stale together (what the buffer pool behind
    /// the handles must cover).
    pub high_water: u64,
}

/// A live entry seen through a lookup or an iterator.
#[derive(Debug)]
pub struct Entry<'a, H> {
    /// The entry's PTS, ns.
    pub pts: u64,
    /// The frame handle, still owned by the ring.
    pub handle: &'a H,
    /// Position among the live entries: 0 is the oldest, `len() - 1` the newest.
    pub index: usize,
}

// By hand: a derive would demand `H: Clone`, but only the reference is copied.
impl<H> Clone for Entry<'_, H> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<H> Copy for Entry<'_, H> {}

/// One slot of the ring: `(pts, handle)` when occupied.
type Slot<H> = Option<(u64, H)>;

/// The delay ring: up to `N` frame handles `H` in strictly increasing PTS order (up to
/// [`DelayRing::capacity`] when built [`with_limit`](DelayRing::with_limit)).
///
/// See the [module documentation](self) for the timestamp policy and the lazy flush.
pub struct DelayRing<H, const N: usize> {
    /// A circular buffer. Logical order from `head`: `stale` stale entries (oldest first), then
    /// the live entries, strictly increasing in PTS; slots outside the `len` occupied ones are
    /// `None`. Stale entries always form a prefix because everything stored after a flush is
    /// newer in arrival order than everything that went stale in it.
    ///
    /// Own storage rather than `heapless::Deque`, so the steady-state push into a full ring is
    /// one in-place `Option::replace` that hands the old entry back — no fallible "push after
    /// pop" step whose impossible failure would have to decide which of two handles to lose.
    slots: [Slot<H>; N],
    /// Physical index of the oldest entry (stale or live). Invariant: `head < N`.
    head: usize,
    /// Occupied slots, stale and live. Invariant: `len <= limit`.
    len: usize,
    /// Entries the ring holds before a push evicts: the run-time capacity. Invariant:
    /// `1 <= limit <= N`. Occupied slots still wrap around all `N` physical slots.
    limit: usize,
    /// How many of the occupied slots, from `head`, are stale. Invariant: `stale <= len`.
    stale: usize,
    cfg: RingConfig,
    counters: RingCounters,
}

impl<H, const N: usize> DelayRing<H, N> {
    /// An empty ring holding up to `N` entries. `const`, so a ring can live in a `static`.
    /// `N = 0` does not compile.
    pub const fn new(cfg: RingConfig) -> Self {
        const { assert!(N > 0, "a DelayRing needs a capacity of at least one entry") }
        DelayRing {
            slots: [const { None }; N],
            head: 0,
            len: 0,
            limit: N,
            stale: 0,
            cfg,
            counters: ZERO_COUNTERS,
        }
    }

    /// An empty ring that holds up to `limit` entries (`1 ..= N`) in storage for `N`: the push
    /// that would exceed `limit` evicts, exactly as a `DelayRing<H, limit>` would. `None` if
    /// `limit` is 0 or above `N`. The storage of all `N` slots is still reserved.
    pub const fn with_limit(cfg: RingConfig, limit: usize) -> Option<Self> {
        if limit == 0 || limit > N {
            return None;
        }
        let mut ring = Self::new(cfg);
        ring.limit = limit;
        Some(ring)
    }

    /// Offers a frame. O(1). Whatever leaves the ring — the oldest entry, a stale entry, or the
    /// offered handle itself if refused — comes back in the result.
    ///
    /// Only a stored frame releases an entry; a rejected one leaves the ring untouched (apart
    /// from counters), so stale entries then wait for the next stored push or
    /// [`DelayRing::pop_stale`].
    pub fn push(&mut self, pts: u64, handle: H) -> Push<H> {
        let c = &mut self.counters;
        c.pushed = c.pushed.saturating_add(1);
        if pts == CLOCK_TIME_NONE {
            c.no_pts = c.no_pts.saturating_add(1);
            return Push::Rejected { pts, handle, reason: Reject::NoPts };
        }
        if let Some(newest) = self.newest_pts() {
            let c = &mut self.counters;
            if pts == newest {
                c.duplicates = c.duplicates.saturating_add(1);
                return Push::Rejected { pts, handle, reason: Reject::Duplicate };
            }
            if pts < newest {
                if newest - pts <= self.cfg.restart_threshold_ns {
                    c.late = c.late.saturating_add(1);
                    return Push::Rejected { pts, handle, reason: Reject::Late };
                }
                c.restarts = c.restarts.saturating_add(1);
                self.stale = self.len;
            } else if pts - newest > self.cfg.gap_threshold_ns {
                let gap = pts - newest;
                c.gaps = c.gaps.saturating_add(1);
                c.gap_ns_total = c.gap_ns_total.saturating_add(gap);
                c.max_gap_ns = c.max_gap_ns.max(gap);
            }
        }
        self.store(pts, handle)
    }

    /// Appends an entry known to be newer than every live one, releasing the oldest entry if
    /// the ring is full or owes a stale release.
    fn store(&mut self, pts: u64, handle: H) -> Push<H> {
        let owes_stale = self.stale > 0;
        let released = if self.len == self.limit {
            // Full: the oldest entry leaves and the new one goes to the tail. Without a run-time
            // limit (`limit == N`) the tail slot is the head slot: the entry is replaced in place.
            let tail = self.wrap(self.head + self.len);
            let old = self.slots[self.head].take();
            self.slots[tail] = Some((pts, handle));
            self.head = self.wrap(self.head + 1);
            if owes_stale {
                self.stale -= 1;
            }
            old
        } else {
            let tail = self.wrap(self.head + self.len);
            self.slots[tail] = Some((pts, handle));
            self.len += 1;
            if owes_stale {
                self.stale -= 1;
                self.take_front()
            } else {
                None
            }
        };
        let c = &mut self.counters;
        c.stored = c.stored.saturating_add(1);
        c.high_water = c.high_water.max(self.len as u64);
        let Some((pts, handle)) = released else { return Push::Stored };
        if owes_stale {
            c.flushed = c.flushed.saturating_add(1);
        } else {
            c.evicted = c.evicted.saturating_add(1);
        }
        Push::Evicted { pts, handle, stale: owes_stale }
    }

    /// Removes the entry at `head`; the caller accounts for whether it was stale or live.
    fn take_front(&mut self) -> Option<(u64, H)> {
        if self.len == 0 {
            return None;
        }
        let e = self.slots[self.head].take();
        self.head = self.wrap(self.head + 1);
        self.len -= 1;
        e
    }

    /// `i` reduced modulo `N`, for `i < 2N`.
    fn wrap(&self, i: usize) -> usize {
        if i >= N { i - N } else { i }
    }

    /// Makes every entry stale at once, in O(1), as a detected restart would (for a GStreamer
    /// flush or seek). The next push starts a new timeline; stale entries are released lazily,
    /// one per stored push, or through [`DelayRing::pop_stale`].
    pub fn flush(&mut self) {
        self.stale = self.len;
        self.counters.flushes = self.counters.flushes.saturating_add(1);
    }

    /// Releases the oldest stale entry, if any. O(1).
    pub fn pop_stale(&mut self) -> Option<(u64, H)> {
        if self.stale == 0 {
            return None;
        }
        self.stale -= 1;
        self.counters.flushed = self.counters.flushed.saturating_add(1);
        self.take_front()
    }

    /// Takes the oldest live entry out of the ring. O(1).
    ///
    /// While stale entries are pending, the oldest live entry sits behind them: the oldest stale
    /// entry moves into its slot instead of all of them shifting, so that stale entry is then
    /// released last rather than first. Every stale entry is still released exactly once.
    pub fn pop_oldest(&mut self) -> Option<(u64, H)> {
        if self.stale >= self.len {
            return None;
        }
        self.counters.popped = self.counters.popped.saturating_add(1);
        if self.stale > 0 {
            let first_live = self.wrap(self.head + self.stale);
            self.slots.swap(self.head, first_live);
        }
        self.take_front()
    }

    /// Hands back every entry, stale ones first (oldest first), then live ones (oldest first),
    /// for shutdown. Entries the caller does not take before dropping the iterator stay in the
    /// ring; nothing is dropped.
    pub fn drain(&mut self) -> Drain<'_, H, N> {
        Drain { ring: self }
    }

    /// The newest live entry at or before `pts` — the frame to show at playback time `pts`.
    /// O(log N).
    pub fn at_or_before(&self, pts: u64) -> Option<Entry<'_, H>> {
        let k = self.count_where(|p| p <= pts);
        k.checked_sub(1).and_then(|i| self.get(i))
    }

    /// The oldest live entry at or after `pts`. O(log N).
    pub fn at_or_after(&self, pts: u64) -> Option<Entry<'_, H>> {
        self.get(self.count_where(|p| p < pts))
    }

    /// The live entry closest to `pts`; on a tie, the earlier one. O(log N).
    pub fn nearest(&self, pts: u64) -> Option<Entry<'_, H>> {
        let k = self.count_where(|p| p < pts);
        let after = self.get(k);
        let before = k.checked_sub(1).and_then(|i| self.get(i));
        match (before, after) {
            (Some(b), Some(a)) => Some(if pts - b.pts <= a.pts - pts { b } else { a }),
            (b, a) => b.or(a),
        }
    }

    /// The live entries with `from <= pts <= to`, oldest first. O(log N) to find, then O(1) per
    /// entry. Empty if `from > to`.
    pub fn range(&self, from: u64, to: u64) -> Entries<'_, H> {
        let start = self.count_where(|p| p < from);
        let end = if from > to { start } else { self.count_where(|p| p <= to) };
        self.entries(start, end)
    }

    /// All live entries, oldest first.
    pub fn iter(&self) -> Entries<'_, H> {
        self.entries(0, self.len())
    }

    /// The live entry at position `index` (0 = oldest).
    pub fn get(&self, index: usize) -> Option<Entry<'_, H>> {
        let (a, b) = self.live_slices();
        let slot = match a.get(index) {
            Some(slot) => slot,
            None => b.get(index - a.len())?,
        };
        let (pts, handle) = slot.as_ref()?;
        Some(Entry { pts: *pts, handle, index })
    }

    /// The oldest live entry.
    pub fn oldest(&self) -> Option<Entry<'_, H>> {
        self.get(0)
    }

    /// The newest live entry.
    pub fn newest(&self) -> Option<Entry<'_, H>> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// Number of live entries (stale ones excluded).
    pub fn len(&self) -> usize {
        self.len - self.stale
    }

    /// `true` if there is no live entry (stale ones may still be pending).
    pub fn is_empty(&self) -> bool {
        self.len == self.stale
    }

    /// Number of stale entries still waiting to be released.
    pub fn stale_len(&self) -> usize {
        self.stale
    }

    /// `true` if live and stale entries fill the ring's [`capacity`](DelayRing::capacity), so the
    /// next stored push releases one.
    pub fn is_full(&self) -> bool {
        self.len == self.limit
    }

    /// How many entries, live and stale together, the ring holds: `N`, or the limit it was built
    /// [`with_limit`](DelayRing::with_limit).
    pub const fn capacity(&self) -> usize {
        self.limit
    }

    /// The configuration the ring classifies timestamps with.
    pub fn config(&self) -> RingConfig {
        self.cfg
    }

    /// What the ring has seen so far.
    pub fn counters(&self) -> RingCounters {
        self.counters
    }

    fn newest_pts(&self) -> Option<u64> {
        if self.stale == self.len {
            return None;
        }
        let last = self.wrap(self.head + self.len - 1);
        self.slots[last].as_ref().map(|e| e.0)
    }

    /// The live slots as two slices whose concatenation is in PTS order (every slot `Some`).
    fn live_slices(&self) -> (&[Slot<H>], &[Slot<H>]) {
        let live = self.len - self.stale;
        let start = self.wrap(self.head + self.stale);
        // `start < N` and `live <= N`, so both ranges are in bounds; `get` keeps a panic path
        // out of the realtime thread all the same.
        if start + live <= N {
            (self.slots.get(start..start + live).unwrap_or(&[]), &[])
        } else {
            (
                self.slots.get(start..).unwrap_or(&[]),
                self.slots.get(..start + live - N).unwrap_or(&[]),
            )
        }
    }

    /// Live entries `start..end` (logical indices) as an iterator.
    fn entries(&self, start: usize, end: usize) -> Entries<'_, H> {
        let (a, b) = self.live_slices();
        let end = end.max(start);
        let split = a.len();
        let a_part = a.get(start.min(split)..end.min(split)).unwrap_or(&[]);
        let b_part = b.get(start.saturating_sub(split)..end.saturating_sub(split)).unwrap_or(&[]);
        Entries { first: a_part.iter(), second: b_part.iter(), front: start, back: end }
    }

    /// How many live entries have a PTS satisfying `pred`, where `pred` holds on a prefix of the
    /// PTS order. One binary search, on whichever slice holds the boundary.
    fn count_where(&self, pred: impl Fn(u64) -> bool) -> usize {
        let holds = |slot: &Slot<H>| slot.as_ref().is_some_and(|e| pred(e.0));
        let (a, b) = self.live_slices();
        match b.first() {
            Some(first_b) if holds(first_b) => a.len() + b.partition_point(holds),
            _ => a.partition_point(holds),
        }
    }
}

const ZERO_COUNTERS: RingCounters = RingCounters {
    pushed: 0,
    stored: 0,
    evicted: 0,
    flushed: 0,
    popped: 0,
    duplicates: 0,
    late: 0,
    no_pts: 0,
    restarts: 0,
    flushes: 0,
    gaps: 0,
    gap_ns_total: 0,
    max_gap_ns: 0,
    high_water: 0,
};

impl<H, const N: usize> fmt::Debug for DelayRing<H, N> {
    // By hand, so the ring is printable whatever `H` is; handles are not shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DelayRing")
            .field("capacity", &self.limit)
            .field("len", &self.len())
            .field("stale", &self.stale)
            .field("oldest_pts", &self.oldest().map(|e| e.pts))
            .field("newest_pts", &self.newest().map(|e| e.pts))
            .field("config", &self.cfg)
            .field("counters", &self.counters)
            .finish()
    }
}

/// Iterator over live entries, oldest first; see [`DelayRing::iter`] and [`DelayRing::range`].
pub struct Entries<'a, H> {
    first: slice::Iter<'a, Slot<H>>,
    second: slice::Iter<'a, Slot<H>>,
    /// Live index of the next entry from the front.
    front: usize,
    /// Live index one past the next entry from the back.
    back: usize,
}

impl<'a, H> Iterator for Entries<'a, H> {
    type Item = Entry<'a, H>;

    fn next(&mut self) -> Option<Self::Item> {
        let slot = self.first.next().or_else(|| self.second.next())?;
        let index = self.front;
        self.front += 1;
        let (pts, handle) = slot.as_ref()?;
        Some(Entry { pts: *pts, handle, index })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.first.len() + self.second.len();
        (n, Some(n))
    }
}

impl<H> DoubleEndedIterator for Entries<'_, H> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let slot = self.second.next_back().or_else(|| self.first.next_back())?;
        self.back -= 1;
        let (pts, handle) = slot.as_ref()?;
        Some(Entry { pts: *pts, handle, index: self.back })
    }
}

impl<H> ExactSizeIterator for Entries<'_, H> {}
impl<H> FusedIterator for Entries<'_, H> {}

impl<H> fmt::Debug for Entries<'_, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entries")
            .field("front", &self.front)
            .field("remaining", &self.len())
            .finish()
    }
}

/// Hands every entry of a ring back; see [`DelayRing::drain`].
pub struct Drain<'a, H, const N: usize> {
    ring: &'a mut DelayRing<H, N>,
}

impl<H, const N: usize> Iterator for Drain<'_, H, N> {
    type Item = (u64, H);

    fn next(&mut self) -> Option<Self::Item> {
        self.ring.pop_stale().or_else(|| self.ring.pop_oldest())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.ring.len;
        (n, Some(n))
    }
}

impl<H, const N: usize> ExactSizeIterator for Drain<'_, H, N> {}
impl<H, const N: usize> FusedIterator for Drain<'_, H, N> {}

impl<H, const N: usize> fmt::Debug for Drain<'_, H, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Drain").field("remaining", &self.ring.len).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl<H, const N: usize> DelayRing<H, N> {
        /// The private invariants: indices in range, exactly the `len` slots from `head` occupied.
        fn check_invariants(&self) {
            assert!(self.head < N && self.len <= self.limit && self.stale <= self.len);
            assert!(self.limit >= 1 && self.limit <= N);
            for i in 0..N {
                let logical = (i + N - self.head) % N;
                assert_eq!(self.slots[i].is_some(), logical < self.len, "slot {i}");
            }
        }
    }

    /// Xorshift: deterministic, no dependency.
    fn rng(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    fn churn<const N: usize>(seed: u64) {
        churn_limited::<N>(seed, N);
    }

    fn churn_limited<const N: usize>(seed: u64, limit: usize) {
        let cfg = RingConfig::for_frame_period(10).with_restart_threshold(100);
        let mut ring: DelayRing<u32, N> = DelayRing::with_limit(cfg, limit).unwrap();
        let mut s = seed;
        let mut pts = 0u64;
        for i in 0..20_000u32 {
            let r = rng(&mut s);
            match r % 16 {
                0 => drop(ring.pop_oldest()),
                1 => drop(ring.pop_stale()),
                2 if r % 64 == 2 => ring.flush(),
                3 => pts = pts.saturating_sub(r % 300),
                4 => pts = r >> (r % 64),
                _ => pts = pts.saturating_add(r % 20),
            }
            let _ = ring.push(pts, i);
            ring.check_invariants();
        }
    }

    #[test]
    fn private_invariants_hold_under_churn() {
        for seed in 1..20 {
            churn::<1>(seed);
            churn::<2>(seed);
            churn::<7>(seed);
            churn::<210>(seed);
            churn_limited::<7>(seed, 1 + seed as usize % 7);
            churn_limited::<210>(seed, 1 + (seed as usize * 37) % 210);
        }
    }

    #[test]
    fn with_limit_accepts_exactly_one_to_n() {
        let cfg = RingConfig::for_frame_period(10);
        assert!(DelayRing::<u32, 4>::with_limit(cfg, 0).is_none());
        assert!(DelayRing::<u32, 4>::with_limit(cfg, 5).is_none());
        assert_eq!(DelayRing::<u32, 4>::with_limit(cfg, 1).unwrap().capacity(), 1);
        assert_eq!(DelayRing::<u32, 4>::with_limit(cfg, 4).unwrap().capacity(), 4);
        assert_eq!(DelayRing::<u32, 4>::new(cfg).capacity(), 4);
    }

    #[test]
    fn limited_ring_evicts_at_its_limit_and_wraps_over_all_slots() {
        let mut ring: DelayRing<u32, 5> =
            DelayRing::with_limit(RingConfig::for_frame_period(10), 3).unwrap();
        for k in 0..12u32 {
            let r = ring.push(10 * (k as u64 + 1), k);
            if k < 3 {
                assert_eq!(r, Push::Stored);
            } else {
                assert_eq!(
                    r,
                    Push::Evicted { pts: 10 * (k as u64 - 2), handle: k - 3, stale: false }
                );
            }
            assert!(ring.len() <= 3);
            ring.check_invariants();
        }
        assert!(ring.is_full());
        let held: [u32; 3] = core::array::from_fn(|i| *ring.get(i).unwrap().handle);
        assert_eq!(held, [9, 10, 11]);
    }

    #[test]
    fn full_ring_push_replaces_in_place() {
        let mut ring: DelayRing<u32, 3> = DelayRing::new(RingConfig::for_frame_period(10));
        for (k, p) in [10, 20, 30, 40].into_iter().enumerate() {
            let _ = ring.push(p, k as u32);
        }
        assert_eq!(ring.head, 1);
        assert_eq!(ring.slots[0], Some((40, 3)), "the new entry took the evicted one's slot");
        ring.check_invariants();
    }
}
