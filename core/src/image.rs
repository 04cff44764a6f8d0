//! NV12 image views and the pixel work pitchcam does itself: the crop-and-scale of the output view.
//!
//! NV12 is a full-resolution luma (Y) plane followed by a half-resolution interleaved chroma (UV)
//! plane; each plane has its own row stride (GStreamer pads rows). The views below borrow the two
//! planes of a mapped buffer and never copy.

/// Why a plane layout was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageError {
    /// Width or height is zero or odd (NV12 chroma is subsampled 2×2).
    BadSize,
    /// A stride is smaller than the row it must hold.
    BadStride,
    /// A plane slice is too short for its height × stride.
    PlaneTooShort,
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
