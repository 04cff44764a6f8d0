//! The C-facing in-place NMS (`pc_nms`) against a straightforward O(n²), float-free model.
mod detect_common;

use detect_common::model_over;
use pitchcam_core::detect::{Detection, IouThreshold, NmsError, nms_in_place};
use proptest::prelude::*;

fn coord() -> impl Strategy<Value = i32> {
    prop_oneof![
        10 => 0i32..4096,
        // A coarse grid: coinciding boxes and exact IoU ratios.
        4 => (0i32..8).prop_map(|k| k * 512),
        1 => prop::sample::select(vec![i32::MIN, i32::MAX, -(1 << 22) - 5, (1 << 22) + 5, -1]),
    ]
}

fn detection() -> impl Strategy<Value = Detection> {
    (
        coord(),
        coord(),
        0i32..2048,
        0i32..2048,
        prop_oneof![0u16..4, any::<u16>()],
        0u8..3,
        any::<bool>(),
    )
        .prop_map(|(x1, y1, w, h, score, class, inverted)| {
            let (x2, y2) = (x1.saturating_add(w), y1.saturating_add(h));
            let (x1, x2) = if inverted { (x2, x1) } else { (x1, x2) };
            Detection { x1, y1, x2, y2, score, class, reserved: 0 }
        })
}

/// Visit order by score desc, then original index; greedy; i128 IoU.
fn model(dets: &[Detection], thr: u32, agnostic: bool, max_det: usize) -> Vec<Detection> {
    let mut idx: Vec<usize> = (0..dets.len()).collect();
    idx.sort_by(|&a, &b| dets[b].score.cmp(&dets[a].score).then(a.cmp(&b)));
    let mut kept: Vec<Detection> = Vec::new();
    for i in idx {
        if kept.len() == max_det {
            break;
        }
        let d = dets[i];
        if !kept.iter().any(|k| (agnostic || k.class == d.class) && model_over(k, &d, thr)) {
            kept.push(d);
        }
    }
    kept
}

fn sorted(mut v: Vec<Detection>) -> Vec<Detection> {
    v.sort_by_key(|d| (d.x1, d.y1, d.x2, d.y2, d.score, d.class));
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn in_place_nms_equals_the_model(
        // Mostly small arrays; some beyond the sort's 128-element merge buffer.
        dets in prop_oneof![
            6 => prop::collection::vec(detection(), 0..120),
            1 => prop::collection::vec(detection(), 200..700),
        ],
        thr in prop_oneof![0u32..=65536, prop::sample::select(vec![0u32, 21845, 32768, 65536])],
        agnostic in any::<bool>(),
        max_det in prop_oneof![1usize..5, 1usize..200],
    ) {
        let want = model(&dets, thr, agnostic, max_det);
        let mut v = dets.clone();
        let n = nms_in_place(&mut v, IouThreshold::from_q16(thr).unwrap(), agnostic, max_det).unwrap();
        prop_assert_eq!(&v[..n], &want[..]);
        // The array is a permutation of the input: nothing lost, nothing duplicated.
        prop_assert_eq!(sorted(v.clone()), sorted(dets));
    }
}

#[test]
fn max_det_zero_is_an_error_and_leaves_the_array_alone() {
    let d = Detection { x1: 0, y1: 0, x2: 10, y2: 10, score: 5, class: 0, reserved: 0 };
    let mut v = [d, Detection { score: 9, ..d }];
    assert_eq!(
        nms_in_place(&mut v, IouThreshold::new(0.5).unwrap(), false, 0),
        Err(NmsError::MaxDetZero)
    );
    assert_eq!(v[0].score, 5);
}

#[test]
fn many_equal_scores_keep_the_original_order() {
    // 5000 disjoint boxes, 4 distinct scores: kept in score order, ties in input order.
    let v: Vec<Detection> = (0..5000)
        .map(|i| Detection {
            x1: i * 512,
            y1: 0,
            x2: i * 512 + 256,
            y2: 256,
            score: [7, 3, 7, 9][i as usize % 4],
            class: 0,
            reserved: 0,
        })
        .collect();
    let mut w = v.clone();
    let n = nms_in_place(&mut w, IouThreshold::new(0.45).unwrap(), true, usize::MAX).unwrap();
    assert_eq!(n, 5000);
    let want = model(&v, 29491, true, usize::MAX);
    assert_eq!(w, want);
}

#[test]
fn hundreds_of_kept_boxes_equal_the_model() {
    // Enough kept boxes that the scan goes beyond its 256-box stack mirror, with overlaps all
    // along, few classes and many score ties.
    let mut s = 0x2545_f491_4f6c_dd1du64;
    let mut next = |m: u64| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s % m
    };
    for (agnostic, thr) in [(false, 29491u32), (true, 29491), (false, 0), (true, 65536)] {
        let dets: Vec<Detection> = (0..2500)
            .map(|_| {
                let (x, y) = (next(400_000) as i32, next(60_000) as i32);
                let (w, h) = (300 + next(3000) as i32, 300 + next(6000) as i32);
                Detection {
                    x1: x,
                    y1: y,
                    x2: x + w,
                    y2: y + h,
                    score: next(300) as u16 * 200,
                    class: next(3) as u8,
                    reserved: 0,
                }
            })
            .collect();
        let want = model(&dets, thr, agnostic, 2000);
        assert!(want.len() > 300, "{} kept: the test must go beyond the mirror", want.len());
        let mut v = dets.clone();
        let n = nms_in_place(&mut v, IouThreshold::from_q16(thr).unwrap(), agnostic, 2000).unwrap();
        assert_eq!(&v[..n], &want[..], "agnostic {agnostic}, thr {thr}");
        assert_eq!(sorted(v), sorted(dets));
    }
}
