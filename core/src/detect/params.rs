//! What a [`super::Detector`] is asked to do per frame, and why it may refuse.

use super::MAX_CLASSES;
use super::nms::IouThreshold;
use crate::geom::Size;
use core::fmt;

/// Largest panorama side the detector accepts, in pixels: 16384, so that every Q8 coordinate lies
/// in `[0, 2^22]`, the range where the integer IoU test of [`super::nms`] is exact in u64.
pub const MAX_PANORAMA_SIDE: u32 = 1 << 14;

/// Decode and NMS parameters for one frame.
///
/// Fields are public so a caller can set per-class thresholds directly; [`Detector::detect`]
/// validates them on every call (a few nanoseconds), so a bad value is an error, never a panic or
/// a silently wrong result.
///
/// [`Detector::detect`]: super::Detector::detect
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DetectParams {
    /// Confidence threshold per class (tensor class row order): an anchor is a candidate iff its
    /// best class score is strictly greater than the threshold of that class. Each in `[0, 1]`.
    pub conf: [f32; MAX_CLASSES],
    /// NMS IoU threshold in `[0, 1]`: a box is suppressed iff its IoU with a kept box is greater.
    /// Decided in Q0.16 (see [`IouThreshold::new`]).
    pub iou: f32,
    /// At most this many boxes are kept per frame (≥ 1). ultralytics uses 300.
    pub max_det: usize,
    /// `false`: NMS per class (a player never suppresses the ball); `true`: across classes.
    pub class_agnostic: bool,
    /// Pre-NMS candidate cap (≥ 1): when more anchors pass the thresholds, only the highest
    /// scores go into the NMS and the rest are counted in [`super::FrameStats::capped`]. The
    /// detector's own capacity `CAND` caps it further; `usize::MAX` means "as many as it holds".
    pub pre_nms_cap: usize,
    /// The panorama: boxes are clamped to `[0, w] × [0, h]` pixels. Each side in
    /// `1 ..= MAX_PANORAMA_SIDE`.
    pub bounds: Size,
}

impl DetectParams {
    /// Parameters with one confidence threshold for every class, per-class NMS and no pre-NMS cap
    /// beyond the detector's capacity, validated.
    ///
    /// The float reference of `shared/data/nms` is `DetectParams::new(0.25, 0.45, 300, bounds)`.
    pub fn new(conf: f32, iou: f32, max_det: usize, bounds: Size) -> Result<Self, DetectError> {
        let p = DetectParams {
            conf: [conf; MAX_CLASSES],
            iou,
            max_det,
            class_agnostic: false,
            pre_nms_cap: usize::MAX,
            bounds,
        };
        p.validate().map(|_| p)
    }

    /// Checks every field; the first problem found is returned.
    pub fn validate(&self) -> Result<(), DetectError> {
        self.checked().map(|_| ())
    }

    /// Validates and precomputes what the hot path needs.
    pub(crate) fn checked(&self) -> Result<Checked, DetectError> {
        for (class, &c) in self.conf.iter().enumerate() {
            if !(0.0..=1.0).contains(&c) {
                return Err(DetectError::ConfThreshold { class: class as u8 });
            }
        }
        let iou = IouThreshold::new(self.iou).map_err(|_| DetectError::IouThreshold)?;
        if self.max_det == 0 {
            return Err(DetectError::MaxDetZero);
        }
        if self.pre_nms_cap == 0 {
            return Err(DetectError::PreNmsCapZero);
        }
        let Size { w, h } = self.bounds;
        if w == 0 || h == 0 {
            return Err(DetectError::BoundsEmpty);
        }
        if w > MAX_PANORAMA_SIDE || h > MAX_PANORAMA_SIDE {
            return Err(DetectError::BoundsTooLarge);
        }
        Ok(Checked { iou_q16: iou.q16() as u64, hi_x: (w << 8) as f32, hi_y: (h << 8) as f32 })
    }
}

/// Parameters after validation, in the form the hot loops use.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Checked {
    pub(crate) iou_q16: u64,
    /// Panorama width and height in Q8, exact in f32 (≤ 2^22).
    pub(crate) hi_x: f32,
    pub(crate) hi_y: f32,
}

/// Why a frame was refused. Nothing is written and no counter changes when this is returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DetectError {
    /// The confidence threshold of `class` is NaN or outside `[0, 1]`.
    ConfThreshold {
        /// Class row index of the bad threshold.
        class: u8,
    },
    /// The IoU threshold is NaN or outside `[0, 1]`.
    IouThreshold,
    /// `max_det` is 0.
    MaxDetZero,
    /// `pre_nms_cap` is 0.
    PreNmsCapZero,
    /// A panorama side is 0.
    BoundsEmpty,
    /// A panorama side exceeds [`MAX_PANORAMA_SIDE`].
    BoundsTooLarge,
    /// The frame's tensors hold more than `u32::MAX` anchors in total, beyond what a candidate's
    /// global anchor index can name.
    TooManyAnchors,
}

impl fmt::Display for DetectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DetectError::ConfThreshold { class } => {
                write!(f, "confidence threshold of class {class} must be a number in [0, 1]")
            }
            DetectError::IouThreshold => f.write_str("IoU threshold must be a number in [0, 1]"),
            DetectError::MaxDetZero => f.write_str("max_det must be at least 1"),
            DetectError::PreNmsCapZero => f.write_str("pre_nms_cap must be at least 1"),
            DetectError::BoundsEmpty => f.write_str("panorama bounds must be at least 1×1 px"),
            DetectError::BoundsTooLarge => {
                write!(f, "panorama sides must be at most {MAX_PANORAMA_SIDE} px")
            }
            DetectError::TooManyAnchors => {
                f.write_str("a frame's tensors hold more than 2^32 - 1 anchors")
            }
        }
    }
}

impl core::error::Error for DetectError {}

#[cfg(test)]
mod tests {
    use super::*;

    const PANO: Size = Size { w: 5700, h: 1900 };

    #[test]
    fn every_bad_field_has_its_own_error() {
        let ok = DetectParams::new(0.25, 0.45, 300, PANO).unwrap();
        assert_eq!(ok.validate(), Ok(()));
        let mut p = ok;
        p.conf[3] = f32::NAN;
        assert_eq!(p.validate(), Err(DetectError::ConfThreshold { class: 3 }));
        p.conf[3] = 1.5;
        assert_eq!(p.validate(), Err(DetectError::ConfThreshold { class: 3 }));
        p.conf[3] = -0.1;
        assert_eq!(p.validate(), Err(DetectError::ConfThreshold { class: 3 }));
        assert_eq!(DetectParams::new(0.25, f32::NAN, 300, PANO), Err(DetectError::IouThreshold));
        assert_eq!(DetectParams::new(0.25, 1.2, 300, PANO), Err(DetectError::IouThreshold));
        assert_eq!(DetectParams::new(0.25, 0.45, 0, PANO), Err(DetectError::MaxDetZero));
        let mut p = ok;
        p.pre_nms_cap = 0;
        assert_eq!(p.validate(), Err(DetectError::PreNmsCapZero));
        assert_eq!(
            DetectParams::new(0.25, 0.45, 300, Size { w: 0, h: 10 }),
            Err(DetectError::BoundsEmpty)
        );
        assert_eq!(
            DetectParams::new(0.25, 0.45, 300, Size { w: 16385, h: 10 }),
            Err(DetectError::BoundsTooLarge)
        );
        assert!(DetectParams::new(0.0, 0.0, 1, Size { w: 16384, h: 16384 }).is_ok());
        assert!(DetectParams::new(1.0, 1.0, 1, Size { w: 1, h: 1 }).is_ok());
    }
}
