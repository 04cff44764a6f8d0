//! The playback pipeline: appsrc(s) fed by the playback thread → one encode per view → `tee` →
//! segmented recording (and, with the outputs issue, streams, HLS, display).
//!
//! ```text
//! appsrc vcam ─ queue ─ x264enc ─ h264parse ─ tee ─┬─ queue ─ splitmuxsink (mkv | fragmented mp4)
//!                                                  └─ …
//! appsrc pano ─ queue ─ videoscale ─ x264enc ─ h264parse ─ tee ─ …
//! ```
//!
//! Output PTS are capture PTS; the pipeline's base time is the capture pipeline's plus the delay,
//! so a synchronising sink (a display) shows each frame exactly `delay` after it was captured.

use crate::config::Config;
use std::fmt::Write as _;
use std::path::Path;

/// Name of the virtual-camera appsrc.
pub const VCAM_SRC: &str = "pitchcam_vcam";
/// Name of the panorama appsrc.
pub const PANO_SRC: &str = "pitchcam_pano";

/// The playback pipeline's description for the configured modes. `frame` is the panorama's
/// size and `fps` its rate as a fraction.
pub fn description(cfg: &Config, frame: (u32, u32), fps: (i32, i32), dir: &Path) -> String {
    let mut d = String::new();
    let o = &cfg.output;
    let gop = o.keyframe_interval;
    for mode in &o.modes {
        let (src, (w, h), bitrate, scale) = match mode.as_str() {
            "vcam" => (VCAM_SRC, cfg.vcam_size(), o.vcam_bitrate_kbps, false),
            _ => (PANO_SRC, cfg.panorama_out_size(), o.panorama_bitrate_kbps, true),
        };
        let in_caps = if scale {
            format!(
                "video/x-raw,format=NV12,width={},height={},framerate={}/{}",
                frame.0, frame.1, fps.0, fps.1
            )
        } else {
            format!("video/x-raw,format=NV12,width={w},height={h},framerate={}/{}", fps.0, fps.1)
        };
        let _ = write!(
            d,
            "appsrc name={src} format=time is-live=true do-timestamp=false block=false \
             max-buffers=8 max-bytes=0 caps=\"{in_caps}\" ! queue max-size-buffers=8 max-size-bytes=0 max-size-time=0 ! "
        );
        if scale {
            let _ = write!(d, "videoscale ! video/x-raw,width={w},height={h} ! ");
        }
        let tee = format!("{mode}_tee");
        let _ = write!(
            d,
            "x264enc tune=zerolatency speed-preset=superfast bitrate={bitrate} key-int-max={gop} bframes=0 ! \
             video/x-h264,profile=high ! h264parse config-interval=-1 ! tee name={tee} allow-not-linked=true "
        );
        if o.record {
            let (factory, ext, props) = match o.container.as_str() {
                "mp4" => {
                    ("mp4mux", "mp4", " muxer-properties=\"properties,fragment-duration=1000\"")
                }
                _ => ("matroskamux", "mkv", ""),
            };
            let loc = dir.join(format!("{mode}-%05d.{ext}"));
            let _ = write!(
                d,
                "{tee}. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=3000000000 ! \
                 splitmuxsink name={mode}_rec muxer-factory={factory}{props} location=\"{}\" \
                 max-size-time={} async-finalize=false ",
                loc.display(),
                o.segment_s as u64 * 1_000_000_000
            );
        } else {
            let _ = write!(d, "{tee}. ! queue ! fakesink sync=false async=false ");
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vcam_recording_description() {
        let cfg = Config::default();
        let d = description(&cfg, (5700, 1900), (30, 1), Path::new("/tmp/x"));
        assert!(d.contains("appsrc name=pitchcam_vcam"), "{d}");
        assert!(d.contains("width=1920,height=1080,framerate=30/1"), "{d}");
        assert!(d.contains("splitmuxsink name=vcam_rec muxer-factory=matroskamux"), "{d}");
        assert!(d.contains("/tmp/x/vcam-%05d.mkv"), "{d}");
        assert!(!d.contains(PANO_SRC));
    }

    #[test]
    fn panorama_is_scaled_to_the_configured_size() {
        let mut cfg = Config::default();
        cfg.output.modes = vec!["vcam".into(), "panorama".into()];
        let d = description(&cfg, (5700, 1900), (30, 1), Path::new("o"));
        assert!(d.contains("width=5700,height=1900"), "{d}");
        assert!(d.contains("videoscale ! video/x-raw,width=3840,height=1280"), "{d}");
        assert!(d.contains("panorama-%05d.mkv"), "{d}");
    }
}
