//! Owned RAII handles over raw `gstreamer-sys`, modelled on gstreamer-rs.
//!
//! Every GStreamer object pitchcam touches is held through one of two shapes:
//!
//! * an **owned handle** (`Buffer`, `Caps`, `Element`, `Pipeline`, `Message`, `Sample`, …):
//!   `#[repr(transparent)]` over a `NonNull` pointer that owns exactly one reference. `Clone`
//!   takes another reference, `Drop` releases it. Transfer-full calls consume the handle
//!   ([`Buffer::into_raw`], [`AppSrc::push_buffer`]) so the C ownership contract is a Rust move.
//! * a **borrowed view** (`BufferRef`, `QueryRef`, `EventRef`): a `#[repr(transparent)]` wrapper
//!   around the C struct itself, reached by `&`/`&mut` only. Mutation needs `&mut`, and a `&mut`
//!   is handed out only when GStreamer says the object is writable (refcount 1), so "you may only
//!   modify what you exclusively own" is checked by the compiler.
//!
//! Callbacks (pad probes, appsink callbacks) box the Rust closure into `user_data`, free it in
//! the `GDestroyNotify`, and run it under `catch_unwind`: a panic becomes an error message on the
//! bus and a defined return value, never unwinding into C.
//!
//! Everything here is safe to call from any thread once [`init`] has succeeded; constructors call
//! [`init`] themselves, which after the first call is one atomic load.

mod app;
mod buffer;
mod bus;
mod caps;
mod element;
mod event;
mod glib_util;
mod pad;
mod pool;
mod query;
mod sample;
mod tracer;
mod value;
mod video;

use std::ffi::CStr;
use std::fmt;
use std::ptr;
use std::sync::OnceLock;

use gstreamer_sys as sys;

pub use app::{AppSink, AppSinkCallbacks, AppSrc};
pub use buffer::{Buffer, BufferFlags, BufferMap, BufferMapMut, BufferRef};
pub use bus::{Bus, ErrorDetails, Message, MessageType, MessageView};
pub use caps::Caps;
pub use element::{Clock, Element, Pipeline, State, StateChangeSuccess};
pub use event::{Event, EventRef, EventType, Segment};
pub use pad::{AllocationAnswer, AllocationStats, Pad, ProbeId, ProbeInfo, ProbeReturn, ProbeType};
pub use pool::{BufferPool, PoolConfig};
pub use query::{Query, QueryRef, QueryType};
pub use sample::Sample;
pub use tracer::{Checkpoint, LeaksTracer};
pub use value::{EnumValue, FromProperty, Value};
pub use video::{VideoFormat, VideoFrame, VideoFrameMut, VideoInfo, video_meta_api};

/// "No timestamp" (`GST_CLOCK_TIME_NONE`).
pub const CLOCK_TIME_NONE: u64 = sys::GST_CLOCK_TIME_NONE;

const _: () = assert!(CLOCK_TIME_NONE == pitchcam_core::time::CLOCK_TIME_NONE);

static INIT: OnceLock<Result<(), String>> = OnceLock::new();

/// Initialises GStreamer once for the process; later calls return the first outcome.
///
/// Fails with [`Error::Init`] carrying GStreamer's own message when `gst_init_check` refuses
/// (for example a broken registry or an invalid `GST_*` environment variable), and after
/// [`deinit`].
pub fn init() -> Result<(), Error> {
    let outcome = INIT.get_or_init(|| {
        let mut err: *mut glib_sys::GError = ptr::null_mut();
        // SAFETY: NULL argc/argv are documented as allowed; `err` is a valid out-pointer, and
        // `OnceLock` guarantees a single caller.
        let ok = unsafe { sys::gst_init_check(ptr::null_mut(), ptr::null_mut(), &mut err) };
        if ok != 0 {
            if !err.is_null() {
                // SAFETY: a non-NULL error is ours to free even on success.
                unsafe { glib_sys::g_error_free(err) };
            }
            Ok(())
        } else {
            // SAFETY: `err` is NULL or a GError we own; `take_gerror` frees it.
            let msg = unsafe { glib_util::take_gerror(err) };
            Err(msg.unwrap_or_else(|| "gst_init_check failed without a message".to_owned()))
        }
    });
    outcome.clone().map_err(Error::Init)?;
    if live::is_shut_down() {
        return Err(Error::Init("GStreamer was shut down by gst::deinit()".into()));
    }
    Ok(())
}

/// Whether [`init`] has succeeded and [`deinit`] has not run.
pub fn is_initialized() -> bool {
    matches!(INIT.get(), Some(Ok(()))) && !live::is_shut_down()
}

/// Number of pitchcam GStreamer handles (buffers, caps, elements, pads, messages, …) alive in
/// the process, including those held by installed probe and appsink closures.
pub fn live_handles() -> usize {
    live::count()
}

/// Shuts GStreamer down (`gst_deinit`) — safely: refused with [`Error::HandlesAlive`] while
/// any pitchcam handle exists, since one could still reach GStreamer afterwards. Once it
/// succeeds every constructor fails with [`Error::Init`]. The leaks tracer
/// (`GST_TRACERS=leaks`) reports at this point, so leak-checked binaries call it last.
///
/// Objects held only through raw pointers (the `unsafe` `from_glib_*`/`into_raw` APIs, the C
/// ABI) are not counted: their owners must release them first.
pub fn deinit() -> Result<(), Error> {
    if !matches!(INIT.get(), Some(Ok(()))) {
        return Ok(());
    }
    live::shut_down()?;
    // SAFETY: `shut_down` proved no counted handle exists and made every constructor fail from
    // now on (a constructor reserves its handle before touching GStreamer, and checks the state
    // after reserving), so no pitchcam code can reach GStreamer after this call.
    unsafe { sys::gst_deinit() };
    Ok(())
}

/// The count of live handles and the shutdown handshake.
///
/// A constructor reserves its count *before* calling GStreamer and then checks that GStreamer
/// is not shut down; `deinit` marks the shutdown *before* checking the count. With sequentially
/// consistent operations on both sides, either the constructor sees the shutdown and backs off,
/// or `deinit` sees the reservation and refuses. Handles derived from a live one (clones, a
/// bin's children, a sample's buffer) only increment: the live parent already blocks `deinit`.
pub(crate) mod live {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use super::Error;

    static LIVE: AtomicUsize = AtomicUsize::new(0);
    static SHUT_DOWN: AtomicBool = AtomicBool::new(false);

    pub(crate) fn count() -> usize {
        LIVE.load(Ordering::SeqCst)
    }

    pub(crate) fn is_shut_down() -> bool {
        SHUT_DOWN.load(Ordering::SeqCst)
    }

    /// A reserved handle count; released on drop unless [`Token::keep`] hands it to a handle.
    #[must_use]
    pub(crate) struct Token(());

    impl Token {
        /// The new handle now owns the count (its `Drop` releases it).
        pub(crate) fn keep(self) {
            std::mem::forget(self);
        }
    }

    impl Drop for Token {
        fn drop(&mut self) {
            dec();
        }
    }

    /// Reserves a count for a handle about to be created from scratch.
    pub(crate) fn begin() -> Result<Token, Error> {
        super::init()?;
        LIVE.fetch_add(1, Ordering::SeqCst);
        let t = Token(());
        if SHUT_DOWN.load(Ordering::SeqCst) {
            return Err(Error::Init("GStreamer was shut down by gst::deinit()".into()));
        }
        Ok(t)
    }

    /// One more handle derived from a live one.
    pub(crate) fn inc() {
        LIVE.fetch_add(1, Ordering::Relaxed);
    }

    /// A handle is gone (after its GStreamer reference was released).
    pub(crate) fn dec() {
        LIVE.fetch_sub(1, Ordering::Release);
    }

    pub(crate) fn shut_down() -> Result<(), Error> {
        if SHUT_DOWN.swap(true, Ordering::SeqCst) {
            return Err(Error::Init("GStreamer was already shut down".into()));
        }
        let n = LIVE.load(Ordering::SeqCst);
        if n != 0 {
            SHUT_DOWN.store(false, Ordering::SeqCst);
            return Err(Error::HandlesAlive(n));
        }
        Ok(())
    }
}

/// GStreamer's runtime version `(major, minor, micro, nano)`.
pub fn version() -> (u32, u32, u32, u32) {
    let (mut a, mut b, mut c, mut d) = (0, 0, 0, 0);
    // SAFETY: four valid out-pointers; callable before init.
    unsafe { sys::gst_version(&mut a, &mut b, &mut c, &mut d) };
    (a, b, c, d)
}

/// Why a GStreamer operation failed. Messages name the element, property or caps involved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// `gst_init_check` failed; GStreamer's message.
    Init(String),
    /// A pipeline description did not parse; GStreamer's message, verbatim.
    Parse(String),
    /// A string passed to GStreamer contained a NUL byte.
    InteriorNul(String),
    /// `gst_element_factory_make` failed: the plugin providing `factory` is not installed.
    NoSuchFactory {
        /// The factory name asked for.
        factory: String,
    },
    /// No element of that name in the bin.
    NoSuchElement {
        /// The name looked up.
        name: String,
    },
    /// The element has no pad of that name.
    NoSuchPad {
        /// Element name.
        element: String,
        /// Pad name.
        pad: String,
    },
    /// The object is not of the GType the wrapper needs.
    WrongType {
        /// Object name.
        object: String,
        /// What it is.
        actual: String,
        /// What was needed.
        expected: &'static str,
    },
    /// The object has no property of that name.
    UnknownProperty {
        /// Object name.
        object: String,
        /// Type name of the object.
        type_name: String,
        /// Property asked for.
        property: String,
    },
    /// The value's type does not fit the property's type.
    PropertyType {
        /// Object name.
        object: String,
        /// Property name.
        property: String,
        /// The property's GType name.
        expected: String,
        /// What was given or asked for.
        actual: String,
    },
    /// The value has the right type but is out of range or not a valid enum value.
    PropertyValue {
        /// Object name.
        object: String,
        /// Property name.
        property: String,
        /// Why (e.g. the valid range or the valid enum nicks).
        reason: String,
    },
    /// The property exists but cannot be written (or read).
    PropertyAccess {
        /// Object name.
        object: String,
        /// Property name.
        property: String,
        /// "write" or "read".
        access: &'static str,
    },
    /// A caps string did not parse.
    Caps(String),
    /// Caps are not fixed raw video (or another video-info problem).
    VideoInfo(String),
    /// A state change failed.
    StateChange {
        /// Element name.
        element: String,
        /// The state that was asked for.
        target: State,
    },
    /// Two elements or pads could not be linked.
    Link {
        /// Source element.
        src: String,
        /// Sink element.
        sink: String,
    },
    /// Buffer pool configuration or activation failed.
    Pool(String),
    /// A buffer could not be allocated or mapped.
    Buffer(String),
    /// A mutable operation on an object that is shared (refcount > 1).
    NotWritable(&'static str),
    /// The element refused an event.
    Event(&'static str),
    /// A query operation failed.
    Query(String),
    /// The object has no bus / clock / parent.
    Missing(&'static str),
    /// [`deinit`] refused: this many pitchcam handles are still alive.
    HandlesAlive(usize),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Init(m) => write!(f, "GStreamer initialisation failed: {m}"),
            Error::Parse(m) => write!(f, "{m}"),
            Error::InteriorNul(s) => write!(f, "string contains a NUL byte: {s:?}"),
            Error::NoSuchFactory { factory } => write!(
                f,
                "no GStreamer element \"{factory}\": the plugin that provides it is not installed \
                 (check `gst-inspect-1.0 {factory}`)"
            ),
            Error::NoSuchElement { name } => {
                write!(f, "no element named \"{name}\" in the pipeline")
            }
            Error::NoSuchPad { element, pad } => {
                write!(f, "element \"{element}\" has no pad \"{pad}\"")
            }
            Error::WrongType { object, actual, expected } => {
                write!(f, "\"{object}\" is a {actual}, not a {expected}")
            }
            Error::UnknownProperty { object, type_name, property } => {
                write!(f, "{type_name} \"{object}\" has no property \"{property}\"")
            }
            Error::PropertyType { object, property, expected, actual } => write!(
                f,
                "property \"{property}\" of \"{object}\" has type {expected}, got {actual}"
            ),
            Error::PropertyValue { object, property, reason } => {
                write!(f, "invalid value for property \"{property}\" of \"{object}\": {reason}")
            }
            Error::PropertyAccess { object, property, access } => {
                write!(f, "property \"{property}\" of \"{object}\" is not {access}able")
            }
            Error::Caps(s) => write!(f, "could not parse caps \"{s}\""),
            Error::VideoInfo(m) => write!(f, "not usable as raw video: {m}"),
            Error::StateChange { element, target } => {
                write!(
                    f,
                    "\"{element}\" failed to change state to {target:?} (see the bus for why)"
                )
            }
            Error::Link { src, sink } => write!(f, "could not link \"{src}\" to \"{sink}\""),
            Error::Pool(m) => write!(f, "buffer pool: {m}"),
            Error::Buffer(m) => write!(f, "buffer: {m}"),
            Error::NotWritable(what) => {
                write!(f, "{what} is shared (refcount > 1) and not writable")
            }
            Error::Event(what) => write!(f, "event {what} was not handled"),
            Error::Query(m) => write!(f, "query: {m}"),
            Error::Missing(what) => write!(f, "no {what}"),
            Error::HandlesAlive(n) => write!(
                f,
                "cannot shut GStreamer down: {n} pitchcam handle(s) still alive (drop every \
                 buffer, element, pipeline and message first)"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// A non-OK `GstFlowReturn`, as a Rust error. `Copy` and allocation-free for hot paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowError {
    /// A non-blocking pool acquire found every buffer in use (`DONTWAIT` + `GST_FLOW_EOS`).
    Exhausted,
    /// The element or pool is flushing or inactive.
    Flushing,
    /// End of stream.
    Eos,
    /// Pad not linked.
    NotLinked,
    /// Caps not negotiated.
    NotNegotiated,
    /// Operation not supported.
    NotSupported,
    /// Fatal error (an error message was posted on the bus).
    Error,
    /// Any other (custom) non-success value.
    Other(i32),
}

impl FlowError {
    /// Maps a raw return: success values (≥ 0) are `Ok`.
    pub fn result(ret: sys::GstFlowReturn) -> Result<(), FlowError> {
        match ret {
            r if r >= sys::GST_FLOW_OK => Ok(()),
            sys::GST_FLOW_FLUSHING => Err(FlowError::Flushing),
            sys::GST_FLOW_EOS => Err(FlowError::Eos),
            sys::GST_FLOW_NOT_LINKED => Err(FlowError::NotLinked),
            sys::GST_FLOW_NOT_NEGOTIATED => Err(FlowError::NotNegotiated),
            sys::GST_FLOW_NOT_SUPPORTED => Err(FlowError::NotSupported),
            sys::GST_FLOW_ERROR => Err(FlowError::Error),
            other => Err(FlowError::Other(other)),
        }
    }

    /// The raw value GStreamer uses (`Exhausted` is `GST_FLOW_EOS`, as the pool returns it).
    pub fn into_raw(self) -> sys::GstFlowReturn {
        match self {
            FlowError::Exhausted | FlowError::Eos => sys::GST_FLOW_EOS,
            FlowError::Flushing => sys::GST_FLOW_FLUSHING,
            FlowError::NotLinked => sys::GST_FLOW_NOT_LINKED,
            FlowError::NotNegotiated => sys::GST_FLOW_NOT_NEGOTIATED,
            FlowError::NotSupported => sys::GST_FLOW_NOT_SUPPORTED,
            FlowError::Error => sys::GST_FLOW_ERROR,
            FlowError::Other(v) => v,
        }
    }
}

impl fmt::Display for FlowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            FlowError::Exhausted => "buffer pool exhausted (every buffer is in use)",
            FlowError::Flushing => "flushing",
            FlowError::Eos => "end of stream",
            FlowError::NotLinked => "not linked",
            FlowError::NotNegotiated => "not negotiated",
            FlowError::NotSupported => "not supported",
            FlowError::Error => "error",
            FlowError::Other(v) => return write!(f, "flow return {v}"),
        };
        f.write_str(s)
    }
}

impl std::error::Error for FlowError {}

/// Converts a Rust string for a C call, naming the offending string on failure.
pub(crate) fn cstring(s: &str) -> Result<std::ffi::CString, Error> {
    std::ffi::CString::new(s).map_err(|_| Error::InteriorNul(s.to_owned()))
}

/// Lossy UTF-8 copy of a borrowed C string (NULL → empty).
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for the call.
pub(crate) unsafe fn lossy(p: *const std::ffi::c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        // SAFETY: the caller guarantees a valid NUL-terminated string.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}
