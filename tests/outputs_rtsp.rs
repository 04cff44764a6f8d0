//! An RTSP camera as the live source: GStreamer's RTSP server (Python, gir1.2-gst-rtsp-server-1.0)
//! started by the test on loopback, killed mid-run and restarted. pitchcam reconnects, the
//! frames keep coming on the run's timeline, and the outputs keep running.

mod outputs_support;
use outputs_support::*;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const PYTHONS: [&str; 2] = ["python3", "/usr/bin/python3"];

fn python_with_rtsp_server() -> &'static str {
    PYTHONS
        .into_iter()
        .find(|py| {
            Command::new(py)
                .args(["-c", "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .unwrap_or_else(|| {
            panic!("no python3 with GstRtspServer (tried {PYTHONS:?}): install python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-rtsp")
        })
}

struct Server {
    child: Child,
}

impl Server {
    fn start(port: u16) -> Server {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/outputs_support/rtsp_server.py");
        let mut child = Command::new(python_with_rtsp_server())
            .args([script, &port.to_string(), "640", "360"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the RTSP server");
        use std::io::BufRead;
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready", "RTSP server did not start");
        Server { child }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn args(port: u16, out: &std::path::Path, secs: u32) -> Vec<String> {
    [
        "run",
        "--source",
        &format!("rtsp://127.0.0.1:{port}/test"),
        "--delay",
        "2",
        "--camera-size",
        "640x360",
        "--no-realtime",
        "--duration",
        &secs.to_string(),
        "--out",
        out.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn rtsp_camera_is_a_live_source() {
    let _turn = serial();
    require_element("rtspsrc", "gstreamer1.0-plugins-good");
    let port = free_port();
    let _server = Server::start(port);
    let out = out_dir("outputs-rtsp-live");
    let r = run(&args(port, &out, 10));
    assert!(r.ok, "{}", r.stderr);
    let rep = &r.report;
    assert_eq!(rep["panorama"], serde_json::json!([640, 360]), "NV12 frames at the camera's size");
    assert_eq!(rep["frames_dropped"], 0, "{}", r.stderr);
    let frames_in = rep["frames_in"].as_u64().unwrap();
    assert!(frames_in > 200, "{frames_in} frames in 10 s");
    // Recorded, with (silent) audio so every muxer keeps going without a microphone.
    let rec = output(rep, "record");
    assert_eq!(rec["video_frames"].as_u64(), Some(recorded(rep)), "{rec}");
    let segs = segments(&out, "vcam");
    let (n, audio) = count_frames(&segs[0]);
    assert_eq!(n, recorded(rep));
    assert!(audio, "no audio track");
    assert!(rep["audio"]["silence_s"].as_f64().unwrap() > 5.0, "{}", rep["audio"]);
    let _ = std::fs::remove_dir_all(&out);
}

/// A torn-down `rtspsrc` exposes new pads that a parsed pipeline does not link again, so the
/// reconnect is the source supervision's: it rebuilds the source pipeline with backoff.
#[test]
fn rtsp_source_killed_and_restarted_reconnects() {
    let _turn = serial();
    require_element("rtspsrc", "gstreamer1.0-plugins-good");
    let port = free_port();
    let server = Server::start(port);
    let out = out_dir("outputs-rtsp-restart");
    let child = spawn(&args(port, &out, 26), &out);
    std::thread::sleep(Duration::from_secs(8));
    drop(server);
    std::thread::sleep(Duration::from_secs(4));
    let _server = Server::start(port);
    let r = finish(child, &out);
    assert!(r.ok, "{}", r.stderr);
    let rep = &r.report;
    // ~8 s before the kill and ~10 s after the restart: far more than the first part alone.
    let frames_in = rep["frames_in"].as_u64().unwrap();
    assert!(frames_in > 400, "{frames_in} frames in: the source did not come back\n{}", r.stderr);
    let frames_out = rep["frames_out"].as_u64().unwrap();
    assert!(frames_out > 400, "{frames_out} frames out");
    let rec = output(rep, "record");
    assert_eq!(rec["failures"], 0, "{rec}");
    let _ = std::fs::remove_dir_all(&out);
}

/// Frames every recording and stream carries: each output frame once, plus the repeats of the
/// last frame that kept the rate while a frame was missing (`frames_repeated`).
fn recorded(rep: &serde_json::Value) -> u64 {
    rep["frames_out"].as_u64().unwrap() + rep["frames_repeated"].as_u64().unwrap_or(0)
}
