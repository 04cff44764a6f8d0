//! `GstBuffer` → `NvBufSurface` mapping and validation, on system-memory buffers laid out like
//! NVMM ones; and, with the `deepstream` feature, the NvBufSurface / NvBufSurfTransform / meta-lock
//! wrappers against whatever libraries the build linked — on this machine the stubs of
//! tests/c/ds_stub.c, linked through the real `build.rs` path by tests/deepstream_bindgen.rs.

#[path = "deepstream_support.rs"]
mod support;

use std::ffi::c_void;

use pitchcam::deepstream::abi::{NvBufSurface, NvBufSurfaceMemType, NvBufSurfaceParams};
use pitchcam::deepstream::{DsError, MappedSurface};

/// A buffer whose memory is `bytes` (wrapped, not copied).
fn wrap(bytes: *mut u8, size: usize) -> *mut gstreamer_sys::GstBuffer {
    support::gst_init();
    // SAFETY: `bytes` outlives the buffer in every test below; no free function.
    unsafe {
        gstreamer_sys::gst_buffer_new_wrapped_full(
            0,
            bytes.cast::<c_void>(),
            size,
            0,
            size,
            std::ptr::null_mut(),
            None,
        )
    }
}

fn unref(b: *mut gstreamer_sys::GstBuffer) {
    // SAFETY: we own one reference.
    unsafe { gstreamer_sys::gst_mini_object_unref(b.cast()) };
}

/// Maps a descriptor copy and returns the result with the surface's `numFilled`.
fn map_result(s: &mut NvBufSurface, size: usize) -> Result<u32, DsError> {
    let buf = wrap((s as *mut NvBufSurface).cast(), size);
    // SAFETY: a valid buffer we own; the descriptor and its list outlive the mapping.
    let r = unsafe { MappedSurface::map(buf) }.map(|m| m.num_filled());
    unref(buf);
    r
}

#[test]
fn mapped_surface_reads_and_validates() {
    // SAFETY: all-zero is a valid NvBufSurfaceParams / NvBufSurface (integers, NULL pointers).
    let mut list: Vec<NvBufSurfaceParams> = (0..3).map(|_| unsafe { std::mem::zeroed() }).collect();
    for (i, p) in list.iter_mut().enumerate() {
        p.width = 5700 + i as u32;
        p.height = 1900;
    }
    // SAFETY: as above.
    let mut s: NvBufSurface = unsafe { std::mem::zeroed() };
    s.batch_size = 3;
    s.num_filled = 2;
    s.mem_type = NvBufSurfaceMemType::SURFACE_ARRAY;
    s.surface_list = list.as_mut_ptr();
    let size = size_of::<NvBufSurface>();

    let buf = wrap((&mut s as *mut NvBufSurface).cast(), size);
    {
        // SAFETY: as in `map_result`.
        let m = unsafe { MappedSurface::map(buf) }.expect("valid descriptor");
        assert_eq!(m.num_filled(), 2);
        assert_eq!(m.surface().mem_type, NvBufSurfaceMemType::SURFACE_ARRAY);
        assert_eq!(m.params(1).expect("entry 1").width, 5701);
        assert_eq!(m.params(2).map(|_| ()), Err(DsError::NoSuchSurface { index: 2, filled: 2 }));
        assert_eq!(m.as_ptr().cast_const(), &s as *const NvBufSurface);
    }
    unref(buf);

    assert_eq!(
        map_result(&mut s, size - 1),
        Err(DsError::SurfaceTooSmall { size: size - 1, expected: size })
    );
    let mut bad = s;
    bad.batch_size = 0;
    assert_eq!(map_result(&mut bad, size), Err(DsError::BadSurface("batchSize")));
    let mut bad = s;
    bad.num_filled = 4;
    assert_eq!(map_result(&mut bad, size), Err(DsError::BadSurface("numFilled")));
    let mut bad = s;
    bad.mem_type = NvBufSurfaceMemType(99);
    assert_eq!(map_result(&mut bad, size), Err(DsError::BadSurface("memType")));
    let mut bad = s;
    bad.surface_list = std::ptr::null_mut();
    assert_eq!(map_result(&mut bad, size), Err(DsError::NullPointer("surfaceList")));
    let mut bad = s;
    bad.surface_list = (list.as_mut_ptr() as usize + 4) as *mut NvBufSurfaceParams;
    assert_eq!(map_result(&mut bad, size), Err(DsError::Misaligned("surfaceList")));
    // SAFETY: NULL is accepted and reported.
    assert_eq!(
        unsafe { MappedSurface::map(std::ptr::null_mut()) }.map(|_| ()),
        Err(DsError::NullPointer("GstBuffer"))
    );
}

#[cfg(feature = "deepstream")]
mod linked {
    use std::ffi::{CString, c_int};

    use pitchcam::core::geom::Rect;
    use pitchcam::deepstream::abi::{
        NvBufSurfTransformCompute, NvBufSurfTransformInter, NvBufSurfaceColorFormat,
        NvBufSurfaceCreateParams, NvBufSurfaceLayout, NvBufSurfaceMemMapFlags, NvBufSurfaceMemType,
    };
    use pitchcam::deepstream::nvbuf::{AsSurface, MetaLock, OwnedSurface, TransformSession};
    use pitchcam::deepstream::pipeline::PlaybackTransform;
    use pitchcam::deepstream::{DsError, batch_meta_from_buffer};

    use super::support;

    /// Whether the linked libraries are the stubs of tests/c/ds_stub.c (the nested build of
    /// tests/deepstream_bindgen.rs) rather than a real DeepStream install (on a Jetson).
    fn linked_to_stubs() -> bool {
        // SAFETY: looks a symbol up in the already-loaded libraries.
        !unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"pc_stub_sync_count".as_ptr()) }.is_null()
    }

    /// Calls `int name(void)`, a counter the linked (stub) library exports for tests; absent
    /// from real DeepStream.
    fn stub_fn(name: &str) -> c_int {
        let c = CString::new(name).unwrap();
        // SAFETY: looks the symbol up in the already-loaded libraries.
        let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c.as_ptr()) };
        assert!(!p.is_null(), "{name}: this test needs the stub libraries of tests/c/ds_stub.c");
        // SAFETY: the stub defines it as `int name(void)`.
        let f = unsafe {
            std::mem::transmute_copy::<*mut std::ffi::c_void, unsafe extern "C" fn() -> c_int>(&p)
        };
        // SAFETY: a side-effect-free counter read.
        unsafe { f() }
    }

    fn nv12(w: u32, h: u32) -> NvBufSurfaceCreateParams {
        NvBufSurfaceCreateParams::new(
            0,
            w,
            h,
            NvBufSurfaceColorFormat::NV12,
            NvBufSurfaceLayout::PITCH,
            NvBufSurfaceMemType::DEFAULT,
        )
    }

    /// Plane `plane` of entry 0 as a byte slice (after `map`).
    fn plane(s: &mut OwnedSurface, plane: usize) -> &mut [u8] {
        let p = s.params(0).unwrap();
        let len = p.plane_params.psize[plane] as usize;
        let addr = p.mapped_addr.addr[plane].cast::<u8>();
        assert!(!addr.is_null(), "plane {plane} not mapped");
        // SAFETY: the mapping covers `psize` bytes and `s` is borrowed mutably for the slice.
        unsafe { std::slice::from_raw_parts_mut(addr, len) }
    }

    #[test]
    fn owned_surfaces_map_and_crop_through_the_transform() {
        let mut src = OwnedSurface::create(1, &nv12(640, 360)).expect("create src");
        let mut dst = OwnedSurface::create(1, &nv12(320, 180)).expect("create dst");
        src.set_num_filled(1).unwrap();
        dst.set_num_filled(1).unwrap();
        let sp = *src.params(0).unwrap();
        assert_eq!((sp.width, sp.height, sp.plane_params.num_planes), (640, 360, 2));
        assert!(sp.pitch >= 640);
        src.map(-1, -1, NvBufSurfaceMemMapFlags::READ_WRITE).expect("map src");
        dst.map(0, -1, NvBufSurfaceMemMapFlags::READ_WRITE).expect("map dst");
        let pitch = sp.pitch as usize;
        for (i, v) in plane(&mut src, 0).iter_mut().enumerate() {
            let (x, y) = (i % pitch, i / pitch);
            *v = (x as u8).wrapping_mul(3) ^ (y as u8);
        }
        for (i, v) in plane(&mut src, 1).iter_mut().enumerate() {
            *v = (i % 251) as u8;
        }
        src.sync_for_device(0, -1).expect("sync");

        let stubs = linked_to_stubs();
        println!("linked to {}", if stubs { "the test stubs" } else { "DeepStream" });
        if stubs {
            // On a thread without session parameters the (strict) stub refuses: the per-thread
            // contract the `!Send` TransformSession encodes.
            let (src_addr, dst_addr) = (src.surface_ptr() as usize, dst.surface_ptr() as usize);
            let refused = std::thread::scope(|s| {
                s.spawn(move || {
                    // SAFETY: live descriptors; no rects are read without CROP flags.
                    let mut p = pitchcam::deepstream::abi::NvBufSurfTransformParams::new(
                        0,
                        NvBufSurfTransformInter::NEAREST,
                        std::ptr::null_mut(),
                        std::ptr::null_mut(),
                    );
                    // SAFETY: as above.
                    unsafe {
                        pitchcam::deepstream::nvbuf::NvBufSurfTransform(
                            src_addr as *mut pitchcam::deepstream::abi::NvBufSurface,
                            dst_addr as *mut pitchcam::deepstream::abi::NvBufSurface,
                            &mut p,
                        )
                    }
                })
                .join()
                .unwrap()
            });
            assert_eq!(refused.0, -3);
        }

        let t = PlaybackTransform::for_current_thread(
            NvBufSurfTransformCompute::VIC,
            NvBufSurfTransformInter::NEAREST,
        )
        .expect("session");
        if stubs {
            assert_eq!(stub_fn("pc_stub_session_compute"), 2, "VIC requested");
        }
        let crop = Rect { x: 64, y: 32, w: 320, h: 180 };
        t.crop_into(&src, 0, &mut dst, 0, crop).expect("crop");
        dst.sync_for_cpu(0, -1).expect("sync");
        let dpitch = dst.params(0).unwrap().pitch as usize;
        let sy = plane(&mut src, 0).to_vec();
        let dy = plane(&mut dst, 0).to_vec();
        for y in 0..180 {
            for x in 0..320 {
                assert_eq!(
                    dy[y * dpitch + x],
                    sy[(y + 32) * pitch + x + 64],
                    "Y at ({x},{y}): left/top must not be swapped"
                );
            }
        }
        let suv = plane(&mut src, 1).to_vec();
        let duv = plane(&mut dst, 1).to_vec();
        for y in 0..90 {
            for x in 0..160 {
                let d = y * dpitch + x * 2;
                let s = (y + 16) * pitch + (x + 32) * 2;
                assert_eq!((duv[d], duv[d + 1]), (suv[s], suv[s + 1]), "UV at ({x},{y})");
            }
        }
        if stubs {
            assert!(stub_fn("pc_stub_sync_count") >= 2);
        }

        // Bad crops are refused before the library is called.
        let outside = Rect { x: 400, y: 0, w: 320, h: 180 };
        assert_eq!(t.crop_into(&src, 0, &mut dst, 0, outside), Err(DsError::BadRect));
        assert_eq!(
            t.crop_into(&src, 1, &mut dst, 0, crop),
            Err(DsError::NoSuchSurface { index: 1, filled: 1 })
        );
        src.unmap(-1, -1).expect("unmap");
        assert!(OwnedSurface::create(0, &nv12(64, 64)).is_err(), "refused before the library");
        if stubs {
            // What the stub does; DeepStream's own answers to these are not documented.
            assert!(src.params(0).unwrap().mapped_addr.addr[0].is_null());
            assert_eq!(
                OwnedSurface::create(1, &nv12(63, 64)).map(|_| ()),
                Err(DsError::Call { function: "NvBufSurfaceCreate", status: -1 })
            );
            assert!(TransformSession::for_current_thread(NvBufSurfTransformCompute(7), 0).is_err());
        }
    }

    /// Stub-only: the fixture's metadata is not allocated from DeepStream's pools, so real
    /// `nvds_remove_user_meta_from_frame` must not be given it. On a Jetson, run the other tests
    /// (docs/jetson.md lists them).
    #[test]
    fn a_decoded_tensor_meta_can_be_detached_under_the_meta_lock() {
        assert!(
            linked_to_stubs(),
            "this test needs the stub libraries of tests/c/ds_stub.c (it runs from \
             tests/deepstream_bindgen.rs); on real DeepStream skip it with \
             `--skip a_decoded_tensor_meta`"
        );
        let _g = support::serial();
        let f = support::meta_fixture(pitchcam::deepstream::abi::ABI_B);
        // SAFETY: a valid spec; the fixture returns an owned buffer.
        let buf = unsafe { (f.buffer)(&support::Spec::new(1, 0)) };
        assert!(!buf.is_null());
        {
            // SAFETY: we hold the buffer; only this test touches its meta.
            let batch = unsafe { batch_meta_from_buffer(buf) }.unwrap().unwrap();
            let frame = batch.frames().next().unwrap().unwrap();
            let tm = frame.tensor_metas().next().unwrap().unwrap();
            assert!(!tm.user_meta_ptr().is_null());
            let batch_ptr = std::ptr::NonNull::from(batch.raw());
            // SAFETY: the batch lives as long as `buf`, which outlives the guard.
            let lock = unsafe { MetaLock::acquire(batch_ptr) };
            assert_eq!(stub_fn("pc_stub_locks_held"), 1);
            // SAFETY: frame and user meta belong to the locked batch; `tm` is not used again.
            unsafe {
                lock.remove_user_meta(
                    frame.raw() as *const _ as *mut pitchcam::deepstream::abi::NvDsFrameMeta,
                    tm.user_meta_ptr().cast_mut(),
                )
            };
            drop(lock);
            assert_eq!(stub_fn("pc_stub_locks_held"), 0);
            assert_eq!(frame.tensor_metas().count(), 0, "the tensor meta is detached");
        }
        // SAFETY: our reference.
        unsafe { gstreamer_sys::gst_mini_object_unref(buf.cast()) };
    }
}
