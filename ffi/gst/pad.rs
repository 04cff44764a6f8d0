//! Pads and pad probes.
//!
//! A probe's closure is boxed into the probe's `user_data` and freed by the `GDestroyNotify`
//! when the probe goes away (removed, returned [`ProbeReturn::Remove`], or the pad died). The
//! trampoline gives the closure typed, borrowed access to the data in flight ([`ProbeInfo`]) and
//! applies the ownership rules of each return value (a `Handled` buffer or event is released
//! here, as GStreamer expects of the probe). A panic in the closure is caught: the probe posts an
//! error message on the bus through the pad's parent element, drops the data that panicked,
//! and removes itself at its next call — it never unwinds into GStreamer.
//!
//! GStreamer may call one probe from several threads (buffers on the streaming thread, a query
//! from the application thread), so the `FnMut` closure runs under an uncontended lock: one
//! atomic operation per call when, as on a pitchcam ring-input pad, only the streaming thread
//! calls it.

use std::any::Any;
use std::ffi::c_ulong;
use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use glib_sys::gpointer;
use gstreamer_sys as sys;

use super::buffer::{Buffer, BufferRef};
use super::caps::Caps;
use super::element::Element;
use super::event::{Event, EventRef};
use super::glib_util::object_name;
use super::pool::BufferPool;
use super::query::{QueryRef, QueryType};
use super::video::{VideoInfo, video_meta_api};
use super::{Error, Query, live};

/// One owned reference to a `GstPad`.
#[repr(transparent)]
pub struct Pad {
    ptr: NonNull<sys::GstPad>,
}

// SAFETY: GstPad is a thread-safe GstObject.
unsafe impl Send for Pad {}
// SAFETY: as above.
unsafe impl Sync for Pad {}

/// Which data a probe sees (`GST_PAD_PROBE_TYPE_*` bit mask).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProbeType(pub u32);

impl ProbeType {
    /// Buffers.
    pub const BUFFER: ProbeType = ProbeType(sys::GST_PAD_PROBE_TYPE_BUFFER);
    /// Buffer lists.
    pub const BUFFER_LIST: ProbeType = ProbeType(sys::GST_PAD_PROBE_TYPE_BUFFER_LIST);
    /// Downstream events.
    pub const EVENT_DOWNSTREAM: ProbeType = ProbeType(sys::GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM);
    /// Upstream events.
    pub const EVENT_UPSTREAM: ProbeType = ProbeType(sys::GST_PAD_PROBE_TYPE_EVENT_UPSTREAM);
    /// Flush events.
    pub const EVENT_FLUSH: ProbeType = ProbeType(sys::GST_PAD_PROBE_TYPE_EVENT_FLUSH);
    /// Downstream queries (ALLOCATION travels downstream).
    pub const QUERY_DOWNSTREAM: ProbeType = ProbeType(sys::GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM);
    /// Upstream queries.
    pub const QUERY_UPSTREAM: ProbeType = ProbeType(sys::GST_PAD_PROBE_TYPE_QUERY_UPSTREAM);
    /// Events in either direction (and flush events).
    pub const EVENT_BOTH: ProbeType = ProbeType(
        sys::GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM
            | sys::GST_PAD_PROBE_TYPE_EVENT_UPSTREAM
            | sys::GST_PAD_PROBE_TYPE_EVENT_FLUSH,
    );
    /// Queries in either direction.
    pub const QUERY_BOTH: ProbeType = ProbeType(
        sys::GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM | sys::GST_PAD_PROBE_TYPE_QUERY_UPSTREAM,
    );
    /// Block the pad while the probe is installed.
    pub const BLOCK: ProbeType = ProbeType(sys::GST_PAD_PROBE_TYPE_BLOCK);
    /// Called when the pad is idle.
    pub const IDLE: ProbeType = ProbeType(sys::GST_PAD_PROBE_TYPE_IDLE);

    /// Whether any bit of `other` is set.
    pub fn intersects(self, other: ProbeType) -> bool {
        self.0 & other.0 != 0
    }
}

impl std::ops::BitOr for ProbeType {
    type Output = ProbeType;
    fn bitor(self, rhs: ProbeType) -> ProbeType {
        ProbeType(self.0 | rhs.0)
    }
}

impl fmt::Debug for ProbeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProbeType({:#x})", self.0)
    }
}

/// What a probe closure decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeReturn {
    /// Let the data pass; keep the probe.
    Ok,
    /// Drop the data (a dropped query fails); keep the probe.
    Drop,
    /// Let the data pass and remove the probe.
    Remove,
    /// The probe consumed the data: a buffer or event is released (and not passed on); a query
    /// counts as answered (`TRUE`) with what the closure wrote into it.
    Handled,
}

const INSTALLED: u8 = 0;
const REMOVING: u8 = 1;
const REMOVED: u8 = 2;

/// State shared by a probe's trampoline and its [`ProbeId`].
#[derive(Debug)]
struct ProbeShared {
    state: AtomicU8,
    panicked: AtomicBool,
    calls: AtomicU64,
}

/// Handle to an installed probe, for [`Pad::remove_probe`] and for reading its health.
#[derive(Debug)]
pub struct ProbeId {
    id: c_ulong,
    shared: Arc<ProbeShared>,
}

impl ProbeId {
    /// GStreamer's probe id.
    pub fn raw(&self) -> c_ulong {
        self.id
    }

    /// Whether the closure panicked (an error was posted on the bus).
    pub fn has_panicked(&self) -> bool {
        self.shared.panicked.load(Ordering::Acquire)
    }

    /// Whether the probe is gone (removed by [`ProbeReturn::Remove`], a panic, or the pad).
    pub fn is_removed(&self) -> bool {
        self.shared.state.load(Ordering::Acquire) == REMOVED
    }

    /// How many times the closure has been called.
    pub fn calls(&self) -> u64 {
        self.shared.calls.load(Ordering::Relaxed)
    }
}

/// The data in flight, as a probe closure sees it. Borrowed for the call only.
pub struct ProbeInfo<'a> {
    info: *mut sys::GstPadProbeInfo,
    pad: &'a Pad,
    _info: PhantomData<&'a mut sys::GstPadProbeInfo>,
}

impl<'a> ProbeInfo<'a> {
    /// What kind of data this call carries.
    pub fn probe_type(&self) -> ProbeType {
        // SAFETY: `info` is valid for the call.
        ProbeType(unsafe { (*self.info).type_ })
    }

    /// The pad the probe is installed on.
    pub fn pad(&self) -> &Pad {
        self.pad
    }

    /// The buffer passing by (borrowed: GStreamer holds the reference).
    pub fn buffer(&self) -> Option<&BufferRef> {
        if !self.probe_type().intersects(ProbeType::BUFFER) {
            return None;
        }
        // SAFETY: returns info->data when this call carries a buffer, else NULL; the buffer
        // lives at least for the call.
        unsafe {
            let b = sys::gst_pad_probe_info_get_buffer(self.info);
            (!b.is_null()).then(|| BufferRef::from_ptr(b))
        }
    }

    /// The buffer, mutably, when the pad holds the only reference (in-place changes are what
    /// gets pushed on).
    pub fn buffer_mut(&mut self) -> Option<&mut BufferRef> {
        if !self.probe_type().intersects(ProbeType::BUFFER) {
            return None;
        }
        // SAFETY: as `buffer`; `&mut self` and the writability check make the access exclusive.
        unsafe {
            let b = sys::gst_pad_probe_info_get_buffer(self.info);
            if b.is_null() || sys::gst_mini_object_is_writable(b.cast()) == 0 {
                return None;
            }
            Some(BufferRef::from_mut_ptr(b))
        }
    }

    /// A new owned reference to the buffer (one atomic increment, no allocation).
    pub fn buffer_owned(&self) -> Option<Buffer> {
        self.buffer().map(BufferRef::to_owned_buffer)
    }

    /// The event passing by.
    pub fn event(&self) -> Option<&EventRef> {
        // Asking a buffer or query call for its event is a g_critical in GStreamer (fatal under
        // G_DEBUG=fatal-warnings): look at the call's type first.
        if !self.probe_type().intersects(ProbeType::EVENT_BOTH) {
            return None;
        }
        // SAFETY: event or NULL; lives for the call.
        unsafe {
            let e = sys::gst_pad_probe_info_get_event(self.info);
            (!e.is_null()).then(|| EventRef::from_ptr(e))
        }
    }

    /// The query passing by.
    pub fn query(&self) -> Option<&QueryRef> {
        if !self.probe_type().intersects(ProbeType::QUERY_BOTH) {
            return None;
        }
        // SAFETY: query or NULL; lives for the call.
        unsafe {
            let q = sys::gst_pad_probe_info_get_query(self.info);
            (!q.is_null()).then(|| QueryRef::from_ptr(q))
        }
    }

    /// The query, mutably (to answer it), when writable.
    pub fn query_mut(&mut self) -> Option<&mut QueryRef> {
        if !self.probe_type().intersects(ProbeType::QUERY_BOTH) {
            return None;
        }
        // SAFETY: as `query`, plus exclusivity through `&mut self` and the writability check.
        unsafe {
            let q = sys::gst_pad_probe_info_get_query(self.info);
            if q.is_null() || sys::gst_mini_object_is_writable(q.cast()) == 0 {
                return None;
            }
            Some(QueryRef::from_mut_ptr(q))
        }
    }
}

impl fmt::Debug for ProbeInfo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProbeInfo").field("type", &self.probe_type()).finish()
    }
}

struct ProbeState<F> {
    f: Mutex<F>,
    shared: Arc<ProbeShared>,
}

impl<F> Drop for ProbeState<F> {
    fn drop(&mut self) {
        self.shared.state.store(REMOVED, Ordering::Release);
    }
}

/// Human-readable panic payload.
pub(crate) fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

fn claim_removal(shared: &ProbeShared) -> bool {
    shared.state.compare_exchange(INSTALLED, REMOVING, Ordering::AcqRel, Ordering::Acquire).is_ok()
}

unsafe extern "C" fn probe_trampoline<F>(
    pad: *mut sys::GstPad,
    info: *mut sys::GstPadProbeInfo,
    user_data: gpointer,
) -> sys::GstPadProbeReturn
where
    F: FnMut(&mut ProbeInfo<'_>) -> ProbeReturn + Send + 'static,
{
    // SAFETY: `user_data` is the `ProbeState<F>` boxed by `add_probe`, alive until the destroy
    // notify, which GStreamer never runs concurrently with a call.
    let state = unsafe { &*(user_data as *const ProbeState<F>) };
    if state.shared.panicked.load(Ordering::Acquire) {
        return if claim_removal(&state.shared) {
            sys::GST_PAD_PROBE_REMOVE
        } else {
            sys::GST_PAD_PROBE_DROP
        };
    }
    state.shared.calls.fetch_add(1, Ordering::Relaxed);
    // The pad is borrowed for the call: GStreamer holds it. ManuallyDrop: no unref.
    // SAFETY: GStreamer passes a valid, non-NULL pad.
    let pad_handle = ManuallyDrop::new(Pad { ptr: unsafe { NonNull::new_unchecked(pad) } });
    let mut pinfo = ProbeInfo { info, pad: &pad_handle, _info: PhantomData };
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut f = state.f.lock().unwrap_or_else(|e| e.into_inner());
        (f)(&mut pinfo)
    }));
    match result {
        Ok(ProbeReturn::Ok) => sys::GST_PAD_PROBE_OK,
        Ok(ProbeReturn::Drop) => sys::GST_PAD_PROBE_DROP,
        Ok(ProbeReturn::Remove) => {
            if claim_removal(&state.shared) {
                sys::GST_PAD_PROBE_REMOVE
            } else {
                // `remove_probe` is removing it right now; it must stay the only remover.
                sys::GST_PAD_PROBE_OK
            }
        }
        Ok(ProbeReturn::Handled) => {
            // SAFETY: for buffers, buffer lists and events, HANDLED means the probe owns the
            // data; we release it and clear the slot. Queries stay owned by the caller.
            unsafe {
                let t = (*info).type_;
                let owned = sys::GST_PAD_PROBE_TYPE_BUFFER
                    | sys::GST_PAD_PROBE_TYPE_BUFFER_LIST
                    | sys::GST_PAD_PROBE_TYPE_EVENT_BOTH
                    | sys::GST_PAD_PROBE_TYPE_EVENT_FLUSH;
                if t & owned != 0 && !(*info).data.is_null() {
                    sys::gst_mini_object_unref((*info).data.cast());
                    (*info).data = std::ptr::null_mut();
                }
            }
            sys::GST_PAD_PROBE_HANDLED
        }
        Err(payload) => {
            state.shared.panicked.store(true, Ordering::Release);
            let text = panic_text(payload.as_ref());
            let _ = catch_unwind(AssertUnwindSafe(|| report_probe_panic(&pad_handle, &text)));
            sys::GST_PAD_PROBE_DROP
        }
    }
}

fn report_probe_panic(pad: &Pad, text: &str) {
    let where_ =
        format!("{}:{}", pad.parent_element().map(|e| e.name()).unwrap_or_default(), pad.name());
    let msg = format!("pitchcam pad probe on {where_} panicked: {text}");
    match pad.parent_element() {
        Some(el) => {
            if el
                .post_error(
                    &msg,
                    Some("the probe was disabled; the data that triggered it was dropped"),
                )
                .is_err()
            {
                eprintln!("{msg} (no bus to report on)");
            }
        }
        None => eprintln!("{msg} (pad has no parent element to report through)"),
    }
}

unsafe extern "C" fn probe_destroy<F>(user_data: gpointer) {
    // SAFETY: `user_data` is the Box leaked by `add_probe`; GStreamer calls this exactly once.
    drop(unsafe { Box::from_raw(user_data as *mut ProbeState<F>) });
}

/// Counters of an [`Pad::answer_allocation`] probe.
#[derive(Debug, Default)]
pub struct AllocationStats {
    answered: AtomicU64,
    declined: AtomicU64,
}

impl AllocationStats {
    /// ALLOCATION queries answered with the pool.
    pub fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }

    /// ALLOCATION queries passed on because the caps' frames do not fit the pool's buffers.
    pub fn declined(&self) -> u64 {
        self.declined.load(Ordering::Relaxed)
    }
}

/// An installed ALLOCATION answer: its probe and counters.
#[derive(Debug)]
pub struct AllocationAnswer {
    /// The probe (remove it with [`Pad::remove_probe`]).
    pub probe: ProbeId,
    /// Counters.
    pub stats: Arc<AllocationStats>,
}

impl Pad {
    /// Takes ownership of a pad reference.
    ///
    /// # Safety
    /// `ptr` is valid and the caller transfers one reference.
    pub unsafe fn from_glib_full(ptr: NonNull<sys::GstPad>) -> Pad {
        live::inc();
        Pad { ptr }
    }

    /// Takes a new reference to a borrowed pad.
    ///
    /// # Safety
    /// `ptr` is valid for the call.
    pub unsafe fn from_glib_borrow(ptr: NonNull<sys::GstPad>) -> Pad {
        // SAFETY: valid object per the contract.
        unsafe { sys::gst_object_ref(ptr.as_ptr().cast()) };
        live::inc();
        Pad { ptr }
    }

    /// The raw pointer.
    pub fn as_ptr(&self) -> *mut sys::GstPad {
        self.ptr.as_ptr()
    }

    /// The pad's name.
    pub fn name(&self) -> String {
        // SAFETY: valid object.
        unsafe { object_name(self.as_ptr().cast()) }
    }

    /// The element owning the pad.
    pub fn parent_element(&self) -> Option<Element> {
        // SAFETY: valid pad; returns a new reference or NULL.
        let p = unsafe { sys::gst_pad_get_parent_element(self.as_ptr()) };
        // SAFETY: new reference we own.
        NonNull::new(p).map(|p| unsafe { Element::from_glib_full(p) })
    }

    /// The linked peer pad.
    pub fn peer(&self) -> Option<Pad> {
        // SAFETY: valid pad; returns a new reference or NULL.
        let p = NonNull::new(unsafe { sys::gst_pad_get_peer(self.as_ptr()) })?;
        // SAFETY: a new reference we own.
        Some(unsafe { Pad::from_glib_full(p) })
    }

    /// The caps negotiated on this pad, if any.
    pub fn current_caps(&self) -> Option<Caps> {
        // SAFETY: valid pad; returns new caps or NULL.
        let c = unsafe { sys::gst_pad_get_current_caps(self.as_ptr()) };
        // SAFETY: new reference we own.
        NonNull::new(c).map(|c| unsafe { Caps::from_glib_full(c) })
    }

    /// Whether the pad is linked.
    pub fn is_linked(&self) -> bool {
        // SAFETY: valid pad.
        unsafe { sys::gst_pad_is_linked(self.as_ptr()) != 0 }
    }

    /// Runs `query` on this pad (for a sink pad: answered by this element or downstream).
    pub fn query(&self, query: &mut Query) -> bool {
        // SAFETY: valid pad and query.
        unsafe { sys::gst_pad_query(self.as_ptr(), query.as_ptr()) != 0 }
    }

    /// Runs `query` on the peer pad (what an upstream element does for ALLOCATION).
    pub fn peer_query(&self, query: &mut Query) -> bool {
        // SAFETY: valid pad and query.
        unsafe { sys::gst_pad_peer_query(self.as_ptr(), query.as_ptr()) != 0 }
    }

    /// Sends an event into this pad.
    pub fn send_event(&self, event: Event) -> Result<(), Error> {
        let name = event.type_().name();
        // SAFETY: valid pad; event transferred.
        let ok = unsafe { sys::gst_pad_send_event(self.as_ptr(), event.into_raw().as_ptr()) };
        if ok == 0 { Err(Error::Event(name)) } else { Ok(()) }
    }

    /// Installs a probe. The closure runs on whatever thread carries the data (usually the
    /// streaming thread): keep it O(1), non-blocking and allocation-free.
    pub fn add_probe<F>(&self, mask: ProbeType, f: F) -> Result<ProbeId, Error>
    where
        F: FnMut(&mut ProbeInfo<'_>) -> ProbeReturn + Send + 'static,
    {
        if mask.0 == 0 {
            return Err(Error::Missing("probe type (empty mask)"));
        }
        let shared = Arc::new(ProbeShared {
            state: AtomicU8::new(INSTALLED),
            panicked: AtomicBool::new(false),
            calls: AtomicU64::new(0),
        });
        let state = Box::new(ProbeState { f: Mutex::new(f), shared: shared.clone() });
        let ud = Box::into_raw(state) as gpointer;
        // SAFETY: valid pad; the trampoline and destroy notify match `ProbeState<F>`; GStreamer
        // owns `ud` from here and frees it through `probe_destroy` exactly once.
        let id = unsafe {
            sys::gst_pad_add_probe(
                self.as_ptr(),
                mask.0,
                Some(probe_trampoline::<F>),
                ud,
                Some(probe_destroy::<F>),
            )
        };
        if id == 0 && shared.state.load(Ordering::Acquire) != REMOVED {
            return Err(Error::Missing("probe (gst_pad_add_probe refused it)"));
        }
        Ok(ProbeId { id, shared })
    }

    /// Removes a probe. Safe to call after the probe removed itself (returned `Remove` or
    /// panicked): exactly one of the two paths removes it, so GStreamer never sees an unknown
    /// probe id (which it reports with a warning — fatal under `G_DEBUG=fatal-warnings`).
    pub fn remove_probe(&self, id: ProbeId) {
        if id.id != 0 && claim_removal(&id.shared) {
            // SAFETY: valid pad; the id is installed (we won the removal claim, and the
            // trampoline never returns REMOVE once the claim is taken).
            unsafe { sys::gst_pad_remove_probe(self.as_ptr(), id.id) };
        }
    }

    /// Answers ALLOCATION queries arriving at this (sink) pad with `pool`, using the pool's own
    /// size/min/max, and declares `GstVideoMeta` support so upstream may pad rows. Upstream then
    /// allocates every buffer from `pool`: with `min == max == N` at most N buffers ever exist.
    ///
    /// Hand the pool over **inactive**: upstream configures it with its negotiated caps and
    /// activates it, which allocates all `min` buffers before the first frame. (An active pool
    /// refuses upstream's configuration, and upstream silently falls back to its own pool — so
    /// an active pool is refused here with an error.) Later queries while the pool is active are
    /// answered only for exactly the caps it was configured with (a renegotiation to the same
    /// format); a query for other caps, or for frames larger than the pool's buffers, passes on
    /// to the element unanswered and `declined` counts it.
    pub fn answer_allocation(&self, pool: &BufferPool) -> Result<AllocationAnswer, Error> {
        if pool.is_active() {
            return Err(Error::Pool(format!(
                "{} is already active; hand it to answer_allocation inactive so upstream can \
                 configure it with the negotiated caps",
                pool.name()
            )));
        }
        let cfg = pool.config();
        let pool = pool.clone();
        let stats = Arc::new(AllocationStats::default());
        let st = stats.clone();
        let api = video_meta_api();
        let probe = self.add_probe(ProbeType::QUERY_DOWNSTREAM, move |info| {
            let Some(q) = info.query_mut() else { return ProbeReturn::Ok };
            if q.type_() != QueryType::ALLOCATION {
                return ProbeReturn::Ok;
            }
            let query_caps = q.parse_allocation().ok().and_then(|(c, _)| c);
            let fits = match &query_caps {
                Some(caps) => match VideoInfo::from_caps(caps) {
                    Ok(vi) => vi.size() <= cfg.size as usize,
                    Err(_) => true,
                },
                None => true,
            };
            // An active pool can only be re-offered for exactly its configured caps: upstream's
            // set_config is then a no-op; any other config is refused by an active pool.
            let reusable = !pool.is_active() || {
                let now = pool.config();
                matches!((&query_caps, &now.caps), (Some(a), Some(b)) if a.is_equal(b))
            };
            let fits = fits && reusable;
            if !fits {
                st.declined.fetch_add(1, Ordering::Relaxed);
                return ProbeReturn::Ok;
            }
            if q.add_allocation_pool(Some(&pool), cfg.size, cfg.min, cfg.max).is_err() {
                st.declined.fetch_add(1, Ordering::Relaxed);
                return ProbeReturn::Ok;
            }
            let _ = q.add_allocation_meta(api);
            st.answered.fetch_add(1, Ordering::Relaxed);
            ProbeReturn::Handled
        })?;
        Ok(AllocationAnswer { probe, stats })
    }
}

impl Clone for Pad {
    fn clone(&self) -> Pad {
        // SAFETY: we hold a reference.
        unsafe { Pad::from_glib_borrow(self.ptr) }
    }
}

impl Drop for Pad {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { sys::gst_object_unref(self.ptr.as_ptr().cast()) };
        live::dec();
    }
}

impl fmt::Debug for Pad {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pad({})", self.name())
    }
}
