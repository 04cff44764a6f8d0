//! Pad probes: owned buffers out of the streaming thread, the ALLOCATION answer with our pool,
//! panic containment, removal.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pitchcam::gst::{
    self, Buffer, BufferPool, Caps, MessageType, MessageView, Pipeline, ProbeReturn, ProbeType,
    Query, QueryType, State, VideoInfo,
};

const SEC: u64 = 1_000_000_000;

fn init() {
    gst::init().expect("GStreamer must initialise (install libgstreamer1.0-0)");
}

const CAPS: &str = "video/x-raw,format=NV12,width=64,height=36,framerate=30/1";

fn wait_eos(p: &Pipeline, secs: u64) {
    let m = p
        .bus()
        .timed_pop_filtered(Some(secs * SEC), MessageType::EOS | MessageType::ERROR)
        .unwrap_or_else(|| panic!("no EOS within {secs} s: the pipeline stalled"));
    match m.view() {
        MessageView::Eos => {}
        other => panic!("expected EOS, got {other:?}"),
    }
}

/// The capture pattern: the probe takes a reference and pushes it into a wait-free queue; a
/// consumer thread holds the newest 210 frames like the delay ring. Upstream allocates from our
/// pool (min = max = 210 + headroom), so it neither stalls nor allocates more frames.
#[test]
fn probe_feeds_a_210_frame_holder_through_rtrb_from_our_pool() {
    init();
    const RING: usize = 210;
    const HEADROOM: u32 = 8;
    const FRAMES: usize = 900;
    // identity paces the source at ~1 frame/ms, so the consumer keeps up (a 256-slot queue
    // absorbs ~250 ms of consumer starvation) and the holder really fills to 210.
    let p = Pipeline::parse(&format!(
        "videotestsrc num-buffers={FRAMES} ! {CAPS} ! identity sleep-time=1000 ! \
         fakesink name=sink sync=false"
    ))
    .unwrap();
    let vi = VideoInfo::from_caps(&Caps::parse(CAPS).unwrap()).unwrap();
    let pool = BufferPool::new_video(&vi, RING as u32 + HEADROOM, RING as u32 + HEADROOM).unwrap();
    let pad = p.by_name("sink").unwrap().static_pad("sink").unwrap();
    let answer = pad.answer_allocation(&pool).unwrap();

    let (mut tx, mut rx) = rtrb::RingBuffer::<Buffer>::new(256);
    let dropped = Arc::new(AtomicU64::new(0));
    let d = dropped.clone();
    let probe = pad
        .add_probe(ProbeType::BUFFER, move |info| {
            if let Some(b) = info.buffer_owned()
                && tx.push(b).is_err()
            {
                d.fetch_add(1, Ordering::Relaxed);
            }
            ProbeReturn::Ok
        })
        .unwrap();

    let done = Arc::new(AtomicBool::new(false));
    let done2 = done.clone();
    let pool_ptr = pool.as_ptr() as usize;
    let consumer = std::thread::spawn(move || {
        let mut ring: VecDeque<Buffer> = VecDeque::with_capacity(RING);
        let (mut received, mut max_held, mut foreign) = (0usize, 0usize, 0usize);
        let mut distinct = HashSet::new();
        let mut last_pts = None;
        loop {
            match rx.pop() {
                Ok(b) => {
                    received += 1;
                    if b.pool_ptr() as usize != pool_ptr {
                        foreign += 1;
                    }
                    assert!(b.pts() > last_pts, "PTS increases");
                    last_pts = b.pts();
                    distinct.insert(b.as_ptr() as usize);
                    if ring.len() == RING {
                        ring.pop_front();
                    }
                    ring.push_back(b);
                    max_held = max_held.max(ring.len());
                }
                Err(_) if done2.load(Ordering::Acquire) && rx.is_empty() => break,
                Err(_) => std::thread::sleep(Duration::from_micros(200)),
            }
        }
        (received, max_held, foreign, distinct.len())
    });

    p.set_state(State::Playing).unwrap();
    wait_eos(&p, 60);
    done.store(true, Ordering::Release);
    let (received, max_held, foreign, distinct) = consumer.join().unwrap();
    pad.remove_probe(probe);
    pad.remove_probe(answer.probe);
    p.set_state(State::Null).unwrap();

    let dropped = dropped.load(Ordering::Relaxed) as usize;
    assert_eq!(received + dropped, FRAMES, "every frame is either received or a counted drop");
    assert!(answer.stats.answered() >= 1, "the ALLOCATION query was answered");
    assert_eq!(foreign, 0, "every frame came from our pool");
    assert!(distinct <= RING + HEADROOM as usize, "{distinct} distinct buffers > pool size");
    assert_eq!(max_held, RING, "the holder filled up to the ring size");
}

/// The brief's check: with the answer installed, every buffer reaching the sink is from our pool
/// and at most N distinct buffers exist; without it, they come from videotestsrc's own pool.
#[test]
fn allocation_answer_makes_upstream_use_our_pool() {
    init();
    const N: u32 = 6;
    for answer in [true, false] {
        let p = Pipeline::parse(&format!(
            "videotestsrc num-buffers=200 ! {CAPS} ! fakesink name=sink sync=false"
        ))
        .unwrap();
        let vi = VideoInfo::from_caps(&Caps::parse(CAPS).unwrap()).unwrap();
        let pool = BufferPool::new_video(&vi, N, N).unwrap();
        let pad = p.by_name("sink").unwrap().static_pad("sink").unwrap();
        let ans = answer.then(|| pad.answer_allocation(&pool).unwrap());
        let seen = Arc::new(Mutex::new((0usize, 0usize, HashSet::new())));
        let s2 = seen.clone();
        let pool_ptr = pool.as_ptr() as usize;
        pad.add_probe(ProbeType::BUFFER, move |info| {
            let b = info.buffer().unwrap();
            let mut g = s2.lock().unwrap();
            g.0 += 1;
            if b.pool_ptr() as usize == pool_ptr {
                g.1 += 1;
            }
            g.2.insert(b.as_ptr() as usize);
            ProbeReturn::Ok
        })
        .unwrap();
        p.set_state(State::Playing).unwrap();
        wait_eos(&p, 30);
        assert_eq!(pool.is_active(), answer, "upstream activated our pool iff we offered it");
        let cfg = pool.config();
        p.set_state(State::Null).unwrap();
        assert!(!pool.is_active(), "upstream deactivates it on shutdown");
        let g = seen.lock().unwrap();
        assert_eq!(g.0, 200);
        if answer {
            assert_eq!(g.1, 200, "all buffers from our pool");
            assert_eq!((cfg.min, cfg.max), (N, N), "upstream kept our min = max");
            assert!(g.2.len() <= N as usize, "{} distinct > {N}", g.2.len());
            assert_eq!(ans.unwrap().stats.answered(), 1);
        } else {
            assert_eq!(g.1, 0, "without the answer upstream uses its own pool");
        }
    }
}

#[test]
fn an_active_pool_is_refused_with_a_reason() {
    init();
    let vi = VideoInfo::from_caps(&Caps::parse(CAPS).unwrap()).unwrap();
    let pool = BufferPool::new_video(&vi, 2, 2).unwrap();
    pool.set_active(true).unwrap();
    let p = Pipeline::parse("fakesink name=sink").unwrap();
    let pad = p.by_name("sink").unwrap().static_pad("sink").unwrap();
    let e = pad.answer_allocation(&pool).unwrap_err();
    assert!(e.to_string().contains("inactive"), "{e}");
    pool.set_active(false).unwrap();
}

/// A pool smaller than what the consumer holds starves upstream: the reason the ring owns a pool
/// of ring capacity + headroom (negative control for the 210-frame test above).
#[test]
fn undersized_pool_stalls_when_frames_are_held() {
    init();
    let p = Pipeline::parse(&format!(
        "videotestsrc num-buffers=100 ! {CAPS} ! fakesink name=sink sync=false"
    ))
    .unwrap();
    let vi = VideoInfo::from_caps(&Caps::parse(CAPS).unwrap()).unwrap();
    let pool = BufferPool::new_video(&vi, 8, 8).unwrap();
    let pad = p.by_name("sink").unwrap().static_pad("sink").unwrap();
    pad.answer_allocation(&pool).unwrap();
    let held = Arc::new(Mutex::new(Vec::new()));
    let h2 = held.clone();
    pad.add_probe(ProbeType::BUFFER, move |info| {
        h2.lock().unwrap().push(info.buffer_owned().unwrap());
        ProbeReturn::Ok
    })
    .unwrap();
    p.set_state(State::Playing).unwrap();
    let m = p.bus().timed_pop_filtered(Some(2 * SEC), MessageType::EOS | MessageType::ERROR);
    assert!(m.is_none(), "holding every frame of an 8-buffer pool must stall upstream");
    assert_eq!(held.lock().unwrap().len(), 8);
    // Shutting down unblocks the waiting source (the pool is set flushing).
    p.set_state(State::Null).unwrap();
    held.lock().unwrap().clear();
}

/// An ALLOCATION query run by hand: the answer fills in our pool and the video meta API.
#[test]
fn allocation_answer_fills_the_query() {
    init();
    let p = Pipeline::parse("fakesink name=sink").unwrap();
    let caps = Caps::parse(CAPS).unwrap();
    let vi = VideoInfo::from_caps(&caps).unwrap();
    let pool = BufferPool::new_video(&vi, 5, 5).unwrap();
    let pad = p.by_name("sink").unwrap().static_pad("sink").unwrap();
    let ans = pad.answer_allocation(&pool).unwrap();
    let mut q = Query::new_allocation(&caps, true).unwrap();
    assert_eq!(q.type_(), QueryType::ALLOCATION);
    assert!(pad.query(&mut q), "HANDLED answers the query with TRUE");
    assert_eq!(q.n_allocation_pools().unwrap(), 1);
    let (got, size, min, max) = q.nth_allocation_pool(0).unwrap();
    assert_eq!(got.unwrap().as_ptr(), pool.as_ptr());
    assert_eq!((size as usize, min, max), (vi.size(), 5, 5));
    // Bigger frames than the pool's buffers: declined, the sink answers as usual.
    let big = Caps::parse("video/x-raw,format=NV12,width=640,height=360,framerate=30/1").unwrap();
    let mut q = Query::new_allocation(&big, true).unwrap();
    let _ = pad.query(&mut q);
    assert_eq!(ans.stats.declined(), 1);
    assert!(
        (0..q.n_allocation_pools().unwrap()).all(|i| q
            .nth_allocation_pool(i)
            .unwrap()
            .0
            .map(|p| p.as_ptr())
            != Some(pool.as_ptr()))
    );
    pad.remove_probe(ans.probe);
}

#[test]
fn panicking_probe_posts_a_bus_error_and_the_process_survives() {
    init();
    let p = Pipeline::parse(&format!(
        "videotestsrc num-buffers=50 ! {CAPS} ! identity name=id ! fakesink sync=false"
    ))
    .unwrap();
    let pad = p.by_name("id").unwrap().static_pad("src").unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = calls.clone();
    let id = pad
        .add_probe(ProbeType::BUFFER, move |_info| {
            if c2.fetch_add(1, Ordering::SeqCst) == 3 {
                panic!("deliberate test panic");
            }
            ProbeReturn::Ok
        })
        .unwrap();
    p.set_state(State::Playing).unwrap();
    let m = p
        .bus()
        .timed_pop_filtered(Some(30 * SEC), MessageType::ERROR)
        .expect("the panic is reported on the bus");
    let e = m.parse_error().unwrap();
    assert_eq!(e.source.as_deref(), Some("id"), "posted through the pad's parent element");
    assert!(e.message.contains("deliberate test panic"), "{e:?}");
    assert!(e.message.contains("id:src"), "{e:?}");
    assert!(id.has_panicked());
    p.set_state(State::Null).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 4, "the closure is never called after its panic");
    // Removing a probe that already removed itself is a no-op, not a GLib warning.
    pad.remove_probe(id);
}

#[test]
fn remove_return_and_remove_probe_do_not_double_remove() {
    init();
    let p = Pipeline::parse(&format!(
        "videotestsrc num-buffers=20 ! {CAPS} ! fakesink name=sink sync=false"
    ))
    .unwrap();
    let pad = p.by_name("sink").unwrap().static_pad("sink").unwrap();
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    let once = pad
        .add_probe(ProbeType::BUFFER, move |_| {
            n2.fetch_add(1, Ordering::SeqCst);
            ProbeReturn::Remove
        })
        .unwrap();
    let m = Arc::new(AtomicUsize::new(0));
    let m2 = m.clone();
    let kept = pad
        .add_probe(ProbeType::BUFFER, move |_| {
            m2.fetch_add(1, Ordering::SeqCst);
            ProbeReturn::Ok
        })
        .unwrap();
    p.set_state(State::Playing).unwrap();
    wait_eos(&p, 30);
    p.set_state(State::Null).unwrap();
    assert_eq!(n.load(Ordering::SeqCst), 1, "Remove takes effect after one call");
    assert!(once.is_removed(), "its closure was freed");
    assert_eq!(m.load(Ordering::SeqCst), 20);
    assert_eq!(kept.calls(), 20);
    assert!(!kept.is_removed());
    pad.remove_probe(once);
    pad.remove_probe(kept);
}

#[test]
fn drop_and_handled_stop_buffers_and_release_them() {
    init();
    for ret in [ProbeReturn::Drop, ProbeReturn::Handled] {
        let p = Pipeline::parse(&format!(
            "videotestsrc num-buffers=30 ! {CAPS} ! identity name=id ! fakesink name=sink sync=false"
        ))
        .unwrap();
        let src = p.by_name("id").unwrap().static_pad("src").unwrap();
        let sink = p.by_name("sink").unwrap().static_pad("sink").unwrap();
        let i = Arc::new(AtomicUsize::new(0));
        let i2 = i.clone();
        src.add_probe(ProbeType::BUFFER, move |_| {
            if i2.fetch_add(1, Ordering::SeqCst).is_multiple_of(2) { ret } else { ProbeReturn::Ok }
        })
        .unwrap();
        let arrived = Arc::new(AtomicUsize::new(0));
        let a2 = arrived.clone();
        sink.add_probe(ProbeType::BUFFER, move |_| {
            a2.fetch_add(1, Ordering::SeqCst);
            ProbeReturn::Ok
        })
        .unwrap();
        p.set_state(State::Playing).unwrap();
        wait_eos(&p, 30);
        p.set_state(State::Null).unwrap();
        assert_eq!(arrived.load(Ordering::SeqCst), 15, "{ret:?} stops every other buffer");
    }
}

#[test]
fn writable_buffer_in_probe_can_be_retimed() {
    init();
    let p = Pipeline::parse(&format!(
        "videotestsrc num-buffers=10 ! {CAPS} ! identity name=id ! fakesink name=sink sync=false"
    ))
    .unwrap();
    let src = p.by_name("id").unwrap().static_pad("src").unwrap();
    let writable = Arc::new(AtomicUsize::new(0));
    let w2 = writable.clone();
    src.add_probe(ProbeType::BUFFER, move |info| {
        if let Some(b) = info.buffer_mut() {
            b.set_offset(Some(4242));
            w2.fetch_add(1, Ordering::SeqCst);
        }
        ProbeReturn::Ok
    })
    .unwrap();
    let marked = Arc::new(AtomicUsize::new(0));
    let o2 = marked.clone();
    let sink = p.by_name("sink").unwrap().static_pad("sink").unwrap();
    sink.add_probe(ProbeType::BUFFER, move |info| {
        if info.buffer().unwrap().offset() == Some(4242) {
            o2.fetch_add(1, Ordering::SeqCst);
        }
        ProbeReturn::Ok
    })
    .unwrap();
    p.set_state(State::Playing).unwrap();
    wait_eos(&p, 30);
    p.set_state(State::Null).unwrap();
    let w = writable.load(Ordering::SeqCst);
    assert!(w > 0, "a buffer pushed by its only owner is writable in the probe");
    assert_eq!(marked.load(Ordering::SeqCst), w, "in-place changes are what gets pushed on");
}

#[test]
fn event_probe_sees_caps_and_eos() {
    init();
    let p = Pipeline::parse(&format!("videotestsrc num-buffers=3 ! {CAPS} ! fakesink name=sink"))
        .unwrap();
    let pad = p.by_name("sink").unwrap().static_pad("sink").unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    pad.add_probe(ProbeType::EVENT_DOWNSTREAM, move |info| {
        let e = info.event().unwrap();
        let mut g = s2.lock().unwrap();
        g.push(e.type_().name().to_owned());
        if let Some(c) = e.caps() {
            g.push(c.to_string());
        }
        ProbeReturn::Ok
    })
    .unwrap();
    p.set_state(State::Playing).unwrap();
    wait_eos(&p, 30);
    p.set_state(State::Null).unwrap();
    let g = seen.lock().unwrap();
    assert!(g.iter().any(|s| s == "caps"));
    assert!(g.iter().any(|s| s.contains("NV12")));
    assert_eq!(g.last().map(String::as_str), Some("eos"));
    assert!(pad.current_caps().is_none(), "caps are cleared in NULL");
}

#[test]
fn probe_with_empty_mask_is_refused() {
    init();
    let p = Pipeline::parse("fakesink name=sink").unwrap();
    let pad = p.by_name("sink").unwrap().static_pad("sink").unwrap();
    assert!(pad.add_probe(ProbeType(0), |_| ProbeReturn::Ok).is_err());
    let started = Instant::now();
    assert!(started.elapsed() < Duration::from_secs(60));
}
