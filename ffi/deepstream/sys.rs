//! bindgen's view of the installed DeepStream headers, and the compile-time proof that the
//! hand-written mirrors agree with it.
//!
//! Compiled only when `build.rs` found headers and bindgen ran (`cfg(pitchcam_ds_bindgen)`).
//! [`generated`] holds exactly the allowlisted types, functions and constants. Every `same!` /
//! `prefix!` below compares a mirror of [`super::abi`] (this build's ABI) with its generated twin:
//! size, alignment and the offset of every field pitchcam reads or writes. A disagreement fails
//! the build with a message naming the type and field — on the Jetson, that is the signal to flip
//! the ABI (it is read from the headers) or to fix a mirror, never a silent misread.
//!
//! [`LAYOUT`] records the same numbers as data, so a test can print and compare them.

/// The bindings bindgen wrote to `$OUT_DIR/deepstream_sys.rs`.
#[allow(
    non_camel_case_types,
    non_snake_case,
    non_upper_case_globals,
    dead_code,
    missing_docs,
    unsafe_op_in_unsafe_fn,
    clippy::all,
    clippy::undocumented_unsafe_blocks
)]
pub mod generated {
    include!(concat!(env!("OUT_DIR"), "/deepstream_sys.rs"));
}

use core::mem::{align_of, offset_of, size_of};

use super::abi as m;
use generated as g;

/// One compared item: mirror and generated numbers side by side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayoutRow {
    /// `Type` or `Type.field`.
    pub item: &'static str,
    /// What the mirror says (size, or offset).
    pub mirror: usize,
    /// What bindgen generated.
    pub generated: usize,
}

/// Compares a whole struct: equal size and alignment, and the listed field offsets.
macro_rules! same {
    ($rows:ident; $mt:ty, $gt:ty $(, $mf:ident = $($gf:ident).+)* $(,)?) => {
        const _: () = {
            assert!(size_of::<$mt>() == size_of::<$gt>(),
                concat!("DeepStream headers disagree with the mirror on sizeof(", stringify!($gt), ")"));
            assert!(align_of::<$mt>() == align_of::<$gt>(),
                concat!("DeepStream headers disagree with the mirror on alignof(", stringify!($gt), ")"));
            $(assert!(offset_of!($mt, $mf) == offset_of!($gt, $($gf).+),
                concat!("DeepStream headers disagree with the mirror on offsetof(",
                        stringify!($gt), ", ", stringify!($($gf).+), ")"));)*
        };
        $rows.push(LayoutRow { item: stringify!($gt), mirror: size_of::<$mt>(), generated: size_of::<$gt>() });
        $($rows.push(LayoutRow {
            item: concat!(stringify!($gt), ".", stringify!($($gf).+)),
            mirror: offset_of!($mt, $mf),
            generated: offset_of!($gt, $($gf).+),
        });)*
    };
}

/// Compares a prefix mirror: the generated struct may be longer; the listed offsets must match.
macro_rules! prefix {
    ($rows:ident; $mt:ty, $gt:ty $(, $mf:ident = $($gf:ident).+)* $(,)?) => {
        const _: () = {
            assert!(size_of::<$mt>() <= size_of::<$gt>(),
                concat!("the ", stringify!($gt), " prefix mirror is longer than the header's struct"));
            $(assert!(offset_of!($mt, $mf) == offset_of!($gt, $($gf).+),
                concat!("DeepStream headers disagree with the mirror on offsetof(",
                        stringify!($gt), ", ", stringify!($($gf).+), ")"));)*
        };
        $rows.push(LayoutRow { item: concat!(stringify!($gt), " (prefix ≤ full)"), mirror: size_of::<$mt>(), generated: size_of::<$gt>() });
        $($rows.push(LayoutRow {
            item: concat!(stringify!($gt), ".", stringify!($($gf).+)),
            mirror: offset_of!($mt, $mf),
            generated: offset_of!($gt, $($gf).+),
        });)*
    };
}

/// Compares C enum / macro constants.
macro_rules! same_value {
    ($($mirror:expr => $gen:path),* $(,)?) => {
        const _: () = {
            $(assert!(($mirror) as i64 == ($gen) as i64,
                concat!("DeepStream headers disagree with the mirror on ", stringify!($gen)));)*
        };
    };
}

fn surface_rows(rows: &mut Vec<LayoutRow>) {
    same!(rows; m::NvBufSurfacePlaneParams, g::NvBufSurfacePlaneParams,
        num_planes = num_planes, width = width, height = height, pitch = pitch, offset = offset,
        psize = psize, bytes_per_pix = bytesPerPix, _reserved = _reserved);
    same!(rows; m::NvBufSurfaceMappedAddr, g::NvBufSurfaceMappedAddr,
        addr = addr, egl_image = eglImage, _reserved = _reserved);
    same!(rows; m::NvBufSurfaceParams, g::NvBufSurfaceParams,
        width = width, height = height, pitch = pitch, color_format = colorFormat,
        layout = layout, buffer_desc = bufferDesc, data_size = dataSize, data_ptr = dataPtr,
        plane_params = planeParams, mapped_addr = mappedAddr, paramex = paramex,
        _reserved = _reserved);
    same!(rows; m::NvBufSurface, g::NvBufSurface,
        gpu_id = gpuId, batch_size = batchSize, num_filled = numFilled,
        is_contiguous = isContiguous, mem_type = memType, surface_list = surfaceList,
        _reserved = _reserved);
    same!(rows; m::NvBufSurfaceCreateParams, g::NvBufSurfaceCreateParams,
        gpu_id = gpuId, width = width, height = height, size = size,
        is_contiguous = isContiguous, color_format = colorFormat, layout = layout,
        mem_type = memType);
    #[cfg(pitchcam_ds_abi_b)]
    {
        same!(rows; m::NvBufSurfaceMappedAddr, g::NvBufSurfaceMappedAddr,
            nvmm_ptr = nvmmPtr, cuda_ptr = cudaPtr);
        same!(rows; m::NvBufSurfaceParams, g::NvBufSurfaceParams, cuda_buffer = cudaBuffer);
        same!(rows; m::NvBufSurface, g::NvBufSurface, is_imported_buf = isImportedBuf);
    }
    same_value!(
        m::NVBUF_MAX_PLANES => g::NVBUF_MAX_PLANES,
        m::STRUCTURE_PADDING => g::STRUCTURE_PADDING,
        m::NvBufSurfaceMemType::DEFAULT.0 => g::NVBUF_MEM_DEFAULT,
        m::NvBufSurfaceMemType::CUDA_PINNED.0 => g::NVBUF_MEM_CUDA_PINNED,
        m::NvBufSurfaceMemType::CUDA_DEVICE.0 => g::NVBUF_MEM_CUDA_DEVICE,
        m::NvBufSurfaceMemType::CUDA_UNIFIED.0 => g::NVBUF_MEM_CUDA_UNIFIED,
        m::NvBufSurfaceMemType::SURFACE_ARRAY.0 => g::NVBUF_MEM_SURFACE_ARRAY,
        m::NvBufSurfaceMemType::HANDLE.0 => g::NVBUF_MEM_HANDLE,
        m::NvBufSurfaceMemType::SYSTEM.0 => g::NVBUF_MEM_SYSTEM,
        m::NvBufSurfaceColorFormat::NV12.0 => g::NVBUF_COLOR_FORMAT_NV12,
        m::NvBufSurfaceColorFormat::NV12_ER.0 => g::NVBUF_COLOR_FORMAT_NV12_ER,
        m::NvBufSurfaceColorFormat::RGBA.0 => g::NVBUF_COLOR_FORMAT_RGBA,
        m::NvBufSurfaceColorFormat::NV12_709.0 => g::NVBUF_COLOR_FORMAT_NV12_709,
        m::NvBufSurfaceColorFormat::NV12_709_ER.0 => g::NVBUF_COLOR_FORMAT_NV12_709_ER,
        m::NvBufSurfaceLayout::PITCH.0 => g::NVBUF_LAYOUT_PITCH,
        m::NvBufSurfaceLayout::BLOCK_LINEAR.0 => g::NVBUF_LAYOUT_BLOCK_LINEAR,
        m::NvBufSurfaceMemMapFlags::READ.0 => g::NVBUF_MAP_READ,
        m::NvBufSurfaceMemMapFlags::WRITE.0 => g::NVBUF_MAP_WRITE,
        m::NvBufSurfaceMemMapFlags::READ_WRITE.0 => g::NVBUF_MAP_READ_WRITE,
    );
}

#[cfg(pitchcam_ds_bindgen_transform)]
fn transform_rows(rows: &mut Vec<LayoutRow>) {
    same!(rows; m::NvBufSurfTransformRect, g::NvBufSurfTransformRect,
        top = top, left = left, width = width, height = height);
    same!(rows; m::NvBufSurfTransformConfigParams, g::NvBufSurfTransformConfigParams,
        compute_mode = compute_mode, gpu_id = gpu_id, cuda_stream = cuda_stream);
    same!(rows; m::NvBufSurfTransformParams, g::NvBufSurfTransformParams,
        transform_flag = transform_flag, transform_flip = transform_flip,
        transform_filter = transform_filter, src_rect = src_rect, dst_rect = dst_rect);
    same_value!(
        m::NvBufSurfTransformError::SUCCESS.0 => g::NvBufSurfTransformError_Success,
        m::NvBufSurfTransformError::INVALID_PARAMS.0 => g::NvBufSurfTransformError_Invalid_Params,
        m::NvBufSurfTransformError::ROI_ERROR.0 => g::NvBufSurfTransformError_ROI_Error,
        m::NvBufSurfTransformCompute::DEFAULT.0 => g::NvBufSurfTransformCompute_Default,
        m::NvBufSurfTransformCompute::GPU.0 => g::NvBufSurfTransformCompute_GPU,
        m::NvBufSurfTransformCompute::VIC.0 => g::NvBufSurfTransformCompute_VIC,
        m::NvBufSurfTransformFlip::NONE.0 => g::NvBufSurfTransform_None,
        m::NvBufSurfTransformInter::NEAREST.0 => g::NvBufSurfTransformInter_Nearest,
        m::NvBufSurfTransformInter::BILINEAR.0 => g::NvBufSurfTransformInter_Bilinear,
        m::NvBufSurfTransformInter::DEFAULT.0 => g::NvBufSurfTransformInter_Default,
        super::abi::transform_flag::CROP_SRC => g::NVBUFSURF_TRANSFORM_CROP_SRC,
        super::abi::transform_flag::CROP_DST => g::NVBUFSURF_TRANSFORM_CROP_DST,
        super::abi::transform_flag::FILTER => g::NVBUFSURF_TRANSFORM_FILTER,
    );
}

fn meta_rows(rows: &mut Vec<LayoutRow>) {
    same!(rows; m::NvDsBaseMeta, g::NvDsBaseMeta,
        batch_meta = batch_meta, meta_type = meta_type, u_context = uContext,
        copy_func = copy_func, release_func = release_func);
    same!(rows; m::NvDsUserMeta, g::NvDsUserMeta,
        base_meta = base_meta, user_meta_data = user_meta_data);
    same!(rows; m::NvDsBatchMeta, g::NvDsBatchMeta,
        base_meta = base_meta, max_frames_in_batch = max_frames_in_batch,
        num_frames_in_batch = num_frames_in_batch, frame_meta_list = frame_meta_list,
        batch_user_meta_list = batch_user_meta_list, meta_mutex = meta_mutex,
        misc_batch_info = misc_batch_info, reserved = reserved);
    prefix!(rows; m::NvDsFrameMeta, g::NvDsFrameMeta,
        base_meta = base_meta, pad_index = pad_index, batch_id = batch_id,
        frame_num = frame_num, buf_pts = buf_pts, ntp_timestamp = ntp_timestamp,
        source_id = source_id, num_surfaces_per_frame = num_surfaces_per_frame,
        source_frame_width = source_frame_width, source_frame_height = source_frame_height,
        surface_type = surface_type, surface_index = surface_index,
        num_obj_meta = num_obj_meta, b_infer_done = bInferDone,
        obj_meta_list = obj_meta_list, display_meta_list = display_meta_list,
        frame_user_meta_list = frame_user_meta_list, misc_frame_info = misc_frame_info,
        pipeline_width = pipeline_width, pipeline_height = pipeline_height);
    const _: () = assert!(
        size_of::<g::NvDsFrameMeta>() == m::NVDS_FRAME_META_SIZE,
        "sizeof(NvDsFrameMeta) differs from the documented size for this ABI"
    );
    same!(rows; m::GList, glib_sys::GList, data = data, next = next, prev = prev);
    same_value!(
        m::NvDsMetaType::NVDSINFER_TENSOR_OUTPUT.0 => g::NVDSINFER_TENSOR_OUTPUT_META,
        m::NvDsMetaType::USER.0 => g::NVDS_USER_META,
        m::NvDsMetaType::GST_CUSTOM.0 => g::NVDS_GST_CUSTOM_META,
    );
}

#[cfg(pitchcam_ds_bindgen_gstmeta)]
fn gstmeta_rows(rows: &mut Vec<LayoutRow>) {
    same!(rows; m::NvDsMeta, g::NvDsMeta,
        meta = meta, meta_data = meta_data, user_data = user_data, meta_type = meta_type,
        copy_func = copyfunc, free_func = freefunc,
        gst_to_nvds_meta_transform_func = gst_to_nvds_meta_transform_func,
        gst_to_nvds_meta_release_func = gst_to_nvds_meta_release_func);
    same_value!(m::GstNvDsMetaType::BATCH.0 => g::NVDS_BATCH_GST_META);
}

#[cfg(pitchcam_ds_bindgen_infer)]
fn infer_rows(rows: &mut Vec<LayoutRow>) {
    same!(rows; m::NvDsInferDims, g::NvDsInferDims,
        num_dims = numDims, d = d, num_elements = numElements);
    same!(rows; m::NvDsInferNetworkInfo, g::NvDsInferNetworkInfo,
        width = width, height = height, channels = channels);
    // `inferDims` sits in an anonymous union with its deprecated alias `dims`.
    same!(rows; m::NvDsInferLayerInfo, g::NvDsInferLayerInfo,
        data_type = dataType, infer_dims = __bindgen_anon_1.inferDims,
        binding_index = bindingIndex, layer_name = layerName, buffer = buffer,
        is_input = isInput);
    same!(rows; m::NvDsInferTensorMeta, g::NvDsInferTensorMeta,
        unique_id = unique_id, num_output_layers = num_output_layers,
        output_layers_info = output_layers_info, out_buf_ptrs_host = out_buf_ptrs_host,
        out_buf_ptrs_dev = out_buf_ptrs_dev, gpu_id = gpu_id, priv_data = priv_data,
        network_info = network_info, maintain_aspect_ratio = maintain_aspect_ratio);
    #[cfg(pitchcam_ds_abi_b)]
    same!(rows; m::NvDsInferTensorMeta, g::NvDsInferTensorMeta,
        symmetric_padding = symmetric_padding);
    same_value!(
        m::NVDSINFER_MAX_DIMS => g::NVDSINFER_MAX_DIMS,
        m::NvDsInferDataType::FLOAT.0 => g::FLOAT,
        m::NvDsInferDataType::HALF.0 => g::HALF,
        m::NvDsInferDataType::INT8.0 => g::INT8,
        m::NvDsInferDataType::INT32.0 => g::INT32,
    );
}

/// The signatures pitchcam declares by hand, checked for arity, integer widths and return types
/// against the generated ones (the struct pointees are checked above).
#[cfg(feature = "deepstream")]
const _: () = {
    use core::ffi::c_int;
    let _: unsafe extern "C" fn(
        *mut *mut g::NvBufSurface,
        u32,
        *mut g::NvBufSurfaceCreateParams,
    ) -> c_int = g::NvBufSurfaceCreate;
    let _: unsafe extern "C" fn(*mut g::NvBufSurface) -> c_int = g::NvBufSurfaceDestroy;
    let _: unsafe extern "C" fn(
        *mut g::NvBufSurface,
        c_int,
        c_int,
        g::NvBufSurfaceMemMapFlags,
    ) -> c_int = g::NvBufSurfaceMap;
    let _: unsafe extern "C" fn(*mut g::NvBufSurface, c_int, c_int) -> c_int = g::NvBufSurfaceUnMap;
    let _: unsafe extern "C" fn(*mut g::NvBufSurface, c_int, c_int) -> c_int =
        g::NvBufSurfaceSyncForCpu;
    let _: unsafe extern "C" fn(*mut g::NvBufSurface, c_int, c_int) -> c_int =
        g::NvBufSurfaceSyncForDevice;
};

#[cfg(all(feature = "deepstream", pitchcam_ds_bindgen_transform))]
const _: () = {
    let _: unsafe extern "C" fn(
        *mut g::NvBufSurface,
        *mut g::NvBufSurface,
        *mut g::NvBufSurfTransformParams,
    ) -> g::NvBufSurfTransform_Error = g::NvBufSurfTransform;
    let _: unsafe extern "C" fn(
        *mut g::NvBufSurfTransformConfigParams,
    ) -> g::NvBufSurfTransform_Error = g::NvBufSurfTransformSetSessionParams;
};

/// Every compared number (mirror vs bindgen), for tests and diagnostics. The build already
/// failed if any pair differed; this is the record.
pub fn layout_rows() -> Vec<LayoutRow> {
    let mut rows = Vec::new();
    surface_rows(&mut rows);
    meta_rows(&mut rows);
    #[cfg(pitchcam_ds_bindgen_transform)]
    transform_rows(&mut rows);
    #[cfg(pitchcam_ds_bindgen_gstmeta)]
    gstmeta_rows(&mut rows);
    #[cfg(pitchcam_ds_bindgen_infer)]
    infer_rows(&mut rows);
    rows
}

/// Which optional headers bindgen covered in this build.
pub const COVERED: Coverage = Coverage {
    transform: cfg!(pitchcam_ds_bindgen_transform),
    gstmeta: cfg!(pitchcam_ds_bindgen_gstmeta),
    infer: cfg!(pitchcam_ds_bindgen_infer),
};

/// Which optional header groups the bindings cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Coverage {
    /// `nvbufsurftransform.h`.
    pub transform: bool,
    /// `gstnvdsmeta.h`.
    pub gstmeta: bool,
    /// `gstnvdsinfer.h`.
    pub infer: bool,
}
