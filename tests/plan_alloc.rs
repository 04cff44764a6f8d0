//! The planner allocates nothing per tick: with a counting global allocator, 9000 playback ticks
//! (`push` + `crop_at`, look-ahead on and off, plus live config changes and a stream restart) on
//! a busy synthetic match see zero allocations once the inputs are built.
// The planner's synthetic matches are core's test support; this test lives in the root package
// so that the counting allocator (an `unsafe impl GlobalAlloc`) is pitchcam's own, in `ffi/`.
#[path = "../core/tests/plan_synth/mod.rs"]
mod plan_synth;

use pitchcam::alloc_count::{CountingAlloc, HotSection, thread_hot_allocations};
use pitchcam_core::geom::Size;
use pitchcam_core::plan::{DEFAULT_WINDOW, Planner, PlannerConfig, Preset};
use plan_synth::{Match, SynthConfig};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

#[test]
fn playback_ticks_allocate_nothing() {
    const PANO: Size = Size { w: 5700, h: 1900 };
    let obs: Vec<_> = Match::new(SynthConfig::new(PANO), 8).take(4500).map(|f| f.obs).collect();
    let broadcast = PlannerConfig::preset(Preset::Broadcast, PANO);
    let action = PlannerConfig::preset(Preset::Action, PANO);
    let mut planner = Box::new(Planner::<DEFAULT_WINDOW>::new(broadcast, PANO).unwrap());
    let mut crops = 0usize;

    let before = thread_hot_allocations();
    let hot = HotSection::enter();
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
    drop(hot);
    let allocations = thread_hot_allocations() - before;

    assert_eq!(crops, 2 * (obs.len() - 210));
    assert_eq!(planner.counters().backward_resets, 1);
    assert_eq!(allocations, 0, "allocations during {} ticks", 2 * obs.len());
}
