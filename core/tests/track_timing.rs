//! The tracker's bookkeeping: timestamp pathologies, state transitions, history capacity,
//! configuration checks, the candidate list and the player summary in the observation, and a
//! fuzz run that must never panic.
mod track_support;

use pitchcam_core::detect::{Class, Detection};
use pitchcam_core::geom::{Size, q8_to_px};
use pitchcam_core::obs::BallState;
use pitchcam_core::time::{CLOCK_TIME_NONE, MSECOND, SECOND};
use pitchcam_core::track::{MAX_BALL_INPUTS, Tracker, TrackerConfig};
use track_support::*;

/// A ball at 600 px/s along x, detected every frame from `from`.
fn moving(i: u64) -> Vec<Detection> {
    vec![ball(1000.0 + 20.0 * i as f64, 900.0, 0.7)]
}

fn acquired() -> Tracker<64> {
    let mut t: Tracker<64> = Tracker::new(TrackerConfig::default()).unwrap();
    for i in 0..10 {
        t.step(pts(i), &moving(i));
    }
    assert_eq!(t.ball().state, BallState::Measured);
    t
}

#[test]
fn states_go_lost_predicted_measured_then_predicted_then_lost() {
    let mut t: Tracker<64> = Tracker::new(TrackerConfig::default()).unwrap();
    // Before any ball: Lost at the panorama centre.
    let o = t.step(pts(0), &[]);
    assert_eq!(o.ball.state, BallState::Lost);
    assert_eq!((q8_to_px(o.ball.pos.x), q8_to_px(o.ball.pos.y)), (2850.0, 950.0));
    // The first two hits are not enough (confirm_hits = 3), the third acquires.
    assert_eq!(t.step(pts(1), &moving(1)).ball.state, BallState::Lost);
    assert_eq!(t.step(pts(2), &moving(2)).ball.state, BallState::Lost);
    let o = t.step(pts(3), &moving(3));
    assert_eq!(o.ball.state, BallState::Measured);
    assert_eq!(o.ball.confidence, (0.7f64 * 65536.0) as u16);
    assert_eq!(t.stats().acquisitions, 1);
    for i in 4..10 {
        t.step(pts(i), &moving(i));
    }
    // No detection: Predicted with decaying confidence for 1 s, then Lost, frozen, zero speed.
    let mut last_conf = u16::MAX;
    for i in 10..=39 {
        let o = t.step(pts(i), &[]);
        assert_eq!(o.ball.state, BallState::Predicted, "frame {i}");
        assert!(o.ball.confidence < last_conf);
        last_conf = o.ball.confidence;
        // Extrapolated along the path.
        let want = 1000.0 + 20.0 * i as f64;
        assert!((q8_to_px(o.ball.pos.x) as f64 - want).abs() < 15.0, "frame {i}");
    }
    let o = t.step(pts(40), &[]);
    assert_eq!(o.ball.state, BallState::Lost);
    assert_eq!((o.ball.vel.x, o.ball.vel.y, o.ball.confidence), (0, 0, 0));
    let frozen = o.ball.pos;
    assert_eq!(t.step(pts(80), &[]).ball.pos, frozen);
    // Seen again near where it was lost: picked up on the first frame.
    let o = t.step(pts(81), &[ball(q8_to_px(frozen.x) as f64 + 50.0, 900.0, 0.6)]);
    assert_eq!(o.ball.state, BallState::Measured);
    assert_eq!(t.stats().reacquisitions, 1);
}

#[test]
fn prediction_runs_to_the_panorama_edge_and_stops_there() {
    let mut t: Tracker<64> = Tracker::new(TrackerConfig::default()).unwrap();
    for i in 0..20 {
        t.step(pts(i), &[ball(5500.0 + 9.0 * i as f64, 900.0, 0.7)]);
    }
    for i in 20..60 {
        let o = t.step(pts(i), &[]);
        assert!(q8_to_px(o.ball.pos.x) <= 5699.0, "frame {i}");
    }
}

#[test]
fn clock_time_none_and_duplicates_hold_the_estimate() {
    let mut t = acquired();
    let before = t.ball();
    let hist = t.history().len();
    // A different ball position on a frame without time must not be used.
    let o = t.step(CLOCK_TIME_NONE, &[ball(3000.0, 300.0, 0.9)]);
    assert_eq!(o.pts, CLOCK_TIME_NONE);
    assert_eq!(o.ball, before);
    assert_eq!(o.n_candidates, 1, "candidates are still reported");
    let o = t.step(pts(9), &moving(9));
    assert_eq!(o.ball, before);
    assert_eq!(t.stats().pts_none, 1);
    assert_eq!(t.stats().pts_duplicate, 1);
    assert_eq!(t.history().len(), hist, "held frames are not recorded");
    // Time goes on normally afterwards.
    assert_eq!(t.step(pts(10), &moving(10)).ball.state, BallState::Measured);
}

#[test]
fn backwards_pts_resets() {
    let mut t = acquired();
    let o = t.step(pts(3), &moving(3));
    assert_eq!(t.stats().pts_backwards, 1);
    assert_eq!(o.ball.state, BallState::Lost, "a fresh tracker needs confirmation");
    assert_eq!(t.history().len(), 1);
    for i in 4..8 {
        t.step(pts(i), &moving(i));
    }
    assert_eq!(t.ball().state, BallState::Measured);
    assert_eq!(t.stats().acquisitions, 2);
}

#[test]
fn gaps_are_counted_and_long_jumps_reset() {
    let mut t = acquired();
    // 300 ms gap: counted; the ball is predicted across it and measured again.
    let o = t.step(pts(19), &moving(19));
    assert_eq!(t.stats().pts_gaps, 1);
    assert_eq!(o.ball.state, BallState::Measured);
    // 20 s jump: reset.
    t.step(pts(19) + 20 * SECOND, &moving(19));
    assert_eq!(t.stats().pts_jumps, 1);
    assert_eq!(t.ball().state, BallState::Lost);
    assert_eq!(t.history().len(), 1);
}

#[test]
fn timing_comes_from_pts_not_frame_count() {
    // The same motion sampled at 60 fps and at an irregular rate gives the same velocity.
    for step_ms in [16u64, 33, 50] {
        let mut t: Tracker<64> = Tracker::new(TrackerConfig::default()).unwrap();
        let mut ts = 0u64;
        while ts < 2 * SECOND {
            let x = 1000.0 + 700.0 * ts as f64 / SECOND as f64;
            t.step(ts, &[ball(x, 900.0, 0.7)]);
            ts += step_ms * MSECOND + (ts / MSECOND % 3) * MSECOND;
        }
        let v = q8_to_px(t.ball().vel.x);
        assert!((v - 700.0).abs() < 5.0, "{step_ms} ms: {v}");
    }
}

#[test]
fn history_capacity_is_respected_and_ordered() {
    let mut t: Tracker<16> = Tracker::new(TrackerConfig::default()).unwrap();
    for i in 0..100 {
        t.step(pts(i), &moving(i));
    }
    assert_eq!(t.history().len(), 16);
    assert_eq!(t.history().capacity(), 16);
    let got: Vec<u64> = t.history().oldest_ordered().map(|h| h.pts).collect();
    let want: Vec<u64> = (84..100).map(pts).collect();
    assert_eq!(got, want);
    let last = t.history().recent().unwrap();
    assert_eq!(last.state, BallState::Measured);
    assert_eq!(last.pos, t.ball().pos);
    assert_eq!(last.vel, t.ball().vel);
    // Lost/Predicted frames are recorded too.
    t.step(pts(100), &[]);
    assert_eq!(t.history().recent().unwrap().state, BallState::Predicted);
}

#[test]
fn candidates_are_best_first_capped_and_counted() {
    let mut t: Tracker<8> = Tracker::new(TrackerConfig::default()).unwrap();
    let mut dets = Vec::new();
    crowd(0, &mut dets);
    for (k, s) in [0.3, 0.9, 0.5, 0.7, 0.6, 0.2].iter().enumerate() {
        dets.push(ball(500.0 + 300.0 * k as f64, 400.0, *s));
    }
    let o = t.step(pts(0), &dets);
    assert_eq!(o.n_candidates, 4);
    let scores: Vec<u16> = o.candidates().iter().map(|c| c.score).collect();
    let want: Vec<u16> = [0.9, 0.7, 0.6, 0.5].iter().map(|s| (s * 65536.0) as u16).collect();
    assert_eq!(scores, want);
    assert_eq!(q8_to_px(o.candidates[0].pos.x), 800.0);
    // A frame with more ball detections than the tracker considers.
    let many: Vec<Detection> =
        (0..MAX_BALL_INPUTS + 8).map(|k| ball(100.0 + 50.0 * k as f64, 1000.0, 0.5)).collect();
    let o = t.step(pts(1), &many);
    assert_eq!(o.n_candidates, 4);
    assert_eq!(t.stats().candidates_ignored, 8);
}

#[test]
fn observation_carries_the_player_summary() {
    let mut t: Tracker<8> = Tracker::new(TrackerConfig::default()).unwrap();
    let mut dets = Vec::new();
    crowd(0, &mut dets);
    let o = t.step(pts(0), &dets);
    assert_eq!(o.players.count, 22, "25 people minus 3 referees");
    assert_eq!(o.players, pitchcam_core::track::summarize_players(&dets));
    let o = t.step(pts(1), &[]);
    assert_eq!(o.players.count, 0);
}

#[test]
fn config_is_validated_and_scales_with_the_panorama() {
    let ok = TrackerConfig::default();
    assert!(ok.validate().is_ok());
    let bad = [
        (TrackerConfig { max_speed: f32::NAN, ..ok }, "max_speed"),
        (TrackerConfig { gate_max: 10.0, ..ok }, "gate_max"),
        (TrackerConfig { confirm_hits: 0, ..ok }, "confirm_hits"),
        (TrackerConfig { rival_hits: 1, ..ok }, "rival_hits"),
        (TrackerConfig { pano: Size { w: 0, h: 10 }, ..ok }, "pano"),
        (TrackerConfig { predict_for: 0, ..ok }, "predict_for"),
        (TrackerConfig { reset_after: 0, ..ok }, "reset_after"),
    ];
    for (cfg, field) in bad {
        let e = Tracker::<4>::new(cfg).unwrap_err();
        assert_eq!(e.field, field);
        assert!(e.to_string().contains(field));
    }
    let half = TrackerConfig::for_panorama(Size { w: 2850, h: 950 });
    assert!(half.validate().is_ok());
    assert_eq!(half.max_speed, ok.max_speed / 2.0);
    assert_eq!(half.gate_max, ok.gate_max / 2.0);
    assert_eq!(half.predict_for, ok.predict_for);
}

/// A half-resolution panorama with the scaled config follows a half-scale pass as well as the
/// reference follows the full-scale one.
#[test]
fn scaled_config_tracks_a_scaled_match() {
    let cfg = TrackerConfig::for_panorama(Size { w: 2850, h: 950 });
    let mut t: Tracker<8> = Tracker::new(cfg).unwrap();
    let mut rng = Rng::new(11);
    let mut worst: f64 = 0.0;
    for i in 0..120u64 {
        let (x, y) = (400.0 + 12.0 * i as f64, 500.0 + 2.0 * i as f64);
        let o = t.step(pts(i), &[ball(x + 0.75 * rng.gauss(), y + 0.75 * rng.gauss(), 0.6)]);
        if i > 8 {
            worst = worst.max(dist(&o, x, y));
        }
    }
    assert!(worst < 4.0, "{worst}");
}

/// Random frames — random PTS steps (including none, duplicates, backwards, huge), random boxes
/// anywhere (inverted, far outside), random classes — never panic, and every estimate stays
/// inside the panorama with a plausible speed.
#[test]
fn fuzz_never_panics_and_stays_in_bounds() {
    let mut rng = Rng::new(12);
    let cfg = TrackerConfig::default();
    let mut t: Tracker<32> = Tracker::new(cfg).unwrap();
    let mut ts = 0u64;
    for _ in 0..50_000 {
        ts = match rng.next_u64() % 20 {
            0 => CLOCK_TIME_NONE,
            1 => ts,
            2 => ts.saturating_sub(rng.next_u64() % (5 * SECOND)),
            3 => ts.saturating_add(rng.next_u64() % (30 * SECOND)),
            4 => rng.next_u64(),
            _ => ts.saturating_add(33 * MSECOND),
        };
        if ts == CLOCK_TIME_NONE && rng.chance(0.5) {
            ts = 0;
        }
        let n = (rng.next_u64() % 40) as usize;
        let dets: Vec<Detection> = (0..n)
            .map(|_| {
                let wild = rng.chance(0.05);
                let mut c = || {
                    if wild {
                        rng.next_u64() as i32
                    } else {
                        (rng.range(-100.0, 6000.0) * 256.0) as i32
                    }
                };
                Detection {
                    x1: c(),
                    y1: c(),
                    x2: c(),
                    y2: c(),
                    score: rng.next_u64() as u16,
                    class: if rng.chance(0.3) {
                        Class::Ball as u8
                    } else {
                        (rng.next_u64() % 7) as u8
                    },
                    reserved: 0,
                }
            })
            .collect();
        let o = t.step(ts, &dets);
        let (x, y) = (q8_to_px(o.ball.pos.x), q8_to_px(o.ball.pos.y));
        assert!((0.0..=5700.0).contains(&x) && (0.0..=1900.0).contains(&y), "{x},{y}");
        let v = q8_to_px(o.ball.vel.x).hypot(q8_to_px(o.ball.vel.y));
        assert!(v <= cfg.max_speed * 1.001, "{v}");
        assert!(o.n_candidates as usize <= 4);
    }
    assert_eq!(t.stats().frames, 50_000);
}
