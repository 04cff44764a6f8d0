//! The camera metrics on hand-made sequences whose answers are known.
use pitchcam_core::geom::Size;
use pitchcam_core::plan::{CameraMetrics, CameraState, FrameTruth, MetricsConfig};

const PANO: Size = Size { w: 100_000, h: 100_000 };

/// A square crop (aspect 1) of width `w` centred at `(x, y)`.
fn cam(x: f32, y: f32, w: f32) -> CameraState {
    CameraState::from_path(x, y, w, 1.0, PANO)
}

fn ball(x: f32, y: f32) -> FrameTruth {
    FrameTruth { x, y, in_play: true }
}

fn close(a: f32, b: f32, tol: f32) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn framing_shares_offsets_and_one_recovery() {
    let mut m = CameraMetrics::new(MetricsConfig::default());
    let c = cam(5000.0, 5000.0, 1000.0);
    // In play: 60 frames at the centre, 20 at +300 px (offset 0.6, safe), then an excursion of
    // 20 frames: 10 at +450 (in frame, outside the safe zone), 10 at +600 (out of frame), then
    // back at the centre. 20 frames out of play far away count for nothing.
    let mut seq = Vec::new();
    seq.extend(std::iter::repeat_n(ball(5000.0, 5000.0), 60));
    seq.extend(std::iter::repeat_n(ball(5300.0, 5000.0), 20));
    seq.extend(std::iter::repeat_n(ball(5450.0, 5000.0), 10));
    seq.extend(std::iter::repeat_n(ball(5600.0, 5000.0), 10));
    seq.extend(std::iter::repeat_n(FrameTruth { x: 0.0, y: 0.0, in_play: false }, 20));
    // The excursion must end in play to count as a recovery: put the last centre frame after.
    seq.insert(100, ball(5000.0, 5000.0));
    for t in &seq {
        m.push(t, &c);
    }
    let r = m.report();
    assert_eq!(r.frames, 121);
    assert_eq!(r.in_play_frames, 101);
    assert!(close(r.ball_in_frame, 91.0 / 101.0, 1e-6), "{r:?}");
    assert!(close(r.ball_in_safe_zone, 81.0 / 101.0, 1e-6), "{r:?}");
    let rms = ((20.0 * 0.36 + 10.0 * 0.81 + 10.0 * 1.44) / 101.0f32).sqrt();
    assert!(close(r.offset_rms, rms, 1e-4), "{} vs {rms}", r.offset_rms);
    // Rank 96 of 101 is a 1.2 offset; histogram buckets never report below the value.
    assert!(r.offset_p95 >= 1.2 && r.offset_p95 <= 1.2 * 17.0 / 16.0, "{r:?}");
    assert_eq!(r.recoveries, 1);
    assert!(close(r.recovery_s_p95, 20.0 / 30.0, 1e-6), "{r:?}");
    assert!(close(r.recovery_s_max, 20.0 / 30.0, 1e-6), "{r:?}");
    assert_eq!(r.recoveries_unfinished, 0);
    // A static camera: no motion at all.
    assert_eq!((r.velocity_max, r.accel_max, r.jerk_rms, r.reversals), (0.0, 0.0, 0.0, 0));
    assert_eq!(r.lag_ms, None, "the ball never moved continuously in play long enough");
}

#[test]
fn constant_velocity_has_no_acceleration_and_no_reversal() {
    let mut m = CameraMetrics::new(MetricsConfig::default());
    for n in 0..90 {
        let x = 2000.0 + 10.0 * n as f32; // 300 px/s
        m.push(&ball(x, 5000.0), &cam(x, 5000.0, 1000.0));
    }
    let r = m.report();
    assert!(close(r.velocity_max, 300.0, 0.05), "{r:?}");
    assert!(r.velocity_p99 >= 300.0 && r.velocity_p99 <= 300.0 * 17.0 / 16.0, "{r:?}");
    assert!(r.accel_max < 2.0 && r.jerk_rms < 60.0, "{r:?}");
    assert_eq!(r.reversals, 0);
    assert!(close(r.zoom_rate_max, 0.0, 1e-6));
    assert!(close(r.ball_in_frame, 1.0, 0.0) && close(r.offset_rms, 0.0, 1e-6));
}

#[test]
fn reversals_count_direction_changes_above_the_speed_threshold() {
    let mut m = CameraMetrics::new(MetricsConfig::default());
    let mut x = 3000.0f32;
    let mut push = |v: f32, frames: usize, m: &mut CameraMetrics| {
        for _ in 0..frames {
            x += v / 30.0;
            m.push(&ball(x, 5000.0), &cam(x, 5000.0, 1000.0));
        }
    };
    push(0.0, 1, &mut m);
    // Right, left, right, left at 60 px/s: three reversals.
    for v in [60.0, -60.0, 60.0, -60.0] {
        push(v, 30, &mut m);
    }
    // Wiggles at ±9 px/s (under the 20 px/s threshold) and a rest: no reversal; then left again
    // (same direction as the last real motion): still none.
    for k in 0..20 {
        push(if k % 2 == 0 { 9.0 } else { -9.0 }, 3, &mut m);
    }
    push(0.0, 30, &mut m);
    push(-60.0, 30, &mut m);
    let r = m.report();
    assert_eq!(r.reversals, 3, "{r:?}");
    assert!(close(r.reversals_per_s, 3.0 / (r.frames as f32 / 30.0), 1e-6));
    // 60 px/s reversed within one frame: 3600 px/s² (as second difference of positions).
    assert!(close(r.accel_max, 3600.0, 1.0), "{r:?}");
}

#[test]
fn zoom_rate_is_the_largest_relative_width_change_per_second() {
    let mut m = CameraMetrics::new(MetricsConfig::default());
    let mut w = 1000.0f32;
    for n in 0..60 {
        if n >= 30 {
            w *= 1.01; // 1 % per frame: 30 %/s
        }
        m.push(&ball(5000.0, 5000.0), &cam(5000.0, 5000.0, w));
    }
    let r = m.report();
    assert!(close(r.zoom_rate_max, 30.0, 0.01), "{r:?}");
}

/// A ball path with an irregular velocity profile, so the cross-correlation has one clear peak.
fn wandering_ball(frames: usize) -> Vec<f32> {
    let mut x = 5000.0f32;
    let mut v = 0.0f32;
    let mut s = 12345u32;
    (0..frames)
        .map(|_| {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let kick = ((s >> 16) % 1000) as f32 / 1000.0 - 0.5;
            v = 0.9 * v + 300.0 * kick;
            x += v / 30.0;
            x
        })
        .collect()
}

#[test]
fn lag_is_the_peak_of_the_velocity_cross_correlation() {
    let b = wandering_ball(900);
    for (shift, want_ms) in [(5i32, 5000.0 / 30.0), (-4, -4000.0 / 30.0), (0, 0.0)] {
        let mut m = CameraMetrics::new(MetricsConfig::default());
        for n in 0..b.len() {
            // shift > 0: the camera is where the ball was `shift` frames ago (it lags).
            let k = (n as i32 - shift).clamp(0, b.len() as i32 - 1) as usize;
            m.push(&ball(b[n], 5000.0), &cam(b[k], 5000.0, 1000.0));
        }
        let lag = m.report().lag_ms.expect("the ball moves");
        assert!(close(lag, want_ms, 0.01), "shift {shift}: lag {lag} ms, want {want_ms}");
    }
}

#[test]
fn jerk_of_a_cubic_path() {
    // x = n³ at 1 frame/s: third difference 6 px/s³ everywhere.
    let mut m = CameraMetrics::new(MetricsConfig { frame_rate: 1.0, ..MetricsConfig::default() });
    for n in 0..20 {
        let x = 10_000.0 + (n * n * n) as f32;
        m.push(&ball(x, 5000.0), &cam(x, 5000.0, 1000.0));
    }
    let r = m.report();
    assert!(close(r.jerk_rms, 6.0, 1e-3), "{r:?}");
}

#[test]
fn an_excursion_ended_by_a_stoppage_is_unfinished_not_a_recovery() {
    let mut m = CameraMetrics::new(MetricsConfig::default());
    let c = cam(5000.0, 5000.0, 1000.0);
    for _ in 0..10 {
        m.push(&ball(5000.0, 5000.0), &c);
    }
    for _ in 0..10 {
        m.push(&ball(5480.0, 5000.0), &c);
    }
    m.push(&FrameTruth { x: 5480.0, y: 5000.0, in_play: false }, &c);
    for _ in 0..5 {
        m.push(&ball(5480.0, 5000.0), &c); // out of the safe zone again, open at the end
    }
    let r = m.report();
    assert_eq!(r.recoveries, 0);
    assert_eq!(r.recoveries_unfinished, 2);
    assert_eq!(r.recovery_s_p95, 0.0);
}

#[test]
fn merged_accumulators_equal_one_over_both_sequences() {
    let b = wandering_ball(600);
    let frame = |n: usize| (ball(b[n], 5000.0), cam(b[n.saturating_sub(3)], 5000.0, 1200.0));
    let mut whole_a = CameraMetrics::new(MetricsConfig::default());
    let mut whole_b = CameraMetrics::new(MetricsConfig::default());
    let mut both = CameraMetrics::new(MetricsConfig::default());
    for n in 0..300 {
        let (t, c) = frame(n);
        whole_a.push(&t, &c);
    }
    for n in 300..600 {
        let (t, c) = frame(n);
        whole_b.push(&t, &c);
    }
    let mut merged = whole_a.clone();
    merged.merge(&whole_b);
    // `both` sees the two sequences as separate runs too.
    both.merge(&whole_a);
    both.merge(&whole_b);
    let (m, o) = (merged.report(), both.report());
    assert_eq!(m, o);
    assert_eq!(m.frames, 600);
    let (a, bb) = (whole_a.report(), whole_b.report());
    assert!(close(m.ball_in_frame, (a.ball_in_frame + bb.ball_in_frame) / 2.0, 1e-6));
    assert_eq!(m.reversals, a.reversals + bb.reversals);
    assert!(close(m.velocity_max, a.velocity_max.max(bb.velocity_max), 0.0));
    assert!(close(m.lag_ms.unwrap(), 100.0, 0.01), "3 frames behind: {:?}", m.lag_ms);
}
