//! `pc_planner`: the virtual camera ([`Planner`]) for C callers — observations in (one per
//! captured frame, `pc_planner_push`), the crop for a played PTS out (`pc_planner_crop_at`).

use std::ffi::c_int;

use pitchcam_core::geom::Size;
use pitchcam_core::obs::Observation;
use pitchcam_core::plan::{ConfigError, DEFAULT_WINDOW, Planner, PlannerConfig, Preset};

use super::check_ptr;
use super::status::{Status, boundary, boundary_void};
use super::track::pc_observation;

/// A crop rectangle in whole panorama pixels: `pc_rect`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct pc_rect {
    /// Left edge (even).
    pub x: i32,
    /// Top edge (even).
    pub y: i32,
    /// Width (even, > 0).
    pub w: i32,
    /// Height (even, > 0).
    pub h: i32,
}

const _: () = assert!(size_of::<pc_rect>() == 16);

/// The opaque handle behind `pc_planner *`.
pub struct pc_planner {
    p: Planner<DEFAULT_WINDOW>,
}

fn preset(v: u32) -> Result<Preset, Status> {
    match v {
        0 => Ok(Preset::Broadcast),
        1 => Ok(Preset::Action),
        2 => Ok(Preset::Wide),
        _ => Err(Status::InvalidArg),
    }
}

/// Creates a planner for a `pano_width × pano_height` panorama and an output of `out_aspect`
/// (width / height, e.g. 16/9) with a preset (`pc_preset`).
///
/// # Safety
/// `out` NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_planner_new(
    pano_width: u32,
    pano_height: u32,
    out_aspect: f32,
    preset_id: u32,
    out: *mut *mut pc_planner,
) -> c_int {
    boundary(|| {
        check_ptr(out)?;
        if !out_aspect.is_finite() {
            return Err(Status::NonFiniteParam);
        }
        let pano = Size { w: pano_width, h: pano_height };
        let mut cfg = PlannerConfig::preset(preset(preset_id)?, pano);
        cfg.aspect = out_aspect;
        let p = Planner::new(cfg, pano).map_err(|e| match e {
            ConfigError::NotFinite { .. } => Status::NonFiniteParam,
            _ => Status::InvalidArg,
        })?;
        // SAFETY: checked non-NULL and aligned; the caller owns it.
        unsafe { out.write(Box::into_raw(Box::new(pc_planner { p }))) };
        Ok(())
    })
}

/// Frees a planner; NULL is a no-op.
///
/// # Safety
/// `p` NULL or a live planner, freed once, not in use.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_planner_free(p: *mut pc_planner) {
    boundary_void(|| {
        if !p.is_null() {
            // SAFETY: a `Box<pc_planner>` from `pc_planner_new`, freed once (contract).
            drop(unsafe { Box::from_raw(p) });
        }
    })
}

/// Borrows a planner exclusively.
///
/// # Safety
/// `p` NULL or a live planner not in use by another thread.
unsafe fn planner_mut<'a>(p: *mut pc_planner) -> Result<&'a mut pc_planner, Status> {
    check_ptr(p)?;
    // SAFETY: non-NULL, aligned (checked); live and exclusive (contract).
    Ok(unsafe { &mut *p })
}

/// Adds the observation of the next captured frame (PTS order; see the header).
///
/// # Safety
/// `p` NULL or a live planner not in use elsewhere; `obs` NULL or readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_planner_push(p: *mut pc_planner, obs: *const pc_observation) -> c_int {
    boundary(|| {
        // SAFETY: caller's contract.
        let p = unsafe { planner_mut(p) }?;
        check_ptr(obs)?;
        // SAFETY: checked non-NULL and aligned; readable (contract).
        let o = Observation::try_from(unsafe { &*obs })?;
        p.p.push(&o);
        Ok(())
    })
}

/// The crop for the frame played at `pts`.
///
/// # Safety
/// `p` NULL or a live planner not in use elsewhere; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_planner_crop_at(
    p: *mut pc_planner,
    pts: u64,
    out: *mut pc_rect,
) -> c_int {
    boundary(|| {
        // SAFETY: caller's contract.
        let p = unsafe { planner_mut(p) }?;
        check_ptr(out)?;
        let r = p.p.crop_at(pts).rect;
        // SAFETY: checked non-NULL and aligned; the caller owns it.
        unsafe { out.write(pc_rect { x: r.x, y: r.y, w: r.w, h: r.h }) };
        Ok(())
    })
}

/// Switches the look-ahead on (1) or off (0, a causal follower with the same limits).
///
/// # Safety
/// `p` NULL or a live planner not in use elsewhere.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_planner_set_lookahead(p: *mut pc_planner, on: u32) -> c_int {
    boundary(|| {
        // SAFETY: caller's contract.
        let p = unsafe { planner_mut(p) }?;
        match on {
            0 | 1 => {
                p.p.set_lookahead(on == 1);
                Ok(())
            }
            _ => Err(Status::InvalidArg),
        }
    })
}

/// Forgets every observation and the camera position (counters are kept).
///
/// # Safety
/// `p` NULL or a live planner not in use elsewhere.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_planner_reset(p: *mut pc_planner) -> c_int {
    boundary(|| {
        // SAFETY: caller's contract.
        unsafe { planner_mut(p) }?.p.reset();
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pitchcam_core::geom::PointQ8;
    use pitchcam_core::obs::{BallEstimate, BallState};

    #[test]
    fn planner_is_as_small_as_the_header_says() {
        // include/pitchcam.h: "about 57 KiB".
        assert!(size_of::<pc_planner>() <= 60 * 1024, "{}", size_of::<pc_planner>());
    }

    /// The C entry points give exactly what core's planner gives for the same stream.
    #[test]
    fn c_planner_equals_core_planner() {
        let pano = Size { w: 5700, h: 1900 };
        let mut cfg = PlannerConfig::preset(Preset::Action, pano);
        cfg.aspect = 4.0 / 3.0;
        let mut core = Planner::<DEFAULT_WINDOW>::new(cfg, pano).unwrap();
        let mut c = std::ptr::null_mut();
        // SAFETY: valid out-pointer.
        assert_eq!(unsafe { pc_planner_new(5700, 1900, 4.0 / 3.0, 1, &mut c) }, 0);
        let period = 33_333_333u64;
        for k in 0..120u64 {
            let x = 2000 * 256 + (k as i32) * 12 * 256 * if k < 60 { 1 } else { -1 };
            let o = Observation {
                pts: k * period,
                ball: BallEstimate {
                    pos: PointQ8 { x, y: 1000 * 256 },
                    vel: PointQ8 { x: 360 * 256, y: 0 },
                    confidence: 50_000,
                    state: if k % 10 == 9 { BallState::Predicted } else { BallState::Measured },
                },
                ..Default::default()
            };
            core.push(&o);
            let co = super::super::track::pc_observation::from(&o);
            // SAFETY: live planner, valid observation.
            assert_eq!(unsafe { pc_planner_push(c, &co) }, 0);
        }
        for k in 0..120u64 {
            let want = core.crop_at(k * period).rect;
            let mut got = pc_rect::default();
            // SAFETY: live planner, valid out-pointer.
            assert_eq!(unsafe { pc_planner_crop_at(c, k * period, &mut got) }, 0);
            assert_eq!((got.x, got.y, got.w, got.h), (want.x, want.y, want.w, want.h), "frame {k}");
        }
        // SAFETY: freed once.
        unsafe { pc_planner_free(c) };
    }
}
