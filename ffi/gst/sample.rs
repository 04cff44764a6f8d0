//! `GstSample`: a buffer plus its caps, as appsink hands them out.

use std::fmt;
use std::ptr::NonNull;

use gstreamer_sys as sys;

use super::buffer::{Buffer, BufferRef};
use super::caps::Caps;
use super::live;

/// One owned reference to a `GstSample`.
#[repr(transparent)]
pub struct Sample {
    ptr: NonNull<sys::GstSample>,
}

// SAFETY: samples are immutable, atomically reference counted.
unsafe impl Send for Sample {}
// SAFETY: as above.
unsafe impl Sync for Sample {}

impl Sample {
    /// Takes ownership of a sample reference.
    ///
    /// # Safety
    /// `ptr` is valid and the caller transfers one reference.
    pub unsafe fn from_glib_full(ptr: NonNull<sys::GstSample>) -> Sample {
        live::inc();
        Sample { ptr }
    }

    /// The raw pointer.
    pub fn as_ptr(&self) -> *mut sys::GstSample {
        self.ptr.as_ptr()
    }

    /// The sample's buffer, borrowed from the sample (`transfer none`).
    pub fn buffer(&self) -> Option<&BufferRef> {
        // SAFETY: the buffer is owned by the sample and lives as long as `self`.
        unsafe {
            let b = sys::gst_sample_get_buffer(self.as_ptr());
            (!b.is_null()).then(|| BufferRef::from_ptr(b))
        }
    }

    /// A new owned reference to the sample's buffer (outlives the sample).
    pub fn buffer_owned(&self) -> Option<Buffer> {
        self.buffer().map(BufferRef::to_owned_buffer)
    }

    /// The segment the sample's buffer belongs to (maps its PTS to running time).
    pub fn segment(&self) -> Option<super::Segment> {
        // SAFETY: transfer none; the segment is owned by the sample and valid while it lives;
        // `Segment::from_raw` copies the plain struct out.
        unsafe {
            let s = sys::gst_sample_get_segment(self.as_ptr());
            (!s.is_null()).then(|| super::Segment::from_raw(s))
        }
    }

    /// The sample's caps (a new reference).
    pub fn caps(&self) -> Option<Caps> {
        // SAFETY: transfer none; we take our own reference.
        unsafe {
            let c = sys::gst_sample_get_caps(self.as_ptr());
            NonNull::new(c).map(|c| Caps::from_glib_borrow(c))
        }
    }
}

impl Clone for Sample {
    fn clone(&self) -> Sample {
        // SAFETY: we hold a reference.
        unsafe { sys::gst_mini_object_ref(self.ptr.as_ptr().cast()) };
        live::inc();
        Sample { ptr: self.ptr }
    }
}

impl Drop for Sample {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { sys::gst_mini_object_unref(self.ptr.as_ptr().cast()) };
        live::dec();
    }
}

impl fmt::Debug for Sample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sample")
            .field("buffer", &self.buffer())
            .field("caps", &self.caps())
            .finish()
    }
}
