//! `pc_ring`: pitchcam's delay ring ([`DelayRing`]) over `GstBuffer*`, for C callers.
//!
//! The ring holds one reference per stored buffer. A push takes its own reference (the caller
//! keeps its own); every buffer that leaves — evicted by a push into a full ring, released after a
//! stream restart, cleared, or freed with the ring — is unreffed by the ring, on the thread of the
//! call that released it and after the ring's lock is dropped. A lookup returns a *new* reference
//! that the caller unrefs.
//!
//! Unlike the Rust [`DelayRing`], which has one owner, a `pc_ring` is shared by C threads (a pad
//! probe pushes on a streaming thread while playback looks up on another; ctypes drops the GIL
//! around every call), so it sits behind a mutex held for the O(1)/O(log n) ring operation only.

use std::alloc::{Layout, alloc};
use std::ffi::c_int;
use std::ptr::NonNull;
use std::sync::{Mutex, MutexGuard, PoisonError};

use gstreamer_sys as gst;
use pitchcam_core::ring::{DelayRing, Entry, Push, Reject, RingConfig};
use pitchcam_core::time::CLOCK_TIME_NONE;

use crate::gst::Buffer;

use super::check_ptr;
use super::status::{Status, boundary, boundary_void};

/// Largest capacity `pc_ring_new` accepts (`PC_RING_MAX_CAPACITY`): 136 s at 30 fps. Every ring
/// reserves this many slots (16 bytes each, 64 KiB) and holds at most its own capacity.
pub const RING_MAX_CAPACITY: usize = 4096;

/// Each entry is one owned reference ([`Buffer`], the project's frame handle): dropping it unrefs.
type Ring = DelayRing<Buffer, RING_MAX_CAPACITY>;

// The header promises 64 KiB per ring: 16-byte slots (the handle's non-null niche holds `None`).
const _: () = assert!(size_of::<Ring>() <= RING_MAX_CAPACITY * 16 + 256);

/// The opaque ring handle behind `pc_ring *`.
pub struct pc_ring {
    ring: Mutex<Ring>,
}

impl pc_ring {
    fn lock(&self) -> MutexGuard<'_, Ring> {
        // A panic cannot leave the ring half-updated (its operations do not panic midway; see
        // `DelayRing`), so a poisoned lock still guards a consistent ring.
        self.ring.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Counters and occupancy of a ring (`pc_ring_stats`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct pc_ring_stats {
    /// Live entries (visible to lookups).
    pub len: u32,
    /// The capacity the ring was created with.
    pub capacity: u32,
    /// Entries from before a restart or flush still waiting to be released.
    pub stale: u32,
    /// Always 0.
    pub reserved: u32,
    /// PTS of the oldest live entry, `GST_CLOCK_TIME_NONE` if empty.
    pub oldest_pts: u64,
    /// PTS of the newest live entry, `GST_CLOCK_TIME_NONE` if empty.
    pub newest_pts: u64,
    /// `pc_ring_push` calls with a non-NULL buffer of the right type.
    pub pushed: u64,
    /// Buffers stored.
    pub stored: u64,
    /// Live entries pushed out by a push into a full ring.
    pub evicted: u64,
    /// Stale entries released.
    pub flushed: u64,
    /// Live entries released by `pc_ring_clear`.
    pub popped: u64,
    /// Pushes refused with `PC_ERR_DUPLICATE_PTS`.
    pub duplicates: u64,
    /// Pushes refused with `PC_ERR_LATE_PTS`.
    pub late: u64,
    /// Pushes refused with `PC_ERR_NO_PTS`.
    pub no_pts: u64,
    /// Stream restarts (PTS stepped back by more than 1 s).
    pub restarts: u64,
    /// `pc_ring_flush` calls.
    pub flushes: u64,
    /// Stored buffers that followed the previous one by more than 1.5 frame periods.
    pub gaps: u64,
    /// Sum of those intervals, ns.
    pub gap_ns_total: u64,
    /// Largest such interval, ns.
    pub max_gap_ns: u64,
    /// Most entries ever held at once (what the buffer pool behind the ring must cover).
    pub high_water: u64,
}

const _: () = assert!(size_of::<pc_ring_stats>() == 16 + 16 * 8);

/// Creates a ring holding up to `capacity` buffers (1 ..= `PC_RING_MAX_CAPACITY`) of a stream
/// whose frames are `frame_period_ns` apart (> 0; it sets the gap threshold, 1.5 periods).
/// `*out` receives the ring, which the caller frees with [`pc_ring_free`].
///
/// # Safety
/// `out` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_ring_new(
    capacity: u32,
    frame_period_ns: u64,
    out: *mut *mut pc_ring,
) -> c_int {
    boundary(|| {
        check_ptr(out)?;
        if capacity == 0 || capacity as usize > RING_MAX_CAPACITY || frame_period_ns == 0 {
            return Err(Status::InvalidArg);
        }
        let cfg = RingConfig::for_frame_period(frame_period_ns);
        let ring = Ring::with_limit(cfg, capacity as usize).ok_or(Status::InvalidArg)?;
        let layout = Layout::new::<pc_ring>();
        // SAFETY: `pc_ring` is not zero-sized, so `layout` is a valid non-zero layout.
        let p = unsafe { alloc(layout) }.cast::<pc_ring>();
        if p.is_null() {
            return Err(Status::NoMemory);
        }
        // SAFETY: `p` is a fresh allocation of `pc_ring`'s layout; writing initialises it, and
        // from then on it is a valid `Box<pc_ring>` allocation (same allocator, same layout),
        // reclaimed with `Box::from_raw` in `pc_ring_free`. `out` was checked non-NULL, aligned.
        unsafe {
            p.write(pc_ring { ring: Mutex::new(ring) });
            out.write(p);
        }
        Ok(())
    })
}

/// Frees a ring and releases every buffer it holds. NULL is a no-op.
///
/// # Safety
/// `ring` is NULL or a ring from `pc_ring_new` not yet freed, not in use by another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_ring_free(ring: *mut pc_ring) {
    boundary_void(|| {
        if ring.is_null() {
            return;
        }
        // SAFETY: `ring` came from `pc_ring_new` (a `Box<pc_ring>` allocation) and is freed once
        // (caller's contract).
        let ring = unsafe { Box::from_raw(ring) };
        let mut r = ring.ring.into_inner().unwrap_or_else(PoisonError::into_inner);
        // Each drained handle unrefs as it drops.
        r.drain().for_each(drop);
    })
}

/// Borrows a ring handle.
///
/// # Safety
/// `ring` is NULL or a live ring from `pc_ring_new`.
unsafe fn ring_ref<'a>(ring: *const pc_ring) -> Result<&'a pc_ring, Status> {
    check_ptr(ring)?;
    // SAFETY: non-NULL and aligned (checked); live (caller's contract). Only shared access is
    // handed out: mutation goes through the mutex.
    Ok(unsafe { &*ring })
}

/// Stores `buf` keyed by its PTS, taking a new reference. On `PC_ERR_NO_PTS`,
/// `PC_ERR_DUPLICATE_PTS` and `PC_ERR_LATE_PTS` nothing is retained.
///
/// # Safety
/// `ring` is NULL or a live ring; `buf` is NULL or a live `GstBuffer` the caller holds a
/// reference to.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_ring_push(ring: *mut pc_ring, buf: *mut gst::GstBuffer) -> c_int {
    boundary(|| {
        // SAFETY: caller's contract.
        let ring = unsafe { ring_ref(ring) }?;
        check_ptr(buf)?;
        // SAFETY: non-NULL, aligned, and a live mini object by the caller's contract.
        let ty = unsafe { (*buf).mini_object.type_ };
        // SAFETY: plain GType getter, callable at any time.
        if ty != unsafe { gst::gst_buffer_get_type() } {
            // Most often the PyGObject wrapper's address (`id(buf)`) instead of the buffer's
            // (`hash(buf)`), or another mini object.
            return Err(Status::InvalidArg);
        }
        let released;
        let result;
        {
            // A refused buffer (no PTS included: the ring counts it) comes straight back in
            // the outcome and its reference is released below, so nothing is retained.
            // SAFETY: `buf` is a live GstBuffer (type checked) the caller holds a reference to.
            let handle =
                unsafe { Buffer::from_glib_borrow(NonNull::new(buf).ok_or(Status::Null)?) };
            let pts = handle.pts().unwrap_or(CLOCK_TIME_NONE);
            let outcome = ring.lock().push(pts, handle);
            result = match &outcome {
                Push::Stored | Push::Evicted { .. } => Ok(()),
                Push::Rejected { reason: Reject::Duplicate, .. } => Err(Status::DuplicatePts),
                Push::Rejected { reason: Reject::Late, .. } => Err(Status::LatePts),
                Push::Rejected { reason: Reject::NoPts, .. } => Err(Status::NoPts),
            };
            released = outcome.into_released();
        }
        // Unref outside the lock: the last unref may return the buffer to its pool.
        drop(released);
        result
    })
}

/// Which lookup a `pc_ring_at_*` / `pc_ring_nearest` call performs.
#[derive(Clone, Copy)]
enum Lookup {
    AtOrBefore,
    AtOrAfter,
    Nearest,
}

/// Shared body of the three lookups.
///
/// # Safety
/// `ring` is NULL or a live ring; `out_buf` NULL or writable; `out_pts` NULL or writable.
unsafe fn lookup(
    ring: *const pc_ring,
    pts: u64,
    how: Lookup,
    out_buf: *mut *mut gst::GstBuffer,
    out_pts: *mut u64,
) -> Result<(), Status> {
    // SAFETY: caller's contract.
    let ring = unsafe { ring_ref(ring) }?;
    check_ptr(out_buf)?;
    if !out_pts.is_null() {
        check_ptr(out_pts)?;
    }
    let (buf, found) = {
        let r = ring.lock();
        let e: Option<Entry<'_, Buffer>> = match how {
            Lookup::AtOrBefore => r.at_or_before(pts),
            Lookup::AtOrAfter => r.at_or_after(pts),
            Lookup::Nearest => r.nearest(pts),
        };
        let e = e.ok_or(Status::NotFound)?;
        // The new reference is taken under the lock, so the entry cannot be released first;
        // it leaves Rust's ownership here (transfer full to the caller).
        (e.handle.clone().into_raw().as_ptr(), e.pts)
    };
    // SAFETY: both out-pointers checked (non-NULL where written, aligned); the caller owns them.
    unsafe {
        out_buf.write(buf);
        if !out_pts.is_null() {
            out_pts.write(found);
        }
    }
    Ok(())
}

/// The newest buffer with PTS ≤ `pts`: a new reference in `*out_buf` (the caller unrefs it) and
/// its PTS in `*out_pts` (`out_pts` may be NULL). `PC_ERR_NOT_FOUND` if there is none.
///
/// # Safety
/// `ring` is NULL or a live ring; `out_buf` and `out_pts` are NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_ring_at_or_before(
    ring: *const pc_ring,
    pts: u64,
    out_buf: *mut *mut gst::GstBuffer,
    out_pts: *mut u64,
) -> c_int {
    // SAFETY: forwarded caller's contract.
    boundary(|| unsafe { lookup(ring, pts, Lookup::AtOrBefore, out_buf, out_pts) })
}

/// The oldest buffer with PTS ≥ `pts`; otherwise as [`pc_ring_at_or_before`].
///
/// # Safety
/// As [`pc_ring_at_or_before`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_ring_at_or_after(
    ring: *const pc_ring,
    pts: u64,
    out_buf: *mut *mut gst::GstBuffer,
    out_pts: *mut u64,
) -> c_int {
    // SAFETY: forwarded caller's contract.
    boundary(|| unsafe { lookup(ring, pts, Lookup::AtOrAfter, out_buf, out_pts) })
}

/// The buffer whose PTS is closest to `pts` (the earlier one on a tie); otherwise as
/// [`pc_ring_at_or_before`].
///
/// # Safety
/// As [`pc_ring_at_or_before`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_ring_nearest(
    ring: *const pc_ring,
    pts: u64,
    out_buf: *mut *mut gst::GstBuffer,
    out_pts: *mut u64,
) -> c_int {
    // SAFETY: forwarded caller's contract.
    boundary(|| unsafe { lookup(ring, pts, Lookup::Nearest, out_buf, out_pts) })
}

/// Occupancy and counters.
///
/// # Safety
/// `ring` is NULL or a live ring; `out` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_ring_get_stats(ring: *const pc_ring, out: *mut pc_ring_stats) -> c_int {
    boundary(|| {
        // SAFETY: caller's contract.
        let ring = unsafe { ring_ref(ring) }?;
        check_ptr(out)?;
        let s = {
            let r = ring.lock();
            let c = r.counters();
            pc_ring_stats {
                len: r.len() as u32,
                capacity: r.capacity() as u32,
                stale: r.stale_len() as u32,
                reserved: 0,
                oldest_pts: r.oldest().map_or(CLOCK_TIME_NONE, |e| e.pts),
                newest_pts: r.newest().map_or(CLOCK_TIME_NONE, |e| e.pts),
                pushed: c.pushed,
                stored: c.stored,
                evicted: c.evicted,
                flushed: c.flushed,
                popped: c.popped,
                duplicates: c.duplicates,
                late: c.late,
                no_pts: c.no_pts,
                restarts: c.restarts,
                flushes: c.flushes,
                gaps: c.gaps,
                gap_ns_total: c.gap_ns_total,
                max_gap_ns: c.max_gap_ns,
                high_water: c.high_water,
            }
        };
        // SAFETY: checked non-NULL and aligned; the caller owns it.
        unsafe { out.write(s) };
        Ok(())
    })
}

/// Ends the current timeline (a GStreamer flush or seek): every entry becomes invisible to
/// lookups at once; the buffers are released lazily, one per later stored push (no burst of
/// unrefs on the streaming thread), or all at once by [`pc_ring_clear`].
///
/// # Safety
/// `ring` is NULL or a live ring.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_ring_flush(ring: *mut pc_ring) -> c_int {
    boundary(|| {
        // SAFETY: caller's contract.
        let ring = unsafe { ring_ref(ring) }?;
        ring.lock().flush();
        Ok(())
    })
}

/// Releases every buffer the ring holds now (live and stale). Counters are kept.
///
/// # Safety
/// `ring` is NULL or a live ring.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pc_ring_clear(ring: *mut pc_ring) -> c_int {
    boundary(|| {
        // SAFETY: caller's contract.
        let ring = unsafe { ring_ref(ring) }?;
        // Take the handles out under the lock, one at a time, and release each outside it.
        loop {
            let next = {
                let mut r = ring.lock();
                r.pop_stale().or_else(|| r.pop_oldest())
            };
            match next {
                Some(entry) => drop(entry),
                None => return Ok(()),
            }
        }
    })
}
