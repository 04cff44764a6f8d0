//! Events: owned [`Event`] for sending, borrowed [`EventRef`] for probes.

use std::cell::UnsafeCell;
use std::fmt;
use std::ptr::{self, NonNull};

use gstreamer_sys as sys;

use super::caps::Caps;
use super::{Error, live};

/// A `GstEventType`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventType(pub sys::GstEventType);

impl EventType {
    /// End of stream.
    pub const EOS: EventType = EventType(sys::GST_EVENT_EOS);
    /// Flush start.
    pub const FLUSH_START: EventType = EventType(sys::GST_EVENT_FLUSH_START);
    /// Flush stop.
    pub const FLUSH_STOP: EventType = EventType(sys::GST_EVENT_FLUSH_STOP);
    /// New caps.
    pub const CAPS: EventType = EventType(sys::GST_EVENT_CAPS);
    /// New segment.
    pub const SEGMENT: EventType = EventType(sys::GST_EVENT_SEGMENT);
    /// Stream start.
    pub const STREAM_START: EventType = EventType(sys::GST_EVENT_STREAM_START);

    /// GStreamer's name (`"eos"`).
    pub fn name(self) -> &'static str {
        // SAFETY: returns a static string ("unknown" for unknown types).
        let p = unsafe { sys::gst_event_type_get_name(self.0) };
        if p.is_null() {
            return "unknown";
        }
        // SAFETY: static NUL-terminated ASCII.
        unsafe { std::ffi::CStr::from_ptr(p) }.to_str().unwrap_or("unknown")
    }
}

impl fmt::Debug for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventType({})", self.name())
    }
}

/// One owned reference to a `GstEvent`.
#[repr(transparent)]
pub struct Event {
    ptr: NonNull<sys::GstEvent>,
}

// SAFETY: events are reference counted atomically and immutable once shared.
unsafe impl Send for Event {}
// SAFETY: as above.
unsafe impl Sync for Event {}

impl Event {
    /// Creates an event with `make` while a handle count is reserved.
    fn create(make: impl FnOnce() -> *mut sys::GstEvent) -> Result<Event, Error> {
        let _t = live::begin()?;
        let ptr = NonNull::new(make()).ok_or(Error::Missing("event"))?;
        live::inc();
        Ok(Event { ptr })
    }

    /// End of stream: sent into a pipeline, every source stops and the sinks post EOS.
    pub fn eos() -> Result<Event, Error> {
        // SAFETY: returns a new event.
        Self::create(|| unsafe { sys::gst_event_new_eos() })
    }

    /// Flush start: unblocks and discards data in flight.
    pub fn flush_start() -> Result<Event, Error> {
        // SAFETY: returns a new event.
        Self::create(|| unsafe { sys::gst_event_new_flush_start() })
    }

    /// Flush stop; `reset_time` resets running time to 0.
    pub fn flush_stop(reset_time: bool) -> Result<Event, Error> {
        // SAFETY: returns a new event.
        Self::create(|| unsafe { sys::gst_event_new_flush_stop(reset_time as i32) })
    }

    /// Gives up the reference (transfer full).
    pub fn into_raw(self) -> NonNull<sys::GstEvent> {
        let ptr = std::mem::ManuallyDrop::new(self).ptr;
        live::dec();
        ptr
    }
}

impl std::ops::Deref for Event {
    type Target = EventRef;
    fn deref(&self) -> &EventRef {
        // SAFETY: valid while the handle lives.
        unsafe { EventRef::from_ptr(self.ptr.as_ptr()) }
    }
}

impl Drop for Event {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { sys::gst_mini_object_unref(self.ptr.as_ptr().cast()) };
        live::dec();
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

/// A borrowed `GstEvent`.
#[repr(transparent)]
pub struct EventRef(UnsafeCell<sys::GstEvent>);

impl EventRef {
    /// Borrows a raw event.
    ///
    /// # Safety
    /// `ptr` is a valid event kept alive for `'a`.
    pub unsafe fn from_ptr<'a>(ptr: *mut sys::GstEvent) -> &'a EventRef {
        // SAFETY: repr(transparent); validity per the contract.
        unsafe { &*(ptr as *const EventRef) }
    }

    /// The raw pointer.
    pub fn as_ptr(&self) -> *mut sys::GstEvent {
        self.0.get()
    }

    /// The event type.
    pub fn type_(&self) -> EventType {
        // SAFETY: the type field is immutable after creation.
        EventType(unsafe { ptr::addr_of!((*self.as_ptr()).type_).read() })
    }

    /// The segment of a SEGMENT event (a copy: a `GstSegment` holds no pointers).
    pub fn segment(&self) -> Option<Segment> {
        if self.type_() != EventType::SEGMENT {
            return None;
        }
        let mut seg: *const sys::GstSegment = ptr::null();
        // SAFETY: a segment event; `gst_event_parse_segment` points `seg` at the event's own
        // segment, valid while the event lives; we copy the plain struct out before returning.
        unsafe {
            sys::gst_event_parse_segment(self.as_ptr(), &mut seg);
            (!seg.is_null()).then(|| Segment(seg.read()))
        }
    }

    /// The caps of a CAPS event.
    pub fn caps(&self) -> Option<Caps> {
        if self.type_() != EventType::CAPS {
            return None;
        }
        let mut c = ptr::null_mut();
        // SAFETY: a caps event; the caps are borrowed and we take our own reference.
        unsafe {
            sys::gst_event_parse_caps(self.as_ptr(), &mut c);
            NonNull::new(c).map(|c| Caps::from_glib_borrow(c))
        }
    }
}

/// A stream segment: what maps a buffer's timestamp to running time (the time on the pipeline's
/// clock, minus its base time). A file's PTS can start anywhere (x264 streams start at 1000 h);
/// running time starts at 0 when the pipeline starts playing.
#[derive(Clone, Copy)]
pub struct Segment(sys::GstSegment);

// SAFETY: `GstSegment` is plain data (integers and enums), no pointers.
unsafe impl Send for Segment {}
// SAFETY: as above; it is only read through `&self`.
unsafe impl Sync for Segment {}

impl Segment {
    /// Copies a segment out of GStreamer.
    ///
    /// # Safety
    /// `seg` points to a valid `GstSegment` for the call.
    pub(crate) unsafe fn from_raw(seg: *const sys::GstSegment) -> Segment {
        // SAFETY: valid per the contract; plain data, copied.
        Segment(unsafe { seg.read() })
    }

    /// Whether the segment is in time format (the only one with running times for video).
    pub fn is_time(&self) -> bool {
        self.0.format == sys::GST_FORMAT_TIME
    }

    /// The running time of `position` (ns) in this segment, or `None` outside the segment or
    /// for a non-time segment. Does not allocate.
    pub fn to_running_time(&self, position: u64) -> Option<u64> {
        if !self.is_time() || position == super::CLOCK_TIME_NONE {
            return None;
        }
        // SAFETY: `self.0` is a valid segment; the function only reads it.
        let rt =
            unsafe { sys::gst_segment_to_running_time(&self.0, sys::GST_FORMAT_TIME, position) };
        (rt != super::CLOCK_TIME_NONE).then_some(rt)
    }

    /// The segment's start, ns.
    pub fn start(&self) -> u64 {
        self.0.start
    }

    /// The segment's base (running time of `start`), ns.
    pub fn base(&self) -> u64 {
        self.0.base
    }
}

impl fmt::Debug for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Segment")
            .field("format", &self.0.format)
            .field("start", &self.0.start)
            .field("base", &self.0.base)
            .field("rate", &self.0.rate)
            .finish()
    }
}

impl fmt::Debug for EventRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event").field("type", &self.type_()).finish()
    }
}
