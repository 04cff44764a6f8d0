//! The DeepStream reader against NvDs-shaped metadata that C code builds on real `GstBuffer`s
//! (tests/c/ds_meta.c, from pitchcam's own struct definitions in tests/c/ds_layout.h), and the C
//! `sizeof`/`offsetof` of those definitions against the Rust mirrors, for both ABIs.
//!
//! No DeepStream is needed: the fixture registers the `NvDsMetaAPI` meta API (tag `nvdsmeta`)
//! itself, as DeepStream's library would.

#[path = "deepstream_support.rs"]
mod support;

use std::mem::{offset_of, size_of};

use pitchcam::core::detect::{Mapping, Tensor, TensorLayout};
use pitchcam::deepstream::abi::{self, a, b};
use pitchcam::deepstream::{DsError, InputGeometry, LayerData, batch_meta_from_buffer};
use support::{Spec, c_layout, fp16_value, fp32_value, meta_fixture, serial};

const ROWS: u32 = 9;
const ANCHORS: u32 = 8400;
const N: usize = (ROWS * ANCHORS) as usize;

/// The Rust mirrors' numbers, named like the C table.
macro_rules! rows {
    ($v:ident; $( $t:ty : $cname:literal { $($cf:literal = $rf:ident),* $(,)? } )*) => {
        $(
            $v.push(($cname.to_string(), size_of::<$t>()));
            $( $v.push((format!("{}.{}", $cname, $cf), offset_of!($t, $rf))); )*
        )*
    };
}

fn common_rows(v: &mut Vec<(String, usize)>) {
    use abi::*;
    rows!(v;
        NvBufSurfacePlaneParams: "NvBufSurfacePlaneParams" {
            "num_planes" = num_planes, "width" = width, "height" = height, "pitch" = pitch,
            "offset" = offset, "psize" = psize, "bytesPerPix" = bytes_per_pix,
            "_reserved" = _reserved }
        NvDsBaseMeta: "NvDsBaseMeta" {
            "batch_meta" = batch_meta, "meta_type" = meta_type, "uContext" = u_context,
            "copy_func" = copy_func, "release_func" = release_func }
        NvDsUserMeta: "NvDsUserMeta" { "base_meta" = base_meta, "user_meta_data" = user_meta_data }
        NvDsBatchMeta: "NvDsBatchMeta" {
            "max_frames_in_batch" = max_frames_in_batch,
            "num_frames_in_batch" = num_frames_in_batch, "frame_meta_list" = frame_meta_list,
            "batch_user_meta_list" = batch_user_meta_list, "meta_mutex" = meta_mutex,
            "misc_batch_info" = misc_batch_info, "reserved" = reserved }
        NvDsInferDims: "NvDsInferDims" {
            "numDims" = num_dims, "d" = d, "numElements" = num_elements }
        NvDsInferLayerInfo: "NvDsInferLayerInfo" {
            "dataType" = data_type, "inferDims" = infer_dims, "bindingIndex" = binding_index,
            "layerName" = layer_name, "buffer" = buffer, "isInput" = is_input }
        NvDsInferNetworkInfo: "NvDsInferNetworkInfo" {}
        NvDsMeta: "NvDsMeta" {
            "meta_data" = meta_data, "user_data" = user_data, "meta_type" = meta_type,
            "copyfunc" = copy_func, "freefunc" = free_func,
            "gst_to_nvds_meta_transform_func" = gst_to_nvds_meta_transform_func,
            "gst_to_nvds_meta_release_func" = gst_to_nvds_meta_release_func }
        GList: "GList" { "data" = data, "next" = next, "prev" = prev }
    );
    // NvDsFrameMeta is a prefix mirror: offsets only (its full size is per ABI).
    for (c, off) in [
        ("pad_index", offset_of!(NvDsFrameMeta, pad_index)),
        ("batch_id", offset_of!(NvDsFrameMeta, batch_id)),
        ("frame_num", offset_of!(NvDsFrameMeta, frame_num)),
        ("buf_pts", offset_of!(NvDsFrameMeta, buf_pts)),
        ("ntp_timestamp", offset_of!(NvDsFrameMeta, ntp_timestamp)),
        ("source_id", offset_of!(NvDsFrameMeta, source_id)),
        ("num_surfaces_per_frame", offset_of!(NvDsFrameMeta, num_surfaces_per_frame)),
        ("source_frame_width", offset_of!(NvDsFrameMeta, source_frame_width)),
        ("source_frame_height", offset_of!(NvDsFrameMeta, source_frame_height)),
        ("surface_type", offset_of!(NvDsFrameMeta, surface_type)),
        ("surface_index", offset_of!(NvDsFrameMeta, surface_index)),
        ("num_obj_meta", offset_of!(NvDsFrameMeta, num_obj_meta)),
        ("bInferDone", offset_of!(NvDsFrameMeta, b_infer_done)),
        ("obj_meta_list", offset_of!(NvDsFrameMeta, obj_meta_list)),
        ("display_meta_list", offset_of!(NvDsFrameMeta, display_meta_list)),
        ("frame_user_meta_list", offset_of!(NvDsFrameMeta, frame_user_meta_list)),
        ("misc_frame_info", offset_of!(NvDsFrameMeta, misc_frame_info)),
        ("pipeline_width", offset_of!(NvDsFrameMeta, pipeline_width)),
        ("pipeline_height", offset_of!(NvDsFrameMeta, pipeline_height)),
    ] {
        v.push((format!("NvDsFrameMeta.{c}"), off));
    }
}

macro_rules! abi_rows {
    ($m:ident, $v:ident) => {{
        use $m::*;
        rows!($v;
            NvBufSurfaceParams: "NvBufSurfaceParams" {
                "width" = width, "height" = height, "pitch" = pitch,
                "colorFormat" = color_format, "layout" = layout, "bufferDesc" = buffer_desc,
                "dataSize" = data_size, "dataPtr" = data_ptr, "planeParams" = plane_params,
                "mappedAddr" = mapped_addr, "paramex" = paramex, "_reserved" = _reserved }
            NvBufSurface: "NvBufSurface" {
                "gpuId" = gpu_id, "batchSize" = batch_size, "numFilled" = num_filled,
                "isContiguous" = is_contiguous, "memType" = mem_type,
                "surfaceList" = surface_list, "_reserved" = _reserved }
            NvBufSurfaceCreateParams: "NvBufSurfaceCreateParams" {
                "gpuId" = gpu_id, "width" = width, "height" = height, "size" = size,
                "isContiguous" = is_contiguous, "colorFormat" = color_format,
                "layout" = layout, "memType" = mem_type }
            NvBufSurfTransformRect: "NvBufSurfTransformRect" {
                "top" = top, "left" = left, "width" = width, "height" = height }
            NvBufSurfTransformConfigParams: "NvBufSurfTransformConfigParams" {
                "compute_mode" = compute_mode, "gpu_id" = gpu_id, "cuda_stream" = cuda_stream }
            NvBufSurfTransformParams: "NvBufSurfTransformParams" {
                "transform_flag" = transform_flag, "transform_flip" = transform_flip,
                "transform_filter" = transform_filter, "src_rect" = src_rect,
                "dst_rect" = dst_rect }
            NvDsInferTensorMeta: "NvDsInferTensorMeta" {
                "unique_id" = unique_id, "num_output_layers" = num_output_layers,
                "output_layers_info" = output_layers_info,
                "out_buf_ptrs_host" = out_buf_ptrs_host, "out_buf_ptrs_dev" = out_buf_ptrs_dev,
                "gpu_id" = gpu_id, "priv_data" = priv_data, "network_info" = network_info,
                "maintain_aspect_ratio" = maintain_aspect_ratio }
        );
        $v.push(("NvDsFrameMeta.full_size".to_string(), NVDS_FRAME_META_SIZE));
    }};
}

fn rust_rows(abi_b: bool) -> Vec<(String, usize)> {
    let mut v = Vec::new();
    common_rows(&mut v);
    if abi_b {
        abi_rows!(b, v);
        use b::*;
        rows!(v;
            NvBufSurfaceMappedAddr: "NvBufSurfaceMappedAddr" {
                "addr" = addr, "eglImage" = egl_image, "nvmmPtr" = nvmm_ptr,
                "cudaPtr" = cuda_ptr, "_reserved" = _reserved }
        );
        v.push((
            "NvBufSurfaceParams.cudaBuffer".into(),
            offset_of!(NvBufSurfaceParams, cuda_buffer),
        ));
        v.push(("NvBufSurface.isImportedBuf".into(), offset_of!(NvBufSurface, is_imported_buf)));
        v.push((
            "NvDsInferTensorMeta.symmetric_padding".into(),
            offset_of!(NvDsInferTensorMeta, symmetric_padding),
        ));
    } else {
        abi_rows!(a, v);
        use a::*;
        rows!(v;
            NvBufSurfaceMappedAddr: "NvBufSurfaceMappedAddr" {
                "addr" = addr, "eglImage" = egl_image, "_reserved" = _reserved }
        );
    }
    v
}

fn compare_layouts(abi_b: bool) {
    let f = meta_fixture(abi_b);
    let mut c = c_layout(f);
    let mut r = rust_rows(abi_b);
    c.sort();
    r.sort();
    let label = if abi_b { "ABI-B" } else { "ABI-A" };
    for (name, v) in &c {
        println!("{label} {:<50} C {v:>4}", name);
    }
    let c_names: Vec<_> = c.iter().map(|(n, _)| n.as_str()).collect();
    let r_names: Vec<_> = r.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(c_names, r_names, "{label}: the C and Rust tables must name the same items");
    for ((name, cv), (_, rv)) in c.iter().zip(&r) {
        assert_eq!(cv, rv, "{label}: {name}: C says {cv}, Rust mirror says {rv}");
    }
    println!("{label}: {} sizes/offsets equal in C and Rust ({})", c.len(), std::env::consts::ARCH);
}

#[test]
fn c_layout_matches_rust_mirrors_abi_a() {
    compare_layouts(false);
}

#[test]
fn c_layout_matches_rust_mirrors_abi_b() {
    compare_layouts(true);
}

/// Owns one buffer reference.
struct Buf(*mut gstreamer_sys::GstBuffer);

impl Drop for Buf {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { gstreamer_sys::gst_mini_object_unref(self.0.cast()) };
    }
}

fn fixture_buffer(abi_b: bool, spec: Spec) -> Buf {
    let f = meta_fixture(abi_b);
    // SAFETY: a valid spec; the fixture returns an owned buffer or NULL.
    let p = unsafe { (f.buffer)(&spec) };
    assert!(!p.is_null(), "fixture refused the spec");
    Buf(p)
}

fn read_and_check(abi_b_fixture: bool) {
    let _g = serial();
    let f = meta_fixture(abi_b_fixture);
    // SAFETY: reads the fixture's counter.
    let live_before = unsafe { (f.live)() };
    let spec = Spec::new(2, 0);
    {
        let buf = fixture_buffer(abi_b_fixture, spec);
        // SAFETY: we hold the buffer for the whole block and nothing else touches its meta.
        let batch = unsafe { batch_meta_from_buffer(buf.0) }.expect("valid meta").expect("found");
        assert_eq!(batch.num_frames(), 2);
        let frames: Vec<_> = batch.frames().collect::<Result<_, _>>().expect("frames");
        assert_eq!(frames.len(), 2);
        let mut scratch = vec![0.0f32; N];
        for (fi, frame) in frames.iter().enumerate() {
            let fi = fi as u32;
            assert_eq!(frame.batch_id(), fi);
            assert_eq!(frame.frame_num(), 100 + fi as i32);
            assert_eq!(frame.buf_pts(), spec.pts_base + u64::from(fi));
            assert_eq!(frame.source_size(), (5700, 1900));
            let metas: Vec<_> = frame.tensor_metas().collect::<Result<_, _>>().expect("metas");
            assert_eq!(metas.len(), 1, "exactly the one tensor meta; the other user meta skipped");
            let tm = metas[0];
            assert_eq!((tm.unique_id(), tm.num_layers()), (1, 2));
            assert_eq!((tm.network_info().width, tm.network_info().height), (1920, 640));
            assert!(tm.maintain_aspect_ratio());
            let geom =
                InputGeometry::FullFrame { width: 5700, height: 1900, symmetric_padding: true };
            // An ABI-B build reading an ABI-A fixture would read `symmetric_padding` past the
            // end of the DS 6/7 struct: the one field that is not version-independent.
            let tail_readable = !abi::ABI_B || abi_b_fixture;
            if tail_readable {
                let want = Mapping::letterbox(5700, 1900, 1920, 640, true);
                assert_eq!(tm.mapping(&geom).expect("map"), want);
            }

            let l0 = tm.layer(0).expect("layer 0");
            assert_eq!(l0.dims(), &[ROWS, ANCHORS]);
            let LayerData::F32(d0) = l0.data() else { panic!("layer 0 is FP32") };
            assert_eq!(d0.len(), N);
            for (i, &v) in d0.iter().enumerate() {
                assert_eq!(v, fp32_value(fi, i as u32), "frame {fi} fp32[{i}]");
            }
            let s0 = l0.head_shape().expect("head");
            assert_eq!(
                (s0.rows, s0.anchors, s0.layout),
                (ROWS, ANCHORS, TensorLayout::ChannelsFirst)
            );

            let l1 = tm.layer(1).expect("layer 1");
            assert_eq!(l1.dims(), &[1, ANCHORS, ROWS]);
            assert!(matches!(l1.data(), LayerData::F16(h) if h.len() == N));
            let s1 = l1.head_shape().expect("head");
            assert_eq!(
                (s1.rows, s1.anchors, s1.layout),
                (ROWS, ANCHORS, TensorLayout::AnchorsFirst)
            );
            let t: Tensor<'_> = l1.tensor(&mut scratch, Mapping::IDENTITY).expect("fp16 tensor");
            assert_eq!(
                (t.rows(), t.anchors(), t.layout()),
                (ROWS, ANCHORS, TensorLayout::AnchorsFirst)
            );
            for (i, &v) in t.data().iter().enumerate() {
                let want = fp16_value(fi, i as u32);
                if want.is_nan() {
                    assert!(v.is_nan(), "frame {fi} fp16[{i}] must be NaN");
                } else {
                    assert_eq!(v.to_bits(), want.to_bits(), "frame {fi} fp16[{i}]");
                }
            }
            assert_eq!(tm.layer(2).map(|_| ()), Err(DsError::NoSuchLayer { index: 2, count: 2 }));

            // The one-call path the analysis stage uses: both heads, FP16 in the scratch.
            let mut big = vec![0.0f32; N];
            {
                let mut out: heapless::Vec<Tensor<'_>, 4> = heapless::Vec::new();
                let n = frame.push_tensors(&geom, &mut big, &mut out).expect("push");
                assert_eq!((n, out.len()), (2, 2));
                assert_eq!(out[0].layout(), TensorLayout::ChannelsFirst);
                assert_eq!(out[1].layout(), TensorLayout::AnchorsFirst);
                assert_eq!(out[1].data()[4], fp16_value(fi, 4));
                if tail_readable {
                    assert_eq!(out[0].mapping(), Mapping::letterbox(5700, 1900, 1920, 640, true));
                }
            }
            {
                let mut small = vec![0.0f32; N - 1];
                let mut out: heapless::Vec<Tensor<'_>, 4> = heapless::Vec::new();
                assert_eq!(
                    frame.push_tensors(&geom, &mut small, &mut out),
                    Err(DsError::ScratchTooSmall { needed: N, available: N - 1 })
                );
            }
            {
                let mut out: heapless::Vec<Tensor<'_>, 1> = heapless::Vec::new();
                assert_eq!(
                    frame.push_tensors(&geom, &mut big, &mut out),
                    Err(DsError::TooManyTensors { capacity: 1 })
                );
            }
        }
    }
    // SAFETY: reads the fixture's counter.
    assert_eq!(unsafe { (f.live)() }, live_before, "the meta's free function released the arena");
}

#[test]
fn reader_finds_tensors_built_by_c_for_this_build_abi() {
    read_and_check(abi::ABI_B);
}

#[test]
fn metadata_prefix_reads_the_same_from_the_other_abi() {
    // The metadata path touches only version-independent prefixes, so the other ABI's fixture
    // reads the same (only the tensor meta tail, `symmetric_padding`, differs).
    read_and_check(!abi::ABI_B);
}

#[test]
fn mapping_follows_the_meta_flags() {
    let _g = serial();
    let mut spec = Spec::new(1, 0);
    spec.maintain_aspect_ratio = 0;
    spec.net_w = 640;
    spec.net_h = 640;
    let buf = fixture_buffer(abi::ABI_B, spec);
    // SAFETY: we hold the buffer.
    let batch = unsafe { batch_meta_from_buffer(buf.0) }.unwrap().unwrap();
    let frame = batch.frames().next().unwrap().unwrap();
    let tm = frame.tensor_metas().next().unwrap().unwrap();
    let geom = InputGeometry::FullFrame { width: 5700, height: 1900, symmetric_padding: true };
    assert_eq!(tm.mapping(&geom).unwrap(), Mapping::tile(0, 0, 5700, 1900, 640, 640));
    let m = Mapping::tile(1000, 200, 1280, 640, 640, 640);
    assert_eq!(tm.mapping(&InputGeometry::Explicit(m)).unwrap(), m);
    let zero = InputGeometry::FullFrame { width: 0, height: 1900, symmetric_padding: false };
    assert_eq!(tm.mapping(&zero), Err(DsError::BadFrameSize));
    if abi::ABI_B {
        assert_eq!(tm.symmetric_padding(), Some(true));
    } else {
        assert_eq!(tm.symmetric_padding(), None);
    }
}

/// Reads a whole fixture and returns the first error on the path to every tensor.
fn first_error(defect: u32) -> Result<usize, DsError> {
    let buf = fixture_buffer(abi::ABI_B, Spec::new(2, defect));
    // SAFETY: we hold the buffer while reading.
    let Some(batch) = (unsafe { batch_meta_from_buffer(buf.0) })? else { return Ok(0) };
    // Walk the list first (cheap), so a cycle is found without decoding thousands of frames.
    let frames: Vec<_> = batch.frames().collect::<Result<_, _>>()?;
    let mut scratch = vec![0.0f32; N];
    let geom = InputGeometry::FullFrame { width: 5700, height: 1900, symmetric_padding: false };
    let mut n = 0;
    for frame in frames {
        let mut out: heapless::Vec<Tensor<'_>, 4> = heapless::Vec::new();
        n += frame.push_tensors(&geom, &mut scratch, &mut out)?;
    }
    Ok(n)
}

#[test]
fn malformed_metadata_gives_specific_errors() {
    let _g = serial();
    assert_eq!(first_error(0), Ok(4), "2 frames × 2 heads");
    let cases = [
        (1, DsError::NullPointer("frame_meta_list")),
        (2, DsError::NullPointer("NvDsInferTensorMeta")),
        (3, DsError::ElementCountMismatch { product: N as u64, num_elements: N as u32 + 1 }),
        (4, DsError::BadDimCount(9)),
        (5, DsError::UnsupportedDataType(2)),
        (6, DsError::NoHostCopy),
        (7, DsError::ListTooLong("frame_meta_list")),
        (8, DsError::TooManyElements),
        (9, DsError::Misaligned("out_buf_ptrs_host[i]")),
        (11, DsError::NotADetectionHead { rank: 2, dims: [100, 200] }),
        (12, DsError::ZeroDim),
    ];
    for (defect, want) in cases {
        assert_eq!(first_error(defect), Err(want), "defect {defect}");
        println!("defect {defect:>2} -> {want}");
    }
    assert_eq!(first_error(10), Ok(0), "a tagged meta of another type is not a batch");
}

#[test]
fn buffers_without_deepstream_meta() {
    support::gst_init();
    // SAFETY: a fresh buffer we own.
    let plain = Buf(unsafe { gstreamer_sys::gst_buffer_new() });
    // SAFETY: we hold it.
    assert!(matches!(unsafe { batch_meta_from_buffer(plain.0) }, Ok(None)));
    // SAFETY: NULL is accepted and reported.
    assert_eq!(
        unsafe { batch_meta_from_buffer(std::ptr::null_mut()) }.map(|_| ()),
        Err(DsError::NullPointer("GstBuffer"))
    );
}

/// The safe path the engine uses: a `gst::Buffer` frame and `TensorSource::Borrowed` with the
/// DeepStream reader; mapping from the frame meta's sizes.
#[test]
fn tensor_source_borrowed_reads_deepstream_tensors() {
    use pitchcam::deepstream::DEEPSTREAM_READER;
    use pitchcam::gst::Buffer;
    use pitchcam::tensor_meta::{TensorMetaError, TensorSource};

    let _g = serial();
    let own = |spec: Spec| {
        let b = fixture_buffer(abi::ABI_B, spec);
        let p = std::ptr::NonNull::new(b.0).unwrap();
        std::mem::forget(b);
        // SAFETY: we hand our one reference to the Buffer.
        unsafe { Buffer::from_glib_full(p) }
    };

    // FP32 head only: both frames' tensors, borrowed from the frame, mapped from the meta.
    let src = TensorSource::Borrowed { frame: own(Spec::new(2, 13)), reader: DEEPSTREAM_READER };
    let map = src.map().expect("read");
    let tensors = map.tensors();
    assert_eq!(tensors.len(), 2);
    for (f, t) in tensors.iter().enumerate() {
        assert_eq!(
            (t.rows(), t.anchors(), t.layout()),
            (ROWS, ANCHORS, TensorLayout::ChannelsFirst)
        );
        assert_eq!(t.data()[123], fp32_value(f as u32, 123));
        assert_eq!(t.mapping(), Mapping::letterbox(5700, 1900, 1920, 640, true));
    }

    // nvstreammux scaled the panorama to 2850x950: network → muxer → source pixels.
    let src = TensorSource::Borrowed { frame: own(Spec::new(1, 14)), reader: DEEPSTREAM_READER };
    let err = src.map().map(|m| m.tensors().len());
    assert_eq!(
        err,
        Err(TensorMetaError::Foreign(
            "DeepStream FP16 output layer: read it with FrameMeta::push_tensors and a scratch"
        )),
        "the FP16 layer is refused with its reason"
    );
    let buf = own(Spec::new(1, 14));
    let batch = pitchcam::deepstream::batch_meta(&buf).unwrap().unwrap();
    let frame = batch.frames().next().unwrap().unwrap();
    assert_eq!((frame.pipeline_size(), frame.source_size()), ((2850, 950), (5700, 1900)));
    let tm = frame.tensor_metas().next().unwrap().unwrap();
    let m = tm.mapping(&InputGeometry::FromFrameMeta { symmetric_padding: true }).unwrap();
    // The network's centre is the panorama's centre; its right edge is the panorama's.
    let (cx, cy) = (960.0 * m.scale_x + m.offset_x, 320.0 * m.scale_y + m.offset_y);
    assert!((cx - 2850.0).abs() < 0.01 && (cy - 950.0).abs() < 0.01, "({cx}, {cy})");
    assert!((1920.0 * m.scale_x + m.offset_x - 5700.0).abs() < 0.01);

    // No DeepStream meta: no tensors, no error.
    support::gst_init();
    // SAFETY: a fresh buffer, our reference handed over.
    let plain = unsafe {
        Buffer::from_glib_full(std::ptr::NonNull::new(gstreamer_sys::gst_buffer_new()).unwrap())
    };
    let src = TensorSource::Borrowed { frame: plain, reader: DEEPSTREAM_READER };
    assert_eq!(src.map().expect("empty").tensors().len(), 0);
}
