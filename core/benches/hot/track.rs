//! Benchmark part: the forward ball tracker, one `Tracker::step` per frame.
//!
//! Input: a synthetic match sequence of typical frames — 22 players, 3 referees, 0–3 ball
//! candidates (the real ball missed now and then, false balls sometimes, a spare ball by the
//! touchline) — ~25 detections per frame, replayed with ever-increasing PTS so the tracker runs
//! its steady state (measured, predicted, rivals) rather than resets.
//!
//! Naive column: what the Python app's strategy amounts to, in Rust: copy the detections into
//! fresh vectors, nearest ball to the last position by a float linear search with a fixed jump
//! limit, player centroid and spread from collected vectors, velocity from the last two hits,
//! history in a growing `Vec` trimmed from the front.
use super::common::{Row, Table, time_each};
use pitchcam_core::detect::{Class, Detection};
use pitchcam_core::time::frame_pts;
use pitchcam_core::track::{DEFAULT_HISTORY, Tracker, TrackerConfig};
use std::hint::black_box;

const FRAMES: usize = 4096;

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn unit(&mut self) -> f64 {
        self.next() as f64 / (1u64 << 31) as f64
    }
}

fn det(x: f64, y: f64, size: f64, score: f64, class: Class) -> Detection {
    let q = |v: f64| (v * 256.0) as i32;
    Detection {
        x1: q(x - size / 2.0),
        y1: q(y - size / 2.0),
        x2: q(x + size / 2.0),
        y2: q(y + size / 2.0),
        score: (score * 65535.0) as u16,
        class: class as u8,
        reserved: 0,
    }
}

/// One synthetic frame's detections, ~25 of them.
fn sequence() -> Vec<Vec<Detection>> {
    let mut rng = Lcg(42);
    let (mut bx, mut by, mut vx, mut vy) = (2850.0f64, 950.0f64, 600.0f64, 100.0f64);
    (0..FRAMES)
        .map(|i| {
            let mut f = Vec::with_capacity(32);
            for k in 0..25 {
                let t = i as f64 / 30.0 * 0.4 + k as f64;
                let x = 300.0 + (k as f64 * 211.0) % 5000.0 + 120.0 * t.sin();
                let y = 400.0 + (k as f64 * 137.0) % 1100.0 + 60.0 * t.cos();
                let class = if k < 22 { Class::Player } else { Class::Referee };
                f.push(det(x, y, 70.0, 0.5 + 0.4 * rng.unit(), class));
            }
            // The ball: passes with a new direction every 2 s, bouncing off the pitch edges.
            if i % 60 == 0 {
                vx = (rng.unit() - 0.5) * 2400.0;
                vy = (rng.unit() - 0.5) * 800.0;
            }
            bx += vx / 30.0;
            by += vy / 30.0;
            if !(200.0..=5500.0).contains(&bx) {
                vx = -vx;
                bx = bx.clamp(200.0, 5500.0);
            }
            if !(200.0..=1700.0).contains(&by) {
                vy = -vy;
                by = by.clamp(200.0, 1700.0);
            }
            if rng.unit() > 0.15 {
                f.push(det(bx + rng.unit() * 3.0, by + rng.unit() * 3.0, 15.0, 0.6, Class::Ball));
            }
            if rng.unit() > 0.3 {
                f.push(det(2900.0, 1840.0, 15.0, 0.8, Class::Ball));
            }
            if rng.unit() > 0.8 {
                f.push(det(rng.unit() * 5700.0, rng.unit() * 1900.0, 15.0, 0.4, Class::Ball));
            }
            f
        })
        .collect()
}

/// The naive strategy's state.
#[derive(Default)]
struct Naive {
    last: Option<(f64, f64, u64)>,
    vel: (f64, f64),
    history: Vec<(u64, f64, f64)>,
}

impl Naive {
    fn step(&mut self, pts: u64, dets: &[Detection]) -> (f64, f64, f64, f64) {
        let dets: Vec<Detection> = dets.to_vec();
        let balls: Vec<(f64, f64, f64)> = dets
            .iter()
            .filter(|d| d.class == 0)
            .map(|d| {
                let c = d.center();
                (c.x as f64 / 256.0, c.y as f64 / 256.0, d.score as f64 / 65536.0)
            })
            .collect();
        let mut best: Option<(f64, f64, f64)> = None;
        for &(x, y, _) in &balls {
            let d = match self.last {
                Some((lx, ly, _)) => ((x - lx).powi(2) + (y - ly).powi(2)).sqrt(),
                None => 0.0,
            };
            if d < 300.0 && best.is_none_or(|b| d < b.2) {
                best = Some((x, y, d));
            }
        }
        if let Some((x, y, _)) = best {
            if let Some((lx, ly, lt)) = self.last {
                let dt = (pts - lt) as f64 / 1e9;
                if dt > 0.0 {
                    self.vel = ((x - lx) / dt, (y - ly) / dt);
                }
            }
            self.last = Some((x, y, pts));
            self.history.push((pts, x, y));
            if self.history.len() > DEFAULT_HISTORY {
                self.history.remove(0);
            }
        }
        let players: Vec<(f64, f64)> = dets
            .iter()
            .filter(|d| d.class == 1 || d.class == 2)
            .map(|d| {
                let c = d.center();
                (c.x as f64 / 256.0, c.y as f64 / 256.0)
            })
            .collect();
        let n = players.len().max(1) as f64;
        let cx = players.iter().map(|p| p.0).sum::<f64>() / n;
        let sx = (players.iter().map(|p| (p.0 - cx).powi(2)).sum::<f64>() / n).sqrt();
        let (x, y) = self.last.map(|l| (l.0, l.1)).unwrap_or_default();
        (x, y, cx, sx)
    }
}

pub fn run(table: &mut Table) {
    let seq = sequence();
    let samples = table.samples(20_000);
    let period = frame_pts(1, 30, 1);

    let mut tracker: Tracker<DEFAULT_HISTORY> =
        Tracker::new(TrackerConfig::default()).expect("default config");
    let mut frame = 0u64;
    let pitchcam = time_each(samples, |i| {
        let o = tracker.step(frame * period, &seq[i % FRAMES]);
        frame += 1;
        black_box(o);
    });

    let mut naive = Naive::default();
    let mut frame = 0u64;
    let naive_s = time_each(samples, |i| {
        let o = naive.step(frame * period, &seq[i % FRAMES]);
        frame += 1;
        black_box(o);
    });

    table.add(Row {
        stage: "tracker step (~25 dets, 0–3 balls)".into(),
        pitchcam,
        naive: Some(naive_s),
        budget: "≤ 5 µs".into(),
    });
}
