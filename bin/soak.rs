//! `pitchcam soak`: runs the whole pipeline for a while and checks that it loses nothing — no
//! dropped frame, no delay drift, no memory growth, no leaked GStreamer object, no allocation in
//! the hot path, a recording that covers the whole output — then prints a verdict and writes it
//! into `report.json` (the run's report plus `verdict` and `checks`).
//!
//! The run itself happens in a child process (this binary again, `PITCHCAM_SOAK_CHILD=1`) under
//! `GST_TRACERS=leaks` and `G_DEBUG=fatal-warnings`: those must be in the environment before
//! GLib and GStreamer start. The child takes a leaks-tracer checkpoint every 10 s after warm-up
//! (objects created minus removed: a steady pipeline's net stays bounded, a leak grows), drops
//! everything and calls `gst_deinit`, where the tracer reports any object still alive — a
//! GLib warning that `fatal-warnings` turns into SIGTRAP. The parent then reads the reports,
//! decodes every recorded segment, and judges.

use crate::cli::{RunArgs, SoakArgs};
use crate::config::Config;
use crate::engine;
use pitchcam::gst::{self, Checkpoint, LeaksTracer, Pipeline, ProbeReturn, ProbeType, State};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

/// Set in the child's environment.
const CHILD_ENV: &str = "PITCHCAM_SOAK_CHILD";
/// What the child writes beside report.json.
const CHILD_FILE: &str = "soak-child.json";
/// Leaks-tracer checkpoint period after warm-up.
const CHECKPOINT_EVERY_NS: u64 = 10_000_000_000;
/// Objects (of all GStreamer types together) the pipeline may hold in flight beyond what it
/// held at warm-up: encoder, muxer and queue contents. A leak of one object per frame passes
/// this within 20 s at 30 fps.
const LEAK_NET_MAX: i64 = 600;
/// RSS growth after warm-up, MB per minute. A leak of 1 KB per frame at 30 fps is 1.8 MB/min.
const RSS_SLOPE_MAX: f64 = 1.0;
/// RSS moves by a few MB as allocators return and retake memory (measured: dips of ~10 MB for
/// tens of seconds at a steady 300 MB); what a leak check must see is the ceiling rising.
const RSS_JITTER_MB: f64 = 4.0;

/// One judged property of the run.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What is checked.
    pub name: String,
    /// `PASS` or `FAIL`.
    pub result: &'static str,
    /// What was measured.
    pub measured: String,
    /// What it had to be.
    pub threshold: String,
}

/// What the child measured beyond the run report.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ChildFindings {
    /// The leaks tracer was active.
    pub leaks_tracer: bool,
    /// Net (created − removed) objects per checkpoint window, by type, after warm-up.
    pub windows: Vec<BTreeMap<String, i64>>,
    /// Net objects over all windows, by type.
    pub net_by_type: BTreeMap<String, i64>,
    /// Net objects over all windows, all types.
    pub net_total: i64,
    /// Problems with the tracer itself.
    pub tracer_errors: Vec<String>,
    /// RSS sampled each second after warm-up: (seconds since start, MB).
    #[serde(skip_serializing)]
    pub rss: Vec<(f64, f64)>,
    /// RSS slope over the steady part of the run (after warm-up + 30 s, and after the first
    /// third of the run), MB/min: the median of the slopes between samples half the window
    /// apart, so a transient spike (a segment being finalised) does not pass for growth.
    pub rss_steady_slope_mb_per_min: Option<f64>,
    /// Growth of the memory ceiling over the steady part: the highest RSS of its last third
    /// minus the highest of its first third, MB, and the minutes between the two thirds'
    /// centres. Allocators hand memory back and take it again (dips of several MB); a leak
    /// raises the ceiling, a dip does not.
    pub rss_ceiling_growth: Option<(f64, f64)>,
    /// Where the steady part starts, seconds since start.
    pub rss_steady_from_s: f64,
}

/// `pitchcam soak`. `Ok(true)`: PASS.
pub fn cmd_soak(args: &SoakArgs) -> Result<bool, String> {
    let cfg = resolve(args)?;
    if std::env::var_os(CHILD_ENV).is_some() {
        child(&cfg)?;
        return Ok(true);
    }
    parent(args, &cfg)
}

fn resolve(args: &SoakArgs) -> Result<Config, String> {
    if !(args.duration.is_finite() && args.duration >= 10.0) {
        return Err(format!(
            "--duration {}: a soak needs at least 10 s (warm-up takes the first delay + 5 s)",
            args.duration
        ));
    }
    let r = &args.run;
    let run = RunArgs {
        config: r.config.clone(),
        source: r.source.clone(),
        duration: Some(args.duration.to_string()),
        seed: r.seed,
        out: Some(args.out.clone()),
        resolution: r.resolution.clone(),
        streams: r.streams.clone(),
        ..Default::default()
    };
    run.resolve().map_err(|e| e.to_string())
}

// ---------------------------------------------------------------- child

struct SoakHooks {
    tracer: Option<LeaksTracer>,
    last_checkpoint: u64,
    findings: ChildFindings,
}

impl SoakHooks {
    fn checkpoint(&mut self) {
        let Some(t) = &self.tracer else { return };
        match t.checkpoint() {
            Ok(cp) => self.findings.windows.push(net_by_type(&cp)),
            Err(e) => self.findings.tracer_errors.push(format!("checkpoint: {e}")),
        }
    }
}

fn net_by_type(cp: &Checkpoint) -> BTreeMap<String, i64> {
    let mut m = BTreeMap::new();
    for k in cp.created.keys().chain(cp.removed.keys()) {
        m.insert(k.clone(), cp.net_of(k));
    }
    m.retain(|_, v| *v != 0);
    m
}

impl engine::RunHooks for SoakHooks {
    fn warm(&mut self) {
        if let Some(t) = &self.tracer
            && let Err(e) = t.start_tracking()
        {
            self.findings.tracer_errors.push(format!("start tracking: {e}"));
        }
    }

    fn each_second(&mut self, elapsed_ns: u64) {
        if let Ok(b) = pitchcam::os::metrics::rss_bytes() {
            self.findings.rss.push((elapsed_ns as f64 / 1e9, b as f64 / 1e6));
        }
        if elapsed_ns.saturating_sub(self.last_checkpoint) >= CHECKPOINT_EVERY_NS {
            self.last_checkpoint = elapsed_ns;
            self.checkpoint();
        }
    }

    fn before_stop(&mut self) {
        self.checkpoint();
        if let Some(t) = &self.tracer {
            let _ = t.stop_tracking();
        }
    }
}

fn child(cfg: &Config) -> Result<(), String> {
    let stop =
        pitchcam::signals::install_stop_handler().map_err(|e| format!("signal handler: {e}"))?;
    gst::init().map_err(|e| format!("GStreamer: {e}"))?;
    let tracer = LeaksTracer::active().map_err(|e| format!("leaks tracer: {e}"))?;
    let mut hooks = SoakHooks {
        findings: ChildFindings { leaks_tracer: tracer.is_some(), ..Default::default() },
        tracer,
        last_checkpoint: 0,
    };
    engine::run_with(cfg, stop, &mut hooks)?;
    let SoakHooks { tracer, mut findings, .. } = hooks;
    drop(tracer);
    for w in &findings.windows {
        for (k, v) in w {
            *findings.net_by_type.entry(k.clone()).or_insert(0) += v;
        }
    }
    findings.net_total = findings.net_by_type.values().sum();
    // Steady state for memory: allocator arenas, encoder and tracer tables settle in the first
    // minute; judge the growth after that.
    if let (Some(first), Some(duration)) =
        (findings.rss.first().map(|s| s.0), cfg.run.effective_duration(&cfg.source.uri))
    {
        let from = (first + 30.0).max(duration / 3.0);
        let tail: Vec<(f64, f64)> =
            findings.rss.iter().filter(|s| s.0 >= from).map(|s| (s.0 / 60.0, s.1)).collect();
        findings.rss_steady_from_s = from;
        findings.rss_steady_slope_mb_per_min = (tail.len() >= 10).then(|| robust_slope(&tail));
        findings.rss_ceiling_growth = (tail.len() >= 12).then(|| ceiling_growth(&tail));
    }
    let json = serde_json::to_string_pretty(&findings).map_err(|e| e.to_string())?;
    std::fs::write(cfg.output.dir.join(CHILD_FILE), json + "\n")
        .map_err(|e| format!("cannot write {CHILD_FILE}: {e}"))?;
    // Every pitchcam handle is gone: the leaks tracer now reports whatever GStreamer object is
    // still alive (fatal under G_DEBUG=fatal-warnings).
    gst::deinit().map_err(|e| format!("gst_deinit: {e}"))?;
    eprintln!("soak child: gst_deinit done");
    Ok(())
}

/// The highest value of the last third of `p` minus the highest of its first third, and the
/// distance between the two thirds' centres (in `p`'s x unit).
pub fn ceiling_growth(p: &[(f64, f64)]) -> (f64, f64) {
    let t = p.len() / 3;
    if t == 0 {
        return (0.0, 0.0);
    }
    let max = |q: &[(f64, f64)]| q.iter().map(|s| s.1).fold(f64::MIN, f64::max);
    let (first, last) = (&p[..t], &p[p.len() - t..]);
    let centre = |q: &[(f64, f64)]| (q[0].0 + q[q.len() - 1].0) / 2.0;
    (max(last) - max(first), centre(last) - centre(first))
}

/// Median of the slopes between each sample of the first half and its partner half the window
/// later (a Theil–Sen estimator over n/2 pairs): a steady trend, unmoved by a few outliers.
pub fn robust_slope(p: &[(f64, f64)]) -> f64 {
    let h = p.len() / 2;
    let mut s: Vec<f64> = (0..h)
        .filter_map(|i| {
            let (a, b) = (p[i], p[i + h]);
            (b.0 > a.0).then(|| (b.1 - a.1) / (b.0 - a.0))
        })
        .collect();
    if s.is_empty() {
        return 0.0;
    }
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

// ---------------------------------------------------------------- parent

fn parent(args: &SoakArgs, cfg: &Config) -> Result<bool, String> {
    // Ctrl-C reaches the child too (same process group), which stops cleanly; the parent waits
    // for it and judges what was run.
    let _ = pitchcam::signals::install_stop_handler();
    let dir = &cfg.output.dir;
    std::fs::create_dir_all(dir).map_err(|e| format!("output folder {}: {e}", dir.display()))?;
    for e in std::fs::read_dir(dir).map_err(|e| e.to_string())?.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.ends_with(".mkv") || n.ends_with(".mp4") || n == CHILD_FILE || n == "report.json" {
            let _ = std::fs::remove_file(e.path());
        }
    }
    eprintln!(
        "pitchcam soak: {} s of {} at {}, delay {} s, output {} (child under GST_TRACERS=leaks, G_DEBUG=fatal-warnings)",
        args.duration,
        crate::config::redact(&cfg.source.uri),
        cfg.source.resolution,
        cfg.delay.seconds,
        dir.display()
    );
    let exe = std::env::current_exe().map_err(|e| format!("own path: {e}"))?;
    let mut child = Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(CHILD_ENV, "1")
        .env("GST_TRACERS", "leaks")
        .env("G_DEBUG", "fatal-warnings")
        .env("GST_DEBUG", "GST_TRACER:7")
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the soak run: {e}"))?;
    let log_path = dir.join("soak.log");
    let mut log = std::fs::File::create(&log_path)
        .map_err(|e| format!("cannot write {}: {e}", log_path.display()))?;
    let mut tail: std::collections::VecDeque<String> = Default::default();
    if let Some(err) = child.stderr.take() {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = writeln!(log, "{line}");
            // The tracer's per-object records go to the log only.
            if !line.contains("GST_TRACER") {
                eprintln!("{line}");
            }
            if tail.len() == 40 {
                tail.pop_front();
            }
            tail.push_back(line);
        }
    }
    let status = child.wait().map_err(|e| format!("soak run: {e}"))?;
    let exit = match (status.code(), std::os::unix::process::ExitStatusExt::signal(&status)) {
        (Some(c), _) => format!("exit {c}"),
        (None, Some(s)) => format!("signal {s}"),
        _ => "unknown".into(),
    };
    let text = std::fs::read_to_string(&log_path).unwrap_or_default();
    let leaks_reported = text.contains("Leaks detected");

    let report_path = dir.join("report.json");
    let report: serde_json::Value = std::fs::read_to_string(&report_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .ok_or_else(|| {
            format!(
                "the soak run ended ({exit}) without a report; last lines:\n{}",
                tail.iter().cloned().collect::<Vec<_>>().join("\n")
            )
        })?;
    let findings: ChildFindings = std::fs::read_to_string(dir.join(CHILD_FILE))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();

    let mut checks = judge(cfg, &report, &findings, status.success(), &exit, leaks_reported);
    let recordings = check_recordings(cfg, &report, &mut checks);
    check_streams(&report, &mut checks);
    let pass = checks.iter().all(|c| c.result == "PASS");

    let mut out = report.clone();
    if let Some(o) = out.as_object_mut() {
        o.insert("verdict".into(), (if pass { "PASS" } else { "FAIL" }).into());
        o.insert("checks".into(), serde_json::to_value(&checks).unwrap_or_default());
        o.insert(
            "soak".into(),
            serde_json::json!({
                "duration_s": args.duration,
                "child_exit": exit,
                "leaks": findings,
                "segments": recordings,
                "stream": if cfg.output.streams.is_empty() {
                    "none configured: this soak recorded only"
                } else {
                    "checked: every stream up from start to end, every frame delivered"
                },
            }),
        );
    }
    let json = serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?;
    std::fs::write(&report_path, json + "\n")
        .map_err(|e| format!("cannot write {}: {e}", report_path.display()))?;

    println!("\npitchcam soak: {}", if pass { "PASS" } else { "FAIL" });
    for c in &checks {
        println!(
            "  {:<4} {:<34} {:<40} (threshold: {})",
            c.result, c.name, c.measured, c.threshold
        );
    }
    println!("report: {}", report_path.display());
    Ok(pass)
}

fn check(checks: &mut Vec<Check>, name: &str, ok: bool, measured: String, threshold: &str) {
    checks.push(Check {
        name: name.into(),
        result: if ok { "PASS" } else { "FAIL" },
        measured,
        threshold: threshold.into(),
    });
}

fn num(v: &serde_json::Value, path: &[&str]) -> f64 {
    let mut v = v;
    for p in path {
        v = &v[*p];
    }
    v.as_f64().unwrap_or(f64::NAN)
}

fn judge(
    cfg: &Config,
    r: &serde_json::Value,
    f: &ChildFindings,
    child_ok: bool,
    exit: &str,
    leaks_reported: bool,
) -> Vec<Check> {
    let mut c = Vec::new();
    let period = 1.0 / cfg.source.fps as f64;
    check(
        &mut c,
        "run completed cleanly",
        child_ok,
        exit.to_string(),
        "exit 0 (SIGTRAP = a GLib warning or a leak under fatal-warnings)",
    );
    let errors = r["errors"].as_array().map_or(0, |a| a.len());
    check(&mut c, "no errors", errors == 0, format!("{errors} errors"), "0");
    let out = num(r, &["frames_out"]);
    check(&mut c, "frames output", out > 0.0, format!("{out}"), "> 0");
    let dropped = num(r, &["frames_dropped"]);
    check(&mut c, "frames dropped", dropped == 0.0, format!("{dropped}"), "0");
    let lost_obs =
        num(r, &["drops", "analysis_queue_full"]) + num(r, &["capture", "observation_queue_full"]);
    check(&mut c, "observations lost", lost_obs == 0.0, format!("{lost_obs}"), "0");
    let outages = num(r, &["source_health", "outages"]);
    check(&mut c, "source outages", outages == 0.0, format!("{outages}"), "0");
    let (lo, hi) = (
        r["delay_scheduled_range_s"][0].as_f64().unwrap_or(f64::NAN),
        r["delay_scheduled_range_s"][1].as_f64().unwrap_or(f64::NAN),
    );
    let d = cfg.delay.seconds;
    check(
        &mut c,
        "delay, every output frame",
        lo >= d - period && hi <= d + period,
        format!("{lo:.4} .. {hi:.4} s"),
        &format!("{d} s ± 1 frame ({:.1} ms)", period * 1e3),
    );
    let drift = r["delay_drift_s"].as_f64();
    check(
        &mut c,
        "delay drift (last 30 s − first 30 s)",
        drift.is_some_and(|d| d.abs() <= period),
        match drift {
            Some(d) => format!("{:+.3} ms", d * 1e3),
            None => format!(
                "not measured: the run needs delay + 65 s at least ({:.0} s here)",
                cfg.delay.seconds + 65.0
            ),
        },
        &format!("|drift| ≤ 1 frame ({:.1} ms)", period * 1e3),
    );
    // Memory: the ceiling may grow by at most RSS_SLOPE_MAX per minute plus the allocator's
    // jitter (RSS_JITTER_MB, which stops mattering on the hours-long runs a leak hunt needs).
    // The Theil–Sen slope is shown beside it.
    let slope = f.rss_steady_slope_mb_per_min;
    let allowed = |mins: f64| RSS_SLOPE_MAX * mins + RSS_JITTER_MB;
    check(
        &mut c,
        "RSS growth after warm-up",
        f.rss_ceiling_growth.is_some_and(|(g, mins)| g <= allowed(mins)),
        match (f.rss_ceiling_growth, slope) {
            (Some((g, mins)), Some(s)) => format!(
                "ceiling {g:+.1} MB over {mins:.1} min from t={:.0} s (slope {s:+.3} MB/min; whole run after warm-up {:+.3})",
                f.rss_steady_from_s,
                num(r, &["rss_mb", "slope_mb_per_min"])
            ),
            _ => "not measured: too few samples after warm-up (run longer)".into(),
        },
        &match f.rss_ceiling_growth {
            Some((_, mins)) => format!(
                "≤ {RSS_SLOPE_MAX} MB/min × {mins:.1} min + {RSS_JITTER_MB} MB jitter = {:.1} MB",
                allowed(mins)
            ),
            None => format!("≤ {RSS_SLOPE_MAX} MB/min + {RSS_JITTER_MB} MB jitter"),
        },
    );
    let cap = num(r, &["ring", "capacity"]);
    let occ = (
        r["ring"]["steady_occupancy"][0].as_f64().unwrap_or(f64::NAN),
        r["ring"]["steady_occupancy"][1].as_f64().unwrap_or(f64::NAN),
    );
    check(
        &mut c,
        "ring occupancy in steady state",
        occ.0 == cap && occ.1 == cap,
        format!("{} .. {}", occ.0, occ.1),
        &format!("== capacity {cap}"),
    );
    let hot = num(r, &["hot_allocations"]);
    check(
        &mut c,
        "Rust allocations in the hot path",
        hot == 0.0,
        format!("{hot} ({:.4}/frame)", num(r, &["allocations_per_frame"])),
        "0",
    );
    check(
        &mut c,
        "GStreamer objects alive at gst_deinit",
        child_ok && !leaks_reported && f.leaks_tracer,
        if !f.leaks_tracer {
            "leaks tracer not active".into()
        } else if leaks_reported {
            "leaks reported (see soak.log)".into()
        } else {
            "none".into()
        },
        "none (leaks tracer)",
    );
    let windows = f.windows.len();
    check(
        &mut c,
        "GStreamer objects accumulated",
        f.leaks_tracer && windows > 0 && f.net_total <= LEAK_NET_MAX && f.tracer_errors.is_empty(),
        format!(
            "net {:+} over {windows} checkpoints{}",
            f.net_total,
            if f.tracer_errors.is_empty() {
                String::new()
            } else {
                format!("; {:?}", f.tracer_errors)
            }
        ),
        &format!("≤ {LEAK_NET_MAX} objects in flight"),
    );
    c
}

/// One decoded recording segment.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Segment {
    /// File name.
    pub file: String,
    /// Frames the demuxer delivered.
    pub frames: u64,
    /// Frames the decoder produced.
    pub decoded: u64,
    /// First and last PTS, ns.
    pub pts: [u64; 2],
    /// Error reading it, if any.
    pub error: Option<String>,
}

/// Demuxes and decodes `path` entirely, counting frames and keeping their PTS.
pub fn read_segment(path: &Path) -> (Segment, Vec<u64>) {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut seg = Segment { file: name, ..Default::default() };
    let demux =
        if path.extension().is_some_and(|e| e == "mp4") { "qtdemux" } else { "matroskademux" };
    let desc = format!(
        "filesrc location=\"{}\" ! {demux} ! h264parse ! identity name=parsed ! avdec_h264 ! fakesink name=out sync=false",
        path.display()
    );
    let p = match Pipeline::parse(&desc) {
        Ok(p) => p,
        Err(e) => {
            seg.error = Some(format!("{e} (decoding needs gstreamer1.0-libav)"));
            return (seg, Vec::new());
        }
    };
    let pts = Arc::new(Mutex::new(Vec::new()));
    let counts = Arc::new(Mutex::new((0u64, 0u64)));
    let (p2, c2, c3) = (pts.clone(), counts.clone(), counts.clone());
    let probes = (|| {
        let parsed = p.by_name("parsed").ok()?.static_pad("src").ok()?;
        parsed
            .add_probe(ProbeType::BUFFER, move |i| {
                if let Some(b) = i.buffer() {
                    c2.lock().unwrap().0 += 1;
                    p2.lock().unwrap().push(b.pts().unwrap_or(u64::MAX));
                }
                ProbeReturn::Ok
            })
            .ok()?;
        let out = p.by_name("out").ok()?.static_pad("sink").ok()?;
        out.add_probe(ProbeType::BUFFER, move |i| {
            if i.buffer().is_some() {
                c3.lock().unwrap().1 += 1;
            }
            ProbeReturn::Ok
        })
        .ok()
    })();
    if probes.is_none() {
        seg.error = Some("cannot install the counting probes".into());
        return (seg, Vec::new());
    }
    if let Err(e) = p.set_state(State::Playing) {
        seg.error = Some(e.to_string());
    } else {
        let msg = p.bus().timed_pop_filtered(
            Some(600_000_000_000),
            gst::MessageType::EOS | gst::MessageType::ERROR,
        );
        match msg.as_ref().map(|m| m.view()) {
            Some(gst::MessageView::Eos) => {}
            Some(gst::MessageView::Error(e)) => seg.error = Some(e.to_string()),
            _ => seg.error = Some("no end of stream within 10 min".into()),
        }
    }
    let _ = p.set_state(State::Null);
    let (frames, decoded) = *counts.lock().unwrap();
    seg.frames = frames;
    seg.decoded = decoded;
    let v = pts.lock().unwrap().clone();
    seg.pts = [v.iter().copied().min().unwrap_or(0), v.iter().copied().max().unwrap_or(0)];
    (seg, v)
}

/// Every live stream (RTMP, SRT) must have stayed up and taken every output frame: in a soak the
/// server is healthy, so a failure, a restart or a frame its queue dropped is something lost.
fn check_streams(r: &serde_json::Value, checks: &mut Vec<Check>) {
    let expected = num(r, &["frames_out"]) + num(r, &["frames_repeated"]);
    let streams = r["outputs"].as_array().into_iter().flatten();
    for o in streams.filter(|o| o["kind"] == "rtmp" || o["kind"] == "srt") {
        let n = |k: &str| o[k].as_f64().unwrap_or(f64::NAN);
        let ok = o["state"] == "up"
            && n("failures") == 0.0
            && n("video_dropped") == 0.0
            && n("audio_dropped") == 0.0
            && n("video_frames") == expected;
        check(
            checks,
            &format!("stream {}: every frame delivered", o["target"].as_str().unwrap_or("?")),
            ok,
            format!(
                "{}, {} failures, {} frames sent, {} video / {} audio dropped",
                o["state"].as_str().unwrap_or("?"),
                n("failures"),
                n("video_frames"),
                n("video_dropped"),
                n("audio_dropped")
            ),
            &format!("up, 0 failures, frames_out + frames_repeated = {expected} sent, 0 dropped"),
        );
    }
}

fn check_recordings(cfg: &Config, r: &serde_json::Value, checks: &mut Vec<Check>) -> Vec<Segment> {
    if !cfg.output.record {
        check(checks, "recording", true, "off (--no-record)".into(), "not checked");
        return Vec::new();
    }
    if let Err(e) = gst::init() {
        check(checks, "recorded segments readable", false, format!("GStreamer: {e}"), "all");
        return Vec::new();
    }
    let dir: PathBuf = cfg.output.dir.clone();
    let files: Vec<String> = r["recordings"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
        .unwrap_or_default();
    let period_ns = 1e9 / cfg.source.fps as f64;
    let expected = num(r, &["frames_out"]) + num(r, &["frames_repeated"]);
    let mut segs = Vec::new();
    // Container timestamps are rounded (Matroska: 1 ms): a step may differ from the frame
    // period by that much.
    let tol = 1.5e6;
    for mode in &cfg.output.modes {
        let mut bad = Vec::new();
        let (mut n_files, mut total, mut gaps, mut span) = (0, 0.0, 0, 0.0);
        for f in files.iter().filter(|f| f.starts_with(&format!("{mode}-"))) {
            n_files += 1;
            let (s, mut pts) = read_segment(&dir.join(f));
            if s.error.is_some() || s.decoded != s.frames || s.frames == 0 {
                bad.push(format!(
                    "{f}: {} demuxed, {} decoded, {:?}",
                    s.frames, s.decoded, s.error
                ));
            }
            // Each segment on its own: its timestamps may restart.
            pts.sort_unstable();
            total += pts.len() as f64;
            // A missing frame is a step of 1.5 periods or more; two in one slot, half a period
            // or less. (A live source's own timestamps may jitter in between.)
            let (lo, hi) = (period_ns * 0.5 - tol, period_ns * 1.5 + tol);
            gaps += pts.windows(2).filter(|w| !(lo..hi).contains(&((w[1] - w[0]) as f64))).count();
            if let (Some(a), Some(b)) = (pts.first(), pts.last()) {
                span += (b - a) as f64 + period_ns;
            }
            segs.push(s);
        }
        check(
            checks,
            &format!("{mode}: segments readable"),
            n_files > 0 && bad.is_empty(),
            if bad.is_empty() {
                format!("{n_files} segments, every frame decodes")
            } else {
                bad.join("; ")
            },
            "every segment demuxes and decodes entirely",
        );
        check(
            checks,
            &format!("{mode}: frames recorded"),
            total == expected,
            format!("{total}"),
            &format!("frames_out + frames_repeated = {expected}"),
        );
        check(
            checks,
            &format!("{mode}: contiguous, covering the output"),
            gaps == 0 && (span - total * period_ns).abs() <= tol * n_files as f64,
            format!(
                "{gaps} gaps; {:.3} s recorded for {:.3} s of frames",
                span / 1e9,
                total * period_ns / 1e9
            ),
            "no missing frame; duration = frames × period",
        );
    }
    segs
}

#[cfg(test)]
mod tests {
    use super::robust_slope;

    #[test]
    fn ceiling_growth_sees_a_leak_and_not_a_dip() {
        // 301 MB with a 10 MB dip in the middle of the window: no growth.
        let dip: Vec<(f64, f64)> = (0..90)
            .map(|i| (i as f64 / 60.0, if (20..45).contains(&i) { 291.0 } else { 301.0 }))
            .collect();
        let (g, _) = super::ceiling_growth(&dip);
        assert!(g.abs() < 1e-9, "{g}");
        // 2 MB/min of real growth over 10 minutes.
        let leak: Vec<(f64, f64)> =
            (0..600).map(|i| (i as f64 / 60.0, 300.0 + i as f64 / 30.0)).collect();
        let (g, mins) = super::ceiling_growth(&leak);
        assert!(g > super::RSS_SLOPE_MAX * mins + super::RSS_JITTER_MB, "{g} over {mins}");
    }

    #[test]
    fn robust_slope_follows_the_trend_not_the_spikes() {
        // 2 MB/min with a +30 MB spike on a few samples.
        let p: Vec<(f64, f64)> = (0..120)
            .map(|i| {
                let t = i as f64 / 60.0;
                (t, 200.0 + 2.0 * t + if (100..104).contains(&i) { 30.0 } else { 0.0 })
            })
            .collect();
        assert!((robust_slope(&p) - 2.0).abs() < 1e-9);
        let flat: Vec<(f64, f64)> =
            (0..60).map(|i| (i as f64, 100.0 + (i % 7) as f64 * 0.1)).collect();
        assert!(robust_slope(&flat).abs() < 0.02);
        assert_eq!(robust_slope(&[]), 0.0);
    }
}
