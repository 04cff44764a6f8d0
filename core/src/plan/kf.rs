//! One axis of a constant-velocity Kalman filter and its Rauch–Tung–Striebel smoothing step.
//!
//! The ball is modelled per axis as position and velocity driven by white acceleration noise.
//! x and y are filtered independently (the detector's noise is isotropic and the model is
//! separable), which keeps every covariance a 2 × 2 symmetric matrix held as three numbers.

/// Mean and covariance of one axis: position `p` (px), velocity `v` (px/s) and the covariance
/// entries `pp`, `pv`, `vv`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Kf {
    pub p: f32,
    pub v: f32,
    pub pp: f32,
    pub pv: f32,
    pub vv: f32,
}

/// Smallest variance kept, so that no division meets zero.
const MIN_VAR: f32 = 1e-3;

impl Kf {
    /// A state at `p` moving at `v`, with standard deviations `sp` and `sv`.
    pub fn new(p: f32, v: f32, sp: f32, sv: f32) -> Kf {
        Kf { p, v, pp: (sp * sp).max(MIN_VAR), pv: 0.0, vv: (sv * sv).max(MIN_VAR) }
    }

    /// Prediction `dt` seconds ahead with acceleration noise spectral density `q` (px²/s³).
    pub fn predict(&self, dt: f32, q: f32) -> Kf {
        let dt2 = dt * dt;
        Kf {
            p: self.p + self.v * dt,
            v: self.v,
            pp: self.pp + 2.0 * dt * self.pv + dt2 * self.vv + q * dt2 * dt / 3.0,
            pv: self.pv + dt * self.vv + q * dt2 / 2.0,
            vv: self.vv + q * dt,
        }
    }

    /// Adds the uncertainty of a kick: a velocity change of standard deviation `sk` (px/s)
    /// somewhere in the last `dt` seconds, which also moves the position by up to `sk · dt`.
    pub fn kick(&self, dt: f32, sk: f32) -> Kf {
        let s2 = sk * sk;
        Kf { pp: self.pp + s2 * dt * dt, pv: self.pv + s2 * dt, vv: self.vv + s2, ..*self }
    }

    /// Innovation variance of a position measurement with noise variance `r`.
    pub fn innovation_var(&self, r: f32) -> f32 {
        (self.pp + r).max(MIN_VAR)
    }

    /// Update with position measurement `z` of noise variance `r`.
    pub fn update(&self, z: f32, r: f32) -> Kf {
        let s = self.innovation_var(r);
        let (kp, kv) = (self.pp / s, self.pv / s);
        let y = z - self.p;
        Kf {
            p: self.p + kp * y,
            v: self.v + kv * y,
            pp: (self.pp - kp * self.pp).max(MIN_VAR),
            pv: self.pv - kp * self.pv,
            vv: (self.vv - kv * self.pv).max(MIN_VAR),
        }
    }

    /// One backward RTS step: `self` is the filtered state at k, `prior` the prediction for k+1
    /// made from it over `dt`, `next` the smoothed state at k+1. Returns the smoothed state at k.
    pub fn rts(&self, dt: f32, prior: &Kf, next: &Kf) -> Kf {
        // C = Pf Fᵀ Pp⁻¹ with F = [[1, dt], [0, 1]].
        let det = prior.pp * prior.vv - prior.pv * prior.pv;
        if det.is_nan() || det <= 1e-12 {
            return *self;
        }
        let (a, b, c, d) = (self.pp + dt * self.pv, self.pv, self.pv + dt * self.vv, self.vv); // Pf Fᵀ
        let (ip, iv, ivv) = (prior.vv / det, -prior.pv / det, prior.pp / det); // Pp⁻¹
        let c00 = a * ip + b * iv;
        let c01 = a * iv + b * ivv;
        let c10 = c * ip + d * iv;
        let c11 = c * iv + d * ivv;
        let (dp, dv) = (next.p - prior.p, next.v - prior.v);
        let (epp, epv, evv) = (next.pp - prior.pp, next.pv - prior.pv, next.vv - prior.vv);
        // C E Cᵀ for symmetric E.
        let e0 = c00 * epp + c01 * epv;
        let e1 = c00 * epv + c01 * evv;
        let f0 = c10 * epp + c11 * epv;
        let f1 = c10 * epv + c11 * evv;
        Kf {
            p: self.p + c00 * dp + c01 * dv,
            v: self.v + c10 * dp + c11 * dv,
            pp: (self.pp + e0 * c00 + e1 * c01).max(MIN_VAR),
            pv: self.pv + e0 * c10 + e1 * c11,
            vv: (self.vv + f0 * c10 + f1 * c11).max(MIN_VAR),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_converges_on_constant_velocity_and_smoother_interpolates_a_gap() {
        let q = 100.0;
        let dt = 1.0 / 30.0;
        let mut k = Kf::new(0.0, 0.0, 10.0, 1000.0);
        let mut post = [Kf::default(); 61];
        let mut prior = [Kf::default(); 61];
        for i in 0..61 {
            let pr = if i == 0 { k } else { k.predict(dt, q) };
            prior[i] = pr;
            // Measurements of x = 300 t, missing in 20..40.
            k = if (20..40).contains(&i) { pr } else { pr.update(300.0 * i as f32 * dt, 4.0) };
            post[i] = k;
        }
        assert!((k.v - 300.0).abs() < 5.0, "v {}", k.v);
        let mut s = post[60];
        for i in (0..60).rev() {
            s = post[i].rts(dt, &prior[i + 1], &s);
            if i == 30 {
                assert!((s.p - 300.0).abs() < 3.0, "gap midpoint {}", s.p);
                assert!(s.pp > post[19].pp, "uncertainty grows inside the gap");
            }
        }
    }
}
