/* pitchcam test fixture: stand-ins for DeepStream's libnvbufsurface, libnvbufsurftransform,
 * libnvds_meta and libnvdsgst_meta, implementing the documented semantics
 * (shared/reference/deepstream-abi.md §1.4, §2.4) on system memory, from pitchcam's own struct
 * definitions (ds_layout.h). They let the `deepstream` feature link, set its rpath, and run its
 * wrappers here; they prove nothing about NVIDIA's implementation.
 *
 * Built once per library by tests/deepstream_bindgen.rs with one of PC_STUB_SURFACE,
 * PC_STUB_TRANSFORM, PC_STUB_META, PC_STUB_GSTMETA (and PITCHCAM_DS8 for ABI-B).
 *
 * Stricter than the real thing on purpose: NvBufSurfTransform fails with Invalid_Params (-3) on a
 * thread that never called NvBufSurfTransformSetSessionParams, so the per-thread contract is
 * testable. Only NV12 pitch-linear surfaces are supported. */
#include <stdlib.h>
#include <string.h>

#include "ds_layout.h"

#ifdef PC_STUB_SURFACE
static uint32_t align64(uint32_t v) { return (v + 63u) & ~63u; }

int NvBufSurfaceCreate(NvBufSurface **surf, uint32_t batchSize, NvBufSurfaceCreateParams *p) {
    if (surf == NULL || p == NULL || batchSize == 0) return -1;
    if (p->colorFormat != PC_COLOR_NV12 || p->layout != PC_LAYOUT_PITCH) return -1;
    if (p->width == 0 || p->height == 0 || (p->width | p->height) & 1u) return -1;
    NvBufSurface *s = calloc(1, sizeof(*s));
    if (s == NULL) return -1;
    s->surfaceList = calloc(batchSize, sizeof(NvBufSurfaceParams));
    if (s->surfaceList == NULL) {
        free(s);
        return -1;
    }
    s->gpuId = p->gpuId;
    s->batchSize = batchSize;
    s->numFilled = 0;
    s->memType = PC_MEM_SYSTEM;
    uint32_t pitch = align64(p->width);
    for (uint32_t i = 0; i < batchSize; i++) {
        NvBufSurfaceParams *e = &s->surfaceList[i];
        e->width = p->width;
        e->height = p->height;
        e->pitch = pitch;
        e->colorFormat = PC_COLOR_NV12;
        e->layout = PC_LAYOUT_PITCH;
        e->dataSize = pitch * p->height * 3u / 2u;
        e->dataPtr = calloc(1, e->dataSize);
        if (e->dataPtr == NULL) return -1; /* test-only: leaks on OOM */
        NvBufSurfacePlaneParams *pp = &e->planeParams;
        pp->num_planes = 2;
        pp->width[0] = p->width;
        pp->height[0] = p->height;
        pp->width[1] = p->width / 2;
        pp->height[1] = p->height / 2;
        pp->pitch[0] = pp->pitch[1] = pitch;
        pp->offset[0] = 0;
        pp->offset[1] = pitch * p->height;
        pp->psize[0] = pitch * p->height;
        pp->psize[1] = pitch * p->height / 2;
        pp->bytesPerPix[0] = 1;
        pp->bytesPerPix[1] = 2;
    }
    *surf = s;
    return 0;
}

int NvBufSurfaceDestroy(NvBufSurface *s) {
    if (s == NULL) return -1;
    for (uint32_t i = 0; i < s->batchSize; i++) free(s->surfaceList[i].dataPtr);
    free(s->surfaceList);
    free(s);
    return 0;
}

static int for_each(NvBufSurface *s, int index, int plane, int map) {
    if (s == NULL || index < -1 || index >= (int)s->batchSize || plane < -1 || plane > 1) return -1;
    for (uint32_t i = 0; i < s->batchSize; i++) {
        if (index != -1 && (uint32_t)index != i) continue;
        NvBufSurfaceParams *e = &s->surfaceList[i];
        for (int p = 0; p < 2; p++) {
            if (plane != -1 && plane != p) continue;
            e->mappedAddr.addr[p] = map ? (char *)e->dataPtr + e->planeParams.offset[p] : NULL;
        }
    }
    return 0;
}

int NvBufSurfaceMap(NvBufSurface *s, int index, int plane, int flags) {
    if (flags < 0 || flags > 2) return -1;
    return for_each(s, index, plane, 1);
}
int NvBufSurfaceUnMap(NvBufSurface *s, int index, int plane) { return for_each(s, index, plane, 0); }

static int syncs;
int NvBufSurfaceSyncForCpu(NvBufSurface *s, int index, int plane) {
    syncs++;
    return s == NULL || index >= (int)s->batchSize || plane > 1 ? -1 : 0;
}
int NvBufSurfaceSyncForDevice(NvBufSurface *s, int index, int plane) {
    syncs++;
    return s == NULL || index >= (int)s->batchSize || plane > 1 ? -1 : 0;
}
int pc_stub_sync_count(void) { return syncs; }
#endif

#ifdef PC_STUB_TRANSFORM
static _Thread_local int session_set;
static _Thread_local int session_compute = -1;

int NvBufSurfTransformSetSessionParams(NvBufSurfTransformConfigParams *cfg) {
    if (cfg == NULL || cfg->compute_mode < 0 || cfg->compute_mode > 2) return -3;
    session_set = 1;
    session_compute = cfg->compute_mode;
    return 0;
}

int pc_stub_session_compute(void) { return session_compute; }

/* Nearest-neighbour crop-and-scale of NV12 batch entry 0 of `src` into entry 0 of `dst`. */
int NvBufSurfTransform(NvBufSurface *src, NvBufSurface *dst, NvBufSurfTransformParams *p) {
    if (!session_set) return -3;
    if (src == NULL || dst == NULL || p == NULL || src->numFilled < 1 || dst->numFilled < 1)
        return -3;
    NvBufSurfaceParams *s = &src->surfaceList[0];
    NvBufSurfaceParams *d = &dst->surfaceList[0];
    if (s->colorFormat != PC_COLOR_NV12 || d->colorFormat != PC_COLOR_NV12) return -1;
    NvBufSurfTransformRect sr = {0};
    NvBufSurfTransformRect dr = {0};
    sr.width = s->width;
    sr.height = s->height;
    dr.width = d->width;
    dr.height = d->height;
    if (p->transform_flag & PC_CROP_SRC) {
        if (p->src_rect == NULL) return -3;
        sr = p->src_rect[0];
    }
    if (p->transform_flag & PC_CROP_DST) {
        if (p->dst_rect == NULL) return -3;
        dr = p->dst_rect[0];
    }
    if (sr.width == 0 || sr.height == 0 || sr.left + sr.width > s->width ||
        sr.top + sr.height > s->height || dr.left + dr.width > d->width ||
        dr.top + dr.height > d->height)
        return -4;
    const uint8_t *sy = s->dataPtr;
    uint8_t *dy = d->dataPtr;
    for (uint32_t y = 0; y < dr.height; y++) {
        uint32_t syy = sr.top + y * sr.height / dr.height;
        for (uint32_t x = 0; x < dr.width; x++) {
            uint32_t sxx = sr.left + x * sr.width / dr.width;
            dy[(dr.top + y) * d->pitch + dr.left + x] = sy[syy * s->pitch + sxx];
        }
    }
    const uint8_t *suv = sy + s->planeParams.offset[1];
    uint8_t *duv = dy + d->planeParams.offset[1];
    for (uint32_t y = 0; y < dr.height / 2; y++) {
        uint32_t syy = sr.top / 2 + y * sr.height / dr.height;
        for (uint32_t x = 0; x < dr.width / 2; x++) {
            uint32_t sxx = sr.left / 2 + x * sr.width / dr.width;
            uint32_t di = (dr.top / 2 + y) * d->pitch + (dr.left / 2 + x) * 2;
            uint32_t si = syy * s->pitch + sxx * 2;
            duv[di] = suv[si];
            duv[di + 1] = suv[si + 1];
        }
    }
    return 0;
}
#endif

#ifdef PC_STUB_META
static int locks_held;
static int lock_calls;

void nvds_acquire_meta_lock(NvDsBatchMeta *b) {
    if (b != NULL) {
        locks_held++;
        lock_calls++;
    }
}
void nvds_release_meta_lock(NvDsBatchMeta *b) {
    if (b != NULL) locks_held--;
}
int pc_stub_locks_held(void) { return locks_held; }
int pc_stub_lock_calls(void) { return lock_calls; }

/* Unlinks the node holding `um` from the frame's user meta list (the node is not freed: the
 * fixture owns it). */
void nvds_remove_user_meta_from_frame(NvDsFrameMeta *f, NvDsUserMeta *um) {
    if (f == NULL || um == NULL || locks_held <= 0) return;
    for (GList *n = f->frame_user_meta_list; n != NULL; n = n->next) {
        if (n->data != um) continue;
        if (n->prev != NULL) n->prev->next = n->next;
        else f->frame_user_meta_list = n->next;
        if (n->next != NULL) n->next->prev = n->prev;
        n->next = n->prev = NULL;
        return;
    }
}
#endif

#ifdef PC_STUB_GSTMETA
NvDsBatchMeta *gst_buffer_get_nvds_batch_meta(GstBuffer *buffer) {
    (void)buffer;
    return NULL;
}
#endif
