//! The tensor meta: attach, read, take, copies and scaling through real pipelines, refcounts,
//! malformed descriptors.

use pitchcam::core::detect::{Mapping, TensorError, TensorLayout};
use pitchcam::gst::{
    self, AppSink, AppSrc, Buffer, BufferPool, BufferRef, Caps, MessageType, MessageView, Pipeline,
    ProbeReturn, ProbeType, State,
};
use pitchcam::tensor_meta::{
    self, FrameTensors, MAX_TENSORS, TensorDesc, TensorList, TensorMetaError, TensorSource,
};

const SEC: u64 = 1_000_000_000;
const W: u32 = 64;
const H: u32 = 36;

fn init() {
    gst::init().expect("GStreamer must initialise (install libgstreamer1.0-0)");
}

/// Storage of `n` floats with value `base + i`.
fn storage(n: usize, base: f32) -> Buffer {
    let mut b = Buffer::with_size(n * 4).unwrap();
    {
        let mut m = b.get_mut().unwrap().map_writable().unwrap();
        for (i, f) in tensor_meta::f32_view_mut(&mut m).unwrap().iter_mut().enumerate() {
            *f = base + i as f32;
        }
    }
    b
}

fn desc(offset: u32, rows: u32, anchors: u32) -> TensorDesc {
    TensorDesc {
        offset,
        rows,
        anchors,
        layout: TensorLayout::ChannelsFirst,
        mapping: Mapping { scale_x: 2.0, scale_y: 3.0, offset_x: 10.0, offset_y: 20.0 },
    }
}

fn frame(i: u64) -> Buffer {
    let mut b = Buffer::with_size((W * H * 3 / 2) as usize).unwrap();
    let m = b.get_mut().unwrap();
    m.set_pts(Some(i * 33_333_333));
    m.set_duration(Some(33_333_333));
    b
}

#[test]
fn attach_read_take_round_trip_and_refcounts() {
    init();
    let st = storage(5 * 10 + 6 * 4, 0.0);
    let watch = st.clone();
    assert_eq!(watch.refcount(), 2);
    let mut f = frame(0);
    let descs =
        [desc(0, 5, 10), TensorDesc { layout: TensorLayout::AnchorsFirst, ..desc(50, 6, 4) }];
    tensor_meta::attach(f.get_mut().unwrap(), st, &descs).unwrap();
    assert_eq!(watch.refcount(), 2, "the meta holds the reference we moved in");
    assert!(tensor_meta::has_tensors(&f));

    // Read path (frame shared): a second storage reference.
    let shared = f.clone();
    let read = FrameTensors::from_buffer(&shared).unwrap();
    assert_eq!(watch.refcount(), 3);
    assert_eq!(read.len(), 2);
    assert_eq!(read.desc(1).unwrap().unwrap(), descs[1]);
    {
        let m = read.map().unwrap();
        let t = m.tensors();
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[0].rows(), t[0].anchors(), t[0].layout()),
            (5, 10, TensorLayout::ChannelsFirst)
        );
        assert_eq!(t[0].data()[0], 0.0);
        assert_eq!(t[0].data()[49], 49.0);
        assert_eq!(t[1].data()[0], 50.0);
        assert_eq!(t[1].data().len(), 24);
        assert_eq!(t[1].layout(), TensorLayout::AnchorsFirst);
        assert_eq!(t[1].mapping(), descs[1].mapping);
    }
    drop(read);
    drop(shared);
    assert_eq!(watch.refcount(), 2);

    // Take path (frame writable): the reference moves out; the emptied meta carries nothing.
    let taken = tensor_meta::take_storage(f.get_mut().unwrap()).unwrap();
    assert_eq!(watch.refcount(), 2, "moved, not copied");
    assert!(!tensor_meta::has_tensors(&f));
    assert!(FrameTensors::from_buffer(&f).is_none());
    assert!(tensor_meta::take_storage(f.get_mut().unwrap()).is_none());
    drop(f);
    assert_eq!(watch.refcount(), 2, "dropping the frame no longer touches the storage");
    let src = TensorSource::Portable(taken);
    assert_eq!(src.map().unwrap().tensors()[0].data()[1], 1.0);
    drop(src);
    assert_eq!(watch.refcount(), 1);
}

#[test]
fn dropping_the_frame_releases_the_storage() {
    init();
    let st = storage(50, 0.0);
    let watch = st.clone();
    let mut f = frame(0);
    tensor_meta::attach(f.get_mut().unwrap(), st, &[desc(0, 5, 10)]).unwrap();
    assert_eq!(watch.refcount(), 2);
    drop(f);
    assert_eq!(watch.refcount(), 1, "the meta's free function released its reference");
}

#[test]
fn buffer_copy_runs_the_transform_and_takes_a_reference() {
    init();
    let st = storage(50, 7.0);
    let watch = st.clone();
    let mut f = frame(0);
    tensor_meta::attach(f.get_mut().unwrap(), st, &[desc(0, 5, 10)]).unwrap();
    let copy = f.copy();
    assert_ne!(copy.as_ptr(), f.as_ptr());
    assert_eq!(watch.refcount(), 3, "the copy's meta holds its own reference");
    let t = FrameTensors::from_buffer(&copy).unwrap();
    assert_eq!(t.map().unwrap().tensors()[0].data()[0], 7.0);
    assert_eq!(t.storage().as_ptr(), watch.as_ptr(), "same storage, no tensor copy");
    drop((t, copy, f));
    assert_eq!(watch.refcount(), 1);
}

#[test]
fn malformed_descriptors_are_rejected() {
    init();
    let attach = |n_floats: usize, descs: &[TensorDesc]| {
        let mut f = frame(0);
        tensor_meta::attach(f.get_mut().unwrap(), storage(n_floats, 0.0), descs).map(|_| f)
    };
    assert_eq!(attach(50, &[]).unwrap_err(), TensorMetaError::NoTensors);
    let many = [desc(0, 5, 1); MAX_TENSORS + 1];
    assert_eq!(attach(50, &many).unwrap_err(), TensorMetaError::TooMany { count: 9 });
    assert!(attach(50, &[desc(0, 5, 1); MAX_TENSORS]).is_ok());
    assert_eq!(
        attach(50, &[desc(0, 4, 10)]).unwrap_err(),
        TensorMetaError::Tensor { index: 0, error: TensorError::TooFewRows }
    );
    assert_eq!(
        attach(5000, &[desc(0, 21, 10)]).unwrap_err(),
        TensorMetaError::Tensor { index: 0, error: TensorError::TooManyClasses }
    );
    assert_eq!(
        attach(50, &[desc(0, 5, 0)]).unwrap_err(),
        TensorMetaError::Tensor { index: 0, error: TensorError::NoAnchors }
    );
    assert_eq!(
        attach(50, &[desc(0, 5, 10), desc(1, 5, 10)]).unwrap_err(),
        TensorMetaError::OutOfBounds { index: 1, end: 51, storage: 50 }
    );
    // Offsets and sizes near u32::MAX do not overflow.
    assert!(matches!(
        attach(50, &[desc(u32::MAX, 5, u32::MAX)]).unwrap_err(),
        TensorMetaError::OutOfBounds { .. }
    ));
    for bad in [f32::NAN, f32::INFINITY, -1.0, 0.0] {
        let d =
            TensorDesc { mapping: Mapping { scale_x: bad, ..Mapping::IDENTITY }, ..desc(0, 5, 10) };
        assert_eq!(
            attach(50, &[d]).unwrap_err(),
            TensorMetaError::Tensor { index: 0, error: TensorError::BadMapping },
            "scale {bad}"
        );
    }
    let d = TensorDesc {
        mapping: Mapping { offset_y: f32::NAN, ..Mapping::IDENTITY },
        ..desc(0, 5, 10)
    };
    assert!(attach(50, &[d]).is_err());
    // A second attach to the same frame is refused; the first stays intact.
    let mut f = attach(50, &[desc(0, 5, 10)]).unwrap();
    let e = tensor_meta::attach(f.get_mut().unwrap(), storage(50, 0.0), &[desc(0, 5, 10)]);
    assert_eq!(e.unwrap_err(), TensorMetaError::AlreadyAttached);
    assert_eq!(FrameTensors::from_buffer(&f).unwrap().len(), 1);
    // The storage of a refused attach is released, not leaked.
    let st = storage(10, 0.0);
    let watch = st.clone();
    let mut g = frame(0);
    assert!(tensor_meta::attach(g.get_mut().unwrap(), st, &[desc(0, 5, 10)]).is_err());
    assert_eq!(watch.refcount(), 1);
    // FrameTensors::new applies the same rules.
    assert_eq!(
        FrameTensors::new(storage(10, 0.0), &[desc(8, 5, 1)]).unwrap_err(),
        TensorMetaError::OutOfBounds { index: 0, end: 13, storage: 10 }
    );
}

#[test]
fn storage_from_a_pool_is_recycled() {
    init();
    let pool = BufferPool::new(None, 50 * 4, 2, 2).unwrap();
    pool.set_active(true).unwrap();
    let mut seen = std::collections::HashSet::new();
    for i in 0..20 {
        let mut st = pool.acquire(false).expect("storage returns to the pool after each frame");
        {
            let mut m = st.get_mut().unwrap().map_writable().unwrap();
            tensor_meta::f32_view_mut(&mut m).unwrap()[0] = i as f32;
        }
        seen.insert(st.as_ptr() as usize);
        let mut f = frame(i);
        tensor_meta::attach(f.get_mut().unwrap(), st, &[desc(0, 5, 10)]).unwrap();
        let t = tensor_meta::take_storage(f.get_mut().unwrap()).unwrap();
        assert_eq!(t.map().unwrap().tensors()[0].data()[0], i as f32);
    }
    assert!(seen.len() <= 2);
    pool.set_active(false).unwrap();
}

fn run_through(desc_mid: &str, n: u64) -> Vec<Buffer> {
    let p = Pipeline::parse(&format!(
        "appsrc name=src ! {desc_mid} ! appsink name=sink sync=false enable-last-sample=false"
    ))
    .unwrap();
    let src = AppSrc::from_element(p.by_name("src").unwrap()).unwrap();
    let sink = AppSink::from_element(p.by_name("sink").unwrap()).unwrap();
    let caps = Caps::parse(&format!("video/x-raw,format=NV12,width={W},height={H},framerate=30/1"))
        .unwrap();
    src.configure_video(&caps, false, 64).unwrap();
    p.set_state(State::Playing).unwrap();
    for i in 0..n {
        let mut f = frame(i);
        tensor_meta::attach(f.get_mut().unwrap(), storage(50, i as f32 * 100.0), &[desc(0, 5, 10)])
            .unwrap();
        src.push_buffer(f).unwrap();
    }
    src.end_of_stream().unwrap();
    let mut out = Vec::new();
    while let Some(s) = sink.pull_sample() {
        out.push(s.buffer_owned().unwrap());
    }
    let m = p.bus().timed_pop_filtered(Some(10 * SEC), MessageType::EOS | MessageType::ERROR);
    assert!(matches!(m.map(|m| m.view()), Some(MessageView::Eos)));
    p.set_state(State::Null).unwrap();
    out
}

#[test]
fn meta_travels_through_appsrc_queue_appsink() {
    init();
    let out = run_through("queue", 10);
    assert_eq!(out.len(), 10);
    for (i, b) in out.iter().enumerate() {
        let t = FrameTensors::from_buffer(b).expect("tensors arrive with the frame");
        let m = t.map().unwrap();
        assert_eq!(m.tensors()[0].data()[3], i as f32 * 100.0 + 3.0);
        assert_eq!(m.tensors()[0].mapping(), desc(0, 5, 10).mapping);
    }
}

#[test]
fn meta_travels_through_a_tee_on_both_branches() {
    init();
    let p = Pipeline::parse(
        "appsrc name=src ! tee name=t \
         t. ! queue ! appsink name=a sync=false \
         t. ! queue ! appsink name=b sync=false",
    )
    .unwrap();
    let src = AppSrc::from_element(p.by_name("src").unwrap()).unwrap();
    let a = AppSink::from_element(p.by_name("a").unwrap()).unwrap();
    let b = AppSink::from_element(p.by_name("b").unwrap()).unwrap();
    let caps = Caps::parse(&format!("video/x-raw,format=NV12,width={W},height={H},framerate=30/1"))
        .unwrap();
    src.configure_video(&caps, false, 64).unwrap();
    p.set_state(State::Playing).unwrap();
    for i in 0..5 {
        let mut f = frame(i);
        tensor_meta::attach(f.get_mut().unwrap(), storage(50, i as f32), &[desc(0, 5, 10)])
            .unwrap();
        src.push_buffer(f).unwrap();
    }
    src.end_of_stream().unwrap();
    for sink in [&a, &b] {
        let mut n = 0;
        while let Some(s) = sink.pull_sample() {
            let buf = s.buffer().unwrap();
            let t = FrameTensors::from_buffer(buf).unwrap();
            assert_eq!(t.map().unwrap().tensors()[0].data()[0], n as f32);
            n += 1;
        }
        assert_eq!(n, 5);
    }
    p.set_state(State::Null).unwrap();
}

#[test]
fn videoscale_rescales_the_mapping() {
    init();
    let out = run_through(&format!("videoscale ! video/x-raw,width={},height={}", W / 2, H * 2), 4);
    assert_eq!(out.len(), 4);
    for b in &out {
        let t = FrameTensors::from_buffer(b).expect("videoscale keeps size-tagged metas");
        let m = t.desc(0).unwrap().unwrap().mapping;
        // Panorama coordinates follow the frame: half as wide, twice as tall.
        assert_eq!(m, Mapping { scale_x: 1.0, scale_y: 6.0, offset_x: 5.0, offset_y: 40.0 });
    }
}

#[test]
fn videoflip_drops_the_meta_rather_than_carry_wrong_boxes() {
    init();
    let out = run_through("videoflip video-direction=horiz", 3);
    assert_eq!(out.len(), 3);
    assert!(out.iter().all(|b| !tensor_meta::has_tensors(b)));
}

#[test]
fn probe_takes_storage_from_writable_frames_only() {
    init();
    // queue, not identity: an in-place transform would copy a shared buffer to make it writable.
    let p = Pipeline::parse("appsrc name=src ! queue name=id ! fakesink sync=false").unwrap();
    let src = AppSrc::from_element(p.by_name("src").unwrap()).unwrap();
    let caps = Caps::parse(&format!("video/x-raw,format=NV12,width={W},height={H},framerate=30/1"))
        .unwrap();
    src.configure_video(&caps, false, 64).unwrap();
    let (mut tx, mut rx) = rtrb::RingBuffer::<(bool, FrameTensors)>::new(16);
    // Upstream of the ring-input probe, another holder keeps a reference to odd frames (like a
    // tee branch or a display would): those arrive shared, the even ones writable.
    let held = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let h2 = held.clone();
    let id = p.by_name("id").unwrap();
    id.static_pad("sink")
        .unwrap()
        .add_probe(ProbeType::BUFFER, move |info| {
            let b = info.buffer().unwrap();
            if b.pts().unwrap() / 33_333_333 % 2 == 1 {
                h2.lock().unwrap().push(b.to_owned_buffer());
            }
            ProbeReturn::Ok
        })
        .unwrap();
    let pad = id.static_pad("src").unwrap();
    pad.add_probe(ProbeType::BUFFER, move |info| {
        let t = match info.buffer_mut() {
            Some(b) => tensor_meta::take_storage(b).map(|t| (true, t)),
            None => info.buffer().and_then(FrameTensors::from_buffer).map(|t| (false, t)),
        };
        if let Some(t) = t {
            let _ = tx.push(t);
        }
        ProbeReturn::Ok
    })
    .unwrap();
    p.set_state(State::Playing).unwrap();
    let mut watches = Vec::new();
    for i in 0..4 {
        let st = storage(50, i as f32);
        watches.push(st.clone());
        let mut f = frame(i);
        tensor_meta::attach(f.get_mut().unwrap(), st, &[desc(0, 5, 10)]).unwrap();
        src.push_buffer(f).unwrap();
    }
    src.end_of_stream().unwrap();
    let m = p.bus().timed_pop_filtered(Some(10 * SEC), MessageType::EOS | MessageType::ERROR);
    assert!(matches!(m.map(|m| m.view()), Some(MessageView::Eos)));
    p.set_state(State::Null).unwrap();
    let mut got = Vec::new();
    while let Ok(x) = rx.pop() {
        got.push(x);
    }
    assert_eq!(got.len(), 4);
    for (i, (took, t)) in got.iter().enumerate() {
        assert_eq!(*took, i % 2 == 0, "frame {i}: writable ⇒ taken, shared ⇒ read");
        assert_eq!(t.map().unwrap().tensors()[0].data()[0], i as f32);
    }
    // Taken storage: only the token and our watch hold it. Read storage: the held frame's meta
    // holds it too.
    assert_eq!(watches[0].refcount(), 2);
    assert_eq!(watches[1].refcount(), 3);
    let held = std::mem::take(&mut *held.lock().unwrap());
    assert_eq!(held.len(), 2);
    assert!(tensor_meta::has_tensors(&held[0]), "a shared frame keeps its meta");
    drop(got);
    drop(held);
    assert!(watches.iter().all(|w| w.refcount() == 1), "no storage leaked");
}

/// A reader in the style of the DeepStream one: it is handed the frame and fills views of
/// tensors that live at least as long as the frame (DeepStream: host buffers of the
/// NvDsInferTensorMeta the frame carries; here: a static table, chosen by the frame's PTS).
static HEAD_A: [f32; 50] = [0.25; 50];
static HEAD_B: [f32; 60] = [0.5; 60];

fn read_static_heads<'b>(
    buf: &'b BufferRef,
    out: &mut TensorList<'b>,
) -> Result<(), TensorMetaError> {
    let pts = buf.pts().ok_or(TensorMetaError::Foreign("frame without PTS"))?;
    let err = |error| TensorMetaError::Tensor { index: out.len(), error };
    let a = pitchcam::core::detect::Tensor::new(
        &HEAD_A,
        5,
        10,
        TensorLayout::ChannelsFirst,
        Mapping::IDENTITY,
    );
    out.push(a.map_err(err)?);
    if pts > 0 {
        let tile = Mapping::tile(100, 0, 640, 640, 640, 640);
        let b =
            pitchcam::core::detect::Tensor::new(&HEAD_B, 6, 10, TensorLayout::AnchorsFirst, tile);
        out.push(b.map_err(|error| TensorMetaError::Tensor { index: 1, error })?);
    }
    Ok(())
}

#[test]
fn borrowed_reader_yields_the_same_tensor_views() {
    init();
    let f = frame(1);
    let watch = f.clone();
    let src = TensorSource::Borrowed { frame: f, reader: read_static_heads };
    assert_eq!(watch.refcount(), 2, "the source keeps the frame (and its tensors) alive");
    {
        let m = src.map().unwrap();
        let t = m.tensors();
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].rows(), t[0].anchors(), t[0].data()[0]), (5, 10, 0.25));
        assert_eq!((t[1].rows(), t[1].layout()), (6, TensorLayout::AnchorsFirst));
        assert_eq!(t[1].mapping().offset_x, 100.0);
    }
    let no_pts =
        TensorSource::Borrowed { frame: Buffer::with_size(8).unwrap(), reader: read_static_heads };
    assert_eq!(no_pts.map().unwrap_err(), TensorMetaError::Foreign("frame without PTS"));
    assert!(TensorSource::None.map().unwrap().tensors().is_empty());
    drop(src);
    assert_eq!(watch.refcount(), 1);
}

/// `take_storage` leaves an empty meta (removing it costs the probe more than the rest of its
/// work): `attach` refills it in place, and a pooled frame sheds it when it returns to its pool.
#[test]
fn an_emptied_meta_is_refilled_by_attach_and_dropped_by_the_pool() {
    init();
    let mut f = frame(0);
    tensor_meta::attach(f.get_mut().unwrap(), storage(50, 1.0), &[desc(0, 5, 10)]).unwrap();
    let t = tensor_meta::take_storage(f.get_mut().unwrap()).unwrap();
    assert_eq!(t.map().unwrap().tensors()[0].data()[0], 1.0);
    assert!(!tensor_meta::has_tensors(&f));
    // Refill: new storage and descriptors, readable as ever; a second attach is refused.
    let st = storage(24, 7.0);
    let watch = st.clone();
    let d = TensorDesc { layout: TensorLayout::AnchorsFirst, ..desc(0, 6, 4) };
    tensor_meta::attach(f.get_mut().unwrap(), st, &[d]).unwrap();
    assert_eq!(watch.refcount(), 2, "the meta holds the new storage");
    let r = FrameTensors::from_buffer(&f).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r.desc(0).unwrap().unwrap(), d);
    assert_eq!(r.map().unwrap().tensors()[0].data()[0], 7.0);
    drop(r);
    assert_eq!(
        tensor_meta::attach(f.get_mut().unwrap(), storage(24, 0.0), &[d]).unwrap_err(),
        TensorMetaError::AlreadyAttached
    );
    drop(f);
    assert_eq!(watch.refcount(), 1, "freeing the frame releases the refilled storage");
    drop(t);

    // A pool frame: take, release to the pool, acquire again: no meta left.
    let caps = Caps::parse(&format!("video/x-raw,format=NV12,width={W},height={H}")).unwrap();
    let info = gst::VideoInfo::from_caps(&caps).unwrap();
    let pool = BufferPool::new_video(&info, 1, 1).unwrap();
    pool.set_active(true).unwrap();
    let mut b = pool.acquire(false).unwrap();
    tensor_meta::attach(b.get_mut().unwrap(), storage(50, 0.0), &[desc(0, 5, 10)]).unwrap();
    let t = tensor_meta::take_storage(b.get_mut().unwrap()).unwrap();
    drop(b);
    let mut b = pool.acquire(false).unwrap();
    assert!(FrameTensors::from_buffer(&b).is_none());
    // Attaching to the recycled frame works (a fresh meta or a refill, either is fine).
    tensor_meta::attach(b.get_mut().unwrap(), storage(50, 3.0), &[desc(0, 5, 10)]).unwrap();
    assert!(tensor_meta::has_tensors(&b));
    drop((b, t));
    pool.set_active(false).unwrap();
}
