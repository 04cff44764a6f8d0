//! Helpers shared by the detect/NMS integration tests: the shared reference data, layout
//! conversion and a straightforward model of the decode semantics.
#![allow(dead_code)]

use pitchcam_core::detect::MAX_CLASSES;
use std::path::PathBuf;

/// Rows and anchors of the reference tensors.
pub const ROWS: usize = 9;
pub const ANCHORS: usize = 8400;

/// The directory holding `reference_outputs.json` and the `.bin` heads.
///
/// `PITCHCAM_SHARED_DATA` names the shared data directory (the one holding `nms/`; a path that
/// is itself the `nms` directory is accepted too); without it, `../../shared/data/nms` relative to
/// `core/` (where it lies for the main checkout).
pub fn nms_dir() -> PathBuf {
    let dir = match std::env::var_os("PITCHCAM_SHARED_DATA") {
        Some(p) => {
            let p = PathBuf::from(p);
            if p.join("nms").join("reference_outputs.json").is_file() { p.join("nms") } else { p }
        }
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/nms"),
    };
    assert!(
        dir.join("reference_outputs.json").is_file(),
        "NMS reference data not found: {}/reference_outputs.json is missing. Point \
         PITCHCAM_SHARED_DATA at the shared data directory (the one holding nms/, e.g. \
         PITCHCAM_SHARED_DATA=/work/shared/data).",
        dir.display()
    );
    dir
}

/// A `[9, 8400]` little-endian f32 head.
pub fn load_head(name: &str) -> Vec<f32> {
    let path = nms_dir().join(format!("{name}.bin"));
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("cannot read reference head {}: {e}", path.display()));
    assert_eq!(bytes.len(), ROWS * ANCHORS * 4, "{} has the wrong size", path.display());
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect()
}

pub fn load_reference() -> serde_json::Value {
    let path = nms_dir().join("reference_outputs.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("reference_outputs.json is valid JSON")
}

/// `[rows, anchors]` → `[anchors, rows]`.
pub fn transpose(data: &[f32], rows: usize, anchors: usize) -> Vec<f32> {
    let mut t = vec![0.0; data.len()];
    for r in 0..rows {
        for a in 0..anchors {
            t[a * rows + r] = data[r * anchors + a];
        }
    }
    t
}

/// Round half away from zero to Q8 and clamp to `[0, hi_q8]`, in f64 (an independent model of
/// the decoder's f32 conversion: they may differ by one unit when the f32 product rounds).
pub fn q8_f64(px: f64, hi_q8: i64) -> i64 {
    ((px * 256.0).round() as i64).clamp(0, hi_q8)
}

/// One anchor as the decode semantics define it, computed naively from a channels-first head.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Model {
    NotCandidate,
    NonFinite,
    BadSize,
    Candidate { class: u8, score: f32, xyxy: [f32; 4] },
}

pub fn model_anchor(
    data: &[f32],
    rows: usize,
    anchors: usize,
    i: usize,
    thr: &[f32; MAX_CLASSES],
) -> Model {
    let v = |r: usize| data[r * anchors + i];
    let scores: Vec<f32> = (4..rows).map(v).collect();
    if scores.iter().any(|s| !s.is_finite()) {
        return Model::NonFinite;
    }
    let mut class = 0;
    for (c, &s) in scores.iter().enumerate() {
        if s > scores[class] {
            class = c;
        }
    }
    let score = scores[class];
    if score <= thr[class] {
        return Model::NotCandidate;
    }
    let (cx, cy, w, h) = (v(0), v(1), v(2), v(3));
    if [cx, cy, w, h].iter().any(|x| !x.is_finite()) {
        return Model::NonFinite;
    }
    let lim = pitchcam_core::detect::decode::MAX_NET_PX;
    if w < 0.0 || h < 0.0 || [cx, cy, w, h].iter().any(|x| x.abs() > lim) {
        return Model::BadSize;
    }
    Model::Candidate {
        class: class as u8,
        score,
        xyxy: [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0],
    }
}

/// Whether `IoU(a, b) > thr_q16 / 65536`, computed in i128 with no shortcut: the independent
/// model of the library's u64 test. Coordinates are clamped to ±2^22 first, as the library
/// defines; an empty intersection (or union) means IoU 0.
pub fn model_over(
    a: &pitchcam_core::detect::Detection,
    b: &pitchcam_core::detect::Detection,
    thr_q16: u32,
) -> bool {
    let c = |v: i32| v.clamp(-(1 << 22), 1 << 22) as i128;
    let (ax1, ay1, ax2, ay2) = (c(a.x1), c(a.y1), c(a.x2), c(a.y2));
    let (bx1, by1, bx2, by2) = (c(b.x1), c(b.y1), c(b.x2), c(b.y2));
    let area = |x1: i128, y1: i128, x2: i128, y2: i128| (x2 - x1).max(0) * (y2 - y1).max(0);
    let iw = (ax2.min(bx2) - ax1.max(bx1)).max(0);
    let ih = (ay2.min(by2) - ay1.max(by1)).max(0);
    let inter = iw * ih;
    let union = area(ax1, ay1, ax2, ay2) + area(bx1, by1, bx2, by2) - inter;
    if union == 0 {
        return false;
    }
    inter * 65536 > thr_q16 as i128 * union
}
