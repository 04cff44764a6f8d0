//! Command-line interface. Flags override the config file, which overrides the defaults.

use crate::config::{Config, ConfigError};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// pitchcam — a panoramic football camera that plays the match 7 seconds late so its virtual
/// camera can follow the ball knowing where it goes next.
///
/// With no arguments, `pitchcam run` plays a synthetic 5700×1900 match for 60 s through the whole
/// pipeline and writes the virtual-camera recording and report.json into ./pitchcam-out/.
#[derive(Debug, Parser)]
#[command(name = "pitchcam", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do (default: run).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Capture, analyse, delay and output (the camera).
    Run(RunArgs),
    /// Run the full pipeline for a while and check it loses nothing: drops, drift, memory, leaks.
    Soak(SoakArgs),
    /// Re-plan the virtual camera from an observation log written by `run --log-observations`.
    Replay(ReplayArgs),
    /// Show this machine's CPU topology and the thread plan pitchcam would use.
    Cores(CoresArgs),
}

/// `pitchcam run`.
#[derive(Debug, Args, Default, Clone)]
pub struct RunArgs {
    /// TOML configuration file (every key optional; flags below override it).
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Panorama source: sim | file:PATH | gst:DESCRIPTION | camera:DEVICE | rtsp://URL.
    #[arg(long, value_name = "SOURCE")]
    pub source: Option<String>,
    /// Seconds to capture, or `forever` to run until Ctrl-C. Default: 60 with the sim source,
    /// forever with any other source.
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub duration: Option<String>,
    /// Seed of the synthetic match.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Output folder for recordings, report.json and logs.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Size of the synthetic panorama, e.g. 5700x1900 (even sides).
    #[arg(long, value_name = "WxH")]
    pub resolution: Option<String>,
    /// Frame rate of the synthetic panorama.
    #[arg(long, value_name = "FPS", allow_negative_numbers = true)]
    pub fps: Option<u32>,
    /// Delay between capture and output, seconds.
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub delay: Option<f64>,
    /// Views to produce: vcam, panorama (repeat for both).
    #[arg(long = "mode", value_name = "MODE")]
    pub modes: Vec<String>,
    /// Live stream target (repeatable): rtmp://host/app/KEY or srt://host:port[?mode=…].
    #[arg(long = "stream", value_name = "URL")]
    pub streams: Vec<String>,
    /// Show the output on screen.
    #[arg(long)]
    pub display: bool,
    /// Also write an HLS playlist into the output folder.
    #[arg(long)]
    pub hls: bool,
    /// Do not record to files.
    #[arg(long)]
    pub no_record: bool,
    /// Virtual camera preset: broadcast (calm), action (tight), wide.
    #[arg(long, value_name = "PRESET")]
    pub preset: Option<String>,
    /// Plan without the future (a causal follower with the same limits), for comparison.
    #[arg(long)]
    pub no_lookahead: bool,
    /// Virtual camera output size, e.g. 1920x1080.
    #[arg(long, value_name = "WxH")]
    pub camera_size: Option<String>,
    /// Audio: auto | sim | none | alsa:DEVICE | pulse[:DEVICE] | gst:DESCRIPTION.
    #[arg(long, value_name = "SOURCE")]
    pub audio: Option<String>,
    /// Core for the analysis thread (default: from the CPU topology).
    #[arg(long, value_name = "CORE", allow_negative_numbers = true)]
    pub analysis_core: Option<usize>,
    /// Core for the playback thread (default: from the CPU topology).
    #[arg(long, value_name = "CORE", allow_negative_numbers = true)]
    pub playback_core: Option<usize>,
    /// Do not ask for SCHED_FIFO or locked memory.
    #[arg(long)]
    pub no_realtime: bool,
    /// Write every observation to observations.bin (for `pitchcam replay`).
    #[arg(long)]
    pub log_observations: bool,
    /// Write frames.csv: the PTS, crop and (sim source) true ball position of every output frame.
    #[arg(long)]
    pub log_frames: bool,
}

/// `pitchcam soak`.
#[derive(Debug, Args, Clone)]
pub struct SoakArgs {
    /// Seconds of capture.
    #[arg(long, value_name = "SECONDS", default_value = "600")]
    pub duration: f64,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "pitchcam-soak")]
    pub out: PathBuf,
    /// Everything `run` accepts (source, resolution, streams, …).
    #[command(flatten)]
    pub run: SoakRunArgs,
}

/// The subset of `run` options that make sense for a soak.
#[derive(Debug, Args, Clone, Default)]
pub struct SoakRunArgs {
    /// TOML configuration file.
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Panorama source.
    #[arg(long, value_name = "SOURCE")]
    pub source: Option<String>,
    /// Size of the synthetic panorama.
    #[arg(long, value_name = "WxH")]
    pub resolution: Option<String>,
    /// Live stream target (repeatable).
    #[arg(long = "stream", value_name = "URL")]
    pub streams: Vec<String>,
    /// Seed of the synthetic match.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
}

/// `pitchcam replay`.
///
/// Plans the virtual camera again over an observation log at full speed, without the video,
/// and writes report.json (the `camera` section, beside the recorded run's) and camera.png.
/// Settings default to the run's own (preset, look-ahead, limits); with them unchanged the
/// replay reproduces the run's camera path exactly.
#[derive(Debug, Args, Clone, Default)]
pub struct ReplayArgs {
    /// An observations.bin written by `pitchcam run --log-observations`.
    #[arg(value_name = "LOG")]
    pub log: Option<PathBuf>,
    /// Output folder for the replayed report.json and camera.png.
    #[arg(long, value_name = "DIR", default_value = "pitchcam-replay")]
    pub out: PathBuf,
    /// Virtual camera preset: broadcast, action, wide (default: the run's; a new preset drops
    /// the run's limits).
    #[arg(long, value_name = "PRESET")]
    pub preset: Option<String>,
    /// Plan without the future (a causal follower with the same limits).
    #[arg(long, conflicts_with = "lookahead")]
    pub no_lookahead: bool,
    /// Plan with the future even if the run did not.
    #[arg(long)]
    pub lookahead: bool,
    /// Override one planner limit, NAME=VALUE (repeatable; `--limit help` lists them with their
    /// units and current values).
    #[arg(long = "limit", value_name = "NAME=VALUE")]
    pub limits: Vec<String>,
    /// Replay a log that was cut short (the run was killed): use its complete records.
    #[arg(long)]
    pub allow_truncated: bool,
}

/// `pitchcam cores`.
#[derive(Debug, Args, Clone)]
pub struct CoresArgs {}

/// Parses a duration flag: seconds, or `forever`/`0` for "until stopped".
pub fn parse_duration(s: &str) -> Result<Option<f64>, ConfigError> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("forever") || t.eq_ignore_ascii_case("inf") || t == "0" {
        return Ok(None);
    }
    match t.trim_end_matches('s').parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(Some(v)),
        _ => Err(ConfigError(format!("--duration {s:?}: give seconds (e.g. 120) or `forever`"))),
    }
}

impl RunArgs {
    /// Loads the config file (if any), applies these flags on top and validates the result.
    pub fn resolve(&self) -> Result<Config, ConfigError> {
        let mut c = match &self.config {
            Some(p) => Config::from_file(p)?,
            None => Config::default(),
        };
        if let Some(s) = &self.source {
            c.source.uri = s.clone();
        }
        if let Some(d) = &self.duration {
            c.run.duration_s = Some(parse_duration(d)?.unwrap_or(0.0));
        }
        if let Some(v) = self.seed {
            c.source.seed = v;
        }
        if let Some(v) = &self.out {
            c.output.dir = v.clone();
        }
        if let Some(v) = &self.resolution {
            c.source.resolution = v.clone();
        }
        if let Some(v) = self.fps {
            c.source.fps = v;
        }
        if let Some(v) = self.delay {
            c.delay.seconds = v;
        }
        if !self.modes.is_empty() {
            c.output.modes = self.modes.clone();
        }
        c.output.streams.extend(self.streams.iter().cloned());
        c.output.display |= self.display;
        c.output.hls |= self.hls;
        if self.no_record {
            c.output.record = false;
        }
        if let Some(v) = &self.preset {
            c.camera.preset = v.clone();
        }
        if self.no_lookahead {
            c.camera.lookahead = false;
        }
        if let Some(v) = &self.camera_size {
            c.camera.size = v.clone();
        }
        if let Some(v) = &self.audio {
            c.audio.source = v.clone();
        }
        if let Some(v) = self.analysis_core {
            c.threads.analysis_core = Some(v);
        }
        if let Some(v) = self.playback_core {
            c.threads.playback_core = Some(v);
        }
        if self.no_realtime {
            c.threads.realtime = false;
            c.threads.mlock = false;
        }
        c.output.log_observations |= self.log_observations;
        c.output.log_frames |= self.log_frames;
        c.validate().map_err(|e| ConfigError(self.name_flag(&e.0)))?;
        Ok(c)
    }

    /// Rewrites an error about a configuration key to name the flag instead, when the value
    /// came from that flag (`source.resolution 5701x1900: …` → `--resolution 5701x1900: …`):
    /// the user typed the flag, not the key.
    pub fn name_flag(&self, msg: &str) -> String {
        let given: [(&str, &str, bool); 12] = [
            ("source.resolution", "--resolution", self.resolution.is_some()),
            ("source.fps", "--fps", self.fps.is_some()),
            ("source", "--source", self.source.is_some()),
            ("delay.seconds", "--delay", self.delay.is_some()),
            ("run.duration_s", "--duration", self.duration.is_some()),
            ("camera.size", "--camera-size", self.camera_size.is_some()),
            ("camera.preset", "--preset", self.preset.is_some()),
            ("output.modes", "--mode", !self.modes.is_empty()),
            ("output.streams", "--stream", !self.streams.is_empty()),
            ("audio.source", "--audio", self.audio.is_some()),
            ("threads.analysis_core", "--analysis-core", self.analysis_core.is_some()),
            ("threads.playback_core", "--playback-core", self.playback_core.is_some()),
        ];
        for (key, flag, from_flag) in given {
            if let Some(rest) = msg.strip_prefix(key)
                && (rest.starts_with(' ') || rest.starts_with(':'))
                && from_flag
            {
                return format!("{flag}{rest}");
            }
        }
        msg.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_arguments_means_sim_for_60_s() {
        let c = RunArgs::default().resolve().unwrap();
        assert_eq!(c.source.uri, "sim");
        assert_eq!(c.run.effective_duration(&c.source.uri), Some(60.0));
        assert_eq!(c.output.dir, PathBuf::from("pitchcam-out"));
    }

    #[test]
    fn other_sources_run_until_stopped_by_default() {
        let a =
            RunArgs { source: Some("gst:videotestsrc is-live=true".into()), ..Default::default() };
        let c = a.resolve().unwrap();
        assert_eq!(c.run.effective_duration(&c.source.uri), None);
        let a = RunArgs { duration: Some("forever".into()), ..Default::default() };
        let c = a.resolve().unwrap();
        assert_eq!(c.run.effective_duration(&c.source.uri), None);
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("120").unwrap(), Some(120.0));
        assert_eq!(parse_duration("2.5s").unwrap(), Some(2.5));
        assert_eq!(parse_duration("forever").unwrap(), None);
        assert!(parse_duration("-3").is_err());
        assert!(parse_duration("abc").is_err());
    }

    #[test]
    fn errors_name_the_flag_that_set_the_value() {
        let a = RunArgs { resolution: Some("5701x1900".into()), ..Default::default() };
        assert_eq!(a.resolve().unwrap_err().0, "--resolution 5701x1900: NV12 needs even sizes");
        let a = RunArgs { modes: vec!["foo".into()], ..Default::default() };
        assert!(a.resolve().unwrap_err().0.starts_with("--mode: unknown mode"));
        let a = RunArgs { source: Some("bogus".into()), ..Default::default() };
        assert!(a.resolve().unwrap_err().0.starts_with("--source \"bogus\""));
        // From the config file, the key is the name the user knows.
        let a = RunArgs::default();
        assert_eq!(a.name_flag("camera.size 1x1: too small"), "camera.size 1x1: too small");
        let a = RunArgs { delay: Some(99.0), ..Default::default() };
        assert!(a.resolve().unwrap_err().0.starts_with("--delay 99: "));
    }

    #[test]
    fn flags_are_validated() {
        let a = RunArgs { resolution: Some("5701x1900".into()), ..Default::default() };
        assert!(a.resolve().unwrap_err().0.contains("even"));
        let a = RunArgs { streams: vec!["http://x".into()], ..Default::default() };
        assert!(a.resolve().is_err());
    }
}
