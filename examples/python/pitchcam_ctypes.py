#!/usr/bin/env python3
"""pitchcam from Python through ctypes: libpitchcam's NMS and delay ring, no compiler needed.

For a Python DeepStream application this replaces the two slow parts with one line each:

    import pitchcam_ctypes as pitchcam

    # NMS: decode the raw YOLOv8/YOLO11 head [4 + classes, anchors] and run NMS in one call
    detections = pitchcam.detect(head, conf=0.25, iou=0.45)

    # Ring: keep a *reference* to each GstBuffer (no copy), look it up by PTS later
    ring = pitchcam.Ring(capacity=210, fps=30)
    ring.push(gst_buffer)                      # in the pad probe
    with ring.at_or_before(playback_pts) as frame:
        frame.push_to_appsrc(appsrc)           # hands the reference to appsrc, zero copy

`head` may be a numpy array (any float dtype; a float32 C-contiguous one is used in place), or —
without numpy — `bytes`, `bytearray`, `array.array('f')` or a `memoryview` of float32 values with
`shape=(rows, anchors)`, or the raw address of the floats (`int`, e.g. `pyds.get_ptr(layer.buffer)`
from DeepStream's NvDsInferLayerInfo) with `shape`. Boxes come back in panorama pixels.

GstBuffer pointers from PyGObject: `hash(buf)` is the address of the C GstBuffer (the same trick
pyds uses: `pyds.gst_buffer_get_nvds_batch_meta(hash(buf))`); `id(buf)` is the Python wrapper's and
is refused with PC_ERR_INVALID_ARG. `Ring.push` accepts a Gst.Buffer or such an int.

The library is found through $PITCHCAM_LIB, else the loader's search path (libpitchcam.so.0,
installed by scripts/install-lib). Run this file for a demo: `pitchcam_ctypes.py --help`.
"""

import array
import ctypes
import ctypes.util
import os
import sys
from collections import namedtuple

__all__ = ["detect", "nms", "Ring", "RingFrame", "Detection", "PitchcamError", "load"]

# ------------------------------------------------------------------------------------------------
# The C ABI (include/pitchcam.h)
# ------------------------------------------------------------------------------------------------

ABI_MAJOR = 0
ABI_MINOR = 1
MAX_CLASSES = 16
MAX_TENSORS = 64
CLOCK_TIME_NONE = 2**64 - 1
PC_OK = 0
PC_ERR_NOT_FOUND = -11


class PcDetection(ctypes.Structure):
    _fields_ = [("x1", ctypes.c_int32), ("y1", ctypes.c_int32), ("x2", ctypes.c_int32),
                ("y2", ctypes.c_int32), ("score", ctypes.c_uint16), ("class_id", ctypes.c_uint8),
                ("reserved", ctypes.c_uint8)]


class PcTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("rows", ctypes.c_uint32), ("anchors", ctypes.c_uint32),
                ("transposed", ctypes.c_uint32), ("scale_x", ctypes.c_float),
                ("scale_y", ctypes.c_float), ("offset_x", ctypes.c_float),
                ("offset_y", ctypes.c_float)]


class PcDetectParams(ctypes.Structure):
    _fields_ = [("conf_threshold", ctypes.c_float), ("iou_threshold", ctypes.c_float),
                ("max_det", ctypes.c_uint32), ("class_agnostic", ctypes.c_uint32)]


class PcRingStats(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint32) for n in ("len", "capacity", "stale", "reserved")] + [
        (n, ctypes.c_uint64) for n in (
            "oldest_pts", "newest_pts", "pushed", "stored", "evicted", "flushed", "popped",
            "duplicates", "late", "no_pts", "restarts", "flushes", "gaps", "gap_ns_total",
            "max_gap_ns", "high_water")]


assert ctypes.sizeof(PcDetection) == 20 and ctypes.sizeof(PcTensor) == 40
assert ctypes.sizeof(PcDetectParams) == 16 and ctypes.sizeof(PcRingStats) == 144

_lib = None


def load(path=None):
    """Loads libpitchcam (once) and declares its functions. `path` overrides $PITCHCAM_LIB."""
    global _lib
    if _lib is not None and path is None:
        return _lib
    path = path or os.environ.get("PITCHCAM_LIB") or ctypes.util.find_library("pitchcam") \
        or "libpitchcam.so.0"
    lib = ctypes.CDLL(path)
    P, u32, u64, i32 = ctypes.POINTER, ctypes.c_uint32, ctypes.c_uint64, ctypes.c_int
    vp = ctypes.c_void_p
    sig = {
        "pc_abi_version": (u32, []),
        "pc_status_str": (ctypes.c_char_p, [i32]),
        "pc_detect": (i32, [P(PcTensor), u32, P(PcDetectParams), P(PcDetection), u32, P(u32)]),
        "pc_nms": (i32, [P(PcDetection), u32, ctypes.c_float, u32, u32, P(u32)]),
        "pc_ring_new": (i32, [u32, u64, P(vp)]),
        "pc_ring_free": (None, [vp]),
        "pc_ring_push": (i32, [vp, vp]),
        "pc_ring_at_or_before": (i32, [vp, u64, P(vp), P(u64)]),
        "pc_ring_at_or_after": (i32, [vp, u64, P(vp), P(u64)]),
        "pc_ring_nearest": (i32, [vp, u64, P(vp), P(u64)]),
        "pc_ring_get_stats": (i32, [vp, P(PcRingStats)]),
        "pc_ring_flush": (i32, [vp]),
        "pc_ring_clear": (i32, [vp]),
    }
    for name, (res, args) in sig.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    v = lib.pc_abi_version()
    if v >> 16 != ABI_MAJOR or v & 0xFFFF < ABI_MINOR:
        raise ImportError(f"{path}: ABI {v >> 16}.{v & 0xFFFF}, this module needs "
                          f"{ABI_MAJOR}.{ABI_MINOR}+")
    _lib = lib
    return lib


class PitchcamError(Exception):
    """A negative status from libpitchcam; `.code` is the pc_status value."""

    def __init__(self, code, what):
        self.code = code
        super().__init__(f"{what}: {load().pc_status_str(code).decode()} ({code})")


def _check(code, what):
    if code != PC_OK:
        raise PitchcamError(code, what)


# ------------------------------------------------------------------------------------------------
# Detection
# ------------------------------------------------------------------------------------------------

Detection = namedtuple("Detection", "x1 y1 x2 y2 score class_id")
Detection.__doc__ = "A kept box: panorama px (float), score in [0, 1), class id (0 = ball)."


def _float_address(data, shape):
    """(address, rows, anchors, keepalive) of float32 values without copying when possible."""
    if isinstance(data, int):
        if shape is None:
            raise ValueError("a raw address needs shape=(rows, anchors)")
        return data, shape[0], shape[1], None
    np = sys.modules.get("numpy")
    if np is not None and isinstance(data, np.ndarray):
        a = np.ascontiguousarray(data, dtype=np.float32)  # no copy if already so
        dims = [d for d in a.shape if d != 1] if shape is None else list(shape)
        if len(dims) != 2:
            raise ValueError(f"expected a [rows, anchors] head, got shape {data.shape}")
        return a.ctypes.data, dims[0], dims[1], a
    mv = memoryview(data)
    if shape is None:
        dims = [d for d in mv.shape if d != 1]
        if len(dims) != 2:
            raise ValueError("a flat buffer needs shape=(rows, anchors)")
        shape = dims
    if mv.itemsize != 4 and mv.format not in ("B", "b", "c"):
        raise ValueError(f"expected float32 values, got format {mv.format!r}")
    raw = mv.cast("B") if mv.c_contiguous else memoryview(mv.tobytes())
    if raw.nbytes != 4 * shape[0] * shape[1]:
        raise ValueError(f"{raw.nbytes} bytes is not {shape[0]}x{shape[1]} float32")
    if raw.readonly:
        keep = raw.obj if isinstance(raw.obj, bytes) and raw.nbytes == len(raw.obj) \
            else bytes(raw)
        addr = ctypes.cast(ctypes.c_char_p(keep), ctypes.c_void_p).value
    else:
        keep = (ctypes.c_char * raw.nbytes).from_buffer(raw)
        addr = ctypes.addressof(keep)
    return addr, shape[0], shape[1], (keep, raw)


def detect(head, conf=0.25, iou=0.45, max_det=300, agnostic=False, shape=None, transposed=False,
           scale=(1.0, 1.0), offset=(0.0, 0.0), raw=False):
    """Decodes one YOLOv8/YOLO11 head and runs NMS (ultralytics semantics: conf > thr strict,
    per-class greedy NMS suppressing IoU > thr, score-descending).

    `shape` is (rows, anchors) of the memory ([anchors, rows] with transposed=True); `scale` and
    `offset` map network pixels to panorama pixels (letterbox/tile). Returns a list of Detection
    (pixels), or of PcDetection (Q8 integers, exact) with raw=True.
    """
    lib = load()
    addr, rows, anchors, keep = _float_address(head, shape)
    if transposed:
        rows, anchors = anchors, rows
    t = PcTensor(addr, rows, anchors, int(transposed), scale[0], scale[1], offset[0], offset[1])
    p = PcDetectParams(conf, iou, max_det, int(agnostic))
    out = (PcDetection * max(1, min(max_det, 4096)))()
    n = ctypes.c_uint32(0)
    _check(lib.pc_detect(ctypes.byref(t), 1, ctypes.byref(p), out, len(out), ctypes.byref(n)),
           "pc_detect")
    del keep
    kept = out[:n.value]
    if raw:
        return kept
    return [Detection(d.x1 / 256, d.y1 / 256, d.x2 / 256, d.y2 / 256, d.score / 65536,
                      d.class_id) for d in kept]


def nms(dets, iou=0.45, max_det=300, agnostic=False):
    """Greedy NMS over PcDetection values (e.g. merged from several calls); returns the kept."""
    arr = (PcDetection * len(dets))(*dets)
    n = ctypes.c_uint32(0)
    _check(load().pc_nms(arr, len(arr), iou, int(agnostic), max_det, ctypes.byref(n)), "pc_nms")
    return arr[:n.value]


# ------------------------------------------------------------------------------------------------
# Delay ring over GstBuffer references
# ------------------------------------------------------------------------------------------------

_gst = None
_gstapp = None


def _gst_lib():
    """libgstreamer-1.0 through ctypes, to release references on raw pointers."""
    global _gst
    if _gst is None:
        g = ctypes.CDLL(ctypes.util.find_library("gstreamer-1.0") or "libgstreamer-1.0.so.0")
        g.gst_mini_object_unref.argtypes = [ctypes.c_void_p]
        g.gst_mini_object_unref.restype = None
        _gst = g
    return _gst


def _gstapp_lib():
    """libgstapp-1.0 through ctypes, for gst_app_src_push_buffer on raw pointers."""
    global _gstapp
    if _gstapp is None:
        a = ctypes.CDLL(ctypes.util.find_library("gstapp-1.0") or "libgstapp-1.0.so.0")
        a.gst_app_src_push_buffer.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        a.gst_app_src_push_buffer.restype = ctypes.c_int
        _gstapp = a
    return _gstapp


def buffer_address(buf):
    """The C address of a GstBuffer given as a PyGObject Gst.Buffer or an int."""
    return buf if isinstance(buf, int) else hash(buf)


class RingFrame:
    """One reference to a GstBuffer handed out by a Ring lookup. Release it with `unref()` (or a
    `with` block), or give it away with `push_to_appsrc()`; `__del__` releases a forgotten one."""

    def __init__(self, address, pts):
        self.address = address
        self.pts = pts

    def unref(self):
        if self.address:
            _gst_lib().gst_mini_object_unref(self.address)
            self.address = None

    def push_to_appsrc(self, appsrc):
        """gst_app_src_push_buffer (transfer full): appsrc takes this reference, zero copy.
        `appsrc` is a PyGObject GstAppSrc element or its address. Returns the GstFlowReturn."""
        push = _gstapp_lib().gst_app_src_push_buffer
        addr, self.address = self.address, None
        if not addr:
            raise ValueError("this frame's reference was already released or pushed")
        return push(buffer_address(appsrc), addr)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.unref()

    def __del__(self):
        try:
            self.unref()
        except Exception:  # interpreter shutdown: modules may already be torn down
            pass


class Ring:
    """pitchcam's delay ring: up to `capacity` GstBuffer references by PTS, O(1) push, O(log n)
    lookup, no copies. Thread-safe (each call is one short critical section in the library)."""

    def __init__(self, capacity=210, fps=30, frame_period_ns=None):
        self._h = None
        self._lib = load()
        period = frame_period_ns or int(round(1e9 / fps))
        h = ctypes.c_void_p()
        _check(self._lib.pc_ring_new(capacity, period, ctypes.byref(h)), "pc_ring_new")
        self._h = h

    def push(self, buf):
        """Stores the buffer (the ring takes its own reference). Raises PitchcamError for a
        buffer without PTS, a duplicate or late PTS; nothing is retained then."""
        _check(self._lib.pc_ring_push(self._h, buffer_address(buf)), "pc_ring_push")

    def try_push(self, buf):
        """push() that returns the status code instead of raising (for pad probes)."""
        return self._lib.pc_ring_push(self._h, buffer_address(buf))

    def _lookup(self, fn, pts):
        out, out_pts = ctypes.c_void_p(), ctypes.c_uint64()
        rc = fn(self._h, pts, ctypes.byref(out), ctypes.byref(out_pts))
        if rc == PC_ERR_NOT_FOUND:
            return None
        _check(rc, fn.__name__)
        return RingFrame(out.value, out_pts.value)

    def at_or_before(self, pts):
        """The newest frame with PTS <= pts, as a RingFrame (a new reference), or None."""
        return self._lookup(self._lib.pc_ring_at_or_before, pts)

    def at_or_after(self, pts):
        """The oldest frame with PTS >= pts, or None."""
        return self._lookup(self._lib.pc_ring_at_or_after, pts)

    def nearest(self, pts):
        """The frame closest to pts (the earlier on a tie), or None."""
        return self._lookup(self._lib.pc_ring_nearest, pts)

    def stats(self):
        s = PcRingStats()
        _check(self._lib.pc_ring_get_stats(self._h, ctypes.byref(s)), "pc_ring_get_stats")
        return {name: getattr(s, name) for name, _ in PcRingStats._fields_}

    def flush(self):
        _check(self._lib.pc_ring_flush(self._h), "pc_ring_flush")

    def clear(self):
        _check(self._lib.pc_ring_clear(self._h), "pc_ring_clear")

    def close(self):
        """Releases every buffer and the ring itself (also done by garbage collection)."""
        if self._h:
            self._lib.pc_ring_free(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: modules may already be torn down
            pass


# ------------------------------------------------------------------------------------------------
# Demo / self-test (run by tests/capi_python.rs)
# ------------------------------------------------------------------------------------------------


class _GstMiniObject(ctypes.Structure):
    _fields_ = [("type", ctypes.c_size_t), ("refcount", ctypes.c_int),
                ("lockstate", ctypes.c_int), ("flags", ctypes.c_uint),
                ("copy", ctypes.c_void_p), ("dispose", ctypes.c_void_p),
                ("free", ctypes.c_void_p), ("priv_uint", ctypes.c_uint),
                ("priv_pointer", ctypes.c_void_p)]


class _GstBuffer(ctypes.Structure):
    """The public head of struct GstBuffer (gst/gstbuffer.h), to read/set PTS on raw pointers."""
    _fields_ = [("mini_object", _GstMiniObject), ("pool", ctypes.c_void_p),
                ("pts", ctypes.c_uint64), ("dts", ctypes.c_uint64),
                ("duration", ctypes.c_uint64), ("offset", ctypes.c_uint64),
                ("offset_end", ctypes.c_uint64)]


def _head(addr):
    return _GstBuffer.from_address(addr)


def _demo_detect(frame):
    with open(frame, "rb") as f:
        data = f.read()
    shape = (9, len(data) // 36)
    results = {}
    results["bytes"] = detect(data, shape=shape, raw=True)
    results["bytearray"] = detect(bytearray(data), shape=shape, raw=True)
    results["array"] = detect(array.array("f", data), shape=shape, raw=True)
    results["memoryview"] = detect(memoryview(data).cast("f", shape), raw=True)
    keep = (ctypes.c_float * (len(data) // 4)).from_buffer_copy(data)
    results["address"] = detect(ctypes.addressof(keep), shape=shape, raw=True)
    try:
        import numpy as np
    except ImportError:
        np = None
    if np is not None:
        head = np.frombuffer(data, dtype="<f4").reshape(1, *shape)
        results["numpy"] = detect(head, raw=True)
        results["numpy-f64"] = detect(head.astype(np.float64), raw=True)
        results["numpy-transposed"] = detect(np.ascontiguousarray(head[0].T), transposed=True,
                                             raw=True)
    ref = [tuple(getattr(d, n) for n, _ in PcDetection._fields_) for d in results["bytes"]]
    for kind, dets in results.items():
        got = [tuple(getattr(d, n) for n, _ in PcDetection._fields_) for d in dets]
        if got != ref:
            raise SystemExit(f"FAIL: input kind {kind} gave different detections")
    # The merged NMS of the same boxes twice keeps each once.
    twice = nms(list(results["bytes"]) * 2)
    if len(twice) != len(ref):
        raise SystemExit(f"FAIL: nms kept {len(twice)} of {len(ref)} duplicated boxes")
    px = detect(data, shape=shape)
    print("inputs:", ",".join(results))
    print("first:", px[0] if px else None)
    for d in ref:
        print("DET", *d[:6])


def _demo_ring_raw():
    """The ring on raw GstBuffer pointers, with GStreamer through ctypes only (no PyGObject)."""
    g = _gst_lib()
    g.gst_init(None, None)
    g.gst_buffer_new.restype = ctypes.c_void_p
    ring = Ring(capacity=210, fps=30)
    period = 33_333_333
    for k in range(300):
        b = g.gst_buffer_new()
        _head(b).pts = k * period
        _head(b).offset = k
        ring.push(b)
        g.gst_mini_object_unref(b)  # the ring keeps its own reference
    s = ring.stats()
    assert (s["len"], s["stored"], s["evicted"]) == (210, 300, 90), s
    with ring.at_or_before(200 * period + 5) as f:
        assert f.pts == 200 * period and _head(f.address).offset == 200
        assert _head(f.address).mini_object.refcount == 2  # the ring's and ours
    assert ring.at_or_before(89 * period) is None  # evicted
    with ring.nearest(250 * period - 1000) as f:
        assert _head(f.address).offset == 250
    nopts = g.gst_buffer_new()  # PTS is GST_CLOCK_TIME_NONE
    try:
        ring.push(nopts)
        raise SystemExit("FAIL: a buffer without PTS was accepted")
    except PitchcamError as e:
        assert e.code == -8, e
        print("refused:", e)
    assert _head(nopts).mini_object.refcount == 1
    g.gst_mini_object_unref(nopts)
    ring.close()
    print("OK ring-raw")


def _demo_ring_gi():
    """The ring in a real PyGObject pipeline: a pad probe pushes hash(buffer); frames looked up
    by PTS go to an appsrc without a copy."""
    import gi
    gi.require_version("Gst", "1.0")
    gi.require_version("GstApp", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    ring = Ring(capacity=32, fps=30)
    src = Gst.parse_launch("videotestsrc num-buffers=60 ! video/x-raw,width=64,height=48,"
                           "framerate=30/1 ! fakesink name=sink sync=false")
    refused = []

    def probe(pad, info):
        rc = ring.try_push(info.get_buffer())  # hash(buf): the GstBuffer's address
        if rc != PC_OK:
            refused.append(rc)
        return Gst.PadProbeReturn.OK

    src.get_by_name("sink").get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, probe)
    src.set_state(Gst.State.PLAYING)
    msg = src.get_bus().timed_pop_filtered(20 * Gst.SECOND,
                                           Gst.MessageType.EOS | Gst.MessageType.ERROR)
    src.set_state(Gst.State.NULL)
    assert msg is not None and msg.type == Gst.MessageType.EOS, msg
    s = ring.stats()
    assert not refused and (s["len"], s["stored"]) == (32, 60), (refused, s)

    # Play frames 40..49 out through appsrc: the looked-up references go straight in.
    out = Gst.parse_launch("appsrc name=src format=time ! appsink name=out sync=false")
    appsrc, appsink = out.get_by_name("src"), out.get_by_name("out")
    appsrc.set_property("caps", Gst.Caps.from_string("video/x-raw,format=I420,width=64,"
                                                     "height=48,framerate=30/1"))
    out.set_state(Gst.State.PLAYING)
    period = Gst.SECOND // 30
    for k in range(40, 50):
        pts = k * Gst.SECOND // 30  # videotestsrc's timestamps
        frame = ring.at_or_before(pts + period // 2)
        assert frame is not None and frame.pts == pts, (k, frame and frame.pts)
        flow = frame.push_to_appsrc(appsrc)
        assert flow == 0, flow  # GST_FLOW_OK
    appsrc.emit("end-of-stream")
    pts = []
    while True:
        sample = appsink.emit("pull-sample")
        if sample is None:
            break
        pts.append(sample.get_buffer().pts)
    out.set_state(Gst.State.NULL)
    want = [k * Gst.SECOND // 30 for k in range(40, 50)]
    assert pts == want, (pts, want)
    ring.close()
    print("OK ring-gi")


def _main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lib", help="path of libpitchcam.so (default: $PITCHCAM_LIB, then the "
                    "loader's search path)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("detect", help="NMS on a raw [9, anchors] float32 head file")
    d.add_argument("frame")
    sub.add_parser("ring-raw", help="the ring on raw pointers, GStreamer through ctypes")
    sub.add_parser("ring-gi", help="the ring in a PyGObject pipeline (needs python3-gi)")
    a = ap.parse_args(argv)
    load(a.lib)
    if a.cmd == "detect":
        _demo_detect(a.frame)
    elif a.cmd == "ring-raw":
        _demo_ring_raw()
    else:
        _demo_ring_gi()


if __name__ == "__main__":
    _main(sys.argv[1:])
