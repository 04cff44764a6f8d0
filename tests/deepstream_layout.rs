//! The ABI mirrors' layouts, printed for the CI log on every architecture the tests run on
//! (the same numbers are compile-time assertions in ffi/deepstream/abi), and — when `build.rs`
//! found DeepStream headers and ran bindgen — the mirrors against bindgen's types.

use std::mem::{align_of, offset_of, size_of};
use std::path::Path;

use pitchcam::deepstream::abi::{self, a, b};

/// (item, measured, documented in deepstream-abi.md)
fn documented() -> Vec<(&'static str, usize, usize)> {
    vec![
        ("A NvBufSurface", size_of::<a::NvBufSurface>(), 64),
        ("A NvBufSurface.surfaceList", offset_of!(a::NvBufSurface, surface_list), 24),
        ("A NvBufSurfaceParams", size_of::<a::NvBufSurfaceParams>(), 384),
        ("A NvBufSurfaceParams.mappedAddr", offset_of!(a::NvBufSurfaceParams, mapped_addr), 280),
        ("A NvBufSurfaceParams.paramex", offset_of!(a::NvBufSurfaceParams, paramex), 352),
        ("A NvBufSurfaceMappedAddr", size_of::<a::NvBufSurfaceMappedAddr>(), 72),
        ("A NvBufSurfaceCreateParams", size_of::<a::NvBufSurfaceCreateParams>(), 32),
        ("A NvBufSurfTransformRect", size_of::<a::NvBufSurfTransformRect>(), 16),
        ("A NvBufSurfTransformParams", size_of::<a::NvBufSurfTransformParams>(), 32),
        ("A NvBufSurfTransformConfigParams", size_of::<a::NvBufSurfTransformConfigParams>(), 16),
        ("A NvDsInferTensorMeta", size_of::<a::NvDsInferTensorMeta>(), 64),
        ("B NvBufSurface", size_of::<b::NvBufSurface>(), 72),
        ("B NvBufSurface.isImportedBuf", offset_of!(b::NvBufSurface, is_imported_buf), 32),
        ("B NvBufSurfaceParams", size_of::<b::NvBufSurfaceParams>(), 416),
        ("B NvBufSurfaceParams.cudaBuffer", offset_of!(b::NvBufSurfaceParams, cuda_buffer), 376),
        ("B NvBufSurfaceMappedAddr", size_of::<b::NvBufSurfaceMappedAddr>(), 88),
        ("B NvBufSurfaceCreateParams", size_of::<b::NvBufSurfaceCreateParams>(), 64),
        ("B NvBufSurfTransformRect", size_of::<b::NvBufSurfTransformRect>(), 48),
        ("B NvBufSurfTransformParams", size_of::<b::NvBufSurfTransformParams>(), 64),
        ("B NvBufSurfTransformConfigParams", size_of::<b::NvBufSurfTransformConfigParams>(), 48),
        ("B NvDsInferTensorMeta", size_of::<b::NvDsInferTensorMeta>(), 72),
        ("NvBufSurfacePlaneParams", size_of::<abi::NvBufSurfacePlaneParams>(), 232),
        ("NvDsBaseMeta", size_of::<abi::NvDsBaseMeta>(), 40),
        ("NvDsUserMeta", size_of::<abi::NvDsUserMeta>(), 48),
        ("NvDsBatchMeta", size_of::<abi::NvDsBatchMeta>(), 192),
        ("NvDsBatchMeta.frame_meta_list", offset_of!(abi::NvDsBatchMeta, frame_meta_list), 96),
        ("NvDsFrameMeta.batch_id", offset_of!(abi::NvDsFrameMeta, batch_id), 44),
        ("NvDsFrameMeta.frame_num", offset_of!(abi::NvDsFrameMeta, frame_num), 48),
        ("NvDsFrameMeta.buf_pts", offset_of!(abi::NvDsFrameMeta, buf_pts), 56),
        ("NvDsFrameMeta.source_id", offset_of!(abi::NvDsFrameMeta, source_id), 72),
        (
            "NvDsFrameMeta.frame_user_meta_list",
            offset_of!(abi::NvDsFrameMeta, frame_user_meta_list),
            120,
        ),
        ("NvDsFrameMeta.pipeline_width", offset_of!(abi::NvDsFrameMeta, pipeline_width), 160),
        ("NvDsInferLayerInfo", size_of::<abi::NvDsInferLayerInfo>(), 72),
        ("NvDsInferDims", size_of::<abi::NvDsInferDims>(), 40),
        ("NvDsMeta", size_of::<abi::NvDsMeta>(), 72),
        ("NvDsMeta.meta_type", offset_of!(abi::NvDsMeta, meta_type), 32),
    ]
}

#[test]
fn mirrors_have_the_documented_layout_on_this_target() {
    let rows = documented();
    for (item, got, want) in &rows {
        println!("{:<8} {item:<40} {got:>4} (documented {want})", std::env::consts::ARCH);
    }
    for (item, got, want) in &rows {
        assert_eq!(got, want, "{item} on {}", std::env::consts::ARCH);
    }
    assert_eq!(align_of::<abi::NvDsBatchMeta>(), 8);
    println!(
        "{}: {} layout facts hold; this build reads ABI-{}",
        std::env::consts::ARCH,
        rows.len(),
        if abi::ABI_B { "B (DeepStream 8.0+)" } else { "A (DeepStream 6.1-7.1)" }
    );
}

#[test]
fn bindgen_ran_exactly_when_headers_were_there() {
    // What build.rs should have done, from the same inputs it saw.
    let off = option_env!("PITCHCAM_DS_BINDGEN") == Some("0");
    let headers = option_env!("DEEPSTREAM_DIR").is_some()
        || Path::new("/opt/nvidia/deepstream/deepstream/sources/includes/nvdsmeta.h").exists();
    println!(
        "DEEPSTREAM_DIR={:?}, bindgen checked the mirrors: {}",
        option_env!("DEEPSTREAM_DIR"),
        pitchcam::deepstream::BINDGEN_CHECKED
    );
    assert_eq!(pitchcam::deepstream::BINDGEN_CHECKED, headers && !off);
}

#[cfg(pitchcam_ds_bindgen)]
#[test]
fn mirrors_equal_the_bindgen_types() {
    use pitchcam::deepstream::sys;
    let rows = sys::layout_rows();
    for r in &rows {
        println!("bindgen {:<56} mirror {:>4} generated {:>4}", r.item, r.mirror, r.generated);
    }
    for r in &rows {
        assert!(r.item.contains("prefix") || r.mirror == r.generated, "{r:?}");
        assert!(r.mirror <= r.generated, "{r:?}");
    }
    println!("bindgen coverage: {:?}", sys::COVERED);
    // The test that writes the fake headers says which optional groups must be covered.
    if let Some(expect) = option_env!("PITCHCAM_EXPECT_COVERAGE") {
        let want = sys::Coverage {
            transform: expect.contains("transform"),
            gstmeta: expect.contains("gstmeta"),
            infer: expect.contains("infer"),
        };
        assert_eq!(sys::COVERED, want);
    }
    let minimum = 40; // NvBufSurface* and the metadata structs: always covered
    assert!(rows.len() >= minimum, "only {} rows compared", rows.len());
    println!("bindgen: {} sizes/offsets compared, all equal", rows.len());
}
