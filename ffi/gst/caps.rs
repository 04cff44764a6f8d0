//! `GstCaps`: owned, immutable-by-convention media type descriptions.

use std::fmt;
use std::ptr::NonNull;
use std::str::FromStr;

use gstreamer_sys as sys;

use super::glib_util::take_gstr;
use super::{Error, cstring, live, lossy};

/// One owned reference to a `GstCaps`.
#[repr(transparent)]
pub struct Caps {
    ptr: NonNull<sys::GstCaps>,
}

// SAFETY: caps are reference counted atomically; pitchcam never mutates shared caps.
unsafe impl Send for Caps {}
// SAFETY: as above, shared access is read-only.
unsafe impl Sync for Caps {}

impl Caps {
    /// Parses a caps string (`"video/x-raw,format=NV12,width=640,height=360"`).
    pub fn parse(s: &str) -> Result<Caps, Error> {
        let c = cstring(s)?;
        let t = live::begin()?;
        // SAFETY: valid C string; returns new caps (transfer full) or NULL when it does not parse.
        let p = unsafe { sys::gst_caps_from_string(c.as_ptr()) };
        let ptr = NonNull::new(p).ok_or_else(|| Error::Caps(s.to_owned()))?;
        t.keep();
        Ok(Caps { ptr })
    }

    /// Takes ownership of a caps reference.
    ///
    /// # Safety
    /// `ptr` is valid and the caller transfers one reference.
    pub unsafe fn from_glib_full(ptr: NonNull<sys::GstCaps>) -> Caps {
        live::inc();
        Caps { ptr }
    }

    /// Takes a new reference to borrowed caps.
    ///
    /// # Safety
    /// `ptr` is valid for the call.
    pub unsafe fn from_glib_borrow(ptr: NonNull<sys::GstCaps>) -> Caps {
        // SAFETY: valid mini object per the contract.
        unsafe { sys::gst_mini_object_ref(ptr.as_ptr().cast()) };
        live::inc();
        Caps { ptr }
    }

    /// The raw pointer, still owned by `self`.
    pub fn as_ptr(&self) -> *mut sys::GstCaps {
        self.ptr.as_ptr()
    }

    /// Gives up the reference (transfer full).
    pub fn into_raw(self) -> NonNull<sys::GstCaps> {
        let ptr = std::mem::ManuallyDrop::new(self).ptr;
        live::dec();
        ptr
    }

    /// Whether every field has exactly one value.
    pub fn is_fixed(&self) -> bool {
        // SAFETY: valid caps.
        unsafe { sys::gst_caps_is_fixed(self.as_ptr()) != 0 }
    }

    /// Whether both describe the same set of formats.
    pub fn is_equal(&self, other: &Caps) -> bool {
        // SAFETY: valid caps.
        unsafe { sys::gst_caps_is_equal(self.as_ptr(), other.as_ptr()) != 0 }
    }

    /// Whether `self` is a subset of `superset`.
    pub fn is_subset(&self, superset: &Caps) -> bool {
        // SAFETY: valid caps.
        unsafe { sys::gst_caps_is_subset(self.as_ptr(), superset.as_ptr()) != 0 }
    }

    /// The media type of the first structure (`"video/x-raw"`), if any.
    pub fn media_type(&self) -> Option<String> {
        // SAFETY: valid caps; index 0 is checked by the size test; the structure is borrowed.
        unsafe {
            if sys::gst_caps_get_size(self.as_ptr()) == 0 {
                return None;
            }
            let s = sys::gst_caps_get_structure(self.as_ptr(), 0);
            Some(lossy(sys::gst_structure_get_name(s)))
        }
    }
}

impl FromStr for Caps {
    type Err = Error;
    fn from_str(s: &str) -> Result<Caps, Error> {
        Caps::parse(s)
    }
}

impl Clone for Caps {
    fn clone(&self) -> Caps {
        // SAFETY: we hold a reference.
        unsafe { Caps::from_glib_borrow(self.ptr) }
    }
}

impl Drop for Caps {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { sys::gst_mini_object_unref(self.ptr.as_ptr().cast()) };
        live::dec();
    }
}

impl fmt::Display for Caps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: valid caps; the string is transfer full.
        let s = unsafe { take_gstr(sys::gst_caps_to_string(self.as_ptr())) };
        f.write_str(s.as_deref().unwrap_or(""))
    }
}

impl fmt::Debug for Caps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Caps({self})")
    }
}

impl PartialEq for Caps {
    fn eq(&self, other: &Caps) -> bool {
        self.is_equal(other)
    }
}
