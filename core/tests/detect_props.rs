//! Property tests of decode + NMS: for any tensor contents (NaN, ±Inf, huge, negative, scores
//! above 1) and any valid parameters, `Detector::detect` equals a straightforward model of the
//! documented semantics, bit for bit, and its output has the promised properties.
mod detect_common;

use detect_common::{Model, model_anchor, model_over, transpose};
use pitchcam_core::detect::{
    DetectError, DetectParams, Detection, Detector, FrameStats, IouThreshold, MAX_CLASSES, Mapping,
    Tensor, TensorLayout, iou_exceeds, score_q16,
};
use pitchcam_core::geom::Size;
use proptest::prelude::*;

/// Candidate capacity of the detector under test: small, so the pre-NMS cap is exercised.
const CAND: usize = 64;

/// One generated head, kept channels-first; `anchors_first` says how to hand it over.
#[derive(Clone, Debug)]
struct Head {
    rows: usize,
    anchors: usize,
    cf: Vec<f32>,
    anchors_first: bool,
    map: Mapping,
}

fn special() -> impl Strategy<Value = f32> {
    prop::sample::select(vec![
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::MAX,
        f32::MIN,
        1e30,
        -1e30,
        2e6,
        -5.0,
        -0.0,
        0.0,
        f32::MIN_POSITIVE,
        1e-40,
        1.5,
        1.0,
    ])
}

/// On an 8 px grid, boxes coincide or overlap by exact ratios (IoU exactly 1/2, 1/3, 1, …), which
/// tests that suppression needs IoU strictly above the threshold.
fn grid(max: u32) -> impl Strategy<Value = f32> {
    (0..=max / 8).prop_map(|k| (k * 8) as f32)
}

fn coord() -> impl Strategy<Value = f32> {
    prop_oneof![8 => 0.0f32..160.0, 6 => grid(64), 2 => -50.0f32..800.0, 1 => special()]
}

fn size() -> impl Strategy<Value = f32> {
    prop_oneof![8 => 0.0f32..60.0, 6 => grid(32), 1 => special()]
}

fn score() -> impl Strategy<Value = f32> {
    prop_oneof![
        10 => 0.0f32..1.0,
        // Equal scores across anchors, to exercise the tie rule.
        3 => prop::sample::select(vec![0.5f32, 0.75, 0.9]),
        1 => 1.0f32..3.0,
        1 => special(),
    ]
}

fn mapping() -> impl Strategy<Value = Mapping> {
    prop_oneof![
        2 => Just(Mapping::IDENTITY),
        3 => (0.05f32..12.0, 0.05f32..12.0, -2000.0f32..6000.0, -1000.0f32..2000.0).prop_map(
            |(scale_x, scale_y, offset_x, offset_y)| Mapping { scale_x, scale_y, offset_x, offset_y }
        ),
    ]
}

fn head() -> impl Strategy<Value = Head> {
    (1usize..=4, 1usize..=90, any::<bool>(), mapping()).prop_flat_map(|(nc, anchors, af, map)| {
        let anchor = (coord(), coord(), size(), size(), prop::collection::vec(score(), nc));
        prop::collection::vec(anchor, anchors).prop_map(move |v| {
            let rows = 4 + nc;
            let mut cf = vec![0.0; rows * anchors];
            for (i, (cx, cy, w, h, s)) in v.into_iter().enumerate() {
                for (r, x) in [cx, cy, w, h].into_iter().chain(s).enumerate() {
                    cf[r * anchors + i] = x;
                }
            }
            Head { rows, anchors, cf, anchors_first: af, map }
        })
    })
}

fn params() -> impl Strategy<Value = DetectParams> {
    (
        prop::array::uniform16(prop_oneof![4 => 0.0f32..1.0, 1 => Just(0.0f32), 1 => Just(1.0f32)]),
        prop_oneof![
            4 => 0.0f32..=1.0,
            3 => prop::sample::select(vec![0.0f32, 1.0 / 3.0, 0.5, 1.0]),
            1 => Just(0.45f32),
        ],
        prop_oneof![1usize..=8, 1usize..=400],
        any::<bool>(),
        prop_oneof![1usize..=80, Just(usize::MAX)],
        (1u32..=16384, 1u32..=16384),
    )
        .prop_map(|(conf, iou, max_det, class_agnostic, pre_nms_cap, (w, h))| DetectParams {
            conf,
            iou,
            max_det,
            class_agnostic,
            pre_nms_cap,
            bounds: Size { w, h },
        })
}

/// Straightforward model: every anchor of every tensor by `model_anchor`, f32 mapping and
/// `f32::round`, sort, cap, O(n²) greedy NMS with the i128 IoU model.
fn model(heads: &[Head], p: &DetectParams, cand: usize) -> (Vec<Detection>, FrameStats) {
    let mut st = FrameStats::default();
    let mut cands: Vec<(f32, u32, Detection)> = Vec::new();
    let mut global = 0u32;
    let (hx, hy) = ((p.bounds.w * 256) as f32, (p.bounds.h * 256) as f32);
    for h in heads {
        for i in 0..h.anchors {
            st.anchors += 1;
            match model_anchor(&h.cf, h.rows, h.anchors, i, &p.conf) {
                Model::NotCandidate => {}
                Model::NonFinite => st.non_finite += 1,
                Model::BadSize => st.bad_size += 1,
                Model::Candidate { class, score, xyxy } => {
                    let q = |v: f32, s: f32, o: f32, hi: f32| {
                        ((v * s + o) * 256.0).clamp(0.0, hi).round() as i32
                    };
                    let m = h.map;
                    let d = Detection {
                        x1: q(xyxy[0], m.scale_x, m.offset_x, hx),
                        y1: q(xyxy[1], m.scale_y, m.offset_y, hy),
                        x2: q(xyxy[2], m.scale_x, m.offset_x, hx),
                        y2: q(xyxy[3], m.scale_y, m.offset_y, hy),
                        score: score_q16(score),
                        class,
                        reserved: 0,
                    };
                    cands.push((score, global + i as u32, d));
                }
            }
        }
        global += h.anchors as u32;
    }
    st.candidates = cands.len() as u32;
    cands.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let cap = p.pre_nms_cap.min(cand);
    if cands.len() > cap {
        st.capped = (cands.len() - cap) as u32;
        cands.truncate(cap);
    }
    let thr = IouThreshold::new(p.iou).unwrap().q16();
    let mut kept: Vec<Detection> = Vec::new();
    for (_, _, d) in cands {
        if kept.len() == p.max_det {
            break;
        }
        let hit =
            kept.iter().any(|k| (p.class_agnostic || k.class == d.class) && model_over(k, &d, thr));
        if !hit {
            kept.push(d);
        }
    }
    st.kept = kept.len() as u32;
    (kept, st)
}

fn tensors<'a>(heads: &'a [Head], store: &'a [Vec<f32>]) -> Vec<Tensor<'a>> {
    heads
        .iter()
        .zip(store)
        .map(|(h, data)| {
            let layout = if h.anchors_first {
                TensorLayout::AnchorsFirst
            } else {
                TensorLayout::ChannelsFirst
            };
            Tensor::new(data, h.rows as u32, h.anchors as u32, layout, h.map).unwrap()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn detect_equals_model_and_keeps_its_promises(
        heads in prop::collection::vec(head(), 0..=3),
        p in params(),
        out_cap in 0usize..=40,
    ) {
        let store: Vec<Vec<f32>> = heads
            .iter()
            .map(|h| if h.anchors_first { transpose(&h.cf, h.rows, h.anchors) } else { h.cf.clone() })
            .collect();
        let ts = tensors(&heads, &store);
        let mut det = Box::new(Detector::<CAND>::new());
        let mut out = vec![Detection::default(); out_cap];
        let stats = det.detect(&ts, &p, &mut out).unwrap();
        let ours = &out[..stats.written as usize];

        let (want, mut want_stats) = model(&heads, &p, CAND);
        want_stats.written = want.len().min(out_cap) as u32;
        prop_assert_eq!(stats, want_stats);
        prop_assert_eq!(ours, &want[..stats.written as usize]);
        let all: Vec<Detection> = det.kept().collect();
        prop_assert_eq!(&all, &want);

        // The promises, stated directly.
        prop_assert!(stats.kept as usize <= p.max_det);
        prop_assert!(stats.kept <= stats.candidates - stats.capped);
        prop_assert!(ours.windows(2).all(|w| w[0].score >= w[1].score));
        let thr = IouThreshold::new(p.iou).unwrap();
        for (i, a) in all.iter().enumerate() {
            prop_assert!(a.x1 <= a.x2 && a.y1 <= a.y2);
            prop_assert!(a.x1 >= 0 && a.y1 >= 0);
            prop_assert!(a.x2 <= (p.bounds.w * 256) as i32 && a.y2 <= (p.bounds.h * 256) as i32);
            prop_assert!((a.class as usize) < MAX_CLASSES && a.reserved == 0);
            for b in &all[i + 1..] {
                if p.class_agnostic || a.class == b.class {
                    prop_assert!(!iou_exceeds(a, b, thr), "{:?} and {:?} both kept", a, b);
                }
            }
        }

        // Determinism: a second run on the same detector and a run on a fresh one agree.
        let mut again = vec![Detection::default(); out_cap];
        prop_assert_eq!(det.detect(&ts, &p, &mut again).unwrap(), stats);
        prop_assert_eq!(&again, &out);
        let mut fresh = Box::new(Detector::<CAND>::new());
        let mut third = vec![Detection::default(); out_cap];
        prop_assert_eq!(fresh.detect(&ts, &p, &mut third).unwrap(), stats);
        prop_assert_eq!(&third, &out);
        prop_assert_eq!(det.totals().frames, 2);
    }

    #[test]
    fn detect_into_arrayvec_equals_slice_output(heads in prop::collection::vec(head(), 1..=2), p in params()) {
        let store: Vec<Vec<f32>> = heads
            .iter()
            .map(|h| if h.anchors_first { transpose(&h.cf, h.rows, h.anchors) } else { h.cf.clone() })
            .collect();
        let ts = tensors(&heads, &store);
        let mut det = Box::new(Detector::<CAND>::new());
        let mut av = arrayvec::ArrayVec::<Detection, 7>::new();
        let s1 = det.detect_into(&ts, &p, &mut av).unwrap();
        let mut out = [Detection::default(); 7];
        let s2 = det.detect(&ts, &p, &mut out).unwrap();
        prop_assert_eq!(s1, s2);
        prop_assert_eq!(av.as_slice(), &out[..s2.written as usize]);
    }

    #[test]
    fn invalid_params_are_refused_without_side_effects(
        heads in prop::collection::vec(head(), 1..=2),
        p in params(),
        which in 0usize..6,
        bad in prop::sample::select(vec![f32::NAN, -0.01, 1.01, f32::INFINITY]),
    ) {
        let store: Vec<Vec<f32>> = heads.iter().map(|h| h.cf.clone()).collect();
        let mut heads = heads;
        heads.iter_mut().for_each(|h| h.anchors_first = false);
        let ts = tensors(&heads, &store);
        let mut q = p;
        let want = match which {
            0 => { q.conf[5] = bad; DetectError::ConfThreshold { class: 5 } }
            1 => { q.iou = bad; DetectError::IouThreshold }
            2 => { q.max_det = 0; DetectError::MaxDetZero }
            3 => { q.pre_nms_cap = 0; DetectError::PreNmsCapZero }
            4 => { q.bounds.h = 0; DetectError::BoundsEmpty }
            _ => { q.bounds.w = 16385; DetectError::BoundsTooLarge }
        };
        let mut det = Box::new(Detector::<CAND>::new());
        let mut out = [Detection { x1: 7, ..Detection::default() }; 4];
        prop_assert_eq!(det.detect(&ts, &q, &mut out), Err(want));
        prop_assert!(out.iter().all(|d| d.x1 == 7));
        prop_assert_eq!(det.totals().frames, 0);
    }
}

#[test]
fn nan_filled_tensor_is_counted_and_yields_nothing() {
    let data = vec![f32::NAN; 9 * 1000];
    let t = Tensor::new(&data, 9, 1000, TensorLayout::ChannelsFirst, Mapping::IDENTITY).unwrap();
    let p = DetectParams::new(0.25, 0.45, 300, Size { w: 640, h: 640 }).unwrap();
    let mut det = Box::new(Detector::<CAND>::new());
    let mut out = [Detection::default(); 8];
    let s = det.detect(&[t], &p, &mut out).unwrap();
    assert_eq!((s.anchors, s.non_finite, s.candidates, s.kept), (1000, 1000, 0, 0));
}

#[test]
fn score_above_one_saturates_but_keeps_its_float_order() {
    // Three disjoint boxes with scores 1.2, 1.5 and 0.9: Q16 saturates for the first two, the
    // order must still put 1.5 first.
    let cx = [10.0, 100.0, 200.0];
    let sc = [1.2, 1.5, 0.9];
    let mut data = vec![0.0f32; 5 * 3];
    for i in 0..3 {
        data[i] = cx[i];
        data[3 + i] = 50.0;
        data[6 + i] = 10.0;
        data[9 + i] = 10.0;
        data[12 + i] = sc[i];
    }
    let t = Tensor::new(&data, 5, 3, TensorLayout::ChannelsFirst, Mapping::IDENTITY).unwrap();
    let p = DetectParams::new(0.25, 0.45, 300, Size { w: 640, h: 640 }).unwrap();
    let mut det = Box::new(Detector::<CAND>::new());
    let mut out = [Detection::default(); 3];
    det.detect(&[t], &p, &mut out).unwrap();
    let xs: Vec<i32> = out.iter().map(|d| d.x1 / 256).collect();
    assert_eq!(xs, [95, 5, 195]);
    assert_eq!(out.map(|d| d.score), [65535, 65535, score_q16(0.9)]);
}

#[test]
fn pre_nms_cap_keeps_the_best_scores() {
    // 200 disjoint boxes with distinct scores, cap 10: the 10 best survive, 190 are counted.
    let n = 200usize;
    let mut data = vec![0.0f32; 5 * n];
    for i in 0..n {
        data[i] = (i * 20) as f32 + 5.0;
        data[n + i] = 5.0;
        data[2 * n + i] = 4.0;
        data[3 * n + i] = 4.0;
        // Scores in an order unrelated to the anchor index.
        data[4 * n + i] = 0.3 + ((i * 37) % n) as f32 / 1000.0;
    }
    let t =
        Tensor::new(&data, 5, n as u32, TensorLayout::ChannelsFirst, Mapping::IDENTITY).unwrap();
    let mut p = DetectParams::new(0.25, 0.45, 300, Size { w: 4096, h: 64 }).unwrap();
    p.pre_nms_cap = 10;
    let mut det = Box::new(Detector::<CAND>::new());
    let mut out = [Detection::default(); 16];
    let s = det.detect(&[t], &p, &mut out).unwrap();
    assert_eq!((s.candidates, s.capped, s.kept), (200, 190, 10));
    let mut best: Vec<f32> = (0..n).map(|i| data[4 * n + i]).collect();
    best.sort_by(|a, b| b.total_cmp(a));
    let want: Vec<u16> = best[..10].iter().map(|&s| score_q16(s)).collect();
    assert_eq!(out[..10].iter().map(|d| d.score).collect::<Vec<_>>(), want);
    // The detector's own capacity caps too (usize::MAX → CAND).
    p.pre_nms_cap = usize::MAX;
    let s = det.detect(&[t], &p, &mut out).unwrap();
    assert_eq!((s.candidates, s.capped, s.kept, s.written), (200, 200 - CAND as u32, 64, 16));
    assert_eq!(s.truncated(), 48);
}

/// A ChannelsFirst head of one class from `(cx, cy, w, h, score)` anchors.
fn head_of(anchors: &[(f32, f32, f32, f32, f32)]) -> Vec<f32> {
    let n = anchors.len();
    let mut data = vec![0.0f32; 5 * n];
    for (i, &(cx, cy, w, h, s)) in anchors.iter().enumerate() {
        for (r, v) in [cx, cy, w, h, s].into_iter().enumerate() {
            data[r * n + i] = v;
        }
    }
    data
}

#[test]
fn iou_equal_to_the_threshold_is_kept() {
    // Boxes [0, 20] and [0, 10] (same rows): IoU exactly 1/2. Identical boxes: IoU exactly 1.
    let data = head_of(&[
        (10.0, 5.0, 20.0, 10.0, 0.9),
        (5.0, 5.0, 10.0, 10.0, 0.8),
        (105.0, 5.0, 10.0, 10.0, 0.7),
        (105.0, 5.0, 10.0, 10.0, 0.6),
    ]);
    let t = Tensor::new(&data, 5, 4, TensorLayout::ChannelsFirst, Mapping::IDENTITY).unwrap();
    let kept = |iou: f32| {
        let p = DetectParams::new(0.25, iou, 300, Size { w: 640, h: 640 }).unwrap();
        let mut det = Box::new(Detector::<CAND>::new());
        let mut out = [Detection::default(); 4];
        det.detect(&[t], &p, &mut out).unwrap().kept
    };
    assert_eq!(kept(1.0), 4, "IoU 1 is not above a threshold of 1");
    assert_eq!(kept(0.5), 3, "IoU 1/2 is not above 0.5; the identical pair is");
    assert_eq!(kept(0.4999), 2);
}

#[test]
fn large_tensors_equal_the_model() {
    // Thousands of anchors, most of them candidates, some non-finite: the scan's hit buffer
    // fills and is processed many times per tensor, in both layouts.
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng >> 40) as f32 / (1u64 << 24) as f32
    };
    let mut heads = Vec::new();
    for (k, &anchors) in [3001usize, 2500, 777].iter().enumerate() {
        let nc = 1 + k * 2;
        let rows = 4 + nc;
        let mut cf = vec![0.0f32; rows * anchors];
        for i in 0..anchors {
            cf[i] = next() * 2000.0;
            cf[anchors + i] = next() * 600.0;
            cf[2 * anchors + i] = next() * 80.0;
            cf[3 * anchors + i] = next() * 120.0;
            for c in 0..nc {
                cf[(4 + c) * anchors + i] = if next() < 0.002 { f32::NAN } else { next() };
            }
        }
        let map = Mapping { scale_x: 1.5, scale_y: 2.0, offset_x: 100.0 * k as f32, offset_y: 3.0 };
        heads.push(Head { rows, anchors, cf, anchors_first: k == 1, map });
    }
    let store: Vec<Vec<f32>> = heads
        .iter()
        .map(|h| if h.anchors_first { transpose(&h.cf, h.rows, h.anchors) } else { h.cf.clone() })
        .collect();
    let ts = tensors(&heads, &store);
    let p = DetectParams::new(0.3, 0.45, 1000, Size { w: 4000, h: 1500 }).unwrap();
    let mut det = Box::new(Detector::<4096>::new());
    let mut out = vec![Detection::default(); 1000];
    let stats = det.detect(&ts, &p, &mut out).unwrap();
    let (want, mut want_stats) = model(&heads, &p, 4096);
    want_stats.written = want.len() as u32;
    assert_eq!(stats, want_stats);
    assert!(stats.candidates > 3000 && stats.non_finite > 0 && stats.kept > 100, "{stats:?}");
    assert_eq!(&out[..stats.written as usize], &want[..]);
    // And with a cap far below the candidate count.
    let mut small = Box::new(Detector::<CAND>::new());
    let stats = small.detect(&ts, &p, &mut out).unwrap();
    let (want, mut want_stats) = model(&heads, &p, CAND);
    want_stats.written = want.len() as u32;
    assert_eq!(stats, want_stats);
    assert_eq!(&out[..stats.written as usize], &want[..]);
}
