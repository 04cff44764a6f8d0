//! The capture pipeline: a source that yields NV12 frames, ending in the ring-input probe.
//!
//! ```text
//! sim:    appsrc (frames from the ring's own pool, rendered by the sim thread) ─┐
//! file:   uridecodebin ─ videoconvert ─ NV12 ───────────────────────────────────┤
//! gst:    <user description> ─ videoconvert ─ NV12 ─────────────────────────────┤
//!                                                          fakesink "pitchcam_ring"
//!                                                             └ probe: ref + PTS + tensors → queues
//! ```
//!
//! The probe does O(1) work: it takes one reference to the frame, reads its PTS, moves the
//! frame's tensor storage out of the tensor meta (so the 7-s ring never pins tensor memory), pushes
//! one token to playback and one to analysis, and returns. A full queue is a counted drop, never a
//! block. For sources that allocate from downstream, the same sink pad answers the ALLOCATION
//! query with a pool of min = max = ring capacity + headroom, created once when caps are known,
//! so steady state allocates no frame buffers and the held frames never starve upstream.

use super::stats::EngineStats;
use super::{AnalysisMsg, FrameMsg};
use crate::config::Source;
use pitchcam::alloc_count::HotSection;
use pitchcam::clock::monotonic_ns;
use pitchcam::core::time::CLOCK_TIME_NONE;
use pitchcam::gst::{self, BufferPool, Pipeline, ProbeReturn, ProbeType, QueryType, VideoInfo};
use pitchcam::tensor_meta;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, mpsc};

/// Name of the ring-input sink in every capture pipeline.
pub const RING_SINK: &str = "pitchcam_ring";
/// Name of the sim source's appsrc.
pub const SIM_SRC: &str = "pitchcam_src";

/// The negotiated frame format, published once by the probe when caps arrive.
#[derive(Clone, Debug)]
pub struct FrameFormat {
    /// Video info of the frames entering the ring.
    pub info: VideoInfo,
}

/// A built (not yet playing) capture pipeline.
pub struct Capture {
    /// The pipeline.
    pub pipeline: Pipeline,
    /// Whether the source is live (a camera, a stream, the sim) rather than a file.
    pub live: bool,
    /// The format of the frames, set once negotiated.
    pub format: Arc<OnceLock<FrameFormat>>,
    /// The pool the ring's frames come from (sim: created up front; others: at negotiation).
    pub pool: Arc<OnceLock<BufferPool>>,
    /// What this pipeline shares with the pipelines that replace it when the source is reopened.
    pub shared: CaptureShared,
    /// The ring-input probe, removed by [`Capture::into_sinks`].
    probe: Option<(pitchcam::gst::Pad, pitchcam::gst::ProbeId)>,
    /// Where the probe's queues come back when the probe is destroyed.
    home: mpsc::Receiver<ProbeSinks>,
}

/// What successive capture pipelines of one run share when a live source is reopened
/// (`supervise.rs`): the frame format the first one negotiated (a reopened source must deliver
/// the same), the ring's frame pool (reused, never a second one: at 5700×1900 it is 4 GB), and
/// a flag the probe raises when a reopened source negotiates another format.
#[derive(Clone, Default)]
pub struct CaptureShared {
    /// The frame format, fixed by the first negotiation of the run.
    pub format: Arc<OnceLock<FrameFormat>>,
    /// The ring's frame pool.
    pub pool: Arc<OnceLock<BufferPool>>,
    /// A reopened source negotiated a format other than the run's; its frames are refused.
    pub format_mismatch: Arc<AtomicBool>,
}

/// The probe's queues, sent home when the probe holding them is destroyed (the pipeline torn
/// down), so the next pipeline of a reopened source takes them over: the queues' consumers
/// (playback, analysis) never notice the source changed.
struct Homing {
    sinks: Option<ProbeSinks>,
    home: mpsc::Sender<ProbeSinks>,
}

impl Drop for Homing {
    fn drop(&mut self) {
        if let Some(s) = self.sinks.take() {
            let _ = self.home.send(s);
        }
    }
}

fn same_format(a: &VideoInfo, b: &VideoInfo) -> bool {
    a.width() == b.width() && a.height() == b.height() && a.format() == b.format()
}

/// Builds the GStreamer description of a capture pipeline.
pub fn description(source: &Source, sim_caps: &str) -> Result<(String, bool), String> {
    let ring = format!("fakesink name={RING_SINK} async=false enable-last-sample=false");
    Ok(match source {
        Source::Sim => (
            format!(
                "appsrc name={SIM_SRC} format=time is-live=true do-timestamp=false block=false \
                 max-buffers=4 max-bytes=0 caps=\"{sim_caps}\" ! {ring} sync=false"
            ),
            true,
        ),
        Source::File(path) => {
            let abs = std::fs::canonicalize(path)
                .map_err(|e| format!("source file {}: {e}", path.display()))?;
            if !abs.is_file() {
                return Err(format!("source file {}: not a regular file", abs.display()));
            }
            let uri = format!("file://{}", uri_escape(&abs.to_string_lossy()));
            (
                format!(
                    "uridecodebin uri=\"{uri}\" name=pitchcam_dec caps=video/x-raw ! queue max-size-buffers=4 ! \
                     videoconvert ! video/x-raw,format=NV12 ! {ring} sync=true"
                ),
                false,
            )
        }
        Source::Gst(desc) => {
            (format!("{desc} ! videoconvert ! video/x-raw,format=NV12 ! {ring} sync=true"), true)
        }
        Source::Camera(dev) => {
            let cam = super::camsrc::description(dev, super::camsrc::Want::from_caps(sim_caps))?;
            (format!("{cam} ! {ring} sync=false"), true)
        }
        Source::Rtsp(url) => (
            // TCP first: it survives NAT and lossy Wi-Fi without smearing, and a server that
            // goes away is seen at once (the reopen is the supervisor's).
            format!(
                "rtspsrc location=\"{url}\" latency=200 protocols=tcp+udp tcp-timeout=5000000 \
                 ! decodebin ! videoconvert ! video/x-raw,format=NV12 ! {ring} sync=false"
            ),
            true,
        ),
    })
}

fn uri_escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Everything the probe hands frames to.
pub struct ProbeSinks {
    /// Frames to playback.
    pub frames: rtrb::Producer<FrameMsg>,
    /// Tensors to analysis.
    pub analysis: rtrb::Producer<AnalysisMsg>,
    /// Statistics.
    pub stats: Arc<EngineStats>,
}

impl Capture {
    /// Parses the pipeline and installs the ring-input probe (and, for sources that allocate
    /// from downstream, the ALLOCATION answer with a pool of `pool_size` frames).
    pub fn build(
        source: &Source,
        sim_caps: &str,
        pool_size: u32,
        sinks: ProbeSinks,
    ) -> Result<Capture, String> {
        Self::build_with(source, sim_caps, pool_size, sinks, CaptureShared::default(), 0)
            .map_err(|(e, _)| e)
    }

    /// [`Capture::build`] for a pipeline that continues a run: `shared` from the pipeline it
    /// replaces, and `offset_ns` added to every frame's running time so that its timestamps
    /// continue the run's timeline (the new pipeline's base time minus the run's). On failure
    /// the queues come back with the error (unless the probe could not be installed).
    pub fn build_with(
        source: &Source,
        sim_caps: &str,
        pool_size: u32,
        sinks: ProbeSinks,
        shared: CaptureShared,
        offset_ns: u64,
    ) -> Result<Capture, (String, Option<ProbeSinks>)> {
        let parsed = description(source, sim_caps).and_then(|(desc, live)| {
            let pipeline = Pipeline::parse(&desc).map_err(|e| format!("capture pipeline: {e}"))?;
            let sink = pipeline.by_name(RING_SINK).map_err(|e| e.to_string())?;
            let pad = sink.static_pad("sink").map_err(|e| e.to_string())?;
            Ok((pipeline, pad, live))
        });
        let (pipeline, pad, live) = match parsed {
            Ok(p) => p,
            Err(e) => return Err((e, Some(sinks))),
        };
        let (home_tx, home) = mpsc::channel();
        let mut homing = Homing { sinks: Some(sinks), home: home_tx };
        let format = shared.format.clone();
        let pool = shared.pool.clone();

        // ALLOCATION: create the ring's pool once, for the negotiated caps.
        if !matches!(source, Source::Sim) {
            let pool_slot = pool.clone();
            let added = pad.add_probe(ProbeType::QUERY_DOWNSTREAM, move |info| {
                let Some(q) = info.query_mut() else { return ProbeReturn::Ok };
                if q.type_() != QueryType::ALLOCATION {
                    return ProbeReturn::Ok;
                }
                let Ok((Some(caps), _)) = q.parse_allocation() else { return ProbeReturn::Ok };
                let Ok(vi) = VideoInfo::from_caps(&caps) else { return ProbeReturn::Ok };
                let pool = match pool_slot.get() {
                    Some(p) => p.clone(),
                    None => match BufferPool::new_video(&vi, pool_size, pool_size) {
                        Ok(p) => {
                            let _ = pool_slot.set(p.clone());
                            p
                        }
                        Err(e) => {
                            // Negotiation time, not the hot path: say it once and let upstream
                            // use its own pool (frames then count as foreign).
                            eprintln!(
                                "warning: cannot create the ring's frame pool for {caps}: {e}"
                            );
                            return ProbeReturn::Ok;
                        }
                    },
                };
                let cfg = pool.config();
                if vi.size() > cfg.size as usize
                    || q.add_allocation_pool(Some(&pool), cfg.size, cfg.min, cfg.max).is_err()
                {
                    return ProbeReturn::Ok;
                }
                let _ = q.add_allocation_meta(gst::video_meta_api());
                ProbeReturn::Handled
            });
            if let Err(e) = added {
                return Err((e.to_string(), homing.sinks.take()));
            }
        }

        // The ring input: CAPS and SEGMENT events and buffers, in stream order on the streaming
        // thread. The segment turns each buffer's PTS into running time (what the clock, the
        // ring and the output share); a file's PTS can start anywhere.
        let fmt_slot = format.clone();
        let pool_for_probe = pool.clone();
        let mismatch_flag = shared.format_mismatch.clone();
        let mut mismatch = false;
        let mut segment: Option<gst::Segment> = None;
        let probe = pad.add_probe(ProbeType::BUFFER | ProbeType::EVENT_DOWNSTREAM, move |info| {
            let Some(ProbeSinks { frames: frames_tx, analysis: analysis_tx, stats }) =
                homing.sinks.as_mut()
            else {
                return ProbeReturn::Ok;
            };
            if let Some(ev) = info.event() {
                if let Some(seg) = ev.segment() {
                    segment = Some(seg);
                } else if let Some(caps) = ev.caps()
                    && let Ok(vi) = VideoInfo::from_caps(&caps)
                {
                    // The first negotiation of the run fixes the format; a reopened source
                    // that comes back with another one is refused (its frames would not fit
                    // the ring's pool nor playback's crop).
                    mismatch = fmt_slot.get().is_some_and(|f| !same_format(&f.info, &vi));
                    if mismatch {
                        mismatch_flag.store(true, Ordering::Release);
                    }
                    let _ = fmt_slot.set(FrameFormat { info: vi });
                }
                return ProbeReturn::Ok;
            }
            if mismatch {
                stats.format_mismatch.incr();
                return ProbeReturn::Ok;
            }
            let _hot = HotSection::enter();
            let t0 = monotonic_ns();
            // Writable (the usual case: we hold the only reference) ⇒ move the tensor storage
            // out; otherwise take a reference to it and leave the meta in place.
            let tensors = match info.buffer_mut() {
                Some(b) => tensor_meta::take_storage(b),
                None => {
                    let t = info.buffer().and_then(tensor_meta::FrameTensors::from_buffer);
                    if t.is_some() {
                        stats.tensors_pinned.incr();
                    }
                    t
                }
            };
            let Some(buf) = info.buffer_owned() else { return ProbeReturn::Ok };
            stats.frames_in.incr();
            let pts = match (buf.pts(), &segment) {
                (Some(p), Some(seg)) => seg.to_running_time(p).unwrap_or(CLOCK_TIME_NONE),
                (Some(p), None) => p,
                (None, _) => CLOCK_TIME_NONE,
            };
            let pts = if pts == CLOCK_TIME_NONE { pts } else { pts.saturating_add(offset_ns) };
            if let Some(p) = pool_for_probe.get()
                && !buf.is_from_pool(p)
            {
                stats.foreign_buffers.incr();
            }
            if tensors.is_none() {
                stats.frames_without_tensors.incr();
            }
            if frames_tx.push(FrameMsg { pts, buf }).is_err() {
                stats.capture_queue_full.incr();
            }
            if analysis_tx.push(AnalysisMsg { pts, tensors }).is_err() {
                stats.analysis_queue_full.incr();
            }
            stats.probe_ns.record(monotonic_ns().saturating_sub(t0));
            ProbeReturn::Ok
        });
        let probe = match probe {
            Ok(p) => p,
            // The closure (and with it the queues) was dropped: they are home.
            Err(e) => return Err((e.to_string(), home.try_recv().ok())),
        };

        Ok(Capture { pipeline, live, format, pool, shared, probe: Some((pad, probe)), home })
    }

    /// Stops the pipeline (NULL) and takes the probe's queues back for the pipeline that
    /// replaces it. `None` only if the probe could not be removed in time (a streaming thread
    /// that does not return): the run then continues without a source.
    pub fn into_sinks(mut self) -> Option<ProbeSinks> {
        let _ = self.pipeline.set_state(pitchcam::gst::State::Null);
        if let Some((pad, id)) = self.probe.take() {
            // NULL stopped the streaming threads: the probe is idle and is destroyed now,
            // which sends the queues home.
            pad.remove_probe(id);
        }
        self.home.recv_timeout(std::time::Duration::from_secs(5)).ok()
    }
}
