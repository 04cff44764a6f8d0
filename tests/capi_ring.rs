//! `pc_ring` in-process, from several threads at once: a "pad probe" thread pushes while a
//! "playback" thread looks frames up and a third reads the counters — the concurrent use the
//! header promises. Every buffer's reference count is back to the test's own single reference at
//! the end (nothing leaked, nothing released twice), and every lookup returned the frame its PTS
//! names.
use pitchcam::capi::ring::*;
use pitchcam::capi::status::Status;
use pitchcam::gst::{self, Buffer};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};

const PERIOD: u64 = 33_333_333;
const FRAMES: u64 = 3000;
const CAP: u32 = 210;

struct RingPtr(*mut pc_ring);
// SAFETY: pc_ring is documented thread-safe (internal mutex); the test frees it after every
// thread has joined.
unsafe impl Sync for RingPtr {}

impl RingPtr {
    /// Through a method, so closures capture the `Sync` wrapper rather than the raw field.
    fn get(&self) -> *mut pc_ring {
        self.0
    }
}

#[test]
fn concurrent_push_lookup_and_stats_keep_references_exact() {
    gst::init().expect("gst_init");
    let buffers: Vec<Buffer> = (0..FRAMES)
        .map(|k| {
            let mut b = Buffer::with_size(16).expect("buffer");
            let r = b.get_mut().expect("writable");
            r.set_pts(Some(k * PERIOD));
            r.set_offset(Some(k));
            b
        })
        .collect();
    let mut raw = ptr::null_mut();
    // SAFETY: valid out-pointer.
    assert_eq!(unsafe { pc_ring_new(CAP, PERIOD, &mut raw) }, 0);
    let ring = RingPtr(raw);
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            for b in &buffers {
                // SAFETY: live ring; `b` is a live buffer we hold a reference to.
                assert_eq!(unsafe { pc_ring_push(ring.get(), b.as_ptr()) }, 0);
            }
            done.store(true, Ordering::Release);
        });
        s.spawn(|| {
            let mut hits = 0u64;
            let mut k = 0u64;
            while !done.load(Ordering::Acquire) || hits == 0 {
                let (mut out, mut pts) = (ptr::null_mut(), 0u64);
                let q = (k % FRAMES) * PERIOD + PERIOD / 3;
                // SAFETY: live ring, valid out-pointers.
                let rc = unsafe { pc_ring_at_or_before(ring.get(), q, &mut out, &mut pts) };
                if rc == 0 {
                    // SAFETY: a new reference handed to us (transfer full).
                    let b = unsafe { Buffer::from_glib_full(ptr::NonNull::new(out).unwrap()) };
                    assert_eq!(b.pts(), Some(pts));
                    assert_eq!(b.offset(), Some(pts / PERIOD), "the frame its PTS names");
                    // While pushes are in flight, frame q/PERIOD may not be stored yet: the
                    // newest one before it is the right answer then.
                    assert!(pts <= q);
                    hits += 1;
                } else {
                    assert_eq!(rc, Status::NotFound.code());
                }
                k += 7;
            }
        });
        s.spawn(|| {
            while !done.load(Ordering::Acquire) {
                let mut st = pc_ring_stats::default();
                // SAFETY: live ring, valid out-pointer.
                assert_eq!(unsafe { pc_ring_get_stats(ring.get(), &mut st) }, 0);
                assert!(st.len <= CAP && st.pushed == st.stored && st.stored >= st.evicted);
                assert_eq!(st.stored, st.evicted + st.len as u64);
            }
        });
    });
    let mut st = pc_ring_stats::default();
    // SAFETY: live ring, valid out-pointer.
    assert_eq!(unsafe { pc_ring_get_stats(ring.get(), &mut st) }, 0);
    assert_eq!((st.len, st.stored, st.evicted), (CAP, FRAMES, FRAMES - CAP as u64));
    // Quiescent: every stored frame is found exactly.
    for k in FRAMES - CAP as u64..FRAMES {
        let (mut out, mut pts) = (ptr::null_mut(), 0u64);
        // SAFETY: live ring, valid out-pointers.
        let rc = unsafe {
            pc_ring_at_or_before(ring.get(), k * PERIOD + PERIOD / 3, &mut out, &mut pts)
        };
        assert_eq!((rc, pts), (0, k * PERIOD));
        // SAFETY: a new reference handed to us (transfer full).
        let b = unsafe { Buffer::from_glib_full(ptr::NonNull::new(out).unwrap()) };
        assert_eq!(b.offset(), Some(k));
    }
    let refs = |b: &Buffer| (**b).refcount();
    let held = buffers.iter().filter(|b| refs(b) == 2).count();
    assert_eq!(held, CAP as usize, "the ring holds exactly its {CAP} newest");
    assert!(buffers[..(FRAMES - CAP as u64) as usize].iter().all(|b| refs(b) == 1));
    // SAFETY: freed once, no thread uses it any more.
    unsafe { pc_ring_free(ring.get()) };
    assert!(buffers.iter().all(|b| refs(b) == 1), "pc_ring_free released every reference");
}
