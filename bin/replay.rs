//! `pitchcam replay LOG`: plans the virtual camera again over an observation log, with other
//! settings, at full speed and without the video — so a user can tune on their own matches.
//!
//! The planner is fed exactly as it was live: the log records, for every played frame, how many
//! observations the live planner had been given before it answered (`obs_seen`), and the replay
//! pushes the same observations in the same batches before asking for the same PTS. The planner
//! is deterministic, so a replay with the run's own settings reproduces the run's camera path bit
//! for bit (the report says so: `identical_to_recorded`). It can differ only when the live
//! planner lost observations to a full queue (`planner_missed` in the log's end record) or the
//! log was cut short. A log without played records (none were written) is replayed on the
//! nominal schedule: frame `t` is planned once every observation up to `t + delay` is in.

use crate::camera::{self, CameraSection, CameraSettings, TrackedPoint};
use crate::cli::ReplayArgs;
use crate::engine::playback::PLAN_WINDOW;
use crate::obslog::{self, Log};
use crate::report::Quantiles;
use pitchcam::core::geom::Size;
use pitchcam::core::plan::{CameraState, Planner, PlannerConfig, PlannerCounters};
use pitchcam::core::stats::HistogramSnapshot;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// `report.json` of a replay.
#[derive(Clone, Debug, Serialize)]
pub struct ReplayReport {
    /// pitchcam version.
    pub version: String,
    /// The log replayed.
    pub log: String,
    /// pitchcam version that wrote the log.
    pub log_written_by: String,
    /// The run's source.
    pub source: String,
    /// The sim's seed, if any.
    pub seed: Option<u64>,
    /// Panorama size.
    pub panorama: [u32; 2],
    /// Frame rate.
    pub fps: f64,
    /// The run's delay, s.
    pub delay_s: f64,
    /// `recorded` (the live planner's batches) or `nominal` (no played records in the log).
    pub schedule: String,
    /// Whether the log was complete (with `--allow-truncated`, why it was not).
    pub truncated: Option<String>,
    /// Observations the live planner never got (so the replay cannot match it exactly).
    pub planner_missed: Option<u64>,
    /// The live planner was given more observations than the log holds (the log's queue was
    /// full at some point): the replay cannot match it exactly either.
    pub log_lost_observations: bool,
    /// Frames planned.
    pub frames: u64,
    /// Time for one tick: the observations of the tick pushed, then the crop asked for.
    pub planner_step_us: Quantiles,
    /// The planner's counters at the end.
    pub planner: Counters,
    /// The replayed camera.
    pub camera: CameraSection,
    /// The run's own camera, scored the same way (from the log's played records).
    pub recorded_camera: Option<CameraSection>,
    /// Whether the replayed path equals the recorded one frame for frame (rectangle and
    /// continuous centre and width, bit for bit).
    pub identical_to_recorded: Option<bool>,
    /// Frames whose crop differs from the recorded one.
    pub frames_differing: Option<u64>,
    /// Largest difference of the crop centre from the recorded one, px.
    pub max_center_diff_px: Option<f64>,
}

/// The planner's counters (everything unusual it met).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Counters {
    /// Observations accepted.
    pub pushed: u64,
    /// Ball measurements accepted.
    pub measurements: u64,
    /// Detections rejected as outliers.
    pub outliers: u64,
    /// Detections rejected as a spare ball.
    pub spare_rejected: u64,
    /// Ball tracks started.
    pub track_starts: u64,
    /// Ball tracks moved to another ball.
    pub track_switches: u64,
    /// Ball tracks ended by a long gap.
    pub track_ends: u64,
    /// Camera placed anew (first frame, time jump).
    pub camera_placements: u64,
    /// Stream restarts (PTS went back).
    pub backward_resets: u64,
}

impl From<&PlannerCounters> for Counters {
    fn from(c: &PlannerCounters) -> Self {
        Counters {
            pushed: c.pushed,
            measurements: c.measurements,
            outliers: c.outliers,
            spare_rejected: c.spare_rejected,
            track_starts: c.track_starts,
            track_switches: c.track_switches,
            track_ends: c.track_ends,
            camera_placements: c.camera_placements,
            backward_resets: c.backward_resets,
        }
    }
}

/// Runs `pitchcam replay`.
pub fn cmd_replay(args: &ReplayArgs) -> Result<(), String> {
    let help = args.limits.iter().any(|l| l.trim() == "help");
    let log = match &args.log {
        Some(p) => Some(obslog::read(p, args.allow_truncated)?),
        None if help => None,
        None => {
            return Err(
                "replay: give the observation log, e.g. `pitchcam replay pitchcam-out/observations.bin` \
                 (written by `pitchcam run --log-observations`)"
                    .into(),
            );
        }
    };
    let mut overrides = BTreeMap::new();
    for l in args.limits.iter().filter(|l| l.trim() != "help") {
        let (k, v) = camera::parse_limit_arg(l)?;
        overrides.insert(k, v);
    }
    if let Some(p) = &args.preset {
        camera::parse_preset(p).map_err(|e| format!("--preset: {e}"))?;
    }
    if help {
        return print_limits_help(args, log.as_ref(), &overrides);
    }
    let log = log.expect("a log unless --limit help");
    let h = &log.header;
    let pano = Size { w: h.panorama[0], h: h.panorama[1] };
    let fps = h.frame_rate();

    // The run's settings, then the command line's.
    let recorded = CameraSettings {
        preset: h.preset.clone(),
        lookahead: h.lookahead,
        limits: h.limits.clone(),
    };
    let mut settings = recorded.clone();
    if let Some(p) = &args.preset {
        settings.preset = p.clone();
        // Limits the run set were for its preset; a new preset starts from its own values.
        settings.limits.clear();
    }
    if args.no_lookahead {
        settings.lookahead = false;
    }
    if args.lookahead {
        settings.lookahead = true;
    }
    settings.limits.extend(overrides);
    let cfg = camera::planner_config("--limit", &settings, pano, h.aspect, fps)?;
    // The run's own configuration, for scoring its path with its own safe zone.
    let run_cfg =
        camera::planner_config("the log's settings", &recorded, pano, h.aspect, fps).unwrap_or(cfg);

    let (cams, steps, counters, schedule) = plan(&log, cfg, pano)?;

    let truth = !log.truths.is_empty();
    let (report, gaps) = camera::score(&cams, &log.truths, fps, cfg.safe_zone);
    let section = CameraSection::new((&report, gaps), truth, &settings);
    let rec_cams: Vec<CameraState> = log.played.iter().map(|p| p.cam).collect();
    let (recorded_camera, identical, differing, max_diff) = if rec_cams.is_empty() {
        (None, None, None, None)
    } else {
        let (r, gaps) = camera::score(&rec_cams, &log.truths, fps, run_cfg.safe_zone);
        let mut differing = 0u64;
        let mut max_diff = 0f64;
        for (a, b) in cams.iter().zip(&rec_cams) {
            let same = a.pts == b.pts
                && a.rect == b.rect
                && a.cx.to_bits() == b.cx.to_bits()
                && a.cy.to_bits() == b.cy.to_bits()
                && a.width.to_bits() == b.width.to_bits();
            if !same {
                differing += 1;
            }
            let d = ((a.cx - b.cx) as f64).hypot((a.cy - b.cy) as f64);
            if d.is_finite() {
                max_diff = max_diff.max(d);
            }
        }
        differing += cams.len().abs_diff(rec_cams.len()) as u64;
        (
            Some(CameraSection::new((&r, gaps), truth, &recorded)),
            Some(differing == 0),
            Some(differing),
            Some((max_diff * 1000.0).round() / 1000.0),
        )
    };

    let out = &args.out;
    std::fs::create_dir_all(out).map_err(|e| format!("output folder {}: {e}", out.display()))?;
    let log_path = args.log.as_deref().unwrap_or(Path::new(""));
    let rep = ReplayReport {
        version: env!("CARGO_PKG_VERSION").into(),
        log: log_path.display().to_string(),
        log_written_by: h.pitchcam.clone(),
        source: h.source.clone(),
        seed: h.seed,
        panorama: h.panorama,
        fps: fps as f64,
        delay_s: h.delay_ns as f64 / 1e9,
        schedule: schedule.into(),
        truncated: log.truncated.clone(),
        planner_missed: log.end.map(|e| e.planner_missed),
        log_lost_observations: log.end.is_some()
            && log.played.iter().any(|p| p.obs_seen > log.observations.len() as u64),
        frames: cams.len() as u64,
        planner_step_us: Quantiles::from_ns(&steps),
        planner: Counters::from(&counters),
        camera: section.clone(),
        recorded_camera,
        identical_to_recorded: identical,
        frames_differing: differing,
        max_center_diff_px: max_diff,
    };
    let json = serde_json::to_string_pretty(&rep).map_err(|e| e.to_string())?;
    let report_path = out.join("report.json");
    std::fs::write(&report_path, json + "\n")
        .map_err(|e| format!("cannot write {}: {e}", report_path.display()))?;
    let tracked: Vec<TrackedPoint> = log.observations.iter().map(TrackedPoint::of).collect();
    let png = out.join("camera.png");
    let title = format!(
        "pitchcam replay of {}: {}{}, {}x{} @ {:.0} fps, delay {:.1} s",
        log_path.file_name().map_or("?".into(), |n| n.to_string_lossy()),
        h.source,
        h.seed.map_or(String::new(), |s| format!(" seed {s}")),
        pano.w,
        pano.h,
        fps,
        rep.delay_s
    );
    camera::write_plot(&png, &title, &section, pano, &cams, &log.truths, &tracked)?;
    print_summary(&rep, &settings, &recorded, h.planner_window);
    println!("wrote {} and {}", report_path.display(), png.display());
    Ok(())
}

/// Plans every played frame of `log`; returns the path, the tick times (ns), the counters and
/// which schedule was used.
fn plan(
    log: &Log,
    cfg: PlannerConfig,
    pano: Size,
) -> Result<(Vec<CameraState>, HistogramSnapshot, PlannerCounters, &'static str), String> {
    let mut planner =
        Box::new(Planner::<PLAN_WINDOW>::new(cfg, pano).map_err(|e| format!("planner: {e}"))?);
    let obs = &log.observations;
    let mut steps = HistogramSnapshot::new();
    let mut cams = Vec::new();
    let mut next = 0usize;
    let mut tick = |planner: &mut Planner<PLAN_WINDOW>, upto: &dyn Fn(usize) -> bool, pts: u64| {
        let t = Instant::now();
        while next < obs.len() && upto(next) {
            planner.push(&obs[next]);
            next += 1;
        }
        let cam = planner.crop_at(pts);
        steps.record(t.elapsed().as_nanos() as u64);
        cam
    };
    let schedule = if !log.played.is_empty() {
        cams.reserve(log.played.len());
        for p in &log.played {
            let seen = p.obs_seen as usize;
            cams.push(tick(&mut planner, &|i| i < seen, p.cam.pts));
        }
        "recorded"
    } else {
        // Frame t is played once everything captured up to t + delay has been seen.
        let delay = log.header.delay_ns;
        let last = obs.iter().map(|o| o.pts).max().unwrap_or(0);
        let mut order: Vec<u64> = obs.iter().map(|o| o.pts).collect();
        order.sort_unstable();
        order.dedup();
        for &t in order.iter().filter(|&&t| t.saturating_add(delay) <= last) {
            let horizon = t.saturating_add(delay);
            cams.push(tick(&mut planner, &|i| obs[i].pts <= horizon, t));
        }
        "nominal"
    };
    let counters = *planner.counters();
    Ok((cams, steps, counters, schedule))
}

fn print_limits_help(
    args: &ReplayArgs,
    log: Option<&Log>,
    overrides: &BTreeMap<String, f64>,
) -> Result<(), String> {
    let (pano, aspect, fps, mut settings, what) = match log {
        Some(l) => {
            let h = &l.header;
            (
                Size { w: h.panorama[0], h: h.panorama[1] },
                h.aspect,
                h.frame_rate(),
                CameraSettings {
                    preset: h.preset.clone(),
                    lookahead: h.lookahead,
                    limits: h.limits.clone(),
                },
                "this log's",
            )
        }
        None => (
            Size { w: 5700, h: 1900 },
            16.0 / 9.0,
            30.0,
            CameraSettings { preset: "broadcast".into(), lookahead: true, limits: BTreeMap::new() },
            "the default",
        ),
    };
    if let Some(p) = &args.preset {
        settings.preset = p.clone();
        settings.limits.clear();
    }
    settings.limits.extend(overrides.iter().map(|(k, v)| (k.clone(), *v)));
    let cfg = camera::planner_config("--limit", &settings, pano, aspect, fps)?;
    print!(
        "{}",
        camera::limits_help(
            &cfg,
            &format!(
                "current values: preset {}{} on {what} {}x{} panorama",
                settings.preset,
                if settings.limits.is_empty() { "" } else { " with the limits given" },
                pano.w,
                pano.h
            )
        )
    );
    Ok(())
}

fn pct(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{:.2} %", v * 100.0))
}

fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or("–".into(), |v| format!("{v:.digits$}"))
}

fn settings_line(s: &CameraSettings) -> String {
    let mut l = format!("{}, look-ahead {}", s.preset, if s.lookahead { "on" } else { "off" });
    if !s.limits.is_empty() {
        let v: Vec<String> = s.limits.iter().map(|(k, v)| format!("{k}={v}")).collect();
        l.push_str(&format!(", {}", v.join(" ")));
    }
    l
}

fn print_summary(r: &ReplayReport, s: &CameraSettings, recorded: &CameraSettings, window: usize) {
    println!(
        "pitchcam replay: {} ({}{}, {}x{} @ {:.0} fps, delay {:.1} s): {} frames = {:.1} s",
        r.log,
        r.source,
        r.seed.map_or(String::new(), |s| format!(" seed {s}")),
        r.panorama[0],
        r.panorama[1],
        r.fps,
        r.delay_s,
        r.frames,
        r.frames as f64 / r.fps.max(1.0)
    );
    println!("  recorded run: {}", settings_line(recorded));
    println!("  replay:       {}", settings_line(s));
    println!(
        "  schedule:     {}",
        if r.schedule == "recorded" {
            "as recorded (the live planner's observation batches)"
        } else {
            "nominal (the log has no played frames)"
        }
    );
    if window != PLAN_WINDOW {
        println!(
            "  note: the run's planner window held {window} frames, this one {PLAN_WINDOW}: \
             the paths may differ slightly"
        );
    }
    if let Some(t) = &r.truncated {
        println!("  note: {t}");
    }
    if r.log_lost_observations {
        println!(
            "  note: the log lost observations the live planner had (its queue was full): the \
             recorded path cannot be reproduced exactly"
        );
    }
    if let Some(m) = r.planner_missed.filter(|&m| m > 0) {
        println!(
            "  note: the live planner missed {m} observations (queue full): the recorded path cannot be reproduced exactly"
        );
    }
    println!();
    let c = &r.camera;
    let rc = r.recorded_camera.as_ref();
    let both = |f: &dyn Fn(&CameraSection) -> String| (rc.map_or("–".into(), f), f(c));
    let rows: Vec<(&str, (String, String), &str)> = vec![
        ("ball_in_frame", both(&|s| pct(s.ball_in_frame)), "≥ 99 %"),
        ("ball_in_safe_zone", both(&|s| pct(s.ball_in_safe_zone)), "≥ 95 %"),
        ("offset_rms", both(&|s| num(s.offset_rms, 3)), ""),
        ("offset_p95", both(&|s| num(s.offset_p95, 3)), ""),
        ("lag_ms", both(&|s| num(s.lag_ms, 0)), "≤ 0"),
        ("velocity_max px/s", both(&|s| format!("{:.0}", s.velocity_max)), ""),
        ("velocity_p99 px/s", both(&|s| format!("{:.0}", s.velocity_p99)), ""),
        ("accel_max px/s²", both(&|s| format!("{:.0}", s.accel_max)), "≤ 2850"),
        ("accel_p99 px/s²", both(&|s| format!("{:.0}", s.accel_p99)), ""),
        ("jerk_rms px/s³", both(&|s| format!("{:.0}", s.jerk_rms)), ""),
        ("reversals_per_s", both(&|s| format!("{:.3}", s.reversals_per_s)), "≤ 0.5"),
        ("zoom_rate_max %/s", both(&|s| format!("{:.1}", s.zoom_rate_max)), "≤ 15"),
        ("recovery_s_p95", both(&|s| num(s.recovery_s_p95, 2)), "≤ 1.0"),
        ("planner step p99 µs", ("–".into(), format!("{:.1}", r.planner_step_us.p99)), "≤ 200"),
    ];
    println!("  {:<22} {:>14} {:>14}   bar", "", "recorded run", "replay");
    for (name, (a, b), bar) in rows {
        println!("  {name:<22} {a:>14} {b:>14}   {bar}");
    }
    println!();
    match (r.identical_to_recorded, r.frames_differing, r.max_center_diff_px) {
        (Some(true), ..) => println!("  path identical to the recorded run, frame for frame"),
        (Some(false), Some(n), Some(d)) => println!(
            "  path differs from the recorded run in {n} of {} frames (centre up to {d:.1} px)",
            r.frames
        ),
        _ => {}
    }
    if !c.bar_failures.is_empty() {
        println!("  misses the bar: {}", c.bar_failures.join("; "));
    }
}
