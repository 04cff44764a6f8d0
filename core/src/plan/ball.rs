//! The forward half of the ball trajectory: one bounded step per observation.
//!
//! For each new frame it picks the measurement (the upstream tracker's ball or a raw candidate),
//! rejects spare balls and outliers, runs one constant-velocity Kalman step per axis and stores
//! prior and posterior in the window entry, so that a playback tick only has to run the backward
//! (RTS) pass.
//!
//! One detection is believed only close to the prediction (a kick just after a measurement may
//! jump further). Everything else feeds a *chain* of consistent detections, kept whether or not
//! the track got a measurement this frame. A chain of three starts a track when there is none,
//! and re-acquires a track that lost its ball within the ball's reach (re-running the gap with the
//! kick at its start, so the smoother bridges it); a longer chain moves the track to another ball
//! when the track lost its ball, or when the track sits still while the chain moves — a still
//! ball while another moves is a spare ball, and its place is then rejected. Places where a
//! detection stays still are remembered; one still for long while play is elsewhere (the tracked
//! ball far away, or a moving detection far away) is a spare ball too. A still ball alone (a set
//! piece) is not: other still detections say nothing about where play is.

use super::PlannerCounters;
use super::config::{MAX_CHAIN, PlannerConfig};
use super::kf::Kf;
use super::window::{Entry, F_CAND, F_KICK, F_MEAS, F_SEG_START, F_TRACK, Window};
use crate::geom::q8_to_px;
use crate::obs::{BallState, MAX_BALL_CANDIDATES, Observation};

/// How many still places the spare-ball detector remembers.
const SPOTS: usize = 16;
/// Consecutive consistent detections needed to start a track.
const INIT_FRAMES: u32 = 3;
/// One detection is believed no farther from the prediction than a kick carries the ball in this
/// time, s (and only within the gate): a single false ball beside a missed one must not bend the
/// track.
const KICK_WINDOW_S: f32 = 0.1;
/// A spot not seen for this long is forgotten, s.
const SPOT_EXPIRY_S: f32 = 2.0;
/// A place known to hold a spare ball is remembered through longer lapses in its detections, s.
const SPARE_EXPIRY_S: f32 = 10.0;
/// A place hit in at least this share of frames since first seen is "always there".
const SPOT_MIN_HIT_SHARE: f32 = 0.3;
/// ... and it is a spare ball if in this share of those hits the ball was elsewhere.
const SPOT_MIN_ELSEWHERE_SHARE: f32 = 0.25;
/// "Elsewhere" means farther than this many spot radii.
const SPOT_FAR_RADII: f32 = 15.0;
/// A place still this long is "settled": its detections do not show where play is, s.
const SETTLED_S: f32 = 1.0;
/// The track's position says where play is for this long after its last measurement, s.
const HINT_S: f32 = 0.5;
/// A jump is plausible within this distance plus the fastest ball's reach, px.
const JUMP_BASE_PX: f32 = 20.0;

#[derive(Clone, Copy, Debug, Default)]
struct StillSpot {
    used: bool,
    x: f32,
    y: f32,
    first: u64,
    last: u64,
    hits: u32,
    elsewhere: u32,
    /// Judged a spare ball outright (a track left it for a moving ball).
    forced: bool,
}

/// A measurement candidate of one frame.
#[derive(Clone, Copy, Debug, Default)]
struct Cand {
    x: f32,
    y: f32,
    score: f32,
    upstream: bool,
}

/// The forward ball filter; one owner (the planner), one step per pushed observation.
#[derive(Clone, Debug)]
pub(crate) struct BallFilter {
    active: bool,
    kf: [Kf; 2],
    since_meas: f32,
    still_run: f32,
    chain_len: u32,
    chain_last: [f32; 2],
    chain_vel: (f32, f32),
    spots: [StillSpot; SPOTS],
}

impl BallFilter {
    pub fn new() -> Self {
        BallFilter {
            active: false,
            kf: [Kf::default(); 2],
            since_meas: 0.0,
            still_run: 0.0,
            chain_len: 0,
            chain_last: [0.0; 2],
            chain_vel: (0.0, 0.0),
            spots: [StillSpot::default(); SPOTS],
        }
    }

    pub fn reset(&mut self) {
        *self = BallFilter::new();
    }

    /// Ends the current track (a discontinuity in the stream).
    pub fn break_track(&mut self) {
        self.active = false;
        self.chain_len = 0;
    }

    /// Processes the newest window entry (already pushed with pts, dt and players) for `obs`.
    pub fn step<const W: usize>(
        &mut self,
        cfg: &PlannerConfig,
        bounds: (f32, f32),
        obs: &Observation,
        win: &mut Window<W>,
        n: &mut PlannerCounters,
    ) {
        let Some(last) = win.len().checked_sub(1) else { return };
        let (pts, dt) = {
            let e = win.get(last);
            (e.pts, e.dt)
        };
        let r = cfg.meas_noise_px * cfg.meas_noise_px;
        let q = cfg.ball_accel_noise * cfg.ball_accel_noise;

        // Candidates: the upstream tracker's measured ball first, then the raw detections.
        let mut cands = [Cand::default(); MAX_BALL_CANDIDATES + 1];
        let mut nc = 0usize;
        let (mx, my) = (bounds.0 * 0.25, bounds.1 * 0.25);
        let mut add = |x: f32, y: f32, score: f32, upstream: bool, n: &mut PlannerCounters| {
            if !(x >= -mx && x <= bounds.0 + mx && y >= -my && y <= bounds.1 + my) {
                n.off_panorama += 1;
                return;
            }
            if cands[..nc].iter().any(|c| (c.x - x).abs() < 1.0 && (c.y - y).abs() < 1.0) {
                return;
            }
            if nc < cands.len() {
                cands[nc] = Cand { x, y, score, upstream };
                nc += 1;
            }
        };
        if obs.ball.state == BallState::Measured {
            let (x, y) = (q8_to_px(obs.ball.pos.x), q8_to_px(obs.ball.pos.y));
            add(x, y, obs.ball.confidence as f32 / 65535.0, true, n);
        }
        for c in obs.candidates() {
            add(q8_to_px(c.pos.x), q8_to_px(c.pos.y), c.score as f32 / 65535.0, false, n);
        }

        // Predict.
        if self.active {
            self.kf = [self.kf[0].predict(dt, q), self.kf[1].predict(dt, q)];
            self.since_meas += dt;
            if self.since_meas > cfg.gap_bridge_s {
                self.active = false;
                self.chain_len = 0;
                n.track_ends += 1;
            }
        }
        let prior = self.kf;
        let hint = if self.active && self.since_meas < HINT_S {
            Some((prior[0].p, prior[1].p))
        } else {
            None
        };

        // Still places: bookkeeping, then drop candidates at a spare-ball place unless they are
        // the tracked ball rolling through it.
        self.observe_spots(cfg, pts, &cands[..nc], hint);
        let moving = self.active
            && prior[0].v * prior[0].v + prior[1].v * prior[1].v
                > cfg.still_speed * cfg.still_speed;
        let mut i = 0;
        while i < nc {
            let c = cands[i];
            let rolling_through = moving && self.gated(&prior, c, r, cfg) && {
                let (ex, ey) = (c.x - prior[0].p, c.y - prior[1].p);
                let near = JUMP_BASE_PX + cfg.max_ball_speed * KICK_WINDOW_S;
                ex * ex + ey * ey <= near * near
            };
            if self.is_spare(cfg, c.x, c.y) && !rolling_through {
                cands.copy_within(i + 1..nc, i);
                nc -= 1;
                n.spare_rejected += 1;
            } else {
                i += 1;
            }
        }
        let cands = &cands[..nc];

        let mut flags = 0u8;
        let mut meas = [0.0f32; 2];
        let mut accepted: Option<usize> = None;
        let prior_out = prior;
        if self.active {
            flags |= F_TRACK;
            // Nearest candidate in the Mahalanobis sense.
            let sx = prior[0].innovation_var(r);
            let sy = prior[1].innovation_var(r);
            let best = cands
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let (ex, ey) = (c.x - prior[0].p, c.y - prior[1].p);
                    ((i, c), ex * ex / sx + ey * ey / sy, libm::sqrtf(ex * ex + ey * ey))
                })
                .min_by(|a, b| a.1.total_cmp(&b.1));
            // One detection is believed only near where the ball should be: the gate, bounded by
            // the distance a kick covers in `KICK_WINDOW_S`. Anything else (a kick, a ball unseen
            // for a while, a false ball beside a missed one) must be confirmed by a chain of
            // consistent detections, which then re-runs the gap with the kick at its start.
            let span = self.since_meas.max(dt);
            let near = JUMP_BASE_PX + cfg.max_ball_speed * span.min(KICK_WINDOW_S);
            match best {
                Some(((i, c), d2, dist))
                    if d2 <= cfg.gate_sigma * cfg.gate_sigma && dist <= near =>
                {
                    self.accept(c, r, &mut meas, &mut flags);
                    accepted = Some(i);
                    n.measurements += 1;
                }
                Some(_) => {
                    n.outliers += 1;
                }
                None => {}
            }
        }
        // The chain follows the other detections, whether or not the track got one this frame:
        // a track stuck on a still spare ball must not stop a moving ball's chain from forming.
        let mut others = [Cand::default(); MAX_BALL_CANDIDATES + 1];
        let mut no = 0;
        for (i, c) in cands.iter().enumerate() {
            if Some(i) != accepted {
                others[no] = *c;
                no += 1;
            }
        }
        let mut cand = [0.0f32; 2];
        self.extend_chain(cfg, &others[..no], dt, &mut cand, &mut flags);

        let speed2 = self.kf[0].v * self.kf[0].v + self.kf[1].v * self.kf[1].v;
        self.still_run = if self.active && speed2 < cfg.still_speed * cfg.still_speed {
            self.still_run + dt
        } else {
            0.0
        };
        {
            let e = win.get_mut(last);
            e.flags = flags;
            e.meas = meas;
            e.cand = cand;
            e.prior = prior_out;
            e.post = self.kf;
            e.since_meas = self.since_meas;
            e.still_run = self.still_run;
        }

        // A chain long enough re-acquires the ball (continuing the coasting track, so the gap is
        // bridged), starts a track, or moves the track to another ball: after the track lost its
        // ball, or away from a still track when the chain moves (a still ball while another one
        // moves is a spare); replayed over the chain's frames.
        if flags & F_CAND != 0 && self.chain_len >= INIT_FRAMES {
            let len = (self.chain_len as usize).min(win.len()).min(MAX_CHAIN);
            let first = *win.get(win.len() - len);
            let chain_s = secs(pts.saturating_sub(first.pts));
            let coasting = self.since_meas > chain_s;
            let within_reach = first.flags & F_TRACK != 0 && {
                let (ex, ey) = (first.cand[0] - first.prior[0].p, first.cand[1] - first.prior[1].p);
                let reach = JUMP_BASE_PX + cfg.max_ball_speed * first.since_meas.max(dt);
                ex * ex + ey * ey <= reach * reach
            };
            let long = self.chain_len >= cfg.switch_frames.max(INIT_FRAMES);
            let track_still = self.kf[0].v * self.kf[0].v + self.kf[1].v * self.kf[1].v
                < cfg.still_speed * cfg.still_speed;
            let chain_moving = {
                let (dx, dy) = (cand[0] - first.cand[0], cand[1] - first.cand[1]);
                let need = (3.0 * cfg.spare_radius_px).max(2.0 * cfg.still_speed * chain_s);
                dx * dx + dy * dy >= need * need
            };
            if !self.active {
                self.replay_chain(cfg, win, len, false);
                n.track_starts += 1;
            } else if coasting && within_reach {
                self.replay_chain(cfg, win, len, true);
                n.reacquired += 1;
            } else if long && (coasting || (track_still && chain_moving)) {
                if !coasting {
                    // Left for a moving ball: the place it sat still is a spare ball.
                    self.force_spare(cfg, pts, self.kf[0].p, self.kf[1].p);
                }
                self.replay_chain(cfg, win, len, false);
                n.track_switches += 1;
                n.track_starts += 1;
            } else {
                return;
            }
            n.measurements += len as u64;
            self.active = true;
            self.chain_len = 0;
        }
    }

    fn gated(&self, prior: &[Kf; 2], c: Cand, r: f32, cfg: &PlannerConfig) -> bool {
        let (ex, ey) = (c.x - prior[0].p, c.y - prior[1].p);
        let d2 = ex * ex / prior[0].innovation_var(r) + ey * ey / prior[1].innovation_var(r);
        d2 <= cfg.gate_sigma * cfg.gate_sigma
    }

    fn accept(&mut self, c: &Cand, r: f32, meas: &mut [f32; 2], flags: &mut u8) {
        // Weak detections are trusted less.
        let r = r * (2.0 - c.score.clamp(0.0, 1.0));
        self.kf = [self.kf[0].update(c.x, r), self.kf[1].update(c.y, r)];
        self.since_meas = 0.0;
        *meas = [c.x, c.y];
        *flags |= F_MEAS;
    }

    /// Continues (or starts) the chain of detections that could begin a new track.
    fn extend_chain(
        &mut self,
        cfg: &PlannerConfig,
        cands: &[Cand],
        dt: f32,
        meas: &mut [f32; 2],
        flags: &mut u8,
    ) {
        // From one detection the next may lie anywhere the ball can reach; from two on, near the
        // constant-velocity continuation (a third point must agree with the first two).
        let (px, py, reach) = if self.chain_len >= 2 {
            let (vx, vy) = self.chain_vel;
            (
                self.chain_last[0] + vx * dt,
                self.chain_last[1] + vy * dt,
                JUMP_BASE_PX + 0.3 * cfg.max_ball_speed * dt,
            )
        } else {
            (self.chain_last[0], self.chain_last[1], JUMP_BASE_PX + cfg.max_ball_speed * dt)
        };
        let next = if self.chain_len > 0 {
            cands
                .iter()
                .map(|c| {
                    let (ex, ey) = (c.x - px, c.y - py);
                    (c, ex * ex + ey * ey)
                })
                .filter(|&(_, d2)| d2 <= reach * reach)
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(c, _)| c)
        } else {
            None
        };
        let (c, continued) = match next {
            Some(c) => (Some(c), true),
            // A new chain starts on the best detection, the upstream tracker's choice first.
            None => (
                cands.iter().max_by(|a, b| {
                    (a.score + a.upstream as u8 as f32)
                        .total_cmp(&(b.score + b.upstream as u8 as f32))
                }),
                false,
            ),
        };
        match c {
            Some(c) => {
                self.chain_vel = if continued && dt > 0.0 {
                    ((c.x - self.chain_last[0]) / dt, (c.y - self.chain_last[1]) / dt)
                } else {
                    (0.0, 0.0)
                };
                self.chain_len = if continued { self.chain_len + 1 } else { 1 };
                self.chain_last = [c.x, c.y];
                *meas = [c.x, c.y];
                *flags |= F_CAND;
            }
            None => self.chain_len = 0,
        }
    }

    /// Runs the filter over the last `len` entries (all chain candidates): either continuing the
    /// coasting track (its prediction at the chain's first frame, widened by a kick) or starting a
    /// new one there.
    fn replay_chain<const W: usize>(
        &mut self,
        cfg: &PlannerConfig,
        win: &mut Window<W>,
        len: usize,
        continue_track: bool,
    ) {
        let r = cfg.meas_noise_px * cfg.meas_noise_px;
        let q = cfg.ball_accel_noise * cfg.ball_accel_noise;
        let sk = cfg.max_ball_speed * 0.5;
        let first = win.len() - len;
        if continue_track {
            self.rekick_gap(cfg, win, first);
        }
        let e0 = *win.get(first);
        let (prior0, flags0) = if continue_track {
            // The coasting prediction, re-run from the kick at the start of the gap.
            (e0.prior, F_TRACK | F_MEAS)
        } else {
            let (mut vx, mut vy) = (0.0, 0.0);
            let el = win.get(win.len() - 1);
            let span = secs(el.pts.saturating_sub(e0.pts));
            if span > 0.0 {
                vx = (el.cand[0] - e0.cand[0]) / span;
                vy = (el.cand[1] - e0.cand[1]) / span;
            }
            let k = [
                Kf::new(e0.cand[0], vx, cfg.meas_noise_px, sk),
                Kf::new(e0.cand[1], vy, cfg.meas_noise_px, sk),
            ];
            (k, F_TRACK | F_MEAS | F_SEG_START)
        };
        self.kf = [prior0[0].update(e0.cand[0], r), prior0[1].update(e0.cand[1], r)];
        self.still_run = 0.0;
        let store = |e: &mut Entry, kf: [Kf; 2], prior: [Kf; 2], flags: u8, still: f32| {
            e.flags = flags;
            e.meas = e.cand;
            e.prior = prior;
            e.post = kf;
            e.since_meas = 0.0;
            e.still_run = still;
        };
        let kf0 = self.kf;
        store(win.get_mut(first), kf0, prior0, flags0, 0.0);
        for i in first + 1..win.len() {
            let e = *win.get(i);
            let prior = [self.kf[0].predict(e.dt, q), self.kf[1].predict(e.dt, q)];
            self.kf = [prior[0].update(e.cand[0], r), prior[1].update(e.cand[1], r)];
            let s2 = self.kf[0].v * self.kf[0].v + self.kf[1].v * self.kf[1].v;
            self.still_run =
                if s2 < cfg.still_speed * cfg.still_speed { self.still_run + e.dt } else { 0.0 };
            let kf = self.kf;
            store(win.get_mut(i), kf, prior, F_TRACK | F_MEAS, self.still_run);
        }
        self.since_meas = 0.0;
    }

    /// Re-runs the coasting frames between the last measurement and the chain's first frame
    /// `first` with the kick's uncertainty at the *start* of the gap: the ball was struck (or
    /// deflected) somewhere in it, most likely early, so the smoother then bridges the gap along
    /// a straight line instead of holding the old position until the ball reappears. Without a
    /// measured frame before the gap (or a gap reaching the window's start), the kick goes on the
    /// first coasting frame there is.
    fn rekick_gap<const W: usize>(
        &mut self,
        cfg: &PlannerConfig,
        win: &mut Window<W>,
        first: usize,
    ) {
        let q = cfg.ball_accel_noise * cfg.ball_accel_noise;
        let sk = cfg.max_ball_speed * 0.5;
        // The gap: frames g..first, tracked but without a measurement.
        let mut g = first;
        while g > 0 {
            let e = win.get(g - 1);
            if e.flags & F_TRACK == 0 || e.flags & F_MEAS != 0 || e.flags & F_SEG_START != 0 {
                break;
            }
            g -= 1;
        }
        if g == 0 || win.get(g - 1).flags & F_TRACK == 0 {
            // Nothing to start from: kick the chain's own first prior.
            let e = win.get_mut(first);
            let span = e.since_meas.max(e.dt);
            e.prior = [e.prior[0].kick(span, sk), e.prior[1].kick(span, sk)];
            e.flags |= F_KICK;
            return;
        }
        let mut kf = win.get(g - 1).post;
        for i in g..first {
            let e = win.get_mut(i);
            let mut prior = [kf[0].predict(e.dt, q), kf[1].predict(e.dt, q)];
            if i == g {
                prior = [prior[0].kick(e.dt, sk), prior[1].kick(e.dt, sk)];
                e.flags |= F_KICK;
            }
            e.prior = prior;
            e.post = prior;
            kf = prior;
        }
        // The chain's first frame: predicted from the re-run gap, or kicked itself when the chain
        // starts right after the measurement.
        let e = win.get_mut(first);
        let prior = [kf[0].predict(e.dt, q), kf[1].predict(e.dt, q)];
        e.prior = if g == first {
            e.flags |= F_KICK;
            [prior[0].kick(e.dt, sk), prior[1].kick(e.dt, sk)]
        } else {
            prior
        };
    }

    fn observe_spots(
        &mut self,
        cfg: &PlannerConfig,
        pts: u64,
        cands: &[Cand],
        hint: Option<(f32, f32)>,
    ) {
        let rad = cfg.spare_radius_px;
        let far = rad * SPOT_FAR_RADII;
        for k in 0..SPOTS {
            let s = self.spots[k];
            let expiry = if self.spot_is_spare(cfg, &s) { SPARE_EXPIRY_S } else { SPOT_EXPIRY_S };
            if s.used && secs(pts.saturating_sub(s.last)) > expiry {
                self.spots[k].used = false;
            }
        }
        // Which candidates sit on a place already still for a while: those say nothing about
        // where play is (a spare ball does not make another still ball a spare).
        let mut settled = [false; MAX_BALL_CANDIDATES + 1];
        for (i, c) in cands.iter().enumerate() {
            settled[i] = self.spots.iter().any(|s| {
                s.used
                    && (s.x - c.x) * (s.x - c.x) + (s.y - c.y) * (s.y - c.y) <= rad * rad
                    && secs(s.last.saturating_sub(s.first)) >= SETTLED_S
            });
        }
        for (i, c) in cands.iter().enumerate() {
            // Play is elsewhere when the tracked ball is far, or a detection far away is moving.
            let elsewhere = cands.iter().enumerate().any(|(j, o)| {
                j != i
                    && !settled[j]
                    && (o.x - c.x) * (o.x - c.x) + (o.y - c.y) * (o.y - c.y) > far * far
            }) || hint.is_some_and(|(hx, hy)| {
                (hx - c.x) * (hx - c.x) + (hy - c.y) * (hy - c.y) > far * far
            });
            let near = self.spots.iter_mut().find(|s| {
                s.used && (s.x - c.x) * (s.x - c.x) + (s.y - c.y) * (s.y - c.y) <= rad * rad
            });
            match near {
                Some(s) => {
                    if s.last != pts {
                        s.hits = s.hits.saturating_add(1);
                        s.elsewhere = s.elsewhere.saturating_add(elsewhere as u32);
                        s.last = pts;
                    }
                    // Follow slow drift (detector jitter) but not motion.
                    s.x += 0.05 * (c.x - s.x);
                    s.y += 0.05 * (c.y - s.y);
                }
                None => {
                    let slot = self.victim(cfg);
                    self.spots[slot] = StillSpot {
                        used: true,
                        x: c.x,
                        y: c.y,
                        first: pts,
                        last: pts,
                        hits: 1,
                        elsewhere: elsewhere as u32,
                        forced: false,
                    };
                }
            }
        }
    }

    /// Marks the place `(x, y)` as a spare ball from now on (while it stays there).
    fn force_spare(&mut self, cfg: &PlannerConfig, pts: u64, x: f32, y: f32) {
        let slot = self.spot_slot(cfg, x, y);
        let s = &mut self.spots[slot];
        if !s.used {
            *s = StillSpot { used: true, x, y, first: pts, last: pts, ..StillSpot::default() };
        }
        s.forced = true;
    }

    /// The spot at `(x, y)`, else the slot to give up ([`BallFilter::victim`]).
    fn spot_slot(&self, cfg: &PlannerConfig, x: f32, y: f32) -> usize {
        let rad = 2.0 * JUMP_BASE_PX;
        self.spots
            .iter()
            .position(|s| s.used && (s.x - x) * (s.x - x) + (s.y - y) * (s.y - y) <= rad * rad)
            .unwrap_or_else(|| self.victim(cfg))
    }

    /// A free slot, else the least established place: never a known spare ball while another
    /// will do, then the fewest hits (a moving ball leaves one-hit places behind it every frame),
    /// then the one seen least recently.
    fn victim(&self, cfg: &PlannerConfig) -> usize {
        if let Some(k) = self.spots.iter().position(|s| !s.used) {
            return k;
        }
        let key = |s: &StillSpot| (self.spot_is_spare(cfg, s), s.hits, s.last);
        let mut k = 0;
        for j in 1..SPOTS {
            if key(&self.spots[j]) < key(&self.spots[k]) {
                k = j;
            }
        }
        k
    }

    /// Whether the place `s` holds a spare ball.
    fn spot_is_spare(&self, cfg: &PlannerConfig, s: &StillSpot) -> bool {
        if !s.used {
            return false;
        }
        let span = secs(s.last.saturating_sub(s.first));
        s.forced
            || span >= cfg.spare_ball_s
                && s.hits as f32 >= SPOT_MIN_HIT_SHARE * (span * cfg.frame_rate + 1.0)
                && s.elsewhere as f32 >= SPOT_MIN_ELSEWHERE_SHARE * s.hits as f32
    }

    fn is_spare(&self, cfg: &PlannerConfig, x: f32, y: f32) -> bool {
        let rad = cfg.spare_radius_px;
        self.spots.iter().any(|s| {
            (s.x - x) * (s.x - x) + (s.y - y) * (s.y - y) <= rad * rad && self.spot_is_spare(cfg, s)
        })
    }

    /// Number of places currently judged to hold a spare ball (for diagnostics).
    pub fn spare_places(&self, cfg: &PlannerConfig) -> usize {
        self.spots.iter().filter(|s| self.spot_is_spare(cfg, s)).count()
    }
}

/// Nanoseconds to seconds.
pub(crate) fn secs(ns: u64) -> f32 {
    (ns as f64 * 1e-9) as f32
}
