//! Tiles merge: candidates of every tensor of a frame go into one NMS, so an object seen by two
//! overlapping tiles becomes one box.
use pitchcam_core::detect::{DetectParams, Detection, Detector, Mapping, Tensor, TensorLayout};
use pitchcam_core::geom::Size;

const PANO: Size = Size { w: 1280, h: 640 };
const ANCHORS: usize = 64;

/// A `[4 + 2, 64]` head (classes ball, player) holding the given anchors at the given slots and
/// background elsewhere, in network pixels.
fn tile_head(objects: &[(usize, [f32; 4], u8, f32)]) -> Vec<f32> {
    let mut d = vec![0.0f32; 6 * ANCHORS];
    for a in 0..ANCHORS {
        d[a] = (a * 10) as f32;
        d[ANCHORS + a] = 20.0;
        d[2 * ANCHORS + a] = 8.0;
        d[3 * ANCHORS + a] = 8.0;
        d[4 * ANCHORS + a] = 0.01;
        d[5 * ANCHORS + a] = 0.02;
    }
    for &(a, [cx, cy, w, h], class, score) in objects {
        for (r, v) in [cx, cy, w, h].into_iter().enumerate() {
            d[r * ANCHORS + a] = v;
        }
        d[(4 + class as usize) * ANCHORS + a] = score;
    }
    d
}

/// Tile A sees panorama x ∈ [0, 720), tile B x ∈ [560, 1280), both 720×640 resized to 640×640
/// network pixels (scale 1.125 in x).
fn tiles() -> (Mapping, Mapping) {
    (Mapping::tile(0, 0, 720, 640, 640, 640), Mapping::tile(560, 0, 720, 640, 640, 640))
}

fn run(a: &[f32], b: &[f32], iou: f32) -> Vec<Detection> {
    let (ma, mb) = tiles();
    let ta = Tensor::new(a, 6, ANCHORS as u32, TensorLayout::ChannelsFirst, ma).unwrap();
    let tb = Tensor::new(b, 6, ANCHORS as u32, TensorLayout::ChannelsFirst, mb).unwrap();
    let p = DetectParams::new(0.25, iou, 300, PANO).unwrap();
    let mut det = Box::new(Detector::<256>::new());
    let mut out = vec![Detection::default(); 16];
    let s = det.detect(&[ta, tb], &p, &mut out).unwrap();
    assert_eq!(s.anchors, 2 * ANCHORS as u32);
    out.truncate(s.written as usize);
    out
}

/// Network box (cx, cy, w, h) in a tile whose panorama origin is `x0`, for a panorama box.
fn in_tile(x0: f32, pano: [f32; 4]) -> [f32; 4] {
    let s = 720.0 / 640.0;
    [(pano[0] - x0) / s, pano[1], pano[2] / s, pano[3]]
}

#[test]
fn an_object_in_the_overlap_becomes_one_box() {
    // A player at panorama x 620..660 (centre 640), y 300..380: inside both tiles.
    let player = [640.0, 340.0, 40.0, 80.0];
    // Tile B sees it a little shifted (1.5 px) and a little more confident.
    let shifted = [641.5, 340.0, 40.0, 80.0];
    let a = tile_head(&[(10, in_tile(0.0, player), 1, 0.80)]);
    let b = tile_head(&[
        (40, in_tile(560.0, shifted), 1, 0.85),
        (5, in_tile(560.0, [1100.0, 100.0, 30.0, 60.0]), 1, 0.7),
    ]);
    let out = run(&a, &b, 0.45);
    assert_eq!(out.len(), 2, "{out:?}");
    // The merged box is tile B's (higher score), mapped into the panorama.
    assert_eq!(out[0].class, 1);
    assert!((out[0].x1 - (621.5 * 256.0) as i32).abs() <= 1, "{:?}", out[0]);
    assert!((out[0].x2 - (661.5 * 256.0) as i32).abs() <= 1, "{:?}", out[0]);
    assert_eq!((out[0].y1, out[0].y2), (300 * 256, 380 * 256));
    assert!((out[1].x1 - 1085 * 256).abs() <= 1);
    // Without NMS (IoU threshold 1) both views survive: the merge is NMS's doing.
    assert_eq!(run(&a, &b, 1.0).len(), 3);
}

#[test]
fn an_object_cut_by_a_tile_edge_merges_with_its_whole_view() {
    // Panorama box x 690..750: tile A ends at 720 and sees only 690..720 (IoU with the whole box
    // = 30/60 = 0.5 > 0.45); tile B sees all of it.
    let cut = [705.0, 200.0, 30.0, 40.0];
    let whole = [720.0, 200.0, 60.0, 40.0];
    let a = tile_head(&[(63, in_tile(0.0, cut), 1, 0.6)]);
    let b = tile_head(&[(20, in_tile(560.0, whole), 1, 0.9)]);
    let out = run(&a, &b, 0.45);
    assert_eq!(out.len(), 1, "{out:?}");
    assert!((out[0].x1 - 690 * 256).abs() <= 1 && (out[0].x2 - 750 * 256).abs() <= 1);
}

#[test]
fn equal_scores_across_tiles_go_to_the_earlier_tensor() {
    // The same object with the same score in both tiles: the earlier tensor wins the tie even
    // though its anchor index within its tile is higher.
    let a = tile_head(&[(60, in_tile(0.0, [640.0, 340.0, 40.0, 80.0]), 0, 0.75)]);
    let b = tile_head(&[(1, in_tile(560.0, [642.0, 340.0, 40.0, 80.0]), 0, 0.75)]);
    let out = run(&a, &b, 0.45);
    assert_eq!(out.len(), 1);
    assert!((out[0].x1 - 620 * 256).abs() <= 1, "{:?}", out[0]);
    // Swapping the tensors swaps the winner.
    let (ma, mb) = tiles();
    let ta = Tensor::new(&a, 6, ANCHORS as u32, TensorLayout::ChannelsFirst, ma).unwrap();
    let tb = Tensor::new(&b, 6, ANCHORS as u32, TensorLayout::ChannelsFirst, mb).unwrap();
    let p = DetectParams::new(0.25, 0.45, 300, PANO).unwrap();
    let mut det = Box::new(Detector::<256>::new());
    let mut out = [Detection::default(); 4];
    det.detect(&[tb, ta], &p, &mut out).unwrap();
    assert!((out[0].x1 - 622 * 256).abs() <= 1, "{:?}", out[0]);
}
