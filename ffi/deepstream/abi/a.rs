//! ABI-A: DeepStream 6.1 … 7.1 (JetPack 5.x / 6.x, Jetson Linux r35 / r36).
//!
//! Offsets from `deepstream-abi.md` §1.3 (NvBufSurface*), §1.4 (transform types) and §2.2
//! (`NvDsInferTensorMeta`, DS 6.x / 7.0 layout ending with `maintain_aspect_ratio`).
#![allow(missing_docs)]

use core::ffi::c_void;

use super::{
    NVBUF_MAX_PLANES, NvBufSurfTransformCompute, NvBufSurfTransformFlip, NvBufSurfTransformInter,
    NvBufSurfaceColorFormat, NvBufSurfaceLayout, NvBufSurfaceMemType, NvBufSurfacePlaneParams,
    NvDsInferLayerInfo, NvDsInferNetworkInfo, STRUCTURE_PADDING, layout,
};

/// `NvBufSurfaceMappedAddr` — 72 B.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NvBufSurfaceMappedAddr {
    pub addr: [*mut c_void; NVBUF_MAX_PLANES],
    /// `eglImage`.
    pub egl_image: *mut c_void,
    pub _reserved: [*mut c_void; STRUCTURE_PADDING],
}
layout!(NvBufSurfaceMappedAddr, size = 72, align = 8, addr @ 0, egl_image @ 32, _reserved @ 40);

/// `NvBufSurfaceParams` — 384 B: one per batch entry (`surfaceList[i]`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NvBufSurfaceParams {
    pub width: u32,
    pub height: u32,
    pub pitch: u32,
    /// `colorFormat`.
    pub color_format: NvBufSurfaceColorFormat,
    pub layout: NvBufSurfaceLayout,
    /// `bufferDesc`: the dmabuf fd on Jetson.
    pub buffer_desc: u64,
    /// `dataSize`.
    pub data_size: u32,
    /// `dataPtr`: not valid for SURFACE_ARRAY / HANDLE memory.
    pub data_ptr: *mut c_void,
    /// `planeParams`.
    pub plane_params: NvBufSurfacePlaneParams,
    /// `mappedAddr`: filled by `NvBufSurfaceMap`.
    pub mapped_addr: NvBufSurfaceMappedAddr,
    /// `paramex` (`NvBufSurfaceParamsEx *`; DS 5.0/6.0 had a reserved pointer here).
    pub paramex: *mut c_void,
    pub _reserved: [*mut c_void; STRUCTURE_PADDING - 1],
}
layout!(NvBufSurfaceParams, size = 384, align = 8,
    width @ 0, height @ 4, pitch @ 8, color_format @ 12, layout @ 16, buffer_desc @ 24,
    data_size @ 32, data_ptr @ 40, plane_params @ 48, mapped_addr @ 280, paramex @ 352,
    _reserved @ 360);

/// `NvBufSurface` — 64 B: a batch of surfaces.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NvBufSurface {
    /// `gpuId`.
    pub gpu_id: u32,
    /// `batchSize`.
    pub batch_size: u32,
    /// `numFilled`.
    pub num_filled: u32,
    /// `isContiguous`.
    pub is_contiguous: bool,
    /// `memType`.
    pub mem_type: NvBufSurfaceMemType,
    /// `surfaceList`: `batch_size` entries.
    pub surface_list: *mut NvBufSurfaceParams,
    pub _reserved: [*mut c_void; STRUCTURE_PADDING],
}
layout!(NvBufSurface, size = 64, align = 8,
    gpu_id @ 0, batch_size @ 4, num_filled @ 8, is_contiguous @ 12, mem_type @ 16,
    surface_list @ 24, _reserved @ 32);

/// `NvBufSurfaceCreateParams` — 32 B.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NvBufSurfaceCreateParams {
    /// `gpuId`.
    pub gpu_id: u32,
    pub width: u32,
    pub height: u32,
    /// Bytes per surface for a raw allocation; 0 for a pixel format.
    pub size: u32,
    /// `isContiguous`.
    pub is_contiguous: bool,
    /// `colorFormat`.
    pub color_format: NvBufSurfaceColorFormat,
    pub layout: NvBufSurfaceLayout,
    /// `memType`.
    pub mem_type: NvBufSurfaceMemType,
}
layout!(NvBufSurfaceCreateParams, size = 32, align = 4,
    gpu_id @ 0, width @ 4, height @ 8, size @ 12, is_contiguous @ 16, color_format @ 20,
    layout @ 24, mem_type @ 28);

/// `NvBufSurfTransformRect` — 16 B. Note the C order: **top before left**.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NvBufSurfTransformRect {
    pub top: u32,
    pub left: u32,
    pub width: u32,
    pub height: u32,
}
layout!(NvBufSurfTransformRect, size = 16, align = 4, top @ 0, left @ 4, width @ 8, height @ 12);

/// `NvBufSurfTransformConfigParams` — 16 B: per-thread session parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NvBufSurfTransformConfigParams {
    pub compute_mode: NvBufSurfTransformCompute,
    pub gpu_id: i32,
    /// `cudaStream_t`; NULL = default stream (ignored by VIC).
    pub cuda_stream: *mut c_void,
}
layout!(NvBufSurfTransformConfigParams, size = 16, align = 8,
    compute_mode @ 0, gpu_id @ 4, cuda_stream @ 8);

/// `NvBufSurfTransformParams` (`struct _NvBufSurfaceTransformParams`) — 32 B.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NvBufSurfTransformParams {
    /// Bits of [`super::transform_flag`].
    pub transform_flag: u32,
    pub transform_flip: NvBufSurfTransformFlip,
    pub transform_filter: NvBufSurfTransformInter,
    /// One rect per source batch entry.
    pub src_rect: *mut NvBufSurfTransformRect,
    /// One rect per destination batch entry.
    pub dst_rect: *mut NvBufSurfTransformRect,
}
layout!(NvBufSurfTransformParams, size = 32, align = 8,
    transform_flag @ 0, transform_flip @ 4, transform_filter @ 8, src_rect @ 16, dst_rect @ 24);

/// `NvDsInferTensorMeta` (gstnvdsinfer.h), DS 6.x / 7.0 layout — 64 B.
#[repr(C)]
#[derive(Debug)]
pub struct NvDsInferTensorMeta {
    pub unique_id: u32,
    pub num_output_layers: u32,
    pub output_layers_info: *mut NvDsInferLayerInfo,
    /// This frame's host copy of each output layer.
    pub out_buf_ptrs_host: *mut *mut c_void,
    pub out_buf_ptrs_dev: *mut *mut c_void,
    pub gpu_id: i32,
    pub priv_data: *mut c_void,
    pub network_info: NvDsInferNetworkInfo,
    /// A `gboolean`.
    pub maintain_aspect_ratio: i32,
}
layout!(NvDsInferTensorMeta, size = 64, align = 8,
    unique_id @ 0, num_output_layers @ 4, output_layers_info @ 8, out_buf_ptrs_host @ 16,
    out_buf_ptrs_dev @ 24, gpu_id @ 32, priv_data @ 40, network_info @ 48,
    maintain_aspect_ratio @ 60);

/// `sizeof(NvDsFrameMeta)` in DeepStream 6.x (7.0/7.1 **unverified**: only the prefix is read).
pub const NVDS_FRAME_META_SIZE: usize = 200;

impl NvBufSurfTransformRect {
    /// A rectangle from its left/top corner and size (the C field order is top, left).
    pub const fn new(left: u32, top: u32, width: u32, height: u32) -> Self {
        NvBufSurfTransformRect { top, left, width, height }
    }
}

impl NvBufSurfTransformConfigParams {
    /// Session parameters for `compute_mode` on `gpu_id`, default CUDA stream.
    pub const fn new(compute_mode: NvBufSurfTransformCompute, gpu_id: i32) -> Self {
        NvBufSurfTransformConfigParams { compute_mode, gpu_id, cuda_stream: core::ptr::null_mut() }
    }
}

impl NvBufSurfTransformParams {
    /// Transform parameters; the rect pointers must outlive the `NvBufSurfTransform` call.
    pub const fn new(
        transform_flag: u32,
        transform_filter: NvBufSurfTransformInter,
        src_rect: *mut NvBufSurfTransformRect,
        dst_rect: *mut NvBufSurfTransformRect,
    ) -> Self {
        NvBufSurfTransformParams {
            transform_flag,
            transform_flip: NvBufSurfTransformFlip::NONE,
            transform_filter,
            src_rect,
            dst_rect,
        }
    }
}

impl NvBufSurfaceCreateParams {
    /// Creation parameters for `width × height` surfaces of `color_format`.
    pub const fn new(
        gpu_id: u32,
        width: u32,
        height: u32,
        color_format: NvBufSurfaceColorFormat,
        layout: NvBufSurfaceLayout,
        mem_type: NvBufSurfaceMemType,
    ) -> Self {
        NvBufSurfaceCreateParams {
            gpu_id,
            width,
            height,
            size: 0,
            is_contiguous: false,
            color_format,
            layout,
            mem_type,
        }
    }
}
