//! The DeepStream ABI: reading nvinfer's tensors and NVMM surfaces, and driving NvBufSurface.
//!
//! * [`abi`] — `#[repr(C)]` mirrors of every DeepStream type pitchcam touches, for both ABIs
//!   (DeepStream 6.1–7.1 and 8.0+), each with compile-time size/offset assertions from
//!   `shared/reference/deepstream-abi.md`. No NVIDIA header text is in this repository.
//! * [`sys`] (only when `build.rs` found DeepStream headers) — bindgen's output over the installed
//!   headers and the compile-time proof that the mirrors match it.
//! * [`meta`] — `GstBuffer` → `NvDsBatchMeta` → frames → `NVDSINFER_TENSOR_OUTPUT_META` →
//!   layers → [`pitchcam_core::detect::Tensor`] views (FP16 converted by [`half`]).
//! * [`reader`] — the same over pitchcam's `gst::BufferRef`, safe, and the `BorrowedReader` for
//!   `tensor_meta::TensorSource::Borrowed` ([`DEEPSTREAM_READER`]).
//! * [`surface`] — `GstBuffer` (memory:NVMM) → `NvBufSurface`, validated.
//! * [`nvbuf`] (feature `deepstream`) — `NvBufSurfaceCreate`/`Destroy`/`Map`/`UnMap`/`Sync*`,
//!   `NvBufSurfTransform` with per-thread session params, the meta lock.
//! * [`pipeline`] — the DeepStream capture pipeline description, the Jetson encoder, the checked
//!   crop pieces, and (feature `deepstream`) the `NvBufSurfTransform` playback crop.
//!
//! **Status: none of this has run on a Jetson or against a real DeepStream installation.** What
//! is verified (on x86_64 and, under qemu, aarch64): the mirrors' layouts against the documented
//! tables; against an independent C definition of the same layouts (C `offsetof`/`sizeof`); the
//! reader against a real `GstBuffer` carrying NvDs-shaped metadata built by C code; bindgen's
//! output over a header folder written by the tests in the documented layout; the NvBufSurface
//! wrappers and the crop transform against stub libraries with the documented semantics. See
//! `docs/jetson.md` for the on-target checklist.

pub mod abi;
pub mod error;
pub mod half;
pub mod meta;
#[cfg(feature = "deepstream")]
pub mod nvbuf;
pub mod pipeline;
pub mod reader;
pub mod surface;
#[cfg(pitchcam_ds_bindgen)]
pub mod sys;

pub use error::DsError;
pub use meta::{
    BatchMeta, FrameMeta, HeadShape, InputGeometry, Layer, LayerData, TensorMeta,
    batch_meta_from_buffer,
};
pub use reader::{DEEPSTREAM_READER, batch_meta, read_frame_tensors};
pub use surface::MappedSurface;

/// Whether this build's mirrors were checked against installed DeepStream headers by bindgen.
pub const BINDGEN_CHECKED: bool = cfg!(pitchcam_ds_bindgen);
