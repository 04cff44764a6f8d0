/* pitchcam test fixture: builds DeepStream-shaped metadata on real GstBuffers, the way nvinfer
 * with output-tensor-meta=1 leaves it, from pitchcam's own struct definitions (ds_layout.h).
 *
 * Built by tests/deepstream_meta.rs as a shared object (cc -std=c11 -Wall -Wextra -Werror), once
 * per ABI (-DPITCHCAM_DS8), dlopen'ed by the Rust test, which then reads the buffers with
 * pitchcam's reader. It also exports its sizeof/offsetof table for comparison with the Rust
 * mirrors.
 *
 * Without DeepStream nothing registers the "NvDsMetaAPI" GstMeta API type, so this fixture does,
 * with the "nvdsmeta" tag DeepStream's own API type carries. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ds_layout.h"

#define MAX_FRAMES 4
#define ROWS 9
#define ANCHORS 8400
#define N (ROWS * ANCHORS)

/* Defects a fixture can carry; the Rust test expects a specific error for each. */
enum {
    DEFECT_NONE = 0,
    DEFECT_NULL_FRAME = 1,
    DEFECT_NULL_TENSOR_META = 2,
    DEFECT_ELEMENT_MISMATCH = 3,
    DEFECT_TOO_MANY_DIMS = 4,
    DEFECT_INT8 = 5,
    DEFECT_NO_HOST_COPY = 6,
    DEFECT_FRAME_CYCLE = 7,
    DEFECT_HUGE_DIMS = 8,
    DEFECT_MISALIGNED_HOST = 9,
    DEFECT_DECOY_ONLY = 10,
    DEFECT_NOT_A_HEAD = 11,
    DEFECT_ZERO_DIM = 12,
    /* Not defects: variants of a valid fixture. */
    VARIANT_FP32_ONLY = 13,    /* one output layer (the FP32 head) */
    VARIANT_MUXER_SCALED = 14, /* nvstreammux output 2850x950, source 5700x1900 */
};

typedef struct {
    uint32_t frames;
    uint32_t defect;
    uint32_t net_w;
    uint32_t net_h;
    int32_t maintain_aspect_ratio;
    int32_t symmetric_padding;
    uint64_t pts_base;
} ds_fixture_spec;

typedef struct {
    const char *name;
    size_t value;
} ds_row;

typedef struct {
    NvDsBatchMeta batch;
    NvDsFrameMeta frames[MAX_FRAMES];
    GList frame_nodes[MAX_FRAMES];
    NvDsUserMeta users[MAX_FRAMES][2];
    GList user_nodes[MAX_FRAMES][2];
    NvDsInferTensorMeta tensor[MAX_FRAMES];
    NvDsInferLayerInfo layers[MAX_FRAMES][2];
    void *host[MAX_FRAMES][2];
    float *f32[MAX_FRAMES];
    uint16_t *f16[MAX_FRAMES];
    int other_user_data;
} Arena;

static gint live_arenas;

int ds_fixture_abi_b(void) {
#ifdef PITCHCAM_DS8
    return 1;
#else
    return 0;
#endif
}

int ds_fixture_live(void) { return g_atomic_int_get(&live_arenas); }

#define SIZE(T) {#T, sizeof(T)}
#define OFF(T, f) {#T "." #f, offsetof(T, f)}

static const ds_row layout_rows[] = {
    SIZE(NvBufSurfacePlaneParams),
    OFF(NvBufSurfacePlaneParams, num_planes), OFF(NvBufSurfacePlaneParams, width),
    OFF(NvBufSurfacePlaneParams, height), OFF(NvBufSurfacePlaneParams, pitch),
    OFF(NvBufSurfacePlaneParams, offset), OFF(NvBufSurfacePlaneParams, psize),
    OFF(NvBufSurfacePlaneParams, bytesPerPix), OFF(NvBufSurfacePlaneParams, _reserved),
    SIZE(NvBufSurfaceMappedAddr),
    OFF(NvBufSurfaceMappedAddr, addr), OFF(NvBufSurfaceMappedAddr, eglImage),
#ifdef PITCHCAM_DS8
    OFF(NvBufSurfaceMappedAddr, nvmmPtr), OFF(NvBufSurfaceMappedAddr, cudaPtr),
#endif
    OFF(NvBufSurfaceMappedAddr, _reserved),
    SIZE(NvBufSurfaceParams),
    OFF(NvBufSurfaceParams, width), OFF(NvBufSurfaceParams, height),
    OFF(NvBufSurfaceParams, pitch), OFF(NvBufSurfaceParams, colorFormat),
    OFF(NvBufSurfaceParams, layout), OFF(NvBufSurfaceParams, bufferDesc),
    OFF(NvBufSurfaceParams, dataSize), OFF(NvBufSurfaceParams, dataPtr),
    OFF(NvBufSurfaceParams, planeParams), OFF(NvBufSurfaceParams, mappedAddr),
    OFF(NvBufSurfaceParams, paramex),
#ifdef PITCHCAM_DS8
    OFF(NvBufSurfaceParams, cudaBuffer),
#endif
    OFF(NvBufSurfaceParams, _reserved),
    SIZE(NvBufSurface),
    OFF(NvBufSurface, gpuId), OFF(NvBufSurface, batchSize), OFF(NvBufSurface, numFilled),
    OFF(NvBufSurface, isContiguous), OFF(NvBufSurface, memType), OFF(NvBufSurface, surfaceList),
#ifdef PITCHCAM_DS8
    OFF(NvBufSurface, isImportedBuf),
#endif
    OFF(NvBufSurface, _reserved),
    SIZE(NvBufSurfaceCreateParams),
    OFF(NvBufSurfaceCreateParams, gpuId), OFF(NvBufSurfaceCreateParams, width),
    OFF(NvBufSurfaceCreateParams, height), OFF(NvBufSurfaceCreateParams, size),
    OFF(NvBufSurfaceCreateParams, isContiguous), OFF(NvBufSurfaceCreateParams, colorFormat),
    OFF(NvBufSurfaceCreateParams, layout), OFF(NvBufSurfaceCreateParams, memType),
    SIZE(NvBufSurfTransformRect),
    OFF(NvBufSurfTransformRect, top), OFF(NvBufSurfTransformRect, left),
    OFF(NvBufSurfTransformRect, width), OFF(NvBufSurfTransformRect, height),
    SIZE(NvBufSurfTransformConfigParams),
    OFF(NvBufSurfTransformConfigParams, compute_mode), OFF(NvBufSurfTransformConfigParams, gpu_id),
    OFF(NvBufSurfTransformConfigParams, cuda_stream),
    SIZE(NvBufSurfTransformParams),
    OFF(NvBufSurfTransformParams, transform_flag), OFF(NvBufSurfTransformParams, transform_flip),
    OFF(NvBufSurfTransformParams, transform_filter), OFF(NvBufSurfTransformParams, src_rect),
    OFF(NvBufSurfTransformParams, dst_rect),
    SIZE(NvDsBaseMeta),
    OFF(NvDsBaseMeta, batch_meta), OFF(NvDsBaseMeta, meta_type), OFF(NvDsBaseMeta, uContext),
    OFF(NvDsBaseMeta, copy_func), OFF(NvDsBaseMeta, release_func),
    SIZE(NvDsUserMeta),
    OFF(NvDsUserMeta, base_meta), OFF(NvDsUserMeta, user_meta_data),
    SIZE(NvDsBatchMeta),
    OFF(NvDsBatchMeta, max_frames_in_batch), OFF(NvDsBatchMeta, num_frames_in_batch),
    OFF(NvDsBatchMeta, frame_meta_list), OFF(NvDsBatchMeta, batch_user_meta_list),
    OFF(NvDsBatchMeta, meta_mutex), OFF(NvDsBatchMeta, misc_batch_info),
    OFF(NvDsBatchMeta, reserved),
    OFF(NvDsFrameMeta, pad_index), OFF(NvDsFrameMeta, batch_id), OFF(NvDsFrameMeta, frame_num),
    OFF(NvDsFrameMeta, buf_pts), OFF(NvDsFrameMeta, ntp_timestamp),
    OFF(NvDsFrameMeta, source_id), OFF(NvDsFrameMeta, num_surfaces_per_frame),
    OFF(NvDsFrameMeta, source_frame_width), OFF(NvDsFrameMeta, source_frame_height),
    OFF(NvDsFrameMeta, surface_type), OFF(NvDsFrameMeta, surface_index),
    OFF(NvDsFrameMeta, num_obj_meta), OFF(NvDsFrameMeta, bInferDone),
    OFF(NvDsFrameMeta, obj_meta_list), OFF(NvDsFrameMeta, display_meta_list),
    OFF(NvDsFrameMeta, frame_user_meta_list), OFF(NvDsFrameMeta, misc_frame_info),
    OFF(NvDsFrameMeta, pipeline_width), OFF(NvDsFrameMeta, pipeline_height),
    {"NvDsFrameMeta.full_size", sizeof(NvDsFrameMeta)},
    SIZE(NvDsInferDims),
    OFF(NvDsInferDims, numDims), OFF(NvDsInferDims, d), OFF(NvDsInferDims, numElements),
    SIZE(NvDsInferLayerInfo),
    OFF(NvDsInferLayerInfo, dataType), OFF(NvDsInferLayerInfo, inferDims),
    OFF(NvDsInferLayerInfo, bindingIndex), OFF(NvDsInferLayerInfo, layerName),
    OFF(NvDsInferLayerInfo, buffer), OFF(NvDsInferLayerInfo, isInput),
    SIZE(NvDsInferNetworkInfo),
    SIZE(NvDsInferTensorMeta),
    OFF(NvDsInferTensorMeta, unique_id), OFF(NvDsInferTensorMeta, num_output_layers),
    OFF(NvDsInferTensorMeta, output_layers_info), OFF(NvDsInferTensorMeta, out_buf_ptrs_host),
    OFF(NvDsInferTensorMeta, out_buf_ptrs_dev), OFF(NvDsInferTensorMeta, gpu_id),
    OFF(NvDsInferTensorMeta, priv_data), OFF(NvDsInferTensorMeta, network_info),
    OFF(NvDsInferTensorMeta, maintain_aspect_ratio),
#ifdef PITCHCAM_DS8
    OFF(NvDsInferTensorMeta, symmetric_padding),
#endif
    SIZE(NvDsMeta),
    OFF(NvDsMeta, meta_data), OFF(NvDsMeta, user_data), OFF(NvDsMeta, meta_type),
    OFF(NvDsMeta, copyfunc), OFF(NvDsMeta, freefunc),
    OFF(NvDsMeta, gst_to_nvds_meta_transform_func), OFF(NvDsMeta, gst_to_nvds_meta_release_func),
    SIZE(GList), OFF(GList, data), OFF(GList, next), OFF(GList, prev),
};

size_t ds_fixture_layout(const ds_row **rows) {
    *rows = layout_rows;
    return sizeof(layout_rows) / sizeof(layout_rows[0]);
}

/* ---- the GstMeta DeepStream would register ------------------------------------------------ */

static GType api_type(void) {
    static gsize once = 0;
    if (g_once_init_enter(&once)) {
        GType t = g_type_from_name("NvDsMetaAPI");
        if (t == 0) {
            static const gchar *tags[] = {"nvdsmeta", NULL};
            t = gst_meta_api_type_register("NvDsMetaAPI", tags);
        }
        g_once_init_leave(&once, t);
    }
    return (GType)once;
}

static gboolean meta_init(GstMeta *meta, gpointer params, GstBuffer *buffer) {
    (void)params;
    (void)buffer;
    NvDsMeta *m = (NvDsMeta *)meta;
    m->meta_data = NULL;
    m->user_data = NULL;
    m->meta_type = -1;
    m->copyfunc = NULL;
    m->freefunc = NULL;
    m->gst_to_nvds_meta_transform_func = NULL;
    m->gst_to_nvds_meta_release_func = NULL;
    return TRUE;
}

static void meta_free(GstMeta *meta, GstBuffer *buffer) {
    (void)buffer;
    NvDsMeta *m = (NvDsMeta *)meta;
    if (m->freefunc != NULL) m->freefunc(m->meta_data, m->user_data);
}

static const GstMetaInfo *meta_info(void) {
    static gsize once = 0;
    if (g_once_init_enter(&once)) {
        const GstMetaInfo *info = gst_meta_get_info("PcNvDsMeta");
        if (info == NULL)
            info = gst_meta_register(api_type(), "PcNvDsMeta", sizeof(NvDsMeta), meta_init,
                                     meta_free, NULL);
        g_once_init_leave(&once, (gsize)info);
    }
    return (const GstMetaInfo *)once;
}

/* ---- the metadata nvinfer would leave ------------------------------------------------------ */

/* Exact binary16 bits of k / 256 for |k| < 2048 (at most 11 significant bits: exact). */
static uint16_t half_of_k256(int k) {
    if (k == 0) return 0;
    uint16_t sign = k < 0 ? 0x8000 : 0;
    unsigned m = (unsigned)(k < 0 ? -k : k);
    int e = 0;
    while ((m >> (e + 1)) != 0) e++;               /* 2^e <= m < 2^(e+1) */
    unsigned exp_field = (unsigned)(e - 8 + 15);    /* value = 2^(e-8) * (m / 2^e) */
    unsigned man = (m << (10 - e)) & 0x3ffu;
    return (uint16_t)(sign | (exp_field << 10) | man);
}

static void arena_free(gpointer data, gpointer user_data) {
    (void)user_data;
    Arena *a = data;
    for (int f = 0; f < MAX_FRAMES; f++) {
        g_free(a->f32[f]);
        g_free(a->f16[f]);
    }
    g_free(a);
    g_atomic_int_add(&live_arenas, -1);
}

static void set_dims(NvDsInferDims *d, unsigned n, const unsigned *dims) {
    d->numDims = n;
    unsigned e = 1;
    for (unsigned i = 0; i < n && i < PC_MAX_DIMS; i++) {
        d->d[i] = dims[i];
        e *= dims[i];
    }
    d->numElements = e;
}

static Arena *arena_new(const ds_fixture_spec *s) {
    Arena *a = g_malloc0(sizeof(Arena));
    g_atomic_int_add(&live_arenas, 1);
    unsigned frames = s->frames > MAX_FRAMES ? MAX_FRAMES : s->frames;
    a->batch.base_meta.meta_type = 1; /* NVDS_BATCH_META */
    a->batch.max_frames_in_batch = MAX_FRAMES;
    a->batch.num_frames_in_batch = frames;
    for (unsigned f = 0; f < frames; f++) {
        NvDsFrameMeta *fm = &a->frames[f];
        fm->base_meta.batch_meta = &a->batch;
        fm->base_meta.meta_type = 2; /* NVDS_FRAME_META */
        fm->batch_id = f;
        fm->frame_num = (gint)(100 + f);
        fm->buf_pts = s->pts_base + f;
        fm->source_id = f;
        fm->source_frame_width = 5700;
        fm->source_frame_height = 1900;
        fm->pipeline_width = 5700;
        fm->pipeline_height = 1900;
        fm->bInferDone = TRUE;

        /* A user meta of another type first: the reader must skip it. */
        NvDsUserMeta *other = &a->users[f][0];
        other->base_meta.batch_meta = &a->batch;
        other->base_meta.meta_type = PC_NVDS_USER_META;
        other->user_meta_data = &a->other_user_data;

        NvDsInferTensorMeta *tm = &a->tensor[f];
        tm->unique_id = 1;
        tm->num_output_layers = 2;
        tm->output_layers_info = a->layers[f];
        tm->out_buf_ptrs_host = a->host[f];
        tm->gpu_id = 0;
        tm->network_info.width = s->net_w;
        tm->network_info.height = s->net_h;
        tm->network_info.channels = 3;
        tm->maintain_aspect_ratio = s->maintain_aspect_ratio;
#ifdef PITCHCAM_DS8
        tm->symmetric_padding = s->symmetric_padding;
#endif
        /* Layer 0: FP32 [9, 8400], channels first (the ultralytics export). */
        NvDsInferLayerInfo *l0 = &a->layers[f][0];
        l0->dataType = 0;
        set_dims(&l0->inferDims, 2, (const unsigned[]){ROWS, ANCHORS});
        l0->layerName = "output0";
        a->f32[f] = g_malloc(N * sizeof(float));
        for (unsigned i = 0; i < N; i++)
            a->f32[f][i] = (float)((i + 31u * f) % 997u) / 997.0f;
        a->host[f][0] = a->f32[f];
        /* nvinfer's layer `buffer` points at the batch output, not at this frame's slice. */
        l0->buffer = NULL;

        /* Layer 1: FP16 [1, 8400, 9], anchors first, with a unit dim, and special values. */
        NvDsInferLayerInfo *l1 = &a->layers[f][1];
        l1->dataType = 1;
        set_dims(&l1->inferDims, 3, (const unsigned[]){1, ANCHORS, ROWS});
        l1->layerName = "output1";
        a->f16[f] = g_malloc(N * sizeof(uint16_t) + 2);
        for (unsigned i = 0; i < N; i++)
            a->f16[f][i] = half_of_k256((int)((i * 7u + f) % 2048u) - 1024);
        a->f16[f][0] = 0x0001; /* smallest subnormal */
        a->f16[f][1] = 0x7c00; /* +inf */
        a->f16[f][2] = 0x7e00; /* NaN */
        a->f16[f][3] = 0x8000; /* -0 */
        a->host[f][1] = a->f16[f];

        NvDsUserMeta *um = &a->users[f][1];
        um->base_meta.batch_meta = &a->batch;
        um->base_meta.meta_type = PC_NVDSINFER_TENSOR_OUTPUT_META;
        um->user_meta_data = tm;

        a->user_nodes[f][0].data = other;
        a->user_nodes[f][0].next = &a->user_nodes[f][1];
        a->user_nodes[f][1].data = um;
        a->user_nodes[f][1].prev = &a->user_nodes[f][0];
        fm->frame_user_meta_list = &a->user_nodes[f][0];

        a->frame_nodes[f].data = fm;
        if (f > 0) {
            a->frame_nodes[f - 1].next = &a->frame_nodes[f];
            a->frame_nodes[f].prev = &a->frame_nodes[f - 1];
        }
    }
    a->batch.frame_meta_list = frames > 0 ? &a->frame_nodes[0] : NULL;

    if (frames > 0) {
        NvDsInferLayerInfo *l0 = &a->layers[0][0];
        switch (s->defect) {
        case DEFECT_NULL_FRAME: a->frame_nodes[0].data = NULL; break;
        case DEFECT_NULL_TENSOR_META: a->users[0][1].user_meta_data = NULL; break;
        case DEFECT_ELEMENT_MISMATCH: l0->inferDims.numElements += 1; break;
        case DEFECT_TOO_MANY_DIMS: l0->inferDims.numDims = 9; break;
        case DEFECT_INT8: l0->dataType = 2; break;
        case DEFECT_NO_HOST_COPY: a->tensor[0].out_buf_ptrs_host = NULL; break;
        case DEFECT_FRAME_CYCLE: a->frame_nodes[frames - 1].next = &a->frame_nodes[0]; break;
        case DEFECT_HUGE_DIMS:
            set_dims(&l0->inferDims, 3, (const unsigned[]){65536, 65536, 65536});
            l0->inferDims.numElements = 0;
            break;
        case DEFECT_MISALIGNED_HOST: a->host[0][1] = (char *)a->f16[0] + 1; break;
        case DEFECT_NOT_A_HEAD: set_dims(&l0->inferDims, 2, (const unsigned[]){100, 200}); break;
        case DEFECT_ZERO_DIM:
            l0->inferDims.d[1] = 0;
            l0->inferDims.numElements = 0;
            break;
        case VARIANT_FP32_ONLY:
            for (unsigned f = 0; f < frames; f++) a->tensor[f].num_output_layers = 1;
            break;
        case VARIANT_MUXER_SCALED:
            for (unsigned f = 0; f < frames; f++) {
                a->frames[f].pipeline_width = 2850;
                a->frames[f].pipeline_height = 950;
            }
            break;
        default: break;
        }
    }
    return a;
}

static NvDsMeta *add_meta(GstBuffer *buf) {
    return (NvDsMeta *)gst_buffer_add_meta(buf, meta_info(), NULL);
}

/* Attaches a decoy (tagged meta of another type) and, unless the spec says decoy only, the batch
 * meta. The buffer must be writable. Returns 0 on success. */
int ds_fixture_attach(GstBuffer *buf, const ds_fixture_spec *spec) {
    if (buf == NULL || spec == NULL || !gst_buffer_is_writable(buf)) return -1;
    NvDsMeta *decoy = add_meta(buf);
    if (decoy == NULL) return -1;
    decoy->meta_type = PC_NVDS_DECODER_GST_META;
    if (spec->defect == DEFECT_DECOY_ONLY) return 0;
    NvDsMeta *m = add_meta(buf);
    if (m == NULL) return -1;
    Arena *a = arena_new(spec);
    m->meta_data = &a->batch; /* first member: the arena is freed through it */
    m->meta_type = PC_NVDS_BATCH_GST_META;
    m->freefunc = arena_free;
    return 0;
}

GstBuffer *ds_fixture_buffer(const ds_fixture_spec *spec) {
    GstBuffer *buf = gst_buffer_new();
    if (ds_fixture_attach(buf, spec) != 0) {
        gst_buffer_unref(buf);
        return NULL;
    }
    return buf;
}

/* A pad probe that plays nvinfer: attaches the fixture to every buffer passing `pad`. */
static GstPadProbeReturn attach_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user_data) {
    (void)pad;
    const ds_fixture_spec *base = user_data;
    GstBuffer *buf = gst_pad_probe_info_get_buffer(info);
    if (buf == NULL) return GST_PAD_PROBE_OK;
    buf = gst_buffer_make_writable(buf);
    GST_PAD_PROBE_INFO_DATA(info) = buf;
    ds_fixture_spec s = *base;
    s.pts_base = GST_BUFFER_PTS(buf);
    if (ds_fixture_attach(buf, &s) != 0) return GST_PAD_PROBE_DROP;
    return GST_PAD_PROBE_OK;
}

gulong ds_fixture_install_probe(GstPad *pad, const ds_fixture_spec *spec) {
    ds_fixture_spec *copy = g_malloc(sizeof(*copy));
    memcpy(copy, spec, sizeof(*copy));
    return gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, attach_probe, copy, g_free);
}
