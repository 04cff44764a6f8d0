//! The one error type of the DeepStream boundary.

use core::fmt;

use pitchcam_core::detect::TensorError;

/// Why DeepStream metadata or a surface could not be read or used.
///
/// Every malformed input the readers can detect maps to a specific variant; none of them is a
/// panic. (A dangling pointer cannot be detected: that is the `# Safety` contract of the unsafe
/// entry points.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DsError {
    /// A required pointer was NULL; names the field.
    NullPointer(&'static str),
    /// A pointer was not aligned for its type; names the field.
    Misaligned(&'static str),
    /// A list did not end within [`super::meta::MAX_LIST_LEN`] nodes (a cycle or garbage).
    ListTooLong(&'static str),
    /// The `GstMeta` tagged `nvdsmeta` is smaller than `NvDsMeta`.
    MetaTooSmall {
        /// `GstMetaInfo::size` as registered.
        size: usize,
    },
    /// `num_output_layers` beyond [`super::meta::MAX_LAYERS`].
    TooManyLayers(u32),
    /// A layer index past `num_output_layers`.
    NoSuchLayer {
        /// The index asked for.
        index: u32,
        /// `num_output_layers`.
        count: u32,
    },
    /// The tensor meta has no host copy of its outputs (`out_buf_ptrs_host` is NULL, as with
    /// nvinfer's `disable-output-host-copy=1`).
    NoHostCopy,
    /// `numDims` is 0 or larger than `NVDSINFER_MAX_DIMS`.
    BadDimCount(u32),
    /// A dimension is 0.
    ZeroDim,
    /// The product of the dims overflows or exceeds [`super::meta::MAX_LAYER_ELEMENTS`].
    TooManyElements,
    /// `numElements` disagrees with the product of the dims.
    ElementCountMismatch {
        /// Product of `d[..numDims]`.
        product: u64,
        /// `numElements` as written by the producer.
        num_elements: u32,
    },
    /// The layer's data type is neither FP32 nor FP16 (`NvDsInferDataType` value).
    UnsupportedDataType(u32),
    /// The dims do not describe a `[4 + nc, anchors]` or `[anchors, 4 + nc]` head (after dropping
    /// unit dims) with 1 ≤ nc ≤ `MAX_CLASSES`.
    NotADetectionHead {
        /// Number of non-unit dims.
        rank: u32,
        /// The first two non-unit dims (0 when absent).
        dims: [u32; 2],
    },
    /// The FP16 → FP32 scratch is too short.
    ScratchTooSmall {
        /// Elements needed in total.
        needed: usize,
        /// Elements left in the scratch.
        available: usize,
    },
    /// More head tensors in the frame than the output can hold.
    TooManyTensors {
        /// Capacity of the output.
        capacity: usize,
    },
    /// `network_info` has a zero width or height.
    BadNetworkInfo,
    /// The frame size given for the mapping is zero.
    BadFrameSize,
    /// The tensor view refused the data.
    Tensor(TensorError),
    /// `gst_buffer_map` failed.
    MapFailed,
    /// The mapped memory is smaller than this build's `NvBufSurface`: the buffer is not NVMM
    /// memory, or the DeepStream ABI differs (ABI-A `NvBufSurface` is 64 B, ABI-B 72 B).
    SurfaceTooSmall {
        /// Bytes mapped.
        size: usize,
        /// `size_of::<NvBufSurface>()` of this build.
        expected: usize,
    },
    /// An `NvBufSurface` field is out of range; names the field.
    BadSurface(&'static str),
    /// A surface index past `numFilled`.
    NoSuchSurface {
        /// The index asked for.
        index: u32,
        /// `numFilled`.
        filled: u32,
    },
    /// A crop rectangle is empty, negative or outside the source surface.
    BadRect,
    /// An NvBufSurface / NvBufSurfTransform call failed; names the call and gives its status.
    Call {
        /// The C function.
        function: &'static str,
        /// Its return value.
        status: i32,
    },
}

impl fmt::Display for DsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DsError::NullPointer(what) => write!(f, "DeepStream meta: {what} is NULL"),
            DsError::Misaligned(what) => write!(f, "DeepStream meta: {what} is misaligned"),
            DsError::ListTooLong(what) => {
                write!(f, "DeepStream meta: {what} does not end (cycle or corrupt list)")
            }
            DsError::MetaTooSmall { size } => write!(
                f,
                "a GstMeta tagged \"nvdsmeta\" is {size} bytes, smaller than NvDsMeta (72 bytes)"
            ),
            DsError::TooManyLayers(n) => write!(f, "tensor meta claims {n} output layers"),
            DsError::NoSuchLayer { index, count } => {
                write!(f, "tensor meta has {count} output layers, layer {index} asked for")
            }
            DsError::NoHostCopy => write!(
                f,
                "tensor meta has no host copy of its outputs: set disable-output-host-copy=0 in the \
                 nvinfer config"
            ),
            DsError::BadDimCount(n) => write!(f, "tensor layer has {n} dims (1..=8 allowed)"),
            DsError::ZeroDim => write!(f, "tensor layer has a zero dimension"),
            DsError::TooManyElements => write!(f, "tensor layer dims are absurdly large"),
            DsError::ElementCountMismatch { product, num_elements } => write!(
                f,
                "tensor layer dims multiply to {product} but numElements is {num_elements}"
            ),
            DsError::UnsupportedDataType(t) => write!(
                f,
                "tensor layer data type {t} is not FP32 (0) or FP16 (1): export the head as float"
            ),
            DsError::NotADetectionHead { rank, dims } => write!(
                f,
                "tensor layer of rank {rank} ({}x{}) is not a YOLO head [4+nc, anchors] or \
                 [anchors, 4+nc] with 1..=16 classes",
                dims[0], dims[1]
            ),
            DsError::ScratchTooSmall { needed, available } => {
                write!(f, "FP16 scratch too small: {needed} elements needed, {available} available")
            }
            DsError::TooManyTensors { capacity } => {
                write!(f, "more than {capacity} head tensors in one frame")
            }
            DsError::BadNetworkInfo => write!(f, "tensor meta network_info has a zero size"),
            DsError::BadFrameSize => write!(f, "frame size for the tensor mapping is zero"),
            DsError::Tensor(e) => write!(f, "tensor rejected: {e:?}"),
            DsError::MapFailed => write!(f, "gst_buffer_map failed on the NVMM buffer"),
            DsError::SurfaceTooSmall { size, expected } => write!(
                f,
                "buffer maps {size} bytes, less than NvBufSurface ({expected} bytes): not NVMM \
                 memory, or a DeepStream ABI mismatch (ABI-A 64 B, ABI-B 72 B; see feature ds8)"
            ),
            DsError::BadSurface(what) => write!(f, "NvBufSurface: {what} out of range"),
            DsError::NoSuchSurface { index, filled } => {
                write!(f, "NvBufSurface has {filled} filled surfaces, index {index} asked for")
            }
            DsError::BadRect => write!(f, "crop rectangle empty or outside the source surface"),
            DsError::Call { function, status } => write!(f, "{function} failed with {status}"),
        }
    }
}

impl DsError {
    /// A fixed one-line reason (for error types that carry a `&'static str`, such as
    /// `tensor_meta::TensorMetaError::Foreign`); [`fmt::Display`] gives the details.
    pub fn reason(&self) -> &'static str {
        match self {
            DsError::NullPointer(_) => "DeepStream meta: NULL pointer",
            DsError::Misaligned(_) => "DeepStream meta: misaligned pointer",
            DsError::ListTooLong(_) => "DeepStream meta: list does not end",
            DsError::MetaTooSmall { .. } => "nvdsmeta GstMeta smaller than NvDsMeta",
            DsError::TooManyLayers(_) => "tensor meta: too many output layers",
            DsError::NoSuchLayer { .. } => "tensor meta: no such layer",
            DsError::NoHostCopy => "tensor meta: no host copy (disable-output-host-copy=1)",
            DsError::BadDimCount(_) => "tensor layer: bad number of dims",
            DsError::ZeroDim => "tensor layer: zero dimension",
            DsError::TooManyElements => "tensor layer: dims absurdly large",
            DsError::ElementCountMismatch { .. } => "tensor layer: numElements mismatch",
            DsError::UnsupportedDataType(_) => "tensor layer: not FP32 or FP16",
            DsError::NotADetectionHead { .. } => "tensor layer: not a YOLO detection head",
            DsError::ScratchTooSmall { .. } => "FP16 layer needs a conversion scratch",
            DsError::TooManyTensors { .. } => "too many head tensors in one frame",
            DsError::BadNetworkInfo => "tensor meta: zero network size",
            DsError::BadFrameSize => "frame size for the mapping is zero",
            DsError::Tensor(_) => "tensor view refused the data",
            DsError::MapFailed => "gst_buffer_map failed",
            DsError::SurfaceTooSmall { .. } => "buffer smaller than NvBufSurface (ABI mismatch?)",
            DsError::BadSurface(_) => "NvBufSurface field out of range",
            DsError::NoSuchSurface { .. } => "NvBufSurface: no such surface",
            DsError::BadRect => "crop rectangle outside the surface",
            DsError::Call { .. } => "NvBufSurface call failed",
        }
    }
}

impl std::error::Error for DsError {}

impl From<TensorError> for DsError {
    fn from(e: TensorError) -> Self {
        DsError::Tensor(e)
    }
}
