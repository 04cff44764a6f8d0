//! `report.json`: what a run did, measured. Written at the end of every run (also after SIGINT).

use pitchcam::core::stats::HistogramSnapshot;
use serde::Serialize;

/// Percentiles of one latency distribution, in microseconds.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct Quantiles {
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Maximum.
    pub max: f64,
    /// Number of samples.
    pub count: u64,
}

impl Quantiles {
    /// From a histogram recorded in nanoseconds.
    pub fn from_ns(h: &HistogramSnapshot) -> Quantiles {
        let us = |v: Option<u64>| v.unwrap_or(0) as f64 / 1000.0;
        Quantiles {
            p50: us(h.p50()),
            p99: us(h.p99()),
            p999: us(h.p999()),
            max: us(h.max()),
            count: h.count(),
        }
    }
}

/// Per-stage latency of pitchcam's own work.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StageLatency {
    /// The capture probe (streaming thread).
    pub probe: Quantiles,
    /// Decode + NMS + tracker for one frame.
    pub analysis: Quantiles,
    /// Planner step for one tick.
    pub plan: Quantiles,
    /// Crop-and-scale of one output frame.
    pub transform: Quantiles,
    /// Rendering one synthetic frame (sim source only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sim_render: Option<Quantiles>,
}

/// Memory in MB.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct RssMb {
    /// After start-up (pools allocated).
    pub start: f64,
    /// At the end.
    pub end: f64,
    /// Peak.
    pub max: f64,
    /// Growth after warm-up, MB per minute (least-squares slope of the samples).
    pub slope_mb_per_min: f64,
}

/// Frame accounting.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Drops {
    /// Capture → playback queue full.
    pub capture_queue_full: u64,
    /// Source had no free pool buffer (sim).
    pub pool_exhausted: u64,
    /// Refused by the ring (no PTS, duplicate, out of order).
    pub ring_rejected: u64,
    /// Frames passed over by playback (a late tick resumed on schedule).
    pub skipped_by_playback: u64,
    /// No free output buffer (encoder behind).
    pub output_pool_exhausted: u64,
    /// appsrc refused a buffer.
    pub push_failed: u64,
    /// Observations lost because the analysis queue was full.
    pub analysis_queue_full: u64,
}

/// The whole report.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// pitchcam version.
    pub version: String,
    /// The source, with secrets removed.
    pub source: String,
    /// Panorama size.
    pub panorama: [u32; 2],
    /// Seconds of capture.
    pub run_s: f64,
    /// Frames that reached the ring input.
    pub frames_in: u64,
    /// Frames pushed to the output pipeline.
    pub frames_out: u64,
    /// Frames that entered pitchcam and were never output (see `drops`), excluding the frames
    /// still inside the delay window when the run stopped.
    pub frames_dropped: u64,
    /// Why frames were dropped.
    pub drops: Drops,
    /// Frames in the delay window at stop (the last `delay_s` of capture, by design not output).
    pub frames_in_window_at_stop: u64,
    /// Output frames that repeat the previous one because no new frame was due (the source was
    /// down, or frames were missing): the output keeps its frame rate.
    pub frames_repeated: u64,
    /// Output frame rate over the output period.
    pub fps_out: f64,
    /// Mean capture-to-output delay, seconds.
    pub delay_s: f64,
    /// Smallest and largest capture-to-output delay seen, seconds.
    pub delay_range_s: [f64; 2],
    /// Smallest and largest *scheduled* delay (tick deadline − capture time, free of wake-up
    /// jitter), seconds: within half a frame of `delay` when the schedule holds.
    pub delay_scheduled_range_s: [f64; 2],
    /// Mean delay over the last 30 s of the run minus the mean over the first 30 s after
    /// warm-up, seconds (drift); `null` when the run was too short to have both windows.
    pub delay_drift_s: Option<f64>,
    /// Lateness of the playback tick against its absolute deadline.
    pub tick_lateness_us: Quantiles,
    /// Ticks later than one frame period.
    pub late_ticks: u64,
    /// pitchcam's own stages.
    pub stage_us: StageLatency,
    /// Rust heap allocations per frame inside the hot sections, after warm-up.
    pub allocations_per_frame: f64,
    /// Rust heap allocations inside hot sections after warm-up (absolute).
    pub hot_allocations: u64,
    /// Resident memory.
    pub rss_mb: RssMb,
    /// Process CPU time over wall time, percent of one core.
    pub cpu_percent: f64,
    /// Whether SCHED_FIFO was obtained for the realtime threads.
    pub rt_active: bool,
    /// What `mlockall` did.
    pub mlock: String,
    /// Capture-side counters.
    pub capture: CaptureReport,
    /// How threads were placed, in words.
    pub thread_plan: String,
    /// Ring capacity and bytes held by it (one NV12 frame each, no copies).
    pub ring: RingReport,
    /// Share of in-play frames where the true ball was inside the crop (sim only): the same
    /// number as `camera.ball_in_frame`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ball_in_frame: Option<f64>,
    /// The virtual camera's quality: framing against the true ball (sim), motion always.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub camera: Option<crate::camera::CameraSection>,
    /// Audio/video offset at the outputs, ms (sim only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub av_offset_ms: Option<f64>,
    /// How the A/V offset was measured and what it found (sim only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub av_sync: Option<AvSyncReport>,
    /// The delayed audio.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio: Option<AudioReport>,
    /// Every output branch: recording, streams, HLS, display.
    pub outputs: Vec<crate::engine::streams::OutputReport>,
    /// The source's outages and reconnections.
    pub source_health: SourceReport,
    /// Recorded files.
    pub recordings: Vec<String>,
    /// Warnings raised during the run (degraded modes).
    pub warnings: Vec<String>,
    /// Errors that ended or degraded the run.
    pub errors: Vec<String>,
}

/// Capture-side counters.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CaptureReport {
    /// Frames analysed.
    pub analysed: u64,
    /// Frames that carried no detector tensors.
    pub frames_without_tensors: u64,
    /// Frames whose tensors could not be read.
    pub tensor_errors: u64,
    /// Frames whose tensor storage stayed pinned to the frame (not writable at the probe).
    pub tensors_pinned: u64,
    /// Frames not allocated from the ring's own pool.
    pub foreign_buffers: u64,
    /// Observations lost because playback's queue was full.
    pub observation_queue_full: u64,
}

/// The delay ring at a glance.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RingReport {
    /// Capacity in frames.
    pub capacity: usize,
    /// Highest occupancy seen.
    pub high_water: u64,
    /// Bytes of one frame.
    pub frame_bytes: u64,
    /// Capacity × frame bytes, MB.
    pub max_mb: f64,
    /// PTS pathologies counted by the ring.
    pub duplicates: u64,
    /// Out-of-order frames refused.
    pub late: u64,
    /// Frames without PTS refused.
    pub no_pts: u64,
    /// Stream restarts (PTS jumped back).
    pub restarts: u64,
    /// Gaps in the PTS sequence.
    pub gaps: u64,
    /// Smallest and largest occupancy sampled each second after warm-up (steady state: both
    /// equal `capacity`).
    pub steady_occupancy: [u64; 2],
}

/// A live source's outages and reconnections (see docs/faults.md).
#[derive(Clone, Debug, Default, Serialize)]
pub struct SourceReport {
    /// Whether lost live sources are reopened.
    pub reconnect: bool,
    /// Times the source was lost (error, end of stream, silence, format change).
    pub outages: u64,
    /// Reopen attempts.
    pub reopen_attempts: u64,
    /// Attempts that failed (the next one waited twice as long).
    pub failed_attempts: u64,
    /// Outages that ended with the source delivering again.
    pub reopened: u64,
    /// Seconds without a source, all outages together.
    pub down_s: f64,
    /// The source was still down when the run ended.
    pub down_at_end: bool,
    /// Frames refused because a reopened source delivered another format.
    pub format_mismatch_frames: u64,
    /// One line per state change, with the time since start.
    pub events: Vec<String>,
}

/// The delayed audio at a glance.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AudioReport {
    /// Where it came from.
    pub source: String,
    /// Sample rate.
    pub rate: u32,
    /// Chunks captured.
    pub chunks_in: u64,
    /// Chunks pushed to the output.
    pub chunks_out: u64,
    /// Seconds of silence pushed (no source, holes, source down).
    pub silence_s: f64,
    /// Holes in the captured audio filled with silence.
    pub holes: u64,
    /// Chunks lost: capture queue full, ring full, late, refused by the output.
    pub lost: u64,
    /// Times the audio source failed (it is reopened with backoff; silence meanwhile).
    pub source_failures: u64,
}

/// The A/V offset measurement: click onsets in the recorded audio against the frames in which
/// the sim kicked the ball.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AvSyncReport {
    /// The file measured.
    pub file: String,
    /// Kicks in the measured span.
    pub kicks: usize,
    /// Click onsets found in the decoded audio.
    pub clicks: usize,
    /// Kicks paired with a click (within ±150 ms).
    pub paired: usize,
    /// Mean offset (audio − video), ms; positive = sound late.
    pub mean_ms: f64,
    /// Largest |offset|, ms (this is `av_offset_ms`).
    pub max_abs_ms: f64,
    /// Capture PTS of every kick of the run (ns), to measure other outputs against.
    pub kick_pts_ns: Vec<u64>,
}
