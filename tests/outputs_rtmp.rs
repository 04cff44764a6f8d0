//! RTMP against a real server: nginx with its RTMP module on loopback, started by the test.
//! pitchcam streams to it; the test pulls the stream back with GStreamer (rtmp2src → flvdemux)
//! and checks video, audio and their sync; then kills the server mid-run and restarts it: the
//! stream comes back, the recording has no gap, and the stream key appears nowhere. A server that
//! is down when pitchcam starts is streamed to once it is up; one that accepts and then never
//! reads costs counted stream frames, never the recording.

mod outputs_support;
use outputs_support::*;
use std::time::Duration;

const KEY: &str = "s3cr3t-k3y-4711";

#[test]
fn stream_is_pulled_back_with_audio_in_sync() {
    let _turn = serial();
    require_element("rtmp2sink", "gstreamer1.0-plugins-bad");
    require_element("rtmp2src", "gstreamer1.0-plugins-bad");
    let nginx = Nginx::start("rtmp-pull");
    let url = nginx.url(KEY);
    // The subscriber waits for the publisher: the pull sees the stream from its first frame.
    let pull = Pull::start(&format!("rtmp2src location={url} ! flvdemux name=d"));
    std::thread::sleep(Duration::from_millis(500));
    let out = out_dir("outputs-rtmp-pull");
    let mut args = small_run(&out, 14);
    args.extend(["--stream".to_string(), url.clone()]);
    let r = run(&args);
    let pulled = pull.finish(Duration::from_secs(2));
    assert!(r.ok, "{}", r.stderr);
    let rep = &r.report;
    let o = output(rep, "rtmp");
    assert_eq!(o["failures"], 0, "{o}\n{}", r.stderr);
    assert_eq!(o["video_dropped"], 0, "{o}");
    let sent = o["video_frames"].as_u64().unwrap();
    assert_eq!(sent, recorded(rep));
    // Every frame sent came back, at the frame rate, with audio beside it — but for the very
    // last one or two, which the publisher's disconnect at stop may cut off (seen here now and
    // then: the server does not relay the final chunk). The start is intact (the first pulled
    // frame is at FLV time 0, where flvmux put the first frame it muxed).
    assert!(
        (sent.saturating_sub(2)..=sent).contains(&(pulled.video.len() as u64)),
        "pulled {} of {sent} (pull {:?}..{:?}, errors {:?}); {o}",
        pulled.video.len(),
        pulled.video.first(),
        pulled.video.last(),
        pulled.errors
    );
    // Contiguous, unless the run itself skipped frames (a late tick on this shared machine).
    let skipped = rep["frames_dropped"].as_u64().unwrap();
    let gaps = pulled.video.windows(2).filter(|w| w[1] - w[0] > 37_000_000).count() as u64;
    assert!(
        gaps <= skipped,
        "{gaps} gaps in the pulled video, {skipped} frames skipped by the run"
    );
    let span = pulled.video.last().unwrap() - pulled.video[0];
    let audio_s = pulled.audio.len() as f64 / 48_000.0;
    assert!(audio_s > span as f64 / 1e9 - 0.2, "audio {audio_s} s for video {span} ns");
    let d =
        av_offsets(&pulled, &kicks(rep), Anchor::First(o["first_video_pts_ns"].as_u64().unwrap()));
    assert!(d.len() >= 2, "too few kicks paired in the RTMP pull: {d:?}");
    let worst = d.iter().map(|v| v.unsigned_abs()).max().unwrap() as f64 / 1e6;
    assert!(worst <= 20.0, "A/V offsets in the RTMP pull (ns): {d:?}");
    eprintln!(
        "RTMP pull A/V offsets (ms): {:?}",
        d.iter().map(|v| *v as f64 / 1e6).collect::<Vec<_>>()
    );
    // The key is a secret.
    let report_text = std::fs::read_to_string(out.join("report.json")).unwrap();
    assert!(!r.stderr.contains(KEY), "stream key in the log:\n{}", r.stderr);
    assert!(!report_text.contains(KEY), "stream key in report.json");
    assert!(o["target"].as_str().unwrap().ends_with("/live/***"), "{o}");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn server_killed_and_restarted_stream_resumes_recording_has_no_gap() {
    let _turn = serial();
    require_element("rtmp2sink", "gstreamer1.0-plugins-bad");
    let mut nginx = Nginx::start("rtmp-restart");
    let url = nginx.url(KEY);
    let out = out_dir("outputs-rtmp-restart");
    let mut args = small_run(&out, 26);
    // A second stream beside it (an SRT listener nobody calls): untouched by the first's fall.
    let srt = format!("srt://127.0.0.1:{}?mode=listener", free_udp_port());
    args.extend(["--stream".to_string(), url.clone(), "--stream".to_string(), srt]);
    let child = spawn(&args, &out);
    std::thread::sleep(Duration::from_secs(7));
    nginx.kill();
    std::thread::sleep(Duration::from_secs(4));
    nginx.restart();
    // After the restart, a viewer gets the stream again.
    let pull = Pull::start(&format!("rtmp2src location={url} ! flvdemux name=d"));
    let r = finish(child, &out);
    let pulled = pull.finish(Duration::from_secs(1));
    assert!(r.ok, "{}", r.stderr);
    let rep = &r.report;
    let o = output(rep, "rtmp");
    assert!(o["failures"].as_u64().unwrap() >= 1, "the kill was not noticed: {o}");
    assert!(o["restarts"].as_u64().unwrap() >= 1, "{o}");
    assert_eq!(o["state"], "up", "the stream did not come back: {o}\n{}", r.stderr);
    assert!(
        pulled.video.len() > 60,
        "after the restart only {} frames were pulled",
        pulled.video.len()
    );
    let srt = output(rep, "srt");
    assert_eq!(srt["failures"], 0, "{srt}");
    assert_eq!(srt["video_frames"].as_u64(), Some(recorded(rep)), "{srt}");
    // Logged once per state change: one "down", one "back".
    let downs = r.stderr.lines().filter(|l| l.contains("(rtmp) down")).count();
    let backs = r.stderr.lines().filter(|l| l.contains("(rtmp) is back")).count();
    assert_eq!((downs, backs), (1, 1), "{}", r.stderr);
    // The recording did not notice: every frame output is in the file, none dropped.
    assert_eq!(rep["frames_dropped"], 0, "{}", r.stderr);
    let frames_out = recorded(rep);
    let rec = output(rep, "record");
    assert_eq!(rec["failures"], 0, "{rec}");
    assert_eq!(rec["video_dropped"], 0, "{rec}");
    assert_eq!(rec["video_frames"].as_u64().unwrap(), frames_out, "{rec}");
    let segs = segments(&out, "vcam");
    let in_files: u64 = segs.iter().map(|s| count_frames(s).0).sum();
    assert_eq!(in_files, frames_out, "frames in {segs:?}");
    assert!(
        !r.stderr.contains(KEY)
            && !std::fs::read_to_string(out.join("report.json")).unwrap().contains(KEY)
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn server_down_at_start_is_streamed_to_once_it_is_up() {
    let _turn = serial();
    require_element("rtmp2sink", "gstreamer1.0-plugins-bad");
    require_element("rtmp2src", "gstreamer1.0-plugins-bad");
    // Nothing listens on the port when pitchcam starts: the connection is refused.
    let port = free_port();
    let url = format!("rtmp://127.0.0.1:{port}/live/{KEY}");
    let out = out_dir("outputs-rtmp-late-server");
    let mut args = small_run(&out, 22);
    args.extend(["--stream".to_string(), url.clone()]);
    let child = spawn(&args, &out);
    std::thread::sleep(Duration::from_secs(6));
    let _nginx = Nginx::start_on("rtmp-late", port);
    let pull = Pull::start(&format!("rtmp2src location={url} ! flvdemux name=d"));
    let r = finish(child, &out);
    let pulled = pull.finish(Duration::from_secs(1));
    assert!(r.ok, "{}", r.stderr);
    let rep = &r.report;
    let o = output(rep, "rtmp");
    assert!(o["failures"].as_u64().unwrap() >= 1, "the refused start was not noticed: {o}");
    assert_eq!(o["state"], "up", "the stream never came up: {o}\n{}", r.stderr);
    assert!(o["video_frames"].as_u64().unwrap() > 0, "{o}");
    assert!(pulled.video.len() > 60, "only {} frames reached a viewer", pulled.video.len());
    assert!(!pulled.audio.is_empty(), "no audio reached a viewer");
    // The recording did not notice.
    assert_eq!(rep["frames_dropped"], 0, "{}", r.stderr);
    let rec = output(rep, "record");
    assert_eq!((rec["failures"].as_u64(), rec["video_dropped"].as_u64()), (Some(0), Some(0)));
    let in_files: u64 = segments(&out, "vcam").iter().map(|s| count_frames(s).0).sum();
    assert_eq!(in_files, recorded(rep));
    assert!(!r.stderr.contains(KEY));
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn stalled_server_never_stalls_the_recording() {
    let _turn = serial();
    require_element("rtmp2sink", "gstreamer1.0-plugins-bad");
    // A server that accepts connections and then never reads or answers: the worst kind.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let mut conns = Vec::new();
        listener.set_nonblocking(true).unwrap();
        let t = std::time::Instant::now();
        while t.elapsed() < Duration::from_secs(20) {
            if let Ok((c, _)) = listener.accept() {
                conns.push(c);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        conns.len()
    });
    let out = out_dir("outputs-rtmp-stalled");
    let mut args = small_run(&out, 12);
    args.extend(["--stream".to_string(), format!("rtmp://127.0.0.1:{port}/live/{KEY}")]);
    let r = run(&args);
    assert!(held.join().unwrap() >= 1, "pitchcam never connected");
    assert!(r.ok, "{}", r.stderr);
    let rep = &r.report;
    let o = output(rep, "rtmp");
    // What the stream could not take is counted, not queued without bound.
    assert!(o["video_dropped"].as_u64().unwrap() > 0, "{o}");
    // Capture, playback and the recording did not notice.
    assert_eq!(rep["frames_dropped"], 0, "{}", r.stderr);
    let rec = output(rep, "record");
    assert_eq!(rec["video_frames"].as_u64(), Some(recorded(rep)), "{rec}");
    assert_eq!(rec["video_dropped"], 0, "{rec}");
    assert!(!r.stderr.contains(KEY));
    let _ = std::fs::remove_dir_all(&out);
}

/// Frames every recording and stream carries: each output frame once, plus the repeats of the
/// last frame that kept the rate while a frame was missing (`frames_repeated`).
fn recorded(rep: &serde_json::Value) -> u64 {
    rep["frames_out"].as_u64().unwrap() + rep["frames_repeated"].as_u64().unwrap_or(0)
}
