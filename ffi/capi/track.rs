//! `pc_tracker`: the forward ball tracker ([`Tracker`]) for C callers, and the per-frame
//! `pc_observation` it produces (the C twin of core's [`Observation`]: plain data that can be
//! queued, logged and replayed).

use std::ffi::c_int;

use pitchcam_core::detect::Detection;
use pitchcam_core::geom::{PointQ8, Size};
use pitchcam_core::obs::{
    BallCandidate, BallEstimate, BallState, MAX_BALL_CANDIDATES, Observation, PlayerSummary,
};
use pitchcam_core::track::{DEFAULT_HISTORY, Tracker, TrackerConfig, TrackerStats};

use super::check_ptr;
use super::status::{Status, boundary, boundary_void};

/// A point in Q8 panorama pixels (or Q8 px/s for a velocity): `pc_point`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct pc_point {
    /// x × 256.
    pub x: i32,
    /// y × 256.
    pub y: i32,
}

impl From<PointQ8> for pc_point {
    fn from(p: PointQ8) -> Self {
        pc_point { x: p.x, y: p.y }
    }
}

impl From<pc_point> for PointQ8 {
    fn from(p: pc_point) -> Self {
        PointQ8 { x: p.x, y: p.y }
    }
}

/// The tracker's ball estimate for one frame: `pc_ball`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct pc_ball {
    /// Position, Q8 px.
    pub pos: pc_point,
    /// Velocity, Q8 px/s.
    pub vel: pc_point,
    /// Confidence, Q0.16.
    pub confidence: u16,
    /// `pc_ball_state`: 0 measured, 1 predicted, 2 lost.
    pub state: u8,
    /// 0.
    pub reserved: u8,
}

/// A raw ball-class detection: `pc_ball_candidate`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct pc_ball_candidate {
    /// Box centre, Q8 px.
    pub pos: pc_point,
    /// Score, Q0.16.
    pub score: u16,
    /// 0.
    pub reserved: u16,
}

/// Where the players are: `pc_players`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct pc_players {
    /// Players and goalkeepers counted.
    pub count: u16,
    /// 0.
    pub reserved: u16,
    /// Mean of the box centres, Q8 px.
    pub centroid: pc_point,
    /// Standard deviation per axis, Q8 px.
    pub spread: pc_point,
    /// Bounding box of all counted players: top-left, Q8 px.
    pub min: pc_point,
    /// Bottom-right, Q8 px.
    pub max: pc_point,
}

/// One frame's analysis result: `pc_observation`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct pc_observation {
    /// Capture PTS, ns.
    pub pts: u64,
    /// The tracker's ball.
    pub ball: pc_ball,
    /// Valid entries of `candidates`.
    pub n_candidates: u32,
    /// Raw ball detections, best first.
    pub candidates: [pc_ball_candidate; MAX_BALL_CANDIDATES],
    /// Player summary.
    pub players: pc_players,
}

const _: () = {
    assert!(size_of::<pc_point>() == 8);
    assert!(size_of::<pc_ball>() == 20);
    assert!(size_of::<pc_ball_candidate>() == 12);
    assert!(size_of::<pc_players>() == 36);
    assert!(std::mem::offset_of!(pc_observation, ball) == 8);
    assert!(std::mem::offset_of!(pc_observation, n_candidates) == 28);
    assert!(std::mem::offset_of!(pc_observation, candidates) == 32);
    assert!(std::mem::offset_of!(pc_observation, players) == 80);
    assert!(size_of::<pc_observation>() == 120);
};

impl From<&Observation> for pc_observation {
    fn from(o: &Observation) -> Self {
        let mut candidates = [pc_ball_candidate::default(); MAX_BALL_CANDIDATES];
        for (c, b) in candidates.iter_mut().zip(o.candidates()) {
            *c = pc_ball_candidate { pos: b.pos.into(), score: b.score, reserved: 0 };
        }
        pc_observation {
            pts: o.pts,
            ball: pc_ball {
                pos: o.ball.pos.into(),
                vel: o.ball.vel.into(),
                confidence: o.ball.confidence,
                state: o.ball.state as u8,
                reserved: 0,
            },
            n_candidates: o.candidates().len() as u32,
            candidates,
            players: pc_players {
                count: o.players.count,
                reserved: 0,
                centroid: o.players.centroid.into(),
                spread: o.players.spread.into(),
                min: o.players.min.into(),
                max: o.players.max.into(),
            },
        }
    }
}

impl TryFrom<&pc_observation> for Observation {
    type Error = Status;

    /// Refuses an unknown ball state or more than `PC_MAX_BALL_CANDIDATES` candidates.
    fn try_from(o: &pc_observation) -> Result<Self, Status> {
        let state = match o.ball.state {
            0 => BallState::Measured,
            1 => BallState::Predicted,
            2 => BallState::Lost,
            _ => return Err(Status::InvalidArg),
        };
        if o.n_candidates as usize > MAX_BALL_CANDIDATES {
            return Err(Status::InvalidArg);
        }
        let mut candidates = [BallCandidate::default(); MAX_BALL_CANDIDATES];
        for (c, b) in candidates.iter_mut().zip(&o.candidates[..o.n_candidates as usize]) {
            *c = BallCandidate { pos: b.pos.into(), score: b.score };
        }
        Ok(Observation {
            pts: o.pts,
            ball: BallEstimate {
                pos: o.ball.pos.into(),
                vel: o.ball.vel.into(),
                confidence: o.ball.confidence,
                state,
            },
            candidates,
            n_candidates: o.n_candidates as u8,
            players: PlayerSummary {
                count: o.players.count,
                centroid: o.players.centroid.into(),
                spread: o.players.spread.into(),
                min: o.players.min.into(),
                max: o.players.max.into(),
            },
        })
    }
}

/// Tracker tuning: `pc_tracker_config` (pixels are panorama px, times ns).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct pc_tracker_config {
    /// Panorama width, px.
    pub pano_width: u32,
    /// Panorama height, px.
    pub pano_height: u32,
    /// Fastest plausible ball, px/s.
    pub max_speed: f32,
    /// Gate radius right after a measurement, px.
    pub gate_min: f32,
    /// Largest gate radius, px.
    pub gate_max: f32,
    /// Detection centre noise (1 σ), px.
    pub meas_sigma: f32,
    /// Random-acceleration noise, px/s^1.5.
    pub accel_sigma: f32,
    /// NIS up to which a gated candidate is accepted at once.
    pub accept_nis: f32,
    /// NIS over which an accepted measurement is a manoeuvre.
    pub maneuver_nis: f32,
    /// Weight of `1 − score` in the candidate choice.
    pub score_weight: f32,
    /// Displacement that counts as moving, px.
    pub move_min: f32,
    /// Hits a kick rival needs.
    pub kick_hits: u16,
    /// Hits to (re-)acquire.
    pub confirm_hits: u16,
    /// Hits a moving rival needs to take over.
    pub rival_hits: u16,
    /// Frames beside a measured ball before a rival is a distractor.
    pub distractor_hits: u16,
    /// Predicted this long after the last measurement, then Lost, ns.
    pub predict_for_ns: u64,
    /// Unmeasured this long before a rival may re-acquire, ns.
    pub reacquire_after_ns: u64,
    /// A rival unseen this long is dropped, ns.
    pub rival_timeout_ns: u64,
    /// A distractor unseen this long is dropped, ns.
    pub distractor_memory_ns: u64,
    /// Not moved `move_min` for this long: still, ns.
    pub static_for_ns: u64,
    /// A forward PTS step over this is a gap, ns.
    pub gap_ns: u64,
    /// A forward PTS step over this resets the tracker, ns.
    pub reset_after_ns: u64,
}

const _: () = assert!(size_of::<pc_tracker_config>() == 112);

impl From<&TrackerConfig> for pc_tracker_config {
    fn from(c: &TrackerConfig) -> Self {
        pc_tracker_config {
            pano_width: c.pano.w,
            pano_height: c.pano.h,
            max_speed: c.max_speed,
            gate_min: c.gate_min,
            gate_max: c.gate_max,
            meas_sigma: c.meas_sigma,
            accel_sigma: c.accel_sigma,
            accept_nis: c.accept_nis,
            maneuver_nis: c.maneuver_nis,
            score_weight: c.score_weight,
            move_min: c.move_min,
            kick_hits: c.kick_hits,
            confirm_hits: c.confirm_hits,
            rival_hits: c.rival_hits,
            distractor_hits: c.distractor_hits,
            predict_for_ns: c.predict_for,
            reacquire_after_ns: c.reacquire_after,
            rival_timeout_ns: c.rival_timeout,
            distractor_memory_ns: c.distractor_memory,
            static_for_ns: c.static_for,
            gap_ns: c.gap,
            reset_after_ns: c.reset_after,
        }
    }
}

impl From<&pc_tracker_config> for TrackerConfig {
    fn from(c: &pc_tracker_config) -> Self {
        TrackerConfig {
            pano: Size { w: c.pano_width, h: c.pano_height },
            max_speed: c.max_speed,
            gate_min: c.gate_min,
            gate_max: c.gate_max,
            meas_sigma: c.meas_sigma,
            accel_sigma: c.accel_sigma,
            accept_nis: c.accept_nis,
            maneuver_nis: c.maneuver_nis,
            kick_hits: c.kick_hits,
            score_weight: c.score_weight,
            predict_for: c.predict_for_ns,
            reacquire_after: c.reacquire_after_ns,
            confirm_hits: c.confirm_hits,
            rival_hits: c.rival_hits,
            distractor_hits: c.distractor_hits,
            rival_timeout: c.rival_timeout_ns,
            distractor_memory: c.distractor_memory_ns,
            move_min: c.move_min,
            static_for: c.static_for_ns,
            gap: c.gap_ns,
            reset_after: c.reset_after_ns,
        }
    }
}

/// Tracker counters: `pc_tracker_stats`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct pc_tracker_stats {
    /// Frames stepped.
    pub frames: u64,
    /// Frames Measured.
    pub measured: u64,
    /// Frames Predicted.
    pub predicted: u64,
    /// Frames Lost.
    pub lost: u64,
    /// Tracks started from nothing.
    pub acquisitions: u64,
    /// Tracks moved to a rival after the ball went unmeasured.
    pub reacquisitions: u64,
    /// Tracks moved to a moving rival.
    pub takeovers: u64,
    /// Kicks followed.
    pub kicks: u64,
    /// Manoeuvres.
    pub maneuvers: u64,
    /// Frames without PTS (held).
    pub pts_none: u64,
    /// Frames repeating the PTS (held).
    pub pts_duplicate: u64,
    /// PTS went backwards (reset).
    pub pts_backwards: u64,
    /// Forward steps over `gap_ns`.
    pub pts_gaps: u64,
    /// Forward steps over `reset_after_ns` (reset).
    pub pts_jumps: u64,
    /// Ball detections beyond what a frame considers.
    pub candidates_ignored: u64,
    /// Candidates without a free rival slot.
    pub rivals_dropped: u64,
}

impl From<&TrackerStats> for pc_tracker_stats {
    fn from(s: &TrackerStats) -> Self {
        pc_tracker_stats {
            frames: s.frames,
            measured: s.measured,
            predicted: s.predicted,
            lost: s.lost,
            acquisitions: s.acquisitions,
            reacquisitions: s.reacquisitions,
            takeovers: s.takeovers,
            kicks: s.kicks,
            maneuvers: s.maneuvers,
            pts_none: s.pts_none,
            pts_duplicate: s.pts_duplicate,
            pts_backwards: s.pts_backwards,
            pts_gaps: s.pts_gaps,
            pts_jumps: s.pts_jumps,
            candidates_ignored: s.candidates_ignored,
            rivals_dropped: s.rivals_dropped,
        }
    }
}

/// The opaque handle behind `pc_tracker *`.
pub struct pc_tracker {
    t: Tracker<DEFAULT_HISTORY>,
}

/// Fills `*out` with the defaults for a `pano_width × pano_height` panorama (pixel values scaled
/// from the 5700-px reference).
///
/// # Safety
/// `out` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_tracker_config_default(
    pano_width: u32,
    pano_height: u32,
    out: *mut pc_tracker_config,
) -> c_int {
    boundary(|| {
        check_ptr(out)?;
        if pano_width == 0 || pano_height == 0 {
            return Err(Status::InvalidArg);
        }
        let cfg = TrackerConfig::for_panorama(Size { w: pano_width, h: pano_height });
        // SAFETY: checked non-NULL and aligned; the caller owns it.
        unsafe { out.write((&cfg).into()) };
        Ok(())
    })
}

/// Maps a refused configuration: a non-finite float field is `NonFiniteParam`.
fn config_status(c: &pc_tracker_config) -> Status {
    let floats = [
        c.max_speed,
        c.gate_min,
        c.gate_max,
        c.meas_sigma,
        c.accel_sigma,
        c.accept_nis,
        c.maneuver_nis,
        c.score_weight,
        c.move_min,
    ];
    if floats.iter().any(|v| !v.is_finite()) { Status::NonFiniteParam } else { Status::InvalidArg }
}

/// Creates a tracker.
///
/// # Safety
/// `cfg` is NULL or readable; `out` NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_tracker_new(
    cfg: *const pc_tracker_config,
    out: *mut *mut pc_tracker,
) -> c_int {
    boundary(|| {
        check_ptr(cfg)?;
        check_ptr(out)?;
        // SAFETY: checked non-NULL and aligned; readable (contract).
        let c = unsafe { &*cfg };
        let t = Tracker::new(c.into()).map_err(|_| config_status(c))?;
        // SAFETY: checked non-NULL and aligned; the caller owns it.
        unsafe { out.write(Box::into_raw(Box::new(pc_tracker { t }))) };
        Ok(())
    })
}

/// Frees a tracker; NULL is a no-op.
///
/// # Safety
/// `t` is NULL or a live tracker, freed once, not in use.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_tracker_free(t: *mut pc_tracker) {
    boundary_void(|| {
        if !t.is_null() {
            // SAFETY: a `Box<pc_tracker>` from `pc_tracker_new`, freed once (contract).
            drop(unsafe { Box::from_raw(t) });
        }
    })
}

/// Borrows a tracker exclusively.
///
/// # Safety
/// `t` is NULL or a live tracker not in use by another thread.
unsafe fn tracker_mut<'a>(t: *mut pc_tracker) -> Result<&'a mut pc_tracker, Status> {
    check_ptr(t)?;
    // SAFETY: non-NULL, aligned (checked); live and exclusive (contract).
    Ok(unsafe { &mut *t })
}

/// One frame: its PTS and its kept detections (any classes, any order) in, the observation out.
///
/// # Safety
/// `t` NULL or a live tracker not in use elsewhere; `dets` NULL or `n` readable detections;
/// `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_tracker_step(
    t: *mut pc_tracker,
    pts: u64,
    dets: *const Detection,
    n: u32,
    out: *mut pc_observation,
) -> c_int {
    boundary(|| {
        // SAFETY: caller's contract.
        let t = unsafe { tracker_mut(t) }?;
        check_ptr(out)?;
        let dets: &[Detection] = if n == 0 {
            &[]
        } else {
            check_ptr(dets)?;
            // SAFETY: non-NULL, aligned, `n` readable detections (contract).
            unsafe { std::slice::from_raw_parts(dets, n as usize) }
        };
        let obs = t.t.step(pts, dets);
        // SAFETY: checked non-NULL and aligned; the caller owns it.
        unsafe { out.write((&obs).into()) };
        Ok(())
    })
}

/// Forgets every track and the last PTS (counters are kept).
///
/// # Safety
/// `t` NULL or a live tracker not in use elsewhere.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_tracker_reset(t: *mut pc_tracker) -> c_int {
    boundary(|| {
        // SAFETY: caller's contract.
        unsafe { tracker_mut(t) }?.t.reset();
        Ok(())
    })
}

/// Counters since creation.
///
/// # Safety
/// `t` NULL or a live tracker not in use elsewhere; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_tracker_get_stats(
    t: *const pc_tracker,
    out: *mut pc_tracker_stats,
) -> c_int {
    boundary(|| {
        check_ptr(t)?;
        check_ptr(out)?;
        // SAFETY: non-NULL, aligned, live (contract); shared access only.
        let s = unsafe { &*t }.t.stats().into();
        // SAFETY: checked non-NULL and aligned; the caller owns it.
        unsafe { out.write(s) };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observation_round_trips_and_bad_values_are_refused() {
        let mut o = Observation { pts: 123, n_candidates: 2, ..Default::default() };
        o.ball = BallEstimate {
            pos: PointQ8 { x: 1, y: -2 },
            vel: PointQ8 { x: 300, y: 4 },
            confidence: 999,
            state: BallState::Predicted,
        };
        o.candidates[1] = BallCandidate { pos: PointQ8 { x: 7, y: 8 }, score: 5 };
        o.players.count = 3;
        o.players.max = PointQ8 { x: 50, y: 60 };
        let c = pc_observation::from(&o);
        assert_eq!((c.ball.state, c.n_candidates, c.candidates[1].score), (1, 2, 5));
        assert_eq!(Observation::try_from(&c), Ok(o));
        let mut bad = c;
        bad.ball.state = 3;
        assert_eq!(Observation::try_from(&bad), Err(Status::InvalidArg));
        let mut bad = c;
        bad.n_candidates = MAX_BALL_CANDIDATES as u32 + 1;
        assert_eq!(Observation::try_from(&bad), Err(Status::InvalidArg));
    }

    #[test]
    fn tracker_is_as_small_as_the_header_says() {
        // include/pitchcam.h: "about 10 KiB".
        assert!(size_of::<pc_tracker>() <= 12 * 1024, "{}", size_of::<pc_tracker>());
    }

    #[test]
    fn config_round_trips() {
        let d = TrackerConfig::for_panorama(Size { w: 3840, h: 1280 });
        assert_eq!(TrackerConfig::from(&pc_tracker_config::from(&d)), d);
    }
}
