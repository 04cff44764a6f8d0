//! Reading nvinfer's raw output tensors out of a `GstBuffer`'s DeepStream metadata.
//!
//! The path, as DeepStream lays it out (`deepstream-abi.md` §2):
//!
//! ```text
//! GstBuffer ─ GstMeta tagged "nvdsmeta" (NvDsMeta, meta_type NVDS_BATCH_GST_META = 4097)
//!   └ meta_data: NvDsBatchMeta ─ frame_meta_list (GList of NvDsFrameMeta)
//!       └ NvDsFrameMeta ─ frame_user_meta_list (GList of NvDsUserMeta)
//!           └ NvDsUserMeta, base_meta.meta_type == NVDSINFER_TENSOR_OUTPUT_META (12)
//!               └ user_meta_data: NvDsInferTensorMeta ─ output_layers_info[i] (dims, data type)
//!                                                     ─ out_buf_ptrs_host[i] (this frame's data)
//! ```
//!
//! Everything here only reads. Each pointer is checked for NULL and alignment, each list walk is
//! bounded, dims are checked against `numElements`, and any inconsistency is a specific
//! [`DsError`]. What cannot be checked — that the pointers are live — is the `# Safety` contract
//! of [`batch_meta_from_buffer`] and [`BatchMeta::from_raw`].
//!
//! The views borrow DeepStream's memory for `'a`: the lifetime of the `GstBuffer` reference the
//! caller holds. nvinfer's host tensors stay valid while the buffer carries the meta (§2.3).

use core::ffi::{CStr, c_void};
use core::marker::PhantomData;
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use glib_sys::GType;
use gstreamer_sys::GstBuffer;
use pitchcam_core::detect::{MAX_CLASSES, Mapping, Tensor, TensorLayout};

use super::abi::{
    GList, GstNvDsMetaType, NVDS_META_STRING, NVDSINFER_MAX_DIMS, NvDsBatchMeta, NvDsFrameMeta,
    NvDsInferDataType, NvDsInferLayerInfo, NvDsInferNetworkInfo, NvDsInferTensorMeta, NvDsMeta,
    NvDsMetaType, NvDsUserMeta,
};
use super::error::DsError;
use super::half::f16_slice_to_f32;

/// Longest meta list walked before it is declared corrupt.
pub const MAX_LIST_LEN: usize = 4096;
/// Most output layers accepted in one tensor meta.
pub const MAX_LAYERS: u32 = 64;
/// Most elements accepted in one layer (2^28: 1 GiB of FP32). Beyond that the dims are garbage.
pub const MAX_LAYER_ELEMENTS: u64 = 1 << 28;

/// The `GQuark` of [`NVDS_META_STRING`], once some library interned it (0 = not yet).
static NVDS_TAG: AtomicU32 = AtomicU32::new(0);
/// The `GType` of the first meta API seen carrying that tag (0 = not yet).
static NVDS_API: AtomicUsize = AtomicUsize::new(0);

/// The `nvdsmeta` quark, or `None` when nothing in the process ever registered it — then no
/// buffer can carry DeepStream metadata, and the lookup ends without touching the buffer.
fn nvds_tag() -> Option<u32> {
    let cached = NVDS_TAG.load(Ordering::Relaxed);
    if cached != 0 {
        return Some(cached);
    }
    // SAFETY: `g_quark_try_string` only looks the NUL-terminated string up; it never interns it,
    // so a process without DeepStream stays without the tag.
    let q = unsafe { glib_sys::g_quark_try_string(NVDS_META_STRING.as_ptr()) };
    if q == 0 {
        return None;
    }
    NVDS_TAG.store(q, Ordering::Relaxed);
    Some(q)
}

/// Whether `api` is DeepStream's meta API: it carries the `nvdsmeta` tag. The first match is
/// cached, so the steady state is one integer compare per meta.
fn is_nvds_api(api: GType, tag: u32) -> bool {
    let cached = NVDS_API.load(Ordering::Relaxed);
    if cached != 0 {
        return api == cached;
    }
    // SAFETY: `gst_meta_api_type_has_tag` reads the type's qdata; any GType value is accepted
    // (an unknown type has no tags).
    let tagged = unsafe { gstreamer_sys::gst_meta_api_type_has_tag(api, tag) } != 0;
    if tagged {
        NVDS_API.store(api, Ordering::Relaxed);
    }
    tagged
}

/// Checks a pointer from C: non-NULL and aligned for `T`.
fn check_ptr<T>(p: *const T, what: &'static str) -> Result<*const T, DsError> {
    if p.is_null() {
        Err(DsError::NullPointer(what))
    } else if !p.is_aligned() {
        Err(DsError::Misaligned(what))
    } else {
        Ok(p)
    }
}

/// Finds the `NvDsBatchMeta` DeepStream attached to `buffer`.
///
/// Returns `Ok(None)` when the buffer carries none — always the case in a process where
/// DeepStream's meta library never registered its API type. Matching is by the `nvdsmeta` tag on
/// the meta's API type, as DeepStream's own elements do, then `meta_type ==
/// NVDS_BATCH_GST_META`.
///
/// # Safety
///
/// `buffer` must be NULL or a valid `GstBuffer` the caller holds a reference to for `'a`, and its
/// DeepStream metadata must not be modified or freed during `'a` (true in a pad probe, or for a
/// buffer the caller holds alone; DeepStream elements downstream of a `tee` may write to it).
pub unsafe fn batch_meta_from_buffer<'a>(
    buffer: *mut GstBuffer,
) -> Result<Option<BatchMeta<'a>>, DsError> {
    if buffer.is_null() {
        return Err(DsError::NullPointer("GstBuffer"));
    }
    let Some(tag) = nvds_tag() else { return Ok(None) };
    let mut state: *mut c_void = core::ptr::null_mut();
    for _ in 0..MAX_LIST_LEN {
        // SAFETY: `buffer` is a valid GstBuffer (contract); `state` is the iteration cookie
        // GStreamer expects, starting at NULL.
        let meta = unsafe { gstreamer_sys::gst_buffer_iterate_meta(buffer, &mut state) };
        if meta.is_null() {
            return Ok(None);
        }
        // SAFETY: GStreamer returned a live meta of this buffer; `info` is its static meta info.
        let info = unsafe { (*meta).info };
        if info.is_null() {
            continue;
        }
        // SAFETY: `info` points at the registered, never-freed GstMetaInfo.
        let (api, size) = unsafe { ((*info).api, (*info).size) };
        if !is_nvds_api(api, tag) {
            continue;
        }
        if size < size_of::<NvDsMeta>() {
            return Err(DsError::MetaTooSmall { size });
        }
        let ds = check_ptr(meta.cast::<NvDsMeta>().cast_const(), "NvDsMeta")?;
        // SAFETY: the meta is at least `size_of::<NvDsMeta>()` bytes (checked above) and aligned.
        let (meta_type, data) = unsafe { ((*ds).meta_type, (*ds).meta_data) };
        if meta_type != GstNvDsMetaType::BATCH {
            continue;
        }
        // SAFETY: for NVDS_BATCH_GST_META, `meta_data` is the batch meta, live for `'a`.
        return unsafe { BatchMeta::from_raw(data.cast()) }.map(Some);
    }
    Err(DsError::ListTooLong("GstBuffer metas"))
}

/// Walks a `GList` of C pointers, bounded by [`MAX_LIST_LEN`], yielding each checked `data`.
struct ListWalk<'a> {
    node: *const GList,
    left: usize,
    what: &'static str,
    done: bool,
    _life: PhantomData<&'a GList>,
}

impl<'a> ListWalk<'a> {
    /// # Safety
    /// `head` must be NULL or the head of a list whose nodes live for `'a`.
    unsafe fn new(head: *const GList, what: &'static str) -> Self {
        ListWalk { node: head, left: MAX_LIST_LEN, what, done: false, _life: PhantomData }
    }
}

impl Iterator for ListWalk<'_> {
    type Item = Result<*mut c_void, DsError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.node.is_null() {
            return None;
        }
        let fail = |s: &mut Self, e| {
            s.done = true;
            Some(Err(e))
        };
        if self.left == 0 {
            return fail(self, DsError::ListTooLong(self.what));
        }
        self.left -= 1;
        let node = match check_ptr(self.node, self.what) {
            Ok(n) => n,
            Err(e) => return fail(self, e),
        };
        // SAFETY: a non-NULL, aligned node of a list live for `'a` (constructor contract).
        let (data, next) = unsafe { ((*node).data, (*node).next) };
        self.node = next;
        if data.is_null() {
            return fail(self, DsError::NullPointer(self.what));
        }
        Some(Ok(data))
    }
}

/// A borrowed `NvDsBatchMeta`.
#[derive(Clone, Copy, Debug)]
pub struct BatchMeta<'a> {
    raw: &'a NvDsBatchMeta,
}

impl<'a> BatchMeta<'a> {
    /// Wraps a batch meta pointer after checking it.
    ///
    /// # Safety
    ///
    /// `raw` must be NULL or point at an `NvDsBatchMeta` whose lists, frame metas, user metas and
    /// tensor outputs stay live and unmodified for `'a`.
    pub unsafe fn from_raw(raw: *const NvDsBatchMeta) -> Result<Self, DsError> {
        let p = check_ptr(raw, "NvDsBatchMeta")?;
        // SAFETY: non-NULL, aligned and live for `'a` (contract); NvDsBatchMeta has the same
        // 192-byte layout in every DeepStream version.
        Ok(BatchMeta { raw: unsafe { &*p } })
    }

    /// The raw struct.
    pub fn raw(&self) -> &'a NvDsBatchMeta {
        self.raw
    }

    /// `num_frames_in_batch`.
    pub fn num_frames(&self) -> u32 {
        self.raw.num_frames_in_batch
    }

    /// The frames of the batch, in list order.
    pub fn frames(&self) -> Frames<'a> {
        // SAFETY: the list is live for `'a` (contract of `from_raw`).
        Frames { walk: unsafe { ListWalk::new(self.raw.frame_meta_list, "frame_meta_list") } }
    }
}

/// Iterator over a batch's frames; stops after the first error.
pub struct Frames<'a> {
    walk: ListWalk<'a>,
}

impl<'a> Iterator for Frames<'a> {
    type Item = Result<FrameMeta<'a>, DsError>;

    fn next(&mut self) -> Option<Self::Item> {
        let data = match self.walk.next()? {
            Ok(d) => d,
            Err(e) => return Some(Err(e)),
        };
        Some(match check_ptr(data.cast::<NvDsFrameMeta>().cast_const(), "NvDsFrameMeta") {
            // SAFETY: a frame meta of a live batch: at least the common 160-byte prefix.
            Ok(p) => Ok(FrameMeta { raw: unsafe { &*p } }),
            Err(e) => {
                self.walk.done = true;
                Err(e)
            }
        })
    }
}

/// A borrowed `NvDsFrameMeta` (its version-independent prefix).
#[derive(Clone, Copy, Debug)]
pub struct FrameMeta<'a> {
    raw: &'a NvDsFrameMeta,
}

impl<'a> FrameMeta<'a> {
    /// The raw prefix.
    pub fn raw(&self) -> &'a NvDsFrameMeta {
        self.raw
    }
    /// Index of this frame in the batch surface (`surfaceList[batch_id]`).
    pub fn batch_id(&self) -> u32 {
        self.raw.batch_id
    }
    /// `frame_num` of the source.
    pub fn frame_num(&self) -> i32 {
        self.raw.frame_num
    }
    /// The source buffer's PTS in ns.
    pub fn buf_pts(&self) -> u64 {
        self.raw.buf_pts
    }
    /// `source_id` (nvstreammux pad index of the source).
    pub fn source_id(&self) -> u32 {
        self.raw.source_id
    }
    /// The source frame size before muxer scaling.
    pub fn source_size(&self) -> (u32, u32) {
        (self.raw.source_frame_width, self.raw.source_frame_height)
    }
    /// The muxer's output size: the frame nvinfer scaled into the network.
    pub fn pipeline_size(&self) -> (u32, u32) {
        (self.raw.pipeline_width, self.raw.pipeline_height)
    }

    /// The tensor metas nvinfer attached to this frame (`output-tensor-meta=1`), in list order.
    pub fn tensor_metas(&self) -> TensorMetas<'a> {
        TensorMetas {
            frame: FrameSizes { pipeline: self.pipeline_size(), source: self.source_size() },
            // SAFETY: the list is live for `'a` (contract of `BatchMeta::from_raw`).
            walk: unsafe { ListWalk::new(self.raw.frame_user_meta_list, "frame_user_meta_list") },
        }
    }

    /// Every detection-head tensor of this frame, pushed into `out`, FP16 layers converted into
    /// consecutive stretches of `scratch`. Returns how many were pushed. Allocation-free.
    ///
    /// `geometry` says how nvinfer's network input relates to the panorama (see
    /// [`InputGeometry`]). A layer that is not a detection head is an error, not skipped: a
    /// silently missing ball is worse than a clear message.
    pub fn push_tensors<'s, const N: usize>(
        &self,
        geometry: &InputGeometry,
        scratch: &'s mut [f32],
        out: &mut heapless::Vec<Tensor<'s>, N>,
    ) -> Result<usize, DsError>
    where
        'a: 's,
    {
        let mut scratch = scratch;
        let mut pushed = 0;
        for meta in self.tensor_metas() {
            let meta = meta?;
            let map = meta.mapping(geometry)?;
            for layer in meta.layers() {
                let layer = layer?;
                let shape = layer.head_shape()?;
                let data: &'s [f32] = match layer.data() {
                    LayerData::F32(d) => d,
                    LayerData::F16(h) => {
                        let available = scratch.len();
                        if h.len() > available {
                            return Err(DsError::ScratchTooSmall { needed: h.len(), available });
                        }
                        let (head, tail) = core::mem::take(&mut scratch).split_at_mut(h.len());
                        scratch = tail;
                        f16_slice_to_f32(h, head)
                            .ok_or(DsError::ScratchTooSmall { needed: h.len(), available })?
                    }
                };
                let t = Tensor::new(data, shape.rows, shape.anchors, shape.layout, map)?;
                out.push(t).map_err(|_| DsError::TooManyTensors { capacity: N })?;
                pushed += 1;
            }
        }
        Ok(pushed)
    }
}

/// Iterator over a frame's tensor metas; stops after the first error.
pub struct TensorMetas<'a> {
    frame: FrameSizes,
    walk: ListWalk<'a>,
}

/// The frame sizes a tensor meta's mapping may need ([`InputGeometry::FromFrameMeta`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct FrameSizes {
    pipeline: (u32, u32),
    source: (u32, u32),
}

impl<'a> Iterator for TensorMetas<'a> {
    type Item = Result<TensorMeta<'a>, DsError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let data = match self.walk.next()? {
                Ok(d) => d,
                Err(e) => return Some(Err(e)),
            };
            let r = (|| {
                let um = check_ptr(data.cast::<NvDsUserMeta>().cast_const(), "NvDsUserMeta")?;
                // SAFETY: a live user meta of the frame (48 bytes in every version).
                let um = unsafe { &*um };
                if um.base_meta.meta_type != NvDsMetaType::NVDSINFER_TENSOR_OUTPUT {
                    return Ok(None);
                }
                // SAFETY: for NVDSINFER_TENSOR_OUTPUT_META the user data is the tensor meta.
                let mut tm = unsafe { TensorMeta::from_raw(um.user_meta_data.cast()) }?;
                tm.user_meta = um;
                tm.frame = self.frame;
                Ok(Some(tm))
            })();
            match r {
                Ok(None) => continue,
                Ok(Some(m)) => return Some(Ok(m)),
                Err(e) => {
                    self.walk.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// How a tensor's network input relates to panorama pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum InputGeometry {
    /// nvinfer scaled the whole `width × height` frame (the nvstreammux output, which pitchcam
    /// sets to the panorama size) to the network input: letterboxed when the meta says
    /// `maintain_aspect_ratio`, stretched otherwise. `symmetric_padding` is the nvinfer config
    /// value; DeepStream 8.0+ records it in the meta, and the meta wins there.
    FullFrame {
        /// Frame width in pixels.
        width: u32,
        /// Frame height in pixels.
        height: u32,
        /// nvinfer's `symmetric-padding` (used before DeepStream 8.0).
        symmetric_padding: bool,
    },
    /// Sizes from the frame meta: nvinfer scaled the muxer's output (`pipeline_width ×
    /// pipeline_height`), and the result is rescaled to the source frame
    /// (`source_frame_width × source_frame_height`), the panorama. Letterboxed when the meta says
    /// `maintain_aspect_ratio`; padding symmetric per the meta on DeepStream 8.0+, else
    /// `symmetric_padding`. Only for tensor metas found through a frame.
    FromFrameMeta {
        /// nvinfer's `symmetric-padding` (used before DeepStream 8.0).
        symmetric_padding: bool,
    },
    /// The caller knows the mapping (tiles through nvdspreprocess ROIs, a custom crop).
    Explicit(Mapping),
}

/// A borrowed `NvDsInferTensorMeta`, checked.
#[derive(Clone, Copy, Debug)]
pub struct TensorMeta<'a> {
    raw: &'a NvDsInferTensorMeta,
    /// The user meta that carried it, when found through a frame (for detaching it).
    user_meta: *const NvDsUserMeta,
    /// Its frame's sizes, when found through a frame (zero otherwise).
    frame: FrameSizes,
}

impl<'a> TensorMeta<'a> {
    /// Wraps a tensor meta pointer after checking it.
    ///
    /// # Safety
    ///
    /// `raw` must be NULL or point at an `NvDsInferTensorMeta` of this build's ABI whose layer
    /// infos and host buffers stay live and unmodified for `'a`.
    pub unsafe fn from_raw(raw: *const NvDsInferTensorMeta) -> Result<Self, DsError> {
        let p = check_ptr(raw, "NvDsInferTensorMeta")?;
        // SAFETY: non-NULL, aligned, live for `'a` (contract).
        let raw = unsafe { &*p };
        if raw.num_output_layers > MAX_LAYERS {
            return Err(DsError::TooManyLayers(raw.num_output_layers));
        }
        if raw.num_output_layers > 0 {
            check_ptr(raw.output_layers_info.cast_const(), "output_layers_info")?;
            if raw.out_buf_ptrs_host.is_null() {
                return Err(DsError::NoHostCopy);
            }
            check_ptr(raw.out_buf_ptrs_host.cast_const(), "out_buf_ptrs_host")?;
        }
        Ok(TensorMeta { raw, user_meta: core::ptr::null(), frame: FrameSizes::default() })
    }

    /// The `NvDsUserMeta` that carried this tensor meta in its frame's user meta list (NULL when
    /// built with [`TensorMeta::from_raw`]): what `nvds_remove_user_meta_from_frame` takes to
    /// release nvinfer's output buffer early.
    pub fn user_meta_ptr(&self) -> *const NvDsUserMeta {
        self.user_meta
    }

    /// The raw struct.
    pub fn raw(&self) -> &'a NvDsInferTensorMeta {
        self.raw
    }
    /// `unique_id`: the `gie-unique-id` of the nvinfer that attached it.
    pub fn unique_id(&self) -> u32 {
        self.raw.unique_id
    }
    /// Number of output layers.
    pub fn num_layers(&self) -> u32 {
        self.raw.num_output_layers
    }
    /// The network input size.
    pub fn network_info(&self) -> NvDsInferNetworkInfo {
        self.raw.network_info
    }
    /// Whether nvinfer kept the aspect ratio (letterbox) when scaling into the network.
    pub fn maintain_aspect_ratio(&self) -> bool {
        self.raw.maintain_aspect_ratio != 0
    }
    /// Whether the letterbox padding is split on both sides, when the meta records it
    /// (DeepStream 8.0+); `None` before.
    pub fn symmetric_padding(&self) -> Option<bool> {
        #[cfg(pitchcam_ds_abi_b)]
        {
            Some(self.raw.symmetric_padding != 0)
        }
        #[cfg(not(pitchcam_ds_abi_b))]
        {
            None
        }
    }

    /// The mapping from this meta's network pixels to panorama pixels.
    pub fn mapping(&self, geometry: &InputGeometry) -> Result<Mapping, DsError> {
        let full_frame = |width: u32, height: u32, symmetric: bool| {
            let net = self.network_info();
            if net.width == 0 || net.height == 0 {
                return Err(DsError::BadNetworkInfo);
            }
            if width == 0 || height == 0 {
                return Err(DsError::BadFrameSize);
            }
            Ok(if self.maintain_aspect_ratio() {
                let symmetric = self.symmetric_padding().unwrap_or(symmetric);
                Mapping::letterbox(width, height, net.width, net.height, symmetric)
            } else {
                Mapping::tile(0, 0, width, height, net.width, net.height)
            })
        };
        match *geometry {
            InputGeometry::Explicit(m) => Ok(m),
            InputGeometry::FullFrame { width, height, symmetric_padding } => {
                full_frame(width, height, symmetric_padding)
            }
            InputGeometry::FromFrameMeta { symmetric_padding } => {
                let (pw, ph) = self.frame.pipeline;
                let m = full_frame(pw, ph, symmetric_padding)?;
                // Muxer pixels → source pixels (the identity when the muxer did not scale).
                let (sw, sh) = self.frame.source;
                if sw == 0 || sh == 0 {
                    return Ok(m);
                }
                let (kx, ky) = (sw as f32 / pw as f32, sh as f32 / ph as f32);
                Ok(Mapping {
                    scale_x: m.scale_x * kx,
                    scale_y: m.scale_y * ky,
                    offset_x: m.offset_x * kx,
                    offset_y: m.offset_y * ky,
                })
            }
        }
    }

    /// Output layer `index`, checked.
    pub fn layer(&self, index: u32) -> Result<Layer<'a>, DsError> {
        let count = self.raw.num_output_layers;
        if index >= count {
            return Err(DsError::NoSuchLayer { index, count });
        }
        // SAFETY: `from_raw` checked both arrays non-NULL and aligned when count > 0, and
        // `index < count`; both arrays hold `count` entries (DeepStream allocates them so).
        let (info, host) = unsafe {
            (
                &*self.raw.output_layers_info.add(index as usize),
                *self.raw.out_buf_ptrs_host.add(index as usize),
            )
        };
        Layer::new(info, host)
    }

    /// All output layers, in order.
    pub fn layers(&self) -> impl Iterator<Item = Result<Layer<'a>, DsError>> + use<'a> {
        let me = *self;
        (0..self.raw.num_output_layers).map(move |i| me.layer(i))
    }
}

/// The values of one output layer, borrowed from DeepStream's host copy.
#[derive(Clone, Copy, Debug)]
pub enum LayerData<'a> {
    /// FP32 values.
    F32(&'a [f32]),
    /// FP16 values as raw bits; convert with [`super::half::f16_slice_to_f32`].
    F16(&'a [u16]),
}

impl LayerData<'_> {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            LayerData::F32(d) => d.len(),
            LayerData::F16(d) => d.len(),
        }
    }
    /// Whether there are no elements (never true for a checked layer).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The shape of a detection head, read from a layer's dims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadShape {
    /// `4 + classes`.
    pub rows: u32,
    /// Number of anchors.
    pub anchors: u32,
    /// Memory order.
    pub layout: TensorLayout,
}

/// One checked output layer.
#[derive(Clone, Copy, Debug)]
pub struct Layer<'a> {
    info: &'a NvDsInferLayerInfo,
    dims: [u32; NVDSINFER_MAX_DIMS],
    rank: u32,
    data: LayerData<'a>,
}

impl<'a> Layer<'a> {
    fn new(info: &'a NvDsInferLayerInfo, host: *mut c_void) -> Result<Self, DsError> {
        let d = info.infer_dims;
        if d.num_dims == 0 || d.num_dims as usize > NVDSINFER_MAX_DIMS {
            return Err(DsError::BadDimCount(d.num_dims));
        }
        let dims = &d.d[..d.num_dims as usize];
        let mut product: u64 = 1;
        for &x in dims {
            if x == 0 {
                return Err(DsError::ZeroDim);
            }
            product = product.saturating_mul(u64::from(x));
            if product > MAX_LAYER_ELEMENTS {
                return Err(DsError::TooManyElements);
            }
        }
        if product != u64::from(d.num_elements) {
            return Err(DsError::ElementCountMismatch { product, num_elements: d.num_elements });
        }
        let n = product as usize;
        let data = match info.data_type {
            NvDsInferDataType::FLOAT => {
                let p = check_ptr(host.cast::<f32>().cast_const(), "out_buf_ptrs_host[i]")?;
                // SAFETY: nvinfer's host copy of this frame's layer holds `numElements` values of
                // the layer's type (deepstream-abi.md §2.3), live for `'a`; non-NULL and aligned.
                LayerData::F32(unsafe { core::slice::from_raw_parts(p, n) })
            }
            NvDsInferDataType::HALF => {
                let p = check_ptr(host.cast::<u16>().cast_const(), "out_buf_ptrs_host[i]")?;
                // SAFETY: as above, with 2-byte elements.
                LayerData::F16(unsafe { core::slice::from_raw_parts(p, n) })
            }
            other => return Err(DsError::UnsupportedDataType(other.0)),
        };
        let mut all = [0u32; NVDSINFER_MAX_DIMS];
        all[..dims.len()].copy_from_slice(dims);
        Ok(Layer { info, dims: all, rank: d.num_dims, data })
    }

    /// The dims (batch dimension excluded, as nvinfer reports them).
    pub fn dims(&self) -> &[u32] {
        &self.dims[..self.rank as usize]
    }

    /// The values.
    pub fn data(&self) -> LayerData<'a> {
        self.data
    }

    /// The layer name, when set.
    ///
    /// # Safety
    ///
    /// The producer's `layerName` must be NULL or NUL-terminated (TensorRT's names are); it is
    /// not read unless asked for, because an unterminated name cannot be detected.
    pub unsafe fn name(&self) -> Option<&'a CStr> {
        let p = self.info.layer_name;
        // SAFETY: non-NULL and NUL-terminated by the caller's promise; live for `'a`.
        (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) })
    }

    /// Reads the head shape from the dims: unit dims are dropped; of the two left, the one in
    /// `5..=4 + MAX_CLASSES` is `rows` (`[rows, anchors]` = channels first, the ultralytics
    /// export; `[anchors, rows]` = anchors first). When both qualify, the smaller is `rows`.
    pub fn head_shape(&self) -> Result<HeadShape, DsError> {
        let mut nz = [0u32; 2];
        let mut rank = 0u32;
        for &x in self.dims() {
            if x != 1 {
                if (rank as usize) < nz.len() {
                    nz[rank as usize] = x;
                }
                rank += 1;
            }
        }
        let bad = DsError::NotADetectionHead { rank, dims: nz };
        if rank != 2 {
            return Err(bad);
        }
        let is_rows = |x: u32| (5..=4 + MAX_CLASSES as u32).contains(&x);
        let (d0, d1) = (nz[0], nz[1]);
        let channels_first = match (is_rows(d0), is_rows(d1)) {
            (true, true) => d0 <= d1,
            (true, false) => true,
            (false, true) => false,
            (false, false) => return Err(bad),
        };
        Ok(if channels_first {
            HeadShape { rows: d0, anchors: d1, layout: TensorLayout::ChannelsFirst }
        } else {
            HeadShape { rows: d1, anchors: d0, layout: TensorLayout::AnchorsFirst }
        })
    }

    /// This layer as a detection-head [`Tensor`], FP16 converted into the front of `scratch`.
    pub fn tensor<'s>(&self, scratch: &'s mut [f32], map: Mapping) -> Result<Tensor<'s>, DsError>
    where
        'a: 's,
    {
        let shape = self.head_shape()?;
        let data: &'s [f32] = match self.data {
            LayerData::F32(d) => d,
            LayerData::F16(h) => {
                let available = scratch.len();
                f16_slice_to_f32(h, scratch)
                    .ok_or(DsError::ScratchTooSmall { needed: h.len(), available })?
            }
        };
        Ok(Tensor::new(data, shape.rows, shape.anchors, shape.layout, map)?)
    }
}
