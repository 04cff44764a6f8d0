//! Detections: the value types, YOLO head decode and the fixed-point NMS.
//!
//! The analysis stage turns one frame's detector output — one or more raw YOLOv8/YOLO11 head
//! tensors, each with its own mapping into the panorama (a letterboxed full frame, or tiles) — into
//! a short, score-descending list of [`Detection`]s in one NMS, so that boxes cut by tile borders
//! merge: [`Detector::detect`]. [`decode`] states the decode semantics, [`nms`] the integer IoU
//! rule and the in-place NMS over plain detections ([`nms_in_place`], the C ABI's `pc_nms`).
//!
//! ```
//! use pitchcam_core::detect::{DetectParams, Detection, Detector, Mapping, Tensor, TensorLayout};
//! use pitchcam_core::geom::Size;
//!
//! // One [4 + 1, 2] head: two anchors, the second a confident 10×20 box at (50, 60).
//! let head = [40.0, 50.0, 30.0, 60.0, 8.0, 10.0, 8.0, 20.0, 0.1, 0.9];
//! let t = Tensor::new(&head, 5, 2, TensorLayout::ChannelsFirst, Mapping::IDENTITY).unwrap();
//! let params = DetectParams::new(0.25, 0.45, 300, Size { w: 640, h: 640 }).unwrap();
//! // 1024 candidates of scratch: 64 KiB, on the heap rather than the stack.
//! let mut det = Box::new(Detector::<1024>::new());
//! let mut out = [Detection::default(); 8];
//! let stats = det.detect(&[t], &params, &mut out).unwrap();
//! assert_eq!(stats.kept, 1);
//! assert_eq!((out[0].x1, out[0].y1, out[0].x2, out[0].y2), (45 * 256, 50 * 256, 55 * 256, 70 * 256));
//! ```

pub mod decode;
mod detector;
pub mod nms;
mod params;

pub use detector::{DetectTotals, Detector, FrameStats};
pub use nms::{IouThreshold, NmsError, iou_exceeds, nms_in_place};
pub use params::{DetectError, DetectParams, MAX_PANORAMA_SIDE};

/// The most classes a tensor may carry (rows = 4 + classes). YOLO11 on football uses 5.
pub const MAX_CLASSES: usize = 16;

/// The detector classes pitchcam's football model emits, in tensor row order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Class {
    /// The ball.
    Ball = 0,
    /// A field player.
    Player = 1,
    /// A goalkeeper.
    Goalkeeper = 2,
    /// A referee or assistant referee.
    Referee = 3,
    /// Staff and everyone else near the pitch.
    Staff = 4,
}

impl Class {
    /// Number of classes of the football model.
    pub const COUNT: usize = 5;

    /// The class for a tensor row index, if it is one of the football classes.
    pub const fn from_id(id: u8) -> Option<Class> {
        match id {
            0 => Some(Class::Ball),
            1 => Some(Class::Player),
            2 => Some(Class::Goalkeeper),
            3 => Some(Class::Referee),
            4 => Some(Class::Staff),
            _ => None,
        }
    }
}

/// One detected box in panorama coordinates.
///
/// Layout is `#[repr(C)]`, 20 bytes, identical to the C ABI's `pc_detection`, so the library can
/// hand arrays of it to C without conversion.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Detection {
    /// Left edge, panorama px × 256 (Q8).
    pub x1: i32,
    /// Top edge, panorama px × 256 (Q8).
    pub y1: i32,
    /// Right edge, panorama px × 256 (Q8).
    pub x2: i32,
    /// Bottom edge, panorama px × 256 (Q8).
    pub y2: i32,
    /// Confidence in Q0.16 (`score / 65536`), saturating at 65535.
    pub score: u16,
    /// Class id (tensor row − 4); see [`Class`].
    pub class: u8,
    /// Always 0; keeps the C layout explicit.
    pub reserved: u8,
}

const _: () = assert!(core::mem::size_of::<Detection>() == 20);

impl Detection {
    /// Box width in Q8 (0 for an inverted box).
    #[inline]
    pub fn width(&self) -> i32 {
        (self.x2 - self.x1).max(0)
    }

    /// Box height in Q8 (0 for an inverted box).
    #[inline]
    pub fn height(&self) -> i32 {
        (self.y2 - self.y1).max(0)
    }

    /// Box centre in Q8.
    #[inline]
    pub fn center(&self) -> crate::geom::PointQ8 {
        crate::geom::PointQ8 {
            x: ((self.x1 as i64 + self.x2 as i64) / 2) as i32,
            y: ((self.y1 as i64 + self.y2 as i64) / 2) as i32,
        }
    }
}

/// Converts a float confidence to Q0.16: truncating, monotone, saturating at 65535 for scores at or
/// above 1.0 (a sigmoid never gives those, a malformed export might) and 0 for NaN or negatives.
#[inline]
pub fn score_q16(score: f32) -> u16 {
    if score >= 1.0 {
        u16::MAX
    } else if score > 0.0 {
        (score * 65536.0) as u16
    } else {
        0
    }
}

/// Memory order of a head tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TensorLayout {
    /// `[4 + nc, anchors]`: one row per channel (cx, cy, w, h, then class scores). What YOLOv8/YOLO11
    /// export by default.
    ChannelsFirst,
    /// `[anchors, 4 + nc]`: one row per anchor (a transposed export).
    AnchorsFirst,
}

/// The affine map from a tensor's network pixels to panorama pixels, per axis:
/// `panorama = network × scale + offset`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mapping {
    /// Horizontal scale.
    pub scale_x: f32,
    /// Vertical scale.
    pub scale_y: f32,
    /// Horizontal offset in panorama px.
    pub offset_x: f32,
    /// Vertical offset in panorama px.
    pub offset_y: f32,
}

impl Mapping {
    /// Network pixels are panorama pixels.
    pub const IDENTITY: Mapping =
        Mapping { scale_x: 1.0, scale_y: 1.0, offset_x: 0.0, offset_y: 0.0 };

    /// Undoes a letterbox: the whole `src_w × src_h` image was scaled uniformly to fit a
    /// `net_w × net_h` network input and padded (`symmetric`: padding split on both sides, as
    /// DeepStream's `symmetric-padding=1` and ultralytics do; otherwise padding at right/bottom).
    pub fn letterbox(src_w: u32, src_h: u32, net_w: u32, net_h: u32, symmetric: bool) -> Mapping {
        let r = libm::fminf(net_w as f32 / src_w as f32, net_h as f32 / src_h as f32);
        let (pad_x, pad_y) = if symmetric {
            ((net_w as f32 - src_w as f32 * r) / 2.0, (net_h as f32 - src_h as f32 * r) / 2.0)
        } else {
            (0.0, 0.0)
        };
        Mapping { scale_x: 1.0 / r, scale_y: 1.0 / r, offset_x: -pad_x / r, offset_y: -pad_y / r }
    }

    /// A tile: the panorama region with top-left `(x, y)` and size `w × h` was resized (not
    /// letterboxed) to the `net_w × net_h` network input.
    pub fn tile(x: u32, y: u32, w: u32, h: u32, net_w: u32, net_h: u32) -> Mapping {
        Mapping {
            scale_x: w as f32 / net_w as f32,
            scale_y: h as f32 / net_h as f32,
            offset_x: x as f32,
            offset_y: y as f32,
        }
    }

    /// Whether every field is finite and both scales are positive.
    pub fn is_valid(&self) -> bool {
        self.scale_x.is_finite()
            && self.scale_y.is_finite()
            && self.offset_x.is_finite()
            && self.offset_y.is_finite()
            && self.scale_x > 0.0
            && self.scale_y > 0.0
    }
}

/// Why a tensor description was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TensorError {
    /// `rows < 5`: a head needs cx, cy, w, h and at least one class.
    TooFewRows,
    /// More than [`MAX_CLASSES`] classes.
    TooManyClasses,
    /// No anchors.
    NoAnchors,
    /// `data.len() != rows × anchors`.
    SizeMismatch,
    /// The mapping has a non-finite or non-positive field.
    BadMapping,
}

/// A borrowed view of one raw detector head output plus its mapping into the panorama.
#[derive(Clone, Copy, Debug)]
pub struct Tensor<'a> {
    data: &'a [f32],
    rows: u32,
    anchors: u32,
    layout: TensorLayout,
    map: Mapping,
}

impl<'a> Tensor<'a> {
    /// Validates and wraps a tensor of `rows = 4 + classes` by `anchors`.
    pub fn new(
        data: &'a [f32],
        rows: u32,
        anchors: u32,
        layout: TensorLayout,
        map: Mapping,
    ) -> Result<Self, TensorError> {
        if rows < 5 {
            return Err(TensorError::TooFewRows);
        }
        if rows as usize - 4 > MAX_CLASSES {
            return Err(TensorError::TooManyClasses);
        }
        if anchors == 0 {
            return Err(TensorError::NoAnchors);
        }
        if (rows as u64) * (anchors as u64) != data.len() as u64 {
            return Err(TensorError::SizeMismatch);
        }
        if !map.is_valid() {
            return Err(TensorError::BadMapping);
        }
        Ok(Tensor { data, rows, anchors, layout, map })
    }

    /// The raw values.
    pub fn data(&self) -> &'a [f32] {
        self.data
    }
    /// `4 + classes`.
    pub fn rows(&self) -> u32 {
        self.rows
    }
    /// Number of anchors.
    pub fn anchors(&self) -> u32 {
        self.anchors
    }
    /// Number of classes (`rows − 4`).
    pub fn classes(&self) -> u32 {
        self.rows - 4
    }
    /// Memory order.
    pub fn layout(&self) -> TensorLayout {
        self.layout
    }
    /// Network → panorama mapping.
    pub fn mapping(&self) -> Mapping {
        self.map
    }
}
