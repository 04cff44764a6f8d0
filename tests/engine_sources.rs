//! Sources other than the built-in sim: a file (a panorama recording of the sim, made by the
//! test with pitchcam's own panorama mode) played out completely, and a `gst:` description.

mod engine_support;

use engine_support::*;

/// Checks that hold for any source: the ring stayed within its capacity and held frames from
/// its own pool (so upstream never allocated beyond it), the recording holds every output frame.
fn check_common(dir: &std::path::Path, r: &serde_json::Value) -> u64 {
    assert!(r["errors"].as_array().unwrap().is_empty(), "errors: {r:#}");
    assert!(int(r, "ring.high_water") <= int(r, "ring.capacity"), "{r:#}");
    assert_eq!(
        int(r, "capture.foreign_buffers"),
        0,
        "every frame came from the ring's own pool (the ALLOCATION answer was used): {r:#}"
    );
    let frames_out = int(r, "frames_out");
    let dec = decode_recording_with(dir, "vcam", |_| {});
    assert_eq!(dec.pts.len() as u64, frames_out, "recorded frames = frames_out: {r:#}");
    assert_eq!((dec.width, dec.height), (640, 360), "recorded at --camera-size");
    frames_out
}

#[test]
fn a_file_source_plays_out_every_frame_of_the_file_and_exits_at_its_end() {
    // 1. The input: the sim's panorama, recorded by pitchcam itself (panorama mode).
    let src = out_dir("engine-file-src");
    let cfg = src.join("pitchcam.toml");
    std::fs::write(&cfg, "[output]\npanorama_size = \"960x320\"\n").unwrap();
    run_ok(&[
        "run",
        "--config",
        cfg.to_str().unwrap(),
        "--mode",
        "panorama",
        "--resolution",
        "960x320",
        "--duration",
        "4",
        "--delay",
        "1",
        "--out",
        src.to_str().unwrap(),
    ]);
    let rec = report(&src);
    let segs = segments(&src, "panorama");
    assert_eq!(segs.len(), 1, "{segs:?}");
    let input = decode_file(&segs[0]);
    let n = input.pts.len() as u64;
    assert_eq!(n, int(&rec, "frames_out"), "panorama recording holds every output frame");
    assert_eq!((input.width, input.height), (960, 320));
    assert!(n >= 60, "{n} frames in the input file");

    // 2. That file as the source: played in real time, drained at its end, then pitchcam stops
    // by itself (no --duration).
    let dir = out_dir("engine-file");
    let out = run_ok(&[
        "run",
        "--source",
        &format!("file:{}", segs[0].display()),
        "--camera-size",
        "640x360",
        "--delay",
        "1",
        "--log-frames",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("CRITICAL"));
    let r = report(&dir);
    assert_eq!(int(&r, "frames_in"), n, "every frame of the file entered: {r:#}");
    assert_eq!(int(&r, "frames_out"), n, "every frame of the file was output: {r:#}");
    assert_eq!(int(&r, "frames_dropped"), 0, "{r:#}");
    assert_eq!(int(&r, "frames_in_window_at_stop"), 0, "the tail was drained: {r:#}");
    assert_eq!(int(&r, "capture.frames_without_tensors"), n, "a plain file has no detections");
    assert_eq!(r["panorama"], serde_json::json!([960, 320]));
    assert!(r["source"].as_str().unwrap().starts_with("file:"), "{r:#}");
    check_common(&dir, &r);
    let log = frame_log(&dir);
    assert_eq!(log.len() as u64, n, "frames.csv: one line per output frame");
    assert!(log.iter().all(|l| l.ball.is_none()), "no truth without the sim");
    for l in &log {
        let [x, y, w, h] = l.crop;
        assert!(x >= 0.0 && y >= 0.0 && x + w <= 960.0 && y + h <= 320.0, "crop {l:?} inside");
    }
    std::fs::remove_dir_all(&src).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_gst_source_description_runs_through_the_whole_engine() {
    let dir = out_dir("engine-gst");
    run_ok(&[
        "run",
        "--source",
        "gst:videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=360,framerate=30/1",
        "--camera-size",
        "640x360",
        "--duration",
        "3",
        "--delay",
        "1",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let r = report(&dir);
    assert_eq!(r["panorama"], serde_json::json!([640, 360]));
    let (fin, fout) = (int(&r, "frames_in"), int(&r, "frames_out"));
    assert!(fin >= 60 && fout >= 30, "{r:#}");
    assert_eq!(
        fin,
        fout + int(&r, "frames_in_window_at_stop") + int(&r, "frames_dropped"),
        "frame accounting: {r:#}"
    );
    check_common(&dir, &r);
    std::fs::remove_dir_all(&dir).unwrap();
}
