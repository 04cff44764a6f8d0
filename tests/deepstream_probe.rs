//! End to end in a real GStreamer pipeline: `videotestsrc ! identity ! fakesink`, where a C pad
//! probe on `identity` plays nvinfer (attaches NvDs-shaped batch meta with a YOLO head tensor to
//! every buffer, tests/c/ds_meta.c) and pitchcam's reader runs in a pad probe on the sink — the
//! ring-input position — decoding each frame's tensors into preallocated storage.
//!
//! This is the test scripts/test-aarch64 runs under qemu-aarch64: it prints the architecture it
//! runs on (compile-time target and the kernel's `uname -m`, which qemu-user reports as the
//! emulated machine) so the CI log shows the aarch64 run.

#[path = "deepstream_support.rs"]
mod support;

use std::ffi::{CStr, c_void};
use std::sync::Mutex;

use gstreamer_sys as gst;
use pitchcam::core::detect::{Tensor, TensorLayout};
use pitchcam::deepstream::{InputGeometry, batch_meta_from_buffer};

const FRAMES: u32 = 30;
const N: usize = 9 * 8400;

/// What the sink probe saw, written on the streaming thread, read after EOS.
struct Seen {
    frames: u32,
    tensors: u32,
    pts_match: u32,
    errors: Vec<String>,
    /// FP16 scratch, allocated once before the pipeline starts.
    scratch: Vec<f32>,
}

unsafe extern "C" fn sink_probe(
    _pad: *mut gst::GstPad,
    info: *mut gst::GstPadProbeInfo,
    user_data: *mut c_void,
) -> gst::GstPadProbeReturn {
    // SAFETY: `user_data` is the `Mutex<Seen>` the test keeps alive until the pipeline is NULL.
    let seen = unsafe { &*(user_data as *const Mutex<Seen>) };
    let mut s = seen.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: a buffer probe's info carries a buffer, borrowed for the callback.
    let buf = unsafe { gst::gst_pad_probe_info_get_buffer(info) };
    // SAFETY: the buffer is live for the callback and nothing else touches its meta meanwhile.
    let pts = unsafe { (*buf).pts };
    let result = (|| {
        // SAFETY: as above.
        let batch = unsafe { batch_meta_from_buffer(buf) }
            .map_err(|e| e.to_string())?
            .ok_or("no batch meta".to_string())?;
        let geom = InputGeometry::FullFrame { width: 5700, height: 1900, symmetric_padding: true };
        let Seen { scratch, .. } = &mut *s;
        let mut n = 0;
        let mut pts_ok = true;
        for frame in batch.frames() {
            let frame = frame.map_err(|e| e.to_string())?;
            pts_ok &= frame.buf_pts() == pts;
            let mut out: heapless::Vec<Tensor<'_>, 4> = heapless::Vec::new();
            n += frame.push_tensors(&geom, scratch, &mut out).map_err(|e| e.to_string())?;
            if out.first().map(|t| t.layout()) != Some(TensorLayout::ChannelsFirst) {
                return Err("first head is not channels-first".to_string());
            }
        }
        Ok::<_, String>((n as u32, pts_ok))
    })();
    s.frames += 1;
    match result {
        Ok((n, pts_ok)) => {
            s.tensors += n;
            s.pts_match += u32::from(pts_ok);
        }
        Err(e) => s.errors.push(e),
    }
    gst::GST_PAD_PROBE_OK
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

    let desc = format!(
        "videotestsrc num-buffers={FRAMES} ! video/x-raw,format=NV12,width=320,height=176,\
         framerate=30/1 ! identity name=infer ! fakesink name=ring_in sync=false"
    );
    let cdesc = std::ffi::CString::new(desc).unwrap();
    let mut err: *mut glib_sys::GError = std::ptr::null_mut();
    // SAFETY: a NUL-terminated description and an out-pointer for the error.
    let pipeline = unsafe { gst::gst_parse_launch(cdesc.as_ptr(), &mut err) };
    assert!(err.is_null() && !pipeline.is_null(), "parse the pipeline (gstreamer1.0-plugins-base)");

    let seen = Box::new(Mutex::new(Seen {
        frames: 0,
        tensors: 0,
        pts_match: 0,
        errors: Vec::new(),
        scratch: vec![0.0; N],
    }));
    // SAFETY: the pipeline is a bin; names are NUL-terminated; returned refs are released below.
    unsafe {
        let infer = gst::gst_bin_get_by_name(pipeline.cast(), c"infer".as_ptr());
        let sink = gst::gst_bin_get_by_name(pipeline.cast(), c"ring_in".as_ptr());
        assert!(!infer.is_null() && !sink.is_null());
        let src_pad = gst::gst_element_get_static_pad(infer, c"src".as_ptr());
        let sink_pad = gst::gst_element_get_static_pad(sink, c"sink".as_ptr());
        let spec = support::Spec::new(1, 0);
        assert_ne!((fixture.install_probe)(src_pad, &spec), 0);
        let id = gst::gst_pad_add_probe(
            sink_pad,
            gst::GST_PAD_PROBE_TYPE_BUFFER,
            Some(sink_probe),
            (&*seen as *const Mutex<Seen>).cast_mut().cast(),
            None,
        );
        assert_ne!(id, 0);
        for o in [src_pad.cast(), sink_pad.cast(), infer.cast(), sink.cast()] {
            gst::gst_object_unref(o);
        }
    }

    // SAFETY: a valid pipeline; the bus ref and the message are released.
    let eos = unsafe {
        assert_ne!(
            gst::gst_element_set_state(pipeline, gst::GST_STATE_PLAYING),
            gst::GST_STATE_CHANGE_FAILURE
        );
        let bus = gst::gst_element_get_bus(pipeline);
        let msg = gst::gst_bus_timed_pop_filtered(
            bus,
            120 * gst::GST_SECOND as u64,
            gst::GST_MESSAGE_EOS | gst::GST_MESSAGE_ERROR,
        );
        let eos = !msg.is_null() && (*msg).type_ == gst::GST_MESSAGE_EOS;
        if !msg.is_null() {
            gst::gst_mini_object_unref(msg.cast());
        }
        gst::gst_object_unref(bus.cast());
        gst::gst_element_set_state(pipeline, gst::GST_STATE_NULL);
        gst::gst_object_unref(pipeline.cast());
        eos
    };
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
