//! The run configuration: a TOML file (`--config FILE`) whose every field has a default, overridden
//! by command-line flags. Unknown keys, wrong types and out-of-range values are refused with a
//! message that names the key, never silently ignored.

use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// The longest delay in frames the planner's window (512) serves with look-ahead to spare.
pub const MAX_DELAY_FRAMES: usize = 480;

/// Everything `pitchcam run` needs to know.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the panorama comes from.
    pub source: SourceConfig,
    /// The delay between capture and output.
    pub delay: DelayConfig,
    /// Detection thresholds.
    pub analysis: AnalysisConfig,
    /// The virtual camera.
    pub camera: CameraConfig,
    /// Outputs: recording, streams, display.
    pub output: OutputConfig,
    /// Audio through the delay.
    pub audio: AudioConfig,
    /// Thread placement and realtime settings.
    pub threads: ThreadConfig,
    /// Run length and reporting.
    pub run: RunConfig,
}

/// The panorama source.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SourceConfig {
    /// `sim`, `file:PATH`, `gst:DESCRIPTION`, `camera:DEVICE` or `rtsp:URL`.
    pub uri: String,
    /// Seed of the synthetic match (sim only).
    pub seed: u64,
    /// Panorama size of the synthetic match, `WxH` (sim only; other sources report their own).
    pub resolution: String,
    /// Frame rate of the synthetic match (sim only).
    pub fps: u32,
    /// Reopen a live source (sim, `gst:`, camera, RTSP) that fails, ends or falls silent, with
    /// backoff (docs/faults.md). Off: such a source ends the run. Files are never reopened.
    pub reconnect: bool,
    /// Seconds without a frame after which a live source counts as lost.
    pub stall_timeout_s: f64,
    /// Longest wait between two reopen attempts, seconds (the waits double from 1 s).
    pub retry_max_s: f64,
}

impl Default for SourceConfig {
    fn default() -> Self {
        SourceConfig {
            uri: "sim".into(),
            seed: 1,
            resolution: "5700x1900".into(),
            fps: 30,
            reconnect: true,
            stall_timeout_s: 2.0,
            retry_max_s: 8.0,
        }
    }
}

/// The capture-to-output delay.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DelayConfig {
    /// Seconds between capture and output (the planner's look-ahead horizon).
    pub seconds: f64,
}

impl Default for DelayConfig {
    fn default() -> Self {
        DelayConfig { seconds: 7.0 }
    }
}

/// Detector post-processing.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AnalysisConfig {
    /// Confidence threshold for every class (strict `>`).
    pub conf: f32,
    /// Optional per-class thresholds `[ball, player, goalkeeper, referee, staff]`; overrides `conf`.
    pub conf_per_class: Option<Vec<f32>>,
    /// NMS IoU threshold: a box is kept iff its IoU with every kept box of its class is ≤ this.
    pub iou: f32,
    /// Maximum detections kept per frame.
    pub max_det: u32,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        AnalysisConfig { conf: 0.25, conf_per_class: None, iou: 0.45, max_det: 300 }
    }
}

/// The virtual camera.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CameraConfig {
    /// `broadcast` (calm), `action` (tight) or `wide`.
    pub preset: String,
    /// Plan with the future in view (off: a causal follower with the same limits).
    pub lookahead: bool,
    /// Output size of the virtual camera, `WxH`.
    pub size: String,
    /// Overrides of single planner limits, name → value (`pitchcam replay --limit help` lists
    /// them with units and current values).
    pub limits: std::collections::BTreeMap<String, f64>,
}

impl Default for CameraConfig {
    fn default() -> Self {
        CameraConfig {
            preset: "broadcast".into(),
            lookahead: true,
            size: "1920x1080".into(),
            limits: Default::default(),
        }
    }
}

/// Outputs.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// Output folder: recordings, `report.json`, logs.
    pub dir: PathBuf,
    /// Views to produce: `vcam`, `panorama` (one encode each).
    pub modes: Vec<String>,
    /// Record the views into segmented files.
    pub record: bool,
    /// Container of the segments: `mkv` or `mp4` (fragmented).
    pub container: String,
    /// Segment length in seconds.
    pub segment_s: u32,
    /// Video bitrate of the virtual-camera encode, kbit/s.
    pub vcam_bitrate_kbps: u32,
    /// Panorama output size (`WxH`; H.264 needs ≤ 4096 wide).
    pub panorama_size: String,
    /// Video bitrate of the panorama encode, kbit/s.
    pub panorama_bitrate_kbps: u32,
    /// Keyframe interval in frames (≤ 2 s for streaming ingest).
    pub keyframe_interval: u32,
    /// Live stream targets: `rtmp://…`, `srt://…`.
    pub streams: Vec<String>,
    /// Write an HLS playlist for a local player.
    pub hls: bool,
    /// Show the output on screen.
    pub display: bool,
    /// Write every observation to `observations.bin` for `pitchcam replay`.
    pub log_observations: bool,
    /// Write `frames.csv`: PTS, crop and (sim) true ball of every output frame.
    pub log_frames: bool,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            dir: PathBuf::from("pitchcam-out"),
            modes: vec!["vcam".into()],
            record: true,
            container: "mkv".into(),
            segment_s: 60,
            vcam_bitrate_kbps: 8000,
            panorama_size: "3840x1280".into(),
            panorama_bitrate_kbps: 16000,
            keyframe_interval: 60,
            streams: Vec::new(),
            hls: false,
            display: false,
            log_observations: false,
            log_frames: false,
        }
    }
}

/// Audio.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AudioConfig {
    /// `auto` (the source's own track, else silence), `sim`, `none` (silence), `alsa:DEVICE`,
    /// `pulse[:DEVICE]`, or `gst:DESCRIPTION`.
    pub source: String,
    /// Sample rate of the delayed audio.
    pub rate: u32,
    /// AAC bitrate, bit/s.
    pub bitrate: u32,
}

impl Default for AudioConfig {
    fn default() -> Self {
        AudioConfig { source: "auto".into(), rate: 48_000, bitrate: 128_000 }
    }
}

/// Thread placement and realtime settings.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ThreadConfig {
    /// Core of the analysis thread (`None`: chosen from the topology).
    pub analysis_core: Option<usize>,
    /// Core of the playback thread (`None`: chosen from the topology).
    pub playback_core: Option<usize>,
    /// SCHED_FIFO priority of the analysis thread (1–99).
    pub analysis_priority: i32,
    /// SCHED_FIFO priority of the playback thread (1–99).
    pub playback_priority: i32,
    /// Try realtime scheduling at all.
    pub realtime: bool,
    /// Lock memory (`mlockall`).
    pub mlock: bool,
}

impl Default for ThreadConfig {
    fn default() -> Self {
        ThreadConfig {
            analysis_core: None,
            playback_core: None,
            analysis_priority: 70,
            playback_priority: 80,
            realtime: true,
            mlock: true,
        }
    }
}

/// Run length.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RunConfig {
    /// Seconds of capture; 0 = until SIGINT/SIGTERM; absent: 60 s with the sim source, until
    /// stopped with any other source.
    pub duration_s: Option<f64>,
}

impl RunConfig {
    /// How long to capture: `None` = until stopped.
    pub fn effective_duration(&self, source_uri: &str) -> Option<f64> {
        match self.duration_s {
            Some(0.0) => None,
            Some(d) => Some(d),
            None if source_uri.trim() == "sim" => Some(60.0),
            None => None,
        }
    }
}

/// A configuration error, naming what was wrong.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn err<T>(msg: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError(msg.into()))
}

impl Config {
    /// Reads and parses a TOML file; the error names the file, the line and the key.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read config {}: {e}", path.display())))?;
        Self::from_toml(&text).map_err(|e| ConfigError(format!("{}: {}", path.display(), e.0)))
    }

    /// Parses TOML text.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError(e.to_string().trim_end().to_string()))
    }

    /// Checks every value's range and every cross-field rule.
    pub fn validate(&self) -> Result<(), ConfigError> {
        Source::parse(&self.source.uri)?;
        let (w, h) = parse_size("source.resolution", &self.source.resolution)?;
        if w < 320 || h < 160 {
            return err(format!(
                "source.resolution {w}x{h}: the synthetic match needs at least 320x160"
            ));
        }
        if w > 16384 || h > 16384 {
            return err(format!("source.resolution {w}x{h}: at most 16384 pixels per side"));
        }
        if !(1..=240).contains(&self.source.fps) {
            return err(format!("source.fps {}: must be 1..=240", self.source.fps));
        }
        let st = self.source.stall_timeout_s;
        if !(st.is_finite() && (0.2..=600.0).contains(&st)) {
            return err(format!("source.stall_timeout_s {st}: must be between 0.2 and 600"));
        }
        let rm = self.source.retry_max_s;
        if !(rm.is_finite() && (1.0..=3600.0).contains(&rm)) {
            return err(format!("source.retry_max_s {rm}: must be between 1 and 3600"));
        }
        if !(self.delay.seconds.is_finite() && (0.5..=15.0).contains(&self.delay.seconds)) {
            return err(format!(
                "delay.seconds {}: must be between 0.5 and 15",
                self.delay.seconds
            ));
        }
        let delay_frames = self.delay.seconds * self.source.fps as f64;
        if delay_frames > MAX_DELAY_FRAMES as f64 {
            return err(format!(
                "delay.seconds {} at {} fps is {delay_frames:.0} frames; the planner's window holds at most {MAX_DELAY_FRAMES}",
                self.delay.seconds, self.source.fps
            ));
        }
        let a = &self.analysis;
        if !(a.conf.is_finite() && (0.0..1.0).contains(&a.conf)) {
            return err(format!("analysis.conf {}: must be in [0, 1)", a.conf));
        }
        if let Some(v) = &a.conf_per_class {
            if v.len() != 5 {
                return err(format!(
                    "analysis.conf_per_class has {} values: give 5 (ball, player, goalkeeper, referee, staff)",
                    v.len()
                ));
            }
            if let Some(bad) = v.iter().find(|c| !(c.is_finite() && (0.0..1.0).contains(*c))) {
                return err(format!("analysis.conf_per_class value {bad}: must be in [0, 1)"));
            }
        }
        if !(a.iou.is_finite() && a.iou > 0.0 && a.iou <= 1.0) {
            return err(format!("analysis.iou {}: must be in (0, 1]", a.iou));
        }
        if !(1..=1000).contains(&a.max_det) {
            return err(format!("analysis.max_det {}: must be 1..=1000", a.max_det));
        }
        if !["broadcast", "action", "wide"].contains(&self.camera.preset.as_str()) {
            return err(format!(
                "camera.preset {:?}: one of broadcast, action, wide",
                self.camera.preset
            ));
        }
        let (cw, ch) = parse_size("camera.size", &self.camera.size)?;
        if cw < 64 || ch < 64 || cw > 7680 || ch > 4320 {
            return err(format!("camera.size {cw}x{ch}: must be between 64x64 and 7680x4320"));
        }
        self.check_camera_limits(cw as f32 / ch as f32)?;
        let o = &self.output;
        if o.modes.is_empty() {
            return err("output.modes is empty: give vcam, panorama or both");
        }
        for m in &o.modes {
            if m != "vcam" && m != "panorama" {
                return err(format!("output.modes: unknown mode {m:?} (vcam or panorama)"));
            }
        }
        if o.container != "mkv" && o.container != "mp4" {
            return err(format!("output.container {:?}: mkv or mp4", o.container));
        }
        if !(1..=3600).contains(&o.segment_s) {
            return err(format!("output.segment_s {}: must be 1..=3600", o.segment_s));
        }
        for (k, v) in [
            ("output.vcam_bitrate_kbps", o.vcam_bitrate_kbps),
            ("output.panorama_bitrate_kbps", o.panorama_bitrate_kbps),
        ] {
            if !(100..=200_000).contains(&v) {
                return err(format!("{k} {v}: must be 100..=200000"));
            }
        }
        let (pw, ph) = parse_size("output.panorama_size", &o.panorama_size)?;
        if pw < 64 || ph < 64 {
            return err(format!("output.panorama_size {pw}x{ph}: too small"));
        }
        if !(1..=600).contains(&o.keyframe_interval) {
            return err(format!(
                "output.keyframe_interval {}: must be 1..=600",
                o.keyframe_interval
            ));
        }
        for s in &o.streams {
            if !(s.starts_with("rtmp://") || s.starts_with("rtmps://") || s.starts_with("srt://")) {
                return err(format!(
                    "output.streams: {:?} is not an rtmp://, rtmps:// or srt:// URL",
                    redact(s)
                ));
            }
        }
        AudioSource::resolve(&self.audio.source, &Source::parse(&self.source.uri)?)?;
        if ![8000, 16000, 22050, 32000, 44100, 48000].contains(&self.audio.rate) {
            return err(format!(
                "audio.rate {}: one of 8000, 16000, 22050, 32000, 44100, 48000",
                self.audio.rate
            ));
        }
        if !(16_000..=512_000).contains(&self.audio.bitrate) {
            return err(format!("audio.bitrate {}: must be 16000..=512000", self.audio.bitrate));
        }
        let t = &self.threads;
        for (k, p) in [
            ("threads.analysis_priority", t.analysis_priority),
            ("threads.playback_priority", t.playback_priority),
        ] {
            if !(1..=99).contains(&p) {
                return err(format!("{k} {p}: SCHED_FIFO priorities are 1..=99"));
            }
        }
        if let Some(d) = self.run.duration_s
            && !(d.is_finite() && (0.0..=7.0 * 86400.0).contains(&d))
        {
            return err(format!(
                "run.duration_s {d}: seconds up to a week, or 0 to run until stopped"
            ));
        }
        Ok(())
    }

    /// `camera.limits`: names and values now; with the sim source (whose panorama size is
    /// known before the run) also the planner's own validation. Other sources are checked the
    /// same way once their frame size is known.
    fn check_camera_limits(&self, aspect: f32) -> Result<(), ConfigError> {
        crate::camera::check_limits("camera.limits", &self.camera.limits).map_err(ConfigError)?;
        if Source::parse(&self.source.uri)? == Source::Sim {
            let (w, h) = self.sim_size();
            let settings = crate::camera::CameraSettings {
                preset: self.camera.preset.clone(),
                lookahead: self.camera.lookahead,
                limits: self.camera.limits.clone(),
            };
            let pano = pitchcam::core::geom::Size { w, h };
            crate::camera::planner_config(
                "camera.limits",
                &settings,
                pano,
                aspect,
                self.source.fps as f32,
            )
            .map_err(ConfigError)?;
        }
        Ok(())
    }

    /// The panorama size of the synthetic match.
    pub fn sim_size(&self) -> (u32, u32) {
        parse_size("source.resolution", &self.source.resolution).unwrap_or((5700, 1900))
    }

    /// The virtual camera's output size.
    pub fn vcam_size(&self) -> (u32, u32) {
        parse_size("camera.size", &self.camera.size).unwrap_or((1920, 1080))
    }

    /// The panorama output size.
    pub fn panorama_out_size(&self) -> (u32, u32) {
        parse_size("output.panorama_size", &self.output.panorama_size).unwrap_or((3840, 1280))
    }
}

/// Parses `WxH` with both sides even and non-zero.
pub fn parse_size(key: &str, s: &str) -> Result<(u32, u32), ConfigError> {
    let bad = || ConfigError(format!("{key} {s:?}: expected WIDTHxHEIGHT, e.g. 1920x1080"));
    let (w, h) = s.trim().split_once(['x', 'X']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if w == 0 || h == 0 {
        return Err(bad());
    }
    if w % 2 == 1 || h % 2 == 1 {
        return err(format!("{key} {w}x{h}: NV12 needs even sizes"));
    }
    Ok((w, h))
}

/// A parsed source URI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The synthetic match.
    Sim,
    /// A file decoded by uridecodebin.
    File(PathBuf),
    /// Any GStreamer description that yields raw video.
    Gst(String),
    /// A V4L2 (or Argus) camera device.
    Camera(String),
    /// An RTSP URL.
    Rtsp(String),
}

impl Source {
    /// Parses `sim`, `file:PATH`, `gst:DESCRIPTION`, `camera:DEVICE`, `rtsp:URL` / `rtsp://…`.
    pub fn parse(s: &str) -> Result<Source, ConfigError> {
        let s = s.trim();
        if s == "sim" {
            return Ok(Source::Sim);
        }
        if let Some(p) = s.strip_prefix("file:") {
            let p = p.strip_prefix("//").unwrap_or(p);
            if p.is_empty() {
                return err("source file: needs a path, e.g. file:match.mp4");
            }
            return Ok(Source::File(PathBuf::from(p)));
        }
        if let Some(d) = s.strip_prefix("gst:") {
            if d.trim().is_empty() {
                return err(
                    "source gst: needs a pipeline description, e.g. gst:videotestsrc is-live=true",
                );
            }
            return Ok(Source::Gst(d.trim().to_string()));
        }
        if let Some(d) = s.strip_prefix("camera:") {
            if d.is_empty() {
                return err(
                    "source camera: needs a device, e.g. camera:/dev/video0 (or camera:argus:0)",
                );
            }
            return Ok(Source::Camera(d.to_string()));
        }
        if s.starts_with("rtsp://") || s.starts_with("rtsps://") {
            return Ok(Source::Rtsp(s.to_string()));
        }
        if let Some(u) = s.strip_prefix("rtsp:") {
            return Ok(Source::Rtsp(u.to_string()));
        }
        err(format!(
            "source {s:?}: expected sim, file:PATH, gst:DESCRIPTION, camera:DEVICE or rtsp://URL"
        ))
    }
}

/// Hides the secret part of a stream URL (the stream key: the last path element of an RTMP URL,
/// the `streamid`/`passphrase` of an SRT URL) so it never reaches a log or a report.
pub fn redact(url: &str) -> String {
    if let Some(rest) = url.strip_prefix("srt://") {
        let (hostport, query) = rest.split_once('?').unwrap_or((rest, ""));
        if query.is_empty() {
            return url.to_string();
        }
        let q: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k == "streamid" || k == "passphrase" => format!("{k}=***"),
                _ => kv.to_string(),
            })
            .collect();
        return format!("srt://{hostport}?{}", q.join("&"));
    }
    for scheme in ["rtmp://", "rtmps://"] {
        if let Some(rest) = url.strip_prefix(scheme) {
            // rtmp://host[:port]/app/KEY: keep host and app, hide the key.
            let parts: Vec<&str> = rest.splitn(3, '/').collect();
            return match parts.as_slice() {
                [host, app, key] if !key.is_empty() => format!("{scheme}{host}/{app}/***"),
                _ => url.to_string(),
            };
        }
    }
    url.to_string()
}

/// Where the audio comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AudioSource {
    /// Silence (no microphone, or `none`).
    Silence,
    /// The sim's clicks at ball kicks.
    Sim,
    /// The audio track of the source file.
    File(PathBuf),
    /// An ALSA device.
    Alsa(String),
    /// PulseAudio (default device when `None`).
    Pulse(Option<String>),
    /// Any GStreamer description that yields raw audio.
    Gst(String),
}

impl AudioSource {
    /// Resolves `audio.source` against the video source: `auto` is the file's own track or the
    /// sim's clicks, else silence.
    pub fn resolve(spec: &str, video: &Source) -> Result<AudioSource, ConfigError> {
        let s = spec.trim();
        Ok(match s {
            "auto" => match video {
                Source::Sim => AudioSource::Sim,
                Source::File(p) => AudioSource::File(p.clone()),
                _ => AudioSource::Silence,
            },
            "none" | "silence" => AudioSource::Silence,
            "sim" => {
                if !matches!(video, Source::Sim) {
                    return Err(ConfigError(
                        "audio.source sim: the click track comes from the sim video source; use auto, none or a microphone".into(),
                    ));
                }
                AudioSource::Sim
            }
            "pulse" => AudioSource::Pulse(None),
            _ => {
                if let Some(d) = s.strip_prefix("alsa:") {
                    if d.trim().is_empty() {
                        return Err(ConfigError(
                            "audio.source alsa: needs a device, e.g. alsa:hw:1,0".into(),
                        ));
                    }
                    AudioSource::Alsa(d.trim().into())
                } else if let Some(d) = s.strip_prefix("pulse:") {
                    AudioSource::Pulse((!d.trim().is_empty()).then(|| d.trim().to_string()))
                } else if let Some(d) = s.strip_prefix("gst:") {
                    if d.trim().is_empty() {
                        return Err(ConfigError(
                            "audio.source gst: needs a description, e.g. gst:audiotestsrc is-live=true".into(),
                        ));
                    }
                    AudioSource::Gst(d.trim().into())
                } else {
                    return Err(ConfigError(format!(
                        "audio.source {s:?}: expected auto, none, sim, alsa:DEVICE, pulse[:DEVICE] or gst:DESCRIPTION"
                    )));
                }
            }
        })
    }

    /// For logs and the report.
    pub fn describe(&self) -> String {
        match self {
            AudioSource::Silence => "silence".into(),
            AudioSource::Sim => "sim clicks at ball kicks".into(),
            AudioSource::File(p) => format!("file {}", p.display()),
            AudioSource::Alsa(d) => format!("alsa:{d}"),
            AudioSource::Pulse(None) => "pulse".into(),
            AudioSource::Pulse(Some(d)) => format!("pulse:{d}"),
            AudioSource::Gst(d) => format!("gst:{d}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_follows_the_video_source() {
        assert_eq!(AudioSource::resolve("auto", &Source::Sim).unwrap(), AudioSource::Sim);
        assert_eq!(
            AudioSource::resolve("auto", &Source::File("a.mkv".into())).unwrap(),
            AudioSource::File("a.mkv".into())
        );
        assert_eq!(
            AudioSource::resolve("auto", &Source::Rtsp("rtsp://h/s".into())).unwrap(),
            AudioSource::Silence
        );
        assert_eq!(
            AudioSource::resolve("alsa:hw:1,0", &Source::Sim).unwrap(),
            AudioSource::Alsa("hw:1,0".into())
        );
        assert_eq!(AudioSource::resolve("pulse", &Source::Sim).unwrap(), AudioSource::Pulse(None));
        assert!(AudioSource::resolve("sim", &Source::Camera("/dev/video0".into())).is_err());
        assert!(AudioSource::resolve("alsa:", &Source::Sim).is_err());
        assert!(AudioSource::resolve("mic", &Source::Sim).unwrap_err().0.contains("audio.source"));
    }

    #[test]
    fn defaults_are_valid() {
        Config::default().validate().unwrap();
    }

    #[test]
    fn deploy_config_is_valid() {
        let c = Config::from_toml(include_str!("../deploy/pitchcam.toml")).unwrap();
        c.validate().unwrap();
        assert_eq!(c.source.uri, "camera:argus:0");
    }

    #[test]
    fn unknown_key_is_named() {
        let e = Config::from_toml("[source]\nuri = \"sim\"\nsede = 3\n").unwrap_err();
        assert!(e.0.contains("sede"), "{e}");
    }

    #[test]
    fn wrong_type_is_named() {
        let e = Config::from_toml("[source]\nfps = \"thirty\"\n").unwrap_err();
        assert!(e.0.contains("fps"), "{e}");
    }

    #[test]
    fn out_of_range_values_are_refused() {
        for (toml, key) in [
            ("[analysis]\niou = 1.5", "analysis.iou"),
            ("[analysis]\nconf = -0.1", "analysis.conf"),
            ("[threads]\nplayback_priority = 120", "threads.playback_priority"),
            ("[source]\nresolution = \"5701x1900\"", "even"),
            ("[source]\nresolution = \"big\"", "source.resolution"),
            ("[delay]\nseconds = 0", "delay.seconds"),
            ("[output]\nmodes = [\"pano\"]", "output.modes"),
            ("[source]\nuri = \"ftp://x\"", "source"),
            ("[audio]\nsource = \"mic\"", "audio.source"),
            ("[source]\nstall_timeout_s = 0", "source.stall_timeout_s"),
            ("[source]\nretry_max_s = nan", "source.retry_max_s"),
        ] {
            let c = Config::from_toml(toml).unwrap();
            let e = c.validate().unwrap_err();
            assert!(e.0.contains(key), "{toml}: {e}");
        }
    }

    #[test]
    fn camera_limits_are_checked_by_name() {
        let c = Config::from_toml("[camera.limits]\nmax_accel = 2500\nlead_s = 0.3\n").unwrap();
        c.validate().unwrap();
        for (toml, want) in [
            ("[camera.limits]\nmax_acel = 2500", "unknown limit \"max_acel\""),
            ("[camera.limits]\nmax_accel = -3", "camera.limits: max_accel = -3 is outside"),
            ("[camera.limits]\nswitch_frames = 2.5", "whole number"),
            ("[camera.limits]\ndead_zone = 0.95", "dead_zone"),
        ] {
            let e = Config::from_toml(toml).unwrap().validate().unwrap_err();
            assert!(e.0.contains(want), "{toml}: {e}");
        }
        let e = Config::from_toml("[camera.limits]\nmax_accel = \"fast\"").unwrap_err();
        assert!(e.0.contains("max_accel") || e.0.contains("limits"), "{e}");
    }

    #[test]
    fn sources_parse() {
        assert_eq!(Source::parse("sim").unwrap(), Source::Sim);
        assert_eq!(Source::parse("file:/a/b.mkv").unwrap(), Source::File("/a/b.mkv".into()));
        assert_eq!(
            Source::parse("gst:videotestsrc is-live=true").unwrap(),
            Source::Gst("videotestsrc is-live=true".into())
        );
        assert_eq!(Source::parse("rtsp://h/s").unwrap(), Source::Rtsp("rtsp://h/s".into()));
        assert!(Source::parse("file:").is_err());
        assert!(Source::parse("gst:  ").is_err());
    }

    #[test]
    fn stream_keys_are_redacted() {
        assert_eq!(
            redact("rtmp://a.rtmp.youtube.com/live2/abcd-efgh"),
            "rtmp://a.rtmp.youtube.com/live2/***"
        );
        assert_eq!(
            redact("srt://1.2.3.4:9000?mode=caller&streamid=secret&latency=200"),
            "srt://1.2.3.4:9000?mode=caller&streamid=***&latency=200"
        );
        assert_eq!(redact("srt://:9000?mode=listener"), "srt://:9000?mode=listener");
    }
}
