//! The engine's measurements: one histogram or counter per stage and event, each written by the
//! one thread that owns that stage and read lock-free by the control thread (status line, report).

use pitchcam::core::stats::{Counter, Gauge, Histogram, HistogramSnapshot};

/// Every statistic of a run. Shared by `Arc`; see `pitchcam_core::stats` for the single-writer
/// contract each field follows (the writer is named on the field).
#[derive(Debug, Default)]
pub struct EngineStats {
    /// Probe duration, ns (streaming thread).
    pub probe_ns: Histogram,
    /// Decode + NMS + track per frame, ns (analysis).
    pub analysis_ns: Histogram,
    /// Planner step per tick, ns (playback).
    pub plan_ns: Histogram,
    /// Crop-and-scale per output frame, ns (playback).
    pub transform_ns: Histogram,
    /// Sim step + render + tensors per frame, ns (sim thread).
    pub sim_ns: Histogram,
    /// Tick lateness against the absolute deadline, ns (playback).
    pub tick_late_ns: Histogram,
    /// Capture-to-output delay of each output frame, µs (playback).
    pub delay_us: Histogram,

    /// Frames seen by the ring-input probe (streaming thread).
    pub frames_in: Counter,
    /// Probe → playback queue full (streaming thread).
    pub capture_queue_full: Counter,
    /// Probe → analysis queue full (streaming thread).
    pub analysis_queue_full: Counter,
    /// Frames carrying no tensors (streaming thread).
    pub frames_without_tensors: Counter,
    /// Frames whose tensor storage stayed pinned to the frame (buffer not writable at the probe).
    pub tensors_pinned: Counter,
    /// Frames whose buffer did not come from the ring's pool (streaming thread).
    pub foreign_buffers: Counter,
    /// Frames refused because a reopened source delivered another format (streaming thread).
    pub format_mismatch: Counter,

    /// Sim frames not produced because the pool had no free buffer (sim thread).
    pub pool_exhausted: Counter,
    /// Sim frames pushed into the capture pipeline (sim thread).
    pub sim_frames: Counter,
    /// Sim frames not delivered during an injected outage (sim thread).
    pub sim_withheld: Counter,

    /// Frames analysed (analysis).
    pub analysed: Counter,
    /// Frames whose tensors could not be read (analysis).
    pub tensor_errors: Counter,
    /// Analysis → playback queue full (analysis).
    pub observation_queue_full: Counter,

    /// Frames pushed to the output (playback).
    pub frames_out: Counter,
    /// Ticks that found no new frame and repeated the last one, keeping the output's frame
    /// rate while the source is down (playback).
    pub frames_repeated: Counter,
    /// Scheduled capture-to-output delay of each output frame (the tick's deadline minus the
    /// frame's capture time, so free of wake-up jitter), µs (playback).
    pub sched_delay_us: Histogram,
    /// Frames refused by the ring (playback).
    pub ring_rejected: Counter,
    /// Frames evicted from the ring without having been output (playback).
    pub skipped: Counter,
    /// Ticks that found no new frame to show (playback).
    pub held: Counter,
    /// Ticks later than one frame period (playback).
    pub late_ticks: Counter,
    /// No free output buffer (playback).
    pub output_pool_exhausted: Counter,
    /// appsrc refused a buffer (playback).
    pub push_failed: Counter,
    /// Frames in the ring now (playback).
    pub ring_len: Gauge,
    /// Ticks run (playback).
    pub ticks: Counter,
    /// Released frames that could not be handed to the reaper (released on the tick instead).
    pub reaper_queue_full: Counter,
}

/// A consistent-enough copy of the histograms at one moment, to compute steady-state figures as
/// `end.since(warm)`.
#[derive(Clone, Debug)]
pub struct Snapshots {
    /// `probe_ns`.
    pub probe: HistogramSnapshot,
    /// `analysis_ns`.
    pub analysis: HistogramSnapshot,
    /// `plan_ns`.
    pub plan: HistogramSnapshot,
    /// `transform_ns`.
    pub transform: HistogramSnapshot,
    /// `sim_ns`.
    pub sim: HistogramSnapshot,
    /// `tick_late_ns`.
    pub tick_late: HistogramSnapshot,
    /// `delay_us`.
    pub delay: HistogramSnapshot,
}

impl EngineStats {
    /// Snapshots every histogram.
    pub fn snapshots(&self) -> Snapshots {
        Snapshots {
            probe: self.probe_ns.snapshot(),
            analysis: self.analysis_ns.snapshot(),
            plan: self.plan_ns.snapshot(),
            transform: self.transform_ns.snapshot(),
            sim: self.sim_ns.snapshot(),
            tick_late: self.tick_late_ns.snapshot(),
            delay: self.delay_us.snapshot(),
        }
    }
}

impl Snapshots {
    /// The interval between `earlier` and `self`.
    pub fn since(&self, earlier: &Snapshots) -> Snapshots {
        Snapshots {
            probe: self.probe.since(&earlier.probe),
            analysis: self.analysis.since(&earlier.analysis),
            plan: self.plan.since(&earlier.plan),
            transform: self.transform.since(&earlier.transform),
            sim: self.sim.since(&earlier.sim),
            tick_late: self.tick_late.since(&earlier.tick_late),
            delay: self.delay.since(&earlier.delay),
        }
    }
}
