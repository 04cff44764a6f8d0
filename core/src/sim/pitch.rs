//! The pitch and how the panorama sees it: metres on the ground ↔ panorama pixels.
//!
//! Pitch coordinates are metres: `x` along the length, `-52.5` (left goal line) to `52.5` (right),
//! `y` across, `0` at the far touchline (top of the image) to `68` at the near one (bottom).
//! Heights `z` are metres above the grass.
//!
//! The camera model is a keystone perspective: a pinhole camera looking across the pitch from
//! beyond the near touchline, with a level horizon. Every image row is then a line of constant
//! depth, every object at depth `y` is scaled by the same factor [`Pitch::scale`], the near touchline
//! spans 90 % of the image width and the far one 1/2.2 of that, and vertical things stay vertical.
//! A real stitched panorama is cylindrical (the touchlines bow into a "smile"); the keystone keeps
//! every pitch line straight, which is what lets the renderer restore any rectangle of the
//! background procedurally, row by row, at memset speed. Sizes, speeds in pixels and the way
//! objects shrink towards the far side are those of the real thing.

use crate::geom::Size;

/// Half the pitch length, m.
pub const HALF_LENGTH: f32 = 52.5;
/// Pitch width (touchline to touchline), m.
pub const WIDTH: f32 = 68.0;
/// `y` of the halfway point across, m.
pub const MID_Y: f32 = WIDTH / 2.0;
/// Half the distance between the goal posts (inner), m.
pub const GOAL_HALF_WIDTH: f32 = 3.66;
/// Crossbar height, m.
pub const GOAL_HEIGHT: f32 = 2.44;
/// Depth of the goal net behind the goal line, m.
pub const GOAL_DEPTH: f32 = 2.0;
/// Penalty area: depth from the goal line and half width, m.
pub const BOX_DEPTH: f32 = 16.5;
/// Half width of the penalty area, m.
pub const BOX_HALF_WIDTH: f32 = 20.16;
/// Goal area: depth, m.
pub const SIX_DEPTH: f32 = 5.5;
/// Half width of the goal area, m.
pub const SIX_HALF_WIDTH: f32 = 9.16;
/// Centre circle and penalty arc radius, m.
pub const CIRCLE_RADIUS: f32 = 9.15;
/// Distance of the penalty spot from the goal line, m.
pub const PENALTY_SPOT: f32 = 11.0;
/// Where the advertising boards stand behind the far touchline (`y`), m.
pub const BOARDS_Y: f32 = -3.5;
/// Height of the advertising boards, m.
pub const BOARDS_HEIGHT: f32 = 0.9;
/// How far the ball can roll beyond the far touchline before the boards stop it (`y`), m.
pub const BALL_MIN_Y: f32 = -3.2;
/// How far beyond the near touchline the ball can roll (`y`): the near run-off is cut by the image
/// bottom, so the simulated boards stand close.
pub const BALL_MAX_Y: f32 = 70.3;
/// How far beyond a goal line the ball can roll (`|x|`), m.
pub const BALL_MAX_X: f32 = 55.5;
/// Ball diameter as rendered, m: a little larger than the regulation 0.22 m so the rendered ball is
/// ~15 px on the near side of a 5700-wide panorama, as in real stitched footage where blur and
/// compression spread it.
pub const BALL_DIAMETER: f32 = 0.3;
/// Where the spare ball lies behind the left goal (a persistent false ball for the detector).
pub const SPARE_BALL: (f32, f32) = (-54.6, 21.0);

/// Ratio of the apparent size of an object on the near touchline to one on the far touchline.
const DEPTH_RATIO: f32 = 2.2;
/// Far touchline row as a fraction of the image height.
const FAR_ROW: f32 = 0.2;
/// Near touchline row as a fraction of the image height.
const NEAR_ROW: f32 = 0.9;
/// Share of the image width the near touchline spans.
const NEAR_SPAN: f32 = 0.9;

/// The perspective mapping for one panorama size. `Copy`, a handful of floats.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pitch {
    size: Size,
    /// Image column of `x = 0`.
    cx: f32,
    /// Pixels per metre on the near touchline.
    k_near: f32,
    /// Virtual camera distance of the near touchline, m (sets how fast things shrink with depth).
    z_near: f32,
    /// Row of the horizon (negative: above the image).
    horizon: f32,
    /// Rows from the horizon to the near touchline.
    span: f32,
}

impl Pitch {
    /// The mapping for a panorama of `size` (any size; the pitch is laid out in fractions of it).
    pub fn new(size: Size) -> Pitch {
        let w = size.w as f32;
        let h = size.h as f32;
        let far = FAR_ROW * h;
        let near = NEAR_ROW * h;
        let horizon = (DEPTH_RATIO * far - near) / (DEPTH_RATIO - 1.0);
        Pitch {
            size,
            cx: w / 2.0,
            k_near: NEAR_SPAN * w / (2.0 * HALF_LENGTH),
            z_near: WIDTH / (DEPTH_RATIO - 1.0),
            horizon,
            span: near - horizon,
        }
    }

    /// The panorama size.
    pub fn size(&self) -> Size {
        self.size
    }

    /// Apparent scale at depth `y` relative to the near touchline (1.0 there, 1/2.2 at the far
    /// touchline).
    #[inline]
    pub fn scale(&self, y: f32) -> f32 {
        self.z_near / (self.z_near + WIDTH - y).max(1.0)
    }

    /// Pixels per metre (horizontally, and for heights) at depth `y`.
    #[inline]
    pub fn px_per_m(&self, y: f32) -> f32 {
        self.k_near * self.scale(y)
    }

    /// Image column of the ground point `(x, y)`.
    #[inline]
    pub fn column(&self, x: f32, y: f32) -> f32 {
        self.cx + x * self.k_near * self.scale(y)
    }

    /// Image position of the point `(x, y)` at height `z`.
    #[inline]
    pub fn to_px(&self, x: f32, y: f32, z: f32) -> (f32, f32) {
        let q = self.scale(y);
        (self.cx + x * self.k_near * q, self.horizon + self.span * q - z * self.k_near * q)
    }

    /// Image row of ground depth `y`.
    #[inline]
    pub fn row(&self, y: f32) -> f32 {
        self.horizon + self.span * self.scale(y)
    }

    /// The scale of image row `v` (any real row below the horizon, which lies above the image).
    #[inline]
    pub fn row_scale(&self, v: f32) -> f32 {
        ((v - self.horizon) / self.span).max(1e-3)
    }

    /// Ground depth `y` seen at image row `v`.
    #[inline]
    pub fn row_depth(&self, v: f32) -> f32 {
        WIDTH + self.z_near - self.z_near / self.row_scale(v)
    }

    /// Ground point `(x, y)` seen at image pixel `(u, v)`.
    pub fn from_px(&self, u: f32, v: f32) -> (f32, f32) {
        let q = self.row_scale(v);
        ((u - self.cx) / (self.k_near * q), WIDTH + self.z_near - self.z_near / q)
    }

    /// Image column of `x = 0` (the halfway line's vanishing axis).
    pub fn center_column(&self) -> f32 {
        self.cx
    }

    /// Pixels per metre on the near touchline.
    pub fn k_near(&self) -> f32 {
        self.k_near
    }

    /// The highest a ball at ground point `(x, y)` may fly and still be wholly inside the image,
    /// with a margin of `margin` of the image height, m.
    pub fn max_height_in_frame(&self, y: f32, margin: f32) -> f32 {
        let k = self.px_per_m(y);
        let top = self.row(y) - margin * self.size.h as f32 - BALL_DIAMETER * k;
        libm::fmaxf(top / k, 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_layout() {
        let p = Pitch::new(Size { w: 5700, h: 1900 });
        let (u, v) = p.to_px(-HALF_LENGTH, WIDTH, 0.0);
        assert!((u - 285.0).abs() < 0.5, "near-left corner at column {u}");
        assert!((v - 1710.0).abs() < 0.5, "near touchline at row {v}");
        assert!((p.row(0.0) - 380.0).abs() < 0.5);
        assert!((p.scale(0.0) - 1.0 / 2.2).abs() < 1e-5);
        for &(x, y) in &[(0.0, 0.0), (30.0, 12.0), (-52.5, 68.0), (10.0, 70.0)] {
            let (u, v) = p.to_px(x, y, 0.0);
            let (x2, y2) = p.from_px(u, v);
            assert!((x - x2).abs() < 1e-3 && (y - y2).abs() < 1e-3, "({x},{y}) -> ({x2},{y2})");
        }
        // The whole run-off where the ball can rest stays inside the image.
        for &(x, y) in &[
            (-BALL_MAX_X, BALL_MAX_Y),
            (BALL_MAX_X, BALL_MAX_Y),
            (-BALL_MAX_X, BALL_MIN_Y),
            (BALL_MAX_X, BALL_MIN_Y),
        ] {
            let (u, v) = p.to_px(x, y, 0.0);
            let r = p.px_per_m(y) * BALL_DIAMETER;
            assert!(u - r >= 0.0 && u + r <= 5700.0 && v - r >= 0.0 && v + r <= 1900.0);
        }
    }
}
