//! Bad input: detector tensors, through the tensor meta on real buffers — frames pushed by an
//! `appsrc` through a pipeline, read back at its end as the engine's probe and analysis thread
//! read them (take the storage, map, decode + NMS with the engine's capacities). Tensors with
//! wrong dimensions are refused when attached (nothing attached, storage released); NaN, ±Inf,
//! absurd boxes and more candidates than capacity are decoded without a panic, each counted
//! in the frame's statistics. (Core's property tests, `core/tests/detect_props.rs`, cover the
//! arithmetic for arbitrary values; this covers the path real frames take.)

use pitchcam::core::detect::{DetectParams, Detection, Detector, Mapping, TensorLayout};
use pitchcam::core::geom::Size;
use pitchcam::gst::{self, AppSink, AppSrc, Buffer, Pipeline, State};
use pitchcam::tensor_meta::{self, TensorDesc, TensorMetaError};

const CAPS: &str = "video/x-raw,format=NV12,width=64,height=32,framerate=30/1";
/// The engine's capacities (bin/engine/analysis.rs).
const MAX_CANDIDATES: usize = 4096;
const MAX_KEPT: usize = 1000;
const ANCHORS: u32 = 8400;

fn desc(offset: u32, rows: u32, anchors: u32) -> TensorDesc {
    TensorDesc {
        offset,
        rows,
        anchors,
        layout: TensorLayout::ChannelsFirst,
        mapping: Mapping::letterbox(5700, 1900, 640, 640, true),
    }
}

fn storage(values: &[f32]) -> Buffer {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
    Buffer::from_slice(&bytes).unwrap()
}

fn frame() -> Buffer {
    Buffer::with_size(64 * 32 * 3 / 2).unwrap()
}

#[test]
fn wrong_dimensions_are_refused_at_attach() {
    gst::init().unwrap();
    let st = || storage(&vec![0.0; 9 * 100]);
    for (descs, what) in [
        (vec![], "no tensor"),
        (vec![desc(0, 9, 200)], "more anchors than the storage holds"),
        (vec![desc(850, 9, 10)], "an offset past the end"),
        (vec![desc(u32::MAX, 9, 10)], "an offset at u32::MAX"),
        (vec![desc(0, 4, 100)], "no class row"),
        (vec![desc(0, 4 + 17, 10)], "more classes than MAX_CLASSES"),
        (vec![desc(0, 9, 0)], "zero anchors"),
        (vec![desc(0, u32::MAX, u32::MAX)], "an element count overflowing"),
        (vec![desc(0, 9, 10); 9], "more tensors than MAX_TENSORS"),
    ] {
        let mut f = frame();
        let r = tensor_meta::attach(f.get_mut().unwrap(), st(), &descs);
        assert!(r.is_err(), "{what}: must be refused");
        assert!(!tensor_meta::has_tensors(&f), "{what}: nothing attached");
    }
    // A bad mapping (NaN scale) is refused too.
    let mut d = desc(0, 9, 10);
    d.mapping.scale_x = f32::NAN;
    let mut f = frame();
    assert!(matches!(
        tensor_meta::attach(f.get_mut().unwrap(), st(), &[d]),
        Err(TensorMetaError::Tensor { .. })
    ));
}

/// One 9×8400 channels-first head whose every anchor is `(cx, cy, w, h, scores…)` from `f`.
fn head(f: impl Fn(usize) -> [f32; 9]) -> Vec<f32> {
    let mut v = vec![0.0f32; 9 * ANCHORS as usize];
    for a in 0..ANCHORS as usize {
        let x = f(a);
        for r in 0..9 {
            v[r * ANCHORS as usize + a] = x[r];
        }
    }
    v
}

#[test]
fn hostile_values_pass_through_real_buffers_and_are_counted() {
    gst::init().unwrap();
    let p = Pipeline::parse(&format!(
        "appsrc name=src caps=\"{CAPS}\" format=time ! queue ! identity ! appsink name=sink sync=false"
    ))
    .unwrap();
    let src = AppSrc::from_element(p.by_name("src").unwrap()).unwrap();
    let sink = AppSink::from_element(p.by_name("sink").unwrap()).unwrap();
    sink.configure_hot_path(64).unwrap();
    sink.set_property("drop", false).unwrap();
    p.set_state(State::Playing).unwrap();

    let cases: Vec<(&str, Vec<f32>)> = vec![
        ("all NaN", vec![f32::NAN; 9 * ANCHORS as usize]),
        ("all +Inf", vec![f32::INFINITY; 9 * ANCHORS as usize]),
        (
            "-Inf scores, NaN boxes",
            head(|_| [f32::NAN, f32::NAN, 1.0, 1.0, f32::NEG_INFINITY, 0.0, 0.0, 0.0, 0.0]),
        ),
        (
            "absurd boxes",
            head(|a| {
                let s = if a % 2 == 0 { 1e30 } else { -1e30 };
                [s, s, s.abs(), 1e38, 0.9, 0.0, 0.0, 0.0, 0.0]
            }),
        ),
        ("negative sizes", head(|_| [320.0, 320.0, -50.0, -50.0, 0.9, 0.0, 0.0, 0.0, 0.0])),
        // Every anchor of two heads above threshold, spread out so NMS keeps many: 16800
        // candidates for a detector that holds 4096.
        (
            "more candidates than capacity",
            head(|a| {
                let (x, y) = ((a % 100) as f32 * 6.4 + 3.0, (a / 100) as f32 * 7.6 + 3.0);
                [x, y, 2.0, 2.0, 0.3 + (a % 7) as f32 * 0.1, 0.0, 0.0, 0.0, 0.0]
            }),
        ),
    ];
    for (i, (_, values)) in cases.iter().enumerate() {
        let mut f = frame();
        let b = f.get_mut().unwrap();
        b.set_pts(Some(i as u64 * 33_333_333));
        let mut all = values.clone();
        all.extend_from_slice(values);
        tensor_meta::attach(
            b,
            storage(&all),
            &[desc(0, 9, ANCHORS), desc(9 * ANCHORS, 9, ANCHORS)],
        )
        .unwrap();
        src.push_buffer(f).unwrap();
    }
    src.end_of_stream().unwrap();

    let params = DetectParams::new(0.25, 0.45, 300, Size { w: 5700, h: 1900 }).unwrap();
    let mut det: Box<Detector<MAX_CANDIDATES>> = Box::default();
    let mut out = vec![Detection::default(); MAX_KEPT];
    for (name, _) in &cases {
        let sample = sink.pull_sample().expect("one frame per case");
        let mut buf = sample.buffer().unwrap().to_owned_buffer();
        drop(sample);
        // As the probe: writable ⇒ move the storage out; else read it in place.
        let ft = match buf.get_mut() {
            Some(b) => tensor_meta::take_storage(b),
            None => tensor_meta::FrameTensors::from_buffer(&buf),
        }
        .expect("the tensors survived the pipeline");
        let mapped = ft.map().expect("valid tensors map");
        let st =
            det.detect(mapped.tensors(), &params, &mut out).expect("decode never fails on values");
        println!("{name:32} {st:?}");
        assert_eq!(st.anchors, 2 * ANCHORS, "{name}");
        assert!(st.written <= 300 && st.kept <= 300, "{name}: max_det holds");
        for d in &out[..st.written as usize] {
            assert!(d.x1 <= d.x2 && d.y1 <= d.y2, "{name}: {d:?}");
            assert!(
                d.x2 <= 5700 * 256 && d.y2 <= 1900 * 256 && d.x1 >= 0 && d.y1 >= 0,
                "{name}: inside: {d:?}"
            );
        }
        match *name {
            "all NaN" | "-Inf scores, NaN boxes" => {
                assert!(st.non_finite > 0 && st.written == 0, "{name}: {st:?}")
            }
            "all +Inf" => assert!(st.non_finite > 0 || st.bad_size > 0, "{name}: {st:?}"),
            "absurd boxes" | "negative sizes" => {
                assert!(st.bad_size > 0 && st.written == 0, "{name}: {st:?}")
            }
            "more candidates than capacity" => {
                assert!(st.capped > 0, "{name}: the pre-NMS cap is counted: {st:?}");
                assert!(st.candidates as usize > MAX_CANDIDATES);
                assert!(st.written > 0);
            }
            _ => unreachable!(),
        }
    }
    assert!(sink.pull_sample().is_none(), "EOS after the cases");
    p.set_state(State::Null).unwrap();
}
