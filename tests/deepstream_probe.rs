//! End to end in a real GStreamer pipeline: `videotestsrc ! identity ! fakesink`, where a C pad
//! probe on `identity` plays nvinfer (attaches NvDs-shaped batch meta with a YOLO head tensor to
//! every buffer, tests/c/ds_meta.c) and pitchcam's own probe (`pitchcam::gst::Pad::add_probe`)
//! on the sink — the ring-input position — reads each frame's tensors with the DeepStream reader
//! into preallocated storage.
//!
//! This is the test scripts/test-aarch64 runs under qemu-aarch64: it prints the architecture it
//! runs on (compile-time target and the kernel's `uname -m`, which qemu-user reports as the
//! emulated machine) so the CI log shows the aarch64 run.

#[path = "deepstream_support.rs"]
mod support;

use std::ffi::CStr;
use std::sync::{Arc, Mutex};

use pitchcam::core::detect::{Tensor, TensorLayout};
use pitchcam::deepstream::{InputGeometry, batch_meta};
use pitchcam::gst::{MessageType, Pipeline, ProbeReturn, ProbeType, State};

const FRAMES: u32 = 30;
const N: usize = 9 * 8400;

/// What the sink probe saw, written on the streaming thread, read after EOS.
#[derive(Default)]
struct Seen {
    frames: u32,
    tensors: u32,
    pts_match: u32,
    errors: Vec<String>,
}

fn machine() -> String {
    // SAFETY: `uname` fills the struct we own.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: a valid out-pointer.
    assert_eq!(unsafe { libc::uname(&mut u) }, 0);
    // SAFETY: NUL-terminated by the kernel.
    unsafe { CStr::from_ptr(u.machine.as_ptr()) }.to_string_lossy().into_owned()
}

#[test]
fn reader_in_a_pad_probe_of_a_running_pipeline() {
    let machine = machine();
    println!("pipeline test on target_arch={} (uname -m: {machine})", std::env::consts::ARCH);
    assert_eq!(machine, std::env::consts::ARCH, "the kernel (or qemu) reports the target arch");
    let fixture = support::meta_fixture(pitchcam::deepstream::abi::ABI_B);
    pitchcam::gst::init().expect("gst init");

    let pipeline = Pipeline::parse(&format!(
        "videotestsrc num-buffers={FRAMES} ! video/x-raw,format=NV12,width=320,height=176,\
         framerate=30/1 ! identity name=infer ! fakesink name=ring_in sync=false"
    ))
    .expect("parse the pipeline (gstreamer1.0-plugins-base)");
    let infer_src = pipeline.by_name("infer").unwrap().static_pad("src").unwrap();
    let ring_in = pipeline.by_name("ring_in").unwrap().static_pad("sink").unwrap();
    let spec = support::Spec::new(1, 0);
    // SAFETY: a live pad and a valid spec (copied by the fixture).
    assert_ne!(unsafe { (fixture.install_probe)(infer_src.as_ptr(), &spec) }, 0);

    let seen = Arc::new(Mutex::new(Seen::default()));
    let seen_in_probe = seen.clone();
    // Preallocated once, moved into the probe: the FP16 head converts into it every frame.
    let mut scratch = vec![0.0f32; N];
    let geometry = InputGeometry::FullFrame { width: 5700, height: 1900, symmetric_padding: true };
    let probe = ring_in
        .add_probe(ProbeType::BUFFER, move |info| {
            let Some(buf) = info.buffer() else { return ProbeReturn::Ok };
            let pts = buf.pts();
            let result = (|| {
                let batch = batch_meta(buf).map_err(|e| e.to_string())?.ok_or("no batch meta")?;
                let (mut n, mut pts_ok) = (0, true);
                for frame in batch.frames() {
                    let frame = frame.map_err(|e| e.to_string())?;
                    pts_ok &= Some(frame.buf_pts()) == pts;
                    let mut out: heapless::Vec<Tensor<'_>, 4> = heapless::Vec::new();
                    n += frame
                        .push_tensors(&geometry, &mut scratch, &mut out)
                        .map_err(|e| e.to_string())?;
                    if out.first().map(|t| t.layout()) != Some(TensorLayout::ChannelsFirst) {
                        return Err("first head is not channels-first".to_string());
                    }
                }
                Ok::<_, String>((n as u32, pts_ok))
            })();
            let mut s = seen_in_probe.lock().unwrap_or_else(|e| e.into_inner());
            s.frames += 1;
            match result {
                Ok((n, pts_ok)) => {
                    s.tensors += n;
                    s.pts_match += u32::from(pts_ok);
                }
                Err(e) => s.errors.push(e),
            }
            ProbeReturn::Ok
        })
        .expect("install the probe");

    pipeline.set_state(State::Playing).expect("PLAYING");
    let msg = pipeline
        .bus()
        .timed_pop_filtered(Some(120_000_000_000), MessageType::EOS | MessageType::ERROR)
        .expect("a message before the timeout");
    let eos = msg.type_() == MessageType::EOS;
    drop(msg);
    pipeline.set_state(State::Null).expect("NULL");
    ring_in.remove_probe(probe);
    drop((infer_src, ring_in, pipeline));
    assert!(eos, "the pipeline reached EOS without error");

    let s = seen.lock().unwrap();
    println!(
        "{} frames through the probe, {} head tensors read, {} with matching PTS, {} errors",
        s.frames,
        s.tensors,
        s.pts_match,
        s.errors.len()
    );
    assert!(s.errors.is_empty(), "reader errors: {:?}", s.errors);
    assert_eq!(s.frames, FRAMES);
    assert_eq!(s.tensors, 2 * FRAMES, "two heads (FP32 + FP16) per frame");
    assert_eq!(s.pts_match, FRAMES, "frame meta PTS = buffer PTS");
    // SAFETY: reads the fixture's counter; all buffers are gone with the pipeline.
    assert_eq!(unsafe { (fixture.live)() }, 0, "every attached meta was freed with its buffer");
}
