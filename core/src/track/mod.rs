//! The forward ball tracker and the per-frame player summary.
//!
//! One [`Tracker::step`] per captured frame turns the frame's kept detections into an
//! [`Observation`]: the tracker's ball estimate (measured, predicted or lost), the best raw ball
//! candidates and a [`PlayerSummary`].
//!
//! # How the ball is followed
//!
//! * **Motion model.** A constant-velocity Kalman filter per track (`f32` pixels and seconds,
//!   deterministic across machines), speed clamped to [`TrackerConfig::max_speed`]. A measurement
//!   far outside the filter's expectation (a kick, a deflection) inflates its covariance so the
//!   track turns at once instead of averaging the old and new velocities.
//! * **Gate.** A candidate is *possible* when it lies within
//!   `min(gate_max, gate_min + (|v| + max_speed) · t)` of the prediction, `t` being the time since
//!   the last accepted measurement: the ball cannot leave its constant-velocity path by more than
//!   its speed change (at most `|v| + max_speed`) times `t`. It is *accepted at once* only when the
//!   motion model also explains it (normalised innovation squared ≤
//!   [`TrackerConfig::accept_nis`]); among those the lowest
//!   `√(NIS / accept_nis) + score_weight · (1 − score)` wins, so confidence breaks near ties.
//! * **Kicks.** A possible but unexplained candidate — a kick, a deflection, a sudden stop, or a
//!   false ball near a ball the detector missed — starts a rival track instead. If the ball track
//!   gets no explained measurement meanwhile and the rival is seen again
//!   ([`TrackerConfig::kick_hits`] frames in all), the rival becomes the ball track. A real kick is
//!   thus followed one frame late (Predicted for that frame), and a one-frame false ball next to
//!   an occluded ball never bends the track.
//! * **Jumps.** A candidate outside the gate starts or feeds a rival too (up to [`MAX_RIVALS`]).
//!   Such a rival replaces the ball track only with more evidence:
//!   - *re-acquisition*: the ball track has had no measurement for
//!     [`TrackerConfig::reacquire_after`] and the rival has [`TrackerConfig::confirm_hits`] hits
//!     while the ball track went unmeasured — the ball reappeared elsewhere (a long pass during an
//!     occlusion, a restart). A single false ball never gets there;
//!   - rivals that were seen in [`TrackerConfig::distractor_hits`] frames where the ball track
//!     *was* measured are a second ball (a spare ball by the touchline): they cannot re-acquire,
//!     and are remembered for [`TrackerConfig::distractor_memory`] even when missed for a while;
//!   - *takeover*: a rival that moved at least [`TrackerConfig::move_min`] over
//!     [`TrackerConfig::rival_hits`] hits replaces a ball track that has been still for
//!     [`TrackerConfig::static_for`] or is lost — the ball in play moves, a spare ball does not.
//!     This also repairs a start on the wrong (static) ball.
//! * **Manoeuvres.** An accepted measurement with a normalised innovation over
//!   [`TrackerConfig::maneuver_nis`] inflates the filter's covariance, so a gentle deflection is
//!   followed at once instead of averaged with the old velocity.
//! * **States.** Measured when a detection was accepted this frame; Predicted (extrapolated,
//!   confidence decaying linearly) for up to [`TrackerConfig::predict_for`] after the last
//!   measurement; then Lost: the position freezes where the prediction ended (inside the
//!   panorama), velocity and confidence are zero. Before the first acquisition the estimate is Lost
//!   at the panorama centre.
//!
//! # Timestamps
//!
//! All timing comes from PTS differences. Each pathology is counted in [`TrackerStats`] and never
//! panics: `CLOCK_TIME_NONE` and a duplicate PTS *hold* (the previous estimate is repeated, the
//! detections are not used because their time is unknown or already consumed); a PTS going
//! backwards (a stream restart) or jumping forward by more than [`TrackerConfig::reset_after`]
//! *resets* the tracker (tracks and history cleared) and then processes the frame; a forward step
//! over [`TrackerConfig::gap`] is counted as a gap and handled by the ordinary timing (the gate
//! widens, the track goes Predicted then Lost).

mod motion;
mod players;

pub use players::{is_player, summarize_players};

use crate::detect::{Class, Detection};
use crate::geom::{PointQ8, Size, px_to_q8};
use crate::obs::{BallCandidate, BallEstimate, BallState, MAX_BALL_CANDIDATES, Observation};
use crate::time::{CLOCK_TIME_NONE, MSECOND, SECOND};
use arrayvec::ArrayVec;
use heapless::HistoryBuf;
use motion::{Motion, Noise};

/// Most rival tracks kept at once (out-of-gate ball candidates followed for confirmation).
pub const MAX_RIVALS: usize = 8;

/// Most ball-class detections considered per frame: the highest-scoring ones. More are counted in
/// [`TrackerStats::candidates_ignored`].
pub const MAX_BALL_INPUTS: usize = 32;

/// A history length for callers without a reason to choose: 10 s at 30 fps.
pub const DEFAULT_HISTORY: usize = 300;

/// The panorama width the pixel defaults of [`TrackerConfig`] are given for.
pub const REFERENCE_WIDTH: u32 = 5700;

/// Tuning of the [`Tracker`]. Pixel values are panorama pixels, times are nanoseconds.
///
/// [`Default`] is for the reference 5700 × 1900 panorama (about 47 px per metre across the pitch,
/// a ball about 15 px); [`TrackerConfig::for_panorama`] scales every pixel value with the panorama
/// width for other resolutions. Nothing depends on the frame rate except through `confirm_hits`,
/// `rival_hits` and `distractor_hits`, which count frames.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrackerConfig {
    /// Panorama size: estimates are clamped inside it.
    pub pano: Size,
    /// Fastest plausible ball, px/s (velocity clamp and gate growth). Default 2000 ≈ 42 m/s.
    pub max_speed: f32,
    /// Gate radius right after a measurement, px (detection jitter). Default 24.
    pub gate_min: f32,
    /// Largest gate radius, px; farther candidates can only re-acquire through confirmation.
    /// Default 320 ≈ 7 m.
    pub gate_max: f32,
    /// Standard deviation of a ball detection's centre, px. Default 2.
    pub meas_sigma: f32,
    /// Random-acceleration noise of the motion model, px/s^1.5 (square root of the spectral
    /// density): how much the ball's velocity may wander between kicks — enough for the image
    /// curvature of a lofted ball (≈ 500 px/s²), small enough that a ball at rest does not appear
    /// to move. Kicks are handled as manoeuvres, not by this noise. Default 200.
    pub accel_sigma: f32,
    /// Normalised innovation squared (2 degrees of freedom) up to which a gated candidate is
    /// accepted at once; farther ones must be confirmed as a kick. Default 16 (≈ 4 σ).
    pub accept_nis: f32,
    /// Normalised innovation squared over which an accepted measurement inflates the filter's
    /// covariance (a manoeuvre). Default 9 (≈ 3 σ).
    pub maneuver_nis: f32,
    /// Hits (frames) a rival that started inside the gate needs to become the ball track while the
    /// ball track gets no accepted measurement (a kick). Default 2.
    pub kick_hits: u16,
    /// Weight of `1 − score` against `distance / gate` when choosing among gated candidates.
    /// Default 0.5.
    pub score_weight: f32,
    /// How long the track is Predicted after its last measurement before it is Lost, ns.
    /// Default 1 s.
    pub predict_for: u64,
    /// How long the ball track must have gone unmeasured before a rival may re-acquire, ns.
    /// Default 200 ms.
    pub reacquire_after: u64,
    /// Hits (frames) a rival needs, while the ball track is unmeasured, to re-acquire; also what
    /// the first acquisition needs. Default 3.
    pub confirm_hits: u16,
    /// Hits a moving rival needs to take over from a still or lost ball track. Default 10.
    pub rival_hits: u16,
    /// Frames a rival may be seen beside a measured ball track before it counts as a second ball
    /// (a distractor). Default 3.
    pub distractor_hits: u16,
    /// A rival unseen for this long is dropped, ns. Default 300 ms.
    pub rival_timeout: u64,
    /// A distractor unseen for this long is dropped, ns. Default 5 s.
    pub distractor_memory: u64,
    /// Displacement that counts as moving, px. Default 60 ≈ 1.3 m.
    pub move_min: f32,
    /// A ball track that has not moved `move_min` for this long is still, ns. Default 1 s.
    pub static_for: u64,
    /// A forward PTS step larger than this is counted as a gap, ns. Default 100 ms.
    pub gap: u64,
    /// A forward PTS step larger than this resets the tracker, ns. Default 10 s.
    pub reset_after: u64,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        TrackerConfig {
            pano: Size { w: REFERENCE_WIDTH, h: 1900 },
            max_speed: 2000.0,
            gate_min: 24.0,
            gate_max: 320.0,
            meas_sigma: 2.0,
            accel_sigma: 200.0,
            accept_nis: 16.0,
            maneuver_nis: 9.0,
            kick_hits: 2,
            score_weight: 0.5,
            predict_for: SECOND,
            reacquire_after: 200 * MSECOND,
            confirm_hits: 3,
            rival_hits: 10,
            distractor_hits: 3,
            rival_timeout: 300 * MSECOND,
            distractor_memory: 5 * SECOND,
            move_min: 60.0,
            static_for: SECOND,
            gap: 100 * MSECOND,
            reset_after: 10 * SECOND,
        }
    }
}

impl TrackerConfig {
    /// The defaults scaled to a panorama of `pano` (pixel values × `pano.w / 5700`).
    pub fn for_panorama(pano: Size) -> Self {
        let s = pano.w as f32 / REFERENCE_WIDTH as f32;
        let d = TrackerConfig::default();
        TrackerConfig {
            pano,
            max_speed: d.max_speed * s,
            gate_min: d.gate_min * s,
            gate_max: d.gate_max * s,
            meas_sigma: d.meas_sigma * s,
            accel_sigma: d.accel_sigma * s,
            move_min: d.move_min * s,
            ..d
        }
    }

    /// Checks every field; the error names the first one that is out of range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let pos = |v: f32| v.is_finite() && v > 0.0;
        let non_neg = |v: f32| v.is_finite() && v >= 0.0;
        let checks: [(bool, &'static str, &'static str); 19] = [
            (self.pano.w > 0 && self.pano.h > 0, "pano", "must be non-empty"),
            (pos(self.max_speed), "max_speed", "must be finite and > 0"),
            (pos(self.gate_min), "gate_min", "must be finite and > 0"),
            (pos(self.gate_max) && self.gate_max >= self.gate_min, "gate_max", ">= gate_min"),
            (pos(self.meas_sigma), "meas_sigma", "must be finite and > 0"),
            (non_neg(self.accel_sigma), "accel_sigma", "must be finite and >= 0"),
            (pos(self.accept_nis), "accept_nis", "must be finite and > 0"),
            (pos(self.maneuver_nis), "maneuver_nis", "must be finite and > 0"),
            (self.kick_hits >= 1, "kick_hits", "must be >= 1"),
            (non_neg(self.score_weight), "score_weight", "must be finite and >= 0"),
            (self.predict_for > 0, "predict_for", "must be > 0"),
            (self.confirm_hits >= 1, "confirm_hits", "must be >= 1"),
            (self.rival_hits >= self.confirm_hits, "rival_hits", "must be >= confirm_hits"),
            (self.distractor_hits >= 1, "distractor_hits", "must be >= 1"),
            (self.rival_timeout > 0, "rival_timeout", "must be > 0"),
            (
                self.distractor_memory >= self.rival_timeout,
                "distractor_memory",
                "must be >= rival_timeout",
            ),
            (non_neg(self.move_min), "move_min", "must be finite and >= 0"),
            (self.static_for > 0, "static_for", "must be > 0"),
            (self.reset_after > self.gap, "reset_after", "must be > gap"),
        ];
        match checks.iter().find(|c| !c.0) {
            Some(&(_, field, reason)) => Err(ConfigError { field, reason }),
            None => Ok(()),
        }
    }

    fn noise(&self) -> Noise {
        let w = self.pano.w as f32;
        let h = self.pano.h as f32;
        Noise {
            r: self.meas_sigma * self.meas_sigma,
            q: self.accel_sigma * self.accel_sigma,
            maneuver_nis: self.maneuver_nis,
            max_speed: self.max_speed,
            max_p00: w * w + h * h,
        }
    }
}

/// A [`TrackerConfig`] field out of range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The field's name.
    pub field: &'static str,
    /// What it must satisfy.
    pub reason: &'static str,
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "tracker config: {} {}", self.field, self.reason)
    }
}

/// One frame of the tracker's history.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct HistoryEntry {
    /// Frame PTS, ns.
    pub pts: u64,
    /// Estimated position, Q8 px.
    pub pos: PointQ8,
    /// Estimated velocity, Q8 px/s.
    pub vel: PointQ8,
    /// Confidence, Q0.16.
    pub confidence: u16,
    /// Measured, predicted or lost.
    pub state: BallState,
}

/// What the tracker did, counted since creation (resets included).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TrackerStats {
    /// Frames passed to [`Tracker::step`].
    pub frames: u64,
    /// Frames whose estimate was Measured.
    pub measured: u64,
    /// Frames whose estimate was Predicted.
    pub predicted: u64,
    /// Frames whose estimate was Lost (including before the first acquisition).
    pub lost: u64,
    /// Ball tracks started from nothing (first acquisition, after a reset).
    pub acquisitions: u64,
    /// Ball tracks moved to a rival after the ball went unmeasured, or picked up again after Lost.
    pub reacquisitions: u64,
    /// Ball tracks moved to a moving rival while the ball track stood still.
    pub takeovers: u64,
    /// Ball tracks moved to a confirmed rival that started inside the gate (a kick).
    pub kicks: u64,
    /// Accepted measurements that inflated the covariance (a gentle manoeuvre).
    pub maneuvers: u64,
    /// Frames with `CLOCK_TIME_NONE` (held).
    pub pts_none: u64,
    /// Frames repeating the previous PTS (held).
    pub pts_duplicate: u64,
    /// Frames whose PTS went backwards (reset).
    pub pts_backwards: u64,
    /// Forward steps over [`TrackerConfig::gap`].
    pub pts_gaps: u64,
    /// Forward steps over [`TrackerConfig::reset_after`] (reset).
    pub pts_jumps: u64,
    /// Ball detections beyond [`MAX_BALL_INPUTS`] in a frame, not considered.
    pub candidates_ignored: u64,
    /// Candidates that found no free rival slot.
    pub rivals_dropped: u64,
}

/// A ball-class detection prepared for association.
#[derive(Clone, Copy, Debug)]
struct Cand {
    x: f32,
    y: f32,
    q8: PointQ8,
    score: u16,
    used: bool,
    /// Inside the ball track's gate but not explained by its motion model.
    in_gate: bool,
}

/// The ball track.
#[derive(Clone, Copy, Debug)]
struct Track {
    /// Motion state at `last_hit`.
    m: Motion,
    /// PTS of the last accepted measurement.
    last_hit: u64,
    /// Score of the last accepted measurement.
    score: u16,
    /// Where the track was when it last moved `move_min`, and when.
    anchor: (f32, f32),
    anchor_pts: u64,
    /// Where the track froze when it went Lost.
    lost_at: Option<(f32, f32)>,
}

/// An out-of-gate candidate followed until it proves to be the ball or disappears.
#[derive(Clone, Copy, Debug)]
struct Rival {
    /// Motion state at `last_hit`.
    m: Motion,
    first: u64,
    last_hit: u64,
    origin: (f32, f32),
    /// Largest squared distance from `origin` seen, px².
    max_d2: f32,
    hits: u16,
    /// Hits in frames where the ball track was measured too.
    coexist: u16,
    /// Started inside the ball track's gate (a kick candidate).
    in_gate: bool,
    score: u16,
    hit_now: bool,
}

/// The forward ball tracker with a history of `H` frames.
///
/// Fixed size, no allocation; one per analysis thread. See the [module docs](self) for the
/// method.
#[derive(Debug)]
pub struct Tracker<const H: usize> {
    cfg: TrackerConfig,
    noise: Noise,
    track: Option<Track>,
    rivals: ArrayVec<Rival, MAX_RIVALS>,
    last_pts: Option<u64>,
    last_ball: BallEstimate,
    history: HistoryBuf<HistoryEntry, H>,
    stats: TrackerStats,
}

impl<const H: usize> Tracker<H> {
    /// A tracker with no track yet; fails if `cfg` does not [validate](TrackerConfig::validate).
    pub fn new(cfg: TrackerConfig) -> Result<Self, ConfigError> {
        cfg.validate()?;
        let mut t = Tracker {
            cfg,
            noise: cfg.noise(),
            track: None,
            rivals: ArrayVec::new(),
            last_pts: None,
            last_ball: BallEstimate::default(),
            history: HistoryBuf::new(),
            stats: TrackerStats::default(),
        };
        t.last_ball = t.no_ball();
        Ok(t)
    }

    /// The configuration in use.
    pub fn config(&self) -> &TrackerConfig {
        &self.cfg
    }

    /// Counters since creation.
    pub fn stats(&self) -> &TrackerStats {
        &self.stats
    }

    /// The last `H` processed frames (held frames are not recorded), oldest first via
    /// [`HistoryBuf::oldest_ordered`].
    pub fn history(&self) -> &HistoryBuf<HistoryEntry, H> {
        &self.history
    }

    /// The last emitted ball estimate.
    pub fn ball(&self) -> BallEstimate {
        self.last_ball
    }

    /// Forgets every track, the history and the last PTS (counters are kept).
    pub fn reset(&mut self) {
        self.track = None;
        self.rivals.clear();
        self.last_pts = None;
        self.history.clear();
        self.last_ball = self.no_ball();
    }

    /// Processes one frame: `pts` in ns and the frame's kept detections (any classes, any order).
    pub fn step(&mut self, pts: u64, dets: &[Detection]) -> Observation {
        self.stats.frames += 1;
        let mut cands: ArrayVec<Cand, MAX_BALL_INPUTS> = ArrayVec::new();
        self.collect_candidates(dets, &mut cands);
        let mut obs = Observation {
            pts,
            ball: self.last_ball,
            candidates: [BallCandidate::default(); MAX_BALL_CANDIDATES],
            n_candidates: 0,
            players: summarize_players(dets),
        };
        for (slot, c) in obs.candidates.iter_mut().zip(&cands) {
            *slot = BallCandidate { pos: c.q8, score: c.score };
            obs.n_candidates += 1;
        }

        if pts == CLOCK_TIME_NONE {
            self.stats.pts_none += 1;
            return self.hold(obs);
        }
        if let Some(last) = self.last_pts {
            if pts == last {
                self.stats.pts_duplicate += 1;
                return self.hold(obs);
            }
            if pts < last {
                self.stats.pts_backwards += 1;
                self.reset();
            } else if pts - last > self.cfg.reset_after {
                self.stats.pts_jumps += 1;
                self.reset();
            } else if pts - last > self.cfg.gap {
                self.stats.pts_gaps += 1;
            }
        }
        self.last_pts = Some(pts);

        let measured = self.associate_track(pts, &mut cands);
        self.associate_rivals(pts, measured, &mut cands);
        if !measured {
            self.promote_rival(pts);
        } else {
            self.takeover_if_still(pts);
        }
        let ball = self.estimate(pts);
        match ball.state {
            BallState::Measured => self.stats.measured += 1,
            BallState::Predicted => self.stats.predicted += 1,
            BallState::Lost => self.stats.lost += 1,
        }
        self.last_ball = ball;
        self.history.write(HistoryEntry {
            pts,
            pos: ball.pos,
            vel: ball.vel,
            confidence: ball.confidence,
            state: ball.state,
        });
        obs.ball = ball;
        obs
    }

    fn hold(&self, mut obs: Observation) -> Observation {
        obs.ball = self.last_ball;
        obs
    }

    /// Lost at the panorama centre: the estimate before any ball was seen.
    fn no_ball(&self) -> BallEstimate {
        BallEstimate {
            pos: PointQ8 {
                x: (self.cfg.pano.w as i32).saturating_mul(128),
                y: (self.cfg.pano.h as i32).saturating_mul(128),
            },
            vel: PointQ8::default(),
            confidence: 0,
            state: BallState::Lost,
        }
    }

    /// Ball detections, best score first (stable on ties), at most [`MAX_BALL_INPUTS`].
    fn collect_candidates(
        &mut self,
        dets: &[Detection],
        out: &mut ArrayVec<Cand, MAX_BALL_INPUTS>,
    ) {
        for d in dets.iter().filter(|d| d.class == Class::Ball as u8) {
            let q8 = d.center();
            let c = Cand {
                x: q8.x as f32 / 256.0,
                y: q8.y as f32 / 256.0,
                q8,
                score: d.score,
                used: false,
                in_gate: false,
            };
            // Insertion point after every candidate with a score >= this one.
            let at = out.iter().position(|o| o.score < c.score).unwrap_or(out.len());
            if out.is_full() {
                self.stats.candidates_ignored += 1;
                if at == out.len() {
                    continue;
                }
                out.pop();
            }
            out.insert(at, c);
        }
    }

    fn secs(ns: u64) -> f32 {
        (ns as f64 / SECOND as f64) as f32
    }

    fn gate(&self, speed: f32, since: u64) -> f32 {
        let g = self.cfg.gate_min + (speed + self.cfg.max_speed) * Self::secs(since);
        g.min(self.cfg.gate_max)
    }

    /// Chooses the ball track's measurement among `cands`; returns whether one was accepted.
    fn associate_track(&mut self, pts: u64, cands: &mut ArrayVec<Cand, MAX_BALL_INPUTS>) -> bool {
        let Some(tr) = self.track.as_mut() else {
            return false;
        };
        let since = pts - tr.last_hit;
        let dt = Self::secs(since);
        let mut best: Option<(usize, f32)> = None;
        if let Some((lx, ly)) = tr.lost_at {
            // Lost: the old motion means nothing; the nearest-and-best within gate_max of where
            // the ball was lost is taken.
            let radius = self.cfg.gate_max;
            for (i, c) in cands.iter().enumerate() {
                let d = libm::sqrtf((c.x - lx) * (c.x - lx) + (c.y - ly) * (c.y - ly));
                let cost = d / radius + self.cfg.score_weight * (1.0 - c.score as f32 / 65536.0);
                if d <= radius && best.is_none_or(|(_, b)| cost < b) {
                    best = Some((i, cost));
                }
            }
        } else {
            let radius = (self.cfg.gate_min + (tr.m.speed() + self.cfg.max_speed) * dt)
                .min(self.cfg.gate_max);
            let (px, py) = (tr.m.x + tr.m.vx * dt, tr.m.y + tr.m.vy * dt);
            let s = tr.m.innovation_var(dt, &self.noise);
            for (i, c) in cands.iter_mut().enumerate() {
                let d2 = (c.x - px) * (c.x - px) + (c.y - py) * (c.y - py);
                if d2 > radius * radius {
                    continue;
                }
                let nis = d2 / s;
                if nis > self.cfg.accept_nis {
                    c.in_gate = true;
                    continue;
                }
                let cost = libm::sqrtf(nis / self.cfg.accept_nis)
                    + self.cfg.score_weight * (1.0 - c.score as f32 / 65536.0);
                if best.is_none_or(|(_, b)| cost < b) {
                    best = Some((i, cost));
                }
            }
        }
        let Some((i, _)) = best else {
            return false;
        };
        let c = cands[i];
        if tr.lost_at.is_some() {
            // Picked up again near where it was lost: the old velocity means nothing now.
            tr.m = Motion::start(c.x, c.y, &self.noise);
            tr.lost_at = None;
            tr.anchor = (c.x, c.y);
            tr.anchor_pts = pts;
            self.stats.reacquisitions += 1;
        } else {
            tr.m.predict(Self::secs(since), &self.noise);
            if tr.m.update(c.x, c.y, &self.noise) {
                self.stats.maneuvers += 1;
            }
        }
        tr.last_hit = pts;
        tr.score = c.score;
        let (ax, ay) = tr.anchor;
        if (tr.m.x - ax) * (tr.m.x - ax) + (tr.m.y - ay) * (tr.m.y - ay)
            > self.cfg.move_min * self.cfg.move_min
        {
            tr.anchor = (tr.m.x, tr.m.y);
            tr.anchor_pts = pts;
        }
        // The chosen detection, and anything on top of it (a duplicate box of the same ball), is
        // consumed: it must not seed a rival.
        let dup2 = self.cfg.gate_min * self.cfg.gate_min;
        for o in cands.iter_mut() {
            if (o.x - c.x) * (o.x - c.x) + (o.y - c.y) * (o.y - c.y) <= dup2 {
                o.used = true;
            }
        }
        true
    }

    /// Feeds the candidates the ball track did not take to the rivals, spawns new rivals and
    /// drops stale ones.
    fn associate_rivals(
        &mut self,
        pts: u64,
        measured: bool,
        cands: &mut ArrayVec<Cand, MAX_BALL_INPUTS>,
    ) {
        for r in self.rivals.iter_mut() {
            r.hit_now = false;
        }
        // Strongest rivals choose first.
        let mut order: ArrayVec<usize, MAX_RIVALS> = (0..self.rivals.len()).collect();
        order.sort_unstable_by(|&a, &b| {
            self.rivals[b].hits.cmp(&self.rivals[a].hits).then(a.cmp(&b))
        });
        for &ri in &order {
            let r = self.rivals[ri];
            let since = pts - r.last_hit;
            let dt = Self::secs(since);
            let (px, py) = (r.m.x + r.m.vx * dt, r.m.y + r.m.vy * dt);
            let radius = self.gate(r.m.speed(), since);
            let mut best: Option<(usize, f32)> = None;
            for (i, c) in cands.iter().enumerate().filter(|(_, c)| !c.used) {
                let d2 = (c.x - px) * (c.x - px) + (c.y - py) * (c.y - py);
                if d2 <= radius * radius && best.is_none_or(|(_, b)| d2 < b) {
                    best = Some((i, d2));
                }
            }
            let Some((i, _)) = best else { continue };
            let c = &mut cands[i];
            c.used = true;
            let r = &mut self.rivals[ri];
            r.m.predict(dt, &self.noise);
            r.m.update(c.x, c.y, &self.noise);
            r.last_hit = pts;
            r.hits = r.hits.saturating_add(1);
            if measured {
                r.coexist = r.coexist.saturating_add(1);
            }
            r.score = c.score;
            r.hit_now = true;
            let (ox, oy) = r.origin;
            r.max_d2 = r.max_d2.max((c.x - ox) * (c.x - ox) + (c.y - oy) * (c.y - oy));
        }
        let (timeout, memory, distractor) =
            (self.cfg.rival_timeout, self.cfg.distractor_memory, self.cfg.distractor_hits);
        self.rivals.retain(|r| {
            let keep_for = if r.coexist >= distractor { memory } else { timeout };
            pts - r.last_hit <= keep_for
        });
        for c in cands.iter().filter(|c| !c.used) {
            let rival = Rival {
                m: Motion::start(c.x, c.y, &self.noise),
                first: pts,
                last_hit: pts,
                origin: (c.x, c.y),
                max_d2: 0.0,
                hits: 1,
                coexist: measured as u16,
                in_gate: c.in_gate && !measured,
                score: c.score,
                hit_now: true,
            };
            if self.rivals.try_push(rival).is_ok() {
                continue;
            }
            // Full: replace the longest-unseen rival not seen this frame.
            let victim = self
                .rivals
                .iter()
                .enumerate()
                .filter(|(_, r)| !r.hit_now)
                .min_by_key(|(_, r)| r.last_hit)
                .map(|(i, _)| i);
            match victim {
                Some(i) => self.rivals[i] = rival,
                None => self.stats.rivals_dropped += 1,
            }
        }
    }

    fn is_moving(&self, r: &Rival) -> bool {
        r.max_d2 >= self.cfg.move_min * self.cfg.move_min
    }

    /// The ball track was not measured this frame: a rival may take its place.
    fn promote_rival(&mut self, pts: u64) {
        let cfg = self.cfg;
        let Some(tr) = &self.track else {
            // First acquisition: any confirmed rival, a moving one first (see `best_rival`).
            if let Some(i) = self.best_rival(|r| r.hits >= cfg.confirm_hits) {
                self.stats.acquisitions += 1;
                self.adopt(i, pts);
            }
            return;
        };
        let last_hit = tr.last_hit;
        let unmeasured_long = pts - last_hit >= cfg.reacquire_after;
        let lost = tr.lost_at.is_some();
        let still = pts - tr.anchor_pts >= cfg.static_for;
        let kick = |r: &Rival| r.in_gate && r.first > last_hit && r.hits >= cfg.kick_hits;
        let fresh = |r: &Rival| {
            unmeasured_long
                && r.coexist < cfg.distractor_hits
                && r.hits - r.coexist >= cfg.confirm_hits
        };
        let mover = |r: &Rival| self.is_moving(r) && r.hits >= cfg.rival_hits && (lost || still);
        if let Some(i) = self.best_rival(|r| kick(r) || fresh(r) || mover(r)) {
            if kick(&self.rivals[i]) {
                self.stats.kicks += 1;
            } else {
                self.stats.reacquisitions += 1;
            }
            self.adopt(i, pts);
        }
    }

    /// The ball track was measured this frame, but if it has stood still for a while a moving
    /// rival is the better bet (the ball in play moves; a spare ball does not).
    fn takeover_if_still(&mut self, pts: u64) {
        let cfg = self.cfg;
        let Some(tr) = &self.track else { return };
        if pts - tr.anchor_pts < cfg.static_for {
            return;
        }
        if let Some(i) = self.best_rival(|r| self.is_moving(r) && r.hits >= cfg.rival_hits) {
            self.stats.takeovers += 1;
            self.adopt(i, pts);
        }
    }

    /// The eligible rival seen this frame that is most likely the ball in play: one that has
    /// moved beyond jitter (a spare ball lies still), then the most hits, then the best score.
    fn best_rival(&self, eligible: impl Fn(&Rival) -> bool) -> Option<usize> {
        let stir2 = self.cfg.gate_min * self.cfg.gate_min;
        self.rivals
            .iter()
            .enumerate()
            .filter(|(_, r)| r.hit_now && eligible(r))
            .max_by(|(ia, a), (ib, b)| {
                (a.max_d2 > stir2)
                    .cmp(&(b.max_d2 > stir2))
                    .then(a.hits.cmp(&b.hits))
                    .then(a.score.cmp(&b.score))
                    .then(ib.cmp(ia))
            })
            .map(|(i, _)| i)
    }

    fn adopt(&mut self, i: usize, pts: u64) {
        let r = self.rivals.remove(i);
        let moved = self.is_moving(&r);
        self.track = Some(Track {
            m: r.m,
            last_hit: pts,
            score: r.score,
            anchor: if moved { (r.m.x, r.m.y) } else { r.origin },
            anchor_pts: if moved { pts } else { r.first },
            lost_at: None,
        });
    }

    /// The estimate for this frame (after association), with the Predicted → Lost transition.
    fn estimate(&mut self, pts: u64) -> BallEstimate {
        let w = self.cfg.pano.w as f32;
        let h = self.cfg.pano.h as f32;
        let clamp = |x: f32, y: f32| (x.clamp(0.0, w - 1.0), y.clamp(0.0, h - 1.0));
        let predict_for = self.cfg.predict_for;
        let Some(tr) = self.track.as_mut() else {
            return self.no_ball();
        };
        let since = pts - tr.last_hit;
        let (x, y, vx, vy, confidence, state) = if since == 0 {
            let (x, y) = clamp(tr.m.x, tr.m.y);
            (x, y, tr.m.vx, tr.m.vy, tr.score, BallState::Measured)
        } else if let Some((x, y)) = tr.lost_at {
            (x, y, 0.0, 0.0, 0, BallState::Lost)
        } else {
            let dt = Self::secs(since);
            let (x, y) = clamp(tr.m.x + tr.m.vx * dt, tr.m.y + tr.m.vy * dt);
            if since > predict_for {
                tr.lost_at = Some((x, y));
                (x, y, 0.0, 0.0, 0, BallState::Lost)
            } else {
                let left = (predict_for - since) as u128;
                let c = (tr.score as u128 * left / predict_for as u128) as u16;
                (x, y, tr.m.vx, tr.m.vy, c, BallState::Predicted)
            }
        };
        BallEstimate {
            pos: PointQ8 { x: px_to_q8(x), y: px_to_q8(y) },
            vel: PointQ8 { x: px_to_q8(vx), y: px_to_q8(vy) },
            confidence,
            state,
        }
    }
}
