//! Lock-free measurement for threads that must not block: latency histograms, counters, gauges.
//!
//! Every type here is written by one thread and read by any other without a lock. All state is
//! atomic, so a reader can never cause or see undefined behaviour; `Relaxed` ordering is enough
//! because a statistic orders nothing else. Every type has a `const fn new`, so it can be a
//! `static`.
//!
//! # The single-writer contract
//!
//! [`Histogram::record`], [`Counter::incr`], [`Counter::add`] and [`Gauge::set`] assume **one
//! writer at a time** (the thread that owns the stage being measured — pitchcam's rule of one
//! owner per piece of state). They update with a plain load and store instead of a
//! read-modify-write, which avoids the locked instruction an atomic add costs on x86 and the
//! exclusive-monitor loop on aarch64. Two threads calling them at once is still memory-safe but
//! may lose updates. Where several threads must write one statistic, use the `_shared` variants
//! ([`Histogram::record_shared`], [`Counter::add_shared`]), which use atomic read-modify-writes.
//!
//! # What a reader sees
//!
//! A reader sees each value it loads as it was at some moment, and never goes backwards on any
//! one of them (per-location coherence): counts, sums and bucket counts read by one thread are
//! monotone. Different fields are loaded at slightly different moments, so a snapshot taken while
//! the writer records may be off by the records in flight; once the writer is quiet, every
//! figure is exact. [`HistogramSnapshot`] derives its count from the buckets, so its quantiles
//! are always self-consistent.
//!
//! # Histogram buckets
//!
//! Log-linear, as in HdrHistogram: values below 32 have a bucket each; above, every power of two
//! is split into 16 equal sub-buckets. A bucket's width is at most 1/16 of its lower bound, so
//! any value is known to within 6.25 %. Buckets cover `0 ..` [`HISTOGRAM_LIMIT`] (2^40, which is
//! 18 minutes in nanoseconds); larger values go into one overflow bucket (and still count
//! exactly in `count`, `sum`, `min`, `max`). 593 buckets, 4.7 KiB per histogram.

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Sub-buckets per power of two, as a power of two: 2^4 = 16, so the relative error is ≤ 1/16.
const SUB_BITS: u32 = 4;
const SUB: u64 = 1 << SUB_BITS;
/// Exponent of [`HISTOGRAM_LIMIT`].
const LIMIT_BITS: u32 = 40;

/// Values at or above this go into the overflow bucket: 2^40 (≈ 1100 s in ns, ≈ 12.7 days in µs).
pub const HISTOGRAM_LIMIT: u64 = 1 << LIMIT_BITS;

/// Number of buckets, the overflow bucket included.
pub const HISTOGRAM_BUCKETS: usize = (SUB as usize) * (LIMIT_BITS - SUB_BITS + 1) as usize + 1;

const OVERFLOW: usize = HISTOGRAM_BUCKETS - 1;

/// The bucket holding `v`.
pub const fn bucket_index(v: u64) -> usize {
    if v < SUB {
        return v as usize;
    }
    if v >= HISTOGRAM_LIMIT {
        return OVERFLOW;
    }
    // v has its top bit at `e` (≥ SUB_BITS); the next SUB_BITS bits pick the sub-bucket.
    let e = 63 - v.leading_zeros();
    let sub = (v >> (e - SUB_BITS)) & (SUB - 1);
    ((e - SUB_BITS + 1) as usize) * SUB as usize + sub as usize
}

/// The smallest and largest value bucket `index` holds (inclusive), or `None` past the last
/// bucket. The overflow bucket is `(HISTOGRAM_LIMIT, u64::MAX)`.
pub const fn bucket_bounds(index: usize) -> Option<(u64, u64)> {
    if index >= HISTOGRAM_BUCKETS {
        return None;
    }
    if index == OVERFLOW {
        return Some((HISTOGRAM_LIMIT, u64::MAX));
    }
    if index < SUB as usize {
        return Some((index as u64, index as u64));
    }
    let e = (index / SUB as usize) as u32 + SUB_BITS - 1;
    let sub = (index % SUB as usize) as u64;
    let width = 1u64 << (e - SUB_BITS);
    let low = (SUB + sub) * width;
    Some((low, low + width - 1))
}

/// A log-linear latency histogram with exact count, sum, min and max. Unit-agnostic (ns or µs).
///
/// Written by one thread ([`Histogram::record`]) or several ([`Histogram::record_shared`]), read
/// by any through [`Histogram::snapshot`]. See the [module documentation](self).
pub struct Histogram {
    buckets: [AtomicU64; HISTOGRAM_BUCKETS],
    count: AtomicU64,
    sum: AtomicU64,
    /// `u64::MAX` while empty.
    min: AtomicU64,
    max: AtomicU64,
}

impl Histogram {
    /// An empty histogram. `const`, for a `static`.
    pub const fn new() -> Self {
        Histogram {
            buckets: [const { AtomicU64::new(0) }; HISTOGRAM_BUCKETS],
            count: AtomicU64::new(0),
            sum: AtomicU64::new(0),
            min: AtomicU64::new(u64::MAX),
            max: AtomicU64::new(0),
        }
    }

    /// Records one value. Wait-free, a few nanoseconds, never panics; counts and sum saturate.
    ///
    /// Single writer: see the [module documentation](self#the-single-writer-contract).
    pub fn record(&self, v: u64) {
        bump(&self.buckets[bucket_index(v)], 1);
        bump(&self.count, 1);
        bump(&self.sum, v);
        if v < self.min.load(Relaxed) {
            self.min.store(v, Relaxed);
        }
        if v > self.max.load(Relaxed) {
            self.max.store(v, Relaxed);
        }
    }

    /// Records one value from any number of threads at once, with atomic read-modify-writes.
    /// Lock-free; the sum saturates through a compare-and-swap loop.
    pub fn record_shared(&self, v: u64) {
        self.buckets[bucket_index(v)].fetch_add(1, Relaxed);
        self.count.fetch_add(1, Relaxed);
        // `fetch_update` with a closure that always returns `Some` cannot fail.
        let _ = self.sum.fetch_update(Relaxed, Relaxed, |s| Some(s.saturating_add(v)));
        self.min.fetch_min(v, Relaxed);
        self.max.fetch_max(v, Relaxed);
    }

    /// Values recorded so far (cheap: one load).
    pub fn count(&self) -> u64 {
        self.count.load(Relaxed)
    }

    /// A plain copy of the histogram, for reports. Reads every bucket: not for the hot path.
    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut s = HistogramSnapshot::new();
        for (dst, src) in s.buckets.iter_mut().zip(self.buckets.iter()) {
            *dst = src.load(Relaxed);
        }
        s.count = s.buckets.iter().fold(0u64, |a, &b| a.saturating_add(b));
        s.sum = self.sum.load(Relaxed);
        s.min = self.min.load(Relaxed);
        s.max = self.max.load(Relaxed);
        s.repair_extremes();
        s
    }
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Histogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Histogram")
            .field("count", &self.count())
            .field("min", &self.min.load(Relaxed))
            .field("max", &self.max.load(Relaxed))
            .finish_non_exhaustive()
    }
}

/// Single-writer saturating add: load, add, store. See the module's contract.
fn bump(a: &AtomicU64, n: u64) {
    a.store(a.load(Relaxed).saturating_add(n), Relaxed);
}

/// One bucket of a [`HistogramSnapshot`]: `count` values in `low ..= high`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Bucket {
    /// Smallest value the bucket holds.
    pub low: u64,
    /// Largest value the bucket holds.
    pub high: u64,
    /// How many values fell into it.
    pub count: u64,
}

/// A plain (non-atomic) histogram: a copy taken by [`Histogram::snapshot`], the difference of
/// two copies ([`HistogramSnapshot::since`]), or one filled directly with
/// [`HistogramSnapshot::record`] on a single thread.
///
/// # Quantiles
///
/// [`HistogramSnapshot::quantile`]`(q)` returns the **upper bound** of the bucket holding the
/// value of rank `⌈q · count⌉` (at least 1), capped at [`HistogramSnapshot::max`]. That is
/// the conservative choice for latency: the result is never below the exact quantile of the
/// recorded values and exceeds it by at most 1/16 of it (for values below [`HISTOGRAM_LIMIT`];
/// in the overflow bucket the answer is the maximum).
#[derive(Clone, PartialEq, Eq)]
pub struct HistogramSnapshot {
    buckets: [u64; HISTOGRAM_BUCKETS],
    count: u64,
    sum: u64,
    /// `u64::MAX` while empty.
    min: u64,
    max: u64,
}

impl HistogramSnapshot {
    /// An empty histogram.
    pub const fn new() -> Self {
        HistogramSnapshot {
            buckets: [0; HISTOGRAM_BUCKETS],
            count: 0,
            sum: 0,
            min: u64::MAX,
            max: 0,
        }
    }

    /// Records one value (single-threaded; for offline statistics and tests).
    pub fn record(&mut self, v: u64) {
        let b = &mut self.buckets[bucket_index(v)];
        *b = b.saturating_add(1);
        self.count = self.count.saturating_add(1);
        self.sum = self.sum.saturating_add(v);
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    /// Adds `other`'s values to this one (e.g. to combine per-stream histograms).
    pub fn merge(&mut self, other: &HistogramSnapshot) {
        for (a, b) in self.buckets.iter_mut().zip(other.buckets.iter()) {
            *a = a.saturating_add(*b);
        }
        self.count = self.count.saturating_add(other.count);
        self.sum = self.sum.saturating_add(other.sum);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// The values recorded after `earlier` was taken (both from the same histogram, `earlier`
    /// first): the steady state after a warm-up, or one reporting interval.
    ///
    /// Count, sum, buckets and so quantiles are exact. Min and max are exact when the interval
    /// set a new extreme; otherwise they are bounds from the buckets (min ≤ true min, max ≥
    /// true max, each within 1/16). Given snapshots in the wrong order, counts saturate at 0.
    pub fn since(&self, earlier: &HistogramSnapshot) -> HistogramSnapshot {
        let mut d = HistogramSnapshot::new();
        for ((dst, now), before) in d.buckets.iter_mut().zip(&self.buckets).zip(&earlier.buckets) {
            *dst = now.saturating_sub(*before);
        }
        d.count = d.buckets.iter().fold(0u64, |a, &b| a.saturating_add(b));
        d.sum = self.sum.saturating_sub(earlier.sum);
        if d.count == 0 {
            return d;
        }
        let first = d.first_bucket().and_then(bucket_bounds);
        let last = d.last_bucket().and_then(bucket_bounds);
        d.min = if self.min < earlier.min {
            self.min
        } else {
            first.map_or(self.min, |(low, _)| low.max(self.min))
        };
        d.max = if self.max > earlier.max {
            self.max
        } else {
            last.map_or(self.max, |(_, high)| high.min(self.max))
        };
        d
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Sum of the values (saturating at `u64::MAX`).
    pub fn sum(&self) -> u64 {
        self.sum
    }

    /// The smallest value, if any.
    pub fn min(&self) -> Option<u64> {
        (self.count > 0).then_some(self.min)
    }

    /// The largest value, if any.
    pub fn max(&self) -> Option<u64> {
        (self.count > 0).then_some(self.max)
    }

    /// The arithmetic mean, rounded down (meaningless once the sum has saturated).
    pub fn mean(&self) -> Option<u64> {
        self.sum.checked_div(self.count)
    }

    /// The `q`-quantile (`0 ≤ q ≤ 1`, clamped), as the upper bound of its bucket capped at the
    /// maximum; `None` if empty or `q` is NaN. See the type's documentation for the guarantee.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.count == 0 || q.is_nan() {
            return None;
        }
        let q = q.clamp(0.0, 1.0);
        let r = q * self.count as f64;
        // ⌈r⌉ without std float math; `as` saturates.
        let mut rank = r as u64;
        if (rank as f64) < r {
            rank = rank.saturating_add(1);
        }
        let rank = rank.clamp(1, self.count);
        let mut seen = 0u64;
        for (i, &n) in self.buckets.iter().enumerate() {
            seen = seen.saturating_add(n);
            if seen >= rank {
                let (_, high) = bucket_bounds(i)?;
                return Some(high.min(self.max));
            }
        }
        Some(self.max)
    }

    /// Median.
    pub fn p50(&self) -> Option<u64> {
        self.quantile(0.5)
    }

    /// 99th percentile.
    pub fn p99(&self) -> Option<u64> {
        self.quantile(0.99)
    }

    /// 99.9th percentile.
    pub fn p999(&self) -> Option<u64> {
        self.quantile(0.999)
    }

    /// The non-empty buckets in value order (for a JSON report or a plot).
    pub fn buckets(&self) -> impl Iterator<Item = Bucket> + '_ {
        self.buckets.iter().enumerate().filter(|(_, n)| **n > 0).filter_map(|(i, &count)| {
            bucket_bounds(i).map(|(low, high)| Bucket { low, high, count })
        })
    }

    fn first_bucket(&self) -> Option<usize> {
        self.buckets.iter().position(|&n| n > 0)
    }

    fn last_bucket(&self) -> Option<usize> {
        self.buckets.iter().rposition(|&n| n > 0)
    }

    /// A snapshot taken while the writer records may have loaded min/max before the bucket of
    /// a new extreme: pull them inside the buckets' range so `min ≤ every quantile ≤ max`.
    fn repair_extremes(&mut self) {
        if self.count == 0 {
            self.min = u64::MAX;
            self.max = 0;
            return;
        }
        if let Some((_, high)) = self.first_bucket().and_then(bucket_bounds) {
            self.min = self.min.min(high);
        }
        if let Some((low, _)) = self.last_bucket().and_then(bucket_bounds) {
            self.max = self.max.max(low).max(self.min);
        }
    }
}

impl Default for HistogramSnapshot {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for HistogramSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HistogramSnapshot")
            .field("count", &self.count)
            .field("min", &self.min())
            .field("p50", &self.p50())
            .field("p99", &self.p99())
            .field("p999", &self.p999())
            .field("max", &self.max())
            .finish_non_exhaustive()
    }
}

/// An event counter (drops, overflows, late ticks).
#[derive(Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Zero. `const`, for a `static`.
    pub const fn new() -> Self {
        Counter(AtomicU64::new(0))
    }

    /// Adds one (single writer; saturating).
    pub fn incr(&self) {
        bump(&self.0, 1);
    }

    /// Adds `n` (single writer; saturating).
    pub fn add(&self, n: u64) {
        bump(&self.0, n);
    }

    /// Adds `n` from any number of threads at once (lock-free; saturating).
    pub fn add_shared(&self, n: u64) {
        // Cannot fail: the closure always returns `Some`.
        let _ = self.0.fetch_update(Relaxed, Relaxed, |c| Some(c.saturating_add(n)));
    }

    /// The current value.
    pub fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

impl fmt::Debug for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Counter").field(&self.get()).finish()
    }
}

/// A level (queue depth, frames held) with the highest level ever set.
#[derive(Default)]
pub struct Gauge {
    value: AtomicU64,
    max: AtomicU64,
}

impl Gauge {
    /// Zero. `const`, for a `static`.
    pub const fn new() -> Self {
        Gauge { value: AtomicU64::new(0), max: AtomicU64::new(0) }
    }

    /// Sets the level (single writer).
    pub fn set(&self, v: u64) {
        self.value.store(v, Relaxed);
        if v > self.max.load(Relaxed) {
            self.max.store(v, Relaxed);
        }
    }

    /// The current level.
    pub fn get(&self) -> u64 {
        self.value.load(Relaxed)
    }

    /// The highest level ever set.
    pub fn max_seen(&self) -> u64 {
        self.max.load(Relaxed)
    }
}

impl fmt::Debug for Gauge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gauge").field("value", &self.get()).field("max", &self.max_seen()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_layout() {
        assert_eq!(HISTOGRAM_BUCKETS, 593);
        assert_eq!(bucket_index(15), 15);
        assert_eq!(bucket_index(16), 16);
        assert_eq!(bucket_index(31), 31);
        assert_eq!(bucket_bounds(32), Some((32, 33)));
        assert_eq!(bucket_index(HISTOGRAM_LIMIT - 1), OVERFLOW - 1);
        assert_eq!(bucket_index(HISTOGRAM_LIMIT), OVERFLOW);
        assert_eq!(bucket_index(u64::MAX), OVERFLOW);
        assert_eq!(bucket_bounds(HISTOGRAM_BUCKETS), None);
        // Contiguous and each bucket within 1/16 of its lower bound.
        let mut next = 0u64;
        for i in 0..HISTOGRAM_BUCKETS {
            let (low, high) = bucket_bounds(i).unwrap();
            assert_eq!(low, next, "bucket {i}");
            assert!(low <= high);
            assert_eq!(bucket_index(low), i);
            assert_eq!(bucket_index(high), i);
            if i != OVERFLOW {
                assert!(high - low <= low / 16, "bucket {i}: {low}..={high}");
            }
            next = high.wrapping_add(1);
        }
        assert_eq!(next, 0, "the last bucket ends at u64::MAX");
    }
}
