//! The match model: determinism, physical plausibility over 20 minutes of play, event counts.
use pitchcam_core::geom::Size;
use pitchcam_core::sim::world::{Event, KickKind, MAX_ACCEL, Match, Phase, Team, Truth};
use pitchcam_core::sim::{SimConfig, SimError};

fn cfg(seed: u64, w: u32, h: u32) -> SimConfig {
    SimConfig { seed, size: Size { w, h }, ..SimConfig::default() }
}

fn run(c: &SimConfig, frames: usize) -> Vec<Truth> {
    let mut m = Match::new(c).expect("valid config");
    (0..frames).map(|_| *m.step()).collect()
}

#[test]
fn same_seed_gives_identical_truth_and_different_seeds_differ() {
    let a = run(&cfg(42, 960, 320), 3000);
    let b = run(&cfg(42, 960, 320), 3000);
    let c = run(&cfg(43, 960, 320), 3000);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.digest(), y.digest(), "frame {}", x.frame);
        assert_eq!(x, y);
    }
    let differ = a.iter().zip(&c).filter(|(x, y)| x.digest() != y.digest()).count();
    assert!(differ > 2900, "only {differ} of 3000 frames differ between seeds 42 and 43");
}

#[test]
fn frames_and_pts_count_up() {
    let t = run(&cfg(1, 960, 320), 61);
    for (i, f) in t.iter().enumerate() {
        assert_eq!(f.frame, i as u64);
    }
    assert_eq!(t[30].pts, 1_000_000_000);
    assert_eq!(t[60].pts, 2_000_000_000);
    assert_eq!(t[0].n_people, 29);
}

#[test]
fn bad_configs_are_refused_with_specific_errors() {
    let e = |c: SimConfig| Match::new(&c).err();
    assert_eq!(e(cfg(1, 100, 50)), Some(SimError::SizeTooSmall));
    assert_eq!(e(cfg(1, 961, 320)), Some(SimError::OddSize));
    assert_eq!(e(cfg(1, 320, 640)), Some(SimError::NotPanorama));
    assert_eq!(e(cfg(1, 3000, 200)), Some(SimError::TooManyTiles));
    assert_eq!(e(cfg(1, 20000, 2000)), Some(SimError::SizeTooLarge));
    assert_eq!(e(SimConfig { fps: 0, ..cfg(1, 960, 320) }), Some(SimError::ZeroFps));
    assert_eq!(e(SimConfig { fps: 1000, ..cfg(1, 960, 320) }), Some(SimError::FpsTooHigh));
    let mut c = cfg(1, 960, 320);
    c.noise.ball_miss_rate = f32::NAN;
    assert_eq!(e(c), Some(SimError::BadNoise("ball_miss_rate")));
    c = cfg(1, 960, 320);
    c.noise.false_ball_rate = 1.5;
    assert_eq!(e(c), Some(SimError::BadNoise("false_ball_rate")));
}

/// 20 minutes of match time: movement bounded, ball accounted for, football happens.
#[test]
fn twenty_minutes_are_plausible() {
    for seed in [7u64, 8] {
        let c = cfg(seed, 1140, 380);
        let fps = c.fps as f32;
        let mut m = Match::new(&c).unwrap();
        let frames = 20 * 60 * c.fps as usize;
        let mut prev: Option<Truth> = None;
        let (mut kicks, mut foot, mut outs, mut goals) = (0u32, 0u32, 0u32, 0u32);
        let (mut in_play, mut visible, mut dead_longest, mut dead_run) =
            (0usize, 0usize, 0usize, 0usize);
        let mut max_speed = 0f32;
        let mut max_ball_speed = 0f32;
        let mut max_gap_without_kick = 0usize;
        let mut since_kick = 0usize;
        for _ in 0..frames {
            let t = *m.step();
            let b = &t.ball;
            assert!(b.pos[0].is_finite() && b.pos[1].is_finite() && b.z >= 0.0);
            if b.in_play {
                in_play += 1;
                assert!(
                    b.in_frame,
                    "frame {}: ball in play outside the panorama: {:?}",
                    t.frame, b
                );
                assert!(matches!(t.phase, Phase::Play));
                visible += b.visible as usize;
                dead_run = 0;
            } else {
                dead_run += 1;
                dead_longest = dead_longest.max(dead_run);
            }
            // Even out of play the ball stays in the panorama (it rests on the run-off).
            assert!(
                b.pos[0] >= 0.0 && b.pos[0] < 1140.0 && b.pos[1] >= 0.0 && b.pos[1] < 380.0,
                "frame {}: ball at {:?}",
                t.frame,
                b.pos
            );
            max_ball_speed = max_ball_speed.max(b.speed);
            if t.kick != KickKind::None {
                kicks += 1;
                foot += t.kick.is_foot() as u32;
                max_gap_without_kick = max_gap_without_kick.max(since_kick);
                since_kick = 0;
            } else {
                since_kick += 1;
            }
            match t.event {
                Event::Out(_) => outs += 1,
                Event::Goal(team) => {
                    goals += 1;
                    assert_ne!(team, Team::None);
                }
                _ => {}
            }
            for p in t.people() {
                let [x1, y1, x2, y2] = p.bbox;
                assert!(x1 < x2 && y1 < y2, "person {} box {:?}", p.id, p.bbox);
                assert!(
                    x1 >= 0.0 && x2 <= 1140.0 && y1 >= 0.0 && y2 <= 380.0,
                    "person {} box {:?} off-image",
                    p.id,
                    p.bbox
                );
                let s = (p.vel[0] * p.vel[0] + p.vel[1] * p.vel[1]).sqrt();
                max_speed = max_speed.max(s);
            }
            if let Some(q) = prev {
                for (p, o) in t.people().iter().zip(q.people()) {
                    // Velocity integrates to position and changes at a bounded rate.
                    let dx = (p.pitch[0] - o.pitch[0]) * fps - p.vel[0];
                    let dy = (p.pitch[1] - o.pitch[1]) * fps - p.vel[1];
                    assert!(
                        dx.abs() < 1e-2 && dy.abs() < 1e-2,
                        "person {} moved inconsistently",
                        p.id
                    );
                    let ax = (p.vel[0] - o.vel[0]) * fps;
                    let ay = (p.vel[1] - o.vel[1]) * fps;
                    assert!(
                        (ax * ax + ay * ay).sqrt() <= MAX_ACCEL * 1.001,
                        "person {} accel",
                        p.id
                    );
                }
            }
            prev = Some(t);
        }
        let s = *m.stats();
        println!(
            "seed {seed}: {s:?}\n  kicks {kicks} (foot {foot}), outs {outs}, goals {goals}, in play {:.1} %, \
             visible when in play {:.1} %, longest dead {:.1} s, longest without a kick {:.1} s, \
             top speed {max_speed:.2} m/s, ball top speed {max_ball_speed:.1} m/s",
            100.0 * in_play as f32 / frames as f32,
            100.0 * visible as f32 / in_play.max(1) as f32,
            dead_longest as f32 / fps,
            max_gap_without_kick as f32 / fps
        );
        assert!(max_speed <= pitchcam_core::sim::world::MAX_SPEED + 1e-3, "top speed {max_speed}");
        assert!(max_speed > 7.5, "nobody sprinted flat out: {max_speed}");
        assert!(max_speed > 6.5, "nobody ever sprinted: {max_speed}");
        assert!(max_ball_speed < 36.0, "ball at {max_ball_speed} m/s");
        assert_eq!(kicks, s.kicks);
        assert!(s.passes >= 120, "passes {}", s.passes);
        assert!(s.long_balls >= 20, "long balls {}", s.long_balls);
        assert!(s.shots >= 4, "shots {}", s.shots);
        assert!(outs >= 8 && s.outs == outs, "outs {outs}");
        assert!(s.throw_ins >= 3, "throw-ins {}", s.throw_ins);
        assert!(s.tackles + s.interceptions >= 10);
        assert!(
            in_play as f32 / frames as f32 > 0.6,
            "ball in play only {in_play} of {frames} frames"
        );
        assert!(visible as f32 / in_play as f32 > 0.85);
        assert!(dead_longest as f32 / fps < 25.0, "a restart took {} s", dead_longest as f32 / fps);
    }
}
