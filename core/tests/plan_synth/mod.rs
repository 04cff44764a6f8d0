//! A small synthetic football match for the planner's tests and evaluation: true ball path (passes,
//! long balls in the air, shots, dribbles, out-of-play pauses and restarts, set pieces), 22 players
//! and a referee, and what a detector + forward tracker would hand to playback: noisy, missed,
//! false and spare-ball detections and a simple causal tracker's estimate.
//!
//! It stands in for `core::sim` + `core::track` until those land; it uses the planner's pitch
//! model only to project metres to pixels. Deterministic for a seed.
#![allow(dead_code)]

use pitchcam_core::geom::{PointQ8, Size, px_to_q8};
use pitchcam_core::obs::{
    BallCandidate, BallEstimate, BallState, MAX_BALL_CANDIDATES, Observation, PlayerSummary,
};
use pitchcam_core::plan::{FrameTruth, PitchModel, PitchPx};
use pitchcam_core::time::frame_pts;

/// SplitMix64: small, fast, deterministic.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn f(&mut self) -> f32 {
        (self.u64() >> 40) as f32 / (1u64 << 24) as f32
    }
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.f()
    }
    pub fn chance(&mut self, p: f32) -> bool {
        self.f() < p
    }
    pub fn normal(&mut self) -> f32 {
        let u1 = self.f().max(1e-7);
        let u2 = self.f();
        (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
    }
}

/// Detection-side settings of the synthetic match.
#[derive(Clone, Debug)]
pub struct SynthConfig {
    pub pano: Size,
    pub fps: u32,
    /// Probability a visible ball is detected in a frame (outside occlusion bursts).
    pub p_detect: f32,
    /// Detection position noise (1 σ), px.
    pub jitter_px: f32,
    /// Occlusion bursts (1–60 frames without the ball) per second.
    pub burst_rate: f32,
    /// Probability per frame of a false ball somewhere near a player.
    pub p_false: f32,
    /// A spare ball lying still at this pitch position (m), detected with probability 0.5.
    pub spare: Option<(f32, f32)>,
    pub pitch: PitchModel,
}

impl SynthConfig {
    pub fn new(pano: Size) -> Self {
        SynthConfig {
            pano,
            fps: 30,
            p_detect: 0.9,
            jitter_px: 2.0,
            burst_rate: 0.15,
            p_false: 0.05,
            spare: Some((70.0, -2.5)),
            pitch: PitchModel::default(),
        }
    }
}

/// What the ball is doing (for tests that look for a phase).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Phase {
    Dribble,
    Pass,
    LongBall,
    Shot,
    /// Out of play: rolling on beyond the line, then gone.
    Out,
    /// Placed for a restart (still, detected), not yet in play.
    Placed {
        corner: bool,
    },
}

/// One frame of the synthetic match.
#[derive(Clone, Copy, Debug)]
pub struct Frame {
    pub index: u64,
    pub truth: FrameTruth,
    pub phase: Phase,
    pub obs: Observation,
}

#[derive(Clone, Copy, Debug)]
struct Agent {
    u: f32,
    v: f32,
    home_u: f32,
    home_v: f32,
    team: u8,
}

/// The synthetic match; an iterator of frames.
pub struct Match {
    cfg: SynthConfig,
    pitch: PitchPx,
    rng: Rng,
    frame: u64,
    dt: f32,
    // Ball, pitch metres.
    u: f32,
    v: f32,
    z: f32,
    vu: f32,
    vv: f32,
    vz: f32,
    visible: bool,
    in_play: bool,
    phase: Phase,
    phase_left: f32,
    heading: f32,
    attack: f32,
    restart: Option<(f32, f32, bool)>,
    burst_left: u32,
    agents: [Agent; 23],
    tracker: Tracker,
}

impl Match {
    pub fn new(cfg: SynthConfig, seed: u64) -> Self {
        let pitch = PitchPx::new(cfg.pitch, cfg.pano);
        let mut rng = Rng::new(seed);
        let mut agents = [Agent { u: 0.0, v: 0.0, home_u: 0.0, home_v: 0.0, team: 0 }; 23];
        // Two 4-4-2 blocks plus goalkeepers; agent 22 is the referee.
        let lines = [(0.12, 1usize), (0.3, 4), (0.55, 4), (0.8, 2)];
        let mut k = 0;
        for team in 0..2u8 {
            for &(depth, count) in &lines {
                for j in 0..count {
                    let hu = if team == 0 { depth * 52.5 } else { 105.0 - depth * 52.5 };
                    let hv = 68.0 * (j as f32 + 0.5) / count as f32;
                    agents[k] = Agent { u: hu, v: hv, home_u: hu, home_v: hv, team };
                    k += 1;
                }
            }
        }
        agents[22] = Agent { u: 52.5, v: 30.0, home_u: 52.5, home_v: 34.0, team: 2 };
        let dt = 1.0 / cfg.fps as f32;
        let attack = if rng.chance(0.5) { 1.0 } else { -1.0 };
        Match {
            cfg,
            pitch,
            rng,
            frame: 0,
            dt,
            u: 52.5,
            v: 34.0,
            z: 0.0,
            vu: 0.0,
            vv: 0.0,
            vz: 0.0,
            visible: true,
            in_play: false,
            phase: Phase::Placed { corner: false },
            phase_left: 2.0,
            heading: 0.0,
            attack,
            restart: Some((52.5, 34.0, false)),
            burst_left: 0,
            agents,
            tracker: Tracker::new(),
        }
    }

    pub fn pitch(&self) -> &PitchPx {
        &self.pitch
    }

    fn ball_px(&self) -> (f32, f32) {
        let (x, y) = self.pitch.to_px(self.u, self.v);
        (x, y - self.z * self.pitch.px_per_m(y))
    }

    fn kick(&mut self, tu: f32, tv: f32, speed: f32, loft: bool) {
        let (du, dv) = (tu - self.u, tv - self.v);
        let d = (du * du + dv * dv).sqrt().max(0.1);
        self.vu = du / d * speed;
        self.vv = dv / d * speed;
        self.vz = if loft { 9.81 * (d / speed) / 2.0 } else { 0.0 };
    }

    fn next_event(&mut self) {
        let goal_u = if self.attack > 0.0 { 105.0 } else { 0.0 };
        let to_goal = (goal_u - self.u).abs();
        let r = self.rng.f();
        if to_goal < 30.0 && r < 0.35 {
            self.phase = Phase::Shot;
            let tv = 34.0 + self.rng.range(-9.0, 9.0);
            let s = self.rng.range(24.0, 31.0);
            self.kick(goal_u + self.attack * 2.0, tv, s, false);
            self.phase_left = 4.0;
        } else if r < 0.55 {
            self.phase = Phase::Pass;
            let d = self.rng.range(8.0, 30.0);
            let a = self.attack_angle(0.9);
            let s = self.rng.range(9.0, 18.0);
            self.kick(self.u + d * a.cos(), self.v + d * a.sin(), s, false);
            self.phase_left = self.rng.range(1.0, 3.0);
            if self.rng.chance(0.3) {
                self.attack = -self.attack;
            }
        } else if r < 0.7 {
            self.phase = Phase::LongBall;
            let d = self.rng.range(30.0, 55.0);
            let a = self.attack_angle(0.5);
            let s = self.rng.range(20.0, 28.0);
            self.kick(self.u + d * a.cos(), self.v + d * a.sin(), s, true);
            self.phase_left = self.rng.range(2.5, 4.0);
            if self.rng.chance(0.4) {
                self.attack = -self.attack;
            }
        } else {
            self.phase = Phase::Dribble;
            self.heading = self.attack_angle(1.2);
            self.phase_left = self.rng.range(1.0, 4.0);
        }
    }

    fn attack_angle(&mut self, spread: f32) -> f32 {
        let base = if self.attack > 0.0 { 0.0 } else { std::f32::consts::PI };
        base + self.rng.range(-spread, spread)
    }

    fn step_ball(&mut self) {
        let dt = self.dt;
        match self.phase {
            Phase::Placed { corner } => {
                self.vu = 0.0;
                self.vv = 0.0;
                self.phase_left -= dt;
                if self.phase_left <= 0.0 {
                    self.in_play = true;
                    if corner {
                        // Cross into the box.
                        let tu = if self.u < 52.5 { 11.0 } else { 94.0 };
                        let s = self.rng.range(16.0, 22.0);
                        let tv = 34.0 + self.rng.range(-6.0, 6.0);
                        self.kick(tu, tv, s, true);
                        self.phase = Phase::LongBall;
                        self.phase_left = 2.5;
                    } else {
                        self.next_event();
                    }
                }
                return;
            }
            Phase::Out => {
                self.phase_left -= dt;
                let drag = (1.0 - 3.0 * dt).max(0.0);
                self.vu *= drag;
                self.vv *= drag;
                self.u += self.vu * dt;
                self.v += self.vv * dt;
                if self.phase_left < 2.0 {
                    self.visible = false;
                }
                if self.phase_left <= 0.0 {
                    let (ru, rv, corner) = self.restart.unwrap_or((52.5, 34.0, false));
                    self.u = ru;
                    self.v = rv;
                    self.z = 0.0;
                    self.visible = true;
                    self.phase = Phase::Placed { corner };
                    self.phase_left =
                        if corner { self.rng.range(3.0, 6.0) } else { self.rng.range(1.0, 3.0) };
                }
                return;
            }
            Phase::Dribble => {
                self.heading += self.rng.normal() * 1.5 * dt;
                let s = 4.0;
                self.vu += (s * self.heading.cos() - self.vu) * 2.0 * dt;
                self.vv += (s * self.heading.sin() - self.vv) * 2.0 * dt;
                // Stay on the pitch.
                if self.u < 5.0 || self.u > 100.0 || self.v < 4.0 || self.v > 64.0 {
                    self.heading = (34.0 - self.v).atan2(52.5 - self.u);
                }
            }
            Phase::Pass | Phase::Shot | Phase::LongBall => {
                let sp = (self.vu * self.vu + self.vv * self.vv).sqrt();
                let dec = if self.z > 0.0 { 0.3 } else { 1.5 };
                if sp > 0.0 {
                    let f = ((sp - dec * dt) / sp).max(0.0);
                    self.vu *= f;
                    self.vv *= f;
                }
            }
        }
        self.u += self.vu * dt;
        self.v += self.vv * dt;
        if self.z > 0.0 || self.vz > 0.0 {
            self.vz -= 9.81 * dt;
            self.z += self.vz * dt;
            if self.z <= 0.0 {
                self.z = 0.0;
                self.vz = if self.vz < -4.0 { -self.vz * 0.4 } else { 0.0 };
            }
        }
        // Crossing a line: out of play.
        let out_u = self.u < 0.0 || self.u > 105.0;
        let out_v = self.v < 0.0 || self.v > 68.0;
        if out_u || out_v {
            let goal = out_u && (self.v - 34.0).abs() < 3.66 && self.z < 2.44;
            self.in_play = false;
            self.phase = Phase::Out;
            self.phase_left = self.rng.range(3.0, 7.0);
            let cu = self.u.clamp(0.0, 105.0);
            let cv = self.v.clamp(0.0, 68.0);
            self.restart = Some(if goal {
                (52.5, 34.0, false)
            } else if out_v {
                (cu.clamp(1.0, 104.0), cv, false)
            } else if self.rng.chance(0.5) {
                // Corner.
                (cu, if self.v < 34.0 { 0.5 } else { 67.5 }, true)
            } else {
                // Goal kick.
                (if cu < 52.5 { 5.5 } else { 99.5 }, 34.0 + self.rng.range(-9.0, 9.0), false)
            });
            self.attack = -self.attack;
            return;
        }
        self.phase_left -= dt;
        let sp = (self.vu * self.vu + self.vv * self.vv).sqrt();
        if self.phase_left <= 0.0 || (self.phase != Phase::Dribble && sp < 2.0 && self.z == 0.0) {
            self.next_event();
        }
    }

    fn step_agents(&mut self) {
        let dt = self.dt;
        let (bu, bv) = (self.u.clamp(0.0, 105.0), self.v.clamp(0.0, 68.0));
        // The two nearest outfield players chase the ball.
        let mut near = [(f32::MAX, 0usize); 2];
        for (i, a) in self.agents.iter().enumerate().take(22) {
            let d = (a.u - bu).powi(2) + (a.v - bv).powi(2);
            if d < near[0].0 {
                near[1] = near[0];
                near[0] = (d, i);
            } else if d < near[1].0 {
                near[1] = (d, i);
            }
        }
        for i in 0..23 {
            let a = self.agents[i];
            let (tu, tv) = if i == near[0].1 || i == near[1].1 {
                (bu, bv)
            } else if a.team == 2 {
                (bu - 8.0, (bv + 34.0) / 2.0)
            } else {
                (a.home_u + (bu - 52.5) * 0.6, a.home_v + (bv - 34.0) * 0.3)
            };
            let (du, dv) = (tu - a.u, tv - a.v);
            let d = (du * du + dv * dv).sqrt();
            let step = (7.0 * dt).min(d);
            if d > 0.01 {
                self.agents[i].u += du / d * step;
                self.agents[i].v += dv / d * step;
            }
        }
    }

    fn players_summary(&mut self) -> PlayerSummary {
        let mut n = 0u16;
        let (mut sx, mut sy, mut sxx, mut syy) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
        let (mut minx, mut miny, mut maxx, mut maxy) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for i in 0..22 {
            if !self.rng.chance(0.95) {
                continue;
            }
            let a = self.agents[i];
            let (x, y) = self.pitch.to_px(a.u, a.v);
            n += 1;
            sx += x as f64;
            sy += y as f64;
            sxx += (x * x) as f64;
            syy += (y * y) as f64;
            minx = minx.min(x);
            miny = miny.min(y);
            maxx = maxx.max(x);
            maxy = maxy.max(y);
        }
        if n == 0 {
            return PlayerSummary::default();
        }
        let c = n as f64;
        let (mx, my) = (sx / c, sy / c);
        let (vx, vy) = ((sxx / c - mx * mx).max(0.0), (syy / c - my * my).max(0.0));
        PlayerSummary {
            count: n,
            centroid: q8(mx as f32, my as f32),
            spread: q8(vx.sqrt() as f32, vy.sqrt() as f32),
            min: q8(minx, miny),
            max: q8(maxx, maxy),
        }
    }

    fn detections(&mut self, bx: f32, by: f32) -> ([BallCandidate; MAX_BALL_CANDIDATES], u8) {
        let mut c: Vec<BallCandidate> = Vec::new();
        if self.burst_left > 0 {
            self.burst_left -= 1;
        } else if self.rng.chance(self.cfg.burst_rate / self.cfg.fps as f32) {
            self.burst_left = 1 + (self.rng.f() * 60.0) as u32;
        }
        let p = if self.z > 3.0 { self.cfg.p_detect * 0.8 } else { self.cfg.p_detect };
        if self.visible && self.burst_left == 0 && self.rng.chance(p) {
            let j = self.cfg.jitter_px;
            c.push(BallCandidate {
                pos: q8(bx + self.rng.normal() * j, by + self.rng.normal() * j),
                score: score(self.rng.range(0.35, 0.9)),
            });
        }
        if self.rng.chance(self.cfg.p_false) {
            let a = self.agents[(self.rng.f() * 22.0) as usize];
            let (x, y) = self.pitch.to_px(a.u, a.v);
            c.push(BallCandidate {
                pos: q8(x + self.rng.range(-30.0, 30.0), y + self.rng.range(-20.0, 20.0)),
                score: score(self.rng.range(0.2, 0.5)),
            });
        }
        if let Some((su, sv)) = self.cfg.spare
            && self.rng.chance(0.5)
        {
            let (x, y) = self.pitch.to_px(su, sv);
            let j = self.cfg.jitter_px;
            c.push(BallCandidate {
                pos: q8(x + self.rng.normal() * j, y + self.rng.normal() * j),
                score: score(self.rng.range(0.4, 0.7)),
            });
        }
        c.sort_by_key(|b| std::cmp::Reverse(b.score));
        let mut out = [BallCandidate::default(); MAX_BALL_CANDIDATES];
        let n = c.len().min(MAX_BALL_CANDIDATES);
        out[..n].copy_from_slice(&c[..n]);
        (out, n as u8)
    }
}

impl Iterator for Match {
    type Item = Frame;
    fn next(&mut self) -> Option<Frame> {
        let i = self.frame;
        self.frame += 1;
        if i > 0 {
            self.step_ball();
            self.step_agents();
        }
        let (bx, by) = self.ball_px();
        let players = self.players_summary();
        let (candidates, n_candidates) = self.detections(bx, by);
        let pts = frame_pts(i, self.cfg.fps, 1);
        let ball = self.tracker.step(pts, &candidates[..n_candidates as usize]);
        Some(Frame {
            index: i,
            truth: FrameTruth { x: bx, y: by, in_play: self.in_play },
            phase: self.phase,
            obs: Observation { pts, ball, candidates, n_candidates, players },
        })
    }
}

/// A deliberately plain causal tracker, standing in for `core::track`: nearest candidate to its
/// constant-velocity prediction within a gate that grows while coasting; when lost, it takes the
/// best-scoring candidate (so it can lock onto a spare ball, as real trackers do).
#[derive(Clone, Debug)]
pub struct Tracker {
    pos: Option<(f32, f32)>,
    vel: (f32, f32),
    last_pts: u64,
    missed: u32,
}

impl Tracker {
    pub fn new() -> Self {
        Tracker { pos: None, vel: (0.0, 0.0), last_pts: 0, missed: 0 }
    }

    pub fn step(&mut self, pts: u64, cands: &[BallCandidate]) -> BallEstimate {
        let dt = if self.pos.is_some() { (pts - self.last_pts) as f32 * 1e-9 } else { 0.0 };
        self.last_pts = pts;
        let pred = self.pos.map(|(x, y)| (x + self.vel.0 * dt, y + self.vel.1 * dt));
        let pick = match pred {
            Some((px, py)) => {
                let gate = 60.0 + 1500.0 * dt * (self.missed + 1) as f32;
                cands
                    .iter()
                    .map(|c| {
                        let (x, y) = (c.pos.x as f32 / 256.0, c.pos.y as f32 / 256.0);
                        (x, y, c.score, ((x - px).powi(2) + (y - py).powi(2)).sqrt())
                    })
                    .filter(|c| c.3 < gate)
                    .min_by(|a, b| a.3.total_cmp(&b.3))
            }
            None => cands
                .iter()
                .map(|c| (c.pos.x as f32 / 256.0, c.pos.y as f32 / 256.0, c.score, 0.0))
                .max_by_key(|c| c.2),
        };
        match (pick, pred) {
            (Some((x, y, s, _)), Some((px, py))) => {
                let a = 0.5;
                if dt > 0.0 {
                    let v = ((x - px) / dt + self.vel.0, (y - py) / dt + self.vel.1);
                    self.vel =
                        (self.vel.0 + a * (v.0 - self.vel.0), self.vel.1 + a * (v.1 - self.vel.1));
                }
                self.pos = Some((x, y));
                self.missed = 0;
                est(x, y, self.vel, s, BallState::Measured)
            }
            (Some((x, y, s, _)), None) => {
                self.pos = Some((x, y));
                self.vel = (0.0, 0.0);
                self.missed = 0;
                est(x, y, self.vel, s, BallState::Measured)
            }
            (None, Some((px, py))) => {
                self.missed += 1;
                if self.missed > 15 {
                    self.pos = None;
                    est(px, py, (0.0, 0.0), 0, BallState::Lost)
                } else {
                    self.pos = Some((px, py));
                    est(px, py, self.vel, 20000, BallState::Predicted)
                }
            }
            (None, None) => BallEstimate::default(),
        }
    }
}

fn est(x: f32, y: f32, v: (f32, f32), score: u16, state: BallState) -> BallEstimate {
    BallEstimate { pos: q8(x, y), vel: q8(v.0, v.1), confidence: score, state }
}

pub fn q8(x: f32, y: f32) -> PointQ8 {
    PointQ8 { x: px_to_q8(x), y: px_to_q8(y) }
}

pub fn score(s: f32) -> u16 {
    (s.clamp(0.0, 1.0) * 65535.0) as u16
}

/// An observation with the ball measured at `ball` (or nothing), players around `players`
/// (centroid, x spread) and no other candidates: for hand-made scenarios.
pub fn obs_at(pts: u64, ball: Option<(f32, f32)>, players: Option<(f32, f32, f32)>) -> Observation {
    let mut o = Observation { pts, ..Observation::default() };
    if let Some((x, y)) = ball {
        o.ball = est(x, y, (0.0, 0.0), score(0.8), BallState::Measured);
        o.candidates[0] = BallCandidate { pos: q8(x, y), score: score(0.8) };
        o.n_candidates = 1;
    }
    if let Some((x, y, s)) = players {
        o.players = PlayerSummary {
            count: 20,
            centroid: q8(x, y),
            spread: q8(s, s / 3.0),
            min: q8(x - 2.0 * s, y - s),
            max: q8(x + 2.0 * s, y + s),
        };
    }
    o
}
