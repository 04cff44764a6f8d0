//! NV12 image views and the pixel work pitchcam does itself: the crop-and-scale of the output view.
//!
//! NV12 is a full-resolution luma (Y) plane followed by a half-resolution interleaved chroma (UV)
//! plane; each plane has its own row stride (GStreamer pads rows). The views below borrow the two
//! planes of a mapped buffer and never copy.

/// Why an image, a crop or a scale was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageError {
    /// Width or height is zero or odd (NV12 chroma is subsampled 2×2).
    BadSize,
    /// A stride is smaller than the row it must hold.
    BadStride,
    /// A plane slice is too short for its height × stride.
    PlaneTooShort,
    /// A dimension exceeds [`MAX_DIM`], or the source is smaller than 4 × 4.
    OutOfRange,
    /// The crop has no area (width or height ≤ 0).
    EmptyCrop,
    /// The output is wider than the [`CropScaler`]'s `MAX_W`.
    TooWide,
    /// The crop is more than [`MAX_DOWNSCALE`] times the output size on an axis.
    ScaleOutOfRange,
}

impl core::fmt::Display for ImageError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            ImageError::BadSize => "NV12 width and height must be even and non-zero",
            ImageError::BadStride => "a row stride is smaller than the image width",
            ImageError::PlaneTooShort => "a plane is too short for its height and stride",
            ImageError::OutOfRange => "image dimension out of range (4 ..= 32766 px)",
            ImageError::EmptyCrop => "the crop rectangle is empty",
            ImageError::TooWide => "the output is wider than the scaler was built for",
            ImageError::ScaleOutOfRange => "the crop is more than 64 times the output size",
        })
    }
}

fn check(
    width: u32,
    height: u32,
    y_len: usize,
    y_stride: usize,
    uv_len: usize,
    uv_stride: usize,
) -> Result<(), ImageError> {
    if width == 0 || height == 0 || width % 2 == 1 || height % 2 == 1 {
        return Err(ImageError::BadSize);
    }
    if y_stride < width as usize || uv_stride < width as usize {
        return Err(ImageError::BadStride);
    }
    let need_y = y_stride * (height as usize - 1) + width as usize;
    let need_uv = uv_stride * (height as usize / 2 - 1) + width as usize;
    if y_len < need_y || uv_len < need_uv {
        return Err(ImageError::PlaneTooShort);
    }
    Ok(())
}

/// A read-only NV12 image.
#[derive(Clone, Copy, Debug)]
pub struct Nv12<'a> {
    /// Luma plane.
    pub y: &'a [u8],
    /// Bytes per luma row.
    pub y_stride: usize,
    /// Interleaved UV plane (height / 2 rows).
    pub uv: &'a [u8],
    /// Bytes per UV row.
    pub uv_stride: usize,
    /// Width in pixels (even).
    pub width: u32,
    /// Height in pixels (even).
    pub height: u32,
}

impl<'a> Nv12<'a> {
    /// Checks the layout and wraps the planes.
    pub fn new(
        y: &'a [u8],
        y_stride: usize,
        uv: &'a [u8],
        uv_stride: usize,
        width: u32,
        height: u32,
    ) -> Result<Self, ImageError> {
        check(width, height, y.len(), y_stride, uv.len(), uv_stride)?;
        Ok(Nv12 { y, y_stride, uv, uv_stride, width, height })
    }
}

/// A writable NV12 image.
#[derive(Debug)]
pub struct Nv12Mut<'a> {
    /// Luma plane.
    pub y: &'a mut [u8],
    /// Bytes per luma row.
    pub y_stride: usize,
    /// Interleaved UV plane (height / 2 rows).
    pub uv: &'a mut [u8],
    /// Bytes per UV row.
    pub uv_stride: usize,
    /// Width in pixels (even).
    pub width: u32,
    /// Height in pixels (even).
    pub height: u32,
}

impl<'a> Nv12Mut<'a> {
    /// Checks the layout and wraps the planes.
    pub fn new(
        y: &'a mut [u8],
        y_stride: usize,
        uv: &'a mut [u8],
        uv_stride: usize,
        width: u32,
        height: u32,
    ) -> Result<Self, ImageError> {
        check(width, height, y.len(), y_stride, uv.len(), uv_stride)?;
        Ok(Nv12Mut { y, y_stride, uv, uv_stride, width, height })
    }

    /// A read-only view of the same pixels.
    pub fn as_ref(&self) -> Nv12<'_> {
        Nv12 {
            y: self.y,
            y_stride: self.y_stride,
            uv: self.uv,
            uv_stride: self.uv_stride,
            width: self.width,
            height: self.height,
        }
    }
}

impl Nv12Mut<'_> {
    /// Fills the image with one colour (`y`, `u`, `v`): a slate or a black frame (16, 128, 128
    /// in video range). Only the `width` bytes of each row are written, never the row padding.
    pub fn fill(&mut self, y: u8, u: u8, v: u8) -> Result<(), ImageError> {
        check(self.width, self.height, self.y.len(), self.y_stride, self.uv.len(), self.uv_stride)?;
        let w = self.width as usize;
        for row in self.y.chunks_mut(self.y_stride).take(self.height as usize) {
            row[..w].fill(y);
        }
        for row in self.uv.chunks_mut(self.uv_stride).take(self.height as usize / 2) {
            for px in row[..w].chunks_exact_mut(2) {
                px[0] = u;
                px[1] = v;
            }
        }
        Ok(())
    }
}

/// Fills `img` with one colour; see [`Nv12Mut::fill`].
pub fn fill(img: &mut Nv12Mut<'_>, y: u8, u: u8, v: u8) -> Result<(), ImageError> {
    img.fill(y, u, v)
}

mod scale;

pub use scale::{CropScaler, Filter, MAX_DIM, MAX_DOWNSCALE};
