//! Recording with audio: both views in one run, HLS beside them, and the A/V offset of the
//! recording ≤ 20 ms — as the binary measures it (report) and as this test measures it by
//! decoding the file itself.

mod outputs_support;
use outputs_support::*;

#[test]
fn vcam_and_panorama_with_audio_in_sync_and_hls() {
    require_element("voaacenc", "gstreamer1.0-plugins-bad");
    require_element("hlssink2", "gstreamer1.0-plugins-bad");
    let out = out_dir("outputs-record");
    let cfg = out.join("pitchcam.toml");
    std::fs::write(&cfg, "[output]\npanorama_size = \"960x320\"\n").unwrap();
    let mut args = small_run(&out, 16);
    args.extend(
        ["--config", cfg.to_str().unwrap(), "--mode", "vcam", "--mode", "panorama", "--hls"]
            .iter()
            .map(|s| s.to_string()),
    );
    let r = run(&args);
    assert!(r.ok, "{}", r.stderr);
    let rep = &r.report;
    assert_eq!(rep["frames_dropped"], 0, "{}", r.stderr);
    // Every output frame, plus any repeat that kept the rate (see `frames_repeated`).
    let frames_out =
        rep["frames_out"].as_u64().unwrap() + rep["frames_repeated"].as_u64().unwrap_or(0);

    // The binary's own measurement.
    let sync = &rep["av_sync"];
    assert!(sync["paired"].as_u64().unwrap() >= 2, "too few kicks measured: {sync}");
    let off = rep["av_offset_ms"].as_f64().expect("av_offset_ms");
    assert!(off <= 20.0, "A/V offset {off} ms in the recording: {sync}");

    // Both views recorded, every frame, each with an audio track; the panorama at its size.
    for mode in ["vcam", "panorama"] {
        let segs = segments(&out, mode);
        assert_eq!(segs.len(), 1, "{mode}: {segs:?}");
        let (n, audio) = count_frames(&segs[0]);
        assert_eq!(n, frames_out, "{mode}: frames in the file vs frames output");
        assert!(audio, "{mode}: no audio track");
        let o = rep["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["kind"] == "record" && o["mode"] == mode)
            .unwrap();
        assert_eq!(o["video_frames"].as_u64().unwrap(), frames_out, "{o}");
        assert_eq!(o["video_dropped"], 0, "{o}");
        assert_eq!(o["audio_dropped"], 0, "{o}");
    }

    // This test's own measurement, on the decoded vcam file: last frame ↔ last capture PTS.
    let rec = output(rep, "record");
    let pulled = Pull::start(&format!(
        "filesrc location=\"{}\" ! matroskademux name=d",
        segments(&out, "vcam")[0].display()
    ))
    .finish(std::time::Duration::from_secs(3));
    assert_eq!(pulled.video.len() as u64, frames_out);
    let d = av_offsets(
        &pulled,
        &kicks(rep),
        Anchor::First(rec["first_video_pts_ns"].as_u64().unwrap()),
    );
    assert!(d.len() >= 2, "too few kicks paired in the file: {d:?}");
    let worst = d.iter().map(|v| v.unsigned_abs()).max().unwrap() as f64 / 1e6;
    assert!(worst <= 20.0, "A/V offsets in the file (ns): {d:?}");
    eprintln!(
        "recording A/V offsets (ms): {:?}",
        d.iter().map(|v| *v as f64 / 1e6).collect::<Vec<_>>()
    );

    // HLS: a playlist a local player opens, segments with video and audio.
    let playlist = std::fs::read_to_string(out.join("hls/playlist.m3u8")).unwrap();
    assert!(playlist.starts_with("#EXTM3U"), "{playlist}");
    let first_seg = playlist.lines().find(|l| l.ends_with(".ts")).expect("segments listed");
    let seg = out.join("hls").join(first_seg.rsplit('/').next().unwrap());
    let (n, audio) = count_frames(&seg);
    assert!(n > 0 && audio, "{}: {n} frames, audio {audio}", seg.display());
    let hls = output(rep, "hls");
    assert_eq!(hls["video_dropped"], 0, "{hls}");
    // A/V in the HLS output: its segments end to end (MPEG-TS concatenates), measured like the
    // recording, from its first frame.
    let mut ts = Vec::new();
    let mut segs: Vec<_> = std::fs::read_dir(out.join("hls"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ts"))
        .collect();
    segs.sort();
    for p in &segs {
        ts.extend(std::fs::read(p).unwrap());
    }
    let all = out.join("hls-all.ts");
    std::fs::write(&all, ts).unwrap();
    let pulled = Pull::start(&format!("filesrc location=\"{}\" ! tsdemux name=d", all.display()))
        .finish(std::time::Duration::from_secs(3));
    assert_eq!(pulled.video.len() as u64, hls["video_frames"].as_u64().unwrap(), "HLS frames");
    let d = av_offsets(
        &pulled,
        &kicks(rep),
        Anchor::First(hls["first_video_pts_ns"].as_u64().unwrap()),
    );
    assert!(d.len() >= 2, "too few kicks paired in the HLS output: {d:?}");
    let worst = d.iter().map(|v| v.unsigned_abs()).max().unwrap() as f64 / 1e6;
    assert!(worst <= 20.0, "A/V offsets in the HLS output (ns): {d:?}");
    let _ = std::fs::remove_dir_all(&out);
}
