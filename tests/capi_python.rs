//! The Python ctypes module `examples/python/pitchcam_ctypes.py` against the installed library:
//! `detect` on a reference frame from every kind of input (bytes, bytearray, array('f'),
//! memoryview, a raw address, numpy) gives exactly core's detections; the ring works on raw
//! GstBuffer pointers without PyGObject, and in a PyGObject pipeline (probe → ring → appsrc).
mod capi_support;

use capi_support::*;
use std::process::{Command, Output};

const FRAME: &str = "frame_0003";

/// Interpreters to try, in order: the one on PATH, then the system one (where Debian's
/// python3-numpy / python3-gi live).
const PYTHONS: [&str; 2] = ["python3", "/usr/bin/python3"];

fn has_module(python: &str, module: &str) -> bool {
    Command::new(python)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The first interpreter that can import `module`; fails with what to install otherwise.
fn python_with(module: &str, install: &str) -> &'static str {
    require_tool("python3", "python3");
    PYTHONS.into_iter().find(|p| has_module(p, module)).unwrap_or_else(|| {
        panic!("no python3 with `{module}` found (tried {PYTHONS:?}): install {install}")
    })
}

fn example(python: &str, args: &[&str]) -> Output {
    let script = root().join("examples/python/pitchcam_ctypes.py");
    let out = Command::new(python)
        .arg(&script)
        .args(args)
        .env("PITCHCAM_LIB", shared_lib())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    assert!(
        out.status.success(),
        "{python} {} {args:?}: {}\n--- stdout\n{}\n--- stderr\n{}",
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn check_detect_output(python: &str, out: &Output, need_numpy: bool) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let inputs = stdout.lines().find_map(|l| l.strip_prefix("inputs: ")).expect("inputs line");
    for kind in ["bytes", "bytearray", "array", "memoryview", "address"] {
        assert!(inputs.split(',').any(|k| k == kind), "{python}: {kind} not exercised: {inputs}");
    }
    if need_numpy {
        assert!(inputs.contains("numpy-transposed"), "{python}: numpy path not taken: {inputs}");
    }
    let dets = parse_dets(&stdout);
    assert_eq!(dets, core_detections(FRAME), "{python}: ctypes detect differs from core");
    check_against_reference(FRAME, &dets);
}

#[test]
fn detect_without_numpy_matches_core_and_reference() {
    require_tool("python3", "python3");
    let frame = nms_dir().join(format!("{FRAME}.bin"));
    let out = example("python3", &["detect", frame.to_str().unwrap()]);
    check_detect_output("python3", &out, false);
}

#[test]
fn detect_with_numpy_matches_core_and_reference() {
    let python =
        python_with("numpy", "numpy (apt-get install python3-numpy, or pip install numpy)");
    let frame = nms_dir().join(format!("{FRAME}.bin"));
    let out = example(python, &["detect", frame.to_str().unwrap()]);
    check_detect_output(python, &out, true);
}

#[test]
fn ring_on_raw_pointers_without_pygobject() {
    require_tool("python3", "python3");
    let out = example("python3", &["ring-raw"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("OK ring-raw"), "{stdout}");
    assert!(stdout.contains("refused: pc_ring_push: the buffer has no PTS"), "{stdout}");
}

#[test]
fn ring_in_a_pygobject_pipeline_feeds_appsrc() {
    let python = python_with(
        "gi",
        "PyGObject with GStreamer's introspection data (apt-get install python3-gi \
         gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0)",
    );
    let out = example(python, &["ring-gi"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("OK ring-gi"));
}
