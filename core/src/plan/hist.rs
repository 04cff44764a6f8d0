//! A fixed-bucket histogram of non-negative values, for streaming percentiles without allocation.
//!
//! The camera metrics need p95/p99 of quantities whose range is known in advance (a crop offset,
//! a pan speed), so linear buckets over `[0, hi)` give a resolution of `hi / N` with no sorting and
//! no memory growth. The exact maximum is kept beside the buckets, so a value beyond `hi` still
//! reports truthfully.

/// Linear histogram of `N` buckets over `[0, hi)`, plus an overflow count and the exact maximum.
#[derive(Clone, Debug)]
pub struct Histogram<const N: usize> {
    counts: [u32; N],
    hi: f32,
    overflow: u32,
    total: u64,
    max: f32,
}

impl<const N: usize> Histogram<N> {
    /// An empty histogram over `[0, hi)`. A non-finite or non-positive `hi` is replaced by 1.
    pub fn new(hi: f32) -> Self {
        let hi = if hi.is_finite() && hi > 0.0 { hi } else { 1.0 };
        Histogram { counts: [0; N], hi, overflow: 0, total: 0, max: 0.0 }
    }

    /// Records one value. NaN is ignored; negative values count as 0.
    pub fn record(&mut self, v: f32) {
        if v.is_nan() || N == 0 {
            return;
        }
        let v = v.max(0.0);
        self.total += 1;
        if v > self.max {
            self.max = v;
        }
        let b = v / self.hi * N as f32;
        if b >= N as f32 {
            self.overflow = self.overflow.saturating_add(1);
        } else {
            let i = b as usize;
            self.counts[i] = self.counts[i].saturating_add(1);
        }
    }

    /// Number of recorded values.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// Largest recorded value (0 when empty).
    pub fn max(&self) -> f32 {
        self.max
    }

    /// Width of one bucket: the resolution of [`Histogram::quantile`].
    pub fn resolution(&self) -> f32 {
        self.hi / N.max(1) as f32
    }

    /// The `q`-quantile (0..=1), reported as the upper edge of the bucket that holds it — a value
    /// never below the true quantile by more than zero nor above it by more than one bucket — and
    /// never above the exact maximum. Values past `hi` report the maximum. 0 when empty.
    pub fn quantile(&self, q: f32) -> f32 {
        if self.total == 0 {
            return 0.0;
        }
        let q = if q.is_nan() { 1.0 } else { q.clamp(0.0, 1.0) };
        // Rank of the wanted value, 1-based: the smallest value with at least q of the mass at or
        // below it.
        let rank = libm::ceil(q as f64 * self.total as f64).max(1.0) as u64;
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c as u64;
            if seen >= rank {
                return ((i + 1) as f32 * self.resolution()).min(self.max);
            }
        }
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_of_a_known_sequence() {
        let mut h = Histogram::<100>::new(100.0);
        for v in 0..100 {
            h.record(v as f32 + 0.5);
        }
        assert_eq!(h.count(), 100);
        assert_eq!(h.quantile(0.5), 50.0);
        assert_eq!(h.quantile(0.95), 95.0);
        assert_eq!(h.quantile(1.0), 99.5);
        assert_eq!(h.max(), 99.5);
    }

    #[test]
    fn overflow_reports_the_exact_max_and_nan_is_ignored() {
        let mut h = Histogram::<10>::new(1.0);
        h.record(f32::NAN);
        h.record(0.05);
        h.record(7.0);
        assert_eq!(h.count(), 2);
        assert!((h.quantile(0.5) - 0.1).abs() < 1e-6);
        assert_eq!(h.quantile(0.99), 7.0);
        assert_eq!(Histogram::<10>::new(1.0).quantile(0.5), 0.0);
    }
}
