//! `GstBufferPool`: a fixed set of frame buffers allocated once and recycled.
//!
//! The delay ring holds up to 210 frames for 7 s, so its frames cannot come from an upstream pool
//! of a handful of buffers (a buffer goes back to its pool only at its last unref: the source
//! would starve). The ring's owner creates ONE pool with `min = max = capacity + headroom`,
//! activating it allocates all `min` buffers up front, and steady state only recycles them:
//! no allocation per frame, and a hard bound on frame memory. The pool is offered to upstream by
//! answering the ALLOCATION query (see [`Pad::answer_allocation`](super::Pad::answer_allocation)).

use std::fmt;
use std::ptr::{self, NonNull};

use gstreamer_sys as sys;
use gstreamer_video_sys as vsys;

use super::buffer::Buffer;
use super::caps::Caps;
use super::glib_util::{object_name, sink_floating};
use super::video::VideoInfo;
use super::{Error, FlowError, live};

/// One owned reference to a `GstBufferPool`.
#[repr(transparent)]
pub struct BufferPool {
    ptr: NonNull<sys::GstBufferPool>,
}

// SAFETY: GstBufferPool is a thread-safe GstObject (internal locking, atomic refcount).
unsafe impl Send for BufferPool {}
// SAFETY: as above.
unsafe impl Sync for BufferPool {}

/// A pool's configuration as GStreamer reports it.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// Caps of the buffers (may be absent for a plain byte pool).
    pub caps: Option<Caps>,
    /// Bytes per buffer.
    pub size: u32,
    /// Buffers allocated when the pool is activated.
    pub min: u32,
    /// Most buffers the pool ever holds (0 = unlimited).
    pub max: u32,
}

impl BufferPool {
    /// A video buffer pool for frames of `info`, with `min`..=`max` buffers (use `min == max`
    /// for a fixed, preallocated set). Buffers carry a `GstVideoMeta` describing their layout.
    pub fn new_video(info: &VideoInfo, min: u32, max: u32) -> Result<BufferPool, Error> {
        let t = live::begin()?;
        // SAFETY: returns a new pool (full reference, possibly floating).
        let p = unsafe { vsys::gst_video_buffer_pool_new() };
        let pool = Self::adopt(p, t)?;
        let caps = info.to_caps()?;
        let size = u32::try_from(info.size())
            .map_err(|_| Error::Pool(format!("frame size {} does not fit in u32", info.size())))?;
        pool.configure(Some(&caps), size, min, max, true)?;
        Ok(pool)
    }

    /// A plain pool of `size`-byte buffers (`caps` optional), `min`..=`max` buffers.
    pub fn new(caps: Option<&Caps>, size: u32, min: u32, max: u32) -> Result<BufferPool, Error> {
        let t = live::begin()?;
        // SAFETY: returns a new pool (full reference, possibly floating).
        let p = unsafe { sys::gst_buffer_pool_new() };
        let pool = Self::adopt(p, t)?;
        pool.configure(caps, size, min, max, false)?;
        Ok(pool)
    }

    fn adopt(p: *mut sys::GstBufferPool, t: live::Token) -> Result<BufferPool, Error> {
        let ptr = NonNull::new(p).ok_or_else(|| Error::Pool("could not create pool".into()))?;
        // SAFETY: a new object we hold one reference to.
        unsafe { sink_floating(ptr.as_ptr().cast()) };
        t.keep();
        Ok(BufferPool { ptr })
    }

    fn configure(
        &self,
        caps: Option<&Caps>,
        size: u32,
        min: u32,
        max: u32,
        video_meta: bool,
    ) -> Result<(), Error> {
        if max != 0 && min > max {
            return Err(Error::Pool(format!("min {min} > max {max}")));
        }
        if size == 0 {
            return Err(Error::Pool("buffer size 0".into()));
        }
        // SAFETY: valid pool; get_config returns a copy we own, set_config takes it back
        // (transfer full); caps are borrowed by set_params (it takes its own reference).
        let ok = unsafe {
            let config = sys::gst_buffer_pool_get_config(self.as_ptr());
            let caps_ptr = caps.map_or(ptr::null_mut(), |c| c.as_ptr());
            sys::gst_buffer_pool_config_set_params(config, caps_ptr, size, min, max);
            if video_meta {
                sys::gst_buffer_pool_config_add_option(
                    config,
                    vsys::GST_BUFFER_POOL_OPTION_VIDEO_META.as_ptr().cast(),
                );
            }
            sys::gst_buffer_pool_set_config(self.as_ptr(), config)
        };
        if ok == 0 {
            return Err(Error::Pool(format!(
                "{} refused the configuration (size {size}, min {min}, max {max}); is it active?",
                self.name()
            )));
        }
        Ok(())
    }

    /// Takes a new reference to a borrowed pool.
    ///
    /// # Safety
    /// `ptr` is a valid `GstBufferPool` for the call.
    pub unsafe fn from_glib_borrow(ptr: NonNull<sys::GstBufferPool>) -> BufferPool {
        // SAFETY: valid object per the contract.
        unsafe { sys::gst_object_ref(ptr.as_ptr().cast()) };
        live::inc();
        BufferPool { ptr }
    }

    /// Takes ownership of a pool reference.
    ///
    /// # Safety
    /// `ptr` is valid and the caller transfers one (non-floating) reference.
    pub unsafe fn from_glib_full(ptr: NonNull<sys::GstBufferPool>) -> BufferPool {
        live::inc();
        BufferPool { ptr }
    }

    /// The raw pointer (identity for [`BufferRef::is_from_pool`](super::BufferRef::is_from_pool)).
    pub fn as_ptr(&self) -> *mut sys::GstBufferPool {
        self.ptr.as_ptr()
    }

    /// The pool's object name.
    pub fn name(&self) -> String {
        // SAFETY: valid object.
        unsafe { object_name(self.as_ptr().cast()) }
    }

    /// Activates (allocating the `min` buffers now) or deactivates the pool. Deactivation with
    /// buffers outstanding is allowed: they are freed when they come back.
    pub fn set_active(&self, active: bool) -> Result<(), Error> {
        // SAFETY: valid pool.
        let ok = unsafe { sys::gst_buffer_pool_set_active(self.as_ptr(), active as i32) };
        if ok == 0 {
            return Err(Error::Pool(format!(
                "{} could not be {} (out of memory, or not configured)",
                self.name(),
                if active { "activated" } else { "deactivated" }
            )));
        }
        Ok(())
    }

    /// Whether the pool is active.
    pub fn is_active(&self) -> bool {
        // SAFETY: valid pool.
        unsafe { sys::gst_buffer_pool_is_active(self.as_ptr()) != 0 }
    }

    /// Takes a buffer from the pool. With `wait == false` an empty pool returns
    /// [`FlowError::Exhausted`] at once; with `wait == true` it blocks until a buffer comes back
    /// (or the pool is deactivated: [`FlowError::Flushing`]). An inactive pool returns
    /// `Flushing`.
    pub fn acquire(&self, wait: bool) -> Result<Buffer, FlowError> {
        let mut buf: *mut sys::GstBuffer = ptr::null_mut();
        let mut params = sys::GstBufferPoolAcquireParams {
            format: sys::GST_FORMAT_UNDEFINED,
            start: 0,
            stop: 0,
            flags: if wait {
                sys::GST_BUFFER_POOL_ACQUIRE_FLAG_NONE
            } else {
                sys::GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT
            },
            _gst_reserved: [ptr::null_mut(); 4],
        };
        // SAFETY: valid pool, out-pointer and params; on OK `buf` is a new buffer (transfer full).
        let ret =
            unsafe { sys::gst_buffer_pool_acquire_buffer(self.as_ptr(), &mut buf, &mut params) };
        match FlowError::result(ret) {
            Ok(()) => match NonNull::new(buf) {
                // SAFETY: a new buffer reference handed to us.
                Some(b) => Ok(unsafe { Buffer::from_glib_full(b) }),
                None => Err(FlowError::Error),
            },
            Err(FlowError::Eos) if !wait => Err(FlowError::Exhausted),
            Err(e) => Err(e),
        }
    }

    /// The current configuration.
    pub fn config(&self) -> PoolConfig {
        let (mut caps, mut size, mut min, mut max) = (ptr::null_mut(), 0, 0, 0);
        // SAFETY: get_config returns a copy we own and free; `caps` is borrowed from it, so we
        // take our own reference before freeing the structure.
        unsafe {
            let config = sys::gst_buffer_pool_get_config(self.as_ptr());
            sys::gst_buffer_pool_config_get_params(
                config, &mut caps, &mut size, &mut min, &mut max,
            );
            let caps = NonNull::new(caps).map(|c| Caps::from_glib_borrow(c));
            sys::gst_structure_free(config);
            PoolConfig { caps, size, min, max }
        }
    }
}

impl Clone for BufferPool {
    fn clone(&self) -> BufferPool {
        // SAFETY: we hold a reference.
        unsafe { BufferPool::from_glib_borrow(self.ptr) }
    }
}

impl Drop for BufferPool {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { sys::gst_object_unref(self.ptr.as_ptr().cast()) };
        live::dec();
    }
}

impl fmt::Debug for BufferPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufferPool")
            .field("name", &self.name())
            .field("active", &self.is_active())
            .finish()
    }
}
