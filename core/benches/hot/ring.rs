//! Benchmark part: the delay ring and the stats histogram.
//!
//! Naive column: the replaced app's frame store, in Rust — a growable list that drops its
//! front on overflow (`Vec::remove(0)`, Python's `list.pop(0)`) and a linear scan from the
//! front for the frame to play. Both strategies hold the same handle type, recycled from the
//! evicted entry like a buffer pool would, so the comparison is about the data structure.
use std::hint::black_box;
use std::num::NonZeroUsize;

use pitchcam_core::ring::{DelayRing, Push, RingConfig};
use pitchcam_core::stats::Histogram;
use pitchcam_core::time::{frame_period_ns, frame_pts};

use super::common::{Row, Table, time_batched};

const N: usize = 210;

/// Stands in for a GstBuffer reference: pointer-sized, not `Copy`, has a `Drop` (the ring must
/// move it, never copy it; the niche keeps a ring slot at 16 bytes as with a real pointer).
struct FrameRef(NonZeroUsize);

impl Drop for FrameRef {
    fn drop(&mut self) {
        black_box(self.0);
    }
}

fn handle(i: u64) -> FrameRef {
    FrameRef(NonZeroUsize::MIN.saturating_add(i as usize))
}

/// A full pitchcam ring and a full naive list holding frames `0..N` at 30 fps.
fn filled() -> (Box<DelayRing<FrameRef, N>>, Vec<(u64, FrameRef)>) {
    let period = frame_period_ns(30, 1).unwrap_or(33_333_333);
    let mut ring = Box::new(DelayRing::new(RingConfig::for_frame_period(period)));
    let mut list = Vec::new();
    for i in 0..N as u64 {
        let p = frame_pts(i, 30, 1);
        assert!(matches!(ring.push(p, handle(i)), Push::Stored));
        list.push((p, handle(i)));
    }
    (ring, list)
}

pub fn run(table: &mut Table) {
    push(table);
    lookup(table);
    histogram(table);
}

fn push(table: &mut Table) {
    let batches = table.samples(2000);
    let per_batch = 1000;
    let (mut ring, mut list) = filled();
    let mut spare = Some(handle(u64::MAX >> 1));
    let mut i = N as u64;
    let pitchcam = time_batched(batches, per_batch, |_| {
        let h = spare.take().unwrap_or_else(|| handle(1));
        match ring.push(frame_pts(i, 30, 1), h) {
            Push::Evicted { handle, .. } | Push::Rejected { handle, .. } => spare = Some(handle),
            Push::Stored => {}
        }
        i += 1;
    });
    assert_eq!(ring.counters().evicted, ring.counters().stored - N as u64, "every push evicted");

    let mut spare = Some(handle(u64::MAX >> 1));
    let mut i = N as u64;
    let naive = time_batched(batches, per_batch, |_| {
        let h = spare.take().unwrap_or_else(|| handle(1));
        list.push((frame_pts(i, 30, 1), h));
        if list.len() > N {
            spare = Some(list.remove(0).1);
        }
        i += 1;
    });
    table.add(Row {
        stage: "ring push (N=210, full, evicting)".into(),
        pitchcam,
        naive: Some(naive),
        budget: "≤ 100 ns".into(),
    });
}

fn lookup(table: &mut Table) {
    let batches = table.samples(2000);
    let per_batch = 1000;
    let (ring, list) = filled();
    // Targets spread over the whole 7 s window, between and on frames, in an order the branch
    // predictor cannot learn.
    let span = frame_pts(N as u64 - 1, 30, 1);
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let targets: Vec<u64> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % (span + 1)
        })
        .collect();
    let pitchcam = time_batched(batches, per_batch, |k| {
        let t = targets[k % targets.len()];
        black_box(ring.at_or_before(black_box(t)).map(|e| e.pts));
    });
    // Linear scan from the front, stopping at the first frame past the target (the naive
    // strategy's best case: on average half the list).
    let naive = time_batched(batches, per_batch, |k| {
        let t = black_box(targets[k % targets.len()]);
        let mut found = None;
        for e in &list {
            if e.0 > t {
                break;
            }
            found = Some(e);
        }
        black_box(found.map(|e| e.0));
    });
    table.add(Row {
        stage: "ring lookup at_or_before (N=210)".into(),
        pitchcam,
        naive: Some(naive),
        budget: "≤ 200 ns".into(),
    });
}

fn histogram(table: &mut Table) {
    let batches = table.samples(2000);
    let per_batch = 1000;
    let h = Box::new(Histogram::new());
    // Latencies from 1 µs to 10 ms, so many buckets are touched.
    let values: Vec<u64> = (0..4096u64).map(|i| 1_000 + (i * 2_441) % 10_000_000).collect();
    let single = time_batched(batches, per_batch, |k| h.record(values[k % values.len()]));
    let shared = time_batched(batches, per_batch, |k| h.record_shared(values[k % values.len()]));
    black_box(h.snapshot().p99());
    table.add(Row {
        stage: "histogram record (single writer)".into(),
        pitchcam: single,
        naive: None,
        budget: "–".into(),
    });
    table.add(Row {
        stage: "histogram record_shared (atomic RMW)".into(),
        pitchcam: shared,
        naive: None,
        budget: "–".into(),
    });
}
