//! `GstBuffer` (memory:NVMM) → `NvBufSurface`: the descriptor DeepStream puts in the buffer's
//! memory.
//!
//! Mapping an NVMM buffer for reading yields the `NvBufSurface` descriptor, not pixels
//! (`deepstream-abi.md` §1.6). The frame of `NvDsFrameMeta.batch_id = k` is `surfaceList[k]`.
//! Pixels need `NvBufSurfaceMap` (CPU) or `NvBufSurfTransform` (VIC/GPU), see [`super::nvbuf`].
//! This module only reads and validates, so it needs no DeepStream library and is tested here on
//! system-memory buffers laid out like NVMM ones.

use core::marker::PhantomData;
use core::mem::MaybeUninit;

use gstreamer_sys::{GST_MAP_READ, GstBuffer, GstMapInfo};

use super::abi::{NvBufSurface, NvBufSurfaceMemType, NvBufSurfaceParams};
use super::error::DsError;

/// Most surfaces accepted in one batch (nvstreammux batches are small; garbage is not).
pub const MAX_BATCH: u32 = 1024;

/// A `GstBuffer` mapped for reading, viewed as its `NvBufSurface`. Unmaps on drop.
pub struct MappedSurface<'a> {
    buffer: *mut GstBuffer,
    info: GstMapInfo,
    surface: *const NvBufSurface,
    _life: PhantomData<&'a GstBuffer>,
}

impl<'a> MappedSurface<'a> {
    /// Maps `buffer` and checks that its memory holds a plausible `NvBufSurface` of this build's
    /// ABI: large enough, aligned, `1 ≤ batchSize ≤` [`MAX_BATCH`], `numFilled ≤ batchSize`, a
    /// known `memType`, a non-NULL aligned `surfaceList`.
    ///
    /// # Safety
    ///
    /// `buffer` must be NULL or a valid `GstBuffer` the caller holds a reference to for `'a`.
    /// If its memory is NVMM, the descriptor it maps to must stay live while mapped (DeepStream
    /// guarantees this).
    pub unsafe fn map(buffer: *mut GstBuffer) -> Result<Self, DsError> {
        if buffer.is_null() {
            return Err(DsError::NullPointer("GstBuffer"));
        }
        let mut info = MaybeUninit::<GstMapInfo>::zeroed();
        // SAFETY: a valid buffer (contract) and a writable GstMapInfo.
        if unsafe { gstreamer_sys::gst_buffer_map(buffer, info.as_mut_ptr(), GST_MAP_READ) } == 0 {
            return Err(DsError::MapFailed);
        }
        // SAFETY: gst_buffer_map succeeded, so it initialised `info`.
        let info = unsafe { info.assume_init() };
        let mut me = MappedSurface { buffer, info, surface: core::ptr::null(), _life: PhantomData };
        // From here on, `me` unmaps on every early return.
        let expected = size_of::<NvBufSurface>();
        if me.info.size < expected {
            return Err(DsError::SurfaceTooSmall { size: me.info.size, expected });
        }
        let s = me.info.data.cast::<NvBufSurface>().cast_const();
        if s.is_null() {
            return Err(DsError::NullPointer("mapped NvBufSurface"));
        }
        if !s.is_aligned() {
            return Err(DsError::Misaligned("mapped NvBufSurface"));
        }
        // SAFETY: `size_of::<NvBufSurface>()` mapped, aligned bytes.
        let surf = unsafe { &*s };
        if surf.batch_size == 0 || surf.batch_size > MAX_BATCH {
            return Err(DsError::BadSurface("batchSize"));
        }
        if surf.num_filled > surf.batch_size {
            return Err(DsError::BadSurface("numFilled"));
        }
        if surf.mem_type.0 > NvBufSurfaceMemType::CUDA_ARRAY.0 {
            return Err(DsError::BadSurface("memType"));
        }
        if surf.surface_list.is_null() {
            return Err(DsError::NullPointer("surfaceList"));
        }
        if !surf.surface_list.is_aligned() {
            return Err(DsError::Misaligned("surfaceList"));
        }
        me.surface = s;
        Ok(me)
    }

    /// The descriptor.
    pub fn surface(&self) -> &NvBufSurface {
        // SAFETY: checked in `map`; stays mapped while `self` lives.
        unsafe { &*self.surface }
    }

    /// Raw pointer to the descriptor, for NvBufSurface* calls.
    pub fn as_ptr(&self) -> *mut NvBufSurface {
        self.surface.cast_mut()
    }

    /// `numFilled`.
    pub fn num_filled(&self) -> u32 {
        self.surface().num_filled
    }

    /// Surface `index` of the batch (the frame whose `batch_id` is `index`), checked against
    /// `numFilled`.
    pub fn params(&self, index: u32) -> Result<&NvBufSurfaceParams, DsError> {
        let s = self.surface();
        if index >= s.num_filled {
            return Err(DsError::NoSuchSurface { index, filled: s.num_filled });
        }
        // SAFETY: `surfaceList` holds `batchSize ≥ numFilled > index` entries of this build's
        // ABI (checked non-NULL and aligned in `map`).
        Ok(unsafe { &*s.surface_list.add(index as usize) })
    }
}

impl Drop for MappedSurface<'_> {
    fn drop(&mut self) {
        // SAFETY: `info` came from a successful gst_buffer_map of `buffer`, unmapped once here.
        unsafe { gstreamer_sys::gst_buffer_unmap(self.buffer, &mut self.info) };
    }
}
