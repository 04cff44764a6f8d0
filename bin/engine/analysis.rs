//! The analysis thread: tensors → decode + NMS → forward tracker → one observation per frame.
//!
//! It sees no pixels: the probe hands it only each frame's PTS and tensor storage, so a slow or
//! stalled analysis can never hold video frames back; playback then simply plans with the
//! observations it has. Everything it uses is allocated before the loop starts.

use super::stats::EngineStats;
use super::{AnalysisMsg, Shutdown};
use pitchcam::alloc_count::HotSection;
use pitchcam::clock::monotonic_ns;
use pitchcam::core::detect::{DetectParams, Detection, Detector};
use pitchcam::core::obs::Observation;
use pitchcam::core::track::Tracker;
use std::sync::Arc;
use std::time::Duration;

/// Candidate capacity of the detector: three 8400-anchor tiles all above threshold still fit.
pub const MAX_CANDIDATES: usize = 4096;
/// Detections kept per frame at most.
pub const MAX_KEPT: usize = 1000;
/// Tracker history length (frames).
pub const TRACK_HISTORY: usize = 256;
/// How often an idle analysis thread looks for work.
const POLL: Duration = Duration::from_millis(4);

/// The analysis thread's state, built on the control thread and moved into the thread.
pub struct Analysis {
    /// Frames' tensors from the probe.
    pub input: rtrb::Consumer<AnalysisMsg>,
    /// Observations to playback.
    pub output: rtrb::Producer<Observation>,
    /// Observations to the control thread's log writer (only with `--log-observations`).
    pub log: Option<rtrb::Producer<Observation>>,
    /// Decode + NMS.
    pub detector: Box<Detector<MAX_CANDIDATES>>,
    /// Kept boxes of the current frame.
    pub dets: Box<[Detection; MAX_KEPT]>,
    /// Thresholds.
    pub params: DetectParams,
    /// Forward ball tracker.
    pub tracker: Box<Tracker<TRACK_HISTORY>>,
    /// Statistics.
    pub stats: Arc<EngineStats>,
    /// Set when the run ends.
    pub shutdown: Arc<Shutdown>,
    /// Injected stall (`PITCHCAM_FAULT_ANALYSIS_STALL_MS`), for fault tests.
    pub stall: Option<Stall>,
}

/// An injected stall of the analysis thread: before frame `at_frame` (counting from 0) it
/// sleeps `ms` milliseconds, once — as a thread that lost its core would.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stall {
    /// Milliseconds.
    pub ms: u64,
    /// Frames analysed before the stall.
    pub at_frame: u64,
}

/// Environment variable of the analysis stall: `MS[@FRAME]` (FRAME defaults to 90, 3 s at
/// 30 fps). Read once, when the engine starts. Off by default.
pub const STALL_ENV: &str = "PITCHCAM_FAULT_ANALYSIS_STALL_MS";

/// Parses [`STALL_ENV`]'s value.
pub fn parse_stall(s: &str) -> Result<Stall, String> {
    let (ms, at) = match s.trim().split_once('@') {
        Some((m, a)) => (m, Some(a)),
        None => (s.trim(), None),
    };
    let bad = || format!("{STALL_ENV}={s:?}: expected MS[@FRAME], e.g. 3000@90");
    let ms: u64 = ms.trim().parse().map_err(|_| bad())?;
    let at_frame: u64 = match at {
        Some(a) => a.trim().parse().map_err(|_| bad())?,
        None => 90,
    };
    if ms == 0 || ms > 600_000 {
        return Err(bad());
    }
    Ok(Stall { ms, at_frame })
}

/// The stall asked for in the environment (none when unset).
pub fn stall_from_env() -> Result<Option<Stall>, String> {
    match std::env::var(STALL_ENV) {
        Ok(s) => parse_stall(&s).map(Some),
        Err(_) => Ok(None),
    }
}

impl Analysis {
    /// Runs until shutdown and the input queue is empty. Returns the thread's CPU time.
    pub fn run(mut self) -> u64 {
        loop {
            match self.input.pop() {
                Ok(msg) => self.step(msg),
                Err(_) => {
                    if self.shutdown.capture_done() {
                        return pitchcam::os::metrics::thread_cpu_time_ns();
                    }
                    // Poll: the probe wakes nobody (see capture.rs). A few ms of observation
                    // latency is nothing against the 7 s the planner looks ahead.
                    std::thread::sleep(POLL);
                }
            }
        }
    }

    fn step(&mut self, msg: AnalysisMsg) {
        if let Some(st) = self.stall
            && self.stats.analysed.get() == st.at_frame
        {
            self.stall = None;
            std::thread::sleep(Duration::from_millis(st.ms));
        }
        let _hot = HotSection::enter();
        let t0 = monotonic_ns();
        let n = match &msg.tensors {
            Some(ft) => match ft.map() {
                Ok(mapped) => {
                    match self.detector.detect(mapped.tensors(), &self.params, &mut self.dets[..]) {
                        Ok(st) => st.written as usize,
                        Err(_) => {
                            self.stats.tensor_errors.incr();
                            0
                        }
                    }
                }
                Err(_) => {
                    self.stats.tensor_errors.incr();
                    0
                }
            },
            None => 0,
        };
        // Release the tensor storage back to its pool before the (cheap) tracker step.
        drop(msg.tensors);
        let obs = self.tracker.step(msg.pts, &self.dets[..n]);
        if self.output.push(obs).is_err() {
            self.stats.observation_queue_full.incr();
        }
        if let Some(log) = &mut self.log {
            // The log is best effort: a full log queue loses log lines, never frames.
            let _ = log.push(obs);
        }
        self.stats.analysed.incr();
        self.stats.analysis_ns.record(monotonic_ns().saturating_sub(t0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stall_parses() {
        assert_eq!(parse_stall("3000").unwrap(), Stall { ms: 3000, at_frame: 90 });
        assert_eq!(parse_stall(" 500@10 ").unwrap(), Stall { ms: 500, at_frame: 10 });
        for bad in ["", "0", "x", "5@", "5@-1", "999999999"] {
            assert!(parse_stall(bad).is_err(), "{bad}");
        }
    }
}
