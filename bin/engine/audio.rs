//! Audio through the delay: capture on the video's clock, a fixed ring beside the frame ring,
//! output with the same delay and PTS base as the video, silence whenever there is nothing else.
//!
//! ```text
//! audio pipeline (same clock and base time as the capture pipeline, so one running time):
//!   sim:   appsrc (clicks at ball kicks, written by the sim thread) ─┐
//!   file:  uridecodebin (the file's own track) ─ convert ─ resample ──┤
//!   mic:   alsasrc | pulsesrc | <gst description> ─ convert ─ resample┤
//!                            ─ audiobuffersplit (10 ms) ─ appsink ─ AudioChunk SPSC ─► playback
//! playback thread: AudioRing (fixed capacity) → appsrc "pitchcam_audio_out" (capture PTS)
//!                  holes and missing sources are filled with silence from a pool
//! ```
//!
//! The audio pipeline is separate from the capture pipeline on purpose: a microphone that fails
//! (unplugged, device busy) must not stop the camera. It shares the capture pipeline's clock and
//! base time, so a sample's running time and a frame's running time are the same time; when it
//! fails the output carries silence and the supervisor reopens it with backoff.
//!
//! The sim's audio is the sound of the match as far as sync goes: a short click on every frame
//! in which the ball is kicked (`KickKind::is_foot`), at that frame's PTS. After a run,
//! [`measure_recording`] decodes the first recorded segment, finds the click onsets and compares
//! them with the kick frames: that is the `av_offset_ms` of the report.

pub use crate::config::AudioSource;
use pitchcam::alloc_count::HotSection;
use pitchcam::core::stats::Counter;
use pitchcam::gst::{
    AppSink, AppSinkCallbacks, AppSrc, Buffer, BufferPool, Caps, Clock, MessageView, Pipeline,
    State,
};
use std::path::Path;
use std::sync::Arc;

/// The appsink that hands captured audio to pitchcam.
pub const AUDIO_SINK: &str = "pitchcam_audio";
/// The appsrc the sim thread writes its clicks into.
pub const SIM_AUDIO_SRC: &str = "pitchcam_asrc";
/// The appsrc of the playback pipeline that carries the delayed audio.
pub const AUDIO_OUT_SRC: &str = "pitchcam_audio_out";
/// Channels of the delayed audio (stereo, what every ingest expects).
pub const CHANNELS: u32 = 2;
/// Bytes per sample frame (S16LE × 2 channels).
pub const FRAME_BYTES: usize = 2 * CHANNELS as usize;
/// Chunks the ring holds: 15 s (the longest delay) of 10 ms chunks, plus headroom.
pub const AUDIO_RING: usize = 2048;
/// Largest silence buffer (a longer hole is filled with several).
const SILENCE_MAX_NS: u64 = 100_000_000;
/// A hole shorter than this between two chunks is jitter, not missing audio (`audiorate`
/// downstream absorbs it).
const GAP_TOLERANCE_NS: u64 = 2_000_000;

/// Raw audio caps of the ring and of the output appsrc.
pub fn raw_caps(rate: u32) -> String {
    format!("audio/x-raw,format=S16LE,layout=interleaved,rate={rate},channels={CHANNELS}")
}

// The audio pipeline of each source; the source itself is configuration (`config.rs`).
impl AudioSource {
    /// The audio pipeline's description (`None`: silence, no pipeline).
    pub fn description(&self, rate: u32) -> Result<Option<String>, String> {
        let caps = raw_caps(rate);
        let tail = format!(
            "audioconvert ! audioresample ! {caps} ! audiobuffersplit output-buffer-duration=1/100 ! \
             appsink name={AUDIO_SINK}"
        );
        Ok(Some(match self {
            AudioSource::Silence => return Ok(None),
            AudioSource::Sim => format!(
                "appsrc name={SIM_AUDIO_SRC} format=time is-live=true do-timestamp=false block=false \
                 max-buffers=16 max-bytes=0 caps=\"{caps}\" ! appsink name={AUDIO_SINK}"
            ),
            AudioSource::File(path) => {
                let abs = std::fs::canonicalize(path)
                    .map_err(|e| format!("audio file {}: {e}", path.display()))?;
                format!("uridecodebin uri=\"{}\" caps=audio/x-raw ! queue ! {tail}", file_uri(&abs))
            }
            AudioSource::Alsa(d) => format!("alsasrc device=\"{d}\" ! {tail}"),
            AudioSource::Pulse(None) => format!("pulsesrc ! {tail}"),
            AudioSource::Pulse(Some(d)) => format!("pulsesrc device=\"{d}\" ! {tail}"),
            AudioSource::Gst(d) => format!("{d} ! {tail}"),
        }))
    }

    /// A file's track plays once; every other source is live and is reopened when it fails.
    pub fn is_live(&self) -> bool {
        !matches!(self, AudioSource::File(_))
    }
}

fn file_uri(abs: &Path) -> String {
    let mut out = String::from("file://");
    for b in abs.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A chunk of captured audio on its way from the appsink to playback.
pub struct AudioChunk {
    /// Running time of the first sample (the video's time base).
    pub pts: u64,
    /// The samples (one reference; S16LE stereo at the configured rate).
    pub buf: Buffer,
}

/// Audio counters: each has one writer, named on the field.
#[derive(Debug, Default)]
pub struct AudioStats {
    /// Chunks delivered by the appsink (appsink thread).
    pub chunks_in: Counter,
    /// Appsink → playback queue full (appsink thread).
    pub queue_full: Counter,
    /// Chunks without a usable timestamp (appsink thread).
    pub no_pts: Counter,
    /// Chunks evicted from a full ring (playback).
    pub ring_evicted: Counter,
    /// Chunks that arrived after their time had been output (playback).
    pub late: Counter,
    /// Chunks pushed to the output (playback).
    pub chunks_out: Counter,
    /// Silence pushed, ns (playback).
    pub silence_ns: Counter,
    /// Holes in the captured audio filled with silence (playback).
    pub holes: Counter,
    /// appsrc refused a chunk, or no silence buffer was free (playback).
    pub push_failed: Counter,
    /// Sim click chunks not produced (no pool buffer) (sim thread).
    pub sim_pool_exhausted: Counter,
    /// Clicks written by the sim (sim thread).
    pub sim_clicks: Counter,
}

/// The audio capture pipeline of a run.
pub struct AudioCapture {
    /// The pipeline (shares the capture pipeline's clock and base time).
    pub pipeline: Pipeline,
    /// The source.
    pub source: AudioSource,
}

impl AudioCapture {
    /// Builds the pipeline for `source` (None for silence) and connects its appsink to `tx`.
    /// The pipeline is not started: [`AudioCapture::start`] does that on the video's clock.
    pub fn build(
        source: &AudioSource,
        rate: u32,
        tx: rtrb::Producer<AudioChunk>,
        stats: Arc<AudioStats>,
    ) -> Result<Option<AudioCapture>, String> {
        let Some(desc) = source.description(rate)? else { return Ok(None) };
        let pipeline = Pipeline::parse(&desc)
            .map_err(|e| format!("audio source {}: {e}", source.describe()))?;
        let sink = AppSink::from_element(pipeline.by_name(AUDIO_SINK).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
        sink.configure_hot_path(64).map_err(|e| e.to_string())?;
        if !source.is_live() {
            // A file is paced by the clock like its video, so both arrive on time together.
            sink.set_property("sync", true).map_err(|e| e.to_string())?;
        }
        let mut tx = tx;
        sink.set_callbacks(AppSinkCallbacks::new().new_sample(move |s| {
            let _hot = HotSection::enter();
            let Some(sample) = s.try_pull_sample(0) else { return Ok(()) };
            let pts = match (sample.buffer().and_then(|b| b.pts()), sample.segment()) {
                (Some(p), Some(seg)) => seg.to_running_time(p),
                (p, None) => p,
                (None, _) => None,
            };
            let (Some(pts), Some(buf)) = (pts, sample.buffer_owned()) else {
                stats.no_pts.incr();
                return Ok(());
            };
            stats.chunks_in.incr();
            if tx.push(AudioChunk { pts, buf }).is_err() {
                stats.queue_full.incr();
            }
            Ok(())
        }));
        Ok(Some(AudioCapture { pipeline, source: source.clone() }))
    }

    /// Starts the pipeline on `clock` with `base_time`: the capture pipeline's, so audio and
    /// video share one running time.
    pub fn start(&self, clock: Option<&Clock>, base_time: u64) -> Result<(), String> {
        if let Some(c) = clock {
            self.pipeline.use_clock(Some(c));
        }
        self.pipeline.set_start_time(None);
        self.pipeline.set_base_time(base_time);
        self.pipeline.set_state(State::Playing).map(|_| ()).map_err(|e| {
            // The bus says why (no such device, device busy); the state change only that.
            let bus = self.pipeline.bus();
            while let Some(m) = bus.timed_pop(Some(0)) {
                if let MessageView::Error(d) = m.view() {
                    return super::streams::short_error(&d);
                }
            }
            e.to_string()
        })
    }

    /// Stops the pipeline.
    pub fn stop(&self) {
        let _ = self.pipeline.set_state(State::Null);
    }

    /// The sim's appsrc, if this is the sim's click track.
    pub fn sim_appsrc(&self) -> Option<AppSrc> {
        if self.source != AudioSource::Sim {
            return None;
        }
        self.pipeline.by_name(SIM_AUDIO_SRC).ok().and_then(|e| AppSrc::from_element(e).ok())
    }

    /// Drains the bus: `Some(error text)` when the source failed, `Some("")` at end of stream.
    pub fn poll(&self) -> Option<String> {
        let bus = self.pipeline.bus();
        while let Some(msg) = bus.timed_pop(Some(0)) {
            match msg.view() {
                MessageView::Error(e) => return Some(e.to_string()),
                MessageView::Eos => return Some(String::new()),
                _ => {}
            }
        }
        None
    }
}

/// Click length: 4 ms, enough to survive AAC, short enough to mark one frame.
const CLICK_MS: u32 = 4;
/// Click amplitude (of full scale).
pub const CLICK_AMPLITUDE: f32 = 0.6;

/// The sim's audio: one chunk per video frame, a click at the start of each kick frame. Runs on
/// the sim thread, from a pool allocated at start.
pub struct SimAudio {
    appsrc: AppSrc,
    pool: BufferPool,
    rate: u32,
    fps: u32,
    frames: u64,
    click: Vec<i16>,
    stats: Arc<AudioStats>,
}

impl SimAudio {
    /// A generator writing into the audio pipeline's `appsrc`, for a run with `delay_ns`.
    pub fn new(
        appsrc: AppSrc,
        rate: u32,
        fps: u32,
        delay_ns: u64,
        stats: Arc<AudioStats>,
    ) -> Result<SimAudio, String> {
        let max_samples = (rate as usize).div_ceil(fps.max(1) as usize) + 1;
        // The ring holds `delay` worth of chunks: the pool must outlast it.
        let n = (delay_ns * fps as u64).div_ceil(1_000_000_000) as u32 + 64;
        let pool = BufferPool::new(None, (max_samples * FRAME_BYTES) as u32, n, n)
            .map_err(|e| format!("sim audio pool: {e}"))?;
        pool.set_active(true).map_err(|e| format!("sim audio pool: {e}"))?;
        let n = (rate * CLICK_MS / 1000) as usize;
        // A decaying 2 kHz burst: a sharp onset that AAC keeps.
        let click = (0..n)
            .map(|i| {
                let t = i as f32 / rate as f32;
                let env = (-t / 0.0015).exp();
                CLICK_AMPLITUDE
                    * env
                    * (2.0 * std::f32::consts::PI * 2000.0 * t).sin()
                    * i16::MAX as f32
            })
            .map(|v| v as i16)
            .collect();
        Ok(SimAudio { appsrc, pool, rate, fps: fps.max(1), frames: 0, click, stats })
    }

    /// The audio of the frame at `pts` lasting `period`: silence, with a click at its start if
    /// the ball was kicked in that frame.
    pub fn frame(&mut self, pts: u64, period: u64, kick: bool) {
        let k = self.frames;
        self.frames += 1;
        let (r, f) = (self.rate as u64, self.fps as u64);
        let n = ((k + 1) * r / f - k * r / f) as usize;
        let Ok(mut buf) = self.pool.acquire(false) else {
            self.stats.sim_pool_exhausted.incr();
            return;
        };
        let Some(b) = buf.get_mut() else { return };
        if b.set_size(n * FRAME_BYTES).is_err() {
            return;
        }
        {
            let Ok(mut map) = b.map_writable() else { return };
            let bytes: &mut [u8] = &mut map;
            bytes.fill(0);
            if kick {
                for (i, v) in self.click.iter().enumerate().take(n) {
                    let le = v.to_le_bytes();
                    for c in 0..CHANNELS as usize {
                        let o = i * FRAME_BYTES + c * 2;
                        bytes[o..o + 2].copy_from_slice(&le);
                    }
                }
                self.stats.sim_clicks.incr();
            }
        }
        b.set_pts(Some(pts));
        b.set_duration(Some(period));
        let _ = self.appsrc.push_buffer(buf);
    }

    /// Ends the click track.
    pub fn finish(&self) {
        let _ = self.appsrc.end_of_stream();
    }
}

/// The playback side: the audio ring and the output appsrc. Owned by the playback thread.
pub struct AudioOutput {
    /// Chunks from the appsink.
    pub rx: rtrb::Consumer<AudioChunk>,
    /// Captured audio waiting for its time (fixed capacity).
    pub ring: Box<heapless::Deque<AudioChunk, AUDIO_RING>>,
    /// Where delayed audio goes.
    pub appsrc: AppSrc,
    /// Zeroed buffers for holes (pool: no allocation per tick).
    pub silence: BufferPool,
    /// Sample rate.
    pub rate: u32,
    /// End of the audio pushed so far (running time); `None` before the first video frame.
    pub next: Option<u64>,
    /// The AAC encoder's delay: pushed PTS are this much earlier than capture time, so the
    /// decoded sound lands on its frame.
    pub encoder_delay_ns: u64,
    /// Counters.
    pub stats: Arc<AudioStats>,
}

impl AudioOutput {
    /// The playback side of a run at `rate`, pushing into `appsrc`.
    pub fn new(
        rx: rtrb::Consumer<AudioChunk>,
        appsrc: AppSrc,
        rate: u32,
        encoder_delay_ns: u64,
        stats: Arc<AudioStats>,
    ) -> Result<AudioOutput, String> {
        let bytes = (SILENCE_MAX_NS * rate as u64).div_ceil(1_000_000_000) as usize * FRAME_BYTES;
        let silence = BufferPool::new(None, bytes as u32, 16, 16)
            .map_err(|e| format!("silence pool: {e}"))?;
        silence.set_active(true).map_err(|e| format!("silence pool: {e}"))?;
        Ok(AudioOutput {
            rx,
            ring: Box::default(),
            appsrc,
            silence,
            rate,
            next: None,
            encoder_delay_ns,
            stats,
        })
    }

    fn duration(&self, buf: &Buffer) -> u64 {
        (buf.size() / FRAME_BYTES) as u64 * 1_000_000_000 / self.rate as u64
    }

    /// Moves captured chunks into the ring (oldest evicted, and counted, when full).
    pub fn drain(&mut self) {
        while let Ok(c) = self.rx.pop() {
            if self.ring.is_full() {
                drop(self.ring.pop_front());
                self.stats.ring_evicted.incr();
            }
            let _ = self.ring.push_back(c);
        }
    }

    /// Pushes all audio up to `target` (running time): captured chunks in order, silence where
    /// there is none. `start` is the first video frame's PTS (audio starts with the video).
    pub fn push_until(&mut self, start: u64, target: u64) {
        self.drain();
        let mut next = self.next.unwrap_or(start);
        while let Some(front) = self.ring.front() {
            if front.pts >= target {
                break;
            }
            let Some(c) = self.ring.pop_front() else { break };
            let end = c.pts + self.duration(&c.buf);
            if end <= next {
                // Before the first frame (trimmed) or after its time was filled: drop it.
                if self.next.is_some() {
                    self.stats.late.incr();
                }
                continue;
            }
            if c.pts > next + GAP_TOLERANCE_NS {
                self.stats.holes.incr();
                self.fill(next, c.pts);
            }
            let mut buf = c.buf;
            let pts = c.pts.saturating_sub(self.encoder_delay_ns);
            buf.make_mut().set_pts(Some(pts));
            if self.appsrc.push_buffer(buf).is_err() {
                self.stats.push_failed.incr();
            } else {
                self.stats.chunks_out.incr();
            }
            next = end;
        }
        if next < target {
            self.fill(next, target);
            next = target;
        }
        self.next = Some(next);
    }

    /// Silence over `[from, to)`.
    fn fill(&mut self, from: u64, to: u64) {
        let rate = self.rate as u64;
        let mut t = from;
        while t < to {
            let len = (to - t).min(SILENCE_MAX_NS);
            let samples = (len * rate).div_ceil(1_000_000_000) as usize;
            let Ok(mut buf) = self.silence.acquire(false) else {
                self.stats.push_failed.incr();
                return;
            };
            let Some(b) = buf.get_mut() else { return };
            if b.set_size(samples * FRAME_BYTES).is_err() {
                return;
            }
            if let Ok(mut m) = b.map_writable() {
                let bytes: &mut [u8] = &mut m;
                bytes.fill(0);
            }
            let dur = samples as u64 * 1_000_000_000 / rate;
            b.set_pts(Some(t.saturating_sub(self.encoder_delay_ns)));
            b.set_duration(Some(dur));
            if self.appsrc.push_buffer(buf).is_err() {
                self.stats.push_failed.incr();
                return;
            }
            self.stats.silence_ns.add(dur);
            t += dur.max(1);
        }
    }

    /// Ends the audio stream.
    pub fn finish(&mut self) {
        let _ = self.appsrc.end_of_stream();
        while let Some(c) = self.ring.pop_front() {
            drop(c);
        }
        while let Ok(c) = self.rx.pop() {
            drop(c);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A/V offset: click onsets in decoded audio against the kick frames.

/// Finds click onsets in mono samples starting at `t0` (ns): the first sample at or above
/// `threshold` more than 50 ms after the previous one. (Sub-threshold pre-echo, which AAC
/// spreads up to a frame ahead of a transient, is ignored.)
pub fn click_onsets(samples: &[f32], rate: u32, t0: u64, threshold: f32) -> Vec<u64> {
    let refractory = (rate as usize * 50) / 1000;
    let mut out = Vec::new();
    let mut last: Option<usize> = None;
    for (i, &v) in samples.iter().enumerate() {
        if v.abs() >= threshold {
            if last.is_none_or(|l| i - l > refractory) {
                out.push(t0 + (i as u64 * 1_000_000_000) / rate as u64);
            }
            last = Some(i);
        }
    }
    out
}

/// Pairs each kick with the nearest click within ±`window_ns` and returns the offsets
/// (click − kick, ns).
pub fn pair_offsets(kicks: &[u64], clicks: &[u64], window_ns: u64) -> Vec<i64> {
    let mut out = Vec::new();
    for &k in kicks {
        let i = clicks.partition_point(|&c| c < k);
        let best = [i.checked_sub(1), Some(i)]
            .into_iter()
            .flatten()
            .filter_map(|j| clicks.get(j))
            .map(|&c| c as i64 - k as i64)
            .min_by_key(|d| d.unsigned_abs());
        if let Some(d) = best
            && d.unsigned_abs() <= window_ns
        {
            out.push(d);
        }
    }
    out
}

/// A/V offset measured in a recorded file.
#[derive(Clone, Debug, Default)]
pub struct FileSync {
    /// PTS of the first video frame in the file (file time), ns.
    pub first_video_ns: u64,
    /// Video frames in the file.
    pub video_frames: u64,
    /// Click onsets, file time, ns.
    pub clicks: Vec<u64>,
}

/// Reads a recorded segment: video frame times (no decode) and click onsets in the decoded
/// audio. `max_ns` bounds how much of the file is read.
pub fn measure_file(path: &Path, max_ns: u64) -> Result<FileSync, String> {
    let loc = path.to_string_lossy();
    let demux = match path.extension().and_then(|e| e.to_str()) {
        Some("mp4") => "qtdemux",
        Some("ts") => "tsdemux",
        Some("flv") => "flvdemux",
        _ => "matroskademux",
    };
    let desc = format!(
        "filesrc location=\"{loc}\" ! {demux} name=d \
         d. ! video/x-h264 ! queue ! appsink name=v sync=false \
         d. ! audio/mpeg ! queue ! decodebin ! audioconvert ! audio/x-raw,format=F32LE,channels=1 ! \
         appsink name=a sync=false"
    );
    let p = Pipeline::parse(&desc).map_err(|e| format!("{}: {e}", path.display()))?;
    let v = AppSink::from_element(p.by_name("v").map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let a = AppSink::from_element(p.by_name("a").map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    p.set_state(State::Playing).map_err(|e| format!("{}: {e}", path.display()))?;
    let bus = p.bus();
    let mut out = FileSync { first_video_ns: u64::MAX, ..Default::default() };
    let mut last_progress = pitchcam::clock::monotonic_ns();
    let mut samples: Vec<f32> = Vec::new();
    let mut t0: Option<u64> = None;
    let mut rate = 48_000u32;
    let (mut v_eos, mut a_eos) = (false, false);
    let deadline = pitchcam::clock::monotonic_ns() + 60_000_000_000;
    let result = loop {
        if let Some(m) = bus.timed_pop(Some(0))
            && let MessageView::Error(e) = m.view()
        {
            break Err(format!("{}: {e}", path.display()));
        }
        let now = pitchcam::clock::monotonic_ns();
        if now > deadline {
            break Err(format!("{}: reading took more than 60 s", path.display()));
        }
        // A track that never links (no audio in the file) never ends: stop when nothing moves.
        if now - last_progress > 3_000_000_000 {
            break Ok(());
        }
        let mut progressed = false;
        if !v_eos {
            match v.try_pull_sample(2_000_000) {
                Some(s) => {
                    progressed = true;
                    if let Some(pts) = s.buffer().and_then(|b| b.pts()) {
                        out.first_video_ns = out.first_video_ns.min(pts);
                        out.video_frames += 1;
                    }
                }
                None => v_eos = v.is_eos(),
            }
        }
        if !a_eos {
            match a.try_pull_sample(2_000_000) {
                Some(s) => {
                    progressed = true;
                    if let Some(caps) = s.caps()
                        && let Some(r) = caps_rate(&caps)
                    {
                        rate = r;
                    }
                    if let Some(b) = s.buffer()
                        && let Some(pts) = b.pts()
                    {
                        let start = *t0.get_or_insert(pts);
                        let expected =
                            start + (samples.len() as u64 * 1_000_000_000) / rate.max(1) as u64;
                        // Keep sample positions honest if the decoder skipped: pad with silence.
                        if pts > expected + 1_000_000 {
                            let pad = ((pts - expected) * rate as u64 / 1_000_000_000) as usize;
                            samples.extend(std::iter::repeat_n(0.0, pad));
                        }
                        if let Ok(m) = b.map_readable() {
                            samples.extend(
                                m.as_slice()
                                    .chunks_exact(4)
                                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
                            );
                        }
                        if pts.saturating_sub(start) > max_ns {
                            a_eos = true;
                        }
                    }
                }
                None => a_eos = a.is_eos(),
            }
        }
        if out.first_video_ns != u64::MAX && out.video_frames as u128 * 33_000_000 > max_ns as u128
        {
            v_eos = true;
        }
        if v_eos && a_eos {
            break Ok(());
        }
        if progressed {
            last_progress = pitchcam::clock::monotonic_ns();
        } else {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    };
    let _ = p.set_state(State::Null);
    result?;
    if out.first_video_ns == u64::MAX {
        return Err(format!("{}: no video frames", path.display()));
    }
    let Some(t0) = t0 else {
        return Err(format!("{}: no audio track", path.display()));
    };
    out.clicks = click_onsets(&samples, rate, t0, CLICK_AMPLITUDE * 0.3);
    Ok(out)
}

fn caps_rate(caps: &Caps) -> Option<u32> {
    let s = caps.to_string();
    let i = s.find("rate=(int)")? + "rate=(int)".len();
    s[i..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn onsets_and_pairs() {
        let rate = 48_000;
        let mut s = vec![0.0f32; rate as usize];
        for at in [4_800usize, 24_000] {
            for i in 0..100 {
                s[at + i] = 0.5 * (-(i as f32) / 50.0).exp();
            }
        }
        let on = click_onsets(&s, rate, 1_000, 0.1);
        assert_eq!(on, vec![1_000 + 100_000_000, 1_000 + 500_000_000]);
        let d = pair_offsets(&[100_000_000, 500_010_000, 900_000_000], &on, 50_000_000);
        assert_eq!(d, vec![1_000, -9_000]);
    }
}
