//! Evaluates the virtual camera on synthetic matches and prints the metric table.
//!
//! ```text
//! cargo run --release -p pitchcam-core --example plan_eval -- [--source sim|synth]
//!     [--seconds 600] [--seeds 1001,1002,1003] [--preset broadcast|action|wide|all]
//!     [--width 5700 --height 1900] [--hard] [--per-seed] [--dump FILE.csv [--dump-off]]
//! ```
//!
//! Sources:
//! * `sim` (default): the analysis chain the engine runs — `core::sim` ground truth → the
//!   simulated YOLO11 tensors (tiles) → `detect::Detector` (decode + NMS) → `track::Tracker` →
//!   [`Observation`]s — scored against the simulator's true ball;
//! * `synth`: the planner's own small match generator (`core/tests/plan_synth`, with a stand-in
//!   tracker), written before the simulator landed; it has a spare ball on the pitch edge, longer
//!   occlusion bursts and more out-of-play time, and stays useful as a second, harsher source.
//!
//! `--hard` makes either detector worse (more misses and false balls, more jitter).
//!
//! Playback semantics as in the engine: the observation of captured frame `t` is pushed, then the
//! crop of frame `t − 210` (7 s earlier) is asked for and scored against that frame's true ball
//! (framing metrics count in-play frames with the ball inside the panorama). Every match runs
//! twice: look-ahead on, and off (a causal follower with the same limits). Rows aggregate all
//! seeds (merged metric accumulators); the tick columns time `push` + `crop_at` per frame.
use std::collections::VecDeque;
use std::io::Write;
use std::time::Instant;

use pitchcam_core::detect::{DetectParams, Detection, Detector};
use pitchcam_core::geom::Size;
use pitchcam_core::obs::Observation;
use pitchcam_core::plan::{
    CameraMetrics, CameraReport, DEFAULT_WINDOW, FrameTruth, MetricsConfig, Planner, PlannerConfig,
    Preset,
};
use pitchcam_core::sim::SimConfig;
use pitchcam_core::sim::tensors::TensorSynth;
use pitchcam_core::sim::world::Match as SimMatch;
use pitchcam_core::track::{Tracker, TrackerConfig};

#[path = "../tests/plan_synth/mod.rs"]
mod plan_synth;

const DELAY_FRAMES: usize = 210;

/// Where the frames come from.
trait Source {
    fn next_frame(&mut self) -> (Observation, FrameTruth);
}

/// sim truth → sim tensors → detect → track: the engine's analysis chain on the synthetic match
/// (no rendering: the planner needs only what the detector reports).
struct SimSource {
    world: SimMatch,
    synth: Box<TensorSynth<1>>,
    block: Vec<f32>,
    det: Box<Detector<4096>>,
    params: DetectParams,
    tracker: Box<Tracker<64>>,
    dets: Vec<Detection>,
}

impl SimSource {
    fn new(pano: Size, seed: u64, hard: bool) -> Self {
        let mut cfg = SimConfig { seed, size: pano, ..SimConfig::default() };
        if hard {
            cfg.noise.ball_miss_rate = 0.2;
            cfg.noise.false_ball_rate = 0.2;
            cfg.noise.position_jitter = 1.2;
        }
        let synth = Box::new(TensorSynth::<1>::new(&cfg).expect("simulator config"));
        let block = vec![0f32; synth.block_len()];
        // The engine's thresholds: 0.25 for people, lower for the small, often blurred ball.
        let mut params = DetectParams::new(0.25, 0.45, 300, pano).expect("detector params");
        params.conf[0] = 0.15;
        SimSource {
            world: SimMatch::new(&cfg).expect("simulator config"),
            synth,
            block,
            det: Box::new(Detector::new()),
            params,
            tracker: Box::new(
                Tracker::new(TrackerConfig::for_panorama(pano)).expect("tracker config"),
            ),
            dets: vec![Detection::default(); 300],
        }
    }
}

impl Source for SimSource {
    fn next_frame(&mut self) -> (Observation, FrameTruth) {
        let truth = *self.world.step();
        let frame = self.synth.write(0, &truth, &mut self.block).expect("tensors");
        let tensors: Vec<_> = (0..frame.tiles().len())
            .map(|i| frame.tensor(i, &self.block).expect("tensor view"))
            .collect();
        let stats = self.det.detect(&tensors, &self.params, &mut self.dets).expect("detect");
        let obs = self.tracker.step(truth.pts, &self.dets[..stats.written as usize]);
        let b = truth.ball;
        (obs, FrameTruth { x: b.pos[0], y: b.pos[1], in_play: b.in_play && b.in_frame })
    }
}

impl Source for plan_synth::Match {
    fn next_frame(&mut self) -> (Observation, FrameTruth) {
        let f = self.next().expect("the synthetic match never ends");
        (f.obs, f.truth)
    }
}

struct Run {
    report: CameraReport,
    tick_ns: Vec<u64>,
}

fn run(
    src: &mut dyn Source,
    frames: usize,
    cfg: PlannerConfig,
    pano: Size,
    mut dump: Option<&mut dyn std::io::Write>,
) -> Run {
    let mut planner =
        Planner::<DEFAULT_WINDOW>::new(cfg, pano).unwrap_or_else(|e| panic!("config: {e}"));
    let mut metrics = CameraMetrics::new(MetricsConfig {
        frame_rate: cfg.frame_rate,
        safe_zone: cfg.safe_zone,
        ..MetricsConfig::default()
    });
    let mut pending: VecDeque<(u64, FrameTruth)> = VecDeque::new();
    let mut tick_ns = Vec::with_capacity(frames + DELAY_FRAMES);
    // One playback tick: push the newest captured frame's observation, crop the frame captured
    // DELAY_FRAMES earlier.
    for i in 0..frames + DELAY_FRAMES {
        let next = if i < frames { Some(src.next_frame()) } else { None };
        let t = Instant::now();
        if let Some((obs, truth)) = next {
            planner.push(&obs);
            pending.push_back((obs.pts, truth));
        }
        if i >= DELAY_FRAMES {
            let (pts, truth) = pending.pop_front().expect("one pending frame per tick");
            let cam = planner.crop_at(pts);
            tick_ns.push(t.elapsed().as_nanos() as u64);
            metrics.push(&truth, &cam);
            if let Some(d) = dump.as_mut() {
                let tg = &cam.target;
                writeln!(
                    d,
                    "{},{:.1},{:.1},{},{:.1},{:.1},{:.1},{:.1},{:.1},{},{},{},{},{:?},{:.1},{:.1},{:.1},{:.1},{:.1},{},{}",
                    i - DELAY_FRAMES,
                    truth.x,
                    truth.y,
                    truth.in_play as u8,
                    cam.cx,
                    cam.cy,
                    cam.width,
                    cam.vx,
                    cam.vy,
                    cam.rect.x,
                    cam.rect.y,
                    cam.rect.w,
                    cam.rect.h,
                    tg.kind,
                    tg.x,
                    tg.y,
                    tg.sigma,
                    tg.desired_width,
                    tg.planned_width,
                    tg.set_piece as u8,
                    planner.spare_places()
                )
                .expect("dump write");
            }
        }
    }
    if let Some(d) = dump.as_mut() {
        writeln!(d, "# counters {:?}", planner.counters()).expect("dump write");
    }
    Run { report: metrics.report(), tick_ns }
}

fn pct(v: &mut [u64], q: f64) -> f64 {
    v.sort_unstable();
    v[((v.len() as f64 - 1.0) * q).round() as usize] as f64 / 1000.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg =
        |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let seconds: f32 = arg("--seconds").map_or(600.0, |s| s.parse().expect("--seconds N"));
    let seeds: Vec<u64> = arg("--seeds").map_or(vec![1001, 1002, 1003], |s| {
        s.split(',').map(|x| x.trim().parse().expect("--seeds a,b,c")).collect()
    });
    let w: u32 = arg("--width").map_or(5700, |s| s.parse().expect("--width W"));
    let h: u32 = arg("--height").map_or(1900, |s| s.parse().expect("--height H"));
    let per_seed = args.iter().any(|a| a == "--per-seed");
    // --hard: a worse detector (more misses, twice the occlusion bursts, three times the false
    // balls) to see how the camera degrades.
    let hard = args.iter().any(|a| a == "--hard");
    let sim = match arg("--source").as_deref() {
        None | Some("sim") => true,
        Some("synth") => false,
        Some(s) => panic!("unknown source {s} (sim | synth)"),
    };
    // --dump FILE: per-frame CSV of the first seed, first preset, look-ahead on (--dump-off: off).
    let dump_lookahead = !args.iter().any(|a| a == "--dump-off");
    let mut dump_file = arg("--dump").map(|p| {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).expect("--dump FILE"));
        writeln!(
            f,
            "frame,bx,by,in_play,cx,cy,w,vx,vy,rx,ry,rw,rh,kind,tx,ty,sigma,wd,wp,set_piece,spares"
        )
        .expect("dump write");
        f
    });
    let presets: Vec<Preset> = match arg("--preset").as_deref() {
        None | Some("broadcast") => vec![Preset::Broadcast],
        Some("action") => vec![Preset::Action],
        Some("wide") => vec![Preset::Wide],
        Some("all") => vec![Preset::Broadcast, Preset::Action, Preset::Wide],
        Some(p) => panic!("unknown preset {p}"),
    };
    let pano = Size { w, h };
    let frames = (seconds * 30.0) as usize;
    println!(
        "plan_eval: {} s × {} seeds {:?} at {}x{}, source: {}{}",
        seconds,
        seeds.len(),
        seeds,
        w,
        h,
        if sim {
            "core::sim → detect → track"
        } else {
            "planner's synthetic match (core/tests/plan_synth)"
        },
        if hard { ", hard detector" } else { "" }
    );
    println!();
    println!(
        "| preset | look-ahead | ball_in_frame | in_safe_zone | offset_rms | offset_p95 | lag_ms | vel_max | vel_p99 | acc_max | acc_p99 | jerk_rms | reversals/s | zoom_max %/s | recovery_p95 s | recovery_max s | recoveries | rect_acc_max | tick p50 µs | tick p99 µs | tick max µs |"
    );
    println!(
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for &preset in &presets {
        for lookahead in [true, false] {
            let mut reps = Vec::new();
            let mut ticks = Vec::new();
            for &seed in &seeds {
                let mut cfg = PlannerConfig::preset(preset, pano);
                cfg.lookahead = lookahead;
                let mut src: Box<dyn Source> = if sim {
                    Box::new(SimSource::new(pano, seed, hard))
                } else {
                    let mut sc = plan_synth::SynthConfig::new(pano);
                    if hard {
                        sc.p_detect = 0.8;
                        sc.burst_rate = 0.3;
                        sc.p_false = 0.15;
                    }
                    Box::new(plan_synth::Match::new(sc, seed))
                };
                let d = if lookahead == dump_lookahead { dump_file.take() } else { None };
                let mut d = d;
                let r = run(
                    src.as_mut(),
                    frames,
                    cfg,
                    pano,
                    d.as_mut().map(|f| f as &mut dyn std::io::Write),
                );
                if per_seed {
                    print_row(
                        &format!("{preset:?} seed {seed}"),
                        lookahead,
                        &r.report,
                        &mut r.tick_ns.clone(),
                    );
                }
                reps.push(r.report);
                ticks.extend(r.tick_ns);
            }
            let agg = aggregate(&reps);
            print_row(&format!("{preset:?}"), lookahead, &agg, &mut ticks);
        }
    }
}

fn print_row(name: &str, lookahead: bool, r: &CameraReport, ticks: &mut [u64]) {
    let (p50, p99, max) = if ticks.is_empty() {
        (0.0, 0.0, 0.0)
    } else {
        (pct(ticks, 0.5), pct(ticks, 0.99), pct(ticks, 1.0))
    };
    println!(
        "| {} | {} | {:.2} % | {:.2} % | {:.3} | {:.3} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.3} | {:.1} | {:.2} | {:.2} | {} ({} cut) | {:.0} | {:.1} | {:.1} | {:.1} |",
        name,
        if lookahead { "on" } else { "off" },
        r.ball_in_frame * 100.0,
        r.ball_in_safe_zone * 100.0,
        r.offset_rms,
        r.offset_p95,
        r.lag_ms.map_or("–".to_string(), |l| format!("{l:.0}")),
        r.velocity_max,
        r.velocity_p99,
        r.accel_max,
        r.accel_p99,
        r.jerk_rms,
        r.reversals_per_s,
        r.zoom_rate_max,
        r.recovery_s_p95,
        r.recovery_s_max,
        r.recoveries,
        r.recoveries_unfinished,
        r.rect_accel_max,
        p50,
        p99,
        max
    );
}

/// Frame-weighted means for shares and RMS, worst case for maxima and percentiles, mean lag.
fn aggregate(rs: &[CameraReport]) -> CameraReport {
    let ip: f64 = rs.iter().map(|r| r.in_play_frames as f64).sum::<f64>().max(1.0);
    let fr: f64 = rs.iter().map(|r| r.frames as f64).sum::<f64>().max(1.0);
    let wmean = |f: &dyn Fn(&CameraReport) -> f64| {
        rs.iter().map(|r| f(r) * r.in_play_frames as f64).sum::<f64>() / ip
    };
    let max = |f: &dyn Fn(&CameraReport) -> f32| rs.iter().map(f).fold(0.0f32, f32::max);
    let lags: Vec<f32> = rs.iter().filter_map(|r| r.lag_ms).collect();
    CameraReport {
        frames: fr as u64,
        in_play_frames: ip as u64,
        ball_in_frame: wmean(&|r| r.ball_in_frame as f64) as f32,
        ball_in_safe_zone: wmean(&|r| r.ball_in_safe_zone as f64) as f32,
        offset_rms: wmean(&|r| (r.offset_rms as f64).powi(2)).sqrt() as f32,
        offset_p95: max(&|r| r.offset_p95),
        lag_ms: if lags.is_empty() {
            None
        } else {
            Some(lags.iter().sum::<f32>() / lags.len() as f32)
        },
        velocity_max: max(&|r| r.velocity_max),
        velocity_p99: max(&|r| r.velocity_p99),
        accel_max: max(&|r| r.accel_max),
        accel_p99: max(&|r| r.accel_p99),
        jerk_rms: (rs.iter().map(|r| (r.jerk_rms as f64).powi(2) * r.frames as f64).sum::<f64>()
            / fr)
            .sqrt() as f32,
        reversals: rs.iter().map(|r| r.reversals).sum(),
        reversals_per_s: (rs.iter().map(|r| r.reversals as f64).sum::<f64>() / (fr / 30.0)) as f32,
        zoom_rate_max: max(&|r| r.zoom_rate_max),
        recovery_s_p95: max(&|r| r.recovery_s_p95),
        recovery_s_max: max(&|r| r.recovery_s_max),
        recoveries: rs.iter().map(|r| r.recoveries).sum(),
        recoveries_unfinished: rs.iter().map(|r| r.recoveries_unfinished).sum(),
        rect_accel_max: max(&|r| r.rect_accel_max),
    }
}
