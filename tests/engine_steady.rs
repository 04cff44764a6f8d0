//! Steady state of a real run, long enough to wrap the delay ring many times: the ring never
//! holds more than its capacity, its memory is capacity × one NV12 frame, pitchcam's hot path
//! makes no Rust allocation after warm-up, and memory does not grow frame by frame.
//!
//! The allocation counter's negative control (an allocation inside a hot section is counted)
//! is `tests/hot_path_alloc.rs::the_counter_sees_an_allocation_in_a_hot_section`.

mod engine_support;

use engine_support::*;

#[test]
fn ring_stays_within_capacity_and_the_hot_path_allocates_nothing_over_many_wraps() {
    let dir = out_dir("engine-steady");
    // Delay 0.5 s: a ring of 15 + 16 headroom frames, wrapped ~14 times in 15 s.
    run_ok(&[
        "run",
        "--resolution",
        "960x320",
        "--camera-size",
        "640x360",
        "--delay",
        "0.5",
        "--duration",
        "15",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let r = report(&dir);
    let cap = int(&r, "ring.capacity");
    let high = int(&r, "ring.high_water");
    let frames_in = int(&r, "frames_in");
    assert_eq!(cap, 15 + 16, "delay × fps + headroom: {r:#}");
    assert!(frames_in >= 10 * cap, "the ring wrapped ≥ 10 times ({frames_in} frames): {r:#}");
    assert!(high <= cap, "ring held {high} > capacity {cap}");
    assert_eq!(high, cap, "the ring filled up (the run was long enough to test the bound)");
    let frame = int(&r, "ring.frame_bytes");
    assert_eq!(frame, 960 * 320 * 3 / 2, "a ring entry is one NV12 frame");
    let max_mb = num(&r, "ring.max_mb");
    assert!((max_mb - (cap * frame) as f64 / 1e6).abs() < 1e-6, "ring memory = capacity × frame");
    assert_eq!(int(&r, "capture.foreign_buffers"), 0, "frames from the ring's own pool");

    // Zero Rust allocations in the hot sections (probe, analysis step, playback tick, sim
    // frame), counted from 5 s after the first output frame to the end.
    assert_eq!(int(&r, "hot_allocations"), 0, "{r:#}");
    assert_eq!(num(&r, "allocations_per_frame"), 0.0, "{r:#}");

    // Memory: a leaked frame would be +460 KB per frame, ~800 MB/min. The bound is loose on
    // purpose (a 15-s slope on a shared machine is noisy); the benchmark measures the real
    // slope over minutes.
    let slope = num(&r, "rss_mb.slope_mb_per_min");
    assert!(slope < 20.0, "RSS grows {slope:.1} MB/min: a leak per frame? {r:#}");
    assert!(num(&r, "rss_mb.max") - num(&r, "rss_mb.start") < 100.0, "{r:#}");
    std::fs::remove_dir_all(&dir).unwrap();
}
