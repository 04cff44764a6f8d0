//! The camera source. Without a device (always): the mode choice over what real cameras
//! answer, and clear errors for a missing device or a missing Argus stack. With a device
//! (a `/dev/video*` on this machine): the device's own modes, the choice, and a short run.

mod outputs_support;
use outputs_support::*;

#[path = "../bin/engine/camsrc.rs"]
#[allow(dead_code)]
mod camsrc;

use camsrc::{Encoding, Want, parse_modes, select_mode};

/// A USB 3 machine-vision camera and a USB 2 webcam, as `gst_caps_to_string` prints v4l2src's
/// caps in READY.
const USB3: &str = "video/x-raw, format=(string){ NV12, YUY2 }, width=(int)3840, height=(int)2160, framerate=(fraction){ 30/1, 15/1 }; \
    video/x-raw, format=(string)YUY2, width=(int)1920, height=(int)1080, framerate=(fraction)[ 1/1, 60/1 ]";
const WEBCAM: &str = "image/jpeg, width=(int)1920, height=(int)1080, framerate=(fraction){ 30/1, 15/1 }; \
    video/x-raw, format=(string)YUY2, width=(int)1920, height=(int)1080, framerate=(fraction)5/1; \
    video/x-raw, format=(string)YUY2, width=(int)640, height=(int)480, framerate=(fraction)30/1";

#[test]
fn mode_choice_without_a_device() {
    let w = |width, height, fps| Want { width, height, fps };
    let m = select_mode(&parse_modes(USB3), w(5700, 1900, 30)).unwrap();
    assert_eq!(
        (m.encoding.clone(), m.width, m.height, m.fps),
        (Encoding::Raw("NV12".into()), 3840, 2160, (30, 1))
    );
    let m = select_mode(&parse_modes(USB3), w(1920, 1080, 60)).unwrap();
    assert_eq!((m.width, m.height, m.fps), (1920, 1080, (60, 1)));
    let m = select_mode(&parse_modes(WEBCAM), w(1920, 1080, 30)).unwrap();
    assert_eq!(m.encoding, Encoding::Mjpeg, "1080p30 on USB 2 is MJPEG: {m:?}");
    let m = select_mode(&parse_modes(WEBCAM), w(640, 480, 30)).unwrap();
    assert_eq!(m.encoding, Encoding::Raw("YUY2".into()));
}

#[test]
fn missing_camera_is_a_clear_error() {
    let out = out_dir("outputs-camera-missing");
    let o = std::process::Command::new(bin())
        .args(["run", "--source", "camera:/dev/video-not-here", "--no-realtime", "--duration", "2"])
        .args(["--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(e.contains("/dev/video-not-here") && e.contains("no such device"), "{e}");
    let o = std::process::Command::new(bin())
        .args(["run", "--source", "camera:argus:0", "--no-realtime", "--duration", "2"])
        .args(["--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(e.contains("nvarguscamerasrc"), "{e}");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn real_device_when_present() {
    let devices: Vec<String> = std::fs::read_dir("/dev")
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path().to_string_lossy().into_owned())
        .filter(|p| p.starts_with("/dev/video"))
        .collect();
    let Some(dev) = devices.iter().find(|d| camsrc::probe_v4l2(d).is_ok_and(|m| !m.is_empty()))
    else {
        eprintln!(
            "outputs_camera: no V4L2 capture device on this machine ({devices:?}): the real-device \
             half did not run; the mode choice was tested without a device"
        );
        return;
    };
    let _turn = serial();
    let modes = camsrc::probe_v4l2(dev).unwrap();
    let want = Want { width: 1280, height: 720, fps: 30 };
    let m = select_mode(&modes, want).expect("a usable mode");
    eprintln!("{dev}: {} modes, chose {}", modes.len(), m.caps());
    let out = out_dir("outputs-camera-real");
    let r = run(&[
        "run".into(),
        "--source".into(),
        format!("camera:{dev}"),
        "--resolution".into(),
        "1280x720".into(),
        "--delay".into(),
        "1".into(),
        "--no-realtime".into(),
        "--duration".into(),
        "6".into(),
        "--out".into(),
        out.to_str().unwrap().into(),
    ]);
    assert!(r.ok, "{}", r.stderr);
    assert!(r.report["frames_in"].as_u64().unwrap() > 0, "{}", r.stderr);
    assert_eq!(r.report["panorama"], serde_json::json!([m.width, m.height]));
    let _ = std::fs::remove_dir_all(&out);
}
