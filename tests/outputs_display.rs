//! `--display`: on a screen (a virtual X server, Xvfb, started by the test) the view is shown
//! beside the recording; on a headless machine the flag is refused with a clear message
//! before anything starts.

mod outputs_support;
use outputs_support::*;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn display_without_a_screen_is_refused() {
    let out = out_dir("outputs-display-headless");
    let mut args = small_run(&out, 2);
    args.push("--display".into());
    let o = Command::new(bin())
        .args(&args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{e}");
    assert!(e.contains("--display") && e.contains("DISPLAY"), "{e}");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn display_on_a_virtual_screen() {
    require("Xvfb", "xvfb");
    let _turn = serial();
    // A display number nobody uses.
    let n = 90 + std::process::id() % 9;
    let mut x = Command::new("Xvfb")
        .args([&format!(":{n}"), "-screen", "0", "1280x720x24", "-nolisten", "tcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start Xvfb");
    std::thread::sleep(Duration::from_secs(1));
    let out = out_dir("outputs-display");
    let mut args = small_run(&out, 8);
    args.push("--display".into());
    let o = Command::new(bin()).args(&args).env("DISPLAY", format!(":{n}")).output().unwrap();
    let _ = x.kill();
    let _ = x.wait();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let rep: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let d = output(&rep, "display");
    assert_eq!(d["failures"], 0, "{d}\n{stderr}");
    assert!(d["video_frames"].as_u64().unwrap() > 100, "{d}");
    // The recording beside it lost nothing to the display.
    let rec = output(&rep, "record");
    assert_eq!(rec["video_frames"].as_u64(), Some(recorded(&rep)), "{rec}");
    assert_eq!(rep["drops"]["output_pool_exhausted"], 0, "{}", rep["drops"]);
    let _ = std::fs::remove_dir_all(&out);
}

/// Frames every recording and stream carries: each output frame once, plus the repeats of the
/// last frame that kept the rate while a frame was missing (`frames_repeated`).
fn recorded(rep: &serde_json::Value) -> u64 {
    rep["frames_out"].as_u64().unwrap() + rep["frames_repeated"].as_u64().unwrap_or(0)
}
