//! Ctrl-C mid-run: `pitchcam run` with no end of its own, stopped by SIGINT while it is
//! recording short segments. It must exit 0, write report.json, and leave every segment
//! finalised and decodable to its end, holding exactly the frames the report says were output.

mod engine_support;

use engine_support::*;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Waits for `child` to exit; kills it and fails after `limit`.
fn wait_exit(child: &mut Child, limit: Duration, what: &str) -> std::process::ExitStatus {
    let t0 = Instant::now();
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: pitchcam did not exit within {limit:?} of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Blocks until the first segment exists and holds some frames (output has started).
fn wait_for_output(child: &mut Child, dir: &Path, first: &str) {
    let t0 = Instant::now();
    let seg = dir.join(first);
    while std::fs::metadata(&seg).map(|m| m.len()).unwrap_or(0) < 20_000 {
        if let Some(st) = child.try_wait().unwrap() {
            panic!("pitchcam ended ({st}) before recording anything");
        }
        assert!(
            t0.elapsed() < Duration::from_secs(90),
            "no output after 90 s: {} not written",
            seg.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn signal(sig: &str, pid: u32) {
    let st = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("`kill` runs (procps)");
    assert!(st.success(), "kill {sig} {pid} failed");
}

/// Starts a run that records 1-s segments until stopped and waits until it has recorded a few.
fn start_recording(dir: &Path, container: &str) -> Child {
    // Short segments (1 s; a keyframe every 15 frames so they can be cut there), so the stop
    // lands in the middle of the run's last segment of several.
    let cfg = dir.join("pitchcam.toml");
    std::fs::write(
        &cfg,
        format!("[output]\ncontainer = \"{container}\"\nsegment_s = 1\nkeyframe_interval = 15\n"),
    )
    .unwrap();
    let mut child = command(&[
        "run",
        "--config",
        cfg.to_str().unwrap(),
        "--resolution",
        "960x320",
        "--camera-size",
        "640x360",
        "--delay",
        "1",
        "--duration",
        "forever",
        "--out",
        dir.to_str().unwrap(),
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("the pitchcam binary starts");
    wait_for_output(&mut child, dir, &format!("vcam-00000.{container}"));
    // Let it record a few segments; the caller stops it mid-segment.
    std::thread::sleep(Duration::from_millis(3300));
    child
}

fn sigint_leaves_playable_segments(container: &str) {
    let dir = out_dir(&format!("engine-sigint-{container}"));
    let mut child = start_recording(&dir, container);
    signal("-INT", child.id());
    let status = wait_exit(&mut child, Duration::from_secs(60), container);
    let out = child.wait_with_output().unwrap();
    assert!(status.success(), "exit after SIGINT: {}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("CRITICAL"), "{stderr}");

    let r = report(&dir);
    assert!(r["errors"].as_array().unwrap().is_empty(), "errors in the report: {r:#}");
    let frames_out = int(&r, "frames_out");
    assert!(frames_out >= 60, "it ran for a while: {r:#}");
    let segs = segments(&dir, "vcam");
    assert!(segs.len() >= 3, "several segments recorded: {segs:?}");
    let listed: Vec<String> = r["recordings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let mut decoded = 0u64;
    let mut last_pts = None;
    for s in &segs {
        let name = s.file_name().unwrap().to_string_lossy().into_owned();
        assert!(listed.contains(&name), "{name} missing from report.recordings {listed:?}");
        if container == "mkv" {
            assert_mkv_finalised(s);
        }
        // Decodes to EOS without an error (decode_file fails the test otherwise).
        let d = decode_file(s);
        assert!(!d.pts.is_empty(), "{name}: empty segment");
        // Matroska segments continue one timeline; each MP4 segment starts its own at 0.
        if let (Some(l), "mkv") = (last_pts, container) {
            assert!(d.pts[0] > l, "{name} starts before the previous segment ended");
        }
        last_pts = d.pts.last().copied();
        decoded += d.pts.len() as u64;
    }
    assert_eq!(decoded, frames_out, "frames in the segments = report frames_out: {r:#}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sigint_mid_run_leaves_finalised_mkv_segments_holding_every_output_frame() {
    sigint_leaves_playable_segments("mkv");
}

#[test]
fn sigint_mid_run_leaves_playable_fragmented_mp4_segments_holding_every_output_frame() {
    sigint_leaves_playable_segments("mp4");
}

/// The negative control of the finalisation check: a run killed outright (SIGKILL: no EOS, no
/// finalising) leaves its last segment unfinalised, and the check says so.
#[test]
fn sigkill_leaves_an_unfinalised_last_segment_that_the_check_detects() {
    let dir = out_dir("engine-sigkill");
    let mut child = start_recording(&dir, "mkv");
    signal("-KILL", child.id());
    let _ = wait_exit(&mut child, Duration::from_secs(30), "SIGKILL");
    let segs = segments(&dir, "vcam");
    assert!(segs.len() >= 3, "{segs:?}");
    assert_mkv_finalised(&segs[0]); // closed before the kill
    let last = segs.last().unwrap().clone();
    let caught = std::panic::catch_unwind(|| assert_mkv_finalised(&last));
    assert!(caught.is_err(), "{} passed the finalisation check after SIGKILL", last.display());
    std::fs::remove_dir_all(&dir).unwrap();
}
