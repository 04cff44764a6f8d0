//! The hot path allocates nothing: with pitchcam's counting allocator installed, 10 000 frames of
//! decode → NMS → track → ring push/lookup → plan → crop-and-scale make zero heap allocations
//! (1 000 frames in an unoptimised build, where a frame costs milliseconds).
//!
//! Everything the loop needs is created before counting starts, exactly as the engine's threads
//! do. The counter is the same `HotSection` mechanism the binary reports as
//! `allocations_per_frame`, so this test also proves that instrument counts: the negative
//! control below allocates inside a hot section and must be seen.

use pitchcam::alloc_count::{CountingAlloc, HotSection, thread_hot_allocations as hot_allocations};
use pitchcam::core::detect::{DetectParams, Detection, Detector, Mapping, Tensor, TensorLayout};
use pitchcam::core::geom::{Rect, Size};
use pitchcam::core::image::{CropScaler, Nv12, Nv12Mut};
use pitchcam::core::plan::{Planner, PlannerConfig, Preset};
use pitchcam::core::ring::{DelayRing, Push, RingConfig};
use pitchcam::core::track::{Tracker, TrackerConfig};
use std::path::PathBuf;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const ROWS: usize = 9;
const ANCHORS: usize = 8400;

fn nms_dir() -> PathBuf {
    let base = std::env::var_os("PITCHCAM_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let dir = if base.ends_with("nms") { base } else { base.join("nms") };
    assert!(
        dir.join("frame_0000.bin").is_file(),
        "reference tensors not found in {}: the shared data folder must sit beside the checkout \
         (../shared/data/nms) or be named by PITCHCAM_SHARED_DATA",
        dir.display()
    );
    dir
}

fn load(name: &str) -> Vec<f32> {
    let bytes = std::fs::read(nms_dir().join(format!("{name}.bin"))).expect("read tensor");
    assert_eq!(bytes.len(), ROWS * ANCHORS * 4);
    bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

#[test]
fn ten_thousand_frames_of_the_hot_path_allocate_nothing() {
    let frames = if cfg!(debug_assertions) { 1_000u64 } else { 10_000 };
    let pano = Size { w: 1920, h: 640 };
    // Four reference heads mapped as three tiles across a 1920×640 panorama (the sim's layout).
    let heads: Vec<Vec<f32>> = ["frame_0000", "frame_0003", "frame_0006", "stress_crowd"]
        .iter()
        .map(|n| load(n))
        .collect();
    let maps = [
        Mapping::tile(0, 0, 640, 640, 640, 640),
        Mapping::tile(640, 0, 640, 640, 640, 640),
        Mapping::tile(1280, 0, 640, 640, 640, 640),
    ];
    let params = DetectParams::new(0.25, 0.45, 300, pano).unwrap();
    let mut detector: Box<Detector<4096>> = Box::default();
    let mut dets = vec![Detection::default(); 300];
    let mut tracker: Box<Tracker<256>> =
        Box::new(Tracker::new(TrackerConfig::for_panorama(pano)).unwrap());
    let mut ring: Box<DelayRing<u64, 256>> =
        Box::new(DelayRing::new(RingConfig::for_frame_period(33_333_333)));
    let mut planner: Box<Planner<512>> =
        Box::new(Planner::new(PlannerConfig::preset(Preset::Broadcast, pano), pano).unwrap());
    let mut scaler: Box<CropScaler<640>> = Box::default();
    let src_y = vec![16u8; 1920 * 640];
    let src_uv = vec![128u8; 1920 * 320];
    let mut dst_y = vec![0u8; 640 * 360];
    let mut dst_uv = vec![0u8; 640 * 180];
    let mut released = 0u64;
    let mut kept = 0u64;

    let before = hot_allocations();
    for k in 0..frames {
        let _hot = HotSection::enter();
        let pts = k * 33_333_333;
        let tensors: [Tensor<'_>; 3] = core::array::from_fn(|i| {
            let h = &heads[(k as usize + i) % heads.len()];
            Tensor::new(h, ROWS as u32, ANCHORS as u32, TensorLayout::ChannelsFirst, maps[i])
                .unwrap()
        });
        let st = detector.detect(&tensors, &params, &mut dets).unwrap();
        kept += st.written as u64;
        let obs = tracker.step(pts, &dets[..st.written as usize]);
        match ring.push(pts, k) {
            Push::Stored => {}
            Push::Evicted { .. } | Push::Rejected { .. } => released += 1,
        }
        planner.push(&obs);
        let show = pts.saturating_sub(7_000_000_000);
        if let Some(e) = ring.at_or_before(show) {
            let cam = planner.crop_at(e.pts);
            let src = Nv12::new(&src_y, 1920, &src_uv, 1920, 1920, 640).unwrap();
            let mut dst = Nv12Mut::new(&mut dst_y, 640, &mut dst_uv, 640, 640, 360).unwrap();
            let used: Rect = scaler.scale(&src, cam.rect, &mut dst).unwrap();
            assert!(used.w > 0);
        }
    }
    let allocs = hot_allocations() - before;
    assert_eq!(allocs, 0, "{allocs} heap allocations in {frames} frames of the hot path");
    assert!(kept > frames * 10, "the loop did real work ({kept} boxes kept)");
    assert!(released > 0, "the ring wrapped and handed entries back");
}

#[test]
fn the_counter_sees_an_allocation_in_a_hot_section() {
    let before = hot_allocations();
    {
        let _hot = HotSection::enter();
        let v: Vec<u8> = Vec::with_capacity(std::hint::black_box(64));
        std::hint::black_box(&v);
    }
    let outside = hot_allocations();
    let v: Vec<u8> = Vec::with_capacity(std::hint::black_box(64));
    std::hint::black_box(&v);
    assert_eq!(outside - before, 1, "one allocation inside the hot section is counted");
    assert_eq!(hot_allocations(), outside, "allocations outside hot sections are not");
}
