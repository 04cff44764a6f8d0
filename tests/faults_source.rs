//! Fault: the source fails, ends or falls silent mid-run (docs/faults.md, "Source lost").
//!
//! Defined behaviour: the output holds the last frame (playback repeats it, counted as
//! `frames_repeated`), the source is reopened with backoff (1 s, 2 s, 4 s… capped, one log line
//! per state change), the delay re-establishes itself, and the recording continues in a new
//! segment — every recorded frame decodes and the frames add up to what playback output.
//! A `file:` source that ends is not a fault: it plays out and the run stops.

mod faults_support;
use faults_support::*;

const LIVE_3S: &str = "gst:videotestsrc is-live=true num-buffers=90 ! video/x-raw,width=320,height=176,framerate=30/1";

fn events(r: &serde_json::Value) -> String {
    r["source_health"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_owned() + "\n")
        .collect()
}

/// A `gst:` source that ends (EOS) every 3 s is reopened every time, after 1 s.
#[test]
fn gst_source_that_ends_is_reopened_and_nothing_recorded_is_lost() {
    let dir = out_dir("fault-gst-eos");
    let cfg = ci_config(&dir, 60, "");
    let (_, r) = run_ok(
        &dir,
        &cfg,
        &["--source", LIVE_3S, "--duration", "13", "--camera-size", "320x180"],
        &[],
    );
    let ev = events(&r);
    println!("{ev}");
    let outages = num(&r, &["source_health", "outages"]);
    assert!(outages >= 2.0, "the 3-s source ended at least twice in 13 s: {ev}");
    assert!(num(&r, &["source_health", "reopened"]) >= 2.0, "{ev}");
    assert_eq!(num(&r, &["source_health", "failed_attempts"]), 0.0, "{ev}");
    assert!(ev.contains("the stream ended (EOS)") && ev.contains("reopening in 1 s"), "{ev}");
    assert!(ev.contains("back after"), "{ev}");
    assert!(r["errors"].as_array().unwrap().is_empty(), "{r:#}");
    // The output held during each outage …
    assert!(num(&r, &["frames_repeated"]) >= 15.0, "about 1 s held per outage: {r:#}");
    // … nothing the source delivered was refused …
    assert_eq!(num(&r, &["drops", "capture_queue_full"]), 0.0);
    assert_eq!(num(&r, &["drops", "ring_rejected"]), 0.0);
    assert_eq!(num(&r, &["ring", "late"]), 0.0);
    // … the delay is the configured one again after each reopen (scheduled, per frame) …
    let d = &r["delay_scheduled_range_s"];
    assert!(
        d[0].as_f64().unwrap() >= 2.0 - 1.0 / 30.0 && d[1].as_f64().unwrap() <= 2.0 + 1.0 / 30.0,
        "{d}"
    );
    // … and the recording splits at each return and holds every output frame.
    let n = assert_recording_complete(&dir, &r);
    assert!(n as f64 >= num(&r, &["source_health", "reopened"]), "a new segment per return: {n}");
}

/// The sim "unplugged" (an error, then 4 s of silence): the first reopen finds nothing (no frame
/// within the stall timeout) and the next waits twice as long — backoff — then it is back.
#[test]
fn sim_outage_with_error_reopens_with_backoff() {
    let dir = out_dir("fault-sim-outage");
    let cfg = ci_config(&dir, 60, "");
    let (_, r) =
        run_ok(&dir, &cfg, &["--duration", "22"], &[("PITCHCAM_FAULT_SIM_OUTAGE", "5:4:error")]);
    let ev = events(&r);
    println!("{ev}");
    assert_eq!(num(&r, &["source_health", "outages"]), 1.0, "{ev}");
    assert_eq!(num(&r, &["source_health", "reopened"]), 1.0, "{ev}");
    assert!(num(&r, &["source_health", "failed_attempts"]) >= 1.0, "{ev}");
    assert!(ev.contains("camera disconnected"), "the error is named: {ev}");
    assert!(
        ev.contains("reopening in 1 s") && ev.contains("next in 2 s"),
        "backoff 1 s, 2 s: {ev}"
    );
    let down = num(&r, &["source_health", "down_s"]);
    assert!((4.0..12.0).contains(&down), "down {down} s");
    assert!(!r["source_health"]["down_at_end"].as_bool().unwrap());
    assert!(num(&r, &["frames_repeated"]) >= 4.0 * 30.0, "held for the whole outage: {r:#}");
    assert_eq!(num(&r, &["drops", "capture_queue_full"]), 0.0);
    assert_eq!(num(&r, &["drops", "ring_rejected"]), 0.0);
    // The sim kept its timeline: the outage is one gap in the ring, never a restart.
    assert_eq!(num(&r, &["ring", "restarts"]), 0.0);
    assert!(num(&r, &["ring", "gaps"]) >= 1.0);
    let d = &r["delay_scheduled_range_s"];
    assert!(
        d[0].as_f64().unwrap() >= 2.0 - 1.0 / 30.0 && d[1].as_f64().unwrap() <= 2.0 + 1.0 / 30.0,
        "{d}"
    );
    let n = assert_recording_complete(&dir, &r);
    assert!(n >= 2, "the recording continues in a new segment: {n}");
}

/// Reconnection off: a live source that ends ends the run (cleanly, exit 0).
#[test]
fn without_reconnect_a_live_source_that_ends_ends_the_run() {
    let dir = out_dir("fault-no-reconnect");
    let cfg = ci_config(&dir, 60, "");
    set_source_key(&cfg, "reconnect = false");
    let (_, r) = run_ok(&dir, &cfg, &["--source", LIVE_3S, "--camera-size", "320x180"], &[]);
    assert_eq!(num(&r, &["source_health", "outages"]), 0.0);
    assert!(!r["source_health"]["reconnect"].as_bool().unwrap());
    assert!(num(&r, &["run_s"]) < 30.0, "ended by itself, not by a duration");
    assert_recording_complete(&dir, &r);
}

/// A file that ends is not a fault: it plays out its tail and the run stops, no reopen, no
/// repeated frame.
#[test]
fn a_file_that_ends_plays_out_and_stops() {
    let dir = out_dir("fault-file-end");
    let file = dir.join("clip.mkv");
    let st = std::process::Command::new("gst-launch-1.0")
        .args([
            "-q",
            "videotestsrc",
            "num-buffers=90",
            "!",
            "video/x-raw,width=320,height=176,framerate=30/1",
            "!",
            "x264enc",
            "!",
            "matroskamux",
            "!",
            "filesink",
        ])
        .arg(format!("location={}", file.display()))
        .status()
        .expect("gst-launch-1.0 (gstreamer1.0-tools: run scripts/setup)");
    assert!(st.success());
    let cfg = ci_config(&dir, 60, "");
    let (_, r) = run_ok(
        &dir,
        &cfg,
        &["--source", &format!("file:{}", file.display()), "--camera-size", "320x180"],
        &[],
    );
    assert_eq!(num(&r, &["source_health", "outages"]), 0.0);
    assert_eq!(num(&r, &["source_health", "reopen_attempts"]), 0.0);
    assert_eq!(num(&r, &["frames_in"]), 90.0);
    assert_eq!(num(&r, &["frames_out"]), 90.0, "the whole file, its last 2 s included");
    assert_eq!(num(&r, &["frames_repeated"]), 0.0);
    assert_recording_complete(&dir, &r);
}

/// A source slow to deliver its first frame (the sim's first 3 s withheld) is starting, not
/// lost: the stall timeout applies from the first frame on (a 5700×1900 sim paints its 4 GB pool
/// for seconds before its first frame).
#[test]
fn a_slow_first_frame_is_not_an_outage() {
    let dir = out_dir("fault-slow-start");
    let cfg = ci_config(&dir, 60, "");
    let (_, r) = run_ok(&dir, &cfg, &["--duration", "9"], &[("PITCHCAM_FAULT_SIM_OUTAGE", "0:3")]);
    assert_eq!(num(&r, &["source_health", "outages"]), 0.0, "{}", events(&r));
    assert_eq!(num(&r, &["source_health", "reopen_attempts"]), 0.0);
    assert!(num(&r, &["frames_out"]) > 60.0, "{r:#}");
}
