//! `GstBuffer`: the owned frame handle [`Buffer`], its borrowed view [`BufferRef`] and the RAII
//! map guards.

use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::ptr::{self, NonNull};

use gstreamer_sys as sys;

use super::pool::BufferPool;
use super::{Error, live};

/// One owned reference to a `GstBuffer`: the frame handle the ring stores.
///
/// `Clone` takes a reference (`gst_mini_object_ref`), `Drop` releases it. A buffer from a pool
/// returns to its pool at its *last* release, so dropping a handle may run the pool's release
/// code (an atomic queue push); keep drops off deadline-critical paths when that matters.
#[repr(transparent)]
pub struct Buffer {
    ptr: NonNull<sys::GstBuffer>,
}

// SAFETY: GstBuffer reference counting is atomic, and mutation needs `&mut BufferRef`, which is
// handed out only for a writable (exclusively referenced) buffer; this is what gstreamer-rs does.
unsafe impl Send for Buffer {}
// SAFETY: shared access only reads fields that do not change while the buffer is shared.
unsafe impl Sync for Buffer {}

/// A borrowed view of a `GstBuffer`, reached through `&BufferRef` / `&mut BufferRef`.
///
/// `&mut BufferRef` exists only when the buffer is writable ([`Buffer::get_mut`], a probe's
/// [`ProbeInfo::buffer_mut`](super::ProbeInfo::buffer_mut)); setters live there.
#[repr(transparent)]
pub struct BufferRef(UnsafeCell<sys::GstBuffer>);

// SAFETY: as for `Buffer`: reads of a shared buffer are race-free, writes need `&mut`.
unsafe impl Send for BufferRef {}
// SAFETY: as above.
unsafe impl Sync for BufferRef {}

/// `GST_BUFFER_FLAG_*` bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct BufferFlags(pub u32);

impl BufferFlags {
    /// Live data.
    pub const LIVE: BufferFlags = BufferFlags(sys::GST_BUFFER_FLAG_LIVE);
    /// Decode but do not display.
    pub const DECODE_ONLY: BufferFlags = BufferFlags(sys::GST_BUFFER_FLAG_DECODE_ONLY);
    /// Discontinuity in the stream.
    pub const DISCONT: BufferFlags = BufferFlags(sys::GST_BUFFER_FLAG_DISCONT);
    /// Data may be corrupted.
    pub const CORRUPTED: BufferFlags = BufferFlags(sys::GST_BUFFER_FLAG_CORRUPTED);
    /// Gap (no data).
    pub const GAP: BufferFlags = BufferFlags(sys::GST_BUFFER_FLAG_GAP);
    /// May be dropped.
    pub const DROPPABLE: BufferFlags = BufferFlags(sys::GST_BUFFER_FLAG_DROPPABLE);
    /// Not a key frame.
    pub const DELTA_UNIT: BufferFlags = BufferFlags(sys::GST_BUFFER_FLAG_DELTA_UNIT);

    /// Whether every bit of `other` is set.
    pub fn contains(self, other: BufferFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for BufferFlags {
    type Output = BufferFlags;
    fn bitor(self, rhs: BufferFlags) -> BufferFlags {
        BufferFlags(self.0 | rhs.0)
    }
}

/// Reads one field of the C struct through a raw pointer, so no Rust reference spans fields that
/// GStreamer updates concurrently (the atomic refcount).
macro_rules! read_field {
    ($s:expr, $($f:tt)+) => {
        // SAFETY: `$s` is a live buffer; the timestamp, offset, flag and pool fields are written
        // only by an exclusive owner (`&mut BufferRef`) or by the pool after the last release.
        unsafe { ptr::addr_of!((*$s.as_ptr()).$($f)+).read() }
    };
}

/// Writes one field through a raw pointer; callers hold `&mut BufferRef` (exclusive access).
macro_rules! write_field {
    ($s:expr, $($f:ident).+, $v:expr) => {{
        let v = $v;
        // SAFETY: `&mut BufferRef` exists only for a writable buffer, so nobody else reads or
        // writes these fields meanwhile.
        unsafe { ptr::addr_of_mut!((*$s.as_ptr()).$($f).+).write(v) }
    }};
}

fn opt_time(t: u64) -> Option<u64> {
    (t != sys::GST_CLOCK_TIME_NONE).then_some(t)
}

impl Buffer {
    /// A new system-memory buffer of `size` bytes (contents uninitialised by GStreamer).
    pub fn with_size(size: usize) -> Result<Buffer, Error> {
        let t = live::begin()?;
        // SAFETY: NULL allocator/params select the defaults; the result is a new buffer
        // (transfer full) or NULL on allocation failure.
        let p = unsafe { sys::gst_buffer_new_allocate(ptr::null_mut(), size, ptr::null_mut()) };
        let ptr = NonNull::new(p)
            .ok_or_else(|| Error::Buffer(format!("could not allocate {size} bytes")))?;
        t.keep();
        Ok(Buffer { ptr })
    }

    /// A new buffer holding a copy of `data`.
    pub fn from_slice(data: &[u8]) -> Result<Buffer, Error> {
        let mut b = Buffer::with_size(data.len())?;
        {
            let r = b.get_mut().ok_or(Error::NotWritable("new buffer"))?;
            r.map_writable()?.copy_from_slice(data);
        }
        Ok(b)
    }

    /// Wraps a pointer whose reference the caller transfers to the handle.
    ///
    /// # Safety
    /// `ptr` is a valid `GstBuffer` and the caller gives up one reference to it.
    pub unsafe fn from_glib_full(ptr: NonNull<sys::GstBuffer>) -> Buffer {
        live::inc();
        Buffer { ptr }
    }

    /// Takes a new reference to a borrowed buffer (e.g. the one a pad probe sees).
    ///
    /// # Safety
    /// `ptr` is a valid `GstBuffer` for the duration of the call.
    pub unsafe fn from_glib_borrow(ptr: NonNull<sys::GstBuffer>) -> Buffer {
        // SAFETY: `ptr` is a valid mini object per the contract.
        unsafe { sys::gst_mini_object_ref(ptr.as_ptr().cast()) };
        live::inc();
        Buffer { ptr }
    }

    /// Gives up the handle's reference (transfer full), e.g. for `gst_app_src_push_buffer`.
    pub fn into_raw(self) -> NonNull<sys::GstBuffer> {
        let ptr = ManuallyDrop::new(self).ptr;
        live::dec();
        ptr
    }

    /// The raw pointer, still owned by the handle.
    pub fn as_ptr(&self) -> *mut sys::GstBuffer {
        self.ptr.as_ptr()
    }

    /// Mutable access when this handle is the only reference (no copy is ever made).
    pub fn get_mut(&mut self) -> Option<&mut BufferRef> {
        // SAFETY: `self.ptr` is valid while the handle lives; `&mut self` excludes other users
        // of this handle and `is_writable` excludes other references.
        unsafe {
            if sys::gst_mini_object_is_writable(self.ptr.as_ptr().cast()) != 0 {
                Some(BufferRef::from_mut_ptr(self.ptr.as_ptr()))
            } else {
                None
            }
        }
    }

    /// Mutable access, first replacing a shared buffer with a shallow copy (memory is shared,
    /// the `GstBuffer` struct and its metas are copied; this allocates).
    pub fn make_mut(&mut self) -> &mut BufferRef {
        // SAFETY: make_writable consumes our reference and returns a writable buffer holding one
        // reference (the same pointer if already writable).
        unsafe {
            let p = sys::gst_mini_object_make_writable(self.ptr.as_ptr().cast());
            self.ptr = NonNull::new_unchecked(p.cast());
            BufferRef::from_mut_ptr(self.ptr.as_ptr())
        }
    }
}

impl Clone for Buffer {
    fn clone(&self) -> Buffer {
        // SAFETY: the handle holds a reference, so the pointer is valid.
        unsafe { Buffer::from_glib_borrow(self.ptr) }
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        // SAFETY: the handle owns exactly one reference.
        unsafe { sys::gst_mini_object_unref(self.ptr.as_ptr().cast()) };
        live::dec();
    }
}

impl Deref for Buffer {
    type Target = BufferRef;
    fn deref(&self) -> &BufferRef {
        // SAFETY: valid while the handle lives; shared access only.
        unsafe { BufferRef::from_ptr(self.ptr.as_ptr()) }
    }
}

impl fmt::Debug for Buffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl BufferRef {
    /// Borrows a raw buffer.
    ///
    /// # Safety
    /// `ptr` is a valid `GstBuffer` that stays alive (someone holds a reference) for `'a`.
    pub unsafe fn from_ptr<'a>(ptr: *mut sys::GstBuffer) -> &'a BufferRef {
        // SAFETY: `BufferRef` is `repr(transparent)` over the struct; validity per the contract.
        unsafe { &*(ptr as *const BufferRef) }
    }

    /// Borrows a raw buffer mutably.
    ///
    /// # Safety
    /// As [`from_ptr`](Self::from_ptr), and the buffer is writable and not accessed by anyone
    /// else for `'a`.
    pub unsafe fn from_mut_ptr<'a>(ptr: *mut sys::GstBuffer) -> &'a mut BufferRef {
        // SAFETY: as above, plus exclusivity per the contract.
        unsafe { &mut *(ptr as *mut BufferRef) }
    }

    /// The raw pointer.
    pub fn as_ptr(&self) -> *mut sys::GstBuffer {
        self.0.get()
    }

    /// A new owned reference to this buffer.
    pub fn to_owned_buffer(&self) -> Buffer {
        // SAFETY: `self` is a live buffer.
        unsafe { Buffer::from_glib_borrow(NonNull::new_unchecked(self.as_ptr())) }
    }

    /// Presentation timestamp in ns (`None` for `GST_CLOCK_TIME_NONE`).
    pub fn pts(&self) -> Option<u64> {
        opt_time(read_field!(self, pts))
    }

    /// Decoding timestamp in ns.
    pub fn dts(&self) -> Option<u64> {
        opt_time(read_field!(self, dts))
    }

    /// Duration in ns.
    pub fn duration(&self) -> Option<u64> {
        opt_time(read_field!(self, duration))
    }

    /// Media-specific offset (frame number for video sources), `None` if unset.
    pub fn offset(&self) -> Option<u64> {
        let o = read_field!(self, offset);
        (o != u64::MAX).then_some(o)
    }

    /// Buffer flags.
    pub fn flags(&self) -> BufferFlags {
        BufferFlags(read_field!(self, mini_object.flags))
    }

    /// Total size of the buffer's memory in bytes.
    pub fn size(&self) -> usize {
        // SAFETY: valid buffer; gst_buffer_get_size only reads.
        unsafe { sys::gst_buffer_get_size(self.as_ptr()) }
    }

    /// Whether only one reference exists (mutation allowed).
    pub fn is_writable(&self) -> bool {
        // SAFETY: valid mini object.
        unsafe { sys::gst_mini_object_is_writable(self.as_ptr().cast()) != 0 }
    }

    /// Current reference count (diagnostics and tests only; use [`is_writable`](Self::is_writable)
    /// for decisions).
    pub fn refcount(&self) -> i32 {
        // SAFETY: an atomic read of the refcount field of a live mini object.
        unsafe {
            let rc = ptr::addr_of!((*self.as_ptr()).mini_object.refcount);
            std::sync::atomic::AtomicI32::from_ptr(rc as *mut i32)
                .load(std::sync::atomic::Ordering::Relaxed)
        }
    }

    /// The pool this buffer was acquired from (`NULL` if none), as an identity.
    pub fn pool_ptr(&self) -> *const sys::GstBufferPool {
        read_field!(self, pool)
    }

    /// Whether this buffer belongs to `pool` (it returns there at its last release).
    pub fn is_from_pool(&self, pool: &BufferPool) -> bool {
        ptr::eq(self.pool_ptr(), pool.as_ptr())
    }

    /// Maps the buffer's memory for reading; unmapped when the guard drops.
    pub fn map_readable(&self) -> Result<BufferMap<'_>, Error> {
        // SAFETY: an all-zero GstMapInfo is a valid "empty" value for an out-parameter.
        let mut info: sys::GstMapInfo = unsafe { std::mem::zeroed() };
        // SAFETY: valid buffer and out-pointer; READ never modifies the buffer.
        let ok = unsafe { sys::gst_buffer_map(self.as_ptr(), &mut info, sys::GST_MAP_READ) };
        if ok == 0 {
            return Err(Error::Buffer("could not map for reading".into()));
        }
        Ok(BufferMap { buf: self, info })
    }

    /// A shallow copy (new `GstBuffer` sharing the memory; metas are copied through their
    /// transform functions).
    pub fn copy(&self) -> Buffer {
        // SAFETY: valid buffer; gst_buffer_copy returns a new buffer (transfer full).
        unsafe {
            Buffer::from_glib_full(NonNull::new_unchecked(sys::gst_buffer_copy(self.as_ptr())))
        }
    }

    /// A deep copy (memory copied too).
    pub fn deep_copy(&self) -> Result<Buffer, Error> {
        // SAFETY: valid buffer; returns a new buffer or NULL on allocation failure.
        let p = unsafe { sys::gst_buffer_copy_deep(self.as_ptr()) };
        NonNull::new(p)
            // SAFETY: a new buffer we own.
            .map(|p| unsafe { Buffer::from_glib_full(p) })
            .ok_or_else(|| Error::Buffer("deep copy failed".into()))
    }

    /// Sets the PTS (`None` clears it).
    pub fn set_pts(&mut self, pts: Option<u64>) {
        write_field!(self, pts, pts.unwrap_or(sys::GST_CLOCK_TIME_NONE));
    }

    /// Sets the DTS.
    pub fn set_dts(&mut self, dts: Option<u64>) {
        write_field!(self, dts, dts.unwrap_or(sys::GST_CLOCK_TIME_NONE));
    }

    /// Sets the duration.
    pub fn set_duration(&mut self, duration: Option<u64>) {
        write_field!(self, duration, duration.unwrap_or(sys::GST_CLOCK_TIME_NONE));
    }

    /// Sets the offset.
    pub fn set_offset(&mut self, offset: Option<u64>) {
        write_field!(self, offset, offset.unwrap_or(u64::MAX));
    }

    /// Sets flag bits.
    pub fn set_flags(&mut self, flags: BufferFlags) {
        let f = read_field!(self, mini_object.flags);
        write_field!(self, mini_object.flags, f | flags.0);
    }

    /// Clears flag bits.
    pub fn unset_flags(&mut self, flags: BufferFlags) {
        let f = read_field!(self, mini_object.flags);
        write_field!(self, mini_object.flags, f & !flags.0);
    }

    /// Sets the size of the buffer's data (shrinking it, or growing it back up to the memory's
    /// allocated size). A pool buffer gets its full size back when it returns to its pool, so
    /// pooled buffers can carry variable-length payloads (audio chunks) without allocating.
    pub fn set_size(&mut self, size: usize) -> Result<(), Error> {
        let mut max: usize = 0;
        // SAFETY: valid buffer; NULL offset out-pointer is allowed; `max` is a valid out-pointer.
        unsafe { sys::gst_buffer_get_sizes(self.as_ptr(), ptr::null_mut(), &mut max) };
        if size > max {
            return Err(Error::Buffer(format!("size {size} exceeds the buffer's {max} bytes")));
        }
        // SAFETY: valid, writable buffer (we hold `&mut`); `size` is within the allocated
        // memory, which `gst_buffer_set_size` requires.
        unsafe { sys::gst_buffer_set_size(self.as_ptr(), size as isize) };
        Ok(())
    }

    /// Maps the buffer's memory for writing; unmapped when the guard drops.
    pub fn map_writable(&mut self) -> Result<BufferMapMut<'_>, Error> {
        // SAFETY: as in `map_readable`.
        let mut info: sys::GstMapInfo = unsafe { std::mem::zeroed() };
        // SAFETY: valid, writable buffer (we hold `&mut`) and a valid out-pointer.
        let ok = unsafe { sys::gst_buffer_map(self.as_ptr(), &mut info, sys::GST_MAP_WRITE) };
        if ok == 0 {
            return Err(Error::Buffer("could not map for writing".into()));
        }
        let ptr = self.as_ptr();
        Ok(BufferMapMut { ptr, info, _buf: PhantomData })
    }
}

impl fmt::Debug for BufferRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Buffer")
            .field("ptr", &self.as_ptr())
            .field("pts", &self.pts())
            .field("duration", &self.duration())
            .field("size", &self.size())
            .field("refcount", &self.refcount())
            .finish()
    }
}

/// A readable mapping of a buffer's memory; `Deref<Target = [u8]>`; unmaps on drop.
pub struct BufferMap<'a> {
    buf: &'a BufferRef,
    info: sys::GstMapInfo,
}

impl BufferMap<'_> {
    /// The mapped bytes.
    pub fn as_slice(&self) -> &[u8] {
        if self.info.size == 0 || self.info.data.is_null() {
            return &[];
        }
        // SAFETY: GStreamer guarantees `data` points to `size` readable bytes while mapped; the
        // mapping lives as long as `self`.
        unsafe { std::slice::from_raw_parts(self.info.data, self.info.size) }
    }
}

impl Deref for BufferMap<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Drop for BufferMap<'_> {
    fn drop(&mut self) {
        // SAFETY: `info` came from a successful gst_buffer_map of this buffer.
        unsafe { sys::gst_buffer_unmap(self.buf.as_ptr(), &mut self.info) };
    }
}

impl fmt::Debug for BufferMap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufferMap").field("size", &self.info.size).finish()
    }
}

/// A writable mapping; `DerefMut<Target = [u8]>`; unmaps on drop.
pub struct BufferMapMut<'a> {
    ptr: *mut sys::GstBuffer,
    info: sys::GstMapInfo,
    _buf: PhantomData<&'a mut BufferRef>,
}

impl Deref for BufferMapMut<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        if self.info.size == 0 || self.info.data.is_null() {
            return &[];
        }
        // SAFETY: `data` points to `size` bytes while mapped.
        unsafe { std::slice::from_raw_parts(self.info.data, self.info.size) }
    }
}

impl DerefMut for BufferMapMut<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        if self.info.size == 0 || self.info.data.is_null() {
            return &mut [];
        }
        // SAFETY: mapped for writing; the guard holds the exclusive borrow of the buffer.
        unsafe { std::slice::from_raw_parts_mut(self.info.data, self.info.size) }
    }
}

impl Drop for BufferMapMut<'_> {
    fn drop(&mut self) {
        // SAFETY: `info` came from a successful gst_buffer_map of `ptr`.
        unsafe { sys::gst_buffer_unmap(self.ptr, &mut self.info) };
    }
}

impl fmt::Debug for BufferMapMut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufferMapMut").field("size", &self.info.size).finish()
    }
}
