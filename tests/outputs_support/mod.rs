//! Shared by the `outputs_*` tests: run the binary, real servers on loopback (nginx with its
//! RTMP module, GStreamer's RTSP server), pull a stream back with GStreamer, and measure the A/V
//! offset from the sim's clicks against its kick frames, independently of the binary's own
//! measurement.
#![allow(dead_code)]

use pitchcam::gst::{AppSink, MessageView, Pipeline, State};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Tests of one binary take turns: each runs a realtime pipeline, and two at once on a small
/// shared machine would measure the machine, not pitchcam.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_pitchcam")
}

/// A fresh, empty folder for one test.
pub fn out_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pitchcam-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Fails (never skips) when a tool is missing, naming the package that provides it.
pub fn require(tool: &str, package: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false)
        || Path::new(tool).is_file();
    assert!(found, "`{tool}` is needed by this test: install {package} (scripts/setup does)");
}

/// Fails when a GStreamer element is missing, naming its package.
pub fn require_element(factory: &str, package: &str) {
    pitchcam::gst::init().unwrap();
    assert!(
        pitchcam::gst::Element::make(factory, None).is_ok(),
        "GStreamer element `{factory}` is needed by this test: install {package}"
    );
}

/// The common arguments of a small, short run.
pub fn small_run(out: &Path, secs: u32) -> Vec<String> {
    [
        "run",
        "--resolution",
        "960x320",
        "--camera-size",
        "640x360",
        "--delay",
        "2",
        "--no-realtime",
        "--duration",
        &secs.to_string(),
        "--out",
        out.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// A finished run.
pub struct Run {
    /// Exit success.
    pub ok: bool,
    /// Everything it wrote to stderr.
    pub stderr: String,
    /// report.json.
    pub report: Value,
}

/// Runs the binary to completion.
pub fn run(args: &[String]) -> Run {
    let o = Command::new(bin()).args(args).output().expect("run pitchcam");
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let out = args.iter().position(|a| a == "--out").map(|i| PathBuf::from(&args[i + 1])).unwrap();
    let text = std::fs::read_to_string(out.join("report.json"))
        .unwrap_or_else(|e| panic!("no report.json ({e}); stderr:\n{stderr}"));
    Run { ok: o.status.success(), stderr, report: serde_json::from_str(&text).unwrap() }
}

/// A run in the background; killed if the test fails before waiting for it.
pub struct Running(Option<Child>, PathBuf);

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Starts the binary in the background (stderr to `logs/stderr.txt`).
pub fn spawn(args: &[String], logs: &Path) -> Running {
    let err = std::fs::File::create(logs.join("stderr.txt")).unwrap();
    let out = args.iter().position(|a| a == "--out").map(|i| PathBuf::from(&args[i + 1])).unwrap();
    Running(
        Some(
            Command::new(bin())
                .args(args)
                .stdout(Stdio::null())
                .stderr(err)
                .spawn()
                .expect("start pitchcam"),
        ),
        out,
    )
}

/// Waits for a spawned run and reads its report (`logs` as given to [`spawn`]).
pub fn finish(mut running: Running, logs: &Path) -> Run {
    let st = running.0.take().unwrap().wait().unwrap();
    let out = running.1.clone();
    let stderr = std::fs::read_to_string(logs.join("stderr.txt")).unwrap_or_default();
    let text = std::fs::read_to_string(out.join("report.json"))
        .unwrap_or_else(|e| panic!("no report.json ({e}); stderr:\n{stderr}"));
    Run { ok: st.success(), stderr, report: serde_json::from_str(&text).unwrap() }
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A free UDP port on loopback.
pub fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_port(port: u16, up: bool) {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(10) {
        let ok = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
        if ok == up {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("port {port} did not become {}", if up { "reachable" } else { "free" });
}

/// nginx with the RTMP module on a loopback port, from a config written into a temp folder.
pub struct Nginx {
    /// RTMP port.
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl Nginx {
    /// Starts nginx (application `live`) on a free port.
    pub fn start(name: &str) -> Nginx {
        Nginx::start_on(name, free_port())
    }

    /// Starts nginx (application `live`) on `port`.
    pub fn start_on(name: &str, port: u16) -> Nginx {
        require("nginx", "nginx and libnginx-mod-rtmp");
        let module = ["/usr/lib/nginx/modules/ngx_rtmp_module.so"]
            .into_iter()
            .find(|m| Path::new(m).is_file())
            .expect("the nginx RTMP module is needed: install libnginx-mod-rtmp");
        let dir = out_dir(&format!("nginx-{name}"));
        let conf = include_str!("nginx-rtmp.conf.in")
            .replace("@MODULE@", module)
            .replace("@DIR@", dir.to_str().unwrap())
            .replace("@PORT@", &port.to_string());
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let mut n = Nginx { port, dir, child: None };
        n.restart();
        n
    }

    /// (Re)starts the server on the same port.
    pub fn restart(&mut self) {
        let child = Command::new("nginx")
            .args(["-c", self.dir.join("nginx.conf").to_str().unwrap()])
            .args(["-p", self.dir.to_str().unwrap()])
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        self.child = Some(child);
        wait_port(self.port, true);
    }

    /// Kills the server (SIGKILL: a crash, not a goodbye).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        wait_port(self.port, false);
    }

    /// `rtmp://127.0.0.1:PORT/live/KEY`.
    pub fn url(&self, key: &str) -> String {
        format!("rtmp://127.0.0.1:{}/live/{key}", self.port)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What a pull collected.
#[derive(Debug, Default)]
pub struct Pulled {
    /// PTS of every video frame (pull timeline), ns.
    pub video: Vec<u64>,
    /// Decoded mono audio.
    pub audio: Vec<f32>,
    /// PTS of the first audio sample.
    pub audio_t0: Option<u64>,
    /// Sample rate.
    pub rate: u32,
    /// Errors the pull pipeline posted.
    pub errors: Vec<String>,
}

/// A GStreamer pipeline pulling a stream: `src` must end in a demuxer named `d`; video is
/// collected undecoded, audio decoded to mono f32.
pub struct Pull {
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<Pulled>>,
}

impl Pull {
    /// Starts pulling; `video_caps` selects the demuxer's video pad (`video/x-h264`).
    pub fn start(src: &str) -> Pull {
        pitchcam::gst::init().unwrap();
        let desc = format!(
            "{src} d. ! video/x-h264 ! queue ! appsink name=v sync=false \
             d. ! audio/mpeg ! queue ! decodebin ! audioconvert ! audioresample ! \
             audio/x-raw,format=F32LE,channels=1,rate=48000 ! appsink name=a sync=false"
        );
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let handle = std::thread::spawn(move || pull_loop(&desc, &stop2));
        Pull { stop, handle: Some(handle) }
    }

    /// Stops (after a grace period for the tail) and returns what arrived.
    pub fn finish(mut self, grace: Duration) -> Pulled {
        std::thread::sleep(grace);
        self.stop.store(true, Ordering::Release);
        self.handle.take().unwrap().join().unwrap()
    }
}

fn pull_loop(desc: &str, stop: &AtomicBool) -> Pulled {
    let mut out = Pulled { rate: 48_000, ..Default::default() };
    // The stream may not exist yet: retry until stopped.
    while !stop.load(Ordering::Acquire) {
        let p = Pipeline::parse(desc).expect("pull pipeline");
        let v = AppSink::from_element(p.by_name("v").unwrap()).unwrap();
        let a = AppSink::from_element(p.by_name("a").unwrap()).unwrap();
        let _ = p.set_state(State::Playing);
        let bus = p.bus();
        let mut ended = false;
        let mut flushing: Option<Instant> = None;
        while !ended {
            if flushing.is_none() && stop.load(Ordering::Acquire) {
                // An EOS from our side makes the demuxer hand over what it still holds (tsdemux
                // keeps the last PES until the next one, or EOS, arrives).
                if let Ok(eos) = pitchcam::gst::Event::eos() {
                    let _ = p.send_event(eos);
                }
                flushing = Some(Instant::now());
            }
            if flushing.is_some_and(|t| t.elapsed() > Duration::from_secs(3)) {
                break;
            }
            while let Some(m) = bus.timed_pop(Some(0)) {
                match m.view() {
                    MessageView::Error(e) => {
                        out.errors.push(e.to_string());
                        ended = true;
                    }
                    MessageView::Eos => ended = true,
                    _ => {}
                }
            }
            let mut got = false;
            while let Some(s) = v.try_pull_sample(5_000_000) {
                got = true;
                if let Some(pts) = s.buffer().and_then(|b| b.pts()) {
                    out.video.push(pts);
                }
            }
            while let Some(s) = a.try_pull_sample(1_000_000) {
                got = true;
                let Some(b) = s.buffer() else { continue };
                let Some(pts) = b.pts() else { continue };
                let t0 = *out.audio_t0.get_or_insert(pts);
                let expected = t0 + out.audio.len() as u64 * 1_000_000_000 / 48_000;
                if pts > expected + 1_000_000 {
                    let pad = ((pts - expected) * 48_000 / 1_000_000_000) as usize;
                    out.audio.extend(std::iter::repeat_n(0.0, pad));
                }
                let m = b.map_readable().unwrap();
                out.audio.extend(
                    m.as_slice()
                        .chunks_exact(4)
                        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
                );
            }
            if ended {
                // Drain what the sinks still hold.
                while let Some(s) = v.try_pull_sample(0) {
                    if let Some(pts) = s.buffer().and_then(|b| b.pts()) {
                        out.video.push(pts);
                    }
                }
            }
            if !got {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        let _ = p.set_state(State::Null);
        if !out.video.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    out
}

/// Click onsets (first sample ≥ `threshold`, 50 ms apart), ns from `t0`.
pub fn onsets(samples: &[f32], rate: u32, t0: u64, threshold: f32) -> Vec<u64> {
    let refractory = rate as usize / 20;
    let mut out = Vec::new();
    let mut last: Option<usize> = None;
    for (i, &v) in samples.iter().enumerate() {
        if v.abs() >= threshold {
            if last.is_none_or(|l| i - l > refractory) {
                out.push(t0 + i as u64 * 1_000_000_000 / rate as u64);
            }
            last = Some(i);
        }
    }
    out
}

/// Which pulled frame is known: the branch's first (nothing lost at the start: the viewer
/// was there first) or its last (nothing lost at the end).
#[derive(Clone, Copy, Debug)]
pub enum Anchor {
    /// The first pulled frame is the branch's first (`first_video_pts_ns`).
    First(u64),
    /// The last pulled frame is the branch's last (`last_video_pts_ns`).
    Last(u64),
}

/// The A/V offsets (audio − video, ns) of a pulled stream: the anchor maps the pull's timeline
/// to capture time; each kick (capture PTS) is paired with the nearest click onset.
pub fn av_offsets(p: &Pulled, kicks: &[u64], anchor: Anchor) -> Vec<i64> {
    let first_pull = *p.video.iter().min().expect("no video pulled");
    let last_pull = *p.video.iter().max().unwrap();
    let delta = match anchor {
        Anchor::First(c) => first_pull as i64 - c as i64,
        Anchor::Last(c) => last_pull as i64 - c as i64,
    };
    let (first_capture, last_capture) = (first_pull as i64 - delta, last_pull as i64 - delta);
    let clicks: Vec<i64> = onsets(&p.audio, p.rate, p.audio_t0.expect("no audio pulled"), 0.18)
        .into_iter()
        .map(|c| c as i64 - delta)
        .collect();
    let mut out = Vec::new();
    for &k in kicks {
        let k = k as i64;
        if k < first_capture + 100_000_000 || k + 100_000_000 > last_capture {
            continue;
        }
        if let Some(d) = clicks.iter().map(|&c| c - k).min_by_key(|d| d.unsigned_abs())
            && d.unsigned_abs() < 150_000_000
        {
            out.push(d);
        }
    }
    out
}

/// The kicks of a run (capture PTS) from its report.
pub fn kicks(report: &Value) -> Vec<u64> {
    report["av_sync"]["kick_pts_ns"]
        .as_array()
        .expect("report.av_sync.kick_pts_ns")
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect()
}

/// The report entry of the first output of `kind`.
pub fn output<'a>(report: &'a Value, kind: &str) -> &'a Value {
    report["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} output in {}", report["outputs"]))
}

/// Video frames (and whether there is audio) in a recorded file, decoding nothing.
pub fn count_frames(path: &Path) -> (u64, bool) {
    pitchcam::gst::init().unwrap();
    let demux =
        if path.extension().is_some_and(|e| e == "ts") { "tsdemux" } else { "matroskademux" };
    let p = Pipeline::parse(&format!(
        "filesrc location=\"{}\" ! {demux} name=d d. ! video/x-h264 ! queue ! appsink name=v sync=false \
         d. ! audio/mpeg ! queue ! appsink name=a sync=false",
        path.display()
    ))
    .unwrap();
    let v = AppSink::from_element(p.by_name("v").unwrap()).unwrap();
    let a = AppSink::from_element(p.by_name("a").unwrap()).unwrap();
    p.set_state(State::Playing).unwrap();
    let (mut n, mut audio) = (0, false);
    let t = Instant::now();
    let mut idle = Instant::now();
    while t.elapsed() < Duration::from_secs(30) && idle.elapsed() < Duration::from_secs(2) {
        let mut got = false;
        while v.try_pull_sample(2_000_000).is_some() {
            n += 1;
            got = true;
        }
        while a.try_pull_sample(1_000_000).is_some() {
            audio = true;
            got = true;
        }
        // Both tracks to their end (a short file's audio may come after its last frame).
        if v.is_eos() && (audio || a.is_eos()) {
            break;
        }
        if got {
            idle = Instant::now();
        }
    }
    let _ = p.set_state(State::Null);
    (n, audio)
}

/// Recorded segments of `mode` in `dir`, in order.
pub fn segments(dir: &Path, mode: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().unwrap().to_string_lossy().starts_with(&format!("{mode}-"))
                && p.extension().is_some_and(|e| e == "mkv")
        })
        .collect();
    v.sort();
    v
}
