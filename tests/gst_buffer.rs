//! Buffers, map guards, video frames and buffer pools.

use std::collections::HashSet;

use pitchcam::gst::{
    self, Buffer, BufferFlags, BufferPool, Caps, FlowError, VideoFormat, VideoInfo,
};

fn init() {
    gst::init().expect("GStreamer must initialise (install libgstreamer1.0-0)");
}

#[test]
fn clone_and_drop_move_the_refcount() {
    init();
    let a = Buffer::with_size(64).unwrap();
    assert_eq!(a.refcount(), 1);
    assert!(a.is_writable());
    let b = a.clone();
    assert_eq!(a.refcount(), 2);
    assert!(!a.is_writable(), "a shared buffer is not writable");
    assert_eq!(a.as_ptr(), b.as_ptr());
    drop(b);
    assert_eq!(a.refcount(), 1);
    let raw = a.into_raw();
    // SAFETY: into_raw gave us the only reference; take it back.
    let c = unsafe { Buffer::from_glib_full(raw) };
    assert_eq!(c.refcount(), 1);
    // SAFETY: `c` keeps the buffer alive during the call.
    let d = unsafe { Buffer::from_glib_borrow(raw) };
    assert_eq!(c.refcount(), 2);
    drop(d);
    assert_eq!(c.refcount(), 1);
}

#[test]
fn get_mut_only_when_unshared() {
    init();
    let mut a = Buffer::with_size(16).unwrap();
    let b = a.clone();
    assert!(a.get_mut().is_none());
    drop(b);
    let m = a.get_mut().expect("sole owner may mutate");
    m.set_pts(Some(42));
    m.set_duration(Some(33_333_333));
    m.set_dts(None);
    m.set_offset(Some(7));
    m.set_flags(BufferFlags::DISCONT | BufferFlags::DELTA_UNIT);
    m.unset_flags(BufferFlags::DELTA_UNIT);
    assert_eq!(a.pts(), Some(42));
    assert_eq!(a.duration(), Some(33_333_333));
    assert_eq!(a.dts(), None);
    assert_eq!(a.offset(), Some(7));
    assert!(a.flags().contains(BufferFlags::DISCONT));
    assert!(!a.flags().contains(BufferFlags::DELTA_UNIT));
}

#[test]
fn make_mut_copies_only_when_shared() {
    init();
    let mut a = Buffer::from_slice(&[1, 2, 3]).unwrap();
    let p = a.as_ptr();
    a.make_mut().set_pts(Some(5));
    assert_eq!(a.as_ptr(), p, "writable buffer is not copied");
    let keep = a.clone();
    a.make_mut().set_pts(Some(6));
    assert_ne!(a.as_ptr(), p, "shared buffer is replaced by a copy");
    assert_eq!(keep.pts(), Some(5));
    assert_eq!(a.pts(), Some(6));
    assert_eq!(&*a.map_readable().unwrap(), &[1, 2, 3], "the copy shares the bytes");
}

#[test]
fn timestamps_none_by_default() {
    init();
    let a = Buffer::with_size(1).unwrap();
    assert_eq!(a.pts(), None);
    assert_eq!(a.dts(), None);
    assert_eq!(a.duration(), None);
    assert_eq!(a.offset(), None);
}

#[test]
fn map_guards_read_and_write() {
    init();
    let mut a = Buffer::from_slice(b"pitchcam").unwrap();
    assert_eq!(a.size(), 8);
    {
        let r = a.map_readable().unwrap();
        assert_eq!(&*r, b"pitchcam");
        // A second read mapping while the first is alive is fine.
        let r2 = a.map_readable().unwrap();
        assert_eq!(r2.len(), 8);
    }
    {
        let m = a.get_mut().unwrap();
        let mut w = m.map_writable().unwrap();
        w[0] = b'P';
    }
    assert_eq!(&*a.map_readable().unwrap(), b"Pitchcam");
    let empty = Buffer::with_size(0).unwrap();
    assert!(empty.map_readable().unwrap().is_empty());
}

#[test]
fn send_to_another_thread() {
    init();
    let a = Buffer::from_slice(&[9; 4]).unwrap();
    let b = a.clone();
    let h = std::thread::spawn(move || b.map_readable().unwrap()[3]);
    assert_eq!(h.join().unwrap(), 9);
    assert_eq!(a.refcount(), 1);
}

fn nv12_info(w: u32, h: u32) -> VideoInfo {
    VideoInfo::new(VideoFormat::NV12, w, h, 30, 1).unwrap()
}

#[test]
fn video_info_from_caps() {
    init();
    let caps = Caps::parse("video/x-raw,format=NV12,width=64,height=36,framerate=30/1").unwrap();
    let vi = VideoInfo::from_caps(&caps).unwrap();
    assert_eq!(vi.format(), VideoFormat::NV12);
    assert_eq!(vi.format().name(), "NV12");
    assert_eq!((vi.width(), vi.height(), vi.fps()), (64, 36, (30, 1)));
    assert_eq!(vi.n_planes(), 2);
    assert_eq!(vi.stride(0), 64);
    assert_eq!(vi.offset(1), 64 * 36);
    assert_eq!(vi.size(), 64 * 36 * 3 / 2);
    let back = vi.to_caps().unwrap();
    assert!(back.to_string().contains("NV12"));
    let not_fixed = Caps::parse("video/x-raw,format=NV12").unwrap();
    let e = VideoInfo::from_caps(&not_fixed).unwrap_err();
    assert!(e.to_string().contains("not fixed raw video"), "{e}");
    assert_eq!(VideoFormat::from_name("NV12"), Some(VideoFormat::NV12));
    assert_eq!(VideoFormat::from_name("NOPE"), None);
}

#[test]
fn caps_parse_error_names_the_string() {
    init();
    let e = Caps::parse("video/x-raw,,,=").unwrap_err();
    assert_eq!(e.to_string(), "could not parse caps \"video/x-raw,,,=\"");
}

#[test]
fn nv12_planes_without_video_meta() {
    init();
    let vi = nv12_info(8, 4);
    let mut buf = Buffer::with_size(vi.size()).unwrap();
    {
        let m = buf.get_mut().unwrap();
        let mut f = m.map_video_mut(&vi).unwrap();
        assert!(!f.has_video_meta());
        let img = f.nv12_mut().unwrap();
        assert_eq!((img.width, img.height, img.y_stride, img.uv_stride), (8, 4, 8, 8));
        assert_eq!(img.y.len(), 32);
        assert_eq!(img.uv.len(), 16);
        img.y.fill(16);
        img.uv.fill(128);
    }
    let map = buf.map_readable().unwrap();
    assert!(map[..32].iter().all(|&b| b == 16));
    assert!(map[32..].iter().all(|&b| b == 128));
}

#[test]
fn nv12_planes_follow_video_meta_strides() {
    init();
    // An 8×4 NV12 frame laid out with 16-byte rows and the UV plane at 80 (padding after the
    // luma rows), as hardware converters produce; the caps-derived info says stride 8.
    let vi = nv12_info(8, 4);
    let mut buf = Buffer::with_size(80 + 16 * 2).unwrap();
    buf.get_mut()
        .unwrap()
        .add_video_meta_full(VideoFormat::NV12, 8, 4, &[0, 80], &[16, 16])
        .unwrap();
    {
        let m = buf.get_mut().unwrap();
        let mut f = m.map_video_mut(&vi).unwrap();
        assert!(f.has_video_meta());
        let img = f.nv12_mut().unwrap();
        assert_eq!((img.y_stride, img.uv_stride), (16, 16));
        for row in 0..4 {
            img.y[row * 16..row * 16 + 8].fill(row as u8 + 1);
        }
        img.uv[..8].fill(200);
    }
    let f = buf.map_video(&vi).unwrap();
    assert_eq!(f.stride(0), 16);
    assert_eq!(f.offset(1), 80);
    let img = f.nv12().unwrap();
    assert_eq!((img.width, img.height), (8, 4));
    drop(f);
    let raw = buf.map_readable().unwrap();
    assert_eq!(raw[3 * 16], 4, "row 3 starts at 48, not at 24");
    assert_eq!(raw[80], 200, "UV plane starts at the meta's offset");
}

#[test]
fn video_meta_that_contradicts_the_info_is_an_error() {
    init();
    let vi = nv12_info(8, 4);
    let mut buf = Buffer::with_size(256).unwrap();
    buf.get_mut()
        .unwrap()
        .add_video_meta_full(VideoFormat::I420, 8, 4, &[0, 32, 40], &[8, 4, 4])
        .unwrap();
    let e = buf.map_video(&vi).unwrap_err();
    assert!(e.to_string().contains("does not match"), "{e}");
    let e = buf.get_mut().unwrap().add_video_meta_full(VideoFormat::NV12, 8, 4, &[0, 999], &[8, 8]);
    assert!(e.unwrap_err().to_string().contains("outside"));
}

#[test]
fn nv12_refuses_other_formats() {
    init();
    let vi = VideoInfo::new(VideoFormat::I420, 8, 4, 30, 1).unwrap();
    let buf = Buffer::with_size(vi.size()).unwrap();
    let f = buf.map_video(&vi).unwrap();
    let e = f.nv12().unwrap_err();
    assert!(e.to_string().contains("not NV12"), "{e}");
}

#[test]
fn video_map_refuses_short_buffers() {
    init();
    let vi = nv12_info(64, 36);
    let buf = Buffer::with_size(100).unwrap();
    assert!(buf.map_video(&vi).is_err());
}

#[test]
fn pool_preallocates_and_reports_exhaustion() {
    init();
    let vi = nv12_info(32, 16);
    let pool = BufferPool::new_video(&vi, 4, 4).unwrap();
    let cfg = pool.config();
    assert_eq!((cfg.size as usize, cfg.min, cfg.max), (vi.size(), 4, 4));
    assert_eq!(pool.acquire(false).unwrap_err(), FlowError::Flushing, "inactive pool");
    pool.set_active(true).unwrap();
    let held: Vec<Buffer> = (0..4).map(|_| pool.acquire(false).unwrap()).collect();
    assert!(held.iter().all(|b| b.is_from_pool(&pool)));
    assert_eq!(pool.acquire(false).unwrap_err(), FlowError::Exhausted);
    let first: HashSet<usize> = held.iter().map(|b| b.as_ptr() as usize).collect();
    assert_eq!(first.len(), 4);
    drop(held);
    // Steady state: many cycles only ever see the same four buffers.
    let mut seen = HashSet::new();
    for _ in 0..1000 {
        let a = pool.acquire(false).unwrap();
        let b = pool.acquire(false).unwrap();
        seen.insert(a.as_ptr() as usize);
        seen.insert(b.as_ptr() as usize);
    }
    assert!(seen.is_subset(&first), "steady state allocates nothing new");
    // A buffer from the pool is a full video frame.
    let b = pool.acquire(false).unwrap();
    let f = b.map_video(&vi).unwrap();
    assert_eq!(f.nv12().unwrap().width, 32);
    drop(f);
    drop(b);
    pool.set_active(false).unwrap();
    assert_eq!(pool.acquire(true).unwrap_err(), FlowError::Flushing);
}

#[test]
fn pool_blocking_acquire_waits_for_release() {
    init();
    let pool = BufferPool::new(None, 128, 1, 1).unwrap();
    pool.set_active(true).unwrap();
    let only = pool.acquire(true).unwrap();
    let p2 = pool.clone();
    let h = std::thread::spawn(move || p2.acquire(true).map(|b| b.as_ptr() as usize));
    std::thread::sleep(std::time::Duration::from_millis(50));
    let addr = only.as_ptr() as usize;
    drop(only);
    assert_eq!(h.join().unwrap().unwrap(), addr, "the released buffer is recycled");
    pool.set_active(false).unwrap();
}

#[test]
fn pool_rejects_bad_config() {
    init();
    let e = BufferPool::new(None, 0, 1, 1).unwrap_err();
    assert!(e.to_string().contains("size 0"), "{e}");
    let e = BufferPool::new(None, 10, 5, 2).unwrap_err();
    assert!(e.to_string().contains("min 5 > max 2"), "{e}");
}

#[test]
fn handles_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Buffer>();
    send_sync::<Caps>();
    send_sync::<BufferPool>();
    send_sync::<gst::Element>();
    send_sync::<gst::Pipeline>();
    send_sync::<gst::Sample>();
    send_sync::<gst::Message>();
    send_sync::<gst::Pad>();
    send_sync::<gst::AppSink>();
    send_sync::<gst::AppSrc>();
    send_sync::<VideoInfo>();
    send::<pitchcam::tensor_meta::FrameTensors>();
    send::<pitchcam::tensor_meta::TensorSource>();
    send::<gst::Event>();
    send::<gst::Query>();
}
