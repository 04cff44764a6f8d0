//! Histogram accuracy against exact sorted data, and the edge cases.
use pitchcam_core::stats::{
    HISTOGRAM_LIMIT, Histogram, HistogramSnapshot, bucket_bounds, bucket_index,
};
use proptest::prelude::*;

/// The exact `q`-quantile with the histogram's rank rule: the value of rank ⌈q·n⌉, at least 1.
fn exact(sorted: &[u64], q: f64) -> u64 {
    let n = sorted.len();
    let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
    sorted[rank - 1]
}

/// The documented guarantee: never below the exact quantile, above it by at most 1/16 of it
/// (below the histogram's limit), never above the maximum.
fn assert_close(got: u64, want: u64, max: u64, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(got >= want, "{}: {} < exact {}", what, got, want);
    prop_assert!(got <= max, "{}: {} > max {}", what, got, max);
    if want < HISTOGRAM_LIMIT {
        prop_assert!(got - want <= want / 16, "{}: {} vs exact {}", what, got, want);
    } else {
        prop_assert_eq!(got, max, "{}: overflow bucket answers the maximum", what);
    }
    Ok(())
}

const QS: [f64; 11] = [0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0];

fn check_all(values: &[u64], extra_q: f64) -> Result<(), TestCaseError> {
    let h = Histogram::new();
    for &v in values {
        h.record(v);
    }
    let s = h.snapshot();
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let max = *sorted.last().unwrap();
    prop_assert_eq!(s.count(), values.len() as u64);
    prop_assert_eq!(h.count(), values.len() as u64);
    let sum = values.iter().fold(0u64, |a, &v| a.saturating_add(v));
    prop_assert_eq!(s.sum(), sum);
    prop_assert_eq!(s.min(), Some(sorted[0]));
    prop_assert_eq!(s.max(), Some(max));
    prop_assert_eq!(s.mean(), Some(sum / values.len() as u64));
    for q in QS.into_iter().chain([extra_q]) {
        assert_close(s.quantile(q).unwrap(), exact(&sorted, q), max, &format!("q={q}"))?;
    }
    assert_close(s.p50().unwrap(), exact(&sorted, 0.5), max, "p50")?;
    assert_close(s.p99().unwrap(), exact(&sorted, 0.99), max, "p99")?;
    assert_close(s.p999().unwrap(), exact(&sorted, 0.999), max, "p999")?;
    // The plain single-threaded twin gives the same snapshot.
    let mut p = HistogramSnapshot::new();
    values.iter().for_each(|&v| p.record(v));
    prop_assert!(p == s);
    // Buckets account for every value, in order.
    let b: Vec<_> = s.buckets().collect();
    prop_assert_eq!(b.iter().map(|b| b.count).sum::<u64>(), values.len() as u64);
    prop_assert!(b.windows(2).all(|w| w[0].high < w[1].low));
    Ok(())
}

/// Latency-like distributions: uniform over a range, log-uniform (heavy tail), a tight cluster
/// with rare spikes, and anything at all.
fn distribution() -> impl Strategy<Value = Vec<u64>> {
    let n = 1usize..3000;
    prop_oneof![
        (n.clone(), 0u64..1_000_000).prop_flat_map(|(n, hi)| prop::collection::vec(0..=hi, n)),
        prop::collection::vec(
            (0u32..48, any::<u64>()).prop_map(|(e, m)| m >> (64 - e.max(1))),
            n.clone()
        ),
        prop::collection::vec(
            prop_oneof![20 => 20_000u64..21_000, 1 => 1_000_000u64..12_000_000],
            n.clone()
        ),
        prop::collection::vec(any::<u64>(), n),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn quantiles_within_documented_error(values in distribution(), q in 0.0f64..=1.0) {
        check_all(&values, q)?;
    }

    /// The interval histogram equals a histogram of the interval's values alone, and its
    /// min/max are honest bounds.
    #[test]
    fn since_is_the_interval(
        warm in prop::collection::vec(0u64..5_000_000, 0..500),
        steady in prop::collection::vec(0u64..5_000_000, 1..1500),
    ) {
        let h = Histogram::new();
        warm.iter().for_each(|&v| h.record(v));
        let a = h.snapshot();
        steady.iter().for_each(|&v| h.record(v));
        let d = h.snapshot().since(&a);
        let mut only = HistogramSnapshot::new();
        steady.iter().for_each(|&v| only.record(v));
        prop_assert_eq!(d.count(), only.count());
        prop_assert_eq!(d.sum(), only.sum());
        prop_assert!(d.buckets().eq(only.buckets()));
        let (tmin, tmax) = (only.min().unwrap(), only.max().unwrap());
        let (dmin, dmax) = (d.min().unwrap(), d.max().unwrap());
        prop_assert!(dmin <= tmin && tmin - dmin <= tmin / 16, "min {} vs {}", dmin, tmin);
        prop_assert!(dmax >= tmax && dmax - tmax <= tmax / 16, "max {} vs {}", dmax, tmax);
        let mut sorted = steady.clone();
        sorted.sort_unstable();
        for q in QS {
            let got = d.quantile(q).unwrap();
            let want = exact(&sorted, q);
            prop_assert!(got >= want && got - want <= want / 16, "q={}: {} vs {}", q, got, want);
        }
    }

    #[test]
    fn merge_equals_recording_both(
        a in prop::collection::vec(any::<u64>(), 0..300),
        b in prop::collection::vec(any::<u64>(), 0..300),
    ) {
        let (mut x, mut y, mut both) =
            (HistogramSnapshot::new(), HistogramSnapshot::new(), HistogramSnapshot::new());
        a.iter().for_each(|&v| { x.record(v); both.record(v) });
        b.iter().for_each(|&v| { y.record(v); both.record(v) });
        x.merge(&y);
        prop_assert!(x == both);
    }

    #[test]
    fn every_value_lies_in_its_bucket(v in any::<u64>()) {
        let (low, high) = bucket_bounds(bucket_index(v)).unwrap();
        prop_assert!(low <= v && v <= high);
    }
}

#[test]
fn empty_histogram_has_no_statistics() {
    let s = Histogram::new().snapshot();
    assert_eq!((s.count(), s.sum()), (0, 0));
    assert_eq!((s.min(), s.max(), s.mean()), (None, None, None));
    assert_eq!((s.p50(), s.p99(), s.p999(), s.quantile(1.0)), (None, None, None, None));
    assert_eq!(s.buckets().count(), 0);
    assert!(s.since(&s).count() == 0 && s.since(&s).max().is_none());
}

#[test]
fn one_value_is_every_quantile_exactly() {
    for v in [0, 1, 15, 16, 17, 1_000, 33_333_333, HISTOGRAM_LIMIT - 1, HISTOGRAM_LIMIT, u64::MAX] {
        let h = Histogram::new();
        h.record(v);
        let s = h.snapshot();
        for q in [0.0, 0.5, 0.999, 1.0] {
            assert_eq!(s.quantile(q), Some(v), "v={v} q={q}");
        }
        assert_eq!((s.min(), s.max(), s.mean(), s.count()), (Some(v), Some(v), Some(v), 1));
    }
}

#[test]
fn saturates_and_never_panics() {
    let h = Histogram::new();
    h.record(u64::MAX);
    h.record(u64::MAX);
    h.record(0);
    let s = h.snapshot();
    assert_eq!((s.count(), s.sum()), (3, u64::MAX));
    assert_eq!((s.min(), s.max()), (Some(0), Some(u64::MAX)));
    assert_eq!(s.quantile(0.0), Some(0));
    assert_eq!(s.quantile(0.5), Some(u64::MAX));
    // Out-of-range and NaN quantiles.
    assert_eq!(s.quantile(-3.0), Some(0));
    assert_eq!(s.quantile(7.0), Some(u64::MAX));
    assert_eq!(s.quantile(f64::INFINITY), Some(u64::MAX));
    assert_eq!(s.quantile(f64::NAN), None);
    // Snapshots in the wrong order: counts clamp at zero instead of wrapping.
    let later = h.snapshot();
    let earlier = Histogram::new().snapshot();
    assert_eq!(earlier.since(&later).count(), 0);
}

#[test]
fn quantile_is_the_bucket_upper_bound_capped_at_max() {
    let h = Histogram::new();
    for v in [100, 100, 100, 1000] {
        h.record(v);
    }
    let s = h.snapshot();
    // 100 lies in bucket 100..=103: the conservative answer is 103.
    assert_eq!(bucket_bounds(bucket_index(100)), Some((100, 103)));
    assert_eq!(s.p50(), Some(103));
    // 1000 lies in 992..=1023, but nothing above 1000 was recorded.
    assert_eq!(s.quantile(1.0), Some(1000));
    assert_eq!(s.mean(), Some(325));
}

#[test]
fn histograms_live_in_statics() {
    static H: Histogram = Histogram::new();
    H.record(42);
    assert_eq!(H.snapshot().max(), Some(42));
    assert!(format!("{H:?}").contains("count: 1"));
}
