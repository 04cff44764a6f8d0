//! C and C++ consumers of libpitchcam (tests/c/capi_consumer.{c,cpp}), each linked against the
//! static and the shared library as installed by `scripts/install-lib`: struct layouts, the ring
//! driven by a real GStreamer pipeline, `pc_detect` on the shared reference tensors, every bad
//! input with its own status code, thread pinning and SCHED_FIFO — all under GStreamer's leaks
//! tracer with `G_DEBUG=fatal-warnings`, so a leaked buffer fails the run (negative control
//! included).
mod capi_support;

use capi_support::*;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

const FRAME: &str = "frame_0000";

/// The four consumer builds, compiled once per test process.
fn consumers() -> &'static [(String, PathBuf); 4] {
    static BUILT: OnceLock<[(String, PathBuf); 4]> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = scratch("consumers");
        let build = |src: &str, lang: Lang, link: Link| {
            let name = format!("{lang:?}-{link:?}").to_lowercase();
            (name.clone(), build_consumer(src, lang, link, &dir.join(&name)))
        };
        [
            build("capi_consumer.c", Lang::C11, Link::Static),
            build("capi_consumer.c", Lang::C11, Link::Shared),
            build("capi_consumer.cpp", Lang::Cxx17, Link::Static),
            build("capi_consumer.cpp", Lang::Cxx17, Link::Shared),
        ]
    })
}

#[test]
fn c_and_cpp_consumers_pass_on_static_and_shared_builds_without_leaks() {
    let frame_bin = nms_dir().join(format!("{FRAME}.bin"));
    let want = core_detections(FRAME);
    check_against_reference(FRAME, &want);
    for (name, bin) in consumers() {
        let out = run_leak_checked(bin, &["all", frame_bin.to_str().unwrap()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stdout.contains("OK all"),
            "{name}: {}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
            out.status
        );
        let dets = parse_dets(&stdout);
        assert_eq!(dets, want, "{name}: pc_detect from C differs from core's Detector");
        check_against_reference(FRAME, &dets);
    }
}

/// Negative control: the same binaries, asked to keep one buffer reference, must fail under the
/// leaks tracer — proving the clean runs above would have caught a leak.
#[test]
fn leak_tracer_fails_a_consumer_that_keeps_a_reference() {
    for (name, bin) in consumers().iter().step_by(3) {
        let out = run_leak_checked(bin, &["leak"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name}: a leaked GstBuffer went unnoticed:\n{stderr}");
        assert!(
            stderr.contains("Leaks detected") || stderr.contains("leaks"),
            "{name}: failed, but not for the leak ({}):\n{stderr}",
            out.status
        );
        // Same binary, same pipeline and environment, every reference released: passes, so the
        // failure above is the leak's.
        let clean = run_leak_checked(bin, &["ring"]);
        assert!(
            clean.status.success(),
            "{name} ring: {}\n{}",
            clean.status,
            String::from_utf8_lossy(&clean.stderr)
        );
    }
}

/// Without CAP_SYS_NICE and with RLIMIT_RTPRIO 0, SCHED_FIFO is refused with
/// PC_ERR_NO_PRIVILEGE and the thread keeps running under SCHED_OTHER.
#[test]
fn realtime_without_privilege_is_a_status_code() {
    let (name, bin) = &consumers()[1];
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let mut cmd = if root {
        // Root holds CAP_SYS_NICE: drop it for the child (setpriv is in util-linux).
        require_tool("setpriv", "util-linux");
        let mut c = Command::new("setpriv");
        c.args(["--bounding-set=-sys_nice", "--inh-caps=-sys_nice", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    let out = cmd
        .arg("noperm")
        .env("GST_TRACERS", "leaks")
        .env("G_DEBUG", "fatal-warnings")
        .output()
        .expect("run consumer");
    assert!(
        out.status.success(),
        "{name} noperm: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
