//! The planner's promises that must hold for any input: the crop is even, inside the panorama and
//! at the configured aspect; the camera path is finite and obeys its speed, acceleration and zoom
//! rate limits from frame to frame (except where it is placed anew, which is counted); bad input
//! never panics. Checked on synthetic matches and on adversarial sequences (teleporting and
//! flickering balls, empty frames, garbage coordinates, broken timestamps), on several panorama
//! sizes.
mod plan_synth;

use pitchcam_core::geom::{PointQ8, Rect, Size};
use pitchcam_core::obs::{BallCandidate, BallState, Observation, PlayerSummary};
use pitchcam_core::plan::{
    CameraState, ConfigError, DEFAULT_WINDOW, PitchModel, Planner, PlannerConfig, Preset,
};
use pitchcam_core::time::{CLOCK_TIME_NONE, frame_pts};
use plan_synth::{Match, Rng, SynthConfig, obs_at, q8, score};

const DELAY: usize = 210;

/// Checks every frame's crop and the path's limits; returns the number of frames checked.
struct Checker {
    cfg: PlannerConfig,
    pano: Size,
    prev: Option<(CameraState, u64)>,
    prev_v: Option<(f32, f32)>,
    placements: u64,
    checked: u64,
}

impl Checker {
    fn new(cfg: PlannerConfig, pano: Size) -> Self {
        Checker { cfg, pano, prev: None, prev_v: None, placements: 0, checked: 0 }
    }

    fn check<const W: usize>(&mut self, planner: &Planner<W>, cam: &CameraState, ctx: &str) {
        let p = self.pano;
        let r: Rect = cam.rect;
        assert!(r.x >= 0 && r.y >= 0, "{ctx}: crop {r:?} leaves the panorama {p:?}");
        assert!(
            r.x + r.w <= p.w as i32 && r.y + r.h <= p.h as i32,
            "{ctx}: crop {r:?} leaves {p:?}"
        );
        assert!(r.w >= 2 && r.h >= 2, "{ctx}: empty crop {r:?}");
        assert!(r.x % 2 == 0 && r.y % 2 == 0 && r.w % 2 == 0 && r.h % 2 == 0, "{ctx}: odd {r:?}");
        let aspect = r.w as f32 / r.h as f32;
        assert!(
            (aspect - self.cfg.aspect).abs() <= self.cfg.aspect * 2.5 / r.h as f32 + 1e-3,
            "{ctx}: aspect {aspect} of {r:?}, want {}",
            self.cfg.aspect
        );
        for (name, v) in
            [("cx", cam.cx), ("cy", cam.cy), ("width", cam.width), ("vx", cam.vx), ("vy", cam.vy)]
        {
            assert!(v.is_finite(), "{ctx}: {name} = {v}");
        }
        let widest = self.cfg.widest(p);
        assert!(
            cam.width >= self.cfg.zoom_min_px - 0.01 && cam.width <= widest + 0.01,
            "{ctx}: width {} outside [{}, {widest}]",
            cam.width,
            self.cfg.zoom_min_px
        );
        // The continuous path keeps the crop inside too.
        let h = cam.width / self.cfg.aspect;
        assert!(
            cam.cx - cam.width / 2.0 >= -0.01 && cam.cx + cam.width / 2.0 <= p.w as f32 + 0.01,
            "{ctx}: path x {} w {}",
            cam.cx,
            cam.width
        );
        assert!(
            cam.cy - h / 2.0 >= -0.01 && cam.cy + h / 2.0 <= p.h as f32 + 0.01,
            "{ctx}: path y {} h {h}",
            cam.cy
        );

        let placements = planner.counters().camera_placements;
        let placed = placements != self.placements;
        self.placements = placements;
        if let (false, Some((prev, prev_pts))) = (placed, self.prev) {
            if cam.pts > prev_pts {
                let dt = (cam.pts - prev_pts) as f32 * 1e-9;
                let vx = (cam.cx - prev.cx) / dt;
                let vy = (cam.cy - prev.cy) / dt;
                let c = &self.cfg;
                let tol = 1.02;
                assert!(vx.abs() <= c.max_pan_speed * tol + 1.0, "{ctx}: pan speed {vx}");
                // The tilt may also be pushed by an edge moving in while the zoom widens.
                let edge = 0.5 * h * c.max_zoom_rate;
                assert!(vy.abs() <= c.max_tilt_speed * tol + edge + 1.0, "{ctx}: tilt speed {vy}");
                let zr = (cam.width - prev.width).abs() / prev.width / dt;
                assert!(zr <= c.max_zoom_rate * tol + 1e-4, "{ctx}: zoom rate {zr}/s");
                if let Some((pvx, pvy)) = self.prev_v {
                    let a = ((vx - pvx) / dt).hypot((vy - pvy) / dt);
                    assert!(a <= c.max_accel * tol + 5.0, "{ctx}: acceleration {a} px/s²");
                }
                self.prev_v = Some((vx, vy));
                self.checked += 1;
            }
        } else {
            self.prev_v = None;
        }
        self.prev = Some((*cam, cam.pts));
    }
}

/// Plays `obs` through a planner with the 7 s window semantics, checking every crop.
fn play(cfg: PlannerConfig, pano: Size, obs: &[Observation], ctx: &str) -> Planner {
    let mut planner = Planner::<DEFAULT_WINDOW>::new(cfg, pano).expect("valid config");
    let mut chk = Checker::new(cfg, pano);
    for i in 0..obs.len() + DELAY {
        if i < obs.len() {
            planner.push(&obs[i]);
        }
        if i >= DELAY {
            let cam = planner.crop_at(obs[i - DELAY].pts);
            chk.check(&planner, &cam, &format!("{ctx} frame {}", i - DELAY));
        }
    }
    assert!(chk.checked as usize > obs.len() / 2, "{ctx}: limits checked on too few frames");
    planner
}

fn synth(pano: Size, seed: u64, frames: usize) -> Vec<Observation> {
    Match::new(SynthConfig::new(pano), seed).take(frames).map(|f| f.obs).collect()
}

const PANOS: [Size; 4] = [
    Size { w: 5700, h: 1900 },
    Size { w: 1920, h: 640 },
    Size { w: 3840, h: 2160 },
    Size { w: 640, h: 360 },
];

#[test]
fn limits_hold_on_synthetic_matches_for_every_preset_and_panorama() {
    for (k, &pano) in PANOS.iter().enumerate() {
        let obs = synth(pano, 11 + k as u64, 2400);
        for preset in [Preset::Broadcast, Preset::Action, Preset::Wide] {
            for lookahead in [true, false] {
                let mut cfg = PlannerConfig::preset(preset, pano);
                cfg.lookahead = lookahead;
                play(cfg, pano, &obs, &format!("{pano:?} {preset:?} lookahead {lookahead}"));
            }
        }
    }
}

/// A ball that teleports across the panorama every half second, with a decoy flickering
/// between two far corners and players jumping about.
fn adversarial(pano: Size, seed: u64, frames: usize) -> Vec<Observation> {
    let mut rng = Rng::new(seed);
    let (w, h) = (pano.w as f32, pano.h as f32);
    let mut ball = (w / 2.0, h / 2.0);
    (0..frames)
        .map(|i| {
            let pts = frame_pts(i as u64, 30, 1);
            if i % 15 == 0 {
                ball = (rng.range(-0.1 * w, 1.1 * w), rng.range(-0.1 * h, 1.1 * h));
            }
            let mut o = obs_at(
                pts,
                Some(ball),
                Some((rng.range(0.0, w), rng.range(0.0, h), rng.range(0.0, w))),
            );
            if i % 2 == 0 {
                o.candidates[1] = BallCandidate { pos: q8(0.0, 0.0), score: score(0.9) };
            } else {
                o.candidates[1] = BallCandidate { pos: q8(w, h), score: score(0.9) };
            }
            o.n_candidates = 2;
            if rng.chance(0.2) {
                o.ball.state = BallState::Lost;
                o.n_candidates = 0;
            }
            o
        })
        .collect()
}

#[test]
fn limits_hold_for_teleporting_and_flickering_balls() {
    for (k, &pano) in PANOS.iter().enumerate() {
        let obs = adversarial(pano, 100 + k as u64, 1800);
        for preset in [Preset::Broadcast, Preset::Action] {
            for lookahead in [true, false] {
                let mut cfg = PlannerConfig::preset(preset, pano);
                cfg.lookahead = lookahead;
                play(cfg, pano, &obs, &format!("adversarial {pano:?} {preset:?} {lookahead}"));
            }
        }
    }
}

/// Observations whose every field is extreme: coordinates at the ends of i32, invalid candidate
/// counts, empty and absurd player summaries.
fn garbage(seed: u64, frames: usize) -> Vec<Observation> {
    let mut rng = Rng::new(seed);
    let extreme = |rng: &mut Rng| match (rng.f() * 6.0) as u32 {
        0 => i32::MIN,
        1 => i32::MAX,
        2 => 0,
        3 => -1,
        _ => (rng.u64() as u32) as i32,
    };
    (0..frames)
        .map(|i| {
            let mut o = Observation { pts: frame_pts(i as u64, 30, 1), ..Observation::default() };
            o.ball.pos = PointQ8 { x: extreme(&mut rng), y: extreme(&mut rng) };
            o.ball.vel = PointQ8 { x: extreme(&mut rng), y: extreme(&mut rng) };
            o.ball.confidence = rng.u64() as u16;
            o.ball.state = [BallState::Measured, BallState::Predicted, BallState::Lost][i % 3];
            for c in o.candidates.iter_mut() {
                c.pos = PointQ8 { x: extreme(&mut rng), y: extreme(&mut rng) };
                c.score = rng.u64() as u16;
            }
            o.n_candidates = (rng.u64() % 256) as u8;
            o.players = PlayerSummary {
                count: rng.u64() as u16,
                centroid: PointQ8 { x: extreme(&mut rng), y: extreme(&mut rng) },
                spread: PointQ8 { x: extreme(&mut rng), y: extreme(&mut rng) },
                min: PointQ8 { x: extreme(&mut rng), y: extreme(&mut rng) },
                max: PointQ8 { x: extreme(&mut rng), y: extreme(&mut rng) },
            };
            o
        })
        .collect()
}

#[test]
fn garbage_observations_keep_the_crop_valid_and_finite() {
    for &pano in &PANOS {
        let obs = garbage(7, 900);
        for lookahead in [true, false] {
            let mut cfg = PlannerConfig::preset(Preset::Action, pano);
            cfg.lookahead = lookahead;
            let p = play(cfg, pano, &obs, &format!("garbage {pano:?} {lookahead}"));
            assert!(p.counters().off_panorama > 0, "far-off detections are counted");
        }
    }
}

#[test]
fn empty_stretches_and_broken_timestamps_never_panic_and_are_counted() {
    let pano = Size { w: 5700, h: 1900 };
    let cfg = PlannerConfig::default();
    let mut planner = Planner::<DEFAULT_WINDOW>::new(cfg, pano).unwrap();
    // Queries before any observation: the whole width, centred.
    let cam = planner.crop_at(0);
    assert_eq!(cam.rect, Rect::from_center(2850.0, 950.0, cfg.widest(pano), cfg.aspect, pano));
    assert_eq!(planner.counters().queries_empty, 1);

    let mut pts = 1_000_000_000u64;
    let step = frame_pts(1, 30, 1);
    let mut chk = Checker::new(cfg, pano);
    for i in 0..3000u64 {
        let o = match i % 500 {
            0..=99 => obs_at(pts, Some((1000.0 + i as f32, 900.0)), Some((2000.0, 1000.0, 500.0))),
            100..=299 => Observation { pts, ..Observation::default() },
            _ => obs_at(pts, None, Some((3000.0, 1100.0, 600.0))),
        };
        planner.push(&o);
        if i % 97 == 0 {
            planner.push(&o); // duplicate
        }
        if i % 301 == 0 {
            planner.push(&Observation { pts: CLOCK_TIME_NONE, ..o });
        }
        if i == 1500 {
            pts += 5_000_000_000; // a 5 s hole in the stream
        }
        pts += step;
        let q = pts.saturating_sub(7_000_000_000);
        let cam = planner.crop_at(q);
        chk.check(&planner, &cam, &format!("frame {i}"));
        if i % 250 == 0 {
            // Repeated query: the same answer (and nothing NaN, so it compares equal).
            assert_eq!(planner.crop_at(q), cam);
        }
    }
    let n = *planner.counters();
    assert!(n.duplicates >= 30, "{n:?}");
    assert!(n.invalid_pts >= 9, "{n:?}");
    assert!(n.stream_gaps >= 1, "{n:?}");
    assert!(n.queries_before_window > 0, "{n:?}");

    // The stream restarts from an earlier PTS: the planner resets and carries on.
    let before = n.backward_resets;
    planner.push(&obs_at(0, Some((500.0, 500.0)), None));
    assert_eq!(planner.counters().backward_resets, before + 1);
    assert_eq!(planner.window_len(), 1);
    // A track needs a few consistent detections before the camera believes it.
    for k in 1..5u64 {
        planner.push(&obs_at(k * step, Some((500.0 + k as f32, 500.0)), None));
    }
    let cam = planner.crop_at(0);
    assert!(cam.rect.contains(500.0, 500.0), "placed on the only ball it knows: {cam:?}");
    // Queries going backwards or jumping far ahead re-place the camera, without panic.
    let placements = planner.counters().camera_placements;
    planner.crop_at(10 * step);
    planner.crop_at(5 * step);
    planner.crop_at(1_000_000 * step);
    assert!(planner.counters().camera_placements >= placements + 2);
}

#[test]
fn window_too_small_for_the_delay_is_counted_not_fatal() {
    let pano = Size { w: 5700, h: 1900 };
    let mut planner = Planner::<64>::new(PlannerConfig::default(), pano).unwrap();
    let obs = synth(pano, 3, 600);
    let mut chk = Checker::new(PlannerConfig::default(), pano);
    for i in 0..obs.len() {
        planner.push(&obs[i]);
        if i >= DELAY {
            let cam = planner.crop_at(obs[i - DELAY].pts);
            chk.check(&planner, &cam, &format!("W=64 frame {i}"));
        }
    }
    assert!(planner.counters().window_overflows > 0);
    assert!(planner.counters().queries_before_window > 0);
}

#[test]
fn live_config_changes_apply_and_refusals_change_nothing() {
    let pano = Size { w: 5700, h: 1900 };
    let obs = synth(pano, 5, 2400);
    let mut cfg = PlannerConfig::preset(Preset::Broadcast, pano);
    let mut planner = Planner::<DEFAULT_WINDOW>::new(cfg, pano).unwrap();
    let mut chk = Checker::new(cfg, pano);
    for i in 0..obs.len() {
        planner.push(&obs[i]);
        if i == 1200 {
            let bad = PlannerConfig { max_accel: f32::NAN, ..cfg };
            assert_eq!(planner.set_config(bad), Err(ConfigError::NotFinite { field: "max_accel" }));
            assert_eq!(*planner.config(), cfg, "a refused config changes nothing");
            // Slower limits apply from the next tick; the checker moves to them once the
            // camera has had time to brake to them.
            cfg = PlannerConfig::preset(Preset::Wide, pano);
            planner.set_config(cfg).unwrap();
        }
        if i == 1500 {
            chk = Checker::new(cfg, pano);
        }
        if i == 1800 {
            planner.set_lookahead(false);
            assert!(!planner.config().lookahead);
        }
        if i >= DELAY {
            let cam = planner.crop_at(obs[i - DELAY].pts);
            chk.check(&planner, &cam, &format!("live frame {i}"));
        }
    }
}

#[test]
fn validation_names_the_field_and_the_problem() {
    let pano = Size { w: 5700, h: 1900 };
    let ok = PlannerConfig::default();
    assert_eq!(ok.validate(pano), Ok(()));
    let cases: [(PlannerConfig, ConfigError); 6] = [
        (
            PlannerConfig { lookahead_s: f32::INFINITY, ..ok },
            ConfigError::NotFinite { field: "lookahead_s" },
        ),
        (
            PlannerConfig { max_zoom_rate: -0.1, ..ok },
            ConfigError::OutOfRange { field: "max_zoom_rate", value: -0.1, min: 0.0001, max: 10.0 },
        ),
        (
            PlannerConfig { dead_zone: 0.9, safe_zone: 0.8, ..ok },
            ConfigError::DeadZoneOutsideSafeZone { dead_zone: 0.9, safe_zone: 0.8 },
        ),
        (
            PlannerConfig { zoom_min_px: 4000.0, ..ok },
            ConfigError::ZoomMinTooWide { zoom_min_px: 4000.0, widest: 3376.0 },
        ),
        (
            PlannerConfig { switch_frames: 0, ..ok },
            ConfigError::OutOfRange { field: "switch_frames", value: 0.0, min: 1.0, max: 32.0 },
        ),
        (
            PlannerConfig { pitch: PitchModel { far_y: 0.99, ..PitchModel::default() }, ..ok },
            ConfigError::Pitch(pitchcam_core::plan::pitch::PitchError::BadRows),
        ),
    ];
    for (cfg, want) in cases {
        assert_eq!(cfg.validate(pano), Err(want));
        assert_eq!(Planner::<DEFAULT_WINDOW>::new(cfg, pano).err(), Some(want));
        assert!(!want.to_string().is_empty());
    }
    assert_eq!(
        ok.validate(Size { w: 8, h: 1900 }),
        Err(ConfigError::PanoramaTooSmall { w: 8, h: 1900 })
    );
    // Every preset is valid on every panorama it is scaled to.
    for &p in &PANOS {
        for preset in [Preset::Broadcast, Preset::Action, Preset::Wide] {
            assert_eq!(PlannerConfig::preset(preset, p).validate(p), Ok(()), "{preset:?} {p:?}");
        }
    }
}
