//! Small geometric value types shared by the tracker, the planner, the simulator and the output
//! transform.
//!
//! Two coordinate conventions exist on purpose:
//! * detection and tracking work in **Q8** integers (panorama pixels × 256), the unit of
//!   [`crate::detect::Detection`], so that their results are bit-identical across machines;
//! * the camera planner works in `f32` panorama pixels, because its output is smoothed and then
//!   rounded to whole (even) pixels by [`Rect::from_center`] anyway.

/// Fractional bits of a Q8 coordinate.
pub const Q8_SHIFT: u32 = 8;
/// One panorama pixel in Q8.
pub const Q8_ONE: i32 = 1 << Q8_SHIFT;

/// Converts Q8 panorama coordinates to `f32` pixels.
#[inline]
pub fn q8_to_px(v: i32) -> f32 {
    v as f32 / Q8_ONE as f32
}

/// Converts `f32` panorama pixels to Q8, rounding to nearest and saturating (NaN maps to 0).
#[inline]
pub fn px_to_q8(v: f32) -> i32 {
    // `as` saturates and maps NaN to 0: exactly the defined behaviour wanted here.
    libm::roundf(v * Q8_ONE as f32) as i32
}

/// A point in Q8 panorama coordinates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PointQ8 {
    /// x, panorama px × 256.
    pub x: i32,
    /// y, panorama px × 256.
    pub y: i32,
}

/// The size of the panorama (or of any image) in whole pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Size {
    /// Width in pixels.
    pub w: u32,
    /// Height in pixels.
    pub h: u32,
}

/// An axis-aligned rectangle in whole pixels: the crop the output transform cuts from the
/// panorama. `x`, `y` are the top-left corner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Rect {
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width (> 0 for a usable crop).
    pub w: i32,
    /// Height (> 0 for a usable crop).
    pub h: i32,
}

impl Rect {
    /// Builds the crop of width `w` (and the height that keeps `aspect` = width / height) centred on
    /// `(cx, cy)`, rounded to **even** coordinates and sizes (NV12 chroma is subsampled 2×2, so an odd
    /// origin would shift chroma against luma) and moved — never shrunk unless it is larger than the
    /// image — so that it lies inside `bounds`.
    pub fn from_center(cx: f32, cy: f32, w: f32, aspect: f32, bounds: Size) -> Rect {
        let bw = bounds.w as i32 & !1;
        let bh = bounds.h as i32 & !1;
        let aspect = if aspect.is_finite() && aspect > 0.0 { aspect } else { 16.0 / 9.0 };
        let mut wi = even(if w.is_finite() { w } else { bw as f32 }).clamp(2, bw.max(2));
        let mut hi = even(wi as f32 / aspect).clamp(2, bh.max(2));
        // Too tall for the panorama: shrink width to keep the aspect ratio.
        if (hi as f32) * aspect < wi as f32 - 2.0 {
            wi = even(hi as f32 * aspect).clamp(2, bw.max(2));
        }
        hi = hi.min(bh.max(2));
        let cx = if cx.is_finite() { cx } else { bw as f32 / 2.0 };
        let cy = if cy.is_finite() { cy } else { bh as f32 / 2.0 };
        let x = even(cx - wi as f32 / 2.0).clamp(0, (bw - wi).max(0));
        let y = even(cy - hi as f32 / 2.0).clamp(0, (bh - hi).max(0));
        Rect { x, y, w: wi, h: hi }
    }

    /// Whether the pixel `(px, py)` lies inside the rectangle.
    pub fn contains(&self, px: f32, py: f32) -> bool {
        px >= self.x as f32
            && py >= self.y as f32
            && px < (self.x + self.w) as f32
            && py < (self.y + self.h) as f32
    }

    /// Centre of the rectangle in pixels.
    pub fn center(&self) -> (f32, f32) {
        (self.x as f32 + self.w as f32 / 2.0, self.y as f32 + self.h as f32 / 2.0)
    }
}

/// Rounds to the nearest even integer (saturating).
fn even(v: f32) -> i32 {
    (libm::roundf(v / 2.0) as i32).saturating_mul(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PANO: Size = Size { w: 5700, h: 1900 };

    #[test]
    fn from_center_is_even_inside_and_keeps_aspect() {
        let r = Rect::from_center(100.0, 50.0, 1921.0, 16.0 / 9.0, PANO);
        assert_eq!((r.x, r.y), (0, 0));
        assert_eq!(r.w % 2, 0);
        assert_eq!(r.h % 2, 0);
        assert!((r.w as f32 / r.h as f32 - 16.0 / 9.0).abs() < 0.01);
        let r = Rect::from_center(5699.0, 1899.0, 1920.0, 16.0 / 9.0, PANO);
        assert_eq!(r.x + r.w, 5700);
        assert_eq!(r.y + r.h, 1900);
    }

    #[test]
    fn from_center_never_exceeds_the_image() {
        // Wider than the panorama and taller than it at 16:9: clamp, keep the aspect.
        let r = Rect::from_center(f32::NAN, 0.0, 1e9, 16.0 / 9.0, PANO);
        assert!(r.w <= 5700 && r.h <= 1900 && r.x >= 0 && r.y >= 0);
        assert!(r.x + r.w <= 5700 && r.y + r.h <= 1900);
        assert!((r.w as f32 / r.h as f32 - 16.0 / 9.0).abs() < 0.01);
    }

    #[test]
    fn q8_round_trip() {
        assert_eq!(px_to_q8(1.5), 384);
        assert_eq!(q8_to_px(384), 1.5);
        assert_eq!(px_to_q8(f32::NAN), 0);
        assert_eq!(px_to_q8(1e30), i32::MAX);
    }
}
