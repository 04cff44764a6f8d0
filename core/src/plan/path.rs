//! The camera path: a corridor per axis over the horizon, the shortest path through it, and a
//! follower that obeys the motion limits.
//!
//! Why this shape: the L1-optimal camera paths of Grundmann et al. (CVPR 2011) are piecewise
//! constant / linear because minimising total variation inside a corridor leaves the camera still
//! until the corridor forces it to move. For one axis, the path of least total variation through a
//! corridor that also bends least is the *taut string* (the shortest path through the corridor):
//! it rests whenever resting is feasible, moves in straight lines otherwise, and turns only where a
//! corridor wall forces it, so it has the fewest possible direction reversals. Its first segment
//! is found in one forward "funnel" sweep (O(horizon)), and re-solving it every tick from the
//! camera's actual position makes it a receding-horizon controller. The corridor is first made
//! reachable at the speed limit by a backward pass, so the string starts moving early enough for a
//! long ball; a jerk- and acceleration-limited follower then rounds the string's corners, starting
//! each turn early enough to be centred on the corner.

/// The first straight piece of the shortest path through a corridor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Segment {
    /// Slope, px/s.
    pub slope: f32,
    /// Time at which the path turns (infinity when it runs straight to the horizon).
    pub t_end: f32,
    /// Position at the turn.
    pub p_end: f32,
    /// Horizon index of the turn.
    pub h_end: usize,
}

/// Shortest path from `(t0, c0)` through the corridor `[lo[h], hi[h]]` at times `t[h]`, for
/// `h` in `from..n`: its first segment. With no wall forcing a turn before the horizon, the slope
/// closest to rest is chosen (a free end: the camera moves no more than the corridor requires).
/// Frames closer than `min_dt` (including the present one) count as `min_dt` away: a corridor the
/// camera is outside of now is to be reached within that time.
pub(crate) fn funnel(
    t: &[f32],
    lo: &[f32],
    hi: &[f32],
    from: usize,
    (t0, c0): (f32, f32),
    min_dt: f32,
) -> Segment {
    let (mut sl, mut sh) = (f32::NEG_INFINITY, f32::INFINITY);
    let (mut hl, mut hh) = (from, from);
    let n = t.len().min(lo.len()).min(hi.len());
    for h in from..n {
        let dt = (t[h] - t0).max(min_dt);
        let a = (lo[h] - c0) / dt;
        let b = (hi[h] - c0) / dt;
        if a > sh {
            return Segment { slope: sh, t_end: t[hh], p_end: hi[hh], h_end: hh };
        }
        if b < sl {
            return Segment { slope: sl, t_end: t[hl], p_end: lo[hl], h_end: hl };
        }
        if a > sl {
            sl = a;
            hl = h;
        }
        if b < sh {
            sh = b;
            hh = h;
        }
    }
    let slope = if sl > 0.0 {
        sl
    } else if sh < 0.0 {
        sh
    } else {
        0.0
    };
    Segment { slope, t_end: f32::INFINITY, p_end: c0, h_end: n }
}

/// Makes the corridor reachable at speed `vmax`: walking backward, each frame's interval is
/// intersected with what can still reach the next frame's interval. Where that is empty (the ball
/// outruns the camera), the reachable point nearest the corridor is kept: the future wins.
pub(crate) fn reachable(t: &[f32], lo: &mut [f32], hi: &mut [f32], n: usize, vmax: f32) {
    for h in (0..n.saturating_sub(1)).rev() {
        let reach = vmax * (t[h + 1] - t[h]).max(0.0);
        let (rl, rh) = (lo[h + 1] - reach, hi[h + 1] + reach);
        let (l, u) = (lo[h].max(rl), hi[h].min(rh));
        if l <= u {
            lo[h] = l;
            hi[h] = u;
        } else if hi[h] < rl {
            lo[h] = rl;
            hi[h] = rl;
        } else {
            lo[h] = rh;
            hi[h] = rh;
        }
    }
}

/// Motion limits of one axis.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AxisLimits {
    pub vmax: f32,
    pub amax: f32,
    pub jmax: f32,
    pub tau: f32,
    pub rest: f32,
}

/// The velocity the follower should aim for now, given the string's first two segments: the
/// first segment's slope, switching to the second's early enough that the turn (limited by
/// response time, acceleration and jerk) is centred on the corner.
pub(crate) fn desired_velocity(s1: &Segment, s2: Option<&Segment>, v: f32, l: &AxisLimits) -> f32 {
    let mut vd = s1.slope;
    if let Some(s2) = s2 {
        let dv = (s2.slope - v).abs();
        let lead = l.tau + dv / (2.0 * l.amax) + 0.5 * l.amax / l.jmax;
        if s1.t_end <= lead {
            vd = s2.slope;
        }
    }
    let vd = vd.clamp(-l.vmax, l.vmax);
    if vd.abs() < l.rest { 0.0 } else { vd }
}

/// Bounds a wanted velocity `vd` so that the camera at `p` moving at `v` can always match the
/// hard edges before touching them: `lo` and `hi` are the edges' positions and velocities (they
/// move inward while the zoom widens). Allows for the follower's response lag and brakes at a share
/// of `amax`, so the edge never has to stop the camera abruptly.
pub(crate) fn wall_cap(
    vd: f32,
    p: f32,
    v: f32,
    lo: (f32, f32),
    hi: (f32, f32),
    l: &AxisLimits,
) -> f32 {
    let lag = l.tau + l.amax / l.jmax;
    let brake = 0.5 * l.amax;
    let room = |d: f32, rel: f32| libm::sqrtf(2.0 * brake * (d - rel.abs() * lag).max(0.0));
    let vd = vd.min(hi.1 + room(hi.0 - p, v - hi.1));
    vd.max(lo.1 - room(p - lo.0, v - lo.1))
}

/// Acceleration wanted to move velocity `v` to `vd`: proportional with time constant `tau`, but
/// never more than lets the acceleration ramp back to zero under the jerk limit on arrival.
pub(crate) fn wanted_accel(vd: f32, v: f32, l: &AxisLimits) -> f32 {
    let e = vd - v;
    let mag = (e.abs() / l.tau).min(libm::sqrtf(2.0 * l.jmax * e.abs()));
    if e >= 0.0 { mag } else { -mag }
}

/// One axis of the camera: position, velocity, acceleration.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Axis {
    pub p: f32,
    pub v: f32,
    pub a: f32,
}

impl Axis {
    /// Advances by `dt` with acceleration `a` (already limited by the caller), never
    /// overshooting `vd` through it, within `±vmax`, then confined to `[lo, hi]`.
    pub fn advance(&mut self, vd: f32, a: f32, dt: f32, l: &AxisLimits, lo: f32, hi: f32) {
        let mut v = self.v + a * dt;
        // Arriving at the wanted velocity: stop there rather than swing past it (a swing past
        // zero would be a direction reversal).
        if (vd - self.v) * (vd - v) < 0.0 {
            v = vd;
        }
        // Above the speed limit (it was lowered live): come down at the acceleration limit.
        let vlim = l.vmax.max(self.v.abs() - l.amax * dt);
        v = v.clamp(-vlim, vlim);
        let mut p = self.p + 0.5 * (self.v + v) * dt;
        if p < lo || p > hi {
            // The panorama edge (or an edge moving in as the zoom widens): the camera goes where
            // the edge lets it, and its velocity is what it actually did, so nothing winds up.
            p = if lo <= hi { p.clamp(lo, hi) } else { 0.5 * (lo + hi) };
            if dt > 0.0 {
                v = ((p - self.p) / dt).clamp(-vlim, vlim);
            }
        }
        let a = if dt > 0.0 { (v - self.v) / dt } else { 0.0 };
        *self = Axis { p, v, a };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn funnel_rests_inside_and_turns_at_walls() {
        let t: [f32; 5] = [0.0, 1.0, 2.0, 3.0, 4.0];
        // A corridor the camera is already inside everywhere: rest.
        let s = funnel(&t, &[-1.0; 5], &[1.0; 5], 1, (0.0, 0.0), 1e-3);
        assert_eq!(s.slope, 0.0);
        assert!(s.t_end.is_infinite());
        // Low ceiling at t=2, high floor at t=4: go up to the ceiling's corner, then turn up.
        let lo = [-1.0, -1.0, -1.0, 5.0, 9.0];
        let hi = [1.0, 1.0, 1.0, 20.0, 20.0];
        let s = funnel(&t, &lo, &hi, 1, (0.0, 0.0), 1e-3);
        assert_eq!((s.slope, s.t_end, s.p_end), (0.5, 2.0, 1.0));
        let s2 = funnel(&t, &lo, &hi, s.h_end + 1, (s.t_end, s.p_end), 1e-3);
        assert_eq!(s2.slope, 4.0);
    }

    #[test]
    fn reachable_pulls_the_corridor_forward_in_time() {
        let t: [f32; 4] = [0.0, 1.0, 2.0, 3.0];
        let mut lo = [0.0, 0.0, 0.0, 100.0];
        let mut hi = [10.0, 10.0, 10.0, 110.0];
        reachable(&t, &mut lo, &mut hi, 4, 40.0);
        // To be at >= 100 at t=3 with 40/s, be at >= 60 at t=2 (infeasible: keep the future),
        // >= 20 at t=1, >= -20 at t=0.
        assert_eq!((lo[2], hi[2]), (60.0, 60.0));
        assert_eq!((lo[1], hi[1]), (20.0, 20.0));
        assert_eq!(lo[0], 0.0);
    }
}
