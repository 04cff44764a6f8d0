//! The planner's per-tick cost: `cargo bench -p pitchcam-core --bench plan` (`-- --quick` for a
//! short run).
//!
//! One playback tick is what the engine does every frame: `push` the newest captured frame's
//! observation (the forward half: O(1)) and `crop_at` the frame captured 7 s earlier (the backward
//! smoothing pass over the window, the framing passes and the path: O(W)). Measured on the
//! synthetic match (normal play) and on an adversarial stream (a ball teleporting every half
//! second with a flickering decoy, which keeps the track-switching chains busy), look-ahead on
//! and off, at the default window W = 256 (210 frames of delay + margin). Timing is reported,
//! never asserted.
use std::hint::black_box;
use std::time::Instant;

use pitchcam_core::geom::Size;
use pitchcam_core::obs::{BallCandidate, Observation};
use pitchcam_core::plan::{DEFAULT_WINDOW, Planner, PlannerConfig, Preset};
use pitchcam_core::time::frame_pts;

#[path = "../tests/plan_synth/mod.rs"]
mod plan_synth;

const DELAY: usize = 210;
const PANO: Size = Size { w: 5700, h: 1900 };

struct Stats {
    median: f64,
    p99: f64,
    p999: f64,
    max: f64,
}

fn stats(v: &mut [f64]) -> Stats {
    v.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    Stats { median: q(0.5), p99: q(0.99), p999: q(0.999), max: *v.last().unwrap_or(&0.0) }
}

/// Runs the stream through a planner with the playback semantics; returns per-tick, push and
/// crop times in µs (ticks before the first crop are warm-up and not recorded).
fn measure(cfg: PlannerConfig, obs: &[Observation]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut p = Planner::<DEFAULT_WINDOW>::new(cfg, PANO).expect("valid config");
    let (mut tick, mut push, mut crop) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..obs.len() {
        let t0 = Instant::now();
        p.push(black_box(&obs[i]));
        let t1 = Instant::now();
        if i >= DELAY {
            black_box(p.crop_at(obs[i - DELAY].pts));
            let t2 = Instant::now();
            push.push((t1 - t0).as_nanos() as f64 / 1e3);
            crop.push((t2 - t1).as_nanos() as f64 / 1e3);
            tick.push((t2 - t0).as_nanos() as f64 / 1e3);
        }
    }
    (tick, push, crop)
}

fn adversarial(frames: usize) -> Vec<Observation> {
    let mut rng = plan_synth::Rng::new(9);
    let (w, h) = (PANO.w as f32, PANO.h as f32);
    let mut ball = (w / 2.0, h / 2.0);
    (0..frames)
        .map(|i| {
            if i % 15 == 0 {
                ball = (rng.range(0.0, w), rng.range(0.0, h));
            }
            let mut o = plan_synth::obs_at(
                frame_pts(i as u64, 30, 1),
                Some(ball),
                Some((rng.range(0.0, w), rng.range(0.0, h), 800.0)),
            );
            let decoy = if i % 2 == 0 { (100.0, 100.0) } else { (w - 100.0, h - 100.0) };
            o.candidates[1] = BallCandidate {
                pos: plan_synth::q8(decoy.0, decoy.1),
                score: plan_synth::score(0.9),
            };
            o.n_candidates = 2;
            o
        })
        .collect()
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick")
        || std::env::var_os("PITCHCAM_BENCH_QUICK").is_some();
    let frames = if quick { 1800 } else { 18_000 };
    let synth: Vec<Observation> = plan_synth::Match::new(plan_synth::SynthConfig::new(PANO), 4242)
        .take(frames)
        .map(|f| f.obs)
        .collect();
    let adv = adversarial(frames);
    println!();
    println!(
        "size_of::<Planner<{DEFAULT_WINDOW}>>() = {} bytes",
        std::mem::size_of::<Planner<DEFAULT_WINDOW>>()
    );
    println!(
        "planner tick (push + crop_at), W = {DEFAULT_WINDOW}, {PANO:?}, {} ticks per row{}",
        frames - DELAY,
        if quick { " (quick: indicative only)" } else { "" }
    );
    println!();
    println!(
        "| stream | preset | look-ahead | tick median | tick p99 | tick p99.9 | tick max | push median | push p99 | crop median | crop p99 | budget |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (name, obs) in [("synthetic match", &synth), ("adversarial", &adv)] {
        for preset in [Preset::Broadcast, Preset::Action] {
            for lookahead in [true, false] {
                let cfg = PlannerConfig { lookahead, ..PlannerConfig::preset(preset, PANO) };
                let (mut t, mut p, mut c) = measure(cfg, obs);
                let (t, p, c) = (stats(&mut t), stats(&mut p), stats(&mut c));
                println!(
                    "| {name} | {preset:?} | {} | {:.1} µs | {:.1} µs | {:.1} µs | {:.1} µs | {:.2} µs | {:.2} µs | {:.1} µs | {:.1} µs | p99 ≤ 200 µs |",
                    if lookahead { "on" } else { "off" },
                    t.median,
                    t.p99,
                    t.p999,
                    t.max,
                    p.median,
                    p.p99,
                    c.median,
                    c.p99
                );
            }
        }
    }
}
