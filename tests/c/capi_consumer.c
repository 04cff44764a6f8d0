/*
 * A C consumer of libpitchcam, built by tests/capi_c.rs four ways: as C11 (-pedantic) and as C++17
 * (capi_consumer.cpp includes this file), each linked against libpitchcam.a and libpitchcam.so.
 *
 *   capi_consumer all <frame.bin>   layout, ring over a real pipeline, detect, bad input, threads
 *   capi_consumer ring              the ring part only
 *   capi_consumer leak              a ring lookup whose reference is never released (the leaks
 *                                   tracer must turn that into a failing exit)
 *   capi_consumer noperm            SCHED_FIFO without privilege must give PC_ERR_NO_PRIVILEGE
 *
 * Detections are printed as "DET x1 y1 x2 y2 score class" lines for the Rust side to compare with
 * the reference. Every check prints "FAIL ..." and the exit status is 1 if any failed.
 */
/* sched_setaffinity, CPU_SET & co. are GNU extensions. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <gst/gst.h>

#include "pitchcam.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#ifdef __cplusplus
#define TEST_STATIC_ASSERT(c, m) static_assert(c, m)
#define TEST_ALIGNOF(t) alignof(t)
#else
#define TEST_STATIC_ASSERT(c, m) _Static_assert(c, m)
#define TEST_ALIGNOF(t) _Alignof(t)
#endif

/* The layout the Rust side asserts too (ffi/capi/detect.rs, ring.rs). */
TEST_STATIC_ASSERT(sizeof(pc_detection) == 20, "pc_detection is 20 bytes");
TEST_STATIC_ASSERT(TEST_ALIGNOF(pc_detection) == 4, "pc_detection is 4-byte aligned");
TEST_STATIC_ASSERT(offsetof(pc_detection, x1) == 0 && offsetof(pc_detection, y1) == 4 &&
                       offsetof(pc_detection, x2) == 8 && offsetof(pc_detection, y2) == 12,
                   "pc_detection box offsets");
TEST_STATIC_ASSERT(offsetof(pc_detection, score) == 16 && offsetof(pc_detection, class_id) == 18 &&
                       offsetof(pc_detection, reserved) == 19,
                   "pc_detection score/class offsets");
TEST_STATIC_ASSERT(sizeof(pc_tensor) == 40 && offsetof(pc_tensor, rows) == 8 &&
                       offsetof(pc_tensor, anchors) == 12 && offsetof(pc_tensor, transposed) == 16 &&
                       offsetof(pc_tensor, scale_x) == 20 && offsetof(pc_tensor, offset_y) == 32,
                   "pc_tensor layout");
TEST_STATIC_ASSERT(sizeof(pc_detect_params) == 16 && offsetof(pc_detect_params, max_det) == 8 &&
                       offsetof(pc_detect_params, class_agnostic) == 12,
                   "pc_detect_params layout");
TEST_STATIC_ASSERT(sizeof(pc_detect_params_ex) == 100 && offsetof(pc_detect_params_ex, pano_width) == 16 &&
                       offsetof(pc_detect_params_ex, class_conf) == 36,
                   "pc_detect_params_ex layout");
TEST_STATIC_ASSERT(sizeof(pc_detect_stats) == 24, "pc_detect_stats layout");
TEST_STATIC_ASSERT(sizeof(pc_ring_stats) == 144 && offsetof(pc_ring_stats, oldest_pts) == 16 &&
                       offsetof(pc_ring_stats, high_water) == 136,
                   "pc_ring_stats layout");
TEST_STATIC_ASSERT(sizeof(pc_point) == 8 && sizeof(pc_ball) == 20 && sizeof(pc_ball_candidate) == 12 &&
                       sizeof(pc_players) == 36,
                   "tracker value types");
TEST_STATIC_ASSERT(sizeof(pc_observation) == 120 && offsetof(pc_observation, ball) == 8 &&
                       offsetof(pc_observation, n_candidates) == 28 &&
                       offsetof(pc_observation, candidates) == 32 &&
                       offsetof(pc_observation, players) == 80,
                   "pc_observation layout");
TEST_STATIC_ASSERT(sizeof(pc_tracker_config) == 112 && offsetof(pc_tracker_config, kick_hits) == 44 &&
                       offsetof(pc_tracker_config, predict_for_ns) == 56,
                   "pc_tracker_config layout");
TEST_STATIC_ASSERT(sizeof(pc_tracker_stats) == 128 && sizeof(pc_rect) == 16, "stats, rect");
/* The version macro must encode its parts (a shift slip would pass a tautology). */
TEST_STATIC_ASSERT((PITCHCAM_ABI_VERSION >> 16) == PITCHCAM_ABI_MAJOR &&
                       (PITCHCAM_ABI_VERSION & 0xffff) == PITCHCAM_ABI_MINOR,
                   "PITCHCAM_ABI_VERSION encodes major and minor");

static int failures = 0;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);               \
            failures++;                                                                   \
        }                                                                                 \
    } while (0)

#define CHECK_RC(expr, want)                                                              \
    do {                                                                                  \
        int rc_ = (expr);                                                                 \
        int want_ = (want);                                                               \
        if (rc_ != want_) {                                                               \
            fprintf(stderr, "FAIL %s:%d: %s = %d (%s), want %d (%s)\n", __FILE__, __LINE__, \
                    #expr, rc_, pc_status_str(rc_), want_, pc_status_str(want_));         \
            failures++;                                                                   \
        }                                                                                 \
    } while (0)

#define FRAMES 40
#define RING_CAP 16
#define FPS 30

static uint64_t frame_pts(uint64_t k) { return k * GST_SECOND / FPS; }

/* ------------------------------------------------------------------------------------------ */
/* Ring over a real pipeline                                                                  */
/* ------------------------------------------------------------------------------------------ */

typedef struct probe_ctx {
    pc_ring *ring;
    int stored;
    int refused;
} probe_ctx;

/* O(1) on the streaming thread: one push, which takes its own reference. */
static GstPadProbeReturn push_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user_data) {
    probe_ctx *ctx = (probe_ctx *)user_data;
    (void)pad;
    if (pc_ring_push(ctx->ring, GST_PAD_PROBE_INFO_BUFFER(info)) == PC_OK) {
        ctx->stored++;
    } else {
        ctx->refused++;
    }
    return GST_PAD_PROBE_OK;
}

static void run_pipeline(pc_ring *ring) {
    GError *err = NULL;
    char desc[256];
    snprintf(desc, sizeof desc,
             "videotestsrc num-buffers=%d ! video/x-raw,format=I420,width=64,height=48,"
             "framerate=%d/1 ! fakesink name=sink sync=false",
             FRAMES, FPS);
    GstElement *pipeline = gst_parse_launch(desc, &err);
    if (pipeline == NULL) {
        fprintf(stderr, "FAIL: pipeline: %s\n", err ? err->message : "?");
        failures++;
        g_clear_error(&err);
        return;
    }
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GstPad *pad = gst_element_get_static_pad(sink, "sink");
    probe_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.ring = ring;
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, push_probe, &ctx, NULL);
    gst_object_unref(pad);
    gst_object_unref(sink);

    CHECK(gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
    GstBus *bus = gst_element_get_bus(pipeline);
    GstMessage *msg = gst_bus_timed_pop_filtered(
        bus, 20 * GST_SECOND, (GstMessageType)(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    CHECK(msg != NULL && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS);
    if (msg != NULL) {
        gst_message_unref(msg);
    }
    gst_object_unref(bus);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    CHECK(ctx.stored == FRAMES);
    CHECK(ctx.refused == 0);
}

typedef enum lookup_kind { AT_OR_BEFORE, AT_OR_AFTER, NEAREST } lookup_kind;

/* A lookup must return the frame with the expected PTS and videotestsrc frame number (offset),
 * as a new reference; want_frame < 0: PC_ERR_NOT_FOUND. */
static void check_lookup(const pc_ring *ring, lookup_kind kind, uint64_t query, int want_frame,
                         int line) {
    GstBuffer *buf = NULL;
    uint64_t pts = 0;
    int rc = kind == AT_OR_BEFORE ? pc_ring_at_or_before(ring, query, &buf, &pts)
             : kind == AT_OR_AFTER ? pc_ring_at_or_after(ring, query, &buf, &pts)
                                   : pc_ring_nearest(ring, query, &buf, &pts);
    int want_rc = want_frame < 0 ? PC_ERR_NOT_FOUND : PC_OK;
    if (rc != want_rc) {
        fprintf(stderr, "FAIL line %d: lookup %d of %llu = %s, want %s\n", line, (int)kind,
                (unsigned long long)query, pc_status_str(rc), pc_status_str(want_rc));
        failures++;
    }
    if (rc != PC_OK) {
        CHECK(buf == NULL && pts == 0); /* nothing written on failure */
        return;
    }
    if (pts != frame_pts((uint64_t)want_frame) || GST_BUFFER_PTS(buf) != pts ||
        GST_BUFFER_OFFSET(buf) != (guint64)want_frame) {
        fprintf(stderr, "FAIL line %d: lookup %d of %llu gave pts %llu offset %llu, want frame %d\n",
                line, (int)kind, (unsigned long long)query, (unsigned long long)pts,
                (unsigned long long)GST_BUFFER_OFFSET(buf), want_frame);
        failures++;
    }
    gst_buffer_unref(buf);
}

static void test_ring(void) {
    pc_ring *ring = NULL;
    CHECK_RC(pc_ring_new(RING_CAP, GST_SECOND / FPS, &ring), PC_OK);
    if (ring == NULL) {
        return;
    }
    run_pipeline(ring);

    pc_ring_stats s;
    CHECK_RC(pc_ring_get_stats(ring, &s), PC_OK);
    CHECK(s.len == RING_CAP && s.capacity == RING_CAP && s.stale == 0);
    CHECK(s.pushed == FRAMES && s.stored == FRAMES && s.evicted == FRAMES - RING_CAP);
    CHECK(s.high_water == RING_CAP && s.gaps == 0 && s.duplicates == 0 && s.no_pts == 0);
    CHECK(s.oldest_pts == frame_pts(FRAMES - RING_CAP) && s.newest_pts == frame_pts(FRAMES - 1));

    GstBuffer *buf = NULL;
    uint64_t pts = 0;
    const uint64_t half = GST_SECOND / FPS / 2;
    check_lookup(ring, AT_OR_BEFORE, frame_pts(30) + 1, 30, __LINE__);
    check_lookup(ring, AT_OR_BEFORE, frame_pts(30) - 1, 29, __LINE__);
    check_lookup(ring, AT_OR_BEFORE, frame_pts(30), 30, __LINE__);
    check_lookup(ring, AT_OR_AFTER, frame_pts(30) + 1, 31, __LINE__);
    check_lookup(ring, AT_OR_AFTER, 0, FRAMES - RING_CAP, __LINE__);
    check_lookup(ring, NEAREST, frame_pts(30) + half - 1000, 30, __LINE__);
    check_lookup(ring, NEAREST, frame_pts(30) + half + 1000, 31, __LINE__);
    check_lookup(ring, NEAREST, 0, FRAMES - RING_CAP, __LINE__);
    check_lookup(ring, AT_OR_BEFORE, UINT64_MAX, FRAMES - 1, __LINE__);
    check_lookup(ring, AT_OR_BEFORE, frame_pts(FRAMES - RING_CAP) - 1, -1, __LINE__);
    check_lookup(ring, AT_OR_AFTER, frame_pts(FRAMES - 1) + 1, -1, __LINE__);

    /* A lookup hands out a new reference: the ring's plus ours. out_pts is optional. */
    buf = NULL;
    CHECK_RC(pc_ring_at_or_before(ring, frame_pts(30), &buf, NULL), PC_OK);
    if (buf != NULL) {
        CHECK(GST_MINI_OBJECT_REFCOUNT_VALUE(buf) == 2);
        gst_buffer_unref(buf);
    }

    /* Refused pushes retain nothing. */
    GstBuffer *no_pts = gst_buffer_new();
    CHECK_RC(pc_ring_push(ring, no_pts), PC_ERR_NO_PTS);
    CHECK(GST_MINI_OBJECT_REFCOUNT_VALUE(no_pts) == 1);
    GST_BUFFER_PTS(no_pts) = frame_pts(FRAMES - 1);
    CHECK_RC(pc_ring_push(ring, no_pts), PC_ERR_DUPLICATE_PTS);
    GST_BUFFER_PTS(no_pts) = frame_pts(FRAMES - 2);
    CHECK_RC(pc_ring_push(ring, no_pts), PC_ERR_LATE_PTS);
    CHECK(GST_MINI_OBJECT_REFCOUNT_VALUE(no_pts) == 1);

    /* Not a GstBuffer (e.g. a PyGObject wrapper address instead of hash(buf)). */
    GstCaps *caps = gst_caps_new_empty_simple("video/x-raw");
    CHECK_RC(pc_ring_push(ring, (GstBuffer *)(void *)caps), PC_ERR_INVALID_ARG);
    gst_caps_unref(caps);

    CHECK_RC(pc_ring_get_stats(ring, &s), PC_OK);
    CHECK(s.pushed == FRAMES + 3 && s.no_pts == 1 && s.duplicates == 1 && s.late == 1);
    CHECK(s.len == RING_CAP);

    /* NULLs, misalignment. */
    CHECK_RC(pc_ring_push(NULL, no_pts), PC_ERR_NULL);
    CHECK_RC(pc_ring_push(ring, NULL), PC_ERR_NULL);
    CHECK_RC(pc_ring_at_or_before(NULL, 0, &buf, &pts), PC_ERR_NULL);
    CHECK_RC(pc_ring_at_or_before(ring, frame_pts(30), NULL, &pts), PC_ERR_NULL);
    CHECK_RC(pc_ring_at_or_after(ring, 0, NULL, NULL), PC_ERR_NULL);
    CHECK_RC(pc_ring_nearest(NULL, 0, &buf, NULL), PC_ERR_NULL);
    CHECK_RC(pc_ring_get_stats(ring, NULL), PC_ERR_NULL);
    CHECK_RC(pc_ring_get_stats(NULL, &s), PC_ERR_NULL);
    {
        uint64_t words[4];
        char *bytes = (char *)(void *)words;
        CHECK_RC(pc_ring_at_or_before(ring, frame_pts(30), &buf, (uint64_t *)(void *)(bytes + 1)),
                 PC_ERR_MISALIGNED);
    }
    CHECK_RC(pc_ring_flush(NULL), PC_ERR_NULL);
    CHECK_RC(pc_ring_clear(NULL), PC_ERR_NULL);
    pc_ring *bad = NULL;
    CHECK_RC(pc_ring_new(0, GST_SECOND / FPS, &bad), PC_ERR_INVALID_ARG);
    CHECK_RC(pc_ring_new(PC_RING_MAX_CAPACITY + 1, GST_SECOND / FPS, &bad), PC_ERR_INVALID_ARG);
    CHECK_RC(pc_ring_new(10, 0, &bad), PC_ERR_INVALID_ARG);
    CHECK_RC(pc_ring_new(10, GST_SECOND / FPS, NULL), PC_ERR_NULL);
    CHECK(bad == NULL);
    pc_ring_free(NULL);

    /* Flush: entries vanish from lookups at once; a new timeline starts; clear releases all. */
    CHECK_RC(pc_ring_flush(ring), PC_OK);
    check_lookup(ring, AT_OR_BEFORE, UINT64_MAX, -1, __LINE__);
    GST_BUFFER_PTS(no_pts) = 0;
    CHECK_RC(pc_ring_push(ring, no_pts), PC_OK);
    CHECK(GST_MINI_OBJECT_REFCOUNT_VALUE(no_pts) == 2);
    CHECK_RC(pc_ring_get_stats(ring, &s), PC_OK);
    CHECK(s.len == 1 && s.stale == RING_CAP - 1 && s.flushed == 1 && s.flushes == 1);
    buf = NULL;
    CHECK_RC(pc_ring_nearest(ring, 12345, &buf, &pts), PC_OK);
    CHECK(buf == no_pts && pts == 0);
    if (buf != NULL) {
        gst_buffer_unref(buf);
    }
    CHECK_RC(pc_ring_clear(ring), PC_OK);
    CHECK(GST_MINI_OBJECT_REFCOUNT_VALUE(no_pts) == 1);
    CHECK_RC(pc_ring_get_stats(ring, &s), PC_OK);
    CHECK(s.len == 0 && s.stale == 0 && s.oldest_pts == UINT64_MAX && s.newest_pts == UINT64_MAX);
    gst_buffer_unref(no_pts);

    /* Free with buffers inside: the ring releases them. */
    run_pipeline(ring);
    pc_ring_free(ring);
}

/* A reference handed out and never released: the leaks tracer must catch it. */
static void leak_one_reference(void) {
    pc_ring *ring = NULL;
    CHECK_RC(pc_ring_new(RING_CAP, GST_SECOND / FPS, &ring), PC_OK);
    run_pipeline(ring);
    GstBuffer *buf = NULL;
    CHECK_RC(pc_ring_at_or_before(ring, UINT64_MAX, &buf, NULL), PC_OK);
    pc_ring_free(ring); /* buf deliberately not unreffed */
}

/* ------------------------------------------------------------------------------------------ */
/* Detection                                                                                  */
/* ------------------------------------------------------------------------------------------ */

#define ROWS 9
#define ANCHORS 8400
#define OUT_CAP 512

static float *load_head(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "FAIL: cannot open %s: %s\n", path, strerror(errno));
        failures++;
        return NULL;
    }
    float *data = (float *)malloc(sizeof(float) * ROWS * ANCHORS);
    size_t n = data ? fread(data, sizeof(float), ROWS * ANCHORS, f) : 0;
    fclose(f);
    if (n != ROWS * ANCHORS) {
        fprintf(stderr, "FAIL: %s: read %zu floats, want %d\n", path, n, ROWS * ANCHORS);
        failures++;
        free(data);
        return NULL;
    }
    return data;
}

static pc_tensor identity_tensor(const float *data) {
    pc_tensor t;
    memset(&t, 0, sizeof t);
    t.data = data;
    t.rows = ROWS;
    t.anchors = ANCHORS;
    t.transposed = 0;
    t.scale_x = 1.0f;
    t.scale_y = 1.0f;
    return t;
}

static pc_detect_params reference_params(void) {
    pc_detect_params p;
    memset(&p, 0, sizeof p);
    p.conf_threshold = 0.25f;
    p.iou_threshold = 0.45f;
    p.max_det = 300;
    p.class_agnostic = 0;
    return p;
}

static void test_detect(const char *head_path) {
    float *head = load_head(head_path);
    if (head == NULL) {
        return;
    }
    pc_tensor t = identity_tensor(head);
    pc_detect_params p = reference_params();
    static pc_detection out[OUT_CAP];
    uint32_t n = 0;
    CHECK_RC(pc_detect(&t, 1, &p, out, OUT_CAP, &n), PC_OK);
    CHECK(n > 0 && n <= 300);
    for (uint32_t i = 0; i < n; i++) {
        printf("DET %d %d %d %d %u %u\n", (int)out[i].x1, (int)out[i].y1, (int)out[i].x2,
               (int)out[i].y2, (unsigned)out[i].score, (unsigned)out[i].class_id);
        CHECK(out[i].reserved == 0);
        CHECK(i == 0 || out[i - 1].score >= out[i].score);
    }

    /* The transposed export of the same head gives the same boxes. */
    float *tr = (float *)malloc(sizeof(float) * ROWS * ANCHORS);
    for (int r = 0; r < ROWS; r++) {
        for (int a = 0; a < ANCHORS; a++) {
            tr[a * ROWS + r] = head[r * ANCHORS + a];
        }
    }
    pc_tensor tt = t;
    tt.data = tr;
    tt.transposed = 1;
    static pc_detection out2[OUT_CAP];
    uint32_t n2 = 0;
    CHECK_RC(pc_detect(&tt, 1, &p, out2, OUT_CAP, &n2), PC_OK);
    CHECK(n2 == n && memcmp(out, out2, n * sizeof out[0]) == 0);

    /* An explicit detector gives the same boxes; stats say what happened. */
    pc_detector *det = NULL;
    CHECK_RC(pc_detector_new(&det), PC_OK);
    pc_detect_params_ex px;
    memset(&px, 0, sizeof px);
    px.base = p;
    pc_detect_stats st;
    memset(&st, 0, sizeof st);
    CHECK_RC(pc_detector_detect(det, &t, 1, &px, out2, OUT_CAP, &n2, &st), PC_OK);
    CHECK(n2 == n && memcmp(out, out2, n * sizeof out[0]) == 0);
    CHECK(st.anchors == ANCHORS && st.kept == n && st.candidates >= n && st.non_finite == 0);

    /* Two side-by-side tiles (the second 640 px to the right) merge in one NMS. */
    pc_tensor tiles[2] = {t, t};
    tiles[1].offset_x = 640.0f;
    CHECK_RC(pc_detect(tiles, 2, &p, out2, OUT_CAP, &n2), PC_OK);
    CHECK(n2 == 2 * n);

    /* pc_nms over the output plus near-duplicates (1/256 px off, one step lower score) keeps
     * exactly the output, in order. */
    static pc_detection dets[2 * OUT_CAP];
    memcpy(dets, out, n * sizeof out[0]);
    for (uint32_t i = 0; i < n; i++) {
        dets[n + i] = out[i];
        dets[n + i].x1 += 1;
        dets[n + i].score = (uint16_t)(out[i].score - 1);
    }
    uint32_t kept = 0;
    CHECK_RC(pc_nms(dets, 2 * n, 0.45f, 0, 300, &kept), PC_OK);
    CHECK(kept == n && memcmp(dets, out, n * sizeof out[0]) == 0);

    /* ---- bad input: each case its own code, nothing written ---- */
    uint32_t len = 777;
    CHECK_RC(pc_detect(NULL, 1, &p, out2, OUT_CAP, &len), PC_ERR_NULL);
    CHECK_RC(pc_detect(&t, 1, NULL, out2, OUT_CAP, &len), PC_ERR_NULL);
    CHECK_RC(pc_detect(&t, 1, &p, out2, OUT_CAP, NULL), PC_ERR_NULL);
    CHECK_RC(pc_detect(&t, 1, &p, NULL, OUT_CAP, &len), PC_ERR_NULL);
    CHECK(len == 777);
    /* Zero sizes: an empty frame; a zero-capacity output for a frame that keeps boxes. */
    CHECK_RC(pc_detect(NULL, 0, &p, NULL, 0, &len), PC_OK);
    CHECK(len == 0);
    pc_detection sentinel[1];
    memset(sentinel, 0x5a, sizeof sentinel);
    CHECK_RC(pc_detect(&t, 1, &p, NULL, 0, &len), PC_ERR_CAPACITY);
    CHECK(len == n);
    len = 0;
    CHECK_RC(pc_detect(&t, 1, &p, sentinel, 1, &len), PC_ERR_CAPACITY);
    CHECK(len == n && sentinel[0].x1 == 0x5a5a5a5a);
    /* Shapes. */
    pc_tensor bad = t;
    bad.rows = 4;
    CHECK_RC(pc_detect(&bad, 1, &p, out2, OUT_CAP, &len), PC_ERR_TENSOR_SHAPE);
    bad.rows = 4 + PC_MAX_CLASSES + 1;
    CHECK_RC(pc_detect(&bad, 1, &p, out2, OUT_CAP, &len), PC_ERR_TENSOR_SHAPE);
    bad = t;
    bad.anchors = 0;
    CHECK_RC(pc_detect(&bad, 1, &p, out2, OUT_CAP, &len), PC_ERR_TENSOR_SHAPE);
    bad = t;
    bad.data = NULL;
    CHECK_RC(pc_detect(&bad, 1, &p, out2, OUT_CAP, &len), PC_ERR_NULL);
    bad = t;
    bad.data = (const float *)(const void *)((const char *)head + 1);
    bad.anchors = ANCHORS - 1;
    CHECK_RC(pc_detect(&bad, 1, &p, out2, OUT_CAP, &len), PC_ERR_MISALIGNED);
    bad = t;
    bad.transposed = 2;
    CHECK_RC(pc_detect(&bad, 1, &p, out2, OUT_CAP, &len), PC_ERR_INVALID_ARG);
    bad = t;
    bad.scale_x = 0.0f;
    CHECK_RC(pc_detect(&bad, 1, &p, out2, OUT_CAP, &len), PC_ERR_INVALID_ARG);
    bad = t;
    bad.offset_y = INFINITY;
    CHECK_RC(pc_detect(&bad, 1, &p, out2, OUT_CAP, &len), PC_ERR_NON_FINITE_PARAM);
    {
        static pc_tensor many[PC_MAX_TENSORS + 1];
        for (int i = 0; i <= PC_MAX_TENSORS; i++) {
            many[i] = t;
        }
        CHECK_RC(pc_detect(many, PC_MAX_TENSORS + 1, &p, out2, OUT_CAP, &len), PC_ERR_INVALID_ARG);
    }
    /* Parameters. */
    pc_detect_params bp = p;
    bp.conf_threshold = NAN;
    CHECK_RC(pc_detect(&t, 1, &bp, out2, OUT_CAP, &len), PC_ERR_NON_FINITE_PARAM);
    bp = p;
    bp.conf_threshold = 1.5f;
    CHECK_RC(pc_detect(&t, 1, &bp, out2, OUT_CAP, &len), PC_ERR_INVALID_ARG);
    bp = p;
    bp.iou_threshold = -0.1f;
    CHECK_RC(pc_detect(&t, 1, &bp, out2, OUT_CAP, &len), PC_ERR_INVALID_ARG);
    bp = p;
    bp.iou_threshold = INFINITY;
    CHECK_RC(pc_detect(&t, 1, &bp, out2, OUT_CAP, &len), PC_ERR_NON_FINITE_PARAM);
    bp = p;
    bp.max_det = 0;
    CHECK_RC(pc_detect(&t, 1, &bp, out2, OUT_CAP, &len), PC_ERR_INVALID_ARG);
    bp = p;
    bp.class_agnostic = 2;
    CHECK_RC(pc_detect(&t, 1, &bp, out2, OUT_CAP, &len), PC_ERR_INVALID_ARG);
    pc_detect_params_ex bx = px;
    bx.pano_width = 0;
    bx.pano_height = 10;
    CHECK_RC(pc_detect_ex(&t, 1, &bx, out2, OUT_CAP, &len, NULL), PC_ERR_INVALID_ARG);
    bx = px;
    bx.pano_width = PC_DETECT_MAX_PANORAMA_SIDE + 1;
    bx.pano_height = 10;
    CHECK_RC(pc_detect_ex(&t, 1, &bx, out2, OUT_CAP, &len, NULL), PC_ERR_INVALID_ARG);
    bx = px;
    bx.flags = 2;
    CHECK_RC(pc_detect_ex(&t, 1, &bx, out2, OUT_CAP, &len, NULL), PC_ERR_INVALID_ARG);
    bx = px;
    bx.n_class_conf = PC_MAX_CLASSES + 1;
    CHECK_RC(pc_detect_ex(&t, 1, &bx, out2, OUT_CAP, &len, NULL), PC_ERR_INVALID_ARG);
    bx = px;
    bx.n_class_conf = 1;
    bx.class_conf[0] = NAN;
    CHECK_RC(pc_detect_ex(&t, 1, &bx, out2, OUT_CAP, &len, NULL), PC_ERR_NON_FINITE_PARAM);
    CHECK(len == n);
    /* Per-class thresholds: class 1 (players) at 1.0 removes every player. */
    bx = px;
    bx.n_class_conf = 2;
    bx.class_conf[0] = 0.25f;
    bx.class_conf[1] = 1.0f;
    CHECK_RC(pc_detect_ex(&t, 1, &bx, out2, OUT_CAP, &n2, NULL), PC_OK);
    CHECK(n2 < n);
    for (uint32_t i = 0; i < n2; i++) {
        CHECK(out2[i].class_id != 1);
    }
    /* Panorama bounds clamp the boxes. */
    bx = px;
    bx.pano_width = 320;
    bx.pano_height = 320;
    CHECK_RC(pc_detect_ex(&t, 1, &bx, out2, OUT_CAP, &n2, NULL), PC_OK);
    for (uint32_t i = 0; i < n2; i++) {
        CHECK(out2[i].x2 <= 320 * 256 && out2[i].y2 <= 320 * 256);
    }

    /* A NaN-filled tensor is refused, unless the caller asks to skip non-finite anchors. */
    float *nan_head = (float *)malloc(sizeof(float) * ROWS * ANCHORS);
    for (int i = 0; i < ROWS * ANCHORS; i++) {
        nan_head[i] = NAN;
    }
    pc_tensor tn = identity_tensor(nan_head);
    len = 777;
    CHECK_RC(pc_detect(&tn, 1, &p, out2, OUT_CAP, &len), PC_ERR_NON_FINITE_DATA);
    CHECK(len == 777);
    memset(&st, 0, sizeof st);
    CHECK_RC(pc_detect_ex(&tn, 1, &px, out2, OUT_CAP, &len, &st), PC_ERR_NON_FINITE_DATA);
    CHECK(st.non_finite == ANCHORS && len == 777);
    bx = px;
    bx.flags = PC_DETECT_SKIP_NON_FINITE;
    CHECK_RC(pc_detect_ex(&tn, 1, &bx, out2, OUT_CAP, &len, &st), PC_OK);
    CHECK(len == 0 && st.non_finite == ANCHORS && st.kept == 0);
    free(nan_head);

    /* pc_nms bad input. */
    CHECK_RC(pc_nms(dets, 2 * n, 0.45f, 0, 300, NULL), PC_ERR_NULL);
    CHECK_RC(pc_nms(NULL, 3, 0.45f, 0, 300, &kept), PC_ERR_NULL);
    CHECK_RC(pc_nms(NULL, 0, 0.45f, 0, 300, &kept), PC_OK);
    CHECK(kept == 0);
    CHECK_RC(pc_nms(dets, 2 * n, NAN, 0, 300, &kept), PC_ERR_NON_FINITE_PARAM);
    CHECK_RC(pc_nms(dets, 2 * n, 1.01f, 0, 300, &kept), PC_ERR_INVALID_ARG);
    CHECK_RC(pc_nms(dets, 2 * n, 0.45f, 7, 300, &kept), PC_ERR_INVALID_ARG);
    CHECK_RC(pc_nms(dets, 2 * n, 0.45f, 0, 0, &kept), PC_ERR_INVALID_ARG);
    CHECK_RC(pc_nms((pc_detection *)(void *)((char *)dets + 2), 3, 0.45f, 0, 300, &kept),
             PC_ERR_MISALIGNED);

    /* Detector handles. */
    CHECK_RC(pc_detector_new(NULL), PC_ERR_NULL);
    CHECK_RC(pc_detector_detect(NULL, &t, 1, &px, out2, OUT_CAP, &n2, NULL), PC_ERR_NULL);
    CHECK_RC(pc_detector_detect(det, &t, 1, NULL, out2, OUT_CAP, &n2, NULL), PC_ERR_NULL);
    pc_detector_free(det);
    pc_detector_free(NULL);

    free(tr);
    free(head);
}

/* ------------------------------------------------------------------------------------------ */
/* Tracker and planner                                                                        */
/* ------------------------------------------------------------------------------------------ */

#define PANO_W 5700
#define PANO_H 1900
#define TRACK_FRAMES 90

/* Frame k of a synthetic match: the ball rolls right at 300 px/s, two players stand by. */
static uint32_t synthetic_frame(int k, pc_detection *d) {
    int32_t bx = (1000 * 256) + k * 10 * 256, by = 900 * 256;
    memset(d, 0, 3 * sizeof d[0]);
    d[0].x1 = bx - 7 * 256;
    d[0].y1 = by - 7 * 256;
    d[0].x2 = bx + 7 * 256;
    d[0].y2 = by + 7 * 256;
    d[0].score = 58000;
    d[0].class_id = 0;
    for (int i = 1; i < 3; i++) {
        d[i].x1 = (800 + 400 * i) * 256;
        d[i].y1 = 700 * 256;
        d[i].x2 = (840 + 400 * i) * 256;
        d[i].y2 = 800 * 256;
        d[i].score = 50000;
        d[i].class_id = 1;
    }
    return 3;
}

static void test_track_plan(void) {
    pc_tracker_config cfg;
    CHECK_RC(pc_tracker_config_default(PANO_W, PANO_H, &cfg), PC_OK);
    CHECK(cfg.pano_width == PANO_W && cfg.max_speed > 0.0f && cfg.confirm_hits >= 1);
    pc_tracker *tr = NULL;
    CHECK_RC(pc_tracker_new(&cfg, &tr), PC_OK);
    pc_planner *pl = NULL;
    CHECK_RC(pc_planner_new(PANO_W, PANO_H, 16.0f / 9.0f, PC_PRESET_BROADCAST, &pl), PC_OK);
    if (tr == NULL || pl == NULL) {
        return;
    }
    static pc_observation obs[TRACK_FRAMES];
    pc_detection d[3];
    for (int k = 0; k < TRACK_FRAMES; k++) {
        uint32_t n = synthetic_frame(k, d);
        CHECK_RC(pc_tracker_step(tr, frame_pts((uint64_t)k), d, n, &obs[k]), PC_OK);
        CHECK_RC(pc_planner_push(pl, &obs[k]), PC_OK);
        CHECK(obs[k].pts == frame_pts((uint64_t)k));
        CHECK(obs[k].n_candidates == 1 && obs[k].players.count == 2);
    }
    /* Acquired after a few frames, then measured where the ball is, moving right. */
    const pc_observation *last = &obs[TRACK_FRAMES - 1];
    CHECK(last->ball.state == PC_BALL_MEASURED);
    CHECK(abs(last->ball.pos.x - (1000 + (TRACK_FRAMES - 1) * 10) * 256) < 4 * 256);
    CHECK(abs(last->ball.pos.y - 900 * 256) < 4 * 256);
    CHECK(last->ball.vel.x > 200 * 256 && last->ball.vel.x < 400 * 256);
    CHECK(last->candidates[0].score == 58000);
    pc_tracker_stats ts;
    CHECK_RC(pc_tracker_get_stats(tr, &ts), PC_OK);
    CHECK(ts.frames == TRACK_FRAMES && ts.acquisitions == 1 && ts.measured > TRACK_FRAMES / 2);

    /* Played frames: even, 16:9, inside the panorama, following the ball. */
    for (int k = 0; k < TRACK_FRAMES; k++) {
        pc_rect r;
        CHECK_RC(pc_planner_crop_at(pl, frame_pts((uint64_t)k), &r), PC_OK);
        CHECK(r.x % 2 == 0 && r.y % 2 == 0 && r.w % 2 == 0 && r.h % 2 == 0);
        CHECK(r.x >= 0 && r.y >= 0 && r.x + r.w <= PANO_W && r.y + r.h <= PANO_H && r.w > 0);
        CHECK(fabs((double)r.w / r.h - 16.0 / 9.0) < 0.02);
        int32_t bx = 1000 + k * 10;
        CHECK(bx >= r.x && bx < r.x + r.w && 900 >= r.y && 900 < r.y + r.h);
    }

    /* Bad input. */
    pc_observation o;
    CHECK_RC(pc_tracker_step(tr, frame_pts(TRACK_FRAMES), NULL, 0, &o), PC_OK); /* empty frame */
    CHECK_RC(pc_tracker_step(tr, UINT64_MAX, d, 3, &o), PC_OK);                 /* held */
    CHECK_RC(pc_tracker_get_stats(tr, &ts), PC_OK);
    CHECK(ts.pts_none == 1);
    CHECK_RC(pc_tracker_step(tr, 0, NULL, 3, &o), PC_ERR_NULL);
    CHECK_RC(pc_tracker_step(tr, 0, d, 3, NULL), PC_ERR_NULL);
    CHECK_RC(pc_tracker_step(NULL, 0, d, 3, &o), PC_ERR_NULL);
    CHECK_RC(pc_tracker_reset(tr), PC_OK);
    CHECK_RC(pc_tracker_reset(NULL), PC_ERR_NULL);
    CHECK_RC(pc_tracker_get_stats(tr, NULL), PC_ERR_NULL);
    CHECK_RC(pc_tracker_config_default(0, PANO_H, &cfg), PC_ERR_INVALID_ARG);
    CHECK_RC(pc_tracker_config_default(PANO_W, PANO_H, NULL), PC_ERR_NULL);
    pc_tracker *bad_tr = NULL;
    pc_tracker_config bad = cfg;
    bad.pano_width = 0;
    CHECK_RC(pc_tracker_new(&bad, &bad_tr), PC_ERR_INVALID_ARG);
    bad = cfg;
    bad.max_speed = NAN;
    CHECK_RC(pc_tracker_new(&bad, &bad_tr), PC_ERR_NON_FINITE_PARAM);
    bad = cfg;
    bad.confirm_hits = 0;
    CHECK_RC(pc_tracker_new(&bad, &bad_tr), PC_ERR_INVALID_ARG);
    CHECK_RC(pc_tracker_new(NULL, &bad_tr), PC_ERR_NULL);
    CHECK(bad_tr == NULL);

    pc_planner *bad_pl = NULL;
    CHECK_RC(pc_planner_new(0, PANO_H, 16.0f / 9.0f, PC_PRESET_BROADCAST, &bad_pl), PC_ERR_INVALID_ARG);
    CHECK_RC(pc_planner_new(PANO_W, PANO_H, NAN, PC_PRESET_BROADCAST, &bad_pl), PC_ERR_NON_FINITE_PARAM);
    CHECK_RC(pc_planner_new(PANO_W, PANO_H, 16.0f / 9.0f, 7, &bad_pl), PC_ERR_INVALID_ARG);
    CHECK_RC(pc_planner_new(PANO_W, PANO_H, 16.0f / 9.0f, PC_PRESET_WIDE, NULL), PC_ERR_NULL);
    CHECK(bad_pl == NULL);
    o = obs[0];
    o.ball.state = 9;
    CHECK_RC(pc_planner_push(pl, &o), PC_ERR_INVALID_ARG);
    o = obs[0];
    o.n_candidates = PC_MAX_BALL_CANDIDATES + 1;
    CHECK_RC(pc_planner_push(pl, &o), PC_ERR_INVALID_ARG);
    CHECK_RC(pc_planner_push(pl, NULL), PC_ERR_NULL);
    CHECK_RC(pc_planner_push(NULL, &obs[0]), PC_ERR_NULL);
    CHECK_RC(pc_planner_crop_at(pl, 0, NULL), PC_ERR_NULL);
    CHECK_RC(pc_planner_set_lookahead(pl, 2), PC_ERR_INVALID_ARG);
    CHECK_RC(pc_planner_set_lookahead(pl, 0), PC_OK);
    CHECK_RC(pc_planner_reset(pl), PC_OK);
    CHECK_RC(pc_planner_reset(NULL), PC_ERR_NULL);

    pc_tracker_free(tr);
    pc_planner_free(pl);
    pc_tracker_free(NULL);
    pc_planner_free(NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Status strings, version, threads                                                           */
/* ------------------------------------------------------------------------------------------ */

static void test_status_and_version(void) {
    CHECK(pc_abi_version() == PITCHCAM_ABI_VERSION);
    for (int code = 1; code >= -20; code--) {
        const char *s = pc_status_str(code);
        CHECK(s != NULL && s[0] != '\0');
    }
    CHECK(strcmp(pc_status_str(PC_OK), "success") == 0);
    CHECK(strcmp(pc_status_str(12345), "unknown pitchcam status code") == 0);
    CHECK(strcmp(pc_status_str(PC_ERR_PANIC), pc_status_str(12345)) != 0);
}

static void test_threads(void) {
    cpu_set_t before;
    CHECK(sched_getaffinity(0, sizeof before, &before) == 0);
    CHECK_RC(pc_thread_pin(-1), PC_ERR_INVALID_ARG);
    CHECK_RC(pc_thread_pin(1 << 20), PC_ERR_INVALID_ARG);
    CHECK_RC(pc_thread_pin(CPU_SETSIZE - 1), PC_ERR_INVALID_ARG); /* no such CPU here */
    int first = -1;
    for (int c = 0; c < CPU_SETSIZE && first < 0; c++) {
        if (CPU_ISSET(c, &before)) {
            first = c;
        }
    }
    CHECK_RC(pc_thread_pin(first), PC_OK);
    cpu_set_t now;
    CHECK(sched_getaffinity(0, sizeof now, &now) == 0);
    CHECK(CPU_COUNT(&now) == 1 && CPU_ISSET(first, &now));
    CHECK(sched_setaffinity(0, sizeof before, &before) == 0);

    CHECK_RC(pc_thread_set_realtime(-1), PC_ERR_INVALID_ARG);
    CHECK_RC(pc_thread_set_realtime(100), PC_ERR_INVALID_ARG);
    int rc = pc_thread_set_realtime(10);
    if (rc == PC_OK) {
        CHECK(sched_getscheduler(0) == SCHED_FIFO);
        CHECK_RC(pc_thread_set_realtime(0), PC_OK);
    } else {
        CHECK_RC(rc, PC_ERR_NO_PRIVILEGE);
    }
    CHECK(sched_getscheduler(0) == SCHED_OTHER);
}

/* Run without CAP_SYS_NICE (the test drops it with setpriv) and with RLIMIT_RTPRIO 0. */
static void test_no_privilege(void) {
    struct rlimit zero;
    zero.rlim_cur = 0;
    zero.rlim_max = 0;
    CHECK(setrlimit(RLIMIT_RTPRIO, &zero) == 0);
    CHECK_RC(pc_thread_set_realtime(10), PC_ERR_NO_PRIVILEGE);
    CHECK(sched_getscheduler(0) == SCHED_OTHER);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    gst_init(NULL, NULL);
    if (strcmp(mode, "all") == 0 && argc > 2) {
        test_status_and_version();
        test_ring();
        test_detect(argv[2]);
        test_track_plan();
        test_threads();
    } else if (strcmp(mode, "ring") == 0) {
        test_ring();
    } else if (strcmp(mode, "leak") == 0) {
        leak_one_reference();
    } else if (strcmp(mode, "noperm") == 0) {
        test_no_privilege();
    } else {
        fprintf(stderr, "usage: %s all <frame.bin> | ring | leak | noperm\n", argv[0]);
        return 2;
    }
    /* The leaks tracer reports at deinit; with G_DEBUG=fatal-warnings a leak aborts here. */
    gst_deinit();
    if (failures != 0) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("OK %s\n", mode);
    return 0;
}
