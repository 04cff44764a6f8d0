//! Hand-written `#[repr(C)]` mirrors of the DeepStream types pitchcam touches.
//!
//! Written from the field names, types, order and offsets recorded in
//! `shared/reference/deepstream-abi.md` (measured there with `offsetof` probes against the header
//! sets of DeepStream 5.0, 6.3, 8.0 and 9.1). No NVIDIA header text is reproduced. Field names are
//! snake_case; each field's doc names the C field where it differs.
//!
//! Two NvBufSurface ABIs exist and are both compiled, so tests can check both on every target:
//! * [`a`] — **ABI-A**, DeepStream 6.1 … 7.1 (JetPack 5 / 6): `NvBufSurface` 64 B,
//!   `NvBufSurfaceParams` 384 B;
//! * [`b`] — **ABI-B**, DeepStream 8.0 and 9.x (JetPack 7): `NvBufSurface` 72 B,
//!   `NvBufSurfaceParams` 416 B, transform structs with a reserved tail.
//!
//! The items re-exported at this level are the ABI this build targets: ABI-B when the installed
//! headers are ABI-B (bindgen ran and saw `isImportedBuf`) or, without headers, when the `ds8`
//! feature is on; ABI-A otherwise. Indexing `surface_list[i]` with the wrong ABI corrupts every
//! batch entry after the first, which is why the choice is explicit and checked.
//!
//! The metadata types (`NvDsBaseMeta`, `NvDsUserMeta`, `NvDsBatchMeta`, the `NvDsFrameMeta`
//! prefix, `NvDsInferLayerInfo`, `NvDsInferDims`, `NvDsMeta`) have the same offsets in every
//! version from 5.0 to 9.1 and live here, shared by both ABIs. `NvDsFrameMeta` is a *prefix*: its
//! tail grows between versions, so it is only ever read through a pointer DeepStream handed out,
//! never allocated or copied by size.
//!
//! Every struct carries compile-time `size_of` / `align_of` / `offset_of!` assertions with the
//! documented numbers, so a wrong field breaks the build on every target.
#![allow(missing_docs)] // field docs would repeat the layout tables; the module docs cite them.

use core::ffi::{c_char, c_void};

pub mod a;
pub mod b;

#[cfg(not(pitchcam_ds_abi_b))]
pub use a::*;
#[cfg(pitchcam_ds_abi_b)]
pub use b::*;

/// Whether this build reads surfaces with ABI-B (DeepStream 8.0+).
pub const ABI_B: bool = cfg!(pitchcam_ds_abi_b);

/// Asserts, at compile time, a type's size and alignment and the offsets of the listed fields.
macro_rules! layout {
    ($t:ty, size = $size:expr, align = $align:expr $(, $field:ident @ $off:expr)* $(,)?) => {
        const _: () = {
            assert!(
                ::core::mem::size_of::<$t>() == $size,
                concat!("size of ", stringify!($t), " differs from the documented ABI")
            );
            assert!(
                ::core::mem::align_of::<$t>() == $align,
                concat!("alignment of ", stringify!($t), " differs from the documented ABI")
            );
            $(
                assert!(
                    ::core::mem::offset_of!($t, $field) == $off,
                    concat!("offset of ", stringify!($t), ".", stringify!($field),
                            " differs from the documented ABI")
                );
            )*
        };
    };
}
pub(crate) use layout;

/// Declares a C-enum-sized newtype with named values. A newtype, not a Rust `enum`: DeepStream may
/// hand out values this build does not know, and reading those must stay defined behaviour.
macro_rules! c_enum {
    ($(#[$m:meta])* $name:ident($repr:ty) { $($(#[$vm:meta])* $v:ident = $val:expr),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
        #[repr(transparent)]
        pub struct $name(pub $repr);
        impl $name {
            $($(#[$vm])* pub const $v: $name = $name($val);)*
        }
        layout!($name, size = 4, align = 4);
    };
}

/// `STRUCTURE_PADDING`: the length of the reserved pointer arrays.
pub const STRUCTURE_PADDING: usize = 4;
/// `NVBUF_MAX_PLANES`.
pub const NVBUF_MAX_PLANES: usize = 4;
/// `NVDSINFER_MAX_DIMS`.
pub const NVDSINFER_MAX_DIMS: usize = 8;
/// `MAX_USER_FIELDS` (length of the `misc_*_info` arrays).
pub const MAX_USER_FIELDS: usize = 4;
/// `NVDS_META_STRING`: the tag every DeepStream `GstMeta` API type carries.
pub const NVDS_META_STRING: &core::ffi::CStr = c"nvdsmeta";
/// The name DeepStream's `libnvdsgst_meta.so` registers its `GstMeta` API type under (verified in
/// the DeepStream 9.1 source; older versions are only known to carry the [`NVDS_META_STRING`]
/// tag, which is what the reader matches on).
pub const NVDS_META_API_NAME: &core::ffi::CStr = c"NvDsMetaAPI";

c_enum! {
    /// `NvBufSurfaceMemType` (identical 5.0 … 9.1; `CUDA_ARRAY` is 9.x only).
    NvBufSurfaceMemType(u32) {
        DEFAULT = 0, CUDA_PINNED = 1, CUDA_DEVICE = 2, CUDA_UNIFIED = 3, SURFACE_ARRAY = 4,
        HANDLE = 5, SYSTEM = 6, CUDA_ARRAY = 7,
    }
}

c_enum! {
    /// `NvBufSurfaceColorFormat`: the values pitchcam uses (the enum is sequential from 0 and only
    /// grows at its tail between versions).
    NvBufSurfaceColorFormat(u32) {
        INVALID = 0, GRAY8 = 1, YUV420 = 2, NV12 = 6, NV12_ER = 7, NV21 = 8, RGBA = 19, BGRA = 20,
        RGB = 27, BGR = 28, NV12_709 = 33, NV12_709_ER = 34,
    }
}

impl NvBufSurfaceColorFormat {
    /// Whether the format has NV12's memory layout (full-res Y plane, half-res interleaved UV):
    /// decoders and converters hand out the BT.601/709 and limited/extended-range variants too.
    pub fn is_nv12_layout(self) -> bool {
        matches!(self, Self::NV12 | Self::NV12_ER | Self::NV12_709 | Self::NV12_709_ER)
    }
}

c_enum! {
    /// `NvBufSurfaceLayout`.
    NvBufSurfaceLayout(u32) { PITCH = 0, BLOCK_LINEAR = 1 }
}

c_enum! {
    /// `NvBufSurfaceMemMapFlags`.
    NvBufSurfaceMemMapFlags(u32) { READ = 0, WRITE = 1, READ_WRITE = 2 }
}

c_enum! {
    /// `NvBufSurfTransform_Error` (a signed C enum).
    NvBufSurfTransformError(i32) {
        ROI_ERROR = -4, INVALID_PARAMS = -3, EXECUTION_ERROR = -2, UNSUPPORTED = -1, SUCCESS = 0,
    }
}

c_enum! {
    /// `NvBufSurfTransform_Compute`.
    NvBufSurfTransformCompute(u32) {
        /// VIC on Jetson, GPU on x86.
        DEFAULT = 0,
        GPU = 1,
        /// Jetson only.
        VIC = 2,
    }
}

c_enum! {
    /// `NvBufSurfTransform_Flip`.
    NvBufSurfTransformFlip(u32) {
        NONE = 0, ROTATE90 = 1, ROTATE180 = 2, ROTATE270 = 3, FLIP_X = 4, FLIP_Y = 5,
        TRANSPOSE = 6, INV_TRANSPOSE = 7,
    }
}

c_enum! {
    /// `NvBufSurfTransform_Inter`.
    NvBufSurfTransformInter(u32) {
        NEAREST = 0, BILINEAR = 1, ALGO1 = 2, ALGO2 = 3, ALGO3 = 4, ALGO4 = 5, DEFAULT = 6,
    }
}

/// `NvBufSurfTransform_Transform_Flag` bits for `NvBufSurfTransformParams::transform_flag`.
pub mod transform_flag {
    /// Crop the source (`src_rect` is read).
    pub const CROP_SRC: u32 = 1;
    /// Crop the destination (`dst_rect` is read).
    pub const CROP_DST: u32 = 1 << 1;
    /// Use `transform_filter`.
    pub const FILTER: u32 = 1 << 2;
    /// Use `transform_flip`.
    pub const FLIP: u32 = 1 << 3;
    /// Normalize output (6.3+).
    pub const NORMALIZE: u32 = 1 << 4;
    /// Allow odd crop coordinates (6.3+).
    pub const ALLOW_ODD_CROP: u32 = 1 << 5;
}

c_enum! {
    /// `NvDsMetaType` (a signed C enum; identical 5.0 … 9.1).
    NvDsMetaType(i32) {
        INVALID = -1, BATCH = 1, FRAME = 2, OBJ = 3, DISPLAY = 4, CLASSIFIER = 5, LABEL_INFO = 6,
        USER = 7, PAYLOAD = 8, EVENT_MSG = 9, OPTICAL_FLOW = 10, LATENCY_MEASUREMENT = 11,
        /// `NVDSINFER_TENSOR_OUTPUT_META`: user meta whose data is an `NvDsInferTensorMeta`.
        NVDSINFER_TENSOR_OUTPUT = 12,
        NVDSINFER_SEGMENTATION = 13, CROP_IMAGE = 14, RESERVED = 4095,
        /// `NVDS_GST_CUSTOM_META`.
        GST_CUSTOM = 4096,
        START_USER = 8193,
    }
}

c_enum! {
    /// `GstNvDsMetaType`: the `meta_type` of an [`NvDsMeta`] (verified in the 6.x and 9.1 headers).
    GstNvDsMetaType(i32) {
        INVALID = -1,
        /// `NVDS_BATCH_GST_META` = `NVDS_GST_CUSTOM_META + 1`: `meta_data` is an `NvDsBatchMeta`.
        BATCH = 4097,
        DECODER = 4098,
        DEWARPER = 4099,
    }
}

c_enum! {
    /// `NvDsInferDataType` (`INT64`, `UINT8` exist from 8.0).
    NvDsInferDataType(u32) { FLOAT = 0, HALF = 1, INT8 = 2, INT32 = 3, INT64 = 4, UINT8 = 5 }
}

/// GLib's `GList`: DeepStream's meta lists (`NvDsFrameMetaList`, `NvDsUserMetaList`, …).
#[repr(C)]
#[derive(Debug)]
pub struct GList {
    pub data: *mut c_void,
    pub next: *mut GList,
    pub prev: *mut GList,
}
layout!(GList, size = 24, align = 8, data @ 0, next @ 8, prev @ 16);

/// GLib's `GRecMutex` (opaque here; only its size matters).
#[repr(C)]
#[derive(Debug)]
pub struct GRecMutex {
    pub p: *mut c_void,
    pub i: [u32; 2],
}
layout!(GRecMutex, size = 16, align = 8);

/// `NvDsMetaCopyFunc`: `gpointer (*)(gpointer data, gpointer user_data)`.
pub type NvDsMetaCopyFunc = Option<unsafe extern "C" fn(*mut c_void, *mut c_void) -> *mut c_void>;
/// `NvDsMetaReleaseFunc`: `void (*)(gpointer data, gpointer user_data)`.
pub type NvDsMetaReleaseFunc = Option<unsafe extern "C" fn(*mut c_void, *mut c_void)>;

/// `NvBufSurfacePlaneParams` — 232 B in every version.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NvBufSurfacePlaneParams {
    pub num_planes: u32,
    pub width: [u32; NVBUF_MAX_PLANES],
    pub height: [u32; NVBUF_MAX_PLANES],
    pub pitch: [u32; NVBUF_MAX_PLANES],
    pub offset: [u32; NVBUF_MAX_PLANES],
    pub psize: [u32; NVBUF_MAX_PLANES],
    /// `bytesPerPix`.
    pub bytes_per_pix: [u32; NVBUF_MAX_PLANES],
    pub _reserved: [*mut c_void; STRUCTURE_PADDING * NVBUF_MAX_PLANES],
}
layout!(NvBufSurfacePlaneParams, size = 232, align = 8,
    num_planes @ 0, width @ 4, height @ 20, pitch @ 36, offset @ 52, psize @ 68,
    bytes_per_pix @ 84, _reserved @ 104);

/// `NvDsBaseMeta` — 40 B.
#[repr(C)]
#[derive(Debug)]
pub struct NvDsBaseMeta {
    pub batch_meta: *mut NvDsBatchMeta,
    pub meta_type: NvDsMetaType,
    /// `uContext`.
    pub u_context: *mut c_void,
    pub copy_func: NvDsMetaCopyFunc,
    pub release_func: NvDsMetaReleaseFunc,
}
layout!(NvDsBaseMeta, size = 40, align = 8,
    batch_meta @ 0, meta_type @ 8, u_context @ 16, copy_func @ 24, release_func @ 32);

/// `NvDsUserMeta` — 48 B.
#[repr(C)]
#[derive(Debug)]
pub struct NvDsUserMeta {
    pub base_meta: NvDsBaseMeta,
    pub user_meta_data: *mut c_void,
}
layout!(NvDsUserMeta, size = 48, align = 8, base_meta @ 0, user_meta_data @ 40);

/// `NvDsBatchMeta` — 192 B, identical 5.0 … 9.1.
#[repr(C)]
#[derive(Debug)]
pub struct NvDsBatchMeta {
    pub base_meta: NvDsBaseMeta,
    pub max_frames_in_batch: u32,
    pub num_frames_in_batch: u32,
    pub frame_meta_pool: *mut c_void,
    pub obj_meta_pool: *mut c_void,
    pub classifier_meta_pool: *mut c_void,
    pub display_meta_pool: *mut c_void,
    pub user_meta_pool: *mut c_void,
    pub label_info_meta_pool: *mut c_void,
    /// `NvDsFrameMetaList *`: data are `NvDsFrameMeta *`.
    pub frame_meta_list: *mut GList,
    /// `NvDsUserMetaList *`.
    pub batch_user_meta_list: *mut GList,
    pub meta_mutex: GRecMutex,
    pub misc_batch_info: [i64; MAX_USER_FIELDS],
    pub reserved: [i64; MAX_USER_FIELDS],
}
layout!(NvDsBatchMeta, size = 192, align = 8,
    base_meta @ 0, max_frames_in_batch @ 40, num_frames_in_batch @ 44, frame_meta_pool @ 48,
    obj_meta_pool @ 56, classifier_meta_pool @ 64, display_meta_pool @ 72, user_meta_pool @ 80,
    label_info_meta_pool @ 88, frame_meta_list @ 96, batch_user_meta_list @ 104,
    meta_mutex @ 112, misc_batch_info @ 128, reserved @ 160);

/// The leading fields of `NvDsFrameMeta`: identical 6.x … 9.1 up to `pipeline_height` (DeepStream
/// 5.0 ends after `misc_frame_info`; 6.x continues with `reserved`, 8.0+ with `sensorInfo_meta`,
/// so the real struct is 200 / 232 B). Read-only, through a pointer DeepStream handed out.
#[repr(C)]
#[derive(Debug)]
pub struct NvDsFrameMeta {
    pub base_meta: NvDsBaseMeta,
    pub pad_index: u32,
    pub batch_id: u32,
    pub frame_num: i32,
    pub buf_pts: u64,
    pub ntp_timestamp: u64,
    pub source_id: u32,
    pub num_surfaces_per_frame: i32,
    pub source_frame_width: u32,
    pub source_frame_height: u32,
    pub surface_type: u32,
    pub surface_index: u32,
    pub num_obj_meta: u32,
    /// `bInferDone` (a `gboolean`).
    pub b_infer_done: i32,
    pub obj_meta_list: *mut GList,
    pub display_meta_list: *mut GList,
    /// `NvDsUserMetaList *`: data are `NvDsUserMeta *`.
    pub frame_user_meta_list: *mut GList,
    pub misc_frame_info: [i64; MAX_USER_FIELDS],
    /// The muxer's output width: the frame nvinfer scaled (DS 6.0+; the DS 7.x tail is
    /// documented with it but its offsets there are unverified).
    pub pipeline_width: u32,
    /// The muxer's output height.
    pub pipeline_height: u32,
}
layout!(NvDsFrameMeta, size = 168, align = 8,
    base_meta @ 0, pad_index @ 40, batch_id @ 44, frame_num @ 48, buf_pts @ 56,
    ntp_timestamp @ 64, source_id @ 72, num_surfaces_per_frame @ 76, source_frame_width @ 80,
    source_frame_height @ 84, surface_type @ 88, surface_index @ 92, num_obj_meta @ 96,
    b_infer_done @ 100, obj_meta_list @ 104, display_meta_list @ 112,
    frame_user_meta_list @ 120, misc_frame_info @ 128, pipeline_width @ 160,
    pipeline_height @ 164);

/// `NvDsInferDims` — 40 B.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NvDsInferDims {
    /// `numDims`.
    pub num_dims: u32,
    pub d: [u32; NVDSINFER_MAX_DIMS],
    /// `numElements`.
    pub num_elements: u32,
}
layout!(NvDsInferDims, size = 40, align = 4, num_dims @ 0, d @ 4, num_elements @ 36);

/// `NvDsInferLayerInfo` — 72 B in every version.
#[repr(C)]
#[derive(Debug)]
pub struct NvDsInferLayerInfo {
    /// `dataType`.
    pub data_type: NvDsInferDataType,
    /// `inferDims` (a union with the deprecated alias `dims` in C; same bytes).
    pub infer_dims: NvDsInferDims,
    /// `bindingIndex`.
    pub binding_index: i32,
    /// `layerName`.
    pub layer_name: *const c_char,
    /// The layer's buffer. nvinfer's per-frame host slice is `out_buf_ptrs_host[i]`, not this.
    pub buffer: *mut c_void,
    /// `isInput`.
    pub is_input: i32,
}
layout!(NvDsInferLayerInfo, size = 72, align = 8,
    data_type @ 0, infer_dims @ 4, binding_index @ 44, layer_name @ 48, buffer @ 56,
    is_input @ 64);

/// `NvDsInferNetworkInfo` — the network input size.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NvDsInferNetworkInfo {
    pub width: u32,
    pub height: u32,
    pub channels: u32,
}
layout!(NvDsInferNetworkInfo, size = 12, align = 4, width @ 0, height @ 4, channels @ 8);

/// `NvDsMeta` (gstnvdsmeta.h): the `GstMeta` that carries DeepStream metadata on a `GstBuffer`.
/// With `meta_type == NVDS_BATCH_GST_META` (4097), `meta_data` is the `NvDsBatchMeta`. Layout
/// verified identical in the DeepStream 6.x header and the Apache-2.0 9.1 header: 72 B.
#[repr(C)]
#[derive(Debug)]
pub struct NvDsMeta {
    pub meta: gstreamer_sys::GstMeta,
    pub meta_data: *mut c_void,
    pub user_data: *mut c_void,
    pub meta_type: GstNvDsMetaType,
    /// `copyfunc`.
    pub copy_func: NvDsMetaCopyFunc,
    /// `freefunc`.
    pub free_func: NvDsMetaReleaseFunc,
    pub gst_to_nvds_meta_transform_func: NvDsMetaCopyFunc,
    pub gst_to_nvds_meta_release_func: NvDsMetaReleaseFunc,
}
layout!(NvDsMeta, size = 72, align = 8,
    meta @ 0, meta_data @ 16, user_data @ 24, meta_type @ 32, copy_func @ 40, free_func @ 48,
    gst_to_nvds_meta_transform_func @ 56, gst_to_nvds_meta_release_func @ 64);
