/*
 * pitchcam.h — the C ABI of libpitchcam (libpitchcam.so.0 / libpitchcam.a).
 *
 * pitchcam is the realtime core of a panoramic football camera. This library gives C, C++ and
 * Python (ctypes) programs its pieces that matter most to a DeepStream application:
 *
 *   - pc_detect / pc_nms:  YOLOv8/YOLO11 head decode and fixed-point NMS over one or more tensors
 *                          (tiles merge in one NMS), allocation-free, deterministic across machines;
 *   - pc_ring:             the delay ring over GstBuffer references, looked up by PTS in O(log n);
 *   - pc_tracker:          the forward ball tracker: detections in, one observation per frame out;
 *   - pc_planner:          the virtual camera: observations in, the crop for a played PTS out;
 *   - pc_thread_*:         pinning and SCHED_FIFO for the calling thread, failing softly.
 *
 * Conventions
 *   - Fallible functions return an int status: PC_OK (0) or a negative pc_status code;
 *     pc_status_str() describes any code. A function fails before changing anything unless its
 *     documentation says otherwise.
 *   - Out-parameters are written only on success. The exceptions are stated where they apply:
 *     on PC_ERR_CAPACITY *out_len tells the size needed, and the optional frame statistics of
 *     pc_detect_ex are written whenever the frame was decoded.
 *   - Every pointer argument is checked: NULL gives PC_ERR_NULL, a pointer not aligned for its
 *     type PC_ERR_MISALIGNED. Optional pointers are marked "may be NULL".
 *   - Handles are opaque: pc_X_new(..., pc_X **out) creates, pc_X_free(pc_X *) destroys and
 *     accepts NULL. Free each handle exactly once.
 *   - No call blocks (beyond a short internal mutex where stated), sleeps or performs I/O.
 *   - A panic inside the library never unwinds into the caller: the call returns PC_ERR_PANIC.
 *
 * Coordinates: boxes are panorama pixels x 256 (Q8: 384 means 1.5 px); scores are Q0.16
 * (65535 ~ 1.0). Timestamps are GStreamer nanoseconds; UINT64_MAX is GST_CLOCK_TIME_NONE.
 *
 * Link: cc app.c $(pkg-config --cflags --libs pitchcam)                                (shared)
 *       cc app.c $(pkg-config --cflags pitchcam) $(pkg-config --variable=static_libs pitchcam)
 *                                            (static: libpitchcam.a + the system libraries it needs)
 *
 * Requires C11 or C++11 or later.
 */
#ifndef PITCHCAM_H
#define PITCHCAM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Version
 * ------------------------------------------------------------------------------------------- */

/** Major ABI version; equals the soname number (libpitchcam.so.0). */
#define PITCHCAM_ABI_MAJOR 0
/** Minor ABI version; grows when functions or types are added compatibly. */
#define PITCHCAM_ABI_MINOR 1
/** (major << 16) | minor of this header. */
#define PITCHCAM_ABI_VERSION ((PITCHCAM_ABI_MAJOR << 16) | PITCHCAM_ABI_MINOR)

/**
 * The ABI version of the loaded library, encoded as PITCHCAM_ABI_VERSION. A program built with
 * this header may use the library when (v >> 16) == PITCHCAM_ABI_MAJOR and
 * (v & 0xffff) >= PITCHCAM_ABI_MINOR. Thread-safe; never fails.
 */
uint32_t pc_abi_version(void);

/* ---------------------------------------------------------------------------------------------
 * Status codes
 * ------------------------------------------------------------------------------------------- */

/** Return codes. Values are stable and never reused. */
typedef enum pc_status {
    PC_OK = 0,
    PC_ERR_NULL = -1,             /**< a required pointer argument is NULL */
    PC_ERR_INVALID_ARG = -2,      /**< an argument is outside its documented range */
    PC_ERR_CAPACITY = -3,         /**< output array too small; *out_len holds the number needed */
    PC_ERR_TENSOR_SHAPE = -4,     /**< rows not in 5..=4+PC_MAX_CLASSES, anchors 0, too large */
    PC_ERR_NON_FINITE_PARAM = -5, /**< a float parameter is NaN or infinite */
    PC_ERR_NON_FINITE_DATA = -6,  /**< tensor data holds NaN/Inf (see PC_DETECT_SKIP_NON_FINITE) */
    PC_ERR_MISALIGNED = -7,       /**< a pointer is not aligned for its type */
    PC_ERR_NO_PTS = -8,           /**< the buffer has no PTS (GST_CLOCK_TIME_NONE) */
    PC_ERR_DUPLICATE_PTS = -9,    /**< the buffer's PTS equals the newest in the ring */
    PC_ERR_LATE_PTS = -10,        /**< the buffer's PTS is behind the newest (within 1 s) */
    PC_ERR_NOT_FOUND = -11,       /**< no entry matches the query */
    PC_ERR_NO_PRIVILEGE = -12,    /**< the OS refused for lack of privilege (EPERM) */
    PC_ERR_OS = -13,              /**< another operating-system error */
    PC_ERR_NO_MEMORY = -14,       /**< a new object could not be allocated */
    PC_ERR_PANIC = -15            /**< internal error in pitchcam (a bug; the message went to stderr) */
} pc_status;

/**
 * A static, NUL-terminated English description of a status code; never NULL (an unknown code
 * gives "unknown pitchcam status code"). Thread-safe. Do not free.
 */
const char *pc_status_str(int status);

/* ---------------------------------------------------------------------------------------------
 * Detection: decode + NMS
 * ------------------------------------------------------------------------------------------- */

/** Most classes a tensor may carry: rows = 4 + classes <= 4 + PC_MAX_CLASSES. */
#define PC_MAX_CLASSES 16
/** Most tensors (tiles) one pc_detect call merges. */
#define PC_MAX_TENSORS 64
/**
 * Candidate capacity of a detector (its scratch is 64 bytes per candidate, 525 KiB): one whole
 * 640x640 YOLO head even at threshold 0. When more anchors pass the thresholds, the lowest
 * scores are dropped before the NMS and counted in pc_detect_stats.capped.
 */
#define PC_DETECT_CANDIDATES 8400
/** Largest panorama side in pixels; boxes are always clamped to [0, 16384] px at most. */
#define PC_DETECT_MAX_PANORAMA_SIDE 16384

/**
 * One detected box in panorama coordinates. Same layout as pitchcam's Rust Detection: 20 bytes,
 * 4-byte aligned.
 */
typedef struct pc_detection {
    int32_t x1, y1, x2, y2; /**< panorama px x 256 (Q8) */
    uint16_t score;         /**< Q0.16 (score / 65536), saturating at 65535 */
    uint8_t class_id;       /**< tensor class row (0 ball, 1 player, 2 goalkeeper, 3 referee, 4 staff) */
    uint8_t reserved;       /**< 0 */
} pc_detection;

/**
 * One raw YOLOv8/YOLO11 head output: rows cx, cy, w, h (network px), then one sigmoid score per
 * class; no objectness. `data` holds rows * anchors floats, 4-byte aligned, and is only read
 * during the call.
 */
typedef struct pc_tensor {
    const float *data;
    uint32_t rows;       /**< 4 + num_classes, 5 ..= 4 + PC_MAX_CLASSES */
    uint32_t anchors;    /**< >= 1 (8400 for a 640x640 input) */
    uint32_t transposed; /**< 0: [rows][anchors] (the default export), 1: [anchors][rows] */
    float scale_x, scale_y, offset_x, offset_y; /**< network px -> panorama px: p = n * scale + offset */
} pc_tensor;

/** The parameters of pc_detect. */
typedef struct pc_detect_params {
    float conf_threshold; /**< candidate iff best class score > conf_threshold (strict); in [0, 1] */
    float iou_threshold;  /**< suppress iff IoU > iou_threshold (strict); in [0, 1] */
    uint32_t max_det;     /**< keep at most this many boxes, >= 1 (ultralytics: 300) */
    uint32_t class_agnostic; /**< 0: NMS per class, 1: across classes */
} pc_detect_params;

/** pc_detect_params_ex.flags: skip anchors holding NaN/Inf (counted) instead of refusing the frame. */
#define PC_DETECT_SKIP_NON_FINITE 1u

/**
 * The parameters of pc_detect_ex / pc_detector_detect. All-zero extension fields behave exactly
 * as pc_detect: zero-initialise the struct (memset) and set `base`.
 */
typedef struct pc_detect_params_ex {
    pc_detect_params base;
    /** Panorama size in px: boxes are clamped to [0, pano_width] x [0, pano_height]. Both 0:
     *  PC_DETECT_MAX_PANORAMA_SIDE each (what pc_detect uses). Otherwise each 1 ..= 16384. */
    uint32_t pano_width, pano_height;
    /** Pre-NMS candidate cap, 0 = PC_DETECT_CANDIDATES. */
    uint32_t pre_nms_cap;
    /** PC_DETECT_SKIP_NON_FINITE or 0; other bits are PC_ERR_INVALID_ARG. */
    uint32_t flags;
    /** Per-class thresholds: classes 0 .. n_class_conf-1 use class_conf[c], the others
     *  base.conf_threshold. 0 ..= PC_MAX_CLASSES. */
    uint32_t n_class_conf;
    float class_conf[PC_MAX_CLASSES];
} pc_detect_params_ex;

/** What happened to one frame. */
typedef struct pc_detect_stats {
    uint32_t anchors;    /**< anchors scanned over all tensors */
    uint32_t candidates; /**< anchors that passed their threshold with finite, sane values */
    uint32_t capped;     /**< candidates dropped by the pre-NMS cap (lowest scores) */
    uint32_t non_finite; /**< anchors with a NaN/Inf class score, or candidates with a NaN/Inf box */
    uint32_t bad_size;   /**< candidates with a negative or absurd (> 2^20 px) box size */
    uint32_t kept;       /**< boxes kept by the NMS */
} pc_detect_stats;

/**
 * Decodes one frame's tensors (n_tensors 0 ..= PC_MAX_TENSORS; tensors may be NULL when
 * n_tensors is 0: an empty frame), runs one fixed-point NMS over all their candidates and writes
 * the kept boxes to out[0 .. *out_len), score-descending (ties: earlier tensor/anchor first).
 * Semantics are those of ultralytics' non_max_suppression (multi_label=False): conf = max class
 * score, class = its argmax, box = (cx -/+ w/2, cy -/+ h/2) mapped into the panorama and clamped
 * to [0, 16384] px, IoU decided exactly in integers.
 *
 * out may be NULL when out_cap is 0. If more boxes are kept than out_cap: PC_ERR_CAPACITY,
 * nothing written to out, *out_len = the number needed.
 *
 * Errors: PC_ERR_NULL, PC_ERR_MISALIGNED (data or out), PC_ERR_TENSOR_SHAPE, PC_ERR_INVALID_ARG
 * (thresholds outside [0, 1], max_det 0, class_agnostic/transposed not 0/1, scale <= 0, more than
 * PC_MAX_TENSORS tensors), PC_ERR_NON_FINITE_PARAM (NaN/Inf threshold or mapping),
 * PC_ERR_NON_FINITE_DATA (a NaN/Inf class score, or box value of a candidate), PC_ERR_CAPACITY,
 * PC_ERR_NO_MEMORY (first call on a thread only).
 *
 * Threading and memory: each calling thread gets its own detector (PC_DETECT_CANDIDATES
 * candidates of scratch, 525 KiB), allocated on the thread's first call and freed when the
 * thread exits; later calls allocate nothing. Calls on different threads run in parallel. Use
 * pc_detector_new for explicit control of that memory.
 */
int pc_detect(const pc_tensor *tensors, uint32_t n_tensors, const pc_detect_params *params,
              pc_detection *out, uint32_t out_cap, uint32_t *out_len);

/**
 * pc_detect with panorama bounds, per-class thresholds, a pre-NMS cap and flags. `stats` may be
 * NULL; when given it is written whenever the frame was decoded: on success, on PC_ERR_CAPACITY
 * and on PC_ERR_NON_FINITE_DATA.
 */
int pc_detect_ex(const pc_tensor *tensors, uint32_t n_tensors, const pc_detect_params_ex *params,
                 pc_detection *out, uint32_t out_cap, uint32_t *out_len, pc_detect_stats *stats);

/**
 * Greedy NMS in place over `len` detections that carry only their Q0.16 scores (e.g. from
 * another decoder, or pc_detect outputs of several frames/cameras): boxes are visited by score,
 * highest first (stable: equal scores keep their order); a box is kept iff its IoU with every
 * kept box of its class (of any class if class_agnostic) is <= iou_threshold, until max_det are
 * kept. On success dets[0 .. *out_len) holds the kept boxes score-descending and
 * dets[*out_len .. len) the others in unspecified order. No allocation.
 *
 * dets may be NULL when len is 0. Errors: PC_ERR_NULL, PC_ERR_MISALIGNED, PC_ERR_INVALID_ARG
 * (iou outside [0, 1], max_det 0, class_agnostic not 0/1), PC_ERR_NON_FINITE_PARAM; on error dets
 * is unchanged. Thread-safe for distinct arrays.
 */
int pc_nms(pc_detection *dets, uint32_t len, float iou_threshold, uint32_t class_agnostic,
           uint32_t max_det, uint32_t *out_len);

/** An explicitly owned detector: the scratch pc_detect keeps per thread, as a handle. */
typedef struct pc_detector pc_detector;

/**
 * Allocates a detector (525 KiB, zeroed; one allocation, none afterwards). Errors: PC_ERR_NULL,
 * PC_ERR_MISALIGNED, PC_ERR_NO_MEMORY.
 */
int pc_detector_new(pc_detector **out);

/** Frees a detector. NULL is a no-op. */
void pc_detector_free(pc_detector *det);

/**
 * pc_detect_ex on this detector's scratch. A detector serves one thread at a time (calls on one
 * detector must not overlap); it may move between threads.
 */
int pc_detector_detect(pc_detector *det, const pc_tensor *tensors, uint32_t n_tensors,
                       const pc_detect_params_ex *params, pc_detection *out, uint32_t out_cap,
                       uint32_t *out_len, pc_detect_stats *stats);

/* ---------------------------------------------------------------------------------------------
 * Delay ring over GstBuffer references
 * ------------------------------------------------------------------------------------------- */

/* GStreamer's buffer type; this header does not need the GStreamer headers. */
struct _GstBuffer;

/** Largest capacity pc_ring_new accepts (136 s at 30 fps). */
#define PC_RING_MAX_CAPACITY 4096

/**
 * A fixed-capacity store of GstBuffer references in strictly increasing PTS order, looked up by
 * PTS in O(log n). Push is O(1) and never allocates. All functions are thread-safe: a short
 * internal mutex serialises them (a pad probe may push while another thread looks up).
 *
 * Timestamp policy of pc_ring_push, against the newest stored PTS:
 *   GST_CLOCK_TIME_NONE            -> PC_ERR_NO_PTS, not stored
 *   equal                          -> PC_ERR_DUPLICATE_PTS, not stored
 *   behind by <= 1 s               -> PC_ERR_LATE_PTS, not stored (out of order)
 *   behind by > 1 s                -> stream restart: stored; older entries become invisible and
 *                                     are released one per later push
 *   ahead by > 1.5 frame periods   -> stored, counted as a gap
 * A push into a full ring releases the oldest buffer.
 */
typedef struct pc_ring pc_ring;

/** Occupancy and counters of a ring. */
typedef struct pc_ring_stats {
    uint32_t len;        /**< live entries (visible to lookups) */
    uint32_t capacity;   /**< as created */
    uint32_t stale;      /**< entries from before a restart/flush awaiting release */
    uint32_t reserved;   /**< 0 */
    uint64_t oldest_pts; /**< of the oldest live entry; UINT64_MAX when empty */
    uint64_t newest_pts; /**< of the newest live entry; UINT64_MAX when empty */
    uint64_t pushed;     /**< pushes of a valid buffer (= stored + duplicates + late + no_pts) */
    uint64_t stored;
    uint64_t evicted;    /**< live entries released by a push into a full ring */
    uint64_t flushed;    /**< stale entries released */
    uint64_t popped;     /**< live entries released by pc_ring_clear */
    uint64_t duplicates;
    uint64_t late;
    uint64_t no_pts;
    uint64_t restarts;
    uint64_t flushes;    /**< pc_ring_flush calls */
    uint64_t gaps;
    uint64_t gap_ns_total;
    uint64_t max_gap_ns;
    uint64_t high_water; /**< most entries held at once: what the buffer pool must cover */
} pc_ring_stats;

/**
 * Creates a ring of `capacity` buffers (1 ..= PC_RING_MAX_CAPACITY; pitchcam's 7 s at 30 fps is
 * 210) for a stream of `frame_period_ns` per frame (> 0, e.g. 33333333). Reserves 64 KiB.
 * Errors: PC_ERR_NULL, PC_ERR_MISALIGNED, PC_ERR_INVALID_ARG, PC_ERR_NO_MEMORY.
 */
int pc_ring_new(uint32_t capacity, uint64_t frame_period_ns, pc_ring **out);

/** Frees a ring, unreffing every buffer it holds. NULL is a no-op. No other call may be in
 *  progress on the ring. */
void pc_ring_free(pc_ring *ring);

/**
 * Stores `buf` under its PTS (GST_BUFFER_PTS), taking a new reference: the caller keeps its own
 * (in a pad probe: return GST_PAD_PROBE_OK as usual). A buffer released by the push (the oldest,
 * when full) is unreffed on the calling thread, after the mutex is dropped.
 * Errors: PC_ERR_NULL, PC_ERR_MISALIGNED, PC_ERR_INVALID_ARG (not a GstBuffer), PC_ERR_NO_PTS,
 * PC_ERR_DUPLICATE_PTS, PC_ERR_LATE_PTS; on every error nothing is retained. Counted in stats.
 */
int pc_ring_push(pc_ring *ring, struct _GstBuffer *buf);

/**
 * The newest buffer with PTS <= pts (the frame to show at playback time pts). On success
 * *out_buf is a NEW reference the caller must release with gst_buffer_unref(), and *out_pts
 * (out_pts may be NULL) its PTS. PC_ERR_NOT_FOUND if none. O(log n).
 */
int pc_ring_at_or_before(const pc_ring *ring, uint64_t pts, struct _GstBuffer **out_buf,
                         uint64_t *out_pts);

/** The oldest buffer with PTS >= pts; otherwise as pc_ring_at_or_before. */
int pc_ring_at_or_after(const pc_ring *ring, uint64_t pts, struct _GstBuffer **out_buf,
                        uint64_t *out_pts);

/** The buffer whose PTS is closest to pts (the earlier on a tie); otherwise as
 *  pc_ring_at_or_before. */
int pc_ring_nearest(const pc_ring *ring, uint64_t pts, struct _GstBuffer **out_buf,
                    uint64_t *out_pts);

/** Occupancy and counters. Errors: PC_ERR_NULL, PC_ERR_MISALIGNED. */
int pc_ring_get_stats(const pc_ring *ring, pc_ring_stats *out);

/**
 * Ends the current timeline (on a FLUSH_STOP or seek): every entry becomes invisible to lookups
 * at once, and is released lazily, one per later stored push (no burst of unrefs on a streaming
 * thread), or at once by pc_ring_clear. The next push starts a new timeline.
 */
int pc_ring_flush(pc_ring *ring);

/** Releases every buffer the ring holds, now. Counters are kept. */
int pc_ring_clear(pc_ring *ring);

/* ---------------------------------------------------------------------------------------------
 * Ball tracker
 * ------------------------------------------------------------------------------------------- */

/** Raw ball candidates an observation carries beside the tracker's choice. */
#define PC_MAX_BALL_CANDIDATES 4

/** A point in panorama px x 256 (Q8), or Q8 px/s for a velocity. */
typedef struct pc_point {
    int32_t x, y;
} pc_point;

/** Where a frame's ball estimate comes from. */
typedef enum pc_ball_state {
    PC_BALL_MEASURED = 0,  /**< a detection was accepted this frame */
    PC_BALL_PREDICTED = 1, /**< extrapolated from the motion model; confidence decays */
    PC_BALL_LOST = 2       /**< too long unseen: last position (or the panorama centre), not to be trusted */
} pc_ball_state;

/** The tracker's ball for one frame. */
typedef struct pc_ball {
    pc_point pos;        /**< Q8 px */
    pc_point vel;        /**< Q8 px per second */
    uint16_t confidence; /**< Q0.16: the detection score when measured, decaying while predicted */
    uint8_t state;       /**< pc_ball_state */
    uint8_t reserved;    /**< 0 */
} pc_ball;

/** A raw ball-class detection as the detector saw it. */
typedef struct pc_ball_candidate {
    pc_point pos;      /**< box centre, Q8 px */
    uint16_t score;    /**< Q0.16 */
    uint16_t reserved; /**< 0 */
} pc_ball_candidate;

/** Where the players (and goalkeepers) are; referees and staff are not counted. */
typedef struct pc_players {
    uint16_t count;    /**< boxes counted; the other fields are meaningless when 0 */
    uint16_t reserved; /**< 0 */
    pc_point centroid; /**< mean of the box centres, Q8 px */
    pc_point spread;   /**< standard deviation of the centres per axis, Q8 px */
    pc_point min;      /**< bounding box of all counted players, top-left, Q8 px */
    pc_point max;      /**< bottom-right, Q8 px */
} pc_players;

/** Everything the analysis knows about one captured frame: what pc_tracker_step produces and
 *  pc_planner_push consumes. Plain data: may be queued, logged and replayed. */
typedef struct pc_observation {
    uint64_t pts;                                          /**< capture PTS, ns */
    pc_ball ball;
    uint32_t n_candidates;                                 /**< 0 ..= PC_MAX_BALL_CANDIDATES */
    pc_ball_candidate candidates[PC_MAX_BALL_CANDIDATES]; /**< best first */
    pc_players players;
} pc_observation;

/**
 * Tracker tuning; pixels are panorama px, times ns. Start from pc_tracker_config_default and
 * change what you need. Validated by pc_tracker_new (PC_ERR_INVALID_ARG / PC_ERR_NON_FINITE_PARAM).
 */
typedef struct pc_tracker_config {
    uint32_t pano_width, pano_height; /**< estimates are clamped inside the panorama */
    float max_speed;    /**< fastest plausible ball, px/s (default 2000 at 5700 px wide) */
    float gate_min;     /**< gate radius right after a measurement, px */
    float gate_max;     /**< largest gate radius, px */
    float meas_sigma;   /**< detection centre noise (1 sigma), px */
    float accel_sigma;  /**< random-acceleration noise, px/s^1.5 */
    float accept_nis;   /**< normalised innovation up to which a gated candidate is accepted */
    float maneuver_nis; /**< normalised innovation over which a measurement is a manoeuvre */
    float score_weight; /**< weight of (1 - score) in the candidate choice */
    float move_min;     /**< displacement that counts as moving, px */
    uint16_t kick_hits;       /**< frames a kick rival needs to become the ball */
    uint16_t confirm_hits;    /**< frames to (re-)acquire */
    uint16_t rival_hits;      /**< frames a moving rival needs to take over from a still ball */
    uint16_t distractor_hits; /**< frames beside a measured ball before a rival is a second ball */
    uint64_t predict_for_ns;       /**< predicted this long after the last measurement, then lost */
    uint64_t reacquire_after_ns;   /**< unmeasured this long before a rival may re-acquire */
    uint64_t rival_timeout_ns;     /**< a rival unseen this long is dropped */
    uint64_t distractor_memory_ns; /**< a second ball unseen this long is forgotten */
    uint64_t static_for_ns;        /**< not moved move_min for this long: a still ball */
    uint64_t gap_ns;               /**< a forward PTS step over this is counted as a gap */
    uint64_t reset_after_ns;       /**< a forward PTS step over this resets the tracker */
} pc_tracker_config;

/** What a tracker did since it was created (resets included). */
typedef struct pc_tracker_stats {
    uint64_t frames, measured, predicted, lost;
    uint64_t acquisitions, reacquisitions, takeovers, kicks, maneuvers;
    uint64_t pts_none;      /**< frames without PTS: the previous estimate is repeated */
    uint64_t pts_duplicate; /**< frames repeating the PTS: held likewise */
    uint64_t pts_backwards; /**< PTS went backwards: reset, then processed */
    uint64_t pts_gaps, pts_jumps;
    uint64_t candidates_ignored, rivals_dropped;
} pc_tracker_stats;

/** The forward ball tracker (constant-velocity Kalman filter with gating, kick and re-acquisition
 *  logic, player summary). One per analysis thread; calls on one tracker must not overlap. */
typedef struct pc_tracker pc_tracker;

/** The default configuration for a pano_width x pano_height panorama (pixel values scaled from
 *  the 5700 px reference). PC_ERR_INVALID_ARG for a zero side. */
int pc_tracker_config_default(uint32_t pano_width, uint32_t pano_height, pc_tracker_config *out);

/** Creates a tracker (about 10 KiB, one allocation; none per step). */
int pc_tracker_new(const pc_tracker_config *cfg, pc_tracker **out);

/** Frees a tracker. NULL is a no-op. */
void pc_tracker_free(pc_tracker *tracker);

/**
 * One captured frame: its PTS and its kept detections (any classes, any order; dets may be NULL
 * when n is 0) in, the frame's observation out. Never fails on timestamps: no PTS or a repeated
 * PTS holds the previous estimate, a backward or huge forward step resets the tracker first; each
 * is counted in pc_tracker_stats. No allocation.
 */
int pc_tracker_step(pc_tracker *tracker, uint64_t pts, const pc_detection *dets, uint32_t n,
                    pc_observation *out);

/** Forgets every track and the last PTS (a new stream); counters are kept. */
int pc_tracker_reset(pc_tracker *tracker);

/** Counters since creation. */
int pc_tracker_get_stats(const pc_tracker *tracker, pc_tracker_stats *out);

/* ---------------------------------------------------------------------------------------------
 * Virtual camera
 * ------------------------------------------------------------------------------------------- */

/** Starting points of the camera's behaviour. */
typedef enum pc_preset {
    PC_PRESET_BROADCAST = 0, /**< calm, TV-like framing */
    PC_PRESET_ACTION = 1,    /**< tight framing close to the ball */
    PC_PRESET_WIDE = 2       /**< wide framing showing the team shape */
} pc_preset;

/** A crop in whole panorama pixels; x, y, w, h are even (NV12 chroma) and inside the panorama. */
typedef struct pc_rect {
    int32_t x, y, w, h;
} pc_rect;

/**
 * The virtual camera: observations of captured frames in (pc_planner_push, once per frame), the
 * crop for a played frame out (pc_planner_crop_at). Played 7 s after capture, it knows where the
 * ball goes next and moves within speed, acceleration and jerk limits. Holds 256 frames of
 * observations (about 57 KiB, one allocation; none per push or crop). Calls on one planner must
 * not overlap.
 */
typedef struct pc_planner pc_planner;

/** Creates a planner for a pano_width x pano_height panorama, an output of out_aspect (width /
 *  height, e.g. 16.0f / 9.0f) and a pc_preset. PC_ERR_INVALID_ARG for a panorama under 16 px a
 *  side, an aspect that does not fit, or an unknown preset; PC_ERR_NON_FINITE_PARAM for a NaN
 *  aspect. */
int pc_planner_new(uint32_t pano_width, uint32_t pano_height, float out_aspect, uint32_t preset,
                   pc_planner **out);

/** Frees a planner. NULL is a no-op. */
void pc_planner_free(pc_planner *planner);

/** Adds the observation of the next captured frame, in PTS order (a repeated PTS is ignored, an
 *  older one restarts the planner). PC_ERR_INVALID_ARG for an unknown ball state or more than
 *  PC_MAX_BALL_CANDIDATES candidates. O(1), no allocation. */
int pc_planner_push(pc_planner *planner, const pc_observation *obs);

/** The crop for the frame played at pts: call once per played frame with non-decreasing PTS;
 *  the camera moves by the time elapsed since the previous call. */
int pc_planner_crop_at(pc_planner *planner, uint64_t pts, pc_rect *out);

/** Look-ahead on (1, the default) or off (0: a causal follower with the same limits). */
int pc_planner_set_lookahead(pc_planner *planner, uint32_t on);

/** Forgets every observation and the camera position; counters are kept. */
int pc_planner_reset(pc_planner *planner);

/* ---------------------------------------------------------------------------------------------
 * Calling-thread scheduling (Linux)
 * ------------------------------------------------------------------------------------------- */

/**
 * Restricts the calling thread to CPU `core` (0-based). PC_ERR_INVALID_ARG if core is negative,
 * offline or outside the process's allowed CPUs; PC_ERR_NO_PRIVILEGE on EPERM; the thread's
 * affinity is unchanged on error.
 */
int pc_thread_pin(int core);

/**
 * Runs the calling thread under SCHED_FIFO at `priority` (1 ..= 99), or back under SCHED_OTHER
 * for 0. PC_ERR_NO_PRIVILEGE without CAP_SYS_NICE or a sufficient RLIMIT_RTPRIO (e.g. a container
 * without --cap-add=SYS_NICE): the thread keeps running as before — degrade, do not abort.
 * PC_ERR_INVALID_ARG for other priorities.
 */
int pc_thread_set_realtime(int priority);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PITCHCAM_H */
