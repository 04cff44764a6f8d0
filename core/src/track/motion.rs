//! The constant-velocity motion model behind the ball track and its tentative rivals: a small
//! Kalman filter in `f32` panorama pixels and seconds.
//!
//! Both axes are measured together with the same noise, so they share one 2 × 2 covariance
//! (position, velocity): one filter costs a handful of multiplications. Only IEEE add, multiply,
//! divide and `libm` are used, which round identically on x86_64 and aarch64 (Rust never fuses
//! them into FMA on its own), so a replayed match gives the same track on both.

/// Position and velocity of one object, with their shared per-axis covariance.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Motion {
    /// Position, px.
    pub x: f32,
    /// Position, px.
    pub y: f32,
    /// Velocity, px/s.
    pub vx: f32,
    /// Velocity, px/s.
    pub vy: f32,
    /// Position variance, px².
    p00: f32,
    /// Position–velocity covariance, px²/s.
    p01: f32,
    /// Velocity variance, px²/s².
    p11: f32,
}

/// Noise parameters, derived once from the tracker configuration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Noise {
    /// Measurement variance, px².
    pub r: f32,
    /// Spectral density of the white-noise acceleration, px²/s³.
    pub q: f32,
    /// Normalised innovation squared (2 degrees of freedom) above which a measurement is treated
    /// as a manoeuvre (a kick, a deflection) and the covariance is inflated so the filter follows
    /// at once instead of averaging the old velocity with the new.
    pub maneuver_nis: f32,
    /// Speed limit, px/s.
    pub max_speed: f32,
    /// Upper bound of the position variance (keeps a long coast finite).
    pub max_p00: f32,
}

impl Motion {
    /// A new track at a first measurement: position known to measurement accuracy, velocity
    /// unknown (zero, with a variance that lets the second measurement set it).
    pub fn start(x: f32, y: f32, noise: &Noise) -> Motion {
        let v_sd = noise.max_speed * 0.5;
        Motion { x, y, vx: 0.0, vy: 0.0, p00: noise.r, p01: 0.0, p11: v_sd * v_sd }
    }

    /// Speed, px/s.
    pub fn speed(&self) -> f32 {
        libm::sqrtf(self.vx * self.vx + self.vy * self.vy)
    }

    /// Variance of the innovation of a measurement `dt` seconds ahead (predicted position
    /// variance plus measurement variance), px², without changing the state: the yardstick of
    /// the normalised innovation squared `distance² / S`.
    pub fn innovation_var(&self, dt: f32, noise: &Noise) -> f32 {
        let dt = dt.max(0.0);
        let p00 =
            self.p00 + 2.0 * dt * self.p01 + dt * dt * self.p11 + noise.q * dt * dt * dt / 3.0;
        p00.clamp(0.0, noise.max_p00) + noise.r
    }

    /// Moves the state `dt` seconds ahead.
    pub fn predict(&mut self, dt: f32, noise: &Noise) {
        if dt <= 0.0 {
            return;
        }
        self.x += self.vx * dt;
        self.y += self.vy * dt;
        let dt2 = dt * dt;
        let q = noise.q;
        let p00 = self.p00 + 2.0 * dt * self.p01 + dt2 * self.p11 + q * dt2 * dt / 3.0;
        let p01 = self.p01 + dt * self.p11 + q * dt2 / 2.0;
        let p11 = self.p11 + q * dt;
        self.set_cov(p00, p01, p11, noise);
    }

    /// Folds in a measurement; returns whether it was a manoeuvre.
    pub fn update(&mut self, zx: f32, zy: f32, noise: &Noise) -> bool {
        let ex = zx - self.x;
        let ey = zy - self.y;
        let mut s = self.p00 + noise.r;
        let nis = (ex * ex + ey * ey) / s;
        let maneuver = nis > noise.maneuver_nis;
        if maneuver {
            // Fading memory: scale the covariance so this innovation becomes plausible.
            let f = nis / noise.maneuver_nis;
            self.p00 *= f;
            self.p01 *= f;
            self.p11 *= f;
            s = self.p00 + noise.r;
        }
        let k0 = self.p00 / s;
        let k1 = self.p01 / s;
        self.x += k0 * ex;
        self.y += k0 * ey;
        self.vx += k1 * ex;
        self.vy += k1 * ey;
        let p00 = (1.0 - k0) * self.p00;
        let p01 = (1.0 - k0) * self.p01;
        let p11 = self.p11 - k1 * self.p01;
        self.set_cov(p00, p01, p11, noise);
        self.clamp_speed(noise.max_speed);
        maneuver
    }

    /// Scales the velocity down to `max` px/s if it is faster.
    pub fn clamp_speed(&mut self, max: f32) {
        let s = self.speed();
        if s > max {
            let f = max / s;
            self.vx *= f;
            self.vy *= f;
        }
    }

    /// Stores a covariance, bounded and kept positive semi-definite, so that neither a long coast
    /// nor rounding can make it blow up or go negative.
    fn set_cov(&mut self, p00: f32, p01: f32, p11: f32, noise: &Noise) {
        let max_p11 = 4.0 * noise.max_speed * noise.max_speed;
        let p00 = p00.clamp(noise.r * 0.01, noise.max_p00);
        let p11 = p11.clamp(0.0, max_p11);
        let lim = libm::sqrtf(p00 * p11);
        let p01 = p01.clamp(-lim, lim);
        // NaN cannot arise from finite inputs, but a NaN here would poison every later frame.
        if p00.is_nan() || p01.is_nan() || p11.is_nan() {
            self.p00 = noise.max_p00;
            self.p01 = 0.0;
            self.p11 = max_p11;
        } else {
            self.p00 = p00;
            self.p01 = p01;
            self.p11 = p11;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOISE: Noise =
        Noise { r: 4.0, q: 2.0e5, maneuver_nis: 16.0, max_speed: 2000.0, max_p00: 1.0e8 };

    #[test]
    fn learns_a_constant_velocity() {
        let mut m = Motion::start(0.0, 0.0, &NOISE);
        let dt = 1.0 / 30.0;
        for i in 1..60 {
            m.predict(dt, &NOISE);
            m.update(i as f32 * 10.0, i as f32 * -5.0, &NOISE);
        }
        assert!((m.vx - 300.0).abs() < 1.0, "vx {}", m.vx);
        assert!((m.vy + 150.0).abs() < 1.0, "vy {}", m.vy);
    }

    #[test]
    fn speed_is_clamped_and_covariance_stays_finite_over_a_long_coast() {
        let mut m = Motion::start(0.0, 0.0, &NOISE);
        m.predict(1.0 / 30.0, &NOISE);
        m.update(1000.0, 0.0, &NOISE);
        assert!(m.speed() <= 2000.0 + 1e-3);
        for _ in 0..10_000 {
            m.predict(10.0, &NOISE);
        }
        assert!(m.p00.is_finite() && m.p11.is_finite() && m.p01.is_finite());
        assert!(m.p00 <= NOISE.max_p00);
    }
}
