//! Shared by the `engine_*` tests: run the real `pitchcam` binary, read its report and frame log,
//! decode what it recorded with GStreamer, and find the ball in decoded frames.
//!
//! Every run uses a small panorama, a short delay and an output folder of its own under the
//! system temp dir, and runs with `G_DEBUG=fatal-criticals`: a GStreamer critical anywhere in
//! the engine aborts the run and fails the test.
#![allow(dead_code)] // each test binary uses a different part

use pitchcam::gst::{self, AppSink, MessageView, Pipeline, State, VideoInfo};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_pitchcam");

/// A fresh, empty output folder for one test.
pub fn out_dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pitchcam-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `pitchcam` with these arguments, set up the way every engine test runs it.
pub fn command(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).env("G_DEBUG", "fatal-criticals").env_remove("GST_DEBUG");
    c
}

/// Runs `pitchcam` to completion.
pub fn run(args: &[&str]) -> Output {
    command(args).output().expect("the pitchcam binary runs")
}

/// Runs `pitchcam` and insists on exit 0.
pub fn run_ok(args: &[&str]) -> Output {
    let out = run(args);
    assert!(out.status.success(), "pitchcam {args:?} failed: {}", describe(&out));
    out
}

/// Exit status and output, for assertion messages.
pub fn describe(out: &Output) -> String {
    format!(
        "{}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `report.json` of a run.
pub fn report(dir: &Path) -> Value {
    let p = dir.join("report.json");
    let text =
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{} not written: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", p.display()))
}

/// A number from the report by a dotted path (`ring.high_water`).
pub fn num(r: &Value, path: &str) -> f64 {
    let mut v = r;
    for k in path.split('.') {
        v = v.get(k).unwrap_or_else(|| panic!("report.json has no {path}:\n{r:#}"));
    }
    v.as_f64().unwrap_or_else(|| panic!("report.json {path} is not a number: {v}"))
}

/// An integer from the report.
pub fn int(r: &Value, path: &str) -> u64 {
    let v = num(r, path);
    assert!(v >= 0.0 && v.fract() == 0.0, "report.json {path} = {v} is not a count");
    v as u64
}

/// The recorded segments of `mode` (`vcam`, `panorama`) in `dir`, in order.
pub fn segments(dir: &Path, mode: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(&format!("{mode}-")) && (n.ends_with(".mkv") || n.ends_with(".mp4"))
        })
        .collect();
    v.sort();
    v
}

/// One line of `frames.csv`.
#[derive(Clone, Copy, Debug)]
pub struct FrameLine {
    pub pts: u64,
    pub crop: [f64; 4],
    /// `(x, y, radius, in_play, visible)` with the sim source.
    pub ball: Option<(f64, f64, f64, bool, bool)>,
}

/// Reads `frames.csv` (written with `--log-frames`).
pub fn frame_log(dir: &Path) -> Vec<FrameLine> {
    let p = dir.join("frames.csv");
    let text =
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{} not written: {e}", p.display()));
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("pts_ns,crop_x,crop_y,crop_w,crop_h,ball_x,ball_y,ball_r,in_play,visible")
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 10, "frames.csv line {l:?}");
            let n = |i: usize| f[i].parse::<f64>().unwrap_or_else(|_| panic!("{l:?} col {i}"));
            FrameLine {
                pts: f[0].parse().unwrap(),
                crop: [n(1), n(2), n(3), n(4)],
                ball: (!f[5].is_empty()).then(|| (n(5), n(6), n(7), f[8] == "1", f[9] == "1")),
            }
        })
        .collect()
}

/// One decoded frame's luma.
pub struct Luma<'a> {
    pub pts: u64,
    pub width: usize,
    pub height: usize,
    pub stride: usize,
    pub data: &'a [u8],
}

impl Luma<'_> {
    /// The luma at `(x, y)` (clamped to the frame).
    pub fn at(&self, x: i64, y: i64) -> u8 {
        let x = x.clamp(0, self.width as i64 - 1) as usize;
        let y = y.clamp(0, self.height as i64 - 1) as usize;
        self.data[y * self.stride + x]
    }
}

/// What decoding a recording found.
#[derive(Debug, Default)]
pub struct Decoded {
    /// PTS of every frame, in decode order.
    pub pts: Vec<u64>,
    pub width: usize,
    pub height: usize,
}

fn init() {
    gst::init().expect("GStreamer must initialise (install libgstreamer1.0-0)");
}

/// Decodes `source` (a GStreamer description yielding H.264, e.g. `filesrc ! matroskademux`) to
/// the end with `… ! h264parse ! avdec_h264 ! videoconvert ! GRAY8 ! appsink`,
/// handing every frame's luma to `each`. Fails the test on any bus error or if EOS never comes.
pub fn decode_with(source: &str, mut each: impl FnMut(&Luma<'_>)) -> Decoded {
    init();
    for (f, pkg) in [
        ("avdec_h264", "gstreamer1.0-libav"),
        ("h264parse", "gstreamer1.0-plugins-bad"),
        ("matroskademux", "gstreamer1.0-plugins-good"),
    ] {
        assert!(
            gst::Element::make(f, None).is_ok(),
            "GStreamer element {f} missing: install {pkg}"
        );
    }
    let desc = format!(
        "{source} ! h264parse ! avdec_h264 ! videoconvert ! video/x-raw,format=GRAY8 ! \
         appsink name=sink sync=false max-buffers=4 drop=false enable-last-sample=false"
    );
    let p = Pipeline::parse(&desc).unwrap_or_else(|e| panic!("{desc}: {e}"));
    let sink = AppSink::from_element(p.by_name("sink").unwrap()).unwrap();
    p.set_state(State::Playing).unwrap_or_else(|e| panic!("{desc}: cannot play: {e}"));
    let mut d = Decoded::default();
    while let Some(s) = sink.pull_sample() {
        let info = VideoInfo::from_caps(&s.caps().expect("sample caps")).unwrap();
        let b = s.buffer().expect("sample buffer");
        let f = b.map_video(&info).unwrap();
        d.width = f.width() as usize;
        d.height = f.height() as usize;
        let pts = b.pts().expect("decoded frame without PTS");
        let luma = Luma {
            pts,
            width: d.width,
            height: d.height,
            stride: f.stride(0),
            data: f.plane_data(0).unwrap(),
        };
        each(&luma);
        d.pts.push(pts);
    }
    let bus = p.bus();
    let mut eos = sink.is_eos();
    while let Some(m) = bus.timed_pop(Some(0)) {
        match m.view() {
            MessageView::Error(e) => panic!("decoding {source}: {e}"),
            MessageView::Eos => eos = true,
            _ => {}
        }
    }
    p.set_state(State::Null).unwrap();
    assert!(eos, "decoding {source} stopped before its end");
    d
}

/// Decodes one recorded file to its end.
pub fn decode_file(path: &Path) -> Decoded {
    decode_file_with(path, |_| {})
}

/// Decodes one recorded file, handing each frame's luma to `each`.
pub fn decode_file_with(path: &Path, each: impl FnMut(&Luma<'_>)) -> Decoded {
    let demux = match path.extension().and_then(|e| e.to_str()) {
        Some("mp4") => "qtdemux",
        _ => "matroskademux",
    };
    decode_with(&format!("filesrc location=\"{}\" ! {demux}", path.display()), each)
}

/// Decodes every segment of `mode` in `dir`, in order, as one recording: each file on its own
/// (`splitmuxsrc` on GStreamer 1.22 now and then ends a single-part recording after a few
/// frames, so it is not used here), frames handed to `each` in order.
pub fn decode_recording_with(dir: &Path, mode: &str, mut each: impl FnMut(&Luma<'_>)) -> Decoded {
    let segs = segments(dir, mode);
    assert!(!segs.is_empty(), "no {mode} segments recorded in {}", dir.display());
    let mut all = Decoded::default();
    for s in &segs {
        let d = decode_file_with(s, &mut each);
        assert!(!d.pts.is_empty(), "{}: no frames", s.display());
        all.width = d.width;
        all.height = d.height;
        all.pts.extend(d.pts);
    }
    all
}

/// Checks that a Matroska file was finalised: its Segment has a known size that ends exactly at
/// the end of the file, and the Info carries a Duration. A muxer stopped before finalising
/// leaves the size "unknown" (all ones) and no duration.
pub fn assert_mkv_finalised(path: &Path) {
    let d = std::fs::read(path).unwrap();
    let what = path.display();
    let (id, n) = ebml_id(&d, 0).unwrap_or_else(|| panic!("{what}: not EBML"));
    assert_eq!(id, 0x1A45_DFA3, "{what}: no EBML header");
    let (size, m) = ebml_size(&d, n).unwrap_or_else(|| panic!("{what}: bad EBML header size"));
    let seg_at = n + m + size.expect("EBML header of unknown size") as usize;
    let (id, n) = ebml_id(&d, seg_at).unwrap_or_else(|| panic!("{what}: no Segment"));
    assert_eq!(id, 0x1853_8067, "{what}: no Segment after the EBML header");
    let (size, m) = ebml_size(&d, seg_at + n).unwrap();
    let size = size.unwrap_or_else(|| {
        panic!("{what}: Segment size unknown: the file was never finalised (truncated)")
    });
    assert_eq!(
        seg_at + n + m + size as usize,
        d.len(),
        "{what}: Segment size does not match the file: truncated or trailing bytes"
    );
    let info = find(&d, &[0x15, 0x49, 0xA9, 0x66]).unwrap_or_else(|| panic!("{what}: no Info"));
    assert!(
        find(&d[info..(info + 256).min(d.len())], &[0x44, 0x89]).is_some(),
        "{what}: Info has no Duration: not finalised"
    );
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn ebml_id(d: &[u8], at: usize) -> Option<(u32, usize)> {
    let b = *d.get(at)?;
    let len = b.leading_zeros() as usize + 1;
    if len > 4 {
        return None;
    }
    let mut v = 0u32;
    for i in 0..len {
        v = v << 8 | *d.get(at + i)? as u32;
    }
    Some((v, len))
}

/// An EBML size (`None` = unknown size, all value bits set) and its length.
fn ebml_size(d: &[u8], at: usize) -> Option<(Option<u64>, usize)> {
    let b = *d.get(at)?;
    let len = b.leading_zeros() as usize + 1;
    if len > 8 {
        return None;
    }
    let mut v = (b as u64) & (0xFF >> len);
    for i in 1..len {
        v = v << 8 | *d.get(at + i)? as u64;
    }
    let all_ones = (1u64 << (7 * len)) - 1;
    Some(((v != all_ones).then_some(v), len))
}

/// Where the ball appears to be in a decoded frame: the brightest disc of `radius` within
/// `search` px of `(ex, ey)`, with its contrast against the ring around it.
#[derive(Clone, Copy, Debug)]
pub struct Spot {
    pub x: f64,
    pub y: f64,
    /// Mean luma inside the disc minus mean luma of the ring around it.
    pub contrast: f64,
}

/// Searches the luma around `(ex, ey)` for a bright disc of `radius` px (a ball is white on
/// green: luma ~200–235 on ~100).
pub fn find_ball(l: &Luma<'_>, ex: f64, ey: f64, radius: f64, search: f64) -> Spot {
    let r = radius.max(1.0);
    let (inner, outer) = (r, r + 2.5);
    let reach = outer.ceil() as i64;
    let mut best = Spot { x: ex, y: ey, contrast: f64::MIN };
    let s = search.ceil() as i64;
    for cy in (ey.round() as i64 - s)..=(ey.round() as i64 + s) {
        for cx in (ex.round() as i64 - s)..=(ex.round() as i64 + s) {
            let (mut a, mut na, mut b, mut nb) = (0u32, 0u32, 0u32, 0u32);
            for dy in -reach..=reach {
                for dx in -reach..=reach {
                    let d = ((dx * dx + dy * dy) as f64).sqrt();
                    let v = l.at(cx + dx, cy + dy) as u32;
                    if d <= inner {
                        a += v;
                        na += 1;
                    } else if d > inner + 1.0 && d <= outer {
                        b += v;
                        nb += 1;
                    }
                }
            }
            let c = a as f64 / na.max(1) as f64 - b as f64 / nb.max(1) as f64;
            if c > best.contrast {
                best = Spot { x: cx as f64, y: cy as f64, contrast: c };
            }
        }
    }
    best
}
