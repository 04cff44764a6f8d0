//! The match model: determinism, physical plausibility over 20 minutes of play, event counts.
use pitchcam_core::geom::Size;
use pitchcam_core::sim::truth::{Event, KickKind, Phase, Team, Truth};
use pitchcam_core::sim::world::{MAX_ACCEL, MAX_SPEED, Match};
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

/// What a long run produced, after every per-frame invariant held.
struct RunStats {
    frames: usize,
    kicks: u32,
    outs: u32,
    in_play: usize,
    visible: usize,
    dead_longest_s: f32,
    max_speed: f32,
}

/// Runs `minutes` of match time checking every frame: the ball and everyone inside the panorama,
/// the ball in play only while the phase says so, positions integrating velocities, velocities
/// changing at most `MAX_ACCEL`, speeds at most `MAX_SPEED`, kicks and events counted.
fn checked_run(c: &SimConfig, minutes: usize) -> (RunStats, pitchcam_core::sim::world::MatchStats) {
    let (w, h) = (c.size.w as f32, c.size.h as f32);
    let fps = c.fps as f32;
    let mut m = Match::new(c).unwrap();
    let frames = minutes * 60 * c.fps as usize;
    let mut prev: Option<Truth> = None;
    let mut st = RunStats {
        frames,
        kicks: 0,
        outs: 0,
        in_play: 0,
        visible: 0,
        dead_longest_s: 0.0,
        max_speed: 0.0,
    };
    let mut dead_run = 0usize;
    let mut goals = 0;
    for _ in 0..frames {
        let t = *m.step();
        let b = &t.ball;
        assert!(b.pos[0].is_finite() && b.pos[1].is_finite() && b.z >= 0.0);
        if b.in_play {
            st.in_play += 1;
            assert!(b.in_frame, "frame {}: ball in play outside the panorama: {:?}", t.frame, b);
            assert!(matches!(t.phase, Phase::Play));
            st.visible += b.visible as usize;
            dead_run = 0;
        } else {
            dead_run += 1;
            st.dead_longest_s = st.dead_longest_s.max(dead_run as f32 / fps);
        }
        // Even out of play the ball stays in the panorama (it rests on the run-off).
        assert!(
            b.pos[0] >= 0.0 && b.pos[0] < w && b.pos[1] >= 0.0 && b.pos[1] < h,
            "frame {}: ball at {:?}",
            t.frame,
            b.pos
        );
        assert!(b.speed < 36.0, "frame {}: ball at {} m/s", t.frame, b.speed);
        st.kicks += (t.kick != KickKind::None) as u32;
        match t.event {
            Event::Out(_) => st.outs += 1,
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
                x1 >= 0.0 && x2 <= w && y1 >= 0.0 && y2 <= h,
                "frame {}: person {} box {:?} off-image",
                t.frame,
                p.id,
                p.bbox
            );
            st.max_speed = st.max_speed.max((p.vel[0] * p.vel[0] + p.vel[1] * p.vel[1]).sqrt());
        }
        if let Some(q) = prev {
            for (p, o) in t.people().iter().zip(q.people()) {
                // Velocity integrates to position and changes at a bounded rate.
                let dx = (p.pitch[0] - o.pitch[0]) * fps - p.vel[0];
                let dy = (p.pitch[1] - o.pitch[1]) * fps - p.vel[1];
                assert!(dx.abs() < 1e-2 && dy.abs() < 1e-2, "person {} moved inconsistently", p.id);
                let ax = (p.vel[0] - o.vel[0]) * fps;
                let ay = (p.vel[1] - o.vel[1]) * fps;
                assert!(
                    (ax * ax + ay * ay).sqrt() <= MAX_ACCEL * 1.001,
                    "frame {}: person {} accel",
                    t.frame,
                    p.id
                );
            }
        }
        prev = Some(t);
    }
    let s = *m.stats();
    assert_eq!(st.kicks, s.kicks);
    assert_eq!(st.outs, s.outs);
    assert_eq!(goals, s.goals);
    assert!(st.max_speed <= MAX_SPEED + 1e-3, "top speed {}", st.max_speed);
    (st, s)
}

/// 20 minutes of match time: movement bounded, ball accounted for, football happens.
#[test]
fn twenty_minutes_are_plausible() {
    for seed in [7u64, 8] {
        let c = cfg(seed, 1140, 380);
        let (st, s) = checked_run(&c, 20);
        println!(
            "seed {seed}: {s:?}\n  in play {:.1} %, visible when in play {:.1} %, longest dead {:.1} s, top speed {:.2} m/s",
            100.0 * st.in_play as f32 / st.frames as f32,
            100.0 * st.visible as f32 / st.in_play.max(1) as f32,
            st.dead_longest_s,
            st.max_speed
        );
        assert!(st.max_speed > 7.5, "nobody sprinted flat out: {}", st.max_speed);
        assert!(s.passes >= 120, "passes {}", s.passes);
        assert!(s.long_balls >= 20, "long balls {}", s.long_balls);
        assert!(s.shots >= 4, "shots {}", s.shots);
        assert!(st.outs >= 8, "outs {}", st.outs);
        assert!(s.throw_ins >= 3, "throw-ins {}", s.throw_ins);
        assert!(s.tackles + s.interceptions >= 10);
        assert!(
            st.in_play as f32 / st.frames as f32 > 0.6,
            "ball in play only {} of {} frames",
            st.in_play,
            st.frames
        );
        assert!(st.visible as f32 / st.in_play as f32 > 0.85);
        assert!(st.dead_longest_s < 25.0, "a restart took {} s", st.dead_longest_s);
    }
}

/// The model integrates in seconds, so other frame rates play the same football.
#[test]
fn other_frame_rates_hold_the_same_invariants() {
    for fps in [25u32, 60] {
        let c = SimConfig { fps, ..cfg(3, 960, 320) };
        let (st, s) = checked_run(&c, 6);
        println!("{fps} fps: {s:?}");
        assert!(s.passes >= 30 && st.outs >= 1, "{fps} fps: {s:?}");
        assert!(st.in_play as f32 / st.frames as f32 > 0.6);
    }
}
