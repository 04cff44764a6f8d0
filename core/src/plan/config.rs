//! Every knob of the virtual camera, three presets, and validation with specific errors.
//!
//! Distances are panorama pixels unless the name says metres (`_m`, converted through the pitch
//! model at the ball's depth, so a framing stays the same on the far and the near side) or a
//! fraction of the crop. The presets are written for the 5700-pixel-wide panorama and scaled to the
//! panorama they are asked for ([`PlannerConfig::preset`]).

use core::fmt;

use super::pitch::{PitchError, PitchModel};
use crate::geom::Size;

/// A named starting point for [`PlannerConfig`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Preset {
    /// Calm, TV-like: moderate framing, gentle limits, generous dead zone.
    Broadcast,
    /// Tight framing that stays close to the ball; quicker, still bounded.
    Action,
    /// Wide framing that shows the team shape; slowest motion.
    Wide,
}

/// The planner's settings. Build one with [`PlannerConfig::preset`] and change fields as needed;
/// [`PlannerConfig::validate`] (called by the planner) says which field is wrong and why.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlannerConfig {
    /// Output aspect ratio, width / height.
    pub aspect: f32,
    /// Nominal frame rate (frames/s); used only where the planner must invent time steps (the
    /// causal follower's extrapolation) and to turn hit counts into durations.
    pub frame_rate: f32,

    /// Use future observations (the 7 s delay). Off: a causal follower with the same limits.
    pub lookahead: bool,
    /// How far ahead the camera path plans, s (bounded by the observations available).
    pub lookahead_s: f32,
    /// Look-ahead off: how far the causal follower extrapolates the ball's motion, s.
    pub causal_predict_s: f32,

    /// Gaps in the ball's detections up to this long are bridged by the smoother, s.
    pub gap_bridge_s: f32,
    /// At the edge of a longer gap, how long the ball estimate is still trusted, s.
    pub coast_s: f32,
    /// Detection position noise (1 σ), px.
    pub meas_noise_px: f32,
    /// Ball acceleration noise of the constant-velocity model (1 σ), px/s².
    pub ball_accel_noise: f32,
    /// Association gate in standard deviations of the predicted position.
    pub gate_sigma: f32,
    /// Fastest plausible ball, px/s: bounds a kick (a jump beyond the gate still accepted) and a
    /// jump after a short gap.
    pub max_ball_speed: f32,
    /// Consecutive consistent detections away from the tracked ball needed to switch to them.
    pub switch_frames: u32,
    /// A candidate sitting still this long while the ball is elsewhere is a spare ball, s.
    pub spare_ball_s: f32,
    /// Radius within which a still candidate counts as "the same place", px.
    pub spare_radius_px: f32,

    /// Maximum pan speed, px/s.
    pub max_pan_speed: f32,
    /// Maximum tilt speed, px/s.
    pub max_tilt_speed: f32,
    /// Maximum acceleration of the crop centre (norm of x and y), px/s².
    pub max_accel: f32,
    /// Share of `max_accel` given to tilt (pan gets `sqrt(1 − share²)` of it), so the norm of
    /// the two never exceeds `max_accel`.
    pub tilt_accel_share: f32,
    /// Maximum rate of change of that acceleration (per axis), px/s³.
    pub max_jerk: f32,
    /// Time constant of the velocity follower, s: smaller reacts faster.
    pub response_s: f32,
    /// Half-size of the dead zone as a fraction of the crop half-size: the ball (plus lead) may
    /// move this far from the crop centre before the camera moves.
    pub dead_zone: f32,
    /// Safe zone as a fraction of the crop size (0.8 = inner 80 %), for the report; must contain
    /// the dead zone.
    pub safe_zone: f32,
    /// Lead room: the camera aims this many seconds ahead of the ball's motion, s.
    pub lead_s: f32,
    /// Upper bound of the lead as a fraction of the crop half-size.
    pub max_lead: f32,
    /// Planned speeds below this are treated as rest, px/s.
    pub rest_speed: f32,

    /// Narrowest crop, px.
    pub zoom_min_px: f32,
    /// Widest crop, px (0: the widest that fits the panorama at `aspect`).
    pub zoom_max_px: f32,
    /// Maximum zoom speed, fraction of the width per s.
    pub max_zoom_rate: f32,
    /// Maximum zoom acceleration, fraction of the width per s².
    pub max_zoom_accel: f32,
    /// Width changes smaller than this fraction do not start a zoom.
    pub zoom_hysteresis: f32,
    /// Base framing: crop width in metres of pitch at the ball's depth.
    pub framing_m: f32,
    /// Extra crop width per px/s of (smoothed) ball speed, s.
    pub speed_zoom_s: f32,
    /// Crop width at least this many standard deviations of the players' x spread.
    pub spread_zoom: f32,
    /// Extra crop width per px of ball position uncertainty (1 σ).
    pub uncertainty_zoom: f32,
    /// Crop width for a set piece (still ball on a corner arc, penalty or centre spot), m ...
    pub set_piece_m: f32,
    /// ... and at least this many times the open-play width there.
    pub set_piece_zoom: f32,
    /// A ball still this long (past and future together) on a spot is a set piece, s.
    pub set_piece_still_s: f32,
    /// Distance from a spot within which a still ball counts as on it, m.
    pub set_piece_radius_m: f32,
    /// Ball speed below which it counts as still, px/s.
    pub still_speed: f32,
    /// Crop width when following the players because the ball is lost, m.
    pub fallback_m: f32,
    /// Growth of that width per second the ball stays lost, fraction per s.
    pub fallback_growth: f32,
    /// A ball farther than this outside the pitch is out of play; the camera stops at the line, m.
    pub out_margin_m: f32,

    /// The pitch as the panorama sees it.
    pub pitch: PitchModel,
}

impl Default for PlannerConfig {
    fn default() -> Self {
        PlannerConfig::preset(Preset::Broadcast, Size { w: 5700, h: 1900 })
    }
}

impl PlannerConfig {
    /// The preset `p`, with every pixel quantity scaled from the 5700-pixel reference panorama to
    /// `pano`'s width.
    pub fn preset(p: Preset, pano: Size) -> Self {
        let base = PlannerConfig {
            aspect: 16.0 / 9.0,
            frame_rate: 30.0,
            lookahead: true,
            lookahead_s: 4.0,
            causal_predict_s: 0.5,
            gap_bridge_s: 2.0,
            coast_s: 0.4,
            meas_noise_px: 3.0,
            ball_accel_noise: 400.0,
            gate_sigma: 4.0,
            max_ball_speed: 3000.0,
            switch_frames: 6,
            spare_ball_s: 3.0,
            spare_radius_px: 12.0,
            max_pan_speed: 1300.0,
            max_tilt_speed: 600.0,
            max_accel: 2200.0,
            tilt_accel_share: 0.45,
            max_jerk: 15000.0,
            response_s: 0.15,
            dead_zone: 0.5,
            safe_zone: 0.8,
            lead_s: 0.4,
            max_lead: 0.5,
            rest_speed: 10.0,
            zoom_min_px: 1600.0,
            zoom_max_px: 0.0,
            max_zoom_rate: 0.10,
            max_zoom_accel: 0.3,
            zoom_hysteresis: 0.06,
            framing_m: 40.0,
            speed_zoom_s: 0.5,
            spread_zoom: 1.6,
            uncertainty_zoom: 2.0,
            set_piece_m: 60.0,
            set_piece_zoom: 1.3,
            set_piece_still_s: 1.0,
            set_piece_radius_m: 3.0,
            still_speed: 40.0,
            fallback_m: 50.0,
            fallback_growth: 0.1,
            out_margin_m: 3.0,
            pitch: PitchModel::default(),
        };
        let c = match p {
            Preset::Broadcast => base,
            Preset::Action => PlannerConfig {
                lookahead_s: 3.0,
                max_pan_speed: 1600.0,
                max_tilt_speed: 800.0,
                max_accel: 2600.0,
                max_jerk: 30000.0,
                response_s: 0.12,
                dead_zone: 0.4,
                lead_s: 0.35,
                max_lead: 0.6,
                zoom_min_px: 1280.0,
                max_zoom_rate: 0.13,
                framing_m: 28.0,
                speed_zoom_s: 0.4,
                spread_zoom: 1.0,
                set_piece_m: 50.0,
                fallback_m: 45.0,
                ..base
            },
            Preset::Wide => PlannerConfig {
                lookahead_s: 5.0,
                max_pan_speed: 1000.0,
                max_tilt_speed: 500.0,
                max_accel: 1800.0,
                max_jerk: 10000.0,
                response_s: 0.2,
                dead_zone: 0.55,
                zoom_min_px: 2600.0,
                max_zoom_rate: 0.08,
                framing_m: 60.0,
                speed_zoom_s: 0.3,
                spread_zoom: 2.2,
                set_piece_m: 70.0,
                fallback_m: 65.0,
                ..base
            },
        };
        c.scaled_to(pano)
    }

    /// Scales every pixel quantity from the 5700-pixel reference to `pano`'s width.
    fn scaled_to(mut self, pano: Size) -> Self {
        let s = pano.w.max(1) as f32 / 5700.0;
        self.meas_noise_px = (self.meas_noise_px * s).max(0.5);
        self.ball_accel_noise *= s;
        self.max_ball_speed *= s;
        self.spare_radius_px = (self.spare_radius_px * s).max(2.0);
        self.max_pan_speed *= s;
        self.max_tilt_speed *= s;
        self.max_accel *= s;
        self.max_jerk *= s;
        self.rest_speed *= s;
        self.zoom_min_px = (self.zoom_min_px * s).max(16.0);
        self.still_speed *= s;
        self
    }

    /// The widest crop this configuration allows on `pano`: `zoom_max_px`, or the widest crop of
    /// `aspect` that fits, whichever is smaller.
    pub fn widest(&self, pano: Size) -> f32 {
        let fit = (pano.w as f32).min(pano.h as f32 * self.aspect);
        let fit = (fit / 2.0) as i32 as f32 * 2.0;
        if self.zoom_max_px > 0.0 { self.zoom_max_px.min(fit) } else { fit }
    }

    /// Checks every field; the first problem found is returned.
    pub fn validate(&self, pano: Size) -> Result<(), ConfigError> {
        if pano.w < MIN_PANORAMA || pano.h < MIN_PANORAMA {
            return Err(ConfigError::PanoramaTooSmall { w: pano.w, h: pano.h });
        }
        let ranges: [(&'static str, f32, f32, f32); 41] = [
            ("aspect", self.aspect, 0.1, 10.0),
            ("frame_rate", self.frame_rate, 1.0, 1000.0),
            ("lookahead_s", self.lookahead_s, 0.0, 60.0),
            ("causal_predict_s", self.causal_predict_s, 0.0, 5.0),
            ("gap_bridge_s", self.gap_bridge_s, 0.0, 60.0),
            ("coast_s", self.coast_s, 0.0, 10.0),
            ("meas_noise_px", self.meas_noise_px, 0.01, 1e4),
            ("ball_accel_noise", self.ball_accel_noise, 0.01, 1e7),
            ("gate_sigma", self.gate_sigma, 1.0, 100.0),
            ("max_ball_speed", self.max_ball_speed, 1.0, 1e7),
            ("switch_frames", self.switch_frames as f32, 1.0, MAX_CHAIN as f32),
            ("spare_ball_s", self.spare_ball_s, 0.1, 1e5),
            ("spare_radius_px", self.spare_radius_px, 0.1, 1e4),
            ("max_pan_speed", self.max_pan_speed, 0.1, 1e7),
            ("max_tilt_speed", self.max_tilt_speed, 0.1, 1e7),
            ("max_accel", self.max_accel, 0.1, 1e8),
            ("tilt_accel_share", self.tilt_accel_share, 0.01, 0.99),
            ("max_jerk", self.max_jerk, 0.1, 1e10),
            ("response_s", self.response_s, 0.001, 10.0),
            ("dead_zone", self.dead_zone, 0.0, 1.0),
            ("safe_zone", self.safe_zone, 0.01, 1.0),
            ("lead_s", self.lead_s, 0.0, 5.0),
            ("max_lead", self.max_lead, 0.0, 2.0),
            ("rest_speed", self.rest_speed, 0.0, 1e6),
            ("zoom_min_px", self.zoom_min_px, 2.0, 1e6),
            ("zoom_max_px", self.zoom_max_px, 0.0, 1e6),
            ("max_zoom_rate", self.max_zoom_rate, 0.0001, 10.0),
            ("max_zoom_accel", self.max_zoom_accel, 0.0001, 100.0),
            ("zoom_hysteresis", self.zoom_hysteresis, 0.0, 1.0),
            ("framing_m", self.framing_m, 0.0, 1e4),
            ("speed_zoom_s", self.speed_zoom_s, 0.0, 60.0),
            ("spread_zoom", self.spread_zoom, 0.0, 100.0),
            ("uncertainty_zoom", self.uncertainty_zoom, 0.0, 100.0),
            ("set_piece_m", self.set_piece_m, 0.0, 1e4),
            ("set_piece_zoom", self.set_piece_zoom, 1.0, 10.0),
            ("set_piece_still_s", self.set_piece_still_s, 0.0, 600.0),
            ("set_piece_radius_m", self.set_piece_radius_m, 0.0, 1e3),
            ("still_speed", self.still_speed, 0.0, 1e6),
            ("fallback_m", self.fallback_m, 0.0, 1e4),
            ("fallback_growth", self.fallback_growth, 0.0, 100.0),
            ("out_margin_m", self.out_margin_m, 0.0, 1e3),
        ];
        for (field, value, min, max) in ranges {
            if !value.is_finite() {
                return Err(ConfigError::NotFinite { field });
            }
            if value < min || value > max {
                return Err(ConfigError::OutOfRange { field, value, min, max });
            }
        }
        self.pitch.check().map_err(ConfigError::Pitch)?;
        if self.dead_zone > self.safe_zone {
            return Err(ConfigError::DeadZoneOutsideSafeZone {
                dead_zone: self.dead_zone,
                safe_zone: self.safe_zone,
            });
        }
        let widest = self.widest(pano);
        if self.zoom_min_px > widest {
            return Err(ConfigError::ZoomMinTooWide { zoom_min_px: self.zoom_min_px, widest });
        }
        Ok(())
    }
}

/// The smallest panorama side the planner accepts, px.
pub const MIN_PANORAMA: u32 = 16;

/// Longest chain of detections the track-switch logic keeps (bounds `switch_frames`).
pub const MAX_CHAIN: usize = 32;

/// Why a [`PlannerConfig`] was refused.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ConfigError {
    /// A field is NaN or infinite.
    NotFinite {
        /// The field's name.
        field: &'static str,
    },
    /// A field lies outside its accepted range.
    OutOfRange {
        /// The field's name.
        field: &'static str,
        /// The value given.
        value: f32,
        /// Smallest accepted value.
        min: f32,
        /// Largest accepted value.
        max: f32,
    },
    /// The dead zone is larger than the safe zone it must sit inside.
    DeadZoneOutsideSafeZone {
        /// `dead_zone` given.
        dead_zone: f32,
        /// `safe_zone` given.
        safe_zone: f32,
    },
    /// `zoom_min_px` is wider than the widest crop this panorama (and `zoom_max_px`) allows.
    ZoomMinTooWide {
        /// `zoom_min_px` given.
        zoom_min_px: f32,
        /// The widest crop possible.
        widest: f32,
    },
    /// The panorama is smaller than [`MIN_PANORAMA`] on a side.
    PanoramaTooSmall {
        /// Width given.
        w: u32,
        /// Height given.
        h: u32,
    },
    /// The pitch model is inconsistent.
    Pitch(PitchError),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ConfigError::NotFinite { field } => write!(f, "{field} must be a finite number"),
            ConfigError::OutOfRange { field, value, min, max } => {
                write!(f, "{field} = {value} is outside [{min}, {max}]")
            }
            ConfigError::DeadZoneOutsideSafeZone { dead_zone, safe_zone } => write!(
                f,
                "dead_zone {dead_zone} must not exceed safe_zone {safe_zone}: the camera would \
                 rest with the ball outside the safe zone"
            ),
            ConfigError::ZoomMinTooWide { zoom_min_px, widest } => write!(
                f,
                "zoom_min_px {zoom_min_px} is wider than the widest crop {widest} px this \
                 panorama and zoom_max_px allow"
            ),
            ConfigError::PanoramaTooSmall { w, h } => {
                write!(
                    f,
                    "panorama {w}x{h} is too small (each side must be at least {MIN_PANORAMA} px)"
                )
            }
            ConfigError::Pitch(e) => write!(f, "pitch model: {e:?}"),
        }
    }
}
