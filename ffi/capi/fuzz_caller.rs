//! The C caller's side of the detection ABI, driven with arbitrary arguments: NULL pointers
//! where the header lets the library check them, zero and huge counts, every parameter value.
//! Each call must return a status (never crash), and what the library writes must keep its
//! promises (lengths within capacities, NMS output a subset of its input). The cargo-fuzz
//! target `capi` (fuzz/) feeds it; it lives here because every `unsafe` of the project does.

use super::detect::{
    pc_detect, pc_detect_params, pc_detect_params_ex, pc_detect_stats, pc_detector_detect,
    pc_detector_free, pc_detector_new, pc_nms, pc_tensor,
};
use pitchcam_core::detect::Detection;
use std::ptr;

fn f32_at(b: &[u8], i: usize) -> f32 {
    f32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// Runs one fuzz input through `pc_detect`, `pc_detector_*` and `pc_nms`; panics (which the
/// fuzzer reports) only if the library broke a documented promise.
pub fn drive_detection_abi(data: &[u8]) {
    if data.len() < 48 {
        return;
    }
    let (h, body) = data.split_at(48);
    let floats: Vec<f32> =
        body.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let rows = 4 + (h[0] as u32 % 20);
    let anchors = floats.len() as u32 / rows;
    let tensor = pc_tensor {
        // NULL data with anchors > 0 must be refused by the library.
        data: if h[1] & 1 == 0 { floats.as_ptr() } else { ptr::null() },
        rows,
        anchors,
        transposed: h[1] as u32 >> 1 & 3, // 0, 1, and invalid codes
        scale_x: f32_at(h, 2),
        scale_y: f32_at(h, 6),
        offset_x: f32_at(h, 10),
        offset_y: f32_at(h, 14),
    };
    let base = pc_detect_params {
        conf_threshold: f32_at(h, 18),
        iou_threshold: f32_at(h, 22),
        max_det: u16::from_le_bytes([h[26], h[27]]) as u32,
        class_agnostic: h[28] as u32 % 3,
    };
    let out_cap = h[29] as u32;
    let mut out = vec![Detection::default(); out_cap as usize];
    let mut len = u32::MAX;
    let out_ptr = if h[30] & 1 == 0 { out.as_mut_ptr().cast() } else { ptr::null_mut() };
    let len_ptr: *mut u32 = if h[30] & 2 == 0 { &mut len } else { ptr::null_mut() };
    let n_tensors = (h[31] % 3) as u32;
    let t_ptr =
        if n_tensors > 0 && h[30] & 4 != 0 { ptr::null() } else { &tensor as *const pc_tensor };
    let tensors_ok = n_tensors <= 1;
    // SAFETY: every pointer is NULL or valid for what it claims: one tensor (two with
    // `n_tensors == 2`), whose data holds `rows × anchors` floats; `out` `out_cap` detections;
    // `len` one u32.
    let rc = unsafe {
        if tensors_ok {
            pc_detect(t_ptr, n_tensors, &base, out_ptr, out_cap, len_ptr)
        } else {
            let two = [tensor, tensor];
            pc_detect(two.as_ptr(), 2, &base, out_ptr, out_cap, len_ptr)
        }
    };
    if rc == 0 && !len_ptr.is_null() {
        assert!(len <= out_cap, "{len} > {out_cap}");
    }

    // The extended call on a detector handle, with per-class thresholds and a pano size.
    let mut det = ptr::null_mut();
    // SAFETY: valid out-pointer.
    assert_eq!(unsafe { pc_detector_new(&mut det) }, 0);
    let mut ex = pc_detect_params_ex {
        base,
        pano_width: u16::from_le_bytes([h[32], h[33]]) as u32,
        pano_height: u16::from_le_bytes([h[34], h[35]]) as u32,
        pre_nms_cap: u16::from_le_bytes([h[36], h[37]]) as u32,
        flags: h[38] as u32,
        n_class_conf: h[39] as u32 % 20,
        ..Default::default()
    };
    for (i, c) in ex.class_conf.iter_mut().enumerate() {
        *c = (h[40 + i % 8] as f32 - 20.0) / 200.0;
    }
    let mut stats = pc_detect_stats::default();
    let mut len2 = 0u32;
    // SAFETY: live detector; pointers valid as above.
    let rc = unsafe {
        pc_detector_detect(
            det,
            &tensor,
            1,
            &ex,
            out.as_mut_ptr().cast(),
            out_cap,
            &mut len2,
            &mut stats,
        )
    };
    if rc == 0 {
        assert!(len2 <= out_cap);
    }
    // SAFETY: NULL handle: refused, never dereferenced.
    let _ = unsafe {
        pc_detector_detect(
            ptr::null_mut(),
            &tensor,
            1,
            &ex,
            ptr::null_mut(),
            0,
            &mut len2,
            ptr::null_mut(),
        )
    };
    // SAFETY: freed once; NULL is allowed.
    unsafe {
        pc_detector_free(det);
        pc_detector_free(ptr::null_mut());
    }

    // In-place NMS over arbitrary detections.
    let mut dets: Vec<Detection> = body
        .chunks_exact(20)
        .map(|c| Detection {
            x1: i32::from_le_bytes(c[0..4].try_into().unwrap()),
            y1: i32::from_le_bytes(c[4..8].try_into().unwrap()),
            x2: i32::from_le_bytes(c[8..12].try_into().unwrap()),
            y2: i32::from_le_bytes(c[12..16].try_into().unwrap()),
            score: u16::from_le_bytes([c[16], c[17]]),
            class: c[18],
            reserved: c[19],
        })
        .collect();
    let before = dets.clone();
    let mut kept = u32::MAX;
    // SAFETY: `dets` holds `len` writable detections; `kept` one u32.
    let rc = unsafe {
        pc_nms(
            dets.as_mut_ptr().cast(),
            dets.len() as u32,
            base.iou_threshold,
            base.class_agnostic,
            base.max_det,
            &mut kept,
        )
    };
    if rc == 0 {
        assert!(kept as usize <= dets.len());
        for d in &dets[..kept as usize] {
            assert!(before.contains(d), "NMS output {d:?} was not in its input");
        }
    }
    // SAFETY: NULL with a non-zero length must be refused without a dereference.
    let _ = unsafe { pc_nms(ptr::null_mut(), 5, 0.5, 0, 10, &mut kept) };
}
