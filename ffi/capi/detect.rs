//! `pc_detect`, `pc_detect_ex`, `pc_nms` and the `pc_detector` handle: the C face of
//! [`pitchcam_core::detect`]. No decode or NMS logic lives here — only argument checking,
//! the mapping of C structs onto core's types, and the scratch each call runs on.
//!
//! Scratch: a [`Detector`] holds [`CANDIDATES`] candidates (525 KiB). `pc_detect` keeps one per
//! calling thread, allocated zeroed on the thread's first call and freed at thread exit;
//! `pc_detector_new` gives one as an explicit handle instead.

use std::alloc::{Layout, alloc_zeroed};
use std::cell::RefCell;
use std::ffi::c_int;

use arrayvec::ArrayVec;
use pitchcam_core::detect::{
    DetectError, DetectParams, Detection, Detector, FrameStats, IouThreshold, MAX_CLASSES,
    MAX_PANORAMA_SIDE, Mapping, Tensor, TensorError, TensorLayout, nms_in_place,
};
use pitchcam_core::geom::Size;

use super::check_ptr;
use super::status::{Status, boundary, boundary_void};

/// `pc_detection`: core's [`Detection`] itself (`#[repr(C)]`, 20 bytes), so arrays cross the
/// boundary without conversion.
pub type pc_detection = Detection;

const _: () = {
    assert!(size_of::<pc_detection>() == 20);
    assert!(align_of::<pc_detection>() == 4);
    assert!(std::mem::offset_of!(Detection, x1) == 0);
    assert!(std::mem::offset_of!(Detection, y1) == 4);
    assert!(std::mem::offset_of!(Detection, x2) == 8);
    assert!(std::mem::offset_of!(Detection, y2) == 12);
    assert!(std::mem::offset_of!(Detection, score) == 16);
    assert!(std::mem::offset_of!(Detection, class) == 18);
    assert!(std::mem::offset_of!(Detection, reserved) == 19);
};

/// Candidate capacity of every detector behind the C ABI (`PC_DETECT_CANDIDATES`): one whole
/// 640×640 YOLO head (8400 anchors) even at threshold 0.
pub const CANDIDATES: usize = 8400;

/// Most tensors one call merges (`PC_MAX_TENSORS`).
pub const MAX_TENSORS: usize = 64;

/// `pc_detect_params_ex.flags`: skip (and count) non-finite anchors instead of refusing.
pub const SKIP_NON_FINITE: u32 = 1;

type Det = Detector<CANDIDATES>;

/// One raw head output (`pc_tensor`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct pc_tensor {
    /// `rows × anchors` floats.
    pub data: *const f32,
    /// `4 + classes`.
    pub rows: u32,
    /// Anchor count.
    pub anchors: u32,
    /// 0: `[rows][anchors]`; 1: `[anchors][rows]`.
    pub transposed: u32,
    /// Network → panorama scale, x.
    pub scale_x: f32,
    /// Network → panorama scale, y.
    pub scale_y: f32,
    /// Network → panorama offset, x (panorama px).
    pub offset_x: f32,
    /// Network → panorama offset, y (panorama px).
    pub offset_y: f32,
}

const _: () = assert!(size_of::<pc_tensor>() == 40 && align_of::<pc_tensor>() == 8);

/// `pc_detect_params`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct pc_detect_params {
    /// Candidate iff best class score > this.
    pub conf_threshold: f32,
    /// Suppress iff IoU > this.
    pub iou_threshold: f32,
    /// Keep at most this many.
    pub max_det: u32,
    /// 0: per class; 1: across classes.
    pub class_agnostic: u32,
}

const _: () = assert!(size_of::<pc_detect_params>() == 16);

/// `pc_detect_params_ex`: all-zero extension fields behave as `pc_detect`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct pc_detect_params_ex {
    /// The `pc_detect` parameters.
    pub base: pc_detect_params,
    /// Panorama width in px (0 with height 0: [`MAX_PANORAMA_SIDE`]).
    pub pano_width: u32,
    /// Panorama height in px.
    pub pano_height: u32,
    /// Pre-NMS candidate cap; 0 = [`CANDIDATES`].
    pub pre_nms_cap: u32,
    /// [`SKIP_NON_FINITE`] or 0.
    pub flags: u32,
    /// How many of `class_conf` apply.
    pub n_class_conf: u32,
    /// Per-class confidence thresholds.
    pub class_conf: [f32; MAX_CLASSES],
}

const _: () = assert!(size_of::<pc_detect_params_ex>() == 16 + 5 * 4 + 4 * MAX_CLASSES);

/// `pc_detect_stats`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct pc_detect_stats {
    /// Anchors scanned.
    pub anchors: u32,
    /// Candidates before the cap.
    pub candidates: u32,
    /// Dropped by the cap.
    pub capped: u32,
    /// Skipped for NaN/Inf.
    pub non_finite: u32,
    /// Skipped for an absurd size.
    pub bad_size: u32,
    /// Kept by the NMS.
    pub kept: u32,
}

impl From<FrameStats> for pc_detect_stats {
    fn from(s: FrameStats) -> Self {
        pc_detect_stats {
            anchors: s.anchors,
            candidates: s.candidates,
            capped: s.capped,
            non_finite: s.non_finite,
            bad_size: s.bad_size,
            kept: s.kept,
        }
    }
}

/// The opaque handle behind `pc_detector *`.
pub struct pc_detector {
    det: Det,
}

/// A zeroed detector on the heap, without building its 525 KiB on a stack first.
fn new_detector() -> Result<Box<pc_detector>, Status> {
    let layout = Layout::new::<pc_detector>();
    // SAFETY: `pc_detector` is not zero-sized.
    let p = unsafe { alloc_zeroed(layout) }.cast::<pc_detector>();
    if p.is_null() {
        return Err(Status::NoMemory);
    }
    // SAFETY: `Detector` documents that every field is plain integers and floats for which
    // all-zero bytes are a valid value — exactly what `Detector::new` builds — "so a C caller may
    // also allocate it zeroed"; `pc_detector` only wraps it. The allocation has the layout of
    // `pc_detector` from the global allocator, as `Box` requires.
    Ok(unsafe { Box::from_raw(p) })
}

/// Maps a float parameter check: NaN/Inf → `NonFiniteParam`, outside `[0, 1]` → `InvalidArg`.
fn unit_interval(v: f32) -> Result<f32, Status> {
    if !v.is_finite() {
        Err(Status::NonFiniteParam)
    } else if !(0.0..=1.0).contains(&v) {
        Err(Status::InvalidArg)
    } else {
        Ok(v)
    }
}

fn bool_flag(v: u32) -> Result<bool, Status> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Status::InvalidArg),
    }
}

/// Validated parameters in core's form, plus what the C layer decides itself.
struct Checked {
    params: DetectParams,
    skip_non_finite: bool,
}

fn check_params(p: &pc_detect_params_ex) -> Result<Checked, Status> {
    let conf = unit_interval(p.base.conf_threshold)?;
    let iou = unit_interval(p.base.iou_threshold)?;
    if p.base.max_det == 0 {
        return Err(Status::InvalidArg);
    }
    let class_agnostic = bool_flag(p.base.class_agnostic)?;
    let bounds = match (p.pano_width, p.pano_height) {
        (0, 0) => Size { w: MAX_PANORAMA_SIDE, h: MAX_PANORAMA_SIDE },
        (w, h) if (1..=MAX_PANORAMA_SIDE).contains(&w) && (1..=MAX_PANORAMA_SIDE).contains(&h) => {
            Size { w, h }
        }
        _ => return Err(Status::InvalidArg),
    };
    if p.flags & !SKIP_NON_FINITE != 0 || p.n_class_conf as usize > MAX_CLASSES {
        return Err(Status::InvalidArg);
    }
    let mut conf_per_class = [conf; MAX_CLASSES];
    for (c, &v) in conf_per_class.iter_mut().zip(&p.class_conf[..p.n_class_conf as usize]) {
        *c = unit_interval(v)?;
    }
    let params = DetectParams {
        conf: conf_per_class,
        iou,
        max_det: p.base.max_det as usize,
        class_agnostic,
        pre_nms_cap: if p.pre_nms_cap == 0 { usize::MAX } else { p.pre_nms_cap as usize },
        bounds,
    };
    // Everything was checked above; a disagreement with core would be a bug, reported as such.
    params.validate().map_err(|e| match e {
        DetectError::TooManyAnchors => Status::TensorShape,
        _ => Status::InvalidArg,
    })?;
    Ok(Checked { params, skip_non_finite: p.flags & SKIP_NON_FINITE != 0 })
}

/// Views one C tensor as core's [`Tensor`].
///
/// # Safety
/// `t.data` is NULL or points to `rows × anchors` readable floats that stay unchanged for `'a`.
unsafe fn tensor<'a>(t: &pc_tensor) -> Result<Tensor<'a>, Status> {
    if t.rows < 5 || t.rows as usize - 4 > MAX_CLASSES || t.anchors == 0 {
        return Err(Status::TensorShape);
    }
    let len = (t.rows as usize).checked_mul(t.anchors as usize).ok_or(Status::TensorShape)?;
    if len > isize::MAX as usize / size_of::<f32>() {
        return Err(Status::TensorShape);
    }
    check_ptr(t.data)?;
    let layout = if bool_flag(t.transposed)? {
        TensorLayout::AnchorsFirst
    } else {
        TensorLayout::ChannelsFirst
    };
    let map = Mapping {
        scale_x: t.scale_x,
        scale_y: t.scale_y,
        offset_x: t.offset_x,
        offset_y: t.offset_y,
    };
    if ![map.scale_x, map.scale_y, map.offset_x, map.offset_y].iter().all(|v| v.is_finite()) {
        return Err(Status::NonFiniteParam);
    }
    if map.scale_x <= 0.0 || map.scale_y <= 0.0 {
        return Err(Status::InvalidArg);
    }
    // SAFETY: non-NULL and aligned (checked), `len` floats readable for 'a (caller's contract),
    // and `len * 4 <= isize::MAX` (checked).
    let data = unsafe { std::slice::from_raw_parts(t.data, len) };
    Tensor::new(data, t.rows, t.anchors, layout, map).map_err(|e| match e {
        TensorError::BadMapping => Status::InvalidArg,
        TensorError::TooFewRows
        | TensorError::TooManyClasses
        | TensorError::NoAnchors
        | TensorError::SizeMismatch => Status::TensorShape,
    })
}

/// The whole of `pc_detect_ex` / `pc_detector_detect` once a detector is at hand.
///
/// # Safety
/// Every pointer is NULL or valid as documented in the header for `pc_detect_ex`.
#[allow(clippy::too_many_arguments)]
unsafe fn detect_with(
    det: &mut Det,
    tensors: *const pc_tensor,
    n_tensors: u32,
    params: &pc_detect_params_ex,
    out: *mut pc_detection,
    out_cap: u32,
    out_len: *mut u32,
    stats: *mut pc_detect_stats,
) -> Result<(), Status> {
    check_ptr(out_len)?;
    if !stats.is_null() {
        check_ptr(stats)?;
    }
    if out_cap > 0 {
        check_ptr(out)?;
    }
    let checked = check_params(params)?;
    if n_tensors as usize > MAX_TENSORS {
        return Err(Status::InvalidArg);
    }
    let raw: &[pc_tensor] = if n_tensors == 0 {
        &[]
    } else {
        check_ptr(tensors)?;
        // SAFETY: non-NULL, aligned, `n_tensors` readable elements (caller's contract).
        unsafe { std::slice::from_raw_parts(tensors, n_tensors as usize) }
    };
    let mut views: ArrayVec<Tensor<'_>, MAX_TENSORS> = ArrayVec::new();
    for t in raw {
        // SAFETY: each tensor's data is readable for this call (caller's contract).
        views.push(unsafe { tensor(t) }?);
    }
    // Decode into the detector's own scratch only (empty output), so that nothing reaches the
    // caller's array unless the whole call succeeds.
    let frame = det.detect(&views, &checked.params, &mut []).map_err(|e| match e {
        DetectError::TooManyAnchors => Status::TensorShape,
        _ => Status::InvalidArg,
    })?;
    let write_stats = || {
        if !stats.is_null() {
            // SAFETY: checked non-NULL and aligned above; the caller owns it.
            unsafe { stats.write(frame.into()) };
        }
    };
    if frame.non_finite > 0 && !checked.skip_non_finite {
        write_stats();
        return Err(Status::NonFiniteData);
    }
    if frame.kept > out_cap {
        write_stats();
        // SAFETY: checked non-NULL and aligned above.
        unsafe { out_len.write(frame.kept) };
        return Err(Status::Capacity);
    }
    for (i, d) in det.kept().enumerate() {
        // SAFETY: `i < kept <= out_cap`, and `out` has `out_cap` writable elements (checked
        // non-NULL and aligned when out_cap > 0; caller's contract).
        unsafe { out.add(i).write(d) };
    }
    // SAFETY: checked non-NULL and aligned above.
    unsafe { out_len.write(frame.kept) };
    write_stats();
    Ok(())
}

thread_local! {
    /// This thread's detector for `pc_detect`, allocated on first use.
    static THREAD_DETECTOR: RefCell<Option<Box<pc_detector>>> = const { RefCell::new(None) };
}

/// Runs `f` on the calling thread's detector. During thread teardown (thread-local storage
/// already destroyed) a temporary detector serves the call instead of failing it.
fn with_thread_detector(f: impl FnOnce(&mut Det) -> Result<(), Status>) -> Result<(), Status> {
    let mut f = Some(f);
    let tls = THREAD_DETECTOR.try_with(|cell| {
        // No re-entrancy is possible (no callbacks), but never panic on a busy cell either.
        let Ok(mut slot) = cell.try_borrow_mut() else { return Err(Status::Panic) };
        let det = match &mut *slot {
            Some(d) => d,
            None => slot.insert(new_detector()?),
        };
        f.take().map_or(Err(Status::Panic), |f| f(&mut det.det))
    });
    match tls {
        Ok(r) => r,
        Err(_) => f.take().map_or(Err(Status::Panic), |f| f(&mut new_detector()?.det)),
    }
}

fn ex_from_base(p: &pc_detect_params) -> pc_detect_params_ex {
    pc_detect_params_ex { base: *p, ..Default::default() }
}

/// Decode + NMS on the calling thread's detector; see `include/pitchcam.h`.
///
/// # Safety
/// Pointers NULL or valid as documented in the header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_detect(
    tensors: *const pc_tensor,
    n_tensors: u32,
    params: *const pc_detect_params,
    out: *mut pc_detection,
    out_cap: u32,
    out_len: *mut u32,
) -> c_int {
    boundary(|| {
        check_ptr(params)?;
        // SAFETY: checked non-NULL and aligned; readable (caller's contract).
        let p = ex_from_base(unsafe { &*params });
        with_thread_detector(|det| {
            // SAFETY: forwarded caller's contract.
            unsafe { detect_with(det, tensors, n_tensors, &p, out, out_cap, out_len, ptr_null()) }
        })
    })
}

fn ptr_null() -> *mut pc_detect_stats {
    std::ptr::null_mut()
}

/// `pc_detect` with the extended parameters and optional statistics.
///
/// # Safety
/// Pointers NULL or valid as documented in the header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_detect_ex(
    tensors: *const pc_tensor,
    n_tensors: u32,
    params: *const pc_detect_params_ex,
    out: *mut pc_detection,
    out_cap: u32,
    out_len: *mut u32,
    stats: *mut pc_detect_stats,
) -> c_int {
    boundary(|| {
        check_ptr(params)?;
        // SAFETY: checked non-NULL and aligned; readable (caller's contract).
        let p = unsafe { *params };
        with_thread_detector(|det| {
            // SAFETY: forwarded caller's contract.
            unsafe { detect_with(det, tensors, n_tensors, &p, out, out_cap, out_len, stats) }
        })
    })
}

/// Allocates a detector handle.
///
/// # Safety
/// `out` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_detector_new(out: *mut *mut pc_detector) -> c_int {
    boundary(|| {
        check_ptr(out)?;
        let det = new_detector()?;
        // SAFETY: checked non-NULL and aligned; the caller owns it.
        unsafe { out.write(Box::into_raw(det)) };
        Ok(())
    })
}

/// Frees a detector handle; NULL is a no-op.
///
/// # Safety
/// `det` is NULL or a live handle from `pc_detector_new`, freed once, not in use.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_detector_free(det: *mut pc_detector) {
    boundary_void(|| {
        if !det.is_null() {
            // SAFETY: a `Box<pc_detector>` from `pc_detector_new`, freed once (contract).
            drop(unsafe { Box::from_raw(det) });
        }
    })
}

/// `pc_detect_ex` on an explicit detector.
///
/// # Safety
/// `det` is NULL or a live handle not in use by another thread; other pointers as for
/// `pc_detect_ex`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn pc_detector_detect(
    det: *mut pc_detector,
    tensors: *const pc_tensor,
    n_tensors: u32,
    params: *const pc_detect_params_ex,
    out: *mut pc_detection,
    out_cap: u32,
    out_len: *mut u32,
    stats: *mut pc_detect_stats,
) -> c_int {
    boundary(|| {
        check_ptr(det)?;
        check_ptr(params)?;
        // SAFETY: checked non-NULL and aligned; exclusive for this call (caller's contract).
        let det = unsafe { &mut *det };
        // SAFETY: checked non-NULL and aligned; readable (caller's contract).
        let p = unsafe { *params };
        // SAFETY: forwarded caller's contract.
        unsafe { detect_with(&mut det.det, tensors, n_tensors, &p, out, out_cap, out_len, stats) }
    })
}

/// In-place NMS over plain detections.
///
/// # Safety
/// `dets` is NULL or `len` writable detections; `out_len` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_nms(
    dets: *mut pc_detection,
    len: u32,
    iou_threshold: f32,
    class_agnostic: u32,
    max_det: u32,
    out_len: *mut u32,
) -> c_int {
    boundary(|| {
        check_ptr(out_len)?;
        let thr =
            IouThreshold::new(unit_interval(iou_threshold)?).map_err(|_| Status::InvalidArg)?;
        let agnostic = bool_flag(class_agnostic)?;
        if max_det == 0 {
            return Err(Status::InvalidArg);
        }
        let dets: &mut [Detection] = if len == 0 {
            &mut []
        } else {
            check_ptr(dets)?;
            // SAFETY: non-NULL, aligned, `len` elements exclusively ours for the call (contract).
            unsafe { std::slice::from_raw_parts_mut(dets, len as usize) }
        };
        let kept =
            nms_in_place(dets, thr, agnostic, max_det as usize).map_err(|_| Status::InvalidArg)?;
        // SAFETY: checked non-NULL and aligned.
        unsafe { out_len.write(kept as u32) };
        Ok(())
    })
}
