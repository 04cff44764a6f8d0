//! `pc_detect`, `pc_detector_detect` and `pc_nms` called in-process through the library's Rust
//! face: on every shared reference frame the C ABI gives exactly core's detections; the
//! per-thread detectors are independent under concurrent calls; a too-small output reports the
//! size needed and writes nothing; `pc_nms` keeps what core's `nms_in_place` keeps.
mod capi_support;

use capi_support::*;
use pitchcam::capi::detect::*;
use pitchcam::capi::status::Status;
use pitchcam::core::detect::{Detection, IouThreshold, nms_in_place};

const FRAMES: [&str; 10] = [
    "frame_0000",
    "frame_0001",
    "frame_0002",
    "frame_0003",
    "frame_0004",
    "frame_0005",
    "frame_0006",
    "frame_0007",
    "stress_crowd",
    "stress_maxdet",
];

fn tensor(head: &[f32]) -> pc_tensor {
    pc_tensor {
        data: head.as_ptr(),
        rows: 9,
        anchors: 8400,
        transposed: 0,
        scale_x: 1.0,
        scale_y: 1.0,
        offset_x: 0.0,
        offset_y: 0.0,
    }
}

const PARAMS: pc_detect_params =
    pc_detect_params { conf_threshold: 0.25, iou_threshold: 0.45, max_det: 300, class_agnostic: 0 };

fn c_detect(head: &[f32], cap: usize) -> Result<Vec<Det>, (Status, u32)> {
    let t = tensor(head);
    let mut out = vec![Detection::default(); cap];
    let mut n = u32::MAX;
    // SAFETY: every pointer is valid for the call: one tensor of 9 × 8400 floats, `cap` outputs.
    let rc = unsafe { pc_detect(&t, 1, &PARAMS, out.as_mut_ptr(), cap as u32, &mut n) };
    match Status::from_code(rc).expect("a known status") {
        Status::Ok => Ok(out[..n as usize]
            .iter()
            .map(|d| (d.x1, d.y1, d.x2, d.y2, d.score, d.class))
            .collect()),
        s => Err((s, n)),
    }
}

#[test]
fn every_reference_frame_matches_core() {
    for f in FRAMES {
        let head = load_head(f);
        let got = c_detect(&head, 512).unwrap_or_else(|e| panic!("{f}: {e:?}"));
        assert_eq!(got, core_detections(f), "{f}");
        if f.starts_with("frame") {
            check_against_reference(f, &got);
        }
    }
}

#[test]
fn too_small_output_reports_the_size_needed() {
    let head = load_head("stress_maxdet");
    assert_eq!(c_detect(&head, 512).unwrap().len(), 300, "max_det cuts at 300");
    assert_eq!(c_detect(&head, 299), Err((Status::Capacity, 300)));
    assert_eq!(c_detect(&head, 0), Err((Status::Capacity, 300)));
}

#[test]
fn threads_get_independent_detectors() {
    let heads: Vec<(Vec<f32>, Vec<Det>)> =
        FRAMES[..4].iter().map(|f| (load_head(f), core_detections(f))).collect();
    std::thread::scope(|s| {
        for t in 0..4 {
            let heads = &heads;
            s.spawn(move || {
                for i in 0..12 {
                    let (head, want) = &heads[(t + i) % heads.len()];
                    assert_eq!(&c_detect(head, 512).unwrap(), want, "thread {t} call {i}");
                }
            });
        }
    });
}

#[test]
fn explicit_detector_matches_and_reports_stats() {
    let head = load_head("frame_0005");
    let mut det = std::ptr::null_mut();
    // SAFETY: `det` is a valid out-pointer.
    assert_eq!(unsafe { pc_detector_new(&mut det) }, 0);
    let params = pc_detect_params_ex { base: PARAMS, ..Default::default() };
    let t = tensor(&head);
    let mut out = vec![Detection::default(); 512];
    let (mut n, mut stats) = (0u32, pc_detect_stats::default());
    // SAFETY: live detector, valid tensor, `out` of 512, valid out-pointers.
    let rc = unsafe {
        pc_detector_detect(det, &t, 1, &params, out.as_mut_ptr(), 512, &mut n, &mut stats)
    };
    assert_eq!(rc, 0);
    let got: Vec<Det> =
        out[..n as usize].iter().map(|d| (d.x1, d.y1, d.x2, d.y2, d.score, d.class)).collect();
    assert_eq!(got, core_detections("frame_0005"));
    assert_eq!((stats.anchors, stats.kept, stats.non_finite, stats.capped), (8400, n, 0, 0));
    // SAFETY: freed once.
    unsafe { pc_detector_free(det) };
}

#[test]
fn pc_nms_keeps_what_core_keeps() {
    // Deterministic pseudo-random boxes, many overlapping, three classes, tied scores.
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    for round in 0..50 {
        let n = (next() % 200) as usize;
        let dets: Vec<Detection> = (0..n)
            .map(|_| {
                let (x, y) = ((next() % 40_000) as i32, (next() % 20_000) as i32);
                let (w, h) = ((next() % 6_000) as i32, (next() % 6_000) as i32);
                Detection {
                    x1: x,
                    y1: y,
                    x2: x + w,
                    y2: y + h,
                    score: (next() % 64) as u16 * 1000,
                    class: (next() % 3) as u8,
                    reserved: 0,
                }
            })
            .collect();
        for (agnostic, max_det) in [(0u32, 300u32), (1, 300), (0, 5)] {
            let mut ours = dets.clone();
            let mut kept = u32::MAX;
            // SAFETY: `ours` has `n` elements; `kept` is a valid out-pointer.
            let rc =
                unsafe { pc_nms(ours.as_mut_ptr(), n as u32, 0.45, agnostic, max_det, &mut kept) };
            assert_eq!(rc, 0);
            let mut theirs = dets.clone();
            let k = nms_in_place(
                &mut theirs,
                IouThreshold::new(0.45).unwrap(),
                agnostic == 1,
                max_det as usize,
            )
            .unwrap();
            assert_eq!(kept as usize, k, "round {round}");
            assert_eq!(ours[..k], theirs[..k], "round {round}");
        }
    }
}
