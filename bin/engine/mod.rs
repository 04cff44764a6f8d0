//! The engine: capture pipeline → probe → {analysis thread, playback thread} → playback pipeline,
//! on pinned realtime threads, one owner per piece of state, SPSC queues between them.
//!
//! ```text
//!  capture pipeline ── probe ─┬─ FrameMsg (frame ref, PTS) ─────────────────────► playback ─► appsrc(s)
//!  (streaming thread)         └─ AnalysisMsg (PTS, tensors) ─► analysis ─ Observation ─┘   │
//!  sim thread (sim source) ── appsrc                                                    reaper (frame release)
//!  control thread: bus, stop, status line, logs, report
//! ```
//!
//! Frames go straight from the probe to playback; analysis only receives tensors. This departs
//! from the one-queue sketch in DESIGN.md on purpose: a stalled analysis then costs observations
//! (the camera holds its last plan) but never video frames, and no frame reference waits behind
//! a decode.

pub mod analysis;
pub mod audio;
pub mod camsrc;
pub mod capture;
pub mod framelog;
pub mod output;
pub mod playback;
pub mod simsrc;
pub mod stats;
pub mod streams;
pub mod supervise;

use crate::config::{Config, Source, redact};
use crate::report::{CaptureReport, Drops, Quantiles, Report, RingReport, StageLatency};
use pitchcam::clock::monotonic_ns;
use pitchcam::core::obs::Observation;
use pitchcam::gst::{self, Buffer, BufferPool, Caps, MessageView, Pipeline, State, VideoInfo};
use pitchcam::tensor_meta::FrameTensors;
use stats::EngineStats;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A frame on its way from the probe to playback.
pub struct FrameMsg {
    /// Capture PTS (ns; `CLOCK_TIME_NONE` if the buffer had none).
    pub pts: u64,
    /// One reference to the frame.
    pub buf: Buffer,
}

/// A frame's detector output on its way from the probe to analysis.
pub struct AnalysisMsg {
    /// Capture PTS.
    pub pts: u64,
    /// The frame's tensors, if a detector attached any.
    pub tensors: Option<FrameTensors>,
}

/// Run state shared by all threads: set by the control thread, read by the others.
#[derive(Debug, Default)]
pub struct Shutdown {
    stop_capture: AtomicBool,
    capture_done: AtomicBool,
    stop_playback: AtomicBool,
    /// The source has prepared its buffers (sim: every pool buffer painted once).
    pub primed: AtomicBool,
    /// The input ended (a file): play out what the delay window still holds.
    drain: AtomicBool,
    /// Playback has output every frame it received.
    drained: AtomicBool,
}

impl Shutdown {
    /// The source should stop producing.
    pub fn capture_should_stop(&self) -> bool {
        self.stop_capture.load(Ordering::Acquire)
    }
    /// No more frames will arrive at the probe.
    pub fn capture_done(&self) -> bool {
        self.capture_done.load(Ordering::Acquire)
    }
    /// Playback should end its streams.
    pub fn playback_should_stop(&self) -> bool {
        self.stop_playback.load(Ordering::Acquire)
    }
    /// The input has ended: playback should report when it has shown everything.
    pub fn draining(&self) -> bool {
        self.drain.load(Ordering::Acquire)
    }
    /// Playback reports that it has shown every frame it received.
    pub fn set_drained(&self) {
        self.drained.store(true, Ordering::Release);
    }
}

/// Frames of headroom in the ring beyond the delay: capture-to-ring latency and tick jitter. With
/// exactly `delay × fps` entries, the frame due for output would already have been evicted
/// whenever a newer frame arrived first.
pub const RING_HEADROOM: usize = 16;
/// Extra pool buffers beyond the ring: queues, the sim's frame in progress, appsrc, the panorama
/// encoder's queue.
pub const POOL_HEADROOM: usize = 24;
/// Length of the windows whose mean delays are compared for drift.
const DRIFT_WINDOW_NS: u64 = 30_000_000_000;
/// Delay snapshots kept (one a second): enough to reach back one drift window.
const DRIFT_SNAPS: usize = 40;

/// Output frames the virtual-camera view may have in flight (encoder queue + x264's lookahead
/// threads): a second of video at 30 fps, ~100 MB at 1080p, so a briefly starved encoder costs
/// no frame.
pub const OUTPUT_POOL: u32 = 32;

/// The result of a run.
pub struct RunOutcome {
    /// The report (also written to `report.json`).
    pub report: Report,
}

fn set_state(p: &Pipeline, s: State, what: &str) -> Result<(), String> {
    p.set_state(s).map(|_| ()).map_err(|e| format!("{what}: cannot go to {s:?}: {e}"))
}

/// Calls from the control thread at the moments of a run a supervisor (`pitchcam soak`) needs.
/// Every method has an empty default.
pub trait RunHooks {
    /// Steady state reached (5 s after the first output frame).
    fn warm(&mut self) {}
    /// Once a second after warm-up, with the time since start (ns).
    fn each_second(&mut self, _elapsed_ns: u64) {}
    /// The run is about to stop (before any pipeline is torn down).
    fn before_stop(&mut self) {}
}

struct NoHooks;
impl RunHooks for NoHooks {}

/// Runs the engine for `cfg` until the duration elapses or `stop` is set (SIGINT/SIGTERM).
pub fn run(cfg: &Config, stop: &AtomicBool) -> Result<RunOutcome, String> {
    run_with(cfg, stop, &mut NoHooks)
}

/// [`run`], calling `hooks` along the way.
pub fn run_with(
    cfg: &Config,
    stop: &AtomicBool,
    hooks: &mut dyn RunHooks,
) -> Result<RunOutcome, String> {
    gst::init().map_err(|e| format!("GStreamer: {e}"))?;
    let source = Source::parse(&cfg.source.uri).map_err(|e| e.0)?;
    let audio_source = audio::AudioSource::resolve(&cfg.audio.source, &source).map_err(|e| e.0)?;
    let branch_specs = streams::plan(cfg)?;
    let (aac, aac_delay_samples) = output::aac_encoder(cfg.audio.bitrate)?;
    let dir = cfg.output.dir.clone();
    std::fs::create_dir_all(&dir).map_err(|e| format!("output folder {}: {e}", dir.display()))?;

    let fps = cfg.source.fps;
    let delay_ns = (cfg.delay.seconds * 1e9).round() as u64;
    let stats = Arc::new(EngineStats::default());
    let shutdown = Arc::new(Shutdown::default());
    let mut warnings: Vec<String> = Vec::new();
    let mut errors: Vec<String> = Vec::new();

    let ring_limit = (cfg.delay.seconds * fps as f64).ceil() as usize + RING_HEADROOM;
    if ring_limit > playback::RING_MAX {
        return Err(format!(
            "delay {} s at {fps} fps needs {ring_limit} frames; pitchcam holds at most {}",
            cfg.delay.seconds,
            playback::RING_MAX
        ));
    }
    let pool_size = (ring_limit + POOL_HEADROOM) as u32;

    // Queues (all allocated here, once).
    let (frames_tx, frames_rx) = rtrb::RingBuffer::<FrameMsg>::new(32);
    let (analysis_tx, analysis_rx) = rtrb::RingBuffer::<AnalysisMsg>::new(16);
    let (obs_tx, obs_rx) = rtrb::RingBuffer::<Observation>::new(256);
    let (reaper_tx, mut reaper_rx) = rtrb::RingBuffer::<Buffer>::new(pool_size as usize);
    let (crop_tx, mut crop_rx) = rtrb::RingBuffer::<crate::camera::PlayedCrop>::new(1024);
    let (truth_tx, mut truth_rx) = rtrb::RingBuffer::new(1024);
    let (audio_tx, audio_rx) = rtrb::RingBuffer::<audio::AudioChunk>::new(512);
    let audio_stats = Arc::new(audio::AudioStats::default());
    // Observations to the control thread: always (camera.png draws the tracked ball when there
    // is no true one), and into observations.bin with --log-observations.
    let (log_tx, mut log_rx) = {
        let (t, r) = rtrb::RingBuffer::<Observation>::new(1024);
        (Some(t), Some(r))
    };

    // Threads that do not need pipelines yet: analysis and the reaper.
    let plan = threads::plan(cfg).map_err(|e| e.to_string())?;
    let reaper_shutdown = shutdown.clone();
    let reaper = std::thread::Builder::new()
        .name("pitchcam-reaper".into())
        .spawn(move || {
            loop {
                let mut any = false;
                while let Ok(buf) = reaper_rx.pop() {
                    drop(buf);
                    any = true;
                }
                if !any {
                    if reaper_shutdown.playback_should_stop() && reaper_rx.is_abandoned() {
                        return;
                    }
                    std::thread::park_timeout(Duration::from_millis(50));
                }
            }
        })
        .map_err(|e| format!("cannot start the reaper thread: {e}"))?;

    let (pano_w, pano_h) = match source {
        Source::Sim => cfg.sim_size(),
        _ => (0, 0),
    };
    // The sim's caps; for a camera, the size and rate to get nearest to.
    let (want_w, want_h) = cfg.sim_size();
    let sim_caps = format!(
        "video/x-raw,format=NV12,width={},height={},framerate={fps}/1",
        if pano_w > 0 { pano_w } else { want_w },
        if pano_h > 0 { pano_h } else { want_h }
    );
    let bounds = pitchcam::core::geom::Size { w: pano_w.max(2), h: pano_h.max(2) };
    let analysis = analysis::Analysis {
        input: analysis_rx,
        output: obs_tx,
        log: log_tx,
        detector: Box::default(),
        dets: Box::new([Default::default(); analysis::MAX_KEPT]),
        params: detect_params(cfg, bounds)?,
        tracker: Box::new(
            pitchcam::core::track::Tracker::new(
                pitchcam::core::track::TrackerConfig::for_panorama(bounds),
            )
            .map_err(|e| format!("tracker: {e:?}"))?,
        ),
        stats: stats.clone(),
        shutdown: shutdown.clone(),
        stall: analysis::stall_from_env()?,
    };
    let analysis_handle =
        threads::spawn_rt("pitchcam-analysis", plan.analysis.clone(), move || analysis.run())
            .map_err(|e| format!("cannot start the analysis thread: {e}"))?;

    // Capture pipeline.
    let capture = capture::Capture::build(
        &source,
        &sim_caps,
        pool_size,
        capture::ProbeSinks { frames: frames_tx, analysis: analysis_tx, stats: stats.clone() },
    )?;
    let mut sim_thread = None;
    let (sim_appsrc_tx, sim_appsrc_rx) = rtrb::RingBuffer::new(4);
    let sim_outages = simsrc::outages_from_env()?;
    let sim_pool = if matches!(source, Source::Sim) {
        let caps = Caps::parse(&sim_caps).map_err(|e| e.to_string())?;
        let info = VideoInfo::from_caps(&caps).map_err(|e| e.to_string())?;
        let pool = BufferPool::new_video(&info, pool_size, pool_size)
            .map_err(|e| format!("frame pool: {e}"))?;
        pool.set_active(true).map_err(|e| format!("frame pool ({pool_size} frames): {e}"))?;
        let _ = capture.pool.set(pool.clone());
        Some((pool, info))
    } else {
        None
    };

    // A source that cannot start says why on its bus: that reason leads the message.
    let start_failed = |e: String| {
        let why = bus_error(&capture.pipeline);
        let _ = capture.pipeline.set_state(State::Null);
        match why {
            Some(w) => format!("source {}: {w}", redact(&cfg.source.uri)),
            None => format!("source {}: {e}", redact(&cfg.source.uri)),
        }
    };
    if let Err(e) = set_state(&capture.pipeline, State::Playing, "capture pipeline") {
        return Err(start_failed(e));
    }
    // The base time is only assigned once the pipeline has really reached PLAYING (a file source
    // prerolls first); everything is scheduled from it.
    let (reached, _, _) = capture.pipeline.state(Some(10_000_000_000));
    if let Err(e) = reached {
        return Err(start_failed(e.to_string()));
    }
    let base_time = capture.pipeline.base_time();
    let start_wall = monotonic_ns();

    // Audio: its own pipeline on the capture pipeline's clock and base time (one running time).
    let mut audio_sup = AudioSupervisor::new(
        audio::AudioCapture::build(&audio_source, cfg.audio.rate, audio_tx, audio_stats.clone())?,
        capture.pipeline.clock(),
        base_time,
    );
    if let Some(w) = audio_sup.start(start_wall) {
        eprintln!("warning: {w}");
        warnings.push(w);
    }

    if let Some((pool, info)) = sim_pool.clone() {
        let sim_cfg = pitchcam::core::sim::SimConfig {
            seed: cfg.source.seed,
            size: pitchcam::core::geom::Size { w: pano_w, h: pano_h },
            fps,
            ..Default::default()
        };
        let sim =
            Box::new(pitchcam::core::sim::Sim::new(&sim_cfg).map_err(|e| format!("sim: {e}"))?);
        let tensor_pool = BufferPool::new(None, (sim.block_len() * 4) as u32, 32, 32)
            .map_err(|e| format!("tensor pool: {e}"))?;
        tensor_pool.set_active(true).map_err(|e| format!("tensor pool: {e}"))?;
        let appsrc = pitchcam::gst::AppSrc::from_element(
            capture.pipeline.by_name(capture::SIM_SRC).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
        let src = simsrc::SimSource {
            appsrc,
            pool,
            info,
            tensor_pool,
            sim,
            fps,
            base_time,
            appsrc_updates: sim_appsrc_rx,
            outages: sim_outages,
            truth_log: truth_tx,
            stats: stats.clone(),
            shutdown: shutdown.clone(),
            audio: match audio_sup.capture.as_ref().and_then(|c| c.sim_appsrc()) {
                Some(a) => Some(audio::SimAudio::new(
                    a,
                    cfg.audio.rate,
                    fps,
                    delay_ns,
                    audio_stats.clone(),
                )?),
                None => None,
            },
        };
        sim_thread = Some(
            threads::spawn_rt("pitchcam-sim", plan.sim.clone(), move || src.run())
                .map_err(|e| format!("cannot start the sim thread: {e}"))?,
        );
    }

    // Wait for the frame format (sim: known; other sources: from the negotiated caps).
    let bus = capture.pipeline.bus();
    let t_wait = monotonic_ns();
    let frame_info = loop {
        if let Some(f) = capture.format.get() {
            break f.info.clone();
        }
        if let Some(msg) = bus.timed_pop(Some(20_000_000)) {
            if let MessageView::Error(e) = msg.view() {
                let _ = capture.pipeline.set_state(State::Null);
                return Err(format!("source {}: {e}", redact(&cfg.source.uri)));
            }
            if let MessageView::Eos = msg.view() {
                let _ = capture.pipeline.set_state(State::Null);
                return Err(format!(
                    "source {}: ended before its first frame",
                    redact(&cfg.source.uri)
                ));
            }
        }
        if monotonic_ns() - t_wait > 15_000_000_000 || stop.load(Ordering::Relaxed) {
            let _ = capture.pipeline.set_state(State::Null);
            return Err(format!("source {}: no video within 15 s", redact(&cfg.source.uri)));
        }
    };
    let (fw, fh) = (frame_info.width(), frame_info.height());
    if fw % 2 == 1 || fh % 2 == 1 {
        let _ = capture.pipeline.set_state(State::Null);
        return Err(format!(
            "source {}: {fw}x{fh} frames: NV12 needs even sizes",
            redact(&cfg.source.uri)
        ));
    }
    let (fps_n, fps_d) = frame_info.fps();
    let (fps_n, fps_d) = if fps_n > 0 && fps_d > 0 { (fps_n, fps_d) } else { (fps as i32, 1) };
    let period_ns =
        pitchcam::core::time::frame_period_ns(fps_n as u32, fps_d as u32).unwrap_or(33_333_333);

    // Playback pipeline.
    let out_desc = output::description(cfg, (fw, fh), (fps_n, fps_d), &branch_specs, &aac);
    let playback_pipeline =
        Pipeline::parse(&out_desc).map_err(|e| format!("output pipeline: {e}"))?;
    playback_pipeline.set_start_time(None);
    playback_pipeline.set_base_time(base_time + delay_ns);
    let mut outputs = streams::Outputs::build(&branch_specs, cfg, &playback_pipeline)?;
    let audio_out = audio::AudioOutput::new(
        audio_rx,
        pitchcam::gst::AppSrc::from_element(
            playback_pipeline.by_name(audio::AUDIO_OUT_SRC).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?,
        cfg.audio.rate,
        aac_delay_samples * 1_000_000_000 / cfg.audio.rate as u64,
        audio_stats.clone(),
    )?;
    let vcam = if cfg.output.modes.iter().any(|m| m == "vcam") {
        let (w, h) = cfg.vcam_size();
        let caps = Caps::parse(&format!(
            "video/x-raw,format=NV12,width={w},height={h},framerate={fps_n}/{fps_d}"
        ))
        .map_err(|e| e.to_string())?;
        let info = VideoInfo::from_caps(&caps).map_err(|e| e.to_string())?;
        let pool = BufferPool::new_video(&info, OUTPUT_POOL, OUTPUT_POOL)
            .map_err(|e| format!("output pool: {e}"))?;
        pool.set_active(true).map_err(|e| format!("output pool: {e}"))?;
        let appsrc = pitchcam::gst::AppSrc::from_element(
            playback_pipeline.by_name(output::VCAM_SRC).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
        Some(playback::VcamOutput { appsrc, pool, info })
    } else {
        None
    };
    let panorama = if cfg.output.modes.iter().any(|m| m == "panorama") {
        Some(
            pitchcam::gst::AppSrc::from_element(
                playback_pipeline.by_name(output::PANO_SRC).map_err(|e| e.to_string())?,
            )
            .map_err(|e| e.to_string())?,
        )
    } else {
        None
    };
    set_state(&playback_pipeline, State::Playing, "output pipeline")?;
    let out_bus = playback_pipeline.bus();
    let mut out_log: streams::Log = Vec::new();
    outputs.start(base_time + delay_ns, &mut out_log);

    let pano = pitchcam::core::geom::Size { w: fw, h: fh };
    let planner_cfg = planner_config(cfg, pano, fps_n as f32 / fps_d as f32)?;
    let playback = playback::Playback {
        frames: frames_rx,
        observations: obs_rx,
        reaper: reaper_tx,
        reaper_thread: reaper.thread().clone(),
        ring: Box::new(
            pitchcam::core::ring::DelayRing::with_limit(
                pitchcam::core::ring::RingConfig::for_frame_period(period_ns),
                ring_limit,
            )
            .ok_or_else(|| format!("ring of {ring_limit} frames: out of range"))?,
        ),
        planner: Box::new(
            pitchcam::core::plan::Planner::new(planner_cfg, pano)
                .map_err(|e| format!("planner: {e:?}"))?,
        ),
        scaler: Box::default(),
        vcam,
        panorama,
        frame_info: frame_info.clone(),
        period_ns,
        delay_ns,
        base_time,
        stats: stats.clone(),
        shutdown: shutdown.clone(),
        crop_log: crop_tx,
        last_out: None,
        audio: Some(audio_out),
        hold: Default::default(),
    };
    let playback_handle =
        threads::spawn_rt("pitchcam-playback", plan.playback.clone(), move || playback.run())
            .map_err(|e| format!("cannot start the playback thread: {e}"))?;

    // From here the supervisor owns the capture pipeline (and replaces it if the source is lost).
    let mut supervisor = supervise::Supervisor::new(
        capture,
        source.clone(),
        &cfg.source.uri,
        &sim_caps,
        pool_size,
        base_time,
        supervise::Policy {
            reconnect: cfg.source.reconnect,
            stall_ns: (cfg.source.stall_timeout_s * 1e9) as u64,
            backoff: supervise::Backoff::new(1_000_000_000, (cfg.source.retry_max_s * 1e9) as u64),
        },
        sim_thread.is_some().then_some(sim_appsrc_tx),
        monotonic_ns(),
    );
    let mut occupancy: Option<[u64; 2]> = None;
    let mut delay_snaps: std::collections::VecDeque<(
        u64,
        pitchcam::core::stats::HistogramSnapshot,
    )> = std::collections::VecDeque::with_capacity(DRIFT_SNAPS);
    let mut first_window: Option<pitchcam::core::stats::HistogramSnapshot> = None;
    let mut warm_delay: Option<(u64, pitchcam::core::stats::HistogramSnapshot)> = None;

    // Control loop.
    let status = status::Status::new(stats.clone(), period_ns, delay_ns);
    let mut rss = status::RssSampler::new();
    let duration_ns = cfg.run.effective_duration(&cfg.source.uri).map(|s| (s * 1e9) as u64);
    let obs_log = if cfg.output.log_observations {
        match observation_log(cfg, pano, (fps_n as u32, fps_d as u32), delay_ns, &planner_cfg) {
            Ok(w) => Some(w),
            Err(e) => {
                errors.push(e);
                None
            }
        }
    } else {
        None
    };
    let camera_settings = crate::camera::CameraSettings {
        preset: cfg.camera.preset.clone(),
        lookahead: cfg.camera.lookahead,
        limits: cfg.camera.limits.clone(),
    };
    let mut camera_log =
        crate::camera::Collector::new(obs_log, camera_settings, &planner_cfg, pano);
    let mut frame_log =
        if cfg.output.log_frames { Some(framelog::FrameLog::create(&dir)?) } else { None };
    let mut kicks: Vec<u64> = Vec::new();
    let mut capture_eos = false;
    let mut natural_end = false;
    let mut warm: Option<(stats::Snapshots, u64, u64)> = None;
    // Steady state: 5 s after the first output frame (encoders and caches warm).
    let mut warm_at = u64::MAX;
    let mut mlock = pitchcam::os::MlockOutcome::NotRequested;
    let mut prepared = false;
    // The first status line after a second of running: earlier, the rates divide by a few ms.
    let mut last_status = monotonic_ns();
    loop {
        let now = monotonic_ns();
        if stop.load(Ordering::Relaxed) {
            break;
        }
        if duration_ns.is_some_and(|d| now - start_wall >= d) {
            break;
        }
        // When the source is back, the recordings start a new segment.
        let mut split = false;
        let events = supervisor.poll(now, stats.frames_in.get(), &mut || split = true);
        if split {
            outputs.split_recordings();
        }
        for ev in events {
            match ev {
                supervise::SourceEvent::Fatal(e) => {
                    errors.push(format!("source: {e}"));
                    natural_end = true;
                }
                supervise::SourceEvent::Warning(w) => warnings.push(format!("source: {w}")),
                supervise::SourceEvent::Notice(n) => warnings.push(n),
                supervise::SourceEvent::Ended { live } => {
                    capture_eos = true;
                    if live {
                        natural_end = true;
                    } else {
                        // A file ended: the last `delay` of it is still in the window.
                        shutdown.drain.store(true, Ordering::Release);
                    }
                }
            }
        }
        while let Some(msg) = out_bus.timed_pop(Some(0)) {
            match msg.view() {
                MessageView::Error(e) => {
                    errors.push(format!("output: {e}"));
                    natural_end = true;
                }
                MessageView::Warning(w) => warnings.push(format!("output: {w}")),
                _ => {}
            }
        }
        if natural_end || shutdown.drained.load(Ordering::Acquire) {
            break;
        }
        outputs.poll(&mut out_log);
        audio_sup.poll(now, &mut out_log);
        for line in out_log.drain(..) {
            eprintln!("warning: {line}");
            warnings.push(line);
        }
        drain_camera_logs(
            &mut camera_log,
            &mut frame_log,
            &mut truth_rx,
            &mut crop_rx,
            &mut log_rx,
            &mut kicks,
        );
        if !prepared && (sim_thread.is_none() || shutdown.primed.load(Ordering::Acquire)) {
            // Every frame buffer exists and has been touched: lock it in RAM now, and take the
            // first memory sample (the RSS slope is judged from here).
            prepared = true;
            if cfg.threads.mlock {
                mlock = pitchcam::os::lock_memory();
                if !mlock.is_locked() {
                    let w = format!("memory not locked: {mlock}");
                    eprintln!("warning: {w}");
                    warnings.push(w);
                }
            }
            rss.sample(now);
        }
        if warm_at == u64::MAX && stats.frames_out.get() > 0 {
            warm_at = now + 5_000_000_000;
        }
        if warm.is_none() && now >= warm_at {
            warm = Some((
                stats.snapshots(),
                pitchcam::alloc_count::hot_allocations(),
                stats.frames_out.get(),
            ));
            warm_delay = Some((now, stats.delay_us.snapshot()));
            hooks.warm();
        }
        if now - last_status >= 1_000_000_000 {
            last_status = now;
            if let Some((t_warm, d0)) = &warm_delay {
                let len = stats.ring_len.get();
                if supervisor.state() == supervise::SourceState::Up {
                    let o = occupancy.get_or_insert([len, len]);
                    o[0] = o[0].min(len);
                    o[1] = o[1].max(len);
                }
                let d = stats.delay_us.snapshot();
                if first_window.is_none() && now - t_warm >= DRIFT_WINDOW_NS {
                    first_window = Some(d.since(d0));
                }
                if delay_snaps.len() >= DRIFT_SNAPS {
                    delay_snaps.pop_front();
                }
                delay_snaps.push_back((now, d));
                hooks.each_second(now - start_wall);
            }
            if prepared {
                rss.sample(now);
            }
            status.print(
                now - start_wall,
                pitchcam::os::metrics::rss_bytes().unwrap_or(0) as f64 / 1e6,
                plan.describe(),
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    status.finish();
    hooks.before_stop();
    let end_now = monotonic_ns();
    let end_delay = stats.delay_us.snapshot();
    // Drift: mean delay over the last window minus the first, once the run has both.
    let delay_drift_s =
        match (&first_window, delay_snaps.iter().find(|(t, _)| end_now - t <= DRIFT_WINDOW_NS)) {
            (Some(first), Some((_, snap)))
                if end_now.saturating_sub(warm_at) >= 2 * DRIFT_WINDOW_NS =>
            {
                let last = end_delay.since(snap);
                match (first.mean(), last.mean()) {
                    (Some(a), Some(b)) => Some((b as f64 - a as f64) / 1e6),
                    _ => None,
                }
            }
            _ => None,
        };
    let mut source_health = supervisor.report(end_now);
    source_health.format_mismatch_frames = stats.format_mismatch.get();
    let capture = supervisor.into_capture();
    let bus = capture.as_ref().map(|c| c.pipeline.bus());

    // Stop: source first (EOS through the capture pipeline), then playback (EOS into the
    // encoders so the muxers finalise the files), then tear down.
    let run_ns = monotonic_ns() - start_wall;
    shutdown.stop_capture.store(true, Ordering::Release);
    if sim_thread.is_none()
        && !capture_eos
        && let Some(c) = &capture
        && let Ok(eos) = gst::Event::eos()
    {
        let _ = c.pipeline.send_event(eos);
    }
    if let Some(bus) = &bus
        && !capture_eos
    {
        wait_for_eos(bus, 3_000_000_000, "source", &mut errors);
    }
    let sim_cpu = sim_thread.map(|h| h.join().unwrap_or(0));
    if let Some(c) = &capture {
        let _ = c.pipeline.set_state(State::Null);
    }
    audio_sup.stop();
    shutdown.capture_done.store(true, Ordering::Release);
    analysis_handle.thread().unpark();
    let analysis_cpu = analysis_handle.join().unwrap_or(0);
    shutdown.stop_playback.store(true, Ordering::Release);
    let summary = playback_handle.join().map_err(|_| "playback thread panicked".to_string())?;
    if !wait_for_eos(&out_bus, 20_000_000_000, "output", &mut errors) {
        errors.push(
            "output: the encoders did not finish within 20 s; the last segment may be incomplete"
                .into(),
        );
    }
    // The branches got EOS from their appsinks: let them finalise files and streams.
    outputs.finish(15_000_000_000, &mut errors);
    for line in out_log.drain(..) {
        warnings.push(line);
    }
    let _ = playback_pipeline.set_state(State::Null);
    reaper.thread().unpark();
    let _ = reaper.join();
    drain_camera_logs(
        &mut camera_log,
        &mut frame_log,
        &mut truth_rx,
        &mut crop_rx,
        &mut log_rx,
        &mut kicks,
    );
    if let Some(l) = frame_log.take()
        && let Err(e) = l.finish()
    {
        errors.push(format!("frame log: {e}"));
    }

    // Report.
    let end = stats.snapshots();
    let (steady, hot_allocs, frames_steady) = match &warm {
        Some((w, a, f)) => (
            end.since(w),
            pitchcam::alloc_count::hot_allocations() - a,
            stats.frames_out.get().saturating_sub(*f),
        ),
        None => (end.clone(), pitchcam::alloc_count::hot_allocations(), stats.frames_out.get()),
    };
    let frames_out = stats.frames_out.get();
    let ring_counters = summary.ring.unwrap_or_default();
    let drops = Drops {
        capture_queue_full: stats.capture_queue_full.get(),
        pool_exhausted: stats.pool_exhausted.get(),
        ring_rejected: stats.ring_rejected.get(),
        skipped_by_playback: stats.skipped.get(),
        output_pool_exhausted: stats.output_pool_exhausted.get(),
        push_failed: stats.push_failed.get(),
        analysis_queue_full: stats.analysis_queue_full.get(),
    };
    let frames_dropped = drops.capture_queue_full
        + drops.pool_exhausted
        + drops.ring_rejected
        + drops.skipped_by_playback
        + drops.output_pool_exhausted
        + drops.push_failed;
    let out_span_s = frames_out as f64 * period_ns as f64 / 1e9;
    let cpu = pitchcam::os::metrics::process_cpu_time_ns();
    let recordings = list_recordings(&dir);
    let mut report = Report {
        version: env!("CARGO_PKG_VERSION").into(),
        source: redact(&cfg.source.uri),
        panorama: [fw, fh],
        run_s: run_ns as f64 / 1e9,
        frames_in: stats.frames_in.get(),
        frames_out,
        frames_dropped,
        drops,
        frames_in_window_at_stop: summary.frames_in_window,
        frames_repeated: stats.frames_repeated.get(),
        fps_out: steady_fps(&steady, frames_out, out_span_s, period_ns),
        delay_s: end.delay.mean().unwrap_or(0) as f64 / 1e6,
        delay_range_s: [
            end.delay.min().unwrap_or(0) as f64 / 1e6,
            end.delay.max().unwrap_or(0) as f64 / 1e6,
        ],
        delay_scheduled_range_s: {
            let s = stats.sched_delay_us.snapshot();
            [s.min().unwrap_or(0) as f64 / 1e6, s.max().unwrap_or(0) as f64 / 1e6]
        },
        delay_drift_s,
        tick_lateness_us: Quantiles::from_ns(&steady.tick_late),
        late_ticks: stats.late_ticks.get(),
        stage_us: StageLatency {
            probe: Quantiles::from_ns(&steady.probe),
            analysis: Quantiles::from_ns(&steady.analysis),
            plan: Quantiles::from_ns(&steady.plan),
            transform: Quantiles::from_ns(&steady.transform),
            sim_render: sim_cpu.map(|_| Quantiles::from_ns(&steady.sim)),
        },
        allocations_per_frame: if frames_steady > 0 {
            hot_allocs as f64 / frames_steady as f64
        } else {
            0.0
        },
        hot_allocations: hot_allocs,
        rss_mb: rss.report(warm_at),
        cpu_percent: 100.0 * cpu as f64 / run_ns.max(1) as f64,
        rt_active: plan.rt_active(),
        mlock: mlock.to_string(),
        capture: CaptureReport {
            analysed: stats.analysed.get(),
            frames_without_tensors: stats.frames_without_tensors.get(),
            tensor_errors: stats.tensor_errors.get(),
            tensors_pinned: stats.tensors_pinned.get(),
            foreign_buffers: stats.foreign_buffers.get(),
            observation_queue_full: stats.observation_queue_full.get(),
        },
        thread_plan: plan.describe(),
        ring: RingReport {
            capacity: ring_limit,
            high_water: ring_counters.high_water,
            frame_bytes: frame_info.size() as u64,
            max_mb: (ring_limit as u64 * frame_info.size() as u64) as f64 / 1e6,
            duplicates: ring_counters.duplicates,
            late: ring_counters.late,
            no_pts: ring_counters.no_pts,
            restarts: ring_counters.restarts,
            gaps: ring_counters.gaps,
            steady_occupancy: occupancy.unwrap_or_default(),
        },
        source_health,
        recordings,
        warnings,
        errors,
        ..Default::default()
    };
    let _ = analysis_cpu;
    let title = format!(
        "pitchcam run: {}{}, {fw}x{fh} @ {:.0} fps, delay {:.1} s",
        redact(&cfg.source.uri),
        if matches!(source, Source::Sim) {
            format!(" seed {}", cfg.source.seed)
        } else {
            String::new()
        },
        planner_cfg.frame_rate,
        cfg.delay.seconds
    );
    let camera =
        camera_log.finish(&dir, &title, stats.observation_queue_full.get(), &mut report.warnings);
    report.ball_in_frame = camera.ball_in_frame;
    report.camera = Some(camera);
    report.outputs = outputs.report();
    report.audio = Some(audio_report(&audio_source, cfg.audio.rate, &audio_stats, &audio_sup));
    if audio_source == audio::AudioSource::Sim {
        match measure_av_sync(cfg, &outputs, &kicks, period_ns) {
            Ok(s) => {
                report.av_offset_ms = (s.paired > 0).then_some(s.max_abs_ms);
                report.av_sync = Some(s);
            }
            Err(e) => {
                report.warnings.push(format!("A/V offset not measured: {e}"));
                // The kicks still let a viewer of a stream measure it.
                report.av_sync =
                    Some(crate::report::AvSyncReport { kick_pts_ns: kicks, ..Default::default() });
            }
        }
    }
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("report.json"), json + "\n")
        .map_err(|e| format!("cannot write {}: {e}", dir.join("report.json").display()))?;
    Ok(RunOutcome { report })
}

/// The audio capture pipeline and its reopen schedule: a failed microphone means silence in
/// the outputs and a retry with backoff, never a stopped camera.
struct AudioSupervisor {
    capture: Option<audio::AudioCapture>,
    clock: Option<pitchcam::gst::Clock>,
    base_time: u64,
    failures: u64,
    retry_at: Option<u64>,
    backoff: u64,
    ended: bool,
}

impl AudioSupervisor {
    fn new(
        capture: Option<audio::AudioCapture>,
        clock: Option<pitchcam::gst::Clock>,
        base_time: u64,
    ) -> Self {
        AudioSupervisor {
            capture,
            clock,
            base_time,
            failures: 0,
            retry_at: None,
            backoff: streams::BACKOFF_MIN_NS,
            ended: false,
        }
    }

    /// Starts the source; a warning if it could not (the outputs carry silence meanwhile).
    fn start(&mut self, now: u64) -> Option<String> {
        let c = self.capture.as_ref()?;
        match c.start(self.clock.as_ref(), self.base_time) {
            Ok(()) => None,
            Err(e) => Some(self.failed(now, e)),
        }
    }

    fn failed(&mut self, now: u64, e: String) -> String {
        self.failures += 1;
        let Some(c) = &self.capture else { return e };
        c.stop();
        if c.source.is_live() {
            self.retry_at = Some(now + self.backoff);
            self.backoff = (self.backoff * 2).min(streams::BACKOFF_MAX_NS);
            format!(
                "audio {} failed: {e}; silence until it is back (retrying)",
                c.source.describe()
            )
        } else {
            self.ended = true;
            format!("audio {}: {e}; the outputs carry silence", c.source.describe())
        }
    }

    fn poll(&mut self, now: u64, log: &mut streams::Log) {
        if self.ended {
            return;
        }
        let Some(c) = &self.capture else { return };
        let what = c.source.describe();
        if let Some(at) = self.retry_at {
            if now >= at {
                self.retry_at = None;
                // Still failing: stay quiet (one log line per state change).
                if self.start(now).is_none() {
                    self.backoff = streams::BACKOFF_MIN_NS;
                    log.push(format!("audio {what} is back"));
                }
            }
            return;
        }
        let Some(c) = &self.capture else { return };
        match c.poll() {
            Some(e) if e.is_empty() && !c.source.is_live() => self.ended = true,
            Some(e) => {
                let e = if e.is_empty() { "the source ended".to_string() } else { e };
                let w = self.failed(now, e);
                log.push(w);
            }
            None => {}
        }
    }

    fn stop(&self) {
        if let Some(c) = &self.capture {
            c.stop();
        }
    }
}

fn audio_report(
    source: &audio::AudioSource,
    rate: u32,
    s: &audio::AudioStats,
    sup: &AudioSupervisor,
) -> crate::report::AudioReport {
    crate::report::AudioReport {
        source: source.describe(),
        rate,
        chunks_in: s.chunks_in.get(),
        chunks_out: s.chunks_out.get(),
        silence_s: s.silence_ns.get() as f64 / 1e9,
        holes: s.holes.get(),
        lost: s.queue_full.get() + s.ring_evicted.get() + s.late.get() + s.push_failed.get(),
        source_failures: sup.failures,
    }
}

/// Decodes the first recorded segment of the first view and pairs its click onsets with the
/// kick frames of the truth log.
fn measure_av_sync(
    cfg: &Config,
    outputs: &streams::Outputs,
    kicks: &[u64],
    period_ns: u64,
) -> Result<crate::report::AvSyncReport, String> {
    let rec = outputs
        .branches
        .iter()
        .find(|b| b.spec.kind == streams::BranchKind::Record)
        .ok_or("no recording to measure")?;
    let first = rec.first_video_pts().ok_or("the recording received no video")?;
    let ext = if cfg.output.container == "mp4" { "mp4" } else { "mkv" };
    let file = cfg.output.dir.join(format!("{}-00000.{ext}", rec.spec.mode));
    let f = audio::measure_file(&file, 120_000_000_000)?;
    // File time → capture time, anchored on the first video frame (both tracks share it).
    let clicks: Vec<u64> = f
        .clicks
        .iter()
        .map(|&c| (c as i64 - f.first_video_ns as i64 + first as i64).max(0) as u64)
        .collect();
    let span_end = first + f.video_frames.saturating_sub(2) * period_ns;
    let in_span: Vec<u64> = kicks.iter().copied().filter(|&k| k >= first && k < span_end).collect();
    let d = audio::pair_offsets(&in_span, &clicks, 150_000_000);
    let mean = if d.is_empty() { 0.0 } else { d.iter().sum::<i64>() as f64 / d.len() as f64 / 1e6 };
    let max = d.iter().map(|v| v.unsigned_abs()).max().unwrap_or(0) as f64 / 1e6;
    Ok(crate::report::AvSyncReport {
        file: file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        kicks: in_span.len(),
        clicks: f.clicks.len(),
        paired: d.len(),
        mean_ms: mean,
        max_abs_ms: max,
        kick_pts_ns: kicks.to_vec(),
    })
}

/// The first error waiting on a pipeline's bus, with its debug details' last line.
/// Waits up to `limit_ns` for EOS on `bus`: true once it arrived. An error message ends the wait
/// early and is recorded as `"{what}: {error}"`.
fn wait_for_eos(bus: &gst::Bus, limit_ns: u64, what: &str, errors: &mut Vec<String>) -> bool {
    let t0 = monotonic_ns();
    while monotonic_ns() - t0 < limit_ns {
        if let Some(msg) = bus.timed_pop(Some(50_000_000)) {
            match msg.view() {
                MessageView::Eos => return true,
                MessageView::Error(e) => {
                    errors.push(format!("{what}: {e}"));
                    return false;
                }
                _ => {}
            }
        }
    }
    false
}

fn bus_error(p: &Pipeline) -> Option<String> {
    // The error may be posted just after the state change gave up.
    let msg = p.bus().timed_pop_filtered(Some(1_000_000_000), gst::MessageType::ERROR)?;
    let e = msg.parse_error()?;
    let detail = e.debug.as_deref().and_then(|d| d.lines().last()).unwrap_or("");
    // uridecodebin asks for a decoder for every stream it cannot expose; for a file with audio
    // only that reads as a missing plug-in, when the truth is "no video".
    if e.message.contains("missing a plug-in")
        && detail.contains("audio/")
        && !detail.contains("video/")
    {
        return Some(format!("it has no video stream ({detail})"));
    }
    Some(if detail.is_empty() {
        format!("{} ({})", e.message, e.source.unwrap_or_default())
    } else {
        format!("{} ({}: {detail})", e.message, e.source.unwrap_or_default())
    })
}

fn steady_fps(_steady: &stats::Snapshots, frames_out: u64, out_span_s: f64, period_ns: u64) -> f64 {
    if out_span_s <= 0.0 {
        return 0.0;
    }
    let _ = period_ns;
    frames_out as f64 / out_span_s
}

fn detect_params(
    cfg: &Config,
    bounds: pitchcam::core::geom::Size,
) -> Result<pitchcam::core::detect::DetectParams, String> {
    let a = &cfg.analysis;
    let mut p =
        pitchcam::core::detect::DetectParams::new(a.conf, a.iou, a.max_det as usize, bounds)
            .map_err(|e| format!("analysis: {e:?}"))?;
    if let Some(per) = &a.conf_per_class {
        for (i, c) in per.iter().enumerate() {
            p.conf[i] = *c;
        }
    }
    Ok(p)
}

fn planner_config(
    cfg: &Config,
    pano: pitchcam::core::geom::Size,
    frame_rate: f32,
) -> Result<pitchcam::core::plan::PlannerConfig, String> {
    let settings = crate::camera::CameraSettings {
        preset: cfg.camera.preset.clone(),
        lookahead: cfg.camera.lookahead,
        limits: cfg.camera.limits.clone(),
    };
    let (w, h) = cfg.vcam_size();
    crate::camera::planner_config("camera.limits", &settings, pano, w as f32 / h as f32, frame_rate)
}

/// Opens `observations.bin` in the output folder with this run's parameters.
fn observation_log(
    cfg: &Config,
    pano: pitchcam::core::geom::Size,
    fps: (u32, u32),
    delay_ns: u64,
    planner: &pitchcam::core::plan::PlannerConfig,
) -> Result<crate::obslog::Writer, String> {
    let sim = matches!(Source::parse(&cfg.source.uri), Ok(Source::Sim));
    let header = crate::obslog::Header {
        pitchcam: env!("CARGO_PKG_VERSION").into(),
        source: redact(&cfg.source.uri),
        seed: sim.then_some(cfg.source.seed),
        panorama: [pano.w, pano.h],
        fps: [fps.0, fps.1],
        delay_ns,
        aspect: planner.aspect,
        preset: cfg.camera.preset.clone(),
        lookahead: cfg.camera.lookahead,
        limits: cfg.camera.limits.clone(),
        planner_window: playback::PLAN_WINDOW,
        truth: sim,
    };
    crate::obslog::Writer::create(&cfg.output.dir.join("observations.bin"), &header)
}

/// Moves what the sim, playback and analysis logged into the camera collector (and the
/// observation log, and frames.csv with `--log-frames`).
fn drain_camera_logs(
    to: &mut crate::camera::Collector,
    frame_log: &mut Option<framelog::FrameLog>,
    truths: &mut rtrb::Consumer<pitchcam::core::sim::truth::Truth>,
    crops: &mut rtrb::Consumer<crate::camera::PlayedCrop>,
    observations: &mut Option<rtrb::Consumer<Observation>>,
    kicks: &mut Vec<u64>,
) {
    while let Ok(t) = truths.pop() {
        // The sim's kicks, for the A/V offset measured against the clicks they made.
        if t.kick.is_foot() {
            kicks.push(t.pts);
        }
        if let Some(l) = frame_log {
            l.truth(&t);
        }
        to.truth(&t);
    }
    while let Ok(c) = crops.pop() {
        if let Some(l) = frame_log {
            l.crop(c.cam.pts, c.cam.rect);
        }
        to.crop(&c);
    }
    if let Some(r) = observations {
        while let Ok(o) = r.pop() {
            to.observation(&o);
        }
    }
}

fn list_recordings(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".mkv") || n.ends_with(".mp4"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

pub mod status;
pub mod threads;
