//! A detector holds its scratch inline (64 bytes per candidate), so large ones live on the heap or
//! in a static. Both must work without a large stack frame in the caller.
use pitchcam_core::detect::{DetectParams, Detection, Detector, Mapping, Tensor, TensorLayout};
use pitchcam_core::geom::Size;
use std::sync::Mutex;

fn one_frame<const N: usize>(det: &mut Detector<N>) -> u32 {
    // Three anchors, two of them overlapping players.
    let data = [
        100.0, 102.0, 300.0, // cx
        100.0, 100.0, 50.0, // cy
        20.0, 20.0, 10.0, // w
        40.0, 40.0, 10.0, // h
        0.1, 0.2, 0.9, // ball
        0.9, 0.8, 0.1, // player
    ];
    let t = Tensor::new(&data, 6, 3, TensorLayout::ChannelsFirst, Mapping::IDENTITY).unwrap();
    let p = DetectParams::new(0.25, 0.45, 300, Size { w: 640, h: 640 }).unwrap();
    let mut out = [Detection::default(); 4];
    det.detect(&[t], &p, &mut out).unwrap().kept
}

#[test]
fn detector_in_a_box() {
    // 8192 candidates: 512 KiB of scratch.
    let mut det: Box<Detector<8192>> = Box::new(Detector::new());
    assert_eq!(det.capacity(), 8192);
    assert_eq!(one_frame(&mut det), 2);
    let mut det: Box<Detector<8192>> = Box::default();
    assert_eq!(one_frame(&mut det), 2);
}

/// `Detector::new` is a `const fn`: a 4 MiB detector is built at compile time, in place.
static BIG: Mutex<Detector<65536>> = Mutex::new(Detector::new());

#[test]
fn detector_in_a_static_needs_no_stack() {
    let h = std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(|| {
            let mut det = BIG.lock().unwrap();
            (det.capacity(), one_frame(&mut det))
        })
        .unwrap();
    assert_eq!(h.join().unwrap(), (65536, 2));
}
