/* pitchcam test fixture: DeepStream-shaped C types, written for pitchcam from the documented ABI
 * tables (shared/reference/deepstream-abi.md §1.3, §1.4, §2.2 and the NvDsMeta layout recorded in
 * ffi/deepstream/abi). This is NOT NVIDIA's header text: only type names, field names, field types
 * and field order are taken from the documentation, so that C and Rust can be compared.
 *
 * Define PITCHCAM_DS8 for ABI-B (DeepStream 8.0+); the default is ABI-A (DeepStream 6.1-7.1). */
#ifndef PITCHCAM_DS_LAYOUT_H
#define PITCHCAM_DS_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include <gst/gst.h>

#define PC_PAD 4
#define PC_PLANES 4
#define PC_MAX_DIMS 8
#define PC_USER_FIELDS 4

/* ---- NvBufSurface ---------------------------------------------------------------------- */

typedef struct {
    uint32_t num_planes;
    uint32_t width[PC_PLANES];
    uint32_t height[PC_PLANES];
    uint32_t pitch[PC_PLANES];
    uint32_t offset[PC_PLANES];
    uint32_t psize[PC_PLANES];
    uint32_t bytesPerPix[PC_PLANES];
    void *_reserved[PC_PAD * PC_PLANES];
} NvBufSurfacePlaneParams;

typedef struct {
    void *addr[PC_PLANES];
    void *eglImage;
#ifdef PITCHCAM_DS8
    void *nvmmPtr;
    void *cudaPtr;
#endif
    void *_reserved[PC_PAD];
} NvBufSurfaceMappedAddr;

typedef struct {
    uint32_t width;
    uint32_t height;
    uint32_t pitch;
    int colorFormat; /* C enum */
    int layout;      /* C enum */
    uint64_t bufferDesc;
    uint32_t dataSize;
    void *dataPtr;
    NvBufSurfacePlaneParams planeParams;
    NvBufSurfaceMappedAddr mappedAddr;
    void *paramex;
#ifdef PITCHCAM_DS8
    void *cudaBuffer;
    void *_reserved[PC_PAD];
#else
    void *_reserved[PC_PAD - 1];
#endif
} NvBufSurfaceParams;

typedef struct {
    uint32_t gpuId;
    uint32_t batchSize;
    uint32_t numFilled;
    bool isContiguous;
    int memType; /* C enum */
    NvBufSurfaceParams *surfaceList;
#ifdef PITCHCAM_DS8
    bool isImportedBuf;
#endif
    void *_reserved[PC_PAD];
} NvBufSurface;

typedef struct {
    uint32_t gpuId;
    uint32_t width;
    uint32_t height;
    uint32_t size;
    bool isContiguous;
    int colorFormat;
    int layout;
    int memType;
#ifdef PITCHCAM_DS8
    void *_reserved[PC_PAD];
#endif
} NvBufSurfaceCreateParams;

typedef struct {
    uint32_t top;
    uint32_t left;
    uint32_t width;
    uint32_t height;
#ifdef PITCHCAM_DS8
    void *reserved[PC_PAD];
#endif
} NvBufSurfTransformRect;

typedef struct {
    int compute_mode;
    int32_t gpu_id;
    void *cuda_stream;
#ifdef PITCHCAM_DS8
    void *reserved[PC_PAD];
#endif
} NvBufSurfTransformConfigParams;

typedef struct {
    uint32_t transform_flag;
    int transform_flip;
    int transform_filter;
    NvBufSurfTransformRect *src_rect;
    NvBufSurfTransformRect *dst_rect;
#ifdef PITCHCAM_DS8
    void *reserved[PC_PAD];
#endif
} NvBufSurfTransformParams;

enum { PC_MEM_SYSTEM = 6, PC_COLOR_NV12 = 6, PC_LAYOUT_PITCH = 0 };
enum { PC_CROP_SRC = 1, PC_CROP_DST = 2, PC_FILTER = 4 };

/* ---- NvDs metadata --------------------------------------------------------------------- */

typedef gpointer (*PcMetaCopyFunc)(gpointer data, gpointer user_data);
typedef void (*PcMetaReleaseFunc)(gpointer data, gpointer user_data);

struct NvDsBatchMeta;

typedef struct {
    struct NvDsBatchMeta *batch_meta;
    int meta_type; /* NvDsMetaType, a C enum */
    void *uContext;
    PcMetaCopyFunc copy_func;
    PcMetaReleaseFunc release_func;
} NvDsBaseMeta;

typedef struct NvDsBatchMeta {
    NvDsBaseMeta base_meta;
    guint max_frames_in_batch;
    guint num_frames_in_batch;
    void *frame_meta_pool;
    void *obj_meta_pool;
    void *classifier_meta_pool;
    void *display_meta_pool;
    void *user_meta_pool;
    void *label_info_meta_pool;
    GList *frame_meta_list;
    GList *batch_user_meta_list;
    GRecMutex meta_mutex;
    gint64 misc_batch_info[PC_USER_FIELDS];
    gint64 reserved[PC_USER_FIELDS];
} NvDsBatchMeta;

typedef struct {
    guint source_id;
    const gchar *uri;
    const gchar *sensor_id;
    const gchar *sensor_name;
} PcSensorInfo;

/* The full frame meta: DS 6.x tail (pipeline size, reserved) or DS 8.0+ (with sensor info). */
typedef struct {
    NvDsBaseMeta base_meta;
    guint pad_index;
    guint batch_id;
    gint frame_num;
    guint64 buf_pts;
    guint64 ntp_timestamp;
    guint source_id;
    gint num_surfaces_per_frame;
    guint source_frame_width;
    guint source_frame_height;
    guint surface_type;
    guint surface_index;
    guint num_obj_meta;
    gboolean bInferDone;
    GList *obj_meta_list;
    GList *display_meta_list;
    GList *frame_user_meta_list;
    gint64 misc_frame_info[PC_USER_FIELDS];
    guint pipeline_width;
    guint pipeline_height;
#ifdef PITCHCAM_DS8
    PcSensorInfo sensorInfo_meta;
#endif
    gint64 reserved[PC_USER_FIELDS];
} NvDsFrameMeta;

typedef struct {
    NvDsBaseMeta base_meta;
    void *user_meta_data;
} NvDsUserMeta;

typedef struct {
    unsigned int numDims;
    unsigned int d[PC_MAX_DIMS];
    unsigned int numElements;
} NvDsInferDims;

typedef struct {
    int dataType; /* NvDsInferDataType: 0 float, 1 half, 2 int8, 3 int32 */
    union {
        NvDsInferDims inferDims;
        NvDsInferDims dims;
    };
    int bindingIndex;
    const char *layerName;
    void *buffer;
    int isInput;
} NvDsInferLayerInfo;

typedef struct {
    unsigned int width;
    unsigned int height;
    unsigned int channels;
} NvDsInferNetworkInfo;

typedef struct {
    unsigned int unique_id;
    unsigned int num_output_layers;
    NvDsInferLayerInfo *output_layers_info;
    void **out_buf_ptrs_host;
    void **out_buf_ptrs_dev;
    gint gpu_id;
    gpointer priv_data;
    NvDsInferNetworkInfo network_info;
    gboolean maintain_aspect_ratio;
#ifdef PITCHCAM_DS8
    gboolean symmetric_padding;
#endif
} NvDsInferTensorMeta;

typedef struct {
    GstMeta meta;
    gpointer meta_data;
    gpointer user_data;
    gint meta_type;
    PcMetaCopyFunc copyfunc;
    PcMetaReleaseFunc freefunc;
    PcMetaCopyFunc gst_to_nvds_meta_transform_func;
    PcMetaReleaseFunc gst_to_nvds_meta_release_func;
} NvDsMeta;

enum {
    PC_NVDS_USER_META = 7,
    PC_NVDSINFER_TENSOR_OUTPUT_META = 12,
    PC_NVDS_BATCH_GST_META = 4097,
    PC_NVDS_DECODER_GST_META = 4098,
};

/* The documented sizes, checked by the compiler in every translation unit that includes this. */
#ifdef PITCHCAM_DS8
_Static_assert(sizeof(NvBufSurface) == 72, "NvBufSurface ABI-B");
_Static_assert(sizeof(NvBufSurfaceParams) == 416, "NvBufSurfaceParams ABI-B");
_Static_assert(sizeof(NvBufSurfaceMappedAddr) == 88, "NvBufSurfaceMappedAddr ABI-B");
_Static_assert(sizeof(NvBufSurfaceCreateParams) == 64, "NvBufSurfaceCreateParams ABI-B");
_Static_assert(sizeof(NvBufSurfTransformRect) == 48, "NvBufSurfTransformRect ABI-B");
_Static_assert(sizeof(NvDsFrameMeta) == 232, "NvDsFrameMeta DS 8");
_Static_assert(sizeof(NvDsInferTensorMeta) == 72, "NvDsInferTensorMeta DS 8");
#else
_Static_assert(sizeof(NvBufSurface) == 64, "NvBufSurface ABI-A");
_Static_assert(sizeof(NvBufSurfaceParams) == 384, "NvBufSurfaceParams ABI-A");
_Static_assert(sizeof(NvBufSurfaceMappedAddr) == 72, "NvBufSurfaceMappedAddr ABI-A");
_Static_assert(sizeof(NvBufSurfaceCreateParams) == 32, "NvBufSurfaceCreateParams ABI-A");
_Static_assert(sizeof(NvBufSurfTransformRect) == 16, "NvBufSurfTransformRect ABI-A");
_Static_assert(sizeof(NvDsFrameMeta) == 200, "NvDsFrameMeta DS 6.x");
_Static_assert(sizeof(NvDsInferTensorMeta) == 64, "NvDsInferTensorMeta DS 6.x/7.0");
#endif
_Static_assert(sizeof(NvBufSurfacePlaneParams) == 232, "NvBufSurfacePlaneParams");
_Static_assert(sizeof(NvDsBatchMeta) == 192, "NvDsBatchMeta");
_Static_assert(sizeof(NvDsUserMeta) == 48, "NvDsUserMeta");
_Static_assert(sizeof(NvDsInferLayerInfo) == 72, "NvDsInferLayerInfo");
_Static_assert(sizeof(NvDsMeta) == 72, "NvDsMeta");

#endif
