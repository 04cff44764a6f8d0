//! Small GLib helpers: owned C strings, GErrors, object names and types.

use std::ffi::c_char;

use glib_sys as glib;
use gobject_sys as gobject;
use gstreamer_sys as sys;

use super::lossy;

/// Copies and frees a `GError` (NULL → `None`).
///
/// # Safety
/// `err` is NULL or a `GError` the caller owns; it is freed here.
pub(crate) unsafe fn take_gerror(err: *mut glib::GError) -> Option<String> {
    if err.is_null() {
        return None;
    }
    // SAFETY: `err` is a valid GError owned by us; its message is a valid C string or NULL.
    let msg = unsafe { lossy((*err).message) };
    // SAFETY: we own `err` and do not use it afterwards.
    unsafe { glib::g_error_free(err) };
    Some(msg)
}

/// Copies and `g_free`s a string returned with transfer full (NULL → `None`).
///
/// # Safety
/// `p` is NULL or a `g_malloc`ed NUL-terminated string the caller owns.
pub(crate) unsafe fn take_gstr(p: *mut c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: valid NUL-terminated string per the contract.
    let s = unsafe { lossy(p) };
    // SAFETY: we own `p`.
    unsafe { glib::g_free(p.cast()) };
    Some(s)
}

/// The name of a `GstObject` (copied), or `"<unnamed>"`.
///
/// # Safety
/// `obj` is a valid `GstObject` pointer for the call.
pub(crate) unsafe fn object_name(obj: *mut sys::GstObject) -> String {
    // SAFETY: `obj` is valid; gst_object_get_name returns a new string (transfer full) or NULL.
    unsafe { take_gstr(sys::gst_object_get_name(obj)) }.unwrap_or_else(|| "<unnamed>".into())
}

/// The GType name of a GObject instance.
///
/// # Safety
/// `obj` is a valid `GObject`-derived instance.
pub(crate) unsafe fn type_name_of(obj: *mut gobject::GObject) -> String {
    // SAFETY: every GObject starts with a GTypeInstance.
    unsafe { lossy(gobject::g_type_name_from_instance(obj.cast())) }
}

/// Whether `obj` is an instance of `ty` (or a subtype).
///
/// # Safety
/// `obj` is a valid GTypeInstance.
pub(crate) unsafe fn is_a(obj: *mut gobject::GObject, ty: glib::GType) -> bool {
    // SAFETY: valid instance per the contract.
    unsafe { gobject::g_type_check_instance_is_a(obj.cast(), ty) != 0 }
}

/// Turns a possibly floating new reference into a normal owned one (`ref_sink` only when the
/// object is floating, so a non-floating return is not double-counted).
///
/// # Safety
/// `obj` is a valid `GstObject` to which the caller holds one (possibly floating) reference.
pub(crate) unsafe fn sink_floating(obj: *mut sys::GstObject) {
    // SAFETY: valid object per the contract.
    unsafe {
        if gobject::g_object_is_floating(obj.cast()) != 0 {
            sys::gst_object_ref_sink(obj.cast());
        }
    }
}
