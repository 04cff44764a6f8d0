//! Decode + NMS allocate nothing: a counting global allocator sees zero allocations across
//! 10 000 frames (1 000 in an unoptimised build, where a frame costs milliseconds) of
//! `Detector::detect`, `detect_into` and `nms_in_place`.
mod detect_common;

use detect_common::{ANCHORS, ROWS, load_head};
use pitchcam_core::detect::{
    DetectParams, Detection, Detector, IouThreshold, Mapping, Tensor, TensorLayout, nms_in_place,
};
use pitchcam_core::geom::Size;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY (test only, not part of the library): forwards to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn ten_thousand_frames_without_allocating() {
    let names = ["frame_0000", "frame_0003", "stress_crowd", "stress_maxdet"];
    let heads: Vec<Vec<f32>> = names.iter().map(|n| load_head(n)).collect();
    let tensors: Vec<Tensor<'_>> = heads
        .iter()
        .map(|h| {
            Tensor::new(
                h,
                ROWS as u32,
                ANCHORS as u32,
                TensorLayout::ChannelsFirst,
                Mapping::IDENTITY,
            )
            .unwrap()
        })
        .collect();
    let params = DetectParams::new(0.25, 0.45, 300, Size { w: 640, h: 640 }).unwrap();
    let mut det = Box::new(Detector::<4096>::new());
    let mut out = vec![Detection::default(); 300];
    let mut av = Box::new(arrayvec::ArrayVec::<Detection, 300>::new());
    let thr = IouThreshold::new(0.45).unwrap();
    let mut kept = 0u64;

    let frames = if cfg!(debug_assertions) { 1_000 } else { 10_000 };
    COUNTING.store(true, Ordering::SeqCst);
    for i in 0..frames {
        let t = &tensors[i % tensors.len()..][..1];
        let s = if i % 2 == 0 {
            det.detect(t, &params, &mut out).unwrap()
        } else {
            det.detect_into(t, &params, &mut av).unwrap()
        };
        kept += s.kept as u64;
        if i % 100 == 0 {
            let n = s.written as usize;
            kept += nms_in_place(&mut out[..n], thr, true, 300).unwrap() as u64;
        }
    }
    COUNTING.store(false, Ordering::SeqCst);

    assert!(kept > frames as u64, "frames must have produced detections");
    assert_eq!(det.totals().frames, frames as u64);
    assert_eq!(ALLOCS.load(Ordering::SeqCst), 0, "allocations during decode + NMS");
}
