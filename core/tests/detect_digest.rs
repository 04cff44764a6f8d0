//! Bit-identical results across machines: a digest of every detection (and frame statistic) of
//! the reference heads under several mappings, including ones where every coordinate goes
//! through f32 rounding. The expected value was recorded on x86_64; the same test must pass
//! unchanged on aarch64 (e.g. `cargo test --target aarch64-unknown-linux-gnu` under qemu-user),
//! which is the claim of `detect::decode`: no FMA contraction, no libm, integer NMS.
//!
//! If a deliberate change of semantics changes the digest, update the constant in the same
//! commit and say why.
mod detect_common;

use detect_common::{ANCHORS, ROWS, load_head};
use pitchcam_core::detect::{DetectParams, Detection, Detector, Mapping, Tensor, TensorLayout};
use pitchcam_core::geom::Size;

const EXPECTED: u64 = 0x0d7a_5e9d_ffbb_3349;

fn fnv(h: &mut u64, v: u64) {
    for b in v.to_le_bytes() {
        *h ^= b as u64;
        *h = h.wrapping_mul(0x100_0000_01b3);
    }
}

#[test]
fn outputs_are_bit_identical_to_the_recorded_digest() {
    let names = [
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
    let pano = Size { w: 5700, h: 1900 };
    let maps = [
        (Mapping::IDENTITY, Size { w: 640, h: 640 }),
        (Mapping { scale_x: 2.5, scale_y: 1.75, offset_x: 1000.0, offset_y: 200.0 }, pano),
        (Mapping::letterbox(5700, 1900, 640, 640, true), pano),
        (Mapping { scale_x: 0.7, scale_y: 0.7, offset_x: 13.3, offset_y: 7.9 }, pano),
    ];
    let mut det = Box::new(Detector::<4096>::new());
    let mut out = vec![Detection::default(); 300];
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut boxes = 0;
    for name in names {
        let head = load_head(name);
        for (map, bounds) in maps {
            for agnostic in [false, true] {
                let t = Tensor::new(
                    &head,
                    ROWS as u32,
                    ANCHORS as u32,
                    TensorLayout::ChannelsFirst,
                    map,
                )
                .unwrap();
                let mut p = DetectParams::new(0.25, 0.45, 300, bounds).unwrap();
                p.class_agnostic = agnostic;
                let s = det.detect(&[t], &p, &mut out).unwrap();
                for v in [s.anchors, s.candidates, s.capped, s.non_finite, s.bad_size, s.kept] {
                    fnv(&mut h, v as u64);
                }
                for d in &out[..s.written as usize] {
                    for v in [d.x1, d.y1, d.x2, d.y2] {
                        fnv(&mut h, v as u32 as u64);
                    }
                    fnv(&mut h, (d.score as u64) << 8 | d.class as u64);
                }
                boxes += s.written;
            }
        }
    }
    println!("digest {h:#018x} over {boxes} boxes");
    assert!(boxes > 2000);
    assert_eq!(h, EXPECTED, "detections differ from the recorded x86_64 run");
}
