//! The leaks tracer (`GST_TRACERS=leaks`) seen from inside the process, and action signals.
//!
//! The tracer reports leaks at `gst_deinit` (see [`deinit`](super::deinit)); a soak run also
//! wants to know that nothing *accumulates while it runs*. The tracer's action signals do that
//! (GStreamer ≥ 1.18): `activity-start-tracking` starts recording object creations and removals,
//! and each `activity-get-checkpoint` returns the objects created since the previous checkpoint
//! that are still alive, and the objects removed since then that existed before it. A steady
//! pipeline's net (created − removed) summed over windows stays bounded; a leak grows with time.

use std::collections::BTreeMap;
use std::ffi::c_char;
use std::ptr::{self, NonNull};

use glib_sys as glib;
use gobject_sys as gobject;
use gstreamer_sys as sys;

use super::element::Element;
use super::glib_util::type_name_of;
use super::{Error, cstring, live, lossy};

/// One owned reference to the active leaks tracer.
#[derive(Debug)]
pub struct LeaksTracer {
    ptr: NonNull<sys::GstTracer>,
}

// SAFETY: GstTracer is a GstObject (atomic refcount); its action signals take the tracer's
// object lock, so they may be emitted from any thread.
unsafe impl Send for LeaksTracer {}

/// Objects created and removed during one checkpoint window, by GType name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// Objects created in the window and still alive at its end.
    pub created: BTreeMap<String, u64>,
    /// Objects created before the window and removed during it.
    pub removed: BTreeMap<String, u64>,
}

impl Checkpoint {
    /// `created - removed` over all types.
    pub fn net(&self) -> i64 {
        self.created.values().sum::<u64>() as i64 - self.removed.values().sum::<u64>() as i64
    }

    /// `created - removed` for one type name (`"GstBuffer"`).
    pub fn net_of(&self, type_name: &str) -> i64 {
        self.created.get(type_name).copied().unwrap_or(0) as i64
            - self.removed.get(type_name).copied().unwrap_or(0) as i64
    }
}

impl LeaksTracer {
    /// The leaks tracer of this process, if `GST_TRACERS` enabled it before `gst_init`.
    pub fn active() -> Result<Option<LeaksTracer>, Error> {
        let token = live::begin()?;
        // SAFETY: GStreamer is initialised (live::begin). The list and each element reference
        // are ours (transfer full); we keep one reference to the tracer we return and release
        // every other one, then free the list cells.
        unsafe {
            let list = sys::gst_tracing_get_active_tracers();
            let mut found: Option<NonNull<sys::GstTracer>> = None;
            let mut cell = list;
            while !cell.is_null() {
                let t = (*cell).data as *mut sys::GstTracer;
                if !t.is_null() {
                    if found.is_none() && type_name_of(t.cast()) == "GstLeaksTracer" {
                        found = NonNull::new(t);
                    } else {
                        sys::gst_object_unref(t.cast());
                    }
                }
                cell = (*cell).next;
            }
            glib::g_list_free(list);
            Ok(found.map(|ptr| {
                token.keep();
                LeaksTracer { ptr }
            }))
        }
    }

    fn obj(&self) -> *mut gobject::GObject {
        self.ptr.as_ptr().cast()
    }

    /// Starts recording creations and removals (resets any previous recording).
    pub fn start_tracking(&self) -> Result<(), Error> {
        // SAFETY: valid tracer; the signal exists (checked) and takes no argument, returns none.
        unsafe { emit_void(self.obj(), "activity-start-tracking") }
    }

    /// Stops recording.
    pub fn stop_tracking(&self) -> Result<(), Error> {
        // SAFETY: as for `start_tracking`.
        unsafe { emit_void(self.obj(), "activity-stop-tracking") }
    }

    /// Ends the current window and starts the next: what was created and removed in it.
    pub fn checkpoint(&self) -> Result<Checkpoint, Error> {
        let name = "activity-get-checkpoint";
        // SAFETY: valid tracer; the signal exists (checked below) and returns a GstStructure
        // with transfer full, written through the trailing out-pointer of the varargs call.
        // We read the two list fields, then free the structure.
        unsafe {
            check_signal(self.obj(), name)?;
            let c = cstring(name)?;
            let mut s: *mut sys::GstStructure = ptr::null_mut();
            gobject::g_signal_emit_by_name(self.obj(), c.as_ptr(), &mut s as *mut _);
            if s.is_null() {
                return Err(Error::Missing("checkpoint structure from the leaks tracer"));
            }
            let cp = Checkpoint {
                created: count_types(s, c"objects-created-list".as_ptr()),
                removed: count_types(s, c"objects-removed-list".as_ptr()),
            };
            sys::gst_structure_free(s);
            Ok(cp)
        }
    }
}

impl Drop for LeaksTracer {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { sys::gst_object_unref(self.ptr.as_ptr().cast()) };
        live::dec();
    }
}

impl Element {
    /// Emits an action signal that takes no argument and returns nothing (`splitmuxsink`'s
    /// `split-now`, for instance). An unknown signal is an error, not a GLib warning.
    pub fn emit_action(&self, signal: &str) -> Result<(), Error> {
        // SAFETY: valid element; `emit_void` checks the signal exists on its type.
        unsafe { emit_void(self.as_ptr().cast(), signal) }
    }
}

/// # Safety
/// `obj` is a valid GObject instance.
unsafe fn check_signal(obj: *mut gobject::GObject, name: &str) -> Result<(), Error> {
    let c = cstring(name)?;
    // SAFETY: valid instance: its class pointer and GType are readable.
    let id = unsafe {
        let ty = (*(*(obj as *mut gobject::GTypeInstance)).g_class).g_type;
        gobject::g_signal_lookup(c.as_ptr(), ty)
    };
    if id == 0 {
        // SAFETY: valid instance.
        let t = unsafe { type_name_of(obj) };
        return Err(Error::UnknownProperty {
            object: t.clone(),
            type_name: t,
            property: format!("signal {name}"),
        });
    }
    Ok(())
}

/// # Safety
/// `obj` is a valid GObject whose signal `name`, if it exists, takes no argument and returns
/// nothing.
unsafe fn emit_void(obj: *mut gobject::GObject, name: &str) -> Result<(), Error> {
    // SAFETY: per the contract.
    unsafe { check_signal(obj, name)? };
    let c = cstring(name)?;
    // SAFETY: valid instance; the signal exists and its signature has no parameters.
    unsafe { gobject::g_signal_emit_by_name(obj, c.as_ptr()) };
    Ok(())
}

/// Counts the `type-name` fields of the structures in the list field `field` of `s`.
///
/// # Safety
/// `s` is a valid structure; `field` a NUL-terminated name.
unsafe fn count_types(s: *const sys::GstStructure, field: *const c_char) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    // SAFETY: valid structure; the value (if any) is borrowed from it; we check it holds a list
    // before reading it as one, and each item holds a structure before reading it as one.
    unsafe {
        let v = sys::gst_structure_get_value(s, field);
        if v.is_null() || (*v).g_type != sys::gst_value_list_get_type() {
            return out;
        }
        let st_type = sys::gst_structure_get_type();
        for i in 0..sys::gst_value_list_get_size(v) {
            let item = sys::gst_value_list_get_value(v, i);
            if item.is_null() || (*item).g_type != st_type {
                continue;
            }
            let st = sys::gst_value_get_structure(item);
            if st.is_null() {
                continue;
            }
            let name = lossy(sys::gst_structure_get_string(st, c"type-name".as_ptr()));
            *out.entry(name).or_insert(0) += 1;
        }
    }
    out
}
