//! Output branches: recording, RTMP, SRT, HLS and display, each in its own pipeline, fed from
//! the playback pipeline's encoders and supervised with reconnect and backoff.
//!
//! ```text
//! playback pipeline                               branch pipelines (one per output)
//!  vcam enc ─ tee ─┬─ appsink vcam_rec_v ──push──► appsrc ─┐
//!                  ├─ appsink vcam_s0_v  ──push──► appsrc ─┼─ flvmux ─ rtmp2sink
//!  AAC enc ─ tee ──┼─ appsink vcam_rec_a ──push──► appsrc ─┘  (or splitmuxsink, mpegtsmux ─
//!                  └─ appsink vcam_s0_a  ──push──► appsrc       srtsink, hlssink2, display)
//! ```
//!
//! Why separate pipelines. In one pipeline, an error in any sink (a refused RTMP connection, a
//! full disk) returns a flow error through the `tee` into the encoder's streaming thread, which
//! stops every output of that view; restarting one branch in place needs pad blocking and
//! relinking under a running pipeline. With one pipeline per output, fed by an appsink → appsrc
//! hop that never blocks (the appsink callback checks the branch appsrc's fill level and drops,
//! counted, when it is full or the branch is down), a branch's error only ever reaches that
//! branch's bus. The supervisor (on the control thread) then sets that pipeline to NULL, waits
//! (1 s, doubling to 30 s), and sets it to PLAYING again; the appsink side waits for the next
//! keyframe before it feeds a restarted branch, so every restart begins decodable. Encoded
//! buffers cross by reference: no copy, one encode per view whatever the number of outputs.
//!
//! Stream URLs hold secrets (an RTMP key, an SRT passphrase): they are set as element
//! properties, never written into a pipeline description, and every message from a stream
//! branch is scrubbed of them before it reaches a log or the report.

use crate::config::{Config, redact};
use pitchcam::alloc_count::HotSection;
use pitchcam::core::time::CLOCK_TIME_NONE;
use pitchcam::gst::{
    AppSink, AppSinkCallbacks, AppSrc, BufferFlags, ErrorDetails, MessageView, Pipeline, Sample,
    State,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// What an output branch does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BranchKind {
    /// Segmented recording into the output folder.
    Record,
    /// RTMP (flvmux → rtmp2sink).
    Rtmp,
    /// SRT (mpegtsmux → srtsink), caller or listener from the URL.
    Srt,
    /// HLS playlist and segments in the output folder.
    Hls,
    /// On-screen display (raw video).
    Display,
}

impl BranchKind {
    /// Name in logs and the report.
    pub fn name(self) -> &'static str {
        match self {
            BranchKind::Record => "record",
            BranchKind::Rtmp => "rtmp",
            BranchKind::Srt => "srt",
            BranchKind::Hls => "hls",
            BranchKind::Display => "display",
        }
    }

    /// Whether the branch takes the raw view (display) rather than the encoded one.
    pub fn raw(self) -> bool {
        self == BranchKind::Display
    }

    /// Whether the branch writes into the output folder (it waits for the folder to be
    /// writable before a restart).
    pub fn writes_files(self) -> bool {
        matches!(self, BranchKind::Record | BranchKind::Hls)
    }
}

/// One output branch as configured.
#[derive(Clone, Debug)]
pub struct BranchSpec {
    /// Kind.
    pub kind: BranchKind,
    /// The view it carries (`vcam` or `panorama`).
    pub mode: String,
    /// Element-name prefix in the playback pipeline (`vcam_rec`, `vcam_s0`, …).
    pub name: String,
    /// The stream URL (secret) or the folder.
    target: String,
    /// What logs and the report show (secrets removed).
    pub label: String,
}

impl BranchSpec {
    /// The appsink of the encoded (or raw) video in the playback pipeline.
    pub fn video_sink(&self) -> String {
        format!("{}_v", self.name)
    }
    /// The appsink of the encoded audio in the playback pipeline (`None`: no audio).
    pub fn audio_sink(&self) -> Option<String> {
        (!self.kind.raw()).then(|| format!("{}_a", self.name))
    }
}

/// The branches a configuration asks for: a recording per view, and streams, HLS and display
/// on the first view listed (the programme view).
pub fn plan(cfg: &Config) -> Result<Vec<BranchSpec>, String> {
    let o = &cfg.output;
    let dir = o.dir.to_string_lossy().into_owned();
    let mut v = Vec::new();
    if o.record {
        for m in &o.modes {
            v.push(BranchSpec {
                kind: BranchKind::Record,
                mode: m.clone(),
                name: format!("{m}_rec"),
                target: dir.clone(),
                label: format!("recording {m} in {dir}"),
            });
        }
    }
    let main = o.modes.first().cloned().unwrap_or_else(|| "vcam".into());
    for (i, url) in o.streams.iter().enumerate() {
        let kind = if url.starts_with("srt://") { BranchKind::Srt } else { BranchKind::Rtmp };
        v.push(BranchSpec {
            kind,
            mode: main.clone(),
            name: format!("{main}_s{i}"),
            target: url.clone(),
            label: redact(url),
        });
    }
    if o.hls {
        v.push(BranchSpec {
            kind: BranchKind::Hls,
            mode: main.clone(),
            name: format!("{main}_hls"),
            target: dir.clone(),
            label: format!("HLS {main} in {dir}/hls"),
        });
    }
    if o.display {
        if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
            return Err("--display: no display to show the output on (neither DISPLAY nor \
                        WAYLAND_DISPLAY is set); run without --display on a headless machine"
                .into());
        }
        v.push(BranchSpec {
            kind: BranchKind::Display,
            mode: main.clone(),
            name: format!("{main}_display"),
            target: String::new(),
            label: format!("display {main}"),
        });
    }
    Ok(v)
}

/// The description of a branch pipeline (secrets are set later as properties).
pub fn branch_description(spec: &BranchSpec, cfg: &Config) -> String {
    let o = &cfg.output;
    // `handle-segment-change`: the samples' own segments travel with them (the encoder's
    // output starts at 1000 h, the audio's at 0): running times stay those of the playback
    // pipeline, so audio and video stay aligned in every muxer.
    let v = "appsrc name=v format=time is-live=false do-timestamp=false block=false max-bytes=0 \
             handle-segment-change=true";
    let a = "appsrc name=a format=time is-live=false do-timestamp=false block=false max-bytes=0 \
             handle-segment-change=true";
    let dir = Path::new(&spec.target);
    match spec.kind {
        BranchKind::Record => {
            let (factory, ext, props) = match o.container.as_str() {
                "mp4" => {
                    ("mp4mux", "mp4", " muxer-properties=\"properties,fragment-duration=1000\"")
                }
                _ => ("matroskamux", "mkv", ""),
            };
            let loc = dir.join(format!("{}-%05d.{ext}", spec.mode));
            format!(
                "{v} ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=0 ! \
                 splitmuxsink name=sink muxer-factory={factory}{props} location=\"{}\" \
                 max-size-time={} async-finalize=false \
                 {a} ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=0 ! sink.audio_%u",
                loc.display(),
                o.segment_s as u64 * 1_000_000_000
            )
        }
        BranchKind::Rtmp => format!(
            "{v} ! h264parse ! queue ! flvmux name=mux streamable=true ! \
             rtmp2sink name=sink sync=false async=false \
             {a} ! aacparse ! queue ! mux."
        ),
        BranchKind::Srt => {
            // A caller waits for its handshake (nothing sent into the void; a missing listener
            // is an error after SRT's connect timeout, and the branch retries); a listener
            // never waits for a viewer (it would hold the branch, and its stop, until one came).
            let wait = !spec.target.contains("mode=listener");
            format!(
                "{v} ! h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream ! queue ! \
                 mpegtsmux name=mux alignment=7 ! srtsink name=sink sync=false async=false \
                 wait-for-connection={wait} \
                 {a} ! aacparse ! queue ! mux."
            )
        }
        BranchKind::Hls => {
            let hls = dir.join("hls");
            let target =
                (o.keyframe_interval as f64 / cfg.source.fps.max(1) as f64).ceil().max(1.0);
            format!(
                "{v} ! h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream ! queue ! \
                 hlssink2 name=sink location=\"{}\" playlist-location=\"{}\" \
                 target-duration={target} playlist-length=6 max-files=12 send-keyframe-requests=false \
                 {a} ! aacparse ! queue ! sink.audio",
                hls.join("segment-%05d.ts").display(),
                hls.join("playlist.m3u8").display(),
            )
        }
        BranchKind::Display => format!(
            "{v} ! queue leaky=downstream max-size-buffers=2 max-size-bytes=0 max-size-time=0 ! \
             videoconvert ! autovideosink name=sink sync=false"
        ),
    }
}

/// What the appsink callbacks share with the supervisor (atomics only).
struct Shared {
    vsrc: AppSrc,
    asrc: Option<AppSrc>,
    /// The branch pipeline is PLAYING and may be fed.
    live: AtomicBool,
    /// Feed video only from the next keyframe on (after a (re)start or a drop).
    need_key: AtomicBool,
    /// PTS of the first video buffer since the last (re)start; audio before it is held back.
    start_pts: AtomicU64,
    /// Running time of the first video buffer of the run.
    first_pts: AtomicU64,
    /// Running time of the newest video buffer delivered.
    last_pts: AtomicU64,
    max_v: u64,
    max_a: u64,
    v_sent: AtomicU64,
    v_dropped: AtomicU64,
    a_sent: AtomicU64,
    a_dropped: AtomicU64,
}

/// The running time of a sample's buffer (its PTS through its segment).
fn running_time(sample: &Sample) -> Option<u64> {
    let pts = sample.buffer()?.pts()?;
    match sample.segment() {
        Some(seg) => seg.to_running_time(pts),
        None => Some(pts),
    }
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl Shared {
    fn video(&self, sample: &Sample) {
        let Some(buf) = sample.buffer() else { return };
        if !self.live.load(Ordering::Acquire) {
            bump(&self.v_dropped);
            self.need_key.store(true, Ordering::Release);
            return;
        }
        let key = !buf.flags().contains(BufferFlags::DELTA_UNIT);
        if self.need_key.load(Ordering::Acquire) && !key {
            bump(&self.v_dropped);
            return;
        }
        if self.vsrc.current_level_buffers() >= self.max_v {
            bump(&self.v_dropped);
            self.need_key.store(true, Ordering::Release);
            return;
        }
        let pts = running_time(sample).unwrap_or(CLOCK_TIME_NONE);
        let restarting = self.need_key.load(Ordering::Acquire);
        match self.vsrc.push_sample(sample) {
            Ok(()) => {
                bump(&self.v_sent);
                self.last_pts.store(pts, Ordering::Release);
                if restarting {
                    self.start_pts.store(pts, Ordering::Release);
                    self.need_key.store(false, Ordering::Release);
                }
                let _ = self.first_pts.compare_exchange(
                    CLOCK_TIME_NONE,
                    pts,
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                );
            }
            Err(_) => {
                bump(&self.v_dropped);
                self.need_key.store(true, Ordering::Release);
            }
        }
    }

    fn audio(&self, sample: &Sample) {
        let Some(asrc) = &self.asrc else { return };
        let start = self.start_pts.load(Ordering::Acquire);
        if !self.live.load(Ordering::Acquire) {
            bump(&self.a_dropped);
            return;
        }
        if self.need_key.load(Ordering::Acquire) {
            // Waiting for the video's first keyframe: not a loss, the output has not begun.
            return;
        }
        // Audio from before the video's first frame would make the output start with sound
        // over no picture; hold it back so every (re)start begins with both.
        if running_time(sample).is_some_and(|p| start != CLOCK_TIME_NONE && p < start) {
            return;
        }
        if asrc.current_level_buffers() >= self.max_a {
            bump(&self.a_dropped);
            return;
        }
        match asrc.push_sample(sample) {
            Ok(()) => bump(&self.a_sent),
            Err(_) => bump(&self.a_dropped),
        }
    }

    fn end(&self) {
        let _ = self.vsrc.end_of_stream();
        if let Some(a) = &self.asrc {
            let _ = a.end_of_stream();
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    /// PLAYING since `since` (ns); declared up after a quiet settle time.
    Starting {
        since: u64,
    },
    Up,
    Down {
        retry_at: u64,
    },
}

/// First retry delay after a failure; doubled per failed attempt up to [`BACKOFF_MAX_NS`].
pub const BACKOFF_MIN_NS: u64 = 1_000_000_000;
/// Longest wait between two attempts.
pub const BACKOFF_MAX_NS: u64 = 30_000_000_000;
/// A (re)started branch that has not failed for this long is up: longer than the sinks'
/// default connect timeouts (SRT 3 s, rtmp2sink 5 s), so a refused connection is not
/// reported as "back" first.
const SETTLE_NS: u64 = 6_000_000_000;

/// One supervised output branch.
pub struct Branch {
    /// What it is.
    pub spec: BranchSpec,
    pipeline: Pipeline,
    shared: Arc<Shared>,
    phase: Phase,
    backoff: u64,
    /// Times it went down.
    pub failures: u64,
    /// Times it was restarted.
    pub restarts: u64,
    down_since: Option<u64>,
    down_total_ns: u64,
    /// The last error, scrubbed of secrets.
    pub last_error: Option<String>,
    ended: bool,
}

/// The result of one branch for the report.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct OutputReport {
    /// `record`, `rtmp`, `srt`, `hls`, `display`.
    pub kind: String,
    /// The view carried.
    pub mode: String,
    /// Where it went (secrets removed).
    pub target: String,
    /// `up`, `starting` or `down` at stop.
    pub state: String,
    /// Times it failed.
    pub failures: u64,
    /// Times it was restarted.
    pub restarts: u64,
    /// Seconds it was down.
    pub down_s: f64,
    /// Encoded video frames delivered to the branch.
    pub video_frames: u64,
    /// Video frames not delivered (branch down, full, or waiting for a keyframe).
    pub video_dropped: u64,
    /// Audio buffers delivered.
    pub audio_buffers: u64,
    /// Audio buffers not delivered.
    pub audio_dropped: u64,
    /// Capture PTS of the first video frame the branch received (ns).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_video_pts_ns: Option<u64>,
    /// Capture PTS of the last video frame the branch received (ns): with the first, it
    /// identifies the frames of a stream pulled back from a server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_video_pts_ns: Option<u64>,
    /// The last error (secrets removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// A log line or report entry from the supervisor.
pub type Log = Vec<String>;

impl Branch {
    /// Builds the branch pipeline and connects it to the playback pipeline's appsinks. The
    /// branch starts with [`Branch::start`].
    pub fn build(spec: BranchSpec, cfg: &Config, playback: &Pipeline) -> Result<Branch, String> {
        let desc = branch_description(&spec, cfg);
        let pipeline = Pipeline::parse(&desc).map_err(|e| format!("output {}: {e}", spec.label))?;
        let sink = pipeline.by_name("sink").map_err(|e| e.to_string())?;
        match spec.kind {
            BranchKind::Rtmp => sink
                .set_property("location", spec.target.as_str())
                .map_err(|e| format!("output {}: {e}", spec.label))?,
            BranchKind::Srt => sink
                .set_property("uri", spec.target.as_str())
                .map_err(|e| format!("output {}: {e}", spec.label))?,
            BranchKind::Hls => {
                let d = Path::new(&spec.target).join("hls");
                std::fs::create_dir_all(&d)
                    .map_err(|e| format!("output {}: {}: {e}", spec.label, d.display()))?;
            }
            _ => {}
        }
        let vsrc = AppSrc::from_element(pipeline.by_name("v").map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
        let asrc = match pipeline.by_name("a") {
            Ok(e) => Some(AppSrc::from_element(e).map_err(|e| e.to_string())?),
            Err(_) => None,
        };
        let fps = cfg.source.fps.max(1) as u64;
        let shared = Arc::new(Shared {
            vsrc,
            asrc,
            live: AtomicBool::new(false),
            need_key: AtomicBool::new(true),
            start_pts: AtomicU64::new(CLOCK_TIME_NONE),
            first_pts: AtomicU64::new(CLOCK_TIME_NONE),
            last_pts: AtomicU64::new(CLOCK_TIME_NONE),
            // Network branches ride out ~3 s of stall; a display shows only the newest frames.
            max_v: if spec.kind.raw() { 2 } else { 3 * fps },
            max_a: 300,
            v_sent: AtomicU64::new(0),
            v_dropped: AtomicU64::new(0),
            a_sent: AtomicU64::new(0),
            a_dropped: AtomicU64::new(0),
        });
        let vs =
            AppSink::from_element(playback.by_name(&spec.video_sink()).map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
        vs.configure_hot_path(4).map_err(|e| e.to_string())?;
        let sh = shared.clone();
        let sh_eos = shared.clone();
        vs.set_callbacks(
            AppSinkCallbacks::new()
                .new_sample(move |s| {
                    let _hot = HotSection::enter();
                    if let Some(sample) = s.try_pull_sample(0) {
                        sh.video(&sample);
                    }
                    Ok(())
                })
                .eos(move |_| sh_eos.end()),
        );
        if let Some(name) = spec.audio_sink() {
            let a = AppSink::from_element(playback.by_name(&name).map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
            a.configure_hot_path(16).map_err(|e| e.to_string())?;
            let sh = shared.clone();
            a.set_callbacks(AppSinkCallbacks::new().new_sample(move |s| {
                let _hot = HotSection::enter();
                if let Some(sample) = s.try_pull_sample(0) {
                    sh.audio(&sample);
                }
                Ok(())
            }));
        }
        Ok(Branch {
            spec,
            pipeline,
            shared,
            phase: Phase::Down { retry_at: 0 },
            backoff: BACKOFF_MIN_NS,
            failures: 0,
            restarts: 0,
            down_since: None,
            down_total_ns: 0,
            last_error: None,
            ended: false,
        })
    }

    /// Starts the branch on the playback pipeline's clock and base time.
    pub fn start(&mut self, base_time: u64, now: u64, log: &mut Log) {
        self.pipeline.set_start_time(None);
        self.pipeline.set_base_time(base_time);
        self.try_start(now, log);
    }

    fn try_start(&mut self, now: u64, log: &mut Log) {
        if self.spec.kind == BranchKind::Record {
            let next = next_segment_index(Path::new(&self.spec.target), &self.spec.mode);
            if let Ok(sink) = self.pipeline.by_name("sink") {
                let _ = sink.set_property("start-index", next as i32);
            }
        }
        self.shared.need_key.store(true, Ordering::Release);
        self.shared.start_pts.store(CLOCK_TIME_NONE, Ordering::Release);
        match self.pipeline.set_state(State::Playing) {
            Ok(_) => {
                self.shared.live.store(true, Ordering::Release);
                self.phase = Phase::Starting { since: now };
            }
            Err(e) => {
                let msg = self.scrub(&e.to_string());
                self.fail(now, msg, log);
            }
        }
    }

    fn scrub(&self, text: &str) -> String {
        scrub(text, &self.spec.target, &self.spec.label)
    }

    fn fail(&mut self, now: u64, msg: String, log: &mut Log) {
        self.shared.live.store(false, Ordering::Release);
        let _ = self.pipeline.set_state(State::Null);
        self.failures += 1;
        let was_down = matches!(self.phase, Phase::Down { .. }) || self.down_since.is_some();
        if !was_down {
            self.down_since = Some(now);
            log.push(format!(
                "output {} ({}) down: {msg}; retrying with backoff; the other outputs continue",
                self.spec.label,
                self.spec.kind.name()
            ));
        }
        self.last_error = Some(msg);
        self.phase = Phase::Down { retry_at: now + self.backoff };
        self.backoff = (self.backoff * 2).min(BACKOFF_MAX_NS);
    }

    /// Handles the branch's bus and its retry schedule; lines for the log go to `log`.
    pub fn poll(&mut self, now: u64, log: &mut Log) {
        if self.ended {
            return;
        }
        let bus = self.pipeline.bus();
        while let Some(msg) = bus.timed_pop(Some(0)) {
            let failure = match msg.view() {
                MessageView::Error(e) => Some(self.scrub(&short_error(&e))),
                MessageView::Eos => Some("the output ended".to_string()),
                _ => None,
            };
            if let Some(f) = failure
                && !matches!(self.phase, Phase::Down { .. })
            {
                self.fail(now, f, log);
            }
        }
        match self.phase {
            Phase::Starting { since } if now.saturating_sub(since) >= SETTLE_NS => {
                self.phase = Phase::Up;
                self.backoff = BACKOFF_MIN_NS;
                if let Some(d) = self.down_since.take() {
                    self.down_total_ns += now.saturating_sub(d);
                    log.push(format!(
                        "output {} ({}) is back after {:.1} s down",
                        self.spec.label,
                        self.spec.kind.name(),
                        now.saturating_sub(d) as f64 / 1e9
                    ));
                }
            }
            Phase::Down { retry_at } if now >= retry_at => {
                if self.spec.kind.writes_files()
                    && let Err(e) = probe_writable(Path::new(&self.spec.target))
                {
                    self.last_error = Some(e);
                    self.phase = Phase::Down { retry_at: now + self.backoff };
                    self.backoff = (self.backoff * 2).min(BACKOFF_MAX_NS);
                    return;
                }
                self.restarts += 1;
                self.try_start(now, log);
            }
            _ => {}
        }
    }

    /// Sends end-of-stream into a live branch (the appsinks' EOS does this too).
    pub fn end(&self) {
        if self.shared.live.load(Ordering::Acquire) {
            self.shared.end();
        }
    }

    /// Waits until `deadline` for the branch to finish its files or stream, then stops it. A
    /// stream gets 3 s at most: a server that stopped answering must not hold up the stop (the
    /// files are what must be finalised).
    pub fn finish(&mut self, deadline: u64, errors: &mut Log) {
        let deadline = if self.spec.kind.writes_files() {
            deadline
        } else {
            deadline.min(pitchcam::clock::monotonic_ns() + 3_000_000_000)
        };
        if self.shared.live.load(Ordering::Acquire) {
            let bus = self.pipeline.bus();
            loop {
                let now = pitchcam::clock::monotonic_ns();
                if now >= deadline {
                    let what = if self.spec.kind.writes_files() {
                        "its last file may be incomplete"
                    } else {
                        "the stream was cut"
                    };
                    errors.push(format!(
                        "output {}: did not finish in time; {what}",
                        self.spec.label
                    ));
                    break;
                }
                match bus.timed_pop(Some(50_000_000)).map(|m| m.view()) {
                    Some(MessageView::Eos) => {
                        if self.spec.kind == BranchKind::Srt {
                            // SRT in live mode drops what is still in flight when the socket
                            // closes (no linger): give the last packets their latency first.
                            std::thread::sleep(std::time::Duration::from_millis(1500));
                        }
                        break;
                    }
                    Some(MessageView::Error(e)) => {
                        self.last_error = Some(self.scrub(&short_error(&e)));
                        break;
                    }
                    _ => {}
                }
            }
        }
        self.shared.live.store(false, Ordering::Release);
        let _ = self.pipeline.set_state(State::Null);
        self.ended = true;
        if let Some(d) = self.down_since.take() {
            self.down_total_ns += pitchcam::clock::monotonic_ns().saturating_sub(d);
        }
    }

    /// The branch's figures.
    pub fn report(&self) -> OutputReport {
        let s = &self.shared;
        let first = s.first_pts.load(Ordering::Acquire);
        OutputReport {
            kind: self.spec.kind.name().into(),
            mode: self.spec.mode.clone(),
            target: self.spec.label.clone(),
            state: match self.phase {
                Phase::Up => "up",
                Phase::Starting { .. } => "starting",
                Phase::Down { .. } => "down",
            }
            .into(),
            failures: self.failures,
            restarts: self.restarts,
            down_s: self.down_total_ns as f64 / 1e9,
            video_frames: s.v_sent.load(Ordering::Relaxed),
            video_dropped: s.v_dropped.load(Ordering::Relaxed),
            audio_buffers: s.a_sent.load(Ordering::Relaxed),
            audio_dropped: s.a_dropped.load(Ordering::Relaxed),
            first_video_pts_ns: (first != CLOCK_TIME_NONE).then_some(first),
            last_video_pts_ns: Some(s.last_pts.load(Ordering::Acquire))
                .filter(|&l| l != CLOCK_TIME_NONE),
            last_error: self.last_error.clone(),
        }
    }

    /// Capture PTS of the first video frame the branch received.
    pub fn first_video_pts(&self) -> Option<u64> {
        let f = self.shared.first_pts.load(Ordering::Acquire);
        (f != CLOCK_TIME_NONE).then_some(f)
    }
}

/// "message (reason)", with the reason the last line of GStreamer's debug text (the file and
/// function that precede it help a developer, not an operator).
pub fn short_error(e: &ErrorDetails) -> String {
    let reason = e
        .debug
        .as_deref()
        .and_then(|d| d.lines().map(str::trim).rfind(|l| !l.is_empty()))
        .map(|l| match l.rsplit_once("):") {
            Some((_, tail)) if !tail.trim().is_empty() => tail.trim().to_string(),
            _ => l.to_string(),
        })
        // A bare element path says where, not why.
        .filter(|r| !(r.starts_with("/Gst") || r.contains("/GstPipeline:")));
    match reason {
        Some(r) if !e.message.contains(&r) => format!("{} ({r})", e.message),
        _ => e.message.clone(),
    }
}

/// Replaces every occurrence of the secret URL, and of its secret parts, by the redacted form.
pub fn scrub(text: &str, secret_url: &str, label: &str) -> String {
    if secret_url.is_empty() || secret_url == label {
        return text.to_string();
    }
    let mut t = text.replace(secret_url, label);
    // The key or passphrase on its own (an element may print only the path or the query).
    for part in secret_parts(secret_url) {
        if part.len() >= 3 {
            t = t.replace(&part, "***");
        }
    }
    t
}

fn secret_parts(url: &str) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(rest) = url.strip_prefix("rtmp://").or_else(|| url.strip_prefix("rtmps://")) {
        let parts: Vec<&str> = rest.splitn(3, '/').collect();
        if let [_, _, key] = parts.as_slice()
            && !key.is_empty()
        {
            v.push(key.to_string());
        }
    }
    if let Some((_, q)) = url.split_once('?') {
        for kv in q.split('&') {
            if let Some((k, val)) = kv.split_once('=')
                && (k == "streamid" || k == "passphrase")
                && !val.is_empty()
            {
                v.push(val.to_string());
            }
        }
    }
    v
}

/// The next free segment index of `mode` in `dir` (so a restarted recording never overwrites).
pub fn next_segment_index(dir: &Path, mode: &str) -> u32 {
    let prefix = format!("{mode}-");
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    let rest = n.strip_prefix(&prefix)?;
                    let (num, _) = rest.split_once('.')?;
                    num.parse::<u32>().ok()
                })
                .map(|i| i + 1)
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0)
}

/// Whether `dir` takes a new file of a few MB (a full disk or a read-only folder does not).
pub fn probe_writable(dir: &Path) -> Result<(), String> {
    use std::io::Write;
    let p: PathBuf = dir.join(".pitchcam-write-test");
    let r = (|| {
        let mut f = std::fs::File::create(&p)?;
        let block = [0u8; 64 * 1024];
        for _ in 0..64 {
            f.write_all(&block)?;
        }
        f.sync_all()
    })();
    let _ = std::fs::remove_file(&p);
    r.map_err(|e| format!("output folder {} is not writable: {e}", dir.display()))
}

/// All output branches of a run.
pub struct Outputs {
    /// The branches.
    pub branches: Vec<Branch>,
}

impl Outputs {
    /// Builds every branch and connects it to `playback`.
    pub fn build(
        specs: &[BranchSpec],
        cfg: &Config,
        playback: &Pipeline,
    ) -> Result<Outputs, String> {
        let branches = specs
            .iter()
            .map(|s| Branch::build(s.clone(), cfg, playback))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Outputs { branches })
    }

    /// Starts every branch on the playback pipeline's timeline.
    pub fn start(&mut self, base_time: u64, log: &mut Log) {
        let now = pitchcam::clock::monotonic_ns();
        for b in &mut self.branches {
            b.start(base_time, now, log);
        }
    }

    /// Supervises every branch once.
    /// Closes every recording's current segment and opens the next (a source came back: the
    /// new stretch of video gets its own file).
    pub fn split_recordings(&self) {
        for b in self.branches.iter().filter(|b| b.spec.kind == BranchKind::Record) {
            if let Ok(sink) = b.pipeline.by_name("sink") {
                let _ = sink.emit_action("split-now");
            }
        }
    }

    pub fn poll(&mut self, log: &mut Log) {
        let now = pitchcam::clock::monotonic_ns();
        for b in &mut self.branches {
            b.poll(now, log);
        }
    }

    /// After the playback pipeline's EOS: finish every branch within `timeout_ns` in total.
    pub fn finish(&mut self, timeout_ns: u64, errors: &mut Log) {
        for b in &self.branches {
            b.end();
        }
        let deadline = pitchcam::clock::monotonic_ns() + timeout_ns;
        for b in &mut self.branches {
            b.finish(deadline, errors);
        }
    }

    /// Every branch's figures.
    pub fn report(&self) -> Vec<OutputReport> {
        self.branches.iter().map(Branch::report).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_scrubbed() {
        let url = "rtmp://a.example/live2/abcd-efgh-ijkl";
        let label = redact(url);
        let t = scrub(
            "Could not connect to rtmp://a.example/live2/abcd-efgh-ijkl: refused",
            url,
            &label,
        );
        assert!(!t.contains("abcd-efgh-ijkl"), "{t}");
        assert!(t.contains("rtmp://a.example/live2/***"), "{t}");
        let t = scrub("stream abcd-efgh-ijkl not found", url, &label);
        assert_eq!(t, "stream *** not found");
        let url = "srt://h:9000?mode=caller&passphrase=supersecret1";
        let t = scrub("bad passphrase supersecret1", url, &redact(url));
        assert!(!t.contains("supersecret1"), "{t}");
    }

    #[test]
    fn streams_follow_the_first_view_and_recordings_every_view() {
        let mut cfg = Config::default();
        cfg.output.modes = vec!["vcam".into(), "panorama".into()];
        cfg.output.streams = vec!["rtmp://h/app/key".into(), "srt://h:1?mode=caller".into()];
        cfg.output.hls = true;
        let p = plan(&cfg).unwrap();
        let kinds: Vec<_> = p.iter().map(|b| (b.kind, b.mode.as_str(), b.name.as_str())).collect();
        assert_eq!(
            kinds,
            vec![
                (BranchKind::Record, "vcam", "vcam_rec"),
                (BranchKind::Record, "panorama", "panorama_rec"),
                (BranchKind::Rtmp, "vcam", "vcam_s0"),
                (BranchKind::Srt, "vcam", "vcam_s1"),
                (BranchKind::Hls, "vcam", "vcam_hls"),
            ]
        );
        assert!(p.iter().all(|b| !b.label.contains("key") || b.kind != BranchKind::Rtmp));
        for b in &p {
            let d = branch_description(b, &cfg);
            assert!(!d.contains("rtmp://"), "a secret URL in a description: {d}");
        }
    }

    #[test]
    fn segment_numbering_continues() {
        let d = std::env::temp_dir().join(format!("pitchcam-seg-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        assert_eq!(next_segment_index(&d, "vcam"), 0);
        std::fs::write(d.join("vcam-00000.mkv"), b"x").unwrap();
        std::fs::write(d.join("vcam-00003.mkv"), b"x").unwrap();
        std::fs::write(d.join("panorama-00007.mkv"), b"x").unwrap();
        assert_eq!(next_segment_index(&d, "vcam"), 4);
        assert!(probe_writable(&d).is_ok());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn errors_are_short() {
        let e = ErrorDetails {
            message: "Error while writing to file \"/x/vcam-00001.mkv\".".into(),
            debug: Some("../plugins/elements/gstfilesink.c(700): gst_file_sink_event (): /GstPipeline:pipeline0/GstFileSink:sink:\nNo space left on device".into()),
            source: None,
            domain: String::new(),
            code: 0,
        };
        assert_eq!(
            short_error(&e),
            "Error while writing to file \"/x/vcam-00001.mkv\". (No space left on device)"
        );
    }
}
