//! The crop-and-scale allocates nothing per frame: a counting global allocator sees zero
//! allocations across frames of every filter, ratio and crop position.
use pitchcam_core::geom::Rect;
use pitchcam_core::image::{CropScaler, Filter, Nv12, Nv12Mut};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call unchanged to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn frames_allocate_nothing() {
    let (w, h) = (1600u32, 900u32);
    let y = vec![100u8; (w * h) as usize];
    let uv = vec![128u8; (w * h / 2) as usize];
    let (ow, oh) = (640u32, 360u32);
    let mut oy = vec![0u8; (ow * oh) as usize];
    let mut ouv = vec![0u8; (ow * oh / 2) as usize];
    let mut sc = Box::new(CropScaler::<640>::new(Filter::Auto));
    let before = ALLOCS.load(Ordering::Relaxed);
    assert!(before > 0, "the counting allocator is in use (it saw the setup's vectors)");
    for i in 0..60i32 {
        sc.set_filter([Filter::Auto, Filter::Bilinear, Filter::Area][i as usize % 3]);
        let src = Nv12::new(&y, w as usize, &uv, w as usize, w, h).unwrap();
        let mut dst = Nv12Mut::new(&mut oy, ow as usize, &mut ouv, ow as usize, ow, oh).unwrap();
        let cw = [1600, 1280, 640, 320][i as usize % 4];
        let crop = Rect { x: i * 10, y: i * 4, w: cw, h: cw * 9 / 16 };
        sc.scale(&src, crop, &mut dst).unwrap();
        dst.fill(16, 128, 128).unwrap();
    }
    assert_eq!(ALLOCS.load(Ordering::Relaxed) - before, 0);
}
