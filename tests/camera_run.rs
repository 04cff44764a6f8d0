//! The virtual camera's proof surface, end to end: one short sim run with `--log-observations`
//! (small panorama, short delay), then its `report.json` camera section, its `camera.png` and
//! `pitchcam replay` over its `observations.bin`.
//!
//! The run is shared by every test of this file (run once, on first use).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const BIN: &str = env!("CARGO_BIN_EXE_pitchcam");

fn out_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pitchcam-camera-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn pitchcam(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("run the pitchcam binary")
}

fn ok(o: &Output) -> String {
    let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "pitchcam failed ({}):\n{out}\n{err}", o.status);
    assert!(!err.contains("panicked"), "{err}");
    out.into_owned()
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The shared run: 24 s of a 960×320 sim match (seed 1: the ball travels from the first
/// seconds on, so the camera must move), 2 s delay, observations logged.
fn run() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = out_dir("run");
        // One limit from the config file: it must reach the planner, the report and the log
        // (so a replay with the run's settings applies it too).
        let config =
            std::env::temp_dir().join(format!("pitchcam-camera-run-{}.toml", std::process::id()));
        std::fs::write(&config, "[camera.limits]\nlead_s = 0.35\n").unwrap();
        ok(&pitchcam(&[
            "run",
            "--config",
            config.to_str().unwrap(),
            "--resolution",
            "960x320",
            "--delay",
            "2",
            "--duration",
            "24",
            "--seed",
            "1",
            "--no-record",
            "--no-realtime",
            "--log-observations",
            "--out",
            dir.to_str().unwrap(),
        ]));
        let _ = std::fs::remove_file(&config);
        dir
    })
}

fn f(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} is not a number: {v}"))
}

#[test]
fn run_report_has_a_camera_section_in_range() {
    let r = json(&run().join("report.json"));
    let c = &r["camera"];
    assert_eq!(c["ground_truth"], "sim", "{c}");
    assert_eq!((c["preset"].as_str(), c["lookahead"].as_bool()), (Some("broadcast"), Some(true)));
    assert_eq!(c["limits"], serde_json::json!({"lead_s": 0.35}), "the config file's limit");
    let frames = c["frames"].as_u64().unwrap();
    let out = r["frames_out"].as_u64().unwrap();
    // Every output frame is scored (the crop log is best effort, but never lossy at 30 fps).
    assert_eq!(frames, out, "{c}");
    assert!(frames > 400, "{frames} frames played in 24 s with a 2 s delay");
    let in_play = c["in_play_frames"].as_u64().unwrap();
    assert!(in_play > 0 && in_play <= frames);
    for k in ["ball_in_frame", "ball_in_safe_zone"] {
        assert!((0.0..=1.0).contains(&f(c, k)), "{k}: {c}");
    }
    assert!(f(c, "ball_in_safe_zone") <= f(c, "ball_in_frame"));
    // The top-level number is the camera section's, not a second computation.
    assert_eq!(r["ball_in_frame"], c["ball_in_frame"]);
    assert!(f(c, "offset_rms") >= 0.0 && f(c, "offset_p95") >= 0.0);
    let lag = f(c, "lag_ms");
    assert!(lag.abs() <= 1000.0, "lag is searched over ±30 frames: {lag}");
    for (p, max) in [("velocity_p99", "velocity_max"), ("accel_p99", "accel_max")] {
        // Histogram percentiles are at most 1/16 above the exact value.
        assert!(f(c, p) >= 0.0 && f(c, p) <= f(c, max) * 1.07 + 1.0, "{p} vs {max}: {c}");
    }
    for k in ["jerk_rms", "reversals_per_s", "zoom_rate_max", "rect_accel_max"] {
        assert!(f(c, k) >= 0.0 && f(c, k).is_finite(), "{k}: {c}");
    }
    assert!(f(c, "recovery_s_p95") >= 0.0 && f(c, "recovery_s_p95") <= f(c, "recovery_s_max"));
    // The crop never leaves a 960-wide panorama, so nothing can move faster than that in a frame.
    assert!(f(c, "velocity_max") < 960.0 * 30.0);
    assert!(c["bar_failures"].is_array());
    assert_eq!(r["capture"]["observation_queue_full"], 0, "the planner lost observations");
}

/// The PNG signature and IHDR chunk, read by hand.
fn ihdr(bytes: &[u8]) -> (u32, u32, u8, u8) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(u32::from_be_bytes(bytes[8..12].try_into().unwrap()), 13, "IHDR length");
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h, bytes[24], bytes[25])
}

/// Decodes an 8-bit RGB PNG into (width, pixels).
fn decode(path: &Path) -> (usize, Vec<[u8; 3]>) {
    let file = std::fs::File::open(path).unwrap();
    let mut reader = png::Decoder::new(std::io::BufReader::new(file)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.color_type, info.bit_depth), (png::ColorType::Rgb, png::BitDepth::Eight));
    let px = buf[..info.buffer_size()].chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
    (info.width as usize, px)
}

// The plot's colours (bin/plot.rs `colour`).
const BACKGROUND: [u8; 3] = [255, 255, 255];
const BAND: [u8; 3] = [196, 216, 246];
const CAMERA: [u8; 3] = [25, 80, 190];
const BALL: [u8; 3] = [225, 50, 25];

fn check_plot(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // 8-bit RGB (colour type 2), 1600×900.
    assert_eq!(ihdr(&bytes), (1600, 900, 8, 2));
    let (w, px) = decode(path);
    assert_eq!((w, px.len()), (1600, 1600 * 900));
    assert_eq!(px[0], BACKGROUND, "top-left corner");
    // Both panels (upper and lower half, below the legend) hold the crop band, the camera
    // centre and the true ball.
    for (name, rows) in [("x panel", 120..470), ("y panel", 500..830)] {
        let count = |c: [u8; 3]| {
            rows.clone()
                .flat_map(|y| (0..w).map(move |x| y * w + x))
                .filter(|&i| px[i] == c)
                .count()
        };
        assert!(count(BAND) > 20_000, "{name}: crop band {}", count(BAND));
        assert!(count(CAMERA) > 500, "{name}: camera line {}", count(CAMERA));
        assert!(count(BALL) > 300, "{name}: ball line {}", count(BALL));
    }
}

#[test]
fn run_writes_camera_png() {
    check_plot(&run().join("camera.png"));
}

#[test]
fn replay_with_the_runs_settings_reproduces_its_camera_exactly() {
    let dir = out_dir("replay-same");
    let log = run().join("observations.bin");
    let out = ok(&pitchcam(&["replay", log.to_str().unwrap(), "--out", dir.to_str().unwrap()]));
    assert!(out.contains("path identical to the recorded run"), "{out}");
    let run_report = json(&run().join("report.json"));
    let rep = json(&dir.join("report.json"));
    assert_eq!(rep["schedule"], "recorded");
    assert_eq!(rep["planner_missed"], 0);
    assert_eq!(rep["identical_to_recorded"], true, "{rep}");
    assert_eq!(rep["frames_differing"], 0);
    // The same planner fed the same batches: the same numbers, to the last digit.
    assert_eq!(rep["camera"], run_report["camera"]);
    assert_eq!(rep["recorded_camera"], run_report["camera"]);
    assert!(f(&rep["planner_step_us"], "count") as u64 == rep["frames"].as_u64().unwrap());
    check_plot(&dir.join("camera.png"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn replay_without_lookahead_lags_behind_the_ball() {
    let dir = out_dir("replay-causal");
    let log = run().join("observations.bin");
    ok(&pitchcam(&[
        "replay",
        log.to_str().unwrap(),
        "--no-lookahead",
        "--out",
        dir.to_str().unwrap(),
    ]));
    let rep = json(&dir.join("report.json"));
    let (on, off) = (f(&rep["recorded_camera"], "lag_ms"), f(&rep["camera"], "lag_ms"));
    assert_eq!(rep["camera"]["lookahead"], false);
    assert!(off > on, "look-ahead off should lag more: off {off} ms, on {on} ms");
    assert!(off > 0.0, "a causal follower cannot lead the ball: {off} ms");
    assert_eq!(rep["identical_to_recorded"], false);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn replay_applies_limits_and_reports_them() {
    let dir = out_dir("replay-limits");
    let log = run().join("observations.bin");
    ok(&pitchcam(&[
        "replay",
        log.to_str().unwrap(),
        "--preset",
        "action",
        "--limit",
        "max_pan_speed=100",
        "--limit",
        "lead_s=0.2",
        "--out",
        dir.to_str().unwrap(),
    ]));
    let rep = json(&dir.join("report.json"));
    let c = &rep["camera"];
    assert_eq!(c["preset"], "action");
    assert_eq!(c["limits"]["max_pan_speed"], 100.0);
    assert_eq!(c["limits"]["lead_s"], 0.2);
    // The continuous path's speed obeys the pan limit (tilt has its own, lower one).
    assert!(f(c, "velocity_max") <= 100.0 * 1.5, "{c}");
    assert_eq!(rep["recorded_camera"]["preset"], "broadcast");
    // A new preset starts from its own values: the run's lead_s is not carried over.
    assert_eq!(c["limits"].as_object().unwrap().len(), 2, "{c}");
    std::fs::remove_dir_all(dir).unwrap();
}

fn fails(args: &[&str]) -> String {
    failed(&pitchcam(args), args)
}

fn failed(o: &Output, args: &[&str]) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{args:?} should fail: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn replay_refuses_damaged_logs_with_clear_errors() {
    let dir = out_dir("damaged");
    std::fs::create_dir_all(&dir).unwrap();
    let good = std::fs::read(run().join("observations.bin")).unwrap();
    let out = dir.join("replay");
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let replay = |p: &Path, extra: &[&str]| {
        let mut a = vec!["replay", p.to_str().unwrap(), "--out", out.to_str().unwrap()];
        a.extend_from_slice(extra);
        (pitchcam(&a), format!("{a:?}"))
    };
    let refused = |(o, a): (Output, String)| failed(&o, &[&a]);

    // Cut in the middle of the records: refused, with where and how to salvage it.
    let cut = write("cut.bin", &good[..good.len() * 2 / 3]);
    let e = refused(replay(&cut, &[]));
    assert!(e.contains("truncated at byte") && e.contains("--allow-truncated"), "{e}");
    // ... and salvaged on request.
    ok(&replay(&cut, &["--allow-truncated"]).0);
    let rep = json(&out.join("report.json"));
    assert!(rep["truncated"].as_str().unwrap().contains("truncated"), "{rep}");
    assert!(rep["frames"].as_u64().unwrap() > 0);

    // Cut inside the header.
    let e = refused(replay(&write("head.bin", &good[..40]), &[]));
    assert!(e.contains("truncated inside the header"), "{e}");

    // Another format version.
    let mut v = good.clone();
    v[8..12].copy_from_slice(&9u32.to_le_bytes());
    let e = refused(replay(&write("v9.bin", &v), &[]));
    assert!(e.contains("format version 9") && e.contains("newer pitchcam"), "{e}");

    // Not a log at all: garbage, an empty file, a PNG.
    let garbage: Vec<u8> =
        (0..5000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    for (name, bytes) in [("garbage.bin", garbage.as_slice()), ("empty.bin", &[][..])] {
        let e = refused(replay(&write(name, bytes), &[]));
        assert!(e.contains("not a pitchcam observation log"), "{name}: {e}");
    }
    let e = fails(&["replay", run().join("camera.png").to_str().unwrap()]);
    assert!(e.contains("not a pitchcam observation log") && e.contains("89 50 4e 47"), "{e}");

    // A damaged record after a valid header: corrupt, with its position.
    let body = 16 + u32::from_le_bytes(good[12..16].try_into().unwrap()) as usize;
    let mut v = good.clone();
    v[body] = 0x77;
    let e = refused(replay(&write("kind.bin", &v), &[]));
    assert!(e.contains(&format!("record 0 at byte {body}")) && e.contains("corrupt"), "{e}");
    // A damaged header.
    let mut v = good.clone();
    v[16] = b'[';
    let e = refused(replay(&write("json.bin", &v), &[]));
    assert!(e.contains("header is not valid"), "{e}");

    let e = fails(&["replay", dir.join("missing.bin").to_str().unwrap()]);
    assert!(e.contains("cannot read") && e.contains("missing.bin"), "{e}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn replay_limits_are_validated_by_name() {
    let log = run().join("observations.bin");
    let log = log.to_str().unwrap();
    let e = fails(&["replay", log, "--limit", "max_acel=2000"]);
    assert!(e.contains("unknown limit \"max_acel\"") && e.contains("max_accel"), "{e}");
    let e = fails(&["replay", log, "--limit", "max_accel=fast"]);
    assert!(e.contains("max_accel") && e.contains("not a number"), "{e}");
    let e = fails(&["replay", log, "--limit", "max_accel"]);
    assert!(e.contains("NAME=VALUE"), "{e}");
    let e = fails(&["replay", log, "--limit", "max_accel=-5"]);
    assert!(e.contains("max_accel = -5 is outside"), "{e}");
    let e = fails(&["replay", log, "--limit", "dead_zone=0.9"]);
    assert!(e.contains("dead_zone") && e.contains("safe_zone"), "{e}");
    let e = fails(&["replay", log, "--preset", "calm"]);
    assert!(e.contains("broadcast, action, wide"), "{e}");
    let e = fails(&["replay"]);
    assert!(e.contains("give the observation log"), "{e}");

    // `--limit help`: every limit with its unit and its value for this log's panorama (the
    // presets scale pixel limits to the panorama: broadcast's max_accel 2200 px/s² at 5700 px
    // wide is 370.5 at 960).
    let out = ok(&pitchcam(&["replay", log, "--limit", "help"]));
    assert!(out.contains("960x320"), "{out}");
    let line = out.lines().find(|l| l.starts_with("max_accel ")).expect("max_accel listed");
    assert!(line.contains("370.5") && line.contains("px/s²"), "{line}");
    for name in ["lookahead_s", "dead_zone", "switch_frames", "pitch.far_y", "max_zoom_rate"] {
        assert!(out.lines().any(|l| l.starts_with(name)), "{name} missing:\n{out}");
    }
    // Without a log: the defaults for the full panorama.
    let out = ok(&pitchcam(&["replay", "--limit", "help"]));
    assert!(out.contains("5700x1900"), "{out}");
}

#[test]
fn other_sources_get_motion_metrics_and_a_plot_without_truth() {
    let dir = out_dir("gst");
    ok(&pitchcam(&[
        "run",
        "--source",
        "gst:videotestsrc is-live=true ! video/x-raw,width=640,height=320,framerate=30/1",
        "--duration",
        "6",
        "--delay",
        "1",
        "--no-record",
        "--no-realtime",
        "--log-observations",
        "--out",
        dir.to_str().unwrap(),
    ]));
    let r = json(&dir.join("report.json"));
    let c = &r["camera"];
    assert_eq!(c["ground_truth"], "none", "{c}");
    assert!(c["frames"].as_u64().unwrap() > 60, "{c}");
    for k in ["ball_in_frame", "ball_in_safe_zone", "lag_ms", "recovery_s_p95"] {
        assert!(c[k].is_null(), "{k} needs the true ball: {c}");
    }
    assert!(r.get("ball_in_frame").is_none(), "no top-level ball_in_frame without truth");
    assert!(f(c, "velocity_max") >= 0.0);
    let bytes = std::fs::read(dir.join("camera.png")).unwrap();
    assert_eq!(ihdr(&bytes), (1600, 900, 8, 2));
    let (w, px) = decode(&dir.join("camera.png"));
    let panel_band =
        (120..470).flat_map(|y| (0..w).map(move |x| y * w + x)).filter(|&i| px[i] == BAND);
    assert!(panel_band.count() > 20_000, "the crop band is drawn without a ball");
    // Its log has no truth records and replays to the same path.
    let rdir = out_dir("gst-replay");
    let out = ok(&pitchcam(&[
        "replay",
        dir.join("observations.bin").to_str().unwrap(),
        "--out",
        rdir.to_str().unwrap(),
    ]));
    assert!(out.contains("path identical to the recorded run"), "{out}");
    let rep = json(&rdir.join("report.json"));
    assert_eq!(rep["camera"], r["camera"]);
    std::fs::remove_dir_all(dir).unwrap();
    std::fs::remove_dir_all(rdir).unwrap();
}
