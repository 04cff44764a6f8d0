//! Decode + fixed-point NMS against the float reference of `shared/data/nms`
//! (conf 0.25 strict, IoU 0.45 strict, per-class, max_det 300; see its README).
//!
//! The kept anchors must be exactly the reference's, in order, except that a decision the
//! reference marks fragile (float IoU within 1e-3 of the threshold) may flip — and only such a
//! decision. Boxes must equal the reference xyxy rounded to Q8 (mapped and clamped), scores the
//! reference confidence in Q0.16.
mod detect_common;

use detect_common::*;
use pitchcam_core::detect::{
    DetectParams, Detection, Detector, Mapping, Tensor, TensorLayout, score_q16,
};
use pitchcam_core::geom::Size;
use std::collections::{HashMap, HashSet};

struct Variant {
    name: &'static str,
    layout: TensorLayout,
    map: Mapping,
    bounds: Size,
    /// Allowed |Q8 difference| against the f64 model of the mapped reference box.
    tol: i64,
}

/// Runs every reference frame through one detector; returns (fragile flips, outputs per frame).
fn run_variant(v: &Variant) -> (usize, Vec<Vec<Detection>>) {
    let reference = load_reference();
    let frames = reference["frames"].as_array().expect("frames");
    assert_eq!(frames.len(), 10, "reference holds 8 typical + 2 stress frames");
    let params = DetectParams::new(0.25, 0.45, 300, v.bounds).unwrap();
    let mut det = Box::new(Detector::<4096>::new());
    let mut out = vec![Detection::default(); 512];
    let (hi_x, hi_y) = (v.bounds.w as i64 * 256, v.bounds.h as i64 * 256);
    let mut flips = 0;
    let mut outputs = Vec::new();

    for f in frames {
        let name = f["name"].as_str().unwrap();
        let head = load_head(name);
        let data = match v.layout {
            TensorLayout::ChannelsFirst => head.clone(),
            TensorLayout::AnchorsFirst => transpose(&head, ROWS, ANCHORS),
        };
        let t = Tensor::new(&data, ROWS as u32, ANCHORS as u32, v.layout, v.map).unwrap();
        let stats = det.detect(&[t], &params, &mut out).unwrap();
        let ours = &out[..stats.written as usize];

        // Every reference candidate, with the box our naive model expects for it.
        let mut conf_of = HashMap::new();
        let mut expected: Vec<(u32, Detection)> = Vec::new();
        for c in f["candidates"].as_array().unwrap() {
            let anchor = c[0].as_u64().unwrap() as u32;
            let class = c[1].as_u64().unwrap() as u8;
            let conf = c[2].as_f64().unwrap() as f32;
            conf_of.insert(anchor, conf);
            let Model::Candidate { class: mc, score, xyxy } =
                model_anchor(&head, ROWS, ANCHORS, anchor as usize, &params.conf)
            else {
                panic!("{name}: reference candidate {anchor} is not a candidate of the model");
            };
            assert_eq!((mc, score), (class, conf), "{name}: anchor {anchor} class/score");
            let m = |px: f32, s: f32, o: f32, hi| q8_f64(px as f64 * s as f64 + o as f64, hi);
            let d = Detection {
                x1: m(xyxy[0], v.map.scale_x, v.map.offset_x, hi_x) as i32,
                y1: m(xyxy[1], v.map.scale_y, v.map.offset_y, hi_y) as i32,
                x2: m(xyxy[2], v.map.scale_x, v.map.offset_x, hi_x) as i32,
                y2: m(xyxy[3], v.map.scale_y, v.map.offset_y, hi_y) as i32,
                score: score_q16(conf),
                class,
                reserved: 0,
            };
            expected.push((anchor, d));
        }
        assert_eq!(stats.anchors, ANCHORS as u32);
        assert_eq!(stats.candidates as u64, f["n_candidates"].as_u64().unwrap(), "{name}");
        assert_eq!((stats.non_finite, stats.bad_size, stats.capped), (0, 0, 0), "{name}");
        assert_eq!(stats.written, stats.kept, "{name}: output large enough");

        // Which anchor each output box is (box within tolerance, same class and score).
        let close = |a: &Detection, b: &Detection| {
            a.class == b.class
                && a.score == b.score
                && [(a.x1, b.x1), (a.y1, b.y1), (a.x2, b.x2), (a.y2, b.y2)]
                    .iter()
                    .all(|&(p, q)| (p as i64 - q as i64).abs() <= v.tol)
        };
        let ours_anchors: Vec<u32> = ours
            .iter()
            .map(|d| {
                let hits: Vec<u32> =
                    expected.iter().filter(|(_, e)| close(d, e)).map(|&(a, _)| a).collect();
                assert_eq!(hits.len(), 1, "{name}: output {d:?} matches candidates {hits:?}");
                hits[0]
            })
            .collect();

        let ref_kept: Vec<u32> =
            f["kept"].as_array().unwrap().iter().map(|a| a.as_u64().unwrap() as u32).collect();
        let fragile: HashSet<u32> =
            f["fragile"].as_array().unwrap().iter().map(|a| a.as_u64().unwrap() as u32).collect();
        let ours_set: HashSet<u32> = ours_anchors.iter().copied().collect();
        let ref_set: HashSet<u32> = ref_kept.iter().copied().collect();
        let flipped: Vec<u32> = ours_set.symmetric_difference(&ref_set).copied().collect();
        for a in &flipped {
            assert!(
                fragile.contains(a),
                "{} {name}: anchor {a} decided differently from the reference and is not fragile \
                 (ours {ours_anchors:?}, reference {ref_kept:?})",
                v.name
            );
        }
        flips += flipped.len();
        // Same order on the common part, and the whole output in (conf desc, anchor asc) order.
        let common_ours: Vec<u32> =
            ours_anchors.iter().copied().filter(|a| ref_set.contains(a)).collect();
        let common_ref: Vec<u32> =
            ref_kept.iter().copied().filter(|a| ours_set.contains(a)).collect();
        assert_eq!(common_ours, common_ref, "{} {name}: order", v.name);
        for w in ours_anchors.windows(2) {
            let (ca, cb) = (conf_of[&w[0]], conf_of[&w[1]]);
            assert!(ca > cb || (ca == cb && w[0] < w[1]), "{name}: {w:?} out of order");
        }
        if flipped.is_empty() {
            assert_eq!(ours_anchors, ref_kept, "{} {name}", v.name);
            assert_eq!(stats.kept as u64, f["n_kept"].as_u64().unwrap());
        }

        // Kept boxes against the reference's own xyxy (float32 values in the JSON).
        let ref_det: HashMap<u32, &serde_json::Value> = f["detections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d[0].as_u64().unwrap() as u32, d))
            .collect();
        for (d, a) in ours.iter().zip(&ours_anchors) {
            let Some(r) = ref_det.get(a) else { continue };
            let g = |k: usize| r[k].as_f64().unwrap() as f32;
            assert_eq!(d.class as u64, r[1].as_u64().unwrap());
            assert_eq!(d.score, score_q16(g(2)), "{name}: anchor {a} score");
            let m = |px: f32, s: f32, o: f32, hi| q8_f64(px as f64 * s as f64 + o as f64, hi);
            let want = [
                m(g(3), v.map.scale_x, v.map.offset_x, hi_x),
                m(g(4), v.map.scale_y, v.map.offset_y, hi_y),
                m(g(5), v.map.scale_x, v.map.offset_x, hi_x),
                m(g(6), v.map.scale_y, v.map.offset_y, hi_y),
            ];
            let got = [d.x1, d.y1, d.x2, d.y2];
            for k in 0..4 {
                assert!(
                    (got[k] as i64 - want[k]).abs() <= v.tol,
                    "{} {name}: anchor {a} box {got:?} vs reference {want:?}",
                    v.name
                );
            }
        }
        outputs.push(ours.to_vec());
    }
    println!("{}: {flips} fragile decision(s) flipped over 10 frames", v.name);
    (flips, outputs)
}

const NET: Size = Size { w: 640, h: 640 };

#[test]
fn reference_channels_first_identity() {
    let (flips, _) = run_variant(&Variant {
        name: "channels-first, identity",
        layout: TensorLayout::ChannelsFirst,
        map: Mapping::IDENTITY,
        bounds: NET,
        tol: 0,
    });
    assert!(flips <= 3, "at most the 3 fragile decisions can flip");
}

#[test]
fn reference_anchors_first_matches_channels_first() {
    let cf = run_variant(&Variant {
        name: "channels-first, identity",
        layout: TensorLayout::ChannelsFirst,
        map: Mapping::IDENTITY,
        bounds: NET,
        tol: 0,
    });
    let af = run_variant(&Variant {
        name: "anchors-first (transposed), identity",
        layout: TensorLayout::AnchorsFirst,
        map: Mapping::IDENTITY,
        bounds: NET,
        tol: 0,
    });
    assert_eq!(cf.1, af.1, "the layout must not change a single bit of the output");
}

#[test]
fn reference_mapped_into_panorama() {
    // A tile-like, anisotropic mapping that keeps every box inside a 5700×1900 panorama, so the
    // boxes can be compared with the unclamped reference. IoU is invariant under per-axis scale
    // and offset, so the decisions must stay the reference's.
    run_variant(&Variant {
        name: "channels-first, scale (2.5, 1.75) offset (1000, 200)",
        layout: TensorLayout::ChannelsFirst,
        map: Mapping { scale_x: 2.5, scale_y: 1.75, offset_x: 1000.0, offset_y: 200.0 },
        bounds: Size { w: 5700, h: 1900 },
        tol: 1,
    });
    run_variant(&Variant {
        name: "anchors-first, scale (2.5, 1.75) offset (1000, 200)",
        layout: TensorLayout::AnchorsFirst,
        map: Mapping { scale_x: 2.5, scale_y: 1.75, offset_x: 1000.0, offset_y: 200.0 },
        bounds: Size { w: 5700, h: 1900 },
        tol: 1,
    });
}
