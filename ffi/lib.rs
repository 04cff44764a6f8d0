//! pitchcam: the FFI boundary. Every `unsafe` line of the project lives under `ffi/`.
//!
//! * [`gst`]: owned RAII handles over raw `gstreamer-sys` (buffers, pipelines, elements, bus, caps,
//!   samples, pools), pad-probe and appsink trampolines with panic containment;
//! * [`tensor_meta`]: pitchcam's custom `GstMeta` carrying detector tensors per frame;
//! * [`deepstream`]: the DeepStream ABI (bindgen over installed headers, or checked mirrors);
//! * [`os`]: thread pinning, SCHED_FIFO, memory locking, CPU topology;
//! * [`capi`]: the exported C ABI (`pc_*`, header `include/pitchcam.h`).
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]
#![deny(missing_docs)]

pub use pitchcam_core as core;

pub mod alloc_count;
pub mod capi;
pub mod clock;
pub mod deepstream;
pub mod gst;
pub mod os;
pub mod signals;
pub mod tensor_meta;
