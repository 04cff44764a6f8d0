//! Streaming quality metrics of a camera path against the true ball, without allocation.
//!
//! Feed one [`FrameTruth`] and the [`CameraState`] the planner returned for the same frame, once per
//! frame in order; read a [`CameraReport`] at any time. Framing metrics (ball in frame, safe zone,
//! offset, recovery) use the crop rectangle the viewer sees and only in-play frames. Motion metrics
//! (velocity, acceleration, jerk, reversals, zoom rate, lag) use the planner's continuous path
//! (`cx`, `cy`, `width`): the rectangle is that path rounded to even pixels, and a 2-pixel step
//! at 30 fps alone is a second difference of 1800 px/s², so finite differences of the rectangle
//! measure rounding, not motion. The rectangle's acceleration is still reported
//! (`rect_accel_max`) so the rounding is visible.
//!
//! Percentiles come from [`crate::stats::HistogramSnapshot`] (log-linear buckets: never below the
//! exact value, at most 1/16 above it); values are recorded as integers in the units below, so
//! recovery times (in frames) are exact up to 31 frames.

use super::CameraState;
use crate::stats::HistogramSnapshot;

/// Frames either side over which the lag cross-correlation is searched.
pub const LAG_FRAMES: usize = 30;
const RING: usize = 2 * LAG_FRAMES + 1;

/// Settings of the metrics.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricsConfig {
    /// Frame rate of the sequence (frames/s): finite differences are scaled by it.
    pub frame_rate: f32,
    /// Safe zone as a fraction of the crop size (0.8: inner 80 %).
    pub safe_zone: f32,
    /// Pan speed above which a change of direction counts as a reversal, px/s.
    pub reversal_speed: f32,
    /// Ball speeds above this are jumps in the ground truth (a restart), left out of the lag, px/s.
    pub max_ball_speed: f32,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            frame_rate: 30.0,
            safe_zone: 0.8,
            reversal_speed: 20.0,
            max_ball_speed: 6000.0,
        }
    }
}

/// Ground truth of one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FrameTruth {
    /// True ball position, panorama px.
    pub x: f32,
    /// True ball position, panorama px.
    pub y: f32,
    /// Whether the ball is in play (framing metrics count only these frames).
    pub in_play: bool,
}

/// The metrics so far.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CameraReport {
    /// Frames seen.
    pub frames: u64,
    /// Frames with the ball in play.
    pub in_play_frames: u64,
    /// Share of in-play frames with the ball inside the crop, 0–1.
    pub ball_in_frame: f32,
    /// Share of in-play frames with the ball inside the safe zone, 0–1.
    pub ball_in_safe_zone: f32,
    /// RMS of ‖ball − crop centre‖ / (crop width / 2), in-play frames.
    pub offset_rms: f32,
    /// 95th percentile of the same.
    pub offset_p95: f32,
    /// Lag of the camera's x velocity behind the ball's at the peak of their cross-correlation
    /// over ±30 frames, ms; negative: the camera leads. `None` if the ball never moved.
    pub lag_ms: Option<f32>,
    /// Largest speed of the crop centre, px/s.
    pub velocity_max: f32,
    /// 99th percentile of the speed, px/s.
    pub velocity_p99: f32,
    /// Largest acceleration of the crop centre, px/s².
    pub accel_max: f32,
    /// 99th percentile of the acceleration, px/s².
    pub accel_p99: f32,
    /// RMS jerk of the crop centre, px/s³.
    pub jerk_rms: f32,
    /// Pan direction changes (between motions faster than the reversal speed).
    pub reversals: u32,
    /// The same per second of sequence.
    pub reversals_per_s: f32,
    /// Largest zoom speed, % of the width per s.
    pub zoom_rate_max: f32,
    /// 95th percentile of the time from the ball leaving the safe zone to being back inside, s.
    pub recovery_s_p95: f32,
    /// Longest such time, s.
    pub recovery_s_max: f32,
    /// Completed recoveries.
    pub recoveries: u32,
    /// Excursions that ended with play stopping (or the sequence ending) before the ball was back.
    pub recoveries_unfinished: u32,
    /// Largest second difference of the (even-pixel) crop rectangle's centre, px/s².
    pub rect_accel_max: f32,
}

/// A non-negative finite value as a rounded integer (NaN and negatives to 0).
fn to_u64(v: f32) -> u64 {
    if v > 0.0 { libm::roundf(v) as u64 } else { 0 }
}

/// Streaming accumulator of [`CameraReport`].
#[derive(Clone, Debug)]
pub struct CameraMetrics {
    cfg: MetricsConfig,
    frames: u64,
    in_play: u64,
    in_frame: u64,
    in_safe: u64,
    off_sq: f64,
    /// Offsets in thousandths of the crop half-width.
    off: HistogramSnapshot,
    last_c: Option<(f32, f32, f32)>,
    last_v: Option<(f32, f32)>,
    last_a: Option<(f32, f32)>,
    last_rect: [Option<(f32, f32)>; 2],
    rect_accel_max: f32,
    /// Speeds, px/s (rounded).
    vel: HistogramSnapshot,
    vel_max: f32,
    /// Accelerations, px/s² (rounded).
    acc: HistogramSnapshot,
    acc_max: f32,
    jerk_sq: f64,
    jerk_n: u64,
    reversals: u32,
    last_sign: i8,
    zoom_rate_max: f32,
    cam_v: [f32; RING],
    ball_v: [f32; RING],
    cc: [f64; RING],
    last_ball: Option<(f32, bool)>,
    out_since: Option<u64>,
    /// Recovery times, frames.
    rec: HistogramSnapshot,
    recoveries: u32,
    unfinished: u32,
}

impl CameraMetrics {
    /// An empty accumulator.
    pub fn new(cfg: MetricsConfig) -> Self {
        CameraMetrics {
            cfg,
            frames: 0,
            in_play: 0,
            in_frame: 0,
            in_safe: 0,
            off_sq: 0.0,
            off: HistogramSnapshot::new(),
            last_c: None,
            last_v: None,
            last_a: None,
            last_rect: [None; 2],
            rect_accel_max: 0.0,
            vel: HistogramSnapshot::new(),
            vel_max: 0.0,
            acc: HistogramSnapshot::new(),
            acc_max: 0.0,
            jerk_sq: 0.0,
            jerk_n: 0,
            reversals: 0,
            last_sign: 0,
            zoom_rate_max: 0.0,
            cam_v: [0.0; RING],
            ball_v: [0.0; RING],
            cc: [0.0; RING],
            last_ball: None,
            out_since: None,
            rec: HistogramSnapshot::new(),
            recoveries: 0,
            unfinished: 0,
        }
    }

    /// Adds one frame: the truth and the camera the planner produced for it.
    pub fn push(&mut self, truth: &FrameTruth, cam: &CameraState) {
        let fps = self.cfg.frame_rate;
        let n = self.frames;
        self.frames += 1;

        // Motion of the continuous path.
        let c = (cam.cx, cam.cy, cam.width);
        let mut cam_vx = 0.0;
        if let Some((px, py, pw)) = self.last_c {
            let v = ((c.0 - px) * fps, (c.1 - py) * fps);
            cam_vx = v.0;
            let speed = libm::hypotf(v.0, v.1);
            self.vel.record(to_u64(speed));
            self.vel_max = self.vel_max.max(speed);
            if let Some(lv) = self.last_v {
                let a = ((v.0 - lv.0) * fps, (v.1 - lv.1) * fps);
                let acc = libm::hypotf(a.0, a.1);
                self.acc.record(to_u64(acc));
                self.acc_max = self.acc_max.max(acc);
                if let Some(la) = self.last_a {
                    let j = libm::hypotf((a.0 - la.0) * fps, (a.1 - la.1) * fps) as f64;
                    self.jerk_sq += j * j;
                    self.jerk_n += 1;
                }
                self.last_a = Some(a);
            }
            self.last_v = Some(v);
            let sign = if v.0 > self.cfg.reversal_speed {
                1
            } else if v.0 < -self.cfg.reversal_speed {
                -1
            } else {
                0
            };
            if sign != 0 {
                if self.last_sign != 0 && sign != self.last_sign {
                    self.reversals += 1;
                }
                self.last_sign = sign;
            }
            if pw > 0.0 {
                let z = (c.2 - pw).abs() / pw * fps * 100.0;
                if z > self.zoom_rate_max {
                    self.zoom_rate_max = z;
                }
            }
        }
        self.last_c = Some(c);

        // The rectangle's own second difference.
        let rc = cam.rect.center();
        if let [Some(r1), Some(r2)] = self.last_rect {
            let ax = (rc.0 - 2.0 * r1.0 + r2.0) * fps * fps;
            let ay = (rc.1 - 2.0 * r1.1 + r2.1) * fps * fps;
            self.rect_accel_max = self.rect_accel_max.max(libm::hypotf(ax, ay));
        }
        self.last_rect = [Some(rc), self.last_rect[0]];

        // Lag: cross-correlation of x velocities, streaming over a ring of 2·LAG+1 frames.
        let valid = truth.in_play && truth.x.is_finite() && truth.y.is_finite();
        let mut ball_vx = 0.0;
        if let Some((bx, true)) = self.last_ball
            && valid
        {
            let v = (truth.x - bx) * fps;
            if v.abs() <= self.cfg.max_ball_speed {
                ball_vx = v;
            }
        }
        self.last_ball = Some((truth.x, valid));
        let slot = (n % RING as u64) as usize;
        self.cam_v[slot] = cam_vx;
        self.ball_v[slot] = ball_vx;
        if n + 1 >= RING as u64 {
            // Ball sample at frame t = n − LAG against camera samples t−LAG ..= t+LAG.
            let t = n - LAG_FRAMES as u64;
            let b = self.ball_v[(t % RING as u64) as usize] as f64;
            if b != 0.0 {
                for (i, acc) in self.cc.iter_mut().enumerate() {
                    let k = t + i as u64 - LAG_FRAMES as u64;
                    *acc += b * self.cam_v[(k % RING as u64) as usize] as f64;
                }
            }
        }

        // Framing, in-play frames only.
        if valid {
            self.in_play += 1;
            let r = cam.rect;
            if r.contains(truth.x, truth.y) {
                self.in_frame += 1;
            }
            let (dx, dy) = (truth.x - rc.0, truth.y - rc.1);
            let safe = dx.abs() <= 0.5 * self.cfg.safe_zone * r.w as f32
                && dy.abs() <= 0.5 * self.cfg.safe_zone * r.h as f32;
            if safe {
                self.in_safe += 1;
            }
            let off = libm::hypotf(dx, dy) / (0.5 * r.w.max(1) as f32);
            self.off_sq += (off * off) as f64;
            self.off.record(to_u64(off * 1000.0));
            match (safe, self.out_since) {
                (false, None) => self.out_since = Some(n),
                (true, Some(s)) => {
                    self.rec.record(n - s);
                    self.recoveries += 1;
                    self.out_since = None;
                }
                _ => {}
            }
        } else if self.out_since.take().is_some() {
            self.unfinished += 1;
        }
    }

    /// Adds the frames of `other` (another sequence, e.g. another seed) to this accumulator's
    /// totals, so that one report covers several sequences: shares and RMS are frame-weighted,
    /// percentiles come from the merged histograms, the lag from the summed cross-correlations,
    /// maxima are the larger. The sequences stay separate: no motion is computed across them.
    pub fn merge(&mut self, other: &CameraMetrics) {
        self.frames += other.frames;
        self.in_play += other.in_play;
        self.in_frame += other.in_frame;
        self.in_safe += other.in_safe;
        self.off_sq += other.off_sq;
        self.off.merge(&other.off);
        self.vel.merge(&other.vel);
        self.vel_max = self.vel_max.max(other.vel_max);
        self.acc.merge(&other.acc);
        self.acc_max = self.acc_max.max(other.acc_max);
        self.jerk_sq += other.jerk_sq;
        self.jerk_n += other.jerk_n;
        self.reversals += other.reversals;
        self.zoom_rate_max = self.zoom_rate_max.max(other.zoom_rate_max);
        self.rect_accel_max = self.rect_accel_max.max(other.rect_accel_max);
        for (a, b) in self.cc.iter_mut().zip(other.cc.iter()) {
            *a += *b;
        }
        self.rec.merge(&other.rec);
        self.recoveries += other.recoveries;
        self.unfinished += other.unfinished + other.out_since.is_some() as u32;
    }

    /// The metrics over every frame pushed so far.
    pub fn report(&self) -> CameraReport {
        let ip = self.in_play.max(1) as f64;
        let (mut best, mut arg) = (0.0f64, None);
        for (i, &v) in self.cc.iter().enumerate() {
            if v > best {
                best = v;
                arg = Some(i as i32 - LAG_FRAMES as i32);
            }
        }
        let secs = self.frames as f32 / self.cfg.frame_rate;
        CameraReport {
            frames: self.frames,
            in_play_frames: self.in_play,
            ball_in_frame: (self.in_frame as f64 / ip) as f32,
            ball_in_safe_zone: (self.in_safe as f64 / ip) as f32,
            offset_rms: libm::sqrt(self.off_sq / ip) as f32,
            offset_p95: self.off.quantile(0.95).unwrap_or(0) as f32 / 1000.0,
            lag_ms: arg.map(|l| l as f32 * 1000.0 / self.cfg.frame_rate),
            velocity_max: self.vel_max,
            velocity_p99: self.vel.quantile(0.99).unwrap_or(0) as f32,
            accel_max: self.acc_max,
            accel_p99: self.acc.quantile(0.99).unwrap_or(0) as f32,
            jerk_rms: libm::sqrt(self.jerk_sq / self.jerk_n.max(1) as f64) as f32,
            reversals: self.reversals,
            reversals_per_s: if secs > 0.0 { self.reversals as f32 / secs } else { 0.0 },
            zoom_rate_max: self.zoom_rate_max,
            recovery_s_p95: self.rec.quantile(0.95).unwrap_or(0) as f32 / self.cfg.frame_rate,
            recovery_s_max: self.rec.max().unwrap_or(0) as f32 / self.cfg.frame_rate,
            recoveries: self.recoveries,
            recoveries_unfinished: self.unfinished + self.out_since.is_some() as u32,
            rect_accel_max: self.rect_accel_max,
        }
    }
}
