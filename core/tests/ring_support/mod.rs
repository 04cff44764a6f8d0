//! Shared by the `ring_*` tests: a frame handle that counts its live instances, like a GstBuffer
//! reference that must be released exactly once.
#![allow(dead_code)]

use std::cell::Cell;
use std::rc::Rc;

use pitchcam_core::ring::{DelayRing, Push, RingConfig};

/// Not `Clone`, not `Copy`, has a `Drop`: the ring can only move it.
#[derive(Debug)]
pub struct Handle {
    pub id: u64,
    live: Rc<Cell<i64>>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.live.set(self.live.get() - 1);
    }
}

impl PartialEq for Handle {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}
impl Eq for Handle {}

/// Makes handles with consecutive ids and knows how many are alive.
#[derive(Default)]
pub struct Factory {
    live: Rc<Cell<i64>>,
    next: u64,
}

impl Factory {
    pub fn make(&mut self) -> Handle {
        self.live.set(self.live.get() + 1);
        let h = Handle { id: self.next, live: self.live.clone() };
        self.next += 1;
        h
    }
    /// Handles alive now (made and not yet dropped).
    pub fn live(&self) -> i64 {
        self.live.get()
    }
    /// Handles made so far.
    pub fn made(&self) -> u64 {
        self.next
    }
}

/// 30 fps: 33 333 333 ns per frame.
pub const PERIOD: u64 = 33_333_333;

pub fn cfg30() -> RingConfig {
    RingConfig::for_frame_period(PERIOD)
}

/// The outcome of a push with the handle reduced to its id, for comparisons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Out {
    Stored,
    Evicted { pts: u64, id: u64, stale: bool },
    Rejected { pts: u64, id: u64, reason: pitchcam_core::ring::Reject },
}

/// Reduces a push result to ids, keeping the released handle (if any) in `kept` so nothing is
/// dropped behind the test's back.
pub fn out(p: Push<Handle>, kept: &mut Vec<Handle>) -> Out {
    match p {
        Push::Stored => Out::Stored,
        Push::Evicted { pts, handle, stale } => {
            let id = handle.id;
            kept.push(handle);
            Out::Evicted { pts, id, stale }
        }
        Push::Rejected { pts, handle, reason } => {
            let id = handle.id;
            kept.push(handle);
            Out::Rejected { pts, id, reason }
        }
    }
}

/// Live `(pts, id)` pairs in order.
pub fn live<const N: usize>(ring: &DelayRing<Handle, N>) -> Vec<(u64, u64)> {
    ring.iter().map(|e| (e.pts, e.handle.id)).collect()
}
