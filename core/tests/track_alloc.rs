//! The tracker allocates nothing per frame: a counting global allocator sees zero allocations
//! across 10 000 steps of a busy synthetic match (after the inputs were built).
mod track_support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use track_support::*;

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call unchanged to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn ten_thousand_steps_allocate_nothing() {
    let mut rng = Rng::new(13);
    let frames: Vec<Vec<_>> = (0..10_000u64)
        .map(|i| {
            let mut dets = Vec::new();
            crowd(i, &mut dets);
            let t = i as f64 / 30.0;
            if rng.chance(0.85) {
                dets.push(ball(
                    2850.0 + 2000.0 * (t * 0.3).sin(),
                    950.0 + 600.0 * (t * 0.5).cos(),
                    0.6,
                ));
            }
            if rng.chance(0.7) {
                dets.push(ball(2900.0, 1840.0, 0.8));
            }
            if rng.chance(0.1) {
                dets.push(ball(rng.range(0.0, 5700.0), rng.range(0.0, 1900.0), 0.5));
            }
            dets
        })
        .collect();
    let mut t = Box::new(tracker());
    let before = ALLOCS.load(Ordering::Relaxed);
    assert!(before > 0, "the counting allocator is in use (it saw the setup's vectors)");
    let mut measured = 0;
    for (i, f) in frames.iter().enumerate() {
        let o = t.step(pts(i as u64), f);
        measured += (o.ball.state == pitchcam_core::obs::BallState::Measured) as u32;
    }
    let after = ALLOCS.load(Ordering::Relaxed);
    assert_eq!(after - before, 0, "allocations during tracking");
    assert!(measured > 7_000, "the run tracked something: {measured}");
}
