//! The whole pipeline, measured: the synthetic 5700×1900 @ 30 fps match → 7 s delay → 1920×1080
//! virtual-camera recording, once through the real `pitchcam` binary and once with the old
//! application's strategy rebuilt here, side by side.
//!
//! ```text
//! cargo bench --bench pipeline                    # 120 s per row, both rows
//! PITCHCAM_BENCH_SECS=30 cargo bench --bench pipeline
//! PITCHCAM_BENCH_ROWS=old PITCHCAM_BENCH_RES=1920x640 cargo bench --bench pipeline
//! ```
//!
//! * **pitchcam**: `pitchcam run --resolution 5700x1900 --camera-size 1920x1080 --delay 7
//!   --duration N`, its `report.json` read back. Frames stay NV12 in a preallocated pool, the
//!   ring holds references, lookups are binary searches, the crop-scale reads only the crop.
//! * **old strategy** (the Python app this replaces, rebuilt with the same pieces where it did
//!   the same thing): the same sim frames (NV12, same seed) → `videoconvert` to RGBA *before*
//!   the ring → detection and tracking inside a pad probe on the streaming thread → an appsink
//!   whose callback deep-copies every RGBA frame into a newly allocated buffer appended to a
//!   growable list capped at 210 entries (the oldest removed from the front) → a playback
//!   thread that searches that list linearly twice per tick under its lock, crops and scales
//!   the RGBA frame (separable fixed-point bilinear, the same method as pitchcam's NV12
//!   scaler, on four bytes per pixel instead of one and a half) → `videoconvert` to NV12 → the
//!   same x264enc settings → the same splitmuxsink. Same resolution, delay, planner, tick
//!   schedule (absolute deadlines), encoder and container; no realtime priority (the old app
//!   had none).
//!
//! Each row reports CPU (process CPU time over wall time, % of one core), peak RSS, tick
//! lateness p99.9, drops and the output frame rate; the machine's total CPU use during the row
//! says how loaded it was. Then the issue's bar is checked on the pitchcam row.

use pitchcam::clock::{monotonic_ns, sleep_until};
use pitchcam::core::detect::{DetectParams, Detection, Detector};
use pitchcam::core::geom::{Rect, Size};
use pitchcam::core::obs::Observation;
use pitchcam::core::plan::{Planner, PlannerConfig, Preset};
use pitchcam::core::sim::{Sim, SimConfig};
use pitchcam::core::stats::Histogram;
use pitchcam::core::track::{Tracker, TrackerConfig};
use pitchcam::gst::{
    self, AppSink, AppSinkCallbacks, AppSrc, BufferPool, Caps, FlowError, MessageView, Pipeline,
    ProbeReturn, ProbeType, State, VideoInfo,
};
use pitchcam::os::metrics;
use pitchcam::tensor_meta::{self, FrameTensors, MAX_TENSORS, TensorDesc, TensorSource};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const FPS: u32 = 30;
const PERIOD_NS: u64 = 1_000_000_000 / FPS as u64;
/// The old app's list length: 7 s × 30 fps.
const OLD_LIST: usize = 210;
/// The encoder settings of pitchcam's output pipeline (bin/engine/output.rs, defaults).
const X264: &str = "x264enc tune=zerolatency speed-preset=superfast bitrate=8000 key-int-max=60 \
                    bframes=0 ! video/x-h264,profile=high ! h264parse config-interval=-1";

struct Settings {
    secs: f64,
    size: (u32, u32),
    out: (u32, u32),
    delay_s: f64,
    seed: u64,
    rows: Vec<String>,
    dir: PathBuf,
}

impl Settings {
    fn from_env() -> Settings {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let size = |k: &str, d: (u32, u32)| {
            env(k).map_or(d, |v| {
                let (w, h) = v.split_once('x').unwrap_or_else(|| panic!("{k}={v}: give WxH"));
                (w.parse().expect("width"), h.parse().expect("height"))
            })
        };
        Settings {
            secs: env("PITCHCAM_BENCH_SECS").map_or(120.0, |v| {
                v.parse().unwrap_or_else(|_| panic!("PITCHCAM_BENCH_SECS={v}: give seconds"))
            }),
            size: size("PITCHCAM_BENCH_RES", (5700, 1900)),
            out: size("PITCHCAM_BENCH_OUT", (1920, 1080)),
            delay_s: 7.0,
            seed: 1,
            rows: env("PITCHCAM_BENCH_ROWS")
                .unwrap_or_else(|| "pitchcam,old".into())
                .split(',')
                .map(|s| s.trim().to_owned())
                .collect(),
            dir: std::env::temp_dir().join(format!("pitchcam-bench-{}", std::process::id())),
        }
    }
}

/// One row of the table.
#[derive(Debug, Default)]
struct Row {
    name: String,
    cpu_percent: f64,
    rss_peak_mb: f64,
    rss_slope_mb_min: f64,
    tick_p999_us: f64,
    late_ticks: u64,
    frames_in: u64,
    frames_out: u64,
    drops: u64,
    fps_out: f64,
    machine_busy: f64,
    notes: Vec<String>,
}

/// Busy and total jiffies of the whole machine (`/proc/stat`), to tell how loaded it was.
fn machine_jiffies() -> (u64, u64) {
    let s = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let v: Vec<u64> = s
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    if v.len() < 5 {
        return (0, 1);
    }
    let total: u64 = v.iter().take(8).sum();
    let idle = v[3] + v[4];
    (total - idle, total)
}

/// Machine CPU use between two `machine_jiffies` samples, % of one core.
fn busy_percent(a: (u64, u64), b: (u64, u64)) -> f64 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    100.0 * cores * (b.0 - a.0) as f64 / (b.1 - a.1).max(1) as f64
}

fn mem_available_gb() -> f64 {
    let s = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1e6)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Row 1: the real binary.

fn run_pitchcam(s: &Settings) -> (Row, Value) {
    let dir = s.dir.join("pitchcam");
    let _ = std::fs::remove_dir_all(&dir);
    let args = [
        "run".to_owned(),
        "--resolution".into(),
        format!("{}x{}", s.size.0, s.size.1),
        "--camera-size".into(),
        format!("{}x{}", s.out.0, s.out.1),
        "--delay".into(),
        format!("{}", s.delay_s),
        "--duration".into(),
        format!("{}", s.secs),
        "--seed".into(),
        s.seed.to_string(),
        "--out".into(),
        dir.display().to_string(),
    ];
    eprintln!("\n== pitchcam: {} {}", env!("CARGO_BIN_EXE_pitchcam"), args.join(" "));
    let j0 = machine_jiffies();
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_pitchcam"))
        .args(&args)
        .status()
        .expect("run the pitchcam binary");
    let j1 = machine_jiffies();
    assert!(st.success(), "pitchcam failed: {st}");
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    let f = |p: &str| -> f64 {
        p.split('.').fold(&r, |v, k| &v[k]).as_f64().unwrap_or_else(|| panic!("report: {p}"))
    };
    let row = Row {
        name: "pitchcam".into(),
        cpu_percent: f("cpu_percent"),
        rss_peak_mb: f("rss_mb.max"),
        rss_slope_mb_min: f("rss_mb.slope_mb_per_min"),
        tick_p999_us: f("tick_lateness_us.p999"),
        late_ticks: f("late_ticks") as u64,
        frames_in: f("frames_in") as u64,
        frames_out: f("frames_out") as u64,
        drops: f("frames_dropped") as u64,
        fps_out: f("fps_out"),
        machine_busy: busy_percent(j0, j1),
        notes: vec![format!("rt {}", r["rt_active"]), format!("mlock: {}", r["mlock"])],
    };
    (row, r)
}

// ---------------------------------------------------------------------------------------------
// Row 2: the old application's strategy.

struct OldFrame {
    pts: u64,
    rgba: Vec<u8>,
}

#[derive(Default)]
struct OldShared {
    /// The old app's list of deep-copied RGBA frames (appended at the back, evicted at the front).
    list: Mutex<Vec<OldFrame>>,
    stop_capture: AtomicBool,
    stop_playback: AtomicBool,
    produced: AtomicU64,
    pool_exhausted: AtomicU64,
    analysed: AtomicU64,
    listed: AtomicU64,
    out: AtomicU64,
    held: AtomicU64,
    late_ticks: AtomicU64,
    skipped: AtomicU64,
    push_failed: AtomicU64,
    tick_late: Histogram,
    first_pts: AtomicU64,
    last_out_pts: AtomicU64,
    search_steps: AtomicU64,
}

/// Buffer-to-slot table of the sim's renderer (as the engine's sim source keeps one).
struct Slots(Vec<usize>);

impl Slots {
    fn slot(&mut self, p: usize) -> Option<usize> {
        if let Some(i) = self.0.iter().position(|&q| q == p) {
            return Some(i);
        }
        (self.0.len() < self.0.capacity()).then(|| {
            self.0.push(p);
            self.0.len() - 1
        })
    }
}

const OLD_POOL: u32 = 12;

fn old_sim_thread(
    appsrc: AppSrc,
    info: VideoInfo,
    cfg: SimConfig,
    base_time: u64,
    sh: Arc<OldShared>,
) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("old-sim".into())
        .spawn(move || {
            let mut sim: Box<Sim<64, 64>> = Box::new(Sim::new(&cfg).expect("sim"));
            let pool = BufferPool::new_video(&info, OLD_POOL, OLD_POOL).unwrap();
            pool.set_active(true).unwrap();
            let tpool = BufferPool::new(None, (sim.block_len() * 4) as u32, 32, 32).unwrap();
            tpool.set_active(true).unwrap();
            let (mut fslots, mut bslots) =
                (Slots(Vec::with_capacity(64)), Slots(Vec::with_capacity(64)));
            {
                let mut held = Vec::new();
                while let Ok(mut b) = pool.acquire(false) {
                    let slot = fslots.slot(b.as_ptr() as usize).unwrap();
                    let mut vf = b.get_mut().unwrap().map_video_mut(&info).unwrap();
                    sim.prime_frame(slot, &mut vf.nv12_mut().unwrap()).unwrap();
                    drop(vf);
                    held.push(b);
                }
            }
            let start = monotonic_ns().saturating_sub(base_time) + 20_000_000;
            let mut k = 0u64;
            while !sh.stop_capture.load(Relaxed) {
                let pts = start + k * PERIOD_NS;
                k += 1;
                sleep_until(base_time + pts);
                let (Ok(mut b), Ok(mut tb)) = (pool.acquire(false), tpool.acquire(false)) else {
                    let _ = sim.game_mut().step();
                    sh.pool_exhausted.fetch_add(1, Relaxed);
                    continue;
                };
                let fs = fslots.slot(b.as_ptr() as usize).unwrap();
                let bs = bslots.slot(tb.as_ptr() as usize).unwrap();
                let bm = b.get_mut().unwrap();
                let tf = {
                    let mut vf = bm.map_video_mut(&info).unwrap();
                    let mut tm = tb.get_mut().unwrap().map_writable().unwrap();
                    let floats = tensor_meta::f32_view_mut(&mut tm).unwrap();
                    sim.frame(fs, &mut vf.nv12_mut().unwrap(), bs, floats).unwrap().1
                };
                let descs: arrayvec::ArrayVec<TensorDesc, MAX_TENSORS> =
                    tf.tiles().iter().take(MAX_TENSORS).map(TensorDesc::from).collect();
                tensor_meta::attach(bm, tb, &descs).unwrap();
                bm.set_pts(Some(pts));
                bm.set_duration(Some(PERIOD_NS));
                sh.produced.fetch_add(1, Relaxed);
                let _ = appsrc.push_buffer(b);
            }
            let _ = appsrc.end_of_stream();
        })
        .unwrap()
}

/// Separable fixed-point bilinear crop-and-scale of RGBA, the method of pitchcam's NV12 scaler
/// (vertical blend into a row, then per-column tables) on 4 bytes per pixel.
struct RgbaScaler {
    row: Vec<u16>,
    taps: Vec<(usize, u16)>,
    key: (i32, u32),
}

impl RgbaScaler {
    fn new(max_w: usize) -> RgbaScaler {
        RgbaScaler { row: vec![0; max_w * 4 + 8], taps: Vec::with_capacity(8192), key: (-1, 0) }
    }

    #[allow(clippy::too_many_arguments)]
    fn scale(
        &mut self,
        src: &[u8],
        sw: usize,
        sh: usize,
        crop: Rect,
        dst: &mut [u8],
        dw: usize,
        dh: usize,
    ) {
        let (cx, cy) = (crop.x.max(0) as usize, crop.y.max(0) as usize);
        let cw = (crop.w.max(2) as usize).min(sw - cx);
        let ch = (crop.h.max(2) as usize).min(sh - cy);
        if self.key != (cw as i32, dw as u32) {
            self.taps.clear();
            for x in 0..dw {
                let f =
                    ((x as f64 + 0.5) * cw as f64 / dw as f64 - 0.5).clamp(0.0, (cw - 1) as f64);
                let i = (f as usize).min(cw - 2);
                self.taps.push((i, ((f - i as f64) * 256.0) as u16));
            }
            self.key = (cw as i32, dw as u32);
        }
        let stride = sw * 4;
        for y in 0..dh {
            let f = ((y as f64 + 0.5) * ch as f64 / dh as f64 - 0.5).clamp(0.0, (ch - 1) as f64);
            let i = (f as usize).min(ch - 2);
            let wy = ((f - i as f64) * 256.0) as u16;
            let r0 = &src[(cy + i) * stride + cx * 4..][..cw * 4];
            let r1 = &src[(cy + i + 1) * stride + cx * 4..][..cw * 4];
            for ((o, &a), &b) in self.row.iter_mut().zip(r0).zip(r1) {
                *o = (a as u16 * (256 - wy) + b as u16 * wy) >> 1;
            }
            let out = &mut dst[y * dw * 4..][..dw * 4];
            for (px, &(i, wx)) in out.chunks_exact_mut(4).zip(&self.taps) {
                let (wa, wb) = (256 - wx as u32, wx as u32);
                let (ra, rb) = (&self.row[i * 4..i * 4 + 4], &self.row[i * 4 + 4..i * 4 + 8]);
                for ((o, &a), &b) in px.iter_mut().zip(ra).zip(rb) {
                    *o = ((a as u32 * wa + b as u32 * wb + (1 << 14)) >> 15) as u8;
                }
            }
        }
    }
}

fn run_old(s: &Settings) -> Row {
    let (w, h) = s.size;
    let (ow, oh) = s.out;
    let frame_mb = (w * h * 4) as f64 / 1e6;
    let need_gb = OLD_LIST as f64 * frame_mb / 1e3 + 1.5;
    let avail = mem_available_gb();
    eprintln!(
        "\n== old strategy: {w}x{h} RGBA list of {OLD_LIST} × {frame_mb:.1} MB = {:.1} GB; {avail:.1} GB available",
        OLD_LIST as f64 * frame_mb / 1e3
    );
    if avail < need_gb {
        return Row {
            name: "old strategy".into(),
            notes: vec![format!(
                "not run: needs ~{need_gb:.1} GB, the machine has {avail:.1} GB available"
            )],
            ..Default::default()
        };
    }
    gst::init().unwrap();
    let dir = s.dir.join("old");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let sh = Arc::new(OldShared::default());
    sh.first_pts.store(u64::MAX, Relaxed);
    sh.last_out_pts.store(u64::MAX, Relaxed);
    let pano = Size { w, h };
    let caps = format!("video/x-raw,format=NV12,width={w},height={h},framerate={FPS}/1");
    let info = VideoInfo::from_caps(&Caps::parse(&caps).unwrap()).unwrap();

    // Capture: NV12 → RGBA before the ring; analysis in a probe; deep copy in the appsink.
    let cap = Pipeline::parse(&format!(
        "appsrc name=src format=time is-live=true do-timestamp=false block=false max-buffers=4 \
         max-bytes=0 leaky-type=downstream caps=\"{caps}\" ! videoconvert name=conv ! \
         video/x-raw,format=RGBA ! appsink name=sink sync=false max-buffers=4 drop=true \
         enable-last-sample=false"
    ))
    .unwrap();
    let (obs_tx, mut obs_rx) = rtrb::RingBuffer::<Observation>::new(256);
    {
        let sh = sh.clone();
        let mut obs_tx = obs_tx;
        let mut detector: Box<Detector<4096>> = Box::default();
        let mut dets = vec![Detection::default(); 1000];
        let params = DetectParams::new(0.25, 0.45, 300, pano).unwrap();
        let mut tracker: Box<Tracker<256>> =
            Box::new(Tracker::new(TrackerConfig::for_panorama(pano)).unwrap());
        let pad = cap.by_name("conv").unwrap().static_pad("sink").unwrap();
        pad.add_probe(ProbeType::BUFFER, move |info| {
            let Some(b) = info.buffer() else { return ProbeReturn::Ok };
            let pts = b.pts().unwrap_or(0);
            let n = match FrameTensors::from_buffer(b).map(TensorSource::Portable) {
                Some(src) => match src.map() {
                    Ok(m) => detector
                        .detect(m.tensors(), &params, &mut dets)
                        .map_or(0, |st| st.written as usize),
                    Err(_) => 0,
                },
                None => 0,
            };
            let _ = obs_tx.push(tracker.step(pts, &dets[..n]));
            sh.analysed.fetch_add(1, Relaxed);
            ProbeReturn::Ok
        })
        .unwrap();
    }
    let sink = AppSink::from_element(cap.by_name("sink").unwrap()).unwrap();
    {
        let sh = sh.clone();
        sink.set_callbacks(AppSinkCallbacks::new().new_sample(move |sink| {
            let sample = sink.pull_sample().ok_or(FlowError::Eos)?;
            let b = sample.buffer().ok_or(FlowError::Error)?;
            let pts = b.pts().unwrap_or(0);
            let map = b.map_readable().map_err(|_| FlowError::Error)?;
            // `frame.copy()` in the old app: a new allocation and a full copy, every frame.
            let rgba = map.as_slice().to_vec();
            drop(map);
            let mut list = sh.list.lock().unwrap();
            list.push(OldFrame { pts, rgba });
            if list.len() > OLD_LIST {
                list.remove(0);
            }
            drop(list);
            let _ = sh.first_pts.compare_exchange(u64::MAX, pts, Relaxed, Relaxed);
            sh.listed.fetch_add(1, Relaxed);
            Ok(())
        }));
    }
    cap.set_state(State::Playing).unwrap();
    let _ = cap.state(Some(10_000_000_000));
    let base = cap.base_time();
    let delay_ns = (s.delay_s * 1e9) as u64;

    // Output: RGBA crop → videoconvert → the same encoder and muxer as pitchcam.
    let out_caps = format!("video/x-raw,format=RGBA,width={ow},height={oh},framerate={FPS}/1");
    let outp = Pipeline::parse(&format!(
        "appsrc name=out format=time is-live=true do-timestamp=false block=false max-buffers=8 \
         max-bytes=0 caps=\"{out_caps}\" ! queue max-size-buffers=8 max-size-bytes=0 \
         max-size-time=0 ! videoconvert ! video/x-raw,format=NV12 ! {X264} ! queue \
         max-size-buffers=0 max-size-bytes=0 max-size-time=3000000000 ! splitmuxsink \
         muxer-factory=matroskamux location=\"{}/vcam-%05d.mkv\" max-size-time=60000000000 \
         async-finalize=false",
        dir.display()
    ))
    .unwrap();
    outp.set_start_time(None);
    outp.set_base_time(base + delay_ns);
    let out_src = AppSrc::from_element(outp.by_name("out").unwrap()).unwrap();
    outp.set_state(State::Playing).unwrap();
    let out_info = VideoInfo::from_caps(&Caps::parse(&out_caps).unwrap()).unwrap();
    let out_pool = BufferPool::new_video(&out_info, 16, 16).unwrap();
    out_pool.set_active(true).unwrap();

    let cfg = SimConfig { seed: s.seed, size: pano, fps: FPS, ..Default::default() };
    let appsrc = AppSrc::from_element(cap.by_name("src").unwrap()).unwrap();
    let j0 = machine_jiffies();
    let cpu0 = metrics::process_cpu_time_ns();
    let t0 = monotonic_ns();
    let sim = old_sim_thread(appsrc, info, cfg, base, sh.clone());

    // Playback: the same absolute-deadline schedule as pitchcam's.
    let playback = {
        let sh = sh.clone();
        std::thread::Builder::new()
            .name("old-playback".into())
            .spawn(move || {
                let mut planner: Box<Planner<512>> = Box::new(
                    Planner::new(
                        PlannerConfig {
                            aspect: ow as f32 / oh as f32,
                            ..PlannerConfig::preset(Preset::Broadcast, pano)
                        },
                        pano,
                    )
                    .unwrap(),
                );
                let mut scaler = RgbaScaler::new(w as usize);
                let first = loop {
                    if sh.stop_playback.load(Relaxed) {
                        return;
                    }
                    let f = sh.first_pts.load(Relaxed);
                    if f != u64::MAX {
                        break f;
                    }
                    std::thread::sleep(Duration::from_millis(2));
                };
                let fill = delay_ns.div_ceil(PERIOD_NS) as i64;
                let mut j: i64 = -fill;
                let mut last_out: Option<u64> = None;
                while !sh.stop_playback.load(Relaxed) {
                    let deadline =
                        (base as i64 + first as i64 + delay_ns as i64 + j * PERIOD_NS as i64)
                            as u64;
                    sleep_until(deadline);
                    let late = monotonic_ns().saturating_sub(deadline);
                    sh.tick_late.record(late);
                    if late > PERIOD_NS {
                        sh.late_ticks.fetch_add(1, Relaxed);
                        j += (late / PERIOD_NS) as i64;
                    }
                    while let Ok(o) = obs_rx.pop() {
                        planner.push(&o);
                    }
                    let key = first as i64 + j * PERIOD_NS as i64 + PERIOD_NS as i64 / 2;
                    j += 1;
                    if key < first as i64 {
                        continue;
                    }
                    let key = key as u64;
                    let list = sh.list.lock().unwrap();
                    // Linear search #1: the newest frame at or before the key.
                    let mut idx = None;
                    let mut steps = 0u64;
                    for (i, f) in list.iter().enumerate() {
                        steps += 1;
                        if f.pts <= key {
                            idx = Some(i);
                        }
                    }
                    // Linear search #2: where the previously shown frame is (to count skips).
                    let prev = last_out.and_then(|l| {
                        list.iter().position(|f| {
                            steps += 1;
                            f.pts == l
                        })
                    });
                    sh.search_steps.fetch_add(steps, Relaxed);
                    let Some(i) = idx else {
                        sh.held.fetch_add(1, Relaxed);
                        continue;
                    };
                    let pts = list[i].pts;
                    if last_out.is_some_and(|l| pts <= l) {
                        sh.held.fetch_add(1, Relaxed);
                        continue;
                    }
                    if let Some(p) = prev {
                        sh.skipped.fetch_add((i - p - 1) as u64, Relaxed);
                    }
                    let cam = planner.crop_at(pts);
                    let Ok(mut dst) = out_pool.acquire(false) else {
                        sh.push_failed.fetch_add(1, Relaxed);
                        continue;
                    };
                    {
                        let d = dst.get_mut().unwrap();
                        let mut m = d.map_writable().unwrap();
                        scaler.scale(
                            &list[i].rgba,
                            w as usize,
                            h as usize,
                            cam.rect,
                            &mut m[..],
                            ow as usize,
                            oh as usize,
                        );
                    }
                    drop(list);
                    let d = dst.get_mut().unwrap();
                    d.set_pts(Some(pts));
                    d.set_duration(Some(PERIOD_NS));
                    if out_src.push_buffer(dst).is_err() {
                        sh.push_failed.fetch_add(1, Relaxed);
                        continue;
                    }
                    last_out = Some(pts);
                    sh.last_out_pts.store(pts, Relaxed);
                    sh.out.fetch_add(1, Relaxed);
                }
                let _ = out_src.end_of_stream();
            })
            .unwrap()
    };

    // Control: sample memory each second, stop after the duration.
    let mut rss: Vec<(f64, f64)> = Vec::new();
    let mut peak = 0.0f64;
    let mut last_print = 0;
    while monotonic_ns() - t0 < (s.secs * 1e9) as u64 {
        std::thread::sleep(Duration::from_secs(1));
        let t = (monotonic_ns() - t0) as f64 / 1e9;
        let mb = metrics::rss_bytes().unwrap_or(0) as f64 / 1e6;
        peak = peak.max(mb);
        rss.push((t, mb));
        if t as u64 / 10 != last_print {
            last_print = t as u64 / 10;
            eprintln!(
                "old: t={t:>4.0}s produced {} listed {} out {} | rss {mb:.0} MB | list {}",
                sh.produced.load(Relaxed),
                sh.listed.load(Relaxed),
                sh.out.load(Relaxed),
                sh.list.lock().unwrap().len()
            );
        }
    }
    let run_ns = monotonic_ns() - t0;
    let cpu = metrics::process_cpu_time_ns() - cpu0;
    let j1 = machine_jiffies();
    sh.stop_capture.store(true, Relaxed);
    let _ = sim.join();
    let _ = cap.set_state(State::Null);
    sh.stop_playback.store(true, Relaxed);
    let _ = playback.join();
    let bus = outp.bus();
    let t_eos = monotonic_ns();
    while monotonic_ns() - t_eos < 20_000_000_000 {
        if let Some(m) = bus.timed_pop(Some(50_000_000)) {
            match m.view() {
                MessageView::Eos => break,
                MessageView::Error(e) => {
                    eprintln!("old output: {e}");
                    break;
                }
                _ => {}
            }
        }
    }
    let _ = outp.set_state(State::Null);
    let peak = peak.max(metrics::peak_rss_bytes().unwrap_or(0) as f64 / 1e6);

    let produced = sh.produced.load(Relaxed);
    let out = sh.out.load(Relaxed);
    let last = sh.last_out_pts.load(Relaxed);
    let window = {
        let list = sh.list.lock().unwrap();
        list.iter().filter(|f| last == u64::MAX || f.pts > last).count() as u64
    };
    let not_converted = produced - sh.listed.load(Relaxed);
    let drops = (produced + sh.pool_exhausted.load(Relaxed)).saturating_sub(out + window);
    // Steady-state memory slope after the list has filled (delay + 5 s).
    let tail: Vec<(f64, f64)> = rss.iter().copied().filter(|(t, _)| *t > s.delay_s + 5.0).collect();
    let tick = sh.tick_late.snapshot();
    Row {
        name: "old strategy".into(),
        cpu_percent: 100.0 * cpu as f64 / run_ns as f64,
        rss_peak_mb: peak,
        rss_slope_mb_min: slope(&tail),
        tick_p999_us: tick.p999().unwrap_or(0) as f64 / 1e3,
        late_ticks: sh.late_ticks.load(Relaxed),
        frames_in: produced,
        frames_out: out,
        drops,
        fps_out: out as f64 / (run_ns as f64 / 1e9 - s.delay_s).max(1e-9),
        machine_busy: busy_percent(j0, j1),
        notes: vec![
            format!(
                "{} frames never reached the list (videoconvert/appsink behind), {} sim frames \
                 without a free buffer",
                not_converted,
                sh.pool_exhausted.load(Relaxed)
            ),
            format!(
                "{} frames analysed in the probe, {:.0} list entries scanned per tick",
                sh.analysed.load(Relaxed),
                sh.search_steps.load(Relaxed) as f64 / (out + sh.held.load(Relaxed)).max(1) as f64
            ),
        ],
    }
}

/// Least-squares slope of (seconds, MB) points, MB per minute.
fn slope(p: &[(f64, f64)]) -> f64 {
    if p.len() < 3 {
        return 0.0;
    }
    let n = p.len() as f64;
    let (mx, my) = (p.iter().map(|q| q.0).sum::<f64>() / n, p.iter().map(|q| q.1).sum::<f64>() / n);
    let sxy: f64 = p.iter().map(|q| (q.0 - mx) * (q.1 - my)).sum();
    let sxx: f64 = p.iter().map(|q| (q.0 - mx).powi(2)).sum();
    if sxx == 0.0 { 0.0 } else { 60.0 * sxy / sxx }
}

// ---------------------------------------------------------------------------------------------

fn print_table(rows: &[Row]) {
    println!(
        "\n{:<14} {:>7} {:>10} {:>12} {:>12} {:>9} {:>7} {:>8} {:>8} {:>8} {:>12}",
        "strategy",
        "CPU %",
        "RSS peak",
        "RSS MB/min",
        "tick p99.9",
        "late tk",
        "drops",
        "in",
        "out",
        "fps out",
        "machine busy"
    );
    for r in rows {
        println!(
            "{:<14} {:>7.1} {:>7.0} MB {:>12.2} {:>9.0} µs {:>9} {:>7} {:>8} {:>8} {:>8.2} {:>10.0} %",
            r.name,
            r.cpu_percent,
            r.rss_peak_mb,
            r.rss_slope_mb_min,
            r.tick_p999_us,
            r.late_ticks,
            r.drops,
            r.frames_in,
            r.frames_out,
            r.fps_out,
            r.machine_busy
        );
        for n in &r.notes {
            println!("{:<14} {n}", "");
        }
    }
    println!(
        "(CPU: process CPU time / wall time, % of one core. machine busy: all processes, % of one \
         core, {} cores.)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
}

/// The issue's bar on the pitchcam row.
fn check_bar(r: &Value, s: &Settings) -> bool {
    let f = |p: &str| -> f64 { p.split('.').fold(r, |v, k| &v[k]).as_f64().unwrap_or(f64::NAN) };
    let own_p99 = f("stage_us.probe.p99") + f("stage_us.analysis.p99") + f("stage_us.plan.p99");
    let nv12 = (s.size.0 as u64 * s.size.1 as u64 * 3 / 2) as f64;
    let cap = f("ring.capacity");
    let checks = [
        (format!("fps_out {:.2} ≥ 29.9", f("fps_out")), f("fps_out") >= 29.9),
        (format!("frames_dropped {} = 0", f("frames_dropped")), f("frames_dropped") == 0.0),
        (
            format!(
                "own stages p99: probe {:.1} + analysis {:.1} + plan {:.1} = {own_p99:.1} µs < 100",
                f("stage_us.probe.p99"),
                f("stage_us.analysis.p99"),
                f("stage_us.plan.p99")
            ),
            own_p99 < 100.0,
        ),
        (
            format!("RSS slope after warm-up {:.2} MB/min ≤ 1", f("rss_mb.slope_mb_per_min")),
            f("rss_mb.slope_mb_per_min") <= 1.0,
        ),
        (
            format!(
                "ring memory {:.0} MB = capacity {cap} × one NV12 frame ({:.2} MB)",
                f("ring.max_mb"),
                nv12 / 1e6
            ),
            f("ring.frame_bytes") == nv12 && (f("ring.max_mb") - cap * nv12 / 1e6).abs() < 0.01,
        ),
        (
            format!(
                "RSS peak {:.0} MB vs frame pool {:.0} MB (ring + {} spare frames): no copies",
                f("rss_mb.max"),
                (cap + 24.0) * nv12 / 1e6,
                24
            ),
            f("rss_mb.max") < (cap + 24.0) * nv12 / 1e6 + 1500.0,
        ),
        (format!("hot-path allocations {} = 0", f("hot_allocations")), f("hot_allocations") == 0.0),
    ];
    println!("\nThe bar (issue 4, pitchcam row):");
    let mut ok = true;
    for (what, pass) in &checks {
        println!("  {} {what}", if *pass { "PASS" } else { "FAIL" });
        ok &= pass;
    }
    println!(
        "  (stage p50/p99/p99.9/max µs: probe {:.1}/{:.1}/{:.1}/{:.1}, analysis {:.1}/{:.1}/{:.1}/{:.1}, \
         plan {:.1}/{:.1}/{:.1}/{:.1}, transform {:.0}/{:.0}/{:.0}/{:.0})",
        f("stage_us.probe.p50"),
        f("stage_us.probe.p99"),
        f("stage_us.probe.p999"),
        f("stage_us.probe.max"),
        f("stage_us.analysis.p50"),
        f("stage_us.analysis.p99"),
        f("stage_us.analysis.p999"),
        f("stage_us.analysis.max"),
        f("stage_us.plan.p50"),
        f("stage_us.plan.p99"),
        f("stage_us.plan.p999"),
        f("stage_us.plan.max"),
        f("stage_us.transform.p50"),
        f("stage_us.transform.p99"),
        f("stage_us.transform.p999"),
        f("stage_us.transform.max"),
    );
    ok
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument selects rows like PITCHCAM_BENCH_ROWS.
    let mut s = Settings::from_env();
    if let Some(filter) = std::env::args().skip(1).find(|a| !a.starts_with("--")) {
        s.rows = filter.split(',').map(str::to_owned).collect();
    }
    std::fs::create_dir_all(&s.dir).unwrap();
    println!(
        "pipeline bench: {}x{} @ {FPS} fps sim → {}x{} recording, delay {} s, {} s per row; \
         {} cores, load average {}, {:.1} GB available",
        s.size.0,
        s.size.1,
        s.out.0,
        s.out.1,
        s.delay_s,
        s.secs,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        loadavg(),
        mem_available_gb()
    );
    let mut rows = Vec::new();
    let mut report = None;
    if s.rows.iter().any(|r| r == "pitchcam") {
        let (row, r) = run_pitchcam(&s);
        rows.push(row);
        report = Some(r);
    }
    if s.rows.iter().any(|r| r == "old") {
        rows.push(run_old(&s));
    }
    print_table(&rows);
    if let Some(r) = &report {
        let ok = check_bar(r, &s);
        println!("bar: {}", if ok { "met" } else { "NOT met (see FAIL lines)" });
    }
    println!("load average after: {}", loadavg());
    let _ = cleanup(&s.dir);
}

fn cleanup(dir: &Path) -> std::io::Result<()> {
    if std::env::var_os("PITCHCAM_BENCH_KEEP").is_some() {
        println!("outputs kept in {}", dir.display());
        return Ok(());
    }
    std::fs::remove_dir_all(dir)
}
