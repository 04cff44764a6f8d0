//! pitchcam's tensor meta: detector output attached to a video frame as a custom `GstMeta`.
//!
//! The portable twin of DeepStream's `NvDsInferTensorMeta`, used by the synthetic source and by
//! any non-DeepStream detector. One meta per frame carries up to [`MAX_TENSORS`] tensor
//! descriptors (offset, rows, anchors, layout, network → panorama mapping) and **one reference**
//! to a storage `GstBuffer` holding all of the frame's tensors as contiguous little-endian `f32`.
//! Storage buffers come from a recycled pool, so a frame's tensors cost no allocation; the meta
//! holds a reference, not a copy.
//!
//! # Lifetimes and the delay ring
//!
//! The frame enters a 210-frame delay ring, but its tensors are needed only once, by analysis.
//! At the ring input the probe calls [`take_storage`] when the frame is writable: the storage
//! reference moves into a [`FrameTensors`] token, so the ring never pins tensor memory. The meta
//! itself stays on the frame, empty: removing it (`gst_buffer_remove_meta`, a slice free of a
//! block another thread allocated) cost ~1.7 µs of the probe's ~3.5 µs here, and a pooled frame
//! sheds it anyway when it returns to its pool (the pool's reset, off the streaming thread).
//! [`attach`] refills an empty meta. When the frame is shared (not writable), [`FrameTensors::from_buffer`] takes a
//! second reference instead; the storage then stays alive until the frame leaves the ring, so the
//! storage pool must be sized for the ring in that configuration.
//!
//! # One read path for portable and DeepStream tensors
//!
//! Analysis receives a [`TensorSource`] per frame and calls [`TensorSource::map`], which yields
//! `&[pitchcam_core::detect::Tensor]` — the same validated views whatever produced them. The
//! choice is an **enum**, not a trait object: the token travels through a wait-free SPSC queue
//! by value (no `Box`, no allocation), and the set of producers is closed and known.
//!
//! * [`TensorSource::Portable`] owns the storage reference; `map` maps it and checks every
//!   descriptor against it.
//! * [`TensorSource::Borrowed`] owns a reference to the **frame** buffer plus a plain function
//!   pointer ([`BorrowedReader`]) that finds tensors kept alive by that buffer — the DeepStream
//!   reader in `ffi/deepstream` walks `NvDsBatchMeta → NvDsInferTensorMeta` host pointers this
//!   way. Its `Tensor<'b>` views borrow from the frame buffer, so they cannot outlive it, and
//!   the module needs no dependency on the DeepStream code.
//!
//! # Transforms and tags
//!
//! The meta API carries the tags `video` and `size`: elements that change geometry without
//! knowing the meta (flip, crop, rotate) drop it rather than carry wrong coordinates, while
//! `videoconvert`/`videoscale` call the transform with the scale transform and the mapping is
//! rescaled (`panorama = network × scale + offset` scales with the frame). A plain buffer copy
//! copies the meta and takes another storage reference.

use std::ffi::c_char;
use std::fmt;
use std::ptr::{self, NonNull};
use std::sync::OnceLock;

use arrayvec::ArrayVec;
use glib_sys::{GType, gboolean, gpointer};
use gstreamer_sys as sys;
use gstreamer_video_sys as vsys;
use pitchcam_core::detect::{MAX_CLASSES, Mapping, Tensor, TensorError, TensorLayout};

use crate::gst::{Buffer, BufferMap, BufferRef};

/// Most tensors one frame may carry (tiles of one or more detector passes).
pub const MAX_TENSORS: usize = 8;

/// A list of validated tensor views, as readers produce them.
pub type TensorList<'a> = ArrayVec<Tensor<'a>, MAX_TENSORS>;

/// Reads tensors kept alive by a frame buffer (e.g. DeepStream's tensor meta) into `out`.
pub type BorrowedReader =
    for<'b> fn(&'b BufferRef, &mut TensorList<'b>) -> Result<(), TensorMetaError>;

/// Where one tensor sits in the frame's storage and how it maps into the panorama.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TensorDesc {
    /// Start of the tensor in the storage, in `f32` elements.
    pub offset: u32,
    /// `4 + classes`.
    pub rows: u32,
    /// Number of anchors.
    pub anchors: u32,
    /// Memory order.
    pub layout: TensorLayout,
    /// Network → panorama mapping.
    pub mapping: Mapping,
}

/// The synthetic match's tensors are described in the same terms; its block is the storage.
impl From<&pitchcam_core::sim::tensors::TileDesc> for TensorDesc {
    fn from(t: &pitchcam_core::sim::tensors::TileDesc) -> Self {
        TensorDesc {
            offset: t.offset as u32,
            rows: t.rows,
            anchors: t.anchors,
            layout: t.layout,
            mapping: t.mapping,
        }
    }
}

impl TensorDesc {
    /// Number of `f32` elements.
    pub fn len(&self) -> u64 {
        self.rows as u64 * self.anchors as u64
    }

    /// Whether the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why tensors could not be attached or read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TensorMetaError {
    /// No descriptors.
    NoTensors,
    /// More than [`MAX_TENSORS`] descriptors.
    TooMany {
        /// How many were given.
        count: usize,
    },
    /// Tensor `index` reaches past the end of the storage.
    OutOfBounds {
        /// Descriptor index.
        index: usize,
        /// End of the tensor in `f32` elements.
        end: u64,
        /// Storage size in `f32` elements.
        storage: u64,
    },
    /// Tensor `index` has an invalid shape or mapping.
    Tensor {
        /// Descriptor index.
        index: usize,
        /// The reason.
        error: TensorError,
    },
    /// Tensor `index` has a layout code that is neither 0 nor 1.
    BadLayout {
        /// Descriptor index.
        index: usize,
        /// The raw code.
        code: u32,
    },
    /// The frame already carries a tensor meta.
    AlreadyAttached,
    /// The storage buffer could not be mapped.
    StorageMap,
    /// The storage memory is not 4-byte aligned.
    Misaligned,
    /// This host is big-endian; tensor storage is little-endian `f32`.
    BigEndianHost,
    /// A [`BorrowedReader`] failed; its reason.
    Foreign(&'static str),
}

impl fmt::Display for TensorMetaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TensorMetaError::NoTensors => write!(f, "no tensor descriptors"),
            TensorMetaError::TooMany { count } => {
                write!(f, "{count} tensors, at most {MAX_TENSORS} per frame")
            }
            TensorMetaError::OutOfBounds { index, end, storage } => write!(
                f,
                "tensor {index} ends at element {end}, past the storage's {storage} elements"
            ),
            TensorMetaError::Tensor { index, error } => write!(f, "tensor {index}: {error:?}"),
            TensorMetaError::BadLayout { index, code } => {
                write!(f, "tensor {index}: layout code {code} is neither 0 nor 1")
            }
            TensorMetaError::AlreadyAttached => write!(f, "frame already carries a tensor meta"),
            TensorMetaError::StorageMap => write!(f, "tensor storage could not be mapped"),
            TensorMetaError::Misaligned => write!(f, "tensor storage is not 4-byte aligned"),
            TensorMetaError::BigEndianHost => {
                write!(f, "tensor storage is little-endian f32; this host is big-endian")
            }
            TensorMetaError::Foreign(m) => write!(f, "tensor reader: {m}"),
        }
    }
}

impl std::error::Error for TensorMetaError {}

/// The descriptor as stored in C memory: plain integers and floats, so a corrupted or foreign
/// value can never be an invalid Rust enum.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
struct RawDesc {
    offset: u32,
    rows: u32,
    anchors: u32,
    layout: u32,
    map: [f32; 4],
}

impl RawDesc {
    fn from_desc(d: &TensorDesc) -> RawDesc {
        RawDesc {
            offset: d.offset,
            rows: d.rows,
            anchors: d.anchors,
            layout: match d.layout {
                TensorLayout::ChannelsFirst => 0,
                TensorLayout::AnchorsFirst => 1,
            },
            map: [d.mapping.scale_x, d.mapping.scale_y, d.mapping.offset_x, d.mapping.offset_y],
        }
    }

    fn to_desc(self, index: usize) -> Result<TensorDesc, TensorMetaError> {
        let layout = match self.layout {
            0 => TensorLayout::ChannelsFirst,
            1 => TensorLayout::AnchorsFirst,
            code => return Err(TensorMetaError::BadLayout { index, code }),
        };
        Ok(TensorDesc {
            offset: self.offset,
            rows: self.rows,
            anchors: self.anchors,
            layout,
            mapping: Mapping {
                scale_x: self.map[0],
                scale_y: self.map[1],
                offset_x: self.map[2],
                offset_y: self.map[3],
            },
        })
    }
}

/// Checks one descriptor against a storage of `storage_elems` `f32`s, with the same rules as
/// `Tensor::new`.
fn validate(d: &TensorDesc, index: usize, storage_elems: u64) -> Result<(), TensorMetaError> {
    let err = |error| Err(TensorMetaError::Tensor { index, error });
    if d.rows < 5 {
        return err(TensorError::TooFewRows);
    }
    if d.rows as usize - 4 > MAX_CLASSES {
        return err(TensorError::TooManyClasses);
    }
    if d.anchors == 0 {
        return err(TensorError::NoAnchors);
    }
    if !d.mapping.is_valid() {
        return err(TensorError::BadMapping);
    }
    let end = d.offset as u64 + d.len();
    if end > storage_elems {
        return Err(TensorMetaError::OutOfBounds { index, end, storage: storage_elems });
    }
    Ok(())
}

fn validate_all(descs: &[TensorDesc], storage_bytes: usize) -> Result<(), TensorMetaError> {
    if descs.is_empty() {
        return Err(TensorMetaError::NoTensors);
    }
    if descs.len() > MAX_TENSORS {
        return Err(TensorMetaError::TooMany { count: descs.len() });
    }
    let elems = (storage_bytes / 4) as u64;
    descs.iter().enumerate().try_for_each(|(i, d)| validate(d, i, elems))
}

/// The meta as laid out in the buffer's meta memory.
#[repr(C)]
struct PitchcamTensorMeta {
    meta: sys::GstMeta,
    /// One reference, or NULL once taken.
    storage: *mut sys::GstBuffer,
    n: u32,
    descs: [RawDesc; MAX_TENSORS],
}

/// What `attach` passes to the init function.
struct InitParams {
    storage: *mut sys::GstBuffer,
    n: u32,
    descs: [RawDesc; MAX_TENSORS],
}

unsafe extern "C" fn meta_init(
    meta: *mut sys::GstMeta,
    params: gpointer,
    _buf: *mut sys::GstBuffer,
) -> gboolean {
    let m = meta as *mut PitchcamTensorMeta;
    // SAFETY: GStreamer allocated `size_of::<PitchcamTensorMeta>()` bytes for this meta and the
    // GstMeta header is initialised; we initialise our fields with raw writes. `params` is
    // NULL or the `InitParams` passed by `attach`/`transform`, whose storage reference moves
    // into the meta.
    unsafe {
        let (storage, n, descs) = match (params as *const InitParams).as_ref() {
            Some(p) => (p.storage, p.n, p.descs),
            None => (ptr::null_mut(), 0, [RawDesc::default(); MAX_TENSORS]),
        };
        ptr::addr_of_mut!((*m).storage).write(storage);
        ptr::addr_of_mut!((*m).n).write(n);
        ptr::addr_of_mut!((*m).descs).write(descs);
    }
    1
}

unsafe extern "C" fn meta_free(meta: *mut sys::GstMeta, _buf: *mut sys::GstBuffer) {
    let m = meta as *mut PitchcamTensorMeta;
    // SAFETY: initialised by `meta_init`; the storage pointer is NULL or our one reference.
    unsafe {
        let s = (*m).storage;
        if !s.is_null() {
            (*m).storage = ptr::null_mut();
            sys::gst_mini_object_unref(s.cast());
        }
    }
}

unsafe extern "C" fn meta_transform(
    dest: *mut sys::GstBuffer,
    meta: *mut sys::GstMeta,
    _src: *mut sys::GstBuffer,
    type_: glib_sys::GQuark,
    data: gpointer,
) -> gboolean {
    let q = quarks();
    let m = meta as *const PitchcamTensorMeta;
    // SAFETY: `meta` is one of ours on the source buffer; `dest` is the writable buffer being
    // built; `data` is a GstVideoMetaTransform for the scale transform (checked by quark).
    unsafe {
        let storage = (*m).storage;
        if storage.is_null() {
            return 1; // storage already taken: nothing to carry over
        }
        if !sys::gst_buffer_get_meta(dest, api_type()).is_null() {
            return 1; // dest already has tensors: keep them
        }
        let mut descs = (*m).descs;
        let n = (*m).n.min(MAX_TENSORS as u32);
        if type_ == q.scale {
            let t = data as *const vsys::GstVideoMetaTransform;
            if t.is_null() || (*t).in_info.is_null() || (*t).out_info.is_null() {
                return 0;
            }
            let (iw, ih) = ((*(*t).in_info).width, (*(*t).in_info).height);
            let (ow, oh) = ((*(*t).out_info).width, (*(*t).out_info).height);
            if iw <= 0 || ih <= 0 || ow <= 0 || oh <= 0 {
                return 0;
            }
            let (sx, sy) = (ow as f32 / iw as f32, oh as f32 / ih as f32);
            for d in &mut descs[..n as usize] {
                d.map[0] *= sx;
                d.map[1] *= sy;
                d.map[2] *= sx;
                d.map[3] *= sy;
            }
        } else if type_ != q.copy {
            return 0; // unknown transform: geometry may have changed, do not carry stale boxes
        }
        sys::gst_mini_object_ref(storage.cast());
        let params = InitParams { storage, n, descs };
        let added =
            sys::gst_buffer_add_meta(dest, meta_info(), &params as *const InitParams as gpointer);
        if added.is_null() {
            sys::gst_mini_object_unref(storage.cast());
            return 0;
        }
        1
    }
}

struct Quarks {
    copy: glib_sys::GQuark,
    scale: glib_sys::GQuark,
}

fn quarks() -> &'static Quarks {
    static Q: OnceLock<Quarks> = OnceLock::new();
    Q.get_or_init(|| Quarks {
        // SAFETY: static NUL-terminated strings; GLib interns them once.
        copy: unsafe { glib_sys::g_quark_from_static_string(c"gst-copy".as_ptr()) },
        // SAFETY: returns the video library's scale-transform quark.
        scale: unsafe { vsys::gst_video_meta_transform_scale_get_quark() },
    })
}

/// The meta API `GType` (`PitchcamTensorMetaAPI`), registered on first use.
pub fn api_type() -> GType {
    static API: OnceLock<GType> = OnceLock::new();
    *API.get_or_init(|| {
        let mut tags: [*const c_char; 3] = [
            vsys::GST_META_TAG_VIDEO_STR.as_ptr().cast(),
            vsys::GST_META_TAG_VIDEO_SIZE_STR.as_ptr().cast(),
            ptr::null(),
        ];
        // SAFETY: a static name and a NULL-terminated tag array that GStreamer copies.
        unsafe {
            sys::gst_meta_api_type_register(c"PitchcamTensorMetaAPI".as_ptr(), tags.as_mut_ptr())
        }
    })
}

struct InfoPtr(*const sys::GstMetaInfo);
// SAFETY: the registered GstMetaInfo is immutable and lives for the whole process.
unsafe impl Send for InfoPtr {}
// SAFETY: as above.
unsafe impl Sync for InfoPtr {}

fn meta_info() -> *const sys::GstMetaInfo {
    static INFO: OnceLock<InfoPtr> = OnceLock::new();
    let api = api_type();
    INFO.get_or_init(|| {
        // SAFETY: registers our implementation once; the callbacks match the struct layout.
        InfoPtr(unsafe {
            sys::gst_meta_register(
                api,
                c"PitchcamTensorMeta".as_ptr(),
                size_of::<PitchcamTensorMeta>(),
                Some(meta_init),
                Some(meta_free),
                Some(meta_transform),
            )
        })
    })
    .0
}

fn find(buf: &BufferRef) -> Option<NonNull<PitchcamTensorMeta>> {
    // SAFETY: valid buffer; returns our meta (borrowed from the buffer) or NULL.
    NonNull::new(unsafe { sys::gst_buffer_get_meta(buf.as_ptr(), api_type()) }.cast())
}

/// Attaches `descs` with `storage` (moved in: the meta holds this reference) to a writable
/// frame. Every descriptor is checked against the storage size first; on error nothing is
/// attached and `storage` is released (a pool buffer goes back to its pool).
pub fn attach(
    buf: &mut BufferRef,
    storage: Buffer,
    descs: &[TensorDesc],
) -> Result<(), TensorMetaError> {
    crate::gst::init().map_err(|_| TensorMetaError::Foreign("GStreamer did not initialise"))?;
    validate_all(descs, storage.size())?;
    let mut raw = [RawDesc::default(); MAX_TENSORS];
    for (r, d) in raw.iter_mut().zip(descs) {
        *r = RawDesc::from_desc(d);
    }
    if let Some(m) = find(buf) {
        let m = m.as_ptr();
        // SAFETY: our meta on a writable buffer we hold `&mut` to: no concurrent access. An
        // empty meta (its storage taken by `take_storage`) is refilled in place; the storage
        // reference moves into it.
        unsafe {
            if !(*m).storage.is_null() {
                return Err(TensorMetaError::AlreadyAttached);
            }
            (*m).storage = storage.into_raw().as_ptr();
            (*m).n = descs.len() as u32;
            (*m).descs = raw;
        }
        return Ok(());
    }
    let params =
        InitParams { storage: storage.into_raw().as_ptr(), n: descs.len() as u32, descs: raw };
    // SAFETY: writable buffer (`&mut`); the init function takes the storage reference.
    let m = unsafe {
        sys::gst_buffer_add_meta(
            buf.as_ptr(),
            meta_info(),
            &params as *const InitParams as gpointer,
        )
    };
    if m.is_null() {
        // SAFETY: the meta was not created, so the reference is still ours to release.
        unsafe { sys::gst_mini_object_unref(params.storage.cast()) };
        return Err(TensorMetaError::Foreign("gst_buffer_add_meta failed"));
    }
    Ok(())
}

/// Whether the frame carries tensors (a meta with storage).
pub fn has_tensors(buf: &BufferRef) -> bool {
    // SAFETY: a meta found on the live buffer; the storage field is read only.
    find(buf).is_some_and(|m| unsafe { !(*m.as_ptr()).storage.is_null() })
}

/// Moves the tensors out of a writable frame: the storage reference goes into the returned
/// token, so the frame no longer pins tensor memory. The emptied meta stays on the frame (see
/// the module documentation: removing it is the costly part, and a pool drops it on release).
/// O(1), no allocation or free. `None` if the frame carries no tensors.
pub fn take_storage(buf: &mut BufferRef) -> Option<FrameTensors> {
    let m = find(buf)?.as_ptr();
    // SAFETY: our meta on a writable buffer we hold `&mut` to: no concurrent access.
    unsafe {
        let storage = NonNull::new((*m).storage)?;
        (*m).storage = ptr::null_mut();
        let n = (*m).n.min(MAX_TENSORS as u32) as u8;
        let descs = (*m).descs;
        Some(FrameTensors { storage: Buffer::from_glib_full(storage), n, descs })
    }
}

/// One frame's tensors, owned: a storage reference plus descriptors. `Send`, no allocation.
#[derive(Clone)]
pub struct FrameTensors {
    storage: Buffer,
    n: u8,
    descs: [RawDesc; MAX_TENSORS],
}

impl FrameTensors {
    /// Tensors from a storage buffer and descriptors, checked as by [`attach`].
    pub fn new(storage: Buffer, descs: &[TensorDesc]) -> Result<FrameTensors, TensorMetaError> {
        validate_all(descs, storage.size())?;
        let mut raw = [RawDesc::default(); MAX_TENSORS];
        for (r, d) in raw.iter_mut().zip(descs) {
            *r = RawDesc::from_desc(d);
        }
        Ok(FrameTensors { storage, n: descs.len() as u8, descs: raw })
    }

    /// Reads the tensors of a frame without taking them (for a shared frame): takes a second
    /// storage reference. `None` if the frame carries no tensors.
    pub fn from_buffer(buf: &BufferRef) -> Option<FrameTensors> {
        let m = find(buf)?.as_ptr();
        // SAFETY: our meta on a live buffer; a shared buffer's metas are not modified (that
        // needs a writable buffer), so reading its fields and referencing the storage is safe.
        unsafe {
            let storage = NonNull::new((*m).storage)?;
            Some(FrameTensors {
                storage: Buffer::from_glib_borrow(storage),
                n: (*m).n.min(MAX_TENSORS as u32) as u8,
                descs: (*m).descs,
            })
        }
    }

    /// Number of tensors.
    pub fn len(&self) -> usize {
        self.n as usize
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Descriptor `index` (`Err` if its stored layout code is invalid).
    pub fn desc(&self, index: usize) -> Option<Result<TensorDesc, TensorMetaError>> {
        (index < self.len()).then(|| self.descs[index].to_desc(index))
    }

    /// The storage buffer.
    pub fn storage(&self) -> &Buffer {
        &self.storage
    }

    /// Maps the storage and returns validated views of every tensor.
    pub fn map(&self) -> Result<TensorsMap<'_>, TensorMetaError> {
        if cfg!(target_endian = "big") {
            return Err(TensorMetaError::BigEndianHost);
        }
        let map = self.storage.map_readable().map_err(|_| TensorMetaError::StorageMap)?;
        let floats = f32_view(&map)?;
        // SAFETY: the floats live in GStreamer memory that stays mapped as long as `map`, which
        // moves into the returned guard together with the views; the guard only lends the views
        // out for its own lifetime (`TensorsMap::tensors`).
        let floats: &[f32] = unsafe { std::slice::from_raw_parts(floats.as_ptr(), floats.len()) };
        let mut tensors = TensorList::new();
        for i in 0..self.len() {
            let d = self.descs[i].to_desc(i)?;
            validate(&d, i, floats.len() as u64)?;
            let start = d.offset as usize;
            let data = &floats[start..start + d.len() as usize];
            let t = Tensor::new(data, d.rows, d.anchors, d.layout, d.mapping)
                .map_err(|error| TensorMetaError::Tensor { index: i, error })?;
            tensors.push(t);
        }
        Ok(TensorsMap { tensors, _map: Some(map) })
    }
}

impl fmt::Debug for FrameTensors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameTensors")
            .field("n", &self.n)
            .field("descs", &&self.descs[..self.len()])
            .field("storage", &self.storage)
            .finish()
    }
}

/// Reinterprets mapped bytes as `f32`s (little-endian host, 4-byte aligned).
fn f32_view(bytes: &[u8]) -> Result<&[f32], TensorMetaError> {
    if !(bytes.as_ptr() as usize).is_multiple_of(align_of::<f32>()) {
        return Err(TensorMetaError::Misaligned);
    }
    // SAFETY: aligned, in bounds (`len / 4` whole floats), and every bit pattern is a valid f32.
    Ok(unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<f32>(), bytes.len() / 4) })
}

/// Writable `f32` view of storage bytes, for producers filling a storage buffer.
pub fn f32_view_mut(bytes: &mut [u8]) -> Result<&mut [f32], TensorMetaError> {
    if cfg!(target_endian = "big") {
        return Err(TensorMetaError::BigEndianHost);
    }
    if !(bytes.as_ptr() as usize).is_multiple_of(align_of::<f32>()) {
        return Err(TensorMetaError::Misaligned);
    }
    // SAFETY: aligned, in bounds, exclusive (from `&mut`), any bit pattern is a valid f32.
    Ok(unsafe { std::slice::from_raw_parts_mut(bytes.as_mut_ptr().cast::<f32>(), bytes.len() / 4) })
}

/// Validated tensor views, valid while this guard lives (it keeps the storage mapped).
pub struct TensorsMap<'a> {
    // Declared first so the views are gone before the mapping is released.
    tensors: TensorList<'a>,
    _map: Option<BufferMap<'a>>,
}

impl TensorsMap<'_> {
    /// The frame's tensors.
    pub fn tensors(&self) -> &[Tensor<'_>] {
        &self.tensors
    }
}

impl fmt::Debug for TensorsMap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TensorsMap").field("tensors", &self.tensors.len()).finish()
    }
}

/// Where one frame's tensors come from; what the capture probe hands to analysis.
///
/// Moved by value through the capture → analysis queue; the `Portable` variant is ~280 bytes
/// inline on purpose (boxing it would allocate per frame).
#[derive(Clone, Debug, Default)]
#[allow(clippy::large_enum_variant)]
pub enum TensorSource {
    /// The frame carried no tensors.
    #[default]
    None,
    /// pitchcam tensor meta, storage moved or referenced out of the frame.
    Portable(FrameTensors),
    /// Tensors kept alive by the frame buffer itself (DeepStream), found by `reader`.
    Borrowed {
        /// A reference to the frame.
        frame: Buffer,
        /// Finds the tensors in it.
        reader: BorrowedReader,
    },
}

impl TensorSource {
    /// Validated views of the frame's tensors (empty for [`TensorSource::None`]).
    pub fn map(&self) -> Result<TensorsMap<'_>, TensorMetaError> {
        match self {
            TensorSource::None => Ok(TensorsMap { tensors: TensorList::new(), _map: None }),
            TensorSource::Portable(t) => t.map(),
            TensorSource::Borrowed { frame, reader } => {
                let mut tensors = TensorList::new();
                reader(frame, &mut tensors)?;
                Ok(TensorsMap { tensors, _map: None })
            }
        }
    }
}
