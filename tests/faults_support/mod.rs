//! Shared by the soak, fault and bad-input tests: run the `pitchcam` binary on a small
//! configuration, read its report, and decode what it recorded.
#![allow(dead_code)]

use pitchcam::gst::{self, MessageType, MessageView, Pipeline, ProbeReturn, ProbeType, State};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_pitchcam");

/// A fresh output folder under the temp dir, unique to this test.
pub fn out_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pitchcam-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// A config for a CI-sized run: 960×320 sim, 2 s delay, 640×360 camera, `segment_s` segments,
/// plus `extra` TOML lines appended.
pub fn ci_config(dir: &Path, segment_s: u32, extra: &str) -> PathBuf {
    let p = dir.join("ci.toml");
    let text = format!(
        "[source]\nresolution = \"960x320\"\n[delay]\nseconds = 2.0\n[camera]\nsize = \"640x360\"\n\
         [output]\nsegment_s = {segment_s}\nvcam_bitrate_kbps = 1500\n{extra}\n"
    );
    // TOML tables may not repeat: `extra` adds keys via dotted tables ([source.x] is not used).
    std::fs::write(&p, text).expect("config");
    p
}

/// Adds `line` (e.g. `reconnect = false`) to the `[source]` table of a config from [`ci_config`].
pub fn set_source_key(cfg: &Path, line: &str) {
    let t = std::fs::read_to_string(cfg).expect("config");
    std::fs::write(cfg, t.replace("[source]\n", &format!("[source]\n{line}\n"))).expect("config");
}

/// Runs `pitchcam` with `args` and extra environment, to completion.
pub fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("running pitchcam")
}

/// `pitchcam run --config CFG --out DIR ARGS…` with extra environment; the run must succeed.
/// Returns its output (for the log) and its report.
pub fn run_ok(
    dir: &Path,
    cfg: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (Output, serde_json::Value) {
    let mut all = vec!["run", "--config", cfg.to_str().unwrap(), "--out", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    let o = run(&all, env);
    assert!(o.status.success(), "{}", text(&o));
    let r = report(dir);
    (o, r)
}

/// stdout + stderr as text.
pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The report of a run.
pub fn report(dir: &Path) -> serde_json::Value {
    let t = std::fs::read_to_string(dir.join("report.json"))
        .unwrap_or_else(|e| panic!("no report.json in {}: {e}", dir.display()));
    serde_json::from_str(&t).expect("report.json is JSON")
}

/// A number in the report (`["drops", "capture_queue_full"]`).
pub fn num(r: &serde_json::Value, path: &[&str]) -> f64 {
    let mut v = r;
    for p in path {
        v = &v[*p];
    }
    v.as_f64().unwrap_or_else(|| panic!("report has no number at {path:?}: {r:#}"))
}

/// One decoded file.
#[derive(Debug, Default, Clone)]
pub struct Decoded {
    /// Frames the demuxer delivered (after h264parse).
    pub frames: u64,
    /// Frames the decoder produced.
    pub decoded: u64,
    /// PTS of every demuxed frame, in order.
    pub pts: Vec<u64>,
    /// The error that ended reading, if any.
    pub error: Option<String>,
}

impl Decoded {
    /// Steps between consecutive PTS where a frame is missing (a step of 1.5 periods or more)
    /// or two frames crowd one slot (half a period or less), with 1.5 ms for Matroska's
    /// millisecond timestamps. A step in between is one frame: a live source's own phase, which
    /// shifts when it is reopened, moves it away from exactly one period.
    pub fn gaps(&self, period_ns: u64) -> usize {
        let mut p = self.pts.clone();
        p.sort_unstable();
        let (lo, hi) = (period_ns as f64 * 0.5 - 1.5e6, period_ns as f64 * 1.5 + 1.5e6);
        p.windows(2).filter(|w| !(lo..hi).contains(&((w[1] - w[0]) as f64))).count()
    }
}

/// Demuxes and decodes a recording (mkv or mp4) to the end, or to the first error.
pub fn decode(path: &Path) -> Decoded {
    gst::init().expect("GStreamer");
    let demux =
        if path.extension().is_some_and(|e| e == "mp4") { "qtdemux" } else { "matroskademux" };
    let p = Pipeline::parse(&format!(
        "filesrc location=\"{}\" ! {demux} ! h264parse ! identity name=parsed ! avdec_h264 ! \
         fakesink name=out sync=false",
        path.display()
    ))
    .expect("decode pipeline (avdec_h264 is in gstreamer1.0-libav: run scripts/setup)");
    let res = Arc::new(Mutex::new(Decoded::default()));
    let (r1, r2) = (res.clone(), res.clone());
    p.by_name("parsed")
        .unwrap()
        .static_pad("src")
        .unwrap()
        .add_probe(ProbeType::BUFFER, move |i| {
            if let Some(b) = i.buffer() {
                let mut r = r1.lock().unwrap();
                r.frames += 1;
                r.pts.push(b.pts().unwrap_or(u64::MAX));
            }
            ProbeReturn::Ok
        })
        .unwrap();
    p.by_name("out")
        .unwrap()
        .static_pad("sink")
        .unwrap()
        .add_probe(ProbeType::BUFFER, move |i| {
            if i.buffer().is_some() {
                r2.lock().unwrap().decoded += 1;
            }
            ProbeReturn::Ok
        })
        .unwrap();
    let mut err = None;
    if let Err(e) = p.set_state(State::Playing) {
        err = Some(e.to_string());
    } else {
        let m = p
            .bus()
            .timed_pop_filtered(Some(120_000_000_000), MessageType::EOS | MessageType::ERROR);
        match m.as_ref().map(|m| m.view()) {
            Some(MessageView::Eos) => {}
            Some(MessageView::Error(e)) => err = Some(e.to_string()),
            _ => err = Some("no end of stream within 120 s".into()),
        }
    }
    p.set_state(State::Null).unwrap();
    let mut d = res.lock().unwrap().clone();
    d.error = err;
    d
}

/// The recorded files of `mode` in `dir`, in order.
pub fn segments(dir: &Path, mode: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.starts_with(&format!("{mode}-")) && (n.ends_with(".mkv") || n.ends_with(".mp4"))
        })
        .collect();
    v.sort();
    v
}

/// Decodes every segment of the run in `dir` and checks what nothing-lost means: each one reads
/// to its end, every demuxed frame decodes, the frames add up to what playback output
/// (`frames_out + frames_repeated`), and inside each segment PTS step by one frame period —
/// except where a late playback tick (counted in `late_ticks`) skipped ahead. Returns the
/// number of segments.
pub fn assert_recording_complete(dir: &Path, r: &serde_json::Value) -> usize {
    let segs = segments(dir, "vcam");
    assert!(!segs.is_empty(), "no recording in {}", dir.display());
    let period = 1_000_000_000 / 30;
    let (mut frames, mut gaps) = (0, 0);
    for s in &segs {
        let d = decode(s);
        assert!(d.error.is_none(), "{}: {:?}", s.display(), d.error);
        assert_eq!(d.frames, d.decoded, "{}: every demuxed frame decodes", s.display());
        frames += d.frames;
        gaps += d.gaps(period);
    }
    let expected = num(r, &["frames_out"]) + num(r, &["frames_repeated"]);
    assert_eq!(frames as f64, expected, "recorded frames = frames_out + frames_repeated");
    let late = num(r, &["late_ticks"]);
    assert!(
        gaps as f64 <= late,
        "{gaps} gaps in the recording, only {late} late ticks explain gaps"
    );
    segs.len()
}
