//! Tensor decode + NMS on arbitrary tensors: any shape, layout, mapping, thresholds and values
//! (NaN, ±Inf, huge, negative). Refusals are fine; a panic, an out-of-bounds box, or a broken
//! promise (more than `max_det` kept, more written than the output holds) is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pitchcam_core::detect::{DetectParams, Detection, Detector, Mapping, Tensor, TensorLayout};
use pitchcam_core::geom::Size;
use std::cell::RefCell;

thread_local! {
    static DET: RefCell<Box<Detector<512>>> = RefCell::new(Box::default());
}

fn f32_at(b: &[u8], i: usize) -> f32 {
    f32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 32 {
        return;
    }
    let (h, body) = data.split_at(32);
    let rows = 4 + (h[0] as u32 % 20); // 4 (no class) ..= 23 (> MAX_CLASSES): edges included
    let layout =
        if h[1] & 1 == 0 { TensorLayout::ChannelsFirst } else { TensorLayout::AnchorsFirst };
    let conf = f32_at(h, 2);
    let iou = f32_at(h, 6);
    let max_det = u16::from_le_bytes([h[10], h[11]]) as usize;
    let bounds = Size { w: 1 + u16::from_le_bytes([h[12], h[13]]) as u32, h: 1 + h[14] as u32 * 8 };
    let map = if h[15] & 1 == 0 {
        Mapping::letterbox(bounds.w, bounds.h, 640, 640, h[15] & 2 == 0)
    } else {
        Mapping {
            scale_x: f32_at(h, 16),
            scale_y: f32_at(h, 20),
            offset_x: f32_at(h, 24),
            offset_y: f32_at(h, 28),
        }
    };
    let floats: Vec<f32> =
        body.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    // Split the values into one or two tensors (tiles merged in one NMS).
    let two = h[1] & 2 != 0 && floats.len() >= 2 * rows as usize;
    let half = if two { floats.len() / 2 } else { floats.len() };
    let mut tensors = Vec::new();
    for part in [&floats[..half], &floats[half..]].into_iter().take(if two { 2 } else { 1 }) {
        let anchors = part.len() as u32 / rows;
        if let Ok(t) = Tensor::new(&part[..(anchors * rows) as usize], rows, anchors, layout, map) {
            tensors.push(t);
        }
    }
    let Ok(params) = DetectParams::new(conf, iou, max_det, bounds) else { return };
    let mut out = [Detection::default(); 64];
    DET.with(|d| {
        let mut det = d.borrow_mut();
        if let Ok(st) = det.detect(&tensors, &params, &mut out) {
            assert!(st.kept as usize <= max_det, "{st:?}");
            assert!(st.written as usize <= out.len().min(st.kept as usize), "{st:?}");
            assert!(st.candidates <= st.anchors, "{st:?}");
            let (w, hh) = (bounds.w as i32 * 256, bounds.h as i32 * 256);
            for d in &out[..st.written as usize] {
                assert!(0 <= d.x1 && d.x1 <= d.x2 && d.x2 <= w, "{d:?} in {bounds:?}");
                assert!(0 <= d.y1 && d.y1 <= d.y2 && d.y2 <= hh, "{d:?} in {bounds:?}");
                assert!((d.class as u32) < rows - 4, "{d:?}");
            }
        }
    });
});
