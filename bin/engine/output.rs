//! The playback pipeline: appsrc(s) fed by the playback thread → one encode per view → `tee` →
//! one appsink per output branch (see `streams.rs` for the branches themselves), and the delayed
//! audio → one AAC encode → `tee` → one appsink per branch.
//!
//! ```text
//! appsrc vcam ─ queue ─ [tee raw ─ appsink display] ─ x264enc ─ h264parse ─ tee ─┬─ appsink vcam_rec_v
//!                                                                                └─ appsink vcam_s0_v …
//! appsrc pano ─ queue ─ videoscale ─ x264enc ─ h264parse ─ tee ─ appsink panorama_rec_v
//! appsrc audio ─ audiorate ─ audioconvert ─ AAC ─ aacparse ─ tee ─┬─ appsink vcam_rec_a
//!                                                                 └─ appsink panorama_rec_a …
//! ```
//!
//! Output PTS are capture PTS, for video and audio alike; the pipeline's base time is the
//! capture pipeline's plus the delay, so a synchronising sink shows each frame and plays each
//! sample exactly `delay` after it was captured: lip sync by construction. The encoders never
//! make B-frames (RTMP/FLV needs monotonic DTS) and a keyframe comes every
//! `output.keyframe_interval` frames (≤ 2 s for streaming ingest).

use super::audio;
use super::streams::BranchSpec;
use crate::config::Config;
use std::fmt::Write as _;

/// Name of the virtual-camera appsrc.
pub const VCAM_SRC: &str = "pitchcam_vcam";
/// Name of the panorama appsrc.
pub const PANO_SRC: &str = "pitchcam_pano";

/// The AAC encoder available here: `voaacenc`, else libav's `avenc_aac`; with its delay in
/// samples (priming plus look-ahead: decoded audio comes out this much later than it went in,
/// and no container pitchcam writes signals it, so the audio's PTS are moved earlier by it).
/// Measured here by encoding a click and decoding it with `avdec_aac`: voaacenc 1600 samples,
/// avenc_aac 1024; `tests/outputs_record.rs` checks the resulting A/V offset end to end.
pub fn aac_encoder(bitrate: u32) -> Result<(String, u64), String> {
    for (factory, delay) in [("voaacenc", 1600), ("avenc_aac", 1024)] {
        if pitchcam::gst::Element::make(factory, None).is_ok() {
            return Ok((format!("{factory} bitrate={bitrate}"), delay));
        }
    }
    Err("no AAC encoder: install gstreamer1.0-plugins-bad (voaacenc) or gstreamer1.0-libav (avenc_aac)".into())
}

/// The playback pipeline's description for the configured modes and output branches. `frame`
/// is the panorama's size and `fps` its rate as a fraction; `aac` the AAC encoder element.
pub fn description(
    cfg: &Config,
    frame: (u32, u32),
    fps: (i32, i32),
    branches: &[BranchSpec],
    aac: &str,
) -> String {
    let mut d = String::new();
    let o = &cfg.output;
    let gop = o.keyframe_interval;
    let appsink = "appsink sync=false async=false enable-last-sample=false max-buffers=4 drop=true";
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
        let raw: Vec<&BranchSpec> =
            branches.iter().filter(|b| &b.mode == mode && b.kind.raw()).collect();
        if !raw.is_empty() {
            let _ = write!(
                d,
                "tee name={mode}_raw allow-not-linked=true ! queue max-size-buffers=8 max-size-bytes=0 max-size-time=0 ! "
            );
        }
        if scale {
            let _ = write!(d, "videoscale ! video/x-raw,width={w},height={h} ! ");
        }
        let tee = format!("{mode}_vtee");
        let _ = write!(
            d,
            "x264enc tune=zerolatency speed-preset=superfast bitrate={bitrate} key-int-max={gop} bframes=0 ! \
             video/x-h264,profile=high ! h264parse config-interval=-1 ! tee name={tee} allow-not-linked=true "
        );
        let mut linked = false;
        for b in branches.iter().filter(|b| &b.mode == mode) {
            if b.kind.raw() {
                let _ = write!(d, "{mode}_raw. ! {appsink} name={} ", b.video_sink());
            } else {
                let _ = write!(d, "{tee}. ! {appsink} name={} ", b.video_sink());
                linked = true;
            }
        }
        if !linked {
            let _ = write!(d, "{tee}. ! fakesink sync=false async=false ");
        }
    }
    let _ = write!(
        d,
        "appsrc name={} format=time is-live=true do-timestamp=false block=false max-buffers=64 \
         max-bytes=0 caps=\"{}\" ! audiorate tolerance=10000000 ! audioconvert ! {aac} ! aacparse ! \
         tee name=atee allow-not-linked=true ",
        audio::AUDIO_OUT_SRC,
        audio::raw_caps(cfg.audio.rate)
    );
    let mut linked = false;
    for b in branches {
        if let Some(a) = b.audio_sink() {
            let _ = write!(d, "atee. ! {appsink} max-buffers=16 name={a} ");
            linked = true;
        }
    }
    if !linked {
        let _ = write!(d, "atee. ! fakesink sync=false async=false ");
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::streams;

    #[test]
    fn vcam_recording_description() {
        let mut cfg = Config::default();
        cfg.output.dir = "/tmp/x".into();
        let b = streams::plan(&cfg).unwrap();
        let d = description(&cfg, (5700, 1900), (30, 1), &b, "voaacenc bitrate=128000");
        assert!(d.contains("appsrc name=pitchcam_vcam"), "{d}");
        assert!(d.contains("width=1920,height=1080,framerate=30/1"), "{d}");
        assert!(d.contains("vcam_vtee. ! appsink sync=false"), "{d}");
        assert!(d.contains("name=vcam_rec_v"), "{d}");
        assert!(d.contains("name=vcam_rec_a"), "{d}");
        assert!(d.contains("bframes=0"), "{d}");
        assert!(d.contains("voaacenc"), "{d}");
        assert!(!d.contains(PANO_SRC));
    }

    #[test]
    fn panorama_is_scaled_to_the_configured_size() {
        let mut cfg = Config::default();
        cfg.output.modes = vec!["vcam".into(), "panorama".into()];
        let b = streams::plan(&cfg).unwrap();
        let d = description(&cfg, (5700, 1900), (30, 1), &b, "avenc_aac bitrate=128000");
        assert!(d.contains("width=5700,height=1900"), "{d}");
        assert!(d.contains("videoscale ! video/x-raw,width=3840,height=1280"), "{d}");
        assert!(d.contains("name=panorama_rec_v"), "{d}");
    }

    #[test]
    fn no_outputs_still_has_sinks() {
        let mut cfg = Config::default();
        cfg.output.record = false;
        let d = description(&cfg, (5700, 1900), (30, 1), &[], "voaacenc bitrate=128000");
        assert!(d.contains("vcam_vtee. ! fakesink"), "{d}");
        assert!(d.contains("atee. ! fakesink"), "{d}");
    }
}
