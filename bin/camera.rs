//! The virtual camera around the planner: its settings by name (`camera.limits`, `--limit`), the
//! per-frame record of what it did, and the `camera` section of `report.json`.
//!
//! The metrics themselves are `pitchcam_core::plan::metrics` ([`CameraMetrics`]); this module
//! only joins the played crops with the ground truth by PTS and feeds them in play order, so a
//! live run (`pitchcam run`) and a replay (`pitchcam replay`) are scored by the same code.

use crate::obslog;
use crate::plot::{self, Plot, PlotFrame};
use pitchcam::core::geom::{Size, q8_to_px};
use pitchcam::core::obs::{BallState, Observation};
use pitchcam::core::plan::{
    CameraMetrics, CameraReport, CameraState, ConfigError, FrameTruth, MetricsConfig,
    PlannerConfig, Preset, TargetKind,
};
use pitchcam::core::sim::truth::Truth;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// One played frame, as playback sends it to the control thread: the planner's full answer and
/// how many observations the planner had been given before it answered (so a replay can feed
/// the planner exactly the same batches).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PlayedCrop {
    /// The planner's answer for the played frame (`cam.pts` is the frame's capture PTS).
    pub cam: CameraState,
    /// Observations handed to the planner (accepted or not) before this crop was asked for.
    pub obs_seen: u64,
}

/// The true ball of one captured frame (sim source), as much of [`Truth`] as the camera needs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TruthPoint {
    /// The frame's capture PTS.
    pub pts: u64,
    /// Ball centre, panorama px.
    pub x: f32,
    /// Ball centre, panorama px.
    pub y: f32,
    /// The ball is in play.
    pub in_play: bool,
    /// The ball's centre lies inside the panorama.
    pub in_frame: bool,
    /// The ball can be seen (in the panorama, not hidden behind a player).
    pub visible: bool,
}

impl TruthPoint {
    /// The ball of `t`.
    pub fn of(t: &Truth) -> TruthPoint {
        let b = &t.ball;
        TruthPoint {
            pts: t.pts,
            x: b.pos[0],
            y: b.pos[1],
            in_play: b.in_play,
            in_frame: b.in_frame,
            visible: b.visible,
        }
    }

    /// What the metrics score against. Framing counts the frames where the ball is in play *and*
    /// inside the panorama (a ball in the air above the panorama's top edge cannot be framed by
    /// any crop), as `core/examples/plan_eval.rs` does.
    pub fn frame_truth(&self) -> FrameTruth {
        FrameTruth { x: self.x, y: self.y, in_play: self.in_play && self.in_frame }
    }
}

/// Scores a camera path: `crops` in play order, each joined with the truth of the same PTS
/// (`truths` in PTS order; a played frame without truth counts for motion only). Without truth
/// at all, only the motion metrics mean anything.
///
/// The metrics take finite differences between consecutive frames, so where playback passed
/// frames over (a late tick) the path is cut into runs of consecutive frames, each scored on its
/// own and merged ([`CameraMetrics::merge`]): a skipped frame must not read as a jump. Returns
/// the report and the number of such gaps.
pub fn score(
    crops: &[CameraState],
    truths: &[TruthPoint],
    frame_rate: f32,
    safe_zone: f32,
) -> (CameraReport, u64) {
    let mut scorer = Scorer::new(frame_rate, safe_zone);
    let mut ti = 0;
    for cam in crops {
        while ti < truths.len() && truths[ti].pts < cam.pts {
            ti += 1;
        }
        scorer.push(cam, truths.get(ti).filter(|t| t.pts == cam.pts));
    }
    scorer.finish()
}

/// [`score`] one played frame at a time, in constant memory: what a run of any length uses.
pub struct Scorer {
    cfg: MetricsConfig,
    period_ns: f64,
    total: CameraMetrics,
    run: CameraMetrics,
    gaps: u64,
    last_pts: Option<u64>,
}

impl Scorer {
    /// A scorer for a path played at `frame_rate` with the given safe zone.
    pub fn new(frame_rate: f32, safe_zone: f32) -> Scorer {
        let cfg = MetricsConfig { frame_rate, safe_zone, ..MetricsConfig::default() };
        Scorer {
            cfg,
            period_ns: 1e9 / frame_rate.max(1.0) as f64,
            total: CameraMetrics::new(cfg),
            run: CameraMetrics::new(cfg),
            gaps: 0,
            last_pts: None,
        }
    }

    /// One played frame and the true ball of its capture (`None`: no truth for it). Frames where
    /// playback passed frames over start a new run, so a skip never reads as motion.
    pub fn push(&mut self, cam: &CameraState, truth: Option<&TruthPoint>) {
        if let Some(l) = self.last_pts
            && cam.pts.saturating_sub(l) as f64 > 1.5 * self.period_ns
        {
            self.gaps += 1;
            self.total.merge(&self.run);
            self.run = CameraMetrics::new(self.cfg);
        }
        self.last_pts = Some(cam.pts);
        let truth = match truth {
            Some(t) => t.frame_truth(),
            None => FrameTruth { x: f32::NAN, y: f32::NAN, in_play: false },
        };
        self.run.push(&truth, cam);
    }

    /// The report and the number of play gaps.
    pub fn finish(mut self) -> (CameraReport, u64) {
        self.total.merge(&self.run);
        (self.total.report(), self.gaps)
    }
}

/// The `camera` section of `report.json`: the virtual camera's quality, as issue 6 defines it.
/// Framing metrics (`ball_in_frame` … `recovery_s_*`) need the true ball and are `null` without
/// it (sources other than the sim); motion metrics are always there.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct CameraSection {
    /// What framing is measured against: `sim` (the simulator's true ball) or `none`.
    pub ground_truth: String,
    /// Planner preset.
    pub preset: String,
    /// Whether the planner used the future (the delay).
    pub lookahead: bool,
    /// Limits changed from the preset (name → value).
    pub limits: BTreeMap<String, f64>,
    /// Played frames scored.
    pub frames: u64,
    /// Places where playback passed frames over (late ticks): the motion metrics are taken
    /// within the runs of consecutive frames between them.
    pub play_gaps: u64,
    /// Of them, frames with the ball in play and inside the panorama.
    pub in_play_frames: u64,
    /// Share of in-play frames with the true ball inside the crop, 0–1.
    pub ball_in_frame: Option<f64>,
    /// Share of in-play frames with the true ball inside the inner 80 % of the crop, 0–1.
    pub ball_in_safe_zone: Option<f64>,
    /// RMS of ‖ball − crop centre‖ in half-crop-width units.
    pub offset_rms: Option<f64>,
    /// 95th percentile of the same.
    pub offset_p95: Option<f64>,
    /// Lag of the camera's pan velocity behind the ball's (cross-correlation peak over ±1 s), ms;
    /// negative: the camera leads.
    pub lag_ms: Option<f64>,
    /// Largest speed of the crop centre, px/s.
    pub velocity_max: f64,
    /// 99th percentile of that speed, px/s.
    pub velocity_p99: f64,
    /// Largest acceleration of the crop centre, px/s².
    pub accel_max: f64,
    /// 99th percentile of the acceleration, px/s².
    pub accel_p99: f64,
    /// RMS jerk of the crop centre, px/s³.
    pub jerk_rms: f64,
    /// Pan direction changes (between motions faster than 20 px/s).
    pub reversals: u64,
    /// The same per second.
    pub reversals_per_s: f64,
    /// Largest zoom speed, % of the crop width per second.
    pub zoom_rate_max: f64,
    /// 95th percentile of the time from the ball leaving the safe zone to being back inside, s.
    pub recovery_s_p95: Option<f64>,
    /// Longest such time, s.
    pub recovery_s_max: Option<f64>,
    /// Completed recoveries.
    pub recoveries: Option<u64>,
    /// Excursions cut short by play stopping (or the run ending) before the ball was back.
    pub recoveries_unfinished: Option<u64>,
    /// Largest second difference of the even-pixel crop rectangle's centre, px/s² (rounding
    /// included: the motion metrics above use the planner's continuous path).
    pub rect_accel_max: f64,
    /// Which of issue 6's targets this run misses (ground truth only; empty: all met). The
    /// planner-step target is judged on `stage_us.plan` (run) or `planner_step_us` (replay).
    pub bar_failures: Vec<String>,
}

/// Six significant digits are all an f32 metric holds; more only make the JSON noisy.
fn r6(v: f32) -> f64 {
    if !v.is_finite() || v == 0.0 {
        return if v.is_finite() { 0.0 } else { f64::NAN };
    }
    let v = v as f64;
    let mag = 10f64.powi(5 - v.abs().log10().floor() as i32);
    (v * mag).round() / mag
}

impl CameraSection {
    /// The section for `r` (with `play_gaps` from [`score`]); framing metrics only if `truth`
    /// (the sim's true ball) was scored.
    pub fn new(
        (r, play_gaps): (&CameraReport, u64),
        truth: bool,
        settings: &CameraSettings,
    ) -> CameraSection {
        let t = |v: f32| truth.then(|| r6(v));
        let mut s = CameraSection {
            ground_truth: if truth { "sim" } else { "none" }.into(),
            preset: settings.preset.clone(),
            lookahead: settings.lookahead,
            limits: settings.limits.clone(),
            frames: r.frames,
            play_gaps,
            in_play_frames: if truth { r.in_play_frames } else { 0 },
            ball_in_frame: t(r.ball_in_frame),
            ball_in_safe_zone: t(r.ball_in_safe_zone),
            offset_rms: t(r.offset_rms),
            offset_p95: t(r.offset_p95),
            lag_ms: if truth { r.lag_ms.map(r6) } else { None },
            velocity_max: r6(r.velocity_max),
            velocity_p99: r6(r.velocity_p99),
            accel_max: r6(r.accel_max),
            accel_p99: r6(r.accel_p99),
            jerk_rms: r6(r.jerk_rms),
            reversals: r.reversals as u64,
            reversals_per_s: r6(r.reversals_per_s),
            zoom_rate_max: r6(r.zoom_rate_max),
            recovery_s_p95: t(r.recovery_s_p95),
            recovery_s_max: t(r.recovery_s_max),
            recoveries: truth.then_some(r.recoveries as u64),
            recoveries_unfinished: truth.then_some(r.recoveries_unfinished as u64),
            rect_accel_max: r6(r.rect_accel_max),
            bar_failures: Vec::new(),
        };
        if truth {
            s.bar_failures = s.misses();
        }
        s
    }

    /// Issue 6's bar, item by item: the ones this section misses, in words.
    fn misses(&self) -> Vec<String> {
        let mut v = Vec::new();
        let mut at_least = |name: &str, got: Option<f64>, min: f64| {
            if let Some(g) = got
                && g < min
            {
                v.push(format!("{name} {g} < {min}"));
            }
        };
        at_least("ball_in_frame", self.ball_in_frame, 0.99);
        at_least("ball_in_safe_zone", self.ball_in_safe_zone, 0.95);
        let mut at_most = |name: &str, got: Option<f64>, max: f64| {
            if let Some(g) = got
                && g > max
            {
                v.push(format!("{name} {g} > {max}"));
            }
        };
        at_most("lag_ms", self.lag_ms, 0.0);
        at_most("reversals_per_s", Some(self.reversals_per_s), 0.5);
        at_most("zoom_rate_max", Some(self.zoom_rate_max), 15.0);
        at_most("accel_max", Some(self.accel_max), 2850.0);
        at_most("recovery_s_p95", self.recovery_s_p95, 1.0);
        v
    }
}

/// The planner settings a run or a replay used, by name (as the config file and the command
/// line give them).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CameraSettings {
    /// `broadcast`, `action` or `wide`.
    pub preset: String,
    /// Look-ahead on.
    pub lookahead: bool,
    /// Limits changed from the preset.
    pub limits: BTreeMap<String, f64>,
}

/// The preset of that name.
pub fn parse_preset(name: &str) -> Result<Preset, String> {
    match name {
        "broadcast" => Ok(Preset::Broadcast),
        "action" => Ok(Preset::Action),
        "wide" => Ok(Preset::Wide),
        _ => Err(format!("preset {name:?}: one of broadcast, action, wide")),
    }
}

/// One settable planner limit.
pub struct Limit {
    /// Name in `camera.limits` and `--limit NAME=VALUE` (the `PlannerConfig` field).
    pub name: &'static str,
    /// Unit of the value.
    pub unit: &'static str,
    /// What it does, in a few words.
    pub help: &'static str,
    /// Only whole numbers.
    pub integer: bool,
    get: fn(&PlannerConfig) -> f64,
    set: fn(&mut PlannerConfig, f64),
}

impl Limit {
    /// The value in `cfg`.
    pub fn get(&self, cfg: &PlannerConfig) -> f64 {
        (self.get)(cfg)
    }
}

macro_rules! limits {
    ($( $($field:ident).+ : $unit:literal, $help:literal; )*) => {
        &[$(Limit {
            name: limits!(@name $($field).+),
            unit: $unit,
            help: $help,
            integer: false,
            get: |c| c.$($field).+ as f64,
            set: |c, v| c.$($field).+ = v as f32,
        },)*]
    };
    (@name $f:ident) => { stringify!($f) };
    (@name $a:ident . $f:ident) => { concat!(stringify!($a), ".", stringify!($f)) };
}

/// Every limit that can be set by name. Pixel values are panorama pixels of the actual panorama
/// (the presets are scaled to its width; an override is taken as given).
pub const LIMITS: &[Limit] = limits! {
    lookahead_s: "s", "how far ahead the camera path plans (bounded by the delay)";
    causal_predict_s: "s", "look-ahead off: how far the causal follower extrapolates";
    gap_bridge_s: "s", "detection gaps up to this long are bridged";
    coast_s: "s", "at the edge of a longer gap, how long the estimate is trusted";
    meas_noise_px: "px", "detection position noise (1 sigma)";
    ball_accel_noise: "px/s²", "ball acceleration noise of the motion model";
    gate_sigma: "sigma", "association gate";
    max_ball_speed: "px/s", "fastest plausible ball";
    spare_ball_s: "s", "a candidate still this long while play is elsewhere is a spare ball";
    spare_radius_px: "px", "radius of 'the same place' for a still candidate";
    max_pan_speed: "px/s", "maximum pan speed";
    max_tilt_speed: "px/s", "maximum tilt speed";
    max_accel: "px/s²", "maximum acceleration of the crop centre";
    tilt_accel_share: "fraction", "share of max_accel given to tilt";
    max_jerk: "px/s³", "maximum change of acceleration per axis";
    response_s: "s", "time constant of the velocity follower";
    dead_zone: "fraction", "dead zone half-size, fraction of the crop half-size";
    safe_zone: "fraction", "safe zone, fraction of the crop (report; must contain the dead zone)";
    lead_s: "s", "lead room: aim this far ahead of the ball's motion";
    max_lead: "fraction", "largest lead, fraction of the crop half-size";
    rest_speed: "px/s", "planned speeds below this are rest";
    zoom_min_px: "px", "narrowest crop";
    zoom_max_px: "px", "widest crop (0: the widest that fits)";
    max_zoom_rate: "1/s", "maximum zoom speed, fraction of the width per second";
    max_zoom_accel: "1/s²", "maximum zoom acceleration";
    zoom_hysteresis: "fraction", "width changes smaller than this do not start a zoom";
    framing_m: "m", "base crop width, metres of pitch at the ball";
    speed_zoom_s: "s", "extra width per px/s of ball speed";
    spread_zoom: "sigma", "crop at least this many players' x spreads wide";
    uncertainty_zoom: "px/px", "extra width per px of ball uncertainty";
    set_piece_m: "m", "crop width for a set piece";
    set_piece_zoom: "x", "set piece: at least this times the open-play width";
    set_piece_still_s: "s", "a ball still this long on a spot is a set piece";
    set_piece_radius_m: "m", "distance from a spot that counts as on it";
    still_speed: "px/s", "ball speed below which it is still";
    fallback_m: "m", "crop width when following the players (ball lost)";
    fallback_growth: "1/s", "growth of that width per second lost";
    out_margin_m: "m", "a ball this far outside the pitch is out of play";
    pitch.length_m: "m", "pitch length";
    pitch.width_m: "m", "pitch width";
    pitch.far_y: "fraction", "row of the far touchline, fraction of the panorama height";
    pitch.near_y: "fraction", "row of the near touchline, fraction of the height";
    pitch.center_x: "fraction", "column of the halfway line, fraction of the width";
    pitch.far_half_width: "fraction", "half the far touchline, fraction of the width";
    pitch.near_half_width: "fraction", "half the near touchline, fraction of the width";
};

/// `switch_frames` is the one whole-number limit.
const SWITCH_FRAMES: Limit = Limit {
    name: "switch_frames",
    unit: "frames",
    help: "consistent detections elsewhere needed to switch balls",
    integer: true,
    get: |c| c.switch_frames as f64,
    set: |c, v| c.switch_frames = v as u32,
};

/// Every settable limit, in the order `--limit help` lists them.
pub fn limits() -> impl Iterator<Item = &'static Limit> {
    LIMITS.iter().take(9).chain(std::iter::once(&SWITCH_FRAMES)).chain(LIMITS.iter().skip(9))
}

/// The limit called `name`.
pub fn limit(name: &str) -> Option<&'static Limit> {
    limits().find(|l| l.name == name)
}

/// Checks names and values without a panorama: unknown names (with the list of known ones),
/// non-finite values, fractions for whole-number limits. `what` names where they came from
/// (`camera.limits`, `--limit`).
pub fn check_limits(what: &str, limits: &BTreeMap<String, f64>) -> Result<(), String> {
    for (name, &v) in limits {
        let Some(l) = limit(name) else {
            let known: Vec<&str> = self::limits().map(|l| l.name).collect();
            return Err(format!(
                "{what}: unknown limit {name:?}; known: {} (`pitchcam replay --limit help` shows \
                 units and current values)",
                known.join(", ")
            ));
        };
        if !v.is_finite() {
            return Err(format!("{what}: {name} = {v} is not a finite number"));
        }
        if l.integer && (v.fract() != 0.0 || v < 0.0 || v > u32::MAX as f64) {
            return Err(format!("{what}: {name} = {v} must be a whole number of {}", l.unit));
        }
    }
    Ok(())
}

/// The planner configuration for `settings` on `pano` at `aspect` and `frame_rate`: the preset,
/// then each limit, then the planner's own validation — every error names the limit.
pub fn planner_config(
    what: &str,
    settings: &CameraSettings,
    pano: Size,
    aspect: f32,
    frame_rate: f32,
) -> Result<PlannerConfig, String> {
    let preset = parse_preset(&settings.preset).map_err(|e| format!("{what}: {e}"))?;
    check_limits(what, &settings.limits)?;
    let mut cfg = PlannerConfig::preset(preset, pano);
    cfg.aspect = aspect;
    cfg.frame_rate = frame_rate;
    cfg.lookahead = settings.lookahead;
    for (name, &v) in &settings.limits {
        let l = limit(name).expect("checked above");
        (l.set)(&mut cfg, v);
    }
    cfg.validate(pano).map_err(|e| config_error(what, &e))?;
    Ok(cfg)
}

fn config_error(what: &str, e: &ConfigError) -> String {
    match e {
        ConfigError::OutOfRange { field, value, min, max } => {
            format!("{what}: {field} = {value} is outside [{min}, {max}]")
        }
        ConfigError::NotFinite { field } => format!("{what}: {field} is not a finite number"),
        other => format!("{what}: {other}"),
    }
}

/// Parses `NAME=VALUE` from the command line.
pub fn parse_limit_arg(s: &str) -> Result<(String, f64), String> {
    let Some((name, value)) = s.split_once('=') else {
        return Err(format!(
            "--limit {s:?}: expected NAME=VALUE, e.g. max_accel=2500 (`--limit help` lists them)"
        ));
    };
    let name = name.trim();
    if limit(name).is_none() {
        // The full message (with the known names) comes from check_limits.
        check_limits("--limit", &BTreeMap::from([(name.to_string(), 0.0)]))?;
    }
    let v: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("--limit {name}={value:?}: the value is not a number"))?;
    Ok((name.to_string(), v))
}

/// The table `--limit help` prints: every limit with its value in `cfg` and its unit.
pub fn limits_help(cfg: &PlannerConfig, context: &str) -> String {
    let mut s = format!(
        "Planner limits ({context}). Set with --limit NAME=VALUE (replay) or in the config file's \
         [camera.limits] table (run).\n\n{:<24} {:>12}  {:<9} {}\n",
        "name", "value", "unit", "meaning"
    );
    for l in limits() {
        let v = l.get(cfg);
        let shown = if l.integer { format!("{v:.0}") } else { format!("{}", r6(v as f32)) };
        s.push_str(&format!("{:<24} {:>12}  {:<9} {}\n", l.name, shown, l.unit, l.help));
    }
    s
}

/// The tracker's ball of one captured frame, for the plot when there is no true ball.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TrackedPoint {
    /// The frame's capture PTS.
    pub pts: u64,
    /// Ball position, px.
    pub x: f32,
    /// Ball position, px.
    pub y: f32,
    /// Measured or predicted (a lost ball is not drawn).
    pub usable: bool,
}

impl TrackedPoint {
    /// The forward tracker's ball in `o`.
    pub fn of(o: &Observation) -> TrackedPoint {
        TrackedPoint {
            pts: o.pts,
            x: q8_to_px(o.ball.pos.x),
            y: q8_to_px(o.ball.pos.y),
            usable: o.ball.state != BallState::Lost,
        }
    }
}

/// The frames of a camera path for the plot: the true ball where there is truth, else the
/// tracked ball.
pub fn plot_frames(
    cams: &[CameraState],
    truths: &[TruthPoint],
    tracked: &[TrackedPoint],
) -> Vec<PlotFrame> {
    let t0 = cams.first().map_or(0, |c| c.pts);
    let (mut ti, mut oi) = (0, 0);
    cams.iter()
        .map(|c| {
            while ti < truths.len() && truths[ti].pts < c.pts {
                ti += 1;
            }
            while oi < tracked.len() && tracked[oi].pts < c.pts {
                oi += 1;
            }
            plot_frame(
                c,
                t0,
                !truths.is_empty(),
                truths.get(ti).filter(|t| t.pts == c.pts),
                tracked.get(oi).filter(|o| o.pts == c.pts),
            )
        })
        .collect()
}

/// One plotted frame: the true ball where the run has truth (`have_truth`), else the tracked
/// ball.
fn plot_frame(
    c: &CameraState,
    t0: u64,
    have_truth: bool,
    truth: Option<&TruthPoint>,
    tracked: Option<&TrackedPoint>,
) -> PlotFrame {
    let mut f = PlotFrame {
        t: c.pts.saturating_sub(t0) as f64 / 1e9,
        cx: c.cx,
        cy: c.cy,
        rect: c.rect,
        lost: c.target.kind == TargetKind::Players,
        ..PlotFrame::default()
    };
    if have_truth {
        if let Some(t) = truth {
            f.ball = Some((t.x, t.y)).filter(|_| t.in_frame);
            f.in_play = t.in_play;
        }
    } else if let Some(o) = tracked.filter(|o| o.usable) {
        f.ball = Some((o.x, o.y));
        f.in_play = true;
    }
    f
}

/// Draws `camera.png` for a scored path.
pub fn write_plot(
    path: &Path,
    title: &str,
    section: &CameraSection,
    pano: Size,
    cams: &[CameraState],
    truths: &[TruthPoint],
    tracked: &[TrackedPoint],
) -> Result<(), String> {
    let frames = plot_frames(cams, truths, tracked);
    write_plot_frames(path, title, section, pano, &frames, !truths.is_empty(), !tracked.is_empty())
}

/// Draws `camera.png` from plot frames; `truth`: the ball series is the true ball, else the
/// tracked one (`tracked`: there were observations at all).
fn write_plot_frames(
    path: &Path,
    title: &str,
    section: &CameraSection,
    pano: Size,
    frames: &[PlotFrame],
    truth: bool,
    tracked: bool,
) -> Result<(), String> {
    let secs = frames.last().map_or(0.0, |f| f.t);
    let mut sub = format!(
        "{}, look-ahead {}{}  |  {:.1} s played",
        section.preset,
        if section.lookahead { "on" } else { "off" },
        if section.limits.is_empty() {
            String::new()
        } else {
            let l: Vec<String> = section.limits.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!(", {}", l.join(" "))
        },
        secs
    );
    if let (Some(bif), Some(safe)) = (section.ball_in_frame, section.ball_in_safe_zone) {
        sub.push_str(&format!(
            "  |  ball in frame {:.2} %, in safe zone {:.2} %",
            bif * 100.0,
            safe * 100.0
        ));
    }
    if let Some(l) = section.lag_ms {
        sub.push_str(&format!("  |  lag {l:.0} ms"));
    }
    sub.push_str(&format!("  |  max accel {:.0} px/s²", section.accel_max));
    let img = plot::render(&Plot {
        title: title.to_string(),
        subtitle: sub,
        ball_label: if truth {
            "ball (true, in play)".into()
        } else if !tracked {
            "ball (not logged)".into()
        } else {
            "ball (tracked: observations)".into()
        },
        tracked: !truth,
        pano,
        frames,
    });
    plot::write_png(path, &img)
}

/// What the control thread collects during a run for the camera section, `camera.png` and
/// (with `--log-observations`) `observations.bin` — in bounded memory whatever the run's length:
/// the path is scored as it is played, truths and observations wait only until their frame is
/// played, and the plot keeps at most [`PLOT_POINTS`] frames (halving its sampling when full).
pub struct Collector {
    scorer: Scorer,
    truths: PtsWindow<TruthPoint>,
    tracked: PtsWindow<TrackedPoint>,
    have_truth: bool,
    have_tracked: bool,
    t0: Option<u64>,
    frames: Decimated<PlotFrame>,
    log: Option<obslog::Writer>,
    settings: CameraSettings,
    pano: Size,
}

/// Frames the plot keeps at most (a 1600-pixel-wide picture needs far fewer).
pub const PLOT_POINTS: usize = 1 << 15;

/// Points waiting for their frame to be played, in PTS order. Bounded: at most a delay's worth
/// waits in a healthy run; the cap only protects a run whose playback has stopped.
struct PtsWindow<T> {
    q: std::collections::VecDeque<T>,
}

const WINDOW_CAP: usize = 8192;

impl<T: Copy> PtsWindow<T> {
    fn new() -> Self {
        PtsWindow { q: std::collections::VecDeque::with_capacity(1024) }
    }

    fn push(&mut self, t: T) {
        if self.q.len() == WINDOW_CAP {
            self.q.pop_front();
        }
        self.q.push_back(t);
    }

    /// The point for `pts`, dropping every older one.
    fn take(&mut self, pts: u64, pts_of: impl Fn(&T) -> u64) -> Option<T> {
        while self.q.front().is_some_and(|t| pts_of(t) < pts) {
            self.q.pop_front();
        }
        self.q.front().filter(|t| pts_of(t) == pts).copied()
    }
}

/// A series that keeps every `stride`-th item and doubles the stride (dropping every other kept
/// item) whenever it reaches its capacity: bounded memory, even coverage of the whole run.
struct Decimated<T> {
    items: Vec<T>,
    stride: u64,
    seen: u64,
    cap: usize,
}

impl<T> Decimated<T> {
    fn new(cap: usize) -> Self {
        Decimated { items: Vec::new(), stride: 1, seen: 0, cap: cap.max(2) }
    }

    fn push(&mut self, t: T) {
        let keep = self.seen.is_multiple_of(self.stride);
        self.seen += 1;
        if !keep {
            return;
        }
        if self.items.len() == self.cap {
            let mut i = 0;
            self.items.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.stride *= 2;
            if !(self.seen - 1).is_multiple_of(self.stride) {
                return;
            }
        }
        self.items.push(t);
    }
}

impl Collector {
    /// A collector for a run of the planner `cfg` (named by `settings`) on `pano`, that also
    /// writes `log`, if given.
    pub fn new(
        log: Option<obslog::Writer>,
        settings: CameraSettings,
        cfg: &PlannerConfig,
        pano: Size,
    ) -> Collector {
        Collector {
            scorer: Scorer::new(cfg.frame_rate, cfg.safe_zone),
            truths: PtsWindow::new(),
            tracked: PtsWindow::new(),
            have_truth: false,
            have_tracked: false,
            t0: None,
            frames: Decimated::new(PLOT_POINTS),
            log,
            settings,
            pano,
        }
    }

    /// The sim's truth of one captured frame.
    pub fn truth(&mut self, t: &Truth) {
        let p = TruthPoint::of(t);
        if let Some(l) = &mut self.log {
            l.truth(&p);
        }
        self.have_truth = true;
        self.truths.push(p);
    }

    /// One played frame.
    pub fn crop(&mut self, c: &PlayedCrop) {
        if let Some(l) = &mut self.log {
            l.played(c);
        }
        let cam = &c.cam;
        let truth = self.truths.take(cam.pts, |t| t.pts);
        let tracked = self.tracked.take(cam.pts, |o| o.pts);
        self.scorer.push(cam, truth.as_ref());
        let t0 = *self.t0.get_or_insert(cam.pts);
        let frame = plot_frame(cam, t0, self.have_truth, truth.as_ref(), tracked.as_ref());
        self.frames.push(frame);
    }

    /// One observation (the analysis thread's log queue).
    pub fn observation(&mut self, o: &Observation) {
        if let Some(l) = &mut self.log {
            l.observation(o);
        }
        self.have_tracked = true;
        self.tracked.push(TrackedPoint::of(o));
    }

    /// Ends the run: closes the log (`planner_missed`: observations the planner never got),
    /// scores the path and draws `camera.png` (titled `title`) into `dir`. Problems with the
    /// files become `warnings`; the section is returned whatever happens to them.
    pub fn finish(
        mut self,
        dir: &Path,
        title: &str,
        planner_missed: u64,
        warnings: &mut Vec<String>,
    ) -> CameraSection {
        if let Some(log) = self.log.take() {
            if let Some(e) = log.error() {
                warnings.push(e.to_string());
            }
            if let Err(e) = log.finish(planner_missed) {
                warnings.push(e);
            }
        }
        let (report, gaps) = self.scorer.finish();
        let section = CameraSection::new((&report, gaps), self.have_truth, &self.settings);
        let png = dir.join("camera.png");
        if let Err(e) = write_plot_frames(
            &png,
            title,
            &section,
            self.pano,
            &self.frames.items,
            self.have_truth,
            self.have_tracked,
        ) {
            warnings.push(e);
        }
        section
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimated_series_stays_bounded_and_evenly_spaced() {
        let mut d = Decimated::new(100);
        for i in 0..100_000u64 {
            d.push(i);
        }
        assert!(d.items.len() <= 100 && d.items.len() >= 50, "{}", d.items.len());
        let step = d.items[1] - d.items[0];
        assert!(d.items.windows(2).all(|w| w[1] - w[0] == step), "even spacing");
        assert_eq!(d.items[0], 0);
        assert!(*d.items.last().unwrap() >= 100_000 - 2 * step, "covers the whole run");
    }

    #[test]
    fn pts_window_joins_and_forgets() {
        let mut w = PtsWindow::new();
        for p in [10u64, 20, 30, 40] {
            w.push(p);
        }
        assert_eq!(w.take(20, |p| *p), Some(20));
        assert_eq!(w.take(25, |p| *p), None);
        assert_eq!(w.take(40, |p| *p), Some(40));
        assert_eq!(w.q.len(), 1, "older points are gone");
    }

    const PANO: Size = Size { w: 5700, h: 1900 };

    fn settings(limits: &[(&str, f64)]) -> CameraSettings {
        CameraSettings {
            preset: "broadcast".into(),
            lookahead: true,
            limits: limits.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        }
    }

    #[test]
    fn every_planner_field_is_settable_by_name_and_round_trips() {
        let base = PlannerConfig::preset(Preset::Broadcast, PANO);
        for l in limits() {
            let mut c = base;
            let v = l.get(&c);
            (l.set)(&mut c, v);
            assert_eq!(c, base, "{}", l.name);
        }
        // Names are unique.
        let mut names: Vec<_> = limits().map(|l| l.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), limits().count());
        assert!(limit("pitch.far_y").is_some() && limit("switch_frames").is_some());
    }

    #[test]
    fn limits_apply_and_errors_name_the_limit() {
        let c = planner_config("t", &settings(&[("max_accel", 2500.0)]), PANO, 16.0 / 9.0, 30.0)
            .unwrap();
        assert_eq!(c.max_accel, 2500.0);
        let e = planner_config("camera.limits", &settings(&[("max_accel", -1.0)]), PANO, 1.7, 30.0)
            .unwrap_err();
        assert!(e.contains("camera.limits: max_accel = -1 is outside"), "{e}");
        let e = planner_config("x", &settings(&[("max_acel", 1.0)]), PANO, 1.7, 30.0).unwrap_err();
        assert!(e.contains("unknown limit \"max_acel\"") && e.contains("max_accel"), "{e}");
        let e =
            planner_config("x", &settings(&[("switch_frames", 2.5)]), PANO, 1.7, 30.0).unwrap_err();
        assert!(e.contains("whole number"), "{e}");
        let e = planner_config("x", &settings(&[("dead_zone", 0.9)]), PANO, 1.7, 30.0).unwrap_err();
        assert!(e.contains("dead_zone") && e.contains("safe_zone"), "{e}");
        let e =
            planner_config("x", &settings(&[("pitch.far_y", 0.95)]), PANO, 1.7, 30.0).unwrap_err();
        assert!(e.contains("pitch"), "{e}");
    }

    #[test]
    fn limit_args_parse() {
        assert_eq!(parse_limit_arg("max_accel=2500").unwrap(), ("max_accel".into(), 2500.0));
        assert_eq!(parse_limit_arg(" lead_s = 0.3 ").unwrap(), ("lead_s".into(), 0.3));
        assert!(parse_limit_arg("max_accel").unwrap_err().contains("NAME=VALUE"));
        assert!(parse_limit_arg("max_accel=fast").unwrap_err().contains("not a number"));
        assert!(parse_limit_arg("speed=3").unwrap_err().contains("unknown limit"));
    }

    #[test]
    fn help_lists_every_limit_with_its_value() {
        let c = PlannerConfig::preset(Preset::Broadcast, PANO);
        let h = limits_help(&c, "broadcast on 5700x1900");
        for l in limits() {
            assert!(h.contains(l.name), "{}", l.name);
        }
        assert!(h.contains("2200"), "max_accel of broadcast: {h}");
    }

    #[test]
    fn score_joins_by_pts_and_counts_only_in_play_frames() {
        let pano = Size { w: 1000, h: 400 };
        let cams: Vec<CameraState> = (0..100)
            .map(|i| CameraState {
                pts: i * 33_333_333,
                ..CameraState::from_path(500.0, 200.0, 400.0, 16.0 / 9.0, pano)
            })
            .collect();
        // Truth for every other frame: the ball at the centre, half of those out of play.
        let truths: Vec<TruthPoint> = (0..100)
            .step_by(2)
            .map(|i| TruthPoint {
                pts: i * 33_333_333,
                x: 500.0,
                y: 200.0,
                in_play: i % 4 == 0,
                in_frame: true,
                visible: true,
            })
            .collect();
        let (r, gaps) = score(&cams, &truths, 30.0, 0.8);
        assert_eq!(gaps, 0);
        assert_eq!(r.frames, 100);
        assert_eq!(r.in_play_frames, 25);
        assert_eq!(r.ball_in_frame, 1.0);
        let s = CameraSection::new((&r, gaps), true, &settings(&[]));
        assert_eq!(s.ball_in_frame, Some(1.0));
        assert!(s.bar_failures.is_empty(), "{:?}", s.bar_failures);
        let s = CameraSection::new((&r, gaps), false, &settings(&[]));
        assert_eq!((s.ball_in_frame, s.lag_ms, s.in_play_frames), (None, None, 0));
    }

    #[test]
    fn skipped_frames_do_not_read_as_motion() {
        // A camera panning at a steady 300 px/s; playback skips two frames in the middle.
        let pano = Size { w: 2000, h: 600 };
        let cams: Vec<CameraState> = (0..90u64)
            .filter(|i| !(40..42).contains(i))
            .map(|i| {
                let cx = 500.0 + 10.0 * i as f32;
                CameraState {
                    pts: i * 1_000_000_000 / 30,
                    ..CameraState::from_path(cx, 300.0, 800.0, 16.0 / 9.0, pano)
                }
            })
            .collect();
        let (r, gaps) = score(&cams, &[], 30.0, 0.8);
        assert_eq!((gaps, r.frames), (1, 88));
        assert!((r.velocity_max - 300.0).abs() < 0.5, "{}", r.velocity_max);
        assert!(r.accel_max < 1.0, "a steady pan has no acceleration: {}", r.accel_max);
    }

    #[test]
    fn rounding_keeps_six_digits() {
        assert_eq!(r6(0.991_234_56), 0.991235);
        assert_eq!(r6(2849.123), 2849.12);
        assert_eq!(r6(0.0), 0.0);
        assert_eq!(r6(-133.333_33), -133.333);
    }
}
