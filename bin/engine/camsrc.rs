//! Live cameras: `camera:/dev/videoN` (V4L2) and `camera:argus:N` (Jetson CSI, nvarguscamerasrc).
//!
//! A V4L2 device offers a list of modes (format × size × rate). pitchcam asks the device what it
//! offers (v4l2src in READY, a caps query), picks the mode nearest the configured size and rate
//! ([`select_mode`], a pure function over that list, tested without a device), and pins it with a
//! caps filter, so negotiation never lands on a surprising default (a webcam's 640×480 at 5 fps).
//! Raw modes are preferred; MJPEG is taken when it is the only way to the size and rate (USB 2
//! cameras deliver 1080p30 only as MJPEG), and decoded by `jpegdec`.

use pitchcam::gst::{Caps, Pipeline, State};

/// What the run wants from the camera.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Want {
    /// Width, px.
    pub width: u32,
    /// Height, px.
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
}

impl Want {
    /// The size and rate in a caps string (`width=…,height=…,framerate=N/D`); 1920×1080 at
    /// 30 fps where it says nothing.
    pub fn from_caps(caps: &str) -> Want {
        let field = |k: &str| {
            caps.split(',')
                .find_map(|f| f.trim().strip_prefix(k))
                .and_then(|v| v.split('/').next())
                .and_then(|v| v.trim().parse::<u32>().ok())
                .filter(|&v| v > 0)
        };
        Want {
            width: field("width=").unwrap_or(1920),
            height: field("height=").unwrap_or(1080),
            fps: field("framerate=").unwrap_or(30),
        }
    }
}

/// How a mode's pixels arrive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Raw video in this format (`NV12`, `YUY2`, …).
    Raw(String),
    /// Motion JPEG.
    Mjpeg,
}

/// One mode a device offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mode {
    /// Pixel encoding.
    pub encoding: Encoding,
    /// Width, px.
    pub width: u32,
    /// Height, px.
    pub height: u32,
    /// Frame rate as a fraction.
    pub fps: (u32, u32),
}

impl Mode {
    fn rate(&self) -> f64 {
        self.fps.0 as f64 / self.fps.1.max(1) as f64
    }

    /// The caps filter that pins this mode.
    pub fn caps(&self) -> String {
        let (media, fmt) = match &self.encoding {
            Encoding::Raw(f) => ("video/x-raw", format!(",format={f}")),
            Encoding::Mjpeg => ("image/jpeg", String::new()),
        };
        format!(
            "{media}{fmt},width={},height={},framerate={}/{}",
            self.width, self.height, self.fps.0, self.fps.1
        )
    }
}

/// Chooses the device mode nearest `want`: first a rate of at least the wanted one (a camera
/// that cannot keep the rate makes the delay ring stutter), then the size nearest the wanted
/// one (larger before smaller: scaling down keeps detail), then raw before MJPEG (no decode),
/// then NV12 (no conversion) before other raw formats.
pub fn select_mode(modes: &[Mode], want: Want) -> Option<Mode> {
    let score = |m: &Mode| {
        let rate_short = (want.fps as f64 - m.rate()).max(0.0);
        let rate_over = (m.rate() - want.fps as f64).max(0.0);
        let area = m.width as f64 * m.height as f64;
        let want_area = want.width.max(1) as f64 * want.height.max(1) as f64;
        // Log-distance of the areas; a smaller-than-wanted mode pays double.
        let d = (area / want_area).ln();
        let size = if d < 0.0 { -2.0 * d } else { d };
        let enc = match &m.encoding {
            Encoding::Raw(f) if f == "NV12" => 0.0,
            Encoding::Raw(_) => 0.01,
            Encoding::Mjpeg => 0.05,
        };
        (
            rate_short > 0.5,
            (size * 1000.0) as i64,
            (rate_short * 100.0) as i64,
            (rate_over * 10.0) as i64,
            (enc * 100.0) as i64,
        )
    };
    modes.iter().min_by_key(|m| score(m)).cloned()
}

/// Parses a device's caps (as `gst_caps_to_string` prints them) into modes. Fixed values,
/// lists (`{ (fraction)30/1, (fraction)15/1 }`) and fraction ranges (their maximum) are
/// understood; structures that are neither raw video nor JPEG are skipped.
pub fn parse_modes(caps: &str) -> Vec<Mode> {
    let mut out = Vec::new();
    for s in split_structures(caps) {
        let s = s.trim();
        let (media, fields) = s.split_once(',').unwrap_or((s, ""));
        let media = media.trim();
        let fields = parse_fields(fields);
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let encodings: Vec<Encoding> = match media {
            "video/x-raw" => {
                list_values(get("format").unwrap_or("")).into_iter().map(Encoding::Raw).collect()
            }
            "image/jpeg" => vec![Encoding::Mjpeg],
            _ => continue,
        };
        let (Some(w), Some(h)) =
            (get("width").and_then(int_value), get("height").and_then(int_value))
        else {
            continue;
        };
        let rates: Vec<(u32, u32)> = get("framerate").map(fractions).unwrap_or_default();
        for e in &encodings {
            for &r in &rates {
                if r.0 > 0 {
                    out.push(Mode { encoding: e.clone(), width: w, height: h, fps: r });
                }
            }
        }
    }
    out
}

fn split_structures(caps: &str) -> Vec<String> {
    // Structures are separated by ';' outside braces/brackets.
    let mut v = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in caps.chars() {
        match c {
            '{' | '[' | '<' => depth += 1,
            '}' | ']' | '>' => depth -= 1,
            ';' if depth == 0 => {
                v.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        v.push(cur);
    }
    v
}

fn parse_fields(s: &str) -> Vec<(String, String)> {
    let mut v = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    let push = |cur: &mut String, v: &mut Vec<(String, String)>| {
        if let Some((k, val)) = cur.split_once('=') {
            v.push((k.trim().to_string(), val.trim().to_string()));
        }
        cur.clear();
    };
    for c in s.chars() {
        match c {
            '{' | '[' | '<' => depth += 1,
            '}' | ']' | '>' => depth -= 1,
            ',' if depth == 0 => {
                push(&mut cur, &mut v);
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    push(&mut cur, &mut v);
    v
}

/// Strips a `(type)` prefix.
fn untyped(v: &str) -> &str {
    let v = v.trim();
    match v.strip_prefix('(').and_then(|r| r.split_once(')')) {
        Some((_, rest)) => rest.trim(),
        None => v,
    }
}

fn list_values(v: &str) -> Vec<String> {
    let v = untyped(v);
    let inner = v.strip_prefix('{').and_then(|r| r.strip_suffix('}')).unwrap_or(v);
    inner
        .split(',')
        .map(|x| untyped(x).trim_matches('"').to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

fn int_value(v: &str) -> Option<u32> {
    let v = untyped(v);
    // A range `[ 1, 1920 ]`: take its maximum.
    let v = v
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .map_or(v, |r| r.rsplit(',').next().unwrap_or(r));
    untyped(v).trim().parse().ok()
}

fn fractions(v: &str) -> Vec<(u32, u32)> {
    let v = untyped(v);
    let parse = |x: &str| {
        let (n, d) = untyped(x).trim().split_once('/')?;
        Some((n.trim().parse().ok()?, d.trim().parse().ok()?))
    };
    if let Some(r) = v.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        // A range: its maximum rate.
        return r.rsplit(',').next().and_then(parse).into_iter().collect();
    }
    let inner = v.strip_prefix('{').and_then(|r| r.strip_suffix('}')).unwrap_or(v);
    inner.split(',').filter_map(parse).collect()
}

/// Asks a V4L2 device what it offers.
pub fn probe_v4l2(device: &str) -> Result<Vec<Mode>, String> {
    if !std::path::Path::new(device).exists() {
        return Err(format!("camera {device}: no such device (is the camera connected?)"));
    }
    let p = Pipeline::parse(&format!("v4l2src name=src device=\"{device}\" ! fakesink"))
        .map_err(|e| format!("camera {device}: {e}"))?;
    let src = p.by_name("src").map_err(|e| e.to_string())?;
    p.set_state(State::Ready).map_err(|e| format!("camera {device}: cannot open it: {e}"))?;
    let caps = src.static_pad("src").ok().and_then(|pad| pad.query_caps());
    let _ = p.set_state(State::Null);
    let caps: Caps = caps.ok_or_else(|| format!("camera {device}: offers no formats"))?;
    Ok(parse_modes(&caps.to_string()))
}

/// The capture description (up to NV12) of `camera:DEVICE`.
pub fn description(device: &str, want: Want) -> Result<String, String> {
    if let Some(id) = device.strip_prefix("argus:") {
        let id: u32 =
            id.parse().map_err(|_| format!("camera argus:{id}: the sensor id must be a number"))?;
        if pitchcam::gst::Element::make("nvarguscamerasrc", None).is_err() {
            return Err(format!(
                "camera argus:{id}: nvarguscamerasrc is not available (a Jetson with JetPack's \
                 nvidia-l4t-gstreamer is needed); use camera:/dev/videoN for a V4L2 camera"
            ));
        }
        return Ok(format!(
            "nvarguscamerasrc sensor-id={id} ! video/x-raw(memory:NVMM),width={},height={},framerate={}/1 ! \
             nvvidconv ! video/x-raw,format=NV12",
            want.width, want.height, want.fps
        ));
    }
    let modes = probe_v4l2(device)?;
    let m = select_mode(&modes, want)
        .ok_or_else(|| format!("camera {device}: offers no raw or MJPEG video mode"))?;
    eprintln!(
        "camera {device}: {} (wanted {}x{} at {} fps)",
        m.caps(),
        want.width,
        want.height,
        want.fps
    );
    Ok(match m.encoding {
        Encoding::Mjpeg => format!(
            "v4l2src device=\"{device}\" ! {} ! jpegdec ! videoconvert ! video/x-raw,format=NV12",
            m.caps()
        ),
        Encoding::Raw(_) => format!(
            "v4l2src device=\"{device}\" ! {} ! videoconvert ! video/x-raw,format=NV12",
            m.caps()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a common USB 2 webcam answers (gst_caps_to_string of v4l2src in READY).
    const WEBCAM: &str = "image/jpeg, width=(int)1920, height=(int)1080, pixel-aspect-ratio=(fraction)1/1, framerate=(fraction){ 30/1, 15/1 }; \
        image/jpeg, width=(int)1280, height=(int)720, framerate=(fraction){ 60/1, 30/1 }; \
        video/x-raw, format=(string)YUY2, width=(int)1920, height=(int)1080, framerate=(fraction)5/1; \
        video/x-raw, format=(string)YUY2, width=(int)1280, height=(int)720, framerate=(fraction)10/1; \
        video/x-raw, format=(string)YUY2, width=(int)640, height=(int)480, framerate=(fraction){ 30/1, 15/1 }; \
        video/x-raw(format:Interlaced), format=(string)YUY2, width=(int)320, height=(int)240, framerate=(fraction)30/1";

    fn want(w: u32, h: u32, fps: u32) -> Want {
        Want { width: w, height: h, fps }
    }

    #[test]
    fn parses_a_webcam() {
        let m = parse_modes(WEBCAM);
        assert_eq!(m.len(), 8, "{m:?}");
        assert!(m.contains(&Mode {
            encoding: Encoding::Mjpeg,
            width: 1920,
            height: 1080,
            fps: (30, 1)
        }));
        assert!(m.contains(&Mode {
            encoding: Encoding::Raw("YUY2".into()),
            width: 640,
            height: 480,
            fps: (15, 1)
        }));
    }

    #[test]
    fn full_hd_at_30_takes_mjpeg_when_raw_is_too_slow() {
        let m = select_mode(&parse_modes(WEBCAM), want(1920, 1080, 30)).unwrap();
        assert_eq!(m.encoding, Encoding::Mjpeg);
        assert_eq!((m.width, m.height, m.fps), (1920, 1080, (30, 1)));
        assert!(m.caps().starts_with("image/jpeg,width=1920,height=1080,framerate=30/1"));
    }

    #[test]
    fn raw_wins_when_it_keeps_the_rate() {
        let m = select_mode(&parse_modes(WEBCAM), want(640, 480, 30)).unwrap();
        assert_eq!(m.encoding, Encoding::Raw("YUY2".into()));
        assert_eq!((m.width, m.height, m.fps), (640, 480, (30, 1)));
    }

    #[test]
    fn nearest_size_prefers_larger_and_keeps_the_rate() {
        // 1000x600 wanted: 1280x720 (larger) over 640x480 (smaller), at a rate that keeps 30.
        let m = select_mode(&parse_modes(WEBCAM), want(1000, 600, 30)).unwrap();
        assert_eq!((m.width, m.height), (1280, 720));
        assert!(m.fps.0 / m.fps.1 >= 30);
        // A panorama-sized wish on a webcam: the largest mode that keeps the rate.
        let m = select_mode(&parse_modes(WEBCAM), want(5700, 1900, 30)).unwrap();
        assert_eq!((m.width, m.height, m.fps), (1920, 1080, (30, 1)));
    }

    #[test]
    fn nv12_before_other_raw_and_ranges() {
        let caps = "video/x-raw, format=(string){ YUY2, NV12 }, width=(int)3840, height=(int)2160, framerate=(fraction)[ 1/1, 30/1 ]";
        let m = parse_modes(caps);
        assert_eq!(m.len(), 2, "{m:?}");
        let s = select_mode(&m, want(3840, 2160, 30)).unwrap();
        assert_eq!(s.encoding, Encoding::Raw("NV12".into()));
        assert_eq!(s.fps, (30, 1));
    }

    #[test]
    fn nothing_usable_is_none() {
        assert!(select_mode(&parse_modes("audio/x-raw, rate=(int)48000"), want(1, 1, 1)).is_none());
        assert!(parse_modes("").is_empty());
    }

    #[test]
    fn missing_device_is_a_clear_error() {
        let e = probe_v4l2("/dev/video-does-not-exist").unwrap_err();
        assert!(e.contains("no such device"), "{e}");
    }
}
