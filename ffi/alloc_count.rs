//! A counting global allocator, so pitchcam can prove (in its report and its tests) that its own
//! hot path allocates nothing.
//!
//! The binary installs [`CountingAlloc`] as `#[global_allocator]`. Every Rust allocation is
//! counted process-wide; allocations made while the current thread is inside a [`HotSection`]
//! (the probe, an analysis step, a playback tick, a sim frame) are also counted as *hot*. Only
//! Rust's allocator is seen: GLib/GStreamer allocate through `malloc` directly and are measured
//! separately (RSS slope), see `rust-practice.md` TL;DR 9.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static HOT_ALLOCS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    // `const` initialisation: touching these never allocates, so the allocator may use them.
    static HOT_DEPTH: Cell<u32> = const { Cell::new(0) };
    static THREAD_HOT_ALLOCS: Cell<u64> = const { Cell::new(0) };
}

/// The system allocator with allocation counters.
#[derive(Debug, Default)]
pub struct CountingAlloc;

#[inline]
fn count() {
    ALLOCS.fetch_add(1, Ordering::Relaxed);
    // `try_with`: during thread teardown the TLS slot may be gone; never recurse or panic here.
    if HOT_DEPTH.try_with(|d| d.get() > 0).unwrap_or(false) {
        HOT_ALLOCS.fetch_add(1, Ordering::Relaxed);
        let _ = THREAD_HOT_ALLOCS.try_with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract (layout validity, pointer provenance) is the system allocator's; the
// counters are relaxed atomics and a const-initialised thread-local, neither of which allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded verbatim; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded verbatim; the caller upholds `alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded verbatim; `ptr` came from this allocator (= System) with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded verbatim; the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Total Rust allocations (and reallocations) since start.
pub fn allocations() -> u64 {
    ALLOCS.load(Ordering::Relaxed)
}

/// Rust allocations made inside hot sections since start.
pub fn hot_allocations() -> u64 {
    HOT_ALLOCS.load(Ordering::Relaxed)
}

/// Rust allocations made inside hot sections by the calling thread (unaffected by other
/// threads, so parallel tests can each check their own hot path).
pub fn thread_hot_allocations() -> u64 {
    THREAD_HOT_ALLOCS.try_with(|n| n.get()).unwrap_or(0)
}

/// Marks the current thread as running hot-path code until dropped. Nestable, not `Send`.
#[derive(Debug)]
pub struct HotSection {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl HotSection {
    /// Enters a hot section on this thread.
    #[inline]
    pub fn enter() -> HotSection {
        let _ = HOT_DEPTH.try_with(|d| d.set(d.get() + 1));
        HotSection { _not_send: std::marker::PhantomData }
    }
}

impl Drop for HotSection {
    #[inline]
    fn drop(&mut self) {
        let _ = HOT_DEPTH.try_with(|d| d.set(d.get().saturating_sub(1)));
    }
}
