//! The bus and its messages. Run bus loops on a control thread, never on a realtime one.

use std::fmt;
use std::ptr::{self, NonNull};

use glib_sys as glib;
use gstreamer_sys as sys;

use super::element::{Element, State};
use super::glib_util::{object_name, take_gstr};
use super::{Error, cstring, live, lossy};

/// A set of `GST_MESSAGE_*` types (bit mask).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageType(pub u32);

impl MessageType {
    /// End of stream.
    pub const EOS: MessageType = MessageType(sys::GST_MESSAGE_EOS);
    /// Error.
    pub const ERROR: MessageType = MessageType(sys::GST_MESSAGE_ERROR);
    /// Warning.
    pub const WARNING: MessageType = MessageType(sys::GST_MESSAGE_WARNING);
    /// State changed.
    pub const STATE_CHANGED: MessageType = MessageType(sys::GST_MESSAGE_STATE_CHANGED);
    /// Element-specific message.
    pub const ELEMENT: MessageType = MessageType(sys::GST_MESSAGE_ELEMENT);
    /// Application message.
    pub const APPLICATION: MessageType = MessageType(sys::GST_MESSAGE_APPLICATION);
    /// Every type.
    pub const ANY: MessageType = MessageType(sys::GST_MESSAGE_ANY);

    /// Whether any bit of `other` is set.
    pub fn intersects(self, other: MessageType) -> bool {
        self.0 & other.0 != 0
    }

    /// GStreamer's name for a single type (`"error"`).
    pub fn name(self) -> String {
        // SAFETY: returns a static string.
        unsafe { lossy(sys::gst_message_type_get_name(self.0)) }
    }
}

impl std::ops::BitOr for MessageType {
    type Output = MessageType;
    fn bitor(self, rhs: MessageType) -> MessageType {
        MessageType(self.0 | rhs.0)
    }
}

impl fmt::Debug for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageType({})", self.name())
    }
}

/// The content of an error or warning message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDetails {
    /// The human-readable message (`GError.message`).
    pub message: String,
    /// Debug details (file, function, reason) if any.
    pub debug: Option<String>,
    /// Name of the element that posted it.
    pub source: Option<String>,
    /// GError domain (`"gst-stream-error-quark"`).
    pub domain: String,
    /// GError code within the domain.
    pub code: i32,
}

impl fmt::Display for ErrorDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(s) => write!(f, "{s}: {}", self.message)?,
            None => write!(f, "{}", self.message)?,
        }
        if let Some(d) = &self.debug {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

/// A typed view of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageView {
    /// An error.
    Error(ErrorDetails),
    /// A warning.
    Warning(ErrorDetails),
    /// End of stream (for a pipeline: every sink reached EOS).
    Eos,
    /// A state change of `source`.
    StateChanged {
        /// Element that changed.
        source: Option<String>,
        /// Previous state.
        old: State,
        /// New state.
        new: State,
        /// Pending target.
        pending: State,
    },
    /// An element message with its structure name.
    Element {
        /// Structure name.
        name: String,
    },
    /// An application message with its structure name.
    Application {
        /// Structure name.
        name: String,
    },
    /// Any other type.
    Other(MessageType),
}

/// One owned reference to a `GstMessage`.
#[repr(transparent)]
pub struct Message {
    ptr: NonNull<sys::GstMessage>,
}

// SAFETY: messages are immutable once posted and reference counted atomically.
unsafe impl Send for Message {}
// SAFETY: as above.
unsafe impl Sync for Message {}

impl Message {
    /// Takes ownership of a message reference.
    ///
    /// # Safety
    /// `ptr` is valid and the caller transfers one reference.
    pub unsafe fn from_glib_full(ptr: NonNull<sys::GstMessage>) -> Message {
        live::inc();
        Message { ptr }
    }

    /// Gives up the reference (transfer full).
    pub fn into_raw(self) -> NonNull<sys::GstMessage> {
        let ptr = std::mem::ManuallyDrop::new(self).ptr;
        live::dec();
        ptr
    }

    /// The raw pointer.
    pub fn as_ptr(&self) -> *mut sys::GstMessage {
        self.ptr.as_ptr()
    }

    /// An error message (library error "failed") from `src`.
    pub fn new_error(
        src: Option<&Element>,
        text: &str,
        debug: Option<&str>,
    ) -> Result<Message, Error> {
        let t = cstring(text)?;
        let d = debug.map(cstring).transpose()?;
        let _t = live::begin()?;
        // SAFETY: the GError is created, borrowed by gst_message_new_error (which copies it) and
        // freed; `src` is a valid object or NULL.
        let p = unsafe {
            let err = glib::g_error_new_literal(
                sys::gst_library_error_quark(),
                sys::GST_LIBRARY_ERROR_FAILED,
                t.as_ptr(),
            );
            let m = sys::gst_message_new_error(
                src.map_or(ptr::null_mut(), |e| e.as_ptr().cast()),
                err,
                d.as_ref().map_or(ptr::null(), |d| d.as_ptr()),
            );
            glib::g_error_free(err);
            m
        };
        let ptr = NonNull::new(p).ok_or(Error::Missing("message"))?;
        live::inc();
        Ok(Message { ptr })
    }

    /// An application message whose structure is named `name`.
    pub fn new_application(src: Option<&Element>, name: &str) -> Result<Message, Error> {
        let n = cstring(name)?;
        let _t = live::begin()?;
        // SAFETY: the new structure is transferred to the message; `src` valid or NULL.
        let p = unsafe {
            let s = sys::gst_structure_new_empty(n.as_ptr());
            sys::gst_message_new_application(src.map_or(ptr::null_mut(), |e| e.as_ptr().cast()), s)
        };
        let ptr = NonNull::new(p).ok_or(Error::Missing("message"))?;
        live::inc();
        Ok(Message { ptr })
    }

    fn raw_type(&self) -> sys::GstMessageType {
        // SAFETY: the type field is immutable after creation.
        unsafe { ptr::addr_of!((*self.as_ptr()).type_).read() }
    }

    /// The message type.
    pub fn type_(&self) -> MessageType {
        MessageType(self.raw_type())
    }

    /// Name of the object that posted it.
    pub fn src_name(&self) -> Option<String> {
        // SAFETY: `src` is immutable after creation and the message holds a reference to it.
        unsafe {
            let src = ptr::addr_of!((*self.as_ptr()).src).read();
            (!src.is_null()).then(|| object_name(src))
        }
    }

    /// Whether `element` posted it.
    pub fn is_from(&self, element: &Element) -> bool {
        // SAFETY: immutable field.
        let src = unsafe { ptr::addr_of!((*self.as_ptr()).src).read() };
        ptr::eq(src, element.as_ptr().cast())
    }

    fn parse_gerror(
        &self,
        f: unsafe extern "C" fn(
            *mut sys::GstMessage,
            *mut *mut glib::GError,
            *mut *mut std::ffi::c_char,
        ),
    ) -> ErrorDetails {
        let (mut err, mut dbg) = (ptr::null_mut(), ptr::null_mut());
        // SAFETY: `f` is the parse function matching this message type; both outputs are
        // transfer full and freed below.
        unsafe {
            f(self.as_ptr(), &mut err, &mut dbg);
            let (message, domain, code) = if err.is_null() {
                (String::new(), String::new(), 0)
            } else {
                let m = lossy((*err).message);
                let d = lossy(glib::g_quark_to_string((*err).domain));
                let c = (*err).code;
                glib::g_error_free(err);
                (m, d, c)
            };
            ErrorDetails { message, debug: take_gstr(dbg), source: self.src_name(), domain, code }
        }
    }

    /// The error's message, debug string and source element; `None` for other types.
    pub fn parse_error(&self) -> Option<ErrorDetails> {
        (self.raw_type() == sys::GST_MESSAGE_ERROR)
            .then(|| self.parse_gerror(sys::gst_message_parse_error))
    }

    /// The warning's details; `None` for other types.
    pub fn parse_warning(&self) -> Option<ErrorDetails> {
        (self.raw_type() == sys::GST_MESSAGE_WARNING)
            .then(|| self.parse_gerror(sys::gst_message_parse_warning))
    }

    /// `(old, new, pending)` of a state-changed message.
    pub fn parse_state_changed(&self) -> Option<(State, State, State)> {
        if self.raw_type() != sys::GST_MESSAGE_STATE_CHANGED {
            return None;
        }
        let (mut o, mut n, mut p) = (0, 0, 0);
        // SAFETY: a state-changed message and valid out-pointers.
        unsafe { sys::gst_message_parse_state_changed(self.as_ptr(), &mut o, &mut n, &mut p) };
        Some((state_of(o), state_of(n), state_of(p)))
    }

    /// The name of the message's structure, if it has one.
    pub fn structure_name(&self) -> Option<String> {
        // SAFETY: the structure is borrowed from the message (transfer none) and read only.
        unsafe {
            let s = sys::gst_message_get_structure(self.as_ptr());
            (!s.is_null()).then(|| lossy(sys::gst_structure_get_name(s)))
        }
    }

    /// A typed view.
    pub fn view(&self) -> MessageView {
        match self.raw_type() {
            sys::GST_MESSAGE_ERROR => {
                MessageView::Error(self.parse_gerror(sys::gst_message_parse_error))
            }
            sys::GST_MESSAGE_WARNING => {
                MessageView::Warning(self.parse_gerror(sys::gst_message_parse_warning))
            }
            sys::GST_MESSAGE_EOS => MessageView::Eos,
            sys::GST_MESSAGE_STATE_CHANGED => {
                let (old, new, pending) = self.parse_state_changed().unwrap_or((
                    State::VoidPending,
                    State::VoidPending,
                    State::VoidPending,
                ));
                MessageView::StateChanged { source: self.src_name(), old, new, pending }
            }
            sys::GST_MESSAGE_ELEMENT => {
                MessageView::Element { name: self.structure_name().unwrap_or_default() }
            }
            sys::GST_MESSAGE_APPLICATION => {
                MessageView::Application { name: self.structure_name().unwrap_or_default() }
            }
            t => MessageView::Other(MessageType(t)),
        }
    }
}

fn state_of(s: sys::GstState) -> State {
    match s {
        sys::GST_STATE_NULL => State::Null,
        sys::GST_STATE_READY => State::Ready,
        sys::GST_STATE_PAUSED => State::Paused,
        sys::GST_STATE_PLAYING => State::Playing,
        _ => State::VoidPending,
    }
}

impl Clone for Message {
    fn clone(&self) -> Message {
        // SAFETY: we hold a reference.
        unsafe { sys::gst_mini_object_ref(self.ptr.as_ptr().cast()) };
        live::inc();
        Message { ptr: self.ptr }
    }
}

impl Drop for Message {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { sys::gst_mini_object_unref(self.ptr.as_ptr().cast()) };
        live::dec();
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("type", &self.type_())
            .field("src", &self.src_name())
            .field("view", &self.view())
            .finish()
    }
}

/// One owned reference to a `GstBus`.
pub struct Bus {
    ptr: NonNull<sys::GstBus>,
}

// SAFETY: GstBus is thread-safe (internal locking).
unsafe impl Send for Bus {}
// SAFETY: as above.
unsafe impl Sync for Bus {}

impl Bus {
    /// Takes ownership of a bus reference.
    ///
    /// # Safety
    /// `ptr` is valid and the caller transfers one reference.
    pub unsafe fn from_glib_full(ptr: NonNull<sys::GstBus>) -> Bus {
        live::inc();
        Bus { ptr }
    }

    /// Waits up to `timeout_ns` (`None` = forever, `Some(0)` = poll) for a message of one of
    /// `types`; other messages popped meanwhile are dropped.
    pub fn timed_pop_filtered(
        &self,
        timeout_ns: Option<u64>,
        types: MessageType,
    ) -> Option<Message> {
        // SAFETY: valid bus; returns a new message reference or NULL.
        let p = unsafe {
            sys::gst_bus_timed_pop_filtered(
                self.ptr.as_ptr(),
                timeout_ns.unwrap_or(sys::GST_CLOCK_TIME_NONE),
                types.0,
            )
        };
        let ptr = NonNull::new(p)?;
        live::inc();
        Some(Message { ptr })
    }

    /// Waits up to `timeout_ns` for any message.
    pub fn timed_pop(&self, timeout_ns: Option<u64>) -> Option<Message> {
        self.timed_pop_filtered(timeout_ns, MessageType::ANY)
    }

    /// Posts a message.
    pub fn post(&self, msg: Message) -> Result<(), Error> {
        // SAFETY: valid bus; the message reference is transferred.
        let ok = unsafe { sys::gst_bus_post(self.ptr.as_ptr(), msg.into_raw().as_ptr()) };
        if ok == 0 { Err(Error::Missing("bus accepting messages (flushing)")) } else { Ok(()) }
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { sys::gst_object_unref(self.ptr.as_ptr().cast()) };
        live::dec();
    }
}

impl fmt::Debug for Bus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bus")
    }
}
