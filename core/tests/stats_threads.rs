//! One thread writes, another reads, without locks: the reader's view only ever grows and the
//! final totals are exact. And the `_shared` variants with several writers.
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use pitchcam_core::stats::{Counter, Gauge, Histogram, HistogramSnapshot};

const N: u64 = 300_000;

/// The value written at step `i`: spread over many buckets, including the overflow bucket.
fn value(i: u64) -> u64 {
    (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (i % 64)) | 1
}

#[test]
fn one_writer_one_reader_monotone_and_exact() {
    static H: Histogram = Histogram::new();
    static C: Counter = Counter::new();
    static G: Gauge = Gauge::new();
    let done = AtomicBool::new(false);
    let mut snapshots_taken = 0u32;
    thread::scope(|s| {
        s.spawn(|| {
            for i in 0..N {
                H.record(value(i));
                C.incr();
                G.set(i % 1000);
            }
            done.store(true, Ordering::Release);
        });
        let mut prev = HistogramSnapshot::new();
        let (mut prev_c, mut prev_count) = (0u64, 0u64);
        loop {
            let finished = done.load(Ordering::Acquire);
            let snap = H.snapshot();
            // Every bucket, the count and the sum only grow.
            assert!(snap.count() >= prev.count() && snap.count() <= N);
            assert!(snap.sum() >= prev.sum());
            assert_eq!(snap.since(&prev).count(), snap.count() - prev.count());
            // (`since` clamps each bucket at zero: any bucket that shrank would show here.)
            assert_eq!(prev.since(&snap).count(), 0, "a bucket count went backwards");
            // Quantiles of a consistent snapshot lie between its min and max.
            if let (Some(lo), Some(hi), Some(p)) = (snap.min(), snap.max(), snap.p99()) {
                assert!(lo <= p && p <= hi);
            }
            let c = C.get();
            assert!(c >= prev_c && c <= N);
            let count = H.count();
            assert!(count >= prev_count);
            assert!(G.max_seen() <= 999);
            (prev, prev_c, prev_count) = (snap, c, count);
            snapshots_taken += 1;
            if finished {
                break;
            }
            thread::yield_now();
        }
    });
    let s = H.snapshot();
    let mut want = HistogramSnapshot::new();
    (0..N).for_each(|i| want.record(value(i)));
    assert!(s == want, "final totals differ: {s:?} vs {want:?}");
    assert_eq!((s.count(), H.count(), C.get()), (N, N, N));
    assert_eq!((G.get(), G.max_seen()), ((N - 1) % 1000, 999));
    assert!(snapshots_taken >= 1);
}

#[test]
fn shared_writers_lose_nothing() {
    let h = Histogram::new();
    let c = Counter::new();
    let per = 100_000u64;
    thread::scope(|s| {
        for t in 0..4u64 {
            let (h, c) = (&h, &c);
            s.spawn(move || {
                for i in 0..per {
                    h.record_shared(value(t * per + i));
                    c.add_shared(2);
                }
            });
        }
    });
    let mut want = HistogramSnapshot::new();
    (0..4 * per).for_each(|i| want.record(value(i)));
    assert!(h.snapshot() == want);
    assert_eq!(c.get(), 8 * per);
    // Saturation through the shared path too.
    c.add_shared(u64::MAX);
    assert_eq!(c.get(), u64::MAX);
}

#[test]
fn counter_and_gauge_basics() {
    let c = Counter::new();
    c.incr();
    c.add(41);
    assert_eq!(c.get(), 42);
    c.add(u64::MAX);
    assert_eq!(c.get(), u64::MAX, "saturates");
    let g = Gauge::new();
    g.set(7);
    g.set(3);
    assert_eq!((g.get(), g.max_seen()), (3, 7));
    assert_eq!(format!("{g:?}"), "Gauge { value: 3, max: 7 }");
    assert_eq!(format!("{c:?}"), format!("Counter({})", u64::MAX));
}
