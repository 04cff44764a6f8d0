//! The bindgen path of `build.rs`, exercised for real: this test writes a DeepStream install
//! tree itself — `sources/includes/*.h` in the documented layout (pitchcam's own text: type,
//! field and enumerator names, types and order from deepstream-abi.md; no NVIDIA header text) and
//! `lib/*.so` built from tests/c/ds_stub.c — points `DEEPSTREAM_DIR` at it, and builds and tests
//! the crate in a separate target directory with the `deepstream` feature. That proves:
//!
//! * build.rs finds the headers (install-root form and includes-dir form), runs bindgen over all
//!   five headers, selects the ABI from them, and prints which path it took;
//! * the mirrors equal bindgen's types (compile-time assertions in ffi/deepstream/sys.rs, and the
//!   row-by-row comparison printed by tests/deepstream_layout.rs), for ABI-A and ABI-B;
//! * a header that does not parse (a DS 6/7 style transform header that needs CUDA) is dropped
//!   with a warning; a header that disagrees with the mirrors fails the build naming the field; a
//!   DEEPSTREAM_DIR without headers fails with a clear message;
//! * the `deepstream` feature links the four libraries with an rpath, and the NvBufSurface
//!   wrappers and the playback crop work against them (tests/deepstream_surface.rs).
//!
//! The nested builds share `target/tmp/ds-bindgen/target`: the first run compiles the
//! dependencies once (about a minute on the 2-core CI machine), later runs only pitchcam.

#[path = "deepstream_support.rs"]
mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// How the written header set deviates from the documented one.
#[derive(Clone, Copy, PartialEq)]
enum Variant {
    /// All five headers, in the documented layout.
    Complete,
    /// The DeepStream 6/7 transform header includes CUDA's headers (absent here) and
    /// gstnvdsinfer.h is missing.
    Partial,
    /// `NvDsFrameMeta` with `buf_pts` and `ntp_timestamp` swapped.
    Corrupt,
}

fn nvbufsurface_h(b: bool) -> String {
    let mut s = String::from(
        "#ifndef PC_FAKE_NVBUFSURFACE_H\n#define PC_FAKE_NVBUFSURFACE_H\n\
         #include <stdint.h>\n#include <stdbool.h>\n\
         #define NVBUF_MAX_PLANES 4\n#define STRUCTURE_PADDING 4\n\
         typedef enum { NVBUF_MEM_DEFAULT, NVBUF_MEM_CUDA_PINNED, NVBUF_MEM_CUDA_DEVICE,\n\
           NVBUF_MEM_CUDA_UNIFIED, NVBUF_MEM_SURFACE_ARRAY, NVBUF_MEM_HANDLE, NVBUF_MEM_SYSTEM\n\
         } NvBufSurfaceMemType;\n\
         typedef enum { NVBUF_COLOR_FORMAT_INVALID, NVBUF_COLOR_FORMAT_GRAY8,\n\
           NVBUF_COLOR_FORMAT_YUV420, NVBUF_COLOR_FORMAT_YVU420, NVBUF_COLOR_FORMAT_YUV420_ER,\n\
           NVBUF_COLOR_FORMAT_YVU420_ER, NVBUF_COLOR_FORMAT_NV12, NVBUF_COLOR_FORMAT_NV12_ER,\n",
    );
    // 8 … 18, then RGBA = 19, … 32, NV12_709 = 33, NV12_709_ER = 34.
    for v in 8..19 {
        let _ = writeln!(s, "  PC_FMT_{v},");
    }
    s.push_str("  NVBUF_COLOR_FORMAT_RGBA,\n");
    for v in 20..33 {
        let _ = writeln!(s, "  PC_FMT_{v},");
    }
    s.push_str(
        "  NVBUF_COLOR_FORMAT_NV12_709, NVBUF_COLOR_FORMAT_NV12_709_ER, NVBUF_COLOR_FORMAT_LAST\n\
         } NvBufSurfaceColorFormat;\n\
         typedef enum { NVBUF_LAYOUT_PITCH, NVBUF_LAYOUT_BLOCK_LINEAR } NvBufSurfaceLayout;\n\
         typedef enum { NVBUF_MAP_READ, NVBUF_MAP_WRITE, NVBUF_MAP_READ_WRITE } NvBufSurfaceMemMapFlags;\n\
         typedef struct NvBufSurfaceParamsEx NvBufSurfaceParamsEx;\n\
         typedef struct {\n  uint32_t num_planes;\n  uint32_t width[NVBUF_MAX_PLANES];\n\
           uint32_t height[NVBUF_MAX_PLANES];\n  uint32_t pitch[NVBUF_MAX_PLANES];\n\
           uint32_t offset[NVBUF_MAX_PLANES];\n  uint32_t psize[NVBUF_MAX_PLANES];\n\
           uint32_t bytesPerPix[NVBUF_MAX_PLANES];\n\
           void *_reserved[STRUCTURE_PADDING * NVBUF_MAX_PLANES];\n} NvBufSurfacePlaneParams;\n\
         typedef struct {\n  void *addr[NVBUF_MAX_PLANES];\n  void *eglImage;\n",
    );
    if b {
        s.push_str("  void *nvmmPtr;\n  void *cudaPtr;\n");
    }
    s.push_str(
        "  void *_reserved[STRUCTURE_PADDING];\n} NvBufSurfaceMappedAddr;\n\
         typedef struct NvBufSurfaceParams {\n  uint32_t width;\n  uint32_t height;\n\
           uint32_t pitch;\n  NvBufSurfaceColorFormat colorFormat;\n\
           NvBufSurfaceLayout layout;\n  uint64_t bufferDesc;\n  uint32_t dataSize;\n\
           void *dataPtr;\n  NvBufSurfacePlaneParams planeParams;\n\
           NvBufSurfaceMappedAddr mappedAddr;\n  NvBufSurfaceParamsEx *paramex;\n",
    );
    s.push_str(if b {
        "  void *cudaBuffer;\n  void *_reserved[STRUCTURE_PADDING];\n} NvBufSurfaceParams;\n"
    } else {
        "  void *_reserved[STRUCTURE_PADDING - 1];\n} NvBufSurfaceParams;\n"
    });
    s.push_str(
        "typedef struct {\n  uint32_t gpuId;\n  uint32_t width;\n  uint32_t height;\n\
           uint32_t size;\n  bool isContiguous;\n  NvBufSurfaceColorFormat colorFormat;\n\
           NvBufSurfaceLayout layout;\n  NvBufSurfaceMemType memType;\n",
    );
    if b {
        s.push_str("  void *_reserved[STRUCTURE_PADDING];\n");
    }
    s.push_str(
        "} NvBufSurfaceCreateParams;\n\
         typedef struct NvBufSurface {\n  uint32_t gpuId;\n  uint32_t batchSize;\n\
           uint32_t numFilled;\n  bool isContiguous;\n  NvBufSurfaceMemType memType;\n\
           NvBufSurfaceParams *surfaceList;\n",
    );
    if b {
        s.push_str("  bool isImportedBuf;\n");
    }
    s.push_str(
        "  void *_reserved[STRUCTURE_PADDING];\n} NvBufSurface;\n\
         int NvBufSurfaceCreate(NvBufSurface **surf, uint32_t batchSize,\n\
                                NvBufSurfaceCreateParams *params);\n\
         int NvBufSurfaceDestroy(NvBufSurface *surf);\n\
         int NvBufSurfaceMap(NvBufSurface *surf, int index, int plane, NvBufSurfaceMemMapFlags type);\n\
         int NvBufSurfaceUnMap(NvBufSurface *surf, int index, int plane);\n\
         int NvBufSurfaceSyncForCpu(NvBufSurface *surf, int index, int plane);\n\
         int NvBufSurfaceSyncForDevice(NvBufSurface *surf, int index, int plane);\n\
         #endif\n",
    );
    s
}

fn nvbufsurftransform_h(b: bool, needs_cuda: bool) -> String {
    let reserved = if b { "  void *reserved[STRUCTURE_PADDING];\n" } else { "" };
    let stream = if needs_cuda {
        "#include <cuda.h>\n#include <cuda_runtime.h>\n"
    } else {
        "typedef struct CUstream_st *cudaStream_t;\n"
    };
    format!(
        "#ifndef PC_FAKE_NVBUFSURFTRANSFORM_H\n#define PC_FAKE_NVBUFSURFTRANSFORM_H\n\
         #include \"nvbufsurface.h\"\n{stream}\
         typedef enum {{ NvBufSurfTransformCompute_Default, NvBufSurfTransformCompute_GPU,\n\
           NvBufSurfTransformCompute_VIC }} NvBufSurfTransform_Compute;\n\
         typedef enum {{ NvBufSurfTransform_None, NvBufSurfTransform_Rotate90,\n\
           NvBufSurfTransform_Rotate180, NvBufSurfTransform_Rotate270, NvBufSurfTransform_FlipX,\n\
           NvBufSurfTransform_FlipY, NvBufSurfTransform_Transpose,\n\
           NvBufSurfTransform_InvTranspose }} NvBufSurfTransform_Flip;\n\
         typedef enum {{ NvBufSurfTransformInter_Nearest, NvBufSurfTransformInter_Bilinear,\n\
           NvBufSurfTransformInter_Algo1, NvBufSurfTransformInter_Algo2,\n\
           NvBufSurfTransformInter_Algo3, NvBufSurfTransformInter_Algo4,\n\
           NvBufSurfTransformInter_Default }} NvBufSurfTransform_Inter;\n\
         typedef enum {{ NvBufSurfTransformError_ROI_Error = -4,\n\
           NvBufSurfTransformError_Invalid_Params = -3,\n\
           NvBufSurfTransformError_Execution_Error = -2, NvBufSurfTransformError_Unsupported = -1,\n\
           NvBufSurfTransformError_Success = 0 }} NvBufSurfTransform_Error;\n\
         typedef enum {{ NVBUFSURF_TRANSFORM_CROP_SRC = 1, NVBUFSURF_TRANSFORM_CROP_DST = 2,\n\
           NVBUFSURF_TRANSFORM_FILTER = 4, NVBUFSURF_TRANSFORM_FLIP = 8,\n\
           NVBUFSURF_TRANSFORM_NORMALIZE = 16, NVBUFSURF_TRANSFORM_ALLOW_ODD_CROP = 32\n\
         }} NvBufSurfTransform_Transform_Flag;\n\
         typedef struct {{\n  uint32_t top;\n  uint32_t left;\n  uint32_t width;\n\
           uint32_t height;\n{reserved}}} NvBufSurfTransformRect;\n\
         typedef struct _NvBufSurfTransformConfigParams {{\n\
           NvBufSurfTransform_Compute compute_mode;\n  int32_t gpu_id;\n\
           cudaStream_t cuda_stream;\n{reserved}}} NvBufSurfTransformConfigParams;\n\
         typedef struct _NvBufSurfaceTransformParams {{\n  uint32_t transform_flag;\n\
           NvBufSurfTransform_Flip transform_flip;\n  NvBufSurfTransform_Inter transform_filter;\n\
           NvBufSurfTransformRect *src_rect;\n  NvBufSurfTransformRect *dst_rect;\n\
         {reserved}}} NvBufSurfTransformParams;\n\
         NvBufSurfTransform_Error NvBufSurfTransformSetSessionParams(\n\
           NvBufSurfTransformConfigParams *config_params);\n\
         NvBufSurfTransform_Error NvBufSurfTransform(NvBufSurface *src, NvBufSurface *dst,\n\
           NvBufSurfTransformParams *transform_params);\n\
         #endif\n"
    )
}

fn nvdsmeta_h(b: bool, corrupt: bool) -> String {
    let (first, second) = if corrupt {
        ("guint64 ntp_timestamp;", "guint64 buf_pts;")
    } else {
        ("guint64 buf_pts;", "guint64 ntp_timestamp;")
    };
    let sensor = if b {
        "typedef struct { guint source_id; const gchar *uri; const gchar *sensor_id;\n\
           const gchar *sensor_name; } NvDsSensorInfo_meta;\n"
    } else {
        ""
    };
    let sensor_field = if b { "  NvDsSensorInfo_meta sensorInfo_meta;\n" } else { "" };
    format!(
        "#ifndef PC_FAKE_NVDSMETA_H\n#define PC_FAKE_NVDSMETA_H\n#include <glib.h>\n\
         #define MAX_USER_FIELDS 4\n#define MAX_RESERVED_FIELDS 4\n\
         typedef GList NvDsFrameMetaList;\ntypedef GList NvDsUserMetaList;\n\
         typedef GList NvDsObjectMetaList;\ntypedef GList NvDsDisplayMetaList;\n\
         typedef GList NvDsMetaList;\n\
         typedef enum {{ NVDS_INVALID_META = -1, NVDS_BATCH_META = 1, NVDS_FRAME_META,\n\
           NVDS_OBJ_META, NVDS_DISPLAY_META, NVDS_CLASSIFIER_META, NVDS_LABEL_INFO_META,\n\
           NVDS_USER_META, NVDS_PAYLOAD_META, NVDS_EVENT_MSG_META, NVDS_OPTICAL_FLOW_META,\n\
           NVDS_LATENCY_MEASUREMENT_META, NVDSINFER_TENSOR_OUTPUT_META,\n\
           NVDSINFER_SEGMENTATION_META, NVDS_CROP_IMAGE_META, NVDS_RESERVED_META = 4095,\n\
           NVDS_GST_CUSTOM_META = 4096,\n\
           NVDS_START_USER_META = NVDS_GST_CUSTOM_META + 4096 + 1,\n\
           NVDS_FORCE32_META = 0x7FFFFFFF }} NvDsMetaType;\n\
         typedef gpointer (*NvDsMetaCopyFunc)(gpointer data, gpointer user_data);\n\
         typedef void (*NvDsMetaReleaseFunc)(gpointer data, gpointer user_data);\n\
         typedef struct _NvDsMetaPool NvDsMetaPool;\n\
         typedef struct _NvDsBaseMeta {{\n  struct _NvDsBatchMeta *batch_meta;\n\
           NvDsMetaType meta_type;\n  void *uContext;\n  NvDsMetaCopyFunc copy_func;\n\
           NvDsMetaReleaseFunc release_func;\n}} NvDsBaseMeta;\n\
         typedef struct _NvDsBatchMeta {{\n  NvDsBaseMeta base_meta;\n\
           guint max_frames_in_batch;\n  guint num_frames_in_batch;\n\
           NvDsMetaPool *frame_meta_pool;\n  NvDsMetaPool *obj_meta_pool;\n\
           NvDsMetaPool *classifier_meta_pool;\n  NvDsMetaPool *display_meta_pool;\n\
           NvDsMetaPool *user_meta_pool;\n  NvDsMetaPool *label_info_meta_pool;\n\
           NvDsFrameMetaList *frame_meta_list;\n  NvDsUserMetaList *batch_user_meta_list;\n\
           GRecMutex meta_mutex;\n  gint64 misc_batch_info[MAX_USER_FIELDS];\n\
           gint64 reserved[MAX_RESERVED_FIELDS];\n}} NvDsBatchMeta;\n{sensor}\
         typedef struct _NvDsFrameMeta {{\n  NvDsBaseMeta base_meta;\n  guint pad_index;\n\
           guint batch_id;\n  gint frame_num;\n  {first}\n  {second}\n  guint source_id;\n\
           gint num_surfaces_per_frame;\n  guint source_frame_width;\n\
           guint source_frame_height;\n  guint surface_type;\n  guint surface_index;\n\
           guint num_obj_meta;\n  gboolean bInferDone;\n\
           NvDsObjectMetaList *obj_meta_list;\n  NvDsDisplayMetaList *display_meta_list;\n\
           NvDsUserMetaList *frame_user_meta_list;\n  gint64 misc_frame_info[MAX_USER_FIELDS];\n\
           guint pipeline_width;\n  guint pipeline_height;\n{sensor_field}\
           gint64 reserved[MAX_RESERVED_FIELDS];\n}} NvDsFrameMeta;\n\
         typedef struct _NvDsUserMeta {{\n  NvDsBaseMeta base_meta;\n\
           void *user_meta_data;\n}} NvDsUserMeta;\n\
         void nvds_acquire_meta_lock(NvDsBatchMeta *batch_meta);\n\
         void nvds_release_meta_lock(NvDsBatchMeta *batch_meta);\n\
         void nvds_remove_user_meta_from_frame(NvDsFrameMeta *frame_meta,\n\
                                               NvDsUserMeta *user_meta);\n\
         #endif\n"
    )
}

const GSTNVDSMETA_H: &str = "#ifndef PC_FAKE_GSTNVDSMETA_H\n#define PC_FAKE_GSTNVDSMETA_H\n\
    #include <gst/gst.h>\n#include <gst/video/video.h>\n#include <gst/base/gstbasetransform.h>\n\
    #include \"nvdsmeta.h\"\n\
    #define NVDS_META_STRING \"nvdsmeta\"\n\
    typedef enum { NVDS_GST_INVALID_META = -1, NVDS_BATCH_GST_META = NVDS_GST_CUSTOM_META + 1,\n\
      NVDS_DECODER_GST_META, NVDS_DEWARPER_GST_META,\n\
      NVDS_RESERVED_GST_META = NVDS_GST_CUSTOM_META + 4096,\n\
      NVDS_GST_META_FORCE32 = 0x7FFFFFFF } GstNvDsMetaType;\n\
    typedef struct _NvDsMeta {\n  GstMeta meta;\n  gpointer meta_data;\n  gpointer user_data;\n\
      gint meta_type;\n  NvDsMetaCopyFunc copyfunc;\n  NvDsMetaReleaseFunc freefunc;\n\
      NvDsMetaCopyFunc gst_to_nvds_meta_transform_func;\n\
      NvDsMetaReleaseFunc gst_to_nvds_meta_release_func;\n} NvDsMeta;\n\
    NvDsBatchMeta *gst_buffer_get_nvds_batch_meta(GstBuffer *buffer);\n#endif\n";

const NVDSINFER_H: &str = "#ifndef PC_FAKE_NVDSINFER_H\n#define PC_FAKE_NVDSINFER_H\n\
    #define NVDSINFER_MAX_DIMS 8\n\
    typedef struct { unsigned int numDims; unsigned int d[NVDSINFER_MAX_DIMS];\n\
      unsigned int numElements; } NvDsInferDims;\n\
    typedef enum { FLOAT = 0, HALF = 1, INT8 = 2, INT32 = 3 } NvDsInferDataType;\n\
    typedef struct { unsigned int width; unsigned int height; unsigned int channels; }\n\
      NvDsInferNetworkInfo;\n\
    typedef struct { NvDsInferDataType dataType;\n\
      union { NvDsInferDims inferDims; NvDsInferDims dims; };\n\
      int bindingIndex; const char *layerName; void *buffer; int isInput; } NvDsInferLayerInfo;\n\
    #endif\n";

fn gstnvdsinfer_h(b: bool) -> String {
    format!(
        "#ifndef PC_FAKE_GSTNVDSINFER_H\n#define PC_FAKE_GSTNVDSINFER_H\n#include <gst/gst.h>\n\
         #include \"nvdsinfer.h\"\n\
         typedef struct {{\n  unsigned int unique_id;\n  unsigned int num_output_layers;\n\
           NvDsInferLayerInfo *output_layers_info;\n  void **out_buf_ptrs_host;\n\
           void **out_buf_ptrs_dev;\n  gint gpu_id;\n  gpointer priv_data;\n\
           NvDsInferNetworkInfo network_info;\n  gboolean maintain_aspect_ratio;\n{}\
         }} NvDsInferTensorMeta;\n#endif\n",
        if b { "  gboolean symmetric_padding;\n" } else { "" }
    )
}

/// Writes a fake DeepStream install root and returns it.
fn fake_root(name: &str, abi_b: bool, variant: Variant, with_libs: bool) -> PathBuf {
    let root = support::out_dir().join(name);
    let inc = root.join("sources/includes");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&inc).expect("create the fake include dir");
    let mut files = vec![
        ("nvbufsurface.h", nvbufsurface_h(abi_b)),
        ("nvbufsurftransform.h", nvbufsurftransform_h(abi_b, variant == Variant::Partial)),
        ("nvdsmeta.h", nvdsmeta_h(abi_b, variant == Variant::Corrupt)),
        ("gstnvdsmeta.h", GSTNVDSMETA_H.to_string()),
        ("nvdsinfer.h", NVDSINFER_H.to_string()),
    ];
    if variant != Variant::Partial {
        files.push(("gstnvdsinfer.h", gstnvdsinfer_h(abi_b)));
    }
    for (f, text) in files {
        std::fs::write(inc.join(f), text).expect("write a fake header");
    }
    if with_libs {
        let lib = root.join("lib");
        std::fs::create_dir_all(&lib).expect("create the fake lib dir");
        let abi: &[&str] = if abi_b { &["-DPITCHCAM_DS8"] } else { &[] };
        for (so, part) in [
            ("nvbufsurface", "-DPC_STUB_SURFACE"),
            ("nvbufsurftransform", "-DPC_STUB_TRANSFORM"),
            ("nvds_meta", "-DPC_STUB_META"),
            ("nvdsgst_meta", "-DPC_STUB_GSTMETA"),
        ] {
            let mut defs = abi.to_vec();
            defs.push(part);
            let built =
                support::compile_shared("ds_stub.c", &defs, &format!("{name}-lib{so}.so"), &[]);
            std::fs::copy(&built, lib.join(format!("lib{so}.so"))).expect("install a stub lib");
        }
    }
    root
}

/// Runs cargo on this package in the nested target dir with `DEEPSTREAM_DIR=dir`.
fn cargo(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ds-bindgen/target");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .env("CARGO_TARGET_DIR", &target)
        .env("DEEPSTREAM_DIR", dir)
        .env_remove("DEEPSTREAM_LIB_DIR")
        .env_remove("PITCHCAM_DS_BINDGEN")
        .env_remove("PITCHCAM_EXPECT_COVERAGE")
        .env_remove("CARGO_BUILD_TARGET");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run the nested cargo");
    println!("$ DEEPSTREAM_DIR={} cargo {}", dir.display(), args.join(" "));
    out
}

fn text(o: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Prints the lines of interest: build.rs warnings, errors, test results, compared rows.
fn show(o: &Output) {
    for l in text(o).lines() {
        if l.contains("pitchcam DeepStream")
            || l.contains("DeepStream headers")
            || l.starts_with("bindgen:")
            || l.contains("error")
            || l.contains("test result")
            || l.starts_with("bindgen ")
            || l.contains("panicked")
        {
            println!("    {l}");
        }
    }
}

fn full_run(abi_b: bool) {
    let _g = support::serial();
    let name = if abi_b { "fake-ds-b" } else { "fake-ds-a" };
    let root = fake_root(name, abi_b, Variant::Complete, true);
    let features = if abi_b { "deepstream,ds8" } else { "deepstream" };
    let out = cargo(
        &root,
        &[
            "test",
            "--features",
            features,
            "--test",
            "deepstream_layout",
            "--test",
            "deepstream_surface",
            "--",
            "--nocapture",
            "--test-threads=1",
        ],
        &[("PITCHCAM_EXPECT_COVERAGE", "transform,gstmeta,infer")],
    );
    show(&out);
    let t = text(&out);
    assert!(out.status.success(), "nested build/test failed:\n{t}");
    let abi = if abi_b { "ABI-B" } else { "ABI-A" };
    assert!(
        t.contains(&format!(
            "pitchcam DeepStream: bindgen ran over {}",
            root.join("sources/includes").display()
        )),
        "build.rs did not report running bindgen:\n{t}"
    );
    assert!(
        t.contains(&format!(
            "(nvbufsurface.h, nvdsmeta.h, nvbufsurftransform.h, gstnvdsmeta.h, gstnvdsinfer.h); \
             the {abi} mirrors are checked"
        )),
        "all five headers, {abi}:\n{t}"
    );
    assert!(t.contains("bindgen: ") && t.contains("sizes/offsets compared, all equal"), "{t}");
    assert!(t.contains("bindgen g::NvBufSurface.surfaceList"), "rows printed:\n{t}");
    assert!(t.contains("bindgen g::NvDsInferLayerInfo.__bindgen_anon_1.inferDims"), "{t}");
    assert!(t.contains("bindgen g::NvDsMeta.meta_type"), "{t}");
    assert!(t.contains("bindgen g::NvBufSurfTransformRect.left"), "{t}");
    assert_eq!(
        t.contains("bindgen g::NvBufSurface.isImportedBuf"),
        abi_b,
        "the ABI-B fields are compared exactly in the ABI-B run:\n{t}"
    );
    // (--nocapture interleaves the tests' own lines with "... ok"; the counts below say they
    // passed.)
    for linked in [
        "test linked::owned_surfaces_map_and_crop_through_the_transform ... ",
        "test linked::a_decoded_tensor_meta_can_be_detached_under_the_meta_lock ... ok",
        "linked to the test stubs",
    ] {
        assert!(t.contains(linked), "the stub-linked tests ran:\n{t}");
    }
    assert_eq!(t.matches("test result: ok. 3 passed; 0 failed").count(), 2, "{t}");
    assert!(!t.contains("not found in"), "every stub library was found:\n{t}");
}

#[test]
fn bindgen_and_link_against_a_fake_install_abi_a() {
    full_run(false);
}

#[test]
fn bindgen_and_link_against_a_fake_install_abi_b() {
    full_run(true);
}

#[test]
fn bindgen_edge_cases() {
    let _g = support::serial();
    // ABI-B headers without the ds8 feature, given as the includes dir: the headers win.
    let b = fake_root("fake-ds-b-nofeature", true, Variant::Complete, false);
    let out = cargo(&b.join("sources/includes"), &["check", "--lib"], &[]);
    show(&out);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("the DeepStream headers are ABI-B (8.0+); the `ds8` feature is off"), "{t}");
    assert!(t.contains("the ABI-B mirrors are checked"), "{t}");

    // A DS 6/7 style transform header needing CUDA, and no gstnvdsinfer.h: both dropped, named.
    let p = fake_root("fake-ds-partial", false, Variant::Partial, false);
    let out = cargo(&p, &["check", "--lib"], &[("CUDA_HOME", "/nonexistent-cuda")]);
    show(&out);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("nvbufsurftransform.h dropped (does not parse:"), "{t}");
    assert!(t.contains("cuda.h"), "the clang error names the missing header:\n{t}");
    assert!(t.contains("optional gstnvdsinfer.h not found"), "{t}");
    assert!(t.contains("(nvbufsurface.h, nvdsmeta.h, gstnvdsmeta.h)"), "{t}");

    // Headers that disagree with the mirrors: the build fails, naming the field.
    let c = fake_root("fake-ds-corrupt", false, Variant::Corrupt, false);
    let out = cargo(&c, &["check", "--lib"], &[]);
    show(&out);
    let t = text(&out);
    assert!(!out.status.success(), "a mismatching header must fail the build:\n{t}");
    assert!(
        t.contains(
            "DeepStream headers disagree with the mirror on offsetof(g::NvDsFrameMeta, buf_pts)"
        ),
        "{t}"
    );

    // A DEEPSTREAM_DIR without headers: a clear error, not a silent fallback.
    let empty = support::out_dir().join("fake-ds-empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = cargo(&empty, &["check", "--lib"], &[]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(t.contains("holds neither nvdsmeta.h nor sources/includes/nvdsmeta.h"), "{t}");
    println!("    empty DEEPSTREAM_DIR refused: ok");

    // PITCHCAM_DS_BINDGEN=0: headers ignored, mirrors used, and said so.
    let out = cargo(&b, &["check", "--lib"], &[("PITCHCAM_DS_BINDGEN", "0")]);
    show(&out);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("PITCHCAM_DS_BINDGEN=0: headers in"), "{t}");
}
