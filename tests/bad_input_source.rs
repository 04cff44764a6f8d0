//! Bad input: sources. A source that does not exist, is not video, or delivers caps the
//! pipeline cannot take is refused at start with exit 2 and the reason (from GStreamer's bus,
//! not "failed to change state"); never a panic. Timestamps that are missing, repeat or jump
//! backwards have a defined behaviour and are counted (docs/faults.md).

mod faults_support;
use faults_support::*;

fn refused(source: &str, expect: &[&str]) {
    let dir = out_dir("badsrc");
    let o = run(
        &[
            "run",
            "--source",
            source,
            "--duration",
            "10",
            "--delay",
            "1",
            "--out",
            dir.to_str().unwrap(),
            "--camera-size",
            "320x180",
        ],
        &[],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{source:?} must be refused with exit 2:\n{t}");
    assert!(!t.contains("panicked"), "{t}");
    for e in expect {
        assert!(t.contains(e), "{source:?}: the message must mention {e:?}:\n{t}");
    }
    assert!(!t.contains("failed to change state"), "the bus's reason, not the state change: {t}");
}

#[test]
fn a_file_that_does_not_exist() {
    refused("file:/nonexistent/match.mkv", &["/nonexistent/match.mkv", "No such file"]);
}

#[test]
fn a_folder_is_not_a_file() {
    refused(&format!("file:{}", std::env::temp_dir().display()), &["not a regular file"]);
}

#[test]
fn a_text_file_is_not_video() {
    let dir = out_dir("badsrc-text");
    let p = dir.join("notes.txt");
    std::fs::write(&p, "kick-off at 15:00\n".repeat(100)).unwrap();
    refused(&format!("file:{}", p.display()), &["text file"]);
}

#[test]
fn an_audio_only_file_has_no_video() {
    let dir = out_dir("badsrc-audio");
    let p = dir.join("crowd.wav");
    let st = std::process::Command::new("gst-launch-1.0")
        .args(["-q", "audiotestsrc", "num-buffers=50", "!", "wavenc", "!", "filesink"])
        .arg(format!("location={}", p.display()))
        .status()
        .expect("gst-launch-1.0 (gstreamer1.0-tools: run scripts/setup)");
    assert!(st.success());
    refused(&format!("file:{}", p.display()), &["no video stream"]);
}

#[test]
fn odd_frame_sizes_are_refused() {
    refused("gst:videotestsrc ! video/x-raw,width=321,height=175", &["321x175", "even"]);
}

#[test]
fn formats_the_pipeline_cannot_take() {
    refused("gst:audiotestsrc", &["could not link"]);
    refused(
        "gst:videotestsrc ! video/x-bayer,format=rggb,width=320,height=176",
        &["video/x-bayer"],
    );
}

#[test]
fn broken_descriptions_and_devices() {
    refused("gst:videotestsrc ! ! fakesink", &["syntax error"]);
    refused("gst:nosuchsrc_xyz", &["nosuchsrc_xyz"]);
    refused("camera:/dev/video-pitchcam-none", &["/dev/video-pitchcam-none"]);
    refused("rtsp://127.0.0.1:9/none", &["127.0.0.1:9"]);
}

/// A source that negotiates but never delivers a frame: defined as an outage — retried with
/// backoff while the run lasts, reported, exit 0 (a camera that is slow to come up at boot gets
/// its chance).
#[test]
fn a_source_without_frames_is_retried() {
    let dir = out_dir("badsrc-noframes");
    let o = run(
        &[
            "run",
            "--source",
            "gst:videotestsrc num-buffers=0 ! video/x-raw,width=320,height=176",
            "--duration",
            "6",
            "--delay",
            "1",
            "--out",
            dir.to_str().unwrap(),
            "--camera-size",
            "320x180",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    let r = report(&dir);
    assert_eq!(num(&r, &["frames_in"]), 0.0);
    assert_eq!(num(&r, &["frames_out"]), 0.0);
    assert!(num(&r, &["source_health", "reopen_attempts"]) >= 2.0, "{r:#}");
    assert!(r["source_health"]["down_at_end"].as_bool().unwrap());
}

fn run_counted(source: &str, name: &str) -> serde_json::Value {
    run_counted_with(source, name, false)
}

fn run_counted_with(source: &str, name: &str, reconnect: bool) -> serde_json::Value {
    let dir = out_dir(name);
    let cfg = ci_config(&dir, 60, "");
    set_source_key(&cfg, &format!("reconnect = {reconnect}"));
    let (o, r) = run_ok(
        &dir,
        &cfg,
        &["--source", source, "--duration", "12", "--camera-size", "320x180"],
        &[],
    );
    assert!(!text(&o).contains("panicked"));
    r
}

/// Missing timestamps: raw frames parsed without a frame rate carry no PTS after the first.
/// Defined: a frame without PTS cannot be placed on the delay timeline; it is refused and
/// counted (`ring.no_pts`, `drops.ring_rejected`); the output holds the last good frame.
#[test]
fn missing_timestamps_are_refused_and_counted() {
    let dir = out_dir("badts-raw");
    let raw = dir.join("frames.nv12");
    std::fs::write(&raw, vec![128u8; 320 * 176 * 3 / 2 * 30]).unwrap();
    let r = run_counted_with(
        &format!(
            "gst:filesrc location={} ! rawvideoparse width=320 height=176 format=nv12 framerate=0/1",
            raw.display()
        ),
        "badts-none",
        // The 30 frames arrive at once (nothing to sync on) and the source ends; reopened, it
        // plays again until the run's end, so the ring sees whole passes.
        true,
    );
    let no_pts = num(&r, &["ring", "no_pts"]);
    assert!(no_pts >= 29.0, "{r:#}");
    assert_eq!(num(&r, &["drops", "ring_rejected"]), no_pts);
    assert!(num(&r, &["source_health", "reopened"]) >= 1.0, "{r:#}");
    assert!(r["errors"].as_array().unwrap().is_empty(), "{r:#}");
}

/// Repeated timestamps: every frame arrives twice (tee → funnel). Defined: the copy is refused
/// and counted — as a duplicate when it comes right after its original, as late when the other
/// branch ran ahead — and each frame is shown once.
#[test]
fn repeated_timestamps_are_refused_and_counted() {
    let r = run_counted_with(
        "gst:videotestsrc is-live=true num-buffers=60 ! video/x-raw,width=320,height=176,framerate=30/1 ! \
         tee name=t t. ! queue ! f. t. ! queue ! f. funnel name=f",
        "badts-dup",
        true,
    );
    let refused = num(&r, &["ring", "duplicates"]) + num(&r, &["ring", "late"]);
    assert!(refused >= 60.0, "{r:#}");
    assert_eq!(num(&r, &["drops", "ring_rejected"]), refused);
    // Every frame came twice; the ring stored one of each (up to the copies still queued at
    // the stop).
    let stored = num(&r, &["frames_in"]) - refused;
    assert!(stored <= num(&r, &["frames_in"]) / 2.0 + 2.0, "{r:#}");
    assert!(r["errors"].as_array().unwrap().is_empty(), "{r:#}");
}

/// Timestamps that jump backwards: two clips concatenated without adjusting the second's
/// timeline. A step back of less than 1 s: the frames behind the newest are refused as late
/// (`ring.late`). More than 1 s: a stream restart (`ring.restarts`); the new timeline's frames
/// are in the past for the schedule, so the output holds. Counted either way, never a crash.
#[test]
fn timestamps_jumping_back_are_counted() {
    let clip = |n: u32| {
        format!(
            "videotestsrc num-buffers={n} ! video/x-raw,width=320,height=176,framerate=30/1 ! c. "
        )
    };
    // Small step back: first clip 0.5 s, second from 0 again.
    let r = run_counted(
        &format!("gst:{}{}concat name=c adjust-base=false", clip(15), clip(45)),
        "badts-late",
    );
    assert_eq!(num(&r, &["frames_in"]), 60.0);
    // The second clip's frames 0..13 are behind the first clip's last (14): late; its frame 14
    // has the same timestamp: a duplicate; 15.. are stored.
    assert_eq!(num(&r, &["ring", "late"]), 14.0, "{r:#}");
    assert_eq!(num(&r, &["ring", "duplicates"]), 1.0, "{r:#}");
    assert_eq!(num(&r, &["ring", "restarts"]), 0.0);
    assert_eq!(
        num(&r, &["frames_out"]) + num(&r, &["frames_in_window_at_stop"]),
        45.0,
        "15 + the 30 frames past the first clip's end"
    );
    // Big step back: 2 s, then 0 again. The second clip is all in the past, so it arrives at
    // once and the source ends; reconnection (on) replays the source until the run's 12 s end,
    // so playback is still running when the restarted frames reach the ring.
    let r = run_counted_with(
        &format!("gst:{}{}concat name=c adjust-base=false", clip(60), clip(30)),
        "badts-restart",
        true,
    );
    assert!(num(&r, &["ring", "restarts"]) >= 1.0, "{r:#}");
    assert!(r["errors"].as_array().unwrap().is_empty(), "{r:#}");
}
