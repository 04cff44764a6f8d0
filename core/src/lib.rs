//! pitchcam-core: the allocation-free, `no_std` heart of pitchcam.
//!
//! Everything in this crate runs on pitchcam's realtime threads or inside a C caller's pad probe, so
//! it holds three promises, checked by CI:
//!
//! * **no allocator**: every container has a capacity fixed at compile time (const generics) and
//!   overflow is a counted event with a defined policy, never a reallocation. The crate builds for
//!   the bare-metal target `aarch64-unknown-none`, which has neither `std` nor `alloc`;
//! * **checked code only**: `#![forbid(unsafe_code)]`; the FFI boundary lives in the `pitchcam` crate;
//! * **deterministic arithmetic** where results are compared across machines: boxes are integer
//!   panorama pixels × 256 (Q8), scores are Q0.16, and NMS decides overlap in `u64` integers, so
//!   x86_64 and aarch64 keep exactly the same boxes.
//!
//! Module map (data flows top to bottom):
//!
//! | module | holds |
//! |---|---|
//! | [`detect`] | detection types, YOLO head decode, fixed-point NMS |
//! | [`track`] | forward ball tracker and per-frame player summary |
//! | [`obs`] | the per-frame [`obs::Observation`] analysis hands to playback |
//! | [`ring`] | [`ring::DelayRing`], the 7 s store of frame handles keyed by PTS |
//! | [`plan`] | the virtual camera: where to crop at a given PTS |
//! | [`image`] | NV12 views and the crop-and-scale of the output view |
//! | [`sim`] | the synthetic match: ground truth, rendering, detector tensors |
//! | [`stats`] | lock-free latency histograms and counters |
//! | [`geom`], [`time`] | small shared value types |
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

pub mod detect;
pub mod geom;
pub mod image;
pub mod obs;
pub mod plan;
pub mod ring;
pub mod sim;
pub mod stats;
pub mod time;
pub mod track;
