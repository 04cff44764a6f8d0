//! A simple perspective model of the pitch in panorama pixels, for framing rules that speak in
//! metres (how wide a set piece should be framed) and for knowing when the ball has left the field.
//!
//! The camera sits at the halfway line looking across the pitch: the far touchline is a short
//! horizontal segment high in the panorama, the near touchline a long one low in it, and the goal
//! lines join their ends. That trapezoid is the image of the pitch rectangle under a pinhole
//! projection, so straight lines stay straight and the horizontal scale at a row is proportional
//! to the touchline width interpolated at that row; the row of a point at depth `s` (0 far, 1 near)
//! follows the projective law `g(s) = s / (s + r (1 - s))`, `r` = near / far width. Everything is a
//! fraction of the panorama size, so one model serves any resolution.

use crate::geom::Size;

/// The pitch as the panorama sees it, in fractions of the panorama size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PitchModel {
    /// Pitch length (goal line to goal line), m.
    pub length_m: f32,
    /// Pitch width (touchline to touchline), m.
    pub width_m: f32,
    /// Row of the far touchline, fraction of the panorama height.
    pub far_y: f32,
    /// Row of the near touchline, fraction of the panorama height.
    pub near_y: f32,
    /// Column of the halfway line (the trapezoid's axis), fraction of the panorama width.
    pub center_x: f32,
    /// Half the far touchline's length, fraction of the panorama width.
    pub far_half_width: f32,
    /// Half the near touchline's length, fraction of the panorama width.
    pub near_half_width: f32,
}

/// The defaults describe the synthetic match's camera (`core::sim`): far touchline at 20 % of the
/// height, near touchline at 90 %, the near touchline spanning 90 % of the width and objects on it
/// 2.2 times larger than on the far one.
impl Default for PitchModel {
    fn default() -> Self {
        PitchModel {
            length_m: 105.0,
            width_m: 68.0,
            far_y: 0.2,
            near_y: 0.9,
            center_x: 0.5,
            far_half_width: 0.45 / 2.2,
            near_half_width: 0.45,
        }
    }
}

/// What kind of spot a still ball lies on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Spot {
    /// One of the four corner arcs.
    Corner,
    /// One of the two penalty spots.
    Penalty,
    /// The centre spot.
    Centre,
}

/// A [`PitchModel`] resolved for one panorama size: every quantity in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PitchPx {
    model: PitchModel,
    far_y: f32,
    near_y: f32,
    cx: f32,
    far_hw: f32,
    near_hw: f32,
    /// Near width / far width: the perspective ratio `r`.
    ratio: f32,
    spots: [(f32, f32, Spot); 7],
}

impl PitchPx {
    /// Resolves `model` for a panorama of `pano` pixels. The model must have been validated
    /// ([`PitchModel::check`]); values are still clamped so that nothing divides by zero.
    pub fn new(model: PitchModel, pano: Size) -> Self {
        let (w, h) = (pano.w.max(1) as f32, pano.h.max(1) as f32);
        let far_hw = (model.far_half_width * w).max(1.0);
        let near_hw = (model.near_half_width * w).max(far_hw);
        let mut p = PitchPx {
            model,
            far_y: model.far_y * h,
            near_y: (model.near_y * h).max(model.far_y * h + 1.0),
            cx: model.center_x * w,
            far_hw,
            near_hw,
            ratio: near_hw / far_hw,
            spots: [(0.0, 0.0, Spot::Centre); 7],
        };
        let (l, wd) = (model.length_m, model.width_m);
        let spot_list = [
            (0.0, 0.0, Spot::Corner),
            (l, 0.0, Spot::Corner),
            (0.0, wd, Spot::Corner),
            (l, wd, Spot::Corner),
            (11.0, wd / 2.0, Spot::Penalty),
            (l - 11.0, wd / 2.0, Spot::Penalty),
            (l / 2.0, wd / 2.0, Spot::Centre),
        ];
        for (i, &(u, v, k)) in spot_list.iter().enumerate() {
            let (x, y) = p.to_px(u, v);
            p.spots[i] = (x, y, k);
        }
        p
    }

    /// The model this was resolved from.
    pub fn model(&self) -> &PitchModel {
        &self.model
    }

    fn row_of_depth(&self, s: f32) -> f32 {
        let r = self.ratio;
        let den = s + r * (1.0 - s);
        let g = if den.abs() > 1e-6 { s / den } else { s };
        self.far_y + (self.near_y - self.far_y) * g
    }

    /// Row fraction `g` (0 far line, 1 near line) of panorama row `y`, clamped to a sane range so
    /// that rows well outside the pitch still map to finite values.
    fn g_of_row(&self, y: f32) -> f32 {
        ((y - self.far_y) / (self.near_y - self.far_y)).clamp(-0.5, 1.5)
    }

    fn half_width_at(&self, g: f32) -> f32 {
        (self.far_hw + (self.near_hw - self.far_hw) * g).max(1.0)
    }

    /// Maps pitch coordinates (`u` along the length from the left goal line, `v` across from the
    /// far touchline, both m) to panorama pixels.
    pub fn to_px(&self, u: f32, v: f32) -> (f32, f32) {
        let s = v / self.model.width_m;
        let y = self.row_of_depth(s);
        let hw = self.half_width_at(self.g_of_row(y));
        let x = self.cx + (u / self.model.length_m - 0.5) * 2.0 * hw;
        (x, y)
    }

    /// Maps a panorama pixel back to pitch coordinates (m); finite for any finite input.
    pub fn to_pitch(&self, x: f32, y: f32) -> (f32, f32) {
        let g = self.g_of_row(y);
        let r = self.ratio;
        let den = 1.0 - g + g * r;
        let s = if den.abs() > 1e-6 { g * r / den } else { g };
        let hw = self.half_width_at(g);
        let u = ((x - self.cx) / (2.0 * hw) + 0.5) * self.model.length_m;
        (u, s * self.model.width_m)
    }

    /// Horizontal pixels per metre at panorama row `y`.
    pub fn px_per_m(&self, y: f32) -> f32 {
        2.0 * self.half_width_at(self.g_of_row(y)) / self.model.length_m
    }

    /// Whether `(x, y)` lies on the pitch extended by `margin_m` on every side.
    pub fn inside(&self, x: f32, y: f32, margin_m: f32) -> bool {
        let (u, v) = self.to_pitch(x, y);
        u >= -margin_m
            && u <= self.model.length_m + margin_m
            && v >= -margin_m
            && v <= self.model.width_m + margin_m
    }

    /// The nearest point to `(x, y)` on the pitch extended by `margin_m` (in pitch coordinates).
    pub fn clamp_inside(&self, x: f32, y: f32, margin_m: f32) -> (f32, f32) {
        let (u, v) = self.to_pitch(x, y);
        let uc = u.clamp(-margin_m, self.model.length_m + margin_m);
        let vc = v.clamp(-margin_m, self.model.width_m + margin_m);
        if uc == u && vc == v { (x, y) } else { self.to_px(uc, vc) }
    }

    /// The set-piece spot within `radius_m` of `(x, y)`, if any.
    pub fn spot_near(&self, x: f32, y: f32, radius_m: f32) -> Option<Spot> {
        let r = radius_m * self.px_per_m(y);
        let r2 = r * r;
        self.spots
            .iter()
            .find(|&&(sx, sy, _)| {
                let (dx, dy) = (x - sx, y - sy);
                dx * dx + dy * dy <= r2
            })
            .map(|&(_, _, k)| k)
    }

    /// Panorama pixel of each set-piece spot: four corners, two penalty spots, the centre spot.
    pub fn spots(&self) -> &[(f32, f32, Spot); 7] {
        &self.spots
    }
}

/// Why a [`PitchModel`] was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PitchError {
    /// A field is NaN or infinite.
    NotFinite(&'static str),
    /// `length_m` or `width_m` is not positive.
    NonPositiveDimension,
    /// The far touchline is not above the near one, or a row lies outside `[0, 1]`.
    BadRows,
    /// A half width is not positive, or the far touchline is longer than the near one.
    BadHalfWidths,
    /// `center_x` lies outside `[0, 1]`.
    BadCenter,
}

impl PitchModel {
    /// Checks the model for values that make no geometric sense.
    pub fn check(&self) -> Result<(), PitchError> {
        let fields = [
            ("pitch.length_m", self.length_m),
            ("pitch.width_m", self.width_m),
            ("pitch.far_y", self.far_y),
            ("pitch.near_y", self.near_y),
            ("pitch.center_x", self.center_x),
            ("pitch.far_half_width", self.far_half_width),
            ("pitch.near_half_width", self.near_half_width),
        ];
        for (name, v) in fields {
            if !v.is_finite() {
                return Err(PitchError::NotFinite(name));
            }
        }
        if self.length_m <= 0.0 || self.width_m <= 0.0 {
            return Err(PitchError::NonPositiveDimension);
        }
        if !(0.0..=1.0).contains(&self.far_y)
            || !(0.0..=1.0).contains(&self.near_y)
            || self.far_y >= self.near_y
        {
            return Err(PitchError::BadRows);
        }
        if self.far_half_width <= 0.0 || self.near_half_width < self.far_half_width {
            return Err(PitchError::BadHalfWidths);
        }
        if !(0.0..=1.0).contains(&self.center_x) {
            return Err(PitchError::BadCenter);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PANO: Size = Size { w: 5700, h: 1900 };

    #[test]
    fn corners_and_round_trip() {
        let p = PitchPx::new(PitchModel::default(), PANO);
        let (x, y) = p.to_px(0.0, 0.0);
        assert!((x - (0.5 - 0.45 / 2.2) * 5700.0).abs() < 0.5 && (y - 0.2 * 1900.0).abs() < 0.5);
        let (x, y) = p.to_px(105.0, 68.0);
        assert!((x - (0.5 + 0.45) * 5700.0).abs() < 0.5 && (y - 0.9 * 1900.0).abs() < 0.5);
        for &(u, v) in &[(10.0, 5.0), (52.5, 34.0), (100.0, 60.0), (-3.0, 70.0)] {
            let (x, y) = p.to_px(u, v);
            let (u2, v2) = p.to_pitch(x, y);
            assert!((u - u2).abs() < 0.05 && (v - v2).abs() < 0.05, "{u},{v} -> {u2},{v2}");
        }
        // Perspective: the far half takes fewer rows than the near half, so the halfway point of
        // the depth lies above the middle row: g(1/2) = 1 / (1 + r) with r = 2.2. (The sim's
        // pinhole model puts it at the same row: scale 1/1.6 between 1/2.2 and 1.)
        let (_, yc) = p.to_px(52.5, 34.0);
        let g = 1.0 / (1.0 + 2.2);
        assert!((yc - (0.2 + (0.9 - 0.2) * g) * 1900.0).abs() < 0.5, "{yc}");
        assert!(p.px_per_m(1700.0) > p.px_per_m(500.0));
    }

    #[test]
    fn spots_and_inside() {
        let p = PitchPx::new(PitchModel::default(), PANO);
        let (x, y) = p.to_px(11.0, 34.0);
        assert_eq!(p.spot_near(x + 10.0, y, 2.0), Some(Spot::Penalty));
        let (x, y) = p.to_px(105.0, 0.0);
        assert_eq!(p.spot_near(x, y, 2.0), Some(Spot::Corner));
        let (x, y) = p.to_px(30.0, 30.0);
        assert_eq!(p.spot_near(x, y, 2.0), None);
        assert!(p.inside(x, y, 0.0));
        let (x, y) = p.to_px(-6.0, 30.0);
        assert!(!p.inside(x, y, 2.0));
        let (cx, cy) = p.clamp_inside(x, y, 2.0);
        let (u, _) = p.to_pitch(cx, cy);
        assert!((u + 2.0).abs() < 0.05);
    }

    #[test]
    fn check_refuses_nonsense() {
        let mut m = PitchModel::default();
        assert_eq!(m.check(), Ok(()));
        m.far_y = 0.95;
        assert_eq!(m.check(), Err(PitchError::BadRows));
        m = PitchModel { near_half_width: 0.1, ..PitchModel::default() };
        assert_eq!(m.check(), Err(PitchError::BadHalfWidths));
        m = PitchModel { width_m: f32::NAN, ..PitchModel::default() };
        assert_eq!(m.check(), Err(PitchError::NotFinite("pitch.width_m")));
    }
}
