//! SRT on loopback, both ways round: pitchcam as caller to a listener the test runs, and
//! pitchcam as listener that the test calls. The stream is pulled back (srtsrc → tsdemux) and
//! checked for video, audio and their sync.

mod outputs_support;
use outputs_support::*;
use std::time::Duration;

fn check(r: &Run, pulled: &Pulled, min_frames: usize, from_start: bool) {
    assert!(r.ok, "{}", r.stderr);
    let rep = &r.report;
    let o = output(rep, "srt");
    assert_eq!(o["failures"], 0, "{o}\n{}", r.stderr);
    let sent = o["video_frames"].as_u64().unwrap() as usize;
    assert!(
        pulled.video.len() >= min_frames,
        "pulled {} of {sent}: {:?}",
        pulled.video.len(),
        pulled.errors
    );
    assert!(pulled.video.len() <= sent);
    // Contiguous from the first frame received to the last, unless the run itself skipped
    // frames (a late playback tick on this shared machine: counted in the report).
    let skipped = rep["frames_dropped"].as_u64().unwrap();
    let gaps = pulled.video.windows(2).filter(|w| w[1] - w[0] > 37_000_000).count() as u64;
    assert!(
        gaps <= skipped,
        "{gaps} gaps in the pulled video, {skipped} frames skipped by the run: {o}"
    );
    assert!(!pulled.audio.is_empty(), "no audio in the SRT stream");
    if !from_start {
        return;
    }
    // The viewer was listening first and the caller waits for the handshake: the first frame
    // pulled is the branch's first.
    assert_eq!(pulled.video.len(), sent.min(pulled.video.len()));
    let d =
        av_offsets(pulled, &kicks(rep), Anchor::First(o["first_video_pts_ns"].as_u64().unwrap()));
    assert!(d.len() >= 2, "too few kicks paired in the SRT pull: {d:?}");
    let worst = d.iter().map(|v| v.unsigned_abs()).max().unwrap() as f64 / 1e6;
    assert!(worst <= 20.0, "A/V offsets in the SRT pull (ns): {d:?}");
    eprintln!(
        "SRT pull A/V offsets (ms): {:?}",
        d.iter().map(|v| *v as f64 / 1e6).collect::<Vec<_>>()
    );
}

#[test]
fn caller_to_a_listener() {
    let _turn = serial();
    require_element("srtsink", "gstreamer1.0-plugins-bad");
    let port = free_udp_port();
    let pull = Pull::start(&format!(
        "srtsrc uri=srt://127.0.0.1:{port}?mode=listener&latency=500 ! tsdemux name=d"
    ));
    std::thread::sleep(Duration::from_millis(500));
    let out = out_dir("outputs-srt-caller");
    let mut args = small_run(&out, 14);
    args.extend([
        "--no-record".into(),
        "--stream".into(),
        format!("srt://127.0.0.1:{port}?mode=caller&latency=500"),
    ]);
    let r = run(&args);
    let pulled = pull.finish(Duration::from_secs(2));
    let sent = output(&r.report, "srt")["video_frames"].as_u64().unwrap() as usize;
    // Nothing is lost at the start (the caller waits for the handshake); the last packets may
    // still be in flight when the socket closes.
    check(&r, &pulled, sent.saturating_sub(3), true);
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn listener_called_by_a_player() {
    let _turn = serial();
    require_element("srtsrc", "gstreamer1.0-plugins-bad");
    let port = free_udp_port();
    let out = out_dir("outputs-srt-listener");
    let mut args = small_run(&out, 14);
    args.extend([
        "--no-record".into(),
        "--stream".into(),
        format!("srt://127.0.0.1:{port}?mode=listener&latency=500"),
    ]);
    let child = spawn(&args, &out);
    std::thread::sleep(Duration::from_secs(3));
    let pull = Pull::start(&format!(
        "srtsrc uri=srt://127.0.0.1:{port}?mode=caller&latency=500 ! tsdemux name=d"
    ));
    let r = finish(child, &out);
    let pulled = pull.finish(Duration::from_secs(2));
    // The player joined a little after the start: most of the run, contiguous, in sync.
    check(&r, &pulled, 200, false);
    let _ = std::fs::remove_dir_all(&out);
}
