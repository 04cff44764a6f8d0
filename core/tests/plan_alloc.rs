//! The planner allocates nothing per tick: with a counting global allocator, 9000 playback ticks
//! (`push` + `crop_at`, look-ahead on and off, plus live config changes and a stream restart) on
//! a busy synthetic match see zero allocations once the inputs are built.
mod plan_synth;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use pitchcam_core::geom::Size;
use pitchcam_core::plan::{DEFAULT_WINDOW, Planner, PlannerConfig, Preset};
use plan_synth::{Match, SynthConfig};

struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed through unchanged to the system allocator, which upholds the
// `GlobalAlloc` contract; the only addition is a relaxed counter increment.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's guarantees about `layout` are the ones `System.alloc` needs.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was returned by `System.alloc` (through `alloc` above) for `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

#[test]
fn playback_ticks_allocate_nothing() {
    const PANO: Size = Size { w: 5700, h: 1900 };
    let obs: Vec<_> = Match::new(SynthConfig::new(PANO), 8).take(4500).map(|f| f.obs).collect();
    let broadcast = PlannerConfig::preset(Preset::Broadcast, PANO);
    let action = PlannerConfig::preset(Preset::Action, PANO);
    let mut planner = Box::new(Planner::<DEFAULT_WINDOW>::new(broadcast, PANO).unwrap());
    let mut crops = 0usize;

    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for pass in 0..2 {
        planner.set_lookahead(pass == 0);
        for i in 0..obs.len() {
            planner.push(&obs[i]);
            if i >= 210 {
                let cam = planner.crop_at(obs[i - 210].pts);
                crops += (cam.rect.w > 0) as usize;
            }
            if i == 2000 {
                planner.set_config(PlannerConfig { lookahead: pass == 0, ..action }).unwrap();
            }
        }
        // The second pass replays the same PTS: the planner sees the stream restart.
        planner.set_config(PlannerConfig { lookahead: pass != 0, ..broadcast }).unwrap();
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;

    assert_eq!(crops, 2 * (obs.len() - 210));
    assert_eq!(planner.counters().backward_resets, 1);
    assert_eq!(allocations, 0, "allocations during {} ticks", 2 * obs.len());
}
