//! Elements, pipelines, states and clocks.

use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::{self, NonNull};

use gobject_sys as gobject;
use gstreamer_sys as sys;

use super::bus::{Bus, Message};
use super::caps::Caps;
use super::event::Event;
use super::glib_util::{is_a, object_name, sink_floating, take_gerror, take_gstr, type_name_of};
use super::pad::Pad;
use super::value::{self, FromProperty, Value};
use super::{Error, cstring, live};

/// A pipeline/element state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// No pending state.
    VoidPending,
    /// Initial state; resources released.
    Null,
    /// Resources allocated, not streaming.
    Ready,
    /// Prerolled, clock stopped.
    Paused,
    /// Streaming.
    Playing,
}

impl State {
    fn from_raw(s: sys::GstState) -> State {
        match s {
            sys::GST_STATE_NULL => State::Null,
            sys::GST_STATE_READY => State::Ready,
            sys::GST_STATE_PAUSED => State::Paused,
            sys::GST_STATE_PLAYING => State::Playing,
            _ => State::VoidPending,
        }
    }

    fn into_raw(self) -> sys::GstState {
        match self {
            State::VoidPending => sys::GST_STATE_VOID_PENDING,
            State::Null => sys::GST_STATE_NULL,
            State::Ready => sys::GST_STATE_READY,
            State::Paused => sys::GST_STATE_PAUSED,
            State::Playing => sys::GST_STATE_PLAYING,
        }
    }
}

/// How a successful state change completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateChangeSuccess {
    /// Done.
    Success,
    /// Will complete asynchronously (wait with [`Element::state`]).
    Async,
    /// Done, and the element cannot preroll in PAUSED (live source).
    NoPreroll,
}

/// One owned reference to a `GstElement` (any element, bin or pipeline).
#[repr(transparent)]
pub struct Element {
    ptr: NonNull<sys::GstElement>,
}

// SAFETY: GstElement is a thread-safe GstObject (atomic refcount, internal locks).
unsafe impl Send for Element {}
// SAFETY: as above.
unsafe impl Sync for Element {}

impl Element {
    /// Creates an element from a factory (`"videotestsrc"`), optionally named.
    pub fn make(factory: &str, name: Option<&str>) -> Result<Element, Error> {
        let f = cstring(factory)?;
        let n = name.map(cstring).transpose()?;
        let _t = live::begin()?;
        // SAFETY: valid C strings; returns a new (floating) element or NULL.
        let p = unsafe {
            sys::gst_element_factory_make(
                f.as_ptr(),
                n.as_ref().map_or(ptr::null(), |n| n.as_ptr()),
            )
        };
        let ptr =
            NonNull::new(p).ok_or_else(|| Error::NoSuchFactory { factory: factory.into() })?;
        // SAFETY: new object, one reference.
        unsafe { sink_floating(ptr.as_ptr().cast()) };
        live::inc();
        Ok(Element { ptr })
    }

    /// Takes ownership of an element reference.
    ///
    /// # Safety
    /// `ptr` is a valid element and the caller transfers one non-floating reference.
    pub unsafe fn from_glib_full(ptr: NonNull<sys::GstElement>) -> Element {
        live::inc();
        Element { ptr }
    }

    /// A handle that borrows GStreamer's reference: neither counted nor ever dropped.
    ///
    /// # Safety
    /// `ptr` is a valid element for as long as the returned value is used.
    pub(crate) unsafe fn uncounted(ptr: NonNull<sys::GstElement>) -> ManuallyDrop<Element> {
        ManuallyDrop::new(Element { ptr })
    }

    /// Takes a new reference to a borrowed element.
    ///
    /// # Safety
    /// `ptr` is a valid element for the call.
    pub unsafe fn from_glib_borrow(ptr: NonNull<sys::GstElement>) -> Element {
        // SAFETY: valid object per the contract.
        unsafe { sys::gst_object_ref(ptr.as_ptr().cast()) };
        live::inc();
        Element { ptr }
    }

    /// The raw pointer, still owned by `self`.
    pub fn as_ptr(&self) -> *mut sys::GstElement {
        self.ptr.as_ptr()
    }

    fn obj(&self) -> *mut sys::GstObject {
        self.ptr.as_ptr().cast()
    }

    /// The element's name.
    pub fn name(&self) -> String {
        // SAFETY: valid object.
        unsafe { object_name(self.obj()) }
    }

    /// The GType name (`"GstVideoTestSrc"`).
    pub fn type_name(&self) -> String {
        // SAFETY: valid object.
        unsafe { type_name_of(self.obj().cast()) }
    }

    /// The factory name (`"videotestsrc"`), if created from a factory.
    pub fn factory_name(&self) -> Option<String> {
        // SAFETY: valid element; the factory is borrowed (transfer none); its name is copied.
        unsafe {
            let f = sys::gst_element_get_factory(self.as_ptr());
            if f.is_null() {
                return None;
            }
            Some(object_name(f.cast()))
        }
    }

    /// Whether the element is an instance of `ty` (or a subtype).
    pub fn is_a(&self, ty: glib_sys::GType) -> bool {
        // SAFETY: valid instance.
        unsafe { is_a(self.obj().cast(), ty) }
    }

    /// A static (always) pad by name (`"src"`, `"sink"`).
    pub fn static_pad(&self, name: &str) -> Result<Pad, Error> {
        let c = cstring(name)?;
        // SAFETY: valid element; returns a new reference or NULL.
        let p = unsafe { sys::gst_element_get_static_pad(self.as_ptr(), c.as_ptr()) };
        NonNull::new(p)
            // SAFETY: a new reference we own.
            .map(|p| unsafe { Pad::from_glib_full(p) })
            .ok_or_else(|| Error::NoSuchPad { element: self.name(), pad: name.into() })
    }

    /// Links this element's source to `dest`'s sink (both must be in the same bin).
    pub fn link(&self, dest: &Element) -> Result<(), Error> {
        // SAFETY: valid elements.
        if unsafe { sys::gst_element_link(self.as_ptr(), dest.as_ptr()) } == 0 {
            return Err(Error::Link { src: self.name(), sink: dest.name() });
        }
        Ok(())
    }

    /// Requests a state change.
    pub fn set_state(&self, state: State) -> Result<StateChangeSuccess, Error> {
        // SAFETY: valid element.
        let r = unsafe { sys::gst_element_set_state(self.as_ptr(), state.into_raw()) };
        self.state_result(r, state)
    }

    fn state_result(
        &self,
        r: sys::GstStateChangeReturn,
        target: State,
    ) -> Result<StateChangeSuccess, Error> {
        match r {
            sys::GST_STATE_CHANGE_SUCCESS => Ok(StateChangeSuccess::Success),
            sys::GST_STATE_CHANGE_ASYNC => Ok(StateChangeSuccess::Async),
            sys::GST_STATE_CHANGE_NO_PREROLL => Ok(StateChangeSuccess::NoPreroll),
            _ => Err(Error::StateChange { element: self.name(), target }),
        }
    }

    /// Waits up to `timeout_ns` (`None` = forever) for a pending state change and returns
    /// `(result, current, pending)`. `Ok(Async)` means it is still in progress at the timeout.
    pub fn state(
        &self,
        timeout_ns: Option<u64>,
    ) -> (Result<StateChangeSuccess, Error>, State, State) {
        let (mut cur, mut pending) = (sys::GST_STATE_VOID_PENDING, sys::GST_STATE_VOID_PENDING);
        // SAFETY: valid element and out-pointers.
        let r = unsafe {
            sys::gst_element_get_state(
                self.as_ptr(),
                &mut cur,
                &mut pending,
                timeout_ns.unwrap_or(sys::GST_CLOCK_TIME_NONE),
            )
        };
        let target = if pending == sys::GST_STATE_VOID_PENDING { cur } else { pending };
        (
            self.state_result(r, State::from_raw(target)),
            State::from_raw(cur),
            State::from_raw(pending),
        )
    }

    /// Sends an event into the element (e.g. [`Event::eos`] into a pipeline or a source).
    pub fn send_event(&self, event: Event) -> Result<(), Error> {
        let name = event.type_().name();
        // SAFETY: valid element; the event reference is transferred (transfer full).
        let ok = unsafe { sys::gst_element_send_event(self.as_ptr(), event.into_raw().as_ptr()) };
        if ok == 0 { Err(Error::Event(name)) } else { Ok(()) }
    }

    /// Posts a message on the element's bus (fails if the element has no bus yet).
    pub fn post_message(&self, msg: Message) -> Result<(), Error> {
        // SAFETY: valid element; the message reference is transferred.
        let ok = unsafe { sys::gst_element_post_message(self.as_ptr(), msg.into_raw().as_ptr()) };
        if ok == 0 { Err(Error::Missing("bus to post on")) } else { Ok(()) }
    }

    /// Posts an error message from this element (library error "failed") with `text` and
    /// optional `debug` details, the way pitchcam reports contained panics.
    pub fn post_error(&self, text: &str, debug: Option<&str>) -> Result<(), Error> {
        let msg = Message::new_error(Some(self), text, debug)?;
        self.post_message(msg)
    }

    /// The element's bus (pipelines always have one; a child element only once in a pipeline).
    pub fn bus(&self) -> Option<Bus> {
        // SAFETY: valid element; returns a new reference or NULL.
        let p = unsafe { sys::gst_element_get_bus(self.as_ptr()) };
        // SAFETY: a new reference we own.
        NonNull::new(p).map(|p| unsafe { Bus::from_glib_full(p) })
    }

    /// The clock the element uses (set when the pipeline goes to PLAYING).
    pub fn clock(&self) -> Option<Clock> {
        // SAFETY: valid element; returns a new reference or NULL.
        let p = unsafe { sys::gst_element_get_clock(self.as_ptr()) };
        NonNull::new(p).map(|ptr| {
            live::inc();
            Clock { ptr }
        })
    }

    /// Base time: clock time at which running time was 0.
    pub fn base_time(&self) -> u64 {
        // SAFETY: valid element.
        unsafe { sys::gst_element_get_base_time(self.as_ptr()) }
    }

    /// Sets the base time (with [`set_start_time(None)`](Self::set_start_time) so that PLAYING
    /// keeps it — how two pipelines share one running time).
    pub fn set_base_time(&self, t: u64) {
        // SAFETY: valid element.
        unsafe { sys::gst_element_set_base_time(self.as_ptr(), t) };
    }

    /// Start time; `None` (`GST_CLOCK_TIME_NONE`) disables automatic base-time selection.
    pub fn set_start_time(&self, t: Option<u64>) {
        // SAFETY: valid element.
        unsafe {
            sys::gst_element_set_start_time(self.as_ptr(), t.unwrap_or(sys::GST_CLOCK_TIME_NONE))
        };
    }

    /// Current running time (clock time − base time), `None` without a clock or before the base.
    pub fn running_time_now(&self) -> Option<u64> {
        let clock = self.clock()?;
        clock.time().checked_sub(self.base_time())
    }

    /// Sets a property, checked before GLib sees it: unknown property,
    /// wrong type, out of range or read-only are errors, never GLib warnings.
    pub fn set_property<'a>(&self, name: &str, value: impl Into<Value<'a>>) -> Result<(), Error> {
        // SAFETY: valid object.
        unsafe { value::set(self.obj(), name, value.into()) }
    }

    /// Sets a property from its string form, as on a `gst-launch-1.0` line.
    pub fn set_property_from_str(&self, name: &str, value: &str) -> Result<(), Error> {
        self.set_property(name, Value::Str(value))
    }

    /// Reads a property as `T` (`bool`, `i32`, `u32`, `i64`, `u64`, `f64`, `Option<String>`).
    pub fn property<T: FromProperty>(&self, name: &str) -> Result<T, Error> {
        // SAFETY: valid object.
        unsafe { value::get(self.obj(), name) }
    }

    /// Reads an enum property as `(value, nick)`.
    pub fn property_enum(&self, name: &str) -> Result<(i32, String), Error> {
        // SAFETY: valid object.
        unsafe { value::get_enum(self.obj(), name) }
    }

    /// Reads a caps property.
    pub fn property_caps(&self, name: &str) -> Result<Option<Caps>, Error> {
        // SAFETY: valid object.
        unsafe { value::get_caps(self.obj(), name) }
    }

    /// Reads any property serialised as a string.
    pub fn property_string(&self, name: &str) -> Result<String, Error> {
        // SAFETY: valid object.
        unsafe { value::get_string_repr(self.obj(), name) }
    }

    /// The element's path in its bin hierarchy (`/GstPipeline:p/GstQueue:q`).
    pub fn path_string(&self) -> String {
        // SAFETY: valid object; transfer-full string.
        unsafe { take_gstr(sys::gst_object_get_path_string(self.obj())) }.unwrap_or_default()
    }

    /// The object's current reference count (diagnostics and tests).
    pub fn refcount(&self) -> u32 {
        // SAFETY: atomic read of the GObject ref_count field of a live object.
        unsafe {
            let rc = ptr::addr_of!((*(self.as_ptr() as *mut gobject::GObject)).ref_count);
            std::sync::atomic::AtomicU32::from_ptr(rc as *mut u32)
                .load(std::sync::atomic::Ordering::Relaxed)
        }
    }
}

impl Clone for Element {
    fn clone(&self) -> Element {
        // SAFETY: we hold a reference.
        unsafe { Element::from_glib_borrow(self.ptr) }
    }
}

impl Drop for Element {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { sys::gst_object_unref(self.ptr.as_ptr().cast()) };
        live::dec();
    }
}

impl fmt::Debug for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.type_name(), self.name())
    }
}

/// A top-level `GstPipeline`, and the owner of its lifecycle: dropping it sets the pipeline to
/// NULL (joining its streaming threads) before releasing the reference, so a forgotten shutdown
/// cannot leave threads running or trip GStreamer's "disposing a running element" warning. Not
/// `Clone`: share it with `Arc<Pipeline>`, or hand out [`Element`] references (which do not
/// stop anything). Never drop it on one of the pipeline's own streaming threads.
#[repr(transparent)]
pub struct Pipeline {
    element: Element,
}

impl Pipeline {
    /// An empty pipeline.
    pub fn new(name: Option<&str>) -> Result<Pipeline, Error> {
        let n = name.map(cstring).transpose()?;
        let _t = live::begin()?;
        // SAFETY: returns a new floating pipeline.
        let p = unsafe { sys::gst_pipeline_new(n.as_ref().map_or(ptr::null(), |n| n.as_ptr())) };
        let ptr = NonNull::new(p).ok_or(Error::Missing("pipeline (gst_pipeline_new failed)"))?;
        // SAFETY: new object, one reference.
        unsafe { sink_floating(ptr.as_ptr().cast()) };
        live::inc();
        Ok(Pipeline { element: Element { ptr } })
    }

    /// Builds a pipeline from a `gst-launch-1.0` description. A description that does not parse
    /// returns [`Error::Parse`] with GStreamer's message verbatim; any reported error is a
    /// failure even if GStreamer also returned a partial pipeline. A single element is placed
    /// in a new pipeline.
    pub fn parse(description: &str) -> Result<Pipeline, Error> {
        let c = cstring(description)?;
        let _t = live::begin()?;
        let mut err: *mut glib_sys::GError = ptr::null_mut();
        // SAFETY: valid string and out-pointer; returns a new (floating) element or NULL.
        let p = unsafe {
            sys::gst_parse_launch_full(
                c.as_ptr(),
                ptr::null_mut(),
                sys::GST_PARSE_FLAG_FATAL_ERRORS,
                &mut err,
            )
        };
        let element = NonNull::new(p).map(|ptr| {
            // SAFETY: new object, one reference.
            unsafe { sink_floating(ptr.as_ptr().cast()) };
            live::inc();
            Element { ptr }
        });
        // SAFETY: `err` is NULL or a GError we own.
        if let Some(msg) = unsafe { take_gerror(err) } {
            drop(element);
            return Err(Error::Parse(msg));
        }
        let element =
            element.ok_or_else(|| Error::Parse("pipeline description is empty".into()))?;
        // SAFETY: pure type query.
        if element.is_a(unsafe { sys::gst_pipeline_get_type() }) {
            return Ok(Pipeline { element });
        }
        let pipeline = Pipeline::new(None)?;
        pipeline.add(&element)?;
        Ok(pipeline)
    }

    /// Wraps an element that must be a `GstPipeline`.
    pub fn from_element(element: Element) -> Result<Pipeline, Error> {
        // SAFETY: pure type query.
        if element.is_a(unsafe { sys::gst_pipeline_get_type() }) {
            Ok(Pipeline { element })
        } else {
            Err(Error::WrongType {
                object: element.name(),
                actual: element.type_name(),
                expected: "GstPipeline",
            })
        }
    }

    /// Adds an element (the pipeline takes its own reference). An element that already has a
    /// parent is refused here (GStreamer would emit a g_warning).
    pub fn add(&self, element: &Element) -> Result<(), Error> {
        // SAFETY: valid object; returns a new reference to the parent or NULL.
        let parent = unsafe { sys::gst_object_get_parent(element.as_ptr().cast()) };
        if !parent.is_null() {
            // SAFETY: the reference just returned.
            let pname = unsafe {
                let n = object_name(parent);
                sys::gst_object_unref(parent.cast());
                n
            };
            return Err(Error::WrongType {
                object: element.name(),
                actual: format!("child of \"{pname}\""),
                expected: "element without a parent",
            });
        }
        // SAFETY: valid bin and element; gst_bin_add sinks/refs the element itself.
        let ok = unsafe { sys::gst_bin_add(self.as_ptr().cast(), element.as_ptr()) };
        if ok == 0 {
            return Err(Error::Link { src: element.name(), sink: self.name() });
        }
        Ok(())
    }

    /// The element named `name` anywhere in the pipeline (a new reference).
    pub fn by_name(&self, name: &str) -> Result<Element, Error> {
        let c = cstring(name)?;
        // SAFETY: valid bin; returns a new reference or NULL.
        let p = unsafe { sys::gst_bin_get_by_name(self.as_ptr().cast(), c.as_ptr()) };
        let ptr = NonNull::new(p).ok_or_else(|| Error::NoSuchElement { name: name.into() })?;
        live::inc();
        Ok(Element { ptr })
    }

    /// The pipeline's bus.
    pub fn bus(&self) -> Bus {
        self.element.bus().expect("a GstPipeline always has a bus")
    }

    /// Forces the pipeline to use `clock` (`None` restores automatic selection).
    pub fn use_clock(&self, clock: Option<&Clock>) {
        // SAFETY: valid pipeline; NULL is allowed; the pipeline takes its own reference.
        unsafe {
            sys::gst_pipeline_use_clock(
                self.as_ptr().cast(),
                clock.map_or(ptr::null_mut(), |c| c.as_ptr()),
            )
        };
    }

    /// The element view of the pipeline.
    pub fn as_element(&self) -> &Element {
        &self.element
    }
}

impl Deref for Pipeline {
    type Target = Element;
    fn deref(&self) -> &Element {
        &self.element
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        let (_, cur, pending) = self.element.state(Some(0));
        if cur != State::Null || pending != State::VoidPending {
            let _ = self.element.set_state(State::Null);
        }
    }
}

impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.element.fmt(f)
    }
}

/// One owned reference to a `GstClock`.
pub struct Clock {
    ptr: NonNull<sys::GstClock>,
}

// SAFETY: GstClock is a thread-safe GstObject.
unsafe impl Send for Clock {}
// SAFETY: as above.
unsafe impl Sync for Clock {}

impl Clock {
    /// The process-wide system clock (monotonic), shareable between pipelines.
    pub fn system() -> Result<Clock, Error> {
        let _t = live::begin()?;
        // SAFETY: returns a new reference to the singleton.
        let p = unsafe { sys::gst_system_clock_obtain() };
        let ptr = NonNull::new(p).ok_or(Error::Missing("system clock"))?;
        live::inc();
        Ok(Clock { ptr })
    }

    /// Current clock time in ns.
    pub fn time(&self) -> u64 {
        // SAFETY: valid clock.
        unsafe { sys::gst_clock_get_time(self.as_ptr()) }
    }

    /// The raw pointer.
    pub fn as_ptr(&self) -> *mut sys::GstClock {
        self.ptr.as_ptr()
    }
}

impl Clone for Clock {
    fn clone(&self) -> Clock {
        // SAFETY: we hold a reference.
        unsafe { sys::gst_object_ref(self.ptr.as_ptr().cast()) };
        live::inc();
        Clock { ptr: self.ptr }
    }
}

impl Drop for Clock {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { sys::gst_object_unref(self.ptr.as_ptr().cast()) };
        live::dec();
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: valid object.
        write!(f, "Clock({})", unsafe { object_name(self.ptr.as_ptr().cast()) })
    }
}
