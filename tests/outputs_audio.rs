//! Audio sources other than the sim: a live GStreamer source through the delay, and a
//! microphone that is not there (the camera runs on, the outputs carry silence, the source is
//! retried).

mod outputs_support;
use outputs_support::*;

#[test]
fn live_source_through_the_delay() {
    let _turn = serial();
    let out = out_dir("outputs-audio-live");
    let mut args = small_run(&out, 12);
    args.extend(["--audio".into(), "gst:audiotestsrc is-live=true wave=sine freq=440".into()]);
    let r = run(&args);
    assert!(r.ok, "{}", r.stderr);
    let a = &r.report["audio"];
    assert!(a["source"].as_str().unwrap().starts_with("gst:audiotestsrc"), "{a}");
    // 10 ms chunks for ~12 s of capture; what was output is what was captured in the played
    // span: no holes, nothing lost, silence only before the source's first samples.
    assert!(a["chunks_in"].as_u64().unwrap() > 900, "{a}");
    assert_eq!(a["lost"], 0, "{a}");
    assert_eq!(a["holes"], 0, "{a}");
    assert!(a["silence_s"].as_f64().unwrap() < 0.5, "{a}");
    let rec = output(&r.report, "record");
    assert_eq!(rec["audio_dropped"], 0, "{rec}");
    let (n, audio) = count_frames(&segments(&out, "vcam")[0]);
    assert!(n > 0 && audio);
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn missing_microphone_means_silence_not_a_stop() {
    require_element("alsasrc", "gstreamer1.0-alsa");
    let _turn = serial();
    let out = out_dir("outputs-audio-missing");
    let mut args = small_run(&out, 10);
    args.extend(["--audio".into(), "alsa:hw:57,0".into()]);
    let r = run(&args);
    assert!(r.ok, "{}", r.stderr);
    let rep = &r.report;
    assert_eq!(rep["frames_dropped"], 0, "{}", r.stderr);
    let a = &rep["audio"];
    assert!(a["source_failures"].as_u64().unwrap() >= 1, "{a}");
    assert!(a["silence_s"].as_f64().unwrap() > 5.0, "{a}");
    // Said once, clearly, however many retries failed.
    let lines: Vec<&str> = r.stderr.lines().filter(|l| l.contains("audio alsa:hw:57,0")).collect();
    assert_eq!(lines.len(), 1, "{}", r.stderr);
    assert!(lines[0].contains("silence"), "{}", lines[0]);
    // Every output still has its audio track (muxers and ingest need one).
    let (n, audio) = count_frames(&segments(&out, "vcam")[0]);
    assert_eq!(n, recorded(rep));
    assert!(audio, "no audio track in the recording");
    let _ = std::fs::remove_dir_all(&out);
}

/// Frames every recording and stream carries: each output frame once, plus the repeats of the
/// last frame that kept the rate while a frame was missing (`frames_repeated`).
fn recorded(rep: &serde_json::Value) -> u64 {
    rep["frames_out"].as_u64().unwrap() + rep["frames_repeated"].as_u64().unwrap_or(0)
}
