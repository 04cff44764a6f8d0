//! The planner behind the engine's real analysis chain: `core::sim` ground truth → simulated
//! detector tensors → `detect::Detector` → `track::Tracker` → observations, with the 7 s window.
//! A short match at the full 5700×1900 (debug builds run it too); the camera must keep the ball
//! in frame, lead it, and stay within its limits, and the look-ahead must not frame worse than the
//! causal follower while moving more calmly.
use pitchcam_core::detect::{DetectParams, Detection, Detector};
use pitchcam_core::geom::Size;
use pitchcam_core::obs::Observation;
use pitchcam_core::plan::{
    CameraMetrics, CameraReport, DEFAULT_WINDOW, FrameTruth, MetricsConfig, Planner, PlannerConfig,
    Preset,
};
use pitchcam_core::sim::SimConfig;
use pitchcam_core::sim::tensors::TensorSynth;
use pitchcam_core::sim::world::Match;
use pitchcam_core::track::{Tracker, TrackerConfig};

const PANO: Size = Size { w: 5700, h: 1900 };
const DELAY: usize = 210;

/// Observations and truth of `frames` frames of the simulated match `seed`.
fn analysed_match(seed: u64, frames: usize) -> Vec<(Observation, FrameTruth)> {
    let cfg = SimConfig { seed, size: PANO, ..SimConfig::default() };
    let mut world = Match::new(&cfg).expect("simulator config");
    let mut synth = Box::new(TensorSynth::<1>::new(&cfg).expect("simulator config"));
    let mut block = vec![0f32; synth.block_len()];
    let mut det = Box::new(Detector::<4096>::new());
    let mut params = DetectParams::new(0.25, 0.45, 300, PANO).expect("detector params");
    params.conf[0] = 0.15;
    let mut tracker =
        Box::new(Tracker::<64>::new(TrackerConfig::for_panorama(PANO)).expect("tracker config"));
    let mut dets = vec![Detection::default(); 300];
    (0..frames)
        .map(|_| {
            let truth = *world.step();
            let frame = synth.write(0, &truth, &mut block).expect("tensors");
            let tensors: Vec<_> = (0..frame.tiles().len())
                .map(|i| frame.tensor(i, &block).expect("tensor view"))
                .collect();
            let stats = det.detect(&tensors, &params, &mut dets).expect("detect");
            let obs = tracker.step(truth.pts, &dets[..stats.written as usize]);
            let b = truth.ball;
            (obs, FrameTruth { x: b.pos[0], y: b.pos[1], in_play: b.in_play && b.in_frame })
        })
        .collect()
}

fn evaluate(cfg: PlannerConfig, frames: &[(Observation, FrameTruth)]) -> CameraReport {
    let mut planner = Planner::<DEFAULT_WINDOW>::new(cfg, PANO).expect("valid config");
    let mut metrics = CameraMetrics::new(MetricsConfig::default());
    for i in 0..frames.len() + DELAY {
        if i < frames.len() {
            planner.push(&frames[i].0);
        }
        if i >= DELAY {
            let (obs, truth) = &frames[i - DELAY];
            metrics.push(truth, &planner.crop_at(obs.pts));
        }
    }
    metrics.report()
}

#[test]
fn the_look_ahead_camera_follows_the_simulated_match_through_the_real_analysis_chain() {
    let frames = analysed_match(77, 90 * 30);
    let in_play = frames.iter().filter(|(_, t)| t.in_play).count();
    assert!(in_play > 1000, "the simulated ball is in play in {in_play} frames");
    let cfg = PlannerConfig::preset(Preset::Broadcast, PANO);
    let on = evaluate(cfg, &frames);
    let off = evaluate(PlannerConfig { lookahead: false, ..cfg }, &frames);
    eprintln!("look-ahead {on:?}\ncausal {off:?}");
    assert!(on.ball_in_frame >= 0.99, "ball in frame {}", on.ball_in_frame);
    assert!(on.ball_in_safe_zone >= 0.95, "ball in safe zone {}", on.ball_in_safe_zone);
    assert!(on.lag_ms.expect("the ball moves") <= 0.0, "lag {:?}", on.lag_ms);
    assert!(on.reversals_per_s <= 0.5, "reversals {}/s", on.reversals_per_s);
    assert!(on.zoom_rate_max <= cfg.max_zoom_rate * 100.0 * 1.01, "zoom {} %/s", on.zoom_rate_max);
    assert!(on.accel_max <= cfg.max_accel * 1.01, "acceleration {}", on.accel_max);
    assert!(on.ball_in_frame >= off.ball_in_frame);
    assert!(off.lag_ms.expect("the ball moves") > 0.0, "the causal follower lags");
    assert!(on.jerk_rms < off.jerk_rms && on.velocity_p99 < off.velocity_p99);
}
