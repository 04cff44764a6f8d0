//! Leak check of the GStreamer boundary (harness = false).
//!
//! Each scenario runs in a child process — this binary re-executed with
//! `PITCHCAM_LEAK_SCENARIO=<name>` — under `GST_TRACERS=leaks` and `G_DEBUG=fatal-warnings`. The
//! child runs real pipelines, drops everything, checks that no pitchcam handle is alive and calls
//! `gst::deinit()`, where the leaks tracer reports any GStreamer object still alive with a
//! g_warning; `fatal-warnings` turns that (and any GLib warning or critical during the run) into
//! SIGTRAP. A clean scenario must exit 0. Two negative controls prove that the check can fail:
//! one leaks a `GstBuffer` reference behind the wrappers' back (the tracer must catch it), one
//! forgets a handle (the handle count must refuse `deinit`).

use std::collections::{HashSet, VecDeque};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pitchcam::core::detect::{Mapping, TensorLayout};
use pitchcam::gst::{
    self, AppSink, AppSinkCallbacks, AppSrc, Buffer, BufferPool, Caps, Element, EnumValue,
    FlowError, MessageType, MessageView, Pipeline, ProbeReturn, ProbeType, Query, State,
    VideoFormat, VideoInfo,
};
use pitchcam::os::metrics;
use pitchcam::tensor_meta::{self, FrameTensors, TensorDesc, TensorSource};

const ENV: &str = "PITCHCAM_LEAK_SCENARIO";
const SEC: u64 = 1_000_000_000;
const CAPS: &str = "video/x-raw,format=NV12,width=64,height=36,framerate=30/1";

struct Scenario {
    name: &'static str,
    run: fn(),
    /// `None`: must pass. `Some(text)`: must fail, with `text` in its output.
    must_fail_with: Option<&'static str>,
}

const SCENARIOS: &[Scenario] = &[
    Scenario { name: "buffers_caps_video", run: buffers_caps_video, must_fail_with: None },
    Scenario { name: "pool_preallocation", run: pool_preallocation, must_fail_with: None },
    Scenario { name: "capture_ring_210", run: capture_ring_210, must_fail_with: None },
    Scenario { name: "appsrc_appsink", run: appsrc_appsink, must_fail_with: None },
    Scenario { name: "tensor_meta", run: tensor_meta_paths, must_fail_with: None },
    Scenario { name: "error_paths", run: error_paths, must_fail_with: None },
    Scenario { name: "panics_contained", run: panics_contained, must_fail_with: None },
    Scenario { name: "probe_accessors", run: probe_accessors, must_fail_with: None },
    Scenario {
        name: "negative_leaked_gstbuffer",
        run: negative_leaked_gstbuffer,
        must_fail_with: Some("Leaks detected"),
    },
    Scenario {
        name: "negative_forgotten_handle",
        run: negative_forgotten_handle,
        must_fail_with: Some("handle(s) still alive"),
    },
];

fn main() {
    if let Ok(name) = std::env::var(ENV) {
        child(&name);
    }
    let exe = std::env::current_exe().expect("own path");
    let mut failures = Vec::new();
    println!(
        "\nrunning {} leak-check scenarios (GST_TRACERS=leaks G_DEBUG=fatal-warnings)",
        SCENARIOS.len()
    );
    for s in SCENARIOS {
        let started = Instant::now();
        let out = Command::new(&exe)
            .env(ENV, s.name)
            .env("GST_TRACERS", "leaks")
            .env("G_DEBUG", "fatal-warnings")
            .env("GST_DEBUG", "GST_TRACER:7")
            .env("RUST_BACKTRACE", "0")
            .output()
            .expect("re-executing the leak-check binary");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let status = match out.status.code() {
            Some(c) => format!("exit {c}"),
            None => format!(
                "signal {}",
                std::os::unix::process::ExitStatusExt::signal(&out.status).unwrap_or(-1)
            ),
        };
        let ok = match s.must_fail_with {
            None => out.status.success() && text.contains(&format!("SCENARIO-DONE {}", s.name)),
            Some(expect) => !out.status.success() && text.contains(expect),
        };
        let verdict = match (ok, s.must_fail_with.is_some()) {
            (true, false) => "clean",
            (true, true) => "failed as it must",
            (false, false) => "LEAK OR WARNING",
            (false, true) => "NEGATIVE CONTROL DID NOT FAIL",
        };
        println!(
            "leak-check {:<28} {:<18} ({status}, {:.1} s)",
            s.name,
            verdict,
            started.elapsed().as_secs_f64()
        );
        for line in text.lines().filter(|l| l.starts_with("info: ")) {
            println!("    {}", &line[6..]);
        }
        if !ok {
            failures.push(s.name);
            println!("---- {} output ----\n{text}\n----", s.name);
            if s.must_fail_with.is_some() {
                println!(
                    "hint: the leaks tracer lives in GStreamer's coretracers plugin \
                     (libgstreamer1.0-0 on Debian); check `GST_TRACERS=leaks gst-launch-1.0 fakesrc num-buffers=1 ! fakesink`"
                );
            }
        }
    }
    if failures.is_empty() {
        println!("leak-check: all {} scenarios as expected\n", SCENARIOS.len());
    } else {
        println!("leak-check: FAILED: {failures:?}\n");
        std::process::exit(1);
    }
}

fn child(name: &str) -> ! {
    let s =
        SCENARIOS.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no scenario {name}"));
    gst::init().expect("GStreamer must initialise");
    (s.run)();
    if let Err(e) = gst::deinit() {
        eprintln!("{e}");
        std::process::exit(2);
    }
    println!("SCENARIO-DONE {name}");
    std::process::exit(0);
}

fn wait_eos(p: &Pipeline) {
    let m = p.bus().timed_pop_filtered(Some(60 * SEC), MessageType::EOS | MessageType::ERROR);
    match m.map(|m| m.view()) {
        Some(MessageView::Eos) => {}
        other => panic!("expected EOS, got {other:?}"),
    }
}

fn nv12(w: u32, h: u32) -> VideoInfo {
    VideoInfo::new(VideoFormat::NV12, w, h, 30, 1).unwrap()
}

fn buffers_caps_video() {
    let mut a = Buffer::from_slice(&[1, 2, 3, 4]).unwrap();
    let b = a.clone();
    assert_eq!(&*b.map_readable().unwrap(), &[1, 2, 3, 4]);
    a.make_mut().set_pts(Some(1));
    let c = a.copy();
    let d = a.deep_copy().unwrap();
    drop((a, b, c, d));
    let vi = nv12(16, 8);
    let mut f = Buffer::with_size(vi.size()).unwrap();
    f.get_mut().unwrap().map_video_mut(&vi).unwrap().nv12_mut().unwrap().y.fill(7);
    assert_eq!(f.map_video(&vi).unwrap().nv12().unwrap().y[0], 7);
    let mut g = Buffer::with_size(32 * 8 * 2).unwrap();
    g.get_mut()
        .unwrap()
        .add_video_meta_full(VideoFormat::NV12, 16, 8, &[0, 32 * 8], &[32, 32])
        .unwrap();
    assert_eq!(g.map_video(&vi).unwrap().stride(0), 32);
    let caps = Caps::parse(CAPS).unwrap();
    let vi2 = VideoInfo::from_caps(&caps).unwrap();
    let back = vi2.to_caps().unwrap();
    assert!(back.is_subset(&caps) || caps.is_subset(&back) || !back.to_string().is_empty());
    let pool = BufferPool::new(None, 64, 2, 2).unwrap();
    pool.set_active(true).unwrap();
    let x = pool.acquire(false).unwrap();
    let y = pool.acquire(false).unwrap();
    assert_eq!(pool.acquire(false).unwrap_err(), FlowError::Exhausted);
    drop((x, y));
    pool.set_active(false).unwrap();
}

/// Activation allocates all `min` buffers at once (visible in the virtual size), and steady-state
/// acquire/release cycles allocate nothing and only ever see those buffers.
fn pool_preallocation() {
    const N: u32 = 16;
    let vi = nv12(1024, 682); // ~1 MiB per frame
    let pool = BufferPool::new_video(&vi, N, N).unwrap();
    let before = metrics::memory().unwrap().vm_size_bytes;
    pool.set_active(true).unwrap();
    let after = metrics::memory().unwrap().vm_size_bytes;
    let grew = after.saturating_sub(before);
    println!("info: activation of {N} × {} B grew the virtual size by {grew} B", vi.size());
    assert!(grew >= N as u64 * vi.size() as u64, "only {grew} B mapped at activation");
    let mut distinct = HashSet::new();
    let steady0 = metrics::memory().unwrap().vm_size_bytes;
    let mut held = VecDeque::new();
    for _ in 0..2000 {
        let b = pool.acquire(false).expect("never exhausted while at most N-1 are held");
        distinct.insert(b.as_ptr() as usize);
        held.push_back(b);
        if held.len() == N as usize - 1 {
            held.pop_front();
        }
    }
    drop(held);
    let steady1 = metrics::memory().unwrap().vm_size_bytes;
    println!(
        "info: 2000 cycles: {} distinct buffers, virtual size {} → {steady1}",
        distinct.len(),
        steady0
    );
    assert_eq!(distinct.len(), N as usize);
    assert!(steady1 <= steady0 + (1 << 20), "steady state mapped new memory");
    pool.set_active(false).unwrap();
}

/// The capture pattern with the delay-ring depth: probe → rtrb → a holder of 210 frames, upstream
/// allocating from our pool (answer to the ALLOCATION query).
/// A probe that sees buffers, events and queries and asks every call for all three, as the
/// engine's ring-input probe does: asking a buffer call for its event is a g_critical in
/// GStreamer, fatal here, so the accessors must check the call's type first.
fn probe_accessors() {
    let p = Pipeline::parse(&format!(
        "videotestsrc num-buffers=30 ! {CAPS} ! fakesink name=sink sync=false"
    ))
    .unwrap();
    let pad = p.by_name("sink").unwrap().static_pad("sink").unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let s2 = seen.clone();
    let mask = ProbeType::BUFFER | ProbeType::EVENT_DOWNSTREAM | ProbeType::QUERY_DOWNSTREAM;
    let _probe = pad
        .add_probe(mask, move |info| {
            let kinds = [info.buffer().is_some(), info.event().is_some(), info.query().is_some()];
            assert!(kinds.iter().filter(|k| **k).count() <= 1, "one kind per call");
            let _ = info.buffer_mut().is_some();
            let _ = info.query_mut().is_some();
            s2.fetch_add(1, Ordering::Relaxed);
            ProbeReturn::Ok
        })
        .unwrap();
    p.set_state(State::Playing).unwrap();
    let m = p.bus().timed_pop_filtered(Some(60 * SEC), MessageType::EOS | MessageType::ERROR);
    assert!(matches!(m.map(|m| m.view()), Some(MessageView::Eos)));
    p.set_state(State::Null).unwrap();
    assert!(seen.load(Ordering::Relaxed) > 30, "buffers, events and queries all came by");
}

fn capture_ring_210() {
    const RING: usize = 210;
    const POOL: u32 = 218;
    let p = Pipeline::parse(&format!(
        "videotestsrc num-buffers=500 ! {CAPS} ! fakesink name=sink sync=false"
    ))
    .unwrap();
    let pool = BufferPool::new_video(
        &VideoInfo::from_caps(&Caps::parse(CAPS).unwrap()).unwrap(),
        POOL,
        POOL,
    )
    .unwrap();
    let pad = p.by_name("sink").unwrap().static_pad("sink").unwrap();
    let answer = pad.answer_allocation(&pool).unwrap();
    let (mut tx, mut rx) = rtrb::RingBuffer::<Buffer>::new(32);
    let dropped = Arc::new(AtomicUsize::new(0));
    let d2 = dropped.clone();
    let probe = pad
        .add_probe(ProbeType::BUFFER, move |info| {
            if let Some(b) = info.buffer_owned()
                && tx.push(b).is_err()
            {
                d2.fetch_add(1, Ordering::Relaxed);
            }
            ProbeReturn::Ok
        })
        .unwrap();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done2 = done.clone();
    let consumer = std::thread::spawn(move || {
        let mut ring = VecDeque::with_capacity(RING);
        let mut n = 0;
        loop {
            match rx.pop() {
                Ok(b) => {
                    n += 1;
                    if ring.len() == RING {
                        ring.pop_front();
                    }
                    ring.push_back(b);
                }
                Err(_) if done2.load(Ordering::Acquire) && rx.is_empty() => break,
                Err(_) => std::thread::sleep(Duration::from_micros(200)),
            }
        }
        n
    });
    p.set_state(State::Playing).unwrap();
    wait_eos(&p);
    done.store(true, Ordering::Release);
    let n = consumer.join().unwrap();
    let dropped = dropped.load(Ordering::Relaxed);
    println!("info: {n} frames through the 210-frame holder, {dropped} counted drops");
    assert_eq!(n + dropped, 500);
    assert!(answer.stats.answered() >= 1);
    pad.remove_probe(probe);
    pad.remove_probe(answer.probe);
    p.set_state(State::Null).unwrap();
}

fn appsrc_appsink() {
    let p = Pipeline::parse("appsrc name=src ! queue ! appsink name=sink").unwrap();
    let src = AppSrc::from_element(p.by_name("src").unwrap()).unwrap();
    let sink = AppSink::from_element(p.by_name("sink").unwrap()).unwrap();
    src.configure_video(&Caps::parse(CAPS).unwrap(), false, 8).unwrap();
    sink.configure_hot_path(64).unwrap();
    sink.set_property("drop", false).unwrap();
    let got = Arc::new(Mutex::new(Vec::new()));
    let g2 = got.clone();
    sink.set_callbacks(AppSinkCallbacks::new().new_sample(move |s| {
        let sample = s.pull_sample().ok_or(FlowError::Eos)?;
        g2.lock().unwrap().push(sample.buffer_owned().unwrap());
        Ok(())
    }));
    p.set_state(State::Playing).unwrap();
    for i in 0..30u64 {
        let mut b = Buffer::with_size(64 * 36 * 3 / 2).unwrap();
        b.get_mut().unwrap().set_pts(Some(i * 33_333_333));
        src.push_buffer(b).unwrap();
    }
    src.end_of_stream().unwrap();
    wait_eos(&p);
    p.set_state(State::Null).unwrap();
    assert_eq!(got.lock().unwrap().len(), 30);
    got.lock().unwrap().clear();
    sink.set_callbacks(AppSinkCallbacks::new());
}

fn desc(offset: u32) -> TensorDesc {
    TensorDesc {
        offset,
        rows: 5,
        anchors: 10,
        layout: TensorLayout::ChannelsFirst,
        mapping: Mapping::letterbox(5700, 1900, 640, 640, true),
    }
}

fn tensor_meta_paths() {
    let storage_pool = BufferPool::new(None, 100 * 4, 4, 4).unwrap();
    storage_pool.set_active(true).unwrap();
    let frame = |i: u64| {
        let mut f = Buffer::with_size(64 * 36 * 3 / 2).unwrap();
        f.get_mut().unwrap().set_pts(Some(i * 33_333_333));
        let mut st = storage_pool.acquire(true).unwrap();
        tensor_meta::f32_view_mut(&mut st.get_mut().unwrap().map_writable().unwrap()).unwrap()[0] =
            i as f32;
        tensor_meta::attach(f.get_mut().unwrap(), st, &[desc(0), desc(50)]).unwrap();
        f
    };
    // Copy, read, take.
    let mut f = frame(0);
    let c = f.copy();
    let r = FrameTensors::from_buffer(&c).unwrap();
    assert_eq!(r.map().unwrap().tensors().len(), 2);
    let t = tensor_meta::take_storage(f.get_mut().unwrap()).unwrap();
    assert_eq!(TensorSource::Portable(t).map().unwrap().tensors()[0].data()[0], 0.0);
    drop((f, c, r));
    // Through a tee and a videoscale.
    let p = Pipeline::parse(
        "appsrc name=src ! tee name=t t. ! queue ! videoscale ! video/x-raw,width=32,height=18 ! \
         appsink name=a t. ! queue ! appsink name=b",
    )
    .unwrap();
    let src = AppSrc::from_element(p.by_name("src").unwrap()).unwrap();
    src.configure_video(&Caps::parse(CAPS).unwrap(), false, 8).unwrap();
    let a = AppSink::from_element(p.by_name("a").unwrap()).unwrap();
    let b = AppSink::from_element(p.by_name("b").unwrap()).unwrap();
    p.set_state(State::Playing).unwrap();
    let consumers: Vec<_> = [a, b]
        .into_iter()
        .map(|s| {
            std::thread::spawn(move || {
                let mut n = 0;
                while let Some(sample) = s.pull_sample() {
                    let buf = sample.buffer().unwrap();
                    assert!(FrameTensors::from_buffer(buf).unwrap().map().is_ok());
                    n += 1;
                }
                n
            })
        })
        .collect();
    for i in 0..20 {
        src.push_buffer(frame(i)).unwrap();
    }
    src.end_of_stream().unwrap();
    for c in consumers {
        assert_eq!(c.join().unwrap(), 20);
    }
    p.set_state(State::Null).unwrap();
    storage_pool.set_active(false).unwrap();
}

fn error_paths() {
    assert!(Pipeline::parse("videotestsrc ! nosuchelement_xyz ! fakesink").is_err());
    assert!(Pipeline::parse("videotestsrc ! ! fakesink").is_err());
    assert!(Pipeline::parse("videotestsrc nosuchprop=1 ! fakesink").is_err());
    assert!(Element::make("definitely_not_an_element", None).is_err());
    let src = Element::make("videotestsrc", None).unwrap();
    assert!(src.set_property("no-such-prop", 1).is_err());
    assert!(src.set_property("is-live", 3).is_err());
    assert!(src.set_property("num-buffers", -5).is_err());
    assert!(src.set_property("pattern", EnumValue::Nick("plaid")).is_err());
    assert!(src.property::<bool>("num-buffers").is_err());
    let q = Element::make("queue", None).unwrap();
    assert!(q.set_property("current-level-buffers", 3u32).is_err());
    assert!(q.set_property_from_str("max-size-time", "soon").is_err());
    assert!(Caps::parse("video/x-raw,,,=").is_err());
    assert!(VideoInfo::from_caps(&Caps::parse("video/x-raw,format=NV12").unwrap()).is_err());
    assert!(VideoInfo::new(VideoFormat::UNKNOWN, 16, 16, 30, 1).is_err());
    let vi = nv12(16, 8);
    assert!(Buffer::with_size(10).unwrap().map_video(&vi).is_err());
    let mut m = Buffer::with_size(400).unwrap();
    m.get_mut()
        .unwrap()
        .add_video_meta_full(VideoFormat::I420, 16, 8, &[0, 128, 160], &[16, 8, 8])
        .unwrap();
    assert!(m.map_video(&vi).is_err());
    let pool = BufferPool::new_video(&vi, 1, 1).unwrap();
    pool.set_active(true).unwrap();
    let p = Pipeline::parse("fakesink name=s").unwrap();
    let pad = p.by_name("s").unwrap().static_pad("sink").unwrap();
    assert!(pad.answer_allocation(&pool).is_err());
    pool.set_active(false).unwrap();
    let other = Pipeline::new(None).unwrap();
    assert!(other.add(&p.by_name("s").unwrap()).is_err());
    let id = pad.add_probe(ProbeType::QUERY_DOWNSTREAM, |_| ProbeReturn::Remove).unwrap();
    let mut query = Query::new_allocation(&Caps::parse(CAPS).unwrap(), true).unwrap();
    let _ = pad.query(&mut query);
    assert!(id.is_removed());
    pad.remove_probe(id); // already gone: must not warn
    let bad = [TensorDesc { rows: 3, ..desc(0) }];
    let mut f = Buffer::with_size(16).unwrap();
    assert!(
        tensor_meta::attach(f.get_mut().unwrap(), Buffer::with_size(400).unwrap(), &bad).is_err()
    );
}

fn panics_contained() {
    let p = Pipeline::parse(&format!(
        "videotestsrc num-buffers=20 ! {CAPS} ! identity name=id ! appsink name=sink"
    ))
    .unwrap();
    let pad = p.by_name("id").unwrap().static_pad("src").unwrap();
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    pad.add_probe(ProbeType::BUFFER, move |_| {
        if n2.fetch_add(1, Ordering::SeqCst) == 2 {
            panic!("leak-check probe panic");
        }
        ProbeReturn::Ok
    })
    .unwrap();
    let sink = AppSink::from_element(p.by_name("sink").unwrap()).unwrap();
    sink.set_callbacks(AppSinkCallbacks::new().new_sample(|s| {
        let _ = s.pull_sample();
        panic!("leak-check appsink panic")
    }));
    p.set_state(State::Playing).unwrap();
    let m = p.bus().timed_pop_filtered(Some(30 * SEC), MessageType::ERROR).expect("a bus error");
    let e = m.parse_error().unwrap();
    println!("info: contained: {e}");
    assert!(e.message.contains("panic"));
    drop(m);
    p.set_state(State::Null).unwrap();
}

fn negative_leaked_gstbuffer() {
    let b = Buffer::with_size(64).unwrap();
    // The reference leaves the wrappers (the count is released) and is never unreffed.
    let _raw = b.into_raw();
}

fn negative_forgotten_handle() {
    std::mem::forget(Buffer::with_size(64).unwrap());
}
