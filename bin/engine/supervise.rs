//! Source supervision: a live source that fails, ends or falls silent is reopened, with
//! exponential backoff, while the rest of the engine keeps running.
//!
//! ```text
//!            error / EOS / no frame for stall_timeout / other format
//!   Up ───────────────────────────────────────────────► Down ── backoff elapsed ──► Opening
//!    ▲                                                    ▲                            │
//!    └──────────────── first frame ───────────────────────┼──────── fails again ───────┘
//! ```
//!
//! What happens meanwhile, by design (docs/faults.md):
//! * the probe's queues outlive the pipeline: they come back when the old pipeline is torn down
//!   and go into the new one, so playback and analysis never see the source change;
//! * the new pipeline continues the run's timeline (its timestamps are offset by its base time
//!   minus the run's), so frames after the outage are shown `delay` after their capture again —
//!   the delay re-establishes itself, no re-planning of the schedule;
//! * the ring's frame pool is reused (never a second one);
//! * playback repeats the last frame while no new one arrives (`playback.rs`, [`Hold`]), so the
//!   output keeps its frame rate and the recording has no hole; when the source is back the
//!   recording starts a new segment, so the outage is visible in the file list;
//! * one log line per state change; counts and a timeline of events go to the report.
//!
//! A `file:` source that ends is not a fault: it plays out its tail and the run stops.
//!
//! [`Hold`]: super::playback::Hold

use super::capture::{self, Capture, ProbeSinks};
use crate::config::{Source, redact};
use crate::report::SourceReport;
use pitchcam::gst::{AppSrc, MessageView, State};
use std::io::IsTerminal;

/// Exponential backoff: `initial`, `2·initial`, `4·initial`, … capped at `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    initial_ns: u64,
    max_ns: u64,
    next_ns: u64,
}

impl Backoff {
    /// Starts at `initial_ns`, never waits longer than `max_ns`.
    pub fn new(initial_ns: u64, max_ns: u64) -> Backoff {
        let max_ns = max_ns.max(initial_ns);
        Backoff { initial_ns, max_ns, next_ns: initial_ns }
    }

    /// The wait before the next attempt; the one after will be twice as long (up to the cap).
    pub fn next_delay(&mut self) -> u64 {
        let d = self.next_ns;
        self.next_ns = d.saturating_mul(2).min(self.max_ns);
        d
    }

    /// Back to the initial wait (the source worked again).
    pub fn reset(&mut self) {
        self.next_ns = self.initial_ns;
    }
}

/// Where the source is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceState {
    /// The run's first pipeline, before its first frame: a source may take a while to prepare
    /// (the sim paints its whole frame pool first — seconds at 5700×1900), so the stall timeout
    /// applies only from the first frame on; until then, [`FIRST_FRAME_TIMEOUT_NS`].
    Starting,
    /// Delivering frames.
    Up,
    /// Reopened at `since` (ns), waiting for its first frame.
    Opening {
        /// When the attempt started.
        since: u64,
    },
    /// Torn down; the next attempt is at `retry_at` (ns).
    Down {
        /// When the next attempt starts.
        retry_at: u64,
    },
}

/// How long the run's first pipeline may take to deliver its first frame.
pub const FIRST_FRAME_TIMEOUT_NS: u64 = 60_000_000_000;

/// The reconnection policy (from `[source]` in the config).
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Reopen live sources at all (off: a live source that ends or fails ends the run).
    pub reconnect: bool,
    /// A live source that delivers no frame for this long is down, ns.
    pub stall_ns: u64,
    /// Waits between attempts.
    pub backoff: Backoff,
}

/// What the control loop must know after a [`Supervisor::poll`].
#[derive(Debug, PartialEq)]
pub enum SourceEvent {
    /// A warning posted by the source pipeline.
    Warning(String),
    /// A state change of the source (also printed once, when it happens).
    Notice(String),
    /// The source failed and will not be reopened (a file, or reconnection is off): the run
    /// ends with this error.
    Fatal(String),
    /// The source ended and will not be reopened. `live == false`: a file, whose last `delay`
    /// is still to be played out.
    Ended {
        /// Whether the source was live.
        live: bool,
    },
}

/// Owns the capture pipeline of a run and replaces it when the source is lost.
pub struct Supervisor {
    source: Source,
    uri: String,
    sim_caps: String,
    pool_size: u32,
    /// The run's base time (its running time 0 on CLOCK_MONOTONIC).
    base_time: u64,
    policy: Policy,
    capture: Option<Capture>,
    /// The probe's queues while no pipeline holds them.
    parked: Option<ProbeSinks>,
    shared: capture::CaptureShared,
    /// Hands the sim thread the appsrc of each new pipeline.
    sim_appsrc: Option<rtrb::Producer<AppSrc>>,
    state: SourceState,
    frames_seen: u64,
    last_progress: u64,
    outage_start: Option<u64>,
    start: u64,
    report: SourceReport,
}

impl Supervisor {
    /// Takes over `capture`, already PLAYING since `base_time`; `now` is the current time (ns).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        capture: Capture,
        source: Source,
        uri: &str,
        sim_caps: &str,
        pool_size: u32,
        base_time: u64,
        policy: Policy,
        sim_appsrc: Option<rtrb::Producer<AppSrc>>,
        now: u64,
    ) -> Supervisor {
        let shared = capture.shared.clone();
        Supervisor {
            source,
            uri: redact(uri),
            sim_caps: sim_caps.to_string(),
            pool_size,
            base_time,
            policy,
            capture: Some(capture),
            parked: None,
            shared,
            sim_appsrc,
            state: SourceState::Starting,
            frames_seen: 0,
            last_progress: now,
            outage_start: None,
            start: now,
            report: SourceReport { reconnect: policy.reconnect, ..Default::default() },
        }
    }

    /// Where the source is.
    pub fn state(&self) -> SourceState {
        self.state
    }

    /// The source's outages and reconnections so far.
    pub fn report(&self, now: u64) -> SourceReport {
        let mut r = self.report.clone();
        if let Some(t) = self.outage_start {
            r.down_s += (now.saturating_sub(t)) as f64 / 1e9;
            r.down_at_end = true;
        }
        r
    }

    /// Gives up the capture pipeline for the stop sequence.
    pub fn into_capture(self) -> Option<Capture> {
        self.capture
    }

    /// One step of supervision: the source's bus messages, its progress (`frames_in`, the
    /// probe's frame count), stalls and retries. Call often (every 20 ms) from the control
    /// thread; `new_segment` is called when the source is back (to split the recording).
    pub fn poll(
        &mut self,
        now: u64,
        frames_in: u64,
        new_segment: &mut dyn FnMut(),
    ) -> Vec<SourceEvent> {
        let mut out = Vec::new();
        if frames_in > self.frames_seen {
            self.frames_seen = frames_in;
            self.last_progress = now;
            match self.state {
                SourceState::Starting => self.state = SourceState::Up,
                SourceState::Opening { .. } => {
                    self.back(now, &mut out);
                    new_segment();
                }
                _ => {}
            }
        }
        let mut lost: Option<String> = None;
        if let Some(c) = &self.capture {
            let bus = c.pipeline.bus();
            while let Some(msg) = bus.timed_pop(Some(0)) {
                match msg.view() {
                    MessageView::Error(e) => {
                        if c.live && self.policy.reconnect {
                            lost = Some(format!("error: {e}"));
                            break;
                        }
                        out.push(SourceEvent::Fatal(e.to_string()));
                    }
                    MessageView::Warning(w) => out.push(SourceEvent::Warning(w.to_string())),
                    MessageView::Eos => {
                        if c.live && self.policy.reconnect {
                            lost = Some("the stream ended (EOS)".into());
                            break;
                        }
                        out.push(SourceEvent::Ended { live: c.live });
                    }
                    _ => {}
                }
            }
            if lost.is_none()
                && self.shared.format_mismatch.swap(false, std::sync::atomic::Ordering::AcqRel)
            {
                let want = self.shared.format.get().map(|f| {
                    format!("{}x{} {:?}", f.info.width(), f.info.height(), f.info.format())
                });
                lost = Some(format!(
                    "it came back with another frame format (the run's is {})",
                    want.unwrap_or_default()
                ));
            }
            let silent = now.saturating_sub(self.last_progress);
            let allowed = match self.state {
                SourceState::Starting => FIRST_FRAME_TIMEOUT_NS,
                _ => self.policy.stall_ns,
            };
            if lost.is_none() && c.live && self.policy.reconnect && silent > allowed {
                lost = Some(format!("no frame for {:.1} s", silent as f64 / 1e9));
            }
        }
        if let Some(reason) = lost {
            self.lose(now, &reason, &mut out);
        }
        if let SourceState::Down { retry_at } = self.state
            && now >= retry_at
        {
            self.reopen(now, &mut out);
        }
        out
    }

    fn elapsed_s(&self, now: u64) -> f64 {
        now.saturating_sub(self.start) as f64 / 1e9
    }

    fn notice(&mut self, now: u64, text: String, out: &mut Vec<SourceEvent>) {
        let line = format!("t={:.1}s source {text}", self.elapsed_s(now));
        if std::io::stderr().is_terminal() {
            // Over the status line, which the next update redraws.
            eprintln!("\r\x1b[2K{line}");
        } else {
            eprintln!("{line}");
        }
        self.report.events.push(line.clone());
        out.push(SourceEvent::Notice(line));
    }

    /// Tears the pipeline down and schedules the next attempt.
    fn lose(&mut self, now: u64, reason: &str, out: &mut Vec<SourceEvent>) {
        if let Some(c) = self.capture.take() {
            match c.into_sinks() {
                Some(s) => self.parked = Some(s),
                None => {
                    out.push(SourceEvent::Fatal(format!(
                        "{}: {reason}, and its pipeline did not stop",
                        self.uri
                    )));
                    return;
                }
            }
        }
        let wait = self.policy.backoff.next_delay();
        let retry_at = now + wait;
        match self.state {
            SourceState::Starting | SourceState::Up => {
                self.report.outages += 1;
                self.outage_start = Some(now);
                let text = format!(
                    "lost ({reason}); output holds the last frame; reopening in {:.0} s",
                    wait as f64 / 1e9
                );
                self.notice(now, text, out);
            }
            SourceState::Opening { .. } | SourceState::Down { .. } => {
                self.report.failed_attempts += 1;
                let text = format!(
                    "attempt {} failed ({reason}); next in {:.0} s",
                    self.report.reopen_attempts,
                    wait as f64 / 1e9
                );
                self.notice(now, text, out);
            }
        }
        self.state = SourceState::Down { retry_at };
    }

    fn back(&mut self, now: u64, out: &mut Vec<SourceEvent>) {
        self.state = SourceState::Up;
        self.report.reopened += 1;
        self.policy.backoff.reset();
        let down = self.outage_start.take().map_or(0, |t| now.saturating_sub(t));
        self.report.down_s += down as f64 / 1e9;
        let text = format!(
            "back after {:.1} s (attempt {}); delay re-established from its next frame",
            down as f64 / 1e9,
            self.report.reopen_attempts
        );
        self.notice(now, text, out);
    }

    /// Builds and starts a new pipeline for the source.
    fn reopen(&mut self, now: u64, out: &mut Vec<SourceEvent>) {
        let Some(sinks) = self.parked.take() else { return };
        self.report.reopen_attempts += 1;
        // The sim stamps frames on the run's timeline itself: its pipeline takes the run's base
        // time. Any other source stamps running time of its own pipeline, which starts now.
        let sim = matches!(self.source, Source::Sim);
        let base = if sim { self.base_time } else { pitchcam::clock::monotonic_ns() };
        let offset = base.saturating_sub(self.base_time);
        let built = Capture::build_with(
            &self.source,
            &self.sim_caps,
            self.pool_size,
            sinks,
            self.shared.clone(),
            offset,
        );
        let c = match built {
            Ok(c) => c,
            Err((e, sinks)) => {
                self.parked = sinks;
                if self.parked.is_none() {
                    out.push(SourceEvent::Fatal(format!("{}: {e}", self.uri)));
                    return;
                }
                self.state = SourceState::Opening { since: now };
                self.lose(now, &e, out);
                return;
            }
        };
        c.pipeline.set_start_time(None);
        c.pipeline.set_base_time(base);
        if sim {
            let appsrc = c
                .pipeline
                .by_name(capture::SIM_SRC)
                .ok()
                .and_then(|e| AppSrc::from_element(e).ok());
            if let (Some(tx), Some(a)) = (self.sim_appsrc.as_mut(), appsrc) {
                let _ = tx.push(a);
            }
        }
        self.state = SourceState::Opening { since: now };
        self.last_progress = now;
        let started = c.pipeline.set_state(State::Playing);
        self.capture = Some(c);
        if let Err(e) = started {
            self.lose(now, &format!("cannot start: {e}"), out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_resets() {
        let s = 1_000_000_000;
        let mut b = Backoff::new(s, 8 * s);
        let waits: Vec<u64> = (0..6).map(|_| b.next_delay() / s).collect();
        assert_eq!(waits, [1, 2, 4, 8, 8, 8]);
        b.reset();
        assert_eq!(b.next_delay(), s);
        // A cap below the initial wait is raised to it.
        let mut b = Backoff::new(2 * s, s);
        assert_eq!([b.next_delay(), b.next_delay()], [2 * s, 2 * s]);
    }
}
