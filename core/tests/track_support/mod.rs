//! Shared helpers for the tracker tests: a seeded PRNG, synthetic detections and a runner that
//! feeds a ground-truth trajectory to the tracker and measures how well it follows.
#![allow(dead_code)]

use pitchcam_core::detect::{Class, Detection};
use pitchcam_core::geom::q8_to_px;
use pitchcam_core::obs::{BallState, Observation};
use pitchcam_core::time::frame_pts;
use pitchcam_core::track::{DEFAULT_HISTORY, Tracker, TrackerConfig};

/// SplitMix64: small, seeded, good enough for test jitter.
pub struct Rng(u64);

impl Rng {
    /// `TRACK_TEST_SEED=n` in the environment shifts every scenario's seed, to sweep seeds by
    /// hand; the default run is the fixed, reviewed one.
    pub fn new(seed: u64) -> Self {
        let shift = std::env::var("TRACK_TEST_SEED").ok().and_then(|s| s.parse::<u64>().ok());
        Rng(seed.wrapping_add(shift.unwrap_or(0).wrapping_mul(1_000_003)))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Standard normal (Box–Muller).
    pub fn gauss(&mut self) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// A square box of `size` px centred on `(x, y)` px.
pub fn det(x: f64, y: f64, size: f64, score: f64, class: Class) -> Detection {
    let q = |v: f64| (v * 256.0).round() as i32;
    Detection {
        x1: q(x - size / 2.0),
        y1: q(y - size / 2.0),
        x2: q(x + size / 2.0),
        y2: q(y + size / 2.0),
        score: (score * 65536.0).min(65535.0) as u16,
        class: class as u8,
        reserved: 0,
    }
}

pub fn ball(x: f64, y: f64, score: f64) -> Detection {
    det(x, y, 15.0, score, Class::Ball)
}

/// 22 players and 3 referees scattered over the pitch, moving slowly with the frame index.
pub fn crowd(frame: u64, out: &mut Vec<Detection>) {
    for k in 0..25u64 {
        let phase = frame as f64 / 30.0 * 0.3 + k as f64;
        let x = 400.0 + (k as f64 * 211.0) % 4900.0 + 80.0 * phase.sin();
        let y = 500.0 + (k as f64 * 137.0) % 1000.0 + 40.0 * phase.cos();
        let class = match k {
            0 | 1 => Class::Goalkeeper,
            2..=4 => Class::Referee,
            _ => Class::Player,
        };
        out.push(det(x, y, 60.0, 0.8, class));
    }
}

pub const FPS: u32 = 30;

pub fn pts(frame: u64) -> u64 {
    frame_pts(frame, FPS, 1)
}

pub fn tracker() -> Tracker<DEFAULT_HISTORY> {
    Tracker::new(TrackerConfig::default()).expect("default config is valid")
}

pub fn dist(obs: &Observation, x: f64, y: f64) -> f64 {
    let bx = q8_to_px(obs.ball.pos.x) as f64;
    let by = q8_to_px(obs.ball.pos.y) as f64;
    ((bx - x).powi(2) + (by - y).powi(2)).sqrt()
}

/// One frame of a scenario: the true ball (if on screen) and what the detector reports.
pub struct Frame {
    pub truth: Option<(f64, f64)>,
    pub dets: Vec<Detection>,
}

/// What happened when a scenario was run.
pub struct Run {
    pub obs: Vec<Observation>,
    pub truth: Vec<Option<(f64, f64)>>,
    /// Whether the true ball was detected in that frame.
    pub detected: Vec<bool>,
}

impl Run {
    /// Errors on frames where the true ball was detected.
    pub fn measured_errors(&self) -> Vec<f64> {
        (0..self.obs.len())
            .filter(|&i| self.detected[i])
            .filter_map(|i| self.truth[i].map(|(x, y)| dist(&self.obs[i], x, y)))
            .collect()
    }

    pub fn mean(v: &[f64]) -> f64 {
        v.iter().sum::<f64>() / v.len().max(1) as f64
    }

    pub fn max(v: &[f64]) -> f64 {
        v.iter().cloned().fold(0.0, f64::max)
    }

    pub fn state(&self, i: usize) -> BallState {
        self.obs[i].ball.state
    }
}

/// Runs `frames` through a fresh default tracker. `detected[i]` says whether frame i's
/// detections contain the true ball (the scenario decides and passes it).
pub fn run(frames: Vec<(Frame, bool)>) -> Run {
    let mut t = tracker();
    run_with(&mut t, frames)
}

pub fn run_with<const H: usize>(t: &mut Tracker<H>, frames: Vec<(Frame, bool)>) -> Run {
    let mut r = Run { obs: Vec::new(), truth: Vec::new(), detected: Vec::new() };
    for (i, (f, d)) in frames.into_iter().enumerate() {
        r.obs.push(t.step(pts(i as u64), &f.dets));
        r.truth.push(f.truth);
        r.detected.push(d);
    }
    r
}

/// Turns a trajectory into frames: jitter `sigma` px on the detection centre, score around
/// 0.6, the crowd around it, and the ball missed on frames where `miss(i)` is true.
pub fn frames_from(
    traj: &[(f64, f64)],
    sigma: f64,
    rng: &mut Rng,
    mut miss: impl FnMut(usize, &mut Rng) -> bool,
) -> Vec<(Frame, bool)> {
    traj.iter()
        .enumerate()
        .map(|(i, &(x, y))| {
            let mut dets = Vec::new();
            crowd(i as u64, &mut dets);
            let missed = miss(i, rng);
            if !missed {
                let score = (0.6 + 0.1 * rng.gauss()).clamp(0.3, 0.95);
                dets.push(ball(x + sigma * rng.gauss(), y + sigma * rng.gauss(), score));
            }
            (Frame { truth: Some((x, y)), dets }, !missed)
        })
        .collect()
}

/// A straight line from `a` to `b` at `speed` px/s, then resting at `b`, `n` frames.
pub fn line(a: (f64, f64), b: (f64, f64), speed: f64, n: usize) -> Vec<(f64, f64)> {
    let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
    (0..n)
        .map(|i| {
            let s = (speed * i as f64 / FPS as f64).min(len);
            (a.0 + (b.0 - a.0) * s / len, a.1 + (b.1 - a.1) * s / len)
        })
        .collect()
}
