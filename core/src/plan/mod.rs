//! The virtual camera: where to crop the panorama at a given PTS, knowing the next seconds.
//!
//! Playback plays frames 7 s after capture, so when it asks for the crop of frame `t`, the analysis
//! has already delivered observations up to `t + 7 s`. The [`Planner`] uses them in two halves:
//!
//! * **on every [`Planner::push`]** (one per captured frame, O(1)): a forward constant-velocity
//!   Kalman step per axis on the ball, with candidate choice, spare-ball and outlier rejection,
//!   kick acceptance and track switching (`ball`), stored in a fixed window of `W` frames;
//! * **on every [`Planner::crop_at`]** (one per played frame, O(W)): a backward RTS pass gives the
//!   ball at every frame of the horizon from past *and* future detections, short gaps bridged;
//!   framing rules turn it (or the players, when the ball is lost) into a target and a desired
//!   width per frame (`horizon`); the zoom is planned against two backward envelopes of those
//!   widths, so it widens *before* a wide framing is needed and narrows before the ball reaches a
//!   panorama border where a wide crop could not hold it in the safe zone; then for each axis a
//!   corridor (the dead zone around where the ball will be `lead_s` later, inside the panorama,
//!   reachable at the speed limit) and the shortest path through it from the camera's position
//!   give the velocity to aim for, which a jerk- and acceleration-limited follower executes
//!   (`path`); the zoom is applied last, no wider than fits around the camera's new centre, so the
//!   panorama's edge never shoves the camera.
//!
//! With `lookahead` off the same machinery runs on the filtered (causal) state extrapolated for
//! `causal_predict_s`: a causal follower with the same limits, for comparison.
//!
//! No allocation, only checked code (`forbid(unsafe_code)`), no panics on any input: bad
//! observations are counted and skipped, and nothing the planner reports is NaN. A `Planner<256>` is about 60 KB: create it once (a
//! `static`, or boxed by the caller) rather than on a small thread stack.
//!
//! ```
//! use pitchcam_core::geom::Size;
//! use pitchcam_core::obs::Observation;
//! use pitchcam_core::plan::{DEFAULT_WINDOW, Planner, PlannerConfig, Preset};
//! use pitchcam_core::time::SECOND;
//!
//! let pano = Size { w: 5700, h: 1900 };
//! let cfg = PlannerConfig::preset(Preset::Broadcast, pano);
//! let mut planner = Planner::<DEFAULT_WINDOW>::new(cfg, pano)?;
//! // One playback tick: the newest captured frame's observation in, the crop of the frame
//! // captured 7 s earlier out.
//! let newest = Observation { pts: 7 * SECOND, ..Observation::default() };
//! planner.push(&newest);
//! let cam = planner.crop_at(newest.pts - 7 * SECOND);
//! assert!(cam.rect.x >= 0 && cam.rect.x + cam.rect.w <= 5700 && cam.rect.w % 2 == 0);
//! # Ok::<(), pitchcam_core::plan::ConfigError>(())
//! ```

mod ball;
pub mod config;
mod horizon;
mod kf;
pub mod metrics;
mod path;
pub mod pitch;
mod window;

pub use config::{ConfigError, PlannerConfig, Preset};
pub use horizon::TargetKind;
pub use metrics::{CameraMetrics, CameraReport, FrameTruth, MetricsConfig};
pub use pitch::{PitchModel, PitchPx, Spot};

use crate::geom::{Rect, Size, q8_to_px};
use crate::obs::Observation;
use crate::time::CLOCK_TIME_NONE;
use ball::{BallFilter, secs};
use horizon::Horizon;
use path::{
    Axis, AxisLimits, Segment, desired_velocity, funnel, reachable, wall_cap, wanted_accel,
};
use window::{Entry, Players, Window};

/// Window capacity for the 7 s delay at 30 fps (210 frames) plus margin for the played frame's
/// past and for jitter.
pub const DEFAULT_WINDOW: usize = 256;

/// The planner's window must hold at least this many frames.
pub const MIN_WINDOW: usize = 64;

/// A time step longer than this between two queries is not animated: the camera is placed anew.
const MAX_STEP_S: f32 = 1.0;
/// Share of the speed limit the corridor is made reachable at, leaving room for the turns.
const PLAN_SPEED_SHARE: f32 = 0.85;
/// Share of the zoom rate limit the width envelope is planned at.
const PLAN_ZOOM_SHARE: f32 = 0.7;
/// Time constant with which the zoom approaches its target, s.
const ZOOM_TAU_S: f32 = 0.5;
/// A gap between two observations longer than this breaks the ball track, s.
const BREAK_GAP_S: f32 = 2.0;

/// Why the planner follows what it follows at the played frame (for overlays and logs).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TargetInfo {
    /// What is followed.
    pub kind: TargetKind,
    /// Target point (ball, clamped ball, or players' centroid), px; 0 for [`TargetKind::None`].
    pub x: f32,
    /// Target point, px.
    pub y: f32,
    /// Ball position uncertainty (1 σ), px.
    pub sigma: f32,
    /// Width the framing rules ask for at this frame, px.
    pub desired_width: f32,
    /// Width the zoom is heading for (the look-ahead envelope), px.
    pub planned_width: f32,
    /// A set piece is framed.
    pub set_piece: bool,
    /// Frames of horizon used.
    pub horizon_frames: u16,
}

/// The crop for one played frame.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CameraState {
    /// The PTS asked for.
    pub pts: u64,
    /// The crop: even, inside the panorama, at the configured aspect.
    pub rect: Rect,
    /// Centre of the continuous camera path, px.
    pub cx: f32,
    /// Centre of the continuous camera path, px.
    pub cy: f32,
    /// Width of the continuous camera path, px.
    pub width: f32,
    /// Pan velocity, px/s.
    pub vx: f32,
    /// Tilt velocity, px/s.
    pub vy: f32,
    /// What the camera follows and why.
    pub target: TargetInfo,
}

impl CameraState {
    /// A state for a path point, its rectangle built by [`Rect::from_center`] (for tests and
    /// replays that compute metrics of hand-made paths).
    pub fn from_path(cx: f32, cy: f32, width: f32, aspect: f32, pano: Size) -> Self {
        CameraState {
            rect: Rect::from_center(cx, cy, width, aspect, pano),
            cx,
            cy,
            width,
            ..CameraState::default()
        }
    }
}

/// Counts of everything unusual the planner met; all monotonic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlannerCounters {
    /// Observations accepted into the window.
    pub pushed: u64,
    /// Observations with the PTS of the previous one, ignored.
    pub duplicates: u64,
    /// Observations with `CLOCK_TIME_NONE`, ignored.
    pub invalid_pts: u64,
    /// Observations older than the previous one: the stream restarted, window and camera reset.
    pub backward_resets: u64,
    /// Gaps between observations long enough to break the ball track.
    pub stream_gaps: u64,
    /// Frames dropped from the window before they were played (window too small for the delay).
    pub window_overflows: u64,
    /// Ball measurements accepted.
    pub measurements: u64,
    /// Detections rejected as too far from the tracked ball.
    pub outliers: u64,
    /// Detections rejected as a spare ball (still in one place while play is elsewhere).
    pub spare_rejected: u64,
    /// Detections rejected as lying far outside the panorama.
    pub off_panorama: u64,
    /// Ball tracks started.
    pub track_starts: u64,
    /// Ball tracks continued after a kick or a gap (a jump beyond the gate, within the ball's
    /// reach) once a chain of consistent detections confirmed it.
    pub reacquired: u64,
    /// Ball tracks moved to another ball after a chain of consistent detections.
    pub track_switches: u64,
    /// Ball tracks ended by a gap longer than `gap_bridge_s`.
    pub track_ends: u64,
    /// Crop queries.
    pub queries: u64,
    /// Queries for a PTS before the oldest observation held.
    pub queries_before_window: u64,
    /// Queries with no observation at all yet.
    pub queries_empty: u64,
    /// Times the camera was placed anew instead of moved (first query, time jump, reset).
    pub camera_placements: u64,
}

/// The virtual camera over a window of `W` observations (at least [`MIN_WINDOW`]; use
/// [`DEFAULT_WINDOW`] for 7 s at 30 fps).
#[derive(Clone, Debug)]
pub struct Planner<const W: usize = DEFAULT_WINDOW> {
    cfg: PlannerConfig,
    pano: Size,
    pitch: PitchPx,
    widest: f32,
    win: Window<W>,
    ball: BallFilter,
    hz: Horizon<W>,
    lo: [f32; W],
    hi: [f32; W],
    wp: [f32; W],
    cam: Option<Camera>,
    last: CameraState,
    counters: PlannerCounters,
}

#[derive(Clone, Copy, Debug, Default)]
struct Camera {
    pts: u64,
    x: Axis,
    y: Axis,
    /// Width, px, and its rate, fraction per s.
    w: f32,
    wr: f32,
}

impl<const W: usize> Planner<W> {
    const WINDOW_OK: () = assert!(W >= MIN_WINDOW, "the planner window must hold >= 64 frames");

    /// A planner for a panorama of `pano` pixels.
    pub fn new(cfg: PlannerConfig, pano: Size) -> Result<Self, ConfigError> {
        #[allow(clippy::let_unit_value)]
        let () = Self::WINDOW_OK;
        cfg.validate(pano)?;
        Ok(Planner {
            cfg,
            pano,
            pitch: PitchPx::new(cfg.pitch, pano),
            widest: cfg.widest(pano),
            win: Window::new(),
            ball: BallFilter::new(),
            hz: Horizon::new(),
            lo: [0.0; W],
            hi: [0.0; W],
            wp: [0.0; W],
            cam: None,
            last: CameraState::default(),
            counters: PlannerCounters::default(),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &PlannerConfig {
        &self.cfg
    }

    /// Replaces the configuration (live): observations, ball track and camera position are kept;
    /// new limits apply from the next query. A refused configuration changes nothing.
    pub fn set_config(&mut self, cfg: PlannerConfig) -> Result<(), ConfigError> {
        cfg.validate(self.pano)?;
        self.cfg = cfg;
        self.pitch = PitchPx::new(cfg.pitch, self.pano);
        self.widest = cfg.widest(self.pano);
        Ok(())
    }

    /// Switches the look-ahead on or off (live).
    pub fn set_lookahead(&mut self, on: bool) {
        self.cfg.lookahead = on;
    }

    /// The panorama size.
    pub fn panorama(&self) -> Size {
        self.pano
    }

    /// The pitch model resolved for this panorama.
    pub fn pitch(&self) -> &PitchPx {
        &self.pitch
    }

    /// Counters since creation.
    pub fn counters(&self) -> &PlannerCounters {
        &self.counters
    }

    /// Places currently judged to hold a spare ball.
    pub fn spare_places(&self) -> usize {
        self.ball.spare_places(&self.cfg)
    }

    /// Number of observations held.
    pub fn window_len(&self) -> usize {
        self.win.len()
    }

    /// Forgets every observation and the camera position (counters are kept).
    pub fn reset(&mut self) {
        self.win.clear();
        self.ball.reset();
        self.cam = None;
    }

    /// Adds the observation of the next captured frame. Observations must come in PTS order: a
    /// repeated PTS is ignored, an older one means the stream restarted and resets the planner.
    pub fn push(&mut self, obs: &Observation) {
        if obs.pts == CLOCK_TIME_NONE {
            self.counters.invalid_pts += 1;
            return;
        }
        let mut dt = 0.0;
        if let Some(last) = self.win.newest() {
            if obs.pts == last.pts {
                self.counters.duplicates += 1;
                return;
            }
            if obs.pts < last.pts {
                self.counters.backward_resets += 1;
                self.reset();
            } else {
                dt = secs(obs.pts - last.pts);
                if dt > BREAK_GAP_S {
                    self.counters.stream_gaps += 1;
                    self.ball.break_track();
                }
            }
        }
        let entry = Entry { pts: obs.pts, dt, players: self.players_of(obs), ..Entry::default() };
        if let Some(old) = self.win.push(entry)
            && self.cam.is_some_and(|c| old.pts >= c.pts)
        {
            self.counters.window_overflows += 1;
        }
        self.counters.pushed += 1;
        let bounds = (self.pano.w as f32, self.pano.h as f32);
        self.ball.step(&self.cfg, bounds, obs, &mut self.win, &mut self.counters);
    }

    fn players_of(&self, obs: &Observation) -> Players {
        let p = &obs.players;
        if p.count == 0 {
            return Players::default();
        }
        let (w, h) = (self.pano.w as f32, self.pano.h as f32);
        Players {
            count: p.count,
            cx: q8_to_px(p.centroid.x).clamp(0.0, w),
            cy: q8_to_px(p.centroid.y).clamp(0.0, h),
            sx: q8_to_px(p.spread.x).clamp(0.0, w),
            sy: q8_to_px(p.spread.y).clamp(0.0, h),
        }
    }

    /// The crop for the frame played at `pts`. Call once per played frame with non-decreasing
    /// PTS; the camera moves by the time elapsed since the previous call, within its limits.
    pub fn crop_at(&mut self, pts: u64) -> CameraState {
        self.counters.queries += 1;
        if self.cam.is_some_and(|c| c.pts == pts) {
            return self.last;
        }
        let Some(k0) = self.frame_for(pts) else {
            return self.hold(pts);
        };
        let w_now = self.cam.map_or(self.widest, |c| c.w);
        let pano = (self.pano.w as f32, self.pano.h as f32);
        self.hz.build(&self.cfg, &self.pitch, self.widest, &self.win, k0, pts, w_now, pano);
        let n = self.hz.n;

        // Zoom: the widest width needed soon, discounted by how fast the zoom can widen.
        let r_plan = self.cfg.max_zoom_rate * PLAN_ZOOM_SHARE;
        // Two backward envelopes: widen early enough for every wider framing ahead, narrow early
        // enough for every border cap ahead; where they disagree the cap wins (a crop wider than
        // the cap cannot keep the ball in the safe zone however it moves).
        let (mut env, mut cap) = (self.hz.wd[n - 1], self.hz.cap[n - 1]);
        self.wp[n - 1] = env.min(cap);
        for h in (0..n - 1).rev() {
            let dt = (self.hz.t[h + 1] - self.hz.t[h]).max(0.0);
            env = self.hz.wd[h].max(env * (1.0 - r_plan * dt).max(0.0));
            cap = self.hz.cap[h].min(cap * (1.0 + r_plan * dt));
            self.wp[h] = env.min(cap);
        }
        let w_target = self.wp[0];

        let (cam, placed) = match self.cam {
            Some(c) if pts > c.pts && secs(pts - c.pts) <= MAX_STEP_S => (c, false),
            _ => {
                self.counters.camera_placements += 1;
                let (tx, ty) = self.initial_target();
                let w = w_target.clamp(self.cfg.zoom_min_px, self.widest);
                let h = w / self.cfg.aspect;
                let x = Axis { p: clamp_mid(tx, w, self.pano.w as f32), ..Axis::default() };
                let y = Axis { p: clamp_mid(ty, h, self.pano.h as f32), ..Axis::default() };
                (Camera { pts, x, y, w, wr: 0.0 }, true)
            }
        };
        let mut cam = cam;
        if !placed {
            let dt = secs(pts - cam.pts);
            let (w_want, wr_want) = self.zoom_want(&cam, w_target, dt);
            self.plan_widths(w_want);
            self.step_pan(&mut cam, dt, w_want, wr_want);
            self.apply_zoom(&mut cam, w_want, wr_want, dt);
            cam.pts = pts;
        }
        self.cam = Some(cam);
        self.last = self.state_of(&cam, pts);
        self.last.target.planned_width = w_target;
        self.last
    }

    /// Index of the window entry played at `pts`.
    fn frame_for(&mut self, pts: u64) -> Option<usize> {
        if self.win.is_empty() {
            self.counters.queries_empty += 1;
            return None;
        }
        match self.win.at_or_before(pts) {
            Some(k) => Some(k),
            None => {
                self.counters.queries_before_window += 1;
                Some(0)
            }
        }
    }

    /// No observation at all: keep the camera where it is (or show the whole width).
    fn hold(&mut self, pts: u64) -> CameraState {
        let cam = match self.cam {
            Some(c) => Camera {
                pts,
                x: Axis { a: 0.0, v: 0.0, ..c.x },
                y: Axis { a: 0.0, v: 0.0, ..c.y },
                wr: 0.0,
                ..c
            },
            None => {
                self.counters.camera_placements += 1;
                let w = self.widest;
                Camera {
                    pts,
                    x: Axis { p: self.pano.w as f32 / 2.0, ..Axis::default() },
                    y: Axis { p: self.pano.h as f32 / 2.0, ..Axis::default() },
                    w,
                    wr: 0.0,
                }
            }
        };
        self.cam = Some(cam);
        self.last = self.state_of(&cam, pts);
        self.last
    }

    fn initial_target(&self) -> (f32, f32) {
        let hz = &self.hz;
        for h in 0..hz.n {
            if hz.kind[h] != TargetKind::None && hz.tx[h].is_finite() && hz.ty[h].is_finite() {
                return (hz.tx[h], hz.ty[h]);
            }
        }
        (self.pano.w as f32 / 2.0, self.pano.h as f32 / 2.0)
    }

    /// Zoom follower on the envelope's width: hysteresis at rest, rate and acceleration limits,
    /// braking so as to arrive without overshoot. Returns the width it wants after `dt` and its
    /// rate; [`Planner::apply_zoom`] applies it once the pan has made room for it.
    fn zoom_want(&self, cam: &Camera, w_target: f32, dt: f32) -> (f32, f32) {
        let cfg = &self.cfg;
        let u = libm::logf(cam.w);
        let mut target = libm::logf(w_target.clamp(cfg.zoom_min_px, self.widest));
        if cam.wr == 0.0 && (target - u).abs() < libm::log1pf(cfg.zoom_hysteresis) {
            target = u;
        }
        let e = target - u;
        let brake = libm::sqrtf(2.0 * cfg.max_zoom_accel * e.abs());
        let vd = (e / ZOOM_TAU_S).clamp(-cfg.max_zoom_rate, cfg.max_zoom_rate).clamp(-brake, brake);
        let dv = (vd - cam.wr).clamp(-cfg.max_zoom_accel * dt, cfg.max_zoom_accel * dt);
        let mut wr = cam.wr + dv;
        if (vd - cam.wr) * (vd - wr) < 0.0 {
            wr = vd;
        }
        if wr.abs() < 1e-4 && vd == 0.0 {
            wr = 0.0;
        }
        let w = libm::expf(u + 0.5 * (cam.wr + wr) * dt).min(self.fit_width());
        if w.is_finite() { (w, wr) } else { (cam.w, 0.0) }
    }

    /// The widest crop of the output aspect that fits the panorama at all.
    fn fit_width(&self) -> f32 {
        (self.pano.w as f32).min(self.pano.h as f32 * self.cfg.aspect)
    }

    /// Applies the wanted zoom, no wider than fits around the camera's new centre: the zoom waits
    /// for the pan rather than the panorama's edge shoving the camera.
    fn apply_zoom(&self, cam: &mut Camera, w_want: f32, wr_want: f32, dt: f32) {
        let (pw, ph) = (self.pano.w as f32, self.pano.h as f32);
        let room_x = 2.0 * cam.x.p.min(pw - cam.x.p);
        let room_y = 2.0 * cam.y.p.min(ph - cam.y.p) * self.cfg.aspect;
        let w = if w_want > cam.w { w_want.min(room_x).min(room_y).max(cam.w) } else { w_want };
        cam.wr = if w < w_want && dt > 0.0 { libm::logf(w / cam.w) / dt } else { wr_want };
        cam.w = w;
    }

    /// Planned width per horizon frame: from the camera's width toward the envelope at the
    /// planning rate.
    fn plan_widths(&mut self, w_now: f32) {
        let r = self.cfg.max_zoom_rate;
        let mut w = w_now;
        for h in 0..self.hz.n {
            if h > 0 {
                let dt = (self.hz.t[h] - self.hz.t[h - 1]).max(0.0);
                let env = self.wp[h];
                w = env.clamp(w * (1.0 - r * dt), w * (1.0 + r * dt));
            }
            self.wp[h] = w;
        }
    }

    /// Pan and tilt: corridor, reachability, shortest path, limited follower.
    fn step_pan(&mut self, cam: &mut Camera, dt: f32, w_want: f32, wr_want: f32) {
        let cfg = self.cfg;
        // The acceleration norm budget is split once between the axes, so that each axis can
        // count on its share (to brake before an edge, say) and the norm can never exceed it.
        let s = cfg.tilt_accel_share;
        let lx = AxisLimits {
            vmax: cfg.max_pan_speed,
            amax: cfg.max_accel * libm::sqrtf(1.0 - s * s),
            jmax: cfg.max_jerk,
            tau: cfg.response_s,
            rest: cfg.rest_speed,
        };
        let ly = AxisLimits { vmax: cfg.max_tilt_speed, amax: cfg.max_accel * s, ..lx };
        let (pw, ph) = (self.pano.w as f32, self.pano.h as f32);
        let vdx = self.axis_velocity(cam.x, true, &lx);
        let vdy = self.axis_velocity(cam.y, false, &ly);
        // The edges the wanted zoom makes, moving inward at half the width's growth.
        let (w, h) = (w_want, w_want / cfg.aspect);
        let (ex, ey) = (0.5 * w * wr_want, 0.5 * h * wr_want);
        let vdx = wall_cap(vdx, cam.x.p, cam.x.v, (w / 2.0, ex), (pw - w / 2.0, -ex), &lx);
        let vdy = wall_cap(vdy, cam.y.p, cam.y.v, (h / 2.0, ey), (ph - h / 2.0, -ey), &ly);
        let jd = cfg.max_jerk * dt;
        let ax = cam.x.a + (wanted_accel(vdx, cam.x.v, &lx) - cam.x.a).clamp(-jd, jd);
        let ay = cam.y.a + (wanted_accel(vdy, cam.y.v, &ly) - cam.y.a).clamp(-jd, jd);
        let ax = ax.clamp(-lx.amax, lx.amax);
        let ay = ay.clamp(-ly.amax, ly.amax);
        // Hard edges of the crop as it is now (the zoom adapts to the camera, not the reverse).
        let (w, h) = (cam.w, cam.w / cfg.aspect);
        cam.x.advance(vdx, ax, dt, &lx, w / 2.0, pw - w / 2.0);
        cam.y.advance(vdy, ay, dt, &ly, h / 2.0, ph - h / 2.0);
    }

    /// Builds the corridor of one axis over the horizon and returns the velocity to aim for.
    fn axis_velocity(&mut self, ax: Axis, is_x: bool, l: &AxisLimits) -> f32 {
        let cfg = &self.cfg;
        let hz = &self.hz;
        let n = hz.n;
        let size = if is_x { self.pano.w as f32 } else { self.pano.h as f32 };
        let lead_frames = libm::roundf(cfg.lead_s * cfg.frame_rate) as usize;
        for h in 0..n {
            let w = self.wp[h];
            let half = if is_x { w / 2.0 } else { w / cfg.aspect / 2.0 };
            let (lo_b, hi_b) = (half, size - half);
            let (lo, hi) = match hz.kind[h] {
                TargetKind::None => (lo_b, hi_b),
                kind => {
                    let (t, v) = if is_x { (hz.tx[h], hz.bvx[h]) } else { (hz.ty[h], hz.bvy[h]) };
                    // Lead room: aim where the ball will be `lead_s` later — read from the
                    // smoothed future where the horizon has it, extrapolated beyond.
                    let lead = match kind {
                        TargetKind::Ball | TargetKind::Bridged => {
                            let h2 = h + lead_frames;
                            let ahead = if h2 < n
                                && matches!(hz.kind[h2], TargetKind::Ball | TargetKind::Bridged)
                            {
                                if is_x { hz.tx[h2] } else { hz.ty[h2] }
                            } else {
                                t + v * cfg.lead_s
                            };
                            (ahead - t).clamp(-cfg.max_lead * half, cfg.max_lead * half)
                        }
                        _ => 0.0,
                    };
                    let m = cfg.dead_zone * half;
                    let c = t + lead;
                    (c - m, c + m)
                }
            };
            // Inside the panorama; a corridor entirely outside collapses onto the nearest edge.
            let (lo, hi) = if lo_b > hi_b {
                let mid = size / 2.0;
                (mid, mid)
            } else if hi < lo_b {
                (lo_b, lo_b)
            } else if lo > hi_b {
                (hi_b, hi_b)
            } else {
                (lo.max(lo_b), hi.min(hi_b))
            };
            let ok = lo.is_finite() && hi.is_finite();
            self.lo[h] = if ok { lo } else { lo_b };
            self.hi[h] = if ok { hi } else { hi_b.max(lo_b) };
        }
        reachable(&hz.t[..n], &mut self.lo[..n], &mut self.hi[..n], n, l.vmax * PLAN_SPEED_SHARE);
        let min_dt = l.tau.max(1.0 / cfg.frame_rate);
        let (t, lo, hi) = (&hz.t[..n], &self.lo[..n], &self.hi[..n]);
        let s1 = funnel(t, lo, hi, 0, (0.0, ax.p), min_dt);
        // A turn "now" (the corridor is to be reached within `min_dt`) is a catch-up, not a corner
        // to round: only turns genuinely ahead are anticipated.
        let s2: Option<Segment> = if s1.t_end.is_finite() && s1.t_end > min_dt {
            Some(funnel(t, lo, hi, s1.h_end + 1, (s1.t_end, s1.p_end), 1.0 / cfg.frame_rate))
        } else {
            None
        };
        let vd = desired_velocity(&s1, s2.as_ref(), ax.v, l);
        if vd.is_finite() { vd } else { 0.0 }
    }

    fn state_of(&self, cam: &Camera, pts: u64) -> CameraState {
        let hz = &self.hz;
        let target = if hz.n > 0 && !self.win.is_empty() {
            TargetInfo {
                kind: hz.kind[0],
                x: if hz.kind[0] == TargetKind::None { 0.0 } else { finite(hz.tx[0]) },
                y: if hz.kind[0] == TargetKind::None { 0.0 } else { finite(hz.ty[0]) },
                sigma: finite(hz.sig[0]),
                desired_width: finite(hz.wd[0]),
                planned_width: cam.w,
                set_piece: hz.set_piece[0],
                horizon_frames: hz.n.min(u16::MAX as usize) as u16,
            }
        } else {
            TargetInfo::default()
        };
        CameraState {
            pts,
            rect: Rect::from_center(cam.x.p, cam.y.p, cam.w, self.cfg.aspect, self.pano),
            cx: cam.x.p,
            cy: cam.y.p,
            width: cam.w,
            vx: cam.x.v,
            vy: cam.y.v,
            target,
        }
    }
}

/// `v`, or 0 if it is not finite: what the planner reports is never NaN.
fn finite(v: f32) -> f32 {
    if v.is_finite() { v } else { 0.0 }
}

/// `c` moved so that a span of `size` centred on it lies inside `[0, total]`.
fn clamp_mid(c: f32, size: f32, total: f32) -> f32 {
    let (lo, hi) = (size / 2.0, total - size / 2.0);
    if !c.is_finite() || lo > hi { total / 2.0 } else { c.clamp(lo, hi) }
}
