//! `appsink` and `appsrc`: where pitchcam's own threads meet GStreamer's.
//!
//! appsink defaults are tuned for convenience, not for a realtime consumer: `max-buffers=0`
//! (unbounded queue), `sync=true`, `enable-last-sample=true` (an extra reference to the newest
//! buffer, so held buffers are never writable). [`AppSink::configure_hot_path`] sets the bounded,
//! dropping, non-syncing configuration. Even then appsink caches its newest sample: the most
//! recently pulled buffer keeps an extra reference until the next pull or until the element is
//! disposed (checked in `tests/gst_app.rs`). appsrc on 1.22 defaults to `format=bytes` and
//! `max-bytes=200000` — less than one 1080p frame, so "enough data" would fire on every push;
//! [`AppSrc::configure_video`] sets time format and a buffer-count limit instead.

use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use glib_sys::gpointer;
use gstreamer_app_sys as asys;
use gstreamer_sys as sys;

use super::buffer::Buffer;
use super::caps::Caps;
use super::element::Element;
use super::pad::panic_text;
use super::sample::Sample;
use super::{Error, FlowError};

fn check_type(element: &Element, ty: glib_sys::GType, expected: &'static str) -> Result<(), Error> {
    if element.is_a(ty) {
        Ok(())
    } else {
        Err(Error::WrongType { object: element.name(), actual: element.type_name(), expected })
    }
}

/// An `appsink` element.
#[derive(Clone)]
#[repr(transparent)]
pub struct AppSink {
    element: Element,
}

type NewSampleFn = dyn FnMut(&AppSink) -> Result<(), FlowError> + Send + 'static;
type EosFn = dyn FnMut(&AppSink) + Send + 'static;

/// Callbacks for [`AppSink::set_callbacks`]. They run on the sink's streaming thread.
#[derive(Default)]
pub struct AppSinkCallbacks {
    new_sample: Option<Box<NewSampleFn>>,
    eos: Option<Box<EosFn>>,
}

impl AppSinkCallbacks {
    /// No callbacks yet.
    pub fn new() -> AppSinkCallbacks {
        AppSinkCallbacks::default()
    }

    /// Called for each new sample; pull it with [`AppSink::pull_sample`] (it will not block).
    /// Returning an error stops the stream with that flow value.
    pub fn new_sample<F>(mut self, f: F) -> Self
    where
        F: FnMut(&AppSink) -> Result<(), FlowError> + Send + 'static,
    {
        self.new_sample = Some(Box::new(f));
        self
    }

    /// Called once at end of stream.
    pub fn eos<F>(mut self, f: F) -> Self
    where
        F: FnMut(&AppSink) + Send + 'static,
    {
        self.eos = Some(Box::new(f));
        self
    }
}

impl fmt::Debug for AppSinkCallbacks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppSinkCallbacks")
            .field("new_sample", &self.new_sample.is_some())
            .field("eos", &self.eos.is_some())
            .finish()
    }
}

struct SinkState {
    new_sample: Option<Mutex<Box<NewSampleFn>>>,
    eos: Option<Mutex<Box<EosFn>>>,
    panicked: AtomicBool,
}

/// Borrows the appsink passed to a callback without taking a reference.
///
/// # Safety
/// `sink` is a valid appsink for the call.
unsafe fn borrowed_sink(sink: *mut asys::GstAppSink) -> ManuallyDrop<AppSink> {
    // SAFETY: non-NULL and valid per the contract; the handle is never dropped (ManuallyDrop),
    // so it borrows GStreamer's reference instead of owning (or counting) one.
    let element = ManuallyDrop::into_inner(unsafe {
        Element::uncounted(NonNull::new_unchecked(sink.cast()))
    });
    ManuallyDrop::new(AppSink { element })
}

fn report_sink_panic(sink: &AppSink, what: &str, text: &str) {
    let msg = format!("pitchcam appsink {what} callback on {} panicked: {text}", sink.name());
    if sink.post_error(&msg, Some("the callbacks are disabled")).is_err() {
        eprintln!("{msg} (no bus to report on)");
    }
}

unsafe extern "C" fn sink_new_sample(
    sink: *mut asys::GstAppSink,
    ud: gpointer,
) -> sys::GstFlowReturn {
    // SAFETY: `ud` is the boxed SinkState, alive until the destroy notify.
    let state = unsafe { &*(ud as *const SinkState) };
    if state.panicked.load(Ordering::Acquire) {
        return sys::GST_FLOW_ERROR;
    }
    let Some(cb) = &state.new_sample else { return sys::GST_FLOW_OK };
    // SAFETY: GStreamer passes a valid appsink.
    let handle = unsafe { borrowed_sink(sink) };
    let r = catch_unwind(AssertUnwindSafe(|| {
        let mut f = cb.lock().unwrap_or_else(|e| e.into_inner());
        (f)(&handle)
    }));
    match r {
        Ok(Ok(())) => sys::GST_FLOW_OK,
        Ok(Err(e)) => e.into_raw(),
        Err(payload) => {
            state.panicked.store(true, Ordering::Release);
            let text = panic_text(payload.as_ref());
            let _ =
                catch_unwind(AssertUnwindSafe(|| report_sink_panic(&handle, "new-sample", &text)));
            sys::GST_FLOW_ERROR
        }
    }
}

unsafe extern "C" fn sink_eos(sink: *mut asys::GstAppSink, ud: gpointer) {
    // SAFETY: as in `sink_new_sample`.
    let state = unsafe { &*(ud as *const SinkState) };
    if state.panicked.load(Ordering::Acquire) {
        return;
    }
    let Some(cb) = &state.eos else { return };
    // SAFETY: valid appsink.
    let handle = unsafe { borrowed_sink(sink) };
    let r = catch_unwind(AssertUnwindSafe(|| {
        let mut f = cb.lock().unwrap_or_else(|e| e.into_inner());
        (f)(&handle)
    }));
    if let Err(payload) = r {
        state.panicked.store(true, Ordering::Release);
        let text = panic_text(payload.as_ref());
        let _ = catch_unwind(AssertUnwindSafe(|| report_sink_panic(&handle, "eos", &text)));
    }
}

unsafe extern "C" fn sink_destroy(ud: gpointer) {
    // SAFETY: the Box leaked in `set_callbacks`; called exactly once by GStreamer.
    drop(unsafe { Box::from_raw(ud as *mut SinkState) });
}

impl AppSink {
    /// A new `appsink`.
    pub fn new(name: Option<&str>) -> Result<AppSink, Error> {
        AppSink::from_element(Element::make("appsink", name)?)
    }

    /// Wraps an element that must be an appsink.
    pub fn from_element(element: Element) -> Result<AppSink, Error> {
        // SAFETY: pure type query.
        check_type(&element, unsafe { asys::gst_app_sink_get_type() }, "GstAppSink")?;
        Ok(AppSink { element })
    }

    fn raw(&self) -> *mut asys::GstAppSink {
        self.element.as_ptr().cast()
    }

    /// The element view.
    pub fn as_element(&self) -> &Element {
        &self.element
    }

    /// Bounded queue of `max_buffers`, dropping the oldest when full, no clock sync, no
    /// last-sample reference: the configuration for a realtime consumer.
    pub fn configure_hot_path(&self, max_buffers: u32) -> Result<(), Error> {
        self.element.set_property("max-buffers", max_buffers)?;
        self.element.set_property("drop", true)?;
        self.element.set_property("sync", false)?;
        self.element.set_property("enable-last-sample", false)?;
        Ok(())
    }

    /// Installs callbacks (replacing earlier ones; the old closures are freed). Signals are
    /// not emitted while callbacks are installed.
    pub fn set_callbacks(&self, callbacks: AppSinkCallbacks) {
        let has_sample = callbacks.new_sample.is_some();
        let has_eos = callbacks.eos.is_some();
        let state = Box::new(SinkState {
            new_sample: callbacks.new_sample.map(Mutex::new),
            eos: callbacks.eos.map(Mutex::new),
            panicked: AtomicBool::new(false),
        });
        // `new_event` and `propose_allocation` are newer than 1.22 or unused: NULL. The struct
        // size matches 1.22's (the later fields replaced reserved padding).
        let mut cbs = asys::GstAppSinkCallbacks {
            eos: if has_eos { Some(sink_eos) } else { None },
            new_preroll: None,
            new_sample: if has_sample { Some(sink_new_sample) } else { None },
            new_event: None,
            propose_allocation: None,
            _gst_reserved: [std::ptr::null_mut(); 2],
        };
        // SAFETY: valid appsink; the callbacks struct is copied by GStreamer; `state` is owned
        // by GStreamer from here and freed exactly once by `sink_destroy`.
        unsafe {
            asys::gst_app_sink_set_callbacks(
                self.raw(),
                &mut cbs,
                Box::into_raw(state) as gpointer,
                Some(sink_destroy),
            )
        };
    }

    /// Blocks until a sample is available; `None` at EOS or when the sink is stopped.
    pub fn pull_sample(&self) -> Option<Sample> {
        // SAFETY: valid appsink; returns a new sample or NULL.
        let p = unsafe { asys::gst_app_sink_pull_sample(self.raw()) };
        // SAFETY: new reference we own.
        NonNull::new(p).map(|p| unsafe { Sample::from_glib_full(p) })
    }

    /// Waits up to `timeout_ns` (0 = poll) for a sample.
    pub fn try_pull_sample(&self, timeout_ns: u64) -> Option<Sample> {
        // SAFETY: valid appsink; returns a new sample or NULL.
        let p = unsafe { asys::gst_app_sink_try_pull_sample(self.raw(), timeout_ns) };
        // SAFETY: new reference we own.
        NonNull::new(p).map(|p| unsafe { Sample::from_glib_full(p) })
    }

    /// Whether the sink reached EOS and its queue is empty.
    pub fn is_eos(&self) -> bool {
        // SAFETY: valid appsink.
        unsafe { asys::gst_app_sink_is_eos(self.raw()) != 0 }
    }

    /// Restricts accepted caps.
    pub fn set_caps(&self, caps: Option<&Caps>) {
        // SAFETY: valid appsink; caps borrowed (appsink takes its own reference).
        unsafe {
            asys::gst_app_sink_set_caps(self.raw(), caps.map_or(std::ptr::null(), |c| c.as_ptr()))
        };
    }
}

impl Deref for AppSink {
    type Target = Element;
    fn deref(&self) -> &Element {
        &self.element
    }
}

impl fmt::Debug for AppSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AppSink({})", self.element.name())
    }
}

/// An `appsrc` element.
#[derive(Clone)]
#[repr(transparent)]
pub struct AppSrc {
    element: Element,
}

impl AppSrc {
    /// A new `appsrc`.
    pub fn new(name: Option<&str>) -> Result<AppSrc, Error> {
        AppSrc::from_element(Element::make("appsrc", name)?)
    }

    /// Wraps an element that must be an appsrc.
    pub fn from_element(element: Element) -> Result<AppSrc, Error> {
        // SAFETY: pure type query.
        check_type(&element, unsafe { asys::gst_app_src_get_type() }, "GstAppSrc")?;
        Ok(AppSrc { element })
    }

    fn raw(&self) -> *mut asys::GstAppSrc {
        self.element.as_ptr().cast()
    }

    /// The element view.
    pub fn as_element(&self) -> &Element {
        &self.element
    }

    /// Timestamped video: `format=time`, `is-live` as given, caps set, and the queue limited to
    /// `max_buffers` buffers rather than bytes (1.22's 200000-byte default is less than one
    /// frame). `block=false`: a push never blocks the realtime caller; past the limit appsrc
    /// still queues and emits "enough-data", so the caller watches
    /// [`current_level_buffers`](Self::current_level_buffers) and drops its own frames instead.
    pub fn configure_video(
        &self,
        caps: &Caps,
        is_live: bool,
        max_buffers: u64,
    ) -> Result<(), Error> {
        self.element.set_property("format", super::EnumValue::Nick("time"))?;
        self.element.set_property("is-live", is_live)?;
        self.element.set_property("max-bytes", 0u64)?;
        self.element.set_property("block", false)?;
        // SAFETY: valid appsrc (max-buffers exists since 1.20).
        unsafe { asys::gst_app_src_set_max_buffers(self.raw(), max_buffers) };
        self.set_caps(Some(caps));
        Ok(())
    }

    /// Pushes a buffer; the handle is moved in (transfer full), even when the push is refused
    /// (appsrc then releases it). Errors: [`FlowError::Flushing`] when not PLAYING/PAUSED,
    /// [`FlowError::Eos`] after [`end_of_stream`](Self::end_of_stream).
    pub fn push_buffer(&self, buffer: Buffer) -> Result<(), FlowError> {
        // SAFETY: valid appsrc; gst_app_src_push_buffer takes ownership of the reference in all
        // cases (it unrefs on refusal).
        FlowError::result(unsafe {
            asys::gst_app_src_push_buffer(self.raw(), buffer.into_raw().as_ptr())
        })
    }

    /// Pushes a sample: its buffer (a new reference; the sample keeps its own), its caps when
    /// they changed and, with `handle-segment-change=true`, its segment when that changed, so
    /// the buffer keeps the running time it had upstream (an encoder's 1000 h offset, say).
    pub fn push_sample(&self, sample: &super::Sample) -> Result<(), FlowError> {
        // SAFETY: valid appsrc and sample; `gst_app_src_push_sample` is transfer none (it takes
        // its own references to the buffer and caps).
        FlowError::result(unsafe { asys::gst_app_src_push_sample(self.raw(), sample.as_ptr()) })
    }

    /// Signals end of stream.
    pub fn end_of_stream(&self) -> Result<(), FlowError> {
        // SAFETY: valid appsrc.
        FlowError::result(unsafe { asys::gst_app_src_end_of_stream(self.raw()) })
    }

    /// Sets the caps of pushed buffers.
    pub fn set_caps(&self, caps: Option<&Caps>) {
        // SAFETY: valid appsrc; caps borrowed.
        unsafe {
            asys::gst_app_src_set_caps(self.raw(), caps.map_or(std::ptr::null(), |c| c.as_ptr()))
        };
    }

    /// The configured caps.
    pub fn caps(&self) -> Option<Caps> {
        // SAFETY: valid appsrc; returns new caps or NULL.
        let c = unsafe { asys::gst_app_src_get_caps(self.raw()) };
        // SAFETY: new reference we own.
        NonNull::new(c).map(|c| unsafe { Caps::from_glib_full(c) })
    }

    /// Bytes queued inside appsrc.
    pub fn current_level_bytes(&self) -> u64 {
        // SAFETY: valid appsrc.
        unsafe { asys::gst_app_src_get_current_level_bytes(self.raw()) }
    }

    /// Buffers queued inside appsrc.
    pub fn current_level_buffers(&self) -> u64 {
        // SAFETY: valid appsrc.
        unsafe { asys::gst_app_src_get_current_level_buffers(self.raw()) }
    }

    /// Queue limit in buffers (0 = unlimited).
    pub fn set_max_buffers(&self, max: u64) {
        // SAFETY: valid appsrc.
        unsafe { asys::gst_app_src_set_max_buffers(self.raw(), max) };
    }

    /// Queue limit in bytes (0 = unlimited).
    pub fn set_max_bytes(&self, max: u64) {
        // SAFETY: valid appsrc.
        unsafe { asys::gst_app_src_set_max_bytes(self.raw(), max) };
    }
}

impl Deref for AppSrc {
    type Target = Element;
    fn deref(&self) -> &Element {
        &self.element
    }
}

impl fmt::Debug for AppSrc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AppSrc({})", self.element.name())
    }
}
